//! Capabilities XML against libvirt's test driver: `test:///default` capabilities must survive
//! parse and format byte for byte, and the model must expose what a driver needs.

mod common;

use rvirt_xml::capabilities::Capabilities;

#[test]
fn live_default_capabilities_round_trip() {
    let script = r#"
import json, libvirt
c = libvirt.open("test:///default")
print(json.dumps(c.getCapabilities()))
"#;
    let Some(json) = common::libvirt_python(script) else {
        return;
    };
    let xml = json.as_str().unwrap();
    let caps = Capabilities::parse(xml).unwrap();
    let got = caps.format();
    assert_eq!(got, xml, "{}", common::diff(xml, &got));
    assert_eq!(caps.host.arch, "i686");
    assert_eq!(caps.host.numa_cells.as_ref().map(Vec::len), Some(2));
    assert_eq!(caps.host.secmodels[0].model, "testSecurity");
    assert!(caps.guest("hvm", "i686").is_some());
    assert!(caps.guest("xen", "i686").is_some());
}

#[test]
fn testdriver_config_capabilities_round_trip() {
    // A custom test-driver config sets its own host CPU and topology.
    let Some(config) = common::testdriver_config() else {
        return;
    };
    let script = common::open_testdriver_config_py(&config.display().to_string())
        + "print(json.dumps(c.getCapabilities()))\n";
    let Some(json) = common::libvirt_python(&script) else {
        return;
    };
    let xml = json.as_str().unwrap();
    let got = Capabilities::parse(xml).unwrap().format();
    assert_eq!(got, xml, "{}", common::diff(xml, &got));
}

#[test]
fn built_default_capabilities_match_libvirt() {
    // Building test:///default's document through the public API gives libvirt's bytes.
    use rvirt_xml::capabilities::{GuestCaps, NumaCell, NumaCpu, SecModel};
    let script = r#"
import json, libvirt
print(json.dumps(libvirt.open("test:///default").getCapabilities()))
"#;
    let Some(json) = common::libvirt_python(script) else {
        return;
    };
    let mut caps = Capabilities::new("i686");
    caps.host.features = vec!["pae".into(), "nonpae".into()];
    caps.host.page_sizes = vec![4, 8, 2048, 1048576];
    let cells = (0..2u32)
        .map(|cell| NumaCell {
            id: cell,
            memory: Some(2097152 * u64::from(cell + 1)),
            pages: vec![
                (if cell == 0 { 4 } else { 8 }, 524288),
                (2048, 0),
                (1048576, 0),
            ],
            distances: vec![],
            cpus: (0..8u32)
                .map(|core| {
                    let id = cell * 8 + core;
                    NumaCpu {
                        id,
                        topology: Some((cell, 0, core, id.to_string())),
                    }
                })
                .collect(),
        })
        .collect();
    caps.host.numa_cells = Some(cells);
    caps.host.secmodels.push(SecModel {
        model: "testSecurity".into(),
        doi: String::new(),
        base_labels: vec![],
    });
    for os in ["hvm", "xen"] {
        let g = caps.add_guest(GuestCaps::new(os, "i686", 32, Some("/usr/bin/test-hv")));
        g.add_domain("test");
        g.add_feature("pae");
        g.add_feature("nonpae");
    }
    let expected = json.as_str().unwrap();
    let got = caps.format();
    assert_eq!(got, expected, "{}", common::diff(expected, &got));
}

#[test]
fn test_driver_capabilities_match_libvirt() {
    use rvirt_xml::capabilities::test_driver_capabilities;
    let Some(config) = common::testdriver_config() else {
        return;
    };
    let script = common::open_testdriver_config_py(&config.display().to_string())
        + r#"print(json.dumps([libvirt.open("test:///default").getCapabilities(), c.getCapabilities()]))
"#;
    let Some(json) = common::libvirt_python(&script) else {
        return;
    };
    for (builtin, expected) in [(true, &json[0]), (false, &json[1])] {
        let expected = expected.as_str().unwrap();
        let got = test_driver_capabilities(builtin).format();
        assert_eq!(got, expected, "{builtin}: {}", common::diff(expected, &got));
    }
}
