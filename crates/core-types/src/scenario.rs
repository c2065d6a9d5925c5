//! The forecasting abstraction what-if scenarios run on: a [`ScenarioForecaster`] forecasts
//! the horizon under a set of [`FutureChanges`] and returns the simulated paths. The
//! simulator depends only on this trait (its tests use a fake); the forecaster crate
//! implements it with the champion model and the features crate's one projection function.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Changes to the future's inputs (what the model can know about). Shocks the model cannot
/// know are applied by the simulator to the resulting paths, not here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FutureChanges {
    /// Promotion days with their discount (percent).
    pub promotions: Vec<(NaiveDate, f64)>,
    /// Days whose planned promotion is cancelled.
    pub promotions_off: Vec<NaiveDate>,
    /// Planned closures (forecast 0).
    pub closures: Vec<NaiveDate>,
    /// Extra festivos.
    pub festivos_add: Vec<NaiveDate>,
    /// Festivos removed.
    pub festivos_remove: Vec<NaiveDate>,
    /// New first payday of the month (quincena).
    pub quincena_primer_dia: Option<u32>,
    /// Prima deadlines moved: `(month, day)` replaces that month's deadline.
    pub prima_deadlines: Vec<(u32, u32)>,
    /// Extra exogenous columns set to a value on a date: `(column, date, value)`.
    pub exog: Vec<(String, NaiveDate, f64)>,
}

impl FutureChanges {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        *self == FutureChanges::default()
    }
}

/// A forecast with its simulated paths, all in units, non-negative.
#[derive(Debug, Clone, PartialEq)]
pub struct PathForecast {
    /// Horizon dates.
    pub dates: Vec<NaiveDate>,
    /// Point forecast per date.
    pub point: Vec<f64>,
    /// Paths: `paths[j][i]` is path j on date i (same seed ⇒ same residual draws).
    pub paths: Vec<Vec<f64>>,
}

/// Why a [`ScenarioForecaster`] could not forecast: the forecaster's own error, kept as the
/// source of the simulator's error.
pub type ScenarioError = Box<dyn std::error::Error + Send + Sync>;

/// Forecasts the horizon under changed future inputs.
pub trait ScenarioForecaster {
    /// The horizon's dates.
    fn horizon(&self) -> Vec<NaiveDate>;
    /// The input columns the model uses (so a scenario can say when it has no modelled
    /// effect).
    fn model_inputs(&self) -> Vec<String>;
    /// The forecast under `changes` (empty changes = the baseline).
    fn forecast(&self, changes: &FutureChanges) -> Result<PathForecast, ScenarioError>;
}
