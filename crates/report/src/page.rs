//! The planner's page, `informe_latest.html`: one self-contained HTML file (inline CSS and SVG,
//! no script, no network) with the forecast and its bands, the months against last year, the
//! scenarios, model health, data quality and drift. Rendered with `minijinja` (HTML
//! auto-escaping on) from [`Informe`], a plain-data description the caller builds from its
//! reports; every text is Spanish (es-CO) or English by [`Lang`].

use std::collections::BTreeMap;

use minijinja::{Environment, Value};
use serde::Serialize;

use crate::numfmt::{self, Lang};
use crate::svg::{self, Bar, BarText, Fan, FanDay};

/// Errors of rendering the page.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// The template failed to render (a bug in the template or the data it was given).
    #[error("the report page template failed: {0}")]
    Template(#[from] minijinja::Error),
}

/// One month (or the whole horizon) of the forecast.
#[derive(Debug, Clone, Serialize)]
pub struct MonthRow {
    /// `YYYY-MM`.
    pub mes: String,
    /// Days of the month in the horizon.
    pub dias: usize,
    /// The horizon covers only part of the month.
    pub parcial: bool,
    /// Forecast total.
    pub point: f64,
    /// Interval bounds by level `(level %, lower, upper)`, narrowest first.
    pub bands: Vec<(f64, f64, f64)>,
    /// The same month a year earlier, when the history has all its days.
    pub last_year: Option<f64>,
    /// Actual total (hold-out runs, when every day of the month was observed).
    pub actual: Option<f64>,
}

/// One what-if scenario: its change of the horizon total.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioRow {
    /// What it asks, in words.
    pub descripcion: String,
    /// Days it changes.
    pub dias_afectados: usize,
    /// The champion reads the changed inputs (otherwise only closures act).
    pub modelado: bool,
    /// Change of the horizon total.
    pub delta: f64,
    /// Change as a fraction of the base total.
    pub delta_pct: Option<f64>,
    /// Interval of the change `(level %, lower, upper)`.
    pub bands: Vec<(f64, f64, f64)>,
    /// Notes (clipped to the horizon, …).
    pub notas: Vec<String>,
}

/// A scenario not simulated, with the reason.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// What it asks.
    pub descripcion: String,
    /// Why it did not run.
    pub motivo: String,
}

/// Interval coverage at one level: nominal, in the backtest and on the hold-out.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// Nominal level in %.
    pub level: f64,
    /// Share of backtest days inside the interval (after calibration).
    pub backtest: Option<f64>,
    /// Share of hold-out days inside the interval.
    pub holdout: Option<f64>,
}

/// How good the model is, in words and numbers.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Health {
    /// The champion in plain words.
    pub champion: String,
    /// The champion is the fallback: the backtest reached too little of the horizon to
    /// choose among models (`train.respaldo`).
    pub respaldo: bool,
    /// Backtest WAPE (mean absolute error as a share of sales).
    pub backtest_wape: Option<f64>,
    /// Backtest folds.
    pub folds: usize,
    /// Share of error removed against repeating last week's sales (1 − MASE ratio).
    pub vs_naive: Option<f64>,
    /// Hold-out WAPE, when the run had actuals after the cutoff.
    pub holdout_wape: Option<f64>,
    /// Hold-out error against the weekly naive forecast's in-sample error (MASE, weekly).
    pub holdout_mase: Option<f64>,
    /// Hold-out days scored.
    pub holdout_days: usize,
    /// Coverage by level.
    pub coverage: Vec<Coverage>,
}

/// The data behind the forecast.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Quality {
    /// Calendar days of history.
    pub days: usize,
    /// First date.
    pub first: String,
    /// Last date.
    pub last: String,
    /// Dates without a row in the source.
    pub missing: usize,
    /// Flagged days by reason in words.
    pub flagged: Vec<(String, usize)>,
    /// Days filled for modelling only.
    pub imputed: usize,
    /// Days the business was closed.
    pub closed: usize,
    /// Contract errors and warnings.
    pub errors: usize,
    /// Contract warnings.
    pub warnings: usize,
}

