//! Domain management: defining, starting, stopping, saving and resizing domains.

use rvirt::{
    DomainCreateFlags, DomainDefineFlags, DomainDestroyFlags, DomainRef, DomainSaveFlags,
    DomainShutdownFlags, DomainUndefineFlags, ErrorCode, ModificationImpact,
};

use crate::commands::storage_removal;
use crate::ctl::{CmdResult, Ctl, Failure, OptAccess};
use crate::lookup::{self, By};
use crate::util::read_file;
use crate::vsh::parser::ParsedCmd;
use crate::vsh::spec::*;

const DOMAIN: OptDef = data("domain", "the domain, by name, id or UUID");

pub fn commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new("autostart", "mark a domain to start with the host", "Choose whether the domain is started automatically when the host boots.", cmd_autostart)
            .opts(&[DOMAIN, flag("disable", "turn automatic starting off")]),
        CmdDef::new("create", "start a transient domain described by an XML file", "Start a new domain from its XML description.", cmd_create).opts(&[
            data("file", "path of the domain's XML description"),
            flag("console", "connect to the console once started"),
            flag("paused", "keep the new guest paused"),
            flag("autodestroy", "stop the guest when this shell's connection closes"),
            string("pass-fds", "hand open file descriptors N,M,... to the guest"),
            flag("validate", "check the XML against the RNG schema"),
            flag("reset-nvram", "recreate the NVRAM from its template"),
        ]),
        CmdDef::new("define", "register a domain from an XML file without starting it", "Register a persistent domain configuration.", cmd_define).opts(&[
            data("file", "path of the domain's XML description"),
            flag("validate", "check the XML against the RNG schema"),
        ]),
        CmdDef::new("destroy", "stop a domain immediately", "Stop the domain at once, like pulling its power plug.", cmd_destroy).opts(&[
            DOMAIN,
            flag("graceful", "stop without forcing it (may fail)"),
            flag("remove-logs", "also delete the domain's log files"),
        ]),
        CmdDef::new("managedsave", "save a domain's state where the next start finds it", "Store the state of a running domain and stop it; its next start resumes from that state.", cmd_managedsave).opts(&[
            DOMAIN,
            flag("bypass-cache", "bypass the host's file cache while writing"),
            flag("running", "make the next start leave the domain running"),
            flag("paused", "make the next start leave the domain paused"),
            flag("verbose", "show how far the save has got"),
        ]),
        CmdDef::new("managedsave-remove", "Discard a domain's managed save image", "Delete the saved state kept for a domain, so it boots afresh next time", cmd_managedsave_remove)
            .opts(&[DOMAIN]),
        CmdDef::new("reboot", "restart a domain", "Ask the guest operating system to restart.", cmd_reboot).opts(&[
            DOMAIN,
            string("mode", "method to use: acpi|agent|initctl|signal|paravirt"),
        ]),
        CmdDef::new("reset", "hard-reset a domain", "Restart the domain abruptly, like pressing its reset button", cmd_reset).opts(&[DOMAIN]),
        CmdDef::new("restore", "bring a domain back from a state file", "Start a domain again from a state file written by save.", cmd_restore).opts(&[
            data("file", "the state file to load"),
            flag("bypass-cache", "bypass the host's file cache while reading"),
            string("xml", "file with replacement XML for the domain"),
            flag("running", "leave the restored domain running"),
            flag("paused", "leave the restored domain paused"),
            flag("reset-nvram", "recreate the NVRAM from its template"),
        ]),
        CmdDef::new("resume", "unpause a domain", "Let a paused domain run again.", cmd_resume).opts(&[DOMAIN]),
        CmdDef::new("save", "write a domain's state into a file", "Write the memory and device state of a running domain to a file and stop it.", cmd_save).opts(&[
            DOMAIN,
            data("file", "file that receives the state"),
            flag("bypass-cache", "bypass the host's file cache while writing"),
            string("xml", "file with replacement XML for the domain"),
            flag("running", "make restoring leave the domain running"),
            flag("paused", "make restoring leave the domain paused"),
            flag("verbose", "show how far the save has got"),
        ]),
        CmdDef::new("setmaxmem", "set the memory ceiling of a domain", "Set the largest amount of memory the domain may be given.", cmd_setmaxmem).opts(&[
            DOMAIN,
            required_int("size", "the new ceiling, a scaled integer (KiB when no unit)"),
            flag("config", "change the persistent configuration"),
            flag("live", "change the running domain"),
            flag("current", "change whichever state the domain is in"),
        ]),
        CmdDef::new("setmem", "set the memory of a domain", "Set how much memory the domain currently has.", cmd_setmem).opts(&[
            DOMAIN,
            required_int("size", "the new amount, a scaled integer (KiB when no unit)"),
            flag("config", "change the persistent configuration"),
            flag("live", "change the running domain"),
            flag("current", "change whichever state the domain is in"),
        ]),
        CmdDef::new("setvcpus", "set the virtual CPU count of a domain", "Set how many virtual CPUs the domain has.", cmd_setvcpus).opts(&[
            DOMAIN,
            required_int("count", "how many virtual CPUs"),
            flag("maximum", "set the ceiling used from the next boot"),
            flag("config", "change the persistent configuration"),
            flag("live", "change the running domain"),
            flag("current", "change whichever state the domain is in"),
            flag("guest", "change the CPUs through the guest agent"),
            flag("hotpluggable", "let the added vCPUs be unplugged later"),
        ]),
        CmdDef::new("shutdown", "ask a domain to power off", "Ask the guest operating system to shut itself down.", cmd_shutdown).opts(&[
            DOMAIN,
            string("mode", "method to use: acpi|agent|initctl|signal|paravirt"),
        ]),
        CmdDef::new("start", "boot a defined, inactive domain", "Boot a defined domain; when a managed save image exists it resumes from it instead of booting afresh.", cmd_start).opts(&[
            data("domain", "the inactive domain to boot"),
            flag("console", "connect to the console once started"),
            flag("paused", "keep the new guest paused"),
            flag("autodestroy", "stop the guest when this shell's connection closes"),
            flag("bypass-cache", "bypass the host's file cache while loading"),
            flag("force-boot", "drop any managed save image and boot afresh"),
            string("pass-fds", "hand open file descriptors N,M,... to the guest"),
            flag("reset-nvram", "recreate the NVRAM from its template"),
        ]),
        CmdDef::new("suspend", "pause a domain", "Pause a running domain; it keeps its memory but gets no CPU time.", cmd_suspend).opts(&[DOMAIN]),
        CmdDef::new("undefine", "remove a domain's configuration", "Forget the configuration of a domain; a running domain becomes transient.", cmd_undefine).opts(&[
            DOMAIN,
            flag("managed-save", "also delete the managed save image"),
            string("storage", "delete these volumes too: targets or source paths, comma separated (as domblklist shows them)"),
            flag("remove-all-storage", "delete every volume the domain uses (careful)"),
            flag("delete-storage-volume-snapshots", "also delete the snapshots of the removed volumes"),
            flag("wipe-storage", "erase the contents of removed volumes first"),
            flag("snapshots-metadata", "drop the domain's snapshot metadata (domain must be off)"),
            flag("checkpoints-metadata", "drop the domain's checkpoint metadata (domain must be off)"),
            flag("nvram", "delete the NVRAM file"),
            flag("keep-nvram", "leave the NVRAM file in place"),
            flag("tpm", "delete the emulated TPM's state"),
            flag("keep-tpm", "leave the emulated TPM's state in place"),
        ]),
        CmdDef::new("dumpxml", "print a domain's XML description", "Print the XML description of the domain on standard output.", cmd_dumpxml).opts(&[
            DOMAIN,
            flag("inactive", "print the configuration for the next boot"),
            flag("security-info", "include secrets such as passwords"),
            flag("update-cpu", "fill in the guest CPU from the host's"),
            flag("migratable", "print XML fit for migrating the domain"),
            named_string("xpath", "XPath expression selecting what to print"),
            flag("wrap", "put the XPath results under one root element"),
        ]),
    ]
}

