//! CPU commands: the CPU models of an architecture, comparing a CPU with the host's and
//! computing a baseline CPU, with virsh's output.

use crate::ctl::{CmdResult, Ctl, Failure, OptAccess};
use crate::util::read_file;
use crate::vsh::parser::ParsedCmd;
use crate::vsh::spec::*;

/// `VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE`.
const COMPARE_FAIL_INCOMPATIBLE: u32 = 1;
/// `VIR_CONNECT_COMPARE_CPU_VALIDATE_XML`.
const COMPARE_VALIDATE_XML: u32 = 2;
/// `VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES`.
const BASELINE_EXPAND_FEATURES: u32 = 1;
/// `VIR_CONNECT_BASELINE_CPU_MIGRATABLE`.
const BASELINE_MIGRATABLE: u32 = 2;

pub fn commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new(
            "cpu-baseline",
            "compute baseline CPU",
            "Compute baseline CPU for a set of given CPUs.",
            cmd_cpu_baseline,
        )
        .opts(&[
            data("file", "file containing XML CPU descriptions"),
            flag(
                "features",
                "Show features that are part of the CPU model type",
            ),
            flag("migratable", "Do not include features that block migration"),
        ]),
        CmdDef::new(
            "cpu-compare",
            "compare host CPU with a CPU described by an XML file",
            "compare CPU with host CPU",
            cmd_cpu_compare,
        )
        .opts(&[
            data("file", "file containing an XML CPU description"),
            flag("error", "report error if CPUs are incompatible"),
            flag("validate", "validate the XML document against schema"),
        ]),
        CmdDef::new(
            "hypervisor-cpu-baseline",
            "compute baseline CPU usable by a specific hypervisor",
            "Compute baseline CPU for a set of given CPUs. The result will be tailored to \
             the specified hypervisor.",
            cmd_hypervisor_cpu_baseline,
        )
        .opts(&[
            string("file", "file containing XML CPU descriptions"),
            named_string("virttype", "virtualization type (/domain/@type)"),
            named_string(
                "emulator",
                "path to emulator binary (/domain/devices/emulator)",
            ),
            named_string("arch", "CPU architecture (/domain/os/type/@arch)"),
            named_string("machine", "machine type (/domain/os/type/@machine)"),
            flag(
                "features",
                "Show features that are part of the CPU model type",
            ),
            flag("migratable", "Do not include features that block migration"),
            named_string(
                "model",
                "Shortcut for calling the command with a single CPU model and no additional \
                 features",
            ),
        ]),
        CmdDef::new(
            "hypervisor-cpu-compare",
            "compare a CPU with the CPU created by a hypervisor on the host",
            "compare CPU with hypervisor CPU",
            cmd_hypervisor_cpu_compare,
        )
        .opts(&[
            data("file", "file containing an XML CPU description"),
            named_string("virttype", "virtualization type (/domain/@type)"),
            named_string(
                "emulator",
                "path to emulator binary (/domain/devices/emulator)",
            ),
            named_string("arch", "CPU architecture (/domain/os/type/@arch)"),
            named_string("machine", "machine type (/domain/os/type/@machine)"),
            flag("error", "report error if CPUs are incompatible"),
            flag("validate", "validate the XML document against schema"),
        ]),
        CmdDef::new(
            "cpu-models",
            "CPU models",
            "Get the CPU models for an arch.",
            cmd_cpu_models,
        )
        .opts(&[data("arch", "architecture")]),
    ]
}

