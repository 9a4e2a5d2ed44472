//! Sockets and clients: the read-write and read-only listeners, one reading task and one
//! writing task per client, keepalive, and hand-off of calls to the worker pools.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rvirt_core::{Error, ErrorCode, ErrorDomain};
use rvirt_proto::packet::StreamHole;
use rvirt_proto::packet::{self, Header, MessageStatus, MessageType, Packet, PacketDecoder};
use rvirt_proto::procedures::{self, Priority};
use rvirt_proto::program::{
    keepalive, KEEPALIVE_PROGRAM, KEEPALIVE_PROTOCOL_VERSION, QEMU_PROGRAM, QEMU_PROTOCOL_VERSION,
    REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION,
};
use rvirt_proto::RemoteError;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};

use crate::client::{default_opener, Client, Opener, Outgoing};
use crate::config::Config;
use crate::dispatch::{self, Outcome};
use crate::pool::WorkerPool;
use crate::stream::{self, StreamInput};

/// Send buffer asked for on every client socket (the kernel doubles it, capped by
/// `net.core.wmem_max`). The default of about 200 KiB split a large reply, such as a listing
/// of 10,000 domains, into several writes, each waiting for the client to read and wake
/// the daemon again; with this it goes to the kernel in one.
const CLIENT_SEND_BUFFER: usize = 1 << 20;

/// Stream data queued per client before a producing stream waits.
const STREAM_QUEUE: usize = 16;

/// What a server needs to start.
#[derive(Clone)]
pub struct ServerOptions {
    pub config: Config,
    pub rw_socket: PathBuf,
    pub ro_socket: PathBuf,
    /// How `CONNECT_OPEN` reaches a driver.
    pub opener: Opener,
    /// `opener` serves local `test:` URIs with rvirt's in-memory test driver, so their calls
    /// may run on the runtime thread (see `runs_inline`). Off unless the opener is known to
    /// do so: a test's own opener may serve anything under any URI.
    pub inline_test_driver: bool,
}

impl ServerOptions {
    /// Options serving rvirt's drivers on the given sockets.
    pub fn new(config: Config, rw_socket: PathBuf, ro_socket: PathBuf) -> ServerOptions {
        ServerOptions {
            config,
            rw_socket,
            ro_socket,
            opener: default_opener(),
            inline_test_driver: false,
        }
    }
}

impl std::fmt::Debug for ServerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerOptions")
            .field("config", &self.config)
            .field("rw_socket", &self.rw_socket)
            .field("ro_socket", &self.ro_socket)
            .finish_non_exhaustive()
    }
}

/// State shared by every connection.
struct Shared {
    config: Config,
    opener: Opener,
    inline_test_driver: bool,
    workers: WorkerPool,
    prio_workers: Option<WorkerPool>,
    clients: AtomicUsize,
    next_client: AtomicU64,
}

/// A running daemon's listeners.
pub struct Server {
    shared: Arc<Shared>,
    rw: UnixListener,
    ro: UnixListener,
    paths: Vec<PathBuf>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("sockets", &self.paths)
            .finish_non_exhaustive()
    }
}

/// Binds a unix socket, replacing a stale one, with its mode and group already set when it
/// appears: it is bound under a temporary name, adjusted, then renamed into place, so no
/// client ever sees it with the umask's mode.
fn bind(path: &Path, mode: u32, gid: Option<u32>) -> std::io::Result<UnixListener> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    if path.exists() {
        // A live daemon answers on it; a stale file from a crash does not.
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AddrInUse,
                format!("{} is in use by another daemon", path.display()),
            ));
        }
        std::fs::remove_file(path)?;
    }
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(path.file_name().unwrap_or_default());
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let temp = path.with_file_name(temp_name);
    let _ = std::fs::remove_file(&temp);
    let listener = UnixListener::bind(&temp)?;
    let placed = std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(mode))
        .and_then(|()| match gid {
            Some(gid) => std::os::unix::fs::chown(&temp, None, Some(gid)),
            None => Ok(()),
        })
        .and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    Ok(listener)
}

