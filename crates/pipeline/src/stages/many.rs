//! A many-series run (`source.serie` set) over a store: the raw long table is snapshotted as
//! phase 01 does, every series runs phases 01–06 ([`crate::many::run_many_each`]: each series
//! is reduced to its part and its compressed layers as soon as it has run), and the long
//! outputs are published with the key columns first: the cleansed, features and processed
//! layers ([`LAYERS`]; series with different feature columns share one table), the daily and
//! monthly forecasts (plus the total across series, key `_total`), the leaderboard, and the
//! `series` report (per series: rows, champion, backtest error, hold-out scores or why it
//! failed; and the total's hold-out).
//!
//! A **shard** (`--shard i/n`) runs the series its key hashes to and publishes the same long
//! outputs for them (no total: a shard's total is nobody's) plus its **partition**
//! (`forecast/partition_latest.json`: per series its position, report row and tables; the
//! shard's exact sums for the total, [`TotalSum`]). [`merge`] reads the `n` partitions and
//! publishes exactly what the unsharded run publishes, byte for byte: both go through one
//! `publish`, and the shards' sums add up to the unsharded run's to the bit.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use sha2::{Digest, Sha256};

use super::SourceAccess;
use crate::many::{Many, Shard, TotalSum};
use crate::{AppConfig, PartitionProblem, PipelineError};
use store::{Area, Store};

/// One series in the `series` report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesRow {
    /// The key as one name (`/`-joined values).
    pub serie: String,
    /// The key values.
    pub key: Vec<String>,
    /// Rows the source had for it.
    pub rows: usize,
    /// The champion (none when the series failed).
    pub champion: Option<String>,
    /// The champion's pooled backtest score (the competition's metric).
    pub backtest: Option<f64>,
    /// Units forecast over the horizon.
    pub total_units: Option<f64>,
    /// Hold-out scores on a hold-out run.
    pub holdout: Option<HoldoutRow>,
    /// Why it failed.
    pub error: Option<String>,
    /// Why its champion is the fallback (`train.respaldo`: its backtest reached too little of
    /// the horizon), or why the fallback was due and could not serve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respaldo: Option<String>,
    /// Sibling series whose yearly shape it borrowed (`features.forma_anual_prestada`: under a
    /// year of history), if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forma_anual_prestada: Option<usize>,
}

/// Hold-out scores of one series or of the total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldoutRow {
    /// Days scored.
    pub days: usize,
    /// Mean absolute error.
    pub mae: f64,
    /// MAE over the weekly naive's in-sample MAE (NaN, written `null`, on a constant history).
    #[serde(deserialize_with = "core_types::nan::null_as_nan")]
    pub mase: f64,
    /// Empirical coverage per nominal level (`[level, coverage]`).
    pub coverage: Vec<(f64, f64)>,
}

impl HoldoutRow {
    /// The row of a hold-out score.
    pub fn of(h: &forecaster::HoldoutScore) -> Self {
        Self {
            days: h.overall.days,
            mae: h.overall.mae,
            mase: h.overall.mase7,
            coverage: h
                .overall
                .intervals
                .iter()
                .map(|i| (i.level, i.coverage))
                .collect(),
        }
    }
}

/// Body of the `series` report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesBody {
    /// The shard this run was (none: the whole run, or the merge of its shards).
    pub shard: Option<Shard>,
    /// The key columns.
    pub key_columns: Vec<String>,
    /// Series in the source.
    pub series: usize,
    /// Series forecast.
    pub forecast: usize,
    /// Every series (of the shard), in key order.
    pub rows: Vec<SeriesRow>,
    /// The total across the series forecast: days covered and hold-out scores.
    pub total: Option<TotalRow>,
    /// The rows in a few numbers.
    pub summary: SeriesSummary,
}

