//! One RPC connection to a daemon: serial numbers, a reader thread that hands each reply to
//! the caller waiting for its serial, stream packets to their stream, events to an event
//! thread, and keepalive PINGs answered (and sent) as libvirt's client does.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::thread;
use std::time::{Duration, Instant};

use rvirt_core::{Error, ErrorCode, ErrorDomain, Event, EventCallback, Result};
use rvirt_proto::calls::{self, RemoteCall};
use rvirt_proto::packet::{self, Header, MessageStatus, MessageType, Packet, PacketDecoder};
use rvirt_proto::program::{
    keepalive, KEEPALIVE_PROGRAM, KEEPALIVE_PROTOCOL_VERSION, REMOTE_PROGRAM,
};

use crate::events::{self, FamilyKind};
use crate::transport::Socket;

/// How often a PING is sent when the daemon has been silent, and how many may go unanswered
/// before the connection counts as dead (virsh's defaults; see `set_keepalive`).
pub(crate) const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);
pub(crate) const KEEPALIVE_COUNT: u32 = 5;

/// How many events for not-yet-known callback ids are kept.
const EARLY_EVENTS_MAX: usize = 64;

/// Where incoming packets for one serial go.
#[derive(Default)]
struct Routes {
    /// Callers waiting for the reply to their call.
    replies: HashMap<u32, Sender<Packet>>,
    /// Open streams, keyed by the serial of the call that opened them.
    streams: HashMap<u32, Sender<Packet>>,
}

struct State {
    routes: Routes,
    /// Event callbacks by family and the daemon's callback id.
    callbacks: HashMap<(FamilyKind, i32), EventCallback>,
    /// Events that arrived for a callback id not yet known: the daemon may send them
    /// between registering a callback and our recording its id.
    early_events: Vec<(FamilyKind, i32, Event)>,
    /// Why the connection is unusable, once it is.
    closed: Option<Error>,
    last_received: Instant,
    unanswered_pings: u32,
}

/// The shared half of a connection: the writer and the routing tables.
pub(crate) struct Client {
    writer: Mutex<Socket>,
    /// A handle to shut the socket down without waiting for a writer.
    control: Socket,
    /// Whether the socket is local (unix) rather than TCP.
    local: bool,
    next_serial: AtomicU32,
    state: Mutex<State>,
    /// Whether the daemon speaks the keepalive program (then we send PINGs too).
    keepalive: AtomicBool,
    /// Keepalive interval in milliseconds (0: no PINGs) and unanswered PINGs tolerated.
    keepalive_interval_ms: AtomicU64,
    keepalive_count: AtomicU32,
    /// Events on their way to the event thread.
    events_out: Mutex<Sender<(EventCallback, Event)>>,
}

