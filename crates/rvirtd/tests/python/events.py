"""Registers event callbacks (domain lifecycle through the modern and the legacy API,
network and storage pool lifecycle), makes things happen, and prints the events received,
in order. Usage: events.py URI"""

import sys
import threading
import time

import libvirt

libvirt.registerErrorHandler(lambda ctx, err: None, None)
libvirt.virEventRegisterDefaultImpl()

URI = sys.argv[1]
EVENTS = []
LOCK = threading.Lock()


def loop():
    while True:
        libvirt.virEventRunDefaultImpl()


threading.Thread(target=loop, daemon=True).start()


def on_lifecycle(conn, dom, event, detail, opaque):
    with LOCK:
        EVENTS.append("%s %s %d %d" % (opaque, dom.name(), event, detail))


def on_network(conn, net, event, detail, opaque):
    with LOCK:
        EVENTS.append("network %s %d %d" % (net.name(), event, detail))


def on_pool(conn, pool, event, detail, opaque):
    with LOCK:
        EVENTS.append("pool %s %d %d" % (pool.name(), event, detail))


def on_reboot(conn, dom, opaque):
    with LOCK:
        EVENTS.append("reboot %s" % dom.name())


conn = libvirt.open(URI)
ids = [
    conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle, "any"),
    conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_REBOOT, on_reboot, None),
    conn.networkEventRegisterAny(None, libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE, on_network, None),
    conn.storagePoolEventRegisterAny(None, libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, on_pool, None),
]
conn.domainEventRegister(on_lifecycle, "legacy")
# A callback for one domain only must not see the others' events.
ids.append(conn.domainEventRegisterAny(conn.lookupByName("test"), libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle, "only-test"))

DOMAIN_XML = """<domain type='test'>
  <name>evguest</name>
  <memory unit='KiB'>131072</memory>
  <os><type arch='i686'>hvm</type></os>
</domain>"""


def settle(n):
    deadline = time.time() + 10
    while time.time() < deadline:
        with LOCK:
            if len(EVENTS) >= n:
                break
        time.sleep(0.02)


dom = conn.lookupByName("test")
dom.suspend()
dom.resume()
dom.reboot(0)
dom.destroy()
dom.create()
g = conn.defineXML(DOMAIN_XML)
g.create()
g.suspend()
g.resume()
g.destroy()
g.undefine()
net = conn.networkLookupByName("default")
net.destroy()
net.create()
pool = conn.storagePoolLookupByName("default-pool")
pool.destroy()
pool.create()
settle(28)
for i in ids[:2]:
    conn.domainEventDeregisterAny(i)
conn.networkEventDeregisterAny(ids[2])
conn.storagePoolEventDeregisterAny(ids[3])
conn.domainEventDeregister(on_lifecycle)
conn.domainEventDeregisterAny(ids[4])
dom.suspend()
time.sleep(0.3)
with LOCK:
    print("\n".join(EVENTS))
conn.close()
