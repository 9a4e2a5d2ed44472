//! The driver state shared by every call: directories, the domain list, probed emulators,
//! the event bus; plus starting, stopping and monitoring guests.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use rvirt_core::events::domain_lifecycle as lc;
use rvirt_core::{reason, DomainState, Error, ErrorCode, ErrorDomain, Event, EventBus, Result};
use rvirt_xml::domain::{DomainDef, FormatOptions, ParseOptions};
use serde_json::Value;

use crate::command::{self, CommandContext};
use crate::definition;
use crate::domain::{DomState, DomainObj, Running, StatusFile};
use crate::fsutil::write_atomic;
use crate::paths::DriverPaths;
use crate::probe::{self, EmulatorCaps, ProbeError};
use crate::process;
use crate::qmp::{QmpClient, QmpEvent};

/// How long QEMU may take to open its monitor.
const MONITOR_TIMEOUT: Duration = Duration::from_secs(30);
/// SIGTERM grace before SIGKILL when destroying.
const DESTROY_GRACE: Duration = Duration::from_secs(3);

pub(crate) fn qemu_err(code: ErrorCode, detail: impl Into<String>) -> Error {
    Error::new(ErrorDomain::Qemu, code, detail)
}

enum MonitorMsg {
    Event(QmpEvent),
    Eof,
}

/// Shared driver state.
pub struct Inner {
    pub paths: DriverPaths,
    pub events: Arc<EventBus>,
    domains: Mutex<Vec<Arc<DomainObj>>>,
    emulators: Mutex<HashMap<PathBuf, Arc<EmulatorCaps>>>,
    next_id: AtomicI32,
    next_token: AtomicU64,
    /// Where volume disks are looked up at start (see [`crate::volumes`]).
    storage: Mutex<Option<Arc<dyn rvirt_core::StorageDriver>>>,
    /// Autostart domains with volume disks, started once the storage driver is attached.
    awaiting_storage: Mutex<Vec<Arc<DomainObj>>>,
    /// Held (flock) while this instance owns the run directory.
    _lock: std::fs::File,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Guests keep running; only this process's monitor connections go away.
        let domains = self
            .domains
            .get_mut()
            .map(std::mem::take)
            .unwrap_or_default();
        for obj in domains {
            if let Some(r) = obj.lock().running.as_mut() {
                if let Some(q) = r.qmp.take() {
                    q.close();
                }
            }
        }
    }
}

