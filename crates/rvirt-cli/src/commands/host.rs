//! Host and hypervisor information, and the shell's own commands (help, echo, connect, quit).

use serde_json::json;

use crate::ctl::{CmdResult, Ctl, Failure, OptAccess};
use crate::vsh::help;
use crate::vsh::parser::ParsedCmd;
use crate::vsh::spec::*;

pub fn host_commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new(
            "capabilities",
            "hypervisor capabilities",
            "Print the capabilities XML of the host and its driver.",
            cmd_capabilities,
        ),
        CmdDef::new(
            "freecell",
            "free memory per NUMA cell",
            "Show how much memory is free in a NUMA cell, or in all of them.",
            cmd_freecell,
        )
        .opts(&[
            int("cellno", "the NUMA cell"),
            flag("all", "show every NUMA cell and the total"),
        ]),
        CmdDef::new("hostname", "show the host's name", "", cmd_hostname),
        CmdDef::new(
            "nodeinfo",
            "host hardware summary",
            "Print the host's CPU and memory figures.",
            cmd_nodeinfo,
        )
        .opts(&[JSON]),
        CmdDef::new(
            "nodememstats",
            "host memory statistics",
            "Print the host's memory counters in KiB.",
            cmd_nodememstats,
        )
        .opts(&[int("cell", "show only this cell's counters")]),
        CmdDef::new(
            "sysinfo",
            "show the host's SMBIOS data",
            "Print the host's system information as XML, when the driver has it",
            cmd_sysinfo,
        ),
        CmdDef::new("uri", "show the URI of the connection", "", cmd_uri),
        CmdDef::new(
            "version",
            "show versions",
            "Print the versions of this tool, the library and the hypervisor.",
            cmd_version,
        )
        .opts(&[flag("daemon", "also show the daemon's version")]),
    ]
}

pub fn shell_commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new(
            "connect",
            "open a new hypervisor connection",
            "Replace the current connection by a new one, to the given URI or the default.",
            cmd_connect,
        )
        .opts(&[
            string("name", "URI to connect to"),
            flag("readonly", "connect without write access"),
        ])
        .no_connect(),
        CmdDef::new(
            "echo",
            "print the arguments",
            "Print the arguments again, optionally quoted for a shell or XML.",
            cmd_echo,
        )
        .opts(&[
            flag("shell", "quote for a shell"),
            flag("xml", "escape for XML text"),
            flag(
                "split",
                "break arguments at ',' (write ',,' for a literal comma)",
            ),
            flag("err", "write to standard error"),
            argv("string", "the words to print"),
        ])
        .no_connect(),
        CmdDef::new("exit", "leave the shell", "", cmd_quit).no_connect(),
        CmdDef::new(
            "help",
            "show help",
            "Show every command, one command's manual, or the commands of one group",
            cmd_help,
        )
        .opts(&[string(
            "command",
            "Show every command, one command's manual, or the commands of one group",
        )])
        .no_connect(),
        CmdDef::new("quit", "leave the shell", "", cmd_quit).no_connect(),
    ]
}

/// `major.minor.micro` from libvirt's packed version number.
fn version_text(v: u64) -> String {
    format!("{}.{}.{}", v / 1_000_000, (v / 1000) % 1000, v % 1000)
}

fn cmd_version(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let hv = ctl.conn()?.hypervisor.clone();
    let api = version_text(rvirt::LIBVIRT_API_VERSION);
    let mut out = format!("Compiled against library: libvirt {api}\n");
    let lib = hv
        .connect_get_lib_version()
        .map_err(|e| Failure::with("failed to get the library version", &e))?;
    out.push_str(&format!("Using library: libvirt {}\n", version_text(lib)));
    let kind = hv
        .connect_get_type()
        .map_err(|e| Failure::with("failed to get the hypervisor type", &e))?;
    out.push_str(&format!("Using API: {kind} {}\n", version_text(lib)));
    let hv_version = hv
        .connect_get_version()
        .map_err(|e| Failure::with("failed to get the hypervisor version", &e))?;
    if hv_version == 0 {
        out.push_str(&format!(
            "Cannot extract running {kind} hypervisor version\n"
        ));
    } else {
        out.push_str(&format!(
            "Running hypervisor: {kind} {}\n",
            version_text(hv_version)
        ));
    }
    // rvirt's own release, beside the libvirt API level it implements (not in virsh).
    out.push_str(&format!("{RVIRT_VERSION_LINE}{}\n", rvirt::RVIRT_VERSION));
    if cmd.has("daemon") {
        let daemon = hv
            .connect_get_lib_version()
            .map_err(|e| Failure::with("failed to get the daemon version", &e))?;
        out.push_str(&format!(
            "Running against daemon: {}\n",
            version_text(daemon)
        ));
    }
    ctl.print(&out);
    Ok(())
}

