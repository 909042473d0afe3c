//! The graph section: pairs (from a cell or the picker), the time range, the
//! chart, its legend and the downloads of the series shown.

use shared::feed::v2::{Changes, Manifest, Series, SeriesIndex};
use yew::prelude::*;

use crate::api::{Fetch, Shared};
use crate::chart::{self, Input, Mark, PALETTE};
use crate::components::canvas::{ChartCanvas, Plot};
use crate::components::error::ErrorPanel;
use crate::state::Action;
use crate::view::{MAX_PAIRS, Pair, Preset, Range};
use crate::{dom, export, span};

/// One pair of the graph and its series.
#[derive(Debug, Clone, PartialEq)]
pub struct PairSeries {
    /// The pair.
    pub pair: Pair,
    /// The first chunk file of the range; `None` when the feed has none.
    pub path: Option<String>,
    /// The series joined from its chunks, once their fetches started.
    pub fetch: Option<Fetch<Shared<Series>>>,
}

/// Props of [`Graph`].
#[derive(Properties, PartialEq)]
pub struct GraphProps {
    /// Regions and the newest data time.
    pub manifest: Shared<Manifest>,
    /// Pairs in the graph.
    pub pairs: Vec<Pair>,
    /// The time range.
    pub range: Range,
    /// The series index fetch, once started.
    pub index: Option<Fetch<Shared<SeriesIndex>>>,
    /// Per pair, its series.
    pub series: Vec<PairSeries>,
    /// Why the last request to the graph was refused, if it was.
    #[prop_or_default]
    pub note: Option<String>,
    /// The level shifts, once here: marked on the chart for the pairs shown.
    #[prop_or_default]
    pub changes: Option<Shared<Changes>>,
    /// The weekly pattern, below the chart.
    #[prop_or_default]
    pub week: Html,
    /// Applies a change.
    pub act: Callback<Action>,
}

fn pair_label(p: &Pair) -> String {
    format!("{} → {}", p.0, p.1)
}

/// What the graph says when no pair has a point in the range: the range as
/// UTC dates, its last day inclusive.
pub fn empty_message(range: Option<(i64, i64)>) -> String {
    match range {
        Some((from, to)) => format!(
            "No data in this range ({} – {}).",
            shared::time::date(from),
            shared::time::date((to - 1).max(from))
        ),
        None => "No data to draw.".to_string(),
    }
}

/// Where the data starts, when the range begins well before it (a feed
/// younger than a year, say, in the 1 y view): the axis before it is empty,
/// and this says why. `first` is the earliest point with data of any pair.
pub fn starts_note(range: Option<(i64, i64)>, first: Option<i64>) -> Option<String> {
    let ((from, to), first) = (range?, first?);
    (first < to && first - from > (to - from) / 10).then(|| {
        format!(
            "The data starts at {}; the range before it is empty.",
            crate::format::utc(first)
        )
    })
}

/// The level shifts of the pairs shown (the `k`th pair in the `k`th
/// colour) that overlap `range` (`None`: any), each with the line that
/// lists it under the chart, in the file's order (newest first).
pub fn shift_marks(
    changes: &Changes,
    pairs: &[Pair],
    range: Option<(i64, i64)>,
) -> Vec<(Mark, String)> {
    let parse = shared::time::parse_rfc3339;
    let mut out = Vec::new();
    for cp in changes.events.iter().flat_map(|e| &e.pairs) {
        let Some(k) = pairs
            .iter()
            .position(|(s, d)| *s == cp.source && *d == cp.destination)
        else {
            continue;
        };
        let Some(onset) = parse(&cp.onset) else {
            continue;
        };
        let end = cp.end.as_deref().and_then(parse);
        if range.is_some_and(|(from, to)| onset >= to || end.is_some_and(|e| e <= from)) {
            continue;
        }
        let until = end.map_or_else(
            || "ongoing".to_string(),
            |e| format!("until {}", crate::format::utc(e)),
        );
        let label = format!(
            "Level shift {}: {:.1} → {:.1} ms ({} → {}, {until})",
            crate::format::utc(onset),
            cp.before_ms,
            cp.after_ms,
            cp.source,
            cp.destination
        );
        let color = PALETTE[k % PALETTE.len()];
        out.push((Mark { onset, end, color }, label));
    }
    out
}

