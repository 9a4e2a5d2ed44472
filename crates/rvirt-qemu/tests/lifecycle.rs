//! End to end through `rvirt::Connect::open("qemu:///embed?root=...")`: a real QEMU guest
//! is defined, started, paused, resumed, shut down through ACPI, started again, destroyed,
//! and taken over by a new driver instance; nothing of it remains afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use rvirt::events::domain_lifecycle as lc;
use rvirt::{
    reason, Connect, DeviceModifyFlags, DomainCreateFlags, DomainDestroyFlags, DomainSaveFlags,
    DomainShutdownFlags, DomainState, DomainUndefineFlags, DomainXmlFlags, Event, EventFamily,
    ListDomainsFlags, ModificationImpact,
};

const MARKER: &str = "RVIRT-GUEST-READY";

fn embed_uri(root: &std::path::Path) -> String {
    format!("qemu:///embed?root={}", root.display())
}

fn assert_no_leftovers(root: &std::path::Path, name: &str) {
    assert!(qemu_pids_for(name).is_empty(), "a QEMU for {name} survived");
    let status = root.join("run/qemu").join(format!("{name}.json"));
    assert!(
        !status.exists(),
        "status file {} left behind",
        status.display()
    );
    let runs: Vec<_> = std::fs::read_dir(root.join("run/qemu"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("domain-"))
        .collect();
    assert!(runs.is_empty(), "runtime directories left behind: {runs:?}");
}

#[test]
fn guest_lifecycle_and_reconnect() {
    if !qemu_available() {
        return;
    }
    let guest = test_guest();
    let root = tempfile::tempdir().unwrap();
    let name = format!("rvq-life-{}", std::process::id());
    let _cleanup = KillOnDrop(vec![name.clone()]);
    let console = root.path().join("console.log");
    let conn = Connect::open(Some(&embed_uri(root.path()))).unwrap();
    let hv = conn.hypervisor.clone();
    assert_eq!(hv.connect_get_type().unwrap(), "QEMU");
    assert_eq!(hv.connect_get_uri().unwrap(), embed_uri(root.path()));

    let events: Arc<Mutex<Vec<(i32, i32)>>> = Arc::default();
    let sink = events.clone();
    hv.connect_event_register(
        EventFamily::Domain(rvirt::events::domain_event_id::LIFECYCLE),
        None,
        Arc::new(move |e: &Event| {
            if let Event::DomainLifecycle { event, detail, .. } = e {
                sink.lock().unwrap().push((*event, *detail));
            }
        }),
    )
    .unwrap();

    let xml = guest_xml(&name, &guest, &console, "");
    let dom = hv.domain_define_xml(&xml, Default::default()).unwrap();
    assert_eq!(dom.id, -1);
    assert!(root.path().join(format!("etc/qemu/{name}.xml")).exists());
    assert_eq!(
        hv.domain_get_state(&dom, 0).unwrap().0,
        DomainState::Shutoff
    );

    // Start and boot.
    let started = Instant::now();
    let dom = hv.domain_create(&dom, DomainCreateFlags::empty()).unwrap();
    assert!(dom.id > 0);
    assert_eq!(
        hv.domain_get_state(&dom, 0).unwrap(),
        (DomainState::Running, reason::running::BOOTED)
    );
    assert!(
        wait_for(Duration::from_secs(60), || file_contains(&console, MARKER)),
        "guest never printed {MARKER}"
    );
    eprintln!("guest booted in {:?}", started.elapsed());
    let live = hv
        .domain_get_xml_desc(&dom, DomainXmlFlags::empty())
        .unwrap();
    assert!(
        live.contains(&format!("<domain type='qemu' id='{}'>", dom.id)),
        "{live}"
    );
    assert!(
        live.contains("<emulator>/usr/bin/qemu-system-x86_64</emulator>"),
        "{live}"
    );
    assert!(live.contains("machine='pc-i440fx-"), "{live}");
    // Runtime identity as libvirt shows it: aliases and the balloon's PCI slot.
    assert!(live.contains("<alias name='serial0'/>"), "{live}");
    assert!(live.contains("<alias name='balloon0'/>"), "{live}");
    assert!(
        live.contains(
            "<address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>"
        ),
        "{live}"
    );
    let inactive = hv
        .domain_get_xml_desc(&dom, DomainXmlFlags::INACTIVE)
        .unwrap();
    assert!(inactive.starts_with("<domain type='qemu'>"), "{inactive}");
    assert_eq!(hv.domain_lookup_by_id(dom.id).unwrap().name, name);
    let active = hv
        .connect_list_all_domains(ListDomainsFlags::ACTIVE)
        .unwrap();
    assert_eq!(active.len(), 1);
    let info = hv.domain_get_info(&dom).unwrap();
    assert_eq!(info.max_mem, 256 * 1024);
    assert_eq!(info.nr_virt_cpu, 1);
    assert!(info.cpu_time > 0);

    // Suspend and resume.
    hv.domain_suspend(&dom).unwrap();
    assert_eq!(
        hv.domain_get_state(&dom, 0).unwrap(),
        (DomainState::Paused, reason::paused::USER)
    );
    hv.domain_resume(&dom).unwrap();
    assert_eq!(
        hv.domain_get_state(&dom, 0).unwrap(),
        (DomainState::Running, reason::running::UNPAUSED)
    );

    // ACPI shutdown: the guest powers off, the driver ends QEMU.
    hv.domain_shutdown(&dom, DomainShutdownFlags::empty())
        .unwrap();
    assert!(
        wait_for(Duration::from_secs(60), || hv
            .domain_get_state(&dom, 0)
            .unwrap()
            .0
            == DomainState::Shutoff),
        "guest did not shut down"
    );
    assert_eq!(
        hv.domain_get_state(&dom, 0).unwrap().1,
        reason::shutoff::SHUTDOWN
    );
    assert!(file_contains(&console, "RVIRT-GUEST-POWEROFF"));
    assert_no_leftovers(root.path(), &name);

    // Start again, then hand the running guest over to a new driver instance.
    std::fs::remove_file(&console).ok();
    let dom = hv.domain_create(&dom, DomainCreateFlags::empty()).unwrap();
    assert!(wait_for(Duration::from_secs(60), || file_contains(
        &console, MARKER
    )));
    let pid_before = qemu_pids_for(&name);
    assert_eq!(pid_before.len(), 1);
    drop(hv);
    drop(conn);
    assert_eq!(
        qemu_pids_for(&name),
        pid_before,
        "closing the connection must not stop guests"
    );

    let conn = Connect::open(Some(&embed_uri(root.path()))).unwrap();
    let hv = conn.hypervisor.clone();
    let again = hv.domain_lookup_by_name(&name).unwrap();
    assert_eq!(again.id, dom.id);
    assert_eq!(
        hv.domain_get_state(&again, 0).unwrap().0,
        DomainState::Running
    );
    hv.domain_suspend(&again).unwrap();
    hv.domain_resume(&again).unwrap();

    // Destroy is immediate.
    let t = Instant::now();
    hv.domain_destroy(&again, DomainDestroyFlags::empty())
        .unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "destroy took {:?}",
        t.elapsed()
    );
    assert_eq!(
        hv.domain_get_state(&again, 0).unwrap(),
        (DomainState::Shutoff, reason::shutoff::DESTROYED)
    );
    assert_no_leftovers(root.path(), &name);
    let err = hv
        .domain_destroy(&again, DomainDestroyFlags::empty())
        .unwrap_err();
    assert_eq!(err.code, rvirt::ErrorCode::OperationInvalid);
    assert_eq!(
        err.message,
        "Requested operation is not valid: domain is not running"
    );

    hv.domain_undefine(&again, DomainUndefineFlags::empty())
        .unwrap();
    assert!(!root.path().join(format!("etc/qemu/{name}.xml")).exists());
    assert!(hv.domain_lookup_by_name(&name).is_err());

    let seen = events.lock().unwrap().clone();
    for wanted in [
        (lc::DEFINED, lc::defined::ADDED),
        (lc::STARTED, lc::started::BOOTED),
        (lc::SUSPENDED, lc::suspended::PAUSED),
        (lc::RESUMED, lc::resumed::UNPAUSED),
        (lc::SHUTDOWN, lc::shutdown::GUEST),
        (lc::STOPPED, lc::stopped::SHUTDOWN),
    ] {
        assert!(
            seen.contains(&wanted),
            "missing event {wanted:?} in {seen:?}"
        );
    }
}

