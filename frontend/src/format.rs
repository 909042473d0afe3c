//! Formatting figures for people.

/// A latency in ms for a cell: one decimal under 100 ms, none above.
pub fn ms(v: f64) -> String {
    if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// "updated 4 min ago" from an age in seconds.
pub fn age(seconds: f64) -> String {
    let s = seconds.max(0.0);
    if s < 90.0 {
        "just now".into()
    } else if s < 90.0 * 60.0 {
        format!("{} min ago", (s / 60.0).round())
    } else if s < 36.0 * 3600.0 {
        format!("{} h ago", (s / 3600.0).round())
    } else {
        format!("{} days ago", (s / 86_400.0).round())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(ms(68.42), "68.4");
        assert_eq!(ms(146.1), "146");
        assert_eq!(age(30.0), "just now");
        assert_eq!(age(240.0), "4 min ago");
        assert_eq!(age(7200.0), "2 h ago");
        assert_eq!(age(3.0 * 86_400.0), "3 days ago");
    }
}
