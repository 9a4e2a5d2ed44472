//! Host capabilities XML (`<capabilities>`, what `virConnectGetCapabilities` returns).
//!
//! Drivers build a [`Capabilities`] value (host CPU, NUMA topology, security models, one
//! [`GuestCaps`] per OS type and architecture) and call [`Capabilities::format`]; the parser
//! exists so documents can be read back (and round-tripped in tests). Layout follows libvirt's
//! `virCapabilitiesFormatXML`, including its blank lines between sections.

use roxmltree::Node;
use rvirt_core::{Error, ErrorDomain, Result, Uuid};

use crate::netcommon::parse_uuid;
use crate::nodedev::Element;
use crate::parse::{expect_root, parse_document, parse_ull, NodeExt};
use crate::writer::XmlWriter;

const ERR: ErrorDomain = ErrorDomain::Capabilities;

/// The whole document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub host: HostCaps,
    pub guests: Vec<GuestCaps>,
}

/// `<host>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostCaps {
    pub uuid: Option<Uuid>,
    /// `<cpu><arch>`.
    pub arch: String,
    /// `<cpu><features>`: flags such as `pae`, `nonpae`, `vmx`, `svm`.
    pub features: Vec<String>,
    pub cpu: Option<HostCpu>,
    /// `<cpu><pages size=>` in KiB.
    pub page_sizes: Vec<u32>,
    /// `Some(list)` prints `<power_management>` with `suspend_*` children; `None` prints the
    /// empty `<power_management/>`.
    pub power_management: Option<Vec<String>>,
    pub iommu: bool,
    pub migration: Option<MigrationFeatures>,
    pub netprefix: Option<String>,
    /// NUMA cells; `Some(empty)` still prints `<topology>` with `<cells num='0'>` as libvirt
    /// does when it has a (cell-less) NUMA description, `None` prints no `<topology>`.
    pub numa_cells: Option<Vec<NumaCell>>,
    /// `<cache>` and `<memory_bandwidth>`, kept as trees.
    pub cache: Option<Element>,
    pub memory_bandwidth: Option<Element>,
    pub secmodels: Vec<SecModel>,
}

/// Host CPU model details inside `<cpu>` (`virCPUDef` of type host).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostCpu {
    pub model: Option<String>,
    pub vendor: Option<String>,
    pub microcode: Option<u32>,
    /// `(family, model, stepping)`.
    pub signature: Option<(u32, u32, u32)>,
    /// TSC `(frequency, scaling)`.
    pub counter: Option<(u64, Option<String>)>,
    /// `(sockets, dies, cores, threads)`.
    pub topology: Option<(u32, u32, u32, u32)>,
    /// `(mode, bits)`.
    pub maxphysaddr: Option<(String, Option<u32>)>,
    pub features: Vec<String>,
}

/// `<migration_features>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationFeatures {
    pub live: bool,
    pub uri_transports: Vec<String>,
}

/// One NUMA `<cell>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NumaCell {
    pub id: u32,
    /// KiB.
    pub memory: Option<u64>,
    /// `(size KiB, count)`.
    pub pages: Vec<(u32, u64)>,
    /// `(sibling id, value)`.
    pub distances: Vec<(u32, u32)>,
    pub cpus: Vec<NumaCpu>,
}

/// One `<cpu>` of a NUMA cell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NumaCpu {
    pub id: u32,
    /// `(socket_id, die_id, core_id, siblings)`, present when topology is known.
    pub topology: Option<(u32, u32, u32, String)>,
}

/// `<secmodel>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecModel {
    pub model: String,
    pub doi: String,
    /// `(virt type, label)`.
    pub base_labels: Vec<(String, String)>,
}

/// `<machine>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Machine {
    pub name: String,
    pub canonical: Option<String>,
    pub max_cpus: Option<u32>,
    pub deprecated: bool,
}

/// `<domain type=>` inside a guest's `<arch>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuestDomain {
    pub virt_type: String,
    pub emulator: Option<String>,
    pub machines: Vec<Machine>,
}

