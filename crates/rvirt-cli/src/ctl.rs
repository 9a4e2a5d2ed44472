//! The shell's state while commands run (the connection, quiet mode, output) and the
//! failure type commands return, printed as virsh prints errors.

use std::io::Write;

use rvirt::{Connect, Error};

use crate::vsh::parser::ParsedCmd;
use crate::vsh::spec::CommandTable;

/// Why a command failed: the lines virsh would print, each after `error: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub lines: Vec<String>,
}

impl Failure {
    /// A failure reported by the shell itself.
    pub fn msg(text: impl Into<String>) -> Self {
        Failure {
            lines: vec![text.into()],
        }
    }

    /// The shell's own message followed by the library's error, as `vshError` followed by
    /// `vshReportError` prints them.
    pub fn with(text: impl Into<String>, err: &Error) -> Self {
        Failure {
            lines: vec![text.into(), err.message.clone()],
        }
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure {
            lines: vec![err.message],
        }
    }
}

/// What a command returns.
pub type CmdResult = Result<(), Failure>;

/// Shell state shared by the commands of one invocation.
pub struct Ctl {
    /// The URI to connect to (`None`: the default).
    pub uri: Option<String>,
    pub readonly: bool,
    pub quiet: bool,
    conn: Option<Connect>,
    pub table: CommandTable,
    /// Set by `quit`/`exit`: stop running further commands.
    pub quit_requested: bool,
}

impl Ctl {
    pub fn new(uri: Option<String>, readonly: bool, quiet: bool, table: CommandTable) -> Self {
        Ctl {
            uri,
            readonly,
            quiet,
            conn: None,
            table,
            quit_requested: false,
        }
    }

    /// Opens the connection if not yet open.
    pub fn connect(&mut self) -> Result<(), Failure> {
        if self.conn.is_some() {
            return Ok(());
        }
        let opened = if self.readonly {
            Connect::open_read_only(self.uri.as_deref())
        } else {
            Connect::open(self.uri.as_deref())
        };
        match opened {
            Ok(conn) => {
                self.conn = Some(conn);
                Ok(())
            }
            Err(err) => Err(Failure::with("failed to connect to the hypervisor", &err)),
        }
    }

    /// Replaces the connection (the `connect` command).
    pub fn reconnect(&mut self, uri: Option<String>, readonly: bool) -> Result<(), Failure> {
        self.conn = None;
        self.uri = uri;
        self.readonly = readonly;
        self.connect()
    }

    /// The open connection.
    pub fn conn(&self) -> Result<&Connect, Failure> {
        self.conn
            .as_ref()
            .ok_or_else(|| Failure::msg("no valid connection"))
    }

    /// Fails as libvirt's public API does when a read-only connection calls a modifying
    /// function (`function` is the API name libvirt reports).
    pub fn writable(&self, function: &str) -> rvirt::Result<&Connect> {
        let conn = self.conn.as_ref().ok_or_else(|| {
            Error::new(rvirt::ErrorDomain::None, rvirt::ErrorCode::InvalidConn, "")
        })?;
        conn.check_writable_for(function)?;
        Ok(conn)
    }

    /// Prints data (always shown).
    pub fn print(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        // A closed stdout (`| head`) is not worth a panic; virsh ignores it too.
        let _ = out.write_all(text.as_bytes());
    }

    /// Prints decoration and progress messages, which `--quiet` hides.
    pub fn print_extra(&self, text: &str) {
        if !self.quiet {
            self.print(text);
        }
    }

    /// Prints a JSON value on one document, followed by a newline.
    pub fn print_json(&self, value: &serde_json::Value) {
        let text = serde_json::to_string_pretty(value).unwrap_or_default();
        self.print(&text);
        self.print("\n");
    }

    /// Prints the error lines of a failure on stderr.
    pub fn report(&self, failure: &Failure) {
        let _ = std::io::stdout().lock().flush();
        let mut err = std::io::stderr().lock();
        for line in &failure.lines {
            let _ = writeln!(err, "error: {line}");
        }
    }
}

/// Typed access to a parsed command's options, with vsh's error messages.
pub trait OptAccess {
    /// A string option; empty values are refused as vsh refuses them.
    fn string(&self, name: &str) -> Result<Option<&str>, Failure>;
    /// A string option that the parser guarantees present.
    fn required(&self, name: &str) -> Result<&str, Failure>;
    /// A plain integer option.
    fn int(&self, name: &str) -> Result<Option<i64>, Failure>;
    /// A non-negative integer option.
    fn uint(&self, name: &str) -> Result<Option<u64>, Failure>;
    /// A scaled integer (`1G`, `512M`...), `default_scale` applied to bare numbers.
    fn scaled(&self, name: &str, default_scale: u64) -> Result<Option<u64>, Failure>;
}

impl OptAccess for ParsedCmd {
    fn string(&self, name: &str) -> Result<Option<&str>, Failure> {
        match self.raw(name) {
            None => Ok(None),
            Some("") => Err(Failure::msg(format!(
                "Failed to get option '{name}': Option argument is empty"
            ))),
            Some(v) => Ok(Some(v)),
        }
    }

    fn required(&self, name: &str) -> Result<&str, Failure> {
        self.string(name)?.ok_or_else(|| {
            Failure::msg(format!(
                "Failed to get option '{name}': Mandatory option not present"
            ))
        })
    }

    fn int(&self, name: &str) -> Result<Option<i64>, Failure> {
        let Some(text) = self.raw(name) else {
            return Ok(None);
        };
        text.parse::<i32>().map(|v| Some(v as i64)).map_err(|_| {
            Failure::msg(format!(
                "Numeric value '{text}' for <{name}> option is malformed or out of range"
            ))
        })
    }

    fn uint(&self, name: &str) -> Result<Option<u64>, Failure> {
        let Some(text) = self.raw(name) else {
            return Ok(None);
        };
        if text.starts_with('-') {
            return Err(Failure::msg(format!(
                "Numeric value '{text}' for <{name}> option is malformed or out of range"
            )));
        }
        text.parse::<u32>().map(|v| Some(v as u64)).map_err(|_| {
            Failure::msg(format!(
                "Numeric value '{text}' for <{name}> option is malformed or out of range"
            ))
        })
    }

    fn scaled(&self, name: &str, default_scale: u64) -> Result<Option<u64>, Failure> {
        let Some(text) = self.raw(name) else {
            return Ok(None);
        };
        crate::util::parse_scaled(text, default_scale)
            .map(Some)
            .ok_or_else(|| {
                Failure::msg(format!(
                    "Scaled numeric value '{text}' for <{name}> option is malformed or out of range"
                ))
            })
    }
}
