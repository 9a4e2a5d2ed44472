//! Prints the QEMU command line rvirt would run for a domain XML file:
//! `cargo run -p rvirt-qemu --example argv -- FILE.xml`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn main() {
    let Some(file) = std::env::args().nth(1) else {
        eprintln!("usage: argv FILE.xml");
        std::process::exit(2);
    };
    let xml = match std::fs::read_to_string(&file) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{file}: {e}");
            std::process::exit(1);
        }
    };
    let cache = std::env::temp_dir().join("rvirt-qemu-argv-cache");
    let caps_for = |p: &Path| {
        rvirt_qemu::probe::capabilities(p, &cache)
            .map(std::sync::Arc::new)
            .map_err(|e| {
                rvirt_core::Error::internal(rvirt_core::ErrorDomain::Qemu, format!("{e:?}"))
            })
    };
    let result = rvirt_qemu::definition::parse(&xml, false, &caps_for).and_then(|mut def| {
        rvirt_qemu::command::prepare_live(&mut [&mut def], Path::new("/run/rvirt-argv"))?;
        let emulator = rvirt_qemu::definition::emulator_of(&def).unwrap_or_default();
        let caps = caps_for(Path::new(&emulator))?;
        let ctx = rvirt_qemu::command::CommandContext {
            monitor_socket: PathBuf::from("/run/monitor.sock"),
            tap_names: def
                .devices_of("interface")
                .map(|_| Some("vnet0".to_string()))
                .collect(),
            kvm: false,
        };
        rvirt_qemu::command::build(&def, &caps, &ctx)
    });
    match result {
        Ok(argv) => {
            for a in argv {
                println!("{a}");
            }
        }
        Err(e) => {
            eprintln!(
                "error: {} (code {}, domain {})",
                e.message, e.code as i32, e.domain as i32
            );
            std::process::exit(1);
        }
    }
}
