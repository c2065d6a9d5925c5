//! The phases as stages over a [`Store`]: each reads what earlier phases published, calls the
//! functions of [`crate::flow`], and publishes its tables, figures and report. A stage computes
//! everything before its first write, so with a staging store (the file store) a failing
//! stage publishes nothing.
//!
//! `xtask` runs them on the project's folders ([`store::FileStore`]); a service or a test can
//! run them on a [`store::MemoryStore`].

use polars::prelude::DataFrame;
use store::{Area, Store};

use crate::config::AppConfig;
use crate::phase::Phase;
use crate::PipelineError;

mod informe;
mod many;
mod monitor;
mod prepare;
mod results;
mod source;
mod train;

pub use informe::{build as build_informe, informe};
pub use many::{
    many, merge, series_body, HoldoutRow, Partition, SeriesBody, SeriesPart, SeriesRow,
    SeriesSummary, SeriesTables, TotalRow, LENT_INDEX,
};
pub use monitor::{monitor, ForecastHealth, MonitorBody, VariableDrift};
pub use prepare::{cleanse, eda, features, CleanseBody, EdaBody, FeaturesBody};
pub use results::{executive, forecast, simulate, ForecastBody, SimulationBody};
pub use source::{
    explore, ingest, ExploreBody, IngestBody, ProposalBody, SourceAccess, SourceSummary,
};
pub use train::{train, train_with_progress};

/// File name (in the cleansed layer) of the source's rows after the cutoff, as observed.
pub const AFTER_CUTOFF: &str = "despues_del_corte";

/// Reads a Parquet layer an earlier phase published, recorded as an input with its rows;
/// a missing one names the phase to run.
pub(crate) fn read_layer(
    store: &mut dyn Store,
    area: Area,
    name: &str,
    phase: &'static str,
) -> Result<DataFrame, PipelineError> {
    Ok(read_layer_sha(store, area, name, phase)?.0)
}

/// [`read_layer`] with the SHA-256 of the bytes read.
pub(crate) fn read_layer_sha(
    store: &mut dyn Store,
    area: Area,
    name: &str,
    phase: &'static str,
) -> Result<(DataFrame, String), PipelineError> {
    let at = store.locate(area, name, "parquet");
    let Some(bytes) = store.get(area, name, "parquet")? else {
        return Err(PipelineError::Missing {
            what: "layer",
            at,
            phase,
        });
    };
    let frame = connector::parquet_from_bytes(&bytes, &at)?;
    store.count_rows(&at, frame.height() as u64);
    Ok((frame, store::sha256_hex(&bytes)))
}

/// The cleansed daily grid (phase 02).
pub(crate) fn read_cleansed(store: &mut dyn Store) -> Result<DataFrame, PipelineError> {
    read_layer(store, Area::Cleansed, "ventas_diarias", "02 cleanse")
}

/// The source's rows after the cutoff (phase 02).
pub(crate) fn read_after_cutoff(store: &mut dyn Store) -> Result<DataFrame, PipelineError> {
    read_layer(store, Area::Cleansed, AFTER_CUTOFF, "02 cleanse")
}

/// A report body an earlier phase published; a missing one names the phase to run.
pub(crate) fn read_report<T: serde::de::DeserializeOwned>(
    store: &mut dyn Store,
    name: &str,
    what: &'static str,
    phase: &'static str,
) -> Result<T, PipelineError> {
    let at = store.locate(Area::Reports, name, "json");
    match store::get_report::<_, T>(store, name)? {
        Some(r) => Ok(r.body),
        None => Err(PipelineError::Missing { what, at, phase }),
    }
}

/// Phase 04's report: the feature settings and plan as applied.
pub(crate) fn read_features_report(
    store: &mut dyn Store,
) -> Result<features::FeaturesReport, PipelineError> {
    #[derive(serde::Deserialize)]
    struct Body {
        report: features::FeaturesReport,
    }
    Ok(read_report::<Body>(store, "features", "features report", "04 features")?.report)
}

/// The champion phase 05 published.
pub(crate) fn read_champion(
    store: &mut dyn Store,
) -> Result<forecaster::Forecaster, PipelineError> {
    let at = store.locate(Area::Models, "champion", "json");
    let Some(bytes) = store.get(Area::Models, "champion", "json")? else {
        return Err(PipelineError::Missing {
            what: "champion",
            at,
            phase: "05 train",
        });
    };
    forecaster::Forecaster::from_json(&bytes, None).map_err(|source| PipelineError::Champion {
        at,
        source: Box::new(source),
    })
}

/// The caption under every figure: the run and the last day of data it was drawn from.
pub(crate) fn caption(
    store: &dyn Store,
    lang: report::Lang,
    cutoff: Option<chrono::NaiveDate>,
) -> String {
    let run = store.run_id();
    match cutoff {
        Some(d) => {
            let day = report::numfmt::day(&d.to_string(), None, lang);
            match lang {
                report::Lang::Es => format!("Corrida {run} · datos hasta {day}"),
                report::Lang::En => format!("Run {run} · data up to {day}"),
            }
        }
        None => match lang {
            report::Lang::Es => format!("Corrida {run}"),
            report::Lang::En => format!("Run {run}"),
        },
    }
}

/// A figure's texts: title, axis titles and the run caption, in `lang`.
pub(crate) fn chart<'a>(
    title: &'a str,
    x: &'a str,
    y: &'a str,
    caption: &'a str,
    lang: report::Lang,
) -> report::Chart<'a> {
    report::Chart {
        title,
        x,
        y,
        caption,
        lang,
    }
}

/// Publishes figures (`<name>.png` in the figures area) and returns the names the reports list.
pub(crate) fn put_figures(
    store: &mut dyn Store,
    figures: &[(String, Vec<u8>)],
) -> Result<Vec<String>, PipelineError> {
    let mut names = Vec::new();
    for (name, png) in figures {
        store.put(Area::Figures, name, "png", png, None)?;
        names.push(format!("{name}_latest.png"));
    }
    Ok(names)
}

/// Runs `phase`'s stage on `store`.
pub fn run_stage(
    phase: Phase,
    store: &mut dyn Store,
    cfg: &AppConfig,
    secrets: &SourceAccess<'_>,
) -> Result<(), PipelineError> {
    match phase {
        Phase::Explore => explore(store, cfg, secrets),
        Phase::Ingest => ingest(store, cfg, secrets),
        Phase::Cleanse => cleanse(store, cfg),
        Phase::Eda => eda(store, cfg),
        Phase::Features => features(store, cfg),
        Phase::Train => train(store, cfg),
        Phase::Forecast => forecast(store, cfg),
        Phase::Simulate => simulate(store, cfg),
        Phase::Monitor => monitor(store, cfg),
    }
}
