//! `rvirt-bench floor`: the wire benchmark's floor, a caching proxy in front of a daemon.
//!
//! The first time a read-only call (by the procedure table's flag) is seen, it goes to the
//! upstream daemon and the successful reply is kept, keyed by the call's bytes with the
//! serial blanked (program, procedure and payload, so lookups of different names do not
//! collide). Every later identical call, from any client, is answered from memory with the
//! client's serial patched in: one `read` and one `write` per call, no decoding. What the
//! benchmark measures against this server is therefore the client's own cost per call.
//!
//! Each client has a thread of its own doing blocking I/O; a thread whose client left waits
//! for the next one rather than ending, as creating threads would dominate open+close.
//!
//! Calls that may change state are always forwarded and empty the cache once answered.
//! Upstream connections are opened lazily, per client, when a call first misses the cache;
//! the client's `CONNECT_OPEN` is replayed on them first. Keepalive PINGs from the client get
//! a PONG; PINGs from upstream are answered while waiting for a reply, and events upstream
//! sends during a call are passed on. Streams and file-descriptor passing are refused: the
//! floor serves the wire benchmark, not real clients.

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rvirt_core::{Error, ErrorCode, ErrorDomain};
use rvirt_proto::packet::{
    self, check_length, Header, MessageStatus, MessageType, MESSAGE_LEN_MAX, PAYLOAD_OFFSET,
};
use rvirt_proto::procedures::{self, remote_proc};
use rvirt_proto::program::{
    keepalive, KEEPALIVE_PROGRAM, KEEPALIVE_PROTOCOL_VERSION, REMOTE_PROGRAM,
};
use rvirt_proto::remote::RemoteError;

/// Byte offsets of the header words that the floor reads or patches.
const PROG_AT: usize = 4;
const PROC_AT: usize = 12;
const KIND_AT: usize = 16;
const SERIAL_AT: usize = 20;
const STATUS_AT: usize = 24;

/// Room for any ordinary call or reply in one read; bigger packets grow the buffer.
const READ_BUFFER: usize = 64 * 1024;

/// Listens on `listen` and serves each client on its own thread until killed.
pub fn run(listen: &Path, upstream: &Path) -> Result<(), String> {
    remove_stale_socket(listen)?;
    let listener = UnixListener::bind(listen)
        .map_err(|e| format!("cannot listen on {}: {e}", listen.display()))?;
    let floor = Arc::new(Floor {
        listener,
        upstream: upstream.to_path_buf(),
        cache: ReplyCache::default(),
        pong: keepalive_packet(keepalive::PONG).map_err(|e| e.to_string())?,
        crew: Mutex::new(Crew {
            threads: 1,
            busy: 0,
        }),
    });
    serve_forever(&floor);
    Ok(())
}

/// What every client thread shares.
struct Floor {
    listener: UnixListener,
    upstream: PathBuf,
    cache: ReplyCache,
    pong: Vec<u8>,
    crew: Mutex<Crew>,
}

/// Client threads are kept for the next client rather than ended: creating and tearing down
/// a thread costs more than a whole cached connection (the open+close row would measure
/// thread creation). Each thread accepts for itself, so no hand-off either.
struct Crew {
    threads: usize,
    busy: usize,
}

impl Floor {
    fn crew(&self) -> MutexGuard<'_, Crew> {
        self.crew.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks a thread busy and, if it was the last one waiting in `accept`, starts another.
    fn begin_client(self: &Arc<Self>) {
        let start_thread = {
            let mut crew = self.crew();
            crew.busy += 1;
            let all_busy = crew.busy >= crew.threads;
            if all_busy {
                crew.threads += 1;
            }
            all_busy
        };
        if start_thread {
            let floor = Arc::clone(self);
            let spawned = std::thread::Builder::new()
                .name("floor-client".into())
                .spawn(move || serve_forever(&floor));
            if let Err(e) = spawned {
                eprintln!("floor: cannot start a client thread: {e}");
                self.crew().threads -= 1;
            }
        }
    }

