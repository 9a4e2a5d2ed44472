#!/usr/bin/python3
"""QEMU benchmark: `virsh start` and `virsh destroy` latency of one tiny TCG guest, per daemon,
with bare QEMU's spawn-to-QMP-ready (and quit) as the floor.

Usage: qemu_bench.py --xml FILE --name NAME --runs N [--target NAME=URI ...]
"""
import argparse
import json
import signal
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import table  # noqa: E402

VIRSH_TIMEOUT = 120


def virsh(uri, *args):
    proc = subprocess.run(["virsh", "-q", "-c", uri, *args], capture_output=True, text=True,
                          timeout=VIRSH_TIMEOUT)
    if proc.returncode != 0:
        lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
        raise RuntimeError(f"virsh {args[0]}: " + (lines[-1] if lines else "failed")[:80])
    return proc.stdout.strip()


def timed_virsh(uri, *args):
    start = time.perf_counter()
    virsh(uri, *args)
    return time.perf_counter() - start


def qemu_argv(name):
    """The command line of the running QEMU of guest `name`, or None."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = [a.decode() for a in f.read().split(b"\0") if a]
        except OSError:
            continue
        if args and "qemu-system" in os.path.basename(args[0]) and \
                any(a.startswith(f"guest={name},") for a in args):
            return args
    return None


def measure_daemon(uri, xml_path, name, runs, argv_out=None):
    """Median seconds of start-to-running and destroy-to-shut-off, after one warm-up cycle.
    With `argv_out` (a list), the QEMU command line the daemon used is appended to it."""
    virsh(uri, "define", xml_path)
    try:
        starts, destroys = [], []
        for i in range(runs + 1):
            t_start = timed_virsh(uri, "start", name)
            state = virsh(uri, "domstate", name)
            if state != "running":
                raise RuntimeError(f"after start the domain is {state!r}")
            if argv_out is not None and not argv_out:
                argv_out.extend(qemu_argv(name) or [])
            t_destroy = timed_virsh(uri, "destroy", name)
            state = virsh(uri, "domstate", name)
            if state != "shut off":
                raise RuntimeError(f"after destroy the domain is {state!r}")
            if i > 0:  # the first cycle warms capability caches on both daemons
                starts.append(t_start)
                destroys.append(t_destroy)
        return statistics.median(starts), statistics.median(destroys)
    finally:
        try:
            virsh(uri, "destroy", name)
        except Exception:  # noqa: BLE001 - usually "not running"
            pass
        try:
            virsh(uri, "undefine", name)
        except Exception:  # noqa: BLE001
            pass


def floor_command(guest_argv, sock_path):
    """QEMU's own command line for the guest, its monitor moved to `sock_path`; a minimal
    paused TCG machine when the guest's command line is unknown."""
    if not guest_argv:
        return ["qemu-system-x86_64", "-S", "-no-user-config", "-nodefaults",
                "-machine", "pc,accel=tcg", "-m", "128", "-display", "none",
                "-qmp", f"unix:{sock_path},server=on,wait=off"]
    out = []
    for arg in guest_argv:
        if arg.startswith("socket,id=charmonitor,"):
            arg = f"socket,id=charmonitor,path={sock_path},server=on,wait=off"
        out.append(arg)
    return out


def qmp_floor(runs, guest_argv=None):
    """Median seconds from spawning QEMU (with the guest's own command line, as the daemon
    ran it) to a QMP session ready for commands, and from `quit` to the process having
    exited."""
    ready, quits = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="rvirt-bench-qmp.") as tmp:
            sock_path = os.path.join(tmp, "qmp.sock")
            start = time.perf_counter()
            proc = subprocess.Popen(
                floor_command(guest_argv, sock_path),
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                sock = None
                while sock is None:
                    if proc.poll() is not None:
                        raise RuntimeError("qemu exited: " + proc.stderr.read().decode()[:80])
                    try:
                        s = socket.socket(socket.AF_UNIX)
                        s.connect(sock_path)
                        sock = s
                    except OSError:
                        s.close()
                        time.sleep(0.001)
                stream = sock.makefile("rwb")
                stream.readline()  # greeting
                stream.write(b'{"execute":"qmp_capabilities"}\n')
                stream.flush()
                reply = json.loads(stream.readline())
                if "return" not in reply:
                    raise RuntimeError(f"qmp_capabilities: {reply}")
                ready.append(time.perf_counter() - start)
                start = time.perf_counter()
                stream.write(b'{"execute":"quit"}\n')
                stream.flush()
                proc.wait(timeout=30)
                quits.append(time.perf_counter() - start)
                sock.close()
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    return statistics.median(ready), statistics.median(quits)


def main():
    # TERM from the harness's cleanup: unwind so finally blocks stop what was started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser()
    ap.add_argument("--xml", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--target", action="append", default=[], help="NAME=URI ('' URI: failed)")
    args = ap.parse_args()

    results = {}
    guest_argv = []
    for spec in args.target:
        name, uri = spec.split("=", 1)
        if not uri:
            results[name] = ("FAILED: daemon did not start",) * 2
            continue
        try:
            results[name] = measure_daemon(uri, args.xml, args.name, args.runs,
                                           guest_argv if name == "rvirtd" else None)
        except Exception as e:  # noqa: BLE001 - one daemon's failure is one row
            results[name] = (f"FAILED: {e}",) * 2
    # What one virsh command costs by itself (start, connect, one call, close): part
    # of every daemon's row, not of the floor's.
    client = []
    for spec in args.target:
        name, uri = spec.split("=", 1)
        if name == "rvirtd" and uri:
            try:
                client = [timed_virsh(uri, "uri") for _ in range(args.runs)]
            except Exception:  # noqa: BLE001 - the row just stays empty
                client = []
    try:
        results["qemu"] = qmp_floor(args.runs, guest_argv)
    except Exception as e:  # noqa: BLE001
        results["qemu"] = (f"FAILED: {e}",) * 2

    def ms(v):
        return v * 1000 if isinstance(v, float) else v

    rows = []
    for i, label in enumerate(["virsh start -> running", "virsh destroy -> shut off"]):
        rv = ms(results.get("rvirtd", ("-",) * 2)[i])
        lv = ms(results.get("libvirtd", ("-",) * 2)[i])
        rows.append([label, table.fmt_rate(rv), table.fmt_rate(lv),
                     table.fmt_rate(ms(results["qemu"][i])),
                     table.fmt_ratio(table.ratio(False, rv, lv))])
    if client:
        rows.append(["virsh uri (the client alone)",
                     table.fmt_rate(statistics.median(client) * 1000), "-", "-", "-"])
    table.print_table(
        f"QEMU: tiny TCG guest, median of {args.runs} runs in ms (lower is better; "
        "ratio = libvirtd / rvirtd, > 1 means rvirtd is faster; floor = QEMU alone with "
        "the guest's own command line: spawn -> QMP ready, and quit -> exit)",
        ["operation", "rvirtd ms", "libvirtd ms", "QEMU floor ms", "ratio"], rows)


if __name__ == "__main__":
    main()