/// The `series` report in a few numbers: how many failed, which champions won how often, the
/// median backtest score and, on a hold-out run, the scores across the series scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesSummary {
    /// Series that were not forecast.
    pub failed: usize,
    /// Champion name → series it won.
    pub champions: std::collections::BTreeMap<String, usize>,
    /// Median of the champions' backtest scores.
    pub backtest_median: Option<f64>,
    /// Series scored on a hold-out.
    pub holdout_series: usize,
    /// Geometric mean of their hold-out MASE.
    pub holdout_mase_geomean: Option<f64>,
    /// Median of their hold-out MASE.
    pub holdout_mase_median: Option<f64>,
    /// Mean empirical coverage per nominal level (`[level, coverage]`).
    pub holdout_coverage_mean: Vec<(f64, f64)>,
}

impl SeriesSummary {
    /// The summary of report rows.
    pub fn of(rows: &[SeriesRow]) -> Self {
        let median = |mut v: Vec<f64>| -> Option<f64> {
            v.retain(|x| x.is_finite());
            if v.is_empty() {
                return None;
            }
            v.sort_by(f64::total_cmp);
            let m = v.len() / 2;
            Some(if v.len() % 2 == 1 {
                v[m]
            } else {
                (v[m - 1] + v[m]) / 2.0
            })
        };
        let mut champions = std::collections::BTreeMap::new();
        for c in rows.iter().filter_map(|r| r.champion.as_ref()) {
            *champions.entry(c.clone()).or_insert(0) += 1;
        }
        let scored: Vec<&HoldoutRow> = rows.iter().filter_map(|r| r.holdout.as_ref()).collect();
        let mase: Vec<f64> = scored
            .iter()
            .map(|h| h.mase)
            .filter(|m| m.is_finite() && *m > 0.0)
            .collect();
        let levels: Vec<f64> = scored
            .first()
            .map(|h| h.coverage.iter().map(|(l, _)| *l).collect())
            .unwrap_or_default();
        let holdout_coverage_mean = levels
            .iter()
            .map(|l| {
                let v: Vec<f64> = scored
                    .iter()
                    .filter_map(|h| h.coverage.iter().find(|(x, _)| x == l).map(|(_, c)| *c))
                    .collect();
                (*l, v.iter().sum::<f64>() / v.len().max(1) as f64)
            })
            .collect();
        Self {
            failed: rows.iter().filter(|r| r.error.is_some()).count(),
            champions,
            backtest_median: median(rows.iter().filter_map(|r| r.backtest).collect()),
            holdout_series: scored.len(),
            holdout_mase_geomean: (!mase.is_empty())
                .then(|| (mase.iter().map(|m| m.ln()).sum::<f64>() / mase.len() as f64).exp()),
            holdout_mase_median: median(mase.clone()),
            holdout_coverage_mean,
        }
    }
}

/// The total across series in the `series` report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TotalRow {
    /// Series summed.
    pub series: usize,
    /// Days every series forecasts.
    pub days: usize,
    /// Units forecast over those days.
    pub total_units: f64,
    /// Hold-out scores on a hold-out run.
    pub holdout: Option<HoldoutRow>,
}

/// One series as published: its position in the source's key order, its report row and,
/// when it was forecast, its tables (CSV without the key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesPart {
    /// Position in the key order of the whole source.
    pub position: usize,
    /// The report row.
    pub row: SeriesRow,
    /// The tables, when the series was forecast.
    pub tables: Option<SeriesTables>,
    /// Its columns in each long layer ([`LAYERS`] order; the key aside): what the merge takes
    /// of a shard's layer for it (series may differ in their feature columns).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layer_columns: Vec<Vec<String>>,
}

/// The layers a many-series run publishes long, with the key first: the cleansed days
/// (`02_cleansed`), every feature (`03_features`) and the training and horizon tables
/// (`04_processed`). Series whose feature columns differ share one table, a column a series
/// lacks being null on its rows.
pub const LAYERS: [(Area, &str); 4] = [
    (Area::Cleansed, "ventas_diarias"),
    (Area::Features, "features"),
    (Area::Processed, "train"),
    (Area::Processed, "future"),
];

