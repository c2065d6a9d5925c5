//! `cargo xtask evaluate <file[:PAIS]>…`: the hold-out protocol on other people's files.
//!
//! For each file: the cutoff is its last date − `run.horizon` days (the last date with a
//! target unless `run.fin_historia: ultima_fila`); the whole
//! pipeline (phases
//! 00–06) runs with the minimal settings (`source.kind=file`, the path, the country) plus the
//! command line's `--set`s, in its own folder `<outputs>/evaluate/<name>/`, so the project's
//! layers are never touched. Phase 06 scores the forecast on the raw observed days after the
//! cutoff (MASE on the weekly-naive scale of the observed history); this command collects the
//! scores into one table, `<outputs>/evaluate/evaluacion_latest.{json,csv}` (dual-persisted),
//! with the champion, the run time and, per file, the rank correlation between the
//! candidates' backtest scores and their hold-out scores (how well the backtest predicts the
//! hold-out).

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use store::{Area, FileStore, Store};

use crate::config::{AppConfig, LoadOptions};
use crate::{Phase, PipelineError, SourceAccess};

/// One file to evaluate: its path and the country of its calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalFile {
    /// The CSV, Parquet or spreadsheet file.
    pub path: PathBuf,
    /// `calendar.festivos.pais` for it (`None`: the configured one).
    pub pais: Option<String>,
}

impl EvalFile {
    /// Parses `path` or `path:PAIS` (an upper-case country code such as `DE`, `US-MN`, `ECU`,
    /// `AT-1`).
    pub fn parse(arg: &str) -> Self {
        if let Some((p, c)) = arg.rsplit_once(':') {
            // `CC`, `CCC` (alpha-3), optionally `-SUB` of one to three letters or digits
            // (`DE-SH`, `AT-1`, `AUS-VIC`); the calendar validates it.
            let (country, sub) = match c.split_once('-') {
                Some((country, sub)) => (country, Some(sub)),
                None => (c, None),
            };
            let upper = |ch: char| ch.is_ascii_uppercase() || ch.is_ascii_digit();
            let code = (2..=3).contains(&country.len())
                && country.chars().all(|ch| ch.is_ascii_uppercase())
                && sub.is_none_or(|s| (1..=3).contains(&s.len()) && s.chars().all(upper));
            if code && !p.is_empty() {
                return Self {
                    path: PathBuf::from(p),
                    pais: Some(c.to_string()),
                };
            }
        }
        Self {
            path: PathBuf::from(arg),
            pais: None,
        }
    }

    /// The row's name: the file stem.
    fn name(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "serie".into())
    }
}

/// One row of the evaluation table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalRow {
    /// File stem.
    pub serie: String,
    /// The file as given.
    pub archivo: String,
    /// Days dropped from its end before the hold-out (0 = the official hold-out).
    pub omitidos: u32,
    /// Country used.
    pub pais: String,
    /// Last training date (last date − horizon).
    pub corte: Option<chrono::NaiveDate>,
    /// Days scored (observed days after the cutoff).
    pub dias: usize,
    /// Mean absolute error.
    pub mae: Option<f64>,
    /// Root mean squared error.
    pub rmse: Option<f64>,
    /// MAE / in-sample weekly-naive MAE.
    pub mase: Option<f64>,
    /// Σ|e| / Σ|y|.
    pub wape: Option<f64>,
    /// Empirical coverage of the 80 % interval.
    pub cobertura_80: Option<f64>,
    /// Empirical coverage of the 95 % interval.
    pub cobertura_95: Option<f64>,
    /// Champion name.
    pub campeon: Option<String>,
    /// Spearman rank correlation between the candidates' backtest metric and their hold-out
    /// MASE (1 = the backtest orders the candidates as the hold-out does).
    pub rango_backtest_holdout: Option<f64>,
    /// Candidates in that correlation.
    pub candidatos_comparados: usize,
    /// Hold-out MASE of the best candidate in hindsight (what a perfect selection would get).
    pub mase_mejor_candidato: Option<f64>,
    /// Wall time of the run, seconds.
    pub segundos: f64,
    /// `ok`, or the error that stopped the run.
    pub estado: String,
}

