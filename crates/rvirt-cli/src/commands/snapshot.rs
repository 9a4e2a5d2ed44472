//! Domain snapshots: creating, listing (table, names, tree), inspecting, reverting and
//! deleting them. Parents, children and the current mark are worked out from the snapshots'
//! XML and the driver's list, since the driver interface has no per-snapshot child listing.

use rvirt::{DomainRef, DomainSnapshotRef, ErrorCode};

use crate::commands::nodedev::render_tree;
use crate::ctl::{CmdResult, Ctl, Failure, OptAccess};
use crate::lookup::{self, By};
use crate::util::{read_file, Table};
use crate::vsh::parser::ParsedCmd;
use crate::vsh::spec::*;

// Flag values of libvirt's public snapshot API.
const CREATE_REDEFINE: u32 = 1 << 0;
const CREATE_CURRENT: u32 = 1 << 1;
const CREATE_NO_METADATA: u32 = 1 << 2;
const CREATE_HALT: u32 = 1 << 3;
const CREATE_DISK_ONLY: u32 = 1 << 4;
const CREATE_REUSE_EXT: u32 = 1 << 5;
const CREATE_QUIESCE: u32 = 1 << 6;
const CREATE_ATOMIC: u32 = 1 << 7;
const CREATE_LIVE: u32 = 1 << 8;
const CREATE_VALIDATE: u32 = 1 << 9;
/// `LIST_ROOTS` for a whole-domain listing, `LIST_DESCENDANTS` for a child listing.
const LIST_ROOTS: u32 = 1 << 0;
const LIST_METADATA: u32 = 1 << 1;
const LIST_LEAVES: u32 = 1 << 2;
const LIST_NO_LEAVES: u32 = 1 << 3;
const LIST_NO_METADATA: u32 = 1 << 4;
const LIST_INACTIVE: u32 = 1 << 5;
const LIST_ACTIVE: u32 = 1 << 6;
const LIST_DISK_ONLY: u32 = 1 << 7;
const LIST_INTERNAL: u32 = 1 << 8;
const LIST_EXTERNAL: u32 = 1 << 9;
const LIST_TOPOLOGICAL: u32 = 1 << 10;
const DELETE_CHILDREN: u32 = 1 << 0;
const DELETE_METADATA_ONLY: u32 = 1 << 1;
const DELETE_CHILDREN_ONLY: u32 = 1 << 2;
const REVERT_RUNNING: u32 = 1 << 0;
const REVERT_PAUSED: u32 = 1 << 1;
const REVERT_FORCE: u32 = 1 << 2;
const REVERT_RESET_NVRAM: u32 = 1 << 3;
const XML_SECURE: u32 = 1 << 0;

const DOMAIN: OptDef = data("domain", "the domain, by name, id or UUID");
const NO_METADATA: OptDef = flag("no-metadata", "take the snapshot but keep no record of it");
const HALT: OptDef = flag("halt", "stop the domain once the snapshot exists");
const DISK_ONLY: OptDef = flag("disk-only", "capture the disks only, not the memory");
const REUSE_EXTERNAL: OptDef = flag(
    "reuse-external",
    "write into external files that already exist",
);
const QUIESCE: OptDef = flag("quiesce", "freeze the guest's file systems meanwhile");
const ATOMIC: OptDef = flag("atomic", "all disks or none");
const LIVE: OptDef = flag("live", "snapshot while the domain keeps running");
const VALIDATE: OptDef = flag("validate", "check the XML against the RNG schema");

