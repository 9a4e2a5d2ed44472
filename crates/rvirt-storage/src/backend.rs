//! Pool backends on the local file system: `dir` (a directory), `fs` (a block device mounted
//! on the target) and `netfs` (a network export mounted on the target). They share libvirt's
//! `storage_backend_fs.c` behaviour: build creates the target directory, refresh lists its
//! entries, delete removes the (empty) directory. `logical` pools are handed to
//! [`crate::logical`].

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result, StoragePoolBuildFlags};
use rvirt_xml::storage::{PoolDef, VolumeDef};

use crate::{fsutil, logical, probe};

const D: ErrorDomain = ErrorDomain::Storage;

/// Default mode of a pool directory libvirt creates (`VIR_STORAGE_DEFAULT_POOL_PERM_MODE`).
pub const DEFAULT_POOL_MODE: u32 = 0o711;

/// libvirt's pool type numbers (`virStoragePoolType`), for its "missing backend" error.
const POOL_TYPE_NUMBERS: &[&str] = &[
    "dir",
    "fs",
    "netfs",
    "logical",
    "disk",
    "iscsi",
    "iscsi-direct",
    "scsi",
    "mpath",
    "rbd",
    "sheepdog",
    "gluster",
    "zfs",
    "vstorage",
];

/// Fails for pool types rvirt has no backend for, as libvirt's `virStorageBackendForType`.
pub fn check_supported(pool_type: &str) -> Result<()> {
    if matches!(pool_type, "dir" | "fs" | "netfs" | "logical") {
        return Ok(());
    }
    let n = POOL_TYPE_NUMBERS
        .iter()
        .position(|t| *t == pool_type)
        .map_or(-1, |n| n as i64);
    Err(Error::internal(
        D,
        format!("missing backend for pool type {n} ({pool_type})"),
    ))
}

fn target(def: &PoolDef) -> &str {
    def.target_path.as_deref().unwrap_or("")
}

/// Whether a pool found at daemon start is running: its directory exists (dir) or is
/// mounted (fs, netfs).
pub fn check_active(def: &PoolDef) -> bool {
    match def.pool_type.as_str() {
        "dir" => Path::new(target(def)).exists(),
        "logical" => logical::match_pool_source(def).is_ok(),
        _ => fsutil::is_mounted(target(def)),
    }
}

/// Creates the target directory with the requested owner and mode (libvirt's
/// `virStorageBackendBuildLocal`), and for `fs` pools formats the device when asked.
pub fn build(def: &PoolDef, flags: StoragePoolBuildFlags) -> Result<()> {
    let allowed = StoragePoolBuildFlags::OVERWRITE | StoragePoolBuildFlags::NO_OVERWRITE;
    if !allowed.contains(flags) {
        let function = if def.pool_type == "logical" {
            "virStorageBackendLogicalBuildPool"
        } else {
            "virStorageBackendFileSystemBuild"
        };
        return Err(Error::unsupported_flags(
            D,
            (flags - allowed).bits(),
            function,
        ));
    }
    if flags.contains(allowed) {
        // libvirt reports this one without the code's prefix.
        return Err(Error::raw(
            D,
            ErrorCode::InvalidArg,
            "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and 'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive",
        ));
    }
    if def.pool_type == "logical" {
        return logical::build(def, flags);
    }
    let path_text = target(def);
    let path = Path::new(path_text);
    let Some(parent) = path_text.rfind('/').map(|i| &path_text[..i]) else {
        return Err(Error::invalid_arg(
            D,
            format!("path '{path_text}' is not absolute"),
        ));
    };
    if !parent.is_empty() {
        fs::create_dir_all(parent)
            .map_err(|e| Error::system(D, &e, format!("cannot create path '{parent}'")))?;
    }
    let existed = path.exists();
    let mode = def
        .target_perms
        .mode
        .or(if def.pool_type == "netfs" || !existed {
            Some(DEFAULT_POOL_MODE)
        } else {
            None
        });
    if !existed {
        fs::DirBuilder::new()
            .mode(mode.unwrap_or(DEFAULT_POOL_MODE))
            .create(path)
            .map_err(|e| {
                Error::system(D, &e, format!("failed to create directory '{path_text}'"))
            })?;
    }
    let meta = fs::metadata(path)
        .map_err(|e| Error::system(D, &e, format!("stat of '{path_text}' failed")))?;
    // libvirt gives the directory to the requested owner, else to the daemon's own user.
    let (uid, gid) = fsutil::wanted_ids(&def.target_perms);
    fsutil::apply_owner(
        path,
        &meta,
        Some(uid.unwrap_or_else(fsutil::euid)),
        Some(gid.unwrap_or_else(fsutil::egid)),
    )?;
    if let Some(m) = mode {
        fsutil::apply_mode(path, &meta, m)?;
    }
    if def.pool_type == "fs" && !flags.is_empty() {
        format_device(def, flags)?;
    }
    Ok(())
}

