#!/usr/bin/python3
"""Regenerates the libvirtd reference files of the argv cases (refN*.xml).

For each case the document is defined into a private Debian libvirtd (9.0, QEMU 7.2, see
bench/lib/common.sh start_libvirtd), started paused, and three files are stored next to it:
  NAME.libvirt-args           the QEMU command line from libvirtd's /var/log/libvirt/qemu log,
                              one option (and its value) per line;
  NAME.libvirt-inactive.xml   `dumpxml --inactive` after define;
  NAME.libvirt-live.xml       `dumpxml` while running.
The guest is then destroyed and undefined.

A document libvirtd refuses (at define or at start) leaves NAME.libvirt-error: the stage,
the error code, domain and message, one per line; when QEMU itself was started and quit,
the argv libvirtd ran is kept as well. The err-*.xml documents are refused this way, and so
are ref15, ref17 and ref19, which need what Debian's QEMU or this host lack (the 9p handle
driver, an NSS database, an ivshmem server).

Run as root against a private libvirtd, from the repository root (ref4 onwards; their
disks, shared directories and sockets are under /tmp/ref):
    mkdir -p /tmp/ref/share /tmp/ref/share2 "/tmp/ref/share,x" &&
        truncate -s 10M /tmp/ref/r.img && truncate -s 1440K /tmp/ref/f.img
    bash -c 'source bench/lib/common.sh && d=$(mktemp -d) && start_libvirtd "$d" &&
        cd crates/rvirt-qemu/tests/data/argv &&
        /usr/bin/python3 generate.py "$LIBVIRTD_SOCK" ref4-pc-devices.xml ...;
        kill "$LIBVIRTD_PID"'
"""
import os
import sys
import time

import libvirt


def command_line(log_path, since):
    with open(log_path) as f:
        f.seek(since)
        text = f.read()
    lines = text.splitlines()
    start = next((i for i, l in enumerate(lines) if "/usr/bin/qemu-system" in l), None)
    if start is None:
        return None
    out = []
    for line in lines[start:]:
        cont = line.endswith(" \\")
        line = line[:-2] if cont else line
        if not out:
            line = line[line.index("/usr/bin/qemu-system"):]
        out.append(line)
        if not cont:
            break
    return "\n".join(out) + "\n"


def record_error(base, stage, err):
    with open(base + ".libvirt-error", "w") as f:
        f.write(f"{stage}\n{err.get_error_code()}\n{err.get_error_domain()}\n")
        f.write(err.get_error_message() + "\n")


def main():
    conn = libvirt.open(f"qemu+unix:///system?socket={sys.argv[1]}")
    for path in sys.argv[2:]:
        base = path[:-len(".xml")]
        with open(path) as f:
            xml = f.read()
        try:
            dom = conn.defineXML(xml)
        except libvirt.libvirtError as e:
            record_error(base, "define", e)
            continue
        name = dom.name()
        log = f"/var/log/libvirt/qemu/{name}.log"
        since = os.path.getsize(log) if os.path.exists(log) else 0
        with open(base + ".libvirt-inactive.xml", "w") as f:
            f.write(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        try:
            try:
                dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED)
            except libvirt.libvirtError as e:
                record_error(base, "start", e)
                # QEMU itself may have refused: keep what libvirtd ran.
                ran = command_line(log, since) if os.path.exists(log) else None
                if ran:
                    with open(base + ".libvirt-args", "w") as f:
                        f.write(ran)
                continue
            time.sleep(0.5)
            with open(base + ".libvirt-live.xml", "w") as f:
                f.write(dom.XMLDesc(0))
            dom.destroy()
        finally:
            dom.undefine()
        with open(base + ".libvirt-args", "w") as f:
            f.write(command_line(log, since))


if __name__ == "__main__":
    main()
