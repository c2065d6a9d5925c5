//! Phase 00's contract proposal: what the data looks like (types, null rates, ranges, a
//! candidate date column), set against the configured contract, with the differences.

use core_types::dates::LocalZone;
use serde::Serialize;

use crate::raw::{as_bool, as_date, as_number, as_timestamp, Cell, RawTable};
use crate::spec::{ContractConfig, Dtype};
use crate::typed::canonicalize;
use crate::ContractError;

/// What one column looks like.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ProposedColumn {
    /// Name after snake_case and aliases.
    pub name: String,
    /// Name in the source.
    pub source_name: String,
    /// Narrowest type that every non-null value fits.
    pub dtype: Dtype,
    /// Share of null cells, in [0, 1].
    pub null_rate: f64,
    /// Smallest number (numeric columns).
    pub min: Option<f64>,
    /// Largest number (numeric columns).
    pub max: Option<f64>,
    /// Whether the configured contract has this column.
    pub in_contract: bool,
}

/// A difference between the data and the configured contract.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Difference {
    /// Column.
    pub column: String,
    /// Which property differs (`present`, `dtype`, `nullable`, `min`, `max`).
    pub field: String,
    /// What the contract says.
    pub configured: String,
    /// What the data shows.
    pub observed: String,
}

/// The proposal.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ContractProposal {
    /// The column that looks like the date (canonical `fecha` first).
    pub date_column: Option<String>,
    /// Every column.
    pub columns: Vec<ProposedColumn>,
    /// Differences from the configured contract.
    pub differences: Vec<Difference>,
}

