//! `logical` pools: an LVM volume group whose logical volumes are the pool's volumes, driven
//! through the lvm2 commands as libvirt's `storage_backend_logical.c` does (`pvcreate`,
//! `vgcreate`, `vgchange`, `vgs`, `lvs`, `lvcreate`, `lvremove`, `vgremove`, `pvremove`).

use std::ffi::OsStr;
use std::fs::{self, OpenOptions};
use std::io::{self, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result, StoragePoolBuildFlags};
use rvirt_xml::storage::{BackingStore, Permissions, PoolDef, VolumeDef};

use crate::fsutil::{self, perms_of, timestamps_of};

const D: ErrorDomain = ErrorDomain::Storage;
/// Bytes blanked at both ends of a device before `pvcreate`.
const ZERO_LEN: u64 = 1024 * 1024;

fn tool(name: &str) -> Result<PathBuf> {
    // libvirt runs the lvm2 tools from where Debian's build found them.
    let sbin = Path::new("/sbin").join(name);
    if sbin.is_file() {
        return Ok(sbin);
    }
    fsutil::find_program(name).ok_or_else(|| {
        Error::system(
            ErrorDomain::None,
            &io::Error::from_raw_os_error(2),
            format!("Cannot find '{name}' in path"),
        )
    })
}

fn run(name: &str, args: &[&str]) -> Result<String> {
    let program = tool(name)?;
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    fsutil::run(&program, &args)
}

fn vg_name(def: &PoolDef) -> &str {
    def.source.name.as_deref().unwrap_or(&def.name)
}

/// `pvs`: (physical volume, volume group) pairs.
fn pool_sources() -> Result<Vec<(String, String)>> {
    // Refreshing LVM's view first; a failure only means less is found.
    let _ = run("vgscan", &[]);
    let out = run("pvs", &["--noheadings", "-o", "pv_name,vg_name"])?;
    Ok(out
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            Some((it.next()?.to_string(), it.next()?.to_string()))
        })
        .collect())
}

/// The `<sources>` document of `virConnectFindStoragePoolSources` for logical pools: each
/// volume group with its physical volumes.
pub fn find_sources() -> Result<String> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (pv, vg) in pool_sources()? {
        match groups.iter_mut().find(|(g, _)| *g == vg) {
            Some((_, devs)) => devs.push(pv),
            None => groups.push((vg, vec![pv])),
        }
    }
    let mut w = rvirt_xml::XmlWriter::new();
    w.open("sources", &[]);
    for (vg, devs) in &groups {
        w.open("source", &[]);
        for d in devs {
            w.empty("device", &[("path", Some(d))]);
        }
        w.text("name", &[], vg);
        w.empty("format", &[("type", Some("lvm2"))]);
        w.close("source");
    }
    w.close("sources");
    Ok(w.finish())
}

/// Whether the volume group exists on (one of) the pool's devices
/// (`virStorageBackendLogicalMatchPoolSource`).
pub fn match_pool_source(def: &PoolDef) -> Result<()> {
    let vg = vg_name(def);
    let sources = pool_sources()?;
    let devices: Vec<&str> = sources
        .iter()
        .filter(|(_, g)| g == vg)
        .map(|(p, _)| p.as_str())
        .collect();
    if devices.is_empty() {
        return Err(Error::config_unsupported(
            D,
            format!("cannot find logical volume group name '{vg}'"),
        ));
    }
    if def.source.devices.is_empty()
        || def
            .source
            .devices
            .iter()
            .any(|d| devices.contains(&d.path.as_str()))
    {
        return Ok(());
    }
    Err(Error::config_unsupported(
        D,
        format!("cannot find any matching source devices for logical volume group '{vg}'"),
    ))
}

/// What `blkid` finds on a device: (file system type, partition table type).
fn blkid_types(device: &str) -> (Option<String>, Option<String>) {
    let Ok(out) = run("blkid", &["-p", "-o", "export", device]) else {
        return (None, None);
    };
    let field = |key: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(str::to_string)
    };
    (field("TYPE="), field("PTTYPE="))
}

/// Refuses a device that already holds something, unless overwriting was asked for
/// (`virStorageBackendDeviceIsEmpty` when writing a label).
fn check_device_empty(device: &str, format: &str) -> Result<()> {
    match blkid_types(device) {
        (Some(t), _) if t == format => Err(Error::new(
            D,
            ErrorCode::StoragePoolBuilt,
            format!("Device '{device}' already formatted using '{format}'"),
        )),
        (Some(_), _) | (None, Some(_)) => Err(Error::new(
            D,
            ErrorCode::StoragePoolBuilt,
            format!(
                "Format of device '{device}' does not match the expected format '{format}', forced overwrite is necessary"
            ),
        )),
        (None, None) => Ok(()),
    }
}

