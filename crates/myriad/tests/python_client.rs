//! The official Python `kubernetes` client against a real `myriad server`: CRUD, errors,
//! selectors, pod binding and eviction, scale, and a watch resumed from a list
//! (`tests/clients/python_client.py`; `scripts/test` installs the client).

use std::process::Command;

use anyhow::{Context, Result, ensure};
use myriad_testkit::myriad::MyriadServer;

#[test]
fn python_client_workflow() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/python_client.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(server.kubeconfig())
        .output()
        .context("running python3 (scripts/test installs the kubernetes client)")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    ensure!(
        output.status.success() && stdout.trim() == "ok",
        "python client failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}
