//! Starting and stopping QEMU processes. A guest's QEMU runs in its own session so it
//! outlives the daemon (and a terminal's signals); while the driver that started it lives, a
//! waiter thread reaps it so no zombie stays behind.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Exit status of a child we reap, shared with whoever waits for it.
#[derive(Debug, Default)]
pub struct ExitSlot {
    status: Mutex<Option<ExitStatus>>,
    changed: Condvar,
}

impl ExitSlot {
    pub fn exited(&self) -> bool {
        self.status.lock().map(|s| s.is_some()).unwrap_or(true)
    }

    /// Waits up to `timeout` for the exit; true when the process has exited.
    pub fn wait(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let Ok(mut guard) = self.status.lock() else {
            return true;
        };
        while guard.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            match self.changed.wait_timeout(guard, left) {
                Ok((g, _)) => guard = g,
                Err(_) => return true,
            }
        }
        true
    }

    fn set(&self, status: Option<ExitStatus>) {
        if let Ok(mut guard) = self.status.lock() {
            *guard = Some(status.unwrap_or_else(|| {
                use std::os::unix::process::ExitStatusExt;
                ExitStatus::from_raw(0)
            }));
        }
        self.changed.notify_all();
    }
}

/// Spawns `argv` in a new session with stdin from /dev/null and stdout/stderr appended to
/// `log`; returns the pid and the slot its exit will be recorded in.
pub fn spawn_detached(argv: &[String], log: &Path) -> std::io::Result<(u32, Arc<ExitSlot>)> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty command"))?;
    let out = File::options().create(true).append(true).open(log)?;
    let err = out.try_clone()?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .env("LC_ALL", "C");
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent; it is the
    // only call made between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn()?;
    let pid = child.id();
    let slot = Arc::new(ExitSlot::default());
    reap_in_background(child, slot.clone());
    Ok((pid, slot))
}

fn reap_in_background(mut child: Child, slot: Arc<ExitSlot>) {
    let spawned = std::thread::Builder::new()
        .name(format!("reap-{}", child.id()))
        .spawn({
            let slot = slot.clone();
            move || {
                let status = child.wait().ok();
                slot.set(status);
            }
        });
    if spawned.is_err() {
        // Without a thread we cannot wait in the background; the process is left to init.
        slot.set(None);
    }
}

/// Whether `pid` is a live (not zombie) process.
pub fn pid_alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the parenthesised command name, which may itself contain ')'.
    match stat.rfind(')') {
        Some(pos) => !matches!(stat[pos + 1..].trim_start().chars().next(), Some('Z' | 'X')),
        None => false,
    }
}

/// Whether `pid` runs a QEMU for the guest `name` (guards against reused pids after a
/// reboot of the host or a stale status file).
pub fn pid_is_guest(pid: u32, name: &str) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let wanted = format!("guest={},", name.replace(',', ",,"));
    cmdline
        .split(|b| *b == 0)
        .any(|arg| arg.starts_with(wanted.as_bytes()))
}

/// Sends `signal` to `pid`; false when the process does not exist.
pub fn send_signal(pid: u32, signal: i32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    // SAFETY: kill has no memory-safety preconditions; a positive pid names one process.
    unsafe { libc::kill(pid, signal) == 0 }
}

/// Terminates `pid`: SIGTERM, then SIGKILL when it is still there after `grace`. Waits
/// (bounded) until it is gone; `slot` is used when we are its parent.
pub fn terminate(pid: u32, slot: Option<&ExitSlot>, grace: Duration) -> bool {
    let gone = |timeout: Duration| -> bool {
        match slot {
            Some(s) => s.wait(timeout),
            None => {
                let deadline = Instant::now() + timeout;
                while pid_alive(pid) {
                    if Instant::now() >= deadline {
                        return false;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                true
            }
        }
    };
    if !send_signal(pid, libc::SIGTERM) && slot.is_none() {
        return true;
    }
    if gone(grace) {
        return true;
    }
    send_signal(pid, libc::SIGKILL);
    gone(Duration::from_secs(5))
}
