//! Operation-by-operation comparison of a connection through a daemon with rvirt's
//! in-process `test:///default`, shared by the libvirtd and rvirtd tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test helpers may unwrap

use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rvirt::Connect;
use rvirt_core::events::{domain_event_id, EventCallback};
use rvirt_core::*;

/// A fresh in-process `test:///default` (not shared with other tests in this binary).
pub fn local() -> Connect {
    let driver = rvirt_test::TestDriver::open_private_default().unwrap();
    Connect::from_full("test:///default".into(), false, driver)
}

#[track_caller]
pub fn same<T: PartialEq + Debug>(what: &str, remote: T, local: T) {
    assert_eq!(
        remote, local,
        "{what}: remote (left) differs from in-process (right)"
    );
}

/// Errors compared as libvirt users see them: code, domain and message.
#[track_caller]
pub fn same_error<T: Debug>(what: &str, remote: Result<T>, local: Result<T>) {
    let r = remote.expect_err(what);
    let l = local.expect_err(what);
    same(
        what,
        (r.code, r.domain, r.message.clone()),
        (l.code, l.domain, l.message.clone()),
    );
}

/// Domain info without the CPU time, which the test driver derives from the clock.
/// Results compared whole: equal values, or errors with equal code, domain and message.
#[track_caller]
pub fn same_result<T: PartialEq + Debug>(what: &str, remote: Result<T>, local: Result<T>) {
    let strip = |r: Result<T>| r.map_err(|e| (e.code, e.domain, e.message));
    same(what, strip(remote), strip(local));
}

pub fn info(i: Result<DomainInfo>) -> DomainInfo {
    DomainInfo {
        cpu_time: 0,
        ..i.unwrap()
    }
}

pub fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

pub const NEW_DOMAIN: &str = "<domain type='test'>\n  <name>remote-check</name>\n  \
<uuid>9d2b0a4e-5c1f-4f7e-8a43-1d2c3b4a5f60</uuid>\n  <memory unit='KiB'>131072</memory>\n  \
<vcpu>2</vcpu>\n  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n</domain>\n";

/// Collects events a callback receives.
pub fn collector() -> (EventCallback, Arc<Mutex<Vec<Event>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    (
        Arc::new(move |e: &Event| sink.lock().unwrap().push(e.clone())),
        seen,
    )
}

pub fn wait_for(seen: &Mutex<Vec<Event>>, count: usize) -> Vec<Event> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while seen.lock().unwrap().len() < count && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    // Give stragglers a moment so extra events would show up too.
    std::thread::sleep(Duration::from_millis(100));
    seen.lock().unwrap().clone()
}

pub fn connection_and_node(r: &Connect, l: &Connect) {
    let (rh, lh) = (&r.hypervisor, &l.hypervisor);
    same(
        "hostname",
        rh.connect_get_hostname().unwrap(),
        lh.connect_get_hostname().unwrap(),
    );
    same(
        "type",
        rh.connect_get_type().unwrap(),
        lh.connect_get_type().unwrap(),
    );
    same(
        "version",
        rh.connect_get_version().unwrap(),
        lh.connect_get_version().unwrap(),
    );
    same(
        "node info",
        rh.node_get_info().unwrap(),
        lh.node_get_info().unwrap(),
    );
    same_result("cpu map", rh.node_get_cpu_map(0), lh.node_get_cpu_map(0));
    same(
        "free memory",
        rh.node_get_free_memory().unwrap(),
        lh.node_get_free_memory().unwrap(),
    );
    same(
        "capabilities",
        rh.connect_get_capabilities().unwrap(),
        lh.connect_get_capabilities().unwrap(),
    );
    same(
        "max vcpus",
        rh.connect_get_max_vcpus(None).unwrap(),
        lh.connect_get_max_vcpus(None).unwrap(),
    );
    assert!(rh.connect_is_alive().unwrap());
    assert!(rh.connect_is_secure().unwrap());
    assert!(!r.is_read_only());
}

