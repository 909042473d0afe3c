//! The map: every region at its coordinates from the manifest, and lines
//! from one region (or from the visitor, once measured from the browser) to
//! the others, coloured on the matrix's scale by the statistic and window
//! in view. Hover or focus a destination for its figure, fiber floor and
//! stretch; a click or Enter opens the pair's graph.
//!
//! The base map (`map/land.json`, Natural Earth's land reduced at build
//! time) is fetched only when the map opens; without it the regions and
//! lines still show.

use shared::feed::v2::{Manifest, Matrix};
use shared::geo::{self, LatLon};
use yew::prelude::*;

use crate::api::Fetch;
use crate::components::controls::{select_value, stat_options, window_options};
use crate::components::error::ErrorPanel;
use crate::measure::{Outcome, RegionRtt};
use crate::state::{Action, State};
use crate::view::Route;
use crate::{color, dom, format};

/// The projection's size in map units (half a degree each), as the land's.
const W: f64 = 720.0;
const H: f64 = 360.0;

/// `you`: the map's lines start at the visitor.
pub const YOU: &str = "you";

/// A point on the map, in map units.
pub fn project(lat: f64, lon: f64) -> (f64, f64) {
    ((lon + 180.0) / 360.0 * W, (90.0 - lat) / 180.0 * H)
}

/// The end of a line from `a` to `b` that goes the short way round: `b`
/// moved a map's width east or west when that is nearer (the line then
/// leaves the map at its edge, as a flight across the Pacific does).
pub fn short_way(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let dx = b.0 - a.0;
    if dx > W / 2.0 {
        (b.0 - W, b.1)
    } else if dx < -W / 2.0 {
        (b.0 + W, b.1)
    } else {
        b
    }
}

/// One line of the map: from the origin to a destination, with its figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// Destination code.
    pub dst: String,
    /// Where it starts and ends, map units.
    pub from: (f64, f64),
    /// End (the short way round).
    pub to: (f64, f64),
    /// The figure: the statistic from the matrix, or the browser's median.
    pub ms: Option<f64>,
    /// Why there is no figure, when there is none (`failed: …`).
    pub missing: Option<String>,
    /// Fiber round-trip floor between the two, ms (none from the visitor).
    pub floor_ms: Option<f64>,
    /// The figure ÷ the floor.
    pub stretch: Option<f64>,
}

/// Lines from region `src` to every other region of the manifest, with the
/// matrix's `stat`.
pub fn region_links(m: &Manifest, x: &Matrix, stat: &str, src: &str) -> Vec<Link> {
    let Some(s) = m.region(src) else {
        return Vec::new();
    };
    let a = project(s.lat, s.lon);
    let i = x.sources.iter().position(|c| c == src);
    let grid = x.stats.get(stat);
    m.regions
        .iter()
        .filter(|d| d.code != src)
        .map(|d| {
            let j = x.destinations.iter().position(|c| *c == d.code);
            let ms = match (grid, i, j) {
                (Some(g), Some(i), Some(j)) => g.get(i).and_then(|r| r.get(j)).copied().flatten(),
                _ => None,
            };
            let floor = geo::fiber_floor_ms(
                LatLon {
                    lat: s.lat,
                    lon: s.lon,
                },
                LatLon {
                    lat: d.lat,
                    lon: d.lon,
                },
            );
            Link {
                dst: d.code.clone(),
                from: a,
                to: short_way(a, project(d.lat, d.lon)),
                ms,
                missing: ms.is_none().then(|| "no data".to_string()),
                floor_ms: Some(floor),
                stretch: ms.and_then(|v| geo::stretch(v, floor)),
            }
        })
        .collect()
}

/// Where the visitor is drawn: at the region measured closest (the page
/// does not know where the visitor is, only how far each region answers).
pub fn you_at<'a>(m: &'a Manifest, you: &[RegionRtt]) -> Option<&'a shared::feed::v2::RegionInfo> {
    let closest = crate::measure::ranked(you)
        .into_iter()
        .find(|r| r.median().is_some())?;
    m.region(&closest.region)
}

/// Lines from the visitor to every measured region of the manifest.
pub fn you_links(m: &Manifest, you: &[RegionRtt]) -> Vec<Link> {
    let Some(at) = you_at(m, you) else {
        return Vec::new();
    };
    let a = project(at.lat, at.lon);
    // Drawn a little below the region, so both can be seen.
    let a = (a.0, a.1 + 9.0);
    m.regions
        .iter()
        .filter_map(|d| {
            let r = you.iter().find(|r| r.region == d.code)?;
            let (ms, missing) = match &r.outcome {
                Outcome::Measured { median_ms, .. } => (Some(*median_ms), None),
                Outcome::Failed { error } => (None, Some(format!("failed: {error}"))),
                Outcome::Pending => (None, Some("measuring…".into())),
            };
            Some(Link {
                dst: d.code.clone(),
                from: a,
                to: short_way(a, project(d.lat, d.lon)),
                ms,
                missing,
                floor_ms: None,
                stretch: None,
            })
        })
        .collect()
}

