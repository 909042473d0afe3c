//! "From your browser": on one click, the visitor's round trip to every
//! commercial region ([`crate::measure`]), a ranked list of the closest,
//! and JSON and CSV downloads. The choice is remembered in `localStorage`,
//! so the next visit measures without asking; nothing leaves the browser.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use shared::feed::v2::Manifest;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::api::Shared;
use crate::measure::{
    self, CONSENT_KEY, OVERRIDE_KEY, Outcome, PARALLEL, RegionRtt, TIMED, TIMEOUT_MS, Timing,
    Warmup,
};
use crate::state::Action;
use crate::{color, dom};

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn stored(key: &str) -> Option<String> {
    storage()?.get_item(key).ok()?
}

/// Why a request gave no time.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Failure {
    /// No answer within [`TIMEOUT_MS`].
    Timeout,
    /// Refused, unreachable, or (in `cors` mode) an answer without CORS.
    Refused,
}

impl Failure {
    fn text(self) -> String {
        match self {
            Failure::Timeout => format!("no answer within {} s", TIMEOUT_MS / 1000),
            Failure::Refused => "refused or unreachable".into(),
        }
    }
}

/// Waits `ms` (a timer, so the browser can queue its timing entries).
async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

/// The browser's timing entry of `url`, once it is there.
async fn entry(url: &str) -> Option<web_sys::PerformanceResourceTiming> {
    let perf = web_sys::window()?.performance()?;
    for _ in 0..3 {
        let list = perf.get_entries_by_name(url);
        if list.length() > 0 {
            return list.get(list.length() - 1).dyn_into().ok();
        }
        sleep(0).await;
    }
    None
}

/// One request: its round trip in ms and how it was timed. In `cors` mode
/// the browser's Resource Timing says when the request went out and the
/// first byte came back; otherwise (`no-cors`: an opaque answer, no timing
/// entry) the page times it around the request.
async fn request(url: &str, cors: bool) -> Result<(f64, Timing), Failure> {
    let signal = web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MS);
    let start = dom::perf_now();
    let mode = if cors {
        web_sys::RequestMode::Cors
    } else {
        web_sys::RequestMode::NoCors
    };
    let sent = gloo_net::http::Request::get(url)
        .mode(mode)
        .cache(web_sys::RequestCache::NoStore)
        .abort_signal(Some(&signal))
        .send()
        .await;
    let script = dom::perf_now() - start;
    let resp = match sent {
        Ok(r) => r,
        Err(_) if signal.aborted() => return Err(Failure::Timeout),
        Err(_) => return Err(Failure::Refused),
    };
    if !cors {
        return Ok((script, Timing::Script));
    }
    // The entry is queued once the body is in.
    let _ = resp.binary().await;
    let Some(e) = entry(url).await else {
        return Ok((script, Timing::Script));
    };
    let (sent_at, first_byte) = (e.request_start(), e.response_start());
    if sent_at > 0.0 && first_byte >= sent_at {
        Ok((first_byte - sent_at, Timing::Network))
    } else if e.duration() > 0.0 {
        Ok((e.duration(), Timing::Fetch))
    } else {
        Ok((script, Timing::Script))
    }
}

/// The warm-up's phases, when the browser exposes them (the server sent
/// `Timing-Allow-Origin`); otherwise only its total.
async fn phases(url: &str, total_ms: f64, cors: bool) -> Warmup {
    let e = if cors { entry(url).await } else { None };
    let span = |a: f64, b: f64| (a > 0.0 && b > a).then_some(b - a);
    match e {
        Some(e) => {
            let tls_start = e.secure_connection_start();
            Warmup {
                total_ms,
                dns_ms: span(e.domain_lookup_start(), e.domain_lookup_end()),
                tcp_ms: span(
                    e.connect_start(),
                    if tls_start > 0.0 {
                        tls_start
                    } else {
                        e.connect_end()
                    },
                ),
                tls_ms: span(tls_start, e.connect_end()),
            }
        }
        None => Warmup {
            total_ms,
            ..Warmup::default()
        },
    }
}

