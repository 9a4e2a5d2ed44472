//! Storage volumes: listing, creating (from files, arguments or other volumes), resizing,
//! wiping and deleting them.

use rvirt::{
    uuid_string, StorageVolCreateFlags, StorageVolDeleteFlags, StorageVolRef,
    StorageVolResizeFlags, WipeAlgorithm,
};
use serde_json::{json, Value};

use crate::ctl::{CmdResult, Ctl, Failure, OptAccess};
use crate::lookup::{self, By};
use crate::util::{parse_scaled, pretty_capacity, read_file, Table};
use crate::vsh::parser::ParsedCmd;
use crate::vsh::spec::*;

const VOL: OptDef = data("vol", "the volume, by name, key or path");
const POOL_OPT: OptDef = string("pool", "the pool, by name or UUID");

pub fn commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new(
            "vol-clone",
            "copy a volume within its pool.",
            "Make a new volume in the same pool holding a copy of an existing one.",
            cmd_clone,
        )
        .opts(&[
            VOL,
            data("newname", "name of the copy"),
            POOL_OPT,
            flag(
                "prealloc-metadata",
                "allocate only the metadata up front (qcow2)",
            ),
            flag("reflink", "make a copy-on-write reflink (btrfs)"),
            flag("print-xml", "only print the XML of the copy"),
        ]),
        CmdDef::new(
            "vol-create-as",
            "make a volume described by options",
            "Make a new volume in a pool.",
            cmd_create_as,
        )
        .opts(&[
            data("pool", "the pool, by name or UUID"),
            data("name", "the new volume's name"),
            data(
                "capacity",
                "capacity, a scaled integer (bytes when no unit)",
            ),
            string(
                "allocation",
                "space to allocate now, a scaled integer (bytes when no unit)",
            ),
            string("format", "format: raw, bochs, qcow, qcow2, qed or vmdk"),
            string("backing-vol", "backing volume for a copy-on-write overlay"),
            string("backing-vol-format", "format of that backing volume"),
            flag(
                "prealloc-metadata",
                "allocate only the metadata up front (qcow2)",
            ),
            flag("print-xml", "only print the XML that would be used"),
        ]),
        CmdDef::new(
            "vol-create",
            "make a volume described by an XML file",
            "Make a new volume in a pool.",
            cmd_create,
        )
        .opts(&[
            data("pool", "the pool, by name or UUID"),
            data("file", "path of the volume's XML description"),
            flag(
                "prealloc-metadata",
                "allocate only the metadata up front (qcow2)",
            ),
            flag("validate", "check the XML against the RNG schema"),
        ]),
        CmdDef::new(
            "vol-create-from",
            "make a volume filled from another volume",
            "Make a new volume whose contents come from an existing one.",
            cmd_create_from,
        )
        .opts(&[
            data("pool", "the pool, by name or UUID"),
            data("file", "path of the volume's XML description"),
            VOL,
            string("inputpool", "pool of the source volume, by name or UUID"),
            flag(
                "prealloc-metadata",
                "allocate only the metadata up front (qcow2)",
            ),
            flag("reflink", "make a copy-on-write reflink (btrfs)"),
            flag("validate", "check the XML against the RNG schema"),
        ]),
        CmdDef::new(
            "vol-delete",
            "remove a volume",
            "Remove the volume and its data.",
            cmd_delete,
        )
        .opts(&[
            VOL,
            POOL_OPT,
            flag(
                "delete-snapshots",
                "also delete the volume's snapshots (when the driver can)",
            ),
        ]),
        CmdDef::new(
            "vol-dumpxml",
            "print a volume's XML description",
            "Print the XML description of the volume on standard output.",
            cmd_dumpxml,
        )
        .opts(&[
            VOL,
            POOL_OPT,
            named_string("xpath", "XPath expression selecting what to print"),
            flag("wrap", "put the XPath results under one root element"),
        ]),
        CmdDef::new(
            "vol-info",
            "storage volume summary",
            "Print the type and sizes of a storage volume.",
            cmd_info,
        )
        .opts(&[
            VOL,
            POOL_OPT,
            flag("bytes", "print sizes in bytes"),
            flag("physical", "show the physical size as the allocation"),
            JSON,
        ]),
        CmdDef::new("vol-key", "print a volume's key", "", cmd_key)
            .opts(&[data("vol", "the volume, by name or path"), POOL_OPT]),
        CmdDef::new(
            "vol-list",
            "show volumes",
            "Print a table of the volumes in a pool.",
            cmd_list,
        )
        .opts(&[
            data("pool", "the pool, by name or UUID"),
            flag("details", "add type, capacity and allocation columns"),
            JSON,
        ]),
        CmdDef::new("vol-name", "print a volume's name", "", cmd_name)
            .opts(&[data("vol", "the volume, by key or path")]),
        CmdDef::new("vol-path", "print a volume's path", "", cmd_path)
            .opts(&[data("vol", "the volume, by name or key"), POOL_OPT]),
        CmdDef::new("vol-pool", "print the pool holding a volume", "", cmd_pool).opts(&[
            data("vol", "the volume, by key or path"),
            flag("uuid", "print the pool's UUID instead of its name"),
        ]),
        CmdDef::new(
            "vol-resize",
            "change a volume's capacity",
            "Grow or shrink a volume; only do this to volumes no running guest is using.",
            cmd_resize,
        )
        .opts(&[
            VOL,
            data(
                "capacity",
                "new capacity, a scaled integer (bytes when no unit)",
            ),
            POOL_OPT,
            flag(
                "allocate",
                "allocate the added space now instead of leaving it sparse",
            ),
            flag(
                "delta",
                "treat the capacity as a change to the current size",
            ),
            flag("shrink", "permit making the volume smaller"),
        ]),
        CmdDef::new(
            "vol-wipe",
            "erase a volume's data",
            "Overwrite the volume so its former contents cannot be read back.",
            cmd_wipe,
        )
        .opts(&[VOL, POOL_OPT, string("algorithm", "wiping pattern to use")]),
    ]
}