impl Client {
    /// Wraps a connected socket and starts the reader, event and keepalive threads.
    pub(crate) fn start(socket: Socket) -> Result<Arc<Client>> {
        let reader = socket
            .try_clone()
            .map_err(|e| Error::system(ErrorDomain::Rpc, &e, "Unable to duplicate socket"))?;
        let control = socket
            .try_clone()
            .map_err(|e| Error::system(ErrorDomain::Rpc, &e, "Unable to duplicate socket"))?;
        let (event_tx, event_rx) = mpsc::channel::<(EventCallback, Event)>();
        let client = Arc::new(Client {
            local: socket.is_local(),
            control,
            events_out: Mutex::new(event_tx),
            writer: Mutex::new(socket),
            next_serial: AtomicU32::new(1),
            keepalive: AtomicBool::new(false),
            keepalive_interval_ms: AtomicU64::new(KEEPALIVE_INTERVAL.as_millis() as u64),
            keepalive_count: AtomicU32::new(KEEPALIVE_COUNT),
            state: Mutex::new(State {
                routes: Routes::default(),
                callbacks: HashMap::new(),
                early_events: Vec::new(),
                closed: None,
                last_received: Instant::now(),
                unanswered_pings: 0,
            }),
        });
        spawn("rvirt-remote-events", move || deliver_events(event_rx))?;
        let for_reader = client.clone();
        spawn("rvirt-remote-reader", move || {
            reader_loop(&for_reader, reader)
        })?;
        let weak = Arc::downgrade(&client);
        spawn("rvirt-remote-keepalive", move || keepalive_loop(&weak))?;
        Ok(client)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn next_serial(&self) -> u32 {
        self.next_serial.fetch_add(1, Ordering::Relaxed)
    }

    /// The error calls fail with once the connection is gone.
    fn closed_error(&self) -> Option<Error> {
        self.lock().closed.clone()
    }

    /// Starts sending PINGs (once the daemon said it supports keepalive).
    pub(crate) fn enable_keepalive(&self) {
        self.lock().last_received = Instant::now();
        self.keepalive.store(true, Ordering::Relaxed);
    }

    /// Changes how often PINGs go out and how many may go unanswered
    /// (`virConnectSetKeepAlive`); a zero interval stops sending them.
    pub(crate) fn set_keepalive(&self, interval: Duration, count: u32) {
        self.keepalive_interval_ms
            .store(interval.as_millis() as u64, Ordering::Relaxed);
        self.keepalive_count.store(count, Ordering::Relaxed);
    }

    /// Whether the daemon supports keepalive.
    pub(crate) fn keepalive_supported(&self) -> bool {
        self.keepalive.load(Ordering::Relaxed)
    }

    /// Whether the transport is a local socket (secure without encryption).
    pub(crate) fn is_local(&self) -> bool {
        self.local
    }

    pub(crate) fn is_alive(&self) -> bool {
        self.lock().closed.is_none()
    }

    /// Writes one complete packet.
    pub(crate) fn send_packet(&self, bytes: &[u8]) -> Result<()> {
        if let Some(e) = self.closed_error() {
            return Err(e);
        }
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        writer.write_all(bytes).map_err(|e| {
            let err = Error::system(ErrorDomain::Rpc, &e, "Cannot write data");
            drop(writer);
            self.mark_closed(err.clone());
            err
        })
    }

    /// Calls a remote procedure and waits for its reply.
    pub(crate) fn call<C: RemoteCall>(&self, args: &C::Args) -> Result<C::Ret> {
        let serial = self.next_serial();
        let bytes = calls::call_packet::<C>(serial, args)?;
        let reply = self.round_trip(serial, &bytes, None)?;
        calls::decode_reply::<C>(&reply)
    }

    /// Calls a procedure of another program (QEMU) with raw encoded arguments and returns
    /// the reply packet, errors already turned into `Err`.
    pub(crate) fn call_program<A, R>(&self, prog: u32, vers: u32, proc_: i32, args: &A) -> Result<R>
    where
        A: serde::Serialize,
        R: serde::de::DeserializeOwned,
    {
        let serial = self.next_serial();
        let header = Header::call(prog, vers, proc_, serial);
        let bytes = packet::build(&header, args)?;
        let reply = self.round_trip(serial, &bytes, None)?;
        match reply.header.status {
            MessageStatus::Ok => Ok(reply.decode::<R>()?),
            _ => Err(reply.decode::<rvirt_proto::RemoteError>()?.into()),
        }
    }

    /// Opens a stream with the call `C`: stream packets for the call's serial are routed to
    /// the returned receiver from before the call is sent, since data may overtake the reply.
    pub(crate) fn call_with_stream<C: RemoteCall>(
        &self,
        args: &C::Args,
    ) -> Result<(C::Ret, Header, Receiver<Packet>)> {
        let serial = self.next_serial();
        let bytes = calls::call_packet::<C>(serial, args)?;
        let (tx, rx) = mpsc::channel();
        let reply = match self.round_trip(serial, &bytes, Some(tx)) {
            Ok(reply) => reply,
            Err(e) => {
                self.remove_stream(serial);
                return Err(e);
            }
        };
        match calls::decode_reply::<C>(&reply) {
            Ok(ret) => Ok((
                ret,
                Header::call(REMOTE_PROGRAM, reply.header.vers, C::PROC, serial),
                rx,
            )),
            Err(e) => {
                self.remove_stream(serial);
                Err(e)
            }
        }
    }

    pub(crate) fn remove_stream(&self, serial: u32) {
        self.lock().routes.streams.remove(&serial);
    }

    fn round_trip(
        &self,
        serial: u32,
        bytes: &[u8],
        stream: Option<Sender<Packet>>,
    ) -> Result<Packet> {
        let (tx, rx) = mpsc::channel();
        {
            let mut state = self.lock();
            if let Some(e) = &state.closed {
                return Err(e.clone());
            }
            state.routes.replies.insert(serial, tx);
            if let Some(stream) = stream {
                state.routes.streams.insert(serial, stream);
            }
        }
        if let Err(e) = self.send_packet(bytes) {
            self.lock().routes.replies.remove(&serial);
            return Err(e);
        }
        rx.recv()
            .map_err(|_| self.closed_error().unwrap_or_else(socket_closed))
    }

    pub(crate) fn add_callback(&self, kind: FamilyKind, remote_id: i32, callback: EventCallback) {
        let mut state = self.lock();
        state.callbacks.insert((kind, remote_id), callback.clone());
        let (mine, others): (Vec<_>, Vec<_>) = std::mem::take(&mut state.early_events)
            .into_iter()
            .partition(|(k, id, _)| (*k, *id) == (kind, remote_id));
        state.early_events = others;
        // Still under the lock, so later events cannot overtake these.
        for (_, _, event) in mine {
            self.deliver(callback.clone(), event);
        }
    }

    fn deliver(&self, callback: EventCallback, event: Event) {
        let out = self.events_out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = out.send((callback, event));
    }

    pub(crate) fn remove_callback(&self, kind: FamilyKind, remote_id: i32) {
        self.lock().callbacks.remove(&(kind, remote_id));
    }

    /// Marks the connection dead, wakes every waiter and shuts the socket.
    pub(crate) fn mark_closed(&self, why: Error) {
        {
            let mut state = self.lock();
            if state.closed.is_none() {
                state.closed = Some(why);
            }
            // Dropping the senders wakes every waiter with the error above.
            state.routes = Routes::default();
        }
        let _ = self.control.shutdown();
    }

    /// Hands one packet from the daemon to whoever waits for it.
    fn dispatch(&self, packet: Packet) {
        let h = packet.header;
        {
            let mut state = self.lock();
            state.last_received = Instant::now();
            state.unanswered_pings = 0;
        }
        if h.prog == KEEPALIVE_PROGRAM {
            if h.kind == MessageType::Message && h.proc_ == keepalive::PING {
                let pong = keepalive_packet(keepalive::PONG);
                if let Ok(bytes) = pong {
                    let _ = self.send_packet(&bytes);
                }
            }
            return;
        }
        match h.kind {
            MessageType::Reply | MessageType::ReplyWithFds => {
                let waiter = self.lock().routes.replies.remove(&h.serial);
                match waiter {
                    Some(tx) => {
                        let _ = tx.send(packet);
                    }
                    None => tracing::debug!(serial = h.serial, "reply nobody waits for"),
                }
            }
            MessageType::Stream | MessageType::StreamHole => {
                let mut state = self.lock();
                let finished = h.kind == MessageType::Stream && h.status != MessageStatus::Continue;
                if let Some(tx) = state.routes.streams.get(&h.serial) {
                    let _ = tx.send(packet);
                }
                if finished {
                    state.routes.streams.remove(&h.serial);
                }
            }
            MessageType::Message if h.prog == REMOTE_PROGRAM => match events::decode(&packet) {
                Ok(Some((kind, remote_id, event))) => {
                    let callback = {
                        let mut state = self.lock();
                        let callback = state.callbacks.get(&(kind, remote_id)).cloned();
                        if callback.is_none() {
                            if state.early_events.len() >= EARLY_EVENTS_MAX {
                                state.early_events.remove(0);
                            }
                            state.early_events.push((kind, remote_id, event.clone()));
                        }
                        callback
                    };
                    if let Some(cb) = callback {
                        self.deliver(cb, event);
                    }
                }
                Ok(None) => tracing::debug!(proc_ = h.proc_, "event not delivered"),
                Err(e) => tracing::warn!(proc_ = h.proc_, "bad event message: {e}"),
            },
            _ => tracing::debug!(?h, "unexpected packet"),
        }
    }
}

fn spawn(name: &str, body: impl FnOnce() + Send + 'static) -> Result<()> {
    thread::Builder::new()
        .name(name.to_string())
        .spawn(body)
        .map(|_| ())
        .map_err(|e| Error::system(ErrorDomain::Rpc, &e, "Unable to create thread"))
}

fn socket_closed() -> Error {
    Error::new(
        ErrorDomain::Rpc,
        ErrorCode::InternalError,
        "client socket is closed",
    )
}

fn keepalive_packet(proc_: i32) -> Result<Vec<u8>> {
    let header = Header {
        prog: KEEPALIVE_PROGRAM,
        vers: KEEPALIVE_PROTOCOL_VERSION,
        proc_,
        kind: MessageType::Message,
        serial: 0,
        status: MessageStatus::Ok,
    };
    Ok(packet::build_raw(&header, &[])?)
}

fn reader_loop(client: &Client, mut socket: Socket) {
    let mut decoder = PacketDecoder::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        loop {
            match decoder.next_packet() {
                Ok(Some(packet)) => client.dispatch(packet),
                Ok(None) => break,
                Err(e) => {
                    client.mark_closed(e.into());
                    return;
                }
            }
        }
        match socket.read(&mut buf) {
            Ok(0) => {
                let eof = std::io::Error::from_raw_os_error(5); // EIO, as libvirt reports EOF
                client.mark_closed(Error::system(
                    ErrorDomain::Rpc,
                    &eof,
                    "End of file while reading data",
                ));
                return;
            }
            Ok(n) => decoder.push(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                client.mark_closed(Error::system(ErrorDomain::Rpc, &e, "Cannot recv data"));
                return;
            }
        }
    }
}

