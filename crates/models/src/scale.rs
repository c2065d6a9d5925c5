//! Target transforms: the [`Transform`] a model applies before fitting and the fitted
//! [`Scale`] that moves values into the model space and back.

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// Target transform applied before the regression (and undone after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// None.
    None,
    /// `ln(1 + y)` (multiplicative effects become additive).
    Log1p,
    /// `(y − mean) / std` (population std, as scikit-learn's StandardScaler).
    Standardize,
}

/// Parameters of a fitted target transform.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scale {
    /// The transform.
    pub transform: Transform,
    /// Mean (standardisation).
    pub mean: f64,
    /// Std (standardisation).
    pub std: f64,
}

impl Scale {
    /// Fits the transform's parameters on `y` (NaN skipped); log1p needs values above −1.
    pub fn fit(transform: Transform, y: &[f64]) -> Result<Self, ModelError> {
        let v = || y.iter().copied().filter(|x| !x.is_nan());
        let count = v().count().max(1) as f64;
        let mean = v().sum::<f64>() / count;
        let var = v().map(|x| (x - mean).powi(2)).sum::<f64>() / count;
        if transform == Transform::Log1p && v().any(|x| x <= -1.0) {
            return Err(ModelError::InvalidSpec(
                "log1p needs values above -1".into(),
            ));
        }
        Ok(Self {
            transform,
            mean,
            std: if var > 0.0 { var.sqrt() } else { 1.0 },
        })
    }
    /// Into the model space.
    pub fn forward(&self, v: f64) -> f64 {
        match self.transform {
            Transform::None => v,
            Transform::Log1p => v.ln_1p(),
            Transform::Standardize => (v - self.mean) / self.std,
        }
    }
    /// Back from the model space.
    pub fn inverse(&self, v: f64) -> f64 {
        match self.transform {
            Transform::None => v,
            Transform::Log1p => v.exp_m1(),
            Transform::Standardize => v * self.std + self.mean,
        }
    }
}
