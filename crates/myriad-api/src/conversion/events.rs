//! Event between core `v1` (the storage version) and `events.k8s.io/v1`, as upstream's
//! `pkg/apis/events/v1/conversion.go` and its generated conversions map them: the same
//! object under other names — `note`↔`message`, `regarding`↔`involvedObject`,
//! `reportingController`↔`reportingComponent`, `deprecatedSource`↔`source`,
//! `deprecatedFirstTimestamp`/`deprecatedLastTimestamp`/`deprecatedCount`↔
//! `firstTimestamp`/`lastTimestamp`/`count`; `eventTime`, `series`, `related`,
//! `reason`, `type`, `action` and `reportingInstance` keep theirs.
//!
//! Both versions hold exactly the same fields, so nothing is lost either way. Zero
//! values come out as Go writes each struct: events.k8s.io/v1 always has `eventTime`,
//! `regarding`, `deprecatedSource` and both deprecated timestamps (`null`/`{}` when
//! unset) and drops a zero `deprecatedCount`; core v1 always has `involvedObject`,
//! `source`, `firstTimestamp`, `lastTimestamp`, `eventTime`, `reportingComponent` and
//! `reportingInstance` (`""` when unset) and drops a zero `count`. A series keeps its
//! `count` in events.k8s.io/v1 even when 0, but not in core v1.

use serde_json::{Map, Value};

use super::{child, integer, put_string, string, time};

/// The core API's version.
pub(super) const CORE: &str = "v1";
/// The events.k8s.io API's version.
pub(super) const EVENTS: &str = "events.k8s.io/v1";

/// The core v1 field label an events.k8s.io/v1 field selector label stands for, as
/// upstream's `AddFieldLabelConversionsForEvent` maps it: selectors on events.k8s.io are
/// matched against the stored core object. `None` for a label events.k8s.io does not
/// support (upstream answers `field label not supported: <label>`).
pub fn events_field_label(label: &str) -> Option<&'static str> {
    Some(match label {
        "reason" => "reason",
        "regarding.kind" => "involvedObject.kind",
        "regarding.namespace" => "involvedObject.namespace",
        "regarding.name" => "involvedObject.name",
        "regarding.uid" => "involvedObject.uid",
        "regarding.apiVersion" => "involvedObject.apiVersion",
        "regarding.resourceVersion" => "involvedObject.resourceVersion",
        "regarding.fieldPath" => "involvedObject.fieldPath",
        "reportingController" => "reportingComponent",
        "type" => "type",
        "metadata.namespace" => "metadata.namespace",
        "metadata.name" => "metadata.name",
        _ => return None,
    })
}

/// A core v1 Event as events.k8s.io/v1 writes it.
pub(super) fn core_to_events(mut event: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("apiVersion".into(), EVENTS.into());
    out.insert("kind".into(), "Event".into());
    out.insert("metadata".into(), metadata(&mut event));
    out.insert("eventTime".into(), time(&event, "eventTime"));
    if let Some(series) = child(&event, "series") {
        let mut s = Map::new();
        s.insert("count".into(), integer(series, "count").into());
        s.insert("lastObservedTime".into(), time(series, "lastObservedTime"));
        out.insert("series".into(), Value::Object(s));
    }
    put_string(&mut out, "reportingController", string(&event, "reportingComponent"));
    put_string(&mut out, "reportingInstance", string(&event, "reportingInstance"));
    put_string(&mut out, "action", string(&event, "action"));
    put_string(&mut out, "reason", string(&event, "reason"));
    out.insert("regarding".into(), object_reference(child(&event, "involvedObject")));
    if let Some(related) = child(&event, "related") {
        out.insert("related".into(), object_reference(Some(related)));
    }
    put_string(&mut out, "note", string(&event, "message"));
    put_string(&mut out, "type", string(&event, "type"));
    out.insert("deprecatedSource".into(), event_source(child(&event, "source")));
    out.insert("deprecatedFirstTimestamp".into(), time(&event, "firstTimestamp"));
    out.insert("deprecatedLastTimestamp".into(), time(&event, "lastTimestamp"));
    put_count(&mut out, "deprecatedCount", integer(&event, "count"));
    out
}

