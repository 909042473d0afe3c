//! An emulated WAN line on this machine, for the probe's accuracy tests and
//! its benchmark.
//!
//! Layout (all of it made by [`Line::up`], all of it removed on drop):
//!
//! ```text
//!  this namespace                                   namespace cpwan<N>
//!  10.200.N.1 ── TUN cpwa<N> ══ forwarder.py ══ TUN cpwb<N> ── 10.200.N.2
//!  (probe, curl)               delay, jitter, loss          listener.py :ports
//! ```
//!
//! `tc netem` is not available on every kernel, so `forwarder.py` plays the
//! line in user space. It adds a small, steady overhead (a few tenths of a
//! millisecond) to every packet, the same for the probe and for the
//! independent tool it is compared with.
//!
//! Every line claims its own namespace and /24 (`N` in 1..=250), so tests
//! may run side by side; a namespace that already exists is skipped, which
//! also steps over the leftovers of a run that was killed before its drops.

use std::io::{BufRead, BufReader, Read};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// What the line does to packets.
#[derive(Debug, Clone)]
pub struct Spec {
    /// One-way delay in each direction, ms.
    pub delay_ms: f64,
    /// Extra one-way delay drawn uniformly in `[0, jitter_ms)`, ms.
    pub jitter_ms: f64,
    /// Fraction of packets towards the server that are dropped (SYNs among them).
    pub loss_to_server: f64,
    /// Fraction of packets towards the client that are dropped (SYN-ACKs among them).
    pub loss_to_client: f64,
    /// TCP ports the server listens on.
    pub ports: Vec<u16>,
}

impl Spec {
    /// A clean line with `delay_ms` each way and one listening port, 8080.
    pub fn delay(delay_ms: f64) -> Spec {
        Spec {
            delay_ms,
            jitter_ms: 0.0,
            loss_to_server: 0.0,
            loss_to_client: 0.0,
            ports: vec![8080],
        }
    }
}

/// A running line. Dropping it stops the forwarder and the listener and
/// deletes the namespace (and with it the devices and addresses).
#[derive(Debug)]
pub struct Line {
    /// The server's address, reachable from this namespace through the line.
    pub server: Ipv4Addr,
    /// The ports the server listens on.
    pub ports: Vec<u16>,
    ns: String,
    forwarder: Option<Child>,
    listener: Option<Child>,
}

const HOW_TO_RUN: &str = "the WAN tests emulate a line with TUN devices and a network \
namespace: run them as root on Linux with /dev/net/tun, iproute2 (`ip netns`), python3 \
and curl (scripts/setup.sh installs iproute2 and curl; CI runs as root)";

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wan")
}

