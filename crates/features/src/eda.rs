//! Phase 03: the exploratory analysis of the cleansed series.
//!
//! Uplifts of short calendar effects (paydays, primas, promotions, festivos, special days) are
//! measured against the local level — the centred rolling median of ±`local_window` days —
//! so that trend and season cancel out. The December block is measured against the mean of
//! the same year's ordinary days (1 December – 6 January excluded), since the whole month is
//! high. ACF/PACF use the model-ready series with pairwise-complete pairs.

use std::collections::BTreeMap;

use calendar::{Calendar, CalendarConfig, DayInfo};
use chrono::{Datelike, NaiveDate};
use core_types::{cols, DateSpan};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::FeaturesError;

/// EDA settings (`eda:` in config.yaml).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdaConfig {
    /// Largest ACF/PACF lag.
    pub max_lag: usize,
    /// Half-width of the local level (rolling median), in days.
    pub local_window: usize,
    /// z of the ACF/PACF confidence band (1.96 ≈ 95 %).
    pub z: f64,
    /// Most lags suggested.
    pub max_suggested_lags: usize,
}

impl Default for EdaConfig {
    fn default() -> Self {
        Self {
            max_lag: 400,
            local_window: 14,
            z: 1.96,
            max_suggested_lags: 10,
        }
    }
}

/// Coverage of the cleansed series.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Coverage {
    /// First date.
    pub first: NaiveDate,
    /// Last date.
    pub last: NaiveDate,
    /// Days.
    pub days: u64,
    /// Days with a valid value.
    pub observed: u64,
    /// Dates with no source row.
    pub missing_dates: u64,
    /// Flagged days.
    pub flagged: u64,
    /// Days imputed in the model-ready column.
    pub imputed: u64,
    /// Closed days.
    pub closed: u64,
}

/// Mean level of a period.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Level {
    /// `YYYY` or `YYYY-MM`.
    pub period: String,
    /// Days with values.
    pub days: u64,
    /// Mean units.
    pub mean: f64,
    /// Ratio to the previous period of the same kind (years only).
    pub growth: Option<f64>,
}

/// An uplift: the mean of a group of days relative to the comparison days.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Uplift {
    /// What the group is.
    pub name: String,
    /// Days in the group with values.
    pub days: u64,
    /// Ratio (1.0 = no effect).
    pub ratio: Option<f64>,
}

/// Level of each pandemic phase against the year before the pandemic.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct PhaseLevel {
    /// Phase number (0 = none).
    pub phase: u8,
    /// Days with values.
    pub days: u64,
    /// Mean units.
    pub mean: f64,
    /// Ratio to the mean of the 365 days before the first phase.
    pub ratio_to_pre_pandemic: Option<f64>,
}

/// A suggested window feature.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct WindowSuggestion {
    /// Statistic (`mean`, `std`, …).
    pub stat: String,
    /// Window in days.
    pub window: usize,
    /// Why.
    pub reason: String,
}

/// The EDA report.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct EdaReport {
    /// Coverage.
    pub coverage: Coverage,
    /// Mean level per year.
    pub level_by_year: Vec<Level>,
    /// Mean level per month.
    pub level_by_month: Vec<Level>,
    /// Weekly profile by `dow_eff` (Monday = 0), relative to the local level.
    pub weekly_profile_dow_eff: Vec<Option<f64>>,
    /// Weekly profile by raw `dow`, for comparison.
    pub weekly_profile_dow: Vec<Option<f64>>,
    /// Yearly profile: mean of each calendar month relative to its year's mean.
    pub yearly_profile: Vec<Option<f64>>,
    /// December block and novena days against the same year's ordinary days.
    pub december: Vec<Uplift>,
    /// Payday, prima, promotion, festivo and special-day uplifts against the local level.
    pub uplifts: Vec<Uplift>,
    /// Pandemic phases.
    pub pandemic: Vec<PhaseLevel>,
    /// ACF at lags 1..=max_lag.
    pub acf: Vec<f64>,
    /// PACF at lags 1..=max_lag (Durbin–Levinson).
    pub pacf: Vec<f64>,
    /// Half-width of the confidence band, `z / sqrt(n)`.
    pub confidence_band: f64,
    /// Weekly seasonality strength in [0, 1] (Hyndman's F_S).
    pub seasonality_strength_weekly: Option<f64>,
    /// Yearly seasonality strength in [0, 1].
    pub seasonality_strength_yearly: Option<f64>,
    /// Suggested lags (used by phase 05 when its search space asks for `auto`).
    pub suggested_lags: Vec<usize>,
    /// Suggested window features.
    pub suggested_windows: Vec<WindowSuggestion>,
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn variance(v: &[f64]) -> Option<f64> {
    let m = mean(v)?;
    (v.len() > 1).then(|| v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64)
}