/// An events.k8s.io/v1 Event as core v1 writes it.
pub(super) fn events_to_core(mut event: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("apiVersion".into(), CORE.into());
    out.insert("kind".into(), "Event".into());
    out.insert("metadata".into(), metadata(&mut event));
    out.insert("involvedObject".into(), object_reference(child(&event, "regarding")));
    put_string(&mut out, "reason", string(&event, "reason"));
    put_string(&mut out, "message", string(&event, "note"));
    out.insert("source".into(), event_source(child(&event, "deprecatedSource")));
    out.insert("firstTimestamp".into(), time(&event, "deprecatedFirstTimestamp"));
    out.insert("lastTimestamp".into(), time(&event, "deprecatedLastTimestamp"));
    put_count(&mut out, "count", integer(&event, "deprecatedCount"));
    put_string(&mut out, "type", string(&event, "type"));
    out.insert("eventTime".into(), time(&event, "eventTime"));
    if let Some(series) = child(&event, "series") {
        let mut s = Map::new();
        put_count(&mut s, "count", integer(series, "count"));
        s.insert("lastObservedTime".into(), time(series, "lastObservedTime"));
        out.insert("series".into(), Value::Object(s));
    }
    put_string(&mut out, "action", string(&event, "action"));
    if let Some(related) = child(&event, "related") {
        out.insert("related".into(), object_reference(Some(related)));
    }
    out.insert(
        "reportingComponent".into(),
        string(&event, "reportingController").into(),
    );
    out.insert("reportingInstance".into(), string(&event, "reportingInstance").into());
    out
}

/// The object's metadata, kept as it is (`{}` when missing, as Go writes it).
fn metadata(event: &mut Map<String, Value>) -> Value {
    match event.remove("metadata") {
        Some(Value::Object(meta)) => Value::Object(meta),
        _ => Value::Object(Map::new()),
    }
}

/// An `int32` tagged `omitempty`: left out when 0.
fn put_count(out: &mut Map<String, Value>, key: &str, count: i64) {
    if count != 0 {
        out.insert(key.into(), count.into());
    }
}

/// A core `ObjectReference`: its fields, each left out when empty.
fn object_reference(reference: Option<&Map<String, Value>>) -> Value {
    let mut out = Map::new();
    if let Some(reference) = reference {
        for key in [
            "kind",
            "namespace",
            "name",
            "uid",
            "apiVersion",
            "resourceVersion",
            "fieldPath",
        ] {
            put_string(&mut out, key, string(reference, key));
        }
    }
    Value::Object(out)
}

