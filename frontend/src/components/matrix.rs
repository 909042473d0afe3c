//! The region × region table.

use shared::feed::v1::{Manifest, Matrix};
use yew::prelude::*;

use crate::color;
use crate::format;

/// Props of [`MatrixTable`].
#[derive(Properties, PartialEq)]
pub struct MatrixProps {
    /// Region names and metadata.
    pub manifest: Manifest,
    /// The window's matrix.
    pub matrix: Matrix,
    /// The statistic shown (`p50`, ...).
    pub stat: String,
}

/// The matrix as a real table: rows = source, columns = destination.
#[function_component(MatrixTable)]
pub fn matrix_table(props: &MatrixProps) -> Html {
    let m = &props.matrix;
    let Some(grid) = m.stats.get(&props.stat) else {
        return html! { <p class="error" role="alert">{ format!("This window has no `{}` statistic.", props.stat) }</p> };
    };
    let name = |code: &str| {
        props
            .manifest
            .region(code)
            .map_or_else(|| code.to_string(), |r| r.name.clone())
    };
    let header: Html = m
        .destinations
        .iter()
        .map(|d| html! { <th scope="col" class="dst" title={name(d)}><span>{ d.clone() }</span></th> })
        .collect();
    let rows: Html = m
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let cells: Html = m
                .destinations
                .iter()
                .enumerate()
                .map(|(j, d)| {
                    let value = grid.get(i).and_then(|row| row.get(j)).copied().flatten();
                    let samples = m.samples.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0);
                    let lost = m.lost.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0);
                    let loss = if samples + lost > 0 { 100.0 * lost as f64 / (samples + lost) as f64 } else { 0.0 };
                    match value {
                        Some(v) => html! {
                            <td data-src={s.clone()} data-dst={d.clone()} style={color::cell_style(v)}
                                title={format!("{s} → {d}: {} {v:.2} ms, {samples} samples, {loss:.2} % loss", props.stat)}>
                                { format::ms(v) }
                            </td>
                        },
                        None => html! {
                            <td class="missing" data-src={s.clone()} data-dst={d.clone()}
                                title={format!("{s} → {d}: no successful connect in this window ({lost} lost)")}>
                                { "—" }
                            </td>
                        },
                    }
                })
                .collect();
            html! { <tr><th scope="row" class="src" title={name(s)}>{ s.clone() }</th>{ cells }</tr> }
        })
        .collect();
    html! {
        <div class="matrix-wrap">
            <table class="matrix">
                <caption>
                    { format!("{} round-trip time in milliseconds over {} — rows: source region, columns: destination region", props.stat, m.window) }
                </caption>
                <thead>
                    <tr><th scope="col" class="corner">{ "source ↓ / destination →" }</th>{ header }</tr>
                </thead>
                <tbody>{ rows }</tbody>
            </table>
        </div>
    }
}

/// The colour legend.
#[function_component(Legend)]
pub fn legend() -> Html {
    let stops: Html = [1.0, 5.0, 20.0, 50.0, 100.0, 200.0, 300.0]
        .iter()
        .map(|&ms| html! { <span class="stop" style={color::cell_style(ms)}>{ format!("{ms} ms") }</span> })
        .collect();
    html! { <div class="legend" aria-label="colour scale">{ stops }</div> }
}
