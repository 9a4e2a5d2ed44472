//! CPU models the way libvirt's CPU driver handles them for x86: the host CPU in
//! `<capabilities>`, the host-model CPU of `<domainCapabilities>`, the CPU map's model
//! names, comparing a CPU with the host and baselining several CPUs.

pub mod hostcpu;
pub mod x86;
#[rustfmt::skip]
mod x86_map;

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::capabilities::HostCpu;
use rvirt_xml::XmlWriter;

use crate::probe::TcgCpuCaps;
use x86::{CpuDef, CpuKind, Decoded, HvModel, Policy};

/// `VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE`.
pub const COMPARE_FAIL_INCOMPATIBLE: u32 = 1;
/// `VIR_CONNECT_COMPARE_CPU_VALIDATE_XML`.
pub const COMPARE_VALIDATE_XML: u32 = 2;
/// `VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES`.
pub const BASELINE_EXPAND_FEATURES: u32 = 1;
/// `VIR_CONNECT_BASELINE_CPU_MIGRATABLE`.
pub const BASELINE_MIGRATABLE: u32 = 2;

/// The `<cpu>` of the host in `<capabilities>` (model, vendor, microcode, signature, TSC
/// counter, address width and features); the caller adds the topology.
pub fn host_cpu() -> Option<HostCpu> {
    // The host CPU does not change while the process runs (libvirtd also reads it once);
    // reading it costs a KVM VM for the TSC frequency.
    static HOST_CPU: std::sync::OnceLock<Option<HostCpu>> = std::sync::OnceLock::new();
    HOST_CPU.get_or_init(read_host_cpu).clone()
}

fn read_host_cpu() -> Option<HostCpu> {
    let host = hostcpu::read()?;
    let decoded = x86::decode(
        &host.data,
        host.vendor,
        Some(host.signature),
        CpuKind::Host,
        None,
        None,
    )
    .ok()?;
    let has = |name: &str| x86::feature_data(name).is_some_and(|f| host.data.contains(f));
    let counter = if has("invtsc") {
        hostcpu::tsc_info().map(|(hz, scaling)| {
            let scaling = if scaling { "yes" } else { "no" };
            (hz, Some(scaling.to_string()))
        })
    } else {
        None
    };
    Some(HostCpu {
        model: Some(decoded.model),
        vendor: decoded.vendor,
        microcode: hostcpu::microcode_version().filter(|v| *v != 0),
        signature: Some(host.signature),
        counter,
        topology: None,
        maxphysaddr: host.phys_bits.map(|b| ("emulate".to_string(), Some(b))),
        features: decoded.features.into_iter().map(|(f, _)| f).collect(),
    })
}

/// The CPUID data of QEMU's TCG `max` CPU, as libvirt builds it from the expansion's
/// enabled features (`migratable`: only those that do not block migration).
fn tcg_data(tcg: &TcgCpuCaps, migratable: bool) -> x86::CpuData {
    let mut data = x86::CpuData::new();
    for prop in &tcg.enabled_features {
        if migratable && tcg.non_migratable.contains(prop) {
            continue;
        }
        if let Some(bits) = x86::feature_from_qemu(prop).and_then(x86::feature_data) {
            data.add(bits);
        }
    }
    data
}

/// QEMU's models with libvirt's names of what blocks each under TCG.
fn tcg_models(tcg: &TcgCpuCaps) -> Vec<HvModel> {
    tcg.models
        .iter()
        .map(|(name, blockers)| HvModel {
            name: name.clone(),
            blockers: blockers
                .iter()
                .filter_map(|b| x86::feature_from_qemu(b).map(str::to_string))
                .collect(),
        })
        .collect()
}

fn tcg_vendor(tcg: &TcgCpuCaps) -> Option<&'static str> {
    tcg.vendor.as_deref().and_then(x86::vendor_from_string)
}

/// The host-model CPU libvirt offers for TCG guests: QEMU's `max` CPU decoded against the
/// models QEMU knows (with the features that block each of them).
pub fn tcg_host_model(tcg: &TcgCpuCaps) -> Option<Decoded> {
    x86::decode(
        &tcg_data(tcg, false),
        tcg_vendor(tcg),
        Some(tcg.signature),
        CpuKind::Guest,
        Some(&tcg_models(tcg)),
        None,
    )
    .ok()
}