/// A guest feature: `<name/>` or `<name default='on' toggle='yes'/>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuestFeature {
    pub name: String,
    /// `(default on?, toggle?)` for togglable features.
    pub toggle: Option<(bool, bool)>,
}

/// `<guest>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuestCaps {
    pub os_type: String,
    pub arch: String,
    pub wordsize: u32,
    pub emulator: Option<String>,
    pub loader: Option<String>,
    pub machines: Vec<Machine>,
    pub domains: Vec<GuestDomain>,
    pub features: Vec<GuestFeature>,
}

impl GuestCaps {
    /// A guest entry with the given OS type, architecture and word size.
    pub fn new(os_type: &str, arch: &str, wordsize: u32, emulator: Option<&str>) -> Self {
        GuestCaps {
            os_type: os_type.to_string(),
            arch: arch.to_string(),
            wordsize,
            emulator: emulator.map(str::to_string),
            ..Default::default()
        }
    }

    /// Adds a `<domain type=>` with no emulator or machines of its own.
    pub fn add_domain(&mut self, virt_type: &str) -> &mut GuestDomain {
        self.domains.push(GuestDomain {
            virt_type: virt_type.to_string(),
            ..Default::default()
        });
        let last = self.domains.len() - 1;
        &mut self.domains[last]
    }

    /// Adds a `<machine>` (`canonical` names the machine an alias stands for).
    pub fn add_machine(&mut self, name: &str, canonical: Option<&str>, max_cpus: Option<u32>) {
        self.machines.push(Machine {
            name: name.to_string(),
            canonical: canonical.map(str::to_string),
            max_cpus,
            deprecated: false,
        });
    }

    /// Adds a plain feature flag (`<pae/>`).
    pub fn add_feature(&mut self, name: &str) {
        self.features.push(GuestFeature {
            name: name.to_string(),
            toggle: None,
        });
    }

    /// Adds a togglable feature (`<acpi default='on' toggle='yes'/>`).
    pub fn add_toggle_feature(&mut self, name: &str, default_on: bool, toggle: bool) {
        self.features.push(GuestFeature {
            name: name.to_string(),
            toggle: Some((default_on, toggle)),
        });
    }
}

impl Capabilities {
    /// An empty document for a host of this architecture.
    pub fn new(arch: &str) -> Self {
        Capabilities {
            host: HostCaps {
                arch: arch.to_string(),
                ..Default::default()
            },
            guests: Vec::new(),
        }
    }

    /// Adds a guest entry and returns it for filling in.
    pub fn add_guest(&mut self, guest: GuestCaps) -> &mut GuestCaps {
        self.guests.push(guest);
        let last = self.guests.len() - 1;
        &mut self.guests[last]
    }

    /// The guest for an OS type and architecture, if offered.
    pub fn guest(&self, os_type: &str, arch: &str) -> Option<&GuestCaps> {
        self.guests
            .iter()
            .find(|g| g.os_type == os_type && g.arch == arch)
    }

    pub fn parse(xml: &str) -> Result<Self> {
        let doc = parse_document(xml, "capabilities", ERR)?;
        let root = expect_root(&doc, "capabilities")?;
        let mut caps = Capabilities::default();
        if let Some(host) = root.child("host") {
            caps.host = parse_host(host)?;
        }
        for g in root.children_named("guest") {
            caps.guests.push(parse_guest(g)?);
        }
        Ok(caps)
    }

    pub fn format(&self) -> String {
        // Sections sit one level deep and are each followed by a blank line.
        let mut w = XmlWriter::with_depth(1);
        w.raw("<capabilities>\n\n");
        format_host(&mut w, &self.host);
        w.raw("\n");
        for g in &self.guests {
            format_guest(&mut w, g);
            w.raw("\n");
        }
        w.raw("</capabilities>\n");
        w.finish()
    }
}