/// Fails when two mutually exclusive flags are both given, worded as virsh words it.
pub fn exclusive(cmd: &ParsedCmd, a: &str, b: &str) -> CmdResult {
    if cmd.has(a) && cmd.has(b) {
        return Err(Failure::msg(format!(
            "Options --{a} and --{b} are mutually exclusive"
        )));
    }
    Ok(())
}

/// `--config`/`--live`/`--current` as libvirt's modification-impact flags.
pub fn impact_flags(cmd: &ParsedCmd) -> Result<ModificationImpact, Failure> {
    exclusive(cmd, "current", "live")?;
    exclusive(cmd, "current", "config")?;
    let mut flags = ModificationImpact::empty();
    if cmd.has("config") {
        flags |= ModificationImpact::CONFIG;
    }
    if cmd.has("live") {
        flags |= ModificationImpact::LIVE;
    }
    Ok(flags)
}

fn cmd_define(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let file = cmd.required("file")?;
    let xml = read_file(file)?;
    let mut flags = DomainDefineFlags::empty();
    if cmd.has("validate") {
        flags |= DomainDefineFlags::VALIDATE;
    }
    match ctl
        .writable(if flags.is_empty() {
            "virDomainDefineXML"
        } else {
            "virDomainDefineXMLFlags"
        })
        .and_then(|conn| conn.hypervisor.domain_define_xml(&xml, flags))
    {
        Ok(dom) => {
            ctl.print_extra(&format!("Domain '{}' defined from {file}\n", dom.name));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to define domain from {file}"),
            &e,
        )),
    }
}

