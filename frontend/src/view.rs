//! What the page shows, as kept in the URL hash so that a link reopens it.
//!
//! `#window=7d&stat=p90&geo=europe&region=us-east-1,eu-west-1&sort=col:eu-west-1&pairs=us-east-1:eu-west-1&range=30d&week=local`
//! (only values other than the defaults are written after `window` and
//! `stat`), and `#/api` for the feed's documentation page. The matrix's
//! comparisons: `mode=asym` (A→B − B→A), `mode=diff&base=30d` (the window
//! against another), `unit=pct` for percentages instead of ms.

use std::fmt::Write;

/// Which page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Route {
    /// The matrix and graphs.
    #[default]
    Home,
    /// The feed's documentation.
    Api,
    /// The regions on a map, with lines from one of them (or the visitor).
    Map,
}

impl Route {
    /// The page a (decoded) hash names, and the rest of it.
    fn split(decoded: &str) -> (Route, &str) {
        let rest = decoded.trim_start_matches('#');
        if let Some(after) = rest.strip_prefix("/api") {
            (Route::Api, after)
        } else if let Some(after) = rest.strip_prefix("/map") {
            (Route::Map, after)
        } else {
            (Route::Home, rest)
        }
    }

    /// The page a hash names, without reading the rest of it.
    pub fn of_hash(hash: &str) -> Route {
        Route::split(&percent_decode(hash)).0
    }
}

/// How the matrix rows are ordered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Sort {
    /// Geographic (the manifest's order).
    #[default]
    Geo,
    /// By region code, alphabetically.
    Code,
    /// By the shown statistic in one destination's column; missing values last.
    Column {
        /// The destination whose column orders the rows.
        dst: String,
        /// Slowest first.
        desc: bool,
    },
}

impl Sort {
    /// The hash form.
    pub fn id(&self) -> String {
        match self {
            Sort::Geo => "geo".into(),
            Sort::Code => "code".into(),
            Sort::Column { dst, desc: false } => format!("col:{dst}"),
            Sort::Column { dst, desc: true } => format!("col:{dst}:desc"),
        }
    }

    /// Parses [`Sort::id`].
    pub fn from_id(s: &str) -> Option<Sort> {
        match s {
            "geo" => Some(Sort::Geo),
            "code" => Some(Sort::Code),
            _ => {
                let rest = s.strip_prefix("col:")?;
                let (dst, desc) = match rest.strip_suffix(":desc") {
                    Some(d) => (d, true),
                    None => (rest, false),
                };
                valid_code(dst).then(|| Sort::Column {
                    dst: dst.into(),
                    desc,
                })
            }
        }
    }
}

/// What the matrix cells show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// The statistic itself.
    #[default]
    Latency,
    /// A→B minus B→A ([`shared::compare::asymmetry`]).
    Asymmetry,
    /// The window minus the base window ([`shared::compare::difference`]).
    Change,
}

impl Mode {
    /// The hash form.
    pub fn id(self) -> &'static str {
        match self {
            Mode::Latency => "latency",
            Mode::Asymmetry => "asym",
            Mode::Change => "diff",
        }
    }

    /// Parses [`Mode::id`].
    pub fn from_id(s: &str) -> Option<Mode> {
        [Mode::Latency, Mode::Asymmetry, Mode::Change]
            .into_iter()
            .find(|m| m.id() == s)
    }
}

/// The base window of [`Mode::Change`] unless the link names another: the
/// usual that the last day is held against.
pub const DEFAULT_BASE: &str = "30d";

/// A preset time range of the graphs, ending at the newest data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// 24 hours.
    Day,
    /// 7 days.
    Week,
    /// 30 days.
    Month,
    /// 365 days.
    Year,
    /// Everything published.
    All,
}

impl Preset {
    /// Every preset, shortest first.
    pub const ALL: [Preset; 5] = [
        Preset::Day,
        Preset::Week,
        Preset::Month,
        Preset::Year,
        Preset::All,
    ];

