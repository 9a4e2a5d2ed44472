//! Building a state from a `<node>` document: `test:///default`'s built-in one or a file named
//! by `test:///ABS/PATH.xml`. Objects come in libvirt's order (node info, domains, networks,
//! interfaces, pools with their volumes, devices) and any failure rejects the whole file.

use std::path::{Path, PathBuf};

use roxmltree::Node;
use rvirt_core::{DomainState, Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::interface::InterfaceDef;
use rvirt_xml::network::NetworkDef;
use rvirt_xml::nodedev::NodeDeviceDef;
use rvirt_xml::storage::{PoolDef, VolumeDef};

use crate::state::{Cell, Iface, NodeDev, State};
use crate::xmlutil::{self, element_document, parse_test_namespace};

/// Capacity every test pool reports (100 GiB), as `defaultPoolCap`.
pub(crate) const DEFAULT_POOL_CAPACITY: u64 = 100 * 1024 * 1024 * 1024;

/// The objects `test:///default` starts with (the same facts as libvirt's built-in node).
const DEFAULT_NODE: &str = rvirt_xml::testdriver::DEFAULT_NODE_XML;

/// The state of a fresh `test:///default`.
pub(crate) fn default_state() -> Result<State> {
    let mut state = State::empty();
    // Two cells of eight CPUs, 2 GiB and 4 GiB, half of it free.
    state.cells = (0..2u64)
        .map(|i| Cell {
            mem: (i + 1) * 2048 * 1024,
            free_mem: (i + 1) * 1024 * 1024,
            cpu_ids: (0..8).map(|c| (i as u32) * 8 + c).collect(),
        })
        .collect();
    load_node(&mut state, DEFAULT_NODE, None)?;
    Ok(state)
}

/// The state described by the node file at `path`.
pub(crate) fn file_state(path: &str) -> Result<State> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::system(
            ErrorDomain::Xml,
            &e,
            format_args!("failed to open file '{path}'"),
        )
    })?;
    let mut state = State::empty();
    load_node(&mut state, &text, Some(Path::new(path)))?;
    Ok(state)
}

fn load_node(state: &mut State, text: &str, file: Option<&Path>) -> Result<()> {
    let doc = rvirt_xml::parse::parse_document(text, &document_name(file), ErrorDomain::Xml)?;
    let root = rvirt_xml::parse::expect_root(&doc, "node")?;
    parse_node_info(state, root)?;
    for node in children(root, "domain") {
        let xml = object_xml(node, text, file)?;
        load_domain(state, &xml, file)?;
    }
    for node in children(root, "network") {
        let xml = object_xml(node, text, file)?;
        let def = NetworkDef::parse(&xml)?;
        add_loaded_network(state, def)?;
    }
    for node in children(root, "interface") {
        let xml = object_xml(node, text, file)?;
        let def = InterfaceDef::parse(&xml)?;
        match state.iface_index_by_name(&def.name) {
            Some(i) => state.ifaces[i] = Iface { def, active: true },
            None => state.ifaces.push(Iface { def, active: true }),
        }
    }
    for node in children(root, "pool") {
        let xml = object_xml(node, text, file)?;
        load_pool(state, node, &xml, text, file)?;
    }
    for node in children(root, "device") {
        let xml = object_xml(node, text, file)?;
        let def = NodeDeviceDef::parse(&xml)?;
        match state.device_index_by_name(&def.name) {
            Some(i) => state.devices[i] = NodeDev { def },
            None => state.devices.push(NodeDev { def }),
        }
    }
    for user in children(root, "auth").flat_map(|a| children(a, "user")) {
        let name: String = user
            .descendants()
            .filter(|d| d.is_text())
            .filter_map(|d| d.text())
            .collect();
        if name.is_empty() {
            return Err(xmlutil::xml_error(
                "missing username in /node/auth/user field",
            ));
        }
        state
            .auth_users
            .push((name, user.attribute("password").map(str::to_string)));
    }
    Ok(())
}

fn document_name(file: Option<&Path>) -> String {
    match file {
        Some(p) => p.display().to_string(),
        None => "(test driver)".to_string(),
    }
}

