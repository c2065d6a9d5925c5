//! Phase 04's layers as data frames (feature `polars`, on by default): the feature layer
//! (`03_features`, every calendar group) and the processed layer (`04_processed`, the
//! configured features with the target), built from the cleansed layer. A service that only
//! forecasts needs [`crate::future_table`], not this module.

use std::collections::{BTreeMap, BTreeSet};

use calendar::{Calendar, CalendarConfig};
use chrono::NaiveDate;
use core_types::{cols, DateSpan, Horizon};
use polars::prelude::*;

use crate::build::{
    feature_rows, future_inputs, DayInputs, ExtraColumn, FeatureConfig, FeatureTable, FuturePlan,
    PartialFuture,
};
use crate::processed::{future_table, ExtraNote, FeaturesReport, KnownAfter, NON_FEATURE_COLUMNS};
use crate::FeaturesError;

impl ExtraNote {
    fn new(columna: &str, uso: &str) -> Self {
        Self {
            columna: columna.into(),
            uso: uso.into(),
            futuro_de_la_fuente: 0,
            futuro_del_plan: 0,
            futuro_relleno: 0,
            valor_relleno: None,
            coincidencia_festivos: None,
        }
    }
}

/// The feature and processed layers.
#[derive(Debug, Clone)]
pub struct FeatureLayers {
    /// Every calendar group, history and future (`03_features`).
    pub all_features: DataFrame,
    /// Training-ready history (`04_processed/train`): fecha, targets, flags, features.
    pub train: DataFrame,
    /// The horizon (`04_processed/future`): fecha, abierto, features.
    pub future: DataFrame,
    /// Report.
    pub report: FeaturesReport,
}

impl FeatureLayers {
    /// The selected features of the history as a table (read back from [`FeatureLayers::train`];
    /// a missing value reads NaN).
    pub fn history_table(&self) -> Result<FeatureTable, FeaturesError> {
        table_of(&self.train, &self.report.feature_columns)
    }

    /// The selected features of the horizon as a table (read back from
    /// [`FeatureLayers::future`]).
    pub fn future_table(&self) -> Result<FeatureTable, FeaturesError> {
        table_of(&self.future, &self.report.feature_columns)
    }
}

/// The `names` columns of `df` with its dates, as a feature table.
fn table_of(df: &DataFrame, names: &[String]) -> Result<FeatureTable, FeaturesError> {
    Ok(FeatureTable {
        dates: dates_col(df)?,
        names: names.to_vec(),
        values: names
            .iter()
            .map(|n| f64_col(df, n).map(|v| v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect()))
            .collect::<Result<_, _>>()?,
    })
}

