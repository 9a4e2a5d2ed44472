//! A QMP client: one unix-socket connection, a reader thread that routes replies to the
//! waiting caller (matched by `id`) and hands asynchronous events to a callback, and a
//! callback for end of file (QEMU exited or closed the monitor). Every wait is bounded.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// An asynchronous QMP event.
#[derive(Debug, Clone, PartialEq)]
pub struct QmpEvent {
    pub name: String,
    pub data: Value,
}

/// Why a command failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QmpError {
    /// QEMU answered with an error (`class`, `desc`).
    Command { class: String, desc: String },
    /// The connection failed or closed.
    Io(String),
    /// No answer in time.
    Timeout,
}

impl std::fmt::Display for QmpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QmpError::Command { desc, .. } => f.write_str(desc),
            QmpError::Io(e) => write!(f, "monitor connection failed: {e}"),
            QmpError::Timeout => f.write_str("timed out waiting for the monitor"),
        }
    }
}

pub type EventHandler = Box<dyn Fn(QmpEvent) + Send + Sync>;
pub type EofHandler = Box<dyn FnOnce() + Send>;

type Reply = Result<Value, QmpError>;

struct Shared {
    pending: Mutex<HashMap<u64, Sender<Reply>>>,
    closed: Mutex<bool>,
}

/// A connected, negotiated QMP monitor.
pub struct QmpClient {
    writer: Mutex<UnixStream>,
    shared: Arc<Shared>,
    next_id: AtomicU64,
    /// The version QEMU announced in its greeting.
    pub greeting: Value,
}

impl std::fmt::Debug for QmpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QmpClient").finish_non_exhaustive()
    }
}

/// Default bound for one command's answer.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

