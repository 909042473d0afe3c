//! The few transcendental functions the browser needs, from the browser.
//!
//! On `wasm32` Rust's `sin`, `cos`, `asin`, `ln` and `log10` are compiled in
//! from libm (about 9 KB of wasm, most of it argument reduction for huge
//! angles); the browser's `Math` has them already. Elsewhere they are the
//! standard library's. Both are accurate to about an ulp, far finer than
//! anything they feed (distances to the km, a colour, a count of decimals).

#[cfg(target_arch = "wasm32")]
use js_sys::Math as m;

macro_rules! unary {
    ($($(#[$doc:meta])* $name:ident => $js:ident;)*) => {$(
        $(#[$doc])*
        #[inline]
        pub fn $name(x: f64) -> f64 {
            #[cfg(target_arch = "wasm32")]
            return m::$js(x);
            #[cfg(not(target_arch = "wasm32"))]
            return x.$name();
        }
    )*};
}

unary! {
    /// Sine of an angle in radians.
    sin => sin;
    /// Cosine of an angle in radians.
    cos => cos;
    /// Arcsine, radians.
    asin => asin;
    /// Natural logarithm.
    ln => log;
    /// Base-10 logarithm.
    log10 => log10;
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_functions_are_the_standard_ones() {
        for x in [0.0, 0.5, 1.0, 2.0, 350.0] {
            assert_eq!(super::sin(x), x.sin());
            assert_eq!(super::cos(x), x.cos());
            assert_eq!(super::ln(x), x.ln());
            assert_eq!(super::log10(x), x.log10());
        }
        assert_eq!(super::asin(0.5), 0.5f64.asin());
    }
}
