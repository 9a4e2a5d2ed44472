//! Shared helpers for tests that run real QEMU guests.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The tiny test guest's kernel and initrd.
pub struct Guest {
    pub kernel: PathBuf,
    pub initrd: PathBuf,
}

/// Whether QEMU tests can run here. Under CI (`CI=true`) a missing QEMU fails the test;
/// elsewhere the test prints a note and is skipped.
pub fn qemu_available() -> bool {
    if Path::new("/usr/bin/qemu-system-x86_64").exists() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("qemu-system-x86_64 is missing (apt-get install qemu-system-x86)");
    }
    eprintln!("note: qemu-system-x86_64 is missing; skipping this QEMU test");
    false
}

/// Builds (or reuses) the test guest with scripts/build-test-guest.sh.
pub fn test_guest() -> Guest {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/build-test-guest.sh");
    let mut cmd = std::process::Command::new("sh");
    cmd.arg(&script);
    if let Ok(dir) = std::env::var("RVIRT_TEST_GUEST_CACHE") {
        cmd.arg(dir);
    }
    let out = cmd.output().expect("run build-test-guest.sh");
    assert!(
        out.status.success(),
        "build-test-guest.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let get = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(PathBuf::from)
            .unwrap_or_else(|| panic!("no {key} in {text}"))
    };
    Guest {
        kernel: get("kernel="),
        initrd: get("initrd="),
    }
}

/// Polls `cond` every 50 ms until it holds or `timeout` passes.
pub fn wait_for(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Pids of QEMU processes whose command line names guest `name`.
pub fn qemu_pids_for(name: &str) -> Vec<u32> {
    let wanted = format!("guest={name},");
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmd) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let alive = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| s.rfind(')').map(|p| s[p + 1..].trim_start().chars().next()))
            .flatten()
            .is_some_and(|c| c != 'Z' && c != 'X');
        if alive
            && cmd
                .split(|b| *b == 0)
                .any(|a| a.starts_with(wanted.as_bytes()))
        {
            out.push(pid);
        }
    }
    out
}

/// Kills any QEMU still running for `name` (test cleanup only).
pub struct KillOnDrop(pub Vec<String>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        for name in &self.0 {
            for pid in qemu_pids_for(name) {
                let _ = std::process::Command::new("kill")
                    .arg("-9")
                    .arg(pid.to_string())
                    .status();
            }
        }
    }
}

/// A domain booting the test guest directly, its serial console logged to `console`.
pub fn guest_xml(name: &str, guest: &Guest, console: &Path, extra_devices: &str) -> String {
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
    {extra_devices}
  </devices>
</domain>",
        kernel = guest.kernel.display(),
        initrd = guest.initrd.display(),
        console = console.display(),
    )
}

pub fn file_contains(path: &Path, needle: &str) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.contains(needle))
}
