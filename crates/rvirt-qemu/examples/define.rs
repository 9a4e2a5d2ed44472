//! Defines a domain in a `qemu:///embed` instance and prints its inactive XML:
//! `cargo run -p rvirt-qemu --example define -- ROOT FILE.xml`.

use rvirt_core::{DomainXmlFlags, HypervisorDriver};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: define ROOT FILE.xml");
        std::process::exit(2);
    }
    let uri = rvirt_core::ConnectUri::parse(&format!("qemu:///embed?root={}", args[1]))
        .unwrap_or_default();
    let xml = std::fs::read_to_string(&args[2]).unwrap_or_default();
    let result = rvirt_qemu::QemuDriver::open(&uri).and_then(|d| {
        let dom = d.domain_define_xml(&xml, Default::default())?;
        let out = d.domain_get_xml_desc(&dom, DomainXmlFlags::INACTIVE);
        d.domain_undefine(&dom, Default::default())?;
        out
    });
    match result {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("error: {}", e.message);
            std::process::exit(1);
        }
    }
}
