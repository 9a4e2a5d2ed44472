//! What a running guest reports about itself: host name, clock, interface addresses, and
//! where its virtual CPUs run.

use rvirt::{DomainTime, Error, ErrorCode, ErrorDomain, TypedParam, TypedValue};

use crate::commands::domain::exclusive;
use crate::ctl::{CmdResult, Ctl, Failure, OptAccess};
use crate::lookup::{self, By};
use crate::vsh::parser::ParsedCmd;
use crate::vsh::spec::*;

const DOMAIN: OptDef = data("domain", "the domain, by name, id or UUID");

/// Commands of the Domain Management group.
pub fn management_commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new(
            "domhostname",
            "print a guest's host name",
            "",
            cmd_domhostname,
        )
        .opts(&[DOMAIN, string("source", "where to ask: agent or lease")]),
        CmdDef::new(
            "vcpuinfo",
            "show where a domain's virtual CPUs run",
            "Print, for each virtual CPU, its host CPU, state, time used and allowed host CPUs.",
            cmd_vcpuinfo,
        )
        .opts(&[DOMAIN, flag("pretty", "print allowed host CPUs as ranges")]),
        CmdDef::new(
            "schedinfo",
            "show or change a domain's scheduler settings",
            "Print the CPU scheduler parameters of a domain, changing them first if asked.",
            cmd_schedinfo,
        )
        .opts(&[
            DOMAIN,
            named_int("weight", "shorthand for --set weight=N"),
            named_int("cap", "shorthand for --set cap=N"),
            flag("current", "use whichever state the domain is in"),
            flag("config", "use the persistent configuration"),
            flag("live", "use the running domain"),
            argv("set", "a parameter to change, as name=value"),
        ]),
    ]
}

/// Commands of the Domain Monitoring group.
pub fn monitoring_commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new(
            "domifaddr",
            "show a guest's IP addresses",
            "Print the addresses of the guest's network interfaces.",
            cmd_domifaddr,
        )
        .opts(&[
            DOMAIN,
            string("interface", "only this interface, by name"),
            flag("full", "repeat name and MAC address on every line"),
            string("source", "where to ask: lease, agent or arp"),
        ]),
        CmdDef::new(
            "domdisplay",
            "print the URI of a domain's graphical display",
            "Print where to connect to see the domain's screen (VNC, SPICE, RDP).",
            cmd_domdisplay,
        )
        .opts(&[
            DOMAIN,
            flag("include-password", "put the display password into the URI"),
            string("type", "only this kind of display (vnc, spice, rdp, dbus)"),
            flag("all", "print every display, not only the first"),
        ]),
        CmdDef::new(
            "domtime",
            "read or set a guest's clock",
            "Print the guest's system time, or set it.",
            cmd_domtime,
        )
        .opts(&[
            DOMAIN,
            flag("now", "set it to this host's current time"),
            flag("pretty", "print the time as a date"),
            flag("sync", "set it from the guest's own RTC"),
            int("time", "seconds since the epoch to set"),
        ]),
    ]
}

// `virDomainGetHostname` flags.
const HOSTNAME_LEASE: u32 = 1 << 0;
const HOSTNAME_AGENT: u32 = 1 << 1;
/// `VIR_DOMAIN_TIME_SYNC`.
const TIME_SYNC: u32 = 1 << 0;

fn cmd_domhostname(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let flags = match cmd.string("source")? {
        None => 0,
        Some("agent") => HOSTNAME_AGENT,
        Some("lease") => HOSTNAME_LEASE,
        Some(other) => return Err(Failure::msg(format!("Unknown data source '{other}'"))),
    };
    let name = ctl
        .conn()?
        .hypervisor
        .domain_get_hostname(&dom, flags)
        .map_err(|e| Failure::with("failed to get hostname", &e))?;
    ctl.print(&format!("{name}\n"));
    Ok(())
}

