"""Connects with an event loop and keepalive on, idles, then checks the connection.
Usage: keepalive.py URI SECONDS"""

import sys
import threading
import time

import libvirt

libvirt.virEventRegisterDefaultImpl()


def loop():
    while True:
        libvirt.virEventRunDefaultImpl()


threading.Thread(target=loop, daemon=True).start()
closed = []
conn = libvirt.open(sys.argv[1])
conn.registerCloseCallback(lambda c, reason, opaque: closed.append(reason), None)
conn.setKeepAlive(2, 3)
time.sleep(float(sys.argv[2]))
if closed:
    print("closed", closed)
    sys.exit(1)
print("alive", conn.isAlive(), conn.lookupByName("test").name())
