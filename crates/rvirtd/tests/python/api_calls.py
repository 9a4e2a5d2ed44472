"""Calls in the style of the libvirt application development guide's chapters 3-8, printed
one result per line, so a run against the in-process test driver and one against rvirtd
can be compared. Usage: api_calls.py URI"""

import sys

import libvirt

libvirt.registerErrorHandler(lambda ctx, err: None, None)

URI = sys.argv[1]
OUT = []


def record(name, fn):
    try:
        value = fn()
    except libvirt.libvirtError as e:
        value = ("error", e.get_error_code(), e.get_error_domain(), e.get_error_message())
    OUT.append("%s: %r" % (name, value))


DOMAIN_XML = """<domain type='test'>
  <name>pyguest</name>
  <uuid>1b2c3d4e-0000-4000-8000-00000000abcd</uuid>
  <memory unit='KiB'>131072</memory>
  <vcpu>1</vcpu>
  <os><type arch='i686'>hvm</type></os>
</domain>"""

TRANSIENT_XML = DOMAIN_XML.replace("pyguest", "pytransient").replace(
    "1b2c3d4e-0000-4000-8000-00000000abcd", "1b2c3d4e-0000-4000-8000-00000000abce")

NET_XML = """<network>
  <name>pynet</name>
  <uuid>1b2c3d4e-0000-4000-8000-0000000000aa</uuid>
  <bridge name='virbr9'/>
  <ip address='192.168.199.1' netmask='255.255.255.0'/>
</network>"""

VOL_XML = """<volume>
  <name>pyvol.img</name>
  <capacity unit='MiB'>10</capacity>
</volume>"""


def _try(fn):
    try:
        return fn()
    except libvirt.libvirtError as e:
        return ("error", e.get_error_code(), e.get_error_domain(), e.get_error_message())


def info_shape(info):
    # The test driver reports wall-clock time as CPU time.
    state, maxmem, mem, vcpus, cputime = info
    return (state, maxmem, mem, vcpus, isinstance(cputime, int))


conn = libvirt.open(URI)
record("getHostname", conn.getHostname)
record("getInfo", conn.getInfo)
record("getType", conn.getType)
record("getVersion", conn.getVersion)
record("getLibVersion", conn.getLibVersion)
record("getCapabilities", conn.getCapabilities)
record("getMaxVcpus", lambda: conn.getMaxVcpus(None))
record("getFreeMemory", conn.getFreeMemory)
record("getCellsFreeMemory", lambda: conn.getCellsFreeMemory(0, 2))
record("getSecurityModel", conn.getSecurityModel)
record("isAlive", conn.isAlive)
record("getSysinfo", lambda: conn.getSysinfo(0))
record("getCPUStats", lambda: conn.getCPUStats(libvirt.VIR_NODE_CPU_STATS_ALL_CPUS))

# --- domains
record("listDomainsID", conn.listDomainsID)
record("listDefinedDomains", conn.listDefinedDomains)
record("numOfDomains", conn.numOfDomains)
record("numOfDefinedDomains", conn.numOfDefinedDomains)
record("listAllDomains", lambda: sorted(d.name() for d in conn.listAllDomains(0)))
record("listAllDomains active", lambda: sorted(d.name() for d in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)))
dom = conn.lookupByName("test")
record("lookupByName", lambda: (dom.name(), dom.ID(), dom.UUIDString()))
record("lookupByID", lambda: conn.lookupByID(1).name())
record("lookupByUUID", lambda: conn.lookupByUUID(dom.UUID()).name())
record("lookupByUUIDString", lambda: conn.lookupByUUIDString(dom.UUIDString()).name())
record("UUID bytes", lambda: (len(dom.UUID()), dom.UUID().hex()))
record("info", lambda: info_shape(dom.info()))
record("state", lambda: dom.state(0))
record("XMLDesc", lambda: dom.XMLDesc(0))
record("OSType", dom.OSType)
record("maxMemory", dom.maxMemory)
record("maxVcpus", dom.maxVcpus)
record("isActive", dom.isActive)
record("isPersistent", dom.isPersistent)
record("autostart", dom.autostart)
record("schedulerType", dom.schedulerType)
record("vcpusFlags", lambda: dom.vcpusFlags(0))
record("hasManagedSaveImage", lambda: dom.hasManagedSaveImage(0))
record("suspend", dom.suspend)
record("state after suspend", lambda: dom.state(0))
record("suspend again", dom.suspend)
record("resume", dom.resume)
record("state after resume", lambda: dom.state(0))
record("resume again", dom.resume)
record("shutdown", dom.shutdown)
record("state after shutdown", lambda: dom.state(0))
record("create", dom.create)
record("ID after create", dom.ID)
record("destroy", dom.destroy)
record("state after destroy", lambda: dom.state(0))
record("setMemory inactive", lambda: dom.setMemoryFlags(65536, libvirt.VIR_DOMAIN_AFFECT_CONFIG))

