//! Virtual networks: listing, defining, starting and stopping them.

use rvirt::{uuid_string, ListNetworksFlags, NetworkRef, XmlInactiveFlags};
use serde_json::{json, Value};

use crate::ctl::{CmdResult, Ctl, Failure, OptAccess};
use crate::lookup::{self, By};
use crate::util::{read_file, report_action, report_autostart, yes_no, Table};
use crate::vsh::parser::ParsedCmd;
use crate::vsh::spec::*;

const NETWORK: OptDef = data("network", "the network, by name or UUID");

pub fn commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new(
            "net-autostart",
            "mark a network to start with the host",
            "Choose whether the network is started automatically when the host boots.",
            cmd_autostart,
        )
        .opts(&[NETWORK, flag("disable", "turn automatic starting off")]),
        CmdDef::new(
            "net-create",
            "start a transient network described by an XML file",
            "Start a new network from its XML description.",
            cmd_create,
        )
        .opts(&[
            data("file", "path of the network's XML description"),
            flag("validate", "check the XML against the RNG schema"),
        ]),
        CmdDef::new(
            "net-define",
            "register or update a virtual network's configuration from an XML file",
            "Register a virtual network, or replace the configuration of an existing one.",
            cmd_define,
        )
        .opts(&[
            data("file", "path of the network's XML description"),
            flag("validate", "check the XML against the RNG schema"),
        ]),
        CmdDef::new(
            "net-destroy",
            "stop a network",
            "Stop the network at once.",
            cmd_destroy,
        )
        .opts(&[NETWORK]),
        CmdDef::new(
            "net-dumpxml",
            "print a network's XML description",
            "Print the XML description of the network on standard output.",
            cmd_dumpxml,
        )
        .opts(&[
            NETWORK,
            flag("inactive", "print the configuration for the next boot"),
            named_string("xpath", "XPath expression selecting what to print"),
            flag("wrap", "put the XPath results under one root element"),
        ]),
        CmdDef::new(
            "net-info",
            "network summary",
            "Print the main facts about a network",
            cmd_info,
        )
        .opts(&[NETWORK, JSON]),
        CmdDef::new(
            "net-list",
            "show networks",
            "Print a table of virtual networks.",
            cmd_list,
        )
        .opts(&[
            flag("inactive", "show only inactive networks"),
            flag("all", "show active and inactive networks"),
            flag("persistent", "show only persistent networks"),
            flag("transient", "show only transient networks"),
            flag("autostart", "show only networks that start with the host"),
            flag(
                "no-autostart",
                "show only networks that do not start with the host",
            ),
            flag("uuid", "print UUIDs only"),
            flag("name", "print names only"),
            flag("table", "print a table (the default)"),
            JSON,
        ]),
        CmdDef::new("net-name", "print a network's name", "", cmd_name)
            .opts(&[data("network", "the network's UUID")]),
        CmdDef::new(
            "net-start",
            "start a defined, inactive network",
            "Bring a defined network up.",
            cmd_start,
        )
        .opts(&[NETWORK]),
        CmdDef::new(
            "net-undefine",
            "remove a network's configuration",
            "Forget the configuration of a persistent network.",
            cmd_undefine,
        )
        .opts(&[NETWORK]),
        CmdDef::new("net-uuid", "print a network's UUID", "", cmd_uuid)
            .opts(&[data("network", "the network's name")]),
    ]
}

fn cmd_list(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let chosen = ["table", "name", "uuid"]
        .iter()
        .filter(|o| cmd.has(o))
        .count();
    if chosen > 1 {
        return Err(Failure::msg(
            "Only one argument from --table, --name and --uuid may be specified.",
        ));
    }
    let mut flags = if cmd.has("all") {
        ListNetworksFlags::ACTIVE | ListNetworksFlags::INACTIVE
    } else if cmd.has("inactive") {
        ListNetworksFlags::INACTIVE
    } else {
        ListNetworksFlags::ACTIVE
    };
    for (opt, flag) in [
        ("persistent", ListNetworksFlags::PERSISTENT),
        ("transient", ListNetworksFlags::TRANSIENT),
        ("autostart", ListNetworksFlags::AUTOSTART),
        ("no-autostart", ListNetworksFlags::NO_AUTOSTART),
    ] {
        if cmd.has(opt) {
            flags |= flag;
        }
    }
    let drv = ctl.conn()?.network.clone();
    let mut nets = drv
        .connect_list_all_networks(flags)
        .map_err(|e| Failure::with("Failed to list networks", &e))?;
    nets.sort_by(|a, b| a.name.cmp(&b.name));
    let describe = |n: &NetworkRef| {
        let active = drv.network_is_active(n).unwrap_or(false);
        let autostart = drv.network_get_autostart(n).ok();
        let persistent = drv.network_is_persistent(n).ok();
        (active, autostart, persistent)
    };
    if cmd.has("json") {
        let items: Vec<Value> = nets
            .iter()
            .map(|n| {
                let (active, autostart, persistent) = describe(n);
                json!({
                    "name": n.name,
                    "uuid": uuid_string(&n.uuid),
                    "active": active,
                    "autostart": autostart,
                    "persistent": persistent,
                })
            })
            .collect();
        ctl.print_json(&Value::Array(items));
        return Ok(());
    }
    let (want_uuid, want_name) = (cmd.has("uuid"), cmd.has("name"));
    if want_uuid || want_name {
        let mut out = String::new();
        for n in &nets {
            let mut parts = Vec::new();
            if want_uuid {
                parts.push(uuid_string(&n.uuid));
            }
            if want_name {
                parts.push(n.name.clone());
            }
            out.push_str(&parts.join(" "));
            out.push('\n');
        }
        ctl.print(&out);
        return Ok(());
    }
    let mut table = Table::new(&["Name", "State", "Autostart", "Persistent"]);
    for n in &nets {
        let (active, autostart, persistent) = describe(n);
        table.row(vec![
            n.name.clone(),
            if active { "active" } else { "inactive" }.to_string(),
            autostart.map(yes_no).unwrap_or("-").to_string(),
            persistent.map(yes_no).unwrap_or("-").to_string(),
        ]);
    }
    table.print(ctl);
    Ok(())
}

