//! Property: libvirt's canonical form is a fixed point. For generated simple domains,
//! `parse(format(def)) == def` and formatting again prints the same document.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use rvirt_xml::domain::{DomainDef, FormatOptions, ParseOptions};

#[derive(Debug, Clone)]
struct Spec {
    virt_type: &'static str,
    name: String,
    uuid: [u8; 16],
    memory_kib: u64,
    current_kib: u64,
    vcpus: u32,
    current_vcpus: u32,
    arch: &'static str,
    on_crash: &'static str,
    disks: Vec<(&'static str, &'static str, u8)>,
    nics: Vec<(&'static str, [u8; 3])>,
    graphics: Option<&'static str>,
    serial: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (
            prop::sample::select(vec!["test", "kvm", "qemu"]),
            "[a-z][a-z0-9_-]{0,15}",
            any::<[u8; 16]>(),
            1u64..(64 << 20),
            any::<u64>(),
            1u32..64,
            any::<u32>(),
            prop::sample::select(vec!["i686", "x86_64", "aarch64", "ppc64le"]),
            prop::sample::select(vec!["destroy", "restart", "preserve", "coredump-destroy"]),
        ),
        (
            prop::collection::vec(
                (
                    prop::sample::select(vec!["disk", "cdrom"]),
                    prop::sample::select(vec!["virtio", "sata", "scsi", "ide"]),
                    0u8..4,
                ),
                0..4,
            ),
            prop::collection::vec(
                (
                    prop::sample::select(vec!["network", "bridge", "user"]),
                    any::<[u8; 3]>(),
                ),
                0..3,
            ),
            prop::option::of(prop::sample::select(vec!["vnc", "spice"])),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (virt_type, name, uuid, memory_kib, cur, vcpus, cur_vcpus, arch, on_crash),
                (disks, nics, graphics, serial),
            )| Spec {
                virt_type,
                name,
                uuid,
                memory_kib,
                current_kib: 1 + cur % memory_kib,
                vcpus,
                current_vcpus: 1 + cur_vcpus % vcpus,
                arch,
                on_crash,
                disks,
                nics,
                graphics,
                serial,
            },
        )
}

fn document(s: &Spec) -> String {
    let uuid = uuid::Uuid::from_bytes(s.uuid);
    let mut devices = String::new();
    for (i, (device, bus, unit)) in s.disks.iter().enumerate() {
        let prefix = match *bus {
            "virtio" => "vd",
            "ide" => "hd",
            _ => "sd",
        };
        let letter = (b'a' + (i as u8) * 4 + unit) as char;
        let source = if *device == "disk" {
            format!("<source file='/var/lib/images/d{i}.img'/>")
        } else {
            String::new()
        };
        devices.push_str(&format!(
            "<disk type='file' device='{device}'>{source}<target dev='{prefix}{letter}' bus='{bus}'/></disk>"
        ));
    }
    for (kind, mac) in &s.nics {
        let source = match *kind {
            "network" => "<source network='default'/>",
            "bridge" => "<source bridge='br0'/>",
            _ => "",
        };
        devices.push_str(&format!(
            "<interface type='{kind}'><mac address='52:54:00:{:02x}:{:02x}:{:02x}'/>{source}<model type='virtio'/></interface>",
            mac[0], mac[1], mac[2]
        ));
    }
    if let Some(g) = s.graphics {
        devices.push_str(&format!("<graphics type='{g}' autoport='yes'/>"));
    }
    if s.serial {
        devices.push_str("<serial type='pty'/>");
    }
    format!(
        "<domain type='{}'><name>{}</name><uuid>{uuid}</uuid>\
         <memory unit='KiB'>{}</memory><currentMemory unit='KiB'>{}</currentMemory>\
         <vcpu current='{}'>{}</vcpu><os><type arch='{}'>hvm</type></os>\
         <on_crash>{}</on_crash><devices>{devices}</devices></domain>",
        s.virt_type,
        s.name,
        s.memory_kib,
        s.current_kib,
        s.current_vcpus,
        s.vcpus,
        s.arch,
        s.on_crash
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn canonical_form_is_a_fixed_point(s in spec()) {
        let xml = document(&s);
        let def = DomainDef::parse(&xml, ParseOptions::default()).unwrap();
        prop_assert_eq!(&def.name, &s.name);
        prop_assert_eq!(def.memory, s.memory_kib);
        prop_assert_eq!(def.current_vcpus, s.current_vcpus);
        for inactive in [false, true] {
            let opts = FormatOptions { inactive, ..Default::default() };
            let printed = def.format(opts);
            let again = DomainDef::parse(&printed, ParseOptions::default()).unwrap();
            prop_assert_eq!(&again, &def);
            prop_assert_eq!(again.format(opts), printed);
        }
    }
}
