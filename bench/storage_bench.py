#!/usr/bin/python3
"""Storage benchmark: vol-upload / vol-download throughput and vol-clone time of a qcow2,
through each daemon with the same virsh. Runs alternate between daemons, and which goes
first alternates too; every timed step starts after a sync, from a clean page cache.

Usage: storage_bench.py --data FILE --workdir DIR --runs N --target NAME=URI ...
"""
import argparse
import os
import signal
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import table  # noqa: E402

VIRSH_TIMEOUT = 600


def virsh(uri, *args):
    proc = subprocess.run(["virsh", "-q", "-c", uri, *args], capture_output=True, text=True,
                          timeout=VIRSH_TIMEOUT)
    if proc.returncode != 0:
        lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
        raise RuntimeError(f"virsh {args[0]}: " + (lines[-1] if lines else "failed")[:80])
    return proc.stdout.strip()


def timed(fn, *args):
    # Dirty pages left by setup or by the other daemon's run would slow whichever side
    # writes next: each timed step starts from a clean page cache.
    os.sync()
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


class Side:
    def __init__(self, name, uri, workdir, data, data_qcow2):
        self.name, self.uri = name, uri
        self.pool = f"rvirt-bench-{os.getpid()}"
        self.pool_dir = os.path.join(workdir, f"pool-{name}")
        self.data, self.data_qcow2 = data, data_qcow2
        self.size = os.path.getsize(data)
        self.times = {"upload": [], "download": [], "clone": []}
        self.error = None if uri else "daemon did not start"
        self.pool_started = False

    def setup(self):
        os.makedirs(self.pool_dir, exist_ok=True)
        virsh(self.uri, "pool-create-as", self.pool, "dir", "--target", self.pool_dir)
        self.pool_started = True
        shutil.copyfile(self.data_qcow2, os.path.join(self.pool_dir, "base.qcow2"))
        virsh(self.uri, "pool-refresh", self.pool)

    def one_run(self):
        u = self.uri
        virsh(u, "vol-create-as", self.pool, "up.img", str(self.size), "--format", "raw")
        self.times["upload"].append(
            timed(virsh, u, "vol-upload", "--pool", self.pool, "up.img", self.data))
        out = os.path.join(self.pool_dir, "..", f"download-{self.name}.img")
        self.times["download"].append(
            timed(virsh, u, "vol-download", "--pool", self.pool, "up.img", out))
        got = os.path.getsize(out)
        os.unlink(out)
        if got != self.size:
            raise RuntimeError(f"downloaded {got} bytes, expected {self.size}")
        virsh(u, "vol-delete", "--pool", self.pool, "up.img")
        self.times["clone"].append(
            timed(virsh, u, "vol-clone", "--pool", self.pool, "base.qcow2", "clone.qcow2"))
        virsh(u, "vol-delete", "--pool", self.pool, "clone.qcow2")

    def teardown(self):
        if self.pool_started:
            try:
                virsh(self.uri, "pool-destroy", self.pool)
            except Exception:  # noqa: BLE001 - best effort; the directory goes anyway
                pass
        shutil.rmtree(self.pool_dir, ignore_errors=True)

    def results(self):
        if self.error:
            failed = "FAILED: " + self.error
            return failed, failed, failed
        mib = self.size / (1024 * 1024)
        return (mib / statistics.median(self.times["upload"]),
                mib / statistics.median(self.times["download"]),
                statistics.median(self.times["clone"]))


def main():
    # TERM from the harness's cleanup: unwind so finally blocks stop what was started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="raw data file to upload")
    ap.add_argument("--data-qcow2", required=True, help="qcow2 image to clone")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--target", action="append", default=[], help="NAME=URI ('' URI: failed)")
    args = ap.parse_args()

    sides = []
    for spec in args.target:
        name, uri = spec.split("=", 1)
        sides.append(Side(name, uri, args.workdir, args.data, args.data_qcow2))
    try:
        for side in sides:
            if not side.error:
                try:
                    side.setup()
                except Exception as e:  # noqa: BLE001 - one daemon's failure is one column
                    side.error = str(e)
        for run in range(args.runs):
            # Alternate who goes first, so neither side always inherits the other's traces.
            for side in sides if run % 2 == 0 else reversed(sides):
                if not side.error:
                    try:
                        side.one_run()
                    except Exception as e:  # noqa: BLE001
                        side.error = str(e)
    finally:
        for side in sides:
            side.teardown()

    by_name = {s.name: s.results() for s in sides}
    mib = os.path.getsize(args.data) // (1024 * 1024)
    labels = [(f"vol-upload {mib} MiB", "MiB/s", True),
              (f"vol-download {mib} MiB", "MiB/s", True),
              (f"vol-clone {mib} MiB qcow2", "s", False)]
    rows = []
    for i, (label, unit, higher) in enumerate(labels):
        rv = by_name.get("rvirtd", ("-",) * 3)[i]
        lv = by_name.get("libvirtd", ("-",) * 3)[i]
        rows.append([label, unit, table.fmt_rate(rv), table.fmt_rate(lv),
                     table.fmt_ratio(table.ratio(higher, rv, lv))])
    table.print_table(
        f"Storage: dir pool, same virsh, median of {args.runs} runs (ratio > 1 means rvirtd "
        "is better: rvirtd/libvirtd for MiB/s, libvirtd/rvirtd for seconds)",
        ["operation", "unit", "rvirtd", "libvirtd", "ratio"], rows)


if __name__ == "__main__":
    main()
