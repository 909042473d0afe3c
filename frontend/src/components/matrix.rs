//! The region × region table: a real `<table>` (rows = source, columns =
//! destination), one focusable cell at a time (arrow keys move, Enter opens
//! the pair's graph), and the details of the hovered or focused cell.

use std::rc::Rc;

use shared::compare::Compared;
use shared::feed::v2::{Manifest, Matrix};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

use crate::api::Shared;
use crate::color;
use crate::format;
use crate::grid::{self, Layout};
use crate::keys::{self, Move};
use crate::view::{Pair, Sort};

/// Props of [`MatrixTable`].
#[derive(Properties, PartialEq)]
pub struct MatrixProps {
    /// Region names and metadata.
    pub manifest: Shared<Manifest>,
    /// The window's matrix.
    pub matrix: Shared<Matrix>,
    /// The statistic shown (`p50`, ...).
    pub stat: AttrValue,
    /// Rows and columns shown.
    pub layout: Rc<Layout>,
    /// Row order, for the column headers' `aria-sort`.
    #[prop_or_default]
    pub sort: Sort,
    /// Pairs in the graph, highlighted.
    #[prop_or_default]
    pub selected: Vec<Pair>,
    /// Opens a pair's graph; `true` adds it to the pairs shown.
    #[prop_or_default]
    pub on_open: Callback<(Pair, bool)>,
    /// Sorts the rows by a destination's column.
    #[prop_or_default]
    pub on_sort: Callback<String>,
    /// What the cells compare, when they do not show the statistic itself.
    #[prop_or_default]
    pub compare: Option<Comparison>,
    /// The visitor's round trips from the browser: a "you" row above the
    /// sources when there are any.
    #[prop_or_default]
    pub you: Rc<Vec<crate::measure::RegionRtt>>,
}

/// The cells of a comparison ([`shared::compare`]) and how to word them.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// One per cell of the matrix (its `sources × destinations`).
    pub cells: Rc<Vec<Vec<Compared>>>,
    /// Percentages instead of ms.
    pub pct: bool,
    /// What is compared, for the caption and the details: `p50 A→B − B→A`.
    pub what: AttrValue,
    /// A cell with a figure but no reference: `one way`, `new`.
    pub no_reference: AttrValue,
}

impl Comparison {
    fn at(&self, i: usize, j: usize) -> Compared {
        self.cells
            .get(i)
            .and_then(|r| r.get(j))
            .copied()
            .unwrap_or(Compared::Missing)
    }

    /// The figure a cell shows, as text.
    pub fn text(&self, c: Compared) -> String {
        match c {
            Compared::Delta(d) if self.pct => d.pct.map_or_else(|| "—".into(), color::signed_pct),
            Compared::Delta(d) => color::signed_ms(d.ms),
            Compared::NoReference => self.no_reference.to_string(),
            Compared::Missing => "—".into(),
        }
    }
}

/// The cell whose details show, and where.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tip {
    i: usize,
    j: usize,
    x: f64,
    y: f64,
}

/// The `<td>` an event happened in, with its matrix indices.
fn cell_of(e: &Event) -> Option<(HtmlElement, usize, usize)> {
    let el: Element = e.target()?.dyn_into().ok()?;
    let td: HtmlElement = el.closest("td[data-i]").ok()??.dyn_into().ok()?;
    let i = td.get_attribute("data-i")?.parse().ok()?;
    let j = td.get_attribute("data-j")?.parse().ok()?;
    Some((td, i, j))
}

/// The window's size in CSS px, without its scroll bars.
fn viewport() -> (f64, f64) {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .map_or((1024.0, 768.0), |e| {
            (f64::from(e.client_width()), f64::from(e.client_height()))
        })
}

/// Where the details of a cell go: beside it, inside the window.
fn tip_at(td: &HtmlElement, i: usize, j: usize) -> Tip {
    let r = td.get_bounding_client_rect();
    let (vw, vh) = viewport();
    const W: f64 = 270.0;
    const H: f64 = 330.0;
    let x = if r.right() + 8.0 + W <= vw {
        r.right() + 8.0
    } else {
        (r.left() - 8.0 - W).max(4.0)
    };
    let y = r.top().min(vh - H).max(4.0);
    Tip { i, j, x, y }
}

/// Props of one row.
#[derive(Properties, PartialEq)]
struct RowProps {
    matrix: Shared<Matrix>,
    stat: AttrValue,
    /// Source index.
    i: usize,
    cols: Rc<[usize]>,
    /// Source display name.
    name: AttrValue,
    /// Column position holding the tab stop, if in this row.
    focus: Option<usize>,
    /// Column position whose details show, if in this row.
    described: Option<usize>,
    /// Destination indices of pairs in the graph.
    selected: Vec<usize>,
    compare: Option<Comparison>,
}

