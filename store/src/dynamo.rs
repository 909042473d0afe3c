//! The DynamoDB adapter of [`RoundStore`] and [`SummaryStore`].
//!
//! Tables (created by the deploy templates; [`DynamoStore::create_tables`]
//! makes them for tests and local setups):
//!
//! | table | partition key | sort key | item |
//! |---|---|---|---|
//! | round-groups | `src` (S) source | `t` (N) scheduled time | `n` (N) targets, `r` (B) every target's round ([`codec`]) |
//! | summaries | `pk` (S) | `sk` (S) | `window#<id>` / `src#<source>`: `g` (B), every target's summary (deflated JSON); `window#<id>` / `#span`: start, end; `meta` / key: value |
//! | summaries | `hour#<src>` / `day#<src>` / `month#<src>` | start (zero-padded seconds) | `g` (B): every target's sketch ([`codec`]) |
//! | regions | `code` (S) | — | `enabled` (BOOL): which regions are probed and published |
//!
//! A probe run's rounds are written as one item per (source, time) with a
//! conditional `PutItem` (`attribute_not_exists(src)`). `BatchWriteItem`
//! cannot carry a condition, so a retried probe would overwrite the first
//! measurement; the conditional put makes the first write win and a retry a
//! no-op. Targets that arrive for a stored group are added under a check on
//! its target count `n`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, DeleteRequest, KeySchemaElement, KeyType,
    PutRequest, ScalarAttributeType, WriteRequest,
};
use futures::{StreamExt, TryStreamExt};
use shared::Round;
use shared::stats::Summary;

use crate::aws::classify;
use crate::{
    Level, RegionStore, Result, RoundStore, SketchGroup, SketchStore, Span, StoreError,
    SummaryStore, WindowSummaries, codec,
};

/// Table names of one deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    /// The rounds table.
    pub rounds: String,
    /// The summaries (and metadata) table.
    pub summaries: String,
    /// The regions table.
    pub regions: String,
}

impl Tables {
    /// Names with a common prefix: `<prefix>-round-groups`, `<prefix>-summaries`, `<prefix>-regions`.
    ///
    /// The rounds table is `round-groups`, not the per-pair `rounds` of
    /// earlier releases: its key changed (a source, not a pair), and
    /// DynamoDB cannot change a table's key in place.
    pub fn with_prefix(prefix: &str) -> Tables {
        Tables {
            rounds: format!("{prefix}-round-groups"),
            summaries: format!("{prefix}-summaries"),
            regions: format!("{prefix}-regions"),
        }
    }
}

/// Rounds and summaries in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    tables: Tables,
    /// Requests in flight at once for writes and per-pair reads.
    concurrency: usize,
}

const MAX_ATTEMPTS: u32 = 6;

/// Round groups and hour sketch groups carry `exp` = their time + 400 days,
/// the table's TTL attribute: DynamoDB deletes them after that, for free, so
/// storage stops growing once the history is a year old. Nothing reads them
/// by then: the raw days in the bucket keep every round, the 1 h series
/// reaches back 365 days, and longer spans are made of day and month groups.
pub const EXPIRE_AFTER: i64 = 400 * 86_400;

/// Retries `f` while it fails with a retryable error, with exponential
/// backoff (50 ms, 100 ms, … 1.6 s) on top of the SDK's own retries.
async fn with_backoff<T, F, Fut>(mut f: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut delay = Duration::from_millis(50);
    let mut attempt = 1;
    loop {
        match f().await {
            Err(e) if e.is_retryable() && attempt < MAX_ATTEMPTS => {
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            other => return other,
        }
    }
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn get_s<'a>(item: &'a HashMap<String, AttributeValue>, k: &str) -> Option<&'a str> {
    item.get(k)?.as_s().ok().map(String::as_str)
}

fn get_n<T: std::str::FromStr>(item: &HashMap<String, AttributeValue>, k: &str) -> Option<T> {
    item.get(k)?.as_n().ok()?.parse().ok()
}

fn corrupt(key: &str, reason: &str) -> StoreError {
    StoreError::Corrupt {
        key: key.into(),
        reason: reason.into(),
    }
}

fn blob<'a>(item: &'a HashMap<String, AttributeValue>, k: &str) -> Option<&'a [u8]> {
    match item.get(k)? {
        AttributeValue::B(b) => Some(b.as_ref()),
        _ => None,
    }
}

impl DynamoStore {
    /// A store over `tables` using `client`.
    pub fn new(client: Client, tables: Tables) -> Self {
        DynamoStore {
            client,
            tables,
            concurrency: 16,
        }
    }

