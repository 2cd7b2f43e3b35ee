//! Service networking: services (EXTERNAL-IP by service type — external IPs,
//! load-balancer addresses, `<pending>`, the external name — and `port:nodePort/proto`
//! ports), endpoints and endpoint slices (the first three addresses, then
//! `+ N more...`), ingresses and ingress classes, network policies, and the
//! `networking.k8s.io` IP address and service CIDR objects.

use serde_json::Value;

use super::format::{
    Now, as_int, at, format_label_selector, format_labels, int, items, join_host_port, list_with_more,
    load_balancer_addresses, name, or_none, set, text,
};
use super::{AGE, NAME, Printer, column, d, wide};

pub(super) fn printer(group: &str, resource: &str) -> Option<&'static Printer> {
    Some(match (group, resource) {
        ("", "services") => &SERVICE,
        ("", "endpoints") => &ENDPOINTS,
        ("discovery.k8s.io", "endpointslices") => &ENDPOINT_SLICE,
        ("networking.k8s.io", "ingresses") => &INGRESS,
        ("networking.k8s.io", "ingressclasses") => &INGRESS_CLASS,
        ("networking.k8s.io", "networkpolicies") => &NETWORK_POLICY,
        ("networking.k8s.io", "ipaddresses") => &IP_ADDRESS,
        ("networking.k8s.io", "servicecidrs") => &SERVICE_CIDR,
        _ => return None,
    })
}

static SERVICE: Printer = Printer {
    columns: &[
        NAME,
        column("Type", "string", d::SVC_TYPE),
        column("Cluster-IP", "string", d::SVC_CLUSTER_IP),
        column("External-IP", "string", d::SVC_EXTERNAL_IPS),
        column("Port(s)", "string", d::SVC_PORTS),
        AGE,
        wide("Selector", "string", d::SVC_SELECTOR),
    ],
    cells: service,
};

fn service(service: &Value, now: Now) -> Vec<Value> {
    let spec = at(service, &["spec"]).unwrap_or(&Value::Null);
    // `clusterIP` is authoritative over `clusterIPs`, as the conversion to the internal
    // form (where the printer reads `clusterIPs[0]`) makes it.
    let cluster_ip = match text(spec, &["clusterIP"]) {
        "" => items(spec, &["clusterIPs"])
            .first()
            .map_or("<none>", |ip| ip.as_str().unwrap_or("")),
        ip => ip,
    };
    let mut ports = String::new();
    for (i, port) in items(spec, &["ports"]).iter().enumerate() {
        if i > 0 {
            ports.push(',');
        }
        let number = int(port, &["port"]);
        let protocol = text(port, &["protocol"]);
        match int(port, &["nodePort"]) {
            node_port if node_port > 0 => ports.push_str(&format!("{number}:{node_port}/{protocol}")),
            _ => ports.push_str(&format!("{number}/{protocol}")),
        }
    }
    vec![
        name(service),
        Value::from(text(spec, &["type"])),
        Value::from(cluster_ip),
        Value::String(external_ip(service, spec)),
        Value::from(or_none(&ports)),
        now.age(service),
        Value::String(format_labels(at(spec, &["selector"]))),
    ]
}

/// Upstream's `getServiceExternalIP` (with `wide` set, so addresses are not clipped).
fn external_ip(service: &Value, spec: &Value) -> String {
    let external_ips: Vec<&str> = items(spec, &["externalIPs"]).iter().filter_map(Value::as_str).collect();
    match text(spec, &["type"]) {
        "ClusterIP" | "NodePort" if external_ips.is_empty() => "<none>".to_owned(),
        "ClusterIP" | "NodePort" => external_ips.join(","),
        "LoadBalancer" => {
            let balancers = load_balancer_addresses(at(service, &["status", "loadBalancer"]));
            if !external_ips.is_empty() {
                let mut all: Vec<&str> = if balancers.is_empty() {
                    Vec::new()
                } else {
                    balancers.split(',').collect()
                };
                all.extend(external_ips);
                all.join(",")
            } else if !balancers.is_empty() {
                balancers
            } else {
                "<pending>".to_owned()
            }
        }
        "ExternalName" => text(spec, &["externalName"]).to_owned(),
        _ => "<unknown>".to_owned(),
    }
}

