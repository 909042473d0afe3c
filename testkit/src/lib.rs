//! Test support shared by the crates' integration tests.
//!
//! [`Moto`] starts moto's server (PyPI `moto[server]`, installed by
//! `scripts/setup.sh`) on a free loopback port and stops it when dropped, so
//! the AWS adapters are tested with the real aws-sdk crates against a real
//! DynamoDB/S3 API implementation, not a hand-written fake.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server, stopped on drop.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The port.
    pub port: u16,
}

fn moto_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("MOTO_SERVER") {
        return p.into();
    }
    let cache = std::env::var_os("CLOUDPING_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/cloudping")));
    if let Some(p) = cache
        .map(|c| c.join("venv/bin/moto_server"))
        .filter(|p| p.exists())
    {
        return p;
    }
    PathBuf::from("moto_server")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn answers(port: u16) -> bool {
    let Ok(mut s) =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200))
    else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 12];
    s.read(&mut buf)
        .map(|n| buf[..n].starts_with(b"HTTP/"))
        .unwrap_or(false)
}

impl Moto {
    /// Starts a fresh server; panics with what to do if moto is not installed.
    pub fn start() -> Moto {
        let bin = moto_binary();
        let port = free_port();
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} ({e}); run scripts/setup.sh to install moto[server]",
                    bin.display()
                )
            });
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !answers(port) {
            assert!(
                Instant::now() < deadline,
                "moto server did not answer on port {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        moto
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The counting, fault-injecting proxy (`tests/cycle/proxy.py`) in front of
/// a moto server, stopped on drop. Faults are set with [`FaultProxy::faults`].
#[derive(Debug)]
pub struct FaultProxy {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    dir: PathBuf,
}

impl FaultProxy {
    /// Starts the proxy in front of `moto`.
    pub fn start(moto: &Moto) -> FaultProxy {
        let python = moto_binary().with_file_name("python");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/cycle/proxy.py");
        let dir = std::env::temp_dir().join(format!(
            "cloudping-proxy-{}-{}",
            std::process::id(),
            moto.port
        ));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        let port_file = dir.join("port");
        let _ = std::fs::remove_file(&port_file);
        // Its errors go to a file, to be shown if it does not start.
        let log = dir.join("stderr.log");
        let stderr = std::fs::File::create(&log).expect("a log file for the proxy");
        let mut child = Command::new(&python)
            .arg(&script)
            .args(["--upstream", &moto.endpoint, "--port", "0", "--port-file"])
            .arg(&port_file)
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} ({e}); run scripts/setup.sh",
                    python.display()
                )
            });
        // Generous: on a loaded 2-core machine, Python starting beside
        // several moto servers can take a while.
        let deadline = Instant::now() + Duration::from_secs(60);
        let port = loop {
            if let Some(p) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|s| s.trim().parse::<u16>().ok())
            {
                break p;
            }
            let exited = child.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() >= deadline {
                let _ = child.kill();
                let said = std::fs::read_to_string(&log).unwrap_or_default();
                panic!(
                    "the proxy ({}) {}; it said:\n{said}",
                    script.display(),
                    match exited {
                        Some(status) => format!("exited at start ({status})"),
                        None => "did not start within 60 s".into(),
                    }
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        FaultProxy {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            dir,
        }
    }

    fn control(&self, method: &str, path: &str, body: &str) -> String {
        proxy_control(&self.endpoint, method, path, body)
    }

    /// Replaces the fault plan: a JSON list of rules (see `tests/cycle/proxy.py`).
    pub fn faults(&self, rules: &str) {
        let answer = self.control("POST", "faults", rules);
        assert!(
            !answer.contains("error"),
            "the proxy refused the rules: {answer}"
        );
    }

    /// Faults injected since the plan was last set, and the rules not used up.
    pub fn injected(&self) -> (usize, usize) {
        let v = self.control("GET", "faults", "");
        // `{"plan": [...], "log": [...]}`: count the rules in each part.
        let (plan, log) = v.split_once("\"log\"").unwrap_or((&v, ""));
        (
            log.matches("\"kind\"").count(),
            plan.matches("\"kind\"").count(),
        )
    }
}

/// A request to the control API of the proxy at `endpoint` (under
/// `/__proxy/`, see `tests/cycle/proxy.py`); the answer's body.
pub fn proxy_control(endpoint: &str, method: &str, path: &str, body: &str) -> String {
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut s = TcpStream::connect(host).expect("the proxy answers");
    write!(
        s,
        "{method} /__proxy/{path} HTTP/1.0\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("write to the proxy");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read from the proxy");
    out.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
