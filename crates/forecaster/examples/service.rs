//! A service embedding the forecaster, end to end, without the pipeline:
//!
//! 1. a history of daily sales (here a synthetic one; a service would read its database),
//! 2. the Colombian calendar features for that history (`features::feature_rows`),
//! 3. a Ridge recursive model with lags and calendar exog, persisted as a model artifact,
//!    that records the calendar, feature settings and plan it was trained with,
//! 4. at request time: the artifact reloaded and nothing else (no config file, no calendar
//!    settings written here): it builds its own future rows (`Forecaster::forecast_days`),
//!    a 185-day forecast with 80 % / 95 % intervals, monthly totals printed as JSON.
//!
//! `cargo run -p forecaster --example service [path/to/champion.json]` — with a path (e.g.
//! `outputs/models/champion_latest.json` of a `cargo xtask run`), the artifact is read from
//! there instead of being trained here, and the numbers are phase 06's.

use calendar::{Calendar, CalendarConfig};
use chrono::{Datelike, Days, NaiveDate};
use core_types::DateSpan;
use features::{DayInputs, FeatureConfig, FeatureContext, FuturePlan, PandemicEncoding};
use forecaster::{Forecaster, IntervalConfig};
use models::{Autoregressive, Exog, ModelArtifact, ModelSpec, Regressor, Transform};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let json = match std::env::args().nth(1) {
        Some(path) => std::fs::read(path)?,
        None => train_and_persist()?,
    };

    // Request time: reload and forecast; the artifact builds its own future rows.
    let service = Forecaster::from_json(&json, None)?;
    let art = service.artifact();
    let fc = service.forecast_days(185, &IntervalConfig::default(), 42)?;
    let first_week: Vec<_> = fc.daily.iter().take(7).collect();
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "model": art.nombre,
            "from": fc.daily[0].fecha,
            "days": fc.daily.len(),
            "first_week": first_week,
            "monthly": fc.monthly,
        }))?
    );
    Ok(())
}

/// Trains a model on a synthetic three-year history and returns its artifact as JSON.
fn train_and_persist() -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let calendar_cfg = &CalendarConfig::default();
    let feature_cfg = &FeatureConfig {
        pandemia: PandemicEncoding::Ninguna,
        promociones: false,
        ..FeatureConfig::default()
    };
    let origin = NaiveDate::from_ymd_opt(2022, 1, 1).ok_or("date")?;
    let until = NaiveDate::from_ymd_opt(2024, 12, 31).ok_or("date")?;
    let span = DateSpan::new(origin, until)?;
    let cal = Calendar::new(calendar_cfg, DateSpan::new(origin, until + Days::new(400))?)?;
    let table = features::feature_rows(span, &cal, feature_cfg, origin, |_| DayInputs {
        promo: false,
        discount_pct: 0.0,
        closed: false,
        pandemic: false,
        extras: Vec::new(),
    })?;
    // Weekly cycle, a December lift and a little deterministic noise.
    let y: Vec<f64> = table
        .dates
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let weekly =
                [0.8, 0.85, 0.9, 0.95, 1.1, 1.5, 1.7][d.weekday().num_days_from_monday() as usize];
            let december = if d.month() == 12 {
                1.0 + d.day() as f64 / 12.0
            } else {
                1.0
            };
            let noise = 1.0 + 0.05 * ((i as f64 * 12.9898).sin() * 43758.5453).fract();
            300.0 * weekly * december * noise
        })
        .collect();
    let spec = ModelSpec::Recursive {
        regressor: Regressor::Ridge { alpha: 1.0 },
        autoregressive: Autoregressive {
            lags: vec![1, 7, 14],
            windows: vec![],
        },
        transform: Transform::Log1p,
        clip_negative: true,
        differentiation: 0,
        local_level: None,
    };
    let exog = Exog::new(table.names.clone(), table.values.clone())?;
    let fitted = spec.fit(&y, Some(&exog))?;
    let artifact = ModelArtifact::new(
        "service_example",
        "unidades_vendidas",
        origin,
        until,
        "",
        Default::default(),
        fitted,
    )
    .with_context(FeatureContext {
        calendario: calendar_cfg.clone(),
        features: feature_cfg.clone(),
        plan: FuturePlan::default(),
        origen: origin,
    });
    let json = artifact.to_json()?;
    let path = std::env::temp_dir().join("forecaster_service_example.json");
    std::fs::write(&path, &json)?;
    eprintln!("artifact written to {}", path.display());
    Ok(json)
}
