//! The app's state: the view (what the URL hash holds) and every feed file
//! fetched so far, changed only through [`Action`]s.
//!
//! The reducer is pure, so it is tested on the host. Which files the current
//! view needs and that are not fetched yet is [`State::wants`]; the app fetches
//! them and reports back with [`Action::Loaded`].

use std::rc::Rc;

use shared::feed::v2::{Changes, Manifest, Matrix, Series, SeriesChunk, SeriesIndex};
use yew::Reducible;

use crate::api::{Fetch, Loaded, Shared, Want};
use crate::span;
use crate::view::{MAX_PAIRS, Mode, Pair, Range, Route, Sort, View, day_span};

/// Fetched files by path. A handful at most, so a list: it keeps the wasm
/// bundle smaller than another map type would.
#[derive(Debug, Clone, PartialEq)]
pub struct Files<T>(Vec<(String, Fetch<T>)>);

impl<T> Default for Files<T> {
    fn default() -> Self {
        Files(Vec::new())
    }
}

impl<T> Files<T> {
    /// The fetch of a path.
    pub fn get(&self, path: &str) -> Option<&Fetch<T>> {
        self.0.iter().find(|(p, _)| p == path).map(|(_, f)| f)
    }

    /// Whether a path was requested.
    pub fn contains_key(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// Sets the fetch of a path.
    pub fn insert(&mut self, path: String, fetch: Fetch<T>) {
        match self.0.iter_mut().find(|(p, _)| *p == path) {
            Some(slot) => slot.1 = fetch,
            None => self.0.push((path, fetch)),
        }
    }

    /// Forgets the failed fetches.
    pub fn forget_failed(&mut self) {
        self.0.retain(|(_, f)| !matches!(f, Fetch::Failed(_)));
    }
}

/// Everything the page knows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct State {
    /// What is shown.
    pub view: View,
    /// The manifest; `None` until requested.
    pub manifest: Option<Fetch<Shared<Manifest>>>,
    /// Matrices by path.
    pub matrices: Files<Shared<Matrix>>,
    /// The series index, by path.
    pub index: Option<(String, Fetch<Shared<SeriesIndex>>)>,
    /// Series chunks by path.
    pub series: Files<Shared<SeriesChunk>>,
    /// The level shifts (`changes.json`); `None` until requested, which
    /// waits for the full matrix so that it never delays the first paint.
    pub changes: Option<Fetch<Shared<Changes>>>,
    /// What of the followed link could not be shown, and what is shown
    /// instead (see [`View::parse`] and [`View::fit`]).
    pub notes: Vec<String>,
    /// Why the last request to the graph was refused (a seventh pair).
    pub graph_note: Option<String>,
    /// The view differs from the followed link only by fallbacks: the
    /// address bar is corrected in place, without a history entry.
    pub corrected: bool,
    /// Where keyboard focus goes once the change is drawn (a CSS selector),
    /// numbered so that the same place twice still moves it: after a pair is
    /// removed, to the next pair's remove button or, with none left, to the
    /// pair's cell; after the graph is closed, to the first pair's cell.
    pub focus: Option<(u32, String)>,
    /// Requests to bring the graph to the top of the window once it is
    /// drawn, numbered: each opened pair asks once (see `use_show_graph`).
    pub show_graph: u32,
    /// The visitor's own round trips ("From your browser"), one per
    /// region, in the order measured; empty until asked for.
    pub browser: Rc<Vec<crate::measure::RegionRtt>>,
    /// The map's land; `None` until the map opens.
    pub land: Option<Fetch<Shared<crate::api::Land>>>,
}

/// Asks for focus at `to`, numbered after the last request.
fn move_focus(focus: &mut Option<(u32, String)>, to: String) {
    *focus = Some((focus.as_ref().map_or(0, |f| f.0 + 1), to));
}

/// The selector of a pair's cell in the matrix.
pub fn cell_selector((src, dst): &Pair) -> String {
    format!("#matrix td[data-src=\"{src}\"][data-dst=\"{dst}\"]")
}

/// The selector of a pair's remove button in the graph.
pub fn remove_selector((src, dst): &Pair) -> String {
    format!("ul.pairs li[data-pair=\"{src}:{dst}\"] button.remove")
}

