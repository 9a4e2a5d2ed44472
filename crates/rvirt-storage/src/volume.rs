//! Volume operations on files: creating (raw files directly, other formats with
//! `qemu-img`), cloning, deleting, wiping and resizing, with libvirt's checks and messages
//! (`storage_util.c`). None of these hold the driver lock; the driver marks the volume busy
//! around them.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use rustix::fs::{FallocateFlags, SeekFrom};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result, WipeAlgorithm};
use rvirt_xml::storage::VolumeDef;

use crate::fsutil;

const D: ErrorDomain = ErrorDomain::Storage;

/// Default mode of a volume libvirt creates (`VIR_STORAGE_DEFAULT_VOL_PERM_MODE`).
pub const DEFAULT_VOL_MODE: u32 = 0o600;
const READ_CHUNK: usize = 1024 * 1024;
const MIN_WRITE_BLOCK: usize = 4096;

fn sys(e: &io::Error, context: String) -> Error {
    Error::system(D, e, context)
}

fn path_of(vol: &VolumeDef) -> &str {
    vol.target_path.as_deref().unwrap_or("")
}

fn format_of(vol: &VolumeDef) -> &str {
    vol.format.as_deref().unwrap_or("raw")
}

/// Builds a new volume's file, optionally from `input` (clone), as libvirt's
/// `storageBackendVolBuildLocal` chooses: raw files directly, directories with `mkdir`,
/// anything else (or any non-raw side of a clone) with `qemu-img`.
pub fn build(
    pool_path: &str,
    vol: &VolumeDef,
    input: Option<&VolumeDef>,
    prealloc_metadata: bool,
) -> Result<()> {
    if let Some(inp) = input {
        if vol.target.encryption.is_some() {
            return Err(Error::config_unsupported(
                D,
                "storage pool does not support building encrypted volumes from other volumes",
            ));
        }
        let needs_tool = (vol.vol_type == "file" && format_of(vol) != "raw")
            || (inp.vol_type == "file" && format_of(inp) != "raw");
        if needs_tool {
            return create_qemu_img(pool_path, vol, Some(inp), prealloc_metadata);
        }
        if vol.vol_type == "dir" {
            return create_dir(vol, Some(inp));
        }
        if vol.vol_type == "block" {
            return copy_to_block(vol, inp, prealloc_metadata);
        }
        return create_raw(vol, Some(inp), prealloc_metadata);
    }
    match format_of(vol) {
        "raw" if vol.target.encryption.is_none() => create_raw(vol, None, prealloc_metadata),
        "dir" => create_dir(vol, None),
        _ => create_qemu_img(pool_path, vol, None, prealloc_metadata),
    }
}

fn create_dir(vol: &VolumeDef, input: Option<&VolumeDef>) -> Result<()> {
    if input.is_some() {
        return Err(Error::internal(
            D,
            "cannot copy from volume to a directory volume",
        ));
    }
    if vol.backing_store.is_some() {
        return Err(Error::new(
            D,
            ErrorCode::NoSupport,
            "backing storage not supported for directories volumes",
        ));
    }
    let path = path_of(vol);
    let mode = vol.target.perms.mode.unwrap_or(DEFAULT_VOL_MODE);
    fs::DirBuilder::new()
        .mode(mode)
        .create(path)
        .map_err(|e| sys(&e, format!("failed to create directory '{path}'")))?;
    let result = (|| {
        let meta = fs::metadata(path).map_err(|e| sys(&e, format!("stat of '{path}' failed")))?;
        let (uid, gid) = fsutil::wanted_ids(&vol.target.perms);
        fsutil::apply_owner(Path::new(path), &meta, uid, gid)?;
        fsutil::apply_mode(Path::new(path), &meta, mode)
    })();
    if result.is_err() {
        let _ = fs::remove_dir(path);
    }
    result
}

