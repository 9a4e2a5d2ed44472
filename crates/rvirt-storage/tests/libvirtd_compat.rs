//! The same script of storage operations, good and bad, run against Debian's libvirtd 9.0
//! (started privately for the test) and against rvirt's driver: every result (XML, info,
//! error code, domain and message) must match once each side's directory and the values
//! that move on their own (timestamps, file-system-wide pool sizes) are masked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{normalize, require_qemu_img, run_script, Env, RefDaemon};
use serde_json::{json, Value};

const POOL_UUID: &str = "5e1d9a2c-7b44-4c55-9f0e-3a8b6c1d2e4f";
const MIB: u64 = 1024 * 1024;

fn vol(name: &str, extra: &str) -> String {
    format!("<volume><name>{name}</name>{extra}</volume>")
}

/// The script, for a side whose files live under `base`.
fn script(base: &str) -> Vec<Value> {
    let pool = format!("{base}/pool");
    let pool_xml = format!(
        "<pool type='dir'><name>cmp</name><uuid>{POOL_UUID}</uuid><target><path>{pool}</path></target></pool>"
    );
    let qcow2 = "<target><format type='qcow2'/></target>";
    vec![
        // Pool lifecycle and its XML in each state.
        json!(["define", pool_xml]),
        json!(["pool_xml", "cmp", 0]),
        json!(["pool_info", "cmp"]),
        json!(["list_vols", "cmp"]),
        json!(["build", "cmp", 0]),
        json!(["start", "cmp"]),
        json!(["pool_xml", "cmp", 0]),
        json!(["pool_xml", "cmp", 1]),
        json!(["pool_info", "cmp"]),
        json!(["build", "cmp", 0]),
        json!(["start", "cmp"]),
        json!(["undefine", "cmp"]),
        json!(["pool_delete", "cmp", 0]),
        json!(["define", format!("<pool type='dir'><name>other</name><target><path>{pool}</path></target></pool>")]),
        json!(["define", format!("<pool type='dir'><name>cmp</name><target><path>{base}/x</path></target></pool>")]),
        // Volumes of each kind.
        json!(["vol_create", "cmp", vol("full.img", "<capacity unit='M'>10</capacity>"), 0]),
        json!(["vol_xml", "cmp", "full.img"]),
        json!(["vol_info", "cmp", "full.img"]),
        json!(["vol_create", "cmp", vol("sparse.img", "<capacity unit='M'>20</capacity><allocation>0</allocation>"), 0]),
        json!(["vol_xml", "cmp", "sparse.img"]),
        json!(["vol_create", "cmp", vol("perm.img", "<capacity>4096</capacity><allocation>0</allocation><target><permissions><mode>0640</mode><owner>1000</owner><group>100</group></permissions></target>"), 0]),
        json!(["vol_xml", "cmp", "perm.img"]),
        json!(["vol_create", "cmp", vol("q.qcow2", &format!("<capacity unit='M'>16</capacity>{qcow2}")), 0]),
        json!(["vol_xml", "cmp", "q.qcow2"]),
        json!(["vol_info", "cmp", "q.qcow2"]),
        json!(["vol_create", "cmp", vol("m.qcow2", &format!("<capacity unit='M'>16</capacity>{qcow2}")), 1]),
        json!(["vol_xml", "cmp", "m.qcow2"]),
        json!(["vol_create", "cmp", vol("v3.qcow2", "<capacity unit='M'>8</capacity><target><format type='qcow2'/><compat>1.1</compat><features><lazy_refcounts/></features></target>"), 0]),
        json!(["vol_xml", "cmp", "v3.qcow2"]),
        json!(["vol_create", "cmp", vol("child.qcow2", &format!("<capacity unit='M'>10</capacity>{qcow2}<backingStore><path>{pool}/full.img</path><format type='raw'/></backingStore>")), 0]),
        json!(["vol_xml", "cmp", "child.qcow2"]),
        json!(["vol_create", "cmp", vol("subdir", "<capacity>0</capacity><target><format type='dir'/></target>"), 0]),
        json!(["vol_xml", "cmp", "subdir"]),
        json!(["vol_info", "cmp", "subdir"]),
        // Bad input: libvirt's errors, nothing created.
        json!(["vol_create", "cmp", vol("full.img", "<capacity>1024</capacity>"), 0]),
        json!(["vol_create", "cmp", vol("bad.img", "<capacity>1024</capacity><target><format type='foo'/></target>"), 0]),
        json!(["vol_create", "cmp", vol("a/b", "<capacity>1024</capacity>"), 0]),
        json!(["vol_create", "cmp", vol("..", "<capacity>1024</capacity>"), 0]),
        json!(["vol_create", "cmp", vol("nocap.img", ""), 0]),
        json!(["vol_create", "cmp", vol("pre.img", "<capacity>1024</capacity>"), 1]),
        json!(["vol_create", "cmp", vol("pre.vmdk", "<capacity>1048576</capacity><target><format type='vmdk'/></target>"), 1]),
        json!(["vol_create", "cmp", vol("back.img", &format!("<capacity>1024</capacity><backingStore><path>{pool}/full.img</path></backingStore>")), 0]),
        json!(["vol_create", "cmp", vol("miss.qcow2", &format!("<capacity>1024</capacity>{qcow2}<backingStore><path>{pool}/nope.img</path></backingStore>")), 0]),
        json!(["vol_create", "cmp", vol("enc.qcow2", "<capacity>1048576</capacity><target><format type='qcow2'/><encryption format='qcow'/></target>"), 0]),
        json!(["vol_create", "cmp", vol("enc2.qcow2", "<capacity>1048576</capacity><target><format type='qcow2'/><encryption format='luks'/></target>"), 0]),
        json!(["vol_create", "cmp", vol("enc.img", "<capacity>1048576</capacity><target><format type='raw'/><encryption format='luks'/></target>"), 0]),
        json!(["vol_create", "cmp", vol("enc.vmdk", "<capacity>1048576</capacity><target><format type='vmdk'/><encryption format='luks'><secret type='passphrase' uuid='11111111-2222-3333-4444-555555555555'/></encryption></target>"), 0]),
        json!(["vol_create", "cmp", vol("cs.qcow2", "<capacity>1048576</capacity><target><format type='qcow2'/><clusterSize>3</clusterSize></target>"), 0]),
        json!(["vol_create", "cmp", vol("cs2.qcow2", "<capacity>1048576</capacity><target><format type='qcow2'/><clusterSize unit='K'>128</clusterSize></target>"), 0]),
        json!(["vol_xml", "cmp", "cs2.qcow2"]),
        json!(["vol_create", "cmp", vol("huge.img", "<capacity unit='T'>100</capacity><allocation>0</allocation>"), 0]),
        json!(["vol_delete", "cmp", "huge.img", 0]),
        json!(["vol_create", "cmp", vol("vmdk.vmdk", "<capacity unit='M'>4</capacity><target><format type='vmdk'/></target>"), 0]),
        json!(["vol_xml", "cmp", "vmdk.vmdk"]),
        json!(["vol_delete", "cmp", "full.img", 1]),
        json!(["vol_wipe", "cmp", "sparse.img", 9]),
        json!(["vol_wipe", "cmp", "sparse.img", 2]),
        json!(["vol_resize", "cmp", "full.img", MIB, 0]),
        json!(["vol_resize", "cmp", "q.qcow2", 32 * MIB, 1]),
        json!(["vol_resize", "cmp", "sparse.img", MIB, 0]),
        json!(["vol_resize", "cmp", "sparse.img", 1u64 << 50, 1]),
        json!(["vol_resize", "cmp", "sparse.img", 1u64 << 50, 0]),
        json!(["vol_resize", "cmp", "sparse.img", 20 * MIB, 0]),
        // Clones: raw to raw (capacity taken from the source), raw to qcow2.
        json!(["vol_clone", "cmp", vol("clone.img", ""), "full.img", 0]),
        json!(["vol_xml", "cmp", "clone.img"]),
        json!(["vol_clone", "cmp", vol("sclone.img", "<capacity>0</capacity><allocation>0</allocation>"), "sparse.img", 0]),
        json!(["vol_info", "cmp", "sclone.img"]),
        json!(["vol_clone", "cmp", vol("conv.qcow2", &format!("<capacity>0</capacity>{qcow2}")), "full.img", 0]),
        json!(["vol_xml", "cmp", "conv.qcow2"]),
        json!(["vol_clone", "cmp", vol("clone.img", ""), "full.img", 0]),
        // Resizes.
        json!(["vol_resize", "cmp", "sparse.img", 40 * MIB, 0]),
        json!(["vol_info", "cmp", "sparse.img"]),
        json!(["vol_resize", "cmp", "sparse.img", 8 * MIB, 6]),
        json!(["vol_info", "cmp", "sparse.img"]),
        json!(["vol_resize", "cmp", "sparse.img", 16 * MIB, 1]),
        json!(["vol_info", "cmp", "sparse.img"]),
        json!(["vol_resize", "cmp", "q.qcow2", 32 * MIB, 0]),
        json!(["vol_xml", "cmp", "q.qcow2"]),
        json!(["vol_resize", "cmp", "q.qcow2", 8 * MIB, 4]),
        json!(["vol_info", "cmp", "q.qcow2"]),
        // Wipes.
        json!(["vol_wipe", "cmp", "sparse.img", 0]),
        json!(["vol_info", "cmp", "sparse.img"]),
        json!(["vol_wipe", "cmp", "clone.img", 0]),
        json!(["vol_xml", "cmp", "clone.img"]),
        json!(["vol_wipe", "cmp", "m.qcow2", 0]),
        json!(["vol_xml", "cmp", "m.qcow2"]),
        // Files made behind the driver's back appear on refresh.
        json!(["shell", format!("head -c 1000000 /dev/urandom > {pool}/outside.img; mkdir {pool}/outdir; qemu-img create -q -f qcow2 -o compat=1.1 {pool}/outside.qcow2 3M; qemu-img create -q -f qcow2 -b outside.qcow2 -F qcow2 {pool}/rel.qcow2; touch {pool}/empty; mkfifo {pool}/fifo")]),
        json!(["shell", format!("qemu-img create -q -f vpc {pool}/o.vpc 4M; qemu-img create -q -f qed {pool}/o.qed 5M; qemu-img create -q -f vdi {pool}/o.vdi 6M; qemu-img create -q -f qcow {pool}/o.qcow 7M; truncate -s 40000 {pool}/o.iso; printf CD001 | dd of={pool}/o.iso bs=1 seek=32769 conv=notrunc status=none")]),
        json!(["list_vols", "cmp"]),
        json!(["lookup_path", format!("{pool}/outside.img")]),
        json!(["refresh", "cmp"]),
        json!(["list_vols", "cmp"]),
        json!(["vol_xml", "cmp", "outside.img"]),
        json!(["vol_xml", "cmp", "outdir"]),
        json!(["vol_xml", "cmp", "outside.qcow2"]),
        json!(["vol_xml", "cmp", "rel.qcow2"]),
        json!(["vol_xml", "cmp", "empty"]),
        json!(["vol_xml", "cmp", "o.vpc"]),
        json!(["vol_xml", "cmp", "o.qed"]),
        json!(["vol_xml", "cmp", "o.vdi"]),
        json!(["vol_xml", "cmp", "o.qcow"]),
        json!(["vol_xml", "cmp", "o.iso"]),
        json!(["vol_clone", "cmp", vol("o2.vpc", "<capacity>0</capacity><target><format type='raw'/></target>"), "o.vpc", 0]),
        json!(["vol_info", "cmp", "o2.vpc"]),
        json!(["vol_xml", "cmp", "v3.qcow2"]),
        json!(["vol_xml", "cmp", "child.qcow2"]),
        json!(["lookup_path", format!("{pool}//outside.img")]),
        json!(["lookup_key", format!("{pool}/outside.img")]),
        json!(["lookup_key", format!("{pool}/none")]),
        // Streams: an upload larger than the volume grows it; windows of a download.
        json!(["shell", format!("yes 0123456789abcdef | head -c 2097152 > {base}/up.bin")]),
        json!(["vol_create", "cmp", vol("up.img", "<capacity unit='M'>1</capacity><allocation>0</allocation>"), 0]),
        json!(["upload", "cmp", "up.img", format!("{base}/up.bin"), 0, 0, 0]),
        json!(["vol_info", "cmp", "up.img"]),
        json!(["download", "cmp", "up.img", 0, 0]),
        json!(["download", "cmp", "up.img", 1000, 5000]),
        json!(["shell", format!("head -c 100 /dev/zero | tr '\\0' x > {base}/up100.bin")]),
        json!(["upload", "cmp", "up.img", format!("{base}/up100.bin"), 4096, 100, 0]),
        json!(["download", "cmp", "up.img", 0, 0]),
        json!(["upload", "cmp", "up.img", format!("{base}/up.bin"), 0, 0, 5]),
        json!(["download", "cmp", "full.img", 0, 0]),
        json!(["vol_delete", "cmp", "up.img", 0]),
        // Tear down: deletes, then the pool.
        json!(["vol_delete", "cmp", "subdir", 0]),
        json!(["vol_delete", "cmp", "full.img", 0]),
        json!(["vol_delete", "cmp", "q.qcow2", 0]),
        json!(["vol_delete", "cmp", "q.qcow2", 0]),
        json!(["list_vols", "cmp"]),
        json!(["destroy", "cmp"]),
        json!(["destroy", "cmp"]),
        json!(["pool_xml", "cmp", 0]),
        json!(["pool_info", "cmp"]),
        json!(["list_vols", "cmp"]),
        json!(["refresh", "cmp"]),
        json!(["pool_delete", "cmp", 0]),
        json!(["shell", format!("rm -rf {pool}/*")]),
        json!(["pool_delete", "cmp", 1]),
        json!(["pool_delete", "cmp", 0]),
        json!(["undefine", "cmp"]),
        json!(["undefine", "cmp"]),
        // Listing filters, a second pool, a clone across pools, redefinition while running.
        json!(["define", format!("<pool type='dir'><name>two</name><uuid>11111111-2222-3333-4444-555555555555</uuid><target><path>{base}/two</path></target></pool>")]),
        json!(["build", "two", 0]),
        json!(["start", "two"]),
        json!(["autostart", "two", 1]),
        json!(["create_pool", format!("<pool type='dir'><name>three</name><uuid>22222222-3333-4444-5555-666666666666</uuid><target><path>{base}/three</path></target></pool>"), 1]),
        json!(["vol_create", "three", vol("src.img", "<capacity unit='M'>1</capacity><allocation>0</allocation>"), 0]),
        json!(["vol_clone", "two", vol("copied.img", ""), "src.img", 0, "three"]),
        json!(["vol_xml", "two", "copied.img"]),
        json!(["list_pools", 0]),
        json!(["list_pools", 1]),
        json!(["list_pools", 2]),
        json!(["list_pools", 4]),
        json!(["list_pools", 8]),
        json!(["list_pools", 16]),
        json!(["list_pools", 32]),
        json!(["list_pools", 64]),
        json!(["list_pools", 128]),
        json!(["list_pools", 2 | 8]),
        json!(["pool_state", "two"]),
        json!(["pool_state", "three"]),
        json!(["define", format!("<pool type='dir'><name>three</name><uuid>22222222-3333-4444-5555-666666666666</uuid><target><path>{base}/three</path><permissions><mode>0700</mode></permissions></target></pool>")]),
        json!(["pool_state", "three"]),
        json!(["pool_xml", "three", 1]),
        json!(["create_pool", format!("<pool type='dir'><name>two</name><uuid>11111111-2222-3333-4444-555555555555</uuid><target><path>{base}/two</path></target></pool>"), 0]),
        json!(["destroy", "three"]),
        json!(["pool_xml", "three", 0]),
        json!(["pool_state", "three"]),
        json!(["undefine", "three"]),
        json!(["autostart", "two", 0]),
        json!(["vol_delete", "two", "copied.img", 0]),
        json!(["destroy", "two"]),
        json!(["pool_delete", "two", 0]),
        json!(["undefine", "two"]),
        json!(["shell", format!("rm -rf {base}/three")]),
        // Requested permissions of the pool directory.
        json!(["define", format!("<pool type='dir'><name>perm</name><target><path>{base}/perm</path><permissions><mode>0750</mode><owner>-1</owner><group>-1</group></permissions></target></pool>")]),
        json!(["pool_xml", "perm", 0]),
        json!(["build", "perm", 0]),
        json!(["build", "perm", 12]),
        json!(["build", "perm", 1]),
        json!(["start", "perm"]),
        json!(["pool_xml", "perm", 0]),
        json!(["destroy", "perm"]),
        json!(["pool_delete", "perm", 0]),
        json!(["undefine", "perm"]),
        // A transient pool.
        json!(["create_pool", format!("<pool type='dir'><name>tr</name><target><path>{base}/tr</path></target></pool>"), 1]),
        json!(["pool_xml", "tr", 0]),
        json!(["autostart", "tr", 1]),
        json!(["destroy", "tr"]),
        json!(["pool_info", "tr"]),
        json!(["create_pool", format!("<pool type='dir'><name>tr2</name><target><path>{base}/missing/tr2</path></target></pool>"), 0]),
        json!(["pool_info", "tr2"]),
    ]
}

