//! Phase 04's report types and the future rows of the horizon ([`future_table`]), which a
//! serving process builds without data frames; the layers themselves are in
//! [`crate::layers`] (feature `polars`).

use std::collections::BTreeMap;

use calendar::{Calendar, CalendarConfig};
use chrono::NaiveDate;
use core_types::{cols, DateSpan, Horizon};
use serde::{Deserialize, Serialize};

use crate::build::{
    feature_rows, future_inputs, DayInputs, FeatureConfig, FeatureTable, FuturePlan,
};
use crate::FeaturesError;

/// Columns of the processed history that are not model inputs (targets and flags), in order.
pub const NON_FEATURE_COLUMNS: [&str; 6] = [
    cols::FECHA,
    cols::UNIDADES_VENDIDAS,
    cols::UNIDADES_MODELO,
    cols::ABIERTO,
    cols::ES_FALTANTE,
    cols::ES_ATIPICO,
];

/// The source's own values after the cutoff, for flags known in advance (school holidays,
/// fairs…): read only for the future rows, never for the history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KnownAfter {
    /// Dates with a source row after the cutoff, ascending.
    pub dates: Vec<NaiveDate>,
    /// Column → one value per date (`None`: null in the source).
    pub columns: BTreeMap<String, Vec<Option<f64>>>,
}

/// How one extra source column entered (or did not enter) the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtraNote {
    /// The column.
    pub columna: String,
    /// `feature` (passed through), `festivos` (repeats the calendar's festivos, which the
    /// model already has as `is_holiday`), `constante` (one value only: no information),
    /// `sin_futuro` (passed through automatically but the source does not give its value on
    /// every horizon day: left out; `futuro_de_la_fuente` counts the days it gives and
    /// `valor_relleno` is the column's most frequent history value), `futuro_parcial` (a 0/1
    /// flag the source gives on `futuro_de_la_fuente` horizon days: a feature whose
    /// `futuro_del_plan` other days take `valor_relleno`, its usual value;
    /// `features.futuro_parcial`).
    pub uso: String,
    /// Future days valued from the source rows after the cutoff (`sin_futuro`: the days the
    /// source gives, too few for the column to enter).
    pub futuro_de_la_fuente: u64,
    /// Future days valued from the plan (`futuro_uno`, `futuro_por_defecto`).
    pub futuro_del_plan: u64,
    /// Future days without a source row inside the span the source covers (closures or gaps
    /// of the source), valued with the column's most frequent history value.
    pub futuro_relleno: u64,
    /// The value used for those days (`sin_futuro`: the value offered for the days the
    /// source does not give, none of them filled).
    pub valor_relleno: Option<f64>,
    /// Days of agreement with the calendar's festivos, when `uso` is `festivos`.
    pub coincidencia_festivos: Option<f64>,
}

/// What phase 04 built.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeaturesReport {
    /// First history date (trend origin).
    pub origin: NaiveDate,
    /// Forecast origin: the last history date used.
    pub cutoff: NaiveDate,
    /// First horizon date.
    pub horizon_start: NaiveDate,
    /// Last horizon date.
    pub horizon_end: NaiveDate,
    /// History rows in the processed table.
    pub history_rows: u64,
    /// Rows with a model-ready target on open days (what a model can fit on).
    pub trainable_rows: u64,
    /// Future rows.
    pub future_rows: u64,
    /// The model's input schema: feature names, in order.
    pub feature_columns: Vec<String>,
    /// Every column of the processed history table, in order.
    pub processed_columns: Vec<String>,
    /// Columns of the exploratory feature table.
    pub all_feature_columns: Vec<String>,
    /// Extra source columns passed through.
    pub extras: Vec<String>,
    /// Planned promotion days inside the horizon.
    pub planned_promotion_days: u64,
    /// Planned promotion dates outside the horizon (ignored).
    pub planned_outside_horizon: Vec<NaiveDate>,
    /// Planned closures inside the horizon.
    pub planned_closures: u64,
    /// Source rows after the cutoff (read only for the future of known-in-advance flags).
    pub actuals_after_cutoff: u64,
    /// The feature settings as applied: Colombian groups decided by the country, extra
    /// columns found in the data. Phases that rebuild the future (07) use these.
    pub resolved: FeatureConfig,
    /// The plan as applied: configured closures plus the recurring ones in the horizon.
    pub plan: FuturePlan,
    /// Recurring closures found in the history (weekdays, days of the year).
    pub recurring_closures: core_types::closures::RecurringClosures,
    /// Horizon days closed because a closure recurs there, or because the series stopped.
    pub recurring_closures_in_horizon: Vec<NaiveDate>,
    /// The series stopped selling before the cutoff (`features.serie_detenida`): the whole
    /// horizon is closed.
    #[serde(default)]
    pub serie_detenida: Option<crate::Stopped>,
    /// The history started before the product was on sale (`features.serie_lanzada`): the
    /// days before `desde` were left out of every layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serie_lanzada: Option<crate::Launched>,
    /// How each extra source column was used.
    pub extra_notes: Vec<ExtraNote>,
}