/// The prefix of the line `version` adds to virsh's output (scripts comparing with virsh strip it).
pub const RVIRT_VERSION_LINE: &str = "Using rvirt: ";

fn cmd_hostname(ctl: &mut Ctl, _cmd: &ParsedCmd) -> CmdResult {
    let name = ctl
        .conn()?
        .hypervisor
        .connect_get_hostname()
        .map_err(|e| Failure::with("failed to get hostname", &e))?;
    ctl.print(&format!("{name}\n"));
    Ok(())
}

fn cmd_uri(ctl: &mut Ctl, _cmd: &ParsedCmd) -> CmdResult {
    let uri = ctl
        .conn()?
        .hypervisor
        .connect_get_uri()
        .map_err(|e| Failure::with("failed to get URI", &e))?;
    ctl.print(&format!("{uri}\n"));
    Ok(())
}

fn cmd_sysinfo(ctl: &mut Ctl, _cmd: &ParsedCmd) -> CmdResult {
    let xml = ctl
        .conn()?
        .hypervisor
        .connect_get_sysinfo(0)
        .map_err(|e| Failure::with("failed to get sysinfo", &e))?;
    ctl.print(&xml);
    Ok(())
}

fn cmd_capabilities(ctl: &mut Ctl, _cmd: &ParsedCmd) -> CmdResult {
    let xml = ctl
        .conn()?
        .hypervisor
        .connect_get_capabilities()
        .map_err(|e| Failure::with("failed to get capabilities", &e))?;
    // virsh adds a newline after the capabilities document (not after other XML).
    ctl.print(&xml);
    ctl.print("\n");
    Ok(())
}

fn cmd_nodeinfo(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let info = ctl
        .conn()?
        .hypervisor
        .node_get_info()
        .map_err(|e| Failure::with("failed to get node information", &e))?;
    if cmd.has("json") {
        ctl.print_json(&json!({
            "cpu_model": info.model,
            "cpus": info.cpus,
            "mhz": info.mhz,
            "sockets": info.sockets,
            "cores_per_socket": info.cores,
            "threads_per_core": info.threads,
            "numa_cells": info.nodes,
            "memory_kib": info.memory,
        }));
        return Ok(());
    }
    let rows = [
        ("CPU model:", info.model.clone()),
        ("CPU(s):", info.cpus.to_string()),
        ("CPU frequency:", format!("{} MHz", info.mhz)),
        ("CPU socket(s):", info.sockets.to_string()),
        ("Core(s) per socket:", info.cores.to_string()),
        ("Thread(s) per core:", info.threads.to_string()),
        ("NUMA cell(s):", info.nodes.to_string()),
        ("Memory size:", format!("{} KiB", info.memory)),
    ];
    let mut out = String::new();
    for (label, value) in rows {
        out.push_str(&format!("{label:<20} {value}\n"));
    }
    ctl.print(&out);
    Ok(())
}

fn cmd_nodememstats(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    // -1 asks for the whole node (VIR_NODE_MEMORY_STATS_ALL_CELLS).
    let cell = cmd.int("cell")?.unwrap_or(-1) as i32;
    let stats = ctl
        .conn()?
        .hypervisor
        .node_get_memory_stats(cell, 0)
        .map_err(|e| Failure::with("Unable to get number of memory stats", &e))?;
    let mut out = String::new();
    for s in stats {
        out.push_str(&format!(
            "{:<7} {:>20} KiB\n",
            format!("{}:", s.field),
            s.value
        ));
    }
    ctl.print(&out);
    Ok(())
}