pub fn domains(r: &Connect, l: &Connect) {
    let (rh, lh) = (&r.hypervisor, &l.hypervisor);
    same(
        "all domains",
        sorted(
            rh.connect_list_all_domains(ListDomainsFlags::empty())
                .unwrap()
                .into_iter()
                .map(|d| (d.name, d.uuid, d.id))
                .collect(),
        ),
        sorted(
            lh.connect_list_all_domains(ListDomainsFlags::empty())
                .unwrap()
                .into_iter()
                .map(|d| (d.name, d.uuid, d.id))
                .collect(),
        ),
    );
    same(
        "num of domains",
        rh.connect_num_of_domains().unwrap(),
        lh.connect_num_of_domains().unwrap(),
    );
    same(
        "domain ids",
        rh.connect_list_domains(10).unwrap(),
        lh.connect_list_domains(10).unwrap(),
    );
    let rd = rh.domain_lookup_by_name("test").unwrap();
    let ld = lh.domain_lookup_by_name("test").unwrap();
    same("lookup by name", &rd, &ld);
    same(
        "lookup by id",
        rh.domain_lookup_by_id(rd.id).unwrap(),
        lh.domain_lookup_by_id(ld.id).unwrap(),
    );
    same(
        "lookup by uuid",
        rh.domain_lookup_by_uuid(&rd.uuid).unwrap(),
        lh.domain_lookup_by_uuid(&ld.uuid).unwrap(),
    );
    for flags in [
        ModificationImpact::empty(),
        ModificationImpact::CONFIG,
        ModificationImpact::LIVE | ModificationImpact::CONFIG,
    ] {
        same_result(
            &format!("vcpu pin info {flags:?}"),
            rh.domain_get_vcpu_pin_info(&rd, flags),
            lh.domain_get_vcpu_pin_info(&ld, flags),
        );
    }
    // Stats groups (0 = all, state, vcpu) against filters (none, active, inactive,
    // enforce-stats).
    for (stats, flags) in [(0, 0), (1, 1), (8, 2), (8, 0), (8, 1 << 31)] {
        same_result(
            &format!("all domain stats {stats:#x} {flags:#x}"),
            rh.connect_get_all_domain_stats(&[], stats, flags),
            lh.connect_get_all_domain_stats(&[], stats, flags),
        );
        same_result(
            &format!("domain list stats {stats:#x} {flags:#x}"),
            rh.connect_get_all_domain_stats(std::slice::from_ref(&rd), stats, flags),
            lh.connect_get_all_domain_stats(std::slice::from_ref(&ld), stats, flags),
        );
    }
    same(
        "info",
        info(rh.domain_get_info(&rd)),
        info(lh.domain_get_info(&ld)),
    );
    same(
        "state",
        rh.domain_get_state(&rd, 0).unwrap(),
        lh.domain_get_state(&ld, 0).unwrap(),
    );
    for flags in [DomainXmlFlags::empty(), DomainXmlFlags::INACTIVE] {
        same(
            "xml",
            rh.domain_get_xml_desc(&rd, flags).unwrap(),
            lh.domain_get_xml_desc(&ld, flags).unwrap(),
        );
    }
    same(
        "os type",
        rh.domain_get_os_type(&rd).unwrap(),
        lh.domain_get_os_type(&ld).unwrap(),
    );
    same(
        "max memory",
        rh.domain_get_max_memory(&rd).unwrap(),
        lh.domain_get_max_memory(&ld).unwrap(),
    );
    same(
        "active",
        rh.domain_is_active(&rd).unwrap(),
        lh.domain_is_active(&ld).unwrap(),
    );
    same(
        "persistent",
        rh.domain_is_persistent(&rd).unwrap(),
        lh.domain_is_persistent(&ld).unwrap(),
    );
    same(
        "autostart",
        rh.domain_get_autostart(&rd).unwrap(),
        lh.domain_get_autostart(&ld).unwrap(),
    );
    same(
        "scheduler type",
        rh.domain_get_scheduler_type(&rd).unwrap(),
        lh.domain_get_scheduler_type(&ld).unwrap(),
    );
    same_result(
        "scheduler parameters",
        rh.domain_get_scheduler_parameters(&rd, 0),
        lh.domain_get_scheduler_parameters(&ld, 0),
    );
    same_result(
        "vcpus",
        rh.domain_get_vcpus(&rd).map(|(v, m)| (v.len(), m)),
        lh.domain_get_vcpus(&ld).map(|(v, m)| (v.len(), m)),
    );
    same_result(
        "vcpus flags",
        rh.domain_get_vcpus_flags(&rd, ModificationImpact::empty()),
        lh.domain_get_vcpus_flags(&ld, ModificationImpact::empty()),
    );
    same_result(
        "max vcpus",
        rh.domain_get_max_vcpus(&rd),
        lh.domain_get_max_vcpus(&ld),
    );
    same_result(
        "security label",
        rh.domain_get_security_label(&rd),
        lh.domain_get_security_label(&ld),
    );
    same_result(
        "security model",
        rh.node_get_security_model(),
        lh.node_get_security_model(),
    );
    same_result(
        "cells free memory",
        rh.node_get_cells_free_memory(0, 8),
        lh.node_get_cells_free_memory(0, 8),
    );
    same_result(
        "hostname of domain",
        rh.domain_get_hostname(&rd, 0),
        lh.domain_get_hostname(&ld, 0),
    );
    same_result(
        "updated",
        rh.domain_is_updated(&rd),
        lh.domain_is_updated(&ld),
    );
    same_result(
        "managed save image",
        rh.domain_has_managed_save_image(&rd),
        lh.domain_has_managed_save_image(&ld),
    );
    same_result(
        "snapshots",
        rh.domain_list_all_snapshots(&rd, 0),
        lh.domain_list_all_snapshots(&ld, 0),
    );
    same_result(
        "block stats",
        rh.domain_block_stats(&rd, "nope"),
        lh.domain_block_stats(&ld, "nope"),
    );
    same_result(
        "memory stats",
        rh.domain_memory_stats(&rd, 16, 0),
        lh.domain_memory_stats(&ld, 16, 0),
    );
    same_result(
        "job info",
        rh.domain_get_job_info(&rd),
        lh.domain_get_job_info(&ld),
    );

    // A domain's whole life, step by step on both sides.
    let rn = rh
        .domain_define_xml(NEW_DOMAIN, DomainDefineFlags::empty())
        .unwrap();
    let ln = lh
        .domain_define_xml(NEW_DOMAIN, DomainDefineFlags::empty())
        .unwrap();
    same("defined", &rn, &ln);
    same(
        "defined xml",
        rh.domain_get_xml_desc(&rn, DomainXmlFlags::empty())
            .unwrap(),
        lh.domain_get_xml_desc(&ln, DomainXmlFlags::empty())
            .unwrap(),
    );
    // Changes to the inactive definition, compared through the XML after each.
    let xml_of = |h: &std::sync::Arc<dyn HypervisorDriver>, d: &DomainRef| {
        h.domain_get_xml_desc(d, DomainXmlFlags::INACTIVE).unwrap()
    };
    same_result(
        "set memory",
        rh.domain_set_memory(&rn, 65536, ModificationImpact::CONFIG),
        lh.domain_set_memory(&ln, 65536, ModificationImpact::CONFIG),
    );
    same_result(
        "set vcpus",
        rh.domain_set_vcpus(&rn, 1, ModificationImpact::CONFIG),
        lh.domain_set_vcpus(&ln, 1, ModificationImpact::CONFIG),
    );
    same_result(
        "set autostart",
        rh.domain_set_autostart(&rn, true),
        lh.domain_set_autostart(&ln, true),
    );
    same_result(
        "get autostart",
        rh.domain_get_autostart(&rn),
        lh.domain_get_autostart(&ln),
    );
    same_result(
        "set metadata",
        rh.domain_set_metadata(&rn, 0, Some("remote driver check"), None, None, 0),
        lh.domain_set_metadata(&ln, 0, Some("remote driver check"), None, None, 0),
    );
    same_result(
        "get metadata",
        rh.domain_get_metadata(&rn, 0, None, 0),
        lh.domain_get_metadata(&ln, 0, None, 0),
    );
    same("changed xml", xml_of(rh, &rn), xml_of(lh, &ln));
    same_result(
        "attach disk",
        rh.domain_attach_device(
            &rn,
            "<disk type='file' device='disk'><source file='/tmp/x.img'/><target dev='vdb' bus='virtio'/></disk>",
            DeviceModifyFlags::CONFIG,
        ),
        lh.domain_attach_device(
            &ln,
            "<disk type='file' device='disk'><source file='/tmp/x.img'/><target dev='vdb' bus='virtio'/></disk>",
            DeviceModifyFlags::CONFIG,
        ),
    );
    same("xml after attach", xml_of(rh, &rn), xml_of(lh, &ln));
    same_result(
        "set autostart off",
        rh.domain_set_autostart(&rn, false),
        lh.domain_set_autostart(&ln, false),
    );
    let rn = rh.domain_create(&rn, DomainCreateFlags::empty()).unwrap();
    let ln = lh.domain_create(&ln, DomainCreateFlags::empty()).unwrap();
    same("started", &rn, &ln);
    same(
        "started state",
        rh.domain_get_state(&rn, 0).unwrap(),
        lh.domain_get_state(&ln, 0).unwrap(),
    );
    rh.domain_suspend(&rn).unwrap();
    lh.domain_suspend(&ln).unwrap();
    same(
        "suspended state",
        rh.domain_get_state(&rn, 0).unwrap(),
        lh.domain_get_state(&ln, 0).unwrap(),
    );
    rh.domain_resume(&rn).unwrap();
    lh.domain_resume(&ln).unwrap();
    same(
        "resumed state",
        rh.domain_get_state(&rn, 0).unwrap(),
        lh.domain_get_state(&ln, 0).unwrap(),
    );
    same(
        "running info",
        rh.domain_get_info(&rn).unwrap().state,
        lh.domain_get_info(&ln).unwrap().state,
    );
    rh.domain_destroy(&rn, DomainDestroyFlags::empty()).unwrap();
    lh.domain_destroy(&ln, DomainDestroyFlags::empty()).unwrap();
    same(
        "destroyed state",
        rh.domain_get_state(&rn, 0).unwrap(),
        lh.domain_get_state(&ln, 0).unwrap(),
    );
    rh.domain_undefine(&rn, DomainUndefineFlags::empty())
        .unwrap();
    lh.domain_undefine(&ln, DomainUndefineFlags::empty())
        .unwrap();
    same_error(
        "lookup undefined",
        rh.domain_lookup_by_name("remote-check"),
        lh.domain_lookup_by_name("remote-check"),
    );
    same_error(
        "lookup missing",
        rh.domain_lookup_by_name("nope"),
        lh.domain_lookup_by_name("nope"),
    );
    same_error(
        "lookup missing id",
        rh.domain_lookup_by_id(4242),
        lh.domain_lookup_by_id(4242),
    );
    same_error(
        "suspend inactive",
        {
            let d = rh
                .domain_define_xml(NEW_DOMAIN, DomainDefineFlags::empty())
                .unwrap();
            rh.domain_suspend(&d)
        },
        {
            let d = lh
                .domain_define_xml(NEW_DOMAIN, DomainDefineFlags::empty())
                .unwrap();
            lh.domain_suspend(&d)
        },
    );
    same_error(
        "xml without a name",
        rh.domain_define_xml(
            "<domain type='test'><memory>1024</memory></domain>",
            DomainDefineFlags::empty(),
        ),
        lh.domain_define_xml(
            "<domain type='test'><memory>1024</memory></domain>",
            DomainDefineFlags::empty(),
        ),
    );
    // Malformed XML: same code and domain (the parser's wording is libxml2's on one side).
    let r = rh
        .domain_define_xml("<domain", DomainDefineFlags::empty())
        .unwrap_err();
    let l = lh
        .domain_define_xml("<domain", DomainDefineFlags::empty())
        .unwrap_err();
    same("malformed xml", (r.code, r.domain), (l.code, l.domain));
}