    fn end_client(&self) {
        self.crew().busy -= 1;
    }
}

/// One client thread: accepts a client, serves it to the end, and starts over, keeping its
/// buffers.
fn serve_forever(floor: &Arc<Floor>) {
    let mut from_client = PacketReader::new();
    let mut answer = Vec::with_capacity(READ_BUFFER);
    loop {
        let client = match floor.listener.accept() {
            Ok((client, _)) => client,
            Err(e) => {
                eprintln!("floor: accept: {e}");
                // Out of descriptors, say: wait for clients to leave instead of spinning.
                std::thread::sleep(std::time::Duration::from_millis(100));
                continue;
            }
        };
        floor.begin_client();
        from_client.clear();
        if let Err(e) = serve_client(client, floor, &mut from_client, &mut answer) {
            eprintln!("floor: client: {e}");
        }
        floor.end_client();
    }
}

/// A socket left by an earlier run would make `bind` fail; anything else at the path is
/// not ours to remove.
fn remove_stale_socket(path: &Path) -> Result<(), String> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => std::fs::remove_file(path)
            .map_err(|e| format!("cannot remove the old socket {}: {e}", path.display())),
        Ok(_) => Err(format!("{} exists and is not a socket", path.display())),
        Err(_) => Ok(()),
    }
}

/// Replies shared by all clients. `generation` grows whenever a state-changing call is
/// answered: a reply fetched before that must not be stored after it.
#[derive(Default)]
struct ReplyCache {
    inner: Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    generation: u64,
    replies: HashMap<Box<[u8]>, Arc<[u8]>>,
}

impl ReplyCache {
    fn lock(&self) -> MutexGuard<'_, CacheState> {
        // A panicking client thread leaves the map consistent (no update spans an unwind).
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached reply to `key` if any, else the generation to quote when storing one.
    fn get(&self, key: &[u8]) -> Result<Arc<[u8]>, u64> {
        let state = self.lock();
        state
            .replies
            .get(key)
            .map(Arc::clone)
            .ok_or(state.generation)
    }

    fn store(&self, key: &[u8], reply: &[u8], generation: u64) {
        let mut state = self.lock();
        if state.generation == generation {
            state.replies.insert(key.into(), reply.into());
        }
    }

    fn invalidate(&self) {
        let mut state = self.lock();
        state.generation += 1;
        state.replies.clear();
    }
}

/// How the floor treats a packet from a client.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    /// A read-only call of the remote program: answered from the cache when possible.
    Cacheable,
    /// A call that may change state (or one of another program): forwarded, then the cache
    /// is emptied.
    Forward,
    /// A keepalive PING.
    Ping,
    /// Other keepalive traffic (a PONG): nothing to do.
    Ignore,
    /// Streams and file-descriptor passing.
    Unsupported,
}

fn route(packet: &[u8]) -> Route {
    let prog = word(packet, PROG_AT);
    let proc_ = word(packet, PROC_AT) as i32;
    let kind = MessageType::from_i32(word(packet, KIND_AT) as i32);
    if prog == KEEPALIVE_PROGRAM {
        return if kind == Some(MessageType::Message) && proc_ == keepalive::PING {
            Route::Ping
        } else {
            Route::Ignore
        };
    }
    if kind != Some(MessageType::Call) {
        return Route::Unsupported;
    }
    if prog != REMOTE_PROGRAM {
        return Route::Forward;
    }
    match procedures::lookup(proc_) {
        Some(info) if info.stream().is_some() => Route::Unsupported,
        Some(info) if info.readonly => Route::Cacheable,
        _ => Route::Forward,
    }
}

fn word(packet: &[u8], at: usize) -> u32 {
    let mut bytes = [0u8; 4];
    bytes.copy_from_slice(&packet[at..at + 4]);
    u32::from_be_bytes(bytes)
}

