//! The feed's documentation: URLs, fields, units and caching.

use shared::feed::v2::Manifest;
use yew::prelude::*;

use crate::api::{self, Fetch, Shared};

/// The static part of the page, as HTML: text costs far less in the bundle
/// as a string than as code building elements.
const DOC: &str = r#"<h2>The feed (v2)</h2>
<p>
Everything on this site comes from static JSON files under <code>data/v2/</code>, next to this page. Anyone may fetch them; there is no server-side API and no key.
</p>
<h3>Start at the manifest</h3>
<p>
<a href="data/v2/manifest.json"><code>data/v2/manifest.json</code></a>
names every other file. It changes in place, so it is served with
<code>Cache-Control: public, max-age=60, must-revalidate</code>: re-fetch it at most once a minute.
</p>
<table class="fields">
<caption>Manifest fields</caption>
<thead><tr><th scope="col">field</th><th scope="col">meaning</th></tr></thead>
<tbody>
<tr><td><code>version</code></td><td>always 2 for this folder; a new shape is a new folder</td></tr>
<tr><td><code>generated_at</code></td><td>when the manifest was published, RFC 3339 UTC</td></tr>
<tr><td><code>interval_seconds</code></td><td>seconds between scheduled rounds (300)</td></tr>
<tr><td><code>simulated</code></td><td>true when the data comes from the latency model, not from probes</td></tr>
<tr><td><code>data_end</code></td><td>scheduled time of the newest round included (null if none)</td></tr>
<tr><td><code>regions[]</code></td><td>code, name, city, geography, lat, lon (degrees), partition, opt_in; in geographic order</td></tr>
<tr><td><code>stats[]</code></td><td>statistic ids in the matrices: p10 p25 p50 p75 p90 p98 p99 mean min max</td></tr>
<tr><td><code>precision</code></td><td>percentile_relative, percentile_absolute_ms: a percentile is within the larger of the two of the exact one; exact_ms: mean, min and max are within it</td></tr>
<tr><td><code>windows[]</code></td><td>id (1d, 7d, 30d, 365d), label, start, end, matrix (JSON path), matrix_csv (CSV path), views (statistic → path of a matrix holding it alone)</td></tr>
<tr><td><code>series_index</code></td><td>path of the series index</td></tr>
<tr><td><code>raw[]</code></td><td>date, path and rounds of each complete UTC day of raw rounds</td></tr>
</tbody>
</table>
<h3>Data files</h3>
<p>
Every path in the manifest is relative to <code>data/v2/</code>. A data file's name carries a hash of its content, so it never changes: it is served with
<code>Cache-Control: public, max-age=31536000, immutable</code>
and may be cached forever. New data means new names in a new manifest.
</p>
<table class="fields">
<caption>Files</caption>
<thead><tr><th scope="col">path</th><th scope="col">holds</th></tr></thead>
<tbody>
<tr><td><code>matrix/{window}.{hash}.json</code></td><td>
sources (rows), destinations (columns), unit (ms), stats: per statistic a sources × destinations grid of ms (null = no successful connect), samples and lost: connects per cell
</td></tr>
<tr><td><code>matrix/{window}-{stat}.{hash}.json</code></td><td>
the same shape with one statistic: what a page showing that statistic needs first
</td></tr>
<tr><td><code>matrix/{window}.{hash}.csv</code></td><td>
the same, one row per pair: source, destination, samples, lost, loss_pct, p10 … max (empty = no value)
</td></tr>
<tr><td><code>series/index.{hash}.json</code></td><td>
resolutions (id, step_seconds, span_seconds, chunk_seconds) and, per source and resolution, its chunks: first, closed_before and the open ones (start → path)
</td></tr>
<tr><td><code>series/{5m|1h|1d}/{src}/{YYYY-MM-DDTHH}.json</code></td><td>
a closed chunk (never changes) of one source's series, every destination: point i covers [start + i·step_seconds, start + (i+1)·step_seconds); p10, p50, p90, min, max in ms (null = gap), samples and lost per point. 5-minute points for 2 days in 2-hour chunks, hourly for a year in 1-day chunks, daily for 10 years in 128-day chunks
</td></tr>
<tr><td><code>series/open/{5m|1h|1d}/{src}/{YYYY-MM-DDTHH}.{hash}.json</code></td><td>
an open chunk (the newest), listed in the index
</td></tr>
<tr><td><code>raw/{yyyy-mm-dd}.ndjson.gz</code></td><td>
every round of one complete UTC day, one JSON object per line (source, target, scheduled_at, dns_us, ip, rtts_us ascending in µs, failures by kind)
</td></tr>
<tr><td><a href="data/v2/changes.json"><code>changes.json</code></a>, <a href="data/v2/changes.atom"><code>changes.atom</code></a></td><td>
fixed names beside the manifest (not named by it), cached like it: the level shifts of the last 7 days (a pair's hourly median moved by max(2 ms, 5 %) or more for 2 hours or more), per pair onset, end (null while on), before_ms and after_ms, grouped into events of pairs that began within an hour; the same as an Atom feed
</td></tr>
<tr><td><code>schema/{kind}.schema.json</code></td><td>JSON Schemas (draft 2020-12) of all of the above; not content-addressed, cached for an hour</td></tr>
</tbody>
</table>
<h3>Units and meaning</h3>
<ul>
<li>Latency is the time of a TCP connect (SYN to SYN-ACK) from a probe in the source region to the destination's public DynamoDB endpoint, in milliseconds to the microsecond (three decimals).</li>
<li>Percentiles are over every single connect in the window (linear interpolation, as numpy), from mergeable sketches: each is within 0.1 % or 10 µs, whichever is larger, of the exact percentile. Counts, loss, min and max are exact; the mean is within 1 µs. The site shows a percentile with the digits that bound leaves certain (217.4 ms, 10.19 ms).</li>
<li>Missing data is null, never 0. A pair whose every connect failed has 100 % loss and no latency.</li>
<li>Times are RFC 3339 UTC; a window's start is inclusive, its end exclusive.</li>
</ul>
<h3>Example</h3>
<pre><code>m=$(curl -s https://HOST/data/v2/manifest.json)
matrix=$(echo "$m" | jq -r '.windows[] | select(.id=="1d") | .matrix')
curl -s "https://HOST/data/v2/$matrix" | jq '.stats.p50[0][1]'</code></pre>"#;

/// Props of [`ApiPage`].
#[derive(Properties, PartialEq)]
pub struct ApiProps {
    /// The manifest, to show the current file names.
    pub manifest: Option<Fetch<Shared<Manifest>>>,
    /// The matrix page's link, with the view kept.
    pub back: AttrValue,
}

/// Documents feed v2.
#[function_component(ApiPage)]
pub fn api_page(p: &ApiProps) -> Html {
    let current = match &p.manifest {
        Some(Fetch::Ready(m)) => {
            let windows: Html = m
                .windows
                .iter()
                .map(|w| {
                    html! {
                        <li>
                            <code>{ w.id.clone() }</code>{ format!(" ({}, {} to {}): ", w.label, w.start, w.end) }
                            <a href={api::url(&w.matrix)}>{ w.matrix.clone() }</a>{ " · " }
                            <a href={api::url(&w.matrix_csv)}>{ w.matrix_csv.clone() }</a>
                        </li>
                    }
                })
                .collect();
            let index = m.series_index.as_ref().map(|i| {
                html! { <li>{ "series index: " }<a href={api::url(i)}>{ i.clone() }</a></li> }
            });
            html! {
                <section>
                    <h2>{ "Current files" }</h2>
                    <p>{ format!("Published {} UTC; newest round {}.", m.generated_at, m.data_end.clone().unwrap_or_else(|| "none".into())) }</p>
                    <ul class="files">{ windows }{ index.unwrap_or_default() }</ul>
                </section>
            }
        }
        _ => html! {},
    };
    html! {
        <article class="api">
            <p><a href={p.back.clone()}>{ "← back to the matrix" }</a></p>
            { Html::from_html_unchecked(AttrValue::Static(DOC)) }
            { current }
        </article>
    }
}
