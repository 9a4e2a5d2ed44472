//! Reaching the daemon: which transport a URI asks for, which socket, and the errors
//! libvirt's remote driver reports when that fails.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use rvirt_core::{ConnectUri, Error, ErrorCode, ErrorDomain, Result};

/// libvirtd's plain TCP port (`tcp_port`).
const TCP_PORT: u16 = 16509;

/// The byte stream to the daemon.
#[derive(Debug)]
pub(crate) enum Socket {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Socket {
    pub(crate) fn try_clone(&self) -> std::io::Result<Socket> {
        Ok(match self {
            Socket::Unix(s) => Socket::Unix(s.try_clone()?),
            Socket::Tcp(s) => Socket::Tcp(s.try_clone()?),
        })
    }

    pub(crate) fn shutdown(&self) -> std::io::Result<()> {
        match self {
            Socket::Unix(s) => s.shutdown(Shutdown::Both),
            Socket::Tcp(s) => s.shutdown(Shutdown::Both),
        }
    }

    /// Whether traffic is protected from other hosts (`virConnectIsSecure`).
    pub(crate) fn is_local(&self) -> bool {
        matches!(self, Socket::Unix(_))
    }
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Socket::Unix(s) => s.read(buf),
            Socket::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Socket::Unix(s) => s.write(buf),
            Socket::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Socket::Unix(s) => s.flush(),
            Socket::Tcp(s) => s.flush(),
        }
    }
}

/// The system daemon's sockets.
const SYSTEM_SOCKET: &str = "/var/run/libvirt/libvirt-sock";
const SYSTEM_SOCKET_RO: &str = "/var/run/libvirt/libvirt-sock-ro";

/// The transport a URI selects: `unix` when no host is given, `tls` when a host is given
/// without a transport, as libvirt's remote driver decides.
pub(crate) fn transport_of(uri: &ConnectUri) -> String {
    match (&uri.transport, &uri.host) {
        (Some(t), _) => t.to_ascii_lowercase(),
        (None, Some(_)) => "tls".to_string(),
        (None, None) => "unix".to_string(),
    }
}

/// The unix socket to connect to: `socket=` when given; else the per-user daemon's socket for
/// `/session` URIs of unprivileged users, else the system daemon's (`-ro` when read-only).
pub(crate) fn socket_path(uri: &ConnectUri, readonly: bool) -> String {
    if let Some(socket) = uri.socket() {
        return socket.to_string();
    }
    if uri.path == "/session" && !is_root() {
        let runtime = std::env::var("XDG_RUNTIME_DIR")
            .ok()
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| {
                let home = std::env::var("HOME").unwrap_or_default();
                format!("{home}/.cache")
            });
        return format!("{runtime}/libvirt/libvirt-sock");
    }
    if readonly {
        SYSTEM_SOCKET_RO.to_string()
    } else {
        SYSTEM_SOCKET.to_string()
    }
}

