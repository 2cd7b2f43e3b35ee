//! Service discovery defaults: Services and Endpoints (`pkg/apis/core/v1/defaults.go`)
//! and EndpointSlices (`pkg/apis/discovery/v1/defaults.go`).
//!
//! A Service's cluster IPs, IP families and node ports are allocated by the service
//! REST storage after defaulting, not here.

use serde_json::{Value, json};

use super::{child, fill, items, non_empty, set, text};

pub(super) fn service(service: &mut Value) {
    let spec = child(service, "spec");
    if !spec.is_object() {
        return;
    }
    fill(spec, "sessionAffinity", json!("None"));
    match text(spec, "sessionAffinity") {
        "None" => {
            if let Some(map) = spec.as_object_mut() {
                map.remove("sessionAffinityConfig");
            }
        }
        "ClientIP" => {
            let has_timeout = spec
                .pointer("/sessionAffinityConfig/clientIP/timeoutSeconds")
                .is_some_and(|t| !t.is_null());
            if !has_timeout {
                spec["sessionAffinityConfig"] = json!({"clientIP": {"timeoutSeconds": 10800}});
            }
        }
        _ => {}
    }
    fill(spec, "type", json!("ClusterIP"));
    for port in items(spec, "ports") {
        fill(port, "protocol", json!("TCP"));
        if port.get("targetPort").is_none_or(super::is_zero) || port.get("targetPort") == Some(&Value::Null) {
            let number = port.get("port").cloned().unwrap_or(json!(0));
            port["targetPort"] = number;
        }
    }
    let kind = text(spec, "type").to_string();
    let externally_accessible =
        matches!(kind.as_str(), "LoadBalancer" | "NodePort") || (kind == "ClusterIP" && non_empty(spec, "externalIPs"));
    if externally_accessible {
        fill(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if matches!(kind.as_str(), "ClusterIP" | "NodePort" | "LoadBalancer") {
        set(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if kind == "LoadBalancer" {
        set(spec, "allocateLoadBalancerNodePorts", json!(true));
        if let Some(balancer) = service.pointer_mut("/status/loadBalancer").filter(|b| b.is_object()) {
            for ingress in items(balancer, "ingress") {
                if !text(ingress, "ip").is_empty() {
                    set(ingress, "ipMode", json!("VIP"));
                }
            }
        }
    }
}

pub(super) fn endpoints(endpoints: &mut Value) {
    for subset in items(endpoints, "subsets") {
        for port in items(subset, "ports") {
            fill(port, "protocol", json!("TCP"));
        }
    }
}

pub(super) fn endpoint_slice(slice: &mut Value) {
    for port in items(slice, "ports") {
        set(port, "name", json!(""));
        set(port, "protocol", json!("TCP"));
    }
    // Nothing else: endpoints' conditions stay nil ("unknown") when not given.
}

#[cfg(test)]
mod tests {
    use super::super::apply;
    use serde_json::{Value, json};

    fn service(spec: Value) -> Value {
        let mut object = json!({"spec": spec});
        apply("", "Service", &mut object);
        object
    }

    #[test]
    fn service_types_and_traffic_policies() {
        // (given spec, expected type, externalTrafficPolicy, internalTrafficPolicy, allocateLoadBalancerNodePorts)
        let cases = [
            (json!({}), "ClusterIP", None, Some("Cluster"), None),
            (
                json!({"externalIPs": ["1.2.3.4"]}),
                "ClusterIP",
                Some("Cluster"),
                Some("Cluster"),
                None,
            ),
            (
                json!({"type": "NodePort"}),
                "NodePort",
                Some("Cluster"),
                Some("Cluster"),
                None,
            ),
            (
                json!({"type": "LoadBalancer"}),
                "LoadBalancer",
                Some("Cluster"),
                Some("Cluster"),
                Some(true),
            ),
            (
                json!({"type": "LoadBalancer", "externalTrafficPolicy": "Local", "internalTrafficPolicy": "Local",
                    "allocateLoadBalancerNodePorts": false}),
                "LoadBalancer",
                Some("Local"),
                Some("Local"),
                Some(false),
            ),
            (
                json!({"type": "ExternalName", "externalName": "x.example"}),
                "ExternalName",
                None,
                None,
                None,
            ),
        ];
        for (spec, kind, external, internal, allocate) in cases {
            let svc = service(spec.clone());
            let spec_out = &svc["spec"];
            assert_eq!(spec_out["type"], kind, "{spec}");
            assert_eq!(
                spec_out.get("externalTrafficPolicy").and_then(Value::as_str),
                external,
                "{spec}"
            );
            assert_eq!(
                spec_out.get("internalTrafficPolicy").and_then(Value::as_str),
                internal,
                "{spec}"
            );
            assert_eq!(
                spec_out.get("allocateLoadBalancerNodePorts").and_then(Value::as_bool),
                allocate,
                "{spec}"
            );
            assert_eq!(spec_out["sessionAffinity"], "None");
        }
    }

    #[test]
    fn session_affinity() {
        let none = service(json!({"sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 5}}}));
        assert_eq!(none["spec"]["sessionAffinity"], "None");
        assert_eq!(none["spec"].get("sessionAffinityConfig"), None);
        let client = service(json!({"sessionAffinity": "ClientIP"}));
        assert_eq!(
            client["spec"]["sessionAffinityConfig"],
            json!({"clientIP": {"timeoutSeconds": 10800}})
        );
        let kept = service(json!({"sessionAffinity": "ClientIP",
            "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 60}}}));
        assert_eq!(kept["spec"]["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"], 60);
    }

    #[test]
    fn service_ports_and_load_balancer_status() {
        let svc = service(json!({"ports": [
            {"port": 80},
            {"port": 81, "targetPort": 0},
            {"port": 82, "targetPort": ""},
            {"port": 443, "targetPort": "https", "protocol": "UDP"},
            {"port": 53, "targetPort": 5353}]}));
        assert_eq!(
            svc["spec"]["ports"],
            json!([
                {"port": 80, "targetPort": 80, "protocol": "TCP"},
                {"port": 81, "targetPort": 81, "protocol": "TCP"},
                {"port": 82, "targetPort": 82, "protocol": "TCP"},
                {"port": 443, "targetPort": "https", "protocol": "UDP"},
                {"port": 53, "targetPort": 5353, "protocol": "TCP"},
            ])
        );
        let mut lb = json!({"spec": {"type": "LoadBalancer"}, "status": {"loadBalancer": {"ingress": [
            {"ip": "1.2.3.4"}, {"hostname": "lb.example"}, {"ip": "5.6.7.8", "ipMode": "Proxy"}]}}});
        apply("", "Service", &mut lb);
        assert_eq!(
            lb["status"]["loadBalancer"]["ingress"],
            json!([{"ip": "1.2.3.4", "ipMode": "VIP"}, {"hostname": "lb.example"}, {"ip": "5.6.7.8", "ipMode": "Proxy"}])
        );
        let mut cluster = json!({"spec": {}, "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}});
        apply("", "Service", &mut cluster);
        assert_eq!(cluster["status"]["loadBalancer"]["ingress"][0].get("ipMode"), None);
    }

    #[test]
    fn endpoints_and_slices() {
        let mut endpoints = json!({"subsets": [{"addresses": [{"ip": "10.0.0.1"}],
            "ports": [{"port": 80}, {"port": 53, "protocol": "UDP"}]}]});
        apply("", "Endpoints", &mut endpoints);
        assert_eq!(
            endpoints["subsets"][0]["ports"],
            json!([{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}])
        );
        let mut slice = json!({"addressType": "IPv4", "endpoints": [{"addresses": ["10.0.0.1"]}],
            "ports": [{"port": 80}, {"name": "dns", "port": 53, "protocol": "UDP"}]});
        apply("discovery.k8s.io", "EndpointSlice", &mut slice);
        assert_eq!(
            slice["ports"],
            json!([{"port": 80, "name": "", "protocol": "TCP"}, {"name": "dns", "port": 53, "protocol": "UDP"}])
        );
        assert_eq!(slice["endpoints"], json!([{"addresses": ["10.0.0.1"]}]));
    }
}
