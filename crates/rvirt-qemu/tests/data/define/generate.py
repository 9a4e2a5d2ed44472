#!/usr/bin/python3
"""Regenerates the define-address cases from a real libvirtd (Debian's 9.0, QEMU 7.2).

Each case is defined into libvirtd's QEMU driver and its inactive XML (or its error) is
stored next to the input, for tests/define_addresses.rs to compare rvirt with.

Run as root against a private libvirtd (see bench/lib/common.sh, start_libvirtd):
    generate.py SOCKET OUTDIR
"""
import json
import sys
import zlib

import libvirt


def hdr(name, machine, devs, arch="x86_64"):
    uuid_tail = zlib.crc32(name.encode())
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <uuid>00000000-1111-2222-3333-{uuid_tail:012d}</uuid>
  <memory>65536</memory>
  <os><type arch='{arch}' machine='{machine}'>hvm</type></os>
  <devices>
{devs}
  </devices>
</domain>
"""


cases = {}
vd = "".join(f"<disk type='file' device='disk'><source file='/tmp/d{i}.img'/><target dev='vd{chr(97+i)}' bus='virtio'/></disk>\n" for i in range(26))
vd2 = "".join(f"<interface type='user'><mac address='52:54:00:00:01:{i:02x}'/><model type='e1000'/></interface>\n" for i in range(8))
cases['i440fx-many'] = hdr('i440fx-many','pc', vd+vd2+"<graphics type='vnc'/>")
cases['q35-mixed'] = hdr('q35-mixed','q35', """
<interface type='user'><mac address='52:54:00:00:03:01'/><model type='e1000'/></interface>
<interface type='user'><mac address='52:54:00:00:03:02'/><model type='rtl8139'/></interface>
<interface type='user'><mac address='52:54:00:00:03:03'/><model type='virtio'/></interface>
<interface type='user'><mac address='52:54:00:00:03:04'/><model type='e1000e'/></interface>
<sound model='ich6'/><sound model='ich9'/><sound model='ac97'/>
<controller type='scsi' model='lsilogic'/>
<controller type='scsi' index='1' model='virtio-scsi'/>
<disk type='file' device='disk'><source file='/tmp/a.img'/><target dev='sda' bus='scsi'/></disk>
<disk type='file' device='disk'><source file='/tmp/b.img'/><target dev='vda' bus='virtio'/></disk>
<watchdog model='i6300esb'/>
<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
<video><model type='qxl'/></video><video><model type='qxl'/></video>
<graphics type='spice'/>
<input type='tablet' bus='usb'/><input type='keyboard' bus='virtio'/>
""")
cases['q35-usb2'] = hdr('q35-usb2','q35', """
<controller type='usb' model='ich9-ehci1'/>
<controller type='usb' model='ich9-uhci1'><master startport='0'/></controller>
<controller type='usb' model='ich9-uhci2'><master startport='2'/></controller>
<controller type='usb' model='ich9-uhci3'><master startport='4'/></controller>
<controller type='usb' index='1' model='ich9-ehci1'/>
<controller type='usb' index='1' model='ich9-uhci1'><master startport='0'/></controller>
<input type='tablet' bus='usb'/><input type='mouse' bus='usb'/>
""" + "".join("<redirdev bus='usb' type='spicevmc'/>" for _ in range(12)) + "<graphics type='spice'/>")
cases['i440fx-usbhub'] = hdr('i440fx-usbhub','pc', "<controller type='usb' index='0'/>" + "".join("<input type='tablet' bus='usb'/>" for _ in range(5)) + "<hub type='usb'/>" + "".join("<redirdev bus='usb' type='spicevmc'/>" for _ in range(9)) + "<graphics type='spice'/>")
cases['vserial'] = hdr('vserial','pc', "<controller type='virtio-serial' index='0' ports='3'/>" + "<console type='pty'><target type='virtio'/></console>" + "".join(f"<channel type='pty'><target type='virtio' name='org.x.{i}'/></channel>" for i in range(5)) + "<channel type='pty'><target type='virtio' name='org.y'/><address type='virtio-serial' controller='1'/></channel>")
cases['explicit-q35'] = hdr('explicit-q35','q35', """
<controller type='pci' index='1' model='pcie-root-port'><address type='pci' bus='0' slot='3' function='0'/></controller>
<controller type='pci' index='2' model='pcie-root-port'/>
<interface type='user'><mac address='52:54:00:00:03:05'/><model type='virtio'/><address type='pci' bus='1' slot='0'/></interface>
<interface type='user'><mac address='52:54:00:00:03:06'/><model type='virtio'/></interface>
<video><model type='vga'/><address type='pci' bus='0' slot='5'/></video>
""")
cases['explicit-dup'] = hdr('explicit-dup','pc', """
<interface type='user'><mac address='52:54:00:00:03:07'/><model type='virtio'/><address type='pci' bus='0' slot='3'/></interface>
<interface type='user'><mac address='52:54:00:00:03:08'/><model type='virtio'/><address type='pci' bus='0' slot='3'/></interface>
""")
cases['explicit-bus'] = hdr('explicit-bus','pc', """
<interface type='user'><mac address='52:54:00:00:03:09'/><model type='virtio'/><address type='pci' bus='2' slot='3'/></interface>
""")
cases['q35-dmi'] = hdr('q35-dmi','q35', """
<controller type='pci' index='1' model='dmi-to-pci-bridge'/>
<controller type='pci' index='2' model='pci-bridge'/>
<interface type='user'><mac address='52:54:00:00:03:0a'/><model type='e1000'/></interface>
<interface type='user'><mac address='52:54:00:00:03:0b'/><model type='virtio'/></interface>
""")
cases['i440fx-misc'] = hdr('i440fx-misc','pc', """
<controller type='usb' index='0' model='nec-xhci'/>
<controller type='sata' index='0'/>
<filesystem type='mount'><source dir='/tmp'/><target dir='t'/></filesystem>
<shmem name='s'><model type='ivshmem-plain'/></shmem>
<vsock model='virtio'><cid auto='yes'/></vsock>
<memballoon model='virtio'/>

