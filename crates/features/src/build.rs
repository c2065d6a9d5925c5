//! The one feature builder (domain.md §1–7): [`feature_rows`] computes the feature rows of
//! any date span from the calendar, the config and per-day inputs. History rows take their
//! inputs from the cleansed layer; the future rows take them from the plan
//! ([`FuturePlan`]) — through the very same function, so the two can never drift apart.

use std::collections::{BTreeMap, BTreeSet};
use std::f64::consts::PI;

use calendar::{Calendar, DayInfo};
use chrono::{Datelike, NaiveDate};
use core_types::DateSpan;
use serde::{Deserialize, Serialize};

use crate::FeaturesError;

/// How the day of week enters the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DowEncoding {
    /// Seven 0/1 columns `dow_0` … `dow_6` (Monday = 0).
    OneHot,
    /// `dow_sin`, `dow_cos`.
    Ciclica,
}

/// How the pandemic enters the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PandemicEncoding {
    /// `fases` for a Colombian calendar, `ninguna` elsewhere.
    Auto,
    /// Not at all.
    Ninguna,
    /// One dummy per phase (`pandemic_phase_1` …).
    Fases,
    /// `pandemic_intensity` in [0, 1].
    Intensidad,
    /// Both.
    Ambas,
}

/// A named list of dates that each get the dummy `evento_<nombre>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evento {
    /// Name (snake_case).
    pub nombre: String,
    /// Dates (past and future alike).
    pub fechas: Vec<NaiveDate>,
}

/// A Colombian feature group's switch: on, off, or `auto` (on only when
/// `calendar.festivos.pais` is Colombia).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    /// On for Colombia, off elsewhere.
    Auto,
    /// As given.
    Fixed(bool),
}

impl Switch {
    /// Whether the group is on for a calendar of Colombia (`colombia`) or another country.
    pub fn on(self, colombia: bool) -> bool {
        match self {
            Switch::Auto => colombia,
            Switch::Fixed(b) => b,
        }
    }
}

impl From<bool> for Switch {
    fn from(b: bool) -> Self {
        Switch::Fixed(b)
    }
}

impl Serialize for Switch {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Switch::Auto => s.serialize_str("auto"),
            Switch::Fixed(b) => s.serialize_bool(*b),
        }
    }
}

