//! The storage driver: pool objects and their volumes, persistent config, state files of
//! running pools, autostart, events, and the `rvirt_core::StorageDriver` operations with
//! libvirt's checks and errors (`storage_driver.c`, `virstorageobj.c`).
//!
//! One mutex guards every pool. Slow work (building, cloning, wiping a volume, transfers)
//! runs with the lock released while the volume is marked `building` or `in_use`, the way
//! libvirt drops the pool lock; events are emitted after the lock is released.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use rvirt_core::events::object_lifecycle as lifecycle;
use rvirt_core::{
    Error, ErrorCode, ErrorDomain, Event, EventBus, ListStoragePoolsFlags, Result,
    StoragePoolBuildFlags, StoragePoolDeleteFlags, StoragePoolInfo, StoragePoolRef,
    StoragePoolState, StorageVolCreateFlags, StorageVolDeleteFlags, StorageVolInfo, StorageVolRef,
    StorageVolResizeFlags, StorageVolTransferFlags, StorageVolType, Stream, Uuid, WipeAlgorithm,
    XmlInactiveFlags,
};
use rvirt_xml::storage::{sanitize_path, PoolDef, VolumeDef};

use crate::stream::{DownloadStream, UploadStream};
use crate::{backend, fsutil, logical, probe, volume};

const D: ErrorDomain = ErrorDomain::Storage;

/// Pool create flags (`virStoragePoolCreateFlags`).
const POOL_CREATE_WITH_BUILD: u32 = 1;
const POOL_CREATE_WITH_BUILD_OVERWRITE: u32 = 2;
const POOL_CREATE_WITH_BUILD_NO_OVERWRITE: u32 = 4;
/// `VIR_STORAGE_POOL_DEFINE_VALIDATE`.
const POOL_DEFINE_VALIDATE: u32 = 1;

struct VolObj {
    def: VolumeDef,
    building: bool,
    in_use: u32,
}

struct PoolObj {
    /// The running definition (sizes and target permissions filled in by refresh).
    def: PoolDef,
    /// A persistent definition to take over when the pool stops.
    new_def: Option<PoolDef>,
    config_file: Option<PathBuf>,
    autostart: bool,
    active: bool,
    starting: bool,
    async_jobs: u32,
    volumes: Vec<VolObj>,
}

impl PoolObj {
    fn new(def: PoolDef) -> Self {
        PoolObj {
            def,
            new_def: None,
            config_file: None,
            autostart: false,
            active: false,
            starting: false,
            async_jobs: 0,
            volumes: Vec::new(),
        }
    }

    fn handle(&self) -> StoragePoolRef {
        StoragePoolRef {
            name: self.def.name.clone(),
            uuid: self.def.uuid,
        }
    }

    fn vol_ref(&self, vol: &VolumeDef) -> StorageVolRef {
        StorageVolRef {
            pool: self.def.name.clone(),
            name: vol.name.clone(),
            key: vol.key.clone().unwrap_or_default(),
        }
    }

    fn find_vol(&self, name: &str) -> Option<usize> {
        self.volumes.iter().position(|v| v.def.name == name)
    }

    fn target(&self) -> String {
        self.def.target_path.clone().unwrap_or_default()
    }
}

fn lifecycle_event(pool: StoragePoolRef, event: i32) -> Event {
    Event::StoragePoolLifecycle {
        pool,
        event,
        detail: 0,
    }
}

fn not_active(name: &str) -> Error {
    Error::invalid_operation(D, format!("storage pool '{name}' is not active"))
}

fn still_active(name: &str) -> Error {
    Error::invalid_operation(D, format!("storage pool '{name}' is still active"))
}

fn already_active(name: &str) -> Error {
    Error::invalid_operation(D, format!("storage pool '{name}' is already active"))
}

fn starting_up(name: &str) -> Error {
    Error::invalid_operation(D, format!("storage pool '{name}' is starting up"))
}

fn async_jobs(name: &str) -> Error {
    Error::internal(D, format!("pool '{name}' has asynchronous jobs running."))
}

fn no_vol_named(name: &str) -> Error {
    Error::new(
        D,
        ErrorCode::NoStorageVol,
        format!("no storage vol with matching name '{name}'"),
    )
}

fn vol_in_use(name: &str) -> Error {
    Error::invalid_operation(D, format!("volume '{name}' is still in use."))
}

fn vol_building(name: &str) -> Error {
    Error::invalid_operation(D, format!("volume '{name}' is still being allocated."))
}

/// State shared by the driver and its open streams.
pub(crate) struct Shared {
    config_dir: PathBuf,
    autostart_dir: PathBuf,
    state_dir: PathBuf,
    /// The bus the driver was opened with.
    events: Arc<EventBus>,
    /// Buses of further connections sharing this driver (see [`StorageDriver::open_shared`]).
    extra_buses: Mutex<Vec<Weak<EventBus>>>,
    pools: Mutex<Vec<PoolObj>>,
}

/// Drivers open in this process, by their (config, state) directories, so that every
/// connection to one instance sees the same pools, busy volumes and running jobs. They
/// live as long as the process, as libvirt's storage driver lives as long as its daemon:
/// starting one again would take every dir pool whose directory exists for running.
static OPEN_DRIVERS: Mutex<Vec<(PathBuf, PathBuf, Arc<StorageDriver>)>> = Mutex::new(Vec::new());

