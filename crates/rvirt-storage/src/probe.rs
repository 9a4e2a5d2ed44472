//! Volume probing: what a file in a pool is (format, virtual size, backing chain, qcow2
//! compat level and features) and what `stat` says about it (allocation, ownership, times).
//!
//! Formats are recognised from their magic numbers as libvirt's `virStorageFileProbeFormat`
//! does; qcow2 headers are read directly, other image formats ask `qemu-img info` for their
//! virtual size.

use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::storage::{BackingStore, Permissions, VolumeDef, FILE_VOLUME_FORMATS};

use crate::fsutil::{self, perms_of, timestamps_of};

/// How much of a file libvirt reads to recognise it (`VIR_STORAGE_MAX_HEADER`).
const MAX_HEADER: usize = 0x8200;
const QCOW_MAGIC: &[u8] = b"QFI\xfb";
const QCOW2_EXT_BACKING_FORMAT: u32 = 0xE279_2ACA;
const QCOW2_EXT_END: u32 = 0;
/// `st_blocks` unit.
const BLOCK: u64 = 512;

/// What a file's header says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderInfo {
    /// libvirt's name of the format (`raw`, `qcow2`, `iso`, ...).
    pub format: String,
    /// Virtual size, when the format records one.
    pub capacity: Option<u64>,
    /// Backing file name exactly as stored.
    pub backing: Option<String>,
    pub backing_format: Option<String>,
    /// `1.1` for qcow2 version 3.
    pub compat: Option<String>,
    pub cluster_size: Option<u64>,
    /// qcow2 v3 features: `Some(lazy_refcounts)`.
    pub features: Option<bool>,
}

