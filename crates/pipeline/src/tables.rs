//! The CSV tables of the official outputs, written with the `csv` crate next to the types
//! they print: the leaderboard, backtest predictions, candidate forecasts, daily and monthly
//! forecasts. Numbers are printed in full (Rust's shortest round-trip form); a missing
//! value is an empty cell.

use crate::train::{TrainData, Trained};
use crate::PipelineError;

fn cell(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        v.to_string()
    }
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, PipelineError> {
    w.into_inner()
        .map_err(|e| PipelineError::Table(csv::Error::from(e.into_error())))
}

fn metric_name(m: models::Metric) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// `rank,nombre,modelo,folds,error,<every metric>`: one row per candidate, in rank order.
pub fn leaderboard_csv(leaderboard: &models::Leaderboard) -> Result<Vec<u8>, PipelineError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = ["rank", "nombre", "modelo", "folds", "error"]
        .map(String::from)
        .to_vec();
    header.extend(models::Metric::ALL.iter().map(|m| metric_name(*m)));
    w.write_record(&header)?;
    for (i, e) in leaderboard.entries.iter().enumerate() {
        let mut row = vec![
            (i + 1).to_string(),
            e.nombre.clone(),
            e.label.clone(),
            e.folds.to_string(),
            e.error.clone().unwrap_or_default(),
        ];
        row.extend(
            models::Metric::ALL
                .iter()
                .map(|m| e.metrics.get(m).map(|v| cell(*v)).unwrap_or_default()),
        );
        w.write_record(&row)?;
    }
    finish(w)
}

/// `fecha,nombre,fold,actual,pred`: every candidate's backtest predictions, long format.
pub fn backtest_csv(trained: &Trained, data: &TrainData) -> Result<Vec<u8>, PipelineError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["fecha", "nombre", "fold", "actual", "pred"])?;
    for e in &trained.leaderboard.entries {
        if let Some(b) = trained.backtests.get(&e.nombre) {
            for p in &b.predictions {
                w.write_record([
                    data.fechas[p.position].to_string(),
                    e.nombre.clone(),
                    p.fold.to_string(),
                    cell(data.actuals[p.position]),
                    cell(p.pred),
                ])?;
            }
        }
    }
    finish(w)
}

/// `fecha,nombre,pred`: every ranked candidate's forecast of the horizon.
pub fn candidate_forecasts_csv(
    trained: &Trained,
    data: &TrainData,
) -> Result<Vec<u8>, PipelineError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["fecha", "nombre", "pred"])?;
    for (nombre, f) in &trained.candidate_forecasts {
        for (d, v) in data.future_dates.iter().zip(f) {
            w.write_record([d.to_string(), nombre.clone(), cell(*v)])?;
        }
    }
    finish(w)
}

/// The daily forecast: `fecha,unidades_pronosticadas,limite_inferior_<l>,limite_superior_<l>…`.
pub fn daily_csv(fc: &forecaster::Forecast) -> Result<Vec<u8>, PipelineError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["fecha".to_string(), "unidades_pronosticadas".to_string()];
    if let Some(d) = fc.daily.first() {
        for b in &d.bounds {
            header.push(format!("limite_inferior_{}", b.level));
            header.push(format!("limite_superior_{}", b.level));
        }
    }
    w.write_record(&header)?;
    for d in &fc.daily {
        let mut row = vec![d.fecha.to_string(), d.point.to_string()];
        for b in &d.bounds {
            row.push(b.lower.to_string());
            row.push(b.upper.to_string());
        }
        w.write_record(&row)?;
    }
    finish(w)
}

/// The monthly totals: `mes,dias,parcial,unidades_pronosticadas,limite_inferior_<l>,…`
/// (bounds empty for conformal intervals, which have no paths to sum).
pub fn monthly_csv(fc: &forecaster::Forecast, levels: &[f64]) -> Result<Vec<u8>, PipelineError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = ["mes", "dias", "parcial", "unidades_pronosticadas"]
        .map(String::from)
        .to_vec();
    for l in levels {
        header.push(format!("limite_inferior_{l}"));
        header.push(format!("limite_superior_{l}"));
    }
    w.write_record(&header)?;
    for m in &fc.monthly {
        let mut row = vec![
            m.mes.to_string(),
            m.dias.to_string(),
            m.parcial.to_string(),
            m.point.to_string(),
        ];
        for k in 0..levels.len() {
            match m.bounds.get(k) {
                Some(b) => {
                    row.push(b.lower.to_string());
                    row.push(b.upper.to_string());
                }
                None => row.extend([String::new(), String::new()]),
            }
        }
        w.write_record(&row)?;
    }
    finish(w)
}

