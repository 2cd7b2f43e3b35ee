//! The server's background work is owned: a namespace cleanup that cannot finish (an
//! object holds a finalizer) does not hold up shutdown, and resumes after a restart;
//! once the finalizer goes, the namespace goes.

use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::Api;
use kube::api::{DeleteParams, Patch, PatchParams, PostParams};
use myriad_testkit::inprocess::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanups_stop_at_shutdown_and_resume_after_a_restart() -> Result<()> {
    let server = TestServer::start().await?;
    let namespaces: Api<Namespace> = Api::all(server.client());
    let ns: Namespace = serde_json::from_value(serde_json::json!({"metadata": {"name": "doomed"}}))?;
    namespaces.create(&PostParams::default(), &ns).await?;
    let held: ConfigMap =
        serde_json::from_value(serde_json::json!({"metadata": {"name": "held", "finalizers": ["example.com/hold"]}}))?;
    Api::<ConfigMap>::namespaced(server.client(), "doomed")
        .create(&PostParams::default(), &held)
        .await?;
    namespaces.delete("doomed", &DeleteParams::default()).await?;

    // The cleanup is waiting on the finalizer; shutdown does not wait for it.
    let started = Instant::now();
    let server = server.restart(|_| {}).await?;
    ensure!(
        started.elapsed() < Duration::from_secs(10),
        "the restart took {:?}",
        started.elapsed()
    );

    // After the restart the namespace is still terminating; removing the finalizer
    // lets the resumed cleanup finish.
    let namespaces: Api<Namespace> = Api::all(server.client());
    let phase = namespaces.get("doomed").await?.status.and_then(|s| s.phase);
    ensure!(phase.as_deref() == Some("Terminating"), "{phase:?}");
    Api::<ConfigMap>::namespaced(server.client(), "doomed")
        .patch(
            "held",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"metadata": {"finalizers": null}})),
        )
        .await?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while namespaces.get_opt("doomed").await?.is_some() {
        ensure!(Instant::now() < deadline, "the namespace was not removed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.shutdown().await;
    Ok(())
}
