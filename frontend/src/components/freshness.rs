//! How fresh the feed is: the simulated-data banner, "updated 4 min ago", and
//! a warning once no new data came for three intervals.

use shared::feed::v2::Manifest;
use yew::prelude::*;

use crate::api::Shared;
use crate::{format, span};

/// Props of [`Freshness`].
#[derive(Properties, PartialEq)]
pub struct FreshnessProps {
    /// The manifest.
    pub manifest: Shared<Manifest>,
    /// Now, Unix seconds.
    pub now: f64,
}

/// Banner, age and stale warning.
#[function_component(Freshness)]
pub fn freshness(p: &FreshnessProps) -> Html {
    let m = &p.manifest;
    let banner = m.simulated.then(|| html! {
        <div class="banner" role="note">
            { "Simulated data: this feed was made by " }<code>{ "cloudping simulate" }</code>{ " from a latency model, not measured." }
        </div>
    });
    // Without a reader's clock (the prerendered page), the time alone.
    let updated = shared::time::parse_rfc3339(&m.generated_at).map(|t| {
        let text = if p.now.is_finite() {
            format!(
                "Updated {} ({})",
                format::age(p.now - t as f64),
                format::utc(t)
            )
        } else {
            format!("Updated {}", format::utc(t))
        };
        html! { <p class="freshness">{ text }</p> }
    });
    // Stale is judged at the reader's now, or (prerendered) at the publish.
    let now = if p.now.is_finite() {
        p.now
    } else {
        shared::time::parse_rfc3339(&m.generated_at).map_or(f64::NAN, |t| t as f64)
    };
    let stale = span::stale(m, now).map(|age| {
        let newest = m
            .data_end
            .as_deref()
            .and_then(shared::time::parse_rfc3339)
            .or_else(|| shared::time::parse_rfc3339(&m.generated_at))
            .map_or_else(String::new, format::utc);
        html! {
            <p class="stale" role="status">
                <strong>{ "Stale: " }</strong>
                { format!(
                    "the newest round is from {} ({newest}), more than {} intervals of {} min ago; measurements or publishing may have stopped.",
                    format::age(age), span::STALE_INTERVALS, m.interval_seconds / 60
                ) }
            </p>
        }
    });
    html! { <>{ banner.unwrap_or_default() }{ updated.unwrap_or_default() }{ stale.unwrap_or_default() }</> }
}
