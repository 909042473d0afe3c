//! The page the publisher writes with each publish: the default view (the
//! first window's p50 matrix) rendered to HTML on the host by the app's own
//! components, so that the numbers show before the wasm arrives, and without
//! JavaScript at all. The app then renders the same markup live and takes
//! the static copy's place ([`crate::app::mount`]).
//!
//! The site's `index.html` holds [`START`] and [`END`] inside the element
//! `#prerender`; [`splice`] puts a rendering between them, replacing the
//! previous one.

use std::rc::Rc;

use shared::feed::v2::{Manifest, Matrix};

use crate::api::{Loaded, Shared};
use crate::app::{App, AppProps};
use crate::state::{Action, State};

/// Marks the start of the prerendered page in `index.html`.
pub const START: &str = "<!--prerender-->";
/// Marks its end.
pub const END: &str = "<!--/prerender-->";

/// The state the page opens in (no link: the default view), with the feed
/// already here. `matrices` are the full matrices of the windows.
pub fn state(manifest: Manifest, matrices: Vec<Matrix>) -> State {
    let mut s = State::from_hash("");
    s.apply(Action::Loaded(Loaded::Manifest(Ok(Shared::new(manifest)))));
    if let Some(path) = s.matrix_path().map(String::from)
        && let Some(m) = matrices.into_iter().find(|m| m.window == s.view.window)
    {
        s.apply(Action::Loaded(Loaded::Matrix(path, Ok(Shared::new(m)))));
    }
    s
}

/// The default view as HTML: the app's markup, text and attributes escaped.
pub async fn render(manifest: Manifest, matrices: Vec<Matrix>) -> String {
    yew::ServerRenderer::<App>::with_props(move || AppProps {
        initial: Some(Rc::new(state(manifest, matrices))),
    })
    .hydratable(false)
    .render()
    .await
}

/// `template` with `body` between its markers (whatever was there before
/// goes); `None` if the template has no markers (a site built before them).
pub fn splice(template: &str, body: &str) -> Option<String> {
    let (start, end) = markers(template)?;
    Some(format!("{}{body}{}", &template[..start], &template[end..]))
}

/// Where a rendering goes in `template`: between the end of [`START`] and
/// the start of the [`END`] after it; `None` without both.
pub fn markers(template: &str) -> Option<(usize, usize)> {
    let start = template.find(START)? + START.len();
    Some((start, start + template[start..].find(END)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture<T: serde::de::DeserializeOwned>(path: &str) -> T {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/tests/fixtures/feed/v2/"
        );
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}{path}")).unwrap()).unwrap()
    }

    #[test]
    fn splice_replaces_what_is_between_the_markers() {
        let page = "<body><div id=\"prerender\"><!--prerender--><!--/prerender--></div></body>";
        let once = splice(page, "<p>a</p>").unwrap();
        assert_eq!(
            once,
            "<body><div id=\"prerender\"><!--prerender--><p>a</p><!--/prerender--></div></body>"
        );
        let twice = splice(&once, "<p>b</p>").unwrap();
        assert_eq!(
            twice,
            "<body><div id=\"prerender\"><!--prerender--><p>b</p><!--/prerender--></div></body>"
        );
        assert_eq!(splice("<body></body>", "x"), None);
        assert_eq!(splice("<!--prerender-->", "x"), None, "no end marker");
    }

    #[tokio::test]
    async fn the_default_view_renders_the_matrix_the_app_shows() {
        let manifest: Manifest = fixture("manifest.json");
        let full: Matrix = fixture("matrix/1d.json");
        let week: Matrix = fixture("matrix/7d.json");
        let html = render(manifest, vec![week, full]).await;
        // The 1 d p50 of us-east-1 → eu-west-1, with the cell's colour.
        let cell = html
            .split("<td")
            .find(|c| {
                c.contains(r#"data-src="us-east-1""#) && c.contains(r#"data-dst="eu-west-1""#)
            })
            .expect("the cell");
        assert!(
            cell.contains(">68.4</td>") || cell.contains(">\n68.4"),
            "{cell}"
        );
        assert!(cell.contains(&shared::display::cell_style(68.42)), "{cell}");
        assert!(
            html.contains(r#"<table id="matrix" class="matrix">"#),
            "the app's markup"
        );
        assert!(
            html.contains("Updated 2026-11-20 12:05 UTC"),
            "no reader's clock: the time, not the age"
        );
        assert!(!html.contains("Loading"), "nothing is left loading: {html}");
    }

    #[tokio::test]
    async fn text_from_the_feed_is_escaped() {
        let mut manifest: Manifest = fixture("manifest.json");
        manifest.regions[0].name = "<script>alert(1)</script>".into();
        let full: Matrix = fixture("matrix/1d.json");
        let html = render(manifest, vec![full]).await;
        assert!(!html.contains("<script>"), "markup from the feed is text");
        assert!(html.contains("&lt;script&gt;"));
    }
}
