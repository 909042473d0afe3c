//! "What changed": the level shifts of the last 7 days (`changes.json`),
//! newest first, each pair a link that opens its graph.

use shared::feed::v2::{ChangeEvent, ChangePair, Changes};
use shared::time::parse_rfc3339;
use yew::prelude::*;

use crate::api::{Fetch, FetchError, Shared};
use crate::components::error::ErrorPanel;
use crate::format;
use crate::state::Action;
use crate::view::{Pair, View};

/// How far back the list reaches from the end of the file's hours.
pub const RECENT_SECONDS: i64 = 7 * 86_400;

/// Pairs listed per event; the rest fold behind "and N more".
pub const SHOWN_PAIRS: usize = 3;

/// The events still going on or that ended in the last [`RECENT_SECONDS`]
/// of the file (`to`), in the file's order (newest onset first).
pub fn recent(c: &Changes) -> Vec<&ChangeEvent> {
    let Some(to) = parse_rfc3339(&c.to) else {
        return Vec::new();
    };
    c.events
        .iter()
        .filter(|e| {
            e.end
                .as_deref()
                .and_then(parse_rfc3339)
                .is_none_or(|end| end > to - RECENT_SECONDS)
        })
        .collect()
}

/// A shift for people: `70.1 → 91.5 ms (+21.3 ms, +30.4 %)`.
pub fn shift_text(p: &ChangePair) -> String {
    let d = p.delta_ms();
    let pct = p
        .ratio()
        .map(|r| format!(", {:+.1} %", r * 100.0))
        .unwrap_or_default();
    format!(
        "{:.1} → {:.1} ms ({d:+.1} ms{pct})",
        p.before_ms, p.after_ms
    )
}

/// A time of the file for people (`2026-11-25 05:00 UTC`), or as written
/// when it does not parse.
pub fn when(t: &str) -> String {
    parse_rfc3339(t).map_or_else(|| t.to_string(), format::utc)
}

/// Props of [`WhatChanged`].
#[derive(Properties, PartialEq)]
pub struct ChangesProps {
    /// The fetch of `changes.json`, once started.
    pub changes: Option<Fetch<Shared<Changes>>>,
    /// The view, for the pairs' links.
    pub view: View,
    /// Applies a change.
    pub act: Callback<Action>,
}

/// The "What changed (last 7 days)" section.
#[function_component(WhatChanged)]
pub fn what_changed(p: &ChangesProps) -> Html {
    let body = match &p.changes {
        // Not asked for yet: it waits for the matrix (and the page the
        // publisher prerenders never has it), so there is nothing to say.
        None => return html! {},
        Some(Fetch::Loading) => {
            html! { <p class="loading" aria-busy="true">{ "Loading recent changes…" }</p> }
        }
        // No file: the publisher has not written one yet.
        Some(Fetch::Failed(FetchError::Status { status: 404, .. })) => {
            html! { <p class="note">{ "No changes are published yet." }</p> }
        }
        Some(Fetch::Failed(e)) => html! {
            <ErrorPanel error={e.clone()} on_retry={p.act.reform(|()| Action::Retry)} what="Could not load the recent changes. " />
        },
        Some(Fetch::Ready(c)) => {
            let events = recent(c);
            if events.is_empty() {
                html! { <p class="note">{ "No level shifts in the last 7 days." }</p> }
            } else {
                let link = |cp: &ChangePair| {
                    let pair: Pair = (cp.source.clone(), cp.destination.clone());
                    let href = View {
                        pairs: vec![pair.clone()],
                        ..p.view.clone()
                    }
                    .to_hash();
                    let onclick = p.act.reform(move |e: MouseEvent| {
                        e.prevent_default();
                        Action::OpenPair {
                            pair: pair.clone(),
                            add: false,
                        }
                    });
                    html! {
                        <li>
                            <a {href} {onclick} class="pair-link">{ format!("{} → {}", cp.source, cp.destination) }</a>
                            { format!(": {}", shift_text(cp)) }
                        </li>
                    }
                };
                let items: Html = events
                    .iter()
                    .map(|e| {
                        let status = match &e.end {
                            Some(end) => format!("recovered {}", when(end)),
                            None => "ongoing".to_string(),
                        };
                        let (shown, more) = e.pairs.split_at(e.pairs.len().min(SHOWN_PAIRS));
                        let rest = (!more.is_empty()).then(|| html! {
                            <details class="more">
                                <summary>{ format!("and {} more", more.len()) }</summary>
                                <ul class="shifts">{ for more.iter().map(link) }</ul>
                            </details>
                        });
                        html! {
                            <li class="event" data-id={e.id.clone()} data-ongoing={e.end.is_none().to_string()}>
                                <p><time datetime={e.onset.clone()}>{ when(&e.onset) }</time>
                                    <span class={classes!("status", e.end.is_none().then_some("ongoing"))}>{ status }</span></p>
                                <ul class="shifts">{ for shown.iter().map(link) }</ul>
                                { rest.unwrap_or_default() }
                            </li>
                        }
                    })
                    .collect();
                html! { <ol class="events">{ items }</ol> }
            }
        }
    };
    let rule = p.changes.as_ref().and_then(Fetch::ready).map(|c| {
        let r = &c.rule;
        let simulated = if c.simulated { " Simulated data." } else { "" };
        html! {
            <p class="hint">{ format!(
                "A level shift: a pair's hourly median moved by {} ms and {:.0} % or more, for {} hours or more.{simulated}",
                r.min_shift_ms, r.min_shift_ratio * 100.0, r.min_hours
            ) }</p>
        }
    });
    html! {
        <section id="changes" class="changes" aria-labelledby="changes-title">
            <h2 id="changes-title">{ "What changed (last 7 days)" }</h2>
            { body }
            { rule.unwrap_or_default() }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Changes {
        serde_json::from_str(include_str!(
            "../../../shared/tests/fixtures/feed/v2/changes.json"
        ))
        .unwrap()
    }

    #[test]
    fn the_last_seven_days_newest_first() {
        let mut c = fixture();
        let ids: Vec<&str> = recent(&c).iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "2026-11-19T21:00:00Z/eu-west-1/ap-south-1",
                "2026-11-17T05:00:00Z/eu-west-1/us-east-1"
            ]
        );
        // Ended more than 7 days before the file's end: gone; ongoing: kept.
        c.to = "2026-11-24T10:00:00Z".into();
        let ids: Vec<&str> = recent(&c).iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["2026-11-19T21:00:00Z/eu-west-1/ap-south-1"]);
        c.to = "never".into();
        assert!(recent(&c).is_empty());
    }

    #[test]
    fn a_shift_says_before_after_and_by_how_much() {
        let c = fixture();
        let p = &c.events[1].pairs[1];
        assert_eq!(shift_text(p), "70.1 → 91.5 ms (+21.3 ms, +30.4 %)");
        let faster = &c.events[1].pairs[2];
        assert_eq!(shift_text(faster), "187.5 → 179.2 ms (-8.2 ms, -4.4 %)");
        let mut from_zero = p.clone();
        from_zero.before_ms = 0.0;
        assert_eq!(shift_text(&from_zero), "0.0 → 91.5 ms (+91.5 ms)");
        assert_eq!(when("2026-11-17T05:00:00Z"), "2026-11-17 05:00 UTC");
    }
}
