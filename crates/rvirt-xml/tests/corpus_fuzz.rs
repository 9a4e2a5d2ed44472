//! Robustness: damaged versions of the test documents (a character removed, replaced or
//! duplicated) must never make a parser panic; when rvirt accepts one, its output must be a
//! fixed point like any canonical output.

mod common;

use proptest::prelude::*;
use rvirt_xml::capabilities::Capabilities;
use rvirt_xml::interface::InterfaceDef;
use rvirt_xml::network::NetworkDef;
use rvirt_xml::nodedev::NodeDeviceDef;
use rvirt_xml::secret::SecretDef;
use rvirt_xml::storage::{PoolDef, VolumeDef};

/// Every kind's parse-and-format, `None` when rejected.
fn run_all(xml: &str) -> Vec<Option<String>> {
    vec![
        NetworkDef::parse(xml).ok().map(|d| d.format(false)),
        PoolDef::parse(xml).ok().map(|d| d.format(false)),
        VolumeDef::parse(xml, "dir").ok().map(|d| d.format("dir")),
        VolumeDef::parse(xml, "disk").ok().map(|d| d.format("disk")),
        InterfaceDef::parse(xml).ok().map(|d| d.format(false)),
        NodeDeviceDef::parse(xml).ok().map(|d| d.format()),
        SecretDef::parse(xml).ok().map(|d| d.format()),
        Capabilities::parse(xml).ok().map(|d| d.format()),
    ]
}

fn documents() -> Vec<String> {
    let mut docs: Vec<String> = ["network", "pool", "volume", "interface"]
        .iter()
        .flat_map(|k| common::data_inputs(k))
        .map(|(_, text)| text)
        .collect();
    docs.push("<secret ephemeral='no' private='yes'><uuid>c7ab7a26-9a3d-4e36-a0cb-7be3ba0a1b3f</uuid><usage type='volume'><volume>/a</volume></usage></secret>".into());
    docs.push("<device><name>scsi_host1</name><parent>computer</parent><capability type='scsi_host'><host>1</host><capability type='fc_host'><wwnn>1</wwnn><wwpn>2</wwpn></capability></capability></device>".into());
    docs.push("<capabilities><host><cpu><arch>x86_64</arch></cpu><topology><cells num='1'><cell id='0'><cpus num='1'><cpu id='0' socket_id='0' core_id='0' siblings='0'/></cpus></cell></cells></topology></host><guest><os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize><domain type='qemu'/></arch></guest></capabilities>".into());
    docs
}

fn damage(doc: &str, at: usize, how: u8, with: char) -> String {
    let chars: Vec<char> = doc.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    let i = at % chars.len();
    let mut out: Vec<char> = chars.clone();
    match how % 3 {
        0 => {
            out.remove(i);
        }
        1 => out[i] = with,
        _ => out.insert(i, chars[i]),
    }
    out.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn damaged_documents_never_panic(
        doc_index in 0usize..1000,
        at in 0usize..100_000,
        how in 0u8..3,
        with in prop::sample::select(vec!['<', '>', '/', '\'', '"', '=', ' ', 'x', '0', ':', '&', '-']),
    ) {
        let docs = documents();
        let doc = &docs[doc_index % docs.len()];
        let damaged = damage(doc, at, how, with);
        for (i, first) in run_all(&damaged).into_iter().enumerate() {
            let Some(first) = first else { continue };
            // libvirt's unescaped values can make its own output no XML; nothing to re-read.
            if roxmltree::Document::parse(&first).is_err() {
                continue;
            }
            let second = run_all(&first).swap_remove(i);
            prop_assert_eq!(second.as_deref(), Some(first.as_str()));
        }
    }
}