#[test]
fn transient_guest_goes_away_when_destroyed() {
    if !qemu_available() {
        return;
    }
    let guest = test_guest();
    let root = tempfile::tempdir().unwrap();
    let name = format!("rvq-trans-{}", std::process::id());
    let _cleanup = KillOnDrop(vec![name.clone()]);
    let console = root.path().join("console.log");
    let conn = Connect::open(Some(&embed_uri(root.path()))).unwrap();
    let hv = conn.hypervisor.clone();
    let xml = guest_xml(&name, &guest, &console, "");
    let dom = hv
        .domain_create_xml(&xml, DomainCreateFlags::START_PAUSED)
        .unwrap();
    assert_eq!(
        hv.domain_get_state(&dom, 0).unwrap(),
        (DomainState::Paused, reason::paused::USER)
    );
    assert!(!hv.domain_is_persistent(&dom).unwrap());
    hv.domain_resume(&dom).unwrap();
    assert!(wait_for(Duration::from_secs(60), || file_contains(
        &console, MARKER
    )));
    hv.domain_destroy(&dom, DomainDestroyFlags::empty())
        .unwrap();
    let err = hv.domain_lookup_by_name(&name).unwrap_err();
    assert_eq!(err.code, rvirt::ErrorCode::NoDomain);
    assert_eq!(
        err.message,
        format!("Domain not found: no domain with matching name '{name}'")
    );
    assert_no_leftovers(root.path(), &name);

    // START_AUTODESTROY: the guest goes when the connection that started it closes.
    let other = Connect::open(Some(&embed_uri(root.path()))).unwrap();
    other
        .hypervisor
        .domain_create_xml(&xml, DomainCreateFlags::START_AUTODESTROY)
        .unwrap();
    assert_eq!(qemu_pids_for(&name).len(), 1);
    drop(other);
    assert!(qemu_pids_for(&name).is_empty());
    assert!(hv.domain_lookup_by_name(&name).is_err());
    assert_no_leftovers(root.path(), &name);
}

