//! Pieces shared by the network-related formats: MAC and IP addresses, UUID text, tristate
//! booleans, `<virtualport>`, `<vlan>`, `<bandwidth>`, and verbatim copies of foreign
//! subtrees (`<metadata>`).

use std::net::IpAddr;

use roxmltree::Node;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result, Uuid};

use crate::parse::{parse_uint10, NodeExt};
use crate::writer::XmlWriter;

/// Parses a MAC address as `virMacAddrParse` does: six groups of one or two hex digits
/// separated by `:`. Returns the six bytes.
pub fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let mut bytes = [0u8; 6];
    let mut parts = text.split(':');
    for byte in bytes.iter_mut() {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 2 || !part.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        *byte = u8::from_str_radix(part, 16).ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(bytes)
}

/// libvirt's MAC text: lowercase, two digits per byte.
pub fn format_mac(bytes: &[u8; 6]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Whether the MAC is a multicast address (lowest bit of the first byte).
pub fn mac_is_multicast(bytes: &[u8; 6]) -> bool {
    bytes[0] & 1 == 1
}

/// A random MAC in QEMU/libvirt's `52:54:00` range, as libvirt generates for devices.
pub fn generate_mac() -> String {
    let r = Uuid::new_v4();
    let b = r.as_bytes();
    format_mac(&[0x52, 0x54, 0x00, b[0], b[1], b[2]])
}

/// Parses a UUID the way `virUUIDParse` does: 32 hex digits, dashes allowed between byte
/// pairs, surrounding blanks ignored.
pub fn parse_uuid(text: &str) -> Option<Uuid> {
    let t = text.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\n');
    let mut digits = String::with_capacity(32);
    let mut pending_dash_ok = false;
    for c in t.chars() {
        if c == '-' {
            if !pending_dash_ok {
                return None;
            }
            pending_dash_ok = false;
            continue;
        }
        if !c.is_ascii_hexdigit() {
            return None;
        }
        digits.push(c);
        pending_dash_ok = digits.len() & 1 == 0;
        if digits.len() > 32 {
            return None;
        }
    }
    if digits.len() != 32 {
        return None;
    }
    Uuid::parse_str(&digits).ok()
}

/// Parses an IP address as `virSocketAddrParse` does (numeric `getaddrinfo`): IPv6 text, or
/// IPv4 in `inet_aton` form, which also takes octal (`010`), hex (`0x0a`) and short forms
/// (`10.1` is 10.0.0.1).
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    if text.contains(':') {
        return text.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6);
    }
    parse_inet_aton(text).map(|v| IpAddr::V4(std::net::Ipv4Addr::from(v)))
}

fn parse_inet_aton(text: &str) -> Option<u32> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut values = Vec::with_capacity(parts.len());
    for part in &parts {
        let (digits, radix) =
            if let Some(h) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
                (h, 16)
            } else if part.len() > 1 && part.starts_with('0') {
                (&part[1..], 8)
            } else {
                (*part, 10)
            };
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        values.push(u64::from_str_radix(digits, radix).ok()?);
    }
    let (last, leading) = values.split_last()?;
    // Each leading part is one byte; the last fills the remaining bytes.
    let last_bits = 8 * (4 - leading.len() as u32);
    if leading.iter().any(|v| *v > 0xff) || *last >= (1u64 << last_bits) {
        return None;
    }
    let mut addr: u64 = 0;
    for (i, v) in leading.iter().enumerate() {
        addr |= v << (24 - 8 * i as u32);
    }
    addr |= last;
    u32::try_from(addr).ok()
}

