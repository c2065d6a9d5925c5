//! Validation: every failure at once, aggregated per (rule, column), with severity, count and
//! examples. Never stops at the first failure, never panics on any frame.
//!
//! Report schema (JSON): `{passed, rows, columns_found, renamed, extra_columns, errors,
//! warnings, first_date, last_date, clean_days, failures: [{rule, column, severity, count,
//! message, examples: [{row, fecha, value}]}]}`. `rule` is one of [`Rule`]'s snake_case names;
//! `row` is the 0-based row of the raw table.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use core_types::cols;
use core_types::dates::LocalZone;
use polars::prelude::DataFrame;
use serde::Serialize;

use crate::raw::RawTable;
use crate::scope::Scope;
use crate::spec::{ContractConfig, Severity};
use crate::typed::{canonicalize, type_rows_up_to, Issue, Rule, TypedRow, Units};
use crate::ContractError;

/// One example of a failure.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Example {
    /// 0-based raw row.
    pub row: Option<usize>,
    /// The row's date.
    pub fecha: Option<NaiveDate>,
    /// The value as text.
    pub value: Option<String>,
}

/// All failures of one rule on one column.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RuleFailure {
    /// The rule.
    pub rule: Rule,
    /// The column, for column rules.
    pub column: Option<String>,
    /// Severity.
    pub severity: Severity,
    /// How many rows (or 1 for table rules).
    pub count: u64,
    /// What the rule expects.
    pub message: String,
    /// Up to `max_examples` examples.
    pub examples: Vec<Example>,
}

/// The validation report.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ValidationReport {
    /// No failure of severity error.
    pub passed: bool,
    /// Rows validated.
    pub rows: u64,
    /// Columns as found in the source.
    pub columns_found: Vec<String>,
    /// (original, canonical) names that changed.
    pub renamed: Vec<(String, String)>,
    /// Columns outside the contract (kept).
    pub extra_columns: Vec<String>,
    /// Failures of severity error.
    pub errors: u64,
    /// Failures of severity warning.
    pub warnings: u64,
    /// First valid date.
    pub first_date: Option<NaiveDate>,
    /// Last valid date.
    pub last_date: Option<NaiveDate>,
    /// Distinct dates with valid units on open days.
    pub clean_days: u64,
    /// Every failure, errors first.
    pub failures: Vec<RuleFailure>,
    /// The rows validated: cutoff and aggregation.
    pub scope: crate::ScopeReport,
    /// What the target measures (decided from the data when its dtype is `auto`).
    pub target_kind: Option<crate::TargetKind>,
}

impl ValidationReport {
    /// One line per failure, for logs; a finding that is not about one row (the example
    /// without a row: the columns found, the dates with several rows) follows the message
    /// unless it only repeats the column.
    pub fn summary_lines(&self) -> Vec<String> {
        self.failures
            .iter()
            .map(|f| {
                let found = match f.examples.first() {
                    Some(Example {
                        row: None,
                        value: Some(v),
                        ..
                    }) if f.column.as_ref() != Some(v) => format!(" ({v})"),
                    _ => String::new(),
                };
                format!(
                    "{:?} {:?}{}: {} row(s) — {}{found}",
                    f.severity,
                    f.rule,
                    f.column
                        .as_ref()
                        .map(|c| format!(" [{c}]"))
                        .unwrap_or_default(),
                    f.count,
                    f.message
                )
            })
            .collect()
    }
}