/// `mkfs` of an `fs` pool's device: always with OVERWRITE, only when nothing is found on
/// the device with NO_OVERWRITE.
fn format_device(def: &PoolDef, flags: StoragePoolBuildFlags) -> Result<()> {
    let Some(device) = def.source.devices.first().map(|d| d.path.clone()) else {
        return Err(Error::xml(D, "missing source device"));
    };
    let format = def.source.format.as_deref().unwrap_or("auto");
    let fstype = if format == "auto" { "ext4" } else { format };
    if flags.contains(StoragePoolBuildFlags::NO_OVERWRITE) {
        if let Some(blkid) = fsutil::find_program("blkid") {
            if let Ok(found) = fsutil::run(
                &blkid,
                &[
                    "-p".as_ref(),
                    "-o".as_ref(),
                    "value".as_ref(),
                    "-s".as_ref(),
                    "TYPE".as_ref(),
                    device.as_ref(),
                ],
            ) {
                let found = found.trim();
                if !found.is_empty() {
                    return Err(Error::new(
                        D,
                        ErrorCode::StoragePoolBuilt,
                        format!("Device '{device}' already formatted using '{found}'"),
                    ));
                }
            }
        }
    }
    let mkfs = fsutil::find_program("mkfs").ok_or_else(|| {
        Error::new(
            D,
            ErrorCode::OperationFailed,
            "mkfs is not available on this platform: Function not implemented",
        )
    })?;
    let mut args: Vec<&OsStr> = vec!["-t".as_ref(), fstype.as_ref()];
    // Each mkfs wants its own "yes, overwrite" switch.
    match fstype {
        "xfs" => args.push("-f".as_ref()),
        "ext2" | "ext3" | "ext4" => args.push("-F".as_ref()),
        "vfat" => args.push("-I".as_ref()),
        _ => {}
    }
    args.push(device.as_ref());
    fsutil::run(&mkfs, &args)?;
    Ok(())
}

/// The source argument of `mount` for an `fs` or `netfs` pool.
fn mount_source(def: &PoolDef) -> Result<String> {
    if def.pool_type == "fs" {
        return def
            .source
            .devices
            .first()
            .map(|d| d.path.clone())
            .ok_or_else(|| Error::internal(D, "missing source device"));
    }
    let host = def
        .source
        .hosts
        .first()
        .map(|h| h.0.clone())
        .ok_or_else(|| Error::internal(D, "missing source host"))?;
    let dir = def.source.dir.clone().unwrap_or_else(|| "/".to_string());
    Ok(match def.source.format.as_deref() {
        Some("cifs") => format!("//{host}/{dir}"),
        Some("glusterfs") => format!("{host}:{dir}"),
        _ => format!("{host}:{dir}"),
    })
}

