//! Tables of pods and templates with the exact messages upstream gives them.

use serde_json::{Value, json};

use super::*;
use crate::defaults;

const LABEL: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const NAME_PART: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const CONFIG_KEY: &str = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const PORT_RANGE: &str = "must be between 1 and 65535, inclusive";
const FILE_MODE: &str = "must be a number between 0 and 0777 (octal), both inclusive";
const ID_RANGE: &str = "must be between 0 and 2147483647, inclusive";

/// A defaulted pod named `p` in `ns` with `spec`, and optionally `metadata` fields.
fn pod_with(metadata: Value, spec: Value) -> Value {
    let mut meta = json!({"name": "p", "namespace": "ns"});
    if let (Some(meta), Some(extra)) = (meta.as_object_mut(), metadata.as_object()) {
        meta.extend(extra.clone());
    }
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec});
    defaults::apply("", "Pod", &mut pod);
    pod
}

fn pod(spec: Value) -> Value {
    pod_with(json!({}), spec)
}

fn messages(errs: Vec<FieldError>) -> Vec<String> {
    errs.iter().map(ToString::to_string).collect()
}

fn create(pod: &Value) -> Vec<String> {
    messages(validate("", "Pod", Input::from(pod), None).unwrap_or_default())
}

fn update(new: &Value, old: &Value) -> Vec<String> {
    messages(validate("", "Pod", Input::from(new), Some(old)).unwrap_or_default())
}

fn ctr(name: &str, image: &str) -> Value {
    json!({"name": name, "image": image})
}

/// A pod with one container `c` (image `img`) whose other fields are `fields`.
fn one(fields: Value) -> Value {
    let mut container = ctr("c", "img");
    if let (Some(c), Some(extra)) = (container.as_object_mut(), fields.as_object()) {
        c.extend(extra.clone());
    }
    pod(json!({"containers": [container]}))
}

fn assert_valid(pod: &Value) {
    let errs = create(pod);
    assert!(errs.is_empty(), "{errs:#?}");
}

#[test]
fn valid_pods_pass() {
    assert_valid(&pod(json!({"containers": [ctr("app", "nginx")]})));
    assert_valid(&pod(json!({
        "serviceAccountName": "default",
        "hostname": "web-0",
        "subdomain": "web",
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "priorityClassName": "high",
        "activeDeadlineSeconds": 600,
        "initContainers": [
            {"name": "init", "image": "busybox", "command": ["true"]},
            {"name": "sidecar", "image": "envoy", "restartPolicy": "Always",
             "readinessProbe": {"tcpSocket": {"port": 9901}},
             "startupProbe": {"httpGet": {"port": "admin", "path": "/ready"}},
             "resizePolicy": [{"resourceName": "memory", "restartPolicy": "RestartContainer"}]},
        ],
        "containers": [{
            "name": "app",
            "image": "nginx:1.27",
            "ports": [{"name": "http", "containerPort": 8080}, {"containerPort": 53, "protocol": "UDP"}],
            "env": [
                {"name": "MODE", "value": "prod"},
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "APP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.labels['app']"}}},
                {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu", "divisor": "1m"}}},
                {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "requests.memory", "divisor": "1024Ki"}}},
                {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                {"name": "my var 1", "value": "relaxed names allow spaces"},
            ],
            "envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "CFG_"}, {"secretRef": {"name": "creds"}}],
            "resources": {
                "limits": {"cpu": "1", "memory": "1Gi", "example.com/gpu": "2", "hugepages-2Mi": "4Mi"},
                "requests": {"cpu": "500m", "memory": "512Mi"},
            },
            "volumeMounts": [
                {"name": "data", "mountPath": "/data", "subPath": "app"},
                {"name": "config", "mountPath": "/etc/app", "readOnly": true, "recursiveReadOnly": "Enabled"},
                {"name": "info", "mountPath": "/etc/info", "subPathExpr": "$(POD_NAME)"},
            ],
            "volumeDevices": [{"name": "claim", "devicePath": "/dev/xvda"}],
            "livenessProbe": {"httpGet": {"port": 8080, "httpHeaders": [{"name": "X-Probe", "value": "1"}]}, "initialDelaySeconds": 5},
            "readinessProbe": {"exec": {"command": ["cat", "/tmp/ready"]}},
            "startupProbe": {"grpc": {"port": 9000}, "failureThreshold": 30, "terminationGracePeriodSeconds": 5},
            "lifecycle": {"preStop": {"sleep": {"seconds": 0}}, "postStart": {"exec": {"command": ["true"]}}},
            "securityContext": {
                "runAsUser": 1000,
                "allowPrivilegeEscalation": false,
                "capabilities": {"drop": ["ALL"]},
                "seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/app.json"},
                "appArmorProfile": {"type": "Localhost", "localhostProfile": "app"},
            },
            "resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}],
        }],
        "volumes": [
            {"name": "data", "emptyDir": {"sizeLimit": "1Gi"}},
            {"name": "config", "configMap": {"name": "settings", "items": [{"key": "a", "path": "a.conf", "mode": 0o644}]}},
            {"name": "secret", "secret": {"secretName": "tls", "defaultMode": 0o400}},
            {"name": "token", "projected": {"sources": [
                {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}},
                {"configMap": {"name": "ca", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
            ]}},
            {"name": "host", "hostPath": {"path": "/var/log", "type": "Directory"}},
            {"name": "claim", "persistentVolumeClaim": {"claimName": "data"}},
            {"name": "info", "downwardAPI": {"items": [
                {"path": "cpu", "resourceFieldRef": {"containerName": "app", "resource": "requests.cpu"}},
                {"path": "name", "fieldRef": {"fieldPath": "metadata.annotations['example.com/Name']"}},
            ]}},
            {"name": "scratch", "ephemeral": {"volumeClaimTemplate": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
            }}},
            {"name": "plain"},
            {"name": "nfs", "nfs": {"server": "nfs.example.com", "path": "/exports"}},
            {"name": "csi", "csi": {"driver": "secrets-store.csi.k8s.io", "nodePublishSecretRef": {"name": "creds"}}},
        ],
        "tolerations": [
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"operator": "Exists"},
            {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
        ],
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [
                    {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
                    {"key": "example.com/rank", "operator": "Gt", "values": ["3"]},
                ], "matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["node-1"]}]}]},
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 50, "preference": {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a b"]}]}},
                ],
            },
            "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{
                "topologyKey": "kubernetes.io/hostname",
                "labelSelector": {"matchLabels": {"app": "web"}},
                "matchLabelKeys": ["pod-template-hash"],
                "mismatchLabelKeys": ["tenant"],
                "namespaces": ["default"],
            }]},
            "podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 10, "podAffinityTerm": {
                "topologyKey": "zone",
                "labelSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["cache"]}]},
                "namespaceSelector": {},
            }}]},
        },
        "topologySpreadConstraints": [{
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule",
            "minDomains": 2,
            "nodeAffinityPolicy": "Honor",
            "nodeTaintsPolicy": "Ignore",
            "labelSelector": {"matchLabels": {"app": "web"}},
            "matchLabelKeys": ["pod-template-hash"],
        }],
        "dnsPolicy": "None",
        "dnsConfig": {
            "nameservers": ["10.0.0.10", "fd00::10"],
            "searches": ["svc.cluster.local", "_tcp.example.com", ".", "example.com."],
            "options": [{"name": "ndots", "value": "2"}],
        },
        "readinessGates": [{"conditionType": "example.com/ready"}],
        "schedulingGates": [{"name": "example.com/quota"}],
        "hostAliases": [{"ip": "127.0.0.1", "hostnames": ["foo.local"]}, {"ip": "010.000.000.001"}],
        "securityContext": {
            "runAsNonRoot": true,
            "fsGroup": 2000,
            "supplementalGroups": [3000],
            "fsGroupChangePolicy": "OnRootMismatch",
            "sysctls": [{"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"}, {"name": "kernel/shm_rmid_forced", "value": "1"}],
            "supplementalGroupsPolicy": "Merge",
            "seLinuxChangePolicy": "Recursive",
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "os": {"name": "linux"},
        "overhead": {"cpu": "100m", "memory": "10Mi"},
        "preemptionPolicy": "Never",
        "runtimeClassName": "gvisor",
    })));
    // On the host network a pod's unset host port is its container port.
    assert_valid(&pod(json!({"hostNetwork": true, "containers": [
        {"name": "a", "image": "x", "ports": [{"containerPort": 80}, {"containerPort": 443, "hostPort": 443}]},
    ]})));
    // A template may leave it unset for the pod's defaulting.
    let template = json!({"template": {"spec": {"hostNetwork": true, "containers": [
        {"name": "a", "image": "x", "ports": [{"containerPort": 80}]},
    ]}}});
    assert!(
        validate("", "PodTemplate", Input::from(&template), None)
            .unwrap_or_default()
            .is_empty()
    );
}

