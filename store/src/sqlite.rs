//! The embedded store: rounds, summaries and metadata in one SQLite file.
//!
//! SQLite rather than a pure-Rust key-value store because the file can be
//! opened with the `sqlite3` shell for inspection, it gives transactions for
//! bulk loads, and `INSERT OR IGNORE` on the primary key is exactly the
//! conditional put the rounds table needs.
//!
//! Layout (see ARCHITECTURE.md): `rounds` keyed (source, target, scheduled_at)
//! with RTTs packed as little-endian u32 microseconds; `summaries` keyed
//! (window, source, target); `windows` and `meta` small key-value tables.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use shared::Round;
use shared::round::FailureCounts;
use shared::sketch::Sketch;
use shared::stats::{Latency, Summary};

use crate::{
    Level, Pair, RegionStore, Result, RoundStore, SketchStore, Span, StoreError, SummaryStore,
    WindowSummaries,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS rounds (
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    scheduled_at INTEGER NOT NULL,
    dns_us INTEGER,
    ip TEXT,
    rtts BLOB NOT NULL,
    f_dns INTEGER NOT NULL DEFAULT 0,
    f_timeout INTEGER NOT NULL DEFAULT 0,
    f_refused INTEGER NOT NULL DEFAULT 0,
    f_unreachable INTEGER NOT NULL DEFAULT 0,
    f_other INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source, target, scheduled_at)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS windows (
    window TEXT PRIMARY KEY,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS summaries (
    window TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    samples INTEGER NOT NULL,
    lost INTEGER NOT NULL,
    latency TEXT,
    PRIMARY KEY (window, source, target)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sketches (
    level TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    start INTEGER NOT NULL,
    sketch TEXT NOT NULL,
    PRIMARY KEY (level, source, target, start)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS regions (
    code TEXT PRIMARY KEY,
    enabled INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

/// Rounds, summaries and metadata in a SQLite file.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        Self::init(Connection::open(path)?)
    }

    /// A store that lives only in memory, for tests.
    pub fn in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Self> {
        // WAL lets a reader (the sqlite3 shell, a second CLI) look while a
        // load runs; NORMAL sync is durable across application crashes.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (transactions roll back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Number of rounds stored.
    pub fn count_rounds(&self) -> Result<u64> {
        Ok(self
            .conn()
            .query_row("SELECT count(*) FROM rounds", [], |r| r.get(0))?)
    }
}

pub(crate) fn pack(rtts: &[u32]) -> Vec<u8> {
    rtts.iter().flat_map(|v| v.to_le_bytes()).collect()
}

pub(crate) fn unpack(blob: &[u8]) -> Option<Vec<u32>> {
    blob.len().is_multiple_of(4).then(|| {
        blob.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    })
}

impl RoundStore for SqliteStore {
    async fn put_rounds(&self, rounds: &[Round]) -> Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut added = 0;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO rounds
                 (source, target, scheduled_at, dns_us, ip, rtts, f_dns, f_timeout, f_refused, f_unreachable, f_other)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for r in rounds {
                let f = &r.failures;
                added += stmt.execute(params![
                    r.source,
                    r.target,
                    r.scheduled_at,
                    r.dns_us,
                    r.ip,
                    pack(&r.rtts_us),
                    f.dns,
                    f.timeout,
                    f.refused,
                    f.unreachable,
                    f.other
                ])?;
            }
        }
        tx.commit()?;
        Ok(added)
    }

    async fn pair_rounds(
        &self,
        source: &str,
        target: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<Round>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT scheduled_at, dns_us, ip, rtts, f_dns, f_timeout, f_refused, f_unreachable, f_other
             FROM rounds WHERE source = ?1 AND target = ?2 AND scheduled_at >= ?3 AND scheduled_at < ?4
             ORDER BY scheduled_at",
        )?;
        let rows = stmt.query_map(params![source, target, from, to], |row| {
            let blob: Vec<u8> = row.get(3)?;
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, Option<u32>>(1)?,
                row.get::<_, Option<String>>(2)?,
                blob,
                FailureCounts {
                    dns: row.get(4)?,
                    timeout: row.get(5)?,
                    refused: row.get(6)?,
                    unreachable: row.get(7)?,
                    other: row.get(8)?,
                },
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (scheduled_at, dns_us, ip, blob, failures) = row?;
            let rtts_us = unpack(&blob).ok_or_else(|| StoreError::Corrupt {
                key: format!("{source}#{target}@{scheduled_at}"),
                reason: format!("rtts blob of {} bytes", blob.len()),
            })?;
            out.push(Round {
                source: source.to_string(),
                target: target.to_string(),
                scheduled_at,
                dns_us,
                ip,
                rtts_us,
                failures,
            });
        }
        Ok(out)
    }

    async fn pairs(&self) -> Result<(Vec<Pair>, Option<i64>)> {
        let conn = self.conn();
        // A skip-scan over the primary key: one probe per distinct pair.
        let mut stmt = conn.prepare(
            "SELECT source, target, max(scheduled_at) FROM rounds GROUP BY source, target",
        )?;
        let mut latest: Option<i64> = None;
        let mut pairs = Vec::new();
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (s, t, max) = row?;
            latest = Some(latest.map_or(max, |l| l.max(max)));
            pairs.push((s, t));
        }
        Ok((pairs, latest))
    }
}

impl SketchStore for SqliteStore {
    async fn put_sketches(
        &self,
        level: Level,
        pair: &Pair,
        sketches: &[(i64, Sketch)],
    ) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO sketches (level, source, target, start, sketch) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (start, sk) in sketches {
                let json = serde_json::to_string(sk).map_err(|e| StoreError::Corrupt {
                    key: format!("{}#{}@{start}", pair.0, pair.1),
                    reason: e.to_string(),
                })?;
                stmt.execute(params![level.id(), pair.0, pair.1, start, json])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    async fn sketches(
        &self,
        level: Level,
        pair: &Pair,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, Sketch)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT start, sketch FROM sketches
             WHERE level = ?1 AND source = ?2 AND target = ?3 AND start >= ?4 AND start < ?5 ORDER BY start",
        )?;
        let rows = stmt.query_map(params![level.id(), pair.0, pair.1, from, to], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (start, json) = row?;
            let sk = serde_json::from_str(&json).map_err(|e| StoreError::Corrupt {
                key: format!("{} {}#{}@{start}", level.id(), pair.0, pair.1),
                reason: e.to_string(),
            })?;
            out.push((start, sk));
        }
        Ok(out)
    }
}

