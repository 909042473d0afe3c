//! Great-circle distance and the fiber round-trip floor.
//!
//! Light in fiber covers about 204 km per millisecond (refractive index ~1.468),
//! so no path between two points can have a round trip shorter than
//! `2 · d / 204` ms. Real paths run about 1.5–3× that floor; the ratio is the
//! path's *stretch*.

use serde::{Deserialize, Serialize};

use crate::math::{asin, cos, sin};

/// Mean Earth radius in kilometres.
pub const EARTH_RADIUS_KM: f64 = 6371.0;
/// Kilometres light travels in fiber per millisecond.
pub const FIBER_KM_PER_MS: f64 = 204.0;

/// A point on the globe in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    /// Degrees north.
    pub lat: f64,
    /// Degrees east.
    pub lon: f64,
}

/// Great-circle distance in kilometres (haversine).
pub fn distance_km(a: LatLon, b: LatLon) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = sin(dlat / 2.0).powi(2) + cos(la1) * cos(la2) * sin(dlon / 2.0).powi(2);
    2.0 * EARTH_RADIUS_KM * asin(h.sqrt().min(1.0))
}

/// The shortest possible round trip over fiber between two points, in ms.
pub fn fiber_floor_ms(a: LatLon, b: LatLon) -> f64 {
    2.0 * distance_km(a, b) / FIBER_KM_PER_MS
}

/// Stretch = measured RTT ÷ fiber floor; `None` where the floor is too small
/// to divide by meaningfully (a region to itself, or neighbours under 50 km).
pub fn stretch(rtt_ms: f64, floor_ms: f64) -> Option<f64> {
    (floor_ms >= 0.5).then(|| rtt_ms / floor_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_distances() {
        // New York – London is about 5570 km.
        let ny = LatLon {
            lat: 40.71,
            lon: -74.01,
        };
        let london = LatLon {
            lat: 51.51,
            lon: -0.13,
        };
        let d = distance_km(ny, london);
        assert!((d - 5570.0).abs() < 20.0, "{d}");
        assert_eq!(distance_km(ny, ny), 0.0);
        // Antipodes: half the circumference.
        let a = LatLon { lat: 0.0, lon: 0.0 };
        let b = LatLon {
            lat: 0.0,
            lon: 180.0,
        };
        assert!((distance_km(a, b) - std::f64::consts::PI * EARTH_RADIUS_KM).abs() < 1e-6);
    }

    #[test]
    fn floor_and_stretch() {
        let ny = LatLon {
            lat: 40.71,
            lon: -74.01,
        };
        let london = LatLon {
            lat: 51.51,
            lon: -0.13,
        };
        let floor = fiber_floor_ms(ny, london);
        assert!((floor - 54.6).abs() < 0.5, "{floor}");
        assert_eq!(stretch(floor * 2.0, floor), Some(2.0));
        assert_eq!(stretch(3.0, 0.0), None);
    }
}
