//! Storage pools: listing, defining (from files or from arguments), building, starting.

use rvirt::{
    uuid_string, ListStoragePoolsFlags, StoragePoolBuildFlags, StoragePoolDeleteFlags,
    StoragePoolRef, StoragePoolState, XmlInactiveFlags,
};
use serde_json::{json, Value};

use crate::commands::domain::exclusive;
use crate::ctl::{CmdResult, Ctl, Failure, OptAccess};
use crate::lookup::{self, By};
use crate::util::{pretty_capacity, read_file, report_action, report_autostart, yes_no, Table};
use crate::vsh::parser::ParsedCmd;
use crate::vsh::spec::*;

const POOL: OptDef = data("pool", "the pool, by name or UUID");

/// The options pool-define-as and pool-create-as share (all positional after name/type).
const AS_OPTS: &[OptDef] = &[
    data("name", "the new pool's name"),
    data("type", "the pool's type"),
    flag("print-xml", "only print the XML that would be used"),
    string("source-host", "host serving the storage"),
    string("source-path", "directory of the storage on its source"),
    string("source-dev", "device holding the storage"),
    string("source-name", "name of the storage on its source"),
    string("target", "where the pool appears on this host"),
    string("source-format", "format of the storage"),
    string("auth-type", "kind of authentication for the storage"),
    string("auth-username", "user name to authenticate with"),
    string("secret-usage", "usage of the secret to authenticate with"),
    string("secret-uuid", "UUID of the secret to authenticate with"),
    string("adapter-name", "SCSI adapter name"),
    string("adapter-wwnn", "SCSI adapter's WWNN"),
    string("adapter-wwpn", "SCSI adapter's WWPN"),
    string("adapter-parent", "parent scsi_hostN of the vHBA"),
    string("adapter-parent-wwnn", "WWNN of the vHBA's parent"),
    string("adapter-parent-wwpn", "WWPN of the vHBA's parent"),
    string(
        "adapter-parent-fabric-wwn",
        "fabric WWN of the vHBA's parent",
    ),
    string("source-protocol-ver", "NFS protocol version to mount with"),
    string("source-initiator", "iSCSI initiator IQN"),
];

const BUILD_OPTS: &[OptDef] = &[
    flag("build", "build the pool (plain build)"),
    flag("no-overwrite", "refuse to overwrite data already there"),
    flag("overwrite", "overwrite data already there"),
];

