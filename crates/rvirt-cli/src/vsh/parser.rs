//! Turning words into commands with their options, following vsh's rules: `--name value`,
//! `--name=value`, bare words filling the positional options in declaration order, `--`
//! ending option parsing, and a parse error anywhere rejecting the whole line.

use crate::vsh::spec::{CmdDef, CommandTable, OptDef, OptKind};
use crate::vsh::tokenizer::{tokenize, Token};

/// One option given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenOpt {
    pub name: &'static str,
    /// `None` for a flag.
    pub value: Option<String>,
}

/// A parsed command, ready to run.
#[derive(Debug, Clone)]
pub struct ParsedCmd {
    pub def: CmdDef,
    pub opts: Vec<GivenOpt>,
}

impl ParsedCmd {
    /// Whether a flag (or any option) named `name` was given.
    pub fn has(&self, name: &str) -> bool {
        self.opts.iter().any(|o| o.name == name)
    }

    /// The raw value of option `name`, if given.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.opts
            .iter()
            .find(|o| o.name == name)
            .and_then(|o| o.value.as_deref())
    }

    /// All values of an argv option.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.opts
            .iter()
            .filter(|o| o.name == name)
            .filter_map(|o| o.value.as_deref())
            .collect()
    }
}

/// Parses a whole command string (possibly several `;`-separated commands).
pub fn parse_line(table: &CommandTable, line: &str) -> Result<Vec<ParsedCmd>, String> {
    let tokens = tokenize(line).map_err(|e| e.to_string())?;
    let mut commands = Vec::new();
    for words in tokens.split(|t| *t == Token::CommandEnd) {
        let words: Vec<String> = words
            .iter()
            .filter_map(|t| match t {
                Token::Word(w) => Some(w.clone()),
                Token::CommandEnd => None,
            })
            .collect();
        if let Some(cmd) = parse_words(table, &words)? {
            commands.push(cmd);
        }
    }
    Ok(commands)
}

/// Parses command-line words that form exactly one command (virsh's argv form:
/// `virsh list --all`, where `;` is not special).
pub fn parse_argv(table: &CommandTable, words: &[String]) -> Result<Vec<ParsedCmd>, String> {
    Ok(parse_words(table, words)?.into_iter().collect())
}

/// Parses one command's words; `None` for an empty command.
fn parse_words(table: &CommandTable, words: &[String]) -> Result<Option<ParsedCmd>, String> {
    let Some((name, rest)) = words.split_first() else {
        return Ok(None);
    };
    let def = table
        .find(name)
        .ok_or_else(|| format!("unknown command: '{name}'"))?;
    let is_help = def.name == "help";
    let mut seen = vec![false; def.opts.len()];
    let mut opts = Vec::new();
    let mut data_only = false;
    let mut iter = rest.iter();
    while let Some(word) = iter.next() {
        let bytes = word.as_bytes();
        let looks_like_option = !data_only
            && bytes.len() > 2
            && word.starts_with("--")
            && bytes[2].is_ascii_alphanumeric();
        if looks_like_option {
            let body = &word[2..];
            let (opt_name, inline_value) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            if opt_name == "help" {
                // `CMD --help` shows the command's help instead of running it.
                return Ok(Some(help_for(table, def.name)));
            }
            let Some((index, opt)) = def.option(opt_name) else {
                if is_help {
                    continue;
                }
                return Err(format!(
                    "command '{}' doesn't support option --{opt_name}",
                    def.name
                ));
            };
            if seen[index] && opt.kind != OptKind::Argv {
                return Err(format!("option --{opt_name} already seen"));
            }
            seen[index] = true;
            let value = if opt.takes_value() {
                match inline_value {
                    Some(v) => Some(v),
                    None => match iter.next() {
                        Some(v) => Some(v.clone()),
                        None => {
                            let what = if opt.kind == OptKind::Int {
                                "number"
                            } else {
                                "string"
                            };
                            return Err(format!("expected syntax: --{} <{what}>", opt.name));
                        }
                    },
                }
            } else {
                if inline_value.is_some() {
                    return Err(format!("invalid '=' after option --{}", opt.name));
                }
                None
            };
            opts.push(GivenOpt {
                name: opt.name,
                value,
            });
        } else if !data_only && word == "--" {
            data_only = true;
        } else {
            match next_positional(&def.opts, &seen) {
                Some(index) => {
                    seen[index] = true;
                    opts.push(GivenOpt {
                        name: def.opts[index].name,
                        value: Some(word.clone()),
                    });
                }
                None if is_help => {}
                None => return Err(format!("unexpected data '{word}'")),
            }
        }
    }
    for (index, opt) in def.opts.iter().enumerate() {
        if opt.required && !seen[index] {
            return Err(match opt.kind {
                OptKind::Data | OptKind::Argv => {
                    format!("command '{}' requires <{}> option", def.name, opt.name)
                }
                _ => format!("command '{}' requires --{} option", def.name, opt.name),
            });
        }
    }
    Ok(Some(ParsedCmd {
        def: def.clone(),
        opts,
    }))
}

