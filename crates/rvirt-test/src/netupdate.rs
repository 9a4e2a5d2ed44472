//! `virNetworkUpdate` on a network definition (libvirt's `virNetworkDefUpdateSection`): the
//! change is made on the formatted document and the result parsed again, which also runs
//! the final parse/format check libvirt does.

use std::net::IpAddr;

use roxmltree::{Document, Node};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::network::NetworkDef;

const MODIFY: u32 = 1;
const DELETE: u32 = 2;
const ADD_LAST: u32 = 3;
const ADD_FIRST: u32 = 4;

const SECTION_BRIDGE: u32 = 1;
const SECTION_DOMAIN: u32 = 2;
const SECTION_IP: u32 = 3;
const SECTION_IP_DHCP_HOST: u32 = 4;
const SECTION_IP_DHCP_RANGE: u32 = 5;
const SECTION_FORWARD: u32 = 6;
const SECTION_FORWARD_INTERFACE: u32 = 7;
const SECTION_FORWARD_PF: u32 = 8;
const SECTION_PORTGROUP: u32 = 9;
const SECTION_DNS_HOST: u32 = 10;
const SECTION_DNS_TXT: u32 = 11;
const SECTION_DNS_SRV: u32 = 12;

fn invalid(detail: String) -> Error {
    Error::invalid_operation(ErrorDomain::Network, detail)
}

fn unsupported(detail: String) -> Error {
    Error::new(
        ErrorDomain::Network,
        ErrorCode::OperationUnsupported,
        detail,
    )
}

fn xml_error(detail: String) -> Error {
    Error::xml(ErrorDomain::Network, detail)
}

/// An owned element tree: enough of a document to edit and print again.
#[derive(Debug, Clone)]
struct Tree {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Tree>,
}

impl Tree {
    fn from_node(node: Node<'_, '_>) -> Tree {
        Tree {
            name: node.tag_name().name().to_string(),
            attrs: node
                .attributes()
                .map(|a| (a.name().to_string(), a.value().to_string()))
                .collect(),
            text: node
                .children()
                .filter(|c| c.is_text())
                .filter_map(|c| c.text())
                .collect::<String>()
                .trim()
                .to_string(),
            children: node
                .children()
                .filter(|c| c.is_element())
                .map(Tree::from_node)
                .collect(),
        }
    }

    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for (k, v) in &self.attrs {
            out.push_str(&format!(" {k}='{}'", rvirt_xml::writer::escape(v)));
        }
        out.push('>');
        out.push_str(&rvirt_xml::writer::escape(&self.text));
        for c in &self.children {
            c.write(out);
        }
        out.push_str(&format!("</{}>", self.name));
    }
}

/// A `<host>` of a DHCP section, parsed as `virNetworkDHCPHostDefParseXML` checks it.
struct Host {
    mac: Option<String>,
    name: Option<String>,
    ip: Option<IpAddr>,
}

fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() != 6 {
        return None;
    }
    let mut mac = [0u8; 6];
    for (slot, part) in mac.iter_mut().zip(&parts) {
        if part.is_empty() || part.len() > 2 {
            return None;
        }
        *slot = u8::from_str_radix(part, 16).ok()?;
    }
    Some(mac)
}

