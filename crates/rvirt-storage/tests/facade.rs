//! The storage driver reached the way programs reach it: `rvirt::Connect::open` on
//! `qemu:///embed?root=DIR`, with pool events delivered through the connection.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use rvirt::{
    Connect, Event, EventFamily, StoragePoolBuildFlags, StorageVolCreateFlags,
    StorageVolDeleteFlags,
};

#[test]
fn embed_connection_serves_storage() {
    let root = tempfile::tempdir().unwrap();
    let uri = format!("qemu:///embed?root={}", root.path().display());
    let conn = Connect::open(Some(&uri)).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    conn.hypervisor
        .connect_event_register(
            EventFamily::StoragePool(0),
            None,
            Arc::new(move |e: &Event| {
                if let Event::StoragePoolLifecycle { pool, event, .. } = e {
                    s.lock().unwrap().push((pool.name.clone(), *event));
                }
            }),
        )
        .unwrap();
    let path = root.path().join("images").display().to_string();
    let pool = conn
        .storage
        .storage_pool_define_xml(
            &format!(
                "<pool type='dir'><name>images</name><target><path>{path}</path></target></pool>"
            ),
            0,
        )
        .unwrap();
    conn.storage
        .storage_pool_build(&pool, StoragePoolBuildFlags::empty())
        .unwrap();
    conn.storage.storage_pool_create(&pool, 0).unwrap();
    assert!(root.path().join("etc/storage/images.xml").exists());
    assert!(root.path().join("run/storage/images.xml").exists());
    let vol = conn
        .storage
        .storage_vol_create_xml(
            &pool,
            "<volume><name>a.img</name><capacity unit='M'>1</capacity></volume>",
            StorageVolCreateFlags::empty(),
        )
        .unwrap();
    assert_eq!(vol.key, format!("{path}/a.img"));
    // A second connection to the same instance sees the same pool, running.
    let other = Connect::open(Some(&uri)).unwrap();
    let again = other.storage.storage_pool_lookup_by_name("images").unwrap();
    assert!(other.storage.storage_pool_is_active(&again).unwrap());
    other
        .storage
        .storage_vol_delete(&vol, StorageVolDeleteFlags::empty())
        .unwrap();
    conn.storage.storage_pool_destroy(&pool).unwrap();
    conn.storage.storage_pool_undefine(&pool).unwrap();
    let events = seen.lock().unwrap().clone();
    let numbers: Vec<i32> = events.iter().map(|(_, e)| *e).collect();
    // defined, created (build), started, stopped, undefined
    assert_eq!(numbers, [0, 4, 2, 3, 1]);
}