pub fn commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new(
            "snapshot-create",
            "take a snapshot described by XML",
            "Take a snapshot of the domain's disks and memory, as an XML file describes it.",
            cmd_create,
        )
        .opts(&[
            DOMAIN,
            string("xmlfile", "path of the snapshot's XML description"),
            flag(
                "redefine",
                "record the metadata of a snapshot that already exists",
            ),
            flag("current", "with --redefine, make it the current snapshot"),
            NO_METADATA,
            HALT,
            DISK_ONLY,
            REUSE_EXTERNAL,
            QUIESCE,
            ATOMIC,
            LIVE,
            VALIDATE,
        ]),
        CmdDef::new(
            "snapshot-create-as",
            "take a snapshot described by options",
            "Take a snapshot of the domain's disks and memory, as the options describe it.",
            cmd_create_as,
        )
        .opts(&[
            DOMAIN,
            string("name", "the snapshot's name"),
            string("description", "free text describing the snapshot"),
            flag("print-xml", "only print the XML that would be used"),
            NO_METADATA,
            HALT,
            DISK_ONLY,
            REUSE_EXTERNAL,
            QUIESCE,
            ATOMIC,
            LIVE,
            VALIDATE,
            named_string("memspec", "where memory goes: [file=]name[,snapshot=type]"),
            argv(
                "diskspec",
                "one disk: disk[,snapshot=type][,driver=type][,file=name]",
            ),
        ]),
        CmdDef::new(
            "snapshot-current",
            "show or choose the current snapshot",
            "Print the current snapshot, or make another snapshot the current one.",
            cmd_current,
        )
        .opts(&[
            DOMAIN,
            flag("name", "print its name instead of its XML"),
            flag("security-info", "include secrets such as passwords"),
            string("snapshotname", "the snapshot to make current"),
        ]),
        CmdDef::new(
            "snapshot-delete",
            "remove a domain snapshot",
            "Remove a snapshot, its descendants too if asked.",
            cmd_delete,
        )
        .opts(&[
            DOMAIN,
            string("snapshotname", "the snapshot's name"),
            flag("current", "remove the current snapshot"),
            flag("children", "remove its descendants as well"),
            flag("children-only", "remove its descendants but keep it"),
            flag(
                "metadata",
                "forget the snapshot but leave its data in place",
            ),
        ]),
        CmdDef::new(
            "snapshot-dumpxml",
            "print a snapshot's XML description",
            "Print the XML description of a domain snapshot.",
            cmd_dumpxml,
        )
        .opts(&[
            DOMAIN,
            data("snapshotname", "the snapshot's name"),
            flag("security-info", "include secrets such as passwords"),
            named_string("xpath", "XPath expression selecting what to print"),
            flag("wrap", "put the XPath results under one root element"),
        ]),
        CmdDef::new(
            "snapshot-info",
            "snapshot summary",
            "Print the main facts about a snapshot.",
            cmd_info,
        )
        .opts(&[
            DOMAIN,
            string("snapshotname", "the snapshot's name"),
            flag("current", "describe the current snapshot"),
        ]),
        CmdDef::new(
            "snapshot-list",
            "show a domain's snapshots",
            "Print the snapshots of a domain as a table, names or a tree.",
            cmd_list,
        )
        .opts(&[
            DOMAIN,
            flag("parent", "add a column naming each parent"),
            flag("roots", "show only snapshots without a parent"),
            flag("leaves", "show only snapshots without children"),
            flag("no-leaves", "show only snapshots that have children"),
            flag(
                "metadata",
                "show only snapshots whose metadata blocks undefine",
            ),
            flag("no-metadata", "show only snapshots without metadata"),
            flag("inactive", "show only snapshots of a shut off domain"),
            flag("active", "show only snapshots of a running domain"),
            flag("disk-only", "show only disk-only snapshots"),
            flag("internal", "show only internal snapshots"),
            flag("external", "show only external snapshots"),
            flag("tree", "draw the snapshots as a tree"),
            string("from", "show only children of this snapshot"),
            flag("current", "show only children of the current snapshot"),
            flag(
                "descendants",
                "with --from or --current, include every descendant",
            ),
            flag("name", "print names only"),
            flag(
                "topological",
                "order parents before children instead of by name",
            ),
        ]),
        CmdDef::new(
            "snapshot-parent",
            "print the parent of a snapshot",
            "Print the name of the snapshot a snapshot was taken on top of.",
            cmd_parent,
        )
        .opts(&[
            DOMAIN,
            string("snapshotname", "the snapshot whose parent to print"),
            flag("current", "use the current snapshot"),
        ]),
        CmdDef::new(
            "snapshot-revert",
            "return a domain to a snapshot",
            "Put the domain back in the state a snapshot recorded.",
            cmd_revert,
        )
        .opts(&[
            DOMAIN,
            string("snapshotname", "the snapshot's name"),
            flag("current", "use the current snapshot"),
            flag("running", "leave the domain running afterwards"),
            flag("paused", "leave the domain paused afterwards"),
            flag("force", "go ahead with reverts that are risky"),
            flag("reset-nvram", "recreate the NVRAM from its template"),
        ]),
    ]
}

