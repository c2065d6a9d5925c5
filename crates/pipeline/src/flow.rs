//! One function per phase on typed inputs and results, and [`run_in_memory`], the whole
//! pipeline from the source's rows to the forecast without the file system. The `xtask`
//! CLI calls the same functions and persists what they return.

use chrono::NaiveDate;
use polars::prelude::DataFrame;

use crate::config::AppConfig;
use crate::train::{TrainData, TrainOptions, Trained};
use crate::PipelineError;

/// The rows phases 01–05 see: up to `run.cutoff` (unset: where `run.fin_historia` or the day
/// in progress ends the history, [`AppConfig::history_cut`]), aggregated per
/// `source.aggregate`.
pub fn scope(raw: &DataFrame, cfg: &AppConfig) -> contract::Scope {
    scope_from(cfg, history_cut(raw, cfg))
}

/// Where `run.fin_historia` or the day in progress ends the history, when `run.cutoff` is
/// unset ([`AppConfig::history_cut`]).
fn history_cut(raw: &DataFrame, cfg: &AppConfig) -> Option<crate::config::HistoryCut> {
    match cfg.run.cutoff {
        Some(_) => None,
        None => cfg.history_cut(raw),
    }
}

/// The scope of `run.cutoff`, else of `cut`.
fn scope_from(cfg: &AppConfig, cut: Option<crate::config::HistoryCut>) -> contract::Scope {
    contract::Scope {
        cutoff: cfg.run.cutoff.or(cut.map(crate::config::HistoryCut::end)),
        aggregate: cfg.source.aggregate,
    }
}

/// The configured source's rows (span and filters applied); `root` resolves relative file
/// paths, `secret` gives network secrets by name (never logged).
pub fn fetch(
    cfg: &AppConfig,
    root: &std::path::Path,
    secret: &dyn Fn(&str) -> Option<connector::Secret>,
) -> Result<connector::Fetched, PipelineError> {
    let date_aliases = cfg
        .contract
        .columns
        .get(core_types::cols::FECHA)
        .map(|c| c.aliases.clone())
        .unwrap_or_default();
    let source = connector::build_source(
        &cfg.source,
        cfg.run.seed,
        &cfg.calendar,
        &date_aliases,
        root,
        secret,
    )?;
    let mut fetched = source.fetch(cfg.source.span)?;
    if !cfg.source.filters.is_empty() {
        fetched.frame = connector::apply_filters(fetched.frame, &cfg.source.filters)?;
    }
    Ok(fetched)
}

/// "Today" for the contract's freshness rules: `run.today`, else the clock in the business's
/// time zone.
pub fn today(cfg: &AppConfig) -> NaiveDate {
    cfg.today()
}

/// Phase 01's check: the contract's validation of the source's rows (every failure at once).
pub fn validate(
    raw: &DataFrame,
    cfg: &AppConfig,
    today: NaiveDate,
) -> Result<contract::ValidationReport, PipelineError> {
    Ok(contract::validate_with(
        raw,
        &cfg.contract,
        today,
        cfg.zone(),
        &scope(raw, cfg),
    )?)
}

/// What phase 02 produces.
#[derive(Debug, Clone)]
pub struct CleansedData {
    /// The daily grid up to the cutoff, with its report.
    pub cleansed: contract::Cleansed,
    /// The source's rows after the cutoff, exactly as observed (empty without a cutoff):
    /// the hold-out's actuals and the future of flags known in advance.
    pub after: contract::ObservedAfter,
}

/// Phase 02: the source's rows cleansed to the daily grid, and the rows after the cutoff
/// set aside.
pub fn cleanse(raw: &DataFrame, cfg: &AppConfig) -> Result<CleansedData, PipelineError> {
    let cut = history_cut(raw, cfg);
    let scope = scope_from(cfg, cut);
    match (cfg.run.cutoff, cut) {
        (None, Some(crate::config::HistoryCut::Listed(end))) => tracing::warn!(
            "the rows after {end} have no {}: the history ends on {end}, and those days are read \
             as the horizon (their flag columns give the future of the extra columns); set \
             run.cutoff to choose where the history ends",
            core_types::cols::UNIDADES_VENDIDAS
        ),
        (None, Some(crate::config::HistoryCut::InProgress(end))) => tracing::warn!(
            "the history would end today, {}, the day in progress: its {} so far are not a \
             day's, so the history ends on {end}, today is the first day forecast and its value \
             is not scored (run.dia_en_curso: historia reads it as a whole day)",
            cfg.today(),
            core_types::cols::UNIDADES_VENDIDAS
        ),
        (Some(c), _) if cfg.in_progress(c) => tracing::warn!(
            "run.cutoff is today, {c}, the day in progress: its {} so far are read as a whole \
             day's (a cutoff of yesterday leaves it to the horizon; run.dia_en_curso: historia \
             says a run after closing)",
            core_types::cols::UNIDADES_VENDIDAS
        ),
        _ => {}
    }
    let cleansed = contract::cleanse_with(
        raw,
        &cfg.contract,
        &cfg.cleanse,
        &cfg.calendar,
        cfg.plan.descuento_por_defecto,
        cfg.zone(),
        &scope,
    )?;
    let mut after = match scope.cutoff {
        Some(c) => contract::observed_after(raw, &cfg.contract, cfg.zone(), c, scope.aggregate)?,
        None => contract::ObservedAfter::default(),
    };
    // The day in progress's value so far is not an observation of the day: never scored nor
    // monitored. Its flags stay (the horizon's future).
    for (d, v) in after.dates.iter().zip(after.values.iter_mut()) {
        if v.is_some() && cfg.in_progress(*d) {
            tracing::info!("{d} is the day in progress: its value so far is not scored");
            *v = None;
        }
    }
    Ok(CleansedData { cleansed, after })
}

