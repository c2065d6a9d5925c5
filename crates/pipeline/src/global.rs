//! The global model of a many-series run (`train.global`): one Ridge on lags across the
//! series ([`models::GlobalRidgeSpec`]), fitted once per backtest refit on every series'
//! training range of that refit and once on the whole histories. Each series gets its view of
//! it ([`models::GlobalRidge::local`]) as a candidate fitted elsewhere, which competes in its
//! backtest with its own candidates ([`crate::TrainOptions::fitted`]).
//!
//! A series' refits are its own folds (`train.cv` on its length); the k-th refit of the global
//! model takes the k-th training range of every series, so series that end on the same day are
//! fitted on the same days.

use std::ops::Range;

use rayon::prelude::*;

use crate::{PipelineError, TrainData};

/// A candidate fitted elsewhere, as one series sees it.
#[derive(Debug, Clone)]
pub struct FittedCandidate {
    /// Its name and the local model it is seen as.
    pub candidate: models::Candidate,
    /// The leaderboard's description of it.
    pub label: String,
    /// Its model for each of the series' backtest refits, by training range.
    pub folds: Vec<(Range<usize>, models::FittedModel)>,
    /// Its model on the whole history, with in-sample residuals.
    pub whole: models::FittedModel,
}

impl FittedCandidate {
    /// Whether its models were fitted with exog columns (not a global Ridge on lags alone).
    pub fn uses_exog(&self) -> bool {
        self.whole
            .state
            .as_ref()
            .is_some_and(|s| !s.exog_names.is_empty())
    }

    /// The model fitted on the training range `r` of one of the series' folds.
    pub fn model_for(&self, r: Range<usize>) -> Result<models::FittedModel, models::ModelError> {
        self.folds
            .iter()
            .find(|(fr, _)| *fr == r)
            .map(|(_, m)| m.clone())
            .ok_or_else(|| {
                models::ModelError::InvalidSpec(format!(
                    "{} has no fit on the training range {}..{}",
                    self.candidate.nombre, r.start, r.end
                ))
            })
    }
}

/// The training ranges a series' backtest refits on, in fold order.
fn refit_ranges(
    n: usize,
    window: usize,
    cfg: &models::TrainConfig,
) -> Result<Vec<Range<usize>>, PipelineError> {
    let fold_cfg = cfg.cv.fold_config(n)?;
    let folds = models::folds(n, window, &fold_cfg)?;
    let mut out: Vec<Range<usize>> = Vec::new();
    for (i, f) in folds.iter().enumerate() {
        if (f.fit || i == 0) && out.last() != Some(&f.train) {
            out.push(f.train.clone());
        }
    }
    Ok(out)
}