    /// The table names.
    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    /// Creates the three tables (on-demand billing) if they do not exist.
    pub async fn create_tables(&self) -> Result<()> {
        type Key<'a> = (&'a str, KeyType, ScalarAttributeType);
        let specs: [(&str, &[Key]); 3] = [
            (
                &self.tables.rounds,
                &[
                    ("src", KeyType::Hash, ScalarAttributeType::S),
                    ("t", KeyType::Range, ScalarAttributeType::N),
                ],
            ),
            (
                &self.tables.summaries,
                &[
                    ("pk", KeyType::Hash, ScalarAttributeType::S),
                    ("sk", KeyType::Range, ScalarAttributeType::S),
                ],
            ),
            (
                &self.tables.regions,
                &[("code", KeyType::Hash, ScalarAttributeType::S)],
            ),
        ];
        for (name, keys) in specs {
            let mut req = self
                .client
                .create_table()
                .table_name(name)
                .billing_mode(BillingMode::PayPerRequest);
            for (attr, kt, st) in keys {
                let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Aws(e.to_string());
                req = req
                    .key_schema(
                        KeySchemaElement::builder()
                            .attribute_name(*attr)
                            .key_type(kt.clone())
                            .build()
                            .map_err(build)?,
                    )
                    .attribute_definitions(
                        AttributeDefinition::builder()
                            .attribute_name(*attr)
                            .attribute_type(st.clone())
                            .build()
                            .map_err(build)?,
                    );
            }
            match req.send().await {
                Ok(_) => {}
                Err(e) if e.code() == Some("ResourceInUseException") => {}
                Err(e) => return Err(classify(e, &format!("creating table {name}"))),
            }
        }
        Ok(())
    }

    /// Stores one (source, time) group: a conditional put when it is new; when
    /// it exists, the targets it lacks are added under an optimistic check
    /// on its target count, so two writers never lose each other's rounds.
    async fn put_group(&self, source: &str, t: i64, new: &[Round]) -> Result<usize> {
        let new: Vec<&Round> = new.iter().collect();
        let table = &self.tables.rounds;
        let key = format!("{source}@{t}");
        let mut expected: Option<usize> = None;
        let mut stored: Vec<Round> = Vec::new();
        for _ in 0..MAX_ATTEMPTS {
            let mut all = stored.clone();
            let added = codec::merge_new(&mut all, &new);
            if added == 0 {
                return Ok(0);
            }
            let refs: Vec<&Round> = all.iter().collect();
            let item = HashMap::from([
                ("src".to_string(), s(source)),
                ("t".to_string(), n(t)),
                ("exp".to_string(), n(t + EXPIRE_AFTER)),
                ("n".to_string(), n(all.len())),
                (
                    "r".to_string(),
                    AttributeValue::B(Blob::new(codec::encode_rounds(&refs))),
                ),
            ]);
            let put = with_backoff(|| async {
                let req = self
                    .client
                    .put_item()
                    .table_name(table)
                    .set_item(Some(item.clone()));
                let req = match expected {
                    None => req.condition_expression("attribute_not_exists(src)"),
                    Some(count) => req
                        .condition_expression("n = :n")
                        .expression_attribute_values(":n", n(count)),
                };
                match req.send().await {
                    Ok(_) => Ok(true),
                    Err(e) if e.code() == Some("ConditionalCheckFailedException") => Ok(false),
                    Err(e) => Err(classify(e, &format!("table {table}"))),
                }
            })
            .await?;
            if put {
                return Ok(added);
            }
            // Someone wrote this group first: add only what it lacks.
            let resp = with_backoff(|| async {
                self.client
                    .get_item()
                    .table_name(table)
                    .key("src", s(source))
                    .key("t", n(t))
                    .consistent_read(true)
                    .send()
                    .await
                    .map_err(|e| classify(e, &format!("table {table}")))
            })
            .await?;
            let item = resp
                .item()
                .ok_or_else(|| corrupt(&key, "vanished while being written"))?;
            stored = codec::decode_rounds(
                &key,
                source,
                t,
                blob(item, "r").ok_or_else(|| corrupt(&key, "no r"))?,
            )?;
            expected = Some(stored.len());
        }
        Err(StoreError::Throttled(format!(
            "table {table}: {key} kept changing while being written"
        )))
    }

    async fn latest(&self, source: String) -> Result<Option<(String, i64)>> {
        let resp = with_backoff(|| async {
            self.client
                .query()
                .table_name(&self.tables.rounds)
                .key_condition_expression("src = :s")
                .expression_attribute_values(":s", s(&source))
                .scan_index_forward(false)
                .limit(1)
                .projection_expression("t")
                .send()
                .await
                .map_err(|e| classify(e, &format!("table {}", self.tables.rounds)))
        })
        .await?;
        Ok(resp
            .items()
            .first()
            .and_then(|i| get_n(i, "t"))
            .map(|t| (source.clone(), t)))
    }

    async fn batch_write(&self, table: &str, mut requests: Vec<WriteRequest>) -> Result<()> {
        while !requests.is_empty() {
            let chunk: Vec<WriteRequest> = requests.drain(..requests.len().min(25)).collect();
            let mut pending = HashMap::from([(table.to_string(), chunk)]);
            let mut delay = Duration::from_millis(50);
            for attempt in 1.. {
                let resp = with_backoff(|| async {
                    self.client
                        .batch_write_item()
                        .set_request_items(Some(pending.clone()))
                        .send()
                        .await
                        .map_err(|e| classify(e, &format!("table {table}")))
                })
                .await?;
                match resp.unprocessed_items() {
                    Some(left) if left.values().any(|v| !v.is_empty()) => {
                        if attempt >= MAX_ATTEMPTS {
                            return Err(StoreError::Throttled(format!(
                                "table {table}: items still unprocessed after {attempt} attempts"
                            )));
                        }
                        pending = left.clone();
                        tokio::time::sleep(delay).await;
                        delay *= 2;
                    }
                    _ => break,
                }
            }
        }
        Ok(())
    }

    /// Runs a query to the last page.
    async fn pages(
        &self,
        table: &str,
        query: QueryFluentBuilder,
    ) -> Result<Vec<HashMap<String, AttributeValue>>> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let resp = query
                .clone()
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| classify(e, &format!("table {table}")))?;
            out.extend(resp.items().iter().cloned());
            start = resp.last_evaluated_key().cloned();
            if start.is_none() {
                return Ok(out);
            }
        }
    }

    /// Every item of one partition.
    async fn query_all(
        &self,
        table: &str,
        pk_name: &str,
        pk: &str,
    ) -> Result<Vec<HashMap<String, AttributeValue>>> {
        let query = self
            .client
            .query()
            .table_name(table)
            .key_condition_expression("#k = :v")
            .expression_attribute_names("#k", pk_name)
            .expression_attribute_values(":v", s(pk));
        self.pages(table, query).await
    }
}

