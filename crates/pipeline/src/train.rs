//! Phase 05 as a library call: the competition of candidates by backtest, the ensembles of
//! the best, the champion refitted on the whole history, and the champion artifact.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use crate::frames::{bools, dates, exog, f64s};
use crate::PipelineError;

/// The history and horizon phase 05 trains on, read from phase 04's layers.
#[derive(Debug, Clone)]
pub struct TrainData {
    /// Dates of the history.
    pub fechas: Vec<NaiveDate>,
    /// The model target with closed days and long gaps as NaN (never fitted, never scored).
    pub model_y: Vec<f64>,
    /// The model target with those days filled for the lags (same weekday of earlier weeks).
    pub y: Vec<f64>,
    /// Which targets are fitted (`model_y` finite).
    pub fit_mask: Vec<bool>,
    /// What the backtest scores against: the observed units, NaN on closed days.
    pub actuals: Vec<f64>,
    /// Every feature column of the history (empty with `train.exog: none`).
    pub exog: models::Exog,
    /// The same columns on the horizon's rows.
    pub future_exog: models::Exog,
    /// Dates of the horizon.
    pub future_dates: Vec<NaiveDate>,
}

impl TrainData {
    /// Whether the target takes negative values (the contract let them through as a signed
    /// series: temperatures, net flows): modelled without `log1p` or clipping at 0.
    pub fn is_signed(&self) -> bool {
        self.model_y.iter().any(|v| v.is_finite() && *v < 0.0)
    }

    /// Reads the training history (`04_processed/train`) and the horizon
    /// (`04_processed/future`): `target` is the model column (`train.target`), `selection`
    /// which feature columns are exog.
    pub fn from_layers(
        train: &DataFrame,
        future: &DataFrame,
        target: &str,
        selection: models::ExogSelection,
    ) -> Result<Self, PipelineError> {
        let fechas = dates(train, "train")?;
        let open = bools(train, "train", core_types::cols::ABIERTO)?;
        let mask = |v: Vec<f64>| -> Vec<f64> {
            v.into_iter()
                .zip(&open)
                .map(|(v, o)| if *o { v } else { f64::NAN })
                .collect()
        };
        let model_y = mask(f64s(train, "train", target)?);
        let fit_mask: Vec<bool> = model_y.iter().map(|v| v.is_finite()).collect();
        let y = models::fill_for_lags(&model_y, 7, 4);
        // Scored against what was observed: imputed days are not evidence.
        let actuals = mask(f64s(train, "train", core_types::cols::UNIDADES_VENDIDAS)?);
        let names: Vec<String> = match selection {
            models::ExogSelection::None => Vec::new(),
            models::ExogSelection::All => train
                .get_column_names()
                .iter()
                .map(|s| s.to_string())
                .filter(|n| !features::processed::NON_FEATURE_COLUMNS.contains(&n.as_str()))
                .collect(),
        };
        Ok(Self {
            exog: exog(train, "train", &names)?,
            future_exog: exog(future, "future", &names)?,
            future_dates: dates(future, "future")?,
            fechas,
            model_y,
            y,
            fit_mask,
            actuals,
        })
    }

    /// The history divided day by day by `index` (one positive value per history day): the
    /// model target, its filled copy and the actuals the backtest scores against, so that
    /// candidates compete on the adjusted series.
    pub fn divide_by(&mut self, index: &[f64]) {
        for v in [&mut self.model_y, &mut self.y, &mut self.actuals] {
            v.iter_mut().zip(index).for_each(|(x, k)| *x /= k);
        }
    }
}

/// What phase 05 was given besides the data.
#[derive(Debug, Clone, Default)]
pub struct TrainOptions<'a> {
    /// Seed of the random search and of seeded regressors (`run.seed`).
    pub seed: u64,
    /// The EDA's suggested lags, searched when `train.search.lags_auto` is set.
    pub suggested_lags: Option<&'a [usize]>,
    /// The calendar, feature settings and plan the layers were built with, recorded in the
    /// champion so that it builds its own future rows.
    pub context: Option<features::FeatureContext>,
    /// SHA-256 of the training layer, recorded in the champion (empty when unknown).
    pub training_data_sha256: String,
    /// A candidate fitted elsewhere (the global model of a many-series run), competing with
    /// this series' own; it joins the ensembles when it takes the calendar's columns.
    pub fitted: Option<&'a crate::global::FittedCandidate>,
}

