//! The in-memory objects of one test-driver state, and the small rules libvirt's object lists
//! apply to them (which definition is live, which is persistent, how ids are handed out).

use rvirt_core::{
    DomainRef, DomainState, InterfaceRef, NetworkRef, NodeInfo, StoragePoolRef, Uuid,
};
use rvirt_xml::domain::DomainDef;
use rvirt_xml::interface::InterfaceDef;
use rvirt_xml::network::NetworkDef;
use rvirt_xml::nodedev::NodeDeviceDef;
use rvirt_xml::storage::{PoolDef, VolumeDef};

use crate::domainlist::DomainList;

/// One NUMA cell of the fake host (`test:///default` has two).
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    /// KiB.
    pub mem: u64,
    /// KiB.
    pub free_mem: u64,
    pub cpu_ids: Vec<u32>,
}

/// A domain: `def` is the running definition while active and the persistent one otherwise;
/// `new_def` holds the persistent definition while the domain runs (libvirt's `newDef`).
#[derive(Debug, Clone)]
pub(crate) struct Domain {
    pub def: DomainDef,
    pub new_def: Option<DomainDef>,
    pub state: DomainState,
    pub reason: i32,
    pub persistent: bool,
    pub autostart: bool,
    pub managed_save: bool,
    /// Guest time reported by `virDomainGetTime` (seconds, nanoseconds).
    pub time: (i64, u32),
    pub snapshots: Vec<crate::snapshot::Snapshot>,
    pub current_snapshot: Option<String>,
    /// `def` formatted without flags, once asked for.
    pub formatted: FormattedXml,
}

/// A domain's XML as `virDomainGetXMLDesc` without flags gives it, kept until the domain
/// changes: formatting is most of what such a call costs. Every change goes through
/// `DomainList::get_mut`, which clears it, and a copy starts empty (a copy is made to be
/// changed).
#[derive(Debug, Default)]
pub(crate) struct FormattedXml(std::sync::OnceLock<String>);

impl Clone for FormattedXml {
    fn clone(&self) -> Self {
        FormattedXml::default()
    }
}

impl FormattedXml {
    /// The kept document, formatting it with `format` the first time.
    pub fn get_or_format(&self, format: impl FnOnce() -> String) -> String {
        self.0.get_or_init(format).clone()
    }

    pub fn clear(&mut self) {
        self.0.take();
    }
}

impl Domain {
    pub fn new(def: DomainDef) -> Self {
        Domain {
            def,
            new_def: None,
            state: DomainState::Shutoff,
            reason: 0,
            persistent: false,
            autostart: false,
            managed_save: false,
            // The value libvirt's test driver starts every guest clock at.
            time: (627_319_920, 0),
            snapshots: Vec::new(),
            current_snapshot: None,
            formatted: FormattedXml::default(),
        }
    }

    pub fn is_active(&self) -> bool {
        self.def.id.is_some()
    }

    pub fn id(&self) -> i32 {
        self.def.id.unwrap_or(-1)
    }

    pub fn handle(&self) -> DomainRef {
        DomainRef {
            name: self.def.name.clone(),
            uuid: self.def.uuid,
            id: self.id(),
        }
    }

    /// The definition that survives a shutdown.
    pub fn persistent_def(&self) -> &DomainDef {
        self.new_def.as_ref().unwrap_or(&self.def)
    }

    /// `virDomainObjRemoveTransientDef` plus the shutoff state.
    pub fn shut_off(&mut self, reason: i32) {
        if let Some(persistent) = self.new_def.take() {
            self.def = persistent;
        }
        self.def.id = None;
        self.state = DomainState::Shutoff;
        self.reason = reason;
    }

