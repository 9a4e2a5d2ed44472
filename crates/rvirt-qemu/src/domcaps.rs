//! `<domainCapabilities>` for one emulator, machine and virt type, in libvirt's layout.
//! Values that depend on the emulator come from its probe (CPU models and their
//! usability, device types); the rest are what libvirt's QEMU driver reports for QEMU 7.x.

use rvirt_xml::XmlWriter;

use crate::probe::EmulatorCaps;

/// Models libvirt's CPU map does not describe, which it therefore never lists.
fn listed_cpu_model(name: &str) -> bool {
    let versioned = name
        .rsplit_once("-v")
        .is_some_and(|(_, v)| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()));
    !versioned
        && !matches!(
            name,
            "max"
                | "base"
                | "host"
                | "Denverton"
                | "KnightsMill"
                | "SapphireRapids"
                | "Icelake-Client"
                | "Icelake-Client-noTSX"
                | "Snowridge-v1"
        )
}

/// The vendor libvirt's CPU map gives a model.
fn cpu_vendor(name: &str) -> &'static str {
    let amd = ["EPYC", "Opteron", "phenom", "athlon"];
    let intel = [
        "Westmere",
        "Snowridge",
        "Skylake",
        "SandyBridge",
        "Penryn",
        "Nehalem",
        "IvyBridge",
        "Icelake",
        "Haswell",
        "Cooperlake",
        "Conroe",
        "Cascadelake",
        "Broadwell",
        "n270",
        "coreduo",
        "core2duo",
    ];
    if name == "Dhyana" {
        "Hygon"
    } else if amd.iter().any(|p| name.starts_with(p)) {
        "AMD"
    } else if intel.iter().any(|p| name.starts_with(p)) {
        "Intel"
    } else {
        "unknown"
    }
}

/// Firmware a guest of one architecture and machine can boot, as libvirt lists it.
struct Firmware {
    /// `bios`, `efi`: the kinds the matching firmware descriptors offer.
    kinds: Vec<&'static str>,
    /// Executables, in descriptor order.
    loaders: Vec<String>,
    /// Some matching firmware does Secure Boot.
    secure: bool,
}

/// Directories of QEMU firmware descriptors; a file in an earlier one hides a file of the
/// same name in a later one.
const FIRMWARE_DIRS: &[&str] = &["/etc/qemu/firmware", "/usr/share/qemu/firmware"];

/// The loaders libvirt knows without descriptors (its built-in `nvram` list), when present.
const DEFAULT_LOADERS: &[&str] = &[
    "/usr/share/OVMF/OVMF_CODE.fd",
    "/usr/share/OVMF/OVMF_CODE.secboot.fd",
    "/usr/share/AAVMF/AAVMF_CODE.fd",
    "/usr/share/AAVMF/AAVMF32_CODE.fd",
];

/// A shell-style glob with `*` only (firmware descriptors' machine patterns).
fn glob_matches(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            text.starts_with(head)
                && (0..=text.len() - head.len()).any(|skip| {
                    text.get(head.len() + skip..)
                        .is_some_and(|tail| glob_matches(rest, tail))
                })
        }
    }
}

/// QEMU's name of a libvirt architecture in firmware descriptors.
fn qemu_arch_name(arch: &str) -> &str {
    match arch {
        "i686" => "i386",
        other => other,
    }
}

/// The firmware descriptors (sorted by file name) whose targets include `arch` and
/// `machine`; without any, libvirt's built-in loader list.
fn firmware_for(arch: &str, machine: &str) -> Firmware {
    let mut files: std::collections::BTreeMap<String, std::path::PathBuf> =
        std::collections::BTreeMap::new();
    for dir in FIRMWARE_DIRS.iter().rev() {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") {
                files.insert(name, entry.path());
            }
        }
    }
    let mut found = Firmware {
        kinds: Vec::new(),
        loaders: Vec::new(),
        secure: false,
    };
    let mut matched = false;
    for path in files.values() {
        let Some(doc) = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        else {
            continue;
        };
        let targets_match = doc["targets"].as_array().is_some_and(|targets| {
            targets.iter().any(|t| {
                t["architecture"].as_str() == Some(qemu_arch_name(arch))
                    && t["machines"].as_array().is_some_and(|ms| {
                        ms.iter()
                            .filter_map(|m| m.as_str())
                            .any(|m| glob_matches(m, machine))
                    })
            })
        });
        if !targets_match {
            continue;
        }
        let interfaces: Vec<&str> = doc["interface-types"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let kind = if interfaces.contains(&"uefi") {
            "efi"
        } else if interfaces.contains(&"bios") {
            "bios"
        } else {
            continue;
        };
        matched = true;
        if !found.kinds.contains(&kind) {
            found.kinds.push(kind);
        }
        if let Some(exe) = doc["mapping"]["executable"]["filename"]
            .as_str()
            .or_else(|| doc["mapping"]["filename"].as_str())
        {
            if !found.loaders.iter().any(|l| l == exe) {
                found.loaders.push(exe.to_string());
            }
        }
        let features = doc["features"].as_array();
        if features.is_some_and(|f| f.iter().any(|v| v.as_str() == Some("secure-boot"))) {
            found.secure = true;
        }
    }
    // libvirt lists BIOS before EFI.
    found.kinds.sort_by_key(|k| *k != "bios");
    if !matched {
        found.loaders = DEFAULT_LOADERS
            .iter()
            .filter(|p| std::path::Path::new(p).exists())
            .map(|p| p.to_string())
            .collect();
    }
    found
}