/// Every change to [`State`].
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Show this view.
    Navigate(View),
    /// Follow a URL hash (the page opened, the hash changed): its view,
    /// with a note for each value that could not be used.
    Follow(String),
    /// Go to a page, keeping the rest of the view.
    Route(Route),
    /// Pick the window.
    Window(String),
    /// Pick the statistic.
    Stat(String),
    /// Show or hide a geography (none ticked = all).
    ToggleGeo(String),
    /// Show or hide a region (none ticked = all).
    ToggleRegion(String),
    /// Show every geography and region again.
    ClearFilters,
    /// Order the rows.
    Sort(Sort),
    /// Sort by a column: ascending, then descending, then back to geographic.
    SortByColumn(String),
    /// Open a pair's graph: alone, or added to the pairs shown.
    OpenPair {
        /// The pair.
        pair: Pair,
        /// Add to the graph instead of replacing it.
        add: bool,
    },
    /// Take a pair out of the graph.
    RemovePair(Pair),
    /// Close the graph.
    ClearPairs,
    /// Set the graph's time range.
    Range(Range),
    /// Show the weekly pattern in local time (`true`) or UTC.
    LocalWeek(bool),
    /// What the matrix cells show.
    Mode(Mode),
    /// The window a change is measured against.
    Base(String),
    /// Comparisons in percent (`true`) or ms.
    Percent(bool),
    /// A measurement from the browser began: these (region, URL) targets,
    /// all pending (none: forget the results).
    BrowserStart(Vec<(String, String)>),
    /// One region's measurement from the browser ended.
    BrowserResult(crate::measure::RegionRtt),
    /// A fetch started.
    Started(Want),
    /// A fetch ended.
    Loaded(Loaded),
    /// Forget every failed fetch, so that it is tried again.
    Retry,
}

fn toggle(list: &mut Vec<String>, item: String) {
    if let Some(i) = list.iter().position(|x| *x == item) {
        list.remove(i);
    } else {
        list.push(item);
        crate::format::sort_small(list, |a, b| a < b);
    }
}

impl State {
    /// A fresh state showing `view`.
    pub fn new(view: View) -> State {
        State {
            view,
            ..State::default()
        }
    }

    /// A fresh state following a URL hash.
    pub fn from_hash(hash: &str) -> State {
        let mut s = State::default();
        s.apply(Action::Follow(hash.to_string()));
        s
    }

    /// Applies one action.
    pub fn apply(&mut self, action: Action) {
        let fits = matches!(
            action,
            Action::Follow(_) | Action::Loaded(Loaded::Manifest(Ok(_)))
        );
        if !matches!(
            action,
            Action::Started(_)
                | Action::Loaded(_)
                | Action::Retry
                | Action::BrowserStart(_)
                | Action::BrowserResult(_)
        ) {
            // A change the reader made: the old notes no longer apply.
            self.notes.clear();
            self.graph_note = None;
            self.corrected = false;
        }
        let v = &mut self.view;
        match action {
            Action::Navigate(view) => *v = view,
            Action::Follow(hash) => {
                let (view, notes) = View::parse(&hash);
                // Going to the API page keeps the matrix's settings for the way back.
                if view.route == Route::Api {
                    v.route = Route::Api;
                } else {
                    *v = view;
                }
                // Refused values: the address bar stops showing them.
                self.corrected = !notes.is_empty();
                self.notes = notes;
            }
            Action::Route(r) => v.route = r,
            Action::Window(w) => v.window = w,
            Action::Stat(s) => v.stat = s,
            Action::ToggleGeo(g) => toggle(&mut v.geos, g),
            Action::ToggleRegion(r) => toggle(&mut v.regions, r),
            Action::ClearFilters => {
                v.geos.clear();
                v.regions.clear();
            }
            Action::Sort(s) => v.sort = s,
            Action::SortByColumn(dst) => {
                v.sort = match &v.sort {
                    Sort::Column {
                        dst: d,
                        desc: false,
                    } if *d == dst => Sort::Column { dst, desc: true },
                    Sort::Column { dst: d, desc: true } if *d == dst => Sort::Geo,
                    _ => Sort::Column { dst, desc: false },
                }
            }
            Action::OpenPair { pair, add } => {
                self.show_graph += 1;
                if !add {
                    v.pairs = vec![pair];
                } else if v.pairs.len() >= MAX_PAIRS && !v.pairs.contains(&pair) {
                    self.graph_note = Some(format!(
                        "The graph holds {MAX_PAIRS} pairs at most: remove one (×) to add {} → {}.",
                        pair.0, pair.1
                    ));
                } else if !v.pairs.contains(&pair) {
                    v.pairs.push(pair);
                }
            }
            Action::RemovePair(pair) => {
                let at = v.pairs.iter().position(|p| *p == pair);
                v.pairs.retain(|p| *p != pair);
                if let Some(at) = at {
                    let to = match v.pairs.get(at).or(v.pairs.last()) {
                        Some(next) => remove_selector(next),
                        None => cell_selector(&pair),
                    };
                    move_focus(&mut self.focus, to);
                }
            }
            Action::ClearPairs => {
                if let Some(first) = v.pairs.first() {
                    let to = cell_selector(first);
                    move_focus(&mut self.focus, to);
                }
                v.pairs.clear();
            }
            Action::Range(r) => v.range = r,
            Action::LocalWeek(local) => v.local_week = local,
            Action::Mode(mode) => {
                v.mode = mode;
                // A base the feed lacks (the default 30 d of a young feed):
                // the longest window, which the controls then show.
                if let Some(Fetch::Ready(m)) = &self.manifest
                    && !m.windows.iter().any(|w| w.id == v.base)
                    && let Some(longest) = m.windows.last()
                {
                    v.base = longest.id.clone();
                }
            }
            Action::Base(b) => v.base = b,
            Action::Percent(pct) => v.pct = pct,
            Action::BrowserStart(targets) => {
                self.browser = Rc::new(
                    targets
                        .into_iter()
                        .map(|(region, url)| crate::measure::RegionRtt {
                            region,
                            url,
                            outcome: crate::measure::Outcome::Pending,
                        })
                        .collect(),
                );
            }
            Action::BrowserResult(r) => {
                let list = Rc::make_mut(&mut self.browser);
                if let Some(slot) = list.iter_mut().find(|x| x.region == r.region) {
                    *slot = r;
                }
            }
            Action::Started(want) => match want {
                Want::Manifest => self.manifest = Some(Fetch::Loading),
                Want::Matrix(p) => {
                    self.matrices.insert(p, Fetch::Loading);
                }
                Want::Index(p) => self.index = Some((p, Fetch::Loading)),
                Want::Series(p) => {
                    self.series.insert(p, Fetch::Loading);
                }
                Want::Changes => self.changes = Some(Fetch::Loading),
                Want::Land => self.land = Some(Fetch::Loading),
            },
            Action::Loaded(loaded) => {
                fn fetch<T>(r: Result<T, crate::api::FetchError>) -> Fetch<T> {
                    r.map_or_else(Fetch::Failed, Fetch::Ready)
                }
                match loaded {
                    Loaded::Manifest(r) => self.manifest = Some(fetch(r)),
                    Loaded::Matrix(p, r) => {
                        self.matrices.insert(p, fetch(r));
                    }
                    Loaded::Index(p, r) => self.index = Some((p, fetch(r))),
                    Loaded::Series(p, r) => {
                        self.series.insert(p, fetch(r));
                    }
                    Loaded::Changes(r) => self.changes = Some(fetch(r)),
                    Loaded::Land(r) => self.land = Some(fetch(r)),
                }
            }
            Action::Retry => {
                if matches!(self.manifest, Some(Fetch::Failed(_))) {
                    self.manifest = None;
                }
                if matches!(self.index, Some((_, Fetch::Failed(_)))) {
                    self.index = None;
                }
                if matches!(self.changes, Some(Fetch::Failed(_))) {
                    self.changes = None;
                }
                if matches!(self.land, Some(Fetch::Failed(_))) {
                    self.land = None;
                }
                self.matrices.forget_failed();
                self.series.forget_failed();
            }
        }
        if fits && let Some(m) = self.manifest().cloned() {
            let notes = self.view.fit(&m);
            self.corrected |= !notes.is_empty();
            self.notes.extend(notes);
        }
    }

