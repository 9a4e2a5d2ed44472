//! Emulator discovery and probing. Each `qemu-system-*` binary is started once with no
//! machine and asked over QMP what it offers; the answer is cached as JSON keyed by the
//! binary's path and modification time, so later connections skip the probe.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::process;
use crate::qmp::{QmpClient, QmpError};

/// Bump when the cached layout changes.
const CACHE_FORMAT: u32 = 2;
/// How long one probe may take in total before the emulator is given up on.
const PROBE_TIMEOUT: Duration = Duration::from_secs(20);

/// One machine type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineInfo {
    pub name: String,
    pub alias: Option<String>,
    pub is_default: bool,
    pub cpu_max: u32,
    pub deprecated: bool,
}

/// One CPU model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuModelInfo {
    pub name: String,
    pub typename: Option<String>,
    /// `None` when QEMU did not say (it reports usability only with an accelerator).
    pub usable: Option<bool>,
    pub deprecated: bool,
}

/// What one emulator binary offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmulatorCaps {
    pub format: u32,
    pub binary: String,
    pub mtime: i64,
    pub ctime: i64,
    /// `(major, minor, micro)`.
    pub version: (u32, u32, u32),
    pub package: String,
    /// libvirt's architecture name (`x86_64`, `i686`, `aarch64`...).
    pub arch: String,
    pub machines: Vec<MachineInfo>,
    pub cpu_models: Vec<CpuModelInfo>,
    pub device_types: Vec<String>,
    /// KVM is present and really runs guests.
    pub kvm: bool,
}

impl EmulatorCaps {
    /// `major * 1,000,000 + minor * 1,000 + micro`, as `virConnectGetVersion` reports it.
    pub fn version_number(&self) -> u64 {
        let (a, b, c) = self.version;
        u64::from(a) * 1_000_000 + u64::from(b) * 1_000 + u64::from(c)
    }

    /// The machine a name or alias stands for (`pc` -> `pc-i440fx-7.2`).
    pub fn canonical_machine(&self, name: &str) -> Option<&str> {
        self.machines
            .iter()
            .find(|m| m.alias.as_deref() == Some(name))
            .or_else(|| self.machines.iter().find(|m| m.name == name))
            .map(|m| m.name.as_str())
    }

    pub fn machine(&self, name: &str) -> Option<&MachineInfo> {
        let canonical = self.canonical_machine(name)?;
        self.machines.iter().find(|m| m.name == canonical)
    }

    /// The machine used when a definition names none. libvirt prefers `pc` (i440fx) for
    /// x86 over QEMU's own default, which it only uses elsewhere.
    pub fn default_machine(&self) -> Option<&str> {
        if matches!(self.arch.as_str(), "x86_64" | "i686") {
            if let Some(pc) = self.canonical_machine("pc") {
                return Some(pc);
            }
        }
        self.machines
            .iter()
            .find(|m| m.is_default)
            .or_else(|| self.machines.first())
            .map(|m| m.name.as_str())
    }

    pub fn has_device(&self, name: &str) -> bool {
        self.device_types.iter().any(|d| d == name)
    }

    pub fn is_q35(machine: &str) -> bool {
        machine.starts_with("pc-q35") || machine == "q35"
    }
}

/// libvirt's name for a QEMU target (`qemu-system-i386` emulates `i686` guests).
pub fn libvirt_arch(qemu_target: &str) -> &str {
    match qemu_target {
        "i386" => "i686",
        other => other,
    }
}

/// Guest architectures libvirt knows, by the suffix of `qemu-system-*`.
const KNOWN_TARGETS: &[&str] = &[
    "aarch64",
    "alpha",
    "arm",
    "i386",
    "loongarch64",
    "m68k",
    "microblaze",
    "microblazeel",
    "mips",
    "mips64",
    "mips64el",
    "mipsel",
    "ppc",
    "ppc64",
    "riscv32",
    "riscv64",
    "s390x",
    "sh4",
    "sh4eb",
    "sparc",
    "sparc64",
    "x86_64",
    "xtensa",
    "xtensaeb",
];

