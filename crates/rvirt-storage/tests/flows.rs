//! The book's chapter 5 flows on a dir pool in a temporary directory, through the driver:
//! pool lifecycle and events, volumes (raw, qcow2, clone, wipe, resize, delete), 64 MiB
//! upload/download with checksums, refresh of files made outside, persistence and
//! autostart across a driver restart, and failures that leave the disk untouched.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

use common::{require_qemu_img, sha256, snapshot, Env};
use rvirt::transfer::{download_to_file, upload_file};
use rvirt_core::events::object_lifecycle as lc;
use rvirt_core::{
    ErrorCode, ListStoragePoolsFlags, StorageDriver as _, StoragePoolBuildFlags,
    StoragePoolDeleteFlags, StoragePoolState, StorageVolCreateFlags, StorageVolDeleteFlags,
    StorageVolResizeFlags, StorageVolTransferFlags, StorageVolType, WipeAlgorithm,
    XmlInactiveFlags,
};

const MIB: u64 = 1024 * 1024;

fn book_pool_xml(path: &str) -> String {
    // Listing 5-4 of the book, with the path moved into the test's directory.
    format!(
        "<pool type='dir'>
  <name>mypool</name>
  <uuid>8c79f996-cb2a-d24d-9822-ac7547ab2d01</uuid>
  <capacity unit='bytes'>4306780815</capacity>
  <allocation unit='bytes'>237457858</allocation>
  <available unit='bytes'>4069322956</available>
  <source>
  </source>
  <target>
    <path>{path}</path>
    <permissions>
      <mode>0755</mode>
      <owner>-1</owner>
      <group>-1</group>
    </permissions>
  </target>
</pool>"
    )
}

fn started_pool(env: &Env, name: &str) -> (rvirt_core::StoragePoolRef, String) {
    let path = env.dir(name).display().to_string();
    let xml =
        format!("<pool type='dir'><name>{name}</name><target><path>{path}</path></target></pool>");
    let p = env.driver.storage_pool_define_xml(&xml, 0).unwrap();
    env.driver
        .storage_pool_build(&p, StoragePoolBuildFlags::empty())
        .unwrap();
    env.driver.storage_pool_create(&p, 0).unwrap();
    (p, path)
}

#[test]
fn book_pool_lifecycle_and_events() {
    let env = Env::new();
    let d = &env.driver;
    let path = env.dir("images").display().to_string();
    let xml = book_pool_xml(&path);

    assert!(d
        .connect_list_all_storage_pools(Default::default())
        .unwrap()
        .is_empty());
    let pool = d.storage_pool_define_xml(&xml, 0).unwrap();
    assert_eq!(pool.name, "mypool");
    let config = env.root.path().join("etc/storage/mypool.xml");
    let saved = std::fs::read_to_string(&config).unwrap();
    assert!(saved.contains("<name>mypool</name>"));
    assert!(!d.storage_pool_is_active(&pool).unwrap());
    assert!(d.storage_pool_is_persistent(&pool).unwrap());
    assert!(!d.storage_pool_get_autostart(&pool).unwrap());
    assert_eq!(
        d.storage_pool_get_info(&pool).unwrap().state,
        StoragePoolState::Inactive
    );
    // Listing filters.
    let inactive = d
        .connect_list_all_storage_pools(ListStoragePoolsFlags::INACTIVE)
        .unwrap();
    assert_eq!(inactive.len(), 1);
    assert!(d
        .connect_list_all_storage_pools(ListStoragePoolsFlags::ACTIVE)
        .unwrap()
        .is_empty());
    assert!(d
        .connect_list_all_storage_pools(ListStoragePoolsFlags::NETFS)
        .unwrap()
        .is_empty());

    d.storage_pool_build(&pool, StoragePoolBuildFlags::empty())
        .unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o755);
    d.storage_pool_create(&pool, 0).unwrap();
    let info = d.storage_pool_get_info(&pool).unwrap();
    assert_eq!(info.state, StoragePoolState::Running);
    assert!(info.capacity > 0 && info.available <= info.capacity);
    assert_eq!(info.allocation, info.capacity - info.available);
    let live = d
        .storage_pool_get_xml_desc(&pool, XmlInactiveFlags::empty())
        .unwrap();
    assert!(live.contains("<mode>0755</mode>"), "{live}");
    assert!(live.contains(&format!(
        "<capacity unit='bytes'>{}</capacity>",
        info.capacity
    )));
    assert_eq!(
        d.storage_pool_lookup_by_target_path(&format!("{path}/"))
            .unwrap(),
        pool
    );
    assert_eq!(d.storage_pool_lookup_by_uuid(&pool.uuid).unwrap(), pool);

    // Autostart is a symlink to the config.
    d.storage_pool_set_autostart(&pool, true).unwrap();
    let link = env.root.path().join("etc/storage/autostart/mypool.xml");
    assert_eq!(std::fs::read_link(&link).unwrap(), config);
    d.storage_pool_set_autostart(&pool, false).unwrap();
    assert!(!link.exists());

    d.storage_pool_destroy(&pool).unwrap();
    d.storage_pool_delete(&pool, StoragePoolDeleteFlags::empty())
        .unwrap();
    assert!(!std::path::Path::new(&path).exists());
    d.storage_pool_undefine(&pool).unwrap();
    assert!(!config.exists());

    // The non-persistent variant: createXML starts it (building the directory first).
    let t = d.storage_pool_create_xml(&xml, 1).unwrap();
    assert!(d.storage_pool_is_active(&t).unwrap());
    assert!(!d.storage_pool_is_persistent(&t).unwrap());
    d.storage_pool_destroy(&t).unwrap();
    assert!(d.storage_pool_lookup_by_name("mypool").is_err());

    let events = env.take_events();
    let mine: Vec<i32> = events
        .iter()
        .filter(|(n, _)| n == "mypool")
        .map(|(_, e)| *e)
        .collect();
    assert_eq!(
        mine,
        vec![
            lc::DEFINED,
            lc::CREATED,
            lc::STARTED,
            lc::STOPPED,
            lc::DELETED,
            lc::UNDEFINED,
            lc::STARTED,
            lc::STOPPED
        ]
    );
}

