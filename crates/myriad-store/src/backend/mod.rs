//! Store backends: `embedded` (redb, the default) and `etcd` (a real etcd cluster).

pub mod embedded;
pub mod etcd;
