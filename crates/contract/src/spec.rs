//! The contract as data (`contract:` in `config.yaml`), defaults from domain.md §9.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use core_types::cols;
use serde::{Deserialize, Serialize};

use crate::ContractError;

/// Logical type of a contract column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dtype {
    /// A calendar date (or a timestamp cut to the date in the business's time zone).
    Date,
    /// A whole number (JSON numbers or numeric strings accepted).
    Integer,
    /// Any finite number.
    Number,
    /// Decided from the data (the target's default): whole units when every value is a whole
    /// number, amounts (turnover, log values, …) otherwise; reported as [`TargetKind`] by
    /// validation and cleansing. Checked like [`Dtype::Number`].
    Auto,
    /// true/false, 1/0, si/sí/no.
    Boolean,
    /// Free text.
    Text,
    /// A timestamp with offset.
    Timestamp,
}

/// How serious a rule failure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Stops the phase.
    Error,
    /// Reported; the loader tolerates it (domain.md §9 "loader behaviour").
    Warning,
}

/// Rules of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnRule {
    /// Logical type.
    pub dtype: Dtype,
    /// Whether the column must exist.
    pub required: bool,
    /// Whether nulls are allowed.
    pub nullable: bool,
    /// Smallest allowed value (numbers).
    pub min: Option<f64>,
    /// Whether `min` itself is excluded.
    pub min_exclusive: bool,
    /// Largest allowed value (numbers).
    pub max: Option<f64>,
    /// Whether `max` itself is excluded.
    pub max_exclusive: bool,
    /// Other names (after snake_case) that mean this column.
    pub aliases: Vec<String>,
    /// Severity of values that violate the column's rules.
    pub severity: Severity,
}

impl ColumnRule {
    fn new(dtype: Dtype, required: bool, nullable: bool, severity: Severity) -> Self {
        Self {
            dtype,
            required,
            nullable,
            min: None,
            min_exclusive: false,
            max: None,
            max_exclusive: false,
            aliases: Vec::new(),
            severity,
        }
    }

    fn aliases(mut self, a: &[&str]) -> Self {
        self.aliases = a.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Whether `x` lies in the allowed range.
    pub fn in_range(&self, x: f64) -> bool {
        let lo = self
            .min
            .is_none_or(|m| if self.min_exclusive { x > m } else { x >= m });
        let hi = self
            .max
            .is_none_or(|m| if self.max_exclusive { x < m } else { x <= m });
        lo && hi
    }

    /// The range as text, e.g. `0 ≤ x ≤ 100000`.
    pub fn range_text(&self) -> String {
        let lo = self
            .min
            .map(|m| format!("{m} {} ", if self.min_exclusive { "<" } else { "≤" }))
            .unwrap_or_default();
        let hi = self
            .max
            .map(|m| format!(" {} {m}", if self.max_exclusive { "<" } else { "≤" }))
            .unwrap_or_default();
        format!("{lo}x{hi}")
    }
}

/// What the target measures, as decided from the data when its dtype is [`Dtype::Auto`] (or
/// as configured).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// Whole units (every value is a whole number).
    Units,
    /// Amounts: turnover, weights, log values (some value has a fraction).
    Amounts,
    /// A signed series (temperatures, net flows): negative values are part of it
    /// (`table.target_signed_share`).
    Signed,
}

impl TargetKind {
    /// The kind of a column of values: `Units` when every finite value is whole.
    pub fn infer(values: impl IntoIterator<Item = f64>) -> Self {
        if values
            .into_iter()
            .filter(|v| v.is_finite())
            .all(|v| v.fract() == 0.0)
        {
            TargetKind::Units
        } else {
            TargetKind::Amounts
        }
    }
}

/// `table.min_date`: a date, or `auto` — 2000-01-01 for Colombia, whose festivos calendar
/// refuses earlier years (domain §3.3, §9), and 1900-01-01 for any other country, whose
/// earlier years the calendar derives by rule (`fuera_de_rango: auto`). The pipeline resolves
/// `auto` when it loads the configuration ([`MinDate::resolve`]); the contract applies an
/// unresolved `auto` as 1900-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MinDate {
    /// `auto`.
    Auto(AutoWord),
    /// A fixed first date.
    Date(NaiveDate),
}

