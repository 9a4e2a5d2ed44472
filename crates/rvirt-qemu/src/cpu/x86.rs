//! libvirt's x86 CPU model logic over its CPU map: CPUID data as sets of register bits,
//! decoding data into the closest named model plus features, comparing a CPU definition
//! with the host, and computing a baseline of several CPUs.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

use super::x86_map;

/// Where a group of bits lives: a CPUID leaf and subleaf, or an MSR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    Cpuid(u32, u32),
    Msr(u32),
}

/// Bits of one CPUID leaf (`eax, ebx, ecx, edx`) or MSR (`eax, edx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bits {
    pub key: Key,
    pub regs: [u32; 4],
}

impl Bits {
    pub const fn cpuid(leaf: u32, subleaf: u32, regs: [u32; 4]) -> Bits {
        Bits {
            key: Key::Cpuid(leaf, subleaf),
            regs,
        }
    }

    pub const fn msr(index: u32, eax: u32, edx: u32) -> Bits {
        Bits {
            key: Key::Msr(index),
            regs: [eax, edx, 0, 0],
        }
    }
}

/// One feature of the CPU map.
#[derive(Debug)]
pub struct FeatureDef {
    pub name: &'static str,
    /// QEMU's spellings when they differ from libvirt's.
    pub qemu_aliases: &'static [&'static str],
    pub migratable: bool,
    pub bits: &'static [Bits],
}

/// One CPU model of the CPU map.
#[derive(Debug)]
pub struct ModelDef {
    pub name: &'static str,
    pub vendor: Option<&'static str>,
    /// Whether the model may describe a host CPU / a guest CPU when decoding CPUID data.
    pub decode_host: bool,
    pub decode_guest: bool,
    /// `(family, model, stepping bit mask)`.
    pub signatures: &'static [(u32, u32, u32)],
    pub features: &'static [&'static str],
    /// Features the model had once; they are not part of its data any more.
    pub removed: &'static [&'static str],
}

/// A set of CPUID/MSR bits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpuData(BTreeMap<Key, [u32; 4]>);

impl CpuData {
    pub fn new() -> CpuData {
        CpuData::default()
    }

    pub fn set(&mut self, key: Key, regs: [u32; 4]) {
        self.0.insert(key, regs);
    }

    pub fn get(&self, key: Key) -> [u32; 4] {
        self.0.get(&key).copied().unwrap_or_default()
    }

    pub fn add_bits(&mut self, bits: &Bits) {
        let entry = self.0.entry(bits.key).or_default();
        for (r, b) in entry.iter_mut().zip(bits.regs) {
            *r |= b;
        }
    }

    pub fn add(&mut self, other: &CpuData) {
        for (k, regs) in &other.0 {
            self.add_bits(&Bits {
                key: *k,
                regs: *regs,
            });
        }
    }

    pub fn subtract(&mut self, other: &CpuData) {
        for (k, regs) in self.0.iter_mut() {
            if let Some(o) = other.0.get(k) {
                for (r, b) in regs.iter_mut().zip(o) {
                    *r &= !b;
                }
            }
        }
    }