/// Every emulator binary on `PATH`, `/usr/bin` and `/usr/libexec`, first found wins per
/// target.
pub fn find_emulators() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.push("/usr/bin".into());
    dirs.push("/usr/libexec".into());
    let mut found: Vec<PathBuf> = Vec::new();
    let mut targets: Vec<&str> = Vec::new();
    for target in KNOWN_TARGETS {
        for dir in &dirs {
            let candidate = dir.join(format!("qemu-system-{target}"));
            if is_executable(&candidate) && !targets.contains(target) {
                targets.push(target);
                found.push(candidate);
            }
        }
    }
    found
}

/// The usual binary for a libvirt architecture.
pub fn emulator_for_arch(arch: &str) -> Option<PathBuf> {
    let target = if arch == "i686" { "i386" } else { arch };
    find_emulators()
        .into_iter()
        .find(|p| p.file_name().and_then(|n| n.to_str()) == Some(&format!("qemu-system-{target}")))
}

pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Why a probe failed (turned into libvirt's errors by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeError {
    /// The binary cannot be examined (`std::io::Error` text and raw errno).
    Access(String, i32),
    /// QEMU ran but the probe failed.
    Failed(String),
}

/// The capabilities of `binary`, from the cache in `cache_dir` when still valid.
pub fn capabilities(binary: &Path, cache_dir: &Path) -> Result<EmulatorCaps, ProbeError> {
    let meta = std::fs::metadata(binary)
        .map_err(|e| ProbeError::Access(strip_os_suffix(&e), e.raw_os_error().unwrap_or(0)))?;
    let cache_file = cache_dir.join(format!(
        "{}.json",
        binary
            .to_string_lossy()
            .trim_start_matches('/')
            .replace('/', "_")
    ));
    if let Ok(text) = std::fs::read_to_string(&cache_file) {
        if let Ok(cached) = serde_json::from_str::<EmulatorCaps>(&text) {
            if cached.format == CACHE_FORMAT
                && cached.mtime == meta.mtime()
                && cached.ctime == meta.ctime()
                && cached.binary == binary.to_string_lossy()
            {
                return Ok(cached);
            }
        }
    }
    let caps = probe(binary, &meta, cache_dir)?;
    if let Ok(text) = serde_json::to_string_pretty(&caps) {
        // The cache is an optimisation: failing to write it only costs a later probe.
        let _ = crate::fsutil::write_atomic(&cache_file, text.as_bytes());
    }
    Ok(caps)
}

fn probe(
    binary: &Path,
    meta: &std::fs::Metadata,
    work_dir: &Path,
) -> Result<EmulatorCaps, ProbeError> {
    with_qmp_session(binary, work_dir, &[], |qmp| {
        query_all(qmp, binary, meta, work_dir)
    })
}

/// Starts `binary` with no machine (plus `extra` arguments), runs `queries` over its QMP
/// monitor and stops it again.
fn with_qmp_session<T>(
    binary: &Path,
    work_dir: &Path,
    extra: &[&str],
    queries: impl FnOnce(&QmpClient) -> Result<T, QmpError>,
) -> Result<T, ProbeError> {
    std::fs::create_dir_all(work_dir).map_err(|e| ProbeError::Failed(e.to_string()))?;
    let tag = unique_tag();
    let socket = work_dir.join(format!("probe-{tag}.sock"));
    let _ = std::fs::remove_file(&socket);
    let log = work_dir.join(format!("probe-{tag}.log"));
    let _ = std::fs::remove_file(&log);
    let mut argv: Vec<String> = vec![
        binary.to_string_lossy().into_owned(),
        "-S".into(),
        "-no-user-config".into(),
        "-nodefaults".into(),
        "-nographic".into(),
        "-machine".into(),
        "none".into(),
        "-qmp".into(),
        format!("unix:{},server=on,wait=off", socket.display()),
    ];
    argv.extend(extra.iter().map(|a| a.to_string()));
    let (pid, exit) = process::spawn_detached(&argv, &log)
        .map_err(|e| ProbeError::Access(strip_os_suffix(&e), e.raw_os_error().unwrap_or(0)))?;
    let deadline = Instant::now() + PROBE_TIMEOUT;
    let result = QmpClient::connect(
        &socket,
        deadline,
        || !exit.exited(),
        Box::new(|_| {}),
        Box::new(|| {}),
    )
    .and_then(|qmp| queries(&qmp));
    // The probe process is ours alone: stop it whatever happened.
    process::terminate(pid, Some(&exit), Duration::from_millis(500));
    let _ = std::fs::remove_file(&socket);
    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    result.map_err(|e| {
        let detail = stderr.trim();
        ProbeError::Failed(if detail.is_empty() {
            e.to_string()
        } else {
            detail.to_string()
        })
    })
}

