//! Authentication and authorization against a real server, with curl and the real
//! kubectl: every way in (client certificates good, expired and foreign; static
//! tokens; ServiceAccount tokens, including after their ServiceAccount or bound pod is
//! gone), RBAC through bindings, `kubectl auth can-i`, access reviews, impersonation.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use myriad_testkit::eventually;
use myriad_testkit::myriad::{Credentials, MyriadServer};
use rcgen::{CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, Issuer, KeyPair};
use serde_json::{Value, json};

const JSON: &str = "application/json";
const TOKENS: &str = "alice-token,alice,1001,\"dev,ops\"\nbob-token,bob,1002\n";

/// A server with the static tokens of alice (groups dev, ops) and bob.
fn server(dir: &Path) -> Result<MyriadServer> {
    let tokens = dir.join("tokens.csv");
    std::fs::write(&tokens, TOKENS)?;
    let data = dir.join("data");
    MyriadServer::start_with(
        myriad_testkit::myriad_bin!(),
        &data,
        &["--token-auth-file", tokens.to_str().context("path")?],
    )
}

fn token(token: &str) -> Credentials {
    Credentials::Token(token.to_string())
}

fn get(server: &MyriadServer, who: &Credentials, path: &str) -> Result<(u16, Value)> {
    request(server, who, "GET", path, &Value::Null, &[])
}

fn request(
    server: &MyriadServer,
    who: &Credentials,
    method: &str,
    path: &str,
    body: &Value,
    headers: &[&str],
) -> Result<(u16, Value)> {
    let body = if body.is_null() {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    let response = server.curl_full(who, method, path, JSON, &body, headers)?;
    let value = serde_json::from_str(&response.body).unwrap_or(Value::String(response.body));
    Ok((response.code, value))
}

/// Who the server takes `who` for (`SelfSubjectReview`).
fn whoami(server: &MyriadServer, who: &Credentials) -> Result<(u16, Value)> {
    let review = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"});
    let path = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
    let (code, body) = request(server, who, "POST", path, &review, &[])?;
    Ok((code, body["status"]["userInfo"].clone()))
}

fn ensure_unauthorized((code, body): (u16, Value)) -> Result<()> {
    ensure!(code == 401, "expected 401, got {code}: {body}");
    ensure!(
        body["kind"] == "Status" && body["reason"] == "Unauthorized" && body["message"] == "Unauthorized",
        "{body}"
    );
    Ok(())
}

/// A client certificate for `cn` / `org` signed by `issuer`, valid from `from` to
/// `until` (days from now), written under `dir`.
fn client_certificate(
    dir: &Path,
    name: &str,
    (cn, org): (&str, &str),
    issuer: &Issuer<'_, KeyPair>,
    (from, until): (i64, i64),
) -> Result<Credentials> {
    let mut params = CertificateParams::new(Vec::new())?;
    let mut subject = DistinguishedName::new();
    subject.push(DnType::CommonName, cn);
    subject.push(DnType::OrganizationName, org);
    params.distinguished_name = subject;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now + time::Duration::days(from);
    params.not_after = now + time::Duration::days(until);
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, issuer)?;
    let (cert_path, key_path) = (dir.join(format!("{name}.crt")), dir.join(format!("{name}.key")));
    std::fs::write(&cert_path, cert.pem())?;
    std::fs::write(&key_path, key.serialize_pem())?;
    Ok(Credentials::Certificate {
        cert: cert_path,
        key: key_path,
    })
}

/// The cluster CA as an issuer (its key is in the data directory), and a foreign one.
fn issuers(server: &MyriadServer) -> Result<(Issuer<'static, KeyPair>, Issuer<'static, KeyPair>)> {
    let pki = server.data_dir().join("pki");
    let ca_key = KeyPair::from_pem(&std::fs::read_to_string(pki.join("ca.key"))?)?;
    // The cluster CA's subject is `CN=myriad-ca`; with its key that is all signing needs.
    let ca_params = |cn: &str| -> Result<CertificateParams> {
        let mut params = CertificateParams::new(Vec::new())?;
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, cn);
        Ok(params)
    };
    let ca = Issuer::new(ca_params("myriad-ca")?, ca_key);
    let foreign = Issuer::new(ca_params("myriad-ca")?, KeyPair::generate()?);
    Ok((ca, foreign))
}

