//! Domain monitoring: listing domains and reporting their state, resources and devices.

use rvirt::{
    uuid_string, DomainRef, DomainState, DomainXmlFlags, ErrorCode, ListDomainsFlags,
    ModificationImpact, MEMORY_STAT_NAMES,
};
use rvirt_xml::domain::{DomainDef, ParseOptions};
use serde_json::{json, Value};

use crate::commands::domain::{exclusive, impact_flags};
use crate::ctl::{CmdResult, Ctl, Failure, OptAccess};
use crate::lookup::{self, By};
use crate::util::Table;
use crate::vsh::parser::ParsedCmd;
use crate::vsh::spec::*;

const DOMAIN: OptDef = data("domain", "the domain, by name, id or UUID");

pub fn commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new(
            "list",
            "show domains",
            "Print a table of domains.",
            cmd_list,
        )
        .opts(&[
            flag("inactive", "show only inactive domains"),
            flag("all", "show active and inactive domains"),
            flag("transient", "show only transient domains"),
            flag("persistent", "show only persistent domains"),
            flag("with-snapshot", "show only domains that have snapshots"),
            flag("without-snapshot", "show only domains without snapshots"),
            flag("with-checkpoint", "show only domains that have checkpoints"),
            flag(
                "without-checkpoint",
                "show only domains without checkpoints",
            ),
            flag("state-running", "show only running domains"),
            flag("state-paused", "show only paused domains"),
            flag("state-shutoff", "show only shut off domains"),
            flag("state-other", "show only domains in any other state"),
            flag("autostart", "show only domains that start with the host"),
            flag(
                "no-autostart",
                "show only domains that do not start with the host",
            ),
            flag(
                "with-managed-save",
                "show only domains with a managed save image",
            ),
            flag(
                "without-managed-save",
                "show only domains without a managed save image",
            ),
            flag("uuid", "print UUIDs only"),
            flag("name", "print names only"),
            flag("id", "print ids only"),
            flag("table", "print a table (the default)"),
            flag(
                "managed-save",
                "flag inactive domains that have a managed save image",
            ),
            flag("title", "add the domain's title"),
            JSON,
        ]),
        CmdDef::new(
            "dominfo",
            "domain summary",
            "Print the main facts about a domain.",
            cmd_dominfo,
        )
        .opts(&[DOMAIN, JSON]),
        CmdDef::new(
            "domstate",
            "domain's state",
            "Print the state a domain is in.",
            cmd_domstate,
        )
        .opts(&[
            DOMAIN,
            flag("reason", "add why the domain is in that state"),
            JSON,
        ]),
        CmdDef::new("domid", "print a domain's id", "", cmd_domid)
            .opts(&[data("domain", "the domain, by name or UUID")]),
        CmdDef::new("domname", "print a domain's name", "", cmd_domname)
            .opts(&[data("domain", "the domain, by id or UUID")]),
        CmdDef::new("domuuid", "print a domain's UUID", "", cmd_domuuid)
            .opts(&[data("domain", "the domain, by id or name")]),
        CmdDef::new(
            "vcpucount",
            "virtual CPU counts of a domain",
            "Print how many virtual CPUs the domain has and may have.",
            cmd_vcpucount,
        )
        .opts(&[
            DOMAIN,
            flag("maximum", "show the ceiling"),
            flag("active", "show the count in use"),
            flag("live", "read the running domain"),
            flag("config", "read the persistent configuration"),
            flag("current", "read whichever state the domain is in"),
            flag("guest", "ask the guest agent instead of the hypervisor"),
            JSON,
        ]),
        CmdDef::new(
            "dommemstat",
            "show a domain's memory counters",
            "Print the memory counters of a running domain.",
            cmd_dommemstat,
        )
        .opts(&[
            DOMAIN,
            named_int("period", "collection interval to set, in seconds"),
            flag("config", "change the persistent configuration"),
            flag("live", "change the running domain"),
            flag("current", "change whichever state the domain is in"),
            JSON,
        ]),
        CmdDef::new(
            "domblklist",
            "show a domain's disks",
            "Print a table of the domain's block devices.",
            cmd_domblklist,
        )
        .opts(&[
            DOMAIN,
            flag(
                "inactive",
                "read the persistent configuration instead of the live one",
            ),
            flag("details", "add the type and device columns"),
            JSON,
        ]),
        CmdDef::new(
            "domiflist",
            "show a domain's network interfaces",
            "Print a table of the domain's network interfaces.",
            cmd_domiflist,
        )
        .opts(&[
            DOMAIN,
            flag(
                "inactive",
                "read the persistent configuration instead of the live one",
            ),
            JSON,
        ]),
        CmdDef::new(
            "domblkstat",
            "show a disk's I/O counters",
            "Print the I/O counters of a disk of a running domain.",
            cmd_domblkstat,
        )
        .opts(&[
            DOMAIN,
            string("device", "the disk, by target or path"),
            flag("human", "print sizes for people"),
        ]),
        CmdDef::new(
            "domifstat",
            "show a network interface's counters",
            "Print the traffic counters of an interface of a running domain.",
            cmd_domifstat,
        )
        .opts(&[
            DOMAIN,
            data("interface", "the interface, by name or MAC address"),
        ]),
    ]
}

