//! Attaching and detaching disks and network interfaces, live (QMP `blockdev-add`,
//! `netdev_add`, `device_add`, `device_del`) and in the persistent definition.
//!
//! A device document is merged into the domain document and the whole is parsed again, so
//! the new device gets exactly the defaults and addresses a defined one would.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rvirt_core::{DeviceModifyFlags, Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::{DomainDef, Element, FormatOptions};
use serde_json::Value;

use crate::command;
use crate::definition;
use crate::devices::{self, Placed};
use crate::domain::{DomState, Running};
use crate::driver::{monitor_command, qemu_err, Inner};

/// How long a detach waits for the guest to release the device.
const UNPLUG_TIMEOUT: Duration = Duration::from_secs(10);

/// The kind and identity of a device document: disks by target, interfaces by MAC.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DeviceKey {
    Disk(String),
    Interface(Option<String>),
}

fn device_key(xml: &str) -> Result<DeviceKey> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| {
        Error::new(
            ErrorDomain::Domain,
            ErrorCode::XmlError,
            format!("(device_definition):{e}"),
        )
    })?;
    let root = doc.root_element();
    let child_attr = |child: &str, attr: &str| {
        root.children()
            .find(|n| n.has_tag_name(child))
            .and_then(|n| n.attribute(attr))
            .map(str::to_string)
    };
    match root.tag_name().name() {
        "disk" => child_attr("target", "dev")
            .map(DeviceKey::Disk)
            .ok_or_else(|| Error::new(ErrorDomain::Domain, ErrorCode::NoTarget, "")),
        "interface" => Ok(DeviceKey::Interface(
            child_attr("mac", "address").map(|m| m.to_ascii_lowercase()),
        )),
        other => Err(Error::new(
            ErrorDomain::Qemu,
            ErrorCode::OperationUnsupported,
            format!("live attach of device '{other}' is not supported"),
        )),
    }
}

fn matches(dev: &Element, key: &DeviceKey) -> bool {
    match key {
        DeviceKey::Disk(target) => {
            dev.name == "disk" && dev.child_attr("target", "dev") == Some(target.as_str())
        }
        DeviceKey::Interface(mac) => {
            dev.name == "interface"
                && mac.as_deref().is_none_or(|m| {
                    dev.child_attr("mac", "address")
                        .is_some_and(|d| d.eq_ignore_ascii_case(m))
                })
        }
    }
}

/// `def` with `device_xml` added, parsed again as the driver parses definitions.
fn merged(inner: &Inner, def: &DomainDef, device_xml: &str, live: bool) -> Result<DomainDef> {
    let text = def.format(FormatOptions {
        inactive: !live,
        secure: true,
        migratable: false,
    });
    let at = text
        .rfind("</devices>")
        .ok_or_else(|| qemu_err(ErrorCode::InternalError, "definition has no devices"))?;
    let doc = format!("{}{}\n{}", &text[..at], device_xml.trim(), &text[at..]);
    definition::parse(&doc, live, &|p: &Path| inner.caps_for(p))
}

fn to_value(props: &command::Props) -> Result<Value> {
    serde_json::from_str(&props.build())
        .map_err(|e| qemu_err(ErrorCode::InternalError, e.to_string()))
}

/// `virDomainAttachDeviceFlags`.
pub fn attach(
    inner: &Arc<Inner>,
    st: &mut DomState,
    xml: &str,
    flags: DeviceModifyFlags,
) -> Result<()> {
    let key = device_key(xml)?;
    let (live, config) = resolve_impact(st, flags)?;
    if let DeviceKey::Disk(target) = &key {
        let taken = |def: &DomainDef| def.devices.iter().any(|d| matches(d, &key));
        if (live && st.running.as_ref().is_some_and(|r| taken(&r.def)))
            || (config && st.config.as_ref().is_some_and(taken))
        {
            return Err(qemu_err(
                ErrorCode::OperationFailed,
                format!("target {target} already exists"),
            ));
        }
    }
    let new_config = match (&st.config, config) {
        (Some(cfg), true) => Some(merged(inner, cfg, xml, false)?),
        (None, true) => {
            return Err(qemu_err(
                ErrorCode::OperationInvalid,
                "cannot modify device on transient domain",
            ))
        }
        _ => None,
    };
    if live {
        let r = st
            .running
            .as_mut()
            .ok_or_else(|| qemu_err(ErrorCode::OperationInvalid, "domain is not running"))?;
        attach_live(inner, r, xml, &key)?;
    }
    if let Some(cfg) = new_config {
        inner.save_config(&cfg)?;
        st.config = Some(cfg);
    }
    Ok(())
}

