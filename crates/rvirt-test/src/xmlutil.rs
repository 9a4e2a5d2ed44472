//! Small XML chores the test driver does around rvirt-xml's models: cutting one element out of
//! a `<node>` document, reading the test namespace, naming guest interfaces, and reading back
//! a few facts from formatted definitions that the models do not expose as fields.

use roxmltree::{Document, Node};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

/// The namespace of the test driver's domain extensions.
pub(crate) const TEST_NS: &str = "http://libvirt.org/schemas/domain/test/1.0";

/// The text of `node` as a standalone document: namespaces declared on ancestors are
/// re-declared on the element so prefixes keep resolving.
pub(crate) fn element_document(node: Node<'_, '_>, src: &str) -> String {
    let range = node.range();
    let text = &src[range];
    let tag_end = text
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(text.len());
    let start_tag_end = text.find('>').unwrap_or(text.len());
    let start_tag = &text[..start_tag_end];
    let mut extra = String::new();
    for ns in node.namespaces() {
        let declared = match ns.name() {
            Some("xml") => true,
            Some(prefix) => start_tag.contains(&format!("xmlns:{prefix}=")),
            None => start_tag.contains("xmlns="),
        };
        if declared || extra.contains(ns.uri()) {
            continue;
        }
        match ns.name() {
            Some(prefix) => extra.push_str(&format!(" xmlns:{prefix}='{}'", ns.uri())),
            None => extra.push_str(&format!(" xmlns='{}'", ns.uri())),
        }
    }
    format!("{}{}{}", &text[..tag_end], extra, &text[tag_end..])
}

/// What the test namespace says about a domain (`testDomainDefNamespaceParse`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TestNamespace {
    pub runstate: i32,
    pub transient: bool,
    pub has_managed_save: bool,
}

/// Reads `<test:runstate>`, `<test:transient/>` and `<test:hasmanagedsave/>` with libvirt's
/// checks. A document that does not parse is left to the domain parser to report.
pub(crate) fn parse_test_namespace(xml: &str) -> Result<TestNamespace> {
    let mut ns = TestNamespace {
        runstate: 1,
        transient: false,
        has_managed_save: false,
    };
    let Ok(doc) = Document::parse(xml) else {
        return Ok(ns);
    };
    let root = doc.root_element();
    let ours = |name: &str| {
        root.children().find(|c| {
            c.is_element()
                && c.tag_name().namespace() == Some(TEST_NS)
                && c.tag_name().name() == name
        })
    };
    ns.transient = ours("transient").is_some();
    ns.has_managed_save = ours("hasmanagedsave").is_some();
    if let Some(node) = ours("runstate") {
        let text: String = node
            .descendants()
            .filter(|d| d.is_text())
            .filter_map(|d| d.text())
            .collect();
        if !text.is_empty() {
            let value: u32 = text
                .parse()
                .map_err(|_| Error::xml(ErrorDomain::Test, "invalid runstate"))?;
            if value >= 8 {
                return Err(Error::xml(
                    ErrorDomain::Test,
                    format!("runstate '{value}' out of range'"),
                ));
            }
            ns.runstate = value as i32;
        }
    }
    if ns.transient && ns.runstate == 5 {
        return Err(Error::xml(
            ErrorDomain::Test,
            "transient domain cannot have runstate 'shutoff'",
        ));
    }
    if ns.has_managed_save && ns.runstate != 5 {
        return Err(Error::xml(
            ErrorDomain::Test,
            "domain with managedsave data can only have runstate 'shutoff'",
        ));
    }
    Ok(ns)
}

/// `testDomainGenerateIfnames`: every guest interface without a target device gets the
/// first free `testnetN`. Done on the document before parsing, since the model keeps the
/// target name private. Unparsable input is returned unchanged for the parser to reject.
pub(crate) fn name_guest_interfaces(xml: &str) -> String {
    let Ok(doc) = Document::parse(xml) else {
        return xml.to_string();
    };
    let root = doc.root_element();
    let Some(devices) = root
        .children()
        .find(|c| c.is_element() && c.tag_name().name() == "devices")
    else {
        return xml.to_string();
    };
    let interfaces: Vec<Node<'_, '_>> = devices
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "interface")
        .collect();
    let mut used: Vec<String> = interfaces.iter().filter_map(|i| kept_target(*i)).collect();
    let mut inserts: Vec<(usize, usize, String)> = Vec::new();
    for iface in &interfaces {
        if kept_target(*iface).is_some() {
            continue;
        }
        let Some(name) = (0..1024)
            .map(|n| format!("testnet{n}"))
            .find(|n| !used.contains(n))
        else {
            continue;
        };
        used.push(name.clone());
        if let Some(target) = target_element(*iface).filter(|t| t.attribute("dev").is_some()) {
            // A reserved name: the target keeps its other attributes under the new name.
            let mut element = format!("<target dev='{name}'");
            for attr in target.attributes().filter(|a| a.name() != "dev") {
                element.push_str(&format!(
                    " {}='{}'",
                    attr.name(),
                    rvirt_xml::writer::escape(attr.value())
                ));
            }
            element.push_str("/>");
            let range = target.range();
            inserts.push((range.start, range.end, element));
            continue;
        }
        let range = iface.range();
        let text = &xml[range.clone()];
        let element = format!("<target dev='{name}'/>");
        if text.ends_with("/>") {
            let start = range.end - 2;
            let closing = format!(">{element}</{}>", iface.tag_name().name());
            inserts.push((start, range.end, closing));
        } else if let Some(pos) = text.rfind("</") {
            inserts.push((range.start + pos, range.start + pos, element));
        }
    }
    let mut out = xml.to_string();
    inserts.sort_by_key(|insert| std::cmp::Reverse(insert.0));
    for (start, end, text) in inserts {
        out.replace_range(start..end, &text);
    }
    out
}

