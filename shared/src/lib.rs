//! CloudPing's pure core, shared by every other crate and by the browser.
//!
//! Nothing here does I/O: no sockets, no files, no clocks. That keeps it
//! buildable for `wasm32-unknown-unknown` and trivially testable.
//!
//! ```
//! use shared::catalog;
//! let virginia = catalog::region("us-east-1").unwrap();
//! let ireland = catalog::region("eu-west-1").unwrap();
//! let floor = shared::geo::fiber_floor_ms(virginia.location(), ireland.location());
//! assert!(floor > 50.0 && floor < 60.0);
//! assert_eq!(virginia.endpoint_host(), "dynamodb.us-east-1.amazonaws.com");
//! ```

pub mod catalog;
pub mod changes;
pub mod compare;
pub mod display;
pub mod feed;
pub mod geo;
pub mod math;
pub mod round;
pub mod sketch;
pub mod sort;
pub mod stats;
pub mod time;
pub mod varint;

pub use catalog::{Geography, Partition, Region};
pub use round::{FailureCounts, FailureKind, Round};
