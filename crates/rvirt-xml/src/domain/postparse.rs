//! libvirt's generic post-parse: the defaults `virDomainDefPostParse` fills in after reading
//! a definition (plus what the parser itself defaults), outside of devices.

use rvirt_core::{Error, ErrorDomain, Result};

use super::bitmap;
use super::devices;
use super::parse::scale_to_bytes;
use super::tree::Element;
use super::DomainDef;
use crate::parse::parse_ull;

/// `live`: the document is a running guest's state (aliases and runtime names are kept).
pub fn apply(def: &mut DomainDef, live: bool) -> Result<()> {
    os_defaults(def)?;
    memory_defaults(def)?;
    lifecycle_defaults(def);
    // Power-management switches without a value say nothing.
    if let Some(pm) = section_mut(def, "pm") {
        pm.children.retain(|c| c.has_attr("enabled"));
    }
    cpu_defaults(def)?;
    features_defaults(def);
    seclabel_defaults(def)?;
    clock_defaults(def);
    numatune_defaults(def)?;
    sysinfo_defaults(def);
    launch_security_defaults(def)?;
    canonical_sets(def);
    memory_tuning_defaults(def)?;
    iothread_defaults(def)?;
    vcpus_defaults(def)?;
    devices::apply(def, live)?;
    boot_order_defaults(def)?;
    canonicalize(def);
    // From here on the placement is stated, as it is in the printed document.
    def.vcpu_placement.explicit = true;
    Ok(())
}

fn section_mut<'a>(def: &'a mut DomainDef, name: &str) -> Option<&'a mut Element> {
    def.sections.iter_mut().find(|s| s.name == name)
}

fn os_defaults(def: &mut DomainDef) -> Result<()> {
    let os_type = def.os.os_type.clone();
    let os = match section_mut(def, "os") {
        Some(os) => os,
        None => {
            def.sections.push(Element::new("os"));
            let last = def.sections.len() - 1;
            &mut def.sections[last]
        }
    };
    // Which <os> children libvirt reads depends on the OS type.
    let container = [
        "init",
        "initarg",
        "initenv",
        "initdir",
        "inituser",
        "initgroup",
    ];
    let direct_boot = [
        "kernel", "initrd", "cmdline", "dtb", "root", "loader", "nvram", "acpi",
    ];
    let hvm_only = ["boot", "bootmenu", "bios", "smbios"];
    os.children.retain(|c| {
        let n = c.name.as_str();
        if container.contains(&n) {
            os_type == "exe"
        } else if direct_boot.contains(&n) {
            matches!(os_type.as_str(), "hvm" | "xen" | "linux" | "xenpvh" | "uml")
        } else if hvm_only.contains(&n) {
            os_type == "hvm"
        } else {
            true
        }
    });
    for c in os.children.iter_mut() {
        if c.text.as_deref() == Some("") && c.name != "nvram" && c.name != "loader" {
            c.text = None;
        }
    }
    os.children.retain(|c| {
        !(matches!(
            c.name.as_str(),
            "kernel" | "initrd" | "cmdline" | "dtb" | "root" | "init"
        ) && c.text.is_none())
    });
    if let Some(loader) = os.child_mut("loader") {
        let has_path = loader.text.as_deref().is_some_and(|t| !t.is_empty());
        if !has_path {
            loader.text = None;
        }
        if has_path && !loader.has_attr("type") {
            loader.set_attr("type", "rom");
        }
    }
    if let Some(nvram) = os.child_mut("nvram") {
        if nvram.text.as_deref().is_some_and(|t| t.is_empty()) {
            nvram.text = None;
        }
    }
    if os_type == "exe" && os.child("init").is_none() {
        return Err(Error::xml(
            ErrorDomain::Domain,
            "init binary must be specified",
        ));
    }
    // At most four boot devices are read.
    let mut boots = 0;
    os.children.retain(|c| {
        if c.name != "boot" {
            return true;
        }
        boots += 1;
        boots <= 4
    });
    if os.child_attr("smbios", "mode") == Some("none") {
        os.remove_children("smbios");
    }
    if let Some(fw) = os.child_mut("firmware") {
        // Enrolled keys only make sense with secure boot, which they switch on.
        let enrolled = fw
            .children
            .iter()
            .any(|f| f.attr("name") == Some("enrolled-keys") && f.attr("enabled") == Some("yes"));
        let has_secure = fw
            .children
            .iter()
            .any(|f| f.attr("name") == Some("secure-boot"));
        if enrolled && !has_secure {
            fw.children.push(
                Element::new("feature")
                    .with_attr("enabled", "yes")
                    .with_attr("name", "secure-boot"),
            );
        }
        // Features are kept per name, printed in libvirt's enum order.
        let order = ["enrolled-keys", "secure-boot"];
        let mut sorted = Vec::new();
        for name in order {
            if let Some(f) = fw
                .children
                .iter()
                .rev()
                .find(|f| f.attr("name") == Some(name))
            {
                sorted.push(f.clone());
            }
        }
        fw.children = sorted;
        if fw.children.is_empty() {
            os.remove_children("firmware");
        }
    }
    Ok(())
}

