//! Checks libvirt makes while parsing and after post-parse (`virDomainDefValidate`), with
//! its errors.

use std::collections::HashMap;
use std::sync::OnceLock;

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

use super::schema::FastNameHash;
use super::tree::Element;
use super::DomainDef;

fn invalid_attr(attr: &str, element: &str, value: &str) -> Error {
    Error::xml(
        ErrorDomain::Xml,
        format!("Invalid value for attribute '{attr}' in element '{element}': '{value}'."),
    )
}

fn missing_attr(attr: &str, element: &str) -> Error {
    Error::xml(
        ErrorDomain::Xml,
        format!("Missing required attribute '{attr}' in element '{element}'"),
    )
}

/// How libvirt reports a value outside an enumeration.
#[derive(Clone, Copy)]
enum Style {
    /// `XML error: Invalid value for attribute 'A' in element 'E': 'V'.` (from VIR_FROM_XML).
    Attr,
    /// `unsupported configuration: <prefix>'V'` (VIR_FROM_DOMAIN).
    Quoted(&'static str),
    /// `unsupported configuration: <prefix>V` (VIR_FROM_DOMAIN).
    Bare(&'static str),
    /// The `Attr` message, reported from VIR_FROM_DOMAIN.
    AttrFromDomain,
}

/// One enumerated attribute: element path below `<devices>` (or the section path), attribute,
/// accepted values (libvirt 9.0's), and how a bad value is reported.
struct EnumCheck {
    path: &'static str,
    attr: &'static str,
    values: &'static [&'static str],
    style: Style,
}

const ON_OFF: &[&str] = &["on", "off"];
const YES_NO: &[&str] = &["yes", "no"];

const DEVICE_ENUMS: &[EnumCheck] = &[
    EnumCheck {
        path: "disk",
        attr: "type",
        values: &[
            "file",
            "block",
            "dir",
            "network",
            "volume",
            "nvme",
            "vhostuser",
        ],
        style: Style::Attr,
    },
    EnumCheck {
        path: "disk",
        attr: "device",
        values: &["disk", "cdrom", "floppy", "lun"],
        style: Style::Attr,
    },
    EnumCheck {
        path: "disk/target",
        attr: "bus",
        values: &[
            "ide", "fdc", "scsi", "virtio", "xen", "usb", "uml", "sata", "sd",
        ],
        style: Style::Attr,
    },
    EnumCheck {
        path: "disk/driver",
        attr: "type",
        values: &[
            "none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd",
            "ploop", "cow", "qcow", "qcow2", "qed", "vmdk", "luks",
        ],
        style: Style::Quoted("unknown driver format value "),
    },
    EnumCheck {
        path: "disk/driver",
        attr: "cache",
        values: &[
            "default",
            "none",
            "writethrough",
            "writeback",
            "directsync",
            "unsafe",
        ],
        style: Style::Attr,
    },
    EnumCheck {
        path: "disk/driver",
        attr: "io",
        values: &["native", "threads", "io_uring"],
        style: Style::Attr,
    },
    EnumCheck {
        path: "disk/driver",
        attr: "discard",
        values: &["unmap", "ignore"],
        style: Style::Attr,
    },
    EnumCheck {
        path: "disk/driver",
        attr: "detect_zeroes",
        values: &["off", "on", "unmap"],
        style: Style::Attr,
    },
    EnumCheck {
        path: "disk/driver",
        attr: "error_policy",
        values: &["stop", "report", "ignore", "enospace"],
        style: Style::Attr,
    },
    EnumCheck {
        path: "interface",
        attr: "type",
        values: &[
            "user",
            "ethernet",
            "vhostuser",
            "server",
            "client",
            "mcast",
            "network",
            "bridge",
            "internal",
            "direct",
            "hostdev",
            "udp",
            "vdpa",
            "null",
            "vds",
        ],
        style: Style::Attr,
    },
    EnumCheck {
        path: "interface/link",
        attr: "state",
        values: &["up", "down"],
        style: Style::Attr,
    },
    EnumCheck {
        path: "controller",
        attr: "type",
        values: &[
            "ide",
            "fdc",
            "scsi",
            "sata",
            "virtio-serial",
            "ccid",
            "usb",
            "pci",
            "xenbus",
            "isa",
        ],
        style: Style::Attr,
    },
    EnumCheck {
        path: "graphics",
        attr: "type",
        values: &[
            "sdl",
            "vnc",
            "rdp",
            "desktop",
            "spice",
            "egl-headless",
            "dbus",
        ],
        style: Style::Attr,
    },
    EnumCheck {
        path: "video/model",
        attr: "type",
        values: &[
            "vga",
            "cirrus",
            "vmvga",
            "xen",
            "vbox",
            "qxl",
            "parallels",
            "virtio",
            "gop",
            "none",
            "bochs",
            "ramfb",
        ],
        style: Style::Quoted("unknown video model "),
    },
    EnumCheck {
        path: "input",
        attr: "type",
        values: &["mouse", "tablet", "keyboard", "passthrough", "evdev"],
        style: Style::Quoted("unknown input device type "),
    },
    EnumCheck {
        path: "input",
        attr: "bus",
        values: &["ps2", "usb", "xen", "parallels", "virtio", "none"],
        style: Style::Quoted("unknown input bus type "),
    },
    EnumCheck {
        path: "memballoon",
        attr: "model",
        values: &[
            "virtio",
            "xen",
            "none",
            "virtio-transitional",
            "virtio-non-transitional",
        ],
        style: Style::Attr,
    },
    EnumCheck {
        path: "watchdog",
        attr: "model",
        values: &["i6300esb", "ib700", "diag288"],
        style: Style::Quoted("unknown watchdog model "),
    },
    EnumCheck {
        path: "watchdog",
        attr: "action",
        values: &[
            "reset",
            "shutdown",
            "poweroff",
            "pause",
            "dump",
            "none",
            "inject-nmi",
        ],
        style: Style::Quoted("unknown watchdog action "),
    },
    EnumCheck {
        path: "rng",
        attr: "model",
        values: &["virtio", "virtio-transitional", "virtio-non-transitional"],
        style: Style::Quoted("unknown RNG model "),
    },
    EnumCheck {
        path: "tpm",
        attr: "model",
        values: &["tpm-tis", "tpm-crb", "tpm-spapr", "spapr-tpm-proxy"],
        style: Style::Attr,
    },
    EnumCheck {
        path: "filesystem",
        attr: "type",
        values: &[
            "mount", "block", "file", "template", "ram", "bind", "volume",
        ],
        style: Style::Attr,
    },
    EnumCheck {
        path: "panic",
        attr: "model",
        values: &["isa", "pseries", "hyperv", "s390"],
        style: Style::Quoted("unknown panic model "),
    },
    EnumCheck {
        path: "sound",
        attr: "model",
        values: &[
            "sb16", "es1370", "pcspk", "ac97", "ich6", "ich9", "usb", "ich7",
        ],
        style: Style::Attr,
    },
];

const MORE_DEVICE_ENUMS: &[EnumCheck] = &[
    EnumCheck {
        path: "disk/source",
        attr: "protocol",
        values: &[
            "nbd", "rbd", "sheepdog", "gluster", "iscsi", "http", "https", "ftp", "ftps", "tftp",
            "ssh", "vxhs", "nfs",
        ],
        style: Style::Attr,
    },
    EnumCheck {
        path: "interface/backend",
        attr: "type",
        values: &["default"],
        style: Style::AttrFromDomain,
    },
    EnumCheck {
        path: "tpm/backend",
        attr: "type",
        values: &["passthrough", "emulator", "external"],
        style: Style::Attr,
    },
    EnumCheck {
        path: "rng/backend",
        attr: "model",
        values: &["random", "egd", "builtin"],
        style: Style::Quoted("unknown RNG backend model "),
    },
];

const CHR_TYPES: &[&str] = &[
    "null",
    "vc",
    "pty",
    "dev",
    "file",
    "pipe",
    "stdio",
    "udp",
    "tcp",
    "unix",
    "spicevmc",
    "spiceport",
    "nmdm",
    "qemu-vdagent",
    "dbus",
];

const SECTION_ENUMS: &[EnumCheck] = &[
    EnumCheck {
        path: "os/boot",
        attr: "dev",
        values: &["fd", "hd", "cdrom", "network"],
        style: Style::Attr,
    },
    EnumCheck {
        path: "clock",
        attr: "offset",
        values: &["utc", "localtime", "variable", "timezone", "absolute"],
        style: Style::Quoted("unknown clock offset "),
    },
    EnumCheck {
        path: "clock/timer",
        attr: "name",
        values: &[
            "platform",
            "pit",
            "rtc",
            "hpet",
            "tsc",
            "kvmclock",
            "hypervclock",
            "armvtimer",
        ],
        style: Style::Attr,
    },
    EnumCheck {
        path: "cpu",
        attr: "match",
        values: &["minimum", "exact", "strict"],
        style: Style::Attr,
    },
    EnumCheck {
        path: "seclabel",
        attr: "type",
        values: &["dynamic", "static", "none"],
        style: Style::Attr,
    },
    EnumCheck {
        path: "pm/suspend-to-mem",
        attr: "enabled",
        values: YES_NO,
        style: Style::Attr,
    },
    EnumCheck {
        path: "pm/suspend-to-disk",
        attr: "enabled",
        values: YES_NO,
        style: Style::Attr,
    },
];

fn enum_error(check: &EnumCheck, element: &str, value: &str) -> Error {
    match check.style {
        Style::Attr => invalid_attr(check.attr, element, value),
        Style::Quoted(prefix) => {
            Error::config_unsupported(ErrorDomain::Domain, format!("{prefix}'{value}'"))
        }
        Style::AttrFromDomain => Error::xml(
            ErrorDomain::Domain,
            format!(
                "Invalid value for attribute '{}' in element '{element}': '{value}'.",
                check.attr
            ),
        ),
        Style::Bare(prefix) => {
            Error::config_unsupported(ErrorDomain::Domain, format!("{prefix}{value}"))
        }
    }
}

/// Calls `visit` on the elements at `path` below `el` (whose own name is the first
/// component), in document order, stopping at the first error. Walks without collecting:
/// these checks run for every device against every table entry.
fn each_at_path<'a>(
    el: &'a Element,
    path: &str,
    visit: &mut dyn FnMut(&'a Element) -> Result<()>,
) -> Result<()> {
    // Most table entries name another element: reject them by prefix, without a search.
    let Some(after) = path.strip_prefix(el.name.as_str()) else {
        return Ok(());
    };
    match after.strip_prefix('/') {
        None if after.is_empty() => visit(el),
        None => Ok(()),
        Some(rest) => {
            let next = rest.split_once('/').map_or(rest, |(n, _)| n);
            for c in el.children.iter().filter(|c| c.name == next) {
                each_at_path(c, rest, visit)?;
            }
            Ok(())
        }
    }
}

/// Table entries grouped by the element their path starts at.
type ByElement = HashMap<&'static str, Vec<usize>, FastNameHash>;

/// The indexes of the entries of `table` whose path starts at `el`, in table order. The
/// grouping is built once per table: every device is checked against every table, and
/// most entries name other elements.
fn entries_for<T>(
    el: &Element,
    index: &'static OnceLock<ByElement>,
    table: &'static [T],
    path: fn(&T) -> &'static str,
) -> &'static [usize] {
    let map = index.get_or_init(|| {
        let mut map = ByElement::default();
        for (i, entry) in table.iter().enumerate() {
            let p = path(entry);
            let first = p.split_once('/').map_or(p, |(first, _)| first);
            map.entry(first).or_default().push(i);
        }
        map
    });
    map.get(el.name.as_str()).map_or(&[], Vec::as_slice)
}

