//! The virsh differential cases: command lines run through Debian's `virsh` and through
//! rvirt (its CLI, or virsh over the wire to rvirtd), whose outputs must match.
//!
//! A case file has one line per case: optional top-level options (`-q`, `-r`) and then the
//! command string, passed to the tool as one argument (virsh's shell form, where `;` chains
//! commands). A line starting with `ARGV` passes the command as separate words instead.
//! `@TMP@` and `@DATA@` stand for the case's temporary and data directories.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// One line of a case file.
#[derive(Debug, Clone)]
pub struct Case {
    /// Top-level options placed before the command.
    pub options: Vec<String>,
    /// The command string.
    pub command: String,
    /// `ARGV` lines: the command goes as separate words.
    pub argv: bool,
}

impl Case {
    /// The line as written in the case file, for reports.
    pub fn line(&self) -> String {
        let prefix = if self.argv { "ARGV " } else { "" };
        format!("{prefix}{} {}", self.options.join(" "), self.command)
            .trim()
            .to_string()
    }

    /// The command's arguments with the directories filled in.
    pub fn words(&self, tmp: &Path, data: &Path) -> Vec<String> {
        let command = self
            .command
            .replace("@TMP@", &tmp.display().to_string())
            .replace("@DATA@", &data.display().to_string());
        if self.argv {
            command.split_whitespace().map(str::to_string).collect()
        } else {
            vec![command]
        }
    }

    /// `program -c uri OPTIONS WORDS` in the data directory, with the C locale and no
    /// default URI from the environment.
    pub fn command(&self, program: &Path, uri: &str, tmp: &Path, data: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.arg("-c")
            .arg(uri)
            .args(&self.options)
            .args(self.words(tmp, data))
            .current_dir(data)
            .env_remove("LIBVIRT_DEFAULT_URI")
            .env("LC_ALL", "C")
            .env("LANG", "C");
        cmd
    }
}

/// The cases of a case file (blank lines and `#` comments skipped).
pub fn parse_cases(text: &str) -> Vec<Case> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (argv, mut rest) = match line.strip_prefix("ARGV ") {
                Some(tail) => (true, tail.trim_start()),
                None => (false, line),
            };
            let mut options = Vec::new();
            while rest.starts_with('-') {
                let (word, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                options.push(word.to_string());
                rest = tail.trim_start();
            }
            Case {
                options,
                command: rest.to_string(),
                argv,
            }
        })
        .collect()
}

/// Runs `cmd` to completion, or kills it after `limit` and returns `None`. Its stdin is an
/// open pipe that stays silent: virsh's job watcher misbehaves when stdin is at EOF.
pub fn run_with_timeout(mut cmd: Command, limit: Duration) -> std::io::Result<Option<Output>> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdin = child.stdin.take();
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut buf);
        }
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.read_to_end(&mut buf);
        }
        buf
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    drop(stdin);
    Ok(Some(Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    }))
}

/// Output made comparable between virsh and rvirt: the test driver reports wall-clock time
/// as CPU time, so only its shape is kept; rvirt's `version` adds a line of its own
/// (`Using rvirt: X`), which virsh does not have, so it is dropped.
pub fn normalise(text: &str) -> String {
    let mut out: String = text
        .lines()
        .filter(|line| !line.starts_with("Using rvirt: "))
        .map(|line| match line.strip_prefix("CPU time:") {
            Some(value) if is_cpu_time(value.trim()) => "CPU time:       <digits>.<digit>s",
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// `digits.digit` followed by `s`.
fn is_cpu_time(value: &str) -> bool {
    let Some(number) = value.strip_suffix('s') else {
        return false;
    };
    let Some((whole, fraction)) = number.split_once('.') else {
        return false;
    };
    !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.len() == 1
        && fraction.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_options_argv_and_comments() {
        let cases = parse_cases("# c\n\n-q list --all\nARGV -r dominfo test\n");
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].options, ["-q"]);
        assert_eq!(cases[0].command, "list --all");
        assert!(!cases[0].argv);
        assert!(cases[1].argv);
        assert_eq!(cases[1].options, ["-r"]);
        assert_eq!(
            cases[1].words(Path::new("/t"), Path::new("/d")),
            ["dominfo", "test"]
        );
    }

    #[test]
    fn normalises_cpu_time_and_rvirt_version_line() {
        let text = "CPU time:       12.5s\nUsing rvirt: 0.1.0\nName: test\n";
        assert_eq!(
            normalise(text),
            "CPU time:       <digits>.<digit>s\nName: test\n"
        );
        assert_eq!(normalise("CPU time: 1.25s"), "CPU time: 1.25s");
    }
}
