//! The event a filtered watch sends for one change, as upstream's cacher decides it:
//! with label or field selectors, an object that starts to match arrives as `ADDED`
//! and one that stops matching as `DELETED` (carrying its last matching state at the
//! change's revision), so a watcher's view is always exactly what it would list. The
//! watch cache and the uncached store watch both follow this one rule.

/// The type of a watch event that carries an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    /// Sent with the object's previous state.
    Deleted,
}

impl EventType {
    /// The wire name (`ADDED`, `MODIFIED`, `DELETED`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// The event for a change: `was` when the object existed before and the watcher's
/// filter matched it, `now` when it exists after and matches. `None` when the watcher
/// sees nothing.
pub fn event_for(was: bool, now: bool) -> Option<EventType> {
    match (was, now) {
        (true, true) => Some(EventType::Modified),
        (false, true) => Some(EventType::Added),
        (true, false) => Some(EventType::Deleted),
        (false, false) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_turn_changes_into_adds_and_deletes() {
        assert_eq!(event_for(true, true), Some(EventType::Modified));
        assert_eq!(event_for(false, true), Some(EventType::Added));
        assert_eq!(event_for(true, false), Some(EventType::Deleted));
        assert_eq!(event_for(false, false), None);
        assert_eq!(EventType::Deleted.as_str(), "DELETED");
    }
}