fn check_enums(
    el: &Element,
    checks: &'static [EnumCheck],
    index: &'static OnceLock<ByElement>,
) -> Result<()> {
    for &i in entries_for(el, index, checks, |c| c.path) {
        let check = &checks[i];
        each_at_path(
            el,
            check.path,
            &mut |target| match target.attr(check.attr) {
                Some(v) if !check.values.contains(&v) => Err(enum_error(check, &target.name, v)),
                _ => Ok(()),
            },
        )?;
    }
    Ok(())
}

/// On/off switches under `<features>` (and the Hyper-V and KVM lists).
fn check_feature_states(features: &Element) -> Result<()> {
    let mut stack = vec![features];
    while let Some(el) = stack.pop() {
        for c in &el.children {
            if let Some(v) = c.attr("state") {
                if !ON_OFF.contains(&v) {
                    return Err(invalid_attr("state", &c.name, v));
                }
            }
            stack.push(c);
        }
    }
    Ok(())
}

fn check_lifecycle(def: &DomainDef) -> Result<()> {
    const BASIC: &[&str] = &["destroy", "restart", "rename-restart", "preserve"];
    const CRASH: &[&str] = &[
        "destroy",
        "restart",
        "rename-restart",
        "preserve",
        "coredump-destroy",
        "coredump-restart",
    ];
    const LOCKFAILURE: &[&str] = &["poweroff", "restart", "pause", "ignore"];
    let lc = &def.lifecycle;
    for (name, value, allowed) in [
        ("on_poweroff", Some(&lc.on_poweroff), BASIC),
        ("on_reboot", Some(&lc.on_reboot), BASIC),
        ("on_crash", Some(&lc.on_crash), CRASH),
        ("on_lockfailure", lc.on_lockfailure.as_ref(), LOCKFAILURE),
    ] {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            if !allowed.contains(&v.as_str()) {
                return Err(Error::config_unsupported(
                    ErrorDomain::Domain,
                    format!("unknown {name} action: {v}"),
                ));
            }
        }
    }
    Ok(())
}