#[test]
fn book_volume_flows() {
    if !require_qemu_img() {
        return;
    }
    let env = Env::new();
    let d = &env.driver;
    let (pool, path) = started_pool(&env, "default");
    // Listing 5-10: a sparse volume with ownership, then a clone of it.
    let vol_xml = format!(
        "<volume>
  <name>sparse.img</name>
  <allocation>0</allocation>
  <capacity unit=\"G\">2</capacity>
  <target>
    <path>{path}/sparse.img</path>
    <permissions>
      <owner>107</owner>
      <group>107</group>
      <mode>0744</mode>
      <label>virt_image_t</label>
    </permissions>
  </target>
</volume>"
    );
    let vol = d
        .storage_vol_create_xml(&pool, &vol_xml, StorageVolCreateFlags::empty())
        .unwrap();
    assert_eq!(vol.key, format!("{path}/sparse.img"));
    let meta = std::fs::metadata(&vol.key).unwrap();
    assert_eq!(
        (meta.uid(), meta.gid(), meta.mode() & 0o777),
        (107, 107, 0o744)
    );
    assert_eq!(meta.len(), 2 << 30);
    assert_eq!(
        meta.blocks(),
        0,
        "a volume with allocation 0 must be sparse"
    );
    let info = d.storage_vol_get_info(&vol).unwrap();
    assert_eq!(
        (info.kind, info.capacity, info.allocation),
        (StorageVolType::File, 2 << 30, 0)
    );
    let clone_xml = vol_xml.replace("<name>sparse.img</name>", "<name>sparse2.img</name>");
    let clone = d
        .storage_vol_create_xml_from(&pool, &clone_xml, &vol, StorageVolCreateFlags::empty())
        .unwrap();
    assert_eq!(clone.key, format!("{path}/sparse2.img"));
    assert_eq!(d.storage_vol_get_info(&clone).unwrap().capacity, 2 << 30);
    assert_eq!(d.storage_vol_lookup_by_path(&clone.key).unwrap(), clone);
    assert_eq!(d.storage_vol_lookup_by_key(&vol.key).unwrap(), vol);
    let names: Vec<String> = d
        .storage_pool_list_all_volumes(&pool, 0)
        .unwrap()
        .into_iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(names, ["sparse.img", "sparse2.img"]);
    for v in [&clone, &vol] {
        d.storage_vol_wipe(v, WipeAlgorithm::Zero, 0).unwrap();
        d.storage_vol_delete(v, StorageVolDeleteFlags::empty())
            .unwrap();
        assert!(!std::path::Path::new(&v.key).exists());
    }

    // Raw with data, cloned into qcow2; a qcow2 grown with qemu-img; a raw grown and shrunk.
    let raw = d
        .storage_vol_create_xml(
            &pool,
            "<volume><name>data.raw</name><capacity unit='M'>4</capacity></volume>",
            StorageVolCreateFlags::empty(),
        )
        .unwrap();
    assert_eq!(std::fs::metadata(&raw.key).unwrap().blocks() * 512, 4 * MIB);
    std::fs::write(&raw.key, vec![0x5a; (4 * MIB) as usize]).unwrap();
    let q = d
        .storage_vol_create_xml_from(
            &pool,
            "<volume><name>data.qcow2</name><capacity>0</capacity><target><format type='qcow2'/></target></volume>",
            &raw,
            StorageVolCreateFlags::empty(),
        )
        .unwrap();
    let cmp = std::process::Command::new("qemu-img")
        .args(["compare", "-f", "raw", "-F", "qcow2", &raw.key, &q.key])
        .status()
        .unwrap();
    assert!(cmp.success(), "qcow2 clone differs from its raw source");
    d.storage_vol_resize(&q, 64 * MIB, StorageVolResizeFlags::empty())
        .unwrap();
    assert_eq!(d.storage_vol_get_info(&q).unwrap().capacity, 64 * MIB);
    let xml = d.storage_vol_get_xml_desc(&q, 0).unwrap();
    assert!(xml.contains("<format type='qcow2'/>"), "{xml}");
    d.storage_vol_resize(&raw, 2 * MIB, StorageVolResizeFlags::DELTA)
        .unwrap();
    assert_eq!(std::fs::metadata(&raw.key).unwrap().len(), 6 * MIB);
    let shrink = d.storage_vol_resize(&raw, MIB, StorageVolResizeFlags::empty());
    assert_eq!(shrink.unwrap_err().code, ErrorCode::InvalidArg);
    let backed = d
        .storage_vol_create_xml(
            &pool,
            &format!("<volume><name>over.qcow2</name><capacity unit='M'>6</capacity><target><format type='qcow2'/></target><backingStore><path>{}</path><format type='raw'/></backingStore></volume>", raw.key),
            StorageVolCreateFlags::empty(),
        )
        .unwrap();
    let xml = d.storage_vol_get_xml_desc(&backed, 0).unwrap();
    assert!(
        xml.contains(&format!("<backingStore>\n    <path>{}</path>", raw.key)),
        "{xml}"
    );
    for v in [&backed, &q, &raw] {
        d.storage_vol_delete(v, StorageVolDeleteFlags::empty())
            .unwrap();
    }
    assert!(d
        .storage_pool_list_all_volumes(&pool, 0)
        .unwrap()
        .is_empty());
}

