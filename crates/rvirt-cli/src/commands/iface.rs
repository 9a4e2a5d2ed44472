//! Host interfaces: listing, defining, starting and stopping them.

use rvirt::{InterfaceRef, ListInterfacesFlags, XmlInactiveFlags};
use serde_json::{json, Value};

use crate::ctl::{CmdResult, Ctl, Failure, OptAccess};
use crate::lookup;
use crate::util::{read_file, report_action, Table};
use crate::vsh::parser::ParsedCmd;
use crate::vsh::spec::*;

const IFACE: OptDef = data("interface", "the interface, by name or MAC address");

pub fn commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new(
            "iface-define",
            "register or update a host interface's configuration from an XML file",
            "Register a host interface, or replace the configuration of an existing one.",
            cmd_define,
        )
        .opts(&[
            data("file", "path of the interface's XML description"),
            flag("validate", "check the XML against the RNG schema"),
        ]),
        CmdDef::new(
            "iface-destroy",
            "bring a host interface down (\"if-down\")",
            "Take a host interface down at once.",
            cmd_destroy,
        )
        .opts(&[IFACE]),
        CmdDef::new(
            "iface-dumpxml",
            "print a host interface's XML description",
            "Print the XML description of the host interface on standard output.",
            cmd_dumpxml,
        )
        .opts(&[
            IFACE,
            flag("inactive", "print the configuration for the next boot"),
            named_string("xpath", "XPath expression selecting what to print"),
            flag("wrap", "put the XPath results under one root element"),
        ]),
        CmdDef::new(
            "iface-list",
            "show host interfaces",
            "Print a table of the host's network interfaces.",
            cmd_list,
        )
        .opts(&[
            flag("inactive", "show only interfaces that are down"),
            flag("all", "show interfaces whether up or down"),
            JSON,
        ]),
        CmdDef::new(
            "iface-mac",
            "print the MAC address of a named interface",
            "",
            cmd_mac,
        )
        .opts(&[data("interface", "the interface's name")]),
        CmdDef::new(
            "iface-name",
            "print the name of the interface with a MAC address",
            "",
            cmd_name,
        )
        .opts(&[data("interface", "the interface's MAC address")]),
        CmdDef::new(
            "iface-start",
            "bring a host interface up (\"if-up\")",
            "Bring a host interface up.",
            cmd_start,
        )
        .opts(&[IFACE]),
        CmdDef::new(
            "iface-undefine",
            "remove a host interface's configuration",
            "Forget the configuration of a host interface.",
            cmd_undefine,
        )
        .opts(&[IFACE]),
    ]
}

fn cmd_list(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    crate::commands::domain::exclusive(cmd, "all", "inactive")?;
    let flags = if cmd.has("all") {
        ListInterfacesFlags::ACTIVE | ListInterfacesFlags::INACTIVE
    } else if cmd.has("inactive") {
        ListInterfacesFlags::INACTIVE
    } else {
        ListInterfacesFlags::ACTIVE
    };
    let drv = ctl.conn()?.interface.clone();
    let mut ifaces = drv
        .connect_list_all_interfaces(flags)
        .map_err(|e| Failure::with("Failed to list interfaces", &e))?;
    ifaces.sort_by(|a, b| a.name.cmp(&b.name));
    let active = |i: &InterfaceRef| drv.interface_is_active(i).unwrap_or(false);
    if cmd.has("json") {
        let items: Vec<Value> = ifaces
            .iter()
            .map(|i| json!({"name": i.name, "active": active(i), "mac": i.mac}))
            .collect();
        ctl.print_json(&Value::Array(items));
        return Ok(());
    }
    let mut table = Table::new(&["Name", "State", "MAC Address"]);
    for i in &ifaces {
        table.row(vec![
            i.name.clone(),
            if active(i) { "active" } else { "inactive" }.to_string(),
            i.mac.clone(),
        ]);
    }
    table.print(ctl);
    Ok(())
}

fn cmd_dumpxml(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (iface, _) = lookup::interface(ctl, cmd, true, true)?;
    let flags = if cmd.has("inactive") {
        XmlInactiveFlags::INACTIVE
    } else {
        XmlInactiveFlags::empty()
    };
    let xml = ctl
        .conn()?
        .interface
        .interface_get_xml_desc(&iface, flags)?;
    crate::xpath::print_xml(ctl, cmd, &xml)
}

fn cmd_define(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let file = cmd.required("file")?;
    let xml = read_file(file)?;
    let flags = u32::from(cmd.has("validate"));
    match ctl
        .writable("virInterfaceDefineXML")
        .and_then(|c| c.interface.interface_define_xml(&xml, flags))
    {
        Ok(iface) => {
            ctl.print_extra(&format!("Interface {} defined from {file}\n", iface.name));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to define interface from {file}"),
            &e,
        )),
    }
}

/// Runs a change on the named interface with virsh's messages.
fn action(
    ctl: &mut Ctl,
    cmd: &ParsedCmd,
    function: &str,
    done: &str,
    failed: &str,
    op: impl FnOnce(&rvirt::Connect, &InterfaceRef) -> rvirt::Result<()>,
) -> CmdResult {
    let (iface, name) = lookup::interface(ctl, cmd, true, true)?;
    let result = ctl.writable(function).and_then(|c| op(c, &iface));
    report_action(ctl, "Interface", &name, done, failed, result)
}

fn cmd_undefine(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    action(
        ctl,
        cmd,
        "virInterfaceUndefine",
        "undefined",
        "undefine",
        |c, i| c.interface.interface_undefine(i),
    )
}

fn cmd_start(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    action(
        ctl,
        cmd,
        "virInterfaceCreate",
        "started",
        "start",
        |c, i| c.interface.interface_create(i, 0),
    )
}

fn cmd_destroy(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    action(
        ctl,
        cmd,
        "virInterfaceDestroy",
        "destroyed",
        "destroy",
        |c, i| c.interface.interface_destroy(i, 0),
    )
}

fn cmd_name(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (iface, _) = lookup::interface(ctl, cmd, false, true)?;
    ctl.print(&format!("{}\n", iface.name));
    Ok(())
}

fn cmd_mac(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (iface, _) = lookup::interface(ctl, cmd, true, false)?;
    ctl.print(&format!("{}\n", iface.mac));
    Ok(())
}
