//! A colour-blind-safe sequential scale for latencies.
//!
//! Viridis (perceptually uniform, readable with the common colour-vision
//! deficiencies and in greyscale) over a log scale of milliseconds, since
//! latencies span two orders of magnitude (1 ms in-region, 300 ms antipodal).

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
    ((ms.max(lo).ln() - lo.ln()) / (hi.ln() - lo.ln())).clamp(0.0, 1.0)
}

/// Background colour for a latency: yellow-green for fast, deep purple for slow.
pub fn background(ms: f64) -> (u8, u8, u8) {
    // Fast is bright, slow is dark: reverse viridis.
    let t = 1.0 - position(ms);
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let lerp = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    (lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// Black or white text, whichever reads better on `bg`.
pub fn text_on(bg: (u8, u8, u8)) -> &'static str {
    let luma = 0.2126 * f64::from(bg.0) + 0.7152 * f64::from(bg.1) + 0.0722 * f64::from(bg.2);
    if luma > 120.0 { "#000" } else { "#fff" }
}

/// CSS for a cell showing `ms`.
pub fn cell_style(ms: f64) -> String {
    let bg = background(ms);
    format!(
        "background:rgb({},{},{});color:{}",
        bg.0,
        bg.1,
        bg.2,
        text_on(bg)
    )
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
}