fn cmd_domtime(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    exclusive(cmd, "time", "now")?;
    exclusive(cmd, "time", "sync")?;
    exclusive(cmd, "now", "sync")?;
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let time = match cmd.raw("time") {
        None => None,
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            Failure::msg(format!(
                "Numeric value '{text}' for <time> option is malformed or out of range"
            ))
        })?),
    };
    let now = cmd.has("now");
    let sync = cmd.has("sync");
    if time.is_some() || now || sync {
        let seconds = if now {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .map_err(|_| Failure::msg("Unable to get current time"))?
        } else {
            time.unwrap_or(0)
        };
        let flags = if sync { TIME_SYNC } else { 0 };
        let conn = ctl.writable("virDomainSetTime")?;
        conn.hypervisor.domain_set_time(
            &dom,
            DomainTime {
                seconds,
                nseconds: 0,
            },
            flags,
        )?;
        return Ok(());
    }
    let got = ctl.conn()?.hypervisor.domain_get_time(&dom, 0)?;
    // virsh prints no newline after the time; the command separator supplies one.
    if cmd.has("pretty") {
        ctl.print(&format!("Time: {}", format_utc(got.seconds)));
    } else {
        ctl.print(&format!("Time: {}", got.seconds));
    }
    Ok(())
}

/// `%Y-%m-%d %H:%M:%S` of a Unix time in UTC, as virsh formats the guest's time.
pub fn format_utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3600,
        (rest / 60) % 60,
        rest % 60
    )
}

fn cmd_domifaddr(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let only = cmd.string("interface")?.map(str::to_string);
    let source = match cmd.string("source")? {
        None | Some("lease") => 0,
        Some("agent") => 1,
        Some("arp") => 2,
        Some(other) => return Err(Failure::msg(format!("Unknown data source '{other}'"))),
    };
    let full = cmd.has("full");
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let ifaces = ctl
        .conn()?
        .hypervisor
        .domain_interface_addresses(&dom, source, 0)
        .map_err(|e| Failure::with("Failed to query for interfaces addresses", &e))?;
    ctl.print_extra(&format!(
        " {:<10} {:<20} {:<8}     {}\n{}\n",
        "Name",
        "MAC address",
        "Protocol",
        "Address",
        "-".repeat(79)
    ));
    let mut out = String::new();
    for iface in ifaces
        .iter()
        .filter(|i| only.as_deref().is_none_or(|o| o == i.name))
    {
        if iface.addrs.is_empty() {
            out.push_str(&format!(
                " {:<10} {:<17}    {:<12} {}\n",
                iface.name,
                iface.hwaddr.as_deref().unwrap_or("N/A"),
                "N/A",
                "N/A"
            ));
            continue;
        }
        for (j, addr) in iface.addrs.iter().enumerate() {
            let kind = if addr.kind == 1 { "ipv6" } else { "ipv4" };
            let address = format!("{kind:<12} {}/{}", addr.addr, addr.prefix);
            let (name, mac) = if full || j == 0 {
                (iface.name.as_str(), iface.hwaddr.as_deref().unwrap_or(""))
            } else {
                ("-", "-")
            };
            out.push_str(&format!(" {name:<10} {mac:<17}    {address}\n"));
        }
    }
    ctl.print(&out);
    Ok(())
}