fn parse_host(network: &str, ip_is_v6: bool, node: &Tree, partial: bool) -> Result<Host> {
    let mac = node.attr("mac").map(str::to_string);
    if let Some(m) = &mac {
        if ip_is_v6 {
            return Err(xml_error(format!(
                "Invalid to specify MAC address '{m}' in network '{network}' IPv6 static host definition"
            )));
        }
        let Some(bytes) = parse_mac(m) else {
            return Err(xml_error(format!(
                "Cannot parse MAC address '{m}' in network '{network}'"
            )));
        };
        if bytes[0] & 1 == 1 {
            return Err(xml_error(format!(
                "expected unicast mac address, found multicast '{m}' in network '{network}'"
            )));
        }
    }
    let id = node.attr("id");
    if let Some(id) = id {
        if let Some(bad) = id.chars().find(|c| !(c.is_ascii_hexdigit() || *c == ':')) {
            return Err(xml_error(format!(
                "Invalid character '{bad}' in id '{id}' of network '{network}'"
            )));
        }
    }
    let name = node.attr("name").map(str::to_string);
    let ip = match node.attr("ip") {
        Some(text) => Some(text.parse::<IpAddr>().map_err(|_| {
            xml_error(format!(
                "Invalid IP address in static host definition for network '{network}'"
            ))
        })?),
        None => None,
    };
    if partial {
        if mac.is_none() && name.is_none() && ip.is_none() {
            return Err(xml_error(format!(
                "At least one of name, mac, or ip attribute must be specified for static host definition in network '{network}' "
            )));
        }
    } else {
        if ip_is_v6 {
            if id.is_none() && name.is_none() {
                return Err(xml_error(format!(
                    "Static host definition in IPv6 network '{network}' must have id or name attribute"
                )));
            }
        } else if mac.is_none() && name.is_none() {
            return Err(xml_error(format!(
                "Static host definition in IPv4 network '{network}' must have mac or name attribute"
            )));
        }
        if ip.is_none() {
            return Err(xml_error(format!(
                "Missing IP address in static host definition for network '{network}'"
            )));
        }
    }
    Ok(Host { mac, name, ip })
}

fn host_of(tree: &Tree) -> Host {
    Host {
        mac: tree.attr("mac").map(str::to_string),
        name: tree.attr("name").map(str::to_string),
        ip: tree.attr("ip").and_then(|i| i.parse().ok()),
    }
}

fn same_mac(a: &str, b: &str) -> bool {
    matches!((parse_mac(a), parse_mac(b)), (Some(x), Some(y)) if x == y)
}

fn is_v6(ip: &Tree) -> bool {
    ip.attr("family") == Some("ipv6")
        || ip
            .attr("address")
            .and_then(|a| a.parse::<IpAddr>().ok())
            .is_some_and(|a| a.is_ipv6())
}

fn has_dhcp_entries(ip: &Tree) -> bool {
    ip.children.iter().filter(|c| c.name == "dhcp").any(|d| {
        d.children
            .iter()
            .any(|c| c.name == "range" || c.name == "host")
    })
}

/// `virNetworkIPDefByIndex`: which `<ip>` (index among the root's `<ip>` children) to change.
fn ip_index(root: &Tree, network: &str, parent_index: i32) -> Result<usize> {
    let ips: Vec<usize> = root
        .children
        .iter()
        .enumerate()
        .filter(|(_, c)| c.name == "ip")
        .map(|(i, _)| i)
        .collect();
    if parent_index >= 0 {
        return ips.get(parent_index as usize).copied().ok_or_else(|| {
            invalid(format!(
                "couldn't update dhcp host entry - no <ip> element found at index {parent_index} in network '{network}'"
            ))
        });
    }
    let pick = ips
        .iter()
        .copied()
        .find(|&i| has_dhcp_entries(&root.children[i]))
        .or_else(|| ips.iter().copied().find(|&i| !is_v6(&root.children[i])))
        .or_else(|| ips.iter().copied().find(|&i| is_v6(&root.children[i])));
    pick.ok_or_else(|| {
        invalid(format!(
            "couldn't update dhcp host entry - no <ip> element found in network '{network}'"
        ))
    })
}

/// `virNetworkDefUpdateCheckMultiDHCP`.
fn check_single_dhcp(root: &Tree, chosen: usize) -> Result<()> {
    let v6 = is_v6(&root.children[chosen]);
    let clash = root
        .children
        .iter()
        .enumerate()
        .any(|(i, c)| i != chosen && c.name == "ip" && is_v6(c) == v6 && has_dhcp_entries(c));
    if clash {
        return Err(invalid(format!(
            "dhcp is supported only for a single {} address on each network",
            if v6 { "IPv6" } else { "IPv4" }
        )));
    }
    Ok(())
}