fn set_word(packet: &mut [u8], at: usize, value: u32) {
    packet[at..at + 4].copy_from_slice(&value.to_be_bytes());
}

fn keepalive_packet(proc_: i32) -> io::Result<Vec<u8>> {
    let header = Header {
        prog: KEEPALIVE_PROGRAM,
        vers: KEEPALIVE_PROTOCOL_VERSION,
        proc_,
        kind: MessageType::Message,
        serial: 0,
        status: MessageStatus::Ok,
    };
    packet::build_raw(&header, &[]).map_err(io::Error::other)
}

fn unsupported_reply(call: &[u8]) -> io::Result<Vec<u8>> {
    let header = packet::Packet::parse(&call[MESSAGE_LEN_MAX..PAYLOAD_OFFSET])
        .map_err(io::Error::other)?
        .header;
    let error = Error::new(
        ErrorDomain::Rpc,
        ErrorCode::OperationUnsupported,
        "the benchmark floor does not pass streams or file descriptors",
    );
    packet::build_error_reply(&header, &RemoteError::from(&error)).map_err(io::Error::other)
}

fn serve_client(
    mut client: UnixStream,
    floor: &Floor,
    from_client: &mut PacketReader,
    answer: &mut Vec<u8>,
) -> io::Result<()> {
    let (pong, cache) = (&floor.pong, &floor.cache);
    let mut link = UpstreamLink::new(&floor.upstream, pong);
    loop {
        let Some(call) = from_client.next_packet(&mut client)? else {
            return Ok(());
        };
        match route(call) {
            Route::Ping => client.write_all(pong)?,
            Route::Ignore => {}
            Route::Unsupported => client.write_all(&unsupported_reply(call)?)?,
            Route::Forward => {
                let reply = link.call(call, &mut client)?;
                client.write_all(reply)?;
                cache.invalidate();
            }
            Route::Cacheable => {
                if word(call, PROC_AT) as i32 == remote_proc::CONNECT_OPEN {
                    link.remember_open(call);
                }
                let serial = word(call, SERIAL_AT);
                set_word(call, SERIAL_AT, 0);
                match cache.get(call) {
                    Ok(cached) => {
                        answer.clear();
                        answer.extend_from_slice(&cached);
                        set_word(answer, SERIAL_AT, serial);
                        client.write_all(answer)?;
                    }
                    Err(generation) => {
                        let key = call.to_vec();
                        set_word(call, SERIAL_AT, serial);
                        let reply = link.call(call, &mut client)?;
                        client.write_all(reply)?;
                        if word(reply, STATUS_AT) == MessageStatus::Ok as u32 {
                            cache.store(&key, reply, generation);
                        }
                    }
                }
            }
        }
    }
}

/// A client's connection to the upstream daemon, opened when first needed and reopened if
/// the daemon dropped it (say, after unanswered keepalives while every call was a hit).
struct UpstreamLink<'a> {
    path: &'a Path,
    connection: Option<(UnixStream, PacketReader)>,
    /// The client's `CONNECT_OPEN`, replayed on every new upstream connection.
    open_call: Option<Vec<u8>>,
    pong: &'a [u8],
}

impl<'a> UpstreamLink<'a> {
    fn new(path: &'a Path, pong: &'a [u8]) -> Self {
        UpstreamLink {
            path,
            connection: None,
            open_call: None,
            pong,
        }
    }

    fn remember_open(&mut self, call: &[u8]) {
        if self.open_call.is_none() {
            self.open_call = Some(call.to_vec());
        }
    }

    /// Sends `call` upstream and returns the reply; events that arrive first go to `client`.
    fn call(&mut self, call: &[u8], client: &mut UnixStream) -> io::Result<&[u8]> {
        let is_open = word(call, PROC_AT) as i32 == remote_proc::CONNECT_OPEN
            && word(call, PROG_AT) == REMOTE_PROGRAM;
        let reusable = match self.connection.take() {
            Some(mut connection) => self
                .still_open(&mut connection, client)?
                .then_some(connection),
            None => None,
        };
        let connected = match reusable {
            Some(connection) => connection,
            None => self.connect(is_open, client)?,
        };
        let (stream, reader) = self.connection.insert(connected);
        stream.write_all(call)?;
        Self::await_reply(stream, reader, word(call, SERIAL_AT), self.pong, client)
    }

