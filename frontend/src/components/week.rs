//! The weekly pattern of the graph's first pair: a table of the 168 hours
//! of the week (days as rows, hours as columns), each the median over the
//! last four weeks, in UTC or the reader's time zone.

use shared::display::relative_style;
use shared::feed::v2::Series;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::api::{Fetch, Shared};
use crate::chart::week::{self, DAYS, SPAN_SECONDS, WEEKS, Week};
use crate::components::error::ErrorPanel;
use crate::keys::{Move, on_key};
use crate::state::Action;
use crate::view::Pair;
use crate::{dom, format};

/// Props of [`WeekPattern`].
#[derive(Properties, PartialEq)]
pub struct WeekProps {
    /// The pair.
    pub pair: Pair,
    /// Its hourly series over the weeks; `None` when the feed has no hourly
    /// series for the pair.
    pub fetch: Option<Fetch<Shared<Series>>>,
    /// The weeks, `[from, to)` in Unix seconds.
    pub range: (i64, i64),
    /// Hours in the reader's time zone instead of UTC.
    pub local: bool,
    /// Applies a change.
    pub act: Callback<Action>,
}

/// What a cell says in its tooltip and in the line below the table.
fn describe(w: &Week, slot: usize, zone: &str) -> String {
    let at = format!(
        "{}–{:02}:00 {zone}",
        week::slot_label(slot),
        (slot % 24 + 1) % 24
    );
    match w.slots.get(slot).copied().flatten() {
        Some(s) => format!(
            "{at}: {} ms, the median of {} {}",
            format::ms(s.median),
            s.weeks,
            if s.weeks == 1 { "week" } else { "weeks" }
        ),
        None => format!("{at}: no data"),
    }
}

/// The slot of the cell an event happened in.
fn slot_of_event(e: &Event) -> Option<usize> {
    let el = e.target()?.dyn_into::<web_sys::Element>().ok()?;
    el.closest("td[data-slot]")
        .ok()
        .flatten()?
        .get_attribute("data-slot")?
        .parse()
        .ok()
}