pub fn commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new(
            "pool-autostart",
            "mark a pool to start with the host",
            "Choose whether the pool is started automatically when the host boots.",
            cmd_autostart,
        )
        .opts(&[POOL, flag("disable", "turn automatic starting off")]),
        CmdDef::new(
            "pool-build",
            "prepare a pool's storage",
            "Create what the pool needs underneath (directory, file system, label...).",
            cmd_build,
        )
        .opts(&[
            POOL,
            flag("no-overwrite", "refuse to overwrite data already there"),
            flag("overwrite", "overwrite data already there"),
        ]),
        CmdDef::new(
            "pool-create-as",
            "start a transient pool described by options",
            "Start a new pool from its description.",
            cmd_create_as,
        )
        .opts(AS_OPTS)
        .opts(BUILD_OPTS),
        CmdDef::new(
            "pool-create",
            "start a transient pool described by an XML file",
            "Start a new pool from its description.",
            cmd_create,
        )
        .opts(&[data("file", "path of the pool's XML description")])
        .opts(BUILD_OPTS),
        CmdDef::new(
            "pool-define-as",
            "register a pool described by options",
            "Register a persistent pool configuration.",
            cmd_define_as,
        )
        .opts(AS_OPTS),
        CmdDef::new(
            "pool-define",
            "register or update a storage pool's configuration from an XML file",
            "Register a storage pool, or replace the configuration of an existing one.",
            cmd_define,
        )
        .opts(&[
            data("file", "path of the pool's XML description"),
            flag("validate", "check the XML against the RNG schema"),
        ]),
        CmdDef::new(
            "pool-delete",
            "erase a pool's storage",
            "Remove what the pool keeps underneath (the reverse of pool-build).",
            cmd_delete,
        )
        .opts(&[POOL]),
        CmdDef::new(
            "pool-destroy",
            "stop a pool",
            "Stop the pool at once; the data it holds stays where it is",
            cmd_destroy,
        )
        .opts(&[POOL]),
        CmdDef::new(
            "pool-dumpxml",
            "print a pool's XML description",
            "Print the XML description of the pool on standard output.",
            cmd_dumpxml,
        )
        .opts(&[
            POOL,
            flag("inactive", "print the configuration for the next boot"),
            named_string("xpath", "XPath expression selecting what to print"),
            flag("wrap", "put the XPath results under one root element"),
        ]),
        CmdDef::new(
            "pool-info",
            "storage pool summary",
            "Print the main facts and sizes of a storage pool.",
            cmd_info,
        )
        .opts(&[POOL, flag("bytes", "print sizes in bytes"), JSON]),
        CmdDef::new(
            "pool-list",
            "show storage pools",
            "Print a table of storage pools.",
            cmd_list,
        )
        .opts(&[
            flag("inactive", "show only inactive pools"),
            flag("all", "show active and inactive pools"),
            flag("transient", "show only transient pools"),
            flag("persistent", "show only persistent pools"),
            flag("autostart", "show only pools that start with the host"),
            flag(
                "no-autostart",
                "show only pools that do not start with the host",
            ),
            string("type", "show only pools of these types (comma separated)"),
            flag("details", "add state, size and allocation columns"),
            flag("uuid", "print UUIDs only"),
            flag("name", "print names only"),
            JSON,
        ]),
        CmdDef::new("pool-name", "print a pool's name", "", cmd_name).opts(&[POOL]),
        CmdDef::new(
            "pool-refresh",
            "rescan a pool",
            "Look again at the pool's storage and update its volume list.",
            cmd_refresh,
        )
        .opts(&[POOL]),
        CmdDef::new(
            "pool-start",
            "start a defined, inactive pool",
            "Bring a defined pool up.",
            cmd_start,
        )
        .opts(&[POOL])
        .opts(BUILD_OPTS),
        CmdDef::new(
            "pool-undefine",
            "remove an inactive pool's configuration",
            "Forget the configuration of an inactive pool.",
            cmd_undefine,
        )
        .opts(&[POOL]),
        CmdDef::new("pool-uuid", "print a pool's UUID", "", cmd_uuid).opts(&[POOL]),
    ]
}

/// Pool type names and their list filter bits.
const POOL_TYPES: &[(&str, ListStoragePoolsFlags)] = &[
    ("dir", ListStoragePoolsFlags::DIR),
    ("fs", ListStoragePoolsFlags::FS),
    ("netfs", ListStoragePoolsFlags::NETFS),
    ("logical", ListStoragePoolsFlags::LOGICAL),
    ("disk", ListStoragePoolsFlags::DISK),
    ("iscsi", ListStoragePoolsFlags::ISCSI),
    ("scsi", ListStoragePoolsFlags::SCSI),
    ("mpath", ListStoragePoolsFlags::MPATH),
    ("rbd", ListStoragePoolsFlags::RBD),
    ("sheepdog", ListStoragePoolsFlags::SHEEPDOG),
    ("gluster", ListStoragePoolsFlags::GLUSTER),
    ("zfs", ListStoragePoolsFlags::ZFS),
    ("vstorage", ListStoragePoolsFlags::VSTORAGE),
    ("iscsi-direct", ListStoragePoolsFlags::ISCSI_DIRECT),
];

fn state_name(state: StoragePoolState) -> &'static str {
    match state {
        StoragePoolState::Inactive => "inactive",
        StoragePoolState::Building => "building",
        StoragePoolState::Running => "running",
        StoragePoolState::Degraded => "degraded",
        StoragePoolState::Inaccessible => "inaccessible",
    }
}

