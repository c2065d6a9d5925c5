//! Cleansing (phase 02): raw rows → a perfect daily grid, without losing or inventing data.
//!
//! 1. snake_case names and aliases, tolerant coercion (shared with validation, [`crate::typed`]);
//! 2. duplicates: identical rows collapse; conflicting rows keep the highest `id` (then the
//!    latest `created_at`, then the last row) — both are flagged and reported, values kept;
//! 3. reindex from the first to the last date; missing dates are rows with null units and
//!    `es_faltante = true`, never 0;
//! 4. refused values (null, negative, non-integer, out of range, unparseable) and
//!    calendar-aware outliers are flagged: the value becomes null, the original is kept in
//!    `unidades_originales`. Closed days (`abierto = false`) are never flagged;
//! 5. imputation, by policy, only into the separate model-ready column `unidades_modelo`.

use std::collections::{BTreeMap, BTreeSet};

use calendar::{Calendar, CalendarConfig, DayInfo};
use chrono::{Datelike, NaiveDate};
use core_types::dates::LocalZone;
use core_types::{cols, DateSpan};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::raw::{as_number, Cell, RawTable};
use crate::spec::ContractConfig;
use crate::typed::{canonicalize, type_rows_up_to, Rule, TypedRow, Units};
use crate::validate::{duplicate_groups, gaps};
use crate::ContractError;

/// Outlier detection settings (`cleanse.outliers`).
///
/// For each open day with a valid value, the baseline is the median of the valid values on
/// days with the same `dow_eff` and the same pandemic phase within ±`window_days`. A value is
/// flagged when it is 0 while the baseline is at least `zero_min_baseline`, when its ratio to
/// the baseline exceeds `high_ratio` (`calendar_high_ratio` on calendar days: 1 December – 6
/// January, festivos, special days, promotions), or falls below `low_ratio` (never on calendar
/// days). Flags are recomputed without the flagged values until nothing changes, so cleansing
/// its own output flags nothing new.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutlierConfig {
    /// Whether to flag outliers at all.
    pub enabled: bool,
    /// Half-width of the neighbourhood, in days.
    pub window_days: u32,
    /// Fewest comparable neighbours needed to judge a day.
    pub min_neighbours: usize,
    /// Ratio above which an ordinary day is flagged.
    pub high_ratio: f64,
    /// Ratio above which a calendar day is flagged.
    pub calendar_high_ratio: f64,
    /// Ratio below which an ordinary day is flagged.
    pub low_ratio: f64,
    /// A zero is flagged when the baseline is at least this.
    pub zero_min_baseline: f64,
}

impl Default for OutlierConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            window_days: 28,
            min_neighbours: 4,
            high_ratio: 3.0,
            calendar_high_ratio: 6.0,
            low_ratio: 0.25,
            zero_min_baseline: 5.0,
        }
    }
}

/// How missing values are filled in the model-ready column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImputationPolicy {
    /// Leave them missing.
    None,
    /// Linear between the nearest valid days (interior gaps only).
    Linear,
    /// Mean of the same `dow_eff` over the previous `seasonal_weeks` weeks.
    Seasonal,
}

/// Imputation settings (`cleanse.imputation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImputationConfig {
    /// The policy.
    pub policy: ImputationPolicy,
    /// Weeks looked back by the seasonal policy.
    pub seasonal_weeks: u32,
    /// Runs of missing values longer than this are left missing (a long gap is not filled).
    pub max_gap_days: u32,
}

/// What a date without any row in the source means (`cleanse.ausentes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbsentPolicy {
    /// Decided per day: an absent day is a closure when it is a festivo, a weekday the shop
    /// (almost) never trades, or a day of the year absent in every year — and its run of absent
    /// days is at most [`MAX_CLOSURE_RUN`] long, except a weekday never traded, closed in any
    /// run (a weekly series, a shop open at weekends only); otherwise it is a gap (missing,
    /// imputable).
    Auto,
    /// Every absent day is a closure (not fitted, not scored, never imputed).
    Cierre,
    /// Every absent day is a gap in the data (missing; short gaps imputed by policy).
    Faltante,
}