/// One row; a component of its own so that moving focus re-renders two rows, not all.
#[function_component(Row)]
fn row(p: &RowProps) -> Html {
    let m = &p.matrix;
    let i = p.i;
    let s = &m.sources[i];
    let grid = m.stats.get(p.stat.as_str());
    let cells: Html = p
        .cols
        .iter()
        .enumerate()
        .map(|(c, &j)| {
            let d = &m.destinations[j];
            let value = grid.and_then(|g| g.get(i)?.get(j).copied().flatten());
            let tab = if p.focus == Some(c) { "0" } else { "-1" };
            let described = (p.described == Some(c)).then_some("cell-tip");
            let selected = p.selected.contains(&j).then_some("selected");
            if let Some(cmp) = &p.compare {
                let c = cmp.at(i, j);
                let text = cmp.text(c);
                let (class, style) = match c {
                    Compared::Delta(d) => ("delta", Some(color::change_style(d.pct))),
                    Compared::NoReference => ("noref", None),
                    Compared::Missing => ("missing", None),
                };
                return html! {
                    <td data-src={s.clone()} data-dst={d.clone()} data-i={i.to_string()} data-j={j.to_string()}
                        tabindex={tab} aria-describedby={described} class={classes!(class, selected)} {style}>
                        { text }
                    </td>
                };
            }
            match value {
                Some(v) => html! {
                    <td data-src={s.clone()} data-dst={d.clone()} data-i={i.to_string()} data-j={j.to_string()}
                        tabindex={tab} aria-describedby={described} class={classes!(selected)}
                        style={color::cell_style(v)}>
                        { format::ms(v) }
                    </td>
                },
                None => html! {
                    <td data-src={s.clone()} data-dst={d.clone()} data-i={i.to_string()} data-j={j.to_string()}
                        tabindex={tab} aria-describedby={described} class={classes!("missing", selected)}>
                        { "—" }
                    </td>
                },
            }
        })
        .collect();
    // Narrow screens show the short code; the full one stays for screen readers.
    html! {
        <tr>
            <th scope="row" class="src" title={p.name.clone()}>
                <span class="long">{ s.clone() }</span>
                <span class="short" aria-hidden="true">{ color::short_code(s) }</span>
            </th>
            { cells }
        </tr>
    }
}