    pub fn intersect(&mut self, other: &CpuData) {
        for (k, regs) in self.0.iter_mut() {
            let o = other.0.get(k).copied().unwrap_or_default();
            for (r, b) in regs.iter_mut().zip(o) {
                *r &= b;
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(|r| r.iter().all(|v| *v == 0))
    }

    /// Every bit of `subset` is in `self`.
    pub fn contains(&self, subset: &CpuData) -> bool {
        subset.0.iter().all(|(k, regs)| {
            let mine = self.get(*k);
            mine.iter().zip(regs).all(|(m, s)| m & s == *s)
        })
    }

    fn from_bits(bits: &[Bits]) -> CpuData {
        let mut d = CpuData::new();
        for b in bits {
            d.add_bits(b);
        }
        d
    }
}

struct Map {
    features: Vec<(&'static FeatureDef, CpuData)>,
    models: Vec<(&'static ModelDef, CpuData)>,
}

fn map() -> &'static Map {
    static MAP: OnceLock<Map> = OnceLock::new();
    MAP.get_or_init(|| {
        let features: Vec<(&'static FeatureDef, CpuData)> = x86_map::map()
            .features
            .iter()
            .map(|f| (f, CpuData::from_bits(f.bits)))
            .collect();
        let models = x86_map::map()
            .models
            .iter()
            .map(|m| {
                let mut data = CpuData::new();
                for name in m.features {
                    if let Some((_, d)) = features.iter().find(|(f, _)| f.name == *name) {
                        data.add(d);
                    }
                }
                (m, data)
            })
            .collect();
        Map { features, models }
    })
}

fn cpu_err(code: ErrorCode, message: impl Into<String>) -> Error {
    Error::new(ErrorDomain::Cpu, code, message)
}

/// The data of a feature of the map.
pub fn feature_data(name: &str) -> Option<&'static CpuData> {
    map()
        .features
        .iter()
        .find(|(f, _)| f.name == name)
        .map(|(_, d)| d)
}

/// libvirt's name of a feature QEMU names `qemu_name`.
pub fn feature_from_qemu(qemu_name: &str) -> Option<&'static str> {
    map()
        .features
        .iter()
        .find(|(f, _)| f.name == qemu_name || f.qemu_aliases.contains(&qemu_name))
        .map(|(f, _)| f.name)
}

fn model(name: &str) -> Option<&'static (&'static ModelDef, CpuData)> {
    map().models.iter().find(|(m, _)| m.name == name)
}

/// The data of a model of the map.
pub fn feature_data_of_model(name: &str) -> Option<&'static CpuData> {
    model(name).map(|(_, d)| d)
}

/// The CPU map's models, in its order.
pub fn model_names() -> Vec<&'static str> {
    x86_map::map().models.iter().map(|m| m.name).collect()
}

/// The vendor the CPU map gives a model (`None` for generic models or unknown names).
pub fn model_vendor(name: &str) -> Option<&'static str> {
    model(name).and_then(|(m, _)| m.vendor)
}

/// The vendor name (`AMD`) for a CPUID vendor string (`AuthenticAMD`).
pub fn vendor_from_string(id: &str) -> Option<&'static str> {
    x86_map::map()
        .vendors
        .iter()
        .find(|(_, s)| *s == id)
        .map(|(n, _)| *n)
}

fn known_vendor(name: &str) -> bool {
    x86_map::map().vendors.iter().any(|(n, _)| *n == name)
}

/// Names of the map's features found in `data`, in map order; they are taken out of `data`.
pub fn take_features(data: &mut CpuData) -> Vec<&'static str> {
    let mut out = Vec::new();
    for (f, bits) in &map().features {
        if !bits.is_empty() && data.contains(bits) {
            data.subtract(bits);
            out.push(f.name);
        }
    }
    out
}

/// How a decoded feature relates to the chosen model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Listed without a policy (host CPU definitions).
    None,
    Require,
    Disable,
}

impl Policy {
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            Policy::None => None,
            Policy::Require => Some("require"),
            Policy::Disable => Some("disable"),
        }
    }
}

/// Whether a decode describes the host (features the host lacks rule a model out) or a
/// guest (they become disabled features).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuKind {
    Host,
    Guest,
}

/// The result of decoding CPUID data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub model: String,
    pub vendor: Option<String>,
    pub features: Vec<(String, Policy)>,
}

/// What a hypervisor says about one of its CPU models.
#[derive(Debug, Clone, Default)]
pub struct HvModel {
    pub name: String,
    /// libvirt's names of the features that keep the model from being usable.
    pub blockers: Vec<String>,
}

/// `(family, model, stepping)` of a CPU.
pub type Signature = (u32, u32, u32);

fn signature_matches(sigs: &[(u32, u32, u32)], sig: Signature) -> bool {
    sigs.iter().any(|(f, m, steppings)| {
        *f == sig.0 && *m == sig.1 && (sig.2 >= 32 || steppings & (1 << sig.2) != 0)
    })
}