/// Adds an XML-escaped attribute or element text as virsh's buffer escaping does.
fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Splits on `,` where `,,` stands for a literal comma (vsh's list syntax).
fn split_list(text: &str) -> Vec<String> {
    let mut items = vec![String::new()];
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ',' {
            if chars.peek() == Some(&',') {
                chars.next();
                if let Some(last) = items.last_mut() {
                    last.push(',');
                }
            } else {
                items.push(String::new());
            }
        } else if let Some(last) = items.last_mut() {
            last.push(c);
        }
    }
    items
}

/// `<memory .../>` from `--memspec [file=]NAME[,snapshot=TYPE]`.
fn memspec_xml(spec: &str) -> Option<String> {
    let mut snapshot = None;
    let mut file = None;
    for item in split_list(spec) {
        if let (None, Some(v)) = (&snapshot, item.strip_prefix("snapshot=")) {
            snapshot = Some(v.to_string());
        } else if let (None, Some(v)) = (&file, item.strip_prefix("file=")) {
            file = Some(v.to_string());
        } else if file.is_none() && item.starts_with('/') {
            file = Some(item);
        } else {
            return None;
        }
    }
    let mut out = String::from("  <memory");
    if let Some(s) = snapshot {
        out.push_str(&format!(" snapshot='{}'", escape_xml(&s)));
    }
    if let Some(f) = file {
        out.push_str(&format!(" file='{}'", escape_xml(&f)));
    }
    out.push_str("/>\n");
    Some(out)
}

/// `<disk .../>` from `--diskspec DISK[,snapshot=TYPE][,driver=TYPE][,file=NAME]`.
fn diskspec_xml(spec: &str) -> Option<String> {
    let items = split_list(spec);
    let (name, rest) = items.split_first()?;
    let (mut snapshot, mut driver, mut file) = (None, None, None);
    for item in rest {
        if let (None, Some(v)) = (&snapshot, item.strip_prefix("snapshot=")) {
            snapshot = Some(v);
        } else if let (None, Some(v)) = (&driver, item.strip_prefix("driver=")) {
            driver = Some(v);
        } else if let (None, Some(v)) = (&file, item.strip_prefix("file=")) {
            file = Some(v);
        } else {
            return None;
        }
    }
    let mut out = format!("    <disk name='{}'", escape_xml(name));
    if let Some(s) = snapshot {
        out.push_str(&format!(" snapshot='{s}'"));
    }
    if driver.is_none() && file.is_none() {
        out.push_str("/>\n");
        return Some(out);
    }
    out.push_str(">\n");
    if let Some(d) = driver {
        out.push_str(&format!("      <driver type='{d}'/>\n"));
    }
    if let Some(f) = file {
        out.push_str(&format!("      <source file='{}'/>\n", escape_xml(f)));
    }
    out.push_str("    </disk>\n");
    Some(out)
}

/// The creation flags shared by `snapshot-create` and `snapshot-create-as`.
fn create_flags(cmd: &ParsedCmd) -> u32 {
    [
        ("no-metadata", CREATE_NO_METADATA),
        ("halt", CREATE_HALT),
        ("disk-only", CREATE_DISK_ONLY),
        ("reuse-external", CREATE_REUSE_EXT),
        ("quiesce", CREATE_QUIESCE),
        ("atomic", CREATE_ATOMIC),
        ("live", CREATE_LIVE),
        ("validate", CREATE_VALIDATE),
        ("redefine", CREATE_REDEFINE),
        ("current", CREATE_CURRENT),
    ]
    .iter()
    .filter(|(name, _)| cmd.has(name))
    .fold(0, |acc, (_, bit)| acc | bit)
}

fn create(ctl: &Ctl, dom: &DomainRef, xml: &str, flags: u32) -> Result<String, Failure> {
    let conn = ctl.writable("virDomainSnapshotCreateXML")?;
    let snap = conn
        .hypervisor
        .domain_snapshot_create_xml(dom, xml, flags)?;
    Ok(snap.name)
}

