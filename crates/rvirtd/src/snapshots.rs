//! Snapshot relations the driver traits do not carry as methods (parent, children,
//! descendants), derived from the snapshots' XML (`<parent><name>`), as virsh itself does
//! for old servers.

use std::collections::HashSet;

use rvirt_core::{
    DomainRef, DomainSnapshotRef, Error, ErrorCode, ErrorDomain, HypervisorDriver, Result,
};

/// `VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS`: children of children too.
const LIST_DESCENDANTS: u32 = 1;
/// `VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL`: an ordering request, not a filter.
const LIST_TOPOLOGICAL: u32 = 1 << 10;

/// The parent named in a snapshot's XML, if any.
fn parent_of(xml: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    let parent = doc
        .root_element()
        .children()
        .find(|n| n.has_tag_name("parent"))?;
    let name = parent.children().find(|n| n.has_tag_name("name"))?;
    name.text().map(str::to_string)
}

/// Every snapshot of `dom` with its parent.
fn tree(hv: &dyn HypervisorDriver, dom: &DomainRef) -> Result<Vec<(String, Option<String>)>> {
    hv.domain_list_all_snapshots(dom, 0)?
        .into_iter()
        .map(|snap| {
            let xml = hv.domain_snapshot_get_xml_desc(&snap, 0)?;
            Ok((snap.name, parent_of(&xml)))
        })
        .collect()
}

/// The error domain the connection's driver reports its own errors under (this error is
/// the driver's in libvirt: `VIR_FROM_TEST` for the test driver, `VIR_FROM_QEMU` for QEMU).
fn driver_error_domain(hv: &dyn HypervisorDriver) -> ErrorDomain {
    match hv.connect_get_type().as_deref() {
        Ok("TEST") => ErrorDomain::Test,
        Ok("QEMU") => ErrorDomain::Qemu,
        _ => ErrorDomain::DomainSnapshot,
    }
}

/// The parent of `snap` (`virDomainSnapshotGetParent`).
pub fn parent(hv: &dyn HypervisorDriver, snap: &DomainSnapshotRef) -> Result<DomainSnapshotRef> {
    let snap = hv.domain_snapshot_lookup_by_name(&snap.domain, &snap.name, 0)?;
    let xml = hv.domain_snapshot_get_xml_desc(&snap, 0)?;
    match parent_of(&xml) {
        Some(name) => Ok(DomainSnapshotRef {
            domain: snap.domain,
            name,
        }),
        None => Err(Error::new(
            driver_error_domain(hv),
            ErrorCode::NoDomainSnapshot,
            format!("snapshot '{}' does not have a parent", snap.name),
        )),
    }
}

/// The children (or with `LIST_DESCENDANTS` all descendants) of `snap` that also pass the
/// other list filters in `flags`, parents before children.
pub fn children(
    hv: &dyn HypervisorDriver,
    snap: &DomainSnapshotRef,
    flags: u32,
) -> Result<Vec<DomainSnapshotRef>> {
    let snap = hv.domain_snapshot_lookup_by_name(&snap.domain, &snap.name, 0)?;
    let all = tree(hv, &snap.domain)?;
    let filters = flags & !(LIST_DESCENDANTS | LIST_TOPOLOGICAL);
    let allowed: HashSet<String> = if filters == 0 {
        all.iter().map(|(n, _)| n.clone()).collect()
    } else {
        hv.domain_list_all_snapshots(&snap.domain, filters)?
            .into_iter()
            .map(|s| s.name)
            .collect()
    };
    let mut found = Vec::new();
    let mut frontier = vec![snap.name.clone()];
    while let Some(current) = frontier.pop() {
        for (name, parent) in &all {
            if parent.as_deref() == Some(current.as_str()) {
                found.push(name.clone());
                if flags & LIST_DESCENDANTS != 0 {
                    frontier.push(name.clone());
                }
            }
        }
    }
    Ok(found
        .into_iter()
        .filter(|n| allowed.contains(n))
        .map(|name| DomainSnapshotRef {
            domain: snap.domain.clone(),
            name,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_from_xml() {
        let xml = "<domainsnapshot>\n  <name>s2</name>\n  <parent>\n    <name>s&amp;1</name>\n  </parent>\n</domainsnapshot>";
        assert_eq!(parent_of(xml).as_deref(), Some("s&1"));
        assert_eq!(
            parent_of("<domainsnapshot><name>s1</name></domainsnapshot>"),
            None
        );
    }
}
