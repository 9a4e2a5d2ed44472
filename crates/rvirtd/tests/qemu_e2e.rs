//! End to end: Debian's `virsh` drives a real QEMU guest through `rvirtd`, including a daemon
//! crash (`kill -9`) and a new daemon taking the running guest over.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const MARKER: &str = "RVIRT-GUEST-READY";
const BOOT_TIMEOUT: Duration = Duration::from_secs(90);
const SOCKET_TIMEOUT: Duration = Duration::from_secs(20);

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Under CI a missing prerequisite fails the test; elsewhere it is skipped with a note.
fn prerequisite_missing(what: &str) -> bool {
    if in_ci() {
        panic!("{what}");
    }
    eprintln!("note: {what}; skipping the QEMU end-to-end test");
    true
}

fn tool_exists(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()))
        || Path::new("/usr/bin").join(name).is_file()
}

struct Guest {
    kernel: PathBuf,
    initrd: PathBuf,
}

fn build_test_guest() -> Result<Guest, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/build-test-guest.sh");
    let mut cmd = Command::new("sh");
    cmd.arg(&script);
    if let Ok(dir) = std::env::var("RVIRT_TEST_GUEST_CACHE") {
        cmd.arg(dir);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "build-test-guest.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let get = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(PathBuf::from)
            .ok_or_else(|| format!("build-test-guest.sh printed no {key}: {text}"))
    };
    Ok(Guest {
        kernel: get("kernel=")?,
        initrd: get("initrd=")?,
    })
}

fn guest_xml(name: &str, guest: &Guest, console: &Path) -> String {
    format!(
        "<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>console=ttyS0</cmdline>
  </os>
  <features><acpi/></features>
  <devices>
    <serial type='file'>
      <source path='{console}'/>
    </serial>
  </devices>
</domain>
",
        kernel = guest.kernel.display(),
        initrd = guest.initrd.display(),
        console = console.display(),
    )
}

/// Polls `cond` every 100 ms until it holds or `timeout` passes.
fn wait_for(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn marker_count(console: &Path) -> usize {
    std::fs::read_to_string(console)
        .map(|t| t.matches(MARKER).count())
        .unwrap_or(0)
}

/// One `rvirtd --root ROOT` process; its stderr is appended to `ROOT/rvirtd-N.log`.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn start(root: &Path, generation: u32) -> Daemon {
        let log = root.join(format!("rvirtd-{generation}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_rvirtd"))
            .arg("--root")
            .arg(root)
            .env_remove("LIBVIRT_DEFAULT_URI")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut daemon = Daemon { child, log };
        // A crashed daemon leaves its socket file behind, so wait until it accepts.
        let socket = root.join("run/libvirt-sock");
        let up = wait_for(SOCKET_TIMEOUT, || {
            matches!(daemon.child.try_wait(), Ok(None)) && UnixStream::connect(&socket).is_ok()
        });
        assert!(
            up,
            "rvirtd did not accept on {} within {SOCKET_TIMEOUT:?}; log:\n{}",
            socket.display(),
            daemon.log_text()
        );
        daemon
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn kill_hard(&mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }
}

/// `virsh -c URI` against the test root.
struct Virsh {
    uri: String,
}

struct VirshOutput {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Virsh {
    fn run(&self, args: &[&str]) -> VirshOutput {
        let out = Command::new("virsh")
            .arg("-q")
            .arg("-c")
            .arg(&self.uri)
            .args(args)
            .env_remove("LIBVIRT_DEFAULT_URI")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        VirshOutput {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).trim().to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        }
    }

    /// Runs a command that must succeed; returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.ok,
            "virsh {} failed: {}\n{}",
            args.join(" "),
            out.stderr,
            out.stdout
        );
        out.stdout
    }

    fn domstate(&self, name: &str) -> String {
        self.ok(&["domstate", name])
    }

    fn domstate_reason(&self, name: &str) -> String {
        self.ok(&["domstate", "--reason", name])
    }

    /// Polls `domstate --reason` until it equals `want`; panics with the last state if not.
    fn wait_state_reason(&self, name: &str, want: &str, timeout: Duration) {
        let mut last = String::new();
        let reached = wait_for(timeout, || {
            let out = self.run(&["domstate", "--reason", name]);
            last = if out.ok { out.stdout } else { out.stderr };
            last == want
        });
        assert!(
            reached,
            "domain {name} did not reach '{want}' within {timeout:?}; last: '{last}'"
        );
    }
}

/// Cleanup on every exit path: the guest through virsh, then the daemon, then any QEMU left.
struct Cleanup {
    virsh: Virsh,
    name: String,
    daemon: Option<Daemon>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(daemon) = self.daemon.as_mut() {
            if std::thread::panicking() {
                eprintln!("rvirtd log:\n{}", daemon.log_text());
            }
            if matches!(daemon.child.try_wait(), Ok(None)) {
                let _ = self.virsh.run(&["destroy", &self.name]);
                let _ = self.virsh.run(&["undefine", &self.name]);
            }
            daemon.kill_hard();
        }
        for pid in qemu_pids_naming(&self.name) {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
    }
}

/// Live processes named `qemu-system*` whose command line mentions `name`.
fn qemu_pids_naming(name: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let is_qemu = args.first().is_some_and(|a| {
            a.rsplit('/')
                .next()
                .is_some_and(|b| b.starts_with("qemu-system"))
        });
        if is_qemu && args.iter().any(|a| a.contains(name)) {
            pids.push(pid);
        }
    }
    pids
}