impl RegionStore for DynamoStore {
    async fn set_region_enabled(&self, code: &str, enabled: bool) -> Result<()> {
        self.client
            .put_item()
            .table_name(&self.tables.regions)
            .item("code", s(code))
            .item("enabled", AttributeValue::Bool(enabled))
            .send()
            .await
            .map_err(|e| classify(e, &format!("table {}", self.tables.regions)))?;
        Ok(())
    }

    async fn enabled_regions(&self) -> Result<Option<Vec<String>>> {
        let mut out = Vec::new();
        let mut seen_any = false;
        let mut start = None;
        loop {
            let resp = self
                .client
                .scan()
                .table_name(&self.tables.regions)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| classify(e, &format!("table {}", self.tables.regions)))?;
            for item in resp.items() {
                seen_any = true;
                if let (Some(AttributeValue::Bool(true)), Some(code)) =
                    (item.get("enabled"), get_s(item, "code"))
                {
                    out.push(code.to_string());
                }
            }
            start = resp.last_evaluated_key().cloned();
            if start.is_none() {
                break;
            }
        }
        out.sort_by_key(|c| shared::catalog::display_rank(c));
        Ok(seen_any.then_some(out))
    }
}

impl RoundStore for DynamoStore {
    async fn put_rounds(&self, rounds: &[Round]) -> Result<usize> {
        // Groups are owned up front so the stream owns them (keeps the future Send).
        let groups: Vec<(String, i64, Vec<Round>)> = codec::by_group(rounds)
            .into_iter()
            .map(|((source, t), new)| (source.to_string(), t, new.into_iter().cloned().collect()))
            .collect();
        let added: Vec<usize> = futures::stream::iter(
            groups
                .into_iter()
                .map(|(source, t, new)| async move { self.put_group(&source, t, &new).await }),
        )
        .buffer_unordered(self.concurrency)
        .try_collect()
        .await?;
        Ok(added.into_iter().sum())
    }