fn cmd_list(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    exclusive(cmd, "details", "uuid")?;
    exclusive(cmd, "details", "name")?;
    let mut flags = if cmd.has("all") {
        ListStoragePoolsFlags::ACTIVE | ListStoragePoolsFlags::INACTIVE
    } else if cmd.has("inactive") {
        ListStoragePoolsFlags::INACTIVE
    } else {
        ListStoragePoolsFlags::ACTIVE
    };
    for (opt, flag) in [
        ("persistent", ListStoragePoolsFlags::PERSISTENT),
        ("transient", ListStoragePoolsFlags::TRANSIENT),
        ("autostart", ListStoragePoolsFlags::AUTOSTART),
        ("no-autostart", ListStoragePoolsFlags::NO_AUTOSTART),
    ] {
        if cmd.has(opt) {
            flags |= flag;
        }
    }
    if let Some(types) = cmd.string("type")? {
        for t in types.split(',') {
            match POOL_TYPES.iter().find(|(name, _)| *name == t) {
                Some((_, flag)) => flags |= *flag,
                None => return Err(Failure::msg(format!("Invalid pool type '{t}'"))),
            }
        }
    }
    let drv = ctl.conn()?.storage.clone();
    let mut pools = drv
        .connect_list_all_storage_pools(flags)
        .map_err(|e| Failure::with("Failed to list pools", &e))?;
    pools.sort_by(|a, b| a.name.cmp(&b.name));

    struct Row {
        pool: StoragePoolRef,
        info: Option<rvirt::StoragePoolInfo>,
        autostart: Option<bool>,
        persistent: Option<bool>,
    }
    let rows: Vec<Row> = pools
        .into_iter()
        .map(|p| Row {
            info: drv.storage_pool_get_info(&p).ok(),
            autostart: drv.storage_pool_get_autostart(&p).ok(),
            persistent: drv.storage_pool_is_persistent(&p).ok(),
            pool: p,
        })
        .collect();

    if cmd.has("json") {
        let items: Vec<Value> = rows
            .iter()
            .map(|r| {
                let active = r.info.map(|i| i.state != StoragePoolState::Inactive);
                json!({
                    "name": r.pool.name,
                    "uuid": uuid_string(&r.pool.uuid),
                    "state": r.info.map(|i| state_name(i.state)),
                    "active": active,
                    "autostart": r.autostart,
                    "persistent": r.persistent,
                    "capacity": r.info.filter(|_| active == Some(true)).map(|i| i.capacity),
                    "allocation": r.info.filter(|_| active == Some(true)).map(|i| i.allocation),
                    "available": r.info.filter(|_| active == Some(true)).map(|i| i.available),
                })
            })
            .collect();
        ctl.print_json(&Value::Array(items));
        return Ok(());
    }
    let (want_uuid, want_name) = (cmd.has("uuid"), cmd.has("name"));
    if want_uuid || want_name {
        let mut out = String::new();
        for r in &rows {
            let mut parts = Vec::new();
            if want_uuid {
                parts.push(uuid_string(&r.pool.uuid));
            }
            if want_name {
                // virsh pads pool names to twenty columns here.
                parts.push(format!("{:<20}", r.pool.name));
            }
            out.push_str(&parts.join(" "));
            out.push('\n');
        }
        ctl.print(&out);
        return Ok(());
    }
    let details = cmd.has("details");
    let mut table = if details {
        Table::new(&[
            "Name",
            "State",
            "Autostart",
            "Persistent",
            "Capacity",
            "Allocation",
            "Available",
        ])
    } else {
        Table::new(&["Name", "State", "Autostart"])
    };
    for r in &rows {
        let active = r
            .info
            .map(|i| i.state != StoragePoolState::Inactive)
            .unwrap_or(false);
        let autostart = r
            .autostart
            .map(yes_no)
            .unwrap_or("no autostart")
            .to_string();
        if details {
            let state = r.info.map(|i| state_name(i.state)).unwrap_or("unknown");
            let sizes = match r.info {
                Some(i) if active => [
                    pretty_capacity(i.capacity),
                    pretty_capacity(i.allocation),
                    pretty_capacity(i.available),
                ],
                _ => ["-".into(), "-".into(), "-".into()],
            };
            let [cap, alloc, avail] = sizes;
            table.row(vec![
                r.pool.name.clone(),
                state.to_string(),
                autostart,
                r.persistent.map(yes_no).unwrap_or("unknown").to_string(),
                cap,
                alloc,
                avail,
            ]);
        } else {
            table.row(vec![
                r.pool.name.clone(),
                if active { "active" } else { "inactive" }.to_string(),
                autostart,
            ]);
        }
    }
    table.print(ctl);
    Ok(())
}

