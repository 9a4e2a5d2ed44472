//! Host interface XML (`<interface>` of the interface driver, not the domain device).
//!
//! CONTRACT (used by drivers and the CLI; extend, do not rename): `InterfaceDef::parse`,
//! `InterfaceDef::format`, fields `name`, `iface_type`, `mac`.
//!
//! Layout follows libvirt's `virInterfaceDefDevFormat`: start mode, MTU, protocols and link
//! at the top level, then the type's own part (MAC for ethernet, members for bridge and bond,
//! the parent for vlan). Members are interfaces printed one level deeper.

use roxmltree::Node;
use rvirt_core::{Error, ErrorDomain, Result};

use crate::parse::{expect_root, parse_document, parse_uint10, NodeExt};
use crate::writer::XmlWriter;

const ERR: ErrorDomain = ErrorDomain::Interface;

const IFACE_TYPES: &[&str] = &["ethernet", "bridge", "bond", "vlan"];
const BOND_MODES: &[&str] = &[
    "balance-rr",
    "active-backup",
    "balance-xor",
    "broadcast",
    "802.3ad",
    "balance-tlb",
    "balance-alb",
];

/// A host interface definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterfaceDef {
    /// `type=`: ethernet, bridge, bond, vlan.
    pub iface_type: String,
    pub name: String,
    /// `<mac address=>` exactly as given (libvirt does not normalize it here).
    pub mac: Option<String>,
    /// `<start mode=>`: none, onboot, hotplug (`None` when absent).
    pub start_mode: Option<String>,
    pub mtu: Option<u32>,
    pub protocols: Vec<ProtocolDef>,
    /// `<link speed= state=>`.
    pub link: Option<(Option<u32>, Option<String>)>,
    pub bridge: Option<BridgeDef>,
    pub bond: Option<BondDef>,
    /// `<vlan tag=>` and its `<interface name=>`.
    pub vlan: Option<(String, String)>,
}

/// `<protocol family=>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProtocolDef {
    /// `ipv4` or `ipv6`.
    pub family: String,
    pub autoconf: bool,
    /// `<dhcp>` present, with its `peerdns=`.
    pub dhcp: Option<Option<String>>,
    /// `(address, prefix)`.
    pub ips: Vec<(String, Option<u32>)>,
    pub gateway: Option<String>,
}

/// `<bridge>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BridgeDef {
    pub stp: Option<bool>,
    /// Kept as text (libvirt stores the string: `0.01` is valid).
    pub delay: Option<String>,
    pub members: Vec<InterfaceDef>,
}

/// `<bond>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BondDef {
    pub mode: Option<String>,
    pub monitor: Option<BondMonitor>,
    pub members: Vec<InterfaceDef>,
}

/// `<miimon>` or `<arpmon>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BondMonitor {
    Mii {
        freq: u32,
        downdelay: Option<u32>,
        updelay: Option<u32>,
        carrier: Option<String>,
    },
    Arp {
        interval: u32,
        target: String,
        validate: Option<String>,
    },
}

fn xml_err(detail: impl Into<String>) -> Error {
    Error::xml(ERR, detail)
}

/// `virXMLProp*` number errors.
fn prop_number_invalid(attr: &str, element: &str, value: &str, unsigned: bool) -> Error {
    let expected = if unsigned {
        "Expected non-negative integer value"
    } else {
        "Expected integer value"
    };
    Error::xml(
        ErrorDomain::Xml,
        format!(
            "Invalid value for attribute '{attr}' in element '{element}': '{value}'. {expected}"
        ),
    )
}

fn parse_u32_attr(node: Node<'_, '_>, attr: &str, what: &str) -> Result<Option<u32>> {
    match node.attr(attr) {
        None => Ok(None),
        Some(v) => parse_uint10(v)
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| xml_err(format!("{what} format is incorrect"))),
    }
}

