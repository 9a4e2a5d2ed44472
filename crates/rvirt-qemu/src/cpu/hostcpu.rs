//! The host CPU as libvirt's `virCPUx86GetHost` reads it: the CPUID leaves of the basic and
//! extended ranges, the IA32_ARCH_CAPABILITIES MSR when the CPU has one, the microcode
//! version, the invariant TSC's frequency from KVM and the physical address width.

use super::x86::{self, CpuData, Key, Signature};

/// Raw facts about the host CPU.
#[derive(Debug, Clone, Default)]
pub struct HostCpuid {
    pub data: CpuData,
    /// The vendor's name in the CPU map (`AMD`), when known.
    pub vendor: Option<&'static str>,
    pub signature: Signature,
    /// Bits of physical address, from leaf 0x80000008.
    pub phys_bits: Option<u32>,
}

#[cfg(target_arch = "x86_64")]
fn cpuid(leaf: u32, subleaf: u32) -> [u32; 4] {
    let r = std::arch::x86_64::__cpuid_count(leaf, subleaf);
    [r.eax, r.ebx, r.ecx, r.edx]
}

#[cfg(not(target_arch = "x86_64"))]
fn cpuid(_leaf: u32, _subleaf: u32) -> [u32; 4] {
    [0; 4]
}

/// Reads the leaves the CPU map refers to, honouring each range's maximum leaf and the
/// subleaf counts the CPU reports, as libvirt's `cpuidSet` does.
pub fn read() -> Option<HostCpuid> {
    if !cfg!(target_arch = "x86_64") {
        return None;
    }
    let leaf0 = cpuid(0, 0);
    let max_basic = leaf0[0];
    let max_ext = cpuid(0x8000_0000, 0)[0];
    let mut vendor_id = Vec::with_capacity(12);
    for reg in [leaf0[1], leaf0[3], leaf0[2]] {
        vendor_id.extend_from_slice(&reg.to_le_bytes());
    }
    let vendor = x86::vendor_from_string(&String::from_utf8_lossy(&vendor_id));
    let leaf7_subleaves = if max_basic >= 7 { cpuid(7, 0)[0] } else { 0 };
    let has_sgx = max_basic >= 7 && cpuid(7, 0)[1] & (1 << 2) != 0;
    let wanted = |leaf: u32, subleaf: u32| -> bool {
        let in_range = if leaf >= 0x8000_0000 {
            leaf <= max_ext
        } else if leaf >= 0x4000_0000 {
            false
        } else {
            leaf <= max_basic
        };
        in_range
            && match leaf {
                7 => subleaf <= leaf7_subleaves,
                0xd => subleaf <= 1,
                0xf => subleaf == 0 || (subleaf == 1 && cpuid(0xf, 0)[3] & 2 != 0),
                0x12 => has_sgx && subleaf <= 1,
                0x14 => subleaf <= cpuid(0x14, 0)[0],
                _ => subleaf == 0,
            }
    };
    let mut data = CpuData::new();
    let mut keys: Vec<(u32, u32)> = vec![(0, 0), (1, 0)];
    for name in super::x86_map::map().features.iter().flat_map(|f| f.bits) {
        if let Key::Cpuid(leaf, sub) = name.key {
            if !keys.contains(&(leaf, sub)) {
                keys.push((leaf, sub));
            }
        }
    }
    for (leaf, sub) in keys {
        if wanted(leaf, sub) {
            let mut regs = cpuid(leaf, sub);
            if leaf == 0 {
                // The vendor string is not a feature.
                regs = [regs[0], 0, 0, 0];
            }
            data.set(Key::Cpuid(leaf, sub), regs);
        }
    }
    if x86::feature_data("arch-capabilities").is_some_and(|f| data.contains(f)) {
        if let Some(msr) = read_msr(0x10a) {
            data.set(Key::Msr(0x10a), [msr as u32, (msr >> 32) as u32, 0, 0]);
        }
    }
    let sig = cpuid(1, 0)[0];
    let signature = (
        ((sig >> 20) & 0xff) + ((sig >> 8) & 0xf),
        ((sig >> 12) & 0xf0) + ((sig >> 4) & 0xf),
        sig & 0xf,
    );
    // Leaf 1's eax is the signature, not features.
    let leaf1 = data.get(Key::Cpuid(1, 0));
    data.set(Key::Cpuid(1, 0), [0, leaf1[1], leaf1[2], leaf1[3]]);
    let phys_bits = (max_ext >= 0x8000_0008).then(|| cpuid(0x8000_0008, 0)[0] & 0xff);
    Some(HostCpuid {
        data,
        vendor,
        signature,
        phys_bits,
    })
}