fn vol_type_name(vol: &StorageVolRef, ctl: &Ctl) -> Option<rvirt::StorageVolInfo> {
    ctl.conn()
        .ok()
        .and_then(|c| c.storage.storage_vol_get_info(vol).ok())
}

fn cmd_list(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (pool, _) = lookup::pool(ctl, cmd, By::ALL)?;
    let drv = ctl.conn()?.storage.clone();
    let mut vols = drv
        .storage_pool_list_all_volumes(&pool, 0)
        .map_err(|e| Failure::with("Failed to list volumes", &e))?;
    vols.sort_by(|a, b| a.name.cmp(&b.name));
    let details = cmd.has("details");
    let rows: Vec<(StorageVolRef, String, Option<rvirt::StorageVolInfo>)> = vols
        .into_iter()
        .map(|v| {
            let path = drv.storage_vol_get_path(&v).unwrap_or_default();
            let info = vol_type_name(&v, ctl);
            (v, path, info)
        })
        .collect();
    if cmd.has("json") {
        let items: Vec<Value> = rows
            .iter()
            .map(|(v, path, info)| {
                json!({
                    "name": v.name,
                    "path": path,
                    "type": info.map(|i| i.kind.name()),
                    "capacity": info.map(|i| i.capacity),
                    "allocation": info.map(|i| i.allocation),
                })
            })
            .collect();
        ctl.print_json(&Value::Array(items));
        return Ok(());
    }
    let mut table = if details {
        Table::new(&["Name", "Path", "Type", "Capacity", "Allocation"])
    } else {
        Table::new(&["Name", "Path"])
    };
    for (v, path, info) in rows {
        if details {
            let (kind, cap, alloc) = match info {
                Some(i) => (
                    i.kind.name().to_string(),
                    pretty_capacity(i.capacity),
                    pretty_capacity(i.allocation),
                ),
                None => ("unknown".into(), "unknown".into(), "unknown".into()),
            };
            table.row(vec![v.name.clone(), path, kind, cap, alloc]);
        } else {
            table.row(vec![v.name.clone(), path]);
        }
    }
    table.print(ctl);
    Ok(())
}