/// Longest run of absent days that [`AbsentPolicy::Auto`] still reads as closures.
pub const MAX_CLOSURE_RUN: usize = 4;

/// Shortest run of days without sales (absent or 0) that can be an off-season: a run this
/// long whose every date of the year is without sales in every year of the history is a
/// closure (`fuera_de_temporada`), carried into the horizon like any recurring closure.
pub const MIN_SEASON_RUN: usize = 14;

/// Cleansing settings (`cleanse:`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CleanseConfig {
    /// What absent dates mean.
    pub ausentes: AbsentPolicy,
    /// Outlier flags.
    pub outliers: OutlierConfig,
    /// Imputation into `unidades_modelo`.
    pub imputation: ImputationConfig,
}

impl Default for CleanseConfig {
    fn default() -> Self {
        Self {
            ausentes: AbsentPolicy::Auto,
            outliers: OutlierConfig::default(),
            imputation: ImputationConfig {
                policy: ImputationPolicy::Seasonal,
                seasonal_weeks: 4,
                max_gap_days: 7,
            },
        }
    }
}

impl CleanseConfig {
    /// Checks the settings; errors name the key under `cleanse.`.
    pub fn validate(&self) -> Result<(), ContractError> {
        let o = &self.outliers;
        let bad = |key: &str, message: String| {
            Err(ContractError::InvalidConfig {
                key: key.into(),
                message,
            })
        };
        if o.window_days == 0 || o.window_days > 366 {
            return bad(
                "outliers.window_days",
                format!("expected 1..=366, got {}", o.window_days),
            );
        }
        if !(o.high_ratio > 1.0 && o.calendar_high_ratio >= o.high_ratio) {
            return bad(
                "outliers.high_ratio",
                "expected 1 < high_ratio <= calendar_high_ratio".into(),
            );
        }
        if !(0.0..1.0).contains(&o.low_ratio) {
            return bad(
                "outliers.low_ratio",
                format!("expected [0, 1), got {}", o.low_ratio),
            );
        }
        if self.imputation.seasonal_weeks == 0 {
            return bad("imputation.seasonal_weeks", "expected at least 1".into());
        }
        Ok(())
    }
}

/// Why a day's value was flagged (`motivo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Motivo {
    /// The value was null on an open day.
    ValorNulo,
    /// Unparseable, NaN or Infinity.
    ValorInvalido,
    /// Negative units.
    Negativo,
    /// Not a whole number.
    NoEntero,
    /// Above the contract's maximum.
    FueraDeRango,
    /// The date appeared more than once with identical rows (value kept).
    Duplicado,
    /// The date appeared more than once with different rows (winner's value kept).
    DuplicadoEnConflicto,
    /// Zero units while the shop was open and the baseline says otherwise.
    CeroConTiendaAbierta,
    /// Far above comparable days.
    AtipicoAlto,
    /// Far below comparable days.
    AtipicoBajo,
}

impl Motivo {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Motivo::ValorNulo => "valor_nulo",
            Motivo::ValorInvalido => "valor_invalido",
            Motivo::Negativo => "negativo",
            Motivo::NoEntero => "no_entero",
            Motivo::FueraDeRango => "fuera_de_rango",
            Motivo::Duplicado => "duplicado",
            Motivo::DuplicadoEnConflicto => "duplicado_en_conflicto",
            Motivo::CeroConTiendaAbierta => cols::MOTIVO_CERO_CON_TIENDA_ABIERTA,
            Motivo::AtipicoAlto => "atipico_alto",
            Motivo::AtipicoBajo => "atipico_bajo",
        }
    }
    /// Whether the flag removes the value (duplicates keep theirs).
    pub fn removes_value(self) -> bool {
        !matches!(self, Motivo::Duplicado | Motivo::DuplicadoEnConflicto)
    }
}

