//! Command implementations grouped by object family, and the table that lists them in the
//! groups `help` shows.

pub mod cpu;
pub mod domain;
pub mod guest;
pub mod host;
pub mod hvcaps;
pub mod iface;
pub mod monitor;
pub mod network;
pub mod nodedev;
pub mod pool;
pub mod secret;
pub mod snapshot;
pub mod storage_removal;
pub mod vol_transfer;
pub mod volume;

use crate::vsh::spec::{CmdGroup, CommandTable};

/// Every command rvirt has, grouped as virsh groups them.
pub fn table() -> CommandTable {
    CommandTable {
        groups: vec![
            CmdGroup {
                name: "Domain Management",
                keyword: "domain",
                commands: [domain::commands(), guest::management_commands()].concat(),
            },
            CmdGroup {
                name: "Domain Monitoring",
                keyword: "monitor",
                commands: [monitor::commands(), guest::monitoring_commands()].concat(),
            },
            CmdGroup {
                name: "Host and Hypervisor",
                keyword: "host",
                commands: [host::host_commands(), cpu::commands(), hvcaps::commands()].concat(),
            },
            CmdGroup {
                name: "Interface",
                keyword: "interface",
                commands: iface::commands(),
            },
            CmdGroup {
                name: "Networking",
                keyword: "network",
                commands: network::commands(),
            },
            CmdGroup {
                name: "Node Device",
                keyword: "nodedev",
                commands: nodedev::commands(),
            },
            CmdGroup {
                name: "Secret",
                keyword: "secret",
                commands: secret::commands(),
            },
            CmdGroup {
                name: "Snapshot",
                keyword: "snapshot",
                commands: snapshot::commands(),
            },
            CmdGroup {
                name: "Storage Pool",
                keyword: "pool",
                commands: pool::commands(),
            },
            CmdGroup {
                name: "Storage Volume",
                keyword: "volume",
                commands: [volume::commands(), vol_transfer::commands()].concat(),
            },
            CmdGroup {
                name: "Virsh itself",
                keyword: "virsh",
                commands: host::shell_commands(),
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_options_well_formed() {
        let table = table();
        let mut names: Vec<&str> = table
            .groups
            .iter()
            .flat_map(|g| g.commands.iter().map(|c| c.name))
            .collect();
        let total = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), total, "duplicate command names");
        for group in &table.groups {
            for cmd in &group.commands {
                let mut opts: Vec<&str> = cmd.opts.iter().map(|o| o.name).collect();
                let n = opts.len();
                opts.sort_unstable();
                opts.dedup();
                assert_eq!(opts.len(), n, "duplicate option in {}", cmd.name);
            }
        }
    }
}
