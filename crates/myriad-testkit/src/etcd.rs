//! A real single-member etcd (Debian's `etcd-server`) for tests and benchmarks.
//!
//! The etcd backend is only trustworthy if it is tested against the real server, with
//! its own revisions, compaction and watch semantics; a mock would test our assumptions
//! about etcd rather than etcd. So tests start a throwaway etcd on loopback.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::ports::free_port;

/// Where Debian's `etcd-server` package installs the binary.
const DEBIAN_ETCD: &str = "/usr/bin/etcd";

/// How long etcd may take to report healthy. A single member elects itself in about a
/// second; the rest is slack for a loaded CI machine.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// Attempts with fresh ports. The ports are free when picked but another process can
/// take one before etcd binds it; etcd then exits with "address already in use".
const START_ATTEMPTS: usize = 3;

/// A running etcd on 127.0.0.1; killed and its data removed on drop.
pub struct EtcdServer {
    child: Child,
    client_port: u16,
    data_dir: PathBuf,
    /// Holds the data dir and `etcd.log`; declared last so it is removed after the
    /// process is gone.
    dir: tempfile::TempDir,
}

impl EtcdServer {
    /// Starts etcd with a fresh data dir and three free ports (client, peer, metrics)
    /// and waits until `/health` answers. The binary is `$MYRIAD_ETCD_BIN` if set, else
    /// `/usr/bin/etcd`, else `etcd` on the `PATH`.
    pub async fn start() -> Result<EtcdServer> {
        let binary = etcd_binary()?;
        let mut last_log = String::new();
        for _ in 0..START_ATTEMPTS {
            match Self::start_once(&binary).await {
                Ok(server) => return Ok(server),
                Err(Failure::PortTaken(log)) => last_log = log,
                Err(Failure::Other(e)) => return Err(e),
            }
        }
        bail!("etcd could not bind its ports in {START_ATTEMPTS} attempts:\n{last_log}")
    }

    async fn start_once(binary: &Path) -> Result<EtcdServer, Failure> {
        let dir = tempfile::Builder::new().prefix("myriad-etcd").tempdir()?;
        let data_dir = dir.path().join("data");
        let (client, peer, metrics) = (free_port()?, free_port()?, free_port()?);
        let log = std::fs::File::create(dir.path().join("etcd.log"))?;
        let url = |port: u16| format!("http://127.0.0.1:{port}");
        let child = Command::new(binary)
            .args(["--name", "solo"])
            .arg("--data-dir")
            .arg(&data_dir)
            .args(["--listen-client-urls", &url(client)])
            .args(["--advertise-client-urls", &url(client)])
            .args(["--listen-peer-urls", &url(peer)])
            .args(["--initial-advertise-peer-urls", &url(peer)])
            .args(["--initial-cluster", &format!("solo={}", url(peer))])
            .args(["--initial-cluster-state", "new"])
            .args(["--listen-metrics-urls", &url(metrics)])
            // Progress notifications every second (the default is ten minutes) so
            // watch-cache and bookmark tests do not wait long.
            .args(["--experimental-watch-progress-notify-interval", "1s"])
            // 8 GiB instead of 2 GiB, so benchmarks do not hit the space quota.
            .args(["--quota-backend-bytes", "8589934592"])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot run {}", binary.display()))?;
        let mut server = EtcdServer {
            child,
            client_port: client,
            data_dir,
            dir,
        };
        server.wait_healthy(metrics).await?;
        Ok(server)
    }

    async fn wait_healthy(&mut self, metrics_port: u16) -> Result<(), Failure> {
        let started = Instant::now();
        while started.elapsed() < READY_TIMEOUT {
            if let Some(status) = self.child.try_wait()? {
                let log = self.log_tail();
                if log.contains("address already in use") {
                    return Err(Failure::PortTaken(log));
                }
                return Err(anyhow!("etcd exited with {status}:\n{log}").into());
            }
            if health_ok(metrics_port).await {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(anyhow!("etcd not healthy after {READY_TIMEOUT:?}:\n{}", self.log_tail()).into())
    }

    /// The client URL, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    /// The etcd process id (for memory measurements); 0 once it has been reaped.
    pub fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }

    /// etcd's data directory (without the log file, so disk measurements are etcd's own).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The last lines etcd logged, for error messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("etcd.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Kills etcd (SIGKILL) and waits for it to exit.
    pub async fn stop(mut self) -> Result<()> {
        self.child.kill().await?;
        Ok(())
    }
}

impl Drop for EtcdServer {
    /// SIGKILLs etcd and reaps it before the temporary directory is removed, so a
    /// still-running etcd cannot write into (and leak) a half-deleted directory. Drop
    /// cannot await, so this polls briefly; a killed process exits within milliseconds.
    fn drop(&mut self) {
        if self.child.start_kill().is_err() {
            return; // already reaped (e.g. by `stop`)
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Why one start attempt failed: a port race is worth retrying, nothing else is.
enum Failure {
    PortTaken(String),
    Other(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Failure::Other(error)
    }
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        Failure::Other(error.into())
    }
}

/// `$MYRIAD_ETCD_BIN`, Debian's `/usr/bin/etcd`, or `etcd` on the `PATH`.
fn etcd_binary() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("MYRIAD_ETCD_BIN") {
        return Ok(path.into());
    }
    let on_path = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("etcd"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    std::iter::once(PathBuf::from(DEBIAN_ETCD))
        .chain(on_path)
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| anyhow!("etcd not found; install Debian's etcd-server"))
}

/// `GET /health` on the metrics port answers `{"health":"true"}` once etcd serves.
async fn health_ok(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let request = b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if stream.write_all(request).await.is_err() {
        return false;
    }
    let mut response = String::new();
    let read = tokio::time::timeout(Duration::from_secs(2), stream.read_to_string(&mut response)).await;
    matches!(read, Ok(Ok(_))) && response.contains("\"health\":\"true\"")
}