/// 64 MiB of data with holes: 1 MiB of a pattern every 4 MiB.
fn make_source(path: &std::path::Path) {
    use std::os::unix::fs::FileExt;
    let f = std::fs::File::create(path).unwrap();
    f.set_len(64 * MIB).unwrap();
    for block in 0..16u64 {
        let data: Vec<u8> = (0..MIB)
            .map(|i| ((i * 31 + block * 7) % 251) as u8)
            .collect();
        f.write_all_at(&data, block * 4 * MIB + MIB).unwrap();
    }
}

#[test]
fn upload_then_download_64mib() {
    let env = Env::new();
    let d = &env.driver;
    let (pool, _) = started_pool(&env, "xfer");
    let src = env.dir("source.bin");
    make_source(&src);
    let want = sha256(&src);
    let vol = d
        .storage_vol_create_xml(
            &pool,
            "<volume><name>disk.raw</name><capacity unit='M'>64</capacity><allocation>0</allocation></volume>",
            StorageVolCreateFlags::empty(),
        )
        .unwrap();

    let started = Instant::now();
    for sparse in [false, true] {
        let flags = if sparse {
            StorageVolTransferFlags::SPARSE_STREAM
        } else {
            StorageVolTransferFlags::empty()
        };
        // Wipe the volume so each round really transfers.
        d.storage_vol_wipe(&vol, WipeAlgorithm::Zero, 0).unwrap();
        let mut up = d.storage_vol_upload(&vol, 0, 0, flags).unwrap();
        // While the upload is open the volume is busy, other calls still answer.
        let busy = d
            .storage_vol_delete(&vol, StorageVolDeleteFlags::empty())
            .unwrap_err();
        assert_eq!(busy.code, ErrorCode::OperationInvalid);
        assert_eq!(
            busy.message,
            "Requested operation is not valid: volume 'disk.raw' is still in use."
        );
        assert!(d.storage_pool_get_info(&pool).is_ok());
        let mut progress = 0;
        let sent = upload_file(up.as_mut(), &src, sparse, &mut |n| progress += n).unwrap();
        assert_eq!(sent, 64 * MIB);
        assert_eq!(progress, 64 * MIB);
        assert_eq!(sha256(std::path::Path::new(&vol.key)), want);

        let out = env.dir(if sparse {
            "down-sparse.bin"
        } else {
            "down.bin"
        });
        let mut down = d.storage_vol_download(&vol, 0, 0, flags).unwrap();
        download_to_file(down.as_mut(), &out, sparse, &mut |_| {}).unwrap();
        assert_eq!(sha256(&out), want, "sparse={sparse}");
        if sparse {
            let blocks = std::fs::metadata(&out).unwrap().blocks() * 512;
            assert!(
                blocks < 32 * MIB,
                "holes were not kept: {blocks} bytes allocated"
            );
        }
    }
    // A partial window: offset and length.
    let mut down = d
        .storage_vol_download(&vol, MIB, 1000, StorageVolTransferFlags::empty())
        .unwrap();
    let mut got = Vec::new();
    loop {
        let chunk = down.recv(4096).unwrap();
        if chunk.is_empty() {
            break;
        }
        got.extend(chunk);
    }
    down.finish().unwrap();
    assert_eq!(
        got,
        std::fs::read(&src).unwrap()[MIB as usize..MIB as usize + 1000]
    );
    // Writing past the announced length fails as libvirt's stream does.
    let mut up = d
        .storage_vol_upload(&vol, 0, 10, StorageVolTransferFlags::empty())
        .unwrap();
    up.send(&[1u8; 10]).unwrap();
    let err = up.send(&[1u8; 1]).unwrap_err();
    assert!(
        err.message.contains("cannot write to stream"),
        "{}",
        err.message
    );
    up.abort().unwrap();
    // After the streams closed the volume is free again.
    d.storage_vol_delete(&vol, StorageVolDeleteFlags::empty())
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn refresh_sees_files_made_outside() {
    let env = Env::new();
    let d = &env.driver;
    let (pool, path) = started_pool(&env, "outside");
    env.take_events();
    std::fs::write(format!("{path}/new.img"), vec![7u8; 12345]).unwrap();
    std::fs::create_dir(format!("{path}/dir")).unwrap();
    assert!(d.storage_vol_lookup_by_name(&pool, "new.img").is_err());
    d.storage_pool_refresh(&pool, 0).unwrap();
    let v = d.storage_vol_lookup_by_name(&pool, "new.img").unwrap();
    let info = d.storage_vol_get_info(&v).unwrap();
    assert_eq!((info.kind, info.capacity), (StorageVolType::File, 12345));
    let dir = d.storage_vol_lookup_by_name(&pool, "dir").unwrap();
    assert_eq!(
        d.storage_vol_get_info(&dir).unwrap().kind,
        StorageVolType::Dir
    );
    std::fs::remove_file(format!("{path}/new.img")).unwrap();
    let gone = d.storage_vol_get_info(&v).unwrap_err();
    assert_eq!(gone.code, ErrorCode::NoStorageVol);
    d.storage_pool_refresh(&pool, 0).unwrap();
    assert!(d.storage_vol_lookup_by_name(&pool, "new.img").is_err());
    let refreshes = env.take_events().iter().filter(|(_, e)| *e == -1).count();
    assert_eq!(refreshes, 2);
}

#[test]
fn restart_restores_running_pools_and_autostarts() {
    let mut env = Env::new();
    let (auto, _) = started_pool(&env, "auto");
    env.driver.storage_pool_set_autostart(&auto, true).unwrap();
    env.driver.storage_pool_destroy(&auto).unwrap();
    let off_path = env.dir("missing-dir").display().to_string();
    env.driver
        .storage_pool_define_xml(
            &format!(
                "<pool type='dir'><name>off</name><target><path>{off_path}</path></target></pool>"
            ),
            0,
        )
        .unwrap();
    let tr_path = env.dir("tr").display().to_string();
    std::fs::create_dir(&tr_path).unwrap();
    env.driver
        .storage_pool_create_xml(
            &format!(
                "<pool type='dir'><name>tr</name><target><path>{tr_path}</path></target></pool>"
            ),
            0,
        )
        .unwrap();
    std::fs::write(format!("{tr_path}/v.img"), b"x").unwrap();
    env.take_events();

    env.reopen();
    let d = &env.driver;
    let auto = d.storage_pool_lookup_by_name("auto").unwrap();
    assert!(d.storage_pool_is_active(&auto).unwrap());
    assert!(d.storage_pool_get_autostart(&auto).unwrap());
    let off = d.storage_pool_lookup_by_name("off").unwrap();
    assert!(!d.storage_pool_is_active(&off).unwrap());
    let tr = d.storage_pool_lookup_by_name("tr").unwrap();
    assert!(d.storage_pool_is_active(&tr).unwrap());
    assert!(!d.storage_pool_is_persistent(&tr).unwrap());
    assert!(d.storage_vol_lookup_by_name(&tr, "v.img").is_ok());
    // Stopping the transient pool forgets it, also across restarts.
    d.storage_pool_destroy(&tr).unwrap();
    env.reopen();
    assert!(env.driver.storage_pool_lookup_by_name("tr").is_err());
}

#[test]
fn failures_change_nothing_on_disk() {
    if !require_qemu_img() {
        return;
    }
    let env = Env::new();
    let d = &env.driver;
    let (pool, path) = started_pool(&env, "safe");
    let base = d
        .storage_vol_create_xml(
            &pool,
            "<volume><name>base.img</name><capacity>65536</capacity></volume>",
            StorageVolCreateFlags::empty(),
        )
        .unwrap();
    let dir = std::path::Path::new(&path);
    let cases: Vec<(&str, u32, ErrorCode)> = vec![
        ("<volume><name>base.img</name><capacity>1</capacity></volume>", 0, ErrorCode::StorageVolExist),
        ("<volume><name>x.img</name><capacity>1</capacity><target><format type='nope'/></target></volume>", 0, ErrorCode::ConfigUnsupported),
        ("<volume><name>../escape.img</name><capacity>1</capacity></volume>", 0, ErrorCode::OperationInvalid),
        ("<volume><name>p.img</name><capacity>1</capacity></volume>", 1, ErrorCode::ConfigUnsupported),
        ("<volume><name>l.qcow2</name><capacity>1048576</capacity><target><format type='qcow2'/><compat>0.10</compat><features><lazy_refcounts/></features></target></volume>", 0, ErrorCode::ConfigUnsupported),
        ("<volume><name>c.qcow2</name><capacity>1048576</capacity><target><format type='qcow2'/><clusterSize>3</clusterSize></target></volume>", 0, ErrorCode::InternalError),
        ("<volume><name>r.img</name><capacity>1</capacity><backingStore><path>/nonexistent</path></backingStore></volume>", 0, ErrorCode::NoSupport),
        ("<volume><name>big.img</name><capacity unit='E'>1</capacity></volume>", 0, ErrorCode::SystemError),
        ("<volume><name>bad", 0, ErrorCode::XmlDetail),
    ];
    for (xml, flags, code) in cases {
        let before = snapshot(dir);
        let err = d
            .storage_vol_create_xml(&pool, xml, StorageVolCreateFlags::from_bits_retain(flags))
            .unwrap_err();
        assert_eq!(err.code, code, "{xml}: {}", err.message);
        assert_eq!(snapshot(dir), before, "{xml} changed the pool directory");
        assert!(!env.dir("escape.img").exists());
    }
    let before = snapshot(dir);
    let e = d
        .storage_pool_delete(&pool, StoragePoolDeleteFlags::empty())
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::OperationInvalid);
    assert_eq!(
        d.storage_vol_wipe(&base, WipeAlgorithm::Trim, 0)
            .unwrap_err()
            .code,
        ErrorCode::ArgumentUnsupported
    );
    assert_eq!(
        d.storage_vol_resize(&base, 1, StorageVolResizeFlags::empty())
            .unwrap_err()
            .code,
        ErrorCode::InvalidArg
    );
    assert_eq!(snapshot(dir), before);
    d.storage_pool_destroy(&pool).unwrap();
    let e = d
        .storage_pool_delete(&pool, StoragePoolDeleteFlags::empty())
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SystemError);
    assert_eq!(snapshot(dir), before);
}

