//! End-to-end tests of the `cloudping` binary on the embedded default.

use std::path::Path;
use std::process::{Command, Output};

use shared::feed::v1::{Manifest, Matrix};

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
    let path = dir.join("site/data/v1").join(rel);
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
