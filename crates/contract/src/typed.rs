//! From raw cells to typed rows: snake_case names, aliases, tolerant coercion. Every value the
//! contract refuses becomes an [`Issue`] naming the rule, column, row and value; validation
//! aggregates the issues, cleansing acts on the typed rows. Both share this one code path.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use core_types::cols;
use core_types::dates::LocalZone;
use serde::Serialize;

use crate::raw::{as_bool, as_date, as_number, as_timestamp, Bad, Cell, RawColumn, RawTable};
use crate::spec::{ContractConfig, Dtype};
use crate::ContractError;

/// The closed set of contract rules.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Two source columns map to the same name.
    NameCollision,
    /// A required column is absent.
    RequiredColumn,
    /// A value that is not of the column's type (including NaN/Infinity).
    Dtype,
    /// A null in a non-nullable column.
    NotNull,
    /// A non-integer in an integer column.
    Integer,
    /// A value outside the allowed range.
    Range,
    /// A discount on a day without promotion.
    DiscountWithoutPromotion,
    /// Rows repeating a date with identical values.
    DuplicateIdentical,
    /// Rows repeating a date with different values.
    DuplicateConflict,
    /// A date before the contract's first date.
    DateMin,
    /// A date after today (in the business's time zone).
    DateFuture,
    /// Units other than 0 on a closed day.
    ClosedWithUnits,
    /// Too few or too many rows.
    RowCount,
    /// Too few clean days.
    MinCleanHistory,
    /// The newest date is too old.
    Freshness,
    /// Too large a share of missing days.
    MissingShare,
    /// Too long a run of missing days.
    LongestGap,
    /// Consecutive dates most often further apart than a week: a monthly or coarser series,
    /// not daily sales.
    CoarseDates,
    /// Most dates have several conflicting rows: the input is transaction-level and needs
    /// `source.aggregate`.
    AggregateNeeded,
    /// `source.aggregate: auto` summed each date's rows (most dates had several different
    /// rows and no column tells series apart).
    AggregatedAuto,
    /// A first or last date with too few rows to be a whole day, set aside when rows are
    /// summed or counted (`contract.table.partial_day_share`).
    PartialDay,
    /// No column is named as the target; the only numeric column that is not a 0/1 flag is
    /// taken as it (`contract.table.infer_target`).
    InferredTarget,
}

/// One refused value or broken rule, before aggregation.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// The rule.
    pub rule: Rule,
    /// The column, for column rules.
    pub column: Option<String>,
    /// 0-based row of the raw table.
    pub row: Option<usize>,
    /// The row's date, when known.
    pub fecha: Option<NaiveDate>,
    /// The value as text.
    pub value: Option<String>,
}

impl Issue {
    /// An issue of a table rule (no column, no row), with the offending value as text.
    pub fn table(rule: Rule, value: String) -> Self {
        Self {
            rule,
            column: None,
            row: None,
            fecha: None,
            value: Some(value),
        }
    }

    /// An issue on one cell.
    pub fn cell(
        rule: Rule,
        column: &str,
        row: usize,
        fecha: Option<NaiveDate>,
        value: &Cell,
    ) -> Self {
        Self {
            rule,
            column: Some(column.to_string()),
            row: Some(row),
            fecha,
            value: Some(value.show()),
        }
    }
}

/// A raw table with canonical column names.
#[derive(Debug, Clone, PartialEq)]
pub struct Canonical {
    /// The table, renamed.
    pub table: RawTable,
    /// (original, canonical) for every column whose name changed.
    pub renamed: Vec<(String, String)>,
    /// Columns that are not in the contract (kept, passed through).
    pub extras: Vec<String>,
    /// The source column taken as the target when none is named as it
    /// (`contract.table.infer_target`: the one column outside the contract that can be it).
    pub inferred_target: Option<String>,
}

