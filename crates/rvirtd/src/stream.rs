//! Data streams (volume upload/download, consoles): STREAM packets carrying the opening
//! call's program, procedure and serial. Data flows as STREAM/CONTINUE packets; an empty one
//! ends the data; the receiving side finishes with STREAM/OK, which the daemon acknowledges
//! with STREAM/OK; either side may abort with STREAM/ERROR.
//!
//! Each open stream has a pump thread that owns the driver's `Stream`: reading from it
//! (downloads) into the client's bounded stream queue, which makes a fast source wait for a
//! slow socket, or feeding it what the client sends (uploads). Data is not copied on the
//! way: an upload's payload is read from the socket into its own buffer (all but what came
//! in the same read as its header), which the pump hands to the driver; the buffer a
//! download's driver filled goes to the socket behind a separate header, in one write.
//! When the client asked for a sparse stream (the driver's stream then reports holes),
//! holes travel as STREAM_HOLE packets, as libvirtd sends them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rvirt_core::{Error, ErrorCode, ErrorDomain, Stream};
use rvirt_proto::packet::{self, Header, StreamHole};
use rvirt_proto::RemoteError;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc::{channel, Receiver, Sender};

use crate::client::Client;

/// Client packets queued per stream before the daemon stops reading that client.
pub const STREAM_INPUT_QUEUE: usize = 16;

/// Largest data chunk per STREAM packet (libvirt's `VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX`).
pub const STREAM_CHUNK: usize = packet::MESSAGE_LEGACY_PAYLOAD_MAX;

/// A stream packet on its way to the client: the encoded length word and header, then the
/// payload in the buffer the driver filled, written together without joining them.
#[derive(Debug)]
pub struct StreamPacket {
    head: Vec<u8>,
    body: Vec<u8>,
}

impl StreamPacket {
    /// A packet already encoded whole (finish, error, hole).
    pub fn whole(bytes: Vec<u8>) -> StreamPacket {
        StreamPacket {
            head: bytes,
            body: Vec::new(),
        }
    }

    /// A data packet of the stream opened by `call` carrying `data` (empty: end of data).
    pub fn data(call: &Header, data: Vec<u8>) -> rvirt_proto::xdr::XdrResult<StreamPacket> {
        Ok(StreamPacket {
            head: packet::build_stream_data_head(call, data.len())?,
            body: data,
        })
    }

    /// The packet as one buffer.
    pub fn into_bytes(mut self) -> Vec<u8> {
        self.head.append(&mut self.body);
        self.head
    }

    /// Writes the packet, header and payload in one system call when the socket takes it.
    pub async fn write_to<W: AsyncWrite + Unpin>(&self, writer: &mut W) -> std::io::Result<()> {
        let (head, body) = (&self.head[..], &self.body[..]);
        let mut written = 0;
        while written < head.len() {
            let slices = [
                std::io::IoSlice::new(&head[written..]),
                std::io::IoSlice::new(body),
            ];
            let n = writer.write_vectored(&slices).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            written += n;
        }
        writer.write_all(&body[written - head.len()..]).await
    }
}

/// Which way the data flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Daemon to client.
    ToClient,
    /// Client to daemon.
    FromClient,
}

/// What the client sent on a stream.
#[derive(Debug)]
pub enum StreamInput {
    Data(Vec<u8>),
    Hole(i64),
    /// STREAM/OK: the client is done.
    Finish,
    /// STREAM/ERROR: the client gave up.
    Abort,
}

/// The daemon's end of one open stream.
#[derive(Debug)]
pub struct StreamSlot {
    input: Mutex<Option<Sender<StreamInput>>>,
    aborted: AtomicBool,
}

impl StreamSlot {
    /// Where client input for the pump goes; `None` once the stream is over. Sending waits
    /// while the pump is behind, which stops the daemon reading that client (flow control).
    pub fn sender(&self) -> Option<Sender<StreamInput>> {
        self.input.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Stops the pump (client gone): dropping the sender ends its input.
    pub fn abort(&self) {
        self.aborted.store(true, Ordering::SeqCst);
        if let Some(tx) = self.input.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = tx.try_send(StreamInput::Abort);
        }
    }

    fn is_aborted(&self) -> bool {
        self.aborted.load(Ordering::SeqCst)
    }
}

