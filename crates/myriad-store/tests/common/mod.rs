//! Shared harness for the store's integration tests.

#![allow(dead_code)]

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use anyhow::{Result, bail};
use myriad_store::{EmbeddedOptions, EmbeddedStore, EtcdOptions, EtcdStore, Store};
use myriad_testkit::etcd::EtcdServer;

pub type CaseFuture = Pin<Box<dyn Future<Output = Result<()>> + Send>>;
pub type CaseFn = Box<dyn Fn(Arc<dyn Store>, String) -> CaseFuture + Send + Sync>;

/// Boxes an async case function `(store, key_prefix) -> Result<()>`.
pub fn case<F, Fut>(name: &'static str, f: F) -> (&'static str, CaseFn)
where
    F: Fn(Arc<dyn Store>, String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    (name, Box::new(move |s, p| Box::pin(f(s, p))))
}

/// Runs every case (each under its own key prefix) and fails listing all failures.
pub async fn run_cases(store: Arc<dyn Store>, cases: Vec<(&'static str, CaseFn)>) -> Result<()> {
    let mut failures = Vec::new();
    for (name, case) in &cases {
        let prefix = format!("/conformance/{name}/");
        match case(store.clone(), prefix).await {
            Ok(()) => eprintln!("ok   {} {name}", store.backend()),
            Err(e) => {
                eprintln!("FAIL {} {name}: {e:#}", store.backend());
                failures.push(format!("{name}: {e:#}"));
            }
        }
    }
    if !failures.is_empty() {
        bail!(
            "{} of {} cases failed on {}:\n{}",
            failures.len(),
            cases.len(),
            store.backend(),
            failures.join("\n")
        );
    }
    Ok(())
}

pub async fn open_embedded(dir: &Path) -> Result<Arc<dyn Store>> {
    let mut options = EmbeddedOptions::new(dir);
    options.progress_notify_interval_ms = 200;
    Ok(Arc::new(EmbeddedStore::open(options).await?))
}

pub async fn connect_etcd(etcd: &EtcdServer) -> Result<Arc<dyn Store>> {
    let options = EtcdOptions::new(vec![etcd.endpoint()]);
    Ok(Arc::new(EtcdStore::connect(options).await?))
}
