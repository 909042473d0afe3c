//! The detected changes as an Atom 1.0 feed (RFC 4287), `changes.atom`, so
//! that a feed reader can subscribe to them.
//!
//! One entry per [`ChangeEvent`] of `changes.json`, in the same order (newest
//! onset first):
//!
//! - `id`: `urn:cloudping:change:{event id}`, as stable as the event's id;
//! - `title`: the largest shift and how many more pairs moved, e.g.
//!   `us-east-1 → eu-west-1 +21.3 ms (+30 %) and 3 more pairs`;
//! - `published` the onset, `updated` the end (the onset while ongoing);
//! - `summary`: when it began and ended, and every pair's level before → after;
//! - `link`: the site's graphs of (up to six of) its pairs around the event.
//!
//! Atom has no relative links without `xml:base`, so every link is absolute,
//! built on the site's base URL. The XML is written by hand: a few elements,
//! every text and attribute escaped by [`escape`].

use std::fmt::Write;

use shared::feed::v2::{self, ChangeEvent, ChangePair, Changes};
use shared::time::{date, parse_rfc3339};

/// The site's graph shows at most this many pairs at once.
const LINKED_PAIRS: usize = 6;

const DAY: i64 = 86_400;

/// `text` with `& < > " '` as entities, and the characters XML 1.0 cannot
/// carry at all (control characters but tab and newlines, lone surrogates
/// cannot occur in a `str`, U+FFFE/U+FFFF) left out.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// `+21.3` or `−4.0`: a signed figure with one decimal.
fn signed(v: f64) -> String {
    if v < 0.0 {
        format!("−{:.1}", -v)
    } else {
        format!("+{v:.1}")
    }
}

/// `us-east-1 → eu-west-1 +21.3 ms (+30 %)`.
fn headline(p: &ChangePair) -> String {
    let mut s = format!(
        "{} → {} {} ms",
        p.source,
        p.destination,
        signed(p.delta_ms())
    );
    if let Some(r) = p.ratio() {
        let pct = signed(100.0 * r);
        // Whole percent: the ratio is a headline, not a measurement.
        let pct = pct
            .trim_end_matches(|c: char| c != '.')
            .trim_end_matches('.');
        let _ = write!(s, " ({pct} %)");
    }
    s
}

/// The entry's title: the largest shift, and how many more pairs moved.
pub fn title(e: &ChangeEvent) -> String {
    let Some(first) = e.pairs.first() else {
        return "A latency change".into();
    };
    let mut t = headline(first);
    match e.pairs.len() - 1 {
        0 => {}
        1 => t.push_str(" and 1 more pair"),
        n => {
            let _ = write!(t, " and {n} more pairs");
        }
    }
    t
}

/// The entry's summary, plain text: when, then one line per pair.
pub fn summary(e: &ChangeEvent, simulated: bool) -> String {
    let mut s = String::new();
    if simulated {
        s.push_str("Simulated data, not measurements.\n");
    }
    match &e.end {
        Some(end) => {
            let _ = writeln!(s, "From {} to {}.", e.onset, end);
        }
        None => {
            let _ = writeln!(s, "Since {}, ongoing.", e.onset);
        }
    }
    for p in &e.pairs {
        let _ = write!(
            s,
            "{}: {:.1} → {:.1} ms hourly median, from {}",
            headline(p),
            p.before_ms,
            p.after_ms,
            p.onset
        );
        match &p.end {
            Some(end) => {
                let _ = writeln!(s, " to {end}.");
            }
            None => s.push_str(", ongoing.\n"),
        }
    }
    s
}

/// The site's view of an event: its pairs' graphs (at most [`LINKED_PAIRS`]),
/// from the day before the onset to the day it ended (or the day `to` is
/// in, while ongoing). `site` ends with `/`.
pub fn link(site: &str, e: &ChangeEvent, to: &str) -> String {
    let pairs: Vec<String> = e
        .pairs
        .iter()
        .take(LINKED_PAIRS)
        .map(|p| format!("{}:{}", p.source, p.destination))
        .collect();
    let mut href = format!("{site}#window=7d&stat=p50&pairs={}", pairs.join(","));
    let onset = parse_rfc3339(&e.onset);
    // The day an end names is the first hour back: show it, not the next.
    let last = e
        .end
        .as_deref()
        .or(Some(to))
        .and_then(parse_rfc3339)
        .map(|t| t - 1);
    if let (Some(a), Some(b)) = (onset, last) {
        let _ = write!(href, "&range={}..{}", date(a - DAY), date(b.max(a)));
    }
    href
}

