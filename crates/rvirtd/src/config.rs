//! `rvirtd.conf`: libvirtd.conf's syntax (`key = value` lines, `#` comments, integers,
//! quoted strings and `[ ... ]` lists) and the keys rvirtd understands.

use std::path::Path;

/// Why a configuration file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Syntax {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Value { path: String, message: String },
}

/// One value in a libvirt-style configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfValue {
    Int(i64),
    Str(String),
    List(Vec<ConfValue>),
}

/// The daemon's settings, libvirtd's defaults unless the file says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub max_clients: usize,
    /// Calls one client may have in progress; its socket is not read while at the limit.
    pub max_client_requests: usize,
    pub max_workers: usize,
    pub min_workers: usize,
    pub prio_workers: usize,
    /// Seconds between keepalive PINGs to an idle client; 0 or negative disables them.
    pub keepalive_interval: i64,
    /// PINGs a client may leave unanswered before it is dropped.
    pub keepalive_count: u32,
    pub unix_sock_ro_perms: u32,
    pub unix_sock_rw_perms: u32,
    pub unix_sock_group: Option<String>,
    /// libvirt's log levels: 1 debug, 2 info, 3 warning, 4 error.
    pub log_level: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_clients: 5000,
            max_client_requests: 5,
            max_workers: 20,
            min_workers: 5,
            prio_workers: 5,
            keepalive_interval: 5,
            keepalive_count: 5,
            unix_sock_ro_perms: 0o777,
            unix_sock_rw_perms: 0o700,
            unix_sock_group: None,
            log_level: 3,
        }
    }
}

impl Config {
    /// Reads `path`; a missing file gives the defaults when `required` is false.
    pub fn load(path: &Path, required: bool) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, &path.display().to_string()),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Config::default())
            }
            Err(source) => Err(ConfigError::Read {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    /// Parses the text of a configuration file named `origin` (for messages).
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let entries = parse_entries(text, origin)?;
        let mut config = Config::default();
        let min_given = entries.iter().any(|(k, _)| k == "min_workers");
        for (key, value) in entries {
            let bad = |what: &str| ConfigError::Value {
                path: origin.to_string(),
                message: format!("{key}: expected {what}"),
            };
            match key.as_str() {
                "max_clients" => {
                    config.max_clients =
                        positive(&value).ok_or_else(|| bad("a positive integer"))?
                }
                "max_client_requests" => {
                    config.max_client_requests =
                        positive(&value).ok_or_else(|| bad("a positive integer"))?
                }
                "max_workers" => {
                    config.max_workers =
                        positive(&value).ok_or_else(|| bad("a positive integer"))?
                }
                "min_workers" => {
                    config.min_workers =
                        non_negative(&value).ok_or_else(|| bad("an integer >= 0"))?
                }
                "prio_workers" => {
                    config.prio_workers =
                        non_negative(&value).ok_or_else(|| bad("an integer >= 0"))?
                }
                "keepalive_interval" => match value {
                    ConfValue::Int(n) => config.keepalive_interval = n,
                    _ => return Err(bad("an integer")),
                },
                "keepalive_count" => {
                    config.keepalive_count = non_negative(&value)
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| bad("an integer >= 0"))?
                }
                "unix_sock_ro_perms" => {
                    config.unix_sock_ro_perms =
                        perms(&value).ok_or_else(|| bad("an octal mode string such as \"0777\""))?
                }
                "unix_sock_rw_perms" => {
                    config.unix_sock_rw_perms =
                        perms(&value).ok_or_else(|| bad("an octal mode string such as \"0700\""))?
                }
                "unix_sock_group" => match value {
                    ConfValue::Str(s) => config.unix_sock_group = Some(s),
                    _ => return Err(bad("a string")),
                },
                "log_level" => {
                    config.log_level = match value {
                        ConfValue::Int(n @ 1..=4) => n as u32,
                        _ => return Err(bad("an integer from 1 to 4")),
                    }
                }
                other => tracing::warn!("{origin}: ignoring unknown setting {other}"),
            }
        }
        if config.min_workers > config.max_workers && !min_given {
            config.min_workers = config.max_workers;
        }
        if config.min_workers > config.max_workers {
            return Err(ConfigError::Value {
                path: origin.to_string(),
                message: "min_workers must not exceed max_workers".to_string(),
            });
        }
        Ok(config)
    }
}

fn positive(v: &ConfValue) -> Option<usize> {
    match v {
        ConfValue::Int(n) if *n > 0 => usize::try_from(*n).ok(),
        _ => None,
    }
}

fn non_negative(v: &ConfValue) -> Option<usize> {
    match v {
        ConfValue::Int(n) if *n >= 0 => usize::try_from(*n).ok(),
        _ => None,
    }
}