#[test]
fn shared_instances_see_one_state() {
    use std::sync::{Arc, Mutex};
    let root = tempfile::tempdir().unwrap();
    let (etc, run) = (root.path().join("etc"), root.path().join("run"));
    let bus_a = Arc::new(rvirt_core::EventBus::new());
    let bus_b = Arc::new(rvirt_core::EventBus::new());
    let seen = Arc::new(Mutex::new(Vec::new()));
    for (tag, bus) in [("a", &bus_a), ("b", &bus_b)] {
        let s = seen.clone();
        bus.register(
            rvirt_core::EventFamily::StoragePool(0),
            None,
            Arc::new(move |_: &rvirt_core::Event| s.lock().unwrap().push(tag)),
        );
    }
    let a = rvirt_storage::StorageDriver::open_shared(etc.clone(), run.clone(), bus_a).unwrap();
    let b = rvirt_storage::StorageDriver::open_shared(etc, run, bus_b.clone()).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    let path = root.path().join("p").display().to_string();
    a.storage_pool_define_xml(
        &format!("<pool type='dir'><name>p</name><target><path>{path}</path></target></pool>"),
        0,
    )
    .unwrap();
    assert!(b.storage_pool_lookup_by_name("p").is_ok());
    let mut tags = seen.lock().unwrap().clone();
    tags.sort();
    assert_eq!(tags, ["a", "b"]);
    // A closed connection's bus stops receiving.
    drop(bus_b);
    seen.lock().unwrap().clear();
    let p = a.storage_pool_lookup_by_name("p").unwrap();
    a.storage_pool_undefine(&p).unwrap();
    assert_eq!(*seen.lock().unwrap(), ["a"]);
}