fn cmd_create(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let flags = create_flags(cmd);
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let from = cmd.string("xmlfile")?;
    let xml = match from {
        Some(path) => read_file(path)?,
        None => "<domainsnapshot/>".to_string(),
    };
    let name = create(ctl, &dom, &xml, flags)?;
    match from {
        Some(path) => ctl.print_extra(&format!("Domain snapshot {name} created from '{path}'")),
        None => ctl.print_extra(&format!("Domain snapshot {name} created")),
    }
    Ok(())
}

fn cmd_create_as(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let flags = create_flags(cmd);
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let name = cmd.string("name")?;
    let description = cmd.string("description")?;
    let mut xml = String::from("<domainsnapshot>\n");
    if let Some(n) = name {
        xml.push_str(&format!("  <name>{}</name>\n", escape_xml(n)));
    }
    if let Some(d) = description {
        xml.push_str(&format!("  <description>{}</description>\n", escape_xml(d)));
    }
    if let Some(spec) = cmd.string("memspec")? {
        let memory = memspec_xml(spec)
            .ok_or_else(|| Failure::msg(format!("unable to parse memspec: {spec}")))?;
        xml.push_str(&memory);
    }
    let disks = cmd.all("diskspec");
    if !disks.is_empty() {
        xml.push_str("  <disks>\n");
        for spec in disks {
            let disk = diskspec_xml(spec)
                .ok_or_else(|| Failure::msg(format!("unable to parse diskspec: {spec}")))?;
            xml.push_str(&disk);
        }
        xml.push_str("  </disks>\n");
    }
    xml.push_str("</domainsnapshot>\n");
    if cmd.has("print-xml") {
        ctl.print(&format!("{xml}\n"));
        return Ok(());
    }
    let created = create(ctl, &dom, &xml, flags)?;
    ctl.print_extra(&format!("Domain snapshot {created} created"));
    Ok(())
}

/// The snapshot named by option `arg`, or the current one with `--current`, as virsh
/// resolves `{--current | --ARG name}`.
fn chosen_snapshot(
    ctl: &Ctl,
    cmd: &ParsedCmd,
    arg: &str,
    dom: &DomainRef,
) -> Result<DomainSnapshotRef, Failure> {
    let current = cmd.has("current");
    let name = cmd.string(arg)?;
    if current && name.is_some() {
        return Err(Failure::msg(format!(
            "--{arg} and --current are mutually exclusive"
        )));
    }
    let hv = &ctl.conn()?.hypervisor;
    match name {
        Some(n) => Ok(hv.domain_snapshot_lookup_by_name(dom, n, 0)?),
        None if current => Ok(hv.domain_snapshot_current(dom, 0)?),
        None => Err(Failure::msg(format!("--{arg} or --current is required"))),
    }
}

/// What the list and info commands read from a snapshot's XML.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct SnapshotFacts {
    name: String,
    parent: Option<String>,
    state: String,
    creation_time: Option<i64>,
    external: bool,
}

fn facts_from_xml(name: &str, xml: &str) -> Result<SnapshotFacts, Failure> {
    let doc = roxmltree::Document::parse(xml)
        .map_err(|_| Failure::msg("unexpected problem reading snapshot xml"))?;
    let root = doc.root_element();
    let child = |tag: &str| root.children().find(|n| n.has_tag_name(tag));
    let text = |tag: &str| child(tag).and_then(|n| n.text()).map(str::to_string);
    let state = text("state").unwrap_or_default();
    let parent = child("parent")
        .and_then(|p| p.children().find(|n| n.has_tag_name("name")))
        .and_then(|n| n.text())
        .map(str::to_string);
    let external = match child("memory") {
        Some(memory) => {
            memory.attribute("snapshot") == Some("external")
                || child("disks").is_some_and(|disks| {
                    disks
                        .children()
                        .filter(|d| d.has_tag_name("disk"))
                        .any(|d| d.attribute("snapshot") == Some("external"))
                })
        }
        None => state == "disk-snapshot",
    };
    Ok(SnapshotFacts {
        name: name.to_string(),
        parent,
        state,
        creation_time: text("creationTime").and_then(|t| t.trim().parse().ok()),
        external,
    })
}

fn facts(ctl: &Ctl, snap: &DomainSnapshotRef) -> Result<SnapshotFacts, Failure> {
    let xml = ctl
        .conn()?
        .hypervisor
        .domain_snapshot_get_xml_desc(snap, 0)?;
    facts_from_xml(&snap.name, &xml)
}