/// Starts a pool: mounts `fs`/`netfs` targets (dir pools need nothing).
pub fn start(def: &PoolDef) -> Result<()> {
    if def.pool_type == "logical" {
        return logical::start(def);
    }
    if def.pool_type == "dir" || fsutil::is_mounted(target(def)) {
        return Ok(());
    }
    let mount = fsutil::find_program("mount")
        .ok_or_else(|| Error::internal(D, "unable to find 'mount'"))?;
    let source = mount_source(def)?;
    let fstype = def
        .source
        .format
        .clone()
        .unwrap_or_else(|| "auto".to_string());
    // libvirt mounts pools without devices, setuid programs or executables.
    let mut opts = vec!["nodev".to_string(), "nosuid".into(), "noexec".into()];
    match (def.pool_type.as_str(), fstype.as_str()) {
        ("netfs", "glusterfs") => opts.push("direct-io-mode=1".into()),
        ("netfs", "cifs") => opts.push("guest".into()),
        ("netfs", _) => {
            if let Some(v) = &def.source.protocol_ver {
                opts.push(format!("nfsvers={v}"));
            }
        }
        _ => {}
    }
    let opts = opts.join(",");
    let args: Vec<&OsStr> = vec![
        source.as_ref(),
        target(def).as_ref(),
        "-o".as_ref(),
        opts.as_ref(),
        "-t".as_ref(),
        fstype.as_ref(),
    ];
    fsutil::run(&mount, &args)?;
    Ok(())
}

/// Stops a pool: unmounts `fs`/`netfs` targets.
pub fn stop(def: &PoolDef) -> Result<()> {
    if def.pool_type == "logical" {
        return logical::stop(def);
    }
    if def.pool_type == "dir" || !fsutil::is_mounted(target(def)) {
        return Ok(());
    }
    let umount = fsutil::find_program("umount")
        .ok_or_else(|| Error::internal(D, "unable to find 'umount'"))?;
    fsutil::run(&umount, &[target(def).as_ref()])?;
    Ok(())
}

/// Lists the pool's volumes and updates its sizes and target permissions (libvirt's
/// `virStorageBackendRefreshLocal`).
pub fn refresh(def: &mut PoolDef) -> Result<Vec<VolumeDef>> {
    if def.pool_type == "logical" {
        return logical::refresh(def);
    }
    let path_text = target(def).to_string();
    let entries = fs::read_dir(&path_text).map_err(|e| {
        Error::system(
            ErrorDomain::None,
            &e,
            format!("cannot open directory '{path_text}'"),
        )
    })?;
    let mut volumes = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| {
            Error::system(
                ErrorDomain::None,
                &e,
                format!("Unable to read directory '{path_text}'"),
            )
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if fsutil::has_control_chars(&name) {
            tracing::warn!(pool = %def.name, "ignoring a file with control characters");
            continue;
        }
        if let Some(mut vol) = probe::discover(&path_text, &name)? {
            if def.refresh_volume_allocation.as_deref() == Some("capacity") {
                vol.allocation = vol.capacity;
            }
            volumes.push(vol);
        }
    }
    volumes.sort_by(|a, b| a.name.cmp(&b.name));
    let meta = fs::metadata(&path_text)
        .map_err(|e| Error::system(D, &e, format!("cannot stat path '{path_text}'")))?;
    let (capacity, available) = fsutil::fs_sizes(Path::new(&path_text))
        .map_err(|e| Error::system(D, &e, format!("cannot statvfs path '{path_text}'")))?;
    def.capacity = capacity;
    def.available = available;
    def.allocation = capacity.saturating_sub(available);
    def.target_perms = fsutil::perms_of(&meta);
    Ok(volumes)
}

/// Removes the pool's (empty) target directory.
pub fn delete(def: &PoolDef, flags: u32) -> Result<()> {
    if def.pool_type == "logical" {
        return logical::delete(def, flags);
    }
    if flags != 0 {
        return Err(Error::unsupported_flags(
            D,
            flags,
            "virStorageBackendDeleteLocal",
        ));
    }
    let path_text = target(def);
    fs::remove_dir(path_text)
        .map_err(|e| Error::system(D, &e, format!("failed to remove pool '{path_text}'")))
}
