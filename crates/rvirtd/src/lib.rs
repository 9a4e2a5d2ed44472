//! rvirtd: libvirt's RPC protocol on unix sockets, so Debian's `virsh` and `python3-libvirt`
//! drive rvirt's drivers unchanged.
//!
//! - `config`: `rvirtd.conf` (libvirtd.conf syntax and keys)
//! - `paths`: configuration, state and runtime directories and the socket paths
//! - `server`: listeners, per-client reader and writer tasks, keepalive
//! - `pool`: the bounded worker pools driver calls run on
//! - `dispatch`: remote procedures mapped to driver trait methods
//! - `open`: which driver a `CONNECT_OPEN` name reaches
//! - `snapshots`: snapshot parents and children derived from snapshot XML
//! - `apiname`: libvirt API names and error domains for the daemon's own errors
//! - `client`: per-client state (connection, callbacks, streams, outgoing queue)
//! - `events`: driver events turned into MESSAGE packets
//! - `stream`: STREAM packet framing and flow control

pub mod apiname;
pub mod client;
pub mod config;
pub mod dispatch;
pub mod events;
pub mod open;
pub mod paths;
pub mod pool;
pub mod server;
pub mod snapshots;
pub mod stream;

pub use client::{default_opener, Opener};
pub use config::Config;
pub use paths::Paths;
pub use server::{Server, ServerOptions};
