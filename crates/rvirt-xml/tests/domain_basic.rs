//! Simple domains and basic errors, checked against what real libvirt 9.0 answers (the test
//! driver's default domain, the test-suite config's domains, and the errors `defineXML`
//! raises).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;

use rvirt_core::{ErrorCode, ErrorDomain};
use rvirt_xml::domain::{DomainDef, FormatOptions, ParseOptions};

/// The test driver's default domain as `virsh -c test:///default dumpxml test` prints it.
const DEFAULT_DOMAIN: &str = "<domain type='test' id='1'>
  <name>test</name>
  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <memory unit='KiB'>8388608</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='i686'>hvm</type>
    <boot dev='hd'/>
  </os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/diskimage1'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default'/>
      <target dev='testnet0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </interface>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </memballoon>
  </devices>
</domain>
";

fn live() -> ParseOptions {
    ParseOptions { live: true }
}

#[test]
fn default_domain_round_trips() {
    let def = DomainDef::parse(DEFAULT_DOMAIN, live()).unwrap();
    assert_eq!(def.name, "test");
    assert_eq!(def.id, Some(1));
    assert_eq!(def.memory, 8_388_608);
    assert_eq!(def.current_memory, 2_097_152);
    assert_eq!(def.vcpus, 2);
    assert_eq!(def.os.arch.as_deref(), Some("i686"));
    assert_eq!(def.format(FormatOptions::default()), DEFAULT_DOMAIN);
    let inactive = def.format(FormatOptions {
        inactive: true,
        ..Default::default()
    });
    assert!(inactive.starts_with("<domain type='test'>\n"));
}

#[test]
fn summaries() {
    let def = DomainDef::parse(DEFAULT_DOMAIN, live()).unwrap();
    let disks = def.disk_summaries();
    assert_eq!(disks.len(), 1);
    assert_eq!(disks[0].source.as_deref(), Some("/guest/diskimage1"));
    assert_eq!(disks[0].target_dev, "vda");
    let nets = def.interface_summaries();
    assert_eq!(nets[0].mac.as_deref(), Some("aa:bb:cc:dd:ee:ff"));
    assert_eq!(nets[0].source.as_deref(), Some("default"));
    assert_eq!(nets[0].target_dev.as_deref(), Some("testnet0"));
}

#[test]
fn driver_changes_are_formatted() {
    let mut def = DomainDef::parse(DEFAULT_DOMAIN, live()).unwrap();
    def.current_vcpus = 1;
    def.current_memory = 1024;
    def.id = None;
    let xml = def.format(FormatOptions::default());
    assert!(xml.contains("<vcpu placement='static' current='1'>2</vcpu>"));
    assert!(xml.contains("<currentMemory unit='KiB'>1024</currentMemory>"));
    assert!(xml.starts_with("<domain type='test'>"));
}

fn parse_err(xml: &str) -> rvirt_core::Error {
    DomainDef::parse(xml, ParseOptions::default()).unwrap_err()
}

#[test]
fn errors_match_libvirt() {
    let e = parse_err("<domain type='test'><memory>1024</memory></domain>");
    assert_eq!(e.code, ErrorCode::NoName);
    assert_eq!(e.domain, ErrorDomain::Domain);
    assert_eq!(e.message, "missing name information");

    let e = parse_err("<domain><name>x</name></domain>");
    assert_eq!(e.code, ErrorCode::InternalError);
    assert_eq!(e.message, "internal error: missing domain type attribute");

    let e = parse_err("<domain type='bogus'><name>x</name></domain>");
    assert_eq!(e.code, ErrorCode::ConfigUnsupported);
    assert_eq!(
        e.message,
        "unsupported configuration: invalid domain type bogus"
    );

    let e = parse_err("<foo/>");
    assert_eq!(e.code, ErrorCode::XmlError);
    assert_eq!(e.domain, ErrorDomain::Xml);
    assert_eq!(
        e.message,
        "XML error: expecting root element of 'domain', not 'foo'"
    );

    let e = parse_err("<domain type='test'><name>x</name>");
    assert_eq!(e.code, ErrorCode::XmlDetail);
}