#[test]
fn reboot_reset_and_pty_console() {
    if !qemu_available() {
        return;
    }
    let guest = test_guest();
    let root = tempfile::tempdir().unwrap();
    let name = format!("rvq-reboot-{}", std::process::id());
    let _cleanup = KillOnDrop(vec![name.clone()]);
    let console = root.path().join("console.log");
    let conn = Connect::open(Some(&embed_uri(root.path()))).unwrap();
    let hv = conn.hypervisor.clone();
    let reboots = Arc::new(Mutex::new(0usize));
    let counter = reboots.clone();
    hv.connect_event_register(
        EventFamily::Domain(rvirt::events::domain_event_id::REBOOT),
        None,
        Arc::new(move |_e: &Event| *counter.lock().unwrap() += 1),
    )
    .unwrap();
    // serial0 goes to a file; serial1 is a pty whose path shows in the live XML.
    let xml = guest_xml(&name, &guest, &console, "<serial type='pty'/>");
    let dom = hv
        .domain_create_xml(&xml, DomainCreateFlags::empty())
        .unwrap();
    let live = hv
        .domain_get_xml_desc(&dom, DomainXmlFlags::empty())
        .unwrap();
    let pty = live
        .split("<source path='/dev/pts/")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .map(|n| format!("/dev/pts/{n}"))
        .unwrap_or_else(|| panic!("no pty path in {live}"));
    assert!(std::path::Path::new(&pty).exists(), "{pty}");

    let count = |needle: &str| {
        std::fs::read_to_string(&console)
            .unwrap_or_default()
            .matches(needle)
            .count()
    };
    assert!(wait_for(Duration::from_secs(60), || count(MARKER) == 1));

    // Reboot: ACPI power-off inside the guest, then the driver resets and resumes it.
    hv.domain_reboot(&dom, DomainShutdownFlags::empty())
        .unwrap();
    assert!(
        wait_for(Duration::from_secs(60), || count(MARKER) == 2),
        "guest did not boot again"
    );
    assert_eq!(
        hv.domain_get_state(&dom, 0).unwrap().0,
        DomainState::Running
    );
    assert!(count("RVIRT-GUEST-POWEROFF") >= 1);

    // Reset: a hard reset, the guest boots a third time.
    hv.domain_reset(&dom, 0).unwrap();
    assert!(
        wait_for(Duration::from_secs(60), || count(MARKER) == 3),
        "guest did not boot after reset"
    );
    assert_eq!(
        hv.domain_get_state(&dom, 0).unwrap().0,
        DomainState::Running
    );
    assert!(wait_for(Duration::from_secs(5), || *reboots
        .lock()
        .unwrap()
        >= 2));
    assert_eq!(qemu_pids_for(&name).len(), 1);

    hv.domain_destroy(&dom, DomainDestroyFlags::empty())
        .unwrap();
    assert!(hv.domain_lookup_by_name(&name).is_err());
    assert_no_leftovers(root.path(), &name);
}

