//! The executive summary of the phases that ran, rendered from the reports' JSON (never from
//! numbers typed by hand). [`numbers_in`] and [`all_numbers_come_from`] let a test check that
//! every number in the text appears in the source reports.

use serde_json::Value;

fn get<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |acc, k| &acc[k])
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() != 0.0 => format!("{f:.2}"),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// The reports a summary is built from (`_latest` JSON of each phase that ran).
#[derive(Debug, Clone, Default)]
pub struct Reports {
    /// Phase 00 profile.
    pub explore: Option<Value>,
    /// Phase 01 snapshot.
    pub ingest: Option<Value>,
    /// Phase 01 contract validation.
    pub validation: Option<Value>,
    /// Phase 02 cleansing.
    pub cleansing: Option<Value>,
    /// Phase 03 analysis.
    pub eda: Option<Value>,
    /// Phase 04 features.
    pub features: Option<Value>,
    /// Phase 05 training.
    pub train: Option<Value>,
    /// Phase 06 forecast.
    pub forecast: Option<Value>,
    /// Phase 07 scenarios.
    pub simulation: Option<Value>,
    /// Phase 08 monitoring.
    pub monitor: Option<Value>,
}

impl Reports {
    /// Every report present.
    pub fn all(&self) -> Vec<&Value> {
        [
            &self.explore,
            &self.ingest,
            &self.validation,
            &self.cleansing,
            &self.eda,
            &self.features,
            &self.train,
            &self.forecast,
            &self.simulation,
            &self.monitor,
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

use crate::config::Language;

fn pick(lang: Language, es: &'static str, en: &'static str) -> &'static str {
    match lang {
        Language::Es => es,
        Language::En => en,
    }
}

/// `format!` in the summary's language: `tr!(lang, "es {}", "en {}", args…)`.
macro_rules! tr {
    ($lang:expr, $es:literal, $en:literal $(, $arg:expr)* $(,)?) => {
        match $lang {
            Language::Es => format!($es $(, $arg)*),
            Language::En => format!($en $(, $arg)*),
        }
    };
}

/// Markdown summary (Spanish by default, for the business) of the phases that ran.
pub fn render(r: &Reports, lang: Language) -> String {
    let mut s = String::new();
    let mut power = Vec::new();
    let mut truths = Vec::new();
    let run = r
        .all()
        .first()
        .map(|v| show(&v["run_id"]))
        .unwrap_or_default();
    s.push_str(pick(
        lang,
        "# Resumen ejecutivo\n\n",
        "# Executive summary\n\n",
    ));
    if let Some(explore) = &r.explore {
        let e = get(explore, "body");
        let date = get(e, "profile.date");
        s.push_str(&tr!(
            lang,
            "Corrida `{run}`; fuente: {}.\n\n",
            "Run `{run}`; source: {}.\n\n",
            show(get(e, "source.description"))
        ));
        power.push(tr!(
            lang,
            "La fuente entregó **{}** filas entre **{}** y **{}** ({} días calendario, {} fechas distintas).",
            "The source delivered **{}** rows between **{}** and **{}** ({} calendar days, {} distinct dates).",
            show(get(e, "profile.rows")),
            show(&date["first"]),
            show(&date["last"]),
            show(&date["calendar_days"]),
            show(&date["distinct_dates"]),
        ));
        if let Some(units) = get(e, "profile.columns")
            .as_array()
            .and_then(|cols| cols.iter().find(|c| c["name"] == "unidades_vendidas"))
        {
            power.push(tr!(
                lang,
                "Unidades vendidas por día en bruto: media {}, mínimo {}, máximo {}.",
                "Raw units sold per day: mean {}, minimum {}, maximum {}.",
                show(&units["mean"]),
                show(&units["min"]),
                show(&units["max"]),
            ));
        }
        truths.push(tr!(
            lang,
            "En bruto faltan **{}** fechas del rango, en {} huecos; el más largo dura {} días y empieza el {}.",
            "**{}** dates of the range are missing in the raw data, in {} gaps; the longest lasts {} days and starts on {}.",
            show(&date["missing_dates"]),
            show(&date["gaps"]),
            show(&date["longest_gap_days"]),
            show(&date["longest_gap_start"]),
        ));
    }
    if let Some(ingest) = &r.ingest {
        let i = get(ingest, "body");
        power.push(tr!(
            lang,
            "La instantánea cruda inmutable `{}` tiene **{}** filas (SHA-256 `{}`).",
            "The immutable raw snapshot `{}` has **{}** rows (SHA-256 `{}`).",
            show(get(i, "snapshot.path")),
            show(&i["rows"]),
            show(get(i, "snapshot.sha256")),
        ));
    }
    if let Some(v) = &r.validation {
        let b = get(v, "body");
        let verdict = match (b["passed"] == Value::Bool(true), lang) {
            (true, Language::Es) => "aprobó",
            (false, Language::Es) => "NO aprobó",
            (true, Language::En) => "passed",
            (false, Language::En) => "did NOT pass",
        };
        power.push(tr!(
            lang,
            "El contrato de datos {verdict}: {} errores, {} advertencias; {} días limpios.",
            "The data contract {verdict}: {} errors, {} warnings; {} clean days.",
            show(&b["errors"]),
            show(&b["warnings"]),
            show(&b["clean_days"]),
        ));
        for f in b["failures"].as_array().into_iter().flatten() {
            truths.push(tr!(
                lang,
                "Contrato — {} `{}`{}: {} fila(s).",
                "Contract — {} `{}`{}: {} row(s).",
                show(&f["severity"]),
                show(&f["rule"]),
                f["column"]
                    .as_str()
                    .map(|c| tr!(lang, " en `{c}`", " in `{c}`"))
                    .unwrap_or_default(),
                show(&f["count"]),
            ));
        }
    }
    if let Some(c) = &r.cleansing {
        let b = get(c, "body.report");
        power.push(tr!(
            lang,
            "La serie limpia tiene **{}** días de {} a {}, con {} días limpios.",
            "The cleansed series has **{}** days from {} to {}, {} of them clean.",
            show(&b["days_out"]),
            show(&b["first_date"]),
            show(&b["last_date"]),
            show(&b["clean_days"]),
        ));
        let flags: Vec<String> = b["flags"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| format!("{} ({})", show(&f["fecha"]), show(&f["motivo"])))
            .collect();
        truths.push(tr!(
            lang,
            "Se marcaron **{}** días: {}. Los valores inválidos y atípicos pasan a faltantes (nunca a 0) y el original queda en `unidades_originales`; el duplicado idéntico conserva su valor.",
            "**{}** days were flagged: {}. Invalid values and outliers become missing (never 0) and the original stays in `unidades_originales`; the identical duplicate keeps its value.",
            flags.len(),
            flags.join(", "),
        ));
        truths.push(tr!(
            lang,
            "{} fechas faltantes quedan como filas vacías; la política `{}` imputó {} días solo en `unidades_modelo` y dejó {} sin valor.",
            "{} missing dates stay as empty rows; the `{}` policy imputed {} days, only in `unidades_modelo`, and left {} without a value.",
            show(&b["missing_dates"]),
            show(&b["imputation_policy"]),
            show(&b["imputed_days"]),
            show(&b["left_missing"]),
        ));
    }
    if let Some(e) = &r.eda {
        let a = get(e, "body.analysis");
        let ratio = |list: &Value, name: &str| {
            list.as_array()
                .and_then(|l| l.iter().find(|u| u["name"] == name))
                .map(|u| show(&u["ratio"]))
                .unwrap_or_else(|| "—".into())
        };
        power.push(tr!(
            lang,
            "Estacionalidad: fuerza semanal {}, anual {}; rezagos sugeridos por la ACF: {}.",
            "Seasonality: weekly strength {}, yearly {}; lags suggested by the ACF: {}.",
            show(&a["seasonality_strength_weekly"]),
            show(&a["seasonality_strength_yearly"]),
            a["suggested_lags"]
                .as_array()
                .map(|l| l.iter().map(show).collect::<Vec<_>>().join(", "))
                .unwrap_or_default(),
        ));
        power.push(tr!(
            lang,
            "Frente a los días ordinarios del año, Nochebuena vende {}× y Nochevieja {}×; frente al nivel local, la ventana de quincena {}×, la prima {}× y las promociones {}×.",
            "Against ordinary days of the year, Christmas Eve sells {}× and New Year's Eve {}×; against the local level, the payday window {}×, the prima {}× and promotions {}×.",
            ratio(&a["december"], "nochebuena"),
            ratio(&a["december"], "nochevieja"),
            ratio(&a["uplifts"], "post_payday_window"),
            ratio(&a["uplifts"], "prima_window"),
            ratio(&a["uplifts"], "promocion"),
        ));
        for p in a["pandemic"].as_array().into_iter().flatten() {
            if p["phase"] != 0 {
                truths.push(tr!(
                    lang,
                    "Pandemia, fase {}: nivel {} del año previo ({} días).",
                    "Pandemic, phase {}: level {} of the year before ({} days).",
                    show(&p["phase"]),
                    show(&p["ratio_to_pre_pandemic"]),
                    show(&p["days"]),
                ));
            }
        }
    }
    if let Some(f) = &r.features {
        let n = show(&get(f, "body")["n_features"]);
        let b = get(f, "body.report");
        power.push(tr!(
            lang,
            "Capa de modelado: {} variables para {} días de historia y {} días de horizonte ({} a {}).",
            "Modelling layer: {} features for {} days of history and {} days of horizon ({} to {}).",
            n,
            show(&b["history_rows"]),
            show(&b["future_rows"]),
            show(&b["horizon_start"]),
            show(&b["horizon_end"]),
        ));
    }
    if let Some(t) = &r.train {
        let b = get(t, "body");
        let entries = b["leaderboard"]["entries"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let metric = show(&b["leaderboard"]["metric"]);
        let find = |name: &str| entries.iter().find(|e| e["nombre"] == name).cloned();
        // The champion named by phase 05 (a preferred combination need not rank first).
        let champion = b["champion"]
            .as_str()
            .and_then(find)
            .or_else(|| entries.first().cloned());
        if let Some(champ) = &champion {
            let how = match entries.first() {
                Some(best) if best["nombre"] != champ["nombre"] => tr!(
                    lang,
                    "preferida por `train.preferencia` (la mejor en backtest, `{}`, no la supera por el margen)",
                    "preferred by `train.preferencia` (the best backtest, `{}`, does not beat it by the margin)",
                    show(&best["nombre"]),
                ),
                _ => tr!(lang, "por backtest", "by backtest"),
            };
            power.push(tr!(
                lang,
                "Modelo campeón: `{}` ({}), elegido entre {} candidatos {how}: {metric} {}, WAPE {}, MAE {}.",
                "Champion model: `{}` ({}), chosen among {} candidates {how}: {metric} {}, WAPE {}, MAE {}.",
                show(&champ["nombre"]),
                show(&champ["label"]),
                entries.len(),
                show(&champ["metrics"][metric.as_str()]),
                show(&champ["metrics"]["wape"]),
                show(&champ["metrics"]["mae"]),
            ));
        }
        if let Some(naive) = find("seasonal_naive_7") {
            truths.push(tr!(
                lang,
                "La referencia ingenua semanal (`seasonal_naive_7`) obtiene {metric} {} y MAE {} en los mismos pliegues.",
                "The weekly naive reference (`seasonal_naive_7`) gets {metric} {} and MAE {} on the same folds.",
                show(&naive["metrics"][metric.as_str()]),
                show(&naive["metrics"]["mae"]),
            ));
        }
    }
    if let Some(f) = &r.forecast {
        let b = get(f, "body");
        power.push(tr!(
            lang,
            "Pronóstico de {} días ({} a {}) con el campeón `{}`: {} unidades en total.",
            "Forecast of {} days ({} to {}) with the champion `{}`: {} units in total.",
            show(&b["days"]),
            show(&b["horizon_start"]),
            show(&b["horizon_end"]),
            show(&b["champion"]),
            show(&b["total_units"]),
        ));
        for m in b["monthly"].as_array().into_iter().flatten().take(3) {
            let band = m["bounds"]
                .as_array()
                .and_then(|v| v.first())
                .map(|x| {
                    tr!(
                        lang,
                        " (intervalo {} %: {} a {})",
                        " ({} % interval: {} to {})",
                        show(&x["level"]),
                        show(&x["lower"]),
                        show(&x["upper"])
                    )
                })
                .unwrap_or_default();
            let partial = if m["parcial"] == true {
                tr!(
                    lang,
                    ", mes parcial de {} días",
                    ", partial month of {} days",
                    show(&m["dias"])
                )
            } else {
                String::new()
            };
            power.push(tr!(
                lang,
                "Total de {}: {} unidades{band}{partial}.",
                "Total for {}: {} units{band}{partial}.",
                show(&m["mes"]),
                show(&m["point"]),
            ));
        }
        let h = &b["holdout"];
        if !h.is_null() {
            let o = &h["overall"];
            let cov: Vec<String> = o["intervals"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|i| format!("{} % → {}", show(&i["level"]), show(&i["coverage"])))
                .collect();
            truths.push(tr!(
                lang,
                "Prueba fuera de muestra ({} días, {} a {}): MASE7 {}, WAPE {}, MAE {}; cobertura de los intervalos {}.",
                "Hold-out test ({} days, {} to {}): MASE7 {}, WAPE {}, MAE {}; interval coverage {}.",
                show(&o["days"]),
                show(&h["from"]),
                show(&h["until"]),
                show(&o["mase7"]),
                show(&o["wape"]),
                show(&o["mae"]),
                cov.join(", "),
            ));
        }
    }
    if let Some(sim) = &r.simulation {
        for e in get(sim, "body.resumen").as_array().into_iter().flatten() {
            let t = &e["total"];
            let band = t["delta"]["bandas"]
                .as_array()
                .and_then(|v| v.first())
                .map(|b| {
                    tr!(
                        lang,
                        " (intervalo {} %: {} a {})",
                        " ({} % interval: {} to {})",
                        show(&b[0]),
                        show(&b[1]),
                        show(&b[2])
                    )
                })
                .unwrap_or_default();
            let line = tr!(
                lang,
                "Escenario `{}`: el total del horizonte cambia {} unidades ({} %){band}.",
                "Scenario `{}`: the horizon total changes by {} units ({} %){band}.",
                show(&e["nombre"]),
                show(&t["delta"]["valor"]),
                show(&t["delta_pct"]),
            );
            if e["efecto_modelado"] == false {
                truths.push(tr!(
                    lang,
                    "Escenario `{}`: sin efecto modelado (el campeón no usa las variables que cambia).",
                    "Scenario `{}`: no modelled effect (the champion does not use the inputs it changes).",
                    show(&e["nombre"])
                ));
            } else {
                power.push(line);
            }
        }
    }
    if let Some(m) = &r.monitor {
        let b = get(m, "body");
        let h = &b["latest"]["health"];
        if h.is_null() {
            truths.push(tr!(
                lang,
                "Monitoreo: estado {} (aún no hay ventas reales posteriores a un pronóstico guardado).",
                "Monitoring: status {} (no actual sales after a kept forecast yet).",
                show(&b["status"])
            ));
        } else {
            truths.push(tr!(
                lang,
                "Monitoreo: estado {} sobre {} días con ventas reales; WAPE {} frente a {} esperado en el backtest; MASE7 {}.",
                "Monitoring: status {} over {} days with actual sales; WAPE {} against {} expected from the backtest; MASE7 {}.",
                show(&b["status"]),
                show(&h["overall"]["days"]),
                show(&h["overall"]["wape"]),
                show(&h["expected_wape"]),
                show(&h["overall"]["mase7"]),
            ));
        }
    }
    s.push_str(pick(lang, "## Puntos de poder\n\n", "## Strengths\n\n"));
    for p in power {
        s.push_str(&format!("- {p}\n"));
    }
    s.push_str(pick(
        lang,
        "\n## Verdades críticas\n\n",
        "\n## Critical truths\n\n",
    ));
    for t in truths {
        s.push_str(&format!("- {t}\n"));
    }
    s
}

/// Every number written in `text`: ISO dates as one token, other numbers as `f64`.
pub fn numbers_in(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts = b[i].is_ascii_digit() && (i == 0 || !(b[i - 1].is_ascii_alphanumeric()));
        // `SHA-256`, `UTF-8`: a number glued to a word by a hyphen is part of a name.
        let glued = i > 1 && b[i - 1] == b'-' && b[i - 2].is_ascii_alphanumeric();
        if !starts || glued {
            if b[i].is_ascii_digit() {
                while i < b.len() && b[i].is_ascii_alphanumeric() {
                    i += 1;
                }
            } else {
                i += 1;
            }
            continue;
        }
        let mut j = i;
        while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_alphabetic() {
            // part of an identifier or a hash: skip the whole word
            while j < b.len() && b[j].is_ascii_alphanumeric() {
                j += 1;
            }
            i = j;
            continue;
        }
        let tok = text[i..j].trim_end_matches(['.', '-']);
        if !tok.is_empty() {
            let neg = i > 0 && b[i - 1] == b'-';
            out.push(if neg {
                format!("-{tok}")
            } else {
                tok.to_string()
            });
        }
        i = j;
    }
    out
}

fn collect(v: &Value, nums: &mut Vec<f64>, strings: &mut Vec<String>) {
    match v {
        Value::Number(n) => nums.extend(n.as_f64()),
        Value::String(s) => {
            if let Ok(f) = s.parse::<f64>() {
                nums.push(f);
            }
            strings.push(s.clone());
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, nums, strings)),
        Value::Object(o) => o.values().for_each(|x| collect(x, nums, strings)),
        _ => {}
    }
}

/// Checks that every number of `text` appears in one of the `reports` (dates as text,
/// other numbers equal after rounding to the decimals shown). Returns the ones that do not.
pub fn all_numbers_come_from(text: &str, reports: &[&Value]) -> Vec<String> {
    let (mut nums, mut strings) = (Vec::new(), Vec::new());
    for r in reports {
        collect(r, &mut nums, &mut strings);
    }
    numbers_in(text)
        .into_iter()
        .filter(|tok| {
            if tok.matches('-').count() >= 2 {
                return !strings.iter().any(|s| s.contains(tok.as_str()));
            }
            let in_text = strings
                .iter()
                .any(|s| numbers_in(s).iter().any(|t| t == tok));
            let Ok(x) = tok.parse::<f64>() else {
                return !in_text;
            };
            if in_text {
                return false;
            }
            let decimals = tok.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
            let scale = 10f64.powi(decimals);
            !nums
                .iter()
                .any(|n| ((n * scale).round() - x * scale).abs() < 0.5)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_tokenised_without_hashes_or_identifiers() {
        let t = "rows **2889** from 2018-01-01, mean 467.3, sha `3fa9b2`, id ab12, -40 and 1e, SHA-256.";
        assert_eq!(numbers_in(t), ["2889", "2018-01-01", "467.3", "-40"]);
    }

    #[test]
    fn numbers_not_in_the_report_are_caught() {
        let report = serde_json::json!({"body": {"rows": 10, "mean": 4.26, "first": "2020-01-01"}});
        assert!(
            all_numbers_come_from("10 rows, mean 4.3, since 2020-01-01", &[&report]).is_empty()
        );
        assert_eq!(
            all_numbers_come_from("11 rows, mean 4.2, since 2020-01-02", &[&report]),
            ["11", "4.2", "2020-01-02"]
        );
    }
}