fn f64_col(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>, FeaturesError> {
    let c = df
        .column(name)
        .map_err(|_| FeaturesError::MissingColumn(name.into()))?;
    let s = c.as_materialized_series().cast(&DataType::Float64)?;
    Ok(s.f64()?.iter().collect())
}

fn bool_col(df: &DataFrame, name: &str) -> Result<Vec<Option<bool>>, FeaturesError> {
    let c = df
        .column(name)
        .map_err(|_| FeaturesError::MissingColumn(name.into()))?;
    Ok(c.bool()?.iter().collect())
}

fn dates_col(df: &DataFrame) -> Result<Vec<NaiveDate>, FeaturesError> {
    df.column(cols::FECHA)
        .map_err(|_| FeaturesError::MissingColumn(cols::FECHA.into()))?
        .date()?
        .as_date_iter()
        .map(|d| d.ok_or_else(|| FeaturesError::MissingColumn(cols::FECHA.into())))
        .collect()
}

/// The per-day inputs of the history, read from the cleansed layer.
pub fn history_inputs(
    cleansed: &DataFrame,
    cfg: &FeatureConfig,
) -> Result<BTreeMap<NaiveDate, DayInputs>, FeaturesError> {
    let fechas: Vec<NaiveDate> = dates_col(cleansed)?;
    let promo = bool_col(cleansed, cols::PROMOCION)?;
    let disc = f64_col(cleansed, cols::DESCUENTO_PCT)?;
    let open = bool_col(cleansed, cols::ABIERTO)?;
    let extras: Vec<Vec<Option<f64>>> = cfg
        .exogenas
        .iter()
        .map(|e| f64_col(cleansed, &e.nombre))
        .collect::<Result<_, _>>()?;
    Ok(fechas
        .iter()
        .enumerate()
        .map(|(i, d)| {
            (
                *d,
                DayInputs {
                    promo: promo[i].unwrap_or(false),
                    discount_pct: disc[i].unwrap_or(0.0),
                    closed: open[i] == Some(false),
                    pandemic: true,
                    extras: extras.iter().map(|e| e[i].unwrap_or(0.0)).collect(),
                },
            )
        })
        .collect())
}

/// The calendar's festivos as events by name (`features.festivos_por_nombre`): a name's
/// event holds every date of the calendar's span with that name (its "(observed)" copies
/// too; coinciding festivos share one entry, so one combined name), and is kept when at
/// least `min` of its dates up to `cutoff` are open history days; a name already among
/// `given` events is left to them.
fn festivo_events(
    cal: &Calendar,
    history: &BTreeMap<NaiveDate, DayInputs>,
    cutoff: NaiveDate,
    min: u32,
    given: &[crate::Evento],
) -> Vec<crate::Evento> {
    let mut by_name: BTreeMap<String, Vec<NaiveDate>> = BTreeMap::new();
    for (d, name) in cal.festivos() {
        if let Some(slug) = festivo_slug(name) {
            by_name
                .entry(format!("festivo_{slug}"))
                .or_default()
                .push(*d);
        }
    }
    by_name
        .into_iter()
        .filter(|(nombre, fechas)| {
            let open = fechas
                .iter()
                .filter(|d| **d <= cutoff && history.get(d).is_some_and(|i| !i.closed))
                .count();
            open >= min as usize && !given.iter().any(|e| &e.nombre == nombre)
        })
        .map(|(nombre, fechas)| crate::Evento { nombre, fechas })
        .collect()
}

/// A festivo's name as a column-name part: the name without a remark in parentheses or
/// brackets, standardised as column names are ([`core_types::names::snake_case`]):
/// "Christmas Day (observed)" → `christmas_day`, "Año Nuevo [New Year's Day]" → `ano_nuevo`.
/// `None` for a name with no letter or digit.
fn festivo_slug(name: &str) -> Option<String> {
    let bare = name.split(['(', '[']).next().unwrap_or(name);
    bare.chars()
        .any(char::is_alphanumeric)
        .then(|| core_types::names::snake_case(bare, 0))
}

/// The history up to `cutoff` as [`crate::StopRule::stopped`] reads it: date, units, open.
/// A zero the cleanse flagged on an open day (`cero_con_tienda_abierta`: nulled there, and
/// maybe imputed for the models) is still a day without sales.
fn stop_inputs(
    cleansed: &DataFrame,
    fechas: &[NaiveDate],
    cutoff: NaiveDate,
) -> Result<Vec<(NaiveDate, Option<f64>, bool)>, FeaturesError> {
    let units = f64_col(cleansed, cols::UNIDADES_VENDIDAS)?;
    let open = bool_col(cleansed, cols::ABIERTO)?;
    let motivo: Vec<Option<String>> = match cleansed.column(cols::MOTIVO) {
        Ok(c) => c
            .as_materialized_series()
            .cast(&DataType::String)?
            .str()?
            .iter()
            .map(|m| m.map(str::to_string))
            .collect(),
        Err(_) => vec![None; fechas.len()],
    };
    Ok(fechas
        .iter()
        .enumerate()
        .take_while(|(_, d)| **d <= cutoff)
        .map(|(i, d)| {
            let flagged_zero = motivo[i].as_deref() == Some(cols::MOTIVO_CERO_CON_TIENDA_ABIERTA);
            let v = if flagged_zero { Some(0.0) } else { units[i] };
            (*d, v, open[i] != Some(false))
        })
        .collect())
}

/// Whether a column of the cleansed layer is one of the contract's own (never a pass-through
/// feature).
fn not_extra(name: &str) -> bool {
    cols::CLEANSED.contains(&name) || cols::RAW_CONTRACT.contains(&name)
}

/// Largest share of a 0/1 column's history days that may disagree with the calendar's
/// festivos for the column to count as a copy of them.
const FESTIVO_COPY_TOLERANCE: f64 = 0.02;

/// Builds both layers from the cleansed frame (no source rows after the cutoff known).
pub fn build_layers(
    cleansed: &DataFrame,
    calendar: &CalendarConfig,
    cfg: &FeatureConfig,
    plan: &FuturePlan,
    horizon: Horizon,
    cutoff: Option<NaiveDate>,
) -> Result<FeatureLayers, FeaturesError> {
    build_layers_with(
        cleansed,
        calendar,
        cfg,
        plan,
        horizon,
        cutoff,
        &KnownAfter::default(),
    )
}

fn mode(v: &[Option<f64>]) -> Option<f64> {
    let mut counts: BTreeMap<u64, (usize, f64)> = BTreeMap::new();
    for x in v.iter().flatten() {
        let e = counts.entry(x.to_bits()).or_insert((0, *x));
        e.0 += 1;
    }
    counts
        .values()
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)))
        .map(|(_, x)| *x)
}