/// rvirt's storage driver for `qemu:///system`, `qemu:///session` and `qemu:///embed`.
pub struct StorageDriver {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for StorageDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageDriver")
            .field("config_dir", &self.shared.config_dir)
            .field("state_dir", &self.shared.state_dir)
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Vec<PoolObj>> {
        self.pools.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn emit(&self, events: Vec<Event>) {
        let extra: Vec<Arc<EventBus>> = {
            let mut buses = self.extra_buses.lock().unwrap_or_else(|p| p.into_inner());
            buses.retain(|b| b.strong_count() > 0);
            buses.iter().filter_map(Weak::upgrade).collect()
        };
        for e in events {
            for bus in &extra {
                if !Arc::ptr_eq(bus, &self.events) {
                    bus.emit(e.clone());
                }
            }
            self.events.emit(e);
        }
    }

    fn config_path(&self, name: &str) -> PathBuf {
        self.config_dir.join(format!("{name}.xml"))
    }

    fn autostart_link(&self, name: &str) -> PathBuf {
        self.autostart_dir.join(format!("{name}.xml"))
    }

    fn state_path(&self, name: &str) -> PathBuf {
        self.state_dir.join(format!("{name}.xml"))
    }

    /// Records a running pool so a restarted driver takes it back.
    fn save_state(&self, def: &PoolDef) -> Result<()> {
        let mut xml = String::from("<poolstate version='1'>\n");
        for line in def.format(false).lines() {
            xml.push_str("  ");
            xml.push_str(line);
            xml.push('\n');
        }
        xml.push_str("</poolstate>\n");
        let path = self.state_path(&def.name);
        fsutil::write_atomic(&path, xml.as_bytes()).map_err(|e| {
            Error::system(
                D,
                &e,
                format!("cannot save state file '{}'", path.display()),
            )
        })
    }

    fn remove_state(&self, name: &str) {
        let _ = fs::remove_file(self.state_path(name));
    }

    /// Writes a pool's persistent configuration.
    fn save_config(&self, def: &PoolDef) -> Result<PathBuf> {
        let path = self.config_path(&def.name);
        let mut xml = format!(
            "<!--\nWARNING: this file is generated by rvirt and rewritten on changes; edit the\n\
             pool with 'virsh pool-edit {}' or through the API instead.\n-->\n\n",
            def.name
        );
        xml.push_str(&def.format(true));
        fsutil::write_atomic(&path, xml.as_bytes()).map_err(|e| {
            Error::system(
                D,
                &e,
                format!("cannot write config file '{}'", path.display()),
            )
        })?;
        Ok(path)
    }

    fn find_by_uuid(pools: &[PoolObj], pool: &StoragePoolRef) -> Result<usize> {
        pools
            .iter()
            .position(|p| p.def.uuid == pool.uuid)
            .ok_or_else(|| {
                Error::new(
                    D,
                    ErrorCode::NoStoragePool,
                    format!(
                        "no storage pool with matching uuid '{}' ({})",
                        pool.uuid.hyphenated(),
                        pool.name
                    ),
                )
            })
    }

    fn find_by_name(pools: &[PoolObj], name: &str) -> Result<usize> {
        pools
            .iter()
            .position(|p| p.def.name == name)
            .ok_or_else(|| {
                Error::new(
                    D,
                    ErrorCode::NoStoragePool,
                    format!("no storage pool with matching name '{name}'"),
                )
            })
    }

    /// A volume of an active pool by handle: (pool index, volume index).
    fn find_vol(pools: &[PoolObj], vol: &StorageVolRef) -> Result<(usize, usize)> {
        let p = Self::find_by_name(pools, &vol.pool)?;
        if !pools[p].active {
            return Err(not_active(&pools[p].def.name));
        }
        let v = pools[p]
            .find_vol(&vol.name)
            .ok_or_else(|| no_vol_named(&vol.name))?;
        Ok((p, v))
    }

    /// What libvirt does when a pool stops or fails to start: transient pools go away, a
    /// pending persistent definition takes over.
    fn update_inactive(pools: &mut Vec<PoolObj>, idx: usize) {
        if pools[idx].config_file.is_none() {
            pools.remove(idx);
        } else if let Some(nd) = pools[idx].new_def.take() {
            pools[idx].def = nd;
        }
    }

    /// Rescans a pool's volumes (libvirt's `storagePoolRefreshImpl`); on failure the
    /// volumes are dropped, the state file removed and the pool stopped.
    fn refresh_pool(&self, obj: &mut PoolObj, state_file: bool) -> Result<()> {
        obj.volumes.clear();
        match backend::refresh(&mut obj.def) {
            Ok(vols) => {
                obj.volumes = vols
                    .into_iter()
                    .map(|def| VolObj {
                        def,
                        building: false,
                        in_use: 0,
                    })
                    .collect();
                Ok(())
            }
            Err(e) => {
                if state_file {
                    self.remove_state(&obj.def.name);
                }
                let _ = backend::stop(&obj.def);
                Err(e)
            }
        }
    }

    /// libvirt's `virStoragePoolObjListAdd`: source conflicts, name/UUID duplicates, then
    /// either an update of the existing object or a new one. Returns the index and whether
    /// the object is new.
    fn list_add(
        pools: &mut Vec<PoolObj>,
        def: PoolDef,
        live: bool,
        check_live: bool,
    ) -> Result<(usize, bool)> {
        if let Some(other) = pools
            .iter()
            .find(|p| p.def.name != def.name && source_conflict(&p.def, &def))
        {
            return Err(Error::new(
                D,
                ErrorCode::OperationFailed,
                format!("Storage source conflict with pool: '{}'", other.def.name),
            ));
        }
        if let Some(idx) = pools.iter().position(|p| p.def.uuid == def.uuid) {
            let obj = &mut pools[idx];
            if obj.def.name != def.name {
                return Err(Error::new(
                    D,
                    ErrorCode::OperationFailed,
                    format!(
                        "pool '{}' is already defined with uuid {}",
                        obj.def.name,
                        obj.def.uuid.hyphenated()
                    ),
                ));
            }
            if check_live {
                if obj.active {
                    return Err(Error::invalid_operation(
                        D,
                        format!("pool is already active as '{}'", obj.def.name),
                    ));
                }
                if obj.starting {
                    return Err(starting_up(&obj.def.name));
                }
            }
            if obj.active || obj.starting {
                obj.new_def = Some(def);
            } else {
                if obj.new_def.is_none() && live {
                    obj.new_def = Some(std::mem::replace(&mut obj.def, def));
                } else {
                    obj.def = def;
                }
            }
            return Ok((idx, false));
        }
        if let Some(obj) = pools.iter().find(|p| p.def.name == def.name) {
            return Err(Error::new(
                D,
                ErrorCode::OperationFailed,
                format!(
                    "pool '{}' already exists with uuid {}",
                    def.name,
                    obj.def.uuid.hyphenated()
                ),
            ));
        }
        pools.push(PoolObj::new(def));
        Ok((pools.len() - 1, true))
    }

    /// Starts an inactive pool (build when asked, start, state file, refresh); the caller
    /// has marked it `starting`. Returns the event to emit.
    fn start_pool(&self, obj: &mut PoolObj, flags: u32) -> Result<Event> {
        Self::prepare_start(&obj.def, flags)?;
        self.finish_start(obj)
    }

    /// The slow half of starting a pool (building when asked, mounting, activating the
    /// volume group), which needs no lock: the pool is marked `starting` meanwhile.
    fn prepare_start(def: &PoolDef, flags: u32) -> Result<()> {
        let mut build_flags = StoragePoolBuildFlags::empty();
        if flags & POOL_CREATE_WITH_BUILD_OVERWRITE != 0 {
            build_flags |= StoragePoolBuildFlags::OVERWRITE;
        } else if flags & POOL_CREATE_WITH_BUILD_NO_OVERWRITE != 0 {
            build_flags |= StoragePoolBuildFlags::NO_OVERWRITE;
        }
        if !build_flags.is_empty() || flags & POOL_CREATE_WITH_BUILD != 0 {
            backend::build(def, build_flags)?;
        }
        backend::start(def)
    }

    /// Records the running pool and lists its volumes.
    fn finish_start(&self, obj: &mut PoolObj) -> Result<Event> {
        self.save_state(&obj.def)?;
        self.refresh_pool(obj, true)?;
        obj.active = true;
        Ok(lifecycle_event(obj.handle(), lifecycle::STARTED))
    }
}

/// Whether two pools would use the same storage (libvirt's source-duplicate check for the
/// types rvirt knows: same target directory for dir pools, same device for fs pools, same
/// host and export for netfs pools).
fn source_conflict(a: &PoolDef, b: &PoolDef) -> bool {
    if a.pool_type != b.pool_type {
        return false;
    }
    match a.pool_type.as_str() {
        "dir" => a.target_path == b.target_path,
        "fs" => a
            .source
            .devices
            .iter()
            .any(|d| b.source.devices.iter().any(|e| e.path == d.path)),
        "netfs" => {
            a.source.dir == b.source.dir
                && match (a.source.hosts.first(), b.source.hosts.first()) {
                    (Some(x), Some(y)) => x.0 == y.0 && (y.1.is_none() || x.1 == y.1),
                    _ => false,
                }
        }
        _ => false,
    }
}

/// Parses a pool definition as `virStoragePoolDefParse` and the driver's extra checks do.
fn parse_pool(xml: &str) -> Result<PoolDef> {
    let def = PoolDef::parse(xml)?;
    backend::check_supported(&def.pool_type)?;
    Ok(def)
}

/// Reads the `<pool>` inside a state file (`<poolstate>`).
fn parse_state_file(text: &str) -> Result<PoolDef> {
    let doc = roxmltree::Document::parse(text)
        .map_err(|e| Error::xml(D, format!("invalid state file: {e}")))?;
    let root = doc.root_element();
    let pool = if root.has_tag_name("pool") {
        root
    } else {
        root.children()
            .find(|n| n.has_tag_name("pool"))
            .ok_or_else(|| Error::xml(D, "state file has no <pool>"))?
    };
    PoolDef::from_node(pool)
}

fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml") && p.is_file())
        .collect();
    files.sort();
    files
}

