//! `rvirt-bench`: rvirt's half of the benchmarks in `bench/`.
//!
//! The harness scripts in `bench/` run this binary next to the same workload done by Debian's
//! libvirt and print the comparison; this binary only measures rvirt and prints JSON.
//!
//! - `rvirt-bench xml-check FILE...` prints the files rvirt parses as domain XML (one per line)
//!   and, on stderr, the ones it rejects with the reason.
//! - `rvirt-bench xml [--min-seconds S] FILE...` loads the files once, then parses and formats
//!   all of them repeatedly for at least S seconds and prints one JSON object with the rate.
//! - `rvirt-bench floor --listen SOCK --upstream SOCK` serves the wire benchmark's floor: a
//!   caching proxy in front of a daemon that answers repeated read-only calls from memory
//!   (see `floor.rs`).

mod floor;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use rvirt_xml::domain::{DomainDef, FormatOptions, ParseOptions};

#[derive(Debug, Parser)]
#[command(
    name = "rvirt-bench",
    about = "rvirt's side of the benchmarks in bench/"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the domain XML files rvirt parses (rejected ones go to stderr).
    XmlCheck {
        /// Domain XML files.
        files: Vec<PathBuf>,
    },
    /// Parse and format the domain XML files in a loop and print the throughput as JSON.
    Xml {
        /// Keep going for at least this long (whole passes over all files).
        #[arg(long, default_value_t = 3.0)]
        min_seconds: f64,
        /// Domain XML files (each must parse; run xml-check first).
        files: Vec<PathBuf>,
    },
    /// Serve the wire benchmark's floor: cache a daemon's replies to read-only calls.
    Floor {
        /// Unix socket to listen on (an old socket there is replaced).
        #[arg(long)]
        listen: PathBuf,
        /// The daemon's unix socket.
        #[arg(long)]
        upstream: PathBuf,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Command::XmlCheck { files } => xml_check(&files),
        Command::Xml { min_seconds, files } => xml_throughput(&files, min_seconds),
        Command::Floor { listen, upstream } => floor::run(&listen, &upstream),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("rvirt-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

/// One parse of a definition followed by one format of it, as `defineXML` + `XMLDesc` do.
fn parse_and_format(xml: &str) -> Result<String, String> {
    let def = DomainDef::parse(xml, ParseOptions::default()).map_err(|e| e.to_string())?;
    Ok(def.format(FormatOptions::default()))
}

fn read_all(files: &[PathBuf]) -> Result<Vec<String>, String> {
    files
        .iter()
        .map(|f| {
            std::fs::read_to_string(f).map_err(|e| format!("cannot read {}: {e}", f.display()))
        })
        .collect()
}

fn xml_check(files: &[PathBuf]) -> Result<(), String> {
    let texts = read_all(files)?;
    for (file, text) in files.iter().zip(&texts) {
        match parse_and_format(text) {
            Ok(_) => println!("{}", file.display()),
            Err(e) => eprintln!("rejected {}: {e}", file.display()),
        }
    }
    Ok(())
}

fn xml_throughput(files: &[PathBuf], min_seconds: f64) -> Result<(), String> {
    if files.is_empty() {
        return Err("no files given".into());
    }
    let texts = read_all(files)?;
    let min = Duration::from_secs_f64(min_seconds.max(0.0));
    // One untimed pass: fails early on a bad file and warms the allocator and caches.
    let mut output_bytes = 0usize;
    for (file, text) in files.iter().zip(&texts) {
        let out = parse_and_format(text).map_err(|e| format!("{}: {e}", file.display()))?;
        output_bytes += out.len();
    }
    let meter = Meter::start();
    let mut docs = 0u64;
    while meter.wall() < min {
        for text in &texts {
            let out = parse_and_format(text)?;
            // Keeps the optimiser from dropping the format step.
            output_bytes = output_bytes.wrapping_add(std::hint::black_box(out).len());
            docs += 1;
        }
    }
    let total = meter.rates(docs);
    let (parse, format) = phase_rates(&texts, min / 2)?;
    let report = serde_json::json!({
        "files": texts.len(),
        "docs": docs,
        "seconds": total.wall_seconds,
        "cpu_seconds": total.cpu_seconds,
        "docs_per_sec": total.per_wall_second,
        "docs_per_cpu_sec": total.per_cpu_second,
        "parse_per_sec": parse.per_wall_second,
        "parse_per_cpu_sec": parse.per_cpu_second,
        "format_per_sec": format.per_wall_second,
        "format_per_cpu_sec": format.per_cpu_second,
        "output_bytes": output_bytes,
    });
    println!("{report}");
    Ok(())
}

/// Parse-only and format-only rates, each measured for at least `min`: tells which half of
/// the round trip to look at when the total is slow.
fn phase_rates(texts: &[String], min: Duration) -> Result<(Rates, Rates), String> {
    let mut docs = 0u64;
    let meter = Meter::start();
    while meter.wall() < min {
        for text in texts {
            let def = DomainDef::parse(text, ParseOptions::default()).map_err(|e| e.to_string())?;
            std::hint::black_box(def);
            docs += 1;
        }
    }
    let parse = meter.rates(docs);

    let defs = texts
        .iter()
        .map(|t| DomainDef::parse(t, ParseOptions::default()).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut docs = 0u64;
    let meter = Meter::start();
    while meter.wall() < min {
        for def in &defs {
            std::hint::black_box(def.format(FormatOptions::default()));
            docs += 1;
        }
    }
    Ok((parse, meter.rates(docs)))
}

/// Wall-clock and CPU time since a start point. CPU time is what the comparison relies on
/// when other processes share the machine: being descheduled costs wall time only.
struct Meter {
    wall_start: Instant,
    cpu_start: Option<f64>,
}

struct Rates {
    wall_seconds: f64,
    cpu_seconds: Option<f64>,
    per_wall_second: f64,
    per_cpu_second: Option<f64>,
}

impl Meter {
    fn start() -> Self {
        Meter {
            wall_start: Instant::now(),
            cpu_start: process_cpu_seconds(),
        }
    }

    fn wall(&self) -> Duration {
        self.wall_start.elapsed()
    }

    fn rates(&self, count: u64) -> Rates {
        let wall_seconds = self.wall().as_secs_f64();
        let cpu_seconds = match (self.cpu_start, process_cpu_seconds()) {
            (Some(start), Some(end)) if end > start => Some(end - start),
            _ => None,
        };
        Rates {
            wall_seconds,
            cpu_seconds,
            per_wall_second: count as f64 / wall_seconds,
            per_cpu_second: cpu_seconds.map(|cpu| count as f64 / cpu),
        }
    }
}

/// User plus system CPU time of this process, from `/proc/self/stat` (clock ticks of 1/100 s,
/// Linux's fixed USER_HZ); None where that file is unreadable.
fn process_cpu_seconds() -> Option<f64> {
    const USER_HZ: f64 = 100.0;
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name start with the state (field 3); utime and
    // stime are fields 14 and 15.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / USER_HZ)
}
