//! Non-linear regressors over [smartcore]: CART regression tree, random forest (bagged trees,
//! fitted in parallel) and k-nearest neighbours.
//!
//! Definitions (checked by the tests below against brute-force implementations):
//! * **Decision tree** — scikit-learn's `DecisionTreeRegressor` with the squared-error
//!   criterion: greedy binary splits that minimise the children's weighted sum of squared
//!   errors, thresholds at the midpoint of adjacent distinct values, leaves predict the mean.
//! * **Random forest** — scikit-learn's `RandomForestRegressor` semantics: each tree is fitted
//!   on a bootstrap sample (n draws with replacement) and, when `max_features` is below 1, on a
//!   random subset of features at each split; the prediction is the mean of the trees. Trees are
//!   independent, so they are fitted in parallel with rayon; tree `i` is seeded with
//!   `seed + i`, which makes the forest identical whatever the number of threads. As in every
//!   library, the bootstrap draws differ from scikit-learn's, so forests only match
//!   statistically (§B.3 of the skforecast notes).
//! * **KNN** — scikit-learn's `KNeighborsRegressor` with the Euclidean metric: the mean (or
//!   inverse-distance weighted mean) of the `k` nearest training targets.
//!
//! Inputs are row-major `f64` rows, as in [`TrainMatrix`].

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use smartcore::ensemble::random_forest_regressor::{
    RandomForestRegressor, RandomForestRegressorParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::metrics::distance::euclidian::Euclidian;
use smartcore::neighbors::knn_regressor::{KNNRegressor, KNNRegressorParameters};
use smartcore::neighbors::KNNWeightFunction;
use smartcore::tree::decision_tree_regressor::{
    DecisionTreeRegressor, DecisionTreeRegressorParameters,
};

use crate::matrix::TrainMatrix;
use crate::ModelError;

type Tree = DecisionTreeRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>>;
type ForestTree = RandomForestRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>>;
type Knn = KNNRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>, Euclidian<f64>>;

/// How the neighbours of a KNN regressor are weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KnnWeights {
    /// Plain mean of the `k` targets (scikit-learn `weights="uniform"`).
    #[default]
    Uniform,
    /// Weighted by the inverse distance (scikit-learn `weights="distance"`).
    Distance,
}

/// Settings shared by a tree and the trees of a forest (scikit-learn's meanings).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TreeSettings {
    /// Maximum depth (`None`: grow until leaves are pure or too small).
    pub max_depth: Option<u16>,
    /// Minimum observations in a leaf (scikit-learn default 1).
    pub min_samples_leaf: usize,
    /// Minimum observations to split a node (scikit-learn default 2).
    pub min_samples_split: usize,
}

impl TreeSettings {
    /// smartcore counts the root as level 1 (`max_depth = 1` is a single leaf) where
    /// scikit-learn counts splits (`max_depth = 1` is a stump): translate.
    fn smartcore_depth(&self) -> Option<u16> {
        self.max_depth.map(|d| d.saturating_add(1))
    }

