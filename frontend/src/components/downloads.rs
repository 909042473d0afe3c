//! Downloads of the shown matrix, and links to the published files.

use std::rc::Rc;

use shared::feed::v2::{Manifest, Matrix};
use yew::prelude::*;

use crate::api::{self, Shared};
use crate::components::matrix::Comparison;
use crate::grid::Layout;
use crate::json::ToJson;
use crate::{dom, export, format};

/// Props of [`MatrixDownloads`].
#[derive(Properties, PartialEq)]
pub struct MatrixDownloadsProps {
    /// The manifest (published file names, raw days).
    pub manifest: Shared<Manifest>,
    /// The window's matrix.
    pub matrix: Shared<Matrix>,
    /// Rows and columns shown.
    pub layout: Rc<Layout>,
    /// The comparison the cells show, if they do.
    #[prop_or_default]
    pub compare: Option<Comparison>,
}

/// What a download button saves: the shown matrix or comparison, of a window.
trait Shown: ToJson {
    fn window(&self) -> &str;
    fn csv(&self) -> String;
}

impl Shown for Matrix {
    fn window(&self) -> &str {
        &self.window
    }
    fn csv(&self) -> String {
        self.to_csv()
    }
}

impl Shown for export::ComparisonDownload {
    fn window(&self) -> &str {
        &self.window
    }
    fn csv(&self) -> String {
        self.to_csv()
    }
}

/// A download button's click: makes the file shown, saves it as
/// `cloudping-{window}-{kind}.csv` (or `.json`), and keeps a refusal to show.
fn on_save<T: Shown>(
    failed: &UseStateHandle<Option<String>>,
    kind: &'static str,
    csv: bool,
    make: impl Fn() -> T + 'static,
) -> Callback<MouseEvent> {
    let failed = failed.clone();
    Callback::from(move |_: MouseEvent| {
        let shown = make();
        let result = dom::download_csv_or_json(
            &format!("cloudping-{}-{kind}", shown.window()),
            csv,
            || shown.csv(),
            || crate::json::to_string(&shown),
        );
        failed.set(result.err());
    })
}

/// "Download the shown matrix as JSON / CSV", the published files, the raw days.
#[function_component(MatrixDownloads)]
pub fn matrix_downloads(p: &MatrixDownloadsProps) -> Html {
    let failed = use_state(|| None::<String>);
    let save = |csv: bool| {
        let (matrix, layout) = (p.matrix.clone(), p.layout.clone());
        on_save(&failed, "matrix", csv, move || {
            export::matrix_view(&matrix, &layout)
        })
    };
    // What the cells show in a comparison mode: the differences, in a file
    // of their own (the matrix download keeps the feed's shape).
    let compared = p.compare.as_ref().map(|c| {
        let save = |csv: bool| {
            let (matrix, layout, cells, what) =
                (p.matrix.clone(), p.layout.clone(), c.cells.clone(), c.what.clone());
            on_save(&failed, "comparison", csv, move || {
                export::comparison_view(&matrix, &cells, &what, &layout)
            })
        };
        html! {
            <p>
                { format!("Download the comparison as shown ({}): ", c.what) }
                <button type="button" id="download-comparison-json" onclick={save(false)}>{ "JSON" }</button>
                <button type="button" id="download-comparison-csv" onclick={save(true)}>{ "CSV" }</button>
            </p>
        }
    });
    let window = p.manifest.windows.iter().find(|w| w.id == p.matrix.window);
    let published = window.map(|w| {
        html! {
            <>
                { " Whole published matrix: " }
                <a href={api::url(&w.matrix)}>{ "JSON" }</a>{ " · " }
                <a href={api::url(&w.matrix_csv)}>{ "CSV" }</a>
            </>
        }
    });
    let raw: Html = p
        .manifest
        .raw
        .iter()
        .rev()
        .map(|d| html! { <li><a href={api::url(&d.path)}>{ d.date.clone() }</a>{ format!(" ({} rounds)", format::count(d.rounds)) }</li> })
        .collect();
    let raw = (!p.manifest.raw.is_empty()).then(|| {
        html! {
            <details class="raw">
                <summary>{ format!("Raw rounds, one gzipped NDJSON file per UTC day: {}", p.manifest.raw.len()) }</summary>
                <ul>{ raw }</ul>
            </details>
        }
    });
    html! {
        <div class="downloads">
            { compared.unwrap_or_default() }
            <p>
                { if p.compare.is_some() { "Download the latencies as shown: " } else { "Download the matrix as shown: " } }
                <button type="button" id="download-matrix-json" onclick={save(false)}>{ "JSON" }</button>
                <button type="button" id="download-matrix-csv" onclick={save(true)}>{ "CSV" }</button>
                { published.unwrap_or_default() }
            </p>
            { (*failed).clone().map(|e| html! { <p class="error-message" role="status">{ e }</p> }).unwrap_or_default() }
            { raw.unwrap_or_default() }
        </div>
    }
}
