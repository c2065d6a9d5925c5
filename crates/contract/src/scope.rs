//! Which rows the later phases may see, and how transaction-level rows become days.
//!
//! * **Cutoff.** With `run.cutoff` set, rows dated after it are removed right after coercion,
//!   before any rule, flag, imputation or statistic: validation (phase 01) and cleansing
//!   (phase 02) never see them, so the layers built on them (EDA, features, training) cannot
//!   either. The post-cutoff rows are read only by [`observed_after`], explicitly, for the
//!   hold-out scoring of phase 06 and for flags known in advance.
//! * **Aggregation.** With `source.aggregate: sum | count | mean`, the rows of each date are
//!   combined into one before anything else (duplicates then cannot arise).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use core_types::Aggregate;
use serde::{Deserialize, Serialize};

use crate::raw::{as_number, Cell};
use crate::typed::{TypedRow, Units};

/// The rows a phase works on: up to the cutoff, aggregated per date when asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// Last date a phase may see (`run.cutoff`); `None` = every row.
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
    /// The aggregation applied.
    pub aggregate: Aggregate,
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
        Aggregate::None => unreachable!("only called when aggregating"),
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

/// Applies the scope to typed rows (rows without a date pass through for the date rules).
pub(crate) fn apply(rows: Vec<TypedRow>, scope: &Scope) -> (Vec<TypedRow>, ScopeReport) {
    let mut report = ScopeReport {
        cutoff: scope.cutoff,
        aggregate: scope.aggregate,
        ..ScopeReport::default()
    };
    let mut kept: Vec<TypedRow> = Vec::with_capacity(rows.len());
    for r in rows {
        match (r.fecha, scope.cutoff) {
            (Some(d), Some(c)) if d > c => report.rows_after_cutoff += 1,
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
    if scope.aggregate == Aggregate::None {
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
        .map(|g| combine(g, scope.aggregate))
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

/// Reads the rows of `frame` dated after `cutoff` as observed (see [`ObservedAfter`]).
pub fn observed_after(
    frame: &polars::prelude::DataFrame,
    contract: &crate::ContractConfig,
    utc_offset_hours: i32,
    cutoff: NaiveDate,
    aggregate: Aggregate,
) -> Result<ObservedAfter, crate::ContractError> {
    let raw = crate::raw::RawTable::from_frame(frame)?;
    let canon = crate::typed::canonicalize(&raw, contract)?;
    let (rows, _) = crate::typed::type_rows_up_to(&canon, contract, utc_offset_hours, Some(cutoff));
    let after: Vec<TypedRow> = rows
        .into_iter()
        .filter(|r| r.fecha.is_some_and(|d| d > cutoff))
        .collect();
    let (after, _) = apply(
        after,
        &Scope {
            cutoff: None,
            aggregate,
        },
    );
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
