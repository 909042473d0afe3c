//! Component tests in a real browser (headless Chromium through
//! chromedriver): `cargo test -p frontend --target wasm32-unknown-unknown`
//! with `wasm-bindgen-test-runner` as the target's runner.
//!
//! Each test mounts one component with fixture data into a fresh `<div>`,
//! lets yew render, then drives and reads the DOM.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use frontend::api::{FetchError, Shared};
use frontend::components::canvas::{CanvasProps, ChartCanvas, Plot};
use frontend::components::controls::{Controls, ControlsProps};
use frontend::components::error::{ErrorPanel, ErrorProps};
use frontend::components::matrix::{Comparison, MatrixProps, MatrixTable};
use frontend::grid;
use frontend::state::Action;
use frontend::view::{Pair, View};
use shared::feed::v2::{Manifest, Matrix, Series};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement};
use yew::{AttrValue, BaseComponent, Callback, Renderer};

wasm_bindgen_test_configure!(run_in_browser);

const MANIFEST: &str = include_str!("../../shared/tests/fixtures/feed/v2/manifest.json");
const MATRIX: &str = include_str!("../../shared/tests/fixtures/feed/v2/matrix/1d.json");
const SERIES: &str =
    include_str!("../../shared/tests/fixtures/feed/v2/series/us-east-1/eu-west-1/1h.json");

fn manifest() -> Shared<Manifest> {
    Shared::new(serde_json::from_str(MANIFEST).expect("manifest fixture"))
}

fn matrix() -> Shared<Matrix> {
    Shared::new(serde_json::from_str(MATRIX).expect("matrix fixture"))
}

/// Mounts a component into a fresh element and waits for it to render.
async fn mount<C: BaseComponent>(props: C::Properties) -> Element {
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document");
    let root = doc.create_element("div").expect("a div");
    doc.body()
        .expect("a body")
        .append_child(&root)
        .expect("attached");
    Renderer::<C>::with_root_and_props(root.clone(), props).render();
    settle().await;
    root
}

async fn settle() {
    yew::platform::time::sleep(Duration::from_millis(30)).await;
}

fn find(root: &Element, selector: &str) -> HtmlElement {
    root.query_selector(selector)
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into().ok())
        .unwrap_or_else(|| panic!("{selector} is not in {}", root.inner_html()))
}

fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector).map_or(0, |l| l.length())
}

fn text(root: &Element, selector: &str) -> String {
    find(root, selector)
        .text_content()
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn active() -> Option<(String, String)> {
    let el = web_sys::window()?.document()?.active_element()?;
    Some((el.get_attribute("data-src")?, el.get_attribute("data-dst")?))
}

fn key(el: &HtmlElement, key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init)
        .expect("an event");
    el.dispatch_event(&ev).expect("dispatched");
}

fn matrix_props(view: &View, opened: Rc<RefCell<Vec<(Pair, bool)>>>) -> MatrixProps {
    let (m, x) = (manifest(), matrix());
    let layout = Rc::new(grid::layout(&m, &x, view));
    MatrixProps {
        manifest: m,
        matrix: x,
        stat: AttrValue::from(view.stat.clone()),
        layout,
        sort: view.sort.clone(),
        selected: Vec::new(),
        on_open: Callback::from(move |p| opened.borrow_mut().push(p)),
        on_sort: Callback::noop(),
        compare: None,
        you: Rc::default(),
    }
}