fn perms(v: &ConfValue) -> Option<u32> {
    match v {
        ConfValue::Str(s) => u32::from_str_radix(s, 8).ok().filter(|m| *m <= 0o7777),
        _ => None,
    }
}

/// Splits a file into `(key, value)` entries, in order.
pub fn parse_entries(text: &str, origin: &str) -> Result<Vec<(String, ConfValue)>, ConfigError> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        pos: 0,
        line: 1,
        origin,
    };
    let mut out = Vec::new();
    loop {
        parser.skip_blank(true);
        if parser.at_end() {
            break;
        }
        let key = parser.ident()?;
        parser.skip_blank(false);
        if parser.peek() != Some('=') {
            return Err(parser.error(format!("expected '=' after {key}")));
        }
        parser.pos += 1;
        parser.skip_blank(false);
        let value = parser.value()?;
        parser.skip_blank(false);
        match parser.peek() {
            None | Some('\n') | Some('#') | Some(';') => {
                if parser.peek() == Some(';') {
                    parser.pos += 1;
                }
            }
            Some(c) => return Err(parser.error(format!("unexpected '{c}' after value of {key}"))),
        }
        out.push((key, value));
    }
    Ok(out)
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    origin: &'a str,
}

impl Parser<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn error(&self, message: String) -> ConfigError {
        ConfigError::Syntax {
            path: self.origin.to_string(),
            line: self.line,
            message,
        }
    }

    /// Skips spaces and comments; newlines too when `newlines`.
    fn skip_blank(&mut self, newlines: bool) {
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' => self.pos += 1,
                '\n' if newlines => {
                    self.line += 1;
                    self.pos += 1
                }
                '#' => {
                    while let Some(c) = self.peek() {
                        if c == '\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn ident(&mut self) -> Result<String, ConfigError> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
                self.pos += 1;
            } else {
                break;
            }
        }
        if start == self.pos {
            return Err(self.error("expected a setting name".to_string()));
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }

    fn value(&mut self) -> Result<ConfValue, ConfigError> {
        match self.peek() {
            Some(q @ ('"' | '\'')) => {
                self.pos += 1;
                let start = self.pos;
                while let Some(c) = self.peek() {
                    if c == q {
                        let s: String = self.chars[start..self.pos].iter().collect();
                        self.pos += 1;
                        return Ok(ConfValue::Str(s));
                    }
                    if c == '\n' {
                        break;
                    }
                    self.pos += 1;
                }
                Err(self.error("unterminated string".to_string()))
            }
            Some('[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_blank(true);
                    match self.peek() {
                        Some(']') => {
                            self.pos += 1;
                            return Ok(ConfValue::List(items));
                        }
                        None => return Err(self.error("unterminated list".to_string())),
                        _ => {}
                    }
                    items.push(self.value()?);
                    self.skip_blank(true);
                    match self.peek() {
                        Some(',') => self.pos += 1,
                        Some(']') => {}
                        _ => return Err(self.error("expected ',' or ']' in list".to_string())),
                    }
                }
            }
            Some(c) if c.is_ascii_digit() || c == '-' || c == '+' => {
                let start = self.pos;
                self.pos += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
                let text: String = self.chars[start..self.pos].iter().collect();
                text.parse::<i64>()
                    .map(ConfValue::Int)
                    .map_err(|_| self.error(format!("bad number {text}")))
            }
            _ => Err(self.error("expected a number, a quoted string or a list".to_string())),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_libvirtd_style() {
        let c = Config::parse(
            "# comment\nmax_clients = 10\nmax_workers=3 # trailing\nunix_sock_rw_perms = \"0770\"\n\
             keepalive_interval = -1\nlog_level = 1\naccess_drivers = [ \"polkit\", 'x' ]\n",
            "t",
        )
        .unwrap();
        assert_eq!(c.max_clients, 10);
        assert_eq!(c.max_workers, 3);
        assert_eq!(c.unix_sock_rw_perms, 0o770);
        assert_eq!(c.keepalive_interval, -1);
        assert_eq!(c.log_level, 1);
    }

    #[test]
    fn refuses_bad_files() {
        assert!(Config::parse("max_clients = \"x\"\n", "t").is_err());
        assert!(Config::parse("max_clients 3\n", "t").is_err());
        assert!(Config::parse("unix_sock_rw_perms = \"0999\"\n", "t").is_err());
        assert!(Config::parse("log_level = \"unterminated\n", "t").is_err());
        assert!(Config::parse("max_workers = 2\nmin_workers = 5\n", "t").is_err());
    }
}