fn guess(cells: &[Cell], zone: LocalZone) -> Dtype {
    let values: Vec<&Cell> = cells.iter().filter(|c| !c.is_null()).collect();
    if values.is_empty() {
        return Dtype::Text;
    }
    let all = |f: &dyn Fn(&Cell) -> bool| values.iter().all(|c| f(c));
    if all(&|c| {
        matches!(c, Cell::Date(_))
            || matches!(c, Cell::Text(s) if chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").is_ok())
    }) {
        Dtype::Date
    } else if all(&|c| as_timestamp(c).is_ok_and(|t| t.is_some())) {
        Dtype::Timestamp
    } else if all(&|c| {
        matches!(c, Cell::Bool(_)) || matches!(c, Cell::Text(_)) && as_bool(c).is_ok()
    }) {
        Dtype::Boolean
    } else if all(&|c| as_number(c).is_ok_and(|x| x.is_some_and(|x| x.fract() == 0.0))) {
        Dtype::Integer
    } else if all(&|c| as_number(c).is_ok()) {
        Dtype::Number
    } else if all(&|c| as_date(c, zone).is_ok()) {
        Dtype::Date
    } else {
        Dtype::Text
    }
}

fn compatible(configured: Dtype, observed: Dtype) -> bool {
    configured == observed
        || (configured == Dtype::Number && observed == Dtype::Integer)
        || (configured == Dtype::Auto && matches!(observed, Dtype::Integer | Dtype::Number))
        || (configured == Dtype::Text)
        || (configured == Dtype::Date && observed == Dtype::Timestamp)
}

/// Proposes a contract from `table` and lists its differences from `contract`.
pub fn propose_table(
    table: &RawTable,
    contract: &ContractConfig,
    zone: LocalZone,
) -> Result<ContractProposal, ContractError> {
    let canon = canonicalize(table, contract)?;
    let mut columns = Vec::new();
    let mut differences = Vec::new();
    for (c, orig) in canon.table.columns.iter().zip(&table.columns) {
        let dtype = guess(&c.cells, zone);
        let nulls = c.cells.iter().filter(|x| x.is_null()).count();
        let nums: Vec<f64> = if matches!(dtype, Dtype::Integer | Dtype::Number) {
            c.cells
                .iter()
                .filter_map(|x| as_number(x).ok().flatten())
                .collect()
        } else {
            Vec::new()
        };
        let min = nums.iter().copied().reduce(f64::min);
        let max = nums.iter().copied().reduce(f64::max);
        let rule = contract.columns.get(&c.name);
        if let Some(rule) = rule {
            let mut diff = |field: &str, configured: String, observed: String| {
                differences.push(Difference {
                    column: c.name.clone(),
                    field: field.into(),
                    configured,
                    observed,
                })
            };
            if nulls < c.cells.len() && !compatible(rule.dtype, dtype) {
                diff("dtype", format!("{:?}", rule.dtype), format!("{dtype:?}"));
            }
            if !rule.nullable && nulls > 0 {
                diff("nullable", "false".into(), format!("{nulls} null(s)"));
            }
            if let (Some(lo), Some(m)) = (rule.min, min) {
                if !rule.in_range(m) && m < lo {
                    diff("min", lo.to_string(), m.to_string());
                }
            }
            if let (Some(hi), Some(m)) = (rule.max, max) {
                if !rule.in_range(m) && m > hi {
                    diff("max", hi.to_string(), m.to_string());
                }
            }
        } else {
            differences.push(Difference {
                column: c.name.clone(),
                field: "present".into(),
                configured: "not in contract".into(),
                observed: format!("{dtype:?} column"),
            });
        }
        columns.push(ProposedColumn {
            name: c.name.clone(),
            source_name: orig.name.clone(),
            dtype,
            null_rate: if table.rows == 0 {
                0.0
            } else {
                nulls as f64 / table.rows as f64
            },
            min,
            max,
            in_contract: rule.is_some(),
        });
    }
    for (name, rule) in &contract.columns {
        if canon.table.column(name).is_none() {
            differences.push(Difference {
                column: name.clone(),
                field: "present".into(),
                configured: if rule.required {
                    "required"
                } else {
                    "optional"
                }
                .into(),
                observed: "absent".into(),
            });
        }
    }
    let date_column = columns
        .iter()
        .filter(|c| c.dtype == Dtype::Date || c.dtype == Dtype::Timestamp)
        .max_by_key(|c| c.name == core_types::cols::FECHA)
        .map(|c| c.name.clone());
    Ok(ContractProposal {
        date_column,
        columns,
        differences,
    })
}

/// [`propose_table`] on a data frame.
pub fn propose(
    frame: &polars::prelude::DataFrame,
    contract: &ContractConfig,
    zone: LocalZone,
) -> Result<ContractProposal, ContractError> {
    propose_table(&RawTable::from_frame(frame)?, contract, zone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::RawColumn;

    #[test]
    fn proposes_types_and_lists_differences() {
        let t = RawTable {
            rows: 3,
            columns: vec![
                RawColumn {
                    name: "Día".into(),
                    cells: vec![
                        Cell::Text("2024-01-01".into()),
                        Cell::Text("2024-01-02".into()),
                        Cell::Text("2024-01-03".into()),
                    ],
                },
                RawColumn {
                    name: "cantidad".into(),
                    cells: vec![Cell::Float(1.5), Cell::Null, Cell::Int(-2)],
                },
                RawColumn {
                    name: "promo".into(),
                    cells: vec![Cell::Text("sí".into()), Cell::Text("no".into()), Cell::Null],
                },
                RawColumn {
                    name: "clima".into(),
                    cells: vec![
                        Cell::Text("sol".into()),
                        Cell::Text("lluvia".into()),
                        Cell::Null,
                    ],
                },
            ],
        };
        let p = propose_table(&t, &ContractConfig::default(), LocalZone::BOGOTA).unwrap();
        assert_eq!(p.date_column.as_deref(), Some("fecha"));
        let dt: Vec<(&str, Dtype)> = p
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.dtype))
            .collect();
        assert_eq!(
            dt,
            [
                ("fecha", Dtype::Date),
                ("unidades_vendidas", Dtype::Number),
                ("promocion", Dtype::Boolean),
                ("clima", Dtype::Text)
            ]
        );
        let diffs: Vec<(&str, &str)> = p
            .differences
            .iter()
            .map(|d| (d.column.as_str(), d.field.as_str()))
            .collect();
        for want in [
            ("unidades_vendidas", "nullable"),
            ("unidades_vendidas", "min"),
            ("clima", "present"),
            ("abierto", "present"),
        ] {
            assert!(diffs.contains(&want), "{want:?} missing from {diffs:?}");
        }
    }
}