fn cmd_info(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (net, _) = lookup::network(ctl, cmd, By::ALL)?;
    let drv = ctl.conn()?.network.clone();
    let uuid = uuid_string(&net.uuid);
    let active = drv.network_is_active(&net).ok();
    let persistent = drv.network_is_persistent(&net).ok();
    let autostart = drv.network_get_autostart(&net).ok();
    let bridge = drv.network_get_bridge_name(&net).ok();
    if cmd.has("json") {
        ctl.print_json(&json!({
            "name": net.name,
            "uuid": uuid,
            "active": active,
            "persistent": persistent,
            "autostart": autostart,
            "bridge": bridge,
        }));
        return Ok(());
    }
    let mut out = format!("{:<15} {}\n{:<15} {}\n", "Name:", net.name, "UUID:", uuid);
    if let Some(a) = active {
        out.push_str(&format!("{:<15} {}\n", "Active:", yes_no(a)));
    }
    if let Some(p) = persistent {
        out.push_str(&format!("{:<15} {}\n", "Persistent:", yes_no(p)));
    }
    let auto = match autostart {
        Some(a) => yes_no(a),
        None => "no autostart",
    };
    out.push_str(&format!("{:<15} {}\n", "Autostart:", auto));
    if let Some(b) = bridge {
        out.push_str(&format!("{:<15} {}\n", "Bridge:", b));
    }
    ctl.print(&out);
    Ok(())
}

fn cmd_dumpxml(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (net, _) = lookup::network(ctl, cmd, By::ALL)?;
    let flags = if cmd.has("inactive") {
        XmlInactiveFlags::INACTIVE
    } else {
        XmlInactiveFlags::empty()
    };
    let xml = ctl.conn()?.network.network_get_xml_desc(&net, flags)?;
    crate::xpath::print_xml(ctl, cmd, &xml)
}

fn cmd_define(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let file = cmd.required("file")?;
    let xml = read_file(file)?;
    let flags = u32::from(cmd.has("validate"));
    match ctl
        .writable(if flags == 0 {
            "virNetworkDefineXML"
        } else {
            "virNetworkDefineXMLFlags"
        })
        .and_then(|c| c.network.network_define_xml(&xml, flags))
    {
        Ok(net) => {
            ctl.print_extra(&format!("Network {} defined from {file}\n", net.name));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to define network from {file}"),
            &e,
        )),
    }
}

fn cmd_create(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let file = cmd.required("file")?;
    let xml = read_file(file)?;
    let flags = u32::from(cmd.has("validate"));
    match ctl
        .writable(if flags == 0 {
            "virNetworkCreateXML"
        } else {
            "virNetworkCreateXMLFlags"
        })
        .and_then(|c| c.network.network_create_xml(&xml, flags))
    {
        Ok(net) => {
            ctl.print_extra(&format!("Network {} created from {file}\n", net.name));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to create network from {file}"),
            &e,
        )),
    }
}

/// Runs a state change on the named network with virsh's messages.
fn action(
    ctl: &mut Ctl,
    cmd: &ParsedCmd,
    function: &str,
    done: &str,
    failed: &str,
    op: impl FnOnce(&rvirt::Connect, &NetworkRef) -> rvirt::Result<()>,
) -> CmdResult {
    let (net, name) = lookup::network(ctl, cmd, By::ALL)?;
    let result = ctl.writable(function).and_then(|c| op(c, &net));
    report_action(ctl, "Network", &name, done, failed, result)
}

fn cmd_start(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    action(ctl, cmd, "virNetworkCreate", "started", "start", |c, n| {
        c.network.network_create(n)
    })
}

fn cmd_destroy(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    action(
        ctl,
        cmd,
        "virNetworkDestroy",
        "destroyed",
        "destroy",
        |c, n| c.network.network_destroy(n),
    )
}

fn cmd_undefine(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    action(
        ctl,
        cmd,
        "virNetworkUndefine",
        "has been undefined",
        "undefine",
        |c, n| c.network.network_undefine(n),
    )
}

fn cmd_autostart(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (net, name) = lookup::network(ctl, cmd, By::ALL)?;
    let enable = !cmd.has("disable");
    let result = ctl
        .writable("virNetworkSetAutostart")
        .and_then(|c| c.network.network_set_autostart(&net, enable));
    report_autostart(ctl, "Network", &name, enable, result)
}

fn cmd_name(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let by = By {
        id: false,
        uuid: true,
        name: false,
    };
    let (net, _) = lookup::network(ctl, cmd, by)?;
    ctl.print(&format!("{}\n", net.name));
    Ok(())
}

fn cmd_uuid(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let by = By {
        id: false,
        uuid: false,
        name: true,
    };
    let (net, _) = lookup::network(ctl, cmd, by)?;
    ctl.print(&format!("{}\n", uuid_string(&net.uuid)));
    Ok(())
}
