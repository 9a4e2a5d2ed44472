//! Host resources the guest shares: directories exported over 9p (`<filesystem>`) and
//! inter-VM shared memory (`<shmem>`). Filesystems follow the disks on libvirt's command
//! line; shared memory comes after the panic device, at the very end.

use std::path::Path;

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::{DomainDef, Element};

use super::host_support::check_virtiofs_memory;
use super::virtiofs;

use super::peripherals::{device, num};
use super::{cfg_err, qemu_opt_escape, Props};
use crate::devices::{self, required_pci_address, with_pci};

/// `<filesystem>`s exported with QEMU's 9p server (an `-fsdev` backend and a
/// `virtio-9p-pci` device carrying the mount tag) or by a virtiofsd listening in
/// `run_dir` (a vhost-user chardev and a `vhost-user-fs-pci` device).
pub(super) fn filesystems(def: &DomainDef, run_dir: &Path, a: &mut Vec<String>) -> Result<()> {
    let pcie_root = devices::root_is_pcie(def);
    for (i, fs) in def.devices_of("filesystem").enumerate() {
        let alias = format!("fs{i}");
        if virtiofs::is_virtiofs(fs) {
            check_virtiofs_memory(def)?;
            let chardev = format!("chr-vu-{alias}");
            a.push("-chardev".into());
            a.push(format!(
                "socket,id={chardev},path={}",
                qemu_opt_escape(&virtiofs::socket_path(run_dir, &alias).to_string_lossy())
            ));
            let props = Props::new()
                .s("driver", "vhost-user-fs-pci")
                .s("id", &alias)
                .s("chardev", &chardev)
                .opt_n("queue-size", num(fs.child_attr("driver", "queue")))
                .s("tag", fs.child_attr("target", "dir").unwrap_or(""));
            device(a, with_pci(props, &required_pci_address(pcie_root, fs)?));
            continue;
        }
        let fsdev = format!("fsdev-{alias}");
        a.push("-fsdev".into());
        a.push(fsdev_spec(fs, &fsdev)?);
        let driver = match fs.attr("model").unwrap_or("virtio") {
            "virtio" => "virtio-9p-pci",
            "virtio-transitional" => "virtio-9p-pci-transitional",
            "virtio-non-transitional" => "virtio-9p-pci-non-transitional",
            other => {
                return Err(cfg_err(format!(
                    "filesystem model '{other}' is not supported"
                )))
            }
        };
        let tag = fs.child_attr("target", "dir").unwrap_or("");
        let props = Props::new()
            .s("driver", driver)
            .s("id", &alias)
            .s("fsdev", &fsdev)
            .s("mount_tag", tag);
        device(a, with_pci(props, &required_pci_address(pcie_root, fs)?));
    }
    Ok(())
}

/// The `-fsdev` backend of a 9p filesystem.
fn fsdev_spec(fs: &Element, id: &str) -> Result<String> {
    if fs.attr("type").unwrap_or("mount") != "mount" {
        return Err(cfg_err("only supports mount filesystem type"));
    }
    let accessmode = fs.attr("accessmode").unwrap_or("passthrough");
    let mut spec = match fs.child_attr("driver", "type").unwrap_or("path") {
        "path" => {
            let model = match accessmode {
                "passthrough" => "passthrough",
                "mapped" => "mapped",
                "squash" => "none",
                other => return Err(cfg_err(format!("unknown accessmode '{other}'"))),
            };
            format!("local,security_model={model}")
        }
        "handle" if accessmode != "passthrough" => {
            return Err(cfg_err("only supports passthrough accessmode"))
        }
        "handle" => "handle".to_string(),
        _ => return Err(cfg_err("Filesystem driver type not supported")),
    };
    if let Some(multidevs) = fs.attr("multidevs").filter(|m| *m != "default") {
        spec.push_str(&format!(",multidevs={multidevs}"));
    }
    for mode in ["fmode", "dmode"] {
        if let Some(bits) = fs.attr(mode).and_then(|m| u32::from_str_radix(m, 8).ok()) {
            spec.push_str(&format!(",{mode}={bits:04o}"));
        }
    }
    if let Some(policy) = fs.child_attr("driver", "wrpolicy") {
        spec.push_str(&format!(",writeout={policy}"));
    }
    let source = fs
        .child_attr("source", "dir")
        .or_else(|| fs.child_attr("source", "name"))
        .ok_or_else(|| {
            Error::new(
                ErrorDomain::Domain,
                ErrorCode::XmlError,
                "missing source element in filesystem definition",
            )
        })?;
    spec.push_str(&format!(",id={id},path={}", qemu_opt_escape(source)));
    if fs.child("readonly").is_some() {
        spec.push_str(",readonly");
    }
    Ok(spec)
}

