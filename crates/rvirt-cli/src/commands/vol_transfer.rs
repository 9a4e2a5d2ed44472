//! `vol-upload` and `vol-download`: volume contents to and from a local file through the
//! driver's streams, with a progress bar when stderr is a terminal.

use std::fs::{File, OpenOptions};
use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use rvirt::transfer::{self, TransferError};
use rvirt::{Error, StorageVolTransferFlags, Stream};

use crate::ctl::{CmdResult, Ctl, Failure, OptAccess};
use crate::lookup::{self, By};
use crate::vsh::parser::ParsedCmd;
use crate::vsh::spec::*;

pub fn commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new(
            "vol-download",
            "copy a volume's contents into a file",
            "Read the contents of a volume and write them to a local file.",
            cmd_download,
        )
        .opts(&[
            data("vol", "the volume, by name, key or path"),
            data("file", "the local file to write"),
            string("pool", "the pool, by name or UUID"),
            int("offset", "where in the volume to start"),
            int("length", "how many bytes to copy (0: up to the end)"),
            flag("sparse", "keep holes as holes"),
        ]),
        CmdDef::new(
            "vol-upload",
            "copy a file into a volume",
            "Write the contents of a local file into a volume.",
            cmd_upload,
        )
        .opts(&[
            data("vol", "the volume, by name, key or path"),
            data("file", "the local file to read"),
            string("pool", "the pool, by name or UUID"),
            int("offset", "where in the volume to start writing"),
            int("length", "how many bytes at most to write (0: no limit)"),
            flag("sparse", "send holes as holes"),
        ]),
    ]
}

/// An unsigned 64-bit option, as vsh reads `--offset` and `--length`.
fn u64_opt(cmd: &ParsedCmd, name: &str) -> Result<u64, Failure> {
    let Some(text) = cmd.raw(name) else {
        return Ok(0);
    };
    text.parse::<u64>().map_err(|_| {
        Failure::msg(format!(
            "Numeric value '{text}' for <{name}> option is malformed or out of range"
        ))
    })
}

/// A progress bar on stderr when it is a terminal; virsh prints nothing, so neither does
/// rvirt anywhere else.
fn progress_bar(total: u64) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{bytes:>10}/{total_bytes:10} [{bar:40}] {bytes_per_sec:>12} {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    Some(bar)
}

/// Runs a copy and closes the stream as virsh does: errors abort it, success finishes it.
fn run_copy(
    mut stream: Box<dyn Stream>,
    copy: impl FnOnce(&mut dyn Stream) -> Result<u64, TransferError>,
    copy_failed: String,
    close_failed: String,
) -> Result<(), Failure> {
    if let Err(e) = copy(stream.as_mut()) {
        let _ = stream.abort();
        return Err(match e {
            TransferError::Stream(err) => Failure::with(copy_failed, &err),
            TransferError::Local(err) => Failure {
                lines: vec![copy_failed, crate::util::strerror(&err)],
            },
        });
    }
    stream.finish().map_err(|e| Failure::with(close_failed, &e))
}

fn transfer_flags(cmd: &ParsedCmd) -> StorageVolTransferFlags {
    if cmd.has("sparse") {
        StorageVolTransferFlags::SPARSE_STREAM
    } else {
        StorageVolTransferFlags::empty()
    }
}

fn cmd_upload(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let offset = u64_opt(cmd, "offset")?;
    let length = u64_opt(cmd, "length")?;
    let (vol, name) = lookup::volume(ctl, cmd, "vol", "pool", By::ALL)?;
    let path = cmd.required("file")?.to_string();
    let mut file = File::open(&path).map_err(|_| Failure::msg(format!("cannot read {path}")))?;
    let sparse = cmd.has("sparse");
    let start_failed = |e: &Error| Failure::with(format!("cannot upload to volume {name}"), e);
    let conn = ctl
        .writable("virStorageVolUpload")
        .map_err(|e| start_failed(&e))?;
    let stream = conn
        .storage
        .storage_vol_upload(&vol, offset, length, transfer_flags(cmd))
        .map_err(|e| start_failed(&e))?;
    let bar = progress_bar(file.metadata().map(|m| m.len()).unwrap_or(0));
    let result = run_copy(
        stream,
        |s| {
            transfer::upload(s, &mut file, sparse, &mut |n| {
                if let Some(b) = &bar {
                    b.inc(n);
                }
            })
        },
        format!("cannot send data to volume {name}"),
        format!("cannot close volume {name}"),
    );
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    result
}

fn cmd_download(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let offset = u64_opt(cmd, "offset")?;
    let length = u64_opt(cmd, "length")?;
    let (vol, name) = lookup::volume(ctl, cmd, "vol", "pool", By::ALL)?;
    let path = cmd.required("file")?.to_string();
    // A file this command creates is removed again if the download fails.
    let (mut file, created) = match OpenOptions::new().write(true).create_new(true).open(&path) {
        Ok(f) => (f, true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => (
            OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(&path)
                .map_err(|_| Failure::msg(format!("cannot create {path}")))?,
            false,
        ),
        Err(_) => return Err(Failure::msg(format!("cannot create {path}"))),
    };
    let sparse = cmd.has("sparse");
    let result = (|| {
        let start_failed =
            |e: &Error| Failure::with(format!("cannot download from volume {name}"), e);
        let conn = ctl
            .writable("virStorageVolDownload")
            .map_err(|e| start_failed(&e))?;
        let total = match length {
            0 => conn
                .storage
                .storage_vol_get_info(&vol)
                .map(|i| i.capacity.saturating_sub(offset))
                .unwrap_or(0),
            n => n,
        };
        let stream = conn
            .storage
            .storage_vol_download(&vol, offset, length, transfer_flags(cmd))
            .map_err(|e| start_failed(&e))?;
        let bar = progress_bar(total);
        let copied = run_copy(
            stream,
            |s| {
                transfer::download(s, &mut file, sparse, &mut |n| {
                    if let Some(b) = &bar {
                        b.inc(n);
                    }
                })
            },
            format!("cannot receive data from volume {name}"),
            format!("cannot close volume {name}"),
        );
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        copied?;
        file.sync_all()
            .map_err(|_| Failure::msg(format!("cannot close file {path}")))
    })();
    if result.is_err() && created {
        let _ = std::fs::remove_file(&path);
    }
    result
}