record("defineXML", lambda: conn.defineXML(DOMAIN_XML).name())
g = conn.lookupByName("pyguest")
record("new info", lambda: info_shape(g.info()))
record("new XMLDesc", lambda: g.XMLDesc(0))
record("new create", g.create)
record("new state", lambda: g.state(0))
record("new suspend", g.suspend)
record("new resume", g.resume)
record("new destroy", g.destroy)
record("new undefine", g.undefine)
record("lookup undefined", lambda: conn.lookupByName("pyguest").name())
# Only code and domain: the parser's wording of XML syntax errors is libxml2's.
record("defineXML bad", lambda: [x[:3] if isinstance(x, tuple) else x for x in [_try(lambda: conn.defineXML("<domain>").name())]])
record("createXML transient", lambda: conn.createXML(TRANSIENT_XML, 0).name())
t = conn.lookupByName("pytransient")
record("transient persistent", t.isPersistent)
record("transient destroy", t.destroy)
record("transient gone", lambda: conn.lookupByName("pytransient").name())
record("lookupByName missing", lambda: conn.lookupByName("no-such-domain"))
record("lookupByID missing", lambda: conn.lookupByID(9999))
record("lookupByUUIDString missing", lambda: conn.lookupByUUIDString("00000000-0000-0000-0000-000000000001"))

# --- storage
record("listStoragePools", conn.listStoragePools)
record("listDefinedStoragePools", conn.listDefinedStoragePools)
record("listAllStoragePools", lambda: sorted(p.name() for p in conn.listAllStoragePools(0)))
pool = conn.storagePoolLookupByName("default-pool")
record("pool info", pool.info)
record("pool XMLDesc", lambda: pool.XMLDesc(0))
record("pool isActive", pool.isActive)
record("pool autostart", pool.autostart)
record("pool numOfVolumes", pool.numOfVolumes)
record("pool listVolumes", pool.listVolumes)
record("vol createXML", lambda: pool.createXML(VOL_XML, 0).name())
record("pool listVolumes after", lambda: sorted(pool.listVolumes()))
vol = pool.storageVolLookupByName("pyvol.img")
record("vol info", vol.info)
record("vol path", vol.path)
record("vol key", vol.key)
record("vol XMLDesc", lambda: vol.XMLDesc(0))
record("vol lookupByPath", lambda: conn.storageVolLookupByPath(vol.path()).name())
record("vol lookupByKey", lambda: conn.storageVolLookupByKey(vol.key()).name())
record("vol pool", lambda: vol.storagePoolLookupByVolume().name())
record("vol delete", lambda: vol.delete(0))
record("vol gone", lambda: pool.storageVolLookupByName("pyvol.img").name())
record("pool missing", lambda: conn.storagePoolLookupByName("nope"))