#[test]
fn containers_names_and_images() {
    assert_eq!(
        create(&pod(json!({"containers": []}))),
        ["spec.containers: Required value"]
    );
    assert_eq!(create(&pod(json!({}))), ["spec.containers: Required value"]);
    let spec = json!({
        "containers": [ctr("Bad_Name", "x"), ctr("dup", "x"), ctr("dup", "x"), ctr("", "x")],
        "initContainers": [ctr("dup", "y"), ctr("init", "")],
    });
    assert_eq!(
        create(&pod(spec)),
        [
            format!("spec.containers[0].name: Invalid value: \"Bad_Name\": {LABEL}"),
            "spec.containers[2].name: Duplicate value: \"dup\"".to_string(),
            "spec.containers[3].name: Required value".to_string(),
            "spec.initContainers[0].name: Duplicate value: \"dup\"".to_string(),
            "spec.initContainers[1].image: Required value".to_string(),
        ]
    );
    assert_eq!(
        create(&pod(
            json!({"containers": [ctr("a", " nginx ")], "initContainers": [ctr("b", "busybox\n")]})
        )),
        [
            "spec.containers[0].image: Invalid value: \" nginx \": must not have leading or trailing whitespace",
            "spec.initContainers[0].image: Invalid value: \"busybox\\n\": must not have leading or trailing whitespace",
        ]
    );
    assert_eq!(
        create(&one(
            json!({"terminationMessagePolicy": "Sometimes", "imagePullPolicy": "Maybe"})
        )),
        [
            "spec.containers[0].terminationMessagePolicy: Unsupported value: \"Sometimes\": supported values: \"File\", \"FallbackToLogsOnError\"",
            "spec.containers[0].imagePullPolicy: Unsupported value: \"Maybe\": supported values: \"Always\", \"IfNotPresent\", \"Never\"",
        ]
    );
}

#[test]
fn ports() {
    let errs = create(&one(json!({"ports": [
        {"name": "http", "containerPort": 80},
        {"name": "http", "containerPort": 81},
        {"name": "Bad--Name-That-Is-Long", "containerPort": 0},
        {"containerPort": 70000, "hostPort": 70000, "protocol": "ICMP"},
        {"containerPort": 8080, "hostPort": 8080},
        {"containerPort": 8081, "hostPort": 8080},
        {"containerPort": 8082, "hostPort": 8080, "hostIP": "10.0.0.1"},
        {"name": "9090", "containerPort": 9090},
    ]})));
    assert_eq!(
        errs,
        [
            "spec.containers[0].ports[1].name: Duplicate value: \"http\"".to_string(),
            "spec.containers[0].ports[2].name: Invalid value: \"Bad--Name-That-Is-Long\": must be no more than 15 characters".to_string(),
            "spec.containers[0].ports[2].name: Invalid value: \"Bad--Name-That-Is-Long\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_string(),
            "spec.containers[0].ports[2].name: Invalid value: \"Bad--Name-That-Is-Long\": must not contain consecutive hyphens".to_string(),
            "spec.containers[0].ports[2].containerPort: Required value".to_string(),
            format!("spec.containers[0].ports[3].containerPort: Invalid value: 70000: {PORT_RANGE}"),
            format!("spec.containers[0].ports[3].hostPort: Invalid value: 70000: {PORT_RANGE}"),
            "spec.containers[0].ports[3].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"".to_string(),
            "spec.containers[0].ports[7].name: Invalid value: \"9090\": must contain at least one letter (a-z)".to_string(),
            "spec.containers[0].ports[5].hostPort: Duplicate value: \"TCP//8080\"".to_string(),
        ]
    );
    // Host ports clash across containers, but init containers are checked one by one
    // (and upstream names the lone container index 0).
    let spec = json!({
        "containers": [
            {"name": "a", "image": "x", "ports": [{"containerPort": 80, "hostPort": 80}]},
            {"name": "b", "image": "x", "ports": [{"containerPort": 81, "hostPort": 80}]},
        ],
        "initContainers": [
            {"name": "i0", "image": "x", "ports": [{"containerPort": 80, "hostPort": 80}]},
            {"name": "i1", "image": "x", "ports": [{"containerPort": 80, "hostPort": 90}, {"containerPort": 81, "hostPort": 90}]},
        ],
    });
    assert_eq!(
        create(&pod(spec)),
        [
            "spec.containers[1].ports[0].hostPort: Duplicate value: \"TCP//80\"",
            "spec.initContainers[0].ports[1].hostPort: Duplicate value: \"TCP//90\"",
        ]
    );
    // On the host network, host ports are container ports.
    let spec = json!({"hostNetwork": true, "containers": [
        {"name": "a", "image": "x", "ports": [{"containerPort": 80, "hostPort": 8080}]},
    ]});
    assert_eq!(
        create(&pod(spec.clone())),
        [
            "spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true"
        ]
    );
    let template = json!({"template": {"spec": spec}});
    assert_eq!(
        messages(validate("", "PodTemplate", Input::from(&template), None).unwrap_or_default()),
        [
            "template.spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true"
        ]
    );
}

#[test]
fn environment() {
    let errs = create(&one(json!({
        "env": [
            {"name": "", "value": "x"},
            {"name": "A=B", "value": "x"},
            {"name": "BOTH", "value": "v", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "NONE", "valueFrom": {}},
            {"name": "TWO", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}, "secretKeyRef": {"name": "s", "key": "k"}}},
            {"name": "PHASE", "valueFrom": {"fieldRef": {"fieldPath": "status.phase"}}},
            {"name": "UNKNOWN", "valueFrom": {"fieldRef": {"fieldPath": "spec.foo"}}},
            {"name": "LABEL", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['bad key']"}}},
            {"name": "VERSION", "valueFrom": {"fieldRef": {"apiVersion": "v2", "fieldPath": "metadata.name"}}},
            {"name": "RESOURCE", "valueFrom": {"resourceFieldRef": {"resource": "limits.gpu"}}},
            {"name": "DIVISOR", "valueFrom": {"resourceFieldRef": {"resource": "requests.cpu", "divisor": "2"}}},
            {"name": "CM", "valueFrom": {"configMapKeyRef": {"name": "", "key": "bad key"}}},
            {"name": "SUB", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName['x']"}}},
        ],
        "envFrom": [
            {"prefix": "1=", "configMapRef": {"name": "cfg-"}},
            {},
            {"configMapRef": {"name": "a"}, "secretRef": {"name": ""}},
            {"secretRef": {"name": "Bad"}},
        ],
    })));
    let env = "spec.containers[0].env";
    let env_from = "spec.containers[0].envFrom";
    assert_eq!(
        errs,
        [
            format!("{env}[0].name: Required value"),
            format!(
                "{env}[1].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='"
            ),
            format!("{env}[2].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty"),
            format!(
                "{env}[3].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"
            ),
            format!("{env}[4].valueFrom: Invalid value: \"\": may not have more than one field specified at a time"),
            format!(
                "{env}[5].valueFrom.fieldRef.fieldPath: Unsupported value: \"status.phase\": supported values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", \"status.podIP\", \"status.podIPs\""
            ),
            format!(
                "{env}[6].valueFrom.fieldRef.fieldPath: Invalid value: \"spec.foo\": error converting fieldPath: field label not supported: spec.foo"
            ),
            format!("{env}[7].valueFrom.fieldRef: Invalid value: \"bad key\": {NAME_PART}"),
            format!(
                "{env}[8].valueFrom.fieldRef.fieldPath: Invalid value: \"metadata.name\": error converting fieldPath: unsupported pod version: v2"
            ),
            format!(
                "{env}[9].valueFrom.resourceFieldRef.resource: Unsupported value: \"limits.gpu\": supported values: \"limits.cpu\", \"limits.ephemeral-storage\", \"limits.memory\", \"requests.cpu\", \"requests.ephemeral-storage\", \"requests.memory\""
            ),
            format!(
                "{env}[10].valueFrom.resourceFieldRef.divisor: Invalid value: \"requests.cpu\": only divisor's values 1m and 1 are supported with the cpu resource"
            ),
            format!("{env}[11].valueFrom.configMapKeyRef.name: Invalid value: \"\": {SUBDOMAIN}"),
            format!("{env}[11].valueFrom.configMapKeyRef.key: Invalid value: \"bad key\": {CONFIG_KEY}"),
            format!(
                "{env}[12].valueFrom.fieldRef.fieldPath: Invalid value: \"spec.nodeName['x']\": error converting fieldPath: field label does not support subscript: spec.nodeName['x']"
            ),
            format!(
                "{env_from}[0].prefix: Invalid value: \"1=\": a valid environment variable name must consist only of printable ASCII characters other than '='"
            ),
            format!("{env_from}: Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`"),
            format!("{env_from}[2].secretRef.name: Required value"),
            format!("{env_from}: Invalid value: \"\": may not have more than one field specified at a time"),
            format!("{env_from}[3].secretRef.name: Invalid value: \"Bad\": {SUBDOMAIN}"),
        ]
    );
}

