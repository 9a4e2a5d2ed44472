//! rvirt's API layer: libvirt-compatible errors, connection URIs, object handles, flags,
//! states, events and the driver traits every driver implements.

pub mod driver;
pub mod error;
pub mod events;
pub mod flags;
pub mod handles;
pub mod types;
pub mod uri;

pub use driver::*;
pub use error::{Error, ErrorCode, ErrorDomain, ErrorLevel, Result};
pub use events::{Event, EventBus, EventCallback, EventFamily, ObjectKey};
pub use flags::*;
pub use handles::*;
pub use types::*;
pub use uri::ConnectUri;
pub use uuid::Uuid;

/// The libvirt API level rvirt implements, as `virGetVersion` encodes it (9.0.0).
pub const LIBVIRT_API_VERSION: u64 = 9_000_000;

/// rvirt's own version.
pub const RVIRT_VERSION: &str = env!("CARGO_PKG_VERSION");