fn cmd_info(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (vol, _) = lookup::volume(ctl, cmd, "vol", "pool", By::ALL)?;
    if !cmd.has("json") {
        // virsh prints the name before asking for the sizes.
        ctl.print(&format!("{:<15} {}\n", "Name:", vol.name));
    }
    if cmd.has("physical") {
        // Needs virStorageVolGetInfoFlags, which the driver interface does not carry yet.
        return Err(rvirt::Error::no_support(
            rvirt::ErrorDomain::Storage,
            "virStorageVolGetInfoFlags",
        )
        .into());
    }
    let info = ctl.conn()?.storage.storage_vol_get_info(&vol)?;
    if cmd.has("json") {
        ctl.print_json(&json!({
            "name": vol.name,
            "type": info.kind.name(),
            "capacity": info.capacity,
            "allocation": info.allocation,
        }));
        return Ok(());
    }
    let size = |v: u64| {
        if cmd.has("bytes") {
            format!("{v} bytes")
        } else {
            pretty_capacity(v)
        }
    };
    let mut out = format!("{:<15} {}\n", "Type:", info.kind.name());
    out.push_str(&format!("{:<15} {}\n", "Capacity:", size(info.capacity)));
    let label = if cmd.has("physical") {
        "Physical:"
    } else {
        "Allocation:"
    };
    out.push_str(&format!("{label:<15} {}\n", size(info.allocation)));
    ctl.print(&out);
    Ok(())
}

fn cmd_dumpxml(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (vol, _) = lookup::volume(ctl, cmd, "vol", "pool", By::ALL)?;
    let xml = ctl.conn()?.storage.storage_vol_get_xml_desc(&vol, 0)?;
    crate::xpath::print_xml(ctl, cmd, &xml)
}

fn create_flags(cmd: &ParsedCmd) -> StorageVolCreateFlags {
    let mut flags = StorageVolCreateFlags::empty();
    if cmd.has("prealloc-metadata") {
        flags |= StorageVolCreateFlags::PREALLOC_METADATA;
    }
    if cmd.has("reflink") {
        flags |= StorageVolCreateFlags::REFLINK;
    }
    if cmd.has("validate") {
        flags |= StorageVolCreateFlags::VALIDATE;
    }
    flags
}

fn cmd_create(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (pool, _) = lookup::pool(ctl, cmd, By::ALL)?;
    let file = cmd.required("file")?;
    let xml = read_file(file)?;
    let flags = create_flags(cmd);
    match ctl
        .writable("virStorageVolCreateXML")
        .and_then(|c| c.storage.storage_vol_create_xml(&pool, &xml, flags))
    {
        Ok(vol) => {
            ctl.print_extra(&format!("Vol {} created from {file}\n", vol.name));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to create vol from {file}"),
            &e,
        )),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}

fn cmd_create_as(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (pool, _) = lookup::pool(ctl, cmd, By::ALL)?;
    let name = cmd.required("name")?.to_string();
    let capacity_text = cmd.required("capacity")?;
    let capacity = parse_scaled(capacity_text, 1)
        .ok_or_else(|| Failure::msg(format!("Malformed size {capacity_text}")))?;
    let mut xml = format!(
        "<volume>\n  <name>{}</name>\n  <capacity>{capacity}</capacity>\n",
        escape(&name)
    );
    if let Some(alloc_text) = cmd.string("allocation")? {
        let alloc = parse_scaled(alloc_text, 1)
            .ok_or_else(|| Failure::msg(format!("Malformed size {alloc_text}")))?;
        xml.push_str(&format!("  <allocation>{alloc}</allocation>\n"));
    }
    if let Some(format) = cmd.string("format")? {
        xml.push_str(&format!(
            "  <target>\n    <format type='{}'/>\n  </target>\n",
            escape(format)
        ));
    }
    if let Some(backing) = cmd.string("backing-vol")? {
        let storage = ctl.conn()?.storage.clone();
        let found = storage
            .storage_vol_lookup_by_name(&pool, backing)
            .or_else(|_| storage.storage_vol_lookup_by_key(backing))
            .or_else(|_| storage.storage_vol_lookup_by_path(backing));
        let backing_vol = found
            .map_err(|e| Failure::with(format!("Could not find backing volume '{backing}'"), &e))?;
        let path = storage.storage_vol_get_path(&backing_vol)?;
        xml.push_str(&format!(
            "  <backingStore>\n    <path>{}</path>\n",
            escape(&path)
        ));
        if let Some(bf) = cmd.string("backing-vol-format")? {
            xml.push_str(&format!("    <format type='{}'/>\n", escape(bf)));
        }
        xml.push_str("  </backingStore>\n");
    }
    xml.push_str("</volume>\n");
    if cmd.has("print-xml") {
        ctl.print(&xml);
        return Ok(());
    }
    let flags = create_flags(cmd);
    match ctl
        .writable("virStorageVolCreateXML")
        .and_then(|c| c.storage.storage_vol_create_xml(&pool, &xml, flags))
    {
        Ok(vol) => {
            ctl.print_extra(&format!("Vol {} created\n", vol.name));
            Ok(())
        }
        Err(e) => Err(Failure::with(format!("Failed to create vol {name}"), &e)),
    }
}

