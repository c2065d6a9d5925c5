//! Hyper-parameter search: a grid (every combination) or a seeded random sample of it, over
//! lag sets, window-feature sets and the regressor's hyper-parameters. The combinations become
//! ordinary candidates of the competition, so they are backtested on the same folds and ranked
//! in the same leaderboard.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::compete::Candidate;
use crate::matrix::ExogFilter;
use crate::matrix::{Autoregressive, WindowFeature};
use crate::spec::{ModelSpec, Regressor, Transform};

/// How the search space is explored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchMethod {
    /// No search.
    None,
    /// Every combination.
    Grid,
    /// `n_iter` combinations drawn without replacement (seeded).
    Random,
}

/// Search settings (`train.search`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    /// Grid, random or none.
    pub method: SearchMethod,
    /// Combinations drawn by the random method.
    pub n_iter: usize,
    /// Regressors with their hyper-parameters (each one crossed with every lag and window
    /// set), e.g. `{tipo: ridge, alpha: 10}` or `{tipo: random_forest, n_trees: 100,
    /// max_depth: 8}`.
    pub regressors: Vec<Regressor>,
    /// Lag sets.
    pub lags_grid: Vec<Vec<usize>>,
    /// Also search the lag set suggested by the EDA's ACF/PACF (phase 03), when available.
    pub lags_auto: bool,
    /// Window-feature sets.
    pub windows_grid: Vec<Vec<WindowFeature>>,
    /// Target transform of every combination.
    pub transform: Transform,
    /// Clip predictions at 0.
    pub clip_negative: bool,
    /// Yearly Fourier orders tried (each candidate keeps pairs `1..=k` of the feature layer's;
    /// empty: the layer's as they are).
    #[serde(default)]
    pub fourier_grid: Vec<u32>,
    /// Trend on/off tried (empty: the layer's as it is).
    #[serde(default)]
    pub trend_grid: Vec<bool>,
    /// Changepoint hinges on/off tried with each kept trend (empty: as the trend; the feature
    /// layer has them when `features.cambios_tendencia_cada_dias` is set).
    #[serde(default)]
    pub changepoint_grid: Vec<bool>,
    /// Also try every kept trend held flat after the training range (candidate exog
    /// `{tendencia_plana: true}`, names ending `_tp`): a damped trend.
    #[serde(default)]
    pub trend_flat: bool,
    /// An intermittent series (at least this share of its fitted targets are 0) also tries the
    /// raw scale: log1p of a smooth level is a poor model of many zeros (`null`: never).
    #[serde(default)]
    pub intermittent_zero_share: Option<f64>,
    /// Target transforms tried (empty: `transform` only); e.g. `[log1p, none]` lets a series
    /// with many zeros or an additive pattern be modelled in its own scale.
    #[serde(default)]
    pub transform_grid: Vec<Transform>,
    /// Re-levelling windows tried (`local_level` of each candidate, `null` = none; empty: none
    /// at all), e.g. `[null, 56]`: a regression whose forecast drifts from a level shifted late
    /// in the history takes its mean residual of the last 56 days (names end `_n56`).
    #[serde(default)]
    pub level_grid: Vec<Option<usize>>,
    /// Successive halving (`null`: every searched candidate gets the whole backtest): the
    /// searched candidates are first backtested on the last folds only, and the best of them go
    /// on to the whole backtest beside the configured candidates.
    #[serde(default)]
    pub halving: Option<Halving>,
}

/// A cheap first round for the searched candidates (`train.search.halving`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Halving {
    /// Folds of the first round: the last ones of `train.cv` (the origins nearest the end).
    pub folds: usize,
    /// Searched candidates promoted to the whole backtest, the best of the first round.
    pub keep: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        Self {
            method: SearchMethod::None,
            n_iter: 10,
            regressors: vec![Regressor::Ridge { alpha: 1.0 }],
            lags_grid: vec![vec![7]],
            lags_auto: false,
            windows_grid: vec![vec![]],
            transform: Transform::Log1p,
            clip_negative: true,
            fourier_grid: Vec::new(),
            trend_grid: Vec::new(),
            transform_grid: Vec::new(),
            trend_flat: false,
            changepoint_grid: Vec::new(),
            intermittent_zero_share: None,
            level_grid: Vec::new(),
            halving: None,
        }
    }
}

