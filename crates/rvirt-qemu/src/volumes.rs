//! Disks backed by storage pool volumes (`<disk type='volume'><source pool='P' volume='V'/>`).
//!
//! As libvirt's `virDomainDiskTranslateSourcePool` does at start, each such disk is looked
//! up through the connection's storage driver and translated to the volume's file or block
//! device. The live XML keeps showing the pool and the volume (libvirt does too); only the
//! QEMU command line and the start-time checks see the translated path.

use rvirt_core::{
    Error, ErrorCode, ErrorDomain, Result, StorageDriver, StorageVolType, XmlInactiveFlags,
};
use rvirt_xml::domain::{DomainDef, Element};

/// Pool types whose volumes are local files, directories or block devices; the others
/// (rbd, gluster, iscsi-direct, ...) would need network disk sources.
const LOCAL_POOL_TYPES: &[&str] = &[
    "dir", "fs", "netfs", "logical", "disk", "scsi", "zfs", "vstorage",
];

/// Where a volume disk's data is: the disk `type` it stands for and the `<source>`
/// attribute that carries the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranslatedSource {
    pub disk_type: &'static str,
    pub source_attr: &'static str,
    pub path: String,
}

fn is_volume_disk(disk: &Element) -> bool {
    disk.name == "disk" && disk.attr("type") == Some("volume")
}

/// Whether any disk of `def` comes from a storage pool.
pub fn has_volume_disks(def: &DomainDef) -> bool {
    def.devices_of("disk").any(is_volume_disk)
}

/// The pool type named in a pool's XML (`<pool type='dir'>`).
fn pool_type(xml: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    doc.root_element().attribute("type").map(str::to_string)
}

/// Looks up the volume of one `type='volume'` disk and says where its data is, with
/// libvirt's errors: an unknown pool or volume as the storage driver reports it, an
/// inactive pool as an unsupported configuration.
pub fn translate_disk(storage: &dyn StorageDriver, disk: &Element) -> Result<TranslatedSource> {
    let source = disk.child("source");
    let pool_name = source.and_then(|s| s.attr("pool")).unwrap_or("");
    let volume_name = source.and_then(|s| s.attr("volume")).unwrap_or("");
    let pool = storage.storage_pool_lookup_by_name(pool_name)?;
    if !storage.storage_pool_is_active(&pool)? {
        return Err(Error::new(
            ErrorDomain::Domain,
            ErrorCode::ConfigUnsupported,
            format!("storage pool '{pool_name}' containing volume '{volume_name}' is not active"),
        ));
    }
    let vol = storage.storage_vol_lookup_by_name(&pool, volume_name)?;
    let info = storage.storage_vol_get_info(&vol)?;
    let kind = pool_type(&storage.storage_pool_get_xml_desc(&pool, XmlInactiveFlags::empty())?)
        .unwrap_or_default();
    if !LOCAL_POOL_TYPES.contains(&kind.as_str()) {
        return Err(Error::new(
            ErrorDomain::Domain,
            ErrorCode::ConfigUnsupported,
            format!("using '{kind}' pools for backing 'volume' disks isn't yet supported"),
        ));
    }
    let path = storage.storage_vol_get_path(&vol)?;
    let startup_policy = source.is_some_and(|s| s.has_attr("startupPolicy"));
    if startup_policy && info.kind != StorageVolType::File {
        return Err(Error::new(
            ErrorDomain::Domain,
            ErrorCode::XmlError,
            "'startupPolicy' is only valid for 'file' type volume",
        ));
    }
    let (disk_type, source_attr) = match info.kind {
        StorageVolType::File | StorageVolType::Ploop => ("file", "file"),
        StorageVolType::Block => ("block", "dev"),
        StorageVolType::Dir => ("dir", "dir"),
        StorageVolType::Network | StorageVolType::NetDir => {
            let vol_kind = if info.kind == StorageVolType::Network {
                "network"
            } else {
                "netdir"
            };
            return Err(Error::internal(
                ErrorDomain::Domain,
                format!(
                    "unexpected storage volume type '{vol_kind}' for storage pool type '{kind}'"
                ),
            ));
        }
    };
    Ok(TranslatedSource {
        disk_type,
        source_attr,
        path,
    })
}

/// The disk as QEMU sees it: `type` and `<source>` of the translated volume, everything
/// else (driver, target, address...) unchanged.
fn translated_disk(disk: &Element, source: &TranslatedSource) -> Element {
    let mut out = disk.clone();
    out.set_attr("type", source.disk_type);
    let mut src = Element::new("source").with_attr(source.source_attr, &source.path);
    if let Some(policy) = disk.child_attr("source", "startupPolicy") {
        src.set_attr("startupPolicy", policy);
    }
    for slot in out.children.iter_mut().filter(|c| c.name == "source") {
        *slot = src.clone();
    }
    out
}

