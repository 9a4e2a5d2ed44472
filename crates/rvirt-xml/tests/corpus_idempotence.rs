//! libvirt's canonical output is a fixed point: whatever rvirt prints for an accepted input
//! must parse again and print identically (otherwise a define/dumpxml/define cycle drifts).
//! Checked over every input of `tests/data/` and the corpus inputs of the non-domain kinds.

mod common;

use rvirt_xml::interface::InterfaceDef;
use rvirt_xml::network::NetworkDef;
use rvirt_xml::storage::{PoolDef, VolumeDef};

fn canonical(kind: &str, xml: &str) -> Option<String> {
    match kind {
        "network" => NetworkDef::parse(xml).ok().map(|d| d.format(false)),
        "pool" => PoolDef::parse(xml).ok().map(|d| d.format(false)),
        "volume" => VolumeDef::parse(xml, "dir").ok().map(|d| d.format("dir")),
        "interface" => InterfaceDef::parse(xml).ok().map(|d| d.format(false)),
        _ => None,
    }
}

fn check(kind: &str, name: &str, input: &str, failures: &mut Vec<String>) -> bool {
    let Some(first) = canonical(kind, input) else {
        return false;
    };
    // libvirt prints a few values unescaped (a DHCP host name, a portgroup name, an interface
    // MAC); with markup characters in them its output, and rvirt's copy of it, is no XML.
    if roxmltree::Document::parse(&first).is_err() {
        return false;
    }
    match canonical(kind, &first) {
        Some(second) if second == first => {}
        Some(second) => failures.push(format!("{kind}/{name}: {}", common::diff(&first, &second))),
        None => failures.push(format!("{kind}/{name}: own output rejected")),
    }
    true
}

#[test]
fn canonical_output_is_a_fixed_point() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for kind in ["network", "pool", "volume", "interface"] {
        for (name, input) in common::data_inputs(kind) {
            if check(kind, &name, &input, &mut failures) {
                checked += 1;
            }
        }
    }
    if let Some(dir) = common::corpus_dir() {
        for kind in ["network", "pool", "volume"] {
            let Ok(entries) = std::fs::read_dir(dir.join(kind)) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().to_string();
                if !name.ends_with(".in.xml") {
                    continue;
                }
                let input = std::fs::read_to_string(entry.path()).unwrap();
                if check(kind, &name, &input, &mut failures) {
                    checked += 1;
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 100, "only {checked} documents checked");
}