/// The first child called `name`, added when missing.
fn child_of<'a>(parent: &'a mut Tree, name: &str) -> &'a mut Tree {
    let pos = match parent.children.iter().position(|c| c.name == name) {
        Some(p) => p,
        None => {
            parent.children.push(Tree {
                name: name.to_string(),
                attrs: Vec::new(),
                text: String::new(),
                children: Vec::new(),
            });
            parent.children.len() - 1
        }
    };
    &mut parent.children[pos]
}

fn dhcp_of(ip: &mut Tree) -> &mut Tree {
    child_of(ip, "dhcp")
}

fn detail(detail: String) -> Error {
    Error::new(ErrorDomain::Network, ErrorCode::XmlDetail, detail)
}

fn check_name(node: &Tree, network: &str, expected: &str) -> Result<()> {
    if node.name != expected {
        return Err(xml_error(format!(
            "unexpected element <{}>, expecting <{expected}>, while updating network '{network}'",
            node.name
        )));
    }
    Ok(())
}

fn unknown_command(command: u32) -> Error {
    unsupported(format!(
        "unrecognized network update command code {command}"
    ))
}

fn update_forward_interface(
    root: &mut Tree,
    network: &str,
    command: u32,
    node: &Tree,
) -> Result<()> {
    check_name(node, network, "interface")?;
    if command == MODIFY {
        return Err(unsupported(
            "forward interface entries cannot be modified, only added or deleted".to_string(),
        ));
    }
    let Some(dev) = node.attr("dev") else {
        return Err(xml_error(
            "missing dev attribute in <interface> element".to_string(),
        ));
    };
    let forward = child_of(root, "forward");
    // libvirt keeps no forward dev of its own: it prints the first interface's.
    forward.attrs.retain(|(k, _)| k != "dev");
    let found = forward
        .children
        .iter()
        .position(|c| c.name == "interface" && c.attr("dev") == Some(dev));
    match command {
        ADD_LAST | ADD_FIRST => {
            if found.is_some() {
                return Err(invalid(format!(
                    "there is an existing interface entry in network '{network}' that matches \"<interface dev='{dev}'>\""
                )));
            }
            let entry = Tree {
                name: "interface".to_string(),
                attrs: vec![("dev".to_string(), dev.to_string())],
                text: String::new(),
                children: Vec::new(),
            };
            insert_entry(forward, "interface", entry, command == ADD_FIRST);
        }
        DELETE => {
            let Some(i) = found else {
                return Err(invalid(format!(
                    "couldn't find an interface entry in network '{network}' matching <interface dev='{dev}'>"
                )));
            };
            forward.children.remove(i);
        }
        other => return Err(unknown_command(other)),
    }
    Ok(())
}

fn update_portgroup(root: &mut Tree, network: &str, command: u32, node: &Tree) -> Result<()> {
    check_name(node, network, "portgroup")?;
    let Some(name) = node.attr("name") else {
        return Err(xml_error(
            "Missing required name attribute in portgroup".to_string(),
        ));
    };
    let is_default = |t: &Tree| {
        t.attr("default")
            .is_some_and(|d| d.eq_ignore_ascii_case("yes"))
    };
    let found = root
        .children
        .iter()
        .position(|c| c.name == "portgroup" && c.attr("name") == Some(name));
    let default_at = root
        .children
        .iter()
        .position(|c| c.name == "portgroup" && is_default(c));
    let adding = command == ADD_FIRST || command == ADD_LAST;
    if found.is_none() && (command == MODIFY || command == DELETE) {
        return Err(invalid(format!(
            "couldn't find a portgroup entry in network '{network}' matching <portgroup name='{name}'>"
        )));
    }
    if found.is_some() && adding {
        return Err(invalid(format!(
            "there is an existing portgroup entry in network '{network}' that matches \"<portgroup name='{name}'>\""
        )));
    }
    if command != DELETE && is_default(node) && default_at.is_some() && default_at != found {
        return Err(invalid(format!(
            "a different portgroup entry in network '{network}' is already set as the default. Only one default is allowed."
        )));
    }
    match (command, found) {
        (MODIFY, Some(i)) => root.children[i] = node.clone(),
        (ADD_LAST | ADD_FIRST, _) => {
            insert_entry(root, "portgroup", node.clone(), command == ADD_FIRST)
        }
        (DELETE, Some(i)) => {
            root.children.remove(i);
        }
        (other, _) => return Err(unknown_command(other)),
    }
    Ok(())
}