/// A region's measurement: the warm-up (in `cors` mode, or `no-cors` if the
/// endpoint allows no CORS), then [`TIMED`] requests in turn.
async fn measure_region(url: &str, run: u64) -> Outcome {
    let warm = format!("{url}?warm={run}");
    let (mut cors, mut first) = (true, request(&warm, true).await);
    if first == Err(Failure::Refused) {
        // An answer without CORS headers looks refused in `cors` mode: ask
        // again without (a real refusal is refused again, at once).
        cors = false;
        first = request(&format!("{warm}&opaque"), false).await;
    }
    let total = match first {
        Ok((ms, _)) => ms,
        Err(f) => return Outcome::Failed { error: f.text() },
    };
    let warmup = phases(&warm, total, cors).await;
    let mut rtts = Vec::with_capacity(TIMED);
    let mut timing = Timing::Network;
    for k in 0..TIMED {
        match request(&format!("{url}?run={run}&n={k}"), cors).await {
            Ok((ms, how)) => {
                rtts.push(ms);
                // The weakest way any request was timed.
                timing = match (timing, how) {
                    (_, Timing::Script) | (Timing::Script, _) => Timing::Script,
                    (_, Timing::Fetch) | (Timing::Fetch, _) => Timing::Fetch,
                    _ => Timing::Network,
                };
            }
            Err(f) => return Outcome::Failed { error: f.text() },
        }
    }
    measure::outcome(&rtts, timing, warmup)
}

/// Measures every target, [`PARALLEL`] at a time, reporting each as it ends.
fn start(act: Callback<Action>) {
    let overrides = measure::overrides(stored(OVERRIDE_KEY).as_deref());
    let targets = measure::targets(&overrides);
    act.emit(Action::BrowserStart(targets.clone()));
    let run = dom::now() as u64;
    // Six timing entries per region beside the page's own: room for them.
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        p.set_resource_timing_buffer_size(2000);
    }
    let queue = Rc::new(RefCell::new(targets.into_iter().collect::<VecDeque<_>>()));
    for _ in 0..PARALLEL {
        let (queue, act) = (queue.clone(), act.clone());
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                let next = queue.borrow_mut().pop_front();
                let Some((region, url)) = next else { break };
                let outcome = measure_region(&url, run).await;
                act.emit(Action::BrowserResult(RegionRtt {
                    region,
                    url,
                    outcome,
                }));
            }
        });
    }
}

/// Props of [`FromBrowser`].
#[derive(Properties, PartialEq)]
pub struct FromBrowserProps {
    /// Region names.
    pub manifest: Shared<Manifest>,
    /// Every region's result so far (empty: not measured).
    pub results: Rc<Vec<RegionRtt>>,
    /// Applies a change.
    pub act: Callback<Action>,
}

