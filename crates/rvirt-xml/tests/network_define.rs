//! Networks of `tests/data/network/` defined into real libvirt's test driver and parsed by
//! rvirt: the same canonical XML, or the same error code and domain.

mod common;

use rvirt_xml::network::NetworkDef;

#[test]
fn networks_match_libvirt_define() {
    let mismatches = common::compare_with_libvirt("network", |xml| {
        NetworkDef::parse(xml).map(|n| n.format(false))
    });
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn malformed_documents_name_libvirts_context() {
    // Malformed XML is VIR_ERR_XML_DETAIL from each format's own error domain, with the
    // message starting "(<context>):<line>:" as libxml2's report does in libvirt.
    use rvirt_xml::interface::InterfaceDef;
    use rvirt_xml::nodedev::NodeDeviceDef;
    use rvirt_xml::storage::{PoolDef, VolumeDef};
    let bad = "<x><name>y</name";
    let script = format!(
        r#"
import json, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open("test:///default")
calls = [
    lambda: c.networkDefineXML({bad:?}),
    lambda: c.storagePoolDefineXML({bad:?}),
    lambda: c.storagePoolLookupByName("default-pool").createXML({bad:?}, 0),
    lambda: c.interfaceDefineXML({bad:?}),
    lambda: c.nodeDeviceCreateXML({bad:?}, 0),
]
out = []
for f in calls:
    try:
        f()
        out.append(None)
    except libvirt.libvirtError as e:
        out.append([e.get_error_code(), e.get_error_domain(), e.get_error_message()])
print(json.dumps(out))
"#
    );
    let Some(json) = common::libvirt_python(&script) else {
        return;
    };
    let ours = [
        NetworkDef::parse(bad).map(|_| ()),
        PoolDef::parse(bad).map(|_| ()),
        VolumeDef::parse(bad, "dir").map(|_| ()),
        InterfaceDef::parse(bad).map(|_| ()),
        NodeDeviceDef::parse(bad).map(|_| ()),
    ];
    for (ours, theirs) in ours.into_iter().zip(json.as_array().unwrap()) {
        let e = ours.expect_err("malformed input accepted");
        assert_eq!(i64::from(e.code as i32), theirs[0].as_i64().unwrap());
        assert_eq!(i64::from(e.domain as i32), theirs[1].as_i64().unwrap());
        let message = theirs[2].as_str().unwrap();
        let context = &message[..message.find(':').unwrap() + 2];
        assert!(e.message.starts_with(context), "{} vs {message}", e.message);
    }
}