/// The matrix as a real table: rows = source, columns = destination.
#[function_component(MatrixTable)]
pub fn matrix_table(props: &MatrixProps) -> Html {
    let focus = use_state(|| (0usize, 0usize));
    let tip = use_state(|| None::<Tip>);
    let tbody = use_node_ref();
    use_effect_with((), |_| crate::dom::mark("matrix-ready"));

    let m = &props.matrix;
    let layout = &props.layout;
    let (rows, cols) = (layout.rows.len(), layout.cols.len());
    // Keep the tab stop inside the table when filters shrink it.
    let (fr, fc) = if focus.0 < rows && focus.1 < cols {
        *focus
    } else {
        (0, 0)
    };

    if !m.stats.contains_key(props.stat.as_str()) {
        return html! { <p class="error" role="alert">{ format!("This window has no `{}` statistic.", props.stat) }</p> };
    }
    if rows == 0 || cols == 0 {
        return html! { <p class="empty">{ "No region matches the filters." }</p> };
    }

    let name = |code: &str| {
        props
            .manifest
            .region(code)
            .map_or_else(|| code.to_string(), |r| format!("{} — {}", r.name, r.city))
    };

    let on_sort = props.on_sort.clone();
    let header: Html = layout
        .cols
        .iter()
        .map(|&j| {
            let d = m.destinations[j].clone();
            let sorted = match &props.sort {
                Sort::Column { dst, desc } if *dst == d => Some(if *desc { "descending" } else { "ascending" }),
                _ => None,
            };
            let onclick = {
                let on_sort = on_sort.clone();
                let d = d.clone();
                Callback::from(move |_: MouseEvent| on_sort.emit(d.clone()))
            };
            html! {
                <th scope="col" class="dst" title={name(&d)} aria-sort={sorted}>
                    <button type="button" class="sort" {onclick} aria-label={format!("{d}: sort rows by this column")}>
                        <span>{ d.clone() }</span>
                    </button>
                </th>
            }
        })
        .collect();

    let cols_rc: Rc<[usize]> = layout.cols.iter().copied().collect();
    let tip_pos = tip.and_then(|t| {
        let r = layout.rows.iter().position(|&i| i == t.i)?;
        let c = layout.cols.iter().position(|&j| j == t.j)?;
        Some((r, c))
    });
    let body: Html = layout
        .rows
        .iter()
        .enumerate()
        .map(|(r, &i)| {
            let selected: Vec<usize> = props
                .selected
                .iter()
                .filter(|(s, _)| *s == m.sources[i])
                .filter_map(|(_, d)| m.destinations.iter().position(|x| x == d))
                .collect();
            html! {
                <Row key={m.sources[i].clone()} matrix={m.clone()} stat={props.stat.clone()} {i}
                    cols={cols_rc.clone()} name={AttrValue::from(name(&m.sources[i]))}
                    focus={(r == fr).then_some(fc)}
                    described={tip_pos.filter(|(tr, _)| *tr == r).map(|(_, c)| c)}
                    {selected} compare={props.compare.clone()} />
            }
        })
        .collect();

    let pair_of = {
        let m = m.clone();
        move |i: usize, j: usize| -> Option<Pair> {
            Some((m.sources.get(i)?.clone(), m.destinations.get(j)?.clone()))
        }
    };

    let onmouseover = {
        let tip = tip.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some((td, i, j)) = cell_of(&e) {
                let t = tip_at(&td, i, j);
                if *tip != Some(t) {
                    tip.set(Some(t));
                }
            }
        })
    };
    let onmouseleave = {
        let tip = tip.clone();
        Callback::from(move |_: MouseEvent| tip.set(None))
    };
    let onfocusin = {
        let tip = tip.clone();
        let focus = focus.clone();
        Callback::from(move |e: FocusEvent| {
            if let Some((td, i, j)) = cell_of(&e) {
                tip.set(Some(tip_at(&td, i, j)));
                if let Some(cell) = td.dyn_ref::<web_sys::HtmlTableCellElement>()
                    && let Some(tr) = cell
                        .parent_element()
                        .and_then(|p| p.dyn_into::<web_sys::HtmlTableRowElement>().ok())
                {
                    let r = usize::try_from(tr.section_row_index()).unwrap_or(0);
                    let c = usize::try_from(cell.cell_index() - 1).unwrap_or(0);
                    focus.set((r, c));
                }
            }
        })
    };
    let onfocusout = {
        let tip = tip.clone();
        Callback::from(move |_: FocusEvent| tip.set(None))
    };
    let onclick = {
        let on_open = props.on_open.clone();
        let pair_of = pair_of.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some((_, i, j)) = cell_of(&e)
                && let Some(p) = pair_of(i, j)
            {
                on_open.emit((p, e.shift_key() || e.ctrl_key() || e.meta_key()));
            }
        })
    };
    let onkeydown = {
        let on_open = props.on_open.clone();
        let tbody = tbody.clone();
        let tip = tip.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                tip.set(None);
                return;
            }
            let Some((td, i, j)) = cell_of(&e) else {
                return;
            };
            let Some(cell) = td.dyn_ref::<web_sys::HtmlTableCellElement>() else {
                return;
            };
            let Some(tr) = cell
                .parent_element()
                .and_then(|p| p.dyn_into::<web_sys::HtmlTableRowElement>().ok())
            else {
                return;
            };
            let r = usize::try_from(tr.section_row_index()).unwrap_or(0);
            let c = usize::try_from(cell.cell_index() - 1).unwrap_or(0);
            match keys::on_key(
                &e.key(),
                e.ctrl_key() || e.meta_key(),
                e.shift_key(),
                (r, c),
                (rows, cols),
            ) {
                Some(Move::Open { add }) => {
                    e.prevent_default();
                    if let Some(p) = pair_of(i, j) {
                        on_open.emit((p, add));
                    }
                }
                Some(Move::To(nr, nc)) => {
                    e.prevent_default();
                    let target = tbody
                        .cast::<Element>()
                        .and_then(|b| b.children().item(u32::try_from(nr).ok()?))
                        .and_then(|row| row.children().item(u32::try_from(nc + 1).ok()?))
                        .and_then(|el| el.dyn_into::<HtmlElement>().ok());
                    if let Some(t) = target {
                        let _ = t.focus();
                        // The sticky headers would cover a cell scrolled to
                        // the edge; the scroller's scroll-padding keeps it clear.
                        crate::dom::reveal(&t);
                    }
                }
                None => {}
            }
        })
    };

    let on_close = {
        let tip = tip.clone();
        Callback::from(move |()| tip.set(None))
    };
    let details = tip.and_then(|t| {
        let d = grid::details(&props.manifest, m, t.i, t.j, &props.stat)?;
        let compared = props.compare.as_ref().map(|cmp| {
            let c = cmp.at(t.i, t.j);
            let value = match c {
                Compared::Delta(d) => match d.pct {
                    Some(p) => format!("{} ms ({})", color::signed_ms(d.ms), color::signed_pct(p)),
                    None => format!("{} ms", color::signed_ms(d.ms)),
                },
                other => cmp.text(other),
            };
            (cmp.what.clone(), AttrValue::from(value))
        });
        Some(html! { <CellTip details={d} stat={props.stat.clone()} x={t.x} y={t.y} {on_close} {compared} /> })
    });

    html! {
        <div class="matrix-wrap">
            <p class="hint">{ "Hover or focus a cell for every figure (Escape hides them); arrow keys move between cells, Enter or a click opens the pair's graph (Shift adds it); a column header sorts the rows." }</p>
            <div class="matrix-scroll">
            <table class="matrix" id="matrix" {onmouseover} {onmouseleave} {onfocusin} {onfocusout} {onclick} {onkeydown}>
                <caption>
                    { match &props.compare {
                        None => format!("{} round-trip time in milliseconds over {} — rows: source region, columns: destination region", props.stat, m.window),
                        Some(c) => format!("{} in {} — rows: source region, columns: destination region", c.what, if c.pct { "percent" } else { "milliseconds" }),
                    } }
                </caption>
                <thead>
                    <tr><th scope="col" class="corner">{ "source ↓ / destination →" }</th>{ header }</tr>
                </thead>
                { you_row(&props.you, &layout.cols, m) }
                <tbody ref={tbody}>{ body }</tbody>
            </table>
            </div>
            { details.unwrap_or_default() }
        </div>
    }
}

