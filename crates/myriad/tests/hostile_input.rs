//! Bad input gets a clear Kubernetes `Status` and stores nothing: malformed or truncated
//! JSON, wrong types and kinds, unsupported media types, oversize bodies and objects,
//! invalid names, unknown resources, anonymous callers.

use anyhow::{Result, ensure};
use myriad_testkit::myriad::MyriadServer;
use serde_json::Value;

const CMS: &str = "/api/v1/namespaces/default/configmaps";
const JSON: &str = "application/json";

/// Asserts a Failure Status with this code and reason; returns its message.
fn status(response: (u16, String), code: u16, reason: &str) -> Result<String> {
    let (got, body) = response;
    ensure!(got == code, "expected {code}, got {got}: {body}");
    let status: Value = serde_json::from_str(&body).map_err(|e| anyhow::anyhow!("not a Status ({e}): {body}"))?;
    ensure!(status["kind"] == "Status" && status["status"] == "Failure", "{status}");
    ensure!(status["code"] == code && status["reason"] == reason, "{status}");
    Ok(status["message"].as_str().unwrap_or_default().to_string())
}

#[test]
fn bad_input_gets_a_status_and_stores_nothing() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = MyriadServer::start(myriad_testkit::myriad_bin!(), dir.path())?;
    let post = |content_type: &str, body: &[u8]| server.curl("POST", CMS, content_type, body, true);

    let truncated = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cut"},"data":{"a":"#;
    status(post(JSON, truncated)?, 400, "BadRequest")?;
    status(post(JSON, b"[1,2,3]")?, 400, "BadRequest")?;
    status(post(JSON, b"\xff\xfe not utf8")?, 400, "BadRequest")?;
    let wrong_kind = br#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}"#;
    ensure!(status(post(JSON, wrong_kind)?, 400, "BadRequest")?.contains("Secret"));
    status(post("application/xml", b"<ConfigMap/>")?, 415, "UnsupportedMediaType")?;
    let yaml = "application/yaml";
    let broken = status(post(yaml, b"metadata: {name: [unclosed")?, 400, "BadRequest")?;
    ensure!(broken.starts_with("error converting YAML to JSON"), "{broken}");
    status(post(yaml, b"- just\n- a list\n")?, 400, "BadRequest")?;
    status(
        post(yaml, b"metadata: {name: a}\n---\nmetadata: {name: b}\n")?,
        400,
        "BadRequest",
    )?;
    // An alias bomb ("billion laughs") is refused, not expanded.
    let mut bomb = String::from("a: &a [1,1,1,1,1,1,1,1,1]\n");
    for (name, previous) in ["b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["a", "b", "c", "d", "e", "f", "g"])
    {
        bomb.push_str(&format!(
            "{name}: &{name} [{}]\n",
            vec![format!("*{previous}"); 9].join(",")
        ));
    }
    bomb.push_str("metadata: {name: bomb}\n");
    let refused = status(post(yaml, bomb.as_bytes())?, 400, "BadRequest")?;
    ensure!(refused.contains("budget"), "{refused}");
    // Nesting deeper than the parser's limit is refused, not followed down the stack.
    let deep = format!(
        r#"{{"metadata":{{"name":"deep"}},"data":{{"a":{}1{}}}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    status(post(JSON, deep.as_bytes())?, 400, "BadRequest")?;
    let deep_yaml = format!(
        "metadata: {{name: deep}}\ndata: {{a: {}1{}}}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    status(post(yaml, deep_yaml.as_bytes())?, 400, "BadRequest")?;
    let protobuf = "application/vnd.kubernetes.protobuf";
    status(post(protobuf, br#"{"metadata":{"name":"json"}}"#)?, 400, "BadRequest")?;
    status(post(protobuf, b"k8s\0\x0a\xff\xff\xff")?, 400, "BadRequest")?;

    let bad_name = br#"{"metadata":{"name":"a/b"}}"#;
    let message = status(post(JSON, bad_name)?, 422, "Invalid")?;
    ensure!(
        message.starts_with("ConfigMap \"a/b\" is invalid: metadata.name"),
        "{message}"
    );
    status(post(JSON, br#"{"metadata":{}}"#)?, 422, "Invalid")?;
    let upper = status(post(JSON, br#"{"metadata":{"name":"Bad_Name"}}"#)?, 422, "Invalid")?;
    ensure!(
        upper.starts_with("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"),
        "{upper}"
    );
    let label = status(
        post(JSON, br#"{"metadata":{"name":"ok","labels":{"bad key":"v"}}}"#)?,
        422,
        "Invalid",
    )?;
    ensure!(label.contains("metadata.labels: Invalid value: \"bad key\""), "{label}");
    let ns = server.curl(
        "POST",
        "/api/v1/namespaces",
        JSON,
        br#"{"metadata":{"name":"has.dot"}}"#,
        true,
    )?;
    let ns = status(ns, 422, "Invalid")?;
    ensure!(
        ns.ends_with("metadata.name: Invalid value: \"has.dot\": must not contain dots"),
        "{ns}"
    );

    let big_value = "x".repeat(2 * 1024 * 1024);
    let big_object = format!(r#"{{"metadata":{{"name":"big"}},"data":{{"a":"{big_value}"}}}}"#);
    status(post(JSON, big_object.as_bytes())?, 422, "Invalid")?;
    let huge_body = vec![b' '; 4 * 1024 * 1024];
    status(post(JSON, &huge_body)?, 413, "RequestEntityTooLarge")?;

    status(server.curl("GET", "/api/v1/widgets", JSON, b"", true)?, 404, "NotFound")?;
    status(
        server.curl("GET", "/apis/nope.example.com/v1", JSON, b"", true)?,
        404,
        "NotFound",
    )?;
    status(
        server.curl("GET", "/api/v1/namespaces", JSON, b"", false)?,
        401,
        "Unauthorized",
    )?;
    let (code, _) = server.curl("GET", "/readyz", JSON, b"", false)?;
    ensure!(code == 200, "readyz must be public");

    let stale = server.curl(
        "PUT",
        &format!("{CMS}/missing"),
        JSON,
        br#"{"metadata":{"name":"missing"}}"#,
        true,
    )?;
    status(stale, 404, "NotFound")?;
    let mismatch = server.curl("PUT", &format!("{CMS}/a"), JSON, br#"{"metadata":{"name":"b"}}"#, true)?;
    status(mismatch, 400, "BadRequest")?;

    // Nothing of the above was stored.
    let (code, body) = server.curl("GET", CMS, JSON, b"", true)?;
    let list: Value = serde_json::from_str(&body)?;
    ensure!(
        code == 200 && list["items"].as_array().is_some_and(|items| items.is_empty()),
        "{body}"
    );

    // JSON patches that would build a huge object, or have too many operations, are
    // refused and change nothing.
    let created = server.curl(
        "POST",
        CMS,
        JSON,
        br#"{"metadata":{"name":"target"},"data":{"a":"b"}}"#,
        true,
    )?;
    ensure!(created.0 == 201, "{}", created.1);
    let json_patch = "application/json-patch+json";
    let doubling: Vec<String> = (0..40)
        .map(|i| format!(r#"{{"op":"copy","from":"","path":"/data/c{i}"}}"#))
        .collect();
    let target = format!("{CMS}/target");
    let doubled = server.curl(
        "PATCH",
        &target,
        json_patch,
        format!("[{}]", doubling.join(",")).as_bytes(),
        true,
    )?;
    let message = status(doubled, 422, "Invalid")?;
    ensure!(message.contains("copies more than"), "{message}");
    let many = vec![r#"{"op":"test","path":"/data/a","value":"b"}"#; 10_001].join(",");
    let refused = server.curl("PATCH", &target, json_patch, format!("[{many}]").as_bytes(), true)?;
    status(refused, 413, "RequestEntityTooLarge")?;
    let (_, body) = server.curl("GET", &target, JSON, b"", true)?;
    let unchanged: Value = serde_json::from_str(&body)?;
    ensure!(unchanged["data"] == serde_json::json!({"a": "b"}), "{body}");

    // A well-formed YAML body is taken like its JSON form.
    let yaml_object = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  port: \"80\"\n";
    let (code, body) = post("application/yaml", yaml_object)?;
    let created: Value = serde_json::from_str(&body)?;
    ensure!(code == 201 && created["data"]["port"] == "80", "{code} {body}");
    // YAML 1.1 as Kubernetes reads it: `0644` is octal (420).
    let pod = b"apiVersion: v1\nkind: Pod\nmetadata: {name: octal}\nspec:\n  containers: [{name: c, image: x}]\n  volumes: [{name: v, configMap: {name: c, defaultMode: 0644}}]\n";
    let (code, body) = server.curl("POST", "/api/v1/namespaces/default/pods", "application/yaml", pod, true)?;
    let created: Value = serde_json::from_str(&body)?;
    ensure!(
        code == 201 && created["spec"]["volumes"][0]["configMap"]["defaultMode"] == 420,
        "{code} {body}"
    );
    Ok(())
}