/// The word `auto` in a setting that otherwise takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoWord {
    /// `auto`.
    Auto,
}

impl MinDate {
    /// The first date of Colombian data (the first year of the holidays crate).
    pub const COLOMBIA: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");
    /// The first date of other countries' data.
    pub const ELSEWHERE: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date");

    /// The fixed date this setting stands for, for data of Colombia or another country.
    pub fn resolve(self, colombia: bool) -> NaiveDate {
        match self {
            MinDate::Date(d) => d,
            MinDate::Auto(_) if colombia => Self::COLOMBIA,
            MinDate::Auto(_) => Self::ELSEWHERE,
        }
    }

    /// The floor the contract applies (an unresolved `auto` is [`MinDate::ELSEWHERE`]).
    pub fn date(self) -> NaiveDate {
        self.resolve(false)
    }
}

/// Table-level rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRules {
    /// No date before this one (`auto`: see [`MinDate`]).
    pub min_date: MinDate,
    /// Severity of dates in the future (after today).
    pub future_dates: Severity,
    /// Severity of repeated dates.
    pub duplicate_dates: Severity,
    /// Minimum number of clean days (valid units on open days); 60 by default (a history
    /// under a year is forecast, with a warning, from phase 04 on).
    pub min_clean_days: u32,
    /// Newest date at most this many days before today (`null` = not checked).
    pub freshness_days: Option<u32>,
    /// Severity of stale data.
    pub freshness: Severity,
    /// Fewest rows accepted.
    pub min_rows: u64,
    /// Most rows accepted.
    pub max_rows: u64,
    /// Largest accepted share of missing days in the span, in [0, 1].
    pub max_missing_share: f64,
    /// Longest accepted run of missing days.
    pub max_gap_days: u32,
    /// Severity of continuity failures.
    pub continuity: Severity,
    /// Largest median number of days between consecutive dates (an error above it: a
    /// monthly series is not daily sales).
    #[serde(default = "default_max_step_days")]
    pub max_step_days: u32,
    /// A target with at least this share of negative values is signed (temperatures, net
    /// flows, margins): its negatives are data, not errors (the target's `min` is not
    /// applied), and the models neither log-transform nor clip it at 0 (`null` = never;
    /// a few negatives among sales stay flagged as returns or mistakes).
    #[serde(default = "default_signed_share")]
    pub target_signed_share: Option<f64>,
    /// A table without a target column (`unidades_vendidas` or an alias) takes the one column
    /// outside the contract's that can be it as the target (`typed::inferred_target`: the
    /// only one that reads as numbers and is not a 0/1 flag), with a warning (`date,sales`
    /// runs as it is); `false` = the missing column is an error.
    #[serde(default = "default_infer_target")]
    pub infer_target: bool,
    /// With rows summed or counted per day (`source.aggregate`), the first or last date is a
    /// partial day, set aside with a warning, when it has fewer rows than this share of the
    /// typical day's: a sub-daily export that starts or stops mid-day. Checked only when one
    /// row count is typical (more than half the dates have it: hourly readings, not
    /// transactions, whose counts follow demand); `null` = never.
    #[serde(default = "default_partial_day_share")]
    pub partial_day_share: Option<f64>,
    /// Names of columns that give a row's time of day (`hour`, `hora`), in a file of several
    /// readings a day: never taken for a series key, so `source.aggregate: auto` sums the
    /// day's readings (a column whose cells are all `HH:MM` times is one whatever its name).
    #[serde(default = "default_time_of_day_columns")]
    pub time_of_day_columns: Vec<String>,
}

fn default_partial_day_share() -> Option<f64> {
    Some(0.9)
}

impl TableRules {
    /// Whether a column of this name gives a row's time of day
    /// (`time_of_day_columns`, case aside).
    pub fn is_time_of_day(&self, name: &str) -> bool {
        self.time_of_day_columns
            .iter()
            .any(|t| t.eq_ignore_ascii_case(name.trim()))
    }
}

fn default_time_of_day_columns() -> Vec<String> {
    [
        "hour",
        "hora",
        "hr",
        "time",
        "hora_del_dia",
        "hour_of_day",
        "time_of_day",
        "period",
        "periodo",
        "franja",
    ]
    .into_iter()
    .map(str::to_string)
    .collect()
}

