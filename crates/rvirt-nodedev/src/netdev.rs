//! Network interface details libvirt adds to `net` capabilities: link state and speed from
//! sysfs (`virNetDevGetLinkInfo`) and offload features from ethtool (`virNetDevGetFeatures`).

use crate::device::NET_IF_STATES;
use crate::sysfs::{parse_uint, Sysfs};

/// `(state index, speed)` of an interface. Speed is only read for links that are up: other
/// states make drivers report misleading values, so libvirt ignores them.
pub fn link_info(sysfs: &Sysfs, ifname: &str) -> Result<(usize, u32), String> {
    let operstate = sysfs
        .attr(&format!("/sys/class/net/{ifname}/operstate"))
        .ok_or_else(|| format!("Unable to read operstate of {ifname}"))?;
    let state = NET_IF_STATES
        .iter()
        .position(|s| *s == operstate)
        .filter(|i| *i > 0)
        .ok_or_else(|| format!("Unable to parse: {operstate}"))?;
    if NET_IF_STATES[state] != "up" {
        return Ok((state, 0));
    }
    // Devices without a speed fail the read (EINVAL); that is no error for libvirt.
    let speed = match sysfs.attr(&format!("/sys/class/net/{ifname}/speed")) {
        Some(s) => parse_uint(&s, 10).ok_or_else(|| format!("Unable to parse: {s}"))?,
        None => 0,
    };
    Ok((state, speed))
}

// Feature bit positions, as in `NET_FEATURES`.
const FEAT_RX: usize = 0;
const FEAT_TX: usize = 1;
const FEAT_SG: usize = 2;
const FEAT_TSO: usize = 3;
const FEAT_GSO: usize = 4;
const FEAT_GRO: usize = 5;
const FEAT_LRO: usize = 6;
const FEAT_RXVLAN: usize = 7;
const FEAT_TXVLAN: usize = 8;
const FEAT_NTUPLE: usize = 9;
const FEAT_RXHASH: usize = 10;
const FEAT_RDMA: usize = 11;
const FEAT_TXUDPTNL: usize = 12;

// ethtool command numbers (linux/ethtool.h).
const SIOCETHTOOL: libc::c_ulong = 0x8946;
const ETHTOOL_GRXCSUM: u32 = 0x14;
const ETHTOOL_GTXCSUM: u32 = 0x16;
const ETHTOOL_GSG: u32 = 0x18;
const ETHTOOL_GTSO: u32 = 0x1e;
const ETHTOOL_GGSO: u32 = 0x23;
const ETHTOOL_GFLAGS: u32 = 0x25;
const ETHTOOL_GGRO: u32 = 0x2b;
const ETHTOOL_GFEATURES: u32 = 0x3a;
const ETH_FLAG_TXVLAN: u32 = 1 << 7;
const ETH_FLAG_RXVLAN: u32 = 1 << 8;
const ETH_FLAG_LRO: u32 = 1 << 15;
const ETH_FLAG_NTUPLE: u32 = 1 << 27;
const ETH_FLAG_RXHASH: u32 = 1 << 28;
/// libvirt asks for two feature blocks and tests bit 25 of the active mask for UDP tunnel
/// segmentation offload.
const GFEATURES_SIZE: usize = 2;
const TX_UDP_TNL: usize = 25;

#[repr(C)]
struct EthtoolValue {
    cmd: u32,
    data: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct FeaturesBlock {
    available: u32,
    requested: u32,
    active: u32,
    never_changed: u32,
}

#[repr(C)]
struct EthtoolGFeatures {
    cmd: u32,
    size: u32,
    features: [FeaturesBlock; GFEATURES_SIZE],
}

/// An `AF_UNIX` datagram socket to issue interface ioctls on, closed on drop.
struct ControlSocket(libc::c_int);

impl ControlSocket {
    fn open() -> Option<Self> {
        // SAFETY: plain socket(2) call with constant arguments; the result is checked.
        let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        (fd >= 0).then_some(ControlSocket(fd))
    }