/// `site` as a base URL: with a trailing `/`.
pub fn base(site: &str) -> String {
    if site.ends_with('/') {
        site.to_string()
    } else {
        format!("{site}/")
    }
}

/// The whole Atom document of `changes`, every link on `site` (the site's
/// absolute base URL, e.g. `https://cloudping.example/`).
pub fn feed(changes: &Changes, site: &str) -> String {
    let site = base(site);
    let own = format!("{site}{}", v2::CHANGES_ATOM_PATH);
    let updated = |e: &ChangeEvent| e.end.clone().unwrap_or_else(|| e.onset.clone());
    // The newest instant anything in the feed changed; the computation's
    // time when there is nothing in it.
    let feed_updated = changes
        .events
        .iter()
        .map(updated)
        .max()
        .unwrap_or_else(|| changes.generated_at.clone());
    let r = &changes.rule;
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let el = |x: &mut String, indent: &str, name: &str, text: &str| {
        let _ = writeln!(x, "{indent}<{name}>{}</{name}>", escape(text));
    };
    el(&mut x, "  ", "id", &own);
    let simulated = if changes.simulated {
        " (simulated data)"
    } else {
        ""
    };
    el(
        &mut x,
        "  ",
        "title",
        &format!("CloudPing: latency changes between regions{simulated}"),
    );
    el(
        &mut x,
        "  ",
        "subtitle",
        &format!(
            "Lasting shifts of a pair's hourly median latency: at least {} ms and {} % for {} hours or more.",
            r.min_shift_ms,
            100.0 * r.min_shift_ratio,
            r.min_hours
        ),
    );
    el(&mut x, "  ", "updated", &feed_updated);
    x.push_str("  <author><name>CloudPing</name></author>\n");
    let _ = writeln!(
        x,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        escape(&own)
    );
    let _ = writeln!(
        x,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        escape(&site)
    );
    el(&mut x, "  ", "generator", "CloudPing publisher");
    for e in &changes.events {
        x.push_str("  <entry>\n");
        el(
            &mut x,
            "    ",
            "id",
            &format!("urn:cloudping:change:{}", e.id),
        );
        el(&mut x, "    ", "title", &title(e));
        el(&mut x, "    ", "published", &e.onset);
        el(&mut x, "    ", "updated", &updated(e));
        let _ = writeln!(
            x,
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
            escape(&link(&site, e, &changes.to))
        );
        let _ = writeln!(
            x,
            "    <summary type=\"text\">{}</summary>",
            escape(&summary(e, changes.simulated))
        );
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::feed::v2::ChangeRule;

    fn pair(src: &str, dst: &str, before: f64, after: f64, end: Option<&str>) -> ChangePair {
        ChangePair {
            source: src.into(),
            destination: dst.into(),
            onset: "2026-11-25T05:00:00Z".into(),
            end: end.map(Into::into),
            before_ms: before,
            after_ms: after,
        }
    }

    fn changes() -> Changes {
        Changes {
            version: 2,
            generated_at: "2026-11-27T12:05:00Z".into(),
            from: "2026-11-19T12:00:00Z".into(),
            to: "2026-11-27T12:00:00Z".into(),
            rule: ChangeRule {
                min_shift_ms: 2.0,
                min_shift_ratio: 0.05,
                min_hours: 2,
            },
            simulated: false,
            events: vec![
                ChangeEvent {
                    id: "2026-11-26T21:00:00Z/eu-west-1/ap-south-1".into(),
                    onset: "2026-11-26T21:00:00Z".into(),
                    end: None,
                    pairs: vec![ChangePair {
                        onset: "2026-11-26T21:00:00Z".into(),
                        ..pair("eu-west-1", "ap-south-1", 120.0, 110.0, None)
                    }],
                },
                ChangeEvent {
                    id: "2026-11-25T05:00:00Z/us-east-1/eu-west-1".into(),
                    onset: "2026-11-25T05:00:00Z".into(),
                    end: Some("2026-11-25T08:00:00Z".into()),
                    pairs: vec![
                        pair(
                            "us-east-1",
                            "eu-west-1",
                            70.123,
                            91.456,
                            Some("2026-11-25T08:00:00Z"),
                        ),
                        pair(
                            "eu-west-1",
                            "us-east-1",
                            70.0,
                            90.0,
                            Some("2026-11-25T07:00:00Z"),
                        ),
                        pair(
                            "us-east-1",
                            "us-west-2",
                            60.0,
                            70.0,
                            Some("2026-11-25T07:00:00Z"),
                        ),
                        pair(
                            "us-west-2",
                            "us-east-1",
                            60.0,
                            69.0,
                            Some("2026-11-25T07:00:00Z"),
                        ),
                    ],
                },
            ],
        }
    }

    #[test]
    fn escape_makes_text_safe_for_elements_and_attributes() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{0}b\u{1b}c\td\ne\u{ffff}"), "abc\td\ne");
        assert_eq!(escape("us-east-1 → eu-west-1"), "us-east-1 → eu-west-1");
    }

    #[test]
    fn titles_name_the_largest_shift_and_count_the_rest() {
        let c = changes();
        assert_eq!(
            title(&c.events[1]),
            "us-east-1 → eu-west-1 +21.3 ms (+30 %) and 3 more pairs"
        );
        assert_eq!(
            title(&c.events[0]),
            "eu-west-1 → ap-south-1 −10.0 ms (−8 %)"
        );
        let mut two = c.events[1].clone();
        two.pairs.truncate(2);
        assert!(title(&two).ends_with(" and 1 more pair"), "{}", title(&two));
        // A level of 0 has no ratio: no percent.
        let zero = pair("a-b-1", "c-d-2", 0.0, 3.0, None);
        assert_eq!(headline(&zero), "a-b-1 → c-d-2 +3.0 ms");
    }

    #[test]
    fn summaries_say_when_and_list_every_pair() {
        let c = changes();
        let s = summary(&c.events[1], false);
        assert!(
            s.starts_with("From 2026-11-25T05:00:00Z to 2026-11-25T08:00:00Z.\n"),
            "{s}"
        );
        assert_eq!(s.lines().count(), 5);
        assert!(s.contains("us-east-1 → eu-west-1 +21.3 ms (+30 %): 70.1 → 91.5 ms hourly median, from 2026-11-25T05:00:00Z to 2026-11-25T08:00:00Z."), "{s}");
        let s = summary(&c.events[0], true);
        assert!(s.starts_with("Simulated data"), "{s}");
        assert!(s.contains("Since 2026-11-26T21:00:00Z, ongoing."), "{s}");
        assert!(s.trim_end().ends_with(", ongoing."), "{s}");
    }

    #[test]
    fn links_open_the_pairs_around_the_event() {
        let c = changes();
        assert_eq!(
            link("https://x.example/", &c.events[1], &c.to),
            "https://x.example/#window=7d&stat=p50&pairs=us-east-1:eu-west-1,eu-west-1:us-east-1,us-east-1:us-west-2,us-west-2:us-east-1&range=2026-11-24..2026-11-25"
        );
        // Ongoing: up to the newest hour examined.
        assert!(
            link("https://x.example/", &c.events[0], &c.to)
                .ends_with("&range=2026-11-25..2026-11-27")
        );
        let mut many = c.events[1].clone();
        many.pairs = (0..9)
            .map(|i| pair(&format!("a-b-{i}"), "c-d-1", 1.0, 2.0, None))
            .collect();
        let href = link("https://x.example/", &many, &c.to);
        assert_eq!(href.matches(":c-d-1").count(), LINKED_PAIRS, "{href}");
        assert_eq!(base("https://x.example"), "https://x.example/");
    }

    #[test]
    fn the_feed_has_what_rfc_4287_requires() {
        let x = feed(&changes(), "https://cloudping.example");
        assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
        assert!(x.contains("<id>https://cloudping.example/data/v2/changes.atom</id>"));
        assert!(x.contains("<link rel=\"self\" type=\"application/atom+xml\" href=\"https://cloudping.example/data/v2/changes.atom\"/>"));
        // The feed changed last when the newest entry did: the ongoing one's onset.
        assert!(
            x.contains("  <updated>2026-11-26T21:00:00Z</updated>\n"),
            "{x}"
        );
        assert_eq!(x.matches("<entry>").count(), 2);
        assert_eq!(x.matches("</entry>").count(), 2);
        assert!(
            x.contains("<id>urn:cloudping:change:2026-11-25T05:00:00Z/us-east-1/eu-west-1</id>")
        );
        // An ended event was last updated when it ended.
        assert!(x.contains("    <updated>2026-11-25T08:00:00Z</updated>\n"));
        // The `&` of the link's hash is escaped in the attribute.
        assert!(x.contains("#window=7d&amp;stat=p50&amp;pairs="), "{x}");
        assert!(!x.contains("&stat"));
        assert!(x.ends_with("</feed>\n"));
        // No event: still a valid feed, updated when computed.
        let empty = Changes {
            events: Vec::new(),
            ..changes()
        };
        let x = feed(&empty, "https://cloudping.example/");
        assert!(x.contains("<updated>2026-11-27T12:05:00Z</updated>"));
        assert!(!x.contains("<entry>"));
    }
}
