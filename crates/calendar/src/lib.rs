//! # calendar
//!
//! The Colombian calendar rules behind the buñuelo forecaster, as pure date functions
//! (domain notes §0–5). No data frames, no I/O.
//!
//! - Festivos ([`festivos`]): Colombia by default — the `holidays` crate (`CO`) plus Ley 2578
//!   de 2026, plus the config's additions and removals; the Ley 51 rule is also implemented in
//!   code ([`festivos::rule_festivos`]) and may serve as a fallback outside the crate's years.
//! - Other countries: `calendar.festivos.pais` takes any of the `holidays` crate's 101
//!   country codes ([`festivos::PAISES`], all compiled in) or of the 149 other countries of
//!   python-holidays (`EC`, `TH`, `PH`, `PR`, …, their national calendars derived into the
//!   subdivision table; `UK` reads as `GB`, alpha-3 codes as their alpha-2: `ECU`, `USA-MN`;
//!   [`festivos::paises`] lists all 250), optionally
//!   with an ISO 3166-2
//!   subdivision: every German Land (`DE-BY`, `DE-SH`, …), every US state (`US-MN`,
//!   `US-TX`, …) and the subdivisions of 22 other countries (`AU-VIC`, `CA-ON`, `ES-MD`,
//!   `GB-SCT`, …; [`festivos::subdivisiones_con_reglas`]), whose own holidays are implemented
//!   in [`festivos::subdivisiones`] (the crate has national holidays only). Any other subdivision
//!   (`NL-ZH`, `GB-LND`) keeps the national holidays — the pipeline warns — or, with
//!   `subdivision_sin_reglas: error`, is refused with [`PaisError::SubdivisionNotImplemented`];
//!   an unknown code is a [`PaisError`] at config load.
//! - Years: the crate covers 2000–2030 for every country. Outside, `fuera_de_rango: error`
//!   fails with [`CalendarError::YearNotCovered`]; `auto` (default) is `error` for `CO` and
//!   `regla` for every other country; `regla` uses the Ley 51 rule for
//!   `CO`, and for other countries the fixed-date, Easter-relative and weekday rules recognised
//!   in the nearest covered years ([`festivos::fallback`]), or fails with
//!   [`CalendarError::RuleFallbackUnavailable`] naming the holidays no rule explains (lunar
//!   calendars). Subdivision rules apply in every year, and so do the rules of the table's
//!   countries; the holidays the table lists as dates (lunar calendars, observed days) exist
//!   in 2000–2030 only.
//! - The business's time zone ([`zona_horaria`]): the country's (or its subdivision's) IANA
//!   zone, where timestamps written with an offset are cut to dates.
//! - `dow_eff` ("festivo como sábado", [`dow_eff`]), with the named constant [`SATURDAY`].
//! - Adjusted quincena paydays and their windows ([`paydays`]), prima windows, the December
//!   block and the novenas, special days, pandemic phases ([`special`]). These are Colombian
//!   rules whatever the country of the festivos.
//!
//! Build a [`Calendar`] once for the span you need, then ask it about any date of that span
//! with [`Calendar::day`].
#![forbid(unsafe_code)]

pub mod festivos;
pub mod paydays;
pub mod special;
pub mod zonas;

use std::collections::BTreeMap;

use chrono::{Datelike, Days, Months, NaiveDate};
use core_types::DateSpan;
use serde::{Deserialize, Serialize};

pub use festivos::{
    easter_sunday, next_monday, FestivosConfig, OutOfRange, Pais, PaisError, SinReglas,
};
pub use paydays::{QuincenaConfig, SegundoDia};
pub use special::{PandemiaConfig, PandemicPhase, PrimaConfig, PrimaDeadline, SpecialDays};
pub use zonas::zona_horaria;

