//! Quincenas: the twice-monthly paydays (domain.md §1).
//!
//! `nominal(y, m) = {15, min(30, days_in_month)}`; a nominal date that is not a business day
//! moves back one day at a time until it is.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{dow, CalendarError, SATURDAY, SUNDAY};

/// Which day is the second nominal payday of a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SegundoDia {
    /// The 30th, or the last day of February (30-day payroll months; the default).
    #[serde(rename = "30")]
    Treinta,
    /// The literal last day of the month.
    #[serde(rename = "ultimo")]
    Ultimo,
}

/// Quincena settings (`calendar.quincena`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuincenaConfig {
    /// First nominal payday of the month.
    pub primer_dia: u32,
    /// Second nominal payday of the month.
    pub segundo_dia: SegundoDia,
    /// Whether Saturday counts as a business day for paying.
    pub sabado_habil: bool,
    /// Length of the post-payday window after the payday (`0 <= d - p <= dias_post`).
    pub dias_post: u32,
    /// Half-width of the symmetric payday window (`|d - p| <= ventana_k`).
    pub ventana_k: u32,
}

impl Default for QuincenaConfig {
    fn default() -> Self {
        Self {
            primer_dia: 15,
            segundo_dia: SegundoDia::Treinta,
            sabado_habil: false,
            dias_post: 2,
            ventana_k: 2,
        }
    }
}

impl QuincenaConfig {
    pub(crate) fn validate(&self) -> Result<(), CalendarError> {
        if !(1..=27).contains(&self.primer_dia) {
            return Err(CalendarError::InvalidConfig {
                key: "quincena.primer_dia".into(),
                message: format!("expected a day of month in 1..=27, got {}", self.primer_dia),
            });
        }
        for (key, v) in [
            ("quincena.dias_post", self.dias_post),
            ("quincena.ventana_k", self.ventana_k),
        ] {
            if v > 10 {
                return Err(CalendarError::InvalidConfig {
                    key: key.into(),
                    message: format!("expected a number of days in 0..=10, got {v}"),
                });
            }
        }
        Ok(())
    }

    /// The two nominal paydays of a month.
    pub fn nominal(&self, year: i32, month: u32) -> [NaiveDate; 2] {
        let first = NaiveDate::from_ymd_opt(year, month, 1).expect("valid month");
        let dim = (first + Months::new(1) - first).num_days() as u32;
        let second = match self.segundo_dia {
            SegundoDia::Treinta => dim.min(30),
            SegundoDia::Ultimo => dim,
        };
        [
            first.with_day(self.primer_dia).expect("validated day"),
            first.with_day(second).expect("day within month"),
        ]
    }
}

/// Moves `nominal` back until it is a business day (Monday–Friday, or Saturday when
/// `sabado_habil`, and not a festivo).
pub fn adjust_back(
    nominal: NaiveDate,
    sabado_habil: bool,
    is_festivo: impl Fn(NaiveDate) -> bool,
) -> NaiveDate {
    let mut d = nominal;
    loop {
        let w = dow(d);
        let weekend = w == SUNDAY || (w == SATURDAY && !sabado_habil);
        if !weekend && !is_festivo(d) {
            return d;
        }
        d = d.pred_opt().expect("dates stay in range");
    }
}

/// Every adjusted payday of every month from `first`'s month to `last`'s month, ascending.
pub fn paydays_between(
    cfg: &QuincenaConfig,
    first: NaiveDate,
    last: NaiveDate,
    is_festivo: impl Fn(NaiveDate) -> bool,
) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut month = first.with_day(1).expect("day 1 exists");
    while month <= last {
        for nominal in cfg.nominal(month.year(), month.month()) {
            out.push(adjust_back(nominal, cfg.sabado_habil, &is_festivo));
        }
        month = month + Months::new(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::festivos::{project_festivos, FestivosConfig};
    use crate::tests::d;
    use proptest::prelude::*;

    fn paydays(first: &str, last: &str) -> Vec<NaiveDate> {
        let f = project_festivos(&FestivosConfig::default(), 2016, 2028).unwrap();
        paydays_between(&QuincenaConfig::default(), d(first), d(last), |x| {
            f.contains_key(&x)
        })
    }

    #[test]
    fn payday_fixtures() {
        let f = project_festivos(&FestivosConfig::default(), 2019, 2026).unwrap();
        let adj = |s: &str| adjust_back(d(s), false, |x| f.contains_key(&x));
        for (nominal, want) in [
            ("2025-06-15", "2025-06-13"),
            ("2025-06-30", "2025-06-27"),
            ("2024-03-30", "2024-03-27"),
            ("2022-05-30", "2022-05-27"),
            ("2025-11-15", "2025-11-14"),
            ("2026-02-28", "2026-02-27"),
            ("2020-03-30", "2020-03-30"),
        ] {
            assert_eq!(adj(nominal), d(want), "{nominal}");
        }
    }

    #[test]
    fn february_second_nominal_is_last_day() {
        let q = QuincenaConfig::default();
        assert_eq!(q.nominal(2024, 2)[1], d("2024-02-29"));
        assert_eq!(q.nominal(2026, 2)[1], d("2026-02-28"));
        assert_eq!(q.nominal(2025, 12)[1], d("2025-12-30"));
        let u = QuincenaConfig {
            segundo_dia: SegundoDia::Ultimo,
            ..q
        };
        assert_eq!(u.nominal(2025, 12)[1], d("2025-12-31"));
    }

    #[test]
    fn paydays_of_the_synthetic_horizon() {
        let got: Vec<String> = paydays("2025-12-01", "2026-05-31")
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(
            got,
            [
                "2025-12-15",
                "2025-12-30",
                "2026-01-15",
                "2026-01-30",
                "2026-02-13",
                "2026-02-27",
                "2026-03-13",
                "2026-03-30",
                "2026-04-15",
                "2026-04-30",
                "2026-05-15",
                "2026-05-29"
            ]
        );
    }

    #[test]
    fn consecutive_paydays_are_11_to_19_days_apart_2017_2027() {
        let p = paydays("2017-01-01", "2027-12-31");
        assert_eq!(p.len(), 11 * 12 * 2);
        for w in p.windows(2) {
            let gap = (w[1] - w[0]).num_days();
            assert!((11..=19).contains(&gap), "{} -> {}: {gap}", w[0], w[1]);
        }
    }

    proptest! {
        #[test]
        fn every_month_has_two_business_day_paydays_not_after_nominal(
            year in 2017i32..=2027, month in 1u32..=12
        ) {
            let f = project_festivos(&FestivosConfig::default(), 2017, 2027).unwrap();
            let q = QuincenaConfig::default();
            let start = NaiveDate::from_ymd_opt(year, month, 1).unwrap();
            let p = paydays_between(&q, start, start, |x| f.contains_key(&x));
            prop_assert_eq!(p.len(), 2);
            for (pay, nominal) in p.iter().zip(q.nominal(year, month)) {
                prop_assert!(dow(*pay) < SATURDAY);
                prop_assert!(!f.contains_key(pay));
                prop_assert_eq!(pay.month(), month);
                prop_assert!(*pay <= nominal);
            }
        }
    }
}
