//! The training matrix of skforecast 0.26 (skforecast semantics notes §B.2) and the
//! window statistics shared by training and recursive prediction (§B.4).
//!
//! Rows are the targets `t = W .. n−1`; columns are, in this order, `lag_l` for each lag,
//! `roll_{stat}_{w}` for each window feature (computed on values up to `t−1`), then the exog
//! columns at the target's own position `t`.

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// A rolling statistic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stat {
    /// Mean.
    Mean,
    /// Sample standard deviation (ddof = 1; 0 for one value).
    Std,
    /// Minimum.
    Min,
    /// Maximum.
    Max,
    /// Sum.
    Sum,
    /// Median.
    Median,
    /// min / max.
    RatioMinMax,
    /// std / mean.
    CoefVariation,
    /// Exponentially weighted mean with `alpha` = 0.3.
    Ewm,
}

impl Stat {
    fn name(self) -> &'static str {
        match self {
            Stat::Mean => "mean",
            Stat::Std => "std",
            Stat::Min => "min",
            Stat::Max => "max",
            Stat::Sum => "sum",
            Stat::Median => "median",
            Stat::RatioMinMax => "ratio_min_max",
            Stat::CoefVariation => "coef_variation",
            Stat::Ewm => "ewm",
        }
    }
}

/// skforecast's default `alpha` for `ewm`.
pub const EWM_ALPHA: f64 = 0.3;

/// One window feature: a statistic over the last `window` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowFeature {
    /// The statistic.
    pub stat: Stat,
    /// Window length in observations.
    pub window: usize,
}

impl WindowFeature {
    /// Column name, `roll_{stat}_{w}` (ewm: `roll_ewm_{w}_alpha_0.3`).
    pub fn name(&self) -> String {
        match self.stat {
            Stat::Ewm => format!("roll_ewm_{}_alpha_{EWM_ALPHA}", self.window),
            s => format!("roll_{}_{}", s.name(), self.window),
        }
    }

    /// The statistic of `values` (the last `window` values before the target), ignoring NaN.
    /// Allocation-free except for the median (this runs at every step of every bootstrap path).
    pub fn compute(&self, values: &[f64]) -> f64 {
        let valid = || values.iter().copied().filter(|x| !x.is_nan());
        let (mut k, mut sum) = (0usize, 0.0);
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        for x in valid() {
            k += 1;
            sum += x;
            min = min.min(x);
            max = max.max(x);
        }
        if k == 0 {
            return f64::NAN;
        }
        let n = k as f64;
        let mean = sum / n;
        let std = || {
            if k < 2 {
                0.0
            } else {
                (valid().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
            }
        };
        match self.stat {
            Stat::Mean => mean,
            Stat::Std => std(),
            Stat::Min => min,
            Stat::Max => max,
            Stat::Sum => sum,
            Stat::Median => {
                let mut s: Vec<f64> = valid().collect();
                s.sort_by(|a, b| a.total_cmp(b));
                if k % 2 == 1 {
                    s[k / 2]
                } else {
                    (s[k / 2 - 1] + s[k / 2]) / 2.0
                }
            }
            Stat::RatioMinMax => min / max,
            Stat::CoefVariation => std() / mean,
            Stat::Ewm => {
                let (mut num, mut den) = (0.0, 0.0);
                for (i, x) in valid().enumerate() {
                    let w = (1.0 - EWM_ALPHA).powi((k - 1 - i) as i32);
                    num += x * w;
                    den += w;
                }
                num / den
            }
        }
    }
}

/// Lags and window features: everything a row needs from the series' own past.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Autoregressive {
    /// Lags, in column order (`lag_1` = previous value).
    pub lags: Vec<usize>,
    /// Window features, in column order.
    pub windows: Vec<WindowFeature>,
}

