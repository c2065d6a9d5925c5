//! Which rows the later phases may see, and how transaction-level rows become days.
//!
//! * **Cutoff.** With `run.cutoff` set (or, unset, at the last date with a target when every
//!   later row has none: [`history_end`], an export listing the coming days), rows dated
//!   after it are removed right after coercion,
//!   before any rule, flag, imputation or statistic: validation (phase 01) and cleansing
//!   (phase 02) never see them, so the layers built on them (EDA, features, training) cannot
//!   either. The post-cutoff rows are read only by [`observed_after`], explicitly, for the
//!   hold-out scoring of phase 06 and for flags known in advance.
//! * **Aggregation.** With `source.aggregate: sum | count | mean`, the rows of each date are
//!   combined into one before anything else (duplicates then cannot arise). With `auto` (the
//!   default) they are summed when the rows say so ([`plan`]): most dates have several
//!   different rows (transactions, or readings through the day), some more than two, and
//!   nothing suggests revisions, a signed level or several series; otherwise rows sharing a
//!   date are duplicates, as with `none`.
//! * **Partial days.** Rows summed or counted make a day's total, which a first or last day
//!   cut short (an hourly export that starts or stops mid-day) understates: such a day is set
//!   aside (`contract.table.partial_day_share`).
//!
//! Both are decided on the history (the rows up to the cutoff), so the rows after it never
//! change what the phases see, and the rows after it (hold-out scoring) are read the same
//! way.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use core_types::dates::LocalZone;
use core_types::Aggregate;
use serde::{Deserialize, Serialize};

use crate::raw::{as_number, Cell};
use crate::spec::TableRules;
use crate::typed::{TypedRow, Units};

/// The rows a phase works on: up to the cutoff, aggregated per date when asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// Last date a phase may see (`run.cutoff`, or [`history_end`] when unset); `None` =
    /// every row.
    pub cutoff: Option<NaiveDate>,
    /// How rows sharing a date are combined (`source.aggregate`).
    pub aggregate: Aggregate,
}

/// What [`Scope`] did to the rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeReport {
    /// The cutoff applied, if any.
    pub cutoff: Option<NaiveDate>,
    /// Rows dated after the cutoff, set aside (read only by hold-out scoring).
    pub rows_after_cutoff: u64,
    /// The aggregation applied (`auto` resolved: `sum` or `none`).
    pub aggregate: Aggregate,
    /// Whether `aggregate` was decided by `source.aggregate: auto`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub aggregate_auto: bool,
    /// First or last dates set aside as partial days (see the module docs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partial_days: Vec<NaiveDate>,
    /// Rows combined into days by the aggregation (0 without one).
    pub rows_aggregated: u64,
    /// Days that had more than one row before aggregation.
    pub dates_with_several_rows: u64,
}

fn combine(group: &[TypedRow], how: Aggregate) -> TypedRow {
    let first = &group[0];
    let valid: Vec<f64> = group
        .iter()
        .filter_map(|r| match r.units {
            Units::Valid(x) => Some(x),
            _ => None,
        })
        .collect();
    let value = match how {
        Aggregate::Count => Some(group.len() as f64),
        Aggregate::Sum => (!valid.is_empty()).then(|| valid.iter().sum()),
        Aggregate::Mean => {
            (!valid.is_empty()).then(|| valid.iter().sum::<f64>() / valid.len() as f64)
        }
        Aggregate::None | Aggregate::Auto => unreachable!("only called when aggregating"),
    };
    let units = match value {
        Some(x) => Units::Valid(x),
        // No valid value at all: keep the first row's verdict (null or the refusing rule).
        None => first.units.clone(),
    };
    let any = |f: &dyn Fn(&TypedRow) -> Option<bool>| -> Option<bool> {
        let v: Vec<bool> = group.iter().filter_map(f).collect();
        (!v.is_empty()).then(|| v.iter().any(|b| *b))
    };
    let max = |f: &dyn Fn(&TypedRow) -> Option<f64>| -> Option<f64> {
        group.iter().filter_map(f).reduce(f64::max)
    };
    let prices: Vec<f64> = group.iter().filter_map(|r| r.precio_unitario).collect();
    let extras = (0..first.extras.len())
        .map(|k| {
            let cells: Vec<&Cell> = group
                .iter()
                .map(|r| &r.extras[k])
                .filter(|c| !c.is_null())
                .collect();
            let nums: Vec<f64> = cells
                .iter()
                .filter_map(|c| as_number(c).ok().flatten())
                .collect();
            if !nums.is_empty() && nums.len() == cells.len() {
                // Numeric flags and amounts known per day: the day's largest value.
                Cell::Float(nums.iter().copied().fold(f64::NEG_INFINITY, f64::max))
            } else {
                cells.first().map_or(Cell::Null, |c| (*c).clone())
            }
        })
        .collect();
    TypedRow {
        row: first.row,
        fecha: first.fecha,
        id: group.iter().filter_map(|r| r.id).max(),
        units_raw: value.map_or_else(|| first.units_raw.clone(), Cell::Float),
        units,
        promocion: any(&|r| r.promocion),
        descuento_pct: max(&|r| r.descuento_pct),
        precio_unitario: (!prices.is_empty())
            .then(|| prices.iter().sum::<f64>() / prices.len() as f64),
        abierto: any(&|r| r.abierto),
        created_at: group.iter().filter_map(|r| r.created_at).max(),
        content: Vec::new(),
        extras,
    }
}