/// One flagged day.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Flag {
    /// Date.
    pub fecha: NaiveDate,
    /// Reason.
    pub motivo: Motivo,
    /// The raw value.
    pub valor_original: String,
    /// Baseline of comparable days (outlier flags).
    pub baseline: Option<f64>,
    /// Ratio to the baseline (outlier flags).
    pub ratio: Option<f64>,
}

/// A date that appeared in conflicting rows.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Conflict {
    /// Date.
    pub fecha: NaiveDate,
    /// Raw row kept.
    pub kept_row: usize,
    /// Raw rows dropped.
    pub dropped_rows: Vec<usize>,
    /// Units of every row, kept first.
    pub units: Vec<String>,
}

/// A run of missing days.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Gap {
    /// First missing day.
    pub start: NaiveDate,
    /// Last missing day.
    pub end: NaiveDate,
    /// Days.
    pub days: u64,
}

/// The cleansing report.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CleansingReport {
    /// Raw rows in.
    pub rows_in: u64,
    /// Daily rows out (first to last date).
    pub days_out: u64,
    /// First date.
    pub first_date: NaiveDate,
    /// Last date.
    pub last_date: NaiveDate,
    /// Extra columns passed through.
    pub extra_columns: Vec<String>,
    /// Dates with identical duplicate rows.
    pub duplicate_dates_identical: u64,
    /// Dates with conflicting rows.
    pub conflicts: Vec<Conflict>,
    /// Missing dates (rows added with null units).
    pub missing_dates: u64,
    /// Runs of missing dates.
    pub gaps: Vec<Gap>,
    /// Every flagged day.
    pub flags: Vec<Flag>,
    /// Flags per reason.
    pub flag_counts: BTreeMap<String, u64>,
    /// Closed days.
    pub closed_days: u64,
    /// Closed days with units other than 0.
    pub closed_with_units: u64,
    /// Open days with a valid value after cleansing.
    pub clean_days: u64,
    /// Imputation policy used for `unidades_modelo`.
    pub imputation_policy: ImputationPolicy,
    /// Days filled in `unidades_modelo`.
    pub imputed_days: u64,
    /// Open days still missing in `unidades_modelo`.
    pub left_missing: u64,
    /// Promotion days whose discount was filled.
    pub discounts_filled: u64,
    /// Absent dates read as closures (see `cleanse.ausentes`), with the reason.
    pub closures_inferred: Vec<InferredClosure>,
    /// Closures that repeat (weekdays, days of the year), carried into the horizon.
    pub recurring_closures: core_types::closures::RecurringClosures,
    /// The rows cleansed: cutoff and aggregation.
    pub scope: crate::ScopeReport,
    /// What the target measures (decided from the data when its dtype is `auto`).
    pub target_kind: crate::TargetKind,
}

/// An absent date read as a closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InferredClosure {
    /// The date.
    pub fecha: NaiveDate,
    /// `festivo`, `dia_semana_sin_ventas`, `fecha_anual_sin_ventas`, `fuera_de_temporada`
    /// (a long run without sales on dates without sales every year) or `politica`.
    pub motivo: String,
}

/// The cleansed daily series and its report.
#[derive(Debug, Clone)]
pub struct Cleansed {
    /// One row per date, columns of [`core_types::cols`] plus extras.
    pub frame: DataFrame,
    /// What was done.
    pub report: CleansingReport,
}

struct Day {
    fecha: NaiveDate,
    units: Option<f64>,
    original: Option<String>,
    missing: bool,
    motivo: Option<Motivo>,
    abierto: bool,
    promocion: bool,
    descuento: Option<f64>,
    precio: Option<f64>,
    extras: Vec<Cell>,
    info: DayInfo,
}

