//! Command and option definitions: the table every command registers itself in, modelled
//! on vsh's command definitions (option kinds, required options, positional data).

use crate::ctl::{CmdResult, Ctl};
use crate::vsh::parser::ParsedCmd;

/// How an option takes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptKind {
    /// A flag without value (`--all`).
    Bool,
    /// A string value (`--pool NAME`).
    String,
    /// A numeric value (`--cellno 0`).
    Int,
    /// Required data, normally given positionally (`<domain>`).
    Data,
    /// Every remaining argument (`echo`'s words).
    Argv,
}

/// One option of a command.
#[derive(Debug, Clone, Copy)]
pub struct OptDef {
    pub name: &'static str,
    pub kind: OptKind,
    /// The command fails to parse without it.
    pub required: bool,
    /// A bare argument may fill it (in declaration order), as vsh lets non-bool options do
    /// unless they are marked as needing their `--name`.
    pub positional: bool,
    pub help: &'static str,
}

impl OptDef {
    /// Whether the option consumes a value.
    pub fn takes_value(&self) -> bool {
        self.kind != OptKind::Bool
    }
}

/// A required data option, positional (`<domain>`).
pub const fn data(name: &'static str, help: &'static str) -> OptDef {
    OptDef {
        name,
        kind: OptKind::Data,
        required: true,
        positional: true,
        help,
    }
}

/// A boolean flag.
pub const fn flag(name: &'static str, help: &'static str) -> OptDef {
    OptDef {
        name,
        kind: OptKind::Bool,
        required: false,
        positional: false,
        help,
    }
}

/// An optional string that a bare argument may fill.
pub const fn string(name: &'static str, help: &'static str) -> OptDef {
    OptDef {
        name,
        kind: OptKind::String,
        required: false,
        positional: true,
        help,
    }
}

/// An optional string that must be named (`--xpath EXPR`).
pub const fn named_string(name: &'static str, help: &'static str) -> OptDef {
    OptDef {
        name,
        kind: OptKind::String,
        required: false,
        positional: false,
        help,
    }
}

/// A required number, positional (`<size>`).
pub const fn required_int(name: &'static str, help: &'static str) -> OptDef {
    OptDef {
        name,
        kind: OptKind::Int,
        required: true,
        positional: true,
        help,
    }
}

/// An optional number that a bare argument may fill.
pub const fn int(name: &'static str, help: &'static str) -> OptDef {
    OptDef {
        name,
        kind: OptKind::Int,
        required: false,
        positional: true,
        help,
    }
}

/// An optional number that must be named (`--period N`).
pub const fn named_int(name: &'static str, help: &'static str) -> OptDef {
    OptDef {
        name,
        kind: OptKind::Int,
        required: false,
        positional: false,
        help,
    }
}

/// Every remaining argument.
pub const fn argv(name: &'static str, help: &'static str) -> OptDef {
    OptDef {
        name,
        kind: OptKind::Argv,
        required: false,
        positional: true,
        help,
    }
}

/// The `--json` flag rvirt adds to listing and information commands.
pub const JSON: OptDef = flag("json", "print the result as JSON (rvirt extension)");

/// A command's implementation.
pub type Handler = fn(&mut Ctl, &ParsedCmd) -> CmdResult;

/// One command of the shell.
#[derive(Debug, Clone)]
pub struct CmdDef {
    pub name: &'static str,
    /// One-line summary (`help` listings).
    pub help: &'static str,
    /// Longer description (`help CMD`).
    pub desc: &'static str,
    pub opts: Vec<OptDef>,
    pub handler: Handler,
    /// The command runs without a hypervisor connection (help, echo, quit).
    pub no_connect: bool,
}

impl CmdDef {
    pub fn new(
        name: &'static str,
        help: &'static str,
        desc: &'static str,
        handler: Handler,
    ) -> Self {
        CmdDef {
            name,
            help,
            desc,
            opts: Vec::new(),
            handler,
            no_connect: false,
        }
    }

    /// Adds options (builder style).
    pub fn opts(mut self, opts: &[OptDef]) -> Self {
        self.opts.extend_from_slice(opts);
        self
    }

    pub fn no_connect(mut self) -> Self {
        self.no_connect = true;
        self
    }

    pub fn option(&self, name: &str) -> Option<(usize, &OptDef)> {
        self.opts.iter().enumerate().find(|(_, o)| o.name == name)
    }
}

/// A named group of commands, as `help` lists them.
#[derive(Debug, Clone)]
pub struct CmdGroup {
    pub name: &'static str,
    pub keyword: &'static str,
    pub commands: Vec<CmdDef>,
}

/// All groups, in the order `help` prints them.
#[derive(Debug, Clone)]
pub struct CommandTable {
    pub groups: Vec<CmdGroup>,
}

impl CommandTable {
    pub fn find(&self, name: &str) -> Option<&CmdDef> {
        self.groups
            .iter()
            .flat_map(|g| g.commands.iter())
            .find(|c| c.name == name)
    }

    pub fn find_group(&self, name: &str) -> Option<&CmdGroup> {
        self.groups
            .iter()
            .find(|g| g.name == name || g.keyword == name)
    }
}
