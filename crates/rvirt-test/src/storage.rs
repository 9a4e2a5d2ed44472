//! Storage pools and volumes of the test driver (`testStoragePool*`, `testStorageVol*`):
//! every pool reports 100 GiB and volumes only move the pool's allocation.

use rvirt_core::events::object_lifecycle as lc;
use rvirt_core::*;
use rvirt_xml::storage::{PoolDef, VolumeDef};

use crate::loader::DEFAULT_POOL_CAPACITY;
use crate::state::{Pool, State};
use crate::TestDriver;

fn event(pool: &StoragePoolRef, kind: i32) -> Event {
    Event::StoragePoolLifecycle {
        pool: pool.clone(),
        event: kind,
        detail: 0,
    }
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

fn set_default_sizes(def: &mut PoolDef) {
    def.capacity = DEFAULT_POOL_CAPACITY;
    def.allocation = 0;
    def.available = DEFAULT_POOL_CAPACITY;
}

/// `virStoragePoolObjListAdd`: refuse a pool whose storage another pool already uses, and
/// name/UUID clashes; then add the pool or replace the existing one's definition.
pub(crate) fn add_pool(state: &mut State, def: PoolDef, check_live: bool) -> Result<usize> {
    let path_kind = matches!(def.pool_type.as_str(), "dir" | "fs" | "netfs");
    if path_kind {
        if let Some(other) = state.pools.iter().find(|p| {
            p.def.name != def.name
                && p.def.pool_type == def.pool_type
                && p.def.target_path.is_some()
                && p.def.target_path == def.target_path
        }) {
            return Err(Error::new(
                ErrorDomain::Storage,
                ErrorCode::OperationFailed,
                format!("Storage source conflict with pool: '{}'", other.def.name),
            ));
        }
    }
    if let Some(index) = state.pool_index_by_uuid(&def.uuid) {
        let pool = state.pool_mut(index);
        if pool.def.name != def.name {
            return Err(Error::new(
                ErrorDomain::Storage,
                ErrorCode::OperationFailed,
                format!(
                    "pool '{}' is already defined with uuid {}",
                    pool.def.name,
                    uuid_string(&pool.def.uuid)
                ),
            ));
        }
        if check_live && pool.active {
            return Err(Error::invalid_operation(
                ErrorDomain::Storage,
                format!("pool is already active as '{}'", pool.def.name),
            ));
        }
        if pool.active {
            pool.new_def = Some(def);
        } else {
            pool.def = def;
        }
        return Ok(index);
    }
    if let Some(index) = state.pool_index_by_name(&def.name) {
        return Err(Error::new(
            ErrorDomain::Storage,
            ErrorCode::OperationFailed,
            format!(
                "pool '{}' already exists with uuid {}",
                def.name,
                uuid_string(&state.pools[index].def.uuid)
            ),
        ));
    }
    state.pools.push(std::sync::Arc::new(Pool {
        def,
        new_def: None,
        active: false,
        persistent: false,
        autostart: false,
        volumes: Vec::new(),
    }));
    Ok(state.pools.len() - 1)
}

fn by_name(state: &State, name: &str) -> Result<usize> {
    state.pool_index_by_name(name).ok_or_else(|| {
        Error::new(
            ErrorDomain::Test,
            ErrorCode::NoStoragePool,
            format!("no storage pool with matching name '{name}'"),
        )
    })
}

fn by_uuid(state: &State, uuid: &Uuid) -> Result<usize> {
    state.pool_index_by_uuid(uuid).ok_or_else(|| {
        Error::new(
            ErrorDomain::Test,
            ErrorCode::NoStoragePool,
            format!("no storage pool with matching uuid '{}'", uuid_string(uuid)),
        )
    })
}

fn active_by_name(state: &State, name: &str) -> Result<usize> {
    let index = by_name(state, name)?;
    if !state.pools[index].active {
        return Err(Error::invalid_operation(
            ErrorDomain::Test,
            format!("storage pool '{name}' is not active"),
        ));
    }
    Ok(index)
}

fn inactive_by_name(state: &State, name: &str) -> Result<usize> {
    let index = by_name(state, name)?;
    if state.pools[index].active {
        return Err(Error::invalid_operation(
            ErrorDomain::Test,
            format!("storage pool '{name}' is active"),
        ));
    }
    Ok(index)
}

fn vol_by_name(pool: &Pool, name: &str) -> Result<usize> {
    pool.volumes
        .iter()
        .position(|v| v.name == name)
        .ok_or_else(|| {
            Error::new(
                ErrorDomain::Test,
                ErrorCode::NoStorageVol,
                format!("no storage vol with matching name '{name}'"),
            )
        })
}

fn vol_ref(pool: &Pool, vol: &VolumeDef) -> StorageVolRef {
    StorageVolRef {
        pool: pool.def.name.clone(),
        name: vol.name.clone(),
        key: vol.key.clone().unwrap_or_default(),
    }
}

/// `testStorageVolumeTypeForPool`.
fn volume_type(pool_type: &str) -> StorageVolType {
    match pool_type {
        "dir" | "fs" | "netfs" | "vstorage" => StorageVolType::File,
        "sheepdog" | "iscsi-direct" | "gluster" | "rbd" => StorageVolType::Network,
        _ => StorageVolType::Block,
    }
}

fn matches(pool: &Pool, flags: ListStoragePoolsFlags) -> bool {
    type F = ListStoragePoolsFlags;
    let pair = |yes: F, no: F, value: bool| {
        !flags.intersects(yes | no)
            || (flags.contains(yes) && value)
            || (flags.contains(no) && !value)
    };
    if !(pair(F::ACTIVE, F::INACTIVE, pool.active)
        && pair(F::PERSISTENT, F::TRANSIENT, pool.persistent)
        && pair(F::AUTOSTART, F::NO_AUTOSTART, pool.autostart))
    {
        return false;
    }
    let types: [(F, &str); 14] = [
        (F::DIR, "dir"),
        (F::FS, "fs"),
        (F::NETFS, "netfs"),
        (F::LOGICAL, "logical"),
        (F::DISK, "disk"),
        (F::ISCSI, "iscsi"),
        (F::SCSI, "scsi"),
        (F::MPATH, "mpath"),
        (F::RBD, "rbd"),
        (F::SHEEPDOG, "sheepdog"),
        (F::GLUSTER, "gluster"),
        (F::ZFS, "zfs"),
        (F::VSTORAGE, "vstorage"),
        (F::ISCSI_DIRECT, "iscsi-direct"),
    ];
    let wanted: Vec<&str> = types
        .iter()
        .filter(|(flag, _)| flags.contains(*flag))
        .map(|(_, name)| *name)
        .collect();
    wanted.is_empty() || wanted.contains(&pool.def.pool_type.as_str())
}

/// Adds a parsed volume to an active pool, as volume creation does.
fn add_volume(st: &mut State, pool_index: usize, mut vol: VolumeDef) -> Result<StorageVolRef> {
    let pool = st.pool_mut(pool_index);
    if pool.volumes.iter().any(|v| v.name == vol.name) {
        return Err(Error::new(
            ErrorDomain::Test,
            ErrorCode::OperationFailed,
            "storage vol already exists",
        ));
    }
    if pool.def.allocation.wrapping_add(vol.allocation) > pool.def.capacity {
        return Err(Error::internal(
            ErrorDomain::Test,
            format!("Not enough free space in pool for volume '{}'", vol.name),
        ));
    }
    let base = pool.def.target_path.clone().unwrap_or_default();
    let path = format!("{base}/{}", vol.name);
    vol.target_path = Some(path.clone());
    vol.key = Some(path);
    pool.def.allocation = pool.def.allocation.wrapping_add(vol.allocation);
    pool.def.available = pool.def.capacity.wrapping_sub(pool.def.allocation);
    let handle = vol_ref(pool, &vol);
    pool.volumes.push(vol);
    Ok(handle)
}

/// `virStoragePoolType` names in libvirt's order (the index matters: see below).
const POOL_TYPES: &[&str] = &[
    "dir",
    "fs",
    "netfs",
    "logical",
    "disk",
    "iscsi",
    "iscsi-direct",
    "scsi",
    "mpath",
    "rbd",
    "sheepdog",
    "gluster",
    "zfs",
    "vstorage",
];

const LOGICAL_SOURCES: &str = "<sources>
  <source>
    <device path='/dev/sda20'/>
    <name>testvg1</name>
    <format type='lvm2'/>
  </source>
  <source>
    <device path='/dev/sda21'/>
    <name>testvg2</name>
    <format type='lvm2'/>
  </source>
</sources>
";

/// `testConnectFindStoragePoolSources`: fixed answers for logical and netfs pools.
fn find_sources(kind: &str, spec: Option<&str>) -> Result<String> {
    let index = POOL_TYPES.iter().position(|t| *t == kind);
    // libvirt tests the enum value for zero, so "dir" (the first type) counts as unknown.
    if index == Some(0) {
        return Err(Error::internal(
            ErrorDomain::Test,
            format!("unknown storage pool type {kind}"),
        ));
    }
    let host = match spec {
        Some(text) => {
            let doc = rvirt_xml::parse::parse_document(
                text,
                "storage_source_specification",
                ErrorDomain::Storage,
            )?;
            let host = doc
                .descendants()
                .find(|n| n.is_element() && n.tag_name().name() == "host")
                .and_then(|n| n.attribute("name"))
                .map(str::to_string);
            host
        }
        None => None,
    };
    match kind {
        "logical" => Ok(LOGICAL_SOURCES.to_string()),
        "netfs" => {
            let Some(host) = host else {
                return Err(Error::invalid_arg(
                    ErrorDomain::Test,
                    "hostname must be specified for netfs sources",
                ));
            };
            let mut w = rvirt_xml::XmlWriter::new();
            w.open("sources", &[]);
            w.open("source", &[]);
            w.empty("host", &[("name", Some(&host))]);
            w.empty("dir", &[("path", Some("/testshare"))]);
            w.empty("format", &[("type", Some("nfs"))]);
            w.close("source");
            w.close("sources");
            Ok(w.finish())
        }
        _ => Err(Error::new(
            ErrorDomain::Test,
            ErrorCode::NoSupport,
            format!("pool type '{kind}' does not support source discovery"),
        )),
    }
}

impl StorageDriver for TestDriver {
    fn connect_find_storage_pool_sources(
        &self,
        kind: &str,
        src_spec: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        check_flags(flags, 0, "testConnectFindStoragePoolSources")?;
        find_sources(kind, src_spec)
    }
    fn connect_list_all_storage_pools(
        &self,
        flags: ListStoragePoolsFlags,
    ) -> Result<Vec<StoragePoolRef>> {
        check_flags(flags.bits(), 0xfffff, "testConnectListAllStoragePools")?;
        self.read(|st| {
            let mut list: Vec<StoragePoolRef> = st
                .pools
                .iter()
                .filter(|p| matches(p, flags))
                .map(|p| p.handle())
                .collect();
            list.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(list)
        })
    }
    fn storage_pool_lookup_by_name(&self, name: &str) -> Result<StoragePoolRef> {
        self.read(|st| Ok(st.pools[by_name(st, name)?].handle()))
    }
    fn storage_pool_lookup_by_uuid(&self, uuid: &Uuid) -> Result<StoragePoolRef> {
        self.read(|st| Ok(st.pools[by_uuid(st, uuid)?].handle()))
    }
    fn storage_pool_define_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        check_flags(flags, 1, "testStoragePoolDefineXML")?;
        let mut def = PoolDef::parse(xml)?;
        set_default_sizes(&mut def);
        self.write(|st, events| {
            let index = add_pool(st, def, false)?;
            let pool = st.pool_mut(index);
            events.push(event(&pool.handle(), lc::DEFINED));
            set_default_sizes(&mut pool.def);
            pool.persistent = true;
            Ok(pool.handle())
        })
    }
    fn storage_pool_create_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        check_flags(flags, 0, "testStoragePoolCreateXML")?;
        let def = PoolDef::parse(xml)?;
        let adapter = crate::xmlutil::pool_fc_adapter(&def.format(false));
        self.write(|st, events| {
            let index = add_pool(st, def, true)?;
            // A pool on a vHBA makes the vHBA appear, as the test driver mocks it.
            if let Some((wwnn, wwpn)) = &adapter {
                crate::nodedev::create_vport(st, wwnn, wwpn, events)?;
            }
            let pool = st.pool_mut(index);
            set_default_sizes(&mut pool.def);
            pool.persistent = false;
            pool.active = true;
            events.push(event(&pool.handle(), lc::STARTED));
            Ok(pool.handle())
        })
    }
    fn storage_pool_build(
        &self,
        pool: &StoragePoolRef,
        flags: StoragePoolBuildFlags,
    ) -> Result<()> {
        check_flags(flags.bits(), 0, "testStoragePoolBuild")?;
        self.write(|st, events| {
            inactive_by_name(st, &pool.name)?;
            events.push(event(pool, lc::CREATED));
            Ok(())
        })
    }
    fn storage_pool_undefine(&self, pool: &StoragePoolRef) -> Result<()> {
        self.write(|st, events| {
            let index = inactive_by_name(st, &pool.name)?;
            events.push(event(pool, lc::UNDEFINED));
            st.pools.remove(index);
            Ok(())
        })
    }
    fn storage_pool_create(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testStoragePoolCreate")?;
        self.write(|st, events| {
            let index = inactive_by_name(st, &pool.name)?;
            st.pool_mut(index).active = true;
            events.push(event(pool, lc::STARTED));
            Ok(())
        })
    }
    fn storage_pool_destroy(&self, pool: &StoragePoolRef) -> Result<()> {
        // Two steps, as libvirt: the pool is inactive even when removing its vHBA then fails.
        let on_vhba = self.write(|st, _| {
            let index = active_by_name(st, &pool.name)?;
            st.pool_mut(index).active = false;
            Ok(crate::xmlutil::pool_fc_adapter(&st.pools[index].def.format(false)).is_some())
        })?;
        self.write(|st, events| {
            if on_vhba {
                crate::nodedev::destroy_vport(st, events)?;
            }
            let index = by_name(st, &pool.name)?;
            let obj = &st.pools[index];
            events.push(event(&obj.handle(), lc::STOPPED));
            if !obj.persistent {
                st.pools.remove(index);
            }
            Ok(())
        })
    }
    fn storage_pool_delete(
        &self,
        pool: &StoragePoolRef,
        flags: StoragePoolDeleteFlags,
    ) -> Result<()> {
        check_flags(flags.bits(), 0, "testStoragePoolDelete")?;
        self.write(|st, events| {
            inactive_by_name(st, &pool.name)?;
            events.push(event(pool, lc::DELETED));
            Ok(())
        })
    }
    fn storage_pool_refresh(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testStoragePoolRefresh")?;
        self.write(|st, events| {
            active_by_name(st, &pool.name)?;
            events.push(Event::StoragePoolRefresh { pool: pool.clone() });
            Ok(())
        })
    }
    fn storage_pool_get_info(&self, pool: &StoragePoolRef) -> Result<StoragePoolInfo> {
        self.read(|st| {
            let obj = &st.pools[by_name(st, &pool.name)?];
            Ok(StoragePoolInfo {
                state: if obj.active {
                    StoragePoolState::Running
                } else {
                    StoragePoolState::Inactive
                },
                capacity: obj.def.capacity,
                allocation: obj.def.allocation,
                available: obj.def.available,
            })
        })
    }
    fn storage_pool_get_xml_desc(
        &self,
        pool: &StoragePoolRef,
        flags: XmlInactiveFlags,
    ) -> Result<String> {
        check_flags(flags.bits(), 0, "testStoragePoolGetXMLDesc")?;
        self.read(|st| Ok(st.pools[by_name(st, &pool.name)?].def.format(false)))
    }
    fn storage_pool_get_autostart(&self, pool: &StoragePoolRef) -> Result<bool> {
        self.read(|st| {
            let obj = &st.pools[by_name(st, &pool.name)?];
            Ok(obj.persistent && obj.autostart)
        })
    }
    fn storage_pool_set_autostart(&self, pool: &StoragePoolRef, autostart: bool) -> Result<()> {
        self.write(|st, _| {
            let index = by_name(st, &pool.name)?;
            let obj = st.pool_mut(index);
            if !obj.persistent {
                return Err(Error::invalid_arg(
                    ErrorDomain::Test,
                    "pool has no config file",
                ));
            }
            obj.autostart = autostart;
            Ok(())
        })
    }
    fn storage_pool_is_active(&self, pool: &StoragePoolRef) -> Result<bool> {
        self.read(|st| Ok(st.pools[by_uuid(st, &pool.uuid)?].active))
    }
    fn storage_pool_is_persistent(&self, pool: &StoragePoolRef) -> Result<bool> {
        self.read(|st| Ok(st.pools[by_uuid(st, &pool.uuid)?].persistent))
    }
    fn storage_pool_list_all_volumes(
        &self,
        pool: &StoragePoolRef,
        flags: u32,
    ) -> Result<Vec<StorageVolRef>> {
        check_flags(flags, 0, "testStoragePoolListAllVolumes")?;
        self.read(|st| {
            let obj = &st.pools[by_uuid(st, &pool.uuid)?];
            if !obj.active {
                return Err(Error::invalid_operation(
                    ErrorDomain::Test,
                    "storage pool is not active",
                ));
            }
            let mut list: Vec<StorageVolRef> =
                obj.volumes.iter().map(|v| vol_ref(obj, v)).collect();
            list.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(list)
        })
    }
    fn storage_vol_lookup_by_name(
        &self,
        pool: &StoragePoolRef,
        name: &str,
    ) -> Result<StorageVolRef> {
        self.read(|st| {
            let obj = &st.pools[active_by_name(st, &pool.name)?];
            Ok(vol_ref(obj, &obj.volumes[vol_by_name(obj, name)?]))
        })
    }
    fn storage_vol_lookup_by_key(&self, key: &str) -> Result<StorageVolRef> {
        self.read(|st| {
            st.pools
                .iter()
                .filter(|p| p.active)
                .find_map(|p| {
                    p.volumes
                        .iter()
                        .find(|v| v.key.as_deref() == Some(key))
                        .map(|v| vol_ref(p, v))
                })
                .ok_or_else(|| {
                    Error::new(
                        ErrorDomain::Test,
                        ErrorCode::NoStorageVol,
                        format!("no storage vol with matching key '{key}'"),
                    )
                })
        })
    }
    fn storage_vol_lookup_by_path(&self, path: &str) -> Result<StorageVolRef> {
        self.read(|st| {
            st.pools
                .iter()
                .filter(|p| p.active)
                .find_map(|p| {
                    p.volumes
                        .iter()
                        .find(|v| v.target_path.as_deref() == Some(path))
                        .map(|v| vol_ref(p, v))
                })
                .ok_or_else(|| {
                    Error::new(
                        ErrorDomain::Test,
                        ErrorCode::NoStorageVol,
                        format!("no storage vol with matching path '{path}'"),
                    )
                })
        })
    }
    fn storage_vol_create_xml(
        &self,
        pool: &StoragePoolRef,
        xml: &str,
        flags: StorageVolCreateFlags,
    ) -> Result<StorageVolRef> {
        check_flags(flags.bits(), 0, "testStorageVolCreateXML")?;
        self.write(|st, _| {
            let index = active_by_name(st, &pool.name)?;
            let vol = VolumeDef::parse(xml, &st.pools[index].def.pool_type)?;
            add_volume(st, index, vol)
        })
    }
    fn storage_vol_create_xml_from(
        &self,
        pool: &StoragePoolRef,
        xml: &str,
        clone_from: &StorageVolRef,
        flags: StorageVolCreateFlags,
    ) -> Result<StorageVolRef> {
        check_flags(flags.bits(), 0, "testStorageVolCreateXMLFrom")?;
        self.write(|st, _| {
            let index = active_by_name(st, &pool.name)?;
            let obj = &st.pools[index];
            let vol = VolumeDef::parse(xml, &obj.def.pool_type)?;
            if obj.volumes.iter().any(|v| v.name == vol.name) {
                return Err(Error::new(
                    ErrorDomain::Test,
                    ErrorCode::OperationFailed,
                    "storage vol already exists",
                ));
            }
            // The source is looked up by name in the destination pool, as libvirt's test
            // driver does.
            vol_by_name(obj, &clone_from.name)?;
            add_volume(st, index, vol)
        })
    }
    fn storage_vol_delete(&self, vol: &StorageVolRef, flags: StorageVolDeleteFlags) -> Result<()> {
        check_flags(flags.bits(), 0, "testStorageVolDelete")?;
        self.write(|st, _| {
            let index = active_by_name(st, &vol.pool)?;
            let pool = st.pool_mut(index);
            let vi = vol_by_name(pool, &vol.name)?;
            let removed = pool.volumes.remove(vi);
            pool.def.allocation = pool.def.allocation.wrapping_sub(removed.allocation);
            pool.def.available = pool.def.capacity.wrapping_sub(pool.def.allocation);
            Ok(())
        })
    }
    fn storage_vol_get_info(&self, vol: &StorageVolRef) -> Result<StorageVolInfo> {
        self.read(|st| {
            let pool = &st.pools[active_by_name(st, &vol.pool)?];
            let v = &pool.volumes[vol_by_name(pool, &vol.name)?];
            Ok(StorageVolInfo {
                kind: volume_type(&pool.def.pool_type),
                capacity: v.capacity,
                allocation: v.allocation,
            })
        })
    }
    fn storage_vol_get_xml_desc(&self, vol: &StorageVolRef, flags: u32) -> Result<String> {
        check_flags(flags, 0, "testStorageVolGetXMLDesc")?;
        self.read(|st| {
            let pool = &st.pools[active_by_name(st, &vol.pool)?];
            let v = &pool.volumes[vol_by_name(pool, &vol.name)?];
            Ok(v.format(&pool.def.pool_type))
        })
    }
    fn storage_vol_get_path(&self, vol: &StorageVolRef) -> Result<String> {
        self.read(|st| {
            let pool = &st.pools[active_by_name(st, &vol.pool)?];
            let v = &pool.volumes[vol_by_name(pool, &vol.name)?];
            Ok(v.target_path.clone().unwrap_or_default())
        })
    }
}
