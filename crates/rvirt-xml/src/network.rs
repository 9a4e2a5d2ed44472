//! Network XML (`<network>`).
//!
//! CONTRACT (used by drivers and the CLI; extend, do not rename): `NetworkDef::parse`,
//! `NetworkDef::format`, fields `name`, `uuid`, `bridge_name`, `forward_mode`.
//!
//! Parsing applies what libvirt's `virNetworkDefParseXML` does (defaults such as a generated
//! UUID, `nat` for a `<forward>` without a mode, STP on) and its validation; formatting follows
//! `virNetworkDefFormatBuf` element by element.

use std::net::IpAddr;

use roxmltree::Node;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result, Uuid};

use crate::netcommon::{
    check_name_chars, format_mac, ip_in_network, mac_is_multicast, netmask_prefix, parse_ip,
    parse_mac, parse_uuid, parse_yes_no, prop_invalid, prop_yes_no, yes_no, Bandwidth, VirtualPort,
    Vlan,
};
use crate::parse::{expect_root, parse_document, parse_uint10, NodeExt};
use crate::writer::XmlWriter;
use crate::xmltree::{self, XmlNode};

const ERR: ErrorDomain = ErrorDomain::Network;

const FORWARD_MODES: &[&str] = &[
    "none",
    "nat",
    "route",
    "open",
    "bridge",
    "private",
    "vepa",
    "passthrough",
    "hostdev",
];

/// A network definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkDef {
    pub name: String,
    pub uuid: Uuid,
    /// `<bridge name=>`.
    pub bridge_name: Option<String>,
    /// `<forward mode=>` (`None` for an isolated network).
    pub forward_mode: Option<String>,
    /// `connections=` (live only).
    pub connections: u32,
    /// `ipv6='yes'`.
    pub ipv6: bool,
    pub trust_guest_rx_filters: Option<bool>,
    /// `<metadata>` as kept (see [`crate::xmltree::metadata`]).
    pub metadata: Option<XmlNode>,
    pub forward: ForwardDef,
    pub bridge: BridgeDef,
    pub mtu: Option<u32>,
    /// `<mac address=>` (lowercase).
    pub mac: Option<String>,
    pub domain: Option<DomainNameDef>,
    pub dns: DnsDef,
    pub vlan: Option<Vlan>,
    pub bandwidth: Option<Bandwidth>,
    pub port_isolated: Option<bool>,
    pub ips: Vec<IpDef>,
    pub routes: Vec<RouteDef>,
    pub virtualport: Option<VirtualPort>,
    pub portgroups: Vec<PortGroupDef>,
}

/// Details of `<forward>` besides the mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForwardDef {
    /// `managed=` for hostdev mode.
    pub managed: bool,
    /// `<driver name=>`.
    pub driver_name: Option<String>,
    pub nat: Option<NatDef>,
    /// `<pf dev=>` (libvirt keeps at most one).
    pub pf: Option<String>,
    /// `<interface dev=>` and `<address type='pci'>` entries, in order.
    pub interfaces: Vec<ForwardIf>,
}

/// One forward device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardIf {
    Netdev { dev: String, connections: u32 },
    Pci(PciAddress),
}

/// A PCI address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PciAddress {
    pub domain: u32,
    pub bus: u32,
    pub slot: u32,
    pub function: u32,
}

impl PciAddress {
    fn parse(node: Node<'_, '_>) -> Result<Self> {
        let field = |name: &str, max: u64| -> Result<u32> {
            match node.attr(name) {
                None => Ok(0),
                Some(v) => crate::parse::parse_ull(v)
                    .filter(|n| *n <= max)
                    .map(|n| n as u32)
                    .ok_or_else(|| {
                        Error::internal(
                            ErrorDomain::Domain,
                            format!("Cannot parse <address> '{name}' attribute"),
                        )
                    }),
            }
        };
        Ok(PciAddress {
            domain: field("domain", 0xffff_ffff)?,
            bus: field("bus", 0xff)?,
            slot: field("slot", 0x1f)?,
            function: field("function", 7)?,
        })
    }

    fn format(&self, w: &mut XmlWriter) {
        let (d, b, s, f) = (
            format!("0x{:04x}", self.domain),
            format!("0x{:02x}", self.bus),
            format!("0x{:02x}", self.slot),
            format!("0x{:x}", self.function),
        );
        w.empty(
            "address",
            &[
                ("type", Some("pci")),
                ("domain", Some(&d)),
                ("bus", Some(&b)),
                ("slot", Some(&s)),
                ("function", Some(&f)),
            ],
        );
    }
}

/// `<nat>` inside `<forward mode='nat'>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NatDef {
    pub ipv6: Option<bool>,
    pub address_start: Option<IpAddr>,
    pub address_end: Option<IpAddr>,
    pub port_start: u32,
    pub port_end: u32,
}

/// `<bridge>` attributes other than the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeDef {
    pub stp: bool,
    pub delay: u64,
    pub zone: Option<String>,
    pub mac_table_manager: Option<String>,
    /// Whether stp/delay were given (only allowed in some modes).
    stp_or_delay_given: bool,
}

impl Default for BridgeDef {
    fn default() -> Self {
        BridgeDef {
            stp: true,
            delay: 0,
            zone: None,
            mac_table_manager: None,
            stp_or_delay_given: false,
        }
    }
}

/// `<domain>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainNameDef {
    pub name: Option<String>,
    pub local_only: Option<bool>,
}

/// `<dns>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsDef {
    pub enable: Option<bool>,
    pub forward_plain_names: Option<bool>,
    /// `(domain, addr)`.
    pub forwarders: Vec<(Option<String>, Option<IpAddr>)>,
    /// `(name, value)`.
    pub txts: Vec<(String, String)>,
    pub srvs: Vec<DnsSrv>,
    /// `(ip, hostnames)`.
    pub hosts: Vec<(IpAddr, Vec<String>)>,
}

