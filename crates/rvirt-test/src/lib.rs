//! libvirt's test driver, in memory. (Being written: see the crate's module docs.)

use std::sync::Arc;

use rvirt_core::*;

/// The test driver: one shared state per `test:///default` in a process.
#[derive(Debug, Default)]
pub struct TestDriver {}

impl TestDriver {
    /// Opens `test:///default` (shared per process) or `test:///ABS/PATH.xml` (fresh state).
    pub fn open(uri: &ConnectUri) -> Result<Arc<TestDriver>> {
        let _ = uri;
        Ok(Arc::new(TestDriver {}))
    }
}

impl HypervisorDriver for TestDriver {}
impl NetworkDriver for TestDriver {}
impl StorageDriver for TestDriver {}
impl NodeDeviceDriver for TestDriver {}
impl InterfaceDriver for TestDriver {}
impl SecretDriver for TestDriver {}
impl NwFilterDriver for TestDriver {}