fn cmd_info(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (pool, _) = lookup::pool(ctl, cmd, By::ALL)?;
    let drv = ctl.conn()?.storage.clone();
    let info = drv.storage_pool_get_info(&pool)?;
    let persistent = drv.storage_pool_is_persistent(&pool).ok();
    let autostart = drv.storage_pool_get_autostart(&pool).ok();
    let active = matches!(
        info.state,
        StoragePoolState::Running | StoragePoolState::Degraded
    );
    if cmd.has("json") {
        let mut object = json!({
            "name": pool.name,
            "uuid": uuid_string(&pool.uuid),
            "state": state_name(info.state),
            "persistent": persistent,
            "autostart": autostart,
        });
        if active {
            object["capacity"] = json!(info.capacity);
            object["allocation"] = json!(info.allocation);
            object["available"] = json!(info.available);
        }
        ctl.print_json(&object);
        return Ok(());
    }
    let mut out = format!(
        "{:<15} {}\n{:<15} {}\n{:<15} {}\n",
        "Name:",
        pool.name,
        "UUID:",
        uuid_string(&pool.uuid),
        "State:",
        state_name(info.state)
    );
    if let Some(p) = persistent {
        out.push_str(&format!("{:<15} {}\n", "Persistent:", yes_no(p)));
    } else {
        out.push_str(&format!("{:<15} {}\n", "Persistent:", "unknown"));
    }
    match autostart {
        Some(a) => out.push_str(&format!("{:<15} {}\n", "Autostart:", yes_no(a))),
        None => out.push_str(&format!("{:<15} {}\n", "Autostart:", "no autostart")),
    }
    if active {
        let size = |v: u64| {
            if cmd.has("bytes") {
                v.to_string()
            } else {
                pretty_capacity(v)
            }
        };
        out.push_str(&format!("{:<15} {}\n", "Capacity:", size(info.capacity)));
        out.push_str(&format!(
            "{:<15} {}\n",
            "Allocation:",
            size(info.allocation)
        ));
        out.push_str(&format!("{:<15} {}\n", "Available:", size(info.available)));
    }
    ctl.print(&out);
    Ok(())
}

fn cmd_dumpxml(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (pool, _) = lookup::pool(ctl, cmd, By::ALL)?;
    let flags = if cmd.has("inactive") {
        XmlInactiveFlags::INACTIVE
    } else {
        XmlInactiveFlags::empty()
    };
    let xml = ctl
        .conn()?
        .storage
        .storage_pool_get_xml_desc(&pool, flags)?;
    crate::xpath::print_xml(ctl, cmd, &xml)
}

/// `VIR_STORAGE_POOL_CREATE_WITH_BUILD*` from `--build`, `--overwrite`, `--no-overwrite`.
fn create_flags(cmd: &ParsedCmd) -> Result<u32, Failure> {
    exclusive(cmd, "overwrite", "no-overwrite")?;
    let mut flags = 0;
    if cmd.has("build") {
        flags |= 1;
    }
    if cmd.has("overwrite") {
        flags |= 1 << 1;
    }
    if cmd.has("no-overwrite") {
        flags |= 1 << 2;
    }
    Ok(flags)
}

fn cmd_define(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let file = cmd.required("file")?;
    let xml = read_file(file)?;
    let flags = u32::from(cmd.has("validate"));
    match ctl
        .writable("virStoragePoolDefineXML")
        .and_then(|c| c.storage.storage_pool_define_xml(&xml, flags))
    {
        Ok(pool) => {
            ctl.print_extra(&format!("Pool {} defined from {file}\n", pool.name));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to define pool from {file}"),
            &e,
        )),
    }
}