/// libvirt's default size of a shared memory region: 4 MiB.
const DEFAULT_SHMEM_SIZE: u64 = 4 << 20;

/// The size of a `<shmem>` region in bytes (`<size>` scales bytes by default).
fn shmem_size(shmem: &Element) -> Result<u64> {
    let Some(size) = shmem.child("size") else {
        return Ok(DEFAULT_SHMEM_SIZE);
    };
    let value =
        num(size.text.as_deref().map(str::trim)).ok_or_else(|| cfg_err("invalid shmem size"))?;
    let scale: u64 = match size.attr("unit").map(str::to_ascii_lowercase).as_deref() {
        None | Some("b" | "byte" | "bytes") => 1,
        Some("k" | "kib") => 1 << 10,
        Some("kb") => 1000,
        Some("m" | "mib") => 1 << 20,
        Some("mb") => 1_000_000,
        Some("g" | "gib") => 1 << 30,
        Some("gb") => 1_000_000_000,
        Some(other) => return Err(cfg_err(format!("unknown size unit '{other}'"))),
    };
    value
        .checked_mul(scale)
        .ok_or_else(|| cfg_err("shmem size is too large"))
}

/// Where a doorbell region's server listens unless the definition names the socket.
fn default_shmem_server(name: &str) -> String {
    format!("/var/lib/libvirt/shmem-{name}-sock")
}

/// `<shmem>` regions: plain ones are a shared file under `/dev/shm` mapped by an
/// `ivshmem-plain` device; doorbell ones get their memory from an ivshmem server.
pub(super) fn shmems(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    let pcie_root = devices::root_is_pcie(def);
    for (i, shmem) in def.devices_of("shmem").enumerate() {
        let alias = format!("shmem{i}");
        let name = shmem.attr("name").unwrap_or("");
        // Whether this guest migrates the region's content (`master`) or not (`peer`).
        let master = match shmem.attr("role") {
            None => None,
            Some("master") => Some("on"),
            Some("peer") => Some("off"),
            Some(other) => return Err(cfg_err(format!("unknown shmem role '{other}'"))),
        };
        let addr = required_pci_address(pcie_root, shmem)?;
        match shmem.child_attr("model", "type").unwrap_or("ivshmem-plain") {
            "ivshmem-plain" => {
                let memdev = format!("shmmem-{alias}");
                a.push("-object".into());
                a.push(
                    Props::new()
                        .s("qom-type", "memory-backend-file")
                        .s("id", &memdev)
                        .s("mem-path", &format!("/dev/shm/{name}"))
                        .n("size", shmem_size(shmem)?)
                        .b("share", true)
                        .build(),
                );
                let props = Props::new()
                    .s("driver", "ivshmem-plain")
                    .s("id", &alias)
                    .s("memdev", &memdev)
                    .opt_s("master", master);
                device(a, with_pci(props, &addr));
            }
            "ivshmem-doorbell" => {
                let chardev = format!("charshmem{i}");
                let msi = shmem.child("msi");
                let ioeventfd = msi.and_then(|m| m.attr("ioeventfd"));
                let props = Props::new()
                    .s("driver", "ivshmem-doorbell")
                    .s("id", &alias)
                    .s("chardev", &chardev)
                    .opt_n("vectors", num(msi.and_then(|m| m.attr("vectors"))))
                    .opt_s("master", master);
                let props = match ioeventfd {
                    Some(state) => props.b("ioeventfd", state == "on"),
                    None => props,
                };
                device(a, with_pci(props, &addr));
                // libvirt names the server's socket after the device it feeds.
                let server = shmem
                    .child_attr("server", "path")
                    .map(str::to_string)
                    .unwrap_or_else(|| default_shmem_server(name));
                a.push("-chardev".into());
                a.push(format!(
                    "socket,id={chardev},path={}",
                    qemu_opt_escape(&server)
                ));
            }
            other => {
                return Err(cfg_err(format!(
                    "shmem model '{other}' is not supported by this QEMU binary"
                )))
            }
        }
    }
    Ok(())
}
