#!/usr/bin/python3
"""Fills corpus/<target>/ (git-ignored) with starting inputs for the fuzz targets.

Usage: ./seed.py [SHARED_CORPUS]   (default: ../../../../shared/corpus)

Sources: the golden corpus's documents per kind, the elements of its test-driver configs
(devices, interfaces, networks, pools, domains), this crate's test data, the capabilities
real libvirt's test driver prints (when virsh is installed), and two small secrets.
"""
import hashlib
import os
import subprocess
import sys
import xml.dom.minidom

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../../shared/corpus")
TARGETS = ["domain", "network", "pool", "volume", "nodedev", "interface", "secret", "capabilities"]
ELEMENT_TARGET = {"domain": "domain", "network": "network", "pool": "pool", "volume": "volume",
                  "device": "nodedev", "interface": "interface"}


def add(target, text):
    data = text.encode()
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(HERE, "corpus", target, name), "wb") as f:
        f.write(data)


def main():
    for t in TARGETS:
        os.makedirs(os.path.join(HERE, "corpus", t), exist_ok=True)
    for kind in ["domain", "network", "pool", "volume", "qemu-define"]:
        folder = os.path.join(SHARED, kind)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith(".xml"):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    add("domain" if kind == "qemu-define" else kind, f.read())
    folder = os.path.join(SHARED, "testdriver")
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if not name.endswith(".in.xml"):
            continue
        try:
            doc = xml.dom.minidom.parse(os.path.join(folder, name))
        except Exception:
            continue
        for node in doc.getElementsByTagName("*"):
            target = ELEMENT_TARGET.get(node.tagName)
            parent = node.parentNode
            top_level = parent is doc.documentElement
            in_pool = target == "volume" and getattr(parent, "tagName", "") == "pool"
            if target and (top_level or in_pool):
                add(target, node.toxml())
    data = os.path.join(HERE, "..", "tests", "data")
    for root, _, files in os.walk(data):
        kind = os.path.basename(root)
        if kind in TARGETS:
            for name in files:
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    add(kind, f.read())
    try:
        caps = subprocess.run(["virsh", "-c", "test:///default", "capabilities"],
                              capture_output=True, text=True, check=True).stdout
        add("capabilities", caps)
    except (OSError, subprocess.CalledProcessError):
        pass
    add("secret", "<secret ephemeral='no' private='yes'>\n  <uuid>c1f11a6d-8c5d-4a3e-ac7a-4e171c5e0d4a</uuid>\n"
                  "  <description>disk</description>\n  <usage type='volume'>\n"
                  "    <volume>/var/lib/libvirt/images/a.img</volume>\n  </usage>\n</secret>\n")
    add("secret", "<secret ephemeral='yes' private='no'>\n  <usage type='ceph'>\n    <name>client.admin</name>\n"
                  "  </usage>\n</secret>\n")
    for t in TARGETS:
        print(t, len(os.listdir(os.path.join(HERE, "corpus", t))))


main()