/// Autocorrelation at lags 1..=max_lag with pairwise-complete pairs.
pub fn acf(x: &[Option<f64>], max_lag: usize) -> Vec<f64> {
    let vals: Vec<f64> = x.iter().flatten().copied().collect();
    let Some(m) = mean(&vals) else {
        return vec![0.0; max_lag];
    };
    let denom: f64 = vals.iter().map(|v| (v - m).powi(2)).sum::<f64>() / vals.len() as f64;
    (1..=max_lag)
        .map(|k| {
            let (mut s, mut n) = (0.0, 0usize);
            for t in 0..x.len().saturating_sub(k) {
                if let (Some(a), Some(b)) = (x[t], x[t + k]) {
                    s += (a - m) * (b - m);
                    n += 1;
                }
            }
            if n == 0 || denom == 0.0 {
                0.0
            } else {
                s / n as f64 / denom
            }
        })
        .collect()
}

/// Partial autocorrelation from the ACF by the Durbin–Levinson recursion.
pub fn pacf(r: &[f64]) -> Vec<f64> {
    let l = r.len();
    let mut out = Vec::with_capacity(l);
    let mut phi: Vec<f64> = Vec::new();
    for k in 1..=l {
        let num = r[k - 1] - (1..k).map(|j| phi[j - 1] * r[k - j - 1]).sum::<f64>();
        let den = 1.0 - (1..k).map(|j| phi[j - 1] * r[j - 1]).sum::<f64>();
        let p = if den.abs() < 1e-12 { 0.0 } else { num / den };
        let prev = phi.clone();
        phi = (1..k).map(|j| prev[j - 1] - p * prev[k - j - 1]).collect();
        phi.push(p);
        out.push(p);
    }
    out
}

fn centred_mean(x: &[Option<f64>], half: usize) -> Vec<Option<f64>> {
    (0..x.len())
        .map(|i| {
            if i < half || i + half >= x.len() {
                return None;
            }
            let w: Vec<f64> = x[i - half..=i + half].iter().flatten().copied().collect();
            (w.len() > half).then(|| mean(&w).expect("non-empty"))
        })
        .collect()
}

/// Hyndman's seasonal strength `max(0, 1 − Var(R) / Var(S + R))` with `S` the mean of the
/// detrended values per `key`.
fn strength(detrended: &[Option<f64>], key: impl Fn(usize) -> usize) -> Option<f64> {
    let mut groups: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
    for (i, d) in detrended.iter().enumerate() {
        if let Some(v) = d {
            groups.entry(key(i)).or_default().push(*v);
        }
    }
    let season: BTreeMap<usize, f64> = groups
        .iter()
        .map(|(k, v)| (*k, mean(v).expect("non-empty")))
        .collect();
    let (mut sr, mut r) = (Vec::new(), Vec::new());
    for (i, d) in detrended.iter().enumerate() {
        if let Some(v) = d {
            sr.push(*v);
            r.push(v - season[&key(i)]);
        }
    }
    let (vr, vsr) = (variance(&r)?, variance(&sr)?);
    (vsr > 0.0).then(|| (1.0 - vr / vsr).max(0.0))
}