fn dns_host_names(t: &Tree) -> Vec<String> {
    t.children
        .iter()
        .filter(|c| c.name == "hostname")
        .map(|c| c.text.clone())
        .collect()
}

fn update_dns_host(root: &mut Tree, network: &str, command: u32, node: &Tree) -> Result<()> {
    if command == MODIFY {
        return Err(unsupported(
            "DNS HOST records cannot be modified, only added or deleted".to_string(),
        ));
    }
    check_name(node, network, "host")?;
    let adding = command == ADD_FIRST || command == ADD_LAST;
    let names = dns_host_names(node);
    if names.iter().any(|n| n.is_empty()) || (names.is_empty() && adding) {
        return Err(detail(format!(
            "Missing hostname in network '{network}' DNS HOST record"
        )));
    }
    let ip = match node.attr("ip") {
        Some(text) => Some(text.parse::<IpAddr>().map_err(|_| {
            detail(format!(
                "Invalid IP address in network '{network}' DNS HOST record"
            ))
        })?),
        None if adding => {
            return Err(detail(format!(
                "Missing IP address in network '{network}' DNS HOST record"
            )))
        }
        None if names.is_empty() => {
            return Err(detail(format!(
                "Missing ip and hostname in network '{network}' DNS HOST record"
            )))
        }
        None => None,
    };
    let dns = child_of(root, "dns");
    let matching: Vec<usize> = dns
        .children
        .iter()
        .enumerate()
        .filter(|(_, c)| c.name == "host")
        .filter(|(_, c)| {
            let same_ip = ip.is_some() && c.attr("ip").and_then(|a| a.parse::<IpAddr>().ok()) == ip;
            let same_name = !adding && dns_host_names(c).iter().any(|n| names.contains(n));
            same_ip || same_name
        })
        .map(|(i, _)| i)
        .collect();
    if adding {
        if !matching.is_empty() {
            return Err(invalid(format!(
                "there is already at least one DNS HOST record with a matching field in network {network}"
            )));
        }
        insert_entry(dns, "host", node.clone(), command == ADD_FIRST);
    } else if command == DELETE {
        match matching.as_slice() {
            [] => {
                return Err(invalid(format!(
                    "couldn't locate a matching DNS HOST record in network {network}"
                )))
            }
            [i] => {
                dns.children.remove(*i);
            }
            _ => {
                return Err(invalid(format!(
                    "multiple matching DNS HOST records were found in network {network}"
                )))
            }
        }
    } else {
        return Err(unknown_command(command));
    }
    Ok(())
}

fn update_dns_txt(root: &mut Tree, network: &str, command: u32, node: &Tree) -> Result<()> {
    if command == MODIFY {
        return Err(unsupported(
            "DNS TXT records cannot be modified, only added or deleted".to_string(),
        ));
    }
    check_name(node, network, "txt")?;
    let adding = command == ADD_FIRST || command == ADD_LAST;
    let Some(name) = node.attr("name") else {
        return Err(detail(format!(
            "missing required name attribute in DNS TXT record of network {network}"
        )));
    };
    if name.contains([' ', ',']) {
        return Err(detail(format!(
            "prohibited character in DNS TXT record name '{name}' of network {network}"
        )));
    }
    if node.attr("value").is_none() && adding {
        return Err(detail(format!(
            "missing required value attribute in DNS TXT record named '{name}' of network {network}"
        )));
    }
    let dns = child_of(root, "dns");
    let found = dns
        .children
        .iter()
        .position(|c| c.name == "txt" && c.attr("name") == Some(name));
    if adding {
        if found.is_some() {
            return Err(invalid(format!(
                "there is already a DNS TXT record with name '{name}' in network {network}"
            )));
        }
        insert_entry(dns, "txt", node.clone(), command == ADD_FIRST);
    } else if command == DELETE {
        let Some(i) = found else {
            return Err(invalid(format!(
                "couldn't locate a matching DNS TXT record in network {network}"
            )));
        };
        dns.children.remove(i);
    } else {
        return Err(unknown_command(command));
    }
    Ok(())
}