fn cmd_create(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let file = cmd.required("file")?;
    let xml = read_file(file)?;
    let mut flags = DomainCreateFlags::empty();
    if cmd.has("paused") {
        flags |= DomainCreateFlags::START_PAUSED;
    }
    if cmd.has("autodestroy") {
        flags |= DomainCreateFlags::START_AUTODESTROY;
    }
    if cmd.has("validate") {
        flags |= DomainCreateFlags::START_VALIDATE;
    }
    if cmd.has("reset-nvram") {
        flags |= DomainCreateFlags::START_RESET_NVRAM;
    }
    match ctl
        .writable("virDomainCreateXML")
        .and_then(|conn| conn.hypervisor.domain_create_xml(&xml, flags))
    {
        Ok(dom) => {
            ctl.print_extra(&format!("Domain '{}' created from {file}\n", dom.name));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to create domain from {file}"),
            &e,
        )),
    }
}

fn cmd_start(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    if dom.id >= 0 {
        return Err(Failure::msg("Domain is already active"));
    }
    let mut flags = DomainCreateFlags::empty();
    for (name, flag) in [
        ("paused", DomainCreateFlags::START_PAUSED),
        ("autodestroy", DomainCreateFlags::START_AUTODESTROY),
        ("bypass-cache", DomainCreateFlags::START_BYPASS_CACHE),
        ("force-boot", DomainCreateFlags::START_FORCE_BOOT),
        ("reset-nvram", DomainCreateFlags::START_RESET_NVRAM),
    ] {
        if cmd.has(name) {
            flags |= flag;
        }
    }
    let mut result = ctl
        .writable("virDomainCreate")
        .and_then(|conn| conn.hypervisor.domain_create(&dom, flags));
    if flags.contains(DomainCreateFlags::START_FORCE_BOOT) {
        // virsh emulates a forced boot for drivers that reject the flag: it drops the
        // managed save image itself and starts normally.
        if let Err(e) = &result {
            if matches!(e.code, ErrorCode::NoSupport | ErrorCode::InvalidArg) {
                let retry_flags = flags - DomainCreateFlags::START_FORCE_BOOT;
                result = ctl.writable("virDomainCreate").and_then(|conn| {
                    if conn.hypervisor.domain_has_managed_save_image(&dom)? {
                        conn.hypervisor.domain_managed_save_remove(&dom)?;
                    }
                    conn.hypervisor.domain_create(&dom, retry_flags)
                });
            }
        }
    }
    match result {
        Ok(_) => {
            ctl.print_extra(&format!("Domain '{}' started\n", dom.name));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to start domain '{}'", dom.name),
            &e,
        )),
    }
}