/// The URI of the first `<graphics>` of `scheme` in a domain's live XML, if it has a port,
/// a TLS port or a socket. `passwd` only appears in the XML when it was asked for.
fn display_uri(devices: roxmltree::Node, scheme: &str) -> Option<String> {
    let graphics = devices
        .children()
        .find(|n| n.has_tag_name("graphics") && n.attribute("type") == Some(scheme))?;
    let number = |name: &str| -> i64 {
        graphics
            .attribute(name)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    let (port, tls_port) = (number("port"), number("tlsPort"));
    let socket = graphics.attribute("socket");
    if port == 0 && tls_port == 0 && socket.is_none() {
        return None;
    }
    if let Some(path) = socket {
        return Some(format!("{scheme}+unix://{path}"));
    }
    let passwd = graphics.attribute("passwd");
    let mut uri = format!("{scheme}://");
    if let (Some(pw), "vnc") = (passwd, scheme) {
        uri.push_str(&format!(":{pw}@"));
    }
    match graphics.attribute("listen") {
        None | Some("0.0.0.0") | Some("::") => uri.push_str("localhost"),
        Some(addr) if addr.contains(':') => uri.push_str(&format!("[{addr}]")),
        Some(addr) => uri.push_str(addr),
    }
    if port != 0 {
        // A VNC URI names the display number, not the TCP port.
        let shown = if scheme == "vnc" { port - 5900 } else { port };
        uri.push_str(&format!(":{shown}"));
    }
    let mut separator = '?';
    if tls_port != 0 {
        uri.push_str(&format!("{separator}tls-port={tls_port}"));
        separator = '&';
    }
    if let (Some(pw), "spice") = (passwd, scheme) {
        uri.push_str(&format!("{separator}password={pw}"));
    }
    Some(uri)
}

fn cmd_domdisplay(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    exclusive(cmd, "all", "type")?;
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let hv = ctl.conn()?.hypervisor.clone();
    if !hv.domain_is_active(&dom)? {
        return Err(Failure::msg("Domain is not running"));
    }
    let only = cmd.string("type")?.map(str::to_string);
    let flags = if cmd.has("include-password") {
        rvirt::DomainXmlFlags::SECURE
    } else {
        rvirt::DomainXmlFlags::empty()
    };
    let xml = hv.domain_get_xml_desc(&dom, flags)?;
    let doc =
        roxmltree::Document::parse(&xml).map_err(|e| Failure::msg(format!("XML error: {e}")))?;
    let devices = doc
        .root_element()
        .children()
        .find(|n| n.has_tag_name("devices"));
    let mut found = String::new();
    for scheme in ["vnc", "spice", "rdp", "dbus"] {
        if only.as_deref().is_some_and(|t| t != scheme) {
            continue;
        }
        if let Some(uri) = devices.and_then(|d| display_uri(d, scheme)) {
            found.push_str(&uri);
            // virsh ends each URI with a newline only under --all; a single one relies on
            // the command separator.
            if !cmd.has("all") {
                break;
            }
            found.push('\n');
        }
    }
    if found.is_empty() {
        return Err(Failure::msg(match only {
            Some(t) => format!("No graphical display with type '{t}' found"),
            None => "No graphical display found".to_string(),
        }));
    }
    ctl.print(&found);
    Ok(())
}

/// `0-3,5` style ranges of the set positions, as libvirt formats CPU sets.
fn format_ranges(map: &[bool]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < map.len() {
        if !map[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < map.len() && map[i + 1] {
            i += 1;
        }
        parts.push(if start == i {
            start.to_string()
        } else {
            format!("{start}-{i}")
        });
        i += 1;
    }
    parts.join(",")
}

/// Parses a libvirt CPU list (`0-3,^2,5`) into a map of `size` host CPUs.
fn parse_cpuset(text: &str, size: usize) -> Option<Vec<bool>> {
    let mut map = vec![false; size];
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (negate, range) = match part.strip_prefix('^') {
            Some(r) => (true, r),
            None => (false, part),
        };
        let (lo, hi) = match range.split_once('-') {
            Some((a, b)) => (
                a.trim().parse::<usize>().ok()?,
                b.trim().parse::<usize>().ok()?,
            ),
            None => {
                let n = range.parse::<usize>().ok()?;
                (n, n)
            }
        };
        for slot in map.iter_mut().skip(lo).take((hi + 1).saturating_sub(lo)) {
            *slot = !negate;
        }
    }
    Some(map)
}

// The affinity maps span the host CPUs the driver reports; virsh sizes them with
// `virNodeGetCPUMap`, which the driver interface lacks, so on the test driver (whose CPU
// map has 8 CPUs but whose node info says 16) rvirt prints 16 columns where virsh prints 8.

/// The allowed host CPUs of each vCPU of an inactive domain, from its configuration
/// (`<vcpupin>` first, then `<vcpu cpuset>`, else every host CPU).
fn configured_affinity(xml: &str, vcpus: u32, host_cpus: usize) -> Vec<Vec<bool>> {
    let everything = vec![true; host_cpus];
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return vec![everything; vcpus as usize];
    };
    let root = doc.root_element();
    let default = root
        .children()
        .find(|n| n.has_tag_name("vcpu"))
        .and_then(|n| n.attribute("cpuset"))
        .and_then(|s| parse_cpuset(s, host_cpus))
        .unwrap_or(everything);
    let pins: Vec<(u32, Vec<bool>)> = root
        .children()
        .filter(|n| n.has_tag_name("cputune"))
        .flat_map(|t| t.children().filter(|n| n.has_tag_name("vcpupin")))
        .filter_map(|p| {
            let vcpu = p.attribute("vcpu")?.parse().ok()?;
            Some((vcpu, parse_cpuset(p.attribute("cpuset")?, host_cpus)?))
        })
        .collect();
    (0..vcpus)
        .map(|v| {
            pins.iter()
                .find(|(n, _)| *n == v)
                .map_or_else(|| default.clone(), |(_, m)| m.clone())
        })
        .collect()
}