#[test]
fn resources() {
    let errs = create(&one(json!({"resources": {
        "limits": {"cpu": "1", "memory": "1Gi", "example.com/gpu": "1", "hugepages-2Mi": "3Mi"},
        "requests": {"cpu": "2", "memory": "-1", "example.com/gpu": "500m", "foo": "1", "pods": "1", "bad_name!": "1"},
    }})));
    let res = "spec.containers[0].resources";
    assert_eq!(
        errs,
        [
            format!(
                "{res}.limits[hugepages-2Mi]: Invalid value: \"3Mi\": 3Mi is not positive integer multiple of hugepages-2Mi"
            ),
            format!("{res}.requests[bad_name!]: Invalid value: \"bad_name!\": {NAME_PART}"),
            format!(
                "{res}.requests[bad_name!]: Invalid value: \"bad_name!\": must be a standard resource for containers"
            ),
            format!("{res}.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1"),
            format!("{res}.requests[example.com/gpu]: Invalid value: 500m: must be an integer"),
            format!("{res}.requests: Invalid value: \"500m\": must be equal to example.com/gpu limit of 1"),
            format!("{res}.requests[foo]: Invalid value: \"foo\": must be a standard resource type or fully qualified"),
            format!("{res}.requests[foo]: Invalid value: \"foo\": must be a standard resource for containers"),
            format!(
                "{res}.requests[hugepages-2Mi]: Invalid value: \"3Mi\": 3Mi is not positive integer multiple of hugepages-2Mi"
            ),
            format!("{res}.requests[memory]: Invalid value: \"-1\": must be greater than or equal to 0"),
            format!("{res}.requests[pods]: Invalid value: \"pods\": must be a standard resource for containers"),
        ]
    );
    // Quantities are quoted in their canonical form.
    assert_eq!(
        create(&one(
            json!({"resources": {"limits": {"memory": "1024Mi"}, "requests": {"memory": "1.5Gi"}}})
        )),
        [format!(
            "{res}.requests: Invalid value: \"1536Mi\": must be less than or equal to memory limit of 1Gi"
        )]
    );
    assert_eq!(
        create(&one(json!({"resources": {"requests": {"example.com/foo": "1"}}}))),
        [format!(
            "{res}.limits: Required value: Limit must be set for non overcommitable resources"
        )]
    );
    assert_eq!(
        create(&one(json!({"resources": {"limits": {"hugepages-2Mi": "2Mi"}}}))),
        [format!("{res}: Forbidden: HugePages require cpu or memory")]
    );
    assert_eq!(
        create(&one(
            json!({"resources": {"limits": {"requests.example.com/foo": "1", "cpu": "abc"}}})
        )),
        [
            format!(
                "{res}.limits[cpu]: Invalid value: \"abc\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
            ),
            format!(
                "{res}.limits[requests.example.com/foo]: Invalid value: \"requests.example.com/foo\": doesn't follow extended resource name standard"
            ),
            format!(
                "{res}.requests[cpu]: Invalid value: \"abc\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
            ),
            format!(
                "{res}.requests[requests.example.com/foo]: Invalid value: \"requests.example.com/foo\": doesn't follow extended resource name standard"
            ),
        ]
    );
    // The overhead is checked as limits (upstream's path says so).
    assert_eq!(
        create(&pod(
            json!({"containers": [ctr("a", "x")], "overhead": {"cpu": "-1", "gpu": "1"}})
        )),
        [
            "spec.overhead.limits[cpu]: Invalid value: \"-1\": must be greater than or equal to 0",
            "spec.overhead.limits[gpu]: Invalid value: \"gpu\": must be a standard resource type or fully qualified",
            "spec.overhead.limits[gpu]: Invalid value: \"gpu\": must be a standard resource for containers",
        ]
    );
}

#[test]
fn resource_claims() {
    let spec = json!({
        "resourceClaims": [{"name": "gpu", "resourceClaimTemplateName": "gpu-template"}, {"name": "both", "resourceClaimName": "a", "resourceClaimTemplateName": "b"}],
        "containers": [{"name": "a", "image": "x", "resources": {"claims": [
            {"name": "gpu"}, {"name": "gpu"}, {"name": "missing"}, {"name": "both", "request": "Bad_Req"},
        ]}}],
    });
    assert_eq!(
        create(&pod(spec)),
        [
            "spec.resourceClaims[1]: Invalid value: {\"name\":\"both\",\"resourceClaimName\":\"a\",\"resourceClaimTemplateName\":\"b\"}: at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified".to_string(),
            "spec.containers[0].resources.claims[1]: Duplicate value: \"gpu\"".to_string(),
            "spec.containers[0].resources.claims[2]: Not found: \"missing\": must be one of the names in pod.spec.resourceClaims: both, gpu".to_string(),
            format!("spec.containers[0].resources.claims[3].request: Invalid value: \"Bad_Req\": {LABEL}"),
        ]
    );
}

#[test]
fn volume_mounts_and_devices() {
    let errs = create(&pod(json!({
        "volumes": [{"name": "data", "emptyDir": {}}],
        "containers": [{"name": "c", "image": "x", "volumeMounts": [
            {"name": "data", "mountPath": "/data"},
            {"name": "missing", "mountPath": "/data"},
            {"name": "data", "mountPath": ""},
            {"name": "data", "mountPath": "/sub", "subPath": "/abs/../x"},
            {"name": "data", "mountPath": "/both", "subPath": "a", "subPathExpr": "$(POD)"},
            {"name": "data", "mountPath": "/prop", "mountPropagation": "Bidirectional"},
            {"name": "data", "mountPath": "/prop2", "mountPropagation": "Sideways"},
            {"name": "data", "mountPath": "/rro", "recursiveReadOnly": "Enabled", "mountPropagation": "HostToContainer"},
            {"name": "", "mountPath": "/x"},
        ]}],
    })));
    let m = "spec.containers[0].volumeMounts";
    assert_eq!(
        errs,
        [
            format!("{m}[1].name: Not found: \"missing\""),
            format!("{m}[1].mountPath: Invalid value: \"/data\": must be unique"),
            format!("{m}[2].mountPath: Required value"),
            // Upstream leaves the mount's index out of these paths.
            format!("{m}.subPath: Invalid value: \"/abs/../x\": must be a relative path"),
            format!("{m}.subPath: Invalid value: \"/abs/../x\": must not contain '..'"),
            format!("{m}[4].subPathExpr: Invalid value: \"$(POD)\": subPathExpr and subPath are mutually exclusive"),
            format!(
                "{m}.mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers"
            ),
            format!(
                "{m}.mountPropagation: Unsupported value: \"Sideways\": supported values: \"Bidirectional\", \"HostToContainer\", \"None\""
            ),
            format!("{m}.recursiveReadOnly: Forbidden: may only be specified when readOnly is true"),
            format!(
                "{m}.recursiveReadOnly: Forbidden: may only be specified when mountPropagation is None or not specified"
            ),
            format!("{m}[8].name: Required value"),
            format!("{m}[8].name: Not found: \"\""),
        ]
    );
    // A privileged container may propagate both ways.
    assert_valid(&pod(json!({
        "volumes": [{"name": "data", "emptyDir": {}}],
        "containers": [{"name": "c", "image": "x", "securityContext": {"privileged": true},
            "volumeMounts": [{"name": "data", "mountPath": "/data", "mountPropagation": "Bidirectional"}]}],
    })));
    let errs = create(&pod(json!({
        "volumes": [{"name": "blk", "persistentVolumeClaim": {"claimName": "c"}}, {"name": "data", "emptyDir": {}}],
        "containers": [{"name": "c", "image": "x",
            "volumeMounts": [{"name": "data", "mountPath": "/mnt"}],
            "volumeDevices": [
                {"name": "blk", "devicePath": "/dev/blk"},
                {"name": "blk", "devicePath": "/dev/blk"},
                {"name": "data", "devicePath": "/mnt"},
                {"name": "nope", "devicePath": "/dev/../x"},
            ]}],
    })));
    let d = "spec.containers[0].volumeDevices";
    assert_eq!(
        errs,
        [
            format!("{m}[0].name: Invalid value: \"data\": must not already exist in volumeDevices"),
            format!("{m}[0].mountPath: Invalid value: \"/mnt\": must not already exist as a path in volumeDevices"),
            format!("{d}[1].name: Invalid value: \"blk\": must be unique"),
            format!("{d}[1].devicePath: Invalid value: \"/dev/blk\": must be unique"),
            format!(
                "{d}[2].name: Invalid value: \"data\": can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode"
            ),
            format!("{d}[2].name: Invalid value: \"data\": must not already exist in volumeMounts"),
            format!("{d}[2].devicePath: Invalid value: \"/mnt\": must not already exist as a path in volumeMounts"),
            format!("{d}[3].name: Not found: \"nope\""),
            format!("{d}[3].devicePath: Invalid value: \"/dev/../x\": can not contain backsteps ('..')"),
        ]
    );
}

#[test]
fn volumes() {
    let errs = create(&pod(json!({
        "containers": [{"name": "c", "image": "x", "volumeMounts": [{"name": "Bad_Vol", "mountPath": "/a"}]}],
        "volumes": [
            {"name": "Bad_Vol", "emptyDir": {}},
            {"name": "dup", "emptyDir": {}},
            {"name": "dup", "emptyDir": {}},
            {"name": "two", "emptyDir": {}, "hostPath": {"path": "/x"}},
            {"name": "hp", "hostPath": {"path": "/a/../b", "type": "Weird"}},
            {"name": "cm", "configMap": {"name": "", "defaultMode": 1000, "items": [{"key": "", "path": "../x", "mode": -1}]}},
            {"name": "sec", "secret": {"items": [{"key": "k", "path": "..data"}]}},
            {"name": "pvc", "persistentVolumeClaim": {"claimName": ""}},
            {"name": "nfs", "nfs": {"server": "", "path": "rel"}},
            {"name": "dapi", "downwardAPI": {"items": [{"path": "", "fieldRef": {"fieldPath": "spec.nodeName"}}, {"path": "x"}]}},
            {"name": "csi", "csi": {"driver": "", "nodePublishSecretRef": {"name": "Bad"}}},
            {"name": "eph", "ephemeral": {}},
            {"name": "size", "emptyDir": {"sizeLimit": "-1Gi"}},
            {"name": "dapi2", "downwardAPI": {"items": [{"path": "x", "resourceFieldRef": {"resource": "limits.cpu"}}]}, "configMap": {"name": "c"}},
            {"name": "dapi3", "secret": {"secretName": "s"}, "downwardAPI": {}},
        ],
    })));
    let v = "spec.volumes";
    assert_eq!(
        errs,
        [
            format!("{v}[0].name: Invalid value: \"Bad_Vol\": {LABEL}"),
            format!("{v}[2].name: Duplicate value: \"dup\""),
            format!("{v}[3].hostPath: Forbidden: may not specify more than 1 volume type"),
            format!("{v}[4].hostPath.path: Invalid value: \"/a/../b\": must not contain '..'"),
            format!(
                "{v}[4].hostPath.type: Unsupported value: \"Weird\": supported values: \"\", \"BlockDevice\", \"CharDevice\", \"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\""
            ),
            format!("{v}[5].configMap.name: Required value"),
            format!("{v}[5].configMap.defaultMode: Invalid value: 1000: {FILE_MODE}"),
            format!("{v}[5].configMap.items[0].key: Required value"),
            format!("{v}[5].configMap.items[0].path: Invalid value: \"../x\": must not contain '..'"),
            format!("{v}[5].configMap.items[0].mode: Invalid value: -1: {FILE_MODE}"),
            format!("{v}[6].secret.secretName: Required value"),
            format!("{v}[6].secret.items[0].path: Invalid value: \"..data\": must not start with '..'"),
            format!("{v}[7].persistentVolumeClaim.claimName: Required value"),
            format!("{v}[8].nfs.server: Required value"),
            format!("{v}[8].nfs.path: Invalid value: \"rel\": must be an absolute path"),
            // Downward API items are reported without their index.
            format!("{v}[9].downwardAPI.path: Required value"),
            format!(
                "{v}[9].downwardAPI.fieldRef.fieldPath: Unsupported value: \"spec.nodeName\": supported values: \"metadata.annotations\", \"metadata.labels\", \"metadata.name\", \"metadata.namespace\", \"metadata.uid\""
            ),
            format!("{v}[9].downwardAPI: Required value: one of fieldRef and resourceFieldRef is required"),
            format!("{v}[10].csi.driver: Required value"),
            format!("{v}[10].csi.driver: Invalid value: \"\": {SUBDOMAIN}"),
            format!("{v}[10].csi.name: Invalid value: \"Bad\": {SUBDOMAIN}"),
            format!("{v}[11].ephemeral.volumeClaimTemplate: Required value"),
            format!("{v}[12].emptyDir.sizeLimit: Forbidden: SizeLimit field must be a valid resource quantity"),
            format!("{v}[13].downwardAPI.resourceFieldRef.containerName: Required value"),
            format!("{v}[13].configMap: Forbidden: may not specify more than 1 volume type"),
            // Upstream's typo.
            format!("{v}[14].downwarAPI: Forbidden: may not specify more than 1 volume type"),
            // Volumes with errors cannot be mounted.
            "spec.containers[0].volumeMounts[0].name: Not found: \"Bad_Vol\"".to_string(),
        ]
    );
}