# --- networks
record("listNetworks", conn.listNetworks)
record("listDefinedNetworks", conn.listDefinedNetworks)
record("numOfNetworks", conn.numOfNetworks)
record("networkDefineXML", lambda: conn.networkDefineXML(NET_XML).name())
n = conn.networkLookupByName("pynet")
record("net isActive", n.isActive)
record("net create", n.create)
record("net bridgeName", n.bridgeName)
record("net XMLDesc", lambda: n.XMLDesc(0))
record("net listNetworks", lambda: sorted(conn.listNetworks()))
record("net destroy", n.destroy)
record("net undefine", n.undefine)
record("net gone", lambda: conn.networkLookupByName("pynet"))
record("net default UUID lookup", lambda: conn.networkLookupByUUID(conn.networkLookupByName("default").UUID()).name())

# --- interfaces
record("listInterfaces", conn.listInterfaces)
record("listDefinedInterfaces", conn.listDefinedInterfaces)
record("numOfInterfaces", conn.numOfInterfaces)
record("listAllInterfaces", lambda: sorted(i.name() for i in conn.listAllInterfaces(0)))
record("interface XMLDesc", lambda: conn.interfaceLookupByName(conn.listInterfaces()[0]).XMLDesc(0))
record("interface MAC", lambda: conn.interfaceLookupByName(conn.listInterfaces()[0]).MACString())
record("interface missing", lambda: conn.interfaceLookupByName("nope0"))

# --- node devices
# libvirt lists in its hash table's order; compare the set.
record("listDevices", lambda: sorted(conn.listDevices(None, 0)))
record("numOfDevices", lambda: conn.numOfDevices(None, 0))
record("listAllDevices", lambda: sorted(d.name() for d in conn.listAllDevices(0)))
record("nodedev XMLDesc", lambda: conn.nodeDeviceLookupByName("computer").XMLDesc(0))
record("nodedev listCaps", lambda: conn.nodeDeviceLookupByName("computer").listCaps())
record("nodedev missing", lambda: conn.nodeDeviceLookupByName("nope"))


# --- more domain information and tuning
dom = conn.lookupByName("test")
record("create for stats", dom.create)
record("vcpus", lambda: (dom.vcpus()[1], [v[:2] + (v[3],) for v in dom.vcpus()[0]]))
record("vcpuPinInfo", lambda: dom.vcpuPinInfo(0))
record("pinVcpu", lambda: dom.pinVcpu(0, (True, False)))
record("vcpus after pin", lambda: (dom.vcpus()[1], [v[:2] + (v[3],) for v in dom.vcpus()[0]]))
record("schedulerParameters", dom.schedulerParameters)
record("schedulerParametersFlags", lambda: dom.schedulerParametersFlags(0))
record("setSchedulerParameters", lambda: dom.setSchedulerParameters({"weight": 100}))
record("memoryStats", dom.memoryStats)
# Block and interface counters grow with wall-clock time in the test driver: compare shapes.
record("blockStats", lambda: [type(x).__name__ for x in dom.blockStats("vda")])
record("blockInfo", lambda: dom.blockInfo("vda", 0))
record("interfaceStats", lambda: [type(x).__name__ for x in dom.interfaceStats("testnet0")])
record("interfaceAddresses", lambda: dom.interfaceAddresses(0, 0))
record("getCPUStats total", lambda: [sorted(g.keys()) for g in dom.getCPUStats(True, 0)])
record("securityLabel", dom.securityLabel)
record("securityLabelList", dom.securityLabelList)
record("jobInfo", dom.jobInfo)
record("getTime", lambda: sorted(dom.getTime(0).keys()))
record("hostname", lambda: dom.hostname(0))
record("setAutostart", lambda: dom.setAutostart(1))
record("autostart after", dom.autostart)
record("setMetadata", lambda: dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_DESCRIPTION, "hello", None, None, 0))
record("metadata", lambda: dom.metadata(libvirt.VIR_DOMAIN_METADATA_DESCRIPTION, None, 0))
record("metadata missing", lambda: dom.metadata(libvirt.VIR_DOMAIN_METADATA_TITLE, None, 0))
record("setVcpusFlags", lambda: dom.setVcpusFlags(1, libvirt.VIR_DOMAIN_AFFECT_LIVE))
record("vcpusFlags live", lambda: dom.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_LIVE))
record("setMaxMemory running", lambda: dom.setMaxMemory(4194304))
record("setMemory", lambda: dom.setMemory(1048576))
record("info after setMemory", lambda: info_shape(dom.info()))
record("attachDevice", lambda: dom.attachDeviceFlags("<disk type='file' device='disk'><source file='/x.img'/><target dev='vdb' bus='virtio'/></disk>", libvirt.VIR_DOMAIN_AFFECT_CONFIG))
record("XML after attach", lambda: dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
record("getAllDomainStats", lambda: sorted((r[0].name(), sorted(r[1].keys())) for r in conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_STATE, 0)))
record("domainListGetStats", lambda: [sorted(r[1].items()) for r in conn.domainListGetStats([dom], libvirt.VIR_DOMAIN_STATS_STATE, 0)])
# Stats groups and filters: the test driver collects only "state"; the order of a
# multi-domain answer follows libvirt's hash table, so those are sorted.
STATS = libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS


