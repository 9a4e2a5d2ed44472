//! What rvirt's integration tests share: deciding what a missing prerequisite means (a note
//! on a developer's machine, a failure under CI), and a private Debian libvirtd to compare
//! against, the tiny test guest, and the virsh differential cases. Only tests depend on this crate.

pub mod cli_cases;
pub mod guest;
pub mod libvirtd;
pub mod prereq;

pub use guest::{marker_count, qemu_pids_for, wait_for, KillOnDrop, TestGuest, MARKER};
pub use libvirtd::{libvirtd_or_skip, Libvirtd, LibvirtdOptions};
pub use prereq::{have_tool, is_root, skip_or_fail, under_ci};
