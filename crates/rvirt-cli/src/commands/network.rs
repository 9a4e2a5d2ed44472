//! Virtual networks: listing, defining, starting and stopping them.

use rvirt::{uuid_string, ListNetworksFlags, NetworkRef, XmlInactiveFlags};
use serde_json::{json, Value};

use crate::ctl::{CmdResult, Ctl, Failure, OptAccess};
use crate::lookup::{self, By};
use crate::util::{read_file, yes_no, Table};
use crate::vsh::parser::ParsedCmd;
use crate::vsh::spec::*;

const NETWORK: OptDef = data("network", "network name or uuid");

pub fn commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new("net-autostart", "autostart a network", "Configure a network to be automatically started at boot.", cmd_autostart)
            .opts(&[NETWORK, flag("disable", "disable autostarting")]),
        CmdDef::new("net-create", "create a network from an XML file", "Create a network.", cmd_create).opts(&[
            data("file", "file containing an XML network description"),
            flag("validate", "validate the XML against the schema"),
        ]),
        CmdDef::new("net-define", "define an inactive persistent virtual network or modify an existing persistent one from an XML file", "Define or modify a persistent virtual network.", cmd_define).opts(&[
            data("file", "file containing an XML network description"),
            flag("validate", "validate the XML against the schema"),
        ]),
        CmdDef::new("net-destroy", "destroy (stop) a network", "Forcefully stop a given network.", cmd_destroy)
            .opts(&[NETWORK]),
        CmdDef::new("net-dumpxml", "network information in XML", "Output the network information as an XML dump to stdout.", cmd_dumpxml).opts(&[
            NETWORK,
            flag("inactive", "show inactive defined XML"),
            named_string("xpath", "xpath expression to filter the XML document"),
            flag("wrap", "wrap xpath results in an common root element"),
        ]),
        CmdDef::new("net-info", "network information", "Returns basic information about the network", cmd_info)
            .opts(&[NETWORK, JSON]),
        CmdDef::new("net-list", "list networks", "Returns list of networks.", cmd_list).opts(&[
            flag("inactive", "list inactive networks"),
            flag("all", "list inactive & active networks"),
            flag("persistent", "list persistent networks"),
            flag("transient", "list transient networks"),
            flag("autostart", "list networks with autostart enabled"),
            flag("no-autostart", "list networks with autostart disabled"),
            flag("uuid", "list uuid's only"),
            flag("name", "list network names only"),
            flag("table", "list table (default)"),
            JSON,
        ]),
        CmdDef::new("net-name", "convert a network UUID to network name", "", cmd_name)
            .opts(&[data("network", "network uuid")]),
        CmdDef::new("net-start", "start a (previously defined) inactive network", "Start a network.", cmd_start)
            .opts(&[NETWORK]),
        CmdDef::new("net-undefine", "undefine a persistent network", "Undefine the configuration for a persistent network.", cmd_undefine)
            .opts(&[NETWORK]),
        CmdDef::new("net-uuid", "convert a network name to network UUID", "", cmd_uuid)
            .opts(&[data("network", "network name")]),
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
    match ctl.writable(function).and_then(|c| op(c, &net)) {
        Ok(()) => {
            ctl.print_extra(&format!("Network {name} {done}\n"));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to {failed} network {name}"),
            &e,
        )),
    }
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
    match ctl
        .writable("virNetworkSetAutostart")
        .and_then(|c| c.network.network_set_autostart(&net, enable))
    {
        Ok(()) => {
            let verb = if enable { "marked" } else { "unmarked" };
            ctl.print_extra(&format!("Network {name} {verb} as autostarted\n"));
            Ok(())
        }
        Err(e) => {
            let verb = if enable { "mark" } else { "unmark" };
            Err(Failure::with(
                format!("failed to {verb} network {name} as autostarted"),
                &e,
            ))
        }
    }
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