/// Drift status, as the monitor classified it.
#[derive(Debug, Clone, Copy, Serialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DriftLevel {
    /// Nothing to compare yet.
    #[default]
    None,
    /// Within expectations.
    Ok,
    /// Worth a look.
    Warn,
    /// Act.
    Alert,
}

/// The monitor's view.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Drift {
    /// Overall level.
    pub level: DriftLevel,
    /// Earlier forecasts scored against what was sold.
    pub forecasts_scored: usize,
    /// Notes in words.
    pub notas: Vec<String>,
}

/// Everything the page shows. Dates are `YYYY-MM-DD` strings; numbers are plain `f64`.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Informe {
    /// Language of every text on the page.
    pub lang: Lang,
    /// What is forecast (the source in words).
    pub fuente: String,
    /// Run id.
    pub run_id: String,
    /// Last day of training data (the forecast origin).
    pub cutoff: String,
    /// First forecast day.
    pub horizon_start: String,
    /// Last forecast day.
    pub horizon_end: String,
    /// The last year of history: date and units (`None` on a day without a value).
    pub history: Vec<(String, Option<f64>)>,
    /// Flagged history days: date, value drawn, reason in words.
    pub flagged: Vec<(String, f64, String)>,
    /// The daily forecast.
    pub forecast: Vec<FanDay>,
    /// Actuals in the horizon (hold-out runs).
    pub actuals: Vec<(String, f64)>,
    /// The whole horizon's total.
    pub total: Option<MonthRow>,
    /// The series stopped selling before the cutoff: first day without sales and open days
    /// without sales since (the horizon is forecast 0).
    pub detenida: Option<(String, usize)>,
    /// Days of history, when under a year (the yearly cycle was never seen whole).
    pub historia_corta: Option<i64>,
    /// Months of the horizon.
    pub months: Vec<MonthRow>,
    /// Scenarios simulated.
    pub scenarios: Vec<ScenarioRow>,
    /// Scenarios skipped.
    pub skipped: Vec<Skipped>,
    /// Model health.
    pub health: Health,
    /// Data quality.
    pub quality: Quality,
    /// Drift.
    pub drift: Drift,
}

/// Ids of the page's sections, in order (the browser test checks each is present).
pub const SECTIONS: [&str; 7] = [
    "resumen",
    "pronostico",
    "meses",
    "escenarios",
    "salud",
    "datos",
    "deriva",
];

const TEMPLATE: &str = include_str!("../templates/informe.html");