/// Names of the snapshots below `name`: its children, or all its descendants.
fn below(all: &[SnapshotFacts], name: &str, descendants: bool) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut frontier = vec![name.to_string()];
    while let Some(parent) = frontier.pop() {
        for snap in all.iter().filter(|s| s.parent.as_deref() == Some(&parent)) {
            if !found.contains(&snap.name) {
                found.push(snap.name.clone());
                if descendants {
                    frontier.push(snap.name.clone());
                }
            }
        }
    }
    found
}

fn all_facts(ctl: &Ctl, dom: &DomainRef, flags: u32) -> Result<Vec<SnapshotFacts>, Failure> {
    let snaps = ctl
        .conn()?
        .hypervisor
        .domain_list_all_snapshots(dom, flags)?;
    snaps.iter().map(|s| facts(ctl, s)).collect()
}

fn cmd_info(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let snap = chosen_snapshot(ctl, cmd, "snapshotname", &dom)?;
    let hv = ctl.conn()?.hypervisor.clone();
    let mut out = format!("{:<15} {}\n", "Name:", snap.name);
    out.push_str(&format!("{:<15} {}\n", "Domain:", dom.name));
    let current = hv
        .domain_snapshot_current(&dom, 0)
        .is_ok_and(|c| c.name == snap.name);
    out.push_str(&format!(
        "{:<15} {}\n",
        "Current:",
        if current { "yes" } else { "no" }
    ));
    let me = facts(ctl, &snap)?;
    out.push_str(&format!("{:<15} {}\n", "State:", me.state));
    out.push_str(&format!(
        "{:<15} {}\n",
        "Location:",
        if me.external { "external" } else { "internal" }
    ));
    out.push_str(&format!(
        "{:<15} {}\n",
        "Parent:",
        me.parent.as_deref().unwrap_or("-")
    ));
    let all = all_facts(ctl, &dom, 0)?;
    out.push_str(&format!(
        "{:<15} {}\n",
        "Children:",
        below(&all, &snap.name, false).len()
    ));
    out.push_str(&format!(
        "{:<15} {}\n",
        "Descendants:",
        below(&all, &snap.name, true).len()
    ));
    // Every snapshot the drivers keep has metadata (no driver creates them without).
    out.push_str(&format!("{:<15} {}\n", "Metadata:", "yes"));
    ctl.print(&out);
    Ok(())
}

fn exclusive(cmd: &ParsedCmd, a: &str, b: &str) -> Result<(), Failure> {
    if cmd.has(a) && cmd.has(b) {
        return Err(Failure::msg(format!(
            "Options --{a} and --{b} are mutually exclusive"
        )));
    }
    Ok(())
}

