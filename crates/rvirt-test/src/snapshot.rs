//! Domain snapshots of the test driver: metadata only (nothing is saved), with libvirt's
//! tree of parents, current snapshot, listing filters and revert transitions.

use std::time::{SystemTime, UNIX_EPOCH};

use rvirt_core::events::domain_lifecycle as lc;
use rvirt_core::*;
use rvirt_xml::domain::{DomainDef, FormatOptions};
use rvirt_xml::XmlWriter;

use crate::state::{Domain, State};
use crate::TestDriver;

/// One snapshot: what `virDomainSnapshotDef` keeps for the test driver.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub name: String,
    pub description: Option<String>,
    pub state: DomainState,
    pub parent: Option<String>,
    pub creation_time: i64,
    /// `<disk name= snapshot=>` in domain disk order.
    pub disks: Vec<(String, String)>,
    /// `<memory snapshot=>` as a redefinition gave it; derived from the state otherwise.
    pub memory: Option<String>,
    /// The domain's definition when the snapshot was taken.
    pub dom: DomainDef,
}

mod flags {
    pub const CREATE_REDEFINE: u32 = 1 << 0;
    pub const CREATE_CURRENT: u32 = 1 << 1;
    pub const CREATE_HALT: u32 = 1 << 3;
    pub const CREATE_QUIESCE: u32 = 1 << 6;
    pub const CREATE_ATOMIC: u32 = 1 << 7;
    pub const CREATE_LIVE: u32 = 1 << 8;
    pub const CREATE_VALIDATE: u32 = 1 << 9;

    pub const LIST_ROOTS: u32 = 1 << 0;
    pub const LIST_METADATA: u32 = 1 << 1;
    pub const LIST_LEAVES: u32 = 1 << 2;
    pub const LIST_NO_LEAVES: u32 = 1 << 3;
    pub const LIST_NO_METADATA: u32 = 1 << 4;
    pub const LIST_INACTIVE: u32 = 1 << 5;
    pub const LIST_ACTIVE: u32 = 1 << 6;
    pub const LIST_DISK_ONLY: u32 = 1 << 7;
    pub const LIST_INTERNAL: u32 = 1 << 8;
    pub const LIST_EXTERNAL: u32 = 1 << 9;
    pub const LIST_TOPOLOGICAL: u32 = 1 << 10;

    pub const DELETE_CHILDREN: u32 = 1 << 0;
    pub const DELETE_CHILDREN_ONLY: u32 = 1 << 2;

    pub const REVERT_RUNNING: u32 = 1 << 0;
    pub const REVERT_PAUSED: u32 = 1 << 1;
    pub const REVERT_FORCE: u32 = 1 << 2;
}
use flags::*;

fn state_name(state: DomainState) -> &'static str {
    match state {
        DomainState::NoState => "nostate",
        DomainState::Running => "running",
        DomainState::Blocked => "blocked",
        DomainState::Paused => "paused",
        DomainState::Shutdown => "shutdown",
        DomainState::Shutoff => "shutoff",
        DomainState::Crashed => "crashed",
        DomainState::PmSuspended => "pmsuspended",
    }
}

fn check_flags(flags: u32, allowed: u32, function: &str) -> Result<()> {
    if flags & !allowed != 0 {
        return Err(Error::unsupported_flags(
            ErrorDomain::Test,
            flags & !allowed,
            function,
        ));
    }
    Ok(())
}

fn find_domain(st: &State, dom: &DomainRef) -> Result<usize> {
    st.domain_index_by_uuid(&dom.uuid).ok_or_else(|| {
        Error::new(
            ErrorDomain::Test,
            ErrorCode::NoDomain,
            format!(
                "no domain with matching uuid '{}' ({})",
                uuid_string(&dom.uuid),
                dom.name
            ),
        )
    })
}

fn find_snapshot(dom: &Domain, name: &str) -> Result<usize> {
    dom.snapshots
        .iter()
        .position(|s| s.name == name)
        .ok_or_else(|| {
            Error::new(
                ErrorDomain::Test,
                ErrorCode::NoDomainSnapshot,
                format!("no domain snapshot with matching name '{name}'"),
            )
        })
}

fn handle(dom: &Domain, snap: &Snapshot) -> DomainSnapshotRef {
    DomainSnapshotRef {
        domain: dom.handle(),
        name: snap.name.clone(),
    }
}

fn lifecycle(dom: &Domain, event: i32, detail: i32) -> Event {
    Event::DomainLifecycle {
        domain: dom.handle(),
        event,
        detail,
    }
}