/// Looks a group name (or number) up in /etc/group.
fn group_id(name: &str) -> Option<u32> {
    if let Ok(n) = name.parse() {
        return Some(n);
    }
    let text = std::fs::read_to_string("/etc/group").ok()?;
    text.lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next()? == name).then_some(())?;
        fields.nth(1)?.parse().ok()
    })
}

impl Server {
    /// Creates the worker pools and binds both sockets. Must run inside a tokio runtime.
    pub fn bind(options: &ServerOptions) -> std::io::Result<Server> {
        let config = options.config.clone();
        let gid = match &config.unix_sock_group {
            Some(group) => Some(group_id(group).ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("unknown group {group}"),
                )
            })?),
            None => None,
        };
        let rw = bind(&options.rw_socket, config.unix_sock_rw_perms, gid)?;
        let ro = match bind(&options.ro_socket, config.unix_sock_ro_perms, gid) {
            Ok(l) => l,
            Err(e) => {
                let _ = std::fs::remove_file(&options.rw_socket);
                return Err(e);
            }
        };
        let workers = WorkerPool::new("rvirtd-worker", config.max_workers)?;
        let prio_workers = if config.prio_workers > 0 {
            Some(WorkerPool::new("rvirtd-prio", config.prio_workers)?)
        } else {
            None
        };
        Ok(Server {
            shared: Arc::new(Shared {
                config,
                opener: options.opener.clone(),
                inline_test_driver: options.inline_test_driver,
                workers,
                prio_workers,
                clients: AtomicUsize::new(0),
                next_client: AtomicU64::new(1),
            }),
            rw,
            ro,
            paths: vec![options.rw_socket.clone(), options.ro_socket.clone()],
        })
    }

    /// Serves clients until `shutdown` turns true, then closes every client and removes the
    /// sockets.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let Server {
            shared,
            rw,
            ro,
            paths,
        } = self;
        loop {
            tokio::select! {
                accepted = rw.accept() => handle_accept(&shared, accepted, false, &shutdown),
                accepted = ro.accept() => handle_accept(&shared, accepted, true, &shutdown),
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        break;
                    }
                }
            }
        }
        drop(rw);
        drop(ro);
        for p in &paths {
            let _ = std::fs::remove_file(p);
        }
        // Give client tasks a moment to notice the shutdown and release their connections.
        let deadline = Instant::now() + Duration::from_secs(2);
        while shared.clients.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tracing::info!("rvirtd stopped");
    }
}

fn handle_accept(
    shared: &Arc<Shared>,
    accepted: std::io::Result<(UnixStream, tokio::net::unix::SocketAddr)>,
    readonly: bool,
    shutdown: &watch::Receiver<bool>,
) {
    let stream = match accepted {
        Ok((s, _)) => s,
        Err(e) => {
            tracing::warn!("accept failed: {e}");
            return;
        }
    };
    let current = shared.clients.fetch_add(1, Ordering::SeqCst);
    if current >= shared.config.max_clients {
        shared.clients.fetch_sub(1, Ordering::SeqCst);
        tracing::warn!("too many clients ({current}), closing a new connection");
        drop(stream);
        return;
    }
    if let Err(e) = rustix::net::sockopt::set_socket_send_buffer_size(&stream, CLIENT_SEND_BUFFER) {
        tracing::debug!("cannot enlarge a client's send buffer: {e}");
    }
    let id = shared.next_client.fetch_add(1, Ordering::SeqCst);
    tracing::debug!(client = id, readonly, "client connected");
    let shared = shared.clone();
    let shutdown = shutdown.clone();
    tokio::spawn(async move {
        serve_client(&shared, stream, id, readonly, shutdown).await;
        shared.clients.fetch_sub(1, Ordering::SeqCst);
        tracing::debug!(client = id, "client disconnected");
    });
}