/// Phase 03's analysis of the cleansed history (profiles, uplifts, ACF/PACF, suggested lags).
pub fn analyse(
    cleansed: &DataFrame,
    cfg: &AppConfig,
) -> Result<features::eda::EdaReport, PipelineError> {
    Ok(features::eda::analyse(cleansed, &cfg.calendar, &cfg.eda)?)
}

/// Phase 04: the feature layers of the history and the horizon; `after` is the layer of the
/// rows after the cutoff (see [`crate::frames::observed_frame`]), read only for the future of
/// flags known in advance.
pub fn features(
    cleansed: &DataFrame,
    after: &DataFrame,
    cfg: &AppConfig,
) -> Result<features::FeatureLayers, PipelineError> {
    let known = crate::frames::known_after(after)?;
    Ok(features::build_layers_with(
        cleansed,
        &cfg.calendar,
        &cfg.features,
        &cfg.plan,
        cfg.run.horizon,
        cfg.run.cutoff,
        &known,
    )?)
}

/// The settings a champion records so that it builds its own future rows: the calendar of
/// `cfg` and the feature settings, plan and trend origin phase 04 applied (`report`).
pub fn feature_context(
    cfg: &AppConfig,
    report: &features::FeaturesReport,
) -> features::FeatureContext {
    features::FeatureContext {
        calendario: cfg.calendar.clone(),
        features: report.resolved.clone(),
        plan: report.plan.clone(),
        origen: report.origin,
    }
}

/// Phase 06: the champion's forecast of the horizon's rows (`future`, phase 04's layer) with
/// the configured intervals, refused when any value is not finite.
pub fn forecast(
    champion: &forecaster::Forecaster,
    future: &DataFrame,
    cfg: &AppConfig,
) -> Result<forecaster::Forecast, PipelineError> {
    let artifact = champion.artifact();
    let exog = if artifact.feature_names.is_empty() {
        None
    } else {
        Some(crate::frames::exog(
            future,
            "future",
            &artifact.feature_names,
        )?)
    };
    let inputs = forecaster::FutureInputs {
        dates: crate::frames::dates(future, "future")?,
        open: crate::frames::bools(future, "future", core_types::cols::ABIERTO)?,
        exog,
    };
    let fc = champion.forecast(&inputs, &cfg.forecast.intervals, cfg.run.seed)?;
    if let Some(d) = fc.daily.iter().find(|d| {
        !d.point.is_finite()
            || d.bounds
                .iter()
                .any(|b| !b.lower.is_finite() || !b.upper.is_finite())
    }) {
        return Err(PipelineError::NonFinite { fecha: d.fecha });
    }
    Ok(fc)
}

/// The hold-out score of a forecast against the rows after the cutoff (`after`), on the
/// MASE scale of the observed history (raw source values on days 7 days apart that both
/// have a row in `cleansed`). `None` without observed days after the cutoff.
pub fn score(
    fc: &forecaster::Forecast,
    cleansed: &DataFrame,
    after: &DataFrame,
) -> Result<Option<forecaster::HoldoutScore>, PipelineError> {
    let actuals = crate::frames::observed_actuals(after)?;
    let observed = crate::frames::observed_history(cleansed)?;
    // A constant history has no weekly-naive scale: its MASE is undefined (NaN), while the
    // error in units and the interval coverage are still scored.
    let scale = forecaster::weekly_naive_scale(&observed).unwrap_or(f64::NAN);
    Ok(forecaster::score_holdout_scaled(fc, &actuals, scale))
}