impl<'de> Deserialize<'de> for Switch {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Switch;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true, false or auto")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Switch, E> {
                Ok(Switch::Fixed(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Switch, E> {
                match v.trim() {
                    "auto" => Ok(Switch::Auto),
                    "true" => Ok(Switch::Fixed(true)),
                    "false" => Ok(Switch::Fixed(false)),
                    other => Err(E::invalid_value(serde::de::Unexpected::Str(other), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// An extra exogenous column passed through from the source, and its planned future.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraColumn {
    /// Column name in the cleansed layer.
    pub nombre: String,
    /// Value on future dates outside `futuro_uno` and without a source row; `null` = unknown
    /// (a future date that needs it is an error naming the column).
    #[serde(default)]
    pub futuro_por_defecto: Option<f64>,
    /// Future spans where the value is 1 (e.g. planned school holidays).
    #[serde(default)]
    pub futuro_uno: Vec<DateSpan>,
    /// When the source itself has rows after the cutoff (a hold-out run, or a source that
    /// lists flags known in advance), take the future value from there; `futuro_uno` and
    /// `futuro_por_defecto` fill the other dates.
    #[serde(default = "yes")]
    pub futuro_de_la_fuente: bool,
}

fn yes() -> bool {
    true
}

/// Feature settings (`features:` in config.yaml).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureConfig {
    /// Day-of-week encoding.
    pub dia_semana: DowEncoding,
    /// Use `dow_eff` (festivos as Saturday, domain.md §3.4) rather than the raw `dow`.
    pub festivo_como_sabado: bool,
    /// `is_holiday`.
    pub festivos: bool,
    /// `is_payday`, `days_since_payday`, `post_payday_window`, `payday_window` (Colombian;
    /// `auto` = on only for `CO`).
    pub quincenas: Switch,
    /// `is_prima_window` (Colombian; `auto` = on only for `CO`).
    pub primas: Switch,
    /// December block, novenas, 1–6 January (Colombian; `auto` = on only for `CO`).
    pub diciembre: Switch,
    /// Madre, Amor y Amistad, Halloween, Semana Santa (Colombian; `auto` = on only for `CO`).
    pub dias_especiales: Switch,
    /// Pandemic encoding (Colombian phases; `auto` = `fases` for `CO`, `ninguna` elsewhere).
    pub pandemia: PandemicEncoding,
    /// `promo`, `discount_pct`.
    pub promociones: bool,
    /// `trend` in years since the first history date.
    pub tendencia: bool,
    /// Yearly Fourier orders (`year_sin_k`, `year_cos_k`).
    pub fourier_anual: u32,
    /// Weekly Fourier orders (`week_sin_k`, `week_cos_k`).
    pub fourier_semanal: u32,
    /// A weekly profile that changes over the year: each weekday's indicator times the
    /// yearly Fourier pairs `1..=k` (`dow_d_year_sin_k`, `dow_d_year_cos_k`, with `d` the
    /// weekday `dow_k` uses; 0 = none). Summer weekends of a tourist town, December's
    /// Saturdays: the weekday effect is not the same in every season.
    #[serde(default)]
    pub semana_por_temporada: u32,
    /// A history shorter than this many days (up to the cutoff) has not seen a whole yearly
    /// cycle, so a trend cannot be told from part of the season, and both extrapolate what
    /// they saw: phase 04 then leaves out the trend (and its knots) and the yearly Fourier
    /// terms, and keeps the weekday × season pairs (`semana_por_temporada`), the shrunk form
    /// of a yearly cycle (`null` = never). Measured on tails of the development windows of 16
    /// series (two windows each), geometric mean MASE: 165–315 history days 1.350 → 1.225
    /// (leaving out either alone, or the weekday × season pairs too, did worse: 1.34–1.46);
    /// 65–115 days 1.59 → 1.67 (worse: there every variant is near a weekday median); all 191
    /// tails of 65–315 days 1.426 → 1.358 (1.350 with the clones of one model competing once).
    #[serde(default = "one_year")]
    pub ciclo_anual_min_dias: Option<u32>,
    /// A piecewise-linear trend (as Prophet's changepoints): one knot every this many days
    /// from the first history date, the last at least this many days before the cutoff;
    /// `trend_cp_k = max(0, years since knot k)` next to `trend` (`null` = no knots). Phase
    /// 04 resolves the knots into `cambios_tendencia`.
    #[serde(default)]
    pub cambios_tendencia_cada_dias: Option<u32>,
    /// The trend's knots (resolved by phase 04 from `cambios_tendencia_cada_dias`, or given).
    #[serde(default)]
    pub cambios_tendencia: Vec<NaiveDate>,
    /// Days before and after a festivo flagged on their own (`festivo_antes_k`: the festivo
    /// is k days later; `festivo_despues_k`: k days earlier), as Prophet's holiday windows:
    /// the eve of a closed holiday sells more, the day after less.
    #[serde(default)]
    pub ventana_festivos: HolidayWindow,
    /// Named event dummies.
    pub eventos: Vec<Evento>,
    /// Each festivo by its name as an event of its own (`evento_festivo_<name>`), as
    /// Prophet's holidays: Christmas and a minor holiday move sales differently, and one
    /// `is_holiday` averages them. A name needs at least this many open history days (phase
    /// 04 resolves the names into `eventos`; `null` = off).
    #[serde(default)]
    pub festivos_por_nombre: Option<u32>,
    /// When the end of the history reads as a stop (a discontinued product): the horizon is
    /// then closed, forecast 0 (`null` = never).
    #[serde(default)]
    pub serie_detenida: Option<crate::StopRule>,
    /// When the start of the history reads as a launch (zeros before a product was on sale,
    /// [`crate::StopRule::launched`]): the history then starts at the first sale (`null` =
    /// never).
    #[serde(default)]
    pub serie_lanzada: Option<crate::StopRule>,
    /// In a many-series run, a series with less than `ciclo_anual_min_dias` of history
    /// borrows its siblings' yearly shape ([`crate::lent`]): divided by it before training,
    /// its forecast multiplied by it (`null` = never).
    #[serde(default = "lent_default")]
    pub forma_anual_prestada: Option<crate::LentShape>,
    /// Extra source columns passed through as features.
    pub exogenas: Vec<ExtraColumn>,
    /// Every other numeric source column becomes a feature too (its future from the source
    /// rows after the cutoff; unknown future = an error naming it).
    pub exogenas_auto: bool,
    /// A 0/1 column passed through automatically whose future the source gives on some
    /// horizon days but not all (an export listing the next 60 days' promotions).
    #[serde(default)]
    pub futuro_parcial: PartialFuture,
}

/// `features.futuro_parcial`: a 0/1 flag the source gives for part of the horizon.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartialFuture {
    /// A feature: the source's values where given, the flag's usual (most frequent) value on
    /// the other days, as a promotion calendar entered for the coming weeks means "no
    /// promotion" after them. Said in the log and the features report (`futuro_parcial`).
    #[default]
    Habitual,
    /// Left out of the model (a guess avoided), with a warning offering the usual value.
    Excluir,
}

fn lent_default() -> Option<crate::LentShape> {
    Some(crate::LentShape::default())
}

fn one_year() -> Option<u32> {
    Some(365)
}

impl FeatureConfig {
    /// Whether a history of `days` days (up to the cutoff) is shorter than a yearly cycle
    /// (`ciclo_anual_min_dias`): its trend and yearly Fourier terms are then left out.
    pub fn partial_year(&self, days: usize) -> bool {
        self.ciclo_anual_min_dias
            .is_some_and(|min| days < min as usize)
    }

    /// The trend knots for a history `first..=cutoff`: every `cambios_tendencia_cada_dias`
    /// days from `first`, the last at least that many days before `cutoff` (given knots are
    /// kept as they are).
    pub fn trend_knots(&self, first: NaiveDate, cutoff: NaiveDate) -> Vec<NaiveDate> {
        match self.cambios_tendencia_cada_dias {
            Some(every) if self.cambios_tendencia.is_empty() && every > 0 => {
                let step = chrono::Days::new(u64::from(every));
                let mut out = Vec::new();
                let mut k = first + step;
                while k + step <= cutoff {
                    out.push(k);
                    k = k + step;
                }
                out
            }
            _ => self.cambios_tendencia.clone(),
        }
    }

    /// Every calendar group on (the exploratory `03_features` table), keeping `self`'s
    /// encodings, Fourier orders, events and extras.
    pub fn all_groups(&self) -> Self {
        Self {
            festivos: true,
            quincenas: Switch::Fixed(true),
            primas: Switch::Fixed(true),
            diciembre: Switch::Fixed(true),
            dias_especiales: Switch::Fixed(true),
            pandemia: PandemicEncoding::Ambas,
            promociones: true,
            tendencia: true,
            ..self.clone()
        }
    }
}

impl Default for FeatureConfig {
    fn default() -> Self {
        Self {
            dia_semana: DowEncoding::OneHot,
            festivo_como_sabado: true,
            festivos: true,
            quincenas: Switch::Auto,
            primas: Switch::Auto,
            diciembre: Switch::Auto,
            dias_especiales: Switch::Auto,
            pandemia: PandemicEncoding::Auto,
            promociones: true,
            tendencia: true,
            fourier_anual: 10,
            fourier_semanal: 0,
            semana_por_temporada: 1,
            ciclo_anual_min_dias: one_year(),
            cambios_tendencia_cada_dias: None,
            cambios_tendencia: Vec::new(),
            ventana_festivos: HolidayWindow::default(),
            eventos: Vec::new(),
            festivos_por_nombre: Some(3),
            serie_detenida: Some(crate::StopRule::default()),
            serie_lanzada: Some(crate::StopRule::default()),
            forma_anual_prestada: lent_default(),
            exogenas: Vec::new(),
            exogenas_auto: true,
            futuro_parcial: PartialFuture::Habitual,
        }
    }
}

/// Days around each festivo with a flag of their own (`features.ventana_festivos`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayWindow {
    /// Days before (0 = none).
    pub antes: u32,
    /// Days after (0 = none).
    pub despues: u32,
}

impl HolidayWindow {
    /// `span` widened by the window on both sides: the calendar a feature table over `span`
    /// needs.
    pub fn pad(&self, span: DateSpan) -> DateSpan {
        let m = chrono::Days::new(u64::from(self.antes.max(self.despues)));
        DateSpan::new(span.start() - m, span.end() + m).expect("widened span is ordered")
    }
}

impl Default for HolidayWindow {
    fn default() -> Self {
        Self {
            antes: 1,
            despues: 1,
        }
    }
}

/// A planned promotion (`plan.promociones_planeadas[]`): one `fecha`, or `desde`/`hasta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedPromo {
    /// A single date.
    pub fecha: Option<NaiveDate>,
    /// First date of a span.
    pub desde: Option<NaiveDate>,
    /// Last date of a span.
    pub hasta: Option<NaiveDate>,
    /// Discount; when absent the default discount applies.
    pub descuento_pct: Option<f64>,
}

/// The plan for the horizon (`plan:` in config.yaml): promotions and closures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FuturePlan {
    /// Planned promotions (default none).
    pub promociones_planeadas: Vec<PlannedPromo>,
    /// Planned closures; the forecast on those days is 0.
    pub cierres_planeados: Vec<NaiveDate>,
    /// Discount of a planned promotion without one.
    pub descuento_por_defecto: f64,
}

impl FuturePlan {
    /// The planned closures that fall inside `horizon`.
    pub fn closures_in(&self, horizon: DateSpan) -> BTreeSet<NaiveDate> {
        self.cierres_planeados
            .iter()
            .copied()
            .filter(|d| horizon.contains(*d))
            .collect()
    }