/// Props of [`CellTip`].
#[derive(Properties, PartialEq)]
pub struct TipProps {
    /// The figures.
    pub details: grid::Details,
    /// The statistic shown in the table.
    pub stat: AttrValue,
    /// Left edge, CSS px from the viewport.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Hides the details (their × on a phone).
    #[prop_or_default]
    pub on_close: Callback<()>,
    /// What the cell compares and its figure, when the cells compare.
    #[prop_or_default]
    pub compared: Option<(AttrValue, AttrValue)>,
}

/// Every figure of one pair: statistics, samples, loss, fiber floor and stretch.
#[function_component(CellTip)]
pub fn cell_tip(p: &TipProps) -> Html {
    let d = &p.details;
    let node = use_node_ref();
    {
        // Placed by estimate before it is drawn; once drawn, its real size
        // keeps it inside the window.
        let node = node.clone();
        use_effect_with(
            (p.x, p.y, d.src.clone(), d.dst.clone()),
            move |(x, y, _, _)| {
                if let Some(el) = node.cast::<HtmlElement>() {
                    let r = el.get_bounding_client_rect();
                    let (vw, vh) = viewport();
                    let left = x.min(vw - r.width() - 4.0).max(4.0);
                    let top = y.min(vh - r.height() - 4.0).max(4.0);
                    let _ = el.style().set_property("left", &format!("{left:.0}px"));
                    let _ = el.style().set_property("top", &format!("{top:.0}px"));
                }
            },
        );
    }
    let close = p.on_close.reform(|_: MouseEvent| ());
    let stats: Html = d
        .stats
        .iter()
        .map(|(id, v)| {
            let current = (*id == p.stat).then_some("current");
            let shown = v.map_or_else(|| "—".to_string(), |v| format!("{} ms", format::stat_ms(id, v)));
            html! { <tr class={classes!(current)}><th scope="row">{ id.clone() }</th><td data-stat={id.clone()}>{ shown }</td></tr> }
        })
        .collect();
    let loss = d
        .loss_pct
        .map_or_else(|| "—".to_string(), |l| format!("{l:.2} %"));
    let floor = d
        .floor_ms
        .map_or_else(|| "—".to_string(), |f| format!("{f:.1} ms"));
    let stretch = d.stretch.map_or_else(
        || "— (too close to divide)".to_string(),
        |s| format!("{s:.2}×"),
    );
    let stretch = if d.stats.iter().any(|(id, v)| *id == p.stat && v.is_none()) {
        "— (no latency)".to_string()
    } else {
        stretch
    };
    html! {
        <div id="cell-tip" class="tip" role="tooltip" ref={node} style={format!("left:{:.0}px;top:{:.0}px", p.x, p.y)}>
            <button type="button" class="tip-close" onclick={close} aria-label="Hide these details">{ "×" }</button>
            <p class="tip-title"><strong>{ format!("{} → {}", d.src, d.dst) }</strong></p>
            <p class="tip-names">{ format!("{} to {}", d.src_name, d.dst_name) }</p>
            <table class="tip-stats">
                <tbody>
                    { p.compared.as_ref().map(|(what, value)| html! {
                        <tr class="current"><th scope="row">{ what.clone() }</th><td data-stat="compared">{ value.clone() }</td></tr>
                    }).unwrap_or_default() }
                    { stats }
                    <tr><th scope="row">{ "samples" }</th><td data-stat="samples">{ format::count(d.samples) }</td></tr>
                    <tr><th scope="row">{ "lost" }</th><td data-stat="lost">{ format!("{} ({loss})", format::count(d.lost)) }</td></tr>
                    <tr><th scope="row">{ "fiber floor" }</th><td data-stat="floor">{ floor }</td></tr>
                    <tr><th scope="row">{ format!("stretch ({} ÷ floor)", p.stat) }</th><td data-stat="stretch">{ stretch }</td></tr>
                </tbody>
            </table>
            <p class="tip-precision">{ PRECISION_NOTE }</p>
        </div>
    }
}

