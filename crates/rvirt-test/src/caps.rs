//! The host the test driver pretends to be: capabilities XML (built the way
//! `testBuildCapabilities` builds it), sysinfo and hostname.

use rvirt_xml::XmlWriter;

use crate::state::Cell;

/// `testConnectGetSysinfo`'s fixed document.
pub(crate) const SYSINFO: &str = "<sysinfo type='smbios'>
  <bios>
    <entry name='vendor'>LENOVO</entry>
    <entry name='version'>G4ETA1WW (2.61 )</entry>
    <entry name='date'>05/07/2014</entry>
    <entry name='release'>2.61</entry>
  </bios>
</sysinfo>
";

/// Host page sizes in KiB; cell 1 has 8 KiB pages instead of 4 KiB ones.
const PAGE_SIZES: [u64; 4] = [4, 8, 2048, 1024 * 1024];

/// The machine's host name, as `virGetHostname` reports it.
pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_string())
}

/// Capabilities of an i686 host with the given NUMA cells and two guest types (hvm, xen).
pub(crate) fn capabilities_xml(cells: &[Cell]) -> String {
    let mut w = XmlWriter::new();
    w.open("capabilities", &[]);
    w.raw("\n");
    w.open("host", &[]);
    w.open("cpu", &[]);
    w.text("arch", &[], "i686");
    w.open("features", &[]);
    w.empty("pae", &[]);
    w.empty("nonpae", &[]);
    w.close("features");
    for size in PAGE_SIZES {
        let size = size.to_string();
        w.empty("pages", &[("unit", Some("KiB")), ("size", Some(&size))]);
    }
    w.close("cpu");
    w.empty("power_management", &[]);
    w.empty("iommu", &[("support", Some("no"))]);
    w.open("topology", &[]);
    let num = cells.len().to_string();
    w.open("cells", &[("num", Some(&num))]);
    for (i, cell) in cells.iter().enumerate() {
        let id = i.to_string();
        w.open("cell", &[("id", Some(&id))]);
        w.value("memory", &[("unit", Some("KiB"))], cell.mem);
        let first = if i == 1 { PAGE_SIZES[1] } else { PAGE_SIZES[0] };
        let sizes = [first, PAGE_SIZES[2], PAGE_SIZES[3]];
        for (j, size) in sizes.iter().enumerate() {
            let size_text = size.to_string();
            let avail = if j == 0 { cell.mem / size } else { 0 };
            w.value(
                "pages",
                &[("unit", Some("KiB")), ("size", Some(&size_text))],
                avail,
            );
        }
        let ncpus = cell.cpu_ids.len().to_string();
        w.open("cpus", &[("num", Some(&ncpus))]);
        for cpu in &cell.cpu_ids {
            let id = cpu.to_string();
            let socket = (cpu / 8).to_string();
            let core = (cpu % 8).to_string();
            w.empty(
                "cpu",
                &[
                    ("id", Some(&id)),
                    ("socket_id", Some(&socket)),
                    ("die_id", Some("0")),
                    ("core_id", Some(&core)),
                    ("siblings", Some(&id)),
                ],
            );
        }
        w.close("cpus");
        w.close("cell");
    }
    w.close("cells");
    w.close("topology");
    w.open("secmodel", &[]);
    w.text("model", &[], "testSecurity");
    w.text("doi", &[], "");
    w.close("secmodel");
    w.close("host");
    w.raw("\n");
    for os_type in ["hvm", "xen"] {
        w.open("guest", &[]);
        w.text("os_type", &[], os_type);
        w.open("arch", &[("name", Some("i686"))]);
        w.value("wordsize", &[], 32);
        w.text("emulator", &[], "/usr/bin/test-hv");
        w.empty("domain", &[("type", Some("test"))]);
        w.close("arch");
        w.open("features", &[]);
        w.empty("pae", &[]);
        w.empty("nonpae", &[]);
        w.close("features");
        w.close("guest");
        w.raw("\n");
    }
    w.close("capabilities");
    w.finish()
}