fn be32(buf: &[u8], off: usize) -> Option<u32> {
    buf.get(off..off + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn be64(buf: &[u8], off: usize) -> Option<u64> {
    let hi = be32(buf, off)?;
    let lo = be32(buf, off + 4)?;
    Some((u64::from(hi) << 32) | u64::from(lo))
}

fn le32(buf: &[u8], off: usize) -> Option<u32> {
    buf.get(off..off + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Recognises a format from the first bytes of a file; `raw` when nothing matches.
pub fn detect_format(buf: &[u8]) -> &'static str {
    let starts = |magic: &[u8]| buf.starts_with(magic);
    if starts(QCOW_MAGIC) {
        return match be32(buf, 4) {
            Some(1) => "qcow",
            Some(2 | 3) => "qcow2",
            _ => "raw",
        };
    }
    if starts(b"QED\0") {
        return "qed";
    }
    if starts(b"KDMV") {
        return "vmdk";
    }
    if starts(b"conectix") {
        return "vpc";
    }
    if le32(buf, 0x40) == Some(0xbeda_107f) {
        return "vdi";
    }
    if starts(b"OOOM") {
        return "cow";
    }
    if starts(b"Bochs Virtual HD Image") {
        return "bochs";
    }
    if starts(b"#!/bin/sh\n#V2.0 Format\nmodprobe cloop") {
        return "cloop";
    }
    if starts(b"WithoutFreeSpace") || starts(b"WithouFreSpacExt") {
        return "ploop";
    }
    if buf.get(0x8001..0x8006) == Some(b"CD001".as_slice()) {
        return "iso";
    }
    "raw"
}

/// Parses a qcow2 header: size, cluster size, backing file and its format, v3 features.
fn parse_qcow2(buf: &[u8], info: &mut HeaderInfo) {
    let version = be32(buf, 4).unwrap_or(2);
    info.capacity = be64(buf, 24);
    info.cluster_size = be32(buf, 20).filter(|b| *b < 64).map(|bits| 1u64 << bits);
    let backing_offset = be64(buf, 8).unwrap_or(0);
    let backing_size = be32(buf, 16).unwrap_or(0) as usize;
    if backing_offset > 0 && backing_size > 0 {
        let start = usize::try_from(backing_offset).unwrap_or(usize::MAX);
        if let Some(raw) = start
            .checked_add(backing_size)
            .and_then(|end| buf.get(start..end))
        {
            info.backing = Some(String::from_utf8_lossy(raw).into_owned());
        }
    }
    let header_len = if version >= 3 {
        info.compat = Some("1.1".to_string());
        info.features = Some(be64(buf, 80).unwrap_or(0) & 1 != 0);
        be32(buf, 100).unwrap_or(104) as usize
    } else {
        72
    };
    // Header extensions follow the header, up to the backing file name.
    let limit = if backing_offset > 0 {
        usize::try_from(backing_offset)
            .unwrap_or(usize::MAX)
            .min(buf.len())
    } else {
        buf.len()
    };
    let mut off = header_len;
    while off + 8 <= limit {
        let (Some(kind), Some(len)) = (be32(buf, off), be32(buf, off + 4)) else {
            break;
        };
        let len = len as usize;
        if kind == QCOW2_EXT_END {
            break;
        }
        let data_start = off + 8;
        if kind == QCOW2_EXT_BACKING_FORMAT {
            if let Some(raw) = buf.get(data_start..data_start + len) {
                info.backing_format = Some(String::from_utf8_lossy(raw).into_owned());
            }
        }
        off = data_start + len.div_ceil(8) * 8;
    }
}

/// The name qemu-img knows a libvirt format by.
pub fn qemu_format_name(format: &str) -> &str {
    match format {
        "ploop" => "parallels",
        "iso" => "raw",
        other => other,
    }
}

/// Virtual size of an image in a format rvirt does not parse itself, from `qemu-img info`.
fn qemu_img_virtual_size(path: &Path, format: &str) -> Option<u64> {
    let qemu_img = fsutil::find_program("qemu-img")?;
    let out = fsutil::run(
        &qemu_img,
        &[
            "info".as_ref(),
            "--output=json".as_ref(),
            "-f".as_ref(),
            qemu_format_name(format).as_ref(),
            path.as_os_str(),
        ],
    )
    .ok()?;
    let v: serde_json::Value = serde_json::from_str(&out).ok()?;
    v.get("virtual-size")?.as_u64()
}

/// Reads and interprets the header of the file at `path`.
pub fn read_header(path: &Path) -> io::Result<HeaderInfo> {
    let mut f = File::open(path)?;
    let mut buf = Vec::with_capacity(MAX_HEADER);
    f.by_ref().take(MAX_HEADER as u64).read_to_end(&mut buf)?;
    let format = detect_format(&buf);
    let mut info = HeaderInfo {
        format: format.to_string(),
        ..Default::default()
    };
    match format {
        "qcow2" => parse_qcow2(&buf, &mut info),
        "raw" | "iso" | "cow" => {}
        other => info.capacity = qemu_img_virtual_size(path, other),
    }
    Ok(info)
}

/// A backing file as libvirt lists it: its path resolved against the image's directory,
/// its format (from the image, else probed, else raw), its permissions and times.
fn backing_store(image: &Path, info: &HeaderInfo) -> Option<BackingStore> {
    let raw = info.backing.as_ref()?;
    if raw.contains("://") || raw.starts_with("json:") {
        return Some(BackingStore {
            path: Some(raw.clone()),
            format: Some("raw".to_string()),
            perms: Permissions::default(),
            timestamps: None,
        });
    }
    let path = if raw.starts_with('/') {
        raw.clone()
    } else {
        let dir = image.parent().unwrap_or_else(|| Path::new("/"));
        format!("{}/{}", dir.display(), raw)
    };
    let format = match &info.backing_format {
        Some(f) if FILE_VOLUME_FORMATS.contains(&f.as_str()) && f != "none" => f.clone(),
        _ => read_header(Path::new(&path))
            .map(|h| h.format)
            .unwrap_or_else(|_| "raw".to_string()),
    };
    let mut store = BackingStore {
        path: Some(path),
        format: Some(format),
        perms: Permissions::default(),
        timestamps: None,
    };
    update_backing(&mut store);
    Some(store)
}

/// Fills a backing store's permissions and times from `stat`; a missing file leaves them
/// empty, as libvirt does.
fn update_backing(store: &mut BackingStore) {
    let Some(path) = store.path.as_deref() else {
        return;
    };
    if let Ok(meta) = fs::metadata(path) {
        store.perms = perms_of(&meta);
        store.timestamps = Some(timestamps_of(&meta));
    }
}

/// Sizes from `stat`: (capacity, allocation, physical). Directories have none; a block
/// device is as large as seeking to its end says, all of it allocated.
fn stat_sizes(path: &Path, meta: &fs::Metadata) -> (u64, u64, u64) {
    if meta.is_dir() {
        (0, 0, 0)
    } else if meta.file_type().is_block_device() {
        let end = File::open(path)
            .and_then(|mut f| io::Seek::seek(&mut f, io::SeekFrom::End(0)))
            .unwrap_or(0);
        (end, end, end)
    } else {
        (meta.size(), meta.blocks() * BLOCK, meta.size())
    }
}

/// Discovers the pool entry `name` under `pool_path` as a pool refresh does. `Ok(None)` for
/// entries libvirt silently skips (vanished files, dangling links, sockets, FIFOs, devices,
/// unreadable files).
pub fn discover(pool_path: &str, name: &str) -> Result<Option<VolumeDef>> {
    let path_text = format!("{pool_path}/{name}");
    let path = Path::new(&path_text);
    let lmeta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::system(
                ErrorDomain::Storage,
                &e,
                format!("cannot stat file '{path_text}'"),
            ))
        }
    };
    let lt = lmeta.file_type();
    if lt.is_fifo() || lt.is_socket() {
        return Ok(None);
    }
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied
            ) || e.raw_os_error() == Some(40) =>
        {
            return Ok(None)
        }
        Err(e) => {
            return Err(Error::system(
                ErrorDomain::Storage,
                &e,
                format!("cannot open volume '{path_text}'"),
            ))
        }
    };
    let mut def = VolumeDef {
        name: name.to_string(),
        key: Some(path_text.clone()),
        vol_type: "file".to_string(),
        target_path: Some(path_text.clone()),
        ..Default::default()
    };
    if meta.is_dir() {
        def.vol_type = "dir".to_string();
        def.format = Some("dir".to_string());
        fill_from_stat(&mut def, &meta);
        return Ok(Some(def));
    }
    if !meta.is_file() {
        return Ok(None);
    }
    let header = match read_header(path) {
        Ok(h) => h,
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => return Ok(None),
        Err(e) => {
            return Err(Error::system(
                ErrorDomain::Storage,
                &e,
                format!("cannot read header '{path_text}'"),
            ))
        }
    };
    fill_from_stat(&mut def, &meta);
    if let Some(cap) = header.capacity.filter(|c| *c > 0) {
        def.capacity = cap;
    }
    def.format = Some(header.format.clone());
    def.target.compat = header.compat.clone();
    def.target.cluster_size = header.cluster_size;
    def.target.features = header.features;
    def.backing_store = backing_store(path, &header);
    Ok(Some(def))
}