fn create_raw(vol: &VolumeDef, input: Option<&VolumeDef>, prealloc_metadata: bool) -> Result<()> {
    if prealloc_metadata {
        return Err(Error::config_unsupported(
            D,
            "metadata preallocation is not supported for raw volumes",
        ));
    }
    if vol.backing_store.is_some() {
        return Err(Error::new(
            D,
            ErrorCode::NoSupport,
            "backing storage not supported for raw volumes",
        ));
    }
    if vol.target.encryption.is_some() {
        return Err(Error::config_unsupported(
            D,
            "storage pool does not support encrypted volumes",
        ));
    }
    let path = path_of(vol);
    let mode = vol.target.perms.mode.unwrap_or(DEFAULT_VOL_MODE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| sys(&e, format!("Failed to create file '{path}'")))?;
    let result = (|| {
        let meta = file
            .metadata()
            .map_err(|e| sys(&e, format!("stat of '{path}' failed")))?;
        let (uid, gid) = fsutil::wanted_ids(&vol.target.perms);
        fsutil::apply_owner(Path::new(path), &meta, uid, gid)?;
        // The process umask may have cut bits off the requested mode.
        file.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(|e| sys(&e, format!("cannot set mode of '{path}' to {mode:04o}")))?;
        fill_raw_file(&file, vol, input)
    })();
    if result.is_err() {
        let _ = fs::remove_file(path);
    }
    result
}

/// Copies a raw volume onto an existing block device (a new logical volume), every block
/// written since a device has no holes (libvirt's `storageBackendCreateBlockFrom`).
fn copy_to_block(vol: &VolumeDef, input: &VolumeDef, prealloc_metadata: bool) -> Result<()> {
    if prealloc_metadata {
        return Err(Error::config_unsupported(
            D,
            "metadata preallocation is not supported for block volumes",
        ));
    }
    let path = path_of(vol);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| sys(&e, format!("cannot create path '{path}'")))?;
    copy_into(&file, vol, input, false)?;
    let meta = file
        .metadata()
        .map_err(|e| sys(&e, format!("stat of '{path}' failed")))?;
    let (uid, gid) = fsutil::wanted_ids(&vol.target.perms);
    fsutil::apply_owner(Path::new(path), &meta, uid, gid)?;
    fsutil::apply_mode(
        Path::new(path),
        &meta,
        vol.target.perms.mode.unwrap_or(DEFAULT_VOL_MODE),
    )
}

/// Sizes, preallocates and (for clones) fills a new raw file (libvirt's `createRawFile`).
fn fill_raw_file(file: &File, vol: &VolumeDef, input: Option<&VolumeDef>) -> Result<()> {
    let path = path_of(vol);
    // A clone asking for less allocation than the source's capacity stays sparse.
    let mut need_alloc = input.is_none_or(|i| vol.allocation >= i.capacity);
    file.set_len(vol.capacity)
        .map_err(|e| sys(&e, format!("cannot extend file '{path}'")))?;
    if vol.allocation > 0 && need_alloc {
        match rustix::fs::fallocate(file, FallocateFlags::empty(), 0, vol.allocation) {
            Ok(()) => need_alloc = false,
            Err(e) if e == rustix::io::Errno::NOSYS || e == rustix::io::Errno::OPNOTSUPP => {}
            Err(e) => {
                return Err(sys(
                    &io::Error::from(e),
                    format!("cannot allocate {} bytes in file '{path}'", vol.allocation),
                ))
            }
        }
    }
    let mut pos = 0;
    if let Some(inp) = input {
        pos = copy_into(file, vol, inp, !need_alloc)?;
    }
    if need_alloc && vol.allocation > pos {
        write_zeros(file, pos, vol.allocation - pos)
            .map_err(|e| sys(&e, format!("cannot fill file '{path}'")))?;
    }
    file.sync_all()
        .map_err(|e| sys(&e, format!("cannot sync data to file '{path}'")))
}

fn write_zeros(file: &File, mut offset: u64, mut len: u64) -> io::Result<()> {
    let zeros = vec![0u8; READ_CHUNK];
    while len > 0 {
        let n = len.min(READ_CHUNK as u64) as usize;
        file.write_all_at(&zeros[..n], offset)?;
        offset += n as u64;
        len -= n as u64;
    }
    Ok(())
}

