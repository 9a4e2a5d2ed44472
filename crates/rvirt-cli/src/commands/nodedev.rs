//! Host (node) devices: listing them, as a list or a tree, and dumping their XML.

use rvirt::{ListNodeDevicesFlags, NODE_DEVICE_CAP_NAMES};
use serde_json::{json, Value};

use crate::ctl::{CmdResult, Ctl, Failure, OptAccess};
use crate::lookup;
use crate::vsh::parser::ParsedCmd;
use crate::vsh::spec::*;

pub fn commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new(
            "nodedev-dumpxml",
            "node device details in XML",
            "Output the node device details as an XML dump to stdout.",
            cmd_dumpxml,
        )
        .opts(&[
            data("device", "device name or wwn pair in 'wwnn,wwpn' format"),
            named_string("xpath", "xpath expression to filter the XML document"),
            flag("wrap", "wrap xpath results in an common root element"),
        ]),
        CmdDef::new(
            "nodedev-list",
            "enumerate devices on this host",
            "Returns list of host devices.",
            cmd_list,
        )
        .opts(&[
            flag("tree", "list devices in a tree"),
            string("cap", "capability names, separated by comma"),
            flag("inactive", "list inactive devices"),
            flag("all", "list inactive & active devices"),
            JSON,
        ]),
    ]
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
