//! The domains of a state, in definition order, stored so that the copy every change makes
//! (see `TestDriver::write`) stays cheap with thousands of domains.
//!
//! Domains sit in chunks of at most [`CHUNK`] behind `Arc`s: copying the list copies one
//! pointer per chunk, and changing a domain copies only its chunk. Each slot also keeps the
//! domain's uuid and a hash of its name next to the pointer, so lookups compare keys in a
//! few contiguous arrays instead of following a pointer to every domain.

use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use rvirt_core::{DomainRef, Uuid};

use crate::state::Domain;

/// Most domains in one chunk.
const CHUNK: usize = 64;

#[derive(Debug, Clone)]
struct Slot {
    uuid: Uuid,
    name_hash: u64,
    /// The domain was handed out for changing since the keys were taken (a rename may have
    /// made them wrong): lookups check the domain itself.
    stale: bool,
    domain: Arc<Domain>,
}

impl Slot {
    fn new(domain: Arc<Domain>) -> Slot {
        Slot {
            uuid: domain.def.uuid,
            name_hash: name_hash(&domain.def.name),
            stale: false,
            domain,
        }
    }
}

fn name_hash(name: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    name.hash(&mut hasher);
    hasher.finish()
}

/// An ordered list of domains with cheap copies.
#[derive(Debug, Clone, Default)]
pub(crate) struct DomainList {
    chunks: Vec<Arc<Vec<Slot>>>,
    len: usize,
    /// Positions of the stale slots, to refresh.
    stale: Vec<usize>,
    /// Every handle sorted by name, as listings return them, kept until the list changes:
    /// listing thousands of domains then copies one contiguous array.
    sorted: OnceLock<Arc<Vec<DomainRef>>>,
}

impl DomainList {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Domain>> + '_ {
        self.chunks
            .iter()
            .flat_map(|chunk| chunk.iter().map(|slot| &slot.domain))
    }

    /// The handles of all domains, in order.
    pub fn handles(&self) -> Vec<DomainRef> {
        let mut out = Vec::with_capacity(self.len);
        out.extend(self.iter().map(|d| d.handle()));
        out
    }

    /// The handles of all domains sorted by name.
    pub fn sorted_handles(&self) -> Vec<DomainRef> {
        let sorted = self.sorted.get_or_init(|| {
            let mut handles = self.handles();
            handles.sort_by(|a, b| a.name.cmp(&b.name));
            Arc::new(handles)
        });
        sorted.as_ref().clone()
    }

    /// The chunk and the position in it of the domain at `index`.
    fn locate(&self, mut index: usize) -> Option<(usize, usize)> {
        for (at, chunk) in self.chunks.iter().enumerate() {
            if index < chunk.len() {
                return Some((at, index));
            }
            index -= chunk.len();
        }
        None
    }

    fn out_of_range(&self, index: usize) -> ! {
        panic!("domain index {index} out of range ({} domains)", self.len)
    }

    pub fn push(&mut self, domain: Arc<Domain>) {
        self.sorted.take();
        let slot = Slot::new(domain);
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => Arc::make_mut(last).push(slot),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(slot);
                self.chunks.push(Arc::new(chunk));
            }
        }
        self.len += 1;
    }

    pub fn remove(&mut self, index: usize) -> Arc<Domain> {
        self.sorted.take();
        // Positions after `index` shift: settle the keys first so `stale` stays right.
        self.refresh_keys();
        let Some((at, offset)) = self.locate(index) else {
            self.out_of_range(index)
        };
        let chunk = Arc::make_mut(&mut self.chunks[at]);
        let slot = chunk.remove(offset);
        let left = chunk.len();
        if left == 0 {
            self.chunks.remove(at);
        } else if self
            .chunks
            .get(at + 1)
            .is_some_and(|next| left + next.len() <= CHUNK / 2)
        {
            // Keep chunks from thinning out after many removals.
            let next = self.chunks.remove(at + 1);
            Arc::make_mut(&mut self.chunks[at]).extend(next.iter().cloned());
        }
        self.len -= 1;
        slot.domain
    }

    /// The domain at `index`, made unique so it can be changed.
    pub fn get_mut(&mut self, index: usize) -> &mut Domain {
        let Some((at, offset)) = self.locate(index) else {
            self.out_of_range(index)
        };
        self.sorted.take();
        let slot = &mut Arc::make_mut(&mut self.chunks[at])[offset];
        if !slot.stale {
            slot.stale = true;
            self.stale.push(index);
        }
        let domain = Arc::make_mut(&mut slot.domain);
        // The caller is about to change it.
        domain.formatted.clear();
        domain
    }

    /// Takes the keys of the domains changed since the last refresh again.
    pub fn refresh_keys(&mut self) {
        for index in std::mem::take(&mut self.stale) {
            if let Some((at, offset)) = self.locate(index) {
                let chunk = Arc::make_mut(&mut self.chunks[at]);
                let fresh = Slot::new(chunk[offset].domain.clone());
                chunk[offset] = fresh;
            }
        }
    }

    /// The position of the first domain for which `key_matches` holds on its slot's keys
    /// and `confirm` on the domain itself.
    fn position(
        &self,
        key_matches: impl Fn(&Slot) -> bool,
        confirm: impl Fn(&Domain) -> bool,
    ) -> Option<usize> {
        let mut base = 0;
        for chunk in &self.chunks {
            for (offset, slot) in chunk.iter().enumerate() {
                if (slot.stale || key_matches(slot)) && confirm(&slot.domain) {
                    return Some(base + offset);
                }
            }
            base += chunk.len();
        }
        None
    }

    pub fn index_by_uuid(&self, uuid: &Uuid) -> Option<usize> {
        self.position(|slot| slot.uuid == *uuid, |d| d.def.uuid == *uuid)
    }

    pub fn index_by_name(&self, name: &str) -> Option<usize> {
        let hash = name_hash(name);
        self.position(|slot| slot.name_hash == hash, |d| d.def.name == name)
    }
}

