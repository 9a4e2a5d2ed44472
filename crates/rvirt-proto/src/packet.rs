//! The packet layer (`virnetprotocol.x`): a 4-byte length word counting itself, a 24-byte
//! header, then the payload (arguments, return value, error, event or stream data).

use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::remote::RemoteError;
use crate::xdr::{self, XdrError, XdrResult};

/// Initial message buffer size (`VIR_NET_MESSAGE_INITIAL`).
pub const MESSAGE_INITIAL: usize = 65_536;
/// Largest payload old clients accept (`VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX`).
pub const MESSAGE_LEGACY_PAYLOAD_MAX: usize = 262_144;
/// Largest message, header and payload, not counting the length word (`VIR_NET_MESSAGE_MAX`).
pub const MESSAGE_MAX: usize = 16_777_216;
/// Size of the encoded header (`VIR_NET_MESSAGE_HEADER_MAX`).
pub const MESSAGE_HEADER_MAX: usize = 24;
/// Largest payload (`VIR_NET_MESSAGE_PAYLOAD_MAX`).
pub const MESSAGE_PAYLOAD_MAX: usize = 16_777_192;
/// Size of the length word (`VIR_NET_MESSAGE_LEN_MAX`).
pub const MESSAGE_LEN_MAX: usize = 4;
/// Longest string in a message (`VIR_NET_MESSAGE_STRING_MAX`).
pub const MESSAGE_STRING_MAX: usize = 4_194_304;
/// Most file descriptors passed with one message (`VIR_NET_MESSAGE_NUM_FDS_MAX`).
pub const MESSAGE_NUM_FDS_MAX: usize = 32;