fn default_infer_target() -> bool {
    true
}

fn default_max_step_days() -> u32 {
    7
}

fn default_signed_share() -> Option<f64> {
    Some(0.1)
}

/// The whole contract (`contract:` in `config.yaml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractConfig {
    /// Rules per canonical column.
    pub columns: BTreeMap<String, ColumnRule>,
    /// Table rules.
    pub table: TableRules,
    /// Example rows kept per failure.
    pub max_examples: usize,
}

impl Default for ContractConfig {
    /// The raw table `ventas_diarias` of domain.md §9.
    fn default() -> Self {
        use Dtype::*;
        use Severity::*;
        let mut columns = BTreeMap::new();
        columns.insert(
            cols::ID.into(),
            ColumnRule::new(Integer, false, true, Warning),
        );
        columns.insert(
            cols::FECHA.into(),
            ColumnRule::new(Date, true, false, Error).aliases(&[
                "dia",
                "fecha_venta",
                "date",
                "ds",
            ]),
        );
        let mut units = ColumnRule::new(Auto, true, false, Warning).aliases(&[
            "cantidad",
            "unidades",
            "cantidad_vendida",
        ]);
        units.min = Some(0.0);
        columns.insert(cols::UNIDADES_VENDIDAS.into(), units);
        columns.insert(
            cols::PROMOCION.into(),
            ColumnRule::new(Boolean, false, true, Warning).aliases(&[
                "promo",
                "en_promocion",
                "es_promocion",
            ]),
        );
        let mut disc = ColumnRule::new(Number, false, true, Warning).aliases(&[
            "descuento",
            "porcentaje_descuento",
            "pct_descuento",
        ]);
        disc.min = Some(0.0);
        disc.max = Some(100.0);
        disc.max_exclusive = true;
        columns.insert(cols::DESCUENTO_PCT.into(), disc);
        let mut price =
            ColumnRule::new(Number, false, true, Warning).aliases(&["precio", "valor_unitario"]);
        price.min = Some(0.0);
        price.min_exclusive = true;
        columns.insert(cols::PRECIO_UNITARIO.into(), price);
        columns.insert(
            cols::ABIERTO.into(),
            ColumnRule::new(Boolean, false, true, Warning).aliases(&["tienda_abierta"]),
        );
        columns.insert(
            cols::OBSERVACIONES.into(),
            ColumnRule::new(Text, false, true, Warning),
        );
        columns.insert(
            cols::CREATED_AT.into(),
            ColumnRule::new(Timestamp, false, true, Warning),
        );
        Self {
            columns,
            table: TableRules {
                min_date: MinDate::Date(MinDate::COLOMBIA),
                future_dates: Error,
                duplicate_dates: Warning,
                min_clean_days: 60,
                freshness_days: None,
                freshness: Warning,
                min_rows: 1,
                max_rows: 1_000_000,
                max_missing_share: 0.05,
                max_gap_days: 31,
                continuity: Warning,
                max_step_days: default_max_step_days(),
                target_signed_share: default_signed_share(),
                infer_target: default_infer_target(),
                partial_day_share: default_partial_day_share(),
                time_of_day_columns: default_time_of_day_columns(),
            },
            max_examples: 5,
        }
    }
}