    /// Id in the hash and the UI.
    pub fn id(self) -> &'static str {
        match self {
            Preset::Day => "24h",
            Preset::Week => "7d",
            Preset::Month => "30d",
            Preset::Year => "1y",
            Preset::All => "all",
        }
    }

    /// Button label.
    pub fn label(self) -> &'static str {
        match self {
            Preset::Day => "24 h",
            Preset::Week => "7 d",
            Preset::Month => "30 d",
            Preset::Year => "1 y",
            Preset::All => "all",
        }
    }

    /// Length in seconds; `None` for everything.
    pub fn seconds(self) -> Option<i64> {
        const DAY: i64 = 86_400;
        match self {
            Preset::Day => Some(DAY),
            Preset::Week => Some(7 * DAY),
            Preset::Month => Some(30 * DAY),
            Preset::Year => Some(365 * DAY),
            Preset::All => None,
        }
    }

    /// Parses [`Preset::id`].
    pub fn from_id(s: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.id() == s)
    }
}

/// The time range of the graphs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Range {
    /// The last stretch of time up to the newest data.
    Last(Preset),
    /// From the start of one UTC date to the end of another (inclusive), `YYYY-MM-DD`.
    Custom {
        /// First day.
        from: String,
        /// Last day, inclusive.
        to: String,
    },
}

impl Default for Range {
    fn default() -> Self {
        Range::Last(Preset::Week)
    }
}

impl Range {
    /// The hash form: a preset id or `from..to`.
    pub fn id(&self) -> String {
        match self {
            Range::Last(p) => p.id().into(),
            Range::Custom { from, to } => format!("{from}..{to}"),
        }
    }

    /// Parses [`Range::id`]; a custom range must be two valid dates, in order.
    pub fn from_id(s: &str) -> Option<Range> {
        if let Some(p) = Preset::from_id(s) {
            return Some(Range::Last(p));
        }
        let (from, to) = s.split_once("..")?;
        let custom = Range::Custom {
            from: from.into(),
            to: to.into(),
        };
        custom.custom_bounds().map(|_| custom)
    }

    /// For a custom range, `[start of from, end of to)` in Unix seconds, if valid.
    pub fn custom_bounds(&self) -> Option<(i64, i64)> {
        let Range::Custom { from, to } = self else {
            return None;
        };
        if from.len() != 10 || to.len() != 10 {
            return None;
        }
        let a = shared::time::parse_rfc3339(from)?;
        let b = shared::time::parse_rfc3339(to)? + 86_400;
        (a < b).then_some((a, b))
    }
}

/// A custom span of whole UTC days, `YYYY-MM-DD..YYYY-MM-DD` (both
/// inclusive), as `[start, end)` in Unix seconds; `None` for anything else
/// (a preset such as `7d` is no span).
pub fn day_span(s: &str) -> Option<(i64, i64)> {
    match Range::from_id(s)? {
        r @ Range::Custom { .. } => r.custom_bounds(),
        Range::Last(_) => None,
    }
}

/// A pair of regions, `(source, destination)`.
pub type Pair = (String, String);

/// At most this many pairs in the graph at once.
pub const MAX_PAIRS: usize = 6;

/// Everything the URL hash holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// Which page.
    pub route: Route,
    /// Window id.
    pub window: String,
    /// Statistic id.
    pub stat: String,
    /// Geographies shown (both as sources and destinations); empty = all.
    pub geos: Vec<String>,
    /// Regions shown; empty = all.
    pub regions: Vec<String>,
    /// Row order.
    pub sort: Sort,
    /// Pairs in the graph, in the order they were added.
    pub pairs: Vec<Pair>,
    /// Time range of the graph.
    pub range: Range,
    /// The weekly pattern's hours are the reader's local time, not UTC.
    pub local_week: bool,
    /// What the cells show.
    pub mode: Mode,
    /// What [`Mode::Change`] compares against: a window id, or a custom
    /// span of days ([`day_span`]).
    pub base: String,
    /// What [`Mode::Change`] compares, when not the window: a custom span of
    /// days ([`day_span`]).
    pub now: Option<String>,
    /// Comparisons in percent instead of ms.
    pub pct: bool,
    /// Where the map's lines start: a region code, or `you` (the visitor,
    /// once measured from the browser); `None`: the first region.
    pub map_from: Option<String>,
}