impl Inner {
    pub fn new(paths: DriverPaths) -> Result<Arc<Inner>> {
        for dir in [
            paths.domain_config_dir(),
            paths.status_dir(),
            paths.log_dir(),
            paths.capabilities_cache_dir(),
        ] {
            std::fs::create_dir_all(&dir).map_err(|e| {
                Error::system(
                    ErrorDomain::Qemu,
                    &e,
                    format!("cannot create directory '{}'", dir.display()),
                )
            })?;
        }
        let stored_id = std::fs::read_to_string(paths.next_id_file())
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok())
            .unwrap_or(1);
        let lock = lock_run_dir(&paths.status_dir())?;
        let inner = Arc::new(Inner {
            _lock: lock,
            paths,
            events: Arc::new(EventBus::new()),
            domains: Mutex::new(Vec::new()),
            emulators: Mutex::new(HashMap::new()),
            next_id: AtomicI32::new(stored_id.max(1)),
            next_token: AtomicU64::new(1),
            storage: Mutex::new(None),
            awaiting_storage: Mutex::new(Vec::new()),
        });
        inner.load_configs();
        inner.reconnect_all();
        inner.autostart_once();
        Ok(inner)
    }

    // ---------------------------------------------------------------- emulators

    /// Capabilities of one emulator binary (probed once per process, cached on disk).
    pub fn caps_for(&self, binary: &Path) -> Result<Arc<EmulatorCaps>> {
        if let Some(c) = lock(&self.emulators).get(binary) {
            // Revalidate cheaply: a replaced binary has a new mtime.
            if std::fs::metadata(binary)
                .map(|m| std::os::unix::fs::MetadataExt::mtime(&m) == c.mtime)
                .unwrap_or(false)
            {
                return Ok(c.clone());
            }
        }
        let caps = probe::capabilities(binary, &self.paths.capabilities_cache_dir()).map_err(
            |e| match e {
                ProbeError::Access(msg, errno) => {
                    let mut err = qemu_err(
                        ErrorCode::SystemError,
                        format!("Cannot check QEMU binary {}: {msg}", binary.display()),
                    );
                    err.int1 = errno;
                    err
                }
                ProbeError::Failed(msg) => qemu_err(
                    ErrorCode::InternalError,
                    format!(
                        "Failed to probe capabilities for {}: {msg}",
                        binary.display()
                    ),
                ),
            },
        )?;
        let caps = Arc::new(caps);
        lock(&self.emulators).insert(binary.to_path_buf(), caps.clone());
        Ok(caps)
    }

    /// The host-model CPU for guests of an x86 emulator (`None` when it cannot be said).
    pub fn host_model_cpu(
        &self,
        caps: &EmulatorCaps,
        virt_type: &str,
    ) -> Option<crate::cpu::x86::Decoded> {
        let tcg = self.tcg_cpu(caps)?;
        if virt_type == "kvm" {
            return crate::cpu::kvm_host_model(&tcg);
        }
        crate::cpu::tcg_host_model(&tcg)
    }

    /// What QEMU's TCG says about CPUs for an x86 emulator (probed once, cached on disk).
    pub fn tcg_cpu(&self, caps: &EmulatorCaps) -> Option<probe::TcgCpuCaps> {
        if !matches!(caps.arch.as_str(), "x86_64" | "i686") {
            return None;
        }
        probe::tcg_cpu(
            Path::new(&caps.binary),
            &self.paths.capabilities_cache_dir(),
        )
        .ok()
    }

    /// Every emulator found on this host, probed.
    pub fn all_emulators(&self) -> Vec<Arc<EmulatorCaps>> {
        probe::find_emulators()
            .iter()
            .filter_map(|p| self.caps_for(p).ok())
            .collect()
    }

    /// The emulator for the host architecture (for version and capability questions).
    pub fn default_emulator(&self) -> Result<Arc<EmulatorCaps>> {
        let arch = definition::host_arch();
        let path = probe::emulator_for_arch(arch)
            .or_else(|| probe::find_emulators().into_iter().next())
            .ok_or_else(|| {
                qemu_err(
                    ErrorCode::InternalError,
                    "Cannot find suitable emulator for x86_64".replace("x86_64", arch),
                )
            })?;
        self.caps_for(&path)
    }

    pub fn parse_definition(&self, xml: &str) -> Result<DomainDef> {
        let mut def = definition::parse(xml, false, &|p: &Path| self.caps_for(p))?;
        definition::assign_nvram_path(&mut def, &self.paths.nvram_dir());
        Ok(def)
    }

    // ---------------------------------------------------------------- domain list

    pub fn list(&self) -> Vec<Arc<DomainObj>> {
        let mut list = lock(&self.domains);
        list.retain(|d| !d.is_removed());
        list.clone()
    }

    pub fn find_by_uuid(&self, uuid: &rvirt_core::Uuid) -> Option<Arc<DomainObj>> {
        self.list().into_iter().find(|d| d.uuid == *uuid)
    }

    pub fn find_by_name(&self, name: &str) -> Option<Arc<DomainObj>> {
        self.list().into_iter().find(|d| d.name == name)
    }

    pub fn find_by_id(&self, id: i32) -> Option<Arc<DomainObj>> {
        self.list().into_iter().find(|d| d.id() == id && id >= 0)
    }

    /// Adds an object unless its name or UUID clashes (the caller checked; this re-checks
    /// under the list lock).
    pub fn insert(&self, obj: Arc<DomainObj>) -> Result<Arc<DomainObj>> {
        let mut list = lock(&self.domains);
        list.retain(|d| !d.is_removed());
        if let Some(existing) = list
            .iter()
            .find(|d| d.uuid == obj.uuid || d.name == obj.name)
        {
            return Err(clash_error(existing, &obj.name, &obj.uuid));
        }
        list.push(obj.clone());
        Ok(obj)
    }

    pub fn emit(&self, obj: &DomainObj, event: i32, detail: i32) {
        self.events.emit(Event::DomainLifecycle {
            domain: obj.handle(),
            event,
            detail,
        });
    }

    /// The managed save image of a domain.
    pub fn managed_save_path(&self, name: &str) -> PathBuf {
        self.paths
            .state_dir
            .join("qemu")
            .join("save")
            .join(format!("{name}.save"))
    }

    fn config_path(&self, name: &str) -> PathBuf {
        self.paths.domain_config_dir().join(format!("{name}.xml"))
    }

    fn status_path(&self, name: &str) -> PathBuf {
        self.paths.status_dir().join(format!("{name}.json"))
    }

    pub fn save_config(&self, def: &DomainDef) -> Result<()> {
        let xml = def.format(FormatOptions {
            inactive: true,
            secure: true,
            migratable: false,
        });
        let path = self.config_path(&def.name);
        write_atomic(&path, xml.as_bytes()).map_err(|e| {
            Error::system(
                ErrorDomain::Qemu,
                &e,
                format!("cannot write config file '{}'", path.display()),
            )
        })
    }

    pub fn delete_config(&self, name: &str) -> Result<()> {
        let path = self.config_path(name);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::system(
                ErrorDomain::Qemu,
                &e,
                format!("cannot remove config {}", path.display()),
            )),
        }
    }

    fn load_configs(&self) {
        let Ok(entries) = std::fs::read_dir(self.paths.domain_config_dir()) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("xml") {
                continue;
            }
            let Ok(xml) = std::fs::read_to_string(&path) else {
                continue;
            };
            // Saved definitions were validated when defined; reload them without probing.
            match DomainDef::parse_with_default_arch(
                &xml,
                ParseOptions::default(),
                Some(definition::host_arch()),
            ) {
                Ok(def) => {
                    let st = DomState {
                        config: Some(def.clone()),
                        running: None,
                        state: DomainState::Shutoff,
                        reason: reason::shutoff::UNKNOWN,
                        autostart: self
                            .paths
                            .autostart_dir()
                            .join(format!("{}.xml", def.name))
                            .exists(),
                    };
                    let _ = self.insert(DomainObj::new(def.uuid, &def.name, st));
                }
                Err(e) => tracing::warn!("skipping {}: {}", path.display(), e.message),
            }
        }
    }

    /// Starts the domains marked for autostart, once per boot of the run directory (the
    /// first driver instance does it; later connections find the marker).
    fn autostart_once(self: &Arc<Self>) {
        let marker = self.paths.status_dir().join("autostarted");
        if marker.exists() {
            return;
        }
        let _ = std::fs::write(&marker, b"");
        for obj in self.list() {
            let mut st = obj.lock();
            if !st.autostart || st.running.is_some() {
                continue;
            }
            let Some(def) = st.config.clone() else {
                continue;
            };
            // Volume disks need the storage driver, which connections attach after this.
            if crate::volumes::has_volume_disks(&def) && self.storage().is_none() {
                lock(&self.awaiting_storage).push(obj.clone());
                continue;
            }
            if let Err(e) = self.start(&obj, &mut st, def, false) {
                tracing::warn!("failed to autostart {}: {}", obj.name, e.message);
            }
        }
    }

    fn allocate_id(&self) -> i32 {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let _ = write_atomic(&self.paths.next_id_file(), (id + 1).to_string().as_bytes());
        id
    }

    // ---------------------------------------------------------------- start

    /// Sets the storage driver volume disks are looked up through, then starts the
    /// autostart domains that were waiting for it.
    pub fn attach_storage(self: &Arc<Self>, storage: Arc<dyn rvirt_core::StorageDriver>) {
        *lock(&self.storage) = Some(storage);
        let waiting = std::mem::take(&mut *lock(&self.awaiting_storage));
        for obj in waiting {
            let mut st = obj.lock();
            if !st.autostart || st.running.is_some() || obj.is_removed() {
                continue;
            }
            let Some(def) = st.config.clone() else {
                continue;
            };
            if let Err(e) = self.start(&obj, &mut st, def, false) {
                tracing::warn!("failed to autostart {}: {}", obj.name, e.message);
            }
        }
    }

    pub(crate) fn storage(&self) -> Option<Arc<dyn rvirt_core::StorageDriver>> {
        lock(&self.storage).clone()
    }

    /// Starts `obj` with `def` as its live definition. The caller holds `st`.
    pub fn start(
        self: &Arc<Self>,
        obj: &Arc<DomainObj>,
        st: &mut DomState,
        def: DomainDef,
        paused: bool,
    ) -> Result<()> {
        self.start_with(obj, st, def, paused, None)
    }

    /// Starts `def` in a domain object of its own, as createXML and restore do: the
    /// inactive domain with its UUID (and name), or a new transient one, which is dropped
    /// again when the start fails. `incoming` is saved state to load, as in `start_with`.
    pub fn start_in_own_object(
        self: &Arc<Self>,
        def: DomainDef,
        paused: bool,
        incoming: Option<std::fs::File>,
    ) -> Result<Arc<DomainObj>> {
        let (obj, fresh) = match self.find_by_uuid(&def.uuid) {
            Some(obj) => {
                if obj.name != def.name {
                    return Err(clash_error(&obj, &def.name, &def.uuid));
                }
                if obj.is_active() {
                    return Err(Error::new(
                        ErrorDomain::Domain,
                        ErrorCode::OperationInvalid,
                        format!("domain '{}' is already active", obj.name),
                    ));
                }
                (obj, false)
            }
            None => {
                if let Some(other) = self.find_by_name(&def.name) {
                    return Err(clash_error(&other, &def.name, &def.uuid));
                }
                let st = DomState {
                    config: None,
                    running: None,
                    state: DomainState::Shutoff,
                    reason: reason::shutoff::UNKNOWN,
                    autostart: false,
                };
                (self.insert(DomainObj::new(def.uuid, &def.name, st))?, true)
            }
        };
        let mut st = obj.lock();
        if let Err(e) = self.start_with(&obj, &mut st, def, paused, incoming) {
            if fresh {
                obj.mark_removed();
            }
            return Err(e);
        }
        drop(st);
        Ok(obj)
    }

    /// Starts `def` with its memory and device state loaded from `incoming` (positioned at
    /// QEMU's migration stream), as restoring a saved domain does.
    pub fn start_with(
        self: &Arc<Self>,
        obj: &Arc<DomainObj>,
        st: &mut DomState,
        mut def: DomainDef,
        paused: bool,
        incoming: Option<std::fs::File>,
    ) -> Result<()> {
        if st.running.is_some() {
            return Err(qemu_err(
                ErrorCode::OperationInvalid,
                "domain is already running",
            ));
        }
        let emulator = definition::emulator_of(&def).unwrap_or_default();
        let caps = self.caps_for(Path::new(&emulator))?;
        let storage = self.storage();
        let qemu_view = crate::volumes::translate_sources(&mut def, storage.as_deref())?;
        check_disk_sources(&qemu_view)?;
        let id = self.allocate_id();
        let run_dir = self.paths.domain_run_dir(id, &def.name);
        let _ = std::fs::remove_dir_all(&run_dir);
        std::fs::create_dir_all(&run_dir).map_err(|e| {
            Error::system(
                ErrorDomain::Qemu,
                &e,
                format!("cannot create directory '{}'", run_dir.display()),
            )
        })?;
        let monitor = run_dir.join("monitor.sock");
        let (taps, created_taps) = match crate::network::prepare_taps(&def) {
            Ok(t) => t,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&run_dir);
                return Err(e);
            }
        };
        let result = self.launch(
            obj,
            st,
            def,
            &qemu_view,
            &caps,
            id,
            &run_dir,
            &monitor,
            (&taps, &created_taps),
            paused,
            incoming,
        );
        if result.is_err() {
            crate::network::remove_taps(
                &created_taps.iter().cloned().map(Some).collect::<Vec<_>>(),
            );
            let _ = std::fs::remove_dir_all(&run_dir);
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn launch(
        self: &Arc<Self>,
        obj: &Arc<DomainObj>,
        st: &mut DomState,
        mut def: DomainDef,
        qemu_view: &DomainDef,
        caps: &EmulatorCaps,
        id: i32,
        run_dir: &Path,
        monitor: &Path,
        (taps, created_taps): (&[Option<String>], &[String]),
        paused: bool,
        incoming: Option<std::fs::File>,
    ) -> Result<()> {
        let ctx = CommandContext {
            monitor_socket: monitor.to_path_buf(),
            tap_names: taps.to_vec(),
            kvm: def.virt_type == "kvm",
        };
        // Runtime choices (display ports, channel sockets) go into both definitions.
        let mut qemu_view = qemu_view.clone();
        command::prepare_live(&mut [&mut def, &mut qemu_view], run_dir)?;
        // Volume disks reach QEMU as the files or devices they were translated to.
        let mut argv = command::build(&qemu_view, caps, &ctx)?;
        if incoming.is_some() {
            let at = argv
                .iter()
                .position(|a| a == "-sandbox")
                .unwrap_or(argv.len());
            argv.insert(at, "defer".into());
            argv.insert(at, "-incoming".into());
        }
        let log_path = self.paths.log_dir().join(format!("{}.log", def.name));
        let log_offset = write_log_header(&log_path, &argv)?;
        let (pid, exit) = process::spawn_detached(&argv, &log_path).map_err(|e| {
            Error::system(
                ErrorDomain::Qemu,
                &e,
                format!("Cannot run QEMU binary {}", argv[0]),
            )
        })?;
        let token = self.next_token.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = channel();
        let tx_eof = tx.clone();
        let deleted = Arc::new(crate::domain::DeletedDevices::default());
        let deleted_by_reader = deleted.clone();
        let qmp = QmpClient::connect(
            monitor,
            Instant::now() + MONITOR_TIMEOUT,
            || !exit.exited(),
            Box::new(move |ev| {
                if ev.name == "DEVICE_DELETED" {
                    if let Some(alias) = ev.data.get("device").and_then(Value::as_str) {
                        deleted_by_reader.push(alias);
                    }
                }
                let _ = tx.send(MonitorMsg::Event(ev));
            }),
            Box::new(move || {
                let _ = tx_eof.send(MonitorMsg::Eof);
            }),
        );
        let qmp = match qmp {
            Ok(q) => Arc::new(q),
            Err(e) => {
                // Give QEMU a moment to finish writing why it quit.
                if !exit.wait(Duration::from_secs(5)) {
                    process::terminate(pid, Some(&exit), Duration::from_millis(500));
                }
                let stderr = read_log_from(&log_path, log_offset);
                let detail = if stderr.is_empty() {
                    e.to_string()
                } else {
                    stderr
                };
                return Err(qemu_err(
                    ErrorCode::InternalError,
                    format!("qemu unexpectedly closed the monitor: {detail}"),
                ));
            }
        };
        update_pty_paths(&qmp, &mut def);
        let disk_count = def.devices_of("disk").count();
        crate::devices::annotate_live(&mut def);
        set_tap_targets(&mut def, taps);
        // Guests start with their maximum; the balloon takes them down to currentMemory.
        let balloon = def
            .devices_of("memballoon")
            .any(|b| b.attr("model") == Some("virtio"));
        if balloon && def.current_memory > 0 && def.current_memory < def.memory {
            let bytes = def.current_memory.saturating_mul(1024);
            if let Err(e) = qmp.execute("balloon", Some(serde_json::json!({ "value": bytes }))) {
                tracing::warn!("cannot set the balloon of {}: {e}", def.name);
            }
        }
        def.id = Some(id);
        st.running = Some(Running {
            token,
            id,
            pid,
            def,
            monitor: monitor.to_path_buf(),
            run_dir: run_dir.to_path_buf(),
            qmp: Some(qmp.clone()),
            exit: Some(exit),
            got_shutdown: false,
            fake_reboot: false,
            taps: created_taps.to_vec(),
            expected_stops: 0,
            expected_resumes: 0,
            deleted,
            next_node: disk_count + 1,
        });
        self.spawn_event_thread(obj.clone(), token, rx);
        let restored = incoming.is_some();
        if let Some(file) = incoming {
            if let Err(e) = crate::save::load_state(&qmp, &file) {
                self.stop(obj, st, reason::shutoff::FAILED, lc::stopped::FAILED, true);
                return Err(e);
            }
        }
        if !paused {
            if let Some(r) = st.running.as_mut() {
                r.expected_resumes += 1;
            }
            if let Err(e) = qmp.execute("cont", None) {
                let err = qemu_err(
                    ErrorCode::OperationFailed,
                    format!("resume operation failed: {e}"),
                );
                self.stop(obj, st, reason::shutoff::FAILED, lc::stopped::FAILED, false);
                return Err(err);
            }
            let why = if restored {
                reason::running::RESTORED
            } else {
                reason::running::BOOTED
            };
            st.set_state(DomainState::Running, why);
        } else {
            st.set_state(DomainState::Paused, reason::paused::USER);
        }
        obj.sync(st);
        self.write_status(obj, st);
        let detail = if restored {
            lc::started::RESTORED
        } else {
            lc::started::BOOTED
        };
        self.emit(obj, lc::STARTED, detail);
        if paused {
            self.emit(obj, lc::SUSPENDED, lc::suspended::PAUSED);
        }
        Ok(())
    }

    pub fn write_status(&self, obj: &DomainObj, st: &DomState) {
        let Some(r) = &st.running else { return };
        let status = StatusFile {
            pid: r.pid,
            id: r.id,
            monitor: r.monitor.to_string_lossy().into_owned(),
            run_dir: r.run_dir.to_string_lossy().into_owned(),
            xml: r.def.format(FormatOptions {
                inactive: false,
                secure: true,
                migratable: false,
            }),
            state: st.state as i32,
            reason: st.reason,
            taps: r.taps.clone(),
        };
        if let Ok(text) = serde_json::to_string_pretty(&status) {
            if let Err(e) = write_atomic(&self.status_path(&obj.name), text.as_bytes()) {
                tracing::warn!("cannot save status of {}: {e}", obj.name);
            }
        }
    }

    // ---------------------------------------------------------------- stop

    /// Stops the running instance (killing QEMU if still there), cleans up and records the
    /// new state. `kill`: terminate the process first (destroy), else it is already gone.
    pub fn stop(
        &self,
        obj: &Arc<DomainObj>,
        st: &mut DomState,
        shutoff_reason: i32,
        event_detail: i32,
        kill: bool,
    ) {
        let Some(mut r) = st.running.take() else {
            return;
        };
        if let Some(q) = r.qmp.take() {
            q.close();
        }
        if kill || process::pid_alive(r.pid) {
            process::terminate(r.pid, r.exit.as_deref(), DESTROY_GRACE);
        } else if let Some(exit) = &r.exit {
            exit.wait(Duration::from_secs(2));
        }
        crate::network::remove_taps(&r.taps.iter().cloned().map(Some).collect::<Vec<_>>());
        let _ = std::fs::remove_dir_all(&r.run_dir);
        let _ = std::fs::remove_file(self.status_path(&obj.name));
        st.set_state(DomainState::Shutoff, shutoff_reason);
        obj.sync(st);
        // The handle in the event still carries the id the guest had.
        self.events.emit(Event::DomainLifecycle {
            domain: rvirt_core::DomainRef {
                name: obj.name.clone(),
                uuid: obj.uuid,
                id: r.id,
            },
            event: lc::STOPPED,
            detail: event_detail,
        });
        if st.config.is_none() {
            obj.mark_removed();
        }
    }

    // ---------------------------------------------------------------- monitor events

    fn spawn_event_thread(
        self: &Arc<Self>,
        obj: Arc<DomainObj>,
        token: u64,
        rx: Receiver<MonitorMsg>,
    ) {
        let weak: Weak<Inner> = Arc::downgrade(self);
        let name = obj.name.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("qemu-events-{}", obj.name))
            .spawn(move || {
                while let Ok(msg) = rx.recv() {
                    let Some(inner) = weak.upgrade() else { return };
                    let eof = matches!(msg, MonitorMsg::Eof);
                    inner.handle_monitor(&obj, token, msg);
                    if eof {
                        return;
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!("cannot watch the monitor of {name}: {e}");
        }
    }

    fn handle_monitor(&self, obj: &Arc<DomainObj>, token: u64, msg: MonitorMsg) {
        let mut st = obj.lock();
        let Some(r) = st.running.as_mut() else { return };
        if r.token != token {
            return;
        }
        let ev = match msg {
            MonitorMsg::Eof => {
                let (why, detail) = if r.got_shutdown {
                    (reason::shutoff::SHUTDOWN, lc::stopped::SHUTDOWN)
                } else if st.state == DomainState::Crashed {
                    (reason::shutoff::CRASHED, lc::stopped::CRASHED)
                } else {
                    (reason::shutoff::CRASHED, lc::stopped::FAILED)
                };
                self.stop(obj, &mut st, why, detail, false);
                return;
            }
            MonitorMsg::Event(ev) => ev,
        };
        match ev.name.as_str() {
            "SHUTDOWN" => {
                let guest = ev
                    .data
                    .get("guest")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                if r.fake_reboot {
                    r.fake_reboot = false;
                    // -no-shutdown pauses QEMU after SHUTDOWN; the cont below resumes it.
                    r.expected_stops += 1;
                    r.expected_resumes += 1;
                    let qmp = r.qmp.clone();
                    if let Some(q) = qmp {
                        let ok = q.execute("system_reset", None).is_ok()
                            && q.execute("cont", None).is_ok();
                        if ok {
                            st.set_state(DomainState::Running, reason::running::BOOTED);
                            obj.sync(&st);
                            self.write_status(obj, &st);
                            return;
                        }
                    }
                }
                r.got_shutdown = true;
                let pid = r.pid;
                st.set_state(DomainState::Shutdown, reason::shutdown::USER);
                obj.sync(&st);
                self.emit(
                    obj,
                    lc::SHUTDOWN,
                    if guest {
                        lc::shutdown::GUEST
                    } else {
                        lc::shutdown::HOST
                    },
                );
                // on_poweroff=destroy: QEMU stays (-no-shutdown) until we end it; the monitor
                // then closes and the EOF completes the stop.
                process::send_signal(pid, libc::SIGTERM);
            }
            "STOP" => {
                if r.expected_stops > 0 {
                    r.expected_stops -= 1;
                    return;
                }
                if !r.got_shutdown && st.state == DomainState::Running {
                    st.set_state(DomainState::Paused, reason::paused::UNKNOWN);
                    obj.sync(&st);
                    self.write_status(obj, &st);
                    self.emit(obj, lc::SUSPENDED, lc::suspended::PAUSED);
                }
            }
            "RESUME" => {
                if r.expected_resumes > 0 {
                    r.expected_resumes -= 1;
                    return;
                }
                if st.state == DomainState::Paused {
                    st.set_state(DomainState::Running, reason::running::UNPAUSED);
                    obj.sync(&st);
                    self.write_status(obj, &st);
                    self.emit(obj, lc::RESUMED, lc::resumed::UNPAUSED);
                }
            }
            "RESET" => {
                self.events.emit(Event::DomainReboot {
                    domain: obj.handle(),
                });
            }
            "DEVICE_DELETED" => {
                if let Some(alias) = ev.data.get("device").and_then(Value::as_str) {
                    crate::hotplug::finish_removal(r, alias);
                    self.write_status(obj, &st);
                }
            }
            "GUEST_PANICKED" => {
                let pid = r.pid;
                st.set_state(DomainState::Crashed, reason::crashed::PANICKED);
                obj.sync(&st);
                self.emit(obj, lc::CRASHED, lc::crashed::PANICKED);
                process::send_signal(pid, libc::SIGTERM);
            }
            _ => {}
        }
    }

    // ---------------------------------------------------------------- reconnect

    /// Finds guests a previous driver started (status files) and takes them over again.
    fn reconnect_all(self: &Arc<Self>) {
        let Ok(entries) = std::fs::read_dir(self.paths.status_dir()) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let status: Option<StatusFile> = std::fs::read_to_string(&path)
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok());
            let Some(status) = status else {
                let _ = std::fs::remove_file(&path);
                continue;
            };
            if let Err(e) = self.reconnect(&status) {
                tracing::warn!(
                    "cannot reconnect to domain from {}: {}",
                    path.display(),
                    e.message
                );
                let _ = std::fs::remove_file(&path);
                let _ = std::fs::remove_dir_all(&status.run_dir);
                crate::network::remove_taps(
                    &status.taps.iter().cloned().map(Some).collect::<Vec<_>>(),
                );
            }
        }
    }

    fn reconnect(self: &Arc<Self>, status: &StatusFile) -> Result<()> {
        let def = DomainDef::parse_with_default_arch(
            &status.xml,
            ParseOptions { live: true },
            Some(definition::host_arch()),
        )?;
        if !process::pid_alive(status.pid) || !process::pid_is_guest(status.pid, &def.name) {
            return Err(qemu_err(
                ErrorCode::OperationFailed,
                "guest is no longer running",
            ));
        }
        let obj = match self.find_by_uuid(&def.uuid) {
            Some(o) => o,
            None => self.insert(DomainObj::new(
                def.uuid,
                &def.name,
                DomState {
                    config: None,
                    running: None,
                    state: DomainState::Shutoff,
                    reason: 0,
                    autostart: false,
                },
            ))?,
        };
        let token = self.next_token.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = channel();
        let tx_eof = tx.clone();
        let deleted = Arc::new(crate::domain::DeletedDevices::default());
        let deleted_by_reader = deleted.clone();
        let pid = status.pid;
        let qmp = QmpClient::connect(
            Path::new(&status.monitor),
            Instant::now() + Duration::from_secs(5),
            || process::pid_alive(pid),
            Box::new(move |ev| {
                if ev.name == "DEVICE_DELETED" {
                    if let Some(alias) = ev.data.get("device").and_then(Value::as_str) {
                        deleted_by_reader.push(alias);
                    }
                }
                let _ = tx.send(MonitorMsg::Event(ev));
            }),
            Box::new(move || {
                let _ = tx_eof.send(MonitorMsg::Eof);
            }),
        )
        .map_err(|e| qemu_err(ErrorCode::OperationFailed, e.to_string()))?;
        let qmp = Arc::new(qmp);
        let qstatus = qmp.execute("query-status", None).unwrap_or(Value::Null);
        let (state, why) = match qstatus.get("status").and_then(Value::as_str) {
            Some("running") => (DomainState::Running, status.reason),
            Some("paused") | Some("prelaunch") => (DomainState::Paused, reason::paused::UNKNOWN),
            Some("shutdown") => (DomainState::Shutdown, reason::shutdown::USER),
            Some("guest-panicked") => (DomainState::Crashed, reason::crashed::PANICKED),
            _ => (
                DomainState::from_i32(status.state).unwrap_or(DomainState::Running),
                status.reason,
            ),
        };
        let why = if state as i32 == status.state {
            status.reason
        } else {
            why
        };
        let next_node = next_node_after(&def);
        let mut st = obj.lock();
        st.running = Some(Running {
            token,
            id: status.id,
            pid,
            def,
            monitor: PathBuf::from(&status.monitor),
            run_dir: PathBuf::from(&status.run_dir),
            qmp: Some(qmp),
            exit: None,
            got_shutdown: state == DomainState::Shutdown,
            fake_reboot: false,
            taps: status.taps.clone(),
            expected_stops: 0,
            expected_resumes: 0,
            deleted,
            next_node,
        });
        st.set_state(state, why);
        obj.sync(&st);
        let next = self.next_id.load(Ordering::SeqCst).max(status.id + 1);
        self.next_id.store(next, Ordering::SeqCst);
        drop(st);
        self.spawn_event_thread(obj, token, rx);
        Ok(())
    }
}

