//! The embedded store: rounds, summaries and metadata in one SQLite file.
//!
//! SQLite rather than a pure-Rust key-value store because the file can be
//! opened with the `sqlite3` shell for inspection, it gives transactions for
//! bulk loads, and `INSERT OR IGNORE` on the primary key is exactly the
//! conditional put the rounds table needs.
//!
//! Layout (see ARCHITECTURE.md): `round_groups` keyed by one integer, the
//! source's id × 2^34 + the scheduled time, each holding every target's round
//! ([`codec`]); `sources` the id and newest time of each source; `sketch_groups` keyed (level, source, start); `summaries` keyed
//! (window, source, target); `windows` and `meta` small key-value tables.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use shared::Round;
use shared::round::FailureCounts;
use shared::stats::{Latency, Summary};

use crate::{
    Level, RegionStore, Result, RoundStore, SketchGroup, SketchStore, Span, StoreError,
    SummaryStore, WindowSummaries, codec,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS round_groups (
    key INTEGER PRIMARY KEY,
    targets INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    latest INTEGER NOT NULL
);
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
CREATE TABLE IF NOT EXISTS sketch_groups (
    level TEXT NOT NULL,
    source TEXT NOT NULL,
    start INTEGER NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (level, source, start)
);
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
        // Round and sketch groups are blobs of about a kilobyte: in rowid
        // tables (a WITHOUT ROWID table keeps them in its key's b-tree, a
        // few to a page) and on 64 KB pages, they fill the file instead of
        // leaving a third of it empty. The page size applies to a new file.
        conn.pragma_update(None, "page_size", 65_536)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        let store = SqliteStore {
            conn: Mutex::new(conn),
        };
        store.migrate_per_pair_rounds()?;
        Ok(store)
    }

    /// Moves the rounds of a store written before rounds were grouped per
    /// (source, time) into the grouped table, then drops the old tables (the
    /// per-pair sketches are rebuilt from the rounds by the next rollup).
    fn migrate_per_pair_rounds(&self) -> Result<()> {
        let old = {
            let conn = self.conn();
            let has: i64 = conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'rounds'",
                [],
                |r| r.get(0),
            )?;
            if has == 0 {
                return Ok(());
            }
            let mut stmt = conn.prepare(
                "SELECT source, target, scheduled_at, dns_us, ip, rtts, f_dns, f_timeout, f_refused, f_unreachable, f_other FROM rounds",
            )?;
            let rows = stmt.query_map([], |row| {
                let blob: Vec<u8> = row.get(5)?;
                Ok((
                    Round {
                        source: row.get(0)?,
                        target: row.get(1)?,
                        scheduled_at: row.get(2)?,
                        dns_us: row.get(3)?,
                        ip: row.get(4)?,
                        rtts_us: Vec::new(),
                        failures: FailureCounts {
                            dns: row.get(6)?,
                            timeout: row.get(7)?,
                            refused: row.get(8)?,
                            unreachable: row.get(9)?,
                            other: row.get(10)?,
                        },
                    },
                    blob,
                ))
            })?;
            let mut old = Vec::new();
            for row in rows {
                let (mut r, blob) = row?;
                r.rtts_us = unpack(&blob).ok_or_else(|| StoreError::Corrupt {
                    key: format!("{}#{}@{}", r.source, r.target, r.scheduled_at),
                    reason: format!("rtts blob of {} bytes", blob.len()),
                })?;
                old.push(r);
            }
            old
        };
        self.put_groups(&old)?;
        self.conn()
            .execute_batch("DROP TABLE rounds; DROP TABLE IF EXISTS sketches;")?;
        Ok(())
    }

    /// [`RoundStore::put_rounds`], synchronously.
    fn put_groups(&self, rounds: &[Round]) -> Result<usize> {
        let groups = codec::by_group(rounds);
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut added = 0;
        {
            let mut get = tx.prepare_cached("SELECT body FROM round_groups WHERE key = ?1")?;
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO round_groups (key, targets, body) VALUES (?1, ?2, ?3)",
            )?;
            let mut latest = tx.prepare_cached(
                "INSERT INTO sources (source, latest) VALUES (?1, ?2)
                 ON CONFLICT (source) DO UPDATE SET latest = max(latest, excluded.latest)
                 RETURNING id",
            )?;
            let mut id_of = tx.prepare_cached("SELECT id FROM sources WHERE source = ?1")?;
            for ((source, t), new) in groups {
                let id: Option<i64> = id_of.query_row([source], |r| r.get(0)).optional()?;
                let stored: Option<Vec<u8>> = match id {
                    Some(id) => get
                        .query_row([group_key(id, t)?], |r| r.get(0))
                        .optional()?,
                    None => None,
                };
                let key = format!("{source}@{t}");
                let mut all: Vec<Round> = match &stored {
                    Some(body) => codec::decode_rounds(&key, source, t, body)?,
                    None => Vec::new(),
                };
                let new_here = codec::merge_new(&mut all, &new);
                if new_here == 0 {
                    continue;
                }
                added += new_here;
                let refs: Vec<&Round> = all.iter().collect();
                let id: i64 = latest.query_row(params![source, t], |r| r.get(0))?;
                put.execute(params![
                    group_key(id, t)?,
                    all.len() as i64,
                    codec::encode_rounds(&refs)
                ])?;
            }
        }
        tx.commit()?;
        Ok(added)
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (transactions roll back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Rewrites the file with every page full (`VACUUM`). A bulk load fills
    /// a source's groups into the middle of the table day after day, which
    /// leaves pages half empty; `cloudping simulate` compacts once at its end.
    pub fn compact(&self) -> Result<()> {
        self.conn().execute_batch("VACUUM")?;
        Ok(())
    }

    /// Number of rounds stored.
    pub fn count_rounds(&self) -> Result<u64> {
        Ok(self.conn().query_row(
            "SELECT coalesce(sum(targets), 0) FROM round_groups",
            [],
            |r| r.get(0),
        )?)
    }
}

