//! The measurement engine: timed TCP connects to each region's endpoint.
//!
//! A round resolves the target's host once, then opens K TCP connections to
//! the address it got, `spacing` apart (start to start), and times each
//! connect alone. A connect returns when the SYN-ACK arrives, so its duration
//! is one network round trip plus the kernel's handling on both ends; the
//! DNS lookup is timed apart and never inflates an RTT. Each connection is
//! closed as soon as it is open: nothing is sent over it.
//!
//! Failures are data, not errors: a round always comes back with its K
//! connects accounted for, as RTTs or as [`FailureKind`] counts, so that a
//! region that is down shows up as loss rather than as a missing row.
//!
//! [`run`] measures many targets at once. Rounds run concurrently (bounded by
//! [`Config::concurrency`]), so a round over every region costs about
//! K × spacing plus the slowest RTT, not the sum over targets.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures::StreamExt;
use shared::catalog::Region;
use shared::round::{FailureCounts, FailureKind, Round};
use tokio::net::TcpSocket;

/// How a round measures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Connects per round (K).
    pub connects: u16,
    /// Time between the starts of two consecutive connects of a round.
    pub spacing: Duration,
    /// How long one connect may take before it counts as a timeout.
    pub timeout: Duration,
    /// The kernel's initial SYN retransmission timeout (1 s on Linux). A
    /// handshake that took this long or longer had its SYN (or SYN-ACK) lost
    /// and resent, so its duration is not a round trip: it counts as a
    /// `timeout` (a lost packet), never as an RTT. Real inter-region RTTs stay
    /// far below it (the longest are about 0.4 s).
    pub retransmit_after: Duration,
    /// How long name resolution may take before the round counts as `dns`.
    pub dns_timeout: Duration,
    /// Rounds measured at the same time by [`run`].
    pub concurrency: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            connects: 10,
            spacing: Duration::from_millis(100),
            timeout: Duration::from_secs(2),
            retransmit_after: Duration::from_secs(1),
            dns_timeout: Duration::from_secs(2),
            concurrency: 64,
        }
    }
}

/// Where a round connects: a region code and the endpoint that stands for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The region code the round is recorded under.
    pub code: String,
    /// The host name (or IP literal) to resolve and connect to.
    pub host: String,
    /// The TCP port.
    pub port: u16,
}

impl Target {
    /// The port of the public DynamoDB endpoints (HTTPS).
    pub const DEFAULT_PORT: u16 = 443;

    /// The region's public DynamoDB endpoint, port 443.
    pub fn for_region(region: &Region) -> Target {
        Target {
            code: region.code.to_string(),
            host: region.endpoint_host(),
            port: Self::DEFAULT_PORT,
        }
    }
}

/// Measures one round: resolves `target` once, then makes `cfg.connects`
/// timed connects to the address found.
///
/// Never fails: a name that does not resolve (or not within
/// `cfg.dns_timeout`) gives a round whose every connect counts as `dns`.
pub async fn round(source: &str, target: &Target, scheduled_at: i64, cfg: &Config) -> Round {
    let mut out = Round {
        source: source.to_string(),
        target: target.code.clone(),
        scheduled_at,
        dns_us: None,
        ip: None,
        rtts_us: Vec::with_capacity(usize::from(cfg.connects)),
        failures: FailureCounts::default(),
    };
    let Some((addr, dns)) = resolve(&target.host, target.port, cfg.dns_timeout).await else {
        for _ in 0..cfg.connects {
            out.failures.add(FailureKind::Dns);
        }
        return out;
    };
    out.dns_us = Some(micros(dns));
    out.ip = Some(addr.ip().to_string());

    // Every connect starts at its own slot, whether or not the previous one
    // has finished: one slow or lost connect must not push the others back,
    // or a lossy target would take K × timeout instead of K × spacing.
    let start = tokio::time::Instant::now();
    let attempts = (0..cfg.connects).map(|i| async move {
        tokio::time::sleep_until(start + cfg.spacing * u32::from(i)).await;
        connect_once(addr, cfg.timeout)
            .await
            .and_then(|rtt| accept(rtt, cfg))
    });
    for result in futures::future::join_all(attempts).await {
        match result {
            Ok(rtt) => out.rtts_us.push(micros(rtt)),
            Err(kind) => out.failures.add(kind),
        }
    }
    out.normalize();
    out
}