impl StorageDriver {
    /// Opens the driver over `config_dir/storage` (pool definitions, `autostart/` links) and
    /// `state_dir/storage` (running pools): loads every pool, takes back the running ones
    /// and starts the autostart pools, as libvirt does when its daemon starts.
    pub fn open(
        config_dir: PathBuf,
        state_dir: PathBuf,
        events: Arc<EventBus>,
    ) -> Result<Arc<StorageDriver>> {
        let shared = Arc::new(Shared {
            autostart_dir: config_dir.join("storage").join("autostart"),
            config_dir: config_dir.join("storage"),
            state_dir: state_dir.join("storage"),
            events,
            extra_buses: Mutex::new(Vec::new()),
            pools: Mutex::new(Vec::new()),
        });
        fs::create_dir_all(&shared.state_dir).map_err(|e| {
            Error::system(
                D,
                &e,
                format!("cannot create directory {}", shared.state_dir.display()),
            )
        })?;
        {
            let mut pools = shared.lock();
            for path in xml_files(&shared.state_dir) {
                let loaded = fs::read_to_string(&path)
                    .map_err(|e| Error::system(D, &e, "read"))
                    .and_then(|t| parse_state_file(&t));
                match loaded {
                    Ok(def) => {
                        if let Ok((idx, _)) = Shared::list_add(&mut pools, def, true, false) {
                            pools[idx].active = true;
                        }
                    }
                    Err(e) => tracing::warn!(file = %path.display(), error = %e, "bad state file"),
                }
            }
            for path in xml_files(&shared.config_dir) {
                if let Err(e) = load_config(&shared, &mut pools, &path) {
                    tracing::warn!(file = %path.display(), error = %e, "cannot load pool");
                }
            }
            // libvirt asks each backend whether the pool is running (a dir pool whose
            // directory exists is) and refreshes those that are.
            let mut idx = 0;
            while idx < pools.len() {
                let mut active = backend::check_active(&pools[idx].def);
                if active {
                    if let Err(e) = shared.refresh_pool(&mut pools[idx], true) {
                        tracing::warn!(pool = %pools[idx].def.name, error = %e, "failed to restart storage pool");
                        active = false;
                    }
                } else {
                    shared.remove_state(&pools[idx].def.name);
                }
                pools[idx].active = active;
                if !active {
                    let before = pools.len();
                    Shared::update_inactive(&mut pools, idx);
                    if pools.len() < before {
                        continue;
                    }
                }
                idx += 1;
            }
            for obj in pools.iter_mut().filter(|p| p.autostart && !p.active) {
                obj.starting = true;
                if let Err(e) = shared.start_pool(obj, 0) {
                    tracing::warn!(pool = %obj.def.name, error = %e, "failed to autostart storage pool");
                }
                obj.starting = false;
            }
        }
        Ok(Arc::new(StorageDriver { shared }))
    }

    /// Like [`StorageDriver::open`], but returns the driver already open in this process
    /// for the same directories when there is one (drivers opened this way stay open for
    /// the process's lifetime), adding `events` to the buses it reports to (held weakly: a
    /// closed connection's bus simply stops receiving). This is what a connection facade
    /// uses, so that all connections to an instance share one state.
    pub fn open_shared(
        config_dir: PathBuf,
        state_dir: PathBuf,
        events: Arc<EventBus>,
    ) -> Result<Arc<StorageDriver>> {
        let mut open = OPEN_DRIVERS.lock().unwrap_or_else(|p| p.into_inner());
        let existing = open
            .iter()
            .find(|(c, s, _)| *c == config_dir && *s == state_dir)
            .map(|(_, _, d)| Arc::clone(d));
        if let Some(driver) = existing {
            driver.add_event_bus(&events);
            return Ok(driver);
        }
        let driver = Self::open(config_dir.clone(), state_dir.clone(), events)?;
        open.push((config_dir, state_dir, Arc::clone(&driver)));
        Ok(driver)
    }

    /// Also reports events to `bus` (held weakly).
    pub fn add_event_bus(&self, bus: &Arc<EventBus>) {
        if Arc::ptr_eq(bus, &self.shared.events) {
            return;
        }
        let mut buses = self
            .shared
            .extra_buses
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        buses.retain(|b| b.strong_count() > 0);
        if !buses.iter().any(|b| b.as_ptr() == Arc::as_ptr(bus)) {
            buses.push(Arc::downgrade(bus));
        }
    }

    fn shared(&self) -> &Shared {
        &self.shared
    }
}

/// Loads one persistent definition (`virStoragePoolObjLoad`).
fn load_config(shared: &Shared, pools: &mut Vec<PoolObj>, path: &Path) -> Result<()> {
    let text = fs::read_to_string(path)
        .map_err(|e| Error::system(D, &e, format!("cannot read '{}'", path.display())))?;
    let def = PoolDef::parse(&text)?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if stem != def.name {
        return Err(Error::xml(
            D,
            format!(
                "Storage pool config filename '{}' does not match pool name '{}'",
                path.display(),
                def.name
            ),
        ));
    }
    let name = def.name.clone();
    let (idx, _) = Shared::list_add(pools, def, false, false)?;
    let link = shared.autostart_link(&name);
    pools[idx].autostart = fs::read_link(&link).is_ok_and(|t| t == path);
    pools[idx].config_file = Some(path.to_path_buf());
    Ok(())
}