#[test]
fn autostart_when_the_run_directory_is_fresh() {
    if !qemu_available() {
        return;
    }
    let guest = test_guest();
    let root = tempfile::tempdir().unwrap();
    let name = format!("rvq-auto-{}", std::process::id());
    let _cleanup = KillOnDrop(vec![name.clone()]);
    let console = root.path().join("console.log");
    {
        let conn = Connect::open(Some(&embed_uri(root.path()))).unwrap();
        let hv = conn.hypervisor.clone();
        let dom = hv
            .domain_define_xml(&guest_xml(&name, &guest, &console, ""), Default::default())
            .unwrap();
        assert!(!hv.domain_get_autostart(&dom).unwrap());
        hv.domain_set_autostart(&dom, true).unwrap();
        assert!(hv.domain_get_autostart(&dom).unwrap());
        assert!(root
            .path()
            .join(format!("etc/qemu/autostart/{name}.xml"))
            .exists());
        let listed = hv
            .connect_list_all_domains(ListDomainsFlags::AUTOSTART)
            .unwrap();
        assert_eq!(listed.len(), 1);
    }
    // A new connection on the same run directory does not start it again ...
    {
        let conn = Connect::open(Some(&embed_uri(root.path()))).unwrap();
        let dom = conn.hypervisor.domain_lookup_by_name(&name).unwrap();
        assert_eq!(
            conn.hypervisor.domain_get_state(&dom, 0).unwrap().0,
            DomainState::Shutoff
        );
    }
    // ... but after a host boot (fresh run directory) the first one does.
    std::fs::remove_dir_all(root.path().join("run")).unwrap();
    let conn = Connect::open(Some(&embed_uri(root.path()))).unwrap();
    let hv = conn.hypervisor.clone();
    let dom = hv.domain_lookup_by_name(&name).unwrap();
    assert_eq!(
        hv.domain_get_state(&dom, 0).unwrap(),
        (DomainState::Running, reason::running::BOOTED)
    );
    assert!(wait_for(Duration::from_secs(60), || file_contains(
        &console, MARKER
    )));
    hv.domain_destroy(&dom, DomainDestroyFlags::empty())
        .unwrap();
    hv.domain_set_autostart(&dom, false).unwrap();
    assert!(!root
        .path()
        .join(format!("etc/qemu/autostart/{name}.xml"))
        .exists());
    assert_no_leftovers(root.path(), &name);
}

