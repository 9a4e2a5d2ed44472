//! Node device XML against libvirt's test driver: the corpus snapshots and live
//! `test:///default`, plus every device of virt-manager's big test-driver config.

mod common;

use rvirt_xml::nodedev::NodeDeviceDef;

#[test]
fn corpus_nodedevs_round_trip() {
    for file in ["testdefault.out.json", "testsuite.out.json"] {
        let Some(json) = common::testdriver_json(file) else {
            return;
        };
        let devs = json["nodedevs"].as_object().expect("nodedevs");
        assert!(!devs.is_empty());
        for (name, xml) in devs {
            let xml = xml.as_str().unwrap();
            let def = NodeDeviceDef::parse(xml).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&def.name, name);
            let got = def.format();
            assert_eq!(got, xml, "{file} {name}: {}", common::diff(xml, &got));
        }
    }
}

#[test]
fn live_default_nodedevs_and_caps() {
    let script = r#"
import json, libvirt
c = libvirt.open("test:///default")
print(json.dumps({d.name(): [d.XMLDesc(), d.listCaps()] for d in c.listAllDevices()}))
"#;
    let Some(json) = common::libvirt_python(script) else {
        return;
    };
    for (name, v) in json.as_object().unwrap() {
        let xml = v[0].as_str().unwrap();
        let caps: Vec<String> = serde_json::from_value(v[1].clone()).unwrap();
        let def = NodeDeviceDef::parse(xml).unwrap();
        assert_eq!(def.format(), xml, "{name}");
        assert_eq!(def.capability_names(), caps, "{name}");
    }
}

#[test]
fn testdriver_config_devices_match_libvirt() {
    // libvirt loads the devices of the corpus's big test-driver config (its domains are left
    // out: one of them is rejected); each input device must format as libvirt prints it.
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let config = dir.join("testdriver/testdriver.in.xml");
    let script = format!(
        r#"
import json, libvirt, tempfile, xml.dom.minidom
doc = xml.dom.minidom.parse({path:?})
root = doc.documentElement
for d in [n for n in root.childNodes if n.nodeType == 1 and n.tagName == "domain"]:
    root.removeChild(d)
f = tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False)
f.write(doc.toxml()); f.close()
c = libvirt.open("test://" + f.name)
print(json.dumps({{d.name(): [d.XMLDesc(), d.listCaps()] for d in c.listAllDevices()}}))
"#,
        path = config.display().to_string()
    );
    let Some(json) = common::libvirt_python(&script) else {
        return;
    };
    let text = std::fs::read_to_string(&config).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for node in doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("device"))
    {
        let def = NodeDeviceDef::from_node(node).unwrap();
        let Some(expected) = json.get(&def.name) else {
            continue;
        };
        let xml = expected[0].as_str().unwrap();
        let got = def.format();
        if got != xml {
            failures.push(format!("{}: {}", def.name, common::diff(xml, &got)));
        }
        let caps: Vec<String> = serde_json::from_value(expected[1].clone()).unwrap();
        assert_eq!(def.capability_names(), caps, "{}", def.name);
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 50, "only {checked} devices compared");
}

#[test]
fn create_inputs_are_accepted_or_rejected_like_libvirt() {
    // nodeDeviceCreateXML parses the document first: rvirt must reject what libvirt rejects
    // with the same code and domain, and read back what libvirt then prints.
    let inputs = [
        "<device><parent>scsi_host1</parent><capability type='scsi_host'><capability type='fc_host'><wwnn>2001001b32a9da4e</wwnn><wwpn>2101001b32a9da4e</wwpn></capability></capability></device>",
        "<device/>",
        "<device><name>x</name></device>",
        "<device><name>x</name><capability type='zork'/></device>",
        "<device><name>x</name><capability/></device>",
        "<device><name>x</name><capability type='pci'/></device>",
        "<device><name>x</name><capability type='pci'><domain>0</domain><bus>0</bus><slot>1</slot><function>0</function></capability></device>",
        "<device><name>x</name><capability type='usb_device'/></device>",
        "<device><name>x</name><capability type='net'/></device>",
        "<device><capability type='scsi_host'><capability type='fc_host'/></capability></device>",
        "<device><name>x</name><capability type='system'/></device>",
        "<device><name>x</name><capability type='storage'/></device>",
        "<device><name>x</name><capability type='mdev'/></device>",
        "<device><name>x</name><devnode type='zork'>a</devnode><capability type='system'/></device>",
        "<device><name>x</name><capability type='drm'><type>zork</type></capability></device>",
    ];
    let script = format!(
        r#"
import json, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open("test:///default")
out = []
for x in json.loads({:?}):
    try:
        d = c.nodeDeviceCreateXML(x, 0)
        out.append(["ok", d.XMLDesc(), d.listCaps()])
    except libvirt.libvirtError as e:
        out.append(["err", e.get_error_code(), e.get_error_domain(), e.get_error_message()])
print(json.dumps(out))
"#,
        serde_json::to_string(&inputs).unwrap()
    );
    let Some(json) = common::libvirt_python(&script) else {
        return;
    };
    for (input, answer) in inputs.iter().zip(json.as_array().unwrap()) {
        let ours = NodeDeviceDef::parse_for_create(input);
        if answer[0] == "ok" {
            assert!(ours.is_ok(), "{input}");
            let xml = answer[1].as_str().unwrap();
            let back = NodeDeviceDef::parse(xml).unwrap();
            assert_eq!(back.format(), xml);
            let caps: Vec<String> = serde_json::from_value(answer[2].clone()).unwrap();
            assert_eq!(back.capability_names(), caps);
        } else {
            let e = ours.expect_err(input);
            assert_eq!(e.message, answer[3].as_str().unwrap(), "{input}");
            assert_eq!(
                i64::from(e.code as i32),
                answer[1].as_i64().unwrap(),
                "{input}"
            );
            assert_eq!(
                i64::from(e.domain as i32),
                answer[2].as_i64().unwrap(),
                "{input}"
            );
        }
    }
}

