//! rvirt's QEMU driver: real `qemu-system-*` guests under libvirt's semantics.
//!
//! `qemu:///system`, `qemu:///session` and `qemu:///embed?root=DIR` open a [`QemuDriver`]
//! over the directories of that instance. Emulators are probed over QMP once and cached;
//! definitions become QEMU command lines ([`command::build`]); each guest's QEMU runs in its
//! own session and is followed over its QMP monitor; a status file per running guest lets a
//! new driver instance take running guests over again.

mod address;
pub mod command;
pub mod cpu;
pub mod definition;
pub mod devices;
pub mod domain;
pub mod domcaps;
mod driver;
pub mod fsutil;
pub mod host;
mod hotplug;
mod hypervisor;
pub mod network;
pub mod paths;
pub mod probe;
pub mod process;
pub mod qmp;
pub mod save;
pub mod stats;
pub mod volumes;

use std::sync::Arc;

use rvirt_core::{ConnectUri, Error, ErrorCode, ErrorDomain, Result};

pub use paths::DriverPaths;

/// Driver instances alive in this process, by run directory.
type InstanceList = Vec<(std::path::PathBuf, std::sync::Weak<driver::Inner>)>;
static OPEN_INSTANCES: std::sync::Mutex<InstanceList> = std::sync::Mutex::new(Vec::new());

/// The driver behind one `qemu://` connection.
pub struct QemuDriver {
    inner: Arc<driver::Inner>,
    /// Event callbacks this connection registered on the shared bus.
    callbacks: std::sync::Mutex<Vec<i32>>,
    /// Guests started with `START_AUTODESTROY`: destroyed when this connection closes.
    autodestroy: std::sync::Mutex<Vec<rvirt_core::Uuid>>,
}

impl QemuDriver {
    fn with_inner(inner: Arc<driver::Inner>) -> Arc<QemuDriver> {
        Arc::new(QemuDriver {
            inner,
            callbacks: std::sync::Mutex::new(Vec::new()),
            autodestroy: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// Remembers a callback id so closing this connection removes it.
    pub(crate) fn track_callback(&self, id: i32) {
        self.callbacks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(id);
    }

    /// Forgets a callback id; false when this connection did not register it.
    pub(crate) fn untrack_callback(&self, id: i32) -> bool {
        let mut ids = self.callbacks.lock().unwrap_or_else(|p| p.into_inner());
        let before = ids.len();
        ids.retain(|i| *i != id);
        ids.len() != before
    }

    /// Remembers a guest to destroy when this connection closes.
    pub(crate) fn track_autodestroy(&self, uuid: rvirt_core::Uuid) {
        self.autodestroy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(uuid);
    }

    /// Destroys the guests this connection started with `START_AUTODESTROY`.
    pub(crate) fn run_autodestroy(&self) {
        let uuids =
            std::mem::take(&mut *self.autodestroy.lock().unwrap_or_else(|p| p.into_inner()));
        for uuid in uuids {
            if let Some(obj) = self.inner.find_by_uuid(&uuid) {
                let mut st = obj.lock();
                self.inner.stop(
                    &obj,
                    &mut st,
                    rvirt_core::reason::shutoff::DESTROYED,
                    rvirt_core::events::domain_lifecycle::stopped::DESTROYED,
                    true,
                );
            }
        }
    }

    pub(crate) fn drop_callbacks(&self) {
        let ids = std::mem::take(&mut *self.callbacks.lock().unwrap_or_else(|p| p.into_inner()));
        for id in ids {
            self.inner.events.deregister(id);
        }
    }
}

impl Drop for QemuDriver {
    fn drop(&mut self) {
        self.drop_callbacks();
        self.run_autodestroy();
    }
}

impl std::fmt::Debug for QemuDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QemuDriver")
            .field("paths", &self.inner.paths)
            .finish_non_exhaustive()
    }
}

impl QemuDriver {
    /// Opens the instance a `qemu:///...` URI names.
    pub fn open(uri: &ConnectUri) -> Result<Arc<QemuDriver>> {
        if uri.driver != "qemu" {
            return Err(Error::new(
                ErrorDomain::Qemu,
                ErrorCode::InternalError,
                format!("unexpected driver '{}' for the QEMU driver", uri.driver),
            ));
        }
        let paths = DriverPaths::from_uri(uri)?;
        Self::open_paths(paths)
    }

    /// Opens a driver over explicit directories. Connections to the same instance within
    /// one process share one driver, as libvirt shares its embedded driver.
    pub fn open_paths(paths: DriverPaths) -> Result<Arc<QemuDriver>> {
        let mut open = OPEN_INSTANCES.lock().unwrap_or_else(|p| p.into_inner());
        open.retain(|(_, weak)| weak.strong_count() > 0);
        if let Some(inner) = open
            .iter()
            .find(|(run, _)| *run == paths.run_dir)
            .and_then(|(_, weak)| weak.upgrade())
        {
            return Ok(QemuDriver::with_inner(inner));
        }
        let inner = driver::Inner::new(paths)?;
        open.push((inner.paths.run_dir.clone(), Arc::downgrade(&inner)));
        Ok(QemuDriver::with_inner(inner))
    }

    pub fn paths(&self) -> &DriverPaths {
        &self.inner.paths
    }

    /// The storage driver of this instance's connections: `<disk type='volume'>` sources
    /// are looked up through it when a guest starts. The facade attaches it when it opens a
    /// QEMU connection, as libvirt's QEMU driver reaches the storage driver of the daemon.
    pub fn attach_storage(&self, storage: Arc<dyn rvirt_core::StorageDriver>) {
        self.inner.attach_storage(storage);
    }

    /// The bus this driver's events go out on; other in-process drivers of the same
    /// connection (storage) raise theirs here too, so one registration sees them all.
    pub fn event_bus(&self) -> Arc<rvirt_core::EventBus> {
        Arc::clone(&self.inner.events)
    }
}

// Families this driver does not serve report VIR_ERR_NO_SUPPORT.
impl rvirt_core::NetworkDriver for QemuDriver {}
impl rvirt_core::StorageDriver for QemuDriver {}
impl rvirt_core::NodeDeviceDriver for QemuDriver {}
impl rvirt_core::InterfaceDriver for QemuDriver {}
impl rvirt_core::SecretDriver for QemuDriver {}
impl rvirt_core::NwFilterDriver for QemuDriver {}