fn labels(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    let pairs: &[(&str, &str, &str)] = &[
        ("title", "Pronóstico de ventas", "Sales forecast"),
        ("run", "Corrida", "Run"),
        ("cutoff", "datos hasta", "data up to"),
        ("horizon", "Horizonte", "Horizon"),
        ("to", "a", "to"),
        ("summary", "Resumen", "Summary"),
        ("total_horizon", "Total del horizonte", "Horizon total"),
        ("units", "unidades", "units"),
        ("likely_between", "probablemente entre", "likely between"),
        ("daily", "Pronóstico diario", "Daily forecast"),
        ("daily_caption", "Ventas recientes y pronóstico de cada día con sus intervalos. Pase el cursor sobre la línea para ver el valor de cada día.", "Recent sales and each day's forecast with its intervals. Hover over the line to read each day's value."),
        ("months", "Meses", "Months"),
        ("month", "Mes", "Month"),
        ("days", "días", "days"),
        ("forecast", "Pronóstico", "Forecast"),
        ("interval", "Intervalo", "Interval"),
        ("last_year", "Mismo mes del año pasado", "Same month last year"),
        ("change", "Cambio", "Change"),
        ("actual", "Real", "Actual"),
        ("partial", "parcial", "partial"),
        ("to_produce", "Producir", "Produce"),
        ("prudent", "Tope prudente", "Prudent upper"),
        ("produce_note", "«Producir» es el pronóstico; el «tope prudente» es el límite superior del intervalo de 80 %: con él se queda corto solo uno de cada diez meses parecidos.", "\"Produce\" is the forecast; the \"prudent upper\" is the upper end of the 80 % interval: with it, only about one similar month in ten runs short."),
        ("months_chart", "Total mensual con intervalo", "Monthly total with interval"),
        ("total_month", "Total del mes", "Month total"),
        ("units_month", "Unidades por mes", "Units per month"),
        ("scenarios", "Escenarios", "Scenarios"),
        ("question", "Pregunta", "Question"),
        ("days_changed", "Días que cambia", "Days changed"),
        ("delta", "Cambio del total", "Change of the total"),
        ("not_modelled", "el modelo no usa esta variable: solo actúan los cierres", "the model does not read this input: only closures act"),
        ("no_band", "«—» en un intervalo: el modelo no da incertidumbre propia para ese cambio (sus trayectorias se mueven juntas), así que no se muestra un rango.", "\"—\" in an interval: the model carries no uncertainty of its own for that change (its paths move together), so no range is shown."),
        ("skipped", "No simulados", "Not simulated"),
        ("no_scenarios", "No hay escenarios configurados.", "No scenarios are configured."),
        ("health", "Salud del modelo", "Model health"),
        ("model", "Modelo", "Model"),
        ("fallback_note", "la historia es demasiado corta para elegir entre modelos con un backtest, así que se usa esta referencia robusta", "the history is too short to choose among models by backtest, so this robust reference serves"),
        ("backtest_error", "Error medio en el backtest", "Mean error in the backtest"),
        ("of_sales", "de las ventas", "of sales"),
        ("vs_naive", "Frente a repetir la semana anterior", "Against repeating last week"),
        ("less_error", "menos error", "less error"),
        ("more_error", "más error", "more error"),
        ("holdout_error", "Error en los días reservados", "Error on the held-out days"),
        ("coverage", "Cobertura de los intervalos", "Interval coverage"),
        ("nominal", "Nominal", "Nominal"),
        ("in_backtest", "En el backtest", "In the backtest"),
        ("in_holdout", "En los días reservados", "On the held-out days"),
        ("folds", "cortes", "origins"),
        ("data", "Calidad de los datos", "Data quality"),
        ("history_days", "Días de historia", "Days of history"),
        ("missing", "Días sin registro", "Days without a record"),
        ("flagged", "Días marcados", "Flagged days"),
        ("imputed", "Días completados para el modelo", "Days filled in for the model"),
        ("closed", "Días cerrados", "Closed days"),
        ("stopped_since", "Esta serie no registra ventas desde el", "This series has not sold since"),
        ("stopped_days", "días abiertos seguidos sin ventas", "open days in a row without sales"),
        ("short_history", "La historia cubre solo", "The history covers only"),
        ("short_history_note", "días, menos de un año: el modelo no ha visto un ciclo anual completo, así que las temporadas que no aparecen en la historia no están en el pronóstico y los intervalos pueden quedarse cortos.", "days, less than a year: the model has not seen a whole yearly cycle, so seasons missing from the history are missing from the forecast and the intervals may fall short."),
        ("stopped_note", "se lee como un producto descontinuado y el pronóstico es 0 en todo el horizonte. Si se sigue vendiendo, revise los datos o desactive features.serie_detenida.", "it reads as a discontinued product and the whole horizon is forecast 0. If it still sells, check the data or turn off features.serie_detenida."),
        ("contract", "Reglas de los datos", "Data rules"),
        ("errors", "errores", "errors"),
        ("warnings", "advertencias", "warnings"),
        ("none", "ninguno", "none"),
        ("drift", "Deriva", "Drift"),
        ("drift_none", "Sin datos aún: todavía no hay ventas reales posteriores a un pronóstico guardado.", "No data yet: no actual sales after a kept forecast so far."),
        ("drift_ok", "Estable: el error reciente está dentro de lo esperado.", "Stable: the recent error is within expectations."),
        ("drift_warn", "Atención: el error reciente es mayor de lo esperado.", "Watch: the recent error is larger than expected."),
        ("drift_alert", "Alerta: el error reciente es mucho mayor de lo esperado; conviene reentrenar.", "Alert: the recent error is much larger than expected; retrain."),
        ("scored", "pronósticos anteriores comparados con lo vendido", "earlier forecasts compared with sales"),
        ("footer", "Página generada sin conexión: todo está en este archivo.", "Page generated offline: everything is in this file."),
        ("unknown", "no disponible", "not available"),
    ];
    pairs
        .iter()
        .map(|(k, es, en)| (*k, lang.pick(es, en)))
        .collect()
}