#[test]
fn same_results_as_libvirtd() {
    if !require_qemu_img() {
        return;
    }
    let Some(daemon) = RefDaemon::start() else {
        return;
    };
    let env = Env::new();
    let ref_dir = tempfile::tempdir().unwrap();
    let ref_base = ref_dir.path().join("side").display().to_string();
    let my_base = env.dir("side").display().to_string();
    std::fs::create_dir_all(&ref_base).unwrap();
    std::fs::create_dir_all(&my_base).unwrap();

    let ref_ops = script(&ref_base);
    let expected = daemon.run(&ref_ops);
    let got = run_script(&env.driver, &script(&my_base));
    assert_eq!(expected.len(), got.len());

    let mut mismatches = Vec::new();
    for (i, (e, g)) in expected.iter().zip(&got).enumerate() {
        let (e, g) = (normalize(e, &ref_base), normalize(g, &my_base));
        if e != g {
            mismatches.push(format!(
                "#{i} {}\n  libvirtd: {}\n  rvirt:    {}",
                normalize(&ref_ops[i], &ref_base),
                e,
                g
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} results differ from libvirtd:\n{}",
        mismatches.len(),
        got.len(),
        mismatches.join("\n")
    );
}

/// A loop device over a file under `base`, reachable as `base/dev`; detached (and its
/// mount point unmounted) on drop.
struct LoopDev {
    device: String,
    mount_point: String,
}

impl LoopDev {
    fn new(base: &str) -> Option<LoopDev> {
        let image = format!("{base}/disk.img");
        std::fs::File::create(&image).ok()?.set_len(64 * MIB).ok()?;
        let out = std::process::Command::new("losetup")
            .args(["-f", "--show", &image])
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let device = String::from_utf8_lossy(&out.stdout).trim().to_string();
        std::os::unix::fs::symlink(&device, format!("{base}/dev")).ok()?;
        Some(LoopDev {
            device,
            mount_point: format!("{base}/fsmnt"),
        })
    }
}

impl Drop for LoopDev {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .args(["-l", &self.mount_point])
            .stderr(std::process::Stdio::null())
            .status();
        let _ = std::process::Command::new("losetup")
            .args(["-d", &self.device])
            .status();
    }
}

fn fs_script(base: &str) -> Vec<Value> {
    let pool_xml = format!(
        "<pool type='fs'><name>fsp</name><uuid>{POOL_UUID}</uuid><source><device path='{base}/dev'/><format type='ext4'/></source><target><path>{base}/fsmnt</path></target></pool>"
    );
    vec![
        json!(["define", pool_xml]),
        json!(["pool_xml", "fsp", 0]),
        json!(["build", "fsp", 8]),
        json!(["build", "fsp", 4]),
        json!(["start", "fsp"]),
        json!(["pool_xml", "fsp", 0]),
        json!(["list_vols", "fsp"]),
        json!(["vol_xml", "fsp", "lost+found"]),
        json!([
            "vol_create",
            "fsp",
            vol("in-fs.img", "<capacity unit='M'>2</capacity>"),
            0
        ]),
        json!(["vol_xml", "fsp", "in-fs.img"]),
        json!(["destroy", "fsp"]),
        json!(["pool_xml", "fsp", 0]),
        json!(["start", "fsp"]),
        json!(["list_vols", "fsp"]),
        json!(["vol_delete", "fsp", "in-fs.img", 0]),
        json!(["destroy", "fsp"]),
        json!(["pool_delete", "fsp", 0]),
        json!(["undefine", "fsp"]),
    ]
}

#[test]
fn fs_pool_same_results_as_libvirtd() {
    let env = Env::new();
    let ref_dir = tempfile::tempdir().unwrap();
    let ref_base = ref_dir.path().join("side").display().to_string();
    let my_base = env.dir("side").display().to_string();
    std::fs::create_dir_all(&ref_base).unwrap();
    std::fs::create_dir_all(&my_base).unwrap();
    // fs pools need loop devices and mounting, which not every environment allows.
    let (Some(_ref_loop), Some(_my_loop)) = (LoopDev::new(&ref_base), LoopDev::new(&my_base))
    else {
        return rvirt_testkit::skip_or_fail("loop devices, for the fs pool comparison");
    };
    let Some(daemon) = RefDaemon::start() else {
        return;
    };
    let ref_ops = fs_script(&ref_base);
    let expected = daemon.run(&ref_ops);
    let got = run_script(&env.driver, &fs_script(&my_base));
    // The reference really mounted a fresh file system.
    assert_eq!(expected[4], json!({"ok": null}), "{expected:?}");
    assert_eq!(expected[6], json!({"ok": ["lost+found"]}), "{expected:?}");
    let mut mismatches = Vec::new();
    for (i, (e, g)) in expected.iter().zip(&got).enumerate() {
        let (e, g) = (normalize(e, &ref_base), normalize(g, &my_base));
        if e != g {
            mismatches.push(format!(
                "#{i} {}\n  libvirtd: {}\n  rvirt:    {}",
                normalize(&ref_ops[i], &ref_base),
                e,
                g
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} results differ from libvirtd:\n{}",
        mismatches.len(),
        got.len(),
        mismatches.join("\n")
    );
}

fn logical_script(base: &str, vg: &str, device: &str) -> Vec<Value> {
    let pool_xml = format!(
        "<pool type='logical'><name>{vg}</name><uuid>{POOL_UUID}</uuid><source><device path='{device}'/></source><target><path>/dev/{vg}</path></target></pool>"
    );
    let _ = base;
    vec![
        json!(["define", pool_xml]),
        json!(["pool_xml", vg, 0]),
        json!(["start", vg]),
        json!(["build", vg, 2]),
        json!(["build", vg, 0]),
        json!(["build", vg, 0]),
        json!(["start", vg]),
        json!(["find_sources", "logical", null]),
        json!(["find_sources", "netfs", null]),
        json!(["find_sources", "dir", null]),
        json!(["find_sources", "fs", null]),
        json!(["find_sources", "bogus", null]),
        json!(["pool_xml", vg, 0]),
        json!(["pool_info", vg]),
        json!(["list_vols", vg]),
        json!(["vol_create", vg, vol("lv0", "<capacity>0</capacity>"), 0]),
        json!([
            "vol_create",
            vg,
            vol("lv1", "<capacity unit='M'>8</capacity>"),
            0
        ]),
        json!(["list_vols", vg]),
        json!(["refresh", vg]),
        json!(["destroy", vg]),
        json!(["pool_xml", vg, 0]),
        json!(["pool_delete", vg, 1]),
        json!(["pool_delete", vg, 0]),
        json!(["undefine", vg]),
    ]
}

#[test]
fn logical_pool_same_results_as_libvirtd() {
    let env = Env::new();
    let ref_dir = tempfile::tempdir().unwrap();
    let ref_base = ref_dir.path().join("side").display().to_string();
    let my_base = env.dir("side").display().to_string();
    std::fs::create_dir_all(&ref_base).unwrap();
    std::fs::create_dir_all(&my_base).unwrap();
    let have_lvm = std::process::Command::new("sh")
        .args(["-c", "command -v vgcreate"])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have_lvm {
        return rvirt_testkit::skip_or_fail("lvm2, for the logical pool comparison");
    }
    let (Some(ref_loop), Some(my_loop)) = (LoopDev::new(&ref_base), LoopDev::new(&my_base)) else {
        return rvirt_testkit::skip_or_fail("loop devices, for the logical pool comparison");
    };
    let Some(daemon) = RefDaemon::start() else {
        return;
    };
    // Volume group names are global to the host: one per side, masked when comparing.
    let tag = std::process::id();
    let (ref_vg, my_vg) = (format!("rvref{tag}"), format!("rvmine{tag}"));
    let ref_ops = logical_script(&ref_base, &ref_vg, &ref_loop.device);
    let expected = daemon.run(&ref_ops);
    let got = run_script(
        &env.driver,
        &logical_script(&my_base, &my_vg, &my_loop.device),
    );
    let mask = |v: &Value, vg: &str, dev: &str, base: &str| {
        let text = normalize(v, base)
            .to_string()
            .replace(vg, "@VG@")
            .replace(dev, "@DEV@");
        serde_json::from_str::<Value>(&text).unwrap()
    };
    let mut mismatches = Vec::new();
    for (i, (e, g)) in expected.iter().zip(&got).enumerate() {
        let e = mask(e, &ref_vg, &ref_loop.device, &ref_base);
        let g = mask(g, &my_vg, &my_loop.device, &my_base);
        if e != g {
            mismatches.push(format!(
                "#{i} {}\n  libvirtd: {}\n  rvirt:    {}",
                mask(&ref_ops[i], &ref_vg, &ref_loop.device, &ref_base),
                e,
                g
            ));
        }
    }
    // Leave no volume group behind whatever happened.
    for vg in [&ref_vg, &my_vg] {
        let _ = std::process::Command::new("vgremove")
            .args(["-f", vg])
            .stderr(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .status();
    }
    for dev in [&ref_loop.device, &my_loop.device] {
        let _ = std::process::Command::new("pvremove")
            .arg(dev)
            .stderr(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .status();
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} results differ from libvirtd:\n{}",
        mismatches.len(),
        got.len(),
        mismatches.join("\n")
    );
}