fn cmd_create(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let file = cmd.required("file")?;
    let flags = create_flags(cmd)?;
    let xml = read_file(file)?;
    match ctl
        .writable("virStoragePoolCreateXML")
        .and_then(|c| c.storage.storage_pool_create_xml(&xml, flags))
    {
        Ok(pool) => {
            ctl.print_extra(&format!("Pool {} created from {file}\n", pool.name));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to create pool from {file}"),
            &e,
        )),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}

/// The pool XML virsh builds from pool-define-as / pool-create-as arguments.
fn build_pool_xml(cmd: &ParsedCmd) -> Result<(String, String), Failure> {
    let name = cmd.required("name")?.to_string();
    let kind = cmd.required("type")?;
    let opt = |n: &str| cmd.string(n);
    let host = opt("source-host")?;
    let path = opt("source-path")?;
    let dev = opt("source-dev")?;
    let src_name = opt("source-name")?;
    let target = opt("target")?;
    let format = opt("source-format")?;
    let initiator = opt("source-initiator")?;
    let protocol = opt("source-protocol-ver")?;
    let adapter_name = opt("adapter-name")?;
    let auth_type = opt("auth-type")?;
    let auth_user = opt("auth-username")?;
    let secret_usage = opt("secret-usage")?;
    let secret_uuid = opt("secret-uuid")?;
    let mut xml = format!(
        "<pool type='{}'>\n  <name>{}</name>\n",
        escape(kind),
        escape(&name)
    );
    let has_source = [
        host,
        path,
        dev,
        src_name,
        format,
        initiator,
        protocol,
        adapter_name,
        auth_type,
    ]
    .iter()
    .any(Option::is_some);
    if has_source {
        xml.push_str("  <source>\n");
        if let Some(h) = host {
            xml.push_str(&format!("    <host name='{}'/>\n", escape(h)));
        }
        if let Some(p) = path {
            xml.push_str(&format!("    <dir path='{}'/>\n", escape(p)));
        }
        if let Some(d) = dev {
            xml.push_str(&format!("    <device path='{}'/>\n", escape(d)));
        }
        if let Some(i) = initiator {
            xml.push_str(&format!(
                "    <initiator>\n      <iqn name='{}'/>\n    </initiator>\n",
                escape(i)
            ));
        }
        if let Some(a) = adapter_name {
            xml.push_str(&format!("    <adapter name='{}'/>\n", escape(a)));
        }
        if let Some(f) = format {
            xml.push_str(&format!("    <format type='{}'/>\n", escape(f)));
        }
        if let Some(n) = src_name {
            xml.push_str(&format!("    <name>{}</name>\n", escape(n)));
        }
        if let Some(v) = protocol {
            xml.push_str(&format!("    <protocol ver='{}'/>\n", escape(v)));
        }
        if let (Some(t), Some(u)) = (auth_type, auth_user) {
            xml.push_str(&format!(
                "    <auth type='{}' username='{}'>\n",
                escape(t),
                escape(u)
            ));
            if let Some(s) = secret_usage {
                xml.push_str(&format!("      <secret usage='{}'/>\n", escape(s)));
            }
            if let Some(s) = secret_uuid {
                xml.push_str(&format!("      <secret uuid='{}'/>\n", escape(s)));
            }
            xml.push_str("    </auth>\n");
        }
        xml.push_str("  </source>\n");
    }
    if let Some(t) = target {
        xml.push_str(&format!(
            "  <target>\n    <path>{}</path>\n  </target>\n",
            escape(t)
        ));
    }
    xml.push_str("</pool>\n");
    Ok((name, xml))
}

fn cmd_define_as(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (name, xml) = build_pool_xml(cmd)?;
    if cmd.has("print-xml") {
        ctl.print(&xml);
        return Ok(());
    }
    match ctl
        .writable("virStoragePoolDefineXML")
        .and_then(|c| c.storage.storage_pool_define_xml(&xml, 0))
    {
        Ok(pool) => {
            ctl.print_extra(&format!("Pool {} defined\n", pool.name));
            Ok(())
        }
        Err(e) => Err(Failure::with(format!("Failed to define pool {name}"), &e)),
    }
}

