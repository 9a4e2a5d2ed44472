//! Malformed documents, against real libvirt: each input below is given to libvirt's test
//! driver (Debian's python3-libvirt) through the call that parses its format, and rvirt's
//! parser must reject it with the same code, domain and message (libxml2's words, the source
//! line and the caret).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use rvirt_xml::domain::{DomainDef, ParseOptions};
use rvirt_xml::interface::InterfaceDef;
use rvirt_xml::network::NetworkDef;
use rvirt_xml::nodedev::NodeDeviceDef;
use rvirt_xml::storage::{PoolDef, VolumeDef};

/// `(format, document)`: formats name the libvirt call used (see the Python below).
const CASES: &[(&str, &str)] = &[
    ("domain", ""),
    ("domain", "   "),
    ("domain", "\n\n"),
    ("domain", "hello"),
    ("domain", "<!DOCTYPE domain><domain/>"),
    ("domain", "<domain type='test'><name>x</name"),
    ("domain", "<domain type='test'><name>x</name></domainx>"),
    ("domain", "<domain type='test'>\n  <name>x</name>\n"),
    (
        "domain",
        "<domain type='test'>\n<devices>\n<disk>\n</devices>\n</domain>\n",
    ),
    ("domain", "<domain>\n\t<name>x</name></domainx>"),
    ("domain", "<domain type='test' <name>"),
    ("domain", "<domain type=test/>"),
    ("domain", "<domain type='test'"),
    ("domain", "<domain type='te"),
    ("domain", "<domain"),
    ("domain", "<1domain/>"),
    ("domain", "<domain type='test' type='x'/>"),
    ("domain", "<domain type='test' name>"),
    ("domain", "<domain type='test'>&foo;</domain>"),
    ("domain", "<domain type='test'><name>a&b</name></domain>"),
    ("domain", "<domain type='test'><name attr='<'/></domain>"),
    ("domain", "<domain type='test'><!-- x -- y --></domain>"),
    ("domain", "<domain><!-- x"),
    ("domain", "<domain><?pi x"),
    (
        "domain",
        "<domain type='test'><name>x</name></domain>trailing",
    ),
    ("domain", "<domain type='test'/>\n<!-- c --> junk"),
    ("domain", "<domain type='test'/>\n\n<x/>"),
    (
        "domain",
        "<?xml version='1.0'?><?xml version='1.0'?><domain/>",
    ),
    ("domain", "<domain type='test'><name>\u{1}</name></domain>"),
    ("domain", "<domain type='test'><name>]]></name></domain>"),
    ("domain", "<domain type='tëst'>\n<name>é</name></domainx>"),
    ("domain", "<domain>\r\n<name>x</name>\r\n</domainx>\r\n"),
    (
        "domain",
        "<domain type='test'><name>a-rather-long-name-to-push-the-error-past-eighty-columns-of-text</name></domainx>",
    ),
    ("domain", "<domain><a b='1'c='2'/></domain>"),
    ("domain", "<domain></domain>\n</extra>"),
    ("domain", "<domain><name>x</name><!-- unterminated"),
    ("domain", "\u{feff}<domain></domainx>"),
    ("network", ""),
    ("network", "<network><name>n</name></network"),
    ("network", "<network><name>n</name>"),
    ("pool", ""),
    ("pool", "<pool type='dir'><name>p</name></pol>"),
    ("volume", ""),
    ("volume", "<volume><name>v</name>"),
    ("nodedev", ""),
    ("nodedev", "<device><name>d</name>"),
    ("interface", ""),
    ("interface", "<interface type='ethernet' name='e'>"),
];

/// What rvirt answers: `(code, domain, message)` of the rejection, or `None` if accepted.
fn rvirt_answer(format: &str, xml: &str) -> Option<(i64, i64, String)> {
    let result = match format {
        "domain" => DomainDef::parse(xml, ParseOptions::default()).map(drop),
        "network" => NetworkDef::parse(xml).map(drop),
        "pool" => PoolDef::parse(xml).map(drop),
        "volume" => VolumeDef::parse(xml, "dir").map(drop),
        "nodedev" => NodeDeviceDef::parse_for_create(xml).map(drop),
        "interface" => InterfaceDef::parse(xml).map(drop),
        other => panic!("unknown format {other}"),
    };
    result
        .err()
        .map(|e| (e.code as i64, e.domain as i64, e.message))
}

#[test]
fn malformed_documents_are_reported_like_libvirt() {
    // A JSON string literal holding the JSON list is also a valid Python string literal.
    let cases = serde_json::to_string(&serde_json::to_string(CASES).unwrap()).unwrap();
    let script = format!(
        r#"
import json, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open("test:///default")
calls = {{
    "domain": c.defineXML,
    "network": c.networkDefineXML,
    "pool": c.storagePoolDefineXML,
    "volume": lambda x: c.storagePoolLookupByName("default-pool").createXML(x),
    "nodedev": c.nodeDeviceCreateXML,
    "interface": c.interfaceDefineXML,
}}
out = []
for fmt, xml in json.loads({cases}):
    try:
        calls[fmt](xml)
        out.append(None)
    except libvirt.libvirtError as e:
        out.append([e.get_error_code(), e.get_error_domain(), e.get_error_message()])
print(json.dumps(out))
"#
    );
    let Some(answers) = common::libvirt_python(&script) else {
        return;
    };
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), CASES.len());
    let mut failures = Vec::new();
    for ((format, xml), answer) in CASES.iter().zip(answers) {
        let expected = answer.as_array().map(|a| {
            (
                a[0].as_i64().unwrap(),
                a[1].as_i64().unwrap(),
                a[2].as_str().unwrap().to_string(),
            )
        });
        let got = rvirt_answer(format, xml);
        if got != expected {
            failures.push(format!(
                "{format} {xml:?}:\n  libvirt: {expected:?}\n  rvirt:   {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
