"""Opens URI read-only: listing works, changes are refused. Usage: readonly.py URI"""

import sys

import libvirt

libvirt.registerErrorHandler(lambda ctx, err: None, None)


def attempt(name, fn):
    try:
        print("%s: %r" % (name, fn()))
    except libvirt.libvirtError as e:
        print("%s: error %d %d %r" % (name, e.get_error_code(), e.get_error_domain(), e.get_error_message()))


conn = libvirt.openReadOnly(sys.argv[1])
attempt("listAllDomains", lambda: sorted(d.name() for d in conn.listAllDomains(0)))
attempt("listNetworks", conn.listNetworks)
attempt("lookupByName", lambda: conn.lookupByName("test").name())
attempt("XMLDesc", lambda: conn.lookupByName("test").XMLDesc(0))
attempt("getCapabilities", lambda: len(conn.getCapabilities()) > 0)
attempt("defineXML", lambda: conn.defineXML(
    "<domain type='test'><name>ro</name><memory>1024</memory><os><type>hvm</type></os></domain>"))
attempt("suspend", lambda: conn.lookupByName("test").suspend())
attempt("destroy", lambda: conn.lookupByName("test").destroy())
attempt("networkDefineXML", lambda: conn.networkDefineXML("<network><name>x</name></network>"))
attempt("pool destroy", lambda: conn.storagePoolLookupByName("default-pool").destroy())
attempt("state after", lambda: conn.lookupByName("test").state(0))