fn cmd_list(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let tree = cmd.has("tree");
    for (a, b) in [
        ("tree", "name"),
        ("parent", "roots"),
        ("parent", "tree"),
        ("roots", "tree"),
        ("roots", "from"),
        ("roots", "current"),
    ] {
        exclusive(cmd, a, b)?;
    }
    let mut flags = 0;
    for (option, bit) in [
        ("leaves", LIST_LEAVES),
        ("no-leaves", LIST_NO_LEAVES),
        ("inactive", LIST_INACTIVE),
        ("active", LIST_ACTIVE),
        ("disk-only", LIST_DISK_ONLY),
        ("internal", LIST_INTERNAL),
        ("external", LIST_EXTERNAL),
    ] {
        if cmd.has(option) {
            if tree {
                return Err(Failure::msg(format!(
                    "--{option} and --tree are mutually exclusive"
                )));
            }
            flags |= bit;
        }
    }
    for (option, bit) in [
        ("roots", LIST_ROOTS),
        ("metadata", LIST_METADATA),
        ("no-metadata", LIST_NO_METADATA),
        ("topological", LIST_TOPOLOGICAL),
    ] {
        if cmd.has(option) {
            flags |= bit;
        }
    }
    let from_given = cmd.has("from") || cmd.has("current");
    let descendants = cmd.has("descendants");
    if descendants && !from_given {
        return Err(Failure::msg(
            "--descendants requires either --from or --current",
        ));
    }
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let start = if from_given {
        Some(chosen_snapshot(ctl, cmd, "from", &dom)?)
    } else {
        None
    };
    let mut snaps = all_facts(ctl, &dom, flags)?;
    if let Some(start) = &start {
        // A child listing: the whole list (for parents) restricted to what lies below; a
        // tree shows only the children too (virsh asks for descendants only on request).
        let everything = if flags == 0 {
            snaps.clone()
        } else {
            all_facts(ctl, &dom, 0)?
        };
        let wanted = below(&everything, &start.name, descendants);
        snaps.retain(|s| wanted.contains(&s.name));
        if tree {
            let mut root = facts(ctl, start)?;
            root.parent = None;
            snaps.push(root);
        }
    }
    if flags & LIST_TOPOLOGICAL == 0 {
        snaps.sort_by_key(|s| s.name.to_lowercase());
    }
    if tree {
        let names: Vec<String> = snaps.iter().map(|s| s.name.clone()).collect();
        let parents: Vec<Option<String>> = snaps.iter().map(|s| s.parent.clone()).collect();
        ctl.print(&render_tree(&names, &parents));
        return Ok(());
    }
    if cmd.has("name") {
        let text: String = snaps.iter().map(|s| format!("{}\n", s.name)).collect();
        ctl.print(&text);
        return Ok(());
    }
    let with_parent = cmd.has("parent");
    let mut header = vec!["Name", "Creation Time", "State"];
    if with_parent {
        header.push("Parent");
    }
    let mut table = Table::new(&header);
    for snap in &snaps {
        let mut row = vec![
            snap.name.clone(),
            snap.creation_time.map(format_time).unwrap_or_default(),
            snap.state.clone(),
        ];
        if with_parent {
            row.push(snap.parent.clone().unwrap_or_default());
        }
        table.row(row);
    }
    table.print(ctl);
    Ok(())
}

/// `%Y-%m-%d %H:%M:%S %z` of a Unix time, in UTC (rvirt does not read the local zone).
fn format_time(seconds: i64) -> String {
    format!("{} +0000", crate::commands::guest::format_utc(seconds))
}

fn cmd_dumpxml(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let flags = if cmd.has("security-info") {
        XML_SECURE
    } else {
        0
    };
    let name = cmd.required("snapshotname")?.to_string();
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let hv = ctl.conn()?.hypervisor.clone();
    let snap = hv.domain_snapshot_lookup_by_name(&dom, &name, 0)?;
    let xml = hv.domain_snapshot_get_xml_desc(&snap, flags)?;
    crate::xpath::print_xml(ctl, cmd, &xml)
}

fn cmd_current(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let flags = if cmd.has("security-info") {
        XML_SECURE
    } else {
        0
    };
    exclusive(cmd, "name", "snapshotname")?;
    let (dom, text) = lookup::domain(ctl, cmd, By::ALL)?;
    let hv = ctl.conn()?.hypervisor.clone();
    if let Some(name) = cmd.string("snapshotname")? {
        let snap = hv.domain_snapshot_lookup_by_name(&dom, name, 0)?;
        let xml = hv.domain_snapshot_get_xml_desc(&snap, XML_SECURE)?;
        let mut redefine = CREATE_REDEFINE | CREATE_CURRENT;
        if xml.contains("<state>disk-snapshot</state>") {
            redefine |= CREATE_DISK_ONLY;
        }
        create(ctl, &dom, &xml, redefine)?;
        ctl.print_extra(&format!("Snapshot {name} set as current"));
        return Ok(());
    }
    let snap = match hv.domain_snapshot_current(&dom, 0) {
        Ok(s) => s,
        Err(e) if e.code == ErrorCode::NoDomainSnapshot => {
            return Err(Failure::msg(format!(
                "domain '{text}' has no current snapshot"
            )))
        }
        Err(e) => return Err(e.into()),
    };
    if cmd.has("name") {
        ctl.print(&snap.name);
    } else {
        ctl.print(&hv.domain_snapshot_get_xml_desc(&snap, flags)?);
    }
    Ok(())
}