/// The column to take as the target of a table without one (no column named
/// `unidades_vendidas` or one of its aliases), among the columns outside the contract whose
/// cells all read as numbers (NaN and blanks aside):
///
/// 1. the only one with values other than 0 and 1 (a 0/1 column is a flag);
/// 2. of several, the only one that is neither constant nor a row counter (whole numbers
///    rising by 1: an id);
/// 3. with none beyond flags, the only numeric column (a slow mover that sells 0 or 1).
///
/// A column named as a time of day (`contract.table.time_of_day_columns`: `hour`, `hora`) is
/// never a candidate. `None` otherwise: the missing target is then an error naming the columns found.
pub(crate) fn inferred_target(columns: &[RawColumn], contract: &ContractConfig) -> Option<usize> {
    let numbers = |c: &RawColumn| -> Option<Vec<f64>> {
        let mut out = Vec::with_capacity(c.cells.len());
        for cell in &c.cells {
            match as_number(cell) {
                Ok(Some(x)) => out.push(x),
                Ok(None) | Err(Bad::NotFinite) => {}
                Err(_) => return None,
            }
        }
        (!out.is_empty()).then_some(out)
    };
    let numeric: Vec<(usize, Vec<f64>)> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| !contract.columns.contains_key(&c.name))
        // An `hour` column of hourly readings is their time of day, never the target.
        .filter(|(_, c)| !contract.table.is_time_of_day(&c.name))
        .filter_map(|(i, c)| numbers(c).map(|v| (i, v)))
        .collect();
    let only = |found: Vec<usize>| match found[..] {
        [one] => Some(one),
        _ => None,
    };
    let beyond_flag: Vec<&(usize, Vec<f64>)> = numeric
        .iter()
        .filter(|(_, v)| v.iter().any(|x| *x != 0.0 && *x != 1.0))
        .collect();
    match beyond_flag.len() {
        0 => only(numeric.iter().map(|(i, _)| *i).collect()),
        1 => Some(beyond_flag[0].0),
        _ => only(
            beyond_flag
                .iter()
                .filter(|(_, v)| {
                    let constant = v.iter().all(|x| *x == v[0]);
                    let counter = v.windows(2).all(|w| w[1] - w[0] == 1.0);
                    !constant && !counter
                })
                .map(|(i, _)| *i)
                .collect(),
        ),
    }
}

/// snake_case every name (domain.md §9.1), then map aliases to canonical names. Two source
/// columns ending with the same name is [`ContractError::NameCollision`].
pub fn canonicalize(
    table: &RawTable,
    contract: &ContractConfig,
) -> Result<Canonical, ContractError> {
    let aliases = contract.alias_map();
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut columns = Vec::with_capacity(table.columns.len());
    let mut renamed = Vec::new();
    let mut extras = Vec::new();
    for (i, c) in table.columns.iter().enumerate() {
        let snake = core_types::names::snake_case(&c.name, i);
        let name = aliases.get(&snake).cloned().unwrap_or(snake);
        by_name
            .entry(name.clone())
            .or_default()
            .push(c.name.clone());
        if name != c.name {
            renamed.push((c.name.clone(), name.clone()));
        }
        if !contract.columns.contains_key(&name) {
            extras.push(name.clone());
        }
        columns.push(RawColumn {
            name,
            cells: c.cells.clone(),
        });
    }
    if let Some((name, sources)) = by_name.into_iter().find(|(_, v)| v.len() > 1) {
        return Err(ContractError::NameCollision { name, sources });
    }
    let mut inferred = None;
    let has_target = columns.iter().any(|c| c.name == cols::UNIDADES_VENDIDAS);
    if !has_target && contract.table.infer_target {
        if let Some(i) = inferred_target(&columns, contract) {
            let original = table.columns[i].name.clone();
            extras.retain(|e| *e != columns[i].name);
            renamed.retain(|(from, _)| *from != original);
            renamed.push((original.clone(), cols::UNIDADES_VENDIDAS.to_string()));
            columns[i].name = cols::UNIDADES_VENDIDAS.to_string();
            inferred = Some(original);
        }
    }
    Ok(Canonical {
        table: RawTable {
            columns,
            rows: table.rows,
        },
        renamed,
        extras,
        inferred_target: inferred,
    })
}

/// The units of one row after coercion.
#[derive(Debug, Clone, PartialEq)]
pub enum Units {
    /// A value that passes every rule of the column.
    Valid(f64),
    /// Null or blank.
    Null,
    /// Refused by a rule (the value becomes missing).
    Invalid(Rule),
}

/// One typed row.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedRow {
    /// 0-based row of the raw table.
    pub row: usize,
    /// The date (None when null or unparseable: a hard error for cleansing).
    pub fecha: Option<NaiveDate>,
    /// `id`, when present and valid.
    pub id: Option<i64>,
    /// The units.
    pub units: Units,
    /// The units cell as found.
    pub units_raw: Cell,
    /// `promocion` (None when absent, null or invalid).
    pub promocion: Option<bool>,
    /// `descuento_pct`.
    pub descuento_pct: Option<f64>,
    /// `precio_unitario`.
    pub precio_unitario: Option<f64>,
    /// `abierto`.
    pub abierto: Option<bool>,
    /// `created_at` as seconds since the epoch.
    pub created_at: Option<i64>,
    /// Every cell but `id` and `created_at`, to compare duplicates.
    pub content: Vec<Cell>,
    /// Cells of the extra (non-contract) columns, in `Canonical::extras` order.
    pub extras: Vec<Cell>,
}