/// The evaluation table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Horizon held out.
    pub horizonte: usize,
    /// The `--set`s common to every file.
    pub ajustes: Vec<String>,
    /// The windows: days dropped from the end of every file before its hold-out (0 = the
    /// official one).
    pub dias_omitidos_al_final: Vec<u32>,
    /// One row per file, in the order given.
    pub filas: Vec<EvalRow>,
    /// Geometric mean of MASE over every scored row (all windows pooled).
    pub mase_media_geometrica: Option<f64>,
    /// The same per window (days dropped).
    pub mase_media_geometrica_por_ventana: std::collections::BTreeMap<u32, Option<f64>>,
}

/// What one pipeline run left for the table.
struct Scored {
    holdout: forecaster::HoldoutScore,
    champion: String,
    ranks: Option<(f64, usize, f64)>,
}

/// Runs the evaluation of `files` for the project at `root`; `opts` are the command line's
/// config layers (applied to every file before the per-file settings).
pub fn evaluate(
    root: &Path,
    opts: &LoadOptions,
    files: &[EvalFile],
    skip_last: &[u32],
    on_row: &dyn Fn(&EvalRow),
) -> Result<(Evaluation, PathBuf), PipelineError> {
    let base = AppConfig::load(root, opts)?;
    let out_dir = root.join(&base.paths.outputs).join("evaluate");
    let skips: Vec<u32> = if skip_last.is_empty() {
        vec![0]
    } else {
        skip_last.to_vec()
    };
    let mut filas = Vec::new();
    for (f, skip) in files
        .iter()
        .flat_map(|f| skips.iter().map(move |k| (f, *k)))
    {
        let t0 = Instant::now();
        let name = f.name();
        let folder = if skip == 0 {
            name.clone()
        } else {
            format!("{name}_menos_{skip}")
        };
        let result = evaluate_one(root, opts, f, &out_dir.join(folder), skip);
        let secs = t0.elapsed().as_secs_f64();
        let mut row = EvalRow {
            serie: name.clone(),
            archivo: f.path.display().to_string(),
            omitidos: skip,
            pais: f.pais.clone().unwrap_or_default(),
            corte: None,
            dias: 0,
            mae: None,
            rmse: None,
            mase: None,
            wape: None,
            cobertura_80: None,
            cobertura_95: None,
            campeon: None,
            rango_backtest_holdout: None,
            candidatos_comparados: 0,
            mase_mejor_candidato: None,
            segundos: secs,
            estado: "ok".into(),
        };
        match result {
            Ok((pais, corte, s)) => {
                let o = &s.holdout.overall;
                let cov = |l: f64| {
                    o.intervals
                        .iter()
                        .find(|i| (i.level - l).abs() < 1e-9)
                        .map(|i| i.coverage)
                };
                row.pais = pais;
                row.corte = Some(corte);
                row.dias = o.days;
                row.mae = Some(o.mae);
                row.rmse = Some(o.rmse);
                // Undefined on a constant history (its weekly-naive scale is 0).
                row.mase = Some(o.mase7).filter(|v| v.is_finite());
                row.wape = Some(o.wape).filter(|v| v.is_finite());
                row.cobertura_80 = cov(80.0);
                row.cobertura_95 = cov(95.0);
                row.campeon = Some(s.champion);
                if let Some((rho, n, best)) = s.ranks {
                    row.rango_backtest_holdout = Some(rho);
                    row.candidatos_comparados = n;
                    row.mase_mejor_candidato = Some(best).filter(|v| v.is_finite());
                }
            }
            Err(e) => row.estado = crate::error::chain(&e),
        }
        on_row(&row);
        filas.push(row);
    }
    let mases: Vec<f64> = filas
        .iter()
        .filter_map(|r| r.mase)
        .filter(|v| *v > 0.0)
        .collect();
    let geo = geo_mean(&mases);
    let por_ventana = skips
        .iter()
        .map(|k| {
            let v: Vec<f64> = filas
                .iter()
                .filter(|r| r.omitidos == *k)
                .filter_map(|r| r.mase)
                .filter(|v| *v > 0.0)
                .collect();
            (*k, geo_mean(&v))
        })
        .collect();
    Ok((
        Evaluation {
            horizonte: base.run.horizon.days() as usize,
            ajustes: opts.sets.clone(),
            dias_omitidos_al_final: skips,
            filas,
            mase_media_geometrica: geo,
            mase_media_geometrica_por_ventana: por_ventana,
        },
        out_dir,
    ))
}

/// Geometric mean (`None` when empty).
fn geo_mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp())
}

