//! Starting `rvirtd --root TMP` for a test, and finding the client tools.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a daemon may take to accept connections after it is spawned.
const STARTUP_LIMIT: Duration = Duration::from_secs(20);

/// One `rvirtd --root ROOT` process; stopped with SIGTERM when dropped. Its stderr is
/// appended to `ROOT/rvirtd.log`, so a daemon restarted on the same root keeps one log.
pub struct Daemon {
    child: Option<Child>,
    root: PathBuf,
    /// The root, when the daemon owns a temporary one.
    _tmp: Option<tempfile::TempDir>,
}

impl Daemon {
    /// A daemon on a fresh temporary root.
    pub fn start() -> Daemon {
        Self::start_with_config(None)
    }

    /// A daemon on a fresh temporary root, with `conf` written to `ROOT/etc/rvirtd.conf`.
    pub fn start_with_config(conf: Option<&str>) -> Daemon {
        let tmp = tempfile::tempdir().unwrap();
        if let Some(text) = conf {
            std::fs::create_dir_all(tmp.path().join("etc")).unwrap();
            std::fs::write(tmp.path().join("etc/rvirtd.conf"), text).unwrap();
        }
        let mut daemon = Self::start_at(tmp.path());
        daemon._tmp = Some(tmp);
        daemon
    }

    /// A daemon on `root`, which may hold state of an earlier daemon (one that crashed
    /// leaves its socket files behind, so this waits until the new one accepts).
    pub fn start_at(root: &Path) -> Daemon {
        std::fs::create_dir_all(root).unwrap();
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(root.join("rvirtd.log"))
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_rvirtd"))
            .arg("--root")
            .arg(root)
            .env_remove("LIBVIRT_DEFAULT_URI")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut daemon = Daemon {
            child: Some(child),
            root: root.to_path_buf(),
            _tmp: None,
        };
        let deadline = Instant::now() + STARTUP_LIMIT;
        while !(daemon.ro_socket().exists()
            && std::os::unix::net::UnixStream::connect(daemon.socket()).is_ok())
        {
            assert!(
                daemon.is_running() && Instant::now() < deadline,
                "rvirtd did not accept on {}; log:\n{}",
                daemon.socket().display(),
                daemon.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        daemon
    }

    /// Its `--root`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// What the daemon wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("rvirtd.log")).unwrap_or_default()
    }

    pub fn socket(&self) -> PathBuf {
        self.root.join("run/libvirt-sock")
    }

    pub fn ro_socket(&self) -> PathBuf {
        self.root.join("run/libvirt-sock-ro")
    }

    /// `test+unix:///default?socket=...` for the read-write socket.
    pub fn uri(&self) -> String {
        format!("test+unix:///default?socket={}", self.socket().display())
    }

    pub fn ro_uri(&self) -> String {
        format!("test+unix:///default?socket={}", self.ro_socket().display())
    }

    /// `qemu+unix:///system?socket=...` for the read-write socket.
    pub fn qemu_uri(&self) -> String {
        format!("qemu+unix:///system?socket={}", self.socket().display())
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// Whether the process still runs.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// SIGKILL, as a crash: the daemon gets no chance to clean up.
    pub fn kill_hard(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM and waits; returns whether it exited successfully.
    pub fn stop(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return true;
        };
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return status.success();
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

fn tool_works(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether a tool the test needs is present; under CI a missing tool fails the test.
pub fn require(what: &str, present: bool) -> bool {
    if !present {
        rvirt_testkit::skip_or_fail(&format!("{what} is not installed"));
    }
    present
}

pub fn have_virsh() -> bool {
    require(
        "virsh (libvirt-clients)",
        tool_works("virsh", &["--version"]),
    )
}

pub const PYTHON: &str = "/usr/bin/python3";

pub fn have_python_libvirt() -> bool {
    require(
        "/usr/bin/python3 with the libvirt module (python3-libvirt)",
        tool_works(PYTHON, &["-c", "import libvirt"]),
    )
}

/// Runs a python script with arguments; returns (stdout, stderr, success).
pub fn run_python(script: &Path, args: &[&str]) -> (String, String, bool) {
    let out = Command::new(PYTHON)
        .arg(script)
        .args(args)
        .env_remove("LIBVIRT_DEFAULT_URI")
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

/// The crate's test directory.
pub fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// A client speaking the wire protocol directly, for malformed input and keepalive tests.
pub struct RawClient {
    pub stream: std::os::unix::net::UnixStream,
    serial: u32,
}

impl RawClient {
    pub fn connect(path: &Path) -> RawClient {
        let stream = std::os::unix::net::UnixStream::connect(path).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        RawClient { stream, serial: 0 }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        use std::io::Write;
        let _ = self.stream.write_all(bytes);
    }

    /// Sends a call of the remote program with an already encoded payload.
    pub fn send_call(&mut self, prog: u32, vers: u32, proc_: i32, payload: &[u8]) -> u32 {
        self.serial += 1;
        let header = rvirt_proto::Header::call(prog, vers, proc_, self.serial);
        let bytes = rvirt_proto::packet::build_raw(&header, payload).unwrap();
        self.send_raw(&bytes);
        self.serial
    }

    /// The next packet, or `None` when the daemon closed the connection.
    pub fn recv(&mut self) -> Option<rvirt_proto::Packet> {
        rvirt_proto::packet::read_packet(&mut self.stream).ok()
    }

    /// The next reply, skipping keepalive and event messages.
    pub fn recv_reply(&mut self) -> Option<rvirt_proto::Packet> {
        loop {
            let p = self.recv()?;
            if p.header.kind == rvirt_proto::MessageType::Reply {
                return Some(p);
            }
        }
    }

    /// A remote-program call with typed arguments; the reply packet.
    pub fn call<C: rvirt_proto::calls::RemoteCall>(
        &mut self,
        args: &C::Args,
    ) -> Option<rvirt_proto::Packet> {
        let payload = rvirt_proto::xdr::to_bytes(args).unwrap();
        self.send_call(
            rvirt_proto::program::REMOTE_PROGRAM,
            rvirt_proto::program::REMOTE_PROTOCOL_VERSION,
            C::PROC,
            &payload,
        );
        self.recv_reply()
    }

    /// AUTH_LIST and CONNECT_OPEN(`test:///default`), as clients begin.
    pub fn open(&mut self) {
        use rvirt_proto::calls::*;
        let auth = self.call::<AuthList>(&()).unwrap();
        decode_reply::<AuthList>(&auth).unwrap();
        let open = self
            .call::<ConnectOpen>(&rvirt_proto::remote::ConnectOpenArgs {
                name: Some("test:///default".to_string()),
                flags: 0,
            })
            .unwrap();
        decode_reply::<ConnectOpen>(&open).unwrap();
    }

    /// The daemon closed the connection (EOF or reset) within the read timeout; anything it
    /// sends before closing is skipped.
    pub fn is_closed(&mut self) -> bool {
        use std::io::Read;
        let mut buf = [0u8; 4096];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) => {
                    return !matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    )
                }
            }
        }
    }
}