/// Starts the pump of a stream opened by the call `call`; its reply must already be queued.
pub fn start(client: &Arc<Client>, call: Header, stream: Box<dyn Stream>, direction: Direction) {
    let (tx, mut rx) = channel(STREAM_INPUT_QUEUE);
    let slot = Arc::new(StreamSlot {
        input: Mutex::new(Some(tx)),
        aborted: AtomicBool::new(false),
    });
    client.add_stream(call.serial, slot.clone());
    let client = client.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("rvirtd-stream-{}", call.serial))
        .spawn(move || {
            let sink = ClientSink { client: &client };
            match direction {
                Direction::ToClient => pump_to_client(&sink, &call, stream, &mut rx, &slot),
                Direction::FromClient => pump_from_client(&sink, &call, stream, &mut rx),
            }
            client.remove_stream(call.serial);
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start a stream thread: {e}");
    }
}

/// Where a pump sends its packets (the client, or a test's buffer).
pub trait PacketSink {
    /// Queues a packet, waiting for room; `false` when the peer is gone.
    fn send(&self, packet: StreamPacket) -> bool;
}

struct ClientSink<'a> {
    client: &'a Arc<Client>,
}

impl PacketSink for ClientSink<'_> {
    fn send(&self, packet: StreamPacket) -> bool {
        self.client.send_stream_blocking(packet)
    }
}

fn send_error(sink: &dyn PacketSink, call: &Header, error: &Error) {
    if let Ok(p) = packet::build_stream_error(call, &RemoteError::from(error)) {
        sink.send(StreamPacket::whole(p));
    }
}

fn send_finish(sink: &dyn PacketSink, call: &Header) {
    if let Ok(p) = packet::build_stream_finish(call) {
        sink.send(StreamPacket::whole(p));
    }
}

/// The next packet of a download: a hole when the stream reports one (it does only for a
/// client that asked for a sparse stream), else data, empty at the end; and whether it is
/// that end.
fn next_download_packet(
    call: &Header,
    stream: &mut dyn Stream,
) -> Result<(StreamPacket, bool), Error> {
    let want = match stream.next_hole()? {
        Some(hole) if hole > 0 => {
            let hole = StreamHole {
                length: hole,
                flags: 0,
            };
            return packet::build_stream_hole(call, &hole)
                .map(|p| (StreamPacket::whole(p), false))
                .map_err(encode_error);
        }
        // Data next: no more than that section, so the hole after it is not read as zeros.
        Some(data) => {
            usize::try_from(data.unsigned_abs()).map_or(STREAM_CHUNK, |n| n.clamp(1, STREAM_CHUNK))
        }
        None => STREAM_CHUNK,
    };
    let data = stream.recv(want)?;
    let end = data.is_empty();
    Ok((StreamPacket::data(call, data).map_err(encode_error)?, end))
}

fn encode_error(e: rvirt_proto::xdr::XdrError) -> Error {
    Error::new(
        ErrorDomain::Rpc,
        ErrorCode::Rpc,
        format!("Unable to encode message payload: {e}"),
    )
}

/// Reads the driver's stream to its end, then waits for the client's finish.
pub fn pump_to_client(
    sink: &dyn PacketSink,
    call: &Header,
    mut stream: Box<dyn Stream>,
    input: &mut Receiver<StreamInput>,
    slot: &StreamSlot,
) {
    loop {
        if slot.is_aborted() {
            let _ = stream.abort();
            return;
        }
        match next_download_packet(call, stream.as_mut()) {
            Ok((p, end)) => {
                if !sink.send(p) {
                    let _ = stream.abort();
                    return;
                }
                if end {
                    break;
                }
            }
            Err(e) => {
                let _ = stream.abort();
                send_error(sink, call, &e);
                return;
            }
        }
    }
    // Data is over: the client answers with STREAM/OK (finish) or STREAM/ERROR (abort).
    loop {
        match input.blocking_recv() {
            Some(StreamInput::Finish) => {
                match stream.finish() {
                    Ok(()) => send_finish(sink, call),
                    Err(e) => send_error(sink, call, &e),
                }
                return;
            }
            Some(StreamInput::Abort) | None => {
                let _ = stream.abort();
                return;
            }
            // Data sent the wrong way is ignored, as libvirtd drops it.
            Some(_) => {}
        }
    }
}

