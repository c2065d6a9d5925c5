//! Primas (domain.md §2), the December block and other special days (§4), pandemic
//! phases (§5).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::festivos::easter_sunday;
use crate::{dow, plus_days, CalendarError, SATURDAY, SUNDAY};

/// A prima deadline (month and day), e.g. 30 June.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrimaDeadline {
    /// Month, 1–12.
    pub mes: u32,
    /// Day of month.
    pub dia: u32,
}

/// Prima settings (`calendar.prima`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrimaConfig {
    /// Window length `W`: the window is `deadline − (W − 1) ..= deadline`.
    pub ventana_dias: u32,
    /// The legal deadlines of the two halves (30 June and 20 December).
    pub limites: Vec<PrimaDeadline>,
}

impl Default for PrimaConfig {
    fn default() -> Self {
        Self {
            ventana_dias: 15,
            limites: vec![
                PrimaDeadline { mes: 6, dia: 30 },
                PrimaDeadline { mes: 12, dia: 20 },
            ],
        }
    }
}

impl PrimaConfig {
    pub(crate) fn validate(&self) -> Result<(), CalendarError> {
        if !(1..=28).contains(&self.ventana_dias) {
            return Err(CalendarError::InvalidConfig {
                key: "prima.ventana_dias".into(),
                message: format!("expected 1..=28 days, got {}", self.ventana_dias),
            });
        }
        for (i, l) in self.limites.iter().enumerate() {
            // 2024 is a leap year, so 29 February is accepted here.
            if NaiveDate::from_ymd_opt(2024, l.mes, l.dia).is_none() {
                return Err(CalendarError::InvalidConfig {
                    key: format!("prima.limites[{i}]"),
                    message: format!("month {} day {} is not a date", l.mes, l.dia),
                });
            }
        }
        Ok(())
    }

    /// `(prima_half, days_to_deadline)` when `d` lies in a window; halves count from 1 in the
    /// order of `limites`.
    pub fn window(&self, d: NaiveDate) -> (Option<u8>, Option<u32>) {
        for (i, l) in self.limites.iter().enumerate() {
            let Some(deadline) = NaiveDate::from_ymd_opt(d.year(), l.mes, l.dia) else {
                continue; // 29 February in a common year
            };
            let to = (deadline - d).num_days();
            if (0..i64::from(self.ventana_dias)).contains(&to) {
                return (Some(i as u8 + 1), Some(to as u32));
            }
        }
        (None, None)
    }
}

/// One pandemic phase (`calendar.pandemia.fases[]`), dates inclusive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PandemicPhase {
    /// Phase number, 1…
    pub fase: u8,
    /// First date.
    pub desde: NaiveDate,
    /// Last date.
    pub hasta: NaiveDate,
    /// Intensity in `[0, 1]` (a modelling assumption).
    pub intensidad: f64,
    /// Whether the phase is part of the national mandatory isolation.
    pub confinamiento: bool,
}

/// Pandemic settings (`calendar.pandemia`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PandemiaConfig {
    /// The phases; dates outside every phase are phase 0, intensity 0.
    pub fases: Vec<PandemicPhase>,
}

impl Default for PandemiaConfig {
    /// The national timeline of domain.md §5.2.
    fn default() -> Self {
        let p = |fase, desde: &str, hasta: &str, intensidad, confinamiento| PandemicPhase {
            fase,
            desde: desde.parse().expect("valid literal"),
            hasta: hasta.parse().expect("valid literal"),
            intensidad,
            confinamiento,
        };
        Self {
            fases: vec![
                p(1, "2020-03-25", "2020-04-26", 1.00, true),
                p(2, "2020-04-27", "2020-08-31", 0.56, true),
                p(3, "2020-09-01", "2021-03-31", 0.24, false),
                p(4, "2021-04-01", "2021-07-31", 0.31, false),
                p(5, "2021-08-01", "2022-06-30", 0.09, false),
            ],
        }
    }
}