pub fn networks_storage_devices(r: &Connect, l: &Connect) {
    // networks
    let names = |c: &Connect| {
        sorted(
            c.network
                .connect_list_all_networks(ListNetworksFlags::empty())
                .unwrap()
                .into_iter()
                .map(|n| n.name)
                .collect::<Vec<_>>(),
        )
    };
    same("networks", names(r), names(l));
    let rn = r.network.network_lookup_by_name("default").unwrap();
    let ln = l.network.network_lookup_by_name("default").unwrap();
    same("network", &rn, &ln);
    same(
        "network xml",
        r.network
            .network_get_xml_desc(&rn, XmlInactiveFlags::empty())
            .unwrap(),
        l.network
            .network_get_xml_desc(&ln, XmlInactiveFlags::empty())
            .unwrap(),
    );
    same(
        "network active",
        r.network.network_is_active(&rn).unwrap(),
        l.network.network_is_active(&ln).unwrap(),
    );
    same(
        "bridge",
        r.network.network_get_bridge_name(&rn).unwrap(),
        l.network.network_get_bridge_name(&ln).unwrap(),
    );
    same(
        "net autostart",
        r.network.network_get_autostart(&rn).unwrap(),
        l.network.network_get_autostart(&ln).unwrap(),
    );
    same_error(
        "missing network",
        r.network.network_lookup_by_name("nope"),
        l.network.network_lookup_by_name("nope"),
    );

    // storage pools and volumes
    let pools = |c: &Connect| {
        sorted(
            c.storage
                .connect_list_all_storage_pools(ListStoragePoolsFlags::empty())
                .unwrap()
                .into_iter()
                .map(|p| p.name)
                .collect::<Vec<_>>(),
        )
    };
    same("pools", pools(r), pools(l));
    let rp = r
        .storage
        .storage_pool_lookup_by_name("default-pool")
        .unwrap();
    let lp = l
        .storage
        .storage_pool_lookup_by_name("default-pool")
        .unwrap();
    same("pool", &rp, &lp);
    same(
        "pool info",
        r.storage.storage_pool_get_info(&rp).unwrap(),
        l.storage.storage_pool_get_info(&lp).unwrap(),
    );
    same(
        "pool xml",
        r.storage
            .storage_pool_get_xml_desc(&rp, XmlInactiveFlags::empty())
            .unwrap(),
        l.storage
            .storage_pool_get_xml_desc(&lp, XmlInactiveFlags::empty())
            .unwrap(),
    );
    let vols = |c: &Connect, p: &StoragePoolRef| {
        sorted(
            c.storage
                .storage_pool_list_all_volumes(p, 0)
                .unwrap()
                .into_iter()
                .map(|v| (v.pool, v.name, v.key))
                .collect::<Vec<_>>(),
        )
    };
    same("volumes", vols(r, &rp), vols(l, &lp));
    let vol_xml = "<volume><name>remote-vol.img</name><capacity unit='MiB'>4</capacity></volume>";
    let rv = r
        .storage
        .storage_vol_create_xml(&rp, vol_xml, StorageVolCreateFlags::empty())
        .unwrap();
    let lv = l
        .storage
        .storage_vol_create_xml(&lp, vol_xml, StorageVolCreateFlags::empty())
        .unwrap();
    same("new volume", &rv, &lv);
    same(
        "vol info",
        r.storage.storage_vol_get_info(&rv).unwrap(),
        l.storage.storage_vol_get_info(&lv).unwrap(),
    );
    same(
        "vol xml",
        r.storage.storage_vol_get_xml_desc(&rv, 0).unwrap(),
        l.storage.storage_vol_get_xml_desc(&lv, 0).unwrap(),
    );
    same(
        "vol path",
        r.storage.storage_vol_get_path(&rv).unwrap(),
        l.storage.storage_vol_get_path(&lv).unwrap(),
    );
    same(
        "vol by path",
        r.storage.storage_vol_lookup_by_path(&rv.key).unwrap(),
        l.storage.storage_vol_lookup_by_path(&lv.key).unwrap(),
    );
    same(
        "pool info after",
        r.storage.storage_pool_get_info(&rp).unwrap(),
        l.storage.storage_pool_get_info(&lp).unwrap(),
    );
    r.storage
        .storage_vol_delete(&rv, StorageVolDeleteFlags::empty())
        .unwrap();
    l.storage
        .storage_vol_delete(&lv, StorageVolDeleteFlags::empty())
        .unwrap();
    same_error(
        "missing volume",
        r.storage.storage_vol_lookup_by_name(&rp, "remote-vol.img"),
        l.storage.storage_vol_lookup_by_name(&lp, "remote-vol.img"),
    );
    same_error(
        "missing pool",
        r.storage.storage_pool_lookup_by_name("nope"),
        l.storage.storage_pool_lookup_by_name("nope"),
    );

    // host interfaces
    let ifaces = |c: &Connect| {
        sorted(
            c.interface
                .connect_list_all_interfaces(ListInterfacesFlags::empty())
                .unwrap()
                .into_iter()
                .map(|i| (i.name, i.mac))
                .collect::<Vec<_>>(),
        )
    };
    same("interfaces", ifaces(r), ifaces(l));
    for (name, mac) in ifaces(r) {
        let i = InterfaceRef { name, mac };
        same(
            "interface xml",
            r.interface
                .interface_get_xml_desc(&i, XmlInactiveFlags::empty())
                .unwrap(),
            l.interface
                .interface_get_xml_desc(&i, XmlInactiveFlags::empty())
                .unwrap(),
        );
        same(
            "iface active",
            r.interface.interface_is_active(&i).unwrap(),
            l.interface.interface_is_active(&i).unwrap(),
        );
        same(
            "iface by mac",
            r.interface.interface_lookup_by_mac_string(&i.mac).unwrap(),
            l.interface.interface_lookup_by_mac_string(&i.mac).unwrap(),
        );
    }
    same_error(
        "missing iface",
        r.interface.interface_lookup_by_name("nope"),
        l.interface.interface_lookup_by_name("nope"),
    );

    // node devices
    let devs = |c: &Connect| {
        sorted(
            c.nodedev
                .connect_list_all_node_devices(ListNodeDevicesFlags::empty())
                .unwrap()
                .into_iter()
                .map(|d| d.name)
                .collect::<Vec<_>>(),
        )
    };
    same("node devices", devs(r), devs(l));
    for name in devs(r) {
        let rd = r.nodedev.node_device_lookup_by_name(&name).unwrap();
        let ld = l.nodedev.node_device_lookup_by_name(&name).unwrap();
        same(
            "nodedev xml",
            r.nodedev.node_device_get_xml_desc(&rd, 0).unwrap(),
            l.nodedev.node_device_get_xml_desc(&ld, 0).unwrap(),
        );
        same(
            "nodedev parent",
            r.nodedev.node_device_get_parent(&rd).unwrap(),
            l.nodedev.node_device_get_parent(&ld).unwrap(),
        );
        same(
            "nodedev caps",
            r.nodedev.node_device_list_caps(&rd).unwrap(),
            l.nodedev.node_device_list_caps(&ld).unwrap(),
        );
    }
    same_result(
        "secrets",
        r.secret.connect_list_all_secrets(ListSecretsFlags::empty()),
        l.secret.connect_list_all_secrets(ListSecretsFlags::empty()),
    );
    same_result(
        "nwfilters",
        r.nwfilter.connect_list_all_nwfilters(0),
        l.nwfilter.connect_list_all_nwfilters(0),
    );
    same_error(
        "missing nodedev",
        r.nodedev.node_device_lookup_by_name("nope"),
        l.nodedev.node_device_lookup_by_name("nope"),
    );
}