/// A series' frames of every layer of [`LAYERS`]; the processed layers (`train`, `future`) of
/// a series that borrowed a yearly shape carry it as [`LENT_INDEX`], the index its target was
/// divided by and its forecast multiplied by.
fn layer_frames(o: &crate::Outcome) -> Result<Vec<polars::prelude::DataFrame>, PipelineError> {
    let processed = |f: &polars::prelude::DataFrame, layer: &'static str| match &o.lent {
        None => Ok(f.clone()),
        Some(lent) => {
            let index: Vec<Option<f64>> = crate::frames::dates(f, layer)?
                .iter()
                .map(|d| lent.index.get(d).copied())
                .collect();
            let mut out = f.clone();
            out.with_column(polars::prelude::Column::new(LENT_INDEX.into(), index))?;
            Ok::<_, PipelineError>(out)
        }
    };
    Ok(vec![
        o.cleansed.cleansed.frame.clone(),
        o.layers.all_features.clone(),
        processed(&o.layers.train, "train")?,
        processed(&o.layers.future, "future")?,
    ])
}

/// The column of the published processed layers holding a lent yearly shape
/// (`features.forma_anual_prestada`).
pub const LENT_INDEX: &str = "indice_forma_anual_prestada";

fn column_names(frame: &polars::prelude::DataFrame) -> Vec<String> {
    frame
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect()
}

/// A forecast series' tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesTables {
    /// `forecast_daily` rows of the series, CSV with header, without the key.
    pub daily_csv: String,
    /// `forecast_monthly` rows.
    pub monthly_csv: String,
    /// Leaderboard rows.
    pub leaderboard_csv: String,
}

/// A shard's partition (`forecast/partition_latest.json` in its folder).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partition {
    /// The shard.
    pub shard: Shard,
    /// The key columns.
    pub key_columns: Vec<String>,
    /// Series in the whole source.
    pub in_source: usize,
    /// The shard's series summed for the total across series (exact sums: the merge adds the
    /// shards' and gets the unsharded run's bits).
    pub total: TotalSum,
    /// SHA-256 of the resolved configuration without its `paths` (every shard must agree).
    pub config_sha256: String,
    /// SHA-256 of the source's rows as read (every shard must agree).
    pub source_sha256: String,
    /// Where the shard's series' histories end ([`Many::history_end`]; every shard must agree:
    /// a history ending today reads the clock).
    #[serde(default)]
    pub history_end: Option<chrono::NaiveDate>,
    /// The shard's series.
    pub series: Vec<SeriesPart>,
}

fn sha_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// SHA-256 of the resolved configuration without `paths` (shards write to their own folders).
fn config_sha256(cfg: &AppConfig) -> Result<String, PipelineError> {
    let mut v = serde_json::to_value(cfg)?;
    if let Some(m) = v.as_object_mut() {
        m.remove("paths");
    }
    Ok(sha_hex(serde_json::to_string(&v)?.as_bytes()))
}

/// The report row of one series' run.
fn series_row(s: &crate::many::SeriesRun) -> SeriesRow {
    match &s.outcome {
        Ok(o) => SeriesRow {
            serie: s.name.clone(),
            key: s.key.clone(),
            rows: s.rows,
            champion: Some(o.trained.champion.nombre.clone()),
            backtest: o
                .trained
                .leaderboard
                .champion()
                .and_then(|e| e.metrics.get(&o.trained.leaderboard.metric).copied()),
            total_units: Some(o.forecast.daily.iter().map(|d| d.point).sum()),
            holdout: o.holdout.as_ref().map(HoldoutRow::of),
            error: None,
            respaldo: o.trained.fallback_note().map(String::from),
            forma_anual_prestada: o.lent.as_ref().map(|l| l.series),
        },
        Err(e) => SeriesRow {
            serie: s.name.clone(),
            key: s.key.clone(),
            rows: s.rows,
            champion: None,
            backtest: None,
            total_units: None,
            holdout: None,
            error: Some(crate::chain(e)),
            respaldo: None,
            forma_anual_prestada: None,
        },
    }
}