fn is_root() -> bool {
    // The owner of /proc/self is the effective user; avoids libc for geteuid().
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// Opens the connection's socket, or reports why not as libvirt does.
pub(crate) fn connect(uri: &ConnectUri, readonly: bool) -> Result<Socket> {
    match transport_of(uri).as_str() {
        "unix" => {
            let path = socket_path(uri, readonly);
            UnixStream::connect(&path).map(Socket::Unix).map_err(|e| {
                Error::system(
                    ErrorDomain::Rpc,
                    &e,
                    format!("Failed to connect socket to '{path}'"),
                )
            })
        }
        "tcp" => connect_tcp(uri).map(Socket::Tcp),
        "ext" => {
            let (socket, child) = connect_command(uri)?;
            // The command lives as long as the connection; it is reaped when it closes.
            std::thread::spawn(move || reap(child));
            Ok(socket)
        }
        t @ ("tls" | "ssh" | "libssh" | "libssh2") => Err(Error::new(
            ErrorDomain::Remote,
            ErrorCode::NoSupport,
            format!("remote transport '{t}' is not supported by rvirt yet (use unix, tcp or ext)"),
        )),
        _ => Err(Error::invalid_arg(
            ErrorDomain::Remote,
            "remote_open: transport in URL not recognised (should be tls|unix|ssh|ext|tcp|libssh2|libssh)",
        )),
    }
}

/// `ext`: runs `command=` (an executable, no arguments, as libvirt takes it) with one end of
/// a socket pair as its stdin and stdout; the command relays to the daemon.
fn connect_command(uri: &ConnectUri) -> Result<(Socket, Child)> {
    let Some(command) = uri.command() else {
        return Err(Error::invalid_arg(
            ErrorDomain::Remote,
            "remote_open: for 'ext' transport, command is required",
        ));
    };
    let program = find_in_path(command).ok_or_else(|| {
        let enoent = std::io::Error::from_raw_os_error(2);
        Error::system(
            ErrorDomain::Rpc,
            &enoent,
            format!("Cannot find '{command}' in path"),
        )
    })?;
    let (ours, theirs) = UnixStream::pair()
        .map_err(|e| Error::system(ErrorDomain::Rpc, &e, "Unable to create socket pair"))?;
    let theirs_out = theirs
        .try_clone()
        .map_err(|e| Error::system(ErrorDomain::Rpc, &e, "Unable to duplicate socket"))?;
    let child = Command::new(&program)
        .stdin(Stdio::from(OwnedFd::from(theirs)))
        .stdout(Stdio::from(OwnedFd::from(theirs_out)))
        .spawn()
        .map_err(|e| Error::system(ErrorDomain::Rpc, &e, format!("Unable to run '{command}'")))?;
    Ok((Socket::Unix(ours), child))
}

fn find_in_path(command: &str) -> Option<PathBuf> {
    if command.contains('/') {
        return Path::new(command).is_file().then(|| PathBuf::from(command));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(command))
            .find(|candidate| candidate.is_file())
    })
}

fn reap(mut child: Child) {
    let _ = child.wait();
}

/// Plain TCP (libvirtd's `listen_tcp`): every address the host resolves to, in order.
fn connect_tcp(uri: &ConnectUri) -> Result<TcpStream> {
    let host = uri.host.as_deref().unwrap_or("localhost");
    let port = uri.port.unwrap_or(TCP_PORT);
    let addrs = (host, port).to_socket_addrs().map_err(|e| {
        Error::system(
            ErrorDomain::Rpc,
            &e,
            format!("Unable to resolve address '{host}' service '{port}'"),
        )
    })?;
    let mut last = std::io::Error::from(std::io::ErrorKind::AddrNotAvailable);
    for addr in addrs {
        match TcpStream::connect(addr) {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = e,
        }
    }
    Err(Error::system(
        ErrorDomain::Rpc,
        &last,
        format!("unable to connect to server at '{host}:{port}'"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> ConnectUri {
        ConnectUri::parse(text).unwrap()
    }

    #[test]
    fn transports() {
        assert_eq!(transport_of(&uri("qemu+unix:///system")), "unix");
        assert_eq!(transport_of(&uri("qemu://host/system")), "tls");
        assert_eq!(transport_of(&uri("qemu+ssh://host/system")), "ssh");
    }

    #[test]
    fn sockets() {
        assert_eq!(
            socket_path(&uri("test+unix:///default?socket=/tmp/s"), true),
            "/tmp/s"
        );
        assert_eq!(
            socket_path(&uri("qemu+unix:///system"), false),
            SYSTEM_SOCKET
        );
        assert_eq!(
            socket_path(&uri("qemu+unix:///system"), true),
            SYSTEM_SOCKET_RO
        );
    }

    #[test]
    fn missing_socket_is_a_system_error() {
        let e = connect(&uri("test+unix:///default?socket=/nonexistent/x"), false).unwrap_err();
        assert_eq!(e.code, ErrorCode::SystemError);
        assert_eq!(e.domain, ErrorDomain::Rpc);
        assert_eq!(
            e.message,
            "Failed to connect socket to '/nonexistent/x': No such file or directory"
        );
    }

    #[test]
    fn unknown_transport() {
        let e = connect(&uri("test+foo:///default"), false).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArg);
        assert_eq!(e.domain, ErrorDomain::Remote);
        let e = connect(&uri("test+tls://localhost/default"), false).unwrap_err();
        assert_eq!(e.code, ErrorCode::NoSupport);
        let e = connect(
            &uri("test+ext:///default?command=/nonexistent/relay"),
            false,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::SystemError);
        assert_eq!(
            e.message,
            "Cannot find '/nonexistent/relay' in path: No such file or directory"
        );
    }
}