#[test]
fn projected_volumes() {
    let errs = create(&pod(json!({
        "containers": [ctr("c", "x")],
        "volumes": [{"name": "proj", "projected": {"defaultMode": -1, "sources": [
            {"secret": {"name": "", "items": [{"key": "a", "path": "dup"}]}},
            {"configMap": {"name": "cm", "items": [{"key": "b", "path": "dup"}]}},
            {"serviceAccountToken": {"path": "/abs", "expirationSeconds": 60}},
            {"downwardAPI": {"items": [{"path": "dup", "fieldRef": {"fieldPath": "metadata.name"}}]}},
            {"secret": {"name": "s"}, "configMap": {"name": "c"}},
            {"serviceAccountToken": {"path": "", "expirationSeconds": 5_000_000_000i64}},
        ]}}],
    })));
    let p = "spec.volumes[0].projected";
    assert_eq!(
        errs,
        [
            format!("{p}.defaultMode: Invalid value: -1: {FILE_MODE}"),
            format!("{p}.sources[0].secret.name: Required value"),
            // A clash is reported at the volume, with the config map's name as value.
            format!("{p}: Invalid value: \"cm\": conflicting duplicate paths"),
            format!(
                "{p}.sources[2].serviceAccountToken.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes"
            ),
            format!("{p}.path: Invalid value: \"/abs\": must be a relative path"),
            format!("{p}: Invalid value: \"dup\": conflicting duplicate paths"),
            format!("{p}.sources[4]: Forbidden: may not specify more than 1 volume type per source"),
            format!(
                "{p}.sources[5].serviceAccountToken.expirationSeconds: Invalid value: 5000000000: may not specify a duration larger than 2^32 seconds"
            ),
            format!("{p}.path: Required value"),
            // Only pods with a service account may mount its tokens.
            format!(
                "{p}.sources[2].serviceAccountToken: Forbidden: must not be specified when serviceAccountName is not set"
            ),
            format!(
                "{p}.sources[5].serviceAccountToken: Forbidden: must not be specified when serviceAccountName is not set"
            ),
        ]
    );
}

