//! From a leaderboard to a champion: forecast combinations of the best candidates that compete
//! like any other ([`ensemble_candidates`]), and the champion's selection and refit on the
//! whole history, with every candidate's forecast of the horizon ([`select_champion`]).

use std::collections::BTreeMap;

use crate::backtest::Backtest;
use crate::compete::{
    rank_entries, Candidate, EnsembleConfig, Entry, Fallback, Leaderboard, Preference,
};
use crate::matrix::{Exog, ExogFilter};
use crate::spec::{Family, FittedModel, ModelSpec};
use crate::ModelError;

/// The suffix of a top-k combination with the best of each missing family added.
const DIVERSE_SUFFIX: &str = "_diverso";

/// The ensemble candidates of `cfg` over `leaderboard`'s best rows with a finite metric
/// (named `ensemble_top<k>`, and `ensemble_top<k>_diverso` with the best of each missing
/// family added when `cfg.diverse`); a size larger than the rows available is skipped.
pub fn ensemble_candidates(
    leaderboard: &Leaderboard,
    candidates: &[Candidate],
    cfg: &EnsembleConfig,
) -> Vec<Candidate> {
    let ranked: Vec<&Candidate> = leaderboard
        .ranked()
        .filter_map(|e| candidates.iter().find(|c| c.nombre == e.nombre))
        .filter(|c| !matches!(c.model, ModelSpec::Ensemble { .. }))
        .filter(|c| cfg.baselines || c.model.family() != Family::Baseline)
        .collect();
    let mut sizes = cfg.top_k.clone();
    sizes.sort_unstable();
    sizes.dedup();
    let ensemble = |nombre: String, members: Vec<Candidate>| Candidate {
        nombre,
        model: ModelSpec::Ensemble {
            members,
            combine: cfg.combine,
        },
        exog: ExogFilter::default(),
    };
    let mut out = Vec::new();
    for k in sizes.into_iter().filter(|k| *k >= 2 && *k <= ranked.len()) {
        let top: Vec<Candidate> = ranked[..k].iter().map(|c| (*c).clone()).collect();
        let mut diverse = top.clone();
        if cfg.diverse {
            for fam in [Family::Regression, Family::Statistical, Family::Boosting] {
                if diverse.iter().all(|m| m.model.family() != fam) {
                    if let Some(best) = ranked[k..].iter().find(|c| c.model.family() == fam) {
                        diverse.push((*best).clone());
                    }
                }
            }
            let relevelled = |c: &Candidate| {
                matches!(
                    c.model,
                    ModelSpec::Recursive {
                        local_level: Some(_),
                        ..
                    }
                )
            };
            if cfg.diverse_level && !diverse.iter().any(relevelled) {
                if let Some(best) = ranked[k..].iter().find(|c| relevelled(c)) {
                    diverse.push((*best).clone());
                }
            }
        }
        let more = diverse.len() > k;
        out.push(ensemble(format!("ensemble_top{k}"), top));
        if more {
            out.push(ensemble(
                format!("ensemble_top{k}{DIVERSE_SUFFIX}"),
                diverse,
            ));
        }
    }
    out
}

/// Adds a second round's rows and backtests to the first's and re-ranks.
pub fn merge(
    leaderboard: &mut Leaderboard,
    backtests: &mut BTreeMap<String, Backtest>,
    more: (Leaderboard, BTreeMap<String, Backtest>),
) {
    leaderboard.entries.extend(more.0.entries);
    backtests.extend(more.1);
    rank_entries(&mut leaderboard.entries, leaderboard.metric);
}

/// Largest widening [`selection_optimism`] reports.
pub const MAX_SELECTION_OPTIMISM: f64 = 2.0;

/// The optimism of choosing a model by its backtest, measured on the backtest itself: for
/// each fold after the first, the candidate with the lowest mean MAE over the earlier folds is
/// chosen, and its MAE on that fold is compared with its mean over the earlier ones (the
/// forecast after the last fold is the same choice one step later). The ratio of the summed
/// MAEs, between 1 and [`MAX_SELECTION_OPTIMISM`]; `None` with fewer than two folds. It
/// measures both the winner's luck and how much harder a later period is than the earlier
/// ones — why a champion's backtest residuals give intervals that are too narrow.
pub fn selection_optimism(backtests: &BTreeMap<String, Backtest>, actuals: &[f64]) -> Option<f64> {
    // Per candidate: fold id -> MAE over the fold's scored predictions.
    let per_fold: Vec<BTreeMap<usize, f64>> = backtests
        .values()
        .map(|bt| {
            let mut acc: BTreeMap<usize, (f64, usize)> = BTreeMap::new();
            for p in &bt.predictions {
                let a = actuals.get(p.position).copied().unwrap_or(f64::NAN);
                if a.is_finite() && p.pred.is_finite() {
                    let e = acc.entry(p.fold).or_insert((0.0, 0));
                    e.0 += (a - p.pred).abs();
                    e.1 += 1;
                }
            }
            acc.into_iter()
                .map(|(f, (s, n))| (f, s / n as f64))
                .collect()
        })
        .collect();
    let folds: Vec<usize> = per_fold
        .iter()
        .max_by_key(|m| m.len())?
        .keys()
        .copied()
        .collect();
    if folds.len() < 2 {
        return None;
    }
    let (mut next, mut before) = (0.0, 0.0);
    for k in 1..folds.len() {
        let earlier = &folds[..k];
        let best = per_fold
            .iter()
            .filter_map(|m| {
                let prior: Option<Vec<f64>> = earlier.iter().map(|f| m.get(f).copied()).collect();
                let prior = prior?;
                let mean = prior.iter().sum::<f64>() / prior.len() as f64;
                let here = m.get(&folds[k]).copied()?;
                mean.is_finite().then_some((mean, here))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))?;
        before += best.0;
        next += best.1;
    }
    (before > 0.0).then(|| (next / before).clamp(1.0, MAX_SELECTION_OPTIMISM))
}

