//! Interfaces of `tests/data/interface/` defined into real libvirt's test driver and parsed
//! by rvirt: the same XML, or the same error code and domain.

mod common;

use rvirt_xml::interface::InterfaceDef;

#[test]
fn interfaces_match_libvirt_define() {
    let mismatches = common::compare_with_libvirt("interface", |xml| {
        InterfaceDef::parse(xml).map(|i| i.format(false))
    });
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
