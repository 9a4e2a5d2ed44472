//! What the hypervisor offers guests: `domcapabilities` and `maxvcpus`, with virsh's output.

use crate::ctl::{CmdResult, Ctl, Failure, OptAccess};
use crate::vsh::parser::ParsedCmd;
use crate::vsh::spec::*;

pub fn commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new(
            "domcapabilities",
            "domain capabilities",
            "Returns capabilities of emulator with respect to host and libvirt.",
            cmd_domcapabilities,
        )
        .opts(&[
            string("virttype", "virtualization type (/domain/@type)"),
            string(
                "emulatorbin",
                "path to emulator binary (/domain/devices/emulator)",
            ),
            string("arch", "domain architecture (/domain/os/type/@arch)"),
            string("machine", "machine type (/domain/os/type/@machine)"),
        ]),
        CmdDef::new(
            "maxvcpus",
            "connection vcpu maximum",
            "Show maximum number of virtual CPUs for guests on this connection.",
            cmd_maxvcpus,
        )
        .opts(&[string("type", "domain type")]),
    ]
}

fn cmd_domcapabilities(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let virttype = cmd.string("virttype")?;
    let emulator = cmd.string("emulatorbin")?;
    let arch = cmd.string("arch")?;
    let machine = cmd.string("machine")?;
    let xml = ctl
        .conn()?
        .hypervisor
        .connect_get_domain_capabilities(emulator, arch, machine, virttype, 0)
        .map_err(|e| Failure::with("failed to get emulator capabilities", &e))?;
    ctl.print(&xml);
    ctl.print("\n");
    Ok(())
}

/// The `max` of `<vcpu>` in domain capabilities.
fn vcpu_max(domcaps: &str) -> Option<i32> {
    let doc = roxmltree::Document::parse(domcaps).ok()?;
    doc.root_element()
        .children()
        .find(|c| c.has_tag_name("vcpu"))?
        .attribute("max")?
        .parse()
        .ok()
}

fn cmd_maxvcpus(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let kind = cmd.string("type")?;
    let conn = ctl.conn()?;
    // virsh asks the domain capabilities first and the older API only when they fail.
    let from_caps = conn
        .hypervisor
        .connect_get_domain_capabilities(None, None, None, kind, 0)
        .ok()
        .map(|caps| vcpu_max(&caps).ok_or_else(|| Failure::msg("failed to get maximum vcpus")))
        .transpose()?;
    let vcpus = match from_caps {
        Some(n) => n,
        None => conn
            .hypervisor
            .connect_get_max_vcpus(kind)
            .map_err(Failure::from)?,
    };
    ctl.print(&format!("{vcpus}\n"));
    Ok(())
}
