//! Connection URIs: `driver[+transport]://[user@][host][:port]/path?params`.

use crate::error::{Error, ErrorCode, ErrorDomain, Result};

/// A parsed connection URI with libvirt's well-known query parameters broken out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectUri {
    /// Driver name: `test`, `qemu`, ...
    pub driver: String,
    /// Transport after `+`: `unix`, `tcp`, `tls`, `ssh`, `ext`, `libssh`, `libssh2`.
    pub transport: Option<String>,
    pub user: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    /// Path, including the leading `/` (`/default`, `/system`, `/tmp/node.xml`); empty if none.
    pub path: String,
    /// Every query parameter, decoded, in order (including the well-known ones below).
    pub params: Vec<(String, String)>,
    /// The original text.
    pub original: String,
}

impl ConnectUri {
    /// Parses a URI; errors are `VIR_ERR_INVALID_ARG` from `VIR_FROM_URI` like libvirt's.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |why: &str| {
            Error::new(
                ErrorDomain::Uri,
                ErrorCode::InvalidArg,
                format!("Unable to parse URI {text}{why}"),
            )
        };
        let (scheme, rest) = text.split_once(':').ok_or_else(|| bad(""))?;
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            return Err(bad(""));
        }
        let (driver, transport) = match scheme.split_once('+') {
            Some((d, t)) => (d.to_string(), Some(t.to_string())),
            None => (scheme.to_string(), None),
        };
        let (hier, query) = match rest.split_once('?') {
            Some((h, q)) => (h, Some(q)),
            None => (rest, None),
        };
        let mut uri = ConnectUri {
            driver,
            transport,
            original: text.to_string(),
            ..Default::default()
        };
        if let Some(after) = hier.strip_prefix("//") {
            let (authority, path) = match after.find('/') {
                Some(i) => (&after[..i], &after[i..]),
                None => (after, ""),
            };
            let hostport = match authority.rsplit_once('@') {
                Some((user, hp)) => {
                    uri.user = Some(percent_decode(user));
                    hp
                }
                None => authority,
            };
            let (host, port) = split_host_port(hostport).ok_or_else(|| bad(""))?;
            if !host.is_empty() {
                uri.host = Some(host.to_string());
            }
            uri.port = port;
            uri.path = percent_decode(path);
        } else {
            uri.path = percent_decode(hier);
        }
        if let Some(q) = query {
            for pair in q.split(['&', ';']).filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                uri.params.push((percent_decode(k), percent_decode(v)));
            }
        }
        Ok(uri)
    }

    /// Value of a query parameter (the last one wins, as in libvirt's remote driver).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `socket=`: path of the daemon's unix socket.
    pub fn socket(&self) -> Option<&str> {
        self.param("socket")
    }
    /// `mode=`: `auto`, `direct` or `legacy`.
    pub fn mode(&self) -> Option<&str> {
        self.param("mode")
    }
    /// `no_verify=1`: skip certificate checks.
    pub fn no_verify(&self) -> bool {
        self.param("no_verify").is_some_and(|v| v != "0")
    }
    /// `keyfile=`: ssh private key.
    pub fn keyfile(&self) -> Option<&str> {
        self.param("keyfile")
    }
    /// `command=`: external command for the `ext` transport.
    pub fn command(&self) -> Option<&str> {
        self.param("command")
    }
    /// `netcat=`: netcat binary on the remote host.
    pub fn netcat(&self) -> Option<&str> {
        self.param("netcat")
    }
    /// `no_tty=1`: no terminal for ssh password prompts.
    pub fn no_tty(&self) -> bool {
        self.param("no_tty").is_some_and(|v| v != "0")
    }
    /// `name=`: the URI to open on the remote side.
    pub fn name(&self) -> Option<&str> {
        self.param("name")
    }

    /// Whether this URI must go through a daemon (a transport or a host is given).
    pub fn is_remote(&self) -> bool {
        self.transport.is_some() || self.host.is_some()
    }

    /// The URI with transport, host, user, port and the client-side parameters removed: what a
    /// client asks the daemon to open (`qemu+unix:///system?socket=x` -> `qemu:///system`).
    pub fn daemon_side(&self) -> String {
        const CLIENT_ONLY: &[&str] = &[
            "name",
            "command",
            "socket",
            "auth",
            "netcat",
            "keyfile",
            "sshauth",
            "no_verify",
            "no_tty",
            "tls_priority",
            "mode",
            "proxy",
            "pkipath",
            "known_hosts",
            "known_hosts_verify",
            "tls_hostname",
        ];
        if let Some(name) = self.name() {
            return name.to_string();
        }
        let mut s = format!("{}://{}", self.driver, self.path);
        let rest: Vec<String> = self
            .params
            .iter()
            .filter(|(k, _)| !CLIENT_ONLY.contains(&k.as_str()))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !rest.is_empty() {
            s.push('?');
            s.push_str(&rest.join("&"));
        }
        s
    }
}

fn split_host_port(hp: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = hp.strip_prefix('[') {
        // IPv6 literal.
        let (host, after) = rest.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(p) if !p.is_empty() => Some((host, Some(p.parse().ok()?))),
            _ => Some((host, None)),
        };
    }
    match hp.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() => Some((h, Some(p.parse().ok()?))),
        Some((h, _)) => Some((h, None)),
        None => Some((hp, None)),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
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
    fn local_test_uri() {
        let u = ConnectUri::parse("test:///default").unwrap();
        assert_eq!(u.driver, "test");
        assert_eq!(u.transport, None);
        assert_eq!(u.path, "/default");
        assert!(!u.is_remote());
    }

    #[test]
    fn remote_with_params() {
        let u = ConnectUri::parse(
            "qemu+ssh://root@host.example:2222/system?keyfile=/k&no_verify=1&no_tty=1&netcat=/bin/nc&command=/x&mode=direct",
        )
        .unwrap();
        assert_eq!(u.driver, "qemu");
        assert_eq!(u.transport.as_deref(), Some("ssh"));
        assert_eq!(u.user.as_deref(), Some("root"));
        assert_eq!(u.host.as_deref(), Some("host.example"));
        assert_eq!(u.port, Some(2222));
        assert_eq!(u.path, "/system");
        assert_eq!(u.keyfile(), Some("/k"));
        assert!(u.no_verify());
        assert!(u.no_tty());
        assert_eq!(u.netcat(), Some("/bin/nc"));
        assert_eq!(u.command(), Some("/x"));
        assert_eq!(u.mode(), Some("direct"));
        assert_eq!(u.daemon_side(), "qemu:///system");
    }

    #[test]
    fn unix_socket_param() {
        let u = ConnectUri::parse("test+unix:///default?socket=/tmp/a%20b/sock").unwrap();
        assert_eq!(u.socket(), Some("/tmp/a b/sock"));
        assert_eq!(u.daemon_side(), "test:///default");
        let u = ConnectUri::parse("qemu:///embed?root=/tmp/r").unwrap();
        assert_eq!(u.param("root"), Some("/tmp/r"));
        assert_eq!(u.daemon_side(), "qemu:///embed?root=/tmp/r");
    }

    #[test]
    fn ipv6_host() {
        let u = ConnectUri::parse("qemu+tcp://[::1]:16509/system").unwrap();
        assert_eq!(u.host.as_deref(), Some("::1"));
        assert_eq!(u.port, Some(16509));
    }

    #[test]
    fn garbage_is_rejected() {
        assert!(ConnectUri::parse("nonsense").is_err());
        assert!(ConnectUri::parse("qemu://h:notaport/system").is_err());
    }
}
