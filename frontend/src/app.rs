//! The app shell: state, fetching, the URL hash, and the page for the route.

use std::rc::Rc;

use yew::prelude::*;

use crate::api::Fetch;
use crate::dom;
use crate::hooks::{use_feed, use_focus, use_hash_sync, use_home_scroll, use_show_graph};
use crate::pages::api::ApiPage;
use crate::pages::home::Home;
use crate::pages::map::MapPage;
use crate::state::{Action, State};
use crate::view::Route;

/// Props of [`App`].
#[derive(Properties, PartialEq, Default)]
pub struct AppProps {
    /// The state to start from instead of the URL's: what the publisher
    /// prerenders (see [`crate::prerender`]).
    #[prop_or_default]
    pub initial: Option<Rc<State>>,
}

/// Whether the page shows what it will go on showing: the full matrix (or
/// why not), or another page. Until then a prerendered page stays in front.
fn settled(s: &State) -> bool {
    s.view.route != Route::Home
        || matches!(s.manifest, Some(Fetch::Failed(_)))
        || matches!(s.matrix(), Some(Fetch::Failed(_)))
        || matches!(s.full_matrix(), Some(Fetch::Ready(_) | Fetch::Failed(_)))
}

/// Starts the app. Over a page the publisher prerendered, the app renders
/// hidden beside it and takes its place once settled, so the reader sees
/// the static matrix, then the same matrix live, and nothing in between.
pub fn mount() {
    let doc = web_sys::window().and_then(|w| w.document());
    let pre = doc
        .as_ref()
        .and_then(|d| d.get_element_by_id(dom::PRERENDER_ID))
        .filter(|p| p.child_element_count() > 0);
    let root = doc.zip(pre).and_then(|(doc, pre)| {
        let root = doc.create_element("div").ok()?;
        root.set_id(dom::APP_ID);
        root.set_attribute("hidden", "").ok()?;
        pre.after_with_node_1(&root).ok()?;
        Some(root)
    });
    match root {
        Some(root) => {
            // Let the browser paint the static matrix first: rendering the
            // app would otherwise hold the main thread through the first frame.
            dom::after_next_paint(move || {
                yew::Renderer::<App>::with_root(root).render();
            });
        }
        None => {
            yew::Renderer::<App>::new().render();
        }
    }
}

/// The whole app.
#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let initial = props.initial.clone();
    let state = use_reducer(move || {
        initial.map_or_else(|| State::from_hash(&dom::hash()), |s| (*s).clone())
    });
    use_feed(&state);
    use_hash_sync(&state);
    use_focus(&state);
    use_effect_with(settled(&state), |settled| {
        if *settled {
            dom::take_over();
        }
    });
    // In this order: a pair opened from the map scrolls to its graph after
    // the home page is put back where it was.
    use_home_scroll(state.view.route);
    use_show_graph(&state);
    let act = {
        let d = state.dispatcher();
        (*use_memo((), move |_| Callback::from(move |a: Action| d.dispatch(a)))).clone()
    };

    let home = state.view.home_hash();
    let page = match state.view.route {
        Route::Home => html! { <Home state={state.clone()} act={act.clone()} /> },
        Route::Map => html! { <MapPage state={state.clone()} act={act.clone()} /> },
        Route::Api => {
            html! { <ApiPage manifest={state.manifest.clone()} back={AttrValue::from(home.clone())} /> }
        }
    };
    let current = |r: Route| (state.view.route == r).then_some("page");
    // The hash holds the view, so the skip link moves focus itself rather
    // than navigating to `#matrix`.
    let skip = (state.view.route == Route::Home).then(|| {
        let onclick = Callback::from(|e: MouseEvent| {
            e.prevent_default();
            dom::focus("#matrix td[tabindex=\"0\"]");
        });
        html! { <a class="skip" href="#matrix" {onclick}>{ "Skip to the matrix" }</a> }
    });

    html! {
        <>
            { skip.unwrap_or_default() }
            <header>
                <h1>{ "CloudPing" }</h1>
                <p class="tagline">{ "Round-trip time between AWS regions: TCP connects to each region's DynamoDB endpoint." }</p>
                <nav aria-label="pages">
                    <a href={home} aria-current={current(Route::Home)}>{ "Matrix" }</a>
                    <a href={state.view.map_hash()} aria-current={current(Route::Map)}>{ "Map" }</a>
                    <a href="#/api" aria-current={current(Route::Api)}>{ "Feed & API" }</a>
                </nav>
            </header>
            <main>{ page }</main>
            <footer>
                <a href="data/v2/manifest.json">{ "Feed manifest (JSON)" }</a>
                { " · " }
                <a href="#/api">{ "How to use the feed" }</a>
            </footer>
        </>
    }
}