/// `yes`/`no` (virTristateBool) to a bool; anything else is `None`.
pub fn parse_yes_no(text: &str) -> Option<bool> {
    match text {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// `on`/`off` (virTristateSwitch).
pub fn parse_on_off(text: &str) -> Option<bool> {
    match text {
        "on" => Some(true),
        "off" => Some(false),
        _ => None,
    }
}

pub fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// Number of leading one bits of an IPv4 netmask, or `None` when it is not contiguous.
pub fn netmask_prefix(mask: IpAddr) -> Option<u32> {
    let bits: u128 = match mask {
        IpAddr::V4(v4) => u128::from(u32::from(v4)) << 96,
        IpAddr::V6(v6) => u128::from(v6),
    };
    let ones = bits.leading_ones();
    if ones < 128 && (bits << ones) != 0 {
        return None;
    }
    let width = if mask.is_ipv4() { 32 } else { 128 };
    Some(ones.min(width))
}

/// Whether `addr` lies in `net/prefix`.
pub fn ip_in_network(addr: IpAddr, net: IpAddr, prefix: u32) -> bool {
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix.min(32))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - prefix.min(128))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// `<virtualport>` (virNetDevVPortProfile).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VirtualPort {
    /// `type=`: 802.1Qbg, 802.1Qbh, openvswitch, midonet; `None` when unspecified.
    pub port_type: Option<String>,
    pub manager_id: Option<u32>,
    pub type_id: Option<u32>,
    pub type_id_version: Option<u32>,
    pub instance_id: Option<Uuid>,
    pub interface_id: Option<Uuid>,
    pub profile_id: Option<String>,
}

const VPORT_TYPES: &[&str] = &["802.1Qbg", "802.1Qbh", "openvswitch", "midonet"];

impl VirtualPort {
    /// Parses a `<virtualport>` element; errors are reported from `err_domain`.
    pub fn parse(node: Node<'_, '_>) -> Result<Self> {
        let err_domain = ErrorDomain::None;
        let mut vp = VirtualPort::default();
        if let Some(t) = node.attr("type") {
            if !VPORT_TYPES.contains(&t) {
                return Err(Error::config_unsupported(
                    err_domain,
                    format!("unknown virtualport type {t}"),
                ));
            }
            vp.port_type = Some(t.to_string());
        }
        if let Some(params) = node.child("parameters") {
            let number = |name: &str, what: &str| -> Result<Option<u32>> {
                match params.attr(name) {
                    None => Ok(None),
                    Some(v) => parse_uint10(v)
                        .and_then(|n| u32::try_from(n).ok())
                        .map(Some)
                        .ok_or_else(|| {
                            Error::xml(err_domain, format!("cannot parse value of {what}"))
                        }),
                }
            };
            vp.manager_id = number("managerid", "managerid parameter")?;
            vp.type_id = number("typeid", "typeid parameter")?;
            vp.type_id_version = number("typeidversion", "typeidversion parameter")?;
            let uuid = |name: &str, what: &str| -> Result<Option<Uuid>> {
                match params.attr(name) {
                    None => Ok(None),
                    Some(v) => parse_uuid(v).map(Some).ok_or_else(|| {
                        Error::xml(
                            err_domain,
                            format!("cannot parse {what} parameter as a uuid"),
                        )
                    }),
                }
            };
            vp.instance_id = uuid("instanceid", "instanceid")?;
            vp.interface_id = uuid("interfaceid", "interfaceid")?;
            vp.profile_id = params.attr("profileid").map(str::to_string);
        }
        Ok(vp)
    }

    pub fn format(&self, w: &mut XmlWriter) {
        let t = self.port_type.as_deref();
        let allows = |types: &[&str]| match t {
            None => true,
            Some(t) => types.contains(&t),
        };
        let mut params: Vec<(&str, String)> = Vec::new();
        if allows(&["802.1Qbg"]) {
            if let Some(v) = self.manager_id {
                params.push(("managerid", v.to_string()));
            }
            if let Some(v) = self.type_id {
                params.push(("typeid", v.to_string()));
            }
            if let Some(v) = self.type_id_version {
                params.push(("typeidversion", v.to_string()));
            }
            if let Some(v) = self.instance_id {
                params.push(("instanceid", v.to_string()));
            }
        }
        if allows(&["openvswitch", "midonet"]) {
            if let Some(v) = self.interface_id {
                params.push(("interfaceid", v.to_string()));
            }
        }
        if allows(&["802.1Qbh", "openvswitch"]) {
            if let Some(v) = &self.profile_id {
                params.push(("profileid", v.clone()));
            }
        }
        if params.is_empty() {
            w.empty("virtualport", &[("type", t)]);
            return;
        }
        w.open("virtualport", &[("type", t)]);
        // libvirt prints the profile id unescaped.
        let attrs: Vec<(&str, Option<&str>, bool)> = params
            .iter()
            .map(|(k, v)| (*k, Some(v.as_str()), *k != "profileid"))
            .collect();
        w.empty_mixed("parameters", &attrs);
        w.close("virtualport");
    }
}