static ENDPOINTS: Printer = Printer {
    columns: &[NAME, column("Endpoints", "string", d::ENDPOINTS_SUBSETS), AGE],
    cells: |endpoints, now| {
        vec![
            name(endpoints),
            Value::String(format_endpoints(endpoints)),
            now.age(endpoints),
        ]
    },
};

/// Upstream's `formatEndpoints`: `ip:port` for every address and port of every subset
/// (bare IPs for subsets without ports), the first three, then `+ N more...`.
fn format_endpoints(endpoints: &Value) -> String {
    const MAX: usize = 3;
    let subsets = items(endpoints, &["subsets"]);
    if subsets.is_empty() {
        return "<none>".to_owned();
    }
    let mut list: Vec<String> = Vec::with_capacity(MAX);
    let mut more = false;
    let mut count = 0;
    for subset in subsets {
        let addresses = items(subset, &["addresses"]);
        let ports = items(subset, &["ports"]);
        if ports.is_empty() {
            count += addresses.len();
            for address in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(text(address, &["ip"]).to_owned());
            }
            continue;
        }
        for port in ports {
            count += addresses.len();
            for address in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(join_host_port(text(address, &["ip"]), int(port, &["port"])));
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count - MAX)
    } else {
        joined
    }
}

static ENDPOINT_SLICE: Printer = Printer {
    columns: &[
        NAME,
        column("AddressType", "string", d::EPS_ADDRESS_TYPE),
        column("Ports", "string", d::EPS_PORTS),
        column("Endpoints", "string", d::EPS_ENDPOINTS),
        AGE,
    ],
    cells: |slice, now| {
        const MAX: usize = 3;
        let (mut ports, mut more, mut count) = (Vec::with_capacity(MAX), false, 0);
        for port in items(slice, &["ports"]) {
            if ports.len() < MAX {
                let shown = match (
                    set(port, &["port"]).and_then(as_int),
                    set(port, &["name"]).and_then(Value::as_str),
                ) {
                    (Some(number), _) => number.to_string(),
                    (None, Some(name)) => name.to_owned(),
                    (None, None) => "*".to_owned(),
                };
                ports.push(shown);
            } else if ports.len() == MAX {
                more = true;
            }
            count += 1;
        }
        let ports = list_with_more(&ports, more, count, MAX);
        let (mut addresses, mut more, mut count) = (Vec::with_capacity(MAX), false, 0);
        for endpoint in items(slice, &["endpoints"]) {
            for address in items(endpoint, &["addresses"]) {
                if addresses.len() < MAX {
                    addresses.push(address.as_str().unwrap_or("").to_owned());
                } else if addresses.len() == MAX {
                    more = true;
                }
                count += 1;
            }
        }
        vec![
            name(slice),
            Value::from(text(slice, &["addressType"])),
            Value::String(ports),
            Value::String(list_with_more(&addresses, more, count, MAX)),
            now.age(slice),
        ]
    },
};

static INGRESS: Printer = Printer {
    columns: &[
        NAME,
        column(
            "Class",
            "string",
            "The name of the IngressClass resource that should be used for additional configuration",
        ),
        column(
            "Hosts",
            "string",
            "Hosts that incoming requests are matched against before the ingress rule",
        ),
        column(
            "Address",
            "string",
            "Address is a list containing ingress points for the load-balancer",
        ),
        column("Ports", "string", "Ports of TLS configurations that open"),
        AGE,
    ],
    cells: |ingress, now| {
        let class = set(ingress, &["spec", "ingressClassName"])
            .and_then(Value::as_str)
            .unwrap_or("<none>");
        let ports = if items(ingress, &["spec", "tls"]).is_empty() {
            "80"
        } else {
            "80, 443"
        };
        vec![
            name(ingress),
            Value::from(class),
            Value::String(ingress_hosts(items(ingress, &["spec", "rules"]))),
            Value::String(load_balancer_addresses(at(ingress, &["status", "loadBalancer"]))),
            Value::from(ports),
            now.age(ingress),
        ]
    },
};