/// Order virsh lists domains in: running ones by id, then inactive ones by name.
fn sort_domains(domains: &mut [DomainRef]) {
    domains.sort_by(|a, b| match (a.id >= 0, b.id >= 0) {
        (true, true) => a.id.cmp(&b.id),
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        (false, false) => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
    });
}

fn list_flags(cmd: &ParsedCmd) -> ListDomainsFlags {
    let mut flags = ListDomainsFlags::empty();
    for (opt, flag) in [
        ("transient", ListDomainsFlags::TRANSIENT),
        ("persistent", ListDomainsFlags::PERSISTENT),
        ("with-snapshot", ListDomainsFlags::HAS_SNAPSHOT),
        ("without-snapshot", ListDomainsFlags::NO_SNAPSHOT),
        ("with-checkpoint", ListDomainsFlags::HAS_CHECKPOINT),
        ("without-checkpoint", ListDomainsFlags::NO_CHECKPOINT),
        ("state-running", ListDomainsFlags::RUNNING),
        ("state-paused", ListDomainsFlags::PAUSED),
        ("state-shutoff", ListDomainsFlags::SHUTOFF),
        ("state-other", ListDomainsFlags::OTHER),
        ("autostart", ListDomainsFlags::AUTOSTART),
        ("no-autostart", ListDomainsFlags::NO_AUTOSTART),
        ("with-managed-save", ListDomainsFlags::MANAGEDSAVE),
        ("without-managed-save", ListDomainsFlags::NO_MANAGEDSAVE),
    ] {
        if cmd.has(opt) {
            flags |= flag;
        }
    }
    if cmd.has("inactive") {
        flags |= ListDomainsFlags::INACTIVE;
    }
    if cmd.has("all") {
        flags |= ListDomainsFlags::INACTIVE | ListDomainsFlags::ACTIVE;
    }
    // Unless asked for inactive domains or for domains in given states, virsh lists the
    // running ones only.
    let state_filters = ListDomainsFlags::RUNNING
        | ListDomainsFlags::PAUSED
        | ListDomainsFlags::SHUTOFF
        | ListDomainsFlags::OTHER
        | ListDomainsFlags::INACTIVE;
    if !flags.intersects(state_filters) {
        flags |= ListDomainsFlags::ACTIVE;
    }
    flags
}

fn state_text(ctl: &Ctl, dom: &DomainRef, mark_saved: bool) -> String {
    let hv = &ctl.conn().map(|c| c.hypervisor.clone());
    let Ok(hv) = hv else {
        return "no state".to_string();
    };
    let state = hv
        .domain_get_state(dom, 0)
        .map(|(s, _)| s)
        .unwrap_or(DomainState::NoState);
    if mark_saved
        && state == DomainState::Shutoff
        && hv.domain_has_managed_save_image(dom).unwrap_or(false)
    {
        return "saved".to_string();
    }
    state.virsh_name().to_string()
}