/// What a snapshot document says: for a new snapshot, its name, description and per-disk
/// choices; for a redefined one also its state, time, parent and domain.
struct Request {
    name: Option<String>,
    description: Option<String>,
    disks: Vec<(String, Option<String>)>,
    state: Option<String>,
    creation_time: Option<String>,
    parent: Option<String>,
    /// The `<domain>` element as a document of its own.
    domain: Option<String>,
    /// `<active>`: whether this is the current snapshot (node files only).
    active: Option<bool>,
    memory: Option<String>,
}

fn parse_request(xml: &str) -> Result<Request> {
    let doc = rvirt_xml::parse::parse_document(xml, "domainsnapshot", ErrorDomain::DomainSnapshot)?;
    let root = rvirt_xml::parse::expect_root(&doc, "domainsnapshot")?;
    let child = |name: &str| {
        root.children()
            .find(|c| c.is_element() && c.tag_name().name() == name)
    };
    // XPath's string(): every text below the element, untouched.
    let text = |name: &str| {
        child(name).map(|c| {
            c.descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect::<String>()
        })
    };
    let disks = root
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "disks")
        .flat_map(|d| {
            d.children()
                .filter(|c| c.is_element() && c.tag_name().name() == "disk")
        })
        .map(|d| {
            (
                d.attribute("name").unwrap_or("").to_string(),
                d.attribute("snapshot").map(str::to_string),
            )
        })
        .collect();
    let parent = child("parent")
        .and_then(|p| {
            p.children()
                .find(|c| c.is_element() && c.tag_name().name() == "name")
        })
        .map(|n| {
            n.descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect::<String>()
        });
    let domain = child("domain")
        .filter(|d| d.attribute("type").is_some())
        .map(|d| crate::xmlutil::element_document(d, xml));
    Ok(Request {
        name: text("name").filter(|n| !n.is_empty()),
        description: text("description"),
        disks,
        state: text("state"),
        creation_time: text("creationTime"),
        parent,
        domain,
        active: text("active").map(|a| a.trim().parse::<i64>().is_ok_and(|v| v != 0)),
        memory: child("memory")
            .and_then(|m| m.attribute("snapshot"))
            .map(str::to_string),
    })
}

/// Snapshot states as libvirt names them (`virDomainSnapshotState`); `nostate` is refused.
fn parse_state(name: &str) -> Option<DomainState> {
    Some(match name {
        "running" => DomainState::Running,
        "blocked" => DomainState::Blocked,
        "paused" => DomainState::Paused,
        "shutdown" => DomainState::Shutdown,
        "shutoff" => DomainState::Shutoff,
        "crashed" => DomainState::Crashed,
        "pmsuspended" => DomainState::PmSuspended,
        _ => return None,
    })
}

/// A snapshot from a redefinition document, before it meets the domain's other snapshots.
fn redefined(request: &Request) -> Result<(Snapshot, bool)> {
    let name = request.name.clone().ok_or_else(|| {
        Error::xml(
            ErrorDomain::DomainSnapshot,
            "a redefined snapshot must have a name",
        )
    })?;
    let creation_time = request
        .creation_time
        .as_deref()
        .and_then(|t| t.trim().parse::<i64>().ok())
        .ok_or_else(|| {
            Error::internal(
                ErrorDomain::DomainSnapshot,
                "missing creationTime from existing snapshot",
            )
        })?;
    let state_name = request.state.clone().ok_or_else(|| {
        Error::xml(
            ErrorDomain::DomainSnapshot,
            "missing state from existing snapshot",
        )
    })?;
    let state = parse_state(&state_name).ok_or_else(|| {
        Error::config_unsupported(
            ErrorDomain::DomainSnapshot,
            format!("Invalid state '{state_name}' in domain snapshot XML"),
        )
    })?;
    let offline = matches!(state, DomainState::Shutoff);
    if offline && matches!(request.memory.as_deref(), Some("internal" | "external")) {
        return Err(Error::xml(
            ErrorDomain::DomainSnapshot,
            "memory state cannot be saved with offline or disk-only snapshot",
        ));
    }
    let dom = match &request.domain {
        Some(xml) => Some(rvirt_xml::domain::DomainDef::parse(
            xml,
            rvirt_xml::domain::ParseOptions::default(),
        )?),
        None => None,
    };
    let has_dom = dom.is_some();
    let snap = Snapshot {
        name,
        description: request.description.clone(),
        state,
        parent: request.parent.clone(),
        creation_time,
        disks: request
            .disks
            .iter()
            .map(|(n, m)| {
                (
                    n.clone(),
                    m.clone().unwrap_or_else(|| "internal".to_string()),
                )
            })
            .collect(),
        memory: request.memory.clone(),
        dom: dom.unwrap_or_default(),
    };
    Ok((snap, has_dom))
}