/// The value of `key` in an embedded two-column table (`KEY<TAB>value` lines, `#` comments).
fn tsv_value(table: &'static str, key: &str) -> Option<&'static str> {
    table
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Day-of-week number of Monday (`dow` = 0 Monday … 6 Sunday, domain.md §0).
pub const MONDAY: u32 = 0;
/// Day-of-week number of Saturday. With Monday = 0, Saturday is **5** (not 6).
pub const SATURDAY: u32 = 5;
/// Day-of-week number of Sunday.
pub const SUNDAY: u32 = 6;

/// Day of week with Monday = 0 … Sunday = 6.
pub fn dow(d: NaiveDate) -> u32 {
    d.weekday().num_days_from_monday()
}

/// "Festivo como sábado" (domain.md §3.4): a festivo from Monday to Saturday counts as a
/// Saturday; a festivo on a Sunday stays Sunday; any other day keeps its `dow`.
pub fn dow_eff(d: NaiveDate, is_festivo: bool) -> u32 {
    let w = dow(d);
    if is_festivo && w <= SATURDAY {
        SATURDAY
    } else {
        w
    }
}

/// Errors of the calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A year the festivo source does not cover (the `holidays` crate covers 2000–2030 for
    /// every country).
    #[error(
        "the festivo calendar does not cover year {year} (the holidays crate covers \
         {first}..={last}); set calendar.festivos.fuera_de_rango to \"regla\" to derive the \
         festivos by rule (the Ley 51 rule for CO; for other countries the fixed-date, \
         Easter-relative and n-th-weekday holidays of the nearest covered years)"
    )]
    YearNotCovered {
        /// The year asked for.
        year: i32,
        /// First covered year.
        first: i32,
        /// Last covered year.
        last: i32,
    },
    /// `fuera_de_rango: regla` for a country whose holidays in the covered years nearest to
    /// `year` include some that follow no fixed-date, Easter-relative or n-th-weekday rule
    /// (lunar and other calendars), so the year cannot be derived by rule.
    #[error(
        "calendar.festivos.fuera_de_rango = regla cannot give the festivos of {pais} for \
         {year}: the holiday data cover {first}..={last}, and in {edge_first}..={edge_last} \
         these holidays follow no fixed-date, Easter-relative or n-th-weekday rule (lunar or \
         irregular dates): {}; keep the data and horizon inside {first}..={last}",
        holidays.join(", ")
    )]
    RuleFallbackUnavailable {
        /// The country (and subdivision) code.
        pais: String,
        /// The year asked for.
        year: i32,
        /// First year of the crate's data.
        first: i32,
        /// Last year of the crate's data.
        last: i32,
        /// First of the covered years the rules were looked for in.
        edge_first: i32,
        /// Last of the covered years the rules were looked for in.
        edge_last: i32,
        /// The holidays no rule explains.
        holidays: Vec<String>,
    },
    /// A date outside the span the calendar was built for.
    #[error("date {date} is outside the calendar's span {start}..={end}")]
    DateOutsideSpan {
        /// The date asked for.
        date: NaiveDate,
        /// First date of the span.
        start: NaiveDate,
        /// Last date of the span.
        end: NaiveDate,
    },
    /// A configuration value the rules cannot use.
    #[error("invalid calendar setting `{key}`: {message}")]
    InvalidConfig {
        /// Key path under `calendar.`.
        key: String,
        /// What is wrong and what is expected.
        message: String,
    },
}

/// Every calendar setting (`calendar:` in `config.yaml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// Festivo source, additions and removals.
    pub festivos: FestivosConfig,
    /// Quincena (payday) rules.
    pub quincena: QuincenaConfig,
    /// Prima windows.
    pub prima: PrimaConfig,
    /// Pandemic phases.
    pub pandemia: PandemiaConfig,
}

impl Default for CalendarConfig {
    /// The defaults of the domain notes (Colombian payroll and pandemic phases).
    fn default() -> Self {
        Self {
            festivos: FestivosConfig::default(),
            quincena: QuincenaConfig::default(),
            prima: PrimaConfig::default(),
            pandemia: PandemiaConfig::default(),
        }
    }
}

impl CalendarConfig {
    /// Checks the values serde cannot check; the error names the key under `calendar.`.
    pub fn validate(&self) -> Result<(), CalendarError> {
        self.quincena.validate()?;
        self.prima.validate()?;
        self.pandemia.validate()?;
        self.festivos.validate()
    }
}

