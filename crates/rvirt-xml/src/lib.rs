//! libvirt's XML formats as typed Rust models.
//!
//! Each format has a model (plain structs and enums), a parser that fills in defaults and
//! validates the way libvirt's post-parse does, and a formatter that prints libvirt's canonical
//! form byte for byte. No I/O happens here: drivers decide what to do with the models.

pub mod parse;
pub mod writer;

pub use writer::XmlWriter;

pub mod capabilities;
pub mod corpus;
pub mod domain;
pub mod interface;
pub mod netcommon;
pub mod network;
pub mod nodedev;
pub mod secret;
pub mod storage;
pub mod testdriver;
pub mod xmltree;

mod entities;
mod wellformed;