/// Takes the run directory for this process: two drivers following the same guests would
/// fight over their monitors (QEMU serves one monitor client at a time).
fn lock_run_dir(dir: &Path) -> Result<std::fs::File> {
    use std::os::unix::io::AsRawFd;
    let path = dir.join("driver.lock");
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| {
            Error::system(
                ErrorDomain::Qemu,
                &e,
                format!("Failed to open lock file '{}'", path.display()),
            )
        })?;
    // SAFETY: flock only reads the descriptor number of a file we own for the whole call.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        let e = std::io::Error::last_os_error();
        return Err(Error::system(
            ErrorDomain::Qemu,
            &e,
            format!(
                "Failed to acquire lock file '{}' (another process runs this driver instance)",
                path.display()
            ),
        ));
    }
    Ok(file)
}

/// libvirt's refusal of a name or UUID already taken by another domain.
pub(crate) fn clash_error(existing: &DomainObj, name: &str, uuid: &rvirt_core::Uuid) -> Error {
    if existing.uuid == *uuid {
        Error::new(
            ErrorDomain::Domain,
            ErrorCode::OperationFailed,
            format!(
                "domain '{}' is already defined with uuid {}",
                existing.name,
                rvirt_core::uuid_string(&existing.uuid)
            ),
        )
    } else {
        Error::new(
            ErrorDomain::Domain,
            ErrorCode::OperationFailed,
            format!(
                "domain '{}' already exists with uuid {}",
                name,
                rvirt_core::uuid_string(&existing.uuid)
            ),
        )
    }
}