/// Upstream's `formatHosts`: the rules' hosts (the first three), `*` when none names one.
fn ingress_hosts(rules: &[Value]) -> String {
    const MAX: usize = 3;
    let mut list: Vec<&str> = Vec::with_capacity(MAX);
    let mut more = false;
    for rule in rules {
        if list.len() == MAX {
            more = true;
        }
        let host = text(rule, &["host"]);
        if !more && !host.is_empty() {
            list.push(host);
        }
    }
    if list.is_empty() {
        return "*".to_owned();
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", rules.len() - MAX)
    } else {
        joined
    }
}

static INGRESS_CLASS: Printer = Printer {
    columns: &[
        NAME,
        column(
            "Controller",
            "string",
            "Controller that is responsible for handling this class",
        ),
        column(
            "Parameters",
            "string",
            "A reference to a resource with additional parameters",
        ),
        AGE,
    ],
    cells: |class, now| {
        let parameters = match set(class, &["spec", "parameters"]) {
            None => "<none>".to_owned(),
            Some(parameters) => {
                let mut s = text(parameters, &["kind"]).to_owned();
                if let Some(group) = set(parameters, &["apiGroup"]).and_then(Value::as_str) {
                    s.push('.');
                    s.push_str(group);
                }
                s.push('/');
                s.push_str(text(parameters, &["name"]));
                s
            }
        };
        vec![
            name(class),
            Value::from(text(class, &["spec", "controller"])),
            Value::String(parameters),
            now.age(class),
        ]
    },
};

static NETWORK_POLICY: Printer = Printer {
    columns: &[NAME, column("Pod-Selector", "string", d::NETPOL_POD_SELECTOR), AGE],
    cells: |policy, now| {
        vec![
            name(policy),
            Value::String(format_label_selector(at(policy, &["spec", "podSelector"]))),
            now.age(policy),
        ]
    },
};

/// Upstream declares only NAME and PARENTREF for IP addresses (its row has an AGE
/// cell no column describes, which clients never show; it is left out here).
static IP_ADDRESS: Printer = Printer {
    columns: &[NAME, column("ParentRef", "string", d::IP_PARENT_REF)],
    cells: |address, _| {
        let parent = match set(address, &["spec", "parentRef"]) {
            None => "<none>".to_owned(),
            Some(parent) => {
                let (group, resource) = (text(parent, &["group"]), text(parent, &["resource"]));
                let mut s = if group.is_empty() {
                    resource.to_lowercase()
                } else {
                    format!("{resource}.{group}").to_lowercase()
                };
                let namespace = text(parent, &["namespace"]);
                if !namespace.is_empty() {
                    s.push('/');
                    s.push_str(namespace);
                }
                s.push('/');
                s.push_str(text(parent, &["name"]));
                s
            }
        };
        vec![name(address), Value::String(parent)]
    },
};