fn memory_defaults(def: &mut DomainDef) -> Result<()> {
    let numa_kib: u64 = def
        .section("cpu")
        .and_then(|c| c.child("numa"))
        .map(|n| {
            n.children_named("cell")
                .map(|cell| {
                    let v = cell.attr("memory").and_then(parse_ull).unwrap_or(0);
                    scale_to_bytes(v, cell.attr("unit"), 1024)
                        .unwrap_or(0)
                        .div_ceil(1024)
                })
                .sum()
        })
        .unwrap_or(0);
    let hotplug_kib: u64 = def
        .devices
        .iter()
        .filter(|d| d.name == "memory")
        .filter_map(|d| d.child("target").and_then(|t| t.child("size")))
        .map(|s| {
            let v = s.text.as_deref().and_then(parse_ull).unwrap_or(0);
            scale_to_bytes(v, s.attr("unit"), 1024)
                .unwrap_or(0)
                .div_ceil(1024)
        })
        .sum();
    if def.memory == 0 && numa_kib > 0 {
        def.memory = numa_kib + hotplug_kib;
    } else if hotplug_kib > def.memory {
        return Err(Error::xml(
            ErrorDomain::Domain,
            "Total size of memory devices exceeds the total memory size",
        ));
    }
    if def.memory.saturating_sub(hotplug_kib) == 0 {
        return Err(Error::xml(
            ErrorDomain::Domain,
            "Memory size must be specified via <memory> or in the <numa> configuration",
        ));
    }
    if def.current_memory == 0 || def.current_memory > def.memory {
        def.current_memory = def.memory;
    }
    if let Some(max) = def.section("maxMemory") {
        let max_kib = max.text.as_deref().and_then(parse_ull).unwrap_or(0);
        if max_kib != 0 && max_kib < def.memory {
            return Err(Error::xml(
                ErrorDomain::Domain,
                "maximum memory size must be equal or greater than the actual memory size",
            ));
        }
    }
    Ok(())
}

fn lifecycle_defaults(def: &mut DomainDef) {
    let lc = &mut def.lifecycle;
    if lc.on_poweroff.is_empty() {
        lc.on_poweroff = "destroy".into();
    }
    if lc.on_reboot.is_empty() {
        lc.on_reboot = "restart".into();
    }
    if lc.on_crash.is_empty() {
        lc.on_crash = "destroy".into();
    }
}

