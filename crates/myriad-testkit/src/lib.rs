//! `myriad-testkit`: the one place where tests and benchmarks start real processes —
//! a real etcd now; the Myriad server and `kubectl` harnesses join it as they are needed.
//! Everything listens on 127.0.0.1 with ephemeral ports, lives in a temporary directory,
//! and is killed and cleaned up on drop.

pub mod etcd;
pub mod myriad;
pub mod ports;
