//! Saving a running guest to a file and restoring it (`virsh save` / `restore`, managed
//! save): QEMU's migration stream written through a descriptor handed over QMP, behind a
//! small header holding the domain XML.
//!
//! Layout: 16-byte magic, then little-endian u32 version, XML length, and whether the
//! guest was running; then the XML; then QEMU's stream.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::unix::io::AsRawFd;
use std::path::Path;
use std::time::{Duration, Instant};

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use serde_json::{json, Value};

use crate::driver::qemu_err;
use crate::qmp::QmpClient;

const MAGIC: &[u8; 16] = b"RvirtQemuSave\0\0\0";
const VERSION: u32 = 1;
/// Bound on one save or restore.
const MIGRATION_TIMEOUT: Duration = Duration::from_secs(300);

/// What a save file holds besides QEMU's stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveHeader {
    pub xml: String,
    pub was_running: bool,
}

fn io_err(e: &std::io::Error, what: impl std::fmt::Display) -> Error {
    Error::system(ErrorDomain::Qemu, e, what)
}

/// Writes the header to a new file at `path` and returns it positioned for QEMU's stream.
pub fn create(path: &Path, header: &SaveHeader) -> Result<File> {
    let mut f = File::options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(|e| io_err(&e, format!("Failed to create file '{}'", path.display())))?;
    let mut head = Vec::with_capacity(32 + header.xml.len());
    head.extend_from_slice(MAGIC);
    head.extend_from_slice(&VERSION.to_le_bytes());
    head.extend_from_slice(&(header.xml.len() as u32).to_le_bytes());
    head.extend_from_slice(&u32::from(header.was_running).to_le_bytes());
    head.extend_from_slice(header.xml.as_bytes());
    f.write_all(&head).map_err(|e| {
        io_err(
            &e,
            format!(
                "failed to write header to domain save file '{}'",
                path.display()
            ),
        )
    })?;
    Ok(f)
}

/// Reads the header of a save file and leaves the file at the start of QEMU's stream.
pub fn open(path: &Path) -> Result<(SaveHeader, File)> {
    let mut f = File::open(path).map_err(|e| {
        io_err(
            &e,
            format!("Failed to open domain image file '{}'", path.display()),
        )
    })?;
    let mut fixed = [0u8; 28];
    let bad = || qemu_err(ErrorCode::OperationFailed, "image magic is incorrect");
    f.read_exact(&mut fixed).map_err(|_| bad())?;
    if &fixed[..16] != MAGIC {
        return Err(bad());
    }
    let word = |i: usize| u32::from_le_bytes([fixed[i], fixed[i + 1], fixed[i + 2], fixed[i + 3]]);
    if word(16) != VERSION {
        return Err(qemu_err(
            ErrorCode::OperationFailed,
            format!("image version is not supported ({} > {VERSION})", word(16)),
        ));
    }
    let len = word(20) as usize;
    if len > 64 << 20 {
        return Err(bad());
    }
    let mut xml = vec![0u8; len];
    f.read_exact(&mut xml).map_err(|_| bad())?;
    let xml = String::from_utf8(xml).map_err(|_| bad())?;
    Ok((
        SaveHeader {
            xml,
            was_running: word(24) != 0,
        },
        f,
    ))
}

/// Replaces the XML in a save file's header (`virDomainSaveImageDefineXML`).
pub fn rewrite_xml(path: &Path, xml: &str) -> Result<()> {
    let (mut header, mut f) = open(path)?;
    let mut rest = Vec::new();
    f.read_to_end(&mut rest)
        .map_err(|e| io_err(&e, format!("cannot read '{}'", path.display())))?;
    header.xml = xml.to_string();
    let tmp = path.with_extension("rewrite");
    let mut out = create(&tmp, &header)?;
    out.write_all(&rest)
        .and_then(|_| out.sync_all())
        .map_err(|e| io_err(&e, "cannot write save image"))?;
    std::fs::rename(&tmp, path).map_err(|e| io_err(&e, "cannot replace save image"))
}

/// Waits until the migration QEMU runs (in or out) is over.
fn wait_migration(qmp: &QmpClient) -> Result<()> {
    let deadline = Instant::now() + MIGRATION_TIMEOUT;
    loop {
        let status = qmp.execute("query-migrate", None).map_err(|e| {
            qemu_err(
                ErrorCode::OperationFailed,
                format!("migration status unknown: {e}"),
            )
        })?;
        match status.get("status").and_then(Value::as_str) {
            Some("completed") => return Ok(()),
            Some("failed") | Some("cancelled") => {
                let why = status
                    .get("error-desc")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown error");
                return Err(qemu_err(
                    ErrorCode::OperationFailed,
                    format!("migration failed: {why}"),
                ));
            }
            _ => {}
        }
        if Instant::now() >= deadline {
            let _ = qmp.execute("migrate_cancel", None);
            return Err(qemu_err(
                ErrorCode::OperationTimeout,
                "migration did not finish in time",
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Streams the (paused) guest's state into `file` at its current position.
pub fn write_state(qmp: &QmpClient, file: &File) -> Result<()> {
    qmp.execute_with_fd(
        "getfd",
        Some(json!({ "fdname": "rvirt-save" })),
        file.as_raw_fd(),
    )
    .map_err(|e| qemu_err(ErrorCode::OperationFailed, e.to_string()))?;
    qmp.execute("migrate", Some(json!({ "uri": "fd:rvirt-save" })))
        .map_err(|e| qemu_err(ErrorCode::OperationFailed, e.to_string()))?;
    wait_migration(qmp)
}

/// Loads the guest's state from `file` (a QEMU started with `-incoming defer`).
pub fn load_state(qmp: &QmpClient, file: &File) -> Result<()> {
    qmp.execute_with_fd(
        "getfd",
        Some(json!({ "fdname": "rvirt-restore" })),
        file.as_raw_fd(),
    )
    .map_err(|e| qemu_err(ErrorCode::OperationFailed, e.to_string()))?;
    qmp.execute(
        "migrate-incoming",
        Some(json!({ "uri": "fd:rvirt-restore" })),
    )
    .map_err(|e| qemu_err(ErrorCode::OperationFailed, e.to_string()))?;
    wait_migration(qmp)
}

/// Where QEMU's stream starts in a save file (for tests and tools).
pub fn stream_offset(path: &Path) -> Result<u64> {
    let (_, mut f) = open(path)?;
    f.stream_position().map_err(|e| io_err(&e, "cannot seek"))
}