impl SearchConfig {
    /// The search for the series `y` (NaN = not a target): an intermittent one (see
    /// [`SearchConfig::intermittent_zero_share`]) also tries the raw scale.
    pub fn adapted_to(&self, y: &[f64]) -> SearchConfig {
        let fitted: Vec<f64> = y.iter().copied().filter(|v| v.is_finite()).collect();
        let zeros = fitted.iter().filter(|v| **v == 0.0).count();
        let intermittent = self
            .intermittent_zero_share
            .is_some_and(|s| !fitted.is_empty() && zeros as f64 >= s * fitted.len() as f64);
        let mut out = self.clone();
        if intermittent {
            if out.transform_grid.is_empty() {
                out.transform_grid.push(out.transform);
            }
            if !out.transform_grid.contains(&Transform::None) {
                out.transform_grid.push(Transform::None);
            }
        }
        out
    }
}

/// The values a grid axis takes: each of `grid`, or `[None]` (as configured elsewhere) when it
/// is empty.
fn options<T: Copy>(grid: &[T]) -> Vec<Option<T>> {
    if grid.is_empty() {
        vec![None]
    } else {
        grid.iter().copied().map(Some).collect()
    }
}

/// `7-14`; `none` for an exog-only regression.
fn label(lags: &[usize]) -> String {
    if lags.is_empty() {
        return "none".into();
    }
    lags.iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("-")
}

