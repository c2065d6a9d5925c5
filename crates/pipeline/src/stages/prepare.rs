//! Phases 02 (cleanse), 03 (exploratory analysis) and 04 (features).

use report::charts::{RGBColor, BLUE, GREEN};
use serde::{Deserialize, Serialize};
use store::{Area, Store};

use super::{put_figures, read_after_cutoff, read_cleansed, AFTER_CUTOFF};
use crate::config::AppConfig;
use crate::PipelineError;

/// Body of the phase 02 report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CleanseBody {
    /// SHA-256 of the raw snapshot cleansed (its path, which names the run, is in the
    /// manifest).
    pub snapshot_sha256: String,
    /// Rows of the cleansed layer.
    pub output_rows: u64,
    /// Source rows after the cutoff, set aside in `despues_del_corte_latest.parquet`.
    pub rows_after_cutoff: u64,
    /// What cleansing did.
    pub report: contract::CleansingReport,
}

/// Phase 02: the raw snapshot cleansed to the daily grid; the rows after the cutoff set aside.
pub fn cleanse(store: &mut dyn Store, cfg: &AppConfig) -> Result<(), PipelineError> {
    let Some((snapshot, raw)) = store.get_raw()? else {
        return Err(PipelineError::Missing {
            what: "raw snapshot",
            at: "the raw layer".into(),
            phase: "01 ingest",
        });
    };
    let frame = connector::parquet_from_bytes(&raw, &snapshot)?;
    store.count_rows(&snapshot, frame.height() as u64);
    let crate::CleansedData { cleansed, after } =
        crate::flow::cleanse(&frame, cfg).map_err(|source| PipelineError::In {
            what: snapshot.clone(),
            source: Box::new(source),
        })?;
    let bytes = connector::to_parquet_bytes(&cleansed.frame)?;
    let after_bytes = connector::to_parquet_bytes(&crate::frames::observed_frame(&after)?)?;
    let body = CleanseBody {
        snapshot_sha256: store::sha256_hex(&raw),
        output_rows: cleansed.frame.height() as u64,
        rows_after_cutoff: after.dates.len() as u64,
        report: cleansed.report,
    };
    tracing::info!(
        days = body.report.days_out,
        flags = body.report.flags.len(),
        missing = body.report.missing_dates,
        imputed = body.report.imputed_days,
        "cleansed to the daily grid"
    );
    store.put(
        Area::Cleansed,
        "ventas_diarias",
        "parquet",
        &bytes,
        Some(body.output_rows),
    )?;
    store.put(
        Area::Cleansed,
        AFTER_CUTOFF,
        "parquet",
        &after_bytes,
        Some(body.rows_after_cutoff),
    )?;
    store::put_report(store, "cleansing", &body)?;
    Ok(())
}

/// Body of the phase 03 report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EdaBody {
    /// The analysis.
    pub analysis: features::eda::EdaReport,
    /// Figures written (names in `outputs/figures/`).
    pub figures: Vec<String>,
}