/// Most distinct values a series key may have, as a share of the dated rows (a key repeats
/// each value across dates; an amount or an id hardly repeats at all).
const MAX_KEY_SHARE: f64 = 0.5;

/// Whether a cell reads as a time of day written `H:MM` or `HH:MM[:SS]`.
fn is_clock_time(cell: &Cell) -> bool {
    let text = cell.show();
    let parts: Vec<&str> = text.trim().split(':').collect();
    let digits = |p: &str, lo: usize, hi: usize| {
        (lo..=hi).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    (2..=3).contains(&parts.len())
        && digits(parts[0], 1, 2)
        && parts[0].parse::<u32>().is_ok_and(|h| h <= 24)
        && parts[1..].iter().all(|p| digits(p, 2, 2))
}

/// Which extra columns (`names`, in the rows' `extras` order) give a row's time of day: one
/// named in `contract.table.time_of_day_columns`, or one whose every cell is an `HH:MM` time.
fn time_of_day_mask(rows: &[&TypedRow], names: &[String], table: &TableRules) -> Vec<bool> {
    names
        .iter()
        .enumerate()
        .map(|(k, n)| {
            let cells = || rows.iter().filter_map(|r| r.extras.get(k));
            table.is_time_of_day(n)
                || (cells().any(|c| !c.is_null())
                    && cells().all(|c| c.is_null() || is_clock_time(c)))
        })
        .collect()
}

/// The extra columns (`names`, in the rows' `extras` order) that tell series apart in a table
/// with several rows per date: at least two values, at most [`MAX_KEY_SHARE`] of the rows
/// distinct, and never the same value twice on one date (a long table's `tienda` or
/// `producto`, not its amounts). A column giving the time of day is never one.
pub(crate) fn series_keys(rows: &[TypedRow], names: &[String], table: &TableRules) -> Vec<String> {
    let rows: Vec<&TypedRow> = rows.iter().collect();
    keys_besides_clock(&rows, names, &time_of_day_mask(&rows, names, table))
}

/// [`series_keys`] with the time-of-day columns (`clock`) already known.
fn keys_besides_clock(rows: &[&TypedRow], names: &[String], clock: &[bool]) -> Vec<String> {
    let dated: Vec<&&TypedRow> = rows.iter().filter(|r| r.fecha.is_some()).collect();
    names
        .iter()
        .enumerate()
        .filter(|(k, _)| !clock[*k])
        .filter(|(k, _)| {
            let mut seen = BTreeSet::new();
            let mut values = BTreeSet::new();
            for r in &dated {
                let cell = r.extras.get(*k).map(|c| c.show()).unwrap_or_default();
                if !seen.insert((r.fecha, cell.clone())) {
                    return false;
                }
                values.insert(cell);
            }
            values.len() >= 2 && values.len() as f64 <= MAX_KEY_SHARE * dated.len() as f64
        })
        .map(|(_, n)| n.clone())
        .collect()
}

/// Whether some extra column may tell series apart, in the looser sense `auto` needs before
/// it sums: a [`series_keys`] column, or one (not a time of day) whose set of values on a
/// date holds two or more and is the same set on most dates — the stores of an hourly or
/// ticket file per store, even with a value repeated within a date.
fn may_tell_series_apart(rows: &[&TypedRow], names: &[String], clock: &[bool]) -> bool {
    if !keys_besides_clock(rows, names, clock).is_empty() {
        return true;
    }
    (0..names.len()).filter(|k| !clock[*k]).any(|k| {
        let mut sets: BTreeMap<NaiveDate, BTreeSet<String>> = BTreeMap::new();
        for r in rows {
            if let (Some(d), Some(c)) = (r.fecha, r.extras.get(k)) {
                sets.entry(d).or_default().insert(c.show());
            }
        }
        let mut same: BTreeMap<&BTreeSet<String>, usize> = BTreeMap::new();
        for set in sets.values().filter(|s| s.len() >= 2) {
            *same.entry(set).or_default() += 1;
        }
        same.values().max().is_some_and(|n| n * 2 > sets.len())
    })
}

/// How the rows become days: the aggregation (`auto` resolved) and, for sums and counts, the
/// typical number of rows of a day and the share of it a whole day needs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    aggregate: Aggregate,
    auto: bool,
    typical: Option<(usize, f64)>,
    clock: Vec<bool>,
}