/// The `<cpu>` definitions in a file as virsh finds them: bare `<cpu>` elements, a domain's
/// CPU, the host CPU of capabilities, or the host-model CPU of domain capabilities (renamed
/// to `<cpu>`). Each is the element's text as it appears in the file.
pub fn extract_cpu_xmls(file: &str, text: &str) -> Result<Vec<String>, Failure> {
    let wrapped = format!("<container>{text}</container>");
    let doc = roxmltree::Document::parse(&wrapped)
        .map_err(|e| Failure::msg(format!("{file}:{}: {e}", e.pos().row)))?;
    let container = doc.root_element();
    let mut out = Vec::new();
    for top in container.children().filter(|c| c.is_element()) {
        match top.tag_name().name() {
            "cpu" => out.push(wrapped[top.range()].to_string()),
            "domain" => {
                for cpu in child(top, "cpu") {
                    out.push(wrapped[cpu.range()].to_string());
                }
            }
            "capabilities" => {
                for host in child(top, "host") {
                    for cpu in child(host, "cpu") {
                        out.push(wrapped[cpu.range()].to_string());
                    }
                }
            }
            "domainCapabilities" => {
                for cpu in child(top, "cpu") {
                    for mode in child(cpu, "mode") {
                        if mode.attribute("name") == Some("host-model")
                            && mode.attribute("supported") == Some("yes")
                        {
                            out.push(mode_as_cpu(&wrapped[mode.range()]));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if out.is_empty() {
        return Err(Failure::msg(format!(
            "File '{file}' does not contain any <cpu> element or valid domain XML, host \
             capabilities XML, or domain capabilities XML"
        )));
    }
    Ok(out)
}

fn child<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
    name: &str,
) -> Vec<roxmltree::Node<'a, 'input>> {
    node.children().filter(|c| c.has_tag_name(name)).collect()
}

/// `<mode name=... supported=...>BODY</mode>` as `<cpu>BODY</cpu>`.
fn mode_as_cpu(element: &str) -> String {
    let start_end = element.find('>').unwrap_or(element.len());
    if element[..start_end].ends_with('/') {
        return "<cpu/>".to_string();
    }
    let body = element
        .get(start_end + 1..)
        .unwrap_or("")
        .trim_end()
        .strip_suffix("</mode>")
        .unwrap_or("");
    format!("<cpu>{body}</cpu>")
}

fn cmd_cpu_models(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let arch = cmd.required("arch")?;
    let models = ctl
        .conn()?
        .hypervisor
        .connect_get_cpu_model_names(arch, 0)
        .map_err(|e| Failure::with("failed to get CPU model names", &e))?;
    if models.is_empty() {
        ctl.print_extra("all CPU models are accepted\n");
    }
    for m in models {
        ctl.print(&format!("{m}\n"));
    }
    Ok(())
}

fn cmd_cpu_compare(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let file = cmd.required("file")?;
    let text = read_file(file)?;
    let cpus = extract_cpu_xmls(file, &text)?;
    let mut flags = 0;
    if cmd.has("error") {
        flags |= COMPARE_FAIL_INCOMPATIBLE;
    }
    if cmd.has("validate") {
        flags |= COMPARE_VALIDATE_XML;
    }
    let result = ctl
        .conn()?
        .hypervisor
        .connect_compare_cpu(&cpus[0], flags)
        .map_err(|e| Failure::with(format!("Failed to compare host CPU with {file}"), &e))?;
    match result {
        0 => {
            ctl.print(&format!(
                "CPU described in {file} is incompatible with host CPU\n"
            ));
            Err(Failure { lines: Vec::new() })
        }
        1 => {
            ctl.print(&format!(
                "CPU described in {file} is identical to host CPU\n"
            ));
            Ok(())
        }
        2 => {
            ctl.print(&format!(
                "Host CPU is a superset of CPU described in {file}\n"
            ));
            Ok(())
        }
        _ => Err(Failure::msg(format!(
            "Failed to compare host CPU with {file}"
        ))),
    }
}

fn cmd_cpu_baseline(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let file = cmd.required("file")?;
    let text = read_file(file)?;
    let cpus = extract_cpu_xmls(file, &text)?;
    let mut flags = 0;
    if cmd.has("features") {
        flags |= BASELINE_EXPAND_FEATURES;
    }
    if cmd.has("migratable") {
        flags |= BASELINE_MIGRATABLE;
    }
    let xml = ctl
        .conn()?
        .hypervisor
        .connect_baseline_cpu(&cpus, flags)
        .map_err(Failure::from)?;
    ctl.print(&xml);
    Ok(())
}

/// `--emulator`, `--arch`, `--machine`, `--virttype`.
fn hypervisor_opts(cmd: &ParsedCmd) -> Result<[Option<&str>; 4], Failure> {
    Ok([
        cmd.string("emulator")?,
        cmd.string("arch")?,
        cmd.string("machine")?,
        cmd.string("virttype")?,
    ])
}

fn cmd_hypervisor_cpu_compare(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let file = cmd.required("file")?;
    let [emulator, arch, machine, virttype] = hypervisor_opts(cmd)?;
    let text = read_file(file)?;
    let cpus = extract_cpu_xmls(file, &text)?;
    let mut flags = 0;
    if cmd.has("error") {
        flags |= COMPARE_FAIL_INCOMPATIBLE;
    }
    if cmd.has("validate") {
        flags |= COMPARE_VALIDATE_XML;
    }
    let result = ctl
        .conn()?
        .hypervisor
        .connect_compare_hypervisor_cpu(emulator, arch, machine, virttype, &cpus[0], flags)
        .map_err(|e| Failure::with(format!("Failed to compare hypervisor CPU with {file}"), &e))?;
    match result {
        0 => {
            ctl.print(&format!(
                "CPU described in {file} is incompatible with the CPU provided by hypervisor \
                 on the host\n"
            ));
            Err(Failure { lines: Vec::new() })
        }
        1 => {
            ctl.print(&format!(
                "CPU described in {file} is identical to the CPU provided by hypervisor on \
                 the host\n"
            ));
            Ok(())
        }
        2 => {
            ctl.print(&format!(
                "The CPU provided by hypervisor on the host is a superset of CPU described in \
                 {file}\n"
            ));
            Ok(())
        }
        _ => Err(Failure::msg(format!(
            "Failed to compare hypervisor CPU with {file}"
        ))),
    }
}

fn cmd_hypervisor_cpu_baseline(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let [emulator, arch, machine, virttype] = hypervisor_opts(cmd)?;
    let cpus = match (cmd.string("file")?, cmd.string("model")?) {
        (Some(_), Some(_)) => {
            return Err(Failure::msg(
                "Options --file and --model are mutually exclusive",
            ))
        }
        (None, None) => {
            return Err(Failure::msg("Either --file or --model must be provided"));
        }
        (Some(file), None) => extract_cpu_xmls(file, &read_file(file)?)?,
        (None, Some(model)) => vec![format!("<cpu><model>{model}</model></cpu>")],
    };
    let mut flags = 0;
    if cmd.has("features") {
        flags |= BASELINE_EXPAND_FEATURES;
    }
    if cmd.has("migratable") {
        flags |= BASELINE_MIGRATABLE;
    }
    let xml = ctl
        .conn()?
        .hypervisor
        .connect_baseline_hypervisor_cpu(emulator, arch, machine, virttype, &cpus, flags)
        .map_err(Failure::from)?;
    ctl.print(&xml);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cpus_in_every_document_kind() {
        let caps = "<capabilities><host><cpu><arch>x86_64</arch></cpu></host></capabilities>";
        assert_eq!(
            extract_cpu_xmls("f", caps).unwrap(),
            vec!["<cpu><arch>x86_64</arch></cpu>"]
        );
        let domcaps = "<domainCapabilities><cpu><mode name='host-model' supported='yes'>\n  <model>EPYC</model>\n</mode></cpu></domainCapabilities>";
        assert_eq!(
            extract_cpu_xmls("f", domcaps).unwrap(),
            vec!["<cpu>\n  <model>EPYC</model>\n</cpu>"]
        );
        assert!(extract_cpu_xmls("f", "<foo/>").is_err());
    }
}
