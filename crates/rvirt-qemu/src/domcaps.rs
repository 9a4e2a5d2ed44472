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

/// Formats the document.
pub fn format(caps: &EmulatorCaps, machine: &str, virt_type: &str) -> String {
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
    let ovmf = ["/usr/share/OVMF/OVMF_CODE_4M.fd"]
        .into_iter()
        .filter(|p| std::path::Path::new(p).exists())
        .collect::<Vec<_>>();
    w.open("os", &[("supported", Some("yes"))]);
    let firmware: Vec<&str> = if x86 && !ovmf.is_empty() {
        vec!["efi"]
    } else {
        vec![]
    };
    enum_values(&mut w, "firmware", &firmware);
    w.open("loader", &[("supported", Some("yes"))]);
    for p in &ovmf {
        w.text("value", &[], p);
    }
    enum_values(&mut w, "type", &["rom", "pflash"]);
    enum_values(&mut w, "readonly", &["yes", "no"]);
    enum_values(&mut w, "secure", &["no"]);
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
    // Deriving the host-model CPU needs libvirt's CPU map; not offered yet.
    w.empty(
        "mode",
        &[("name", Some("host-model")), ("supported", Some("no"))],
    );
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
        let vendor = cpu_vendor(&m.name);
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
    let mut buses = vec!["ide", "fdc", "scsi", "virtio"];
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