/// Everything the calendar knows about one date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayInfo {
    /// The date.
    pub date: NaiveDate,
    /// Day of week, Monday = 0.
    pub dow: u32,
    /// Effective day of week: festivos count as Saturday (Sunday festivos stay Sunday).
    pub dow_eff: u32,
    /// Whether the date is a festivo of the project calendar.
    pub is_festivo: bool,
    /// Whether the date is an adjusted quincena payday.
    pub is_payday: bool,
    /// Days since the last payday on or before the date (0 on a payday).
    pub days_since_payday: u32,
    /// Days until the next payday on or after the date (0 on a payday).
    pub days_to_payday: u32,
    /// `0 <= d - p <= quincena.dias_post` for some payday `p`.
    pub post_payday_window: bool,
    /// `|d - p| <= quincena.ventana_k` for some payday `p`.
    pub payday_window: bool,
    /// Inside a prima window (16–30 June, 6–20 December by default).
    pub is_prima_window: bool,
    /// Days until the prima deadline, inside a window.
    pub days_to_prima_deadline: Option<u32>,
    /// Which prima half the window belongs to (1 = first deadline, 2 = second).
    pub prima_half: Option<u8>,
    /// December block, novenas and the other special days.
    pub special: SpecialDays,
    /// Pandemic phase number (0 = none).
    pub pandemic_phase: u8,
    /// Pandemic intensity in `[0, 1]`.
    pub pandemic_intensity: f64,
    /// Whether the date lies in the national mandatory isolation.
    pub is_lockdown: bool,
}

/// The project calendar for one span: festivos, paydays and the rest, precomputed.
#[derive(Debug, Clone)]
pub struct Calendar {
    cfg: CalendarConfig,
    span: DateSpan,
    festivos: BTreeMap<NaiveDate, String>,
    paydays: Vec<NaiveDate>,
}

impl Calendar {
    /// Builds the calendar able to answer for every date of `span`. Festivos and paydays are
    /// computed from one month before `span.start()` to one month after `span.end()`, so that
    /// `days_since_payday` is defined on the first date and `days_to_payday` on the last.
    pub fn new(cfg: &CalendarConfig, span: DateSpan) -> Result<Self, CalendarError> {
        cfg.validate()?;
        let first = span.start() - Months::new(1);
        let last = span.end() + Months::new(1);
        let festivos = festivos::project_festivos(&cfg.festivos, first.year(), last.year())?;
        let paydays =
            paydays::paydays_between(&cfg.quincena, first, last, |d| festivos.contains_key(&d));
        Ok(Self {
            cfg: cfg.clone(),
            span,
            festivos,
            paydays,
        })
    }

    /// The span this calendar answers for.
    pub fn span(&self) -> DateSpan {
        self.span
    }

    /// The settings the calendar was built with.
    pub fn config(&self) -> &CalendarConfig {
        &self.cfg
    }

    /// Every festivo known to the calendar (a month either side of the span included), with
    /// its name.
    pub fn festivos(&self) -> &BTreeMap<NaiveDate, String> {
        &self.festivos
    }

    /// Every adjusted payday known to the calendar, ascending.
    pub fn paydays(&self) -> &[NaiveDate] {
        &self.paydays
    }

    fn check(&self, d: NaiveDate) -> Result<(), CalendarError> {
        if self.span.contains(d) {
            Ok(())
        } else {
            Err(CalendarError::DateOutsideSpan {
                date: d,
                start: self.span.start(),
                end: self.span.end(),
            })
        }
    }

    /// Whether `d` is a festivo.
    pub fn is_festivo(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        self.check(d)?;
        Ok(self.festivos.contains_key(&d))
    }

    /// Everything the calendar knows about `d`.
    pub fn day(&self, d: NaiveDate) -> Result<DayInfo, CalendarError> {
        self.check(d)?;
        let is_festivo = self.festivos.contains_key(&d);
        // Paydays cover one month either side of the span, so both searches succeed.
        let idx = self.paydays.partition_point(|p| *p <= d);
        let last_pay = self.paydays[idx - 1];
        let next_pay = if last_pay == d { d } else { self.paydays[idx] };
        let since = (d - last_pay).num_days() as u32;
        let to = (next_pay - d).num_days() as u32;
        let q = &self.cfg.quincena;
        let (prima_half, days_to_deadline) = self.cfg.prima.window(d);
        let (phase, intensity, lockdown) = self.cfg.pandemia.phase(d);
        Ok(DayInfo {
            date: d,
            dow: dow(d),
            dow_eff: dow_eff(d, is_festivo),
            is_festivo,
            is_payday: since == 0,
            days_since_payday: since,
            days_to_payday: to,
            post_payday_window: since <= q.dias_post,
            payday_window: since.min(to) <= q.ventana_k,
            is_prima_window: prima_half.is_some(),
            days_to_prima_deadline: days_to_deadline,
            prima_half,
            special: SpecialDays::of(d),
            pandemic_phase: phase,
            pandemic_intensity: intensity,
            is_lockdown: lockdown,
        })
    }

