//! A series that has stopped selling: a discontinued product, a closed branch. Its history
//! ends in a run of days without sales that neither its own selling rate nor the same days a
//! year earlier explain; forecasting last year's level there would plan production for a
//! product nobody sells any more.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// When the end of a history reads as a stop (`features.serie_detenida`; `null` = never).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopRule {
    /// Fewest open days without sales at the end of the history: longer than a holiday
    /// closure or a stock-out.
    pub min_dias: u32,
    /// Largest chance of that many days without sales at the selling rate of the year before
    /// the run (each open day sells with the share of open days that sold): below it the run
    /// is not bad luck.
    pub probabilidad_max: f64,
}

impl Default for StopRule {
    fn default() -> Self {
        Self {
            min_dias: 42,
            probabilidad_max: 1e-3,
        }
    }
}

/// A stop found at the end of a history.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stopped {
    /// First day of the final run without sales.
    pub desde: NaiveDate,
    /// Open days without sales in that run (closed and unrecorded days are not counted).
    pub dias_sin_ventas: u32,
    /// Share of open recorded days that sold in the year before the run.
    pub cuota_previa: f64,
}

/// A launch found at the start of a history: the days before the first sale are not the
/// product's history.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Launched {
    /// The first day that sold: the history starts here.
    pub desde: NaiveDate,
    /// Open days without sales before it (closed and unrecorded days are not counted).
    pub dias_sin_ventas: u32,
    /// Share of open recorded days that sold in the year after it.
    pub cuota_posterior: f64,
}

/// Days compared a year back: 364 days, the same weekday.
const YEAR: u64 = 364;

/// Fewest days of the run with a recorded day a year earlier for the comparison to count.
const MIN_YEAR_PAIRS: usize = 14;

/// A year earlier, the run's days sold at under this share of the selling rate before the
/// run: the run is then the series' yearly quiet season, not a stop.
const QUIET_YEAR_SHARE: f64 = 0.5;

impl StopRule {
    /// The stop at the end of `days` (date, units, open; in date order, one row per date), if
    /// any. The final run is the days after the last open day that sold; closed days and days
    /// without a value are skipped. It is a stop when it holds at least `min_dias` open days
    /// at 0, the series sold in the year before it often enough that so many zeros in a row
    /// have a chance of at most `probabilidad_max`, and the same days a year earlier (when
    /// recorded) sold at no less than half that rate. A series that never sold is not stopped,
    /// nor is a signed one (any negative value).
    ///
    /// ```
    /// use chrono::{Days, NaiveDate};
    /// use features::StopRule;
    ///
    /// let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// // Two years of sales, then 60 days of zeros.
    /// let days: Vec<(NaiveDate, Option<f64>, bool)> = (0..790u64)
    ///     .map(|i| (d0 + Days::new(i), Some(if i < 730 { 20.0 } else { 0.0 }), true))
    ///     .collect();
    /// let stop = StopRule::default().stopped(&days).unwrap();
    /// assert_eq!(stop.desde, d0 + Days::new(730));
    /// assert_eq!(stop.dias_sin_ventas, 60);
    /// ```
    pub fn stopped(&self, days: &[(NaiveDate, Option<f64>, bool)]) -> Option<Stopped> {
        let last_sale = days.iter().rposition(sold)?;
        let run = last_sale + 1..days.len();
        let desde = days[run.clone()].iter().find(|d| zero(d))?.0;
        let year = desde.checked_sub_days(Days::new(YEAR))?..desde;
        let e = self.evidence(days, run, &year, Side::Before)?;
        Some(Stopped {
            desde,
            dias_sin_ventas: e.zeros as u32,
            cuota_previa: e.share,
        })
    }
}