/// Runs `ip ARGS`, panicking with its stderr on failure.
fn ip(args: &[&str]) {
    let out = Command::new("ip")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `ip` ({e}); {HOW_TO_RUN}"));
    assert!(
        out.status.success(),
        "`ip {}` failed: {}; {HOW_TO_RUN}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

/// Spawns a helper script (through `cmd`), and waits for its `ready` line.
/// Its standard input stays open as long as the `Child` lives: the scripts
/// exit when it closes, so they never outlive this process.
fn spawn_ready(mut cmd: Command, what: &str) -> Child {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the {what} ({e}); {HOW_TO_RUN}"));
    let mut first = String::new();
    let stdout = child.stdout.as_mut().expect("stdout is piped");
    let _ = BufReader::new(stdout).read_line(&mut first);
    if first.trim() != "ready" {
        let _ = child.kill();
        let _ = child.wait();
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        panic!("the {what} did not start: {}; {HOW_TO_RUN}", err.trim());
    }
    child
}

/// Claims a free namespace `cpwan<N>`: `ip netns add` fails when the name is
/// taken, which makes it a lock between concurrent tests and processes.
fn claim_namespace() -> (u8, String) {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    assert!(
        Path::new("/dev/net/tun").exists(),
        "/dev/net/tun is missing; {HOW_TO_RUN}"
    );
    let start = std::process::id().wrapping_mul(7) + NEXT.fetch_add(1, Ordering::Relaxed) * 31;
    let mut last_err = String::new();
    for k in 0..250u32 {
        let n = ((start + k) % 250 + 1) as u8;
        let ns = format!("cpwan{n}");
        if Path::new("/var/run/netns").join(&ns).exists() {
            continue;
        }
        let out = Command::new("ip")
            .args(["netns", "add", &ns])
            .output()
            .unwrap_or_else(|e| panic!("cannot run `ip` ({e}); {HOW_TO_RUN}"));
        if out.status.success() {
            return (n, ns);
        }
        last_err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        if !last_err.contains("exists") {
            break;
        }
    }
    panic!("cannot create a network namespace: {last_err}; {HOW_TO_RUN}");
}

impl Line {
    /// Sets the line up and starts the server; panics with what to do if
    /// this machine cannot.
    pub fn up(spec: &Spec) -> Line {
        let (n, ns) = claim_namespace();
        // From here on a panic drops `line`, which removes what exists so far.
        let mut line = Line {
            server: Ipv4Addr::new(10, 200, n, 2),
            ports: spec.ports.clone(),
            ns,
            forwarder: None,
            listener: None,
        };
        let (tun_a, tun_b) = (format!("cpwa{n}"), format!("cpwb{n}"));
        let (near, far) = (format!("10.200.{n}.1"), format!("10.200.{n}.2"));

        let mut fwd = Command::new("python3");
        fwd.arg(scripts().join("forwarder.py")).args([
            "--tun-a",
            &tun_a,
            "--tun-b",
            &tun_b,
            "--netns",
            &line.ns,
            "--delay-ms",
            &spec.delay_ms.to_string(),
            "--jitter-ms",
            &spec.jitter_ms.to_string(),
            "--loss-a-to-b",
            &spec.loss_to_server.to_string(),
            "--loss-b-to-a",
            &spec.loss_to_client.to_string(),
            "--seed",
            &n.to_string(),
        ]);
        line.forwarder = Some(spawn_ready(fwd, "forwarder (tests/wan/forwarder.py)"));

        ip(&[
            "addr",
            "add",
            &near,
            "peer",
            &format!("{far}/32"),
            "dev",
            &tun_a,
        ]);
        ip(&["link", "set", &tun_a, "up"]);
        let ns = line.ns.clone();
        ip(&["-n", &ns, "link", "set", "lo", "up"]);
        ip(&[
            "-n",
            &ns,
            "addr",
            "add",
            &far,
            "peer",
            &format!("{near}/32"),
            "dev",
            &tun_b,
        ]);
        ip(&["-n", &ns, "link", "set", &tun_b, "up"]);

        let mut lst = Command::new("ip");
        lst.args(["netns", "exec", &ns, "python3"])
            .arg(scripts().join("listener.py"))
            .args(spec.ports.iter().map(u16::to_string));
        line.listener = Some(spawn_ready(lst, "listener (tests/wan/listener.py)"));
        line
    }

    /// The first listening port.
    pub fn port(&self) -> u16 {
        self.ports[0]
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        for child in [self.listener.take(), self.forwarder.take()]
            .into_iter()
            .flatten()
        {
            let mut child = child;
            let _ = child.kill();
            let _ = child.wait();
        }
        // The forwarder owned both TUN devices, so they (and their addresses
        // and routes) are gone with it; the namespace is all that is left.
        match Command::new("ip").args(["netns", "del", &self.ns]).output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => eprintln!(
                "warning: could not delete network namespace {}: {}",
                self.ns,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(e) => eprintln!(
                "warning: could not delete network namespace {}: {e}",
                self.ns
            ),
        }
    }
}

/// TCP connect time as measured by curl (`%{time_connect}`), ms: an
/// independent measurement of the same handshake.
pub fn curl_connect_ms(server: Ipv4Addr, port: u16) -> f64 {
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-m", "5", "-w", "%{time_connect}"])
        .arg(format!("http://{server}:{port}/"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run curl ({e}); {HOW_TO_RUN}"));
    let text = String::from_utf8_lossy(&out.stdout);
    let secs: f64 = text
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("curl printed {text:?} for the connect time"));
    assert!(
        secs > 0.0,
        "curl could not connect to {server}:{port} (exit {:?})",
        out.status.code()
    );
    secs * 1000.0
}

/// RTT samples of the probe and of curl, in ms, taken on the same line.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Every connect of the probe's rounds.
    pub probe_ms: Vec<f64>,
    /// One connect per curl run.
    pub curl_ms: Vec<f64>,
}

impl Comparison {
    /// The probe's median minus curl's, ms.
    pub fn error_ms(&self) -> f64 {
        median(&self.probe_ms) - median(&self.curl_ms)
    }
}

/// Measures `port` behind `line` with the probe and with curl, in `blocks`
/// alternations of one probe round of `connects` and as many curl runs.
///
/// Alternating puts both tools under the same conditions: on a shared
/// machine a burst of load lasting seconds would otherwise fall on one tool
/// only and show up as a difference between them.
pub fn probe_vs_curl(
    line: &Line,
    port: u16,
    cfg: &probe::measure::Config,
    blocks: usize,
) -> Comparison {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let target = probe::measure::Target {
        code: "wan-1".into(),
        host: line.server.to_string(),
        port,
    };
    // The first packets through a fresh line are slower (Python warming up,
    // first route lookups): one handshake is discarded.
    curl_connect_ms(line.server, port);
    let mut c = Comparison {
        probe_ms: Vec::new(),
        curl_ms: Vec::new(),
    };
    for _ in 0..blocks {
        let round = rt.block_on(probe::measure::round("test", &target, 0, cfg));
        assert_eq!(round.lost(), 0, "a clean line loses no connect: {round:?}");
        c.probe_ms
            .extend(round.rtts_us.iter().map(|&us| f64::from(us) / 1000.0));
        for _ in 0..cfg.connects {
            c.curl_ms.push(curl_connect_ms(line.server, port));
        }
    }
    c
}

/// The median of `xs` (mean of the middle two for an even count).
pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    assert!(n > 0, "median of nothing");
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}