/// What the figures are good to (the feed's `precision`).
pub const PRECISION_NOTE: &str =
    "Percentiles within 0.1 % or 10 µs of the exact value; min, max, mean, samples and lost exact.";

/// The colour legend.
#[function_component(Legend)]
pub fn legend() -> Html {
    let stops: Html = [1.0, 5.0, 20.0, 50.0, 100.0, 200.0, 300.0]
        .iter()
        .map(|&ms| html! { <span class="stop" style={color::cell_style(ms)}>{ format!("{ms} ms") }</span> })
        .collect();
    html! {
        <div class="legend" role="img" aria-label="colour scale: bright yellow-green is fast, dark purple is slow, grey is no data">
            { stops }
            <span class="stop missing">{ "— no data" }</span>
            <span class="precision">{ PRECISION_NOTE }</span>
        </div>
    }
}

/// Props of [`ChangeLegend`].
#[derive(Properties, PartialEq)]
pub struct ChangeLegendProps {
    /// What is compared, in words.
    pub explain: AttrValue,
}

/// The diverging colour legend of a comparison.
#[function_component(ChangeLegend)]
pub fn change_legend(p: &ChangeLegendProps) -> Html {
    let stops: Html = [-50.0, -20.0, -5.0, 0.0, 5.0, 20.0, 50.0]
        .iter()
        .map(|&pct| html! { <span class="stop" style={color::change_style(Some(pct))}>{ color::signed_pct(pct) }</span> })
        .collect();
    html! {
        <div class="legend change" role="img" aria-label="colour scale of the change in percent: blue is faster, white the same, red slower, grey no data">
            <span class="scale-label">{ "faster" }</span>
            { stops }
            <span class="scale-label">{ "slower" }</span>
            <span class="stop missing">{ "— no data" }</span>
            <span class="precision">{ p.explain.clone() }</span>
        </div>
    }
}

/// The "you" row: the visitor's median to each destination shown, on the
/// matrix's scale; "failed" where the browser got no answer, never a 0. A
/// section of its own, so the matrix's keyboard moves stay in the sources.
fn you_row(you: &[crate::measure::RegionRtt], cols: &[usize], m: &Matrix) -> Html {
    use crate::measure::Outcome;
    if you.is_empty() {
        return html! {};
    }
    let cells: Html = cols
        .iter()
        .map(|&j| {
            let d = &m.destinations[j];
            match you.iter().find(|r| r.region == *d).map(|r| &r.outcome) {
                Some(Outcome::Measured { median_ms, .. }) => html! {
                    <td class="you" data-dst={d.clone()} style={color::cell_style(*median_ms)}>{ format::ms(*median_ms) }</td>
                },
                Some(Outcome::Failed { error }) => html! {
                    <td class="you failed" data-dst={d.clone()} title={error.clone()}>{ "failed" }</td>
                },
                Some(Outcome::Pending) => html! { <td class="you pending" data-dst={d.clone()}>{ "…" }</td> },
                None => html! { <td class="you missing" data-dst={d.clone()}>{ "—" }</td> },
            }
        })
        .collect();
    html! {
        <tbody class="you">
            <tr>
                <th scope="row" class="src you" title="Measured from this browser: an HTTPS request's round trip, a few ms above a TCP connect">
                    <span class="long">{ "you (browser)" }</span>
                    <span class="short" aria-hidden="true">{ "you" }</span>
                </th>
                { cells }
            </tr>
        </tbody>
    }
}