impl StopRule {
    /// The launch at the start of `days` (as [`StopRule::stopped`] reads them), if any: the
    /// same rule read from the other end. The run before the first sale holds at least
    /// `min_dias` open days at 0, the series sold in the year after it often enough that so
    /// many zeros in a row have a chance of at most `probabilidad_max`, and the same days a
    /// year later sold at no less than half that rate — at least 14 of them recorded, or the
    /// run may be the product's quiet season and is kept. A signed series is never launched.
    ///
    /// ```
    /// use chrono::{Days, NaiveDate};
    /// use features::StopRule;
    ///
    /// let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// // 100 days of zeros (the product was not on sale yet), then two years of sales.
    /// let days: Vec<(NaiveDate, Option<f64>, bool)> = (0..830u64)
    ///     .map(|i| (d0 + Days::new(i), Some(if i < 100 { 0.0 } else { 20.0 }), true))
    ///     .collect();
    /// let launch = StopRule::default().launched(&days).unwrap();
    /// assert_eq!(launch.desde, d0 + Days::new(100));
    /// assert_eq!(launch.dias_sin_ventas, 100);
    /// ```
    pub fn launched(&self, days: &[(NaiveDate, Option<f64>, bool)]) -> Option<Launched> {
        let first_sale = days.iter().position(sold)?;
        let desde = days[first_sale].0;
        let year = desde..desde.checked_add_days(Days::new(YEAR))?;
        let e = self.evidence(days, 0..first_sale, &year, Side::After)?;
        // With too few days a year later to compare, the zeros may be a first quiet season.
        (e.pairs >= MIN_YEAR_PAIRS).then_some(Launched {
            desde,
            dias_sin_ventas: e.zeros as u32,
            cuota_posterior: e.share,
        })
    }

    /// What the rule reads from the run `run` (indices of `days`) of days without sales:
    /// `None` unless it is long and unlikely enough, and — when at least
    /// [`MIN_YEAR_PAIRS`] of its zeros have a recorded day a year to the `side` — not quiet
    /// then too. `year` is the year of dates whose selling share the run is judged against.
    fn evidence(
        &self,
        days: &[(NaiveDate, Option<f64>, bool)],
        run: std::ops::Range<usize>,
        year: &std::ops::Range<NaiveDate>,
        side: Side,
    ) -> Option<Evidence> {
        // A signed series (temperatures, net flows) has values, not sales.
        if days.iter().any(|(_, v, _)| v.is_some_and(|x| x < 0.0)) {
            return None;
        }
        let zeros: Vec<&(NaiveDate, Option<f64>, bool)> =
            days[run.clone()].iter().filter(|d| zero(d)).collect();
        if zeros.len() < self.min_dias as usize {
            return None;
        }
        let (n, s) = days
            .iter()
            .enumerate()
            .filter(|(i, d)| !run.contains(i) && year.contains(&d.0) && (zero(d) || sold(d)))
            .fold((0usize, 0usize), |(n, s), (_, d)| {
                (n + 1, s + usize::from(sold(d)))
            });
        let share = s as f64 / n.max(1) as f64;
        if (1.0 - share).powi(zeros.len() as i32) > self.probabilidad_max {
            return None;
        }
        let by_date: std::collections::BTreeMap<NaiveDate, usize> =
            days.iter().enumerate().map(|(i, d)| (d.0, i)).collect();
        let (pairs, sold_then) = zeros
            .iter()
            .filter_map(|d| {
                let other = match side {
                    Side::Before => d.0.checked_sub_days(Days::new(YEAR))?,
                    Side::After => d.0.checked_add_days(Days::new(YEAR))?,
                };
                let then = &days[*by_date.get(&other)?];
                (zero(then) || sold(then)).then(|| sold(then))
            })
            .fold((0usize, 0usize), |(n, s), x| (n + 1, s + usize::from(x)));
        if pairs >= MIN_YEAR_PAIRS && (sold_then as f64) < QUIET_YEAR_SHARE * share * pairs as f64 {
            return None;
        }
        Some(Evidence {
            zeros: zeros.len(),
            share,
            pairs,
        })
    }
}

/// Where the year the run is compared with lies.
#[derive(Clone, Copy)]
enum Side {
    Before,
    After,
}

/// What [`StopRule::evidence`] found.
struct Evidence {
    zeros: usize,
    share: f64,
    pairs: usize,
}

fn sold((_, v, open): &(NaiveDate, Option<f64>, bool)) -> bool {
    *open && v.is_some_and(|x| x > 0.0)
}