#[test]
fn statistics_and_pty_console_stream() {
    if !qemu_available() {
        return;
    }
    let guest = test_guest();
    let root = tempfile::tempdir().unwrap();
    let name = format!("rvq-stats-{}", std::process::id());
    let _cleanup = KillOnDrop(vec![name.clone()]);
    let image = root.path().join("disk.qcow2");
    let made = std::process::Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2"])
        .arg(&image)
        .arg("16M")
        .status()
        .unwrap();
    assert!(made.success());
    let xml = format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64'>hvm</type><kernel>{}</kernel><initrd>{}</initrd>\
         <cmdline>console=ttyS0</cmdline></os><features><acpi/></features><devices>\
         <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{}'/>\
         <target dev='vda' bus='virtio'/></disk>\
         <serial type='pty'/><console type='pty'/></devices></domain>",
        guest.kernel.display(),
        guest.initrd.display(),
        image.display()
    );
    let conn = Connect::open(Some(&embed_uri(root.path()))).unwrap();
    let hv = conn.hypervisor.clone();
    let dom = hv
        .domain_create_xml(&xml, DomainCreateFlags::empty())
        .unwrap();

    // The console stream carries what the guest prints on its serial port.
    let mut stream = hv.domain_open_console(&dom, None, 0).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        while let Ok(chunk) = stream.recv(4096) {
            if chunk.is_empty() {
                break;
            }
            seen.extend_from_slice(&chunk);
            if String::from_utf8_lossy(&seen).contains(MARKER) {
                let _ = tx.send(true);
                return;
            }
        }
        let _ = tx.send(false);
    });
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(60)),
        Ok(true),
        "no marker on the console"
    );

    let mem = hv.domain_memory_stats(&dom, 16, 0).unwrap();
    let actual = mem.iter().find(|s| s.tag == 6).map(|s| s.value);
    assert_eq!(actual, Some(256 * 1024));
    assert!(mem.iter().any(|s| s.tag == 7 && s.value > 0));
    // The guest's virtio-blk driver read the partition table.
    let blk = hv.domain_block_stats(&dom, "vda").unwrap();
    assert!(blk.rd_req > 0 && blk.rd_bytes > 0, "{blk:?}");
    let err = hv.domain_block_stats(&dom, "vdz").unwrap_err();
    assert_eq!(err.code, rvirt::ErrorCode::InvalidArg);

    // The bulk statistics carry the same numbers under libvirt's parameter names.
    let records = hv.connect_get_all_domain_stats(&[], 0, 0).unwrap();
    assert_eq!(records.len(), 1);
    let get = |field: &str| {
        records[0]
            .params
            .iter()
            .find(|p| p.field == field)
            .map(|p| p.value.clone())
            .unwrap_or_else(|| panic!("no {field} in {:?}", records[0].params))
    };
    assert_eq!(
        get("state.state"),
        rvirt::TypedValue::Int(DomainState::Running as i32)
    );
    assert_eq!(
        get("balloon.maximum"),
        rvirt::TypedValue::ULLong(256 * 1024)
    );
    assert_eq!(get("block.count"), rvirt::TypedValue::UInt(1));
    assert_eq!(get("block.0.name"), rvirt::TypedValue::String("vda".into()));
    assert!(matches!(get("block.0.rd.reqs"), rvirt::TypedValue::ULLong(n) if n > 0));
    assert!(matches!(get("cpu.time"), rvirt::TypedValue::ULLong(n) if n > 0));
    let only_state = hv.connect_get_all_domain_stats(&[], 1, 0).unwrap();
    assert_eq!(only_state[0].params.len(), 2);

    // Ballooning: the guest's virtio-balloon driver gives memory back.
    hv.domain_set_memory(&dom, 200 * 1024, ModificationImpact::LIVE)
        .unwrap();
    assert!(
        wait_for(Duration::from_secs(30), || {
            let mem = hv.domain_memory_stats(&dom, 16, 0).unwrap();
            mem.iter().any(|s| s.tag == 6 && s.value == 200 * 1024)
        }),
        "the balloon did not inflate"
    );
    assert_eq!(hv.domain_get_info(&dom).unwrap().memory, 200 * 1024);
    let err = hv
        .domain_set_memory(&dom, 512 * 1024, ModificationImpact::LIVE)
        .unwrap_err();
    assert_eq!(err.code, rvirt::ErrorCode::InvalidArg);
    let err = hv
        .domain_set_memory(
            &dom,
            128 * 1024,
            ModificationImpact::LIVE | ModificationImpact::MAXIMUM,
        )
        .unwrap_err();
    assert_eq!(err.code, rvirt::ErrorCode::OperationInvalid);

    hv.domain_destroy(&dom, DomainDestroyFlags::empty())
        .unwrap();
    assert_no_leftovers(root.path(), &name);
}