/// `<vlan>` (virNetDevVlan).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vlan {
    pub trunk: bool,
    /// `(id, nativeMode)`.
    pub tags: Vec<(u32, Option<String>)>,
}

impl Vlan {
    pub fn parse(node: Node<'_, '_>) -> Result<Self> {
        let err_domain = ErrorDomain::None;
        let mut vlan = Vlan::default();
        let mut native_count = 0;
        for tag in node.children_named("tag") {
            let id = tag.attr("id").ok_or_else(|| {
                Error::xml(err_domain, "missing or invalid vlan tag id attribute")
            })?;
            let id = parse_uint10(id).ok_or_else(|| {
                Error::xml(err_domain, "missing or invalid vlan tag id attribute")
            })?;
            if id > 4095 {
                return Err(Error::xml(
                    err_domain,
                    format!("vlan tag id {id} too large (maximum 4095)"),
                ));
            }
            let id = id as u32;
            let native = match tag.attr("nativeMode") {
                None => None,
                Some(m @ ("tagged" | "untagged")) => {
                    native_count += 1;
                    Some(m.to_string())
                }
                Some(m) => {
                    return Err(Error::xml(
                        err_domain,
                        format!("Attribute \"nativeMode='{m}'\" is invalid"),
                    ))
                }
            };
            vlan.tags.push((id, native));
        }
        if vlan.tags.is_empty() {
            return Err(Error::xml(
                err_domain,
                "missing tag id - each <vlan> must have at least one <tag id='n'/> subelement",
            ));
        }
        if native_count > 1 {
            return Err(Error::xml(err_domain, "duplicate native vlan setting"));
        }
        match node.attr("trunk") {
            Some("yes") => vlan.trunk = true,
            Some("no") => {
                if vlan.tags.len() > 1 {
                    return Err(Error::xml(
                        err_domain,
                        "invalid \"trunk='no'\" setting - multiple vlan tags specified",
                    ));
                }
            }
            Some(other) => {
                return Err(Error::xml(
                    err_domain,
                    format!(
                        "invalid \"trunk='{other}'\" setting in <vlan> - must be 'yes' or 'no'"
                    ),
                ))
            }
            None => vlan.trunk = vlan.tags.len() > 1,
        }
        Ok(vlan)
    }

    pub fn format(&self, w: &mut XmlWriter) {
        w.open("vlan", &[("trunk", self.trunk.then_some("yes"))]);
        for (id, native) in &self.tags {
            let id = id.to_string();
            w.empty(
                "tag",
                &[("id", Some(&id)), ("nativeMode", native.as_deref())],
            );
        }
        w.close("vlan");
    }
}

/// One direction of `<bandwidth>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BandwidthRate {
    pub average: Option<u64>,
    pub peak: Option<u64>,
    pub floor: Option<u64>,
    pub burst: Option<u64>,
}

/// `<bandwidth>` (virNetDevBandwidth).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bandwidth {
    pub inbound: Option<BandwidthRate>,
    pub outbound: Option<BandwidthRate>,
}

impl Bandwidth {
    /// `allow_floor`: whether `floor=` is accepted here (only on domain interfaces
    /// connected to a network).
    pub fn parse(node: Node<'_, '_>, allow_floor: bool) -> Result<Self> {
        let mut bw = Bandwidth::default();
        let rate = |n: Node<'_, '_>, inbound: bool| -> Result<BandwidthRate> {
            let num = |name: &str| -> Result<Option<u64>> {
                match n.attr(name) {
                    None => Ok(None),
                    Some(v) => parse_uint10(v).map(Some).ok_or_else(|| {
                        Error::xml(
                            ErrorDomain::None,
                            format!("could not convert bandwidth {name} value '{v}'"),
                        )
                    }),
                }
            };
            let r = BandwidthRate {
                average: num("average")?,
                peak: num("peak")?,
                floor: num("floor")?,
                burst: num("burst")?,
            };
            if r.floor.is_some() && (!inbound || !allow_floor) {
                return Err(Error::config_unsupported(
                    ErrorDomain::None,
                    "floor attribute is not supported for this config",
                ));
            }
            if r.average.is_none() && r.floor.is_none() {
                return Err(Error::new(
                    ErrorDomain::None,
                    ErrorCode::XmlDetail,
                    "Missing mandatory average or floor attributes",
                ));
            }
            Ok(r)
        };
        if let Some(n) = node.child("inbound") {
            bw.inbound = Some(rate(n, true)?);
        }
        if let Some(n) = node.child("outbound") {
            bw.outbound = Some(rate(n, false)?);
        }
        Ok(bw)
    }

