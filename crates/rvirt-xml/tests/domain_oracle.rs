//! Differential test against real libvirt: each probe document below is defined into
//! libvirt's own test driver (`test:///default`, through Debian's python3-libvirt) and what
//! libvirt prints must be what rvirt prints, byte for byte (generated UUIDs and MACs masked).
//! The probes exercise element families the golden corpus covers thinly.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use rvirt_xml::domain::{DomainDef, FormatOptions, ParseOptions};

/// What libvirt answered for one document: its XML, or the code, domain and message of
/// its error.
type Answer = Result<String, (i32, i32, String)>;

/// Defines one document into libvirt's test driver.
fn libvirt_define(xml: &str) -> Option<Answer> {
    const SCRIPT: &str = r#"
import sys, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open("test:///default")
try:
    d = c.defineXML(sys.stdin.read())
    sys.stdout.write("OK\n" + d.XMLDesc(0))
except libvirt.libvirtError as e:
    sys.stdout.write("ERR %d %d %s" % (e.get_error_code(), e.get_error_domain(), e.get_error_message()))
"#;
    use std::io::Write;
    let mut child = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(SCRIPT)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(xml.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    if let Some(rest) = text.strip_prefix("OK\n") {
        return Some(Ok(rest.to_string()));
    }
    let mut parts = text.splitn(4, ' ').skip(1);
    let code = parts.next()?.parse().ok()?;
    let domain = parts.next()?.parse().ok()?;
    let message = parts.next().unwrap_or("").to_string();
    Some(Err((code, domain, message)))
}

/// [`libvirt_define`] for many documents in one Python process; each is undefined again
/// so that documents sharing a name do not clash.
fn libvirt_define_all(docs: &[String]) -> Option<Vec<Answer>> {
    const SCRIPT: &str = r#"
import sys, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open("test:///default")
out = []
for doc in sys.stdin.read().split("\0"):
    try:
        d = c.defineXML(doc)
        out.append("OK\n" + d.XMLDesc(0))
        d.undefine()
    except libvirt.libvirtError as e:
        out.append("ERR %d %d %s" % (e.get_error_code(), e.get_error_domain(), e.get_error_message()))
sys.stdout.write("\0".join(out))
"#;
    use std::io::Write;
    let mut child = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(SCRIPT)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()?
        .write_all(docs.join("\0").as_bytes())
        .ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut results = Vec::new();
    for part in text.split('\0') {
        if let Some(rest) = part.strip_prefix("OK\n") {
            results.push(Ok(rest.to_string()));
            continue;
        }
        let mut fields = part.splitn(4, ' ').skip(1);
        let code = fields.next()?.parse().ok()?;
        let domain = fields.next()?.parse().ok()?;
        let message = fields.next().unwrap_or("").to_string();
        results.push(Err((code, domain, message)));
    }
    (results.len() == docs.len()).then_some(results)
}

/// The QEMU corpus documents (realistic virt-install inputs of type `qemu`, and the QEMU
/// driver's device-heavy canonical outputs) defined into libvirt's test driver: rvirt must
/// print what libvirt prints for each.
#[test]
fn qemu_corpus_inputs_match_libvirt() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/qemu-define");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return rvirt_testkit::skip_or_fail("the qemu-define corpus in ../shared/corpus");
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".in.xml") || n.ends_with(".inactive.xml"))
        .collect();
    names.sort();
    let docs: Vec<String> = names
        .iter()
        .filter_map(|n| std::fs::read_to_string(dir.join(n)).ok())
        .collect();
    let Some(expected) = libvirt_define_all(&docs) else {
        return rvirt_testkit::skip_or_fail("/usr/bin/python3 with python3-libvirt");
    };
    let mut failures = Vec::new();
    for ((name, doc), want) in names.iter().zip(&docs).zip(expected) {
        let ours = DomainDef::parse(doc, ParseOptions::default());
        match (want, ours) {
            (Ok(want), Ok(def)) => {
                let got = def.format(FormatOptions::default());
                let (want, got) = (mask(doc, &want), mask(doc, &got));
                if want.trim_end() != got.trim_end() {
                    let line = want
                        .lines()
                        .zip(got.lines())
                        .find(|(a, b)| a != b)
                        .map(|(a, b)| format!("expected `{a}` got `{b}`"))
                        .unwrap_or_else(|| "length differs".into());
                    failures.push(format!("{name}: {line}"));
                }
            }
            (Err((code, _, _)), Err(e)) if e.code as i32 == code => {}
            // A clash with the test driver's own domain is state, not the document.
            (Err((9, _, _)), Ok(_)) => {}
            (Err((_, _, message)), Ok(_)) => {
                failures.push(format!("{name}: accepted; libvirt: {message}"))
            }
            (Ok(_), Err(e)) => failures.push(format!("{name}: rejected: {}", e.message)),
            (Err((_, _, message)), Err(e)) => {
                failures.push(format!("{name}: {}; libvirt: {message}", e.message))
            }
        }
    }
    println!(
        "qemu corpus inputs in the test driver: {}/{}",
        docs.len() - failures.len(),
        docs.len()
    );
    for f in &failures {
        println!("  {f}");
    }
    assert!(failures.is_empty(), "{failures:?}");
}

