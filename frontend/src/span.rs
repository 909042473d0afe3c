//! Time ranges of the graphs and the series resolution that fits each.

use shared::feed::v2::{Manifest, Resolution, SeriesIndex};
use shared::time::parse_rfc3339;

use crate::view::{Pair, Range};

/// The end of the newest data in the feed, exclusive: the interval of the
/// newest round (`data_end` + `interval_seconds`), else the latest window
/// end, else `generated_at`. Preset ranges end here, not at the reader's
/// clock, so an old feed still shows its last day, and the newest round is in
/// the last 24 h.
pub fn anchor(m: &Manifest) -> Option<i64> {
    m.data_end
        .as_deref()
        .and_then(parse_rfc3339)
        .map(|t| t + i64::from(m.interval_seconds))
        .or_else(|| m.windows.iter().filter_map(|w| parse_rfc3339(&w.end)).max())
        .or_else(|| parse_rfc3339(&m.generated_at))
}

/// How many intervals may pass without new data before the feed is called stale.
pub const STALE_INTERVALS: f64 = 3.0;

/// Seconds since the newest data when that is more than
/// [`STALE_INTERVALS`] intervals ago (the probes or the publisher stopped).
pub fn stale(m: &Manifest, now: f64) -> Option<f64> {
    let newest = m
        .data_end
        .as_deref()
        .and_then(parse_rfc3339)
        .or_else(|| parse_rfc3339(&m.generated_at))?;
    let age = now - newest as f64;
    (age > STALE_INTERVALS * f64::from(m.interval_seconds.max(1))).then_some(age)
}

/// `[from, to)` of a range in Unix seconds; `None` for everything (the data decides).
pub fn bounds(range: &Range, anchor: i64) -> Option<(i64, i64)> {
    match range {
        Range::Last(p) => p.seconds().map(|s| (anchor - s, anchor)),
        Range::Custom { .. } => range.custom_bounds(),
    }
}

/// The finest resolution that covers the range and exists for the pair's
/// source, and the chunk files that hold the range: a resolution covers
/// `[from, to)` when its span reaches back to `from` from the newest data.
/// Without one (a range older than every span), the coarsest; for everything,
/// the coarsest, from its first chunk.
pub fn choose<'a>(
    index: &'a SeriesIndex,
    pair: &Pair,
    range: &Range,
    anchor: i64,
) -> Option<(&'a Resolution, Vec<String>)> {
    let chunks = index.sources.get(&pair.0)?;
    let mut have: Vec<&Resolution> = index
        .resolutions
        .iter()
        .filter(|r| chunks.contains_key(&r.id))
        .collect();
    crate::format::sort_small(&mut have, |a, b| a.step_seconds < b.step_seconds);
    let coarsest = *have.last()?;
    let (res, from, to) = match bounds(range, anchor) {
        None => (coarsest, i64::MIN / 2, anchor + 1),
        Some((from, to)) => {
            let res = have
                .iter()
                .copied()
                .find(|r| to - from <= r.span_seconds && from >= anchor - r.span_seconds)
                .unwrap_or(coarsest);
            (res, from, to)
        }
    };
    let paths = index
        .chunk_paths(&pair.0, &res.id, from, to)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    Some((res, paths))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::Preset;

    fn fixture() -> (Manifest, SeriesIndex) {
        let m: Manifest = serde_json::from_str(include_str!(
            "../../shared/tests/fixtures/feed/v2/manifest.json"
        ))
        .unwrap();
        let i: SeriesIndex = serde_json::from_str(include_str!(
            "../../shared/tests/fixtures/feed/v2/series/index.json"
        ))
        .unwrap();
        (m, i)
    }

    fn pair(a: &str, b: &str) -> Pair {
        (a.into(), b.into())
    }

    #[test]
    fn presets_end_at_the_newest_data() {
        let (m, _) = fixture();
        let a = anchor(&m).unwrap();
        assert_eq!(
            shared::time::rfc3339(a),
            "2026-11-20T12:05:00Z",
            "the newest round (12:00) is inside"
        );
        assert_eq!(bounds(&Range::Last(Preset::Day), a), Some((a - 86_400, a)));
        assert_eq!(bounds(&Range::Last(Preset::All), a), None);
    }

    #[test]
    fn stale_past_three_intervals() {
        let (m, _) = fixture();
        let end = parse_rfc3339("2026-11-20T12:00:00Z").unwrap() as f64;
        assert_eq!(stale(&m, end + 900.0), None, "3 × 5 min is still fresh");
        assert_eq!(stale(&m, end + 901.0), Some(901.0));
        let mut no_end = m.clone();
        no_end.data_end = None;
        assert_eq!(stale(&no_end, end + 1200.0), None, "generated_at is 12:05");
    }

    #[test]
    fn the_finest_resolution_that_covers_the_range() {
        let (m, i) = fixture();
        let a = anchor(&m).unwrap();
        let p = pair("us-east-1", "eu-west-1");
        let id = |r: Range| choose(&i, &p, &r, a).map(|(r, _)| r.id.clone());
        assert_eq!(id(Range::Last(Preset::Day)).as_deref(), Some("5m"));
        assert_eq!(id(Range::Last(Preset::Week)).as_deref(), Some("1h"));
        assert_eq!(id(Range::Last(Preset::Year)).as_deref(), Some("1h"));
        assert_eq!(id(Range::Last(Preset::All)).as_deref(), Some("1d"));
        // One day, but older than the 2 days that 5-minute points reach back.
        let old = Range::from_id("2026-11-10..2026-11-10").unwrap();
        assert_eq!(id(old).as_deref(), Some("1h"));
        // The chunks of the last 24 h at 5 minutes: closed ones by name, the open one listed.
        let (_, files) = choose(&i, &p, &Range::Last(Preset::Day), a).unwrap();
        assert_eq!(files.len(), 12);
        assert_eq!(files[0], "series/5m/us-east-1/2026-11-19T12.json");
        assert!(
            files[11].starts_with("series/open/5m/us-east-1/2026-11-20T10."),
            "{}",
            files[11]
        );
        // A source with only hourly points gets them for 24 h too.
        let only_hourly = pair("eu-west-1", "us-east-1");
        let r = choose(&i, &only_hourly, &Range::Last(Preset::Day), a).unwrap();
        assert_eq!(r.0.id, "1h");
        assert_eq!(r.1[0], "series/1h/eu-west-1/2026-11-19T00.json");
        // A source without series.
        assert_eq!(
            choose(
                &i,
                &pair("ap-northeast-1", "eu-west-1"),
                &Range::default(),
                a
            ),
            None
        );
    }
}
