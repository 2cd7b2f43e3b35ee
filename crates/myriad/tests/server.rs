//! `myriad server` as a real process, driven by the real `kubectl`.

use anyhow::{Result, ensure};
use myriad_store::{EmbeddedOptions, EmbeddedStore};
use myriad_testkit::myriad::MyriadServer;

fn bin() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_BIN_EXE_myriad"))
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn kubectl_connects_over_tls_and_restart_keeps_identity() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(bin(), dir.path())?;
    ensure!(server.url().starts_with("https://127.0.0.1:"), "{}", server.url());

    let version = server.kubectl(&["version", "-o", "json"])?;
    ensure!(version.status.success(), "kubectl version failed: {}", stderr(&version));
    let version: serde_json::Value = serde_json::from_slice(&version.stdout)?;
    ensure!(version["serverVersion"]["major"] == "1", "{version}");
    ensure!(
        version["serverVersion"]["gitVersion"]
            .as_str()
            .is_some_and(|v| v.starts_with("v1.")),
        "{version}"
    );

    for path in ["/healthz", "/livez", "/readyz"] {
        let health = server.kubectl(&["get", "--raw", path])?;
        ensure!(
            health.status.success() && stdout(&health) == "ok",
            "{path}: {}",
            stderr(&health)
        );
    }
    let missing = server.kubectl(&["get", "--raw", "/no/such/path"])?;
    ensure!(!missing.status.success());
    ensure!(
        stderr(&missing).contains("Error from server (NotFound): the server could not find the requested resource"),
        "{}",
        stderr(&missing)
    );

    let mode = std::fs::metadata(server.kubeconfig())?.permissions();
    ensure!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o077 == 0,
        "kubeconfig readable by others"
    );

    // SIGTERM: clean exit and a cleanly closed store.
    let kubeconfig_before = std::fs::read_to_string(server.kubeconfig())?;
    ensure!(server.stop()?, "server did not exit cleanly on SIGTERM");
    let runtime = tokio::runtime::Runtime::new()?;
    let recovered = runtime.block_on(async {
        let store = EmbeddedStore::open(EmbeddedOptions::new(&dir.path().join("store"))).await?;
        let recovered = store.stats().recovered;
        store.close().await;
        anyhow::Ok(recovered)
    })?;
    ensure!(!recovered, "store was not closed cleanly on SIGTERM");

    // Restart: same CA and admin identity, so the old credentials still work.
    let server = MyriadServer::start(bin(), dir.path())?;
    let kubeconfig_after = std::fs::read_to_string(server.kubeconfig())?;
    let ca = |k: &str| {
        serde_json::from_str::<serde_json::Value>(k)
            .map(|v| v["clusters"][0]["cluster"]["certificate-authority-data"].clone())
    };
    ensure!(
        ca(&kubeconfig_before)? == ca(&kubeconfig_after)?,
        "CA changed across restart"
    );
    let health = server.kubectl(&["get", "--raw", "/healthz"])?;
    ensure!(health.status.success(), "{}", stderr(&health));
    Ok(())
}
