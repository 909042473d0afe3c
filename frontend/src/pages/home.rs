//! The main page: freshness, controls, the matrix, downloads, what changed
//! and the graph (with the weekly pattern).

use std::rc::Rc;

use yew::prelude::*;

use crate::api::Fetch;
use crate::api::Shared;
use crate::components::browser::FromBrowser;
use crate::components::changes::WhatChanged;
use crate::components::controls::Controls;
use crate::components::downloads::MatrixDownloads;
use crate::components::error::ErrorPanel;
use crate::components::freshness::Freshness;
use crate::components::graph::{Graph, PairSeries};
use crate::components::matrix::{ChangeLegend, Comparison, Legend, MatrixTable};
use crate::components::week::WeekPattern;
use crate::state::{Action, State};
use crate::view::{Mode, day_span};
use crate::{dom, grid};
use shared::compare::{SPAN_STATS, span_matrix};
use shared::feed::v2::{Matrix, SeriesChunk};

/// Props of [`Home`].
#[derive(Properties, PartialEq)]
pub struct HomeProps {
    /// The app's state.
    pub state: UseReducerHandle<State>,
    /// Applies a change.
    pub act: Callback<Action>,
}

/// The matrix page.
#[function_component(Home)]
pub fn home(p: &HomeProps) -> Html {
    let s = &p.state;
    let act = &p.act;
    let on_retry = act.reform(|()| Action::Retry);

    let Some(manifest) = s.manifest.as_ref() else {
        return html! { <p class="loading" aria-busy="true">{ "Loading latency data…" }</p> };
    };
    let m = match manifest {
        Fetch::Ready(m) => m.clone(),
        Fetch::Failed(e) => return html! { <ErrorPanel error={e.clone()} {on_retry} /> },
        Fetch::Loading => {
            return html! { <p class="loading" aria-busy="true">{ "Loading latency data…" }</p> };
        }
    };

    let notes = (!s.notes.is_empty()).then(|| {
        let items: Html = s
            .notes
            .iter()
            .map(|n| html! { <li>{ n.clone() }</li> })
            .collect();
        html! { <div class="notes" role="status"><ul>{ items }</ul></div> }
    });

    let table = match s.matrix() {
        // A broken matrix file is said, and the rest of the page stays:
        // the controls (another window or statistic) and the graph.
        Some(Fetch::Failed(e)) => {
            html! { <ErrorPanel error={e.clone()} on_retry={on_retry.clone()} /> }
        }
        Some(Fetch::Ready(x)) => 'table: {
            let v = &s.view;
            let label = |id: &str| {
                m.windows
                    .iter()
                    .find(|w| w.id == id)
                    .map_or_else(|| id.to_string(), |w| w.label.clone())
            };
            // What the cells compare, when they do.
            let compare = match v.mode {
                Mode::Latency => None,
                Mode::Asymmetry => shared::compare::asymmetry(x, &v.stat).map(|cells| {
                    let explain = format!(
                        "Each cell: {stat} A→B minus B→A over {w} (A = row, B = column), and that as a percentage of B→A. \
                         Both are round trips, timed by the probes at opposite ends, so a difference means they see different paths. \
                         “one way”: measured in one direction only.",
                        stat = v.stat,
                        w = label(&v.window),
                    );
                    (
                        Comparison {
                            cells: Rc::new(cells),
                            pct: v.pct,
                            what: format!("{} A→B − B→A over {}", v.stat, label(&v.window)).into(),
                            no_reference: "one way".into(),
                        },
                        explain,
                    )
                }),
                Mode::Change => {
                    // Each side: a window's matrix, or a span of days made
                    // from the daily series, laid out as the shown matrix.
                    let span_side = |id: &str| -> Result<Option<Shared<Matrix>>, Html> {
                        let Some(span) = day_span(id) else {
                            return Ok(None);
                        };
                        if !SPAN_STATS.contains(&v.stat.as_str()) {
                            return Err(html! { <p class="error" role="alert">{ format!(
                                "A span of days is compared from the daily series, which carry {}; pick one of those, not {}.",
                                SPAN_STATS.join(", "), v.stat) }</p> });
                        }
                        match s.span_chunks(span) {
                            Fetch::Ready(chunks) => {
                                let chunks: Vec<&SeriesChunk> = chunks.iter().map(|c| &**c).collect();
                                Ok(span_matrix(&x.sources, &x.destinations, &chunks, span.0, span.1, &v.stat).map(Shared::new))
                            }
                            Fetch::Failed(e) => Err(html! { <ErrorPanel error={e} on_retry={on_retry.clone()} /> }),
                            Fetch::Loading => Err(html! { <p class="loading" aria-busy="true">{ "Loading the daily series of the span…" }</p> }),
                        }
                    };
                    let now = match v.now.as_deref().map(span_side) {
                        None | Some(Ok(None)) => x.clone(),
                        Some(Ok(Some(m))) => m,
                        Some(Err(e)) => break 'table e,
                    };
                    let base = match span_side(&v.base) {
                        Ok(Some(m)) => m,
                        Err(e) => break 'table e,
                        Ok(None) => match s.base_matrix() {
                            Some(Fetch::Ready(b)) => b.clone(),
                            Some(Fetch::Failed(e)) => {
                                break 'table html! { <ErrorPanel error={e.clone()} on_retry={on_retry.clone()} /> };
                            }
                            _ => {
                                break 'table html! { <p class="loading" aria-busy="true">{ "Loading the window to compare with…" }</p> };
                            }
                        },
                    };
                    let side = |id: Option<&str>| match id {
                        Some(id) if day_span(id).is_some() => {
                            let (a, b) = id.split_once("..").unwrap_or((id, id));
                            (format!("{a} to {b}"), true)
                        }
                        Some(id) => (format!("the last {}", label(id)), false),
                        None => (format!("the last {}", label(&v.window)), false),
                    };
                    let ((now_text, now_span), (then_text, then_span)) =
                        (side(v.now.as_deref()), side(Some(&v.base)));
                    shared::compare::difference(&now, &base, &v.stat).map(|cells| {
                        let mut explain = format!(
                            "Each cell: the pair's {stat} over {now_text} minus over {then_text}, and that as a percentage of the latter. \
                             “new”: no sample of the pair in {then_text}.",
                            stat = v.stat,
                        );
                        if now_span || then_span {
                            explain.push_str(" A span of days takes the median of its daily figures, each weighted by its samples (min and max: the extremes), from the daily series.");
                        }
                        let short = |t: &str| t.trim_start_matches("the last ").to_string();
                        (
                            Comparison {
                                cells: Rc::new(cells),
                                pct: v.pct,
                                what: format!("{} {} − {}", v.stat, short(&now_text), short(&then_text)).into(),
                                no_reference: "new".into(),
                            },
                            explain,
                        )
                    })
                }
            };
            let layout = Rc::new(match &compare {
                None => grid::layout(&m, x, v),
                Some((c, _)) => grid::layout_by(&m, x, v, &|i, j| {
                    let d = c.cells.get(i)?.get(j)?.delta()?;
                    if c.pct { d.pct } else { Some(d.ms) }
                }),
            });
            let (compare, legend) = match compare {
                None => (None, html! { <Legend /> }),
                Some((c, explain)) => (
                    Some(c),
                    html! { <ChangeLegend explain={AttrValue::from(explain)} /> },
                ),
            };
            let on_open = act.reform(|(pair, add)| Action::OpenPair { pair, add });
            let on_sort = act.reform(Action::SortByColumn);
            // Downloads carry every statistic, so they wait for the full matrix.
            let downloads = match s.full_matrix() {
                Some(Fetch::Ready(full)) => html! {
                    <MatrixDownloads manifest={m.clone()} matrix={full.clone()} layout={layout.clone()} compare={compare.clone()} />
                },
                _ => {
                    html! { <p class="loading" aria-busy="true">{ "Loading every statistic…" }</p> }
                }
            };
            html! {
                <>
                    <MatrixTable manifest={m.clone()} matrix={x.clone()} stat={AttrValue::from(s.view.stat.clone())}
                        layout={layout.clone()} sort={s.view.sort.clone()} selected={s.view.pairs.clone()}
                        {on_open} {on_sort} {compare} you={s.browser.clone()} />
                    { legend }
                    { downloads }
                </>
            }
        }
        _ => html! { <p class="loading" aria-busy="true">{ "Loading the matrix…" }</p> },
    };

    let paths = s.series_paths();
    let series: Vec<PairSeries> = s
        .view
        .pairs
        .iter()
        .map(|pair| {
            let files = paths
                .iter()
                .find(|(p, _)| p == pair)
                .and_then(|(_, f)| f.clone())
                .filter(|f| !f.is_empty());
            let path = files.as_ref().and_then(|f| f.first().cloned());
            let fetch = files.and_then(|f| s.pair_series(pair, &f));
            PairSeries {
                pair: pair.clone(),
                path,
                fetch,
            }
        })
        .collect();
    let index = s.index.as_ref().map(|(_, f)| f.clone());
    // The weekly pattern of the first pair, over its hourly chunks.
    let week = match (s.week_paths(), s.week_range()) {
        (Some((pair, paths)), Some(range)) => {
            let fetch = if paths.is_empty() {
                None
            } else {
                s.pair_series(&pair, &paths)
            };
            html! { <WeekPattern {pair} {fetch} {range} local={s.view.local_week} act={act.clone()} /> }
        }
        _ => html! {},
    };
    let changes = s.changes.as_ref().and_then(Fetch::ready).cloned();

    html! {
        <>
            <Freshness manifest={m.clone()} now={dom::now()} />
            { notes.unwrap_or_default() }
            <Controls manifest={m.clone()} view={s.view.clone()} act={act.clone()} />
            { table }
            <FromBrowser manifest={m.clone()} results={s.browser.clone()} act={act.clone()} />
            <WhatChanged changes={s.changes.clone()} view={s.view.clone()} act={act.clone()} />
            <Graph manifest={m.clone()} pairs={s.view.pairs.clone()} range={s.view.range.clone()}
                {index} {series} note={s.graph_note.clone()} {changes} {week} act={act.clone()} />
        </>
    }
}