#[test]
fn ephemeral_volume_claims() {
    let errs = create(&pod(json!({
        "containers": [ctr("c", "x")],
        "volumes": [
            {"name": "eph", "ephemeral": {"volumeClaimTemplate": {
                "metadata": {"name": "x", "labels": {"a": "b"}, "uid": "1"},
                "spec": {
                    "accessModes": ["ReadWriteOncePod", "ReadWriteOnce", "Sometimes"],
                    "resources": {"requests": {"storage": "0"}},
                    "storageClassName": "Fast",
                    "volumeMode": "Raw",
                    "dataSource": {"kind": "Snapshot", "name": "s"},
                },
            }}},
            {"name": "claim", "persistentVolumeClaim": {"claimName": "p-eph"}},
            {"name": "nostorage", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"]}}}},
        ],
    })));
    let t = "spec.volumes[0].ephemeral.volumeClaimTemplate";
    assert_eq!(
        errs,
        [
            format!("{t}.metadata.name: Forbidden: cannot be set"),
            format!("{t}.metadata.uID: Forbidden: cannot be set"),
            format!("{t}.spec.accessModes: Unsupported value: \"Sometimes\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\""),
            format!("{t}.spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes"),
            format!("{t}.spec.resources[storage]: Invalid value: \"0\": must be greater than zero"),
            format!("{t}.spec.storageClassName: Invalid value: \"Fast\": {SUBDOMAIN}"),
            format!("{t}.spec.volumeMode: Unsupported value: \"Raw\": supported values: \"Block\", \"Filesystem\""),
            format!("{t}.spec.dataSource: Invalid value: \"Snapshot\": must be 'PersistentVolumeClaim' when referencing the default apiGroup"),
            "spec.volumes[1].persistentVolumeClaim.claimName: Invalid value: \"p-eph\": must not reference a PVC that gets created for an ephemeral volume".to_string(),
            "spec.volumes[2].ephemeral.volumeClaimTemplate.spec.resources[storage]: Required value".to_string(),
        ]
    );
    // The claim is named after the pod.
    let long = "p".repeat(250);
    let pod = pod_with(
        json!({"name": long}),
        json!({"containers": [ctr("c", "x")], "volumes": [{"name": "scratch", "ephemeral": {"volumeClaimTemplate": {
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
        }}}]}),
    );
    assert_eq!(
        create(&pod),
        [format!(
            "spec.volumes[0].name: Invalid value: \"scratch\": PVC name \"{long}-scratch\": must be no more than 253 characters"
        )]
    );
}

#[test]
fn probes() {
    let errs = create(&one(json!({
        "livenessProbe": {
            "httpGet": {"port": 0, "scheme": "FTP", "httpHeaders": [{"name": "Bad Header", "value": "x"}]},
            "tcpSocket": {"port": "web"},
            "successThreshold": 2,
            "periodSeconds": -1,
        },
        "readinessProbe": {"terminationGracePeriodSeconds": 10},
        "startupProbe": {"grpc": {"port": 70000}, "terminationGracePeriodSeconds": 0, "successThreshold": 3},
    })));
    let c = "spec.containers[0]";
    assert_eq!(
        errs,
        [
            format!("{c}.livenessProbe.httpGet.port: Invalid value: 0: {PORT_RANGE}"),
            format!(
                "{c}.livenessProbe.httpGet.scheme: Unsupported value: \"FTP\": supported values: \"HTTP\", \"HTTPS\""
            ),
            format!(
                "{c}.livenessProbe.httpGet.httpHeaders: Invalid value: \"Bad Header\": a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"
            ),
            format!("{c}.livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"),
            format!("{c}.livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0"),
            format!("{c}.livenessProbe.successThreshold: Invalid value: 2: must be 1"),
            format!("{c}.readinessProbe: Required value: must specify a handler type"),
            format!(
                "{c}.readinessProbe.terminationGracePeriodSeconds: Invalid value: 10: must not be set for readinessProbes"
            ),
            format!("{c}.startupProbe.grpc.port: Invalid value: 70000: {PORT_RANGE}"),
            format!("{c}.startupProbe.terminationGracePeriodSeconds: Invalid value: 0: must be greater than 0"),
            format!("{c}.startupProbe.successThreshold: Invalid value: 3: must be 1"),
        ]
    );
    assert_eq!(
        create(&one(json!({"readinessProbe": {"tcpSocket": {"port": "Bad_Port"}}}))),
        [format!(
            "{c}.readinessProbe.tcpSocket.port: Invalid value: \"Bad_Port\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
        ),]
    );
}

#[test]
fn lifecycle_hooks() {
    let spec = json!({"terminationGracePeriodSeconds": 30, "containers": [
        {"name": "a", "image": "x", "lifecycle": {"postStart": {}, "preStop": {"sleep": {"seconds": 40}}}},
        {"name": "b", "image": "x", "lifecycle": {"preStop": {"exec": {"command": []}, "sleep": {"seconds": 1}}}},
        {"name": "c", "image": "x", "lifecycle": {"preStop": {"sleep": {"seconds": -1}}}},
    ]});
    assert_eq!(
        create(&pod(spec)),
        [
            "spec.containers[0].lifecycle.postStart: Required value: must specify a handler type",
            "spec.containers[0].lifecycle.preStop.sleep: Invalid value: 40: must be non-negative and less than terminationGracePeriodSeconds (30)",
            "spec.containers[1].lifecycle.preStop.exec.command: Required value",
            "spec.containers[1].lifecycle.preStop.sleep: Forbidden: may not specify more than 1 handler type",
            "spec.containers[2].lifecycle.preStop.sleep: Invalid value: -1: must be non-negative and less than terminationGracePeriodSeconds (30)",
        ]
    );
}

#[test]
fn restart_policies_and_sidecars() {
    let probe = json!({"exec": {"command": ["a"]}});
    let spec = json!({
        "restartPolicy": "Sometimes",
        "initContainers": [
            {"name": "i1", "image": "x", "lifecycle": {"postStart": probe}, "livenessProbe": probe, "readinessProbe": probe, "startupProbe": probe},
            {"name": "i2", "image": "x", "restartPolicy": "OnFailure"},
            {"name": "side", "image": "x", "restartPolicy": "Always", "livenessProbe": {"exec": {"command": ["a"]}, "successThreshold": 2}},
        ],
        "containers": [{"name": "c", "image": "x", "restartPolicy": "Always"}],
    });
    let without = "may not be set for init containers without restartPolicy=Always";
    assert_eq!(
        create(&pod(spec)),
        [
            "spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers".to_string(),
            format!("spec.initContainers[0].lifecycle: Forbidden: {without}"),
            format!("spec.initContainers[0].livenessProbe: Forbidden: {without}"),
            format!("spec.initContainers[0].readinessProbe: Forbidden: {without}"),
            format!("spec.initContainers[0].startupProbe: Forbidden: {without}"),
            "spec.initContainers[1].restartPolicy: Unsupported value: \"OnFailure\": supported values: \"Always\"".to_string(),
            "spec.initContainers[2].livenessProbe.successThreshold: Invalid value: 2: must be 1".to_string(),
            "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"".to_string(),
        ]
    );
    let spec = json!({"restartPolicy": "Never", "containers": [{"name": "c", "image": "x", "resizePolicy": [
        {"resourceName": "cpu", "restartPolicy": "RestartContainer"},
        {"resourceName": "cpu", "restartPolicy": "NotRequired"},
        {"resourceName": "gpu", "restartPolicy": "Maybe"},
    ]}]});
    let r = "spec.containers[0].resizePolicy";
    assert_eq!(
        create(&pod(spec)),
        [
            format!("{r}: Invalid value: \"RestartContainer\": must be 'NotRequired' when `restartPolicy` is 'Never'"),
            format!("{r}[1]: Duplicate value: \"cpu\""),
            format!("{r}: Unsupported value: \"gpu\": supported values: \"cpu\", \"memory\""),
            format!("{r}: Unsupported value: \"Maybe\": supported values: \"NotRequired\", \"RestartContainer\""),
            format!("{r}: Invalid value: \"Maybe\": must be 'NotRequired' when `restartPolicy` is 'Never'"),
        ]
    );
}

#[test]
fn ephemeral_containers() {
    let spec = json!({
        "containers": [ctr("app", "x")],
        "ephemeralContainers": [
            {"name": "debug", "image": "busybox", "targetContainerName": "app"},
            {"name": "app", "image": "busybox", "targetContainerName": "ghost", "ports": [{"containerPort": 80}],
             "resources": {}, "readinessProbe": {"exec": {"command": ["a"]}}, "lifecycle": {},
             "volumeMounts": [{"name": "v", "mountPath": "/v", "subPath": "x"}]},
        ],
        "volumes": [{"name": "v", "emptyDir": {}}],
    });
    let e = "spec.ephemeralContainers[1]";
    assert_eq!(
        create(&pod(spec)),
        [
            format!("{e}.name: Duplicate value: \"app\""),
            format!("{e}.targetContainerName: Not found: \"ghost\""),
            format!("{e}.ports: Forbidden: cannot be set for an Ephemeral Container"),
            format!("{e}.resources: Forbidden: cannot be set for an Ephemeral Container"),
            format!("{e}.readinessProbe: Forbidden: cannot be set for an Ephemeral Container"),
            format!("{e}.lifecycle: Forbidden: cannot be set for an Ephemeral Container"),
            format!("{e}.volumeMounts[0].subPath: Forbidden: cannot be set for an Ephemeral Container"),
            "spec.ephemeralContainers: Forbidden: cannot be set on create".to_string(),
        ]
    );
}

#[test]
fn dns() {
    let base = |extra: Value| {
        let mut spec = json!({"containers": [ctr("c", "x")]});
        if let (Some(spec), Some(extra)) = (spec.as_object_mut(), extra.as_object()) {
            spec.extend(extra.clone());
        }
        pod(spec)
    };
    assert_eq!(
        create(&base(json!({"dnsPolicy": "None"}))),
        ["spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"]
    );
    assert_eq!(
        create(&base(json!({"dnsPolicy": "None", "dnsConfig": {}}))),
        [
            "spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None"
        ]
    );
    assert_eq!(
        create(&base(json!({"dnsPolicy": "Sometimes"}))),
        [
            "spec.dnsPolicy: Unsupported value: \"Sometimes\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\""
        ]
    );
    assert_eq!(
        create(&base(json!({"dnsConfig": {
            "nameservers": ["1.1.1.1", "2.2.2.2", "3.3.3.3", "bad"],
            "searches": ["Bad_Domain.com", "ok.example."],
            "options": [{"value": "1"}],
        }}))),
        [
            "spec.dnsConfig.nameservers: Invalid value: []string{\"1.1.1.1\", \"2.2.2.2\", \"3.3.3.3\", \"bad\"}: must not have more than 3 nameservers",
            "spec.dnsConfig.nameservers[3]: Invalid value: \"bad\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            "spec.dnsConfig.searches[0]: Invalid value: \"Bad_Domain.com\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*')",
            "spec.dnsConfig.options[0]: Required value: must not be empty",
        ]
    );
    let searches: Vec<String> = (0..33).map(|i| format!("s{i}.example.com")).collect();
    let errs = create(&base(json!({"dnsConfig": {"searches": searches}})));
    assert_eq!(errs.len(), 1);
    assert!(errs[0].starts_with("spec.dnsConfig.searches: Invalid value: []string{\"s0.example.com\", "));
    assert!(errs[0].ends_with("}: must not have more than 32 search paths"));
}

#[test]
fn spec_names_and_numbers() {
    let spec = json!({
        "containers": [ctr("c", "x")],
        "hostname": "Host_1",
        "subdomain": "a.b",
        "serviceAccountName": "Bad SA",
        "nodeName": "node_1",
        "priorityClassName": "High",
        "runtimeClassName": "",
        "preemptionPolicy": "Sometimes",
        "activeDeadlineSeconds": 0,
        "readinessGates": [{"conditionType": "bad type!"}],
        "schedulingGates": [{"name": "example.com/a"}, {"name": "example.com/a"}, {"name": "bad gate!"}],
        "hostAliases": [{"ip": "not-an-ip", "hostnames": ["Bad_Host"]}],
        "os": {"name": "plan9"},
    });
    assert_eq!(
        create(&pod(spec)),
        [
            format!("spec.readinessGates[0].conditionType: Invalid value: \"bad type!\": {NAME_PART}"),
            "spec.schedulingGates[1]: Duplicate value: \"example.com/a\"".to_string(),
            format!("spec.schedulingGates[2]: Invalid value: \"bad gate!\": {NAME_PART}"),
            format!("spec.serviceAccountName: Invalid value: \"Bad SA\": {SUBDOMAIN}"),
            format!("spec.nodeName: Invalid value: \"node_1\": {SUBDOMAIN}"),
            "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive".to_string(),
            format!("spec.hostname: Invalid value: \"Host_1\": {LABEL}"),
            "spec.subdomain: Invalid value: \"a.b\": must not contain dots".to_string(),
            "spec.hostAliases[0].ip: Invalid value: \"not-an-ip\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)".to_string(),
            format!("spec.hostAliases[0].hostnames[0]: Invalid value: \"Bad_Host\": {SUBDOMAIN}"),
            format!("spec.priorityClassName: Invalid value: \"High\": {SUBDOMAIN}"),
            format!("spec.runtimeClassName: Invalid value: \"\": {SUBDOMAIN}"),
            "spec.preemptionPolicy: Unsupported value: \"Sometimes\": supported values: \"PreemptLowerPriority\", \"Never\"".to_string(),
            "spec.os: Unsupported value: \"plan9\": supported values: \"linux\", \"windows\"".to_string(),
            // A node may not be assigned while gates remain.
            "spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared".to_string(),
        ]
    );
    // The deprecated `serviceAccount` stands in for `serviceAccountName`.
    assert_eq!(
        create(&pod(json!({"containers": [ctr("c", "x")], "serviceAccount": "Bad"}))),
        [format!("spec.serviceAccountName: Invalid value: \"Bad\": {SUBDOMAIN}")]
    );
}

#[test]
fn tolerations() {
    let spec = json!({"containers": [ctr("c", "x")], "tolerations": [
        {"key": "bad key", "operator": "Exists"},
        {"operator": "Equal", "value": "x"},
        {"key": "k", "tolerationSeconds": 10, "effect": "NoSchedule"},
        {"key": "k", "operator": "Exists", "value": "v"},
        {"key": "k", "operator": "Gt", "value": "1"},
        {"key": "k", "value": "bad value!", "effect": "Sometimes"},
    ]});
    let t = "spec.tolerations";
    assert_eq!(
        create(&pod(spec)),
        [
            format!("{t}[0].key: Invalid value: \"bad key\": {NAME_PART}"),
            format!(
                "{t}[1].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\""
            ),
            format!(
                "{t}[2].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"
            ),
            format!("{t}[3].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'"),
            format!("{t}[4].operator: Unsupported value: \"Gt\": supported values: \"Equal\", \"Exists\""),
            // Upstream reports a bad value at `operator`.
            format!("{t}[5].operator: Invalid value: \"bad value!\": {LABEL_VALUE}"),
            format!(
                "{t}[5].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""
            ),
        ]
    );
}

#[test]
fn affinity() {
    let spec = json!({"containers": [ctr("c", "x")], "affinity": {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{
                "matchExpressions": [
                    {"key": "a", "operator": "In"},
                    {"key": "b", "operator": "Exists", "values": ["x"]},
                    {"key": "c", "operator": "Gt", "values": ["1", "2"]},
                    {"key": "bad key", "operator": "Near"},
                    {"key": "d", "operator": "In", "values": ["bad value!"]},
                ],
                "matchFields": [
                    {"key": "metadata.uid", "operator": "In", "values": ["a", "b"]},
                    {"key": "metadata.name", "operator": "Exists"},
                ],
            }]},
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 0, "preference": {"matchExpressions": [{"key": "e", "operator": "In", "values": ["bad value!"]}]}},
            ],
        },
        "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"topologyKey": "", "namespaces": ["Bad_NS"], "labelSelector": {"matchLabels": {"app": "web"}},
             "matchLabelKeys": ["app", "bad key"], "mismatchLabelKeys": ["app"]},
            {"topologyKey": "zone", "labelSelector": {"matchLabels": {"app": "web"},
             "matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}, "matchLabelKeys": ["app"]},
        ]},
        "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 101, "podAffinityTerm": {"topologyKey": "zone", "matchLabelKeys": ["app"],
             "namespaceSelector": {"matchExpressions": [{"key": "team", "operator": "In", "values": ["bad value!"]}]}}},
        ]},
    }});
    let node = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]";
    let pod_required = "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution";
    let anti = "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]";
    assert_eq!(
        create(&pod(spec)),
        [
            format!("{node}.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"),
            format!("{node}.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
            format!("{node}.matchExpressions[2].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"),
            format!("{node}.matchExpressions[3].operator: Invalid value: \"Near\": not a valid selector operator"),
            format!("{node}.matchExpressions[3].key: Invalid value: \"bad key\": {NAME_PART}"),
            format!("{node}.matchExpressions[4].values[0]: Invalid value: \"bad value!\": {LABEL_VALUE}"),
            format!("{node}.matchFields[0].values: Required value: must be only one value when `operator` is 'In' or 'NotIn' for node field selector"),
            format!("{node}.matchFields[0].key: Invalid value: \"metadata.uid\": not a valid field selector key"),
            format!("{node}.matchFields[1].operator: Invalid value: \"Exists\": not a valid selector operator"),
            "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100".to_string(),
            format!("{pod_required}[0].namespace: Invalid value: \"Bad_NS\": {LABEL}"),
            format!("{pod_required}[0].matchLabelKeys[1]: Invalid value: \"bad key\": {NAME_PART}"),
            format!("{pod_required}[0].matchLabelKeys[0]: Invalid value: \"app\": exists in both matchLabelKeys and mismatchLabelKeys"),
            format!("{pod_required}[0].topologyKey: Required value: can not be empty"),
            format!("{pod_required}[0].topologyKey: Invalid value: \"\": name part must be non-empty"),
            format!("{pod_required}[0].topologyKey: Invalid value: \"\": {NAME_PART}"),
            // Upstream indexes the term's own path with the key's position.
            format!("{pod_required}[1][0]: Invalid value: \"app\": exists in both matchLabelKeys and labelSelector"),
            format!("{anti}.weight: Invalid value: 101: must be in the range 1-100"),
            format!("{anti}.podAffinityTerm.namespaceSelector.matchExpressions[0].values[0]: Invalid value: \"bad value!\": {LABEL_VALUE}"),
            format!("{anti}.podAffinityTerm.matchLabelKeys: Forbidden: must not be specified when labelSelector is not set"),
        ]
    );
}

