//! libvirt's public API names and error domains for remote procedures, for the errors the
//! daemon itself raises (read-only refusals, unsupported procedures), which libvirt words
//! after the public function (`virDomainDefineXML`) and files under its family.

use rvirt_core::ErrorDomain;

/// Words whose spelling in libvirt's function names is not plain capitalisation.
const SPECIAL_WORDS: &[(&str, &str)] = &[
    ("XML", "XML"),
    ("UUID", "UUID"),
    ("ID", "ID"),
    ("CPU", "CPU"),
    ("MAC", "MAC"),
    ("SCSI", "SCSI"),
    ("WWN", "WWN"),
    ("NWFILTER", "NWFilter"),
    ("NWFILTERS", "NWFilters"),
    ("IOTHREAD", "IOThread"),
    ("IOTHREADS", "IOThreads"),
    ("FSFREEZE", "FSFreeze"),
    ("FSTHAW", "FSThaw"),
    ("FSTRIM", "FSTrim"),
    ("FSINFO", "FSInfo"),
    ("PM", "PM"),
    ("DHCP", "DHCP"),
    ("SEV", "SEV"),
    ("NMI", "NMI"),
    ("OS", "OS"),
    ("URI", "URI"),
    ("VCPUS", "Vcpus"),
];

/// `REMOTE_PROC_DOMAIN_DEFINE_XML` -> `virDomainDefineXML`.
pub fn api_name(proc_name: &str) -> String {
    let bare = proc_name.strip_prefix("REMOTE_PROC_").unwrap_or(proc_name);
    let mut out = String::from("vir");
    for word in bare.split('_').filter(|w| !w.is_empty()) {
        if let Some((_, spelled)) = SPECIAL_WORDS.iter().find(|(w, _)| *w == word) {
            out.push_str(spelled);
            continue;
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    out
}

/// The error domain of the public API file a procedure belongs to (`VIR_FROM_THIS` of
/// libvirt-domain.c, libvirt-network.c, ...).
pub fn api_error_domain(proc_name: &str) -> ErrorDomain {
    let n = proc_name.strip_prefix("REMOTE_PROC_").unwrap_or(proc_name);
    if n.contains("SNAPSHOT") {
        ErrorDomain::DomainSnapshot
    } else if n.contains("NWFILTER") {
        ErrorDomain::Nwfilter
    } else if n.contains("NETWORK") {
        ErrorDomain::Network
    } else if n.contains("STORAGE") {
        ErrorDomain::Storage
    } else if n.starts_with("NODE_DEVICE")
        || n.contains("NODE_DEVICE")
        || n == "NODE_NUM_OF_DEVICES"
        || n == "NODE_LIST_DEVICES"
    {
        ErrorDomain::Nodedev
    } else if n.contains("SECRET") {
        ErrorDomain::Secret
    } else if n.contains("DOMAIN") {
        ErrorDomain::Domain
    } else if n.contains("INTERFACE") {
        ErrorDomain::Interface
    } else {
        // libvirt-host.c (virConnect*, virNode*) reports under VIR_FROM_DOMAIN.
        ErrorDomain::Domain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            api_name("REMOTE_PROC_DOMAIN_DEFINE_XML"),
            "virDomainDefineXML"
        );
        assert_eq!(api_name("REMOTE_PROC_DOMAIN_SUSPEND"), "virDomainSuspend");
        assert_eq!(
            api_name("REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID"),
            "virDomainLookupByUUID"
        );
        assert_eq!(
            api_name("REMOTE_PROC_NWFILTER_DEFINE_XML"),
            "virNWFilterDefineXML"
        );
        assert_eq!(
            api_name("REMOTE_PROC_STORAGE_VOL_CREATE_XML_FROM"),
            "virStorageVolCreateXMLFrom"
        );
        assert_eq!(
            api_domain_name("REMOTE_PROC_NETWORK_CREATE"),
            ErrorDomain::Network
        );
    }

    fn api_domain_name(n: &str) -> ErrorDomain {
        api_error_domain(n)
    }
}
