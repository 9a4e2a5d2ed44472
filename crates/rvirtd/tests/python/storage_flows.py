"""The book's chapter 5 storage flows (listings 5-1 to 5-10) on a dir pool under WORKDIR,
plus bad input, through python3-libvirt. Usage: storage_flows.py URI WORKDIR

Prints one line per step, with WORKDIR and the pool directory replaced by $WORK and $POOL
and host-dependent numbers (pool sizes) reduced to facts, so that runs against rvirtd and
against libvirtd can be compared line by line. Errors print as
('error', code, domain, message)."""

import hashlib
import json
import os
import subprocess
import sys
from xml.dom import minidom

import libvirt

URI, WORK = sys.argv[1], sys.argv[2]
POOL_DIR = os.path.join(WORK, "images")
MIB = 1024 * 1024

# Listing 5-4, with the pool directory moved under WORKDIR.
BOOK_POOL = """
<pool type='dir'>
  <name>mypool</name>
  <uuid>8c79f996-cb2a-d24d-9822-ac7547ab2d01</uuid>
  <capacity unit='bytes'>4306780815</capacity>
  <allocation unit='bytes'>237457858</allocation>
  <available unit='bytes'>4069322956</available>
  <source>
  </source>
  <target>
    <path>%s</path>
    <permissions>
      <mode>0755</mode>
      <owner>-1</owner>
      <group>-1</group>
    </permissions>
  </target>
</pool>"""

# Listing 5-9 (16 MiB instead of 2 GiB: wiping writes the whole capacity).
BOOK_VOLUME = """
<volume>
  <name>sparse.img</name>
  <allocation>0</allocation>
  <capacity unit="M">16</capacity>
  <target>
    <path>/var/lib/virt/images/sparse.img</path>
    <permissions>
      <owner>107</owner>
      <group>107</group>
      <mode>0744</mode>
      <label>virt_image_t</label>
    </permissions>
  </target>
</volume>"""


def norm(text):
    return str(text).replace(POOL_DIR, "$POOL").replace(WORK, "$WORK")


def out(step, value):
    print("%s: %s" % (step, norm(value)))


def error_of(e):
    return ("error", e.get_error_code(), e.get_error_domain(), norm(e.get_error_message()))


def attempt(step, call):
    """Runs call(); prints its result or libvirt's error. Returns the result or None."""
    try:
        result = call()
    except libvirt.libvirtError as e:
        out(step, error_of(e))
        return None
    out(step, "ok" if result is None or result == 0 else result)
    return result


def disk_state():
    """Names, sizes and modification times of what is in the pool directory."""
    if not os.path.isdir(POOL_DIR):
        return None
    state = []
    for name in sorted(os.listdir(POOL_DIR)):
        st = os.stat(os.path.join(POOL_DIR, name))
        state.append((name, st.st_size, st.st_mtime_ns))
    return state


def qemu_img(path):
    info = json.loads(subprocess.check_output(["qemu-img", "info", "--output=json", path]))
    return "%s %d" % (info["format"], info["virtual-size"])


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MIB), b""):
            digest.update(block)
    return digest.hexdigest()