fn shutdown_mode(cmd: &ParsedCmd) -> Result<DomainShutdownFlags, Failure> {
    let mut flags = DomainShutdownFlags::empty();
    let Some(modes) = cmd.string("mode")? else {
        return Ok(flags);
    };
    for mode in modes.split(',') {
        flags |= match mode {
            "acpi" => DomainShutdownFlags::ACPI_POWER_BTN,
            "agent" => DomainShutdownFlags::GUEST_AGENT,
            "initctl" => DomainShutdownFlags::INITCTL,
            "signal" => DomainShutdownFlags::SIGNAL,
            "paravirt" => DomainShutdownFlags::PARAVIRT,
            other => {
                return Err(Failure::msg(format!(
                    "Unknown mode {other} value, expecting 'acpi', 'agent', 'initctl', 'signal', or 'paravirt'"
                )))
            }
        };
    }
    Ok(flags)
}

/// Runs a simple state change on the named domain and prints virsh's messages.
fn simple_action(
    ctl: &mut Ctl,
    cmd: &ParsedCmd,
    function: &str,
    done: &str,
    failed: &str,
    action: impl FnOnce(&rvirt::Connect, &DomainRef) -> rvirt::Result<()>,
) -> CmdResult {
    let (dom, name) = lookup::domain(ctl, cmd, By::ALL)?;
    match ctl.writable(function).and_then(|conn| action(conn, &dom)) {
        Ok(()) => {
            ctl.print_extra(&format!("Domain '{name}' {done}\n"));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to {failed} domain '{name}'"),
            &e,
        )),
    }
}

fn cmd_shutdown(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let flags = shutdown_mode(cmd)?;
    simple_action(
        ctl,
        cmd,
        "virDomainShutdown",
        "is being shutdown",
        "shutdown",
        |c, d| c.hypervisor.domain_shutdown(d, flags),
    )
}

fn cmd_reboot(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let flags = shutdown_mode(cmd)?;
    simple_action(
        ctl,
        cmd,
        "virDomainReboot",
        "is being rebooted",
        "reboot",
        |c, d| c.hypervisor.domain_reboot(d, flags),
    )
}

fn cmd_reset(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    simple_action(ctl, cmd, "virDomainReset", "was reset", "reset", |c, d| {
        c.hypervisor.domain_reset(d, 0)
    })
}

fn cmd_destroy(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let mut flags = DomainDestroyFlags::empty();
    if cmd.has("graceful") {
        flags |= DomainDestroyFlags::GRACEFUL;
    }
    if cmd.has("remove-logs") {
        flags |= DomainDestroyFlags::REMOVE_LOGS;
    }
    simple_action(
        ctl,
        cmd,
        "virDomainDestroy",
        "destroyed",
        "destroy",
        |c, d| c.hypervisor.domain_destroy(d, flags),
    )
}

fn cmd_suspend(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    simple_action(
        ctl,
        cmd,
        "virDomainSuspend",
        "suspended",
        "suspend",
        |c, d| c.hypervisor.domain_suspend(d),
    )
}

fn cmd_resume(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    simple_action(ctl, cmd, "virDomainResume", "resumed", "resume", |c, d| {
        c.hypervisor.domain_resume(d)
    })
}

fn save_flags(cmd: &ParsedCmd) -> Result<DomainSaveFlags, Failure> {
    exclusive(cmd, "running", "paused")?;
    let mut flags = DomainSaveFlags::empty();
    if cmd.has("bypass-cache") {
        flags |= DomainSaveFlags::BYPASS_CACHE;
    }
    if cmd.has("running") {
        flags |= DomainSaveFlags::RUNNING;
    }
    if cmd.has("paused") {
        flags |= DomainSaveFlags::PAUSED;
    }
    if cmd.has("reset-nvram") {
        flags |= DomainSaveFlags::RESET_NVRAM;
    }
    Ok(flags)
}