/// `,<prefix>_inferior_<l>,<prefix>_superior_<l>` for every level.
fn band_header(header: &mut Vec<String>, prefix: &str, levels: &[f64]) {
    for l in levels {
        header.push(format!("{prefix}_inferior_{l}"));
        header.push(format!("{prefix}_superior_{l}"));
    }
}

fn bands(row: &mut Vec<String>, b: &simulator::Banded) {
    for (_, lo, hi) in &b.bandas {
        row.push(lo.to_string());
        row.push(hi.to_string());
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// One row of a scenario table: its lead cells, the scenario's value with bands, the delta
/// with bands, the delta in percent.
type ScenarioRow<'a> = (
    Vec<String>,
    &'a simulator::Banded,
    &'a simulator::Banded,
    Option<f64>,
);

/// The columns of a scenario table after its `lead` columns, and its rows: each row's lead
/// cells, then `unidades_escenario` with its bands, `delta`, `delta_pct` and the delta's bands.
fn scenario_table<'a>(
    lead: &[&str],
    levels: &[f64],
    rows: impl Iterator<Item = ScenarioRow<'a>>,
) -> Result<Vec<u8>, PipelineError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = lead.iter().map(|c| c.to_string()).collect();
    header.push("unidades_escenario".into());
    band_header(&mut header, "limite", levels);
    header.extend(["delta".to_string(), "delta_pct".to_string()]);
    band_header(&mut header, "delta", levels);
    w.write_record(&header)?;
    for (mut row, escenario, delta, pct) in rows {
        row.push(escenario.valor.to_string());
        bands(&mut row, escenario);
        row.extend([delta.valor.to_string(), opt(pct)]);
        bands(&mut row, delta);
        w.write_record(&row)?;
    }
    finish(w)
}

/// One scenario's days: `fecha,unidades_base,unidades_escenario,<bands>,delta,delta_pct,<delta bands>`.
pub fn scenario_daily_csv(
    s: &simulator::ScenarioResult,
    levels: &[f64],
) -> Result<Vec<u8>, PipelineError> {
    scenario_table(
        &["fecha", "unidades_base"],
        levels,
        s.diario.iter().map(|d| {
            (
                vec![d.fecha.to_string(), d.base.to_string()],
                &d.escenario,
                &d.delta,
                d.delta_pct,
            )
        }),
    )
}

/// One scenario's months: `mes,dias,parcial,unidades_base,unidades_escenario,<bands>,delta,delta_pct,<delta bands>`.
pub fn scenario_monthly_csv(
    s: &simulator::ScenarioResult,
    levels: &[f64],
) -> Result<Vec<u8>, PipelineError> {
    scenario_table(
        &["mes", "dias", "parcial", "unidades_base"],
        levels,
        s.mensual.iter().map(|m| {
            (
                vec![
                    m.mes.to_string(),
                    m.dias.to_string(),
                    m.parcial.to_string(),
                    m.base.to_string(),
                ],
                &m.escenario,
                &m.delta,
                m.delta_pct,
            )
        }),
    )
}

/// The key of the total across series in long tables.
pub const TOTAL_KEY: &str = "_total";

/// One long table from per-series tables of the same header: the key columns first, then
/// each table's columns, rows in the order given (the first table's header is the header).
pub fn keyed(
    key_columns: &[String],
    parts: &[(Vec<String>, Vec<u8>)],
) -> Result<Vec<u8>, PipelineError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut wrote_header = false;
    for (key, bytes) in parts {
        let mut r = csv::Reader::from_reader(bytes.as_slice());
        if !wrote_header {
            let mut header: Vec<String> = key_columns.to_vec();
            header.extend(r.headers()?.iter().map(str::to_string));
            w.write_record(&header)?;
            wrote_header = true;
        }
        for rec in r.records() {
            let rec = rec?;
            let mut row: Vec<&str> = key.iter().map(String::as_str).collect();
            row.extend(rec.iter());
            w.write_record(&row)?;
        }
    }
    finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_tables_put_the_key_first_and_keep_every_row() {
        let a = b"fecha,y\n2025-01-01,1\n2025-01-02,2\n".to_vec();
        let b = b"fecha,y\n2025-01-01,10\n".to_vec();
        let out = keyed(
            &["tienda".into(), "producto".into()],
            &[
                (vec!["centro".into(), "buñuelo".into()], a),
                (vec!["norte".into(), "buñuelo".into()], b),
            ],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "tienda,producto,fecha,y\ncentro,buñuelo,2025-01-01,1\ncentro,buñuelo,2025-01-02,2\nnorte,buñuelo,2025-01-01,10\n"
        );
    }
}
