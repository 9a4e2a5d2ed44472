//! Types of the remote program (`remote_protocol.x`), named after libvirt's in Rust style
//! (`remote_domain_lookup_by_name_args` is [`DomainLookupByNameArgs`]).

mod common;
mod connect;
mod domain;
mod domain_tuning;
mod events;
mod interface;
pub mod limits;
mod network;
mod nodedev;
mod secret;
mod storage;

pub use common::*;
pub use connect::*;
pub use domain::*;
pub use domain_tuning::*;
pub use events::*;
pub use interface::*;
pub use network::*;
pub use nodedev::*;
pub use secret::*;
pub use storage::*;

/// Declares wire structs: public fields in wire order, serde derives.
macro_rules! wire {
    ($($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? })*) => {
        $(
            $(#[$m])*
            #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
            pub struct $name {
                $($(#[$fm])* pub $field: $ty,)*
            }
        )*
    };
}
pub(crate) use wire;
