//! A real `myriad server` process on 127.0.0.1 with an ephemeral port and a temporary
//! data directory, and `kubectl` pointed at it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The line `myriad server` prints once it serves.
const LISTENING: &str = "Myriad API server listening on ";

/// What a raw request authenticates with.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// The admin client certificate (`system:masters`).
    Admin,
    /// Nothing.
    Anonymous,
    /// `Authorization: Bearer <token>`.
    Token(String),
    /// A client certificate and key (PEM files).
    Certificate { cert: PathBuf, key: PathBuf },
}

/// A response as curl saw it.
#[derive(Clone, Debug)]
pub struct CurlResponse {
    pub code: u16,
    /// Header names lowercased, in order.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl CurlResponse {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A running `myriad server`; SIGKILLed on drop unless stopped.
pub struct MyriadServer {
    child: Option<Child>,
    url: String,
    data_dir: PathBuf,
    kubeconfig: PathBuf,
}

impl MyriadServer {
    /// Starts `binary server --data-dir DIR --port 0` and waits for it to listen.
    pub fn start(binary: &Path, data_dir: &Path) -> Result<MyriadServer> {
        Self::start_with(binary, data_dir, &[])
    }

    /// Like [`start`](Self::start), with extra `myriad server` arguments.
    pub fn start_with(binary: &Path, data_dir: &Path, extra: &[&str]) -> Result<MyriadServer> {
        Self::start_on(binary, data_dir, 0, extra)
    }

    /// Starts on a given port: a restart that clients find at the same address.
    ///
    /// The ServiceAccount admission plugin is off unless `extra` names the plugin
    /// flags: without a controller manager nothing creates namespaces' `default`
    /// accounts (upstream's server-only runs turn it off the same way).
    pub fn start_on(binary: &Path, data_dir: &Path, port: u16, extra: &[&str]) -> Result<MyriadServer> {
        let kubeconfig = data_dir.join("kubeconfig");
        let names_plugins = extra.iter().any(|a| a.contains("-admission-plugins"));
        let plugins: &[&str] = if names_plugins {
            &[]
        } else {
            &["--disable-admission-plugins", "ServiceAccount"]
        };
        let mut child = Command::new(binary)
            .args(["server", "--bind", "127.0.0.1", "--log", "warn", "--port"])
            .arg(port.to_string())
            .args(plugins)
            .args(extra)
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix(LISTENING) {
                    let _ = tx.send(url.to_string());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                bail!("myriad server did not report listening within 30s");
            }
        };
        Ok(MyriadServer {
            child: Some(child),
            url,
            data_dir: data_dir.to_path_buf(),
            kubeconfig,
        })
    }