/// Translates every volume disk of `live` (the definition being started) through
/// `storage`, last disk first as libvirt prepares them. Returns the definition to build
/// QEMU's command line and start-time checks from: `live` with each volume disk replaced by
/// its file or block device. `live` itself keeps its pool and volume, and gets the format
/// QEMU will use (`raw` unless the disk names one), as libvirt's live XML shows.
pub fn translate_sources(
    live: &mut DomainDef,
    storage: Option<&dyn StorageDriver>,
) -> Result<DomainDef> {
    let mut for_qemu = live.clone();
    if !has_volume_disks(live) {
        return Ok(for_qemu);
    }
    let positions: Vec<usize> = live
        .devices
        .iter()
        .enumerate()
        .filter(|(_, d)| is_volume_disk(d))
        .map(|(i, _)| i)
        .collect();
    for &pos in positions.iter().rev() {
        let translated = match storage {
            Some(storage) => translate_disk(storage, &live.devices[pos])?,
            None => {
                return Err(Error::new(
                    ErrorDomain::Storage,
                    ErrorCode::NoSupport,
                    "virStoragePoolLookupByName",
                ))
            }
        };
        let disk = &mut live.devices[pos];
        let driver = disk.child_or_insert("driver");
        if !driver.has_attr("name") {
            driver.set_attr("name", "qemu");
        }
        if !driver.has_attr("type") {
            driver.set_attr("type", "raw");
        }
        for_qemu.devices[pos] = translated_disk(disk, &translated);
    }
    Ok(for_qemu)
}

