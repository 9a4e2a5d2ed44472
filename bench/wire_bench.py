#!/usr/bin/python3
"""Wire benchmark: the same python3-libvirt workload against several daemons, one table.

Each daemon is driven by its own agent process (this script with --agent), so a daemon that
hangs or dies fails its rows without stopping the others; rows alternate between daemons so
both see the same machine load. Memory is read from /proc/PID/status of each daemon.

A target named "floor" is the caching proxy of `rvirt-bench floor` (bench/wire.sh --floor): it
gets its own column and a "floor ratio" (floor against libvirtd, the best ratio any server could
reach with this client) on the rows it answers from memory; on the others it only forwards to
its own rvirtd, so its cells there read "fwd".

Usage: wire_bench.py --target NAME=URI@PID [--target ...] [--seconds S] [--clients N]
"""
import argparse
import json
import signal
import os
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import table  # noqa: E402

ROW_TIMEOUT = 180.0  # seconds before a silent daemon's row is declared failed
SMALL = 1000
LARGE = 10000

# (key, label, unit, higher_is_better, repeatable). Repeatable rows leave the daemon as they
# found it, so they are measured in several rounds alternating between daemons and the best
# round counts: on a shared machine that filters out other processes' bursts for both sides.
ROWS = [
    ("getVersion", "getVersion", "calls/s", True, True),
    ("open_close", "open+close a connection", "opens/s", True, True),
    ("lookup_info", "lookupByName+info", "calls/s", True, True),
    ("xmldesc", "XMLDesc", "calls/s", True, True),
    ("define_undefine", "define+undefine", "pairs/s", True, True),
    ("define_small", f"define {SMALL:,} domains", "defines/s", True, False),
    ("list_small", f"listAllDomains, {SMALL:,} domains", "calls/s", True, True),
    ("define_large", f"define up to {LARGE:,} domains", "defines/s", True, False),
    ("list_large", f"listAllDomains, {LARGE:,} domains", "calls/s", True, True),
    ("list_large_ms", f"listAllDomains, {LARGE:,} domains", "ms/call", False, False),
    ("rss_large", f"RSS holding {LARGE:,} domains", "MiB", False, False),
    ("undefine_all", f"undefine {LARGE:,} domains", "undefines/s", True, False),
    ("concurrent", "{clients} clients lookupByName+info", "calls/s", True, True),
    ("rss_idle", "idle RSS after the workload", "MiB", False, False),
]

# The target name of the floor, and the rows it answers from memory after the first call.
# Every other row changes state (always forwarded to the floor's rvirtd) or measures memory
# (the proxy's RSS says nothing about holding domains).
FLOOR = "floor"
FLOOR_ROWS = {"getVersion", "open_close", "lookup_info", "xmldesc", "list_small", "list_large",
              "list_large_ms", "concurrent"}
FLOOR_FORWARDED = "fwd"


def domain_xml(name):
    return (f"<domain type='test'><name>{name}</name><memory>8192</memory>"
            f"<os><type>hvm</type></os></domain>")


# ---------------------------------------------------------------- agent (one per daemon)

def timed_loop(fn, seconds, min_calls=3):
    """Calls fn for at least `seconds`; returns [calls per second, calls]."""
    calls = 0
    start = time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and calls >= min_calls:
            return [calls / elapsed, calls]


