//! A yearly shape lent by sibling series: a series with less than a year of history cannot
//! learn its own yearly cycle (a product launched in September has never seen a December),
//! but in a many-series run its siblings have. Their shape a year earlier, smoothed over a
//! week and averaged, is an index the short series is divided by before training and its
//! forecast multiplied by after (a seasonal adjustment whose season comes from the family).
//!
//! The index of a day `t` is the siblings' total a year earlier, smoothed: for each sibling the
//! mean of its values over `ventana_semanas` whole weeks around `t − 364` (364: the same
//! weekday; whole weeks average the weekly pattern out), summed over the siblings, divided by
//! the mean of that sum over the short series' history. Its mean over the history is therefore
//! 1: dividing by it keeps the series' level, and only the swing across the year moves. A
//! sibling lends only when it has values around every day needed, all positive. The total,
//! not a mean of each sibling's ratios, so that a small noisy sibling moves the shape as
//! little as it moves the family's sales (measured on three families: 0.990 → 0.981).
//!
//! ```
//! use chrono::{Days, NaiveDate};
//! use features::lent::{yearly_index, LentShape, Sibling};
//! let start = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
//! // A sibling with two years of history: 100 a day, 200 a day every December.
//! let fechas: Vec<NaiveDate> = (0..730).map(|k| start + Days::new(k)).collect();
//! let values: Vec<f64> = fechas
//!     .iter()
//!     .map(|d| if chrono::Datelike::month(d) == 12 { 200.0 } else { 100.0 })
//!     .collect();
//! let sibling = Sibling::new(&fechas, &values);
//! // A short series: the 90 days to 2024-09-30, forecast to the end of the year.
//! let days: Vec<NaiveDate> = (0..182)
//!     .map(|k| NaiveDate::from_ymd_opt(2024, 7, 3).unwrap() + Days::new(k))
//!     .collect();
//! let index = yearly_index(&days, 90, &[&sibling], &LentShape::default()).unwrap();
//! assert_eq!(index.series, 1);
//! assert!((index.values[0] - 1.0).abs() < 1e-12); // a plain month a year earlier
//! assert!((index.values[170] - 2.0).abs() < 1e-12); // mid-December: the siblings' doubling
//! ```

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// Days between a day and the same weekday a year earlier.
pub const YEAR_WEEKS_DAYS: u64 = 364;

/// Settings of the lent yearly shape (`features.forma_anual_prestada`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LentShape {
    /// Whole weeks averaged around each sibling's day a year earlier: `7·k` days from
    /// `⌊7·k/2⌋` days before it (1 = the three days either side; 2 = seven days before to six
    /// after). Whole
    /// weeks average the weekday pattern out; 2, the default, keeps a season of a few weeks,
    /// as the December novenas (measured on three families, geometric-mean MASE: 1 week 1.010,
    /// about 2 weeks 0.990, about 4 weeks 0.985).
    pub ventana_semanas: u32,
    /// Fewest siblings that must lend (cover every day needed) for a short series to be
    /// adjusted.
    pub min_series: u32,
    /// Key columns (of `source.serie`) a sibling must share with the short series to lend:
    /// `[producto]` in a `[tienda, producto]` run lends a new store's croissants the other
    /// stores' croissants' shape; `[]` (the default) = every other series of the run.
    #[serde(default)]
    pub familia: Vec<String>,
}

impl Default for LentShape {
    fn default() -> Self {
        Self {
            ventana_semanas: 2,
            min_series: 1,
            familia: Vec::new(),
        }
    }
}

impl LentShape {
    /// Checks the settings; errors name the key (under `features.forma_anual_prestada`).
    pub fn validate(&self) -> Result<(), crate::FeaturesError> {
        let bad = |key: &str, message: &str| {
            Err(crate::FeaturesError::InvalidConfig {
                key: format!("features.forma_anual_prestada.{key}"),
                message: message.into(),
            })
        };
        if !(1..=13).contains(&self.ventana_semanas) {
            return bad("ventana_semanas", "must be from 1 to 13 weeks");
        }
        if self.min_series == 0 {
            return bad("min_series", "must be at least 1");
        }
        Ok(())
    }
}