    /// [`Calendar::day`] for every date of the span, in order.
    pub fn days(&self) -> Vec<DayInfo> {
        self.span
            .dates()
            .map(|d| self.day(d).expect("dates of the span are covered"))
            .collect()
    }
}

/// The date `n` days after `d` (a small helper used across the rules).
pub(crate) fn plus_days(d: NaiveDate, n: u64) -> NaiveDate {
    d + Days::new(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn cal(start: &str, end: &str) -> Calendar {
        Calendar::new(
            &CalendarConfig::default(),
            DateSpan::new(d(start), d(end)).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn saturday_is_five_with_monday_zero() {
        assert_eq!(dow(d("2025-11-29")), SATURDAY);
        assert_eq!(dow(d("2025-11-30")), SUNDAY);
        assert_eq!(dow(d("2025-12-01")), MONDAY);
    }

    #[test]
    fn dow_eff_recodes_weekday_festivos_but_not_sunday_ones() {
        let c = cal("2018-01-01", "2026-12-31");
        // Monday festivo -> Saturday.
        assert_eq!(c.day(d("2018-01-01")).unwrap().dow_eff, SATURDAY);
        // Wednesday festivo (Año Nuevo 2025) -> Saturday.
        assert_eq!(c.day(d("2025-01-01")).unwrap().dow_eff, SATURDAY);
        // Sunday festivos stay Sunday, but are still festivos.
        for s in [
            "2019-12-08",
            "2022-05-01",
            "2022-08-07",
            "2022-12-25",
            "2023-01-01",
            "2024-12-08",
            "2025-07-20",
        ] {
            let info = c.day(d(s)).unwrap();
            assert!(info.is_festivo, "{s}");
            assert_eq!(info.dow, SUNDAY, "{s}");
            assert_eq!(info.dow_eff, SUNDAY, "{s}");
        }
        // Saturday festivos stay Saturday.
        for s in [
            "2018-12-08",
            "2019-07-20",
            "2021-05-01",
            "2021-08-07",
            "2021-12-25",
            "2022-01-01",
            "2024-07-20",
        ] {
            let info = c.day(d(s)).unwrap();
            assert!(info.is_festivo, "{s}");
            assert_eq!(info.dow, SATURDAY, "{s}");
            assert_eq!(info.dow_eff, SATURDAY, "{s}");
        }
    }

    #[test]
    fn sunday_and_saturday_festivo_fixture_lists_are_complete() {
        let c = cal("2018-01-01", "2026-12-31");
        let sundays: Vec<String> = c
            .festivos()
            .keys()
            .filter(|f| f.year() >= 2018 && f.year() <= 2026 && dow(**f) == SUNDAY)
            .map(|f| f.to_string())
            .collect();
        assert_eq!(
            sundays,
            [
                "2019-12-08",
                "2022-05-01",
                "2022-08-07",
                "2022-12-25",
                "2023-01-01",
                "2024-12-08",
                "2025-07-20"
            ]
        );
        let saturdays: Vec<String> = c
            .festivos()
            .keys()
            .filter(|f| f.year() >= 2018 && f.year() <= 2026 && dow(**f) == SATURDAY)
            .map(|f| f.to_string())
            .collect();
        assert_eq!(
            saturdays,
            [
                "2018-12-08",
                "2019-07-20",
                "2021-05-01",
                "2021-08-07",
                "2021-12-25",
                "2022-01-01",
                "2024-07-20"
            ]
        );
    }

    #[test]
    fn days_since_payday_example_from_domain() {
        let c = cal("2025-12-01", "2026-06-03");
        let info = c.day(d("2025-12-01")).unwrap();
        assert_eq!(info.days_since_payday, 3); // last payday 2025-11-28
        assert!(!info.post_payday_window);
        let p = c.day(d("2025-12-15")).unwrap();
        assert!(p.is_payday && p.post_payday_window && p.payday_window);
        assert_eq!(p.days_to_payday, 0);
        assert!(c.day(d("2025-12-17")).unwrap().post_payday_window);
        assert!(!c.day(d("2025-12-18")).unwrap().post_payday_window);
        assert!(c.day(d("2025-12-13")).unwrap().payday_window);
    }

    #[test]
    fn dates_outside_the_span_are_typed_errors() {
        let c = cal("2025-01-01", "2025-01-31");
        assert_eq!(
            c.day(d("2025-02-01")).unwrap_err(),
            CalendarError::DateOutsideSpan {
                date: d("2025-02-01"),
                start: d("2025-01-01"),
                end: d("2025-01-31")
            }
        );
    }

    #[test]
    fn years_outside_the_crate_are_errors_by_default_and_rule_on_request() {
        let span = DateSpan::new(d("1999-06-01"), d("1999-12-31")).unwrap();
        let err = Calendar::new(&CalendarConfig::default(), span).unwrap_err();
        assert_eq!(
            err,
            CalendarError::YearNotCovered {
                year: 1999,
                first: 2000,
                last: 2030
            }
        );
        let mut cfg = CalendarConfig::default();
        cfg.festivos.fuera_de_rango = OutOfRange::Regla;
        let c = Calendar::new(&cfg, span).unwrap();
        assert!(c.is_festivo(d("1999-12-08")).unwrap());
    }

    #[test]
    fn prima_and_pandemic_and_special_days_come_through() {
        let c = cal("2020-01-01", "2025-12-31");
        let p = c.day(d("2023-06-19")).unwrap();
        assert!(p.is_festivo && p.is_prima_window);
        assert_eq!(p.prima_half, Some(1));
        assert_eq!(p.days_to_prima_deadline, Some(11));
        let x = c.day(d("2020-04-01")).unwrap();
        assert_eq!((x.pandemic_phase, x.pandemic_intensity), (1, 1.0));
        assert!(x.is_lockdown);
        assert!(c.day(d("2024-12-24")).unwrap().special.is_nochebuena);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn calendar() -> &'static Calendar {
        static CAL: OnceLock<Calendar> = OnceLock::new();
        CAL.get_or_init(|| {
            let span = DateSpan::new(
                NaiveDate::from_ymd_opt(2000, 2, 1).unwrap(),
                NaiveDate::from_ymd_opt(2030, 11, 30).unwrap(),
            )
            .unwrap();
            Calendar::new(&CalendarConfig::default(), span).unwrap()
        })
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        let span = calendar().span();
        (0..span.len_days() as u64).prop_map(move |i| plus_days(span.start(), i))
    }

    proptest! {
        #[test]
        fn dow_eff_is_dow_or_saturday_and_sunday_festivos_stay_sunday(d in any_date()) {
            let info = calendar().day(d).unwrap();
            if info.is_festivo && info.dow != SUNDAY {
                prop_assert_eq!(info.dow_eff, SATURDAY);
            } else {
                prop_assert_eq!(info.dow_eff, info.dow);
            }
        }

        #[test]
        fn days_since_payday_is_bounded_and_windows_agree(d in any_date()) {
            let info = calendar().day(d).unwrap();
            prop_assert!(info.days_since_payday <= 20);
            prop_assert_eq!(info.is_payday, info.days_since_payday == 0);
            prop_assert_eq!(info.is_payday, info.days_to_payday == 0);
            prop_assert_eq!(info.post_payday_window, info.days_since_payday <= 2);
            if info.post_payday_window {
                prop_assert!(info.payday_window);
            }
        }

        #[test]
        fn prima_window_is_16_30_june_or_6_20_december(d in any_date()) {
            let info = calendar().day(d).unwrap();
            let want = (d.month() == 6 && d.day() >= 16) || (d.month() == 12 && (6..=20).contains(&d.day()));
            prop_assert_eq!(info.is_prima_window, want);
            prop_assert_eq!(info.prima_half.is_some(), want);
        }

        #[test]
        fn pandemic_features_are_zero_outside_2020_2022(d in any_date()) {
            let info = calendar().day(d).unwrap();
            if d.year() < 2020 || d.year() > 2022 {
                prop_assert_eq!(info.pandemic_phase, 0);
                prop_assert_eq!(info.pandemic_intensity, 0.0);
            }
            prop_assert!((0.0..=1.0).contains(&info.pandemic_intensity));
        }
    }
}
