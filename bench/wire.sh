#!/bin/bash
# Wire benchmark: rvirtd vs Debian's libvirtd, same python3-libvirt client and workload.
# Usage: bench/wire.sh [--floor] [--seconds S] [--rounds R] [--clients N] [--verbose]
#   (BENCH_NO_BUILD=1 skips the build)
# --floor adds a third column: `rvirt-bench floor`, a caching proxy in front of a second
# rvirtd that answers repeated read-only calls from memory, i.e. what any server could reach
# with this client (see bench/README.md).
set -u
source "$(dirname "$0")/lib/common.sh"

floor=0
args=()
for arg in "$@"; do
    if [ "$arg" = --floor ]; then
        floor=1
    else
        args+=("$arg")
    fi
done

build_release rvirtd || echo "wire: building rvirtd failed; its rows will fail" >&2
if [ $floor = 1 ]; then
    build_release rvirt-bench || echo "wire: building rvirt-bench failed; the floor will fail" >&2
fi

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
targets=(--target "$rv_spec" --target "$lv_spec")
if [ $floor = 1 ]; then
    # The floor's own rvirtd, so the domains it holds do not add to the measured rvirtd's.
    bench_tmpdir floor
    floor_dir=$BENCH_TMP/root
    floor_sock=$BENCH_TMP/floor-sock
    floor_spec="floor=test+unix:///default?socket=$floor_sock@"
    floor_bin=${RVIRT_BENCH_BIN:-$RELEASE_DIR/rvirt-bench}
    if [ ! -x "$floor_bin" ]; then
        echo "floor: $floor_bin is missing" >&2
    elif start_rvirtd "$floor_dir"; then
        "$floor_bin" floor --listen "$floor_sock" --upstream "$RVIRTD_SOCK" \
            >"$BENCH_TMP/floor.log" 2>&1 &
        floor_pid=$!
        BENCH_PIDS+=("$floor_pid")
        if wait_for_socket "$floor_sock" "$floor_pid"; then
            floor_spec+=$floor_pid
        else
            echo "the floor did not come up; its log:" >&2
            tail -n 20 "$BENCH_TMP/floor.log" >&2
        fi
    fi
    targets+=(--target "$floor_spec")
fi
run_child "$PY" "$BENCH_DIR/wire_bench.py" "${targets[@]}" "${args[@]}"
