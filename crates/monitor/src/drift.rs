//! Drift statistics between a reference window and a recent window of one variable, with the
//! thresholds Evidently documents, plus the residual change detectors (CUSUM, Page–Hinkley)
//! and a range check like skforecast's `RangeDriftDetector`. Checked against scipy (vectors in
//! `tests/fixtures/drift_vectors.json`).
//!
//! Daily series are autocorrelated: KS p-values assume independent draws and are indicative
//! only; the distance measures (PSI, Jensen–Shannon, Wasserstein) do not rely on it.

use core_types::stats::quantile_sorted;
use serde::{Deserialize, Serialize};

fn clean(v: &[f64]) -> Vec<f64> {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    s.sort_by(f64::total_cmp);
    s
}

/// Share of `sorted` values `<= x`.
fn ecdf(sorted: &[f64], x: f64) -> f64 {
    sorted.partition_point(|v| *v <= x) as f64 / sorted.len() as f64
}

/// Two-sample Kolmogorov–Smirnov: the statistic `D = sup |F_ref − F_cur|` and the asymptotic
/// two-sided p-value (scipy `ks_2samp(method='asymp')`: Kolmogorov's limit distribution at
/// `√(n·m/(n+m))·D`).
pub fn ks_2samp(reference: &[f64], current: &[f64]) -> Option<(f64, f64)> {
    let (a, b) = (clean(reference), clean(current));
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let d = a
        .iter()
        .chain(&b)
        .map(|x| (ecdf(&a, *x) - ecdf(&b, *x)).abs())
        .fold(0.0, f64::max);
    let (n, m) = (a.len() as f64, b.len() as f64);
    let en = (n * m / (n + m)).sqrt();
    Some((d, kolmogorov_sf(en * d)))
}

/// Survival function of Kolmogorov's limit distribution: `2 Σ (−1)^(k−1) e^(−2k²x²)`.
pub fn kolmogorov_sf(x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    if x < 0.2 {
        // The alternating series converges slowly here; the CDF form is accurate instead.
        let t = std::f64::consts::PI.powi(2) / (8.0 * x * x);
        let cdf = (2.0 * std::f64::consts::PI).sqrt() / x
            * (1..=20)
                .map(|k| (-((2 * k - 1) as f64).powi(2) * t).exp())
                .sum::<f64>();
        return (1.0 - cdf).clamp(0.0, 1.0);
    }
    let mut s = 0.0;
    for k in 1..=100 {
        let term = (-2.0 * (k * k) as f64 * x * x).exp();
        s += if k % 2 == 1 { term } else { -term };
        if term < 1e-16 {
            break;
        }
    }
    (2.0 * s).clamp(0.0, 1.0)
}

/// 1-D Wasserstein distance (scipy `wasserstein_distance`): the area between the two ECDFs.
pub fn wasserstein(reference: &[f64], current: &[f64]) -> Option<f64> {
    let (a, b) = (clean(reference), clean(current));
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let mut all: Vec<f64> = a.iter().chain(&b).copied().collect();
    all.sort_by(f64::total_cmp);
    Some(
        all.windows(2)
            .map(|w| (ecdf(&a, w[0]) - ecdf(&b, w[0])).abs() * (w[1] - w[0]))
            .sum(),
    )
}

/// Wasserstein distance divided by the reference's population standard deviation
/// (Evidently's normed Wasserstein).
pub fn wasserstein_norm(reference: &[f64], current: &[f64]) -> Option<f64> {
    let a = clean(reference);
    let n = a.len() as f64;
    let mean = a.iter().sum::<f64>() / n;
    let sd = (a.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    let w = wasserstein(reference, current)?;
    Some(if sd > 0.0 { w / sd } else { w })
}

/// Shares of `values` in the bins cut at `edges` (internal edges; values equal to an edge go
/// to the upper bin), floored at `1e-4` as Evidently does so that empty bins stay finite.
fn shares(values: &[f64], edges: &[f64]) -> Vec<f64> {
    let mut counts = vec![0.0; edges.len() + 1];
    for v in values {
        counts[edges.partition_point(|e| e <= v)] += 1.0;
    }
    let n = values.len().max(1) as f64;
    counts.iter().map(|c| (c / n).max(1e-4)).collect()
}

/// Internal quantile edges of the reference (`bins` bins, duplicates removed).
fn reference_edges(a: &[f64], bins: usize) -> Vec<f64> {
    let mut e: Vec<f64> = (1..bins)
        .map(|i| quantile_sorted(a, i as f64 / bins as f64))
        .collect();
    e.dedup();
    e
}

/// Population stability index over `bins` quantile bins of the reference:
/// `Σ (cur − ref)·ln(cur/ref)`.
pub fn psi(reference: &[f64], current: &[f64], bins: usize) -> Option<f64> {
    let (a, b) = (clean(reference), clean(current));
    if a.is_empty() || b.is_empty() || bins < 2 {
        return None;
    }
    let edges = reference_edges(&a, bins);
    let (r, c) = (shares(&a, &edges), shares(&b, &edges));
    Some(r.iter().zip(&c).map(|(r, c)| (c - r) * (c / r).ln()).sum())
}

/// Jensen–Shannon distance (scipy `jensenshannon`, natural log) between the binned shares.
pub fn jensen_shannon(reference: &[f64], current: &[f64], bins: usize) -> Option<f64> {
    let (a, b) = (clean(reference), clean(current));
    if a.is_empty() || b.is_empty() || bins < 2 {
        return None;
    }
    let edges = reference_edges(&a, bins);
    let norm = |v: Vec<f64>| {
        let s: f64 = v.iter().sum();
        v.into_iter().map(|x| x / s).collect::<Vec<f64>>()
    };
    let (p, q) = (norm(shares(&a, &edges)), norm(shares(&b, &edges)));
    let kl = |x: &[f64], m: &[f64]| -> f64 {
        x.iter()
            .zip(m)
            .filter(|(x, _)| **x > 0.0)
            .map(|(x, m)| x * (x / m).ln())
            .sum()
    };
    let m: Vec<f64> = p.iter().zip(&q).map(|(a, b)| (a + b) / 2.0).collect();
    Some(((kl(&p, &m) + kl(&q, &m)) / 2.0).max(0.0).sqrt())
}

/// Values of `current` outside the reference's `[min, max]` (skforecast's
/// `RangeDriftDetector`): `(below, above)` counts.
pub fn out_of_range(reference: &[f64], current: &[f64]) -> (usize, usize) {
    let a = clean(reference);
    let (Some(lo), Some(hi)) = (a.first(), a.last()) else {
        return (0, 0);
    };
    current
        .iter()
        .filter(|x| x.is_finite())
        .fold((0, 0), |(b, o), x| {
            (b + usize::from(x < lo), o + usize::from(x > hi))
        })
}

/// Thresholds (Evidently's documented defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriftThresholds {
    /// KS p-value at or below which drift is flagged (0.05).
    pub ks_p_value: f64,
    /// Normed Wasserstein at or above which drift is flagged (0.1).
    pub wasserstein_norm: f64,
    /// Jensen–Shannon distance at or above which drift is flagged (0.1).
    pub jensen_shannon: f64,
    /// PSI warning level (0.1) and alert level (0.25).
    pub psi_warn: f64,
    /// PSI alert level.
    pub psi_alert: f64,
    /// Bins for PSI and Jensen–Shannon.
    pub bins: usize,
}

