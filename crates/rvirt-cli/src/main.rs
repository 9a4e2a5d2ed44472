//! `rvirt`: a virsh-compatible shell over rvirt's drivers.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod commands;
mod ctl;
mod lookup;
mod util;
mod vsh;
mod xpath;

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use crate::ctl::{Ctl, Failure};
use crate::vsh::parser::{parse_argv, parse_line, ParsedCmd};

/// Top-level options, as virsh takes them; everything after the first non-option word is
/// the command.
#[derive(Debug, Parser)]
#[command(
    name = "rvirt",
    disable_help_flag = true,
    disable_version_flag = true,
    about = "virsh-compatible management shell for rvirt"
)]
struct Args {
    /// Hypervisor connection URI.
    #[arg(short = 'c', long = "connect", value_name = "URI")]
    connect: Option<String>,
    /// Connect read-only.
    #[arg(short = 'r', long = "readonly")]
    readonly: bool,
    /// Quiet mode: no headers, no informational messages.
    #[arg(short = 'q', long = "quiet")]
    quiet: bool,
    /// Print the short version and exit.
    #[arg(short = 'v', long = "version")]
    version: bool,
    /// Print the long version and exit.
    #[arg(short = 'V')]
    long_version: bool,
    /// Print this help.
    #[arg(short = 'h', long = "help")]
    help: bool,
    /// Debug level (accepted for compatibility).
    #[arg(short = 'd', long = "debug", value_name = "NUM")]
    debug: Option<u32>,
    /// Timing (accepted for compatibility).
    #[arg(short = 't', long = "timing")]
    timing: bool,
    /// The command and its arguments (one argument may hold several `;`-separated commands).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

/// The libvirt API level rvirt speaks, as `major.minor.micro`.
fn api_version() -> String {
    let v = rvirt::LIBVIRT_API_VERSION;
    format!("{}.{}.{}", v / 1_000_000, (v / 1000) % 1000, v % 1000)
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            report_usage_error(&e);
            return ExitCode::FAILURE;
        }
    };
    if args.help {
        print!("{}", usage());
        return ExitCode::SUCCESS;
    }
    if args.version {
        println!("{}", api_version());
        return ExitCode::SUCCESS;
    }
    if args.long_version {
        println!(
            "rvirt {} command line tool (libvirt {} compatible)\n\nCompiled with support for:\n Hypervisors: Test\n",
            rvirt::RVIRT_VERSION,
            api_version()
        );
        return ExitCode::SUCCESS;
    }
    let _ = (args.debug, args.timing);
    let mut ctl = Ctl::new(
        args.connect.clone(),
        args.readonly,
        args.quiet,
        commands::table(),
    );

    if let Some(first) = args.command.first().filter(|w| w.starts_with('-')) {
        eprintln!("error: unsupported option '{first}'. See --help.");
        return ExitCode::FAILURE;
    }
    if args.command.is_empty() {
        return interactive(&mut ctl);
    }
    let parsed = if args.command.len() == 1 {
        parse_line(&ctl.table, &args.command[0])
    } else {
        parse_argv(&ctl.table, &args.command)
    };
    let cmds = match parsed {
        Ok(c) => c,
        Err(msg) => {
            ctl.report(&Failure::msg(msg));
            return ExitCode::FAILURE;
        }
    };
    if let Err(f) = ctl.connect() {
        ctl.report(&f);
        return ExitCode::FAILURE;
    }
    if run_commands(&mut ctl, &cmds) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Reports a bad top-level option the way virsh does.
fn report_usage_error(err: &clap::Error) {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let arg = match err.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => s.split_whitespace().next().map(str::to_string),
        _ => None,
    };
    match (err.kind(), arg) {
        (ErrorKind::UnknownArgument, Some(arg)) => {
            eprintln!("error: unsupported option '{arg}'. See --help.");
        }
        (ErrorKind::InvalidValue | ErrorKind::ValueValidation, Some(arg)) => {
            let short = match arg.as_str() {
                "--connect" => "'-c'/",
                "--debug" => "'-d'/",
                _ => "",
            };
            eprintln!("error: option {short}'{arg}' requires an argument");
        }
        _ => {
            let _ = err.print();
        }
    }
}

/// Runs commands in order as vsh does: each failure is reported and the next command still
/// runs; the status is the last command's. A blank line follows every command unless quiet.
fn run_commands(ctl: &mut Ctl, cmds: &[ParsedCmd]) -> bool {
    let mut ok = true;
    for cmd in cmds {
        let result = if cmd.def.no_connect {
            (cmd.def.handler)(ctl, cmd)
        } else {
            ctl.connect().and_then(|()| (cmd.def.handler)(ctl, cmd))
        };
        ok = result.is_ok();
        if let Err(f) = &result {
            ctl.report(f);
        }
        if ctl.quit_requested {
            break;
        }
        ctl.print_extra("\n");
    }
    let _ = std::io::stdout().flush();
    ok
}

/// Reads commands from stdin, one line at a time.
fn interactive(ctl: &mut Ctl) -> ExitCode {
    let stdin = std::io::stdin();
    let tty = stdin.is_terminal();
    if !ctl.quiet {
        ctl.print("rvirt: interactive virtualization shell.\n\nEnter 'help' to list the commands, 'quit' to leave.\n\n");
    }
    if let Err(f) = ctl.connect() {
        ctl.report(&f);
    }
    let mut lines = stdin.lock().lines();
    loop {
        ctl.print("rvirt # ");
        let _ = std::io::stdout().flush();
        let Some(Ok(line)) = lines.next() else {
            break;
        };
        if !tty {
            // A terminal echoes what is typed; show piped input the same way.
            ctl.print(&format!("{line}\n"));
        }
        match parse_line(&ctl.table, &line) {
            Ok(cmds) => {
                run_commands(ctl, &cmds);
            }
            Err(msg) => ctl.report(&Failure::msg(msg)),
        }
        if ctl.quit_requested {
            break;
        }
    }
    ctl.print("\n");
    ExitCode::SUCCESS
}

fn usage() -> String {
    "\nrvirt [options]... [<command_string>]\nrvirt [options]... <command> [args...]\n\n  options:\n    -c | --connect=URI      URI of the hypervisor to use\n    -d | --debug=NUM        debug level 0-4 (ignored)\n    -h | --help             show this text\n    -q | --quiet            no headers or progress messages\n    -r | --readonly         open a read-only connection\n    -t | --timing           time commands (ignored)\n    -v                      print the version number\n    -V                      print the version and features\n         --version          print the version number\n\n  commands (non interactive mode):\n\n  (run 'rvirt help' for the list)\n\n".to_string()
}