/// What the champion's selection needs: the training series, the fit mask and the exog of the
/// history and of the horizon (same columns).
#[derive(Debug, Clone, Copy)]
pub struct Selection<'a> {
    /// Model-ready series (closed days filled for the lags).
    pub y: &'a [f64],
    /// Observed values the backtest predictions were scored against.
    pub actuals: &'a [f64],
    /// Targets that are fitted.
    pub fit_mask: &'a [bool],
    /// Every exog column of the history (`None`: no exog).
    pub exog: Option<&'a Exog>,
    /// The same columns over the horizon.
    pub future_exog: Option<&'a Exog>,
    /// Days forecast.
    pub steps: usize,
    /// The preferred champion (`train.preferencia`), if any.
    pub prefer: Option<&'a Preference>,
    /// A forecast beyond this many times the largest observed value (absolute) has diverged
    /// and is passed over (`train.divergencia_max`; `None`: no check).
    pub divergence: Option<f64>,
    /// The champion when the backtest reached too little of the horizon
    /// (`train.respaldo`), if any.
    pub fallback: Option<&'a Fallback>,
    /// Days ahead each backtest fold forecasts (`train.cv.steps` plus its gap; `None`: the
    /// horizon). The fallback compares the backtest's reach with the shorter of this and the
    /// horizon, so folds shorter than the horizon by choice do not call it.
    pub fold_days: Option<usize>,
    /// Candidates fitted elsewhere (a global model seen from this series), by name: their
    /// model on the whole history, used as it is instead of a refit.
    pub fitted: Option<&'a BTreeMap<String, FittedModel>>,
}

/// The chosen model, refitted on the whole history.
#[derive(Debug, Clone)]
pub struct Champion {
    /// Its leaderboard row.
    pub entry: Entry,
    /// Its candidate.
    pub candidate: Candidate,
    /// The exog columns it was fitted with (empty when it uses none).
    pub exog_names: Vec<String>,
    /// The fitted model, with its backtest errors as out-of-sample residuals.
    pub model: FittedModel,
}

/// The outcome of [`select_champion`].
#[derive(Debug, Clone)]
pub struct Selected {
    /// The champion.
    pub champion: Champion,
    /// Every ranked candidate's forecast of the horizon (refitted on the whole history), in
    /// leaderboard order; candidates that cannot be refitted, forecast NaN or diverge are left
    /// out.
    pub forecasts: Vec<(String, Vec<f64>)>,
    /// Candidates ranked above the champion and passed over, with why.
    pub passed_over: Vec<(String, String)>,
    /// Why the fallback serves (`train.respaldo`), when the backtest reached too little of
    /// the horizon and the fallback could forecast it.
    pub fallback: Option<String>,
    /// Why the fallback was due but does not serve (not on the leaderboard, or its refit
    /// failed): the ranking chose from a backtest too short to choose by.
    pub fallback_unserved: Option<String>,
}

/// A refit: the model, its exog columns and its horizon forecast, or why not.
type RefitOutcome = Result<(FittedModel, Vec<String>, Vec<f64>), String>;

