//! End to end: Debian's `virsh` drives a real QEMU guest through `rvirtd`, including a daemon
//! crash (`kill -9`) and a new daemon taking the running guest over.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Daemon;
use rvirt_testkit::{have_tool, marker_count, qemu_pids_for, skip_or_fail, wait_for, TestGuest};

const BOOT_TIMEOUT: Duration = Duration::from_secs(90);

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
                eprintln!("rvirtd log:\n{}", daemon.log());
            }
            if daemon.is_running() {
                let _ = self.virsh.run(&["destroy", &self.name]);
                let _ = self.virsh.run(&["undefine", &self.name]);
            }
            daemon.kill_hard();
        }
        for pid in qemu_pids_for(&self.name) {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
    }
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
    if !have_tool("qemu-system-x86_64") {
        return skip_or_fail("qemu-system-x86_64 (apt-get install qemu-system-x86)");
    }
    if !have_tool("virsh") {
        return skip_or_fail("virsh (apt-get install libvirt-clients)");
    }
    let guest = match TestGuest::build() {
        Ok(guest) => guest,
        Err(e) => return skip_or_fail(&e),
    };

    let started = Instant::now();
    let step = |what: &str| eprintln!("[{:>6.1}s] {what}", started.elapsed().as_secs_f64());

    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    let name = format!("rvirt-e2e-{}", std::process::id());
    let console = tmp.path().join("console.log");
    let xml_path = tmp.path().join("guest.xml");
    std::fs::write(&xml_path, guest.domain_xml(&name, &console, "")).unwrap();

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
        daemon: Some(Daemon::start_at(&root)),
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
    let qemu_before = qemu_pids_for(&name);
    assert_eq!(qemu_before.len(), 1, "one QEMU for {name}: {qemu_before:?}");
    cleanup.daemon.as_mut().unwrap().kill_hard();
    step("rvirtd killed with SIGKILL");
    cleanup.daemon = Some(Daemon::start_at(&root));
    step("new rvirtd up");
    assert_eq!(virsh.domstate(&name), "running");
    assert_eq!(
        qemu_pids_for(&name),
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
        wait_for(Duration::from_secs(30), || qemu_pids_for(&name).is_empty()),
        "QEMU still running after shutdown"
    );
    step("shut down through the new daemon");

    virsh.ok(&["undefine", &name]);
    step("undefined; done");
}
