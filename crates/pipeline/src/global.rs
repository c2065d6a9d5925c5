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
/// global model cannot take (its history has a value missing even after the lag filling), or
/// for all when fewer than two series can. Every series must have the same number of refits.
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
    // Series whose values are complete enter; each with its refit ranges.
    let taken: Vec<usize> = (0..series.len())
        .filter(|i| series[*i].1.y.iter().all(|v| v.is_finite()))
        .collect();
    for i in (0..series.len()).filter(|i| !taken.contains(i)) {
        tracing::warn!(
            serie = series[i].0,
            "the global model leaves this series out: its history has missing values"
        );
    }
    if taken.len() < 2 {
        return Ok(vec![None; series.len()]);
    }
    let ranges: Vec<Vec<Range<usize>>> = taken
        .iter()
        .map(|i| refit_ranges(series[*i].1.y.len(), window, cfg))
        .collect::<Result<_, _>>()?;
    let expected = ranges[0].len();
    if let Some(k) = ranges.iter().position(|r| r.len() != expected) {
        return Err(PipelineError::GlobalRefits {
            serie: series[taken[k]].0.to_string(),
            refits: ranges[k].len(),
            first: series[taken[0]].0.to_string(),
            expected,
        });
    }
    let spec = g.spec();
    // The exog columns it takes (the same filter as its candidate's).
    let exogs: Vec<Option<models::Exog>> = taken
        .iter()
        .map(|i| g.exog.map(|f| f.apply(&series[*i].1.exog)))
        .collect();
    // One fit per refit and one on the whole histories (`None`), in parallel.
    let fits: Vec<Option<usize>> = (0..expected).map(Some).chain([None]).collect();
    let fitted: Vec<Vec<models::FittedModel>> = fits
        .par_iter()
        .map(|k| {
            let range = |j: usize| match k {
                Some(k) => ranges[j][*k].clone(),
                None => 0..series[taken[j]].1.y.len(),
            };
            let exog: Vec<Option<models::Exog>> = (0..taken.len())
                .map(|j| match k {
                    Some(_) => exogs[j].as_ref().map(|e| e.slice(range(j))),
                    None => exogs[j].clone(),
                })
                .collect();
            let inputs: Vec<models::SeriesInput<'_>> = (0..taken.len())
                .map(|j| models::SeriesInput {
                    y: &series[taken[j]].1.y[range(j)],
                    exog: exog[j].as_ref(),
                    mask: Some(&series[taken[j]].1.fit_mask[range(j)]),
                })
                .collect();
            let global = spec.fit_series(&inputs)?;
            (0..taken.len())
                .map(|j| global.local(j, inputs[j], g.clip_negative, k.is_none()))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<_, models::ModelError>>()?;
    let (whole, by_refit) = fitted.split_last().expect("the whole-history fit at least");
    let mut out = vec![None; series.len()];
    for (j, i) in taken.iter().enumerate() {
        out[*i] = Some(FittedCandidate {
            candidate: candidate.clone(),
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