def make_source(path):
    """64 MiB with holes: 1 MiB of a pattern every 4 MiB."""
    with open(path, "wb") as f:
        f.truncate(64 * MIB)
        for block in range(16):
            f.seek(block * 4 * MIB + MIB)
            f.write(bytes(((i * 31 + block * 7) % 251) for i in range(256)) * (MIB // 256))


def bad_input(step, call):
    """A call that must fail and leave the pool directory as it was."""
    before = disk_state()
    attempt(step, call)
    out(step + " left the disk unchanged", disk_state() == before)


libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
conn = libvirt.open(URI)

# Listing 5-1: listing pools.
out("listAllStoragePools has mypool", "mypool" in [p.name() for p in conn.listAllStoragePools(0)])

# Listing 5-4: a persistent pool defined and undefined, then a transient one.
xml = BOOK_POOL % POOL_DIR
pool = conn.storagePoolDefineXML(xml, 0)
out("storagePoolDefineXML", pool.name())
out("  UUID", pool.UUIDString())
out("  isActive", pool.isActive())
out("  isPersistent", pool.isPersistent())
out("  autostart", pool.autostart())
out("  info state", pool.info()[0])
attempt("undefine", pool.undefine)
attempt("storagePoolCreateXML without the directory", lambda: conn.storagePoolCreateXML(xml, 0).name())
transient = attempt(
    "storagePoolCreateXML with build",
    lambda: conn.storagePoolCreateXML(xml, libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD).name(),
)
if transient:
    pool = conn.storagePoolLookupByName("mypool")
    out("  isActive", pool.isActive())
    out("  isPersistent", pool.isPersistent())
    attempt("  undefine (transient)", pool.undefine)
    attempt("  destroy", pool.destroy)
    attempt("  lookup after destroy", lambda: conn.storagePoolLookupByName("mypool").name())
os.rmdir(POOL_DIR)

# A persistent pool for the rest: define, build, start.
pool = conn.storagePoolDefineXML(xml, 0)
attempt("build", lambda: pool.build(0))
out("  directory mode", oct(os.stat(POOL_DIR).st_mode & 0o777))
attempt("create", lambda: pool.create(0))
active_pools = conn.listAllStoragePools(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)
out("listAllStoragePools active has mypool", "mypool" in [p.name() for p in active_pools])
inactive_pools = conn.listAllStoragePools(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE)
out("listAllStoragePools inactive has mypool", "mypool" in [p.name() for p in inactive_pools])

# Listing 5-2: pool information.
state, capacity, allocation, available = pool.info()
out("info state", state)
out("info capacity > 0", capacity > 0)
out("info allocation + available == capacity", allocation + available == capacity)
out("isActive", pool.isActive())
out("numOfVolumes", pool.numOfVolumes())

# Listing 5-6: autostart.
attempt("setAutostart(1)", lambda: pool.setAutostart(1))
out("  autostart", pool.autostart())
attempt("setAutostart(0)", lambda: pool.setAutostart(0))
out("  autostart", pool.autostart())

# Listings 5-3 and 5-5: the XML description.
doc = minidom.parseString(pool.XMLDesc(0))
out("XMLDesc type", doc.documentElement.getAttribute("type"))
out("XMLDesc target path", doc.getElementsByTagName("path")[0].firstChild.data)
out("XMLDesc mode", doc.getElementsByTagName("mode")[0].firstChild.data)
inactive = minidom.parseString(pool.XMLDesc(libvirt.VIR_STORAGE_XML_INACTIVE))
out("XMLDesc inactive capacity is the pool's", inactive.getElementsByTagName("capacity")[0].firstChild.data == str(capacity))

# Listing 5-9: creating a volume.
vol = pool.createXML(BOOK_VOLUME, 0)
out("createXML", vol.name())
out("  path", vol.path())
out("  key", vol.key())
out("  info", vol.info())
out("  qemu-img", qemu_img(vol.path()))
out("  file mode", oct(os.stat(vol.path()).st_mode & 0o777))
out("  file owner", (os.stat(vol.path()).st_uid, os.stat(vol.path()).st_gid))

qcow = pool.createXML(
    "<volume><name>disk.qcow2</name><capacity unit='M'>64</capacity>"
    "<target><format type='qcow2'/></target></volume>",
    0,
)
out("createXML qcow2", qcow.name())
out("  info type and capacity", qcow.info()[:2])
out("  qemu-img", qemu_img(qcow.path()))
out("  format in XMLDesc", minidom.parseString(qcow.XMLDesc(0)).getElementsByTagName("format")[0].getAttribute("type"))

# Listings 5-7 and 5-8: volumes and their information.
out("listVolumes", sorted(pool.listVolumes()))
for name in sorted(pool.listVolumes()):
    info = pool.storageVolLookupByName(name).info()
    out("  " + name + " type, capacity", info[:2])
out("storageVolLookupByPath", conn.storageVolLookupByPath(vol.path()).name())
out("storageVolLookupByKey", conn.storageVolLookupByKey(vol.key()).name())
out("storagePoolLookupByVolume", vol.storagePoolLookupByVolume().name())

# Listing 5-10: cloning.
with open(vol.path(), "r+b") as f:
    f.write(b"book chapter 5")
clone = pool.createXMLFrom(BOOK_VOLUME.replace("sparse.img", "clone.img"), vol, 0)
out("createXMLFrom", clone.name())
out("  info type and capacity", clone.info()[:2])
out("  same content", sha256(clone.path()) == sha256(vol.path()))
qclone = pool.createXMLFrom("<volume><name>clone.qcow2</name><capacity>0</capacity></volume>", qcow, 0)
out("createXMLFrom qcow2", qemu_img(qclone.path()))

# Wiping and resizing.
attempt("wipe", lambda: clone.wipe(0))
with open(clone.path(), "rb") as f:
    out("  all zero", f.read().count(0) == 16 * MIB)
attempt("resize 32M", lambda: vol.resize(32 * MIB, 0))
out("  capacity", vol.info()[1])
out("  qemu-img", qemu_img(vol.path()))
attempt("resize qcow2 128M", lambda: qcow.resize(128 * MIB, 0))
out("  qemu-img", qemu_img(qcow.path()))
attempt("resize smaller without the flag", lambda: vol.resize(MIB, 0))
attempt("resize smaller with the flag", lambda: vol.resize(16 * MIB, libvirt.VIR_STORAGE_VOL_RESIZE_SHRINK))
out("  capacity", vol.info()[1])

# Upload then download 64 MiB through streams.
source = os.path.join(WORK, "source.bin")
make_source(source)
up = pool.createXML("<volume><name>up.img</name><capacity unit='M'>64</capacity></volume>", 0)
stream = conn.newStream(0)
up.upload(stream, 0, 64 * MIB, 0)
with open(source, "rb") as f:
    stream.sendAll(lambda _st, nbytes, fd: fd.read(nbytes), f)
stream.finish()
out("upload matches the source", sha256(up.path()) == sha256(source))
target = os.path.join(WORK, "download.bin")
stream = conn.newStream(0)
up.download(stream, 0, 0, 0)
with open(target, "wb") as f:
    stream.recvAll(lambda _st, data, fd: fd.write(data), f)
stream.finish()
out("download matches the source", sha256(target) == sha256(source))
stream = conn.newStream(0)
up.download(stream, MIB, 1000, 0)
window = bytearray()
while True:
    chunk = stream.recv(4096)
    if not chunk:
        break
    window.extend(chunk)
stream.finish()
with open(source, "rb") as f:
    f.seek(MIB)
    out("download window matches", bytes(window) == f.read(1000))

# A file made outside libvirt appears after a refresh.
with open(os.path.join(POOL_DIR, "outside.img"), "wb") as f:
    f.write(bytes([7]) * 12345)
out("listVolumes before refresh has outside.img", "outside.img" in pool.listVolumes())
attempt("refresh", lambda: pool.refresh(0))
out("listVolumes after refresh has outside.img", "outside.img" in pool.listVolumes())
out("  outside.img info type and capacity", pool.storageVolLookupByName("outside.img").info()[:2])

# Bad input: libvirt's errors, nothing changed on disk.
bad_input("createXML duplicate name", lambda: pool.createXML(BOOK_VOLUME, 0).name())
bad_input(
    "createXML capacity beyond the file system",
    lambda: pool.createXML("<volume><name>big.img</name><capacity unit='E'>1</capacity></volume>", 0).name(),
)
bad_input(
    "resize allocating beyond the available space",
    lambda: vol.resize(1 << 60, libvirt.VIR_STORAGE_VOL_RESIZE_ALLOCATE),
)
bad_input(
    "createXML unknown format",
    lambda: pool.createXML(
        "<volume><name>x.img</name><capacity>1</capacity><target><format type='nope'/></target></volume>", 0
    ).name(),
)
bad_input("delete an active pool", lambda: pool.delete(0))
bad_input("undefine an active pool", pool.undefine)
attempt("destroy", pool.destroy)
bad_input("delete a pool holding volumes", lambda: pool.delete(0))
attempt("lookup a volume of an inactive pool", lambda: pool.storageVolLookupByName("sparse.img").name())
attempt("create", lambda: pool.create(0))
out("listVolumes after restart", sorted(pool.listVolumes()))

# Cleanup as the book does: wipe, then delete; then the pool itself.
for name in sorted(pool.listVolumes()):
    v = pool.storageVolLookupByName(name)
    attempt("wipe " + name, lambda: v.wipe(0))
    attempt("delete " + name, lambda: v.delete(0))
attempt("lookup a deleted volume", lambda: pool.storageVolLookupByName("sparse.img").name())
out("numOfVolumes", pool.numOfVolumes())
attempt("destroy", pool.destroy)
attempt("delete", lambda: pool.delete(0))
out("  directory exists", os.path.exists(POOL_DIR))
attempt("undefine", pool.undefine)
attempt("lookup after undefine", lambda: conn.storagePoolLookupByName("mypool").name())
conn.close()