/// Measures every target from `source` for the round scheduled at
/// `scheduled_at`, concurrently, and returns the rounds in the order of
/// `targets`.
pub async fn run(source: &str, targets: &[Target], scheduled_at: i64, cfg: &Config) -> Vec<Round> {
    let width = cfg.concurrency.max(1);
    let lanes = targets.len().clamp(1, width);
    futures::stream::iter(targets.iter().enumerate())
        .map(|(i, target)| async move {
            // Spread the first connects of the targets over one spacing, so
            // that their handshakes are not all in flight in the same instant
            // (a burst that a firewall or NIC queue would serialize, and that
            // would make the timestamps of the last ones wait on the first).
            let offset = cfg.spacing * (i % lanes) as u32 / lanes as u32;
            tokio::time::sleep(offset).await;
            round(source, target, scheduled_at, cfg).await
        })
        // `buffered` keeps the input order and at most `width` rounds in flight.
        .buffered(width)
        .collect()
        .await
}

/// Resolves `host` and picks the first address, timing the lookup.
/// `None` when the lookup fails, times out or finds no address.
async fn resolve(host: &str, port: u16, timeout: Duration) -> Option<(SocketAddr, Duration)> {
    first_address(tokio::net::lookup_host((host, port)), timeout).await
}

/// Awaits `lookup` for at most `timeout` and times it; `None` when it fails,
/// times out or finds no address. Apart from [`resolve`] so that a lookup
/// that never answers can be tested without a misbehaving DNS server.
async fn first_address<I: Iterator<Item = SocketAddr>>(
    lookup: impl Future<Output = io::Result<I>>,
    timeout: Duration,
) -> Option<(SocketAddr, Duration)> {
    let started = Instant::now();
    let mut addrs = tokio::time::timeout(timeout, lookup).await.ok()?.ok()?;
    let addr = addrs.next()?;
    Some((addr, started.elapsed()))
}

/// One timed connect. The socket is made before the clock starts, so only
/// the handshake is timed, and closed at once (dropped) when it opens.
async fn connect_once(addr: SocketAddr, timeout: Duration) -> Result<Duration, FailureKind> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4(),
        SocketAddr::V6(_) => TcpSocket::new_v6(),
    }
    .map_err(|e| classify(&e))?;
    let started = Instant::now();
    match tokio::time::timeout(timeout, socket.connect(addr)).await {
        Ok(Ok(stream)) => {
            let rtt = started.elapsed();
            drop(stream);
            Ok(rtt)
        }
        Ok(Err(e)) => Err(classify(&e)),
        Err(_elapsed) => Err(FailureKind::Timeout),
    }
}

/// Keeps an RTT only if no retransmission can have happened inside it.
pub fn accept(rtt: Duration, cfg: &Config) -> Result<Duration, FailureKind> {
    if rtt >= cfg.retransmit_after {
        Err(FailureKind::Timeout)
    } else {
        Ok(rtt)
    }
}

/// The failure kind of a connect error.
pub fn classify(e: &io::Error) -> FailureKind {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => FailureKind::Refused,
        io::ErrorKind::NetworkUnreachable | io::ErrorKind::HostUnreachable => {
            FailureKind::Unreachable
        }
        // The kernel itself gave up (e.g. after SYN retransmissions), which
        // for a prober is the same as our own timeout.
        io::ErrorKind::TimedOut => FailureKind::Timeout,
        _ => FailureKind::Other,
    }
}