    /// Runs one SIOCETHTOOL request with `data` as the command buffer.
    fn ethtool<T>(&self, ifname: &str, data: &mut T) -> bool {
        // SAFETY: ifreq is plain old data; all-zero is a valid value.
        let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
        let name = ifname.as_bytes();
        if name.len() >= ifr.ifr_name.len() {
            return false;
        }
        for (dst, src) in ifr.ifr_name.iter_mut().zip(name) {
            *dst = *src as libc::c_char;
        }
        ifr.ifr_ifru.ifru_data = (data as *mut T).cast::<libc::c_char>();
        // SAFETY: the fd is an open socket; ifr is a valid ifreq whose data pointer refers to
        // a live, correctly laid out ethtool command buffer for the duration of the call.
        let rc = unsafe { libc::ioctl(self.0, SIOCETHTOOL as _, &mut ifr as *mut libc::ifreq) };
        rc == 0
    }
}

impl Drop for ControlSocket {
    fn drop(&mut self) {
        // SAFETY: the fd was opened by `open` and is closed exactly once here.
        unsafe {
            libc::close(self.0);
        }
    }
}

/// Offload features of a host interface, as bit positions of `NET_FEATURES` (ascending).
pub fn features(sysfs: &Sysfs, ifname: &str) -> Vec<usize> {
    let mut bits = Vec::new();
    if !sysfs.is_host() {
        // A fixture tree has no kernel behind it to ask.
        return bits;
    }
    let Some(sock) = ControlSocket::open() else {
        return bits;
    };
    for (cmd, bit) in [
        (ETHTOOL_GRXCSUM, FEAT_RX),
        (ETHTOOL_GTXCSUM, FEAT_TX),
        (ETHTOOL_GSG, FEAT_SG),
        (ETHTOOL_GTSO, FEAT_TSO),
        (ETHTOOL_GGSO, FEAT_GSO),
        (ETHTOOL_GGRO, FEAT_GRO),
    ] {
        let mut v = EthtoolValue { cmd, data: 0 };
        if sock.ethtool(ifname, &mut v) && v.data > 0 {
            bits.push(bit);
        }
    }
    let mut v = EthtoolValue {
        cmd: ETHTOOL_GFLAGS,
        data: 0,
    };
    if sock.ethtool(ifname, &mut v) && v.data > 0 {
        for (flag, bit) in [
            (ETH_FLAG_LRO, FEAT_LRO),
            (ETH_FLAG_RXVLAN, FEAT_RXVLAN),
            (ETH_FLAG_TXVLAN, FEAT_TXVLAN),
            (ETH_FLAG_NTUPLE, FEAT_NTUPLE),
            (ETH_FLAG_RXHASH, FEAT_RXHASH),
        ] {
            if v.data & flag != 0 {
                bits.push(bit);
            }
        }
    }
    let mut g = EthtoolGFeatures {
        cmd: ETHTOOL_GFEATURES,
        size: GFEATURES_SIZE as u32,
        features: [FeaturesBlock::default(); GFEATURES_SIZE],
    };
    if sock.ethtool(ifname, &mut g)
        && g.features[TX_UDP_TNL / 32].active & (1 << (TX_UDP_TNL % 32)) != 0
    {
        bits.push(FEAT_TXUDPTNL);
    }
    if rdma_capable(sysfs, ifname) {
        bits.push(FEAT_RDMA);
    }
    bits.sort_unstable();
    bits
}

/// An interface has RDMA when an InfiniBand device shares its PCI resources.
fn rdma_capable(sysfs: &Sysfs, ifname: &str) -> bool {
    let Some(res) = sysfs.attr(&format!("/sys/class/net/{ifname}/device/resource")) else {
        return false;
    };
    sysfs.list_dir("/sys/class/infiniband").iter().any(|ib| {
        sysfs.attr(&format!("/sys/class/infiniband/{ib}/device/resource")) == Some(res.clone())
    })
}
