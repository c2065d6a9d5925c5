//! Phase 05: the competition, its figures, the champion and the backtest tables.

use std::collections::BTreeMap;

use report::charts::{RGBColor, BLUE, GREEN, RED};
use store::{Area, Store};

use super::{put_figures, read_features_report, read_layer, read_layer_sha, EdaBody};
use crate::config::AppConfig;
use crate::PipelineError;

/// Phase 05: every candidate backtested, the champion refitted on the whole history.
pub fn train(store: &mut dyn Store, cfg: &AppConfig) -> Result<(), PipelineError> {
    train_with_progress(store, cfg, &|_| {})
}

/// [`train`] reporting progress (called once per candidate backtested).
pub fn train_with_progress(
    store: &mut dyn Store,
    cfg: &AppConfig,
    progress: crate::train::OnCandidate<'_>,
) -> Result<(), PipelineError> {
    let (frame, training_sha) = read_layer_sha(store, Area::Processed, "train", "04 features")?;
    let future = read_layer(store, Area::Processed, "future", "04 features")?;
    let applied = read_features_report(store)?;
    let tcfg = &cfg.train;
    let data = crate::TrainData::from_layers(&frame, &future, &tcfg.target, tcfg.exog)?;
    // The EDA's suggested lags (phase 03), when the search asks for them.
    #[derive(serde::Deserialize)]
    struct Back {
        body: EdaBody,
    }
    let suggested: Option<Vec<usize>> = if tcfg.search.lags_auto {
        let lags = store
            .peek(Area::Reports, "eda", "json")
            .ok()
            .flatten()
            .and_then(|b| serde_json::from_slice::<Back>(&b).ok())
            .map(|r| r.body.analysis.suggested_lags);
        match &lags {
            Some(l) => tracing::info!(?l, "search includes the EDA's suggested lags"),
            None => tracing::warn!(
                "train.search.lags_auto is set but no EDA report is available: run phase 03"
            ),
        }
        lags
    } else {
        None
    };
    let trained = crate::train(
        &data,
        tcfg,
        crate::TrainOptions {
            seed: cfg.run.seed,
            suggested_lags: suggested.as_deref(),
            context: Some(crate::feature_context(cfg, &applied)),
            training_data_sha256: training_sha,
            fitted: None,
        },
        progress,
    )?;
    for e in &trained.leaderboard.entries {
        match &e.error {
            None => tracing::info!(
                "candidate {:<32} {:?} = {:.4}",
                e.nombre,
                tcfg.metric,
                e.metrics.get(&tcfg.metric).copied().unwrap_or(f64::NAN)
            ),
            Some(err) => tracing::warn!("candidate {} failed: {err}", e.nombre),
        }
    }
    let mut preferred_over = 0;
    if let Some(why) = trained.fallback_note() {
        tracing::warn!("champion {}: {why}", trained.champion.nombre);
    }
    for (nombre, why) in &trained.passed_over {
        // Passed over by the configured preference or fallback: a choice, not a failure (one
        // line for all of them; each with its reason at debug level and in the train report).
        if why.starts_with("train.respaldo") {
            tracing::debug!("candidate {nombre} not the champion: {why}");
        } else if why.starts_with("train.preferencia") {
            preferred_over += 1;
            tracing::debug!("candidate {nombre} not the champion: {why}");
        } else {
            tracing::warn!("candidate {nombre} {why}: not a champion");
        }
    }
    if preferred_over > 0 {
        tracing::info!(
            "champion {} chosen by train.preferencia over {preferred_over} candidates (reasons in the train report)",
            trained.champion.nombre
        );
    }
    let cap = super::caption(store, cfg.report.language, data.fechas.last().copied());
    let figures = figures(&trained, &data, cfg.report.language, &cap)?;
    let names = put_figures(store, &figures)?;
    let body = crate::TrainBody::new(&trained, &data, names);
    store.put(
        Area::Models,
        "champion",
        "json",
        &trained.champion.to_json()?,
        None,
    )?;
    store.put(
        Area::Models,
        "backtest_predictions",
        "csv",
        &crate::tables::backtest_csv(&trained, &data)?,
        None,
    )?;
    store.put(
        Area::Models,
        "candidate_forecasts",
        "csv",
        &crate::tables::candidate_forecasts_csv(&trained, &data)?,
        None,
    )?;
    store.put(
        Area::Reports,
        "leaderboard",
        "csv",
        &crate::tables::leaderboard_csv(&body.leaderboard)?,
        Some(body.leaderboard.entries.len() as u64),
    )?;
    tracing::info!(champion = %body.champion, "champion selected and refitted on the whole history");
    store::put_report(store, "train", &body)?;
    Ok(())
}