fn fill_from_stat(def: &mut VolumeDef, meta: &fs::Metadata) {
    let path = def.target_path.clone().unwrap_or_default();
    let (capacity, allocation, physical) = stat_sizes(Path::new(&path), meta);
    def.capacity = capacity;
    def.allocation = allocation;
    def.physical = (physical > 0).then_some(physical);
    def.target.perms = perms_of(meta);
    def.target.timestamps = Some(timestamps_of(meta));
}

/// Updates a known volume from the file (libvirt's `refreshVol`): sizes, ownership, times,
/// the virtual size of image formats, and its backing file's details. The format stays.
pub fn refresh(def: &mut VolumeDef) -> Result<()> {
    let path_text = def.target_path.clone().unwrap_or_default();
    let path = Path::new(&path_text);
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::new(
                ErrorDomain::Storage,
                ErrorCode::NoStorageVol,
                format!("no storage vol with matching path '{path_text}'"),
            ))
        }
        Err(e) => {
            return Err(Error::system(
                ErrorDomain::Storage,
                &e,
                format!("cannot stat file '{path_text}'"),
            ))
        }
    };
    fill_from_stat(def, &meta);
    let format = def.format.as_deref().unwrap_or("raw");
    if meta.is_file() && !matches!(format, "raw" | "iso" | "dir") {
        let header = read_header(path).map_err(|e| {
            Error::system(
                ErrorDomain::Storage,
                &e,
                format!("cannot read header '{path_text}'"),
            )
        })?;
        if let Some(cap) = header.capacity.filter(|c| *c > 0) {
            def.capacity = cap;
        }
    }
    if let Some(b) = def.backing_store.as_mut() {
        update_backing(b);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers() {
        assert_eq!(detect_format(b"QFI\xfb\0\0\0\x03rest"), "qcow2");
        assert_eq!(detect_format(b"QFI\xfb\0\0\0\x01rest"), "qcow");
        assert_eq!(detect_format(b"hello"), "raw");
        let mut iso = vec![0u8; 0x8010];
        iso[0x8001..0x8006].copy_from_slice(b"CD001");
        assert_eq!(detect_format(&iso), "iso");
    }

    #[test]
    fn qcow2_header_fields() {
        // A v3 header with lazy refcounts, a backing file and a backing format extension.
        let mut buf = vec![0u8; 512];
        buf[..4].copy_from_slice(QCOW_MAGIC);
        buf[4..8].copy_from_slice(&3u32.to_be_bytes());
        buf[8..16].copy_from_slice(&400u64.to_be_bytes());
        buf[16..20].copy_from_slice(&5u32.to_be_bytes());
        buf[20..24].copy_from_slice(&16u32.to_be_bytes());
        buf[24..32].copy_from_slice(&(1u64 << 30).to_be_bytes());
        buf[80..88].copy_from_slice(&1u64.to_be_bytes());
        buf[100..104].copy_from_slice(&112u32.to_be_bytes());
        buf[112..116].copy_from_slice(&QCOW2_EXT_BACKING_FORMAT.to_be_bytes());
        buf[116..120].copy_from_slice(&3u32.to_be_bytes());
        buf[120..123].copy_from_slice(b"raw");
        buf[400..405].copy_from_slice(b"b.img");
        let mut info = HeaderInfo::default();
        parse_qcow2(&buf, &mut info);
        assert_eq!(info.capacity, Some(1 << 30));
        assert_eq!(info.cluster_size, Some(65536));
        assert_eq!(info.backing.as_deref(), Some("b.img"));
        assert_eq!(info.backing_format.as_deref(), Some("raw"));
        assert_eq!(info.compat.as_deref(), Some("1.1"));
        assert_eq!(info.features, Some(true));
    }
}
