//! Small browser helpers. Every one degrades to doing nothing (or a default)
//! when the browser refuses, so none can panic.

use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;

/// Seconds since the Unix epoch, by the browser's clock. Off the browser
/// (the publisher's prerender) there is no reader's "now": NaN, which the
/// freshness line takes as "say the time, not the age".
pub fn now() -> f64 {
    if cfg!(target_arch = "wasm32") {
        js_sys::Date::now() / 1000.0
    } else {
        f64::NAN
    }
}

/// Runs `f` once the next frame is painted (a timer set from an animation
/// frame callback fires after that frame), or at once without a window.
pub fn after_next_paint(f: impl FnOnce() + 'static) {
    let Some(w) = web_sys::window() else {
        f();
        return;
    };
    let timer = wasm_bindgen::closure::Closure::once_into_js(f);
    let frame = wasm_bindgen::closure::Closure::once_into_js(move || {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback(timer.unchecked_ref());
        }
    });
    let _ = w.request_animation_frame(frame.unchecked_ref());
}

/// The element holding the prerendered page, in `index.html`.
pub const PRERENDER_ID: &str = "prerender";
/// The element the app renders into beside a prerendered page.
pub const APP_ID: &str = "app";

/// Puts the app in place of the prerendered page (if there is one): the
/// static copy goes, the live one shows, in the same frame.
pub fn take_over() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(pre) = doc.get_element_by_id(PRERENDER_ID) {
        pre.remove();
    }
    if let Some(app) = doc.get_element_by_id(APP_ID)
        && app.has_attribute("hidden")
    {
        let _ = app.remove_attribute("hidden");
        // Whatever measured itself while hidden (the graph) measures again.
        if let (Some(w), Ok(e)) = (web_sys::window(), web_sys::Event::new("resize")) {
            let _ = w.dispatch_event(&e);
        }
    }
}

/// The local time zone's offset from UTC at Unix time `t`, in seconds (east positive).
pub fn local_offset(t: i64) -> i64 {
    let d = js_sys::Date::new(&JsValue::from_f64(t as f64 * 1000.0));
    let minutes = d.get_timezone_offset();
    if minutes.is_finite() {
        -(minutes * 60.0) as i64
    } else {
        0
    }
}

/// The local zone's name for the axis, e.g. `UTC+01:00`.
pub fn zone_label(t: i64) -> String {
    let off = local_offset(t);
    let sign = if off < 0 { '-' } else { '+' };
    let a = off.abs();
    format!("UTC{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

/// The URL hash, with its `#`.
pub fn hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Sets the URL hash (a new history entry) if it differs.
pub fn set_hash(h: &str) {
    if let Some(w) = web_sys::window()
        && w.location().hash().ok().as_deref() != Some(h)
    {
        // Failing to update the address bar loses only the shareable link.
        let _ = w.location().set_hash(h);
    }
}

/// Replaces the URL hash without a new history entry (the view was
/// corrected to what the feed has; Back should not return to the bad link).
pub fn replace_hash(h: &str) {
    if let Some(w) = web_sys::window()
        && let Ok(history) = w.history()
    {
        // As in `set_hash`: only the shareable link would be lost.
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(h));
    }
}

/// Whether the system asks for a dark theme.
pub fn prefers_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Device pixels per CSS pixel.
pub fn pixel_ratio() -> f64 {
    web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .filter(|r| r.is_finite() && *r > 0.0)
        .unwrap_or(1.0)
        .min(3.0)
}

/// Milliseconds since navigation start.
pub fn perf_now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Records a named moment for measurements (`performance.mark`).
pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let fail = |e: JsValue| {
        let why = e.dyn_ref::<js_sys::Error>().map_or_else(
            || "unknown reason".to_string(),
            |e| String::from(e.message()),
        );
        format!("the browser refused the download: {why}")
    };
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &bag).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc
        .create_element("a")
        .map_err(fail)?
        .dyn_into()
        .map_err(|_| "no anchor element".to_string())?;
    a.set_href(&url);
    a.set_download(name);
    a.set_hidden(true);
    if let Some(body) = doc.body() {
        let _ = body.append_child(&a);
        a.click();
        let _ = body.remove_child(&a);
    }
    // Revoking at once can cancel the download in some browsers; a later
    // revoke needs a timer, and one object URL per click is cheap.
    Ok(())
}