/// One sibling's daily values (NaN or absent = no value: closed, missing), on its own dates.
#[derive(Debug, Clone)]
pub struct Sibling {
    first: Option<NaiveDate>,
    /// The largest finite value (0 when none is positive).
    max: f64,
    /// Running sums and counts of finite values on the daily grid from `first`.
    sums: Vec<f64>,
    counts: Vec<u32>,
}

impl Sibling {
    /// The sibling of `values` on `fechas` (any order; a date given twice keeps the last).
    pub fn new(fechas: &[NaiveDate], values: &[f64]) -> Self {
        let first = fechas.iter().min().copied();
        let last = fechas.iter().max().copied();
        let (Some(first), Some(last)) = (first, last) else {
            return Self {
                first: None,
                max: 0.0,
                sums: vec![0.0],
                counts: vec![0],
            };
        };
        let len = (last - first).num_days() as usize + 1;
        let mut grid = vec![f64::NAN; len];
        for (d, v) in fechas.iter().zip(values) {
            grid[(*d - first).num_days() as usize] = *v;
        }
        let mut sums = Vec::with_capacity(len + 1);
        let mut counts = Vec::with_capacity(len + 1);
        let (mut s, mut c, mut max) = (0.0, 0u32, 0.0f64);
        sums.push(s);
        counts.push(c);
        for v in grid {
            if v.is_finite() {
                s += v;
                c += 1;
                max = max.max(v);
            }
            sums.push(s);
            counts.push(c);
        }
        Self {
            first: Some(first),
            max,
            sums,
            counts,
        }
    }

    /// The mean of the values over `weeks` whole weeks around `day`, when more than half the
    /// window's days have one.
    fn window_mean(&self, day: NaiveDate, weeks: u32) -> Option<f64> {
        let first = self.first?;
        let len = (7 * weeks) as i64;
        let lo = (day - first).num_days() - len / 2;
        let hi = lo + len;
        if lo < 0 || hi >= self.counts.len() as i64 {
            return None;
        }
        let (lo, hi) = (lo as usize, hi as usize);
        let n = self.counts[hi] - self.counts[lo];
        (i64::from(n) * 2 > len).then(|| (self.sums[hi] - self.sums[lo]) / f64::from(n))
    }
}

/// The index a short series borrows: one value per day asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct YearlyIndex {
    /// The index of each day, mean 1 over the history days.
    pub values: Vec<f64>,
    /// Siblings averaged.
    pub series: usize,
}

/// The yearly index of `days` (the history, its first `history` days, then the days to
/// forecast) from the siblings that cover every one of them a year earlier (see the module
/// docs); `None` when fewer than `cfg.min_series` do, or `history` is 0. For many short series
/// at once, [`Lenders`] shares the work.
pub fn yearly_index(
    days: &[NaiveDate],
    history: usize,
    siblings: &[&Sibling],
    cfg: &LentShape,
) -> Option<YearlyIndex> {
    let span = (*days.first()?, *days.last()?);
    Lenders::new(siblings, cfg, &[span]).index(days, history, None)
}

/// Siblings lending to any number of short series: [`Lenders::index`] costs the days asked for
/// plus a lookup per sibling, not a pass over every sibling's days, so lending to every new
/// product of a large family stays linear in its size.
///
/// The siblings that lend on every day of the spans given at construction (usually most of
/// the family) are summed once. Window means are summed as integers of `2⁻ᵉ` (60 significant
/// bits of the family's largest value), so a total is exact and the same whichever siblings
/// were summed ahead: a series asking alone, or in a shard, gets the index it gets in the
/// whole run.
#[derive(Debug, Clone)]
pub struct Lenders<'a> {
    siblings: Vec<&'a Sibling>,
    weeks: u32,
    min_series: usize,
    /// Units per 1 of the integer sums.
    unit: f64,
    /// The first day of the shared span, and its last.
    span: Option<(NaiveDate, NaiveDate)>,
    /// Whether each sibling lends on every day of the span.
    common: Vec<bool>,
    /// How many do.
    commons: usize,
    /// Their total, in units, on each day of the span.
    common_total: Vec<i128>,
    /// Each other sibling's runs of days without a value to lend (as offsets into the span,
    /// start and end inclusive, in order).
    gaps: Vec<Vec<(usize, usize)>>,
}

