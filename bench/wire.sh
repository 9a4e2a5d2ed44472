#!/bin/bash
# Wire benchmark: rvirtd vs Debian's libvirtd, same python3-libvirt client and workload.
# Usage: bench/wire.sh [--seconds S] [--clients N] [--verbose]   (BENCH_NO_BUILD=1 skips the build)
set -u
source "$(dirname "$0")/lib/common.sh"

build_release rvirtd || echo "wire: building rvirtd failed; its rows will fail" >&2

bench_tmpdir rvirtd
rv_dir=$BENCH_TMP/root
bench_tmpdir libvirtd
lv_dir=$BENCH_TMP
rv_spec="rvirtd=test+unix:///default?socket=$rv_dir/run/libvirt-sock@"
lv_spec="libvirtd=test+unix:///default?socket=$lv_dir/libvirt-sock@"
if start_rvirtd "$rv_dir"; then
    rv_spec+=$RVIRTD_PID
fi
if start_libvirtd "$lv_dir"; then
    lv_spec+=$LIBVIRTD_PID
fi
run_child "$PY" "$BENCH_DIR/wire_bench.py" --target "$rv_spec" --target "$lv_spec" "$@"
