//! The planner's page (`outputs/figures/informe_latest.html`) of a whole run: built from the
//! reports and tables the phases published, rendered by [`report::page`].

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use report::page::{Coverage, Drift, Health, Informe, MonthRow, Quality, ScenarioRow, Skipped};
use report::svg::FanDay;
use report::Lang;
use serde_json::Value;
use store::{Area, Store};

use super::{read_after_cutoff, read_cleansed};
use crate::config::AppConfig;
use crate::PipelineError;

fn f(v: &Value) -> Option<f64> {
    v.as_f64().filter(|x| x.is_finite())
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// `(level, lower, upper)` of a report's `bounds` (`[{level, lower, upper}]`) or `bandas`
/// (`[[level, lower, upper]]`), narrowest level first.
fn bands(v: &Value) -> Vec<(f64, f64, f64)> {
    let mut out: Vec<(f64, f64, f64)> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| match b {
            Value::Array(a) => Some((f(a.first()?)?, f(a.get(1)?)?, f(a.get(2)?)?)),
            Value::Object(_) => Some((f(&b["level"])?, f(&b["lower"])?, f(&b["upper"])?)),
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// The daily forecast table (`forecast_daily` CSV) as fan-chart days.
fn daily(bytes: &[u8], levels: &[f64]) -> Result<Vec<FanDay>, PipelineError> {
    let mut rd = csv::Reader::from_reader(bytes);
    let headers = rd.headers()?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let fecha = col("fecha");
    let point = col("unidades_pronosticadas");
    let bounds: Vec<(f64, Option<usize>, Option<usize>)> = levels
        .iter()
        .map(|l| {
            let k = report::numfmt::number(*l, 0, Lang::En);
            (
                *l,
                col(&format!("limite_inferior_{k}")),
                col(&format!("limite_superior_{k}")),
            )
        })
        .collect();
    let mut out = Vec::new();
    for rec in rd.records() {
        let rec = rec?;
        let num = |i: Option<usize>| {
            i.and_then(|i| rec.get(i))
                .and_then(|t| t.parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        let mut b: Vec<(f64, f64, f64)> = bounds
            .iter()
            .filter(|(_, lo, hi)| lo.is_some() && hi.is_some())
            .map(|(l, lo, hi)| (*l, num(*lo), num(*hi)))
            .collect();
        b.sort_by(|x, y| x.0.total_cmp(&y.0));
        out.push(FanDay {
            fecha: fecha
                .and_then(|i| rec.get(i))
                .unwrap_or_default()
                .to_string(),
            point: num(point),
            bands: b,
        });
    }
    Ok(out)
}

/// The total of `year-month` in the observed history, when every day of it has a value.
fn month_total(observed: &BTreeMap<NaiveDate, f64>, year: i32, month: u32) -> Option<f64> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let days = (next - first).num_days() as usize;
    let vals: Vec<f64> = observed.range(first..next).map(|(_, v)| *v).collect();
    (vals.len() == days).then(|| vals.iter().sum())
}

fn month_rows(
    monthly: &Value,
    observed: &BTreeMap<NaiveDate, f64>,
    actuals: &BTreeMap<NaiveDate, f64>,
) -> Vec<MonthRow> {
    monthly
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let mes = s(&m["mes"]);
            let ym = NaiveDate::parse_from_str(&format!("{mes}-01"), "%Y-%m-%d").ok();
            let dias = m["dias"].as_u64().unwrap_or(0) as usize;
            let parcial = m["parcial"].as_bool().unwrap_or(false);
            let last_year = ym
                .filter(|_| !parcial)
                .and_then(|d| month_total(observed, d.year() - 1, d.month()));
            let actual = ym
                .filter(|_| !parcial)
                .and_then(|d| month_total(actuals, d.year(), d.month()));
            MonthRow {
                mes,
                dias,
                parcial,
                point: f(&m["point"]).unwrap_or(f64::NAN),
                bands: bands(&m["bounds"]),
                last_year,
                actual,
            }
        })
        .collect()
}

fn health(train: &Value, forecast: &Value, spec: Option<&models::ModelSpec>, lang: Lang) -> Health {
    let champion = s(&train["body"]["champion"]);
    let entries = train["body"]["leaderboard"]["entries"].as_array();
    let entry = |name: &str| entries.into_iter().flatten().find(|e| e["nombre"] == name);
    let champ = entry(&champion);
    let naive = entries.into_iter().flatten().find(|e| {
        e["nombre"]
            .as_str()
            .is_some_and(|n| n.starts_with("seasonal_naive"))
    });
    let metric = |e: Option<&Value>, m: &str| e.and_then(|e| f(&e["metrics"][m]));
    let vs_naive = match (metric(champ, "mase7"), metric(naive, "mase7")) {
        (Some(c), Some(n)) if n > 0.0 => Some(1.0 - c / n),
        _ => None,
    };
    let fb = &forecast["body"];
    let holdout = &fb["holdout"]["overall"];
    let ho_cov: BTreeMap<String, f64> = holdout["intervals"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| Some((format!("{}", f(&i["level"])?), f(&i["coverage"])?)))
        .collect();
    let coverage = fb["calibracion"]["levels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| {
            let level = f(&l["level"])?;
            Some(Coverage {
                level,
                backtest: f(&l["after"]),
                holdout: ho_cov.get(&format!("{level}")).copied(),
            })
        })
        .collect();
    Health {
        champion: spec
            .map(|sp| crate::words::model(sp, lang))
            .unwrap_or(champion),
        backtest_wape: metric(champ, "wape"),
        respaldo: train["body"]["respaldo"].is_string(),
        folds: champ.and_then(|e| e["folds"].as_u64()).unwrap_or(0) as usize,
        vs_naive,
        holdout_wape: f(&holdout["wape"]),
        holdout_mase: f(&holdout["mase7"]),
        holdout_days: holdout["days"].as_u64().unwrap_or(0) as usize,
        coverage,
    }
}

fn quality(cleansing: &Value, validation: &Value, lang: Lang) -> Quality {
    let r = &cleansing["body"]["report"];
    let n = |v: &Value| v.as_u64().unwrap_or(0) as usize;
    Quality {
        days: n(&r["days_out"]),
        first: s(&r["first_date"]),
        last: s(&r["last_date"]),
        missing: n(&r["missing_dates"]),
        flagged: r["flag_counts"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (crate::words::motivo(k, lang), n(v)))
            .collect(),
        imputed: n(&r["imputed_days"]),
        closed: n(&r["closed_days"]),
        errors: n(&validation["body"]["errors"]),
        warnings: n(&validation["body"]["warnings"]),
    }
}

fn scenarios(sim: &Value) -> (Vec<ScenarioRow>, Vec<Skipped>) {
    let b = &sim["body"];
    let rows = b["resumen"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| ScenarioRow {
            descripcion: s(&r["descripcion"]),
            dias_afectados: r["dias_afectados"].as_u64().unwrap_or(0) as usize,
            modelado: r["efecto_modelado"].as_bool().unwrap_or(true),
            delta: f(&r["total"]["delta"]["valor"]).unwrap_or(f64::NAN),
            // The report's percentage, as a fraction.
            delta_pct: f(&r["total"]["delta_pct"]).map(|p| p / 100.0),
            bands: bands(&r["total"]["delta"]["bandas"]),
            notas: r["notas"].as_array().into_iter().flatten().map(s).collect(),
        })
        .collect();
    let skipped = b["omitidos"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| Skipped {
            descripcion: s(&o["descripcion"]),
            motivo: s(&o["motivo"]),
        })
        .collect();
    (rows, skipped)
}

/// The page's data from the run's published reports and tables (`None` without a forecast).
pub fn build(store: &mut dyn Store, cfg: &AppConfig) -> Result<Option<Informe>, PipelineError> {
    let lang = cfg.report.language;
    let read = |name: &str| -> Result<Value, PipelineError> {
        Ok(match store.peek(Area::Reports, name, "json")? {
            Some(b) => serde_json::from_slice(&b)?,
            None => Value::Null,
        })
    };
    let forecast = read("forecast")?;
    if forecast.is_null() {
        return Ok(None);
    }
    let (train, sim, monitor) = (read("train")?, read("simulation")?, read("monitor")?);
    let (cleansing, validation, ingest) =
        (read("cleansing")?, read("validation")?, read("ingest")?);
    let features_report = read("features")?;
    let stop = &features_report["body"]["report"]["serie_detenida"];
    let historia_corta = serde_json::from_value::<features::FeaturesReport>(
        features_report["body"]["report"].clone(),
    )
    .ok()
    .map(|r| r.history_span_days())
    .filter(|d| *d < features::YEAR_DAYS);
    let detenida = stop["desde"].as_str().map(|d| {
        let dias = stop["dias_sin_ventas"].as_u64().unwrap_or(0) as usize;
        (d.to_string(), dias)
    });
    let fb = &forecast["body"];
    let levels: Vec<f64> = fb["intervals"]["levels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(f)
        .collect();
    let Some(daily_bytes) = store.peek(Area::Forecast, "forecast_daily", "csv")? else {
        return Ok(None);
    };
    let forecast_days = daily(&daily_bytes, &levels)?;
    let cleansed = read_cleansed(store)?;
    let observed = crate::frames::observed_history(&cleansed)?;
    let after = read_after_cutoff(store)?;
    let actual_days = crate::frames::observed_actuals(&after)?;
    let cutoff = NaiveDate::parse_from_str(&s(&fb["trained_until"]), "%Y-%m-%d").ok();
    let fechas = crate::frames::dates(&cleansed, "cleansed")?;
    let days_back = cfg.forecast.fan_history_days.max(1) as u64;
    let from = cutoff.map(|c| c - chrono::Days::new(days_back - 1));
    let history: Vec<(String, Option<f64>)> = fechas
        .iter()
        .filter(|d| from.is_none_or(|f| **d >= f) && cutoff.is_none_or(|c| **d <= c))
        .map(|d| (d.to_string(), observed.get(d).copied()))
        .collect();
    let shown: std::collections::BTreeSet<&str> = history.iter().map(|h| h.0.as_str()).collect();
    let flagged: Vec<(String, f64, String)> = cleansing["body"]["report"]["flags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|fl| {
            let d = s(&fl["fecha"]);
            let v = fl["valor_original"]
                .as_str()
                .and_then(contract::parse_number)
                .or_else(|| f(&fl["baseline"]))?;
            shown
                .contains(d.as_str())
                .then(|| (d, v, crate::words::motivo(&s(&fl["motivo"]), lang)))
        })
        .collect();
    let horizon: std::collections::BTreeSet<&str> =
        forecast_days.iter().map(|d| d.fecha.as_str()).collect();
    let actuals: Vec<(String, f64)> = actual_days
        .iter()
        .map(|(d, v)| (d.to_string(), *v))
        .filter(|(d, _)| horizon.contains(d.as_str()))
        .collect();
    let months = month_rows(&fb["monthly"], &observed, &actual_days);
    let total_units = f(&fb["total_units"]).unwrap_or(f64::NAN);
    let champion_spec = super::read_champion(store)
        .ok()
        .map(|c| c.artifact().spec.clone());
    let (scenario_rows, skipped) = scenarios(&sim);
    let mb = &monitor["body"];
    let source = &ingest["body"]["source"];
    // The source in words: the demo, a file's name (without folder or extension), or the
    // source's configured name.
    let file_stem = source["input_files"]
        .as_array()
        .and_then(|f| f.first())
        .and_then(|f| f["path"].as_str())
        .and_then(|p| std::path::Path::new(p).file_stem())
        .map(|p| p.to_string_lossy().replace('_', " "));
    let fuente = match (source["kind"].as_str(), file_stem) {
        (Some("demo"), _) => lang
            .pick("buñuelos (datos de demostración)", "buñuelos (demo data)")
            .to_string(),
        (_, Some(stem)) => stem,
        _ => match source["name"].as_str() {
            Some(n) if !n.is_empty() => n.replace('_', " "),
            _ => lang.pick("ventas diarias", "daily sales").to_string(),
        },
    };
    Ok(Some(Informe {
        lang,
        fuente,
        run_id: s(&forecast["run_id"]),
        cutoff: s(&fb["trained_until"]),
        horizon_start: s(&fb["horizon_start"]),
        horizon_end: s(&fb["horizon_end"]),
        history,
        flagged,
        forecast: forecast_days,
        actuals,
        total: Some(MonthRow {
            mes: "total".into(),
            dias: fb["days"].as_u64().unwrap_or(0) as usize,
            parcial: false,
            point: total_units,
            bands: Vec::new(),
            last_year: None,
            actual: None,
        }),
        detenida,
        historia_corta,
        months,
        scenarios: scenario_rows,
        skipped,
        health: health(&train, &forecast, champion_spec.as_ref(), lang),
        quality: quality(&cleansing, &validation, lang),
        drift: Drift {
            level: crate::words::drift_level(mb["status"].as_str().unwrap_or_default()),
            forecasts_scored: mb["forecasts_scored"].as_u64().unwrap_or(0) as usize,
            // The monitor writes its notes in Spanish.
            notas: match lang {
                Lang::Es => mb["notas"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(s)
                    .collect(),
                Lang::En => Vec::new(),
            },
        },
    }))
}

/// Writes `figures/informe` (dual-persisted HTML) from the run's outputs; nothing without a
/// forecast.
pub fn informe(store: &mut dyn Store, cfg: &AppConfig) -> Result<(), PipelineError> {
    let Some(inf) = build(store, cfg)? else {
        tracing::info!("no forecast published yet: the report page is not written");
        return Ok(());
    };
    let html = report::render_page(&inf)?;
    store.put(Area::Figures, "informe", "html", html.as_bytes(), None)?;
    Ok(())
}