/// The extra columns the model uses: the configured ones plus (with `exogenas_auto`) every
/// other numeric column of the cleansed layer that is not constant and does not merely repeat
/// the calendar's festivos.
fn resolve_extras(
    cleansed: &DataFrame,
    cfg: &FeatureConfig,
    cal: &Calendar,
    fechas: &[NaiveDate],
) -> Result<(Vec<ExtraColumn>, Vec<ExtraNote>), FeaturesError> {
    let mut extras = cfg.exogenas.clone();
    let mut notes = Vec::new();
    let note = |columna: &str, uso: &str, coincidencia: Option<f64>| ExtraNote {
        coincidencia_festivos: coincidencia,
        ..ExtraNote::new(columna, uso)
    };
    if !cfg.exogenas_auto {
        return Ok((extras, notes));
    }
    for c in cleansed.columns() {
        let name = c.name().as_str();
        if not_extra(name)
            || extras.iter().any(|e| e.nombre == name)
            || !c.dtype().is_primitive_numeric()
        {
            continue;
        }
        let v = f64_col(cleansed, name)?;
        let present: Vec<(usize, f64)> = v
            .iter()
            .enumerate()
            .filter_map(|(i, x)| x.map(|x| (i, x)))
            .collect();
        let distinct: BTreeSet<u64> = present.iter().map(|(_, x)| x.to_bits()).collect();
        if distinct.len() <= 1 {
            notes.push(note(name, "constante", None));
            continue;
        }
        if present.iter().all(|(_, x)| *x == 0.0 || *x == 1.0) {
            let mut disagree = 0usize;
            let mut ones = 0usize;
            for (i, x) in &present {
                let festivo = cal.day(fechas[*i])?.is_festivo;
                ones += usize::from(*x == 1.0 || festivo);
                disagree += usize::from((*x == 1.0) != festivo);
            }
            if ones > 0 && (disagree as f64) <= (FESTIVO_COPY_TOLERANCE * ones as f64).max(1.0) {
                let agree = 1.0 - disagree as f64 / present.len() as f64;
                notes.push(note(name, "festivos", Some(agree)));
                continue;
            }
        }
        extras.push(ExtraColumn {
            nombre: name.to_string(),
            futuro_por_defecto: None,
            futuro_uno: Vec::new(),
            futuro_de_la_fuente: true,
        });
    }
    Ok((extras, notes))
}

/// What the source's rows after the cutoff give of `column` over the horizon: the days they
/// value, and whether they value every day, gaps inside the span they cover aside (those take
/// the column's most frequent value). `(0, false)` when the source has no such column.
fn source_cover(known: &KnownAfter, column: &str, horizon: DateSpan) -> (u64, bool) {
    let Some(values) = known.columns.get(column) else {
        return (0, false);
    };
    let at: BTreeMap<NaiveDate, Option<f64>> = known
        .dates
        .iter()
        .copied()
        .zip(values.iter().copied())
        .collect();
    let covered_until = known.dates.last().copied();
    let (mut given, mut every) = (0u64, true);
    for d in horizon.dates() {
        if at.get(&d).copied().flatten().is_some() {
            given += 1;
        } else if covered_until.is_none_or(|c| d >= c) {
            every = false;
        }
    }
    (given, every)
}

