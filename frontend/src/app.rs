//! The app shell: state, fetching, the URL hash, and the page for the route.

use yew::prelude::*;

use crate::dom;
use crate::hooks::{use_feed, use_focus, use_hash_sync};
use crate::pages::api::ApiPage;
use crate::pages::home::Home;
use crate::state::{Action, State};
use crate::view::Route;

/// The whole app.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| State::from_hash(&dom::hash()));
    use_feed(&state);
    use_hash_sync(&state);
    use_focus(&state);
    let act = {
        let d = state.dispatcher();
        (*use_memo((), move |_| {
            Callback::from(move |a: Action| {
                let scroll = matches!(a, Action::OpenPair { .. });
                d.dispatch(a);
                if scroll {
                    dom::scroll_to("graph");
                }
            })
        }))
        .clone()
    };

    let home = state.view.home_hash();
    let page = match state.view.route {
        Route::Home => html! { <Home state={state.clone()} act={act.clone()} /> },
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