/// The section: consent button, progress, the closest regions, downloads.
#[function_component(FromBrowser)]
pub fn from_browser(p: &FromBrowserProps) -> Html {
    let failed = use_state(|| None::<String>);
    {
        // The visitor said yes before: measure without asking again.
        let act = p.act.clone();
        use_effect_with((), move |_| {
            if stored(CONSENT_KEY).as_deref() == Some("yes") {
                start(act);
            }
        });
    }
    let results = &p.results;
    let pending = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Pending))
        .count();
    let running = pending > 0;
    let on_measure = {
        let act = p.act.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(s) = storage() {
                let _ = s.set_item(CONSENT_KEY, "yes");
            }
            start(act.clone());
        })
    };
    let on_forget = {
        let act = p.act.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(s) = storage() {
                let _ = s.remove_item(CONSENT_KEY);
            }
            act.emit(Action::BrowserStart(Vec::new()));
        })
    };
    let save = |csv: bool| {
        let (results, failed) = (results.clone(), failed.clone());
        Callback::from(move |_: MouseEvent| {
            let r = dom::download_csv_or_json(
                "cloudping-from-my-browser",
                csv,
                || measure::csv(&results),
                || measure::json(&results, (dom::now() / 1000.0) as i64),
            );
            failed.set(r.err());
        })
    };
    let name = |code: &str| {
        p.manifest
            .region(code)
            .map(|r| format!("{} — {}", r.name, r.city))
            .or_else(|| shared::catalog::region(code).map(|r| format!("{} — {}", r.name, r.city)))
            .unwrap_or_default()
    };
    let ranked = measure::ranked(results);
    // Ranked by their medians, then the regions that did not answer, apart:
    // a failure has no place in the order.
    let item = |r: &&measure::RegionRtt| match &r.outcome {
        Outcome::Measured {
            median_ms,
            min_ms,
            max_ms,
            ..
        } => html! {
            <li class="measured" data-region={r.region.clone()} data-median={format!("{median_ms:.3}")}>
                <span class="code" style={color::cell_style(*median_ms)}>{ r.region.clone() }</span>
                { format!(" {} ", name(&r.region)) }
                <strong>{ format!("{} ms", color::cell_ms(*median_ms)) }</strong>
                { format!(" ({}–{} ms)", color::cell_ms(*min_ms), color::cell_ms(*max_ms)) }
            </li>
        },
        Outcome::Failed { error } => html! {
            <li class="failed" data-region={r.region.clone()}>
                <span class="code">{ r.region.clone() }</span>
                { format!(" {} ", name(&r.region)) }
                <strong>{ "failed" }</strong>{ format!(": {error}") }
            </li>
        },
        Outcome::Pending => html! {},
    };
    let (reached, unreached): (Vec<&measure::RegionRtt>, Vec<&measure::RegionRtt>) =
        ranked.iter().copied().partition(|r| r.median().is_some());
    let (any_reached, any_failed) = (!reached.is_empty(), !unreached.is_empty());
    let list: Html = reached.iter().map(item).collect();
    let unreached: Html = unreached.iter().map(item).collect();
    let settled = results.len() - pending;
    let status = if running {
        format!(
            "Measuring from your browser: {settled} of {} regions…",
            results.len()
        )
    } else if results.is_empty() {
        String::new()
    } else {
        let ok = ranked.iter().filter(|r| r.median().is_some()).count();
        format!(
            "Measured {ok} of {} regions from your browser.",
            results.len()
        )
    };
    html! {
        <section id="browser" class="browser" aria-labelledby="browser-title">
            <h2 id="browser-title">{ "From your browser" }</h2>
            <p class="hint">{ measure::METHOD }{ format!(" {TIMED} timed requests per region, {} s timeout, {PARALLEL} regions at a time.", TIMEOUT_MS / 1000) }</p>
            <p>
                <button type="button" id="measure" onclick={on_measure} disabled={running}>
                    { if results.is_empty() { "Measure from my browser" } else { "Measure again" } }
                </button>
                if !results.is_empty() && !running {
                    <button type="button" id="measure-forget" onclick={on_forget}>{ "Forget and stop measuring on each visit" }</button>
                }
            </p>
            <p class="status" role="status">{ status }</p>
            if any_reached {
                <h3>{ "Closest regions from here" }</h3>
                <ol class="closest">{ list }</ol>
            }
            if any_failed {
                <h3>{ "Not reached" }</h3>
                <ul class="unreached">{ unreached }</ul>
            }
            if !ranked.is_empty() {
                if !running {
                    <p class="downloads">
                        { "Download these figures: " }
                        <button type="button" id="download-browser-json" onclick={save(false)}>{ "JSON" }</button>
                        <button type="button" id="download-browser-csv" onclick={save(true)}>{ "CSV" }</button>
                    </p>
                }
            }
            if let Some(e) = &*failed {
                <p class="error" role="alert">{ format!("The download failed: {e}") }</p>
            }
        </section>
    }
}