    pub fn format(&self, w: &mut XmlWriter) {
        if self.inbound.is_none() && self.outbound.is_none() {
            return;
        }
        w.open("bandwidth", &[]);
        for (name, rate) in [("inbound", &self.inbound), ("outbound", &self.outbound)] {
            if let Some(r) = rate {
                let s = |v: Option<u64>| v.map(|n| n.to_string());
                let (a, p, f, b) = (s(r.average), s(r.peak), s(r.floor), s(r.burst));
                w.empty(
                    name,
                    &[
                        ("average", a.as_deref()),
                        ("peak", p.as_deref()),
                        ("floor", f.as_deref()),
                        ("burst", b.as_deref()),
                    ],
                );
            }
        }
        w.close("bandwidth");
    }
}

/// The error of libvirt's `virXMLProp*` helpers for an attribute value they cannot accept.
pub fn prop_invalid(attr: &str, element: &str, value: &str) -> Error {
    Error::xml(
        ErrorDomain::Xml,
        format!("Invalid value for attribute '{attr}' in element '{element}': '{value}'."),
    )
}

/// A `yes`/`no` attribute read like `virXMLPropTristateBool`.
pub fn prop_yes_no(node: Node<'_, '_>, attr: &str) -> Result<Option<bool>> {
    match node.attr(attr) {
        None => Ok(None),
        Some(v) => parse_yes_no(v)
            .map(Some)
            .ok_or_else(|| prop_invalid(attr, node.tag_name().name(), v)),
    }
}

/// `VIR_ERR_XML_DETAIL` for names with `/` (virXMLCheckIllegalChars).
pub fn check_name_chars(name: &str, err_domain: ErrorDomain) -> Result<()> {
    if name.contains('/') {
        return Err(Error::new(
            err_domain,
            ErrorCode::XmlDetail,
            "invalid char in name: /",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_round_trip() {
        let m = parse_mac("52:54:00:AA:b:cc").unwrap();
        assert_eq!(format_mac(&m), "52:54:00:aa:0b:cc");
        assert!(parse_mac("52:54:00:aa:bb").is_none());
        assert!(parse_mac("52:54:00:aa:bb:cc:dd").is_none());
        assert!(mac_is_multicast(&parse_mac("01:00:00:00:00:01").unwrap()));
    }

    #[test]
    fn ipv4_in_inet_aton_forms() {
        let v4 = |t: &str| parse_ip(t).map(|a| a.to_string());
        assert_eq!(v4("010.001.001.001").as_deref(), Some("8.1.1.1"));
        assert_eq!(v4("10.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(v4("0x0a.0.0.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(v4("1.2.3").as_deref(), Some("1.2.0.3"));
        assert_eq!(v4("10.0.0.256"), None);
        assert_eq!(v4(" 10.0.0.1"), None);
        assert_eq!(v4("1..2"), None);
        assert_eq!(v4("FD00::0001").as_deref(), Some("fd00::1"));
    }

    #[test]
    fn uuid_forms() {
        assert!(parse_uuid("11111111-2222-3333-4444-555555555555").is_some());
        assert!(parse_uuid("11111111222233334444555555555555").is_some());
        assert!(parse_uuid("11111111-2222-3333-4444-5555555555").is_none());
        assert!(parse_uuid("zz").is_none());
    }

    #[test]
    fn prefixes() {
        assert_eq!(netmask_prefix("255.255.254.0".parse().unwrap()), Some(23));
        assert_eq!(netmask_prefix("255.0.255.0".parse().unwrap()), None);
    }
}