pub fn lifecycle_events(r: &Connect, l: &Connect) {
    let run = |c: &Connect| -> Vec<(String, i32, i32)> {
        let (cb, seen) = collector();
        let id = c
            .hypervisor
            .connect_event_register(EventFamily::Domain(domain_event_id::LIFECYCLE), None, cb)
            .unwrap();
        let h = &c.hypervisor;
        let d = h
            .domain_define_xml(NEW_DOMAIN, DomainDefineFlags::empty())
            .unwrap();
        let d = h.domain_create(&d, DomainCreateFlags::empty()).unwrap();
        h.domain_suspend(&d).unwrap();
        h.domain_resume(&d).unwrap();
        h.domain_destroy(&d, DomainDestroyFlags::empty()).unwrap();
        h.domain_undefine(&d, DomainUndefineFlags::empty()).unwrap();
        let events = wait_for(&seen, 6);
        h.connect_event_deregister(id).unwrap();
        // After deregistering, nothing more arrives.
        let d = h
            .domain_define_xml(NEW_DOMAIN, DomainDefineFlags::empty())
            .unwrap();
        h.domain_undefine(&d, DomainUndefineFlags::empty()).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            seen.lock().unwrap().len(),
            events.len(),
            "event after deregister"
        );
        events
            .into_iter()
            .map(|e| match e {
                Event::DomainLifecycle {
                    domain,
                    event,
                    detail,
                } => (domain.name, event, detail),
                other => panic!("unexpected event {other:?}"),
            })
            .collect()
    };
    let remote_events = run(r);
    let local_events = run(l);
    assert_eq!(remote_events.len(), 6, "{remote_events:?}");
    same("lifecycle events", remote_events, local_events);
}

