"""Node device lifecycle events of a driver that creates devices itself (the test driver):
registers a callback on argv[1], creates and destroys a vHBA, deregisters, and prints the
events it saw, in order."""

import sys
import threading
import time

import libvirt

libvirt.virEventRegisterDefaultImpl()
events = []


def run_loop():
    while True:
        libvirt.virEventRunDefaultImpl()


threading.Thread(target=run_loop, daemon=True).start()

conn = libvirt.open(sys.argv[1])


def on_lifecycle(_conn, dev, event, detail, _opaque):
    events.append("event %s %d %d" % (dev.name(), event, detail))


callback = conn.nodeDeviceEventRegisterAny(
    None, libvirt.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE, on_lifecycle, None
)
VHBA = """<device>
  <parent>scsi_host1</parent>
  <capability type='scsi_host'>
    <capability type='fc_host'>
      <wwnn>2000000012341234</wwnn>
      <wwpn>1000000012341234</wwpn>
    </capability>
  </capability>
</device>"""
dev = conn.nodeDeviceCreateXML(VHBA, 0)
print("created", dev.name())
dev.destroy()
deadline = time.time() + 10
while len(events) < 2 and time.time() < deadline:
    time.sleep(0.05)
for line in events:
    print(line)
conn.nodeDeviceEventDeregisterAny(callback)
conn.close()
print("done")
