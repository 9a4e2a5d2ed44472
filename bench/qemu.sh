#!/bin/bash
# QEMU benchmark: `virsh start` / `virsh destroy` of the same tiny TCG guest (direct kernel
# boot of scripts/build-test-guest.sh's guest) on rvirtd and on Debian's libvirtd, medians of
# N runs, plus bare QEMU's spawn-to-QMP-ready as the floor.
# Usage: bench/qemu.sh [RUNS]   (default 5; BENCH_NO_BUILD=1 skips the build)
set -u
source "$(dirname "$0")/lib/common.sh"
RUNS=${1:-5}

missing=
for tool in qemu-system-x86_64 virsh libvirtd; do
    command -v "$tool" >/dev/null || missing+=" $tool"
done
[ -x "$REPO_DIR/scripts/build-test-guest.sh" ] || [ -f "$REPO_DIR/scripts/build-test-guest.sh" ] \
    || missing+=" scripts/build-test-guest.sh"
if [ -n "$missing" ]; then
    echo
    echo "QEMU: SKIPPED, missing:$missing"
    exit 0
fi

build_release rvirtd || echo "qemu: building rvirtd failed; its row will fail" >&2

# The guest's files must be readable by libvirtd's QEMU user (libvirt-qemu).
bench_tmpdir qemu
guest_dir=$BENCH_TMP
if ! guest=$(sh "$REPO_DIR/scripts/build-test-guest.sh"); then
    echo
    echo "QEMU: SKIPPED, scripts/build-test-guest.sh failed"
    exit 0
fi
kernel=$(printf '%s\n' "$guest" | sed -n 's/^kernel=//p')
initrd=$(printf '%s\n' "$guest" | sed -n 's/^initrd=//p')
install -m 0644 "$kernel" "$guest_dir/vmlinuz"
install -m 0644 "$initrd" "$guest_dir/initrd.img"

name=rvirt-bench-qemu-$$
cat >"$guest_dir/guest.xml" <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$guest_dir/vmlinuz</kernel>
    <initrd>$guest_dir/initrd.img</initrd>
    <cmdline>console=ttyS0 quiet</cmdline>
  </os>
  <devices>
    <emulator>$(command -v qemu-system-x86_64)</emulator>
    <serial type='pty'/>
    <console type='pty'/>
    <memballoon model='none'/>
  </devices>
</domain>
XML

bench_tmpdir rvirtd
rv_dir=$BENCH_TMP/root
bench_tmpdir libvirtd
lv_dir=$BENCH_TMP
rv_uri= lv_uri=
start_rvirtd "$rv_dir" && rv_uri="qemu+unix:///system?socket=$RVIRTD_SOCK"
start_libvirtd "$lv_dir" && lv_uri="qemu+unix:///system?socket=$LIBVIRTD_SOCK"

# Runs before the daemons are stopped: no guest of ours may outlive the benchmark.
stop_guests() {
    local uri pid
    for uri in "$rv_uri" "$lv_uri"; do
        [ -n "$uri" ] || continue
        timeout 30 virsh -q -c "$uri" destroy "$name" >/dev/null 2>&1
        timeout 30 virsh -q -c "$uri" undefine "$name" >/dev/null 2>&1
    done
    # QEMU is daemonized by both drivers; find ours by the run's unique guest name on a
    # QEMU command line.
    for pid in $(pgrep -f -- "$name" || true); do
        case $(readlink "/proc/$pid/exe" 2>/dev/null) in
        *qemu-system*) kill -KILL "$pid" 2>/dev/null ;;
        esac
    done
}
BENCH_CLEANUP_HOOKS+=(stop_guests)

run_child "$PY" "$BENCH_DIR/qemu_bench.py" --xml "$guest_dir/guest.xml" --name "$name" --runs "$RUNS" \
    --target "rvirtd=$rv_uri" --target "libvirtd=$lv_uri"