fn zero((_, v, open): &(NaiveDate, Option<f64>, bool)) -> bool {
    *open && *v == Some(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(
        n: u64,
        f: impl Fn(u64) -> (Option<f64>, bool),
    ) -> Vec<(NaiveDate, Option<f64>, bool)> {
        let d0 = NaiveDate::from_ymd_opt(2022, 1, 3).unwrap();
        (0..n)
            .map(|i| {
                let (v, open) = f(i);
                (d0 + Days::new(i), v, open)
            })
            .collect()
    }

    #[test]
    fn a_final_run_of_zeros_after_daily_sales_is_a_stop() {
        // Sundays closed throughout: they neither break nor lengthen the run.
        let days = series(800, |i| {
            let open = i % 7 != 6;
            (Some(if i < 750 { 30.0 } else { 0.0 }), open)
        });
        let s = StopRule::default().stopped(&days).unwrap();
        assert_eq!(s.desde, days[750].0);
        assert_eq!(s.dias_sin_ventas, 43);
        assert_eq!(s.cuota_previa, 1.0);
        // One day short of the rule: not yet.
        let rule = StopRule {
            min_dias: 44,
            ..StopRule::default()
        };
        assert!(rule.stopped(&days).is_none());
    }

    #[test]
    fn zeros_before_the_first_sale_are_a_launch_unless_they_may_be_a_season() {
        // 200 days at 0 (Sundays closed), then daily sales: a launch.
        let days = series(900, |i| (Some(if i < 200 { 0.0 } else { 9.0 }), i % 7 != 6));
        let l = StopRule::default().launched(&days).unwrap();
        assert_eq!(
            (l.desde, l.dias_sin_ventas, l.cuota_posterior),
            (days[200].0, 172, 1.0)
        );
        // A summer product recorded from its first winter: the same days a year later are
        // quiet too, so the zeros are a season and stay.
        let seasonal = series(1100, |i| {
            let doy = i % 364;
            (
                Some(if (90..270).contains(&doy) { 12.0 } else { 0.0 }),
                true,
            )
        });
        assert!(StopRule::default().launched(&seasonal).is_none());
        // Under a year after the first sale: nothing to compare with, kept.
        let young = series(300, |i| (Some(if i < 100 { 0.0 } else { 9.0 }), true));
        assert!(StopRule::default().launched(&young).is_none());
        // Too few zeros, a sparse seller, a signed series: no launch.
        let short = series(900, |i| (Some(if i < 30 { 0.0 } else { 9.0 }), true));
        assert!(StopRule::default().launched(&short).is_none());
        let sparse = series(900, |i| {
            (Some(if i >= 60 && i % 20 == 0 { 3.0 } else { 0.0 }), true)
        });
        assert!(StopRule::default().launched(&sparse).is_none());
        let signed = series(900, |i| (Some(if i < 200 { 0.0 } else { -2.0 }), true));
        assert!(StopRule::default().launched(&signed).is_none());
    }

    #[test]
    fn a_quiet_season_that_recurs_is_not_a_stop() {
        // Sold from March to October every year: the winter zeros repeat a year earlier.
        let days = series(1100, |i| {
            let doy = i % 364;
            (
                Some(if (60..300).contains(&doy) { 12.0 } else { 0.0 }),
                true,
            )
        });
        assert!(StopRule::default().stopped(&days).is_none());
    }

    #[test]
    fn zeros_an_intermittent_series_often_has_are_not_a_stop() {
        // Sells on one day in five: 49 zeros in a row have a chance of 0.8^49 ≈ 2e-5 …
        let days = series(900, |i| {
            (Some(if i < 855 && i % 5 == 0 { 3.0 } else { 0.0 }), true)
        });
        assert!(StopRule::default().stopped(&days).is_some());
        // … but at one day in twenty, 59 zeros are likely enough (0.95^59 ≈ 0.05).
        let sparse = series(900, |i| {
            (Some(if i < 855 && i % 20 == 0 { 3.0 } else { 0.0 }), true)
        });
        assert!(StopRule::default().stopped(&sparse).is_none());
    }

    #[test]
    fn a_series_that_never_sold_or_ends_selling_is_not_stopped() {
        assert!(StopRule::default()
            .stopped(&series(400, |_| (Some(0.0), true)))
            .is_none());
        assert!(StopRule::default()
            .stopped(&series(400, |_| (Some(5.0), true)))
            .is_none());
        // A signed series (a negative value) has no stops.
        let signed = series(800, |i| {
            (Some(if i < 750 { 3.0 - (i % 5) as f64 } else { 0.0 }), true)
        });
        assert!(StopRule::default().stopped(&signed).is_none());
        // Days without a value are unknown, not zeros.
        let gap = series(500, |i| (if i < 440 { Some(8.0) } else { None }, true));
        assert!(StopRule::default().stopped(&gap).is_none());
    }
}
