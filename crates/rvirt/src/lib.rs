//! Open a connection by URI (`Connect::open("test:///default")`) and reach the drivers behind
//! it through rvirt-core's traits. The CLI, the daemon and Rust programs all come through here,
//! so a URI means the same thing everywhere.

use std::sync::{Arc, OnceLock};

pub mod transfer;

pub use rvirt_core as core;
pub use rvirt_core::*;

/// An open connection: the URI it was opened with and one driver per object family.
#[derive(Clone)]
pub struct Connect {
    uri: String,
    readonly: bool,
    pub hypervisor: Arc<dyn HypervisorDriver>,
    pub network: Arc<dyn NetworkDriver>,
    pub storage: Arc<dyn StorageDriver>,
    pub nodedev: Arc<dyn NodeDeviceDriver>,
    pub interface: Arc<dyn InterfaceDriver>,
    pub secret: Arc<dyn SecretDriver>,
    pub nwfilter: Arc<dyn NwFilterDriver>,
}

impl std::fmt::Debug for Connect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connect")
            .field("uri", &self.uri)
            .field("readonly", &self.readonly)
            .finish_non_exhaustive()
    }
}

/// A driver that serves every family (the test driver does).
pub trait FullDriver:
    HypervisorDriver
    + NetworkDriver
    + StorageDriver
    + NodeDeviceDriver
    + InterfaceDriver
    + SecretDriver
    + NwFilterDriver
{
}

impl<T> FullDriver for T where
    T: HypervisorDriver
        + NetworkDriver
        + StorageDriver
        + NodeDeviceDriver
        + InterfaceDriver
        + SecretDriver
        + NwFilterDriver
{
}

impl Connect {
    /// Opens `uri` read-write. `None` uses `LIBVIRT_DEFAULT_URI`, then `test:///default`.
    pub fn open(uri: Option<&str>) -> Result<Connect> {
        Self::open_with(uri, false)
    }

    /// Opens `uri` read-only: every modifying call answers `VIR_ERR_OPERATION_DENIED`.
    pub fn open_read_only(uri: Option<&str>) -> Result<Connect> {
        Self::open_with(uri, true)
    }

    fn open_with(uri: Option<&str>, readonly: bool) -> Result<Connect> {
        let text = match uri {
            Some(u) if !u.is_empty() => u.to_string(),
            _ => default_uri(),
        };
        let parsed = ConnectUri::parse(&text)?;
        if parsed.is_remote() {
            let driver = rvirt_remote::RemoteDriver::open(&parsed, readonly)?;
            return Ok(Self::from_full(text, readonly, driver));
        }
        match parsed.driver.as_str() {
            "test" => {
                let driver = rvirt_test::TestDriver::open(&parsed)?;
                Ok(Self::from_full(text, readonly, driver))
            }
            // Embedded QEMU instances always run in this process (libvirt's `qemu:///embed`).
            "qemu" if parsed.path == "/embed" => {
                let driver = rvirt_qemu::QemuDriver::open(&parsed)?;
                Ok(Self::from_qemu(text, readonly, driver))
            }
            // No in-process driver: like libvirt's client, ask the daemon on its default
            // socket (`qemu:///system` reaches libvirtd or `rvirtd --compat-paths`).
            _ => {
                let driver = rvirt_remote::RemoteDriver::open(&parsed, readonly)?;
                Ok(Self::from_full(text, readonly, driver))
            }
        }
    }

    /// Opens `uri` with the in-process driver even where a client would ask the daemon
    /// (`qemu:///system`, `qemu:///session`): what the daemon itself uses to serve them.
    pub fn open_local(uri: &str, readonly: bool) -> Result<Connect> {
        let parsed = ConnectUri::parse(uri)?;
        if parsed.driver == "qemu" && !parsed.is_remote() {
            let driver = rvirt_qemu::QemuDriver::open(&parsed)?;
            return Ok(Self::from_qemu(uri.to_string(), readonly, driver));
        }
        Self::open_with(Some(uri), readonly)
    }