fn cmd_save(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dom, name) = lookup::domain(ctl, cmd, By::ALL)?;
    let file = cmd.required("file")?;
    let flags = save_flags(cmd)?;
    let dxml = match cmd.string("xml")? {
        Some(path) => Some(read_file(path)?),
        None => None,
    };
    let result = ctl
        .writable(if flags.is_empty() && dxml.is_none() {
            "virDomainSave"
        } else {
            "virDomainSaveFlags"
        })
        .and_then(|conn| {
            conn.hypervisor
                .domain_save(&dom, file, dxml.as_deref(), flags)
        });
    match result {
        Ok(()) => {
            // virsh runs the save as a watched job, which ends its progress line first.
            ctl.print_extra(&format!("\nDomain '{name}' saved to {file}\n"));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to save domain '{name}' to {file}"),
            &e,
        )),
    }
}

fn cmd_restore(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let file = cmd.required("file")?;
    let flags = save_flags(cmd)?;
    let dxml = match cmd.string("xml")? {
        Some(path) => Some(read_file(path)?),
        None => None,
    };
    match ctl
        .writable(if flags.is_empty() && dxml.is_none() {
            "virDomainRestore"
        } else {
            "virDomainRestoreFlags"
        })
        .and_then(|conn| conn.hypervisor.domain_restore(file, dxml.as_deref(), flags))
    {
        Ok(()) => {
            ctl.print_extra(&format!("Domain restored from {file}\n"));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to restore domain from {file}"),
            &e,
        )),
    }
}

fn cmd_managedsave(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dom, name) = lookup::domain(ctl, cmd, By::ALL)?;
    let flags = save_flags(cmd)?;
    let result = ctl
        .writable("virDomainManagedSave")
        .and_then(|conn| conn.hypervisor.domain_managed_save(&dom, flags));
    match result {
        Ok(()) => {
            ctl.print_extra(&format!("\nDomain '{name}' state saved by libvirt\n"));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to save domain '{name}' state"),
            &e,
        )),
    }
}

fn cmd_managedsave_remove(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dom, name) = lookup::domain(ctl, cmd, By::ALL)?;
    let conn = ctl.conn()?;
    let has = conn
        .hypervisor
        .domain_has_managed_save_image(&dom)
        .map_err(|e| Failure::with("Failed to check for domain managed save image", &e))?;
    // Both messages lack a newline: the blank line virsh prints after a command ends them.
    if !has {
        ctl.print_extra(&format!(
            "Domain '{name}' has no manage save image; removal skipped"
        ));
        return Ok(());
    }
    match ctl
        .writable("virDomainManagedSaveRemove")
        .and_then(|conn| conn.hypervisor.domain_managed_save_remove(&dom))
    {
        Ok(()) => {
            ctl.print_extra(&format!("Removed managedsave image for domain '{name}'"));
            Ok(())
        }
        Err(e) => Err(Failure::with(
            format!("Failed to remove managed save image for domain '{name}'"),
            &e,
        )),
    }
}

fn cmd_autostart(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dom, name) = lookup::domain(ctl, cmd, By::ALL)?;
    let enable = !cmd.has("disable");
    match ctl
        .writable("virDomainSetAutostart")
        .and_then(|conn| conn.hypervisor.domain_set_autostart(&dom, enable))
    {
        Ok(()) if enable => {
            ctl.print_extra(&format!("Domain '{name}' marked as autostarted\n"));
            Ok(())
        }
        Ok(()) => {
            ctl.print_extra(&format!("Domain '{name}' unmarked as autostarted\n"));
            Ok(())
        }
        Err(e) if enable => Err(Failure::with(
            format!("Failed to mark domain '{name}' as autostarted"),
            &e,
        )),
        Err(e) => Err(Failure::with(
            format!("Failed to unmark domain '{name}' as autostarted"),
            &e,
        )),
    }
}

/// The `size` option in KiB (scaled input, default unit KiB).
fn size_kib(cmd: &ParsedCmd) -> Result<u64, Failure> {
    let bytes = cmd.scaled("size", 1024)?.unwrap_or(0);
    Ok(bytes / 1024)
}

fn cmd_setmem(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let flags = impact_flags(cmd)?;
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let kib = size_kib(cmd)?;
    ctl.writable("virDomainSetMemoryFlags")
        .and_then(|conn| conn.hypervisor.domain_set_memory(&dom, kib, flags))
        .map_err(Failure::from)
}