impl PandemiaConfig {
    pub(crate) fn validate(&self) -> Result<(), CalendarError> {
        for (i, f) in self.fases.iter().enumerate() {
            let key = format!("pandemia.fases[{i}]");
            if f.fase == 0 {
                return Err(CalendarError::InvalidConfig {
                    key: format!("{key}.fase"),
                    message: "phase 0 means no pandemic; number phases from 1".into(),
                });
            }
            if !(0.0..=1.0).contains(&f.intensidad) {
                return Err(CalendarError::InvalidConfig {
                    key: format!("{key}.intensidad"),
                    message: format!("expected a value in [0, 1], got {}", f.intensidad),
                });
            }
            if f.desde > f.hasta {
                return Err(CalendarError::InvalidConfig {
                    key: format!("{key}.hasta"),
                    message: format!("{} is before desde {}", f.hasta, f.desde),
                });
            }
            for (j, g) in self.fases.iter().enumerate().skip(i + 1) {
                if f.desde <= g.hasta && g.desde <= f.hasta {
                    return Err(CalendarError::InvalidConfig {
                        key: format!("pandemia.fases[{j}]"),
                        message: format!("overlaps pandemia.fases[{i}]"),
                    });
                }
                if f.fase == g.fase {
                    return Err(CalendarError::InvalidConfig {
                        key: format!("pandemia.fases[{j}].fase"),
                        message: format!("phase number {} is used twice", g.fase),
                    });
                }
            }
        }
        Ok(())
    }

    /// `(phase, intensity, lockdown)` of `d`; `(0, 0.0, false)` outside every phase.
    pub fn phase(&self, d: NaiveDate) -> (u8, f64, bool) {
        self.fases
            .iter()
            .find(|f| f.desde <= d && d <= f.hasta)
            .map_or((0, 0.0, false), |f| (f.fase, f.intensidad, f.confinamiento))
    }
}

/// The special days of domain.md §4 that a date belongs to. Several may hold at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SpecialDays {
    /// 1–6 December.
    pub is_dic_inicio: bool,
    /// 7 December, Día de las Velitas.
    pub is_velitas: bool,
    /// 8–15 December.
    pub is_dic_medio: bool,
    /// 16–24 December, novenas de aguinaldo.
    pub is_novena: bool,
    /// Novena day, 16 Dec = 1 … 24 Dec = 9.
    pub novena_day: Option<u8>,
    /// 24 December.
    pub is_nochebuena: bool,
    /// 25 December.
    pub is_navidad: bool,
    /// 26–30 December.
    pub is_fin_de_ano: bool,
    /// 31 December.
    pub is_nochevieja: bool,
    /// 1 January.
    pub is_ano_nuevo: bool,
    /// 2–6 January.
    pub is_enero_reyes: bool,
    /// Palm Sunday to Easter Sunday.
    pub is_semana_santa: bool,
    /// Second Sunday of May.
    pub is_dia_madre: bool,
    /// Third Saturday of September.
    pub is_amor_amistad: bool,
    /// 31 October.
    pub is_halloween: bool,
}

/// The `n`-th (1-based) occurrence of weekday `w` (Monday = 0) in a month.
pub fn nth_weekday(year: i32, month: u32, w: u32, n: u32) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(year, month, 1).expect("valid month");
    let offset = (7 + w - dow(first)) % 7;
    plus_days(first, u64::from(offset + 7 * (n - 1)))
}