/// The candidate's features relative to the data: what it lacks (require) then what the
/// data lacks (disable), each in map order.
fn candidate_features(
    data: &CpuData,
    model_data: &CpuData,
    blockers: &[String],
) -> Vec<(&'static str, Policy)> {
    let mut extra = data.clone();
    extra.subtract(model_data);
    let mut missing = model_data.clone();
    missing.subtract(data);
    // The hypervisor's own version of the model may have features it cannot provide: they
    // are disabled explicitly unless the data adds them on top of the model anyway.
    for b in blockers {
        if let Some(bits) = feature_data(b) {
            if !extra.contains(bits) {
                missing.add(bits);
            }
        }
    }
    let mut out: Vec<(&'static str, Policy)> = take_features(&mut extra)
        .into_iter()
        .map(|f| (f, Policy::Require))
        .collect();
    out.extend(
        take_features(&mut missing)
            .into_iter()
            .map(|f| (f, Policy::Disable)),
    );
    out
}

/// How costly a guest decode is, as libvirt counts it: each disabled feature costs a growing
/// penalty (2, 3, 4...) instead of one. libvirt walks the list while shrinking its bound
/// with every disabled feature found, so disabled features near the end of a long list are
/// not counted; that is kept, since it decides which model wins. Returns `(total, disabled
/// part)`; host decodes count features only.
fn decode_cost(features: &[(&'static str, Policy)], kind: CpuKind) -> (usize, usize) {
    if kind == CpuKind::Host {
        return (features.len(), 0);
    }
    let mut enabled = features.len();
    let mut disabled = 0;
    let mut penalty = 2;
    let mut i = 0;
    while i < enabled {
        if features[i].1 == Policy::Disable {
            enabled -= 1;
            disabled += penalty;
            penalty += 1;
        }
        i += 1;
    }
    (enabled + disabled, disabled)
}

/// libvirt's `x86Decode`: the model (newest first) that explains `data` with the fewest
/// extra and missing features, preferring models whose signature matches the CPU's.
pub fn decode(
    data: &CpuData,
    vendor: Option<&str>,
    signature: Option<Signature>,
    kind: CpuKind,
    hv_models: Option<&[HvModel]>,
    preferred: Option<&str>,
) -> Result<Decoded> {
    type Choice = (&'static ModelDef, Vec<(&'static str, Policy)>);
    let mut best: Option<Choice> = None;
    for (candidate, model_data) in map().models.iter().rev() {
        let blockers: &[String] = match hv_models {
            Some(list) => match list.iter().find(|m| m.name == candidate.name) {
                Some(m) => &m.blockers,
                None => continue,
            },
            None => &[],
        };
        if let (Some(v), Some(cv)) = (vendor, candidate.vendor) {
            if v != cv {
                continue;
            }
        }
        let allowed = match kind {
            CpuKind::Host => candidate.decode_host,
            CpuKind::Guest => candidate.decode_guest,
        };
        if !allowed {
            continue;
        }
        let mut features = candidate_features(data, model_data, blockers);
        if kind == CpuKind::Guest {
            // Features the model lost over time are disabled explicitly for guests.
            for removed in candidate.removed {
                if !features.iter().any(|(f, _)| f == removed) {
                    features.push((removed, Policy::Disable));
                }
            }
        }
        if kind == CpuKind::Host {
            if features.iter().any(|(_, p)| *p == Policy::Disable) {
                continue;
            }
            for f in &mut features {
                f.1 = Policy::None;
            }
        }
        if preferred == Some(candidate.name) {
            best = Some((candidate, features));
            break;
        }
        let better = match &best {
            None => true,
            Some((current, current_features)) => {
                let sig_current =
                    signature.is_some_and(|s| signature_matches(current.signatures, s));
                let sig_candidate =
                    signature.is_some_and(|s| signature_matches(candidate.signatures, s));
                if sig_current && !sig_candidate {
                    false
                } else if sig_candidate && !sig_current {
                    true
                } else {
                    let (cost, disabled) = decode_cost(&features, kind);
                    let (current_cost, current_disabled) = decode_cost(current_features, kind);
                    cost < current_cost || (cost == current_cost && disabled < current_disabled)
                }
            }
        };
        if better {
            best = Some((candidate, features));
        }
    }
    let (chosen, features) = best.ok_or_else(|| {
        cpu_err(
            ErrorCode::InternalError,
            "Cannot find suitable CPU model for given data",
        )
    })?;
    Ok(Decoded {
        model: chosen.name.to_string(),
        vendor: vendor.map(str::to_string),
        features: features
            .into_iter()
            .map(|(f, p)| (f.to_string(), p))
            .collect(),
    })
}

/// A `<cpu>` definition as far as comparing and baselining need it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpuDef {
    /// `<cpu>` of a host (has `<arch>`) rather than of a guest.
    pub host: bool,
    pub mode: String,
    pub matching: Option<String>,
    pub arch: Option<String>,
    pub model: Option<String>,
    pub vendor: Option<String>,
    /// `(name, policy)`; host CPUs' features have no policy (`require`).
    pub features: Vec<(String, String)>,
}

fn xml_err(message: impl Into<String>) -> Error {
    Error::new(ErrorDomain::Cpu, ErrorCode::XmlError, message)
}

fn config_err(message: impl Into<String>) -> Error {
    Error::new(ErrorDomain::Cpu, ErrorCode::ConfigUnsupported, message)
}

impl CpuDef {
    /// Parses a `<cpu>` element (the document's root) as libvirt's `virCPUDefParseXML`
    /// does: a host CPU when `host` is set or when it has an `<arch>`, a guest CPU otherwise.
    pub fn parse(xml: &str, host: bool) -> Result<CpuDef> {
        let doc = roxmltree::Document::parse(xml).map_err(|e| {
            Error::new(
                ErrorDomain::Cpu,
                ErrorCode::XmlDetail,
                format!("(CPU_definition):{}: {e}", e.pos().row),
            )
        })?;
        let root = doc.root_element();
        if root.tag_name().name() != "cpu" {
            return Err(xml_err("XML does not contain expected 'cpu' element"));
        }
        let child_text = |name: &str| {
            root.children()
                .find(|c| c.has_tag_name(name))
                .map(|c| c.text().unwrap_or("").trim().to_string())
        };
        let arch = child_text("arch");
        let host = host
            || match (&arch, root.attribute("match")) {
                (Some(_), Some(_)) => return Err(xml_err(
                    "'arch' element cannot be used inside 'cpu' element with 'match' attribute'",
                )),
                (Some(_), None) => true,
                (None, _) => false,
            };
        let mode = match root.attribute("mode") {
            Some(_) if host => {
                return Err(config_err("Attribute mode is only allowed for guest CPU"))
            }
            Some(m) if !matches!(m, "custom" | "host-model" | "host-passthrough" | "maximum") => {
                return Err(config_err(format!("Invalid mode attribute '{m}'")))
            }
            Some(m) => m.to_string(),
            None => "custom".to_string(),
        };
        let matching = if host {
            None
        } else {
            let m = root.attribute("match").unwrap_or("exact");
            if !matches!(m, "minimum" | "exact" | "strict") {
                return Err(Error::new(
                    ErrorDomain::Xml,
                    ErrorCode::XmlError,
                    format!("Invalid value for attribute 'match' in element 'cpu': '{m}'."),
                ));
            }
            Some(m.to_string())
        };
        if host {
            match &arch {
                None => return Err(xml_err("Missing CPU architecture")),
                Some(a) if !rvirt_core::ARCH_NAMES.contains(&a.as_str()) => {
                    return Err(config_err(format!("Unknown architecture {a}")))
                }
                Some(_) => {}
            }
        }
        let model = child_text("model").filter(|m| !m.is_empty());
        if host && model.is_none() {
            return Err(xml_err("Missing CPU model name"));
        }
        let mut features = Vec::new();
        for f in root.children().filter(|c| c.has_tag_name("feature")) {
            let name = f
                .attribute("name")
                .ok_or_else(|| xml_err("Invalid CPU feature name"))?;
            let policy = if host {
                "require".to_string()
            } else {
                let p = f.attribute("policy").unwrap_or("require");
                if !matches!(p, "force" | "require" | "optional" | "disable" | "forbid") {
                    return Err(config_err("Invalid CPU feature policy"));
                }
                p.to_string()
            };
            features.push((name.to_string(), policy));
        }
        Ok(CpuDef {
            host,
            matching,
            mode,
            arch,
            model,
            vendor: child_text("vendor").filter(|v| !v.is_empty()),
            features,
        })
    }
}

/// libvirt's `x86ModelFromCPU`: the data of the model plus the features with `policy`
/// (`None`: every feature the CPU has, minus the disabled ones).
fn data_from_cpu(cpu: &CpuDef, policy: Option<&str>) -> Result<CpuData> {
    let mut data = match (&cpu.model, policy) {
        (Some(name), None | Some("require")) => {
            model(name).map(|(_, d)| d.clone()).ok_or_else(|| {
                cpu_err(
                    ErrorCode::InternalError,
                    format!("Unknown CPU model {name}"),
                )
            })?
        }
        _ => CpuData::new(),
    };
    for (name, p) in &cpu.features {
        let wanted = match policy {
            None => p != "optional",
            Some(want) => p == want,
        };
        if !wanted {
            continue;
        }
        let bits = feature_data(name).ok_or_else(|| {
            cpu_err(
                ErrorCode::InternalError,
                format!("Unknown CPU feature {name}"),
            )
        })?;
        if policy.is_none() && (p == "disable" || p == "forbid") {
            data.subtract(bits);
        } else {
            data.add(bits);
        }
    }
    Ok(data)
}

/// `virCPUCompareResult`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Incompatible = 0,
    Identical = 1,
    Superset = 2,
}

