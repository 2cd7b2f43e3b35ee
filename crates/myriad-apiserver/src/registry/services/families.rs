//! A Service's IP family fields before its addresses are allocated, as upstream's
//! service REST prepares them: an update that leaves out allocated values keeps them
//! (`patchAllocatedValues`), `clusterIP` and `clusterIPs` are brought in line
//! (`NormalizeClusterIPs`), and `ipFamilyPolicy`/`ipFamilies` get their defaults from
//! the cluster's families (`initIPFamilyFields`) — or a 422 when they ask for a family
//! the cluster does not have.

use myriad_api::field_error::{FieldError, FieldPath};
use serde_json::{Map, Value, json};

use super::ip_range::{Family, parse_ip};
use super::{needs_cluster_ip, needs_health_check_port, needs_node_ports, strings};

type Spec = Map<String, Value>;

fn is_unset(spec: &Spec, field: &str) -> bool {
    match spec.get(field) {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Number(n)) => n.as_i64() == Some(0),
        _ => false,
    }
}

/// An update that leaves out what the server allocated keeps it: the cluster IPs
/// while both versions have them, node ports by port name, the health-check port.
pub(super) fn patch_allocated(new: &mut Spec, old: &Spec) {
    if needs_cluster_ip(old) && needs_cluster_ip(new) {
        for field in ["clusterIP", "clusterIPs"] {
            if is_unset(new, field)
                && let Some(value) = old.get(field).filter(|_| !is_unset(old, field))
            {
                new.insert(field.into(), value.clone());
            }
        }
    }
    if needs_node_ports(old) && needs_node_ports(new) {
        let old_ports = old.get("ports").and_then(Value::as_array).cloned().unwrap_or_default();
        let used_by_new: Vec<i64> = new
            .get("ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("nodePort")?.as_i64())
            .filter(|p| *p != 0)
            .collect();
        if let Some(ports) = new.get_mut("ports").and_then(Value::as_array_mut) {
            for port in ports.iter_mut().filter_map(Value::as_object_mut) {
                if port.get("nodePort").and_then(Value::as_i64).unwrap_or(0) != 0 {
                    continue;
                }
                let name = port.get("name").and_then(Value::as_str).unwrap_or("");
                let previous = old_ports
                    .iter()
                    .find(|p| p.get("name").and_then(Value::as_str).unwrap_or("") == name)
                    .and_then(|p| p.get("nodePort")?.as_i64())
                    .filter(|p| *p != 0 && !used_by_new.contains(p));
                if let Some(previous) = previous {
                    port.insert("nodePort".into(), json!(previous));
                }
            }
        }
    }
    if needs_health_check_port(old)
        && needs_health_check_port(new)
        && is_unset(new, "healthCheckNodePort")
        && let Some(port) = old.get("healthCheckNodePort")
    {
        new.insert("healthCheckNodePort".into(), port.clone());
    }
}

/// Keeps `clusterIP` and `clusterIPs` in line for clients that know only one of them.
pub(super) fn normalize_cluster_ips(new: &mut Spec, old: Option<&Spec>) {
    let ip = new.get("clusterIP").and_then(Value::as_str).unwrap_or("").to_string();
    let Some(old) = old else {
        if !ip.is_empty() && is_unset(new, "clusterIPs") {
            new.insert("clusterIPs".into(), json!([ip]));
        }
        return;
    };
    let old_ip = old.get("clusterIP").and_then(Value::as_str).unwrap_or("");
    let old_ips = strings(old.get("clusterIPs"));
    if !old_ips.is_empty() && is_unset(new, "clusterIPs") && old_ip == ip {
        new.insert("clusterIPs".into(), json!(old_ips));
    }
    if old_ip != ip {
        let same_ips = strings(new.get("clusterIPs")) == old_ips;
        if !old_ip.is_empty() && ip.is_empty() && same_ips {
            new.remove("clusterIPs");
        }
        if same_ips && !ip.is_empty() {
            new.insert("clusterIPs".into(), json!([ip]));
        }
    }
}

/// Defaults `ipFamilyPolicy` and `ipFamilies` from the cluster's families (`cluster`,
/// primary first); the errors when the Service asks for what the cluster lacks.
pub(super) fn init(new: &mut Spec, old: Option<&Spec>, primary: Family, cluster: &[Family]) -> Vec<FieldError> {
    if !needs_cluster_ip(new) {
        new.remove("ipFamilyPolicy");
        new.remove("ipFamilies");
        return Vec::new();
    }
    if let Some(old) = old.filter(|o| needs_cluster_ip(o)) {
        // A client that leaves the families out keeps them.
        for field in ["ipFamilyPolicy", "ipFamilies"] {
            if is_unset(new, field)
                && let Some(value) = old.get(field).filter(|_| !is_unset(old, field))
            {
                new.insert(field.into(), value.clone());
            }
        }
        // Going back to one family gives up the secondary address.
        let families = strings(new.get("ipFamilies"));
        let ips = strings(new.get("clusterIPs"));
        if policy(new).as_deref() == Some("SingleStack") && families.len() == 2 {
            new.insert("ipFamilies".into(), json!(families[..1]));
            if ips.len() == 2 && ips == strings(old.get("clusterIPs")) {
                new.insert("clusterIPs".into(), json!(ips[..1]));
            }
        }
    }
    let headless = new.get("clusterIP").and_then(Value::as_str) == Some("None");
    let selector_empty = new
        .get("selector")
        .and_then(Value::as_object)
        .is_none_or(|s| s.is_empty());
    if headless && selector_empty {
        // A headless Service without a selector may hold endpoints of any family.
        if policy(new).is_none() {
            new.insert("ipFamilyPolicy".into(), json!("RequireDualStack"));
        }
        let mut families = strings(new.get("ipFamilies"));
        if families.is_empty() {
            families.push(primary.name().to_string());
        }
        if families.len() < 2 && policy(new).as_deref() != Some("SingleStack") {
            let other = Family::parse(&families[0]).unwrap_or(primary).other();
            families.push(other.name().to_string());
        }
        new.insert("ipFamilies".into(), json!(families));
        return Vec::new();
    }

    let mut errors = Vec::new();
    if policy(new).as_deref() == Some("RequireDualStack") && cluster.len() < 2 {
        errors.push(FieldError::invalid(
            FieldPath::new("spec").child("ipFamilyPolicy"),
            "RequireDualStack",
            "this cluster is not configured for dual-stack services",
        ));
    }
    let mut families = strings(new.get("ipFamilies"));
    for (i, family) in families.iter().enumerate() {
        if !Family::parse(family).is_some_and(|f| cluster.contains(&f)) {
            errors.push(FieldError::invalid(
                FieldPath::new("spec").child("ipFamilies").index(i),
                family.as_str(),
                "not configured on this cluster",
            ));
        }
    }
    if !errors.is_empty() {
        return errors;
    }
    if policy(new).is_none() && families.len() == 2 {
        new.insert("ipFamilyPolicy".into(), json!("RequireDualStack"));
    }
    for (i, ip) in strings(new.get("clusterIPs")).iter().enumerate() {
        if ip == "None" {
            break;
        }
        let Some(ip) = parse_ip(ip) else { break };
        if i >= families.len() {
            families.push(Family::of(&ip).name().to_string());
        }
    }
    if policy(new).is_none() {
        new.insert("ipFamilyPolicy".into(), json!("SingleStack"));
    }
    if families.is_empty() {
        families.push(primary.name().to_string());
    }
    if policy(new).as_deref() != Some("SingleStack") && families.len() == 1 && cluster.len() == 2 {
        let other = Family::parse(&families[0]).unwrap_or(primary).other();
        families.push(other.name().to_string());
    }
    new.insert("ipFamilies".into(), json!(families));
    Vec::new()
}

fn policy(spec: &Spec) -> Option<String> {
    spec.get("ipFamilyPolicy")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(value: Value) -> Spec {
        value.as_object().cloned().unwrap_or_default()
    }

    const V4: &[Family] = &[Family::V4];
    const DUAL: &[Family] = &[Family::V4, Family::V6];

    #[test]
    fn families_default_from_the_cluster() {
        let mut plain = spec(json!({"selector": {"app": "web"}}));
        assert!(init(&mut plain, None, Family::V4, V4).is_empty());
        assert_eq!(plain["ipFamilyPolicy"], "SingleStack");
        assert_eq!(plain["ipFamilies"], json!(["IPv4"]));

        let mut prefer = spec(json!({"ipFamilyPolicy": "PreferDualStack"}));
        assert!(init(&mut prefer, None, Family::V4, DUAL).is_empty());
        assert_eq!(prefer["ipFamilies"], json!(["IPv4", "IPv6"]));
        let mut prefer = spec(json!({"ipFamilyPolicy": "PreferDualStack"}));
        assert!(init(&mut prefer, None, Family::V4, V4).is_empty());
        assert_eq!(prefer["ipFamilies"], json!(["IPv4"]));

        let mut headless = spec(json!({"clusterIP": "None"}));
        assert!(init(&mut headless, None, Family::V4, V4).is_empty());
        assert_eq!(headless["ipFamilyPolicy"], "RequireDualStack");
        assert_eq!(headless["ipFamilies"], json!(["IPv4", "IPv6"]));

        let mut external = spec(json!({"type": "ExternalName", "ipFamilies": ["IPv4"]}));
        assert!(init(&mut external, None, Family::V4, V4).is_empty());
        assert!(!external.contains_key("ipFamilies"));
    }

    #[test]
    fn families_the_cluster_lacks_are_refused() {
        let mut dual = spec(json!({"ipFamilyPolicy": "RequireDualStack", "ipFamilies": ["IPv6"]}));
        let errors: Vec<String> = init(&mut dual, None, Family::V4, V4)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errors,
            [
                "spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": this cluster is not configured for dual-stack services",
                "spec.ipFamilies[0]: Invalid value: \"IPv6\": not configured on this cluster",
            ]
        );
    }

    #[test]
    fn updates_keep_what_they_leave_out() {
        let old = spec(
            json!({"type": "NodePort", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
            "ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"],
            "ports": [{"name": "http", "port": 80, "nodePort": 30080}]}),
        );
        let mut new = spec(json!({"type": "NodePort", "ports": [{"name": "http", "port": 8080}]}));
        patch_allocated(&mut new, &old);
        normalize_cluster_ips(&mut new, Some(&old));
        assert!(init(&mut new, Some(&old), Family::V4, V4).is_empty());
        assert_eq!(new["clusterIPs"], json!(["10.96.0.10"]));
        assert_eq!(new["ports"][0]["nodePort"], 30080);
        assert_eq!(new["ipFamilyPolicy"], "SingleStack");

        // An old client that sets only clusterIP gets clusterIPs to match.
        let mut create = spec(json!({"clusterIP": "10.96.0.20"}));
        normalize_cluster_ips(&mut create, None);
        assert_eq!(create["clusterIPs"], json!(["10.96.0.20"]));
    }
}