fn cpu_defaults(def: &mut DomainDef) -> Result<()> {
    let Some(cpu) = section_mut(def, "cpu") else {
        return Ok(());
    };
    let custom = cpu.attr("mode").is_none_or(|m| m == "custom");
    let named_model = cpu
        .child("model")
        .is_some_and(|m| m.text.as_deref().is_some_and(|t| !t.trim().is_empty()));
    if custom && !named_model && cpu.child("feature").is_some() {
        return Err(Error::xml(
            ErrorDomain::Cpu,
            "Non-empty feature list specified without CPU model",
        ));
    }
    for f in cpu.children.iter().filter(|c| c.name == "feature") {
        let policy = f.attr("policy").unwrap_or("require");
        if !matches!(
            policy,
            "force" | "require" | "optional" | "disable" | "forbid"
        ) {
            return Err(Error::config_unsupported(
                ErrorDomain::Cpu,
                "Invalid CPU feature policy",
            ));
        }
    }
    let mode = cpu.attr("mode").unwrap_or("custom").to_string();
    let has_model = cpu
        .child("model")
        .is_some_and(|m| m.text.as_deref().is_some_and(|t| !t.is_empty()));
    if !has_model {
        cpu.remove_children("model");
        // Without a model, "custom" and its match are not printed.
        if cpu.attr("mode").is_none_or(|m| m == "custom") {
            cpu.remove_attr("mode");
            cpu.remove_attr("match");
        }
    }
    if let Some(t) = cpu.child_mut("topology") {
        if !t.has_attr("dies") {
            t.set_attr("dies", "1");
        }
    }
    if mode == "custom" {
        if has_model && !cpu.has_attr("mode") {
            cpu.set_attr("mode", "custom");
        }
        if has_model && !cpu.has_attr("match") {
            cpu.set_attr("match", "exact");
        }
        if let Some(model) = cpu.child_mut("model") {
            if has_model && !model.has_attr("fallback") {
                model.set_attr("fallback", "allow");
            }
        }
    } else {
        cpu.remove_attr("match");
    }
    for f in cpu.children.iter_mut().filter(|c| c.name == "feature") {
        if !f.has_attr("policy") {
            f.set_attr("policy", "require");
        }
    }
    if let Some(numa) = cpu.child_mut("numa") {
        numa_distances(numa);
        if let Some(ic) = numa.child_mut("interconnects") {
            for bw in ic.children.iter_mut().filter(|c| c.name == "bandwidth") {
                if !bw.has_attr("unit") {
                    bw.set_attr("unit", "KiB");
                }
            }
        }
        for cell in numa.children.iter_mut().filter(|c| c.name == "cell") {
            for cache in cell.children.iter_mut().filter(|c| c.name == "cache") {
                // Cache line sizes are kept as a byte count.
                if let Some(line) = cache.child_mut("line") {
                    line.set_attr("unit", "B");
                }
            }
        }
        for (i, cell) in numa
            .children
            .iter_mut()
            .filter(|c| c.name == "cell")
            .enumerate()
        {
            if !cell.has_attr("id") {
                cell.set_attr("id", &i.to_string());
            }
            let v = cell.attr("memory").and_then(parse_ull).unwrap_or(0);
            let kib = scale_to_bytes(v, cell.attr("unit"), 1024)
                .unwrap_or(0)
                .div_ceil(1024);
            cell.set_attr("memory", &kib.to_string());
            cell.set_attr("unit", "KiB");
        }
    }
    if cpu.is_empty() {
        def.sections.retain(|s| s.name != "cpu");
    }
    Ok(())
}

/// `<seclabel>`: relabeling defaults by type; labels libvirt generates for dynamic labels
/// and image labels are runtime state and are not read from a definition.
fn seclabel_defaults(def: &mut DomainDef) -> Result<()> {
    let labels = def.sections.iter().filter(|s| s.name == "seclabel").count();
    if labels > 1
        && def
            .sections
            .iter()
            .any(|s| s.name == "seclabel" && !s.has_attr("model"))
    {
        return Err(Error::xml(
            ErrorDomain::Domain,
            "missing security model when using multiple labels",
        ));
    }
    // Without a security driver to name it, a label without a model is not kept.
    def.sections
        .retain(|s| s.name != "seclabel" || s.has_attr("model"));
    for sl in def.sections.iter_mut().filter(|s| s.name == "seclabel") {
        let ty = sl.attr("type").unwrap_or("dynamic").to_string();
        if !sl.has_attr("type") {
            sl.set_attr("type", "dynamic");
        }
        if ty == "none" {
            sl.remove_attr("relabel");
        } else if !sl.has_attr("relabel") {
            sl.set_attr("relabel", if ty == "dynamic" { "yes" } else { "no" });
        }
        sl.remove_children("imagelabel");
        if ty != "static" {
            sl.remove_children("label");
        }
        if ty != "dynamic" {
            sl.remove_children("baselabel");
        }
    }
    Ok(())
}

