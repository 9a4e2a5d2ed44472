//! Where the daemon keeps configuration, state and runtime files, and its sockets.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The daemon's directories and socket paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub etc: PathBuf,
    pub lib: PathBuf,
    pub run: PathBuf,
    pub rw_socket: PathBuf,
    pub ro_socket: PathBuf,
}

impl Paths {
    /// Everything under one root: `DIR/etc`, `DIR/lib`, `DIR/run`.
    pub fn under_root(root: &Path) -> Paths {
        Self::from_dirs(root.join("etc"), root.join("lib"), root.join("run"))
    }

    /// The system instance (`/etc/rvirt`, `/var/lib/rvirt`, `/run/rvirt`).
    pub fn system() -> Paths {
        Self::from_dirs(
            PathBuf::from("/etc/rvirt"),
            PathBuf::from("/var/lib/rvirt"),
            PathBuf::from("/run/rvirt"),
        )
    }

    /// The per-user instance: `$XDG_CONFIG_HOME/rvirt` for configuration,
    /// `$XDG_RUNTIME_DIR/rvirt` for state and sockets.
    pub fn session() -> Paths {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/tmp"));
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| home.join(".config"));
        let runtime = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| home.join(".cache"));
        let run = runtime.join("rvirt");
        Self::from_dirs(config.join("rvirt"), run.clone(), run)
    }

    /// The system paths when running as root, the session paths otherwise.
    pub fn default_for_user() -> Paths {
        if running_as_root() {
            Self::system()
        } else {
            Self::session()
        }
    }

    fn from_dirs(etc: PathBuf, lib: PathBuf, run: PathBuf) -> Paths {
        let rw_socket = run.join("libvirt-sock");
        let ro_socket = run.join("libvirt-sock-ro");
        Paths {
            etc,
            lib,
            run,
            rw_socket,
            ro_socket,
        }
    }

    /// Moves the read-write socket to `path`; the read-only one becomes `path` + `-ro`.
    pub fn with_unix_socket(mut self, path: &Path) -> Paths {
        let mut ro = path.as_os_str().to_owned();
        ro.push("-ro");
        self.rw_socket = path.to_path_buf();
        self.ro_socket = PathBuf::from(ro);
        self
    }

    /// libvirtd's own socket paths, so stock clients find rvirtd.
    pub fn with_compat_sockets(self) -> Paths {
        self.with_unix_socket(Path::new("/run/libvirt/libvirt-sock"))
    }

    /// The default configuration file.
    pub fn config_file(&self) -> PathBuf {
        self.etc.join("rvirtd.conf")
    }
}

/// Whether the process runs as root (owner of `/proc/self`).
pub fn running_as_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_layout() {
        let p = Paths::under_root(Path::new("/x"));
        assert_eq!(p.rw_socket, Path::new("/x/run/libvirt-sock"));
        assert_eq!(p.ro_socket, Path::new("/x/run/libvirt-sock-ro"));
        assert_eq!(p.config_file(), Path::new("/x/etc/rvirtd.conf"));
        let p = p.with_unix_socket(Path::new("/s/sock"));
        assert_eq!(p.ro_socket, Path::new("/s/sock-ro"));
    }
}