/// What QEMU's TCG accelerator says about CPUs: the features of its `max` CPU and which
/// features keep each named model from being usable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcgCpuCaps {
    #[serde(default)]
    pub format: u32,
    pub binary: String,
    pub mtime: i64,
    pub ctime: i64,
    /// QEMU's names of the features `max` has (migratable or not).
    pub enabled_features: Vec<String>,
    /// Every feature QEMU knows (the boolean properties of the expansion).
    pub known_features: Vec<String>,
    /// Features `max` has only when it need not stay migratable.
    pub non_migratable: Vec<String>,
    /// CPUID vendor string of `max` (`AuthenticAMD`).
    pub vendor: Option<String>,
    /// `(family, model, stepping)` of `max`.
    pub signature: (u32, u32, u32),
    /// Every model with QEMU's names of its unavailable features.
    pub models: Vec<(String, Vec<String>)>,
}

/// Bump when [`TcgCpuCaps`] changes.
const TCG_CACHE_FORMAT: u32 = 1;

/// The TCG CPU facts of an x86 `binary`, from the cache in `cache_dir` when still valid.
pub fn tcg_cpu(binary: &Path, cache_dir: &Path) -> Result<TcgCpuCaps, ProbeError> {
    let meta = std::fs::metadata(binary)
        .map_err(|e| ProbeError::Access(strip_os_suffix(&e), e.raw_os_error().unwrap_or(0)))?;
    let cache_file = cache_dir.join(format!(
        "{}.tcg-cpu.json",
        binary
            .to_string_lossy()
            .trim_start_matches('/')
            .replace('/', "_")
    ));
    if let Ok(text) = std::fs::read_to_string(&cache_file) {
        if let Ok(cached) = serde_json::from_str::<TcgCpuCaps>(&text) {
            if cached.format == TCG_CACHE_FORMAT
                && cached.mtime == meta.mtime()
                && cached.ctime == meta.ctime()
                && cached.binary == binary.to_string_lossy()
            {
                return Ok(cached);
            }
        }
    }
    let caps = with_qmp_session(binary, cache_dir, &["-accel", "tcg"], |qmp| {
        query_tcg_cpu(qmp, binary, &meta)
    })?;
    if let Ok(text) = serde_json::to_string_pretty(&caps) {
        let _ = crate::fsutil::write_atomic(&cache_file, text.as_bytes());
    }
    Ok(caps)
}