/// Feeds what the client sends into the driver's stream until the client finishes.
pub fn pump_from_client(
    sink: &dyn PacketSink,
    call: &Header,
    mut stream: Box<dyn Stream>,
    input: &mut Receiver<StreamInput>,
) {
    let mut failed = false;
    loop {
        match input.blocking_recv() {
            Some(StreamInput::Data(data)) if !failed => {
                if let Err(e) = stream.send(&data) {
                    failed = true;
                    let _ = stream.abort();
                    send_error(sink, call, &e);
                }
            }
            Some(StreamInput::Hole(length)) if !failed => {
                if let Err(e) = stream.send_hole(length) {
                    failed = true;
                    let _ = stream.abort();
                    send_error(sink, call, &e);
                }
            }
            Some(StreamInput::Finish) => {
                if failed {
                    return;
                }
                match stream.finish() {
                    Ok(()) => send_finish(sink, call),
                    Err(e) => send_error(sink, call, &e),
                }
                return;
            }
            Some(StreamInput::Abort) | None => {
                if !failed {
                    let _ = stream.abort();
                }
                return;
            }
            Some(_) => {}
        }
    }
}

/// The error for stream packets that name no open stream.
pub fn no_such_stream() -> Error {
    Error::new(
        ErrorDomain::Rpc,
        ErrorCode::Rpc,
        "stream had unexpected data",
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rvirt_core::Result;
    use rvirt_proto::packet::{MessageStatus, MessageType, Packet};

    struct Collect(Mutex<Vec<Packet>>);
    impl PacketSink for Collect {
        fn send(&self, p: StreamPacket) -> bool {
            self.0
                .lock()
                .unwrap()
                .push(Packet::parse(&p.into_bytes()).unwrap());
            true
        }
    }

    struct Source {
        chunks: Vec<Vec<u8>>,
        written: Arc<Mutex<Vec<u8>>>,
        finished: Arc<AtomicBool>,
    }
    impl Stream for Source {
        fn send(&mut self, data: &[u8]) -> Result<()> {
            self.written.lock().unwrap().extend_from_slice(data);
            Ok(())
        }
        fn recv(&mut self, _max: usize) -> Result<Vec<u8>> {
            Ok(if self.chunks.is_empty() {
                Vec::new()
            } else {
                self.chunks.remove(0)
            })
        }
        fn finish(&mut self) -> Result<()> {
            self.finished.store(true, Ordering::SeqCst);
            Ok(())
        }
        fn abort(&mut self) -> Result<()> {
            Ok(())
        }
    }

    fn call() -> Header {
        Header::call(0x2000_8086, 1, 209, 9)
    }

    #[test]
    fn download_framing() {
        let sink = Collect(Mutex::new(Vec::new()));
        let finished = Arc::new(AtomicBool::new(false));
        let src = Source {
            chunks: vec![b"abc".to_vec(), b"de".to_vec()],
            written: Arc::default(),
            finished: finished.clone(),
        };
        let (tx, mut rx) = channel(STREAM_INPUT_QUEUE);
        tx.try_send(StreamInput::Finish).unwrap();
        let slot = StreamSlot {
            input: Mutex::new(None),
            aborted: AtomicBool::new(false),
        };
        pump_to_client(&sink, &call(), Box::new(src), &mut rx, &slot);
        let got = sink.0.into_inner().unwrap();
        assert_eq!(got.len(), 4);
        for p in &got[..3] {
            assert_eq!(p.header.kind, MessageType::Stream);
            assert_eq!(p.header.status, MessageStatus::Continue);
            assert_eq!(p.header.serial, 9);
            assert_eq!(p.header.proc_, 209);
        }
        assert_eq!(got[0].payload, b"abc");
        assert_eq!(got[1].payload, b"de");
        assert!(got[2].payload.is_empty());
        assert_eq!(got[3].header.status, MessageStatus::Ok);
        assert!(finished.load(Ordering::SeqCst));
    }

    #[test]
    fn upload_framing() {
        let sink = Collect(Mutex::new(Vec::new()));
        let written = Arc::new(Mutex::new(Vec::new()));
        let src = Source {
            chunks: Vec::new(),
            written: written.clone(),
            finished: Arc::default(),
        };
        let (tx, mut rx) = channel(STREAM_INPUT_QUEUE);
        tx.try_send(StreamInput::Data(b"12".to_vec())).unwrap();
        tx.try_send(StreamInput::Data(b"34".to_vec())).unwrap();
        tx.try_send(StreamInput::Finish).unwrap();
        pump_from_client(&sink, &call(), Box::new(src), &mut rx);
        assert_eq!(&*written.lock().unwrap(), b"1234");
        let got = sink.0.into_inner().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].header.kind, MessageType::Stream);
        assert_eq!(got[0].header.status, MessageStatus::Ok);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod sparse_tests {
    use super::*;
    use rvirt_core::Result;
    use rvirt_proto::packet::{MessageStatus, MessageType, Packet};
    use std::collections::VecDeque;

    enum Piece {
        Data(Vec<u8>),
        Hole(i64),
    }

    /// A sparse-aware source: reports holes and data sections like a volume download.
    struct SparseSource(VecDeque<Piece>);
    impl Stream for SparseSource {
        fn send(&mut self, _data: &[u8]) -> Result<()> {
            unreachable!()
        }
        fn recv(&mut self, max: usize) -> Result<Vec<u8>> {
            match self.0.front_mut() {
                Some(Piece::Data(d)) if d.len() > max => {
                    let rest = d.split_off(max);
                    Ok(std::mem::replace(d, rest))
                }
                Some(Piece::Data(_)) => match self.0.pop_front() {
                    Some(Piece::Data(d)) => Ok(d),
                    _ => unreachable!(),
                },
                Some(Piece::Hole(_)) => panic!("the pump read a hole as data"),
                None => Ok(Vec::new()),
            }
        }
        fn next_hole(&mut self) -> Result<Option<i64>> {
            Ok(match self.0.front() {
                Some(Piece::Hole(n)) => {
                    let n = *n;
                    self.0.pop_front();
                    Some(n)
                }
                Some(Piece::Data(d)) => Some(-(d.len() as i64)),
                None => None,
            })
        }
        fn finish(&mut self) -> Result<()> {
            Ok(())
        }
        fn abort(&mut self) -> Result<()> {
            Ok(())
        }
    }

    struct Collect(Mutex<Vec<Packet>>);
    impl PacketSink for Collect {
        fn send(&self, p: StreamPacket) -> bool {
            self.0
                .lock()
                .unwrap()
                .push(Packet::parse(&p.into_bytes()).unwrap());
            true
        }
    }

    #[test]
    fn sparse_download_sends_holes() {
        let big = vec![9u8; STREAM_CHUNK + 10];
        let src = SparseSource(VecDeque::from([
            Piece::Data(b"abcde".to_vec()),
            Piece::Hole(1 << 40),
            Piece::Data(big.clone()),
        ]));
        let sink = Collect(Mutex::new(Vec::new()));
        let (tx, mut rx) = channel(STREAM_INPUT_QUEUE);
        tx.try_send(StreamInput::Finish).unwrap();
        let slot = StreamSlot {
            input: Mutex::new(None),
            aborted: AtomicBool::new(false),
        };
        let call = Header::call(0x2000_8086, 1, 209, 9);
        pump_to_client(&sink, &call, Box::new(src), &mut rx, &slot);
        let got = sink.0.into_inner().unwrap();
        let kinds: Vec<(MessageType, MessageStatus, usize)> = got
            .iter()
            .map(|p| (p.header.kind, p.header.status, p.payload.len()))
            .collect();
        use MessageStatus::{Continue, Ok as Done};
        use MessageType::{Stream as Data, StreamHole as Hole};
        assert_eq!(
            kinds,
            [
                (Data, Continue, 5),
                (Hole, Continue, 12),
                (Data, Continue, STREAM_CHUNK),
                (Data, Continue, 10),
                (Data, Continue, 0),
                (Data, Done, 0),
            ]
        );
        let hole: StreamHole = got[1].decode().unwrap();
        assert_eq!((hole.length, hole.flags), (1 << 40, 0));
        assert_eq!([&got[2].payload[..], &got[3].payload[..]].concat(), big);
    }

    #[test]
    fn packets_survive_partial_writes() {
        let call = Header::call(0x2000_8086, 1, 209, 9);
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let want = packet::build_stream_data(&call, &data).unwrap();
        let p = StreamPacket::data(&call, data).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let got = rt.block_on(async move {
            use tokio::io::AsyncReadExt;
            // A pipe taking 7 bytes at a time splits the header and the payload anywhere.
            let (mut a, mut b) = tokio::io::duplex(7);
            let writer = tokio::spawn(async move { p.write_to(&mut a).await.unwrap() });
            let mut got = Vec::new();
            b.read_to_end(&mut got).await.unwrap();
            writer.await.unwrap();
            got
        });
        assert!(got == want);
    }
}