fn read_msr(index: u64) -> Option<u64> {
    use std::os::unix::fs::FileExt;
    let file = std::fs::File::open("/dev/cpu/0/msr").ok()?;
    let mut buf = [0u8; 8];
    file.read_exact_at(&mut buf, index).ok()?;
    Some(u64::from_le_bytes(buf))
}

/// The first `microcode` of /proc/cpuinfo.
pub fn microcode_version() -> Option<u32> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let value = text
        .lines()
        .find(|l| l.starts_with("microcode"))?
        .split_once(':')?
        .1
        .trim();
    crate::address::parse_num(value)
}

const KVM_CREATE_VM: u64 = 0xAE01;
const KVM_CHECK_EXTENSION: u64 = 0xAE03;
const KVM_CREATE_VCPU: u64 = 0xAE41;
const KVM_GET_TSC_KHZ: u64 = 0xAEA3;
const KVM_CAP_TSC_CONTROL: u64 = 60;

fn kvm_ioctl(fd: &impl std::os::fd::AsRawFd, request: u64, arg: u64) -> i32 {
    // SAFETY: every request used here takes an integer argument (no pointer), so the
    // kernel reads no memory of ours; `fd` is an open descriptor for the call's duration.
    unsafe { libc::ioctl(fd.as_raw_fd(), request as _, arg as libc::c_ulong) }
}

fn owned(fd: i32) -> Option<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: `fd` was just returned by the kernel as a new descriptor nothing else owns.
    (fd >= 0).then(|| unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
}

/// `(frequency in Hz, scaling supported)` of the TSC as KVM gives a new vCPU, as libvirt's
/// `virHostCPUGetTscInfo` asks it.
pub fn tsc_info() -> Option<(u64, bool)> {
    let kvm = std::fs::File::open("/dev/kvm").ok()?;
    let vm = owned(kvm_ioctl(&kvm, KVM_CREATE_VM, 0))?;
    let vcpu = owned(kvm_ioctl(&vm, KVM_CREATE_VCPU, 0))?;
    let khz = kvm_ioctl(&vcpu, KVM_GET_TSC_KHZ, 0);
    if khz <= 0 {
        return None;
    }
    let scaling = kvm_ioctl(&kvm, KVM_CHECK_EXTENSION, KVM_CAP_TSC_CONTROL);
    if scaling < 0 {
        return None;
    }
    Some((khz as u64 * 1000, scaling > 0))
}

const KVM_CAP_NR_VCPUS: u64 = 9;
const KVM_CAP_MAX_VCPUS: u64 = 66;

/// libvirt's `virHostCPUGetKVMMaxVCPUs`: KVM's vCPU limit, its recommended count when it
/// gives no limit, 4 (KVM's documented default) when it gives neither.
pub fn kvm_max_vcpus() -> std::io::Result<i32> {
    let kvm = std::fs::File::open("/dev/kvm")?;
    for cap in [KVM_CAP_MAX_VCPUS, KVM_CAP_NR_VCPUS] {
        let n = kvm_ioctl(&kvm, KVM_CHECK_EXTENSION, cap);
        if n > 0 {
            return Ok(n);
        }
    }
    Ok(4)
}