/// CSV text (the tables module writes UTF-8, so nothing is replaced).
fn utf8(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A series as a many-series run keeps it once it has run: its part, and its frames of every
/// layer of [`LAYERS`] with its key, as Parquet bytes (by layer; none when it failed).
type Kept = (SeriesPart, Vec<Vec<u8>>);

/// What the run keeps of a series' run (on the thread that ran it, as soon as it has run): its
/// report row, its tables as CSV text and its layers compressed; its forecast is added to the
/// total's sum. Its models, training data, frames, feature tables and bootstrap paths are freed
/// there, so a run holds tens of kilobytes per series instead of every series' whole run (until
/// stop 45 the parts were made once every series had run: 2.6 GB at 1,000 series).
fn part(
    s: crate::many::SeriesRun,
    key_columns: &[String],
    levels: &[f64],
    total: &std::sync::Mutex<TotalSum>,
) -> Result<Kept, PipelineError> {
    let row = series_row(&s);
    let (tables, layer_columns, pieces) = match s.outcome {
        Ok(o) => {
            let (actuals, history) = crate::many::observed(&o)?;
            total
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .add(
                    s.position,
                    &crate::many::TotalRef {
                        forecast: &o.forecast,
                        actuals: &actuals,
                        history: &history,
                    },
                );
            let frames = layer_frames(&o)?;
            let pieces = frames
                .iter()
                .map(|f| layer_piece(f, key_columns, &s.key))
                .collect::<Result<Vec<_>, _>>()?;
            (
                Some(SeriesTables {
                    daily_csv: utf8(crate::tables::daily_csv(&o.forecast)?),
                    monthly_csv: utf8(crate::tables::monthly_csv(&o.forecast, levels)?),
                    leaderboard_csv: utf8(crate::tables::leaderboard_csv(&o.trained.leaderboard)?),
                }),
                frames.iter().map(column_names).collect(),
                pieces,
            )
        }
        Err(_) => (None, Vec::new(), Vec::new()),
    };
    Ok((
        SeriesPart {
            position: s.position,
            row,
            tables,
            layer_columns,
        },
        pieces,
    ))
}

/// A series' frame of a layer with its key first, as Parquet bytes.
fn layer_piece(
    frame: &polars::prelude::DataFrame,
    key_columns: &[String],
    key: &[String],
) -> Result<Vec<u8>, PipelineError> {
    Ok(connector::to_parquet_bytes_fast(&with_key(
        frame,
        key_columns,
        key,
    )?)?)
}

/// The `series` report body of a many-series run.
pub fn series_body(many: &Many) -> SeriesBody {
    let rows: Vec<SeriesRow> = many.series.iter().map(series_row).collect();
    let total = many.total.as_ref().filter(|_| many.shard.is_none());
    body_of(&many.key_columns, many.in_source, many.shard, rows, total)
}

fn body_of(
    key_columns: &[String],
    in_source: usize,
    shard: Option<Shard>,
    rows: Vec<SeriesRow>,
    total: Option<&crate::many::Total>,
) -> SeriesBody {
    SeriesBody {
        shard,
        key_columns: key_columns.to_vec(),
        series: in_source,
        forecast: rows.iter().filter(|r| r.error.is_none()).count(),
        total: total.map(|t| TotalRow {
            series: t.series,
            days: t.days,
            total_units: t.forecast.daily.iter().map(|d| d.point).sum(),
            holdout: t.holdout.as_ref().map(HoldoutRow::of),
        }),
        summary: SeriesSummary::of(&rows),
        rows,
    }
}

/// `frame` with the key columns first, each holding the series' value.
fn with_key(
    frame: &polars::prelude::DataFrame,
    columns: &[String],
    key: &[String],
) -> Result<polars::prelude::DataFrame, PipelineError> {
    use polars::prelude::*;
    let mut out = frame.clone();
    for (i, (c, v)) in columns.iter().zip(key).enumerate() {
        out.insert_column(
            i,
            Column::new(c.as_str().into(), vec![v.as_str(); frame.height()]),
        )?;
    }
    Ok(out)
}

/// The many-series run over a store (see the module docs); with a `shard`, the shard's run and
/// its partition. Fails when no series could be forecast; a failing series is reported and the
/// others are published.
pub fn many(
    store: &mut dyn Store,
    cfg: &AppConfig,
    access: &SourceAccess<'_>,
    shard: Option<Shard>,
) -> Result<(), PipelineError> {
    let (fetched, source) = super::source::fetch(store, cfg, access)?;
    super::source::put_snapshot(store, &fetched, source, cfg.zone())?;
    let levels = cfg.forecast.intervals.percents();
    // The series are added as they finish, in any order: the sums are exact.
    let sum = std::sync::Mutex::new(TotalSum::default());
    let crate::many::Runs {
        key_columns,
        in_source,
        series,
        history_end,
        ..
    } = crate::many::run_many_each(&fetched.frame, cfg, shard, |s| {
        part(s, &cfg.source.serie, &levels, &sum)
    })?;
    let (parts, pieces): (Vec<SeriesPart>, Vec<Vec<Vec<u8>>>) = series
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .unzip();
    let sum = sum
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // A shard's total is nobody's: its sum goes to the merge.
    let (total, sum) = match shard {
        None => (sum.finish(), None),
        Some(_) => (None, Some(sum)),
    };
    publish(
        store,
        &key_columns,
        in_source,
        shard,
        &parts,
        &pieces,
        total.as_ref(),
        &levels,
    )?;
    if let Some(shard) = shard {
        let partition = Partition {
            shard,
            key_columns,
            in_source,
            total: sum.unwrap_or_default(),
            config_sha256: config_sha256(cfg)?,
            source_sha256: sha_hex(&connector::to_parquet_bytes(&fetched.frame)?),
            history_end,
            series: parts,
        };
        let bytes = serde_json::to_vec(&partition)?;
        store.put(
            Area::Forecast,
            "partition",
            "json",
            &bytes,
            Some(partition.series.len() as u64),
        )?;
    }
    Ok(())
}

/// Merges the partitions of the `count` shards (`shards[i]` the store of shard `i`) into the
/// outputs of the whole run, published on `store` exactly as the unsharded run publishes them.
/// Errors when a shard is missing, was written for another shard count, on another
/// configuration or source, or two shards hold one series.
pub fn merge(
    store: &mut dyn Store,
    cfg: &AppConfig,
    shards: &[&dyn Store],
) -> Result<(), PipelineError> {
    let count = shards.len() as u32;
    let problem = |problem| PipelineError::Partitions { problem };
    let mut partitions = Vec::with_capacity(shards.len());
    // Each series' frame of every layer, by key.
    let mut frames_of: BTreeMap<Vec<String>, Vec<polars::prelude::DataFrame>> = BTreeMap::new();
    for (i, s) in shards.iter().enumerate() {
        let index = i as u32;
        let bytes = s
            .peek(Area::Forecast, "partition", "json")?
            .ok_or_else(|| problem(PartitionProblem::Missing { index, count }))?;
        let damaged = |what| problem(PartitionProblem::Damaged { index, count, what });
        let p: Partition = serde_json::from_slice(&bytes).map_err(|_| {
            damaged("cannot be read (written by another version of the program, or damaged)")
        })?;
        let forecast = p.series.iter().filter(|x| x.tables.is_some()).count();
        if p.total.series != forecast || !p.total.is_consistent() {
            return Err(damaged(
                "holds sums for the total that do not match its series",
            ));
        }
        if p.shard.count != count || p.shard.index != index {
            return Err(problem(PartitionProblem::Count {
                index,
                count,
                found: p.shard.count,
            }));
        }
        if p.series.iter().any(|x| x.tables.is_some()) {
            for (area, name) in LAYERS {
                let frame = s
                    .peek(area, name, "parquet")?
                    .ok_or_else(|| problem(PartitionProblem::Missing { index, count }))?;
                let frame = connector::parquet_from_bytes(&frame, "partition")?;
                for part in connector::split_series(&frame, &p.key_columns)? {
                    frames_of.entry(part.key).or_default().push(part.frame);
                }
            }
        }
        partitions.push(p);
    }
    let first = partitions
        .first()
        .ok_or_else(|| problem(PartitionProblem::Missing { index: 0, count }))?;
    let here = config_sha256(cfg)?;
    for p in &partitions {
        let index = p.shard.index;
        if p.config_sha256 != here || p.key_columns != first.key_columns {
            return Err(problem(PartitionProblem::Differs {
                index,
                what: "config",
            }));
        }
        if p.source_sha256 != first.source_sha256 || p.in_source != first.in_source {
            return Err(problem(PartitionProblem::Differs {
                index,
                what: "source",
            }));
        }
        if p.history_end != first.history_end {
            return Err(problem(PartitionProblem::Differs {
                index,
                what: "end of history (a history ending today reads the clock: run the shards \
                       on the same day, or set run.today)",
            }));
        }
    }
    let (keys, in_source) = (first.key_columns.clone(), first.in_source);
    // The shards' sums added: exact, so the unsharded run's total to the bit.
    let mut sum = TotalSum::default();
    let mut parts: Vec<SeriesPart> = Vec::new();
    for p in partitions {
        sum.merge(p.total);
        parts.extend(p.series);
    }
    parts.sort_by_key(|p| p.position);
    if let Some(w) = parts.windows(2).find(|w| w[0].position == w[1].position) {
        return Err(problem(PartitionProblem::Twice {
            serie: w[1].row.serie.clone(),
        }));
    }
    let mut pieces: Vec<Vec<Vec<u8>>> = Vec::with_capacity(parts.len());
    for p in &parts {
        if p.tables.is_none() {
            pieces.push(Vec::new());
            continue;
        }
        let frames = frames_of
            .remove(&p.row.key)
            .filter(|f| f.len() == LAYERS.len() && p.layer_columns.len() == LAYERS.len())
            .ok_or_else(|| {
                problem(PartitionProblem::Missing {
                    index: Shard::of(&p.row.key, count),
                    count,
                })
            })?;
        // The series' own columns (its shard's table holds its shard's union).
        pieces.push(
            frames
                .iter()
                .zip(&p.layer_columns)
                .map(|(frame, columns)| {
                    let own = frame.select(columns.iter().map(|c| c.as_str()))?;
                    layer_piece(&own, &keys, &p.row.key)
                })
                .collect::<Result<_, _>>()?,
        );
    }
    let levels = cfg.forecast.intervals.percents();
    let total = sum.finish();
    publish(
        store,
        &keys,
        in_source,
        None,
        &parts,
        &pieces,
        total.as_ref(),
        &levels,
    )
}

/// Publishes a many-series run's parts: the `series` report, the long layers of [`LAYERS`]
/// (`pieces`: each part's frames by layer, Parquet bytes, stacked one series at a time) and the
/// long forecast and leaderboard tables, with `total` (none on a shard).
#[allow(clippy::too_many_arguments)]
fn publish(
    store: &mut dyn Store,
    keys: &[String],
    in_source: usize,
    shard: Option<Shard>,
    parts: &[SeriesPart],
    pieces: &[Vec<Vec<u8>>],
    total: Option<&crate::many::Total>,
    levels: &[f64],
) -> Result<(), PipelineError> {
    let rows = parts.iter().map(|p| p.row.clone()).collect();
    let body = body_of(keys, in_source, shard, rows, total);
    // Published even when no series ran: it says why each one failed.
    store::put_evidence_report(store, "series", &body)?;
    if body.forecast == 0 {
        if shard.is_some() {
            // A shard may hold no series, or only failing ones: its partition still counts
            // (the merge decides, as the unsharded run would).
            log_rows(&body);
            return Ok(());
        }
        return Err(PipelineError::NoSeriesRan {
            series: body.rows.len(),
        });
    }
    let (mut daily, mut monthly, mut boards) = (Vec::new(), Vec::new(), Vec::new());
    for p in parts {
        if let Some(t) = &p.tables {
            let k = p.row.key.clone();
            daily.push((k.clone(), t.daily_csv.clone().into_bytes()));
            monthly.push((k.clone(), t.monthly_csv.clone().into_bytes()));
            boards.push((k, t.leaderboard_csv.clone().into_bytes()));
        }
    }
    if let Some(t) = total {
        let key = vec![crate::tables::TOTAL_KEY.to_string(); keys.len()];
        daily.push((key.clone(), crate::tables::daily_csv(&t.forecast)?));
        monthly.push((key, crate::tables::monthly_csv(&t.forecast, levels)?));
    }
    let rows = |parts: &[(Vec<String>, Vec<u8>)]| -> usize {
        parts
            .iter()
            .map(|p| {
                p.1.iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    .saturating_sub(1)
            })
            .sum()
    };
    let put = |store: &mut dyn Store,
               area: Area,
               name: &str,
               parts: &[(Vec<String>, Vec<u8>)]|
     -> Result<(), PipelineError> {
        let bytes = crate::tables::keyed(keys, parts)?;
        store.put(area, name, "csv", &bytes, Some(rows(parts) as u64))?;
        Ok(())
    };
    for (l, (area, name)) in LAYERS.into_iter().enumerate() {
        let files: Vec<&[u8]> = pieces
            .iter()
            .filter_map(|p| p.get(l).map(Vec::as_slice))
            .collect();
        if let Some((bytes, rows)) = connector::stack_parquet(&files, name)? {
            store.put(area, name, "parquet", &bytes, Some(rows as u64))?;
        }
    }
    put(store, Area::Forecast, "forecast_daily", &daily)?;
    put(store, Area::Forecast, "forecast_monthly", &monthly)?;
    put(store, Area::Reports, "leaderboard", &boards)?;
    log_rows(&body);
    Ok(())
}

fn log_rows(body: &SeriesBody) {
    for r in &body.rows {
        if let (Some(c), Some(why)) = (&r.champion, &r.respaldo) {
            tracing::warn!(serie = %r.serie, "champion {c}: {why}");
        }
        match (&r.holdout, &r.error) {
            (_, Some(e)) => tracing::warn!(serie = %r.serie, "not forecast: {e}"),
            (Some(h), None) => tracing::info!(
                serie = %r.serie,
                champion = r.champion.as_deref().unwrap_or_default(),
                mae = h.mae,
                mase = h.mase,
                "series scored on the hold-out"
            ),
            (None, None) => tracing::info!(
                serie = %r.serie,
                champion = r.champion.as_deref().unwrap_or_default(),
                units = r.total_units.unwrap_or_default(),
                "series forecast"
            ),
        }
    }
    let s = &body.summary;
    tracing::info!(
        failed = s.failed,
        champions = ?s.champions,
        holdout_mase_geomean = s.holdout_mase_geomean,
        "series summary"
    );
    if let Some(t) = &body.total {
        tracing::info!(
            series = t.series,
            days = t.days,
            units = t.total_units,
            mase = t.holdout.as_ref().map(|h| h.mase),
            "total across series forecast"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(champion: Option<&str>, backtest: Option<f64>, mase: Option<f64>) -> SeriesRow {
        SeriesRow {
            serie: "s".into(),
            key: vec!["s".into()],
            rows: 10,
            champion: champion.map(String::from),
            backtest,
            total_units: None,
            holdout: mase.map(|m| HoldoutRow {
                days: 5,
                mae: 1.0,
                mase: m,
                coverage: vec![(80.0, 0.8), (95.0, 1.0)],
            }),
            error: champion.is_none().then(|| "contract".into()),
            respaldo: None,
            forma_anual_prestada: None,
        }
    }

    #[test]
    fn the_summary_counts_champions_and_pools_the_scores() {
        let rows = [
            row(Some("a"), Some(0.5), Some(0.5)),
            row(Some("b"), Some(0.9), Some(2.0)),
            row(Some("a"), Some(0.7), Some(1.0)),
            row(None, None, None),
        ];
        let s = SeriesSummary::of(&rows);
        assert_eq!(s.failed, 1);
        assert_eq!(s.champions.get("a"), Some(&2));
        assert_eq!(s.champions.get("b"), Some(&1));
        assert_eq!(s.backtest_median, Some(0.7));
        assert_eq!(s.holdout_series, 3);
        assert!((s.holdout_mase_geomean.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(s.holdout_mase_median, Some(1.0));
        let cov = &s.holdout_coverage_mean;
        assert_eq!(cov.len(), 2);
        assert!((cov[0].0, cov[1]) == (80.0, (95.0, 1.0)) && (cov[0].1 - 0.8).abs() < 1e-12);
        let empty = SeriesSummary::of(&[]);
        assert_eq!((empty.failed, empty.holdout_mase_geomean), (0, None));
    }
}