/// Props of [`MapPage`].
#[derive(Properties, PartialEq)]
pub struct MapProps {
    /// The app's state.
    pub state: UseReducerHandle<State>,
    /// Applies a change.
    pub act: Callback<Action>,
}

/// The map page.
#[function_component(MapPage)]
pub fn map_page(p: &MapProps) -> Html {
    let s = &p.state;
    let act = &p.act;
    let focused = use_state(|| None::<String>);
    let svg = use_node_ref();
    let files_at = use_mut_ref(|| None::<f64>);
    let on_retry = act.reform(|()| Action::Retry);

    let land = s.land.as_ref();
    // How long the map took to draw once its files were here: the matrix
    // and the land (or the land's failure). Hooks before any early return.
    let here = matches!(land, Some(Fetch::Ready(_) | Fetch::Failed(_)))
        && matches!(s.manifest, Some(Fetch::Ready(_)))
        && matches!(s.matrix(), Some(Fetch::Ready(_)));
    if here && files_at.borrow().is_none() {
        *files_at.borrow_mut() = Some(dom::perf_now());
    }
    {
        let (files_at, svg) = (files_at.clone(), svg.clone());
        use_effect_with(here, move |here| {
            if *here
                && let (Some(t0), Some(el)) = (*files_at.borrow(), svg.cast::<web_sys::Element>())
            {
                // Drawn: once the frame holding it is painted.
                dom::after_next_paint(move || {
                    let _ =
                        el.set_attribute("data-draw-ms", &format!("{:.1}", dom::perf_now() - t0));
                    dom::mark("map-drawn");
                });
            }
        });
    }
    let (Some(Fetch::Ready(m)), Some(Fetch::Ready(x))) = (s.manifest.as_ref(), s.matrix()) else {
        let failed = match (s.manifest.as_ref(), s.matrix()) {
            (Some(Fetch::Failed(e)), _) | (_, Some(Fetch::Failed(e))) => Some(e.clone()),
            _ => None,
        };
        return match failed {
            Some(e) => html! { <ErrorPanel error={e} {on_retry} /> },
            None => html! { <p class="loading" aria-busy="true">{ "Loading the map…" }</p> },
        };
    };
    let v = &s.view;
    let has_you = s.browser.iter().any(|r| r.median().is_some());
    let first = m
        .regions
        .first()
        .map(|r| r.code.clone())
        .unwrap_or_default();
    let from = match v.map_from.as_deref() {
        Some(YOU) if has_you => YOU.to_string(),
        Some(code) if m.region(code).is_some() => code.to_string(),
        _ => first,
    };
    let links = if from == YOU {
        you_links(m, &s.browser)
    } else {
        region_links(m, x, &v.stat, &from)
    };
    let window = m
        .windows
        .iter()
        .find(|w| w.id == v.window)
        .map_or_else(|| v.window.clone(), |w| w.label.clone());

    let view = v.clone();
    let on_from = {
        let view = view.clone();
        act.reform(move |e: Event| {
            let mut next = view.clone();
            next.map_from = Some(select_value(&e));
            Action::Navigate(next)
        })
    };
    let windows = window_options(m, &v.window);
    let stats = stat_options(m, &v.stat);
    let on_window = act.reform(|e: Event| Action::Window(select_value(&e)));
    let on_stat = act.reform(|e: Event| Action::Stat(select_value(&e)));
    let open = |dst: String| {
        let (act, from) = (act.clone(), from.clone());
        move || {
            if from != YOU {
                act.emit(Action::Route(Route::Home));
                act.emit(Action::OpenPair {
                    pair: (from.clone(), dst.clone()),
                    add: false,
                });
            }
        }
    };

    let land_path = match land {
        Some(Fetch::Ready(l)) => html! { <path class="land" d={l.land.clone()} /> },
        _ => html! {},
    };
    let land_note = match land {
        Some(Fetch::Failed(e)) => html! {
            <div class="land-error">
                <ErrorPanel error={e.clone()} on_retry={on_retry.clone()} what="Could not load the base map. " />
                <p class="note">{ "The regions and lines are shown without the base map." }</p>
            </div>
        },
        _ => html! {},
    };
    let lines: Html = links
        .iter()
        .map(|l| {
            let stroke = match l.ms {
                Some(ms) => {
                    let (r, g, b) = color::background(ms);
                    format!("stroke:rgb({r},{g},{b})")
                }
                None => String::new(),
            };
            let modifiers = classes!(l.ms.is_none().then_some("none"), (focused.as_deref() == Some(l.dst.as_str())).then_some("on"));
            let class = classes!("link", modifiers.clone());
            // A line the short way across an edge comes back in at the other
            // edge: the same line a map's width over.
            let shift = if l.to.0 > W { -W } else if l.to.0 < 0.0 { W } else { 0.0 };
            let copy = (shift != 0.0).then(|| {
                let class = classes!("link", "copy", modifiers);
                html! { <line {class} aria-hidden="true" x1={fmt(l.from.0 + shift)} y1={fmt(l.from.1)} x2={fmt(l.to.0 + shift)} y2={fmt(l.to.1)} style={stroke.clone()} /> }
            });
            html! {
                <>
                    <line {class} data-dst={l.dst.clone()} x1={fmt(l.from.0)} y1={fmt(l.from.1)} x2={fmt(l.to.0)} y2={fmt(l.to.1)} style={stroke} />
                    { copy.unwrap_or_default() }
                </>
            }
        })
        .collect();
    let dots: Html = m
        .regions
        .iter()
        .map(|r| {
            let (cx, cy) = project(r.lat, r.lon);
            let link = links.iter().find(|l| l.dst == r.code);
            let is_from = r.code == from;
            let label = match link {
                Some(l) => format!("{} → {}: {}", if from == YOU { "you" } else { &from }, r.code, figure(l, &v.stat)),
                None => format!("{} (lines start here)", r.code),
            };
            let onfocus = {
                let (focused, code) = (focused.clone(), r.code.clone());
                Callback::from(move |_: FocusEvent| focused.set(Some(code.clone())))
            };
            let onmouseenter = {
                let (focused, code) = (focused.clone(), r.code.clone());
                Callback::from(move |_: MouseEvent| focused.set(Some(code.clone())))
            };
            let go = open(r.code.clone());
            let onclick = {
                let go = go.clone();
                Callback::from(move |_: MouseEvent| go())
            };
            let onkeydown = Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " {
                    e.prevent_default();
                    go();
                }
            });
            html! {
                <g class={classes!("region", is_from.then_some("from"))} data-code={r.code.clone()} tabindex="0"
                    role={if !is_from && from != YOU { "link" } else { "img" }} aria-label={label}
                    {onfocus} {onmouseenter} {onclick} {onkeydown}>
                    <circle cx={fmt(cx)} cy={fmt(cy)} r={if is_from { "5" } else { "3.5" }} />
                </g>
            }
        })
        .collect();
    let you_dot = (from == YOU)
        .then(|| links.first().map(|l| html! { <g class="you"><circle cx={fmt(l.from.0)} cy={fmt(l.from.1)} r="5" /><text x={fmt(l.from.0 + 7.0)} y={fmt(l.from.1 + 4.0)}>{ "you" }</text></g> }))
        .flatten()
        .unwrap_or_default();
    let tip = focused.as_ref().and_then(|code| {
        let l = links.iter().find(|l| l.dst == *code)?;
        let r = m.region(code)?;
        let origin = if from == YOU { "you (from your browser)".to_string() } else { from.clone() };
        Some(html! {
            <div class="map-tip" role="status" data-dst={code.clone()}>
                <strong>{ format!("{origin} → {code}") }</strong>{ format!(" ({}, {})", r.name, r.city) }
                <br />
                <span data-stat="value">{ figure(l, &v.stat) }</span>
                { l.floor_ms.map(|f| html! { <>{ " · fiber floor " }<span data-stat="floor">{ format!("{f:.1} ms") }</span></> }).unwrap_or_default() }
                { l.stretch.map(|s| html! { <>{ " · stretch " }<span data-stat="stretch">{ format!("{s:.2}×") }</span></> }).unwrap_or_default() }
            </div>
        })
    });
    let options: Html = has_you
        .then(|| html! { <option value={YOU} selected={from == YOU}>{ "you (measured from your browser)" }</option> })
        .into_iter()
        .chain(m.regions.iter().map(|r| {
            html! { <option value={r.code.clone()} selected={r.code == from}>{ format!("{} ({})", r.code, r.city) }</option> }
        }))
        .collect();
    let what = if from == YOU {
        "the median round trip measured from your browser (an HTTPS request; drawn at your closest region)".to_string()
    } else {
        format!("{} over {window}", v.stat)
    };
    html! {
        <article class="map-page">
            <h2>{ "Map" }</h2>
            <p class="hint">{ format!("Lines from the chosen region to every other, coloured by {what} on the matrix's scale. Tab or hover a region for its figure; Enter or a click opens the pair's graph.") }</p>
            <div class="controls"><div class="row">
                <label>{ "Lines from " }<select id="map-from" onchange={on_from}>{ options }</select></label>
                <label>{ "Window " }<select id="map-window" onchange={on_window} disabled={from == YOU}>{ windows }</select></label>
                <label>{ "Statistic " }<select id="map-stat" onchange={on_stat} disabled={from == YOU}>{ stats }</select></label>
            </div></div>
            { land_note }
            <svg id="map" ref={svg} viewBox={format!("0 0 {W} {H}")} role="group" aria-label={format!("Map of the regions, lines from {from}")}>
                <rect class="sea" width={fmt(W)} height={fmt(H)} />
                { land_path }
                <g class="links">{ lines }</g>
                <g class="regions">{ dots }</g>
                { you_dot }
            </svg>
            { tip.unwrap_or_default() }
            <p class="source">{ "Base map: Natural Earth (public domain)." }</p>
        </article>
    }
}

