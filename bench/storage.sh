#!/bin/bash
# Storage benchmark: vol-upload / vol-download of a 1 GiB file and vol-clone of a 1 GiB qcow2
# in a dir pool, through rvirtd and through Debian's libvirtd, with the same virsh.
# Usage: bench/storage.sh [RUNS]   (default 3; BENCH_STORAGE_MIB=N changes the size;
# BENCH_NO_BUILD=1 skips the build). Needs about 4x the size free under /tmp.
set -u
source "$(dirname "$0")/lib/common.sh"
RUNS=${1:-3}
MIB=${BENCH_STORAGE_MIB:-1024}

missing=
for tool in virsh libvirtd qemu-img; do
    command -v "$tool" >/dev/null || missing+=" $tool"
done
if [ -n "$missing" ]; then
    echo
    echo "Storage: SKIPPED, missing:$missing (qemu-img is in qemu-utils)"
    exit 0
fi

build_release rvirtd || echo "storage: building rvirtd failed; its column will fail" >&2

bench_tmpdir storage
work=$BENCH_TMP
# Random data: nothing in the path may shortcut zeroes.
head -c "$((MIB * 1024 * 1024))" /dev/urandom >"$work/data.raw"
qemu-img convert -f raw -O qcow2 "$work/data.raw" "$work/data.qcow2"

bench_tmpdir rvirtd
rv_dir=$BENCH_TMP/root
bench_tmpdir libvirtd
lv_dir=$BENCH_TMP
rv_uri= lv_uri=
# qemu:///system: the connection through which each daemon exposes its real storage driver.
start_rvirtd "$rv_dir" && rv_uri="qemu+unix:///system?socket=$RVIRTD_SOCK"
start_libvirtd "$lv_dir" && lv_uri="qemu+unix:///system?socket=$LIBVIRTD_SOCK"

run_child "$PY" "$BENCH_DIR/storage_bench.py" --data "$work/data.raw" --data-qcow2 "$work/data.qcow2" \
    --workdir "$work" --runs "$RUNS" --target "rvirtd=$rv_uri" --target "libvirtd=$lv_uri"
