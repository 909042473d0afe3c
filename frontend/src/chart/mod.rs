//! The latency-over-time chart: data prepared apart from drawing, drawing
//! generic over plotters' `DrawingBackend`.
//!
//! Three parts, a file each: `fold` cuts each series to the range and folds
//! its points into at most one column per pixel ([`prepare`]); `ticks` puts
//! the axes' ticks on round local times and round milliseconds; `draw` draws
//! per pair a p10–p90 band and a median line, the loss per column in a strip
//! below, the axes and a legend ([`draw`]). The browser draws on a canvas;
//! host tests draw the same chart into an SVG string. `week` folds a pair's
//! hourly medians into the hours of the week (the weekly pattern).

mod draw;
mod fold;
#[cfg(test)]
mod testdata;
mod ticks;
pub mod week;

pub use draw::{Drawn, PALETTE, Theme, draw, plot_span, plot_width};
pub use fold::{Column, Input, Line, Mark, Prepared, prepare, read_out};
pub use ticks::{Unit, tick_label, ticks, y_ticks};