#[test]
fn topology_spread() {
    let spec = json!({"containers": [ctr("c", "x")], "topologySpreadConstraints": [
        {"maxSkew": 0, "topologyKey": "", "whenUnsatisfiable": "Maybe", "minDomains": 0, "nodeAffinityPolicy": "Sometimes",
         "labelSelector": {"matchExpressions": [{"key": "app", "operator": "In"}]}, "matchLabelKeys": ["app", "bad key"]},
        {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway", "minDomains": 2, "matchLabelKeys": ["x"]},
        {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway", "nodeTaintsPolicy": "Ignore"},
    ]});
    let t = "spec.topologySpreadConstraints";
    assert_eq!(
        create(&pod(spec)),
        [
            format!("{t}[0].maxSkew: Invalid value: 0: must be greater than zero"),
            format!("{t}[0].topologyKey: Required value: can not be empty"),
            format!(
                "{t}[0].whenUnsatisfiable: Unsupported value: \"Maybe\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\""
            ),
            format!("{t}[0].minDomains: Invalid value: 0: must be greater than zero"),
            format!(
                "{t}[0].minDomains: Invalid value: 0: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not Maybe"
            ),
            format!(
                "{t}[0].nodeAffinityPolicy: Unsupported value: \"Sometimes\": supported values: \"Honor\", \"Ignore\""
            ),
            format!(
                "{t}[0].matchLabelKeys[0]: Invalid value: \"app\": exists in both matchLabelKeys and labelSelector"
            ),
            format!("{t}[0].matchLabelKeys[1]: Invalid value: \"bad key\": {NAME_PART}"),
            format!(
                "{t}[0].labelSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"
            ),
            format!("{t}[1].{{topologyKey, whenUnsatisfiable}}: Duplicate value: \"{{zone, ScheduleAnyway}}\""),
            format!(
                "{t}[1].minDomains: Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway"
            ),
            format!("{t}[1].matchLabelKeys: Forbidden: must not be specified when labelSelector is not set"),
        ]
    );
}

#[test]
fn pod_security_context() {
    let spec = json!({
        "containers": [ctr("c", "x")],
        "hostNetwork": true,
        "hostPID": true,
        "shareProcessNamespace": true,
        "securityContext": {
            "runAsUser": -1,
            "runAsGroup": 3_000_000_000i64,
            "fsGroup": -5,
            "supplementalGroups": [1, -1],
            "fsGroupChangePolicy": "Sometimes",
            "sysctls": [
                {"name": "net.ipv4.ip_forward", "value": "1"},
                {"name": "Bad_Sysctl", "value": "1"},
                {"name": "net.ipv4.ip_forward", "value": "1"},
                {"name": "", "value": ""},
            ],
            "seccompProfile": {"type": "Localhost"},
            "appArmorProfile": {"type": "RuntimeDefault", "localhostProfile": "x"},
            "supplementalGroupsPolicy": "Loose",
            "seLinuxChangePolicy": "MountOption",
        },
    });
    let s = "spec.securityContext";
    assert_eq!(
        create(&pod(spec)),
        [
            format!("{s}.fsGroup: Invalid value: -5: {ID_RANGE}"),
            format!("{s}.runAsUser: Invalid value: -1: {ID_RANGE}"),
            format!("{s}.runAsGroup: Invalid value: 3000000000: {ID_RANGE}"),
            format!("{s}.supplementalGroups[1]: Invalid value: -1: {ID_RANGE}"),
            format!(
                "{s}.shareProcessNamespace: Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled"
            ),
            format!(
                "{s}.sysctls[0].name: Invalid value: \"net.ipv4.ip_forward\": may not be specified when 'hostNetwork' is true"
            ),
            format!(
                "{s}.sysctls[1].name: Invalid value: \"Bad_Sysctl\": must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$"
            ),
            format!("{s}.sysctls[2].name: Duplicate value: \"net.ipv4.ip_forward\""),
            format!(
                "{s}.sysctls[2].name: Invalid value: \"net.ipv4.ip_forward\": may not be specified when 'hostNetwork' is true"
            ),
            format!("{s}.sysctls[3].name: Required value"),
            format!(
                "{s}.fsGroupChangePolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnRootMismatch\""
            ),
            format!("{s}.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost"),
            format!(
                "{s}.appArmorProfile.localhostProfile: Invalid value: \"x\": can only be set when AppArmor type is Localhost"
            ),
            format!(
                "{s}.supplementalGroupsPolicy: Unsupported value: \"Loose\": supported values: \"Merge\", \"Strict\""
            ),
            format!("{s}.seLinuxChangePolicy: Unsupported value: \"MountOption\": supported values: \"Recursive\""),
        ]
    );
    // User namespaces may not share host namespaces.
    let spec = json!({"containers": [ctr("c", "x")], "hostUsers": false, "hostPID": true, "hostIPC": true});
    assert_eq!(
        create(&pod(spec)),
        [
            "spec.HostPID: Forbidden: when `pod.Spec.HostUsers` is false",
            "spec.HostIPC: Forbidden: when `pod.Spec.HostUsers` is false",
        ]
    );
}

#[test]
fn container_security_context() {
    let errs = create(&pod(json!({"containers": [
        {"name": "a", "image": "x", "securityContext": {
            "runAsUser": -1,
            "runAsGroup": -2,
            "procMount": "Unmasked",
            "seccompProfile": {"type": "Foo", "localhostProfile": "p"},
            "windowsOptions": {"runAsUserName": "a\\b\\c", "gmsaCredentialSpecName": "Bad"},
            "appArmorProfile": {"type": ""},
        }},
        {"name": "b", "image": "x", "securityContext": {"privileged": true, "allowPrivilegeEscalation": false}},
        {"name": "c", "image": "x", "securityContext": {"procMount": "Weird", "appArmorProfile": {"type": "Localhost", "localhostProfile": " padded "}}},
    ]})));
    let a = "spec.containers[0].securityContext";
    assert_eq!(
        errs,
        [
            format!("{a}.runAsUser: Invalid value: -1: {ID_RANGE}"),
            format!("{a}.runAsGroup: Invalid value: -2: {ID_RANGE}"),
            format!("{a}.procMount: Invalid value: \"Unmasked\": `hostUsers` must be false to use `Unmasked`"),
            format!("{a}.seccompProfile.type: Unsupported value: \"Foo\": supported values: \"Localhost\", \"RuntimeDefault\", \"Unconfined\""),
            format!("{a}.seccompProfile.localhostProfile: Invalid value: core.SeccompProfile{{Type:\"Foo\", LocalhostProfile:(*string)(0xc000000000)}}: can only be set when seccomp type is Localhost"),
            format!("{a}.windowsOptions.gmsaCredentialSpecName: Invalid value: \"Bad\": {SUBDOMAIN}"),
            format!("{a}.windowsOptions.runAsUserName: Invalid value: \"a\\\\b\\\\c\": runAsUserName cannot contain more than one backslash"),
            format!("{a}.appArmorProfile.type: Required value: type is required when appArmorProfile is set"),
            "spec.containers[1].securityContext: Invalid value: core.SecurityContext{Capabilities:(*core.Capabilities)(nil), Privileged:(*bool)(0xc000000000), SELinuxOptions:(*core.SELinuxOptions)(nil), WindowsOptions:(*core.WindowsSecurityContextOptions)(nil), RunAsUser:(*int64)(nil), RunAsGroup:(*int64)(nil), RunAsNonRoot:(*bool)(nil), ReadOnlyRootFilesystem:(*bool)(nil), AllowPrivilegeEscalation:(*bool)(0xc000000000), ProcMount:(*core.ProcMountType)(nil), SeccompProfile:(*core.SeccompProfile)(nil), AppArmorProfile:(*core.AppArmorProfile)(nil)}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true".to_string(),
            "spec.containers[2].securityContext.procMount: Unsupported value: \"Weird\": supported values: \"Default\", \"Unmasked\"".to_string(),
            "spec.containers[2].securityContext.appArmorProfile.localhostProfile: Invalid value: \" padded \": must not be padded with whitespace".to_string(),
        ]
    );
    // Unmasked /proc needs a user namespace.
    assert_valid(&pod(json!({"hostUsers": false, "containers": [
        {"name": "a", "image": "x", "securityContext": {"procMount": "Unmasked"}},
    ]})));
}

#[test]
fn operating_systems() {
    let spec = json!({
        "os": {"name": "linux"},
        "securityContext": {"windowsOptions": {"runAsUserName": "user"}},
        "containers": [{"name": "a", "image": "x", "securityContext": {"windowsOptions": {"hostProcess": false}}}],
    });
    assert_eq!(
        create(&pod(spec)),
        [
            "spec.securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod",
            "spec.containers[0].securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod",
        ]
    );
    let spec = json!({
        "os": {"name": "windows"},
        "hostPID": true,
        "securityContext": {"runAsUser": 1, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "a", "image": "x", "securityContext": {"privileged": false, "runAsGroup": 1}}],
    });
    let not = "cannot be set for a windows pod";
    assert_eq!(
        create(&pod(spec)),
        [
            format!("spec.hostPID: Forbidden: {not}"),
            format!("spec.securityContext.seccompProfile: Forbidden: {not}"),
            format!("spec.securityContext.runAsUser: Forbidden: {not}"),
            format!("spec.containers[0].securityContext.privileged: Forbidden: {not}"),
            format!("spec.containers[0].securityContext.runAsGroup: Forbidden: {not}"),
        ]
    );
    // Host process containers: all or none, on the host network, agreeing with the pod.
    let spec = json!({
        "os": {"name": "windows"},
        "securityContext": {"windowsOptions": {"hostProcess": true}},
        "containers": [
            {"name": "a", "image": "x", "securityContext": {"windowsOptions": {"hostProcess": false}}},
            {"name": "b", "image": "x"},
        ],
    });
    assert_eq!(
        create(&pod(spec)),
        [
            "spec.containers[0].securityContext.windowsOptions.hostProcess: Invalid value: false: pod hostProcess value must be identical if both are specified, was true",
            "spec: Invalid value: \"\": If pod contains any hostProcess containers then all containers must be HostProcess containers",
            "spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers",
        ]
    );
}

#[test]
fn pod_annotations() {
    let meta = json!({"annotations": {
        "kubernetes.io/config.mirror": "x",
        "scheduler.alpha.kubernetes.io/tolerations": "[{\"key\":\"k\",\"operator\":\"Exists\",\"value\":\"v\"}]",
        "controller.kubernetes.io/pod-deletion-cost": "+10",
        "seccomp.security.alpha.kubernetes.io/pod": "bogus",
        "container.seccomp.security.alpha.kubernetes.io/c": "localhost/../x",
        "container.apparmor.security.beta.kubernetes.io/ghost": "bogus",
    }});
    let a = "metadata.annotations";
    assert_eq!(
        create(&pod_with(meta, json!({"containers": [ctr("c", "x")]}))),
        [
            format!(
                "{a}[kubernetes.io/config.mirror]: Invalid value: \"x\": must set spec.nodeName if mirror pod annotation is set"
            ),
            format!(
                "{a}.scheduler.alpha.kubernetes.io/tolerations[0].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'"
            ),
            format!("{a}[controller.kubernetes.io/pod-deletion-cost]: Invalid value: \"+10\": must be a 32bit integer"),
            format!(
                "{a}.seccomp.security.alpha.kubernetes.io/pod: Invalid value: \"bogus\": must be a valid seccomp profile"
            ),
            format!(
                "{a}.container.seccomp.security.alpha.kubernetes.io/c: Invalid value: \"../x\": must not contain '..'"
            ),
            format!(
                "{a}[container.apparmor.security.beta.kubernetes.io/ghost]: Invalid value: \"ghost\": container not found"
            ),
            format!(
                "{a}[container.apparmor.security.beta.kubernetes.io/ghost]: Invalid value: \"bogus\": invalid AppArmor profile name: \"bogus\""
            ),
        ]
    );
    // Deprecated annotations and the fields that replaced them must agree.
    let meta = json!({"annotations": {
        "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
        "container.apparmor.security.beta.kubernetes.io/c": "localhost/a",
    }});
    let spec = json!({
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "c", "image": "x", "securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": "b"}}}],
    });
    assert_eq!(
        create(&pod_with(meta, spec)),
        [
            "spec.securityContext.seccompProfile.type: Forbidden: seccomp type in annotation and field must match",
            "spec.containers[0].securityContext.appArmorProfile.localhostProfile: Forbidden: apparmor profile in annotation and field must match",
        ]
    );
}