/// The top three against the actuals, the champion's error by horizon step, and the error by
/// month of the top three.
fn figures(
    trained: &crate::Trained,
    data: &crate::TrainData,
    lang: report::Lang,
    cap: &str,
) -> Result<Vec<(String, Vec<u8>)>, PipelineError> {
    let leaderboard = &trained.leaderboard;
    let backtests = &trained.backtests;
    let fechas = &data.fechas;
    let actuals = &data.actuals;
    let steps = trained.steps;
    let top: Vec<&models::Entry> = leaderboard
        .entries
        .iter()
        .filter(|e| e.error.is_none())
        .take(3)
        .collect();
    let best = &backtests[&trained.champion.nombre];
    // Staggered origins predict a day more than once: the chart shows each day's prediction
    // from the latest origin (the closest to it).
    let latest = |b: &models::Backtest| -> BTreeMap<usize, f64> {
        b.predictions.iter().map(|p| (p.position, p.pred)).collect()
    };
    let positions: Vec<usize> = latest(best).into_keys().collect();
    let labels: Vec<String> = positions.iter().map(|p| fechas[*p].to_string()).collect();
    let colours = [BLUE, GREEN, RGBColor(230, 120, 20)];
    let mut series = vec![(
        lang.pick("real", "actual"),
        positions
            .iter()
            .map(|p| Some(actuals[*p]).filter(|v| !v.is_nan()))
            .collect::<Vec<_>>(),
        RGBColor(60, 60, 60),
    )];
    for (k, e) in top.iter().enumerate() {
        let by = latest(&backtests[&e.nombre]);
        series.push((
            e.nombre.as_str(),
            positions.iter().map(|p| by.get(p).copied()).collect(),
            colours[k],
        ));
    }
    let step_error = |b: &models::Backtest| -> Vec<Option<f64>> {
        let start: BTreeMap<usize, usize> =
            b.predictions.iter().fold(Default::default(), |mut m, p| {
                m.entry(p.fold).or_insert(p.position);
                m
            });
        let mut acc = vec![(0.0, 0usize); steps];
        for p in &b.predictions {
            let h = p.position - start[&p.fold];
            let a = actuals[p.position];
            if h < acc.len() && !a.is_nan() {
                acc[h].0 += (a - p.pred).abs();
                acc[h].1 += 1;
            }
        }
        acc.iter()
            .map(|(s, n)| (*n > 0).then(|| s / *n as f64))
            .collect()
    };
    let month_error = |b: &models::Backtest| -> Vec<Option<f64>> {
        let mut acc = [(0.0, 0usize); 12];
        for p in &b.predictions {
            let a = actuals[p.position];
            if !a.is_nan() {
                let m = chrono::Datelike::month0(&fechas[p.position]) as usize;
                acc[m].0 += (a - p.pred).abs();
                acc[m].1 += 1;
            }
        }
        acc.iter()
            .map(|(s, n)| (*n > 0).then(|| s / *n as f64))
            .collect()
    };
    let steps_labels: Vec<String> = (1..=steps).map(|h| h.to_string()).collect();
    let t = |es: &'static str, en: &'static str| lang.pick(es, en);
    let units = t("unidades por día", "units per day");
    Ok(vec![
        (
            "train_backtest".into(),
            report::line_chart(
                &super::chart(
                    t(
                        "Backtest: real frente a los tres mejores modelos",
                        "Backtest: actual against the three best models",
                    ),
                    t("fecha", "date"),
                    units,
                    cap,
                    lang,
                ),
                &labels,
                &series,
                &[],
                "",
            )?,
        ),
        (
            "train_error_paso".into(),
            report::line_chart(
                &super::chart(
                    t(
                        "Error absoluto medio por paso del horizonte (campeón)",
                        "Mean absolute error by horizon step (champion)",
                    ),
                    t("días después del origen", "days after the origin"),
                    t(
                        "error absoluto medio (unidades)",
                        "mean absolute error (units)",
                    ),
                    cap,
                    lang,
                ),
                &steps_labels,
                &[(
                    t("error absoluto medio", "mean absolute error"),
                    step_error(best),
                    RED,
                )],
                &[],
                "",
            )?,
        ),
        (
            "train_error_mes".into(),
            report::bar_chart(
                &super::chart(
                    t(
                        "Error absoluto medio por mes del backtest",
                        "Mean absolute error by month of the backtest",
                    ),
                    t("mes", "month"),
                    t(
                        "error absoluto medio (unidades)",
                        "mean absolute error (units)",
                    ),
                    cap,
                    lang,
                ),
                &report::numfmt::month_abbrevs(lang),
                &top.iter()
                    .enumerate()
                    .map(|(k, e)| {
                        (
                            e.nombre.as_str(),
                            month_error(&backtests[&e.nombre]),
                            colours[k],
                        )
                    })
                    .collect::<Vec<_>>(),
                None,
                None,
            )?,
        ),
    ])
}
