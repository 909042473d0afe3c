//! The probe on an emulated WAN line (see `tests/wan/line.rs`): its RTTs
//! agree with an independent tool, and losses, resets and name failures are
//! reported as the right kind.
//!
//! These tests need root, /dev/net/tun, iproute2, python3 and curl, as CI has.
//! Without them they fail and say so: a skipped accuracy proof is no proof.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use probe::measure::{self, Config, Target};

#[path = "../wan/line.rs"]
mod line;

use line::{Line, Spec, median};

/// The timing tests run one at a time: two Python forwarders and a burst of
/// curl processes sharing two cores would measure the machine, not the probe.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(f)
}

fn target(line: &Line, port: u16) -> Target {
    Target {
        code: "wan-1".into(),
        host: line.server.to_string(),
        port,
    }
}

/// The probe's median against curl's on a clean line of `delay_ms` each
/// way, both measured in alternation (see [`line::probe_vs_curl`]).
fn probe_agrees_with_curl(delay_ms: f64) {
    let _serial = serial();
    let line = Line::up(&Spec::delay(delay_ms));
    // Rounds of 4 at the default spacing: at 100 ms one-way two connects of
    // a round are in flight at once, as in production.
    let cfg = Config {
        connects: 4,
        ..Config::default()
    };
    let c = line::probe_vs_curl(&line, line.port(), &cfg, 3);
    let (probe, curl) = (median(&c.probe_ms), median(&c.curl_ms));
    eprintln!(
        "one-way {delay_ms} ms: probe p50 {probe:.3} ms ({} connects), curl p50 {curl:.3} ms ({} runs), error {:+.3} ms",
        c.probe_ms.len(),
        c.curl_ms.len(),
        c.error_ms()
    );
    assert_eq!(c.probe_ms.len(), 12);
    let rtt = 2.0 * delay_ms;
    assert!(
        probe >= rtt && probe < rtt + 5.0,
        "the probe must see the line's {rtt} ms RTT, saw {probe:.3} ms"
    );
    assert!(
        curl >= rtt && curl < rtt + 5.0,
        "curl must see the line's {rtt} ms RTT, saw {curl:.3} ms"
    );
    assert!(
        c.error_ms().abs() <= 1.0,
        "probe median {probe:.3} ms and curl median {curl:.3} ms differ by more than 1 ms: {c:?}"
    );
}

#[test]
fn median_matches_curl_at_25ms_one_way() {
    probe_agrees_with_curl(25.0);
}

#[test]
fn median_matches_curl_at_100ms_one_way() {
    probe_agrees_with_curl(100.0);
}

#[test]
fn lost_syns_are_timeouts_and_every_connect_is_counted() {
    let _serial = serial();
    let line = Line::up(&Spec {
        loss_to_server: 0.3,
        ..Spec::delay(10.0)
    });
    // The default 2 s timeout lets the kernel resend a lost SYN after 1 s;
    // such a connect must count as a timeout, never as a 1 s "RTT".
    let cfg = Config {
        connects: 20,
        spacing: Duration::from_millis(50),
        ..Config::default()
    };
    let started = Instant::now();
    let round = block_on(measure::round("test", &target(&line, line.port()), 0, &cfg));
    let took = started.elapsed();
    let f = round.failures;
    eprintln!(
        "30 % SYN loss: {} ok, {} timeouts in {took:?}",
        round.rtts_us.len(),
        f.timeout
    );
    assert_eq!(round.attempts(), 20, "every connect is counted: {round:?}");
    assert!(
        f.timeout >= 1,
        "30 % loss over 20 SYNs loses some: {round:?}"
    );
    assert!(round.rtts_us.len() >= 5, "most SYNs get through: {round:?}");
    assert_eq!(
        (f.dns, f.refused, f.unreachable, f.other),
        (0, 0, 0, 0),
        "losses are timeouts, nothing else: {round:?}"
    );
    assert!(
        round
            .rtts_us
            .iter()
            .all(|&us| (20_000..400_000).contains(&us)),
        "RTTs are of the line, none includes a retransmission: {round:?}"
    );
    // Lost connects overlap the next ones instead of queueing them:
    // 19 spacings + one timeout, not 20 timeouts.
    assert!(
        took < Duration::from_millis(19 * 50 + 2000 + 600),
        "a lossy round must not take K × timeout: {took:?}"
    );
}

#[test]
fn resets_and_name_failures_are_classified_across_the_line() {
    let _serial = serial();
    let line = Line::up(&Spec::delay(5.0));
    let targets = [
        target(&line, line.port()),
        Target {
            code: "closed-1".into(),
            ..target(&line, 9)
        },
        Target {
            code: "nodns-1".into(),
            // An empty label: the resolver rejects it without sending a query.
            host: "no-such-host..invalid".into(),
            port: 443,
        },
    ];
    let cfg = Config {
        connects: 5,
        spacing: Duration::from_millis(20),
        ..Config::default()
    };
    let rounds = block_on(measure::run("test", &targets, 1_700_000_000, &cfg));
    let codes: Vec<&str> = rounds.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(codes, ["wan-1", "closed-1", "nodns-1"]);
    assert!(rounds.iter().all(|r| r.scheduled_at == 1_700_000_000));

    assert_eq!(rounds[0].rtts_us.len(), 5, "{:?}", rounds[0]);
    assert!(
        rounds[0].rtts_us.iter().all(|&us| us >= 10_000),
        "{:?}",
        rounds[0]
    );

    assert_eq!(rounds[1].failures.refused, 5, "{:?}", rounds[1]);
    assert!(rounds[1].rtts_us.is_empty());
    assert_eq!(
        rounds[1].ip.as_deref(),
        Some(line.server.to_string().as_str())
    );

    assert_eq!(rounds[2].failures.dns, 5, "{:?}", rounds[2]);
    assert_eq!(rounds[2].lost(), 5);
    assert_eq!((rounds[2].dns_us, rounds[2].ip.as_deref()), (None, None));
}