/// The weekly pattern with its zone toggle, legend and notes. The table has
/// one tab stop; arrow keys (Home, End, Page Up and Down too) move between
/// hours, and the line below it says the focused or hovered hour's value.
#[function_component(WeekPattern)]
pub fn week_pattern(p: &WeekProps) -> Html {
    let focus = use_state(|| 0usize);
    let shown = use_state(|| None::<usize>);
    let (from, to) = p.range;
    let zone = if p.local {
        dom::zone_label(to)
    } else {
        "UTC".to_string()
    };
    let toggle = html! {
        <div class="week-zone" role="group" aria-label="Hours of the weekly pattern">
            <button type="button" id="week-utc" aria-pressed={(!p.local).to_string()}
                onclick={p.act.reform(|_: MouseEvent| Action::LocalWeek(false))}>{ "UTC" }</button>
            <button type="button" id="week-local" aria-pressed={p.local.to_string()}
                onclick={p.act.reform(|_: MouseEvent| Action::LocalWeek(true))}>{ format!("Local time ({})", dom::zone_label(to)) }</button>
        </div>
    };
    let body = match &p.fetch {
        None => html! { <p class="note">{ "The feed has no hourly series for this pair." }</p> },
        Some(Fetch::Loading) => {
            html! { <p class="loading" aria-busy="true">{ format!("Loading {WEEKS} weeks of hours…") }</p> }
        }
        Some(Fetch::Failed(e)) => html! {
            <ErrorPanel error={e.clone()} on_retry={p.act.reform(|()| Action::Retry)} what="Could not load the weekly pattern. " />
        },
        Some(Fetch::Ready(series)) => {
            let w = if p.local {
                week::fold(series, from, to, &dom::local_offset)
            } else {
                week::fold(series, from, to, &|_| 0)
            };
            let short = (w.covered() < SPAN_SECONDS).then(|| {
                let days = w.covered() / 86_400;
                let span = match days {
                    0 => "less than a day".to_string(),
                    1 => "1 day".to_string(),
                    d => format!("{d} days"),
                };
                html! { <p class="note week-short" role="status">{ format!("Fewer than {WEEKS} weeks of data: the pattern covers {span}, so an hour holds fewer than {WEEKS} values.") }</p> }
            });
            let missing = w.missing();
            let gaps = (missing > 0).then(|| {
                html! { <p class="note week-gaps">{ format!("{missing} of the {} hours have no data (hatched).", week::WEEK_HOURS) }</p> }
            });
            // Colours span this pair's own fastest to slowest hour: on the
            // matrix's 1–350 ms scale a few ms of daily swing would not show.
            let (lo, hi) = w
                .slots
                .iter()
                .flatten()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), s| {
                    (lo.min(s.median), hi.max(s.median))
                });
            let at = move |ms: f64| {
                if hi - lo > 1e-9 {
                    (ms - lo) / (hi - lo)
                } else {
                    0.5
                }
            };
            let hours: Html = (0..24)
                .map(|h| html! { <th scope="col">{ format!("{h:02}") }</th> })
                .collect();
            let rows: Html = DAYS
                .iter()
                .enumerate()
                .map(|(d, day)| {
                    let cells: Html = (0..24)
                        .map(|h| {
                            let slot = d * 24 + h;
                            let tab = if slot == *focus { "0" } else { "-1" };
                            let title = describe(&w, slot, &zone);
                            match w.slots[slot] {
                                Some(s) => html! {
                                    <td data-slot={slot.to_string()} data-ms={format!("{:.3}", s.median)} data-weeks={s.weeks.to_string()}
                                        tabindex={tab} {title} style={relative_style(at(s.median))}>{ format::ms(s.median) }</td>
                                },
                                None => html! {
                                    <td data-slot={slot.to_string()} class="missing" tabindex={tab} {title}>{ "–" }</td>
                                },
                            }
                        })
                        .collect();
                    html! { <tr><th scope="row">{ *day }</th>{ cells }</tr> }
                })
                .collect();
            let onkeydown = {
                let focus = focus.clone();
                Callback::from(move |e: KeyboardEvent| {
                    let Some(slot) = slot_of_event(&e) else {
                        return;
                    };
                    let key = e.key();
                    let at = (slot / 24, slot % 24);
                    if let Some(Move::To(r, c)) = on_key(&key, e.ctrl_key(), false, at, (7, 24)) {
                        e.prevent_default();
                        let next = r * 24 + c;
                        focus.set(next);
                        dom::focus(&format!("#week td[data-slot=\"{next}\"]"));
                    }
                })
            };
            let onfocusin = {
                let (focus, shown) = (focus.clone(), shown.clone());
                Callback::from(move |e: FocusEvent| {
                    if let Some(slot) = slot_of_event(&e) {
                        focus.set(slot);
                        shown.set(Some(slot));
                    }
                })
            };
            let onmouseover = {
                let shown = shown.clone();
                Callback::from(move |e: MouseEvent| {
                    if let Some(slot) = slot_of_event(&e) {
                        shown.set(Some(slot));
                    }
                })
            };
            let detail = shown.map_or_else(
                || {
                    "Focus the table and use the arrow keys, or point at an hour, for its value."
                        .to_string()
                },
                |slot| describe(&w, slot, &zone),
            );
            let stops: Html = if lo.is_finite() {
                [0.0, 0.25, 0.5, 0.75, 1.0]
                    .iter()
                    .map(|&t| {
                        let ms = lo + t * (hi - lo);
                        html! { <span class="stop" style={relative_style(at(ms))}>{ format!("{} ms", format::ms(ms)) }</span> }
                    })
                    .collect()
            } else {
                Html::default()
            };
            html! {
                <>
                    { short.unwrap_or_default() }
                    <div class="week-scroll">
                        <table class="week" id="week" data-from={shared::time::rfc3339(from)} data-to={shared::time::rfc3339(to)}
                            data-zone={if p.local { "local" } else { "utc" }} {onkeydown} {onfocusin} {onmouseover}
                            aria-describedby="week-detail">
                            <caption>{ format!("Median RTT (ms) of {} → {} per hour of the week, hours in {zone}, over the {WEEKS} weeks to {}.", p.pair.0, p.pair.1, format::utc(to)) }</caption>
                            <thead><tr><td></td>{ hours }</tr></thead>
                            <tbody>{ rows }</tbody>
                        </table>
                    </div>
                    <p id="week-detail" class="week-detail" aria-live="polite">{ detail }</p>
                    { gaps.unwrap_or_default() }
                    <div class="legend week-legend" role="img" aria-label={format!(
                        "colour scale of this pair's hours: bright yellow-green is its fastest ({} ms), dark purple its slowest ({} ms), hatched is no data",
                        format::ms(lo), format::ms(hi))}>
                        { stops }
                        <span class="stop missing">{ "– no data" }</span>
                    </div>
                </>
            }
        }
    };
    html! {
        <section class="week-pattern" aria-labelledby="week-title">
            <h3 id="week-title">{ format!("Weekly pattern: {} → {}", p.pair.0, p.pair.1) }</h3>
            { toggle }
            { body }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::week::Slot;

    #[test]
    fn a_cell_says_its_hour_value_and_weeks() {
        let mut w = Week {
            slots: vec![None; week::WEEK_HOURS],
            first: None,
            last: None,
        };
        w.slots[5] = Some(Slot {
            median: 70.123,
            weeks: 4,
        });
        w.slots[167] = Some(Slot {
            median: 250.0,
            weeks: 1,
        });
        assert_eq!(
            describe(&w, 5, "UTC"),
            "Mon 05:00–06:00 UTC: 70.1 ms, the median of 4 weeks"
        );
        assert_eq!(
            describe(&w, 167, "UTC+09:00"),
            "Sun 23:00–00:00 UTC+09:00: 250 ms, the median of 1 week"
        );
        assert_eq!(describe(&w, 6, "UTC"), "Mon 06:00–07:00 UTC: no data");
    }
}