impl SpecialDays {
    /// The special days `d` belongs to.
    pub fn of(d: NaiveDate) -> Self {
        let (m, day) = (d.month(), d.day());
        let dec = m == 12;
        let jan = m == 1;
        let easter = easter_sunday(d.year());
        let to_easter = (easter - d).num_days();
        Self {
            is_dic_inicio: dec && day <= 6,
            is_velitas: dec && day == 7,
            is_dic_medio: dec && (8..=15).contains(&day),
            is_novena: dec && (16..=24).contains(&day),
            novena_day: (dec && (16..=24).contains(&day)).then(|| (day - 15) as u8),
            is_nochebuena: dec && day == 24,
            is_navidad: dec && day == 25,
            is_fin_de_ano: dec && (26..=30).contains(&day),
            is_nochevieja: dec && day == 31,
            is_ano_nuevo: jan && day == 1,
            is_enero_reyes: jan && (2..=6).contains(&day),
            is_semana_santa: (0..=7).contains(&to_easter),
            is_dia_madre: d == nth_weekday(d.year(), 5, SUNDAY, 2),
            is_amor_amistad: d == nth_weekday(d.year(), 9, SATURDAY, 3),
            is_halloween: m == 10 && day == 31,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::d;

    #[test]
    fn prima_windows_are_16_30_june_and_6_20_december() {
        let p = PrimaConfig::default();
        assert_eq!(p.window(d("2025-06-15")), (None, None));
        assert_eq!(p.window(d("2025-06-16")), (Some(1), Some(14)));
        assert_eq!(p.window(d("2025-06-30")), (Some(1), Some(0)));
        assert_eq!(p.window(d("2025-07-01")), (None, None));
        assert_eq!(p.window(d("2025-12-05")), (None, None));
        assert_eq!(p.window(d("2025-12-06")), (Some(2), Some(14)));
        assert_eq!(p.window(d("2025-12-20")), (Some(2), Some(0)));
        assert_eq!(p.window(d("2025-12-21")), (None, None));
    }

    #[test]
    fn madre_and_amor_y_amistad_fixtures_2018_2026() {
        let madre = [
            "05-13", "05-12", "05-10", "05-09", "05-08", "05-14", "05-12", "05-11", "05-10",
        ];
        let amor = [
            "09-15", "09-21", "09-19", "09-18", "09-17", "09-16", "09-21", "09-20", "09-19",
        ];
        for (i, (m, a)) in madre.iter().zip(amor).enumerate() {
            let y = 2018 + i as i32;
            let md = d(&format!("{y}-{m}"));
            let ad = d(&format!("{y}-{a}"));
            assert!(SpecialDays::of(md).is_dia_madre, "{md}");
            assert!(SpecialDays::of(ad).is_amor_amistad, "{ad}");
            assert_eq!(nth_weekday(y, 5, SUNDAY, 2), md);
            assert_eq!(nth_weekday(y, 9, SATURDAY, 3), ad);
        }
    }

    #[test]
    fn december_block_and_novenas() {
        let s = SpecialDays::of(d("2025-12-16"));
        assert!(s.is_novena);
        assert_eq!(s.novena_day, Some(1));
        let s = SpecialDays::of(d("2025-12-24"));
        assert!(s.is_novena && s.is_nochebuena);
        assert_eq!(s.novena_day, Some(9));
        assert!(SpecialDays::of(d("2025-12-07")).is_velitas);
        assert!(SpecialDays::of(d("2025-12-08")).is_dic_medio);
        assert!(SpecialDays::of(d("2025-12-06")).is_dic_inicio);
        assert!(SpecialDays::of(d("2025-12-30")).is_fin_de_ano);
        assert!(SpecialDays::of(d("2025-12-31")).is_nochevieja);
        assert!(SpecialDays::of(d("2026-01-01")).is_ano_nuevo);
        assert!(SpecialDays::of(d("2026-01-06")).is_enero_reyes);
        assert!(!SpecialDays::of(d("2026-01-07")).is_enero_reyes);
        assert_eq!(SpecialDays::of(d("2025-11-30")), SpecialDays::default());
    }

    #[test]
    fn semana_santa_runs_palm_sunday_to_easter() {
        assert!(SpecialDays::of(d("2025-04-13")).is_semana_santa);
        assert!(SpecialDays::of(d("2025-04-20")).is_semana_santa);
        assert!(!SpecialDays::of(d("2025-04-12")).is_semana_santa);
        assert!(!SpecialDays::of(d("2025-04-21")).is_semana_santa);
    }

    #[test]
    fn pandemic_phases_and_boundaries() {
        let p = PandemiaConfig::default();
        assert_eq!(p.phase(d("2020-03-24")), (0, 0.0, false));
        assert_eq!(p.phase(d("2020-03-25")), (1, 1.0, true));
        assert_eq!(p.phase(d("2020-08-31")), (2, 0.56, true));
        assert_eq!(p.phase(d("2020-09-01")), (3, 0.24, false));
        assert_eq!(p.phase(d("2021-05-12")), (4, 0.31, false));
        assert_eq!(p.phase(d("2022-06-30")), (5, 0.09, false));
        assert_eq!(p.phase(d("2022-07-01")), (0, 0.0, false));
    }

    #[test]
    fn bad_pandemic_config_names_the_key() {
        let mut p = PandemiaConfig::default();
        p.fases[2].intensidad = 1.5;
        assert_eq!(
            p.validate().unwrap_err(),
            CalendarError::InvalidConfig {
                key: "pandemia.fases[2].intensidad".into(),
                message: "expected a value in [0, 1], got 1.5".into()
            }
        );
        let mut p = PandemiaConfig::default();
        p.fases[1].desde = d("2020-04-20");
        assert!(
            matches!(p.validate(), Err(CalendarError::InvalidConfig { key, .. }) if key == "pandemia.fases[1]")
        );
    }
}