def all_stats(stats, flags):
    return sorted((r[0].name(), sorted(r[1].items())) for r in conn.getAllDomainStats(stats, flags))


record("getAllDomainStats all groups", lambda: all_stats(0, 0))
record("getAllDomainStats active", lambda: all_stats(0, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE))
record("getAllDomainStats inactive", lambda: all_stats(0, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE))
record("getAllDomainStats running persistent", lambda: all_stats(libvirt.VIR_DOMAIN_STATS_STATE, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING | libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT))
record("getAllDomainStats unsupported group", lambda: all_stats(libvirt.VIR_DOMAIN_STATS_VCPU | libvirt.VIR_DOMAIN_STATS_BLOCK, 0))
record("getAllDomainStats enforced", lambda: all_stats(libvirt.VIR_DOMAIN_STATS_VCPU, STATS))
record("getAllDomainStats bad flag", lambda: all_stats(0, 1 << 12))
record("domainListGetStats filtered", lambda: [sorted(r[1].items()) for r in conn.domainListGetStats([dom], 0, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF)])
record("getCPUMap", lambda: conn.getCPUMap(0))
record("getCPUMap bad flag", lambda: conn.getCPUMap(1))
record("vcpuPinInfo config", lambda: dom.vcpuPinInfo(libvirt.VIR_DOMAIN_AFFECT_CONFIG))
record("vcpuPinInfo both", lambda: dom.vcpuPinInfo(libvirt.VIR_DOMAIN_AFFECT_CONFIG | libvirt.VIR_DOMAIN_AFFECT_LIVE))
record("nodeGetMemoryStats", lambda: conn.getMemoryStats(libvirt.VIR_NODE_MEMORY_STATS_ALL_CELLS, 0))
record("getCPUModelNames", lambda: conn.getCPUModelNames("x86_64", 0)[:5])
record("getDomainCapabilities", lambda: conn.getDomainCapabilities(None, None, None, None, 0))
record("compareCPU", lambda: conn.compareCPU("<cpu><arch>i686</arch></cpu>", 0))
record("managedSave", lambda: dom.managedSave(0))
record("hasManagedSaveImage after", lambda: dom.hasManagedSaveImage(0))
record("managedSaveRemove", lambda: dom.managedSaveRemove(0))