impl TypedRow {
    /// Which of several rows of one date wins: the highest `id`, then the latest
    /// `created_at`, then the last row.
    pub(crate) fn precedence(&self) -> (Option<i64>, Option<i64>, usize) {
        (self.id, self.created_at, self.row)
    }
}

fn check_number(
    rule: &crate::spec::ColumnRule,
    name: &str,
    row: usize,
    fecha: Option<NaiveDate>,
    cell: &Cell,
    issues: &mut Vec<Issue>,
) -> Result<Option<f64>, Rule> {
    match as_number(cell) {
        Ok(None) => Ok(None),
        Ok(Some(x)) => {
            if rule.dtype == Dtype::Integer && x.fract() != 0.0 {
                issues.push(Issue::cell(Rule::Integer, name, row, fecha, cell));
                return Err(Rule::Integer);
            }
            if !rule.in_range(x) {
                issues.push(Issue::cell(Rule::Range, name, row, fecha, cell));
                return Err(Rule::Range);
            }
            Ok(Some(x))
        }
        Err(Bad::NotFinite | Bad::Unparseable) => {
            issues.push(Issue::cell(Rule::Dtype, name, row, fecha, cell));
            Err(Rule::Dtype)
        }
    }
}

/// Coerces every row of a canonical table; returns the rows and every issue found.
pub fn type_rows(
    canon: &Canonical,
    contract: &ContractConfig,
    zone: LocalZone,
) -> (Vec<TypedRow>, Vec<Issue>) {
    type_rows_up_to(canon, contract, zone, None)
}