/// Blanks the first and last megabyte of a device (old partition tables and labels).
fn zero_ends(device: &str) -> Result<()> {
    let sys = |e: &io::Error, what: &str| Error::system(D, e, format!("{what} '{device}'"));
    let mut f = OpenOptions::new()
        .write(true)
        .open(device)
        .map_err(|e| sys(&e, "Failed to open storage volume with path"))?;
    let size = f
        .seek(SeekFrom::End(0))
        .map_err(|e| sys(&e, "Failed to seek in storage volume with path"))?;
    let len = ZERO_LEN.min(size);
    let zeros = vec![0u8; len as usize];
    for offset in [0, size - len] {
        f.write_all_at(&zeros, offset)
            .map_err(|e| sys(&e, "Failed to write to storage volume with path"))?;
    }
    f.sync_data()
        .map_err(|e| sys(&e, "cannot sync data to volume with path"))
}

/// Creates the volume group on the pool's devices.
pub fn build(def: &PoolDef, flags: StoragePoolBuildFlags) -> Result<()> {
    let vg = vg_name(def).to_string();
    let mut done: Vec<&str> = Vec::new();
    let result = (|| {
        for dev in &def.source.devices {
            let path = dev.path.as_str();
            if !flags.contains(StoragePoolBuildFlags::OVERWRITE) {
                check_device_empty(path, "LVM2_member")?;
            }
            zero_ends(path)?;
            run("pvcreate", &[path])?;
            done.push(path);
        }
        let mut args = vec![vg.as_str()];
        args.extend(def.source.devices.iter().map(|d| d.path.as_str()));
        run("vgcreate", &args).map(|_| ())
    })();
    if result.is_err() {
        for path in done {
            let _ = run("pvremove", &[path]);
        }
    }
    result
}

pub fn start(def: &PoolDef) -> Result<()> {
    match_pool_source(def)?;
    run("vgchange", &["-aay", vg_name(def)]).map(|_| ())
}

pub fn stop(def: &PoolDef) -> Result<()> {
    run("vgchange", &["-aln", vg_name(def)]).map(|_| ())
}

/// Removes the volume group and releases its devices.
pub fn delete(def: &PoolDef, flags: u32) -> Result<()> {
    if flags != 0 {
        return Err(Error::unsupported_flags(
            D,
            flags,
            "virStorageBackendLogicalDeletePool",
        ));
    }
    run("vgremove", &["-f", vg_name(def)])?;
    for dev in &def.source.devices {
        let _ = run("pvremove", &[&dev.path]);
    }
    Ok(())
}

/// One row of `lvs` output (a segment of a logical volume).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LvRow {
    pub name: String,
    pub origin: String,
    pub uuid: String,
    pub size: u64,
    pub attrs: String,
}

/// Parses `lvs --separator # ... --options lv_name,origin,uuid,devices,segtype,stripes,
/// seg_size,vg_extent_size,size,lv_attr` output, keeping active, non-thin-pool volumes.
pub fn parse_lvs(text: &str) -> Vec<LvRow> {
    let mut rows: Vec<LvRow> = Vec::new();
    for line in text.lines() {
        let line = line.trim().trim_end_matches('#');
        let f: Vec<&str> = line.split('#').collect();
        if f.len() < 10 {
            continue;
        }
        let attrs = f[9].to_string();
        let bytes = attrs.as_bytes();
        if bytes.get(4) != Some(&b'a') || bytes.first() == Some(&b't') {
            continue;
        }
        let Ok(size) = f[8].parse::<u64>() else {
            continue;
        };
        // A volume with several segments appears once per segment.
        if rows.iter().any(|r| r.name == f[0]) {
            continue;
        }
        rows.push(LvRow {
            name: f[0].to_string(),
            origin: f[1].to_string(),
            uuid: f[2].to_string(),
            size,
            attrs,
        });
    }
    rows
}

fn lvs(vg: &str) -> Result<Vec<LvRow>> {
    let out = run(
        "lvs",
        &[
            "--separator",
            "#",
            "--noheadings",
            "--units",
            "b",
            "--unbuffered",
            "--nosuffix",
            "--options",
            "lv_name,origin,uuid,devices,segtype,stripes,seg_size,vg_extent_size,size,lv_attr",
            vg,
        ],
    )?;
    Ok(parse_lvs(&out))
}

/// A logical volume as the pool lists it: a block device under the target directory.
fn volume_from_row(def: &PoolDef, row: &LvRow) -> VolumeDef {
    let target = def.target_path.clone().unwrap_or_default();
    let path = format!("{target}/{}", row.name);
    let mut vol = VolumeDef {
        name: row.name.clone(),
        key: Some(row.uuid.clone()),
        vol_type: "block".to_string(),
        target_path: Some(path.clone()),
        ..Default::default()
    };
    // Snapshots name their origin; "--virtualsize" volumes show a bracketed one.
    if !row.origin.is_empty() && !row.origin.starts_with('[') {
        vol.backing_store = Some(BackingStore {
            path: Some(format!("{target}/{}", row.origin)),
            format: None,
            perms: Permissions::default(),
            timestamps: None,
        });
    }
    if let Ok(meta) = fs::metadata(&path) {
        vol.target.perms = perms_of(&meta);
        vol.target.timestamps = Some(timestamps_of(&meta));
    }
    let size = OpenOptions::new()
        .read(true)
        .open(&path)
        .and_then(|mut f| f.seek(SeekFrom::End(0)))
        .unwrap_or(row.size);
    vol.capacity = size;
    vol.physical = (size > 0).then_some(size);
    vol.allocation = row.size;
    vol
}

