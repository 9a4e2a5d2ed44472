"""Calls the CPU APIs of the QEMU driver at URI (argv[1]) and prints one JSON line per call:
its result, or the error's code, domain and message. The Rust test runs it against rvirtd
and against libvirtd and compares the lines."""

import json
import sys

import libvirt

libvirt.registerErrorHandler(lambda *args: None, None)
conn = libvirt.open(sys.argv[1])


def call(name, fn):
    try:
        out = {"call": name, "result": fn()}
    except libvirt.libvirtError as e:
        out = {
            "call": name,
            "error": [e.get_error_code(), e.get_error_domain(), e.get_error_message()],
        }
    print(json.dumps(out))


GUEST_CPUS = [
    "<cpu mode='host-model'/>",
    "<cpu mode='host-passthrough'/>",
    "<cpu><model>kvm64</model></cpu>",
    "<cpu match='strict'><model>qemu64</model></cpu>",
    "<cpu><model>Skylake-Client</model></cpu>",
    "<cpu><model>EPYC</model><vendor>Intel</vendor></cpu>",
    "<cpu><model>Westmere</model><feature policy='forbid' name='sse2'/></cpu>",
    "<cpu><model>Nosuch</model></cpu>",
    "<cpu><model>kvm64</model><feature name='bogus'/></cpu>",
    "<cpu mode='bogus'/>",
    "<foo/>",
]
HOST_CPUS = [
    ["<cpu><arch>x86_64</arch><model>Westmere</model><feature name='avx'/></cpu>"],
    [
        "<cpu><arch>x86_64</arch><model>Haswell</model><vendor>Intel</vendor></cpu>",
        "<cpu><arch>x86_64</arch><model>Skylake-Client</model><vendor>Intel</vendor></cpu>",
    ],
    ["<cpu><arch>x86_64</arch></cpu>"],
    ["<cpu><model>Westmere</model></cpu>"],
    ["<cpu><arch>aarch64</arch><model>cortex-a57</model></cpu>"],
]

for xml in GUEST_CPUS:
    for flags in (0, 1, 2, 4):
        call(f"compareCPU {xml} {flags}", lambda: conn.compareCPU(xml, flags))
        call(
            f"compareHypervisorCPU {xml} {flags}",
            lambda: conn.compareHypervisorCPU(None, None, None, "qemu", xml, flags),
        )
for xmls in HOST_CPUS:
    for flags in (0, 1, 2, 3, 4):
        call(f"baselineCPU {xmls} {flags}", lambda: conn.baselineCPU(xmls, flags))
        call(
            f"baselineHypervisorCPU {xmls} {flags}",
            lambda: conn.baselineHypervisorCPU(None, None, None, "qemu", xmls, flags),
        )
for arch in ("x86_64", "i686", "ppc64le", "armv7l", "s390x", "mips", "foo"):
    for flags in (0, 1):
        call(f"getCPUModelNames {arch} {flags}", lambda: conn.getCPUModelNames(arch, flags))
for kind in (None, "qemu", "QEMU", "kvm", "xen"):
    call(f"getMaxVcpus {kind}", lambda: conn.getMaxVcpus(kind))
for args in [
    (None, "aarch64", None, "qemu"),
    (None, "foo", None, "qemu"),
    (None, None, "nosuch", "qemu"),
    (None, None, None, "xen"),
    (None, None, None, "bogus"),
]:
    call(
        f"compareHypervisorCPU {args}",
        lambda: conn.compareHypervisorCPU(*args, "<cpu mode='host-model'/>", 0),
    )