/// Days of history that show a whole yearly cycle: a shorter one is forecast all the same,
/// with a warning in the log and on the planner's page.
pub const YEAR_DAYS: i64 = 365;

impl FeaturesReport {
    /// Days from the first history date to the cutoff, both included.
    pub fn history_span_days(&self) -> i64 {
        (self.cutoff - self.origin).num_days() + 1
    }

    /// Days of the horizon, both ends included.
    pub fn horizon_days(&self) -> i64 {
        (self.horizon_end - self.horizon_start).num_days() + 1
    }
}

/// The settings a model's feature rows were built with: what a trained model carries so it
/// can build its own future rows (calendar, feature groups as phase 04 applied them, plan,
/// trend origin) without the pipeline's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureContext {
    /// The calendar (country, paydays, primas, pandemic phases).
    pub calendario: CalendarConfig,
    /// The feature settings as applied (phase 04's `resolved`: groups decided by the
    /// country, extra columns found in the data, trend knots).
    pub features: FeatureConfig,
    /// The plan for the horizon as applied (planned promotions and closures, recurring
    /// closures).
    pub plan: FuturePlan,
    /// First history date: where the trend starts.
    pub origen: NaiveDate,
}

impl FeatureContext {
    /// The future's rows and open flags for `days` days from `start` ([`future_table`] with
    /// these settings); `plan` replaces the recorded plan when given.
    pub fn future(
        &self,
        start: NaiveDate,
        days: usize,
        plan: Option<&FuturePlan>,
        known: &BTreeMap<NaiveDate, DayInputs>,
    ) -> Result<(FeatureTable, Vec<bool>), FeaturesError> {
        future_table(
            &self.calendario,
            &self.features,
            plan.unwrap_or(&self.plan),
            self.origen,
            start,
            days,
            known,
        )
    }
}

/// The future's feature rows and open flags for `days` days from `start`, for a model whose
/// history starts at `origin`: the one projection of the calendar and the plan (planned
/// promotions and closures, extras' future values) that phase 04 writes to
/// `04_processed/future` and that embedding services and the simulator reuse. `known` holds
/// the source's own rows after the cutoff (empty for a real forecast): extra columns marked
/// `futuro_de_la_fuente` take their values from there.
pub fn future_table(
    calendar: &CalendarConfig,
    cfg: &FeatureConfig,
    plan: &FuturePlan,
    origin: NaiveDate,
    start: NaiveDate,
    days: usize,
    known: &BTreeMap<NaiveDate, DayInputs>,
) -> Result<(FeatureTable, Vec<bool>), FeaturesError> {
    let horizon = Horizon::new(days as i64).map_err(|e| FeaturesError::InvalidConfig {
        key: "run.horizon".into(),
        message: e.to_string(),
    })?;
    let before = start.pred_opt().ok_or(FeaturesError::Empty)?;
    let horizon_span = DateSpan::new(before, before)
        .expect("one day")
        .following(horizon);
    if origin > start {
        return Err(FeaturesError::InvalidConfig {
            key: "run.cutoff".into(),
            message: format!("the history origin {origin} is after the forecast start {start}"),
        });
    }
    let cal = Calendar::new(
        calendar,
        cfg.ventana_festivos
            .pad(DateSpan::new(origin, horizon_span.end()).expect("ordered")),
    )?;
    let (promos, _) = plan.promotions(horizon_span)?;
    let closures = plan.closures_in(horizon_span);
    let table = feature_rows(horizon_span, &cal, cfg, origin, |d| {
        future_inputs(
            d,
            cfg,
            &promos,
            &closures,
            known.get(&d).map(|k| k.extras.as_slice()),
        )
    })?;
    let open = table.dates.iter().map(|d| !closures.contains(d)).collect();
    Ok((table, open))
}
