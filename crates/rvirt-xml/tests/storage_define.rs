//! Pools and volumes of `tests/data/{pool,volume}/` defined into real libvirt's test driver
//! and handled by rvirt the way the test driver does (pool defaults; volumes created in
//! `default-pool` at `/default-pool`): the same canonical XML, or the same error.

mod common;

use rvirt_xml::corpus::TEST_DEFAULT_POOL_PATH;
use rvirt_xml::storage::{PoolDef, VolumeDef, TEST_POOL_CAPACITY};

#[test]
fn pools_match_libvirt_define() {
    let mismatches = common::compare_with_libvirt("pool", |xml| {
        PoolDef::parse(xml).map(|mut p| {
            p.apply_test_driver_defaults();
            p.format(false)
        })
    });
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn volumes_match_libvirt_create() {
    let mismatches = common::compare_with_libvirt("volume", |xml| {
        let mut v = VolumeDef::parse(xml, "dir")?;
        v.apply_test_driver_create(TEST_DEFAULT_POOL_PATH, TEST_POOL_CAPACITY, 0)?;
        Ok(v.format("dir"))
    });
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn volumes_in_each_pool_type_match_libvirt() {
    // The pool type decides the volume formats accepted and printed.
    use rvirt_xml::storage::NO_TARGET_PATH;
    let pools = [
        "<pool type='logical'><name>lv</name><source><name>vg</name></source></pool>",
        "<pool type='disk'><name>dk</name><source><device path='/dev/sdb'/></source><target><path>/dev</path></target></pool>",
        "<pool type='rbd'><name>rb</name><source><name>r</name><host name='h'/></source></pool>",
        "<pool type='iscsi'><name>is</name><source><host name='h'/><device path='iqn.x'/></source><target><path>/dev/disk/by-path</path></target></pool>",
        "<pool type='gluster'><name>gl</name><source><name>g</name><host name='h'/></source></pool>",
        "<pool type='scsi'><name>sc</name><source><adapter name='host0'/></source><target><path>/dev/disk/by-path</path></target></pool>",
        "<pool type='zfs'><name>zf</name><source><name>tank</name></source></pool>",
        "<pool type='netfs'><name>nf</name><source><host name='h'/><dir path='/e'/></source><target><path>/mnt/nf</path></target></pool>",
    ];
    let vols = [
        "<volume><name>v1</name><capacity>1000</capacity></volume>",
        "<volume><name>v2</name><capacity>1000</capacity><target><format type='qcow2'/></target></volume>",
        "<volume><name>v3</name><capacity>1000</capacity><target><format type='linux'/></target></volume>",
    ];
    let script = format!(
        r#"
import json, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open("test:///default")
out = []
for x in json.loads({pools:?}):
    p = c.storagePoolDefineXML(x, 0)
    p.create()
    row = []
    for v in json.loads({vols:?}):
        try:
            row.append(["ok", p.createXML(v, 0).XMLDesc(0)])
        except libvirt.libvirtError as e:
            row.append(["err", e.get_error_code()])
    out.append(row)
print(json.dumps(out))
"#,
        pools = serde_json::to_string(&pools).unwrap(),
        vols = serde_json::to_string(&vols).unwrap()
    );
    let Some(json) = common::libvirt_python(&script) else {
        return;
    };
    for (pool_xml, row) in pools.iter().zip(json.as_array().unwrap()) {
        let mut pool = PoolDef::parse(pool_xml).unwrap();
        pool.apply_test_driver_defaults();
        let path = pool.target_path.clone();
        for (vol_xml, answer) in vols.iter().zip(row.as_array().unwrap()) {
            let ours = VolumeDef::parse(vol_xml, &pool.pool_type).and_then(|mut v| {
                let new_alloc = v.apply_test_driver_create(
                    path.as_deref().unwrap_or(NO_TARGET_PATH),
                    pool.capacity,
                    pool.allocation,
                )?;
                pool.allocation = new_alloc;
                Ok(v.format(&pool.pool_type))
            });
            if answer[0] == "ok" {
                let got = ours.unwrap_or_else(|e| panic!("{pool_xml} {vol_xml}: {e}"));
                assert_eq!(got, answer[1].as_str().unwrap(), "{pool_xml} {vol_xml}");
            } else {
                let e = ours.expect_err(vol_xml);
                assert_eq!(i64::from(e.code as i32), answer[1].as_i64().unwrap());
            }
        }
    }
}
