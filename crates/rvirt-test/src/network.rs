//! Virtual networks of the test driver (`testNetwork*`): definitions only, nothing real.

use rvirt_core::events::object_lifecycle as lc;
use rvirt_core::*;
use rvirt_xml::network::NetworkDef;

use crate::state::{Network, State};
use crate::TestDriver;

fn event(net: &Network, kind: i32) -> Event {
    Event::NetworkLifecycle {
        network: net.handle(),
        event: kind,
        detail: 0,
    }
}

/// `virNetworkObjAssignDef`: refuse name/UUID clashes, then add a network or give the
/// existing one the definition (`live`: as its running definition).
pub(crate) fn assign_network(
    state: &mut State,
    def: NetworkDef,
    live: bool,
    check_live: bool,
) -> Result<usize> {
    if let Some(index) = state.network_index_by_uuid(&def.uuid) {
        let net = state.network_mut(index);
        if net.def.name != def.name {
            return Err(Error::new(
                ErrorDomain::Network,
                ErrorCode::OperationFailed,
                format!(
                    "network '{}' is already defined with uuid {}",
                    net.def.name,
                    uuid_string(&net.def.uuid)
                ),
            ));
        }
        if check_live && net.active {
            return Err(Error::invalid_operation(
                ErrorDomain::Network,
                format!("network is already active as '{}'", net.def.name),
            ));
        }
        if live {
            if net.persistent && net.new_def.is_none() {
                net.new_def = Some(std::mem::replace(&mut net.def, def));
            } else {
                net.def = def;
            }
        } else {
            if net.active {
                net.new_def = Some(def);
            } else {
                net.new_def = None;
                net.def = def;
            }
            net.persistent = true;
        }
        return Ok(index);
    }
    if let Some(index) = state.network_index_by_name(&def.name) {
        return Err(Error::new(
            ErrorDomain::Network,
            ErrorCode::OperationFailed,
            format!(
                "network '{}' already exists with uuid {}",
                def.name,
                uuid_string(&state.networks[index].def.uuid)
            ),
        ));
    }
    state.networks.push(std::sync::Arc::new(Network {
        def,
        new_def: None,
        active: false,
        persistent: !live,
        autostart: false,
    }));
    Ok(state.networks.len() - 1)
}

fn by_name(state: &State, name: &str) -> Result<usize> {
    state.network_index_by_name(name).ok_or_else(|| {
        Error::new(
            ErrorDomain::Test,
            ErrorCode::NoNetwork,
            format!("no network with matching name '{name}'"),
        )
    })
}

fn by_uuid(state: &State, uuid: &Uuid) -> Result<usize> {
    state.network_index_by_uuid(uuid).ok_or_else(|| {
        Error::new(
            ErrorDomain::Test,
            ErrorCode::NoNetwork,
            format!("no network with matching uuid '{}'", uuid_string(uuid)),
        )
    })
}

fn matches(net: &Network, flags: ListNetworksFlags) -> bool {
    type F = ListNetworksFlags;
    let pair = |yes: F, no: F, value: bool| {
        !flags.intersects(yes | no)
            || (flags.contains(yes) && value)
            || (flags.contains(no) && !value)
    };
    pair(F::ACTIVE, F::INACTIVE, net.active)
        && pair(F::PERSISTENT, F::TRANSIENT, net.persistent)
        && pair(F::AUTOSTART, F::NO_AUTOSTART, net.autostart)
}