impl Default for DriftThresholds {
    fn default() -> Self {
        Self {
            ks_p_value: 0.05,
            wasserstein_norm: 0.1,
            jensen_shannon: 0.1,
            psi_warn: 0.1,
            psi_alert: 0.25,
            bins: 10,
        }
    }
}

/// Every drift measure of one variable.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct DriftReport {
    /// KS statistic.
    pub ks_statistic: f64,
    /// KS asymptotic p-value (indicative: daily values are autocorrelated).
    pub ks_p_value: f64,
    /// PSI.
    pub psi: f64,
    /// Jensen–Shannon distance.
    pub jensen_shannon: f64,
    /// Normed Wasserstein distance.
    pub wasserstein_norm: f64,
    /// Current values below / above the reference range.
    pub out_of_range: (usize, usize),
    /// Measures past their threshold.
    pub flags: Vec<String>,
}

/// Computes every measure and flags those past their threshold; `None` when a window is empty.
pub fn drift(reference: &[f64], current: &[f64], t: &DriftThresholds) -> Option<DriftReport> {
    let (ks_statistic, ks_p_value) = ks_2samp(reference, current)?;
    let psi = psi(reference, current, t.bins)?;
    let jensen_shannon = jensen_shannon(reference, current, t.bins)?;
    let wasserstein_norm = wasserstein_norm(reference, current)?;
    let mut flags = Vec::new();
    if ks_p_value <= t.ks_p_value {
        flags.push("ks".into());
    }
    if psi >= t.psi_alert {
        flags.push("psi_alert".into());
    } else if psi >= t.psi_warn {
        flags.push("psi_warn".into());
    }
    if jensen_shannon >= t.jensen_shannon {
        flags.push("jensen_shannon".into());
    }
    if wasserstein_norm >= t.wasserstein_norm {
        flags.push("wasserstein".into());
    }
    Some(DriftReport {
        ks_statistic,
        ks_p_value,
        psi,
        jensen_shannon,
        wasserstein_norm,
        out_of_range: out_of_range(reference, current),
        flags,
    })
}

/// Two-sided tabular CUSUM on errors standardised with the reference error's mean and
/// standard deviation: `S⁺ = max(0, S⁺ + z − k)`, `S⁻ = max(0, S⁻ − z − k)`; the index of the
/// first time either passes `h` (in standard deviations).
pub fn cusum_alarm(errors: &[f64], mean: f64, sd: f64, k: f64, h: f64) -> Option<usize> {
    let (mut hi, mut lo) = (0.0f64, 0.0f64);
    let sd = if sd > 0.0 { sd } else { 1.0 };
    for (i, e) in errors.iter().enumerate() {
        if !e.is_finite() {
            continue;
        }
        let z = (e - mean) / sd;
        hi = (hi + z - k).max(0.0);
        lo = (lo - z - k).max(0.0);
        if hi > h || lo > h {
            return Some(i);
        }
    }
    None
}

/// Page–Hinkley test for an upward shift in the mean: `m_t = Σ (x_i − x̄_t − δ)`, alarm at the
/// first `t` with `m_t − min m > λ`. Run it on `−x` for downward shifts.
pub fn page_hinkley_alarm(x: &[f64], delta: f64, lambda: f64) -> Option<usize> {
    let (mut n, mut mean, mut m, mut min_m) = (0.0, 0.0, 0.0f64, 0.0f64);
    for (i, v) in x.iter().enumerate() {
        if !v.is_finite() {
            continue;
        }
        n += 1.0;
        mean += (v - mean) / n;
        m += v - mean - delta;
        min_m = min_m.min(m);
        if m - min_m > lambda {
            return Some(i);
        }
    }
    None
}