/// The first block node index not used by the live definition's disks.
fn next_node_after(def: &DomainDef) -> usize {
    def.devices_of("disk")
        .filter_map(|d| {
            d.child_attr("source", "index")
                .and_then(|i| i.parse::<usize>().ok())
        })
        .max()
        .unwrap_or(0)
        + 1
}

/// Refuses to start with a disk whose file is missing, as libvirt does before QEMU runs.
pub(crate) fn check_disk_sources(def: &DomainDef) -> Result<()> {
    for disk in def.devices_of("disk") {
        let Some(path) = disk
            .child_attr("source", "file")
            .or_else(|| disk.child_attr("source", "dev"))
        else {
            continue;
        };
        if let Err(e) = std::fs::metadata(path) {
            // SAFETY: getuid/getgid have no preconditions and cannot fail.
            let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
            let mut err = Error::system(
                ErrorDomain::Storage,
                &e,
                format!("Cannot access storage file '{path}' (as uid:{uid}, gid:{gid})"),
            );
            err.int1 = e.raw_os_error().unwrap_or(0);
            return Err(err);
        }
    }
    Ok(())
}

/// Appends libvirt's style of header (time, command line) to the domain log; returns the
/// offset where QEMU's own output will start.
fn write_log_header(path: &Path, argv: &[String]) -> Result<u64> {
    let mut f = std::fs::File::options()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| {
            Error::system(
                ErrorDomain::Qemu,
                &e,
                format!("failed to create logfile {}", path.display()),
            )
        })?;
    let mut text = format!(
        "{}: starting up rvirt {}\nLC_ALL=C \\\n",
        timestamp(),
        rvirt_core::RVIRT_VERSION
    );
    for (i, arg) in argv.iter().enumerate() {
        text.push_str(&shell_quote(arg));
        text.push_str(if i + 1 == argv.len() { "\n" } else { " \\\n" });
    }
    f.write_all(text.as_bytes()).map_err(|e| {
        Error::system(
            ErrorDomain::Qemu,
            &e,
            format!("failed to write logfile {}", path.display()),
        )
    })?;
    f.metadata()
        .map(|m| m.len())
        .map_err(|e| Error::system(ErrorDomain::Qemu, &e, "failed to stat logfile"))
}