impl Autoregressive {
    /// Checks the lags and windows. Neither lags nor windows is allowed: the model is then a
    /// regression on the exog columns alone (trend, seasonality, holidays: the family of
    /// Prophet's additive model), which [`train_matrix`] refuses without exog.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.lags.contains(&0) || self.windows.iter().any(|w| w.window == 0) {
            return Err(ModelError::InvalidSpec(
                "lags and windows start at 1".into(),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for name in self.names() {
            if !seen.insert(name.clone()) {
                return Err(ModelError::InvalidSpec(format!("duplicated column {name}")));
            }
        }
        Ok(())
    }

    /// `W`: the largest lag or window; 1 without either, so that every fitted model keeps a
    /// last window (its one value is read by no feature).
    pub fn window_size(&self) -> usize {
        let l = self.lags.iter().copied().max().unwrap_or(0);
        let w = self.windows.iter().map(|w| w.window).max().unwrap_or(0);
        l.max(w).max(1)
    }

    /// True without lags and windows: an exog-only regression.
    pub fn is_empty(&self) -> bool {
        self.lags.is_empty() && self.windows.is_empty()
    }

    /// Column names of the autoregressive block.
    pub fn names(&self) -> Vec<String> {
        self.lags
            .iter()
            .map(|l| format!("lag_{l}"))
            .chain(self.windows.iter().map(WindowFeature::name))
            .collect()
    }

    /// The autoregressive features of the value at position `t` of `z` (uses `z[..t]` only).
    pub fn row(&self, z: &[f64], t: usize, out: &mut Vec<f64>) {
        let k = self.lags.len();
        if k > 0 && self.lags.iter().enumerate().all(|(i, l)| *l == i + 1) {
            // Lags 1..=k: the k values before t, newest first, as one slice.
            out.extend(z[t - k..t].iter().rev());
        } else {
            out.extend(self.lags.iter().map(|l| z[t - l]));
        }
        for w in &self.windows {
            out.push(w.compute(&z[t - w.window..t]));
        }
    }
}

/// A training matrix: `x` row-major `rows × names.len()`, targets `y`, and the position in
/// the series of each row's target.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainMatrix {
    /// Column names.
    pub names: Vec<String>,
    /// Row-major values.
    pub x: Vec<f64>,
    /// Targets.
    pub y: Vec<f64>,
    /// Series position of each row.
    pub positions: Vec<usize>,
}

impl TrainMatrix {
    /// Keeps the rows whose flag is true (flags in row order).
    pub fn retain_rows(&mut self, keep: &[bool]) {
        let p = self.cols();
        let mut x = Vec::with_capacity(self.x.len());
        let mut y = Vec::with_capacity(self.y.len());
        let mut pos = Vec::with_capacity(self.positions.len());
        for (i, k) in keep.iter().enumerate() {
            if *k {
                x.extend_from_slice(&self.x[i * p..(i + 1) * p]);
                y.push(self.y[i]);
                pos.push(self.positions[i]);
            }
        }
        self.x = x;
        self.y = y;
        self.positions = pos;
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.y.len()
    }
    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.names.len()
    }
    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.cols()..(i + 1) * self.cols()]
    }
}

/// Exogenous columns by name, one `Vec` per column, aligned with the series by position.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Exog {
    /// Column names, in order.
    pub names: Vec<String>,
    /// Column values.
    pub columns: Vec<Vec<f64>>,
    /// Columns held flat after the training range (parallel to `names`; empty = none): a
    /// model fitted on them keeps their last training value for every forecast step — a
    /// trend that explains the history without being extrapolated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<bool>,
}

impl Exog {
    /// An exog table; every column must have the same length.
    pub fn new(names: Vec<String>, columns: Vec<Vec<f64>>) -> Result<Self, ModelError> {
        if names.len() != columns.len() {
            return Err(ModelError::InvalidSpec(
                "exog names and columns differ in number".into(),
            ));
        }
        if let Some(first) = columns.first() {
            if let Some((k, c)) = columns
                .iter()
                .enumerate()
                .find(|(_, c)| c.len() != first.len())
            {
                return Err(ModelError::ExogShape {
                    column: names[k].clone(),
                    expected: first.len(),
                    got: c.len(),
                });
            }
        }
        Ok(Self {
            names,
            columns,
            held: Vec::new(),
        })
    }
    /// Whether column `j` is held flat after the training range.
    pub fn is_held(&self, j: usize) -> bool {
        self.held.get(j).copied().unwrap_or(false)
    }
    /// Rows.
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }
    /// Whether there are no rows (or no columns).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Rows `range` of every column.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Exog {
        Exog {
            names: self.names.clone(),
            columns: self
                .columns
                .iter()
                .map(|c| c[range.clone()].to_vec())
                .collect(),
            held: self.held.clone(),
        }
    }
}

