//! Choices made when a guest starts, written into its live definition before the command
//! line is built: the TCP port of each auto-ported VNC display (the first free one from
//! 5900, as libvirt's port allocator hands them out) with the address it listens on, and
//! the unix socket of channels that name none.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::{DomainDef, Element};

use super::peripherals::vnc_listen_address;

/// libvirt's `remote_display_port_min` and `_max`.
const DISPLAY_PORT_MIN: u16 = 5900;
const DISPLAY_PORT_MAX: u16 = 65535;
/// How long a handed-out port stays reserved for the QEMU about to listen on it; after
/// that QEMU holds the port itself (or has gone), so a bind test alone decides.
const RESERVATION: Duration = Duration::from_secs(60);

static RESERVED: Mutex<Option<HashMap<u16, Instant>>> = Mutex::new(None);

/// Whether nothing listens on `port` (on any IPv4 or IPv6 address).
fn port_is_free(port: u16) -> bool {
    if TcpListener::bind(("0.0.0.0", port)).is_err() {
        return false;
    }
    match TcpListener::bind(("::", port)) {
        Ok(_) => true,
        // A host without IPv6 cannot have the port taken there.
        Err(e) => e.kind() == std::io::ErrorKind::AddrNotAvailable || e.raw_os_error() == Some(97), // EAFNOSUPPORT
    }
}

/// The first display port neither listened on nor just handed out.
pub fn allocate_display_port() -> Result<u16> {
    let mut guard = RESERVED.lock().unwrap_or_else(|p| p.into_inner());
    let reserved = guard.get_or_insert_with(HashMap::new);
    let now = Instant::now();
    reserved.retain(|_, at| now.duration_since(*at) < RESERVATION);
    for port in DISPLAY_PORT_MIN..=DISPLAY_PORT_MAX {
        if reserved.contains_key(&port) || !port_is_free(port) {
            continue;
        }
        reserved.insert(port, now);
        return Ok(port);
    }
    Err(Error::new(
        ErrorDomain::Qemu,
        ErrorCode::InternalError,
        format!("Unable to find an unused port in range 'display' ({DISPLAY_PORT_MIN}-{DISPLAY_PORT_MAX})"),
    ))
}

/// Refuses devices this host cannot give the guest (see [`super::check_host_support`]),
/// then [`prepare_live_with`] using the host's free display ports.
/// Virtio-fs daemons start last, so that an earlier refusal leaves none behind.
pub fn prepare_live(defs: &mut [&mut DomainDef], run_dir: &Path) -> Result<()> {
    let host = super::HostSupport::probe();
    if let Some(first) = defs.first() {
        super::check_host_support(first, &host)?;
    }
    prepare_live_with(defs, run_dir, &mut allocate_display_port)?;
    super::virtiofs::start_daemons(defs, run_dir, host.virtiofsd.as_deref())
}

/// Makes the runtime choices for a starting guest and writes them into each of `defs`
/// (the live definition and the view QEMU is started from, which must agree).
/// `next_port` hands out auto-ported display ports.
pub fn prepare_live_with(
    defs: &mut [&mut DomainDef],
    run_dir: &Path,
    next_port: &mut dyn FnMut() -> Result<u16>,
) -> Result<()> {
    let Some(first) = defs.first() else {
        return Ok(());
    };
    let mut ports: Vec<Option<u16>> = Vec::new();
    for g in first.devices_of("graphics") {
        let wants_port = g.attr("type") == Some("vnc")
            && vnc_listen_address(g).is_some()
            && (g.attr("autoport") == Some("yes")
                || g.attr("port")
                    .and_then(|p| p.parse::<i64>().ok())
                    .unwrap_or(-1)
                    < 0);
        ports.push(if wants_port { Some(next_port()?) } else { None });
    }
    for def in defs.iter_mut() {
        let graphics = def.devices.iter_mut().filter(|d| d.name == "graphics");
        for (g, port) in graphics.zip(ports.iter()) {
            if let Some(port) = port {
                g.set_attr("port", &port.to_string());
            }
            show_listen_address(g);
        }
        let channels = def.devices.iter_mut().filter(|d| d.name == "channel");
        for (i, ch) in channels.enumerate() {
            if ch.attr("type") != Some("unix") || ch.child_attr("source", "path").is_some() {
                continue;
            }
            // Named after the port, as libvirt names its channel sockets.
            let name = ch
                .child_attr("target", "name")
                .filter(|n| !n.is_empty() && !n.contains('/') && !n.starts_with('.'))
                .map(str::to_string)
                .unwrap_or_else(|| format!("channel{i}"));
            let path = run_dir.join(format!("channel.{name}"));
            let source = ch.child_or_insert("source");
            if source.attr("mode").is_none() {
                source.set_attr("mode", "bind");
            }
            source.set_attr("path", &path.to_string_lossy());
        }
    }
    Ok(())
}

/// A running VNC display shows the address it listens on, in `listen=` and its first
/// address `<listen>`.
fn show_listen_address(g: &mut Element) {
    if g.attr("type") != Some("vnc") {
        return;
    }
    let Some(address) = vnc_listen_address(g) else {
        return;
    };
    if g.attr("listen").is_none() {
        g.set_attr("listen", &address);
    }
    match g.children.iter_mut().find(|c| c.name == "listen") {
        Some(l) => {
            if l.attr("address").is_none() {
                l.set_attr("address", &address);
            }
        }
        None => g.children.push(
            Element::new("listen")
                .with_attr("type", "address")
                .with_attr("address", &address),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocated_ports_are_distinct_and_free() {
        let a = allocate_display_port().unwrap();
        let b = allocate_display_port().unwrap();
        assert_ne!(a, b);
        assert!(a >= DISPLAY_PORT_MIN && b >= DISPLAY_PORT_MIN);
        // Someone listening makes a port unavailable.
        let held = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        assert!(!port_is_free(held.local_addr().unwrap().port()));
    }
}