/// For statistics of a running guest: `def` with each volume disk that can be looked up
/// shown as its file or device (libvirt reports the translated path); `None` when `def`
/// has no volume disks. Lookups that fail leave their disk as it is.
pub fn with_volume_paths(
    def: &DomainDef,
    storage: Option<&dyn StorageDriver>,
) -> Option<DomainDef> {
    if !has_volume_disks(def) {
        return None;
    }
    let storage = storage?;
    let mut view = def.clone();
    for disk in view.devices.iter_mut().filter(|d| is_volume_disk(d)) {
        if let Ok(source) = translate_disk(storage, disk) {
            *disk = translated_disk(disk, &source);
        }
    }
    Some(view)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rvirt_core::{StoragePoolRef, StorageVolInfo, StorageVolRef};
    use rvirt_xml::domain::ParseOptions;

    /// Pools `files` (a dir pool, active), `lvm` (logical, block volumes) and `off`
    /// (inactive); any volume name exists in every pool.
    struct FakeStorage;

    impl StorageDriver for FakeStorage {
        fn storage_pool_lookup_by_name(&self, name: &str) -> Result<StoragePoolRef> {
            if !["files", "lvm", "off"].contains(&name) {
                return Err(Error::new(
                    ErrorDomain::Storage,
                    ErrorCode::NoStoragePool,
                    format!("no storage pool with matching name '{name}'"),
                ));
            }
            Ok(StoragePoolRef {
                name: name.into(),
                uuid: Default::default(),
            })
        }
        fn storage_pool_is_active(&self, pool: &StoragePoolRef) -> Result<bool> {
            Ok(pool.name != "off")
        }
        fn storage_pool_get_xml_desc(
            &self,
            pool: &StoragePoolRef,
            _flags: XmlInactiveFlags,
        ) -> Result<String> {
            let kind = if pool.name == "lvm" { "logical" } else { "dir" };
            Ok(format!(
                "<pool type='{kind}'><name>{}</name></pool>",
                pool.name
            ))
        }
        fn storage_vol_lookup_by_name(
            &self,
            pool: &StoragePoolRef,
            name: &str,
        ) -> Result<StorageVolRef> {
            Ok(StorageVolRef {
                pool: pool.name.clone(),
                name: name.into(),
                key: format!("/{}/{name}", pool.name),
            })
        }
        fn storage_vol_get_info(&self, vol: &StorageVolRef) -> Result<StorageVolInfo> {
            let kind = if vol.pool == "lvm" {
                StorageVolType::Block
            } else {
                StorageVolType::File
            };
            Ok(StorageVolInfo {
                kind,
                capacity: 1 << 20,
                allocation: 0,
            })
        }
        fn storage_vol_get_path(&self, vol: &StorageVolRef) -> Result<String> {
            Ok(vol.key.clone())
        }
    }

    fn domain(disks: &[(&str, &str)]) -> DomainDef {
        let mut xml = String::from(
            "<domain type='qemu'><name>d</name><memory>65536</memory>\
             <os><type arch='x86_64'>hvm</type></os><devices>",
        );
        for (i, (pool, vol)) in disks.iter().enumerate() {
            xml.push_str(&format!(
                "<disk type='volume' device='disk'><source pool='{pool}' volume='{vol}'/>\
                 <target dev='vd{}' bus='virtio'/></disk>",
                (b'a' + i as u8) as char
            ));
        }
        xml.push_str("</devices></domain>");
        DomainDef::parse(&xml, ParseOptions::default()).unwrap()
    }

    #[test]
    fn volumes_become_files_and_devices_for_qemu_only() {
        let mut live = domain(&[("files", "a.qcow2"), ("lvm", "lv0")]);
        let for_qemu = translate_sources(&mut live, Some(&FakeStorage)).unwrap();
        let qemu_disks: Vec<&Element> = for_qemu.devices_of("disk").collect();
        assert_eq!(qemu_disks[0].attr("type"), Some("file"));
        assert_eq!(
            qemu_disks[0].child_attr("source", "file"),
            Some("/files/a.qcow2")
        );
        assert_eq!(qemu_disks[1].attr("type"), Some("block"));
        assert_eq!(qemu_disks[1].child_attr("source", "dev"), Some("/lvm/lv0"));
        let live_disks: Vec<&Element> = live.devices_of("disk").collect();
        for disk in &live_disks {
            assert_eq!(disk.attr("type"), Some("volume"));
            assert_eq!(disk.child_attr("driver", "type"), Some("raw"));
        }
        assert_eq!(live_disks[1].child_attr("source", "volume"), Some("lv0"));
        let blockdevs = crate::command::disk_blockdevs(qemu_disks[1], 1).unwrap();
        assert!(blockdevs[0].build().contains("\"driver\":\"host_device\""));
    }

    #[test]
    fn errors_come_from_the_last_disk_first() {
        // vdb's pool is inactive and vda's is unknown: libvirt reports vdb.
        let mut live = domain(&[("nope", "a"), ("off", "b")]);
        let err = translate_sources(&mut live, Some(&FakeStorage)).unwrap_err();
        assert_eq!(
            (err.code, err.domain, err.message.as_str()),
            (
                ErrorCode::ConfigUnsupported,
                ErrorDomain::Domain,
                "unsupported configuration: storage pool 'off' containing volume 'b' is not active"
            )
        );
        let mut live = domain(&[("nope", "a"), ("files", "b")]);
        let err = translate_sources(&mut live, Some(&FakeStorage)).unwrap_err();
        assert_eq!(err.code, ErrorCode::NoStoragePool);
        let mut live = domain(&[("files", "a")]);
        let err = translate_sources(&mut live, None).unwrap_err();
        assert_eq!(err.code, ErrorCode::NoSupport);
    }

    #[test]
    fn statistics_see_the_paths_they_can_find() {
        let def = domain(&[("files", "a.qcow2"), ("off", "b")]);
        let view = with_volume_paths(&def, Some(&FakeStorage)).unwrap();
        let disks: Vec<&Element> = view.devices_of("disk").collect();
        assert_eq!(
            disks[0].child_attr("source", "file"),
            Some("/files/a.qcow2")
        );
        assert_eq!(disks[1].child_attr("source", "volume"), Some("b"));
        assert!(with_volume_paths(&domain(&[]), Some(&FakeStorage)).is_none());
    }

    #[test]
    fn domains_without_volumes_are_left_alone() {
        let mut live = domain(&[]);
        let before = live.clone();
        let for_qemu = translate_sources(&mut live, None).unwrap();
        assert_eq!(live, before);
        assert_eq!(for_qemu, before);
    }

    #[test]
    fn translated_disk_keeps_everything_but_the_source() {
        let disk = Element::new("disk")
            .with_attr("type", "volume")
            .with_attr("device", "disk")
            .with_child(Element::new("driver").with_attr("type", "qcow2"))
            .with_child(
                Element::new("source")
                    .with_attr("pool", "p")
                    .with_attr("volume", "v"),
            )
            .with_child(Element::new("target").with_attr("dev", "vda"));
        let out = translated_disk(
            &disk,
            &TranslatedSource {
                disk_type: "file",
                source_attr: "file",
                path: "/pool/v".into(),
            },
        );
        assert_eq!(out.attr("type"), Some("file"));
        assert_eq!(out.child_attr("source", "file"), Some("/pool/v"));
        assert_eq!(out.child_attr("source", "pool"), None);
        assert_eq!(out.child_attr("driver", "type"), Some("qcow2"));
        assert_eq!(out.child_attr("target", "dev"), Some("vda"));
    }

    #[test]
    fn pool_type_from_xml() {
        assert_eq!(
            pool_type("<pool type='logical'><name>x</name></pool>").as_deref(),
            Some("logical")
        );
        assert_eq!(pool_type("not xml"), None);
    }
}