/// Builds the training matrix of `z` (already transformed) with optional `exog` of the same
/// length. Rows whose target or any feature is NaN are dropped.
pub fn train_matrix(
    z: &[f64],
    ar: &Autoregressive,
    exog: Option<&Exog>,
) -> Result<TrainMatrix, ModelError> {
    ar.validate()?;
    if ar.is_empty() && exog.is_none_or(|e| e.names.is_empty()) {
        return Err(ModelError::InvalidSpec(
            "a model without lags or windows needs exog columns to regress on".into(),
        ));
    }
    let w = ar.window_size();
    if z.len() <= w {
        return Err(ModelError::TooShort {
            needed: w + 1,
            got: z.len(),
        });
    }
    if let Some(e) = exog {
        if !e.names.is_empty() && e.len() != z.len() {
            return Err(ModelError::ExogLength {
                expected: z.len(),
                got: e.len(),
            });
        }
    }
    let mut names = ar.names();
    if let Some(e) = exog {
        for n in &e.names {
            if names.contains(n) {
                return Err(ModelError::InvalidSpec(format!(
                    "exog column {n} duplicates a feature name"
                )));
            }
            names.push(n.clone());
        }
    }
    let mut m = TrainMatrix {
        names,
        x: Vec::new(),
        y: Vec::new(),
        positions: Vec::new(),
    };
    let p = m.names.len();
    m.x.reserve((z.len() - w) * p);
    m.y.reserve(z.len() - w);
    m.positions.reserve(z.len() - w);
    let complete = !z.iter().any(|v| v.is_nan())
        && exog.is_none_or(|e| e.columns.iter().all(|c| !c.iter().any(|v| v.is_nan())));
    if complete && ar.windows.is_empty() && ar.lags.iter().enumerate().all(|(i, l)| *l == i + 1) {
        // Lags 1..=k and exog without a missing value (the usual many-series design): every
        // row is kept, written straight into a matrix of its final size.
        let (k, rows) = (ar.lags.len(), z.len() - w);
        m.x.resize(rows * p, 0.0);
        for (r, row) in m.x.chunks_exact_mut(p).enumerate() {
            let t = w + r;
            for (o, v) in row[..k].iter_mut().zip(z[t - k..t].iter().rev()) {
                *o = *v;
            }
            if let Some(e) = exog {
                for (o, c) in row[k..].iter_mut().zip(&e.columns) {
                    *o = c[t];
                }
            }
        }
        m.y.extend_from_slice(&z[w..]);
        m.positions.extend(w..z.len());
        return Ok(m);
    }
    for t in w..z.len() {
        // Written in place; a row with a missing value is taken back.
        let start = m.x.len();
        ar.row(z, t, &mut m.x);
        if let Some(e) = exog {
            m.x.extend(e.columns.iter().map(|c| c[t]));
        }
        if z[t].is_nan() || m.x[start..].iter().any(|v| v.is_nan()) {
            m.x.truncate(start);
            continue;
        }
        m.y.push(z[t]);
        m.positions.push(t);
    }
    Ok(m)
}

/// A candidate's choice among the feature layer's columns, by the features crate's column
/// names: yearly Fourier pairs `year_sin_k`/`year_cos_k` up to an order, and the linear
/// `trend`. The feature layer holds the largest order; each candidate keeps what it asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExogFilter {
    /// Keep yearly Fourier pairs `1..=k` only (`null`: all there are).
    #[serde(default)]
    pub fourier_anual: Option<u32>,
    /// Keep (`true`) or drop (`false`) the `trend` column (`null`: as it is).
    #[serde(default)]
    pub tendencia: Option<bool>,
    /// A kept `trend` is held flat after the training range (a damped trend: fitted on the
    /// history, not extrapolated over the horizon).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tendencia_plana: bool,
    /// Keep (`true`) or drop (`false`) the trend's changepoint hinges `trend_cp_k` (`null`: as
    /// the trend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cambios: Option<bool>,
}

/// The order `k` of a yearly Fourier column: `year_sin_k`, `year_cos_k`, or a weekday's
/// seasonal profile `dow_d_year_sin_k` / `dow_d_year_cos_k` (which follows the yearly order
/// kept: without yearly terms there is no seasonal weekday profile).
fn yearly_order(name: &str) -> Option<u32> {
    let yearly = match name.strip_prefix("dow_") {
        Some(rest) => rest.split_once('_').map(|(_, y)| y)?,
        None => name,
    };
    yearly
        .strip_prefix("year_sin_")
        .or_else(|| yearly.strip_prefix("year_cos_"))
        .and_then(|k| k.parse::<u32>().ok())
}

/// The trend and its changepoint hinges (`trend_cp_k`).
fn is_trend(name: &str) -> bool {
    name == "trend" || name.starts_with("trend_cp_")
}

impl ExogFilter {
    /// Whether the filter keeps every column.
    pub fn is_all(&self) -> bool {
        self.fourier_anual.is_none()
            && self.tendencia.is_none()
            && !self.tendencia_plana
            && self.cambios.is_none()
    }

