//! The main page: freshness, controls, the matrix, downloads, what changed
//! and the graph (with the weekly pattern).

use std::rc::Rc;

use yew::prelude::*;

use crate::api::Fetch;
use crate::components::changes::WhatChanged;
use crate::components::controls::Controls;
use crate::components::downloads::MatrixDownloads;
use crate::components::error::ErrorPanel;
use crate::components::freshness::Freshness;
use crate::components::graph::{Graph, PairSeries};
use crate::components::matrix::{Legend, MatrixTable};
use crate::components::week::WeekPattern;
use crate::state::{Action, State};
use crate::{dom, grid};

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
        Some(Fetch::Ready(x)) => {
            let layout = Rc::new(grid::layout(&m, x, &s.view));
            let on_open = act.reform(|(pair, add)| Action::OpenPair { pair, add });
            let on_sort = act.reform(Action::SortByColumn);
            // Downloads carry every statistic, so they wait for the full matrix.
            let downloads = match s.full_matrix() {
                Some(Fetch::Ready(full)) => html! {
                    <MatrixDownloads manifest={m.clone()} matrix={full.clone()} layout={layout.clone()} />
                },
                _ => {
                    html! { <p class="loading" aria-busy="true">{ "Loading every statistic…" }</p> }
                }
            };
            html! {
                <>
                    <MatrixTable manifest={m.clone()} matrix={x.clone()} stat={AttrValue::from(s.view.stat.clone())}
                        layout={layout.clone()} sort={s.view.sort.clone()} selected={s.view.pairs.clone()}
                        {on_open} {on_sort} />
                    <Legend />
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
            <WhatChanged changes={s.changes.clone()} view={s.view.clone()} act={act.clone()} />
            <Graph manifest={m.clone()} pairs={s.view.pairs.clone()} range={s.view.range.clone()}
                {index} {series} note={s.graph_note.clone()} {changes} {week} act={act.clone()} />
        </>
    }
}
