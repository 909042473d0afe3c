//! The app shell: fetches the manifest, then the selected window's matrix.
//!
//! The view (window and statistic) lives in the URL hash, so a link reopens
//! the same view on a static host.

use shared::feed::v1::{Manifest, Matrix};
use yew::prelude::*;

use crate::api::{self, Fetch};
use crate::components::error::ErrorPanel;
use crate::components::matrix::{Legend, MatrixTable};
use crate::format;

/// What the URL hash holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// Window id.
    pub window: String,
    /// Statistic id.
    pub stat: String,
}

impl Default for View {
    fn default() -> Self {
        View {
            window: "1d".into(),
            stat: "p50".into(),
        }
    }
}

impl View {
    /// Reads `#window=7d&stat=p90`; unknown keys are ignored, missing ones default.
    pub fn from_hash(hash: &str) -> View {
        let mut v = View::default();
        for kv in hash
            .trim_start_matches('#')
            .trim_start_matches('/')
            .split('&')
        {
            match kv.split_once('=') {
                Some(("window", w)) if !w.is_empty() => v.window = w.into(),
                Some(("stat", s)) if shared::stats::Stat::from_id(s).is_some() => v.stat = s.into(),
                _ => {}
            }
        }
        v
    }

    /// The hash for this view.
    pub fn to_hash(&self) -> String {
        format!("#window={}&stat={}", self.window, self.stat)
    }
}

fn current_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

fn set_hash(view: &View) {
    if let Some(w) = web_sys::window() {
        // Failing to update the address bar loses only the shareable link.
        let _ = w.location().set_hash(&view.to_hash());
    }
}

/// The whole app.
#[function_component(App)]
pub fn app() -> Html {
    let view = use_state(|| View::from_hash(&current_hash()));
    let attempt = use_state(|| 0u32);
    let manifest = use_state(|| Fetch::<Manifest>::Loading);
    let matrix = use_state(|| Fetch::<Matrix>::Loading);

    {
        let manifest = manifest.clone();
        use_effect_with(*attempt, move |_| {
            manifest.set(Fetch::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                manifest.set(match api::manifest().await {
                    Ok(m) => Fetch::Ready(m),
                    Err(e) => Fetch::Failed(e),
                });
            });
        });
    }

    // The matrix file for the selected window, once the manifest names it.
    let matrix_path = match &*manifest {
        Fetch::Ready(m) => m
            .windows
            .iter()
            .find(|w| w.id == view.window)
            .or_else(|| m.windows.first())
            .map(|w| w.matrix.clone()),
        _ => None,
    };
    {
        let matrix = matrix.clone();
        use_effect_with((matrix_path.clone(), *attempt), move |(path, _)| {
            if let Some(path) = path.clone() {
                matrix.set(Fetch::Loading);
                wasm_bindgen_futures::spawn_local(async move {
                    matrix.set(match api::matrix(&path).await {
                        Ok(m) => Fetch::Ready(m),
                        Err(e) => Fetch::Failed(e),
                    });
                });
            }
        });
    }

    let on_retry = {
        let attempt = attempt.clone();
        Callback::from(move |()| attempt.set(*attempt + 1))
    };
    let on_window = {
        let view = view.clone();
        Callback::from(move |e: Event| {
            let value = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            let next = View {
                window: value,
                ..(*view).clone()
            };
            set_hash(&next);
            view.set(next);
        })
    };
    let on_stat = {
        let view = view.clone();
        Callback::from(move |e: Event| {
            let value = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            let next = View {
                stat: value,
                ..(*view).clone()
            };
            set_hash(&next);
            view.set(next);
        })
    };

    let body = match (&*manifest, &*matrix) {
        (Fetch::Failed(e), _) | (_, Fetch::Failed(e)) => {
            html! { <ErrorPanel error={e.clone()} on_retry={on_retry.clone()} /> }
        }
        (Fetch::Ready(m), Fetch::Ready(x)) => {
            html! { <><MatrixTable manifest={m.clone()} matrix={x.clone()} stat={view.stat.clone()} /><Legend /></> }
        }
        _ => html! { <p class="loading" aria-busy="true">{ "Loading latency data…" }</p> },
    };

    let (banner, controls, freshness) = match &*manifest {
        Fetch::Ready(m) => {
            let banner = m.simulated.then(|| html! {
                <div class="banner" role="note">
                    { "Simulated data: this feed was made by `cloudping simulate` from a latency model, not measured." }
                </div>
            });
            let windows: Html = m
                .windows
                .iter()
                .map(|w| html! { <option value={w.id.clone()} selected={w.id == view.window}>{ w.label.clone() }</option> })
                .collect();
            let stats: Html = m
                .stats
                .iter()
                .map(|s| html! { <option value={s.clone()} selected={*s == view.stat}>{ s.clone() }</option> })
                .collect();
            let controls = html! {
                <div class="controls">
                    <label>{ "Window " }<select id="window" onchange={on_window}>{ windows }</select></label>
                    <label>{ "Statistic " }<select id="stat" onchange={on_stat}>{ stats }</select></label>
                </div>
            };
            let age = shared::time::parse_rfc3339(&m.generated_at)
                .map(|t| js_sys::Date::now() / 1000.0 - t as f64);
            let freshness = age.map(|a| {
                html! { <p class="freshness">{ format!("Updated {} ({} UTC)", format::age(a), m.generated_at) }</p> }
            });
            (banner, Some(controls), freshness)
        }
        _ => (None, None, None),
    };

    html! {
        <>
            <header>
                <h1>{ "CloudPing" }</h1>
                <p class="tagline">{ "Round-trip time between AWS regions: TCP connects to each region's DynamoDB endpoint." }</p>
            </header>
            { banner }
            <main>
                { controls }
                { freshness }
                { body }
            </main>
            <footer>
                <a href="data/v1/manifest.json">{ "Feed manifest (JSON)" }</a>
            </footer>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_round_trips_through_the_hash() {
        let v = View {
            window: "7d".into(),
            stat: "p90".into(),
        };
        assert_eq!(View::from_hash(&v.to_hash()), v);
        assert_eq!(View::from_hash(""), View::default());
        assert_eq!(View::from_hash("#stat=bogus&x=1").stat, "p50");
    }
}
