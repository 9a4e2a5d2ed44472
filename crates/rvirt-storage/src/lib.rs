//! rvirt's storage driver for the local connections (`qemu:///system`, `qemu:///session`,
//! `qemu:///embed?root=DIR`): `dir` pools on directories, `fs` and `netfs` pools mounted on
//! their target, `logical` pools on LVM volume groups, volumes as real files created with `qemu-img` where a format needs it,
//! streams for upload and download, and libvirt's pool lifecycle events.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # fn main() -> rvirt_core::Result<()> {
//! use rvirt_core::StorageDriver as _;
//! let driver = rvirt_storage::StorageDriver::open(
//!     "/tmp/root/etc".into(),
//!     "/tmp/root/run".into(),
//!     Arc::new(rvirt_core::EventBus::new()),
//! )?;
//! let pools = driver.connect_list_all_storage_pools(Default::default())?;
//! # let _ = pools; Ok(()) }
//! ```

pub mod backend;
mod driver;
pub mod fsutil;
pub mod logical;
pub mod probe;
pub mod stream;
pub mod volume;

pub use driver::StorageDriver;
