//! Pool and volume XML against libvirt's test driver: corpus snapshots, live
//! `test:///default`, and the pools and volumes of virt-manager's big test-driver config.

mod common;

use rvirt_xml::storage::{PoolDef, VolumeDef};

#[test]
fn corpus_pools_and_volumes_round_trip() {
    for file in ["testdefault.out.json", "testsuite.out.json"] {
        let Some(json) = common::testdriver_json(file) else {
            return;
        };
        for (name, pool) in json["pools"].as_object().unwrap() {
            let xml = pool["xml"].as_str().unwrap();
            let def = PoolDef::parse(xml).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&def.name, name);
            let got = def.format(false);
            assert_eq!(got, xml, "{file} {name}: {}", common::diff(xml, &got));
            for (vname, vxml) in pool["volumes"].as_object().unwrap() {
                let vxml = vxml.as_str().unwrap();
                let vol = VolumeDef::parse(vxml, &def.pool_type)
                    .unwrap_or_else(|e| panic!("{name}/{vname}: {e}"));
                let got = vol.format(&def.pool_type);
                assert_eq!(
                    got,
                    vxml,
                    "{file} {name}/{vname}: {}",
                    common::diff(vxml, &got)
                );
            }
        }
    }
}

#[test]
fn live_default_pool() {
    let script = r#"
import json, libvirt
c = libvirt.open("test:///default")
p = c.storagePoolLookupByName("default-pool")
# libvirt 9.0's test driver refuses the INACTIVE flag here, so only the live form.
print(json.dumps([p.XMLDesc(0)]))
"#;
    let Some(json) = common::libvirt_python(script) else {
        return;
    };
    let live = json[0].as_str().unwrap();
    let def = PoolDef::parse(live).unwrap();
    assert_eq!(def.format(false), live);
    assert_eq!(def.target_path.as_deref(), Some("/default-pool"));
}

#[test]
fn testdriver_config_pools_and_volumes_match_libvirt() {
    let Some(config) = common::testdriver_config() else {
        return;
    };
    let script = common::open_testdriver_config_py(&config.display().to_string())
        + r#"
out = {}
for p in c.listAllStoragePools():
    vols = {}
    try:
        vols = {v.name(): v.XMLDesc(0) for v in p.listAllVolumes()}
    except libvirt.libvirtError:
        pass
    out[p.name()] = [p.XMLDesc(0), vols]
print(json.dumps(out))
"#;
    let Some(json) = common::libvirt_python(&script) else {
        return;
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, v) in json.as_object().unwrap() {
        // libvirt's output must survive rvirt's parse and format unchanged.
        let xml = v[0].as_str().unwrap();
        let def = PoolDef::parse(xml).unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = def.format(false);
        if got != xml {
            failures.push(format!("{name}: {}", common::diff(xml, &got)));
        }
        for (vname, vxml) in v[1].as_object().unwrap() {
            let vxml = vxml.as_str().unwrap();
            match VolumeDef::parse(vxml, &def.pool_type) {
                Ok(vol) => {
                    let got = vol.format(&def.pool_type);
                    if got != vxml {
                        failures.push(format!("{name}/{vname}: {}", common::diff(vxml, &got)));
                    }
                }
                Err(e) => failures.push(format!("{name}/{vname}: {e}")),
            }
            checked += 1;
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 20, "only {checked} objects compared");
}

#[test]
fn testdriver_config_inputs_load_like_libvirt() {
    // Pools and their <volume> children as the test driver loads them from a config file:
    // pool defaults, volume path/key filled in, pool allocation summed over its volumes.
    let Some(config) = common::testdriver_config() else {
        return;
    };
    let script = common::open_testdriver_config_py(&config.display().to_string())
        + r#"
out = {}
for p in c.listAllStoragePools():
    vols = {}
    try:
        vols = {v.name(): v.XMLDesc(0) for v in p.listAllVolumes()}
    except libvirt.libvirtError:
        pass
    out[p.name()] = [p.XMLDesc(0), vols]
print(json.dumps(out))
"#;
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
        .filter(|n| n.has_tag_name("pool"))
    {
        let mut pool = PoolDef::from_node(node).unwrap();
        pool.apply_test_driver_defaults();
        let Some(expected) = json.get(&pool.name) else {
            continue;
        };
        if !node.children().any(|c| c.has_tag_name("uuid")) {
            // Generated on both sides: take libvirt's so the rest can be compared.
            pool.uuid = PoolDef::parse(expected[0].as_str().unwrap()).unwrap().uuid;
        }
        let path = pool.target_path.clone().unwrap_or_default();
        for vnode in node.children().filter(|n| n.has_tag_name("volume")) {
            let mut vol = VolumeDef::from_node(vnode, &pool.pool_type).unwrap();
            vol.apply_test_driver_config_load(&path);
            pool.add_volume_allocation(vol.allocation);
            let Some(vxml) = expected[1].get(&vol.name).and_then(|v| v.as_str()) else {
                failures.push(format!("{}/{}: not listed by libvirt", pool.name, vol.name));
                continue;
            };
            let got = vol.format(&pool.pool_type);
            if got != vxml {
                failures.push(format!(
                    "{}/{}: {}",
                    pool.name,
                    vol.name,
                    common::diff(vxml, &got)
                ));
            }
            checked += 1;
        }
        let xml = expected[0].as_str().unwrap();
        let got = pool.format(false);
        if got != xml {
            failures.push(format!("{}: {}", pool.name, common::diff(xml, &got)));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 20, "only {checked} objects compared");
}