/// Builds both layers from the cleansed frame; `known` holds the source's rows after the
/// cutoff, read only for the future of the extra columns (flags known in advance).
pub fn build_layers_with(
    cleansed: &DataFrame,
    calendar: &CalendarConfig,
    cfg: &FeatureConfig,
    plan: &FuturePlan,
    horizon: Horizon,
    cutoff: Option<NaiveDate>,
    known: &KnownAfter,
) -> Result<FeatureLayers, FeaturesError> {
    // A product launched after the history starts: its history begins at the first sale.
    // The days up to the cutoff as the stop and launch rules read them, built once.
    let fechas = dates_col(cleansed)?;
    let ruled = cfg.serie_lanzada.is_some() || cfg.serie_detenida.is_some();
    let days = match fechas.last() {
        Some(last) if ruled => stop_inputs(cleansed, &fechas, cutoff.unwrap_or(*last))?,
        _ => Vec::new(),
    };
    let launched = cfg.serie_lanzada.and_then(|rule| rule.launched(&days));
    let from = launched.map_or(0, |l| fechas.partition_point(|d| *d < l.desde));
    let from_launch;
    let cleansed = if from > 0 {
        from_launch = cleansed.slice(from as i64, cleansed.height() - from);
        &from_launch
    } else {
        cleansed
    };
    let fechas_all: Vec<NaiveDate> = fechas[from..].to_vec();
    let (Some(first_all), Some(last_all)) = (fechas_all.first(), fechas_all.last()) else {
        return Err(FeaturesError::Empty);
    };
    let (first, last) = (*first_all, *last_all);
    let cutoff = cutoff.unwrap_or(last);
    if cutoff < first || cutoff > last {
        return Err(FeaturesError::InvalidConfig {
            key: "run.cutoff".into(),
            message: format!("{cutoff} is outside the history {first}..={last}"),
        });
    }
    let history_span = DateSpan::new(first, cutoff).expect("ordered");
    let horizon_span = history_span.following(horizon);
    // One calendar for the history (extras are compared with its festivos) and the horizon.
    let cal = Calendar::new(
        calendar,
        cfg.ventana_festivos
            .pad(DateSpan::new(first, horizon_span.end().max(last)).expect("ordered")),
    )?;
    let (extras, mut extra_notes) = resolve_extras(cleansed, cfg, &cal, &fechas_all)?;
    // A column passed through automatically whose future the source does not give (no rows
    // after the cutoff) cannot be a feature of the horizon: it is left out and said so. A 0/1
    // flag the source gives on some horizon days takes its usual value on the others
    // (`futuro_parcial: habitual`). A configured column with an unknown future stays an error
    // below.
    let mut partial: BTreeSet<String> = BTreeSet::new();
    let extras: Vec<ExtraColumn> = extras
        .into_iter()
        .filter_map(|mut e| {
            let configured = cfg.exogenas.iter().any(|c| c.nombre == e.nombre);
            let (given, every) = source_cover(known, &e.nombre, horizon_span);
            if configured || every {
                return Some(e);
            }
            // What the source gives of the horizon, and the column's most frequent history
            // value: the future of the other days, or the one the warning offers.
            let history = f64_col(cleansed, &e.nombre).unwrap_or_default();
            let usual = mode(&history).filter(|v| v.is_finite());
            let flag = history.iter().flatten().all(|x| *x == 0.0 || *x == 1.0);
            if let (true, true, PartialFuture::Habitual, Some(u)) =
                (given > 0, flag, cfg.futuro_parcial, usual)
            {
                e.futuro_por_defecto = Some(u);
                partial.insert(e.nombre.clone());
                return Some(e);
            }
            let mut n = ExtraNote::new(&e.nombre, "sin_futuro");
            n.futuro_de_la_fuente = given;
            n.valor_relleno = usual;
            extra_notes.push(n);
            None
        })
        .collect();
    // Less than a yearly cycle of history: no trend, no yearly Fourier terms (they would
    // extrapolate a part of the season; `ciclo_anual_min_dias`).
    let partial_year = cfg.partial_year(history_span.len_days());
    let cfg = &FeatureConfig {
        exogenas: extras,
        exogenas_auto: false,
        tendencia: cfg.tendencia && !partial_year,
        fourier_anual: if partial_year { 0 } else { cfg.fourier_anual },
        cambios_tendencia: if partial_year {
            Vec::new()
        } else {
            cfg.trend_knots(first, cutoff)
        },
        ..cfg.clone()
    };
    let inputs = history_inputs(cleansed, cfg)?;
    // Festivos by name become events, resolved here so that the horizon and a served model
    // build the same columns.
    let named = match cfg.festivos_por_nombre {
        Some(min) if cfg.festivos => festivo_events(&cal, &inputs, cutoff, min, &cfg.eventos),
        _ => Vec::new(),
    };
    let cfg = &FeatureConfig {
        eventos: cfg.eventos.iter().cloned().chain(named).collect(),
        festivos_por_nombre: None,
        ..cfg.clone()
    };
    // Closures that recur in the history (a weekday never traded, a date closed every year)
    // are closures of the horizon too.
    let closed: BTreeSet<NaiveDate> = inputs
        .iter()
        .filter(|(d, i)| i.closed && **d <= cutoff)
        .map(|(d, _)| *d)
        .collect();
    let recurring = core_types::closures::recurring(&closed, first, cutoff);
    // A series that stopped selling before the cutoff (a discontinued product) is closed
    // over the whole horizon.
    let stopped = match &cfg.serie_detenida {
        Some(rule) => rule.stopped(&days[from.min(days.len())..]),
        None => None,
    };
    let recurring_in_horizon: Vec<NaiveDate> = horizon_span
        .dates()
        .filter(|d| {
            (stopped.is_some() || recurring.contains(*d)) && !plan.cierres_planeados.contains(d)
        })
        .collect();
    let plan = &FuturePlan {
        cierres_planeados: plan
            .cierres_planeados
            .iter()
            .copied()
            .chain(recurring_in_horizon.iter().copied())
            .collect(),
        ..plan.clone()
    };
    // The extra columns' future: the source's rows after the cutoff where present, then the
    // plan; days the source skips inside the span it covers take the column's most frequent
    // history value; any other unknown day is an error naming the column.
    let mut future_known: BTreeMap<NaiveDate, DayInputs> = BTreeMap::new();
    let covered_until = known.dates.last().copied();
    for d in horizon_span.dates() {
        future_known.insert(
            d,
            DayInputs {
                promo: false,
                discount_pct: 0.0,
                closed: false,
                pandemic: false,
                extras: vec![f64::NAN; cfg.exogenas.len()],
            },
        );
    }
    let position: BTreeMap<NaiveDate, usize> = known
        .dates
        .iter()
        .enumerate()
        .map(|(i, d)| (*d, i))
        .collect();
    for (k, e) in cfg.exogenas.iter().enumerate() {
        let hist = f64_col(cleansed, &e.nombre)?;
        let fill = mode(&hist);
        let mut n = if partial.contains(&e.nombre) {
            ExtraNote {
                valor_relleno: e.futuro_por_defecto,
                ..ExtraNote::new(&e.nombre, "futuro_parcial")
            }
        } else {
            ExtraNote::new(&e.nombre, "feature")
        };
        let mut unknown = Vec::new();
        for d in horizon_span.dates() {
            let from_source = e
                .futuro_de_la_fuente
                .then(|| {
                    position
                        .get(&d)
                        .and_then(|i| known.columns.get(&e.nombre).and_then(|c| c[*i]))
                })
                .flatten();
            let slot = &mut future_known.get_mut(&d).expect("every horizon day").extras[k];
            if let Some(v) = from_source {
                *slot = v;
                n.futuro_de_la_fuente += 1;
            } else if e.futuro_uno.iter().any(|s| s.contains(d)) || e.futuro_por_defecto.is_some() {
                n.futuro_del_plan += 1;
            } else if e.futuro_de_la_fuente
                && covered_until.is_some_and(|c| d < c)
                && known.columns.contains_key(&e.nombre)
            {
                *slot = fill.unwrap_or(0.0);
                n.futuro_relleno += 1;
                n.valor_relleno = fill;
            } else {
                unknown.push(d);
            }
        }
        if let (Some(f), Some(l)) = (unknown.first(), unknown.last()) {
            return Err(FeaturesError::UnknownFuture {
                column: e.nombre.clone(),
                days: unknown.len(),
                first: *f,
                last: *l,
            });
        }
        extra_notes.push(n);
    }
    let (promos, outside) = plan.promotions(horizon_span)?;
    let closures = plan.closures_in(horizon_span);
    let hist = |d: NaiveDate| {
        inputs
            .get(&d)
            .cloned()
            .expect("every history date has a row")
    };
    let fut = |d: NaiveDate| {
        future_inputs(
            d,
            cfg,
            &promos,
            &closures,
            future_known.get(&d).map(|k| k.extras.as_slice()),
        )
    };
    let history_table = feature_rows(history_span, &cal, cfg, first, hist)?;
    let (future_table, _) = future_table(
        calendar,
        cfg,
        plan,
        first,
        horizon_span.start(),
        horizon_span.len_days(),
        &future_known,
    )?;
    let all_cfg = cfg.all_groups();
    let all_hist = feature_rows(history_span, &cal, &all_cfg, first, hist)?;
    let all_fut = feature_rows(horizon_span, &cal, &all_cfg, first, fut)?;
    let mut all_features = all_hist.to_frame()?;
    all_features.vstack_mut(&all_fut.to_frame()?)?;
    all_features.with_column(Column::new(
        "es_futuro".into(),
        (0..all_features.height())
            .map(|i| i >= history_table.dates.len())
            .collect::<Vec<bool>>(),
    ))?;
    // Processed history: targets and flags from the cleansed layer, then the features.
    let n = history_table.dates.len();
    let keep: Vec<bool> = {
        let f = cleansed.column(cols::FECHA)?.date()?.clone();
        f.as_date_iter()
            .map(|d| d.is_some_and(|d| d <= cutoff))
            .collect()
    };
    let mask: BooleanChunked = keep.iter().map(|b| Some(*b)).collect();
    let hist_rows = cleansed.filter(&mask)?;
    let mut train_cols = vec![Column::new(cols::FECHA.into(), history_table.dates.clone())];
    for &name in &NON_FEATURE_COLUMNS[1..] {
        let c = hist_rows
            .column(name)
            .map_err(|_| FeaturesError::MissingColumn(name.into()))?;
        train_cols.push(c.clone());
    }
    for (name, v) in history_table.names.iter().zip(&history_table.values) {
        train_cols.push(Column::new(name.as_str().into(), v.clone()));
    }
    let train = DataFrame::new(n, train_cols)?;
    let mut future_cols = vec![
        Column::new(cols::FECHA.into(), future_table.dates.clone()),
        Column::new(
            cols::ABIERTO.into(),
            future_table
                .dates
                .iter()
                .map(|d| !closures.contains(d))
                .collect::<Vec<_>>(),
        ),
    ];
    for (name, v) in future_table.names.iter().zip(&future_table.values) {
        future_cols.push(Column::new(name.as_str().into(), v.clone()));
    }
    let future = DataFrame::new(future_table.dates.len(), future_cols)?;
    let model = f64_col(&train, cols::UNIDADES_MODELO)?;
    let open = bool_col(&train, cols::ABIERTO)?;
    let trainable = model
        .iter()
        .zip(&open)
        .filter(|(m, o)| m.is_some() && **o != Some(false))
        .count() as u64;
    let report = FeaturesReport {
        origin: first,
        cutoff,
        horizon_start: horizon_span.start(),
        horizon_end: horizon_span.end(),
        history_rows: n as u64,
        trainable_rows: trainable,
        future_rows: future_table.dates.len() as u64,
        feature_columns: history_table.names.clone(),
        processed_columns: train
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        all_feature_columns: all_hist.names.clone(),
        extras: cfg.exogenas.iter().map(|e| e.nombre.clone()).collect(),
        planned_promotion_days: promos.len() as u64,
        planned_outside_horizon: outside,
        planned_closures: closures.len() as u64,
        actuals_after_cutoff: known.dates.len() as u64,
        resolved: cfg.clone(),
        plan: plan.clone(),
        recurring_closures: recurring,
        recurring_closures_in_horizon: recurring_in_horizon,
        serie_detenida: stopped,
        serie_lanzada: launched,
        extra_notes,
    };
    // The feature tables the frames were built from are dropped here: the frames hold the
    // same values (until stop 44 both were kept, a fifth of a many-series run's memory).
    Ok(FeatureLayers {
        all_features,
        train,
        future,
        report,
    })
}
