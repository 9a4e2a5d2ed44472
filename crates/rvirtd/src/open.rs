//! How the daemon turns a `CONNECT_OPEN` name into a driver connection.
//!
//! - NULL or empty: the daemon's default, `LIBVIRT_DEFAULT_URI` from its environment, else
//!   `test:///default` (libvirtd probes its drivers; rvirt's embedded test driver is the one
//!   that always works).
//! - `qemu:///system`, `qemu:///session`: the QEMU driver on the daemon's own directories
//!   (`--root DIR` keeps guests' config in `DIR/etc`, state in `DIR/lib`, runtime files in
//!   `DIR/run`).
//! - `test:///default`, `test:///PATH.xml`, `qemu:///embed?root=DIR`: as the facade opens
//!   them in-process.
//! - URIs with a transport (`qemu+ssh://...`) are passed on to the remote driver, as
//!   libvirtd does; any other driver name is libvirtd's "no connection driver available".

use std::sync::{Arc, Mutex, OnceLock};

use rvirt::Connect;
use rvirt_core::{ConnectUri, Error, ErrorCode, ErrorDomain};
use rvirt_qemu::paths::Instance;
use rvirt_qemu::{DriverPaths, QemuDriver};

use crate::client::Opener;
use crate::paths::Paths;

/// Starts the kernel hotplug listener for the host's node devices when the first QEMU
/// connection opens (test-driver-only daemons never need it); it then runs for the
/// daemon's lifetime, keeping the device list current.
fn ensure_node_device_hotplug() {
    static MONITOR: OnceLock<Mutex<Option<rvirt_nodedev::HotplugMonitor>>> = OnceLock::new();
    MONITOR.get_or_init(|| match rvirt::host_node_devices().start_hotplug() {
        Ok(monitor) => Mutex::new(Some(monitor)),
        Err(e) => {
            tracing::warn!("node device hotplug listener not started: {e}");
            Mutex::new(None)
        }
    });
}

/// Keeps a QEMU driver alive until the daemon exits. The facade shares a driver only while
/// connections hold it; a daemon must keep watching its guests' monitors between client
/// connections (a guest's SHUTDOWN event arrives after the `virsh shutdown` that asked for
/// it has gone), as libvirtd's driver lives as long as the daemon.
fn keep_for_daemon_lifetime(driver: &Arc<QemuDriver>) {
    static KEPT: OnceLock<Mutex<Vec<Arc<QemuDriver>>>> = OnceLock::new();
    let mut kept = KEPT
        .get_or_init(|| Mutex::new(Vec::new()))
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    // Each open returns a new handle to the shared instance: compare instances by directory.
    if !kept
        .iter()
        .any(|k| k.paths().run_dir == driver.paths().run_dir)
    {
        kept.push(Arc::clone(driver));
    }
}

/// The opener of a daemon whose directories are `paths`.
pub fn daemon_opener(paths: &Paths) -> Opener {
    let paths = paths.clone();
    Arc::new(move |uri, readonly| {
        let text = uri.map(str::to_string).unwrap_or_else(rvirt::default_uri);
        let parsed = ConnectUri::parse(&text)?;
        if parsed.is_remote() {
            return Connect::open_local(&text, readonly);
        }
        match (parsed.driver.as_str(), parsed.path.as_str()) {
            ("qemu", path @ ("/system" | "/session")) => {
                ensure_node_device_hotplug();
                let instance = if path == "/system" {
                    Instance::System
                } else {
                    Instance::Session
                };
                let driver = QemuDriver::open_paths(DriverPaths {
                    instance,
                    config_dir: paths.etc.clone(),
                    state_dir: paths.lib.clone(),
                    run_dir: paths.run.clone(),
                })?;
                keep_for_daemon_lifetime(&driver);
                Ok(Connect::from_qemu(text, readonly, driver))
            }
            ("qemu" | "test", _) => Connect::open_local(&text, readonly),
            _ => Err(Error::new(ErrorDomain::None, ErrorCode::NoConnect, text)),
        }
    })
}