#[test]
fn concurrent_creates_and_transfers() {
    let env = Env::new();
    let (pool, path) = started_pool(&env, "busy");
    let driver = env.driver.clone();
    // A transfer in progress must not stall other callers.
    let big = driver
        .storage_vol_create_xml(
            &pool,
            "<volume><name>big.raw</name><capacity unit='M'>32</capacity><allocation>0</allocation></volume>",
            StorageVolCreateFlags::empty(),
        )
        .unwrap();
    let mut up = driver
        .storage_vol_upload(&big, 0, 0, StorageVolTransferFlags::empty())
        .unwrap();
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let d = driver.clone();
            let pool = pool.clone();
            std::thread::spawn(move || {
                for i in 0..5 {
                    let xml = format!(
                        "<volume><name>t{t}-{i}.img</name><capacity>65536</capacity><allocation>0</allocation></volume>"
                    );
                    d.storage_vol_create_xml(&pool, &xml, StorageVolCreateFlags::empty())
                        .unwrap();
                    assert!(!d.storage_pool_list_all_volumes(&pool, 0).unwrap().is_empty());
                }
            })
        })
        .collect();
    let chunk = vec![9u8; MIB as usize];
    for _ in 0..32 {
        up.send(&chunk).unwrap();
    }
    for t in threads {
        t.join().unwrap();
    }
    up.finish().unwrap();
    let names = driver.storage_pool_list_all_volumes(&pool, 0).unwrap();
    assert_eq!(names.len(), 31);
    assert_eq!(std::fs::read_dir(&path).unwrap().count(), 31);
    let data = std::fs::read(&big.key).unwrap();
    assert!(data.len() == 32 * MIB as usize && data.iter().all(|b| *b == 9));
}