fn matches_filter(obj: &PoolObj, flags: ListStoragePoolsFlags) -> bool {
    use ListStoragePoolsFlags as F;
    let pair = |yes: F, no: F, value: bool| {
        let (y, n) = (flags.contains(yes), flags.contains(no));
        !(y || n) || (y && value) || (n && !value)
    };
    if !pair(F::ACTIVE, F::INACTIVE, obj.active)
        || !pair(F::PERSISTENT, F::TRANSIENT, obj.config_file.is_some())
        || !pair(F::AUTOSTART, F::NO_AUTOSTART, obj.autostart)
    {
        return false;
    }
    let types: &[(F, &str)] = &[
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
        .filter(|(f, _)| flags.contains(*f))
        .map(|(_, n)| *n)
        .collect();
    wanted.is_empty() || wanted.contains(&obj.def.pool_type.as_str())
}

/// Does the volume XML have an element named `name` under `<volume>`?
fn xml_has_child(xml: &str, name: &str) -> bool {
    roxmltree::Document::parse(xml)
        .ok()
        .is_some_and(|d| d.root_element().children().any(|c| c.has_tag_name(name)))
}

impl rvirt_core::StorageDriver for StorageDriver {
    fn connect_list_all_storage_pools(
        &self,
        flags: ListStoragePoolsFlags,
    ) -> Result<Vec<StoragePoolRef>> {
        let pools = self.shared().lock();
        Ok(pools
            .iter()
            .filter(|p| matches_filter(p, flags))
            .map(PoolObj::handle)
            .collect())
    }

    fn connect_find_storage_pool_sources(
        &self,
        kind: &str,
        src_spec: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        const KNOWN: &[&str] = &[
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
        if !KNOWN.contains(&kind) {
            return Err(Error::internal(
                D,
                format!("unknown storage pool type {kind}"),
            ));
        }
        backend::check_supported(kind)?;
        match kind {
            "logical" => {
                if flags != 0 {
                    return Err(Error::unsupported_flags(
                        D,
                        flags,
                        "virStorageBackendLogicalFindPoolSources",
                    ));
                }
                logical::find_sources()
            }
            "netfs" => {
                if src_spec.is_none_or(str::is_empty) {
                    return Err(Error::invalid_arg(
                        D,
                        "hostname must be specified for netfs sources",
                    ));
                }
                Err(Error::new(
                    D,
                    ErrorCode::NoSupport,
                    "NFS export discovery is not available",
                ))
            }
            _ => Err(Error::new(
                D,
                ErrorCode::NoSupport,
                format!("pool type '{kind}' does not support source discovery"),
            )),
        }
    }

    fn storage_pool_lookup_by_name(&self, name: &str) -> Result<StoragePoolRef> {
        let pools = self.shared().lock();
        let idx = Shared::find_by_name(&pools, name)?;
        Ok(pools[idx].handle())
    }

    fn storage_pool_lookup_by_uuid(&self, uuid: &Uuid) -> Result<StoragePoolRef> {
        let pools = self.shared().lock();
        pools
            .iter()
            .find(|p| p.def.uuid == *uuid)
            .map(PoolObj::handle)
            .ok_or_else(|| {
                Error::new(
                    D,
                    ErrorCode::NoStoragePool,
                    format!("no storage pool with matching uuid '{}'", uuid.hyphenated()),
                )
            })
    }

    fn storage_pool_lookup_by_target_path(&self, path: &str) -> Result<StoragePoolRef> {
        let clean = sanitize_path(path);
        let pools = self.shared().lock();
        if let Some(p) = pools
            .iter()
            .find(|p| p.active && p.def.target_path.as_deref() == Some(clean.as_str()))
        {
            return Ok(p.handle());
        }
        let detail = if clean == path {
            format!("no storage pool with matching target path '{path}'")
        } else {
            format!("no storage pool with matching target path '{path}' ({clean})")
        };
        Err(Error::new(D, ErrorCode::NoStoragePool, detail))
    }

    fn storage_pool_define_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        if flags & !POOL_DEFINE_VALIDATE != 0 {
            return Err(Error::unsupported_flags(
                D,
                flags & !POOL_DEFINE_VALIDATE,
                "storagePoolDefineXML",
            ));
        }
        let def = parse_pool(xml)?;
        if def.name.contains('\n') {
            return Err(Error::xml(
                ErrorDomain::Xml,
                format!("name {} cannot contain '\\n'", def.name),
            ));
        }
        let sh = self.shared();
        let mut pools = sh.lock();
        let (idx, is_new) = Shared::list_add(&mut pools, def, false, false)?;
        let to_save = pools[idx]
            .new_def
            .clone()
            .unwrap_or_else(|| pools[idx].def.clone());
        match sh.save_config(&to_save) {
            Ok(path) => pools[idx].config_file = Some(path),
            Err(e) => {
                if is_new {
                    pools.remove(idx);
                }
                return Err(e);
            }
        }
        let handle = pools[idx].handle();
        drop(pools);
        sh.emit(vec![lifecycle_event(handle.clone(), lifecycle::DEFINED)]);
        Ok(handle)
    }

    fn storage_pool_create_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        let allowed = POOL_CREATE_WITH_BUILD
            | POOL_CREATE_WITH_BUILD_OVERWRITE
            | POOL_CREATE_WITH_BUILD_NO_OVERWRITE;
        if flags & !allowed != 0 {
            return Err(Error::unsupported_flags(
                D,
                flags & !allowed,
                "storagePoolCreateXML",
            ));
        }
        let def = parse_pool(xml)?;
        let (handle, def) = {
            let mut pools = self.shared().lock();
            let (idx, _) = Shared::list_add(&mut pools, def, true, true)?;
            pools[idx].starting = true;
            (pools[idx].handle(), pools[idx].def.clone())
        };
        self.start_unlocked(&handle, &def, flags)?;
        Ok(handle)
    }

    fn storage_pool_build(
        &self,
        pool: &StoragePoolRef,
        flags: StoragePoolBuildFlags,
    ) -> Result<()> {
        let sh = self.shared();
        let def = {
            let mut pools = sh.lock();
            let idx = Shared::find_by_uuid(&pools, pool)?;
            let obj = &mut pools[idx];
            if obj.active {
                return Err(already_active(&obj.def.name));
            }
            if obj.starting {
                return Err(starting_up(&obj.def.name));
            }
            obj.starting = true;
            obj.def.clone()
        };
        // Formatting a device can take long: other pools stay usable meanwhile.
        let built = backend::build(&def, flags);
        let mut pools = sh.lock();
        let idx = Shared::find_by_uuid(&pools, pool)?;
        pools[idx].starting = false;
        let handle = pools[idx].handle();
        Shared::update_inactive(&mut pools, idx);
        drop(pools);
        built?;
        sh.emit(vec![lifecycle_event(handle, lifecycle::CREATED)]);
        Ok(())
    }

    fn storage_pool_undefine(&self, pool: &StoragePoolRef) -> Result<()> {
        let sh = self.shared();
        let mut pools = sh.lock();
        let idx = Shared::find_by_uuid(&pools, pool)?;
        let obj = &pools[idx];
        if obj.active {
            return Err(still_active(&obj.def.name));
        }
        if obj.starting {
            return Err(starting_up(&obj.def.name));
        }
        if obj.async_jobs > 0 {
            return Err(async_jobs(&obj.def.name));
        }
        let Some(config) = obj.config_file.clone() else {
            return Err(Error::internal(
                D,
                format!("no config file for {}", obj.def.name),
            ));
        };
        if fs::remove_file(&config).is_err() {
            return Err(Error::internal(
                D,
                format!("cannot remove config for {}", obj.def.name),
            ));
        }
        let _ = fs::remove_file(sh.autostart_link(&obj.def.name));
        let handle = obj.handle();
        pools.remove(idx);
        drop(pools);
        sh.emit(vec![lifecycle_event(handle, lifecycle::UNDEFINED)]);
        Ok(())
    }

    fn storage_pool_create(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        let allowed = POOL_CREATE_WITH_BUILD
            | POOL_CREATE_WITH_BUILD_OVERWRITE
            | POOL_CREATE_WITH_BUILD_NO_OVERWRITE;
        if flags & !allowed != 0 {
            return Err(Error::unsupported_flags(
                D,
                flags & !allowed,
                "storagePoolCreate",
            ));
        }
        let def = {
            let mut pools = self.shared().lock();
            let idx = Shared::find_by_uuid(&pools, pool)?;
            if pools[idx].active {
                return Err(already_active(&pools[idx].def.name));
            }
            if pools[idx].starting {
                return Err(starting_up(&pools[idx].def.name));
            }
            pools[idx].starting = true;
            pools[idx].def.clone()
        };
        self.start_unlocked(pool, &def, flags)
    }

    fn storage_pool_destroy(&self, pool: &StoragePoolRef) -> Result<()> {
        let sh = self.shared();
        let mut pools = sh.lock();
        let idx = Shared::find_by_uuid(&pools, pool)?;
        let obj = &mut pools[idx];
        if !obj.active {
            return Err(not_active(&obj.def.name));
        }
        if obj.starting {
            return Err(starting_up(&obj.def.name));
        }
        if obj.async_jobs > 0 {
            return Err(async_jobs(&obj.def.name));
        }
        sh.remove_state(&obj.def.name);
        backend::stop(&obj.def)?;
        obj.volumes.clear();
        obj.active = false;
        let handle = obj.handle();
        Shared::update_inactive(&mut pools, idx);
        drop(pools);
        sh.emit(vec![lifecycle_event(handle, lifecycle::STOPPED)]);
        Ok(())
    }

    fn storage_pool_delete(
        &self,
        pool: &StoragePoolRef,
        flags: StoragePoolDeleteFlags,
    ) -> Result<()> {
        let sh = self.shared();
        let pools = sh.lock();
        let idx = Shared::find_by_uuid(&pools, pool)?;
        let obj = &pools[idx];
        if obj.active {
            return Err(still_active(&obj.def.name));
        }
        if obj.starting {
            return Err(starting_up(&obj.def.name));
        }
        if obj.async_jobs > 0 {
            return Err(async_jobs(&obj.def.name));
        }
        sh.remove_state(&obj.def.name);
        backend::delete(&obj.def, flags.bits())?;
        let handle = obj.handle();
        drop(pools);
        sh.emit(vec![lifecycle_event(handle, lifecycle::DELETED)]);
        Ok(())
    }

    fn storage_pool_refresh(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        if flags != 0 {
            return Err(Error::unsupported_flags(D, flags, "storagePoolRefresh"));
        }
        let sh = self.shared();
        let mut pools = sh.lock();
        let idx = Shared::find_by_uuid(&pools, pool)?;
        let obj = &mut pools[idx];
        if !obj.active {
            return Err(not_active(&obj.def.name));
        }
        if obj.starting {
            return Err(starting_up(&obj.def.name));
        }
        if obj.async_jobs > 0 {
            return Err(async_jobs(&obj.def.name));
        }
        let handle = obj.handle();
        match sh.refresh_pool(obj, true) {
            Ok(()) => {
                drop(pools);
                sh.emit(vec![Event::StoragePoolRefresh { pool: handle }]);
                Ok(())
            }
            Err(e) => {
                pools[idx].active = false;
                Shared::update_inactive(&mut pools, idx);
                drop(pools);
                sh.emit(vec![lifecycle_event(handle, lifecycle::STOPPED)]);
                Err(e)
            }
        }
    }

    fn storage_pool_get_info(&self, pool: &StoragePoolRef) -> Result<StoragePoolInfo> {
        let pools = self.shared().lock();
        let obj = &pools[Shared::find_by_uuid(&pools, pool)?];
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
    }

    fn storage_pool_get_xml_desc(
        &self,
        pool: &StoragePoolRef,
        flags: XmlInactiveFlags,
    ) -> Result<String> {
        if !XmlInactiveFlags::all().contains(flags) {
            return Err(Error::unsupported_flags(
                D,
                flags.bits() & !XmlInactiveFlags::all().bits(),
                "storagePoolGetXMLDesc",
            ));
        }
        let pools = self.shared().lock();
        let obj = &pools[Shared::find_by_uuid(&pools, pool)?];
        let def = match (&obj.new_def, flags.contains(XmlInactiveFlags::INACTIVE)) {
            (Some(nd), true) => nd,
            _ => &obj.def,
        };
        Ok(def.format(flags.contains(XmlInactiveFlags::INACTIVE)))
    }

    fn storage_pool_get_autostart(&self, pool: &StoragePoolRef) -> Result<bool> {
        let pools = self.shared().lock();
        Ok(pools[Shared::find_by_uuid(&pools, pool)?].autostart)
    }

    fn storage_pool_set_autostart(&self, pool: &StoragePoolRef, autostart: bool) -> Result<()> {
        let sh = self.shared();
        let mut pools = sh.lock();
        let idx = Shared::find_by_uuid(&pools, pool)?;
        let obj = &mut pools[idx];
        let Some(config) = obj.config_file.clone() else {
            return Err(Error::internal(D, "pool has no config file"));
        };
        if obj.autostart == autostart {
            return Ok(());
        }
        let link = sh.autostart_link(&obj.def.name);
        if autostart {
            fs::create_dir_all(&sh.autostart_dir).map_err(|e| {
                Error::system(
                    D,
                    &e,
                    format!(
                        "cannot create autostart directory {}",
                        sh.autostart_dir.display()
                    ),
                )
            })?;
            std::os::unix::fs::symlink(&config, &link).map_err(|e| {
                Error::system(
                    D,
                    &e,
                    format!(
                        "Failed to create symlink '{}' to '{}'",
                        link.display(),
                        config.display()
                    ),
                )
            })?;
        } else if let Err(e) = fs::remove_file(&link) {
            if e.kind() != io::ErrorKind::NotFound {
                return Err(Error::system(
                    D,
                    &e,
                    format!("Failed to delete symlink '{}'", link.display()),
                ));
            }
        }
        obj.autostart = autostart;
        Ok(())
    }

    fn storage_pool_is_active(&self, pool: &StoragePoolRef) -> Result<bool> {
        let pools = self.shared().lock();
        Ok(pools[Shared::find_by_uuid(&pools, pool)?].active)
    }

    fn storage_pool_is_persistent(&self, pool: &StoragePoolRef) -> Result<bool> {
        let pools = self.shared().lock();
        Ok(pools[Shared::find_by_uuid(&pools, pool)?]
            .config_file
            .is_some())
    }

    fn storage_pool_list_all_volumes(
        &self,
        pool: &StoragePoolRef,
        flags: u32,
    ) -> Result<Vec<StorageVolRef>> {
        if flags != 0 {
            return Err(Error::unsupported_flags(
                D,
                flags,
                "storagePoolListAllVolumes",
            ));
        }
        let pools = self.shared().lock();
        let obj = &pools[Shared::find_by_uuid(&pools, pool)?];
        if !obj.active {
            return Err(not_active(&obj.def.name));
        }
        Ok(obj.volumes.iter().map(|v| obj.vol_ref(&v.def)).collect())
    }

    fn storage_vol_lookup_by_name(
        &self,
        pool: &StoragePoolRef,
        name: &str,
    ) -> Result<StorageVolRef> {
        let pools = self.shared().lock();
        let obj = &pools[Shared::find_by_uuid(&pools, pool)?];
        if !obj.active {
            return Err(not_active(&obj.def.name));
        }
        let v = obj.find_vol(name).ok_or_else(|| no_vol_named(name))?;
        Ok(obj.vol_ref(&obj.volumes[v].def))
    }

    fn storage_vol_lookup_by_key(&self, key: &str) -> Result<StorageVolRef> {
        let pools = self.shared().lock();
        for obj in pools.iter().filter(|p| p.active) {
            if let Some(v) = obj
                .volumes
                .iter()
                .find(|v| v.def.key.as_deref() == Some(key))
            {
                return Ok(obj.vol_ref(&v.def));
            }
        }
        Err(Error::new(
            D,
            ErrorCode::NoStorageVol,
            format!("no storage vol with matching key {key}"),
        ))
    }

    fn storage_vol_lookup_by_path(&self, path: &str) -> Result<StorageVolRef> {
        let clean = sanitize_path(path);
        let pools = self.shared().lock();
        for obj in pools.iter().filter(|p| p.active) {
            if let Some(v) = obj
                .volumes
                .iter()
                .find(|v| v.def.target_path.as_deref() == Some(clean.as_str()))
            {
                return Ok(obj.vol_ref(&v.def));
            }
        }
        let detail = if clean == path {
            format!("no storage vol with matching path '{path}'")
        } else {
            format!("no storage vol with matching path '{path}' ({clean})")
        };
        Err(Error::new(D, ErrorCode::NoStorageVol, detail))
    }

    fn storage_vol_create_xml(
        &self,
        pool: &StoragePoolRef,
        xml: &str,
        flags: StorageVolCreateFlags,
    ) -> Result<StorageVolRef> {
        let allowed = StorageVolCreateFlags::PREALLOC_METADATA | StorageVolCreateFlags::VALIDATE;
        if !allowed.contains(flags) {
            return Err(Error::unsupported_flags(
                D,
                (flags - allowed).bits(),
                "storageVolCreateXML",
            ));
        }
        self.create_volume(pool, xml, None, flags)
    }

    fn storage_vol_create_xml_from(
        &self,
        pool: &StoragePoolRef,
        xml: &str,
        clone_from: &StorageVolRef,
        flags: StorageVolCreateFlags,
    ) -> Result<StorageVolRef> {
        if !StorageVolCreateFlags::all().contains(flags) {
            return Err(Error::unsupported_flags(
                D,
                flags.bits() & !StorageVolCreateFlags::all().bits(),
                "storageVolCreateXMLFrom",
            ));
        }
        self.create_volume(pool, xml, Some(clone_from), flags)
    }

    fn storage_vol_delete(&self, vol: &StorageVolRef, flags: StorageVolDeleteFlags) -> Result<()> {
        let sh = self.shared();
        let mut pools = sh.lock();
        let (p, v) = Shared::find_vol(&pools, vol)?;
        let entry = &pools[p].volumes[v];
        if entry.in_use > 0 {
            return Err(vol_in_use(&entry.def.name));
        }
        if entry.building {
            return Err(vol_building(&entry.def.name));
        }
        let pool_type = pools[p].def.pool_type.clone();
        let entry = &pools[p].volumes[v];
        if !flags.is_empty() {
            let function = if pool_type == "logical" {
                "virStorageBackendLogicalDeleteVol"
            } else {
                "virStorageBackendVolDeleteLocal"
            };
            return Err(Error::unsupported_flags(D, flags.bits(), function));
        }
        remove_volume_storage(&pool_type, &entry.def)?;
        let alloc = entry.def.allocation;
        let obj = &mut pools[p];
        obj.def.allocation = obj.def.allocation.saturating_sub(alloc);
        obj.def.available = obj.def.available.saturating_add(alloc);
        obj.volumes.remove(v);
        Ok(())
    }

    fn storage_vol_wipe(
        &self,
        vol: &StorageVolRef,
        algorithm: WipeAlgorithm,
        flags: u32,
    ) -> Result<()> {
        if flags != 0 {
            return Err(Error::unsupported_flags(D, flags, "storageVolWipePattern"));
        }
        let sh = self.shared();
        let def = {
            let mut pools = sh.lock();
            let (p, v) = Shared::find_vol(&pools, vol)?;
            let logical_pool = pools[p].def.pool_type == "logical";
            let entry = &mut pools[p].volumes[v];
            if entry.in_use > 0 {
                return Err(vol_in_use(&entry.def.name));
            }
            if entry.building {
                return Err(vol_building(&entry.def.name));
            }
            if logical_pool && logical::is_sparse(&entry.def) {
                return Err(Error::new(
                    D,
                    ErrorCode::NoSupport,
                    format!(
                        "logical volume '{}' is sparse, volume wipe not supported",
                        entry.def.target_path.as_deref().unwrap_or("")
                    ),
                ));
            }
            entry.in_use += 1;
            let def = entry.def.clone();
            pools[p].async_jobs += 1;
            def
        };
        let result = volume::wipe(&def, algorithm);
        let mut pools = sh.lock();
        let Ok((p, v)) = Shared::find_vol(&pools, vol) else {
            return result;
        };
        pools[p].async_jobs = pools[p].async_jobs.saturating_sub(1);
        let entry = &mut pools[p].volumes[v];
        entry.in_use = entry.in_use.saturating_sub(1);
        result?;
        // The content changed completely: probe it again as a refresh would.
        let target = pools[p].target();
        if let Some(mut fresh) = probe::discover(&target, &vol.name)? {
            fresh.key = pools[p].volumes[v].def.key.clone();
            pools[p].volumes[v].def = fresh;
        }
        Ok(())
    }

    fn storage_vol_resize(
        &self,
        vol: &StorageVolRef,
        capacity: u64,
        flags: StorageVolResizeFlags,
    ) -> Result<()> {
        let sh = self.shared();
        let mut pools = sh.lock();
        let (p, v) = Shared::find_vol(&pools, vol)?;
        let available = pools[p].def.available;
        let pool_type = pools[p].def.pool_type.clone();
        let entry = &mut pools[p].volumes[v];
        if entry.in_use > 0 {
            return Err(vol_in_use(&entry.def.name));
        }
        if entry.building {
            return Err(vol_building(&entry.def.name));
        }
        let cur = entry.def.capacity;
        let abs = if flags.contains(StorageVolResizeFlags::DELTA) {
            if flags.contains(StorageVolResizeFlags::SHRINK) {
                cur - capacity.min(cur)
            } else {
                cur.saturating_add(capacity)
            }
        } else {
            capacity
        };
        if abs < entry.def.allocation {
            return Err(Error::invalid_arg(
                D,
                "can't shrink capacity below existing allocation",
            ));
        }
        if abs < cur && !flags.contains(StorageVolResizeFlags::SHRINK) {
            return Err(Error::invalid_arg(
                D,
                "Can't shrink capacity below current capacity unless shrink flag explicitly specified",
            ));
        }
        let allocate = flags.contains(StorageVolResizeFlags::ALLOCATE);
        let delta = if allocate {
            abs.saturating_sub(entry.def.allocation)
        } else {
            0
        };
        if delta > available {
            return Err(Error::new(
                D,
                ErrorCode::OperationFailed,
                "Not enough space left in storage pool",
            ));
        }
        if pool_type == "logical" {
            return Err(Error::new(
                D,
                ErrorCode::NoSupport,
                "storage pool does not support changing of volume capacity",
            ));
        }
        volume::resize(&entry.def, abs, allocate)?;
        entry.def.capacity = abs;
        if allocate {
            entry.def.allocation = abs;
            let obj = &mut pools[p];
            obj.def.allocation = obj.def.allocation.saturating_add(delta);
            obj.def.available = obj.def.available.saturating_sub(delta);
        }
        Ok(())
    }

    fn storage_vol_get_info(&self, vol: &StorageVolRef) -> Result<StorageVolInfo> {
        let mut pools = self.shared().lock();
        let (p, v) = Shared::find_vol(&pools, vol)?;
        // Logical volumes keep what lvs reported (that backend has no per-volume refresh).
        let refresh = pools[p].def.pool_type != "logical";
        let def = &mut pools[p].volumes[v].def;
        if refresh {
            probe::refresh(def)?;
        }
        let kind = match def.vol_type.as_str() {
            "dir" => StorageVolType::Dir,
            "block" => StorageVolType::Block,
            "ploop" => StorageVolType::Ploop,
            _ => StorageVolType::File,
        };
        Ok(StorageVolInfo {
            kind,
            capacity: def.capacity,
            allocation: def.allocation,
        })
    }

    fn storage_vol_get_xml_desc(&self, vol: &StorageVolRef, flags: u32) -> Result<String> {
        if flags != 0 {
            return Err(Error::unsupported_flags(D, flags, "storageVolGetXMLDesc"));
        }
        let mut pools = self.shared().lock();
        let (p, v) = Shared::find_vol(&pools, vol)?;
        let pool_type = pools[p].def.pool_type.clone();
        let def = &mut pools[p].volumes[v].def;
        if pool_type != "logical" {
            probe::refresh(def)?;
        }
        Ok(def.format(&pool_type))
    }

    fn storage_vol_get_path(&self, vol: &StorageVolRef) -> Result<String> {
        let pools = self.shared().lock();
        let (p, v) = Shared::find_vol(&pools, vol)?;
        Ok(pools[p].volumes[v]
            .def
            .target_path
            .clone()
            .unwrap_or_default())
    }

    fn storage_vol_upload(
        &self,
        vol: &StorageVolRef,
        offset: u64,
        length: u64,
        flags: StorageVolTransferFlags,
    ) -> Result<Box<dyn Stream>> {
        if !StorageVolTransferFlags::all().contains(flags) {
            return Err(Error::unsupported_flags(
                D,
                flags.bits() & !StorageVolTransferFlags::all().bits(),
                "storageVolUpload",
            ));
        }
        let path = self.begin_transfer(vol, true)?;
        let on_close = self.end_transfer_callback(vol, true);
        let sparse = flags.contains(StorageVolTransferFlags::SPARSE_STREAM);
        Ok(Box::new(UploadStream::open(
            &path, offset, length, sparse, on_close,
        )?))
    }

    fn storage_vol_download(
        &self,
        vol: &StorageVolRef,
        offset: u64,
        length: u64,
        flags: StorageVolTransferFlags,
    ) -> Result<Box<dyn Stream>> {
        if !StorageVolTransferFlags::all().contains(flags) {
            return Err(Error::unsupported_flags(
                D,
                flags.bits() & !StorageVolTransferFlags::all().bits(),
                "storageVolDownload",
            ));
        }
        let path = self.begin_transfer(vol, false)?;
        let on_close = self.end_transfer_callback(vol, false);
        let sparse = flags.contains(StorageVolTransferFlags::SPARSE_STREAM);
        Ok(Box::new(DownloadStream::open(
            &path, offset, length, sparse, on_close,
        )?))
    }
}

