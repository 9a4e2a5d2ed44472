//! Network interfaces: MAC addresses, sources by type, and the test driver's host-side
//! interface names.

use crate::domain::tree::Element;
use crate::domain::DomainDef;
use rvirt_core::{Error, ErrorDomain, Result};

/// Random MAC with QEMU/KVM's prefix, as `virDomainNetGenerateMAC` makes it.
pub(super) fn generate_mac() -> String {
    let bytes = uuid::Uuid::new_v4();
    let b = bytes.as_bytes();
    format!("52:54:00:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2])
}

pub(super) fn interface_defaults(net: &mut Element, live: bool) {
    let mac = net.child_or_insert("mac");
    match mac.attr("address") {
        Some(a) => {
            let lower = a.to_ascii_lowercase();
            mac.set_attr("address", &lower);
        }
        None => mac.set_attr("address", &generate_mac()),
    }
    // Host-side names libvirt generated on a previous run are not kept in a definition.
    let generated = net.child_attr("target", "dev").is_some_and(|d| {
        d.starts_with("vnet") || d.starts_with("macvtap") || d.starts_with("macvlan")
    });
    if generated && !live {
        net.remove_children("target");
    }
    if let Some(b) = net.child_mut("backend") {
        if b.attr("type") == Some("default") {
            b.remove_attr("type");
        }
    }
    if net.child("backend").is_some_and(|b| b.is_empty()) {
        net.remove_children("backend");
    }
    if !net.has_attr("type") {
        net.set_attr("type", "user");
    }
    if net.child("model").is_some_and(|m| !m.has_attr("type")) {
        net.remove_children("model");
    }
    let ty = net.attr("type").unwrap_or("").to_string();
    for ip in net
        .children
        .iter_mut()
        .filter(|c| c.name == "ip" || c.name == "route")
    {
        if !ip.has_attr("family") {
            if let Some(addr) = ip.attr("address") {
                let family = if addr.contains(':') { "ipv6" } else { "ipv4" };
                ip.set_attr("family", family);
            }
        }
    }
    if !matches!(ty.as_str(), "network" | "bridge" | "ethernet") {
        net.remove_children("filterref");
    }
    let virtio = net
        .child_attr("model", "type")
        .is_some_and(|m| m.starts_with("virtio"));
    if !virtio {
        net.remove_children("driver");
    }
    if let Some(src) = net.child_mut("source") {
        let keep: &[&str] = match ty.as_str() {
            // The port id belongs to a running guest.
            "network" if live => &["network", "portgroup", "portid"],
            "network" => &["network", "portgroup"],
            "bridge" => &["bridge"],
            "direct" => &["dev", "mode"],
            "ethernet" | "user" => &[],
            "vhostuser" => &["type", "path", "mode"],
            "server" | "client" | "mcast" | "udp" => &["address", "port"],
            "hostdev" => &[],
            "vdpa" => &["dev"],
            _ => &[],
        };
        src.attrs.retain(|(k, _)| keep.contains(&k.as_str()));
        if ty == "direct" && !src.has_attr("mode") {
            src.set_attr("mode", "vepa");
        }
        if src.attrs.is_empty() && src.children.is_empty() {
            net.remove_children("source");
        }
    }
}

/// The test driver names every interface without a host-side name `testnetN`, taking the
/// lowest N no interface uses.
pub fn assign_test_ifnames(def: &mut DomainDef) -> Result<()> {
    const MAX_IFACES: usize = 1024;
    let mut used: std::collections::HashSet<String> = def
        .devices
        .iter()
        .filter(|d| d.name == "interface")
        .filter_map(|d| d.child_attr("target", "dev").map(str::to_string))
        .collect();
    let mut next = 0;
    for net in def.devices.iter_mut().filter(|d| d.name == "interface") {
        if net.child_attr("target", "dev").is_some() {
            continue;
        }
        while next < MAX_IFACES && used.contains(&format!("testnet{next}")) {
            next += 1;
        }
        if next >= MAX_IFACES {
            return Err(Error::internal(
                ErrorDomain::Domain,
                format!("Exceeded max iface limit {MAX_IFACES}"),
            ));
        }
        let name = format!("testnet{next}");
        used.insert(name.clone());
        net.child_or_insert("target").set_attr("dev", &name);
    }
    Ok(())
}