    /// `testDomainStartState`: running with a fresh id; a persistent domain keeps a copy of
    /// its configuration to return to.
    pub fn start(&mut self, id: i32, reason: i32) {
        self.state = DomainState::Running;
        self.reason = reason;
        if self.persistent && self.new_def.is_none() {
            let mut saved = self.def.clone();
            saved.id = None;
            self.new_def = Some(saved);
        }
        self.def.id = Some(id);
        self.managed_save = false;
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Network {
    pub def: NetworkDef,
    pub new_def: Option<NetworkDef>,
    pub active: bool,
    pub persistent: bool,
    pub autostart: bool,
}

impl Network {
    pub fn handle(&self) -> NetworkRef {
        NetworkRef {
            name: self.def.name.clone(),
            uuid: self.def.uuid,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Pool {
    pub def: PoolDef,
    pub new_def: Option<PoolDef>,
    pub active: bool,
    /// libvirt's test driver marks persistence by giving the pool a (empty) config file.
    pub persistent: bool,
    pub autostart: bool,
    pub volumes: Vec<VolumeDef>,
}

impl Pool {
    pub fn handle(&self) -> StoragePoolRef {
        StoragePoolRef {
            name: self.def.name.clone(),
            uuid: self.def.uuid,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Iface {
    pub def: InterfaceDef,
    pub active: bool,
}

impl Iface {
    pub fn handle(&self) -> InterfaceRef {
        InterfaceRef {
            name: self.def.name.clone(),
            mac: self.def.mac.clone().unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct NodeDev {
    pub def: NodeDeviceDef,
}

/// Everything one test connection (or the shared `test:///default`) holds. Domains sit
/// behind `Arc`s in shared chunks (see [`DomainList`]) so that copying the state for a
/// change (see `TestDriver::write`) copies few pointers, and only the domain being changed
/// and its chunk are duplicated (`domain_mut`).
#[derive(Debug, Clone)]
pub(crate) struct State {
    pub node_info: NodeInfo,
    pub cells: Vec<Cell>,
    pub next_domain_id: i32,
    pub domains: DomainList,
    pub networks: Vec<std::sync::Arc<Network>>,
    pub pools: Vec<std::sync::Arc<Pool>>,
    pub ifaces: Vec<Iface>,
    /// Interfaces as they were when `virInterfaceChangeBegin` ran.
    pub iface_backup: Option<Vec<Iface>>,
    pub devices: Vec<NodeDev>,
    /// `<auth><user password=...>name</user></auth>` of a node file: who may connect.
    pub auth_users: Vec<(String, Option<String>)>,
}

/// `defaultNodeInfo` of libvirt's test driver.
pub(crate) fn default_node_info() -> NodeInfo {
    NodeInfo {
        model: "i686".to_string(),
        memory: 1024 * 1024 * 3,
        cpus: 16,
        mhz: 1400,
        nodes: 2,
        sockets: 2,
        cores: 2,
        threads: 2,
    }
}

impl State {
    pub fn empty() -> Self {
        State {
            node_info: default_node_info(),
            cells: Vec::new(),
            next_domain_id: 1,
            domains: DomainList::default(),
            networks: Vec::new(),
            pools: Vec::new(),
            ifaces: Vec::new(),
            iface_backup: None,
            devices: Vec::new(),
            auth_users: Vec::new(),
        }
    }

    /// The domain at `index`, made unique so it can be changed.
    pub fn domain_mut(&mut self, index: usize) -> &mut Domain {
        self.domains.get_mut(index)
    }

    /// Brings lookup keys up to date after a change, before the state is shared again.
    pub fn settle(&mut self) {
        self.domains.refresh_keys();
    }

    /// The state with its lookup keys up to date.
    pub fn settled(mut self) -> Self {
        self.settle();
        self
    }

    pub fn network_mut(&mut self, index: usize) -> &mut Network {
        std::sync::Arc::make_mut(&mut self.networks[index])
    }

    pub fn pool_mut(&mut self, index: usize) -> &mut Pool {
        std::sync::Arc::make_mut(&mut self.pools[index])
    }

    pub fn take_domain_id(&mut self) -> i32 {
        let id = self.next_domain_id;
        self.next_domain_id = self.next_domain_id.wrapping_add(1);
        id
    }

    pub fn domain_index_by_uuid(&self, uuid: &Uuid) -> Option<usize> {
        self.domains.index_by_uuid(uuid)
    }

    pub fn domain_index_by_name(&self, name: &str) -> Option<usize> {
        self.domains.index_by_name(name)
    }

    pub fn network_index_by_name(&self, name: &str) -> Option<usize> {
        self.networks.iter().position(|n| n.def.name == name)
    }

    pub fn network_index_by_uuid(&self, uuid: &Uuid) -> Option<usize> {
        self.networks.iter().position(|n| n.def.uuid == *uuid)
    }

    pub fn pool_index_by_name(&self, name: &str) -> Option<usize> {
        self.pools.iter().position(|p| p.def.name == name)
    }

    pub fn pool_index_by_uuid(&self, uuid: &Uuid) -> Option<usize> {
        self.pools.iter().position(|p| p.def.uuid == *uuid)
    }

    pub fn iface_index_by_name(&self, name: &str) -> Option<usize> {
        self.ifaces.iter().position(|i| i.def.name == name)
    }

    pub fn device_index_by_name(&self, name: &str) -> Option<usize> {
        self.devices.iter().position(|d| d.def.name == name)
    }
}
