//! Services' cluster IPs and node ports through the real `kubectl`: allocation on
//! create (IPAddress objects, node ports in range), upstream's errors for taken and
//! out-of-range values, release on type change and delete, dry runs that record
//! nothing, the repair loop, and the `kubernetes` Service.

use anyhow::{Result, ensure};
use myriad_testkit::eventually;
use myriad_testkit::myriad::MyriadServer;
use serde_json::{Value, json};

fn start(dir: &std::path::Path) -> Result<MyriadServer> {
    MyriadServer::start_with(
        myriad_testkit::myriad_bin!(),
        dir,
        &[
            "--service-cluster-ip-range",
            "10.96.0.0/24",
            "--service-node-port-range",
            "30000-30009",
            "--service-repair-interval-secs",
            "1",
        ],
    )
}

fn json_of(server: &MyriadServer, args: &[&str]) -> Result<Value> {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    Ok(serde_json::from_str(&server.kubectl_ok(&all)?)?)
}

fn error_of(server: &MyriadServer, args: &[&str]) -> Result<String> {
    let output = server.kubectl(args)?;
    ensure!(!output.status.success(), "kubectl {args:?} succeeded");
    Ok(String::from_utf8_lossy(&output.stderr).trim().to_string())
}

fn ip_records(server: &MyriadServer) -> Result<Vec<(String, String)>> {
    let list = json_of(server, &["get", "ipaddresses"])?;
    Ok(list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|ip| {
            let parent = &ip["spec"]["parentRef"];
            (
                ip["metadata"]["name"].as_str().unwrap_or("").to_string(),
                format!(
                    "{}/{}",
                    parent["namespace"].as_str().unwrap_or(""),
                    parent["name"].as_str().unwrap_or("")
                ),
            )
        })
        .collect())
}

#[test]
fn the_kubernetes_service_and_its_endpoints_exist_from_the_start() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = start(dir.path())?;
    let service = json_of(&server, &["get", "service", "kubernetes"])?;
    ensure!(service["spec"]["clusterIP"] == "10.96.0.1", "{service}");
    ensure!(service["spec"]["ports"][0]["port"] == 443, "{service}");
    ensure!(
        service["spec"]["ports"][0]["targetPort"] == json!(server.port().unwrap_or(0)),
        "{service}"
    );
    ensure!(service["metadata"]["labels"]["component"] == "apiserver", "{service}");
    let endpoints = json_of(&server, &["get", "endpoints", "kubernetes"])?;
    ensure!(
        endpoints["subsets"][0]["addresses"][0]["ip"] == "127.0.0.1",
        "{endpoints}"
    );
    let slice = json_of(&server, &["get", "endpointslices", "kubernetes"])?;
    ensure!(
        slice["addressType"] == "IPv4" && slice["endpoints"][0]["conditions"]["ready"] == true,
        "{slice}"
    );
    let cidr = json_of(&server, &["get", "servicecidrs", "kubernetes"])?;
    ensure!(cidr["spec"]["cidrs"] == json!(["10.96.0.0/24"]), "{cidr}");
    ensure!(cidr["status"]["conditions"][0]["type"] == "Ready", "{cidr}");
    ensure!(
        ip_records(&server)? == [("10.96.0.1".to_string(), "default/kubernetes".to_string())],
        "{:?}",
        ip_records(&server)?
    );
    let table = server.kubectl_ok(&["get", "ipaddresses"])?;
    ensure!(table.starts_with("NAME") && table.contains("PARENTREF"), "{table}");
    ensure!(table.contains("services/default/kubernetes"), "{table}");

    Ok(())
}

