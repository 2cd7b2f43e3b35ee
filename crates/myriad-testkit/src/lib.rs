//! `myriad-testkit`: the one harness for tests and benchmarks — a real etcd ([`etcd`]),
//! a real `myriad server` process with `kubectl` and raw HTTPS pointed at it
//! ([`myriad`], [`myriad_bin!`]), the API server in-process with a kube-rs client
//! (`inprocess`, behind the feature of that name), and waiting for what the server does
//! ([`eventually`], [`lines::Lines`]), and architecture checks ([`layering`]).
//! Everything listens on 127.0.0.1 with ephemeral
//! ports, lives in a temporary directory, and is cleaned up on drop.

pub mod etcd;
#[cfg(feature = "inprocess")]
pub mod inprocess;
pub mod layering;
pub mod lines;
pub mod myriad;
pub mod ports;

/// The `myriad` binary of the crate under test (only the `myriad` crate's integration
/// tests and benchmarks have one).
#[macro_export]
macro_rules! myriad_bin {
    () => {
        ::std::path::Path::new(env!("CARGO_BIN_EXE_myriad"))
    };
}

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
