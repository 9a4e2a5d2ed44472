//! `undefine --storage/--remove-all-storage`: choosing the domain's disks whose volumes go
//! away with it, and removing them after the domain is undefined, as virsh does.

use rvirt::{DomainRef, DomainXmlFlags, StorageVolDeleteFlags, StorageVolRef, WipeAlgorithm};
use rvirt_xml::domain::{DomainDef, ParseOptions};

use crate::ctl::{Ctl, Failure, OptAccess};
use crate::vsh::parser::ParsedCmd;

/// A disk whose volume is to be removed.
pub struct DoomedVolume {
    /// The disk's target (`vda`).
    pub target: String,
    /// The source as virsh names it in messages (path, or volume name for volume disks).
    pub source: String,
    pub volume: StorageVolRef,
}

/// Whether the command asks for storage removal at all; checks the options' combination.
pub fn requested(cmd: &ParsedCmd) -> Result<bool, Failure> {
    if cmd.has("delete-storage-volume-snapshots") && !cmd.has("remove-all-storage") {
        return Err(Failure::msg(
            "Option --remove-all-storage is required by option --delete-storage-volume-snapshots",
        ));
    }
    Ok(cmd.string("storage")?.is_some() || cmd.has("remove-all-storage"))
}

/// Selects the volumes to remove; fails when `--storage` names a disk the domain lacks.
/// Disks whose source is not a volume libvirt manages are reported and skipped.
pub fn select(ctl: &Ctl, cmd: &ParsedCmd, dom: &DomainRef) -> Result<Vec<DoomedVolume>, Failure> {
    let conn = ctl.conn()?;
    let xml = conn
        .hypervisor
        .domain_get_xml_desc(dom, DomainXmlFlags::empty())?;
    let def = DomainDef::parse(&xml, ParseOptions { live: dom.id >= 0 })?;
    let disks: Vec<(String, String, bool)> = def
        .disk_summaries()
        .into_iter()
        .filter_map(|d| {
            let is_volume = d.disk_type == "volume";
            d.source.map(|s| (d.target_dev, s, is_volume))
        })
        .collect();
    let wanted: Option<Vec<String>> = cmd
        .string("storage")?
        .map(|list| list.split(',').map(str::to_string).collect());
    if let Some(names) = &wanted {
        for name in names {
            if !disks.iter().any(|(t, s, _)| t == name || s == name) {
                return Err(Failure::msg(format!(
                    "Volume '{name}' was not found in domain's definition.\n"
                )));
            }
        }
    }
    let all = cmd.has("remove-all-storage");
    let mut doomed = Vec::new();
    for (target, source, is_volume) in disks {
        let selected = all
            || wanted
                .as_ref()
                .is_some_and(|names| names.iter().any(|n| *n == target || *n == source));
        if !selected {
            continue;
        }
        let (found, shown) = if is_volume {
            let (pool_name, vol_name) = source.split_once('/').unwrap_or(("", &source));
            let found = conn
                .storage
                .storage_pool_lookup_by_name(pool_name)
                .and_then(|p| conn.storage.storage_vol_lookup_by_name(&p, vol_name));
            (found, vol_name.to_string())
        } else {
            (
                conn.storage.storage_vol_lookup_by_path(&source),
                source.clone(),
            )
        };
        match found {
            Ok(volume) => doomed.push(DoomedVolume {
                target,
                source: shown,
                volume,
            }),
            // virsh's message ends with its own newline, hence the empty line after it.
            Err(_) => ctl.report(&Failure::msg(format!(
                "Storage volume '{target}'({shown}) is not managed by libvirt. Remove it manually.\n"
            ))),
        }
    }
    Ok(doomed)
}

/// Wipes (when asked) and deletes the selected volumes; true when all went away.
pub fn remove(ctl: &Ctl, cmd: &ParsedCmd, doomed: &[DoomedVolume]) -> Result<bool, Failure> {
    let conn = ctl.conn()?;
    let mut flags = StorageVolDeleteFlags::empty();
    if cmd.has("delete-storage-volume-snapshots") {
        flags |= StorageVolDeleteFlags::WITH_SNAPSHOTS;
    }
    let mut all_ok = true;
    for d in doomed {
        if cmd.has("wipe-storage") {
            ctl.print_extra(&format!("Wiping volume '{}'({}) ... ", d.target, d.source));
            match ctl.writable("virStorageVolWipe").and_then(|_| {
                conn.storage
                    .storage_vol_wipe(&d.volume, WipeAlgorithm::Zero, 0)
            }) {
                Ok(()) => ctl.print_extra("done.\n"),
                Err(e) => {
                    ctl.report(&Failure::with("Failed! Volume not removed.", &e));
                    all_ok = false;
                    continue;
                }
            }
        }
        match ctl
            .writable("virStorageVolDelete")
            .and_then(|_| conn.storage.storage_vol_delete(&d.volume, flags))
        {
            Ok(()) => ctl.print_extra(&format!("Volume '{}'({}) removed.\n", d.target, d.source)),
            Err(e) => {
                ctl.report(&Failure::with(
                    format!(
                        "Failed to remove storage volume '{}'({})",
                        d.target, d.source
                    ),
                    &e,
                ));
                all_ok = false;
            }
        }
    }
    Ok(all_ok)
}