fn affinity_text(map: &[bool], pretty: bool) -> String {
    if pretty {
        format!("{} (out of {})", format_ranges(map), map.len())
    } else {
        map.iter().map(|&b| if b { 'y' } else { '-' }).collect()
    }
}

fn vcpu_state_name(state: i32) -> &'static str {
    match state {
        0 => "offline",
        1 => "running",
        2 => "blocked",
        _ => "no state",
    }
}

fn cmd_vcpuinfo(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let pretty = cmd.has("pretty");
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let hv = ctl.conn()?.hypervisor.clone();
    let mut out = String::new();
    match hv.domain_get_vcpus(&dom) {
        Ok((infos, maps)) => {
            for (info, map) in infos.iter().zip(maps.iter()) {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&format!("{:<15} {}\n", "VCPU:", info.number));
                out.push_str(&format!("{:<15} {}\n", "CPU:", info.cpu));
                out.push_str(&format!(
                    "{:<15} {}\n",
                    "State:",
                    vcpu_state_name(info.state)
                ));
                out.push_str(&format!(
                    "{:<15} {:.1}s\n",
                    "CPU time:",
                    info.cpu_time as f64 / 1e9
                ));
                out.push_str(&format!(
                    "{:<15} {}\n",
                    "CPU Affinity:",
                    affinity_text(map, pretty)
                ));
            }
        }
        // An inactive domain: virsh falls back to the configured pinning.
        Err(e) if e.code == ErrorCode::OperationInvalid => {
            let info = hv.domain_get_info(&dom)?;
            let node = hv.node_get_info()?;
            let host_cpus = (node.nodes * node.sockets * node.cores * node.threads) as usize;
            let xml = hv.domain_get_xml_desc(&dom, rvirt::DomainXmlFlags::INACTIVE)?;
            let maps = configured_affinity(&xml, info.nr_virt_cpu, host_cpus);
            for (n, map) in maps.iter().enumerate() {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&format!("{:<15} {}\n", "VCPU:", n));
                out.push_str(&format!("{:<15} {}\n", "CPU:", "N/A"));
                out.push_str(&format!("{:<15} {}\n", "State:", "N/A"));
                // virsh's own spelling: this label has no colon.
                out.push_str(&format!("{:<15} {}\n", "CPU time", "N/A"));
                out.push_str(&format!(
                    "{:<15} {}\n",
                    "CPU Affinity:",
                    affinity_text(map, pretty)
                ));
            }
        }
        Err(e) => return Err(e.into()),
    }
    ctl.print(&out);
    Ok(())
}

// `virDomainModificationImpact` and `VIR_TYPED_PARAM_STRING_OKAY`.
const AFFECT_LIVE: u32 = 1 << 0;
const AFFECT_CONFIG: u32 = 1 << 1;
const TYPED_PARAM_STRING_OKAY: u32 = 1 << 2;