/// Snapshots listed in a node file (`<test:domainsnapshot>`), added as libvirt's test driver
/// adds them: no checks beyond the document's own, then one current at most and parents
/// that exist.
pub(crate) fn load_into(dom: &mut Domain, documents: &[String]) -> Result<()> {
    for xml in documents {
        let request = parse_request(xml)?;
        let (snap, _) = redefined(&request)?;
        let Some(active) = request.active else {
            return Err(Error::internal(
                ErrorDomain::DomainSnapshot,
                "Could not find 'active' element",
            ));
        };
        if active {
            if dom.current_snapshot.is_some() {
                return Err(Error::internal(
                    ErrorDomain::Test,
                    "more than one snapshot claims to be active",
                ));
            }
            dom.current_snapshot = Some(snap.name.clone());
        }
        dom.snapshots.retain(|s| s.name != snap.name);
        dom.snapshots.push(snap);
    }
    let consistent = dom.snapshots.iter().all(|s| {
        s.parent
            .as_ref()
            .is_none_or(|p| dom.snapshots.iter().any(|o| &o.name == p))
    });
    if !consistent {
        return Err(Error::internal(
            ErrorDomain::Test,
            format!(
                "Snapshots have inconsistent relations for domain {}",
                dom.def.name
            ),
        ));
    }
    Ok(())
}

/// `virDomainSnapshotAlignDisks` for internal snapshots: every domain disk gets an entry,
/// in domain order; named disks must exist and appear once; empty drives are skipped.
fn align_disks(
    def: &DomainDef,
    requested: &[(String, Option<String>)],
) -> Result<Vec<(String, String)>> {
    let disks = def.disk_summaries();
    let mut chosen: Vec<Option<String>> = vec![None; disks.len()];
    for (name, snapshot) in requested {
        let Some(i) = disks
            .iter()
            .position(|d| &d.target_dev == name || d.source.as_deref() == Some(name.as_str()))
        else {
            return Err(Error::config_unsupported(
                ErrorDomain::DomainSnapshot,
                format!("no disk named '{name}'"),
            ));
        };
        if chosen[i].is_some() {
            return Err(Error::config_unsupported(
                ErrorDomain::DomainSnapshot,
                format!("disk '{name}' specified twice"),
            ));
        }
        let mode = snapshot.clone().unwrap_or_else(|| "internal".to_string());
        if mode != "internal" {
            return Err(Error::config_unsupported(
                ErrorDomain::DomainSnapshot,
                format!("disk '{name}' must use snapshot mode 'internal'"),
            ));
        }
        chosen[i] = Some(mode);
    }
    Ok(disks
        .iter()
        .zip(chosen)
        .map(|(d, c)| {
            let default = if d.source.is_none() { "no" } else { "internal" };
            (
                d.target_dev.clone(),
                c.unwrap_or_else(|| default.to_string()),
            )
        })
        .collect())
}

fn format_snapshot(dom_uuid: &Uuid, snap: &Snapshot, secure: bool) -> String {
    let _ = dom_uuid;
    let mut w = XmlWriter::new();
    w.open("domainsnapshot", &[]);
    w.text("name", &[], &snap.name);
    if let Some(d) = &snap.description {
        w.text("description", &[], d);
    }
    w.text("state", &[], state_name(snap.state));
    if let Some(p) = &snap.parent {
        w.open("parent", &[]);
        w.text("name", &[], p);
        w.close("parent");
    }
    w.value("creationTime", &[], snap.creation_time);
    let derived = if snap.state == DomainState::Shutoff {
        "no"
    } else {
        "internal"
    };
    let memory = snap.memory.as_deref().unwrap_or(derived);
    w.empty("memory", &[("snapshot", Some(memory))]);
    if !snap.disks.is_empty() {
        w.open("disks", &[]);
        for (name, mode) in &snap.disks {
            w.empty("disk", &[("name", Some(name)), ("snapshot", Some(mode))]);
        }
        w.close("disks");
    }
    let dom_xml = snap.dom.format(FormatOptions {
        inactive: true,
        secure,
        ..Default::default()
    });
    w.raw_lines(&dom_xml);
    w.close("domainsnapshot");
    w.finish()
}

