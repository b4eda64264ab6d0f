//! The newest ids a store notice named, bounded: the live view and the
//! admin list dedup notices by id, never by "newer than the newest seen"
//! (ids follow the clock of whoever stored them, which may be wrong).

use std::collections::{HashSet, VecDeque};

use uuid::Uuid;

/// At most `cap` ids, the oldest forgotten first. A notice is repeated
/// only close behind the first (a second stream after a reconnect), so
/// the newest few thousand are enough.
#[derive(Clone, Debug)]
pub struct RecentIds {
    ids: HashSet<Uuid>,
    order: VecDeque<Uuid>,
    cap: usize,
}

impl RecentIds {
    pub fn new(cap: usize) -> RecentIds {
        RecentIds {
            ids: HashSet::new(),
            order: VecDeque::new(),
            cap,
        }
    }

    /// Remembers `id`; false when it was remembered already.
    pub fn insert(&mut self, id: Uuid) -> bool {
        if !self.ids.insert(id) {
            return false;
        }
        self.order.push_back(id);
        while self.order.len() > self.cap {
            if let Some(old) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
        true
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_cap_ids() {
        let mut seen = RecentIds::new(3);
        let ids: Vec<Uuid> = (0..5u128).map(Uuid::from_u128).collect();
        for id in &ids {
            assert!(seen.insert(*id));
            assert!(!seen.insert(*id));
        }
        assert_eq!(seen.len(), 3);
        assert!(!seen.insert(ids[4]));
        assert!(seen.insert(ids[0]), "the oldest was forgotten");
    }
}