/// Pairs, range, chart, legend and downloads.
#[function_component(Graph)]
pub fn graph(p: &GraphProps) -> Html {
    let m = &p.manifest;
    let act = &p.act;
    let anchor = span::anchor(m).unwrap_or(0);
    let on_retry = act.reform(|()| Action::Retry);

    let note = p
        .note
        .clone()
        .map(|n| html! { <p class="note" role="status" id="graph-note">{ n }</p> });
    let picker = html! {
        <>
            <PairPicker manifest={m.clone()} act={act.clone()} count={p.pairs.len()} />
            { note.unwrap_or_default() }
        </>
    };

    if p.pairs.is_empty() {
        return html! {
            <section id="graph" class="graph" aria-labelledby="graph-title">
                <h2 id="graph-title" tabindex="-1">{ "Over time" }</h2>
                <p class="hint">{ "Click a cell (or focus it and press Enter) to see that pair over time, or pick a pair here." }</p>
                { picker }
            </section>
        };
    }

    let chips: Html = p
        .pairs
        .iter()
        .enumerate()
        .map(|(k, pair)| {
            let (r, g, b) = PALETTE[k % PALETTE.len()];
            let remove = {
                let pair = pair.clone();
                act.reform(move |_: MouseEvent| Action::RemovePair(pair.clone()))
            };
            html! {
                <li class="pair" data-pair={format!("{}:{}", pair.0, pair.1)}>
                    <span class="swatch" style={format!("background:rgb({r},{g},{b})")}></span>
                    { pair_label(pair) }
                    <button type="button" class="remove" onclick={remove} aria-label={format!("remove {}", pair_label(pair))}>{ "×" }</button>
                </li>
            }
        })
        .collect();

    // A pair whose source has series, but no chunk in the range, has no data there.
    let index = match &p.index {
        Some(Fetch::Ready(i)) => Some(i),
        _ => None,
    };
    let outside = |s: &PairSeries| {
        s.path.is_none() && index.is_some_and(|i| i.sources.contains_key(&s.pair.0))
    };
    let several = p.series.len() > 1;
    let status: Html = match &p.index {
        None | Some(Fetch::Loading) => html! { <p class="loading" aria-busy="true">{ "Loading the series index…" }</p> },
        Some(Fetch::Failed(e)) => html! { <ErrorPanel error={e.clone()} on_retry={on_retry.clone()} what="Could not load the series index. " /> },
        Some(Fetch::Ready(_)) => p
            .series
            .iter()
            .map(|s| match (&s.path, &s.fetch) {
                // One pair: the chart says it.
                (None, _) if outside(s) && !several => html! {},
                (None, _) if outside(s) => html! { <p class="note">{ format!("{}: no data in this range.", pair_label(&s.pair)) }</p> },
                (None, _) => html! { <p class="note">{ format!("{}: the feed has no series for this pair.", pair_label(&s.pair)) }</p> },
                (Some(_), None | Some(Fetch::Loading)) => html! { <p class="loading" aria-busy="true">{ format!("Loading {}…", pair_label(&s.pair)) }</p> },
                (Some(_), Some(Fetch::Failed(e))) => html! {
                    <ErrorPanel error={e.clone()} on_retry={on_retry.clone()} what={AttrValue::from(format!("Could not load the series of {}. ", pair_label(&s.pair)))} />
                },
                (Some(_), Some(Fetch::Ready(_))) => html! {},
            })
            .collect(),
    };

    let ready: Vec<(usize, &PairSeries, &Shared<Series>)> = p
        .series
        .iter()
        .enumerate()
        .filter_map(|(k, s)| match &s.fetch {
            Some(Fetch::Ready(x)) => Some((k, s, x)),
            _ => None,
        })
        .collect();
    let plots: Vec<Plot> = ready
        .iter()
        .map(|(k, s, x)| Plot {
            label: pair_label(&s.pair),
            color: PALETTE[k % PALETTE.len()],
            series: (*x).clone(),
        })
        .collect();
    let bounds = span::bounds(&p.range, anchor);
    // Nothing to draw although the feed has series for a pair: every series
    // is here (or has no chunk in the range), and none has a point in it.
    let settled = index.is_some()
        && p.series
            .iter()
            .all(|s| s.path.is_none() || matches!(s.fetch, Some(Fetch::Ready(_))));
    let empty = settled && (!plots.is_empty() || p.series.iter().any(outside)) && {
        let inputs: Vec<Input<'_>> = plots
            .iter()
            .map(|pl| Input {
                label: String::new(),
                color: pl.color,
                series: &pl.series,
            })
            .collect();
        chart::prepare(&inputs, bounds, 1).points() == 0
    };
    // The range the downloads cover: the chosen one, or the data's extent.
    let extent = bounds.or_else(|| {
        let mut lo = i64::MAX;
        let mut hi = i64::MIN;
        for (_, _, x) in &ready {
            if let Some(s) = shared::time::parse_rfc3339(&x.start) {
                lo = lo.min(s);
                hi = hi.max(s + x.step_seconds * x.samples.len() as i64);
            }
        }
        (lo < hi).then_some((lo, hi))
    });
    let first = extent.map(|(lo, _)| lo);
    // A series starts at its first point with data, and is empty when it
    // has none (`pair_series`).
    let data_first = ready
        .iter()
        .filter(|(_, _, x)| !x.samples.is_empty())
        .filter_map(|(_, _, x)| shared::time::parse_rfc3339(&x.start))
        .min();
    let starts = starts_note(bounds, data_first)
        .filter(|_| !empty)
        .map(|n| html! { <p class="note" id="graph-starts">{ n }</p> });
    let ranges =
        html! { <RangePicker range={p.range.clone()} {anchor} {first} act={act.clone()} /> };

    let legend: Html = ready
        .iter()
        .map(|(k, s, x)| {
            let (r, g, b) = PALETTE[k % PALETTE.len()];
            let step = x.step_seconds;
            let every = if step % 86_400 == 0 {
                format!("{} d", step / 86_400)
            } else if step % 3600 == 0 {
                format!("{} h", step / 3600)
            } else {
                format!("{} min", step / 60)
            };
            html! {
                <li data-resolution={x.resolution.clone()}>
                    <span class="swatch" style={format!("background:rgb({r},{g},{b})")}></span>
                    { format!("{}: a point every {every}", pair_label(&s.pair)) }
                </li>
            }
        })
        .collect();

    let downloads = extent.filter(|_| !ready.is_empty()).map(|(from, to)| {
        let slices: Vec<Series> = ready
            .iter()
            .map(|(_, _, x)| export::series_slice(x, from, to))
            .collect();
        let slices = std::rc::Rc::new(slices);
        let save = |csv: bool| {
            let slices = slices.clone();
            Callback::from(move |_: MouseEvent| {
                let name = format!(
                    "cloudping-series-{}-{}",
                    shared::time::date(from),
                    shared::time::date(to - 1)
                );
                // A refused download changes nothing on the page; nothing to report.
                let _ = dom::download_csv_or_json(
                    &name,
                    csv,
                    || export::series_csv(&slices),
                    || export::series_json(&slices, from, to),
                );
            })
        };
        html! {
            <p class="downloads">
                { "Download the series as shown: " }
                <button type="button" id="download-series-json" onclick={save(false)}>{ "JSON" }</button>
                <button type="button" id="download-series-csv" onclick={save(true)}>{ "CSV" }</button>
            </p>
        }
    });

    let shifts = p
        .changes
        .as_ref()
        .map(|c| shift_marks(c, &p.pairs, bounds))
        .unwrap_or_default();
    let marks: Vec<Mark> = shifts.iter().map(|(m, _)| *m).collect();
    let shift_list = (!shifts.is_empty()).then(|| {
        let items: Html = shifts
            .iter()
            .map(|(m, label)| {
                let (r, g, b) = m.color;
                html! { <li><span class="swatch" style={format!("background:rgb({r},{g},{b})")}></span>{ label.clone() }</li> }
            })
            .collect();
        html! { <ul class="chart-marks" aria-label="Level shifts marked on the chart">{ items }</ul> }
    });
    let zone = dom::zone_label(anchor);
    html! {
        <section id="graph" class="graph open" aria-labelledby="graph-title">
            <h2 id="graph-title" tabindex="-1">{ "Over time" }</h2>
            <ul class="pairs">{ chips }</ul>
            <div class="graph-controls">
                { ranges }
                { picker }
                <button type="button" class="clear" onclick={act.reform(|_: MouseEvent| Action::ClearPairs)}>{ "Close the graph" }</button>
            </div>
            { status }
            { starts.unwrap_or_default() }
            <div class="chart-area">
                <ChartCanvas {plots} range={bounds} {marks} />
                if empty {
                    <p class="chart-empty" role="status">{ empty_message(bounds) }</p>
                }
            </div>
            <ul class="chart-legend">
                { legend }
                <li class="key">{ format!("Line: median (p50), where a pixel holds several points the median of theirs; darker band: their lowest to highest median; light band: p10 to p90; bars in the lower strip: share of connects lost; shaded spans: level shifts, from onset to end. Times are local ({zone}).") }</li>
            </ul>
            { shift_list.unwrap_or_default() }
            { downloads.unwrap_or_default() }
            { p.week.clone() }
        </section>
    }
}

