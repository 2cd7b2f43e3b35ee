//! Reading a request body under the size limit (3 MiB, as upstream). A body over it is
//! answered with 413 `RequestEntityTooLarge` — but only after it has been read and
//! discarded (within a bound), as upstream's server does: a client that sends its whole
//! body before reading the answer (the Python client, urllib3) would otherwise see the
//! connection reset mid-upload instead of the Status. A client that asked
//! `Expect: 100-continue` is answered at once and never sends the body.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, header};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;

use crate::error::ApiError;
use crate::request::body::MAX_BODY_BYTES;

/// The most bytes of an oversize body read and discarded before answering 413.
const DRAIN_BYTES: usize = 8 * MAX_BODY_BYTES;
/// The longest an oversize body is drained for.
const DRAIN_TIME: Duration = Duration::from_secs(10);

/// The whole body, or 413 (400 when the body cannot be read: the client broke off).
pub(super) async fn read(headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(length) = declared.filter(|l| *l > MAX_BODY_BYTES) {
        let expects_continue = headers
            .get(header::EXPECT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
        if !expects_continue && length <= DRAIN_BYTES {
            drain(body).await;
        }
        return Err(too_large(length));
    }
    let mut stream = body.into_data_stream();
    let mut read = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("the request body could not be read: {e}")))?;
        if read.len() + chunk.len() > MAX_BODY_BYTES {
            let seen = read.len() + chunk.len();
            drop(read);
            let rest = drain_stream(stream).await;
            return Err(too_large(seen + rest));
        }
        read.extend_from_slice(&chunk);
    }
    Ok(read.freeze())
}

fn too_large(length: usize) -> ApiError {
    ApiError::TooLarge(format!(
        "the request body of {length} bytes is over the limit of {MAX_BODY_BYTES} bytes"
    ))
}

async fn drain(body: Body) {
    drain_stream(body.into_data_stream()).await;
}

/// Reads and discards what remains (bounded in bytes and time); returns how much.
async fn drain_stream(mut stream: axum::body::BodyDataStream) -> usize {
    let mut drained = 0;
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        while drained < DRAIN_BYTES {
            match stream.next().await {
                Some(Ok(chunk)) => drained += chunk.len(),
                _ => break,
            }
        }
    })
    .await;
    drained
}
