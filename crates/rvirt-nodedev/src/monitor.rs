//! Hotplug: a `NETLINK_KOBJECT_UEVENT` listener that feeds kernel device events into the
//! driver (which updates its list and emits node device lifecycle events).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::driver::NodeDevDriver;

/// The kernel's own uevent multicast group.
const KERNEL_GROUP: u32 = 1;
/// udevd re-broadcasts each event here once its rules ran and its database is written;
/// libvirt listens here, so device properties from the database are complete.
const UDEV_GROUP: u32 = 2;
/// Start of udevd's messages (`struct udev_monitor_netlink_header`).
const UDEV_PREFIX: &[u8] = b"libudev\0";

/// One parsed uevent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uevent {
    pub action: String,
    pub devpath: String,
    pub devpath_old: Option<String>,
    pub subsystem: Option<String>,
}

/// Parses a uevent datagram: the kernel's `action@devpath\0KEY=VALUE\0...`, or udevd's
/// binary header followed by the same `KEY=VALUE` list.
pub fn parse_uevent(buf: &[u8]) -> Option<Uevent> {
    if buf.starts_with(UDEV_PREFIX) {
        let word = |at: usize| -> Option<usize> {
            let b: [u8; 4] = buf.get(at..at + 4)?.try_into().ok()?;
            Some(u32::from_ne_bytes(b) as usize)
        };
        let (off, len) = (word(16)?, word(20)?);
        let props = buf.get(off..off.checked_add(len)?)?;
        return parse_fields(props.split(|b| *b == 0).filter(|f| !f.is_empty()), None);
    }
    let mut fields = buf.split(|b| *b == 0).filter(|f| !f.is_empty());
    let header = std::str::from_utf8(fields.next()?).ok()?;
    header.split_once('@')?;
    parse_fields(fields, Some(header))
}

fn parse_fields<'a>(
    fields: impl Iterator<Item = &'a [u8]>,
    header: Option<&str>,
) -> Option<Uevent> {
    let mut ev = Uevent {
        action: String::new(),
        devpath: String::new(),
        devpath_old: None,
        subsystem: None,
    };
    for f in fields {
        let Ok(text) = std::str::from_utf8(f) else {
            continue;
        };
        if let Some((k, v)) = text.split_once('=') {
            match k {
                "ACTION" => ev.action = v.to_string(),
                "DEVPATH" => ev.devpath = v.to_string(),
                "DEVPATH_OLD" => ev.devpath_old = Some(v.to_string()),
                "SUBSYSTEM" => ev.subsystem = Some(v.to_string()),
                _ => {}
            }
        }
    }
    if ev.action.is_empty() || ev.devpath.is_empty() {
        let (action, devpath) = header?.split_once('@')?;
        ev.action = action.to_string();
        ev.devpath = devpath.to_string();
    }
    Some(ev)
}

/// A netlink uevent socket, closed on drop.
struct UeventSocket(libc::c_int);

impl UeventSocket {
    fn open(group: u32) -> std::io::Result<Self> {
        // SAFETY: socket(2) with constant arguments; the result is checked.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
                libc::NETLINK_KOBJECT_UEVENT,
            )
        };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let sock = UeventSocket(fd);
        // SAFETY: sockaddr_nl is plain old data; all-zero is valid before filling it in.
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        addr.nl_groups = group;
        // SAFETY: addr is a valid sockaddr_nl and the length passed is its size.
        let rc = unsafe {
            libc::bind(
                fd,
                &addr as *const libc::sockaddr_nl as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // Wake up regularly so the thread notices when it is asked to stop.
        let tv = libc::timeval {
            tv_sec: 0,
            tv_usec: 200_000,
        };
        // SAFETY: tv is a valid timeval and the length passed is its size.
        unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                &tv as *const libc::timeval as *const libc::c_void,
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            );
        }
        let bufsize: libc::c_int = 4 * 1024 * 1024;
        // SAFETY: bufsize is a valid c_int and the length passed is its size.
        unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_RCVBUFFORCE,
                &bufsize as *const libc::c_int as *const libc::c_void,
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
        Ok(sock)
    }

    /// One datagram, or `None` on timeout.
    fn recv(&self, buf: &mut [u8]) -> std::io::Result<Option<usize>> {
        // SAFETY: buf is a valid writable buffer of buf.len() bytes.
        let n = unsafe { libc::recv(self.0, buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            let err = std::io::Error::last_os_error();
            return match err.kind() {
                std::io::ErrorKind::WouldBlock
                | std::io::ErrorKind::TimedOut
                | std::io::ErrorKind::Interrupted => Ok(None),
                _ if err.raw_os_error() == Some(libc::ENOBUFS) => Ok(None),
                _ => Err(err),
            };
        }
        Ok(Some(n as usize))
    }
}

impl Drop for UeventSocket {
    fn drop(&mut self) {
        // SAFETY: the fd was opened by `open` and is closed exactly once here.
        unsafe {
            libc::close(self.0);
        }
    }
}

/// A running hotplug listener; stops (and joins its thread) on drop.
pub struct HotplugMonitor {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for HotplugMonitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HotplugMonitor").finish_non_exhaustive()
    }
}

impl HotplugMonitor {
    /// Starts listening; the socket is bound before this returns, so events for devices
    /// created afterwards are not missed.
    pub fn start(driver: NodeDevDriver) -> std::io::Result<Self> {
        // With udevd running, take its processed events (as libvirt does); else the kernel's.
        let group = if driver.sysfs().exists("/run/udev/control") {
            UDEV_GROUP
        } else {
            KERNEL_GROUP
        };
        let sock = UeventSocket::open(group)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::Builder::new()
            .name("rvirt-nodedev-uevent".into())
            .spawn(move || {
                let mut buf = vec![0u8; 16 * 1024];
                while !stop2.load(Ordering::Relaxed) {
                    match sock.recv(&mut buf) {
                        Ok(Some(n)) => {
                            if let Some(ev) = parse_uevent(&buf[..n]) {
                                driver.handle_uevent(
                                    &ev.action,
                                    &ev.devpath,
                                    ev.devpath_old.as_deref(),
                                );
                            }
                        }
                        Ok(None) => {}
                        Err(_) => break,
                    }
                }
            })?;
        Ok(HotplugMonitor {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops the listener and waits for its thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for HotplugMonitor {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kernel_messages() {
        let msg = b"add@/devices/virtual/net/x0\0ACTION=add\0DEVPATH=/devices/virtual/net/x0\0SUBSYSTEM=net\0INTERFACE=x0\0";
        let ev = parse_uevent(msg).unwrap();
        assert_eq!(ev.action, "add");
        assert_eq!(ev.devpath, "/devices/virtual/net/x0");
        assert_eq!(ev.subsystem.as_deref(), Some("net"));
    }

    #[test]
    fn parses_udev_messages() {
        let props = b"ACTION=remove\0DEVPATH=/devices/virtual/net/x0\0SUBSYSTEM=net\0";
        let mut msg = Vec::new();
        msg.extend_from_slice(b"libudev\0");
        msg.extend_from_slice(&0xfeedcafe_u32.to_be_bytes());
        msg.extend_from_slice(&40u32.to_ne_bytes());
        msg.extend_from_slice(&40u32.to_ne_bytes());
        msg.extend_from_slice(&(props.len() as u32).to_ne_bytes());
        msg.resize(40, 0);
        msg.extend_from_slice(props);
        let ev = parse_uevent(&msg).unwrap();
        assert_eq!(ev.action, "remove");
        assert_eq!(ev.devpath, "/devices/virtual/net/x0");
    }
}