fn title_of(ctl: &Ctl, dom: &DomainRef) -> String {
    // The title lives in the domain XML; an absent one prints empty.
    let Ok(conn) = ctl.conn() else {
        return String::new();
    };
    let xml = conn
        .hypervisor
        .domain_get_xml_desc(dom, DomainXmlFlags::empty())
        .unwrap_or_default();
    match (xml.find("<title>"), xml.find("</title>")) {
        (Some(start), Some(end)) if end > start => {
            let text = &xml[start + 7..end];
            text.lines().next().unwrap_or("").to_string()
        }
        _ => String::new(),
    }
}

fn cmd_list(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let want_uuid = cmd.has("uuid");
    let want_name = cmd.has("name");
    let want_id = cmd.has("id");
    if cmd.has("table") {
        for other in ["name", "uuid", "id"] {
            if cmd.has(other) {
                return Err(Failure::msg(format!(
                    "Options --table and --{other} are mutually exclusive"
                )));
            }
        }
    }
    let flags = list_flags(cmd);
    let mut domains = ctl
        .conn()?
        .hypervisor
        .connect_list_all_domains(flags)
        .map_err(|e| Failure::with("Failed to list domains", &e))?;
    sort_domains(&mut domains);
    let mark_saved = cmd.has("managed-save");
    let with_title = cmd.has("title");

    if cmd.has("json") {
        let items: Vec<Value> = domains
            .iter()
            .map(|d| {
                let mut item = json!({
                    "id": if d.id >= 0 { json!(d.id) } else { Value::Null },
                    "name": d.name,
                    "uuid": uuid_string(&d.uuid),
                    "state": state_text(ctl, d, mark_saved),
                });
                if with_title {
                    item["title"] = json!(title_of(ctl, d));
                }
                item
            })
            .collect();
        ctl.print_json(&Value::Array(items));
        return Ok(());
    }

    if want_uuid || want_name || want_id {
        let mut out = String::new();
        for d in &domains {
            if want_id && !want_uuid && !want_name && d.id < 0 {
                continue;
            }
            let mut parts = Vec::new();
            if want_uuid {
                parts.push(uuid_string(&d.uuid));
            }
            if want_id {
                parts.push(if d.id >= 0 {
                    d.id.to_string()
                } else {
                    "-".into()
                });
            }
            if want_name {
                parts.push(d.name.clone());
            }
            out.push_str(&parts.join(" "));
            out.push('\n');
        }
        ctl.print(&out);
        return Ok(());
    }

    let header: &[&str] = if with_title {
        &["Id", "Name", "State", "Title"]
    } else {
        &["Id", "Name", "State"]
    };
    let mut table = Table::new(header);
    for d in &domains {
        let mut row = vec![
            if d.id >= 0 {
                d.id.to_string()
            } else {
                "-".into()
            },
            d.name.clone(),
            state_text(ctl, d, mark_saved),
        ];
        if with_title {
            row.push(title_of(ctl, d));
        }
        table.row(row);
    }
    table.print(ctl);
    Ok(())
}