#[test]
fn pod_templates() {
    let template = json!({"metadata": {"name": "t"}, "template": {
        "metadata": {"labels": {"bad key": "v"}, "annotations": {"kubernetes.io/config.mirror": ""}},
        "spec": {
            "containers": [{"name": "a", "image": " padded ", "ports": [{"containerPort": 80}]}],
            "hostNetwork": true,
            "ephemeralContainers": [{"name": "debug", "image": "busybox"}],
            "volumes": [{"name": "img", "image": {}}],
        },
    }});
    assert_eq!(
        messages(validate("", "PodTemplate", Input::from(&template), None).unwrap_or_default()),
        [
            format!("template.labels: Invalid value: \"bad key\": {NAME_PART}"),
            "template.annotations[kubernetes.io/config.mirror]: Invalid value: \"\": must set spec.nodeName if mirror pod annotation is set".to_string(),
            "template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template".to_string(),
        ]
    );
    let empty = json!({"metadata": {"name": "t"}});
    assert_eq!(
        messages(validate("", "PodTemplate", Input::from(&empty), None).unwrap_or_default()),
        ["template.spec.containers: Required value"]
    );
    assert!(validate("", "PodTemplate", Input::from(&template), Some(&template)).is_some());
    // The entry point workloads call.
    let spec: PodTemplateSpec = serde_json::from_value(json!({
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": ""}]},
    }))
    .unwrap();
    assert_eq!(
        messages(pod_template_spec(&spec, &FieldPath::new("spec").child("template"))),
        ["spec.template.spec.containers[0].image: Required value"]
    );
    // On a workload update, what the old template already had is kept.
    let indivisible: PodTemplateSpec = serde_json::from_value(json!({"spec": {"containers": [
        {"name": "web", "image": "x", "resources": {"limits": {"memory": "1Gi", "hugepages-2Mi": "3Mi"}}},
    ]}}))
    .unwrap();
    let path = FieldPath::new("spec").child("template");
    assert_eq!(
        messages(pod_template_spec(&indivisible, &path)),
        [
            "spec.template.spec.containers[0].resources.limits[hugepages-2Mi]: Invalid value: \"3Mi\": 3Mi is not positive integer multiple of hugepages-2Mi"
        ]
    );
    assert!(pod_template_spec_update(&indivisible, Some(&indivisible), &path).is_empty());
    // Image volumes need a reference in pods only.
    let image_volume =
        json!({"containers": [ctr("c", "x")], "volumes": [{"name": "img", "image": {"pullPolicy": "Sometimes"}}]});
    assert_eq!(
        create(&pod(image_volume)),
        [
            "spec.volumes[0].image.reference: Required value",
            "spec.volumes[0].image.pullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\"",
        ]
    );
}

/// A running pod for update tests.
fn running(extra: Value) -> Value {
    let mut spec = json!({
        "containers": [ctr("app", "nginx:1")],
        "initContainers": [ctr("init", "busybox:1")],
        "activeDeadlineSeconds": 100,
        "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60}],
    });
    if let (Some(spec), Some(extra)) = (spec.as_object_mut(), extra.as_object()) {
        spec.extend(extra.clone());
    }
    pod(spec)
}

