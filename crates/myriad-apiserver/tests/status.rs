//! Errors are answered with the Status upstream writes, to the byte: fields in
//! `metav1.Status` order and a trailing newline (the official Python client's own
//! end-to-end tests compare a 409 body this way).

use anyhow::{Context, Result, ensure};
use myriad_testkit::inprocess::{TestServer, complete_response};

/// The body of a raw request's response, and its status code.
async fn send(server: &TestServer, method: &str, path: &str, body: &str) -> Result<(u16, String)> {
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: myriad\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let response = server.raw(request.as_bytes(), complete_response).await?;
    let text = String::from_utf8(response)?;
    let (head, body) = text.split_once("\r\n\r\n").context("no response head")?;
    let code = head.split(' ').nth(1).context("no status code")?.parse()?;
    Ok((code, body.to_string()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_bodies_are_written_as_upstream_writes_them() -> Result<()> {
    let server = TestServer::start().await?;
    let namespace = r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"test"}}"#;
    let (code, _) = send(&server, "POST", "/api/v1/namespaces", namespace).await?;
    ensure!(code == 201);
    let (code, body) = send(&server, "POST", "/api/v1/namespaces", namespace).await?;
    ensure!(code == 409);
    ensure!(
        body == "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"namespaces \\\"test\\\" already exists\",\"reason\":\"AlreadyExists\",\"details\":{\"name\":\"test\",\"kind\":\"namespaces\"},\"code\":409}\n",
        "{body:?}"
    );

    let (code, body) = send(&server, "GET", "/apis/apps/v1/namespaces/test/deployments/nope", "").await?;
    ensure!(code == 404);
    ensure!(
        body == "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"deployments.apps \\\"nope\\\" not found\",\"reason\":\"NotFound\",\"details\":{\"name\":\"nope\",\"group\":\"apps\",\"kind\":\"deployments\"},\"code\":404}\n",
        "{body:?}"
    );

    let bad = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}"#;
    let (code, body) = send(&server, "POST", "/api/v1/namespaces/test/configmaps", bad).await?;
    ensure!(code == 422);
    ensure!(
        body.starts_with("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"ConfigMap \\\"Bad_Name\\\" is invalid: metadata.name: Invalid value: \\\"Bad_Name\\\": a lowercase RFC 1123 subdomain")
            && body.ends_with("\"reason\":\"Invalid\",\"details\":{\"name\":\"Bad_Name\",\"kind\":\"ConfigMap\",\"causes\":[{\"reason\":\"FieldValueInvalid\",\"message\":\"Invalid value: \\\"Bad_Name\\\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')\",\"field\":\"metadata.name\"}]},\"code\":422}\n"),
        "{body:?}"
    );
    server.shutdown().await;
    Ok(())
}