fn cmd_create_as(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let flags = create_flags(cmd)?;
    let (name, xml) = build_pool_xml(cmd)?;
    if cmd.has("print-xml") {
        ctl.print(&xml);
        return Ok(());
    }
    match ctl
        .writable("virStoragePoolCreateXML")
        .and_then(|c| c.storage.storage_pool_create_xml(&xml, flags))
    {
        Ok(pool) => {
            ctl.print_extra(&format!("Pool {} created\n", pool.name));
            Ok(())
        }
        Err(e) => Err(Failure::with(format!("Failed to create pool {name}"), &e)),
    }
}

/// Runs a state change on the named pool with virsh's messages.
fn action(
    ctl: &mut Ctl,
    cmd: &ParsedCmd,
    function: &str,
    done: &str,
    failed: &str,
    op: impl FnOnce(&rvirt::Connect, &StoragePoolRef) -> rvirt::Result<()>,
) -> CmdResult {
    let (pool, name) = lookup::pool(ctl, cmd, By::ALL)?;
    let result = ctl.writable(function).and_then(|c| op(c, &pool));
    report_action(ctl, "Pool", &name, done, failed, result)
}

fn cmd_build(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    exclusive(cmd, "overwrite", "no-overwrite")?;
    let mut flags = StoragePoolBuildFlags::empty();
    if cmd.has("overwrite") {
        flags |= StoragePoolBuildFlags::OVERWRITE;
    }
    if cmd.has("no-overwrite") {
        flags |= StoragePoolBuildFlags::NO_OVERWRITE;
    }
    action(ctl, cmd, "virStoragePoolBuild", "built", "build", |c, p| {
        c.storage.storage_pool_build(p, flags)
    })
}

fn cmd_start(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let flags = create_flags(cmd)?;
    action(
        ctl,
        cmd,
        "virStoragePoolCreate",
        "started",
        "start",
        |c, p| c.storage.storage_pool_create(p, flags),
    )
}

fn cmd_destroy(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    action(
        ctl,
        cmd,
        "virStoragePoolDestroy",
        "destroyed",
        "destroy",
        |c, p| c.storage.storage_pool_destroy(p),
    )
}

fn cmd_delete(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    action(
        ctl,
        cmd,
        "virStoragePoolDelete",
        "deleted",
        "delete",
        |c, p| {
            c.storage
                .storage_pool_delete(p, StoragePoolDeleteFlags::empty())
        },
    )
}

fn cmd_undefine(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    action(
        ctl,
        cmd,
        "virStoragePoolUndefine",
        "has been undefined",
        "undefine",
        |c, p| c.storage.storage_pool_undefine(p),
    )
}

fn cmd_refresh(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    action(
        ctl,
        cmd,
        "virStoragePoolRefresh",
        "refreshed",
        "refresh",
        |c, p| c.storage.storage_pool_refresh(p, 0),
    )
}

fn cmd_autostart(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (pool, name) = lookup::pool(ctl, cmd, By::ALL)?;
    let enable = !cmd.has("disable");
    let result = ctl
        .writable("virStoragePoolSetAutostart")
        .and_then(|c| c.storage.storage_pool_set_autostart(&pool, enable));
    report_autostart(ctl, "Pool", &name, enable, result)
}

fn cmd_name(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let by = By {
        id: false,
        uuid: true,
        name: false,
    };
    let (pool, _) = lookup::pool(ctl, cmd, by)?;
    ctl.print(&format!("{}\n", pool.name));
    Ok(())
}

fn cmd_uuid(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let by = By {
        id: false,
        uuid: false,
        name: true,
    };
    let (pool, _) = lookup::pool(ctl, cmd, by)?;
    ctl.print(&format!("{}\n", uuid_string(&pool.uuid)));
    Ok(())
}