fn update_dns_srv(root: &mut Tree, network: &str, command: u32, node: &Tree) -> Result<()> {
    const PROTOCOL_CHARS: &str = "-+/";
    const SERVICE_CHARS: &str = "_-+/*";
    if command == MODIFY {
        return Err(unsupported(
            "DNS SRV records cannot be modified, only added or deleted".to_string(),
        ));
    }
    check_name(node, network, "srv")?;
    let adding = command == ADD_FIRST || command == ADD_LAST;
    let service = node.attr("service");
    let shown = service.unwrap_or("(null)");
    if service.is_none() && adding {
        return Err(detail(format!(
            "missing required service attribute in DNS SRV record of network '{network}'"
        )));
    }
    if let Some(sv) = service {
        if !sv
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || SERVICE_CHARS.contains(c))
        {
            return Err(detail(format!(
                "invalid character in service attribute '{sv}' in DNS SRV record of network '{network}'"
            )));
        }
    }
    let protocol = node.attr("protocol");
    if protocol.is_none() && adding {
        return Err(detail(format!(
            "missing required protocol attribute in DNS SRV record '{shown}' of network '{network}'"
        )));
    }
    if let Some(p) = protocol {
        if !p
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || PROTOCOL_CHARS.contains(c))
        {
            return Err(detail(format!(
                "invalid character in protocol attribute '{p}' in DNS SRV record of network '{network}'"
            )));
        }
    }
    let target = node.attr("target");
    for (attr, max, lower) in [
        ("port", 65535u64, 1u64),
        ("priority", 65535, 0),
        ("weight", 65535, 0),
    ] {
        let Some(text) = node.attr(attr) else {
            continue;
        };
        let value = text.parse::<u64>().ok();
        if value.is_some() && target.is_none() {
            return Err(detail(format!(
                "DNS SRV {attr} attribute not permitted without target for service '{shown}' in network '{network}'"
            )));
        }
        if value.is_none_or(|v| v < lower || v > max) {
            let what = if attr == "priority" {
                "Invalid"
            } else {
                "invalid"
            };
            return Err(detail(format!(
                "{what} DNS SRV {attr} attribute for service '{shown}' in network '{network}'"
            )));
        }
    }
    let domain = node.attr("domain");
    let dns = child_of(root, "dns");
    let matching: Vec<usize> = dns
        .children
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.name == "srv"
                && [
                    ("domain", domain),
                    ("service", service),
                    ("protocol", protocol),
                    ("target", target),
                ]
                .iter()
                .all(|(k, v)| v.is_none() || c.attr(k) == *v)
        })
        .map(|(i, _)| i)
        .collect();
    if adding {
        if !matching.is_empty() {
            return Err(invalid(format!(
                "there is already at least one DNS SRV record matching all specified fields in network {network}"
            )));
        }
        insert_entry(dns, "srv", node.clone(), command == ADD_FIRST);
    } else if command == DELETE {
        match matching.as_slice() {
            [] => {
                return Err(invalid(format!(
                    "couldn't locate a matching DNS SRV record in network {network}"
                )))
            }
            [i] => {
                dns.children.remove(*i);
            }
            _ => {
                return Err(invalid(format!(
                    "multiple DNS SRV records matching all specified fields were found in network {network}"
                )))
            }
        }
    } else {
        return Err(unknown_command(command));
    }
    Ok(())
}

fn insert_entry(dhcp: &mut Tree, kind: &str, entry: Tree, first: bool) {
    let positions: Vec<usize> = dhcp
        .children
        .iter()
        .enumerate()
        .filter(|(_, c)| c.name == kind)
        .map(|(i, _)| i)
        .collect();
    let at = if first {
        positions.first().copied().unwrap_or(dhcp.children.len())
    } else {
        positions
            .last()
            .map(|p| p + 1)
            .unwrap_or(dhcp.children.len())
    };
    dhcp.children.insert(at, entry);
}