/// Downloads `stem.csv` or `stem.json`, making only the text asked for.
pub fn download_csv_or_json(
    stem: &str,
    as_csv: bool,
    csv: impl FnOnce() -> String,
    json: impl FnOnce() -> String,
) -> Result<(), String> {
    if as_csv {
        download(&format!("{stem}.csv"), "text/csv", &csv())
    } else {
        download(&format!("{stem}.json"), "application/json", &json())
    }
}

/// How far the page is scrolled down, CSS px.
pub fn scroll_y() -> f64 {
    web_sys::window()
        .and_then(|w| w.scroll_y().ok())
        .unwrap_or(0.0)
}

/// Scrolls the page to `y` CSS px from its top, at once.
pub fn scroll_to_y(y: f64) {
    if let Some(w) = web_sys::window() {
        w.scroll_to_with_x_and_y(0.0, y);
    }
}

/// Scrolls the graph to the top of the window. Keyboard focus follows to its
/// heading when it was elsewhere (a matrix cell, a change, the map), so that
/// Tab goes on into the graph; from the graph's own picker it stays there.
pub fn bring_graph_forward() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(graph) = doc.get_element_by_id("graph") else {
        return;
    };
    let inside = doc
        .active_element()
        .is_some_and(|a| graph.contains(Some(a.as_ref())));
    if !inside {
        focus("#graph-title");
    }
    let opts = web_sys::ScrollIntoViewOptions::new();
    opts.set_block(web_sys::ScrollLogicalPosition::Start);
    graph.scroll_into_view_with_scroll_into_view_options(&opts);
}

/// Scrolls the matrix the least needed to show `cell` whole, clear of the
/// sticky column headers and row header, then the page to show the matrix.
pub fn reveal(cell: &web_sys::Element) {
    let Some(scroller) = cell.closest(".matrix-scroll").ok().flatten() else {
        return;
    };
    let head = scroller
        .query_selector("thead")
        .ok()
        .flatten()
        .map_or(0.0, |h| h.get_bounding_client_rect().height());
    let side = cell
        .parent_element()
        .and_then(|tr| tr.first_element_child())
        .map_or(0.0, |th| th.get_bounding_client_rect().width());
    let s = scroller.get_bounding_client_rect();
    let r = cell.get_bounding_client_rect();
    let (top, left) = (s.top() + head, s.left() + side);
    let bottom = s.top() + f64::from(scroller.client_height());
    let right = s.left() + f64::from(scroller.client_width());
    let shift = |lo: f64, hi: f64, a: f64, b: f64| {
        if a < lo {
            a - lo
        } else if b > hi {
            (b - hi).min(a - lo)
        } else {
            0.0
        }
    };
    let dy = shift(top, bottom, r.top(), r.bottom());
    let dx = shift(left, right, r.left(), r.right());
    scroller.set_scroll_top(scroller.scroll_top() + dy.round() as i32);
    scroller.set_scroll_left(scroller.scroll_left() + dx.round() as i32);
    let opts = web_sys::ScrollIntoViewOptions::new();
    opts.set_block(web_sys::ScrollLogicalPosition::Nearest);
    opts.set_inline(web_sys::ScrollLogicalPosition::Nearest);
    cell.scroll_into_view_with_scroll_into_view_options(&opts);
}

/// Moves focus to the first element matching `selector`, if there is one.
pub fn focus(selector: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(selector).ok().flatten())
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
        .is_some_and(|el| el.focus().is_ok())
}