class Agent:
    def __init__(self, uri, seconds):
        import libvirt
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
        self.libvirt = libvirt
        self.uri = uri
        self.seconds = seconds
        self.conn = libvirt.open(uri)
        self.defined = 0
        self.cycle = 0

    def getVersion(self):
        return timed_loop(self.conn.getVersion, self.seconds)

    def open_close(self):
        return timed_loop(lambda: self.libvirt.open(self.uri).close(), self.seconds)

    def lookup_info(self):
        return timed_loop(lambda: self.conn.lookupByName("test").info(), self.seconds)

    def xmldesc(self):
        dom = self.conn.lookupByName("test")
        return timed_loop(lambda: dom.XMLDesc(0), self.seconds)

    def define_undefine(self):
        xml = domain_xml("bench-cycle")
        return timed_loop(lambda: self.conn.defineXML(xml).undefine(), self.seconds)

    def _define_up_to(self, count):
        start = time.perf_counter()
        first = self.defined
        for i in range(first, count):
            self.conn.defineXML(domain_xml(f"bench-{i:05d}"))
            self.defined = i + 1
        return [(count - first) / (time.perf_counter() - start), count - first]

    def _list(self, expected):
        got = len(self.conn.listAllDomains(0))
        if got != expected:
            raise RuntimeError(f"listAllDomains returned {got}, expected {expected}")
        return timed_loop(lambda: self.conn.listAllDomains(0), self.seconds)

    def define_small(self):
        return self._define_up_to(SMALL)

    def list_small(self):
        return self._list(SMALL + 1)  # plus the driver's own "test"

    def define_large(self):
        return self._define_up_to(LARGE)

    def list_large(self):
        return self._list(LARGE + 1)

    def undefine_all(self):
        doms = [d for d in self.conn.listAllDomains(0) if d.name().startswith("bench-")]
        start = time.perf_counter()
        for dom in doms:
            dom.undefine()
        self.defined = 0
        return [len(doms) / (time.perf_counter() - start), len(doms)]

    def concurrent(self, clients):
        start_at = time.time() + 1.0
        procs = [subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker",
                                   self.uri, "--start-at", str(start_at),
                                   "--seconds", str(self.seconds)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(clients)]
        total_rate, total_calls = 0.0, 0
        errors = []
        for p in procs:
            out, err = p.communicate(timeout=ROW_TIMEOUT)
            if p.returncode != 0:
                errors.append(err.strip().splitlines()[-1] if err.strip() else "worker failed")
            else:
                rate, calls = out.split()
                total_rate += float(rate)
                total_calls += int(calls)
        if errors:
            raise RuntimeError(errors[0])
        return [total_rate, total_calls]