fn update_host(
    root: &mut Tree,
    network: &str,
    command: u32,
    parent_index: i32,
    node: &Tree,
) -> Result<()> {
    if node.name != "host" {
        return Err(xml_error(format!(
            "unexpected element <{}>, expecting <host>, while updating network '{network}'",
            node.name
        )));
    }
    let ip_at = ip_index(root, network, parent_index)?;
    let v6 = is_v6(&root.children[ip_at]);
    let host = parse_host(network, v6, node, command == DELETE)?;
    if command != DELETE && host.ip.is_some_and(|ip| ip.is_ipv6() != v6) {
        return Err(invalid(
            "the address family of a host entry IP must match the address family of the dhcp element's parent"
                .to_string(),
        ));
    }
    let describe = |h: &Host| {
        (
            h.mac.clone().unwrap_or_else(|| "unknown".to_string()),
            h.name.clone().unwrap_or_else(|| "(null)".to_string()),
            h.ip.map(|i| i.to_string())
                .unwrap_or_else(|| "unknown".to_string()),
        )
    };
    match command {
        MODIFY => {
            let dhcp = dhcp_of(&mut root.children[ip_at]);
            let found = dhcp.children.iter().position(|c| {
                let e = host_of(c);
                c.name == "host"
                    && (host
                        .mac
                        .as_deref()
                        .zip(e.mac.as_deref())
                        .is_some_and(|(a, b)| same_mac(a, b))
                        || (host.ip.is_some() && host.ip == e.ip)
                        || (host.name.is_some() && host.name == e.name))
            });
            let Some(i) = found else {
                let (mac, name, ip) = describe(&host);
                return Err(invalid(format!(
                    "couldn't locate an existing dhcp host entry with \"mac='{mac}'\" \"name='{name}'\" \"ip='{ip}'\" in network '{network}'"
                )));
            };
            dhcp.children[i] = node.clone();
        }
        ADD_LAST | ADD_FIRST => {
            check_single_dhcp(root, ip_at)?;
            let dhcp = dhcp_of(&mut root.children[ip_at]);
            let clash = dhcp.children.iter().filter(|c| c.name == "host").any(|c| {
                let e = host_of(c);
                host.mac
                    .as_deref()
                    .zip(e.mac.as_deref())
                    .is_some_and(|(a, b)| same_mac(a, b))
                    || (host.name.is_some() && host.name == e.name)
                    || (host.ip.is_some() && host.ip == e.ip)
            });
            if clash {
                let (mac, name, ip) = describe(&host);
                return Err(invalid(format!(
                    "there is an existing dhcp host entry in network '{network}' that matches \"<host mac='{mac}' name='{name}' ip='{ip}'/>\""
                )));
            }
            insert_entry(dhcp, "host", node.clone(), command == ADD_FIRST);
        }
        DELETE => {
            let dhcp = dhcp_of(&mut root.children[ip_at]);
            let found = dhcp.children.iter().position(|c| {
                let e = host_of(c);
                c.name == "host"
                    && (host.mac.is_none()
                        || e.mac.is_none()
                        || host
                            .mac
                            .as_deref()
                            .zip(e.mac.as_deref())
                            .is_some_and(|(a, b)| same_mac(a, b)))
                    && (host.name.is_none() || host.name == e.name)
                    && (host.ip.is_none() || host.ip == e.ip)
            });
            let Some(i) = found else {
                return Err(invalid(format!(
                    "couldn't locate a matching dhcp host entry in network '{network}'"
                )));
            };
            dhcp.children.remove(i);
        }
        other => {
            return Err(unsupported(format!(
                "unrecognized network update command code {other}"
            )))
        }
    }
    Ok(())
}