/// Props of [`RangePicker`].
#[derive(Properties, PartialEq)]
pub struct RangeProps {
    /// The range.
    pub range: Range,
    /// The end of the newest data, exclusive: where presets end.
    pub anchor: i64,
    /// The oldest data time, once known (where "all" starts).
    #[prop_or_default]
    pub first: Option<i64>,
    /// Applies a change.
    pub act: Callback<Action>,
}

/// Preset ranges and custom dates.
#[function_component(RangePicker)]
pub fn range_picker(p: &RangeProps) -> Html {
    // The dates show the range in effect: a preset's too, so that a custom
    // range starts from what is on screen.
    let (from0, to0) = match &p.range {
        Range::Custom { from, to } => (from.clone(), to.clone()),
        Range::Last(preset) => {
            let start = match preset.seconds() {
                Some(s) => p.anchor - s,
                None => p.first.unwrap_or(p.anchor - 7 * 86_400),
            };
            (shared::time::date(start), shared::time::date(p.anchor - 1))
        }
    };
    let from = use_state(|| from0.clone());
    let to = use_state(|| to0.clone());
    let problem = use_state(|| None::<String>);
    {
        // A range from the URL or a preset click resets the fields, and
        // what was said about the dates typed before.
        let (from, to, problem) = (from.clone(), to.clone(), problem.clone());
        use_effect_with((from0, to0), move |(a, b)| {
            from.set(a.clone());
            to.set(b.clone());
            problem.set(None);
        });
    }
    let presets: Html = Preset::ALL
        .iter()
        .map(|&pr| {
            let pressed = p.range == Range::Last(pr);
            let onclick = {
                let (act, problem) = (p.act.clone(), problem.clone());
                Callback::from(move |_: MouseEvent| {
                    problem.set(None);
                    act.emit(Action::Range(Range::Last(pr)));
                })
            };
            html! {
                <button type="button" class="preset" data-range={pr.id()} aria-pressed={pressed.to_string()}
                    {onclick}>{ pr.label() }</button>
            }
        })
        .collect();
    let input = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: Event| {
            state.set(
                e.target_unchecked_into::<web_sys::HtmlInputElement>()
                    .value(),
            );
        })
    };
    let onsubmit = {
        let (from, to, problem, act) = (from.clone(), to.clone(), problem.clone(), p.act.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let id = format!("{}..{}", *from, *to);
            match Range::from_id(&id) {
                Some(r @ Range::Custom { .. }) => {
                    problem.set(None);
                    act.emit(Action::Range(r));
                }
                _ => problem.set(Some(
                    "Pick two dates, the first not after the second.".into(),
                )),
            }
        })
    };
    let custom = matches!(p.range, Range::Custom { .. });
    html! {
        <div class="range" role="group" aria-label="Time range">
            { presets }
            <form class={classes!("custom", custom.then_some("active"))} {onsubmit}>
                <label>{ "From " }<input type="date" id="range-from" value={(*from).clone()} onchange={input(&from)} /></label>
                <label>{ "to " }<input type="date" id="range-to" value={(*to).clone()} onchange={input(&to)} /></label>
                <button type="submit" id="range-apply">{ "Show (UTC days)" }</button>
            </form>
            { (*problem).clone().map(|e| html! { <p class="error-message" role="status">{ e }</p> }).unwrap_or_default() }
        </div>
    }
}

