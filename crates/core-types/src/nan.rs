//! JSON has no NaN or infinity: serde_json writes them as `null`. These deserialisers read
//! such a `null` back as NaN, so a report holding a metric that could not be computed (a WAPE
//! over a month that sold nothing, the squared error of a diverged candidate) always loads.
//!
//! ```
//! use std::collections::BTreeMap;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Row {
//!     #[serde(deserialize_with = "core_types::nan::null_as_nan")]
//!     mae: f64,
//!     #[serde(deserialize_with = "core_types::nan::map_null_as_nan")]
//!     metrics: BTreeMap<String, f64>,
//! }
//! let r: Row = serde_json::from_str(r#"{"mae": null, "metrics": {"mse": null, "mase": 0.5}}"#).unwrap();
//! assert!(r.mae.is_nan() && r.metrics["mse"].is_nan());
//! assert_eq!(r.metrics["mase"], 0.5);
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

/// An `f64` written as `null` reads back as NaN.
pub fn null_as_nan<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// A map of `f64` whose `null` values read back as NaN.
pub fn map_null_as_nan<'de, K, D>(d: D) -> Result<BTreeMap<K, f64>, D::Error>
where
    K: Deserialize<'de> + Ord,
    D: Deserializer<'de>,
{
    Ok(BTreeMap::<K, Option<f64>>::deserialize(d)?
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or(f64::NAN)))
        .collect())
}