fn message(rule: Rule, column: Option<&str>, contract: &ContractConfig) -> String {
    let col_rule = column.and_then(|c| contract.columns.get(c));
    let t = &contract.table;
    match rule {
        Rule::NameCollision => "two source columns map to the same name".into(),
        Rule::RequiredColumn => {
            let aliases = col_rule.map(|r| r.aliases.join(", ")).unwrap_or_default();
            let also = if aliases.is_empty() {
                String::new()
            } else {
                format!(" (or one of its aliases: {aliases})")
            };
            format!(
                "the contract requires this column{also}; name the source's column with \
                 source.columns.<its name>={}",
                column.unwrap_or("<column>")
            )
        }
        Rule::Dtype => format!(
            "values must be of type {:?} (NaN/Infinity are invalid)",
            col_rule.map(|r| r.dtype)
        ),
        Rule::NotNull => "values may not be null".into(),
        Rule::Integer => "values must be whole numbers".into(),
        Rule::Range => format!(
            "values must satisfy {}",
            col_rule.map(|r| r.range_text()).unwrap_or_default()
        ),
        Rule::DiscountWithoutPromotion => "a discount only has meaning on promotion days".into(),
        Rule::DuplicateIdentical => "dates must be unique (identical rows are collapsed)".into(),
        Rule::DuplicateConflict => {
            "dates must be unique (conflicting rows: the highest id / latest created_at is kept)"
                .into()
        }
        Rule::InferredTarget => format!(
            "taken as the target: no column is named {} (or an alias), and this is the only \
             column outside the contract's that reads as numbers and is not a 0/1 flag (an id \
             or a constant column aside); name another with \
             source.columns.<its name>={} (contract.table.infer_target: false makes a missing \
             target an error)",
            cols::UNIDADES_VENDIDAS,
            cols::UNIDADES_VENDIDAS
        ),
        Rule::AggregatedAuto => "most dates have several different rows (transactions or readings through the day) and no column tells series apart: each day's rows are summed (source.aggregate: auto); set source.aggregate to mean for a level such as a temperature or a price, to count for tickets, or to none to refuse such a table".into(),
        Rule::PartialDay => format!(
            "rows are summed or counted per day, and these edge dates have fewer rows than {:.0} % of the typical day's (contract.table.partial_day_share): partial days, set aside",
            100.0 * t.partial_day_share.unwrap_or_default()
        ),
        Rule::AggregateNeeded => "most dates have several different rows: this looks like transaction-level data; set source.aggregate to sum, count or mean to combine each day's rows, or, when a column tells series apart (one row per date and value; the finding lists any), forecast each series with source.serie=<column>".into(),
        Rule::DateMin => format!(
            "dates must be on or after {} (contract.table.min_date)",
            t.min_date.date()
        ),
        Rule::DateFuture => "dates must not be after today".into(),
        Rule::ClosedWithUnits => "a closed day (abierto = false) should sell 0 units".into(),
        Rule::RowCount => format!("between {} and {} rows", t.min_rows, t.max_rows),
        Rule::MinCleanHistory => format!("at least {} clean days", t.min_clean_days),
        Rule::Freshness => format!(
            "the newest date at most {} days before today",
            t.freshness_days.unwrap_or_default()
        ),
        Rule::MissingShare => format!(
            "at most {:.1} % of the days in the span missing",
            100.0 * t.max_missing_share
        ),
        Rule::LongestGap => format!("no run of more than {} missing days", t.max_gap_days),
        Rule::CoarseDates => format!(
            "consecutive dates most often at most {} days apart: the forecaster works on daily \
             rows (a weekly series runs as one day a week; a monthly one is refused)",
            t.max_step_days
        ),
    }
}

fn severity(rule: Rule, column: Option<&str>, contract: &ContractConfig) -> Severity {
    let t = &contract.table;
    match rule {
        Rule::NameCollision
        | Rule::RequiredColumn
        | Rule::RowCount
        | Rule::MinCleanHistory
        | Rule::AggregateNeeded
        | Rule::CoarseDates => Severity::Error,
        Rule::DateMin => Severity::Error,
        Rule::DateFuture => t.future_dates,
        Rule::DuplicateIdentical | Rule::DuplicateConflict => t.duplicate_dates,
        Rule::Freshness => t.freshness,
        Rule::MissingShare | Rule::LongestGap => t.continuity,
        Rule::Dtype | Rule::NotNull | Rule::Integer | Rule::Range => column
            .and_then(|c| contract.columns.get(c))
            .map_or(Severity::Warning, |r| r.severity),
        Rule::DiscountWithoutPromotion
        | Rule::ClosedWithUnits
        | Rule::InferredTarget
        | Rule::AggregatedAuto
        | Rule::PartialDay => Severity::Warning,
    }
}

/// The median number of days between consecutive dates (`None` for fewer than two): 1 for
/// daily sales with closures and gaps, 7 for a weekly series, about 30 for a monthly one.
fn typical_step(dates: &BTreeSet<NaiveDate>) -> Option<i64> {
    let dates: Vec<&NaiveDate> = dates.iter().collect();
    let mut steps: Vec<i64> = dates
        .windows(2)
        .map(|w| (*w[1] - *w[0]).num_days())
        .collect();
    if steps.is_empty() {
        return None;
    }
    let mid = steps.len() / 2;
    Some(*steps.select_nth_unstable(mid).1)
}

