"""Downloads a volume and uploads one through libvirt streams. Usage: streams.py URI"""

import sys

import libvirt

conn = libvirt.open(sys.argv[1])
vol = conn.storagePoolLookupByName("p").storageVolLookupByName("v")

st = conn.newStream(0)
vol.download(st, 0, 0, 0)
data = bytearray()
while True:
    chunk = st.recv(65536)
    if not chunk:
        break
    data.extend(chunk)
st.finish()
print("downloaded", len(data), sum(data))

st = conn.newStream(0)
vol.upload(st, 0, 300000, 0)
payload = bytes([7]) * 300000
sent = 0
while sent < len(payload):
    sent += st.send(payload[sent:sent + 65536])
st.finish()
print("uploaded", sent)
conn.close()