/// [`type_rows`], deciding whether the target is signed from the rows dated up to `cutoff`
/// alone (all rows when `None`), so that rows held out never change how the history is read.
pub fn type_rows_up_to(
    canon: &Canonical,
    contract: &ContractConfig,
    zone: LocalZone,
    cutoff: Option<NaiveDate>,
) -> (Vec<TypedRow>, Vec<Issue>) {
    let t = &canon.table;
    // A signed target's negatives are values, not range failures.
    let signed_contract;
    let seen = |i: usize| match (cutoff, t.column(cols::FECHA)) {
        (None, _) => true,
        (Some(c), Some(f)) => {
            matches!(as_date(&f.cells[i], zone), Ok(Some(d)) if d <= c)
        }
        (Some(_), None) => false,
    };
    let contract = if contract.is_signed(
        t.column(cols::UNIDADES_VENDIDAS)
            .into_iter()
            .flat_map(|c| c.cells.iter().enumerate())
            .filter(|(i, _)| seen(*i))
            .filter_map(|(_, c)| as_number(c).ok().flatten()),
    ) {
        signed_contract = contract.for_signed_target();
        &signed_contract
    } else {
        contract
    };
    let mut issues = Vec::new();
    let col = |name: &str| t.column(name);
    let mut rows = Vec::with_capacity(t.rows);
    for i in 0..t.rows {
        let get = |name: &str| col(name).map_or(Cell::Null, |c| c.cells[i].clone());
        let fecha_cell = get(cols::FECHA);
        let fecha = match as_date(&fecha_cell, zone) {
            Ok(d) => d,
            Err(_) => {
                issues.push(Issue::cell(Rule::Dtype, cols::FECHA, i, None, &fecha_cell));
                None
            }
        };
        let mut row = TypedRow {
            row: i,
            fecha,
            id: None,
            units: Units::Null,
            units_raw: get(cols::UNIDADES_VENDIDAS),
            promocion: None,
            descuento_pct: None,
            precio_unitario: None,
            abierto: None,
            created_at: None,
            content: Vec::new(),
            extras: canon.extras.iter().map(|e| get(e)).collect(),
        };
        for (name, rule) in &contract.columns {
            let Some(c) = col(name) else { continue };
            let cell = &c.cells[i];
            if name != cols::ID && name != cols::CREATED_AT {
                row.content.push(cell.clone());
            }
            if cell.is_null() {
                if !rule.nullable {
                    // A null date is reported here; the fecha column is checked once.
                    issues.push(Issue::cell(Rule::NotNull, name, i, fecha, cell));
                }
                continue;
            }
            match rule.dtype {
                Dtype::Integer | Dtype::Number | Dtype::Auto => {
                    let v = check_number(rule, name, i, fecha, cell, &mut issues);
                    match name.as_str() {
                        n if n == cols::UNIDADES_VENDIDAS => {
                            row.units = match v {
                                Ok(Some(x)) => Units::Valid(x),
                                Ok(None) => Units::Null,
                                Err(r) => Units::Invalid(r),
                            }
                        }
                        n if n == cols::ID => row.id = v.ok().flatten().map(|x| x as i64),
                        n if n == cols::DESCUENTO_PCT => row.descuento_pct = v.ok().flatten(),
                        n if n == cols::PRECIO_UNITARIO => row.precio_unitario = v.ok().flatten(),
                        _ => {}
                    }
                }
                Dtype::Boolean => match as_bool(cell) {
                    Ok(b) => {
                        if name == cols::PROMOCION {
                            row.promocion = b;
                        } else if name == cols::ABIERTO {
                            row.abierto = b;
                        }
                    }
                    Err(_) => issues.push(Issue::cell(Rule::Dtype, name, i, fecha, cell)),
                },
                Dtype::Date => {
                    // fecha was coerced above; other date columns are only type-checked.
                    if name != cols::FECHA && as_date(cell, zone).is_err() {
                        issues.push(Issue::cell(Rule::Dtype, name, i, fecha, cell));
                    }
                }
                Dtype::Timestamp => match as_timestamp(cell) {
                    Ok(ts) => {
                        if name == cols::CREATED_AT {
                            row.created_at = ts;
                        }
                    }
                    Err(_) => issues.push(Issue::cell(Rule::Dtype, name, i, fecha, cell)),
                },
                Dtype::Text => {}
            }
        }
        if row.promocion != Some(true) && row.descuento_pct.is_some_and(|d| d > 0.0) {
            issues.push(Issue::cell(
                Rule::DiscountWithoutPromotion,
                cols::DESCUENTO_PCT,
                i,
                fecha,
                &get(cols::DESCUENTO_PCT),
            ));
        }
        if row.abierto == Some(false) && matches!(row.units, Units::Valid(x) if x != 0.0) {
            issues.push(Issue::cell(
                Rule::ClosedWithUnits,
                cols::UNIDADES_VENDIDAS,
                i,
                fecha,
                &row.units_raw,
            ));
        }
        rows.push(row);
    }
    (rows, issues)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_is_inferred_only_when_one_column_can_be_it() {
        let col = |name: &str, cells: Vec<Cell>| RawColumn {
            name: name.into(),
            cells,
        };
        let f = |v: &[f64]| v.iter().map(|x| Cell::Float(*x)).collect::<Vec<_>>();
        let c = ContractConfig::default();
        let fecha = col("fecha", vec![Cell::Text("2024-01-01".into()); 3]);
        let sales = col(
            "sales",
            vec![
                Cell::Float(12.5),
                Cell::Text("14".into()),
                Cell::Float(f64::NAN),
            ],
        );
        let flag = col("holiday", f(&[0.0, 1.0, 0.0]));
        let infer = |cols: Vec<RawColumn>| inferred_target(&cols, &c);
        // The one column beyond a flag; a flag, text and the contract's columns are not it.
        let note = col("nota", vec![Cell::Text("a".into()); 3]);
        assert_eq!(
            infer(vec![fecha.clone(), sales.clone(), flag.clone(), note]),
            Some(1)
        );
        // Beside an id (1, 2, 3) and a constant store number, the sales are still it.
        let id = col("row_id", f(&[1.0, 2.0, 3.0]));
        let store = col("store", f(&[7.0, 7.0, 7.0]));
        assert_eq!(
            infer(vec![fecha.clone(), id, store, sales.clone()]),
            Some(3)
        );
        // Beside the hour of hourly readings, the readings are it.
        let hour = col("Hour", f(&[8.0, 9.0, 11.0]));
        assert_eq!(infer(vec![fecha.clone(), hour, sales.clone()]), Some(2));
        // Two measures: nothing is guessed.
        let temp = col("temperature", f(&[3.0, 4.5, 2.0]));
        assert_eq!(infer(vec![fecha.clone(), sales, temp]), None);
        // A slow mover that sells 0 or 1, alone: it is the target; beside a flag: not.
        let slow = col("ventas", f(&[0.0, 1.0, 1.0]));
        assert_eq!(infer(vec![fecha.clone(), slow.clone()]), Some(1));
        assert_eq!(infer(vec![fecha, slow, flag]), None);
    }

    fn table(cols: &[(&str, Vec<Cell>)]) -> RawTable {
        RawTable {
            rows: cols.first().map_or(0, |c| c.1.len()),
            columns: cols
                .iter()
                .map(|(n, c)| RawColumn {
                    name: n.to_string(),
                    cells: c.clone(),
                })
                .collect(),
        }
    }

    #[test]
    fn names_are_standardised_then_aliased() {
        let t = table(&[
            ("Fecha Venta", vec![]),
            ("Cantidad", vec![]),
            ("Promoción", vec![]),
            ("Descuento (%)", vec![]),
            ("Clima", vec![]),
        ]);
        let c = canonicalize(&t, &ContractConfig::default()).unwrap();
        let names: Vec<&str> = c.table.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "fecha",
                "unidades_vendidas",
                "promocion",
                "descuento_pct",
                "clima"
            ]
        );
        assert_eq!(c.extras, ["clima"]);
        assert_eq!(c.renamed.len(), 5);
    }

    #[test]
    fn colliding_columns_name_both_sources() {
        let t = table(&[
            ("fecha", vec![]),
            ("Cantidad", vec![]),
            ("unidades", vec![]),
        ]);
        match canonicalize(&t, &ContractConfig::default()).unwrap_err() {
            ContractError::NameCollision { name, sources } => {
                assert_eq!(name, "unidades_vendidas");
                assert_eq!(sources, ["Cantidad", "unidades"]);
            }
            e => panic!("{e}"),
        }
    }

    #[test]
    fn coercion_reports_each_refused_value() {
        let t = table(&[
            (
                "fecha",
                vec![
                    Cell::Text("2024-01-01".into()),
                    Cell::Text("2024-01-02".into()),
                    Cell::Text("x".into()),
                    Cell::Text("2024-01-04".into()),
                ],
            ),
            (
                "unidades_vendidas",
                vec![
                    Cell::Text("12".into()),
                    Cell::Float(1.5),
                    Cell::Int(-3),
                    Cell::Text("NaN".into()),
                ],
            ),
            (
                "promocion",
                vec![
                    Cell::Text("sí".into()),
                    Cell::Null,
                    Cell::Text("tal vez".into()),
                    Cell::Int(0),
                ],
            ),
            (
                "descuento_pct",
                vec![Cell::Int(10), Cell::Int(5), Cell::Int(100), Cell::Null],
            ),
        ]);
        // Whole units declared: a fraction is refused.
        let mut contract = ContractConfig::default();
        let units = contract.columns.get_mut("unidades_vendidas").unwrap();
        units.dtype = Dtype::Integer;
        units.max = Some(100_000.0);
        // One negative in three values would make a signed series: not this test's subject.
        contract.table.target_signed_share = None;
        let c = canonicalize(&t, &contract).unwrap();
        let (rows, issues) = type_rows(&c, &contract, LocalZone::BOGOTA);
        assert_eq!(rows[0].units, Units::Valid(12.0));
        assert_eq!(rows[0].promocion, Some(true));
        assert_eq!(rows[1].units, Units::Invalid(Rule::Integer));
        assert_eq!(rows[2].units, Units::Invalid(Rule::Range));
        assert_eq!(rows[2].fecha, None);
        assert_eq!(rows[3].units, Units::Invalid(Rule::Dtype));
        let got: Vec<(Rule, &str, usize)> = issues
            .iter()
            .map(|i| (i.rule, i.column.as_deref().unwrap(), i.row.unwrap()))
            .collect();
        assert!(got.contains(&(Rule::Dtype, "fecha", 2)));
        assert!(got.contains(&(Rule::Integer, "unidades_vendidas", 1)));
        assert!(got.contains(&(Rule::Range, "unidades_vendidas", 2)));
        assert!(got.contains(&(Rule::Dtype, "unidades_vendidas", 3)));
        assert!(got.contains(&(Rule::Dtype, "promocion", 2)));
        assert!(got.contains(&(Rule::Range, "descuento_pct", 2)));
        assert!(got.contains(&(Rule::DiscountWithoutPromotion, "descuento_pct", 1)));
    }
}