/// Phase 07: the configured what-if scenarios answered by the champion. The calendar,
/// feature settings, plan and trend origin are the ones the champion records (schema 3);
/// `applied` (phase 04's report) stands in for a champion that records none. The extra
/// columns' future values are read from `future` (phase 04's horizon rows: the source's
/// rows after the cutoff or the plan), and scenarios change them from there.
pub fn simulate(
    champion: forecaster::Forecaster,
    future: &DataFrame,
    cfg: &AppConfig,
    applied: Option<&features::FeaturesReport>,
) -> Result<simulator::Simulation, PipelineError> {
    let art = champion.artifact();
    let context = match (&art.context, applied) {
        (Some(c), _) => c.clone(),
        (None, Some(report)) => feature_context(cfg, report),
        (None, None) => return Err(PipelineError::NoFeatureContext),
    };
    let start = art.trained_until + chrono::Days::new(1);
    let future_dates = crate::frames::dates(future, "future")?;
    let extra_values: Vec<Vec<f64>> = context
        .features
        .exogenas
        .iter()
        .map(|e| crate::frames::f64s(future, "future", &e.nombre))
        .collect::<Result<_, _>>()?;
    let known = future_dates
        .iter()
        .enumerate()
        .map(|(i, d)| {
            (
                *d,
                features::DayInputs {
                    promo: false,
                    discount_pct: 0.0,
                    closed: false,
                    pandemic: false,
                    extras: extra_values.iter().map(|c| c[i]).collect(),
                },
            )
        })
        .collect();
    let runner = forecaster::scenario::PlanForecaster {
        service: champion,
        calendar: context.calendario,
        features: context.features,
        plan: context.plan,
        known,
        origin: context.origen,
        start,
        days: cfg.run.horizon.days() as usize,
        intervals: cfg.forecast.intervals.clone(),
        seed: cfg.run.seed,
    };
    Ok(simulator::simulate(
        &runner,
        &cfg.simulate.scenarios,
        &cfg.forecast.intervals.percents(),
        cfg.plan.descuento_por_defecto,
    )?)
}

/// Everything an in-memory run produced, phase by phase.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Phase 01's validation of the rows.
    pub validation: contract::ValidationReport,
    /// Phase 02's daily grid and the rows after the cutoff.
    pub cleansed: CleansedData,
    /// Phase 03's analysis.
    pub eda: features::eda::EdaReport,
    /// Phase 04's layers.
    pub layers: features::FeatureLayers,
    /// What phase 05 trained on.
    pub data: TrainData,
    /// Phase 05's competition and champion.
    pub trained: Trained,
    /// Phase 06's forecast with intervals and monthly totals.
    pub forecast: forecaster::Forecast,
    /// The hold-out score, when rows after the cutoff were observed.
    pub holdout: Option<forecaster::HoldoutScore>,
    /// The yearly shape borrowed from sibling series (many-series runs), when one was:
    /// [`Outcome::data`] and the competition are on the adjusted series, the forecast is
    /// multiplied back.
    pub lent: Option<crate::many::Lent>,
}

/// Phases 01–04 of one series and what phase 05 trains on.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Phase 01's validation of the rows.
    pub validation: contract::ValidationReport,
    /// Phase 02's daily grid and the rows after the cutoff.
    pub cleansed: CleansedData,
    /// Phase 03's analysis.
    pub eda: features::eda::EdaReport,
    /// Phase 04's layers.
    pub layers: features::FeatureLayers,
    /// What phase 05 trains on.
    pub data: TrainData,
}

/// Runs phases 01–04 on the source's rows `raw` with the settings `cfg`, in memory.
pub fn prepare(raw: &DataFrame, cfg: &AppConfig) -> Result<Prepared, PipelineError> {
    let validation = validate(raw, cfg, today(cfg))?;
    if !validation.passed {
        return Err(PipelineError::Validation {
            errors: validation.errors,
            warnings: validation.warnings,
            report: Box::new(validation),
        });
    }
    let cleansed = cleanse(raw, cfg)?;
    let after = crate::frames::observed_frame(&cleansed.after)?;
    let eda = analyse(&cleansed.cleansed.frame, cfg)?;
    let layers = features(&cleansed.cleansed.frame, &after, cfg)?;
    let data = TrainData::from_layers(
        &layers.train,
        &layers.future,
        &cfg.train.target,
        cfg.train.exog,
    )?;
    Ok(Prepared {
        validation,
        cleansed,
        eda,
        layers,
        data,
    })
}