    /// The planned promotion days with their discounts, and the planned dates that fall
    /// outside `horizon` (ignored, to be reported as a warning). Malformed or duplicated
    /// entries are errors naming the entry.
    pub fn promotions(
        &self,
        horizon: DateSpan,
    ) -> Result<(BTreeMap<NaiveDate, f64>, Vec<NaiveDate>), FeaturesError> {
        let mut days = BTreeMap::new();
        let mut outside = Vec::new();
        for (i, p) in self.promociones_planeadas.iter().enumerate() {
            let key = format!("plan.promociones_planeadas[{i}]");
            let span = match (p.fecha, p.desde, p.hasta) {
                (Some(f), None, None) => DateSpan::new(f, f).expect("same date"),
                (None, Some(a), Some(b)) => {
                    DateSpan::new(a, b).map_err(|_| FeaturesError::InvalidConfig {
                        key: key.clone(),
                        message: format!("desde {a} is after hasta {b}"),
                    })?
                }
                _ => {
                    return Err(FeaturesError::InvalidConfig {
                        key,
                        message: "give either `fecha`, or both `desde` and `hasta`".into(),
                    })
                }
            };
            let discount = p.descuento_pct.unwrap_or(self.descuento_por_defecto);
            if !(0.0..100.0).contains(&discount) {
                return Err(FeaturesError::InvalidConfig {
                    key: format!("{key}.descuento_pct"),
                    message: format!("expected 0 <= x < 100, got {discount}"),
                });
            }
            for d in span.dates() {
                if !horizon.contains(d) {
                    outside.push(d);
                } else if days.insert(d, discount).is_some() {
                    return Err(FeaturesError::InvalidConfig {
                        key,
                        message: format!("{d} is planned twice"),
                    });
                }
            }
        }
        Ok((days, outside))
    }
}

/// What a day brings besides the calendar: the plan for the future, the data for the past.
#[derive(Debug, Clone, PartialEq)]
pub struct DayInputs {
    /// A promotion runs.
    pub promo: bool,
    /// Its discount (0 without promotion).
    pub discount_pct: f64,
    /// The shop is closed.
    pub closed: bool,
    /// Whether the pandemic phases apply (false on future dates: every pandemic feature is 0).
    pub pandemic: bool,
    /// Values of the configured extra columns, in config order.
    pub extras: Vec<f64>,
}

/// Feature rows: one per date, columns by name, values as `f64`.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureTable {
    /// Dates, ascending.
    pub dates: Vec<NaiveDate>,
    /// Column names, in order (the model's input schema).
    pub names: Vec<String>,
    /// Column-major values: `values[j][i]` is feature `j` on date `i`.
    pub values: Vec<Vec<f64>>,
}

