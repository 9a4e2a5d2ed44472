# Dumps libvirt state in the shape of corpus/testdriver/*.out.json (plus, when
# extended, the extra facts rvirt's tests compare). Shared by the rvirt-test tests.
import re
import libvirt


def mask_time(xml):
    return re.sub(r'<creationTime>[0-9]+</creationTime>', '<creationTime>T</creationTime>', xml)


def err_record(e):
    return {"err": [e.get_error_code(), e.get_error_domain(), e.get_error_message()]}


def dump(c, extended):
    out = {"hostname": c.getHostname(), "nodeinfo": c.getInfo()}
    doms = {}
    for d in c.listAllDomains(0):
        rec = {
            "autostart": d.autostart(),
            "id": d.ID(),
            "persistent": d.isPersistent(),
            "state": list(d.state()),
            "xml": d.XMLDesc(0),
        }
        if extended:
            rec["inactive_xml"] = d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
            rec["info"] = list(d.info()[:4])
            rec["managed_save"] = d.hasManagedSaveImage()
            rec["active"] = d.isActive()
            rec["snapshots"] = {s.getName(): mask_time(s.getXMLDesc(0)) for s in d.listAllSnapshots(0)}
            rec["current_snapshot"] = d.snapshotCurrent(0).getName() if d.hasCurrentSnapshot(0) else None
        doms[d.name()] = rec
    out["domains"] = doms
    nets = {}
    for n in c.listAllNetworks(0):
        rec = {"active": n.isActive(), "xml": n.XMLDesc(0)}
        if extended:
            rec["persistent"] = n.isPersistent()
            rec["autostart"] = n.autostart()
        nets[n.name()] = rec
    out["networks"] = nets
    pools = {}
    for p in c.listAllStoragePools(0):
        vols = {}
        if p.isActive():
            for v in p.listAllVolumes(0):
                vols[v.name()] = v.XMLDesc(0)
        rec = {"active": p.isActive(), "volumes": vols, "xml": p.XMLDesc(0)}
        if extended:
            rec["info"] = list(p.info())
            rec["persistent"] = p.isPersistent()
            rec["autostart"] = p.autostart()
        pools[p.name()] = rec
    out["pools"] = pools
    ifaces = {}
    for i in c.listAllInterfaces(0):
        ifaces[i.name()] = {"active": i.isActive(), "xml": i.XMLDesc(0)}
    out["interfaces"] = ifaces
    out["nodedevs"] = {n.name(): n.XMLDesc(0) for n in c.listAllDevices(0)}
    return out