static SERVICE_CIDR: Printer = Printer {
    columns: &[NAME, column("CIDRs", "string", d::SERVICE_CIDRS), AGE],
    cells: |cidr, now| {
        let cidrs: Vec<&str> = items(cidr, &["spec", "cidrs"])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        vec![name(cidr), Value::String(cidrs.join(",")), now.age(cidr)]
    },
};

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::tests::{CREATED, row};

    fn service(spec: Value, status: Value) -> Value {
        json!({"metadata": {"name": "svc", "creationTimestamp": CREATED}, "spec": spec, "status": status})
    }

    #[test]
    fn cluster_ip_and_node_port_services() {
        let svc = service(
            json!({"type": "ClusterIP", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
                   "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53, "protocol": "TCP"}],
                   "selector": {"k8s-app": "kube-dns"}}),
            json!({}),
        );
        assert_eq!(
            row("", "services", &svc),
            [
                json!("svc"),
                json!("ClusterIP"),
                json!("10.96.0.10"),
                json!("<none>"),
                json!("53/UDP,53/TCP"),
                json!("10m"),
                json!("k8s-app=kube-dns")
            ]
        );
        let svc = service(
            json!({"type": "NodePort", "clusterIP": "10.0.0.5", "externalIPs": ["192.0.2.1", "192.0.2.2"],
                   "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]}),
            json!({}),
        );
        assert_eq!(
            row("", "services", &svc)[2..5],
            [json!("10.0.0.5"), json!("192.0.2.1,192.0.2.2"), json!("80:30080/TCP")]
        );
        let headless = service(json!({"type": "ClusterIP", "clusterIP": "None"}), json!({}));
        assert_eq!(
            row("", "services", &headless)[2..5],
            [json!("None"), json!("<none>"), json!("<none>")]
        );
        let dual = service(
            json!({"type": "ClusterIP", "clusterIPs": ["fd00::1", "10.0.0.1"]}),
            json!({}),
        );
        assert_eq!(row("", "services", &dual)[2], "fd00::1");
        assert_eq!(
            row("", "services", &json!({}))[1..7],
            [
                json!(""),
                json!("<none>"),
                json!("<unknown>"),
                json!("<none>"),
                json!("<unknown>"),
                json!("<none>")
            ]
        );
    }

    #[test]
    fn load_balancer_and_external_name_services() {
        let spec = json!({"type": "LoadBalancer", "clusterIP": "10.0.0.9", "ports": [{"port": 443, "nodePort": 31443, "protocol": "TCP"}]});
        let pending = service(spec.clone(), json!({}));
        assert_eq!(row("", "services", &pending)[3], "<pending>");
        let ready = service(
            spec.clone(),
            json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}, {"hostname": "a1b2c3d4e5f6.elb.example.com"}]}}),
        );
        // The server prints the -o wide form: addresses are never clipped.
        assert_eq!(
            row("", "services", &ready)[3],
            "203.0.113.7,a1b2c3d4e5f6.elb.example.com"
        );
        let mut with_external = spec;
        with_external["externalIPs"] = json!(["198.51.100.1"]);
        let both = service(
            with_external.clone(),
            json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}}),
        );
        assert_eq!(row("", "services", &both)[3], "203.0.113.7,198.51.100.1");
        let only_external = service(with_external, json!({}));
        assert_eq!(row("", "services", &only_external)[3], "198.51.100.1");
        let external_name = service(
            json!({"type": "ExternalName", "externalName": "db.example.com"}),
            json!({}),
        );
        assert_eq!(
            row("", "services", &external_name),
            [
                json!("svc"),
                json!("ExternalName"),
                json!("<none>"),
                json!("db.example.com"),
                json!("<none>"),
                json!("10m"),
                json!("<none>")
            ]
        );
    }

    #[test]
    fn endpoints() {
        let ep = json!({"metadata": {"name": "web", "creationTimestamp": CREATED}, "subsets": [
            {"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}], "ports": [{"port": 80}, {"port": 443}]}]});
        assert_eq!(
            row("", "endpoints", &ep),
            [
                json!("web"),
                json!("10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more..."),
                json!("10m")
            ]
        );
        let headless = json!({"subsets": [{"addresses": [{"ip": "fd00::1"}]}, {"addresses": [{"ip": "10.0.0.3"}], "ports": [{"port": 53}]}]});
        assert_eq!(row("", "endpoints", &headless)[1], "fd00::1,10.0.0.3:53");
        let v6 = json!({"subsets": [{"addresses": [{"ip": "fd00::1"}], "ports": [{"port": 8080}]}]});
        assert_eq!(row("", "endpoints", &v6)[1], "[fd00::1]:8080");
        assert_eq!(row("", "endpoints", &json!({}))[1], "<none>");
        assert_eq!(
            row("", "endpoints", &json!({"subsets": [{"ports": [{"port": 1}]}]}))[1],
            ""
        );
    }

    #[test]
    fn endpoint_slices() {
        let slice = json!({"metadata": {"name": "web-abc", "creationTimestamp": CREATED}, "addressType": "IPv4",
            "ports": [{"name": "http", "port": 80}, {"name": "metrics"}, {}, {"port": 9000}],
            "endpoints": [{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.2", "10.0.0.3"]}]});
        assert_eq!(
            row("discovery.k8s.io", "endpointslices", &slice),
            [
                json!("web-abc"),
                json!("IPv4"),
                json!("80,metrics,* + 1 more..."),
                json!("10.0.0.1,10.0.0.2,10.0.0.3"),
                json!("10m")
            ]
        );
        assert_eq!(
            row("discovery.k8s.io", "endpointslices", &json!({}))[2..4],
            [json!("<unset>"), json!("<unset>")]
        );
    }

    #[test]
    fn ingresses_and_classes() {
        let ingress = json!({"metadata": {"name": "web", "creationTimestamp": CREATED},
            "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["a.example.com"]}],
                     "rules": [{"host": "a.example.com"}, {}, {"host": "b.example.com"}, {"host": "c.example.com"}, {"host": "d.example.com"}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.10"}]}}});
        assert_eq!(
            row("networking.k8s.io", "ingresses", &ingress),
            [
                json!("web"),
                json!("nginx"),
                json!("a.example.com,b.example.com,c.example.com + 2 more..."),
                json!("192.0.2.10"),
                json!("80, 443"),
                json!("10m")
            ]
        );
        assert_eq!(
            row("networking.k8s.io", "ingresses", &json!({"spec": {"rules": [{}]}}))[1..5],
            [json!("<none>"), json!("*"), json!(""), json!("80")]
        );
        let class = json!({"metadata": {"name": "nginx", "creationTimestamp": CREATED},
            "spec": {"controller": "k8s.io/ingress-nginx", "parameters": {"apiGroup": "k8s.example.com", "kind": "IngressParameters", "name": "external-lb"}}});
        assert_eq!(
            row("networking.k8s.io", "ingressclasses", &class),
            [
                json!("nginx"),
                json!("k8s.io/ingress-nginx"),
                json!("IngressParameters.k8s.example.com/external-lb"),
                json!("10m")
            ]
        );
        let plain = json!({"spec": {"controller": "c", "parameters": {"kind": "ConfigMap", "name": "p"}}});
        assert_eq!(row("networking.k8s.io", "ingressclasses", &plain)[2], "ConfigMap/p");
        assert_eq!(row("networking.k8s.io", "ingressclasses", &json!({}))[2], "<none>");
    }

    #[test]
    fn network_policies_ip_addresses_and_service_cidrs() {
        let policy = json!({"metadata": {"name": "deny", "creationTimestamp": CREATED}, "spec": {"podSelector": {"matchLabels": {"role": "db"}}}});
        assert_eq!(
            row("networking.k8s.io", "networkpolicies", &policy),
            [json!("deny"), json!("role=db"), json!("10m")]
        );
        let all = json!({"spec": {"podSelector": {}}});
        assert_eq!(row("networking.k8s.io", "networkpolicies", &all)[1], "<none>");
        let ip = json!({"metadata": {"name": "10.96.0.1"},
            "spec": {"parentRef": {"group": "", "resource": "services", "namespace": "default", "name": "kubernetes"}}});
        assert_eq!(
            row("networking.k8s.io", "ipaddresses", &ip),
            [json!("10.96.0.1"), json!("services/default/kubernetes")]
        );
        let grouped = json!({"spec": {"parentRef": {"group": "Example.COM", "resource": "Gateways", "name": "gw"}}});
        assert_eq!(
            row("networking.k8s.io", "ipaddresses", &grouped)[1],
            "gateways.example.com/gw"
        );
        assert_eq!(row("networking.k8s.io", "ipaddresses", &json!({}))[1], "<none>");
        let cidr = json!({"metadata": {"name": "kubernetes", "creationTimestamp": CREATED}, "spec": {"cidrs": ["10.96.0.0/12", "fd00:10:96::/112"]}});
        assert_eq!(
            row("networking.k8s.io", "servicecidrs", &cidr),
            [
                json!("kubernetes"),
                json!("10.96.0.0/12,fd00:10:96::/112"),
                json!("10m")
            ]
        );
    }
}
