//! The executive summary in the business's words: what to produce each month (the point
//! forecast and a prudent upper value), how that compares with the same month last year, how
//! reliable the forecast has been, the scenarios, the data and the drift status. Written from
//! the same [`Informe`] as the planner's page, so the page and the summary never disagree;
//! numbers in es-CO (`101.523,5`) or English by `report.language`. No codes, hashes or
//! engineering names: those stay in the reports.

use report::numfmt::{self, Lang};
use report::page::{DriftLevel, Informe};
use serde_json::Value;

macro_rules! tr {
    ($lang:expr, $es:literal, $en:literal $(, $arg:expr)* $(,)?) => {
        match $lang {
            Lang::Es => format!($es $(, $arg)*),
            Lang::En => format!($en $(, $arg)*),
        }
    };
}

fn ratio_of(list: &Value, name: &str) -> Option<f64> {
    list.as_array()?
        .iter()
        .find(|u| u["name"] == name)?
        .get("ratio")?
        .as_f64()
}

/// The demand patterns the analysis measured (phase 03), in words.
fn patterns(eda: &Value, lang: Lang) -> Vec<String> {
    let a = &eda["body"]["analysis"];
    let times = |v: f64| format!("{}×", numfmt::number(v, 2, lang));
    let mut out = Vec::new();
    let december: Vec<String> = [
        ("nochebuena", "Nochebuena", "Christmas Eve"),
        ("nochevieja", "Nochevieja", "New Year's Eve"),
    ]
    .iter()
    .filter_map(|(k, es, en)| {
        ratio_of(&a["december"], k).map(|r| format!("{} {}", lang.pick(es, en), times(r)))
    })
    .collect();
    if !december.is_empty() {
        out.push(tr!(
            lang,
            "Frente a un día ordinario del año se vende: {}.",
            "Against an ordinary day of the year, sales are: {}.",
            december.join(", ")
        ));
    }
    let uplifts: Vec<String> = [
        (
            "post_payday_window",
            "los días después de quincena",
            "the days after payday",
        ),
        (
            "prima_window",
            "la temporada de prima",
            "the prima bonus season",
        ),
        ("promocion", "los días de promoción", "promotion days"),
        ("festivo", "los festivos", "public holidays"),
    ]
    .iter()
    .filter_map(|(k, es, en)| {
        ratio_of(&a["uplifts"], k).map(|r| format!("{} {}", lang.pick(es, en), times(r)))
    })
    .collect();
    if !uplifts.is_empty() {
        out.push(tr!(
            lang,
            "Frente a las semanas de alrededor se vende: {}.",
            "Against the surrounding weeks, sales are: {}.",
            uplifts.join(", ")
        ));
    }
    out
}