/// Groups rows by date; returns (identical-duplicate rows, conflicting-duplicate rows).
pub(crate) fn duplicate_groups(rows: &[TypedRow]) -> BTreeMap<NaiveDate, Vec<usize>> {
    let mut by_date: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(d) = r.fecha {
            by_date.entry(d).or_default().push(i);
        }
    }
    by_date.retain(|_, v| v.len() > 1);
    by_date
}

/// The target's kind: signed when its negatives are values (`table.target_signed_share`),
/// else as configured, or decided from the valid values when `auto`.
pub(crate) fn target_kind(rows: &[TypedRow], contract: &ContractConfig) -> crate::TargetKind {
    let valid = || {
        rows.iter().filter_map(|r| match r.units {
            Units::Valid(x) => Some(x),
            _ => None,
        })
    };
    if contract.is_signed(valid()) {
        return crate::TargetKind::Signed;
    }
    match contract
        .columns
        .get(cols::UNIDADES_VENDIDAS)
        .map(|c| c.dtype)
    {
        Some(crate::Dtype::Integer) => crate::TargetKind::Units,
        Some(crate::Dtype::Auto) | None => crate::TargetKind::infer(valid()),
        Some(_) => crate::TargetKind::Amounts,
    }
}

/// Longest span of the weekday check of the continuity rules, in days (about 140 years):
/// beyond it the dates are an error of their own and every absent day counts as missing.
const MAX_WEEKDAY_SCAN_DAYS: i64 = 51_200;

/// How many of the `length` days from `from` on fall on a weekday outside `never`: whole
/// weeks by arithmetic, the rest (at most six days) one by one.
fn traded_days(from: NaiveDate, length: u64, never: &[chrono::Weekday]) -> u64 {
    let weeks = length / 7;
    let rest = std::iter::successors(from.checked_add_days(chrono::Days::new(weeks * 7)), |x| {
        x.succ_opt()
    })
    .take((length % 7) as usize)
    .filter(|x| !never.contains(&x.weekday()))
    .count() as u64;
    weeks * (7 - never.len() as u64) + rest
}

/// Longest run of missing days and count of missing days between the first and last of
/// `dates`.
pub(crate) fn gaps(dates: &BTreeSet<NaiveDate>) -> (u64, u64, Option<NaiveDate>) {
    gaps_on_traded(dates, &[])
}

/// [`gaps`] counting as missing only the days not on a weekday of `never` (weekdays never
/// traded: a weekly series' other six days are no missing data). A run of absent days with a
/// traded day in it is as long as the run; one made only of `never` weekdays is no gap.
/// It costs one step per date whatever the span.
fn gaps_on_traded(
    dates: &BTreeSet<NaiveDate>,
    never: &[chrono::Weekday],
) -> (u64, u64, Option<NaiveDate>) {
    let (mut missing, mut longest, mut start) = (0u64, 0u64, None);
    let mut it = dates.iter();
    if let Some(mut prev) = it.next().copied() {
        for d in it {
            let length = (*d - prev).num_days() as u64 - 1;
            let traded = match prev.succ_opt() {
                Some(from) => traded_days(from, length, never),
                None => 0,
            };
            missing += traded;
            let gap = if traded > 0 { length } else { 0 };
            if gap > longest {
                longest = gap;
                start = prev.succ_opt();
            }
            prev = *d;
        }
    }
    (missing, longest, start)
}

/// Validates a raw frame against the contract. `today` is the current date in the business's time zone.
pub fn validate(
    frame: &DataFrame,
    contract: &ContractConfig,
    today: NaiveDate,
    zone: LocalZone,
) -> Result<ValidationReport, ContractError> {
    validate_with(frame, contract, today, zone, &Scope::default())
}

/// [`validate`] on the rows of `scope`: rows after the cutoff are set aside before any rule,
/// and rows sharing a date are aggregated when the scope says so.
pub fn validate_with(
    frame: &DataFrame,
    contract: &ContractConfig,
    today: NaiveDate,
    zone: LocalZone,
    scope: &Scope,
) -> Result<ValidationReport, ContractError> {
    let raw = RawTable::from_frame(frame)?;
    Ok(validate_table(&raw, contract, today, zone, scope))
}

