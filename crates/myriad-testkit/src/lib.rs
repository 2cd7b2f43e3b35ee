//! `myriad-testkit`: the one place where tests and benchmarks start real processes —
//! a real etcd now; the Myriad server and `kubectl` harnesses join it as they are needed.
//! Everything listens on 127.0.0.1 with ephemeral ports, lives in a temporary directory,
//! and is killed and cleaned up on drop.

pub mod etcd;
pub mod myriad;
pub mod ports;

/// Retries `check` every 50 ms for up to 10 s: for state the server follows a few
/// milliseconds behind writes (RBAC, cells, flow control, watch caches).
pub fn eventually(what: &str, mut check: impl FnMut() -> anyhow::Result<bool>) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(10) {
        if check()? {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    anyhow::bail!("{what}: not within 10 s")
}
