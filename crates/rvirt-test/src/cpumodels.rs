//! CPU model names per architecture, as libvirt 9.0's CPU map lists them
//! (`virConnectGetCPUModelNames` of the test driver goes straight to the CPU drivers).

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

const X86_MODELS: &[&str] = &[
    "486",
    "pentium",
    "pentium2",
    "pentium3",
    "pentiumpro",
    "coreduo",
    "n270",
    "core2duo",
    "qemu32",
    "kvm32",
    "cpu64-rhel5",
    "cpu64-rhel6",
    "qemu64",
    "kvm64",
    "Conroe",
    "Penryn",
    "Nehalem",
    "Nehalem-IBRS",
    "Westmere",
    "Westmere-IBRS",
    "SandyBridge",
    "SandyBridge-IBRS",
    "IvyBridge",
    "IvyBridge-IBRS",
    "Haswell-noTSX",
    "Haswell-noTSX-IBRS",
    "Haswell",
    "Haswell-IBRS",
    "Broadwell-noTSX",
    "Broadwell-noTSX-IBRS",
    "Broadwell",
    "Broadwell-IBRS",
    "Skylake-Client",
    "Skylake-Client-IBRS",
    "Skylake-Client-noTSX-IBRS",
    "Skylake-Server",
    "Skylake-Server-IBRS",
    "Skylake-Server-noTSX-IBRS",
    "Cascadelake-Server",
    "Cascadelake-Server-noTSX",
    "Icelake-Client",
    "Icelake-Client-noTSX",
    "Icelake-Server",
    "Icelake-Server-noTSX",
    "Cooperlake",
    "Snowridge",
    "athlon",
    "phenom",
    "Opteron_G1",
    "Opteron_G2",
    "Opteron_G3",
    "Opteron_G4",
    "Opteron_G5",
    "EPYC",
    "EPYC-IBPB",
    "EPYC-Rome",
    "EPYC-Milan",
    "Dhyana",
];

const PPC64_MODELS: &[&str] = &[
    "POWER6",
    "POWER7",
    "POWER8",
    "POWER9",
    "POWER10",
    "POWERPC_e5500",
    "POWERPC_e6500",
];

/// The models of `arch`, or libvirt's error for an unknown or CPU-driver-less architecture.
pub(crate) fn model_names(arch: &str) -> Result<Vec<String>> {
    let list: &[&str] = match arch {
        "i686" | "x86_64" => X86_MODELS,
        "ppc64" | "ppc64le" => PPC64_MODELS,
        "s390" | "s390x" | "armv6l" | "armv7l" | "armv7b" | "aarch64" => &[],
        known if rvirt_core::ARCH_NAMES.contains(&known) => {
            return Err(Error::new(
                ErrorDomain::Cpu,
                ErrorCode::NoSupport,
                format!("'{arch}' architecture is not supported by CPU driver"),
            ))
        }
        _ => {
            return Err(Error::invalid_arg(
                ErrorDomain::Test,
                format!("cannot find architecture {arch}"),
            ))
        }
    };
    Ok(list.iter().map(|m| m.to_string()).collect())
}