/// Declares a wire enum encoded as an XDR int, with `from_i32`.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $num:expr,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(i32)]
        pub enum $name {
            $($(#[$vmeta])* $variant = $num,)*
        }

        impl $name {
            /// The variant with wire value `n`, if any.
            pub fn from_i32(n: i32) -> Option<Self> {
                match n {
                    $($num => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i32(*self as i32)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let n = i32::deserialize(d)?;
                Self::from_i32(n).ok_or_else(|| {
                    serde::de::Error::custom(XdrError::UnknownDiscriminant {
                        what: stringify!($name),
                        value: i64::from(n),
                    })
                })
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum! {
    /// `virNetMessageType`.
    MessageType {
        /// Client to server: a procedure call.
        Call = 0,
        /// Server to client: the reply (or error) to a call.
        Reply = 1,
        /// Either direction: an asynchronous event.
        Message = 2,
        /// Either direction: stream data.
        Stream = 3,
        /// A call with file descriptors passed alongside.
        CallWithFds = 4,
        /// A reply with file descriptors passed alongside.
        ReplyWithFds = 5,
        /// Either direction: a hole in a sparse stream.
        StreamHole = 6,
    }
}

wire_enum! {
    /// `virNetMessageStatus`.
    MessageStatus {
        /// Success (always for calls and events).
        Ok = 0,
        /// A `remote_error` follows.
        Error = 1,
        /// More stream data follows.
        Continue = 2,
    }
}

/// `virNetMessageHeader`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub prog: u32,
    pub vers: u32,
    pub proc_: i32,
    pub kind: MessageType,
    pub serial: u32,
    pub status: MessageStatus,
}

impl Header {
    /// A call header for `proc_` of program `prog`/`vers`.
    pub fn call(prog: u32, vers: u32, proc_: i32, serial: u32) -> Self {
        Header {
            prog,
            vers,
            proc_,
            kind: MessageType::Call,
            serial,
            status: MessageStatus::Ok,
        }
    }

    /// The reply header matching this call, with `status`.
    pub fn reply(&self, status: MessageStatus) -> Self {
        Header {
            kind: MessageType::Reply,
            status,
            ..*self
        }
    }
}

/// `virNetStreamHole`: a hole of `length` bytes in a sparse stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamHole {
    pub length: i64,
    pub flags: u32,
}

/// One complete packet: header and the raw payload after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub header: Header,
    pub payload: Vec<u8>,
}

impl Packet {
    /// Parses a whole packet (length word included).
    pub fn parse(bytes: &[u8]) -> XdrResult<Packet> {
        let (len_word, body) =
            bytes
                .split_at_checked(MESSAGE_LEN_MAX)
                .ok_or(XdrError::Truncated {
                    needed: MESSAGE_LEN_MAX,
                    remaining: bytes.len(),
                })?;
        let total = check_length(u32::from_be_bytes([
            len_word[0],
            len_word[1],
            len_word[2],
            len_word[3],
        ]))?;
        if bytes.len() != total {
            return Err(XdrError::BadHeader(format!(
                "length word says {total} bytes, packet has {}",
                bytes.len()
            )));
        }
        Self::parse_body(body)
    }

    /// Parses header and payload (the bytes after the length word).
    pub fn parse_body(body: &[u8]) -> XdrResult<Packet> {
        let (header, payload) = xdr::from_bytes_prefix::<Header>(body)?;
        Ok(Packet {
            header,
            payload: payload.to_vec(),
        })
    }

    /// Decodes the payload as `T`, requiring it to use every byte.
    pub fn decode<'a, T: Deserialize<'a>>(&'a self) -> XdrResult<T> {
        xdr::from_bytes(&self.payload)
    }

    /// The `remote_error` of a reply or stream packet whose status is `Error`.
    pub fn error(&self) -> Option<XdrResult<RemoteError>> {
        (self.header.status == MessageStatus::Error).then(|| self.decode())
    }

    /// Encodes the packet, length word included.
    pub fn to_bytes(&self) -> XdrResult<Vec<u8>> {
        build_raw(&self.header, &self.payload)
    }
}

/// Validates a length word as `virNetMessageDecodeLength` does; returns the total packet size.
pub fn check_length(len: u32) -> XdrResult<usize> {
    if (len as usize) < MESSAGE_LEN_MAX {
        return Err(XdrError::PacketTooSmall {
            len,
            min: MESSAGE_LEN_MAX as u32,
        });
    }
    let body = len as usize - MESSAGE_LEN_MAX;
    if body > MESSAGE_MAX {
        return Err(XdrError::PacketTooLarge {
            len: body as u32,
            max: MESSAGE_MAX as u32,
        });
    }
    if body < MESSAGE_HEADER_MAX {
        return Err(XdrError::BadHeader(format!(
            "packet of {len} bytes cannot hold a {MESSAGE_HEADER_MAX}-byte header"
        )));
    }
    Ok(len as usize)
}

/// Builds a packet: header plus `payload` encoded as XDR, behind its length word.
pub fn build<T: Serialize + ?Sized>(header: &Header, payload: &T) -> XdrResult<Vec<u8>> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(&[0u8; MESSAGE_LEN_MAX]);
    xdr::append(&mut out, header)?;
    xdr::append(&mut out, payload)?;
    finish_length(out)
}

/// Builds a packet whose payload is already encoded (or raw stream data).
pub fn build_raw(header: &Header, payload: &[u8]) -> XdrResult<Vec<u8>> {
    let mut out = Vec::with_capacity(MESSAGE_LEN_MAX + MESSAGE_HEADER_MAX + payload.len());
    out.extend_from_slice(&[0u8; MESSAGE_LEN_MAX]);
    xdr::append(&mut out, header)?;
    out.extend_from_slice(payload);
    finish_length(out)
}

/// Builds an error reply to `call` carrying `error`.
pub fn build_error_reply(call: &Header, error: &RemoteError) -> XdrResult<Vec<u8>> {
    build(&call.reply(MessageStatus::Error), error)
}

/// The header of a stream packet belonging to the call `call` (same program, procedure and
/// serial).
fn stream_header(call: &Header, kind: MessageType, status: MessageStatus) -> Header {
    Header {
        kind,
        status,
        ..*call
    }
}

/// A stream data packet (`STREAM`, status `CONTINUE`) for the stream opened by `call`.
/// An empty one marks the end of the data; the receiver then finishes the stream with
/// [`build_stream_finish`], which the sender acknowledges with the same packet.
pub fn build_stream_data(call: &Header, data: &[u8]) -> XdrResult<Vec<u8>> {
    build_raw(
        &stream_header(call, MessageType::Stream, MessageStatus::Continue),
        data,
    )
}

/// Finishing a stream (`STREAM`, status `OK`, empty payload), and its acknowledgement.
pub fn build_stream_finish(call: &Header) -> XdrResult<Vec<u8>> {
    build_raw(
        &stream_header(call, MessageType::Stream, MessageStatus::Ok),
        &[],
    )
}

/// A stream aborted with an error (`STREAM`, status `ERROR`, a `remote_error`).
pub fn build_stream_error(call: &Header, error: &RemoteError) -> XdrResult<Vec<u8>> {
    build(
        &stream_header(call, MessageType::Stream, MessageStatus::Error),
        error,
    )
}

/// A hole in a sparse stream (`STREAM_HOLE`, status `CONTINUE`).
pub fn build_stream_hole(call: &Header, hole: &StreamHole) -> XdrResult<Vec<u8>> {
    build(
        &stream_header(call, MessageType::StreamHole, MessageStatus::Continue),
        hole,
    )
}

fn finish_length(mut out: Vec<u8>) -> XdrResult<Vec<u8>> {
    let body = out.len() - MESSAGE_LEN_MAX;
    if body > MESSAGE_MAX {
        return Err(XdrError::PacketTooLarge {
            len: u32::try_from(body).unwrap_or(u32::MAX),
            max: MESSAGE_MAX as u32,
        });
    }
    let len = (out.len() as u32).to_be_bytes();
    out[..MESSAGE_LEN_MAX].copy_from_slice(&len);
    Ok(out)
}

/// Splits a byte stream into packets. Feed it bytes as they arrive; it yields each complete
/// packet and refuses a bad length word before buffering the body it announces.
#[derive(Debug, Default)]
pub struct PacketDecoder {
    buffer: Vec<u8>,
    /// Total size of the packet being assembled, once its length word is known.
    expected: Option<usize>,
}

impl PacketDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes received from the peer.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// Bytes held that do not yet form a complete packet.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// The next complete packet, `Ok(None)` when more bytes are needed. After an error the
    /// stream is out of sync and the connection should be closed.
    pub fn next_packet(&mut self) -> XdrResult<Option<Packet>> {
        let total = match self.expected {
            Some(total) => total,
            None => {
                if self.buffer.len() < MESSAGE_LEN_MAX {
                    return Ok(None);
                }
                let word = [
                    self.buffer[0],
                    self.buffer[1],
                    self.buffer[2],
                    self.buffer[3],
                ];
                let total = check_length(u32::from_be_bytes(word))?;
                self.expected = Some(total);
                total
            }
        };
        if self.buffer.len() < total {
            return Ok(None);
        }
        let rest = self.buffer.split_off(total);
        let packet_bytes = std::mem::replace(&mut self.buffer, rest);
        self.expected = None;
        Packet::parse_body(&packet_bytes[MESSAGE_LEN_MAX..]).map(Some)
    }
}

/// Reads exactly one packet from a blocking reader.
pub fn read_packet<R: Read>(reader: &mut R) -> XdrResult<Packet> {
    let mut word = [0u8; MESSAGE_LEN_MAX];
    reader.read_exact(&mut word)?;
    let total = check_length(u32::from_be_bytes(word))?;
    let mut body = vec![0u8; total - MESSAGE_LEN_MAX];
    reader.read_exact(&mut body)?;
    Packet::parse_body(&body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_24_bytes() {
        let h = Header::call(0x2000_8086, 1, 1, 7);
        let bytes = xdr::to_bytes(&h).unwrap();
        assert_eq!(bytes.len(), MESSAGE_HEADER_MAX);
        assert_eq!(xdr::from_bytes::<Header>(&bytes).unwrap(), h);
    }

    #[test]
    fn length_limits() {
        assert!(matches!(
            check_length(3),
            Err(XdrError::PacketTooSmall { .. })
        ));
        assert!(check_length(4).is_err());
        assert_eq!(check_length(28).unwrap(), 28);
        assert_eq!(
            check_length((MESSAGE_MAX + 4) as u32).unwrap(),
            MESSAGE_MAX + 4
        );
        assert!(matches!(
            check_length((MESSAGE_MAX + 5) as u32),
            Err(XdrError::PacketTooLarge { .. })
        ));
    }

    #[test]
    fn decoder_yields_packets_split_anywhere() {
        let a = build(&Header::call(1, 1, 3, 1), &5u32).unwrap();
        let b = build(&Header::call(1, 1, 4, 2), "xy").unwrap();
        let stream: Vec<u8> = a.iter().chain(b.iter()).copied().collect();
        for cut in 0..stream.len() {
            let mut d = PacketDecoder::new();
            let mut got = Vec::new();
            for chunk in [&stream[..cut], &stream[cut..]] {
                d.push(chunk);
                while let Some(p) = d.next_packet().unwrap() {
                    got.push(p);
                }
            }
            assert_eq!(got.len(), 2);
            assert_eq!(got[0].decode::<u32>().unwrap(), 5);
            assert_eq!(got[1].decode::<String>().unwrap(), "xy");
            assert_eq!(d.buffered(), 0);
        }
    }

    #[test]
    fn decoder_refuses_huge_length_before_buffering() {
        let mut d = PacketDecoder::new();
        d.push(&[0xff, 0xff, 0xff, 0xff]);
        assert!(matches!(
            d.next_packet(),
            Err(XdrError::PacketTooLarge { .. })
        ));
    }
}