impl Default for View {
    fn default() -> Self {
        View {
            route: Route::Home,
            window: "1d".into(),
            stat: "p50".into(),
            geos: Vec::new(),
            regions: Vec::new(),
            sort: Sort::Geo,
            pairs: Vec::new(),
            range: Range::default(),
            local_week: false,
            mode: Mode::Latency,
            base: DEFAULT_BASE.into(),
            now: None,
            pct: false,
            map_from: None,
        }
    }
}

/// Region codes and geography ids: lower-case letters, digits and `-`.
fn valid_code(s: &str) -> bool {
    shared::catalog::is_site_name(s)
}

/// A sorted list without duplicates of the valid codes, and the invalid ones.
fn code_list(s: &str) -> (Vec<String>, Vec<&str>) {
    let (good, bad): (Vec<&str>, Vec<&str>) = s
        .split(',')
        .filter(|c| !c.is_empty())
        .partition(|c| valid_code(c));
    let mut v: Vec<String> = good.into_iter().map(str::to_string).collect();
    crate::format::sort_small(&mut v, |a, b| a < b);
    v.dedup();
    (v, bad)
}

/// Undoes the percent-encoding a browser may apply to a fragment.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl View {
    /// Reads the hash; unknown keys are ignored, bad values fall back to
    /// the default, missing ones default.
    pub fn from_hash(hash: &str) -> View {
        View::parse(hash).0
    }

    /// Reads the hash, and says what of it could not be used and what is
    /// shown instead (`#stat=p42`, a seventh pair, a reversed range).
    pub fn parse(hash: &str) -> (View, Vec<String>) {
        let mut v = View::default();
        let mut notes = Vec::new();
        let decoded = percent_decode(hash);
        let (route, rest) = Route::split(&decoded);
        v.route = route;
        let rest = rest.trim_start_matches('/').trim_start_matches('?');
        let refuse = |notes: &mut Vec<String>, key: &str, value: &str, shown: &str| {
            let value: String = value.chars().take(40).collect();
            notes.push(format!(
                "The link's {key} “{value}” is not one this page knows; showing {shown}."
            ));
        };
        for kv in rest.split('&') {
            match kv.split_once('=') {
                Some(("window", w)) if valid_code(w) => v.window = w.into(),
                Some(("window", w)) => refuse(&mut notes, "window", w, "the 1 d window"),
                Some(("stat", s)) if shared::stats::Stat::from_id(s).is_some() => v.stat = s.into(),
                Some(("stat", s)) => refuse(&mut notes, "statistic", s, "p50"),
                Some(("geo", g)) => {
                    let (good, bad) = code_list(g);
                    v.geos = good;
                    for b in bad {
                        refuse(&mut notes, "geography", b, "the others");
                    }
                }
                Some(("region", r)) => {
                    let (good, bad) = code_list(r);
                    v.regions = good;
                    for b in bad {
                        refuse(&mut notes, "region", b, "the others");
                    }
                }
                Some(("sort", s)) => match Sort::from_id(s) {
                    Some(sort) => v.sort = sort,
                    None => refuse(&mut notes, "row order", s, "rows in geographic order"),
                },
                Some(("pairs", p)) => {
                    for pair in p.split(',').filter(|p| !p.is_empty()) {
                        match pair.split_once(':') {
                            Some((a, b)) if valid_code(a) && valid_code(b) => {
                                let pair = (a.to_string(), b.to_string());
                                if v.pairs.contains(&pair) {
                                    continue;
                                }
                                if v.pairs.len() < MAX_PAIRS {
                                    v.pairs.push(pair);
                                } else {
                                    notes.push(format!(
                                        "The link names more than {MAX_PAIRS} pairs; the graph shows the first {MAX_PAIRS}."
                                    ));
                                    break;
                                }
                            }
                            _ => refuse(&mut notes, "pair", pair, "the other pairs"),
                        }
                    }
                }
                Some(("range", r)) => match Range::from_id(r) {
                    Some(range) => v.range = range,
                    None => refuse(&mut notes, "time range", r, "the last 7 days"),
                },
                Some(("week", "local")) => v.local_week = true,
                Some(("week", "utc")) => v.local_week = false,
                Some(("week", w)) => refuse(&mut notes, "time zone", w, "the week in UTC"),
                Some(("mode", m)) => match Mode::from_id(m) {
                    Some(mode) => v.mode = mode,
                    None => refuse(&mut notes, "matrix view", m, "the latencies"),
                },
                Some(("base", b)) if valid_code(b) || day_span(b).is_some() => v.base = b.into(),
                Some(("base", b)) => refuse(&mut notes, "base window", b, "the 30 d window"),
                Some(("now", n)) if day_span(n).is_some() => v.now = Some(n.into()),
                Some(("from", f)) if valid_code(f) => v.map_from = Some(f.into()),
                Some(("from", f)) => refuse(&mut notes, "map origin", f, "the first region"),
                Some(("now", n)) => refuse(&mut notes, "span", n, "the window"),
                Some(("unit", "pct")) => v.pct = true,
                Some(("unit", "ms")) => v.pct = false,
                Some(("unit", u)) => refuse(&mut notes, "unit", u, "ms"),
                _ => {}
            }
        }
        (v, notes)
    }

    /// Makes the view one the feed can show: a window, statistic,
    /// geography, region or pair the manifest lacks falls back (to the first
    /// window, p50, all, none), and each fallback is said in a note, so that
    /// the controls show what is in effect and the reader knows why.
    pub fn fit(&mut self, m: &shared::feed::v2::Manifest) -> Vec<String> {
        let mut notes = Vec::new();
        let known = |code: &str| m.region(code).is_some();
        if !m.windows.iter().any(|w| w.id == self.window)
            && let Some(first) = m.windows.first()
        {
            notes.push(format!(
                "This feed has no “{}” window; showing {}.",
                self.window, first.label
            ));
            self.window = first.id.clone();
        }
        if !m.stats.contains(&self.stat)
            && let Some(first) = m.stats.iter().find(|s| *s == "p50").or(m.stats.first())
        {
            notes.push(format!(
                "This feed has no “{}” statistic; showing {first}.",
                self.stat
            ));
            self.stat = first.clone();
        }
        let geos = crate::grid::geographies(m);
        let before = self.geos.len();
        self.geos.retain(|g| {
            let ok = geos.iter().any(|(id, _)| id == g);
            if !ok {
                notes.push(format!(
                    "This feed has no region in “{g}”; that filter is off."
                ));
            }
            ok
        });
        if before > 0 && self.geos.is_empty() {
            notes.push("Showing every geography.".into());
        }
        self.regions.retain(|r| {
            let ok = known(r);
            if !ok {
                notes.push(format!(
                    "This feed has no region “{r}”; that filter is off."
                ));
            }
            ok
        });
        if self.mode == Mode::Change
            && day_span(&self.base).is_none()
            && !m.windows.iter().any(|w| w.id == self.base)
            && let Some(usual) = m
                .windows
                .iter()
                .find(|w| w.id == DEFAULT_BASE)
                .or(m.windows.last())
        {
            // The default base when the feed has it, else its longest window.
            notes.push(format!(
                "This feed has no “{}” window to compare with; comparing with {}.",
                self.base, usual.label
            ));
            self.base = usual.id.clone();
        }
        if let Sort::Column { dst, .. } = &self.sort
            && !known(dst)
        {
            notes.push(format!(
                "This feed has no region “{dst}” to sort by; rows are in geographic order."
            ));
            self.sort = Sort::Geo;
        }
        self.pairs.retain(|(a, b)| {
            let ok = known(a) && known(b);
            if !ok {
                notes.push(format!(
                    "This feed has no pair {a} → {b}; it is left out of the graph."
                ));
            }
            ok
        });
        notes
    }

    /// The hash for this view.
    pub fn to_hash(&self) -> String {
        match self.route {
            Route::Api => "#/api".into(),
            Route::Map => self.map_hash(),
            Route::Home => self.home_hash(),
        }
    }

    /// The hash of the map with this view's settings.
    pub fn map_hash(&self) -> String {
        // The matrix page's settings ride along (filters, open pairs, a
        // comparison), so that its link from the map returns to them.
        let mut h = format!("#/map?{}", self.home_hash().trim_start_matches('#'));
        if let Some(from) = &self.map_from {
            let _ = write!(h, "&from={from}");
        }
        h
    }

    /// The hash of the matrix page with this view's settings.
    pub fn home_hash(&self) -> String {
        let mut h = format!("#window={}&stat={}", self.window, self.stat);
        if !self.geos.is_empty() {
            let _ = write!(h, "&geo={}", self.geos.join(","));
        }
        if !self.regions.is_empty() {
            let _ = write!(h, "&region={}", self.regions.join(","));
        }
        if self.sort != Sort::Geo {
            let _ = write!(h, "&sort={}", self.sort.id());
        }
        if !self.pairs.is_empty() {
            let pairs: Vec<String> = self.pairs.iter().map(|(a, b)| format!("{a}:{b}")).collect();
            let _ = write!(h, "&pairs={}", pairs.join(","));
        }
        if self.range != Range::default() {
            let _ = write!(h, "&range={}", self.range.id());
        }
        if self.local_week {
            h.push_str("&week=local");
        }
        match self.mode {
            Mode::Latency => {}
            Mode::Asymmetry => h.push_str("&mode=asym"),
            Mode::Change => {
                let _ = write!(h, "&mode=diff&base={}", self.base);
                if let Some(now) = &self.now {
                    let _ = write!(h, "&now={now}");
                }
            }
        }
        if self.pct && self.mode != Mode::Latency {
            h.push_str("&unit=pct");
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_keeps_its_origin_in_the_link() {
        let (v, notes) = View::parse("#/map?window=7d&stat=p90&from=eu-west-1");
        assert!(notes.is_empty());
        assert_eq!(
            (v.route, v.map_from.as_deref()),
            (Route::Map, Some("eu-west-1"))
        );
        assert_eq!(v.to_hash(), "#/map?window=7d&stat=p90&from=eu-west-1");
        assert_eq!(View::from_hash(&v.to_hash()), v);
        let (v, notes) = View::parse("#/map?from=<x>");
        assert_eq!((v.map_from, notes.len()), (None, 1));
        assert_eq!(View::parse("#/map").0.to_hash(), "#/map?window=1d&stat=p50");
    }

    #[test]
    fn the_comparison_modes_round_trip_and_bad_ones_fall_back() {
        let (v, notes) = View::parse("#window=1d&stat=p50&mode=diff&base=7d&unit=pct");
        assert!(notes.is_empty());
        assert_eq!((v.mode, v.base.as_str(), v.pct), (Mode::Change, "7d", true));
        assert_eq!(
            v.to_hash(),
            "#window=1d&stat=p50&mode=diff&base=7d&unit=pct"
        );
        let (v, _) = View::parse("#mode=asym");
        assert_eq!(v.mode, Mode::Asymmetry);
        assert_eq!(v.to_hash(), "#window=1d&stat=p50&mode=asym");
        // The unit only matters to a comparison; the base only to a change.
        let (v, _) = View::parse("#unit=pct&base=7d");
        assert_eq!(v.to_hash(), "#window=1d&stat=p50");
        // Two custom spans of days.
        let h =
            "#window=1d&stat=p50&mode=diff&base=2026-10-01..2026-10-31&now=2026-11-10..2026-11-16";
        let (v, notes) = View::parse(h);
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(v.now.as_deref(), Some("2026-11-10..2026-11-16"));
        assert_eq!(day_span(&v.base).map(|(a, b)| (b - a) / 86_400), Some(31));
        assert_eq!(v.to_hash(), h);
        assert_eq!(day_span("7d"), None, "a preset is no span");
        let (v, notes) = View::parse("#mode=diff&now=2026-11-16..2026-11-10");
        assert_eq!((v.now, notes.len()), (None, 1), "a reversed span");
        let (v, notes) = View::parse("#mode=sideways&unit=furlongs&base=<b>");
        assert_eq!(
            (v.mode, v.pct, v.base.as_str()),
            (Mode::Latency, false, DEFAULT_BASE)
        );
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes[0].contains("“sideways”") && notes[0].contains("the latencies"));
    }

    #[test]
    fn view_round_trips_through_the_hash() {
        let v = View {
            window: "7d".into(),
            stat: "p90".into(),
            ..View::default()
        };
        assert_eq!(
            v.to_hash(),
            "#window=7d&stat=p90",
            "defaults stay out of links"
        );
        assert_eq!(View::from_hash(&v.to_hash()), v);
        assert_eq!(View::from_hash(""), View::default());
        assert_eq!(View::from_hash("#stat=bogus&x=1").stat, "p50");

        let full = View {
            route: Route::Home,
            window: "30d".into(),
            stat: "p99".into(),
            geos: vec!["asia-pacific".into(), "europe".into()],
            regions: vec!["eu-west-1".into(), "us-east-1".into()],
            sort: Sort::Column {
                dst: "eu-west-1".into(),
                desc: true,
            },
            pairs: vec![
                ("us-east-1".into(), "eu-west-1".into()),
                ("eu-west-1".into(), "us-east-1".into()),
            ],
            range: Range::Custom {
                from: "2026-11-01".into(),
                to: "2026-11-19".into(),
            },
            local_week: true,
            mode: Mode::Change,
            base: "365d".into(),
            now: None,
            pct: true,
            map_from: None,
        };
        let h = full.to_hash();
        assert_eq!(
            h,
            "#window=30d&stat=p99&geo=asia-pacific,europe&region=eu-west-1,us-east-1\
             &sort=col:eu-west-1:desc&pairs=us-east-1:eu-west-1,eu-west-1:us-east-1\
             &range=2026-11-01..2026-11-19&week=local&mode=diff&base=365d&unit=pct"
        );
        assert_eq!(View::from_hash(&h), full);
        // Browsers may percent-encode the fragment.
        assert_eq!(View::from_hash(&h.replace(':', "%3A")), full);
    }

    #[test]
    fn the_map_route_keeps_the_matrix_page_settings() {
        let home = "#window=7d&stat=p90&geo=europe&pairs=us-east-1:eu-west-1&mode=asym";
        let mut v = View::from_hash(home);
        v.route = Route::Map;
        v.map_from = Some("eu-west-1".into());
        let map = v.to_hash();
        assert_eq!(map, format!("#/map?{}&from=eu-west-1", &home[1..]));
        let back = View::from_hash(&map);
        assert_eq!(
            (back.route, back.map_from.as_deref()),
            (Route::Map, Some("eu-west-1"))
        );
        assert_eq!(back.home_hash(), home);
    }

    #[test]
    fn the_route_alone_reads_as_the_whole_parse_does() {
        for h in [
            "",
            "#",
            "#window=7d",
            "#/api",
            "#/map?from=eu-west-1",
            "#%2Fmap",
            "#/",
        ] {
            assert_eq!(Route::of_hash(h), View::from_hash(h).route, "{h}");
        }
    }

    #[test]
    fn the_api_route_keeps_nothing_else() {
        let v = View::from_hash("#/api");
        assert_eq!(v.route, Route::Api);
        assert_eq!(v.to_hash(), "#/api");
        assert_eq!(View::from_hash("#/").route, Route::Home);
    }

    #[test]
    fn bad_values_fall_back() {
        let v = View::from_hash(
            "#geo=Europe,<b>&region=us-east-1,us-east-1&sort=col:&range=2026-11-20..2026-11-01&pairs=a:b,c,d:e:f",
        );
        assert!(v.geos.is_empty());
        assert_eq!(v.regions, vec!["us-east-1".to_string()]);
        assert_eq!(v.sort, Sort::Geo);
        assert_eq!(v.range, Range::default(), "a reversed range is refused");
        assert_eq!(v.pairs, vec![("a".to_string(), "b".to_string())]);
        let many: Vec<String> = (0..10).map(|i| format!("r{i}:s{i}")).collect();
        let v = View::from_hash(&format!("#pairs={}", many.join(",")));
        assert_eq!(v.pairs.len(), MAX_PAIRS);
    }

    #[test]
    fn refused_values_are_said() {
        let (v, notes) =
            View::parse("#window=9%20d&stat=p42&sort=col:&range=soon&geo=Mars&pairs=a:b,c");
        assert_eq!((v.window.as_str(), v.stat.as_str()), ("1d", "p50"));
        assert_eq!(notes.len(), 6, "{notes:?}");
        assert!(notes[1].contains("statistic “p42”"), "{notes:?}");
        assert!(notes.iter().any(|n| n.contains("pair “c”")), "{notes:?}");
        let many: Vec<String> = (0..8).map(|i| format!("r{i}:s{i}")).collect();
        let (v, notes) = View::parse(&format!("#pairs={}", many.join(",")));
        assert_eq!(v.pairs.len(), MAX_PAIRS);
        assert_eq!(
            notes,
            vec![format!(
                "The link names more than {MAX_PAIRS} pairs; the graph shows the first {MAX_PAIRS}."
            )]
        );
        assert_eq!(View::parse("#window=7d&stat=p90").1, Vec::<String>::new());
    }

    #[test]
    fn values_the_feed_lacks_fall_back_to_what_it_has() {
        let m: shared::feed::v2::Manifest = serde_json::from_str(include_str!(
            "../../shared/tests/fixtures/feed/v2/manifest.json"
        ))
        .unwrap();
        let mut v = View::from_hash(
            "#window=99d&sort=col:nope&geo=mars,europe&region=us-east-1,xx-nowhere-1&pairs=us-east-1:eu-west-1,us-east-1:xx-nowhere-1",
        );
        let notes = v.fit(&m);
        assert_eq!(v.window, m.windows[0].id);
        assert_eq!(v.sort, Sort::Geo);
        assert_eq!(v.geos, vec!["europe".to_string()]);
        assert_eq!(v.regions, vec!["us-east-1".to_string()]);
        assert_eq!(
            v.pairs,
            vec![("us-east-1".to_string(), "eu-west-1".to_string())]
        );
        assert_eq!(notes.len(), 5, "{notes:?}");
        assert!(
            notes[0].starts_with("This feed has no “99d” window; showing"),
            "{notes:?}"
        );
        // A base the feed lacks: its longest window (here 7 d) ...
        let mut v = View::from_hash("#mode=diff&base=banana");
        let notes = v.fit(&m);
        assert_eq!(v.base, "7d", "{notes:?}");
        assert!(
            notes[0].contains("no “banana” window to compare with"),
            "{notes:?}"
        );
        // ... or the usual 30 d when it has one, even with a longer one.
        let mut longer = m.clone();
        for id in [DEFAULT_BASE, "365d"] {
            let mut w = longer.windows[1].clone();
            w.id = id.into();
            longer.windows.push(w);
        }
        let mut v = View::from_hash("#mode=diff&base=banana");
        v.fit(&longer);
        assert_eq!(v.base, DEFAULT_BASE);
        let mut fine = View::from_hash("#window=7d&stat=p90&geo=europe");
        assert!(fine.fit(&m).is_empty());
        assert_eq!(fine, View::from_hash("#window=7d&stat=p90&geo=europe"));
    }

    #[test]
    fn custom_ranges_cover_whole_days() {
        let r = Range::from_id("2026-11-19..2026-11-19").unwrap();
        let (a, b) = r.custom_bounds().unwrap();
        assert_eq!(b - a, 86_400);
        assert_eq!(shared::time::rfc3339(a), "2026-11-19T00:00:00Z");
        assert_eq!(Range::from_id("2026-11-19"), None);
        assert_eq!(Range::from_id("1y"), Some(Range::Last(Preset::Year)));
    }
}
