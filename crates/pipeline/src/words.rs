//! The business's words for the codes the phases write: flag reasons, model families, the
//! monitor's status. Shared by the executive summary and the planner's page.

use models::{Combine, Family, ModelSpec};
use report::Lang;

/// A cleansing flag's reason in words (`atipico_alto` → `atípico alto`).
pub fn motivo(code: &str, lang: Lang) -> String {
    let (es, en) = match code {
        "valor_nulo" => ("sin valor", "no value"),
        "valor_invalido" => ("valor no numérico", "not a number"),
        "negativo" => ("valor negativo", "negative value"),
        "no_entero" => ("valor no entero", "not a whole number"),
        "fuera_de_rango" => ("fuera del rango permitido", "outside the allowed range"),
        "duplicado" => ("fecha repetida (mismo valor)", "repeated date (same value)"),
        "duplicado_en_conflicto" => (
            "fecha repetida con valores distintos",
            "repeated date with different values",
        ),
        "cero_con_tienda_abierta" => ("cero con la tienda abierta", "zero with the shop open"),
        "atipico_alto" => ("atípicamente alto", "unusually high"),
        "atipico_bajo" => ("atípicamente bajo", "unusually low"),
        other => return other.replace('_', " "),
    };
    lang.pick(es, en).to_string()
}

/// What a planner is told a model is: its family, except the year-over-year model, which is
/// statistical but decomposes nothing, and the seasonal median, a baseline that repeats no
/// single earlier day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Family(Family),
    YearOverYear,
    Profile,
}

fn kind(spec: &ModelSpec) -> Kind {
    match spec {
        ModelSpec::YearOverYear { .. } => Kind::YearOverYear,
        ModelSpec::SeasonalMedian { .. } => Kind::Profile,
        other => Kind::Family(other.family()),
    }
}

fn family_words(k: Kind, n: usize, lang: Lang) -> String {
    let plural = n != 1;
    let (es, en) = match (k, plural) {
        (Kind::YearOverYear, false) => (
            "las mismas fechas de años anteriores, ajustadas al nivel de las últimas semanas",
            "the same days of earlier years, adjusted to the level of the last weeks",
        ),
        (Kind::YearOverYear, true) => (
            "repeticiones de las mismas fechas de años anteriores, ajustadas al nivel de las últimas semanas",
            "repeats of the same days of earlier years, adjusted to the level of the last weeks",
        ),
        (Kind::Profile, false) => (
            "la mediana de cada día de la semana en las últimas semanas",
            "the median of each weekday over the last weeks",
        ),
        (Kind::Profile, true) => (
            "medianas de cada día de la semana en las últimas semanas",
            "medians of each weekday over the last weeks",
        ),
        (Kind::Family(f), plural) => family_phrase(f, plural),
    };
    if plural {
        format!("{n} {}", lang.pick(es, en))
    } else {
        lang.pick(es, en).to_string()
    }
}

/// A family's phrase in Spanish and English, singular or plural.
fn family_phrase(f: Family, plural: bool) -> (&'static str, &'static str) {
    match (f, plural) {
        (Family::Regression, false) => (
            "una regresión sobre las ventas recientes y el calendario",
            "a regression on recent sales and the calendar",
        ),
        (Family::Regression, true) => (
            "regresiones sobre las ventas recientes y el calendario",
            "regressions on recent sales and the calendar",
        ),
        (Family::Statistical, false) => (
            "una descomposición estacional (semana y año) con suavizamiento exponencial",
            "a seasonal decomposition (week and year) with exponential smoothing",
        ),
        (Family::Statistical, true) => (
            "descomposiciones estacionales (semana y año) con suavizamiento exponencial",
            "seasonal decompositions (week and year) with exponential smoothing",
        ),
        (Family::Boosting, false) => (
            "un conjunto de árboles de decisión potenciados (boosting) sobre las ventas recientes y el calendario",
            "gradient-boosted decision trees on recent sales and the calendar",
        ),
        (Family::Boosting, true) => (
            "conjuntos de árboles de decisión potenciados (boosting) sobre las ventas recientes y el calendario",
            "ensembles of gradient-boosted decision trees on recent sales and the calendar",
        ),
        (Family::Baseline, false) => (
            "una referencia simple que repite ventas anteriores",
            "a simple reference that repeats earlier sales",
        ),
        (Family::Baseline, true) => (
            "referencias simples que repiten ventas anteriores",
            "simple references that repeat earlier sales",
        ),
        (Family::Ensemble, _) => ("una combinación de modelos", "a combination of models"),
    }
}

/// The champion in plain words: what kind of model, and for a combination what it combines.
pub fn model(spec: &ModelSpec, lang: Lang) -> String {
    match spec {
        ModelSpec::Ensemble { members, combine } => {
            let mut counts: Vec<(Kind, usize)> = Vec::new();
            for m in members {
                let f = kind(&m.model);
                match counts.iter_mut().find(|c| c.0 == f) {
                    Some(c) => c.1 += 1,
                    None => counts.push((f, 1)),
                }
            }
            let parts: Vec<String> = counts
                .iter()
                .map(|(f, n)| family_words(*f, *n, lang))
                .collect();
            let how = match combine {
                Combine::Mean => lang.pick("Promedio", "Mean"),
                Combine::Median => lang.pick("Mediana", "Median"),
            };
            format!(
                "{how} {} {} {}: {}",
                lang.pick("de", "of"),
                members.len(),
                lang.pick("modelos", "models"),
                parts.join(lang.pick(" y ", " and "))
            )
        }
        other => {
            let mut s = family_words(kind(other), 1, lang);
            if let Some(c) = s.get(..1) {
                s = c.to_uppercase() + &s[1..];
            }
            s
        }
    }
}

/// The monitor's status code as the page's drift level.
pub fn drift_level(status: &str) -> report::page::DriftLevel {
    use report::page::DriftLevel;
    match status {
        "OK" => DriftLevel::Ok,
        "WARN" => DriftLevel::Warn,
        "ALERT" => DriftLevel::Alert,
        _ => DriftLevel::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_become_words() {
        assert_eq!(motivo("atipico_alto", Lang::Es), "atípicamente alto");
        assert_eq!(motivo("negativo", Lang::En), "negative value");
        assert_eq!(motivo("algo_nuevo", Lang::Es), "algo nuevo");
        assert_eq!(
            model(&ModelSpec::Naive, Lang::Es),
            "Una referencia simple que repite ventas anteriores"
        );
        let yoy = ModelSpec::YearOverYear {
            period: 364,
            years: 3,
            level_window: 56,
            neighbours: 1,
            max_level_ratio: 2.0,
            steps: 366,
        };
        assert_eq!(
            model(&yoy, Lang::Es),
            "Las mismas fechas de años anteriores, ajustadas al nivel de las últimas semanas"
        );
        let member = |nombre: &str, model: ModelSpec| models::Candidate {
            nombre: nombre.into(),
            model,
            exog: Default::default(),
        };
        let mix = ModelSpec::Ensemble {
            members: vec![
                member("a", ModelSpec::Naive),
                member("b", yoy),
                member(
                    "c",
                    ModelSpec::Mstl {
                        periods: vec![7, 365],
                        transform: models::Transform::Log1p,
                        trend: models::EtsTrend::Damped,
                        clip_negative: true,
                        steps: 366,
                    },
                ),
            ],
            combine: Combine::Mean,
        };
        let words = model(&mix, Lang::En);
        assert!(
            words.contains("the same days of earlier years")
                && words.contains("a seasonal decomposition"),
            "{words}"
        );
    }
}