    async fn source_rounds(&self, source: &str, from: i64, to: i64) -> Result<Vec<Round>> {
        if to <= from {
            return Ok(Vec::new());
        }
        let query = self
            .client
            .query()
            .table_name(&self.tables.rounds)
            .key_condition_expression("src = :s AND t BETWEEN :a AND :b")
            .expression_attribute_values(":s", s(source))
            .expression_attribute_values(":a", n(from))
            .expression_attribute_values(":b", n(to - 1));
        let mut out = Vec::new();
        for item in self.pages(&self.tables.rounds, query).await? {
            let t: i64 = get_n(&item, "t").ok_or_else(|| corrupt(source, "no t"))?;
            let key = format!("{source}@{t}");
            let body = blob(&item, "r").ok_or_else(|| corrupt(&key, "no r"))?;
            out.extend(codec::decode_rounds(&key, source, t, body)?);
        }
        Ok(out)
    }

    /// One query per enabled region (the catalog's commercial regions while
    /// the regions table is empty): O(regions).
    async fn sources(&self) -> Result<Vec<(String, i64)>> {
        let regions: Vec<String> = match self.enabled_regions().await? {
            Some(r) => r,
            None => shared::catalog::commercial()
                .map(|r| r.code.to_string())
                .collect(),
        };
        let latest: Vec<Option<(String, i64)>> =
            futures::stream::iter(regions.into_iter().map(|r| self.latest(r)))
                .buffered(self.concurrency)
                .try_collect()
                .await?;
        Ok(latest.into_iter().flatten().collect())
    }
}

fn sketch_pk(level: Level, source: &str) -> String {
    format!("{}#{source}", level.id())
}

/// Sort keys are strings: zero-padding keeps their order numeric.
fn sketch_sk(start: i64) -> String {
    format!("{start:012}")
}

impl SketchStore for DynamoStore {
    async fn put_sketches(
        &self,
        level: Level,
        source: &str,
        groups: &[(i64, SketchGroup)],
    ) -> Result<()> {
        let pk = sketch_pk(level, source);
        let mut requests = Vec::with_capacity(groups.len());
        for (start, group) in groups {
            let body = codec::encode_sketches(&format!("{pk}@{start}"), group)?;
            let mut put = PutRequest::builder()
                .item("pk", s(&pk))
                .item("sk", s(sketch_sk(*start)))
                .item("g", AttributeValue::B(Blob::new(body)));
            if level == Level::Hour {
                put = put.item("exp", n(start + EXPIRE_AFTER));
            }
            let put = put.build().map_err(|e| StoreError::Aws(e.to_string()))?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        let table = self.tables.summaries.clone();
        self.batch_write(&table, requests).await
    }

    async fn first(&self, level: Level, source: &str) -> Result<Option<i64>> {
        let pk = sketch_pk(level, source);
        let resp = with_backoff(|| async {
            self.client
                .query()
                .table_name(&self.tables.summaries)
                .key_condition_expression("pk = :p")
                .expression_attribute_values(":p", s(&pk))
                .limit(1)
                .projection_expression("sk")
                .send()
                .await
                .map_err(|e| classify(e, &format!("table {}", self.tables.summaries)))
        })
        .await?;
        Ok(resp
            .items()
            .first()
            .and_then(|i| get_s(i, "sk"))
            .and_then(|v| v.parse().ok()))
    }

    async fn sketches(
        &self,
        level: Level,
        source: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, SketchGroup)>> {
        if to <= from {
            return Ok(Vec::new());
        }
        let pk = sketch_pk(level, source);
        let query = self
            .client
            .query()
            .table_name(&self.tables.summaries)
            .key_condition_expression("pk = :p AND sk BETWEEN :a AND :b")
            .expression_attribute_values(":p", s(&pk))
            .expression_attribute_values(":a", s(sketch_sk(from)))
            .expression_attribute_values(":b", s(sketch_sk(to - 1)));
        let mut out = Vec::new();
        for item in self.pages(&self.tables.summaries, query).await? {
            let t: i64 = get_s(&item, "sk")
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| corrupt(&pk, "sort key"))?;
            let key = format!("{pk}@{t}");
            let body = blob(&item, "g").ok_or_else(|| corrupt(&key, "no g"))?;
            out.push((t, codec::decode_sketches(&key, body)?));
        }
        Ok(out)
    }
}