    /// The manifest, once ready.
    pub fn manifest(&self) -> Option<&Shared<Manifest>> {
        self.manifest.as_ref().and_then(Fetch::ready)
    }

    /// The selected window (the first window if the hash names one the feed lacks).
    fn window_info(&self) -> Option<&shared::feed::v2::WindowInfo> {
        let m = self.manifest()?;
        m.windows
            .iter()
            .find(|w| w.id == self.view.window)
            .or_else(|| m.windows.first())
    }

    /// Path of the selected window's full matrix (every statistic).
    pub fn matrix_path(&self) -> Option<&str> {
        self.window_info().map(|w| w.matrix.as_str())
    }

    /// Path of the selected window's file of the selected statistic alone:
    /// what the table needs first. The full matrix when the feed has no view
    /// of that statistic.
    pub fn view_path(&self) -> Option<&str> {
        let w = self.window_info()?;
        Some(w.views.get(&self.view.stat).unwrap_or(&w.matrix))
    }

    /// Path of the base window's file of the selected statistic, when the
    /// matrix shows a change against it.
    pub fn base_path(&self) -> Option<&str> {
        if self.view.mode != Mode::Change || day_span(&self.view.base).is_some() {
            return None;
        }
        let w = self
            .manifest()?
            .windows
            .iter()
            .find(|w| w.id == self.view.base)?;
        Some(w.views.get(&self.view.stat).unwrap_or(&w.matrix))
    }

    /// The custom spans of days a change holds against each other (its
    /// `now`, then its `base`), where they are spans, not windows.
    pub fn custom_spans(&self) -> Vec<(i64, i64)> {
        if self.view.mode != Mode::Change {
            return Vec::new();
        }
        let now = self.view.now.as_deref().and_then(day_span);
        now.into_iter().chain(day_span(&self.view.base)).collect()
    }

    /// The daily chunks of every source that hold `span`, once the series
    /// index is here.
    pub fn span_paths(&self, (from, to): (i64, i64)) -> Option<Vec<String>> {
        let index = self.series_index()?;
        Some(
            index
                .sources
                .keys()
                .flat_map(|src| index.chunk_paths(src, "1d", from, to))
                .map(|(_, p)| p)
                .collect(),
        )
    }

