#!/bin/bash
# Runs every benchmark in bench/ (rvirt vs Debian's libvirt, same machine, same run) and prints
# all tables. A benchmark whose pieces are missing prints SKIPPED or FAILED rows and the others
# still run. Builds the release binaries once, then tells the scripts not to rebuild.
# Usage: bench/run-all.sh
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
    echo "building (release): rvirt-bench rvirtd" >&2
    (cd "$REPO_DIR" && nice -n 10 cargo build --release --quiet -p rvirt-bench) >&2 \
        || echo "run-all: building rvirt-bench failed" >&2
    (cd "$REPO_DIR" && nice -n 10 cargo build --release --quiet -p rvirtd) >&2 \
        || echo "run-all: building rvirtd failed" >&2
fi
export BENCH_NO_BUILD=1

status=0
for bench in xml wire qemu storage; do
    echo
    echo "=== $bench ==="
    "$BENCH_DIR/$bench.sh" || { echo "$bench: exited with status $?"; status=1; }
done
exit $status