impl DnsDef {
    fn is_empty(&self) -> bool {
        self.enable.is_none()
            && self.forward_plain_names.is_none()
            && self.forwarders.is_empty()
            && self.txts.is_empty()
            && self.srvs.is_empty()
            && self.hosts.is_empty()
    }
}

/// `<srv>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsSrv {
    pub service: Option<String>,
    pub protocol: Option<String>,
    pub domain: Option<String>,
    pub target: Option<String>,
    pub port: Option<u32>,
    pub priority: Option<u32>,
    pub weight: Option<u32>,
}

/// `<ip>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpDef {
    pub family: Option<String>,
    pub address: IpAddr,
    pub netmask: Option<IpAddr>,
    pub prefix: Option<u32>,
    pub local_ptr: Option<bool>,
    pub tftp_root: Option<String>,
    pub ranges: Vec<DhcpRange>,
    pub hosts: Vec<DhcpHost>,
    /// `<bootp file= server=>`.
    pub bootp: Option<(String, Option<IpAddr>)>,
}

impl IpDef {
    /// The prefix libvirt derives (explicit prefix, netmask bits, or the classful default).
    pub fn effective_prefix(&self) -> Option<u32> {
        if let Some(p) = self.prefix.filter(|p| *p > 0) {
            return Some(p);
        }
        if let Some(m) = self.netmask {
            return netmask_prefix(m);
        }
        match self.address {
            IpAddr::V4(v4) => {
                let first = v4.octets()[0];
                if first & 0x80 == 0 {
                    Some(8)
                } else if first & 0xc0 == 0x80 {
                    Some(16)
                } else if first & 0xe0 == 0xc0 {
                    Some(24)
                } else {
                    None
                }
            }
            IpAddr::V6(_) => Some(64),
        }
    }
}

/// A `<lease>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub expiry: u64,
    pub unit: String,
}

/// `<range>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpRange {
    pub start: IpAddr,
    pub end: IpAddr,
    pub lease: Option<Lease>,
}

/// `<host>` inside `<dhcp>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpHost {
    pub mac: Option<String>,
    pub id: Option<String>,
    pub name: Option<String>,
    pub ip: Option<IpAddr>,
    pub lease: Option<Lease>,
}

/// `<route>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteDef {
    pub family: Option<String>,
    pub address: IpAddr,
    pub netmask: Option<IpAddr>,
    pub prefix: Option<u32>,
    pub gateway: IpAddr,
    pub metric: Option<u32>,
}

/// `<portgroup>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortGroupDef {
    pub name: String,
    pub is_default: bool,
    pub trust_guest_rx_filters: Option<bool>,
    pub vlan: Option<Vlan>,
    pub virtualport: Option<VirtualPort>,
    pub bandwidth: Option<Bandwidth>,
}

fn xml_err(detail: impl Into<String>) -> Error {
    Error::xml(ERR, detail)
}

/// What `virSocketAddrParse` reports for text that is no numeric address.
fn sockaddr_err(text: &str) -> Error {
    Error::new(
        ErrorDomain::None,
        ErrorCode::SystemError,
        format!("Cannot parse socket address '{text}': Name or service not known"),
    )
}

fn unsup_err(detail: impl Into<String>) -> Error {
    Error::config_unsupported(ERR, detail)
}

fn detail_err(detail: impl Into<String>) -> Error {
    Error::new(ERR, ErrorCode::XmlDetail, detail)
}

fn parse_tristate_yes_no(node: Node<'_, '_>, attr: &str) -> Result<Option<bool>> {
    prop_yes_no(node, attr)
}

fn parse_ip_attr(node: Node<'_, '_>, attr: &str, net: &str) -> Result<Option<IpAddr>> {
    match node.attr(attr) {
        None => Ok(None),
        Some(v) => parse_ip(v)
            .map(Some)
            .ok_or_else(|| xml_err(format!("Invalid {attr} '{v}' in network '{net}'"))),
    }
}

fn parse_lease(node: Node<'_, '_>) -> Result<Option<Lease>> {
    let Some(lease) = node.child("lease") else {
        return Ok(None);
    };
    let expiry = match lease.attr("expiry") {
        None => return Ok(None),
        Some(v) => {
            parse_uint10(v).ok_or_else(|| xml_err(format!("failed to parse expiry value '{v}'")))?
        }
    };
    let unit = match lease.attr("unit") {
        None => "minutes".to_string(),
        Some(u @ ("seconds" | "minutes" | "hours")) => u.to_string(),
        Some(u) => return Err(prop_invalid("unit", "lease", u)),
    };
    Ok(Some(Lease { expiry, unit }))
}

impl NetworkDef {
    pub fn parse(xml: &str) -> Result<Self> {
        let doc = parse_document(xml, "network_definition", ERR)?;
        let root = expect_root(&doc, "network")?;
        Self::from_node(root)
    }