fn enum_values(w: &mut XmlWriter, name: &str, values: &[&str]) {
    if values.is_empty() {
        w.empty("enum", &[("name", Some(name))]);
        return;
    }
    w.open("enum", &[("name", Some(name))]);
    for v in values {
        w.text("value", &[], v);
    }
    w.close("enum");
}

/// Formats the document (host-model offered as unsupported).
pub fn format(caps: &EmulatorCaps, machine: &str, virt_type: &str) -> String {
    format_with_host_model(caps, machine, virt_type, None)
}

/// Formats the document with `host_model` as the host-model CPU when there is one.
pub fn format_with_host_model(
    caps: &EmulatorCaps,
    machine: &str,
    virt_type: &str,
    host_model: Option<&crate::cpu::x86::Decoded>,
) -> String {
    let mut w = XmlWriter::new();
    let machine_info = caps.machine(machine);
    w.open("domainCapabilities", &[]);
    w.text("path", &[], &caps.binary);
    w.text("domain", &[], virt_type);
    w.text("machine", &[], machine);
    w.text("arch", &[], &caps.arch);
    let max = machine_info.map(|m| m.cpu_max).unwrap_or(1).to_string();
    w.empty("vcpu", &[("max", Some(&max))]);
    w.empty("iothreads", &[("supported", Some("yes"))]);

    let x86 = matches!(caps.arch.as_str(), "x86_64" | "i686");
    let firmware = firmware_for(&caps.arch, machine);
    w.open("os", &[("supported", Some("yes"))]);
    enum_values(&mut w, "firmware", &firmware.kinds);
    w.open("loader", &[("supported", Some("yes"))]);
    for p in &firmware.loaders {
        w.text("value", &[], p);
    }
    enum_values(&mut w, "type", &["rom", "pflash"]);
    enum_values(&mut w, "readonly", &["yes", "no"]);
    let secure: &[&str] = if firmware.secure {
        &["yes", "no"]
    } else {
        &["no"]
    };
    enum_values(&mut w, "secure", secure);
    w.close("loader");
    w.close("os");

    w.open("cpu", &[]);
    let passthrough = if virt_type == "kvm" { "yes" } else { "no" };
    w.empty(
        "mode",
        &[
            ("name", Some("host-passthrough")),
            ("supported", Some(passthrough)),
        ],
    );
    w.open(
        "mode",
        &[("name", Some("maximum")), ("supported", Some("yes"))],
    );
    enum_values(&mut w, "maximumMigratable", &["on", "off"]);
    w.close("mode");
    match host_model {
        Some(decoded) => {
            w.open(
                "mode",
                &[("name", Some("host-model")), ("supported", Some("yes"))],
            );
            crate::cpu::write_model(&mut w, decoded, Some("forbid"));
            w.close("mode");
        }
        None => w.empty(
            "mode",
            &[("name", Some("host-model")), ("supported", Some("no"))],
        ),
    }
    w.open(
        "mode",
        &[("name", Some("custom")), ("supported", Some("yes"))],
    );
    let mut models: Vec<_> = caps
        .cpu_models
        .iter()
        .filter(|m| listed_cpu_model(&m.name))
        .collect();
    models.sort_by(|a, b| b.name.cmp(&a.name));
    for m in models {
        let usable = match m.usable {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        };
        let vendor = if x86 {
            crate::cpu::x86::model_vendor(&m.name).unwrap_or("unknown")
        } else {
            cpu_vendor(&m.name)
        };
        w.text(
            "model",
            &[("usable", Some(usable)), ("vendor", Some(vendor))],
            &m.name,
        );
    }
    w.close("mode");
    w.close("cpu");

    w.open("memoryBacking", &[("supported", Some("yes"))]);
    enum_values(&mut w, "sourceType", &["file", "anonymous", "memfd"]);
    w.close("memoryBacking");

    w.open("devices", &[]);
    w.open("disk", &[("supported", Some("yes"))]);
    enum_values(&mut w, "diskDevice", &["disk", "cdrom", "floppy", "lun"]);
    // Only i440fx machines have a built-in IDE controller.
    let builtin_ide = x86 && (machine.starts_with("pc-i440fx") || machine == "pc");
    let mut buses = if builtin_ide {
        vec!["ide", "fdc", "scsi", "virtio"]
    } else {
        vec!["fdc", "scsi", "virtio"]
    };
    if caps.has_device("usb-storage") {
        buses.push("usb");
    }
    if caps.has_device("ich9-ahci") {
        buses.push("sata");
    }
    enum_values(&mut w, "bus", &buses);
    enum_values(
        &mut w,
        "model",
        &["virtio", "virtio-transitional", "virtio-non-transitional"],
    );
    w.close("disk");
    w.open("graphics", &[("supported", Some("yes"))]);
    // QEMU 7.2 as Debian builds it has every display backend libvirt knows.
    let gfx = ["sdl", "vnc", "spice", "egl-headless", "dbus"];
    enum_values(&mut w, "type", &gfx);
    w.close("graphics");
    w.open("video", &[("supported", Some("yes"))]);
    let mut video = Vec::new();
    for (dev, name) in [
        ("VGA", "vga"),
        ("cirrus-vga", "cirrus"),
        ("vmware-svga", "vmvga"),
        ("qxl-vga", "qxl"),
        ("virtio-gpu-pci", "virtio"),
    ] {
        if caps.has_device(dev) {
            video.push(name);
        }
    }
    video.push("none");
    for (dev, name) in [("bochs-display", "bochs"), ("ramfb", "ramfb")] {
        if caps.has_device(dev) {
            video.push(name);
        }
    }
    enum_values(&mut w, "modelType", &video);
    w.close("video");
    w.open("hostdev", &[("supported", Some("yes"))]);
    enum_values(&mut w, "mode", &["subsystem"]);
    enum_values(
        &mut w,
        "startupPolicy",
        &["default", "mandatory", "requisite", "optional"],
    );
    enum_values(&mut w, "subsysType", &["usb", "pci", "scsi"]);
    enum_values(&mut w, "capsType", &[]);
    enum_values(&mut w, "pciBackend", &[]);
    w.close("hostdev");
    w.open("rng", &[("supported", Some("yes"))]);
    enum_values(
        &mut w,
        "model",
        &["virtio", "virtio-transitional", "virtio-non-transitional"],
    );
    enum_values(&mut w, "backendModel", &["random", "egd", "builtin"]);
    w.close("rng");
    w.open("filesystem", &[("supported", Some("yes"))]);
    enum_values(&mut w, "driverType", &["path", "handle", "virtiofs"]);
    w.close("filesystem");
    w.open("tpm", &[("supported", Some("yes"))]);
    enum_values(&mut w, "model", &["tpm-tis", "tpm-crb"]);
    enum_values(
        &mut w,
        "backendModel",
        &["passthrough", "emulator", "external"],
    );
    enum_values(&mut w, "backendVersion", &["1.2", "2.0"]);
    w.close("tpm");
    w.open("redirdev", &[("supported", Some("yes"))]);
    enum_values(&mut w, "bus", &["usb"]);
    w.close("redirdev");
    w.open("channel", &[("supported", Some("yes"))]);
    enum_values(&mut w, "type", &["pty", "unix", "spicevmc"]);
    w.close("channel");
    w.close("devices");

    w.open("features", &[]);
    w.empty("gic", &[("supported", Some("no"))]);
    w.empty("vmcoreinfo", &[("supported", Some("yes"))]);
    w.empty("genid", &[("supported", Some("yes"))]);
    w.empty("backingStoreInput", &[("supported", Some("yes"))]);
    w.empty("backup", &[("supported", Some("yes"))]);
    w.empty("sev", &[("supported", Some("no"))]);
    w.empty("sgx", &[("supported", Some("no"))]);
    w.open("hyperv", &[("supported", Some("yes"))]);
    enum_values(&mut w, "features", &["spinlocks", "vendor_id"]);
    w.close("hyperv");
    w.close("features");
    w.close("domainCapabilities");
    w.finish()
}