/// The figure of a line for people: `68.4 ms p50`, or why there is none.
fn figure(l: &Link, stat: &str) -> String {
    match (l.ms, &l.missing) {
        (Some(ms), _) if l.floor_ms.is_some() => format!("{} ms {stat}", format::ms(ms)),
        (Some(ms), _) => format!("{} ms", format::ms(ms)),
        (None, Some(why)) => why.clone(),
        (None, None) => "no data".into(),
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture<T: serde::de::DeserializeOwned>(rel: &str) -> T {
        let path = format!(
            "{}/../shared/tests/fixtures/feed/v2/{rel}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn the_projection_and_the_short_way_round() {
        assert_eq!(project(0.0, 0.0), (360.0, 180.0));
        assert_eq!(project(90.0, -180.0), (0.0, 0.0));
        assert_eq!(project(-90.0, 180.0), (720.0, 360.0));
        // Oregon to Sydney crosses the Pacific, not the whole map.
        let oregon = project(45.8, -119.7);
        let sydney = project(-33.9, 151.2);
        let end = short_way(oregon, sydney);
        assert!(end.0 < 0.0, "{end:?}");
        assert_eq!(short_way(sydney, oregon).0, oregon.0 + W);
        assert_eq!(short_way((100.0, 1.0), (200.0, 2.0)), (200.0, 2.0));
    }

    #[test]
    fn region_lines_carry_the_matrix_figure_floor_and_stretch() {
        let m: Manifest = fixture("manifest.json");
        let x: Matrix = fixture("matrix/1d.json");
        let links = region_links(&m, &x, "p50", "us-east-1");
        assert_eq!(links.len(), m.regions.len() - 1);
        let eu = links.iter().find(|l| l.dst == "eu-west-1").unwrap();
        let i = x.sources.iter().position(|c| c == "us-east-1").unwrap();
        let j = x
            .destinations
            .iter()
            .position(|c| c == "eu-west-1")
            .unwrap();
        assert_eq!(eu.ms, x.stats["p50"][i][j]);
        let floor = eu.floor_ms.unwrap();
        assert!(floor > 50.0 && floor < 70.0, "{floor}");
        assert_eq!(eu.stretch, geo::stretch(eu.ms.unwrap(), floor));
        // ap-northeast-1 → eu-west-1 has no data in the fixture.
        let tokyo = region_links(&m, &x, "p50", "ap-northeast-1");
        let none = tokyo.iter().find(|l| l.dst == "eu-west-1").unwrap();
        assert_eq!((none.ms, none.missing.as_deref()), (None, Some("no data")));
        assert!(region_links(&m, &x, "p50", "xx-nowhere-1").is_empty());
    }

    #[test]
    fn the_visitor_is_drawn_at_the_closest_region_with_lines_to_each() {
        let m: Manifest = fixture("manifest.json");
        let you = vec![
            RegionRtt {
                region: "eu-west-1".into(),
                url: String::new(),
                outcome: crate::measure::outcome(
                    &[30.0],
                    crate::measure::Timing::Network,
                    Default::default(),
                ),
            },
            RegionRtt {
                region: "us-east-1".into(),
                url: String::new(),
                outcome: crate::measure::outcome(
                    &[12.0],
                    crate::measure::Timing::Network,
                    Default::default(),
                ),
            },
            RegionRtt {
                region: "ap-northeast-1".into(),
                url: String::new(),
                outcome: Outcome::Failed {
                    error: "refused or unreachable".into(),
                },
            },
        ];
        assert_eq!(you_at(&m, &you).unwrap().code, "us-east-1");
        let links = you_links(&m, &you);
        assert_eq!(links.len(), 3);
        let tokyo = links.iter().find(|l| l.dst == "ap-northeast-1").unwrap();
        assert_eq!(
            (tokyo.ms, tokyo.missing.as_deref()),
            (None, Some("failed: refused or unreachable"))
        );
        assert_eq!(
            links.iter().find(|l| l.dst == "eu-west-1").unwrap().ms,
            Some(30.0)
        );
        assert!(you_links(&m, &[]).is_empty());
    }
}