fn children_of<'a>(dom: &'a Domain, name: &'a str) -> impl Iterator<Item = &'a Snapshot> + 'a {
    dom.snapshots
        .iter()
        .filter(move |s| s.parent.as_deref() == Some(name))
}

fn descendants(dom: &Domain, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut queue = vec![name.to_string()];
    while let Some(n) = queue.pop() {
        for c in children_of(dom, &n) {
            out.push(c.name.clone());
            queue.push(c.name.clone());
        }
    }
    out
}

fn list_matches(dom: &Domain, snap: &Snapshot, flags: u32) -> bool {
    if flags & LIST_ROOTS != 0 && snap.parent.is_some() {
        return false;
    }
    let leaf = children_of(dom, &snap.name).next().is_none();
    let pair = |yes: u32, no: u32, value: bool| {
        flags & (yes | no) == 0 || (flags & yes != 0 && value) || (flags & no != 0 && !value)
    };
    if !pair(LIST_LEAVES, LIST_NO_LEAVES, leaf) || !pair(LIST_METADATA, LIST_NO_METADATA, true) {
        return false;
    }
    let states = LIST_INACTIVE | LIST_ACTIVE | LIST_DISK_ONLY;
    if flags & states != 0 {
        let inactive = snap.state == DomainState::Shutoff;
        if !((flags & LIST_INACTIVE != 0 && inactive) || (flags & LIST_ACTIVE != 0 && !inactive)) {
            return false;
        }
    }
    pair(LIST_INTERNAL, LIST_EXTERNAL, true)
}

pub(crate) fn count(dom: &Domain) -> usize {
    dom.snapshots.len()
}

impl TestDriver {
    pub(crate) fn snapshot_create(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        let allowed = CREATE_REDEFINE
            | CREATE_CURRENT
            | CREATE_HALT
            | CREATE_QUIESCE
            | CREATE_ATOMIC
            | CREATE_LIVE
            | CREATE_VALIDATE;
        // The public API's flag rules come before the driver's own check.
        if flags & CREATE_CURRENT != 0 && flags & CREATE_REDEFINE == 0 {
            return Err(Error::raw(
                ErrorDomain::DomainSnapshot,
                ErrorCode::InvalidArg,
                "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT'",
            ));
        }
        const CREATE_NO_METADATA: u32 = 1 << 2;
        for (other, other_name) in [
            (CREATE_NO_METADATA, "VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA"),
            (CREATE_HALT, "VIR_DOMAIN_SNAPSHOT_CREATE_HALT"),
        ] {
            if flags & CREATE_REDEFINE != 0 && flags & other != 0 {
                return Err(Error::raw(
                    ErrorDomain::DomainSnapshot,
                    ErrorCode::InvalidArg,
                    format!(
                        "Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' and '{other_name}' are mutually exclusive"
                    ),
                ));
            }
        }
        check_flags(flags, allowed, "testDomainSnapshotCreateXML")?;
        if flags & CREATE_REDEFINE != 0 {
            return self.snapshot_redefine(dom, xml, flags);
        }
        self.write(|st, events| {
            let index = find_domain(st, dom)?;
            let obj = st.domain_mut(index);
            if !obj.persistent && flags & CREATE_HALT != 0 {
                return Err(Error::invalid_operation(
                    ErrorDomain::Test,
                    "cannot halt after transient domain snapshot",
                ));
            }
            let request = parse_request(xml)?;
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            let mut copy = obj.def.clone();
            copy.id = None;
            let disks = align_disks(&copy, &request.disks)?;
            let name = request.name.unwrap_or_else(|| now.to_string());
            if obj.snapshots.iter().any(|s| s.name == name) {
                return Err(Error::new(
                    ErrorDomain::Domain,
                    ErrorCode::OperationFailed,
                    format!("domain moment {name} already exists"),
                ));
            }
            let snap = Snapshot {
                name: name.clone(),
                description: request.description,
                state: obj.state,
                parent: obj.current_snapshot.clone(),
                creation_time: now,
                disks,
                memory: None,
                dom: copy,
            };
            obj.snapshots.push(snap);
            obj.current_snapshot = Some(name.clone());
            if flags & CREATE_HALT != 0 && obj.is_active() {
                obj.shut_off(reason::shutoff::FROM_SNAPSHOT);
                events.push(lifecycle(obj, lc::STOPPED, lc::stopped::FROM_SNAPSHOT));
            }
            Ok(DomainSnapshotRef {
                domain: obj.handle(),
                name,
            })
        })
    }

