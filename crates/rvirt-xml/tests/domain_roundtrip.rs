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

/// A document exercising most element families, whose attribute values the property below
/// replaces with hostile ones.
const RICH: &str = "<domain type='kvm'><name>n</name><maxMemory slots='2' unit='MiB'>4096</maxMemory><memory unit='MiB'>1024</memory>\
<vcpu placement='static' cpuset='0-3' current='1'>4</vcpu><iothreads>2</iothreads>\
<cputune><vcpupin vcpu='0' cpuset='1'/><vcpusched vcpus='0-1' scheduler='fifo' priority='1'/></cputune>\
<numatune><memory mode='strict' nodeset='0'/></numatune>\
<os><type arch='x86_64' machine='q35'>hvm</type><bootmenu enable='yes' timeout='10'/></os>\
<features><acpi/><hyperv><spinlocks state='on' retries='8191'/></hyperv><smm state='on'/></features>\
<cpu mode='custom' match='exact'><model fallback='allow'>qemu64</model><topology sockets='1' dies='1' cores='2' threads='2'/>\
<numa><cell id='0' cpus='0-3' memory='786432' unit='KiB'/></numa></cpu>\
<clock offset='utc'><timer name='rtc' tickpolicy='catchup'/></clock>\
<devices>\
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/a'/><target dev='sda' bus='scsi'/>\
<address type='drive' controller='0' bus='0' target='0' unit='0'/><boot order='1'/></disk>\
<controller type='usb' index='0' model='qemu-xhci' ports='15'/><controller type='pci' index='1' model='pcie-root-port'>\
<target chassis='1' port='0x10'/><address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></controller>\
<interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/><model type='virtio'/>\
<address type='pci' domain='0' bus='1' slot='0' function='0'/></interface>\
<serial type='tcp'><source mode='bind' host='h' service='1'/><target port='0'/></serial>\
<channel type='unix'><target type='virtio' name='x'/><address type='virtio-serial' controller='0' bus='0' port='1'/></channel>\
<graphics type='vnc' port='5900' autoport='no'><listen type='address' address='0.0.0.0'/></graphics>\
<video><model type='qxl' ram='65536' vram='65536' heads='1'/></video>\
<hostdev mode='subsystem' type='usb'><source><address bus='1' device='2'/></source></hostdev>\
<memballoon model='virtio'><stats period='5'/></memballoon>\
<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target><address type='dimm' slot='0' base='0x100000000'/></memory>\
</devices></domain>";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// No attribute value, however hostile, makes parsing or formatting panic.
    #[test]
    fn hostile_values_never_panic(
        picks in prop::collection::vec(0usize..12, 200),
    ) {
        const NASTY: &[&str] = &[
            "", "-1", "0", "99999999999999999999", "0x", "0xffffffffffffffffff", "abc",
            "4294967296", "18446744073709551615", "-9223372036854775808", "1-", "^",
        ];
        let mut out = String::with_capacity(RICH.len());
        let mut k = 0;
        for (i, part) in RICH.split('\'').enumerate() {
            if i % 2 == 1 {
                let pick = picks[k % picks.len()];
                k += 1;
                // Keep about half of the values, replace the rest.
                if pick < NASTY.len() && k % 2 == 0 {
                    out.push_str(NASTY[pick]);
                } else {
                    out.push_str(part);
                }
                out.push('\'');
            } else {
                out.push_str(part);
                out.push('\'');
            }
        }
        out.pop();
        if let Ok(def) = DomainDef::parse(&out, ParseOptions::default()) {
            let printed = def.format(FormatOptions::default());
            let _ = DomainDef::parse(&printed, ParseOptions::default());
        }
    }
}

#[test]
fn rich_document_is_valid() {
    let def = DomainDef::parse(RICH, ParseOptions::default()).unwrap();
    let printed = def.format(FormatOptions::default());
    assert_eq!(
        DomainDef::parse(&printed, ParseOptions::default()).unwrap(),
        def
    );
}
