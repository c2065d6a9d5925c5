//! # report
//!
//! What the planner sees: charts drawn in memory and encoded as PNG (text from DejaVu Sans
//! embedded in the binary, so a machine without system fonts draws the same figures), and a
//! self-contained HTML page embedding them. No I/O: the bytes go to the caller's store.
//!
//! ```
//! use report::charts::{line_chart, Chart, BLUE};
//! use report::Lang;
//!
//! let days: Vec<String> = (1..=7).map(|d| format!("2025-12-{d:02}")).collect();
//! let units: Vec<Option<f64>> = vec![Some(120.0), Some(135.0), None, Some(150.0),
//!                                    Some(160.0), Some(210.0), Some(190.0)];
//! let chart = Chart {
//!     title: "Unidades por día",
//!     x: "Fecha",
//!     y: "Unidades por día",
//!     caption: "Corrida ea9432e8 · datos hasta 7 dic 2025",
//!     lang: Lang::Es,
//! };
//! let png = line_chart(&chart, &days, &[("unidades", units, BLUE)], &[], "")?;
//! assert_eq!(&png[1..4], b"PNG");
//! # Ok::<(), report::ChartError>(())
//! ```
#![forbid(unsafe_code)]

pub mod charts;
pub mod numfmt;
pub mod page;
pub mod svg;

pub use charts::{
    acf_chart, bar_chart, fan_chart, html_page, line_chart, short_label, whisker_bar_chart,
    y_range, BarColours, Chart, ChartError, SIZE,
};
pub use numfmt::Lang;
pub use page::{render as render_page, Informe, PageError};

/// Crate version, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