/// Decides the [`Plan`] from the rows of the history (those up to the cutoff, [`history`]:
/// the rows after it never change what the phases see); `extras` names the rows' extra
/// columns.
///
/// `auto` sums when most dates have several different rows, some date has more than two
/// (two rows on every date is a revised re-export as often as two readings a day), the
/// table carries no `id` or `created_at` (revisions), the target is not signed (a mean or a
/// sum of temperatures is the user's call) and no column may tell series apart.
pub(crate) fn plan(
    rows: &[&TypedRow],
    how: Aggregate,
    extras: &[String],
    contract: &crate::ContractConfig,
) -> Plan {
    let table = &contract.table;
    let clock = time_of_day_mask(rows, extras, table);
    let mut by_date: BTreeMap<NaiveDate, Vec<&TypedRow>> = BTreeMap::new();
    for r in rows.iter().copied() {
        if let Some(d) = r.fecha {
            by_date.entry(d).or_default().push(r);
        }
    }
    let aggregate = match how {
        Aggregate::Auto => {
            let conflicting = by_date
                .values()
                .filter(|g| g.iter().any(|r| r.content != g[0].content))
                .count();
            let several = conflicting * 2 > by_date.len() && by_date.values().any(|g| g.len() > 2);
            let revisions = rows
                .iter()
                .any(|r| r.id.is_some() || r.created_at.is_some());
            let values = rows.iter().filter_map(|r| match r.units {
                Units::Valid(x) => Some(x),
                _ => None,
            });
            if several
                && !revisions
                && !contract.is_signed(values)
                && !may_tell_series_apart(rows, extras, &clock)
            {
                Aggregate::Sum
            } else {
                Aggregate::None
            }
        }
        other => other,
    };
    let mut typical = None;
    if let (Aggregate::Sum | Aggregate::Count, Some(share)) = (aggregate, table.partial_day_share) {
        let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
        for g in by_date.values() {
            *counts.entry(g.len()).or_default() += 1;
        }
        // The typical row count: the most frequent (the larger on a tie), if most dates have it.
        typical = counts
            .iter()
            .max_by_key(|(n, dates)| (**dates, **n))
            .filter(|(n, dates)| **n > 1 && **dates * 2 > by_date.len())
            .map(|(n, _)| (*n, share));
    }
    Plan {
        aggregate,
        auto: how == Aggregate::Auto && aggregate != Aggregate::None,
        typical,
        clock,
    }
}

/// The first and last dates of `rows` with fewer rows than the plan's share of a typical day.
fn partial_edges(rows: &[&TypedRow], plan: &Plan) -> BTreeSet<NaiveDate> {
    let Some((n, share)) = plan.typical else {
        return BTreeSet::new();
    };
    let mut counts: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for d in rows.iter().filter_map(|r| r.fecha) {
        *counts.entry(d).or_default() += 1;
    }
    [counts.iter().next(), counts.iter().next_back()]
        .into_iter()
        .flatten()
        .filter(|(_, c)| (**c as f64) < share * n as f64)
        .map(|(d, _)| *d)
        .collect()
}