impl<'a> Lenders<'a> {
    /// The `siblings` lending to series whose days lie within `spans` (first and last day of
    /// each; a day outside them is still answered, by a pass over the siblings).
    pub fn new(
        siblings: &[&'a Sibling],
        cfg: &LentShape,
        spans: &[(NaiveDate, NaiveDate)],
    ) -> Self {
        let max = siblings.iter().map(|s| s.max).fold(0.0, f64::max);
        // 2^e with the largest value at about 2^60, clamped so that the unit stays finite: a
        // family whose values are all below about 2^-940 lends a coarse shape, or none when
        // they round to 0.
        let unit = if max > 0.0 && max.is_finite() {
            2f64.powi((60 - max.log2().ceil() as i32).clamp(-1000, 1000))
        } else {
            1.0
        };
        let span = spans
            .iter()
            .map(|s| s.0)
            .min()
            .zip(spans.iter().map(|s| s.1).max())
            .filter(|(a, b)| a <= b);
        let mut out = Self {
            siblings: siblings.to_vec(),
            weeks: cfg.ventana_semanas,
            min_series: cfg.min_series.max(1) as usize,
            unit,
            span,
            common: Vec::with_capacity(siblings.len()),
            commons: 0,
            common_total: Vec::new(),
            gaps: Vec::with_capacity(siblings.len()),
        };
        let Some((first, last)) = span else {
            out.common = vec![false; siblings.len()];
            out.gaps = vec![Vec::new(); siblings.len()];
            return out;
        };
        let len = (last - first).num_days() as usize + 1;
        out.common_total = vec![0; len];
        let mut values: Vec<Option<i128>> = Vec::with_capacity(len);
        for s in siblings {
            values.clear();
            values.extend((0..len).map(|k| out.lent(s, first + Days::new(k as u64))));
            let mut gaps: Vec<(usize, usize)> = Vec::new();
            for (k, v) in values.iter().enumerate() {
                if v.is_none() {
                    match gaps.last_mut() {
                        Some(g) if g.1 + 1 == k => g.1 = k,
                        _ => gaps.push((k, k)),
                    }
                }
            }
            let whole = gaps.is_empty();
            if whole {
                for (t, v) in out.common_total.iter_mut().zip(&values) {
                    *t += v.unwrap_or(0);
                }
                out.commons += 1;
            }
            out.common.push(whole);
            out.gaps.push(gaps);
        }
        out
    }

    /// What sibling `s` lends on `day`: its window mean a year earlier, in units, when positive.
    fn lent(&self, s: &Sibling, day: NaiveDate) -> Option<i128> {
        let back = day.checked_sub_days(Days::new(YEAR_WEEKS_DAYS))?;
        s.window_mean(back, self.weeks)
            .filter(|v| *v > 0.0)
            .map(|v| (v * self.unit).round() as i128)
    }

    /// The yearly index of `days` (the history, its first `history` days, then the days to
    /// forecast) from every sibling but `skip` (the series' own position among them, if it is
    /// one) that lends on each of them (as [`yearly_index`]); `None` when fewer than
    /// `min_series` do, or `history` is 0. Increasing days within the spans given at
    /// construction (a series' history and horizon) are answered from the shared total, and
    /// on consecutive days a sibling's gaps are looked up rather than read; other days by a
    /// pass over the siblings.
    pub fn index(
        &self,
        days: &[NaiveDate],
        history: usize,
        skip: Option<usize>,
    ) -> Option<YearlyIndex> {
        if history == 0 || history > days.len() {
            return None;
        }
        let (lo, hi) = (*days.first()?, *days.last()?);
        let increasing = days.windows(2).all(|w| w[0] < w[1]);
        // Offsets into the span when every day lies in it (else a pass over the siblings).
        let offsets: Option<Vec<usize>> = self
            .span
            .filter(|(a, b)| increasing && *a <= lo && hi <= *b)
            .map(|(a, _)| days.iter().map(|d| (*d - a).num_days() as usize).collect());
        let contiguous = increasing && (hi - lo).num_days() as usize + 1 == days.len();
        let mut total: Vec<i128>;
        let mut series;
        match &offsets {
            // Within the span: the common total, less the series' own share.
            Some(at) => {
                total = at.iter().map(|k| self.common_total[*k]).collect();
                series = self.commons;
                if let Some(j) = skip.filter(|j| self.common.get(*j) == Some(&true)) {
                    for (t, d) in total.iter_mut().zip(days) {
                        *t -= self.lent(self.siblings[j], *d).unwrap_or(0);
                    }
                    series -= 1;
                }
            }
            None => {
                total = vec![0; days.len()];
                series = 0;
            }
        }
        for (j, s) in self.siblings.iter().enumerate() {
            if Some(j) == skip {
                continue;
            }
            let m: Option<Vec<i128>> = match &offsets {
                Some(_) if self.common[j] => continue,
                // On consecutive days, a gap between the first and the last: it does not lend
                // (a lookup instead of a pass over its days).
                Some(at) => {
                    let (a, b) = (at[0], at[at.len() - 1]);
                    let g = &self.gaps[j];
                    let i = g.partition_point(|(_, end)| *end < a);
                    if contiguous && g.get(i).is_some_and(|(start, _)| *start <= b) {
                        continue;
                    }
                    days.iter().map(|d| self.lent(s, *d)).collect()
                }
                None => days.iter().map(|d| self.lent(s, *d)).collect(),
            };
            let Some(m) = m else { continue };
            for (t, v) in total.iter_mut().zip(&m) {
                *t += v;
            }
            series += 1;
        }
        if series < self.min_series {
            return None;
        }
        let total: Vec<f64> = total.iter().map(|t| *t as f64 / self.unit).collect();
        let base = total[..history].iter().sum::<f64>() / history as f64;
        if !(base > 0.0 && base.is_finite()) {
            return None;
        }
        Some(YearlyIndex {
            values: total.into_iter().map(|t| t / base).collect(),
            series,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(k: u64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2022, 1, 3).unwrap() + Days::new(k)
    }

    #[test]
    fn the_weekday_pattern_averages_out_and_the_mean_over_the_history_is_one() {
        // A sibling with weekends at 3× and a level rising through the year; the short series'
        // 100 days and 50 more start a year and a half in.
        let fechas: Vec<NaiveDate> = (0..700).map(day).collect();
        let values: Vec<f64> = (0..700)
            .map(|k| (1.0 + k as f64 / 700.0) * if k % 7 >= 5 { 3.0 } else { 1.0 })
            .collect();
        let s = Sibling::new(&fechas, &values);
        let days: Vec<NaiveDate> = (500..650).map(day).collect();
        let ix = yearly_index(&days, 100, &[&s], &LentShape::default()).unwrap();
        let mean: f64 = ix.values[..100].iter().sum::<f64>() / 100.0;
        assert!((mean - 1.0).abs() < 1e-12, "{mean}");
        // No weekly wave: consecutive days differ by the slow rise alone.
        for w in ix.values.windows(2) {
            assert!((w[1] - w[0]).abs() < 0.01, "{w:?}");
        }
        // The rise a year earlier carries over: the last day above the first.
        assert!(ix.values[149] > ix.values[0]);
    }

    #[test]
    fn a_sibling_lends_only_when_it_covers_every_day_with_positive_values() {
        let fechas: Vec<NaiveDate> = (0..600).map(day).collect();
        let full = Sibling::new(&fechas, &vec![10.0; 600]);
        // Starts too late for the first day a year earlier.
        let late = Sibling::new(&fechas[200..], &vec![10.0; 400]);
        // A month without values a year before the horizon.
        let mut gap = vec![10.0; 600];
        gap[300..330].iter_mut().for_each(|v| *v = f64::NAN);
        let gap = Sibling::new(&fechas, &gap);
        // Zeros: a product off sale then.
        let mut zero = vec![10.0; 600];
        zero[250..280].iter_mut().for_each(|v| *v = 0.0);
        let zero = Sibling::new(&fechas, &zero);
        let days: Vec<NaiveDate> = (500..700).map(day).collect();
        let cfg = LentShape::default();
        let ix = yearly_index(&days, 100, &[&full, &late, &gap, &zero], &cfg).unwrap();
        assert_eq!(ix.series, 1);
        assert!(ix.values.iter().all(|v| (v - 1.0).abs() < 1e-12));
        let two = LentShape {
            min_series: 2,
            ..cfg.clone()
        };
        assert_eq!(yearly_index(&days, 100, &[&full], &two), None);
        assert_eq!(yearly_index(&days, 0, &[&full], &cfg), None);
        assert_eq!(yearly_index(&days, 100, &[], &cfg), None);
    }

    #[test]
    fn each_day_reads_the_window_around_the_same_weekday_a_year_earlier() {
        // A sibling whose value is its day number: a window's mean is its middle, so the
        // index times its base is exactly the day a year earlier (half a day before the
        // middle of the two-week window, which starts seven days before and ends six after).
        let fechas: Vec<NaiveDate> = (0..700).map(day).collect();
        let ramp: Vec<f64> = (0..700).map(|k| k as f64).collect();
        let s = Sibling::new(&fechas, &ramp);
        let days: Vec<NaiveDate> = (500..650).map(day).collect();
        for (weeks, offset) in [(1, 0.0), (2, -0.5), (3, 0.0)] {
            let cfg = LentShape {
                ventana_semanas: weeks,
                ..LentShape::default()
            };
            let ix = yearly_index(&days, 100, &[&s], &cfg).unwrap();
            let base = (500..600).map(|k| k as f64 - 364.0 + offset).sum::<f64>() / 100.0;
            for (i, v) in ix.values.iter().enumerate() {
                let want = (500 + i) as f64 - 364.0 + offset;
                assert!(
                    (v * base - want).abs() < 1e-9,
                    "{weeks} weeks, day {i}: {v}"
                );
            }
        }
    }

    #[test]
    fn the_shape_is_the_siblings_total_so_a_small_one_moves_it_little() {
        // A large flat sibling and a small one that doubles from day 300 on.
        let fechas: Vec<NaiveDate> = (0..600).map(day).collect();
        let big = Sibling::new(&fechas, &vec![1000.0; 600]);
        let small: Vec<f64> = (0..600)
            .map(|k| if k >= 300 { 20.0 } else { 10.0 })
            .collect();
        let small = Sibling::new(&fechas, &small);
        // History 400..500 (a year earlier: 36..136, the small one at 10), horizon to 700.
        let days: Vec<NaiveDate> = (400..700).map(day).collect();
        let ix = yearly_index(&days, 100, &[&big, &small], &LentShape::default()).unwrap();
        assert_eq!(ix.series, 2);
        assert!((ix.values[0] - 1.0).abs() < 1e-12);
        // Day 690, a year after 326: the family sold 1020 instead of 1010.
        assert!(
            (ix.values[290] - 1020.0 / 1010.0).abs() < 1e-12,
            "{}",
            ix.values[290]
        );
    }

    #[test]
    fn a_few_missing_days_in_the_window_are_skipped() {
        let fechas: Vec<NaiveDate> = (0..600).map(day).collect();
        let mut v: Vec<f64> = (0..600).map(|k| 10.0 + (k % 7) as f64).collect();
        // Three closed days of seven: the mean of the other four.
        for k in [200, 201, 202] {
            v[k] = f64::NAN;
        }
        let s = Sibling::new(&fechas, &v);
        let m = s.window_mean(day(201), 1).unwrap();
        let want = [198, 199, 203, 204].map(|k| 10.0 + (k % 7) as f64);
        assert!((m - want.iter().sum::<f64>() / 4.0).abs() < 1e-12);
        // Four of seven missing: no value.
        v[203] = f64::NAN;
        assert_eq!(Sibling::new(&fechas, &v).window_mean(day(201), 1), None);
    }

    proptest::proptest! {
        /// Lending to several series at once gives each the index it gets asking alone, to the
        /// bit (whichever siblings the spans make common), and that index is the siblings'
        /// total a year earlier computed day by day, whichever siblings have gaps, zeros or
        /// late starts.
        #[test]
        fn lenders_give_each_series_the_index_it_gets_alone(
            starts in proptest::collection::vec(0u64..400, 2..7),
            gaps in proptest::collection::vec((0u64..700, 0u64..60), 2..7),
            spans in proptest::collection::vec((380u64..560, 60u64..200), 1..5),
            levels in proptest::collection::vec(0.5f64..5000.0, 2..7),
        ) {
            let n = starts.len().min(gaps.len()).min(levels.len());
            let all: Vec<Sibling> = (0..n)
                .map(|i| {
                    let fechas: Vec<NaiveDate> = (starts[i]..760).map(day).collect();
                    let (g0, glen) = gaps[i];
                    let values: Vec<f64> = (starts[i]..760)
                        .map(|k| {
                            if (g0..g0 + glen).contains(&k) {
                                if i % 2 == 0 { f64::NAN } else { 0.0 }
                            } else {
                                levels[i] * (1.0 + ((k % 7) as f64) / 3.0 + (k as f64 / 50.0).sin() / 2.0)
                            }
                        })
                        .collect();
                    Sibling::new(&fechas, &values)
                })
                .collect();
            let refs: Vec<&Sibling> = all.iter().collect();
            let cfg = LentShape::default();
            let asks: Vec<Vec<NaiveDate>> = spans
                .iter()
                .map(|(a, len)| (*a..a + len + 185).map(day).collect())
                .collect();
            let bounds: Vec<(NaiveDate, NaiveDate)> =
                asks.iter().map(|d| (d[0], d[d.len() - 1])).collect();
            let lenders = Lenders::new(&refs, &cfg, &bounds);
            for (q, days) in asks.iter().enumerate() {
                let history = spans[q].1 as usize;
                let single = Lenders::new(&refs, &cfg, &[bounds[q]]);
                // Days with a hole, and days out of order, answered day by day alike.
                let holed: Vec<NaiveDate> =
                    days.iter().enumerate().filter(|(t, _)| t % 9 != 4).map(|(_, d)| *d).collect();
                // A day before the first in the middle (out of order, outside the span).
                let mut shuffled = days.clone();
                let early = days[0] - Days::new(30);
                shuffled[days.len() / 2] = early;
                for odd in [&holed, &shuffled] {
                    let none: &[(NaiveDate, NaiveDate)] = &[];
                    proptest::prop_assert_eq!(
                        lenders.index(odd, history / 2, Some(0)),
                        Lenders::new(&refs, &cfg, none).index(odd, history / 2, Some(0))
                    );
                }
                // Each sibling in turn is the series asking (it does not lend to itself).
                for skip in (0..n).map(Some).chain([None]) {
                    let got = lenders.index(days, history, skip);
                    proptest::prop_assert_eq!(&got, &single.index(days, history, skip));
                    // Day by day, in floating point.
                    let lent: Vec<Vec<f64>> = refs
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| Some(*j) != skip)
                        .filter_map(|(_, s)| {
                            days.iter()
                                .map(|d| {
                                    s.window_mean(*d - Days::new(YEAR_WEEKS_DAYS), 2)
                                        .filter(|v| *v > 0.0)
                                })
                                .collect::<Option<Vec<f64>>>()
                        })
                        .collect();
                    match got {
                        None => proptest::prop_assert!(lent.is_empty()),
                        Some(ix) => {
                            proptest::prop_assert_eq!(ix.series, lent.len());
                            let total: Vec<f64> = (0..days.len())
                                .map(|t| lent.iter().map(|m| m[t]).sum())
                                .collect();
                            let base = total[..history].iter().sum::<f64>() / history as f64;
                            for (v, t) in ix.values.iter().zip(&total) {
                                proptest::prop_assert!((v - t / base).abs() < 1e-12 * v.abs().max(1.0));
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn tiny_or_huge_values_lend_without_overflow() {
        let fechas: Vec<NaiveDate> = (0..600).map(day).collect();
        let days: Vec<NaiveDate> = (500..650).map(day).collect();
        let cfg = LentShape::default();
        // Subnormal values: nothing to lend (an index of zeros cannot be divided by).
        let tiny = Sibling::new(&fechas, &vec![1e-320; 600]);
        assert_eq!(yearly_index(&days, 100, &[&tiny], &cfg), None);
        // Huge ones with a small sibling: an index, finite, mean 1 over the history.
        let huge = Sibling::new(&fechas, &vec![1e300; 600]);
        let small = Sibling::new(&fechas, &vec![1.0; 600]);
        let ix = yearly_index(&days, 100, &[&huge, &small], &cfg).unwrap();
        assert_eq!(ix.series, 2);
        assert!(
            ix.values.iter().all(|v| (v - 1.0).abs() < 1e-12),
            "{:?}",
            &ix.values[..3]
        );
    }

    #[test]
    fn settings_are_checked_by_key() {
        let e = LentShape {
            ventana_semanas: 0,
            ..LentShape::default()
        }
        .validate()
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("forma_anual_prestada.ventana_semanas"),
            "{e}"
        );
        let e = LentShape {
            min_series: 0,
            ..LentShape::default()
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("min_series"), "{e}");
        assert!(LentShape::default().validate().is_ok());
    }
}