/// Which definitions a call changes: `(live, config)`.
fn resolve_impact(st: &DomState, flags: DeviceModifyFlags) -> Result<(bool, bool)> {
    let running = st.running.is_some();
    let (live, config) = if !flags.intersects(DeviceModifyFlags::LIVE | DeviceModifyFlags::CONFIG) {
        (running, !running)
    } else {
        (
            flags.contains(DeviceModifyFlags::LIVE),
            flags.contains(DeviceModifyFlags::CONFIG),
        )
    };
    if live && !running {
        return Err(qemu_err(
            ErrorCode::OperationInvalid,
            "domain is not running",
        ));
    }
    if config && st.config.is_none() {
        return Err(qemu_err(
            ErrorCode::OperationInvalid,
            "cannot modify device on transient domain",
        ));
    }
    Ok((live, config))
}

fn attach_live(inner: &Inner, r: &mut Running, xml: &str, key: &DeviceKey) -> Result<()> {
    let old = r.def.clone();
    let mut new_def = merged(inner, &old, xml, true)?;
    // Root ports the merge planned (a spare for later hotplug) cannot appear in a running
    // machine; only devices are plugged.
    let is_pci_ctrl = |d: &Element| d.name == "controller" && d.attr("type") == Some("pci");
    new_def.devices.retain(|d| {
        !is_pci_ctrl(d)
            || old
                .devices
                .iter()
                .any(|o| is_pci_ctrl(o) && o.attr("index") == d.attr("index"))
    });
    // The merge gave the new device its addresses, as define-time post-parse does.
    match key {
        DeviceKey::Disk(_) => {
            let pos = new_def
                .devices_of("disk")
                .position(|d| matches(d, key))
                .ok_or_else(|| qemu_err(ErrorCode::InternalError, "attached disk not found"))?;
            let disk = new_def
                .devices_of("disk")
                .nth(pos)
                .cloned()
                .ok_or_else(|| qemu_err(ErrorCode::InternalError, "attached disk not found"))?;
            let mut only = new_def.clone();
            only.devices = vec![disk];
            // A volume disk reaches QEMU as its file or device; its live XML keeps the volume.
            let storage = inner.storage();
            let qemu_view = crate::volumes::translate_sources(&mut only, storage.as_deref())?;
            crate::driver::check_disk_sources(&qemu_view)?;
            let (Some(disk), Some(qemu_disk)) = (only.devices.first(), qemu_view.devices.first())
            else {
                return Err(qemu_err(
                    ErrorCode::InternalError,
                    "attached disk not found",
                ));
            };
            let mut placed: Placed<devices::BusKind> = devices::disk_placement(&new_def, pos)?;
            placed.bootindex = None;
            let node = r.next_node;
            let blockdevs = command::disk_blockdevs(qemu_disk, node)?;
            let mut added: Vec<String> = Vec::new();
            for props in &blockdevs {
                let value = to_value(props)?;
                let node_name = value
                    .get("node-name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                if let Err(e) = monitor_command(r, "blockdev-add", Some(value)) {
                    remove_nodes(r, &added);
                    return Err(e);
                }
                added.push(node_name);
            }
            let device = to_value(&command::disk_device(qemu_disk, &placed, node)?)?;
            if let Err(e) = monitor_command(r, "device_add", Some(device)) {
                remove_nodes(r, &added);
                return Err(e);
            }
            r.next_node += 1;
            if let Some(el) = new_def
                .devices
                .iter_mut()
                .filter(|d| d.name == "disk")
                .nth(pos)
            {
                *el = disk.clone();
                devices::set_runtime_identity(el, &placed.alias, placed.pci_addr.as_ref());
                if !blockdevs.is_empty() {
                    if let Some(src) = el.child_mut("source") {
                        src.set_attr("index", &node.to_string());
                    }
                    if el.child("backingStore").is_none() {
                        el.children.push(Element::new("backingStore"));
                    }
                }
            }
        }
        DeviceKey::Interface(_) => {
            let pos = new_def
                .devices_of("interface")
                .position(|i| {
                    !old.devices_of("interface")
                        .any(|o| o.child_attr("mac", "address") == i.child_attr("mac", "address"))
                })
                .ok_or_else(|| {
                    qemu_err(ErrorCode::InternalError, "attached interface not found")
                })?;
            let iface = new_def
                .devices_of("interface")
                .nth(pos)
                .cloned()
                .ok_or_else(|| {
                    qemu_err(ErrorCode::InternalError, "attached interface not found")
                })?;
            let mut placed = devices::net_placement(&new_def, pos)?;
            // The first netN alias nobody uses (earlier detaches leave gaps).
            let used: Vec<&str> = old
                .devices_of("interface")
                .filter_map(|i| i.child_attr("alias", "name"))
                .collect();
            let k = (0..)
                .find(|k| !used.contains(&format!("net{k}").as_str()))
                .unwrap_or(0);
            placed.alias = format!("net{k}");
            placed.bootindex = None;
            let netdev_id = format!("hostnet{k}");
            let mut only = new_def.clone();
            only.devices = vec![iface.clone()];
            let (taps, created) = crate::network::prepare_taps(&only)?;
            let tap = taps.first().cloned().flatten();
            let undo_taps = |created: &[String]| {
                crate::network::remove_taps(&created.iter().cloned().map(Some).collect::<Vec<_>>())
            };
            let netdev = match command::interface_netdev(&iface, &netdev_id, tap.as_deref())
                .and_then(|p| to_value(&p))
            {
                Ok(v) => v,
                Err(e) => {
                    undo_taps(&created);
                    return Err(e);
                }
            };
            if let Err(e) = monitor_command(r, "netdev_add", Some(netdev)) {
                undo_taps(&created);
                return Err(e);
            }
            let device = to_value(&command::interface_device(&iface, &placed, &netdev_id))?;
            if let Err(e) = monitor_command(r, "device_add", Some(device)) {
                let _ = monitor_command(
                    r,
                    "netdev_del",
                    Some(serde_json::json!({ "id": netdev_id })),
                );
                undo_taps(&created);
                return Err(e);
            }
            r.taps.extend(created);
            if let Some(el) = new_def
                .devices
                .iter_mut()
                .filter(|d| d.name == "interface")
                .nth(pos)
            {
                devices::set_runtime_identity(el, &placed.alias, placed.pci_addr.as_ref());
                if let Some(tap) = &tap {
                    el.child_or_insert("target").set_attr("dev", tap);
                }
            }
        }
    }
    new_def.id = r.def.id;
    r.def = new_def;
    Ok(())
}