    /// Parses an already located `<network>` element (used by the test driver's config file).
    pub fn from_node(root: Node<'_, '_>) -> Result<Self> {
        let mut def = NetworkDef {
            name: root
                .child_text("name")
                .filter(|n| !n.is_empty())
                .ok_or_else(|| Error::bare(ERR, ErrorCode::NoName))?
                .to_string(),
            ..Default::default()
        };
        check_name_chars(&def.name, ErrorDomain::Xml)?;
        let net = def.name.clone();
        def.uuid = match root.child_text("uuid") {
            None => Uuid::new_v4(),
            Some(t) => {
                parse_uuid(t).ok_or_else(|| Error::internal(ERR, "malformed uuid element"))?
            }
        };
        // `connections=` is live state kept by drivers, never read from a definition.
        if let Some(v) = root.attr("ipv6") {
            def.ipv6 = parse_yes_no(v)
                .ok_or_else(|| xml_err(format!("Invalid ipv6 setting '{v}' in network '{net}'")))?;
        }
        def.trust_guest_rx_filters = parse_tristate_yes_no(root, "trustGuestRxFilters")?;
        if let Some(m) = root.child("metadata") {
            def.metadata = Some(xmltree::metadata(m));
        }

        if let Some(b) = root.child("bridge") {
            def.bridge_name = b.attr("name").map(str::to_string);
            def.bridge.zone = b.attr("zone").map(str::to_string);
            if let Some(stp) = b.attr("stp") {
                def.bridge.stp = stp != "off";
                def.bridge.stp_or_delay_given = true;
            }
            if let Some(delay) = b.attr("delay") {
                def.bridge.delay = parse_uint10(delay)
                    .ok_or_else(|| xml_err(format!("Invalid delay value in network '{net}'")))?;
                def.bridge.stp_or_delay_given = true;
            }
            if let Some(m) = b.attr("macTableManager") {
                if m != "kernel" && m != "libvirt" {
                    return Err(xml_err(format!(
                        "Invalid macTableManager setting '{m}' in network '{net}'"
                    )));
                }
                def.bridge.mac_table_manager = Some(m.to_string());
            }
        }
        if let Some(m) = root.child("mac").and_then(|m| m.attr("address")) {
            let bytes = parse_mac(m).ok_or_else(|| {
                xml_err(format!(
                    "Invalid bridge mac address '{m}' in network '{net}'"
                ))
            })?;
            if mac_is_multicast(&bytes) {
                return Err(xml_err(format!(
                    "Invalid multicast bridge mac address '{m}' in network '{net}'"
                )));
            }
            def.mac = Some(format_mac(&bytes));
        }
        if let Some(m) = root.child("mtu") {
            if let Some(size) = m.attr("size") {
                def.mtu = Some(
                    parse_uint10(size)
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| {
                            xml_err(format!("Invalid mtu size '{size}' in network '{net}'"))
                        })?,
                );
            }
        }
        if let Some(d) = root.child("domain") {
            def.domain = Some(DomainNameDef {
                name: d.attr("name").map(str::to_string),
                local_only: parse_tristate_yes_no(d, "localOnly")?,
            });
        }
        if let Some(dns) = root.child("dns") {
            def.dns = parse_dns(dns, &net)?;
        }
        if let Some(v) = root.child("vlan") {
            def.vlan = Some(Vlan::parse(v)?);
        }
        if let Some(b) = root.child("bandwidth") {
            def.bandwidth = Some(Bandwidth::parse(b, false)?);
        }
        if let Some(p) = root.child("port") {
            def.port_isolated = parse_tristate_yes_no(p, "isolated")?;
        }
        if let Some(vp) = root.child("virtualport") {
            let parsed = VirtualPort::parse(vp)?;
            // A network's own <virtualport> must name its type (portgroups need not).
            if parsed.port_type.is_none() {
                return Err(Error::xml(
                    ErrorDomain::None,
                    "missing required virtualport type",
                ));
            }
            def.virtualport = Some(parsed);
        }
        for pg in root.children_named("portgroup") {
            def.portgroups.push(parse_portgroup(pg)?);
        }
        for ip in root.children_named("ip") {
            def.ips.push(parse_ip_def(ip, &net)?);
        }
        for r in root.children_named("route") {
            def.routes.push(parse_route(r, &net)?);
        }
        if let Some(fwd) = root.child("forward") {
            parse_forward(fwd, &mut def)?;
        }
        def.validate()?;
        Ok(def)
    }

    fn validate(&self) -> Result<()> {
        let net = &self.name;
        let mode = self.forward_mode.as_deref().unwrap_or("none");
        match mode {
            "none" | "nat" | "route" | "open" => {
                if (mode == "nat" || mode == "route") && self.ips.is_empty() {
                    return Err(xml_err(format!(
                        "{mode} forwarding requested, but no IP address provided for network '{net}'"
                    )));
                }
                if self.forward.interfaces.len() > 1 {
                    return Err(xml_err(format!(
                        "multiple forwarding interfaces specified for network '{net}', only one is supported"
                    )));
                }
                if mode == "open" && !self.forward.interfaces.is_empty() {
                    return Err(xml_err(format!(
                        "forward dev not allowed for network '{net}' with forward mode='{mode}'"
                    )));
                }
            }
            _ => {
                if mode != "bridge" {
                    if self.bridge_name.is_some() {
                        return Err(xml_err(format!(
                            "bridge name not allowed in {mode} mode (network '{net}')"
                        )));
                    }
                    if self.bridge.mac_table_manager.is_some() {
                        return Err(xml_err(format!(
                            "bridge macTableManager setting not allowed in {mode} mode (network '{net}')"
                        )));
                    }
                }
                if self.bridge.stp_or_delay_given || self.bridge.zone.is_some() {
                    return Err(xml_err(format!(
                        "bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in {mode} (network '{net}')"
                    )));
                }
                if mode == "bridge"
                    && self.bridge_name.is_some()
                    && !self.forward.interfaces.is_empty()
                {
                    return Err(xml_err(format!(
                        "A network with forward mode='{mode}' can specify a bridge name or a forward dev, but not both (network '{net}')"
                    )));
                }
                if self.mtu.is_some() {
                    return Err(xml_err(format!(
                        "mtu size only allowed in open, route, nat, and isolated mode, not in {mode} (network '{net}')"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Formats like `virNetworkDefFormat`; `inactive` is `VIR_NETWORK_XML_INACTIVE`.
    pub fn format(&self, inactive: bool) -> String {
        let mut w = XmlWriter::new();
        self.format_into(&mut w, inactive);
        w.finish()
    }

    /// Formats into a writer at its current depth.
    pub fn format_into(&self, w: &mut XmlWriter, inactive: bool) {
        let connections = (!inactive && self.connections > 0).then(|| self.connections.to_string());
        w.open(
            "network",
            &[
                ("connections", connections.as_deref()),
                ("ipv6", self.ipv6.then_some("yes")),
                (
                    "trustGuestRxFilters",
                    self.trust_guest_rx_filters.map(yes_no),
                ),
            ],
        );
        w.text("name", &[], &self.name);
        w.text("uuid", &[], &self.uuid.to_string());
        if let Some(m) = &self.metadata {
            m.write(w);
        }
        self.format_forward(w, inactive);

        let mode = self.forward_mode.as_deref().unwrap_or("none");
        let routed = matches!(mode, "none" | "nat" | "route" | "open");
        if routed || self.bridge_name.is_some() || self.bridge.mac_table_manager.is_some() {
            let delay = self.bridge.delay.to_string();
            w.empty(
                "bridge",
                &[
                    ("name", self.bridge_name.as_deref()),
                    ("zone", self.bridge.zone.as_deref()),
                    (
                        "stp",
                        routed.then_some(if self.bridge.stp { "on" } else { "off" }),
                    ),
                    ("delay", routed.then_some(delay.as_str())),
                    ("macTableManager", self.bridge.mac_table_manager.as_deref()),
                ],
            );
        }
        if let Some(mtu) = self.mtu {
            w.empty("mtu", &[("size", Some(&mtu.to_string()))]);
        }
        if let Some(mac) = &self.mac {
            w.empty("mac", &[("address", Some(mac))]);
        }
        if let Some(d) = &self.domain {
            // libvirt prints the domain name unescaped.
            w.empty_mixed(
                "domain",
                &[
                    ("name", d.name.as_deref(), false),
                    ("localOnly", d.local_only.map(yes_no), true),
                ],
            );
        }
        format_dns(w, &self.dns);
        if let Some(v) = &self.vlan {
            v.format(w);
        }
        if let Some(b) = &self.bandwidth {
            b.format(w);
        }
        if let Some(iso) = self.port_isolated {
            w.empty("port", &[("isolated", Some(yes_no(iso)))]);
        }
        for ip in &self.ips {
            format_ip(w, ip);
        }
        for r in &self.routes {
            let prefix = r.prefix.map(|p| p.to_string());
            let metric = r.metric.map(|m| m.to_string());
            let (addr, mask, gw) = (
                r.address.to_string(),
                r.netmask.map(|m| m.to_string()),
                r.gateway.to_string(),
            );
            w.empty(
                "route",
                &[
                    ("family", r.family.as_deref()),
                    ("address", Some(&addr)),
                    ("netmask", mask.as_deref()),
                    ("prefix", prefix.as_deref()),
                    ("gateway", Some(&gw)),
                    ("metric", metric.as_deref()),
                ],
            );
        }
        if let Some(vp) = &self.virtualport {
            vp.format(w);
        }
        for pg in &self.portgroups {
            // libvirt prints the portgroup name unescaped.
            w.open_mixed(
                "portgroup",
                &[
                    ("name", Some(&pg.name), false),
                    ("default", pg.is_default.then_some("yes"), true),
                    (
                        "trustGuestRxFilters",
                        pg.trust_guest_rx_filters.map(yes_no),
                        true,
                    ),
                ],
            );
            if let Some(v) = &pg.vlan {
                v.format(w);
            }
            if let Some(vp) = &pg.virtualport {
                vp.format(w);
            }
            if let Some(b) = &pg.bandwidth {
                b.format(w);
            }
            w.close("portgroup");
        }
        w.close("network");
    }

    fn format_forward(&self, w: &mut XmlWriter, inactive: bool) {
        let Some(mode) = self.forward_mode.as_deref() else {
            return;
        };
        let fwd = &self.forward;
        let dev = if fwd.pf.is_none() {
            match fwd.interfaces.first() {
                Some(ForwardIf::Netdev { dev, .. }) => Some(dev.as_str()),
                _ => None,
            }
        } else {
            None
        };
        let managed = (mode == "hostdev").then_some(yes_no(fwd.managed));
        let attrs = [("dev", dev), ("mode", Some(mode)), ("managed", managed)];
        let nat_has_content = fwd.nat.as_ref().is_some_and(|n| {
            n.address_start.is_some()
                || n.address_end.is_some()
                || n.port_start > 0
                || n.port_end > 0
                || n.ipv6.is_some()
        });
        let short = fwd.interfaces.is_empty()
            && fwd.pf.is_none()
            && fwd.driver_name.is_none()
            && !(mode == "nat" && nat_has_content);
        if short {
            w.empty("forward", &attrs);
            return;
        }
        w.open("forward", &attrs);
        if let Some(d) = &fwd.driver_name {
            w.empty("driver", &[("name", Some(d))]);
        }
        if mode == "nat" && nat_has_content {
            if let Some(nat) = &fwd.nat {
                format_nat(w, nat);
            }
        }
        if let Some(pf) = &fwd.pf {
            w.empty("pf", &[("dev", Some(pf))]);
        }
        if !fwd.interfaces.is_empty() && (fwd.pf.is_none() || !inactive) {
            for i in &fwd.interfaces {
                match i {
                    ForwardIf::Netdev { dev, connections } => {
                        let c = (!inactive && *connections > 0).then(|| connections.to_string());
                        w.empty(
                            "interface",
                            &[("dev", Some(dev)), ("connections", c.as_deref())],
                        );
                    }
                    ForwardIf::Pci(addr) => addr.format(w),
                }
            }
        }
        w.close("forward");
    }
}

fn format_nat(w: &mut XmlWriter, nat: &NatDef) {
    let ipv6 = nat.ipv6.map(yes_no);
    let has_children = nat.address_start.is_some()
        || nat.address_end.is_some()
        || nat.port_start > 0
        || nat.port_end > 0;
    if !has_children {
        w.empty("nat", &[("ipv6", ipv6)]);
        return;
    }
    w.open("nat", &[("ipv6", ipv6)]);
    if let Some(start) = nat.address_start {
        let (s, e) = (start.to_string(), nat.address_end.map(|e| e.to_string()));
        w.empty("address", &[("start", Some(&s)), ("end", e.as_deref())]);
    }
    if nat.port_start > 0 || nat.port_end > 0 {
        let s = nat.port_start.to_string();
        let e = (nat.port_end > 0).then(|| nat.port_end.to_string());
        w.empty("port", &[("start", Some(&s)), ("end", e.as_deref())]);
    }
    w.close("nat");
}

fn format_dns(w: &mut XmlWriter, dns: &DnsDef) {
    if dns.is_empty() {
        return;
    }
    let attrs = [
        ("enable", dns.enable.map(yes_no)),
        ("forwardPlainNames", dns.forward_plain_names.map(yes_no)),
    ];
    if dns.forwarders.is_empty()
        && dns.txts.is_empty()
        && dns.srvs.is_empty()
        && dns.hosts.is_empty()
    {
        w.empty("dns", &attrs);
        return;
    }
    w.open("dns", &attrs);
    for (domain, addr) in &dns.forwarders {
        let a = addr.map(|a| a.to_string());
        w.empty(
            "forwarder",
            &[("domain", domain.as_deref()), ("addr", a.as_deref())],
        );
    }
    for (name, value) in &dns.txts {
        w.empty("txt", &[("name", Some(name)), ("value", Some(value))]);
    }
    for s in &dns.srvs {
        let n = |v: Option<u32>| v.map(|n| n.to_string());
        let (port, prio, weight) = (n(s.port), n(s.priority), n(s.weight));
        w.empty(
            "srv",
            &[
                ("service", s.service.as_deref()),
                ("protocol", s.protocol.as_deref()),
                ("domain", s.domain.as_deref()),
                ("target", s.target.as_deref()),
                ("port", port.as_deref()),
                ("priority", prio.as_deref()),
                ("weight", weight.as_deref()),
            ],
        );
    }
    for (ip, names) in &dns.hosts {
        let ip = ip.to_string();
        w.open("host", &[("ip", Some(&ip))]);
        for n in names {
            w.text("hostname", &[], n);
        }
        w.close("host");
    }
    w.close("dns");
}

fn format_lease(w: &mut XmlWriter, lease: &Lease) {
    let e = lease.expiry.to_string();
    // An expiry of 0 means "infinite" and is printed without a unit.
    let unit = (lease.expiry > 0).then_some(lease.unit.as_str());
    w.empty("lease", &[("expiry", Some(&e)), ("unit", unit)]);
}

fn format_ip(w: &mut XmlWriter, ip: &IpDef) {
    let addr = ip.address.to_string();
    let mask = ip.netmask.map(|m| m.to_string());
    let prefix = ip.prefix.filter(|p| *p > 0).map(|p| p.to_string());
    w.open(
        "ip",
        &[
            ("family", ip.family.as_deref()),
            ("address", Some(&addr)),
            ("netmask", mask.as_deref()),
            ("prefix", prefix.as_deref()),
            ("localPtr", ip.local_ptr.map(yes_no)),
        ],
    );
    if let Some(root) = &ip.tftp_root {
        w.empty("tftp", &[("root", Some(root))]);
    }
    if !ip.ranges.is_empty() || !ip.hosts.is_empty() {
        w.open("dhcp", &[]);
        for r in &ip.ranges {
            let (s, e) = (r.start.to_string(), r.end.to_string());
            let attrs = [("start", Some(s.as_str())), ("end", Some(e.as_str()))];
            match &r.lease {
                Some(l) => {
                    w.open("range", &attrs);
                    format_lease(w, l);
                    w.close("range");
                }
                None => w.empty("range", &attrs),
            }
        }
        for h in &ip.hosts {
            let ipt = h.ip.map(|i| i.to_string());
            // libvirt prints the host name unescaped.
            let attrs = [
                ("mac", h.mac.as_deref(), true),
                ("id", h.id.as_deref(), true),
                ("name", h.name.as_deref(), false),
                ("ip", ipt.as_deref(), true),
            ];
            match &h.lease {
                Some(l) => {
                    w.open_mixed("host", &attrs);
                    format_lease(w, l);
                    w.close("host");
                }
                None => w.empty_mixed("host", &attrs),
            }
        }
        if let Some((file, server)) = &ip.bootp {
            let s = server.map(|s| s.to_string());
            w.empty("bootp", &[("file", Some(file)), ("server", s.as_deref())]);
        }
        w.close("dhcp");
    }
    w.close("ip");
}

fn parse_forward(fwd: Node<'_, '_>, def: &mut NetworkDef) -> Result<()> {
    let net = def.name.clone();
    let mode = match fwd.attr("mode") {
        None => "nat",
        Some(m) if FORWARD_MODES.contains(&m) => m,
        Some(m) => {
            return Err(Error::config_unsupported(
                ERR,
                format!("unknown forwarding type '{m}'"),
            ))
        }
    };
    if mode != "none" {
        def.forward_mode = Some(mode.to_string());
    }
    if let Some(m) = fwd.attr("managed") {
        def.forward.managed = m == "yes";
    }
    if let Some(d) = fwd.child("driver") {
        match d.attr("name") {
            Some(n @ ("kvm" | "vfio")) => def.forward.driver_name = Some(n.to_string()),
            Some(n) => {
                return Err(Error::config_unsupported(
                    ERR,
                    format!("Unknown forward <driver name='{n}'/> in network {net}"),
                ))
            }
            None => {}
        }
    }
    if let Some(nat) = fwd.child("nat") {
        if mode != "nat" {
            return Err(xml_err(format!(
                "The <nat> element can only be used when <forward> 'mode' is 'nat' in network {net}"
            )));
        }
        let mut n = NatDef {
            ipv6: prop_yes_no(nat, "ipv6")?,
            ..Default::default()
        };
        if let Some(a) = nat.child("address") {
            for attr in ["start", "end"] {
                if a.attr(attr).is_none() {
                    return Err(xml_err(format!(
                        "missing '{attr}' attribute in <address> element in <nat> in <forward> in network {net}"
                    )));
                }
            }
            n.address_start = parse_ip_attr(a, "start", &net)?;
            n.address_end = parse_ip_attr(a, "end", &net)?;
        }
        if let Some(p) = nat.child("port") {
            let port = |name: &str| -> Result<u32> {
                match p.attr(name) {
                    None => Err(Error::new(
                        ERR,
                        ErrorCode::XmlDetail,
                        format!("Missing or invalid '{name}' attribute in <port> in <nat> in <forward> in network {net}"),
                    )),
                    Some(v) => parse_uint10(v)
                        .filter(|n| *n <= 65535)
                        .map(|n| n as u32)
                        .ok_or_else(|| {
                            Error::new(
                                ERR,
                                ErrorCode::XmlDetail,
                                format!("Missing or invalid '{name}' attribute in <port> in <nat> in <forward> in network {net}"),
                            )
                        }),
                }
            };
            n.port_start = port("start")?;
            n.port_end = port("end")?;
        }
        def.forward.nat = Some(n);
    }
    let pfs: Vec<_> = fwd.children_named("pf").collect();
    if pfs.len() > 1 {
        return Err(xml_err(format!(
            "Only one <pf> element is allowed in <forward> of network {net}"
        )));
    }
    if let Some(pf) = pfs.first() {
        let dev = pf.attr("dev").ok_or_else(|| {
            Error::new(
                ERR,
                ErrorCode::XmlError,
                format!("Missing required dev attribute in <pf> element of network '{net}'"),
            )
        })?;
        def.forward.pf = Some(dev.to_string());
    }
    let forward_dev = fwd.attr("dev");
    let ifs: Vec<_> = fwd.children_named("interface").collect();
    let addrs: Vec<_> = fwd.children_named("address").collect();
    // libvirt reads <address> entries only when there is no <interface>.
    let addrs = if ifs.is_empty() { addrs } else { Vec::new() };
    for (i, node) in ifs.iter().enumerate() {
        let dev = node.attr("dev").ok_or_else(|| {
            xml_err(format!(
                "Missing required dev attribute in <forward> <interface> element of network {net}"
            ))
        })?;
        if i == 0 {
            if let Some(fd) = forward_dev {
                if fd != dev {
                    return Err(xml_err(format!(
                        "<forward dev='{fd}'> must match first <interface dev='{dev}'/> in network {net}"
                    )));
                }
            }
        }
        // Per-device connection counts are live state, not read from a definition.
        let connections = 0;
        def.forward.interfaces.push(ForwardIf::Netdev {
            dev: dev.to_string(),
            connections,
        });
    }
    for node in &addrs {
        match node.attr("type") {
            Some("pci") => def
                .forward
                .interfaces
                .push(ForwardIf::Pci(PciAddress::parse(*node)?)),
            other => {
                return Err(Error::config_unsupported(
                    ERR,
                    format!(
                        "unknown address type '{}' in network {net}",
                        other.unwrap_or("")
                    ),
                ))
            }
        }
    }
    if ifs.is_empty() && addrs.is_empty() {
        if let Some(fd) = forward_dev {
            def.forward.interfaces.push(ForwardIf::Netdev {
                dev: fd.to_string(),
                connections: 0,
            });
        }
    }
    Ok(())
}

fn parse_portgroup(pg: Node<'_, '_>) -> Result<PortGroupDef> {
    let name = pg
        .attr("name")
        .ok_or_else(|| xml_err("Missing required name attribute in portgroup"))?;
    let is_default = match pg.attr("default") {
        Some(v) => v.eq_ignore_ascii_case("yes"),
        None => false,
    };
    Ok(PortGroupDef {
        name: name.to_string(),
        is_default,
        trust_guest_rx_filters: parse_tristate_yes_no(pg, "trustGuestRxFilters")?,
        vlan: pg.child("vlan").map(|v| Vlan::parse(v)).transpose()?,
        virtualport: pg
            .child("virtualport")
            .map(|v| VirtualPort::parse(v))
            .transpose()?,
        bandwidth: pg
            .child("bandwidth")
            .map(|b| Bandwidth::parse(b, false))
            .transpose()?,
    })
}

fn parse_dns(node: Node<'_, '_>, net: &str) -> Result<DnsDef> {
    let mut dns = DnsDef {
        enable: parse_tristate_yes_no(node, "enable")?,
        forward_plain_names: parse_tristate_yes_no(node, "forwardPlainNames")?,
        ..Default::default()
    };
    for f in node.children_named("forwarder") {
        let addr = match f.attr("addr") {
            None => None,
            Some(a) => Some(parse_ip(a).ok_or_else(|| {
                xml_err(format!(
                    "Invalid forwarder IP address '{a}' in network '{net}'"
                ))
            })?),
        };
        let domain = f.attr("domain").map(str::to_string);
        if addr.is_none() && domain.is_none() {
            return Err(xml_err(
                "Invalid forwarder element, must contain at least one of addr or domain",
            ));
        }
        dns.forwarders.push((domain, addr));
    }
    for t in node.children_named("txt") {
        let name = t.attr("name").ok_or_else(|| {
            detail_err(format!(
                "missing required name attribute in DNS TXT record of network {net}"
            ))
        })?;
        let value = t.attr("value").unwrap_or("");
        dns.txts.push((name.to_string(), value.to_string()));
    }
    for s in node.children_named("srv") {
        let n = |name: &str| -> Result<Option<u32>> {
            match s.attr(name) {
                None => Ok(None),
                Some(v) => parse_uint10(v)
                    .and_then(|n| u32::try_from(n).ok())
                    .map(Some)
                    .ok_or_else(|| {
                        xml_err(format!(
                            "invalid DNS SRV {name} attribute in network '{net}'"
                        ))
                    }),
            }
        };
        let service = s.attr("service").ok_or_else(|| {
            detail_err(format!(
                "missing required service attribute in DNS SRV record of network '{net}'"
            ))
        })?;
        let protocol = s.attr("protocol").ok_or_else(|| {
            detail_err(format!(
                "missing required protocol attribute in DNS SRV record '{service}' of network '{net}'"
            ))
        })?;
        const SRV_MAX: usize = 512 - 30;
        if service.len() > SRV_MAX {
            return Err(detail_err(format!(
                "service attribute '{service}' in network '{net}' is too long, limit is {SRV_MAX} bytes"
            )));
        }
        let srv_chars = |text: &str, extra: &str| {
            text.chars()
                .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
        };
        if !srv_chars(service, "*+-/_") {
            return Err(detail_err(format!(
                "invalid character in service attribute '{service}' in DNS SRV record of network '{net}'"
            )));
        }
        if !srv_chars(protocol, "+-/") {
            return Err(detail_err(format!(
                "invalid character in protocol attribute '{protocol}' in DNS SRV record of network '{net}'"
            )));
        }
        let target = s.attr("target");
        if target.is_none() && s.attr("port").is_some() {
            return Err(detail_err(format!(
                "DNS SRV port attribute not permitted without target for service '{service}' in network '{net}'"
            )));
        }
        dns.srvs.push(DnsSrv {
            service: Some(service.to_string()),
            protocol: Some(protocol.to_string()),
            domain: s.attr("domain").map(str::to_string),
            target: target.map(str::to_string),
            port: n("port")?,
            priority: n("priority")?,
            weight: n("weight")?,
        });
    }
    for h in node.children_named("host") {
        let ip = h.attr("ip").and_then(parse_ip).ok_or_else(|| {
            detail_err(format!(
                "Missing IP address in network '{net}' DNS HOST record"
            ))
        })?;
        let names: Vec<String> = h
            .children_named("hostname")
            .map(|n| n.text().unwrap_or("").to_string())
            .filter(|n| !n.is_empty())
            .collect();
        if names.is_empty() {
            return Err(detail_err(format!(
                "Missing hostname in network '{net}' DNS HOST record"
            )));
        }
        dns.hosts.push((ip, names));
    }
    Ok(dns)
}

fn parse_ip_def(node: Node<'_, '_>, net: &str) -> Result<IpDef> {
    let family = node.attr("family").map(str::to_string);
    let address = match node.attr("address") {
        None => {
            return Err(xml_err(format!(
                "Missing required address attribute in network '{net}'"
            )))
        }
        Some(a) => parse_ip(a)
            .ok_or_else(|| xml_err(format!("Invalid address '{a}' in network '{net}'")))?,
    };
    let netmask = match node.attr("netmask") {
        None => None,
        Some(m) => Some(
            parse_ip(m)
                .ok_or_else(|| xml_err(format!("Invalid netmask '{m}' in network '{net}'")))?,
        ),
    };
    let prefix = match node.attr("prefix") {
        None => None,
        Some(p) => Some(
            parse_uint10(p)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    xml_err(format!(
                        "Invalid ip address prefix value '{p}' in network '{net}'"
                    ))
                })?,
        ),
    };
    let local_ptr = parse_tristate_yes_no(node, "localPtr")?;
    match family.as_deref() {
        None | Some("ipv4") => {
            if family.is_none() && !address.is_ipv4() {
                return Err(unsup_err(format!(
                    "no family specified for non-IPv4 address '{}' in network '{net}'",
                    node.attr("address").unwrap_or("")
                )));
            }
            if family.is_some() && !address.is_ipv4() {
                return Err(unsup_err(format!(
                    "Family 'ipv4' specified for non-IPv4 address '{address}' in network '{net}'"
                )));
            }
            if netmask.is_some() && prefix.is_some() {
                return Err(unsup_err(format!(
                    "Network '{net}' IP address cannot have both a prefix and a netmask"
                )));
            }
            if address.is_ipv4() {
                if let Some(p) = prefix {
                    if p > 32 {
                        return Err(unsup_err(format!(
                            "Invalid IPv4 prefix '{p}' in network '{net}'"
                        )));
                    }
                }
            }
        }
        Some("ipv6") => {
            if !address.is_ipv6() {
                return Err(unsup_err(format!(
                    "Family 'ipv6' specified for non-IPv6 address '{address}' in network '{net}'"
                )));
            }
            if netmask.is_some() {
                return Err(unsup_err(format!(
                    "netmask not allowed for IPv6 address '{address}' in network '{net}'"
                )));
            }
            if let Some(p) = prefix {
                if p > 128 {
                    return Err(unsup_err(format!(
                        "Invalid IPv6 prefix '{p}' in network '{net}'"
                    )));
                }
            }
        }
        Some(f) => {
            return Err(unsup_err(format!(
                "Unrecognized family '{f}' in network '{net}'"
            )))
        }
    }
    let mut ip = IpDef {
        family,
        address,
        netmask,
        prefix,
        local_ptr,
        tftp_root: None,
        ranges: Vec::new(),
        hosts: Vec::new(),
        bootp: None,
    };
    if let Some(dhcp) = node.child("dhcp") {
        parse_dhcp(dhcp, &mut ip, net)?;
    }
    if let Some(t) = node.child("tftp") {
        if let Some(root) = t.attr("root") {
            ip.tftp_root = Some(root.to_string());
        }
    }
    Ok(ip)
}

fn parse_dhcp(dhcp: Node<'_, '_>, ip: &mut IpDef, net: &str) -> Result<()> {
    let prefix = ip.effective_prefix().unwrap_or(0);
    for r in dhcp.children_named("range") {
        let (Some(s), Some(e)) = (r.attr("start"), r.attr("end")) else {
            return Err(xml_err(format!(
                "Missing 'start' or 'end' attribute in dhcp range for network '{net}'"
            )));
        };
        let start = parse_ip(s).ok_or_else(|| sockaddr_err(s))?;
        let end = parse_ip(e).ok_or_else(|| sockaddr_err(e))?;
        if !ip_in_network(start, ip.address, prefix) || !ip_in_network(end, ip.address, prefix) {
            return Err(Error::internal(
                ErrorDomain::None,
                format!(
                    "range {start} - {end} is not entirely within network {}/{prefix}",
                    ip.address
                ),
            ));
        }
        let in_order = match (start, end) {
            (IpAddr::V4(a), IpAddr::V4(b)) => u32::from(a) <= u32::from(b),
            (IpAddr::V6(a), IpAddr::V6(b)) => u128::from(a) <= u128::from(b),
            _ => false,
        };
        if !in_order {
            return Err(Error::internal(
                ErrorDomain::None,
                format!("range {start} - {end} is reversed "),
            ));
        }
        ip.ranges.push(DhcpRange {
            start,
            end,
            lease: parse_lease(r)?,
        });
    }
    for h in dhcp.children_named("host") {
        let mac = match h.attr("mac") {
            None => None,
            Some(m) => {
                if ip.address.is_ipv6() {
                    return Err(xml_err(format!(
                        "Invalid to specify MAC address '{m}' in network '{net}' IPv6 static host definition"
                    )));
                }
                let bytes = parse_mac(m).ok_or_else(|| {
                    xml_err(format!("Cannot parse MAC address '{m}' in network '{net}'"))
                })?;
                if mac_is_multicast(&bytes) {
                    return Err(xml_err(format!(
                        "expected unicast mac address, found multicast '{m}' in network '{net}'"
                    )));
                }
                Some(format_mac(&bytes))
            }
        };
        let id = h.attr("id").map(str::to_string);
        let name = h.attr("name").map(str::to_string);
        let host_ip = match h.attr("ip") {
            None => None,
            Some(a) => Some(parse_ip(a).ok_or_else(|| {
                xml_err(format!(
                    "Invalid IP address in static host definition for network '{net}'"
                ))
            })?),
        };
        if ip.address.is_ipv6() {
            if id.is_none() && name.is_none() {
                return Err(xml_err(format!(
                    "Static host definition in IPv6 network '{net}' must have id or name attribute"
                )));
            }
        } else if mac.is_none() && name.is_none() {
            return Err(xml_err(format!(
                "Static host definition in IPv4 network '{net}' must have mac or name attribute"
            )));
        }
        if host_ip.is_none() {
            return Err(xml_err(format!(
                "Missing IP address in static host definition for network '{net}'"
            )));
        }
        ip.hosts.push(DhcpHost {
            mac,
            id,
            name,
            ip: host_ip,
            lease: parse_lease(h)?,
        });
    }
    if let Some(b) = dhcp.child("bootp") {
        if ip.address.is_ipv4() {
            if let Some(file) = b.attr("file") {
                let server = match b.attr("server") {
                    None => None,
                    Some(t) => Some(parse_ip(t).ok_or_else(|| sockaddr_err(t))?),
                };
                ip.bootp = Some((file.to_string(), server));
            }
        }
    }
    Ok(())
}

fn parse_route(node: Node<'_, '_>, net: &str) -> Result<RouteDef> {
    let address = node.attr("address").ok_or_else(|| {
        xml_err(format!(
            "{net}: Missing required address attribute in route definition"
        ))
    })?;
    let address = parse_ip(address).ok_or_else(|| {
        xml_err(format!(
            "{net}: Bad network address '{address}' in route definition"
        ))
    })?;
    let gateway = node.attr("gateway").ok_or_else(|| {
        xml_err(format!(
            "{net}: Missing required gateway attribute in route definition"
        ))
    })?;
    let gateway = parse_ip(gateway).ok_or_else(|| {
        xml_err(format!(
            "{net}: Bad gateway address '{gateway}' in route definition"
        ))
    })?;
    let netmask = match node.attr("netmask") {
        None => None,
        Some(m) => Some(
            parse_ip(m)
                .ok_or_else(|| xml_err(format!("Bad netmask address '{m}' in route definition")))?,
        ),
    };
    let prefix = match node.attr("prefix") {
        None => None,
        Some(p) => Some(
            parse_uint10(p)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| xml_err("Invalid prefix specified in route definition"))?,
        ),
    };
    let metric = match node.attr("metric") {
        None => None,
        Some(m) => {
            let value = parse_uint10(m)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    Error::xml(
                        ErrorDomain::Xml,
                        format!("Invalid value for attribute 'metric' in element 'route': '{m}'. Expected non-negative integer value"),
                    )
                })?;
            if value == 0 {
                return Err(Error::xml(
                    ErrorDomain::Xml,
                    "Invalid value for attribute 'metric' in element 'route': Zero is not permitted",
                ));
            }
            Some(value)
        }
    };
    Ok(RouteDef {
        family: node.attr("family").map(str::to_string),
        address,
        netmask,
        prefix,
        gateway,
        metric,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_network_round_trips() {
        let xml = "<network>\n  <name>default</name>\n  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>\n  <forward mode='nat'/>\n  <bridge name='virbr0' stp='on' delay='0'/>\n  <ip address='192.168.122.1' netmask='255.255.255.0'>\n    <dhcp>\n      <range start='192.168.122.2' end='192.168.122.254'/>\n    </dhcp>\n  </ip>\n</network>\n";
        let def = NetworkDef::parse(xml).unwrap();
        assert_eq!(def.format(false), xml);
        assert_eq!(def.bridge_name.as_deref(), Some("virbr0"));
        assert_eq!(def.forward_mode.as_deref(), Some("nat"));
    }
}