/// The rows of the history: those dated up to `cutoff` (every row without one).
fn history(rows: &[TypedRow], cutoff: Option<NaiveDate>) -> Vec<&TypedRow> {
    rows.iter()
        .filter(|r| cutoff.is_none() || r.fecha.zip(cutoff).is_some_and(|(d, c)| d <= c))
        .collect()
}

/// Applies the scope to typed rows (rows without a date pass through for the date rules);
/// `extras` names the rows' extra columns.
pub(crate) fn apply(
    rows: Vec<TypedRow>,
    scope: &Scope,
    extras: &[String],
    contract: &crate::ContractConfig,
) -> (Vec<TypedRow>, ScopeReport) {
    let past = history(&rows, scope.cutoff);
    let plan = plan(&past, scope.aggregate, extras, contract);
    let partial = partial_edges(&past, &plan);
    apply_plan(rows, scope.cutoff, &plan, &partial)
}

/// Applies a [`Plan`], its partial days and the cutoff to typed rows.
fn apply_plan(
    rows: Vec<TypedRow>,
    cutoff: Option<NaiveDate>,
    plan: &Plan,
    partial: &BTreeSet<NaiveDate>,
) -> (Vec<TypedRow>, ScopeReport) {
    let mut report = ScopeReport {
        cutoff,
        aggregate: plan.aggregate,
        aggregate_auto: plan.auto,
        partial_days: partial.iter().copied().collect(),
        ..ScopeReport::default()
    };
    let mut kept: Vec<TypedRow> = Vec::with_capacity(rows.len());
    for r in rows {
        match (r.fecha, cutoff) {
            (Some(d), Some(c)) if d > c => report.rows_after_cutoff += 1,
            (Some(d), _) if partial.contains(&d) => {}
            _ => kept.push(r),
        }
    }
    let mut by_date: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for r in &kept {
        if let Some(d) = r.fecha {
            *by_date.entry(d).or_default() += 1;
        }
    }
    report.dates_with_several_rows = by_date.values().filter(|n| **n > 1).count() as u64;
    if plan.aggregate == Aggregate::None {
        return (kept, report);
    }
    let mut groups: BTreeMap<NaiveDate, Vec<TypedRow>> = BTreeMap::new();
    let mut undated = Vec::new();
    for r in kept {
        match r.fecha {
            Some(d) => groups.entry(d).or_default().push(r),
            None => undated.push(r),
        }
    }
    report.rows_aggregated = groups.values().map(|g| g.len() as u64).sum();
    let mut out: Vec<TypedRow> = groups
        .values()
        .map(|g| {
            let mut day = combine(g, plan.aggregate);
            // A day has no time of day: such a column is left empty once summed.
            for (cell, clock) in day.extras.iter_mut().zip(&plan.clock) {
                if *clock {
                    *cell = Cell::Null;
                }
            }
            day
        })
        .collect();
    out.extend(undated);
    out.sort_by_key(|r| r.row);
    (out, report)
}

/// The observed values of the rows after `cutoff`, exactly as the source gave them (no
/// cleansing, no flags): the target per date (aggregated as configured; with repeated dates
/// and no aggregation, the row that cleansing would keep) and the numeric extra columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservedAfter {
    /// Dates with a row after the cutoff, ascending.
    pub dates: Vec<NaiveDate>,
    /// The target on each date (`None` when null or refused by the contract).
    pub values: Vec<Option<f64>>,
    /// Numeric extra columns: name → one value per date.
    pub extras: BTreeMap<String, Vec<Option<f64>>>,
}

/// Where the history of `frame` ends when no cutoff is given: the last date whose target cell
/// holds something, when every later dated row has it blank (or a placeholder: `NA`, `NaN`) — an export that already lists
/// the coming days (their flags known in advance, no sales yet), or today's row before the
/// day's sales. Those rows are the horizon, not missing history. `None` when the last dated
/// row has a target (or no row has one).
///
/// A blank target among the history's rows stays missing (imputed by cleansing); only the
/// trailing run ends the history.
pub fn history_end(
    frame: &polars::prelude::DataFrame,
    contract: &crate::ContractConfig,
    zone: LocalZone,
) -> Result<Option<NaiveDate>, crate::ContractError> {
    Ok(DatedEnds::of(frame, contract, zone)?.history_end())
}