fn cmd_setmaxmem(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let flags = impact_flags(cmd)?;
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let kib = size_kib(cmd)?;
    let result = ctl.writable("virDomainSetMemoryFlags").and_then(|conn| {
        conn.hypervisor
            .domain_set_memory(&dom, kib, flags | ModificationImpact::MAXIMUM)
    });
    result.map_err(|e| Failure::with("Unable to change MaxMemorySize", &e))
}

fn cmd_setvcpus(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let mut flags = impact_flags(cmd)?;
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let count = cmd.uint("count")?.unwrap_or(0);
    if count == 0 {
        return Err(Failure::msg("Can't set 0 processors for a VM"));
    }
    if cmd.has("maximum") {
        flags |= ModificationImpact::MAXIMUM;
    }
    if cmd.has("guest") {
        flags |= ModificationImpact::GUEST;
    }
    if cmd.has("hotpluggable") {
        flags |= ModificationImpact::HOTPLUGGABLE;
    }
    ctl.writable(if flags.is_empty() {
        "virDomainSetVcpus"
    } else {
        "virDomainSetVcpusFlags"
    })
    .and_then(|conn| conn.hypervisor.domain_set_vcpus(&dom, count as u32, flags))
    .map_err(Failure::from)
}

fn cmd_undefine(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    exclusive(cmd, "nvram", "keep-nvram")?;
    exclusive(cmd, "tpm", "keep-tpm")?;
    let remove_storage = storage_removal::requested(cmd)?;
    let (dom, name) = lookup::domain(ctl, cmd, By::ALL)?;
    let mut flags = DomainUndefineFlags::empty();
    for (opt, flag) in [
        ("managed-save", DomainUndefineFlags::MANAGED_SAVE),
        (
            "snapshots-metadata",
            DomainUndefineFlags::SNAPSHOTS_METADATA,
        ),
        (
            "checkpoints-metadata",
            DomainUndefineFlags::CHECKPOINTS_METADATA,
        ),
        ("nvram", DomainUndefineFlags::NVRAM),
        ("keep-nvram", DomainUndefineFlags::KEEP_NVRAM),
        ("tpm", DomainUndefineFlags::TPM),
        ("keep-tpm", DomainUndefineFlags::KEEP_TPM),
    ] {
        if cmd.has(opt) {
            flags |= flag;
        }
    }
    if !cmd.has("managed-save")
        && ctl
            .conn()?
            .hypervisor
            .domain_has_managed_save_image(&dom)
            .unwrap_or(false)
    {
        return Err(Failure::msg(
            "Refusing to undefine while domain managed save image exists",
        ));
    }
    let doomed = if remove_storage {
        storage_removal::select(ctl, cmd, &dom)?
    } else {
        Vec::new()
    };
    match ctl
        .writable("virDomainUndefineFlags")
        .and_then(|conn| conn.hypervisor.domain_undefine(&dom, flags))
    {
        Ok(()) => {
            ctl.print_extra(&format!("Domain '{name}' has been undefined\n"));
            if storage_removal::remove(ctl, cmd, &doomed)? {
                Ok(())
            } else {
                // The failures are already reported, one per volume.
                Err(Failure { lines: Vec::new() })
            }
        }
        Err(e) => Err(Failure::with(
            format!("Failed to undefine domain '{name}'"),
            &e,
        )),
    }
}

fn cmd_dumpxml(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let mut flags = rvirt::DomainXmlFlags::empty();
    for (opt, flag) in [
        ("inactive", rvirt::DomainXmlFlags::INACTIVE),
        ("security-info", rvirt::DomainXmlFlags::SECURE),
        ("update-cpu", rvirt::DomainXmlFlags::UPDATE_CPU),
        ("migratable", rvirt::DomainXmlFlags::MIGRATABLE),
    ] {
        if cmd.has(opt) {
            flags |= flag;
        }
    }
    let xml = ctl.conn()?.hypervisor.domain_get_xml_desc(&dom, flags)?;
    crate::xpath::print_xml(ctl, cmd, &xml)
}
