//! The properties every fuzz target checks, one function per XML format.
//!
//! Always: for any input, parsing (and formatting what parses) never panics, never hangs
//! and never exhausts memory.
//!
//! With `RVIRT_FUZZ_ROUNDTRIP=1` also: a document that parses prints a canonical form that
//! parses again and prints identically. That is off by default because libvirt itself breaks
//! it and rvirt prints what libvirt prints: some fields are printed without escaping (a
//! network's `<domain name>`, a DHCP host's `name`, `<portgroup name>`, an interface's
//! `<mac address>`), and a second `<console type='virtio'>` beside a serial console is
//! renumbered on each define. A round-trip finding counts as a bug only once real libvirt is
//! shown to behave differently on it.

use rvirt_xml::capabilities::Capabilities;
use rvirt_xml::domain::{DomainDef, FormatOptions, ParseOptions};
use rvirt_xml::interface::InterfaceDef;
use rvirt_xml::network::NetworkDef;
use rvirt_xml::nodedev::NodeDeviceDef;
use rvirt_xml::secret::SecretDef;
use rvirt_xml::storage::{PoolDef, VolumeDef};

/// Whether `RVIRT_FUZZ_ROUNDTRIP` is set (read once: the targets run millions of times).
fn roundtrip_checked() -> bool {
    static CHECKED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *CHECKED.get_or_init(|| std::env::var_os("RVIRT_FUZZ_ROUNDTRIP").is_some())
}

/// Runs `parse` on the input (when it is UTF-8, as libvirt's API strings are), formats what
/// it accepts, and with `RVIRT_FUZZ_ROUNDTRIP` set checks the round trip.
fn check_fixpoint<T>(
    data: &[u8],
    parse: impl Fn(&str) -> rvirt_core::Result<T>,
    format: impl Fn(&T) -> String,
) {
    let Ok(xml) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(def) = parse(xml) else {
        return;
    };
    let printed = format(&def);
    if !roundtrip_checked() {
        return;
    }
    let reparsed = match parse(&printed) {
        Ok(d) => d,
        Err(e) => panic!("canonical output rejected: {e}\n--- input\n{xml}\n--- output\n{printed}"),
    };
    let reprinted = format(&reparsed);
    assert_eq!(
        printed, reprinted,
        "canonical output is not a fixed point\n--- input\n{xml}"
    );
}

pub fn domain(data: &[u8]) {
    check_fixpoint(
        data,
        |x| DomainDef::parse(x, ParseOptions::default()),
        // Secure: without it passwords are left out while their expiry is printed, and
        // libvirt's parser drops an expiry that has no password (not a fixed point there
        // either).
        |d| {
            d.format(FormatOptions {
                inactive: true,
                secure: true,
                ..FormatOptions::default()
            })
        },
    );
}

pub fn network(data: &[u8]) {
    check_fixpoint(data, NetworkDef::parse, |n| n.format(true));
}

pub fn pool(data: &[u8]) {
    check_fixpoint(data, PoolDef::parse, |p| p.format(true));
}

pub fn volume(data: &[u8]) {
    check_fixpoint(data, |x| VolumeDef::parse(x, "dir"), |v| v.format("dir"));
}

pub fn nodedev(data: &[u8]) {
    check_fixpoint(data, NodeDeviceDef::parse, NodeDeviceDef::format);
}

pub fn interface(data: &[u8]) {
    check_fixpoint(data, InterfaceDef::parse, |i| i.format(true));
}

pub fn secret(data: &[u8]) {
    check_fixpoint(data, SecretDef::parse, SecretDef::format);
}

pub fn capabilities(data: &[u8]) {
    check_fixpoint(data, Capabilities::parse, Capabilities::format);
}