async fn serve_client(
    shared: &Arc<Shared>,
    stream: UnixStream,
    id: u64,
    readonly: bool,
    mut shutdown: watch::Receiver<bool>,
) {
    let (mut reader, mut writer) = stream.into_split();
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Outgoing>();
    let (stream_tx, mut stream_rx) = mpsc::channel::<stream::StreamPacket>(STREAM_QUEUE);
    let client = Arc::new(Client::new(
        id,
        readonly,
        shared.opener.clone(),
        shared.inline_test_driver,
        out_tx,
        stream_tx,
    ));
    let (writer_done_tx, mut writer_done) = watch::channel(false);

    let writer_task = tokio::spawn(async move {
        loop {
            let next = tokio::select! {
                biased;
                msg = out_rx.recv() => msg,
                data = stream_rx.recv() => data.map(Outgoing::Stream),
            };
            match next {
                Some(Outgoing::Packet(bytes)) => {
                    if writer.write_all(&bytes).await.is_err() {
                        break;
                    }
                }
                Some(Outgoing::Stream(p)) => {
                    if p.write_to(&mut writer).await.is_err() {
                        break;
                    }
                }
                Some(Outgoing::Close) | None => break,
            }
        }
        let _ = writer.shutdown().await;
        let _ = writer_done_tx.send(true);
    });

    let interval = shared.config.keepalive_interval;
    let tick = Duration::from_secs(u64::try_from(interval).unwrap_or(0).max(1));
    // The first tick is one period away. (`interval` would tick at once, but a timer due
    // "now" still waits for the timer wheel's next millisecond, which delayed the answer to
    // every new connection's first call by about a millisecond.)
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + tick, tick);
    let mut last_rx = Instant::now();
    let mut unanswered: u32 = 0;
    let mut decoder = PacketDecoder::new();
    let requests = Arc::new(Semaphore::new(shared.config.max_client_requests.max(1)));

    'conn: loop {
        tokio::select! {
            // Straight into the decoder: a large payload (stream data) is read into its own
            // buffer, which then travels on without a copy.
            read = reader.read_buf(decoder.read_buffer()) => {
                if matches!(read, Ok(0) | Err(_)) {
                    break 'conn;
                }
                loop {
                    match decoder.next_packet() {
                        Ok(Some(packet)) => {
                            last_rx = Instant::now();
                            unanswered = 0;
                            // At max_client_requests calls in progress, stop reading this
                            // client until one finishes (libvirtd does the same).
                            let is_call = matches!(packet.header.kind, MessageType::Call | MessageType::CallWithFds)
                                && packet.header.prog != KEEPALIVE_PROGRAM;
                            let permit = if is_call {
                                match requests.clone().acquire_owned().await {
                                    Ok(p) => Some(p),
                                    Err(_) => break 'conn,
                                }
                            } else {
                                None
                            };
                            handle_packet(shared, &client, packet, permit).await;
                        }
                        Ok(None) => break,
                        Err(e) => {
                            // The byte stream is out of sync: nothing after this can be trusted.
                            tracing::warn!(client = id, "closing connection: {e}");
                            break 'conn;
                        }
                    }
                }
            }
            // Only once the client asked for keepalive: an armed timer makes every wait for
            // the socket arm a kernel timer too, which costs each call a little latency.
            _ = ticker.tick(), if interval > 0 && client.keepalive_started() => {
                if last_rx.elapsed() >= tick {
                    if unanswered >= shared.config.keepalive_count {
                        tracing::warn!(client = id, "no keepalive answer, closing the connection");
                        break 'conn;
                    }
                    unanswered += 1;
                    if let Ok(ping) = keepalive_packet(keepalive::PING) {
                        client.send(ping);
                    }
                }
            }
            _ = writer_done.changed() => break 'conn,
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break 'conn;
                }
            }
        }
    }
    client.close();
    // Driver cleanup may block: run it on the workers, not on the runtime (the in-memory
    // test driver's does not).
    let cleanup_client = client.clone();
    if client.serves_in_memory()
        || !shared
            .workers
            .submit(Box::new(move || cleanup_client.cleanup()))
    {
        client.cleanup();
    }
    let _ = writer_task.await;
}

fn keepalive_packet(proc_: i32) -> rvirt_proto::xdr::XdrResult<Vec<u8>> {
    let header = Header {
        prog: KEEPALIVE_PROGRAM,
        vers: KEEPALIVE_PROTOCOL_VERSION,
        proc_,
        kind: MessageType::Message,
        serial: 0,
        status: MessageStatus::Ok,
    };
    packet::build_raw(&header, &[])
}