impl RegionStore for SqliteStore {
    async fn enabled_regions(&self) -> Result<Option<Vec<String>>> {
        let conn = self.conn();
        let total: i64 = conn.query_row("SELECT count(*) FROM regions", [], |r| r.get(0))?;
        if total == 0 {
            return Ok(None);
        }
        let mut stmt = conn.prepare("SELECT code FROM regions WHERE enabled = 1")?;
        let mut codes = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        codes.sort_by_key(|c| shared::catalog::display_rank(c));
        Ok(Some(codes))
    }

    async fn set_region_enabled(&self, code: &str, enabled: bool) -> Result<()> {
        self.conn().execute(
            "INSERT OR REPLACE INTO regions (code, enabled) VALUES (?1, ?2)",
            params![code, enabled],
        )?;
        Ok(())
    }
}

impl SummaryStore for SqliteStore {
    async fn put_window(&self, w: &WindowSummaries) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM summaries WHERE window = ?1", [&w.window])?;
        tx.execute(
            "INSERT OR REPLACE INTO windows (window, start, end) VALUES (?1, ?2, ?3)",
            params![w.window, w.span.start, w.span.end],
        )?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO summaries (window, source, target, samples, lost, latency) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for ((s, t), sum) in &w.pairs {
                let latency = sum
                    .latency
                    .map(|l| serde_json::to_string(&l))
                    .transpose()
                    .map_err(|e| StoreError::Corrupt {
                        key: format!("{}/{s}#{t}", w.window),
                        reason: e.to_string(),
                    })?;
                stmt.execute(params![
                    w.window,
                    s,
                    t,
                    sum.samples as i64,
                    sum.lost as i64,
                    latency
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    async fn window(&self, window: &str) -> Result<Option<WindowSummaries>> {
        let conn = self.conn();
        let span = conn
            .query_row(
                "SELECT start, end FROM windows WHERE window = ?1",
                [window],
                |r| {
                    Ok(Span {
                        start: r.get(0)?,
                        end: r.get(1)?,
                    })
                },
            )
            .optional()?;
        let Some(span) = span else { return Ok(None) };
        let mut stmt = conn.prepare_cached(
            "SELECT source, target, samples, lost, latency FROM summaries WHERE window = ?1 ORDER BY source, target",
        )?;
        let rows = stmt.query_map([window], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        let mut pairs = Vec::new();
        for row in rows {
            let (s, t, samples, lost, latency) = row?;
            let latency = latency
                .map(|j| serde_json::from_str::<Latency>(&j))
                .transpose()
                .map_err(|e| StoreError::Corrupt {
                    key: format!("{window}/{s}#{t}"),
                    reason: e.to_string(),
                })?;
            pairs.push((
                (s, t),
                Summary {
                    samples: samples as u64,
                    lost: lost as u64,
                    latency,
                },
            ));
        }
        Ok(Some(WindowSummaries {
            window: window.to_string(),
            span,
            pairs,
        }))
    }

    async fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn().execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            [key, value],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::round::FailureKind;

    fn round(t: i64, rtts: &[u32]) -> Round {
        let mut failures = FailureCounts::default();
        failures.add(FailureKind::Timeout);
        Round {
            source: "us-east-1".into(),
            target: "eu-west-1".into(),
            scheduled_at: t,
            dns_us: Some(900),
            ip: Some("192.0.2.1".into()),
            rtts_us: rtts.to_vec(),
            failures,
        }
    }

    #[tokio::test]
    async fn rounds_are_stored_once() {
        let s = SqliteStore::in_memory().unwrap();
        let rounds = vec![round(300, &[70_000, 71_000]), round(600, &[69_000])];
        assert_eq!(s.put_rounds(&rounds).await.unwrap(), 2);
        // A retry with different measurements for the same identity changes nothing.
        assert_eq!(s.put_rounds(&[round(300, &[1, 2, 3])]).await.unwrap(), 0);
        assert_eq!(s.count_rounds().unwrap(), 2);
        let back = s
            .pair_rounds("us-east-1", "eu-west-1", 0, 1000)
            .await
            .unwrap();
        assert_eq!(back, rounds);
        assert_eq!(
            s.pair_rounds("us-east-1", "eu-west-1", 301, 1000)
                .await
                .unwrap()
                .len(),
            1
        );
        let (pairs, latest) = s.pairs().await.unwrap();
        assert_eq!(
            pairs,
            vec![("us-east-1".to_string(), "eu-west-1".to_string())]
        );
        assert_eq!(latest, Some(600));
    }

    #[tokio::test]
    async fn windows_replace_and_read_back() {
        let s = SqliteStore::in_memory().unwrap();
        assert_eq!(s.window("1d").await.unwrap(), None);
        let mut samples = vec![1000, 2000, 3000];
        let w = WindowSummaries {
            window: "1d".into(),
            span: Span {
                start: 0,
                end: 86_400,
            },
            pairs: vec![
                (
                    ("a".into(), "b".into()),
                    shared::stats::exact_summary(&mut samples, 1),
                ),
                (
                    ("a".into(), "c".into()),
                    shared::stats::exact_summary(&mut [], 10),
                ),
            ],
        };
        s.put_window(&w).await.unwrap();
        s.put_window(&w).await.unwrap();
        assert_eq!(s.window("1d").await.unwrap(), Some(w));
        s.set_meta("simulated", "true").await.unwrap();
        assert_eq!(s.meta("simulated").await.unwrap().as_deref(), Some("true"));
        assert_eq!(s.meta("nope").await.unwrap(), None);
    }

    #[tokio::test]
    async fn persists_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/cloudping.sqlite");
        SqliteStore::open(&path)
            .unwrap()
            .put_rounds(&[round(300, &[5])])
            .await
            .unwrap();
        assert_eq!(SqliteStore::open(&path).unwrap().count_rounds().unwrap(), 1);
    }
}