impl std::ops::Index<usize> for DomainList {
    type Output = Arc<Domain>;

    fn index(&self, index: usize) -> &Arc<Domain> {
        match self.locate(index) {
            Some((at, offset)) => &self.chunks[at][offset].domain,
            None => self.out_of_range(index),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rvirt_xml::domain::DomainDef;

    fn domain(name: &str, n: u8) -> Arc<Domain> {
        let xml = format!(
            "<domain type='test'><name>{name}</name>\
             <uuid>00000000-0000-0000-0000-0000000000{n:02x}</uuid>\
             <memory>1024</memory><os><type>hvm</type></os></domain>"
        );
        Arc::new(Domain::new(
            DomainDef::parse(&xml, Default::default()).unwrap(),
        ))
    }

    fn names(list: &DomainList) -> Vec<String> {
        list.iter().map(|d| d.def.name.clone()).collect()
    }

    #[test]
    fn keeps_order_across_chunks_and_removals() {
        let mut list = DomainList::default();
        let mut expected = Vec::new();
        for n in 0..200u8 {
            list.push(domain(&format!("d{n}"), n));
            expected.push(format!("d{n}"));
        }
        assert_eq!(list.sorted_handles().len(), 200);
        for index in [150, 0, 63, 63, 64, 100, 5] {
            let removed = list.remove(index);
            assert_eq!(removed.def.name, expected.remove(index));
        }
        assert_eq!(names(&list), expected);
        assert_eq!(list.len(), expected.len());
        for (index, name) in expected.iter().enumerate() {
            assert_eq!(list.index_by_name(name), Some(index));
            assert_eq!(&list[index].def.name, name);
            let uuid = list[index].def.uuid;
            assert_eq!(list.index_by_uuid(&uuid), Some(index));
        }
        assert_eq!(list.index_by_name("d0"), None);
        // The listing kept from before the removals is not reused.
        let mut sorted_names = expected.clone();
        sorted_names.sort();
        let listed: Vec<String> = list.sorted_handles().into_iter().map(|h| h.name).collect();
        assert_eq!(listed, sorted_names);
    }

    #[test]
    fn copies_share_until_changed() {
        let mut list = DomainList::default();
        for n in 0..100u8 {
            list.push(domain(&format!("d{n}"), n));
        }
        let copy = list.clone();
        assert!(list.sorted_handles().iter().any(|h| h.name == "d70"));
        list.get_mut(70).def.name = "renamed".to_string();
        // The rename is found before and after the keys are refreshed.
        assert_eq!(list.index_by_name("renamed"), Some(70));
        assert_eq!(list.index_by_name("d70"), None);
        list.refresh_keys();
        assert_eq!(list.index_by_name("renamed"), Some(70));
        assert_eq!(list.index_by_name("d70"), None);
        assert_eq!(list.handles()[70].name, "renamed");
        let sorted = list.sorted_handles();
        assert!(sorted.iter().any(|h| h.name == "renamed"));
        assert!(!sorted.iter().any(|h| h.name == "d70"));
        assert!(sorted.windows(2).all(|w| w[0].name < w[1].name));
        // The copy still has the old domain.
        assert_eq!(copy.index_by_name("d70"), Some(70));
        assert_eq!(copy[70].def.name, "d70");
    }
}