fn error_packet(header: &Header, error: &Error) -> Option<Vec<u8>> {
    packet::build_error_reply(header, &RemoteError::from(error)).ok()
}

fn rpc_error(message: String) -> Error {
    Error::new(ErrorDomain::Rpc, ErrorCode::Rpc, message)
}

/// Routes one packet from a client.
async fn handle_packet(
    shared: &Arc<Shared>,
    client: &Arc<Client>,
    packet: Packet,
    permit: Option<OwnedSemaphorePermit>,
) {
    let h = packet.header;
    if h.prog == KEEPALIVE_PROGRAM {
        if h.kind == MessageType::Message && h.proc_ == keepalive::PING {
            if let Ok(pong) = keepalive_packet(keepalive::PONG) {
                client.send(pong);
            }
        }
        return;
    }
    match h.kind {
        MessageType::Call | MessageType::CallWithFds => {
            handle_call(shared, client, h, packet.payload, permit)
        }
        MessageType::Stream | MessageType::StreamHole => {
            handle_stream_packet(client, &h, packet.payload).await
        }
        // Replies and events from a client mean nothing to the daemon; libvirtd ignores them.
        other => tracing::debug!(client = client.id, "ignoring a {other:?} packet"),
    }
}

fn handle_call(
    shared: &Arc<Shared>,
    client: &Arc<Client>,
    header: Header,
    payload: Vec<u8>,
    permit: Option<OwnedSemaphorePermit>,
) {
    let known_program = (header.prog == REMOTE_PROGRAM && header.vers == REMOTE_PROTOCOL_VERSION)
        || (header.prog == QEMU_PROGRAM && header.vers == QEMU_PROTOCOL_VERSION);
    if !known_program {
        let e = rpc_error(format!(
            "Cannot find program {} version {}",
            header.prog, header.vers
        ));
        if let Some(p) = error_packet(&header, &e) {
            client.send(p);
        }
        return;
    }
    let (priority, info) = if header.prog == REMOTE_PROGRAM {
        match procedures::lookup(header.proc_).filter(|i| !i.is_event()) {
            Some(info) => (info.priority, Some(info)),
            None => {
                let e = rpc_error(format!("unknown procedure: {}", header.proc_));
                if let Some(p) = error_packet(&header, &e) {
                    client.send(p);
                }
                return;
            }
        }
    } else {
        if rvirt_proto::program::qemu::name(header.proc_).is_none() {
            let e = rpc_error(format!("unknown procedure: {}", header.proc_));
            if let Some(p) = error_packet(&header, &e) {
                client.send(p);
            }
            return;
        }
        (Priority::Low, None)
    };
    tracing::debug!(
        client = client.id,
        serial = header.serial,
        procedure = info.map_or("QEMU program call", |i| i.name),
        "call"
    );
    if let Some(info) = info.filter(|info| runs_inline(client, info, &payload)) {
        let _permit = permit;
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            dispatch::dispatch(client, info, &header, &payload)
        }));
        match outcome {
            Ok(outcome) => deliver(client, header, outcome),
            Err(_) => tracing::error!("a driver call panicked"),
        }
        return;
    }
    let job_client = client.clone();
    let job = Box::new(move || {
        // Held until the reply is queued.
        let _permit = permit;
        let outcome = match info {
            Some(info) => dispatch::dispatch(&job_client, info, &header, &payload),
            None => dispatch::dispatch_qemu(&job_client, header.proc_, &payload),
        };
        deliver(&job_client, header, outcome);
    });
    let pool = match (priority, &shared.prio_workers) {
        (Priority::High, Some(prio)) => prio,
        _ => &shared.workers,
    };
    if !pool.submit(job) {
        tracing::warn!(client = client.id, "worker pool stopped; dropping a call");
    }
}