/// Lists the logical volumes and the group's size and free space.
pub fn refresh(def: &mut PoolDef) -> Result<Vec<VolumeDef>> {
    let vg = vg_name(def).to_string();
    let rows = lvs(&vg)?;
    let out = run(
        "vgs",
        &[
            "--separator",
            ":",
            "--noheadings",
            "--units",
            "b",
            "--unbuffered",
            "--nosuffix",
            "--options",
            "vg_size,vg_free",
            &vg,
        ],
    )?;
    let sizes = out.lines().find_map(|l| {
        let mut it = l.trim().trim_end_matches(':').split(':');
        Some((
            it.next()?.parse::<u64>().ok()?,
            it.next()?.parse::<u64>().ok()?,
        ))
    });
    let Some((capacity, free)) = sizes else {
        return Err(Error::internal(D, "malformed vgs output"));
    };
    def.capacity = capacity;
    def.available = free;
    def.allocation = capacity.saturating_sub(free);
    Ok(rows.iter().map(|r| volume_from_row(def, r)).collect())
}

/// Creates a logical volume (`lvcreate`), sparse (a snapshot with a virtual size) when the
/// allocation is below the capacity, then applies ownership and mode.
pub fn create_volume(def: &PoolDef, vol: &mut VolumeDef) -> Result<()> {
    if vol
        .target
        .encryption
        .as_ref()
        .is_some_and(|e| e.format != "luks")
    {
        return Err(Error::config_unsupported(
            D,
            "storage pool only supports LUKS encrypted volumes",
        ));
    }
    let target = def.target_path.clone().unwrap_or_default();
    let path = format!("{target}/{}", vol.name);
    vol.vol_type = "block".to_string();
    vol.target_path = Some(path.clone());
    let mut args: Vec<String> = vec!["--name".into(), vol.name.clone(), "-L".into()];
    if vol.capacity != vol.allocation {
        args.push(format!("{}K", vol.allocation.max(1).div_ceil(1024)));
        args.extend(["--type".into(), "snapshot".into(), "--virtualsize".into()]);
    }
    args.push(format!("{}K", vol.capacity.div_ceil(1024)));
    match vol.backing_store.as_ref().and_then(|b| b.path.clone()) {
        Some(origin) => args.extend(["-s".into(), origin]),
        None => args.push(vg_name(def).to_string()),
    }
    args.push("--yes".into());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run("lvcreate", &refs)?;
    let finish = (|| {
        let meta = fs::metadata(&path)
            .map_err(|e| Error::system(D, &e, format!("cannot stat file '{path}'")))?;
        let (uid, gid) = fsutil::wanted_ids(&vol.target.perms);
        fsutil::apply_owner(Path::new(&path), &meta, uid, gid)?;
        let mode = vol
            .target
            .perms
            .mode
            .unwrap_or(crate::volume::DEFAULT_VOL_MODE);
        fsutil::apply_mode(Path::new(&path), &meta, mode)?;
        let rows = lvs(vg_name(def))?;
        let row = rows.iter().find(|r| r.name == vol.name).ok_or_else(|| {
            Error::system(
                D,
                &io::Error::from_raw_os_error(2),
                format!("cannot find newly created volume '{path}'"),
            )
        })?;
        *vol = volume_from_row(def, row);
        Ok(())
    })();
    if finish.is_err() {
        let _ = delete_volume(&path);
    }
    finish
}

/// Removes a logical volume, deactivating it first when a plain removal fails.
pub fn delete_volume(path: &str) -> Result<()> {
    if run("lvremove", &["-f", path]).is_ok() {
        return Ok(());
    }
    run("lvchange", &["-aln", path])?;
    run("lvremove", &["-f", path]).map(|_| ())
}

/// Whether a volume is a sparse (snapshot with virtual size) logical volume.
pub fn is_sparse(vol: &VolumeDef) -> bool {
    vol.allocation < vol.capacity
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lvs_rows() {
        // The shapes of lvs output libvirt documents: plain, open, origin, snapshot and
        // striped volumes, one segment per line.
        let text = "  RootLV##06UgP5-2rhb#/dev/hda2(0)#linear#1#5234491392#33554432#5234491392#-wi-ao\n\
                    Test2##3pg3he-mQsA#/dev/hda2(219)#linear#1#1073741824#33554432#1073741824#owi-a-\n\
                    Test3#Test2#UB5hFw-kmlm#/dev/hda2(187)#linear#1#1040187392#33554432#1040187392#swi-a-\n\
                    Off##xyz#/dev/hda2(1)#linear#1#4096#4096#4096#-wi---\n\
                    pool##abc#/dev/hda2(2)#thin-pool#1#4096#4096#4096#twi-a-\n";
        let rows = parse_lvs(text);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["RootLV", "Test2", "Test3"]);
        assert_eq!(rows[2].origin, "Test2");
        assert_eq!(rows[0].size, 5234491392);
    }
}