/// Pulls `"xml": "..."` strings out of the test-suite JSON without a JSON dependency.
fn json_xml_strings(json: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = json;
    while let Some(pos) = rest.find("\"xml\": \"") {
        rest = &rest[pos + 8..];
        let mut s = String::new();
        let mut chars = rest.char_indices();
        let mut end = rest.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    end = i;
                    break;
                }
                '\\' => match chars.next().map(|(_, e)| e) {
                    Some('n') => s.push('\n'),
                    Some('t') => s.push('\t'),
                    Some('u') => {
                        let hex: String = chars.by_ref().take(4).map(|(_, h)| h).collect();
                        if let Some(ch) =
                            u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                        {
                            s.push(ch);
                        }
                    }
                    Some(other) => s.push(other),
                    None => {}
                },
                c => s.push(c),
            }
        }
        out.push(s);
        rest = &rest[end..];
    }
    out
}

/// Every `<domain>` of a test-driver config file, defined the way the test driver loads
/// it, must print what libvirt printed for that domain (`<case>.out.json`).
fn check_testdriver_config(case: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/testdriver");
    let (Ok(input), Ok(json)) = (
        fs::read_to_string(dir.join(format!("{case}.in.xml"))),
        fs::read_to_string(dir.join(format!("{case}.out.json"))),
    ) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "missing {case} corpus"
        );
        return;
    };
    let expected: Vec<String> = json_xml_strings(&json)
        .into_iter()
        .filter(|x| x.starts_with("<domain"))
        .collect();
    let doc = roxmltree::Document::parse(&input).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for node in doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("domain"))
    {
        let text = &input[node.range()];
        let mut def = match DomainDef::parse(text, ParseOptions::default()) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("rejected: {}", e.message));
                continue;
            }
        };
        let name_line = format!("<name>{}</name>", def.name);
        let Some(want) = expected.iter().find(|x| x.contains(&name_line)) else {
            continue;
        };
        let first = want.lines().next().unwrap_or("");
        def.id = first
            .split("id='")
            .nth(1)
            .and_then(|r| r.split('\'').next())
            .and_then(|n| n.parse().ok());
        let want = want.trim_end().to_string() + "\n";
        let got = def.format(FormatOptions::default());
        checked += 1;
        if got != want {
            let line = want
                .lines()
                .zip(got.lines())
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("expected `{a}` got `{b}`"))
                .unwrap_or_else(|| "length differs".into());
            failures.push(format!("{}: {line}", def.name));
        }
    }
    println!(
        "{case} domains: {}/{checked}",
        checked - failures.len().min(checked)
    );
    assert!(checked > 0);
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn testsuite_config_domains() {
    check_testdriver_config("testsuite");
}

#[test]
fn testdefault_config_domains() {
    check_testdriver_config("testdefault");
}

/// Disk name for index `i` as libvirt counts them (`vda`, ..., `vdz`, `vdaa`, ...).
fn disk_name(prefix: &str, mut i: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push((b'a' + (i % 26) as u8) as char);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    letters.reverse();
    format!("{prefix}{}", letters.into_iter().collect::<String>())
}

#[test]
fn large_documents_parse() {
    // Thousands of devices: every post-parse step must stay well below quadratic blowups.
    let mut devices = String::new();
    for i in 0..3000 {
        devices.push_str(&format!(
            "<disk type='file' device='disk'><source file='/d/{i}'/><target dev='{}' bus='scsi'/></disk>",
            disk_name("sd", 2999 - i)
        ));
    }
    for i in 0..1000 {
        devices.push_str(&format!(
            "<interface type='user'><mac address='52:54:00:00:{:02x}:{:02x}'/></interface>",
            i / 256,
            i % 256
        ));
    }
    let xml = format!(
        "<domain type='test'><name>big</name><memory>1024</memory>\
         <os><type>hvm</type></os><devices>{devices}</devices></domain>"
    );
    let started = std::time::Instant::now();
    let def = DomainDef::parse(&xml, ParseOptions::default()).unwrap();
    let xml = def.format(FormatOptions::default());
    println!("3000 disks + 1000 interfaces: {:?}", started.elapsed());
    assert_eq!(def.disk_summaries().len(), 3000);
    assert_eq!(def.disk_summaries()[0].target_dev, "sda");
    assert!(xml.contains("<target dev='testnet999'/>"));
    // 3000 SCSI disks at 7 units per controller need controllers 0..=428.
    assert!(xml.contains("<controller type='scsi' index='428'/>"));
}
