//! Host (node) devices: listing them, as a list or a tree, dumping their XML, creating and
//! destroying virtual ones (vHBAs) and handing PCI devices between host and guests.

use rvirt::{Error, ErrorCode, ListNodeDevicesFlags, NODE_DEVICE_CAP_NAMES};
use serde_json::{json, Value};

use crate::ctl::{CmdResult, Ctl, Failure, OptAccess};
use crate::lookup;
use crate::util::read_file;
use crate::vsh::parser::ParsedCmd;
use crate::vsh::spec::*;

pub fn commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new(
            "nodedev-dumpxml",
            "print a host device's XML description",
            "Print the XML description of the host device on standard output.",
            cmd_dumpxml,
        )
        .opts(&[
            data("device", "the device's name, or its 'wwnn,wwpn' pair"),
            named_string("xpath", "XPath expression selecting what to print"),
            flag("wrap", "put the XPath results under one root element"),
        ]),
        CmdDef::new("nodedev-list", "show the host's devices", "", cmd_list).opts(&[
            flag("tree", "draw the devices as a tree"),
            string(
                "cap",
                "only devices with these capabilities (comma separated)",
            ),
            flag("inactive", "show only inactive devices"),
            flag("all", "show active and inactive devices"),
            JSON,
        ]),
        CmdDef::new(
            "nodedev-create",
            "make a host device from an XML file",
            "Create a virtual host device, such as a vHBA, from its XML description.",
            cmd_create,
        )
        .opts(&[
            data("file", "path of the device's XML description"),
            flag("validate", "check the XML against the RNG schema"),
        ]),
        CmdDef::new(
            "nodedev-destroy",
            "remove a virtual host device",
            "Remove a host device that was created virtually, such as a vHBA.",
            cmd_destroy,
        )
        .opts(&[data("device", "the device's name, or its 'wwnn,wwpn' pair")]),
        CmdDef::new(
            "nodedev-detach",
            "take a host device away from its host driver",
            "Unbind a PCI device from its host driver so that a guest can be given it.",
            cmd_detach,
        )
        .opts(&[
            data("device", "the device's name"),
            string("driver", "driver to bind it to instead (such as vfio)"),
        ]),
        CmdDef::new(
            "nodedev-reattach",
            "give a host device back to its host driver",
            "Bind a previously detached PCI device to its host driver again.",
            cmd_reattach,
        )
        .opts(&[data("device", "the device's name")]),
        CmdDef::new(
            "nodedev-reset",
            "reset a host device",
            "Reset a detached PCI device so a guest finds it in a clean state.",
            cmd_reset,
        )
        .opts(&[data("device", "the device's name")]),
    ]
}

/// `VIR_NODE_DEVICE_CREATE_XML_VALIDATE`.
const CREATE_VALIDATE: u32 = 1 << 0;

fn cmd_create(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let path = cmd.required("file")?.to_string();
    let flags = if cmd.has("validate") {
        CREATE_VALIDATE
    } else {
        0
    };
    let xml = read_file(&path)?;
    let failed = |e: &Error| Failure::with(format!("Failed to create node device from {path}"), e);
    let conn = ctl
        .writable("virNodeDeviceCreateXML")
        .map_err(|e| failed(&e))?;
    let dev = conn
        .nodedev
        .node_device_create_xml(&xml, flags)
        .map_err(|e| failed(&e))?;
    ctl.print_extra(&format!("Node device {} created from {path}\n", dev.name));
    Ok(())
}

fn cmd_destroy(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dev, text) = lookup::node_device(ctl, cmd)?;
    let failed = |e: &Error| Failure::with(format!("Failed to destroy node device '{text}'"), e);
    let conn = ctl
        .writable("virNodeDeviceDestroy")
        .map_err(|e| failed(&e))?;
    conn.nodedev
        .node_device_destroy(&dev)
        .map_err(|e| failed(&e))?;
    ctl.print_extra(&format!("Destroyed node device '{text}'\n"));
    Ok(())
}

fn cmd_detach(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let driver = cmd.string("driver")?.map(str::to_string);
    let (dev, text) = lookup::node_device(ctl, cmd)?;
    // Without --driver virsh calls the older entry point, whose name errors carry.
    let api = if driver.is_some() {
        "virNodeDeviceDetachFlags"
    } else {
        "virNodeDeviceDettach"
    };
    let failed = |e: &Error| Failure::with(format!("Failed to detach device {text}"), e);
    let conn = ctl.writable(api).map_err(|e| failed(&e))?;
    conn.nodedev
        .node_device_detach(&dev, driver.as_deref(), 0)
        .map_err(|e| match e.code {
            ErrorCode::NoSupport => failed(&Error::no_support(e.domain, api)),
            _ => failed(&e),
        })?;
    ctl.print_extra(&format!("Device {text} detached\n"));
    Ok(())
}

fn cmd_reattach(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dev, text) = lookup::node_device(ctl, cmd)?;
    let failed = |e: &Error| Failure::with(format!("Failed to re-attach device {text}"), e);
    let conn = ctl
        .writable("virNodeDeviceReAttach")
        .map_err(|e| failed(&e))?;
    conn.nodedev
        .node_device_reattach(&dev)
        .map_err(|e| failed(&e))?;
    ctl.print_extra(&format!("Device {text} re-attached\n"));
    Ok(())
}

