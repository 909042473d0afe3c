//! End-to-end tests of the `cloudping` binary on the embedded default.

use std::path::Path;
use std::process::{Command, Output};

use shared::feed::v2::{Manifest, Matrix};

fn cloudping(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cloudping"))
        .args(["--db", dir.join("db.sqlite").to_str().unwrap()])
        .args(["--bucket", dir.join("site").to_str().unwrap()])
        .args(args)
        .output()
        .expect("cloudping runs")
}

fn ok(out: Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "cloudping failed: {stderr}");
    stderr
}

fn read<T: serde::de::DeserializeOwned>(dir: &Path, rel: &str) -> T {
    let path = dir.join("site/data/v2").join(rel);
    serde_json::from_slice(
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

#[test]
fn simulate_rollup_publish_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sim = [
        "simulate",
        "--days",
        "8",
        "--end",
        "2026-11-20T00:00:00Z",
        "--regions",
        "us-east-1,eu-west-1,ap-southeast-6",
    ];
    let log = ok(cloudping(d, &sim));
    assert!(log.contains("day 8/8"), "progress is shown: {log}");
    assert!(
        log.contains(&format!("{} new rounds", 8 * 288 * 9)),
        "{log}"
    );
    // Simulating the same span again stores nothing twice.
    let log = ok(cloudping(d, &sim));
    assert!(log.contains("0 new rounds"), "{log}");

    ok(cloudping(d, &["rollup"]));
    ok(cloudping(d, &["publish"]));

    // Any custom range, from the sketches.
    let out = cloudping(
        d,
        &[
            "stats",
            "--from",
            "2026-11-15",
            "--to",
            "2026-11-17",
            "--pairs",
            "us-east-1:eu-west-1",
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["start"], "2026-11-15T00:00:00Z");
    assert_eq!(
        line["samples"].as_u64().unwrap() + line["lost"].as_u64().unwrap(),
        2 * 288 * 10
    );
    let out = cloudping(d, &["stats", "--from", "2020-01-01", "--to", "2020-01-02"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no data between"));

    let manifest: Manifest = read(d, "manifest.json");
    manifest.validate().unwrap();
    assert!(
        manifest.simulated,
        "a feed built from simulated rounds says so"
    );
    assert_eq!(manifest.data_end.as_deref(), Some("2026-11-19T23:55:00Z"));
    let codes: Vec<&str> = manifest.regions.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(
        codes,
        ["us-east-1", "eu-west-1", "ap-southeast-6"],
        "geographic order"
    );
    let ids: Vec<&str> = manifest.windows.iter().map(|w| w.id.as_str()).collect();
    assert_eq!(ids, ["1d", "7d", "30d", "365d"]);

    for w in &manifest.windows {
        let m: Matrix = read(d, &w.matrix);
        m.validate().unwrap();
        assert_eq!(m.sources, codes);
        assert_eq!(m.end, "2026-11-20T00:00:00Z");
        let (i, j) = m.index("us-east-1", "eu-west-1").unwrap();
        let attempts = m.samples[i][j] + m.lost[i][j];
        let days = match w.id.as_str() {
            "1d" => 1,
            "7d" => 7,
            _ => 8,
        };
        assert_eq!(attempts, days * 288 * 10, "{}: every connect counted", w.id);
        // The reference p50 for this pair is about 70 ms.
        let p50 = m.get("p50", "us-east-1", "eu-west-1").unwrap();
        assert!((60.0..80.0).contains(&p50), "{}: p50 {p50}", w.id);
        let p10 = m.get("p10", "us-east-1", "eu-west-1").unwrap();
        let p99 = m.get("p99", "us-east-1", "eu-west-1").unwrap();
        assert!(p10 <= p50 && p50 <= p99, "percentiles are ordered");
    }
}

#[test]
fn clear_errors_for_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = cloudping(d, &["simulate", "--regions", "us-east-1,moon-1"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown region `moon-1`"), "{err}");

    let out = cloudping(d, &["rollup"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no rounds stored yet"));

    let out = cloudping(d, &["publish"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("run `cloudping rollup` first"));

    let out = cloudping(d, &["simulate", "--end", "tomorrow"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--end `tomorrow`"));
}

#[test]
fn help_explains_the_commands() {
    let out = Command::new(env!("CARGO_BIN_EXE_cloudping"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for cmd in ["simulate", "rollup", "publish", "serve", "demo"] {
        assert!(help.contains(cmd), "{cmd} missing from --help:\n{help}");
    }
}

/// A loopback listener for `probe --endpoint`: the kernel completes the
/// handshakes into its backlog, which is all a probe needs.
fn loopback_listener() -> (std::net::TcpListener, u16) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

/// A loopback port where nothing listens.
fn closed_port() -> u16 {
    loopback_listener().1
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Runtime::new().unwrap().block_on(f)
}

#[test]
fn probe_names_an_unknown_region() {
    let dir = tempfile::tempdir().unwrap();
    let out = cloudping(dir.path(), &["probe", "--targets", "us-east-1,moon-1"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown region `moon-1`"), "{err}");
    assert!(
        err.contains("us-east-1"),
        "the error lists the known regions: {err}"
    );
    assert!(
        !dir.path().join("db.sqlite").exists() || {
            let st = store::SqliteStore::open(dir.path().join("db.sqlite")).unwrap();
            st.count_rounds().unwrap() == 0
        },
        "nothing is measured or stored on bad input"
    );

    let out = cloudping(
        dir.path(),
        &[
            "probe",
            "--targets",
            "us-east-1",
            "--endpoint",
            "eu-west-1=127.0.0.1:1",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("add it to --targets"), "{err}");

    let out = cloudping(dir.path(), &["probe", "--every", "5 minutes"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("e.g. 30s, 5m, 1h"), "{err}");
}

#[test]
fn help_mentions_probe() {
    let help = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_cloudping"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let top = help(&["--help"]);
    assert!(top.contains("probe"), "probe missing from --help:\n{top}");
    let probe = help(&["probe", "--help"]);
    for opt in [
        "--targets",
        "--source",
        "--connects",
        "--spacing-ms",
        "--timeout-ms",
        "--interval",
        "--every",
        "--json",
        "--endpoint",
        "Ctrl-C",
    ] {
        assert!(
            probe.contains(opt),
            "{opt} missing from probe --help:\n{probe}"
        );
    }
}

#[test]
fn probe_measures_a_local_listener_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_listener, open) = loopback_listener();
    let closed = closed_port();
    let args = [
        "probe",
        "--targets",
        "us-east-1,eu-west-1",
        "--endpoint",
        &format!("us-east-1=127.0.0.1:{open}"),
        "--endpoint",
        &format!("eu-west-1=127.0.0.1:{closed}"),
        "--connects",
        "4",
        "--spacing-ms",
        "10",
        "--source",
        "test-box",
        "--interval",
        "60",
    ];
    let out = cloudping(d, &[&args[..], &["--json"]].concat());
    let log = ok(out.clone());
    assert!(log.contains("2 new rounds stored"), "{log}");
    let rounds: Vec<shared::Round> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    assert_eq!(rounds.len(), 2);
    let (use1, euw1) = (&rounds[0], &rounds[1]);
    assert_eq!(
        (use1.target.as_str(), euw1.target.as_str()),
        ("us-east-1", "eu-west-1")
    );
    assert!(rounds.iter().all(|r| r.source == "test-box"));
    assert!(rounds.iter().all(|r| r.scheduled_at % 60 == 0));
    assert_eq!(use1.rtts_us.len(), 4, "{use1:?}");
    assert_eq!(use1.ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(euw1.failures.refused, 4, "{euw1:?}");

    // A second process reads what the first one stored.
    let st = store::SqliteStore::open(d.join("db.sqlite")).unwrap();
    assert!(st.count_rounds().unwrap() >= 2);
    let stored = block_on(store::RoundStore::source_rounds(
        &st,
        "test-box",
        use1.scheduled_at,
        use1.scheduled_at + 1,
    ))
    .unwrap();
    assert_eq!(
        stored.iter().find(|r| r.target == "us-east-1"),
        Some(use1),
        "the stored round is the printed one"
    );
    let interval = block_on(store::SummaryStore::meta(&st, store::META_INTERVAL)).unwrap();
    assert_eq!(interval.as_deref(), Some("60"));

    // The table names every target with its loss.
    let out = cloudping(d, &args);
    ok(out.clone());
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.starts_with("target"), "{table}");
    let row = |code: &str| {
        table
            .lines()
            .find(|l| l.starts_with(code))
            .unwrap_or_else(|| panic!("{code} missing:\n{table}"))
            .to_string()
    };
    assert!(row("us-east-1").contains(" 0/4 "), "{table}");
    assert!(
        row("eu-west-1").contains(" 4/4 ") && row("eu-west-1").contains("refused 4"),
        "{table}"
    );
}

#[test]
fn probe_every_stores_the_round_in_progress_on_ctrl_c() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_listener, port) = loopback_listener();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cloudping"))
        .args(["--db", d.join("db.sqlite").to_str().unwrap()])
        .args(["probe", "--targets", "us-east-1", "--every", "1s"])
        .args(["--endpoint", &format!("us-east-1=127.0.0.1:{port}")])
        // 5 connects 200 ms apart: a round lasts 0.8 s, long enough to be
        // interrupted in the middle.
        .args(["--connects", "5", "--spacing-ms", "200"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // A hung probe must fail the test, not hang it. The watchdog kills only
    // while the child is known to be running (before `done` is sent), never
    // a later process that reuses the pid.
    let (done, running) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        let limit = std::time::Duration::from_secs(30);
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = running.recv_timeout(limit) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    });
    let mut log = String::new();
    let mut measuring = 0;
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        log.push_str(&line);
        if line.contains("measuring") {
            measuring += 1;
            if measuring == 2 {
                // Interrupt the second round while it runs.
                let sent = Command::new("kill")
                    .args(["-INT", &pid.to_string()])
                    .status()
                    .unwrap();
                assert!(sent.success());
            }
        }
        line.clear();
    }
    let status = child.wait().unwrap();
    let _ = done.send(());
    watchdog.join().unwrap();
    assert!(
        status.success(),
        "Ctrl-C is a clean stop: {status:?}\n{log}"
    );
    assert_eq!(measuring, 2, "no round starts after Ctrl-C:\n{log}");
    assert!(log.contains("stopped after 2 rounds"), "{log}");
    let st = store::SqliteStore::open(d.join("db.sqlite")).unwrap();
    assert_eq!(
        st.count_rounds().unwrap(),
        2,
        "the interrupted round was finished and stored:\n{log}"
    );
}