#[wasm_bindgen_test]
async fn a_comparison_fills_the_cells_with_signed_deltas_on_the_diverging_scale() {
    let mut props = matrix_props(&View::default(), Rc::default());
    let cells = shared::compare::asymmetry(&props.matrix, "p50").expect("p50");
    props.compare = Some(Comparison {
        cells: Rc::new(cells.clone()),
        pct: false,
        what: "p50 A→B − B→A".into(),
        no_reference: "one way".into(),
    });
    let (m, x) = (props.manifest.clone(), props.matrix.clone());
    let root = mount::<MatrixTable>(props).await;
    let caption = find(&root, "table.matrix caption")
        .text_content()
        .unwrap_or_default();
    assert!(
        caption.starts_with("p50 A→B − B→A in milliseconds"),
        "{caption}"
    );
    // Every shown cell: its delta's text and colour, or what stands in for one.
    let mut deltas = 0;
    for (i, src) in x.sources.iter().enumerate() {
        for (j, dst) in x.destinations.iter().enumerate() {
            if !grid::visible(&m, &View::default(), src)
                || !grid::visible(&m, &View::default(), dst)
            {
                continue;
            }
            let td = find(
                &root,
                &format!("td[data-src=\"{src}\"][data-dst=\"{dst}\"]"),
            );
            let text = td.text_content().unwrap_or_default();
            match cells[i][j] {
                shared::compare::Compared::Delta(d) => {
                    deltas += 1;
                    assert_eq!(text, shared::display::signed_ms(d.ms));
                    assert_eq!(
                        td.get_attribute("style").as_deref(),
                        Some(shared::display::change_style(d.pct).as_str())
                    );
                }
                shared::compare::Compared::NoReference => assert_eq!(text, "one way"),
                shared::compare::Compared::Missing => assert_eq!(text, "—"),
            }
        }
    }
    assert!(deltas > 0);
}