/// [`validate_with`] on a raw table.
pub fn validate_table(
    raw: &RawTable,
    contract: &ContractConfig,
    today: NaiveDate,
    zone: LocalZone,
    scope: &Scope,
) -> ValidationReport {
    let columns_found: Vec<String> = raw.columns.iter().map(|c| c.name.clone()).collect();
    let mut issues: Vec<Issue> = Vec::new();
    let mut report = ValidationReport {
        passed: true,
        rows: raw.rows as u64,
        columns_found,
        renamed: Vec::new(),
        extra_columns: Vec::new(),
        errors: 0,
        warnings: 0,
        first_date: None,
        last_date: None,
        clean_days: 0,
        failures: Vec::new(),
        scope: crate::ScopeReport::default(),
        target_kind: None,
    };
    let t = &contract.table;
    if (raw.rows as u64) < t.min_rows || (raw.rows as u64) > t.max_rows {
        issues.push(Issue::table(Rule::RowCount, raw.rows.to_string()));
    }
    match canonicalize(raw, contract) {
        Err(ContractError::NameCollision { name, sources }) => issues.push(Issue {
            rule: Rule::NameCollision,
            column: Some(name),
            row: None,
            fecha: None,
            value: Some(sources.join(", ")),
        }),
        Err(other) => issues.push(Issue::table(Rule::NameCollision, other.to_string())),
        Ok(canon) => {
            report.renamed = canon.renamed.clone();
            report.extra_columns = canon.extras.clone();
            if let Some(original) = &canon.inferred_target {
                issues.push(Issue {
                    rule: Rule::InferredTarget,
                    column: Some(original.clone()),
                    row: None,
                    fecha: None,
                    value: Some(original.clone()),
                });
            }
            for (name, rule) in &contract.columns {
                if rule.required && canon.table.column(name).is_none() {
                    // The example names the columns the source has, to map one.
                    let found: Vec<&str> = canon
                        .table
                        .columns
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect();
                    issues.push(Issue {
                        rule: Rule::RequiredColumn,
                        column: Some(name.clone()),
                        row: None,
                        fecha: None,
                        value: Some(format!("columns found: {}", found.join(", "))),
                    });
                }
            }
            if canon.table.column(cols::FECHA).is_some() {
                let (rows, row_issues) = type_rows_up_to(&canon, contract, zone, scope.cutoff);
                // Issues of rows after the cutoff are not this run's business.
                let late: BTreeSet<usize> = rows
                    .iter()
                    .filter(|r| matches!((r.fecha, scope.cutoff), (Some(d), Some(c)) if d > c))
                    .map(|r| r.row)
                    .collect();
                issues.extend(
                    row_issues
                        .into_iter()
                        .filter(|i| i.row.is_none_or(|r| !late.contains(&r))),
                );
                let (rows, scoped) = crate::scope::apply(rows, scope, &canon.extras, contract);
                if scoped.aggregate_auto {
                    let days = rows.iter().filter(|r| r.fecha.is_some()).count();
                    issues.push(Issue::table(
                        Rule::AggregatedAuto,
                        format!("{} rows summed into {days} days", scoped.rows_aggregated),
                    ));
                }
                if !scoped.partial_days.is_empty() {
                    let dates: Vec<String> =
                        scoped.partial_days.iter().map(|d| d.to_string()).collect();
                    issues.push(Issue::table(Rule::PartialDay, dates.join(", ")));
                }
                report.scope = scoped;
                report.target_kind = Some(target_kind(&rows, contract));
                table_rules(&rows, contract, today, &mut issues, &mut report);
            }
        }
    }
    aggregate(issues, contract, &mut report);
    report
}