fn cmd_parent(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let snap = chosen_snapshot(ctl, cmd, "snapshotname", &dom)?;
    match facts(ctl, &snap)?.parent {
        // No newline: the command separator ends the line, as in virsh.
        Some(parent) => {
            ctl.print(&parent);
            Ok(())
        }
        None => Err(Failure::msg(format!(
            "snapshot '{}' has no parent",
            snap.name
        ))),
    }
}

fn cmd_revert(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let mut flags = 0;
    for (option, bit) in [
        ("running", REVERT_RUNNING),
        ("paused", REVERT_PAUSED),
        ("reset-nvram", REVERT_RESET_NVRAM),
    ] {
        if cmd.has(option) {
            flags |= bit;
        }
    }
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let snap = chosen_snapshot(ctl, cmd, "snapshotname", &dom)?;
    let failed =
        |e: &rvirt::Error| Failure::with(format!("Failed to revert snapshot {}", snap.name), e);
    let conn = ctl
        .writable("virDomainRevertToSnapshot")
        .map_err(|e| failed(&e))?;
    let mut result = conn.hypervisor.domain_revert_to_snapshot(&snap, flags);
    // --force is only passed on when the driver says the revert is risky.
    if let Err(e) = &result {
        if cmd.has("force") && e.code == ErrorCode::SnapshotRevertRisky {
            result = conn
                .hypervisor
                .domain_revert_to_snapshot(&snap, flags | REVERT_FORCE);
        }
    }
    result.map_err(|e| failed(&e))?;
    ctl.print_extra(&format!("Domain snapshot {} reverted\n", snap.name));
    Ok(())
}

fn cmd_delete(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let snap = chosen_snapshot(ctl, cmd, "snapshotname", &dom)?;
    let mut flags = 0;
    for (option, bit) in [
        ("children", DELETE_CHILDREN),
        ("children-only", DELETE_CHILDREN_ONLY),
        ("metadata", DELETE_METADATA_ONLY),
    ] {
        if cmd.has(option) {
            flags |= bit;
        }
    }
    let failed =
        |e: &rvirt::Error| Failure::with(format!("Failed to delete snapshot {}", snap.name), e);
    let conn = ctl
        .writable("virDomainSnapshotDelete")
        .map_err(|e| failed(&e))?;
    conn.hypervisor
        .domain_snapshot_delete(&snap, flags)
        .map_err(|e| failed(&e))?;
    if flags & DELETE_CHILDREN_ONLY != 0 {
        ctl.print_extra(&format!("Domain snapshot {} children deleted\n", snap.name));
    } else {
        ctl.print_extra(&format!("Domain snapshot {} deleted\n", snap.name));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_formatting() {
        assert_eq!(format_time(0), "1970-01-01 00:00:00 +0000");
        // 2026-11-21 06:48:20 UTC, as virsh printed it for a test-driver snapshot.
        assert_eq!(format_time(1_795_243_700), "2026-11-21 06:48:20 +0000");
        assert_eq!(format_time(951_782_400), "2000-02-29 00:00:00 +0000");
    }

    #[test]
    fn specs_parse_like_vsh() {
        assert_eq!(split_list("a,,b,c"), vec!["a,b", "c"]);
        assert_eq!(
            memspec_xml("/m,snapshot=external").unwrap(),
            "  <memory snapshot='external' file='/m'/>\n"
        );
        assert!(memspec_xml("bad,x").is_none());
        assert_eq!(diskspec_xml("vdb").unwrap(), "    <disk name='vdb'/>\n");
        assert!(diskspec_xml("vda,what=1").is_none());
    }

    #[test]
    fn facts_and_family() {
        let xml = "<domainsnapshot><name>b</name><state>running</state><parent><name>a</name></parent><creationTime>5</creationTime><memory snapshot='internal'/></domainsnapshot>";
        let f = facts_from_xml("b", xml).unwrap();
        assert_eq!(f.parent.as_deref(), Some("a"));
        assert_eq!(f.creation_time, Some(5));
        assert!(!f.external);
        let all = vec![
            SnapshotFacts {
                name: "a".into(),
                ..Default::default()
            },
            f,
            SnapshotFacts {
                name: "c".into(),
                parent: Some("b".into()),
                ..Default::default()
            },
        ];
        assert_eq!(below(&all, "a", false), vec!["b"]);
        assert_eq!(below(&all, "a", true), vec!["b", "c"]);
    }
}
