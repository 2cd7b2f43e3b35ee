//! What each cell's namespaces hold of each quota'd resource, kept incrementally from
//! the watch cache's apply path (`cache::ApplyObserver`) instead of scanned per write,
//! and the writes admitted but not yet seen by the cache (reservations).
//!
//! A write checks `usage + reserved + its own growth` against the quota and reserves
//! its growth under one short lock — nothing is held across the store commit, so a
//! cell's writes run concurrently. A reservation ends when the write fails, or once the
//! cache has applied the write's revision (its object is in `usage` by then), so no
//! admitted write is ever counted in neither.

use std::collections::HashMap;
use std::sync::Arc;

use myriad_store::Revision;
use parking_lot::Mutex;

/// One cell's use of one resource.
#[derive(Debug, Default)]
struct Tally {
    objects: usize,
    bytes: usize,
    /// Changes at or below this revision are in the counts already.
    at: Revision,
    /// The counts may have missed changes (the cache relisted, the cell changed):
    /// counted again when next asked about.
    stale: bool,
    /// Writes admitted and not yet in the counts, by reservation id.
    reserved: HashMap<u64, Reserved>,
}

#[derive(Clone, Copy, Debug)]
struct Reserved {
    objects: usize,
    bytes: usize,
    /// The revision the write committed at; `None` while it is being written.
    committed: Option<Revision>,
}

/// The usage of every (cell, resource) that has been asked about.
#[derive(Default)]
pub(super) struct Ledger {
    inner: Mutex<LedgerInner>,
}

#[derive(Default)]
struct LedgerInner {
    tallies: HashMap<(Arc<str>, String), Tally>,
    /// Per resource, the revision the cache has applied up to.
    applied: HashMap<String, Revision>,
    next_id: u64,
}

impl LedgerInner {
    /// The tally of `cell`'s `resource`, counted first (with `count`) if it is not known
    /// or stale; `None` when it cannot be counted.
    fn counted(
        &mut self,
        cell: &Arc<str>,
        resource: &str,
        count: impl FnOnce() -> Option<Counted>,
    ) -> Option<&mut Tally> {
        let tally = self
            .tallies
            .entry((cell.clone(), resource.to_string()))
            .or_insert_with(|| Tally {
                stale: true,
                ..Tally::default()
            });
        if tally.stale {
            let counted = count()?;
            tally.objects = counted.objects;
            tally.bytes = counted.bytes;
            tally.at = counted.revision;
            tally.stale = false;
        }
        Some(tally)
    }
}

/// What a write would make of a cell's use of a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Check {
    /// Objects and bytes in use, reservations included.
    pub(super) objects: usize,
    pub(super) bytes: usize,
}

/// Counts for a tally that does not exist yet: a consistent read of the cache.
#[derive(Clone, Copy, Debug)]
pub(super) struct Counted {
    pub(super) objects: usize,
    pub(super) bytes: usize,
    pub(super) revision: Revision,
}

impl Ledger {
    /// Checks a write growing `cell`'s use of `resource` by `objects` and `bytes` (may
    /// shrink: then nothing is reserved) with `admit`, which sees the use before the
    /// write; reserves the growth when it admits. `count` reads the cache when the tally
    /// is not known yet (it is called under the ledger's lock, so no change the cache
    /// applies meanwhile is lost).
    pub(super) fn reserve<E>(
        &self,
        cell: &Arc<str>,
        resource: &str,
        objects: usize,
        bytes: isize,
        count: impl FnOnce() -> Option<Counted>,
        admit: impl FnOnce(Check) -> Result<(), E>,
    ) -> Result<Option<u64>, Reservation<E>> {
        let mut inner = self.inner.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        let Some(tally) = inner.counted(cell, resource, count) else {
            return Err(Reservation::Unknown);
        };
        let (reserved_objects, reserved_bytes) = tally
            .reserved
            .values()
            .fold((0, 0), |(o, b), r| (o + r.objects, b + r.bytes));
        let check = Check {
            objects: tally.objects + reserved_objects,
            bytes: tally.bytes + reserved_bytes,
        };
        admit(check).map_err(Reservation::Refused)?;
        let growth = bytes.max(0).unsigned_abs();
        if objects == 0 && growth == 0 {
            return Ok(None);
        }
        tally.reserved.insert(
            id,
            Reserved {
                objects,
                bytes: growth,
                committed: None,
            },
        );
        Ok(Some(id))
    }

    /// The reserved write committed at `revision`: it stays reserved until the cache
    /// has applied that revision.
    pub(super) fn committed(&self, cell: &Arc<str>, resource: &str, id: u64, revision: Revision) {
        let mut inner = self.inner.lock();
        let applied = inner.applied.get(resource).copied().unwrap_or(0);
        if let Some(tally) = inner.tallies.get_mut(&(cell.clone(), resource.to_string())) {
            if applied >= revision {
                tally.reserved.remove(&id);
            } else if let Some(reserved) = tally.reserved.get_mut(&id) {
                reserved.committed = Some(revision);
            }
        }
    }

    /// The reserved write did not happen.
    pub(super) fn release(&self, cell: &Arc<str>, resource: &str, id: u64) {
        let mut inner = self.inner.lock();
        if let Some(tally) = inner.tallies.get_mut(&(cell.clone(), resource.to_string())) {
            tally.reserved.remove(&id);
        }
    }