impl QmpClient {
    /// Connects to `path` (retrying until `deadline` while the socket does not exist yet or
    /// refuses), reads the greeting and negotiates capabilities.
    pub fn connect(
        path: &Path,
        deadline: Instant,
        mut alive: impl FnMut() -> bool,
        on_event: EventHandler,
        on_eof: EofHandler,
    ) -> Result<QmpClient, QmpError> {
        let stream = loop {
            match UnixStream::connect(path) {
                Ok(s) => break s,
                Err(e) => {
                    if Instant::now() >= deadline {
                        return Err(QmpError::Timeout);
                    }
                    if !alive() {
                        return Err(QmpError::Io(e.to_string()));
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        };
        let remaining = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(100));
        stream.set_read_timeout(Some(remaining)).map_err(io)?;
        let mut reader = BufReader::new(stream.try_clone().map_err(io)?);
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(io)? == 0 {
            return Err(QmpError::Io("monitor closed before greeting".into()));
        }
        let greeting: Value =
            serde_json::from_str(&line).map_err(|e| QmpError::Io(format!("bad greeting: {e}")))?;
        if greeting.get("QMP").is_none() {
            return Err(QmpError::Io(format!(
                "unexpected greeting: {}",
                line.trim()
            )));
        }
        reader.get_ref().set_read_timeout(None).map_err(io)?;
        let shared = Arc::new(Shared {
            pending: Mutex::new(HashMap::new()),
            closed: Mutex::new(false),
        });
        let thread_shared = shared.clone();
        std::thread::Builder::new()
            .name("qmp-reader".into())
            .spawn(move || read_loop(reader, thread_shared, on_event, on_eof))
            .map_err(io)?;
        let client = QmpClient {
            writer: Mutex::new(stream),
            shared,
            next_id: AtomicU64::new(1),
            greeting,
        };
        client.execute("qmp_capabilities", None)?;
        Ok(client)
    }

    /// Runs one command and waits (bounded) for its answer.
    pub fn execute(&self, command: &str, arguments: Option<Value>) -> Result<Value, QmpError> {
        self.execute_timeout(command, arguments, COMMAND_TIMEOUT)
    }

    pub fn execute_timeout(
        &self,
        command: &str,
        arguments: Option<Value>,
        timeout: Duration,
    ) -> Result<Value, QmpError> {
        self.send_and_wait(command, arguments, None, timeout)
    }

    /// Runs a command that takes a file descriptor along (`getfd`, `add-fd`), passed with
    /// `SCM_RIGHTS` in the same message.
    pub fn execute_with_fd(
        &self,
        command: &str,
        arguments: Option<Value>,
        fd: std::os::unix::io::RawFd,
    ) -> Result<Value, QmpError> {
        self.send_and_wait(command, arguments, Some(fd), COMMAND_TIMEOUT)
    }

    fn send_and_wait(
        &self,
        command: &str,
        arguments: Option<Value>,
        fd: Option<std::os::unix::io::RawFd>,
        timeout: Duration,
    ) -> Result<Value, QmpError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = channel();
        {
            if *lock(&self.shared.closed) {
                return Err(QmpError::Io("monitor closed".into()));
            }
            lock(&self.shared.pending).insert(id, tx);
        }
        let mut msg = json!({ "execute": command, "id": id });
        if let Some(args) = arguments {
            msg["arguments"] = args;
        }
        let mut text = msg.to_string();
        text.push('\n');
        let written = {
            let mut w = lock(&self.writer);
            match fd {
                Some(fd) => send_with_fd(&w, text.as_bytes(), fd),
                None => w.write_all(text.as_bytes()),
            }
        };
        if let Err(e) = written {
            lock(&self.shared.pending).remove(&id);
            return Err(io(e));
        }
        match rx.recv_timeout(timeout) {
            Ok(reply) => reply,
            Err(_) => {
                lock(&self.shared.pending).remove(&id);
                Err(if *lock(&self.shared.closed) {
                    QmpError::Io("monitor closed".into())
                } else {
                    QmpError::Timeout
                })
            }
        }
    }

    /// Closes the connection; the reader thread then reports end of file.
    pub fn close(&self) {
        let _ = lock(&self.writer).shutdown(std::net::Shutdown::Both);
    }
}

impl Drop for QmpClient {
    fn drop(&mut self) {
        self.close();
    }
}

fn read_loop(
    reader: BufReader<UnixStream>,
    shared: Arc<Shared>,
    on_event: EventHandler,
    on_eof: EofHandler,
) {
    for line in reader.lines() {
        let Ok(line) = line else { break };
        let Ok(msg) = serde_json::from_str::<Value>(&line) else {
            tracing::warn!("unparsable QMP line: {line}");
            continue;
        };
        if let Some(name) = msg.get("event").and_then(Value::as_str) {
            on_event(QmpEvent {
                name: name.to_string(),
                data: msg.get("data").cloned().unwrap_or(Value::Null),
            });
            continue;
        }
        let Some(id) = msg.get("id").and_then(Value::as_u64) else {
            continue;
        };
        let reply = if let Some(ret) = msg.get("return") {
            Ok(ret.clone())
        } else if let Some(err) = msg.get("error") {
            Err(QmpError::Command {
                class: err
                    .get("class")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                desc: err
                    .get("desc")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            })
        } else {
            continue;
        };
        if let Some(tx) = lock(&shared.pending).remove(&id) {
            let _ = tx.send(reply);
        }
    }
    *lock(&shared.closed) = true;
    for (_, tx) in lock(&shared.pending).drain() {
        let _ = tx.send(Err(QmpError::Io("monitor closed".into())));
    }
    on_eof();
}

/// Writes `data` with one descriptor attached (`SCM_RIGHTS`); QEMU takes it with the
/// command in that message.
fn send_with_fd(
    stream: &UnixStream,
    data: &[u8],
    fd: std::os::unix::io::RawFd,
) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    let fd_size = std::mem::size_of::<std::os::unix::io::RawFd>() as u32;
    // SAFETY: CMSG_SPACE only computes a size.
    let space = unsafe { libc::CMSG_SPACE(fd_size) } as usize;
    let mut control = vec![0u8; space];
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    // SAFETY: msghdr is plain data; zeroed is a valid empty header that is filled below.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr() as *mut libc::c_void;
    msg.msg_controllen = space as _;
    // SAFETY: msg points at `control`, which is CMSG_SPACE(sizeof fd) bytes long, so the
    // first header and its data (one descriptor) lie inside it.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        if cmsg.is_null() {
            return Err(std::io::Error::other("no room for the descriptor"));
        }
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(fd_size) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(cmsg) as *mut std::os::unix::io::RawFd, fd);
    }
    // SAFETY: every pointer in msg refers to live buffers (data, iov, control) for the call.
    let sent = unsafe { libc::sendmsg(stream.as_raw_fd(), &msg, 0) };
    if sent < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let sent = sent as usize;
    if sent < data.len() {
        // The descriptor went with the first bytes; the rest is ordinary data.
        (&*stream).write_all(&data[sent..])?;
    }
    Ok(())
}

fn io(e: std::io::Error) -> QmpError {
    QmpError::Io(e.to_string())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