/// The summary, in Markdown.
pub fn render(inf: &Informe, eda: Option<&Value>) -> String {
    let lang = inf.lang;
    let u = |v: f64| numfmt::units(v, lang);
    let pct = |v: f64| numfmt::percent(v, 1, lang);
    let day = |d: &str| numfmt::day(d, None, lang);
    let mut s = String::new();
    s.push_str(&tr!(
        lang,
        "# Resumen ejecutivo: {}\n\n",
        "# Executive summary: {}\n\n",
        inf.fuente
    ));
    s.push_str(&tr!(
        lang,
        "Pronóstico del {} al {}, con ventas hasta el {} (corrida {}).\n\n",
        "Forecast from {} to {}, with sales up to {} (run {}).\n\n",
        day(&inf.horizon_start),
        day(&inf.horizon_end),
        day(&inf.cutoff),
        inf.run_id
    ));

    s.push_str(lang.pick(
        "## Qué producir cada mes\n\n",
        "## What to produce each month\n\n",
    ));
    let level = inf
        .months
        .first()
        .and_then(|m| m.bands.first())
        .map(|b| numfmt::number(b.0, 0, lang))
        .unwrap_or_default();
    s.push_str(&tr!(
        lang,
        "| Mes | Producir | Tope prudente | Rango probable ({level} %) | Mismo mes del año pasado | Cambio |\n|---|---:|---:|---:|---:|---:|\n",
        "| Month | Produce | Prudent upper | Likely range ({level} %) | Same month last year | Change |\n|---|---:|---:|---:|---:|---:|\n",
    ));
    for m in &inf.months {
        let name = if m.parcial {
            tr!(
                lang,
                "{} (parcial, {} días)",
                "{} (partial, {} days)",
                numfmt::month_name(&m.mes, lang),
                m.dias
            )
        } else {
            numfmt::month_name(&m.mes, lang)
        };
        let (upper, range) = match m.bands.first() {
            Some(b) => (u(b.2), tr!(lang, "{} a {}", "{} to {}", u(b.1), u(b.2))),
            None => ("—".into(), "—".into()),
        };
        let (ly, change) = match m.last_year {
            Some(ly) if ly > 0.0 => (u(ly), numfmt::signed_percent(m.point / ly - 1.0, 1, lang)),
            Some(ly) => (u(ly), "—".into()),
            None => ("—".into(), "—".into()),
        };
        s.push_str(&format!(
            "| {name} | {} | {upper} | {range} | {ly} | {change} |\n",
            u(m.point)
        ));
    }
    if let Some(t) = &inf.total {
        s.push_str(&tr!(
            lang,
            "\nTotal del horizonte: **{}** unidades en {} días.\n",
            "\nHorizon total: **{}** units over {} days.\n",
            u(t.point),
            t.dias
        ));
    }
    s.push_str(&tr!(
        lang,
        "\n«Producir» es el pronóstico. El «tope prudente» es el extremo alto del rango de {level} %: produciendo eso, solo uno de cada diez meses parecidos se quedaría corto.\n",
        "\n\"Produce\" is the forecast. The \"prudent upper\" is the top of the {level} % range: producing that, only about one similar month in ten would run short.\n",
    ));

    s.push_str(lang.pick(
        "\n## Qué tan confiable es\n\n",
        "\n## How reliable it is\n\n",
    ));
    let h = &inf.health;
    s.push_str(&tr!(lang, "- Modelo: {}.\n", "- Model: {}.\n", h.champion));
    if let Some(w) = h.backtest_wape {
        s.push_str(&tr!(
            lang,
            "- Al pronosticar el pasado reciente ({} cortes), se equivocó en promedio un {} de las ventas.\n",
            "- Forecasting the recent past ({} origins), it was off by {} of sales on average.\n",
            h.folds,
            pct(w)
        ));
    }
    if let Some(v) = h.vs_naive {
        s.push_str(&if v >= 0.0 {
            tr!(
                lang,
                "- Tiene un {} menos de error que repetir las ventas de la semana anterior.\n",
                "- It has {} less error than repeating last week's sales.\n",
                pct(v)
            )
        } else {
            tr!(
                lang,
                "- Tiene un {} más de error que repetir las ventas de la semana anterior: úselo con cautela.\n",
                "- It has {} more error than repeating last week's sales: use it with care.\n",
                pct(-v)
            )
        });
    }
    for c in &h.coverage {
        let lvl = numfmt::number(c.level, 0, lang);
        if let Some(b) = c.backtest {
            s.push_str(&tr!(
                lang,
                "- Rango de {lvl} %: en el pasado reciente contuvo el {} de los días.\n",
                "- {lvl} % range: in the recent past it held {} of the days.\n",
                pct(b)
            ));
        }
        if let Some(o) = c.holdout {
            s.push_str(&tr!(
                lang,
                "- Rango de {lvl} % en los días reservados para la prueba: contuvo el {} de los días.\n",
                "- {lvl} % range on the days held out for the test: it held {} of the days.\n",
                pct(o)
            ));
        }
    }
    match h.holdout_wape {
        Some(w) => s.push_str(&tr!(
            lang,
            "- Prueba con {} días reservados después del corte: error medio del {} de las ventas.\n",
            "- Test on {} days held out after the cutoff: mean error of {} of sales.\n",
            h.holdout_days,
            pct(w)
        )),
        None => s.push_str(lang.pick(
            "- Esta corrida no reservó días después del corte: la cobertura en una prueba aparte se conoce con `run.cutoff`.\n",
            "- This run held out no days after the cutoff: coverage on a separate test is known with `run.cutoff`.\n",
        )),
    }

    if !inf.scenarios.is_empty() || !inf.skipped.is_empty() {
        s.push_str(lang.pick("\n## Escenarios\n\n", "\n## Scenarios\n\n"));
        for sc in &inf.scenarios {
            let pct_text = sc
                .delta_pct
                .map(|p| format!(" ({})", numfmt::signed_percent(p, 1, lang)))
                .unwrap_or_default();
            let band = sc
                .bands
                .first()
                .filter(|b| !numfmt::degenerate(b.1, b.2))
                .map(|b| {
                    tr!(
                        lang,
                        ", probablemente entre {} y {}",
                        ", likely between {} and {}",
                        numfmt::signed(b.1, 0, lang),
                        numfmt::signed(b.2, 0, lang)
                    )
                })
                .unwrap_or_default();
            let modelled = if sc.modelado {
                String::new()
            } else {
                lang.pick(
                    " El modelo no usa lo que este escenario cambia: solo cuentan los cierres.",
                    " The model does not read what this scenario changes: only closures count.",
                )
                .to_string()
            };
            s.push_str(&tr!(
                lang,
                "- {} El total del horizonte cambia {} unidades{pct_text}{band}.{modelled}\n",
                "- {} The horizon total changes by {} units{pct_text}{band}.{modelled}\n",
                sc.descripcion,
                numfmt::signed(sc.delta, 0, lang)
            ));
        }
        for sk in &inf.skipped {
            s.push_str(&tr!(
                lang,
                "- {} No se simuló: {}.\n",
                "- {} Not simulated: {}.\n",
                sk.descripcion,
                sk.motivo
            ));
        }
    }

    s.push_str(lang.pick("\n## Los datos\n\n", "\n## The data\n\n"));
    let q = &inf.quality;
    s.push_str(&tr!(
        lang,
        "- {} días de historia, del {} al {}; {} días sin registro; {} días completados solo para el modelo; {} días cerrados.\n",
        "- {} days of history, from {} to {}; {} days without a record; {} days filled in for the model only; {} closed days.\n",
        u(q.days as f64),
        day(&q.first),
        day(&q.last),
        u(q.missing as f64),
        u(q.imputed as f64),
        u(q.closed as f64)
    ));
    if !q.flagged.is_empty() {
        let list: Vec<String> = q
            .flagged
            .iter()
            .map(|(why, n)| format!("{why}: {n}"))
            .collect();
        s.push_str(&tr!(
            lang,
            "- Días marcados por calidad: {}. Sus valores no se usan como ventas reales.\n",
            "- Days flagged by the quality checks: {}. Their values are not used as real sales.\n",
            list.join(", ")
        ));
    }
    s.push_str(&tr!(
        lang,
        "- Reglas de los datos: {} errores y {} advertencias.\n",
        "- Data rules: {} errors and {} warnings.\n",
        q.errors,
        q.warnings
    ));
    if let Some(e) = eda {
        for p in patterns(e, lang) {
            s.push_str(&format!("- {p}\n"));
        }
    }

    s.push_str(lang.pick("\n## Seguimiento\n\n", "\n## Follow-up\n\n"));
    let status = match inf.drift.level {
        DriftLevel::None => lang.pick(
            "Sin datos aún: todavía no hay ventas reales posteriores a un pronóstico guardado.",
            "No data yet: no actual sales after a kept forecast so far.",
        ),
        DriftLevel::Ok => lang.pick(
            "Estable: el error reciente está dentro de lo esperado.",
            "Stable: the recent error is within expectations.",
        ),
        DriftLevel::Warn => lang.pick(
            "Atención: el error reciente es mayor de lo esperado.",
            "Watch: the recent error is larger than expected.",
        ),
        DriftLevel::Alert => lang.pick(
            "Alerta: el error reciente es mucho mayor de lo esperado; conviene reentrenar.",
            "Alert: the recent error is much larger than expected; retrain.",
        ),
    };
    s.push_str(&format!("- {status}\n"));
    s.push_str(&tr!(
        lang,
        "\nLa página completa, con gráficos: `outputs/figures/informe_latest.html`.\n",
        "\nThe full page, with charts: `outputs/figures/informe_latest.html`.\n",
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use report::page::{Health, MonthRow, Quality};

    fn sample(lang: Lang) -> Informe {
        Informe {
            lang,
            fuente: "buñuelos".into(),
            run_id: "ea9432e8".into(),
            cutoff: "2025-11-30".into(),
            horizon_start: "2025-12-01".into(),
            horizon_end: "2026-01-31".into(),
            months: vec![
                MonthRow {
                    mes: "2025-12".into(),
                    dias: 31,
                    parcial: false,
                    point: 24_436.74,
                    bands: vec![(80.0, 23_964.33, 25_602.87)],
                    last_year: Some(22_000.0),
                    actual: None,
                },
                MonthRow {
                    mes: "2026-01".into(),
                    dias: 3,
                    parcial: true,
                    point: 1_500.4,
                    bands: vec![(80.0, 1_400.0, 1_600.0)],
                    last_year: None,
                    actual: None,
                },
            ],
            health: Health {
                champion: "Promedio de 3 modelos".into(),
                backtest_wape: Some(0.126),
                folds: 6,
                vs_naive: Some(0.399),
                ..Health::default()
            },
            quality: Quality {
                days: 2891,
                first: "2018-01-01".into(),
                last: "2025-11-30".into(),
                flagged: vec![("atípicamente alto".into(), 3)],
                ..Quality::default()
            },
            ..Informe::default()
        }
    }

    #[test]
    fn months_in_es_co_with_the_prudent_upper_and_last_year() {
        let t = render(&sample(Lang::Es), None);
        assert!(
            t.contains("| diciembre 2025 | 24.437 | 25.603 | 23.964 a 25.603 | 22.000 | +11,1 % |"),
            "{t}"
        );
        assert!(t.contains("| enero 2026 (parcial, 3 días) | 1.500 | 1.600 |"));
        assert!(t.contains("un 12,6 % de las ventas") && t.contains("un 39,9 % menos"));
        assert!(t.contains("no reservó días"));
        assert!(!t.contains("mase") && !t.contains("..=") && !t.contains("Some("));
    }

    #[test]
    fn english_summary() {
        let t = render(&sample(Lang::En), None);
        assert!(t.starts_with("# Executive summary"));
        assert!(
            t.contains("| December 2025 | 24,437 | 25,603 | 23,964 to 25,603 | 22,000 | +11.1 % |")
        );
        assert!(!t.contains("Producir"));
    }
}