impl InterfaceDef {
    pub fn parse(xml: &str) -> Result<Self> {
        let doc = parse_document(xml, "interface_definition", ERR)?;
        let root = expect_root(&doc, "interface")?;
        Self::from_node(root, true)
    }

    /// Parses an `<interface>` element; `top_level` is false for bridge and bond members.
    pub fn from_node(node: Node<'_, '_>, top_level: bool) -> Result<Self> {
        let iface_type = match node.attr("type") {
            Some(t) if IFACE_TYPES.contains(&t) => t.to_string(),
            Some(t) => {
                return Err(Error::xml(
                    ErrorDomain::Xml,
                    format!("Invalid value for attribute 'type' in element 'interface': '{t}'."),
                ))
            }
            None => {
                return Err(Error::xml(
                    ErrorDomain::Xml,
                    "Missing required attribute 'type' in element 'interface'",
                ))
            }
        };
        let name = node
            .attr("name")
            .ok_or_else(|| xml_err("interface has no name"))?
            .to_string();
        let mut def = InterfaceDef {
            iface_type,
            name,
            ..Default::default()
        };
        if top_level {
            if let Some(start) = node.child("start") {
                match start.attr("mode") {
                    Some(m @ ("none" | "onboot" | "hotplug")) => {
                        def.start_mode = Some(m.to_string())
                    }
                    Some(m) => return Err(xml_err(format!("unknown interface startmode {m}"))),
                    None => {}
                }
            }
            for p in node.children_named("protocol") {
                def.protocols.push(parse_protocol(p)?);
            }
            // The MTU is read for the top-level interface only.
            if let Some(m) = node.child("mtu") {
                def.mtu = match m.attr("size") {
                    None => None,
                    Some(v) => Some(
                        parse_uint10(v)
                            .and_then(|n| u32::try_from(n).ok())
                            .ok_or_else(|| {
                                // libvirt 9.0 fails here without setting an error.
                                Error::raw(
                                    ErrorDomain::None,
                                    rvirt_core::ErrorCode::InternalError,
                                    "An error occurred, but the cause is unknown",
                                )
                            })?,
                    ),
                };
            }
        }
        if let Some(l) = node.child("link") {
            let speed = match l.attr("speed") {
                None => None,
                Some(v) => Some(
                    parse_uint10(v)
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| prop_number_invalid("speed", "link", v, true))?,
                ),
            };
            def.link = Some((speed, l.attr("state").map(str::to_string)));
        }
        match def.iface_type.as_str() {
            "ethernet" => {
                def.mac = node
                    .child("mac")
                    .and_then(|m| m.attr("address"))
                    .map(str::to_string);
            }
            "bridge" => {
                let b = node
                    .child("bridge")
                    .ok_or_else(|| xml_err("bridge interface misses the bridge element"))?;
                let (stp, valid) = match b.attr("stp") {
                    None => (None, true),
                    Some("on") => (Some(true), true),
                    Some("off") => (Some(false), true),
                    // libvirt 9.0 stops reading the bridge here but still accepts the
                    // document: no stp, no delay, no members.
                    Some(_) => (None, false),
                };
                if !valid {
                    def.bridge = Some(BridgeDef::default());
                    return Ok(def);
                }
                let members = b
                    .children_named("interface")
                    .map(|m| InterfaceDef::from_node(m, false))
                    .collect::<Result<Vec<_>>>()?;
                def.bridge = Some(BridgeDef {
                    stp,
                    delay: b.attr("delay").map(str::to_string),
                    members,
                });
            }
            "bond" => {
                let b = node
                    .child("bond")
                    .ok_or_else(|| xml_err("bond interface misses the bond element"))?;
                let mode = match b.attr("mode") {
                    None => None,
                    Some(m) if BOND_MODES.contains(&m) => Some(m.to_string()),
                    Some(m) => return Err(xml_err(format!("unknown bonding mode {m}"))),
                };
                let monitor = if let Some(mii) = b.child("miimon") {
                    let freq = parse_u32_attr(mii, "freq", "bond interface miimon freq")?
                        .ok_or_else(|| xml_err("bond interface miimon freq missing or invalid"))?;
                    let carrier = match mii.attr("carrier") {
                        None => None,
                        Some(c @ ("ioctl" | "netif")) => Some(c.to_string()),
                        Some(c) => {
                            return Err(xml_err(format!(
                                "bond interface miimon carrier {c} invalid"
                            )))
                        }
                    };
                    Some(BondMonitor::Mii {
                        freq,
                        downdelay: parse_u32_attr(
                            mii,
                            "downdelay",
                            "bond interface miimon downdelay",
                        )?,
                        updelay: parse_u32_attr(mii, "updelay", "bond interface miimon updelay")?,
                        carrier,
                    })
                } else if let Some(arp) = b.child("arpmon") {
                    let interval =
                        parse_u32_attr(arp, "interval", "bond interface arpmon interval")?
                            .ok_or_else(|| {
                                xml_err("bond interface arpmon interval missing or invalid")
                            })?;
                    let target = arp
                        .attr("target")
                        .ok_or_else(|| xml_err("bond interface arpmon target missing"))?;
                    let validate = match arp.attr("validate") {
                        None => None,
                        Some(v @ ("none" | "active" | "backup" | "all")) => Some(v.to_string()),
                        Some(v) => {
                            return Err(xml_err(format!(
                                "bond interface arpmon validate {v} invalid"
                            )))
                        }
                    };
                    Some(BondMonitor::Arp {
                        interval,
                        target: target.to_string(),
                        validate,
                    })
                } else {
                    None
                };
                let members = b
                    .children_named("interface")
                    .map(|m| InterfaceDef::from_node(m, false))
                    .collect::<Result<Vec<_>>>()?;
                def.bond = Some(BondDef {
                    mode,
                    monitor,
                    members,
                });
            }
            _ => {
                let v = node
                    .child("vlan")
                    .ok_or_else(|| xml_err("vlan interface misses the vlan element"))?;
                let tag = v
                    .attr("tag")
                    .ok_or_else(|| xml_err("vlan interface misses the tag attribute"))?;
                let dev = v
                    .child("interface")
                    .and_then(|i| i.attr("name"))
                    .ok_or_else(|| xml_err("vlan interface misses name attribute"))?;
                def.vlan = Some((tag.to_string(), dev.to_string()));
            }
        }
        Ok(def)
    }

    /// `inactive`: `VIR_INTERFACE_XML_INACTIVE` (the definition is printed either way).
    pub fn format(&self, inactive: bool) -> String {
        let _ = inactive;
        let mut w = XmlWriter::new();
        self.format_into(&mut w);
        w.finish()
    }

    /// Formats into a writer at its current depth (members are nested this way).
    pub fn format_into(&self, w: &mut XmlWriter) {
        w.open(
            "interface",
            &[("type", Some(&self.iface_type)), ("name", Some(&self.name))],
        );
        if let Some(m) = &self.start_mode {
            w.empty("start", &[("mode", Some(m))]);
        }
        if let Some(mtu) = self.mtu {
            w.empty("mtu", &[("size", Some(&mtu.to_string()))]);
        }
        for p in &self.protocols {
            w.open("protocol", &[("family", Some(&p.family))]);
            if p.autoconf {
                w.empty("autoconf", &[]);
            }
            if let Some(peerdns) = &p.dhcp {
                w.empty("dhcp", &[("peerdns", peerdns.as_deref())]);
            }
            for (addr, prefix) in &p.ips {
                let prefix = prefix.map(|p| p.to_string());
                w.empty(
                    "ip",
                    &[("address", Some(addr)), ("prefix", prefix.as_deref())],
                );
            }
            if let Some(gw) = &p.gateway {
                w.empty("route", &[("gateway", Some(gw))]);
            }
            w.close("protocol");
        }
        if let Some((speed, state)) = &self.link {
            let speed = speed.map(|s| s.to_string());
            w.empty(
                "link",
                &[("speed", speed.as_deref()), ("state", state.as_deref())],
            );
        }
        if let Some(b) = &self.bridge {
            w.open(
                "bridge",
                &[
                    ("stp", b.stp.map(|s| if s { "on" } else { "off" })),
                    ("delay", b.delay.as_deref()),
                ],
            );
            for m in &b.members {
                m.format_into(w);
            }
            w.close("bridge");
        }
        if let Some(b) = &self.bond {
            w.open("bond", &[("mode", b.mode.as_deref())]);
            match &b.monitor {
                Some(BondMonitor::Mii {
                    freq,
                    downdelay,
                    updelay,
                    carrier,
                }) => {
                    let s = |v: &Option<u32>| v.map(|n| n.to_string());
                    let (f, d, u) = (freq.to_string(), s(downdelay), s(updelay));
                    w.empty(
                        "miimon",
                        &[
                            ("freq", Some(&f)),
                            ("downdelay", d.as_deref()),
                            ("updelay", u.as_deref()),
                            ("carrier", carrier.as_deref()),
                        ],
                    );
                }
                Some(BondMonitor::Arp {
                    interval,
                    target,
                    validate,
                }) => {
                    let i = interval.to_string();
                    w.empty(
                        "arpmon",
                        &[
                            ("interval", Some(&i)),
                            ("target", Some(target)),
                            ("validate", validate.as_deref()),
                        ],
                    );
                }
                None => {}
            }
            for m in &b.members {
                m.format_into(w);
            }
            w.close("bond");
        }
        if let Some((tag, dev)) = &self.vlan {
            w.open("vlan", &[("tag", Some(tag))]);
            w.empty("interface", &[("name", Some(dev))]);
            w.close("vlan");
        }
        if let Some(mac) = &self.mac {
            // libvirt prints the MAC text unescaped here.
            w.empty_mixed("mac", &[("address", Some(mac), false)]);
        }
        w.close("interface");
    }
}