#[wasm_bindgen_test]
async fn the_matrix_is_a_labelled_table_with_missing_shown_as_missing() {
    let root = mount::<MatrixTable>(matrix_props(&View::default(), Rc::default())).await;
    assert_eq!(count(&root, "table.matrix thead th[scope=col]"), 4);
    assert_eq!(count(&root, "table.matrix tbody th[scope=row]"), 3);
    assert!(
        text(&root, "table.matrix caption")
            .contains("rows: source region, columns: destination region")
    );
    assert_eq!(
        text(&root, r#"td[data-src="us-east-1"][data-dst="eu-west-1"]"#),
        "68.4"
    );
    let missing = find(
        &root,
        r#"td[data-src="ap-northeast-1"][data-dst="eu-west-1"]"#,
    );
    assert_eq!(missing.text_content().unwrap_or_default().trim(), "—");
    assert!(missing.class_list().contains("missing"));
    assert_eq!(count(&root, "td[tabindex='0']"), 1, "one tab stop");
}

#[wasm_bindgen_test]
async fn filters_shrink_the_table() {
    let view = View {
        geos: vec!["europe".into()],
        ..View::default()
    };
    let root = mount::<MatrixTable>(matrix_props(&view, Rc::default())).await;
    assert_eq!(count(&root, "table.matrix tbody tr"), 1);
    assert_eq!(count(&root, "table.matrix td"), 1);
    let nothing = View {
        geos: vec!["europe".into()],
        regions: vec!["us-east-1".into()],
        ..View::default()
    };
    let root = mount::<MatrixTable>(matrix_props(&nothing, Rc::default())).await;
    assert_eq!(count(&root, "table"), 0);
    assert!(
        root.text_content()
            .unwrap_or_default()
            .contains("No region matches")
    );
}

#[wasm_bindgen_test]
async fn arrow_keys_move_focus_and_enter_opens_the_pair() {
    let opened = Rc::new(RefCell::new(Vec::new()));
    let root = mount::<MatrixTable>(matrix_props(&View::default(), opened.clone())).await;
    find(&root, r#"td[data-src="us-east-1"][data-dst="us-east-1"]"#)
        .focus()
        .expect("focusable");
    settle().await;
    let at = |src: &str, dst: &str| Some((src.to_string(), dst.to_string()));
    assert_eq!(
        active(),
        at("us-east-1", "us-east-1"),
        "focus survives the re-render"
    );
    let press = |k: &str| {
        let el: HtmlElement = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .and_then(|e| e.dyn_into().ok())
            .expect("a focused cell");
        key(&el, k);
    };
    press("ArrowRight");
    settle().await;
    assert_eq!(active(), at("us-east-1", "eu-west-1"));
    assert!(
        text(&root, "#cell-tip").contains("us-east-1 → eu-west-1"),
        "focus shows the details"
    );
    assert!(text(&root, "#cell-tip").contains("fiber floor"));
    press("ArrowDown");
    settle().await;
    assert_eq!(active(), at("eu-west-1", "eu-west-1"));
    press("ArrowDown");
    press("ArrowDown");
    settle().await;
    assert_eq!(
        active(),
        at("ap-northeast-1", "eu-west-1"),
        "the edge holds"
    );
    assert_eq!(
        count(&root, "td[tabindex='0']"),
        1,
        "the tab stop moved along"
    );
    press("Enter");
    settle().await;
    assert_eq!(
        *opened.borrow(),
        vec![(
            ("ap-northeast-1".to_string(), "eu-west-1".to_string()),
            false
        )]
    );
}

#[wasm_bindgen_test]
async fn clicking_a_cell_opens_it_and_shift_adds_it() {
    let opened = Rc::new(RefCell::new(Vec::new()));
    let root = mount::<MatrixTable>(matrix_props(&View::default(), opened.clone())).await;
    find(&root, r#"td[data-src="eu-west-1"][data-dst="us-east-1"]"#).click();
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    init.set_shift_key(true);
    let ev = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).expect("an event");
    find(&root, r#"td[data-src="us-east-1"][data-dst="eu-west-1"]"#)
        .dispatch_event(&ev)
        .expect("dispatched");
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        *opened.borrow(),
        vec![
            (pair("eu-west-1", "us-east-1"), false),
            (pair("us-east-1", "eu-west-1"), true)
        ]
    );
}

#[wasm_bindgen_test]
async fn the_error_panel_says_what_and_retries() {
    let retried = Rc::new(RefCell::new(0));
    let r = retried.clone();
    let root = mount::<ErrorPanel>(ErrorProps {
        error: FetchError::Status {
            url: "data/v2/manifest.json".into(),
            status: 404,
        },
        on_retry: Callback::from(move |()| *r.borrow_mut() += 1),
        what: AttrValue::Static("Could not load. "),
    })
    .await;
    assert_eq!(
        find(&root, "[role=alert]").get_attribute("role").as_deref(),
        Some("alert")
    );
    assert!(text(&root, ".error-message").contains("was not found (HTTP 404)"));
    find(&root, "button").click();
    assert_eq!(*retried.borrow(), 1);
}

#[wasm_bindgen_test]
async fn controls_send_actions() {
    let got = Rc::new(RefCell::new(Vec::new()));
    let g = got.clone();
    let root = mount::<Controls>(ControlsProps {
        manifest: manifest(),
        view: View::default(),
        act: Callback::from(move |a| g.borrow_mut().push(a)),
    })
    .await;
    assert_eq!(count(&root, "input[name=geo]"), 3);
    assert_eq!(count(&root, "input[name=region]"), 3);
    find(&root, "input[name=geo][value=europe]").click();
    let select: web_sys::HtmlSelectElement = find(&root, "#stat").dyn_into().expect("a select");
    select.set_value("p90");
    select
        .dispatch_event(&web_sys::Event::new("change").expect("an event"))
        .expect("dispatched");
    assert_eq!(
        *got.borrow(),
        vec![
            Action::ToggleGeo("europe".into()),
            Action::Stat("p90".into())
        ]
    );
}

#[wasm_bindgen_test]
async fn the_chart_draws_on_its_canvas() {
    let series: Series = serde_json::from_str(SERIES).expect("series fixture");
    let root = mount::<ChartCanvas>(CanvasProps {
        plots: vec![Plot {
            label: "us-east-1 → eu-west-1".into(),
            color: (0, 114, 178),
            series: Shared::new(series),
        }],
        range: None,
        marks: Vec::new(),
    })
    .await;
    let canvas = find(&root, "canvas#chart");
    assert_eq!(canvas.get_attribute("data-lines").as_deref(), Some("1"));
    assert_eq!(canvas.get_attribute("data-columns").as_deref(), Some("24"));
    assert_eq!(canvas.get_attribute("data-lossy").as_deref(), Some("2"));
    // Pixels in the pair's colour: the median line.
    let canvas: web_sys::HtmlCanvasElement = canvas.dyn_into().expect("a canvas");
    let ctx: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
        .expect("a 2D context");
    let data = ctx
        .get_image_data(
            0.0,
            0.0,
            f64::from(canvas.width()),
            f64::from(canvas.height()),
        )
        .expect("pixels")
        .data();
    let near = data
        .chunks(4)
        .filter(|p| p[0] < 24 && (90..140).contains(&p[1]) && (154..202).contains(&p[2]))
        .count();
    assert!(near > 100, "{near} pixels of the line");
}