fn evaluate_one(
    root: &Path,
    opts: &LoadOptions,
    f: &EvalFile,
    work: &Path,
    skip_last: u32,
) -> Result<(String, chrono::NaiveDate, Scored), PipelineError> {
    let path = std::fs::canonicalize(&f.path).map_err(|source| PipelineError::Open {
        path: f.path.clone(),
        source,
    })?;
    let mut sets = opts.sets.clone();
    sets.push("source.kind=file".into());
    sets.push(format!("source.path={}", path.display()));
    if let Some(p) = &f.pais {
        sets.push(format!("calendar.festivos.pais={p}"));
    }
    let layered = LoadOptions {
        config_file: opts.config_file.clone(),
        env: opts.env.clone(),
        sets: sets.clone(),
    };
    let cfg = AppConfig::load(root, &layered)?;
    // The last date as the pipeline will see it (mapping, aliases and filters applied).
    let (first, last) = date_range(root, &cfg)?;
    // A development hold-out: the last `skip_last` days are dropped before anything else.
    let last = last - chrono::Days::new(u64::from(skip_last));
    if last <= first {
        return Err(PipelineError::NoHistoryLeft { skip_last });
    }
    if skip_last > 0 {
        sets.push(format!("source.span={{start: {first}, end: {last}}}"));
    }
    let corte = last - chrono::Days::new(u64::from(cfg.run.horizon.days()));
    sets.push(format!("run.cutoff={corte}"));
    let cfg = AppConfig::load(
        root,
        &LoadOptions {
            sets: sets.clone(),
            ..layered
        },
    )?;
    let pais = cfg.calendar.festivos.pais.to_string();
    let sha = store::sha256_hex(cfg.redacted_json().to_string().as_bytes());
    // Each file's run stays in its own folder, even when the configured folders are absolute.
    let mut store = FileStore::new(work, cfg.paths.nested_in(Path::new("")).folders(), &sha);
    let access = SourceAccess {
        root: work,
        secret: &|_| None,
    };
    for phase in Phase::ALL
        .into_iter()
        .filter(|p| p.number().as_str() <= "06")
    {
        store.begin_phase();
        let done = crate::run_stage(phase, &mut store, &cfg, &access);
        match done {
            Ok(()) => store.promote()?,
            Err(e) => {
                store.discard()?;
                return Err(PipelineError::Phase {
                    phase: phase.number(),
                    name: phase.name(),
                    source: Box::new(e),
                });
            }
        }
    }
    let forecast: crate::stages::ForecastBody =
        crate::stages::read_report(&mut store, "forecast", "forecast report", "06 forecast")?;
    let holdout = forecast.holdout.ok_or(PipelineError::NoHoldout)?;
    let train: crate::TrainBody =
        crate::stages::read_report(&mut store, "train", "train report", "05 train")?;
    let ranks = rank_correlation(&mut store, &train.leaderboard, &holdout)?;
    let champion = forecast.champion;
    Ok((
        pais,
        corte,
        Scored {
            holdout,
            champion,
            ranks,
        },
    ))
}

fn date_range(
    root: &Path,
    cfg: &AppConfig,
) -> Result<(chrono::NaiveDate, chrono::NaiveDate), PipelineError> {
    let fetched = crate::fetch(cfg, root, &|_| None)?;
    let (first, last) = connector::date_range(&fetched.frame)?
        .ok_or(PipelineError::EmptyLayer { layer: "source" })?;
    // Trailing rows without a target (the coming days of an export) are not scored: the
    // last date is where `run.fin_historia` ends the history.
    // (A table the contract cannot read keeps its last date: validation reports why.)
    let end = cfg.history_end(&fetched.frame);
    Ok((first, end.unwrap_or(last)))
}

