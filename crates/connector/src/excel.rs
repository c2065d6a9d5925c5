//! Spreadsheet workbooks (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`) read with calamine: the
//! first sheet (or `source.excel.sheet`), its first row the header, each column typed from
//! its cells as the planner typed them — dates as dates, numbers as numbers, anything mixed
//! as text for the contract to read cell by cell.

use std::path::Path;

use calamine::{open_workbook_auto, Data, DataType, Reader};
use chrono::NaiveDate;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::ConnectorError;

/// Workbook options (`source.excel`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExcelOptions {
    /// The sheet to read, by name (`null` = the first one).
    pub sheet: Option<String>,
}

/// Reads the sheet of `path` into a frame: one column per header cell, one row per sheet row
/// after it (rows left wholly empty at the end are dropped).
pub(crate) fn read(path: &Path, options: &ExcelOptions) -> Result<DataFrame, ConnectorError> {
    let unreadable = |message: String| ConnectorError::Unreadable {
        path: path.to_path_buf(),
        message,
    };
    let mut book = open_workbook_auto(path).map_err(|e| unreadable(e.to_string()))?;
    let range = match &options.sheet {
        Some(name) => book.worksheet_range(name).map_err(|e| {
            unreadable(format!(
                "sheet `{name}` (source.excel.sheet): {e}; the sheets are {:?}",
                book.sheet_names()
            ))
        })?,
        None => book
            .worksheet_range_at(0)
            .ok_or_else(|| unreadable("the workbook has no sheet".into()))?
            .map_err(|e| unreadable(e.to_string()))?,
    };
    let mut rows = range.rows();
    let Some(header) = rows.next() else {
        return Err(unreadable("the sheet is empty".into()));
    };
    let names: Vec<String> = header
        .iter()
        .map(|c| c.to_string().trim().to_string())
        .collect();
    let mut body: Vec<&[Data]> = rows.collect();
    while body
        .last()
        .is_some_and(|r| r.iter().all(DataType::is_empty))
    {
        body.pop();
    }
    let columns = names
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.is_empty())
        .map(|(i, name)| {
            let cells: Vec<&Data> = body
                .iter()
                .map(|r| r.get(i).unwrap_or(&Data::Empty))
                .collect();
            column(name, &cells)
        })
        .collect::<Vec<Column>>();
    DataFrame::new(body.len(), columns).map_err(|e| unreadable(e.to_string()))
}

/// One sheet column, typed by its non-empty cells: all dates → `Date`, all whole numbers →
/// `Int64`, all numbers → `Float64`, all booleans → `Boolean`, else text (numbers and dates
/// written as the sheet shows them, `#N/A` and other errors as their text).
fn column(name: &str, cells: &[&Data]) -> Column {
    let filled = || cells.iter().filter(|c| !c.is_empty());
    let all = |f: &dyn Fn(&Data) -> bool| filled().next().is_some() && filled().all(|c| f(c));
    let name: PlSmallStr = name.into();
    if all(&|c| c.is_datetime() || c.is_datetime_iso()) {
        let v: Vec<Option<NaiveDate>> = cells.iter().map(|c| c.as_date()).collect();
        if v.iter()
            .zip(cells)
            .all(|(d, c)| d.is_some() || c.is_empty())
        {
            return Column::new(name, v);
        }
    }
    if all(&|c| c.is_int()) {
        return Column::new(name, cells.iter().map(|c| c.get_int()).collect::<Vec<_>>());
    }
    if all(&|c| c.is_int() || c.is_float()) {
        return Column::new(name, cells.iter().map(|c| c.as_f64()).collect::<Vec<_>>());
    }
    if all(&|c| c.is_bool()) {
        return Column::new(name, cells.iter().map(|c| c.get_bool()).collect::<Vec<_>>());
    }
    let text: Vec<Option<String>> = cells
        .iter()
        .map(|c| match c {
            Data::Empty => None,
            Data::DateTime(_) | Data::DateTimeIso(_) => c.as_date().map(|d| d.to_string()),
            other => Some(other.to_string()),
        })
        .collect();
    Column::new(name, text)
}