/// The capabilities libvirt's test driver reports. `builtin_default` is true for
/// `test:///default` (a fixed two-cell NUMA host with eight CPUs per cell) and false for a
/// `test:///PATH.xml` config, whose host has a NUMA description without cells.
pub fn test_driver_capabilities(builtin_default: bool) -> Capabilities {
    let mut caps = Capabilities::new("i686");
    caps.host.features = vec!["pae".into(), "nonpae".into()];
    caps.host.page_sizes = vec![4, 8, 2048, 1_048_576];
    caps.host.numa_cells = Some(if builtin_default {
        (0..2u32)
            .map(|cell| NumaCell {
                id: cell,
                memory: Some(2_097_152 * u64::from(cell + 1)),
                pages: vec![
                    (if cell == 0 { 4 } else { 8 }, 524_288),
                    (2048, 0),
                    (1_048_576, 0),
                ],
                distances: Vec::new(),
                cpus: (0..8u32)
                    .map(|core| {
                        let id = cell * 8 + core;
                        NumaCpu {
                            id,
                            topology: Some((cell, 0, core, id.to_string())),
                        }
                    })
                    .collect(),
            })
            .collect()
    } else {
        Vec::new()
    });
    caps.host.secmodels.push(SecModel {
        model: "testSecurity".into(),
        doi: String::new(),
        base_labels: Vec::new(),
    });
    for os in ["hvm", "xen"] {
        let g = caps.add_guest(GuestCaps::new(os, "i686", 32, Some("/usr/bin/test-hv")));
        g.add_domain("test");
        g.add_feature("pae");
        g.add_feature("nonpae");
    }
    caps
}

fn num<T: std::str::FromStr>(text: Option<&str>, what: &str) -> Result<T> {
    text.map(str::trim)
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| Error::xml(ERR, format!("invalid {what}")))
}