fn parse_protocol(p: Node<'_, '_>) -> Result<ProtocolDef> {
    let family = match p.attr("family") {
        Some(f @ ("ipv4" | "ipv6")) => f.to_string(),
        Some(f) => return Err(xml_err(format!("unsupported protocol family '{f}'"))),
        None => return Err(xml_err("protocol misses the family attribute")),
    };
    let mut proto = ProtocolDef {
        autoconf: family == "ipv6" && p.child("autoconf").is_some(),
        dhcp: p
            .child("dhcp")
            .map(|d| d.attr("peerdns").map(str::to_string)),
        gateway: p
            .child("route")
            .and_then(|r| r.attr("gateway"))
            .map(str::to_string),
        family,
        ..Default::default()
    };
    for ip in p.children_named("ip") {
        // An <ip> without address is skipped, as libvirt does.
        let Some(addr) = ip.attr("address") else {
            continue;
        };
        let prefix = match ip.attr("prefix") {
            None => None,
            Some(v) => Some(
                parse_uint10(v)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| prop_number_invalid("prefix", "ip", v, false))?,
            ),
        };
        proto.ips.push((addr.to_string(), prefix));
    }
    Ok(proto)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_eth1_round_trips() {
        let xml = "<interface type='ethernet' name='eth1'>\n  <start mode='onboot'/>\n  <mtu size='1492'/>\n  <protocol family='ipv4'>\n    <ip address='192.168.0.5' prefix='24'/>\n    <route gateway='192.168.0.1'/>\n  </protocol>\n  <mac address='aa:bb:cc:dd:ee:ff'/>\n</interface>\n";
        let def = InterfaceDef::parse(xml).unwrap();
        assert_eq!(def.format(false), xml);
        assert_eq!(def.mac.as_deref(), Some("aa:bb:cc:dd:ee:ff"));
    }
}