/// The candidates of the search, named `search_<regressor>_l<lags>_w<k>` (see
/// [`Regressor::short_name`]), in grid order (lags outer, windows, then regressors) or, for the
/// random method, in draw order.
/// `suggested_lags` (the EDA's) joins the lag grid when `lags_auto` is set.
pub fn search_candidates(
    cfg: &SearchConfig,
    seed: u64,
    suggested_lags: Option<&[usize]>,
) -> Vec<Candidate> {
    if cfg.method == SearchMethod::None {
        return Vec::new();
    }
    let mut lags_grid = cfg.lags_grid.clone();
    if let (true, Some(l)) = (cfg.lags_auto, suggested_lags) {
        if !l.is_empty() && !lags_grid.iter().any(|g| g == l) {
            lags_grid.push(l.to_vec());
        }
    }
    let fouriers = options(&cfg.fourier_grid);
    // (keep the trend?, held flat?, hinges?)
    let mut trends: Vec<(Option<bool>, bool, Option<bool>)> = if cfg.trend_grid.is_empty() {
        vec![(None, false, None)]
    } else {
        cfg.trend_grid
            .iter()
            .map(|t| (Some(*t), false, None))
            .collect()
    };
    if cfg.trend_flat {
        let flat: Vec<_> = trends
            .iter()
            .filter(|(t, _, _)| t.unwrap_or(true))
            .map(|(t, _, c)| (*t, true, *c))
            .collect();
        trends.extend(flat);
    }
    if !cfg.changepoint_grid.is_empty() {
        trends = trends
            .into_iter()
            .flat_map(|(t, f, _)| {
                let kept = t.unwrap_or(true);
                let grid: Vec<Option<bool>> = if kept {
                    cfg.changepoint_grid.iter().copied().map(Some).collect()
                } else {
                    vec![None]
                };
                grid.into_iter().map(move |c| (t, f, c))
            })
            .collect();
    }
    let transforms = options(&cfg.transform_grid);
    // An empty level grid leaves every candidate as it is (`[None]`).
    let levels = if cfg.level_grid.is_empty() {
        vec![None]
    } else {
        cfg.level_grid.clone()
    };
    let mut grid = Vec::new();
    for lags in &lags_grid {
        for (k, windows) in cfg.windows_grid.iter().enumerate() {
            for regressor in &cfg.regressors {
                for fourier in &fouriers {
                    for (((trend, flat, hinges), transform), level) in trends
                        .iter()
                        .flat_map(|t| transforms.iter().map(move |x| (t, x)))
                        .flat_map(|tx| levels.iter().map(move |l| (tx, *l)))
                    {
                        let regressor = *regressor;
                        let rname = regressor.short_name();
                        let mut nombre = format!("search_{rname}_l{}_w{k}", label(lags));
                        if let Some(f) = fourier {
                            nombre.push_str(&format!("_f{f}"));
                        }
                        if let Some(t) = trend {
                            nombre.push_str(if *t { "_t" } else { "_nt" });
                        }
                        if *flat {
                            nombre.push_str("_tp");
                        }
                        if let Some(c) = hinges {
                            nombre.push_str(if *c { "_cp" } else { "_ncp" });
                        }
                        if let Some(x) = transform {
                            nombre.push_str(match x {
                                Transform::None => "_raw",
                                Transform::Log1p => "_log",
                                Transform::Standardize => "_std",
                            });
                        }
                        if let Some(l) = level {
                            nombre.push_str(&format!("_n{l}"));
                        }
                        grid.push(Candidate {
                            nombre,
                            model: ModelSpec::Recursive {
                                regressor,
                                autoregressive: Autoregressive {
                                    lags: lags.clone(),
                                    windows: windows.clone(),
                                },
                                transform: transform.unwrap_or(cfg.transform),
                                clip_negative: cfg.clip_negative,
                                differentiation: 0,
                                local_level: level,
                            },
                            exog: ExogFilter {
                                fourier_anual: *fourier,
                                tendencia: *trend,
                                tendencia_plana: *flat,
                                cambios: *hinges,
                            },
                        });
                    }
                }
            }
        }
    }
    if cfg.method == SearchMethod::Random && cfg.n_iter < grid.len() {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut picked = Vec::with_capacity(cfg.n_iter);
        for _ in 0..cfg.n_iter {
            let i = rng.random_range(0..grid.len());
            picked.push(grid.swap_remove(i));
        }
        return picked;
    }
    grid
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::Stat;

    fn cfg(method: SearchMethod) -> SearchConfig {
        SearchConfig {
            method,
            n_iter: 3,
            regressors: [0.1, 1.0, 10.0]
                .into_iter()
                .map(|alpha| Regressor::Ridge { alpha })
                .collect(),
            lags_grid: vec![vec![7], vec![1, 7, 14]],
            windows_grid: vec![
                vec![],
                vec![WindowFeature {
                    stat: Stat::Mean,
                    window: 7,
                }],
            ],
            ..SearchConfig::default()
        }
    }

    #[test]
    fn an_intermittent_series_also_tries_the_raw_scale() {
        let c = SearchConfig {
            intermittent_zero_share: Some(0.3),
            ..cfg(SearchMethod::Grid)
        };
        let sparse = [0.0, 0.0, 5.0, f64::NAN, 0.0, 3.0];
        let dense = [1.0, 0.0, 5.0, f64::NAN, 2.0, 3.0];
        assert_eq!(
            c.adapted_to(&sparse).transform_grid,
            vec![Transform::Log1p, Transform::None]
        );
        assert!(c.adapted_to(&dense).transform_grid.is_empty());
        let off = SearchConfig {
            intermittent_zero_share: None,
            ..c
        };
        assert!(off.adapted_to(&sparse).transform_grid.is_empty());
    }

    #[test]
    fn trend_variants_transforms_and_hinges_multiply_the_grid_with_their_own_names() {
        let base = SearchConfig {
            n_iter: 1000,
            regressors: vec![Regressor::Ridge { alpha: 1.0 }],
            lags_grid: vec![vec![7]],
            windows_grid: vec![vec![]],
            ..cfg(SearchMethod::Grid)
        };
        let g = SearchConfig {
            trend_grid: vec![true, false],
            trend_flat: true,
            changepoint_grid: vec![true, false],
            transform_grid: vec![Transform::Log1p, Transform::None],
            ..base
        };
        let c = search_candidates(&g, 42, None);
        // Trend kept (linear or flat) × hinges on/off, plus no trend; × 2 transforms.
        assert_eq!(c.len(), (2 * 2 + 1) * 2);
        let names: Vec<&str> = c.iter().map(|c| c.nombre.as_str()).collect();
        assert!(names.contains(&"search_ridge_a1_l7_w0_t_cp_log"));
        assert!(names.contains(&"search_ridge_a1_l7_w0_t_tp_ncp_raw"));
        assert!(names.contains(&"search_ridge_a1_l7_w0_nt_raw"));
        let flat = c
            .iter()
            .find(|c| c.nombre == "search_ridge_a1_l7_w0_t_tp_cp_log")
            .unwrap();
        assert!(flat.exog.tendencia_plana);
        assert_eq!(flat.exog.cambios, Some(true));
        assert!(matches!(
            c.iter().find(|c| c.nombre.ends_with("_raw")).unwrap().model,
            ModelSpec::Recursive {
                transform: Transform::None,
                ..
            }
        ));
    }

    #[test]
    fn the_level_grid_re_levels_each_combination() {
        let both = SearchConfig {
            level_grid: vec![None, Some(56)],
            ..cfg(SearchMethod::Grid)
        };
        let c = search_candidates(&both, 42, None);
        assert_eq!(c.len(), 2 * 2 * 3 * 2);
        let level = |n: &str| match &c.iter().find(|c| c.nombre == n).unwrap().model {
            ModelSpec::Recursive { local_level, .. } => *local_level,
            _ => unreachable!(),
        };
        assert_eq!(level("search_ridge_a1_l7_w0"), None);
        assert_eq!(level("search_ridge_a1_l7_w0_n56"), Some(56));
        let only = SearchConfig {
            level_grid: vec![Some(28)],
            ..cfg(SearchMethod::Grid)
        };
        let c = search_candidates(&only, 42, None);
        assert_eq!(c.len(), 2 * 2 * 3);
        assert!(c.iter().all(|c| c.nombre.ends_with("_n28")));
    }

    #[test]
    fn grid_is_every_combination_with_unique_names() {
        let g = search_candidates(&cfg(SearchMethod::Grid), 42, None);
        assert_eq!(g.len(), 2 * 2 * 3);
        let names: std::collections::BTreeSet<&str> = g.iter().map(|c| c.nombre.as_str()).collect();
        assert_eq!(names.len(), g.len());
        assert_eq!(g[0].nombre, "search_ridge_a0.1_l7_w0");
        assert!(search_candidates(&cfg(SearchMethod::None), 42, None).is_empty());
        let auto = SearchConfig {
            lags_auto: true,
            ..cfg(SearchMethod::Grid)
        };
        let with_eda = search_candidates(&auto, 42, Some(&[1, 6, 7, 364]));
        assert_eq!(with_eda.len(), 3 * 2 * 3);
        assert!(with_eda.iter().any(|c| c.nombre.contains("_l1-6-7-364_")));
    }

    #[test]
    fn any_regressor_family_can_be_searched() {
        let c = SearchConfig {
            regressors: vec![
                Regressor::RandomForest {
                    n_trees: 50,
                    max_depth: Some(8),
                    min_samples_leaf: 1,
                    max_features: None,
                    seed: None,
                },
                Regressor::Knn {
                    k: 5,
                    weights: crate::KnnWeights::Uniform,
                },
                Regressor::LinearRegression,
            ],
            ..cfg(SearchMethod::Grid)
        };
        let names: Vec<String> = search_candidates(&c, 1, None)
            .into_iter()
            .map(|c| c.nombre)
            .collect();
        assert_eq!(
            &names[..3],
            [
                "search_rf50_d8_l7_w0",
                "search_knn5_l7_w0",
                "search_ols_l7_w0"
            ]
        );
    }

    #[test]
    fn random_is_seeded_and_without_replacement() {
        let a = search_candidates(&cfg(SearchMethod::Random), 42, None);
        let b = search_candidates(&cfg(SearchMethod::Random), 42, None);
        let c = search_candidates(&cfg(SearchMethod::Random), 7, None);
        assert_eq!(a.len(), 3);
        assert_eq!(a, b);
        assert_ne!(a, c);
        let names: std::collections::BTreeSet<&str> = a.iter().map(|c| c.nombre.as_str()).collect();
        assert_eq!(names.len(), 3);
    }
}
