//! Starts a transient domain in a `qemu:///embed` instance, prints its live XML and
//! destroys it: `cargo run -p rvirt-qemu --example live -- ROOT FILE.xml`.

use rvirt_core::{DomainDestroyFlags, DomainXmlFlags, HypervisorDriver};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: live ROOT FILE.xml");
        std::process::exit(2);
    }
    let uri = rvirt_core::ConnectUri::parse(&format!("qemu:///embed?root={}", args[1]))
        .unwrap_or_default();
    let xml = std::fs::read_to_string(&args[2]).unwrap_or_default();
    let result = rvirt_qemu::QemuDriver::open(&uri).and_then(|d| {
        let dom = d.domain_create_xml(&xml, Default::default())?;
        let out = d.domain_get_xml_desc(&dom, DomainXmlFlags::empty());
        d.domain_destroy(&dom, DomainDestroyFlags::empty())?;
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
