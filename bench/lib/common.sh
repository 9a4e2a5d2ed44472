# Shared helpers for the bench/*.sh scripts (sourced, not run).
#
# Every daemon or QEMU process a benchmark starts is registered here and stopped by the EXIT
# trap, whatever way the script ends.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO_DIR/target}
RELEASE_DIR=$TARGET_DIR/release
PY=/usr/bin/python3 # Debian's python3 has the libvirt module; the first on PATH may not
export PYTHONDONTWRITEBYTECODE=1 # keep bench/ free of __pycache__

BENCH_CHILDREN=()      # measuring processes: stopped first
BENCH_CLEANUP_HOOKS=() # then these run (e.g. destroying guests while daemons still answer)
BENCH_PIDS=()          # then the daemons, newest first
BENCH_TMPDIRS=()       # then the temporary directories go

stop_pid() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

bench_cleanup() {
    local hook pid dir i
    for pid in "${BENCH_CHILDREN[@]}"; do
        stop_pid "$pid"
    done
    for hook in "${BENCH_CLEANUP_HOOKS[@]}"; do
        "$hook" || true
    done
    for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do
        stop_pid "${BENCH_PIDS[i]}"
    done
    for dir in "${BENCH_TMPDIRS[@]}"; do
        rm -rf "$dir"
    done
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run_child CMD...: runs CMD in the background and waits for it, so that a signal to this
# script runs the cleanup at once (bash defers traps while a foreground child runs).
run_child() {
    "$@" &
    local pid=$!
    BENCH_CHILDREN+=("$pid")
    wait "$pid"
}

# bench_tmpdir NAME: sets BENCH_TMP to a fresh directory that is removed at exit. (Not a
# command substitution: the directory must be registered in this shell, not a subshell.)
bench_tmpdir() {
    BENCH_TMP=$(mktemp -d "/tmp/rvirt-bench-$1.XXXXXX")
    chmod 755 "$BENCH_TMP"
    BENCH_TMPDIRS+=("$BENCH_TMP")
}

# Builds the release binaries of the given packages unless BENCH_NO_BUILD=1.
build_release() {
    if [ "${BENCH_NO_BUILD:-0}" = 1 ]; then
        return 0
    fi
    local args=() pkg
    for pkg in "$@"; do
        args+=(-p "$pkg")
    done
    echo "building (release): $*" >&2
    (cd "$REPO_DIR" && nice -n 10 cargo build --release --quiet "${args[@]}") >&2
}

# Waits until PATH is a socket while PID lives; 0 when it is.
wait_for_socket() {
    local path=$1 pid=$2 tries=${3:-300}
    for _ in $(seq "$tries"); do
        [ -S "$path" ] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# start_rvirtd DIR [ARGS...]: rvirtd --root DIR in the background.
# Sets RVIRTD_PID and RVIRTD_SOCK; returns non-zero (with the log on stderr) on failure.
start_rvirtd() {
    local dir=$1
    shift
    RVIRTD_PID= RVIRTD_SOCK=$dir/run/libvirt-sock
    local bin=${RVIRTD_BIN:-$RELEASE_DIR/rvirtd}
    if [ ! -x "$bin" ]; then
        echo "rvirtd: $bin is missing" >&2
        return 1
    fi
    "$bin" --root "$dir" "$@" >"$dir.rvirtd.log" 2>&1 &
    RVIRTD_PID=$!
    BENCH_PIDS+=("$RVIRTD_PID")
    if ! wait_for_socket "$RVIRTD_SOCK" "$RVIRTD_PID"; then
        echo "rvirtd did not come up; its log:" >&2
        tail -n 20 "$dir.rvirtd.log" >&2
        return 1
    fi
}

# start_libvirtd DIR: a private Debian libvirtd (running as root, system mode, as the reference
# numbers were taken) whose sockets are in DIR. It runs in its own mount namespace with empty
# tmpfs over /run/libvirt, /etc/libvirt, /var/lib/libvirt and /var/cache/libvirt, so it neither
# fights another libvirtd on this machine for its driver pid files nor autostarts the host's
# networks. QEMU's stdio goes to files (no virtlogd needed inside the namespace).
# Sets LIBVIRTD_PID and LIBVIRTD_SOCK.
start_libvirtd() {
    local dir=$1
    LIBVIRTD_PID= LIBVIRTD_SOCK=$dir/libvirt-sock
    if ! command -v libvirtd >/dev/null; then
        echo "libvirtd is not installed (apt-get install libvirt-daemon-system)" >&2
        return 1
    fi
    cat >"$dir/libvirtd.conf" <<CONF
unix_sock_dir = "$dir"
auth_unix_rw = "none"
auth_unix_ro = "none"
CONF
    local setup
    setup='set -e
for d in /run/libvirt /etc/libvirt /var/lib/libvirt /var/cache/libvirt; do
    mount -t tmpfs -o mode=0755 bench-libvirt "$d"
done
echo "stdio_handler = \"file\"" > /etc/libvirt/qemu.conf
exec libvirtd -f "$1/libvirtd.conf" -p "$1/libvirtd.pid"'
    # unshare execs (no --fork), so $! is libvirtd itself.
    unshare --mount --propagation private sh -c "$setup" sh "$dir" >"$dir/libvirtd.log" 2>&1 &
    LIBVIRTD_PID=$!
    BENCH_PIDS+=("$LIBVIRTD_PID")
    if ! wait_for_socket "$LIBVIRTD_SOCK" "$LIBVIRTD_PID"; then
        echo "libvirtd did not come up; its log:" >&2
        tail -n 20 "$dir/libvirtd.log" >&2
        return 1
    fi
}