    fn snapshot_redefine(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        self.write(|st, _| {
            let index = find_domain(st, dom)?;
            let request = parse_request(xml)?;
            let (mut snap, has_dom) = redefined(&request)?;
            let obj = st.domain_mut(index);
            let moment = |detail: String| Error::invalid_arg(ErrorDomain::Domain, detail);
            if let Some(parent) = &snap.parent {
                if parent == &snap.name {
                    return Err(moment(format!("cannot set moment {} as its own parent", snap.name)));
                }
                if !obj.snapshots.iter().any(|s| &s.name == parent) {
                    return Err(moment(format!(
                        "parent {parent} for moment {} not found",
                        snap.name
                    )));
                }
                // Walking up from the parent must not come back to this snapshot.
                let mut up = Some(parent.clone());
                while let Some(name) = up {
                    if name == snap.name {
                        return Err(moment(format!(
                            "parent {parent} would create cycle to {}",
                            snap.name
                        )));
                    }
                    up = obj
                        .snapshots
                        .iter()
                        .find(|s| s.name == name)
                        .and_then(|s| s.parent.clone());
                }
            }
            if has_dom && snap.dom.uuid != obj.def.uuid {
                return Err(Error::invalid_arg(
                    ErrorDomain::DomainSnapshot,
                    format!(
                        "definition for snapshot {} must use uuid {}",
                        snap.name,
                        uuid_string(&obj.def.uuid)
                    ),
                ));
            }
            let existing = obj.snapshots.iter().position(|s| s.name == snap.name);
            let mut has_dom = has_dom;
            if let Some(i) = existing {
                let other = &obj.snapshots[i];
                let online = |s: DomainState| matches!(s, DomainState::Running | DomainState::Paused);
                if online(other.state) != online(snap.state) {
                    return Err(Error::invalid_arg(
                        ErrorDomain::DomainSnapshot,
                        format!(
                            "cannot change between online and offline snapshot state in snapshot {}",
                            snap.name
                        ),
                    ));
                }
                if !has_dom {
                    snap.dom = other.dom.clone();
                    has_dom = true;
                }
            }
            if !has_dom {
                return Err(Error::internal(ErrorDomain::DomainSnapshot, "missing domain in snapshot"));
            }
            snap.disks = align_disks(&snap.dom, &request.disks)?;
            let name = snap.name.clone();
            match existing {
                Some(i) => obj.snapshots[i] = snap,
                None => obj.snapshots.push(snap),
            }
            if flags & CREATE_CURRENT != 0 {
                obj.current_snapshot = Some(name.clone());
            }
            Ok(DomainSnapshotRef {
                domain: obj.handle(),
                name,
            })
        })
    }

    pub(crate) fn snapshot_list(
        &self,
        dom: &DomainRef,
        flags: u32,
    ) -> Result<Vec<DomainSnapshotRef>> {
        check_flags(flags, (1 << 11) - 1, "testDomainListAllSnapshots")?;
        self.read(|st| {
            let obj = &st.domains[find_domain(st, dom)?];
            let mut list: Vec<DomainSnapshotRef> = obj
                .snapshots
                .iter()
                .filter(|s| list_matches(obj, s, flags))
                .map(|s| handle(obj, s))
                .collect();
            if flags & LIST_TOPOLOGICAL == 0 {
                list.sort_by(|a, b| a.name.cmp(&b.name));
            }
            Ok(list)
        })
    }

    pub(crate) fn snapshot_lookup(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        check_flags(flags, 0, "testDomainSnapshotLookupByName")?;
        self.read(|st| {
            let obj = &st.domains[find_domain(st, dom)?];
            Ok(handle(obj, &obj.snapshots[find_snapshot(obj, name)?]))
        })
    }

    pub(crate) fn snapshot_current(
        &self,
        dom: &DomainRef,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        check_flags(flags, 0, "testDomainSnapshotCurrent")?;
        self.read(|st| {
            let obj = &st.domains[find_domain(st, dom)?];
            let name = obj.current_snapshot.clone().ok_or_else(|| {
                Error::new(
                    ErrorDomain::Test,
                    ErrorCode::NoDomainSnapshot,
                    "the domain does not have a current snapshot",
                )
            })?;
            Ok(DomainSnapshotRef {
                domain: obj.handle(),
                name,
            })
        })
    }