    /// The cache applied a change of `cell`'s use of `resource` at `revision`.
    pub(super) fn applied(
        &self,
        cell: &Arc<str>,
        resource: &str,
        before: Option<usize>,
        after: Option<usize>,
        revision: Revision,
    ) {
        let mut inner = self.inner.lock();
        let Some(tally) = inner.tallies.get_mut(&(cell.clone(), resource.to_string())) else {
            return;
        };
        if tally.stale || revision <= tally.at {
            return;
        }
        if let Some(size) = before {
            tally.objects = tally.objects.saturating_sub(1);
            tally.bytes = tally.bytes.saturating_sub(size);
        }
        if let Some(size) = after {
            tally.objects += 1;
            tally.bytes += size;
        }
    }

    /// The cache applied every change of `resource` up to `revision`: the writes
    /// committed by then are in the counts.
    pub(super) fn progressed(&self, resource: &str, revision: Revision) {
        let mut inner = self.inner.lock();
        inner.applied.insert(resource.to_string(), revision);
        for ((_, tallied), tally) in inner.tallies.iter_mut() {
            if tallied == resource {
                tally
                    .reserved
                    .retain(|_, r| r.committed.is_none_or(|committed| committed > revision));
                tally.at = tally.at.max(revision);
            }
        }
    }

    /// Marks the tallies `stale` picks (a resource whose cache relisted, a cell whose
    /// namespaces changed) to be counted again when next asked about; their
    /// reservations stay.
    pub(super) fn recount(&self, stale: impl Fn(&str, &str) -> bool) {
        for ((cell, resource), tally) in self.inner.lock().tallies.iter_mut() {
            if stale(cell, resource) {
                tally.stale = true;
            }
        }
    }

    /// The use of `cell`'s `resource` as tallied (reservations not included), counting
    /// it first if it is not known.
    pub(super) fn usage(
        &self,
        cell: &Arc<str>,
        resource: &str,
        count: impl FnOnce() -> Option<Counted>,
    ) -> Option<(usize, usize)> {
        let mut inner = self.inner.lock();
        let tally = inner.counted(cell, resource, count)?;
        Some((tally.objects, tally.bytes))
    }
}

/// Why nothing was reserved.
#[derive(Debug)]
pub(super) enum Reservation<E> {
    /// The cache cannot count the use yet (not ready).
    Unknown,
    /// The check refused the write.
    Refused(E),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(objects: usize, bytes: usize, revision: Revision) -> impl FnOnce() -> Option<Counted> {
        move || {
            Some(Counted {
                objects,
                bytes,
                revision,
            })
        }
    }

    fn at_most(max: usize) -> impl FnOnce(Check) -> Result<(), ()> {
        move |check| if check.objects < max { Ok(()) } else { Err(()) }
    }

    #[test]
    fn a_write_counts_once_from_admission_to_the_cache() {
        let ledger = Ledger::default();
        let cell: Arc<str> = "c".into();
        // Two objects stored, a quota of three: one create fits, the next does not,
        // however the first's commit and the cache interleave.
        let first = ledger
            .reserve(&cell, "pods", 1, 100, counted(2, 200, 10), at_most(3))
            .unwrap();
        assert!(matches!(
            ledger.reserve(&cell, "pods", 1, 100, || None, at_most(3)),
            Err(Reservation::Refused(()))
        ));
        ledger.committed(&cell, "pods", first.unwrap(), 11);
        assert!(ledger.reserve(&cell, "pods", 1, 100, || None, at_most(3)).is_err());
        // The cache applies it: counted in the tally, no longer reserved.
        ledger.applied(&cell, "pods", None, Some(100), 11);
        ledger.progressed("pods", 11);
        assert_eq!(ledger.usage(&cell, "pods", || None), Some((3, 300)));
        assert!(ledger.reserve(&cell, "pods", 1, 100, || None, at_most(3)).is_err());
        // A delete frees a place.
        ledger.applied(&cell, "pods", Some(100), None, 12);
        ledger.progressed("pods", 12);
        assert!(ledger.reserve(&cell, "pods", 1, 100, || None, at_most(3)).is_ok());
    }

    #[test]
    fn a_write_the_cache_saw_first_is_not_reserved_forever() {
        let ledger = Ledger::default();
        let cell: Arc<str> = "c".into();
        let id = ledger
            .reserve(&cell, "pods", 1, 10, counted(0, 0, 5), at_most(10))
            .unwrap()
            .unwrap();
        ledger.applied(&cell, "pods", None, Some(10), 6);
        ledger.progressed("pods", 6);
        ledger.committed(&cell, "pods", id, 6);
        assert!(
            ledger
                .reserve(
                    &cell,
                    "pods",
                    0,
                    0,
                    || None,
                    |check| {
                        assert_eq!(check, Check { objects: 1, bytes: 10 });
                        Ok::<_, ()>(())
                    }
                )
                .is_ok()
        );
    }

    #[test]
    fn failed_writes_release_and_changes_before_the_count_are_not_counted_twice() {
        let ledger = Ledger::default();
        let cell: Arc<str> = "c".into();
        let id = ledger
            .reserve(&cell, "pods", 1, 10, counted(4, 40, 20), at_most(5))
            .unwrap()
            .unwrap();
        ledger.release(&cell, "pods", id);
        // A change at or below the counted revision is in the count already.
        ledger.applied(&cell, "pods", None, Some(10), 20);
        assert_eq!(ledger.usage(&cell, "pods", || None), Some((4, 40)));
        assert!(ledger.reserve(&cell, "pods", 1, 10, || None, at_most(5)).is_ok());
    }
}