#[test]
fn driver_edits_are_put_in_libvirt_order() {
    // A driver filling in host/unique_id of a new vHBA after parsing gets libvirt's layout.
    let mut def = NodeDeviceDef::parse_for_create(
        "<device><parent>scsi_host1</parent><capability type='scsi_host'><capability type='fc_host'><wwnn>2001001b32a9da4e</wwnn><wwpn>2101001b32a9da4e</wwpn></capability></capability></device>",
    )
    .unwrap();
    def.name = "scsi_host12".into();
    let cap = def.capability_mut("scsi_host").unwrap();
    cap.set_child_text("host", "11");
    cap.set_child_text("unique_id", "10");
    cap.nested_capability_mut("fc_host")
        .unwrap()
        .set_child_text("fabric_wwn", "2000000043214321");
    def.canonicalize();
    let xml = def.format();
    let host = xml.find("<host>11</host>").unwrap();
    let fc = xml.find("<capability type='fc_host'>").unwrap();
    assert!(host < fc, "{xml}");
}

#[test]
fn system_capability_layout_and_uuid_checks_match_libvirt() {
    // Each document is the only device of a test-driver config; libvirt prints it or
    // rejects the whole config.
    let devices = [
        "<device><name>computer</name><capability type='system'><hardware><vendor>V</vendor><uuid>11111111-2222-3333-4444-555555555555</uuid></hardware><firmware/></capability></device>",
        "<device><name>computer</name><capability type='system'><firmware><release_date>d</release_date><vendor>fv</vendor></firmware><hardware><uuid>1111111122223333444455555555555A</uuid><serial>s</serial><vendor>v</vendor></hardware><product>p</product><foo/></capability></device>",
        "<device><name>computer</name><capability type='system'><hardware><vendor>V</vendor></hardware><firmware/></capability></device>",
        "<device><name>computer</name><capability type='system'><hardware><uuid></uuid></hardware></capability></device>",
        "<device><name>computer</name><capability type='system'><hardware><uuid>  </uuid></hardware></capability></device>",
        "<device><name>computer</name><capability type='system'><hardware><uuid>bad</uuid></hardware></capability></device>",
    ];
    let script = format!(
        r#"
import json, libvirt, tempfile
libvirt.registerErrorHandler(lambda *a: None, None)
out = []
for dev in json.loads({devices:?}):
    f = tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False)
    f.write("<node>" + dev + "</node>"); f.close()
    try:
        c = libvirt.open("test://" + f.name)
        out.append(c.listAllDevices()[0].XMLDesc())
    except libvirt.libvirtError as e:
        out.append([e.get_error_code(), e.get_error_message()])
print(json.dumps(out))
"#,
        devices = serde_json::to_string(&devices).unwrap()
    );
    let Some(json) = common::libvirt_python(&script) else {
        return;
    };
    for (dev, answer) in devices.iter().zip(json.as_array().unwrap()) {
        let ours = NodeDeviceDef::parse(dev);
        match answer.as_str() {
            Some(xml) => {
                let got = ours
                    .unwrap_or_else(|e| panic!("{dev}: rejected: {e}"))
                    .format();
                assert_eq!(got, xml, "{dev}: {}", common::diff(xml, &got));
            }
            None => {
                let err = ours.expect_err(dev);
                assert_eq!(err.code as i64, answer[0].as_i64().unwrap(), "{dev}");
                assert_eq!(err.message, answer[1].as_str().unwrap(), "{dev}");
            }
        }
    }
}