impl SummaryStore for DynamoStore {
    /// One item per source (`sk` = `src#<source>`), every target's summary
    /// in it: a window of 34 sources is 34 writes, not 1,156.
    async fn put_window(&self, w: &WindowSummaries) -> Result<()> {
        let pk = format!("window#{}", w.window);
        let table = self.tables.summaries.clone();
        let mut by_source: BTreeMap<&str, Vec<(&str, &Summary)>> = BTreeMap::new();
        for ((src, dst), sum) in &w.pairs {
            by_source.entry(src).or_default().push((dst, sum));
        }
        let mut requests = Vec::with_capacity(by_source.len());
        let mut keep = BTreeSet::new();
        for (src, rows) in &by_source {
            let sk = format!("src#{src}");
            let body = codec::encode_json(&sk, rows)?;
            let put = PutRequest::builder()
                .item("pk", s(&pk))
                .item("sk", s(&sk))
                .item("g", AttributeValue::B(Blob::new(body)))
                .build()
                .map_err(|e| StoreError::Aws(e.to_string()))?;
            keep.insert(sk);
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        self.batch_write(&table, requests).await?;
        // Drop sources that are no longer in the window, so a read gives exactly this set.
        let query = self
            .client
            .query()
            .table_name(&table)
            .key_condition_expression("pk = :p")
            .expression_attribute_values(":p", s(&pk))
            .projection_expression("sk");
        let stale: Vec<WriteRequest> = self
            .pages(&table, query)
            .await?
            .into_iter()
            .filter_map(|item| {
                let sk = get_s(&item, "sk")?.to_string();
                (sk != "#span" && !keep.contains(&sk)).then(|| {
                    DeleteRequest::builder()
                        .key("pk", s(&pk))
                        .key("sk", s(sk))
                        .build()
                        .map(|d| WriteRequest::builder().delete_request(d).build())
                })
            })
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| StoreError::Aws(e.to_string()))?;
        self.batch_write(&table, stale).await?;
        // The span goes last: a reader that sees it sees the whole window.
        with_backoff(|| async {
            self.client
                .put_item()
                .table_name(&table)
                .item("pk", s(&pk))
                .item("sk", s("#span"))
                .item("start", n(w.span.start))
                .item("end", n(w.span.end))
                .send()
                .await
                .map_err(|e| classify(e, &format!("table {table}")))
        })
        .await?;
        Ok(())
    }

    async fn window(&self, window: &str) -> Result<Option<WindowSummaries>> {
        let pk = format!("window#{window}");
        let items = self.query_all(&self.tables.summaries, "pk", &pk).await?;
        let mut span = None;
        let mut pairs = Vec::new();
        for item in &items {
            let sk = get_s(item, "sk").unwrap_or_default();
            if sk == "#span" {
                span = Some(Span {
                    start: get_n(item, "start")
                        .ok_or_else(|| corrupt(&pk, "span without start"))?,
                    end: get_n(item, "end").ok_or_else(|| corrupt(&pk, "span without end"))?,
                });
                continue;
            }
            let src = sk
                .strip_prefix("src#")
                .ok_or_else(|| corrupt(sk, "not src#<source>"))?;
            let body = blob(item, "g").ok_or_else(|| corrupt(sk, "no g"))?;
            let rows: Vec<(String, Summary)> = codec::decode_json(sk, body)?;
            for (dst, sum) in rows {
                pairs.push(((src.to_string(), dst), sum));
            }
        }
        Ok(span.map(|span| WindowSummaries {
            window: window.to_string(),
            span,
            pairs,
        }))
    }

    async fn meta(&self, key: &str) -> Result<Option<String>> {
        let resp = self
            .client
            .get_item()
            .table_name(&self.tables.summaries)
            .key("pk", s("meta"))
            .key("sk", s(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| classify(e, &format!("table {}", self.tables.summaries)))?;
        Ok(resp
            .item()
            .and_then(|i| get_s(i, "value"))
            .map(str::to_string))
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        with_backoff(|| async {
            self.client
                .put_item()
                .table_name(&self.tables.summaries)
                .item("pk", s("meta"))
                .item("sk", s(key))
                .item("value", s(value))
                .send()
                .await
                .map_err(|e| classify(e, &format!("table {}", self.tables.summaries)))
        })
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn throttling_is_retried_with_backoff_then_reported() {
        let calls = AtomicU32::new(0);
        let ok = with_backoff(|| async {
            if calls.fetch_add(1, Ordering::SeqCst) < 3 {
                Err(StoreError::Throttled("slow down".into()))
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(ok.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 4);

        calls.store(0, Ordering::SeqCst);
        let err = with_backoff(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(StoreError::Throttled("slow down".into()))
        })
        .await
        .unwrap_err();
        assert!(
            err.is_retryable(),
            "the caller (the Lambda) can still retry"
        );
        assert_eq!(calls.load(Ordering::SeqCst), MAX_ATTEMPTS);

        calls.store(0, Ordering::SeqCst);
        let _ = with_backoff(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(StoreError::Missing("table".into()))
        })
        .await;
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "configuration errors are not retried"
        );
    }
}