/// Copies the source volume into `out` from offset 0, skipping zero blocks (and the
/// source's holes) when `sparse`; returns how many source bytes were consumed.
fn copy_into(out: &File, vol: &VolumeDef, inp: &VolumeDef, sparse: bool) -> Result<u64> {
    let in_path = path_of(inp);
    let out_path = path_of(vol);
    let input = File::open(in_path)
        .map_err(|e| sys(&e, format!("could not open input path '{in_path}'")))?;
    let total = inp
        .capacity
        .min(input.metadata().map(|m| m.len()).unwrap_or(inp.capacity));
    let block = out
        .metadata()
        .map(|m| m.blksize() as usize)
        .unwrap_or(MIN_WRITE_BLOCK)
        .max(MIN_WRITE_BLOCK);
    let mut buf = vec![0u8; READ_CHUNK];
    let mut offset = 0u64;
    while offset < total {
        if sparse {
            // Jump over holes of the source without reading them.
            match rustix::fs::seek(&input, SeekFrom::Data(offset)) {
                Ok(data) if data >= total => break,
                Ok(data) => offset = data,
                Err(_) => {}
            }
        }
        let want = (total - offset).min(READ_CHUNK as u64) as usize;
        let got = input
            .read_at(&mut buf[..want], offset)
            .map_err(|e| sys(&e, format!("failed reading from file '{in_path}'")))?;
        if got == 0 {
            break;
        }
        for (i, chunk) in buf[..got].chunks(block).enumerate() {
            if sparse && chunk.iter().all(|b| *b == 0) {
                continue;
            }
            out.write_all_at(chunk, offset + (i * block) as u64)
                .map_err(|e| sys(&e, format!("failed writing to file '{out_path}'")))?;
        }
        offset += got as u64;
    }
    out.sync_data()
        .map_err(|e| sys(&e, format!("cannot sync data to file '{out_path}'")))?;
    Ok(offset.max(total))
}

/// The `-o` options libvirt passes to `qemu-img create`/`convert`.
fn qemu_img_options(
    vol: &VolumeDef,
    format: &str,
    backing: bool,
    prealloc: bool,
) -> Result<String> {
    let mut opts = Vec::new();
    if backing {
        if let Some(f) = vol.backing_store.as_ref().and_then(|b| b.format.as_deref()) {
            opts.push(format!("backing_fmt={f}"));
        }
    }
    if prealloc {
        // Metadata only when the volume is meant to be sparse, else all of it.
        let size_k = vol.capacity.div_ceil(1024);
        let alloc_k = vol.allocation.div_ceil(1024);
        opts.push(if size_k > alloc_k {
            "preallocation=metadata".to_string()
        } else {
            "preallocation=falloc".to_string()
        });
    }
    let compat = vol
        .target
        .compat
        .clone()
        .or_else(|| (format == "qcow2").then(|| "0.10".to_string()));
    if let Some(c) = &compat {
        opts.push(format!("compat={c}"));
    }
    if let Some(cs) = vol.target.cluster_size.filter(|c| *c > 0) {
        opts.push(format!("cluster_size={cs}"));
    }
    if format == "qcow2" && vol.target.features == Some(true) {
        if compat.as_deref() == Some("0.10") {
            return Err(Error::config_unsupported(
                D,
                "lazy_refcounts not supported with compat level 0.10",
            ));
        }
        opts.push("lazy_refcounts".to_string());
    }
    Ok(opts.join(","))
}

