//! An error panel with a retry button.

use yew::prelude::*;

use crate::api::FetchError;

/// Props of [`ErrorPanel`].
#[derive(Properties, PartialEq)]
pub struct ErrorProps {
    /// What went wrong.
    pub error: FetchError,
    /// Called by the retry button.
    pub on_retry: Callback<()>,
    /// What could not be loaded.
    #[prop_or(AttrValue::Static("Could not load the latency data. "))]
    pub what: AttrValue,
}

/// Says what went wrong and offers a retry.
#[function_component(ErrorPanel)]
pub fn error_panel(props: &ErrorProps) -> Html {
    let onclick = props.on_retry.reform(|_: MouseEvent| ());
    html! {
        <div class="error" role="alert">
            <strong>{ props.what.clone() }</strong>
            <span class="error-message">{ props.error.to_string() }</span>
            <button type="button" {onclick}>{ "Retry" }</button>
        </div>
    }
}
