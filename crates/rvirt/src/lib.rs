//! Open a connection by URI (`Connect::open("test:///default")`) and reach the drivers behind
//! it through rvirt-core's traits. The CLI, the daemon and Rust programs all come through here,
//! so a URI means the same thing everywhere.

use std::sync::Arc;

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
    HypervisorDriver + NetworkDriver + StorageDriver + NodeDeviceDriver + InterfaceDriver + SecretDriver + NwFilterDriver
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
            return Err(Error::new(
                ErrorDomain::None,
                ErrorCode::NoConnect,
                format!("{text} (remote transports are not available in this build)"),
            ));
        }
        match parsed.driver.as_str() {
            "test" => {
                let driver = rvirt_test::TestDriver::open(&parsed)?;
                Ok(Self::from_full(text, readonly, driver))
            }
            _ => Err(Error::new(ErrorDomain::None, ErrorCode::NoConnect, text)),
        }
    }

    /// Wraps one driver serving every family.
    pub fn from_full<D: FullDriver + 'static>(uri: String, readonly: bool, driver: Arc<D>) -> Connect {
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
}

/// `LIBVIRT_DEFAULT_URI` when set, else the embedded `test:///default`.
pub fn default_uri() -> String {
    std::env::var("LIBVIRT_DEFAULT_URI")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "test:///default".to_string())
}