impl StorageDriver {
    /// Builds (when asked) and starts a pool the caller marked `starting`, without holding
    /// the lock through the slow part, then records it as running.
    fn start_unlocked(&self, pool: &StoragePoolRef, def: &PoolDef, flags: u32) -> Result<()> {
        let prepared = Shared::prepare_start(def, flags);
        let sh = self.shared();
        let mut pools = sh.lock();
        // `starting` kept the pool from being undefined or replaced meanwhile.
        let idx = Shared::find_by_uuid(&pools, pool)?;
        pools[idx].starting = false;
        match prepared.and_then(|()| sh.finish_start(&mut pools[idx])) {
            Ok(event) => {
                drop(pools);
                sh.emit(vec![event]);
                Ok(())
            }
            Err(e) => {
                Shared::update_inactive(&mut pools, idx);
                Err(e)
            }
        }
    }

    /// Marks a volume busy for a transfer and returns its path.
    fn begin_transfer(&self, vol: &StorageVolRef, upload: bool) -> Result<String> {
        let mut pools = self.shared().lock();
        let (p, v) = Shared::find_vol(&pools, vol)?;
        let entry = &mut pools[p].volumes[v];
        if upload && entry.in_use > 0 {
            return Err(vol_in_use(&entry.def.name));
        }
        if entry.building {
            return Err(vol_building(&entry.def.name));
        }
        entry.in_use += 1;
        let path = entry.def.target_path.clone().unwrap_or_default();
        pools[p].async_jobs += 1;
        Ok(path)
    }

