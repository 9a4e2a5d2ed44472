//! Starts a private libvirtd (Debian's, 9.0) for one test: its own config and sockets in a
//! temporary directory, and its own mount namespace with a fresh tmpfs on /run/libvirt so
//! its drivers' pid files do not collide with another daemon on the machine. Killed on drop.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test helpers may unwrap

pub mod compare;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub struct Libvirtd {
    child: Child,
    dir: tempfile::TempDir,
    /// The plain TCP port, when started with one.
    pub tcp_port: Option<u16>,
    /// Held while a daemon runs on the host's /run/libvirt (no namespaces available).
    _exclusive: Option<MutexGuard<'static, ()>>,
}

static HOST_DAEMON: Mutex<()> = Mutex::new(());

/// Whether this process may create a mount namespace and mount a tmpfs in it.
fn namespaces_work() -> bool {
    Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c"])
        .arg("mount -t tmpfs tmpfs /run/libvirt")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl Libvirtd {
    /// Starts the daemon, or explains why it cannot (then the caller skips, except in CI).
    pub fn start() -> Result<Libvirtd, String> {
        Self::start_with(false)
    }

    /// Also listens on plain TCP (127.0.0.1, a free port, no authentication).
    pub fn start_with(tcp: bool) -> Result<Libvirtd, String> {
        if !Path::new("/usr/sbin/libvirtd").exists() {
            return Err("libvirtd is not installed (apt-get install libvirt-daemon-system)".into());
        }
        std::fs::create_dir_all("/run/libvirt").map_err(|e| format!("/run/libvirt: {e}"))?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let conf = dir.path().join("libvirtd.conf");
        std::fs::write(
            &conf,
            format!(
                "unix_sock_dir = \"{}\"\nauth_unix_rw = \"none\"\nauth_unix_ro = \"none\"\n\
                 unix_sock_ro_perms = \"0777\"\nkeepalive_interval = 1\nkeepalive_count = 3\n",
                dir.path().display()
            ),
        )
        .map_err(|e| e.to_string())?;
        let tcp_port = if tcp {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map_err(|e| e.to_string())?
                .port();
            let mut text = std::fs::read_to_string(&conf).map_err(|e| e.to_string())?;
            text.push_str(&format!(
                "listen_tcp = 1\nlisten_tls = 0\nauth_tcp = \"none\"\ntcp_port = \"{port}\"\n\
                 listen_addr = \"127.0.0.1\"\n"
            ));
            std::fs::write(&conf, text).map_err(|e| e.to_string())?;
            Some(port)
        } else {
            None
        };
        let args = format!(
            "{} -f '{}' -p '{}' -t 120",
            if tcp { "--listen" } else { "" },
            conf.display(),
            dir.path().join("libvirtd.pid").display()
        );
        let log =
            std::fs::File::create(dir.path().join("libvirtd.log")).map_err(|e| e.to_string())?;
        // Isolated when mount namespaces work; otherwise one daemon at a time, on the host's
        // /run/libvirt (fine where no other libvirtd runs, as in CI containers).
        let (mut command, exclusive) = if namespaces_work() {
            let mut c = Command::new("unshare");
            c.args(["-m", "--propagation", "private", "sh", "-c"])
                .arg(format!(
                    "mount -t tmpfs tmpfs /run/libvirt && exec /usr/sbin/libvirtd {args}"
                ));
            (c, None)
        } else {
            let guard = HOST_DAEMON.lock().unwrap_or_else(|p| p.into_inner());
            let mut c = Command::new("sh");
            c.arg("-c").arg(format!("exec /usr/sbin/libvirtd {args}"));
            (c, Some(guard))
        };
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .map_err(|e| format!("cannot run libvirtd: {e}"))?;
        let mut daemon = Libvirtd {
            child,
            dir,
            tcp_port,
            _exclusive: exclusive,
        };
        let sock = daemon.socket();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !Path::new(&sock).exists() {
            if let Ok(Some(status)) = daemon.child.try_wait() {
                let log = std::fs::read_to_string(daemon.dir.path().join("libvirtd.log"))
                    .unwrap_or_default();
                return Err(format!("libvirtd exited with {status}: {log}"));
            }
            if Instant::now() > deadline {
                return Err("libvirtd did not create its socket within 20 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // The socket exists slightly before the daemon accepts on it.
        std::thread::sleep(Duration::from_millis(200));
        Ok(daemon)
    }

    pub fn socket(&self) -> String {
        self.dir.path().join("libvirt-sock").display().to_string()
    }

    pub fn socket_ro(&self) -> String {
        self.dir
            .path()
            .join("libvirt-sock-ro")
            .display()
            .to_string()
    }

    pub fn test_uri(&self) -> String {
        format!("test+unix:///default?socket={}", self.socket())
    }

    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for Libvirtd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a daemon or decides what to do without one: under CI it is a failure, elsewhere
/// the test prints a note and passes.
pub fn daemon_or_skip(test: &str) -> Option<Libvirtd> {
    daemon_with_or_skip(test, false)
}

/// Like [`daemon_or_skip`], optionally listening on plain TCP too.
pub fn daemon_with_or_skip(test: &str, tcp: bool) -> Option<Libvirtd> {
    match Libvirtd::start_with(tcp) {
        Ok(d) => Some(d),
        Err(why) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{test}: cannot start libvirtd: {why}");
            }
            eprintln!("note: {test} skipped: cannot start libvirtd: {why}");
            None
        }
    }
}