fn month_bars(inf: &Informe) -> String {
    let lang = inf.lang;
    let t = labels(lang);
    let items: Vec<Bar> = inf
        .months
        .iter()
        .map(|m| {
            let widest = m.bands.last().map(|b| (b.1, b.2));
            let mut title = format!(
                "{}: {} {}",
                numfmt::month_name(&m.mes, lang),
                numfmt::units(m.point, lang),
                t["units"]
            );
            if let Some(b) = m.bands.last() {
                title.push_str(&format!(
                    " ({} {} %: {} – {})",
                    t["interval"].to_lowercase(),
                    numfmt::number(b.0, 0, lang),
                    numfmt::units(b.1, lang),
                    numfmt::units(b.2, lang)
                ));
            }
            if let Some(ly) = m.last_year {
                title.push_str(&format!(
                    "; {}: {}",
                    t["last_year"].to_lowercase(),
                    numfmt::units(ly, lang)
                ));
            }
            let mut label = numfmt::month_short(&m.mes, lang);
            if m.parcial {
                label.push_str(&format!(" ({})", t["partial"]));
            }
            Bar {
                label,
                value: m.point,
                whisker: widest,
                reference: m.last_year,
                title,
            }
        })
        .collect();
    let whisker = inf
        .months
        .first()
        .and_then(|m| m.bands.last())
        .map(|b| {
            format!(
                "{} {} %",
                t["interval"].to_lowercase(),
                numfmt::number(b.0, 0, lang)
            )
        })
        .unwrap_or_default();
    svg::bars(
        &items,
        BarText {
            name: t["months_chart"],
            bars: t["forecast"],
            whisker: &whisker,
            reference: t["last_year"],
            x_title: t["month"],
            y_title: t["units_month"],
        },
        lang,
    )
}

