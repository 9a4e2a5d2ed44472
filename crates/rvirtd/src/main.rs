//! `rvirtd`: the rvirt daemon, in the foreground, logging to stderr.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use rvirtd::{Config, Paths, Server, ServerOptions};
use tokio::sync::watch;

#[derive(Debug, Parser)]
#[command(
    name = "rvirtd",
    version,
    about = "rvirt daemon speaking libvirt's RPC protocol"
)]
struct Args {
    /// Keep everything under DIR: DIR/etc, DIR/lib, DIR/run (sockets in DIR/run).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Configuration file (default: <etc>/rvirtd.conf).
    #[arg(long, short = 'f', value_name = "FILE")]
    config: Option<PathBuf>,
    /// Listen on PATH (read-write) and PATH-ro (read-only).
    #[arg(long, value_name = "PATH")]
    listen_unix: Option<PathBuf>,
    /// Listen on libvirtd's sockets (/run/libvirt/libvirt-sock{,-ro}) so stock clients find us.
    #[arg(long)]
    compat_paths: bool,
    /// Log debug messages.
    #[arg(long, short = 'v')]
    verbose: bool,
}

fn log_filter(level: u32, verbose: bool) -> tracing::Level {
    if verbose {
        return tracing::Level::DEBUG;
    }
    match level {
        1 => tracing::Level::DEBUG,
        2 => tracing::Level::INFO,
        3 => tracing::Level::WARN,
        _ => tracing::Level::ERROR,
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut paths = match &args.root {
        Some(root) => Paths::under_root(root),
        None => Paths::default_for_user(),
    };
    if args.compat_paths {
        paths = paths.with_compat_sockets();
    }
    if let Some(sock) = &args.listen_unix {
        paths = paths.with_unix_socket(sock);
    }
    let (config_path, required) = match &args.config {
        Some(p) => (p.clone(), true),
        None => (paths.config_file(), false),
    };
    let config = match Config::load(&config_path, required) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("rvirtd: invalid configuration: {e}");
            return ExitCode::FAILURE;
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(log_filter(config.log_level, args.verbose))
        .with_target(false)
        .with_ansi(false)
        .init();

    for dir in [&paths.etc, &paths.lib, &paths.run] {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("rvirtd: cannot create {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rvirtd: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut options = ServerOptions::new(config, paths.rw_socket.clone(), paths.ro_socket.clone());
    options.opener = rvirtd::open::daemon_opener(&paths);
    options.inline_test_driver = true;
    runtime.block_on(async move {
        let server = match Server::bind(&options) {
            Ok(s) => s,
            Err(e) => {
                eprintln!(
                    "rvirtd: cannot listen on {}: {e}",
                    options.rw_socket.display()
                );
                return ExitCode::FAILURE;
            }
        };
        tracing::info!(
            "rvirtd listening on {} and {}",
            options.rw_socket.display(),
            options.ro_socket.display()
        );
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutting down");
            let _ = stop_tx.send(true);
        });
        server.run(stop_rx).await;
        ExitCode::SUCCESS
    })
}

async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
