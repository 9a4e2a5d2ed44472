#!/bin/sh
# Builds the tiny test guest used by rvirt's QEMU end-to-end tests: Debian's cloud kernel plus
# a busybox initramfs. Usage: build-test-guest.sh [CACHE_DIR]
#
# The guest prints RVIRT-GUEST-READY on its serial console (ttyS0) once booted, powers off on
# an ACPI power button press (QMP system_powerdown) and simply boots again after a reset.
# Everything is cached in CACHE_DIR (default ~/.cache/rvirt/test-guest); a second run only
# prints the paths. Output (stdout): two lines, "kernel=PATH" and "initrd=PATH".
set -eu

CACHE_DIR=${1:-${HOME:-/root}/.cache/rvirt/test-guest}
MARKER=RVIRT-GUEST-READY
# The cloud kernel builds these as modules. They are loaded dependencies first, in the
# order the modules' own `depends=` fields give (so a kernel update reordering them is fine).
MODULES="button evdev virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_balloon failover net_failover virtio_net virtio_blk virtio_console"
# Bumped whenever the initramfs layout changes, so stale caches are rebuilt.
RECIPE_VERSION=3

mkdir -p "$CACHE_DIR"
CACHE_DIR=$(cd "$CACHE_DIR" && pwd)
KERNEL="$CACHE_DIR/vmlinuz"
INITRD="$CACHE_DIR/initrd.img"
STAMP="$CACHE_DIR/recipe-version"

if [ -s "$KERNEL" ] && [ -s "$INITRD" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$RECIPE_VERSION" ]; then
    echo "kernel=$KERNEL"
    echo "initrd=$INITRD"
    exit 0
fi

need() {
    command -v "$1" >/dev/null 2>&1 || { echo "build-test-guest: '$1' is missing (install $2)" >&2; exit 1; }
}
need apt-get apt
need dpkg-deb dpkg
need cpio cpio
need gzip gzip
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || BUSYBOX=$(command -v busybox || true)
# ldd exits non-zero for a static binary; only its message tells.
if [ -z "$BUSYBOX" ] || ! LC_ALL=C ldd "$BUSYBOX" 2>&1 | grep -q "not a dynamic"; then
    echo "build-test-guest: a static busybox is needed (apt-get install busybox-static)" >&2
    exit 1
fi

WORK=$(mktemp -d "$CACHE_DIR/build.XXXXXX")
chmod 755 "$WORK" # apt-get download runs as _apt and must write here
trap 'rm -rf "$WORK"' EXIT INT TERM

# The meta package only names the versioned kernel package; download that one.
KPKG=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1)
if [ -z "$KPKG" ]; then
    echo "build-test-guest: cannot resolve linux-image-cloud-amd64 (run apt-get update)" >&2
    exit 1
fi
# apt warns when its sandbox user cannot reach the cache directory; only failures matter.
if ! (cd "$WORK" && apt-get download "$KPKG" >"$WORK/apt.log" 2>&1); then
    cat "$WORK/apt.log" >&2
    exit 1
fi
dpkg-deb -x "$WORK"/"$KPKG"_*.deb "$WORK/kpkg"
KVER=${KPKG#linux-image-}
MODDIR="$WORK/kpkg/lib/modules/$KVER"
[ -d "$MODDIR" ] || { echo "build-test-guest: no modules for $KVER in $KPKG" >&2; exit 1; }

ROOT="$WORK/root"
mkdir -p "$ROOT/bin" "$ROOT/sbin" "$ROOT/etc" "$ROOT/proc" "$ROOT/sys" "$ROOT/dev" "$ROOT/tmp" "$ROOT/modules"
cp "$BUSYBOX" "$ROOT/bin/busybox"
ORDERED=""
# Appends module $1 to ORDERED after everything it depends on.
add_module() {
    case " $ORDERED " in *" $1 "*) return 0 ;; esac
    f=$(find "$MODDIR/kernel" -name "$1.ko*" | head -n1)
    [ -n "$f" ] || { echo "build-test-guest: module $1 not found in $KPKG" >&2; exit 1; }
    case "$f" in
        *.ko.xz) xz -dc "$f" >"$WORK/$1.ko" ;;
        *.ko.zst) zstd -qdc "$f" >"$WORK/$1.ko" ;;
        *) cp "$f" "$WORK/$1.ko" ;;
    esac
    deps=$(tr '\0' '\n' <"$WORK/$1.ko" | sed -n 's/^depends=//p' | head -n1 | tr ',' ' ')
    for d in $deps; do
        add_module "$d"
    done
    ORDERED="$ORDERED $1"
}
for m in $MODULES; do
    add_module "$m"
done
i=0
for m in $ORDERED; do
    i=$((i + 1))
    mv "$WORK/$m.ko" "$ROOT/modules/$(printf %02d "$i")-$m.ko"
done

printf 'PWRF pwrf\n' >"$ROOT/etc/acpid.conf"
cat >"$ROOT/etc/pwrf" <<'EOF'
#!/bin/sh
echo "RVIRT-GUEST-POWEROFF" >/dev/console
poweroff -f
EOF
chmod 755 "$ROOT/etc/pwrf"

cat >"$ROOT/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in /modules/*.ko; do insmod "\$m" 2>/dev/null; done
# acpid only runs its actions with -d (NOTES.md); the power button arrives on /dev/input.
acpid -d -c /etc -a /etc/acpid.conf >/dev/null 2>&1 &
ACPID=\$!
# Ready only once acpid listens on the power button, so a shutdown request is never lost.
i=0
while [ \$i -lt 100 ] && ! ls -l /proc/\$ACPID/fd 2>/dev/null | grep -q /dev/input/event; do
    sleep 0.05
    i=\$((i + 1))
done
echo "$MARKER" >/dev/console
while true; do sleep 3600; done
EOF
chmod 755 "$ROOT/init"

(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) >"$WORK/initrd.img"
cp "$WORK/kpkg/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
# Publish atomically: readers never see a half-written kernel or initrd.
mv "$WORK/vmlinuz" "$KERNEL"
mv "$WORK/initrd.img" "$INITRD"
echo "$RECIPE_VERSION" >"$STAMP"
echo "kernel=$KERNEL"
echo "initrd=$INITRD"