/// Replaces generated UUIDs and MAC addresses (those the probe did not give) by placeholders.
fn mask(probe: &str, xml: &str) -> String {
    xml.lines()
        .map(|l| {
            let t = l.trim_start();
            if t.starts_with("<uuid>") && !probe.contains("<uuid>") {
                "  <uuid/>".to_string()
            } else if t.starts_with("<genid>") && !probe.contains("</genid>") {
                "  <genid/>".to_string()
            } else if t.starts_with("<mac address='52:54:00:") && !probe.contains(&t[14..31]) {
                "      <mac generated/>".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const PROBES: &[&str] = &[
    // Tap ownership and RDP graphics attributes.
    "<domain type='kvm'><name>p00</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os><devices>
  <interface type='ethernet'><target dev='x' managed='no'/></interface>
  <interface type='user'><target dev='y' managed='yes'/></interface>
  <graphics type='rdp' port='3389' listen='1.2.3.4' autoport='no' multiUser='yes' replaceUser='yes'/>
  <graphics type='rdp' port='3390' multiUser='yes' replaceUser='no' listen='0.0.0.0'/>
  <graphics type='rdp' autoport='yes'><listen type='network' network='default'/></graphics>
</devices></domain>",
    // Tunables, os, features, cpu, clock, lifecycle, pm, perf.
    "<domain type='kvm'>
  <name>p01</name>
  <title>A title</title>
  <description>Some &lt;desc&gt;</description>
  <memory unit='GiB'>2</memory>
  <currentMemory unit='MiB'>1024</currentMemory>
  <blkiotune><weight>500</weight><device><path>/dev/sda</path><weight>300</weight><read_bytes_sec>1000</read_bytes_sec></device></blkiotune>
  <memtune><hard_limit unit='G'>1</hard_limit><soft_limit>4096</soft_limit><swap_hard_limit unit='MiB'>2</swap_hard_limit></memtune>
  <memoryBacking><hugepages><page size='2048' unit='KiB' nodeset='0'/></hugepages><nosharepages/><locked/><source type='memfd'/><access mode='shared'/><allocation mode='immediate'/><discard/></memoryBacking>
  <vcpu placement='static' cpuset='0-3,^2' current='2'>4</vcpu>
  <cputune><shares>2048</shares><period>1000000</period><quota>-1</quota><vcpupin vcpu='0' cpuset='1,2,3'/><emulatorpin cpuset='0'/><vcpusched vcpus='0' scheduler='fifo' priority='1'/></cputune>
  <resource><partition>/machine</partition></resource>
  <sysinfo type='smbios'><bios><entry name='vendor'>LENOVO</entry></bios><system><entry name='manufacturer'>Fedora</entry><entry name='product'>Virt-Manager</entry></system><baseBoard><entry name='manufacturer'>X</entry></baseBoard><oemStrings><entry>foo</entry></oemStrings></sysinfo>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <loader readonly='yes' type='pflash' secure='no'>/usr/share/OVMF/OVMF_CODE.fd</loader>
    <nvram template='/usr/share/OVMF/OVMF_VARS.fd'>/var/lib/libvirt/qemu/nvram/p01_VARS.fd</nvram>
    <bootmenu enable='yes' timeout='3000'/>
    <smbios mode='sysinfo'/>
    <bios useserial='yes' rebootTimeout='0'/>
  </os>
  <features><acpi/><apic eoi='on'/><pae/><hap state='on'/><privnet/><kvm><hidden state='on'/></kvm><pvspinlock state='off'/><pmu state='off'/><vmport state='off'/><smm state='on'/><ioapic driver='kvm'/><vmcoreinfo state='on'/></features>
  <cpu mode='host-model' check='partial'><topology sockets='1' dies='1' cores='2' threads='2'/><feature policy='disable' name='vmx'/></cpu>
  <clock offset='localtime'><timer name='rtc' tickpolicy='catchup' track='guest'/><timer name='kvmclock' present='yes'/><timer name='tsc' frequency='1000000' mode='native'/><timer name='pit' present='no' tickpolicy='delay'/></clock>
  <on_poweroff>preserve</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>coredump-restart</on_crash>
  <on_lockfailure>poweroff</on_lockfailure>
  <pm><suspend-to-disk enabled='yes'/><suspend-to-mem enabled='no'/></pm>
  <perf><event name='cmt' enabled='yes'/></perf>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
</domain>",
    // Disks of every source type, drivers, addresses.
    "<domain type='kvm'>
  <name>p02</name>
  <memory>65536</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='writeback' discard='unmap' io='threads' copy_on_read='on' detect_zeroes='unmap'/>
      <source file='/var/lib/libvirt/images/a.qcow2'/>
      <target dev='vdb' bus='virtio'/>
      <serial>ABC123</serial>
      <boot order='2'/>
    </disk>
    <disk type='block' device='lun' sgio='filtered' rawio='yes'>
      <source dev='/dev/sdb'/>
      <target dev='sdb' bus='scsi'/>
      <shareable/>
    </disk>
    <disk type='network' device='disk'>
      <driver name='qemu' type='raw'/>
      <source protocol='rbd' name='pool/image'>
        <host name='mon1.example.org' port='6789'/>
        <host name='mon2.example.org'/>
      </source>
      <auth username='admin'><secret type='ceph' uuid='c8b49d38-7efd-4b30-9ad6-d5bd0c6b3e2e'/></auth>
      <target dev='vdc' bus='virtio'/>
    </disk>
    <disk type='network' device='cdrom'>
      <source protocol='https' name='/pub/a.iso'><host name='example.com'/></source>
      <target dev='sdc' bus='sata'/>
    </disk>
    <disk type='volume' device='disk'>
      <source pool='default' volume='b.img'/>
      <target dev='vda' bus='virtio'/>
      <iotune><total_bytes_sec>1000000</total_bytes_sec><read_iops_sec>400</read_iops_sec></iotune>
    </disk>
    <disk type='dir' device='floppy'>
      <source dir='/tmp'/>
      <target dev='fda'/>
    </disk>
    <disk type='file' device='disk' snapshot='no'>
      <source file='/tmp/x.img' startupPolicy='optional'/>
      <target dev='hdc' bus='ide' removable='on'/>
      <readonly/>
      <transient/>
      <wwn>0x5000c50015ea71ad</wwn>
      <vendor>VEND</vendor>
      <product>PROD</product>
    </disk>
    <disk type='file' device='disk'>
      <source file='/tmp/y.img'/>
      <target dev='sdd' bus='usb'/>
    </disk>
    <disk type='block' device='disk'>
      <source dev='/dev/vg/lv'/>
      <geometry cyls='16383' heads='16' secs='63' trans='lba'/>
      <blockio logical_block_size='512' physical_block_size='4096'/>
      <target dev='hdd' bus='ide'/>
      <address type='drive' controller='1' bus='1' unit='1'/>
    </disk>
  </devices>
</domain>",
    // Interfaces.
    "<domain type='kvm'>
  <name>p03</name>
  <memory>65536</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <interface type='network'>
      <mac address='52:54:00:11:22:33'/>
      <source network='default' portgroup='engineering'/>
      <model type='virtio'/>
      <driver name='vhost' queues='4' txmode='iothread' rx_queue_size='256'>
        <host csum='off' gso='off'/>
        <guest tso4='off'/>
      </driver>
      <link state='down'/>
      <mtu size='9000'/>
      <boot order='1'/>
      <address type='pci' domain='0' bus='1' slot='0' function='0'/>
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:AA:bb:cc'/>
      <source bridge='br0'/>
      <virtualport type='openvswitch'><parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f' profileid='menial'/></virtualport>
      <vlan trunk='yes'><tag id='42'/><tag id='47' nativeMode='untagged'/></vlan>
      <target dev='vnet7'/>
      <model type='e1000e'/>
      <filterref filter='clean-traffic'><parameter name='IP' value='10.0.0.1'/></filterref>
      <bandwidth><inbound average='1000' peak='5000' burst='1024'/><outbound average='128'/></bandwidth>
    </interface>
    <interface type='direct'>
      <source dev='eth0' mode='bridge'/>
      <model type='rtl8139'/>
    </interface>
    <interface type='user'>
      <ip family='ipv4' address='172.17.2.0' prefix='24'/>
      <model type='virtio'/>
      <rom bar='off'/>
    </interface>
    <interface type='ethernet'>
      <target dev='mytap1' managed='no'/>
      <script path='/etc/qemu-ifup'/>
    </interface>
    <interface type='vhostuser'>
      <mac address='52:54:00:3b:83:1a'/>
      <source type='unix' path='/tmp/vhost1.sock' mode='server'/>
      <model type='virtio'/>
    </interface>
    <interface type='mcast'>
      <source address='230.0.0.1' port='5558'/>
    </interface>
    <interface type='hostdev' managed='yes'>
      <source><address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x1'/></source>
    </interface>
  </devices>
</domain>",
    // Character devices.
    "<domain type='kvm'>
  <name>p04</name>
  <memory>65536</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <serial type='tcp'>
      <source mode='bind' host='127.0.0.1' service='4555'/>
      <protocol type='telnet'/>
      <target port='1'/>
    </serial>
    <serial type='file'>
      <source path='/tmp/serial.log' append='on'/>
    </serial>
    <serial type='unix'>
      <source mode='bind' path='/tmp/foo'/>
      <log file='/tmp/log' append='off'/>
    </serial>
    <parallel type='pty'/>
    <parallel type='dev'><source path='/dev/parport0'/></parallel>
    <console type='pty'><target type='virtio'/></console>
    <channel type='unix'>
      <source mode='bind' path='/var/lib/libvirt/qemu/f16x86_64.agent'/>
      <target type='virtio' name='org.qemu.guest_agent.0' state='connected'/>
      <address type='virtio-serial' controller='0' bus='0' port='1'/>
    </channel>
    <channel type='pty'>
      <target type='guestfwd' address='10.0.2.1' port='4600'/>
    </channel>
    <channel type='spiceport'>
      <source channel='org.qemu.console.serial.0'/>
      <target type='virtio' name='org.qemu.console.serial.0'/>
    </channel>
    <channel type='udp'>
      <source mode='bind' host='0.0.0.0' service='2445'/>
      <source mode='connect' host='0.0.0.0' service='2445'/>
      <target type='virtio' name='udp.0'/>
    </channel>
  </devices>
</domain>",
    // Graphics, video, sound, input, hostdev.
    "<domain type='kvm'>
  <name>p05</name>
  <memory>65536</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <controller type='usb' model='ich9-ehci1'/>
    <controller type='usb' model='ich9-uhci1'><master startport='0'/></controller>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='usb'/>
    <input type='tablet'/>
    <input type='passthrough'><source evdev='/dev/input/event1'/></input>
    <graphics type='vnc' port='5904' sharePolicy='allow-exclusive' websocket='5700' listen='0.0.0.0'>
      <listen type='address' address='0.0.0.0'/>
    </graphics>
    <graphics type='spice' port='5903' tlsPort='5904' autoport='no' defaultMode='secure'>
      <listen type='network' network='default'/>
      <channel name='main' mode='secure'/>
      <channel name='inputs' mode='insecure'/>
      <image compression='auto_glz'/>
      <jpeg compression='auto'/>
      <zlib compression='auto'/>
      <playback compression='on'/>
      <streaming mode='filter'/>
      <filetransfer enable='no'/>
      <gl enable='no'/>
    </graphics>
    <graphics type='sdl' display=':0' xauth='/root/.Xauthority' fullscreen='yes'/>
    <graphics type='egl-headless'><gl rendernode='/dev/dri/renderD128'/></graphics>
    <sound model='ich6'><codec type='micro'/><audio id='1'/></sound>
    <sound model='es1370'/>
    <audio id='1' type='spice'/>
    <video><model type='qxl' ram='65536' vram='32768' vgamem='16384' heads='1'/></video>
    <video><model type='vga' vram='9000'/></video>
    <hostdev mode='subsystem' type='usb' managed='yes'>
      <source startupPolicy='optional'><vendor id='0x1234'/><product id='0xbeef'/></source>
      <boot order='2'/>
    </hostdev>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <driver name='vfio'/>
      <source><address domain='0x0000' bus='0x06' slot='0x02' function='0x0'/></source>
      <rom bar='on' file='/etc/fake/boot.bin'/>
    </hostdev>
    <hostdev mode='subsystem' type='scsi'>
      <source><adapter name='scsi_host0'/><address bus='0' target='0' unit='0'/></source>
      <readonly/>
    </hostdev>
    <hostdev mode='capabilities' type='storage'>
      <source><block>/dev/sdf1</block></source>
    </hostdev>
  </devices>
</domain>",
    // Miscellaneous devices.
    "<domain type='kvm'>
  <name>p06</name>
  <memory>65536</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <controller type='usb' index='0' model='qemu-xhci' ports='15'/>
    <controller type='scsi' index='0' model='virtio-scsi'><driver queues='4' iothread='1'/></controller>
    <controller type='pci' index='0' model='pci-root'/>
    <controller type='pci' index='1' model='pci-bridge'><model name='pci-bridge'/><target chassisNr='1'/></controller>
    <controller type='virtio-serial' index='0' ports='16' vectors='4'/>
    <filesystem type='mount' accessmode='mapped'>
      <driver type='path' wrpolicy='immediate'/>
      <source dir='/export/to/guest'/>
      <target dir='/import/from/host'/>
      <readonly/>
    </filesystem>
    <filesystem type='mount'>
      <driver type='virtiofs' queue='1024'/>
      <binary path='/usr/libexec/virtiofsd' xattr='on'/>
      <source dir='/path'/>
      <target dir='mount_tag'/>
    </filesystem>
    <smartcard mode='host'/>
    <hub type='usb'/>
    <redirdev bus='usb' type='spicevmc'><boot order='3'/></redirdev>
    <redirfilter><usbdev class='0x08' vendor='0x1234' product='0xbeef' version='2.00' allow='yes'/><usbdev allow='no'/></redirfilter>
    <watchdog model='i6300esb' action='pause'/>
    <memballoon model='virtio' autodeflate='on'><stats period='10'/></memballoon>
    <rng model='virtio'><rate period='2000' bytes='1234'/><backend model='random'/></rng>
    <tpm model='tpm-tis'><backend type='passthrough'><device path='/dev/tpm0'/></backend></tpm>
    <panic model='isa'><address type='isa' iobase='0x505'/></panic>
    <shmem name='my_shmem0'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>
    <shmem name='shmem_server'><model type='ivshmem-doorbell'/><size unit='KiB'>2048</size><server path='/tmp/socket-shmem'/><msi vectors='32' ioeventfd='on'/></shmem>
    <iommu model='intel'><driver intremap='off' caching_mode='on' eim='on' iotlb='on' aw_bits='48'/></iommu>
    <vsock model='virtio'><cid address='3'/></vsock>
  </devices>
</domain>",
    // Custom CPU with NUMA, and a domain with no devices section.
    "<domain type='qemu'>
  <name>p07</name>
  <uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid>
  <vcpu>4</vcpu>
  <os><type arch='x86_64' machine='pc-i440fx-2.5'>hvm</type><boot dev='network'/><boot dev='cdrom'/></os>
  <cpu match='minimum'>
    <model>core2duo</model>
    <vendor>Intel</vendor>
    <feature name='lahf_lm'/>
    <feature policy='optional' name='xtpr'/>
    <numa>
      <cell cpus='0-1' memory='512' unit='MiB'/>
      <cell id='1' cpus='2,3' memory='524288' discard='yes' memAccess='shared'>
        <distances><sibling id='0' value='21'/><sibling id='1' value='10'/></distances>
      </cell>
    </numa>
  </cpu>
  <clock offset='variable' adjustment='-3600' basis='localtime'/>
  <seclabel type='static' model='selinux' relabel='yes'><label>system_u:system_r:svirt_t:s0:c392,c662</label></seclabel>
  <seclabel type='none' model='dac'/>
</domain>",
    // Xen paravirtualised guest.
    "<domain type='xen'>
  <name>p08</name>
  <memory>262144</memory>
  <bootloader>/usr/bin/pygrub</bootloader>
  <bootloader_args>--append single</bootloader_args>
  <os><type arch='x86_64' machine='xenpv'>linux</type><kernel>/boot/vmlinuz</kernel><initrd>/boot/initrd</initrd><cmdline>console=hvc0</cmdline></os>
  <devices>
    <disk type='file'><source file='/var/lib/xen/images/a.img'/><target dev='xvda'/></disk>
    <interface type='bridge'><source bridge='xenbr0'/><mac address='00:16:3e:00:00:01'/><script path='vif-bridge'/></interface>
    <console type='pty'/>
    <graphics type='vnc'/>
    <input type='mouse'/>
  </devices>
</domain>",
    // Container guest.
    "<domain type='lxc'>
  <name>p09</name>
  <memory>500000</memory>
  <os><type>exe</type><init>/sbin/init</init><initarg>--unit</initarg><initenv name='FOO'>bar</initenv><initdir>/root</initdir></os>
  <idmap><uid start='0' target='1000' count='10'/><gid start='0' target='1000' count='10'/></idmap>
  <devices>
    <filesystem type='mount'><source dir='/srv'/><target dir='/'/></filesystem>
    <console type='pty'/>
  </devices>
</domain>",
    // The same documents with what libvirt rejects above taken out.
    "<domain type='kvm'>
  <name>p02b</name>
  <memory>65536</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='writeback' discard='unmap' io='threads' copy_on_read='on' detect_zeroes='unmap'/>
      <source file='/var/lib/libvirt/images/a.qcow2'/>
      <target dev='vdb' bus='virtio'/>
      <serial>ABC123</serial>
      <boot order='2'/>
    </disk>
    <disk type='block' device='lun' sgio='filtered' rawio='yes'>
      <source dev='/dev/sdb'/>
      <target dev='sdb' bus='scsi'/>
      <shareable/>
    </disk>
    <disk type='network' device='disk'>
      <driver name='qemu' type='raw'/>
      <source protocol='rbd' name='pool/image'>
        <host name='mon1.example.org' port='6789'/>
        <host name='mon2.example.org'/>
      </source>
      <auth username='admin'><secret type='ceph' uuid='c8b49d38-7efd-4b30-9ad6-d5bd0c6b3e2e'/></auth>
      <target dev='vdc' bus='virtio'/>
    </disk>
    <disk type='network' device='cdrom'>
      <source protocol='https' name='/pub/a.iso'><host name='example.com'/></source>
      <target dev='sdc' bus='sata'/>
    </disk>
    <disk type='volume' device='disk'>
      <source pool='default' volume='b.img'/>
      <target dev='vda' bus='virtio'/>
      <iotune><total_bytes_sec>1000000</total_bytes_sec><read_iops_sec>400</read_iops_sec></iotune>
    </disk>
    <disk type='dir' device='floppy'>
      <source dir='/tmp'/>
      <target dev='fda'/>
    </disk>
    <disk type='file' device='disk' snapshot='no'>
      <source file='/tmp/x.img' startupPolicy='optional'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
      <transient/>
      <wwn>0x5000c50015ea71ad</wwn>
      <vendor>VEND</vendor>
      <product>PROD</product>
    </disk>
    <disk type='file' device='disk'>
      <source file='/tmp/y.img'/>
      <target dev='sdd' bus='usb'/>
    </disk>
    <disk type='block' device='disk'>
      <source dev='/dev/vg/lv'/>
      <geometry cyls='16383' heads='16' secs='63' trans='lba'/>
      <blockio logical_block_size='512' physical_block_size='4096'/>
      <target dev='hdd' bus='ide'/>
      <address type='drive' controller='1' bus='1' unit='1'/>
    </disk>
  </devices>
</domain>",
    "<domain type='kvm'>
  <name>p06b</name>
  <memory>65536</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <controller type='usb' index='0' model='qemu-xhci' ports='15'/>
    <controller type='scsi' index='0' model='virtio-scsi'><driver queues='4' iothread='1'/></controller>
    <controller type='pci' index='0' model='pci-root'/>
    <controller type='pci' index='1' model='pci-bridge'><model name='pci-bridge'/><target chassisNr='1'/></controller>
    <controller type='virtio-serial' index='0' ports='16' vectors='4'/>
    <filesystem type='mount' accessmode='mapped'>
      <driver type='path' wrpolicy='immediate'/>
      <source dir='/export/to/guest'/>
      <target dir='/import/from/host'/>
      <readonly/>
    </filesystem>
    <filesystem type='mount'>
      <driver type='virtiofs' queue='1024'/>
      <binary path='/usr/libexec/virtiofsd' xattr='on'/>
      <source dir='/path'/>
      <target dir='mount_tag'/>
    </filesystem>
    <smartcard mode='host'/>
    <hub type='usb'/>
    <redirdev bus='usb' type='spicevmc'><boot order='3'/></redirdev>
    <redirfilter><usbdev class='0x08' vendor='0x1234' product='0xbeef' version='2.00' allow='yes'/><usbdev allow='no'/></redirfilter>
    <watchdog model='i6300esb' action='pause'/>
    <memballoon model='virtio' autodeflate='on'><stats period='10'/></memballoon>
    <rng model='virtio'><rate period='2000' bytes='1234'/><backend model='random'/></rng>
    <tpm model='tpm-tis'><backend type='passthrough'><device path='/dev/tpm0'/></backend></tpm>
    <panic model='isa'><address type='isa' iobase='0x505'/></panic>
    <shmem name='my_shmem0'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>
    <shmem name='shmem_server'><model type='ivshmem-doorbell'/><size unit='KiB'>2048</size><server path='/tmp/socket-shmem'/><msi vectors='32' ioeventfd='on'/></shmem>
    <iommu model='intel'><driver intremap='off' caching_mode='on' iotlb='on' aw_bits='48'/></iommu>
    <vsock model='virtio'><cid address='3'/></vsock>
  </devices>
</domain>",
    // virt-install style extras: tuning, NUMA, storage and network details.
    "<domain type='kvm'>
  <name>p12</name>
  <memory>1048576</memory>
  <vcpu>4</vcpu>
  <iothreads>2</iothreads>
  <cputune><vcpupin vcpu='1' cpuset='2'/><iothreadpin iothread='1' cpuset='3'/><emulator_period>1000</emulator_period><emulator_quota>-1</emulator_quota><global_period>5000</global_period></cputune>
  <numatune><memory mode='preferred' nodeset='0'/><memnode cellid='0' mode='strict' nodeset='0'/></numatune>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <loader readonly='yes' type='pflash' stateless='yes'>/usr/share/edk2/ovmf/OVMF_CODE.fd</loader>
    <kernel>/tmp/vmlinuz</kernel>
    <initrd>/tmp/initrd</initrd>
    <cmdline>console=ttyS0</cmdline>
    <dtb>/tmp/my.dtb</dtb>
    <acpi><table type='slic'>/path/to/slic.dat</table></acpi>
  </os>
  <features><acpi/><apic/><hyperv mode='passthrough'><relaxed state='on'/><spinlocks state='on' retries='8191'/><vendor_id state='on' value='KVM Hv'/><stimer state='on'><direct state='on'/></stimer><reset state='off'/></hyperv><kvm><hint-dedicated state='on'/><poll-control state='on'/></kvm><gic version='3'/><smm state='on'><tseg unit='MiB'>48</tseg></smm><msrs unknown='ignore'/></features>
  <cpu mode='host-passthrough' migratable='on'><cache mode='passthrough'/><maxphysaddr mode='passthrough' limit='39'/><numa><cell id='0' cpus='0-3' memory='1048576' unit='KiB'/></numa></cpu>
  <clock offset='utc'><timer name='rtc' tickpolicy='catchup'><catchup threshold='123' slew='120' limit='10000'/></timer><timer name='hpet' present='no'/></clock>
  <devices>
    <disk type='network' device='disk'>
      <driver name='qemu' type='raw' iothread='1'/>
      <source protocol='iscsi' name='iqn.2013-07.com.example:iscsi-nopool'>
        <host name='example.com' port='3260'/>
        <auth username='myuser'><secret type='iscsi' usage='libvirtiscsi'/></auth>
      </source>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='network' device='disk'>
      <source protocol='nbd' name='bar'><host transport='unix' socket='/var/run/nbdsock'/></source>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='network' device='disk'>
      <source protocol='gluster' name='Volume/Image'><host name='example.org'/></source>
      <target dev='vdc' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' queues='4'/>
      <source file='/tmp/enc.qcow2'>
        <encryption format='luks'><secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/></encryption>
      </source>
      <backingStore type='file'><format type='raw'/><source file='/tmp/base.img'/></backingStore>
      <target dev='vdd' bus='virtio'/>
    </disk>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'><model name='pcie-root-port'/><target chassis='1' port='0x10'/><address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0' multifunction='on'/></controller>
    <controller type='scsi' index='0' model='virtio-scsi'><driver queues='2' cmd_per_lun='4' max_sectors='512'/></controller>
    <interface type='network'>
      <source network='default'/>
      <model type='virtio'/>
      <backend tap='/dev/net/tun' vhost='/dev/vhost-net'/>
      <tune><sndbuf>1600</sndbuf></tune>
      <coalesce><rx><frames max='7'/></rx></coalesce>
      <port isolated='yes'/>
      <teaming type='persistent'/>
    </interface>
    <interface type='network'>
      <source network='default'/>
      <model type='virtio'/>
      <teaming type='transient' persistent='ua-backup0'/>
    </interface>
    <smartcard mode='passthrough' type='tcp'><source mode='connect' host='127.0.0.1' service='2001'/><protocol type='raw'/></smartcard>
    <smartcard mode='host-certificates'><certificate>cert1</certificate><certificate>cert2</certificate><certificate>cert3</certificate><database>/etc/pki/nssdb/</database></smartcard>
    <tpm model='tpm-crb'><backend type='emulator' version='2.0' persistent_state='yes'><encryption secret='b4a117f1-8af2-44a4-91b8-7f0d2d4d68a3'/><active_pcr_banks><sha256/><sha384/></active_pcr_banks></backend></tpm>
    <video><driver name='qemu'/><model type='virtio' heads='2'><acceleration accel3d='yes'/><resolution x='800' y='600'/></model></video>
    <hostdev mode='subsystem' type='mdev' model='vfio-pci' display='on' ramfb='on'><source><address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>
    <hostdev mode='subsystem' type='scsi_host'><source protocol='vhost' wwpn='naa.5001405df3e54061'/></hostdev>
    <memory model='nvdimm' access='shared'><source><path>/tmp/nvdimm</path></source><target><size unit='KiB'>524288</size><node>0</node><label><size unit='KiB'>128</size></label><readonly/></target></memory>
    <crypto model='virtio' type='qemu'><backend model='builtin' queues='1'/></crypto>
    <audio id='1' type='pulseaudio' serverName='srv'><input mixingEngine='yes' fixedSettings='yes' voices='1' bufferLength='100'><settings frequency='44100' channels='2' format='s16'/></input></audio>
  </devices>
  <keywrap><cipher name='aes' state='off'/></keywrap>
  <launchSecurity type='sev' kernelHashes='yes'><cbitpos>47</cbitpos><reducedPhysBits>1</reducedPhysBits><policy>0x0033</policy><dhCert>AAA</dhCert><session>BBB</session></launchSecurity>
</domain>",
    // Serial and console pairing variants.
    "<domain type='kvm'>
  <name>p13</name>
  <memory>65536</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <serial type='file'><source path='/tmp/a.log'/><target type='isa-serial' port='0'><model name='isa-serial'/></target></serial>
    <serial type='pty'><target port='3'/></serial>
    <serial type='pty'/>
    <console type='file'><source path='/tmp/other.log'/><target type='serial' port='0'/></console>
    <console type='pty'><target type='virtio' port='1'/></console>
  </devices>
</domain>",
    "<domain type='kvm'>
  <name>p14</name>
  <memory>65536</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <console type='tcp'><source mode='connect' host='0.0.0.0' service='2445'/><protocol type='telnet'/><target type='serial' port='0'/></console>
    <channel type='spicevmc'><target type='virtio'/></channel>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <channel type='pty'><target type='virtio' name='foo'/><address type='virtio-serial' controller='2' bus='0' port='3'/></channel>
  </devices>
</domain>",
    "<domain type='kvm'>
  <name>p15</name>
  <memory>65536</memory>
  <os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os>
  <devices>
    <console type='pty'><target type='sclp'/></console>
    <disk type='file' device='disk'><source file='/tmp/a'/><target dev='vda' bus='virtio'/><address type='ccw' cssid='0xfe' ssid='0' devno='8'/></disk>
    <memballoon model='virtio'><address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0002'/></memballoon>
    <panic model='s390'/>
  </devices>
</domain>",
    // Graphics variants.
    "<domain type='kvm'>
  <name>p16</name>
  <memory>65536</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <graphics type='vnc' socket='/tmp/vnc.sock'/>
    <graphics type='vnc' autoport='yes' listen='127.0.0.1' passwd='x' passwdValidTo='2010-04-09T15:51:00' connected='keep'/>
    <graphics type='vnc'><listen type='none'/></graphics>
    <graphics type='spice'/>
    <graphics type='spice' autoport='yes'><listen type='address' address='::1'/><mouse mode='server'/></graphics>
    <graphics type='spice' port='5900'><listen type='socket' socket='/tmp/spice.sock'/></graphics>
    <graphics type='rdp' autoport='yes' multiUser='yes'/>
    <graphics type='desktop' display=':0.1' fullscreen='yes'/>
    <graphics type='dbus' p2p='yes'><gl enable='yes'/><audio id='1'/></graphics>
    <audio id='1' type='none'/>
    <video><model type='vga' vram='16384' heads='1'/></video>
  </devices>
</domain>",
    // Firmware autoselection and boot options.
    "<domain type='kvm'>
  <name>p17</name>
  <memory>65536</memory>
  <os firmware='efi'>
    <type arch='x86_64' machine='q35'>hvm</type>
    <firmware><feature enabled='no' name='secure-boot'/></firmware>
    <loader secure='no'/>
    <boot dev='cdrom'/>
    <boot dev='network'/>
  </os>
  <cpu mode='custom' match='exact' check='none'><model fallback='forbid'>Skylake-Client</model><vendor>Intel</vendor><feature policy='require' name='ibpb'/></cpu>
  <devices>
    <interface type='user'><model type='virtio'/><boot order='1'/></interface>
  </devices>
</domain>",
    "<domain type='kvm'>
  <name>p18</name>
  <memory>65536</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <cpu mode='host-model'><model fallback='allow'/><topology sockets='2' cores='1' threads='1'/></cpu>
  <devices>
    <disk type='file' device='cdrom'><target dev='sdb' bus='scsi'/><boot order='1'/></disk>
    <hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0' bus='6' slot='2' function='0'/></source><boot order='2'/></hostdev>
    <redirdev bus='usb' type='spicevmc'><boot order='3'/></redirdev>
    <controller type='usb' model='qemu-xhci'/>
  </devices>
</domain>",
    // Xen HVM guest.
    "<domain type='xen'>
  <name>p19</name>
  <memory>262144</memory>
  <os><type arch='x86_64' machine='xenfv'>hvm</type><loader>/usr/lib/xen/boot/hvmloader</loader><boot dev='cdrom'/></os>
  <features><acpi/><apic/><pae/><viridian/><hap/></features>
  <clock offset='variable' adjustment='0' basis='utc'/>
  <devices>
    <emulator>/usr/lib/xen/bin/qemu-dm</emulator>
    <disk type='block' device='disk'><driver name='phy'/><source dev='/dev/vg/xen'/><target dev='hda'/></disk>
    <disk type='file' device='cdrom'><source file='/tmp/a.iso'/><target dev='hdc'/></disk>
    <interface type='bridge'><source bridge='xenbr0'/><mac address='00:16:3e:5d:c7:9e'/><script path='vif-bridge'/><model type='netfront'/></interface>
    <serial type='pty'><target port='0'/></serial>
    <input type='tablet' bus='usb'/>
    <graphics type='vnc' port='-1' autoport='yes' keymap='en-us'/>
    <sound model='es1370'/>
  </devices>
</domain>",
    // Memory hotplug and huge pages.
    "<domain type='kvm'>
  <name>p20</name>
  <maxMemory slots='16' unit='GiB'>8</maxMemory>
  <memory unit='GiB'>2</memory>
  <memoryBacking><hugepages><page size='1' unit='G' nodeset='0'/><page size='2' unit='M'/></hugepages></memoryBacking>
  <vcpu placement='auto'>2</vcpu>
  <numatune><memory mode='interleave' nodeset='0'/></numatune>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <cpu><numa><cell id='0' cpus='0-1' memory='1' unit='GiB'/></numa></cpu>
  <devices>
    <memory model='dimm' discard='yes'>
      <source><pagesize unit='KiB'>2048</pagesize><nodemask>0</nodemask></source>
      <target><size unit='MiB'>512</size><node>0</node></target>
    </memory>
    <memory model='virtio-mem'>
      <target><size unit='GiB'>1</size><node>0</node><block unit='MiB'>2</block><requested unit='MiB'>512</requested></target>
    </memory>
  </devices>
</domain>",
    // Container with network and hostdevs.
    "<domain type='lxc'>
  <name>p21</name>
  <memory>500000</memory>
  <vcpu>2</vcpu>
  <resource><partition>/machine/lxc</partition></resource>
  <os><type arch='x86_64'>exe</type><init>/bin/sh</init><inituser>root</inituser><initgroup>root</initgroup></os>
  <features><privnet/><capabilities policy='allow'><mknod state='off'/></capabilities></features>
  <devices>
    <emulator>/usr/libexec/libvirt_lxc</emulator>
    <filesystem type='ram' accessmode='passthrough'><source usage='1024' units='KiB'/><target dir='/mnt'/></filesystem>
    <filesystem type='block'><source dev='/dev/sda1'/><target dir='/data'/></filesystem>
    <interface type='network'><source network='default'/><guest dev='eth0'/></interface>
    <hostdev mode='capabilities' type='misc'><source><char>/dev/null</char></source></hostdev>
    <hostdev mode='capabilities' type='net'><source><interface>eth9</interface></source></hostdev>
    <console type='pty'><target type='lxc' port='0'/></console>
  </devices>
</domain>",
    // Identity, metadata and per-vCPU details.
    "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>p22</name>
  <uuid>8bb5e4f6-8f2a-4c6e-b5c1-7bd0e5a1e0f2</uuid>
  <genid>43dc0cf8-809b-4adb-9bea-a9abb5f3d90d</genid>
  <title>Title</title>
  <description>
    multi
    line &amp; text
  </description>
  <metadata>
    <app:data xmlns:app='http://example.org/app/1.0' a='1'><app:item>one &lt;two&gt;</app:item><app:empty/></app:data>
    <plain>dropped</plain>
  </metadata>
  <memory>131072</memory>
  <vcpu placement='static' current='2'>4</vcpu>
  <vcpus>
    <vcpu id='0' enabled='yes' hotpluggable='no' order='1'/>
    <vcpu id='1' enabled='yes' hotpluggable='yes' order='2'/>
    <vcpu id='2' enabled='no' hotpluggable='yes'/>
    <vcpu id='3' enabled='no' hotpluggable='yes'/>
  </vcpus>
  <iothreads>1</iothreads>
  <iothreadids><iothread id='1' thread_pool_min='0' thread_pool_max='4'><poll max='123' grow='456' shrink='789'/></iothread></iothreadids>
  <cputune><cachetune vcpus='0-1'><cache id='0' level='3' type='both' size='3' unit='MiB'/><monitor level='3' vcpus='1'/></cachetune><memorytune vcpus='2-3'><node id='0' bandwidth='60'/></memorytune></cputune>
  <sysinfo type='smbios'><chassis><entry name='manufacturer'>Dell</entry><entry name='asset'>A1</entry></chassis></sysinfo>
  <os><type arch='x86_64'>hvm</type><smbios mode='host'/></os>
  <features><acpi/></features>
  <perf><event name='cpu_cycles' enabled='no'/><event name='instructions' enabled='yes'/></perf>
  <devices>
    <disk type='file' device='disk'>
      <source file='/tmp/a.img'><seclabel model='dac' relabel='no'/><seclabel model='selinux' relabel='yes'><label>system_u:object_r:svirt_image_t:s0</label></seclabel></source>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='vhostuser' device='disk'><driver name='qemu' type='raw'/><source type='unix' path='/tmp/vhost-blk.sock'><reconnect enabled='yes' timeout='10'/></source><target dev='vdb' bus='virtio'/></disk>
    <disk type='nvme' device='disk'><driver name='qemu' type='raw'/><source type='pci' managed='yes' namespace='1'><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source><target dev='vdc' bus='virtio'/></disk>
    <disk type='network' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source protocol='https' name='/img.iso' query='foo=bar'><host name='example.com' port='443'/><ssl verify='no'/><cookies><cookie name='test'>1234</cookie></cookies><readahead size='65536'/><timeout seconds='10'/></source>
      <target dev='sda' bus='sata'/>
    </disk>
    <hostdev mode='subsystem' type='usb'><source><address bus='1' device='2'/></source></hostdev>
    <interface type='udp'><source address='127.0.0.1' port='1234'><local address='127.0.0.1' port='5678'/></source></interface>
    <interface type='ethernet'><ip address='192.168.122.5' prefix='24'/><route family='ipv4' address='192.168.122.0' prefix='24' gateway='192.168.122.1'/><target dev='tap0'/></interface>
    <interface type='network'><source network='default' portid='8fe1d8ef-54f0-4ba6-8f4b-3e6f77ef1ff8'/><vlan><tag id='7'/></vlan><model type='e1000'/></interface>
  </devices>
  <seclabel type='dynamic' model='selinux' relabel='yes'><baselabel>system_u:system_r:svirt_t:s0</baselabel></seclabel>
  <qemu:commandline><qemu:arg value='-foo'/></qemu:commandline>
</domain>",
    // Odd but valid scalars.
    "<domain type='kvm'>
  <name>p23 with space</name>
  <uuid>8bb5e4f68f2a4c6eb5c17bd0e5a1e0f2</uuid>
  <description>   </description>
  <memory unit='b'>1048577</memory>
  <currentMemory unit='MB'>4000</currentMemory>
  <vcpu current='0'>2</vcpu>
  <os><type arch='x86_64'>hvm</type><boot dev='hd'/><boot dev='hd'/><boot dev='cdrom'/><boot dev='fd'/><boot dev='network'/><boot dev='hd'/></os>
  <features><apic eoi='off'/><acpi/></features>
  <clock offset='timezone' timezone='Europe/Paris'/>
  <on_poweroff>restart</on_poweroff>
  <devices/>
</domain>",
    "<domain type='kvm'>
  <name>p24</name>
  <memory>65536</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <clock offset='absolute' start='1234'/>
  <pm/>
  <features/>
  <cputune/>
</domain>",
    "<domain type='kvm'>
  <name>p25</name>
  <memory>65536</memory>
  <os><type arch='aarch64' machine='virt'>hvm</type><loader readonly='yes' type='pflash'>/usr/share/AAVMF/AAVMF_CODE.fd</loader><nvram>/var/lib/libvirt/qemu/nvram/p25_VARS.fd</nvram></os>
  <features><acpi/><gic version='host'/></features>
  <cpu mode='host-passthrough'/>
  <devices>
    <console type='pty'/>
    <serial type='pty'><target type='system-serial' port='0'><model name='pl011'/></target></serial>
    <input type='keyboard'/>
    <input type='mouse' bus='virtio'/>
    <graphics type='vnc'/>
    <video><model type='virtio'/></video>
  </devices>
</domain>",
    // Other hypervisor types.
    "<domain type='vbox'>
  <name>p26</name>
  <memory>65536</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices><graphics type='rdp' port='3389'/><disk type='file' device='disk'><source file='/a.vdi'/><target dev='hda'/></disk></devices>
</domain>",
    "<domain type='vmware'>
  <name>p27</name>
  <memory>65536</memory>
  <os><type arch='i686'>hvm</type></os>
  <devices><graphics type='vnc'/><interface type='bridge'><source bridge='vmnet0'/><model type='vmxnet3'/></interface><controller type='scsi' model='lsilogic'/></devices>
</domain>",
    "<domain type='bhyve'>
  <name>p28</name>
  <memory>65536</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices><graphics type='vnc' port='5904'/><console type='nmdm'><source master='/dev/nmdm0A' slave='/dev/nmdm0B'/></console></devices>
</domain>",
    "<domain type='openvz'>
  <name>p29</name>
  <memory>65536</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices><filesystem type='template'><source name='debian'/><target dir='/'/></filesystem><interface type='bridge'><source bridge='br0'/></interface></devices>
</domain>",
    "<domain type='hyperv'>
  <name>p30</name>
  <memory>65536</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices><video><model type='vga'/></video><memballoon model='none'/></devices>
</domain>",
    // More device details.
    "<domain type='kvm'>
  <name>p31</name>
  <memory>65536</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='sdb' bus='sata' tray='open'/></disk>
    <disk type='volume' device='cdrom'><source pool='iscsi-pool' volume='unit:0:0:1' mode='host'/><target dev='sdc' bus='sata'/></disk>
    <filesystem type='file' accessmode='passthrough'><driver type='loop' format='raw'/><source file='/tmp/a.img'/><target dir='/mnt'/></filesystem>
    <input type='evdev'><source dev='/dev/input/event1' grab='all' grabToggle='ctrl-ctrl' repeat='on'/></input>
    <watchdog model='ib700' action='dump'/>
    <tpm model='tpm-tis'><backend type='emulator' version='1.2'/></tpm>
    <controller type='usb' model='qemu-xhci'/>
    <redirdev bus='usb' type='tcp'><source mode='connect' host='localhost' service='4000'/><address type='usb' bus='0' port='1'/></redirdev>
    <hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source><address type='pci' domain='0x0000' bus='0x00' slot='0x09' function='0x0' multifunction='on'/></hostdev>
    <shmem name='ivs'><size unit='M'>1</size></shmem>
    <memballoon model='virtio' freePageReporting='on'><stats period='0'/></memballoon>
    <rng model='virtio-non-transitional'><backend model='builtin'/></rng>
    <iommu model='virtio'/>
    <sound model='ich9'><codec type='duplex'/><codec type='output'/></sound>
    <audio id='1' type='alsa'><input dev='/dev/dsp0'/><output dev='/dev/dsp1'/></audio>
    <audio id='2' type='file' path='/tmp/audio.wav'/>
  </devices>
</domain>",
    // Graphics listen and port variants.
    "<domain type='kvm'>
  <name>p32</name>
  <memory>65536</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <graphics type='vnc' autoport='no'/>
    <graphics type='vnc' socket='/tmp/a.sock'><listen type='address' address='1.2.3.4'/></graphics>
    <graphics type='vnc'><listen type='network' network='default'/></graphics>
    <graphics type='vnc' port='5901' listen='::'/>
    <graphics type='vnc' websocket='-1'/>
    <graphics type='vnc' sharePolicy='force-shared' powerControl='yes'/>
    <graphics type='vnc'><listen type='address'/><listen type='address' address='1.1.1.1'/></graphics>
    <graphics type='spice' port='5901'/>
    <graphics type='spice' tlsPort='5902' autoport='no'/>
    <graphics type='spice' autoport='no'/>
    <graphics type='spice' port='-1' tlsPort='5903'/>
    <graphics type='spice'><listen type='address' address='0.0.0.0'/></graphics>
    <graphics type='egl-headless'/>
    <graphics type='dbus' address='unix:path=/tmp/x'/>
    <graphics type='desktop'/>
    <graphics type='sdl'/>
    <graphics type='rdp' port='3389' replaceUser='yes'/>
  </devices>
</domain>",
];

#[test]
fn probes_match_libvirt() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for (i, probe) in PROBES.iter().enumerate() {
        let Some(expected) = libvirt_define(probe) else {
            return rvirt_testkit::skip_or_fail("/usr/bin/python3 with python3-libvirt");
        };
        compared += 1;
        let ours = DomainDef::parse(probe, ParseOptions::default());
        match (expected, ours) {
            (Ok(want), Ok(def)) => {
                let got = def.format(FormatOptions::default());
                let (want, got) = (mask(probe, &want), mask(probe, &got));
                if let Ok(dir) = std::env::var("DOMAIN_ORACLE_DUMP") {
                    // Debugging aid: both sides, to diff.
                    let _ = std::fs::create_dir_all(&dir);
                    let _ = std::fs::write(format!("{dir}/{i}.want.xml"), &want);
                    let _ = std::fs::write(format!("{dir}/{i}.got.xml"), &got);
                }
                if want.trim_end() != got.trim_end() {
                    let line = want
                        .lines()
                        .zip(got.lines())
                        .find(|(a, b)| a != b)
                        .map(|(a, b)| format!("expected `{a}` got `{b}`"))
                        .unwrap_or_else(|| "length differs".into());
                    failures.push(format!("probe {i}: {line}"));
                }
            }
            (Err((code, _, _)), Err(e)) if e.code as i32 == code => {}
            (Err((code, dom, _)), Ok(_)) => failures.push(format!(
                "probe {i}: accepted, libvirt rejects ({code}, {dom})"
            )),
            (Ok(_), Err(e)) => failures.push(format!("probe {i}: rejected: {}", e.message)),
            (Err((code, _, _)), Err(e)) => failures.push(format!(
                "probe {i}: code {} ({}), libvirt {code}",
                e.code as i32, e.message
            )),
        }
    }
    println!(
        "domain oracle probes: {}/{compared}",
        compared - failures.len()
    );
    for f in &failures {
        println!("  {f}");
    }
    assert!(failures.is_empty(), "{failures:?}");
}

/// Documents libvirt rejects: rvirt must reject them with the same code, domain and message.
const ERROR_PROBES: &[(&str, &str)] = &[
    ("", "<disk type='foo' device='disk'><source file='/a'/><target dev='vda'/></disk>"),
    ("", "<disk type='file' device='foo'><source file='/a'/><target dev='vda'/></disk>"),
    ("", "<disk type='file' device='disk'><source file='/a'/><target dev='vda' bus='foo'/></disk>"),
    ("", "<disk type='file' device='disk'><source file='/a'/></disk>"),
    ("", "<disk type='file' device='disk'><source file='/a'/><target/></disk>"),
    ("", "<disk type='file' device='disk'><target dev='vda'/></disk>"),
    ("", "<disk type='file' device='disk'><driver cache='foo'/><source file='/a'/><target dev='vda'/></disk>"),
    ("", "<disk type='file' device='disk'><source file='/a'/><target dev='vda'/></disk><disk type='file' device='disk'><source file='/b'/><target dev='vda'/></disk>"),
    ("", "<interface type='foo'/>"),
    ("", "<interface type='network'/>"),
    ("", "<interface type='network'><source/></interface>"),
    ("", "<interface type='direct'/>"),
    ("", "<interface type='bridge'><mac address='zz'/><source bridge='b'/></interface>"),
    ("", "<interface type='bridge'><mac address='01:00:00:00:00:00'/><source bridge='b'/></interface>"),
    ("", "<controller type='foo'/>"),
    ("", "<controller type='usb' model='foo'/>"),
    ("", "<controller type='ide' index='0'/><controller type='ide' index='0'/>"),
    ("", "<graphics type='foo'/>"),
    ("", "<graphics type='vnc' port='abc'/>"),
    ("", "<video><model type='foo'/></video>"),
    ("", "<input type='foo'/>"),
    ("", "<input type='tablet' bus='foo'/>"),
    ("", "<serial type='foo'/>"),
    ("", "<memballoon model='foo'/>"),
    ("", "<watchdog model='foo'/>"),
    ("", "<watchdog model='i6300esb' action='foo'/>"),
    ("", "<rng model='foo'><backend model='random'/></rng>"),
    ("", "<tpm model='foo'><backend type='emulator'/></tpm>"),
    ("", "<hostdev mode='subsystem' type='foo'/>"),
    ("", "<filesystem type='foo'><source dir='/a'/><target dir='b'/></filesystem>"),
    ("", "<sound model='virtio'/>"),
    ("", "<video><model type='virtio'><acceleration accel3d='yes' rendernode='/dev/dri/foo'/></model></video>"),
    ("", "<audio type='spice'/>"),
    ("<on_reboot>foo</on_reboot>", ""),
    ("<clock offset='foo'/>", ""),
    ("<clock offset='utc'><timer name='foo'/></clock>", ""),
    ("<cpu mode='foo'/>", ""),
    ("<cpu mode='custom' match='foo'><model>x</model></cpu>", ""),
    ("<cpu><model>x</model><feature policy='foo' name='x'/></cpu>", ""),
    ("<cpu><feature policy='require' name='x'/></cpu>", ""),
    ("<features><hap state='foo'/></features>", ""),
    ("<features><hyperv><relaxed state='foo'/></hyperv></features>", ""),
    ("<pm><suspend-to-mem enabled='foo'/></pm>", ""),
    ("<seclabel type='foo'/>", ""),
    ("<vcpu>abc</vcpu>", ""),
    ("<vcpu current='5'>2</vcpu>", ""),
    ("<uuid>abc</uuid>", ""),
    ("<maxMemory slots='2'>1000</maxMemory>", ""),
    ("<title>a\nb</title>", ""),
    ("<launchSecurity type='sev-snp'/>", ""),
    ("<os firmware='efi'><type arch='x86_64'>hvm</type><loader readonly='yes'/></os>", ""),
    ("<os firmware='efi'><type arch='x86_64'>hvm</type><loader type='pflash'/></os>", ""),
    ("<os firmware='foo'><type arch='x86_64'>hvm</type></os>", ""),
    ("<os><type arch='x86_64'>hvm</type><boot dev='foo'/></os>", ""),
    ("<os><type arch='x86_64'>hvm</type><boot dev='hd'/></os>", "<disk type='file' device='disk'><source file='/a'/><target dev='vda'/><boot order='1'/></disk>"),
    ("<os><type arch='x86_64'>foo</type></os>", ""),
    ("<os><type arch='loongarch64'>hvm</type></os>", ""),
    ("", "<disk type='file' device='disk'><source file='/a'/><target dev='vda'/><boot order='1'/></disk><disk type='file' device='disk'><source file='/b'/><target dev='vdb'/><boot order='1'/></disk>"),
    ("", "<controller type='pci' index='0' model='pci-root'/><controller type='pci' index='0' model='pcie-root'/>"),
    ("", "<serial type='pty'><target port='abc'/></serial>"),
    ("", "<memballoon model='virtio'/><memballoon model='virtio'/>"),
    ("", "<tpm model='tpm-tis'><backend type='foo'/></tpm>"),
    ("", "<rng model='virtio'><backend model='foo'/></rng>"),
    ("", "<watchdog/>"),
    ("", "<watchdog model='itco'/>"),
    ("", "<sound/>"),
    ("<vcpu placement='foo'>2</vcpu>", ""),
    ("<vcpu cpuset='abc'>2</vcpu>", ""),
    ("<memory unit='EiB'>100</memory>", ""),
    ("<memory>9007199254740992</memory>", ""),
    ("<cpu><model>x</model><feature policy='require'/></cpu>", ""),
    ("<cpu><numa><cell cpus='0-3' memory='1024'/></numa></cpu>", ""),
    ("<features><hyperv><spinlocks state='on' retries='100'/></hyperv></features>", ""),
    ("<features><hyperv><foo state='on'/></hyperv></features>", ""),
    ("<features><foo/></features>", ""),
    ("<memoryBacking><hugepages><page size='2048' nodeset='1'/></hugepages></memoryBacking>", ""),
    ("<maxMemory>1048576</maxMemory>", ""),
    ("<numatune><memory placement='static'/></numatune>", ""),
    ("<os><type arch='x86_64'>hvm</type><nvram>/tmp/vars.fd</nvram></os>", ""),
    ("", "<input bus='usb'/>"),
    ("", "<channel type='pty'/>"),
    ("", "<channel type='pty'><target name='x'/></channel>"),
    ("", "<serial type='tcp'><source mode='connect' service='12'/></serial>"),
    ("", "<serial type='file'/>"),
    ("", "<controller type='usb' model='ich9-uhci1'><master startport='0'/></controller>"),
    ("", "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='1' slot='0' function='0'/></source></hostdev><hostdev mode='subsystem' type='pci'><source><address domain='0' bus='1' slot='0' function='0'/></source></hostdev>"),
    ("", "<disk type='file' device='disk'><source file='/a'/><target dev='sda' bus='scsi'/><address type='drive' controller='0' bus='0' target='0' unit='0'/></disk><disk type='file' device='disk'><source file='/b'/><target dev='sdb' bus='scsi'/><address type='drive' controller='0' bus='0' target='0' unit='0'/></disk>"),
    ("", "<disk type='file' device='disk'><source file='/a'/><target dev='fda' bus='fdc'/></disk>"),
    ("", "<disk type='file' device='disk'><source file='/a'/><target dev='sda' bus='scsi'/><address type='pci'/></disk>"),
    ("", "<disk type='network' device='disk'><source protocol='qemu' name='x'/><target dev='vda'/></disk>"),
    ("", "<interface type='user'><backend type='passt'/></interface>"),
    ("", "<graphics type='vnc'><listen address='1.2.3.4'/></graphics>"),
    ("", "<panic model='pvpanic'/>"),
    ("", "<graphics type='vnc' listen='1.2.3.4'><listen type='address' address='5.6.7.8'/></graphics>"),
    ("", "<graphics type='vnc' socket='/tmp/a.sock'><listen type='socket' socket='/tmp/b.sock'/></graphics>"),
    ("", "<controller type='usb' model='none'/><input type='tablet' bus='usb'/>"),
    ("", "<controller type='usb' model='none'/><redirdev bus='usb' type='spicevmc'/>"),
    ("", "<controller type='usb' model='none'/><hostdev mode='subsystem' type='usb'><source><vendor id='0x1'/><product id='0x2'/></source></hostdev>"),
    ("", "<controller type='usb' model='none'/><hub type='usb'/>"),
    ("", "<redirdev bus='usb' type='spicevmc'/>"),
    ("", "<video><model type='none'/></video><video><model type='vga'/></video>"),
    ("", "<console type='pty'><target type='foo'/></console>"),
    ("", "<serial type='pty'><target type='foo'/></serial>"),
    ("", "<channel type='pty'><target type='foo'/></channel>"),
    ("", "<disk type='file' device='disk'><source file='/a'/><target dev='vda'/><boot order='x'/></disk>"),
    ("", "<interface type='user'><target dev='x' managed='no'/></interface>"),
    ("", "<interface type='network'><source network='default'/><target dev='x' managed='no'/></interface>"),
    ("", "<interface type='ethernet'><target dev='x' managed='bogus'/></interface>"),
    // An ICH9 UHCI controller is a companion even without <master> (found by fuzzing).
    ("", "<controller type='usb' model='ich9-uhci1'/><controller type='usb' model='ich9-uhci2'><master startport='2'/></controller>"),
];

#[test]
fn error_probes_match_libvirt() {
    let mut failures = Vec::new();
    for (i, (top, devices)) in ERROR_PROBES.iter().enumerate() {
        // A probe that brings its own <os> replaces the default one.
        let os = if top.contains("<os") {
            ""
        } else {
            "<os><type arch='x86_64'>hvm</type></os>"
        };
        // Likewise for <memory>.
        let memory = if top.starts_with("<memory") {
            ""
        } else {
            "<memory>65536</memory>"
        };
        let xml = format!(
            "<domain type='kvm'><name>err{i}</name>{memory}\
             {os}{top}<devices>{devices}</devices></domain>"
        );
        let Some(expected) = libvirt_define(&xml) else {
            return rvirt_testkit::skip_or_fail("/usr/bin/python3 with python3-libvirt");
        };
        let Err((code, domain, message)) = expected else {
            failures.push(format!("error probe {i}: libvirt accepts it"));
            continue;
        };
        match DomainDef::parse(&xml, ParseOptions::default()) {
            Ok(_) => failures.push(format!("error probe {i}: accepted; libvirt: {message}")),
            Err(e) => {
                let got = (e.code as i32, e.domain as i32, e.message.as_str());
                if got != (code, domain, message.as_str()) {
                    failures.push(format!(
                        "error probe {i}: got {got:?}, libvirt ({code}, {domain}, {message:?})"
                    ));
                }
            }
        }
    }
    println!(
        "domain error probes: {}/{}",
        ERROR_PROBES.len() - failures.len(),
        ERROR_PROBES.len()
    );
    for f in &failures {
        println!("  {f}");
    }
    assert!(failures.is_empty(), "{failures:?}");
}

/// `VIR_DOMAIN_XML_SECURE` and `VIR_DOMAIN_XML_INACTIVE` against libvirt, on a document
/// with a graphics password and HTTP cookies.
#[test]
fn format_flags_match_libvirt() {
    const DOC: &str = "<domain type='kvm'><name>flags</name><memory>65536</memory>\
        <os><type arch='x86_64'>hvm</type></os><devices>\
        <disk type='network' device='cdrom'><source protocol='https' name='/a.iso'>\
        <host name='example.com'/><cookies><cookie name='c'>v&amp;1</cookie></cookies></source>\
        <target dev='sda' bus='sata'/></disk>\
        <graphics type='vnc' passwd='s&quot;cret' passwdValidTo='2030-01-01T00:00:00'/>\
        <graphics type='spice' passwd='x' connected='keep'/>\
        </devices></domain>";
    const SCRIPT: &str = r#"
import sys, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open("test:///default")
d = c.defineXML(sys.stdin.read())
flags = [0, libvirt.VIR_DOMAIN_XML_SECURE, libvirt.VIR_DOMAIN_XML_INACTIVE,
         libvirt.VIR_DOMAIN_XML_SECURE | libvirt.VIR_DOMAIN_XML_INACTIVE]
sys.stdout.write("\0".join(d.XMLDesc(f) for f in flags))
"#;
    use std::io::Write;
    let Ok(mut child) = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(SCRIPT)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
    else {
        return rvirt_testkit::skip_or_fail("/usr/bin/python3");
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(DOC.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        return rvirt_testkit::skip_or_fail("/usr/bin/python3 with python3-libvirt");
    }
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let expected: Vec<&str> = text.split('\0').collect();
    assert_eq!(expected.len(), 4);
    let def = DomainDef::parse(DOC, ParseOptions::default()).unwrap();
    for (i, (secure, inactive)) in [(false, false), (true, false), (false, true), (true, true)]
        .into_iter()
        .enumerate()
    {
        let got = def.format(FormatOptions {
            secure,
            inactive,
            migratable: false,
        });
        assert_eq!(
            mask(DOC, expected[i]).trim_end(),
            mask(DOC, &got).trim_end(),
            "secure={secure} inactive={inactive}"
        );
    }
}

/// Development aid: every `*.xml` document in `$DOMAIN_ORACLE_EXTRA_DIR` (when set) is
/// defined into libvirt's test driver and compared with rvirt's output.
#[test]
fn extra_documents_match_libvirt() {
    let Ok(dir) = std::env::var("DOMAIN_ORACLE_EXTRA_DIR") else {
        return;
    };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    names.sort();
    let docs: Vec<String> = names
        .iter()
        .map(|n| std::fs::read_to_string(std::path::Path::new(&dir).join(n)).unwrap())
        .collect();
    let Some(expected) = libvirt_define_all(&docs) else {
        return rvirt_testkit::skip_or_fail("/usr/bin/python3 with python3-libvirt");
    };
    let mut failures = 0;
    for ((name, doc), want) in names.iter().zip(&docs).zip(expected) {
        let ours = DomainDef::parse(doc, ParseOptions::default());
        let verdict = match (want, ours) {
            (Ok(want), Ok(def)) => {
                let got = def.format(FormatOptions::default());
                let (want, got) = (mask(doc, &want), mask(doc, &got));
                if let Ok(dump) = std::env::var("DOMAIN_ORACLE_DUMP") {
                    let _ = std::fs::create_dir_all(&dump);
                    let _ = std::fs::write(format!("{dump}/{name}.want"), &want);
                    let _ = std::fs::write(format!("{dump}/{name}.got"), &got);
                }
                want.lines()
                    .zip(got.lines())
                    .find(|(a, b)| a != b)
                    .map(|(a, b)| format!("expected `{a}` got `{b}`"))
                    .or_else(|| {
                        (want.trim_end() != got.trim_end()).then(|| "length differs".into())
                    })
            }
            (Err((code, _, _)), Err(e)) if e.code as i32 == code => None,
            (Err((9, _, _)), Ok(_)) => None,
            (Err((_, _, m)), Ok(_)) => Some(format!("accepted; libvirt: {m}")),
            (Ok(_), Err(e)) => Some(format!("rejected: {}", e.message)),
            (Err((_, _, m)), Err(e)) => Some(format!("{}; libvirt: {m}", e.message)),
        };
        if let Some(v) = verdict {
            failures += 1;
            println!("EXTRA {name}: {v}");
        }
    }
    println!("extra documents: {}/{}", docs.len() - failures, docs.len());
}