/// The last dates of a table: of any dated row, and of a row whose target holds something.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DatedEnds {
    /// The last date with a row.
    pub last_row: Option<NaiveDate>,
    /// The last date whose target cell holds something (not blank nor a placeholder).
    pub last_value: Option<NaiveDate>,
}

impl DatedEnds {
    /// The ends of `frame` read as the contract reads it.
    pub fn of(
        frame: &polars::prelude::DataFrame,
        contract: &crate::ContractConfig,
        zone: LocalZone,
    ) -> Result<Self, crate::ContractError> {
        let raw = crate::raw::RawTable::from_frame(frame)?;
        let canon = crate::typed::canonicalize(&raw, contract)?;
        let (rows, _) = crate::typed::type_rows_up_to(&canon, contract, zone, None);
        Ok(Self {
            last_row: rows.iter().filter_map(|r| r.fecha).max(),
            last_value: rows
                .iter()
                .filter(|r| !without_value(r))
                .filter_map(|r| r.fecha)
                .max(),
        })
    }

    /// [`history_end`]: the last date with a value when later rows have none.
    pub fn history_end(&self) -> Option<NaiveDate> {
        match (self.last_row, self.last_value) {
            (Some(l), Some(g)) if l > g => Some(g),
            _ => None,
        }
    }
}

/// Whether a row's target cell says "no value": blank, or a placeholder an export writes for
/// one (`NA`, `N/A`, `NaN`, `null`, `None`, `-`; R's `write.csv` writes `NA`). Any other text
/// is a value, right or wrong, for validation to judge.
fn without_value(r: &TypedRow) -> bool {
    match (&r.units, &r.units_raw) {
        (Units::Null, _) => true,
        (Units::Invalid(_), Cell::Float(v)) => v.is_nan(),
        (Units::Invalid(_), Cell::Text(t)) => {
            let t = t.trim().to_ascii_lowercase();
            ["na", "n/a", "nan", "null", "none", "-", ""].contains(&t.as_str())
        }
        _ => false,
    }
}

/// Reads the rows of `frame` dated after `cutoff` as observed (see [`ObservedAfter`]).
pub fn observed_after(
    frame: &polars::prelude::DataFrame,
    contract: &crate::ContractConfig,
    zone: LocalZone,
    cutoff: NaiveDate,
    aggregate: Aggregate,
) -> Result<ObservedAfter, crate::ContractError> {
    let raw = crate::raw::RawTable::from_frame(frame)?;
    let canon = crate::typed::canonicalize(&raw, contract)?;
    let (rows, _) = crate::typed::type_rows_up_to(&canon, contract, zone, Some(cutoff));
    // Decided on the history, as the phases up to the cutoff decide it.
    let plan = plan(
        &history(&rows, Some(cutoff)),
        aggregate,
        &canon.extras,
        contract,
    );
    let after: Vec<TypedRow> = rows
        .into_iter()
        .filter(|r| r.fecha.is_some_and(|d| d > cutoff))
        .collect();
    let partial = partial_edges(&after.iter().collect::<Vec<_>>(), &plan);
    let (after, _) = apply_plan(after, None, &plan, &partial);
    // One row per date: the one cleansing would keep (highest id, latest created_at, last).
    let mut best: BTreeMap<NaiveDate, &TypedRow> = BTreeMap::new();
    for r in &after {
        let d = r.fecha.expect("filtered on dates");
        let replace = best
            .get(&d)
            .is_none_or(|b| r.precedence() >= b.precedence());
        if replace {
            best.insert(d, r);
        }
    }
    let mut out = ObservedAfter {
        dates: best.keys().copied().collect(),
        values: best
            .values()
            .map(|r| match r.units {
                Units::Valid(x) => Some(x),
                _ => None,
            })
            .collect(),
        extras: BTreeMap::new(),
    };
    for (k, name) in canon.extras.iter().enumerate() {
        let v: Vec<Option<f64>> = best
            .values()
            .map(|r| as_number(&r.extras[k]).ok().flatten())
            .collect();
        let numeric = best
            .values()
            .all(|r| r.extras[k].is_null() || as_number(&r.extras[k]).is_ok());
        if numeric {
            out.extras.insert(name.clone(), v);
        }
    }
    Ok(out)
}
