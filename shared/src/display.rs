//! How a latency looks in the matrix: its text and its colour. Shared by the
//! site and the page the publisher prerenders, so the two draw the same cells.
//!
//! The scale is colour-blind safe and sequential: viridis (perceptually uniform, readable with the common colour-vision
//! deficiencies and in greyscale) over a log scale of milliseconds, since
//! latencies span two orders of magnitude (1 ms in-region, 300 ms antipodal).

use crate::math::ln;

/// Viridis at 9 evenly spaced stops.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// Lowest and highest values of the scale, ms.
pub const SCALE_MS: (f64, f64) = (1.0, 350.0);

/// Position of `ms` on the scale, 0 (fast) to 1 (slow).
pub fn position(ms: f64) -> f64 {
    let (lo, hi) = SCALE_MS;
    ((ln(ms.max(lo)) - ln(lo)) / (ln(hi) - ln(lo))).clamp(0.0, 1.0)
}

/// Background colour for a latency: yellow-green for fast, deep purple for slow.
pub fn background(ms: f64) -> (u8, u8, u8) {
    // Fast is bright, slow is dark: reverse viridis.
    along(&VIRIDIS, 1.0 - position(ms))
}

/// The colour at `t` (0 to 1) along evenly spaced `stops`, interpolated.
fn along(stops: &[(u8, u8, u8)], t: f64) -> (u8, u8, u8) {
    let x = t * (stops.len() - 1) as f64;
    let i = (x.floor() as usize).min(stops.len() - 2);
    let f = x - i as f64;
    let lerp = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (stops[i], stops[i + 1]);
    (lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// `x`^2.4 for `x` in [0, 1], as x² · (x²)^⅕ with the fifth root by Newton's
/// method: plain arithmetic, so the browser build carries no `pow`.
fn pow_2_4(x: f64) -> f64 {
    let a = x * x;
    if a <= 0.0 {
        return 0.0;
    }
    let mut y = 1.0_f64;
    for _ in 0..60 {
        let y4 = y * y * y * y;
        let next = y - (y4 * y - a) / (5.0 * y4);
        if (next - y).abs() < 1e-15 {
            break;
        }
        y = next;
    }
    a * y
}

/// WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white).
pub fn luminance(c: (u8, u8, u8)) -> f64 {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.040_45 {
            v / 12.92
        } else {
            pow_2_4((v + 0.055) / 1.055)
        }
    };
    0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2)
}

/// WCAG contrast ratio of two colours, 1 to 21.
pub fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Black or white text, whichever contrasts more with `bg`. One of the two
/// always reaches 4.58:1 (the worst case is a luminance of 0.179), so every
/// colour of the scale meets WCAG AA for text.
pub fn text_on(bg: (u8, u8, u8)) -> &'static str {
    if contrast(bg, (0, 0, 0)) >= contrast(bg, (255, 255, 255)) {
        "#000"
    } else {
        "#fff"
    }
}

/// A region code in the short form AWS itself uses in zone IDs (`use1`,
/// `apne1`, `euc1`): the first part, the compass word's initials, the number.
/// The matrix shows it on narrow screens, where full codes leave room for
/// two columns.
pub fn short_code(code: &str) -> String {
    let parts: Vec<&str> = code.split('-').collect();
    let [first, middle @ .., number] = parts.as_slice() else {
        return code.to_string();
    };
    let mut out = (*first).to_string();
    for word in middle {
        let abbr = match *word {
            "northeast" => "ne",
            "northwest" => "nw",
            "southeast" => "se",
            "southwest" => "sw",
            w => &w[..w.len().min(1)],
        };
        out.push_str(abbr);
    }
    out.push_str(number);
    out
}

/// A latency as a cell shows it: one decimal under 100 ms, none above.
pub fn cell_ms(v: f64) -> String {
    if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// A count with its thousands grouped by a narrow no-break space, as SI
/// writes them (`2 880`, `1 234 567`): readable in every locale.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() * 2);
    for (k, ch) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(ch);
    }
    out
}

/// CSS for a cell showing `ms`.
pub fn cell_style(ms: f64) -> String {
    style_on(background(ms))
}

/// CSS for a cell at `t` along a scale of its own set: 0 its fastest
/// (yellow-green), 1 its slowest (deep purple), in the matrix's colours. For
/// the hours of one pair, which differ by a few ms: too little to show on
/// the matrix's 1–350 ms scale.
pub fn relative_style(t: f64) -> String {
    style_on(along(&VIRIDIS, 1.0 - t.clamp(0.0, 1.0)))
}

