//! Help texts laid out as vsh lays them out: the grouped command list, one group, and the
//! NAME / SYNOPSIS / DESCRIPTION / OPTIONS page of one command.

use crate::vsh::spec::{CmdDef, CmdGroup, CommandTable, OptKind};

/// `help` without arguments: every group.
pub fn all_groups(table: &CommandTable) -> String {
    let mut out = String::from("Grouped commands:\n\n");
    for group in &table.groups {
        out.push_str(&group_help(group));
        out.push('\n');
    }
    out
}

/// `help KEYWORD`: one group's commands.
pub fn group_help(group: &CmdGroup) -> String {
    let mut out = format!(" {} (help keyword '{}'):\n", group.name, group.keyword);
    let mut commands: Vec<&CmdDef> = group.commands.iter().collect();
    commands.sort_by_key(|c| c.name);
    for cmd in commands {
        out.push_str(&format!("    {:<30} {}\n", cmd.name, cmd.help));
    }
    out
}

/// `help COMMAND`: the manual page of one command.
pub fn command_help(def: &CmdDef) -> String {
    let mut out = format!("  NAME\n    {} - {}\n", def.name, def.help);
    out.push_str("\n  SYNOPSIS\n");
    out.push_str(&format!("    {}", def.name));
    // Once a positional non-data option exists, argv options may be named too.
    let mut short_form = false;
    for opt in &def.opts {
        let part = match opt.kind {
            OptKind::Bool => format!("[--{}]", opt.name),
            OptKind::Int if opt.required => format!("<{}>", opt.name),
            OptKind::Int => {
                short_form |= opt.positional;
                format!("[--{} <number>]", opt.name)
            }
            OptKind::String => {
                short_form |= opt.positional;
                format!("[--{} <string>]", opt.name)
            }
            OptKind::Data => {
                short_form = true;
                format!("<{}>", opt.name)
            }
            OptKind::Argv if short_form => format!("[[--{}] <string>]...", opt.name),
            OptKind::Argv => format!("[<{}>]...", opt.name),
        };
        out.push(' ');
        out.push_str(&part);
    }
    out.push('\n');
    if !def.desc.is_empty() {
        out.push_str(&format!("\n  DESCRIPTION\n    {}\n", def.desc));
    }
    if !def.opts.is_empty() {
        out.push_str("\n  OPTIONS\n");
        for opt in &def.opts {
            let left = match opt.kind {
                OptKind::Bool => format!("--{}", opt.name),
                OptKind::Int if opt.required => format!("[--{}] <number>", opt.name),
                OptKind::Int => format!("--{} <number>", opt.name),
                OptKind::String => format!("--{} <string>", opt.name),
                OptKind::Data => format!("[--{}] <string>", opt.name),
                OptKind::Argv if short_form => format!("[--{}] <string>", opt.name),
                OptKind::Argv => format!("<{}>", opt.name),
            };
            out.push_str(&format!("    {left:<15}  {}\n", opt.help));
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vsh::spec::{data, flag};

    #[test]
    fn command_page_layout() {
        let def = CmdDef::new("domstate", "show a state", "Prints the state.", |_, _| {
            Ok(())
        })
        .opts(&[data("domain", "which domain"), flag("reason", "say why")]);
        let page = command_help(&def);
        assert!(page.starts_with(
            "  NAME\n    domstate - show a state\n\n  SYNOPSIS\n    domstate <domain> [--reason]\n"
        ));
        assert!(page.contains(
            "\n  OPTIONS\n    [--domain] <string>  which domain\n    --reason         say why\n\n"
        ));
    }
}
