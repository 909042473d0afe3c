//! The app's hooks: fetching what the state wants, and keeping the URL hash
//! and the view in step.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

use crate::api;
use crate::dom;
use crate::state::{Action, State};
use crate::view::{Route, View};

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
    use_window_event("hashchange", move || {
        dispatcher.dispatch(Action::Follow(dom::hash()))
    });
}

/// Calls `f` on each `event` of the window while the component is mounted
/// (the `f` of the first render).
#[hook]
pub fn use_window_event<F>(event: &'static str, f: F)
where
    F: Fn() + 'static,
{
    use_effect_with((), move |_| {
        let listener = Closure::<dyn Fn()>::new(f);
        let window = web_sys::window();
        if let Some(w) = &window {
            let _ = w.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
        }
        move || {
            if let Some(w) = &window {
                let _ =
                    w.remove_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
            }
            drop(listener);
        }
    });
}

/// Puts the home page back where the reader left it when they come back
/// from the map or the API page (Back, or the Matrix link): the home page is
/// drawn anew, and the browser's own restoring ran while the page was short.
/// A scroll listener keeps the home page's last position.
#[hook]
pub fn use_home_scroll(route: Route) {
    // The page shown, and the home page's last scroll position.
    let seen = use_mut_ref(|| (route, 0.0_f64));
    {
        let seen = seen.clone();
        use_window_event("scroll", move || {
            // Following a link to another page scrolls to the top before
            // the page changes: that is not where the reader left it.
            if let Ok(mut s) = seen.try_borrow_mut()
                && s.0 == Route::Home
                && Route::of_hash(&dom::hash()) == Route::Home
            {
                s.1 = dom::scroll_y();
            }
        });
    }
    use_effect_with(route, move |route| {
        let (was, y) = {
            let mut s = seen.borrow_mut();
            (std::mem::replace(&mut s.0, *route), s.1)
        };
        if *route == Route::Home && was != Route::Home && y > 0.0 {
            dom::scroll_to_y(y);
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
