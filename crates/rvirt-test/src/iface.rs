//! Host interfaces of the test driver (`testInterface*`), with change transactions.

use rvirt_core::*;
use rvirt_xml::interface::InterfaceDef;

use crate::state::{Iface, State};
use crate::TestDriver;

fn by_name(state: &State, name: &str) -> Result<usize> {
    state.iface_index_by_name(name).ok_or_else(|| {
        Error::new(
            ErrorDomain::Test,
            ErrorCode::NoInterface,
            format!("no interface with matching name '{name}'"),
        )
    })
}

fn check_flags(flags: u32, allowed: u32, function: &str) -> Result<()> {
    if flags & !allowed != 0 {
        return Err(Error::unsupported_flags(
            ErrorDomain::Test,
            flags & !allowed,
            function,
        ));
    }
    Ok(())
}

impl InterfaceDriver for TestDriver {
    fn connect_list_all_interfaces(&self, flags: ListInterfacesFlags) -> Result<Vec<InterfaceRef>> {
        check_flags(flags.bits(), 0x3, "testConnectListAllInterfaces")?;
        self.read(|st| {
            let want_active = flags.contains(ListInterfacesFlags::ACTIVE);
            let want_inactive = flags.contains(ListInterfacesFlags::INACTIVE);
            let mut list: Vec<InterfaceRef> = st
                .ifaces
                .iter()
                .filter(|i| {
                    (!want_active && !want_inactive)
                        || (want_active && i.active)
                        || (want_inactive && !i.active)
                })
                .map(Iface::handle)
                .collect();
            list.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(list)
        })
    }
    fn interface_lookup_by_name(&self, name: &str) -> Result<InterfaceRef> {
        self.read(|st| Ok(st.ifaces[by_name(st, name)?].handle()))
    }
    fn interface_lookup_by_mac_string(&self, mac: &str) -> Result<InterfaceRef> {
        self.read(|st| {
            let found: Vec<&Iface> = st
                .ifaces
                .iter()
                .filter(|i| {
                    i.def
                        .mac
                        .as_deref()
                        .is_some_and(|m| m.eq_ignore_ascii_case(mac))
                })
                .collect();
            match found.as_slice() {
                [] => Err(Error::new(
                    ErrorDomain::Test,
                    ErrorCode::NoInterface,
                    format!("no interface with matching mac '{mac}'"),
                )),
                [one] => Ok(InterfaceRef {
                    name: one.def.name.clone(),
                    mac: mac.to_string(),
                }),
                _ => Err(Error::bare(
                    ErrorDomain::Test,
                    ErrorCode::MultipleInterfaces,
                )),
            }
        })
    }
    fn interface_get_xml_desc(
        &self,
        iface: &InterfaceRef,
        flags: XmlInactiveFlags,
    ) -> Result<String> {
        check_flags(flags.bits(), 0, "testInterfaceGetXMLDesc")?;
        self.read(|st| Ok(st.ifaces[by_name(st, &iface.name)?].def.format(false)))
    }
    fn interface_define_xml(&self, xml: &str, flags: u32) -> Result<InterfaceRef> {
        check_flags(flags, 1, "testInterfaceDefineXML")?;
        let def = InterfaceDef::parse(xml)?;
        self.write(|st, _| {
            let index = match st.iface_index_by_name(&def.name) {
                Some(i) => {
                    st.ifaces[i].def = def;
                    i
                }
                None => {
                    st.ifaces.push(Iface { def, active: false });
                    st.ifaces.len() - 1
                }
            };
            Ok(st.ifaces[index].handle())
        })
    }
    fn interface_undefine(&self, iface: &InterfaceRef) -> Result<()> {
        self.write(|st, _| {
            let index = by_name(st, &iface.name)?;
            st.ifaces.remove(index);
            Ok(())
        })
    }
    fn interface_create(&self, iface: &InterfaceRef, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testInterfaceCreate")?;
        self.write(|st, _| {
            let index = by_name(st, &iface.name)?;
            if st.ifaces[index].active {
                return Err(Error::bare(ErrorDomain::Test, ErrorCode::OperationInvalid));
            }
            st.ifaces[index].active = true;
            Ok(())
        })
    }
    fn interface_destroy(&self, iface: &InterfaceRef, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testInterfaceDestroy")?;
        self.write(|st, _| {
            let index = by_name(st, &iface.name)?;
            if !st.ifaces[index].active {
                return Err(Error::bare(ErrorDomain::Test, ErrorCode::OperationInvalid));
            }
            st.ifaces[index].active = false;
            Ok(())
        })
    }
    fn interface_is_active(&self, iface: &InterfaceRef) -> Result<bool> {
        self.read(|st| Ok(st.ifaces[by_name(st, &iface.name)?].active))
    }
    fn interface_change_begin(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testInterfaceChangeBegin")?;
        self.write(|st, _| {
            if st.iface_backup.is_some() {
                return Err(Error::invalid_operation(
                    ErrorDomain::Test,
                    "there is another transaction running.",
                ));
            }
            // The saved copy holds definitions only: libvirt's clone does not carry the
            // active flag, so a rollback leaves every interface inactive.
            let saved = st
                .ifaces
                .iter()
                .map(|i| Iface {
                    def: i.def.clone(),
                    active: false,
                })
                .collect();
            st.iface_backup = Some(saved);
            Ok(())
        })
    }
    fn interface_change_commit(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testInterfaceChangeCommit")?;
        self.write(|st, _| {
            if st.iface_backup.take().is_none() {
                return Err(Error::invalid_operation(
                    ErrorDomain::Test,
                    "no transaction running, nothing to be committed.",
                ));
            }
            Ok(())
        })
    }
    fn interface_change_rollback(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testInterfaceChangeRollback")?;
        self.write(|st, _| match st.iface_backup.take() {
            Some(saved) => {
                st.ifaces = saved;
                Ok(())
            }
            None => Err(Error::invalid_operation(
                ErrorDomain::Test,
                "no transaction running, nothing to rollback.",
            )),
        })
    }
}