/// `what: f1, f2`, naming every map feature within `data` (overlapping ones too).
fn incompatible(what: &str, data: CpuData) -> String {
    let names: Vec<&str> = map()
        .features
        .iter()
        .filter(|(_, bits)| !bits.is_empty() && data.contains(bits))
        .map(|(f, _)| f.name)
        .collect();
    format!("{what}: {}", names.join(", "))
}

/// libvirt's `x86Compute` without the guest data: how the host (its CPUID data and vendor)
/// relates to `cpu`, with the reason when incompatible.
pub fn compare(
    host_data: &CpuData,
    host_vendor: Option<&str>,
    cpu: &CpuDef,
) -> Result<(Comparison, Option<String>)> {
    if let Some(arch) = &cpu.arch {
        if arch != "x86_64" && arch != "i686" {
            return Ok((
                Comparison::Incompatible,
                Some(format!("CPU arch {arch} does not match host arch")),
            ));
        }
    }
    if let Some(v) = &cpu.vendor {
        if host_vendor != Some(v.as_str()) {
            return Ok((
                Comparison::Incompatible,
                Some(format!(
                    "host CPU vendor does not match required CPU vendor {v}"
                )),
            ));
        }
    }
    let mut host = host_data.clone();
    // Only what the map knows counts.
    let known = take_features(&mut host);
    let mut host_model = CpuData::new();
    for f in known {
        if let Some(d) = feature_data(f) {
            host_model.add(d);
        }
    }
    let by_policy = |p: &str| {
        if cpu.host && p != "require" {
            Ok(CpuData::new())
        } else {
            data_from_cpu(cpu, Some(p))
        }
    };
    let force = by_policy("force")?;
    let mut require = by_policy("require")?;
    let optional = by_policy("optional")?;
    let disable = by_policy("disable")?;
    let mut forbid = by_policy("forbid")?;
    forbid.intersect(&host_model);
    if !forbid.is_empty() {
        return Ok((
            Comparison::Incompatible,
            Some(incompatible("Host CPU provides forbidden features", forbid)),
        ));
    }
    require.subtract(&force);
    require.subtract(&optional);
    require.subtract(&disable);
    if !host_model.contains(&require) {
        let mut lacking = require;
        lacking.subtract(&host_model);
        return Ok((
            Comparison::Incompatible,
            Some(incompatible(
                "Host CPU does not provide required features",
                lacking,
            )),
        ));
    }
    let mut diff = host_model;
    diff.subtract(&optional);
    diff.subtract(&require);
    diff.subtract(&disable);
    diff.subtract(&force);
    if diff.is_empty() {
        return Ok((Comparison::Identical, None));
    }
    if !cpu.host && cpu.matching.as_deref() == Some("strict") {
        return Ok((
            Comparison::Incompatible,
            Some(incompatible(
                "Host CPU does not strictly match guest CPU: Extra features",
                diff,
            )),
        ));
    }
    Ok((Comparison::Superset, None))
}