fn target_element<'a, 'i>(iface: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    iface
        .children()
        .find(|c| c.is_element() && c.tag_name().name() == "target")
}

/// The target device name a definition keeps: libvirt drops the names it reserves for
/// generated devices (`vnet`, `macvtap`, `macvlan` prefixes) when parsing a definition.
fn kept_target(iface: Node<'_, '_>) -> Option<String> {
    target_element(iface)
        .and_then(|t| t.attribute("dev"))
        .filter(|d| {
            !["vnet", "macvtap", "macvlan"]
                .iter()
                .any(|p| d.starts_with(p))
        })
        .map(str::to_string)
}

/// Text of the first element called `name` directly under the root of `xml`.
pub(crate) fn root_child_text(xml: &str, name: &str) -> Option<String> {
    let doc = Document::parse(xml).ok()?;
    let node = doc
        .root_element()
        .children()
        .find(|c| c.is_element() && c.tag_name().name() == name)?;
    Some(node.text().unwrap_or("").trim().to_string())
}

/// Whether a formatted domain has a memory balloon other than `model='none'`.
pub(crate) fn has_memballoon(xml: &str) -> bool {
    let Ok(doc) = Document::parse(xml) else {
        return false;
    };
    doc.root_element()
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "devices")
        .flat_map(|d| d.children())
        .any(|c| {
            c.is_element()
                && c.tag_name().name() == "memballoon"
                && c.attribute("model") != Some("none")
        })
}

/// Capability names of a formatted node device: the top-level ones (what the test driver's
/// `virNodeDeviceListCaps` returns) and those a capability filter also matches (nested
/// `fc_host`, `vports`, `mdev_types`, `vpd`).
pub(crate) fn device_caps(xml: &str) -> (Vec<String>, Vec<String>) {
    let mut top = Vec::new();
    let mut matching = Vec::new();
    let Ok(doc) = Document::parse(xml) else {
        return (top, matching);
    };
    for cap in doc
        .root_element()
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "capability")
    {
        let Some(kind) = cap.attribute("type") else {
            continue;
        };
        top.push(kind.to_string());
        matching.push(kind.to_string());
        for nested in cap
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "capability")
        {
            let name = match nested.attribute("type") {
                Some("fc_host") => "fc_host",
                Some("vport_ops") => "vports",
                Some("mdev_types") => "mdev_types",
                Some("vpd") => "vpd",
                _ => continue,
            };
            matching.push(name.to_string());
        }
    }
    (top, matching)
}

/// The `(wwnn, wwpn)` of a node device's `fc_host` capability, if it has one.
pub(crate) fn device_wwns(xml: &str) -> Option<(String, String)> {
    let doc = Document::parse(xml).ok()?;
    let fc = doc.descendants().find(|n| {
        n.is_element()
            && n.tag_name().name() == "capability"
            && n.attribute("type") == Some("fc_host")
    })?;
    let text = |name: &str| {
        fc.children()
            .find(|c| c.is_element() && c.tag_name().name() == name)
            .and_then(|c| c.text())
            .map(|t| t.trim().to_string())
    };
    Some((text("wwnn")?, text("wwpn")?))
}

/// The address the test driver makes up for a guest interface on a virtual network: the
/// network's first DHCP range start (or its own address) moved by `offset`, with the
/// network's prefix (`testDomainInterfaceAddressFromNet`).
pub(crate) fn guest_address(network_xml: &str, offset: i64) -> rvirt_core::DomainIpAddress {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    let mut result = rvirt_core::DomainIpAddress {
        kind: 0,
        addr: String::new(),
        prefix: 0,
    };
    let Ok(doc) = Document::parse(network_xml) else {
        return result;
    };
    let Some(ip) = doc
        .root_element()
        .children()
        .find(|c| c.is_element() && c.tag_name().name() == "ip")
    else {
        return result;
    };
    let address: Option<IpAddr> = ip.attribute("address").and_then(|a| a.parse().ok());
    let start: Option<IpAddr> = ip
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "range")
        .and_then(|r| r.attribute("start"))
        .and_then(|a| a.parse().ok());
    let netmask: Option<Ipv4Addr> = ip.attribute("netmask").and_then(|m| m.parse().ok());
    let prefix: Option<u32> = ip.attribute("prefix").and_then(|p| p.parse().ok());
    result.prefix = match (netmask, prefix, address) {
        (Some(mask), _, _) => u32::from(mask).count_ones(),
        (None, Some(p), _) if p > 0 => p,
        (_, _, Some(IpAddr::V4(a))) => match a.octets()[0] {
            0..=127 => 8,
            128..=191 => 16,
            192..=223 => 24,
            _ => 0,
        },
        (_, _, Some(IpAddr::V6(_))) => 64,
        _ => 0,
    };
    match start.or(address) {
        Some(IpAddr::V4(a)) => {
            result.addr = Ipv4Addr::from(u32::from(a).wrapping_add(offset as u32)).to_string();
        }
        Some(IpAddr::V6(a)) => {
            let mut bytes = a.octets();
            bytes[15] = bytes[15].wrapping_add(offset as u8);
            result.kind = 1;
            result.addr = Ipv6Addr::from(bytes).to_string();
        }
        None => {}
    }
    result
}