#[test]
fn every_way_in_is_accepted_or_refused() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = server(dir.path())?;

    // Nothing: only health and version.
    ensure_unauthorized(get(&server, &Credentials::Anonymous, "/api/v1/namespaces")?)?;
    ensure_unauthorized(get(&server, &Credentials::Anonymous, "/metrics")?)?;
    for path in ["/livez", "/readyz", "/version"] {
        let (code, body) = get(&server, &Credentials::Anonymous, path)?;
        ensure!(code == 200, "{path}: {code} {body}");
    }

    // Static tokens.
    let (code, alice) = whoami(&server, &token("alice-token"))?;
    ensure!(code == 201, "{code} {alice}");
    ensure!(alice["username"] == "alice" && alice["uid"] == "1001", "{alice}");
    ensure!(
        alice["groups"] == json!(["dev", "ops", "system:authenticated"]),
        "{alice}"
    );
    ensure_unauthorized(get(&server, &token("wrong"), "/api/v1/namespaces")?)?;
    // A bad token is refused even where anonymous callers are let in.
    ensure_unauthorized(get(&server, &token("wrong"), "/livez")?)?;

    // Client certificates: signed by the cluster CA, expired, not yet valid, foreign.
    let (ca, foreign) = issuers(&server)?;
    let carol = client_certificate(dir.path(), "carol", ("carol", "qa"), &ca, (-1, 30))?;
    let (code, user) = whoami(&server, &carol)?;
    ensure!(code == 201 && user["username"] == "carol", "{code} {user}");
    ensure!(user["groups"] == json!(["qa", "system:authenticated"]), "{user}");
    let expired = client_certificate(dir.path(), "expired", ("carol", "qa"), &ca, (-30, -1))?;
    ensure_unauthorized(get(&server, &expired, "/api/v1/namespaces")?)?;
    let early = client_certificate(dir.path(), "early", ("carol", "qa"), &ca, (1, 30))?;
    ensure_unauthorized(get(&server, &early, "/api/v1/namespaces")?)?;
    let stranger = client_certificate(dir.path(), "stranger", ("carol", "qa"), &foreign, (-1, 30))?;
    ensure_unauthorized(get(&server, &stranger, "/api/v1/namespaces")?)?;

    // ServiceAccount tokens, from `kubectl create token`.
    server.kubectl_ok(&["create", "serviceaccount", "builder"])?;
    let builder = server.kubectl_ok(&["create", "token", "builder"])?;
    let (code, user) = whoami(&server, &token(&builder))?;
    ensure!(code == 201, "{code} {user}");
    ensure!(user["username"] == "system:serviceaccount:default:builder", "{user}");
    ensure!(
        user["groups"]
            == json!([
                "system:serviceaccounts",
                "system:serviceaccounts:default",
                "system:authenticated"
            ]),
        "{user}"
    );
    let short = server.kubectl(&["create", "token", "builder", "--duration", "1m"])?;
    let message = String::from_utf8_lossy(&short.stderr);
    ensure!(
        !short.status.success() && message.contains("may not specify a duration less than 10 minutes"),
        "{message}"
    );
    let missing = server.kubectl(&["create", "token", "nobody"])?;
    ensure!(
        String::from_utf8_lossy(&missing.stderr).contains("serviceaccounts \"nobody\" not found"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );

    // A token bound to a pod stops working with the pod.
    server.kubectl_ok(&["run", "web", "--image", "nginx", "--restart", "Never"])?;
    let bound = server.kubectl_ok(&[
        "create",
        "token",
        "builder",
        "--bound-object-kind",
        "Pod",
        "--bound-object-name",
        "web",
    ])?;
    let (code, user) = whoami(&server, &token(&bound))?;
    ensure!(
        code == 201 && user["extra"]["authentication.kubernetes.io/pod-name"] == json!(["web"]),
        "{user}"
    );
    server.kubectl_ok(&["delete", "pod", "web", "--grace-period", "0", "--force"])?;
    eventually("the pod-bound token is refused", || {
        Ok(whoami(&server, &token(&bound))?.0 == 401)
    })?;

    // A token of a deleted ServiceAccount stops working, and stays refused when an
    // account of the same name is created again (another uid).
    server.kubectl_ok(&["delete", "serviceaccount", "builder"])?;
    eventually("the deleted account's token is refused", || {
        Ok(whoami(&server, &token(&builder))?.0 == 401)
    })?;
    server.kubectl_ok(&["create", "serviceaccount", "builder"])?;
    let fresh = server.kubectl_ok(&["create", "token", "builder"])?;
    eventually("the new account's token works", || {
        Ok(whoami(&server, &token(&fresh))?.0 == 201)
    })?;
    ensure_unauthorized(get(&server, &token(&builder), "/api/v1/namespaces")?)?;

    // TokenReview sees the same.
    let review =
        |t: &str| json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": t}});
    let path = "/apis/authentication.k8s.io/v1/tokenreviews";
    let (code, answer) = request(&server, &Credentials::Admin, "POST", path, &review(&fresh), &[])?;
    ensure!(code == 201 && answer["status"]["authenticated"] == true, "{answer}");
    let (_, answer) = request(&server, &Credentials::Admin, "POST", path, &review(&builder), &[])?;
    ensure!(answer["status"]["authenticated"].is_null(), "{answer}");
    ensure!(server.stop()?, "server did not stop cleanly");
    Ok(())
}