#[test]
fn hotplug_disk_and_interface() {
    if !qemu_available() {
        return;
    }
    let guest = test_guest();
    let root = tempfile::tempdir().unwrap();
    let name = format!("rvq-hotplug-{}", std::process::id());
    let _cleanup = KillOnDrop(vec![name.clone()]);
    let console = root.path().join("console.log");
    let image = root.path().join("extra.qcow2");
    let made = std::process::Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2"])
        .arg(&image)
        .arg("8M")
        .status()
        .unwrap();
    assert!(made.success());
    let conn = Connect::open(Some(&embed_uri(root.path()))).unwrap();
    let hv = conn.hypervisor.clone();
    let dom = hv
        .domain_define_xml(&guest_xml(&name, &guest, &console, ""), Default::default())
        .unwrap();
    let dom = hv.domain_create(&dom, DomainCreateFlags::empty()).unwrap();
    assert!(wait_for(Duration::from_secs(60), || file_contains(
        &console, MARKER
    )));

    let disk = format!(
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
         <source file='{}'/><target dev='vdb' bus='virtio'/></disk>",
        image.display()
    );
    let both = DeviceModifyFlags::LIVE | DeviceModifyFlags::CONFIG;
    hv.domain_attach_device(&dom, &disk, both).unwrap();
    let live = hv
        .domain_get_xml_desc(&dom, DomainXmlFlags::empty())
        .unwrap();
    assert!(live.contains("<alias name='virtio-disk1'/>"), "{live}");
    let config = hv
        .domain_get_xml_desc(&dom, DomainXmlFlags::INACTIVE)
        .unwrap();
    assert!(
        config.contains("<target dev='vdb' bus='virtio'/>"),
        "{config}"
    );
    // The guest's virtio-blk driver picks the new disk up and reads it.
    assert!(
        wait_for(Duration::from_secs(30), || hv
            .domain_block_stats(&dom, "vdb")
            .is_ok_and(|s| s.rd_req > 0)),
        "the guest never read the hot-plugged disk"
    );
    let err = hv
        .domain_attach_device(&dom, &disk, DeviceModifyFlags::LIVE)
        .unwrap_err();
    assert_eq!(err.code, rvirt::ErrorCode::OperationFailed);
    assert_eq!(err.message, "operation failed: target vdb already exists");

    let nic = "<interface type='user'><mac address='52:54:00:bb:00:01'/><model type='virtio'/></interface>";
    hv.domain_attach_device(&dom, nic, DeviceModifyFlags::LIVE)
        .unwrap();
    let live = hv
        .domain_get_xml_desc(&dom, DomainXmlFlags::empty())
        .unwrap();
    assert!(
        live.contains("<mac address='52:54:00:bb:00:01'/>"),
        "{live}"
    );
    assert!(live.contains("<alias name='net0'/>"), "{live}");

    // Unplug both; the guest releases them through ACPI hotplug.
    hv.domain_detach_device(&dom, nic, DeviceModifyFlags::LIVE)
        .unwrap();
    hv.domain_detach_device(&dom, &disk, both).unwrap();
    assert!(
        wait_for(Duration::from_secs(30), || {
            let live = hv
                .domain_get_xml_desc(&dom, DomainXmlFlags::empty())
                .unwrap();
            !live.contains("vdb") && !live.contains("52:54:00:bb:00:01")
        }),
        "devices were not removed"
    );
    let config = hv
        .domain_get_xml_desc(&dom, DomainXmlFlags::INACTIVE)
        .unwrap();
    assert!(!config.contains("vdb"), "{config}");
    let err = hv
        .domain_detach_device(&dom, &disk, DeviceModifyFlags::LIVE)
        .unwrap_err();
    assert_eq!(err.code, rvirt::ErrorCode::DeviceMissing);

    hv.domain_destroy(&dom, DomainDestroyFlags::empty())
        .unwrap();
    hv.domain_undefine(&dom, DomainUndefineFlags::empty())
        .unwrap();
    assert_no_leftovers(root.path(), &name);
}

#[test]
fn q35_guest_boots_and_takes_a_disk_on_its_spare_root_port() {
    if !qemu_available() {
        return;
    }
    let guest = test_guest();
    let root = tempfile::tempdir().unwrap();
    let name = format!("rvq-q35-{}", std::process::id());
    let _cleanup = KillOnDrop(vec![name.clone()]);
    let console = root.path().join("console.log");
    let image = root.path().join("extra.qcow2");
    let made = std::process::Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2"])
        .arg(&image)
        .arg("8M")
        .status()
        .unwrap();
    assert!(made.success());
    let xml = guest_xml(
        &name,
        &guest,
        &console,
        "<interface type='user'><model type='virtio'/></interface>",
    )
    .replace("machine='pc'", "machine='q35'");
    let conn = Connect::open(Some(&embed_uri(root.path()))).unwrap();
    let hv = conn.hypervisor.clone();
    let dom = hv.domain_define_xml(&xml, Default::default()).unwrap();
    let config = hv
        .domain_get_xml_desc(&dom, DomainXmlFlags::INACTIVE)
        .unwrap();
    assert!(config.contains("model='pcie-root-port'"), "{config}");
    let dom = hv.domain_create(&dom, DomainCreateFlags::empty()).unwrap();
    assert!(wait_for(Duration::from_secs(60), || file_contains(
        &console, MARKER
    )));
    let disk = format!(
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
         <source file='{}'/><target dev='vdb' bus='virtio'/></disk>",
        image.display()
    );
    hv.domain_attach_device(&dom, &disk, DeviceModifyFlags::LIVE)
        .unwrap();
    assert!(
        wait_for(Duration::from_secs(30), || hv
            .domain_block_stats(&dom, "vdb")
            .is_ok_and(|s| s.rd_req > 0)),
        "the guest never read the hot-plugged disk"
    );
    hv.domain_destroy(&dom, DomainDestroyFlags::empty())
        .unwrap();
    assert_no_leftovers(root.path(), &name);
}