/// ColorBrewer's RdBu at 9 stops, blue to red: a diverging scale readable
/// with the common colour-vision deficiencies, white in the middle.
const RDBU: [(u8, u8, u8); 9] = [
    (33, 102, 172),
    (67, 147, 195),
    (146, 197, 222),
    (209, 229, 240),
    (247, 247, 247),
    (253, 219, 199),
    (244, 165, 130),
    (214, 96, 77),
    (178, 24, 43),
];

/// The change, in percent, at which the diverging scale reaches its ends.
pub const CHANGE_SCALE_PCT: f64 = 50.0;

/// Background colour for a change of `pct` percent: blue faster, white the
/// same, red slower. The square root spreads the small changes a reader
/// cares about (2–10 %) over more of the scale; ±[`CHANGE_SCALE_PCT`] and
/// beyond are the ends.
pub fn change_background(pct: f64) -> (u8, u8, u8) {
    let r = (pct.abs() / CHANGE_SCALE_PCT).min(1.0);
    let r = if r > 0.0 { newton_sqrt(r) } else { 0.0 };
    // 0 (fastest) .. 0.5 (same) .. 1 (slowest).
    along(&RDBU, 0.5 + 0.5 * if pct < 0.0 { -r } else { r })
}

/// √x for `x` in (0, 1] by Newton's method (the browser build carries no libm).
fn newton_sqrt(x: f64) -> f64 {
    let mut y = 1.0_f64;
    for _ in 0..60 {
        let next = 0.5 * (y + x / y);
        if (next - y).abs() < 1e-15 {
            break;
        }
        y = next;
    }
    y
}

/// CSS for a cell showing a change of `pct` percent (neutral without one).
pub fn change_style(pct: Option<f64>) -> String {
    style_on(change_background(pct.unwrap_or(0.0)))
}

/// CSS for a cell on `bg`: the colour and the text that reads on it.
fn style_on(bg: (u8, u8, u8)) -> String {
    format!(
        "background:rgb({},{},{});color:{}",
        bg.0,
        bg.1,
        bg.2,
        text_on(bg)
    )
}

/// `shown` (the rounded magnitude of `v`) with its sign: `+`, the true
/// minus sign `−`, or none when it rounds to zero (no `−0.0`).
fn with_sign(v: f64, shown: String) -> String {
    if !shown.bytes().any(|b| matches!(b, b'1'..=b'9')) {
        shown
    } else if v > 0.0 {
        format!("+{shown}")
    } else {
        format!("\u{2212}{shown}")
    }
}

/// `+5.5`, `−2.5` (a true minus sign), `0.0`: a difference in ms as a cell
/// shows it, one decimal under 100 ms, none above; a difference that rounds
/// to zero has no sign.
pub fn signed_ms(v: f64) -> String {
    with_sign(v, cell_ms(v.abs()))
}