def run_agent(uri, seconds):
    try:
        agent = Agent(uri, seconds)
        ready = {"ok": True}
    except Exception as e:  # noqa: BLE001 - reported as the daemon's failure
        agent, ready = None, {"error": str(e)}
    print(json.dumps(ready), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if agent is None:
                raise RuntimeError(ready["error"])
            value = getattr(agent, request["row"])(*request.get("args", []))
            reply = {"value": value}
        except Exception as e:  # noqa: BLE001
            reply = {"error": str(e)}
        try:
            print(json.dumps(reply), flush=True)
        except BrokenPipeError:  # the coordinator is gone (interrupted): nothing to report
            return


def run_worker(uri, start_at, seconds):
    import libvirt
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    conn = libvirt.open(uri)
    conn.lookupByName("test").info()
    time.sleep(max(0.0, start_at - time.time()))
    calls = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        conn.lookupByName("test").info()
        calls += 1
    print(calls / (time.perf_counter() - start), calls)


# ---------------------------------------------------------------- coordinator

class Target:
    def __init__(self, name, uri, pid, seconds):
        self.name, self.uri, self.pid = name, uri, pid
        self.failed = None
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--agent", uri,
             "--seconds", str(seconds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = self._read()
        if "error" in ready:
            self.failed = "connect failed: " + ready["error"]

    def _read(self):
        ready, _, _ = select.select([self.proc.stdout], [], [], ROW_TIMEOUT)
        if not ready:
            self.proc.kill()
            return {"error": f"no answer in {ROW_TIMEOUT:.0f} s"}
        line = self.proc.stdout.readline()
        if not line:
            return {"error": "agent died"}
        return json.loads(line)

    def run(self, row, *args):
        if self.failed:
            return "FAILED: " + self.failed
        if not daemon_alive(self.pid):
            self.failed = "daemon exited"
            return "FAILED: daemon exited"
        self.proc.stdin.write(json.dumps({"row": row, "args": list(args)}) + "\n")
        self.proc.stdin.flush()
        reply = self._read()
        if "error" in reply:
            if reply["error"].startswith("no answer") or reply["error"] == "agent died":
                self.failed = reply["error"]
            return "FAILED: " + reply["error"][:160]
        return reply["value"]

    def rss_mib(self):
        if not daemon_alive(self.pid):
            return "FAILED: daemon exited"
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return "FAILED: no VmRSS"

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def daemon_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def parse_target(text):
    name, rest = text.split("=", 1)
    uri, pid = rest.rsplit("@", 1)
    return name, uri, int(pid) if pid else 0


def daemon_cpu_seconds(pid):
    """User plus system CPU time of the whole daemon (all threads), from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 1:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(t, key, args, results):
    """One round of one row: (value, daemon CPU microseconds per operation or None)."""
    if t.failed and t.proc is None:
        return "FAILED: " + t.failed, None
    if key == "rss_large":
        return t.rss_mib(), None
    if key == "rss_idle":
        time.sleep(2.0)
        return t.rss_mib(), None
    if key == "list_large_ms":
        rate = results[("list_large", t.name)]
        return (1000.0 / rate if isinstance(rate, float) else rate), None
    cpu_before = daemon_cpu_seconds(t.pid)
    reply = t.run(key, args.clients) if key == "concurrent" else t.run(key)
    cpu_after = daemon_cpu_seconds(t.pid)
    if isinstance(reply, str):
        return reply, None
    rate, operations = reply
    cpu_us = None
    if cpu_before is not None and cpu_after is not None and operations:
        cpu_us = (cpu_after - cpu_before) * 1e6 / operations
    return rate, cpu_us


def best(previous, value, higher_is_better=True):
    """The better of two rounds of a row (a number beats a failure)."""
    if not isinstance(previous, float):
        return value if isinstance(value, float) or previous is None else previous
    if not isinstance(value, float):
        return previous
    return max(previous, value) if higher_is_better else min(previous, value)


def coordinate(args):
    targets = []
    for spec in args.target:
        name, uri, pid = parse_target(spec)
        if pid == 0:
            t = Target.__new__(Target)
            t.name, t.uri, t.pid, t.failed, t.proc = name, uri, 0, "daemon did not start", None
            targets.append(t)
        else:
            targets.append(Target(name, uri, pid, args.seconds))
    results = {}
    cpu = {}
    for key, label, unit, _, repeatable in ROWS:
        rounds = args.rounds if repeatable else 1
        for _ in range(rounds):
            for t in targets:
                value, cpu_us = measure(t, key, args, results)
                results[(key, t.name)] = best(results.get((key, t.name)), value)
                cpu[(key, t.name)] = best(cpu.get((key, t.name)), cpu_us, False)
                if args.verbose:
                    print(f"{t.name:10} {label.format(clients=args.clients):40} "
                          f"{table.fmt_rate(value)} {unit}, daemon CPU "
                          f"{table.fmt_rate(cpu_us)} us/op", file=sys.stderr, flush=True)
    for t in targets:
        if t.proc is not None:
            t.close()

    names = [t.name for t in targets]
    compare = names[:2] == ["rvirtd", "libvirtd"]
    with_floor = compare and FLOOR in names[2:]
    headers = ["row", "unit"] + names + (["ratio"] if compare else [])
    headers += ["floor ratio"] if with_floor else []
    headers += [f"{n} CPU us/op" for n in names] + (["CPU ratio"] if compare else [])

    def shown(key, name, value):
        if name == FLOOR and key not in FLOOR_ROWS:
            return FLOOR_FORWARDED
        return value

    rows = []
    for key, label, unit, higher, _ in ROWS:
        row = [label.format(clients=args.clients), unit]
        row += [table.fmt_rate(shown(key, n, results[(key, n)])) for n in names]
        if compare:
            row.append(table.fmt_ratio(table.ratio(
                higher, results[(key, "rvirtd")], results[(key, "libvirtd")])))
        if with_floor:
            row.append(table.fmt_ratio(table.ratio(
                higher, shown(key, FLOOR, results[(key, FLOOR)]), results[(key, "libvirtd")])))
        row += [table.fmt_rate(shown(key, n, cpu.get((key, n)))) for n in names]
        if compare:
            row.append(table.fmt_ratio(table.ratio(
                False, cpu.get((key, "rvirtd")), cpu.get((key, "libvirtd")))))
        rows.append(row)
    title = ("Wire: python3-libvirt over test+unix:///default, best of "
             f"{args.rounds} rounds of {args.seconds:g} s per timed row. ratio > 1 means rvirtd "
             "is better (rvirtd/libvirtd for rates, libvirtd/rvirtd for times and memory). CPU "
             "us/op: the daemon's own CPU time per operation (all its threads), steadier than "
             "wall-clock rates when other processes share the machine; CPU ratio = "
             "libvirtd/rvirtd.")
    if with_floor:
        title += (" floor: a caching proxy answering repeated read-only calls from memory; "
                  "floor ratio (floor/libvirtd, same convention) is the best ratio any server "
                  "could reach with this client; fwd: the floor forwards that row to its own "
                  "rvirtd, no floor figure.")
    table.print_table(title, headers, rows)
    for t in targets:
        if t.failed:
            print(f"{t.name}: {t.failed}")


def main():
    # TERM from the harness's cleanup: unwind so finally blocks stop what was started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", action="append", default=[],
                    help="NAME=URI@PID (PID empty: the daemon failed to start)")
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--agent", metavar="URI")
    ap.add_argument("--worker", metavar="URI")
    ap.add_argument("--start-at", type=float, default=0.0)
    args = ap.parse_args()
    if args.agent:
        run_agent(args.agent, args.seconds)
    elif args.worker:
        run_worker(args.worker, args.start_at, args.seconds)
    else:
        if not args.target:
            ap.error("give at least one --target")
        coordinate(args)


if __name__ == "__main__":
    main()