impl FeatureTable {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|j| self.values[j].as_slice())
    }

    /// As a data frame: `fecha` then the features.
    #[cfg(feature = "polars")]
    pub fn to_frame(&self) -> Result<polars::prelude::DataFrame, FeaturesError> {
        use polars::prelude::*;
        let mut columns = vec![Column::new(
            core_types::cols::FECHA.into(),
            self.dates.clone(),
        )];
        for (name, v) in self.names.iter().zip(&self.values) {
            columns.push(Column::new(name.as_str().into(), v.clone()));
        }
        Ok(DataFrame::new(self.dates.len(), columns)?)
    }
}

struct Builder {
    names: Vec<String>,
    values: Vec<Vec<f64>>,
    col: usize,
    first_row: bool,
}

impl Builder {
    fn push(&mut self, name: impl FnOnce() -> String, v: f64) {
        if self.first_row {
            self.names.push(name());
            self.values.push(Vec::new());
        }
        self.values[self.col].push(v);
        self.col += 1;
    }
    fn flag(&mut self, name: &str, on: bool) {
        self.push(|| name.to_string(), f64::from(u8::from(on)));
    }
}

/// The pandemic phase numbers configured in the calendar, ascending.
fn phases(cal: &Calendar) -> Vec<u8> {
    let mut v: Vec<u8> = cal.config().pandemia.fases.iter().map(|f| f.fase).collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[allow(clippy::too_many_arguments)]
fn row(
    b: &mut Builder,
    cfg: &FeatureConfig,
    info: &DayInfo,
    input: &DayInputs,
    origin: NaiveDate,
    phase_ids: &[u8],
    events: &[(String, BTreeSet<NaiveDate>)],
    colombia: bool,
    around: &[bool],
) {
    let d = info.date;
    let dow = if cfg.festivo_como_sabado {
        info.dow_eff
    } else {
        info.dow
    };
    match cfg.dia_semana {
        DowEncoding::OneHot => {
            for k in 0..7u32 {
                b.push(|| format!("dow_{k}"), f64::from(u8::from(dow == k)));
            }
        }
        DowEncoding::Ciclica => {
            let a = 2.0 * PI * f64::from(dow) / 7.0;
            b.push(|| "dow_sin".into(), a.sin());
            b.push(|| "dow_cos".into(), a.cos());
        }
    }
    if cfg.festivos {
        b.flag("is_holiday", info.is_festivo);
        let w = &cfg.ventana_festivos;
        for k in 1..=w.antes {
            b.flag(&format!("festivo_antes_{k}"), around[(k - 1) as usize]);
        }
        for k in 1..=w.despues {
            b.flag(
                &format!("festivo_despues_{k}"),
                around[(w.antes + k - 1) as usize],
            );
        }
    }
    if cfg.quincenas.on(colombia) {
        b.flag("is_payday", info.is_payday);
        b.push(
            || "days_since_payday".into(),
            f64::from(info.days_since_payday),
        );
        b.flag("post_payday_window", info.post_payday_window);
        b.flag("payday_window", info.payday_window);
    }
    if cfg.primas.on(colombia) {
        b.flag("is_prima_window", info.is_prima_window);
    }
    if cfg.diciembre.on(colombia) {
        let s = &info.special;
        b.flag("is_dic_inicio", s.is_dic_inicio);
        b.flag("is_velitas", s.is_velitas);
        b.flag("is_dic_medio", s.is_dic_medio);
        b.flag("is_novena", s.is_novena);
        b.push(|| "novena_day".into(), f64::from(s.novena_day.unwrap_or(0)));
        b.flag("is_nochebuena", s.is_nochebuena);
        b.flag("is_navidad", s.is_navidad);
        b.flag("is_fin_de_ano", s.is_fin_de_ano);
        b.flag("is_nochevieja", s.is_nochevieja);
        b.flag("is_ano_nuevo", s.is_ano_nuevo);
        b.flag("is_enero_reyes", s.is_enero_reyes);
    }
    if cfg.dias_especiales.on(colombia) {
        let s = &info.special;
        b.flag("is_dia_madre", s.is_dia_madre);
        b.flag("is_amor_amistad", s.is_amor_amistad);
        b.flag("is_halloween", s.is_halloween);
        b.flag("is_semana_santa", s.is_semana_santa);
    }
    let (phase, intensity) = if input.pandemic {
        (info.pandemic_phase, info.pandemic_intensity)
    } else {
        (0, 0.0)
    };
    let pandemia = match cfg.pandemia {
        PandemicEncoding::Auto if colombia => PandemicEncoding::Fases,
        PandemicEncoding::Auto => PandemicEncoding::Ninguna,
        other => other,
    };
    if matches!(pandemia, PandemicEncoding::Fases | PandemicEncoding::Ambas) {
        for &p in phase_ids {
            b.push(
                || format!("pandemic_phase_{p}"),
                f64::from(u8::from(phase == p)),
            );
        }
    }
    if matches!(
        pandemia,
        PandemicEncoding::Intensidad | PandemicEncoding::Ambas
    ) {
        b.push(|| "pandemic_intensity".into(), intensity);
    }
    if cfg.promociones {
        b.flag("promo", input.promo);
        b.push(
            || "discount_pct".into(),
            if input.promo { input.discount_pct } else { 0.0 },
        );
    }
    if cfg.tendencia {
        b.push(|| "trend".into(), (d - origin).num_days() as f64 / 365.25);
        for (k, knot) in cfg.cambios_tendencia.iter().enumerate() {
            b.push(
                || format!("trend_cp_{}", k + 1),
                ((d - *knot).num_days().max(0)) as f64 / 365.25,
            );
        }
    }
    let doy = f64::from(d.ordinal());
    for k in 1..=cfg.fourier_anual {
        let a = 2.0 * PI * f64::from(k) * doy / 365.25;
        b.push(|| format!("year_sin_{k}"), a.sin());
        b.push(|| format!("year_cos_{k}"), a.cos());
    }
    for k in 1..=cfg.semana_por_temporada {
        let a = 2.0 * PI * f64::from(k) * doy / 365.25;
        for wd in 0..7u32 {
            let on = f64::from(u8::from(dow == wd));
            b.push(|| format!("dow_{wd}_year_sin_{k}"), on * a.sin());
            b.push(|| format!("dow_{wd}_year_cos_{k}"), on * a.cos());
        }
    }
    for k in 1..=cfg.fourier_semanal {
        let a = 2.0 * PI * f64::from(k) * f64::from(dow) / 7.0;
        b.push(|| format!("week_sin_{k}"), a.sin());
        b.push(|| format!("week_cos_{k}"), a.cos());
    }
    for (name, dates) in events {
        b.push(
            || format!("evento_{name}"),
            f64::from(u8::from(dates.contains(&d))),
        );
    }
    for (k, e) in cfg.exogenas.iter().enumerate() {
        b.push(
            || e.nombre.clone(),
            input.extras.get(k).copied().unwrap_or(0.0),
        );
    }
}

/// The feature rows of every date in `span`. `origin` is where the trend starts (the first
/// history date); `inputs` gives each date's promotion, closure, pandemic switch and extras.
pub fn feature_rows(
    span: DateSpan,
    cal: &Calendar,
    cfg: &FeatureConfig,
    origin: NaiveDate,
    inputs: impl Fn(NaiveDate) -> DayInputs,
) -> Result<FeatureTable, FeaturesError> {
    let phase_ids = phases(cal);
    let events: Vec<(String, BTreeSet<NaiveDate>)> = cfg
        .eventos
        .iter()
        .map(|e| (e.nombre.clone(), e.fechas.iter().copied().collect()))
        .collect();
    let mut b = Builder {
        names: Vec::new(),
        values: Vec::new(),
        col: 0,
        first_row: true,
    };
    let mut dates = Vec::with_capacity(span.len_days());
    let colombia = cal.config().festivos.pais.is_colombia();
    let w = cfg.ventana_festivos;
    let mut around = Vec::with_capacity((w.antes + w.despues) as usize);
    for d in span.dates() {
        let info = cal.day(d)?;
        around.clear();
        if cfg.festivos {
            // A neighbour outside the calendar's span counts as no festivo: phase 04 pads the
            // calendar by the window (`HolidayWindow::pad`), so its tables are exact.
            let festivo = |x: Option<NaiveDate>| {
                x.and_then(|x| cal.day(x).ok())
                    .is_some_and(|i| i.is_festivo)
            };
            for k in 1..=w.antes {
                around.push(festivo(d.checked_add_days(chrono::Days::new(u64::from(k)))));
            }
            for k in 1..=w.despues {
                around.push(festivo(d.checked_sub_days(chrono::Days::new(u64::from(k)))));
            }
        }
        b.col = 0;
        row(
            &mut b,
            cfg,
            &info,
            &inputs(d),
            origin,
            &phase_ids,
            &events,
            colombia,
            &around,
        );
        b.first_row = false;
        dates.push(d);
    }
    Ok(FeatureTable {
        dates,
        names: b.names,
        values: b.values,
    })
}

/// The future inputs of `d` from the plan: planned promotions and closures, pandemic off,
/// extras from their configured future values.
pub fn future_inputs(
    d: NaiveDate,
    cfg: &FeatureConfig,
    promos: &BTreeMap<NaiveDate, f64>,
    closures: &BTreeSet<NaiveDate>,
    known_extras: Option<&[f64]>,
) -> DayInputs {
    DayInputs {
        promo: promos.contains_key(&d),
        discount_pct: promos.get(&d).copied().unwrap_or(0.0),
        closed: closures.contains(&d),
        pandemic: false,
        extras: cfg
            .exogenas
            .iter()
            .enumerate()
            .map(|(k, e)| {
                let known = known_extras
                    .and_then(|v| v.get(k))
                    .filter(|v| e.futuro_de_la_fuente && v.is_finite());
                if let Some(v) = known {
                    *v
                } else if e.futuro_uno.iter().any(|s| s.contains(d)) {
                    1.0
                } else {
                    // Unknown stays NaN: phase 04 refuses it, naming the column.
                    e.futuro_por_defecto.unwrap_or(f64::NAN)
                }
            })
            .collect(),
    }
}
