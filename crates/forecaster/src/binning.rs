//! skforecast's `QuantileBinner(n_bins, method='linear')` (§B.5); numpy's linear quantile lives in
//! `core_types::stats`.

pub use core_types::stats::{quantile, quantile_sorted};

/// Bins fitted on the quantiles of the in-sample predictions; every bin holds at least one of
/// them.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileBinner {
    /// All edges (`n_bins + 1` of them).
    pub edges: Vec<f64>,
}

impl QuantileBinner {
    /// Fits `n_bins` quantile bins on `x` (NaN ignored), as skforecast does: percentiles at
    /// `linspace(0, 100, n_bins + 1)`, duplicates removed, edges of empty bins dropped.
    pub fn fit(x: &[f64], n_bins: usize) -> Option<Self> {
        let mut sorted: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
        if sorted.is_empty() || n_bins == 0 {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let mut edges: Vec<f64> = (0..=n_bins)
            .map(|i| {
                // np.linspace(0, 100, n + 1)[i] then np.percentile's q / 100.
                let pct = if i == n_bins {
                    100.0
                } else {
                    i as f64 * (100.0 / n_bins as f64)
                };
                quantile_sorted(&sorted, pct / 100.0)
            })
            .collect();
        edges.dedup();
        if edges.len() == 1 {
            edges.push(edges[0]);
        }
        let provisional = Self {
            edges: edges.clone(),
        };
        let mut counts = vec![0usize; edges.len() - 1];
        for v in &sorted {
            counts[provisional.bin(*v)] += 1;
        }
        if counts.contains(&0) {
            let mut kept = vec![edges[0]];
            kept.extend(
                edges[1..]
                    .iter()
                    .zip(&counts)
                    .filter(|(_, c)| **c > 0)
                    .map(|(e, _)| *e),
            );
            edges = kept;
        }
        Some(Self { edges })
    }

    /// Number of bins.
    pub fn n_bins(&self) -> usize {
        self.edges.len() - 1
    }

    /// The bin of `v`: `searchsorted(internal_edges, v, side='right')`.
    pub fn bin(&self, v: f64) -> usize {
        let internal = &self.edges[1..self.edges.len() - 1];
        internal.partition_point(|e| *e <= v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_quantiles_and_never_empty() {
        let x: Vec<f64> = (0..100).map(|i| i as f64).collect();
        let b = QuantileBinner::fit(&x, 10).unwrap();
        assert_eq!(b.n_bins(), 10);
        assert!((b.edges[1] - 9.9).abs() < 1e-12);
        assert_eq!(b.bin(-5.0), 0);
        assert_eq!(b.bin(9.9), 1);
        assert_eq!(b.bin(500.0), 9);
        // Many ties: duplicated edges go, and every remaining bin holds a value.
        let ties: Vec<f64> = (0..50)
            .map(|i| if i < 40 { 1.0 } else { i as f64 })
            .collect();
        let b = QuantileBinner::fit(&ties, 10).unwrap();
        let mut counts = vec![0; b.n_bins()];
        for v in &ties {
            counts[b.bin(*v)] += 1;
        }
        assert!(counts.iter().all(|c| *c > 0), "{:?} {counts:?}", b.edges);
        assert!(b.n_bins() < 10);
        let constant = QuantileBinner::fit(&[2.0; 5], 10).unwrap();
        assert_eq!(constant.n_bins(), 1);
    }
}