/// Controller models libvirt 9.0 knows, per controller type.
fn controller_models(ctype: &str) -> Option<&'static [&'static str]> {
    Some(match ctype {
        "usb" => &[
            "piix3-uhci",
            "piix4-uhci",
            "ehci",
            "ich9-ehci1",
            "ich9-uhci1",
            "ich9-uhci2",
            "ich9-uhci3",
            "vt82c686b-uhci",
            "pci-ohci",
            "nec-xhci",
            "qusb1",
            "qusb2",
            "qemu-xhci",
            "none",
        ],
        "scsi" => &[
            "auto",
            "buslogic",
            "lsilogic",
            "lsisas1068",
            "vmpvscsi",
            "ibmvscsi",
            "virtio-scsi",
            "lsisas1078",
            "virtio-transitional",
            "virtio-non-transitional",
            "ncr53c90",
            "am53c974",
            "dc390",
        ],
        "pci" => &[
            "pci-root",
            "pcie-root",
            "pci-bridge",
            "dmi-to-pci-bridge",
            "pcie-root-port",
            "pcie-switch-upstream-port",
            "pcie-switch-downstream-port",
            "pci-expander-bus",
            "pcie-expander-bus",
            "pcie-to-pci-bridge",
        ],
        "ide" => &["piix3", "piix4", "ich6"],
        "virtio-serial" => &["virtio", "virtio-transitional", "virtio-non-transitional"],
        "isa" => &[],
        _ => return None,
    })
}

/// Checks made while reading the document, before defaults are applied.
pub fn validate_parsed(def: &DomainDef) -> Result<()> {
    if let Some(arch) = &def.os.arch {
        if arch != "none" && !rvirt_core::ARCH_NAMES.contains(&arch.as_str()) {
            return Err(Error::config_unsupported(
                ErrorDomain::Domain,
                format!("Unknown architecture {arch}"),
            ));
        }
    }
    if !matches!(
        def.os.os_type.as_str(),
        "hvm" | "xen" | "linux" | "exe" | "uml" | "xenpvh"
    ) {
        return Err(Error::config_unsupported(
            ErrorDomain::Domain,
            format!("unknown OS type '{}'", def.os.os_type),
        ));
    }
    if let Some(cpu) = def.section("cpu") {
        for f in cpu.children_named("feature") {
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
            if !f.has_attr("name") {
                return Err(Error::xml(ErrorDomain::Cpu, "Invalid CPU feature name"));
            }
        }
    }
    if let Some(os) = def.section("os") {
        let tables = os
            .child("acpi")
            .map(|a| a.children_named("table").collect::<Vec<_>>());
        if tables.is_some_and(|t| t.iter().any(|t| !t.has_attr("type"))) {
            return Err(Error::xml(ErrorDomain::Domain, "Missing acpi table type"));
        }
    }
    for sl in def.sections.iter().filter(|s| s.name == "seclabel") {
        if sl.attr("type") == Some("static") && sl.child("label").is_none() {
            return Err(Error::xml(ErrorDomain::Domain, "security label is missing"));
        }
    }
    if let Some(hv) = def.section("features").and_then(|f| f.child("hyperv")) {
        for feature in &hv.children {
            if !feature.has_attr("state") {
                return Err(missing_attr("state", &feature.name));
            }
            if feature.name == "spinlocks"
                && feature.attr("state") == Some("on")
                && !feature.has_attr("retries")
            {
                return Err(missing_attr("retries", "spinlocks"));
            }
        }
    }
    check_numa_cpus(def)?;
    check_lifecycle(def)?;
    check_os(def)?;
    for section in &def.sections {
        static REQUIRED_SECTION_INDEX: OnceLock<ByElement> = OnceLock::new();
        static HVM_BOOT_INDEX: OnceLock<ByElement> = OnceLock::new();
        static SECTION_ENUMS_INDEX: OnceLock<ByElement> = OnceLock::new();
        check_required(section, REQUIRED_SECTION_ATTRS, &REQUIRED_SECTION_INDEX)?;
        // Boot devices are read for HVM guests only.
        if def.os.os_type == "hvm" {
            check_required(section, &[("os/boot", "dev")], &HVM_BOOT_INDEX)?;
        }
        check_enums(section, SECTION_ENUMS, &SECTION_ENUMS_INDEX)?;
        if section.name == "features" {
            check_feature_states(section)?;
            let retries = section
                .child("hyperv")
                .and_then(|h| h.child("spinlocks"))
                .filter(|s| s.attr("state") == Some("on"))
                .and_then(|s| s.attr("retries"));
            if let Some(r) = retries {
                match r.parse::<u32>() {
                    Ok(n) if n >= 4095 => {}
                    Ok(_) => {
                        return Err(Error::xml(
                            ErrorDomain::Domain,
                            "HyperV spinlock retry count must be at least 4095",
                        ))
                    }
                    Err(_) => {
                        return Err(Error::xml(
                            ErrorDomain::Domain,
                            "invalid HyperV spinlock retry count",
                        ))
                    }
                }
            }
        }
        if section.name == "cpu" {
            if let Some(mode) = section.attr("mode") {
                if !matches!(
                    mode,
                    "custom" | "host-model" | "host-passthrough" | "maximum"
                ) {
                    return Err(Error::config_unsupported(
                        ErrorDomain::Cpu,
                        format!("Invalid mode attribute '{mode}'"),
                    ));
                }
            }
        }
    }
    for dev in &def.devices {
        static REQUIRED_DEVICE_INDEX: OnceLock<ByElement> = OnceLock::new();
        static DEVICE_ENUMS_INDEX: OnceLock<ByElement> = OnceLock::new();
        static MORE_DEVICE_ENUMS_INDEX: OnceLock<ByElement> = OnceLock::new();
        check_required(dev, REQUIRED_DEVICE_ATTRS, &REQUIRED_DEVICE_INDEX)?;
        check_enums(dev, DEVICE_ENUMS, &DEVICE_ENUMS_INDEX)?;
        check_enums(dev, MORE_DEVICE_ENUMS, &MORE_DEVICE_ENUMS_INDEX)?;
        match dev.name.as_str() {
            "controller" => {
                let ctype = dev.attr("type").unwrap_or("ide");
                if let (Some(model), Some(models)) = (dev.attr("model"), controller_models(ctype)) {
                    if !models.contains(&model) {
                        return Err(Error::config_unsupported(
                            ErrorDomain::Domain,
                            format!("Unknown model type '{model}'"),
                        ));
                    }
                }
            }
            "serial" | "parallel" | "console" | "channel" => {
                if let Some(t) = dev.attr("type") {
                    if !CHR_TYPES.contains(&t) {
                        return Err(enum_error(
                            &EnumCheck {
                                path: "",
                                attr: "type",
                                values: &[],
                                style: Style::Bare(
                                    "unknown type presented to host for character device: ",
                                ),
                            },
                            &dev.name,
                            t,
                        ));
                    }
                }
            }
            "hostdev" if dev.attr("mode") == Some("capabilities") => {
                let t = dev.attr("type").unwrap_or("");
                if !matches!(t, "storage" | "misc" | "net") {
                    return Err(Error::config_unsupported(
                        ErrorDomain::Domain,
                        format!("unknown host device source address type '{t}'"),
                    ));
                }
            }
            "hostdev" if dev.attr("mode").unwrap_or("subsystem") == "subsystem" => {
                let t = dev.attr("type").unwrap_or("");
                if !matches!(t, "usb" | "pci" | "scsi" | "scsi_host" | "mdev") {
                    return Err(Error::config_unsupported(
                        ErrorDomain::Domain,
                        format!("unknown host device source address type '{t}'"),
                    ));
                }
            }
            _ => {}
        }
    }
    validate_parsed_devices(def)
}