struct Series {
    dates: Vec<NaiveDate>,
    y: Vec<Option<f64>>,
    model: Vec<Option<f64>>,
    open: Vec<bool>,
    promo: Vec<bool>,
    missing: Vec<bool>,
    flagged: Vec<bool>,
    imputed: Vec<bool>,
}

fn read(df: &DataFrame) -> Result<Series, FeaturesError> {
    let col = |n: &str| {
        df.column(n)
            .map_err(|_| FeaturesError::MissingColumn(n.into()))
    };
    let f64s = |n: &str| -> Result<Vec<Option<f64>>, FeaturesError> {
        Ok(col(n)?
            .as_materialized_series()
            .cast(&DataType::Float64)?
            .f64()?
            .iter()
            .collect())
    };
    let bools = |n: &str| -> Result<Vec<bool>, FeaturesError> {
        Ok(col(n)?.bool()?.iter().map(|b| b.unwrap_or(false)).collect())
    };
    Ok(Series {
        dates: col(cols::FECHA)?.date()?.as_date_iter().flatten().collect(),
        y: f64s(cols::UNIDADES_VENDIDAS)?,
        model: f64s(cols::UNIDADES_MODELO)?,
        open: col(cols::ABIERTO)?
            .bool()?
            .iter()
            .map(|b| b.unwrap_or(true))
            .collect(),
        promo: bools(cols::PROMOCION)?,
        missing: bools(cols::ES_FALTANTE)?,
        flagged: bools(cols::ES_ATIPICO)?,
        imputed: bools(cols::ES_IMPUTADO)?,
    })
}

fn ratio_of(num: &[f64], den: &[f64]) -> Option<f64> {
    match (mean(num), mean(den)) {
        (Some(a), Some(b)) if b != 0.0 => Some(a / b),
        _ => None,
    }
}