fn table_rules(
    rows: &[TypedRow],
    contract: &ContractConfig,
    today: NaiveDate,
    issues: &mut Vec<Issue>,
    report: &mut ValidationReport,
) {
    let t = &contract.table;
    for r in rows {
        if let Some(d) = r.fecha {
            if d < t.min_date.date() {
                issues.push(Issue::cell(
                    Rule::DateMin,
                    cols::FECHA,
                    r.row,
                    Some(d),
                    &crate::raw::Cell::Date(d),
                ));
            }
            if d > today {
                issues.push(Issue::cell(
                    Rule::DateFuture,
                    cols::FECHA,
                    r.row,
                    Some(d),
                    &crate::raw::Cell::Date(d),
                ));
            }
        }
    }
    let mut conflicting = 0usize;
    for (d, idx) in duplicate_groups(rows) {
        let first = &rows[idx[0]];
        let identical = idx.iter().all(|&i| rows[i].content == first.content);
        conflicting += usize::from(!identical);
        let rule = if identical {
            Rule::DuplicateIdentical
        } else {
            Rule::DuplicateConflict
        };
        for &i in &idx[1..] {
            issues.push(Issue::cell(
                rule,
                cols::FECHA,
                rows[i].row,
                Some(d),
                &rows[i].units_raw,
            ));
        }
    }
    let dates: BTreeSet<NaiveDate> = rows.iter().filter_map(|r| r.fecha).collect();
    // Most dates with several different rows: transaction-level input (after
    // `source.aggregate` there are no repeated dates, so this never fires with one).
    if conflicting * 2 > dates.len() {
        let keys = crate::scope::series_keys(rows, &report.extra_columns, t);
        let hint = if keys.is_empty() {
            String::new()
        } else {
            format!("; one row per date and value of: {}", keys.join(", "))
        };
        issues.push(Issue::table(
            Rule::AggregateNeeded,
            format!("{conflicting} of {} dates{hint}", dates.len()),
        ));
    }
    report.first_date = dates.first().copied();
    report.last_date = dates.last().copied();
    let clean: BTreeSet<NaiveDate> = rows
        .iter()
        .filter(|r| matches!(r.units, Units::Valid(_)) && r.abierto != Some(false))
        .filter_map(|r| r.fecha)
        .collect();
    report.clean_days = clean.len() as u64;
    if clean.len() < t.min_clean_days as usize {
        issues.push(Issue::table(Rule::MinCleanHistory, clean.len().to_string()));
    }
    if let (Some(n), Some(last)) = (t.freshness_days, dates.last()) {
        let age = (today - *last).num_days();
        if age > i64::from(n) {
            issues.push(Issue::table(
                Rule::Freshness,
                format!("{last} is {age} days old"),
            ));
        }
    }
    if let Some(step) = typical_step(&dates) {
        if step > i64::from(t.max_step_days) {
            issues.push(Issue::table(
                Rule::CoarseDates,
                format!("{step} days between consecutive dates"),
            ));
        }
    }
    if let (Some(first), Some(last)) = (dates.first(), dates.last()) {
        // Weekdays never traded (a weekly series, a stall open at weekends) are closures,
        // not missing days, as cleansing will read them. Looked for only within the dates
        // the contract accepts (from `min_date` to today): a date typed far off is its own
        // error, and must not make this check walk millions of days.
        let (lo, hi) = ((*first).max(t.min_date.date()), (*last).min(today));
        let never = if lo <= hi && (hi - lo).num_days() <= MAX_WEEKDAY_SCAN_DAYS {
            let absent: BTreeSet<NaiveDate> = std::iter::successors(Some(lo), |x| x.succ_opt())
                .take_while(|x| *x <= hi)
                .filter(|x| !dates.contains(x))
                .collect();
            core_types::closures::recurring(&absent, lo, hi).weekdays
        } else {
            Vec::new()
        };
        let span = traded_days(*first, (*last - *first).num_days() as u64 + 1, &never);
        let (missing, longest, start) = gaps_on_traded(&dates, &never);
        let share = missing as f64 / span as f64;
        if share > t.max_missing_share {
            issues.push(Issue::table(
                Rule::MissingShare,
                format!("{missing} of {span} days ({:.2} %)", 100.0 * share),
            ));
        }
        if longest > u64::from(t.max_gap_days) {
            issues.push(Issue::table(
                Rule::LongestGap,
                format!(
                    "{longest} days from {}",
                    start.map(|s| s.to_string()).unwrap_or_default()
                ),
            ));
        }
    }
}