/// Props of [`PairPicker`].
#[derive(Properties, PartialEq)]
pub struct PickerProps {
    /// Regions on offer.
    pub manifest: Shared<Manifest>,
    /// Applies a change.
    pub act: Callback<Action>,
    /// Pairs already shown.
    pub count: usize,
}

/// Adds a pair by source and destination.
#[function_component(PairPicker)]
pub fn pair_picker(p: &PickerProps) -> Html {
    let regions = &p.manifest.regions;
    let first = regions.first().map(|r| r.code.clone()).unwrap_or_default();
    let second = regions
        .get(1)
        .map_or_else(|| first.clone(), |r| r.code.clone());
    let src = use_state(|| first);
    let dst = use_state(|| second);
    let options = |cur: &str| -> Html {
        regions
            .iter()
            .map(|r| html! { <option value={r.code.clone()} selected={r.code == cur}>{ format!("{} ({})", r.code, r.city) }</option> })
            .collect()
    };
    let pick = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: Event| {
            state.set(
                e.target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value(),
            );
        })
    };
    let onclick = {
        let (src, dst, act) = (src.clone(), dst.clone(), p.act.clone());
        Callback::from(move |_: MouseEvent| {
            act.emit(Action::OpenPair {
                pair: ((*src).clone(), (*dst).clone()),
                add: true,
            });
        })
    };
    let full = p.count >= MAX_PAIRS;
    let limit = full
        .then(|| format!("The graph holds {MAX_PAIRS} pairs at most; remove one to add another."));
    html! {
        <div class="picker" role="group" aria-label="Add a pair">
            <label>{ "From " }<select id="pick-src" onchange={pick(&src)}>{ options(&src) }</select></label>
            <label>{ "to " }<select id="pick-dst" onchange={pick(&dst)}>{ options(&dst) }</select></label>
            <button type="button" id="pick-add" {onclick} aria-describedby={full.then_some("pick-limit")}>{ "Add pair" }</button>
            { limit.map(|l| html! { <span class="hint" id="pick-limit">{ l }</span> }).unwrap_or_default() }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_empty_message_names_the_range_in_utc_days() {
        let from = shared::time::parse_rfc3339("2026-10-01").unwrap();
        let to = shared::time::parse_rfc3339("2026-10-03").unwrap();
        assert_eq!(
            empty_message(Some((from, to))),
            "No data in this range (2026-10-01 – 2026-10-02)."
        );
        assert_eq!(
            empty_message(Some((from, from + 3600))),
            "No data in this range (2026-10-01 – 2026-10-01)."
        );
        assert_eq!(empty_message(None), "No data to draw.");
    }

    #[test]
    fn a_range_that_begins_well_before_the_data_says_where_it_starts() {
        let t = |s: &str| shared::time::parse_rfc3339(s).unwrap();
        let year = Some((t("2025-11-20"), t("2026-11-20")));
        assert_eq!(
            starts_note(year, Some(t("2026-11-18T00:00:00Z"))).as_deref(),
            Some("The data starts at 2026-11-18 00:00 UTC; the range before it is empty.")
        );
        // Data from (almost) the start of the range, none at all, no range.
        assert_eq!(starts_note(year, Some(t("2025-12-01"))), None);
        assert_eq!(starts_note(year, None), None);
        assert_eq!(starts_note(None, Some(t("2026-11-18"))), None);
        // Starting after the range is not "in" it.
        assert_eq!(starts_note(year, Some(t("2026-11-21"))), None);
    }

    #[test]
    fn the_shown_pairs_shifts_in_the_range_are_marked() {
        let changes: Changes = serde_json::from_str(include_str!(
            "../../../shared/tests/fixtures/feed/v2/changes.json"
        ))
        .unwrap();
        let t = |s: &str| shared::time::parse_rfc3339(s).unwrap();
        let pairs: Vec<Pair> = vec![
            ("eu-west-1".into(), "ap-south-1".into()),
            ("us-east-1".into(), "eu-west-1".into()),
        ];
        let marks = shift_marks(&changes, &pairs, None);
        assert_eq!(marks.len(), 2, "only the shown pairs: {marks:?}");
        let (ongoing, text) = &marks[0];
        assert_eq!(
            *ongoing,
            Mark {
                onset: t("2026-11-19T21:00:00Z"),
                end: None,
                color: PALETTE[0]
            }
        );
        assert_eq!(
            text,
            "Level shift 2026-11-19 21:00 UTC: 120.4 → 131.9 ms (eu-west-1 → ap-south-1, ongoing)"
        );
        let (recovered, text) = &marks[1];
        assert_eq!(
            (recovered.end, recovered.color),
            (Some(t("2026-11-17T08:00:00Z")), PALETTE[1]),
            "the pair's own end, in its colour"
        );
        assert_eq!(
            text,
            "Level shift 2026-11-17 05:00 UTC: 70.1 → 91.5 ms (us-east-1 → eu-west-1, until 2026-11-17 08:00 UTC)"
        );
        // A range after the recovery keeps the ongoing one only; one before both, none.
        let after = shift_marks(
            &changes,
            &pairs,
            Some((t("2026-11-18T00:00:00Z"), t("2026-11-20T00:00:00Z"))),
        );
        assert_eq!(after.len(), 1);
        let before = shift_marks(
            &changes,
            &pairs,
            Some((t("2026-11-10T00:00:00Z"), t("2026-11-17T05:00:00Z"))),
        );
        assert!(before.is_empty());
    }
}