fn user_kubeconfig(server: &MyriadServer, dir: &Path, name: &str, token: &str) -> Result<PathBuf> {
    let path = dir.join(format!("{name}.kubeconfig"));
    server.token_kubeconfig(&path, token)?;
    Ok(path)
}

/// `kubectl --kubeconfig <user's> ARGS` (words split at spaces): (exit success,
/// stdout, stderr).
fn kubectl_as(config: &Path, args: &str) -> Result<(bool, String, String)> {
    let output = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(config)
        .args(args.split_whitespace())
        .output()?;
    Ok((
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).trim().to_string(),
        String::from_utf8_lossy(&output.stderr).trim().to_string(),
    ))
}

/// `kubectl auth can-i QUESTION` as the user of `config`: the answer, checked against
/// kubectl's exit code (0 for yes, 1 for no).
fn can_i(config: &Path, question: &str) -> Result<bool> {
    let (ok, answer, error) = kubectl_as(config, &format!("auth can-i {question}"))?;
    match (ok, answer.as_str()) {
        (true, "yes") => Ok(true),
        (false, "no") => Ok(false),
        _ => bail!("can-i {question}: exit ok={ok}, {answer:?} {error}"),
    }
}

/// Waits until `can-i QUESTION` answers `expected` (RBAC changes apply within ms).
fn until_can_i(config: &Path, question: &str, expected: bool) -> Result<()> {
    eventually(&format!("can-i {question} = {expected}"), || {
        Ok(can_i(config, question)? == expected)
    })
}