fn remove_nodes(r: &Running, nodes: &[String]) {
    for node in nodes.iter().rev() {
        let _ = monitor_command(
            r,
            "blockdev-del",
            Some(serde_json::json!({ "node-name": node })),
        );
    }
}

/// `virDomainDetachDeviceFlags`.
pub fn detach(
    inner: &Arc<Inner>,
    st: &mut DomState,
    xml: &str,
    flags: DeviceModifyFlags,
) -> Result<()> {
    let key = device_key(xml)?;
    let (live, config) = resolve_impact(st, flags)?;
    let not_found = || match &key {
        DeviceKey::Disk(t) => qemu_err(ErrorCode::DeviceMissing, format!("no target device {t}")),
        DeviceKey::Interface(_) => qemu_err(
            ErrorCode::DeviceMissing,
            "matching network device was not found",
        ),
    };
    let new_config = if config {
        let mut cfg = st.config.clone().ok_or_else(not_found)?;
        let pos = cfg
            .devices
            .iter()
            .position(|d| matches(d, &key))
            .ok_or_else(not_found)?;
        cfg.devices.remove(pos);
        Some(cfg)
    } else {
        None
    };
    if live {
        let r = st
            .running
            .as_mut()
            .ok_or_else(|| qemu_err(ErrorCode::OperationInvalid, "domain is not running"))?;
        let alias = r
            .def
            .devices
            .iter()
            .find(|d| matches(d, &key))
            .ok_or_else(not_found)?
            .child_attr("alias", "name")
            .map(str::to_string)
            .ok_or_else(|| qemu_err(ErrorCode::OperationFailed, "device has no alias"))?;
        monitor_command(r, "device_del", Some(serde_json::json!({ "id": alias })))?;
        // The guest has to let go of the device; libvirt returns once it did or the wait
        // ran out (the removal then completes when QEMU reports it).
        if r.deleted.wait(&alias, UNPLUG_TIMEOUT) {
            finish_removal(r, &alias);
        }
    }
    if let Some(cfg) = new_config {
        inner.save_config(&cfg)?;
        st.config = Some(cfg);
    }
    Ok(())
}

/// Drops a device QEMU removed from the live definition, with its block nodes, network
/// backend and tap. Safe to call twice.
pub fn finish_removal(r: &mut Running, alias: &str) {
    let Some(pos) = r
        .def
        .devices
        .iter()
        .position(|d| d.child_attr("alias", "name") == Some(alias))
    else {
        return;
    };
    let dev = r.def.devices.remove(pos);
    match dev.name.as_str() {
        "disk" => {
            if let Some(node) = dev.child_attr("source", "index") {
                remove_nodes(
                    r,
                    &[
                        format!("libvirt-{node}-storage"),
                        format!("libvirt-{node}-format"),
                    ],
                );
            }
        }
        "interface" => {
            if let Some(k) = alias.strip_prefix("net") {
                let _ = monitor_command(
                    r,
                    "netdev_del",
                    Some(serde_json::json!({ "id": format!("hostnet{k}") })),
                );
            }
            if let Some(tap) = dev.child_attr("target", "dev") {
                if let Some(i) = r.taps.iter().position(|t| t == tap) {
                    let tap = r.taps.remove(i);
                    crate::network::remove_taps(&[Some(tap)]);
                }
            }
        }
        _ => {}
    }
}