fn create_qemu_img(
    pool_path: &str,
    vol: &VolumeDef,
    input: Option<&VolumeDef>,
    prealloc: bool,
) -> Result<()> {
    let qemu_img = fsutil::find_program("qemu-img").ok_or_else(|| {
        Error::internal(
            D,
            "creation of non-raw file images is not supported without qemu-img.",
        )
    })?;
    if let Some(enc) = &vol.target.encryption {
        // libvirt fetches the passphrase from the secret driver first; this driver has no
        // secrets to offer, so a named secret is never found.
        let [(_, value, is_uuid)] = enc.secrets.as_slice() else {
            return Err(Error::invalid_arg(
                D,
                "A single <secret type='passphrase'...> element is expected in encryption description",
            ));
        };
        let detail = if *is_uuid {
            format!("no secret with matching uuid '{value}'")
        } else {
            format!("no secret with matching usage '{value}'")
        };
        return Err(Error::new(ErrorDomain::Secret, ErrorCode::NoSecret, detail));
    }
    let format = match format_of(vol) {
        "iso" => "raw",
        f => f,
    };
    if prealloc && format != "qcow2" {
        return Err(Error::config_unsupported(
            D,
            "metadata preallocation only available with qcow2",
        ));
    }
    if vol.target.compat.is_some() && format != "qcow2" {
        return Err(Error::config_unsupported(
            D,
            "compatibility option only available with qcow2",
        ));
    }
    if vol.target.features.is_some() && format != "qcow2" {
        return Err(Error::config_unsupported(
            D,
            "format features only available with qcow2",
        ));
    }
    let mut backing_path = None;
    if let Some(b) = &vol.backing_store {
        if format == "raw" {
            return Err(Error::config_unsupported(
                D,
                "cannot set backing store for raw volume",
            ));
        }
        if prealloc {
            return Err(Error::config_unsupported(
                D,
                "metadata preallocation conflicts with backing store",
            ));
        }
        let bpath = b.path.clone().unwrap_or_default();
        if let Some(inp) = input {
            let other = inp.backing_store.as_ref().and_then(|x| x.path.as_deref());
            if other.is_some_and(|o| o != bpath) {
                return Err(Error::internal(
                    D,
                    "a different backing store cannot be specified.",
                ));
            }
        }
        let absolute = if bpath.starts_with('/') {
            bpath.clone()
        } else {
            format!("{pool_path}/{bpath}")
        };
        if let Err(e) = File::open(&absolute) {
            return Err(sys(
                &e,
                format!("inaccessible backing store volume {bpath}"),
            ));
        }
        backing_path = Some(bpath);
    }
    let mut args: Vec<OsString> = Vec::new();
    if let Some(inp) = input {
        let in_format = match (inp.vol_type.as_str(), format_of(inp)) {
            ("block", _) | (_, "iso") => "raw",
            (_, f) => f,
        };
        args.extend(["convert", "-f", in_format, "-O", format].map(OsString::from));
        // The backing file is ignored when converting.
        backing_path = None;
    } else {
        args.extend(["create", "-f", format].map(OsString::from));
    }
    if let Some(b) = &backing_path {
        args.push("-b".into());
        args.push(b.into());
    }
    let opts = qemu_img_options(vol, format, backing_path.is_some(), prealloc)?;
    if !opts.is_empty() {
        args.push("-o".into());
        args.push(opts.into());
    }
    if let Some(inp) = input {
        args.push(path_of(inp).into());
    }
    let path = path_of(vol);
    args.push(path.into());
    let size_k = vol.capacity.div_ceil(1024);
    if input.is_none() && (size_k > 0 || backing_path.is_none()) {
        args.push(format!("{size_k}K").into());
    }
    let arg_refs: Vec<&OsStr> = args.iter().map(OsString::as_os_str).collect();
    if let Err(e) = fsutil::run(&qemu_img, &arg_refs) {
        let _ = fs::remove_file(path);
        return Err(e);
    }
    let result = (|| {
        let meta = fs::metadata(path).map_err(|e| sys(&e, format!("failed to create {path}")))?;
        let (uid, gid) = fsutil::wanted_ids(&vol.target.perms);
        fsutil::apply_owner(Path::new(path), &meta, uid, gid)?;
        let mode = vol.target.perms.mode.unwrap_or(DEFAULT_VOL_MODE);
        fsutil::apply_mode(Path::new(path), &meta, mode)
    })();
    if result.is_err() {
        let _ = fs::remove_file(path);
    }
    result
}

/// Removes a volume's file or directory; one already gone is not an error.
pub fn delete(vol: &VolumeDef) -> Result<()> {
    let path = path_of(vol);
    let (result, what) = if vol.vol_type == "dir" {
        (fs::remove_dir(path), "cannot remove directory")
    } else {
        (fs::remove_file(path), "cannot unlink file")
    };
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(sys(&e, format!("{what} '{path}'"))),
    }
}

/// `scrub`'s name of a wipe pattern.
fn scrub_pattern(algorithm: WipeAlgorithm) -> &'static str {
    match algorithm {
        WipeAlgorithm::Zero => "zero",
        WipeAlgorithm::Nnsa => "nnsa",
        WipeAlgorithm::Dod => "dod",
        WipeAlgorithm::Bsi => "bsi",
        WipeAlgorithm::Gutmann => "gutmann",
        WipeAlgorithm::Schneier => "schneier",
        WipeAlgorithm::Pfitzner7 => "pfitzner7",
        WipeAlgorithm::Pfitzner33 => "pfitzner33",
        WipeAlgorithm::Random => "random",
        WipeAlgorithm::Trim => "trim",
    }
}