<input type='mouse' bus='usb'/>
<serial type='pty'><target type='pci-serial'/></serial>
<video><model type='cirrus'/></video><video><model type='virtio'/></video>
""")
cases['q35-full-bus'] = hdr('q35-full-bus','q35', "".join(f"<interface type='user'><mac address='52:54:00:00:02:{i:02x}'/><model type='rtl8139'/></interface>" for i in range(33)))
cases['q35-bochs-nousb'] = hdr('q35-bochs-nousb','q35', "<controller type='usb' model='none'/><video><model type='bochs'/></video><input type='tablet' bus='usb'/>")
cases['q35-video-ramfb'] = hdr('q35-video-ramfb','q35', "<video><model type='ramfb'/></video><video><model type='virtio'/></video><graphics type='vnc'/><memballoon model='none'/>")
vd40 = "".join(f"<disk type='file' device='disk'><source file='/tmp/e{i}.img'/><target dev='vd{chr(97+i//26) if i>=26 else ''}{chr(97+i%26)}' bus='virtio'/></disk>\n" for i in range(40))
cases['i440fx-bridge'] = hdr('i440fx-bridge','pc', vd40)
cases['q35-hostdev'] = hdr('q35-hostdev','q35', """
<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x7f' slot='0x1f' function='0x7'/></source></hostdev>