/// What happened to one candidate, for progress displays.
pub type OnCandidate<'a> = &'a (dyn Fn(&models::Entry) + Sync);

/// Successive halving (`train.search.halving`): the searched candidates (those after the first
/// `configured`) are backtested on the last `h.folds` folds of `arena` only, and the `h.keep`
/// best of them stay, in their order, beside every configured candidate (one that fails the
/// first round is not promoted). The first round's folds are the whole backtest's last ones,
/// with the same training ranges, when every fold refits on all the history before it
/// (`refit: always`, `fixed_train_size: false`, as shipped); under other policies its ranges
/// would differ, so nothing is dropped (warned). Nothing is dropped either when there are no
/// more searched candidates than `keep`, the backtest has no more folds than the first round,
/// or the first round ranks none of them (logged).
fn halve(
    candidates: Vec<models::Candidate>,
    configured: usize,
    h: models::Halving,
    arena: models::Arena<'_>,
) -> Vec<models::Candidate> {
    let searched = candidates.len().saturating_sub(configured);
    if searched <= h.keep {
        tracing::debug!(
            searched,
            "train.search.halving: no more searched candidates than `keep`"
        );
        return candidates;
    }
    if !matches!(arena.cv.refit, models::Refit::Always) || arena.cv.fixed_train_size {
        tracing::warn!(
            "train.search.halving needs train.cv.refit: always with an expanding window (its \
             first round would train on other ranges than the backtest's last folds): every \
             searched candidate gets the whole backtest"
        );
        return candidates;
    }
    let folds = match models::folds(arena.y.len(), 0, arena.cv) {
        Ok(f) if f.len() > h.folds && h.folds > 0 => f,
        _ => {
            tracing::debug!("train.search.halving: no more folds than the first round's");
            return candidates;
        }
    };
    // The first round's origins are the whole backtest's last ones.
    let cheap = models::FoldConfig {
        initial_train_size: folds[folds.len() - h.folds].test.start,
        ..arena.cv.clone()
    };
    let first = models::Arena {
        cv: &cheap,
        ..arena
    };
    let ranked: Vec<String> = match models::compete(&candidates[configured..], first, &|_| {}) {
        Ok((lb, _)) => lb.ranked().take(h.keep).map(|e| e.nombre.clone()).collect(),
        Err(e) => {
            tracing::warn!("train.search.halving: the first round ranked no candidate ({e}); every searched candidate gets the whole backtest");
            return candidates;
        }
    };
    tracing::info!(
        searched,
        promoted = ranked.len(),
        folds = h.folds,
        "train.search.halving: the searched candidates' first round on the last folds"
    );
    candidates
        .into_iter()
        .enumerate()
        .filter(|(i, c)| *i < configured || ranked.contains(&c.nombre))
        .map(|(_, c)| c)
        .collect()
}

/// The outcome of phase 05.
#[derive(Debug, Clone)]
pub struct Trained {
    /// Every candidate in the competition (configured, searched, ensembles), ranked.
    pub leaderboard: models::Leaderboard,
    /// Every candidate's backtest predictions.
    pub backtests: BTreeMap<String, models::Backtest>,
    /// The champion, refitted on the whole history, ready to serve.
    pub champion: models::ModelArtifact,
    /// Every ranked candidate's forecast of the horizon, in leaderboard order.
    pub candidate_forecasts: Vec<(String, Vec<f64>)>,
    /// Candidates ranked above the champion and passed over, with why.
    pub passed_over: Vec<(String, String)>,
    /// Why the fallback serves (`train.respaldo`: the backtest reached too little of the
    /// horizon), when it does.
    pub fallback: Option<String>,
    /// Why the fallback was due but could not serve, when so.
    pub fallback_unserved: Option<String>,
    /// Candidates from the configuration.
    pub candidates_configured: usize,
    /// Candidates generated by the search.
    pub candidates_searched: usize,
    /// Candidates fitted elsewhere (the global model of a many-series run).
    pub candidates_fitted_elsewhere: usize,
    /// The folds' first training length.
    pub initial_train_size: usize,
    /// Steps of every fold.
    pub steps: usize,
}

