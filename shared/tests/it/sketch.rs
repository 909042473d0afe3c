//! Properties of the percentile sketch, against the exact statistics of the same samples.
//!
//! The bounds under test are the ones the module proves: every percentile
//! within `ALPHA` (0.09 %) relative of `quantile_sorted`, and within the
//! published bound (0.1 % or 10 µs, whichever is larger) once rounded to 1 µs
//! as the feed does; mean, min, max, samples and loss exact.

use proptest::prelude::*;
use shared::sketch::{ALPHA, PUBLISHED_ABSOLUTE_US, PUBLISHED_RELATIVE, Sketch};
use shared::stats::{Stat, exact_summary, quantile_sorted};

/// The quantiles checked besides the published ones: the extremes and odd ranks.
const EXTRA_QS: [f64; 6] = [0.0, 0.001, 1.0 / 3.0, 0.999, 0.9999, 1.0];

fn sketch_of(samples: &[u32], lost: u64) -> Sketch {
    let mut s = Sketch::new();
    s.extend_from_slice(samples);
    s.add_lost(lost);
    s
}

/// The proven bound, plus f64 rounding of values up to `largest` (a few ulps).
fn tolerance(exact: f64, largest: f64) -> f64 {
    ALPHA * exact * (1.0 + 1e-12) + 8.0 * f64::EPSILON * largest
}

/// The bound the feed promises, for a value rounded to 1 µs.
fn published_ok(got: f64, exact: f64) -> bool {
    (got.round() - exact).abs() <= (PUBLISHED_RELATIVE * exact).max(PUBLISHED_ABSOLUTE_US)
}

/// Checks every quantile and the summary of `samples` against the exact ones.
fn check_against_exact(samples: &[u32], lost: u64) -> Result<(), TestCaseError> {
    let s = sketch_of(samples, lost);
    let mut sorted: Vec<f64> = samples.iter().map(|&v| f64::from(v)).collect();
    sorted.sort_by(f64::total_cmp);
    let largest = sorted.last().copied().unwrap_or(0.0);
    let qs = Stat::PERCENTILES.map(|(_, q)| q);
    for q in qs.into_iter().chain(EXTRA_QS) {
        match (s.quantile_us(q), quantile_sorted(&sorted, q)) {
            (None, None) => {}
            (Some(got), Some(exact)) => {
                prop_assert!(
                    (got - exact).abs() <= tolerance(exact, largest),
                    "q {q}: sketch {got} vs exact {exact} ({} samples)",
                    samples.len()
                );
                prop_assert!(
                    published_ok(got, exact),
                    "q {q}: published {got} vs exact {exact}"
                );
            }
            (got, exact) => prop_assert!(false, "q {q}: sketch {got:?} vs exact {exact:?}"),
        }
    }

    let summary = s.summary();
    let exact = exact_summary(&mut samples.to_vec(), lost);
    prop_assert_eq!(summary.samples, exact.samples);
    prop_assert_eq!(summary.lost, exact.lost);
    prop_assert_eq!(summary.loss_pct(), exact.loss_pct());
    match (summary.latency, exact.latency) {
        (None, None) => {}
        (Some(got), Some(want)) => {
            for (i, (stat, _)) in Stat::PERCENTILES.iter().enumerate() {
                let (g, w) = (got.percentiles[i], want.percentiles[i]);
                prop_assert!(
                    (g - w).abs() <= tolerance(w, want.max),
                    "{}: sketch {g} ms vs exact {w} ms",
                    stat.id()
                );
            }
            prop_assert_eq!(got.min, want.min);
            prop_assert_eq!(got.max, want.max);
            prop_assert!((got.mean - want.mean).abs() <= 1e-9 * want.mean);
        }
        (got, want) => prop_assert!(false, "latency {got:?} vs exact {want:?}"),
    }
    Ok(())
}

/// Any value at all, 0 and `u32::MAX` included.
fn any_values() -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(any::<u32>(), 0..300)
}

/// Small integers, where buckets are narrower than 1 µs and 0 has its own key.
fn small_values() -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(0u32..3000, 0..300)
}