    /// The daily chunks that hold `span`: loading until every one is here
    /// (or the index is), failed if one failed.
    pub fn span_chunks(&self, span: (i64, i64)) -> Fetch<Vec<Shared<SeriesChunk>>> {
        if let Some((_, Fetch::Failed(e))) = &self.index {
            return Fetch::Failed(e.clone());
        }
        let Some(paths) = self.span_paths(span) else {
            return Fetch::Loading;
        };
        let mut out = Vec::with_capacity(paths.len());
        for p in &paths {
            match self.series.get(p) {
                Some(Fetch::Ready(c)) => out.push(c.clone()),
                Some(Fetch::Failed(e)) => return Fetch::Failed(e.clone()),
                _ => return Fetch::Loading,
            }
        }
        Fetch::Ready(out)
    }

    /// The base window's fetch, when the matrix shows a change.
    pub fn base_matrix(&self) -> Option<&Fetch<Shared<Matrix>>> {
        self.matrices.get(self.base_path()?)
    }

    /// The matrix to show: the full one once it is here (or its failure, so
    /// a broken file is reported, not waited for), else the view of the
    /// selected statistic (which may still be loading).
    pub fn matrix(&self) -> Option<&Fetch<Shared<Matrix>>> {
        match self.full_matrix() {
            Some(full @ (Fetch::Ready(_) | Fetch::Failed(_))) => Some(full),
            _ => self.matrices.get(self.view_path()?),
        }
    }

    /// The selected window's full matrix fetch (for details and downloads).
    pub fn full_matrix(&self) -> Option<&Fetch<Shared<Matrix>>> {
        self.matrices.get(self.matrix_path()?)
    }

    /// The series index, once ready.
    pub fn series_index(&self) -> Option<&Shared<SeriesIndex>> {
        let path = self.manifest()?.series_index.as_deref()?;
        match &self.index {
            Some((p, Fetch::Ready(i))) if p == path => Some(i),
            _ => None,
        }
    }

    /// Per pair in the graph, the chunk files that hold the range at the
    /// resolution that fits it (`None` where the feed has no series for the
    /// pair's source).
    pub fn series_paths(&self) -> Vec<(Pair, Option<Vec<String>>)> {
        let (Some(index), Some(anchor)) = (
            self.series_index(),
            self.manifest().and_then(|m| span::anchor(m)),
        ) else {
            return Vec::new();
        };
        self.view
            .pairs
            .iter()
            .map(|p| {
                let paths = span::choose(index, p, &self.view.range, anchor).map(|(_, f)| f);
                (p.clone(), paths)
            })
            .collect()
    }

    /// A pair's series over its chunks: failed if one chunk failed, loading
    /// while one is not here, else the chunks joined (`None` without chunks).
    pub fn pair_series(&self, pair: &Pair, paths: &[String]) -> Option<Fetch<Shared<Series>>> {
        let mut chunks = Vec::with_capacity(paths.len());
        for p in paths {
            match self.series.get(p) {
                Some(Fetch::Ready(c)) => chunks.push(&**c),
                Some(Fetch::Failed(e)) => return Some(Fetch::Failed(e.clone())),
                _ => return Some(Fetch::Loading),
            }
        }
        SeriesChunk::pair_series(&chunks, &pair.1).map(|s| Fetch::Ready(Shared::new(s)))
    }

    /// `[from, to)` of the weekly pattern: the [`WEEKS`](crate::chart::week::WEEKS)
    /// weeks of whole hours up to the newest data.
    pub fn week_range(&self) -> Option<(i64, i64)> {
        let to = shared::time::floor_to(span::anchor(self.manifest()?)?, 3600);
        Some((to - crate::chart::week::SPAN_SECONDS, to))
    }

    /// The weekly pattern's pair (the graph's first) and the hourly chunk
    /// files over [`State::week_range`]; no files where the feed has no
    /// hourly series of the pair's source.
    pub fn week_paths(&self) -> Option<(Pair, Vec<String>)> {
        let pair = self.view.pairs.first()?;
        let (from, to) = self.week_range()?;
        let paths = self
            .series_index()?
            .chunk_paths(&pair.0, "1h", from, to)
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        Some((pair.clone(), paths))
    }

    /// Whether every chunk the chart needs has arrived or failed.
    fn chart_settled(&self) -> bool {
        self.series_paths().iter().all(|(_, paths)| {
            paths
                .iter()
                .flatten()
                .all(|p| matches!(self.series.get(p), Some(Fetch::Ready(_) | Fetch::Failed(_))))
        })
    }

