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

    /// The header's XDR encoding: six 4-byte big-endian words.
    pub fn to_wire(&self) -> [u8; MESSAGE_HEADER_MAX] {
        let words = [
            self.prog,
            self.vers,
            self.proc_ as u32,
            self.kind as i32 as u32,
            self.serial,
            self.status as i32 as u32,
        ];
        let mut out = [0u8; MESSAGE_HEADER_MAX];
        for (chunk, word) in out.chunks_exact_mut(4).zip(words) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
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

/// Bytes in front of a packet's payload: the length word and the header.
pub const PAYLOAD_OFFSET: usize = MESSAGE_LEN_MAX + MESSAGE_HEADER_MAX;

/// An empty packet buffer with room reserved for the length word and header, for a payload
/// of about `payload_capacity` bytes to be encoded after them; [`complete`] fills the room
/// in. Encoding straight into the buffer that goes to the socket saves copying the payload.
pub fn payload_buffer(payload_capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(PAYLOAD_OFFSET + payload_capacity);
    out.resize(PAYLOAD_OFFSET, 0);
    out
}

/// Completes a packet made with [`payload_buffer`]: writes the length word and `header` in
/// the room left for them.
pub fn complete(header: &Header, mut out: Vec<u8>) -> XdrResult<Vec<u8>> {
    if out.len() < PAYLOAD_OFFSET {
        return Err(XdrError::BadHeader(format!(
            "a {}-byte buffer has no room for a packet header",
            out.len()
        )));
    }
    out[MESSAGE_LEN_MAX..PAYLOAD_OFFSET].copy_from_slice(&header.to_wire());
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

/// The length word and header of a [`build_stream_data`] packet carrying `len` bytes, for a
/// sender that writes the data from its own buffer right behind it.
pub fn build_stream_data_head(call: &Header, len: usize) -> XdrResult<Vec<u8>> {
    let mut head = build_raw(
        &stream_header(call, MessageType::Stream, MessageStatus::Continue),
        &[],
    )?;
    let total = head.len() + len;
    let word = u32::try_from(total)
        .ok()
        .filter(|_| total - MESSAGE_LEN_MAX <= MESSAGE_MAX)
        .ok_or(XdrError::PacketTooLarge {
            len: u32::try_from(total - MESSAGE_LEN_MAX).unwrap_or(u32::MAX),
            max: MESSAGE_MAX as u32,
        })?;
    head[..MESSAGE_LEN_MAX].copy_from_slice(&word.to_be_bytes());
    Ok(head)
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

/// Bytes the decoder asks the socket for at a time when no large payload is being filled.
pub const DECODER_READ_CHUNK: usize = 65_536;

/// Payloads at least this large (and not yet complete) are assembled in a buffer of their
/// own, which the caller may read into directly ([`PacketDecoder::read_buffer`]): stream data
/// then goes from the socket to its final `Vec` without a copy.
const DIRECT_PAYLOAD_MIN: usize = 16_384;

/// Payloads larger than this still grow in the shared buffer as their bytes arrive, so a
/// peer announcing a huge packet does not make the decoder reserve it up front.
const DIRECT_PAYLOAD_MAX: usize = 4 * MESSAGE_LEGACY_PAYLOAD_MAX;

/// A packet whose header is decoded and whose payload is being filled in place.
#[derive(Debug)]
struct PartialPacket {
    header: Header,
    payload: Vec<u8>,
    /// The payload's full length.
    want: usize,
}

/// Forgets the bytes before `start` in `buffer`, keeping its allocation (and moving the
/// rest only when they are the smaller part).
fn compact(buffer: &mut Vec<u8>, start: &mut usize) {
    if *start == buffer.len() {
        buffer.clear();
        *start = 0;
    } else if *start > buffer.len() / 2 {
        buffer.drain(..*start);
        *start = 0;
    }
}

/// Splits a byte stream into packets. Feed it bytes as they arrive; it yields each complete
/// packet and refuses a bad length word before buffering the body it announces.
#[derive(Debug, Default)]
pub struct PacketDecoder {
    buffer: Vec<u8>,
    /// Where the unread bytes of `buffer` begin: packets are consumed by moving this rather
    /// than shifting the bytes after them, and the buffer keeps its allocation.
    start: usize,
    /// The large packet being filled in its own buffer. While it is incomplete, `buffer`
    /// holds no unread bytes: everything that arrives belongs to it first.
    partial: Option<PartialPacket>,
}

impl PacketDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes received from the peer.
    pub fn push(&mut self, mut bytes: &[u8]) {
        if let Some(partial) = &mut self.partial {
            let take = partial
                .want
                .saturating_sub(partial.payload.len())
                .min(bytes.len());
            partial.payload.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
        }
        if !bytes.is_empty() {
            compact(&mut self.buffer, &mut self.start);
            self.buffer.extend_from_slice(bytes);
        }
    }

    /// Where the next bytes from the peer should be read to (appended, within the spare
    /// capacity): the payload of the large packet being filled, or the shared buffer.
    pub fn read_buffer(&mut self) -> &mut Vec<u8> {
        match &mut self.partial {
            Some(partial) if partial.payload.len() < partial.want => &mut partial.payload,
            _ => {
                compact(&mut self.buffer, &mut self.start);
                self.buffer.reserve(DECODER_READ_CHUNK);
                &mut self.buffer
            }
        }
    }

    /// Bytes held that do not yet form a complete packet.
    pub fn buffered(&self) -> usize {
        self.buffer.len() - self.start + self.partial.as_ref().map_or(0, |p| p.payload.len())
    }

    /// The next complete packet, `Ok(None)` when more bytes are needed. After an error the
    /// stream is out of sync and the connection should be closed.
    pub fn next_packet(&mut self) -> XdrResult<Option<Packet>> {
        if let Some(partial) = self.partial.take_if(|p| p.payload.len() >= p.want) {
            let PartialPacket {
                header,
                mut payload,
                want,
            } = partial;
            if payload.len() > want {
                // Read past the payload: those bytes start the next packet.
                let after = payload.split_off(want);
                self.buffer.splice(self.start..self.start, after);
            }
            return Ok(Some(Packet { header, payload }));
        }
        if self.partial.is_some() {
            return Ok(None);
        }
        let unread = &self.buffer[self.start..];
        let Some(word) = unread.first_chunk::<MESSAGE_LEN_MAX>() else {
            return Ok(None);
        };
        let total = check_length(u32::from_be_bytes(*word))?;
        if let Some(packet_bytes) = unread.get(MESSAGE_LEN_MAX..total) {
            let packet = Packet::parse_body(packet_bytes);
            self.start += total;
            return packet.map(Some);
        }
        let want = total - PAYLOAD_OFFSET;
        if (DIRECT_PAYLOAD_MIN..=DIRECT_PAYLOAD_MAX).contains(&want)
            && unread.len() >= PAYLOAD_OFFSET
        {
            let (header, _) = xdr::from_bytes_prefix::<Header>(&unread[MESSAGE_LEN_MAX..])?;
            let mut payload = Vec::with_capacity(want);
            payload.extend_from_slice(&unread[PAYLOAD_OFFSET..]);
            self.start = self.buffer.len();
            self.partial = Some(PartialPacket {
                header,
                payload,
                want,
            });
        }
        Ok(None)
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
    fn header_wire_form_is_its_xdr() {
        let h = Header {
            prog: 0x2000_8086,
            vers: 1,
            proc_: -3,
            kind: MessageType::StreamHole,
            serial: 0xdead_beef,
            status: MessageStatus::Continue,
        };
        assert_eq!(h.to_wire().to_vec(), xdr::to_bytes(&h).unwrap());
    }

    #[test]
    fn completed_buffer_equals_built_packet() {
        let h = Header::call(0x2000_8086, 1, 4, 9).reply(MessageStatus::Ok);
        let mut out = payload_buffer(8);
        xdr::append(&mut out, &42u64).unwrap();
        assert_eq!(complete(&h, out).unwrap(), build(&h, &42u64).unwrap());
        assert!(complete(&h, vec![0; 3]).is_err());
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
    fn decoder_keeps_partial_packets_across_pushes() {
        let packets: Vec<Vec<u8>> = (0..50u32)
            .map(|n| build(&Header::call(1, 1, 3, n), &"x".repeat(n as usize)).unwrap())
            .collect();
        let stream: Vec<u8> = packets.concat();
        for step in [1, 7, 29, 100, 1000] {
            let mut d = PacketDecoder::new();
            let mut got = Vec::new();
            for chunk in stream.chunks(step) {
                d.push(chunk);
                while let Some(p) = d.next_packet().unwrap() {
                    got.push(p.to_bytes().unwrap());
                }
            }
            assert_eq!(got, packets, "fed {step} bytes at a time");
            assert_eq!(d.buffered(), 0);
        }
    }

    /// Two large stream packets (filled in place) around a small one.
    fn large_stream() -> (Vec<Vec<u8>>, Vec<u8>) {
        let call = Header::call(1, 1, 5, 9);
        let payloads: Vec<Vec<u8>> = [70_000usize, 3, MESSAGE_LEGACY_PAYLOAD_MAX]
            .iter()
            .enumerate()
            .map(|(i, &n)| (0..n).map(|j| (i * 31 + j * 7) as u8).collect())
            .collect();
        let mut stream = Vec::new();
        for p in &payloads {
            stream.extend(build_stream_data(&call, p).unwrap());
        }
        (payloads, stream)
    }

    #[test]
    fn decoder_assembles_large_payloads_pushed_in_pieces() {
        let (payloads, stream) = large_stream();
        for piece in [1usize, 27, 28, 4096, 65_536, 100_003, stream.len()] {
            let mut d = PacketDecoder::new();
            let mut got = Vec::new();
            for chunk in stream.chunks(piece) {
                d.push(chunk);
                while let Some(p) = d.next_packet().unwrap() {
                    got.push(p.payload);
                }
            }
            assert_eq!(got, payloads, "pieces of {piece}");
            assert_eq!(d.buffered(), 0);
        }
    }

    #[test]
    fn decoder_read_buffer_never_crosses_a_large_payload() {
        let (payloads, stream) = large_stream();
        for piece in [5usize, 4096, 65_536, 300_000] {
            let mut d = PacketDecoder::new();
            let mut got = Vec::new();
            let mut sent = 0;
            while sent < stream.len() {
                let target = d.read_buffer();
                let room = target.capacity() - target.len();
                assert!(room > 0);
                let n = piece.min(room).min(stream.len() - sent);
                target.extend_from_slice(&stream[sent..sent + n]);
                sent += n;
                while let Some(p) = d.next_packet().unwrap() {
                    got.push(p.payload);
                }
            }
            assert_eq!(got, payloads, "reads of {piece}");
            assert_eq!(d.buffered(), 0);
        }
    }

    #[test]
    fn decoder_keeps_bytes_read_past_a_payload() {
        let (payloads, stream) = large_stream();
        let first = MESSAGE_LEN_MAX + MESSAGE_HEADER_MAX + payloads[0].len();
        let mut d = PacketDecoder::new();
        d.push(&stream[..100]);
        assert!(d.next_packet().unwrap().is_none());
        // A reader that fills more than the spare capacity it was given.
        d.read_buffer().extend_from_slice(&stream[100..first + 40]);
        let p = d.next_packet().unwrap().unwrap();
        assert_eq!(p.payload, payloads[0]);
        assert_eq!(d.buffered(), 40);
        d.push(&stream[first + 40..]);
        let mut rest = Vec::new();
        while let Some(p) = d.next_packet().unwrap() {
            rest.push(p.payload);
        }
        assert_eq!(rest, payloads[1..]);
    }

    #[test]
    fn stream_data_head_matches_a_whole_packet() {
        let call = Header::call(0x2000_8086, 1, 209, 9);
        for len in [0usize, 1, 262_144] {
            let data = vec![7u8; len];
            let mut split = build_stream_data_head(&call, len).unwrap();
            split.extend_from_slice(&data);
            assert_eq!(split, build_stream_data(&call, &data).unwrap());
        }
        assert!(build_stream_data_head(&call, MESSAGE_PAYLOAD_MAX + 1).is_err());
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
