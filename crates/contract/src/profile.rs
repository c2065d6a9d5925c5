//! A first look at a raw frame (phase 00): columns and types, null counts, numeric ranges,
//! date coverage (span, duplicates, missing dates, longest gap) and a head/tail sample.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use core_types::cols;
use polars::prelude::*;
use serde::Serialize;

use crate::ContractError;

/// Profile of one column.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ColumnProfile {
    /// Column name.
    pub name: String,
    /// Polars data type.
    pub dtype: String,
    /// Null cells.
    pub nulls: u64,
    /// Share of null cells, in percent.
    pub null_pct: f64,
    /// Smallest value (numbers and dates), as text.
    pub min: Option<String>,
    /// Largest value (numbers and dates), as text.
    pub max: Option<String>,
    /// Mean of the non-null values (numbers only).
    pub mean: Option<f64>,
}

/// Coverage of the date column.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct DateProfile {
    /// First date.
    pub first: NaiveDate,
    /// Last date.
    pub last: NaiveDate,
    /// Calendar days from first to last, both included.
    pub calendar_days: u64,
    /// Distinct dates present.
    pub distinct_dates: u64,
    /// Rows whose date repeats an earlier row's date.
    pub duplicate_rows: u64,
    /// Calendar days in the span with no row.
    pub missing_dates: u64,
    /// Runs of consecutive missing days.
    pub gaps: u64,
    /// Length of the longest run of missing days.
    pub longest_gap_days: u64,
    /// First date of the longest gap.
    pub longest_gap_start: Option<NaiveDate>,
}

/// The profile of a frame.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Profile {
    /// Rows.
    pub rows: u64,
    /// Column names in order.
    pub column_names: Vec<String>,
    /// One profile per column, in order.
    pub columns: Vec<ColumnProfile>,
    /// Coverage of `fecha`, when the frame has dates.
    pub date: Option<DateProfile>,
    /// The first rows, cells as text (`null` for nulls).
    pub head: Vec<Vec<Option<String>>>,
    /// The last rows, cells as text.
    pub tail: Vec<Vec<Option<String>>>,
}

fn cell(v: AnyValue) -> Option<String> {
    match v {
        AnyValue::Null => None,
        AnyValue::String(s) => Some(s.to_string()),
        AnyValue::StringOwned(s) => Some(s.to_string()),
        other => Some(other.to_string()),
    }
}

fn rows(
    frame: &DataFrame,
    idx: impl Iterator<Item = usize>,
) -> Result<Vec<Vec<Option<String>>>, ContractError> {
    idx.map(|i| {
        let row = frame.get_row(i)?;
        Ok(row.0.into_iter().map(cell).collect())
    })
    .collect()
}

fn column_profile(c: &Column, rows: u64) -> Result<ColumnProfile, ContractError> {
    let nulls = c.null_count() as u64;
    let (mut min, mut max, mut mean) = (None, None, None);
    let dtype = c.dtype().clone();
    if dtype.is_primitive_numeric() {
        let s = c.as_materialized_series().cast(&DataType::Float64)?;
        let vals: Vec<f64> = s.f64()?.into_no_null_iter().collect::<Vec<_>>();
        let vals: Vec<f64> = if s.null_count() > 0 {
            s.f64()?.iter().flatten().collect()
        } else {
            vals
        };
        if !vals.is_empty() {
            let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            min = Some(format!("{lo}"));
            max = Some(format!("{hi}"));
            mean = Some(vals.iter().sum::<f64>() / vals.len() as f64);
        }
    } else if dtype == DataType::Date {
        let d: Vec<NaiveDate> = c.date()?.as_date_iter().flatten().collect();
        min = d.iter().min().map(|x| x.to_string());
        max = d.iter().max().map(|x| x.to_string());
    }
    Ok(ColumnProfile {
        name: c.name().to_string(),
        dtype: dtype.to_string(),
        nulls,
        null_pct: if rows == 0 {
            0.0
        } else {
            100.0 * nulls as f64 / rows as f64
        },
        min,
        max,
        mean,
    })
}