    pub(crate) fn snapshot_xml(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<String> {
        check_flags(flags, 1, "testDomainSnapshotGetXMLDesc")?;
        self.read(|st| {
            let obj = &st.domains[find_domain(st, &snap.domain)?];
            let s = &obj.snapshots[find_snapshot(obj, &snap.name)?];
            Ok(format_snapshot(&obj.def.uuid, s, flags & 1 != 0))
        })
    }

    pub(crate) fn snapshot_delete(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<()> {
        check_flags(
            flags,
            DELETE_CHILDREN | DELETE_CHILDREN_ONLY,
            "testDomainSnapshotDelete",
        )?;
        self.write(|st, _| {
            let index = find_domain(st, &snap.domain)?;
            let obj = st.domain_mut(index);
            let at = find_snapshot(obj, &snap.name)?;
            let parent = obj.snapshots[at].parent.clone();
            if flags & (DELETE_CHILDREN | DELETE_CHILDREN_ONLY) != 0 {
                let gone = descendants(obj, &snap.name);
                if obj
                    .current_snapshot
                    .as_ref()
                    .is_some_and(|c| gone.contains(c))
                {
                    obj.current_snapshot = Some(snap.name.clone());
                }
                obj.snapshots.retain(|s| !gone.contains(&s.name));
            } else {
                for s in obj.snapshots.iter_mut() {
                    if s.parent.as_deref() == Some(snap.name.as_str()) {
                        s.parent = parent.clone();
                    }
                }
            }
            if flags & DELETE_CHILDREN_ONLY == 0 {
                if obj.current_snapshot.as_deref() == Some(snap.name.as_str()) {
                    obj.current_snapshot = parent
                        .clone()
                        .filter(|p| obj.snapshots.iter().any(|s| &s.name == p));
                }
                obj.snapshots.retain(|s| s.name != snap.name);
            }
            Ok(())
        })
    }

    pub(crate) fn snapshot_revert(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<()> {
        check_flags(
            flags,
            REVERT_RUNNING | REVERT_PAUSED | REVERT_FORCE,
            "testDomainRevertToSnapshot",
        )?;
        self.write(|st, events| {
            let index = find_domain(st, &snap.domain)?;
            let at = find_snapshot(&st.domains[index], &snap.name)?;
            let target = st.domains[index].snapshots[at].clone();
            let live_snapshot = matches!(target.state, DomainState::Running | DomainState::Paused);
            let obj = &st.domains[index];
            let run_or_pause = flags & (REVERT_RUNNING | REVERT_PAUSED) != 0;
            if !obj.persistent && !live_snapshot && !run_or_pause {
                return Err(Error::invalid_operation(
                    ErrorDomain::Test,
                    "transient domain needs to request run or pause to revert to inactive snapshot",
                ));
            }
            let config = target.dom.clone();
            if live_snapshot {
                // libvirt 9.0 restarts an active domain to load the snapshot's definition.
                if st.domains[index].is_active() {
                    let obj = st.domain_mut(index);
                    obj.shut_off(reason::shutoff::FROM_SNAPSHOT);
                    events.push(lifecycle(obj, lc::STOPPED, lc::stopped::FROM_SNAPSHOT));
                }
                let id = st.take_domain_id();
                let obj = st.domain_mut(index);
                obj.def = config;
                obj.start(id, reason::running::FROM_SNAPSHOT);
                events.push(lifecycle(obj, lc::STARTED, lc::started::FROM_SNAPSHOT));
                let want_paused = flags & REVERT_RUNNING == 0
                    && (target.state == DomainState::Paused || flags & REVERT_PAUSED != 0);
                if want_paused {
                    obj.state = DomainState::Paused;
                    obj.reason = reason::paused::FROM_SNAPSHOT;
                    events.push(lifecycle(obj, lc::SUSPENDED, lc::suspended::FROM_SNAPSHOT));
                }
            } else {
                let obj = st.domain_mut(index);
                if obj.is_active() {
                    obj.new_def = Some(config);
                    obj.shut_off(reason::shutoff::FROM_SNAPSHOT);
                    events.push(lifecycle(obj, lc::STOPPED, lc::stopped::FROM_SNAPSHOT));
                } else {
                    obj.def = config;
                }
                if run_or_pause {
                    events.push(lifecycle(obj, lc::STARTED, lc::started::FROM_SNAPSHOT));
                    if flags & REVERT_PAUSED != 0 {
                        events.push(lifecycle(obj, lc::SUSPENDED, lc::suspended::FROM_SNAPSHOT));
                    }
                }
            }
            st.domain_mut(index).current_snapshot = Some(target.name.clone());
            Ok(())
        })
    }
}