/// Microseconds, saturating: an RTT over 71 minutes is not a case to handle.
fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name the resolver rejects locally (empty label), so the test sends
    /// no query to any DNS server.
    const UNRESOLVABLE: &str = "no-such-host..invalid";

    fn target(host: &str, port: u16) -> Target {
        Target {
            code: "test-1".into(),
            host: host.into(),
            port,
        }
    }

    fn quick(connects: u16) -> Config {
        Config {
            connects,
            spacing: Duration::from_millis(20),
            timeout: Duration::from_secs(1),
            ..Config::default()
        }
    }

    /// A port on loopback where nothing listens.
    fn closed_port() -> u16 {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    }

    #[test]
    fn a_handshake_slower_than_the_syn_retransmission_is_a_timeout() {
        let c = Config::default();
        assert_eq!(
            accept(Duration::from_millis(450), &c),
            Ok(Duration::from_millis(450))
        );
        assert_eq!(
            accept(Duration::from_millis(1_012), &c),
            Err(FailureKind::Timeout)
        );
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = Config::default();
        assert_eq!(c.connects, 10);
        assert_eq!(c.spacing, Duration::from_millis(100));
        assert_eq!(c.timeout, Duration::from_secs(2));
        assert_eq!(c.dns_timeout, Duration::from_secs(2));
        assert_eq!(c.concurrency, 64);
    }

    #[test]
    fn target_for_region_is_the_dynamodb_endpoint() {
        let t = Target::for_region(shared::catalog::region("eu-west-1").unwrap());
        assert_eq!(t.code, "eu-west-1");
        assert_eq!(t.host, "dynamodb.eu-west-1.amazonaws.com");
        assert_eq!(t.port, 443);
        let t = Target::for_region(shared::catalog::region("cn-north-1").unwrap());
        assert_eq!(t.host, "dynamodb.cn-north-1.amazonaws.com.cn");
    }

    #[test]
    fn errors_are_classified() {
        let kind = |k| classify(&io::Error::from(k));
        assert_eq!(kind(io::ErrorKind::ConnectionRefused), FailureKind::Refused);
        assert_eq!(
            kind(io::ErrorKind::NetworkUnreachable),
            FailureKind::Unreachable
        );
        assert_eq!(
            kind(io::ErrorKind::HostUnreachable),
            FailureKind::Unreachable
        );
        assert_eq!(kind(io::ErrorKind::TimedOut), FailureKind::Timeout);
        assert_eq!(kind(io::ErrorKind::PermissionDenied), FailureKind::Other);
    }

    #[tokio::test]
    async fn listener_on_loopback_gives_k_sorted_rtts() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let r = round("here", &target("localhost", port), 1_700_000_100, &quick(5)).await;
        assert_eq!(r.source, "here");
        assert_eq!(r.target, "test-1");
        assert_eq!(r.scheduled_at, 1_700_000_100);
        assert_eq!(r.rtts_us.len(), 5, "{r:?}");
        assert_eq!(r.lost(), 0, "{r:?}");
        assert!(r.rtts_us.windows(2).all(|w| w[0] <= w[1]), "sorted: {r:?}");
        // Loopback handshakes take microseconds, never a second.
        assert!(r.rtts_us.iter().all(|&us| us < 1_000_000), "{r:?}");
        assert_eq!(r.ip.as_deref(), Some("127.0.0.1"));
        assert!(r.dns_us.is_some(), "a resolved name has its lookup time");
    }

    #[tokio::test]
    async fn connects_are_spaced_start_to_start() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let cfg = Config {
            spacing: Duration::from_millis(50),
            ..quick(5)
        };
        let started = Instant::now();
        let r = round("here", &target("127.0.0.1", port), 0, &cfg).await;
        let took = started.elapsed();
        assert_eq!(r.rtts_us.len(), 5);
        assert!(
            took >= Duration::from_millis(200),
            "4 spacings must pass: {took:?}"
        );
        assert!(took < Duration::from_millis(600), "{took:?}");
    }

    #[tokio::test]
    async fn closed_port_is_refused() {
        let r = round("here", &target("127.0.0.1", closed_port()), 0, &quick(4)).await;
        assert_eq!(r.failures.refused, 4, "{r:?}");
        assert_eq!(r.lost(), 4);
        assert!(r.rtts_us.is_empty());
        assert_eq!(r.ip.as_deref(), Some("127.0.0.1"));
    }

    #[tokio::test]
    async fn unanswered_syns_are_timeouts_and_overlap() {
        // A listener whose accept queue is full drops further SYNs, as a
        // lossy path would: the connects behind it time out.
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(0).unwrap();
        let port = listener.local_addr().unwrap().port();
        let cfg = Config {
            connects: 6,
            spacing: Duration::from_millis(10),
            timeout: Duration::from_millis(300),
            ..Config::default()
        };
        let started = Instant::now();
        let r = round("here", &target("127.0.0.1", port), 0, &cfg).await;
        let took = started.elapsed();
        assert_eq!(r.attempts(), 6, "{r:?}");
        assert!(r.failures.timeout >= 4, "{r:?}");
        assert_eq!(r.failures.timeout as usize + r.rtts_us.len(), 6, "{r:?}");
        // Timed-out connects overlap: 5 spacings + one timeout, not 6 timeouts.
        assert!(took < Duration::from_millis(900), "{took:?}");
        drop(listener);
    }

    #[tokio::test]
    async fn unresolvable_name_counts_every_connect_as_dns() {
        let r = round("here", &target(UNRESOLVABLE, 443), 0, &quick(10)).await;
        assert_eq!(r.failures.dns, 10, "{r:?}");
        assert_eq!(r.lost(), 10);
        assert_eq!(r.attempts(), 10);
        assert_eq!(r.dns_us, None);
        assert_eq!(r.ip, None);
    }

    #[tokio::test]
    async fn a_lookup_that_never_answers_times_out() {
        let never = std::future::pending::<io::Result<std::vec::IntoIter<SocketAddr>>>();
        let started = Instant::now();
        assert_eq!(first_address(never, Duration::from_millis(50)).await, None);
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(50) && took < Duration::from_millis(500),
            "{took:?}"
        );
    }

    #[tokio::test]
    async fn a_lookup_takes_its_first_address_or_fails() {
        let a: SocketAddr = "192.0.2.1:443".parse().unwrap();
        let b: SocketAddr = "192.0.2.2:443".parse().unwrap();
        let found = async { Ok(vec![a, b].into_iter()) };
        let (addr, _) = first_address(found, Duration::from_secs(1)).await.unwrap();
        assert_eq!(addr, a);
        let empty = async { Ok(Vec::<SocketAddr>::new().into_iter()) };
        assert_eq!(first_address(empty, Duration::from_secs(1)).await, None);
        let failed = async { Err::<std::vec::IntoIter<SocketAddr>, _>(io::Error::other("no")) };
        assert_eq!(first_address(failed, Duration::from_secs(1)).await, None);
    }

    #[tokio::test]
    async fn run_keeps_input_order_and_overlaps_targets() {
        let listeners: Vec<_> = (0..35)
            .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
            .collect();
        let mut targets: Vec<Target> = listeners
            .iter()
            .enumerate()
            .map(|(i, l)| Target {
                code: format!("t-{i}"),
                host: "127.0.0.1".into(),
                port: l.local_addr().unwrap().port(),
            })
            .collect();
        targets.insert(7, target("127.0.0.1", closed_port()));
        let cfg = Config {
            spacing: Duration::from_millis(40),
            ..quick(5)
        };
        let started = Instant::now();
        let rounds = run("here", &targets, 42, &cfg).await;
        let took = started.elapsed();
        let codes: Vec<&str> = rounds.iter().map(|r| r.target.as_str()).collect();
        let want: Vec<&str> = targets.iter().map(|t| t.code.as_str()).collect();
        assert_eq!(codes, want, "results come back in input order");
        assert_eq!(rounds[7].failures.refused, 5);
        for r in rounds.iter().filter(|r| r.target != "test-1") {
            assert_eq!(r.rtts_us.len(), 5, "{r:?}");
        }
        // One round alone takes 4 × 40 ms; 36 one after the other ~5.8 s.
        assert!(
            took < Duration::from_millis(1500),
            "targets must be measured concurrently, took {took:?}"
        );
    }

    #[tokio::test]
    async fn concurrency_bound_is_respected() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let targets = vec![target("127.0.0.1", port); 4];
        let cfg = Config {
            concurrency: 1,
            spacing: Duration::from_millis(50),
            ..quick(3)
        };
        let started = Instant::now();
        let rounds = run("here", &targets, 0, &cfg).await;
        let took = started.elapsed();
        assert!(rounds.iter().all(|r| r.rtts_us.len() == 3));
        // With one round at a time, 4 rounds of 2 spacings each follow each other.
        assert!(
            took >= Duration::from_millis(400),
            "rounds ran one at a time: {took:?}"
        );
    }
}