/// A core `EventSource`: `component` and `host`, each left out when empty.
fn event_source(source: Option<&Map<String, Value>>) -> Value {
    let mut out = Map::new();
    if let Some(source) = source {
        put_string(&mut out, "component", string(source, "component"));
        put_string(&mut out, "host", string(source, "host"));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::conversion::convert;

    fn to(object: &Value, api_version: &str) -> Value {
        match convert(object.clone(), api_version) {
            Ok(v) => v,
            Err(e) => panic!("convert to {api_version}: {e}"),
        }
    }

    fn meta() -> Value {
        json!({"name": "nginx.17a1b2c3", "namespace": "default", "uid": "0c4e1b8a-1111-2222-3333-444455556666",
               "resourceVersion": "12", "creationTimestamp": "2025-05-01T10:00:00Z"})
    }

    /// A kubelet event as kube-apiserver serves it through core v1.
    fn kubelet_core() -> Value {
        json!({
            "apiVersion": "v1", "kind": "Event", "metadata": meta(),
            "involvedObject": {"kind": "Pod", "namespace": "default", "name": "nginx",
                "uid": "9f0e", "apiVersion": "v1", "resourceVersion": "7", "fieldPath": "spec.containers{nginx}"},
            "reason": "Pulled", "message": "Container image \"nginx\" already present on machine",
            "source": {"component": "kubelet", "host": "node-1"},
            "firstTimestamp": "2025-05-01T10:00:00Z", "lastTimestamp": "2025-05-01T10:05:00Z",
            "count": 3, "type": "Normal", "eventTime": null,
            "reportingComponent": "kubelet", "reportingInstance": "node-1"
        })
    }

    /// The same event as kube-apiserver serves it through events.k8s.io/v1.
    fn kubelet_events() -> Value {
        json!({
            "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": meta(),
            "eventTime": null, "reportingController": "kubelet", "reportingInstance": "node-1",
            "reason": "Pulled",
            "regarding": {"kind": "Pod", "namespace": "default", "name": "nginx",
                "uid": "9f0e", "apiVersion": "v1", "resourceVersion": "7", "fieldPath": "spec.containers{nginx}"},
            "note": "Container image \"nginx\" already present on machine", "type": "Normal",
            "deprecatedSource": {"component": "kubelet", "host": "node-1"},
            "deprecatedFirstTimestamp": "2025-05-01T10:00:00Z", "deprecatedLastTimestamp": "2025-05-01T10:05:00Z",
            "deprecatedCount": 3
        })
    }

    /// A new-style event (client-go's events recorder) with a series and a related object.
    fn series_events() -> Value {
        json!({
            "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": meta(),
            "eventTime": "2025-05-01T10:00:00.123456Z",
            "series": {"count": 4, "lastObservedTime": "2025-05-01T10:09:00.654321Z"},
            "reportingController": "example.com/scheduler", "reportingInstance": "scheduler-0",
            "action": "Binding", "reason": "Scheduled",
            "regarding": {"kind": "Pod", "namespace": "default", "name": "nginx", "uid": "9f0e", "apiVersion": "v1"},
            "related": {"kind": "Node", "name": "node-1", "apiVersion": "v1"},
            "note": "Successfully assigned default/nginx to node-1", "type": "Normal",
            "deprecatedSource": {}, "deprecatedFirstTimestamp": null, "deprecatedLastTimestamp": null
        })
    }

    fn series_core() -> Value {
        json!({
            "apiVersion": "v1", "kind": "Event", "metadata": meta(),
            "involvedObject": {"kind": "Pod", "namespace": "default", "name": "nginx", "uid": "9f0e", "apiVersion": "v1"},
            "reason": "Scheduled", "message": "Successfully assigned default/nginx to node-1",
            "source": {}, "firstTimestamp": null, "lastTimestamp": null, "type": "Normal",
            "eventTime": "2025-05-01T10:00:00.123456Z",
            "series": {"count": 4, "lastObservedTime": "2025-05-01T10:09:00.654321Z"},
            "action": "Binding", "related": {"kind": "Node", "name": "node-1", "apiVersion": "v1"},
            "reportingComponent": "example.com/scheduler", "reportingInstance": "scheduler-0"
        })
    }

    #[test]
    fn field_labels() {
        use super::events_field_label;
        let cases = [
            ("regarding.name", Some("involvedObject.name")),
            ("regarding.fieldPath", Some("involvedObject.fieldPath")),
            ("reportingController", Some("reportingComponent")),
            ("metadata.name", Some("metadata.name")),
            ("type", Some("type")),
            ("involvedObject.name", None),
            ("note", None),
            ("source", None),
        ];
        for (label, want) in cases {
            assert_eq!(events_field_label(label), want, "{label}");
        }
    }

    #[test]
    fn converts_both_ways() {
        let cases = [
            ("kubelet event", kubelet_core(), kubelet_events()),
            ("series event", series_core(), series_events()),
        ];
        for (name, core, events) in cases {
            assert_eq!(to(&core, "events.k8s.io/v1"), events, "{name}: core → events");
            assert_eq!(to(&events, "v1"), core, "{name}: events → core");
            assert_eq!(
                to(&to(&events, "v1"), "events.k8s.io/v1"),
                events,
                "{name}: events → core → events"
            );
            assert_eq!(
                to(&to(&core, "events.k8s.io/v1"), "v1"),
                core,
                "{name}: core → events → core"
            );
        }
    }

    #[test]
    fn zero_values_as_go_writes_them() {
        // Sparse input: what Go writes for each unset field of the other version.
        let cases = [
            (
                "minimal events.k8s.io event",
                json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e"},
                       "eventTime": "2025-05-01T10:00:00.000000Z", "reportingController": "c",
                       "reportingInstance": "i", "action": "A", "reason": "R", "type": "Normal"}),
                "v1",
                json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"},
                       "involvedObject": {}, "reason": "R", "source": {}, "firstTimestamp": null,
                       "lastTimestamp": null, "type": "Normal", "eventTime": "2025-05-01T10:00:00.000000Z",
                       "action": "A", "reportingComponent": "c", "reportingInstance": "i"}),
            ),
            (
                "minimal core event",
                json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"},
                       "involvedObject": {"kind": "Pod", "name": "p"}, "message": "m", "count": 0}),
                "events.k8s.io/v1",
                json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e"},
                       "eventTime": null, "regarding": {"kind": "Pod", "name": "p"}, "note": "m",
                       "deprecatedSource": {}, "deprecatedFirstTimestamp": null, "deprecatedLastTimestamp": null}),
            ),
            (
                // A series without a count or time, and an event without an eventTime:
                // events.k8s.io keeps series.count 0 and a null lastObservedTime.
                "series without eventTime, core → events",
                json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"},
                       "involvedObject": {}, "series": {}, "reportingComponent": "", "reportingInstance": ""}),
                "events.k8s.io/v1",
                json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e"},
                       "eventTime": null, "series": {"count": 0, "lastObservedTime": null},
                       "regarding": {}, "deprecatedSource": {}, "deprecatedFirstTimestamp": null,
                       "deprecatedLastTimestamp": null}),
            ),
            (
                "series without eventTime, events → core",
                json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e"},
                       "eventTime": null, "series": {"count": 0, "lastObservedTime": null},
                       "deprecatedCount": 0, "regarding": null, "related": null}),
                "v1",
                json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"},
                       "involvedObject": {}, "source": {}, "firstTimestamp": null, "lastTimestamp": null,
                       "eventTime": null, "series": {"lastObservedTime": null},
                       "reportingComponent": "", "reportingInstance": ""}),
            ),
            (
                // Fields neither version has are dropped, empty strings left out.
                "unknown fields and empty strings",
                json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"}, "bogus": 1,
                       "involvedObject": {"kind": "", "name": "p", "extra": "x"},
                       "source": {"component": "", "host": "h"}, "reason": "", "type": ""}),
                "events.k8s.io/v1",
                json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e"},
                       "eventTime": null, "regarding": {"name": "p"}, "deprecatedSource": {"host": "h"},
                       "deprecatedFirstTimestamp": null, "deprecatedLastTimestamp": null}),
            ),
        ];
        for (name, input, api_version, want) in cases {
            assert_eq!(to(&input, api_version), want, "{name}");
        }
    }

    #[test]
    fn sparse_events_object_round_trips_to_go_shape() {
        // An events.k8s.io object written without the fields Go always writes reads back
        // with them, and from then on round-trips identically.
        let written = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e"},
            "eventTime": "2025-05-01T10:00:00.000000Z", "reportingController": "c", "reportingInstance": "i",
            "action": "A", "reason": "R", "regarding": {"kind": "Pod", "name": "p"}, "note": "n", "type": "Warning"});
        let read = to(&to(&written, "v1"), "events.k8s.io/v1");
        let mut want = written.clone();
        if let Some(map) = want.as_object_mut() {
            map.insert("deprecatedSource".into(), json!({}));
            map.insert("deprecatedFirstTimestamp".into(), Value::Null);
            map.insert("deprecatedLastTimestamp".into(), Value::Null);
        }
        assert_eq!(read, want);
        assert_eq!(to(&to(&read, "v1"), "events.k8s.io/v1"), read);
    }
}