#[test]
fn rbac_bindings_decide_and_kubectl_auth_can_i_agrees() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = server(dir.path())?;
    let alice = user_kubeconfig(&server, dir.path(), "alice", "alice-token")?;

    // Nothing bound yet: refused, with upstream's message.
    let (ok, _, error) = kubectl_as(&alice, "get pods -n default")?;
    ensure!(!ok, "alice listed pods without a binding");
    ensure!(
        error.contains(
            "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""
        ),
        "{error}"
    );
    let (code, body) = get(&server, &token("alice-token"), "/api/v1/namespaces/default/pods")?;
    ensure!(
        code == 403 && body["reason"] == "Forbidden" && body["details"]["kind"] == "pods",
        "{body}"
    );
    ensure!(
        !can_i(&alice, "create deployments -n team")?,
        "alice may create without a binding"
    );
    // Every authenticated user may discover the API and ask what they may do.
    let (ok, _, error) = kubectl_as(&alice, "api-resources --cached=false")?;
    ensure!(ok, "{error}");

    // edit in one namespace, through a RoleBinding made by kubectl.
    server.kubectl_ok(&["create", "namespace", "team"])?;
    server.kubectl_ok(&[
        "create",
        "rolebinding",
        "alice-edit",
        "--clusterrole",
        "edit",
        "--user",
        "alice",
        "-n",
        "team",
    ])?;
    until_can_i(&alice, "create deployments -n team", true)?;
    ensure!(
        !can_i(&alice, "create deployments -n default")?,
        "the RoleBinding reached another namespace"
    );
    let (ok, _, error) = kubectl_as(&alice, "create configmap settings -n team")?;
    ensure!(ok, "{error}");
    let (ok, _, error) = kubectl_as(&alice, "create role r --verb get --resource pods -n team")?;
    ensure!(
        !ok && error.contains("cannot create resource \"roles\""),
        "edit may not make roles: {error}"
    );
    let (ok, rules, error) = kubectl_as(&alice, "auth can-i --list -n team")?;
    ensure!(
        ok && rules.contains("deployments.apps") && rules.contains("configmaps"),
        "{rules} {error}"
    );

    // Group bindings: view for group dev, cluster-wide.
    server.kubectl_ok(&[
        "create",
        "clusterrolebinding",
        "dev-view",
        "--clusterrole",
        "view",
        "--group",
        "dev",
    ])?;
    until_can_i(&alice, "list pods -A", true)?;
    ensure!(!can_i(&alice, "get secrets -n default")?, "view grants no secrets");

    // The admin asks about others: impersonation (kubectl --as) and SubjectAccessReview.
    let out = server.kubectl_ok(&["auth", "can-i", "list", "secrets", "-n", "team", "--as", "alice"])?;
    ensure!(out == "yes", "{out}");
    let out = server.kubectl(&["auth", "can-i", "list", "secrets", "-n", "default", "--as", "alice"])?;
    ensure!(String::from_utf8_lossy(&out.stdout).trim() == "no", "{out:?}");
    let sar = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
        "spec": {"user": "bob", "groups": ["dev"], "resourceAttributes": {"verb": "get", "resource": "pods", "namespace": "x"}}});
    let path = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
    let (code, answer) = request(&server, &Credentials::Admin, "POST", path, &sar, &[])?;
    ensure!(code == 201 && answer["status"]["allowed"] == true, "{answer}");
    ensure!(
        answer["status"]["reason"]
            == "RBAC: allowed by ClusterRoleBinding \"dev-view\" of ClusterRole \"view\" to Group \"dev\"",
        "{answer}"
    );
    let no_subject = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
        "spec": {"resourceAttributes": {"verb": "get", "resource": "pods"}}});
    let (code, answer) = request(&server, &Credentials::Admin, "POST", path, &no_subject, &[])?;
    ensure!(code == 422, "{answer}");

    // Users may not impersonate without being allowed to.
    let as_bob = ["Impersonate-User: bob"];
    let (code, body) = request(
        &server,
        &token("alice-token"),
        "GET",
        "/api/v1/namespaces",
        &Value::Null,
        &as_bob,
    )?;
    ensure!(code == 403, "{body}");
    ensure!(
        body["message"]
            == "users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
        "{body}"
    );
    // Removing the binding takes the permission away.
    server.kubectl_ok(&["delete", "rolebinding", "alice-edit", "-n", "team"])?;
    until_can_i(&alice, "create configmaps -n team", false)?;

    // A namespace admin may hand out what they hold, and nothing more.
    server.kubectl_ok(&[
        "create",
        "rolebinding",
        "alice-admin",
        "--clusterrole",
        "admin",
        "--user",
        "alice",
        "-n",
        "team",
    ])?;
    until_can_i(&alice, "create rolebindings -n team", true)?;
    let (ok, _, error) = kubectl_as(
        &alice,
        "create rolebinding bob-edit --clusterrole edit --user bob -n team",
    )?;
    ensure!(ok, "{error}");
    let (ok, _, error) = kubectl_as(
        &alice,
        "create rolebinding bob-root --clusterrole cluster-admin --user bob -n team",
    )?;
    ensure!(
        !ok && error.contains("is attempting to grant RBAC permissions not currently held"),
        "escalation through a binding: {error}"
    );
    let (ok, _, error) = kubectl_as(&alice, "create role node-reader --verb get --resource nodes -n team")?;
    ensure!(
        !ok && error.contains("not currently held"),
        "escalation through a role: {error}"
    );
    let (ok, _, error) = kubectl_as(&alice, "create role pod-reader --verb get --resource pods -n team")?;
    ensure!(ok, "{error}");
    ensure!(server.stop()?, "server did not stop cleanly");
    Ok(())
}