/// Runs phase 05 on `data` with the settings `cfg` (`train:` in config); `on_candidate` is
/// called as each candidate's backtest ends (in any order).
pub fn train(
    data: &TrainData,
    cfg: &models::TrainConfig,
    opts: TrainOptions<'_>,
    on_candidate: OnCandidate<'_>,
) -> Result<Trained, PipelineError> {
    // A signed series (negative values are data: temperatures, net flows; the contract let
    // them through) is modelled without log1p and forecast without a floor at 0.
    let signed = data.is_signed();
    let signed_cfg;
    let cfg = if signed {
        tracing::info!(
            "the target takes negative values: a signed series, modelled without log1p or clipping at 0"
        );
        signed_cfg = cfg.for_signed_target();
        &signed_cfg
    } else {
        cfg
    };
    // An intermittent series (many zeros) also searches the raw scale.
    let search = cfg.search.adapted_to(&data.model_y);
    let searched = models::search_candidates(&search, opts.seed, opts.suggested_lags);
    let mut candidates = cfg.candidates.clone();
    if let Some(c) = searched
        .iter()
        .find(|c| candidates.iter().any(|x| x.nombre == c.nombre))
    {
        return Err(PipelineError::NameCollision {
            nombre: c.nombre.clone(),
        });
    }
    candidates.extend(searched);
    // The same model on the same columns competes once (a search's Fourier and trend filters
    // on a history without those columns: under a year, `features.ciclo_anual_min_dias`), so
    // that clones neither fill the search nor make an ensemble of one model.
    // The key: the model, its columns and which of them are held flat after training (a
    // `trend_flat` candidate keeps the same names as its plain twin but is another model).
    type Key = (models::ModelSpec, Vec<String>, Vec<bool>);
    let mut seen: Vec<Key> = Vec::new();
    let mut position = 0;
    let (mut n_configured, mut n_searched) = (0, 0);
    candidates.retain(|c| {
        let configured = position < cfg.candidates.len();
        position += 1;
        let (names, held) = c
            .exog_for(Some(&data.exog))
            .map(|e| {
                let held = (0..e.names.len()).map(|j| e.is_held(j)).collect();
                (e.names, held)
            })
            .unwrap_or_default();
        let key = (c.model.clone(), names, held);
        let fresh = !seen.contains(&key);
        if fresh {
            seen.push(key);
            if configured {
                n_configured += 1;
            } else {
                n_searched += 1;
            }
        } else {
            tracing::debug!(
                "candidate {} repeats an earlier one on these columns",
                c.nombre
            );
        }
        fresh
    });
    if let Some(g) = opts
        .fitted
        .filter(|g| candidates.iter().any(|c| c.nombre == g.candidate.nombre))
    {
        return Err(PipelineError::NameCollision {
            nombre: g.candidate.nombre.clone(),
        });
    }
    // Seeded regressors (random forests) that name no seed use run.seed.
    for c in candidates.iter_mut() {
        c.model = c.model.clone().with_default_seed(opts.seed);
    }
    let fold_cfg = cfg.cv.fold_config(data.y.len())?;
    let arena = models::Arena {
        y: &data.y,
        actuals: Some(&data.actuals),
        exog: Some(&data.exog),
        cv: &fold_cfg,
        metric: cfg.metric,
        fit_mask: Some(&data.fit_mask),
    };
    if let Some(h) = cfg.search.halving {
        candidates = halve(candidates, n_configured, h, arena);
        // The report counts the searched candidates that competed.
        n_searched = candidates.len() - n_configured;
    }
    let (mut leaderboard, mut backtests) = models::compete(&candidates, arena, on_candidate)?;
    // A constant history leaves scaled metrics undefined: the competition then ranked by MAE,
    // and every later round ranks the same way.
    if leaderboard.metric != cfg.metric {
        tracing::warn!(
            "no candidate has a finite {:?} (the history's naive error is 0): ranking by {:?}",
            cfg.metric,
            leaderboard.metric
        );
    }
    let arena = models::Arena {
        metric: leaderboard.metric,
        ..arena
    };
    // Models fitted elsewhere (the global model, ensembles holding it), by name: used as they
    // are in the selection, never refitted on this series.
    let mut fitted: BTreeMap<String, models::FittedModel> = BTreeMap::new();
    let mut pool = candidates.clone();
    // A candidate fitted elsewhere takes each refit's model from its fits, by training range.
    if let Some(g) = opts.fitted {
        let mut fit = |r: std::ops::Range<usize>| g.model_for(r);
        // Its models take exog only when fitted with some (a global Ridge on lags alone).
        let uses_exog = g.uses_exog();
        let own = models::Arena {
            exog: arena.exog.filter(|_| uses_exog),
            ..arena
        };
        let (mut lb, bts) = models::compete_fitted(&g.candidate, own, &mut fit);
        for e in lb.entries.iter_mut() {
            e.label.clone_from(&g.label);
            on_candidate(e);
        }
        models::merge(&mut leaderboard, &mut backtests, (lb, bts));
        fitted.insert(g.candidate.nombre.clone(), g.whole.clone());
        // An ensemble member passes its exog columns by its candidate's filter: only a global
        // model fitted with them can join.
        if uses_exog {
            pool.push(g.candidate.clone());
        }
    }
    // Forecast combinations of the best candidates compete on the same folds; those holding
    // the global model take its fits and fit their other members on each fold.
    let ensembles = models::ensemble_candidates(&leaderboard, &pool, &cfg.ensemble);
    let holds = |e: &models::Candidate| {
        opts.fitted.is_some_and(|g| match &e.model {
            models::ModelSpec::Ensemble { members, .. } => {
                members.iter().any(|m| m.nombre == g.candidate.nombre)
            }
            _ => false,
        })
    };
    let (elsewhere, local): (Vec<_>, Vec<_>) = ensembles.iter().cloned().partition(holds);
    if !local.is_empty() {
        let second = models::compete(&local, arena, on_candidate)?;
        models::merge(&mut leaderboard, &mut backtests, second);
    }
    if let Some(g) = opts.fitted.filter(|_| !elsewhere.is_empty()) {
        use rayon::prelude::*;
        let rounds: Vec<_> = elsewhere
            .par_iter()
            .map(|e| {
                let name = g.candidate.nombre.as_str();
                let whole = ensemble_with(e, (name, g.whole.clone()), data, 0..data.y.len());
                let mut fit = |r: std::ops::Range<usize>| match &whole {
                    Ok(_) => ensemble_with(e, (name, g.model_for(r.clone())?), data, r),
                    Err(err) => Err(models::ModelError::InvalidSpec(err.to_string())),
                };
                (models::compete_fitted(e, arena, &mut fit), whole.ok())
            })
            .collect();
        for ((mut lb, bts), whole) in rounds {
            for e in lb.entries.iter_mut() {
                on_candidate(e);
                if let Some(m) = &whole {
                    fitted.insert(e.nombre.clone(), m.clone());
                }
            }
            models::merge(&mut leaderboard, &mut backtests, (lb, bts));
        }
    }
    candidates.extend(ensembles);
    if let Some(g) = opts.fitted {
        candidates.push(g.candidate.clone());
    }
    if leaderboard.champion().is_none() {
        return Err(PipelineError::NoCandidate);
    }
    // The champion: the best-ranked candidate whose refit on the whole history has a complete
    // last window and forecasts the horizon without NaN; every candidate's horizon forecast
    // is kept beside it.
    let selected = models::select_champion(
        &candidates,
        &leaderboard,
        &backtests,
        models::Selection {
            y: &data.y,
            actuals: &data.actuals,
            fit_mask: &data.fit_mask,
            exog: Some(&data.exog),
            future_exog: Some(&data.future_exog),
            steps: data.future_dates.len(),
            prefer: cfg.preferencia.as_ref(),
            divergence: cfg.divergencia_max,
            fallback: cfg.respaldo.as_ref(),
            fold_days: Some(fold_cfg.steps + fold_cfg.gap),
            fitted: Some(&fitted),
        },
    )?;
    let models::Champion {
        entry,
        candidate,
        exog_names,
        model,
    } = selected.champion;
    let (Some(from), Some(until)) = (data.fechas.first(), data.fechas.last()) else {
        return Err(PipelineError::EmptyLayer { layer: "train" });
    };
    let spec = candidate.model.clone();
    let champion = models::ModelArtifact {
        schema_version: models::ARTIFACT_SCHEMA_VERSION,
        nombre: entry.nombre.clone(),
        window_size: spec.window_size(),
        spec,
        target: cfg.target.clone(),
        // Empty when the champion uses no exog (`Champion::exog_names`).
        feature_names: exog_names,
        trained_from: *from,
        trained_until: *until,
        training_data_sha256: opts.training_data_sha256,
        metrics: entry.metrics.clone(),
        model,
        context: opts.context,
        signed_target: signed,
    };
    Ok(Trained {
        leaderboard,
        backtests,
        champion,
        candidate_forecasts: selected.forecasts,
        passed_over: selected.passed_over,
        fallback: selected.fallback,
        fallback_unserved: selected.fallback_unserved,
        candidates_configured: n_configured,
        candidates_searched: n_searched,
        candidates_fitted_elsewhere: usize::from(opts.fitted.is_some()),
        initial_train_size: fold_cfg.initial_train_size,
        steps: fold_cfg.steps,
    })
}