fn refused(rule: Rule, raw: &Cell) -> Motivo {
    match rule {
        Rule::Integer => Motivo::NoEntero,
        Rule::Range => match as_number(raw) {
            Ok(Some(x)) if x < 0.0 => Motivo::Negativo,
            _ => Motivo::FueraDeRango,
        },
        _ => Motivo::ValorInvalido,
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn is_calendar_day(d: &Day) -> bool {
    let s = &d.info.special;
    let (m, day) = (d.fecha.month(), d.fecha.day());
    let season = m == 12 || (m == 1 && day <= 6);
    season
        || d.info.is_festivo
        || d.promocion
        || s.is_dia_madre
        || s.is_amor_amistad
        || s.is_semana_santa
        || s.is_halloween
}

fn flag_outliers(days: &mut [Day], cfg: &OutlierConfig) -> Vec<(usize, f64, f64)> {
    let mut found = Vec::new();
    if !cfg.enabled {
        return found;
    }
    let w = cfg.window_days as usize;
    // Each round flags at least one more day or stops, so this ends within `days.len()` rounds.
    loop {
        let mut new = Vec::new();
        for i in 0..days.len() {
            let d = &days[i];
            let Some(y) = d.units else { continue };
            if !d.abierto || d.motivo.is_some_and(Motivo::removes_value) {
                continue;
            }
            let lo = i.saturating_sub(w);
            let hi = (i + w).min(days.len() - 1);
            let mut neigh: Vec<f64> = (lo..=hi)
                .filter(|&j| j != i)
                .map(|j| &days[j])
                .filter(|o| {
                    o.abierto
                        && o.info.dow_eff == d.info.dow_eff
                        && o.info.pandemic_phase == d.info.pandemic_phase
                })
                .filter_map(|o| o.units)
                .collect();
            if neigh.len() < cfg.min_neighbours {
                continue;
            }
            let base = median(&mut neigh);
            if base <= 0.0 {
                continue;
            }
            let ratio = y / base;
            let calendar = is_calendar_day(d);
            let motivo = if y == 0.0 && base >= cfg.zero_min_baseline {
                Some(Motivo::CeroConTiendaAbierta)
            } else if ratio
                > if calendar {
                    cfg.calendar_high_ratio
                } else {
                    cfg.high_ratio
                }
            {
                Some(Motivo::AtipicoAlto)
            } else if !calendar && y > 0.0 && ratio < cfg.low_ratio {
                Some(Motivo::AtipicoBajo)
            } else {
                None
            };
            if let Some(m) = motivo {
                new.push((i, m, base, ratio));
            }
        }
        if new.is_empty() {
            break;
        }
        for (i, m, base, ratio) in new {
            days[i].motivo = Some(m);
            days[i].units = None;
            found.push((i, base, ratio));
        }
    }
    found
}

/// Marks absent days as closures by policy; returns them with their reason.
fn infer_closures(days: &mut [Day], policy: AbsentPolicy) -> Vec<InferredClosure> {
    let mut out = Vec::new();
    if policy == AbsentPolicy::Faltante {
        return out;
    }
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return out;
    };
    let (first, last) = (first.fecha, last.fecha);
    let absent: BTreeSet<NaiveDate> = days
        .iter()
        .filter(|d| d.missing || d.units == Some(0.0) || !d.abierto)
        .map(|d| d.fecha)
        .collect();
    let recurring = core_types::closures::recurring(&absent, first, last);
    // Length of the run of absent days each day belongs to.
    let mut run = vec![0usize; days.len()];
    let mut i = 0;
    while i < days.len() {
        if days[i].missing {
            let start = i;
            while i < days.len() && days[i].missing {
                i += 1;
            }
            run[start..i].fill(i - start);
        } else {
            i += 1;
        }
    }
    // Off-season: long runs without sales (absent or 0) on dates without sales every year.
    let mut season = vec![false; days.len()];
    if policy == AbsentPolicy::Auto {
        let quiet = |d: &Day| d.missing || d.units == Some(0.0);
        let mut i = 0;
        while i < days.len() {
            if quiet(&days[i]) {
                let start = i;
                while i < days.len() && quiet(&days[i]) {
                    i += 1;
                }
                let yearly = days[start..i]
                    .iter()
                    .all(|d| recurring.annual.contains(&(d.fecha.month(), d.fecha.day())));
                if i - start >= MIN_SEASON_RUN && yearly {
                    season[start..i].fill(true);
                }
            } else {
                i += 1;
            }
        }
    }
    for (k, d) in days.iter_mut().enumerate() {
        if season[k] && d.abierto {
            d.abierto = false;
            out.push(InferredClosure {
                fecha: d.fecha,
                motivo: "fuera_de_temporada".into(),
            });
            continue;
        }
        if !d.missing {
            continue;
        }
        let motivo = match policy {
            AbsentPolicy::Cierre => Some("politica"),
            AbsentPolicy::Faltante => None,
            // A weekday never traded is closed whatever the run: a weekly series' six other
            // days, a stall open at weekends only, the Sundays inside an outage.
            AbsentPolicy::Auto
                if run[k] > MAX_CLOSURE_RUN && !recurring.weekdays.contains(&d.fecha.weekday()) =>
            {
                None
            }
            AbsentPolicy::Auto => {
                if recurring.weekdays.contains(&d.fecha.weekday()) {
                    Some("dia_semana_sin_ventas")
                } else if d.info.is_festivo {
                    Some("festivo")
                } else if recurring.annual.contains(&(d.fecha.month(), d.fecha.day())) {
                    Some("fecha_anual_sin_ventas")
                } else {
                    None
                }
            }
        };
        if let Some(m) = motivo {
            d.abierto = false;
            out.push(InferredClosure {
                fecha: d.fecha,
                motivo: m.into(),
            });
        }
    }
    out
}

fn impute(days: &[Day], cfg: &ImputationConfig) -> Vec<Option<f64>> {
    let base: Vec<Option<f64>> = days
        .iter()
        .map(|d| if d.abierto { d.units } else { None })
        .collect();
    // Length of the run of missing values (open days) each day belongs to.
    let mut run_len = vec![0usize; days.len()];
    let mut i = 0;
    while i < days.len() {
        if base[i].is_none() && days[i].abierto {
            let start = i;
            while i < days.len() && base[i].is_none() && days[i].abierto {
                i += 1;
            }
            run_len[start..i].fill(i - start);
        } else {
            i += 1;
        }
    }
    let mut out = base.clone();
    for i in 0..days.len() {
        if base[i].is_some() || !days[i].abierto || run_len[i] > cfg.max_gap_days as usize {
            continue;
        }
        out[i] = match cfg.policy {
            ImputationPolicy::None => None,
            ImputationPolicy::Linear => {
                let prev = (0..i).rev().find_map(|j| base[j].map(|v| (j, v)));
                let next = (i + 1..days.len()).find_map(|j| base[j].map(|v| (j, v)));
                match (prev, next) {
                    (Some((a, va)), Some((b, vb))) => {
                        Some(va + (vb - va) * (i - a) as f64 / (b - a) as f64)
                    }
                    _ => None,
                }
            }
            ImputationPolicy::Seasonal => {
                let lo = i.saturating_sub(7 * cfg.seasonal_weeks as usize);
                let same: Vec<f64> = (lo..i)
                    .filter(|&j| days[j].info.dow_eff == days[i].info.dow_eff)
                    .filter_map(|j| base[j])
                    .collect();
                (!same.is_empty()).then(|| same.iter().sum::<f64>() / same.len() as f64)
            }
        };
    }
    out
}

fn extra_column(name: &str, cells: Vec<Cell>) -> Column {
    let numeric = cells.iter().all(|c| as_number(c).is_ok());
    let has_value = cells.iter().any(|c| !c.is_null());
    if numeric && has_value {
        let v: Vec<Option<f64>> = cells.iter().map(|c| as_number(c).ok().flatten()).collect();
        Column::new(name.into(), v)
    } else {
        let v: Vec<Option<String>> = cells
            .iter()
            .map(|c| (!c.is_null()).then(|| c.show()))
            .collect();
        Column::new(name.into(), v)
    }
}

/// Cleanses a raw frame to the daily grid. `default_discount` fills promotion days without a
/// discount when no discount is known at all (domain.md §6; `plan.descuento_por_defecto`).
pub fn cleanse(
    frame: &DataFrame,
    contract: &ContractConfig,
    cfg: &CleanseConfig,
    calendar: &CalendarConfig,
    default_discount: f64,
    zone: LocalZone,
) -> Result<Cleansed, ContractError> {
    cleanse_with(
        frame,
        contract,
        cfg,
        calendar,
        default_discount,
        zone,
        &crate::Scope::default(),
    )
}

/// [`cleanse`] on the rows of `scope`: rows after the cutoff are set aside before anything
/// (flags, imputation and statistics never see them), and rows sharing a date are aggregated
/// when the scope says so.
pub fn cleanse_with(
    frame: &DataFrame,
    contract: &ContractConfig,
    cfg: &CleanseConfig,
    calendar: &CalendarConfig,
    default_discount: f64,
    zone: LocalZone,
    scope: &crate::Scope,
) -> Result<Cleansed, ContractError> {
    cfg.validate()?;
    let raw = RawTable::from_frame(frame)?;
    let canon = canonicalize(&raw, contract)?;
    for required in [cols::FECHA, cols::UNIDADES_VENDIDAS] {
        if canon.table.column(required).is_none() {
            return Err(ContractError::MissingColumn {
                column: required.into(),
                found: canon.table.columns.iter().map(|c| c.name.clone()).collect(),
            });
        }
    }
    let (rows, _) = type_rows_up_to(&canon, contract, zone, scope.cutoff);
    let (rows, scoped) = crate::scope::apply(rows, scope, &canon.extras, contract);
    let target_kind = crate::validate::target_kind(&rows, contract);
    let bad_dates: Vec<(usize, String)> = rows
        .iter()
        .filter(|r| r.fecha.is_none())
        .map(|r| {
            let cell = &canon.table.column(cols::FECHA).expect("checked").cells[r.row];
            (r.row, cell.show())
        })
        .collect();
    if !bad_dates.is_empty() {
        return Err(ContractError::BadDates {
            count: bad_dates.len(),
            examples: bad_dates.into_iter().take(contract.max_examples).collect(),
        });
    }
    if rows.is_empty() {
        return Err(ContractError::Empty);
    }
    // Duplicates: pick one row per date.
    let groups = duplicate_groups(&rows);
    let mut winner: BTreeMap<NaiveDate, &TypedRow> = BTreeMap::new();
    let mut dup_motivo: BTreeMap<NaiveDate, Motivo> = BTreeMap::new();
    let mut conflicts = Vec::new();
    for r in &rows {
        winner.entry(r.fecha.expect("checked")).or_insert(r);
    }
    let mut identical = 0;
    for (d, idx) in &groups {
        let first = &rows[idx[0]];
        if idx.iter().all(|&i| rows[i].content == first.content) {
            identical += 1;
            dup_motivo.insert(*d, Motivo::Duplicado);
        } else {
            let best = idx
                .iter()
                .copied()
                .max_by_key(|&i| rows[i].precedence())
                .expect("non-empty group");
            winner.insert(*d, &rows[best]);
            dup_motivo.insert(*d, Motivo::DuplicadoEnConflicto);
            let mut order = vec![best];
            order.extend(idx.iter().copied().filter(|&i| i != best));
            conflicts.push(Conflict {
                fecha: *d,
                kept_row: rows[best].row,
                dropped_rows: order[1..].iter().map(|&i| rows[i].row).collect(),
                units: order.iter().map(|&i| rows[i].units_raw.show()).collect(),
            });
        }
    }
    let first = *winner.keys().next().expect("non-empty");
    // With a cutoff, the grid runs up to it: days the source lacks at its end are absent days
    // like any other, and the forecast starts the day after the cutoff.
    let last = (*winner.keys().next_back().expect("non-empty")).max(
        scope
            .cutoff
            .filter(|c| *c >= first)
            .unwrap_or(NaiveDate::MIN),
    );
    let span = DateSpan::new(first, last).expect("ordered");
    let cal = Calendar::new(calendar, span)?;
    // Known discounts, for promotion days without one.
    let mut known: Vec<f64> = winner
        .values()
        .filter(|r| r.promocion == Some(true))
        .filter_map(|r| r.descuento_pct)
        .collect();
    let default_discount = if known.is_empty() {
        default_discount
    } else {
        median(&mut known)
    };
    let mut discounts_filled = 0;
    let mut days: Vec<Day> = Vec::with_capacity(span.len_days());
    for d in span.dates() {
        let info = cal.day(d)?;
        let Some(r) = winner.get(&d) else {
            days.push(Day {
                fecha: d,
                units: None,
                original: None,
                missing: true,
                motivo: None,
                abierto: true,
                promocion: false,
                descuento: Some(0.0),
                precio: None,
                extras: vec![Cell::Null; canon.extras.len()],
                info,
            });
            continue;
        };
        let abierto = r.abierto.unwrap_or(true);
        let promocion = r.promocion.unwrap_or(false);
        let descuento = if promocion {
            Some(r.descuento_pct.unwrap_or_else(|| {
                discounts_filled += 1;
                default_discount
            }))
        } else {
            Some(0.0)
        };
        let (units, mut motivo) = match &r.units {
            Units::Valid(x) => (Some(*x), None),
            Units::Null => (None, abierto.then_some(Motivo::ValorNulo)),
            Units::Invalid(rule) => (None, abierto.then(|| refused(*rule, &r.units_raw))),
        };
        if motivo.is_none() {
            motivo = dup_motivo.get(&d).copied();
        }
        days.push(Day {
            fecha: d,
            units,
            original: (!r.units_raw.is_null()).then(|| r.units_raw.show()),
            missing: false,
            motivo,
            abierto,
            promocion,
            descuento,
            precio: r.precio_unitario,
            extras: r.extras.clone(),
            info,
        });
    }
    let closures_inferred = infer_closures(&mut days, cfg.ausentes);
    // A signed series (temperatures, net flows) has no shop: a zero is a value like any
    // other, and its outliers are not ratios to a positive baseline (not flagged).
    let signed = target_kind == crate::TargetKind::Signed;
    let closed_set: BTreeSet<NaiveDate> = days
        .iter()
        .filter(|d| !d.abierto || (!signed && d.units == Some(0.0)))
        .map(|d| d.fecha)
        .collect();
    let recurring_closures = core_types::closures::recurring(&closed_set, first, last);
    let outliers = if signed {
        Vec::new()
    } else {
        flag_outliers(&mut days, &cfg.outliers)
    };
    let stats: BTreeMap<usize, (f64, f64)> =
        outliers.into_iter().map(|(i, b, r)| (i, (b, r))).collect();
    let model = impute(&days, &cfg.imputation);
    // Report.
    let mut flags = Vec::new();
    let mut flag_counts: BTreeMap<String, u64> = BTreeMap::new();
    for (i, d) in days.iter().enumerate() {
        if let Some(m) = d.motivo {
            *flag_counts.entry(m.as_str().to_string()).or_default() += 1;
            flags.push(Flag {
                fecha: d.fecha,
                motivo: m,
                valor_original: d.original.clone().unwrap_or_else(|| "null".into()),
                baseline: stats.get(&i).map(|s| (s.0 * 100.0).round() / 100.0),
                ratio: stats.get(&i).map(|s| (s.1 * 1000.0).round() / 1000.0),
            });
        }
    }
    let present: BTreeSet<NaiveDate> = winner.keys().copied().collect();
    let (missing_dates, _, _) = gaps(&present);
    let mut gap_list = Vec::new();
    let mut run: Option<(NaiveDate, NaiveDate)> = None;
    for d in &days {
        match (d.missing, run) {
            (true, None) => run = Some((d.fecha, d.fecha)),
            (true, Some((s, _))) => run = Some((s, d.fecha)),
            (false, Some((s, e))) => {
                gap_list.push(Gap {
                    start: s,
                    end: e,
                    days: (e - s).num_days() as u64 + 1,
                });
                run = None;
            }
            (false, None) => {}
        }
    }
    let clean_days = days
        .iter()
        .filter(|d| d.abierto && d.units.is_some())
        .count() as u64;
    if clean_days < u64::from(contract.table.min_clean_days) {
        return Err(ContractError::TooFewCleanDays {
            found: clean_days,
            required: contract.table.min_clean_days,
        });
    }
    let imputed = days
        .iter()
        .zip(&model)
        .filter(|(d, m)| d.abierto && d.units.is_none() && m.is_some())
        .count() as u64;
    let left_missing = days
        .iter()
        .zip(&model)
        .filter(|(d, m)| d.abierto && m.is_none())
        .count() as u64;
    let report = CleansingReport {
        rows_in: rows.len() as u64,
        days_out: days.len() as u64,
        first_date: first,
        last_date: last,
        extra_columns: canon.extras.clone(),
        duplicate_dates_identical: identical,
        conflicts,
        missing_dates,
        gaps: gap_list,
        flags,
        flag_counts,
        closed_days: days.iter().filter(|d| !d.abierto).count() as u64,
        closed_with_units: days
            .iter()
            .filter(|d| !d.abierto && d.units.is_some_and(|u| u != 0.0))
            .count() as u64,
        clean_days,
        imputation_policy: cfg.imputation.policy,
        imputed_days: imputed,
        left_missing,
        discounts_filled,
        closures_inferred,
        recurring_closures,
        scope: scoped,
        target_kind,
    };
    let frame = build_frame(&days, &model, &canon.extras)?;
    Ok(Cleansed { frame, report })
}

/// Columns the cleanser writes; extras with these names (from an earlier cleanse) are
/// replaced.
pub const CLEANSED_COLUMNS: [&str; 12] = cols::CLEANSED;

fn build_frame(
    days: &[Day],
    model: &[Option<f64>],
    extras: &[String],
) -> Result<DataFrame, ContractError> {
    let n = days.len();
    let mut columns = vec![
        Column::new(
            cols::FECHA.into(),
            days.iter().map(|d| d.fecha).collect::<Vec<_>>(),
        ),
        Column::new(
            cols::UNIDADES_VENDIDAS.into(),
            days.iter().map(|d| d.units).collect::<Vec<_>>(),
        ),
        Column::new(
            cols::UNIDADES_ORIGINALES.into(),
            days.iter().map(|d| d.original.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            cols::ES_FALTANTE.into(),
            days.iter().map(|d| d.missing).collect::<Vec<_>>(),
        ),
        Column::new(
            cols::ES_ATIPICO.into(),
            days.iter().map(|d| d.motivo.is_some()).collect::<Vec<_>>(),
        ),
        Column::new(
            cols::MOTIVO.into(),
            days.iter()
                .map(|d| d.motivo.map(Motivo::as_str))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            cols::ABIERTO.into(),
            days.iter().map(|d| d.abierto).collect::<Vec<_>>(),
        ),
        Column::new(
            cols::PROMOCION.into(),
            days.iter().map(|d| d.promocion).collect::<Vec<_>>(),
        ),
        Column::new(
            cols::DESCUENTO_PCT.into(),
            days.iter().map(|d| d.descuento).collect::<Vec<_>>(),
        ),
        Column::new(
            cols::PRECIO_UNITARIO.into(),
            days.iter().map(|d| d.precio).collect::<Vec<_>>(),
        ),
        Column::new(cols::UNIDADES_MODELO.into(), model.to_vec()),
        Column::new(
            cols::ES_IMPUTADO.into(),
            days.iter()
                .zip(model)
                .map(|(d, m)| d.abierto && d.units.is_none() && m.is_some())
                .collect::<Vec<_>>(),
        ),
    ];
    for (k, name) in extras.iter().enumerate() {
        if CLEANSED_COLUMNS.contains(&name.as_str()) {
            continue;
        }
        columns.push(extra_column(
            name,
            days.iter().map(|d| d.extras[k].clone()).collect(),
        ));
    }
    Ok(DataFrame::new(n, columns)?)
}
