//! Network XML against libvirt's test driver: corpus snapshots, live `test:///default`, and
//! every network of virt-manager's big test-driver config (input parsed by rvirt, output
//! printed by libvirt).

mod common;

use rvirt_xml::network::NetworkDef;

#[test]
fn corpus_networks_round_trip() {
    for file in ["testdefault.out.json", "testsuite.out.json"] {
        let Some(json) = common::testdriver_json(file) else {
            return;
        };
        for (name, net) in json["networks"].as_object().unwrap() {
            let xml = net["xml"].as_str().unwrap();
            let def = NetworkDef::parse(xml).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&def.name, name);
            let got = def.format(false);
            assert_eq!(got, xml, "{file} {name}: {}", common::diff(xml, &got));
        }
    }
}

#[test]
fn live_default_network() {
    let script = r#"
import json, libvirt
c = libvirt.open("test:///default")
n = c.networkLookupByName("default")
# libvirt 9.0's test driver refuses the INACTIVE flag here, so only the live form.
print(json.dumps([n.XMLDesc(0)]))
"#;
    let Some(json) = common::libvirt_python(script) else {
        return;
    };
    let live = json[0].as_str().unwrap();
    let def = NetworkDef::parse(live).unwrap();
    assert_eq!(def.format(false), live);
    assert_eq!(def.bridge_name.as_deref(), Some("virbr0"));
    assert_eq!(def.forward_mode.as_deref(), Some("nat"));
}

#[test]
fn testdriver_config_networks_match_libvirt() {
    let Some(config) = common::testdriver_config() else {
        return;
    };
    let script = common::open_testdriver_config_py(&config.display().to_string())
        + "print(json.dumps({n.name(): n.XMLDesc(0) for n in c.listAllNetworks()}))\n";
    let Some(json) = common::libvirt_python(&script) else {
        return;
    };
    let text = std::fs::read_to_string(&config).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for node in doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("network"))
    {
        let mut def = NetworkDef::from_node(node).unwrap();
        let Some(expected) = json.get(&def.name).and_then(|v| v.as_str()) else {
            continue;
        };
        if !node.children().any(|c| c.has_tag_name("uuid")) {
            // Generated on both sides: take libvirt's so the rest can be compared.
            def.uuid = NetworkDef::parse(expected).unwrap().uuid;
        }
        let got = def.format(false);
        if got != expected {
            failures.push(format!("{}: {}", def.name, common::diff(expected, &got)));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 10, "only {checked} networks compared");
}
