//! The tiny test guest (`scripts/build-test-guest.sh`: Debian's cloud kernel and a busybox
//! initramfs that prints [`MARKER`] on ttyS0 once it listens for the ACPI power button), and
//! what tests that boot it share: its domain XML, finding its QEMU processes, waiting.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// What the guest prints on its serial console once it is ready.
pub const MARKER: &str = "RVIRT-GUEST-READY";

/// The guest's kernel and initramfs.
#[derive(Debug, Clone)]
pub struct TestGuest {
    pub kernel: PathBuf,
    pub initrd: PathBuf,
}

impl TestGuest {
    /// Builds the guest, or reuses the cached build (`RVIRT_TEST_GUEST_CACHE` names another
    /// cache directory).
    pub fn build() -> Result<TestGuest, String> {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/build-test-guest.sh");
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
        Ok(TestGuest {
            kernel: get("kernel=")?,
            initrd: get("initrd=")?,
        })
    }

    /// A TCG domain booting the guest directly, its serial console logged to `console`, with
    /// `extra_devices` (XML) after the serial port.
    pub fn domain_xml(&self, name: &str, console: &Path, extra_devices: &str) -> String {
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
</domain>
",
            kernel = self.kernel.display(),
            initrd = self.initrd.display(),
            console = console.display(),
        )
    }
}

/// How many times the guest's console log shows [`MARKER`] (once per boot).
pub fn marker_count(console: &Path) -> usize {
    std::fs::read_to_string(console)
        .map(|t| t.matches(MARKER).count())
        .unwrap_or(0)
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

/// Pids of live QEMU processes whose command line names guest `name` (`-name guest=NAME,`).
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

/// Kills any QEMU still running for the named guests when dropped (test cleanup on every
/// exit path, panics included).
pub struct KillOnDrop(pub Vec<String>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        for name in &self.0 {
            for pid in qemu_pids_for(name) {
                let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            }
        }
    }
}