fn date_profile(frame: &DataFrame) -> Result<Option<DateProfile>, ContractError> {
    let Ok(c) = frame.column(cols::FECHA) else {
        return Ok(None);
    };
    if c.dtype() != &DataType::Date {
        return Ok(None);
    }
    let all: Vec<NaiveDate> = c.date()?.as_date_iter().flatten().collect();
    let distinct: BTreeSet<NaiveDate> = all.iter().copied().collect();
    let (Some(first), Some(last)) = (distinct.first().copied(), distinct.last().copied()) else {
        return Ok(None);
    };
    let calendar_days = (last - first).num_days() as u64 + 1;
    let (mut gaps, mut longest, mut longest_start) = (0u64, 0u64, None);
    let mut prev = first;
    for d in distinct.iter().skip(1) {
        let missing = (*d - prev).num_days() as u64 - 1;
        if missing > 0 {
            gaps += 1;
            if missing > longest {
                longest = missing;
                longest_start = prev.succ_opt();
            }
        }
        prev = *d;
    }
    Ok(Some(DateProfile {
        first,
        last,
        calendar_days,
        distinct_dates: distinct.len() as u64,
        duplicate_rows: (all.len() - distinct.len()) as u64,
        missing_dates: calendar_days - distinct.len() as u64,
        gaps,
        longest_gap_days: longest,
        longest_gap_start: longest_start,
    }))
}

/// Profiles `frame`, with `sample_rows` rows of head and of tail.
pub fn profile(frame: &DataFrame, sample_rows: usize) -> Result<Profile, ContractError> {
    let n = frame.height();
    let k = sample_rows.min(n);
    Ok(Profile {
        rows: n as u64,
        column_names: frame
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        columns: frame
            .columns()
            .iter()
            .map(|c| column_profile(c, n as u64))
            .collect::<Result<_, _>>()?,
        date: date_profile(frame)?,
        head: rows(frame, 0..k)?,
        tail: rows(frame, n - k..n)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn profile_counts_gaps_duplicates_and_nulls() {
        let fechas = vec![
            d("2020-01-01"),
            d("2020-01-02"),
            d("2020-01-02"),
            d("2020-01-05"),
            d("2020-01-07"),
        ];
        let df = DataFrame::new(
            5,
            vec![
                Column::new("fecha".into(), fechas),
                Column::new(
                    "unidades_vendidas".into(),
                    [Some(10i64), None, Some(20), Some(-4), Some(30)],
                ),
                Column::new("nota".into(), [Some("a"), None, None, None, Some("b")]),
            ],
        )
        .unwrap();
        let p = profile(&df, 2).unwrap();
        assert_eq!(p.rows, 5);
        let dp = p.date.clone().unwrap();
        assert_eq!((dp.first, dp.last), (d("2020-01-01"), d("2020-01-07")));
        assert_eq!(dp.calendar_days, 7);
        assert_eq!(dp.distinct_dates, 4);
        assert_eq!(dp.duplicate_rows, 1);
        assert_eq!(dp.missing_dates, 3);
        assert_eq!(dp.gaps, 2);
        assert_eq!(dp.longest_gap_days, 2);
        assert_eq!(dp.longest_gap_start, Some(d("2020-01-03")));
        let u = &p.columns[1];
        assert_eq!(u.nulls, 1);
        assert_eq!(u.null_pct, 20.0);
        assert_eq!(
            (u.min.as_deref(), u.max.as_deref()),
            (Some("-4"), Some("30"))
        );
        assert_eq!(u.mean, Some(14.0));
        assert_eq!(p.columns[2].nulls, 3);
        assert_eq!(p.head.len(), 2);
        assert_eq!(p.head[1][1], None);
        assert_eq!(
            p.tail[1],
            vec![
                Some("2020-01-07".into()),
                Some("30".into()),
                Some("b".into())
            ]
        );
    }

    #[test]
    fn empty_frame_profiles_without_panicking() {
        let df = DataFrame::new(
            0,
            vec![Column::new("fecha".into(), Vec::<NaiveDate>::new())],
        )
        .unwrap();
        let p = profile(&df, 5).unwrap();
        assert_eq!(p.rows, 0);
        assert!(p.date.is_none());
        assert!(p.head.is_empty() && p.tail.is_empty());
    }
}
