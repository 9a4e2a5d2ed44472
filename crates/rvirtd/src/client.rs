//! One connected client: its outgoing queue, its driver connection, the event callbacks and
//! streams it holds.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rvirt::Connect;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use tokio::sync::mpsc;

use crate::stream::{StreamPacket, StreamSlot};

/// Opens a driver connection for `CONNECT_OPEN`: the URI (`None` for the daemon's default)
/// and whether the connection is read-only. The daemon uses [`default_opener`]; tests may
/// serve their own drivers.
pub type Opener = Arc<dyn Fn(Option<&str>, bool) -> Result<Connect> + Send + Sync>;

/// Opens URIs the way the daemon serves them, with rvirt's default directories
/// (see [`crate::open`]).
pub fn default_opener() -> Opener {
    crate::open::daemon_opener(&crate::paths::Paths::default_for_user())
}

/// What the writer task sends next.
#[derive(Debug)]
pub enum Outgoing {
    /// A complete packet, length word included.
    Packet(Vec<u8>),
    /// A stream packet (header and payload apart).
    Stream(StreamPacket),
    /// Flush what is queued and close the connection.
    Close,
}

/// Which API an event callback was registered through, which decides the message format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackKind {
    /// `*_EVENT_CALLBACK_REGISTER_ANY` and the network/pool/nodedev/secret calls: messages
    /// carry the callback id.
    Modern,
    /// `DOMAIN_EVENT_REGISTER_ANY` (old clients): legacy messages without an id.
    LegacyAny,
    /// `DOMAIN_EVENT_REGISTER` (oldest clients): legacy lifecycle messages.
    LegacyLifecycle,
}

/// Which driver of a connection holds an event callback: node device events of QEMU
/// connections come from the host's node device driver, everything else from the hypervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSource {
    Hypervisor,
    NodeDevice,
}

/// An event callback registered on the driver for this client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registration {
    /// The id the driver (`source`) gave the callback.
    pub driver_id: i32,
    /// The id the client sees: daemon-wide, so ids from different drivers never collide.
    pub client_id: i32,
    pub source: EventSource,
    pub kind: CallbackKind,
    /// `VIR_DOMAIN_EVENT_ID_*` (or the family's event id) it listens to.
    pub event_id: i32,
}

