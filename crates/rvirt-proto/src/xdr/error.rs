//! The codec's own error type.

use std::fmt::Display;

use rvirt_core::{Error, ErrorCode, ErrorDomain};

/// Everything that can go wrong while encoding or decoding XDR or packets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XdrError {
    /// The input ended before a value was complete.
    #[error("XDR data truncated: needed {needed} more bytes, {remaining} left")]
    Truncated { needed: usize, remaining: usize },
    /// A length or count exceeded a protocol limit.
    #[error("XDR length {len} exceeds the limit of {max}")]
    TooLong { len: usize, max: usize },
    /// A boolean was neither 0 nor 1.
    #[error("invalid XDR boolean value {0}")]
    InvalidBool(u32),
    /// An optional-data discriminant was neither 0 nor 1.
    #[error("invalid XDR optional-data discriminant {0}")]
    InvalidOptional(u32),
    /// A union or enum discriminant had no matching arm.
    #[error("unknown discriminant {value} for {what}")]
    UnknownDiscriminant { what: &'static str, value: i64 },
    /// An integer did not fit the Rust type it was decoded into.
    #[error("XDR integer {0} out of range for its type")]
    IntegerRange(i64),
    /// Bytes were left over after the value was decoded.
    #[error("{0} trailing bytes after XDR value")]
    TrailingBytes(usize),
    /// The data model has no XDR encoding (maps, self-describing input, ...).
    #[error("unsupported in XDR: {0}")]
    Unsupported(&'static str),
    /// A packet's length word is below the minimum.
    #[error("packet {len} bytes received from server too small, want {min}")]
    PacketTooSmall { len: u32, min: u32 },
    /// A packet's length word is above the maximum.
    #[error("packet {len} bytes received from server too large, want {max}")]
    PacketTooLarge { len: u32, max: u32 },
    /// A header field held a value the protocol does not define.
    #[error("invalid packet header: {0}")]
    BadHeader(String),
    /// An error raised by a type's own (de)serialization code.
    #[error("{0}")]
    Custom(String),
    /// An I/O error while reading packets from a stream.
    #[error("{0}")]
    Io(String),
}

impl serde::ser::Error for XdrError {
    fn custom<T: Display>(msg: T) -> Self {
        XdrError::Custom(msg.to_string())
    }
}

impl serde::de::Error for XdrError {
    fn custom<T: Display>(msg: T) -> Self {
        XdrError::Custom(msg.to_string())
    }
}

impl From<std::io::Error> for XdrError {
    fn from(err: std::io::Error) -> Self {
        XdrError::Io(err.to_string())
    }
}

/// Codec failures surface to API users as libvirt does: `VIR_ERR_RPC` from `VIR_FROM_RPC`.
impl From<XdrError> for Error {
    fn from(err: XdrError) -> Self {
        Error::new(ErrorDomain::Rpc, ErrorCode::Rpc, err.to_string())
    }
}

/// Result with [`XdrError`].
pub type XdrResult<T> = std::result::Result<T, XdrError>;