fn shell_quote(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=,./:+@".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{:03}+0000",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        now.subsec_millis()
    )
}

/// Days since 1970-01-01 to a civil date (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// QEMU's output after `offset`, without our header, lines joined as libvirt joins them.
fn read_log_from(path: &Path, offset: u64) -> String {
    let Ok(bytes) = std::fs::read(path) else {
        return String::new();
    };
    let start = usize::try_from(offset).unwrap_or(0).min(bytes.len());
    String::from_utf8_lossy(&bytes[start..])
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Records the pty each pty-backed serial got (`query-chardev`), as libvirt shows it in the
/// live XML.
fn update_pty_paths(qmp: &QmpClient, def: &mut DomainDef) {
    let Ok(list) = qmp.execute("query-chardev", None) else {
        return;
    };
    let ptys: HashMap<String, String> = list
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|c| {
                    let label = c.get("label")?.as_str()?;
                    let file = c.get("filename")?.as_str()?.strip_prefix("pty:")?;
                    Some((label.to_string(), file.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut serial_index = 0;
    let mut first_serial_pty: Option<String> = None;
    for dev in def.devices.iter_mut() {
        if dev.name != "serial" {
            continue;
        }
        let label = format!("charserial{serial_index}");
        serial_index += 1;
        if dev.attr("type") != Some("pty") {
            continue;
        }
        if let Some(path) = ptys.get(&label) {
            dev.remove_children("source");
            dev.children.insert(
                0,
                rvirt_xml::domain::Element::new("source").with_attr("path", path),
            );
            if label == "charserial0" {
                first_serial_pty = Some(path.clone());
            }
        }
    }
    if let Some(path) = first_serial_pty {
        for dev in def.devices.iter_mut().filter(|d| d.name == "console") {
            if dev.attr("type") == Some("pty") {
                dev.set_attr("tty", &path);
                dev.remove_children("source");
                dev.children.insert(
                    0,
                    rvirt_xml::domain::Element::new("source").with_attr("path", &path),
                );
            }
        }
    }
}

/// Shows the host tap of each tap-backed interface as `<target dev=>` in the live XML.
fn set_tap_targets(def: &mut DomainDef, taps: &[Option<String>]) {
    for (iface, tap) in def
        .devices
        .iter_mut()
        .filter(|d| d.name == "interface")
        .zip(taps)
    {
        if let Some(tap) = tap {
            iface.child_or_insert("target").set_attr("dev", tap);
        }
    }
}

/// A QMP command on a running domain, with libvirt's wording when it fails.
pub fn monitor_command(r: &Running, command: &str, args: Option<Value>) -> Result<Value> {
    let qmp = r
        .qmp
        .as_ref()
        .ok_or_else(|| qemu_err(ErrorCode::OperationInvalid, "monitor must not be NULL"))?;
    qmp.execute(command, args).map_err(|e| match e {
        crate::qmp::QmpError::Command { desc, .. } => qemu_err(ErrorCode::InternalError, desc),
        other => qemu_err(ErrorCode::OperationFailed, other.to_string()),
    })
}

/// The CPU time QEMU used (user + system), nanoseconds.
pub fn cpu_time_ns(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    let Some(pos) = stat.rfind(')') else { return 0 };
    let fields: Vec<&str> = stat[pos + 1..].split_whitespace().collect();
    // Fields after the name start at 3 (state); utime is 14 and stime 15.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i).and_then(|v| v.parse::<u64>().ok()))
        .sum();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let hz = u64::try_from(hz).unwrap_or(100).max(1);
    ticks * (1_000_000_000 / hz)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