impl NetworkDriver for TestDriver {
    fn connect_list_all_networks(&self, flags: ListNetworksFlags) -> Result<Vec<NetworkRef>> {
        if flags.bits() & !0x3f != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::Test,
                flags.bits() & !0x3f,
                "testConnectListAllNetworks",
            ));
        }
        self.read(|st| {
            let mut list: Vec<NetworkRef> = st
                .networks
                .iter()
                .filter(|n| matches(n, flags))
                .map(|n| n.handle())
                .collect();
            list.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(list)
        })
    }
    fn network_lookup_by_name(&self, name: &str) -> Result<NetworkRef> {
        self.read(|st| Ok(st.networks[by_name(st, name)?].handle()))
    }
    fn network_lookup_by_uuid(&self, uuid: &Uuid) -> Result<NetworkRef> {
        self.read(|st| Ok(st.networks[by_uuid(st, uuid)?].handle()))
    }
    fn network_define_xml(&self, xml: &str, flags: u32) -> Result<NetworkRef> {
        const VALIDATE: u32 = 1;
        if flags & !VALIDATE != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::Test,
                flags & !VALIDATE,
                "testNetworkDefineXMLFlags",
            ));
        }
        let def = NetworkDef::parse(xml)?;
        self.write(|st, events| {
            let index = assign_network(st, def, false, false)?;
            let net = &st.networks[index];
            events.push(event(net, lc::DEFINED));
            Ok(net.handle())
        })
    }
    fn network_create_xml(&self, xml: &str, flags: u32) -> Result<NetworkRef> {
        if flags != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::Test,
                flags,
                "testNetworkCreateXMLFlags",
            ));
        }
        let def = NetworkDef::parse(xml)?;
        self.write(|st, events| {
            let index = assign_network(st, def, true, true)?;
            let net = st.network_mut(index);
            net.active = true;
            events.push(event(net, lc::STARTED));
            Ok(net.handle())
        })
    }
    fn network_undefine(&self, net: &NetworkRef) -> Result<()> {
        self.write(|st, events| {
            let index = by_name(st, &net.name)?;
            if st.networks[index].active {
                return Err(Error::invalid_operation(
                    ErrorDomain::Test,
                    format!("Network '{}' is still running", net.name),
                ));
            }
            events.push(Event::NetworkLifecycle {
                network: net.clone(),
                event: lc::UNDEFINED,
                detail: 0,
            });
            st.networks.remove(index);
            Ok(())
        })
    }
    fn network_create(&self, net: &NetworkRef) -> Result<()> {
        self.write(|st, events| {
            let index = by_name(st, &net.name)?;
            let obj = st.network_mut(index);
            if obj.active {
                return Err(Error::invalid_operation(
                    ErrorDomain::Test,
                    format!("Network '{}' is already running", net.name),
                ));
            }
            obj.active = true;
            events.push(event(obj, lc::STARTED));
            Ok(())
        })
    }
    fn network_destroy(&self, net: &NetworkRef) -> Result<()> {
        self.write(|st, events| {
            let index = by_name(st, &net.name)?;
            let obj = st.network_mut(index);
            obj.active = false;
            events.push(event(obj, lc::STOPPED));
            if !obj.persistent {
                st.networks.remove(index);
            }
            Ok(())
        })
    }
    fn network_get_xml_desc(&self, net: &NetworkRef, flags: XmlInactiveFlags) -> Result<String> {
        if flags.bits() != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::Test,
                flags.bits(),
                "testNetworkGetXMLDesc",
            ));
        }
        self.read(|st| Ok(st.networks[by_name(st, &net.name)?].def.format(false)))
    }
    fn network_get_bridge_name(&self, net: &NetworkRef) -> Result<String> {
        self.read(|st| {
            let obj = &st.networks[by_name(st, &net.name)?];
            obj.def.bridge_name.clone().ok_or_else(|| {
                Error::internal(
                    ErrorDomain::Test,
                    format!("network '{}' does not have a bridge name.", obj.def.name),
                )
            })
        })
    }
    fn network_update(
        &self,
        net: &NetworkRef,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: &str,
        flags: u32,
    ) -> Result<()> {
        const LIVE: u32 = 1;
        const CONFIG: u32 = 2;
        if flags & !(LIVE | CONFIG) != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::Test,
                flags & !(LIVE | CONFIG),
                "testNetworkUpdate",
            ));
        }
        self.write(|st, _| {
            let index = by_uuid(st, &net.uuid)?;
            let obj = st.network_mut(index);
            let (mut live, mut config) = (flags & LIVE != 0, flags & CONFIG != 0);
            if !live && !config {
                live = obj.active;
                config = !obj.active;
            }
            if live && !obj.active {
                return Err(Error::invalid_operation(
                    ErrorDomain::Network,
                    "network is not running",
                ));
            }
            if config {
                if !obj.persistent {
                    return Err(Error::invalid_operation(
                        ErrorDomain::Network,
                        "cannot change persistent config of a transient network",
                    ));
                }
                if obj.active && obj.new_def.is_none() {
                    obj.new_def = Some(obj.def.clone());
                }
            }
            let new_live = if live {
                Some(crate::netupdate::update(
                    &obj.def,
                    command,
                    section,
                    parent_index,
                    xml,
                )?)
            } else {
                None
            };
            if config {
                let persistent = obj.new_def.as_ref().unwrap_or(&obj.def);
                let updated =
                    crate::netupdate::update(persistent, command, section, parent_index, xml)?;
                // virNetworkObjReplacePersistentDef: the next config of a running network,
                // the definition itself otherwise.
                if obj.active {
                    obj.new_def = Some(updated);
                } else {
                    obj.def = updated;
                }
            }
            if let Some(d) = new_live {
                obj.def = d;
            }
            Ok(())
        })
    }
    fn network_get_autostart(&self, net: &NetworkRef) -> Result<bool> {
        self.read(|st| Ok(st.networks[by_name(st, &net.name)?].autostart))
    }
    fn network_set_autostart(&self, net: &NetworkRef, autostart: bool) -> Result<()> {
        self.write(|st, _| {
            let index = by_name(st, &net.name)?;
            st.network_mut(index).autostart = autostart;
            Ok(())
        })
    }
    fn network_is_active(&self, net: &NetworkRef) -> Result<bool> {
        self.read(|st| Ok(st.networks[by_uuid(st, &net.uuid)?].active))
    }
    fn network_is_persistent(&self, net: &NetworkRef) -> Result<bool> {
        self.read(|st| Ok(st.networks[by_uuid(st, &net.uuid)?].persistent))
    }
}