    /// The feed files the view needs that have not been requested yet.
    pub fn wants(&self) -> Vec<Want> {
        let mut out = Vec::new();
        let Some(fetch) = &self.manifest else {
            return vec![Want::Manifest];
        };
        let Fetch::Ready(m) = fetch else {
            return out;
        };
        // The one statistic on show first, then (once it is here) the full
        // matrix, so the first paint waits for the small file only.
        let full_ready = matches!(self.full_matrix(), Some(Fetch::Ready(_)));
        if let Some(p) = self.view_path() {
            match self.matrices.get(p) {
                None if !full_ready => out.push(Want::Matrix(p.to_string())),
                Some(Fetch::Ready(_)) | None => {
                    if let Some(full) = self.matrix_path()
                        && !self.matrices.contains_key(full)
                    {
                        out.push(Want::Matrix(full.to_string()));
                    }
                }
                Some(_) => {}
            }
        }
        // The base map once the map opens, after the matrix it colours.
        if self.view.route == Route::Map && self.land.is_none() {
            out.push(Want::Land);
        }
        if self.view.route != Route::Home {
            return out;
        }
        // The base of a change, once the window's own figures are here.
        if let Some(p) = self.base_path()
            && !self.matrices.contains_key(p)
            && matches!(self.matrix(), Some(Fetch::Ready(_)))
            && !out.contains(&Want::Matrix(p.to_string()))
        {
            out.push(Want::Matrix(p.to_string()));
        }
        // The level shifts once the matrix is settled: they never hold up its paint.
        if self.changes.is_none()
            && matches!(self.full_matrix(), Some(Fetch::Ready(_) | Fetch::Failed(_)))
        {
            out.push(Want::Changes);
        }
        // Custom spans of a change: the index, then every source's daily
        // chunks over them, once the matrix is shown.
        let spans = self.custom_spans();
        if self.view.pairs.is_empty() && spans.is_empty() {
            return out;
        }
        if let Some(path) = m.series_index.as_deref()
            && !matches!(&self.index, Some((p, _)) if p == path)
        {
            out.push(Want::Index(path.to_string()));
        }
        for (_, paths) in self.series_paths() {
            for p in paths.into_iter().flatten() {
                if !self.series.contains_key(&p) && !out.contains(&Want::Series(p.clone())) {
                    out.push(Want::Series(p));
                }
            }
        }
        if matches!(self.matrix(), Some(Fetch::Ready(_))) {
            for span in spans {
                for p in self.span_paths(span).unwrap_or_default() {
                    if !self.series.contains_key(&p) && !out.contains(&Want::Series(p.clone())) {
                        out.push(Want::Series(p));
                    }
                }
            }
        }
        // The weekly pattern's weeks of hours once the chart has what it needs.
        if self.chart_settled()
            && let Some((_, paths)) = self.week_paths()
        {
            for p in paths {
                if !self.series.contains_key(&p) {
                    out.push(Want::Series(p));
                }
            }
        }
        out
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        if next == *self { self } else { Rc::new(next) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::FetchError;
    use crate::view::Preset;

    fn fixture<T: serde::de::DeserializeOwned>(rel: &str) -> Shared<T> {
        let path = format!(
            "{}/../shared/tests/fixtures/feed/v2/{rel}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        Shared::new(serde_json::from_str(&text).unwrap())
    }

    fn pair(a: &str, b: &str) -> Pair {
        (a.into(), b.into())
    }

    fn run(state: &mut State, actions: impl IntoIterator<Item = Action>) {
        for a in actions {
            state.apply(a);
        }
    }

    #[test]
    fn fetches_follow_the_view() {
        let mut s = State::new(View::default());
        assert_eq!(s.wants(), vec![Want::Manifest]);
        s.apply(Action::Started(Want::Manifest));
        assert_eq!(s.wants(), vec![], "nothing twice");
        s.apply(Action::Loaded(Loaded::Manifest(Ok(fixture(
            "manifest.json",
        )))));
        assert_eq!(s.wants(), vec![Want::Matrix("matrix/1d-p50.json".into())]);
        s.apply(Action::Started(Want::Matrix("matrix/1d-p50.json".into())));
        assert_eq!(s.wants(), vec![], "the full matrix waits for the view");
        s.apply(Action::Loaded(Loaded::Matrix(
            "matrix/1d-p50.json".into(),
            Ok(fixture("matrix/1d-p50.json")),
        )));
        assert!(matches!(s.matrix(), Some(Fetch::Ready(m)) if m.stats.len() == 1));
        assert_eq!(s.wants(), vec![Want::Matrix("matrix/1d.json".into())]);
        s.apply(Action::Started(Want::Matrix("matrix/1d.json".into())));
        s.apply(Action::Loaded(Loaded::Matrix(
            "matrix/1d.json".into(),
            Ok(fixture("matrix/1d.json")),
        )));
        assert!(matches!(s.matrix(), Some(Fetch::Ready(m)) if m.stats.len() == 10));
        assert_eq!(
            s.wants(),
            vec![Want::Changes],
            "the level shifts after the matrix"
        );
        s.apply(Action::Started(Want::Changes));
        assert_eq!(s.wants(), vec![]);
        s.apply(Action::Stat("p90".into()));
        assert_eq!(s.wants(), vec![], "the full matrix has every statistic");
        s.apply(Action::Stat("p50".into()));

        s.apply(Action::Window("7d".into()));
        assert_eq!(s.wants(), vec![Want::Matrix("matrix/7d-p50.json".into())]);
        s.apply(Action::Window("1d".into()));

        // Opening a pair needs the index, then the series that fits the range.
        s.apply(Action::OpenPair {
            pair: pair("us-east-1", "eu-west-1"),
            add: false,
        });
        assert_eq!(s.wants(), vec![Want::Index("series/index.json".into())]);
        s.apply(Action::Loaded(Loaded::Index(
            "series/index.json".into(),
            Ok(fixture("series/index.json")),
        )));
        assert_eq!(
            s.wants(),
            vec![
                Want::Series("series/1h/us-east-1/2026-11-19T00.json".into()),
                Want::Series("series/open/1h/us-east-1/2026-11-20T00.3e8f363a8132430e.json".into()),
            ]
        );
        s.apply(Action::Range(Range::Last(Preset::Day)));
        let wants = s.wants();
        assert_eq!(wants.len(), 12, "2-hour chunks of 5-minute points");
        assert_eq!(
            wants[0],
            Want::Series("series/5m/us-east-1/2026-11-19T12.json".into())
        );
        let pair0 = pair("us-east-1", "eu-west-1");
        let paths: Vec<String> = s.series_paths()[0].1.clone().unwrap();
        assert_eq!(s.pair_series(&pair0, &paths), Some(Fetch::Loading));
        for p in &paths {
            s.apply(Action::Loaded(Loaded::Series(p.clone(), Ok(fixture(p)))));
        }
        let Some(Fetch::Ready(joined)) = s.pair_series(&pair0, &paths) else {
            panic!("the series is ready once every chunk is");
        };
        let whole: Series = (*fixture::<Series>("series/us-east-1/eu-west-1/5m.json")).clone();
        assert_eq!(*joined, whole, "the chunks join into the pair's series");
        // A pair without series wants nothing and says so.
        s.apply(Action::OpenPair {
            pair: pair("ap-northeast-1", "eu-west-1"),
            add: true,
        });
        assert_eq!(
            s.series_paths()[1],
            (pair("ap-northeast-1", "eu-west-1"), None)
        );
    }

    #[test]
    fn a_change_fetches_its_base_window_after_the_shown_one() {
        let mut s = State::from_hash("#window=1d&stat=p50&mode=diff&base=7d");
        s.apply(Action::Loaded(Loaded::Manifest(Ok(fixture(
            "manifest.json",
        )))));
        assert_eq!(s.wants(), vec![Want::Matrix("matrix/1d-p50.json".into())]);
        assert!(s.base_matrix().is_none());
        s.apply(Action::Loaded(Loaded::Matrix(
            "matrix/1d-p50.json".into(),
            Ok(fixture("matrix/1d-p50.json")),
        )));
        let wants = s.wants();
        assert!(
            wants.contains(&Want::Matrix("matrix/7d-p50.json".into())),
            "{wants:?}"
        );
        s.apply(Action::Loaded(Loaded::Matrix(
            "matrix/7d-p50.json".into(),
            Ok(fixture("matrix/7d-p50.json")),
        )));
        assert!(matches!(s.base_matrix(), Some(Fetch::Ready(_))));
        // Another view of the cells needs no base.
        s.apply(Action::Mode(Mode::Asymmetry));
        assert_eq!(s.base_path(), None);
        // The feed has no 30 d window: picking the change mode falls back
        // to its longest window, in the link too.
        let mut s = State::from_hash("#window=1d");
        s.apply(Action::Loaded(Loaded::Manifest(Ok(fixture(
            "manifest.json",
        )))));
        s.apply(Action::Mode(Mode::Change));
        assert_eq!(s.view.base, "7d");
        assert!(s.view.to_hash().ends_with("&mode=diff&base=7d"));
        s.apply(Action::Percent(true));
        assert!(s.view.to_hash().ends_with("&unit=pct"));
        // A link naming a base the feed lacks says so and shows the fallback.
        let mut s = State::from_hash("#mode=diff&base=90d");
        s.apply(Action::Loaded(Loaded::Manifest(Ok(fixture(
            "manifest.json",
        )))));
        assert_eq!(s.view.base, "7d");
        assert!(
            s.notes
                .iter()
                .any(|n| n.contains("“90d” window to compare with")),
            "{:?}",
            s.notes
        );
    }

    #[test]
    fn the_weekly_pattern_and_the_level_shifts_wait_their_turn() {
        let mut s = State::from_hash("#pairs=us-east-1:eu-west-1&range=24h");
        s.apply(Action::Loaded(Loaded::Manifest(Ok(fixture(
            "manifest.json",
        )))));
        s.apply(Action::Loaded(Loaded::Matrix(
            "matrix/1d-p50.json".into(),
            Ok(fixture("matrix/1d-p50.json")),
        )));
        assert!(
            !s.wants().contains(&Want::Changes),
            "not before the full matrix"
        );
        s.apply(Action::Loaded(Loaded::Matrix(
            "matrix/1d.json".into(),
            Ok(fixture("matrix/1d.json")),
        )));
        assert!(s.wants().contains(&Want::Changes));
        // A missing file is kept as such: no retry loop; Retry asks again.
        let missing = FetchError::Status {
            url: shared::feed::v2::CHANGES_PATH.into(),
            status: 404,
        };
        s.apply(Action::Started(Want::Changes));
        s.apply(Action::Loaded(Loaded::Changes(Err(missing.clone()))));
        assert_eq!(s.changes, Some(Fetch::Failed(missing)));
        assert!(!s.wants().contains(&Want::Changes));
        s.apply(Action::Retry);
        assert!(s.wants().contains(&Want::Changes));
        s.apply(Action::Loaded(Loaded::Changes(Ok(fixture("changes.json")))));
        assert!(matches!(&s.changes, Some(Fetch::Ready(c)) if !c.events.is_empty()));

        // Four weeks of whole hours up to the newest data (12:05).
        let to = shared::time::parse_rfc3339("2026-11-20T12:00:00Z").unwrap();
        assert_eq!(s.week_range(), Some((to - 28 * 86_400, to)));
        s.apply(Action::Loaded(Loaded::Index(
            "series/index.json".into(),
            Ok(fixture("series/index.json")),
        )));
        let chart: Vec<Want> = s.wants();
        assert_eq!(
            chart.len(),
            12,
            "the chart's 5-minute chunks first: {chart:?}"
        );
        for w in chart {
            let Want::Series(p) = w else { panic!("{w:?}") };
            s.apply(Action::Loaded(Loaded::Series(p.clone(), Ok(fixture(&p)))));
        }
        let (pair0, week) = s.week_paths().unwrap();
        assert_eq!(pair0, pair("us-east-1", "eu-west-1"));
        assert_eq!(
            week[0], "series/1h/us-east-1/2026-11-19T00.json",
            "the hourly chunks the feed has in those weeks"
        );
        let wanted: Vec<Want> = week.iter().cloned().map(Want::Series).collect();
        assert_eq!(s.wants(), wanted, "then the weekly pattern's hours");
        // The zone is in the view, so in the link.
        s.apply(Action::LocalWeek(true));
        assert!(s.view.to_hash().ends_with("&week=local"));
        s.apply(Action::LocalWeek(false));
        assert!(!s.view.to_hash().contains("week="));
    }

    #[test]
    fn failures_are_kept_until_retry() {
        let mut s = State::new(View::default());
        let err = FetchError::Status {
            url: "data/v2/manifest.json".into(),
            status: 503,
        };
        s.apply(Action::Started(Want::Manifest));
        s.apply(Action::Loaded(Loaded::Manifest(Err(err.clone()))));
        assert_eq!(s.manifest, Some(Fetch::Failed(err)));
        assert_eq!(s.wants(), vec![], "no retry loop");
        s.apply(Action::Retry);
        assert_eq!(s.wants(), vec![Want::Manifest]);
    }

    #[test]
    fn view_actions() {
        let mut s = State::new(View::default());
        run(
            &mut s,
            [
                Action::ToggleGeo("europe".into()),
                Action::ToggleGeo("asia-pacific".into()),
                Action::ToggleRegion("us-east-1".into()),
            ],
        );
        assert_eq!(s.view.geos, vec!["asia-pacific", "europe"]);
        s.apply(Action::ToggleGeo("europe".into()));
        assert_eq!(s.view.geos, vec!["asia-pacific"]);
        s.apply(Action::ClearFilters);
        assert!(s.view.geos.is_empty() && s.view.regions.is_empty());

        s.apply(Action::SortByColumn("eu-west-1".into()));
        assert_eq!(s.view.sort.id(), "col:eu-west-1");
        s.apply(Action::SortByColumn("eu-west-1".into()));
        assert_eq!(s.view.sort.id(), "col:eu-west-1:desc");
        s.apply(Action::SortByColumn("eu-west-1".into()));
        assert_eq!(s.view.sort, Sort::Geo);

        s.apply(Action::OpenPair {
            pair: pair("a", "b"),
            add: false,
        });
        s.apply(Action::OpenPair {
            pair: pair("a", "b"),
            add: true,
        });
        assert_eq!(s.view.pairs.len(), 1, "a pair is shown once");
        for i in 0..MAX_PAIRS {
            s.apply(Action::OpenPair {
                pair: pair("x", &format!("y{i}")),
                add: true,
            });
        }
        assert_eq!(s.view.pairs.len(), MAX_PAIRS);
        assert_eq!(s.view.pairs[0], pair("a", "b"), "no pair is dropped");
        assert!(
            !s.view
                .pairs
                .contains(&pair("x", &format!("y{}", MAX_PAIRS - 1))),
            "the seventh is refused"
        );
        assert!(
            s.graph_note.as_deref().unwrap().contains("6 pairs at most"),
            "{:?}",
            s.graph_note
        );
        s.apply(Action::OpenPair {
            pair: pair("c", "d"),
            add: false,
        });
        assert_eq!(s.view.pairs, vec![pair("c", "d")]);
        s.apply(Action::RemovePair(pair("c", "d")));
        assert!(s.view.pairs.is_empty());
    }

    #[test]
    fn every_opened_pair_asks_for_the_graph_once_more() {
        let mut s = State::default();
        assert_eq!(s.show_graph, 0, "nothing asked on load");
        s.apply(Action::OpenPair {
            pair: pair("a", "b"),
            add: false,
        });
        // The same pair again still brings the graph forward.
        s.apply(Action::OpenPair {
            pair: pair("a", "b"),
            add: true,
        });
        assert_eq!(s.show_graph, 2);
        s.apply(Action::RemovePair(pair("a", "b")));
        assert_eq!(s.show_graph, 2, "removing does not scroll");
    }

    #[test]
    fn focus_lands_somewhere_sensible_after_a_pair_goes() {
        let mut s = State::default();
        for (a, b) in [("a", "b"), ("c", "d"), ("e", "f")] {
            s.apply(Action::OpenPair {
                pair: pair(a, b),
                add: true,
            });
        }
        s.apply(Action::RemovePair(pair("c", "d")));
        assert_eq!(
            s.focus,
            Some((0, remove_selector(&pair("e", "f")))),
            "the next pair's ×"
        );
        s.apply(Action::RemovePair(pair("e", "f")));
        assert_eq!(
            s.focus,
            Some((1, remove_selector(&pair("a", "b")))),
            "the one before, at the end"
        );
        s.apply(Action::RemovePair(pair("a", "b")));
        assert_eq!(
            s.focus,
            Some((2, cell_selector(&pair("a", "b")))),
            "the graph closed: back to its cell"
        );
        s.apply(Action::RemovePair(pair("x", "y")));
        assert_eq!(
            s.focus.as_ref().map(|f| f.0),
            Some(2),
            "a pair not shown moves nothing"
        );
        s.apply(Action::OpenPair {
            pair: pair("g", "h"),
            add: false,
        });
        s.apply(Action::ClearPairs);
        assert_eq!(s.focus, Some((3, cell_selector(&pair("g", "h")))));
        assert_eq!(
            cell_selector(&pair("g", "h")),
            r#"#matrix td[data-src="g"][data-dst="h"]"#
        );
    }

    #[test]
    fn a_link_is_fitted_to_the_feed_once_the_manifest_is_here() {
        let mut s = State::from_hash("#window=99d&stat=p42&geo=mars");
        assert_eq!(
            s.notes.len(),
            1,
            "the statistic is refused at once: {:?}",
            s.notes
        );
        assert_eq!(s.view.window, "99d", "windows are the feed's to know");
        assert!(
            s.corrected,
            "a refused value leaves the address bar at once"
        );
        s.apply(Action::Loaded(Loaded::Manifest(Ok(fixture(
            "manifest.json",
        )))));
        assert_eq!(s.view.window, "1d");
        assert!(s.view.geos.is_empty());
        assert_eq!(s.notes.len(), 4, "{:?}", s.notes);
        assert!(s.corrected, "the address bar is corrected in place");
        let mut only_fit = State::from_hash("#window=99d");
        assert!(!only_fit.corrected);
        only_fit.apply(Action::Loaded(Loaded::Manifest(Ok(fixture(
            "manifest.json",
        )))));
        assert!(only_fit.corrected, "and so does one the feed lacks");
        // The reader's next change clears the notes.
        s.apply(Action::Stat("p90".into()));
        assert!(s.notes.is_empty() && !s.corrected);
        // A link followed later is fitted at once.
        s.apply(Action::Follow("#sort=col:xx-nowhere-1".into()));
        assert_eq!(s.view.sort, Sort::Geo);
        assert_eq!(s.notes.len(), 1);
        // The API page keeps the view for the way back.
        s.apply(Action::Stat("p99".into()));
        s.apply(Action::Follow("#/api".into()));
        assert_eq!((s.view.route, s.view.stat.as_str()), (Route::Api, "p99"));
    }

    #[test]
    fn an_unchanged_state_is_the_same_allocation() {
        let s = Rc::new(State::new(View::default()));
        let same = Rc::clone(&s).reduce(Action::Navigate(View::default()));
        assert!(Rc::ptr_eq(&s, &same), "no re-render for a no-op");
        let other = s.clone().reduce(Action::Stat("p90".into()));
        assert!(!Rc::ptr_eq(&s, &other));
    }
}