/// Scheduled times are below 2^34 s (year 2514): a group's key is its
/// source's id times that, plus its time, so one integer key orders a
/// source's groups by time and costs no index of its own.
const TIME_SPAN: i64 = 1 << 34;

fn group_key(source_id: i64, t: i64) -> Result<i64> {
    if !(0..=TIME_SPAN).contains(&t) {
        return Err(StoreError::Corrupt {
            key: format!("source {source_id} @ {t}"),
            reason: "a scheduled time before 1970 or after 2514".into(),
        });
    }
    Ok(source_id * TIME_SPAN + t)
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
        self.put_groups(rounds)
    }

    async fn source_rounds(&self, source: &str, from: i64, to: i64) -> Result<Vec<Round>> {
        let conn = self.conn();
        let id: Option<i64> = conn
            .prepare_cached("SELECT id FROM sources WHERE source = ?1")?
            .query_row([source], |r| r.get(0))
            .optional()?;
        let (Some(id), true) = (id, from < to) else {
            return Ok(Vec::new());
        };
        let (lo, hi) = (
            group_key(id, from.max(0))?,
            group_key(id, to.min(TIME_SPAN))?,
        );
        let mut stmt = conn.prepare_cached(
            "SELECT key, body FROM round_groups WHERE key >= ?1 AND key < ?2 ORDER BY key",
        )?;
        let rows = stmt.query_map(params![lo, hi], |row| {
            Ok((
                row.get::<_, i64>(0)? & (TIME_SPAN - 1),
                row.get::<_, Vec<u8>>(1)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (t, body) = row?;
            out.extend(codec::decode_rounds(
                &format!("{source}@{t}"),
                source,
                t,
                &body,
            )?);
        }
        Ok(out)
    }

    async fn sources(&self) -> Result<Vec<(String, i64)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT source, latest FROM sources")?;
        let mut out = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        out.sort_by_key(|(s, _)| (shared::catalog::display_rank(s), s.clone()));
        Ok(out)
    }
}

impl SketchStore for SqliteStore {
    async fn put_sketches(
        &self,
        level: Level,
        source: &str,
        groups: &[(i64, SketchGroup)],
    ) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO sketch_groups (level, source, start, body) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (start, group) in groups {
                let key = format!("{} {source}@{start}", level.id());
                stmt.execute(params![
                    level.id(),
                    source,
                    start,
                    codec::encode_sketches(&key, group)?
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    async fn first(&self, level: Level, source: &str) -> Result<Option<i64>> {
        Ok(self.conn().query_row(
            "SELECT min(start) FROM sketch_groups WHERE level = ?1 AND source = ?2",
            params![level.id(), source],
            |r| r.get(0),
        )?)
    }

    async fn sketches(
        &self,
        level: Level,
        source: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, SketchGroup)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT start, body FROM sketch_groups
             WHERE level = ?1 AND source = ?2 AND start >= ?3 AND start < ?4 ORDER BY start",
        )?;
        let rows = stmt.query_map(params![level.id(), source, from, to], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (start, body) = row?;
            let key = format!("{} {source}@{start}", level.id());
            out.push((start, codec::decode_sketches(&key, &body)?));
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
        let back = s.source_rounds("us-east-1", 0, 1000).await.unwrap();
        assert_eq!(back, rounds);
        assert_eq!(
            s.source_rounds("us-east-1", 301, 1000).await.unwrap().len(),
            1
        );
        assert_eq!(
            s.sources().await.unwrap(),
            vec![("us-east-1".to_string(), 600)]
        );
        // A target new to a stored (source, time) joins it.
        let mut other = round(300, &[9]);
        other.target = "ap-south-1".into();
        assert_eq!(
            s.put_rounds(&[other.clone(), round(300, &[1])])
                .await
                .unwrap(),
            1
        );
        let at300 = s.source_rounds("us-east-1", 300, 301).await.unwrap();
        assert_eq!(at300, vec![other, rounds[0].clone()]);
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
