//! The CPU map: which CPUID/MSR bits make each named feature, and which features, vendor and
//! signatures make each CPU model. The names are part of the contract (they appear in the
//! host `<cpu>` of capabilities, in domain capabilities and in CPU comparison results), and
//! they must be the ones the libvirt installation on the host uses. So the map is read at
//! run time, in place, from the CPU map the system's libvirt library ships
//! (`/usr/share/libvirt/cpu_map`, package libvirt0; `RVIRT_CPU_MAP_DIR` names another
//! folder), rather than kept as a copy here. Without one, the tables are empty: host CPUs
//! are described without a model and comparisons fail with libvirt's error.
//!
//! The map is read once per process; the strings it holds live as long as the process.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::x86::{Bits, FeatureDef, ModelDef};

/// The tables of one CPU map.
#[derive(Debug, Default)]
pub(super) struct CpuMap {
    /// `(name, CPUID vendor string)`.
    pub vendors: Vec<(&'static str, &'static str)>,
    pub features: Vec<FeatureDef>,
    pub models: Vec<ModelDef>,
    /// The ppc64 map's model names (listed by `virConnectGetCPUModelNames`).
    pub ppc64_models: Vec<&'static str>,
}

const SYSTEM_MAP_DIR: &str = "/usr/share/libvirt/cpu_map";

fn map_dir() -> PathBuf {
    std::env::var_os("RVIRT_CPU_MAP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(SYSTEM_MAP_DIR))
}

/// The host's CPU map (empty when there is none).
pub(super) fn map() -> &'static CpuMap {
    static MAP: OnceLock<CpuMap> = OnceLock::new();
    MAP.get_or_init(|| {
        let dir = map_dir();
        load(&dir).unwrap_or_else(|why| {
            tracing::warn!("no CPU map in {}: {why}", dir.display());
            CpuMap::default()
        })
    })
}

/// Kept for the life of the process: the tables are loaded once and shared as `'static`.
fn keep(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

fn keep_slice<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

/// A number as the map writes it: hexadecimal with `0x`, else decimal; absent is 0.
fn num(text: Option<&str>) -> u32 {
    text.and_then(crate::address::parse_num).unwrap_or(0)
}

/// The files `index.xml` includes for `arch`.
fn included(dir: &Path, arch: &str) -> Result<Vec<String>, String> {
    let path = dir.join("index.xml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc = roxmltree::Document::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("arch") && n.attribute("name") == Some(arch))
        .flat_map(|n| n.children().filter(|c| c.has_tag_name("include")))
        .filter_map(|inc| inc.attribute("filename").map(str::to_string))
        .collect())
}

/// The steppings a signature covers as a bit mask (`1,3-5`); all of them when absent.
fn stepping_mask(text: Option<&str>) -> u32 {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return 0xFFFF;
    };
    let mut mask = 0u32;
    for part in text.split(',') {
        let (lo, hi) = part.split_once('-').unwrap_or((part, part));
        let (lo, hi) = (num(Some(lo.trim())), num(Some(hi.trim())));
        for n in lo..=hi.min(31) {
            mask |= 1 << n;
        }
    }
    mask
}

fn feature(node: roxmltree::Node<'_, '_>) -> Option<FeatureDef> {
    let name = node.attribute("name")?;
    let mut bits = Vec::new();
    for c in node.children().filter(|c| c.is_element()) {
        match c.tag_name().name() {
            "cpuid" => bits.push(Bits::cpuid(
                num(c.attribute("eax_in")),
                num(c.attribute("ecx_in")),
                ["eax", "ebx", "ecx", "edx"].map(|r| num(c.attribute(r))),
            )),
            "msr" => bits.push(Bits::msr(
                num(c.attribute("index")),
                num(c.attribute("eax")),
                num(c.attribute("edx")),
            )),
            _ => {}
        }
    }
    let aliases: Vec<&'static str> = node
        .children()
        .filter(|a| a.has_tag_name("alias") && a.attribute("source") == Some("qemu"))
        .filter_map(|a| a.attribute("name").map(keep))
        .collect();
    Some(FeatureDef {
        name: keep(name),
        qemu_aliases: keep_slice(aliases),
        migratable: node.attribute("migratable") != Some("no"),
        bits: keep_slice(bits),
    })
}

fn model(node: roxmltree::Node<'_, '_>) -> Option<ModelDef> {
    let name = node.attribute("name")?;
    let decode = node.children().find(|c| c.has_tag_name("decode"));
    let decodes = |key: &str| decode.is_none_or(|d| d.attribute(key) == Some("on"));
    let vendor = node
        .children()
        .find(|c| c.has_tag_name("vendor"))
        .and_then(|v| v.attribute("name"))
        .map(keep);
    let signatures: Vec<(u32, u32, u32)> = node
        .children()
        .filter(|c| c.has_tag_name("signature"))
        .map(|s| {
            (
                num(s.attribute("family")),
                num(s.attribute("model")),
                stepping_mask(s.attribute("stepping")),
            )
        })
        .collect();
    let features = node.children().filter(|c| c.has_tag_name("feature"));
    let (removed, kept): (Vec<_>, Vec<_>) =
        features.partition(|f| f.attribute("removed") == Some("yes"));
    let names = |list: Vec<roxmltree::Node<'_, '_>>| -> &'static [&'static str] {
        keep_slice(
            list.iter()
                .filter_map(|f| f.attribute("name").map(keep))
                .collect(),
        )
    };
    Some(ModelDef {
        name: keep(name),
        vendor,
        decode_host: decodes("host"),
        decode_guest: decodes("guest"),
        signatures: keep_slice(signatures),
        features: names(kept),
        removed: names(removed),
    })
}

/// Reads the x86 and ppc64 maps under `dir`.
fn load(dir: &Path) -> Result<CpuMap, String> {
    let mut map = CpuMap::default();
    for file in included(dir, "x86")? {
        let path = dir.join(&file);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let doc =
            roxmltree::Document::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        for node in doc.root_element().children().filter(|n| n.is_element()) {
            match node.tag_name().name() {
                "vendor" => {
                    if let (Some(n), Some(s)) = (node.attribute("name"), node.attribute("string")) {
                        map.vendors.push((keep(n), keep(s)));
                    }
                }
                "feature" => map.features.extend(feature(node)),
                "model" => map.models.extend(model(node)),
                _ => {}
            }
        }
    }
    for file in included(dir, "ppc64")? {
        let path = dir.join(&file);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(doc) = roxmltree::Document::parse(&text) else {
            continue;
        };
        map.ppc64_models.extend(
            doc.root_element()
                .children()
                .filter(|n| n.has_tag_name("model"))
                .filter_map(|n| n.attribute("name").map(keep)),
        );
    }
    if map.features.is_empty() {
        return Err("no x86 features".into());
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steppings() {
        assert_eq!(stepping_mask(None), 0xFFFF);
        assert_eq!(stepping_mask(Some("1,3-4")), 0b11010);
    }
}
