//! Prints what a `qemu:///embed` driver reports: `caps` (capabilities), `domcaps`
//! (domain capabilities) or `nodeinfo`.
//! `cargo run -p rvirt-qemu --example caps -- ROOT caps|domcaps|nodeinfo`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rvirt_core::HypervisorDriver;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: caps ROOT caps|domcaps|nodeinfo");
        std::process::exit(2);
    }
    let uri = rvirt_core::ConnectUri::parse(&format!("qemu:///embed?root={}", args[1]))
        .unwrap_or_default();
    let result = rvirt_qemu::QemuDriver::open(&uri).and_then(|d| match args[2].as_str() {
        "caps" => d.connect_get_capabilities(),
        "domcaps" => d.connect_get_domain_capabilities(None, None, None, Some("qemu"), 0),
        _ => d.node_get_info().map(|i| format!("{i:?}")),
    });
    match result {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("error: {}", e.message);
            std::process::exit(1);
        }
    }
}
