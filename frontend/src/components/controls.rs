//! The matrix's controls: window, statistic, what the cells show (the
//! latency, its asymmetry, or its change against another window), geography
//! and region filters, row order.

use shared::feed::v2::Manifest;
use yew::prelude::*;

use crate::api::Shared;
use crate::grid;
use crate::state::Action;
use crate::view::{Mode, Sort, View};

/// Props of [`Controls`].
#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    /// Windows, statistics and regions on offer.
    pub manifest: Shared<Manifest>,
    /// The current view.
    pub view: View,
    /// Applies a change.
    pub act: Callback<Action>,
}

/// The value of the `<select>` an event came from.
pub fn select_value(e: &Event) -> String {
    e.target_unchecked_into::<web_sys::HtmlSelectElement>()
        .value()
}

/// The manifest's windows as `<option>`s, `selected` chosen.
pub fn window_options(m: &Manifest, selected: &str) -> Html {
    m.windows
        .iter()
        .map(|w| html! { <option value={w.id.clone()} selected={w.id == selected}>{ w.label.clone() }</option> })
        .collect()
}

/// The manifest's statistics as `<option>`s, `selected` chosen.
pub fn stat_options(m: &Manifest, selected: &str) -> Html {
    m.stats
        .iter()
        .map(|s| html! { <option value={s.clone()} selected={*s == selected}>{ s.clone() }</option> })
        .collect()
}

/// Window, statistic, filters and sort.
#[function_component(Controls)]
pub fn controls(p: &ControlsProps) -> Html {
    let m = &p.manifest;
    let v = &p.view;
    let act = &p.act;

    // A select shows what the view says even after the user touched it (back
    // and forward, a pasted link): set its value, not only `selected`.
    let refs = [
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    ];
    {
        let refs = refs.clone();
        let sort = match &v.sort {
            Sort::Column { dst, .. } => Sort::Column {
                dst: dst.clone(),
                desc: false,
            }
            .id(),
            other => other.id(),
        };
        let unit = if v.pct { "pct" } else { "ms" };
        let values = [
            v.window.clone(),
            v.stat.clone(),
            sort,
            v.mode.id().to_string(),
            v.base.clone(),
            unit.to_string(),
        ];
        use_effect_with(values, move |values| {
            for (r, value) in refs.iter().zip(values) {
                if let Some(el) = r.cast::<web_sys::HtmlSelectElement>()
                    && el.value() != *value
                {
                    el.set_value(value);
                }
            }
        });
    }

    let windows = window_options(m, &v.window);
    let stats = stat_options(m, &v.stat);
    // A span of days from the link is one more choice, shown as such.
    let span = crate::view::day_span(&v.base).map(|_| {
        html! { <option value={v.base.clone()} selected=true>{ v.base.replace("..", " to ") }</option> }
    });
    let bases = html! { <>{ span.unwrap_or_default() }{ window_options(m, &v.base) }</> };
    let modes: Html = [
        (Mode::Latency, "latency"),
        (Mode::Asymmetry, "asymmetry (A→B − B→A)"),
        (Mode::Change, "change against…"),
    ]
    .into_iter()
    .map(|(mode, label)| html! { <option value={mode.id()} selected={mode == v.mode}>{ label }</option> })
    .collect();
    let on_mode =
        act.reform(|e: Event| Action::Mode(Mode::from_id(&select_value(&e)).unwrap_or_default()));
    let on_base = act.reform(|e: Event| Action::Base(select_value(&e)));
    let on_unit = act.reform(|e: Event| Action::Percent(select_value(&e) == "pct"));
    // Hidden, not removed, when they do not apply: the refs stay mounted.
    let base_hidden = v.mode != Mode::Change;
    let unit_hidden = v.mode == Mode::Latency;
    let on_window = act.reform(|e: Event| Action::Window(select_value(&e)));
    let on_stat = act.reform(|e: Event| Action::Stat(select_value(&e)));

    let geos = grid::geographies(m);
    let geo_boxes: Html = geos
        .iter()
        .map(|(id, label)| {
            let onchange = {
                let id = id.clone();
                act.reform(move |_: Event| Action::ToggleGeo(id.clone()))
            };
            html! {
                <label class="chip">
                    <input type="checkbox" name="geo" value={id.clone()} checked={v.geos.contains(id)} {onchange} />
                    { label.clone() }
                </label>
            }
        })
        .collect();

    let region_groups: Html = geos
        .iter()
        .map(|(gid, label)| {
            let boxes: Html = m
                .regions
                .iter()
                .filter(|r| r.geography == *gid)
                .map(|r| {
                    let onchange = {
                        let code = r.code.clone();
                        act.reform(move |_: Event| Action::ToggleRegion(code.clone()))
                    };
                    html! {
                        <label class="chip" title={format!("{} — {}", r.name, r.city)}>
                            <input type="checkbox" name="region" value={r.code.clone()}
                                checked={v.regions.contains(&r.code)} {onchange} />
                            { r.code.clone() }
                        </label>
                    }
                })
                .collect();
            html! { <div class="region-group"><span class="group-label">{ label.clone() }</span>{ boxes }</div> }
        })
        .collect();
    let region_summary = if v.regions.is_empty() {
        "Regions: all".to_string()
    } else {
        format!("Regions: {} of {}", v.regions.len(), m.regions.len())
    };

    let dsts: Html = m
        .regions
        .iter()
        .map(|r| {
            let id = Sort::Column {
                dst: r.code.clone(),
                desc: false,
            }
            .id();
            let selected = matches!(&v.sort, Sort::Column { dst, .. } if *dst == r.code);
            html! { <option value={id} {selected}>{ format!("value towards {}", r.code) }</option> }
        })
        .collect();
    let on_sort =
        act.reform(|e: Event| Action::Sort(Sort::from_id(&select_value(&e)).unwrap_or_default()));
    let filtered = !v.geos.is_empty() || !v.regions.is_empty();
    let clear = filtered.then(|| {
        html! { <button type="button" class="clear" onclick={act.reform(|_: MouseEvent| Action::ClearFilters)}>{ "Show all regions" }</button> }
    });

    html! {
        <div class="controls">
            <div class="row">
                <label>{ "Window " }<select id="window" ref={refs[0].clone()} onchange={on_window}>{ windows }</select></label>
                <label>{ "Statistic " }<select id="stat" ref={refs[1].clone()} onchange={on_stat}>{ stats }</select></label>
                <label>{ "Cells show " }<select id="mode" ref={refs[3].clone()} onchange={on_mode}>{ modes }</select></label>
                <label hidden={base_hidden}>{ "the window " }<select id="base" ref={refs[4].clone()} onchange={on_base}>{ bases }</select></label>
                <label hidden={unit_hidden}>{ "in " }
                    <select id="unit" ref={refs[5].clone()} onchange={on_unit}>
                        <option value="ms" selected={!v.pct}>{ "ms" }</option>
                        <option value="pct" selected={v.pct}>{ "%" }</option>
                    </select>
                </label>
                <label>{ "Rows by " }
                    <select id="sort" ref={refs[2].clone()} onchange={on_sort}>
                        <option value="geo" selected={v.sort == Sort::Geo}>{ "geography" }</option>
                        <option value="code" selected={v.sort == Sort::Code}>{ "region code" }</option>
                        { dsts }
                    </select>
                </label>
            </div>
            <fieldset class="geos">
                <legend>{ "Geography (none ticked = all)" }</legend>
                { geo_boxes }
            </fieldset>
            <details class="regions">
                <summary>{ region_summary }</summary>
                { region_groups }
            </details>
            { clear.unwrap_or_default() }
        </div>
    }
}