fn parse_host(host: Node<'_, '_>) -> Result<HostCaps> {
    let mut h = HostCaps {
        uuid: host.child_text("uuid").and_then(parse_uuid),
        ..Default::default()
    };
    if let Some(cpu) = host.child("cpu") {
        h.arch = cpu.child_text("arch").unwrap_or("").to_string();
        if let Some(f) = cpu.child("features") {
            h.features = f
                .elements()
                .map(|e| e.tag_name().name().to_string())
                .collect();
        }
        let mut c = HostCpu {
            model: cpu.child_text("model").map(str::to_string),
            vendor: cpu.child_text("vendor").map(str::to_string),
            microcode: cpu
                .child("microcode")
                .and_then(|m| m.attr("version"))
                .and_then(|v| v.parse().ok()),
            ..Default::default()
        };
        if let Some(s) = cpu.child("signature") {
            c.signature = Some((
                num(s.attr("family"), "signature family")?,
                num(s.attr("model"), "signature model")?,
                num(s.attr("stepping"), "signature stepping")?,
            ));
        }
        if let Some(ctr) = cpu.child("counter") {
            c.counter = Some((
                num(ctr.attr("frequency"), "counter frequency")?,
                ctr.attr("scaling").map(str::to_string),
            ));
        }
        if let Some(t) = cpu.child("topology") {
            c.topology = Some((
                num(t.attr("sockets"), "topology sockets")?,
                num(t.attr("dies").or(Some("1")), "topology dies")?,
                num(t.attr("cores"), "topology cores")?,
                num(t.attr("threads"), "topology threads")?,
            ));
        }
        if let Some(m) = cpu.child("maxphysaddr") {
            c.maxphysaddr = Some((
                m.attr("mode").unwrap_or("").to_string(),
                m.attr("bits").and_then(|b| b.parse().ok()),
            ));
        }
        c.features = cpu
            .children_named("feature")
            .filter_map(|f| f.attr("name").map(str::to_string))
            .collect();
        if c != HostCpu::default() {
            h.cpu = Some(c);
        }
        h.page_sizes = cpu
            .children_named("pages")
            .map(|p| num(p.attr("size"), "pages size"))
            .collect::<Result<_>>()?;
    }
    if let Some(pm) = host.child("power_management") {
        let list: Vec<String> = pm
            .elements()
            .map(|e| e.tag_name().name().to_string())
            .collect();
        h.power_management = (!list.is_empty()).then_some(list);
    }
    h.iommu = host.child("iommu").and_then(|i| i.attr("support")) == Some("yes");
    if let Some(m) = host.child("migration_features") {
        h.migration = Some(MigrationFeatures {
            live: m.child("live").is_some(),
            uri_transports: m
                .child("uri_transports")
                .map(|u| {
                    u.children_named("uri_transport")
                        .map(|t| t.text().unwrap_or("").to_string())
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    h.netprefix = host.child_text("netprefix").map(str::to_string);
    if let Some(cells) = host.child("topology").and_then(|t| t.child("cells")) {
        let mut list = Vec::new();
        for cell in cells.children_named("cell") {
            list.push(parse_cell(cell)?);
        }
        h.numa_cells = Some(list);
    }
    h.cache = host.child("cache").map(Element::from_node);
    h.memory_bandwidth = host.child("memory_bandwidth").map(Element::from_node);
    for s in host.children_named("secmodel") {
        h.secmodels.push(SecModel {
            model: s.child_text("model").unwrap_or("").to_string(),
            doi: s.child_text("doi").unwrap_or("").to_string(),
            base_labels: s
                .children_named("baselabel")
                .map(|b| {
                    (
                        b.attr("type").unwrap_or("").to_string(),
                        b.text().unwrap_or("").to_string(),
                    )
                })
                .collect(),
        });
    }
    Ok(h)
}

fn parse_cell(cell: Node<'_, '_>) -> Result<NumaCell> {
    let mut c = NumaCell {
        id: num(cell.attr("id"), "cell id")?,
        memory: cell.child_text("memory").and_then(parse_ull),
        ..Default::default()
    };
    for p in cell.children_named("pages") {
        c.pages.push((
            num(p.attr("size"), "pages size")?,
            num(p.text(), "pages count")?,
        ));
    }
    if let Some(d) = cell.child("distances") {
        for s in d.children_named("sibling") {
            c.distances.push((
                num(s.attr("id"), "sibling id")?,
                num(s.attr("value"), "sibling value")?,
            ));
        }
    }
    if let Some(cpus) = cell.child("cpus") {
        for cpu in cpus.children_named("cpu") {
            let topology = match (cpu.attr("socket_id"), cpu.attr("core_id")) {
                (Some(s), Some(core)) => Some((
                    num(Some(s), "socket_id")?,
                    num(cpu.attr("die_id").or(Some("0")), "die_id")?,
                    num(Some(core), "core_id")?,
                    cpu.attr("siblings").unwrap_or("").to_string(),
                )),
                _ => None,
            };
            c.cpus.push(NumaCpu {
                id: num(cpu.attr("id"), "cpu id")?,
                topology,
            });
        }
    }
    Ok(c)
}

fn parse_machine(m: Node<'_, '_>) -> Machine {
    Machine {
        name: m.text().unwrap_or("").to_string(),
        canonical: m.attr("canonical").map(str::to_string),
        max_cpus: m.attr("maxCpus").and_then(|v| v.parse().ok()),
        deprecated: m.attr("deprecated") == Some("yes"),
    }
}

fn parse_guest(g: Node<'_, '_>) -> Result<GuestCaps> {
    let arch = g
        .child("arch")
        .ok_or_else(|| Error::xml(ERR, "guest without arch"))?;
    let mut guest = GuestCaps {
        os_type: g.child_text("os_type").unwrap_or("").to_string(),
        arch: arch.attr("name").unwrap_or("").to_string(),
        wordsize: num(arch.child_text("wordsize"), "wordsize")?,
        emulator: arch.child_text("emulator").map(str::to_string),
        loader: arch.child_text("loader").map(str::to_string),
        machines: arch.children_named("machine").map(parse_machine).collect(),
        ..Default::default()
    };
    for d in arch.children_named("domain") {
        guest.domains.push(GuestDomain {
            virt_type: d.attr("type").unwrap_or("").to_string(),
            emulator: d.child_text("emulator").map(str::to_string),
            machines: d.children_named("machine").map(parse_machine).collect(),
        });
    }
    if let Some(f) = g.child("features") {
        for e in f.elements() {
            let toggle = match (e.attr("default"), e.attr("toggle")) {
                (Some(d), Some(t)) => Some((d == "on", t == "yes")),
                _ => None,
            };
            guest.features.push(GuestFeature {
                name: e.tag_name().name().to_string(),
                toggle,
            });
        }
    }
    Ok(guest)
}

fn format_host(w: &mut XmlWriter, h: &HostCaps) {
    w.open("host", &[]);
    if let Some(u) = h.uuid {
        w.text("uuid", &[], &u.to_string());
    }
    w.open("cpu", &[]);
    w.text("arch", &[], &h.arch);
    if !h.features.is_empty() {
        w.open("features", &[]);
        for f in &h.features {
            w.empty(f, &[]);
        }
        w.close("features");
    }
    if let Some(c) = &h.cpu {
        format_host_cpu(w, c);
    }
    for size in &h.page_sizes {
        w.empty(
            "pages",
            &[("unit", Some("KiB")), ("size", Some(&size.to_string()))],
        );
    }
    w.close("cpu");
    match &h.power_management {
        Some(list) => {
            w.open("power_management", &[]);
            for p in list {
                w.empty(p, &[]);
            }
            w.close("power_management");
        }
        None => w.empty("power_management", &[]),
    }
    w.empty(
        "iommu",
        &[("support", Some(if h.iommu { "yes" } else { "no" }))],
    );
    if let Some(m) = &h.migration {
        w.open("migration_features", &[]);
        if m.live {
            w.empty("live", &[]);
        }
        if !m.uri_transports.is_empty() {
            w.open("uri_transports", &[]);
            for t in &m.uri_transports {
                w.text("uri_transport", &[], t);
            }
            w.close("uri_transports");
        }
        w.close("migration_features");
    }
    w.opt_text("netprefix", h.netprefix.as_deref());
    if let Some(cells) = &h.numa_cells {
        w.open("topology", &[]);
        w.open("cells", &[("num", Some(&cells.len().to_string()))]);
        for c in cells {
            format_cell(w, c);
        }
        w.close("cells");
        w.close("topology");
    }
    if let Some(c) = &h.cache {
        c.format(w);
    }
    if let Some(m) = &h.memory_bandwidth {
        m.format(w);
    }
    for s in &h.secmodels {
        w.open("secmodel", &[]);
        w.text("model", &[], &s.model);
        w.text("doi", &[], &s.doi);
        for (t, label) in &s.base_labels {
            w.text("baselabel", &[("type", Some(t))], label);
        }
        w.close("secmodel");
    }
    w.close("host");
}

fn format_host_cpu(w: &mut XmlWriter, c: &HostCpu) {
    w.opt_text("model", c.model.as_deref());
    w.opt_text("vendor", c.vendor.as_deref());
    if let Some(v) = c.microcode {
        w.empty("microcode", &[("version", Some(&v.to_string()))]);
    }
    if let Some((f, m, s)) = c.signature {
        let (f, m, s) = (f.to_string(), m.to_string(), s.to_string());
        w.empty(
            "signature",
            &[
                ("family", Some(&f)),
                ("model", Some(&m)),
                ("stepping", Some(&s)),
            ],
        );
    }
    if let Some((freq, scaling)) = &c.counter {
        let f = freq.to_string();
        w.empty(
            "counter",
            &[
                ("name", Some("tsc")),
                ("frequency", Some(&f)),
                ("scaling", scaling.as_deref()),
            ],
        );
    }
    if let Some((s, d, co, t)) = c.topology {
        let (s, d, co, t) = (s.to_string(), d.to_string(), co.to_string(), t.to_string());
        w.empty(
            "topology",
            &[
                ("sockets", Some(&s)),
                ("dies", Some(&d)),
                ("cores", Some(&co)),
                ("threads", Some(&t)),
            ],
        );
    }
    if let Some((mode, bits)) = &c.maxphysaddr {
        let b = bits.map(|b| b.to_string());
        w.empty(
            "maxphysaddr",
            &[("mode", Some(mode)), ("bits", b.as_deref())],
        );
    }
    for f in &c.features {
        w.empty("feature", &[("name", Some(f))]);
    }
}

fn format_cell(w: &mut XmlWriter, c: &NumaCell) {
    w.open("cell", &[("id", Some(&c.id.to_string()))]);
    if let Some(m) = c.memory {
        w.value("memory", &[("unit", Some("KiB"))], m);
    }
    for (size, count) in &c.pages {
        w.value(
            "pages",
            &[("unit", Some("KiB")), ("size", Some(&size.to_string()))],
            count,
        );
    }
    if !c.distances.is_empty() {
        w.open("distances", &[]);
        for (id, value) in &c.distances {
            let (i, v) = (id.to_string(), value.to_string());
            w.empty("sibling", &[("id", Some(&i)), ("value", Some(&v))]);
        }
        w.close("distances");
    }
    w.open("cpus", &[("num", Some(&c.cpus.len().to_string()))]);
    for cpu in &c.cpus {
        let id = cpu.id.to_string();
        match &cpu.topology {
            Some((s, d, core, siblings)) => {
                let (s, d, core) = (s.to_string(), d.to_string(), core.to_string());
                w.empty(
                    "cpu",
                    &[
                        ("id", Some(&id)),
                        ("socket_id", Some(&s)),
                        ("die_id", Some(&d)),
                        ("core_id", Some(&core)),
                        ("siblings", Some(siblings)),
                    ],
                );
            }
            None => w.empty("cpu", &[("id", Some(&id))]),
        }
    }
    w.close("cpus");
    w.close("cell");
}

fn format_machines(w: &mut XmlWriter, machines: &[Machine]) {
    for m in machines {
        let max = m.max_cpus.map(|n| n.to_string());
        w.text(
            "machine",
            &[
                ("canonical", m.canonical.as_deref()),
                ("maxCpus", max.as_deref()),
                ("deprecated", m.deprecated.then_some("yes")),
            ],
            &m.name,
        );
    }
}

fn format_guest(w: &mut XmlWriter, g: &GuestCaps) {
    w.open("guest", &[]);
    w.text("os_type", &[], &g.os_type);
    w.open("arch", &[("name", Some(&g.arch))]);
    w.value("wordsize", &[], g.wordsize);
    w.opt_text("emulator", g.emulator.as_deref());
    w.opt_text("loader", g.loader.as_deref());
    format_machines(w, &g.machines);
    for d in &g.domains {
        if d.emulator.is_none() && d.machines.is_empty() {
            w.empty("domain", &[("type", Some(&d.virt_type))]);
        } else {
            w.open("domain", &[("type", Some(&d.virt_type))]);
            w.opt_text("emulator", d.emulator.as_deref());
            format_machines(w, &d.machines);
            w.close("domain");
        }
    }
    w.close("arch");
    if !g.features.is_empty() {
        w.open("features", &[]);
        for f in &g.features {
            match f.toggle {
                Some((default_on, toggle)) => w.empty(
                    &f.name,
                    &[
                        ("default", Some(if default_on { "on" } else { "off" })),
                        ("toggle", Some(if toggle { "yes" } else { "no" })),
                    ],
                ),
                None => w.empty(&f.name, &[]),
            }
        }
        w.close("features");
    }
    w.close("guest");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_document_has_libvirt_layout() {
        let mut caps = Capabilities::new("x86_64");
        caps.host.secmodels.push(SecModel {
            model: "none".into(),
            doi: "0".into(),
            base_labels: vec![],
        });
        let g = caps.add_guest(GuestCaps::new("hvm", "x86_64", 64, Some("/usr/bin/qemu")));
        g.add_domain("qemu");
        g.add_toggle_feature("acpi", true, true);
        let xml = caps.format();
        assert!(
            xml.starts_with("<capabilities>\n\n  <host>\n    <cpu>\n      <arch>x86_64</arch>\n")
        );
        assert!(xml.ends_with("  </guest>\n\n</capabilities>\n"));
        assert!(xml.contains("      <acpi default='on' toggle='yes'/>\n"));
        assert_eq!(Capabilities::parse(&xml).unwrap(), caps);
    }
}