    /// Whether the column `name` is kept.
    pub fn keeps(&self, name: &str) -> bool {
        if is_trend(name) {
            let hinge = name != "trend";
            return self.tendencia.unwrap_or(true) && (!hinge || self.cambios.unwrap_or(true));
        }
        let order = yearly_order(name);
        match (order, self.fourier_anual) {
            (Some(k), Some(max)) => k <= max,
            _ => true,
        }
    }

    /// The kept columns of `exog`, in order.
    pub fn apply(&self, exog: &Exog) -> Exog {
        if self.is_all() {
            return exog.clone();
        }
        let mut out = Exog::default();
        for (j, (n, c)) in exog.names.iter().zip(&exog.columns).enumerate() {
            if self.keeps(n) {
                out.names.push(n.clone());
                out.columns.push(c.clone());
                out.held
                    .push(exog.is_held(j) || (self.tendencia_plana && is_trend(n)));
            }
        }
        if !out.held.iter().any(|h| *h) {
            out.held.clear();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_follow_numpy_and_pandas() {
        let v = [1.0, 2.0, 4.0, 8.0];
        let f = |stat| WindowFeature { stat, window: 4 }.compute(&v);
        assert_eq!(f(Stat::Mean), 3.75);
        assert_eq!(f(Stat::Median), 3.0);
        assert_eq!(f(Stat::Sum), 15.0);
        assert_eq!(f(Stat::RatioMinMax), 0.125);
        assert!((f(Stat::Std) - 3.0956959).abs() < 1e-6);
        let w: [f64; 4] = [0.343, 0.49, 0.7, 1.0];
        let ewm = (1.0 * w[0] + 2.0 * w[1] + 4.0 * w[2] + 8.0 * w[3]) / w.iter().sum::<f64>();
        assert!((f(Stat::Ewm) - ewm).abs() < 1e-12);
        assert_eq!(
            WindowFeature {
                stat: Stat::Std,
                window: 1
            }
            .compute(&[5.0]),
            0.0
        );
        assert_eq!(
            WindowFeature {
                stat: Stat::Ewm,
                window: 7
            }
            .name(),
            "roll_ewm_7_alpha_0.3"
        );
    }
}

/// A copy of `y` without NaN, for lags and windows only: each missing value (a closed day, a
/// gap) becomes the mean of the values `period`, 2·`period`, … `weeks`·`period` steps before
/// it (filled ones included, so long gaps carry the last seasonal pattern), or after it at the
/// start of the series, or the series mean. Pair it with a fit mask so that filled values are
/// never training targets ([`crate::ModelSpec::fit_masked`]).
pub fn fill_for_lags(y: &[f64], period: usize, weeks: usize) -> Vec<f64> {
    let period = period.max(1);
    let weeks = weeks.max(1);
    let finite: Vec<f64> = y.iter().copied().filter(|v| v.is_finite()).collect();
    let mean = if finite.is_empty() {
        0.0
    } else {
        finite.iter().sum::<f64>() / finite.len() as f64
    };
    let mut out = y.to_vec();
    for t in 0..out.len() {
        if out[t].is_finite() {
            continue;
        }
        let before: Vec<f64> = (1..=weeks)
            .filter_map(|k| t.checked_sub(k * period))
            .map(|i| out[i])
            .filter(|v| v.is_finite())
            .collect();
        let pool = if before.is_empty() {
            (1..=weeks)
                .map(|k| t + k * period)
                .filter(|i| *i < y.len())
                .map(|i| y[i])
                .filter(|v| v.is_finite())
                .collect()
        } else {
            before
        };
        out[t] = if pool.is_empty() {
            mean
        } else {
            pool.iter().sum::<f64>() / pool.len() as f64
        };
    }
    out
}

#[cfg(test)]
mod fill_tests {
    use super::fill_for_lags;

    #[test]
    fn missing_values_take_the_same_weekday_of_earlier_weeks() {
        let mut y: Vec<f64> = (0..28).map(|t| (t % 7) as f64 * 10.0).collect();
        y[21] = f64::NAN; // a Monday-like day: earlier ones are 0
        y[24] = f64::NAN;
        y[2] = f64::NAN; // at the start: taken from the weeks after
        let f = fill_for_lags(&y, 7, 4);
        assert_eq!(f[21], 0.0);
        assert_eq!(f[24], 30.0);
        assert_eq!(f[2], 20.0);
        assert!(f.iter().all(|v| v.is_finite()));
        assert_eq!(fill_for_lags(&[f64::NAN, f64::NAN], 7, 4), vec![0.0, 0.0]);
    }
}
