//! Many series in one run: a long table is split by its key (`source.serie`), every series runs
//! phases 01–06 in memory on its own ([`crate::run_in_memory`]: its own contract check,
//! cleansing, competition, champion and intervals), in parallel over series, and the total
//! across series is forecast from the summed bootstrap paths.
//!
//! Results do not depend on the thread count: each series is computed from its own rows and
//! the run's seed, and the series are kept in key order.
//!
//! ```no_run
//! // A long table keyed by `tienda` (e.g. read with `pipeline::fetch`): one forecast per
//! // store and their total.
//! let mut cfg = pipeline::AppConfig::shipped().unwrap();
//! cfg.source.serie = vec!["tienda".into()];
//! # let long = polars::prelude::DataFrame::empty();
//! let many = pipeline::many::run_many(&long, &cfg, None).unwrap();
//! for (s, o) in many.ok() {
//!     println!("{}: {} in 185 days", s.name, o.forecast.daily.iter().map(|d| d.point).sum::<f64>());
//! }
//! if let Some(t) = &many.total {
//!     println!("total: {:?}", t.forecast.monthly.first());
//! }
//! ```

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::DataFrame;
use rayon::prelude::*;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{AppConfig, Outcome, PipelineError};

/// One slice of a many-series run: the series whose key hashes to `index` modulo `count`
/// ([`Shard::of`]). Every shard is a normal run of its series; the shards' partitions merge
/// into the run of all series ([`crate::stages::merge`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: u32,
    /// Shards in all.
    pub count: u32,
}

impl Shard {
    /// `i/n` with `0 <= i < n`.
    pub fn parse(s: &str) -> Result<Self, PipelineError> {
        let bad = || PipelineError::BadShard { given: s.into() };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index >= count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }

    /// The shard of `key` among `count`: the first 8 bytes of the SHA-256 of the key values
    /// joined by U+001F, read as a big-endian integer, modulo `count`. Stable across runs,
    /// machines and languages (a Spark or Dask job can compute it too).
    pub fn of(key: &[String], count: u32) -> u32 {
        let digest = Sha256::digest(key.join("\u{1f}").as_bytes());
        let mut head = [0u8; 8];
        head.copy_from_slice(&digest[..8]);
        (u64::from_be_bytes(head) % u64::from(count.max(1))) as u32
    }

    /// Whether this shard holds `key`.
    pub fn holds(&self, key: &[String]) -> bool {
        Self::of(key, self.count) == self.index
    }

    /// The partition folder's name: `shard=<i>-of-<n>`.
    pub fn folder(&self) -> String {
        format!("shard={}-of-{}", self.index, self.count)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// One series' run.
#[derive(Debug)]
pub struct SeriesRun {
    /// Where the series comes in the source's key order (first appearance), counted over
    /// every series of the source, also on a shard.
    pub position: usize,
    /// The key values, one per key column.
    pub key: Vec<String>,
    /// The key as one name (`/`-joined).
    pub name: String,
    /// Rows the source had for it.
    pub rows: usize,
    /// Its outcome, or why it failed (the other series go on).
    pub outcome: Result<Outcome, PipelineError>,
}

/// The total across the series that ran.
#[derive(Debug, Clone)]
pub struct Total {
    /// Daily and monthly totals; bounds are quantiles of the summed paths (not summed bounds).
    pub forecast: forecaster::Forecast,
    /// Days where every series has a forecast (the total covers only those).
    pub days: usize,
    /// Series summed.
    pub series: usize,
    /// The total scored against the summed actuals on a hold-out run (days every series
    /// observed), MASE scaled by the total history's weekly naive.
    pub holdout: Option<forecaster::HoldoutScore>,
}

/// The observed values after the cutoff and up to it of a series' outcome.
type Observed = (BTreeMap<NaiveDate, f64>, BTreeMap<NaiveDate, f64>);

pub(crate) fn observed(o: &Outcome) -> Result<Observed, PipelineError> {
    let after = crate::frames::observed_frame(&o.cleansed.after)?;
    Ok((
        crate::frames::observed_actuals(&after)?,
        crate::frames::observed_history(&o.cleansed.cleansed.frame)?,
    ))
}

/// What the total needs of a series, borrowed (its forecast with its bootstrap paths is a third
/// of a series' memory: [`TotalSum::add`] sums it in place).
#[derive(Debug, Clone, Copy)]
pub struct TotalRef<'a> {
    /// The series' forecast, bootstrap paths included.
    pub forecast: &'a forecaster::Forecast,
    /// Observed values after the cutoff (raw, on days with a row).
    pub actuals: &'a BTreeMap<NaiveDate, f64>,
    /// Observed history up to the cutoff.
    pub history: &'a BTreeMap<NaiveDate, f64>,
}

/// The yearly shape a series with less than a year of history borrowed from its siblings
/// (`features.forma_anual_prestada`, [`features::lent`]): its prepared data were divided by
/// the index, and its forecast is multiplied by it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lent {
    /// Sibling series whose total lent the shape.
    pub series: usize,
    /// The index of each history and horizon day (mean 1 over the history).
    pub index: BTreeMap<NaiveDate, f64>,
}