/// Runs phases 05–06 on a prepared series, in memory; `fitted` is a candidate fitted
/// elsewhere that competes too (the global model of a many-series run); `lent` a yearly shape
/// the prepared data were divided by ([`crate::many::Lent`]), put back on the forecast before
/// it is scored. `on_candidate` is called as each backtest ends.
pub fn finish(
    prepared: Prepared,
    cfg: &AppConfig,
    fitted: Option<&crate::global::FittedCandidate>,
    lent: Option<crate::many::Lent>,
    on_candidate: crate::train::OnCandidate<'_>,
) -> Result<Outcome, PipelineError> {
    let Prepared {
        validation,
        cleansed,
        eda,
        layers,
        data,
    } = prepared;
    let after = crate::frames::observed_frame(&cleansed.after)?;
    let trained = crate::train::train(
        &data,
        &cfg.train,
        TrainOptions {
            seed: cfg.run.seed,
            suggested_lags: cfg
                .train
                .search
                .lags_auto
                .then_some(eda.suggested_lags.as_slice()),
            context: Some(feature_context(cfg, &layers.report)),
            training_data_sha256: String::new(),
            fitted,
        },
        on_candidate,
    )?;
    let champion = forecaster::Forecaster::new(trained.champion.clone());
    let mut fc = forecast(&champion, &layers.future, cfg)?;
    if let Some(l) = &lent {
        fc = fc.rescaled(&l.factors(&fc))?;
    }
    let holdout = score(&fc, &cleansed.cleansed.frame, &after)?;
    Ok(Outcome {
        validation,
        cleansed,
        eda,
        layers,
        data,
        trained,
        forecast: fc,
        holdout,
        lent,
    })
}

/// Runs phases 01–06 on the source's rows `raw` (the columns the contract maps) with the
/// settings `cfg`, in memory: nothing is read from or written to disk. `on_candidate` is
/// called as each backtest ends.
pub fn run_in_memory(
    raw: &DataFrame,
    cfg: &AppConfig,
    on_candidate: crate::train::OnCandidate<'_>,
) -> Result<Outcome, PipelineError> {
    finish(prepare(raw, cfg)?, cfg, None, None, on_candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_ending_today_ends_yesterday_unless_today_is_a_whole_day() {
        use crate::config::{DayInProgress, HistoryCut};
        use polars::prelude::Column;
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let frame = |last: Option<f64>| {
            DataFrame::new(
                3,
                vec![
                    Column::new(
                        "fecha".into(),
                        vec![d("2024-03-01"), d("2024-03-02"), d("2024-03-03")],
                    ),
                    Column::new("unidades_vendidas".into(), vec![Some(5.0), Some(6.0), last]),
                ],
            )
            .unwrap()
        };
        let mut cfg = AppConfig::shipped().unwrap();
        cfg.run.today = Some(d("2024-03-03"));
        // Today's row with the morning's sales: the day in progress.
        let partial = frame(Some(1.0));
        assert_eq!(
            cfg.history_cut(&partial),
            Some(HistoryCut::InProgress(d("2024-03-02")))
        );
        assert!(cfg.in_progress(d("2024-03-03")) && !cfg.in_progress(d("2024-03-02")));
        // Today listed without sales: the trailing-blank rule, the same end.
        assert_eq!(
            cfg.history_cut(&frame(None)),
            Some(HistoryCut::Listed(d("2024-03-02")))
        );
        // A run the day after: the table is whole.
        cfg.run.today = Some(d("2024-03-04"));
        assert_eq!(cfg.history_cut(&partial), None);
        // A row dated after today is validation's to judge, not the day in progress.
        cfg.run.today = Some(d("2024-03-02"));
        assert_eq!(cfg.history_cut(&partial), None);
        // Today as a whole day.
        cfg.run.today = Some(d("2024-03-03"));
        cfg.run.dia_en_curso = DayInProgress::Historia;
        assert_eq!(cfg.history_cut(&partial), None);
        assert!(!cfg.in_progress(d("2024-03-03")));
    }

    #[test]
    fn a_table_the_contract_cannot_read_is_reported_by_validation_not_failed_by_the_scope() {
        // `cantidad` and `unidades` are both aliases of the target: a name collision, which
        // validation reports (with the report written), as before the history-end rule.
        use polars::prelude::Column;
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let frame = DataFrame::new(
            2,
            vec![
                Column::new("fecha".into(), vec![d("2024-03-01"), d("2024-03-02")]),
                Column::new("cantidad".into(), vec![Some(5.0), None]),
                Column::new("unidades".into(), vec![Some(5.0), None]),
            ],
        )
        .unwrap();
        let cfg = AppConfig::shipped().unwrap();
        assert_eq!(scope(&frame, &cfg).cutoff, None);
        let report = validate(&frame, &cfg, d("2024-04-01")).unwrap();
        assert!(!report.passed);
        assert!(
            format!("{report:?}").contains("NameCollision"),
            "{report:?}"
        );
    }
}