/// Ensemble `e` fitted on the training range `r` of `data`: its member named `global` is
/// `fit` (fitted elsewhere on that range), every other member fitted on the range as the
/// ensemble would fit it.
fn ensemble_with(
    e: &models::Candidate,
    (global, fit): (&str, models::FittedModel),
    data: &TrainData,
    r: std::ops::Range<usize>,
) -> Result<models::FittedModel, models::ModelError> {
    let models::ModelSpec::Ensemble { members, .. } = &e.model else {
        return Err(models::ModelError::InvalidSpec(format!(
            "{} is not an ensemble",
            e.nombre
        )));
    };
    let exog = data.exog.slice(r.clone());
    let y = &data.y[r.clone()];
    let fits = members
        .iter()
        .map(|m| {
            if m.nombre == global {
                Ok(fit.clone())
            } else {
                let ex = m.exog_for(Some(&exog));
                m.model
                    .fit_masked(y, ex.as_ref(), Some(&data.fit_mask[r.clone()]))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    e.model.assemble_ensemble(y, fits)
}

/// One backtest prediction with its date and actual value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestRow {
    /// Date.
    pub fecha: NaiveDate,
    /// Fold.
    pub fold: usize,
    /// Observed value (null where none was observed).
    pub actual: Option<f64>,
    /// Prediction.
    pub pred: f64,
}

impl Trained {
    /// What the fallback rule did, when it was due: why the fallback serves, or why it could
    /// not.
    pub fn fallback_note(&self) -> Option<&str> {
        self.fallback
            .as_deref()
            .or(self.fallback_unserved.as_deref())
    }

    /// Candidates in the competition (configured, searched and ensembles).
    pub fn candidates_total(&self) -> usize {
        self.leaderboard.entries.len()
    }

    /// Forecast combinations in the competition.
    pub fn candidates_ensembles(&self) -> usize {
        self.candidates_total().saturating_sub(
            self.candidates_configured
                + self.candidates_searched
                + self.candidates_fitted_elsewhere,
        )
    }

    /// A candidate's backtest predictions with their dates and actuals.
    pub fn backtest_rows(&self, data: &TrainData, nombre: &str) -> Vec<BacktestRow> {
        self.backtests
            .get(nombre)
            .map(|b| {
                b.predictions
                    .iter()
                    .map(|p| BacktestRow {
                        fecha: data.fechas[p.position],
                        fold: p.fold,
                        actual: Some(data.actuals[p.position]).filter(|v| !v.is_nan()),
                        pred: p.pred,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Body of the phase 05 report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainBody {
    /// Observations of the target.
    pub rows: u64,
    /// First training length of the folds.
    pub initial_train_size: usize,
    /// Candidates from the configuration and from the search.
    pub candidates_configured: usize,
    /// Candidates generated by the search.
    pub candidates_searched: usize,
    /// Forecast combinations of the best candidates (`ensemble_top<k>`).
    pub candidates_ensembles: usize,
    /// Candidates in the competition (configured, searched and ensembles).
    pub candidates_total: usize,
    /// The leaderboard.
    pub leaderboard: models::Leaderboard,
    /// The champion.
    pub champion: String,
    /// The champion's backtest predictions.
    pub champion_backtest: Vec<BacktestRow>,
    /// Why the champion is the fallback (`train.respaldo`), when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respaldo: Option<String>,
    /// Figures written.
    pub figures: Vec<String>,
}

impl TrainBody {
    /// The report of `trained` on `data`, listing `figures`.
    pub fn new(trained: &Trained, data: &TrainData, figures: Vec<String>) -> Self {
        Self {
            rows: data.y.len() as u64,
            initial_train_size: trained.initial_train_size,
            candidates_configured: trained.candidates_configured,
            candidates_searched: trained.candidates_searched,
            candidates_ensembles: trained.candidates_ensembles(),
            candidates_total: trained.candidates_total(),
            champion: trained.champion.nombre.clone(),
            champion_backtest: trained.backtest_rows(data, &trained.champion.nombre),
            leaderboard: trained.leaderboard.clone(),
            respaldo: trained.fallback.clone(),
            figures,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The searched candidates' first round is the backtest's last folds: the configured
    /// candidates stay, and the searched ones kept are the best there (in their order). A
    /// series whose cycle changed (21 days, then 35 after day 300) ranks them differently on its
    /// first folds than on its last ones.
    #[test]
    fn halving_keeps_the_configured_and_the_best_searched_of_the_last_folds() {
        let y: Vec<f64> = (0..400)
            .map(|t| {
                let other = if t > 300 { t % 5 } else { t % 3 };
                100.0 + 10.0 * (t % 7) as f64 + 8.0 * other as f64
            })
            .collect();
        let cv = models::FoldConfig {
            steps: 30,
            initial_train_size: 250,
            refit: models::Refit::Always,
            fixed_train_size: false,
            gap: 0,
            skip_folds: None,
            allow_incomplete_fold: true,
            fold_stride: None,
        };
        let arena = models::Arena::new(&y, &cv, models::Metric::Mae);
        let cand = |nombre: String, model| models::Candidate {
            nombre,
            model,
            exog: models::ExogFilter::default(),
        };
        let season = |p: usize| {
            cand(
                format!("sn{p}"),
                models::ModelSpec::SeasonalNaive { period: p },
            )
        };
        let configured = [cand("naive".into(), models::ModelSpec::Naive), season(1)];
        let searched: Vec<models::Candidate> =
            [3, 5, 7, 14, 21, 35, 42].into_iter().map(season).collect();
        let all: Vec<models::Candidate> = configured.iter().chain(&searched).cloned().collect();
        let names = |c: &[models::Candidate]| -> Vec<String> {
            c.iter().map(|c| c.nombre.clone()).collect()
        };
        let h = models::Halving { folds: 2, keep: 3 };
        let kept = halve(all.clone(), 2, h, arena);
        assert_eq!(names(&kept[..2]), ["naive", "sn1"]);
        assert_eq!(kept.len(), 5);
        // The three best of the searched on the last two of the five folds (origins 340, 370),
        // in the search's order.
        let last = models::FoldConfig {
            initial_train_size: 340,
            ..cv.clone()
        };
        let (lb, _) = models::compete(
            &searched,
            models::Arena::new(&y, &last, models::Metric::Mae),
            &|_| {},
        )
        .unwrap();
        let best: Vec<String> = lb.ranked().take(3).map(|e| e.nombre.clone()).collect();
        let expected: Vec<String> = names(&searched)
            .into_iter()
            .filter(|n| best.contains(n))
            .collect();
        assert_eq!(names(&kept[2..]), expected);
        assert!(expected.contains(&"sn35".to_string()), "{best:?}");
        // The first folds would have chosen otherwise.
        let early = models::Arena::new(&y[..340], &cv, models::Metric::Mae);
        let (lb, _) = models::compete(&searched, early, &|_| {}).unwrap();
        let early_best: Vec<String> = lb.ranked().take(3).map(|e| e.nombre.clone()).collect();
        assert_ne!(
            early_best.iter().collect::<std::collections::BTreeSet<_>>(),
            best.iter().collect::<std::collections::BTreeSet<_>>()
        );
        // Nothing to drop: as many searched as kept, or no fold to spare.
        let h = models::Halving { folds: 2, keep: 7 };
        assert_eq!(names(&halve(all.clone(), 2, h, arena)), names(&all));
        let h = models::Halving { folds: 5, keep: 3 };
        assert_eq!(names(&halve(all.clone(), 2, h, arena)), names(&all));
        // Folds that do not refit on the whole history before them: nothing dropped.
        let h = models::Halving { folds: 2, keep: 3 };
        for other in [
            models::FoldConfig {
                fixed_train_size: true,
                ..cv.clone()
            },
            models::FoldConfig {
                refit: models::Refit::Never,
                ..cv.clone()
            },
        ] {
            let arena = models::Arena::new(&y, &other, models::Metric::Mae);
            assert_eq!(names(&halve(all.clone(), 2, h, arena)), names(&all));
        }
    }
}