/// Runs event callbacks away from the reader, so a callback may call back into the
/// connection without blocking the replies it waits for.
fn deliver_events(rx: Receiver<(EventCallback, Event)>) {
    while let Ok((callback, event)) = rx.recv() {
        callback(&event);
    }
}

/// Sends a PING when the daemon has been silent for an interval; after `count` unanswered
/// PINGs the connection is closed.
fn keepalive_loop(client: &Weak<Client>) {
    let tick = Duration::from_millis(250);
    loop {
        thread::sleep(tick);
        let Some(client) = client.upgrade() else {
            return;
        };
        if !client.keepalive.load(Ordering::Relaxed) {
            if !client.is_alive() {
                return;
            }
            continue;
        }
        let interval = Duration::from_millis(client.keepalive_interval_ms.load(Ordering::Relaxed));
        let count = client.keepalive_count.load(Ordering::Relaxed);
        if interval.is_zero() {
            continue;
        }
        let due = {
            let mut state = client.lock();
            if state.closed.is_some() {
                return;
            }
            let silent = state.last_received.elapsed();
            let threshold = interval * (state.unanswered_pings + 1);
            if silent >= threshold {
                state.unanswered_pings += 1;
                Some(state.unanswered_pings)
            } else {
                None
            }
        };
        match due {
            Some(n) if n > count => {
                client.mark_closed(Error::new(
                    ErrorDomain::Rpc,
                    ErrorCode::InternalError,
                    "connection closed due to keepalive timeout",
                ));
                return;
            }
            Some(_) => {
                if let Ok(bytes) = keepalive_packet(keepalive::PING) {
                    let _ = client.send_packet(&bytes);
                }
            }
            None => {}
        }
    }
}