<disk type='file' device='disk'><source file='/tmp/u.img'/><target dev='sdb' bus='usb'/></disk>
<serial type='pty'><target type='usb-serial'/></serial>
<sound model='usb'/>
<controller type='ccid' index='0'/>
<smartcard mode='passthrough' type='spicevmc'/>
<graphics type='spice'/>
""")
cases['virtio-drive-addr'] = hdr('virtio-drive-addr','pc', "<disk type='file' device='disk'><source file='/tmp/u.img'/><target dev='vda' bus='virtio'/><address type='drive' controller='0' bus='0' unit='0'/></disk>")
cases['pxb'] = hdr('pxb','pc', """
<controller type='pci' index='1' model='pci-expander-bus'><target busNr='254'/></controller>
<controller type='pci' index='2' model='pci-bridge'/>
<interface type='user'><mac address='52:54:00:00:04:01'/><model type='virtio'/><address type='pci' bus='1' slot='1'/></interface>
<interface type='user'><mac address='52:54:00:00:04:02'/><model type='virtio'/></interface>
""")
cases['q35-switch'] = hdr('q35-switch','q35', """
<controller type='pci' index='1' model='pcie-root-port'/>
<controller type='pci' index='2' model='pcie-switch-upstream-port'/>
<controller type='pci' index='3' model='pcie-switch-downstream-port'/>
<controller type='pci' index='4' model='pcie-switch-downstream-port'/>
<controller type='pci' index='5' model='pcie-root-port'><target chassis='9' port='0x20'/></controller>
<interface type='user'><mac address='52:54:00:00:05:01'/><model type='virtio'/></interface>
<interface type='user'><mac address='52:54:00:00:05:02'/><model type='virtio'/></interface>
""")
cases['user-multi'] = hdr('user-multi','pc', """
<interface type='user'><mac address='52:54:00:00:06:01'/><model type='virtio'/><address type='pci' bus='0' slot='5' function='0'/></interface>
<interface type='user'><mac address='52:54:00:00:06:02'/><model type='virtio'/><address type='pci' bus='0' slot='5' function='1'/></interface>
<interface type='user'><mac address='52:54:00:00:06:03'/><model type='virtio'/><address type='pci' bus='0' slot='6' function='0' multifunction='off'/></interface>
<interface type='user'><mac address='52:54:00:00:06:04'/><model type='virtio'/><address type='pci' bus='0' slot='6' function='2'/></interface>
<interface type='user'><mac address='52:54:00:00:06:05'/><model type='virtio'/><address type='pci'/></interface>
<memballoon model='virtio'><address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></memballoon>
""")
cases['q35-novideo-ich9'] = hdr('q35-novideo-ich9','q35', "<sound model='ich9'/><sound model='ich9'/><memballoon model='virtio'/>")
cases['ide-video-slot'] = hdr('ide-video-slot','pc', "<interface type='user'><mac address='52:54:00:00:07:01'/><model type='virtio'/><address type='pci' bus='0' slot='2'/></interface><video><model type='vga'/></video><video><model type='qxl'/></video>")
cases['autohub'] = hdr('autohub','pc', "<controller type='usb' index='0' model='piix3-uhci'/>" + "".join("<input type='tablet' bus='usb'/>" for _ in range(3)) + "".join("<redirdev bus='usb' type='spicevmc'/>" for _ in range(8)) + "<graphics type='spice'/>")
cases['q35-xhci-ports'] = hdr('q35-xhci-ports','q35', "".join("<input type='tablet' bus='usb'/>" for _ in range(6)) + "<input type='keyboard' bus='usb'><address type='usb' bus='0' port='2'/></input>")
cases['q35-userbridge'] = hdr('q35-userbridge','q35', """
<controller type='pci' index='1' model='pcie-root-port'/>
<controller type='pci' index='2' model='pcie-to-pci-bridge'/>
<interface type='user'><mac address='52:54:00:00:08:01'/><model type='rtl8139'/></interface>
<interface type='user'><mac address='52:54:00:00:08:02'/><model type='virtio'/></interface>
<video><model type='none'/></video>
""")
cases['pc-vga-none'] = hdr('pc-vga-none','pc-i440fx-7.2', "<video><model type='none'/></video><interface type='user'><mac address='52:54:00:00:09:01'/><model type='virtio'/></interface><controller type='scsi' index='0' model='virtio-scsi'/><controller type='virtio-serial' index='1'/><channel type='pty'><target type='virtio' name='a.b'/><address type='virtio-serial' controller='1' bus='0' port='3'/></channel><channel type='pty'><target type='virtio' name='a.c'/></channel>")


def main():
    conn = libvirt.open(f"qemu+unix:///system?socket={sys.argv[1]}")
    outdir = sys.argv[2]
    for name, xml in cases.items():
        with open(f"{outdir}/{name}.in.xml", "w") as f:
            f.write(xml)
        try:
            dom = conn.defineXML(xml)
            out = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
            dom.undefine()
            with open(f"{outdir}/{name}.inactive.xml", "w") as f:
                f.write(out)
        except libvirt.libvirtError as e:
            err = {"code": e.get_error_code(), "domain": e.get_error_domain(),
                   "message": e.get_error_message()}
            with open(f"{outdir}/{name}.err", "w") as f:
                f.write(json.dumps(err) + "\n")


if __name__ == "__main__":
    main()