    fn validate(&self) -> Result<(), ModelError> {
        if self.min_samples_leaf == 0 {
            return Err(ModelError::InvalidSpec(
                "min_samples_leaf must be at least 1".into(),
            ));
        }
        if self.min_samples_split < 2 {
            return Err(ModelError::InvalidSpec(
                "min_samples_split must be at least 2".into(),
            ));
        }
        if self.max_depth == Some(0) {
            return Err(ModelError::InvalidSpec(
                "max_depth must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

fn fail(what: &str, e: smartcore::error::Failed) -> ModelError {
    ModelError::Numerical(format!("{what}: {e}"))
}

fn dense(m: &TrainMatrix) -> Result<DenseMatrix<f64>, ModelError> {
    if m.rows() == 0 || m.cols() == 0 {
        return Err(ModelError::InvalidSpec(
            "a tree or neighbour model needs at least one row and one feature".into(),
        ));
    }
    DenseMatrix::new(m.rows(), m.cols(), m.x.clone(), false).map_err(|e| fail("matrix", e))
}

fn one_row(x: &[f64]) -> DenseMatrix<f64> {
    DenseMatrix::new(1, x.len(), x.to_vec(), false).expect("a non-empty row is a valid matrix")
}

/// A fitted regression tree.
#[derive(Debug, Serialize, Deserialize)]
pub struct TreeFit {
    tree: Tree,
    n_features: usize,
}

impl TreeFit {
    /// Fits a CART regression tree.
    pub fn fit(m: &TrainMatrix, s: TreeSettings) -> Result<Self, ModelError> {
        s.validate()?;
        let x = dense(m)?;
        let mut p = DecisionTreeRegressorParameters::default()
            .with_min_samples_leaf(s.min_samples_leaf)
            .with_min_samples_split(s.min_samples_split);
        if let Some(d) = s.smartcore_depth() {
            p = p.with_max_depth(d);
        }
        let tree = Tree::fit(&x, &m.y, p).map_err(|e| fail("decision tree", e))?;
        Ok(Self {
            tree,
            n_features: m.cols(),
        })
    }

    /// Prediction for one row.
    pub fn predict_row(&self, x: &[f64]) -> f64 {
        debug_assert_eq!(x.len(), self.n_features);
        self.tree
            .predict(&one_row(x))
            .map(|v| v[0])
            .unwrap_or(f64::NAN)
    }
}

/// A fitted random forest: one single-tree smartcore forest per tree, so that every tree has its
/// own seed and can be fitted on its own thread.
#[derive(Debug, Serialize, Deserialize)]
pub struct ForestFit {
    trees: Vec<ForestTree>,
    n_features: usize,
    /// Features tried at each split.
    pub mtry: usize,
}

impl ForestFit {
    /// Fits `n_trees` bootstrapped trees with `max_features` (share of the columns tried at each
    /// split, `None` = all, scikit-learn's regression default), seeded with `seed`.
    pub fn fit(
        m: &TrainMatrix,
        s: TreeSettings,
        n_trees: usize,
        max_features: Option<f64>,
        seed: u64,
    ) -> Result<Self, ModelError> {
        s.validate()?;
        if n_trees == 0 {
            return Err(ModelError::InvalidSpec(
                "a random forest needs n_trees >= 1".into(),
            ));
        }
        let p = m.cols();
        let mtry = match max_features {
            None => p,
            Some(f) if f > 0.0 && f <= 1.0 => ((f * p as f64).floor() as usize).max(1),
            Some(f) => {
                return Err(ModelError::InvalidSpec(format!(
                    "max_features must be in (0, 1], got {f}"
                )))
            }
        };
        let x = dense(m)?;
        let trees = (0..n_trees)
            .into_par_iter()
            .map(|i| {
                let mut params = RandomForestRegressorParameters::default()
                    .with_n_trees(1)
                    .with_m(mtry)
                    .with_min_samples_leaf(s.min_samples_leaf)
                    .with_min_samples_split(s.min_samples_split)
                    .with_seed(seed.wrapping_add(i as u64));
                if let Some(d) = s.smartcore_depth() {
                    params = params.with_max_depth(d);
                }
                ForestTree::fit(&x, &m.y, params).map_err(|e| fail("random forest", e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            trees,
            n_features: p,
            mtry,
        })
    }

    /// Number of trees.
    pub fn n_trees(&self) -> usize {
        self.trees.len()
    }

    /// Prediction for one row: the mean of the trees.
    pub fn predict_row(&self, x: &[f64]) -> f64 {
        debug_assert_eq!(x.len(), self.n_features);
        let row = one_row(x);
        let sum: f64 = self
            .trees
            .iter()
            .map(|t| t.predict(&row).map(|v| v[0]).unwrap_or(f64::NAN))
            .sum();
        sum / self.trees.len() as f64
    }
}

/// A fitted k-nearest-neighbours regressor (it keeps the training rows).
#[derive(Debug, Serialize, Deserialize)]
pub struct KnnFit {
    knn: Knn,
    n_features: usize,
}

impl KnnFit {
    /// Fits (stores) the training rows for `k` neighbours.
    pub fn fit(m: &TrainMatrix, k: usize, weights: KnnWeights) -> Result<Self, ModelError> {
        if k == 0 || k > m.rows() {
            return Err(ModelError::InvalidSpec(format!(
                "KNN needs 1 <= k <= rows ({}), got k = {k}",
                m.rows()
            )));
        }
        let x = dense(m)?;
        let w = match weights {
            KnnWeights::Uniform => KNNWeightFunction::Uniform,
            KnnWeights::Distance => KNNWeightFunction::Distance,
        };
        let params = KNNRegressorParameters::default().with_k(k).with_weight(w);
        let knn = Knn::fit(&x, &m.y, params).map_err(|e| fail("knn", e))?;
        Ok(Self {
            knn,
            n_features: m.cols(),
        })
    }

    /// Prediction for one row.
    pub fn predict_row(&self, x: &[f64]) -> f64 {
        debug_assert_eq!(x.len(), self.n_features);
        self.knn
            .predict(&one_row(x))
            .map(|v| v[0])
            .unwrap_or(f64::NAN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    fn matrix(x: Vec<Vec<f64>>, y: Vec<f64>) -> TrainMatrix {
        let p = x[0].len();
        TrainMatrix {
            names: (0..p).map(|j| format!("x{j}")).collect(),
            positions: (0..y.len()).collect(),
            x: x.into_iter().flatten().collect(),
            y,
        }
    }

    fn sse(v: &[f64]) -> f64 {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        v.iter().map(|a| (a - m).powi(2)).sum()
    }

    /// Brute-force best first split of a CART regression tree.
    fn best_split(x: &[Vec<f64>], y: &[f64]) -> (usize, f64) {
        let mut best = (0, f64::NAN, f64::INFINITY);
        for j in 0..x[0].len() {
            let mut vals: Vec<f64> = x.iter().map(|r| r[j]).collect();
            vals.sort_by(f64::total_cmp);
            vals.dedup();
            for w in vals.windows(2) {
                let thr = (w[0] + w[1]) / 2.0;
                let (l, r): (Vec<f64>, Vec<f64>) = {
                    let mut l = vec![];
                    let mut r = vec![];
                    for (row, t) in x.iter().zip(y) {
                        if row[j] <= thr {
                            l.push(*t)
                        } else {
                            r.push(*t)
                        }
                    }
                    (l, r)
                };
                let cost = sse(&l) + sse(&r);
                if cost < best.2 - 1e-12 {
                    best = (j, thr, cost);
                }
            }
        }
        (best.0, best.1)
    }

    #[test]
    fn a_depth_one_tree_is_the_best_squared_error_stump() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let x: Vec<Vec<f64>> = (0..60)
            .map(|_| (0..3).map(|_| rng.random_range(0.0..10.0)).collect())
            .collect();
        let y: Vec<f64> = x
            .iter()
            .map(|r| if r[1] > 4.2 { 10.0 } else { 2.0 } + rng.random_range(-1.0..1.0))
            .collect();
        let m = matrix(x.clone(), y.clone());
        let s = TreeSettings {
            max_depth: Some(1),
            min_samples_leaf: 1,
            min_samples_split: 2,
        };
        let fit = TreeFit::fit(&m, s).unwrap();
        let (j, thr) = best_split(&x, &y);
        assert_eq!(j, 1);
        let left: Vec<f64> = x
            .iter()
            .zip(&y)
            .filter(|(r, _)| r[j] <= thr)
            .map(|(_, t)| *t)
            .collect();
        let right: Vec<f64> = x
            .iter()
            .zip(&y)
            .filter(|(r, _)| r[j] > thr)
            .map(|(_, t)| *t)
            .collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        for row in &x {
            let want = if row[j] <= thr {
                mean(&left)
            } else {
                mean(&right)
            };
            let got = fit.predict_row(row);
            assert!(
                (got - want).abs() < 1e-12,
                "{row:?}: got {got}, want {want} (thr {thr})"
            );
        }
    }

    #[test]
    fn a_full_tree_interpolates_distinct_training_rows() {
        let x: Vec<Vec<f64>> = (0..40).map(|i| vec![i as f64, (i % 7) as f64]).collect();
        let y: Vec<f64> = (0..40).map(|i| ((i * 37) % 11) as f64).collect();
        let m = matrix(x.clone(), y.clone());
        let s = TreeSettings {
            max_depth: None,
            min_samples_leaf: 1,
            min_samples_split: 2,
        };
        let fit = TreeFit::fit(&m, s).unwrap();
        for (r, t) in x.iter().zip(&y) {
            assert_eq!(fit.predict_row(r), *t);
        }
    }

    #[test]
    fn forest_is_deterministic_across_thread_counts_and_averages_trees() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let x: Vec<Vec<f64>> = (0..120)
            .map(|_| (0..4).map(|_| rng.random_range(0.0..1.0)).collect())
            .collect();
        let y: Vec<f64> = x.iter().map(|r| 3.0 * r[0] + r[2] * r[2]).collect();
        let m = matrix(x.clone(), y.clone());
        let s = TreeSettings {
            max_depth: None,
            min_samples_leaf: 1,
            min_samples_split: 2,
        };
        let fit_with = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| ForestFit::fit(&m, s, 25, Some(0.5), 42).unwrap())
        };
        let a = fit_with(1);
        let b = fit_with(2);
        assert_eq!(a.mtry, 2);
        for r in &x {
            assert_eq!(a.predict_row(r).to_bits(), b.predict_row(r).to_bits());
        }
        // Bagging reduces the error of one tree on fresh data (statistical sanity).
        let fresh: Vec<Vec<f64>> = (0..200)
            .map(|_| (0..4).map(|_| rng.random_range(0.0..1.0)).collect())
            .collect();
        let truth = |r: &Vec<f64>| 3.0 * r[0] + r[2] * r[2];
        let single = TreeFit::fit(&m, s).unwrap();
        let mse = |f: &dyn Fn(&[f64]) -> f64| {
            fresh.iter().map(|r| (f(r) - truth(r)).powi(2)).sum::<f64>() / fresh.len() as f64
        };
        assert!(mse(&|r| a.predict_row(r)) < mse(&|r| single.predict_row(r)));
        // A different seed gives a different forest.
        let c = ForestFit::fit(&m, s, 25, Some(0.5), 43).unwrap();
        assert!(x.iter().any(|r| a.predict_row(r) != c.predict_row(r)));
    }

    #[test]
    fn knn_is_the_mean_of_the_nearest_targets() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let x: Vec<Vec<f64>> = (0..50)
            .map(|_| (0..3).map(|_| rng.random_range(0.0..100.0)).collect())
            .collect();
        let y: Vec<f64> = (0..50).map(|_| rng.random_range(0.0..10.0)).collect();
        let m = matrix(x.clone(), y.clone());
        let uni = KnnFit::fit(&m, 4, KnnWeights::Uniform).unwrap();
        let dist = KnnFit::fit(&m, 4, KnnWeights::Distance).unwrap();
        for _ in 0..30 {
            let q: Vec<f64> = (0..3).map(|_| rng.random_range(0.0..100.0)).collect();
            let mut d: Vec<(f64, f64)> = x
                .iter()
                .zip(&y)
                .map(|(r, t)| {
                    let d2: f64 = r.iter().zip(&q).map(|(a, b)| (a - b).powi(2)).sum();
                    (d2.sqrt(), *t)
                })
                .collect();
            d.sort_by(|a, b| a.0.total_cmp(&b.0));
            let near = &d[..4];
            let mean = near.iter().map(|p| p.1).sum::<f64>() / 4.0;
            assert!((uni.predict_row(&q) - mean).abs() < 1e-9);
            let wsum: f64 = near.iter().map(|p| 1.0 / p.0).sum();
            let wmean = near.iter().map(|p| p.1 / p.0).sum::<f64>() / wsum;
            assert!((dist.predict_row(&q) - wmean).abs() < 1e-9);
        }
    }

    #[test]
    fn bad_settings_are_clear_errors() {
        let m = matrix(vec![vec![1.0], vec![2.0]], vec![1.0, 2.0]);
        assert!(KnnFit::fit(&m, 3, KnnWeights::Uniform).is_err());
        let s = TreeSettings {
            max_depth: None,
            min_samples_leaf: 0,
            min_samples_split: 2,
        };
        assert!(TreeFit::fit(&m, s).is_err());
        let s = TreeSettings {
            min_samples_leaf: 1,
            ..s
        };
        assert!(ForestFit::fit(&m, s, 0, None, 1).is_err());
        assert!(ForestFit::fit(&m, s, 3, Some(1.5), 1).is_err());
    }
}
