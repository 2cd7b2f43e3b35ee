//! Requests that are not long-running end within the request timeout (or the shorter
//! `?timeout=` they ask for) with upstream's 504; watches are long-running and are not
//! cut.

use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use kube::api::{PostParams, WatchEvent, WatchParams};
use myriad_testkit::inprocess::{TestServer, complete_response};

/// A LIST the cache waits on (a resourceVersion it has not reached) for 3 s.
const SLOW_LIST: &str = "/api/v1/namespaces/default/configmaps?resourceVersion=999999999";

async fn get(server: &TestServer, path: &str) -> Result<(u16, String)> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: myriad\r\nConnection: close\r\n\r\n");
    let response = String::from_utf8(server.raw(request.as_bytes(), complete_response).await?)?;
    let code = response.split(' ').nth(1).unwrap_or("0").parse()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((code, body))
}

fn timed_out(code: u16, body: &str) -> bool {
    code == 504
        && body.contains("\"reason\":\"Timeout\"")
        && body.contains("request did not complete within requested timeout")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_requests_end_at_their_deadline_and_watches_do_not() -> Result<()> {
    let server = TestServer::start_with(|config| config.request_timeout = Duration::from_secs(1)).await?;

    // The server's request timeout.
    let started = Instant::now();
    let (code, body) = get(&server, SLOW_LIST).await?;
    ensure!(timed_out(code, &body), "{code} {body}");
    ensure!(
        started.elapsed() < Duration::from_millis(2900),
        "answered after {:?}",
        started.elapsed()
    );

    // A shorter one the client asks for; a malformed one is a 400.
    let (code, body) = get(&server, &format!("{SLOW_LIST}&timeout=200ms")).await?;
    ensure!(timed_out(code, &body), "{code} {body}");
    let (code, _) = get(&server, &format!("{SLOW_LIST}&timeout=soon")).await?;
    ensure!(code == 400);

    // A watch outlives the request timeout and still delivers.
    let configmaps: Api<ConfigMap> = Api::namespaced(server.client(), "default");
    let mut events = configmaps
        .watch(&WatchParams::default().timeout(10), "0")
        .await?
        .boxed();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let cm: ConfigMap = serde_json::from_value(serde_json::json!({"metadata": {"name": "late"}}))?;
    configmaps.create(&PostParams::default(), &cm).await?;
    let arrived = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(event) = events.next().await {
            if let WatchEvent::Added(cm) = event?
                && cm.metadata.name.as_deref() == Some("late")
            {
                return Ok::<bool, anyhow::Error>(true);
            }
        }
        Ok(false)
    })
    .await;
    ensure!(
        matches!(arrived, Ok(Ok(true))),
        "the watch ended or missed the change: {arrived:?}"
    );

    let metrics = server.get_text("/metrics").await?;
    ensure!(
        metrics.contains("apiserver_request_timeouts_total 2"),
        "no timeout count in metrics"
    );
    server.shutdown().await;
    Ok(())
}