/// Whether a call is answered right on the runtime thread instead of a worker: calls that
/// never block, which is every call on an in-memory test-driver connection (except those
/// opening a stream, whose pumps wait for the socket, and those touching files the client
/// names) and the handshake calls the daemon answers itself. Skipping the hand-off to a worker and back saves two thread wake-ups
/// per call, most of what a cheap call costs.
fn runs_inline(client: &Client, info: &procedures::ProcedureInfo, payload: &[u8]) -> bool {
    use procedures::remote_proc as p;
    match info.number {
        p::AUTH_LIST | p::CONNECT_SUPPORTS_FEATURE | p::CONNECT_CLOSE => true,
        // Opening may read files or start a driver; `test:///default` does neither.
        p::CONNECT_OPEN => {
            client.opener_serves_test_in_memory()
                && rvirt_proto::xdr::from_bytes::<rvirt_proto::remote::ConnectOpenArgs>(payload)
                    .ok()
                    .and_then(|args| args.name)
                    .is_some_and(|name| is_default_test_uri(&name))
        }
        // These read or write a file the client names, which may be a pipe or a slow mount:
        // they must not hold up every other client.
        p::DOMAIN_SAVE
        | p::DOMAIN_SAVE_FLAGS
        | p::DOMAIN_SAVE_PARAMS
        | p::DOMAIN_RESTORE
        | p::DOMAIN_RESTORE_FLAGS
        | p::DOMAIN_RESTORE_PARAMS
        | p::DOMAIN_SAVE_IMAGE_GET_XML_DESC
        | p::DOMAIN_SAVE_IMAGE_DEFINE_XML
        | p::DOMAIN_CORE_DUMP
        | p::DOMAIN_CORE_DUMP_WITH_FORMAT
        | p::DOMAIN_BLOCK_PEEK
        | p::DOMAIN_MEMORY_PEEK => false,
        _ => info.stream().is_none() && client.serves_in_memory(),
    }
}

fn is_default_test_uri(name: &str) -> bool {
    rvirt_core::ConnectUri::parse(name)
        .is_ok_and(|uri| uri.driver == "test" && !uri.is_remote() && uri.path == "/default")
}

/// Sends the reply for a finished call (and starts its stream, if any).
fn deliver(client: &Arc<Client>, header: Header, outcome: Result<Outcome, Error>) {
    let send_reply = |body: dispatch::ReplyBody| match body.into_packet(&header) {
        Ok(p) => {
            client.send(p);
            true
        }
        Err(e) => {
            if let Some(p) = error_packet(
                &header,
                &rpc_error(format!("Unable to encode message payload: {e}")),
            ) {
                client.send(p);
            }
            false
        }
    };
    match outcome {
        Ok(Outcome::Reply(body)) => {
            send_reply(body);
        }
        Ok(Outcome::ReplyThenClose(body)) => {
            send_reply(body);
            client.close();
        }
        Ok(Outcome::Stream {
            reply: body,
            stream: s,
            direction,
        }) => {
            if send_reply(body) {
                stream::start(client, header, s, direction);
            }
        }
        Err(e) => {
            if let Some(p) = error_packet(&header, &e) {
                client.send(p);
            }
        }
    }
}

/// A STREAM packet from the client: data, hole, finish or abort for an open stream.
async fn handle_stream_packet(client: &Arc<Client>, header: &Header, payload: Vec<u8>) {
    let Some(slot) = client.stream(header.serial) else {
        tracing::debug!(
            client = client.id,
            serial = header.serial,
            "stream packet for no open stream"
        );
        return;
    };
    let input = match (header.kind, header.status) {
        (MessageType::Stream, MessageStatus::Continue) => StreamInput::Data(payload),
        (MessageType::StreamHole, _) => {
            match rvirt_proto::xdr::from_bytes::<StreamHole>(&payload) {
                Ok(hole) => StreamInput::Hole(hole.length),
                Err(_) => StreamInput::Abort,
            }
        }
        (MessageType::Stream, MessageStatus::Ok) => StreamInput::Finish,
        _ => StreamInput::Abort,
    };
    let finished = matches!(input, StreamInput::Finish | StreamInput::Abort);
    // Waiting here while the pump is behind keeps this client's data in its socket.
    let delivered = match slot.sender() {
        Some(tx) => tx.send(input).await.is_ok(),
        None => false,
    };
    if !delivered && !finished {
        if let Some(p) = error_packet(header, &stream::no_such_stream()) {
            client.send(p);
        }
    }
}