# --- snapshots
record("snapshotCreateXML", lambda: dom.snapshotCreateXML("<domainsnapshot><name>s1</name></domainsnapshot>", 0).getName())
record("snapshotNum", lambda: dom.snapshotNum(0))
record("snapshotListNames", lambda: dom.snapshotListNames(0))
record("listAllSnapshots", lambda: [x.getName() for x in dom.listAllSnapshots(0)])
record("hasCurrentSnapshot", lambda: dom.hasCurrentSnapshot(0))
record("snapshotCurrent", lambda: dom.snapshotCurrent(0).getName())
record("snapshot isCurrent", lambda: dom.snapshotLookupByName("s1", 0).isCurrent(0))
record("snapshot XMLDesc has name", lambda: "<name>s1</name>" in dom.snapshotLookupByName("s1", 0).getXMLDesc(0))
record("snapshotCreateXML child", lambda: dom.snapshotCreateXML("<domainsnapshot><name>s2</name></domainsnapshot>", 0).getName())
record("snapshot getParent", lambda: dom.snapshotLookupByName("s2", 0).getParent(0).getName())
record("snapshot root getParent", lambda: dom.snapshotLookupByName("s1", 0).getParent(0).getName())
record("snapshot numChildren", lambda: dom.snapshotLookupByName("s1", 0).numChildren(0))
record("snapshot listChildrenNames", lambda: dom.snapshotLookupByName("s1", 0).listChildrenNames(0))
record("snapshot listAllChildren", lambda: [x.getName() for x in dom.snapshotLookupByName("s1", 0).listAllChildren(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS)])
record("snapshot hasMetadata", lambda: dom.snapshotLookupByName("s2", 0).hasMetadata(0))
record("snapshot s2 delete", lambda: dom.snapshotLookupByName("s2", 0).delete(0))
record("revertToSnapshot", lambda: dom.revertToSnapshot(dom.snapshotLookupByName("s1", 0), 0))
record("snapshot delete", lambda: dom.snapshotLookupByName("s1", 0).delete(0))
record("snapshot missing", lambda: dom.snapshotLookupByName("s1", 0))

# --- secrets and filters
record("listSecrets", conn.listSecrets)
record("numOfSecrets", conn.numOfSecrets)
record("secretDefineXML", lambda: conn.secretDefineXML("<secret ephemeral='no' private='no'><uuid>1b2c3d4e-0000-4000-8000-0000000000ee</uuid><usage type='volume'><volume>/x.img</volume></usage></secret>", 0).UUIDString())
record("secret setValue", lambda: conn.secretLookupByUUIDString("1b2c3d4e-0000-4000-8000-0000000000ee").setValue(b"s3cret", 0))
record("secret value", lambda: conn.secretLookupByUUIDString("1b2c3d4e-0000-4000-8000-0000000000ee").value(0))
record("secret by usage", lambda: conn.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_VOLUME, "/x.img").UUIDString())
record("secret XMLDesc", lambda: conn.secretLookupByUUIDString("1b2c3d4e-0000-4000-8000-0000000000ee").XMLDesc(0))
record("secret undefine", lambda: conn.secretLookupByUUIDString("1b2c3d4e-0000-4000-8000-0000000000ee").undefine())
record("listNWFilters", conn.listNWFilters)
record("numOfNWFilters", conn.numOfNWFilters)
record("nwfilter missing", lambda: conn.nwfilterLookupByName("nope"))

# --- pools beyond the default
record("pool defineXML", lambda: conn.storagePoolDefineXML("<pool type='dir'><name>pypool</name><target><path>/pypool</path></target></pool>", 0).name())
record("pool create", lambda: conn.storagePoolLookupByName("pypool").create(0))
record("pool setAutostart", lambda: conn.storagePoolLookupByName("pypool").setAutostart(1))
record("pool refresh", lambda: conn.storagePoolLookupByName("pypool").refresh(0))
record("pool destroy", lambda: conn.storagePoolLookupByName("pypool").destroy())
record("pool undefine", lambda: conn.storagePoolLookupByName("pypool").undefine())
record("pool by target path", lambda: conn.storagePoolLookupByTargetPath("/default-pool").name())

# --- legacy domain listing with names and connection queries
record("numOfDefinedStoragePools", conn.numOfDefinedStoragePools)
record("numOfDefinedNetworks", conn.numOfDefinedNetworks)
record("numOfDefinedInterfaces", conn.numOfDefinedInterfaces)
record("isSecure", conn.isSecure)
record("isEncrypted", conn.isEncrypted)

conn.close()
print("\n".join(OUT))