/// Spearman correlation of the candidates' backtest metric with their hold-out MASE, the
/// candidates compared and the best hold-out MASE among them; from phase 05's horizon
/// forecast of every candidate (`outputs/models/candidate_forecasts_latest.csv`).
fn rank_correlation(
    store: &mut dyn Store,
    leaderboard: &models::Leaderboard,
    holdout: &forecaster::HoldoutScore,
) -> Result<Option<(f64, usize, f64)>, PipelineError> {
    let Some(text) = store.peek(Area::Models, "candidate_forecasts", "csv")? else {
        return Ok(None);
    };
    // Actuals after the cutoff, raw and observed, as phase 06 scored them.
    let actuals = crate::frames::observed_actuals(&crate::stages::read_after_cutoff(store)?)?;
    let mut rdr = csv::Reader::from_reader(text.as_slice());
    let mut per: std::collections::BTreeMap<String, (f64, usize)> = Default::default();
    for rec in rdr.records() {
        let rec = rec?;
        let (Some(fecha), Some(nombre), Some(pred)) = (rec.get(0), rec.get(1), rec.get(2)) else {
            continue;
        };
        let (Ok(fecha), Ok(pred)) = (fecha.parse::<chrono::NaiveDate>(), pred.parse::<f64>())
        else {
            continue;
        };
        if let Some(a) = actuals.get(&fecha) {
            let e = per.entry(nombre.to_string()).or_default();
            e.0 += (a - pred).abs();
            e.1 += 1;
        }
    }
    let mut pairs = Vec::new();
    for e in &leaderboard.entries {
        let Some(bt) = e.metrics.get(&leaderboard.metric).copied() else {
            continue;
        };
        if let Some((sum, n)) = per.get(&e.nombre) {
            if *n > 0 {
                // Hold-out MAE: ranks as its MASE does, and is defined when the scale is not.
                pairs.push((bt, sum / *n as f64));
            }
        }
    }
    if pairs.len() < 3 {
        return Ok(None);
    }
    let best = pairs.iter().map(|p| p.1).fold(f64::INFINITY, f64::min) / holdout.mase_scale;
    let (a, b): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
    Ok(Some((spearman(&a, &b), pairs.len(), best)))
}

/// Average ranks (ties share the mean rank), 1-based.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
    let mut r = vec![0.0; v.len()];
    let mut k = 0;
    while k < idx.len() {
        let mut m = k;
        while m + 1 < idx.len() && v[idx[m + 1]] == v[idx[k]] {
            m += 1;
        }
        let mean = (k + m) as f64 / 2.0 + 1.0;
        for &i in &idx[k..=m] {
            r[i] = mean;
        }
        k = m + 1;
    }
    r
}

/// Spearman's ρ: the Pearson correlation of the average ranks.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    if va == 0.0 || vb == 0.0 {
        return f64::NAN;
    }
    cov / (va * vb).sqrt()
}

/// The table as CSV (one row per file).
pub fn to_csv(ev: &Evaluation) -> Result<Vec<u8>, PipelineError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &ev.filas {
        w.serialize(r)?;
    }
    w.into_inner()
        .map_err(|e| PipelineError::Table(csv::Error::from(e.into_error())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_take_an_optional_country_suffix() {
        let f = EvalFile::parse("data/kiel.csv:DE-SH");
        assert_eq!(f.path, PathBuf::from("data/kiel.csv"));
        assert_eq!(f.pais.as_deref(), Some("DE-SH"));
        let g = EvalFile::parse("C:/x/ventas.csv");
        assert_eq!(g.pais, None);
        assert_eq!(EvalFile::parse("ventas.csv").pais, None);
        assert_eq!(EvalFile::parse("a:b/ventas.csv").pais, None);
        for code in ["AT-1", "AUS-VIC", "ECU", "US-MN", "FR-75C"] {
            let f = EvalFile::parse(&format!("data/x.csv:{code}"));
            assert_eq!(
                (f.path, f.pais.as_deref()),
                (PathBuf::from("data/x.csv"), Some(code))
            );
        }
        // Not a country: the whole argument is the path (lower case too: `ventas:old`).
        for arg in [
            "ventas:old",
            "x.csv:",
            "x.csv:C",
            "x.csv:ABCD",
            "x.csv:DE-",
            "x.csv:DE-SHXX",
            "x.csv:D1",
        ] {
            assert_eq!(EvalFile::parse(arg).path, PathBuf::from(arg));
        }
    }

    #[test]
    fn spearman_matches_hand_computed_values() {
        assert!((spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]) - 1.0).abs() < 1e-12);
        assert!((spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        // Ranks (1, 2, 3, 4) vs (2, 1, 4, 3): 1 − 6·4 / (4·15) = 0.6.
        assert!((spearman(&[1.0, 2.0, 3.0, 4.0], &[2.0, 1.0, 4.0, 3.0]) - 0.6).abs() < 1e-12);
        // Ties share the mean rank.
        assert_eq!(ranks(&[5.0, 1.0, 5.0]), vec![2.5, 1.0, 2.5]);
        assert!(spearman(&[1.0, 1.0], &[1.0, 2.0]).is_nan());
    }
}