impl ContractConfig {
    /// Checks the contract itself; errors name the key under `contract.`.
    pub fn validate(&self) -> Result<(), ContractError> {
        let bad = |key: String, message: String| Err(ContractError::InvalidConfig { key, message });
        for required in [cols::FECHA, cols::UNIDADES_VENDIDAS] {
            if !self.columns.contains_key(required) {
                return bad(
                    format!("columns.{required}"),
                    "the contract must define this column".into(),
                );
            }
        }
        if self.columns[cols::FECHA].dtype != Dtype::Date {
            return bad("columns.fecha.dtype".into(), "must be `date`".into());
        }
        let mut owner: BTreeMap<String, String> = BTreeMap::new();
        for (name, rule) in &self.columns {
            if core_types::names::snake_case(name, 0) != *name {
                return bad(
                    format!("columns.{name}"),
                    "column names must be snake_case".into(),
                );
            }
            if let (Some(lo), Some(hi)) = (rule.min, rule.max) {
                if lo > hi {
                    return bad(
                        format!("columns.{name}.min"),
                        format!("{lo} is above max {hi}"),
                    );
                }
            }
            for a in rule.aliases.iter().chain(std::iter::once(name)) {
                if let Some(prev) = owner.insert(a.clone(), name.clone()) {
                    if prev != *name {
                        return bad(
                            format!("columns.{name}.aliases"),
                            format!("alias `{a}` is also used by column `{prev}`"),
                        );
                    }
                }
            }
        }
        let t = &self.table;
        if !(0.0..=1.0).contains(&t.max_missing_share) {
            return bad(
                "table.max_missing_share".into(),
                format!("expected a share in [0, 1], got {}", t.max_missing_share),
            );
        }
        if let Some(s) = t.target_signed_share {
            if !(s > 0.0 && s <= 1.0) {
                return bad(
                    "table.target_signed_share".into(),
                    format!("expected a share in (0, 1] or null, got {s}"),
                );
            }
        }
        if let Some(s) = t.partial_day_share {
            if !(s > 0.0 && s <= 1.0) {
                return bad(
                    "table.partial_day_share".into(),
                    format!("expected a share in (0, 1] or null, got {s}"),
                );
            }
        }
        if t.min_rows > t.max_rows {
            return bad("table.min_rows".into(), "is above table.max_rows".into());
        }
        Ok(())
    }

    /// Whether target values `values` (the numbers among the target's cells) make a signed
    /// series: the share of negatives reaches `table.target_signed_share`.
    pub fn is_signed(&self, values: impl IntoIterator<Item = f64>) -> bool {
        let Some(share) = self.table.target_signed_share else {
            return false;
        };
        let (mut neg, mut n) = (0usize, 0usize);
        for v in values.into_iter().filter(|v| v.is_finite()) {
            n += 1;
            neg += usize::from(v < 0.0);
        }
        n > 0 && neg as f64 >= share * n as f64
    }

    /// This contract for a signed target: the target's `min` bound dropped.
    pub fn for_signed_target(&self) -> Self {
        let mut c = self.clone();
        if let Some(rule) = c.columns.get_mut(cols::UNIDADES_VENDIDAS) {
            rule.min = None;
        }
        c
    }

    /// alias (or canonical name) → canonical name.
    pub fn alias_map(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        for (name, rule) in &self.columns {
            m.insert(name.clone(), name.clone());
            for a in &rule.aliases {
                m.insert(a.clone(), name.clone());
            }
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_contract_is_valid_and_maps_aliases() {
        let c = ContractConfig::default();
        c.validate().unwrap();
        let m = c.alias_map();
        assert_eq!(m["cantidad_vendida"], "unidades_vendidas");
        assert_eq!(m["date"], "fecha");
        // Prophet's convention (`ds,y`): with `y → unidades_vendidas` in the file mapping,
        // a Prophet-ready file runs as it is.
        assert_eq!(m["ds"], "fecha");
        assert_eq!(m["tienda_abierta"], "abierto");
        assert!(
            !m.contains_key("ventas"),
            "`ventas` is deliberately not an alias"
        );
    }

    #[test]
    fn ranges_follow_the_domain() {
        let c = ContractConfig::default();
        let units = &c.columns["unidades_vendidas"];
        assert!(units.in_range(0.0) && units.in_range(1e9) && !units.in_range(-1.0));
        assert_eq!(units.dtype, Dtype::Auto);
        let disc = &c.columns["descuento_pct"];
        assert!(disc.in_range(0.0) && disc.in_range(99.99) && !disc.in_range(100.0));
        let price = &c.columns["precio_unitario"];
        assert!(!price.in_range(0.0) && price.in_range(0.01));
        assert_eq!(units.range_text(), "0 ≤ x");
    }

    #[test]
    fn shared_aliases_are_config_errors() {
        let mut c = ContractConfig::default();
        c.columns
            .get_mut("precio_unitario")
            .unwrap()
            .aliases
            .push("cantidad".into());
        match c.validate().unwrap_err() {
            ContractError::InvalidConfig { key, message } => {
                assert_eq!(key, "columns.unidades_vendidas.aliases");
                assert!(message.contains("precio_unitario"), "{message}");
            }
            e => panic!("{e}"),
        }
    }
}