    /// A QEMU connection: the QEMU driver for domains, the host's node devices beside it,
    /// and rvirt's storage driver for the same instance.
    pub fn from_qemu(uri: String, readonly: bool, qemu: Arc<rvirt_qemu::QemuDriver>) -> Connect {
        let storage = qemu_storage(&qemu);
        if let Some(storage) = &storage {
            // Guests' `<disk type='volume'>` sources are looked up through it at start.
            qemu.attach_storage(storage.clone());
        }
        let mut conn = Self::from_full(uri, readonly, qemu);
        conn.nodedev = host_node_devices();
        if let Some(storage) = storage {
            conn.storage = storage;
        }
        conn
    }

    /// Wraps one driver serving every family.
    pub fn from_full<D: FullDriver + 'static>(
        uri: String,
        readonly: bool,
        driver: Arc<D>,
    ) -> Connect {
        Connect {
            uri,
            readonly,
            hypervisor: driver.clone(),
            network: driver.clone(),
            storage: driver.clone(),
            nodedev: driver.clone(),
            interface: driver.clone(),
            secret: driver.clone(),
            nwfilter: driver,
        }
    }

    /// The URI as given to `open` (after defaulting).
    pub fn requested_uri(&self) -> &str {
        &self.uri
    }

    pub fn is_read_only(&self) -> bool {
        self.readonly
    }

    /// Fails with libvirt's read-only error when this connection may not modify anything.
    /// Callers check this before every modifying operation, as libvirt's public API does.
    pub fn check_writable(&self) -> Result<()> {
        if self.readonly {
            Err(Error::bare(ErrorDomain::None, ErrorCode::OperationDenied))
        } else {
            Ok(())
        }
    }

    /// [`Connect::check_writable`] with the message libvirt's public API gives when it
    /// refuses `api` (e.g. `virDomainDestroy`) on a read-only connection: `operation
    /// forbidden: read only access prevents API`, from the error domain of the API's family.
    pub fn check_writable_for(&self, api: &str) -> Result<()> {
        if !self.readonly {
            return Ok(());
        }
        // Longest prefixes first: snapshot APIs also start with `virDomain`.
        let families = [
            ("virDomainSnapshot", ErrorDomain::DomainSnapshot),
            ("virDomainRevertToSnapshot", ErrorDomain::DomainSnapshot),
            ("virDomain", ErrorDomain::Domain),
            ("virNetwork", ErrorDomain::Network),
            ("virStorage", ErrorDomain::Storage),
            ("virNodeDevice", ErrorDomain::Nodedev),
            ("virInterface", ErrorDomain::Interface),
            ("virSecret", ErrorDomain::Secret),
            ("virNWFilter", ErrorDomain::Nwfilter),
        ];
        let domain = families
            .iter()
            .find(|(prefix, _)| api.starts_with(prefix))
            .map_or(ErrorDomain::None, |(_, d)| *d);
        Err(Error::new(
            domain,
            ErrorCode::OperationDenied,
            format!("read only access prevents {api}"),
        ))
    }
}

/// The host's node devices, enumerated once per process and shared by every QEMU connection,
/// as libvirt has one node device driver per daemon. The daemon keeps it current with
/// `start_hotplug`; short-lived processes see the devices as they were at first use.
pub fn host_node_devices() -> Arc<rvirt_nodedev::NodeDevDriver> {
    static HOST: OnceLock<Arc<rvirt_nodedev::NodeDevDriver>> = OnceLock::new();
    HOST.get_or_init(|| Arc::new(rvirt_nodedev::NodeDevDriver::host()))
        .clone()
}

/// rvirt's storage driver over a QEMU instance's directories (pools in `CONFIG/storage`,
/// running pools in `RUN/storage`), one per instance per process, raising its events on the
/// QEMU driver's bus so a connection's registrations see them. `None` only when its state
/// directory cannot be created, which leaves storage calls answering "no support".
fn qemu_storage(qemu: &rvirt_qemu::QemuDriver) -> Option<Arc<rvirt_storage::StorageDriver>> {
    let paths = qemu.paths();
    rvirt_storage::StorageDriver::open_shared(
        paths.config_dir.clone(),
        paths.run_dir.clone(),
        qemu.event_bus(),
    )
    .ok()
}

/// `LIBVIRT_DEFAULT_URI` when set, else the embedded `test:///default`.
pub fn default_uri() -> String {
    std::env::var("LIBVIRT_DEFAULT_URI")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "test:///default".to_string())
}