/// Realistic connects: a floor of 0.3–400 ms and exponential jitter.
fn rtt_like() -> impl Strategy<Value = Vec<u32>> {
    (
        300.0f64..400_000.0,
        0.001f64..0.05,
        prop::collection::vec(0.0f64..1.0, 0..600),
    )
        .prop_map(|(floor, jitter, us)| {
            us.iter()
                .map(|u| (floor * (1.0 - jitter * (1.0 - u).ln())) as u32)
                .collect()
        })
}

/// Pareto tails: shape 0.5 (no mean) to 3, scale 0.1–100 ms.
fn pareto() -> impl Strategy<Value = Vec<u32>> {
    (
        0.5f64..3.0,
        100.0f64..100_000.0,
        prop::collection::vec(0.0f64..1.0, 0..600),
    )
        .prop_map(|(shape, scale, us)| {
            us.iter()
                .map(|u| (scale / (1.0 - u).powf(1.0 / shape)).min(f64::from(u32::MAX)) as u32)
                .collect()
        })
}

/// Lognormal, by Box–Muller: median 0.15–440 ms, σ 0.05–2.5.
fn lognormal() -> impl Strategy<Value = Vec<u32>> {
    (
        5.0f64..13.0,
        0.05f64..2.5,
        prop::collection::vec((0.0f64..1.0, 0.0f64..1.0), 0..600),
    )
        .prop_map(|(mu, sigma, pairs)| {
            pairs
                .iter()
                .map(|&(u1, u2)| {
                    let z = (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                    (mu + sigma * z).exp().min(f64::from(u32::MAX)) as u32
                })
                .collect()
        })
}

/// Two modes (a path change mid-window): 1–200 ms, the second 1.2–5× the first.
fn bimodal() -> impl Strategy<Value = Vec<u32>> {
    (
        1_000.0f64..200_000.0,
        1.2f64..5.0,
        0.05f64..0.95,
        prop::collection::vec((0.0f64..1.0, 0.0f64..1.0), 0..600),
    )
        .prop_map(|(low, ratio, share, draws)| {
            draws
                .iter()
                .map(|&(pick, u)| {
                    let mode = if pick < share { low } else { low * ratio };
                    (mode * (1.0 - 0.01 * (1.0 - u).ln())) as u32
                })
                .collect()
        })
}

fn any_samples() -> impl Strategy<Value = Vec<u32>> {
    prop_oneof![
        any_values(),
        small_values(),
        rtt_like(),
        pareto(),
        lognormal(),
        bimodal()
    ]
}

proptest! {
    #[test]
    fn random_values_are_within_the_bound(v in any_values(), lost in 0u64..5) {
        check_against_exact(&v, lost)?;
    }

    #[test]
    fn small_values_are_within_the_bound(v in small_values()) {
        check_against_exact(&v, 0)?;
    }

    #[test]
    fn rtt_like_values_are_within_the_bound(v in rtt_like(), lost in 0u64..3) {
        check_against_exact(&v, lost)?;
    }

    #[test]
    fn pareto_tails_are_within_the_bound(v in pareto()) {
        check_against_exact(&v, 0)?;
    }

    #[test]
    fn lognormal_values_are_within_the_bound(v in lognormal()) {
        check_against_exact(&v, 0)?;
    }

    #[test]
    fn bimodal_values_are_within_the_bound(v in bimodal()) {
        check_against_exact(&v, 0)?;
    }

    #[test]
    fn tiny_inputs_are_within_the_bound(v in prop::collection::vec(any::<u32>(), 0..=3), lost in 0u64..3) {
        check_against_exact(&v, lost)?;
    }

    #[test]
    fn any_quantile_is_within_the_bound(v in any_samples(), q in 0.0f64..=1.0) {
        let s = sketch_of(&v, 0);
        let mut sorted: Vec<f64> = v.iter().map(|&x| f64::from(x)).collect();
        sorted.sort_by(f64::total_cmp);
        let largest = sorted.last().copied().unwrap_or(0.0);
        match (s.quantile_us(q), quantile_sorted(&sorted, q)) {
            (None, None) => {}
            (Some(got), Some(exact)) => prop_assert!((got - exact).abs() <= tolerance(exact, largest)),
            (got, exact) => prop_assert!(false, "{got:?} vs {exact:?}"),
        }
    }

    #[test]
    fn merging_is_associative_and_order_free(
        a in any_samples(), b in any_samples(), c in any_samples(),
        lost in (0u64..4, 0u64..4, 0u64..4),
    ) {
        let (sa, sb, sc) = (sketch_of(&a, lost.0), sketch_of(&b, lost.1), sketch_of(&c, lost.2));
        let merged = |x: &Sketch, y: &Sketch| {
            let mut m = x.clone();
            m.merge(y);
            m
        };
        let left = merged(&merged(&sa, &sb), &sc);
        let right = merged(&sa, &merged(&sb, &sc));
        prop_assert_eq!(&left, &right);
        let bytes = serde_json::to_string(&left).unwrap();
        prop_assert_eq!(&serde_json::to_string(&right).unwrap(), &bytes);
        for order in [[&sa, &sb, &sc], [&sa, &sc, &sb], [&sb, &sa, &sc], [&sb, &sc, &sa], [&sc, &sa, &sb], [&sc, &sb, &sa]] {
            let m = Sketch::merge_all(order);
            prop_assert_eq!(&serde_json::to_string(&m).unwrap(), &bytes);
            prop_assert_eq!(&m, &left);
        }
        // Merging is the same as having inserted everything into one sketch.
        let all: Vec<u32> = a.iter().chain(&b).chain(&c).copied().collect();
        prop_assert_eq!(&sketch_of(&all, lost.0 + lost.1 + lost.2), &left);
        // The empty sketch is the identity.
        prop_assert_eq!(&merged(&left, &Sketch::new()), &left);
        prop_assert_eq!(&merged(&Sketch::new(), &left), &left);
    }

    #[test]
    fn only_lost_connects_mean_full_loss_and_no_latency(parts in prop::collection::vec(1u64..100, 1..5)) {
        let sketches: Vec<Sketch> = parts.iter().map(|&n| sketch_of(&[], n)).collect();
        let s = Sketch::merge_all(&sketches);
        let summary = s.summary();
        prop_assert_eq!(summary.samples, 0);
        prop_assert_eq!(summary.lost, parts.iter().sum::<u64>());
        prop_assert_eq!(summary.latency, None, "no latency, never 0 ms");
        prop_assert_eq!(summary.loss_pct(), Some(100.0));
        prop_assert_eq!(s.quantile_us(0.5), None);
        prop_assert_eq!(s.mean_us(), None);
        prop_assert_eq!(s.min_us(), None);
        let json = serde_json::to_string(&s).unwrap();
        prop_assert_eq!(&json, &format!(r#"{{"l":{}}}"#, summary.lost));
        let back: Sketch = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back.summary().latency, None);
    }

    #[test]
    fn the_compact_form_round_trips(v in any_samples(), lost in 0u64..1000) {
        let s = sketch_of(&v, lost);
        let mut out = Vec::new();
        s.write_compact(&mut out);
        let mut at = 0;
        prop_assert_eq!(Sketch::read_compact(&out, &mut at).unwrap(), s);
        prop_assert_eq!(at, out.len());
    }

    #[test]
    fn serde_round_trips_byte_for_byte(v in any_samples(), lost in 0u64..1000) {
        let s = sketch_of(&v, lost);
        let json = serde_json::to_string(&s).unwrap();
        let back: Sketch = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &s);
        prop_assert_eq!(serde_json::to_string(&back).unwrap(), json);
        prop_assert_eq!(back.summary(), s.summary());
    }
}

#[test]
fn empty_input_has_no_latency_and_no_loss() {
    check_against_exact(&[], 0).unwrap();
    let s = Sketch::new();
    assert!(s.is_empty());
    assert_eq!(s.summary().latency, None);
    assert_eq!(
        s.summary().loss_pct(),
        None,
        "nothing attempted is not 0 % loss"
    );
}

#[test]
fn a_round_with_every_connect_lost_is_full_loss() {
    let round = shared::Round {
        source: "us-east-1".into(),
        target: "eu-west-1".into(),
        scheduled_at: 1_764_000_000,
        dns_us: None,
        ip: None,
        rtts_us: vec![],
        failures: shared::FailureCounts {
            timeout: 10,
            ..Default::default()
        },
    };
    let s = Sketch::from_rounds([&round]);
    assert_eq!(s.summary().loss_pct(), Some(100.0));
    assert_eq!(s.summary().latency, None);
}
