//! etcd's v3 gRPC API as Myriad speaks it: the prost messages and tonic client stubs
//! generated at build time from the vendored protos (`proto/`, see `build.rs`), the
//! channel to a cluster, and the conversions between etcd's messages and the store's
//! types. Only the calls the backend makes are generated: KV `Range`, `Txn`,
//! `Compact` and the `Watch` stream.

use std::time::Duration;

use tonic::transport::{Channel, Endpoint};

use crate::error::StoreError;
use crate::kv::{KeyValue, Revision};
use crate::txn::{CmpOp, CmpTarget, Compare, OpResult, TxnOp};

#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub(crate) mod mvccpb {
    include!(concat!(env!("OUT_DIR"), "/mvccpb.rs"));
}

#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub(crate) mod etcdserverpb {
    include!(concat!(env!("OUT_DIR"), "/etcdserverpb.rs"));
}

pub(crate) use etcdserverpb::kv_client::KvClient;
pub(crate) use etcdserverpb::watch_client::WatchClient;
use etcdserverpb::{compare, request_op, response_op};

/// One channel to the cluster, balanced over its endpoints; it connects lazily and
/// reconnects on its own, so the caller's first request is what proves the cluster is
/// reachable.
pub(crate) fn channel(endpoints: &[String], connect_timeout: Duration) -> Result<Channel, StoreError> {
    let endpoints = endpoints
        .iter()
        .map(|url| {
            Endpoint::from_shared(url.clone())
                .map(|endpoint| endpoint.connect_timeout(connect_timeout).tcp_nodelay(true))
                .map_err(|e| StoreError::Config(format!("etcd endpoint {url:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Channel::balance_list(endpoints.into_iter()))
}

/// A failed call as the store reports it: etcd's own message (which the backend matches
/// on for revision and size errors) with the gRPC code, and the root cause when the call
/// never reached etcd (tonic's message repeats the layers in between).
pub(crate) fn describe(status: &tonic::Status) -> String {
    let mut text = format!("{:?}: {}", status.code(), status.message());
    let mut root = std::error::Error::source(status);
    while let Some(next) = root.and_then(std::error::Error::source) {
        root = Some(next);
    }
    if let Some(root) = root.map(ToString::to_string)
        && !status.message().contains(&root)
    {
        text.push_str(": ");
        text.push_str(&root);
    }
    text
}

pub(crate) fn etcd_error(status: tonic::Status) -> StoreError {
    StoreError::Etcd(describe(&status))
}

pub(crate) fn convert_kv(kv: mvccpb::KeyValue) -> KeyValue {
    KeyValue {
        key: kv.key,
        value: kv.value,
        create_revision: kv.create_revision,
        mod_revision: kv.mod_revision,
        version: kv.version,
    }
}

pub(crate) fn header_revision(header: Option<&etcdserverpb::ResponseHeader>) -> Revision {
    header.map_or(0, |h| h.revision)
}

/// A range over `[key, range_end)` at `revision` (0: the newest), at most `limit` keys
/// (0: all).
pub(crate) fn range_request(
    key: Vec<u8>,
    range_end: Vec<u8>,
    limit: i64,
    revision: Revision,
) -> etcdserverpb::RangeRequest {
    etcdserverpb::RangeRequest {
        key: key.into(),
        range_end: range_end.into(),
        limit,
        revision,
        ..Default::default()
    }
}

pub(crate) fn convert_op(op: &TxnOp) -> etcdserverpb::RequestOp {
    let request = match op {
        TxnOp::Put { key, value } => request_op::Request::RequestPut(etcdserverpb::PutRequest {
            key: key.clone(),
            value: value.clone(),
            prev_kv: true,
            ..Default::default()
        }),
        TxnOp::Delete { key } => request_op::Request::RequestDeleteRange(etcdserverpb::DeleteRangeRequest {
            key: key.clone(),
            prev_kv: true,
            ..Default::default()
        }),
        TxnOp::Get { key } => request_op::Request::RequestRange(etcdserverpb::RangeRequest {
            key: key.clone(),
            ..Default::default()
        }),
    };
    etcdserverpb::RequestOp { request: Some(request) }
}

pub(crate) fn convert_compare(compare: &Compare) -> etcdserverpb::Compare {
    use compare::{CompareResult, CompareTarget, TargetUnion};
    let result = match compare.op {
        CmpOp::Equal => CompareResult::Equal,
        CmpOp::NotEqual => CompareResult::NotEqual,
        CmpOp::Greater => CompareResult::Greater,
        CmpOp::Less => CompareResult::Less,
    };
    let (target, value) = match compare.target {
        CmpTarget::ModRevision => (CompareTarget::Mod, TargetUnion::ModRevision(compare.value)),
        CmpTarget::CreateRevision => (CompareTarget::Create, TargetUnion::CreateRevision(compare.value)),
        CmpTarget::Version => (CompareTarget::Version, TargetUnion::Version(compare.value)),
    };
    etcdserverpb::Compare {
        result: result as i32,
        target: target as i32,
        key: compare.key.clone(),
        target_union: Some(value),
        ..Default::default()
    }
}

pub(crate) fn convert_result(response: etcdserverpb::ResponseOp) -> OpResult {
    match response.response {
        Some(response_op::Response::ResponsePut(put)) => OpResult::Put {
            prev: put.prev_kv.map(convert_kv),
        },
        Some(response_op::Response::ResponseDeleteRange(delete)) => OpResult::Delete {
            prev: delete.prev_kvs.into_iter().next().map(convert_kv),
        },
        Some(response_op::Response::ResponseRange(get)) => OpResult::Get {
            kv: get.kvs.into_iter().next().map(convert_kv),
        },
        // Nested transactions are never sent.
        Some(response_op::Response::ResponseTxn(_)) | None => OpResult::Get { kv: None },
    }
}
