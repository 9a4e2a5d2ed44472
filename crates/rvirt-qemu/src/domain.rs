//! Domain objects: the persistent definition, the running instance (if any) and the state
//! with its reason. The few facts listing and lookups need (id, persistence, state) are
//! mirrored in atomics so listing never waits on a domain busy starting or stopping.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rvirt_core::{DomainRef, DomainState, Uuid};
use rvirt_xml::domain::DomainDef;
use serde::{Deserialize, Serialize};

use crate::process::ExitSlot;
use crate::qmp::QmpClient;

/// A running QEMU of one domain.
pub struct Running {
    /// Distinguishes this run from later ones, so late monitor events of a stopped run
    /// are ignored.
    pub token: u64,
    pub id: i32,
    pub pid: u32,
    /// The live definition.
    pub def: DomainDef,
    pub monitor: PathBuf,
    pub run_dir: PathBuf,
    pub qmp: Option<Arc<QmpClient>>,
    /// Set when this driver spawned the process (it reaps it).
    pub exit: Option<Arc<ExitSlot>>,
    /// The guest (or the host) shut down; the monitor closing next is a clean stop.
    pub got_shutdown: bool,
    /// A reboot was requested as powerdown plus reset.
    pub fake_reboot: bool,
    /// Tap devices created for this run.
    pub taps: Vec<String>,
    /// STOP / RESUME events our own `stop` / `cont` will cause: the event thread may see
    /// them after later calls changed the state again, so they are consumed, not applied.
    pub expected_stops: u32,
    pub expected_resumes: u32,
    /// Devices QEMU reported removed (DEVICE_DELETED), filled by the monitor reader.
    pub deleted: Arc<DeletedDevices>,
    /// Next `libvirt-N-*` block node index for hot-plugged disks.
    pub next_node: usize,
}

/// Aliases of devices QEMU finished removing, with a condition to wait on.
#[derive(Debug, Default)]
pub struct DeletedDevices {
    aliases: Mutex<Vec<String>>,
    changed: std::sync::Condvar,
}

impl DeletedDevices {
    pub fn push(&self, alias: &str) {
        let mut list = self.aliases.lock().unwrap_or_else(|p| p.into_inner());
        list.push(alias.to_string());
        self.changed.notify_all();
    }

    /// Waits (bounded) until `alias` was removed; consumes the record.
    pub fn wait(&self, alias: &str, timeout: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        let mut list = self.aliases.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(pos) = list.iter().position(|a| a == alias) {
                list.remove(pos);
                return true;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            list = match self.changed.wait_timeout(list, left) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }
}

/// Mutable state of one domain.
pub struct DomState {
    /// The persistent definition (`None` for transient domains).
    pub config: Option<DomainDef>,
    pub running: Option<Running>,
    pub state: DomainState,
    pub reason: i32,
    pub autostart: bool,
}

/// One domain known to the driver.
pub struct DomainObj {
    pub uuid: Uuid,
    pub name: String,
    id: AtomicI32,
    persistent: AtomicBool,
    removed: AtomicBool,
    state_num: AtomicI32,
    state: Mutex<DomState>,
}

impl DomainObj {
    pub fn new(uuid: Uuid, name: &str, st: DomState) -> Arc<Self> {
        let obj = Arc::new(DomainObj {
            uuid,
            name: name.to_string(),
            id: AtomicI32::new(-1),
            persistent: AtomicBool::new(false),
            removed: AtomicBool::new(false),
            state_num: AtomicI32::new(DomainState::Shutoff as i32),
            state: Mutex::new(st),
        });
        let guard = obj.lock();
        obj.sync(&guard);
        drop(guard);
        obj
    }

    pub fn lock(&self) -> MutexGuard<'_, DomState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Copies what listing needs out of the locked state.
    pub fn sync(&self, st: &DomState) {
        self.id.store(
            st.running.as_ref().map(|r| r.id).unwrap_or(-1),
            Ordering::SeqCst,
        );
        self.persistent.store(st.config.is_some(), Ordering::SeqCst);
        self.state_num.store(st.state as i32, Ordering::SeqCst);
    }

    pub fn id(&self) -> i32 {
        self.id.load(Ordering::SeqCst)
    }
    pub fn is_active(&self) -> bool {
        self.id() >= 0
    }
    pub fn is_persistent(&self) -> bool {
        self.persistent.load(Ordering::SeqCst)
    }
    pub fn state(&self) -> DomainState {
        DomainState::from_i32(self.state_num.load(Ordering::SeqCst)).unwrap_or(DomainState::NoState)
    }
    pub fn is_removed(&self) -> bool {
        self.removed.load(Ordering::SeqCst)
    }
    pub fn mark_removed(&self) {
        self.removed.store(true, Ordering::SeqCst);
    }

    pub fn handle(&self) -> DomainRef {
        DomainRef {
            name: self.name.clone(),
            uuid: self.uuid,
            id: self.id(),
        }
    }
}

impl DomState {
    pub fn set_state(&mut self, state: DomainState, reason: i32) {
        self.state = state;
        self.reason = reason;
    }

    /// The definition currently in force: the live one when running.
    pub fn current_def(&self) -> Option<&DomainDef> {
        self.running
            .as_ref()
            .map(|r| &r.def)
            .or(self.config.as_ref())
    }
}

/// What the run directory records about a running domain, so a restarted driver can
/// reconnect to it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusFile {
    pub pid: u32,
    pub id: i32,
    pub monitor: String,
    pub run_dir: String,
    /// Live XML.
    pub xml: String,
    pub state: i32,
    pub reason: i32,
    pub taps: Vec<String>,
}