fn query_tcg_cpu(
    qmp: &QmpClient,
    binary: &Path,
    meta: &std::fs::Metadata,
) -> Result<TcgCpuCaps, QmpError> {
    let mut enabled: Vec<String> = Vec::new();
    let mut known: Vec<String> = Vec::new();
    let mut non_migratable: Vec<String> = Vec::new();
    let mut vendor = None;
    let mut signature = (0, 0, 0);
    // libvirt asks twice: the second answer adds the features that block migration.
    for (pass, props) in [
        serde_json::json!({ "name": "max" }),
        serde_json::json!({ "name": "max", "props": { "migratable": false } }),
    ]
    .into_iter()
    .enumerate()
    {
        let expansion = qmp.execute(
            "query-cpu-model-expansion",
            Some(serde_json::json!({ "type": "static", "model": props })),
        )?;
        let Some(map) = expansion
            .get("model")
            .and_then(|m| m.get("props"))
            .and_then(Value::as_object)
        else {
            continue;
        };
        for (name, value) in map {
            if value.is_boolean() && !known.contains(name) {
                known.push(name.clone());
            }
            match value {
                Value::Bool(true) if !enabled.contains(name) => {
                    enabled.push(name.clone());
                    if pass == 1 {
                        non_migratable.push(name.clone());
                    }
                }
                Value::String(s) if name == "vendor" => vendor = Some(s.clone()),
                Value::Number(n) => {
                    let n = n.as_u64().unwrap_or(0) as u32;
                    match name.as_str() {
                        "family" => signature.0 = n,
                        "model" => signature.1 = n,
                        "stepping" => signature.2 = n,
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
    let models = qmp
        .execute("query-cpu-definitions", None)?
        .as_array()
        .map(|list| {
            list.iter()
                .map(|m| {
                    let name = m.get("name").and_then(Value::as_str).unwrap_or("");
                    let blockers = m
                        .get("unavailable-features")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|b| b.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    (name.to_string(), blockers)
                })
                .collect()
        })
        .unwrap_or_default();
    let _ = qmp.execute_timeout("quit", None, Duration::from_secs(2));
    Ok(TcgCpuCaps {
        format: TCG_CACHE_FORMAT,
        binary: binary.to_string_lossy().into_owned(),
        mtime: meta.mtime(),
        ctime: meta.ctime(),
        enabled_features: enabled,
        known_features: known,
        non_migratable,
        vendor,
        signature,
        models,
    })
}

fn query_all(
    qmp: &QmpClient,
    binary: &Path,
    meta: &std::fs::Metadata,
    work_dir: &Path,
) -> Result<EmulatorCaps, QmpError> {
    let version = qmp.execute("query-version", None)?;
    let q = &version["qemu"];
    let num = |k: &str| q.get(k).and_then(Value::as_u64).unwrap_or(0) as u32;
    let target = qmp.execute("query-target", None)?;
    let qemu_arch = target
        .get("arch")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let machines = qmp
        .execute("query-machines", None)?
        .as_array()
        .map(|list| list.iter().map(machine_info).collect())
        .unwrap_or_default();
    let cpu_models = match qmp.execute("query-cpu-definitions", None) {
        Ok(v) => v
            .as_array()
            .map(|l| l.iter().map(cpu_info).collect())
            .unwrap_or_default(),
        // Targets without CPU models answer CommandNotFound.
        Err(QmpError::Command { .. }) => Vec::new(),
        Err(e) => return Err(e),
    };
    let mut device_types: Vec<String> = qmp
        .execute("qom-list-types", None)?
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    device_types.sort();
    let kvm_present = qmp
        .execute("query-kvm", None)
        .ok()
        .and_then(|v| v.get("present").and_then(Value::as_bool))
        .unwrap_or(false);
    let _ = qmp.execute_timeout("quit", None, Duration::from_secs(2));
    Ok(EmulatorCaps {
        format: CACHE_FORMAT,
        binary: binary.to_string_lossy().into_owned(),
        mtime: meta.mtime(),
        ctime: meta.ctime(),
        version: (num("major"), num("minor"), num("micro")),
        package: version
            .get("package")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_string(),
        arch: libvirt_arch(&qemu_arch).to_string(),
        machines,
        cpu_models,
        device_types,
        kvm: kvm_present && kvm_runs_guests(binary, libvirt_arch(&qemu_arch), work_dir),
    })
}

/// A 64 KiB x86 BIOS image that proves a CPU can run a guest: from the reset vector it
/// writes `R` to the debug port 0xe9, switches to 32-bit protected mode (flat GDT, far
/// jump) and writes `P`, then halts. On this project's machines KVM opens and runs real
/// mode (SeaBIOS works) but hangs on the switch to protected mode, as Linux does while
/// booting; TCG prints both letters. Source (GNU as):
///
/// ```text
/// .code16
///   cli; mov $0x52,%al; out %al,$0xe9; lgdtl %cs:gdtr
///   mov %cr0,%eax; or $1,%al; mov %eax,%cr0; ljmpl $0x08,$(0xF0000+pm32)
/// .code32
/// pm32: mov $0x10,%ax; mov %ax,%ds; mov $0x50,%al; out %al,$0xe9; 1: hlt; jmp 1b
/// .align 8
/// gdt: .quad 0, 0x00CF9A000000FFFF, 0x00CF92000000FFFF
/// gdtr: .word 23; .long 0xF0000+gdt
/// .code16
/// .org 0xFFF0; ljmp $0xF000,$0
/// ```
fn kvm_probe_image() -> Vec<u8> {
    const CODE: [u8; 0x29] = [
        0xfa, 0xb0, 0x52, 0xe6, 0xe9, 0x2e, 0x66, 0x0f, 0x01, 0x16, 0x48, 0x00, 0x0f, 0x20, 0xc0,
        0x0c, 0x01, 0x0f, 0x22, 0xc0, 0x66, 0xea, 0x1c, 0x00, 0x0f, 0x00, 0x08, 0x00, 0x66, 0xb8,
        0x10, 0x00, 0x8e, 0xd8, 0xb0, 0x50, 0xe6, 0xe9, 0xf4, 0xeb, 0xfd,
    ];
    const GDT: [u8; 24] = [
        0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0, 0xff, 0xff, 0, 0, 0, 0x92,
        0xcf, 0,
    ];
    const GDTR: [u8; 6] = [0x17, 0x00, 0x30, 0x00, 0x0f, 0x00];
    const RESET: [u8; 5] = [0xea, 0x00, 0x00, 0x00, 0xf0];
    let mut image = vec![0u8; 0x10000];
    image[..CODE.len()].copy_from_slice(&CODE);
    image[0x30..0x48].copy_from_slice(&GDT);
    image[0x48..0x4e].copy_from_slice(&GDTR);
    image[0xfff0..0xfff5].copy_from_slice(&RESET);
    image
}

/// How long the KVM probe guest may take to reach protected mode.
const KVM_PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Whether KVM really runs guests here: `/dev/kvm` opens and the probe guest reaches
/// protected mode under it within a few seconds. `RVIRT_QEMU_KVM=0` or `=1` overrides.
fn kvm_runs_guests(binary: &Path, arch: &str, work_dir: &Path) -> bool {
    match std::env::var("RVIRT_QEMU_KVM").as_deref() {
        Ok("0") => return false,
        Ok("1") => return true,
        _ => {}
    }
    if !matches!(arch, "x86_64" | "i686") {
        return false;
    }
    if std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_err()
    {
        return false;
    }
    probe_guest_runs(binary, "kvm", work_dir)
}

/// Runs the probe guest under `accel` (`kvm`, `tcg`); true when it reached protected mode
/// within [`KVM_PROBE_TIMEOUT`].
pub fn probe_guest_runs(binary: &Path, accel: &str, work_dir: &Path) -> bool {
    let tag = format!("{}-{accel}", unique_tag());
    let image = work_dir.join(format!("probe-guest-{tag}.bin"));
    let out = work_dir.join(format!("probe-guest-{tag}.out"));
    let log = work_dir.join(format!("probe-guest-{tag}.log"));
    if std::fs::write(&image, kvm_probe_image()).is_err() {
        return false;
    }
    let _ = std::fs::remove_file(&out);
    let argv: Vec<String> = vec![
        binary.to_string_lossy().into_owned(),
        "-accel".into(),
        accel.to_string(),
        "-machine".into(),
        "pc".into(),
        "-m".into(),
        "16".into(),
        "-display".into(),
        "none".into(),
        "-no-user-config".into(),
        "-nodefaults".into(),
        "-bios".into(),
        image.to_string_lossy().into_owned(),
        "-chardev".into(),
        format!("file,id=probe,path={}", out.display()),
        "-device".into(),
        "isa-debugcon,iobase=0xe9,chardev=probe".into(),
    ];
    let Ok((pid, exit)) = process::spawn_detached(&argv, &log) else {
        return false;
    };
    let deadline = Instant::now() + KVM_PROBE_TIMEOUT;
    let mut ok = false;
    while Instant::now() < deadline && !exit.exited() {
        if std::fs::read(&out).is_ok_and(|b| b.windows(2).any(|w| w == b"RP")) {
            ok = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    process::terminate(pid, Some(&exit), Duration::from_millis(200));
    for f in [&image, &out, &log] {
        let _ = std::fs::remove_file(f);
    }
    ok
}

fn machine_info(v: &Value) -> MachineInfo {
    MachineInfo {
        name: v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        alias: v.get("alias").and_then(Value::as_str).map(str::to_string),
        is_default: v
            .get("is-default")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        cpu_max: v.get("cpu-max").and_then(Value::as_u64).unwrap_or(1) as u32,
        deprecated: v
            .get("deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    }
}

fn cpu_info(v: &Value) -> CpuModelInfo {
    CpuModelInfo {
        name: v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        typename: v
            .get("typename")
            .and_then(Value::as_str)
            .map(str::to_string),
        usable: v
            .get("unavailable-features")
            .and_then(Value::as_array)
            .map(|a| a.is_empty()),
        deprecated: v
            .get("deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    }
}

/// A name part no other probe of this process uses at the same time.
fn unique_tag() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{n}", std::process::id())
}

pub fn strip_os_suffix(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(pos) => text[..pos].to_string(),
        None => text,
    }
}