/// What a hypervisor adds to a baseline: the features it knows (others are dropped) and its
/// models with what blocks each.
#[derive(Debug, Clone, Default)]
pub struct HvLimits {
    pub features: CpuData,
    pub models: Vec<HvModel>,
}

/// libvirt's `x86Baseline`: the model and features every CPU in `cpus` provides.
pub fn baseline(cpus: &[CpuDef], migratable: bool, hv: Option<&HvLimits>) -> Result<Decoded> {
    let first = cpus.first().ok_or_else(|| {
        Error::new(
            ErrorDomain::Cpu,
            ErrorCode::InvalidArg,
            "nonzero ncpus doesn't match with NULL xmlCPUs",
        )
    })?;
    if let Some(i) = cpus.iter().position(|c| c.model.is_none()) {
        return Err(Error::new(
            ErrorDomain::Cpu,
            ErrorCode::InvalidArg,
            format!("no CPU model specified at index {i}"),
        ));
    }
    let mut base = data_from_cpu(first, None)?;
    let unknown_vendor = |v: &str| {
        cpu_err(
            ErrorCode::OperationFailed,
            format!("Unknown CPU vendor {v}"),
        )
    };
    let mut vendor: Option<String> = None;
    if let Some(v) = &first.vendor {
        if !known_vendor(v) {
            return Err(unknown_vendor(v));
        }
        vendor = Some(v.clone());
    }
    let mut model_name = first.model.clone();
    // The vendor is printed only when every definition names one.
    let mut output_vendor = first.vendor.is_some();
    for cpu in &cpus[1..] {
        output_vendor &= cpu.vendor.is_some();
        if model_name.is_some() && model_name != cpu.model {
            model_name = None;
        }
        let data = data_from_cpu(cpu, None)?;
        let model_vendor = cpu.model.as_deref().and_then(model_vendor);
        if let (Some(v), Some(mv)) = (&cpu.vendor, model_vendor) {
            if v != mv {
                return Err(cpu_err(
                    ErrorCode::OperationFailed,
                    format!(
                        "CPU vendor {mv} of model {} differs from vendor {v}",
                        cpu.model.as_deref().unwrap_or("")
                    ),
                ));
            }
        }
        let vn = cpu.vendor.as_deref().or(model_vendor);
        if let Some(vn) = vn {
            match &vendor {
                None => {
                    if !known_vendor(vn) {
                        return Err(unknown_vendor(vn));
                    }
                    vendor = Some(vn.to_string());
                }
                Some(v) if v != vn => {
                    return Err(cpu_err(
                        ErrorCode::OperationFailed,
                        "CPU vendors do not match",
                    ))
                }
                Some(_) => {}
            }
        }
        base.intersect(&data);
    }
    if let Some(hv) = hv {
        base.intersect(&hv.features);
    }
    if base.is_empty() {
        return Err(cpu_err(ErrorCode::OperationFailed, "CPUs are incompatible"));
    }
    let mut decoded = decode(
        &base,
        vendor.as_deref(),
        None,
        CpuKind::Guest,
        hv.map(|h| h.models.as_slice()),
        model_name.as_deref(),
    )?;
    if migratable {
        decoded.features.retain(|(name, _)| {
            map()
                .features
                .iter()
                .find(|(f, _)| f.name == name)
                .is_none_or(|(f, _)| f.migratable)
        });
    }
    decoded.vendor = vendor.filter(|_| output_vendor);
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_of(features: &[&str]) -> CpuData {
        let mut d = CpuData::new();
        for f in features {
            d.add(feature_data(f).unwrap());
        }
        d
    }

    #[test]
    fn model_data_decodes_to_itself() {
        let (m, data) = model("Westmere").unwrap();
        let d = decode(data, m.vendor, None, CpuKind::Guest, None, None).unwrap();
        assert_eq!(d.model, "Westmere");
        assert!(d.features.is_empty(), "{:?}", d.features);
    }

    #[test]
    fn features_come_out_in_map_order() {
        let mut d = data_of(&["sse2", "fpu", "avx"]);
        assert_eq!(take_features(&mut d), vec!["fpu", "sse2", "avx"]);
        assert!(d.is_empty());
    }

    #[test]
    fn aliases_translate_qemu_names() {
        assert_eq!(feature_from_qemu("sse3"), Some("pni"));
        assert_eq!(feature_from_qemu("avx2"), Some("avx2"));
        assert_eq!(feature_from_qemu("no-such-thing"), None);
    }
}