fn children<'a, 'input>(
    node: Node<'a, 'input>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// The document of one object: inline, or read from `file=` relative to the node file.
fn object_xml(node: Node<'_, '_>, src: &str, file: Option<&Path>) -> Result<String> {
    match node.attribute("file") {
        Some(rel) => {
            let path = resolve(file, rel);
            std::fs::read_to_string(&path).map_err(|e| {
                Error::system(
                    ErrorDomain::Xml,
                    &e,
                    format_args!("failed to open file '{}'", path.display()),
                )
            })
        }
        None => Ok(element_document(node, src)),
    }
}

fn resolve(file: Option<&Path>, rel: &str) -> PathBuf {
    let rel_path = Path::new(rel);
    if rel_path.is_absolute() {
        return rel_path.to_path_buf();
    }
    let dir = file.and_then(Path::parent).unwrap_or(Path::new("."));
    dir.join(rel_path)
}

/// `testParseNodeInfo`: each value overrides the default when present and numeric.
fn parse_node_info(state: &mut State, root: Node<'_, '_>) -> Result<()> {
    let cpu = children(root, "cpu").next();
    let number =
        |parent: Option<Node<'_, '_>>, name: &'static str, what: &str| -> Result<Option<i64>> {
            let Some(node) = parent.and_then(|p| children(p, name).next()) else {
                return Ok(None);
            };
            let text: String = node
                .descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect();
            if text.is_empty() {
                return Ok(None);
            }
            text.trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| xmlutil::xml_error(format!("invalid node {what} value")))
        };
    let info = &mut state.node_info;
    if let Some(v) = number(cpu, "nodes", "cpu nodes")? {
        info.nodes = v as u32;
    }
    if let Some(v) = number(cpu, "sockets", "cpu sockets")? {
        info.sockets = v as u32;
    }
    if let Some(v) = number(cpu, "cores", "cpu cores")? {
        info.cores = v as u32;
    }
    if let Some(v) = number(cpu, "threads", "cpu threads")? {
        info.threads = v as u32;
    }
    // Unsigned C arithmetic: wraps rather than fails on absurd values.
    info.cpus = info
        .cores
        .wrapping_mul(info.threads)
        .wrapping_mul(info.sockets)
        .wrapping_mul(info.nodes);
    if let Some(v) = number(cpu, "active", "cpu active")? {
        if v < i64::from(info.cpus) {
            info.cpus = v as u32;
        }
    }
    if let Some(v) = number(cpu, "mhz", "cpu mhz")? {
        info.mhz = v as u32;
    }
    if let Some(model) = cpu.and_then(|c| children(c, "model").next()) {
        info.model = model.text().unwrap_or("").to_string();
    }
    if let Some(v) = number(Some(root), "memory", "memory")? {
        info.memory = v as u64;
    }
    Ok(())
}

/// `testParseDomains` for one domain: parse, name interfaces, add, then put it in the state
/// its test namespace asks for.
fn load_domain(state: &mut State, xml: &str, file: Option<&Path>) -> Result<()> {
    let ns = parse_test_namespace(xml)?;
    let def = crate::domain::parse_domain(xml)?;
    let index = crate::domain::add_domain(state, def, false)?.index;
    let snapshots = snapshot_documents(xml, file)?;
    crate::snapshot::load_into(state.domain_mut(index), &snapshots)?;
    let id = if ns.runstate != DomainState::Shutoff as i32 {
        Some(state.take_domain_id())
    } else {
        None
    };
    let dom = state.domain_mut(index);
    dom.persistent = !ns.transient;
    dom.managed_save = ns.has_managed_save;
    match id {
        Some(id) => dom.start(id, 1),
        None => dom.shut_off(0),
    }
    dom.state = DomainState::from_i32(ns.runstate).unwrap_or(DomainState::Running);
    dom.reason = 0;
    Ok(())
}

/// The `<test:domainsnapshot>` children of a domain, each as a document of its own (read
/// from `file=` when given, relative to the node file).
fn snapshot_documents(domain_xml: &str, file: Option<&Path>) -> Result<Vec<String>> {
    let Ok(doc) = roxmltree::Document::parse(domain_xml) else {
        return Ok(Vec::new());
    };
    doc.root_element()
        .children()
        .filter(|c| {
            c.is_element()
                && c.tag_name().namespace() == Some(xmlutil::TEST_NS)
                && c.tag_name().name() == "domainsnapshot"
        })
        .map(|node| object_xml(node, domain_xml, file))
        .collect()
}

fn add_loaded_network(state: &mut State, def: NetworkDef) -> Result<()> {
    let index = crate::network::assign_network(state, def, false, false)?;
    state.network_mut(index).active = true;
    Ok(())
}

/// `testParseStorage` for one pool and its `<volume>` children.
fn load_pool(
    state: &mut State,
    node: Node<'_, '_>,
    xml: &str,
    src: &str,
    file: Option<&Path>,
) -> Result<()> {
    let mut def = PoolDef::parse(xml)?;
    def.capacity = DEFAULT_POOL_CAPACITY;
    def.allocation = 0;
    def.available = DEFAULT_POOL_CAPACITY;
    let index = crate::storage::add_pool(state, def, false)?;
    let pool = state.pool_mut(index);
    pool.persistent = true;
    pool.active = true;
    // Volumes are looked for under the inline element only (libvirt's XPath
    // `/node/pool[N]/volume` addresses the node document, not a `file=` pool's own file).
    let vols: Vec<Node<'_, '_>> = children(node, "volume").collect();
    let doc_vols: Vec<String> = vols
        .iter()
        .map(|v| object_xml(*v, src, file))
        .collect::<Result<_>>()?;
    for vol_xml in doc_vols {
        let pool = state.pool_mut(index);
        let mut vol = VolumeDef::parse(&vol_xml, &pool.def.pool_type)?;
        if vol.target_path.is_none() {
            let base = pool.def.target_path.clone().unwrap_or_default();
            vol.target_path = Some(format!("{base}/{}", vol.name));
        }
        if vol.key.is_none() {
            vol.key = vol.target_path.clone();
        }
        if pool.volumes.iter().any(|v| v.name == vol.name) {
            return Err(Error::new(
                ErrorDomain::Storage,
                ErrorCode::OperationFailed,
                format!("volume '{}' already exists", vol.name),
            ));
        }
        pool.def.allocation = pool.def.allocation.wrapping_add(vol.allocation);
        pool.def.available = pool.def.capacity.wrapping_sub(pool.def.allocation);
        pool.volumes.push(vol);
    }
    Ok(())
}

/// Used by tests: a document is the built-in default when it parses.
#[cfg(test)]
pub(crate) fn default_document_is_well_formed() -> bool {
    roxmltree::Document::parse(DEFAULT_NODE).is_ok()
}