    /// The server's process id (for RSS and CPU measurements).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The port the server listens on.
    pub fn port(&self) -> Option<u16> {
        self.url.rsplit_once(':')?.1.parse().ok()
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Sends SIGTERM and waits (up to 30 s) for a clean exit; returns whether it
    /// exited successfully.
    pub fn stop(mut self) -> Result<bool> {
        let Some(mut child) = self.child.take() else {
            return Ok(false);
        };
        let status = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status()?;
        if !status.success() {
            bail!("kill -TERM failed");
        }
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if let Some(status) = child.try_wait()? {
                return Ok(status.success());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        bail!("myriad server did not exit within 30s of SIGTERM")
    }

    /// `kubectl --kubeconfig … ARGS`, not yet run (to add environment variables).
    pub fn kubectl_command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("kubectl");
        command.arg("--kubeconfig").arg(&self.kubeconfig).args(args);
        command
    }

    /// Starts `kubectl --kubeconfig … ARGS` with its stdout piped (for watches).
    pub fn kubectl_spawn(&self, args: &[&str]) -> Result<Child> {
        self.kubectl_command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("running kubectl")
    }

    /// An HTTPS request with `curl` (raw HTTP, for hostile input): returns the status
    /// code and body. `authenticated` presents the admin client certificate.
    pub fn curl(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &[u8],
        authenticated: bool,
    ) -> Result<(u16, String)> {
        let credentials = if authenticated {
            Credentials::Admin
        } else {
            Credentials::Anonymous
        };
        let response = self.curl_full(&credentials, method, path, content_type, body, &[])?;
        Ok((response.code, response.body))
    }

    /// An HTTPS request with `curl` with the given credentials and extra headers
    /// (`Name: value`): the status code, headers and body.
    pub fn curl_full(
        &self,
        credentials: &Credentials,
        method: &str,
        path: &str,
        content_type: &str,
        body: &[u8],
        headers: &[&str],
    ) -> Result<CurlResponse> {
        let pki = self.data_dir.join("pki");
        let header_file = tempfile::NamedTempFile::new()?;
        let body_file = tempfile::NamedTempFile::new()?;
        std::fs::write(body_file.path(), body)?;
        let mut command = Command::new("curl");
        command
            .args(["-sS", "--http1.1", "-o", "-", "-w", "\n%{http_code}", "-X", method])
            .arg("-D")
            .arg(header_file.path())
            .arg("--cacert")
            .arg(pki.join("ca.crt"))
            .args(["-H", &format!("Content-Type: {content_type}")]);
        for header in headers {
            command.args(["-H", header]);
        }
        match credentials {
            Credentials::Admin => {
                command
                    .arg("--cert")
                    .arg(pki.join("admin.crt"))
                    .arg("--key")
                    .arg(pki.join("admin.key"));
            }
            Credentials::Certificate { cert, key } => {
                command.arg("--cert").arg(cert).arg("--key").arg(key);
            }
            Credentials::Token(token) => {
                command.args(["-H", &format!("Authorization: Bearer {token}")]);
            }
            Credentials::Anonymous => {}
        }
        if !body.is_empty() {
            command
                .arg("--data-binary")
                .arg(format!("@{}", body_file.path().display()));
        }
        let output = command
            .arg(format!("{}{path}", self.url))
            .output()
            .context("running curl")?;
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let (body, code) = text.rsplit_once('\n').context("no status code from curl")?;
        let headers = std::fs::read_to_string(header_file.path())?
            .lines()
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
            .collect();
        Ok(CurlResponse {
            code: code.trim().parse().context("status code")?,
            headers,
            body: body.to_string(),
        })
    }

    /// Starts a streaming `curl` GET of `path` as the admin (for watches), its stdout
    /// piped. A caller that never reads the pipe is a client that stops reading.
    pub fn curl_spawn(&self, path: &str) -> Result<Child> {
        let pki = self.data_dir.join("pki");
        Command::new("curl")
            .args(["-sSN", "--http1.1", "--cacert"])
            .arg(pki.join("ca.crt"))
            .arg("--cert")
            .arg(pki.join("admin.crt"))
            .arg("--key")
            .arg(pki.join("admin.key"))
            .arg(format!("{}{path}", self.url))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("running curl")
    }

    /// Writes a kubeconfig at `path` that authenticates with `token` (for kubectl as
    /// another user).
    pub fn token_kubeconfig(&self, path: &Path, token: &str) -> Result<()> {
        let ca = self.data_dir.join("pki").join("ca.crt");
        let config = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: myriad\n  cluster:\n    server: {}\n    certificate-authority: {}\nusers:\n- name: user\n  user:\n    token: {token}\ncontexts:\n- name: user\n  context:\n    cluster: myriad\n    user: user\ncurrent-context: user\n",
            self.url,
            ca.display()
        );
        std::fs::write(path, config).with_context(|| format!("writing {}", path.display()))
    }

    /// Runs `kubectl --kubeconfig … ARGS`, which must succeed; returns its trimmed
    /// stdout.
    pub fn kubectl_ok(&self, args: &[&str]) -> Result<String> {
        let output = self.kubectl(args)?;
        if !output.status.success() {
            bail!("kubectl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    }

    /// `kubectl apply -f -` of `manifest` (JSON or YAML text), which must succeed.
    pub fn kubectl_apply(&self, manifest: impl std::fmt::Display) -> Result<()> {
        let output = self.kubectl_stdin(&["apply", "-f", "-"], &manifest.to_string())?;
        if !output.status.success() {
            bail!("kubectl apply: {}", String::from_utf8_lossy(&output.stderr));
        }
        Ok(())
    }

    /// Runs `kubectl --kubeconfig … ARGS`.
    pub fn kubectl(&self, args: &[&str]) -> Result<Output> {
        self.kubectl_command(args).output().context("running kubectl")
    }

    /// Runs `kubectl` with `input` on its standard input (`create -f -`).
    pub fn kubectl_stdin(&self, args: &[&str], input: &str) -> Result<Output> {
        let mut child = self
            .kubectl_command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("running kubectl")?;
        let mut stdin = child.stdin.take().context("kubectl stdin")?;
        std::io::Write::write_all(&mut stdin, input.as_bytes()).context("writing kubectl stdin")?;
        drop(stdin);
        child.wait_with_output().context("waiting for kubectl")
    }
}

impl Drop for MyriadServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs `binary bench <which> ARGS --json FILE` in a temporary directory and returns
/// the JSON report's text.
pub fn run_bench(binary: &Path, which: &str, args: &[&str]) -> Result<String> {
    let dir = tempfile::tempdir()?;
    let json = dir.path().join(format!("{which}.json"));
    let status = Command::new(binary)
        .current_dir(dir.path())
        .args(["--log", "warn", "bench", which])
        .args(args)
        .arg("--json")
        .arg(&json)
        .status()?;
    if !status.success() {
        bail!("bench {which} failed");
    }
    std::fs::read_to_string(&json).with_context(|| format!("reading {}", json.display()))
}