/// Wipes a volume's content: zeros written over its allocation (or, for a sparse file, a
/// truncate to nothing and back), other patterns through `scrub`.
pub fn wipe(vol: &VolumeDef, algorithm: WipeAlgorithm) -> Result<()> {
    let path = path_of(vol);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| {
            sys(
                &e,
                format!("Failed to open storage volume with path '{path}'"),
            )
        })?;
    let meta = file.metadata().map_err(|e| {
        sys(
            &e,
            format!("Failed to stat storage volume with path '{path}'"),
        )
    })?;
    match algorithm {
        WipeAlgorithm::Trim => Err(Error::new(
            D,
            ErrorCode::ArgumentUnsupported,
            "'trim' algorithm not supported",
        )),
        WipeAlgorithm::Zero => {
            if meta.is_file() && meta.blocks() < meta.size() / 512 {
                file.set_len(0).map_err(|e| {
                    sys(
                        &e,
                        format!("Failed to truncate volume with path '{path}' to 0 bytes"),
                    )
                })?;
                file.set_len(meta.size()).map_err(|e| {
                    sys(
                        &e,
                        format!(
                            "Failed to truncate volume with path '{path}' to {} bytes",
                            meta.size()
                        ),
                    )
                })
            } else {
                let len = vol.allocation;
                let block = (meta.blksize() as usize).max(MIN_WRITE_BLOCK);
                let zeros = vec![0u8; block];
                let mut done = 0u64;
                while done < len {
                    let n = (len - done).min(block as u64) as usize;
                    file.write_all_at(&zeros[..n], done).map_err(|e| {
                        sys(
                            &e,
                            format!(
                                "Failed to write {n} bytes to storage volume with path '{path}'"
                            ),
                        )
                    })?;
                    done += n as u64;
                }
                file.sync_data()
                    .map_err(|e| sys(&e, format!("cannot sync data to volume with path '{path}'")))
            }
        }
        other => {
            let scrub = fsutil::find_program("scrub").ok_or_else(|| {
                Error::system(
                    ErrorDomain::None,
                    &io::Error::from_raw_os_error(2),
                    "Cannot find 'scrub' in path",
                )
            })?;
            drop(file);
            fsutil::run(
                &scrub,
                &[
                    "-f".as_ref(),
                    "-p".as_ref(),
                    scrub_pattern(other).as_ref(),
                    path.as_ref(),
                ],
            )
            .map(|_| ())
        }
    }
}

/// Changes a volume's capacity: raw files are truncated (and preallocated with
/// `allocate`), other formats go through `qemu-img resize`.
pub fn resize(vol: &VolumeDef, capacity: u64, allocate: bool) -> Result<()> {
    let path = path_of(vol);
    if format_of(vol) == "raw" {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| {
                Error::system(ErrorDomain::None, &e, format!("Unable to open '{path}'"))
            })?;
        let current = file.metadata().map(|m| m.len()).unwrap_or(0);
        if allocate && capacity > current {
            rustix::fs::fallocate(&file, FallocateFlags::empty(), current, capacity - current)
                .map_err(|e| {
                    Error::system(
                        ErrorDomain::None,
                        &io::Error::from(e),
                        format!("Failed to pre-allocate space for file '{path}'"),
                    )
                })?;
        }
        return file.set_len(capacity).map_err(|e| {
            Error::system(
                ErrorDomain::None,
                &e,
                format!("Failed to truncate file '{path}'"),
            )
        });
    }
    if allocate {
        return Err(Error::new(
            D,
            ErrorCode::OperationUnsupported,
            "preallocate is only supported for raw type volume",
        ));
    }
    let qemu_img = fsutil::find_program("qemu-img")
        .ok_or_else(|| Error::internal(D, "unable to find qemu-img"))?;
    // qemu-img refuses sizes that are not a multiple of 512.
    let rounded = capacity.div_ceil(512) * 512;
    let size = rounded.to_string();
    let mut args: Vec<&OsStr> = vec!["resize".as_ref()];
    if rounded < vol.capacity {
        args.push("--shrink".as_ref());
    }
    args.push(path.as_ref());
    args.push(size.as_ref());
    fsutil::run(&qemu_img, &args).map(|_| ())
}