/// Phase 03: the exploratory analysis, its figures and its page.
pub fn eda(store: &mut dyn Store, cfg: &AppConfig) -> Result<(), PipelineError> {
    use core_types::cols;
    let frame = read_cleansed(store)?;
    let report = crate::flow::analyse(&frame, cfg)?;
    // Figure data (presentation only).
    let fechas: Vec<String> = crate::frames::dates(&frame, "cleansed")?
        .iter()
        .map(|d| d.to_string())
        .collect();
    let y: Vec<Option<f64>> = crate::frames::f64s(&frame, "cleansed", cols::UNIDADES_VENDIDAS)?
        .into_iter()
        .map(|v| Some(v).filter(|v| !v.is_nan()))
        .collect();
    let rolling: Vec<Option<f64>> = (0..y.len())
        .map(|i| {
            let w: Vec<f64> = y[i.saturating_sub(27)..=i]
                .iter()
                .flatten()
                .copied()
                .collect();
            (w.len() >= 14).then(|| w.iter().sum::<f64>() / w.len() as f64)
        })
        .collect();
    let flagged: Vec<bool> = frame
        .column(cols::ES_ATIPICO)?
        .bool()?
        .iter()
        .map(|b| b.unwrap_or(false))
        .collect();
    let originals: Vec<Option<String>> = frame
        .column(cols::UNIDADES_ORIGINALES)?
        .str()?
        .iter()
        .map(|s| s.map(str::to_string))
        .collect();
    let marks: Vec<(usize, f64)> = (0..y.len())
        .filter(|&i| flagged[i])
        .map(|i| {
            let v = y[i]
                .or_else(|| originals[i].as_deref().and_then(contract::parse_number))
                .unwrap_or(0.0);
            (i, v.max(0.0))
        })
        .collect();
    let orange = RGBColor(230, 120, 20);
    let lang = cfg.report.language;
    let t = |es: &'static str, en: &'static str| lang.pick(es, en);
    let days = report::numfmt::weekday_abbrevs(lang);
    let dec_names: Vec<String> = report
        .december
        .iter()
        .map(|u| report::short_label(&u.name, lang))
        .collect();
    let up_names: Vec<String> = report
        .uplifts
        .iter()
        .map(|u| report::short_label(&u.name, lang))
        .collect();
    let cutoff = crate::frames::dates(&frame, "cleansed")?.last().copied();
    let cap = super::caption(store, lang, cutoff);
    let units = t("unidades por día", "units per day");
    let ratio = t("razón frente al nivel local", "ratio to the local level");
    let figures: Vec<(String, Vec<u8>)> = vec![
        (
            "eda_serie".into(),
            report::line_chart(
                &super::chart(
                    t(
                        "Unidades vendidas por día (limpias) y media móvil de 28 días",
                        "Units sold per day (cleansed) and 28-day moving average",
                    ),
                    t("fecha", "date"),
                    units,
                    &cap,
                    lang,
                ),
                &fechas,
                &[
                    (t("diario", "daily"), y.clone(), BLUE),
                    (t("media 28 días", "28-day mean"), rolling, orange),
                ],
                &marks,
                t("días marcados (atípicos)", "flagged days (outliers)"),
            )?,
        ),
        (
            "eda_semana".into(),
            report::bar_chart(
                &super::chart(
                    t(
                        "Perfil semanal frente al nivel local (festivo cuenta como sábado o no)",
                        "Weekly profile against the local level (holiday as Saturday or not)",
                    ),
                    t("día de la semana", "day of week"),
                    ratio,
                    &cap,
                    lang,
                ),
                &days,
                &[
                    (
                        t("festivo = sábado", "holiday = Saturday"),
                        report.weekly_profile_dow_eff.clone(),
                        BLUE,
                    ),
                    (
                        t("día del calendario", "calendar day"),
                        report.weekly_profile_dow.clone(),
                        GREEN,
                    ),
                ],
                Some(1.0),
                None,
            )?,
        ),
        (
            "eda_anual".into(),
            report::bar_chart(
                &super::chart(
                    t(
                        "Perfil anual: media del mes frente a la media del año",
                        "Yearly profile: month mean against the year mean",
                    ),
                    t("mes", "month"),
                    t("razón frente a la media anual", "ratio to the yearly mean"),
                    &cap,
                    lang,
                ),
                &report::numfmt::month_abbrevs(lang),
                &[(t("mes", "month"), report.yearly_profile.clone(), BLUE)],
                Some(1.0),
                None,
            )?,
        ),
        (
            "eda_diciembre".into(),
            report::bar_chart(
                &super::chart(
                    t(
                        "Diciembre y novenas frente a los días ordinarios del año",
                        "December and the novenas against ordinary days of the year",
                    ),
                    t("día o bloque", "day or block"),
                    ratio,
                    &cap,
                    lang,
                ),
                &dec_names,
                &[(
                    t("razón", "ratio"),
                    report.december.iter().map(|u| u.ratio).collect(),
                    orange,
                )],
                Some(1.0),
                None,
            )?,
        ),
        (
            "eda_efectos".into(),
            report::bar_chart(
                &super::chart(
                    t(
                        "Quincena, prima, promoción, festivos y días especiales frente al nivel local",
                        "Paydays, bonus, promotion, holidays and special days against the local level",
                    ),
                    t("efecto", "effect"),
                    ratio,
                    &cap,
                    lang,
                ),
                &up_names,
                &[(
                    t("razón", "ratio"),
                    report.uplifts.iter().map(|u| u.ratio).collect(),
                    GREEN,
                )],
                Some(1.0),
                None,
            )?,
        ),
        (
            "eda_acf".into(),
            report::acf_chart(
                &super::chart(
                    t(
                        "Autocorrelación (ACF) y autocorrelación parcial (PACF)",
                        "Autocorrelation (ACF) and partial autocorrelation (PACF)",
                    ),
                    t("retardo (días)", "lag (days)"),
                    t("correlación", "correlation"),
                    &cap,
                    lang,
                ),
                &report.acf,
                &report.pacf,
                report.confidence_band,
            )?,
        ),
    ];
    let sections = vec![
        ("Cobertura".to_string(), serde_json::to_string_pretty(&report.coverage)?),
        ("Nivel por año".to_string(), serde_json::to_string_pretty(&report.level_by_year)?),
        (
            "Estacionalidad".to_string(),
            format!(
                "fuerza semanal: {:?}\nfuerza anual: {:?}\nrezagos sugeridos: {:?}\nventanas sugeridas: {}",
                report.seasonality_strength_weekly,
                report.seasonality_strength_yearly,
                report.suggested_lags,
                serde_json::to_string(&report.suggested_windows)?
            ),
        ),
        ("Diciembre".to_string(), serde_json::to_string_pretty(&report.december)?),
        ("Efectos".to_string(), serde_json::to_string_pretty(&report.uplifts)?),
        ("Pandemia".to_string(), serde_json::to_string_pretty(&report.pandemic)?),
    ];
    let html = report::html_page(
        "Análisis exploratorio — ventas de buñuelos",
        &figures,
        &sections,
    );
    let mut names = put_figures(store, &figures)?;
    store.put(Area::Figures, "eda", "html", html.as_bytes(), None)?;
    names.push("eda_latest.html".into());
    tracing::info!(
        weekly = ?report.seasonality_strength_weekly,
        yearly = ?report.seasonality_strength_yearly,
        lags = ?report.suggested_lags,
        "EDA done"
    );
    store::put_report(
        store,
        "eda",
        &EdaBody {
            analysis: report,
            figures: names,
        },
    )?;
    Ok(())
}