/// A new value for `field`, typed like the parameter the domain reported, with libvirt's
/// message when the text does not fit the type.
fn typed_from_text(field: &str, like: &TypedValue, text: &str) -> Result<TypedParam, Error> {
    let bad = |expected: &str| {
        Error::invalid_arg(
            ErrorDomain::None,
            format!("Invalid value for field '{field}': expected {expected}"),
        )
    };
    let value = match like {
        TypedValue::Int(_) => TypedValue::Int(text.parse().map_err(|_| bad("int"))?),
        TypedValue::UInt(_) => TypedValue::UInt(text.parse().map_err(|_| bad("unsigned int"))?),
        TypedValue::LLong(_) => TypedValue::LLong(text.parse().map_err(|_| bad("long long"))?),
        TypedValue::ULLong(_) => {
            TypedValue::ULLong(text.parse().map_err(|_| bad("unsigned long long"))?)
        }
        TypedValue::Double(_) => TypedValue::Double(text.parse().map_err(|_| bad("double"))?),
        TypedValue::Boolean(_) => TypedValue::Boolean(match text {
            "1" | "yes" | "true" => true,
            "0" | "no" | "false" => false,
            _ => return Err(bad("boolean")),
        }),
        TypedValue::String(_) => TypedValue::String(text.to_string()),
    };
    Ok(TypedParam::new(field, value))
}

fn typed_text(value: &TypedValue) -> String {
    match value {
        TypedValue::Int(v) => v.to_string(),
        TypedValue::UInt(v) => v.to_string(),
        TypedValue::LLong(v) => v.to_string(),
        TypedValue::ULLong(v) => v.to_string(),
        TypedValue::Double(v) => format!("{v:.6}"),
        TypedValue::Boolean(v) => if *v { "yes" } else { "no" }.to_string(),
        TypedValue::String(v) => v.clone(),
    }
}

fn cmd_schedinfo(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    exclusive(cmd, "current", "live")?;
    exclusive(cmd, "current", "config")?;
    let (config, live) = (cmd.has("config"), cmd.has("live"));
    let with_flags = cmd.has("current") || config || live;
    let mut impact = 0;
    if config {
        impact |= AFFECT_CONFIG;
    }
    if live {
        impact |= AFFECT_LIVE;
    }
    // Asking for both at once is asking for neither in particular.
    let query_flags = if with_flags {
        TYPED_PARAM_STRING_OKAY | if config && live { 0 } else { impact }
    } else {
        0
    };
    let (dom, _) = lookup::domain(ctl, cmd, By::ALL)?;
    let hv = ctl.conn()?.hypervisor.clone();
    let (kind, count) = hv.domain_get_scheduler_type(&dom)?;
    ctl.print(&format!("{:<15}: {kind}\n", "Scheduler"));
    if count <= 0 {
        return Ok(());
    }
    let mut params = hv.domain_get_scheduler_parameters(&dom, query_flags)?;
    let mut updates: Vec<TypedParam> = Vec::new();
    let mut requested: Vec<(String, String)> = Vec::new();
    for item in cmd.all("set") {
        let (name, value) = item
            .split_once('=')
            .ok_or_else(|| Failure::msg("Invalid syntax for --set, expecting name=value"))?;
        requested.push((name.to_string(), value.to_string()));
    }
    for name in ["cap", "weight"] {
        if let Some(value) = cmd.string(name)? {
            requested.push((name.to_string(), value.to_string()));
        }
    }
    for (name, value) in &requested {
        let current = params
            .iter()
            .find(|p| &p.field == name)
            .ok_or_else(|| Failure::msg(format!("invalid scheduler option: {name}")))?;
        updates.push(typed_from_text(name, &current.value, value)?);
    }
    if !updates.is_empty() {
        let api = if with_flags {
            "virDomainSetSchedulerParametersFlags"
        } else {
            "virDomainSetSchedulerParameters"
        };
        let conn = ctl.writable(api)?;
        conn.hypervisor
            .domain_set_scheduler_parameters(&dom, &updates, impact)?;
        params = hv.domain_get_scheduler_parameters(&dom, query_flags)?;
    }
    let text: String = params
        .iter()
        .map(|p| format!("{:<15}: {}\n", p.field, typed_text(&p.value)))
        .collect();
    ctl.print(&text);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_sets() {
        let map = parse_cpuset("0-3,^2,6", 8).unwrap();
        assert_eq!(affinity_text(&map, false), "yy-y--y-");
        assert_eq!(affinity_text(&map, true), "0-1,3,6 (out of 8)");
        assert!(parse_cpuset("x", 4).is_none());
    }

    #[test]
    fn utc_formatting() {
        assert_eq!(format_utc(627_319_920), "1989-11-17 15:32:00");
    }
}
