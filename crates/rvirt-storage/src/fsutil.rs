//! File-system helpers shared by the backends: atomic config writes, `statvfs`, ownership and
//! mode changes the way libvirt applies them, and running helper programs.

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::storage::{Permissions, VolumeTimestamps};

/// Writes `contents` to `path` so that readers see either the old or the new file: a
/// temporary sibling is written, synced and renamed over the target, then the directory is
/// synced so the rename itself survives a crash.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    fs::create_dir_all(dir)?;
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.set_permissions(fs::Permissions::from_mode(0o600))?;
        f.write_all(contents)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Capacity and free bytes of the file system holding `path`, as libvirt computes a pool's
/// sizes (`f_frsize * f_blocks`, `f_frsize * f_bfree`).
pub fn fs_sizes(path: &Path) -> io::Result<(u64, u64)> {
    let st = rustix::fs::statvfs(path).map_err(io::Error::from)?;
    let capacity = st.f_frsize.saturating_mul(st.f_blocks);
    let available = st.f_frsize.saturating_mul(st.f_bfree);
    Ok((capacity, available))
}

/// `<permissions>` as `stat` reports them (mode bits, owner, group; no label).
pub fn perms_of(meta: &fs::Metadata) -> Permissions {
    Permissions {
        mode: Some(meta.mode() & 0o777),
        owner: Some(i64::from(meta.uid())),
        group: Some(i64::from(meta.gid())),
        label: None,
    }
}

/// `<timestamps>` as libvirt fills them from `stat` (no birth time: libvirt 9.0 reports 0).
pub fn timestamps_of(meta: &fs::Metadata) -> VolumeTimestamps {
    VolumeTimestamps {
        atime: (meta.atime(), meta.atime_nsec()),
        mtime: (meta.mtime(), meta.mtime_nsec()),
        ctime: (meta.ctime(), meta.ctime_nsec()),
        btime: (0, 0),
    }
}

pub fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

pub fn egid() -> u32 {
    rustix::process::getegid().as_raw()
}

/// The uid/gid a permissions block asks for, `None` where it leaves them alone.
pub fn wanted_ids(perms: &Permissions) -> (Option<u32>, Option<u32>) {
    let conv = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
    (conv(perms.owner), conv(perms.group))
}

/// Changes owner and group of `path` where they differ from what is wanted (libvirt only
/// calls `chown` when something changes).
pub fn apply_owner(
    path: &Path,
    meta: &fs::Metadata,
    uid: Option<u32>,
    gid: Option<u32>,
) -> Result<()> {
    let uid = uid.filter(|u| *u != meta.uid());
    let gid = gid.filter(|g| *g != meta.gid());
    if uid.is_none() && gid.is_none() {
        return Ok(());
    }
    std::os::unix::fs::chown(path, uid, gid).map_err(|e| {
        Error::system(
            ErrorDomain::Storage,
            &e,
            format!(
                "cannot chown '{}' to ({}, {})",
                path.display(),
                uid.map_or(-1, i64::from),
                gid.map_or(-1, i64::from)
            ),
        )
    })
}

/// Sets the mode bits of `path` when they differ.
pub fn apply_mode(path: &Path, meta: &fs::Metadata, mode: u32) -> Result<()> {
    if meta.mode() & 0o7777 == mode {
        return Ok(());
    }
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|e| {
        Error::system(
            ErrorDomain::Storage,
            &e,
            format!("cannot set mode of '{}' to {:04o}", path.display(), mode),
        )
    })
}

/// Looks a program up in `PATH` (and the sbin directories root's tools live in).
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let extra = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];
    std::env::split_paths(&path)
        .chain(extra.iter().map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Runs a helper program to completion; a non-zero exit becomes libvirt's
/// `virCommandRun` error (`Child process (CMD) unexpected exit status N: STDERR`).
pub fn run(program: &Path, args: &[&OsStr]) -> Result<String> {
    let rendered = std::iter::once(program.as_os_str())
        .chain(args.iter().copied())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    tracing::debug!(command = %rendered, "running");
    let out = Command::new(program)
        .args(args)
        .env("LC_ALL", "C")
        // Descriptors this process inherited without close-on-exec reach helpers too;
        // lvm2 would otherwise complain about each of them on stderr.
        .env("LVM_SUPPRESS_FD_WARNINGS", "1")
        .output()
        .map_err(|e| {
            Error::system(
                ErrorDomain::None,
                &e,
                format!("Cannot run '{}'", program.display()),
            )
        })?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or(-1);
    Err(Error::new(
        ErrorDomain::None,
        ErrorCode::InternalError,
        format!("Child process ({rendered}) unexpected exit status {code}: {stderr}"),
    ))
}

/// Whether a name has control characters (libvirt skips such directory entries).
pub fn has_control_chars(name: &str) -> bool {
    name.chars().any(|c| c.is_control())
}

/// Is `target` a mount point listed in `/proc/mounts`?
pub fn is_mounted(target: &str) -> bool {
    let Ok(text) = fs::read_to_string("/proc/mounts") else {
        return false;
    };
    text.lines().any(|line| {
        line.split_whitespace()
            .nth(1)
            .is_some_and(|m| unescape_mount_field(m) == target)
    })
}

/// `/proc/mounts` escapes blanks and backslashes as three octal digits.
fn unescape_mount_field(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 3 < bytes.len() + 1 && i + 3 <= bytes.len() {
            let digits = &field[i + 1..(i + 4).min(field.len())];
            if let Ok(v) = u8::from_str_radix(digits, 8) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_field_escapes() {
        assert_eq!(unescape_mount_field("/mnt/a\\040b"), "/mnt/a b");
        assert_eq!(unescape_mount_field("/plain"), "/plain");
    }

    #[test]
    fn atomic_write_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.xml");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