fn cmd_dominfo(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let hv = ctl.conn()?.hypervisor.clone();
    let mut fields: Vec<(&str, Value, String)> = Vec::new();
    let id_text = if dom.id >= 0 {
        dom.id.to_string()
    } else {
        "-".into()
    };
    let id_json = if dom.id >= 0 {
        json!(dom.id)
    } else {
        Value::Null
    };
    fields.push(("Id:", id_json, id_text));
    fields.push(("Name:", json!(dom.name), dom.name.clone()));
    let uuid = uuid_string(&dom.uuid);
    fields.push(("UUID:", json!(uuid), uuid.clone()));
    if let Ok(os) = hv.domain_get_os_type(&dom) {
        fields.push(("OS Type:", json!(os), os.clone()));
    }
    if let Ok(info) = hv.domain_get_info(&dom) {
        let state = info.state.virsh_name();
        fields.push(("State:", json!(state), state.to_string()));
        fields.push((
            "CPU(s):",
            json!(info.nr_virt_cpu),
            info.nr_virt_cpu.to_string(),
        ));
        if info.cpu_time != 0 {
            let seconds = info.cpu_time as f64 / 1e9;
            fields.push(("CPU time:", json!(seconds), format!("{seconds:.1}s")));
        }
        let max = if info.max_mem == u32::MAX as u64 {
            "no limit".to_string()
        } else {
            format!("{} KiB", info.max_mem)
        };
        fields.push(("Max memory:", json!(info.max_mem), max));
        fields.push((
            "Used memory:",
            json!(info.memory),
            format!("{} KiB", info.memory),
        ));
    }
    let persistent = hv.domain_is_persistent(&dom).ok();
    fields.push((
        "Persistent:",
        json!(persistent),
        match persistent {
            Some(p) => crate::util::yes_no(p).to_string(),
            None => "unknown".to_string(),
        },
    ));
    if let Ok(auto) = hv.domain_get_autostart(&dom) {
        fields.push((
            "Autostart:",
            json!(auto),
            if auto { "enable" } else { "disable" }.to_string(),
        ));
    }
    let saved = hv.domain_has_managed_save_image(&dom).ok();
    fields.push((
        "Managed save:",
        json!(saved),
        match saved {
            Some(s) => crate::util::yes_no(s).to_string(),
            None => "unknown".to_string(),
        },
    ));
    match hv.node_get_security_model() {
        Ok(model) if !model.model.is_empty() => {
            fields.push(("Security model:", json!(model.model), model.model.clone()));
            fields.push(("Security DOI:", json!(model.doi), model.doi.clone()));
            let label = hv.domain_get_security_label(&dom)?;
            if !label.label.is_empty() {
                let mode = if label.enforcing {
                    "enforcing"
                } else {
                    "permissive"
                };
                fields.push((
                    "Security label:",
                    json!({"label": label.label, "enforcing": label.enforcing}),
                    format!("{} ({mode})", label.label),
                ));
            }
        }
        Ok(_) => {}
        Err(e) if e.code == ErrorCode::NoSupport => {}
        Err(e) => return Err(e.into()),
    }
    if cmd.has("json") {
        let mut object = serde_json::Map::new();
        for (label, value, _) in &fields {
            object.insert(json_key(label), value.clone());
        }
        ctl.print_json(&Value::Object(object));
        return Ok(());
    }
    let mut out = String::new();
    for (label, _, text) in &fields {
        out.push_str(&format!("{label:<15} {text}\n"));
    }
    ctl.print(&out);
    Ok(())
}

/// `"Max memory:"` → `"max_memory"`; `"CPU(s):"` → `"cpus"`.
pub fn json_key(label: &str) -> String {
    label
        .trim_end_matches(':')
        .to_lowercase()
        .replace("(s)", "s")
        .replace([' ', '-'], "_")
}

fn cmd_domstate(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let (state, reason) = ctl.conn()?.hypervisor.domain_get_state(&dom, 0)?;
    if cmd.has("json") {
        ctl.print_json(&json!({
            "state": state.virsh_name(),
            "reason": state.virsh_reason(reason),
        }));
    } else if cmd.has("reason") {
        ctl.print(&format!(
            "{} ({})\n",
            state.virsh_name(),
            state.virsh_reason(reason)
        ));
    } else {
        ctl.print(&format!("{}\n", state.virsh_name()));
    }
    Ok(())
}

fn cmd_domid(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let by = By {
        id: false,
        uuid: true,
        name: true,
    };
    let (dom, _) = lookup::domain(ctl, cmd, by)?;
    if dom.id >= 0 {
        ctl.print(&format!("{}\n", dom.id));
    } else {
        ctl.print("-\n");
    }
    Ok(())
}

fn cmd_domname(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let by = By {
        id: true,
        uuid: true,
        name: false,
    };
    let (dom, _) = lookup::domain(ctl, cmd, by)?;
    ctl.print(&format!("{}\n", dom.name));
    Ok(())
}

fn cmd_domuuid(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let by = By {
        id: true,
        uuid: false,
        name: true,
    };
    let (dom, _) = lookup::domain(ctl, cmd, by)?;
    ctl.print(&format!("{}\n", uuid_string(&dom.uuid)));
    Ok(())
}

