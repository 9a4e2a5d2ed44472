//! Debian's libvirtd 9.0 started for one test, as the reference rvirt is compared with.
//!
//! The daemon gets its own configuration and sockets in a temporary directory and runs in a
//! private mount namespace: a fresh `/run/libvirt` (so its drivers' pid files and locks do
//! not collide with another libvirtd on the machine) and empty autostart directories (so it
//! starts no networks, pools or guests it finds on the host). It is killed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::prereq::{have_tool, under_ci};

/// How long a daemon may take to answer after it is spawned.
const STARTUP_LIMIT: Duration = Duration::from_secs(30);

/// What a test needs of its libvirtd beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct LibvirtdOptions {
    /// Also listen on plain TCP on 127.0.0.1 (a free port, no authentication).
    pub tcp: bool,
    /// Extra `libvirtd.conf` lines.
    pub extra_conf: String,
    /// Hide the host's persistent storage pools and domains: the daemon sees a copy of
    /// `/etc/libvirt` without them.
    pub private_config: bool,
    /// Exit after this many idle seconds (`-t`), so a daemon a crashed test leaves behind
    /// goes away by itself.
    pub idle_timeout: Option<u32>,
}

/// A running private libvirtd.
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
        .arg("mkdir -p /run/libvirt && mount -t tmpfs tmpfs /run/libvirt")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The shell that prepares the namespace and then becomes libvirtd (`exec`, so the child's
/// pid is the daemon's). `$0` is the state directory.
fn namespace_script(private_config: bool) -> String {
    let mut script = String::from(
        "set -e\n\
         mkdir -p /run/libvirt\n\
         mount -t tmpfs tmpfs /run/libvirt\n",
    );
    if private_config {
        script.push_str(
            "mkdir -p \"$0/etc\"\n\
             cp -a /etc/libvirt/. \"$0/etc/\"\n\
             rm -rf \"$0/etc/storage\" \"$0/etc/qemu/networks/autostart\"\n\
             rm -f \"$0\"/etc/qemu/*.xml\n\
             mount --bind \"$0/etc\" /etc/libvirt\n",
        );
    }
    script.push_str(
        "for d in /etc/libvirt/qemu/autostart /etc/libvirt/qemu/networks/autostart \\\n\
                  /etc/libvirt/storage/autostart; do\n\
             if [ -d \"$d\" ]; then mount -t tmpfs tmpfs \"$d\"; fi\n\
         done\n\
         shift\n\
         exec /usr/sbin/libvirtd \"$@\"\n",
    );
    script
}

impl Libvirtd {
    /// Starts a daemon with the default options.
    pub fn start() -> Result<Libvirtd, String> {
        Self::start_with(&LibvirtdOptions::default())
    }

    /// Starts a daemon and waits until it answers on its socket.
    pub fn start_with(opts: &LibvirtdOptions) -> Result<Libvirtd, String> {
        if !Path::new("/usr/sbin/libvirtd").exists() {
            return Err("libvirtd is not installed (apt-get install libvirt-daemon-system)".into());
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let conf_path = dir.path().join("libvirtd.conf");
        let mut conf = format!(
            "unix_sock_dir = \"{}\"\nauth_unix_rw = \"none\"\nauth_unix_ro = \"none\"\n\
             unix_sock_ro_perms = \"0777\"\n",
            dir.path().display()
        );
        let tcp_port = if opts.tcp {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map_err(|e| e.to_string())?
                .port();
            conf.push_str(&format!(
                "listen_tcp = 1\nlisten_tls = 0\nauth_tcp = \"none\"\ntcp_port = \"{port}\"\n\
                 listen_addr = \"127.0.0.1\"\n"
            ));
            Some(port)
        } else {
            None
        };
        conf.push_str(&opts.extra_conf);
        if !conf.ends_with('\n') {
            conf.push('\n');
        }
        std::fs::write(&conf_path, conf).map_err(|e| e.to_string())?;

        let mut args: Vec<String> = Vec::new();
        if opts.tcp {
            args.push("--listen".into());
        }
        args.extend(["-f".into(), conf_path.display().to_string()]);
        args.extend([
            "-p".into(),
            dir.path().join("libvirtd.pid").display().to_string(),
        ]);
        if let Some(t) = opts.idle_timeout {
            args.extend(["-t".into(), t.to_string()]);
        }

        // Isolated when mount namespaces work; otherwise one daemon at a time on the host's
        // /run/libvirt (fine where no other libvirtd runs, as in CI containers).
        let (mut command, exclusive) = if namespaces_work() {
            let mut c = Command::new("unshare");
            c.args(["-m", "--propagation", "private", "sh", "-c"])
                .arg(namespace_script(opts.private_config))
                .arg(dir.path())
                .arg("libvirtd");
            (c, None)
        } else {
            if opts.private_config {
                return Err("mount namespaces are not available here".into());
            }
            let guard = HOST_DAEMON.lock().unwrap_or_else(|p| p.into_inner());
            std::fs::create_dir_all("/run/libvirt").map_err(|e| format!("/run/libvirt: {e}"))?;
            (Command::new("/usr/sbin/libvirtd"), Some(guard))
        };
        let log =
            std::fs::File::create(dir.path().join("libvirtd.log")).map_err(|e| e.to_string())?;
        let child = command
            .args(&args)
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
        daemon.wait_until_ready()?;
        Ok(daemon)
    }

    /// Waits for the socket, then for the daemon to serve a request on it (the socket
    /// exists slightly before the daemon accepts).
    fn wait_until_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + STARTUP_LIMIT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("libvirtd exited with {status}: {}", self.log()));
            }
            if self.socket().exists() && self.answers() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "libvirtd did not answer within {} s: {}",
                    STARTUP_LIMIT.as_secs(),
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the daemon serves a connection: through virsh when installed, else by the
    /// socket accepting.
    fn answers(&self) -> bool {
        if have_tool("virsh") {
            return Command::new("virsh")
                .args(["-c", &self.test_uri(), "uri"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
        }
        std::os::unix::net::UnixStream::connect(self.socket()).is_ok()
    }

    /// Its read-write socket.
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("libvirt-sock")
    }

    /// Its read-only socket.
    pub fn socket_ro(&self) -> PathBuf {
        self.dir.path().join("libvirt-sock-ro")
    }

    /// `test:///default` through its socket.
    pub fn test_uri(&self) -> String {
        format!("test+unix:///default?socket={}", self.socket().display())
    }

    /// `qemu:///system` through its socket.
    pub fn qemu_uri(&self) -> String {
        format!("qemu+unix:///system?socket={}", self.socket().display())
    }

    /// Its temporary directory (configuration, sockets, log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// What it wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("libvirtd.log")).unwrap_or_default()
    }

    /// Stops the daemon: SIGTERM first, so it shuts its drivers down cleanly, then SIGKILL
    /// after a grace period.
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Libvirtd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a daemon, or decides what to do without one: under CI that is a failure,
/// elsewhere the test prints a note and gets `None`.
pub fn libvirtd_or_skip(test: &str, opts: &LibvirtdOptions) -> Option<Libvirtd> {
    match Libvirtd::start_with(opts) {
        Ok(d) => Some(d),
        Err(why) => {
            assert!(!under_ci(), "{test}: cannot start libvirtd: {why}");
            eprintln!("note: {test} skipped: cannot start libvirtd: {why}");
            None
        }
    }
}