fn aggregate(issues: Vec<Issue>, contract: &ContractConfig, report: &mut ValidationReport) {
    let mut groups: BTreeMap<(Rule, Option<String>), Vec<Issue>> = BTreeMap::new();
    for i in issues {
        groups
            .entry((i.rule, i.column.clone()))
            .or_default()
            .push(i);
    }
    let mut failures: Vec<RuleFailure> = groups
        .into_iter()
        .map(|((rule, column), list)| RuleFailure {
            rule,
            severity: severity(rule, column.as_deref(), contract),
            message: message(rule, column.as_deref(), contract),
            count: list.len() as u64,
            examples: list
                .iter()
                .take(contract.max_examples)
                .map(|i| Example {
                    row: i.row,
                    fecha: i.fecha,
                    value: i.value.clone(),
                })
                .collect(),
            column,
        })
        .collect();
    failures.sort_by(|a, b| (a.severity, a.rule, &a.column).cmp(&(b.severity, b.rule, &b.column)));
    report.errors = failures
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count() as u64;
    report.warnings = failures.len() as u64 - report.errors;
    report.passed = report.errors == 0;
    report.failures = failures;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::{Cell, RawColumn};

    #[test]
    fn a_missing_target_says_which_columns_exist_and_how_to_map_one() {
        let d = |s: &str| Cell::Text(s.into());
        let raw = RawTable {
            rows: 2,
            columns: vec![
                RawColumn {
                    name: "fecha".into(),
                    cells: vec![d("2024-01-01"), d("2024-01-02")],
                },
                RawColumn {
                    name: "ventas".into(),
                    cells: vec![d("10"), d("12")],
                },
            ],
        };
        let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        let strict = ContractConfig {
            table: crate::TableRules {
                infer_target: false,
                ..ContractConfig::default().table
            },
            ..ContractConfig::default()
        };
        let r = validate_table(&raw, &strict, today, LocalZone::BOGOTA, &Scope::default());
        let f = r
            .failures
            .iter()
            .find(|f| f.rule == Rule::RequiredColumn)
            .expect("the target is required");
        assert_eq!(f.column.as_deref(), Some(cols::UNIDADES_VENDIDAS));
        assert!(
            f.message
                .contains("source.columns.<its name>=unidades_vendidas")
                && f.message.contains("cantidad"),
            "{}",
            f.message
        );
        assert_eq!(
            f.examples[0].value.as_deref(),
            Some("columns found: fecha, ventas")
        );
        // By default the one numeric column is the target, with a warning naming it.
        let mut contract = ContractConfig::default();
        contract.table.min_clean_days = 1;
        let r = validate_table(&raw, &contract, today, LocalZone::BOGOTA, &Scope::default());
        assert!(r.passed, "{:?}", r.failures);
        let w = r
            .failures
            .iter()
            .find(|f| f.rule == Rule::InferredTarget)
            .expect("the inference is reported");
        assert_eq!(w.severity, Severity::Warning);
        assert_eq!(w.column.as_deref(), Some("ventas"));
        assert_eq!(w.examples[0].value.as_deref(), Some("ventas"));
        assert!(r
            .renamed
            .contains(&("ventas".into(), cols::UNIDADES_VENDIDAS.into())));
        assert!(r.extra_columns.is_empty());
        // Two candidates: nothing is guessed.
        let mut two = raw.clone();
        two.columns.push(RawColumn {
            name: "temperatura".into(),
            cells: vec![d("3.5"), d("4")],
        });
        let r = validate_table(&two, &contract, today, LocalZone::BOGOTA, &Scope::default());
        assert!(r.failures.iter().any(|f| f.rule == Rule::RequiredColumn));
    }

    #[test]
    fn a_long_table_without_its_key_names_the_column_that_tells_series_apart() {
        // Two shops a day, `source.serie` not set: the aggregate rule fails and its example
        // names `tienda` (one row per date and shop), not the tickets' numbers.
        let d = |s: &str| Cell::Text(s.into());
        let mut fecha = Vec::new();
        let mut tienda = Vec::new();
        let mut units = Vec::new();
        let mut tickets = Vec::new();
        for i in 0..20 {
            for (k, shop) in ["norte", "sur"].iter().enumerate() {
                fecha.push(d(&format!("2024-01-{:02}", i + 1)));
                tienda.push(d(shop));
                units.push(d(&format!("{}", 10 + 3 * i + k)));
                tickets.push(d(&format!("{}", 100 + 2 * i + k)));
            }
        }
        let raw = RawTable {
            rows: fecha.len(),
            columns: vec![
                RawColumn {
                    name: "fecha".into(),
                    cells: fecha,
                },
                RawColumn {
                    name: "tienda".into(),
                    cells: tienda,
                },
                RawColumn {
                    name: "unidades_vendidas".into(),
                    cells: units,
                },
                RawColumn {
                    name: "tiquetes".into(),
                    cells: tickets,
                },
            ],
        };
        let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        let r = validate_table(
            &raw,
            &ContractConfig::default(),
            today,
            LocalZone::BOGOTA,
            &Scope::default(),
        );
        let f = r
            .failures
            .iter()
            .find(|f| f.rule == Rule::AggregateNeeded)
            .expect("several rows per date");
        assert_eq!(r.extra_columns, ["tienda", "tiquetes"]);
        let example = f.examples[0].value.as_deref().unwrap();
        assert!(
            example.ends_with("one row per date and value of: tienda"),
            "{example}"
        );
        assert!(f.message.contains("source.serie"), "{}", f.message);
    }
}