/// `+7.9 %`, `−25 %`: a relative difference, one decimal under 10 %.
pub fn signed_pct(v: f64) -> String {
    let a = v.abs();
    let shown = if a < 10.0 {
        format!("{a:.1}\u{a0}%")
    } else {
        format!("{a:.0}\u{a0}%")
    };
    with_sign(v, shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_is_monotonic_and_clamped() {
        assert_eq!(position(0.1), 0.0);
        assert_eq!(position(10_000.0), 1.0);
        let mut last = -1.0;
        for ms in [1.0, 5.0, 20.0, 70.0, 150.0, 300.0] {
            let p = position(ms);
            assert!(p > last);
            last = p;
        }
        assert_eq!(background(1.0), VIRIDIS[8]);
        assert_eq!(background(350.0), VIRIDIS[0]);
        assert_eq!(text_on(VIRIDIS[0]), "#fff");
        assert_eq!(text_on(VIRIDIS[8]), "#000");
    }

    #[test]
    fn every_colour_of_the_scale_has_text_of_at_least_4_5_to_1() {
        let mut worst = f64::MAX;
        for k in 0..=4000 {
            let ms = 0.5 + f64::from(k) * 0.1;
            let bg = background(ms);
            let fg = if text_on(bg) == "#000" {
                (0, 0, 0)
            } else {
                (255, 255, 255)
            };
            worst = worst.min(contrast(bg, fg));
        }
        assert!(worst >= 4.5, "lowest text contrast {worst:.2}:1");
        // The focus ring is black and white: one of them is ≥ 4.5:1 on any cell.
        for k in 0..=4000 {
            let bg = background(0.5 + f64::from(k) * 0.1);
            assert!(contrast(bg, (0, 0, 0)).max(contrast(bg, (255, 255, 255))) >= 4.5);
        }
    }

    #[test]
    fn the_power_is_exact_enough() {
        for k in 0..=1000 {
            let x = f64::from(k) / 1000.0;
            assert!((pow_2_4(x) - x.powf(2.4)).abs() < 1e-12, "{x}");
        }
    }

    #[test]
    fn contrast_is_wcag() {
        assert!((contrast((0, 0, 0), (255, 255, 255)) - 21.0).abs() < 1e-9);
        assert!((contrast((118, 118, 118), (255, 255, 255)) - 4.54).abs() < 0.01);
        assert_eq!(contrast((9, 9, 9), (9, 9, 9)), 1.0);
    }

    #[test]
    fn short_codes_are_the_zone_id_prefixes() {
        for (code, short) in [
            ("us-east-1", "use1"),
            ("ap-northeast-1", "apne1"),
            ("ap-southeast-5", "apse5"),
            ("eu-central-2", "euc2"),
            ("mx-central-1", "mxc1"),
            ("ca-west-1", "caw1"),
            ("us-gov-west-1", "usgw1"),
            ("local", "local"),
        ] {
            assert_eq!(short_code(code), short, "{code}");
        }
    }

    #[test]
    fn cells_and_counts_read_well() {
        assert_eq!(cell_ms(68.42), "68.4");
        assert_eq!(cell_ms(146.1), "146");
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(2880), "2\u{202f}880");
        assert_eq!(count(1_234_567), "1\u{202f}234\u{202f}567");
    }

    #[test]
    fn the_change_scale_diverges_from_white_and_every_colour_is_readable() {
        assert_eq!(change_background(0.0), RDBU[4]);
        assert_eq!(change_background(-80.0), RDBU[0]);
        assert_eq!(change_background(CHANGE_SCALE_PCT), RDBU[8]);
        // Slower is red, faster blue, and further from white the larger the change.
        let white = RDBU[4];
        let dist = |c: (u8, u8, u8)| {
            (i32::from(c.0) - i32::from(white.0)).abs()
                + (i32::from(c.1) - i32::from(white.1)).abs()
                + (i32::from(c.2) - i32::from(white.2)).abs()
        };
        for (small, large) in [(2.0, 10.0), (10.0, 30.0), (30.0, 50.0)] {
            for sign in [1.0, -1.0] {
                let (a, b) = (
                    change_background(sign * small),
                    change_background(sign * large),
                );
                assert!(dist(a) < dist(b), "{small} {large} {sign}");
                assert_eq!(b.0 > b.2, sign > 0.0, "red is slower");
            }
        }
        // A small change already shows: 5 % is a third of the way to the end.
        assert_ne!(change_background(5.0), RDBU[4]);
        for k in -100..=100 {
            let bg = change_background(f64::from(k));
            let fg = if text_on(bg) == "#000" {
                (0, 0, 0)
            } else {
                (255, 255, 255)
            };
            assert!(contrast(bg, fg) >= 4.5, "{k} %: {bg:?}");
        }
        assert!((newton_sqrt(0.25) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn a_relative_scale_runs_over_the_whole_palette() {
        assert_eq!(relative_style(0.0), "background:rgb(253,231,37);color:#000");
        assert_eq!(relative_style(1.0), "background:rgb(68,1,84);color:#fff");
        assert_eq!(relative_style(-3.0), relative_style(0.0));
        assert_eq!(relative_style(0.5), style_on(VIRIDIS[4]));
    }

    #[test]
    fn signed_figures_carry_a_true_minus_sign() {
        assert_eq!(signed_ms(5.5), "+5.5");
        assert_eq!(signed_ms(-2.5), "\u{2212}2.5");
        assert_eq!(signed_ms(0.0), "0.0");
        assert_eq!(signed_ms(-123.4), "\u{2212}123");
        assert_eq!(signed_pct(7.857), "+7.9\u{a0}%");
        assert_eq!(signed_pct(-25.0), "\u{2212}25\u{a0}%");
        // what rounds to zero has no sign
        assert_eq!(signed_ms(-0.04), "0.0");
        assert_eq!(signed_ms(0.04), "0.0");
        assert_eq!(signed_ms(-0.05), "\u{2212}0.1");
        assert_eq!(signed_pct(-0.03), "0.0\u{a0}%");
        assert_eq!(signed_pct(0.06), "+0.1\u{a0}%");
        assert_eq!(change_style(None), "background:rgb(247,247,247);color:#000");
    }
}
