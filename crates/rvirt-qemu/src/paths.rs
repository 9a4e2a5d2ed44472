//! Where the driver keeps things, per instance kind (DESIGN.md "Directories"): persistent
//! definitions under the config dir, capability caches and logs under the state dir, monitor
//! sockets and status files of running guests under the run dir.

use std::path::{Path, PathBuf};

use rvirt_core::{ConnectUri, Error, ErrorCode, ErrorDomain, Result};

/// Which instance a connection opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Instance {
    System,
    Session,
    /// `qemu:///embed?root=DIR`.
    Embed(PathBuf),
}

/// The directories of one driver instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverPaths {
    pub instance: Instance,
    pub config_dir: PathBuf,
    pub state_dir: PathBuf,
    pub run_dir: PathBuf,
}

impl DriverPaths {
    /// Resolves the URI's path (`/system`, `/session`, `/embed`) to directories.
    pub fn from_uri(uri: &ConnectUri) -> Result<Self> {
        match uri.path.as_str() {
            "/system" => Ok(Self::system()),
            "/session" => Ok(Self::session()),
            "/embed" => {
                let root = uri.param("root").filter(|r| !r.is_empty()).ok_or_else(|| {
                    Error::new(
                        ErrorDomain::Qemu,
                        ErrorCode::InvalidArg,
                        "root parameter is required for embedded driver",
                    )
                })?;
                if !Path::new(root).is_absolute() {
                    return Err(Error::new(
                        ErrorDomain::Qemu,
                        ErrorCode::InvalidArg,
                        format!("root path must be absolute: {root}"),
                    ));
                }
                Ok(Self::embed(Path::new(root)))
            }
            other => Err(Error::new(
                ErrorDomain::Qemu,
                ErrorCode::InternalError,
                format!(
                    "unexpected QEMU URI path '{other}', try qemu:///system or qemu:///session"
                ),
            )),
        }
    }

    pub fn system() -> Self {
        DriverPaths {
            instance: Instance::System,
            config_dir: PathBuf::from("/etc/rvirt"),
            state_dir: PathBuf::from("/var/lib/rvirt"),
            run_dir: PathBuf::from("/run/rvirt"),
        }
    }

    pub fn session() -> Self {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| "/".into());
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".config"));
        // SAFETY: getuid has no preconditions and cannot fail.
        let uid = unsafe { libc::getuid() };
        let runtime = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(format!("/run/user/{uid}")));
        DriverPaths {
            instance: Instance::Session,
            config_dir: config.join("rvirt"),
            state_dir: runtime.join("rvirt"),
            run_dir: runtime.join("rvirt"),
        }
    }

    pub fn embed(root: &Path) -> Self {
        DriverPaths {
            instance: Instance::Embed(root.to_path_buf()),
            config_dir: root.join("etc"),
            state_dir: root.join("lib"),
            run_dir: root.join("run"),
        }
    }

    /// The URI a client sees from `virConnectGetURI`.
    pub fn uri(&self) -> String {
        match &self.instance {
            Instance::System => "qemu:///system".to_string(),
            Instance::Session => "qemu:///session".to_string(),
            Instance::Embed(root) => format!("qemu:///embed?root={}", root.display()),
        }
    }

    /// Persistent definitions (`NAME.xml`).
    pub fn domain_config_dir(&self) -> PathBuf {
        self.config_dir.join("qemu")
    }

    /// Autostart links.
    pub fn autostart_dir(&self) -> PathBuf {
        self.config_dir.join("qemu").join("autostart")
    }

    /// Status files of running domains (`NAME.json`).
    pub fn status_dir(&self) -> PathBuf {
        self.run_dir.join("qemu")
    }

    /// Per-domain runtime directory (monitor socket, pid file).
    pub fn domain_run_dir(&self, id: i32, name: &str) -> PathBuf {
        self.run_dir
            .join("qemu")
            .join(format!("domain-{id}-{}", short_name(name)))
    }

    /// QEMU's stderr of each domain (`NAME.log`).
    pub fn log_dir(&self) -> PathBuf {
        self.state_dir.join("qemu").join("log")
    }

    /// Where guests' UEFI variable stores live, as libvirt's `nvram_dir`.
    pub fn nvram_dir(&self) -> PathBuf {
        self.state_dir.join("qemu").join("nvram")
    }

    /// Probed emulator capabilities.
    pub fn capabilities_cache_dir(&self) -> PathBuf {
        self.state_dir.join("qemu").join("capabilities")
    }

    /// The file holding the next domain id, so ids keep growing across restarts.
    pub fn next_id_file(&self) -> PathBuf {
        self.run_dir.join("qemu").join("next-id")
    }
}

/// Keeps socket paths short (unix socket paths are limited to 107 bytes), as libvirt
/// shortens `domain-ID-NAME` directory names.
fn short_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(20)
        .collect();
    cleaned
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embed_layout() {
        let uri = ConnectUri::parse("qemu:///embed?root=/tmp/x").unwrap();
        let p = DriverPaths::from_uri(&uri).unwrap();
        assert_eq!(p.config_dir, Path::new("/tmp/x/etc"));
        assert_eq!(p.state_dir, Path::new("/tmp/x/lib"));
        assert_eq!(p.run_dir, Path::new("/tmp/x/run"));
        assert_eq!(p.uri(), "qemu:///embed?root=/tmp/x");
        let bad = ConnectUri::parse("qemu:///embed").unwrap();
        assert_eq!(
            DriverPaths::from_uri(&bad).unwrap_err().code,
            ErrorCode::InvalidArg
        );
    }
}
