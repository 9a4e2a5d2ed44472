//! virtio-fs: every `<filesystem>` with the virtiofs driver is served by a virtiofsd of
//! its own, listening on a socket in the guest's run directory that QEMU's
//! `vhost-user-fs-pci` connects to. virtiofsd leaves when QEMU closes that connection;
//! should QEMU never start, it is stopped once the run directory is gone (the driver
//! removes it after a failed start).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rvirt_core::{Error, ErrorDomain, Result};
use rvirt_xml::domain::{DomainDef, Element};

use crate::process::{self, ExitSlot};

/// Where QEMU's vhost-user descriptors list the host's virtiofsd (libvirt reads the same).
const VHOST_USER_DIRS: [&str; 2] = ["/etc/qemu/vhost-user", "/usr/share/qemu/vhost-user"];

/// How long virtiofsd may take to create its socket.
const SOCKET_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) fn is_virtiofs(fs: &Element) -> bool {
    fs.child_attr("driver", "type") == Some("virtiofs")
}

/// The socket virtiofsd of filesystem `alias` listens on.
pub(super) fn socket_path(run_dir: &Path, alias: &str) -> PathBuf {
    run_dir.join(format!("{alias}-fs.sock"))
}

/// The host's virtiofsd, as its vhost-user descriptor (`"type": "fs"`) names it.
pub fn find_virtiofsd() -> Option<PathBuf> {
    let mut descriptors: Vec<PathBuf> = VHOST_USER_DIRS
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flat_map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    // Descriptors are ordered by file name, as QEMU's firmware-style lists are.
    descriptors.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    descriptors.into_iter().find_map(|path| {
        let text = std::fs::read_to_string(&path).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        if json.get("type")?.as_str()? != "fs" {
            return None;
        }
        let binary = PathBuf::from(json.get("binary")?.as_str()?);
        binary.exists().then_some(binary)
    })
}

/// The virtiofsd a filesystem uses: its own `<binary path>`, else the host's.
pub(super) fn binary_for(fs: &Element, host: Option<&Path>) -> Option<PathBuf> {
    fs.child_attr("binary", "path")
        .map(PathBuf::from)
        .or_else(|| host.map(Path::to_path_buf))
}

/// virtiofsd's command line for `fs`, listening on `socket`.
fn virtiofsd_argv(binary: &Path, fs: &Element, socket: &Path) -> Result<Vec<String>> {
    let source = fs.child_attr("source", "dir").ok_or_else(|| {
        Error::config_unsupported(ErrorDomain::Qemu, "virtiofs needs a source directory")
    })?;
    let mut argv = vec![
        binary.to_string_lossy().into_owned(),
        format!("--socket-path={}", socket.display()),
        "-o".into(),
        format!("source={source}"),
    ];
    let options = fs.child("binary");
    let option = |child: &str, key: &str| options.and_then(|b| b.child_attr(child, key));
    if let Some(mode) = option("cache", "mode") {
        argv.extend(["-o".into(), format!("cache={mode}")]);
    }
    for (key, on, off) in [
        ("posix", "posix_lock", "no_posix_lock"),
        ("flock", "flock", "no_flock"),
    ] {
        match option("lock", key) {
            Some("on") => argv.extend(["-o".into(), on.into()]),
            Some("off") => argv.extend(["-o".into(), off.into()]),
            _ => {}
        }
    }
    if options.and_then(|b| b.attr("xattr")) == Some("on") {
        argv.extend(["-o".into(), "xattr".into()]);
    }
    if let Some(size) = option("thread_pool", "size") {
        argv.push(format!("--thread-pool-size={size}"));
    }
    Ok(argv)
}

/// Starts a virtiofsd for each virtiofs filesystem of `defs[0]` and records the binary
/// in every definition (the live XML shows it, as libvirt's does).
pub(super) fn start_daemons(
    defs: &mut [&mut DomainDef],
    run_dir: &Path,
    host: Option<&Path>,
) -> Result<()> {
    let Some(first) = defs.first() else {
        return Ok(());
    };
    let mut binaries: Vec<Option<PathBuf>> = Vec::new();
    for (i, fs) in first.devices_of("filesystem").enumerate() {
        if !is_virtiofs(fs) {
            binaries.push(None);
            continue;
        }
        let binary = binary_for(fs, host).ok_or_else(no_virtiofsd)?;
        let socket = socket_path(run_dir, &format!("fs{i}"));
        let argv = virtiofsd_argv(&binary, fs, &socket)?;
        let log = run_dir.join(format!("fs{i}-virtiofsd.log"));
        let (pid, exit) = process::spawn_detached(&argv, &log).map_err(|e| {
            Error::system(
                ErrorDomain::Qemu,
                &e,
                format!("Cannot run virtiofsd {}", binary.display()),
            )
        })?;
        wait_for_socket(&socket, &exit, &log)?;
        watch(pid, exit, run_dir.to_path_buf());
        binaries.push(Some(binary));
    }
    for def in defs.iter_mut() {
        let filesystems = def.devices.iter_mut().filter(|d| d.name == "filesystem");
        for (fs, binary) in filesystems.zip(binaries.iter()) {
            if let Some(binary) = binary {
                if fs.child("binary").is_none() {
                    fs.children.push(Element::new("binary"));
                }
                if let Some(b) = fs.child_mut("binary") {
                    b.set_attr("path", &binary.to_string_lossy());
                }
            }
        }
    }
    Ok(())
}

pub(super) fn no_virtiofsd() -> Error {
    Error::config_unsupported(ErrorDomain::Qemu, "Unable to find a satisfying virtiofsd")
}

fn wait_for_socket(socket: &Path, exit: &ExitSlot, log: &Path) -> Result<()> {
    let deadline = Instant::now() + SOCKET_TIMEOUT;
    while !socket.exists() {
        if exit.exited() || Instant::now() >= deadline {
            let output = std::fs::read_to_string(log).unwrap_or_default();
            return Err(Error::internal(
                ErrorDomain::Qemu,
                format!("virtiofsd died unexpectedly: {}", output.trim()),
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// Stops virtiofsd `pid` once the guest's run directory is gone while it still waits
/// (QEMU never came); it leaves by itself when a QEMU it served quits.
fn watch(pid: u32, exit: Arc<ExitSlot>, run_dir: PathBuf) {
    let spawned = std::thread::Builder::new()
        .name(format!("virtiofsd-{pid}"))
        .spawn(move || {
            while !exit.wait(Duration::from_millis(500)) {
                if !run_dir.exists() {
                    process::terminate(pid, Some(&exit), Duration::from_secs(1));
                    return;
                }
            }
        });
    if spawned.is_err() {
        tracing::warn!("cannot watch virtiofsd {pid}");
    }
}