/// Renders the page.
pub fn render(inf: &Informe) -> Result<String, PageError> {
    let lang = inf.lang;
    let mut env = Environment::new();
    env.add_template("informe.html", TEMPLATE)?;
    env.add_filter("units", move |v: f64| numfmt::units(v, lang));
    env.add_filter("num", move |v: f64, d: usize| numfmt::number(v, d, lang));
    env.add_filter("pct", move |v: f64| numfmt::percent(v, 1, lang));
    env.add_filter("signed", move |v: f64| numfmt::signed(v, 0, lang));
    env.add_filter("spct", move |v: f64| numfmt::signed_percent(v, 1, lang));
    env.add_filter("degenerate", |b: Vec<f64>| {
        b.len() < 3 || numfmt::degenerate(b[1], b[2])
    });
    env.add_filter("month", move |m: String| numfmt::month_name(&m, lang));
    env.add_filter("day", move |d: String| numfmt::day(&d, None, lang));
    let fan = svg::fan(
        &Fan {
            history: &inf.history,
            forecast: &inf.forecast,
            actuals: &inf.actuals,
            flagged: &inf.flagged,
        },
        lang,
    );
    let tmpl = env.get_template("informe.html")?;
    let html = tmpl.render(minijinja::context! {
        inf => Value::from_serialize(inf),
        t => Value::from_serialize(labels(lang)),
        lang_tag => lang.tag(),
        fan_svg => Value::from_safe_string(fan),
        months_svg => Value::from_safe_string(month_bars(inf)),
    })?;
    Ok(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample(lang: Lang) -> Informe {
        let history = (1..=30)
            .map(|d| (format!("2025-11-{d:02}"), Some(400.0 + d as f64)))
            .collect();
        let forecast = (1..=31)
            .map(|d| FanDay {
                fecha: format!("2025-12-{d:02}"),
                point: 800.0,
                bands: vec![(80.0, 700.0, 900.0), (95.0, 650.0, 1000.0)],
            })
            .collect();
        let month = MonthRow {
            mes: "2025-12".into(),
            dias: 31,
            parcial: false,
            point: 24_436.74,
            bands: vec![(80.0, 23_964.33, 25_602.87), (95.0, 23_500.0, 26_000.0)],
            last_year: Some(22_000.0),
            actual: None,
        };
        Informe {
            lang,
            fuente: "Panadería <demo> & café".into(),
            run_id: "ea9432e8".into(),
            cutoff: "2025-11-30".into(),
            horizon_start: "2025-12-01".into(),
            horizon_end: "2025-12-31".into(),
            history,
            flagged: vec![("2025-11-05".into(), 405.0, "atípico alto".into())],
            forecast,
            actuals: vec![],
            total: Some(month.clone()),
            detenida: None,
            historia_corta: None,
            months: vec![month],
            scenarios: vec![ScenarioRow {
                descripcion: "¿Y si hacemos promoción los sábados?".into(),
                dias_afectados: 4,
                modelado: true,
                delta: 892.04,
                delta_pct: Some(0.0088),
                bands: vec![(80.0, 805.55, 999.56)],
                notas: vec![],
            }],
            skipped: vec![],
            health: Health {
                champion: "Promedio de tres modelos".into(),
                backtest_wape: Some(0.12),
                folds: 6,
                vs_naive: Some(0.43),
                coverage: vec![Coverage {
                    level: 80.0,
                    backtest: Some(0.7996),
                    holdout: None,
                }],
                ..Health::default()
            },
            quality: Quality {
                days: 2891,
                first: "2018-01-01".into(),
                last: "2025-11-30".into(),
                missing: 9,
                flagged: vec![("atípico alto".into(), 3)],
                imputed: 16,
                ..Quality::default()
            },
            drift: Drift::default(),
        }
    }

    #[test]
    fn the_page_has_every_section_escaped_text_and_es_co_numbers() {
        let html = render(&sample(Lang::Es)).unwrap();
        for id in SECTIONS {
            assert!(html.contains(&format!(r#"<section id="{id}""#)), "{id}");
        }
        assert!(html.contains(r#"<html lang="es-CO">"#));
        assert!(html.contains("Panadería &lt;demo&gt; &amp; café"));
        assert!(html.contains("24.437") && html.contains("23.964 a 25.603"));
        assert!(html.contains("diciembre 2025"));
        assert!(html.contains("12,0 %"));
        assert!(!html.contains("<script") && !html.contains("http://") || html.contains("xmlns"));
        assert!(!html.contains("https://"), "no network resource");
    }

    #[test]
    fn a_stopped_series_is_said_at_the_top() {
        let mut inf = sample(Lang::Es);
        assert!(!render(&inf).unwrap().contains("no registra ventas"));
        inf.detenida = Some(("2025-10-01".into(), 52));
        let html = render(&inf).unwrap();
        assert!(
            html.contains("Esta serie no registra ventas desde el 1 oct 2025 (52 días abiertos seguidos sin ventas)"),
            "{html}"
        );
    }

    #[test]
    fn a_history_under_a_year_is_said_at_the_top() {
        let mut inf = sample(Lang::Es);
        assert!(!render(&inf).unwrap().contains("La historia cubre solo"));
        inf.historia_corta = Some(200);
        let html = render(&inf).unwrap();
        assert!(
            html.contains("La historia cubre solo 200 días, menos de un año"),
            "{html}"
        );
        inf.lang = Lang::En;
        assert!(render(&inf)
            .unwrap()
            .contains("The history covers only 200 days"));
    }

    #[test]
    fn a_fallback_champion_says_why() {
        let mut inf = sample(Lang::Es);
        let note = "demasiado corta para elegir entre modelos";
        assert!(!render(&inf).unwrap().contains(note));
        inf.health.respaldo = true;
        assert!(render(&inf).unwrap().contains(note));
        inf.lang = Lang::En;
        assert!(render(&inf)
            .unwrap()
            .contains("too short to choose among models by backtest"));
    }

    #[test]
    fn english_changes_every_text() {
        let html = render(&sample(Lang::En)).unwrap();
        assert!(html.contains(r#"<html lang="en">"#));
        assert!(html.contains("Sales forecast") && html.contains("December 2025"));
        assert!(html.contains("24,437") && html.contains("Units per day"));
        assert!(!html.contains("Pronóstico") && !html.contains("unidades"));
    }
}
