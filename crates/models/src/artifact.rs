//! The champion artifact: a versioned, portable JSON document with everything needed to
//! predict without retraining — the fitted model and, since schema 3, the calendar, feature
//! and plan settings its rows were built with, so it can build its own future rows. Loading
//! checks the schema version and the feature set, so a model never silently runs on inputs
//! it was not trained with.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use features::FeatureContext;

use serde::{Deserialize, Serialize};

use crate::metrics::Metric;
use crate::spec::{FittedModel, ModelSpec};
use crate::ModelError;

/// Layout version of [`ModelArtifact`]; bump on any incompatible change.
pub const ARTIFACT_SCHEMA_VERSION: u32 = 3;

/// A fitted model with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelArtifact {
    /// Layout version.
    pub schema_version: u32,
    /// Candidate name.
    pub nombre: String,
    /// The model specification.
    pub spec: ModelSpec,
    /// Target column.
    pub target: String,
    /// Exog columns in the model's order (the input schema; empty for baselines).
    pub feature_names: Vec<String>,
    /// Past values a prediction needs.
    pub window_size: usize,
    /// First training date.
    pub trained_from: NaiveDate,
    /// Last training date: the forecast origin.
    pub trained_until: NaiveDate,
    /// SHA-256 of the training data file.
    pub training_data_sha256: String,
    /// Backtest metrics of the candidate (one that could not be computed, e.g. a MASE whose
    /// naive scale is undefined on a short fold, is written `null` and reads back as NaN).
    #[serde(deserialize_with = "core_types::nan::map_null_as_nan")]
    pub metrics: BTreeMap<Metric, f64>,
    /// The fitted parameters, last window and in-sample residuals.
    pub model: FittedModel,
    /// The settings the model's exog rows were built with (`None`: a model without exog or
    /// built by hand; its caller supplies the future rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<FeatureContext>,
    /// The target took negative values in training (a signed series: temperatures, net
    /// flows), so forecasts and their bands are not floored at 0. Absent (false) otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub signed_target: bool,
}

impl ModelArtifact {
    /// An artifact for a fitted model: the spec, window size and exog columns come from the
    /// model itself.
    pub fn new(
        nombre: &str,
        target: &str,
        trained_from: NaiveDate,
        trained_until: NaiveDate,
        training_data_sha256: &str,
        metrics: BTreeMap<Metric, f64>,
        model: FittedModel,
    ) -> Self {
        Self {
            schema_version: ARTIFACT_SCHEMA_VERSION,
            nombre: nombre.to_string(),
            spec: model.spec.clone(),
            target: target.to_string(),
            feature_names: model
                .state
                .as_ref()
                .map(|s| s.exog_names.clone())
                .unwrap_or_default(),
            window_size: model.spec.window_size(),
            trained_from,
            trained_until,
            training_data_sha256: training_data_sha256.to_string(),
            metrics,
            model,
            context: None,
            signed_target: false,
        }
    }

    /// The artifact with the settings its exog rows were built with, so that it can build
    /// its own future rows.
    pub fn with_context(mut self, context: FeatureContext) -> Self {
        self.context = Some(context);
        self
    }

    /// Serialises to pretty JSON.
    pub fn to_json(&self) -> Result<Vec<u8>, ModelError> {
        serde_json::to_vec_pretty(self).map_err(|e| ModelError::Artifact(e.to_string()))
    }