fn wait_for_boot(console: &Path, count: usize, what: &str) {
    assert!(
        wait_for(BOOT_TIMEOUT, || marker_count(console) >= count),
        "{what}: marker #{count} not in {} within {BOOT_TIMEOUT:?}; console:\n{}",
        console.display(),
        std::fs::read_to_string(console).unwrap_or_default()
    );
}

#[test]
fn virsh_drives_a_qemu_guest_through_rvirtd() {
    if !Path::new("/usr/bin/qemu-system-x86_64").exists() && !tool_exists("qemu-system-x86_64") {
        prerequisite_missing("qemu-system-x86_64 is missing (apt-get install qemu-system-x86)");
        return;
    }
    if !tool_exists("virsh") {
        prerequisite_missing("virsh is missing (apt-get install libvirt-clients)");
        return;
    }
    let guest = match build_test_guest() {
        Ok(guest) => guest,
        Err(e) => {
            prerequisite_missing(&e);
            return;
        }
    };

    let started = Instant::now();
    let step = |what: &str| eprintln!("[{:>6.1}s] {what}", started.elapsed().as_secs_f64());

    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    let name = format!("rvirt-e2e-{}", std::process::id());
    let console = tmp.path().join("console.log");
    let xml_path = tmp.path().join("guest.xml");
    std::fs::write(&xml_path, guest_xml(&name, &guest, &console)).unwrap();

    let virsh = Virsh {
        uri: format!(
            "qemu+unix:///system?socket={}",
            root.join("run/libvirt-sock").display()
        ),
    };
    let mut cleanup = Cleanup {
        virsh: Virsh {
            uri: virsh.uri.clone(),
        },
        name: name.clone(),
        daemon: Some(Daemon::start(&root, 1)),
    };
    step("rvirtd up");

    // 1. define + start, the guest boots.
    virsh.ok(&["define", xml_path.to_str().unwrap()]);
    virsh.ok(&["start", &name]);
    assert_eq!(virsh.domstate(&name), "running");
    wait_for_boot(&console, 1, "first start");
    step("guest booted");

    // 2. suspend / resume.
    virsh.ok(&["suspend", &name]);
    assert_eq!(virsh.domstate(&name), "paused");
    virsh.ok(&["resume", &name]);
    assert_eq!(virsh.domstate(&name), "running");
    step("suspend/resume done");

    // 3. reboot: the guest powers off on the ACPI button and the daemon boots it again.
    virsh.ok(&["reboot", &name]);
    wait_for_boot(&console, 2, "reboot");
    assert_eq!(virsh.domstate(&name), "running");
    step("reboot; booted again");

    // 4. ACPI shutdown ends in 'shut off (shutdown)'.
    virsh.ok(&["shutdown", &name]);
    virsh.wait_state_reason(&name, "shut off (shutdown)", BOOT_TIMEOUT);
    step("shut down");

    // 5. start again, then destroy: shut off as soon as destroy returns.
    // QEMU truncates the serial log file on every start, so each start counts from zero.
    let _ = std::fs::remove_file(&console);
    virsh.ok(&["start", &name]);
    wait_for_boot(&console, 1, "second start");
    let destroy_began = Instant::now();
    virsh.ok(&["destroy", &name]);
    let destroy_took = destroy_began.elapsed();
    assert_eq!(virsh.domstate(&name), "shut off");
    assert_eq!(virsh.domstate_reason(&name), "shut off (destroyed)");
    step(&format!("destroyed (virsh destroy took {destroy_took:?})"));

    // 6. start again; the daemon crashes; a new daemon takes the running guest over.
    let _ = std::fs::remove_file(&console);
    virsh.ok(&["start", &name]);
    wait_for_boot(&console, 1, "third start");
    let qemu_before = qemu_pids_naming(&name);
    assert_eq!(qemu_before.len(), 1, "one QEMU for {name}: {qemu_before:?}");
    cleanup.daemon.as_mut().unwrap().kill_hard();
    step("rvirtd killed with SIGKILL");
    cleanup.daemon = Some(Daemon::start(&root, 2));
    step("new rvirtd up");
    assert_eq!(virsh.domstate(&name), "running");
    assert_eq!(
        qemu_pids_naming(&name),
        qemu_before,
        "the new daemon must keep the same QEMU"
    );
    let dominfo = virsh.ok(&["dominfo", &name]);
    assert!(
        dominfo
            .lines()
            .any(|l| l.starts_with("State:") && l.ends_with("running")),
        "dominfo after takeover:\n{dominfo}"
    );
    let memstat = virsh.ok(&["dommemstat", &name]);
    assert!(
        memstat.lines().any(|l| l.starts_with("actual ")),
        "dommemstat after takeover:\n{memstat}"
    );
    virsh.ok(&["shutdown", &name]);
    virsh.wait_state_reason(&name, "shut off (shutdown)", BOOT_TIMEOUT);
    assert!(
        wait_for(Duration::from_secs(30), || qemu_pids_naming(&name)
            .is_empty()),
        "QEMU still running after shutdown"
    );
    step("shut down through the new daemon");

    virsh.ok(&["undefine", &name]);
    step("undefined; done");
}