fn cmd_reset(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dev, text) = lookup::node_device(ctl, cmd)?;
    let failed = |e: &Error| Failure::with(format!("Failed to reset device {text}"), e);
    let conn = ctl.writable("virNodeDeviceReset").map_err(|e| failed(&e))?;
    conn.nodedev
        .node_device_reset(&dev)
        .map_err(|e| failed(&e))?;
    ctl.print_extra(&format!("Device {text} reset\n"));
    Ok(())
}

fn cmd_list(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let mut flags = ListNodeDevicesFlags::empty();
    if let Some(caps) = cmd.string("cap")? {
        for cap in caps.split(',') {
            match NODE_DEVICE_CAP_NAMES.iter().find(|(n, _)| *n == cap) {
                Some((_, flag)) => flags |= *flag,
                None => return Err(Failure::msg("Invalid capability type")),
            }
        }
    }
    if cmd.has("tree") && !flags.is_empty() {
        return Err(Failure::msg("Options --tree and --cap are incompatible"));
    }
    if cmd.has("all") && cmd.has("inactive") {
        return Err(Failure::msg("Option --all is incompatible with --inactive"));
    }
    if cmd.has("all") {
        flags |= ListNodeDevicesFlags::ACTIVE | ListNodeDevicesFlags::INACTIVE;
    } else if cmd.has("inactive") {
        flags |= ListNodeDevicesFlags::INACTIVE;
    } else {
        flags |= ListNodeDevicesFlags::ACTIVE;
    }
    let drv = ctl.conn()?.nodedev.clone();
    let mut devices = drv
        .connect_list_all_node_devices(flags)
        .map_err(|e| Failure::with("Failed to list node devices", &e))?;
    devices.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<String> = devices.iter().map(|d| d.name.clone()).collect();
    if cmd.has("json") {
        let items: Vec<Value> = devices
            .iter()
            .map(|d| {
                json!({
                    "name": d.name,
                    "parent": drv.node_device_get_parent(d).ok().flatten(),
                    "capabilities": drv.node_device_list_caps(d).unwrap_or_default(),
                })
            })
            .collect();
        ctl.print_json(&Value::Array(items));
        return Ok(());
    }
    if cmd.has("tree") {
        let parents: Vec<Option<String>> = devices
            .iter()
            .map(|d| drv.node_device_get_parent(d).ok().flatten())
            .collect();
        ctl.print(&render_tree(&names, &parents));
        return Ok(());
    }
    let mut out = String::new();
    for name in names {
        out.push_str(&name);
        out.push('\n');
    }
    ctl.print(&out);
    Ok(())
}

/// Draws devices as virsh's `--tree` does: each root, then its children indented under a
/// `|` rail with `+- ` before each name.
pub fn render_tree(names: &[String], parents: &[Option<String>]) -> String {
    let mut out = String::new();
    for (i, parent) in parents.iter().enumerate() {
        let is_root = match parent {
            None => true,
            Some(p) => !names.contains(p),
        };
        if is_root {
            let mut indent = String::new();
            tree_node(&mut out, names, parents, i, i, true, &mut indent);
        }
    }
    out
}

fn tree_node(
    out: &mut String,
    names: &[String],
    parents: &[Option<String>],
    dev: usize,
    last_sibling: usize,
    root: bool,
    indent: &mut String,
) {
    let name = &names[dev];
    out.push_str(&format!(
        "{indent}{}{name}\n",
        if root { "" } else { "+- " }
    ));
    if !root {
        indent.push(if dev == last_sibling { ' ' } else { '|' });
        indent.push(' ');
    }
    let children: Vec<usize> = (0..names.len())
        .filter(|&i| parents[i].as_deref() == Some(name.as_str()))
        .collect();
    let last_child = children.last().copied();
    if last_child.is_some() {
        out.push_str(&format!("{indent}  |\n"));
    }
    indent.push_str("  ");
    for &child in &children {
        tree_node(
            out,
            names,
            parents,
            child,
            last_child.unwrap_or(child),
            false,
            indent,
        );
    }
    indent.truncate(indent.len().saturating_sub(2));
    if last_child.is_none() && dev == last_sibling {
        out.push_str(&format!("{indent}\n"));
    }
    if !root {
        indent.truncate(indent.len().saturating_sub(2));
    }
}

fn cmd_dumpxml(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dev, _) = lookup::node_device(ctl, cmd)?;
    let xml = ctl.conn()?.nodedev.node_device_get_xml_desc(&dev, 0)?;
    crate::xpath::print_xml(ctl, cmd, &xml)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_layout() {
        let names: Vec<String> = ["computer", "pci_a", "pci_b", "net_x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let parents = vec![
            None,
            Some("computer".to_string()),
            Some("computer".to_string()),
            Some("pci_a".to_string()),
        ];
        let text = render_tree(&names, &parents);
        assert_eq!(
            text,
            "computer\n  |\n  +- pci_a\n  |   |\n  |   +- net_x\n  |     \n  +- pci_b\n    \n"
        );
    }
}