fn with(mut pod: Value, pointer: &str, value: Value) -> Value {
    if let Some(target) = pod.pointer_mut(pointer) {
        *target = value;
    }
    pod
}

#[test]
fn pod_updates() {
    let old = running(json!({}));
    assert!(update(&old, &old).is_empty());
    // Images, a lower deadline, added tolerations and changed toleration seconds.
    let new = with(old.clone(), "/spec/containers/0/image", json!("nginx:2"));
    let new = with(new, "/spec/initContainers/0/image", json!("busybox:2"));
    let new = with(new, "/spec/activeDeadlineSeconds", json!(50));
    let new = with(
        new,
        "/spec/tolerations",
        json!([
            {"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30},
            {"key": "other", "operator": "Exists"},
        ]),
    );
    assert!(update(&new, &old).is_empty(), "{:#?}", update(&new, &old));

    assert_eq!(
        update(&with(old.clone(), "/spec/activeDeadlineSeconds", json!(200)), &old),
        ["spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value"]
    );
    let mut unset = old.clone();
    if let Some(spec) = unset["spec"].as_object_mut() {
        spec.remove("activeDeadlineSeconds");
    }
    assert_eq!(
        update(&unset, &old),
        ["spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value"]
    );
    assert_eq!(
        update(&with(old.clone(), "/spec/tolerations", json!([])), &old),
        ["spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"]
    );
    assert_eq!(
        update(
            &with(
                old.clone(),
                "/spec/containers",
                json!([ctr("app", "nginx:1"), ctr("b", "x")])
            ),
            &old
        ),
        ["spec.containers: Forbidden: pod updates may not add or remove containers"]
    );
    // Both the spec and the update rules require an image.
    assert_eq!(
        update(&with(old.clone(), "/spec/containers/0/image", json!("")), &old),
        [
            "spec.containers[0].image: Required value",
            "spec.containers[0].image: Required value"
        ]
    );
    let errs = update(&with(old.clone(), "/spec/restartPolicy", json!("Never")), &old);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].starts_with(
        "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n"
    ));
    assert!(errs[0].contains("- \trestartPolicy: \"Always\",\n+ \trestartPolicy: \"Never\",\n"));
    // A negative grace period may become 1.
    let negative = with(old.clone(), "/spec/terminationGracePeriodSeconds", json!(-1));
    assert!(
        update(
            &with(negative.clone(), "/spec/terminationGracePeriodSeconds", json!(1)),
            &negative
        )
        .is_empty()
    );
}

#[test]
fn gated_pod_updates() {
    let old = running(json!({
        "schedulingGates": [{"name": "example.com/a"}, {"name": "example.com/b"}],
        "nodeSelector": {"zone": "a"},
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "k", "operator": "In", "values": ["v"]}]},
        ]}}},
    }));
    // Gates may be removed; node constraints may grow.
    let new = with(old.clone(), "/spec/schedulingGates", json!([{"name": "example.com/b"}]));
    let new = with(new, "/spec/nodeSelector", json!({"zone": "a", "disk": "ssd"}));
    let new = with(
        new,
        "/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchExpressions",
        json!([{"key": "k", "operator": "In", "values": ["v"]}, {"key": "k2", "operator": "Exists"}]),
    );
    assert!(update(&new, &old).is_empty(), "{:#?}", update(&new, &old));
    assert_eq!(
        update(
            &with(
                old.clone(),
                "/spec/schedulingGates",
                json!([{"name": "example.com/a"}, {"name": "example.com/c"}])
            ),
            &old
        ),
        [
            "spec.schedulingGates[1].name: Forbidden: only deletion is allowed, but found new scheduling gate 'example.com/c'"
        ]
    );
    assert_eq!(
        update(&with(old.clone(), "/spec/nodeSelector", json!({"zone": "b"})), &old),
        [
            "spec.nodeSelector: Invalid value: map[string]string{\"zone\":\"b\"}: only additions to spec.nodeSelector are allowed (no mutations or deletions)"
        ]
    );
    let changed = with(
        old.clone(),
        "/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchExpressions",
        json!([{"key": "k", "operator": "In", "values": ["w"]}]),
    );
    assert_eq!(
        update(&changed, &old),
        [
            "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]: Invalid value: core.NodeSelectorTerm{MatchExpressions:[]core.NodeSelectorRequirement{core.NodeSelectorRequirement{Key:\"k\", Operator:\"In\", Values:[]string{\"w\"}}}, MatchFields:[]core.NodeSelectorRequirement(nil)}: only additions are allowed (no mutations or deletions)"
        ]
    );
    // Not once the gates are gone.
    let ungated = with(old.clone(), "/spec/schedulingGates", json!([]));
    let errs = update(
        &with(
            ungated.clone(),
            "/spec/nodeSelector",
            json!({"zone": "a", "disk": "ssd"}),
        ),
        &ungated,
    );
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].contains("- \tnodeSelector: {\"zone\":\"a\"},\n+ \tnodeSelector: {\"disk\":\"ssd\",\"zone\":\"a\"},\n")
    );
}

#[test]
fn annotation_updates() {
    let old = pod_with(
        json!({"annotations": {"container.apparmor.security.beta.kubernetes.io/c": "runtime/default"}}),
        json!({"containers": [ctr("c", "x")], "nodeName": "n1"}),
    );
    let new = with(
        old.clone(),
        "/metadata/annotations",
        json!({"kubernetes.io/config.mirror": "m"}),
    );
    assert_eq!(
        update(&new, &old),
        [
            "metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]: Forbidden: may not remove or update AppArmor annotations",
            "metadata.annotations[kubernetes.io/config.mirror]: Forbidden: may not add mirror pod annotation",
        ]
    );
}

#[test]
fn update_keeps_what_older_servers_accepted() {
    // Label values in affinity selectors were not always checked.
    let spec = json!({"containers": [ctr("c", "x")], "affinity": {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"topologyKey": "zone", "labelSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["bad value!"]}]}},
    ]}}});
    let old = pod(spec);
    assert_eq!(
        create(&old),
        [format!(
            "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].values[0]: Invalid value: \"bad value!\": {LABEL_VALUE}"
        )]
    );
    assert!(update(&with(old.clone(), "/spec/containers/0/image", json!("y")), &old).is_empty());
    // Nor huge pages' divisibility.
    let old = one(json!({"resources": {"limits": {"memory": "1Gi", "hugepages-2Mi": "3Mi"}}}));
    assert_eq!(create(&old).len(), 2);
    assert!(update(&old, &old).is_empty());
}

/// A pod as the status subresource sees it.
fn with_status(spec: Value, status: Value) -> Value {
    let mut pod = pod(spec);
    pod["status"] = status;
    pod
}

#[test]
fn pod_status_updates() {
    let spec = json!({"restartPolicy": "Never", "containers": [ctr("a", "x")]});
    let old = with_status(
        spec.clone(),
        json!({"qosClass": "BestEffort", "containerStatuses": [
            {"name": "a", "image": "x", "imageID": "", "ready": false, "restartCount": 0, "state": {"terminated": {"exitCode": 0}}},
        ]}),
    );
    assert!(super::pod_status_update(&old, &old).is_empty());
    let new = with_status(
        spec.clone(),
        json!({
            "qosClass": "Burstable",
            "nominatedNodeName": "Bad_Node",
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "bad type!", "status": "True"}],
            "containerStatuses": [
                {"name": "a", "image": "x", "imageID": "", "ready": true, "restartCount": 1, "state": {"running": {}},
                 "user": {"linux": {"uid": -1, "gid": 0}}},
            ],
            "podIPs": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
            "hostIP": "10.1.1.1",
            "hostIPs": [{"ip": "10.1.1.2"}],
        }),
    );
    assert_eq!(
        messages(super::pod_status_update(&new, &old)),
        [
            format!("metadata.conditions[1].Type: Invalid value: \"bad type!\": {NAME_PART}"),
            format!("status.nominatedNodeName: Invalid value: \"Bad_Node\": {SUBDOMAIN}"),
            "status.qosClass: Invalid value: \"Burstable\": field is immutable".to_string(),
            "status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state".to_string(),
            "status.podIPs: Invalid value: []core.PodIP{core.PodIP{IP:\"10.0.0.1\"}, core.PodIP{IP:\"10.0.0.2\"}}: may specify no more than one IP for each IP family".to_string(),
            "status.hostIPs[0].ip: Invalid value: \"10.1.1.2\": must be equal to `hostIP`".to_string(),
            format!("status.containerStatuses[0].linux.uid: Invalid value: -1: {ID_RANGE}"),
        ]
    );
    let dual = with_status(
        spec.clone(),
        json!({"qosClass": "BestEffort", "podIPs": [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}], "hostIP": "10.1.1.1", "hostIPs": [{"ip": "10.1.1.1"}, {"ip": "10.1.1.1"}]}),
    );
    assert_eq!(
        messages(super::pod_status_update(&dual, &old)),
        [
            "status.hostIPs[1]: Duplicate value: core.HostIP{IP:\"10.1.1.1\"}",
            "status.hostIPs: Invalid value: []core.HostIP{core.HostIP{IP:\"10.1.1.1\"}, core.HostIP{IP:\"10.1.1.1\"}}: may specify no more than one IP for each IP family",
        ]
    );
    let bad_ip = with_status(spec, json!({"qosClass": "BestEffort", "podIPs": [{"ip": "nope"}]}));
    assert_eq!(
        messages(super::pod_status_update(&bad_ip, &old)),
        ["status.podIPs[0]: Invalid value: \"nope\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]
    );
}

#[test]
fn other_kinds_are_not_ours() {
    assert!(validate("apps", "Pod", Input::from(&json!({})), None).is_none());
    assert!(validate("", "ConfigMap", Input::from(&json!({})), None).is_none());
}