fn update_range(
    root: &mut Tree,
    network: &str,
    command: u32,
    parent_index: i32,
    node: &Tree,
) -> Result<()> {
    if node.name != "range" {
        return Err(xml_error(format!(
            "unexpected element <{}>, expecting <range>, while updating network '{network}'",
            node.name
        )));
    }
    let ip_at = ip_index(root, network, parent_index)?;
    if command == MODIFY {
        return Err(unsupported(
            "dhcp ranges cannot be modified, only added or deleted".to_string(),
        ));
    }
    let parse = |attr: &str| -> Result<IpAddr> {
        node.attr(attr).and_then(|a| a.parse().ok()).ok_or_else(|| {
            xml_error(format!(
                "Missing '{attr}' attribute in dhcp range for network '{network}'"
            ))
        })
    };
    let (start, end) = (parse("start")?, parse("end")?);
    if start.is_ipv6() != is_v6(&root.children[ip_at]) {
        return Err(invalid(
            "the address family of a dhcp range must match the address family of the dhcp element's parent"
                .to_string(),
        ));
    }
    let existing = dhcp_of(&mut root.children[ip_at])
        .children
        .iter()
        .position(|c| {
            c.name == "range"
                && c.attr("start").and_then(|a| a.parse::<IpAddr>().ok()) == Some(start)
                && c.attr("end").and_then(|a| a.parse::<IpAddr>().ok()) == Some(end)
        });
    match command {
        ADD_LAST | ADD_FIRST => {
            check_single_dhcp(root, ip_at)?;
            if existing.is_some() {
                return Err(invalid(format!(
                    "there is an existing dhcp range entry in network '{network}' that matches \"<range start='{start}' end='{end}'/>\""
                )));
            }
            let dhcp = dhcp_of(&mut root.children[ip_at]);
            insert_entry(dhcp, "range", node.clone(), command == ADD_FIRST);
        }
        DELETE => {
            let Some(i) = existing else {
                return Err(invalid(format!(
                    "couldn't locate a matching dhcp range entry in network '{network}'"
                )));
            };
            dhcp_of(&mut root.children[ip_at]).children.remove(i);
        }
        other => {
            return Err(unsupported(format!(
                "unrecognized network update command code {other}"
            )))
        }
    }
    Ok(())
}

/// Applies one update to a definition and returns the new definition.
pub(crate) fn update(
    def: &NetworkDef,
    command: u32,
    section: u32,
    parent_index: i32,
    xml: &str,
) -> Result<NetworkDef> {
    let update_doc =
        rvirt_xml::parse::parse_document(xml, "network_update_xml", ErrorDomain::Network)?;
    let node = Tree::from_node(update_doc.root_element());
    let current = def.format(false);
    let doc = Document::parse(&current)
        .map_err(|e| Error::internal(ErrorDomain::Network, e.to_string()))?;
    let mut root = Tree::from_node(doc.root_element());
    let network = def.name.as_str();
    match section {
        SECTION_BRIDGE | SECTION_DOMAIN | SECTION_IP | SECTION_FORWARD => {
            let name = match section {
                SECTION_BRIDGE => "bridge",
                SECTION_DOMAIN => "domain",
                SECTION_IP => "ip",
                _ => "forward",
            };
            return Err(unsupported(format!(
                "can't update '{name}' section of network '{network}'"
            )));
        }
        SECTION_IP_DHCP_HOST => update_host(&mut root, network, command, parent_index, &node)?,
        SECTION_IP_DHCP_RANGE => update_range(&mut root, network, command, parent_index, &node)?,
        SECTION_FORWARD_INTERFACE => update_forward_interface(&mut root, network, command, &node)?,
        SECTION_FORWARD_PF => {
            return Err(unsupported(format!(
                "can't update 'forward pf' section of network '{network}'"
            )))
        }
        SECTION_PORTGROUP => update_portgroup(&mut root, network, command, &node)?,
        SECTION_DNS_HOST => update_dns_host(&mut root, network, command, &node)?,
        SECTION_DNS_TXT => update_dns_txt(&mut root, network, command, &node)?,
        SECTION_DNS_SRV => update_dns_srv(&mut root, network, command, &node)?,
        _ => {
            return Err(unsupported(
                "can't update unrecognized section of network".to_string(),
            ))
        }
    }
    let mut text = String::new();
    root.write(&mut text);
    NetworkDef::parse(&text)
}