    fn connect(
        &self,
        is_open: bool,
        client: &mut UnixStream,
    ) -> io::Result<(UnixStream, PacketReader)> {
        let mut stream = UnixStream::connect(self.path).map_err(|e| {
            io::Error::new(e.kind(), format!("upstream {}: {e}", self.path.display()))
        })?;
        let mut reader = PacketReader::new();
        if let (Some(open), false) = (&self.open_call, is_open) {
            stream.write_all(open)?;
            let reply = Self::await_reply(
                &mut stream,
                &mut reader,
                word(open, SERIAL_AT),
                self.pong,
                client,
            )?;
            if word(reply, STATUS_AT) != MessageStatus::Ok as u32 {
                return Err(io::Error::other(
                    "upstream refused the replayed CONNECT_OPEN",
                ));
            }
        }
        Ok((stream, reader))
    }

    /// Answers what upstream sent while the link was idle and tells whether it is still
    /// open. Costs a non-blocking read per forwarded call, never a cache hit.
    fn still_open(
        &self,
        (stream, reader): &mut (UnixStream, PacketReader),
        client: &mut UnixStream,
    ) -> io::Result<bool> {
        stream.set_nonblocking(true)?;
        let drained = loop {
            match reader.next_packet(stream) {
                Ok(Some(packet)) => {
                    if let Err(e) = Self::pass_on(packet, stream, self.pong, client) {
                        break Err(e);
                    }
                }
                Ok(None) => break Ok(false),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break Ok(true),
                Err(e) if is_disconnect(&e) => break Ok(false),
                Err(e) => break Err(e),
            }
        };
        stream.set_nonblocking(false)?;
        drained
    }

    /// Reads upstream packets until the reply with `serial`.
    fn await_reply<'r>(
        stream: &mut UnixStream,
        reader: &'r mut PacketReader,
        serial: u32,
        pong: &[u8],
        client: &mut UnixStream,
    ) -> io::Result<&'r [u8]> {
        loop {
            let Some(packet) = reader.next_packet(stream)? else {
                return Err(io::Error::new(
                    ErrorKind::UnexpectedEof,
                    "upstream closed the connection during a call",
                ));
            };
            let is_reply = word(packet, KIND_AT) == MessageType::Reply as u32
                && word(packet, SERIAL_AT) == serial
                && word(packet, PROG_AT) != KEEPALIVE_PROGRAM;
            if is_reply {
                // Reborrowed through the reader so the loop's earlier borrows have ended.
                return Ok(reader.last_packet());
            }
            Self::pass_on(packet, stream, pong, client)?;
        }
    }

    /// An upstream packet that is not the awaited reply: a PING is answered, events go to
    /// the client, anything else means the two sides disagree on the conversation.
    fn pass_on(
        packet: &[u8],
        stream: &mut UnixStream,
        pong: &[u8],
        client: &mut UnixStream,
    ) -> io::Result<()> {
        let kind = word(packet, KIND_AT);
        if word(packet, PROG_AT) == KEEPALIVE_PROGRAM {
            if kind == MessageType::Message as u32
                && word(packet, PROC_AT) as i32 == keepalive::PING
            {
                stream.write_all(pong)?;
            }
            Ok(())
        } else if kind == MessageType::Message as u32 {
            client.write_all(packet)
        } else {
            Err(io::Error::other(format!(
                "unexpected packet from upstream (type {kind}, serial {})",
                word(packet, SERIAL_AT)
            )))
        }
    }
}

fn is_disconnect(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
    )
}