/// NUMA distances are symmetric and a node is at distance 10 from itself: libvirt fills in
/// what the document leaves out once any distance is given.
fn numa_distances(numa: &mut Element) {
    let cells: Vec<(u64, Vec<(u64, String)>)> = numa
        .children_named("cell")
        .enumerate()
        .map(|(i, c)| {
            let id = c.attr("id").and_then(parse_ull).unwrap_or(i as u64);
            let sibs = c
                .child("distances")
                .map(|d| {
                    d.children_named("sibling")
                        .filter_map(|s| {
                            Some((
                                s.attr("id").and_then(parse_ull)?,
                                s.attr("value")?.to_string(),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            (id, sibs)
        })
        .collect();
    if cells.iter().all(|(_, s)| s.is_empty()) {
        return;
    }
    let lookup = |from: u64, to: u64| -> Option<String> {
        cells
            .iter()
            .find(|(id, _)| *id == from)
            .and_then(|(_, s)| s.iter().find(|(t, _)| *t == to).map(|(_, v)| v.clone()))
    };
    let ids: Vec<u64> = cells.iter().map(|(id, _)| *id).collect();
    for cell in numa.children.iter_mut().filter(|c| c.name == "cell") {
        let Some(me) = cell
            .attr("id")
            .and_then(parse_ull)
            .or_else(|| ids.first().copied())
        else {
            continue;
        };
        // A node is at distance 10 from itself once it has any distance at all.
        let has_any = ids
            .iter()
            .any(|&o| o != me && (lookup(me, o).is_some() || lookup(o, me).is_some()))
            || lookup(me, me).is_some();
        let mut dist = Element::new("distances");
        for &other in &ids {
            let value = lookup(me, other)
                .or_else(|| lookup(other, me))
                .or_else(|| (me == other && has_any).then(|| "10".to_string()));
            if let Some(v) = value {
                dist.children.push(
                    Element::new("sibling")
                        .with_attr("id", &other.to_string())
                        .with_attr("value", &v),
                );
            }
        }
        cell.remove_children("distances");
        if !dist.children.is_empty() {
            cell.children.insert(0, dist);
        }
    }
}

fn features_defaults(def: &mut DomainDef) {
    let Some(features) = section_mut(def, "features") else {
        return;
    };
    // On/off features given without a state are switched on.
    for f in features.children.iter_mut() {
        let switch = matches!(
            f.name.as_str(),
            "hap"
                | "pvspinlock"
                | "pmu"
                | "vmport"
                | "smm"
                | "vmcoreinfo"
                | "htm"
                | "nested-hv"
                | "ccf-assist"
        );
        if switch && !f.has_attr("state") {
            f.set_attr("state", "on");
        }
    }
    if let Some(hv) = features.child_mut("hyperv") {
        if !hv.has_attr("mode") {
            hv.set_attr("mode", "custom");
        }
    }
}

fn clock_defaults(def: &mut DomainDef) {
    if def.section("clock").is_none() {
        def.sections.push(Element::new("clock"));
    }
    if let Some(clock) = section_mut(def, "clock") {
        if !clock.has_attr("offset") {
            clock.set_attr("offset", "utc");
        }
    }
}

fn numatune_defaults(def: &mut DomainDef) -> Result<()> {
    let has_cells = def
        .section("cpu")
        .and_then(|c| c.child("numa"))
        .is_some_and(|n| n.child("cell").is_some());
    let vcpu_auto = def.vcpu_placement.placement == "auto";
    let mut memory_auto = false;
    if let Some(nt) = section_mut(def, "numatune") {
        if nt.child("memnode").is_some() && !has_cells {
            return Err(Error::xml(
                ErrorDomain::Domain,
                "Element 'memnode' is invalid without any guest NUMA cells",
            ));
        }
        for m in nt.children.iter_mut() {
            let mode = m.attr("mode").unwrap_or("strict").to_string();
            if !matches!(
                mode.as_str(),
                "strict" | "preferred" | "interleave" | "restrictive"
            ) {
                return Err(Error::config_unsupported(
                    ErrorDomain::Domain,
                    format!("Unsupported NUMA memory tuning mode '{mode}'"),
                ));
            }
            m.set_attr("mode", &mode);
            if m.name != "memory" {
                continue;
            }
            let placement = m.attr("placement").map(str::to_string);
            if m.has_attr("nodeset") {
                // A node set means static placement, which is not printed.
                m.remove_attr("placement");
            } else if placement.as_deref() == Some("static") {
                return Err(Error::config_unsupported(
                    ErrorDomain::Domain,
                    "nodeset for NUMA memory tuning must be set if 'placement' is 'static'",
                ));
            } else if placement.as_deref() == Some("auto") || vcpu_auto {
                m.set_attr("placement", "auto");
                memory_auto = true;
            }
        }
    }
    // Automatic memory placement takes the vCPUs with it, unless they say otherwise.
    if memory_auto && !def.vcpu_placement.explicit {
        def.vcpu_placement.placement = "auto".into();
    }
    if def.vcpu_placement.placement != "auto" {
        return Ok(());
    }
    if def.section("numatune").is_none() {
        def.sections.push(Element::new("numatune"));
    }
    if let Some(nt) = section_mut(def, "numatune") {
        if nt.child("memory").is_none() {
            nt.children.insert(
                0,
                Element::new("memory")
                    .with_attr("mode", "strict")
                    .with_attr("placement", "auto"),
            );
        }
    }
    Ok(())
}

fn sysinfo_defaults(def: &mut DomainDef) {
    for s in def.sections.iter_mut().filter(|s| s.name == "sysinfo") {
        // The system UUID is printed in canonical form.
        if let Some(system) = s.child_mut("system") {
            for e in system.children.iter_mut() {
                if e.attr("name") == Some("uuid") {
                    let text = e.text.as_deref().unwrap_or("").trim().replace('-', "");
                    if let Ok(u) = uuid::Uuid::parse_str(&text) {
                        e.text = Some(u.hyphenated().to_string());
                    }
                }
            }
        }
        if s.attr("type") == Some("fwcfg") {
            for e in s.children.iter_mut().filter(|c| c.name == "entry") {
                if e.has_attr("file") {
                    e.text = None;
                }
            }
        }
    }
}

fn launch_security_defaults(def: &mut DomainDef) -> Result<()> {
    let Some(ls) = section_mut(def, "launchSecurity") else {
        return Ok(());
    };
    let ty = ls.attr("type").unwrap_or("").to_string();
    if !matches!(ty.as_str(), "sev" | "s390-pv") {
        return Err(Error::xml(
            ErrorDomain::Xml,
            format!("Invalid value for attribute 'type' in element 'launchSecurity': '{ty}'."),
        ));
    }
    if let Some(p) = ls.child_mut("policy") {
        if let Some(v) = p.text.as_deref().and_then(|t| parse_ull(t.trim())) {
            p.text = Some(format!("0x{v:04x}"));
        }
    }
    Ok(())
}

/// HVM guests boot from the disk when neither `<os><boot>` nor per-device boot orders say
/// otherwise; mixing both, or reusing an order, is rejected.
fn boot_order_defaults(def: &mut DomainDef) -> Result<()> {
    if def.os.os_type != "hvm" {
        return Ok(());
    }
    // A host-side boot loader replaces the guest's boot device list.
    if def.section("bootloader").is_some() {
        if let Some(os) = section_mut(def, "os") {
            os.children
                .retain(|c| !matches!(c.name.as_str(), "boot" | "bootmenu" | "bios"));
        }
        return Ok(());
    }
    let mut orders: Vec<String> = Vec::new();
    for dev in &def.devices {
        let boots = dev.children_named("boot").chain(
            // Interfaces and hostdevs keep boot at the same level.
            std::iter::empty(),
        );
        for b in boots {
            let Some(o) = b.attr("order") else { continue };
            if orders.iter().any(|x| x == o) {
                return Err(Error::config_unsupported(
                    ErrorDomain::Domain,
                    format!("boot order '{o}' used for more than one device"),
                ));
            }
            orders.push(o.to_string());
        }
    }
    let os = section_mut(def, "os");
    let os_boot = os.as_ref().is_some_and(|o| o.child("boot").is_some());
    if os_boot && !orders.is_empty() {
        return Err(Error::config_unsupported(
            ErrorDomain::Domain,
            "per-device boot elements cannot be used together with os/boot elements",
        ));
    }
    if let Some(os) = os {
        if !os_boot && orders.is_empty() {
            os.children
                .push(Element::new("boot").with_attr("dev", "hd"));
        }
    }
    Ok(())
}

/// CPU and node sets are printed in libvirt's canonical range form.
fn canonical_sets(def: &mut DomainDef) {
    if let Some(c) = def
        .vcpu_placement
        .cpuset
        .as_deref()
        .and_then(bitmap::canonical)
    {
        def.vcpu_placement.cpuset = Some(c);
    }
    fn fix(el: &mut Element, key: &'static str) {
        if let Some(c) = el.attr(key).and_then(bitmap::canonical) {
            el.set_attr(key, &c);
        }
    }
    for s in def.sections.iter_mut() {
        match s.name.as_str() {
            "cputune" => {
                for c in s.children.iter_mut() {
                    fix(c, "cpuset");
                    fix(c, "vcpus");
                    fix(c, "iothreads");
                    for m in c.children.iter_mut() {
                        fix(m, "vcpus");
                    }
                }
                split_schedulers(s);
            }
            "numatune" => {
                for c in s.children.iter_mut() {
                    fix(c, "nodeset");
                }
            }
            "cpu" => {
                if let Some(numa) = s.child_mut("numa") {
                    for cell in numa.children.iter_mut() {
                        fix(cell, "cpus");
                    }
                }
            }
            "memoryBacking" => {
                if let Some(hp) = s.child_mut("hugepages") {
                    for page in hp.children.iter_mut() {
                        fix(page, "nodeset");
                    }
                }
            }
            _ => {}
        }
    }
}

const MAX_IOTHREADS: u64 = 65_536;

/// `<iothreads>` and `<iothreadids>` agree: listed ids raise the count, and a count above
/// the listed ids is filled with the lowest free ids (printed only when some were listed).
fn iothread_defaults(def: &mut DomainDef) -> Result<()> {
    let count = def
        .section("iothreads")
        .and_then(|e| e.text.as_deref())
        .and_then(|t| t.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let mut ids: Vec<u64> = def
        .section("iothreadids")
        .map(|e| {
            e.children_named("iothread")
                .filter_map(|t| t.attr("id").and_then(|i| i.parse().ok()))
                .collect()
        })
        .unwrap_or_default();
    let total = count.max(ids.len() as u64);
    // Each I/O thread is a host thread; refuse counts no host could run rather than
    // allocating for them.
    if total > MAX_IOTHREADS {
        return Err(Error::config_unsupported(
            ErrorDomain::Domain,
            format!("iothreads count {total} exceeds the supported maximum {MAX_IOTHREADS}"),
        ));
    }
    if total == 0 {
        def.sections
            .retain(|s| s.name != "iothreads" && s.name != "iothreadids");
        return Ok(());
    }
    match def.sections.iter_mut().find(|s| s.name == "iothreads") {
        Some(e) => e.text = Some(total.to_string()),
        None => def
            .sections
            .push(Element::new("iothreads").with_text(&total.to_string())),
    }
    if let Some(list) = def.sections.iter_mut().find(|s| s.name == "iothreadids") {
        let mut used: std::collections::HashSet<u64> = ids.drain(..).collect();
        let mut count = used.len() as u64;
        let mut next = 1;
        while count < total {
            while used.contains(&next) {
                next += 1;
            }
            used.insert(next);
            count += 1;
            list.children
                .push(Element::new("iothread").with_attr("id", &next.to_string()));
        }
    }
    Ok(())
}

/// Memory tunables are printed in KiB; hugepage sizes likewise.
fn memory_tuning_defaults(def: &mut DomainDef) -> Result<()> {
    let cells = def
        .section("cpu")
        .and_then(|c| c.child("numa"))
        .map(|n| n.children_named("cell").count() as u64)
        .unwrap_or(0);
    let has_numa = cells > 0;
    for s in def.sections.iter_mut() {
        match s.name.as_str() {
            "memtune" => {
                for c in s.children.iter_mut() {
                    devices::size_in_kib(c);
                }
            }
            "memoryBacking" => {
                if let Some(hp) = s.child_mut("hugepages") {
                    for page in hp.children.iter_mut() {
                        if let Some(v) = page.attr("size").and_then(parse_ull) {
                            let kib = scale_to_bytes(v, page.attr("unit"), 1024)
                                .unwrap_or(0)
                                .div_ceil(1024);
                            page.set_attr("size", &kib.to_string());
                            page.set_attr("unit", "KiB");
                        }
                        // Huge pages can only be placed on nodes the guest has; without
                        // guest NUMA there is just node 0, and naming it says nothing.
                        if let Some(set) = page.attr("nodeset") {
                            let nodes = bitmap::parse(set)?;
                            let available = cells.max(1);
                            if let Some(missing) = nodes.iter().find(|n| **n >= available) {
                                return Err(Error::new(
                                    ErrorDomain::Domain,
                                    rvirt_core::ErrorCode::XmlDetail,
                                    format!("hugepages: node {missing} not found"),
                                ));
                            }
                        }
                        if !has_numa {
                            page.remove_attr("nodeset");
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Keeps devices grouped by kind, and every tree in libvirt's print order, so that equal
/// definitions compare equal whatever order their documents used.
pub fn canonicalize(def: &mut DomainDef) {
    // Tuning sections with nothing in them are not printed.
    def.sections.retain(|s| {
        !(s.is_empty()
            && matches!(
                s.name.as_str(),
                "cputune"
                    | "memtune"
                    | "blkiotune"
                    | "numatune"
                    | "memoryBacking"
                    | "pm"
                    | "perf"
                    | "idmap"
                    | "resource"
                    | "vcpus"
                    | "iothreadids"
                    | "keywrap"
                    | "features"
            ))
    });
    let order = super::schema::devices_spec().children;
    let rank = |name: &str| order.iter().position(|k| *k == name).unwrap_or(usize::MAX);
    if !super::tree::follows_order(def.devices.iter().map(|d| d.name.as_str()), order) {
        def.devices.sort_by_cached_key(|d| rank(&d.name));
    }
    // One path buffer for every tree.
    let mut path = String::with_capacity(128);
    for dev in def.devices.iter_mut() {
        path.clear();
        path.push_str("domain/devices/");
        path.push_str(&dev.name);
        super::tree::canonicalize_at(dev, &mut path);
    }
    for section in def.sections.iter_mut() {
        path.clear();
        path.push_str("domain/");
        path.push_str(&section.name);
        super::tree::canonicalize_at(section, &mut path);
    }
}

/// [`canonicalize`] for the devices of one kind, after a step that changed only those.
pub fn canonicalize_kind(def: &mut DomainDef, kind: &str) {
    let mut path = format!("domain/devices/{kind}");
    for dev in def.devices.iter_mut().filter(|d| d.name == kind) {
        super::tree::canonicalize_at(dev, &mut path);
    }
}

/// `<vcpusched>` and `<iothreadsched>` name sets of threads; libvirt keeps one scheduler per
/// thread and prints one element for each.
fn split_schedulers(cputune: &mut Element) {
    let mut out = Vec::with_capacity(cputune.children.len());
    for c in cputune.children.drain(..) {
        let key = match c.name.as_str() {
            "vcpusched" => "vcpus",
            "iothreadsched" => "iothreads",
            _ => {
                out.push(c);
                continue;
            }
        };
        match c.attr(key).and_then(|set| bitmap::parse(set).ok()) {
            Some(ids) if ids.len() > 1 => {
                for id in ids {
                    let mut one = c.clone();
                    one.set_attr(key, &id.to_string());
                    out.push(one);
                }
            }
            _ => out.push(c),
        }
    }
    cputune.children = out;
}

const MAX_LISTED_VCPUS: u32 = 16_384;

/// `<vcpus>`: every vCPU up to the maximum is listed, the unlisted ones offline; the
/// online ones set the current count; hot-pluggability defaults to "offline ones are".
fn vcpus_defaults(def: &mut DomainDef) -> Result<()> {
    let max = def.vcpus;
    let Some(list) = def.sections.iter_mut().find(|s| s.name == "vcpus") else {
        return Ok(());
    };
    // One entry per vCPU is kept; refuse counts no guest can have rather than allocate.
    if max > MAX_LISTED_VCPUS {
        return Err(Error::config_unsupported(
            ErrorDomain::Domain,
            format!("maximum vcpus count {max} exceeds the supported {MAX_LISTED_VCPUS}"),
        ));
    }
    let mut table: Vec<Option<Element>> = vec![None; max as usize];
    for v in list.children.iter().filter(|c| c.name == "vcpu") {
        let Some(id) = v.attr("id").and_then(|i| i.parse::<u32>().ok()) else {
            return Err(Error::xml(ErrorDomain::Domain, "missing vcpu id"));
        };
        if id >= max {
            return Err(Error::xml(
                ErrorDomain::Domain,
                format!("vcpu id '{id}' is out of range of maximum vcpu count"),
            ));
        }
        table[id as usize] = Some(v.clone());
    }
    let mut online = 0;
    list.children = table
        .into_iter()
        .enumerate()
        .map(|(id, v)| {
            let mut v = v.unwrap_or_else(|| Element::new("vcpu").with_attr("enabled", "no"));
            v.set_attr("id", &id.to_string());
            let enabled = v.attr("enabled") == Some("yes");
            if enabled {
                online += 1;
            }
            if !v.has_attr("hotpluggable") {
                v.set_attr("hotpluggable", if enabled { "no" } else { "yes" });
            }
            v
        })
        .collect();
    def.current_vcpus = online;
    Ok(())
}