fn cmd_vcpucount(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    exclusive(cmd, "active", "maximum")?;
    exclusive(cmd, "guest", "config")?;
    exclusive(cmd, "current", "live")?;
    exclusive(cmd, "current", "config")?;
    exclusive(cmd, "live", "config")?;
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let hv = ctl.conn()?.hypervisor.clone();
    let explicit = ["maximum", "active", "live", "config", "current", "guest"]
        .iter()
        .any(|o| cmd.has(o));
    if explicit {
        let mut flags = ModificationImpact::empty();
        if cmd.has("maximum") {
            flags |= ModificationImpact::MAXIMUM;
        }
        if cmd.has("live") {
            flags |= ModificationImpact::LIVE;
        }
        if cmd.has("config") {
            flags |= ModificationImpact::CONFIG;
        }
        if cmd.has("guest") {
            flags |= ModificationImpact::GUEST;
        }
        let count = hv.domain_get_vcpus_flags(&dom, flags).map_err(|e| {
            if cmd.has("guest") {
                Failure::with("Failed to retrieve vCPU count from the guest", &e)
            } else {
                Failure::from(e)
            }
        })?;
        if cmd.has("json") {
            ctl.print_json(&json!({ "count": count }));
        } else {
            ctl.print(&format!("{count}\n"));
        }
        return Ok(());
    }
    let mut lines = Vec::new();
    for (kind, kind_flag) in [
        ("maximum", ModificationImpact::MAXIMUM),
        ("current", ModificationImpact::empty()),
    ] {
        for (scope, scope_flag) in [
            ("config", ModificationImpact::CONFIG),
            ("live", ModificationImpact::LIVE),
        ] {
            match hv.domain_get_vcpus_flags(&dom, kind_flag | scope_flag) {
                Ok(n) => lines.push((kind, scope, n)),
                // An inactive domain has no live values; virsh leaves those lines out.
                Err(e) if e.code == ErrorCode::OperationInvalid => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    if cmd.has("json") {
        let mut object = serde_json::Map::new();
        for (kind, scope, n) in &lines {
            object.insert(format!("{kind}_{scope}"), json!(n));
        }
        ctl.print_json(&Value::Object(object));
        return Ok(());
    }
    let mut out = String::new();
    for (kind, scope, n) in lines {
        out.push_str(&format!("{kind:<12} {scope:<12} {n:>3}\n"));
    }
    ctl.print(&out);
    Ok(())
}

fn cmd_dommemstat(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let flags = impact_flags(cmd)?;
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let hv = ctl.conn()?.hypervisor.clone();
    if let Some(period) = cmd.int("period")? {
        if period < 0 {
            return Err(Failure::msg(format!(
                "Invalid collection period value '{period}'"
            )));
        }
        let result = ctl
            .writable("virDomainSetMemoryStatsPeriod")
            .and_then(|_| hv.domain_set_memory_stats_period(&dom, period as i32, flags.bits()));
        return result
            .map_err(|e| Failure::with("Unable to change balloon collection period.", &e));
    }
    let stats = hv
        .domain_memory_stats(&dom, 13, 0)
        .map_err(|e| Failure::with("Failed to get memory statistics", &e))?;
    let name_of = |tag: i32| {
        MEMORY_STAT_NAMES
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, n)| *n)
    };
    if cmd.has("json") {
        let mut object = serde_json::Map::new();
        for s in &stats {
            if let Some(name) = name_of(s.tag) {
                object.insert(name.to_string(), json!(s.value));
            }
        }
        ctl.print_json(&Value::Object(object));
        return Ok(());
    }
    let mut out = String::new();
    for s in &stats {
        if let Some(name) = name_of(s.tag) {
            out.push_str(&format!("{name} {}\n", s.value));
        }
    }
    ctl.print(&out);
    Ok(())
}

/// The domain's definition, as the live or the inactive XML describes it.
fn domain_def(ctl: &Ctl, dom: &DomainRef, inactive: bool) -> Result<DomainDef, Failure> {
    let flags = if inactive {
        DomainXmlFlags::INACTIVE
    } else {
        DomainXmlFlags::empty()
    };
    let xml = ctl.conn()?.hypervisor.domain_get_xml_desc(dom, flags)?;
    Ok(DomainDef::parse(&xml, ParseOptions { live: !inactive })?)
}

fn dash(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "-".to_string())
}