impl Lent {
    /// The index of each day of `fc` (NaN on a day it does not hold, which
    /// [`forecaster::Forecast::rescaled`] refuses).
    pub fn factors(&self, fc: &forecaster::Forecast) -> Vec<f64> {
        fc.daily
            .iter()
            .map(|d| self.index.get(&d.fecha).copied().unwrap_or(f64::NAN))
            .collect()
    }
}

/// Whether `cfg` lends a yearly shape to a series of `days` history days.
fn borrows(cfg: &AppConfig, days: usize) -> bool {
    cfg.features.forma_anual_prestada.is_some() && cfg.features.partial_year(days)
}

/// Divides the prepared data of each series of `prepared` (the shard's own, or every one
/// with the global model on) whose history is shorter than `features.ciclo_anual_min_dias`
/// (read from `cfg`, the settings as given) by the yearly index the other prepared series
/// lend (not a signed target); the lent shapes, by position in `prepared`. The series sharing
/// `familia`'s key columns lend together ([`features::lent::Lenders`]): the series that lend
/// on every borrower's days are summed once, so a borrower costs its days and a lookup per
/// other series, not a pass over every series' days.
fn lend(prepared: &mut [PreparedSeries], cfg: &AppConfig) -> Vec<Option<Lent>> {
    let Some(shape) = &cfg.features.forma_anual_prestada else {
        return vec![None; prepared.len()];
    };
    // The key columns a sibling shares with the series it lends to.
    let family: Vec<usize> = shape
        .familia
        .iter()
        .filter_map(|c| cfg.source.serie.iter().position(|k| k == c))
        .collect();
    let family_of =
        |key: &[String]| -> Vec<String> { family.iter().map(|c| key[*c].clone()).collect() };
    // With the global model, every prepared series, not only the shard's: it is fitted on the
    // adjusted data, in a shard as in the whole run. A signed target (net flows, temperatures)
    // is not a level a seasonal factor scales: it borrows nothing.
    let borrowers: Vec<usize> = (0..prepared.len())
        .filter(|i| {
            let ((_, _, _, _, mine), _) = &prepared[*i];
            (*mine || cfg.train.global.enabled)
                && ready(&prepared[*i])
                    .is_some_and(|d| borrows(cfg, d.fechas.len()) && !d.is_signed())
        })
        .collect();
    let mut out = vec![None; prepared.len()];
    if borrowers.is_empty() {
        return out;
    }
    let siblings: Vec<Option<features::lent::Sibling>> = prepared
        .iter()
        .map(|p| ready(p).map(|d| features::lent::Sibling::new(&d.fechas, &d.model_y)))
        .collect();
    // Each family's lenders (the prepared series sharing its key values) and borrowers.
    let fam: Vec<Vec<String>> = prepared.iter().map(|p| family_of(&p.0 .1)).collect();
    let mut families: BTreeMap<&[String], (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for i in &borrowers {
        families.entry(&fam[*i]).or_default().1.push(*i);
    }
    for (j, f) in fam
        .iter()
        .enumerate()
        .filter(|(j, _)| siblings[*j].is_some())
    {
        if let Some((members, _)) = families.get_mut(f.as_slice()) {
            members.push(j);
        }
    }
    let days = |d: &crate::TrainData| -> Vec<NaiveDate> {
        d.fechas.iter().chain(&d.future_dates).copied().collect()
    };
    let mut lent: Vec<(usize, Option<features::lent::YearlyIndex>, Vec<NaiveDate>)> = Vec::new();
    for (members, who) in families.values() {
        let refs: Vec<&features::lent::Sibling> = members
            .iter()
            .filter_map(|j| siblings[*j].as_ref())
            .collect();
        let spans: Vec<(NaiveDate, NaiveDate)> = who
            .iter()
            .filter_map(|i| {
                let d = ready(&prepared[*i])?;
                Some((
                    *d.fechas.first()?,
                    *d.future_dates.last().or(d.fechas.last())?,
                ))
            })
            .collect();
        let lenders = features::lent::Lenders::new(&refs, shape, &spans);
        let prepared = &*prepared;
        lent.par_extend(who.par_iter().map(|i| {
            let data = ready(&prepared[*i]).expect("a borrower is prepared");
            let days = days(data);
            let own = members.binary_search(i).ok();
            (*i, lenders.index(&days, data.fechas.len(), own), days)
        }));
    }
    for (i, ix, days) in lent {
        let ((_, _, _, name, _), p) = &mut prepared[i];
        let Some(ix) = ix else {
            tracing::info!(
                serie = %name,
                "under a year of history and fewer than {} other series with positive values a \
                 year before each of its days (history and horizon; a horizon of more than about \
                 350 days reaches past their history): no yearly shape to borrow",
                shape.min_series
            );
            continue;
        };
        let Ok(data) = p.as_mut() else { continue };
        let n = data.fechas.len();
        data.divide_by(&ix.values[..n]);
        tracing::info!(
            serie = %name,
            siblings = ix.series,
            "under a year of history: borrows the yearly shape of {} other series \
             (features.forma_anual_prestada)",
            ix.series
        );
        out[i] = Some(Lent {
            series: ix.series,
            index: days.into_iter().zip(ix.values).collect(),
        });
    }
    out
}

/// The prepared data of a series whose phases 01–04 went through.
fn ready(p: &PreparedSeries) -> Option<&crate::TrainData> {
    p.1.as_ref().ok()
}

/// A series ready for the steps across series (the global model, the lent yearly shape):
/// (position, key, rows, name, whether this shard holds it) and what phase 05 trains on. Only
/// that is kept, a fifth of a series' phases 01–04: its frames and feature tables are prepared
/// again when the series runs phases 05–06, so a run never holds every series' frames at once.
type PreparedSeries = (
    (usize, Vec<String>, usize, String, bool),
    Result<crate::TrainData, PipelineError>,
);

/// A many-series run.
#[derive(Debug)]
pub struct Many {
    /// The key columns.
    pub key_columns: Vec<String>,
    /// Series in the source (on a shard, more than [`Many::series`] holds).
    pub in_source: usize,
    /// The shard run, if any.
    pub shard: Option<Shard>,
    /// Every series (of the shard), in key order.
    pub series: Vec<SeriesRun>,
    /// The total across the series that ran (none when none did; on a shard, the shard's).
    pub total: Option<Total>,
    /// Where every series' history ends when the run decided it (`run.cutoff`, or the shared
    /// end of [`AppConfig::history_cut`]: trailing rows without a target, the day in
    /// progress); `None`: each series' last row. Shards of one run must agree on it.
    pub history_end: Option<NaiveDate>,
}

impl Many {
    /// The series that ran.
    pub fn ok(&self) -> impl Iterator<Item = (&SeriesRun, &Outcome)> {
        self.series
            .iter()
            .filter_map(|s| s.outcome.as_ref().ok().map(|o| (s, o)))
    }
}

/// The settings every series of a many-series run shares, where a rule decided series by
/// series would set them apart: the end of the history. Trailing rows without a target across
/// the whole table ([`AppConfig::history_end`], `run.fin_historia`), or today's rows (the day
/// in progress, `run.dia_en_curso`), end every series' history on the same day, so that the
/// total and the global model's folds cover the same days (one series' blank last days are
/// then missing days of its history, as any gap).
///
/// The partial-year rule (`features.ciclo_anual_min_dias`) stays series by series (until stop
/// 43 the global model turned it off when short and long series mixed, so that every series
/// had its columns; a short series now leaves the global model instead, as one refitting less
/// often does, and keeps the features a single-series run gives it, which with a lent yearly
/// shape scored 0.986 → 0.950 on 118 cold-start cases).
///
/// "Today" is read once (`run.today`, else the clock): the series are prepared twice (for the
/// steps across series, then for their own phases 05–06), and both must see the same day.
fn shared_settings(raw: &DataFrame, cfg: &AppConfig) -> Result<AppConfig, PipelineError> {
    let mut out = cfg.clone();
    out.run.today = Some(cfg.today());
    if out.run.cutoff.is_none() {
        let cut = cfg.history_cut(raw);
        out.run.cutoff = cut.map(crate::HistoryCut::end);
        match cut {
            Some(crate::HistoryCut::Listed(end)) => tracing::warn!(
                "the rows after {end} have no target in any series: every series' history ends \
                 on {end}, and those days are read as the horizon"
            ),
            Some(crate::HistoryCut::InProgress(end)) => tracing::warn!(
                "the history would end today, the day in progress: every series' history ends \
                 on {end}, and today's values so far are not scored (run.dia_en_curso)"
            ),
            None => {}
        }
    }
    Ok(out)
}

/// Runs every series of the long table `raw` (keyed by `cfg.source.serie`) through phases
/// 01–06 in memory, in parallel, and forecasts their total; with a `shard`, only the series
/// that shard holds. Every series' outcome is kept: [`run_many_each`] hands each one over as
/// soon as it has run instead, for a caller that keeps less of it.
pub fn run_many(
    raw: &DataFrame,
    cfg: &AppConfig,
    shard: Option<Shard>,
) -> Result<Many, PipelineError> {
    let Runs {
        key_columns,
        in_source,
        shard,
        series,
        history_end,
    } = run_many_each(raw, cfg, shard, |s| s)?;
    let mut sum = TotalSum::default();
    for s in &series {
        if let Ok(o) = &s.outcome {
            let (actuals, history) = observed(o)?;
            let series = TotalRef {
                forecast: &o.forecast,
                actuals: &actuals,
                history: &history,
            };
            sum.add(s.position, &series);
        }
    }
    Ok(Many {
        key_columns,
        in_source,
        shard,
        series,
        total: sum.finish(),
        history_end,
    })
}

/// What [`run_many_each`] kept of each series, in key order.
#[derive(Debug)]
pub struct Runs<R> {
    /// The key columns.
    pub key_columns: Vec<String>,
    /// Series in the source (on a shard, more than [`Runs::series`] holds).
    pub in_source: usize,
    /// The shard run, if any.
    pub shard: Option<Shard>,
    /// What `each` returned for every series (of the shard), in key order.
    pub series: Vec<R>,
    /// As [`Many::history_end`].
    pub history_end: Option<NaiveDate>,
}

/// [`run_many`] without the total, handing each series' run to `each` on the thread that ran
/// it, as soon as it has run, and keeping only what `each` returns: a caller that writes each
/// series out, or keeps a few numbers of it, holds one series' frames, models and bootstrap
/// paths per thread instead of every series'. The series run on polars' thread pool; each
/// series' result is the same whatever the thread count, and `each`'s results come back in
/// key order.
///
/// Phases 01–04 of the series the steps across series need (every series with the global
/// model, `train.global`; the others too when one of them borrows a yearly shape,
/// `features.forma_anual_prestada`) run first and keep only their training data; each series
/// then prepares its frames again when it runs phases 05–06. Without those steps a series runs
/// phases 01–06 in one go.
///
/// ```no_run
/// // A long table keyed by `tienda`: each store's 185-day total, without keeping its run.
/// let mut cfg = pipeline::AppConfig::shipped().unwrap();
/// cfg.source.serie = vec!["tienda".into()];
/// # let long = polars::prelude::DataFrame::empty();
/// let runs = pipeline::many::run_many_each(&long, &cfg, None, |s| {
///     let units = s.outcome.ok().map(|o| o.forecast.daily.iter().map(|d| d.point).sum::<f64>());
///     (s.name, units)
/// })
/// .unwrap();
/// for (name, units) in runs.series {
///     println!("{name}: {units:?}");
/// }
/// ```
///
/// Why polars' pool: phases 01–04 call polars, whose parallel steps run on that pool; from a
/// thread of another pool (rayon's global one) each such step waits across pools, and a
/// waiting thread takes up another series' phases on top of its stack, so the stack grew with
/// the number of series (300 series overflowed a worker's 2 MiB). On polars' own pool a step
/// started from a worker runs in place.
pub fn run_many_each<R, F>(
    raw: &DataFrame,
    cfg: &AppConfig,
    shard: Option<Shard>,
    each: F,
) -> Result<Runs<R>, PipelineError>
where
    R: Send,
    F: Fn(SeriesRun) -> R + Sync,
{
    polars_core::runtime::THREAD_POOL.install(|| run_each_here(raw, cfg, shard, &each))
}

/// A series of the source: its position in key order, whether this shard holds it, its rows.
type SourceSeries = (usize, bool, connector::SeriesFrame);

/// [`run_many_each`] on the current thread pool.
fn run_each_here<R: Send>(
    raw: &DataFrame,
    cfg: &AppConfig,
    shard: Option<Shard>,
    each: &(dyn Fn(SeriesRun) -> R + Sync),
) -> Result<Runs<R>, PipelineError> {
    if cfg.source.serie.is_empty() {
        return Err(PipelineError::NoSeriesKey);
    }
    let global = cfg.train.global.enabled;
    let given = cfg;
    let cfg = &shared_settings(raw, cfg)?;
    let (mine, rest): (Vec<SourceSeries>, Vec<SourceSeries>) =
        connector::split_series(raw, &cfg.source.serie)?
            .into_iter()
            .enumerate()
            .map(|(position, p)| (position, shard.is_none_or(|s| s.holds(&p.key)), p))
            .partition(|(_, mine, _)| *mine);
    let in_source = mine.len() + rest.len();
    // Phases 01–04 of the series the global model is fitted on (every series of the source,
    // so that a shard's series see the same global model as in the unsharded run) or that a
    // yearly shape is lent from (the others, once one of the shard's series turns out short
    // enough to borrow), keeping only their training data.
    let clock = std::time::Instant::now();
    let prepare = |parts: &[SourceSeries]| -> Vec<PreparedSeries> {
        parts
            .par_iter()
            .map(|(position, mine, p)| {
                let data = crate::prepare(&p.frame, cfg).map(|prep| prep.data);
                (
                    (*position, p.key.clone(), p.frame.height(), p.name(), *mine),
                    data,
                )
            })
            .collect()
    };
    // A shard without series prepares nothing (its partition says so).
    let across = !mine.is_empty() && (global || given.features.forma_anual_prestada.is_some());
    let mut prepared: Vec<PreparedSeries> = if across { prepare(&mine) } else { Vec::new() };
    let borrowing = prepared
        .iter()
        .any(|(_, p)| p.as_ref().is_ok_and(|d| borrows(given, d.fechas.len())));
    if across && (global || borrowing) && !rest.is_empty() {
        prepared.extend(prepare(&rest));
        prepared.sort_by_key(|((position, ..), _)| *position);
    }
    drop(rest);
    let prepare_ms = clock.elapsed().as_millis();
    let lent = lend(&mut prepared, given);
    let fitted: Vec<Option<crate::global::FittedCandidate>> = if global {
        let ready: Vec<(usize, (&str, &crate::TrainData))> = prepared
            .iter()
            .enumerate()
            .filter_map(|(i, ((_, _, _, name, _), p))| {
                p.as_ref().ok().map(|p| (i, (name.as_str(), p)))
            })
            .collect();
        let views: Vec<(&str, &crate::TrainData)> = ready.iter().map(|(_, v)| *v).collect();
        let mut out = vec![None; prepared.len()];
        match crate::global::fit_across(&views, &cfg.train) {
            Ok(fits) => {
                for ((i, _), f) in ready.iter().zip(fits) {
                    out[*i] = f;
                }
            }
            Err(e) => tracing::warn!("the global model does not compete: {}", crate::chain(&e)),
        }
        out
    } else {
        vec![None; prepared.len()]
    };
    let global_ms = clock.elapsed().as_millis() - prepare_ms;
    // The shard's series, each with what the steps across series gave it (when they ran: then
    // every one of the shard's series was prepared, in position order as `mine`).
    let given_across: Vec<_> = if across {
        prepared
            .into_iter()
            .zip(fitted)
            .zip(lent)
            .filter(|((((.., mine), _), _), _)| *mine)
            .map(|((((at, ..), data), fitted), lent)| (Some((at, data)), fitted, lent))
            .collect()
    } else {
        mine.iter().map(|_| (None, None, None)).collect()
    };
    assert_eq!(
        given_across.len(),
        mine.len(),
        "every series of the shard was prepared for the steps across series"
    );
    let series: Vec<R> = mine
        .into_par_iter()
        .zip(given_across)
        .map(|((position, _, p), (data, fitted, lent))| {
            let data = data.map(|(at, data)| {
                assert_eq!(
                    at, position,
                    "the steps across series kept the series' order"
                );
                data
            });
            let name = p.name();
            let outcome = match data {
                Some(Err(e)) => Err(e),
                data => crate::prepare(&p.frame, cfg).and_then(|mut prep| {
                    // The training data the steps across series adjusted (a lent shape).
                    if let Some(Ok(data)) = data {
                        prep.data = data;
                    }
                    crate::finish(prep, cfg, fitted.as_ref(), lent, &|_| {})
                }),
            };
            if let Err(e) = &outcome {
                tracing::warn!(serie = %name, "series failed: {}", crate::chain(e));
            }
            each(SeriesRun {
                position,
                rows: p.frame.height(),
                key: p.key,
                name,
                outcome,
            })
        })
        .collect();
    tracing::info!(
        series = series.len(),
        prepare_ms,
        global_ms,
        prepare_compete_forecast_ms = clock.elapsed().as_millis() - prepare_ms - global_ms,
        "many-series stages: phases 01-04 for the steps across series, the global model, \
         phases 01-06"
    );
    Ok(Runs {
        key_columns: cfg.source.serie.clone(),
        in_source,
        shard,
        series,
        history_end: cfg.run.cutoff,
    })
}

/// The total of several series' forecasts over the days all of them forecast: points summed,
/// paths summed index by index (each series' bootstrap is seeded alike), daily and monthly
/// bounds the quantiles of the summed paths. Paths of different counts, or none (conformal
/// intervals), give a total without bounds. The series' index in `outcomes` is its position.
pub fn total(outcomes: &[TotalRef<'_>]) -> Result<Option<Total>, PipelineError> {
    let mut sum = TotalSum::default();
    for (position, o) in outcomes.iter().enumerate() {
        sum.add(position, o);
    }
    Ok(sum.finish())
}

/// The total across series, summed as the series come: in any order, on any thread, or by
/// shards whose sums are merged later, it gives the same bits ([`core_types::stats::ExactSum`]
/// per day: each value rounded to 2⁻⁶⁴ and summed exactly). A series' forecast and bootstrap
/// paths can then be freed as soon as it is added, and a shard hands the merge one sum instead
/// of every series' paths (until stop 45: 250 paths × 185 days per series, 0.9 MB of JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TotalSum {
    /// Series added.
    pub series: usize,
    /// The first series in key order: the total takes its levels and interval method.
    first: Option<FirstSeries>,
    /// The shape of the series' bootstrap paths, when they can be summed.
    paths: PathShape,
    /// Per forecast day: its sums over the series that forecast it.
    days: BTreeMap<NaiveDate, DaySum>,
    /// Per day after the cutoff: series observed and their sum.
    actuals: BTreeMap<NaiveDate, (usize, core_types::stats::ExactSum)>,
    /// Per history day: series observed and their sum.
    history: BTreeMap<NaiveDate, (usize, core_types::stats::ExactSum)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FirstSeries {
    position: usize,
    levels: Vec<f64>,
    method: forecaster::IntervalMethod,
}

/// Whether every series added has the same number of paths and of bounds on its first day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
enum PathShape {
    /// No series yet.
    #[default]
    None,
    /// Every series so far: (paths, bounds of its first day).
    Same(usize, Option<usize>),
    /// Series differ, or have no paths: the total has no bounds.
    Unsummable,
}

impl PathShape {
    fn and(self, other: PathShape) -> PathShape {
        match (self, other) {
            (PathShape::None, x) | (x, PathShape::None) => x,
            (PathShape::Same(n, b), PathShape::Same(m, c)) if n == m && b == c && n > 0 => self,
            _ => PathShape::Unsummable,
        }
    }

    fn summed(self) -> Option<usize> {
        match self {
            PathShape::Same(n, _) if n > 0 => Some(n),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct DaySum {
    series: usize,
    point: core_types::stats::ExactSum,
    open: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    paths: Vec<core_types::stats::ExactSum>,
}

impl DaySum {
    fn merge(&mut self, other: DaySum) {
        self.series += other.series;
        self.point.merge(other.point);
        self.open |= other.open;
        for (a, b) in self.paths.iter_mut().zip(other.paths) {
            a.merge(b);
        }
    }
}

/// Adds a series' values by day.
fn add_days(
    to: &mut BTreeMap<NaiveDate, (usize, core_types::stats::ExactSum)>,
    values: &BTreeMap<NaiveDate, f64>,
) {
    for (d, v) in values {
        let e = to.entry(*d).or_default();
        e.0 += 1;
        e.1.add(*v);
    }
}

/// The days every one of `series` series has a value, with their sum.
fn complete(
    days: &BTreeMap<NaiveDate, (usize, core_types::stats::ExactSum)>,
    series: usize,
) -> BTreeMap<NaiveDate, f64> {
    days.iter()
        .filter(|(_, (n, _))| *n == series)
        .map(|(d, (_, s))| (*d, s.value()))
        .collect()
}

impl TotalSum {
    /// Adds the series at `position` (its place in key order).
    pub fn add(&mut self, position: usize, o: &TotalRef<'_>) {
        let fc = o.forecast;
        self.series += 1;
        if self.first.as_ref().is_none_or(|f| position < f.position) {
            self.first = Some(FirstSeries {
                position,
                levels: fc.levels(),
                method: fc.method,
            });
        }
        let shape = PathShape::Same(fc.paths.len(), fc.daily.first().map(|d| d.bounds.len()));
        self.set_paths(self.paths.and(shape));
        let n = self.paths.summed();
        for (i, d) in fc.daily.iter().enumerate() {
            let day = self.days.entry(d.fecha).or_default();
            day.series += 1;
            day.point.add(d.point);
            day.open |= d.open;
            if let Some(n) = n {
                day.paths.resize(n, core_types::stats::ExactSum::default());
                for (sum, path) in day.paths.iter_mut().zip(&fc.paths) {
                    sum.add(path[i]);
                }
            }
        }
        add_days(&mut self.actuals, o.actuals);
        add_days(&mut self.history, o.history);
    }

    /// Adds another sum (another shard's series).
    pub fn merge(&mut self, other: TotalSum) {
        self.series += other.series;
        if let Some(f) = other.first {
            if self.first.as_ref().is_none_or(|m| f.position < m.position) {
                self.first = Some(f);
            }
        }
        let shape = self.paths.and(other.paths);
        for (d, day) in other.days {
            match self.days.get_mut(&d) {
                Some(mine) => mine.merge(day),
                None => {
                    self.days.insert(d, day);
                }
            }
        }
        for (to, from) in [
            (&mut self.actuals, other.actuals),
            (&mut self.history, other.history),
        ] {
            for (d, (n, s)) in from {
                let e = to.entry(d).or_default();
                e.0 += n;
                e.1.merge(s);
            }
        }
        self.set_paths(shape);
    }

    /// Whether a sum read back (a shard's partition) is whole: every day counts at most the
    /// series summed, and holds one path sum per path when the paths are summed (none
    /// otherwise). A damaged or edited partition is refused rather than summed short.
    pub fn is_consistent(&self) -> bool {
        let paths = self.paths.summed().unwrap_or(0);
        let first = self.first.is_some() == (self.series > 0);
        let days = self
            .days
            .values()
            .all(|d| d.series >= 1 && d.series <= self.series && d.paths.len() == paths);
        let observed = [&self.actuals, &self.history]
            .iter()
            .all(|m| m.values().all(|(n, _)| *n >= 1 && *n <= self.series));
        first && days && observed
    }

    /// Sets the paths' shape, dropping the paths' sums once they cannot be summed.
    fn set_paths(&mut self, shape: PathShape) {
        self.paths = shape;
        if shape.summed().is_none() {
            for day in self.days.values_mut() {
                day.paths = Vec::new();
            }
        }
    }

    /// The total over the days every series forecasts (none when no series was added).
    pub fn finish(self) -> Option<Total> {
        let first = self.first?;
        let levels = first.levels;
        let days: Vec<(NaiveDate, DaySum)> = self
            .days
            .into_iter()
            .filter(|(_, d)| d.series == self.series)
            .collect();
        let with_paths = match self.paths {
            PathShape::Same(n, Some(b)) if n > 0 => b == levels.len(),
            _ => false,
        };
        let paths: Vec<Vec<f64>> = match self.paths.summed() {
            Some(n) if with_paths => (0..n)
                .map(|j| {
                    days.iter()
                        .map(|(_, d)| d.paths.get(j).map_or(f64::NAN, |s| s.value()))
                        .collect()
                })
                .collect(),
            _ => Vec::new(),
        };
        let daily: Vec<forecaster::DailyForecast> = days
            .iter()
            .enumerate()
            .map(|(t, (fecha, d))| {
                let point = d.point.value();
                let bounds = if paths.is_empty() {
                    Vec::new()
                } else {
                    let mut step: Vec<f64> = paths.iter().map(|p| p[t]).collect();
                    step.sort_by(f64::total_cmp);
                    levels
                        .iter()
                        .map(|l| {
                            let (lo, hi) = forecaster::IntervalConfig::quantiles(*l);
                            // The summed point stays inside, as for one series.
                            forecaster::Bound {
                                level: *l,
                                lower: core_types::stats::quantile_sorted(&step, lo).min(point),
                                upper: core_types::stats::quantile_sorted(&step, hi).max(point),
                            }
                        })
                        .collect()
                };
                forecaster::DailyForecast {
                    fecha: *fecha,
                    point,
                    open: d.open,
                    bounds,
                }
            })
            .collect();
        let monthly = forecaster::monthly(&daily, &paths, &levels);
        let forecast = forecaster::Forecast {
            daily,
            monthly,
            paths,
            method: first.method,
            calibration: None,
        };
        let actuals = complete(&self.actuals, self.series);
        let holdout = (!actuals.is_empty()).then(|| {
            let history = complete(&self.history, self.series);
            let scale = forecaster::weekly_naive_scale(&history).unwrap_or(f64::NAN);
            forecaster::score_holdout_scaled(&forecast, &actuals, scale)
        });
        Some(Total {
            days: days.len(),
            series: self.series,
            forecast,
            holdout: holdout.flatten(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A long table: `a` for `days_a` days and `b` for `days_b` days, both ending on the same
    /// day, then `blank` days listed for both without a target.
    fn long(days_a: u64, days_b: u64, blank: u64) -> DataFrame {
        use polars::prelude::Column;
        let end = chrono::NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
        let (mut fechas, mut series, mut y) = (Vec::new(), Vec::new(), Vec::new());
        for (name, days) in [("a", days_a), ("b", days_b)] {
            for k in 0..days + blank {
                let d = end - chrono::Days::new(days) + chrono::Days::new(k + 1);
                fechas.push(d);
                series.push(name.to_string());
                y.push((k < days).then_some(10.0 + (k % 7) as f64));
            }
        }
        DataFrame::new(
            fechas.len(),
            vec![
                Column::new("fecha".into(), fechas),
                Column::new("tienda".into(), series),
                Column::new("unidades_vendidas".into(), y),
            ],
        )
        .unwrap()
    }

    #[test]
    fn series_share_the_end_of_history_but_not_the_calendar_columns() {
        let mut cfg = AppConfig::shipped().unwrap();
        cfg.source.serie = vec!["tienda".into()];
        let end = chrono::NaiveDate::from_ymd_opt(2024, 6, 30);
        // Listed days without a target end every series on the same day.
        let s = shared_settings(&long(400, 300, 10), &cfg).unwrap();
        assert_eq!(s.run.cutoff, end);
        // One series under a year and one over: the partial-year rule stays series by series
        // (the short one leaves the global model rather than take yearly terms).
        assert_eq!(s.features.ciclo_anual_min_dias, Some(365));
        let whole = shared_settings(&long(400, 300, 0), &cfg).unwrap();
        assert_eq!(whole.run.cutoff, None);
    }

    #[test]
    fn shards_parse_and_split_keys_stably() {
        let s = Shard::parse("1/3").unwrap();
        assert_eq!(
            (s.index, s.count, s.folder()),
            (1, 3, "shard=1-of-3".into())
        );
        for bad in ["3/3", "1", "a/2", "1/0", "-1/2"] {
            let e = Shard::parse(bad).unwrap_err().to_string();
            assert!(e.contains(bad), "{e}");
        }
        // Every key in exactly one shard; the hash is fixed (changing it would move series
        // between partitions of existing deployments).
        let keys: Vec<Vec<String>> = (0..200)
            .map(|i| vec![format!("sku{i}"), "t".into()])
            .collect();
        for k in &keys {
            let held = (0..4)
                .filter(|i| {
                    Shard {
                        index: *i,
                        count: 4,
                    }
                    .holds(k)
                })
                .count();
            assert_eq!(held, 1);
        }
        let counts: Vec<usize> = (0..4)
            .map(|i| keys.iter().filter(|k| Shard::of(k, 4) == i).count())
            .collect();
        assert!(counts.iter().all(|c| (30..=70).contains(c)), "{counts:?}");
        assert_eq!(Shard::of(&["brot".into()], 1), 0);
        let fixed: Vec<u32> = ["broetchen", "brot", "croissant", "konditorei", "kuchen"]
            .iter()
            .map(|k| Shard::of(&[k.to_string()], 2))
            .collect();
        insta::assert_debug_snapshot!(fixed);
    }

    /// A forecast of `days` days from 2025-01-01 with `paths` bootstrap paths (80 % bounds).
    fn forecast(seed: u64, days: usize, paths: usize) -> forecaster::Forecast {
        let d0 = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        // Values with many significant digits, so that a floating-point sum would depend on
        // its order.
        let v = |i: usize, j: usize| {
            let x = (seed as f64 + 1.0) * 1e3 + (i * 31 + j * 7) as f64 / 3.0;
            x + (x * 0.1).sin() * 1e-3
        };
        let paths: Vec<Vec<f64>> = (0..paths)
            .map(|j| (0..days).map(|i| v(i, j + 1)).collect())
            .collect();
        let daily: Vec<forecaster::DailyForecast> = (0..days)
            .map(|i| forecaster::DailyForecast {
                fecha: d0 + chrono::Days::new(i as u64),
                point: v(i, 0),
                open: i % 7 != 6 || seed == 0,
                bounds: vec![forecaster::Bound {
                    level: 80.0,
                    lower: 0.0,
                    upper: 1e9,
                }],
            })
            .collect();
        forecaster::Forecast {
            monthly: forecaster::monthly(&daily, &paths, &[80.0]),
            daily,
            paths,
            method: forecaster::IntervalMethod::Bootstrapping,
            calibration: None,
        }
    }

    /// Summed in any order, on any grouping into shards merged later, the total has the same
    /// bits; it covers the days every series forecasts; series with different path counts
    /// give a total without bounds.
    #[test]
    fn the_total_does_not_depend_on_order_or_shards() {
        let d = |k: u32| NaiveDate::from_ymd_opt(2025, 1, k).unwrap();
        let fcs: Vec<forecaster::Forecast> =
            (0..7).map(|s| forecast(s, 20 + s as usize, 50)).collect();
        let actuals: Vec<BTreeMap<NaiveDate, f64>> = (0..7)
            .map(|s| {
                (1..=3 + s)
                    .map(|k| (d(k), k as f64 + s as f64 / 7.0))
                    .collect()
            })
            .collect();
        let history: BTreeMap<NaiveDate, f64> = (1..=28)
            .map(|k| {
                (
                    NaiveDate::from_ymd_opt(2024, 12, k).unwrap(),
                    (k % 7) as f64 * 1.1,
                )
            })
            .collect();
        let refs: Vec<TotalRef<'_>> = fcs
            .iter()
            .zip(&actuals)
            .map(|(f, a)| TotalRef {
                forecast: f,
                actuals: a,
                history: &history,
            })
            .collect();
        let whole = total(&refs).unwrap().unwrap();
        assert_eq!((whole.series, whole.days), (7, 20));
        assert_eq!(whole.forecast.paths.len(), 50);
        assert_eq!(whole.holdout.as_ref().unwrap().overall.days, 3);
        let plain: f64 = fcs.iter().map(|f| f.daily[4].point).sum();
        assert!((whole.forecast.daily[4].point - plain).abs() < 1e-9 * plain);
        let bits = |t: &Total| -> Vec<u64> {
            t.forecast
                .daily
                .iter()
                .flat_map(|d| {
                    std::iter::once(d.point).chain(d.bounds.iter().flat_map(|b| [b.lower, b.upper]))
                })
                .chain(t.forecast.monthly.iter().map(|m| m.point))
                .map(f64::to_bits)
                .collect()
        };
        // Reversed, and in three shards merged in another order.
        let mut back = TotalSum::default();
        for (i, r) in refs.iter().enumerate().rev() {
            back.add(i, r);
        }
        let mut shards = vec![TotalSum::default(); 3];
        for (i, r) in refs.iter().enumerate() {
            shards[(i * 5) % 3].add(i, r);
        }
        let mut merged = TotalSum::default();
        for s in shards.into_iter().rev() {
            // Through JSON, as a partition is.
            let s: TotalSum = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
            merged.merge(s);
        }
        for other in [back.finish().unwrap(), merged.finish().unwrap()] {
            assert_eq!(bits(&whole), bits(&other));
            assert_eq!(whole.forecast.daily, other.forecast.daily);
            assert_eq!(
                whole.holdout.as_ref().map(|h| h.overall.mae.to_bits()),
                other.holdout.as_ref().map(|h| h.overall.mae.to_bits())
            );
        }
        // One series with another number of paths: no bounds, the same points.
        let odd = forecast(9, 20, 10);
        let mut mixed = refs.clone();
        mixed.push(TotalRef {
            forecast: &odd,
            actuals: &actuals[0],
            history: &history,
        });
        let t = total(&mixed).unwrap().unwrap();
        assert!(t.forecast.paths.is_empty() && t.forecast.daily[0].bounds.is_empty());
        assert_eq!(t.series, 8);
        assert!(TotalSum::default().finish().is_none());
        // A sum read back whole is consistent; one with a day's path sums cut short, or
        // counting more series on a day than it summed, is not.
        let mut sum = TotalSum::default();
        for (i, r) in refs.iter().enumerate() {
            sum.add(i, r);
        }
        assert!(sum.is_consistent() && TotalSum::default().is_consistent());
        let mut short = sum.clone();
        short.days.values_mut().next().unwrap().paths.pop();
        assert!(!short.is_consistent());
        let mut over = sum.clone();
        over.days.values_mut().next().unwrap().series += 1;
        assert!(!over.is_consistent());
        // Merging in a sum whose paths cannot be summed drops every day's path sums.
        let mut odd_sum = TotalSum::default();
        odd_sum.add(
            99,
            &TotalRef {
                forecast: &forecast(9, 30, 10),
                actuals: &actuals[0],
                history: &history,
            },
        );
        sum.merge(odd_sum);
        assert!(sum.is_consistent());
        assert!(sum.days.values().all(|d| d.paths.is_empty()));
    }

    #[test]
    fn sums_only_the_days_every_series_has() {
        let d = |k: u32| NaiveDate::from_ymd_opt(2025, 1, k).unwrap();
        let a: BTreeMap<_, _> = [(d(1), 1.0), (d(2), 2.0), (d(3), 3.0)].into();
        let b: BTreeMap<_, _> = [(d(2), 10.0), (d(3), 20.0), (d(4), 30.0)].into();
        let mut days = BTreeMap::new();
        add_days(&mut days, &a);
        add_days(&mut days, &b);
        assert_eq!(complete(&days, 2), [(d(2), 12.0), (d(3), 23.0)].into());
        assert!(complete(&BTreeMap::new(), 0).is_empty());
    }
}