/// Refits every candidate with a finite backtest metric on the whole history (in parallel;
/// the result does not depend on the thread count) and forecasts the horizon; the champion is
/// the best-ranked one whose last window is complete and whose forecast is finite and within
/// the divergence bound ([`Selection::divergence`]). Its
/// backtest errors are kept for out-of-sample intervals.
pub fn select_champion(
    candidates: &[Candidate],
    leaderboard: &Leaderboard,
    backtests: &BTreeMap<String, Backtest>,
    data: Selection<'_>,
) -> Result<Selected, ModelError> {
    use rayon::prelude::*;
    // The bound a forecast must stay within: a multiple of the largest observed value.
    let observed = data
        .actuals
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let bound = data
        .divergence
        .filter(|_| observed > 0.0)
        .map(|k| (k, k * observed));
    let mut ranked: Vec<(&Entry, &Candidate)> = leaderboard
        .ranked()
        .filter_map(|e| {
            candidates
                .iter()
                .find(|c| c.nombre == e.nombre)
                .map(|c| (e, c))
        })
        .collect();
    // The preferred candidate goes first unless the best one beats it by the margin.
    let mut preferred_over = None;
    if let Some(pref) = data.prefer {
        let metric = |e: &Entry| e.metrics.get(&leaderboard.metric).copied();
        // When the top k already holds a model of every family, no `_diverso` copy is built:
        // `ensemble_top<k>` is then the diverse combination and stands in for it.
        let stand_in = pref
            .candidato
            .strip_suffix(DIVERSE_SUFFIX)
            .filter(|k| k.starts_with("ensemble_top"));
        let position = |name: &str| ranked.iter().position(|(e, _)| e.nombre == name);
        let found = position(&pref.candidato).or_else(|| stand_in.and_then(position));
        if let Some(i) = found {
            let (best, mine) = (metric(ranked[0].0), metric(ranked[i].0));
            if let (Some(best), Some(mine)) = (best, mine) {
                if i > 0 && best >= (1.0 - pref.margen) * mine {
                    let p = ranked.remove(i);
                    ranked.insert(0, p);
                    preferred_over = Some(format!(
                        "train.preferencia: {} is preferred unless a backtest is more than {:.0} % better ({} {:.4} vs {:.4})",
                        ranked[0].0.nombre,
                        100.0 * pref.margen,
                        format!("{:?}", leaderboard.metric).to_lowercase(),
                        best,
                        mine
                    ));
                }
            }
        }
    }
    // A backtest that reached too little of the horizon cannot choose: the fallback is due,
    // and goes first whatever the ranking and the preference.
    let due = data.fallback.and_then(|fb| {
        let known = |p: usize| data.actuals.get(p).is_some_and(|v| v.is_finite());
        let reach = backtests
            .values()
            .filter_map(|b| b.reach(known))
            .max()
            .unwrap_or(0);
        // Days the folds could reach at most: a fold cut short by the history, not a short
        // `cv.steps` by choice, is what leaves too little evidence.
        let days = data.steps.min(data.fold_days.unwrap_or(data.steps));
        ((reach as f64) < fb.alcance_min * days as f64).then(|| {
            format!(
                "train.respaldo: the backtest reached {reach} days ahead, under {:.0} % of the {days}-day forecast: too little to choose a model by",
                100.0 * fb.alcance_min
            )
        })
    });
    let mut fallback = None;
    if let (Some(why), Some(fb)) = (&due, data.fallback) {
        if let Some(i) = ranked.iter().position(|(e, _)| e.nombre == fb.candidato) {
            let p = ranked.remove(i);
            ranked.insert(0, p);
            fallback = Some(format!("{why}, so {} serves", fb.candidato));
        }
    }
    let refits: Vec<RefitOutcome> = ranked
        .par_iter()
        .map(|(_, c)| {
            let elsewhere = data.fitted.and_then(|f| f.get(&c.nombre));
            // A model fitted elsewhere takes exog only when it was fitted with some.
            let exog = match elsewhere.and_then(|m| m.state.as_ref()) {
                Some(st) if st.exog_names.is_empty() => None,
                _ => c.exog_for(data.exog),
            };
            let fitted = match elsewhere {
                Some(m) => m.clone(),
                None => c
                    .model
                    .fit_masked(data.y, exog.as_ref(), Some(data.fit_mask))
                    .map_err(|e| format!("cannot be refitted: {e}"))?,
            };
            if !fitted.last_window.iter().all(|v| v.is_finite()) {
                return Err("its last window has missing values".to_string());
            }
            let future = match (&exog, data.future_exog) {
                (Some(_), Some(f)) => Some(c.exog.apply(f)),
                (Some(_), None) => {
                    return Err("no future exog for a model that uses exog".to_string())
                }
                _ => None,
            };
            let forecast = fitted
                .predict(data.steps, None, future.as_ref())
                .map_err(|e| format!("cannot forecast: {e}"))?;
            if forecast.iter().any(|v| !v.is_finite()) {
                return Err("forecasts NaN".to_string());
            }
            if let Some((k, b)) = bound {
                let peak = |f: &[f64]| f.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                let p = peak(&forecast);
                if p > b {
                    return Err(format!(
                        "diverges: its forecast reaches {p:.4e}, more than {k} times the largest value observed ({observed}) (train.divergencia_max)"
                    ));
                }
                // A combination can stay within the bound while a member blew up (a mean
                // diluted by the others; a median too, until a second member follows): a
                // member beyond the bound passes its combination over.
                if let ModelSpec::Ensemble { members: specs, .. } = &c.model {
                    let members = fitted
                        .member_forecasts(data.steps, None, future.as_ref())
                        .map_err(|e| format!("cannot forecast: {e}"))?;
                    for (m, f) in specs.iter().zip(&members) {
                        let p = peak(f);
                        if p > b {
                            return Err(format!(
                                "diverges: its member {} forecasts {p:.4e}, more than {k} times the largest value observed ({observed}) (train.divergencia_max)",
                                m.nombre
                            ));
                        }
                    }
                }
            }
            let names = exog.map(|e| e.names).unwrap_or_default();
            Ok((fitted, names, forecast))
        })
        .collect();
    let mut forecasts = Vec::new();
    let mut passed_over = Vec::new();
    let mut champion = None;
    for ((entry, cand), r) in ranked.iter().zip(refits) {
        match r {
            Ok((model, names, forecast)) => {
                forecasts.push((cand.nombre.clone(), forecast));
                if champion.is_none() {
                    champion = Some(Champion {
                        entry: (*entry).clone(),
                        candidate: (*cand).clone(),
                        exog_names: names,
                        model,
                    });
                }
            }
            Err(why) if champion.is_none() => passed_over.push((cand.nombre.clone(), why)),
            Err(_) => {}
        }
    }
    // The fallback's reason holds when it serves; otherwise (it was not backtested, or could
    // not forecast) the ranking and the preference chose, and the note says why.
    let serves =
        champion.as_ref().map(|c| &c.candidate.nombre) == data.fallback.map(|f| &f.candidato);
    let fallback = fallback.filter(|_| serves);
    let fallback_unserved = match (due, data.fallback) {
        (Some(why), Some(fb)) if !serves => {
            let reason = passed_over
                .iter()
                .find(|(n, _)| *n == fb.candidato)
                .map_or("it has no backtest score", |(_, r)| r.as_str());
            Some(format!(
                "{why}, but {} cannot serve ({reason}): the ranking chose",
                fb.candidato
            ))
        }
        _ => None,
    };
    if let (Some(why), Some(ch)) = (fallback.clone().or(preferred_over), champion.as_ref()) {
        // The candidates ranked above the preferred one, passed over by the preference.
        let above: Vec<(String, String)> = leaderboard
            .ranked()
            .take_while(|e| e.nombre != ch.entry.nombre)
            .filter(|e| !passed_over.iter().any(|(n, _)| *n == e.nombre))
            .map(|e| (e.nombre.clone(), why.clone()))
            .collect();
        passed_over.splice(0..0, above);
    }
    let mut champion = champion.ok_or_else(|| {
        ModelError::Numerical("no candidate gives a finite forecast of the horizon".into())
    })?;
    if let Some(bt) = backtests.get(&champion.candidate.nombre) {
        let t: Vec<f64> = bt
            .predictions
            .iter()
            .map(|pr| data.actuals[pr.position])
            .collect();
        let p: Vec<f64> = bt.predictions.iter().map(|pr| pr.pred).collect();
        let f: Vec<usize> = bt.predictions.iter().map(|pr| pr.fold).collect();
        champion
            .model
            .set_out_sample_residuals_by_fold(&t, &p, Some(&f))?;
        // The winner's curse of choosing by backtest; a preferred or fallback champion was not
        // chosen so.
        let preferred = data
            .prefer
            .is_some_and(|p| p.candidato == champion.candidate.nombre)
            || fallback.is_some();
        let optimism = if preferred {
            None
        } else {
            selection_optimism(backtests, data.actuals)
        };
        let reach = bt.reach(|t| data.actuals[t].is_finite());
        if let Some(out) = champion.model.out_sample_mut() {
            out.selection_optimism = optimism;
            out.reach = reach;
        }
    }
    Ok(Selected {
        champion,
        forecasts,
        passed_over,
        fallback,
        fallback_unserved,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::FoldConfig;
    use crate::compete::{compete, Arena};
    use crate::matrix::Autoregressive;
    use crate::metrics::Metric;
    use crate::spec::Combine;
    use crate::spec::{Regressor, Transform};

    /// A selection on `y` (its own actuals, every target fitted) without exog, preference
    /// or divergence bound.
    fn selection<'a>(y: &'a [f64], mask: &'a [bool], steps: usize) -> Selection<'a> {
        Selection {
            y,
            actuals: y,
            fit_mask: mask,
            exog: None,
            future_exog: None,
            steps,
            prefer: None,
            divergence: None,
            fallback: None,
            fold_days: None,
            fitted: None,
        }
    }

    fn backtest(fold_errors: &[f64]) -> Backtest {
        // One prediction per fold at position = fold, actual 0: the fold's MAE is its error.
        Backtest {
            predictions: fold_errors
                .iter()
                .enumerate()
                .map(|(k, e)| crate::backtest::Prediction {
                    fold: k,
                    position: k,
                    pred: *e,
                })
                .collect(),
            metrics: BTreeMap::new(),
            folds: fold_errors.len(),
            gap: 0,
            first_model: None,
        }
    }

    #[test]
    fn reach_counts_days_from_each_fold_origin_to_its_last_residual() {
        let p = |fold, position| crate::backtest::Prediction {
            fold,
            position,
            pred: 1.0,
        };
        // Fold 0 predicts positions 10..=14, fold 1 positions 12..=18 (18 unobserved).
        let mut bt = backtest(&[]);
        bt.predictions = (10..15)
            .map(|t| p(0, t))
            .chain((12..19).map(|t| p(1, t)))
            .collect();
        assert_eq!(bt.reach(|t| t != 18), Some(6));
        assert_eq!(bt.reach(|_| false), None);
        // A gap of 2 days before each fold's first scored day: errors 8 days out.
        bt.gap = 2;
        assert_eq!(bt.reach(|t| t != 18), Some(8));
        // A prediction that left no residual does not count.
        bt.predictions[10].pred = f64::NAN;
        assert_eq!(bt.reach(|t| t != 18), Some(7));
    }

    #[test]
    fn a_diverse_ensemble_adds_the_best_of_each_missing_family() {
        let spec = |i: usize| match i {
            0..=2 => ModelSpec::Recursive {
                regressor: Regressor::Ridge { alpha: 1.0 },
                autoregressive: Autoregressive {
                    lags: vec![7],
                    windows: vec![],
                },
                transform: Transform::None,
                clip_negative: false,
                differentiation: 0,
                local_level: None,
            },
            3 => ModelSpec::SeasonalNaive { period: 7 },
            _ => ModelSpec::Mstl {
                periods: vec![7],
                transform: Transform::None,
                trend: crate::mstl::EtsTrend::Auto,
                clip_negative: false,
                steps: 10,
            },
        };
        // Ranked r0 < r1 < r2 < naive < mstl4 < mstl5 (by MAE).
        let cands: Vec<Candidate> = (0..6)
            .map(|i| Candidate {
                nombre: format!("c{i}"),
                model: spec(i),
                exog: ExogFilter::default(),
            })
            .collect();
        let lb = Leaderboard {
            metric: Metric::Mae,
            entries: cands
                .iter()
                .enumerate()
                .map(|(i, c)| Entry {
                    nombre: c.nombre.clone(),
                    label: c.model.label(),
                    metrics: [(Metric::Mae, i as f64)].into_iter().collect(),
                    folds: 1,
                    error: None,
                })
                .collect(),
        };
        let cfg = EnsembleConfig {
            top_k: vec![2, 5],
            combine: Combine::Mean,
            diverse: true,
            diverse_level: false,
            baselines: true,
        };
        // The ensembles' names, and the members of the second one.
        let made = |cands: &[Candidate], cfg: &EnsembleConfig| -> (Vec<String>, Vec<String>) {
            let ens = ensemble_candidates(&lb, cands, cfg);
            let ModelSpec::Ensemble { members, .. } = &ens[1].model else {
                panic!("an ensemble")
            };
            (
                ens.iter().map(|c| c.nombre.clone()).collect(),
                members.iter().map(|c| c.nombre.clone()).collect(),
            )
        };
        let (names, m) = made(&cands, &cfg);
        // The top 5 already holds both families: no diverse copy of it.
        assert_eq!(
            names,
            ["ensemble_top2", "ensemble_top2_diverso", "ensemble_top5"]
        );
        // The best statistical model joins; the baseline never does.
        assert_eq!(m, ["c0", "c1", "c4"]);
        assert_eq!(spec(3).family(), Family::Baseline);
        // With `diverse_level`, the best re-levelled regression joins a combination that
        // has none (c2 here); the top 5 holds it already.
        let mut levelled = cands.clone();
        if let ModelSpec::Recursive { local_level, .. } = &mut levelled[2].model {
            *local_level = Some(56);
        }
        let cfg = EnsembleConfig {
            diverse_level: true,
            ..cfg
        };
        let (names, m) = made(&levelled, &cfg);
        assert_eq!(
            names,
            ["ensemble_top2", "ensemble_top2_diverso", "ensemble_top5"]
        );
        assert_eq!(m, ["c0", "c1", "c4", "c2"]);
        // With `baselines: false` the naive (4th best) is never a member: the top 5 are the
        // five best others.
        let cfg = EnsembleConfig {
            baselines: false,
            diverse_level: false,
            ..cfg
        };
        let ens = ensemble_candidates(&lb, &cands, &cfg);
        let top5 = ens.iter().find(|c| c.nombre == "ensemble_top5").unwrap();
        let ModelSpec::Ensemble { members, .. } = &top5.model else {
            panic!("an ensemble")
        };
        let m: Vec<&str> = members.iter().map(|c| c.nombre.as_str()).collect();
        assert_eq!(m, ["c0", "c1", "c2", "c4", "c5"]);
    }

    #[test]
    fn selection_optimism_compares_the_earlier_winner_with_its_next_fold() {
        let actuals = [0.0; 3];
        let mut bts = BTreeMap::new();
        // Fold 0 picks `a` (1 < 2), which does 3 on fold 1; folds 0-1 tie at a mean of 2 and
        // the first, `a`, does 4 on fold 2: (3 + 4) / (1 + 2) = 2.33, capped at 2.
        bts.insert("a".to_string(), backtest(&[1.0, 3.0, 4.0]));
        bts.insert("b".to_string(), backtest(&[2.0, 2.0, 2.0]));
        let o = selection_optimism(&bts, &actuals).unwrap();
        assert_eq!(o, MAX_SELECTION_OPTIMISM);
        let mut calm = BTreeMap::new();
        calm.insert("a".to_string(), backtest(&[2.0, 2.2, 2.0]));
        calm.insert("b".to_string(), backtest(&[3.0, 3.0, 3.0]));
        let o = selection_optimism(&calm, &actuals).unwrap();
        assert!((o - (2.2 + 2.0) / (2.0 + 2.1)).abs() < 1e-12, "{o}");
        // Never below 1, and nothing to say with one fold.
        let mut better = BTreeMap::new();
        better.insert("a".to_string(), backtest(&[2.0, 1.0]));
        assert_eq!(selection_optimism(&better, &actuals), Some(1.0));
        let mut one = BTreeMap::new();
        one.insert("a".to_string(), backtest(&[2.0]));
        assert_eq!(selection_optimism(&one, &actuals), None);
    }

    fn ridge(lags: Vec<usize>) -> ModelSpec {
        ModelSpec::Recursive {
            regressor: Regressor::Ridge { alpha: 1.0 },
            autoregressive: Autoregressive {
                lags,
                windows: vec![],
            },
            transform: Transform::None,
            clip_negative: false,
            differentiation: 0,
            local_level: None,
        }
    }

    #[test]
    fn a_forecast_beyond_the_divergence_bound_is_never_the_champion() {
        // A ramp: the naive forecast repeats the last (largest) value; the 4-week mean of the
        // same weekday stays below it. A bound just under the largest value passes over the
        // best-ranked naive, saying why, and their mean too: it stays under the bound (at most
        // 294.75), but its naive member does not.
        let y: Vec<f64> = (1..=300).map(f64::from).collect();
        let mut cands = vec![
            Candidate {
                nombre: "naive".into(),
                model: ModelSpec::Naive,
                exog: ExogFilter::default(),
            },
            Candidate {
                nombre: "weeks".into(),
                model: ModelSpec::EquivalentDate {
                    offset: 7,
                    n_offsets: 4,
                },
                exog: ExogFilter::default(),
            },
        ];
        cands.push(Candidate {
            nombre: "both".into(),
            model: ModelSpec::Ensemble {
                members: cands.clone(),
                combine: Combine::Mean,
            },
            exog: ExogFilter::default(),
        });
        let cv = FoldConfig::new(28, 200);
        let (lb, bts) = compete(&cands, Arena::new(&y, &cv, Metric::Mae), &|_| {}).unwrap();
        let order: Vec<&str> = lb.entries.iter().map(|e| e.nombre.as_str()).collect();
        assert_eq!(order, ["naive", "both", "weeks"]);
        let mask = vec![true; y.len()];
        let pick = |divergence: Option<f64>| {
            select_champion(
                &cands,
                &lb,
                &bts,
                Selection {
                    divergence,
                    ..selection(&y, &mask, 28)
                },
            )
            .unwrap()
        };
        assert_eq!(pick(None).champion.entry.nombre, "naive");
        assert_eq!(pick(Some(10.0)).champion.entry.nombre, "naive");
        let bounded = pick(Some(0.99));
        assert_eq!(bounded.champion.entry.nombre, "weeks");
        let (name, why) = &bounded.passed_over[0];
        assert_eq!(name, "naive");
        assert!(
            why.contains("diverges") && why.contains("divergencia_max"),
            "{why}"
        );
        let (name, why) = &bounded.passed_over[1];
        assert_eq!(name, "both");
        assert!(why.contains("its member naive forecasts"), "{why}");
        let mean = &pick(None).forecasts[1];
        assert_eq!(mean.0, "both");
        assert!(mean.1.iter().all(|v| *v <= 294.75));
    }

    #[test]
    fn a_backtest_too_short_for_the_horizon_leaves_the_choice_to_the_fallback() {
        // A ramp: the naive forecast wins the backtest by far. A fold of 28 days against a
        // 185-day forecast reached 15 % of it: under alcance_min 0.33 the weekday median
        // serves, saying why; at 0.1 the ranking chooses.
        let y: Vec<f64> = (1..=300).map(f64::from).collect();
        let cands = vec![
            Candidate {
                nombre: "naive".into(),
                model: ModelSpec::Naive,
                exog: ExogFilter::default(),
            },
            Candidate {
                nombre: "perfil".into(),
                model: ModelSpec::SeasonalMedian {
                    period: 7,
                    cycles: 16,
                },
                exog: ExogFilter::default(),
            },
        ];
        // The profile forecasts from the end of its training data: every fold refits it.
        let cv = FoldConfig {
            refit: crate::backtest::Refit::Always,
            ..FoldConfig::new(28, 200)
        };
        let (lb, bts) = compete(&cands, Arena::new(&y, &cv, Metric::Mae), &|_| {}).unwrap();
        assert_eq!(lb.entries[0].nombre, "naive");
        let mask = vec![true; y.len()];
        let prefer_naive = Preference {
            candidato: "naive".into(),
            margen: 0.9,
        };
        let select = |candidato: &str, alcance_min: f64, steps: usize, fold_days| {
            let fb = Fallback {
                candidato: candidato.into(),
                alcance_min,
            };
            select_champion(
                &cands,
                &lb,
                &bts,
                Selection {
                    fallback: Some(&fb),
                    fold_days,
                    prefer: Some(&prefer_naive),
                    ..selection(&y, &mask, steps)
                },
            )
            .unwrap()
        };
        let pick = |alcance_min: f64, steps: usize| select("perfil", alcance_min, steps, None);
        let short = pick(0.33, 185);
        assert_eq!(short.champion.entry.nombre, "perfil");
        let why = short.fallback.as_deref().unwrap();
        assert!(
            why.contains("reached 28 days") && why.contains("185"),
            "{why}"
        );
        assert_eq!(short.passed_over, vec![("naive".into(), why.to_string())]);
        // The median of the same weekday over the last 16 weeks: days 189, 196, …, 294 of the
        // ramp, whose median is the mean of the middle two.
        let served = &short.forecasts[0].1;
        assert_eq!(served[0], (238.0 + 245.0) / 2.0);
        assert_eq!(served[7], served[0]);
        assert!(short.fallback_unserved.is_none());
        // Enough of the horizon reached, a short horizon, or folds of 28 days by choice: the
        // ranking (and the preference) chooses.
        for long in [
            pick(0.1, 185),
            pick(0.33, 56),
            select("perfil", 0.33, 185, Some(28)),
        ] {
            assert_eq!(long.champion.entry.nombre, "naive");
            assert!(long.fallback.is_none() && long.fallback_unserved.is_none());
            assert!(long.passed_over.is_empty());
        }
        // A fallback that was never backtested cannot serve, and the note says so.
        let absent = select("perfil_mensual", 0.33, 185, None);
        assert_eq!(absent.champion.entry.nombre, "naive");
        assert!(absent.fallback.is_none());
        let note = absent.fallback_unserved.unwrap();
        assert!(
            note.contains("perfil_mensual cannot serve (it has no backtest score)"),
            "{note}"
        );
    }

    #[test]
    fn a_fallback_ranked_first_serves_without_passing_anyone_over() {
        // A weekly pattern with noise on one weekday: the median profile wins the backtest.
        let y: Vec<f64> = (0..300)
            .map(|t| match t % 7 {
                5 => 40.0 + f64::from(u8::try_from(t % 5).unwrap()),
                6 => 30.0,
                _ => 10.0,
            })
            .collect();
        let cands = vec![
            Candidate {
                nombre: "perfil".into(),
                model: ModelSpec::SeasonalMedian {
                    period: 7,
                    cycles: 8,
                },
                exog: ExogFilter::default(),
            },
            Candidate {
                nombre: "naive".into(),
                model: ModelSpec::Naive,
                exog: ExogFilter::default(),
            },
        ];
        let cv = FoldConfig {
            refit: crate::backtest::Refit::Always,
            ..FoldConfig::new(28, 200)
        };
        let (lb, bts) = compete(&cands, Arena::new(&y, &cv, Metric::Mae), &|_| {}).unwrap();
        assert_eq!(lb.entries[0].nombre, "perfil");
        let fb = Fallback {
            candidato: "perfil".into(),
            alcance_min: 0.3,
        };
        let mask = vec![true; y.len()];
        let s = select_champion(
            &cands,
            &lb,
            &bts,
            Selection {
                fallback: Some(&fb),
                ..selection(&y, &mask, 185)
            },
        )
        .unwrap();
        assert_eq!(s.champion.entry.nombre, "perfil");
        assert!(s.fallback.is_some() && s.passed_over.is_empty());
        // Not chosen as a backtest winner: no selection-optimism widening is kept.
        let out = s.champion.model.out_sample().unwrap();
        assert!(out.selection_optimism.is_none());
    }

    #[test]
    fn an_ensemble_forecasts_the_mean_of_its_members_and_competes() {
        let y: Vec<f64> = (0..500)
            .map(|t| 100.0 + 20.0 * ((t % 7) as f64) + ((t * 37 % 11) as f64))
            .collect();
        let cands: Vec<Candidate> = [vec![7], vec![1, 7], vec![7, 14]]
            .into_iter()
            .enumerate()
            .map(|(i, l)| Candidate {
                nombre: format!("r{i}"),
                model: ridge(l),
                exog: ExogFilter::default(),
            })
            .chain(std::iter::once(Candidate {
                nombre: "snaive".into(),
                model: ModelSpec::SeasonalNaive { period: 7 },
                exog: ExogFilter::default(),
            }))
            .collect();
        let cv = FoldConfig::new(28, 400);
        let arena = Arena::new(&y, &cv, Metric::Mae);
        let (mut lb, mut bts) = compete(&cands, arena, &|_| {}).unwrap();
        let cfg = EnsembleConfig {
            top_k: vec![3, 2, 9, 1],
            combine: Combine::Mean,
            diverse: false,
            diverse_level: false,
            baselines: true,
        };
        let ens = ensemble_candidates(&lb, &cands, &cfg);
        assert_eq!(
            ens.iter().map(|c| c.nombre.as_str()).collect::<Vec<_>>(),
            ["ensemble_top2", "ensemble_top3"]
        );
        // Its backtest is the mean of its members' backtests (refit never: one fit each).
        let second = compete(&ens, arena, &|_| {}).unwrap();
        let ModelSpec::Ensemble { members, .. } = &ens[1].model else {
            panic!("an ensemble")
        };
        let b = &second.1["ensemble_top3"];
        for (k, p) in b.predictions.iter().enumerate() {
            let mean = members
                .iter()
                .map(|m| bts[&m.nombre].predictions[k].pred)
                .sum::<f64>()
                / 3.0;
            assert!((p.pred - mean).abs() < 1e-9);
        }
        let total = lb.entries.len() + 2;
        merge(&mut lb, &mut bts, second);
        assert_eq!(lb.entries.len(), total);
        assert!(lb
            .entries
            .windows(2)
            .all(|w| w[0].metrics[&Metric::Mae] <= w[1].metrics[&Metric::Mae]));
        let mut all = cands.clone();
        all.extend(ens.iter().cloned());
        let mask = vec![true; y.len()];
        let sel = select_champion(&all, &lb, &bts, selection(&y, &mask, 10)).unwrap();
        assert_eq!(sel.champion.entry.nombre, lb.entries[0].nombre);
        // Its backtest measured errors up to 28 days ahead (folds of 28 days).
        let out = sel.champion.model.out_sample().unwrap();
        assert_eq!(out.reach, Some(28));
        // A preferred candidate within the margin is champion; the ones above it are passed
        // over with the reason. Outside the margin the best backtest wins.
        let select_named = |candidato: &str, margen: f64| {
            let pref = Preference {
                candidato: candidato.into(),
                margen,
            };
            select_champion(
                &all,
                &lb,
                &bts,
                Selection {
                    prefer: Some(&pref),
                    ..selection(&y, &mask, 10)
                },
            )
            .unwrap()
        };
        let select = |margen: f64| select_named("ensemble_top3", margen);
        let pos = lb
            .entries
            .iter()
            .position(|e| e.nombre == "ensemble_top3")
            .unwrap();
        let wide = select(0.99);
        assert_eq!(wide.champion.entry.nombre, "ensemble_top3");
        // No `_diverso` copy was built (diverse is off): the top 3 stands in for it, and a
        // preferred name that matches nothing leaves the best backtest champion.
        let stand_in = select_named("ensemble_top3_diverso", 0.99);
        assert_eq!(stand_in.champion.entry.nombre, "ensemble_top3");
        let unknown = select_named("ensemble_top9_diverso", 0.99);
        assert_eq!(unknown.champion.entry.nombre, lb.entries[0].nombre);
        assert_eq!(wide.passed_over.len(), pos);
        assert!(wide
            .passed_over
            .iter()
            .all(|(_, why)| why.contains("train.preferencia")));
        let (best, mine) = (
            lb.entries[0].metrics[&Metric::Mae],
            lb.entries[pos].metrics[&Metric::Mae],
        );
        if pos > 0 && best < mine {
            let narrow = select((1.0 - best / mine) / 2.0);
            assert_eq!(narrow.champion.entry.nombre, lb.entries[0].nombre);
        }
        assert_eq!(sel.forecasts.len(), lb.entries.len());
        // The ensemble's refit forecast is the mean of its members' refit forecasts.
        let f = |n: &str| &sel.forecasts.iter().find(|x| x.0 == n).unwrap().1;
        let e3 = f("ensemble_top3");
        for (h, v) in e3.iter().enumerate() {
            let mean = members.iter().map(|m| f(&m.nombre)[h]).sum::<f64>() / 3.0;
            assert!((v - mean).abs() < 1e-9);
        }
        // The artifact round-trips an ensemble.
        let json = serde_json::to_string(&sel.champion.model).unwrap();
        let back: FittedModel = serde_json::from_str(&json).unwrap();
        assert_eq!(back, sel.champion.model);
    }

    #[test]
    fn a_flat_trend_is_fitted_on_the_history_and_held_at_its_last_value() {
        let n = 300;
        let trend: Vec<f64> = (0..n + 20).map(|t| t as f64 / 100.0).collect();
        let y: Vec<f64> = (0..n)
            .map(|t| 50.0 + 10.0 * trend[t] + 5.0 * ((t % 7) as f64))
            .collect();
        let exog = Exog::new(vec!["trend".into()], vec![trend[..n].to_vec()]).unwrap();
        let future = Exog::new(vec!["trend".into()], vec![trend[n..].to_vec()]).unwrap();
        let flat = ExogFilter {
            tendencia_plana: true,
            ..ExogFilter::default()
        };
        let spec = ridge(vec![7]);
        let held = spec.fit(&y, Some(&flat.apply(&exog))).unwrap();
        let linear = spec.fit(&y, Some(&exog)).unwrap();
        assert_eq!(held.state.as_ref().unwrap().held, vec![(0, trend[n - 1])]);
        // Same fit; the held model forecasts as the linear one does with the trend frozen.
        let frozen = Exog::new(vec!["trend".into()], vec![vec![trend[n - 1]; 20]]).unwrap();
        let a = held.predict(20, None, Some(&flat.apply(&future))).unwrap();
        let b = linear.predict(20, None, Some(&frozen)).unwrap();
        let c = linear.predict(20, None, Some(&future)).unwrap();
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-9);
        }
        assert!(c[19] > a[19], "the linear trend keeps growing");
        // Held without the filter's flags too: the fitted state decides, not the caller.
        let d = held.predict(20, None, Some(&future)).unwrap();
        assert_eq!(a, d);
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(Combine::Median.apply(&mut [3.0, 1.0, 10.0, 2.0]), 2.5);
        assert_eq!(Combine::Median.apply(&mut [3.0, 1.0, 10.0]), 3.0);
        assert_eq!(Combine::Mean.apply(&mut [1.0, 2.0]), 1.5);
        assert!(Combine::Mean.apply(&mut [1.0, f64::NAN]).is_nan());
    }
}