/// Number of NUMA cells the capabilities describe.
fn cell_count(xml: &str) -> i32 {
    xml.matches("<cell id=").count() as i32
}

fn cmd_freecell(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let cellno = cmd.int("cellno")?;
    let all = cmd.has("all");
    if cellno.is_some() && all {
        return Err(Failure::msg(
            "Options --all and --cellno are mutually exclusive",
        ));
    }
    let hv = ctl.conn()?.hypervisor.clone();
    if all {
        let caps = hv
            .connect_get_capabilities()
            .map_err(|e| Failure::with("unable to get node capabilities", &e))?;
        let cells = cell_count(&caps).max(1);
        let free = hv
            .node_get_cells_free_memory(0, cells)
            .map_err(|e| Failure::with("failed to get free memory for NUMA nodes", &e))?;
        let mut out = String::new();
        let mut total = 0u64;
        for (i, bytes) in free.iter().enumerate() {
            out.push_str(&format!("{i:5}: {:10} KiB\n", bytes / 1024));
            total += bytes / 1024;
        }
        ctl.print(&out);
        ctl.print_extra("--------------------\n");
        ctl.print_extra(&format!("{:<5} {total:10} KiB\n", "Total:"));
        return Ok(());
    }
    match cellno {
        Some(cell) if cell < 0 => {
            // libvirt's public API refuses this before reaching any driver.
            return Err(rvirt::Error::raw(
                rvirt::ErrorDomain::None,
                rvirt::ErrorCode::InvalidArg,
                "startCell in virNodeGetCellsFreeMemory must be zero or greater",
            )
            .into());
        }
        Some(cell) => {
            let free = hv.node_get_cells_free_memory(cell as i32, 1)?;
            let bytes = free.first().copied().unwrap_or(0);
            ctl.print(&format!("{cell}: {} KiB\n", bytes / 1024));
        }
        None => {
            let bytes = hv
                .node_get_free_memory()
                .map_err(|e| Failure::with("failed to get free memory", &e))?;
            ctl.print(&format!("Total: {} KiB\n", bytes / 1024));
        }
    }
    Ok(())
}

fn cmd_help(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let text = match cmd.raw("command") {
        None => help::all_groups(&ctl.table),
        Some(name) => {
            if let Some(def) = ctl.table.find(name) {
                help::command_help(def)
            } else if let Some(group) = ctl.table.find_group(name) {
                help::group_help(group)
            } else {
                return Err(Failure::msg(format!(
                    "command or command group '{name}' doesn't exist"
                )));
            }
        }
    };
    ctl.print(&text);
    Ok(())
}

fn cmd_quit(ctl: &mut Ctl, _cmd: &ParsedCmd) -> CmdResult {
    ctl.quit_requested = true;
    Ok(())
}

fn cmd_connect(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let uri = cmd.string("name")?.map(str::to_string);
    let readonly = cmd.has("readonly");
    ctl.reconnect(uri, readonly)
}

fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

fn xml_escape(word: &str) -> String {
    word.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn cmd_echo(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let render = |w: &str| {
        let w = if cmd.has("xml") {
            xml_escape(w)
        } else {
            w.to_string()
        };
        if cmd.has("shell") {
            shell_quote(&w)
        } else {
            w
        }
    };
    let rendered: Vec<String> = cmd
        .all("string")
        .into_iter()
        .map(|arg| {
            if cmd.has("split") {
                // Each piece of a split argument ends its own line.
                split_commas(arg)
                    .iter()
                    .map(|piece| format!("{}\n", render(piece)))
                    .collect()
            } else {
                render(arg)
            }
        })
        .collect();
    let text = rendered.join(" ");
    if cmd.has("err") {
        ctl.report(&Failure::msg(text));
    } else {
        // No newline: the blank line printed after every command ends it.
        ctl.print(&text);
    }
    Ok(())
}

/// Splits on `,`, with `,,` standing for a literal comma.
fn split_commas(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ',' {
            if chars.peek() == Some(&',') {
                chars.next();
                if let Some(last) = parts.last_mut() {
                    last.push(',');
                }
            } else {
                parts.push(String::new());
            }
        } else if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    parts
}