/// The host-model CPU for KVM guests when QEMU's own view under KVM is not probed: the host
/// CPU decoded against QEMU's models, as libvirt does when QEMU cannot report it, without
/// the features QEMU never takes from a definition.
pub fn kvm_host_model(tcg: &TcgCpuCaps) -> Option<Decoded> {
    let host = hostcpu::read()?;
    let models: Vec<HvModel> = tcg
        .models
        .iter()
        .map(|(name, _)| HvModel {
            name: name.clone(),
            blockers: Vec::new(),
        })
        .collect();
    let mut decoded = x86::decode(
        &host.data,
        host.vendor,
        Some(host.signature),
        CpuKind::Guest,
        Some(&models),
        None,
    )
    .ok()?;
    decoded
        .features
        .retain(|(name, _)| !never_from_definition(name));
    Some(decoded)
}

/// Features libvirt's QEMU driver drops from CPU definitions it builds.
fn never_from_definition(name: &str) -> bool {
    matches!(
        name,
        "cmt" | "mbm_total" | "mbm_local" | "osxsave" | "ospke"
    )
}

/// `virConnectCompareHypervisorCPU`: `xml` against the host-model CPU.
/// With `virt_type` `kvm` the host-model CPU is the host's own; any other virt type runs
/// under TCG.
pub fn compare_hypervisor_xml(
    tcg: &TcgCpuCaps,
    virt_type: &str,
    xml: &str,
    flags: u32,
) -> Result<i32> {
    let cpu = CpuDef::parse(xml, false)?;
    let host = (virt_type == "kvm").then(hostcpu::read).flatten();
    let (data, vendor) = match host {
        Some(h) => (h.data, h.vendor),
        None => (tcg_data(tcg, false), tcg_vendor(tcg)),
    };
    let (result, reason) = x86::compare(&data, vendor, &cpu)?;
    if result == x86::Comparison::Incompatible && flags & COMPARE_FAIL_INCOMPATIBLE != 0 {
        return Err(cpu_err(
            ErrorCode::CpuIncompatible,
            reason.unwrap_or_default(),
        ));
    }
    Ok(result as i32)
}

/// `virConnectBaselineHypervisorCPU` for TCG: the baseline limited to what QEMU knows and
/// expressed in the models it can run.
pub fn baseline_hypervisor_xml(tcg: &TcgCpuCaps, xmls: &[String], flags: u32) -> Result<String> {
    if xmls.is_empty() {
        return Err(cpu_err(ErrorCode::InvalidArg, "no CPUs given"));
    }
    // Unlike virConnectBaselineCPU, guest CPU definitions are accepted too.
    let cpus = xmls
        .iter()
        .map(|x| CpuDef::parse(x, false))
        .collect::<Result<Vec<_>>>()?;
    let migratable = flags & BASELINE_MIGRATABLE != 0;
    let mut known = x86::CpuData::new();
    for prop in &tcg.known_features {
        if migratable && tcg.non_migratable.contains(prop) {
            continue;
        }
        if let Some(bits) = x86::feature_from_qemu(prop).and_then(x86::feature_data) {
            known.add(bits);
        }
    }
    let limits = x86::HvLimits {
        features: known,
        models: tcg_models(tcg),
    };
    // Migratability is QEMU's to judge here: the map's non-migratable features stay.
    let mut decoded = x86::baseline(&cpus, false, Some(&limits))?;
    if flags & BASELINE_EXPAND_FEATURES != 0 {
        decoded.features = expand_features(&decoded);
    }
    let mut w = XmlWriter::new();
    w.open("cpu", &[("mode", Some("custom")), ("match", Some("exact"))]);
    write_model(&mut w, &decoded, Some("forbid"));
    w.close("cpu");
    Ok(w.finish())
}

/// Writes `decoded` as the body of a host-model `<mode>` (or a baseline `<cpu>`).
pub fn write_model(w: &mut XmlWriter, decoded: &Decoded, fallback: Option<&str>) {
    w.text("model", &[("fallback", fallback)], &decoded.model);
    w.opt_text("vendor", decoded.vendor.as_deref());
    for (name, policy) in &decoded.features {
        w.empty(
            "feature",
            &[("policy", policy.as_str()), ("name", Some(name))],
        );
    }
}

fn cpu_err(code: ErrorCode, message: impl Into<String>) -> Error {
    Error::new(ErrorDomain::Cpu, code, message)
}