/// Network and storage pool events (lifecycle and refresh) for the same operations on both
/// sides, in order.
pub fn network_and_pool_events(r: &Connect, l: &Connect) {
    let run = |c: &Connect| -> Vec<String> {
        let (cb, seen) = collector();
        let families = [
            EventFamily::Network(0),
            EventFamily::StoragePool(0),
            EventFamily::StoragePool(1),
        ];
        let ids: Vec<i32> = families
            .iter()
            .map(|f| {
                c.hypervisor
                    .connect_event_register(*f, None, cb.clone())
                    .unwrap()
            })
            .collect();
        let net = c.network.network_lookup_by_name("default").unwrap();
        c.network.network_destroy(&net).unwrap();
        c.network.network_create(&net).unwrap();
        let pool = c
            .storage
            .storage_pool_lookup_by_name("default-pool")
            .unwrap();
        c.storage.storage_pool_refresh(&pool, 0).unwrap();
        c.storage.storage_pool_destroy(&pool).unwrap();
        c.storage.storage_pool_create(&pool, 0).unwrap();
        let events = wait_for(&seen, 5);
        for id in ids {
            c.hypervisor.connect_event_deregister(id).unwrap();
        }
        events.iter().map(|e| format!("{e:?}")).collect()
    };
    let remote_events = run(r);
    assert_eq!(remote_events.len(), 5, "{remote_events:?}");
    same("network and pool events", remote_events, run(l));
}
