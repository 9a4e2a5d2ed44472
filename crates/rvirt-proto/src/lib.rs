//! libvirt's RPC wire format, hand-written from the protocol's facts: an XDR codec as a
//! serde backend ([`xdr`]), the packet layer ([`packet`]), the programs served on libvirt's
//! sockets ([`program`]), the remote program's procedure table ([`procedures`]) and the
//! argument, return and event types of the procedures rvirt's drivers cover ([`remote`]),
//! bound to their procedure numbers in [`calls`].

pub mod calls;
pub mod packet;
pub mod procedures;
pub mod program;
pub mod remote;
pub mod xdr;

pub use packet::{Header, MessageStatus, MessageType, Packet, PacketDecoder};
pub use procedures::{lookup, Priority, ProcedureInfo, PROCEDURES};
pub use remote::{RemoteError, RemoteTypedParam, TypedParamValue};
pub use xdr::{from_bytes, to_bytes, XdrError};