    /// What runs when a transfer's stream closes: the volume is released and, after an
    /// upload, the pool refreshed on a thread of its own (as libvirt does) so sizes and
    /// formats reflect what was written.
    fn end_transfer_callback(&self, vol: &StorageVolRef, upload: bool) -> crate::stream::OnClose {
        let shared = Arc::clone(&self.shared);
        let vol = vol.clone();
        Box::new(move || {
            {
                let mut pools = shared.lock();
                if let Ok(p) = Shared::find_by_name(&pools, &vol.pool) {
                    pools[p].async_jobs = pools[p].async_jobs.saturating_sub(1);
                    if let Some(v) = pools[p].find_vol(&vol.name) {
                        let e = &mut pools[p].volumes[v];
                        e.in_use = e.in_use.saturating_sub(1);
                    }
                }
            }
            if upload {
                refresh_after_upload(&shared, &vol.pool);
            }
        })
    }

    /// Creates a volume, optionally cloned from another (`storageVolCreateXML` and
    /// `storageVolCreateXMLFrom`).
    fn create_volume(
        &self,
        pool: &StoragePoolRef,
        xml: &str,
        source: Option<&StorageVolRef>,
        flags: StorageVolCreateFlags,
    ) -> Result<StorageVolRef> {
        let sh = self.shared();
        let mut pools = sh.lock();
        let p = Shared::find_by_uuid(&pools, pool)?;
        let src_pool = match source {
            Some(s) if s.pool != pools[p].def.name => Some(Shared::find_by_name(&pools, &s.pool)?),
            _ => None,
        };
        if !pools[p].active {
            return Err(not_active(&pools[p].def.name));
        }
        if let Some(sp) = src_pool {
            if !pools[sp].active {
                return Err(not_active(&pools[sp].def.name));
            }
        }
        let pool_type = pools[p].def.pool_type.clone();
        let pool_path = pools[p].target();
        let mut input: Option<VolumeDef> = None;
        let mut def = if let Some(s) = source {
            let sp = src_pool.unwrap_or(p);
            let sv = pools[sp]
                .find_vol(&s.name)
                .ok_or_else(|| no_vol_named(&s.name))?;
            // A clone's XML may leave the capacity out: the source's is used.
            let has_capacity = xml_has_child(xml, "capacity");
            let has_allocation = xml_has_child(xml, "allocation");
            let parse_xml = if has_capacity {
                xml.to_string()
            } else {
                match xml.rfind("</volume>") {
                    Some(i) => format!("{}<capacity>0</capacity>{}", &xml[..i], &xml[i..]),
                    None => xml.to_string(),
                }
            };
            let mut def = VolumeDef::parse(&parse_xml, &pool_type)?;
            if pools[p].find_vol(&def.name).is_some() {
                return Err(Error::internal(
                    D,
                    format!("storage volume name '{}' already in use.", def.name),
                ));
            }
            let src = &mut pools[sp].volumes[sv];
            if src.building {
                return Err(vol_building(&src.def.name));
            }
            probe::refresh(&mut src.def)?;
            if def.capacity < src.def.capacity {
                def.capacity = src.def.capacity;
            }
            if !has_allocation {
                def.allocation = def.capacity;
            }
            input = Some(src.def.clone());
            def
        } else {
            let def = VolumeDef::parse(xml, &pool_type)?;
            if def.capacity == 0 && pool_type == "logical" {
                return Err(Error::new(
                    D,
                    ErrorCode::NoSupport,
                    "volume capacity required for this storage pool",
                ));
            }
            if pools[p].find_vol(&def.name).is_some() {
                return Err(Error::new(
                    D,
                    ErrorCode::StorageVolExist,
                    format!("'{}'", def.name),
                ));
            }
            def
        };
        let handle = if pool_type == "logical" {
            // The logical volume itself is made right away (libvirt's createVol); only a
            // clone's copy runs as a build.
            let pool_def = pools[p].def.clone();
            logical::create_volume(&pool_def, &mut def)?;
            let handle = pools[p].vol_ref(&def);
            if input.is_none() {
                let alloc = def.allocation;
                pools[p].volumes.push(VolObj {
                    def,
                    building: false,
                    in_use: 0,
                });
                let obj = &mut pools[p];
                obj.def.allocation = obj.def.allocation.saturating_add(alloc);
                obj.def.available = obj.def.available.saturating_sub(alloc);
                return Ok(handle);
            }
            handle
        } else {
            // libvirt's createVol for file pools: type from format, path under the pool.
            def.vol_type = match def.format.as_deref() {
                Some("dir") => "dir",
                Some("ploop") => "ploop",
                _ => "file",
            }
            .to_string();
            if def.name.contains('/') {
                return Err(Error::invalid_operation(
                    D,
                    format!("volume name '{}' cannot contain '/'", def.name),
                ));
            }
            let path = format!("{pool_path}/{}", def.name);
            if Path::new(&path).exists() || fs::symlink_metadata(&path).is_ok() {
                return Err(Error::invalid_operation(
                    D,
                    format!("volume target path '{path}' already exists"),
                ));
            }
            def.target_path = Some(path.clone());
            def.key = Some(path);
            pools[p].vol_ref(&def)
        };
        pools[p].volumes.push(VolObj {
            def: def.clone(),
            building: true,
            in_use: 0,
        });
        pools[p].async_jobs += 1;
        if let (Some(s), Some(sp)) = (source, Some(src_pool.unwrap_or(p))) {
            if let Some(sv) = pools[sp].find_vol(&s.name) {
                pools[sp].volumes[sv].in_use += 1;
            }
        }
        drop(pools);

        let prealloc = flags.contains(StorageVolCreateFlags::PREALLOC_METADATA);
        let built = volume::build(&pool_path, &def, input.as_ref(), prealloc);

        let mut pools = sh.lock();
        if let Some(s) = source {
            if let Ok(sp) = Shared::find_by_name(&pools, &s.pool) {
                if let Some(sv) = pools[sp].find_vol(&s.name) {
                    let e = &mut pools[sp].volumes[sv];
                    e.in_use = e.in_use.saturating_sub(1);
                }
            }
        }
        let p = Shared::find_by_uuid(&pools, pool)?;
        pools[p].async_jobs = pools[p].async_jobs.saturating_sub(1);
        let Some(v) = pools[p].find_vol(&def.name) else {
            return Err(Error::internal(D, "volume vanished while being built"));
        };
        if let Err(e) = built {
            if pool_type == "logical" {
                let _ = remove_volume_storage(&pool_type, &def);
            }
            pools[p].volumes.remove(v);
            return Err(e);
        }
        let entry = &mut pools[p].volumes[v];
        entry.building = false;
        if let Err(e) = probe::refresh(&mut entry.def) {
            let _ = remove_volume_storage(&pool_type, &entry.def);
            pools[p].volumes.remove(v);
            return Err(e);
        }
        let alloc = pools[p].volumes[v].def.allocation;
        let obj = &mut pools[p];
        obj.def.allocation = obj.def.allocation.saturating_add(alloc);
        obj.def.available = obj.def.available.saturating_sub(alloc);
        Ok(handle)
    }
}

