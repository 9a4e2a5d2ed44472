"""Node device lifecycle events through a daemon: registers a callback on argv[1], says
"ready", then prints "event NAME EVENT" for every lifecycle event until stdin closes."""

import sys
import threading

import libvirt

libvirt.virEventRegisterDefaultImpl()


def run_loop():
    while True:
        libvirt.virEventRunDefaultImpl()


threading.Thread(target=run_loop, daemon=True).start()

conn = libvirt.open(sys.argv[1])


def on_lifecycle(_conn, dev, event, _detail, _opaque):
    print("event", dev.name(), event, flush=True)


callback = conn.nodeDeviceEventRegisterAny(
    None, libvirt.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE, on_lifecycle, None
)
print("ready", flush=True)
sys.stdin.read()
conn.nodeDeviceEventDeregisterAny(callback)
conn.close()
print("done", flush=True)