#[test]
fn save_restore_and_managed_save() {
    if !qemu_available() {
        return;
    }
    let guest = test_guest();
    let root = tempfile::tempdir().unwrap();
    let name = format!("rvq-save-{}", std::process::id());
    let _cleanup = KillOnDrop(vec![name.clone()]);
    let console = root.path().join("console.log");
    let conn = Connect::open(Some(&embed_uri(root.path()))).unwrap();
    let hv = conn.hypervisor.clone();
    let dom = hv
        .domain_define_xml(&guest_xml(&name, &guest, &console, ""), Default::default())
        .unwrap();
    let dom = hv.domain_create(&dom, DomainCreateFlags::empty()).unwrap();
    assert!(wait_for(Duration::from_secs(60), || file_contains(
        &console, MARKER
    )));

    // save: the guest stops, its state goes to the file.
    let image = root.path().join("guest.save");
    let image_path = image.to_str().unwrap();
    hv.domain_save(&dom, image_path, None, DomainSaveFlags::empty())
        .unwrap();
    assert_eq!(
        hv.domain_get_state(&dom, 0).unwrap(),
        (DomainState::Shutoff, reason::shutoff::SAVED)
    );
    assert!(qemu_pids_for(&name).is_empty());
    let saved_xml = hv.domain_save_image_get_xml_desc(image_path, 0).unwrap();
    assert!(
        saved_xml.contains(&format!("<name>{name}</name>")),
        "{saved_xml}"
    );

    // restore: the same guest continues (no new boot), and still answers the power button.
    hv.domain_restore(image_path, None, DomainSaveFlags::empty())
        .unwrap();
    let dom = hv.domain_lookup_by_name(&name).unwrap();
    assert_eq!(
        hv.domain_get_state(&dom, 0).unwrap(),
        (DomainState::Running, reason::running::RESTORED)
    );
    hv.domain_shutdown(&dom, DomainShutdownFlags::empty())
        .unwrap();
    assert!(
        wait_for(Duration::from_secs(60), || hv
            .domain_get_state(&dom, 0)
            .unwrap()
            .0
            == DomainState::Shutoff),
        "the restored guest did not shut down"
    );
    assert!(file_contains(&console, "RVIRT-GUEST-POWEROFF"));
    assert!(
        !file_contains(&console, MARKER),
        "the guest booted again instead of resuming"
    );

    // managed save: start resumes from the image, which is then gone.
    let dom = hv.domain_create(&dom, DomainCreateFlags::empty()).unwrap();
    assert!(wait_for(Duration::from_secs(60), || file_contains(
        &console, MARKER
    )));
    hv.domain_managed_save(&dom, DomainSaveFlags::empty())
        .unwrap();
    assert!(hv.domain_has_managed_save_image(&dom).unwrap());
    let listed = hv
        .connect_list_all_domains(ListDomainsFlags::MANAGEDSAVE)
        .unwrap();
    assert_eq!(listed.len(), 1);
    let err = hv
        .domain_undefine(&dom, DomainUndefineFlags::empty())
        .unwrap_err();
    assert_eq!(err.code, rvirt::ErrorCode::OperationInvalid);
    let dom = hv.domain_create(&dom, DomainCreateFlags::empty()).unwrap();
    assert_eq!(
        hv.domain_get_state(&dom, 0).unwrap(),
        (DomainState::Running, reason::running::RESTORED)
    );
    assert!(!hv.domain_has_managed_save_image(&dom).unwrap());
    hv.domain_destroy(&dom, DomainDestroyFlags::empty())
        .unwrap();
    hv.domain_undefine(&dom, DomainUndefineFlags::empty())
        .unwrap();
    assert_no_leftovers(root.path(), &name);
}