/// Removes what backs a volume: its file or directory, or its logical volume.
fn remove_volume_storage(pool_type: &str, vol: &VolumeDef) -> Result<()> {
    if pool_type == "logical" {
        logical::delete_volume(vol.target_path.as_deref().unwrap_or(""))
    } else {
        volume::delete(vol)
    }
}

/// Refreshes a pool after an upload finished, unless other jobs run in it.
fn refresh_after_upload(shared: &Arc<Shared>, pool_name: &str) {
    let shared = Arc::clone(shared);
    let pool_name = pool_name.to_string();
    let spawned = std::thread::Builder::new()
        .name("vol-refresh".into())
        .spawn(move || {
            let event = {
                let mut pools = shared.lock();
                let Ok(p) = Shared::find_by_name(&pools, &pool_name) else {
                    return;
                };
                if pools[p].async_jobs > 0 || !pools[p].active {
                    return;
                }
                if let Err(e) = shared.refresh_pool(&mut pools[p], false) {
                    tracing::debug!(error = %e, "failed to refresh storage pool");
                }
                Event::StoragePoolRefresh {
                    pool: pools[p].handle(),
                }
            };
            shared.emit(vec![event]);
        });
    if spawned.is_err() {
        tracing::error!("failed to create thread to handle pool refresh");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(xml: &str) -> PoolDef {
        PoolDef::parse(xml).unwrap()
    }

    #[test]
    fn state_files_round_trip() {
        let def = pool("<pool type='dir'><name>a</name><target><path>/x</path></target></pool>");
        let mut text = String::from("<poolstate version='1'>\n");
        text.push_str(&def.format(false));
        text.push_str("</poolstate>\n");
        assert_eq!(parse_state_file(&text).unwrap(), def);
        assert!(parse_state_file("<poolstate/>").is_err());
    }

    #[test]
    fn source_conflicts() {
        let a = pool("<pool type='dir'><name>a</name><target><path>/x</path></target></pool>");
        let b = pool("<pool type='dir'><name>b</name><target><path>/x/</path></target></pool>");
        let c = pool("<pool type='dir'><name>c</name><target><path>/y</path></target></pool>");
        assert!(source_conflict(&a, &b));
        assert!(!source_conflict(&a, &c));
        let n1 = pool("<pool type='netfs'><name>n1</name><source><host name='h'/><dir path='/e'/></source><target><path>/m1</path></target></pool>");
        let n2 = pool("<pool type='netfs'><name>n2</name><source><host name='h'/><dir path='/e'/></source><target><path>/m2</path></target></pool>");
        assert!(source_conflict(&n1, &n2));
    }

    #[test]
    fn list_filters() {
        let mut obj = PoolObj::new(pool(
            "<pool type='dir'><name>a</name><target><path>/x</path></target></pool>",
        ));
        obj.active = true;
        use ListStoragePoolsFlags as F;
        assert!(matches_filter(&obj, F::empty()));
        assert!(matches_filter(&obj, F::ACTIVE | F::INACTIVE));
        assert!(!matches_filter(&obj, F::INACTIVE));
        assert!(matches_filter(&obj, F::TRANSIENT | F::DIR));
        assert!(!matches_filter(&obj, F::PERSISTENT));
        assert!(!matches_filter(&obj, F::FS | F::NETFS));
    }
}