impl Registration {
    /// Removes the callback from the driver that holds it.
    pub fn deregister(&self, conn: &Connect) -> Result<()> {
        match self.source {
            EventSource::Hypervisor => conn.hypervisor.connect_event_deregister(self.driver_id),
            EventSource::NodeDevice => conn.nodedev.node_device_event_deregister(self.driver_id),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Shared state of one client connection.
pub struct Client {
    pub id: u64,
    /// Connected on the read-only socket.
    pub readonly: bool,
    opener: Opener,
    out: mpsc::UnboundedSender<Outgoing>,
    /// Bounded queue for stream data, so a fast producer waits for the socket.
    stream_out: mpsc::Sender<StreamPacket>,
    conn: Mutex<Option<Connect>>,
    registrations: Mutex<Vec<Registration>>,
    close_callback: AtomicBool,
    keepalive: AtomicBool,
    /// The opener serves local `test:` URIs with the in-memory test driver.
    opener_test_in_memory: bool,
    /// The open connection is the in-memory test driver, whose calls never block.
    in_memory: AtomicBool,
    closed: AtomicBool,
    streams: Mutex<HashMap<u32, Arc<StreamSlot>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("id", &self.id)
            .field("readonly", &self.readonly)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(
        id: u64,
        readonly: bool,
        opener: Opener,
        opener_test_in_memory: bool,
        out: mpsc::UnboundedSender<Outgoing>,
        stream_out: mpsc::Sender<StreamPacket>,
    ) -> Client {
        Client {
            id,
            readonly,
            opener,
            out,
            stream_out,
            conn: Mutex::new(None),
            registrations: Mutex::new(Vec::new()),
            close_callback: AtomicBool::new(false),
            keepalive: AtomicBool::new(false),
            opener_test_in_memory,
            in_memory: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            streams: Mutex::new(HashMap::new()),
        }
    }

    /// Queues a packet; silently dropped once the client is gone.
    pub fn send(&self, packet: Vec<u8>) {
        if !self.closed.load(Ordering::Relaxed) {
            let _ = self.out.send(Outgoing::Packet(packet));
        }
    }

    /// Queues stream data, waiting while the socket is behind. Call from worker threads
    /// only. `false` when the client is gone.
    pub fn send_stream_blocking(&self, packet: StreamPacket) -> bool {
        !self.closed.load(Ordering::Relaxed) && self.stream_out.blocking_send(packet).is_ok()
    }

    /// Asks the writer to flush and close the connection.
    pub fn close(&self) {
        let _ = self.out.send(Outgoing::Close);
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    /// The driver connection, or libvirt's error for a call before `CONNECT_OPEN`.
    pub fn connection(&self) -> Result<Connect> {
        lock(&self.conn).clone().ok_or_else(|| {
            Error::new(
                ErrorDomain::Rpc,
                ErrorCode::InternalError,
                "hypervisor connection not open",
            )
        })
    }

    /// Installs the connection opened by `CONNECT_OPEN`; fails when one is open already.
    pub fn set_connection(&self, conn: Connect) -> Result<()> {
        let mut guard = lock(&self.conn);
        if guard.is_some() {
            return Err(Error::new(
                ErrorDomain::Rpc,
                ErrorCode::InternalError,
                "connection already open",
            ));
        }
        let in_memory = self.opener_test_in_memory
            && rvirt_core::ConnectUri::parse(conn.requested_uri())
                .is_ok_and(|uri| uri.driver == "test" && !uri.is_remote());
        self.in_memory.store(in_memory, Ordering::Relaxed);
        *guard = Some(conn);
        Ok(())
    }

    /// Whether `test:` URIs this client opens get the in-memory test driver.
    pub fn opener_serves_test_in_memory(&self) -> bool {
        self.opener_test_in_memory
    }

    /// Whether the open connection is served by the in-memory test driver, whose calls
    /// never wait on files, processes or the network.
    pub fn serves_in_memory(&self) -> bool {
        self.in_memory.load(Ordering::Relaxed)
    }

    /// Opens a driver connection with the daemon's opener.
    pub fn open_driver(&self, uri: Option<&str>, readonly: bool) -> Result<Connect> {
        (self.opener)(uri, readonly)
    }

    pub fn has_connection(&self) -> bool {
        lock(&self.conn).is_some()
    }

    pub fn add_registration(&self, reg: Registration) {
        lock(&self.registrations).push(reg);
    }

    /// Removes the registration with driver id `id` made through `kind`.
    pub fn take_registration(
        &self,
        matches: impl Fn(&Registration) -> bool,
    ) -> Option<Registration> {
        let mut regs = lock(&self.registrations);
        let index = regs.iter().position(matches)?;
        Some(regs.remove(index))
    }

    pub fn set_close_callback(&self, on: bool) {
        self.close_callback.store(on, Ordering::Relaxed);
    }

    /// Turns server-side keepalive on (the client asked for the keepalive feature).
    pub fn start_keepalive(&self) {
        self.keepalive.store(true, Ordering::Relaxed);
    }

    pub fn keepalive_started(&self) -> bool {
        self.keepalive.load(Ordering::Relaxed)
    }

    pub fn add_stream(&self, serial: u32, slot: Arc<StreamSlot>) {
        lock(&self.streams).insert(serial, slot);
    }

    pub fn stream(&self, serial: u32) -> Option<Arc<StreamSlot>> {
        lock(&self.streams).get(&serial).cloned()
    }

    pub fn remove_stream(&self, serial: u32) {
        lock(&self.streams).remove(&serial);
    }

    /// Releases everything the client holds: event callbacks, streams and the driver
    /// connection. Runs once, when the socket is gone.
    pub fn cleanup(&self) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        let streams: Vec<Arc<StreamSlot>> = lock(&self.streams).drain().map(|(_, s)| s).collect();
        for s in streams {
            s.abort();
        }
        let conn = lock(&self.conn).take();
        let regs = std::mem::take(&mut *lock(&self.registrations));
        if let Some(conn) = conn {
            for reg in regs {
                let _ = reg.deregister(&conn);
            }
            let _ = conn.hypervisor.connect_close();
        }
    }
}
