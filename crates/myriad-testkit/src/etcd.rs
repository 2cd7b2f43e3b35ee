//! A real single-member etcd (Debian's `etcd-server`) for tests and benchmarks.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::ports::free_port;

/// How long etcd may take to report healthy.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A running etcd on 127.0.0.1; killed and its data removed on drop.
pub struct EtcdServer {
    child: Child,
    client_port: u16,
    dir: tempfile::TempDir,
}

impl EtcdServer {
    /// Starts etcd from `$MYRIAD_ETCD_BIN` or `etcd` on the PATH, with a fresh data dir
    /// and three free ports, and waits until `/health` answers. Retries on a port race.
    pub async fn start() -> Result<EtcdServer> {
        let binary = std::env::var_os("MYRIAD_ETCD_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| "etcd".into());
        let mut last_error = None;
        for _ in 0..3 {
            match Self::start_once(&binary).await {
                Ok(server) => return Ok(server),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("etcd did not start")))
    }

    async fn start_once(binary: &Path) -> Result<EtcdServer> {
        let dir = tempfile::Builder::new().prefix("myriad-etcd").tempdir()?;
        let (client, peer, metrics) = (free_port()?, free_port()?, free_port()?);
        let log = std::fs::File::create(dir.path().join("etcd.log"))?;
        let url = |port: u16| format!("http://127.0.0.1:{port}");
        let child = Command::new(binary)
            .arg("--name=solo")
            .arg(format!("--data-dir={}", dir.path().join("data").display()))
            .arg(format!("--listen-client-urls={}", url(client)))
            .arg(format!("--advertise-client-urls={}", url(client)))
            .arg(format!("--listen-peer-urls={}", url(peer)))
            .arg(format!("--initial-advertise-peer-urls={}", url(peer)))
            .arg(format!("--initial-cluster=solo={}", url(peer)))
            .arg("--initial-cluster-state=new")
            .arg(format!("--listen-metrics-urls={}", url(metrics)))
            .arg("--experimental-watch-progress-notify-interval=1s")
            .arg("--quota-backend-bytes=8589934592")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot run {} (install Debian's etcd-server)", binary.display()))?;
        let mut server = EtcdServer {
            child,
            client_port: client,
            dir,
        };
        server.wait_healthy(metrics).await?;
        Ok(server)
    }

    async fn wait_healthy(&mut self, metrics_port: u16) -> Result<()> {
        let started = Instant::now();
        while started.elapsed() < READY_TIMEOUT {
            if let Some(status) = self.child.try_wait()? {
                bail!("etcd exited with {status}:\n{}", self.log_tail());
            }
            if health_ok(metrics_port).await {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("etcd not healthy after {READY_TIMEOUT:?}:\n{}", self.log_tail())
    }

    /// The client URL, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    /// The etcd process id (for memory measurements).
    pub fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }

    /// etcd's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The last lines etcd logged, for error messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("etcd.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Kills etcd and waits for it to exit.
    pub async fn stop(mut self) -> Result<()> {
        self.child.kill().await?;
        Ok(())
    }
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
