//! A body over the 3 MiB limit is answered with a 413 Status — also for clients that
//! send the whole body without `Expect: 100-continue` before reading the answer, as
//! the Python client does — and the connection is not reset under them.

use anyhow::{Result, ensure};
use myriad_testkit::inprocess::{TestServer, complete_response};

const PATH: &str = "/api/v1/namespaces/default/configmaps";

fn status_of(response: &[u8]) -> (u16, String) {
    let text = String::from_utf8_lossy(response);
    let code = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (code, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_bodies_get_a_413_status() -> Result<()> {
    let server = TestServer::start().await?;
    let big = vec![b'x'; 4 << 20];

    // Declared length, whole body sent at once.
    let mut request = format!(
        "POST {PATH} HTTP/1.1\r\nHost: myriad\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        big.len()
    )
    .into_bytes();
    request.extend_from_slice(&big);
    let (code, body) = status_of(&server.raw(&request, complete_response).await?);
    ensure!(code == 413, "{code} {body}");
    ensure!(body.contains("\"reason\":\"RequestEntityTooLarge\""), "{body}");
    ensure!(body.ends_with("\"code\":413}\n"), "{body}");

    // No declared length (chunked): refused once it passes the limit.
    let mut request = format!(
        "POST {PATH} HTTP/1.1\r\nHost: myriad\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for chunk in big.chunks(1 << 20) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let (code, body) = status_of(&server.raw(&request, complete_response).await?);
    ensure!(code == 413 && body.contains("RequestEntityTooLarge"), "{code} {body}");

    // Expect: 100-continue is answered at once, before any of the body is sent.
    let request = format!(
        "POST {PATH} HTTP/1.1\r\nHost: myriad\r\nContent-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        big.len()
    );
    let (code, _) = status_of(&server.raw(request.as_bytes(), complete_response).await?);
    ensure!(code == 413, "{code}");

    // A body under the limit still works on the same server.
    let small = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"small"}}"#;
    let request = format!(
        "POST {PATH} HTTP/1.1\r\nHost: myriad\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{small}",
        small.len()
    );
    let (code, _) = status_of(&server.raw(request.as_bytes(), complete_response).await?);
    ensure!(code == 201);
    server.shutdown().await;
    Ok(())
}