/// Body of the phase 04 report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeaturesBody {
    /// Feature columns of the processed layer.
    pub n_features: usize,
    /// What was built.
    pub report: features::FeaturesReport,
    /// The first rows of the processed history, cells as text.
    pub first_rows: Vec<Vec<Option<String>>>,
}

/// Phase 04: the feature table, the model-ready history and the future rows.
pub fn features(store: &mut dyn Store, cfg: &AppConfig) -> Result<(), PipelineError> {
    let frame = read_cleansed(store)?;
    let pais = cfg.calendar.festivos.pais;
    if pais.subdivision_without_rules().is_some() {
        tracing::warn!(
            "festivos: subdivision `{pais}` has no rules of its own here; the national holidays \
             of {} are used (add the regional days with calendar.festivos.agregar)",
            pais.country_code()
        );
    }
    // Read on purpose: the future of flags known in advance (never the history).
    let after = read_after_cutoff(store)?;
    let layers = crate::flow::features(&frame, &after, cfg)?;
    for n in &layers.report.extra_notes {
        if n.uso == "futuro_parcial" {
            tracing::warn!(
                "source column `{}`: the source gives its value on {} of the {} horizon days; \
                 the other {} take its usual value {} (features.futuro_parcial: excluir leaves \
                 such a flag out of the model)",
                n.columna,
                n.futuro_de_la_fuente,
                layers.report.horizon_days(),
                n.futuro_del_plan,
                n.valor_relleno.unwrap_or(f64::NAN)
            );
            continue;
        }
        if n.uso == "sin_futuro" {
            let horizon = layers.report.horizon_days();
            match (n.futuro_de_la_fuente, n.valor_relleno) {
                (given @ 1.., Some(usual)) => tracing::warn!(
                    "source column `{c}` left out of the model: the source gives its value on \
                     {given} of the {horizon} horizon days, not on every one. If its usual value \
                     {usual} holds on the others, add {{nombre: {q}, futuro_por_defecto: \
                     {usual}}} to features.exogenas (the source's values are kept where given)",
                    c = n.columna,
                    // Quoted: a name YAML would read as another type or break stays a name.
                    q = serde_json::Value::String(n.columna.clone())
                ),
                _ => tracing::warn!(
                    "source column `{}` left out of the model: the source gives no value for \
                     the horizon (add rows after the cutoff, or give its future in \
                     features.exogenas)",
                    n.columna
                ),
            }
            continue;
        }
        tracing::info!(
            column = %n.columna,
            uso = %n.uso,
            from_source = n.futuro_de_la_fuente,
            from_plan = n.futuro_del_plan,
            filled = n.futuro_relleno,
            "extra source column"
        );
    }
    if let Some(l) = &layers.report.serie_lanzada {
        tracing::warn!(
            "the history starts at the first sale, {}: the {} open days without sales before \
             it read as a product not yet on sale (features.serie_lanzada: null keeps them)",
            l.desde,
            l.dias_sin_ventas
        );
    }
    let span = layers.report.history_span_days();
    if span < features::YEAR_DAYS {
        tracing::warn!(
            "the history covers {span} days, less than a year: the forecast has not seen the \
             whole yearly cycle and its intervals may fall short"
        );
    }
    if layers.report.resolved.partial_year(span.max(0) as usize)
        && (cfg.features.tendencia || cfg.features.fourier_anual > 0)
    {
        tracing::warn!(
            "the history covers {span} days, under features.ciclo_anual_min_dias ({}): the \
             trend and the yearly Fourier terms are left out (they would extrapolate part of a \
             season); the weekday x season pairs stay",
            cfg.features.ciclo_anual_min_dias.unwrap_or_default()
        );
    }
    for d in &layers.report.planned_outside_horizon {
        tracing::warn!("planned promotion on {d} is outside the horizon and is ignored");
    }
    let profile = contract::profile(&layers.train, 3)?;
    for (area, name, frame) in [
        (Area::Features, "features", &layers.all_features),
        (Area::Processed, "train", &layers.train),
        (Area::Processed, "future", &layers.future),
    ] {
        let bytes = connector::to_parquet_bytes(frame)?;
        store.put(area, name, "parquet", &bytes, Some(frame.height() as u64))?;
    }
    tracing::info!(
        features = layers.report.feature_columns.len(),
        history = layers.report.history_rows,
        future = layers.report.future_rows,
        "feature layers written"
    );
    store::put_report(
        store,
        "features",
        &FeaturesBody {
            n_features: layers.report.feature_columns.len(),
            report: layers.report,
            first_rows: profile.head,
        },
    )?;
    Ok(())
}