/// Fits the global model of `cfg.global` across `series` (name and training data, in the
/// order that gives their codes) and returns each one's view of it; `None` for a series the
/// global model cannot take (its history has a value missing even after the lag filling, its
/// folds fail, or it refits a different number of times or on other columns than most series:
/// a shorter history), or for all when fewer than two series can.
pub fn fit_across(
    series: &[(&str, &TrainData)],
    cfg: &models::TrainConfig,
) -> Result<Vec<Option<FittedCandidate>>, PipelineError> {
    let g = &cfg.global;
    let candidate = g.candidate();
    let window = candidate.model.window_size();
    let label = format!(
        "global {} across series: {}",
        match g.encoding {
            models::SeriesEncoding::OneHot => "one-hot",
            models::SeriesEncoding::Ordinal => "ordinal",
        },
        candidate.model.label()
    );
    // The series left out, by reason: one warning per reason, not one per series (a table
    // of new products would repeat the same line hundreds of times).
    let mut left_out: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    // Series whose values are complete enter; each with its refit ranges.
    let (complete, missing): (Vec<usize>, Vec<usize>) =
        (0..series.len()).partition(|i| series[*i].1.y.iter().all(|v| v.is_finite()));
    for i in missing {
        left_out
            .entry("a history with missing values".into())
            .or_default()
            .push(series[i].0);
    }
    // One fit per refit across the series, on the same columns: those whose backtest refits
    // as often as most series' do, on the columns most series have (on a tie, the more
    // refits: the longer histories), enter. A shorter history (a new product: fewer refits,
    // no yearly terms) is left out rather than keeping the model from every series.
    let names = |i: usize| -> Vec<String> {
        g.exog
            .map(|f| {
                let names = &series[i].1.exog.names;
                names.iter().filter(|n| f.keeps(n)).cloned().collect()
            })
            .unwrap_or_default()
    };
    let mut shapes = Vec::new();
    for i in complete {
        match refit_ranges(series[i].1.y.len(), window, cfg) {
            Ok(r) => shapes.push((i, r, names(i))),
            Err(e) => {
                // The error names the history's length: one line per length would be one per
                // series again, so the reason is fixed and each error goes to the debug log.
                tracing::debug!(
                    serie = series[i].0,
                    "left out of the global model: its backtest folds: {}",
                    crate::chain(&e)
                );
                left_out
                    .entry("backtest folds that fail on their history (train.cv)".into())
                    .or_default()
                    .push(series[i].0)
            }
        }
    }
    let mut counts: std::collections::BTreeMap<(usize, &[String]), usize> = Default::default();
    for (_, r, n) in &shapes {
        *counts.entry((r.len(), n.as_slice())).or_default() += 1;
    }
    let Some((expected, columns)) = counts
        .iter()
        .max_by_key(|((refits, _), n)| (**n, *refits))
        .map(|((refits, columns), _)| (*refits, columns.to_vec()))
    else {
        warn_left_out(&left_out);
        return Ok(vec![None; series.len()]);
    };
    let (mut taken, mut ranges) = (Vec::new(), Vec::new());
    for (i, r, n) in shapes {
        if r.len() == expected && n == columns {
            taken.push(i);
            ranges.push(r);
        } else {
            left_out
                .entry(format!(
                    "backtests that refit {} time(s) on {} column(s), most series' {expected} on \
                     {} (one fit per refit across the series, on the same columns)",
                    r.len(),
                    n.len(),
                    columns.len()
                ))
                .or_default()
                .push(series[i].0);
        }
    }
    warn_left_out(&left_out);
    if taken.len() < 2 {
        return Ok(vec![None; series.len()]);
    }
    let spec = g.spec();
    // The exog columns it takes (the same filter as its candidate's).
    let exogs: Vec<Option<models::Exog>> = taken
        .iter()
        .map(|i| g.exog.map(|f| f.apply(&series[*i].1.exog)))
        .collect();
    let signed: Vec<bool> = taken.iter().map(|i| series[*i].1.is_signed()).collect();
    let clip: Vec<bool> = signed.iter().map(|s| g.clip_negative && !s).collect();
    // One fit per refit and one on the whole histories (`None`), in parallel.
    let fits: Vec<Option<usize>> = (0..expected).map(Some).chain([None]).collect();
    let fitted: Vec<Vec<models::FittedModel>> = fits
        .par_iter()
        .map(|k| {
            let range = |j: usize| match k {
                Some(k) => ranges[j][*k].clone(),
                None => 0..series[taken[j]].1.y.len(),
            };
            // Each fit reads its rows of the series' exog in place (until stop 45 every fit
            // copied them: three copies of every series' columns at once in the stage).
            let inputs: Vec<models::SeriesInput<'_>> = (0..taken.len())
                .map(|j| models::SeriesInput {
                    y: &series[taken[j]].1.y[range(j)],
                    exog: exogs[j].as_ref(),
                    exog_from: range(j).start,
                    mask: Some(&series[taken[j]].1.fit_mask[range(j)]),
                })
                .collect();
            let global = spec.fit_series(&inputs)?;
            // A signed series sees the shared model without the floor at 0, as its own
            // candidates are (the global Ridge has no log1p to drop).
            (0..taken.len())
                .map(|j| global.local(j, inputs[j], clip[j], k.is_none()))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<_, models::ModelError>>()?;
    let (whole, by_refit) = fitted.split_last().expect("the whole-history fit at least");
    let mut out = vec![None; series.len()];
    for (j, i) in taken.iter().enumerate() {
        let mut candidate = candidate.clone();
        if signed[j] {
            candidate.model = candidate.model.for_signed_target();
        }
        out[*i] = Some(FittedCandidate {
            candidate,
            label: label.clone(),
            folds: ranges[j]
                .iter()
                .cloned()
                .zip(by_refit.iter().map(|f| f[j].clone()))
                .collect(),
            whole: whole[j].clone(),
        });
    }
    Ok(out)
}

/// Series named in full in a warning; more are counted, and listed at debug level.
const NAMED: usize = 5;

/// One warning per reason the global model left series out: how many, and the first names.
fn warn_left_out(left_out: &std::collections::BTreeMap<String, Vec<&str>>) {
    for (reason, names) in left_out {
        let shown = names[..names.len().min(NAMED)].join(", ");
        let more = match names.len().saturating_sub(NAMED) {
            0 => String::new(),
            k => format!(" and {k} more"),
        };
        tracing::warn!(
            series = names.len(),
            "the global model leaves {} series out ({shown}{more}): {reason}",
            names.len()
        );
        tracing::debug!(series = ?names, "left out of the global model: {reason}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// A series with a weekday pattern at its own level and scale, noise from a seeded LCG.
    fn data(level: f64, amp: f64, seed: u64, n: usize) -> TrainData {
        let start = NaiveDate::from_ymd_opt(2022, 1, 3).unwrap();
        let fechas: Vec<NaiveDate> = (0..n)
            .map(|t| start + chrono::Days::new(t as u64))
            .collect();
        let mut state = seed;
        let y: Vec<f64> = (0..n)
            .map(|t| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (state >> 11) as f64 / (1u64 << 53) as f64;
                level + amp * [0.0, 0.1, 0.2, 0.1, 0.5, 1.0, 0.8][t % 7] + 0.3 * amp * u
            })
            .collect();
        let weekday = |n: usize, from: usize| -> models::Exog {
            let cols = (0..7)
                .map(|d| {
                    (0..n)
                        .map(|t| f64::from(u8::from((from + t) % 7 == d)))
                        .collect()
                })
                .collect();
            models::Exog::new((0..7).map(|d| format!("dow_{d}")).collect(), cols).unwrap()
        };
        TrainData {
            future_dates: (n..n + 185)
                .map(|t| start + chrono::Days::new(t as u64))
                .collect(),
            fechas,
            model_y: y.clone(),
            fit_mask: vec![true; n],
            actuals: y.clone(),
            exog: weekday(n, 0),
            future_exog: weekday(185, n),
            y,
        }
    }

    /// Without trend or yearly columns (a history under a year), a candidate that differs from
    /// an earlier one only by dropping them is the same model and competes once.
    #[test]
    fn the_same_model_on_the_same_columns_competes_once() {
        let d = data(100.0, 40.0, 1, 700);
        let mut cfg = crate::AppConfig::shipped().unwrap().train;
        cfg.search.method = models::SearchMethod::None;
        let names: Vec<String> = cfg.candidates.iter().map(|c| c.nombre.clone()).collect();
        assert!(names.contains(&"ridge_calendario".to_string()));
        assert!(names.contains(&"ridge_calendario_sin_tendencia".to_string()));
        let t = crate::train(&d, &cfg, crate::TrainOptions::default(), &|_| {}).unwrap();
        let board: Vec<&str> = t
            .leaderboard
            .entries
            .iter()
            .map(|e| e.nombre.as_str())
            .collect();
        assert!(board.contains(&"ridge_calendario"), "{board:?}");
        assert!(
            !board.contains(&"ridge_calendario_sin_tendencia"),
            "{board:?}"
        );
        // The report's counts are of the candidates that competed.
        assert!(t.candidates_configured < cfg.candidates.len());
        let ensembles = board.iter().filter(|n| n.starts_with("ensemble_")).count();
        assert_eq!(t.candidates_ensembles(), ensembles);
    }

    /// The global model competes on each series' folds, and a combination holding it is the
    /// mean of its members' backtests, fold by fold: its global member is the global fit of
    /// that fold, the other refitted on it.
    #[test]
    fn an_ensemble_holding_the_global_model_averages_its_members_backtests() {
        let series = [data(100.0, 40.0, 1, 1100), data(300.0, 120.0, 2, 1100)];
        let mut cfg = crate::AppConfig::shipped().unwrap().train;
        cfg.search.method = models::SearchMethod::None;
        cfg.preferencia = None;
        cfg.ensemble = models::EnsembleConfig {
            top_k: vec![2],
            ..models::EnsembleConfig::default()
        };
        cfg.candidates = vec![
            models::Candidate {
                nombre: "naive".into(),
                model: models::ModelSpec::Naive,
                exog: models::ExogFilter::default(),
            },
            models::Candidate {
                nombre: "seasonal_naive_7".into(),
                model: models::ModelSpec::SeasonalNaive { period: 7 },
                exog: models::ExogFilter::default(),
            },
        ];
        cfg.global.enabled = true;
        let views: Vec<(&str, &TrainData)> = vec![("a", &series[0]), ("b", &series[1])];
        let fits = fit_across(&views, &cfg).unwrap();
        for (d, f) in series.iter().zip(&fits) {
            let g = f.as_ref().expect("both series taken");
            assert_eq!(g.folds.len(), 6, "one fit per refit");
            let t = crate::train(
                d,
                &cfg,
                crate::TrainOptions {
                    fitted: Some(g),
                    ..Default::default()
                },
                &|_| {},
            )
            .unwrap();
            let board = &t.leaderboard;
            assert_eq!(board.entries[0].nombre, "global_ridge", "{board:?}");
            let ens = board
                .entries
                .iter()
                .find(|e| e.nombre == "ensemble_top2")
                .expect("the top-2 combination");
            assert!(ens.error.is_none(), "{ens:?}");
            let (bg, bs, be) = (
                &t.backtests["global_ridge"],
                &t.backtests["seasonal_naive_7"],
                &t.backtests["ensemble_top2"],
            );
            assert_eq!(be.predictions.len(), bg.predictions.len());
            for ((e, a), b) in be
                .predictions
                .iter()
                .zip(&bg.predictions)
                .zip(&bs.predictions)
            {
                assert_eq!((e.fold, e.position), (a.fold, a.position));
                let mean = (a.pred + b.pred) / 2.0;
                assert!((e.pred - mean).abs() < 1e-9, "{} vs {mean}", e.pred);
            }
            assert_eq!(t.candidates_fitted_elsewhere, 1);
            assert_eq!(t.candidates_ensembles(), 1);
        }
        // A signed series sees the shared model without the floor at 0; the others keep it.
        let signed = data(-20.0, 40.0, 2, 1100);
        assert!(signed.is_signed() && !series[0].is_signed());
        let views: Vec<(&str, &TrainData)> = vec![("a", &series[0]), ("s", &signed)];
        let fits = fit_across(&views, &cfg).unwrap();
        let clips = |f: &Option<FittedCandidate>| {
            let f = f.as_ref().unwrap();
            let clip = |m: &models::ModelSpec| match m {
                models::ModelSpec::Recursive { clip_negative, .. } => *clip_negative,
                other => panic!("{other:?}"),
            };
            let folds: Vec<bool> = f.folds.iter().map(|(_, m)| clip(&m.spec)).collect();
            (clip(&f.candidate.model), clip(&f.whole.spec), folds)
        };
        assert!(cfg.global.clip_negative);
        assert_eq!(clips(&fits[0]), (true, true, vec![true; 6]));
        assert_eq!(clips(&fits[1]), (false, false, vec![false; 6]));
        // A series refitting less often (a shorter history) is left out; the others share
        // the model. Alone with one series, there is nothing to share.
        let short = data(50.0, 10.0, 3, 800);
        let views: Vec<(&str, &TrainData)> =
            vec![("a", &series[0]), ("c", &short), ("b", &series[1])];
        let fits = fit_across(&views, &cfg).unwrap();
        let shared: Vec<bool> = fits.iter().map(Option::is_some).collect();
        assert_eq!(shared, [true, false, true]);
        assert_eq!(fits[0].as_ref().unwrap().folds.len(), 6);
        let views: Vec<(&str, &TrainData)> = vec![("a", &series[0]), ("c", &short)];
        assert!(fit_across(&views, &cfg)
            .unwrap()
            .iter()
            .all(Option::is_none));
        // So is a series without a column the others have (a short history's missing yearly
        // terms): one model needs the same columns.
        let mut fewer = series[1].clone();
        fewer.exog.names.pop();
        fewer.exog.columns.pop();
        let views: Vec<(&str, &TrainData)> =
            vec![("a", &series[0]), ("f", &fewer), ("b", &series[1])];
        let shared: Vec<bool> = fit_across(&views, &cfg)
            .unwrap()
            .iter()
            .map(Option::is_some)
            .collect();
        assert_eq!(shared, [true, false, true]);
    }
}
