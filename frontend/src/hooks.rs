//! The app's hooks: fetching what the state wants, and keeping the URL hash
//! and the view in step.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

use crate::api;
use crate::dom;
use crate::state::{Action, State};
use crate::view::View;

/// Fetches every file the state wants, once, and reports each outcome.
#[hook]
pub fn use_feed(state: &UseReducerHandle<State>) {
    let wants = state.wants();
    let dispatcher = state.dispatcher();
    use_effect_with(wants, move |wants| {
        for w in wants.iter().cloned() {
            dispatcher.dispatch(Action::Started(w.clone()));
            let d = dispatcher.clone();
            wasm_bindgen_futures::spawn_local(async move {
                d.dispatch(Action::Loaded(api::load(w).await));
            });
        }
    });
}

/// Writes the view into the hash, and follows the hash when it changes
/// (back and forward, a pasted link, the API page's link).
#[hook]
pub fn use_hash_sync(state: &UseReducerHandle<State>) {
    let view = state.view.clone();
    let corrected = state.corrected;
    use_effect_with((view, corrected), |(view, corrected)| {
        // A hash that already means this view stays as it is (no history
        // entry); one corrected to what the feed has is replaced in place.
        // A refused value (`#stat=p42`) reads as the default view, yet
        // the address bar should stop showing it.
        let here = dom::hash();
        if *corrected {
            if here.trim_start_matches('#') != view.to_hash().trim_start_matches('#') {
                dom::replace_hash(&view.to_hash());
            }
        } else if View::from_hash(&here) != *view {
            dom::set_hash(&view.to_hash());
        }
    });
    let dispatcher = state.dispatcher();
    use_effect_with((), move |_| {
        let listener = Closure::<dyn Fn()>::new(move || {
            dispatcher.dispatch(Action::Follow(dom::hash()));
        });
        let window = web_sys::window();
        if let Some(w) = &window {
            let _ =
                w.add_event_listener_with_callback("hashchange", listener.as_ref().unchecked_ref());
        }
        move || {
            if let Some(w) = &window {
                let _ = w.remove_event_listener_with_callback(
                    "hashchange",
                    listener.as_ref().unchecked_ref(),
                );
            }
            drop(listener);
        }
    });
}

/// Brings the graph to the top of the window when a pair was opened, once
/// the graph is drawn: scrolling before, the page is still too short to
/// scroll that far.
#[hook]
pub fn use_show_graph(state: &UseReducerHandle<State>) {
    use_effect_with(state.show_graph, |n| {
        if *n > 0 {
            dom::bring_graph_forward();
        }
    });
}

/// Moves keyboard focus where the state says, once the change is drawn
/// (effects run after the DOM is updated).
#[hook]
pub fn use_focus(state: &UseReducerHandle<State>) {
    use_effect_with(state.focus.clone(), |focus| {
        if let Some((_, selector)) = focus {
            dom::focus(selector);
        }
    });
}