/// Analyses the cleansed series.
pub fn analyse(
    cleansed: &DataFrame,
    calendar: &CalendarConfig,
    cfg: &EdaConfig,
) -> Result<EdaReport, FeaturesError> {
    let s = read(cleansed)?;
    let (Some(first), Some(last)) = (s.dates.first().copied(), s.dates.last().copied()) else {
        return Err(FeaturesError::Empty);
    };
    if s.dates.len() != (last - first).num_days() as usize + 1 {
        return Err(FeaturesError::InvalidConfig {
            key: "eda".into(),
            message: "the cleansed layer is not a complete daily grid".into(),
        });
    }
    let cal = Calendar::new(calendar, DateSpan::new(first, last).expect("ordered"))?;
    let info: Vec<DayInfo> = cal.days();
    let n = s.dates.len();
    let y: Vec<Option<f64>> = (0..n)
        .map(|i| if s.open[i] { s.y[i] } else { None })
        .collect();
    let coverage = Coverage {
        first,
        last,
        days: n as u64,
        observed: y.iter().flatten().count() as u64,
        missing_dates: s.missing.iter().filter(|b| **b).count() as u64,
        flagged: s.flagged.iter().filter(|b| **b).count() as u64,
        imputed: s.imputed.iter().filter(|b| **b).count() as u64,
        closed: s.open.iter().filter(|b| !**b).count() as u64,
    };
    // Levels.
    let mut by_year: BTreeMap<i32, Vec<f64>> = BTreeMap::new();
    let mut by_month: BTreeMap<(i32, u32), Vec<f64>> = BTreeMap::new();
    for (i, d) in s.dates.iter().enumerate() {
        if let Some(v) = y[i] {
            by_year.entry(d.year()).or_default().push(v);
            by_month.entry((d.year(), d.month())).or_default().push(v);
        }
    }
    let mut level_by_year = Vec::new();
    let mut prev: Option<f64> = None;
    for (yr, v) in &by_year {
        let m = mean(v).expect("non-empty");
        level_by_year.push(Level {
            period: yr.to_string(),
            days: v.len() as u64,
            mean: m,
            growth: prev.map(|p| m / p),
        });
        prev = Some(m);
    }
    let level_by_month = by_month
        .iter()
        .map(|((yr, mo), v)| Level {
            period: format!("{yr}-{mo:02}"),
            days: v.len() as u64,
            mean: mean(v).expect("non-empty"),
            growth: None,
        })
        .collect();
    // Local level and normalised values.
    let w = cfg.local_window;
    let local: Vec<Option<f64>> = (0..n)
        .map(|i| {
            let lo = i.saturating_sub(w);
            let hi = (i + w).min(n - 1);
            median(y[lo..=hi].iter().flatten().copied().collect())
        })
        .collect();
    let norm: Vec<Option<f64>> = (0..n)
        .map(|i| match (y[i], local[i]) {
            (Some(v), Some(l)) if l > 0.0 => Some(v / l),
            _ => None,
        })
        .collect();
    let profile = |key: &dyn Fn(usize) -> usize, k: usize| -> Vec<Option<f64>> {
        let all: Vec<f64> = norm.iter().flatten().copied().collect();
        let overall = mean(&all);
        (0..k)
            .map(|g| {
                let v: Vec<f64> = (0..n)
                    .filter(|&i| key(i) == g)
                    .filter_map(|i| norm[i])
                    .collect();
                match (mean(&v), overall) {
                    (Some(a), Some(b)) => Some(a / b),
                    _ => None,
                }
            })
            .collect()
    };
    let weekly_profile_dow_eff = profile(&|i| info[i].dow_eff as usize, 7);
    let weekly_profile_dow = profile(&|i| info[i].dow as usize, 7);
    // Yearly profile: month mean / year mean, averaged over years.
    let mut month_ratios: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    for ((yr, mo), v) in &by_month {
        let ym = mean(&by_year[yr]).expect("non-empty");
        month_ratios
            .entry(*mo)
            .or_default()
            .push(mean(v).expect("non-empty") / ym);
    }
    let yearly_profile = (1..=12)
        .map(|m| month_ratios.get(&m).and_then(|v| mean(v)))
        .collect();
    // December block against the same year's ordinary days.
    let season = |d: NaiveDate| d.month() == 12 || (d.month() == 1 && d.day() <= 6);
    let mut ordinary: BTreeMap<i32, Vec<f64>> = BTreeMap::new();
    for (i, d) in s.dates.iter().enumerate() {
        if let (Some(v), false) = (y[i], season(*d)) {
            ordinary.entry(d.year()).or_default().push(v);
        }
    }
    let ordinary_mean: BTreeMap<i32, f64> = ordinary
        .iter()
        .filter_map(|(k, v)| mean(v).map(|m| (*k, m)))
        .collect();
    let year_norm: Vec<Option<f64>> = (0..n)
        .map(|i| {
            let d = s.dates[i];
            // 1–6 January belongs to the season that started the December before.
            let yr = if d.month() == 1 {
                d.year() - 1
            } else {
                d.year()
            };
            match (
                y[i],
                ordinary_mean.get(&yr).or(ordinary_mean.get(&d.year())),
            ) {
                (Some(v), Some(m)) if *m > 0.0 => Some(v / m),
                _ => None,
            }
        })
        .collect();
    let group = |name: &str, pred: &dyn Fn(&DayInfo) -> bool| -> Uplift {
        let v: Vec<f64> = (0..n)
            .filter(|&i| pred(&info[i]))
            .filter_map(|i| year_norm[i])
            .collect();
        Uplift {
            name: name.into(),
            days: v.len() as u64,
            ratio: mean(&v),
        }
    };
    let mut december = vec![
        group("dic_inicio", &|d| d.special.is_dic_inicio),
        group("velitas", &|d| d.special.is_velitas),
        group("dic_medio", &|d| d.special.is_dic_medio),
    ];
    for k in 1..=9u8 {
        december.push(group(&format!("novena_dia_{k}"), &|d| {
            d.special.novena_day == Some(k)
        }));
    }
    december.extend([
        group("nochebuena", &|d| d.special.is_nochebuena),
        group("navidad", &|d| d.special.is_navidad),
        group("fin_de_ano", &|d| d.special.is_fin_de_ano),
        group("nochevieja", &|d| d.special.is_nochevieja),
        group("ano_nuevo", &|d| d.special.is_ano_nuevo),
        group("enero_reyes", &|d| d.special.is_enero_reyes),
    ]);
    // Short effects against the local level, outside the December season.
    let uplift = |name: &str, pred: &dyn Fn(usize) -> bool| -> Uplift {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (i, v) in norm.iter().enumerate() {
            let Some(v) = *v else { continue };
            if season(s.dates[i]) {
                continue;
            }
            if pred(i) {
                a.push(v)
            } else {
                b.push(v)
            }
        }
        Uplift {
            name: name.into(),
            days: a.len() as u64,
            ratio: ratio_of(&a, &b),
        }
    };
    let uplifts = vec![
        uplift("post_payday_window", &|i| info[i].post_payday_window),
        uplift("prima_window", &|i| info[i].is_prima_window),
        uplift("promocion", &|i| s.promo[i]),
        uplift("festivo", &|i| info[i].is_festivo),
        uplift("dia_madre", &|i| info[i].special.is_dia_madre),
        uplift("amor_amistad", &|i| info[i].special.is_amor_amistad),
        uplift("halloween", &|i| info[i].special.is_halloween),
        uplift("semana_santa", &|i| info[i].special.is_semana_santa),
    ];
    // Pandemic phases against the year before the first phase.
    let start = calendar.pandemia.fases.iter().map(|f| f.desde).min();
    let pre: Vec<f64> = match start {
        Some(st) => (0..n)
            .filter(|&i| s.dates[i] < st && (st - s.dates[i]).num_days() <= 365)
            .filter_map(|i| y[i])
            .collect(),
        None => Vec::new(),
    };
    let mut phases: BTreeMap<u8, Vec<f64>> = BTreeMap::new();
    for i in 0..n {
        if let Some(v) = y[i] {
            phases.entry(info[i].pandemic_phase).or_default().push(v);
        }
    }
    let pre_mean = mean(&pre);
    let pandemic = phases
        .iter()
        .map(|(p, v)| {
            let m = mean(v).expect("non-empty");
            PhaseLevel {
                phase: *p,
                days: v.len() as u64,
                mean: m,
                ratio_to_pre_pandemic: pre_mean.map(|b| m / b),
            }
        })
        .collect();
    // ACF / PACF on the model-ready series.
    let x: Vec<Option<f64>> = (0..n)
        .map(|i| if s.open[i] { s.model[i] } else { None })
        .collect();
    let max_lag = cfg.max_lag.min(n.saturating_sub(2)).max(1);
    let r = acf(&x, max_lag);
    let p = pacf(&r);
    let observed = x.iter().flatten().count().max(1);
    let band = cfg.z / (observed as f64).sqrt();
    // Seasonality strength.
    let trend7 = centred_mean(&x, 3);
    let detr7: Vec<Option<f64>> = (0..n).map(|i| Some(x[i]? - trend7[i]?)).collect();
    let seasonality_strength_weekly = strength(&detr7, |i| info[i].dow_eff as usize);
    let seasonality_strength_yearly = if n >= 3 * 365 {
        let weekly_mean: BTreeMap<u32, f64> = (0..7)
            .filter_map(|k| {
                let v: Vec<f64> = (0..n)
                    .filter(|&i| info[i].dow_eff == k)
                    .filter_map(|i| detr7[i])
                    .collect();
                mean(&v).map(|m| (k, m))
            })
            .collect();
        let adj: Vec<Option<f64>> = (0..n)
            .map(|i| Some(x[i]? - weekly_mean.get(&info[i].dow_eff).copied().unwrap_or(0.0)))
            .collect();
        let trend_y = centred_mean(&adj, 182);
        let detr_y: Vec<Option<f64>> = (0..n).map(|i| Some(adj[i]? - trend_y[i]?)).collect();
        // Seasonal component by week of year (53 groups) to smooth day-of-year noise.
        strength(&detr_y, |i| (s.dates[i].ordinal0() / 7) as usize)
    } else {
        None
    };
    // Suggested lags: significant in both ACF and PACF, strongest PACF first.
    let mut cands: Vec<(usize, f64)> = (1..=max_lag)
        .filter(|&k| r[k - 1].abs() > band && p[k - 1].abs() > band)
        .map(|k| (k, p[k - 1].abs()))
        .collect();
    cands.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut suggested_lags: Vec<usize> = cands
        .iter()
        .take(cfg.max_suggested_lags)
        .map(|c| c.0)
        .collect();
    suggested_lags.sort_unstable();
    let mut suggested_windows = Vec::new();
    if seasonality_strength_weekly.is_some_and(|s| s > 0.3) {
        suggested_windows.push(WindowSuggestion {
            stat: "mean".into(),
            window: 7,
            reason: "strong weekly seasonality: a weekly mean carries the level without the weekday pattern".into(),
        });
    }
    if max_lag >= 28 && r[27].abs() > band {
        suggested_windows.push(WindowSuggestion {
            stat: "mean".into(),
            window: 28,
            reason: "the ACF at lag 28 is significant: a four-week level".into(),
        });
    }
    if seasonality_strength_yearly.is_some_and(|s| s > 0.3)
        || (max_lag >= 364 && r[363].abs() > band)
    {
        suggested_windows.push(WindowSuggestion {
            stat: "mean".into(),
            window: 364,
            reason: "yearly seasonality: last year's level".into(),
        });
    }
    Ok(EdaReport {
        coverage,
        level_by_year,
        level_by_month,
        weekly_profile_dow_eff,
        weekly_profile_dow,
        yearly_profile,
        december,
        uplifts,
        pandemic,
        acf: r,
        pacf: p,
        confidence_band: band,
        seasonality_strength_weekly,
        seasonality_strength_yearly,
        suggested_lags,
        suggested_windows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acf_of_a_period_7_signal_peaks_at_7_and_pacf_of_ar1_cuts_off() {
        let x: Vec<Option<f64>> = (0..700).map(|t| Some(((t % 7) as f64).sin())).collect();
        let r = acf(&x, 21);
        assert!((r[6] - 1.0).abs() < 0.02, "{}", r[6]);
        assert!(r[2] < 0.5);
        // AR(1) with phi = 0.8: acf_k = 0.8^k, pacf_1 = 0.8, pacf_k≈0 for k>1.
        let r: Vec<f64> = (1..=10).map(|k| 0.8f64.powi(k)).collect();
        let p = pacf(&r);
        assert!((p[0] - 0.8).abs() < 1e-12);
        assert!(p[1..].iter().all(|v| v.abs() < 1e-9), "{p:?}");
    }

    #[test]
    fn acf_skips_missing_pairs() {
        let x = vec![Some(1.0), None, Some(3.0), Some(1.0), None, Some(3.0)];
        let r = acf(&x, 3);
        assert!(r.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn strength_is_one_for_a_pure_season_and_zero_for_noise_free_of_it() {
        let pure: Vec<Option<f64>> = (0..70).map(|i| Some((i % 7) as f64 - 3.0)).collect();
        assert!((strength(&pure, |i| i % 7).unwrap() - 1.0).abs() < 1e-12);
        let flat: Vec<Option<f64>> = (0..70)
            .map(|i| Some(if i % 2 == 0 { 1.0 } else { -1.0 }))
            .collect();
        // Alternating noise is not a weekly pattern: little of it is explained by weekday.
        assert!(strength(&flat, |i| i % 7).unwrap() < 0.1);
    }
}
