//! The changes file: the fixture round-trips and validates, the checks refuse
//! what a reader must not meet, and detected events convert to the wire form.

use shared::changes::{self, Event, PairHours, Rule, Shift};
use shared::feed::v2::{ChangeEvent, ChangeRule, Changes};

use super::round_trips;

fn fixture() -> Changes {
    round_trips("changes.json")
}

#[test]
fn changes_fixture_round_trips_and_validates() {
    let c = fixture();
    c.validate().unwrap();
    assert_eq!(c.events.len(), 2);
    assert_eq!(c.events[0].end, None, "the newest event is ongoing");
    assert_eq!(c.events[1].pairs.len(), 3);
    assert_eq!(c.rule, ChangeRule::from(&Rule::default()));
    let first = &c.events[1].pairs[0];
    assert!((first.delta_ms() - 21.686).abs() < 1e-9);
    assert!((first.ratio().unwrap() - 21.686 / 70.318).abs() < 1e-12);
}

/// A way to break the fixture.
type Breaks = Box<dyn Fn(&mut Changes)>;

/// The fixture with one thing broken, and the words the check must say.
#[test]
fn validate_refuses_what_a_reader_must_not_meet() {
    let cases: Vec<(&str, Breaks)> = vec![
        ("version", Box::new(|c| c.version = 1)),
        ("RFC 3339", Box::new(|c| c.to = "yesterday".into())),
        (
            "before “from”",
            Box::new(|c| c.to = "2026-11-01T00:00:00Z".into()),
        ),
        ("threshold", Box::new(|c| c.rule.min_shift_ratio = -0.1)),
        (
            "ends before its onset",
            Box::new(|c| c.events[1].end = Some("2026-11-17T04:00:00Z".into())),
        ),
        ("newest onset first", Box::new(|c| c.events.swap(0, 1))),
        (
            "appears twice",
            Box::new(|c| {
                let mut e = c.events[1].clone();
                e.id = c.events[0].id.clone();
                e.onset = c.events[0].onset.clone();
                for p in &mut e.pairs {
                    p.onset = e.onset.clone();
                    p.end = None;
                }
                e.pairs[0].source = "eu-west-1".into();
                e.pairs[0].destination = "ap-south-1".into();
                e.end = None;
                c.events.insert(1, e);
            }),
        ),
        ("no pair", Box::new(|c| c.events[0].pairs.clear())),
        (
            "not a region code or site name",
            Box::new(|c| c.events[0].pairs[0].source = "<b>x</b>".into()),
        ),
        (
            "not in 0..=60000",
            Box::new(|c| c.events[0].pairs[0].after_ms = 60_000.5),
        ),
        (
            "not in 0..=60000",
            Box::new(|c| c.events[0].pairs[0].before_ms = f64::NAN),
        ),
        (
            "before the event's",
            Box::new(|c| c.events[1].pairs[2].onset = "2026-11-17T04:00:00Z".into()),
        ),
        (
            "ongoing, but the event has ended",
            Box::new(|c| c.events[1].pairs[2].end = None),
        ),
        (
            "ends after the event",
            Box::new(|c| c.events[1].pairs[2].end = Some("2026-11-17T10:00:00Z".into())),
        ),
        (
            "the id is not",
            Box::new(|c| c.events[1].id = "2026-11-17T05:00:00Z/us-west-2/eu-west-1".into()),
        ),
        (
            "the id is not",
            Box::new(|c| c.events[1].id = "2026-11-17T06:00:00Z/eu-west-1/us-east-1".into()),
        ),
    ];
    for (want, break_it) in cases {
        let mut c = fixture();
        break_it(&mut c);
        let err = c.validate().expect_err(want).to_string();
        assert!(err.contains(want), "wanted “{want}”, got: {err}");
    }
}

fn shift(src: &str, dst: &str, onset: i64, end: Option<i64>, before: f64, after: f64) -> Shift {
    Shift {
        source: src.into(),
        destination: dst.into(),
        onset,
        end,
        before_ms: before,
        after_ms: after,
    }
}

const H: i64 = 3600;
/// 2026-11-17T05:00:00Z.
const T: i64 = 1_794_891_600;

#[test]
fn an_event_converts_with_a_stable_id_and_largest_shift_first() {
    let e = Event {
        onset: T,
        end: Some(T + 4 * H),
        shifts: vec![
            shift(
                "ap-south-1",
                "us-east-1",
                T + H,
                Some(T + 3 * H),
                187.5,
                179.25,
            ),
            shift(
                "eu-west-1",
                "us-east-1",
                T,
                Some(T + 4 * H),
                70.3184,
                92.0036,
            ),
            shift("us-east-1", "eu-west-1", T, Some(T + 3 * H), 70.123, 91.456),
        ],
    };
    let w = ChangeEvent::from(&e);
    // The same event as the fixture's second one, to the µs.
    assert_eq!(w, fixture().events[1]);
    // The id follows the earliest onset, not the order of the shifts.
    let mut reversed = e.clone();
    reversed.shifts.reverse();
    assert_eq!(ChangeEvent::from(&reversed).id, w.id);
    // Ongoing: `end` null.
    let ongoing = Event {
        end: None,
        shifts: vec![shift("eu-west-1", "ap-south-1", T, None, 120.0, 131.0)],
        ..e
    };
    let w = ChangeEvent::from(&ongoing);
    assert_eq!((w.end, w.pairs[0].end.clone()), (None, None));
}

#[test]
fn detected_events_make_a_valid_file() {
    // 30 normal hours, then 4 slower ones, then normal again, on two pairs.
    let hours = |base: f64| -> Vec<Option<f64>> {
        (0..40)
            .map(|k| {
                Some(if (30..34).contains(&k) {
                    base * 1.3
                } else {
                    base
                })
            })
            .collect()
    };
    let rule = Rule::default();
    let shifts: Vec<Shift> = [
        ("us-east-1", "eu-west-1", 70.0),
        ("eu-west-1", "us-east-1", 71.0),
    ]
    .into_iter()
    .flat_map(|(s, d, base)| {
        changes::detect(
            &PairHours {
                source: s.into(),
                destination: d.into(),
                start: T - 30 * H,
                medians: hours(base),
            },
            &rule,
        )
    })
    .collect();
    let events = changes::group(shifts, changes::GROUP_WITHIN);
    let c = Changes {
        version: 2,
        generated_at: shared::time::rfc3339(T + 10 * H + 300),
        from: shared::time::rfc3339(T - 30 * H),
        to: shared::time::rfc3339(T + 10 * H),
        rule: ChangeRule::from(&rule),
        simulated: false,
        events: events.iter().rev().map(ChangeEvent::from).collect(),
    };
    c.validate().unwrap();
    assert_eq!(c.events.len(), 1);
    let e = &c.events[0];
    assert_eq!(e.id, "2026-11-17T05:00:00Z/eu-west-1/us-east-1");
    assert_eq!(e.end.as_deref(), Some("2026-11-17T09:00:00Z"));
    assert_eq!(
        e.pairs[0].after_ms, 92.3,
        "71 ms × 1.3, the larger shift first"
    );
}