/// The guest NUMA cells may not hold more vCPUs than the guest has.
fn check_numa_cpus(def: &DomainDef) -> Result<()> {
    let Some(numa) = def.section("cpu").and_then(|c| c.child("numa")) else {
        return Ok(());
    };
    let mut count: u64 = 0;
    let mut highest: Option<u64> = None;
    for cell in numa.children_named("cell") {
        let Some(cpus) = cell.attr("cpus") else {
            continue;
        };
        let bits = super::bitmap::parse(cpus)?;
        count += bits.len() as u64;
        highest = highest.max(bits.last().copied());
    }
    if count > u64::from(def.vcpus) {
        return Err(Error::internal(
            ErrorDomain::Domain,
            "Number of CPUs in <numa> exceeds the <vcpu> count",
        ));
    }
    if highest.is_some_and(|h| h >= u64::from(def.vcpus)) {
        return Err(Error::internal(
            ErrorDomain::Domain,
            "CPU IDs in <numa> exceed the <vcpu> count",
        ));
    }
    Ok(())
}

/// `<os firmware=...>` and what firmware autoselection forbids.
fn check_os(def: &DomainDef) -> Result<()> {
    let Some(os) = def.section("os") else {
        return Ok(());
    };
    let Some(fw) = os.attr("firmware") else {
        return Ok(());
    };
    if fw != "efi" && fw != "bios" {
        return Err(Error::xml(
            ErrorDomain::Domain,
            format!("unknown firmware value {fw}"),
        ));
    }
    Ok(())
}