/// `virConnectGetCPUModelNames`: the CPU map's models for `arch`; empty for architectures
/// whose CPU driver accepts any model.
pub fn model_names(arch: &str) -> Result<Vec<String>> {
    if !rvirt_core::ARCH_NAMES.contains(&arch) {
        return Err(Error::new(
            ErrorDomain::Qemu,
            ErrorCode::InvalidArg,
            format!("cannot find architecture {arch}"),
        ));
    }
    let names: Vec<&str> = match arch {
        "x86_64" | "i686" => x86::model_names(),
        "ppc64" | "ppc64le" => x86_map::map().ppc64_models.clone(),
        "s390" | "s390x" | "armv6l" | "armv7l" | "armv7b" | "aarch64" => Vec::new(),
        _ => {
            return Err(cpu_err(
                ErrorCode::NoSupport,
                format!("'{arch}' architecture is not supported by CPU driver"),
            ))
        }
    };
    Ok(names.into_iter().map(str::to_string).collect())
}

/// `virConnectCompareCPU` against this host.
pub fn compare_xml(xml: &str, flags: u32) -> Result<i32> {
    let fail = flags & COMPARE_FAIL_INCOMPATIBLE != 0;
    let host = hostcpu::read();
    let cpu = CpuDef::parse(xml, false)?;
    let Some(host) = host else {
        if fail {
            return Err(cpu_err(ErrorCode::CpuIncompatible, "unknown host CPU"));
        }
        return Ok(x86::Comparison::Incompatible as i32);
    };
    let (result, reason) = x86::compare(&host.data, host.vendor, &cpu)?;
    if result == x86::Comparison::Incompatible && fail {
        return Err(cpu_err(
            ErrorCode::CpuIncompatible,
            reason.unwrap_or_default(),
        ));
    }
    Ok(result as i32)
}

/// `virConnectBaselineCPU`: the guest CPU all of `xmls` (host CPU definitions) can run.
pub fn baseline_xml(xmls: &[String], flags: u32) -> Result<String> {
    if xmls.is_empty() {
        return Err(cpu_err(ErrorCode::InvalidArg, "no CPUs given"));
    }
    let cpus = xmls
        .iter()
        .map(|x| CpuDef::parse(x, true))
        .collect::<Result<Vec<_>>>()?;
    let arch = cpus[0].arch.as_deref().unwrap_or("");
    match arch {
        "x86_64" | "i686" => {}
        "armv6l" | "armv7l" | "armv7b" | "aarch64" | "ppc64" | "ppc64le" => {
            // These CPU drivers keep the first CPU's model.
            let mut w = XmlWriter::new();
            w.open("cpu", &[("mode", Some("custom")), ("match", Some("exact"))]);
            let fallback = if arch.starts_with("ppc") {
                "forbid"
            } else {
                "allow"
            };
            if let Some(model) = &cpus[0].model {
                w.text("model", &[("fallback", Some(fallback))], model);
            }
            w.close("cpu");
            return Ok(w.finish());
        }
        "s390" | "s390x" => {
            return Err(cpu_err(
                ErrorCode::NoSupport,
                format!("cannot compute baseline CPU of {arch} architecture"),
            ))
        }
        _ => {
            return Err(cpu_err(
                ErrorCode::NoSupport,
                format!("'{arch}' architecture is not supported by CPU driver"),
            ))
        }
    }
    let mut decoded = x86::baseline(&cpus, flags & BASELINE_MIGRATABLE != 0, None)?;
    // QEMU never takes these from a definition, so libvirt's QEMU driver drops them.
    decoded
        .features
        .retain(|(name, _)| !never_from_definition(name));
    let common_model = cpus
        .iter()
        .all(|c| c.model == cpus[0].model)
        .then(|| cpus[0].model.clone())
        .flatten();
    if flags & BASELINE_EXPAND_FEATURES != 0 {
        decoded.features = expand_features(&decoded);
    }
    let mut w = XmlWriter::new();
    w.open("cpu", &[("mode", Some("custom")), ("match", Some("exact"))]);
    let fallback = if common_model.as_deref() == Some(decoded.model.as_str()) {
        "forbid"
    } else {
        "allow"
    };
    write_model(&mut w, &decoded, Some(fallback));
    w.close("cpu");
    Ok(w.finish())
}

/// libvirt's `virCPUExpandFeatures`: the model's own features made explicit, the
/// definition's required and disabled features applied on top, sorted by name.
fn expand_features(decoded: &Decoded) -> Vec<(String, Policy)> {
    let mut data = x86::feature_data_of_model(&decoded.model)
        .cloned()
        .unwrap_or_default();
    let mut out: Vec<(String, Policy)> = x86::take_features(&mut data)
        .into_iter()
        .map(|f| (f.to_string(), Policy::Require))
        .collect();
    for (name, policy) in &decoded.features {
        match out.iter_mut().find(|(n, _)| n == name) {
            Some(existing) => existing.1 = *policy,
            None => out.push((name.clone(), *policy)),
        }
    }
    out.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    out
}