fn cmd_create_from(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (pool, _) = lookup::pool(ctl, cmd, By::ALL)?;
    let file = cmd.required("file")?.to_string();
    let (input, _) = lookup::volume(ctl, cmd, "vol", "inputpool", By::ALL)?;
    let xml = read_file(&file)?;
    let flags = create_flags(cmd);
    match ctl.writable("virStorageVolCreateXMLFrom").and_then(|c| {
        c.storage
            .storage_vol_create_xml_from(&pool, &xml, &input, flags)
    }) {
        Ok(vol) => {
            ctl.print_extra(&format!(
                "Vol {} created from input vol {}\n",
                vol.name, input.name
            ));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to create vol from {file}"),
            &e,
        )),
    }
}

/// The original volume's XML with its name replaced, as virsh builds a clone's definition.
fn clone_xml(original: &str, new_name: &str) -> Option<String> {
    let start = original.find("<name>")? + "<name>".len();
    let end = start + original[start..].find("</name>")?;
    Some(format!(
        "{}{}{}",
        &original[..start],
        escape(new_name),
        &original[end..]
    ))
}

/// Rewrites single-quoted attribute values with double quotes, as libxml2 writes them.
fn double_quoted(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut in_tag = false;
    let mut in_value = false;
    for c in xml.chars() {
        match c {
            '<' if !in_value => {
                in_tag = true;
                out.push(c);
            }
            '>' if !in_value => {
                in_tag = false;
                out.push(c);
            }
            '\'' if in_tag => {
                in_value = !in_value;
                out.push('"');
            }
            '"' if in_value => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

fn cmd_clone(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (orig, _) = lookup::volume(ctl, cmd, "vol", "pool", By::ALL)?;
    let new_name = cmd.required("newname")?.to_string();
    let storage = ctl.conn()?.storage.clone();
    let pool = storage.storage_pool_lookup_by_volume(&orig)?;
    let original_xml = storage.storage_vol_get_xml_desc(&orig, 0)?;
    let xml = clone_xml(&original_xml, &new_name)
        .ok_or_else(|| Failure::msg("Failed to generate new XML"))?;
    if cmd.has("print-xml") {
        // virsh prints the document as libxml2 re-serializes it.
        ctl.print(&double_quoted(xml.trim_end_matches('\n')));
        return Ok(());
    }
    let flags = create_flags(cmd);
    match ctl.writable("virStorageVolCreateXMLFrom").and_then(|c| {
        c.storage
            .storage_vol_create_xml_from(&pool, &xml, &orig, flags)
    }) {
        Ok(vol) => {
            ctl.print_extra(&format!("Vol {} cloned from {}\n", vol.name, orig.name));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to clone vol from {}", orig.name),
            &e,
        )),
    }
}

fn cmd_delete(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (vol, name) = lookup::volume(ctl, cmd, "vol", "pool", By::ALL)?;
    let mut flags = StorageVolDeleteFlags::empty();
    if cmd.has("delete-snapshots") {
        flags |= StorageVolDeleteFlags::WITH_SNAPSHOTS;
    }
    match ctl
        .writable("virStorageVolDelete")
        .and_then(|c| c.storage.storage_vol_delete(&vol, flags))
    {
        Ok(()) => {
            ctl.print_extra(&format!("Vol {name} deleted\n"));
            Ok(())
        }
        Err(e) => Err(Failure::with(format!("Failed to delete vol {name}"), &e)),
    }
}

const WIPE_ALGORITHMS: &[&str] = &[
    "zero",
    "nnsa",
    "dod",
    "bsi",
    "gutmann",
    "schneier",
    "pfitzner7",
    "pfitzner33",
    "random",
    "trim",
];

fn cmd_wipe(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (vol, name) = lookup::volume(ctl, cmd, "vol", "pool", By::ALL)?;
    let algorithm = match cmd.string("algorithm")? {
        None => WipeAlgorithm::Zero,
        Some(text) => WIPE_ALGORITHMS
            .iter()
            .position(|a| *a == text)
            .and_then(|i| WipeAlgorithm::from_u32(i as u32))
            .ok_or_else(|| Failure::msg(format!("Unsupported algorithm '{text}'")))?,
    };
    match ctl
        .writable("virStorageVolWipe")
        .and_then(|c| c.storage.storage_vol_wipe(&vol, algorithm, 0))
    {
        Ok(()) => {
            ctl.print_extra(&format!("Vol {name} wiped\n"));
            Ok(())
        }
        Err(e) => Err(Failure::with(format!("Failed to wipe vol {name}"), &e)),
    }
}

fn cmd_resize(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let mut flags = StorageVolResizeFlags::empty();
    if cmd.has("allocate") {
        flags |= StorageVolResizeFlags::ALLOCATE;
    }
    if cmd.has("delta") {
        flags |= StorageVolResizeFlags::DELTA;
    }
    if cmd.has("shrink") {
        flags |= StorageVolResizeFlags::SHRINK;
    }
    let text = cmd.required("capacity")?.to_string();
    // A leading '-' means "shrink by", as virsh reads it.
    let (negative, number) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    if negative {
        if !flags.contains(StorageVolResizeFlags::SHRINK) {
            return Err(Failure::msg("negative size requires --shrink"));
        }
        flags |= StorageVolResizeFlags::DELTA;
    }
    let capacity =
        parse_scaled(number, 1).ok_or_else(|| Failure::msg(format!("Malformed size {text}")))?;
    let (vol, name) = lookup::volume(ctl, cmd, "vol", "pool", By::ALL)?;
    let prep = if flags.contains(StorageVolResizeFlags::DELTA) {
        "by"
    } else {
        "to"
    };
    match ctl
        .writable("virStorageVolResize")
        .and_then(|c| c.storage.storage_vol_resize(&vol, capacity, flags))
    {
        Ok(()) => {
            ctl.print_extra(&format!(
                "Size of volume '{name}' successfully changed {prep} {number}\n"
            ));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to change size of volume '{name}' {prep} {number}"),
            &e,
        )),
    }
}

fn cmd_path(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let by = By {
        id: false,
        uuid: true,
        name: true,
    };
    let (vol, _) = lookup::volume(ctl, cmd, "vol", "pool", by)?;
    let path = ctl.conn()?.storage.storage_vol_get_path(&vol)?;
    ctl.print(&format!("{path}\n"));
    Ok(())
}

fn cmd_key(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (vol, _) = lookup::volume(ctl, cmd, "vol", "pool", By::ALL)?;
    ctl.print(&format!("{}\n", vol.key));
    Ok(())
}

fn cmd_name(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let by = By {
        id: false,
        uuid: true,
        name: false,
    };
    let (vol, _) = lookup::volume(ctl, cmd, "vol", "pool", by)?;
    ctl.print(&format!("{}\n", vol.name));
    Ok(())
}

fn cmd_pool(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let by = By {
        id: false,
        uuid: true,
        name: false,
    };
    let (vol, _) = lookup::volume(ctl, cmd, "vol", "pool", by)?;
    let pool = ctl
        .conn()?
        .storage
        .storage_pool_lookup_by_volume(&vol)
        .map_err(|e| Failure::with("failed to get parent pool", &e))?;
    if cmd.has("uuid") {
        ctl.print(&format!("{}\n", uuid_string(&pool.uuid)));
    } else {
        ctl.print(&format!("{}\n", pool.name));
    }
    Ok(())
}
