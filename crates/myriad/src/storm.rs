//! `myriad store write-storm`: concurrent writers against an embedded store, reporting
//! each acknowledged write on stdout. The crash test kills it with SIGKILL mid-storm and
//! checks that every acknowledged write survived.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use myriad_store::{EmbeddedOptions, EmbeddedStore, Store};

#[derive(clap::Args)]
pub struct StormArgs {
    /// Store directory (created if missing).
    #[arg(long)]
    data_dir: PathBuf,
    /// Concurrent writers.
    #[arg(long, default_value_t = 16)]
    writers: usize,
    /// Distinguishes keys of successive runs on the same store.
    #[arg(long, default_value = "run")]
    tag: String,
    /// Value size in bytes.
    #[arg(long, default_value_t = 256)]
    value_bytes: usize,
}

/// The value the storm writes for `key`; the checker recomputes it.
pub fn storm_value(key: &str, size: usize) -> Vec<u8> {
    let mut value = key.as_bytes().to_vec();
    value.resize(size.max(key.len()), b'.');
    value
}

pub async fn run(args: StormArgs) -> anyhow::Result<()> {
    let store = Arc::new(EmbeddedStore::open(EmbeddedOptions::new(&args.data_dir)).await?);
    let (acks, mut acked) = tokio::sync::mpsc::unbounded_channel::<String>();
    for writer in 0..args.writers {
        let (store, acks, tag, size) = (store.clone(), acks.clone(), args.tag.clone(), args.value_bytes);
        tokio::spawn(async move {
            for i in 0u64.. {
                let key = format!("/storm/{tag}/w{writer}/{i:08}");
                match store.put(key.as_bytes(), &storm_value(&key, size)).await {
                    Ok(_) => {
                        if acks.send(key).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        eprintln!("write failed: {e}");
                        return;
                    }
                }
            }
        });
    }
    drop(acks);
    let mut out = std::io::stdout().lock();
    while let Some(key) = acked.recv().await {
        writeln!(out, "ACK {key}")?;
        out.flush()?;
    }
    Ok(())
}
