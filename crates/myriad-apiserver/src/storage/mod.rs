//! The store side of serving a resource, below the watch cache: how objects are encoded
//! ([`codec`]), LISTs and WATCHes read straight from the store for what the cache does
//! not serve ([`list`], [`watch`]: uncached resources, revisions the cache no longer
//! holds), defaults kept in place at start ([`ensure`]) and history compaction
//! ([`compactor`]). `cache::delegator` decides between the cache and these.

pub(crate) mod codec;
pub(crate) mod compactor;
pub(crate) mod ensure;
pub(crate) mod list;
pub(crate) mod watch;