/// With firmware autoselection the loader's kind is chosen, not given.
fn check_firmware_autoselection(def: &DomainDef) -> Result<()> {
    let Some(os) = def.section("os") else {
        return Ok(());
    };
    let loader_path = os
        .child("loader")
        .and_then(|l| l.text.as_deref())
        .is_some_and(|t| !t.is_empty());
    if os.child("nvram").is_some() && !loader_path && os.attr("firmware").is_none() {
        return Err(Error::new(
            ErrorDomain::Domain,
            ErrorCode::XmlDetail,
            "no loader path specified and firmware auto selection disabled",
        ));
    }
    if os.attr("firmware").is_none() {
        return Ok(());
    }
    if let Some(loader) = os.child("loader") {
        for attr in ["readonly", "type"] {
            if loader.has_attr(attr) {
                return Err(Error::new(
                    ErrorDomain::Domain,
                    ErrorCode::XmlDetail,
                    format!(
                        "loader attribute '{attr}' cannot be specified when firmware autoselection is enabled"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// `virDomainChrSourceDefValidate`: what each backend type needs in its `<source>`.
fn validate_chr_source(chr: &Element, is_channel: bool) -> Result<()> {
    let ty = chr.attr("type").unwrap_or("pty");
    let src = chr.child("source");
    let attr = |k: &str| src.and_then(|s| s.attr(k));
    let missing = |what: &str| {
        Err(Error::internal(
            ErrorDomain::Domain,
            format!("Missing source {what} attribute for char device"),
        ))
    };
    match ty {
        "tcp" => {
            if attr("host").is_none() {
                return missing("host");
            }
            if attr("service").is_none() {
                return missing("service");
            }
        }
        "udp" => {
            let connect_service = chr
                .children_named("source")
                .find(|s| s.attr("mode").unwrap_or("connect") == "connect")
                .and_then(|s| s.attr("service"));
            if connect_service.is_none() {
                return missing("service");
            }
        }
        "file" | "dev" | "pipe" if attr("path").is_none() => return missing("path"),
        // Guest agent channels get a socket path chosen by the hypervisor driver.
        "unix" if attr("path").is_none() && !is_channel => return missing("path"),
        _ => {}
    }
    Ok(())
}

/// USB redirection needs a USB controller. Checked after the post-parse, where libvirt
/// checks it: a driver that adds an implicit controller (QEMU's) has added it by then.
fn validate_redirdev_bus(def: &DomainDef) -> Result<()> {
    let has_usb = def
        .devices
        .iter()
        .any(|d| d.name == "controller" && d.attr("type") == Some("usb"));
    let redirects = def
        .devices_of("redirdev")
        .any(|d| d.attr("bus") == Some("usb"));
    if redirects && !has_usb {
        return Err(Error::config_unsupported(
            ErrorDomain::Domain,
            "cannot add redirected USB device: USB is disabled for this domain",
        ));
    }
    Ok(())
}

/// Devices that need a USB bus, when the guest has `<controller type='usb' model='none'/>`.
fn validate_usb(def: &DomainDef) -> Result<()> {
    let usb: Vec<&Element> = def
        .devices
        .iter()
        .filter(|d| d.name == "controller" && d.attr("type") == Some("usb"))
        .collect();
    let disabled = usb.iter().any(|c| c.attr("model") == Some("none"));
    let unsupported = |msg: &str| Err(Error::config_unsupported(ErrorDomain::Domain, msg));
    for dev in &def.devices {
        match dev.name.as_str() {
            "input" if disabled && dev.attr("bus") == Some("usb") => {
                return unsupported("Can't add USB input device. USB bus is disabled")
            }
            "redirdev" if disabled && dev.attr("bus") == Some("usb") => {
                return unsupported(
                    "cannot add redirected USB device: USB is disabled for this domain",
                )
            }
            "hostdev"
                if disabled
                    && dev.attr("mode").unwrap_or("subsystem") == "subsystem"
                    && dev.attr("type") == Some("usb") =>
            {
                return unsupported("Can't add host USB device: USB is disabled in this host")
            }
            "hub" if disabled && dev.attr("type") == Some("usb") => {
                return unsupported("Can't add USB hub: USB is disabled for this domain")
            }
            _ => {}
        }
    }
    Ok(())
}

/// The same host device may be given to the guest once.
fn validate_hostdev_duplicates(def: &DomainDef) -> Result<()> {
    let mut seen = std::collections::HashSet::<_, FastNameHash>::default();
    for h in def.devices.iter().filter(|d| d.name == "hostdev") {
        if h.attr("mode").unwrap_or("subsystem") != "subsystem" {
            continue;
        }
        let Some(src) = h.child("source") else {
            continue;
        };
        let addr = src.child("address");
        let num = |a: Option<&Element>, k: &str| {
            a.and_then(|a| a.attr(k)).and_then(crate::parse::parse_ull)
        };
        let key = match h.attr("type").unwrap_or("") {
            "pci" if addr.is_some() => format!(
                "pci {:?} {:?} {:?} {:?}",
                num(addr, "domain").unwrap_or(0),
                num(addr, "bus"),
                num(addr, "slot"),
                num(addr, "function")
            ),
            "usb" => format!(
                "usb {:?} {:?} {:?} {:?}",
                src.child_attr("vendor", "id")
                    .and_then(crate::parse::parse_ull),
                src.child_attr("product", "id")
                    .and_then(crate::parse::parse_ull),
                num(addr, "bus"),
                num(addr, "device")
            ),
            "mdev" => format!("mdev {:?}", addr.and_then(|a| a.attr("uuid"))),
            _ => continue,
        };
        if !seen.insert(key) {
            return Err(Error::xml(
                ErrorDomain::Domain,
                "Hostdev already exists in the domain configuration",
            ));
        }
    }
    Ok(())
}

/// USB companion controllers need a master: some USB controller that is not a companion.
/// ICH9 UHCI controllers are companions even without `<master>` (libvirt gives them one).
fn validate_usb_masters(def: &DomainDef) -> Result<()> {
    let usb: Vec<&Element> = def
        .devices
        .iter()
        .filter(|d| d.name == "controller" && d.attr("type") == Some("usb"))
        .collect();
    let is_companion = |c: &Element| {
        c.child("master").is_some()
            || matches!(
                c.attr("model"),
                Some("ich9-uhci1" | "ich9-uhci2" | "ich9-uhci3")
            )
    };
    for c in &usb {
        if !is_companion(c) {
            continue;
        }
        let has_master = usb.iter().any(|m| !is_companion(m));
        if !has_master {
            return Err(Error::new(
                ErrorDomain::Domain,
                ErrorCode::XmlDetail,
                "No master USB controller specified",
            ));
        }
    }
    Ok(())
}

/// Target types each kind of character device accepts.
fn chr_target_types(kind: &str) -> &'static [&'static str] {
    match kind {
        "serial" => &[
            "isa-serial",
            "usb-serial",
            "pci-serial",
            "spapr-vio-serial",
            "system-serial",
            "sclp-serial",
            "isa-debug",
        ],
        "console" => &[
            "serial", "xen", "uml", "virtio", "lxc", "openvz", "sclp", "sclplm",
        ],
        "channel" => &["guestfwd", "virtio", "xen"],
        _ => &[],
    }
}

/// Attributes libvirt requires, by element path (device paths below `devices`).
const REQUIRED_DEVICE_ATTRS: &[(&str, &str)] = &[
    ("graphics", "type"),
    ("graphics/listen", "type"),
    ("graphics/clipboard", "copypaste"),
    ("graphics/image", "compression"),
    ("graphics/jpeg", "compression"),
    ("graphics/zlib", "compression"),
    ("graphics/playback", "compression"),
    ("graphics/channel", "name"),
    ("graphics/channel", "mode"),
    ("graphics/streaming", "mode"),
    ("graphics/mouse", "mode"),
    ("memory", "model"),
    ("smartcard", "mode"),
    ("hostdev/source/vendor", "id"),
    ("hostdev/source/product", "id"),
    ("redirfilter/usbdev", "allow"),
    ("tpm/backend", "type"),
    ("disk/boot", "order"),
    ("interface/boot", "order"),
    ("hostdev/boot", "order"),
    ("redirdev/boot", "order"),
];
const REQUIRED_SECTION_ATTRS: &[(&str, &str)] = &[
    ("clock/timer", "name"),
    ("cpu/topology", "sockets"),
    ("cpu/topology", "cores"),
    ("cpu/topology", "threads"),
];

fn check_required(
    el: &Element,
    table: &'static [(&'static str, &'static str)],
    index: &'static OnceLock<ByElement>,
) -> Result<()> {
    for &i in entries_for(el, index, table, |entry| entry.0) {
        let (path, attr) = table[i];
        each_at_path(el, path, &mut |target| {
            if target.has_attr(attr) {
                Ok(())
            } else {
                Err(missing_attr(attr, &target.name))
            }
        })?;
    }
    Ok(())
}

/// Device checks that are not enumerations.
/// Structural requirements of single devices (what must be present), with libvirt's errors.
fn validate_device_structure(dev: &Element) -> Result<()> {
    let xml = |m: &str| Err(Error::xml(ErrorDomain::Domain, m));
    if dev.child("address").is_some_and(|a| !a.has_attr("type")) {
        return Err(Error::internal(
            ErrorDomain::Domain,
            "No type specified for device address",
        ));
    }
    match dev.name.as_str() {
        "hostdev" => {
            let Some(src) = dev.child("source") else {
                return xml("Missing <source> element in hostdev device");
            };
            let mode = dev.attr("mode").unwrap_or("subsystem");
            let ty = dev.attr("type").unwrap_or("");
            if mode == "capabilities" && ty == "storage" && src.child("block").is_none() {
                return xml("Missing <block> element in hostdev storage device");
            }
            if mode == "subsystem" && ty == "usb" {
                let vendor = src.child("vendor").is_some();
                let product = src.child("product").is_some();
                if vendor && !product {
                    return Err(Error::internal(ErrorDomain::Domain, "missing product"));
                }
                if product && !vendor {
                    return Err(Error::internal(ErrorDomain::Domain, "missing vendor"));
                }
                if let Some(addr) = src.child("address") {
                    for attr in ["bus", "device"] {
                        if !addr.has_attr(attr) {
                            return Err(missing_attr(attr, "address"));
                        }
                    }
                }
            }
        }
        "smartcard" => match dev.attr("mode") {
            Some("host-certificates") if dev.children_named("certificate").count() != 3 => {
                return xml("host-certificates mode needs exactly three certificates")
            }
            Some("passthrough") if !dev.has_attr("type") => {
                return xml("passthrough mode requires a character device type attribute")
            }
            _ => {}
        },
        "filesystem" => {
            let ty = dev.attr("type").unwrap_or("mount");
            let source = dev.child("source").and_then(|s| {
                ["dir", "file", "dev", "name", "volume", "usage", "socket"]
                    .iter()
                    .find_map(|k| s.attr(k))
            });
            let target = dev.child_attr("target", "dir");
            if source.is_none() && ty != "ram" {
                return Err(Error::new(
                    ErrorDomain::Domain,
                    ErrorCode::NoSource,
                    target.unwrap_or(""),
                ));
            }
            if target.is_none() {
                return Err(Error::new(
                    ErrorDomain::Domain,
                    ErrorCode::NoTarget,
                    source.unwrap_or(""),
                ));
            }
            if ty == "ram" && dev.child_attr("source", "usage").is_none() {
                return xml("missing 'usage' attribute for RAM filesystem");
            }
        }
        "rng" => {
            if !dev.has_attr("model") {
                return xml("missing RNG device model");
            }
            if dev.children_named("backend").count() > 1 {
                return xml("only one RNG backend is supported");
            }
            if dev.child("backend").is_none_or(|b| !b.has_attr("model")) {
                return xml("missing RNG device backend model");
            }
        }
        "tpm" if dev.child("backend").is_none() => return xml("missing TPM device backend"),
        "memory"
            if dev.attr("model") == Some("nvdimm")
                && dev.child("source").and_then(|s| s.child("path")).is_none() =>
        {
            return Err(Error::new(
                ErrorDomain::Domain,
                ErrorCode::XmlDetail,
                "path is required for model 'nvdimm'",
            ));
        }
        "video" => {
            let model = dev.child("model");
            let ty = model.and_then(|m| m.attr("type")).unwrap_or("");
            if model.is_some_and(|m| m.has_attr("ram")) && ty != "qxl" {
                return Err(Error::config_unsupported(
                    ErrorDomain::Domain,
                    format!("ram attribute only supported for video type {ty}"),
                ));
            }
        }
        "interface" => {
            let ty = dev.attr("type").unwrap_or("");
            // Only an ethernet interface may use a tap device created outside libvirt.
            if let Some(managed) = dev.child_attr("target", "managed") {
                match managed {
                    "yes" => {}
                    "no" if ty == "ethernet" => {}
                    "no" => {
                        return Err(Error::config_unsupported(
                            ErrorDomain::Domain,
                            format!(
                                "unmanaged target dev is not supported on interfaces of type '{ty}'"
                            ),
                        ))
                    }
                    other => return Err(invalid_attr("managed", "target", other)),
                }
            }
            if dev.child("virtualport").is_some()
                && !matches!(ty, "network" | "bridge" | "direct" | "hostdev")
            {
                return Err(Error::config_unsupported(
                    ErrorDomain::Domain,
                    format!("<virtualport> element unsupported for <interface type='{ty}'>"),
                ));
            }
            if let Some(vp) = dev.child("virtualport") {
                if vp.attr("type") == Some("802.1Qbg") {
                    let params = vp.child("parameters");
                    for attr in ["managerid", "typeid", "typeidversion", "instanceid"] {
                        if params.and_then(|p| p.attr(attr)).is_none() {
                            return Err(Error::xml(
                                ErrorDomain::Net,
                                format!("missing {attr} in <virtualport type='802.1Qbg'>"),
                            ));
                        }
                    }
                }
            }
        }
        "serial" | "parallel" | "console" | "channel" => {
            let sources = dev.children_named("source").count();
            if sources > 1 && dev.attr("type") != Some("udp") {
                return xml("only one source element is allowed for character device");
            }
        }
        "disk" => {
            if let Some(src) = dev.child("source") {
                if dev.attr("type") == Some("network") && src.attr("protocol").is_none() {
                    return Err(missing_attr("protocol", "source"));
                }
                let needs_name = dev.attr("type") == Some("network")
                    && src.attr("protocol").is_some_and(|p| p != "nbd");
                if needs_name && !src.has_attr("name") {
                    return xml("missing name for disk source");
                }
            }
            let secret = dev
                .child("auth")
                .or_else(|| dev.child("source").and_then(|s| s.child("auth")))
                .and_then(|a| a.child("secret"));
            if secret.is_some_and(|s| !s.has_attr("uuid") && !s.has_attr("usage")) {
                return Err(Error::xml(
                    ErrorDomain::None,
                    "missing secret uuid or usage attribute",
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

fn validate_parsed_devices(def: &DomainDef) -> Result<()> {
    for dev in &def.devices {
        validate_device_structure(dev)?;
        match dev.name.as_str() {
            _ if dev
                .children_named("boot")
                .filter_map(|b| b.attr("order"))
                .any(|o| o.parse::<u32>().is_err()) =>
            {
                let order = dev
                    .children_named("boot")
                    .filter_map(|b| b.attr("order"))
                    .find(|o| o.parse::<u32>().is_err())
                    .unwrap_or("");
                return Err(Error::xml(
                    ErrorDomain::Xml,
                    format!(
                        "Invalid value for attribute 'order' in element 'boot': '{order}'. Expected non-negative integer value"
                    ),
                ));
            }
            "audio" if dev.attr("id").is_none() => return Err(missing_attr("id", "audio")),
            "input" if dev.attr("type").is_none() => {
                return Err(Error::internal(
                    ErrorDomain::Domain,
                    "missing input device type",
                ))
            }
            "redirdev" if dev.attr("type").is_none() => {
                return Err(Error::internal(
                    ErrorDomain::Domain,
                    "missing type in redirdev",
                ))
            }
            "channel" if dev.child("target").is_none() => {
                return Err(Error::xml(
                    ErrorDomain::Domain,
                    "target type must be specified for channel device",
                ))
            }
            "channel" if dev.child_attr("target", "type").is_none() => {
                return Err(Error::config_unsupported(
                    ErrorDomain::Domain,
                    "unknown target type '(null)' specified for character device",
                ))
            }
            "redirdev" => validate_chr_source(dev, false)?,
            "smartcard" if dev.attr("mode") == Some("passthrough") => {
                validate_chr_source(dev, false)?
            }
            "rng" => {
                if let Some(b) = dev
                    .child("backend")
                    .filter(|b| b.attr("model") == Some("egd"))
                {
                    validate_chr_source(b, false)?;
                }
            }
            "sound" if dev.attr("model").is_none() => return Err(missing_attr("model", "sound")),
            "watchdog" if dev.attr("model").is_none() => {
                return Err(Error::internal(
                    ErrorDomain::Domain,
                    "watchdog must contain model name",
                ))
            }
            "serial" | "parallel" | "console" | "channel" => {
                validate_chr_source(dev, dev.name == "channel")?;
                if let Some(t) = dev.child_attr("target", "type") {
                    if dev.name != "parallel" && !chr_target_types(&dev.name).contains(&t) {
                        return Err(Error::config_unsupported(
                            ErrorDomain::Domain,
                            format!("unknown target type '{t}' specified for character device"),
                        ));
                    }
                }
                if let Some(p) = dev.child_attr("target", "port") {
                    if dev.name != "channel" && p.parse::<i32>().is_err() {
                        return Err(Error::xml(
                            ErrorDomain::Domain,
                            format!("Invalid port number: {p}"),
                        ));
                    }
                }
            }
            "video"
                if dev
                    .child("model")
                    .and_then(|m| m.child("acceleration"))
                    .is_some_and(|a| a.has_attr("rendernode"))
                    && dev.child_attr("driver", "name") != Some("vhostuser") =>
            {
                return Err(Error::config_unsupported(
                    ErrorDomain::Domain,
                    "unsupported rendernode accel attribute without 'vhostuser'",
                ))
            }
            "disk" => validate_disk(dev)?,
            "interface" => validate_interface(dev)?,
            "graphics" => {
                let ty = dev.attr("type").unwrap_or("");
                if let Some(p) = dev.attr("port") {
                    if matches!(ty, "vnc" | "spice" | "rdp") && p.parse::<i32>().is_err() {
                        return Err(Error::internal(
                            ErrorDomain::Domain,
                            format!("cannot parse {ty} port {p}"),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    validate_usb(def)?;
    validate_hostdev_duplicates(def)?;
    validate_usb_masters(def)?;
    if matches!(def.os.os_type.as_str(), "xen" | "linux" | "xenpvh") {
        for input in def.devices.iter().filter(|d| d.name == "input") {
            if let Some(bus) = input.attr("bus").filter(|b| *b != "xen") {
                return Err(Error::internal(
                    ErrorDomain::Domain,
                    format!("unsupported input bus {bus}"),
                ));
            }
        }
    }
    let videos: Vec<&Element> = def.devices.iter().filter(|d| d.name == "video").collect();
    if videos.len() > 1
        && videos
            .iter()
            .any(|v| v.child_attr("model", "type") == Some("none"))
    {
        return Err(Error::config_unsupported(
            ErrorDomain::Domain,
            "a 'none' video type must be the only video device defined for the domain",
        ));
    }
    if def
        .devices
        .iter()
        .filter(|d| d.name == "memballoon")
        .count()
        > 1
    {
        return Err(Error::internal(
            ErrorDomain::Domain,
            "only a single memory balloon device is supported",
        ));
    }
    let mut targets: HashMap<&str, &Element, FastNameHash> = HashMap::default();
    for disk in def.devices.iter().filter(|d| d.name == "disk") {
        let Some(dst) = disk.child_attr("target", "dev") else {
            continue;
        };
        if let Some(first) = targets.insert(dst, disk) {
            return Err(Error::xml(
                ErrorDomain::Domain,
                format!(
                    "target '{dst}' duplicated for disk sources '{}' and '{}'",
                    disk_source_path(first).unwrap_or("(null)"),
                    disk_source_path(disk).unwrap_or("(null)")
                ),
            ));
        }
    }
    Ok(())
}

/// The source a disk of its type names (a file for `file` disks, a device for `block`...).
fn disk_source_path(disk: &Element) -> Option<&str> {
    let src = disk.child("source")?;
    match disk.attr("type").unwrap_or("file") {
        "file" => src.attr("file"),
        "block" => src.attr("dev"),
        "dir" => src.attr("dir"),
        "network" => src.attr("name").or_else(|| src.attr("protocol")),
        "volume" => src.attr("volume"),
        "nvme" | "vhostuser" => Some(""),
        _ => None,
    }
}

fn validate_disk(disk: &Element) -> Result<()> {
    let device = disk.attr("device").unwrap_or("disk");
    let ty = disk.attr("type").unwrap_or("file");
    let target = disk.child_attr("target", "dev");
    if target.is_none() {
        let what = disk_source_path(disk).unwrap_or("");
        return Err(Error::new(ErrorDomain::Domain, ErrorCode::NoTarget, what));
    }
    let bus = disk.child_attr("target", "bus");
    match (device, bus) {
        ("floppy", Some(b)) if b != "fdc" => {
            return Err(Error::internal(
                ErrorDomain::Domain,
                format!("Invalid bus type '{b}' for floppy disk"),
            ))
        }
        ("disk" | "cdrom" | "lun", Some("fdc")) => {
            return Err(Error::internal(
                ErrorDomain::Domain,
                "Invalid bus type 'fdc' for disk",
            ))
        }
        _ => {}
    }
    let removable_media = matches!(device, "cdrom" | "floppy");
    if !removable_media
        && ty != "network"
        && disk_source_path(disk).is_none()
        && ty != "nvme"
        && ty != "vhostuser"
    {
        return Err(Error::new(
            ErrorDomain::Domain,
            ErrorCode::NoSource,
            target.unwrap_or(""),
        ));
    }
    if disk.child_attr("target", "removable").is_some()
        && disk.child_attr("target", "bus") != Some("usb")
    {
        return Err(Error::xml(
            ErrorDomain::Domain,
            "removable is only valid for usb disks",
        ));
    }
    if let Some(secret) = disk
        .child("auth")
        .or_else(|| disk.child("source").and_then(|s| s.child("auth")))
        .and_then(|a| a.child("secret"))
        .and_then(|s| s.attr("uuid"))
    {
        if secret.chars().filter(|c| *c != '-').count() != 32
            || uuid::Uuid::parse_str(&secret.replace('-', "")).is_err()
        {
            return Err(Error::xml(
                ErrorDomain::Domain,
                format!("invalid secret uuid '{secret}'"),
            ));
        }
    }
    if disk.attr("sgio") == Some("unfiltered") {
        return Err(Error::config_unsupported(
            ErrorDomain::Domain,
            "unfiltered sgio is no longer supported",
        ));
    }
    Ok(())
}

fn validate_interface(net: &Element) -> Result<()> {
    if let Some(mac) = net.child_attr("mac", "address") {
        let bytes: Vec<Option<u8>> = mac
            .split(':')
            .map(|p| u8::from_str_radix(p, 16).ok())
            .collect();
        let well_formed = bytes.len() == 6
            && bytes.iter().all(|b| b.is_some())
            && mac.split(':').all(|p| !p.is_empty() && p.len() <= 2);
        if !well_formed {
            return Err(Error::xml(
                ErrorDomain::Domain,
                format!("unable to parse mac address '{mac}'"),
            ));
        }
        if bytes[0].is_some_and(|b| b & 1 == 1) {
            return Err(Error::xml(
                ErrorDomain::Domain,
                format!("expected unicast mac address, found multicast '{mac}'"),
            ));
        }
    }
    let ty = net.attr("type").unwrap_or("");
    let required = match ty {
        "network" => Some("network"),
        "bridge" => Some("bridge"),
        "direct" => Some("dev"),
        _ => None,
    };
    if let Some(attr) = required {
        match net.child("source") {
            None => {
                return Err(Error::xml(
                    ErrorDomain::Domain,
                    format!("interface type='{ty}' requires a 'source' element"),
                ))
            }
            Some(src) if src.attr(attr).is_none() => return Err(missing_attr(attr, "source")),
            Some(_) => {}
        }
    }
    Ok(())
}

/// Checks made after post-parse.
pub fn validate(def: &DomainDef) -> Result<()> {
    validate_redirdev_bus(def)?;
    for disk in def.devices.iter().filter(|d| d.name == "disk") {
        let bus = disk.child_attr("target", "bus").unwrap_or("");
        let addr = disk.child_attr("address", "type");
        if matches!(bus, "ide" | "fdc" | "scsi" | "sata") {
            if let Some(t) = addr.filter(|t| *t != "drive") {
                return Err(Error::config_unsupported(
                    ErrorDomain::Domain,
                    format!(
                        "Invalid address type '{t}' for the disk '{}' with the bus type '{bus}'",
                        disk.child_attr("target", "dev").unwrap_or("")
                    ),
                ));
            }
        }
    }
    let mut drive_addresses = HashMap::<_, _, FastNameHash>::default();
    for disk in def.devices.iter().filter(|d| d.name == "disk") {
        let Some(addr) = disk
            .child("address")
            .filter(|a| a.attr("type") == Some("drive"))
        else {
            continue;
        };
        let bus = disk.child_attr("target", "bus").unwrap_or("");
        let part = |k: &str| addr.attr(k).unwrap_or("0");
        let key = (
            bus,
            part("controller"),
            part("bus"),
            part("target"),
            part("unit"),
        );
        let dst = disk.child_attr("target", "dev").unwrap_or("");
        if let Some(first) = drive_addresses.insert(key, dst) {
            return Err(Error::config_unsupported(
                ErrorDomain::Domain,
                format!(
                    "Found duplicate drive address for disk with target name '{}' controller='{}' bus='{}' target='{}' unit='{}'",
                    first,
                    key.1,
                    key.2,
                    key.3,
                    key.4
                ),
            ));
        }
    }
    let ppc64 = def
        .os
        .arch
        .as_deref()
        .is_some_and(|a| a.starts_with("ppc64"));
    for mem in def.devices.iter().filter(|d| d.name == "memory") {
        if mem.attr("model") == Some("nvdimm") && mem.child("uuid").is_some() && !ppc64 {
            return Err(Error::config_unsupported(
                ErrorDomain::Domain,
                "UUID is not supported for NVDIMM device",
            ));
        }
    }
    check_firmware_autoselection(def)?;
    let mut seen = std::collections::HashSet::<_, FastNameHash>::default();
    for c in def.devices.iter().filter(|d| d.name == "controller") {
        let ty = c.attr("type").unwrap_or("");
        // Several USB controllers share an index on purpose (companions).
        if ty == "usb" {
            continue;
        }
        let index = c.attr("index").unwrap_or("");
        if !seen.insert((ty, index)) {
            return Err(Error::xml(
                ErrorDomain::Domain,
                format!("Multiple '{ty}' controllers with index '{index}'"),
            ));
        }
    }
    let split_ioapic = def
        .section("features")
        .and_then(|f| f.child_attr("ioapic", "driver"))
        == Some("qemu");
    for dev in &def.devices {
        if dev.name == "iommu"
            && dev.child_attr("driver", "eim") == Some("on")
            && dev.child_attr("driver", "intremap") != Some("on")
        {
            return Err(Error::config_unsupported(
                ErrorDomain::Domain,
                "IOMMU eim requires interrupt remapping to be enabled",
            ));
        }
        if dev.name == "iommu"
            && dev.attr("model") == Some("intel")
            && dev.child_attr("driver", "intremap") == Some("on")
            && !split_ioapic
        {
            return Err(Error::config_unsupported(
                ErrorDomain::Domain,
                "IOMMU interrupt remapping requires split I/O APIC (ioapic driver='qemu')",
            ));
        }
    }
    Ok(())
}