    /// Parses an artifact and checks that it can serve `features` (the exog columns the caller
    /// will supply, in order; `None` skips the check).
    pub fn from_json(bytes: &[u8], features: Option<&[String]>) -> Result<Self, ModelError> {
        #[derive(Deserialize)]
        struct Version {
            schema_version: u32,
        }
        let v: Version =
            serde_json::from_slice(bytes).map_err(|e| ModelError::Artifact(e.to_string()))?;
        if v.schema_version != ARTIFACT_SCHEMA_VERSION {
            return Err(ModelError::ArtifactVersion {
                found: v.schema_version,
                supported: ARTIFACT_SCHEMA_VERSION,
            });
        }
        let a: ModelArtifact =
            serde_json::from_slice(bytes).map_err(|e| ModelError::Artifact(e.to_string()))?;
        if let Some(f) = features {
            if f != a.feature_names.as_slice() {
                return Err(ModelError::ExogColumns {
                    expected: a.feature_names.clone(),
                    got: f.to_vec(),
                });
            }
        }
        if a.window_size != a.spec.window_size() || a.model.last_window.len() != a.window_size {
            return Err(ModelError::Artifact(
                "window size and last window disagree".into(),
            ));
        }
        Ok(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{Autoregressive, Exog};
    use crate::spec::{Regressor, Transform};
    use proptest::prelude::*;

    fn artifact(y: &[f64], lags: Vec<usize>, with_exog: bool) -> ModelArtifact {
        let spec = ModelSpec::Recursive {
            regressor: Regressor::Ridge { alpha: 0.5 },
            autoregressive: Autoregressive {
                lags,
                windows: vec![],
            },
            transform: Transform::None,
            clip_negative: false,
            differentiation: 0,
            local_level: None,
        };
        let ex = Exog::new(
            vec!["x".into()],
            vec![(0..y.len()).map(|i| (i % 7) as f64).collect()],
        )
        .unwrap();
        let model = spec.fit(y, with_exog.then_some(&ex)).unwrap();
        ModelArtifact {
            schema_version: ARTIFACT_SCHEMA_VERSION,
            nombre: "m".into(),
            window_size: spec.window_size(),
            spec,
            target: "y".into(),
            feature_names: if with_exog { vec!["x".into()] } else { vec![] },
            trained_from: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            trained_until: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
            training_data_sha256: "00".into(),
            metrics: BTreeMap::new(),
            model,
            context: None,
            signed_target: false,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn round_trip_preserves_predictions(
            y in prop::collection::vec(-100.0f64..100.0, 40..80),
            lags in prop::collection::btree_set(1usize..10, 1..4),
        ) {
            let a = artifact(&y, lags.into_iter().collect(), false);
            let back = ModelArtifact::from_json(&a.to_json().unwrap(), Some(&[])).unwrap();
            prop_assert_eq!(&back, &a);
            prop_assert_eq!(back.model.predict(20, None, None).unwrap(), a.model.predict(20, None, None).unwrap());
        }
    }

    #[test]
    fn a_metric_that_could_not_be_computed_round_trips_as_nan() {
        let y: Vec<f64> = (0..50).map(|i| (i as f64 * 0.3).sin()).collect();
        let mut a = artifact(&y, vec![1, 2], false);
        a.metrics = BTreeMap::from([(Metric::Mae, 0.25), (Metric::Mase, f64::NAN)]);
        let json = a.to_json().unwrap();
        assert!(String::from_utf8_lossy(&json).contains("\"mase\": null"));
        let back = ModelArtifact::from_json(&json, Some(&[])).unwrap();
        assert_eq!(back.metrics[&Metric::Mae], 0.25);
        assert!(back.metrics[&Metric::Mase].is_nan());
    }

    #[test]
    fn other_versions_and_feature_sets_are_refused() {
        let y: Vec<f64> = (0..50).map(|i| (i as f64 * 0.3).sin()).collect();
        let a = artifact(&y, vec![1, 2], true);
        let json = a.to_json().unwrap();
        let err = ModelArtifact::from_json(&json, Some(&["z".to_string()])).unwrap_err();
        assert!(matches!(err, ModelError::ExogColumns { .. }), "{err}");
        let mut v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        // Schema 2 (before the artifact recorded its feature context) is refused by name.
        v["schema_version"] = 2.into();
        let err = ModelArtifact::from_json(&serde_json::to_vec(&v).unwrap(), None).unwrap_err();
        assert!(err.to_string().contains("schema version 2"), "{err}");
        assert!(err.to_string().contains("retrain"), "{err}");
        v["schema_version"] = 99.into();
        let err = ModelArtifact::from_json(&serde_json::to_vec(&v).unwrap(), None).unwrap_err();
        assert_eq!(
            err,
            ModelError::ArtifactVersion {
                found: 99,
                supported: ARTIFACT_SCHEMA_VERSION
            }
        );
        assert!(ModelArtifact::from_json(b"{", None).is_err());
    }
}