#[test]
fn cluster_ips_and_node_ports_are_allocated_checked_and_released() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = start(dir.path())?;

    server.kubectl_ok(&["create", "service", "nodeport", "web", "--tcp=80:8080"])?;
    let web = json_of(&server, &["get", "service", "web"])?;
    let spec = &web["spec"];
    let ip = spec["clusterIP"].as_str().unwrap_or("").to_string();
    ensure!(ip.starts_with("10.96.0.") && ip != "10.96.0.1", "{web}");
    ensure!(spec["clusterIPs"] == json!([ip]), "{web}");
    ensure!(
        spec["ipFamilies"] == json!(["IPv4"]) && spec["ipFamilyPolicy"] == "SingleStack",
        "{web}"
    );
    ensure!(
        spec["internalTrafficPolicy"] == "Cluster" && spec["externalTrafficPolicy"] == "Cluster",
        "{web}"
    );
    ensure!(web["status"] == json!({"loadBalancer": {}}), "{web}");
    let node_port = spec["ports"][0]["nodePort"].as_i64().unwrap_or(0);
    ensure!((30000..=30009).contains(&node_port), "{web}");
    ensure!(ip_records(&server)?.contains(&(ip.clone(), "default/web".to_string())));
    let record = json_of(&server, &["get", "ipaddress", &ip])?;
    ensure!(
        record["metadata"]["labels"]
            == json!({"ipaddress.kubernetes.io/ip-family": "IPv4", "ipaddress.kubernetes.io/managed-by": "ipallocator.k8s.io"}),
        "{record}"
    );

    // Taken and foreign values are refused with upstream's messages.
    let taken = error_of(
        &server,
        &[
            "create",
            "service",
            "clusterip",
            "twin",
            "--tcp=80",
            &format!("--clusterip={ip}"),
        ],
    )?;
    ensure!(
        taken.contains(&format!(
            "spec.clusterIPs: Invalid value: [\"{ip}\"]: failed to allocate IP {ip}: provided IP is already allocated"
        )),
        "{taken}"
    );
    let foreign = error_of(
        &server,
        &[
            "create",
            "service",
            "clusterip",
            "far",
            "--tcp=80",
            "--clusterip=192.168.0.10",
        ],
    )?;
    ensure!(
        foreign.contains("failed to allocate IP 192.168.0.10: the provided network does not match the current range"),
        "{foreign}"
    );
    let port_taken = error_of(
        &server,
        &[
            "create",
            "service",
            "nodeport",
            "np",
            "--tcp=81",
            &format!("--node-port={node_port}"),
        ],
    )?;
    ensure!(
        port_taken.contains(&format!(
            "spec.ports[0].nodePort: Invalid value: {node_port}: provided port is already allocated"
        )),
        "{port_taken}"
    );
    let out_of_range = error_of(
        &server,
        &["create", "service", "nodeport", "np", "--tcp=81", "--node-port=31000"],
    )?;
    ensure!(
        out_of_range.contains("provided port is not in the valid range. The range of valid ports is 30000-30009"),
        "{out_of_range}"
    );
    let manifest = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "dual"},
        "spec": {"ipFamilyPolicy": "RequireDualStack", "ports": [{"port": 80}]}});
    let refused = server.kubectl_stdin(&["create", "-f", "-"], &manifest.to_string())?;
    ensure!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": this cluster is not configured for dual-stack services"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    // Nothing was left behind by the refused creates.
    ensure!(ip_records(&server)?.len() == 2, "{:?}", ip_records(&server)?);

    // Headless and ExternalName Services get no address.
    server.kubectl_ok(&["create", "service", "clusterip", "headless", "--clusterip=None"])?;
    let headless = json_of(&server, &["get", "service", "headless"])?;
    ensure!(headless["spec"]["clusterIPs"] == json!(["None"]), "{headless}");
    server.kubectl_ok(&[
        "create",
        "service",
        "externalname",
        "ext",
        "--external-name=example.com",
    ])?;
    let ext = json_of(&server, &["get", "service", "ext"])?;
    ensure!(
        ext["spec"].get("clusterIP").is_none() && ext["spec"].get("ipFamilies").is_none(),
        "{ext}"
    );

    // A server-side dry run shows an address but records none.
    let dry = json_of(
        &server,
        &["create", "service", "clusterip", "dry", "--tcp=80", "--dry-run=server"],
    )?;
    ensure!(
        dry["spec"]["clusterIP"]
            .as_str()
            .is_some_and(|ip| ip.starts_with("10.96.0.")),
        "{dry}"
    );
    ensure!(ip_records(&server)?.len() == 2, "{:?}", ip_records(&server)?);

    // Leaving NodePort gives the port back; another Service can take it.
    server.kubectl_ok(&["patch", "service", "web", "-p", r#"{"spec":{"type":"ClusterIP"}}"#])?;
    let web = json_of(&server, &["get", "service", "web"])?;
    ensure!(web["spec"]["ports"][0].get("nodePort").is_none(), "{web}");
    ensure!(web["spec"]["clusterIP"] == json!(ip), "the address stays: {web}");
    server.kubectl_ok(&[
        "create",
        "service",
        "nodeport",
        "np",
        "--tcp=81",
        &format!("--node-port={node_port}"),
    ])?;

    // Deleting a Service releases its address.
    server.kubectl_ok(&["delete", "service", "web"])?;
    eventually("the address of a deleted Service is released", || {
        Ok(!ip_records(&server)?.iter().any(|(name, _)| *name == ip))
    })?;

    // The repair loop restores a lost record and releases a leaked one.
    let np = json_of(&server, &["get", "service", "np"])?;
    let np_ip = np["spec"]["clusterIP"].as_str().unwrap_or("").to_string();
    server.kubectl_ok(&["delete", "ipaddress", &np_ip])?;
    let leaked = json!({"apiVersion": "networking.k8s.io/v1", "kind": "IPAddress",
        "metadata": {"name": "10.96.0.200", "labels": {"ipaddress.kubernetes.io/managed-by": "ipallocator.k8s.io"}},
        "spec": {"parentRef": {"resource": "services", "namespace": "default", "name": "ghost"}}});
    server.kubectl_apply(leaked)?;
    eventually("the repair loop restores and releases records", || {
        let records = ip_records(&server)?;
        Ok(records.contains(&(np_ip.clone(), "default/np".to_string()))
            && !records.iter().any(|(name, _)| name == "10.96.0.200"))
    })?;
    Ok(())
}