/// The first positional option not yet filled (argv options take every remaining word).
fn next_positional(opts: &[OptDef], seen: &[bool]) -> Option<usize> {
    opts.iter()
        .enumerate()
        .find(|(i, o)| o.positional && o.takes_value() && (!seen[*i] || o.kind == OptKind::Argv))
        .map(|(i, _)| i)
}

/// `help CMD`, as `CMD --help` runs it.
fn help_for(table: &CommandTable, name: &'static str) -> ParsedCmd {
    let def = table.find("help").cloned().unwrap_or_else(|| {
        // The table always has `help`; this keeps the parser total anyway.
        CmdDef::new("help", "", "", |_, _| Ok(()))
    });
    ParsedCmd {
        def,
        opts: vec![GivenOpt {
            name: "command",
            value: Some(name.to_string()),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vsh::spec::{data, flag, named_string, string, CmdGroup};

    fn table() -> CommandTable {
        let noop: crate::vsh::spec::Handler = |_, _| Ok(());
        CommandTable {
            groups: vec![CmdGroup {
                name: "Test",
                keyword: "test",
                commands: vec![
                    CmdDef::new("dominfo", "", "", noop).opts(&[data("domain", "")]),
                    CmdDef::new("domstate", "", "", noop)
                        .opts(&[data("domain", ""), flag("reason", "")]),
                    CmdDef::new("vol-info", "", "", noop).opts(&[
                        data("vol", ""),
                        string("pool", ""),
                        named_string("xpath", ""),
                    ]),
                    CmdDef::new("help", "", "", noop).opts(&[string("command", "")]),
                ],
            }],
        }
    }

    fn parse(line: &str) -> Result<Vec<ParsedCmd>, String> {
        parse_line(&table(), line)
    }

    #[test]
    fn positional_and_named() {
        let cmds = parse("domstate test --reason; dominfo --domain=x").unwrap();
        assert_eq!(cmds.len(), 2);
        assert_eq!(cmds[0].raw("domain"), Some("test"));
        assert!(cmds[0].has("reason"));
        assert_eq!(cmds[1].raw("domain"), Some("x"));
        let cmds = parse("vol-info v p --xpath /a").unwrap();
        assert_eq!(cmds[0].raw("pool"), Some("p"));
        assert_eq!(cmds[0].raw("xpath"), Some("/a"));
    }

    #[test]
    fn errors_match_vsh() {
        assert_eq!(parse("nope").unwrap_err(), "unknown command: 'nope'");
        assert_eq!(
            parse("dominfo").unwrap_err(),
            "command 'dominfo' requires <domain> option"
        );
        assert_eq!(
            parse("dominfo a --bogus").unwrap_err(),
            "command 'dominfo' doesn't support option --bogus"
        );
        assert_eq!(parse("dominfo a b").unwrap_err(), "unexpected data 'b'");
        assert_eq!(
            parse("dominfo a --domain b").unwrap_err(),
            "option --domain already seen"
        );
        assert_eq!(
            parse("dominfo --domain").unwrap_err(),
            "expected syntax: --domain <string>"
        );
        assert_eq!(
            parse("domstate a --reason=1").unwrap_err(),
            "invalid '=' after option --reason"
        );
        assert_eq!(parse("vol-info v p q").unwrap_err(), "unexpected data 'q'");
    }

    #[test]
    fn double_dash_and_help() {
        let cmds = parse("dominfo -- --weird").unwrap();
        assert_eq!(cmds[0].raw("domain"), Some("--weird"));
        let cmds = parse("dominfo --help").unwrap();
        assert_eq!(cmds[0].def.name, "help");
        assert_eq!(cmds[0].raw("command"), Some("dominfo"));
        let cmds = parse("help dominfo extra --junk").unwrap();
        assert_eq!(cmds[0].raw("command"), Some("dominfo"));
    }

    #[test]
    fn empty_commands_are_skipped() {
        assert_eq!(parse(" ; ;").unwrap().len(), 0);
    }
}