/// Splits a byte stream into packets, reading as much as the socket has each time: a call
/// that fits in the buffer costs one `read`.
struct PacketReader {
    buffer: Vec<u8>,
    /// Start of the bytes not yet returned.
    start: usize,
    /// End of the bytes read so far.
    end: usize,
    /// The packet most recently returned.
    last: (usize, usize),
}

impl PacketReader {
    fn new() -> Self {
        PacketReader {
            buffer: vec![0; READ_BUFFER],
            start: 0,
            end: 0,
            last: (0, 0),
        }
    }

    /// The next whole packet, or None at a clean end of stream.
    fn next_packet(&mut self, stream: &mut impl Read) -> io::Result<Option<&mut [u8]>> {
        loop {
            let available = self.end - self.start;
            let wanted = if available >= MESSAGE_LEN_MAX {
                let length = word(&self.buffer[self.start..], 0);
                check_length(length).map_err(|e| io::Error::new(ErrorKind::InvalidData, e))?
            } else {
                MESSAGE_LEN_MAX
            };
            if available >= wanted && wanted > MESSAGE_LEN_MAX {
                let packet = (self.start, self.start + wanted);
                self.start += wanted;
                self.last = packet;
                return Ok(Some(&mut self.buffer[packet.0..packet.1]));
            }
            self.make_room(wanted);
            match stream.read(&mut self.buffer[self.end..]) {
                Ok(0) if available == 0 => return Ok(None),
                Ok(0) => {
                    return Err(io::Error::new(
                        ErrorKind::UnexpectedEof,
                        "connection closed inside a packet",
                    ))
                }
                Ok(n) => self.end += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Forgets everything buffered (a new client on a reused reader).
    fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    fn last_packet(&self) -> &[u8] {
        &self.buffer[self.last.0..self.last.1]
    }

    /// Ensures the buffer can hold `wanted` bytes from `start`, moving the unread bytes to
    /// the front first. Only called once every packet returned before has been used.
    fn make_room(&mut self, wanted: usize) {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.start + wanted > self.buffer.len() || self.end == self.buffer.len() {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if wanted > self.buffer.len() {
            self.buffer.resize(wanted, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn call(proc_: i32, serial: u32, payload: &[u8]) -> Vec<u8> {
        let header = Header::call(REMOTE_PROGRAM, 1, proc_, serial);
        packet::build_raw(&header, payload).unwrap()
    }

    /// A fake daemon: answers every call with its own count of calls so far as payload,
    /// so a test can tell a cached answer from a fresh one.
    fn fake_daemon(dir: &Path) -> (PathBuf, Arc<AtomicUsize>) {
        let path = dir.join("upstream");
        let listener = UnixListener::bind(&path).unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let mut stream = stream.unwrap();
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || {
                    let mut reader = PacketReader::new();
                    while let Ok(Some(packet)) = reader.next_packet(&mut stream) {
                        let parsed = packet::Packet::parse(packet).unwrap();
                        let n = counter.fetch_add(1, Ordering::SeqCst) as u32 + 1;
                        let reply = packet::build_raw(
                            &parsed.header.reply(MessageStatus::Ok),
                            &n.to_be_bytes(),
                        )
                        .unwrap();
                        if stream.write_all(&reply).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        (path, calls)
    }

    fn start_floor(dir: &Path) -> (PathBuf, Arc<AtomicUsize>) {
        let (upstream, calls) = fake_daemon(dir);
        let listen = dir.join("floor");
        let listen_thread = listen.clone();
        std::thread::spawn(move || run(&listen_thread, &upstream));
        for _ in 0..200 {
            if listen.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        (listen, calls)
    }

    fn roundtrip(stream: &mut UnixStream, packet: &[u8]) -> packet::Packet {
        stream.write_all(packet).unwrap();
        let mut reader = PacketReader::new();
        let reply = reader.next_packet(stream).unwrap().unwrap();
        packet::Packet::parse(reply).unwrap()
    }

    fn answer_number(reply: &packet::Packet) -> u32 {
        word(&reply.payload, 0)
    }

    #[test]
    fn read_only_calls_are_answered_from_memory_with_the_callers_serial() {
        let dir = tempfile::tempdir().unwrap();
        let (listen, calls) = start_floor(dir.path());
        let mut first = UnixStream::connect(&listen).unwrap();
        let version = remote_proc::CONNECT_GET_VERSION;
        let fresh = roundtrip(&mut first, &call(version, 7, &[]));
        assert_eq!(fresh.header.serial, 7);
        let mut second = UnixStream::connect(&listen).unwrap();
        let cached = roundtrip(&mut second, &call(version, 42, &[]));
        assert_eq!(cached.header.serial, 42);
        assert_eq!(answer_number(&cached), answer_number(&fresh));
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        // Same procedure, other arguments: a different entry.
        let lookup = remote_proc::DOMAIN_LOOKUP_BY_NAME;
        let a = roundtrip(&mut first, &call(lookup, 8, b"\0\0\0\x01a\0\0\0"));
        let b = roundtrip(&mut first, &call(lookup, 9, b"\0\0\0\x01b\0\0\0"));
        assert_ne!(answer_number(&a), answer_number(&b));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn state_changing_calls_are_forwarded_and_empty_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let (listen, calls) = start_floor(dir.path());
        let mut client = UnixStream::connect(&listen).unwrap();
        let list = remote_proc::CONNECT_LIST_ALL_DOMAINS;
        let define = remote_proc::DOMAIN_DEFINE_XML;
        let before = roundtrip(&mut client, &call(list, 1, &[]));
        roundtrip(&mut client, &call(define, 2, &[]));
        roundtrip(&mut client, &call(define, 3, &[]));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        let after = roundtrip(&mut client, &call(list, 4, &[]));
        assert_ne!(answer_number(&after), answer_number(&before));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn keepalive_ping_gets_a_pong_without_upstream() {
        let dir = tempfile::tempdir().unwrap();
        let (listen, calls) = start_floor(dir.path());
        let mut client = UnixStream::connect(&listen).unwrap();
        let pong = roundtrip(&mut client, &keepalive_packet(keepalive::PING).unwrap());
        assert_eq!(pong.header.prog, KEEPALIVE_PROGRAM);
        assert_eq!(pong.header.proc_, keepalive::PONG);
        assert_eq!(pong.header.kind, MessageType::Message);
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn open_is_replayed_on_a_late_upstream_connection() {
        let dir = tempfile::tempdir().unwrap();
        let (listen, calls) = start_floor(dir.path());
        let open = remote_proc::CONNECT_OPEN;
        let mut first = UnixStream::connect(&listen).unwrap();
        roundtrip(&mut first, &call(open, 1, &[]));
        // The second client's open is a hit; its first miss opens upstream, replaying it.
        let mut second = UnixStream::connect(&listen).unwrap();
        roundtrip(&mut second, &call(open, 1, &[]));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let define = roundtrip(&mut second, &call(remote_proc::DOMAIN_DEFINE_XML, 2, &[]));
        assert_eq!(define.header.serial, 2);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn packets_split_across_reads_and_larger_than_the_buffer_are_whole() {
        let big = call(
            remote_proc::DOMAIN_DEFINE_XML,
            5,
            &vec![7u8; 3 * READ_BUFFER],
        );
        let small = call(remote_proc::CONNECT_GET_VERSION, 6, &[]);
        let mut bytes = big.clone();
        bytes.extend_from_slice(&small);
        let mut reader = PacketReader::new();
        let mut source = io::Cursor::new(bytes);
        assert_eq!(reader.next_packet(&mut source).unwrap().unwrap(), &big[..]);
        assert_eq!(
            reader.next_packet(&mut source).unwrap().unwrap(),
            &small[..]
        );
        assert!(reader.next_packet(&mut source).unwrap().is_none());
    }
}