/// The `(wwnn, wwpn)` of a pool's `<adapter type='fc_host'>`, if it has one.
pub(crate) fn pool_fc_adapter(pool_xml: &str) -> Option<(String, String)> {
    let doc = Document::parse(pool_xml).ok()?;
    let adapter = doc.descendants().find(|n| {
        n.is_element() && n.tag_name().name() == "adapter" && n.attribute("type") == Some("fc_host")
    })?;
    Some((
        adapter.attribute("wwnn").unwrap_or("").to_string(),
        adapter.attribute("wwpn").unwrap_or("").to_string(),
    ))
}

/// A CPU set the way libvirt prints bitmaps: runs as `a-b`, single CPUs alone (`1-3,5`).
pub(crate) fn format_cpuset(map: &[bool]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < map.len() {
        if !map[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < map.len() && map[i + 1] {
            i += 1;
        }
        parts.push(if start == i {
            start.to_string()
        } else {
            format!("{start}-{i}")
        });
        i += 1;
    }
    parts.join(",")
}

/// Parses a libvirt CPU set (`0-3,^2,8`) into one flag per CPU below `size`.
pub(crate) fn parse_cpuset(text: &str, size: usize) -> Vec<bool> {
    let mut map = vec![false; size];
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (negate, range) = match part.strip_prefix('^') {
            Some(rest) => (true, rest),
            None => (false, part),
        };
        let (from, to) = match range.split_once('-') {
            Some((a, b)) => (a.trim().parse::<usize>(), b.trim().parse::<usize>()),
            None => (range.parse::<usize>(), range.parse::<usize>()),
        };
        if let (Ok(from), Ok(to)) = (from, to) {
            if from <= to {
                for slot in map.iter_mut().skip(from).take(to - from + 1) {
                    *slot = !negate;
                }
            }
        }
    }
    map
}

/// Reports a node-file problem the way libvirt's test driver does.
pub(crate) fn xml_error(detail: impl Into<String>) -> Error {
    Error::new(ErrorDomain::Test, ErrorCode::XmlError, detail)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn interfaces_get_first_free_names() {
        let xml = "<domain><devices><interface type='user'/><interface type='network'><target dev='testnet0'/></interface><interface type='user'><mac address='aa:bb:cc:dd:ee:ff'/></interface></devices></domain>";
        let out = name_guest_interfaces(xml);
        assert_eq!(
            out,
            "<domain><devices><interface type='user'><target dev='testnet1'/></interface><interface type='network'><target dev='testnet0'/></interface><interface type='user'><mac address='aa:bb:cc:dd:ee:ff'/><target dev='testnet2'/></interface></devices></domain>"
        );
    }

    #[test]
    fn namespaces_carried_into_extracted_element() {
        let src = "<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><domain><test:runstate>5</test:runstate></domain></node>";
        let doc = Document::parse(src).unwrap();
        let dom = doc.root_element().first_element_child().unwrap();
        let text = element_document(dom, src);
        let ns = parse_test_namespace(&text).unwrap();
        assert_eq!(ns.runstate, 5);
    }

    #[test]
    fn cpusets_round_trip() {
        let map = parse_cpuset("1-3,5,^2", 8);
        assert_eq!(
            map,
            vec![false, true, false, true, false, true, false, false]
        );
        assert_eq!(format_cpuset(&map), "1,3,5");
        assert_eq!(format_cpuset(&parse_cpuset("0-15", 16)), "0-15");
        assert!(parse_cpuset("0-3", 0).is_empty());
    }

    #[test]
    fn runstate_checks() {
        let wrap = |body: &str| format!("<domain xmlns:test='{TEST_NS}'>{body}</domain>");
        assert!(parse_test_namespace(&wrap("<test:runstate>9</test:runstate>")).is_err());
        assert!(parse_test_namespace(&wrap("<test:runstate>x</test:runstate>")).is_err());
        assert!(
            parse_test_namespace(&wrap("<test:transient/><test:runstate>5</test:runstate>"))
                .is_err()
        );
        assert!(parse_test_namespace(&wrap("<test:hasmanagedsave/>")).is_err());
        let ok = parse_test_namespace(&wrap(
            "<test:hasmanagedsave/><test:runstate>5</test:runstate>",
        ))
        .unwrap();
        assert!(ok.has_managed_save);
    }
}