fn cmd_domblklist(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let def = domain_def(ctl, &dom, cmd.has("inactive"))?;
    let disks = def.disk_summaries();
    let details = cmd.has("details");
    if cmd.has("json") {
        let items: Vec<Value> = disks
            .iter()
            .map(|d| {
                json!({
                    "type": d.disk_type,
                    "device": d.device,
                    "target": d.target_dev,
                    "source": d.source,
                })
            })
            .collect();
        ctl.print_json(&Value::Array(items));
        return Ok(());
    }
    let mut table = if details {
        Table::new(&["Type", "Device", "Target", "Source"])
    } else {
        Table::new(&["Target", "Source"])
    };
    for d in &disks {
        let mut row = Vec::new();
        if details {
            row.push(d.disk_type.clone());
            row.push(d.device.clone());
        }
        row.push(d.target_dev.clone());
        row.push(dash(&d.source));
        table.row(row);
    }
    table.print(ctl);
    Ok(())
}

fn cmd_domiflist(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let def = domain_def(ctl, &dom, cmd.has("inactive"))?;
    let ifaces = def.interface_summaries();
    if cmd.has("json") {
        let items: Vec<Value> = ifaces
            .iter()
            .map(|i| {
                json!({
                    "interface": i.target_dev,
                    "type": i.net_type,
                    "source": i.source,
                    "model": i.model,
                    "mac": i.mac,
                })
            })
            .collect();
        ctl.print_json(&Value::Array(items));
        return Ok(());
    }
    let mut table = Table::new(&["Interface", "Type", "Source", "Model", "MAC"]);
    for i in &ifaces {
        table.row(vec![
            dash(&i.target_dev),
            i.net_type.clone(),
            dash(&i.source),
            dash(&i.model),
            dash(&i.mac),
        ]);
    }
    table.print(ctl);
    Ok(())
}

fn cmd_domblkstat(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dom, name) = lookup::domain(ctl, cmd, By::ALL)?;
    let device = cmd.raw("device").unwrap_or("").to_string();
    let stats = ctl
        .conn()?
        .hypervisor
        .domain_block_stats(&dom, &device)
        .map_err(|e| Failure::with(format!("Failed to get block stats {name} {device}"), &e))?;
    let fields = [
        ("rd_req", "number of read operations:", stats.rd_req),
        ("rd_bytes", "number of bytes read:", stats.rd_bytes),
        ("wr_req", "number of write operations:", stats.wr_req),
        ("wr_bytes", "number of bytes written:", stats.wr_bytes),
        ("errs", "error count:", stats.errs),
    ];
    let mut out = String::new();
    if cmd.has("human") {
        out.push_str(&format!("Device: {device}\n"));
        for (_, label, value) in fields {
            if value >= 0 {
                out.push_str(&format!(" {label:<31} {value}\n"));
            }
        }
    } else {
        for (field, _, value) in fields {
            if value >= 0 {
                out.push_str(&format!("{device} {field} {value}\n"));
            }
        }
    }
    ctl.print(&out);
    Ok(())
}

fn cmd_domifstat(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dom, name) = lookup::domain(ctl, cmd, By::ALL)?;
    let device = cmd.required("interface")?.to_string();
    let stats = ctl
        .conn()?
        .hypervisor
        .domain_interface_stats(&dom, &device)
        .map_err(|e| Failure::with(format!("Failed to get interface stats {name} {device}"), &e))?;
    let mut out = String::new();
    for (field, value) in [
        ("rx_bytes", stats.rx_bytes),
        ("rx_packets", stats.rx_packets),
        ("rx_errs", stats.rx_errs),
        ("rx_drop", stats.rx_drop),
        ("tx_bytes", stats.tx_bytes),
        ("tx_packets", stats.tx_packets),
        ("tx_errs", stats.tx_errs),
        ("tx_drop", stats.tx_drop),
    ] {
        if value >= 0 {
            out.push_str(&format!("{device} {field} {value}\n"));
        }
    }
    ctl.print(&out);
    Ok(())
}
