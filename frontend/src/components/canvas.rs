//! The chart on a `<canvas>`, redrawn when its data, range or width changes.

use shared::feed::v2::Series;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::api::Shared;
use crate::chart::{self, Input, Mark, Theme};
use crate::dom;
use crate::hooks::use_window_event;

/// One pair to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    /// Legend text.
    pub label: String,
    /// Colour.
    pub color: (u8, u8, u8),
    /// The series.
    pub series: Shared<Series>,
}

/// Props of [`ChartCanvas`].
#[derive(Properties, PartialEq)]
pub struct CanvasProps {
    /// The pairs.
    pub plots: Vec<Plot>,
    /// `[from, to)`; `None`: the data's extent.
    pub range: Option<(i64, i64)>,
    /// Level shifts to mark.
    #[prop_or_default]
    pub marks: Vec<Mark>,
}

/// Height of the chart in CSS pixels for a width.
fn height_for(width: u32) -> u32 {
    if width < 520 { 300 } else { 380 }
}

/// The chart; `data-*` attributes report what was drawn, for tests and
/// benchmarks: `data-points` (inside the range), `data-columns`,
/// `data-envelope` (columns folding more than one point), `data-lossy`,
/// `data-marks` (level shifts drawn),
/// `data-from`/`data-to` and `data-last` (the newest point drawn, RFC 3339;
/// absent when none). When the pairs have no point in the range, the canvas
/// stays blank: no made-up axis.
#[function_component(ChartCanvas)]
pub fn chart_canvas(p: &CanvasProps) -> Html {
    let wrap = use_node_ref();
    let canvas = use_node_ref();
    let width = use_state(|| 0u32);
    // What was drawn last, for the read-out; and where the reader points,
    // as a fraction of the plotting area's width.
    let drawn = use_mut_ref(|| None::<chart::Prepared>);
    let cursor = use_state(|| None::<f64>);
    let error = use_state(|| None::<String>);
    let dark = use_state(dom::prefers_dark);

    // Follow the system's light or dark setting as it changes.
    {
        let dark = dark.clone();
        use_effect_with((), move |_| {
            let query = web_sys::window()
                .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten());
            let listener = Closure::<dyn Fn()>::new(move || dark.set(dom::prefers_dark()));
            if let Some(q) = &query {
                let _ =
                    q.add_event_listener_with_callback("change", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(q) = &query {
                    let _ = q.remove_event_listener_with_callback(
                        "change",
                        listener.as_ref().unchecked_ref(),
                    );
                }
                drop(listener);
            }
        });
    }

    // Follow the width of the page.
    let measure = {
        let (wrap, width) = (wrap.clone(), width.clone());
        move || {
            if let Some(el) = wrap.cast::<web_sys::Element>() {
                let w = u32::try_from(el.client_width()).unwrap_or(0);
                if w != *width {
                    width.set(w);
                }
            }
        }
    };
    {
        let measure = measure.clone();
        use_effect_with((), move |_| measure());
    }
    use_window_event("resize", measure);

    {
        let canvas = canvas.clone();
        let error = error.clone();
        let drawn = drawn.clone();
        let cursor = cursor.clone();
        use_effect_with(
            (p.plots.clone(), p.range, p.marks.clone(), *width, *dark),
            move |(plots, range, marks, width, dark)| {
                let Some(el) = canvas.cast::<HtmlCanvasElement>() else {
                    return;
                };
                if *width == 0 {
                    return;
                }
                let started = dom::perf_now();
                let scale = dom::pixel_ratio();
                let (w, h) = (*width, height_for(*width));
                let (dw, dh) = ((f64::from(w) * scale) as u32, (f64::from(h) * scale) as u32);
                el.set_width(dw);
                el.set_height(dh);
                let _ = el.style().set_property("width", &format!("{w}px"));
                let _ = el.style().set_property("height", &format!("{h}px"));
                let inputs: Vec<Input<'_>> = plots
                    .iter()
                    .map(|pl| Input {
                        label: pl.label.clone(),
                        color: pl.color,
                        series: &pl.series,
                    })
                    .collect();
                let mut prepared = chart::prepare(&inputs, *range, chart::plot_width(dw, scale));
                prepared.marks.clone_from(marks);
                let theme = if *dark {
                    Theme::dark(scale)
                } else {
                    Theme::light(scale)
                };
                let outcome = match plotters_canvas::CanvasBackend::with_canvas_object(el.clone()) {
                    Some(backend) => chart::draw(backend, &prepared, &theme, &dom::local_offset),
                    None => Err("this browser gives no 2D canvas".to_string()),
                };
                let took = dom::perf_now() - started;
                let set = |k: &str, v: String| {
                    let _ = el.set_attribute(k, &v);
                };
                let count = el
                    .get_attribute("data-drawn")
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
                match outcome {
                    Ok(d) => {
                        set("data-lines", d.lines.to_string());
                        set("data-columns", d.columns.to_string());
                        set("data-envelope", d.envelope.to_string());
                        set("data-lossy", d.lossy.to_string());
                        set("data-marks", d.marks.to_string());
                        set("data-points", prepared.points().to_string());
                        set("data-from", shared::time::rfc3339(prepared.from));
                        set("data-to", shared::time::rfc3339(prepared.to));
                        match prepared.last() {
                            Some(t) => set("data-last", shared::time::rfc3339(t)),
                            None => {
                                let _ = el.remove_attribute("data-last");
                            }
                        }
                        set("data-draw-ms", format!("{took:.2}"));
                        set("data-drawn", (count + 1).to_string());
                        error.set(None);
                        let had = drawn
                            .borrow()
                            .as_ref()
                            .map(|d| (d.from, d.to, d.lines.len()));
                        if had != Some((prepared.from, prepared.to, prepared.lines.len())) {
                            cursor.set(None);
                        }
                        *drawn.borrow_mut() = (prepared.y.is_some()).then_some(prepared);
                    }
                    Err(e) => error.set(Some(e)),
                }
            },
        );
    }

    let label = if p.plots.is_empty() {
        "No series to draw".to_string()
    } else {
        let names: Vec<&str> = p.plots.iter().map(|pl| pl.label.as_str()).collect();
        format!("Round-trip time over time: {}", names.join(", "))
    };
    // The read-out: the figures at the time the reader points at (mouse), or
    // steps to (arrow keys on the focused chart).
    let css_width = f64::from(*width);
    let (left, right) = chart::plot_span(css_width);
    let frac_at = move |x: f64| ((x - left) / (right - left)).clamp(0.0, 1.0);
    let onmousemove = {
        let cursor = cursor.clone();
        Callback::from(move |e: MouseEvent| cursor.set(Some(frac_at(f64::from(e.offset_x())))))
    };
    let onmouseleave = {
        let cursor = cursor.clone();
        Callback::from(move |_: MouseEvent| cursor.set(None))
    };
    let onkeydown = {
        let cursor = cursor.clone();
        Callback::from(move |e: KeyboardEvent| {
            let step = if e.shift_key() { 0.1 } else { 0.01 };
            let at = (*cursor).unwrap_or(1.0);
            let next = match e.key().as_str() {
                "ArrowLeft" => Some((at - step).max(0.0)),
                "ArrowRight" => Some((at + step).min(1.0)),
                "Home" => Some(0.0),
                "End" => Some(1.0),
                "Escape" => None,
                _ => return,
            };
            e.prevent_default();
            cursor.set(next);
        })
    };
    let onfocus = {
        let cursor = cursor.clone();
        Callback::from(move |_: FocusEvent| {
            if cursor.is_none() {
                cursor.set(Some(1.0));
            }
        })
    };
    let onblur = {
        let cursor = cursor.clone();
        Callback::from(move |_: FocusEvent| cursor.set(None))
    };
    let shown = drawn.borrow().as_ref().and_then(|d| {
        let f = (*cursor)?;
        let t = d.from + ((d.to - d.from) as f64 * f).round() as i64;
        chart::read_out(d, t, ((d.to - d.from) / 150).max(1))
    });
    let has_data = drawn.borrow().is_some();
    let line = cursor
        .filter(|_| shown.is_some())
        .map(|f| {
            let x = left + f * (right - left);
            html! { <div class="chart-cursor" aria-hidden="true" style={format!("left:{x:.1}px;height:{}px", height_for(*width))}></div> }
        });
    let readout = if !has_data {
        Html::default()
    } else {
        let text = shown.unwrap_or_else(|| {
            if cursor.is_some() {
                "No data at this time.".to_string()
            } else {
                "Point at the chart, or focus it and use the arrow keys, for the figures at a time."
                    .to_string()
            }
        });
        html! { <p id="chart-readout" class="chart-readout" aria-live="polite">{ text }</p> }
    };
    html! {
        <div class="chart-wrap" ref={wrap}>
            <canvas ref={canvas} id="chart" role="img" aria-label={label} tabindex="0" aria-describedby="chart-readout"
                {onmousemove} {onmouseleave} {onkeydown} {onfocus} {onblur}></canvas>
            { line.unwrap_or_default() }
            { readout }
            { (*error).clone().map(|e| html! { <p class="error-message" role="status">{ format!("The chart could not be drawn: {e}") }</p> }).unwrap_or_default() }
        </div>
    }
}
