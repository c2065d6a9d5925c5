//! The pipeline configuration: its typed sections, loading `config.yaml` with figment, and
//! validation.
//!
//! Layers, later wins: `config.yaml` at the project root → optional `--config <file>` →
//! environment variables `BUNUELOS_<SECTION>__<KEY>` (`__` nests) → `--set key.path=value`.
//! Values from the environment and `--set` are parsed as YAML scalars (`7` is a number,
//! `true` a boolean, `2025-01-01` text). Unknown keys, wrong types and values out of range are
//! errors that name the key path and the expected form.

use std::path::{Path, PathBuf};

use calendar::CalendarConfig;
use chrono::NaiveDate;
use connector::SourceConfig;
use contract::{CleanseConfig, ContractConfig};
use core_types::Horizon;
use figment::providers::{Format, Serialized, Yaml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// Prefix of the environment variables that override config keys.
pub const ENV_PREFIX: &str = "BUNUELOS_";
/// File name of the project config at the root.
pub const CONFIG_FILE: &str = "config.yaml";
/// The project's `config.yaml` as shipped with this version.
pub const SHIPPED: &str = include_str!("../../../config.yaml");

/// `run.fin_historia`: where the history ends when no cutoff is given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryEnd {
    /// The last date with a target: trailing dated rows without one (an export that already
    /// lists the coming days) are the horizon, their flags its future
    /// (`contract::history_end`).
    #[default]
    UltimoDato,
    /// The last dated row: trailing rows without a target are missing days of the history
    /// (an outage exported as empty days), as any gap.
    UltimaFila,
}

/// `run.dia_en_curso`: what a row dated today is when the history would end on it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayInProgress {
    /// The day in progress: a scheduled run during the day reads today's sales so far, not a
    /// day's sales. The history ends yesterday, today is the first day forecast, and today's
    /// partial value is never scored (hold-out, monitoring); its flags are the horizon's.
    #[default]
    Horizonte,
    /// A day like any other (a run after closing, with the day's sales complete).
    Historia,
}

/// Where the history ends when `run.cutoff` is `null` and it does not end on the table's last
/// dated row ([`AppConfig::history_cut`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryCut {
    /// Trailing rows without a target (`run.fin_historia: ultimo_dato`): the history ends on
    /// the last date with one.
    Listed(NaiveDate),
    /// The history would end today, the day in progress (`run.dia_en_curso: horizonte`): it
    /// ends the day before.
    InProgress(NaiveDate),
}

impl HistoryCut {
    /// The last day of the history.
    pub fn end(self) -> NaiveDate {
        match self {
            HistoryCut::Listed(d) | HistoryCut::InProgress(d) => d,
        }
    }
}

/// Run-wide settings (`run:`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// The one seed of every random choice.
    pub seed: u64,
    /// Days to forecast after the cutoff.
    pub horizon: Horizon,
    /// Forecast origin; `null` = the last date of the cleaned history, which ends where
    /// `fin_historia` says.
    pub cutoff: Option<NaiveDate>,
    /// Where the history ends when `cutoff` is `null`.
    #[serde(default)]
    pub fin_historia: HistoryEnd,
    /// What a row dated today is when the history would end on it.
    #[serde(default)]
    pub dia_en_curso: DayInProgress,
    /// "Today" for freshness and future-date rules and the day in progress; `null` = the
    /// clock, in the business's time zone (`source.time_zone`).
    pub today: Option<NaiveDate>,
    /// Log level (`error`, `warn`, `info`, `debug`, `trace`); `RUST_LOG` wins when set.
    pub log_level: String,
}

/// Folders of the data layers and outputs (`paths:`), relative to the project root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathsConfig {
    /// Immutable raw snapshots.
    pub raw: PathBuf,
    /// Cleansed daily grid.
    pub cleansed: PathBuf,
    /// Feature tables.
    pub features: PathBuf,
    /// Model-ready tables.
    pub processed: PathBuf,
    /// Official outputs (`reports`, `figures`, `models`, `forecast`, `simulations`).
    pub outputs: PathBuf,
    /// Test reports of `cargo xtask test`.
    pub test_reports: PathBuf,
    /// Executive summaries.
    pub executive: PathBuf,
    /// Where the shards of a sharded many-series run (`--shard i/n`) write their partitions:
    /// `<partitions>/shard=<i>-of-<n>/` holds that shard's whole tree (the folders above).
    pub partitions: PathBuf,
}

impl PathsConfig {
    /// The folders of `shard`'s partition: every data and output folder under
    /// `<partitions>/shard=<i>-of-<n>/` (test reports and partitions stay where they are).
    pub fn for_shard(&self, shard: crate::many::Shard) -> Self {
        let base = self.partitions.join(shard.folder());
        Self {
            test_reports: self.test_reports.clone(),
            partitions: self.partitions.clone(),
            ..self.nested_in(&base)
        }
    }

    /// Every data and output folder under `base`: a relative folder keeps its path below it,
    /// an absolute one its last component (joining an absolute path would escape `base`, and
    /// runs meant to stay apart, as shards or evaluated files, would overwrite each other).
    pub fn nested_in(&self, base: &std::path::Path) -> Self {
        let under = |p: &PathBuf| -> PathBuf {
            if p.is_absolute() {
                base.join(p.file_name().unwrap_or_default())
            } else {
                base.join(p)
            }
        };
        Self {
            raw: under(&self.raw),
            cleansed: under(&self.cleansed),
            features: under(&self.features),
            processed: under(&self.processed),
            outputs: under(&self.outputs),
            test_reports: under(&self.test_reports),
            executive: under(&self.executive),
            partitions: under(&self.partitions),
        }
    }

    /// The folders a [`store::FileStore`] reads and writes.
    pub fn folders(&self) -> store::Folders {
        store::Folders {
            raw: self.raw.clone(),
            cleansed: self.cleansed.clone(),
            features: self.features.clone(),
            processed: self.processed.clone(),
            outputs: self.outputs.clone(),
            executive: self.executive.clone(),
        }
    }
}

/// Phase 00 settings (`explore:`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExploreConfig {
    /// Rows shown in the report's first look (head and tail each).
    pub sample_rows: usize,
}

/// Language of the planner-facing texts (`report.language`): the executive summary, the
/// page and its figures. The `report` crate's, so the page and the config share one type.
pub use report::Lang as Language;

/// Report settings (`report:`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// Language of the executive summary, the page and the figures.
    pub language: Language,
    /// Variables shown in the drift figure, highest PSI first (1–60): a bar per variable
    /// stays readable up to a few dozen.
    pub drift_bars: usize,
}

impl Default for ReportConfig {
    fn default() -> Self {
        Self {
            language: Language::default(),
            drift_bars: 20,
        }
    }
}

/// The whole resolved configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    /// Run-wide settings.
    pub run: RunConfig,
    /// Folders.
    pub paths: PathsConfig,
    /// Where the raw data comes from.
    pub source: SourceConfig,
    /// Colombian calendar rules.
    pub calendar: CalendarConfig,
    /// The data contract (domain.md §9).
    pub contract: ContractConfig,
    /// Phase 02 cleansing.
    pub cleanse: CleanseConfig,
    /// Phase 03 analysis.
    pub eda: features::eda::EdaConfig,
    /// Phase 04 features.
    pub features: features::FeatureConfig,
    /// The plan for the horizon.
    pub plan: features::FuturePlan,
    /// Phase 05 training.
    pub train: models::TrainConfig,
    /// Phase 06 forecast.
    pub forecast: forecaster::ForecastConfig,
    /// Phase 07 what-if scenarios.
    pub simulate: simulator::SimulateConfig,
    /// Phase 08 monitoring.
    pub monitor: monitor::MonitorConfig,
    /// Executive summary settings.
    pub report: ReportConfig,
    /// Phase 00.
    pub explore: ExploreConfig,
}

/// One problem with the configuration, naming the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("config key `{key}`: {message}")]
pub struct ConfigError {
    /// Dotted key path (`run.horizon`), or the file for file-level problems.
    pub key: String,
    /// What is wrong and what is expected.
    pub message: String,
}

/// How to load the configuration.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Extra YAML file merged over `config.yaml`.
    pub config_file: Option<PathBuf>,
    /// Environment variables (name, value); only those with [`ENV_PREFIX`] are used.
    pub env: Vec<(String, String)>,
    /// `key.path=value` overrides.
    pub sets: Vec<String>,
}

fn scalar(value: &str) -> serde_yaml::Value {
    match serde_yaml::from_str::<serde_yaml::Value>(value) {
        Ok(
            v @ (serde_yaml::Value::Null
            | serde_yaml::Value::Bool(_)
            | serde_yaml::Value::Number(_)
            | serde_yaml::Value::String(_)
            | serde_yaml::Value::Sequence(_)
            | serde_yaml::Value::Mapping(_)),
        ) => v,
        _ => serde_yaml::Value::String(value.to_string()),
    }
}

/// Names the layer a bad value came from: the `--set` flag or environment variable that set
/// the key, else the file figment read it from.
fn describe(e: &figment::Error, overrides: &[(String, String, String)]) -> ConfigError {
    use figment::error::Kind;
    let mut path: Vec<String> = e.path.clone();
    let message = match &e.kind {
        Kind::UnknownField(field, expected) => {
            if path.last() != Some(field) {
                path.push(field.clone());
            }
            format!("unknown key; expected one of: {}", expected.join(", "))
        }
        Kind::MissingField(field) => {
            if path.last().map(String::as_str) != Some(field.as_ref()) {
                path.push(field.to_string());
            }
            "missing key (every key must be present in config.yaml)".to_string()
        }
        Kind::InvalidType(actual, expected) => format!("expected {expected}, found {actual}"),
        Kind::InvalidValue(actual, expected) => format!("expected {expected}, found {actual}"),
        Kind::UnknownVariant(v, expected) => {
            format!(
                "unknown value `{v}`; expected one of: {}",
                expected.join(", ")
            )
        }
        other => other.to_string(),
    };
    let dotted = path.join(".");
    let from_override = overrides
        .iter()
        .rev()
        .find(|(key, _, _)| {
            dotted == *key
                || dotted.starts_with(&format!("{key}."))
                || key.starts_with(&format!("{dotted}."))
        })
        .map(|(_, _, origin)| origin.clone());
    let source = from_override
        .or_else(|| {
            e.metadata.as_ref().map(|m| {
                m.source
                    .as_ref()
                    .map_or(m.name.to_string(), |s| format!("{} ({s})", m.name))
            })
        })
        .map(|s| format!(" [from {s}]"))
        .unwrap_or_default();
    ConfigError {
        key: if path.is_empty() {
            "<root>".into()
        } else {
            path.join(".")
        },
        message: format!("{message}{source}"),
    }
}

impl AppConfig {
    /// Loads and validates the configuration of the project at `root`.
    pub fn load(root: &Path, opts: &LoadOptions) -> Result<AppConfig, ConfigError> {
        let base = root.join(CONFIG_FILE);
        let mut files = vec![base];
        files.extend(opts.config_file.iter().map(|f| {
            if f.is_absolute() {
                f.clone()
            } else {
                root.join(f)
            }
        }));
        let mut fig = Figment::new();
        for f in &files {
            if !f.is_file() {
                return Err(ConfigError {
                    key: f.display().to_string(),
                    message: "config file not found".into(),
                });
            }
            let text = std::fs::read_to_string(f).map_err(|e| ConfigError {
                key: f.display().to_string(),
                message: format!("cannot read the config file: {e}"),
            })?;
            check_duplicate_keys(&text, f)?;
            fig = fig.merge(Yaml::file_exact(f));
        }
        let mut overrides: Vec<(String, String, String)> = Vec::new();
        let mut env: Vec<&(String, String)> = opts
            .env
            .iter()
            .filter(|(k, _)| k.starts_with(ENV_PREFIX))
            .collect();
        env.sort();
        for (k, v) in env {
            let key = k[ENV_PREFIX.len()..]
                .to_ascii_lowercase()
                .replace("__", ".");
            overrides.push((key, v.clone(), format!("environment variable {k}")));
        }
        for s in &opts.sets {
            let Some((k, v)) = s.split_once('=') else {
                return Err(ConfigError {
                    key: s.clone(),
                    message: "--set expects key.path=value".into(),
                });
            };
            overrides.push((k.trim().to_string(), v.to_string(), format!("--set {k}")));
        }
        for (key, value, _) in &overrides {
            if key.is_empty() || key.split('.').any(str::is_empty) {
                return Err(ConfigError {
                    key: key.clone(),
                    message: "empty segment in key path".into(),
                });
            }
            fig = fig.merge(Serialized::default(key, scalar(value)));
        }
        let cfg: AppConfig = fig.extract().map_err(|e| describe(&e, &overrides))?;
        let cfg = cfg.resolved();
        cfg.validate()?;
        Ok(cfg)
    }

    /// The settings that depend on others made concrete: `contract.table.min_date: auto`
    /// becomes the date for the configured country (`contract::MinDate::resolve`).
    fn resolved(mut self) -> AppConfig {
        let colombia = self.calendar.festivos.pais.is_colombia();
        let t = &mut self.contract.table;
        t.min_date = contract::MinDate::Date(t.min_date.resolve(colombia));
        self
    }

    /// The configuration of one YAML text holding every key (as `config.yaml` does),
    /// validated: for a service that keeps its settings elsewhere than in files.
    pub fn from_yaml(text: &str) -> Result<AppConfig, ConfigError> {
        check_duplicate_keys(text, Path::new("<yaml text>"))?;
        let cfg: AppConfig = Figment::new()
            .merge(Yaml::string(text))
            .extract()
            .map_err(|e| describe(&e, &[]))?;
        let cfg = cfg.resolved();
        cfg.validate()?;
        Ok(cfg)
    }

    /// The project's shipped `config.yaml`, embedded at build time: every default of the
    /// pipeline, with no file to read (`AppConfig::shipped()?.run.horizon` is 185 days).
    pub fn shipped() -> Result<AppConfig, ConfigError> {
        Self::from_yaml(SHIPPED)
    }

    /// The business's time zone, where timestamps written with an offset are cut to dates:
    /// `source.utc_offset_hours` when set, else `source.time_zone` (`auto`: the zone of
    /// `calendar.festivos.pais`).
    pub fn zone(&self) -> core_types::dates::LocalZone {
        // Checked by `validate` on load; Bogotá (domain.md §0) for a config built by hand.
        self.source
            .zone(&self.calendar.festivos.pais)
            .unwrap_or(core_types::dates::LocalZone::BOGOTA)
    }

    /// Where the history of the source table `raw` ends when `run.cutoff` is `null` and it
    /// ends before the table's last date (`run.fin_historia: ultimo_dato` and trailing rows
    /// without a target); `None`: at the last date. A table the contract cannot read has no
    /// early end (validation reports why).
    pub fn history_end(&self, raw: &polars::prelude::DataFrame) -> Option<NaiveDate> {
        self.history_cut(raw).map(HistoryCut::end)
    }

    /// [`AppConfig::history_end`] and why: trailing rows without a target
    /// (`run.fin_historia: ultimo_dato`), or a history that would end today, the day in
    /// progress (`run.dia_en_curso: horizonte`; a row dated after today is left to
    /// validation's future-date rule).
    pub fn history_cut(&self, raw: &polars::prelude::DataFrame) -> Option<HistoryCut> {
        let ends = contract::DatedEnds::of(raw, &self.contract, self.zone()).unwrap_or_default();
        let listed = match self.run.fin_historia {
            HistoryEnd::UltimoDato => ends.history_end(),
            HistoryEnd::UltimaFila => None,
        };
        if let Some(today) = listed.or(ends.last_row).filter(|d| self.in_progress(*d)) {
            return today.pred_opt().map(HistoryCut::InProgress);
        }
        listed.map(HistoryCut::Listed)
    }

    /// "Today": `run.today`, else the clock in the business's time zone.
    pub fn today(&self) -> NaiveDate {
        self.run.today.unwrap_or_else(|| self.zone().today())
    }

    /// Whether `date` is the day in progress, whose value so far is never scored
    /// (`run.dia_en_curso: horizonte` and `date` is today).
    pub fn in_progress(&self, date: NaiveDate) -> bool {
        self.run.dia_en_curso == DayInProgress::Horizonte && date == self.today()
    }

    /// Checks what serde cannot, naming the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        const LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];
        if !LEVELS.contains(&self.run.log_level.as_str()) {
            return Err(ConfigError {
                key: "run.log_level".into(),
                message: format!(
                    "expected one of {}, found `{}`",
                    LEVELS.join(", "),
                    self.run.log_level
                ),
            });
        }
        if !(1..=60).contains(&self.report.drift_bars) {
            return Err(ConfigError {
                key: "report.drift_bars".into(),
                message: format!("expected 1..=60, found {}", self.report.drift_bars),
            });
        }
        if self.explore.sample_rows > 1000 {
            return Err(ConfigError {
                key: "explore.sample_rows".into(),
                message: format!("expected 0..=1000, found {}", self.explore.sample_rows),
            });
        }
        let p = &self.paths;
        for (k, v) in [
            ("raw", &p.raw),
            ("cleansed", &p.cleansed),
            ("features", &p.features),
            ("processed", &p.processed),
            ("outputs", &p.outputs),
            ("test_reports", &p.test_reports),
            ("executive", &p.executive),
            ("partitions", &p.partitions),
        ] {
            if v.as_os_str().is_empty() {
                return Err(ConfigError {
                    key: format!("paths.{k}"),
                    message: "expected a folder path, found an empty string".into(),
                });
            }
        }
        self.calendar.validate().map_err(|e| match e {
            calendar::CalendarError::InvalidConfig { key, message } => ConfigError {
                key: format!("calendar.{key}"),
                message,
            },
            other => ConfigError {
                key: "calendar".into(),
                message: other.to_string(),
            },
        })?;
        self.source
            .validate()
            .and_then(|()| self.source.zone(&self.calendar.festivos.pais).map(|_| ()))
            .map_err(|e| match e {
                connector::ConnectorError::InvalidConfig { key, message } => {
                    ConfigError { key, message }
                }
                other => ConfigError {
                    key: "source".into(),
                    message: other.to_string(),
                },
            })?;
        let contract_key = |prefix: &str, e: contract::ContractError| match e {
            contract::ContractError::InvalidConfig { key, message } => ConfigError {
                key: format!("{prefix}.{key}"),
                message,
            },
            other => ConfigError {
                key: prefix.into(),
                message: other.to_string(),
            },
        };
        self.contract
            .validate()
            .map_err(|e| contract_key("contract", e))?;
        self.cleanse
            .validate()
            .map_err(|e| contract_key("cleanse", e))?;
        if !(0.0..100.0).contains(&self.plan.descuento_por_defecto) {
            return Err(ConfigError {
                key: "plan.descuento_por_defecto".into(),
                message: format!(
                    "expected 0 <= x < 100, found {}",
                    self.plan.descuento_por_defecto
                ),
            });
        }
        self.forecast.intervals.validate().map_err(|e| match e {
            forecaster::ForecastError::InvalidConfig { key, message } => {
                ConfigError { key, message }
            }
            other => ConfigError {
                key: "forecast".into(),
                message: other.to_string(),
            },
        })?;
        if self.train.candidates.is_empty() {
            return Err(ConfigError {
                key: "train.candidates".into(),
                message: "at least one candidate is needed".into(),
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, c) in self.train.candidates.iter().enumerate() {
            if !seen.insert(c.nombre.clone()) {
                return Err(ConfigError {
                    key: format!("train.candidates[{i}].nombre"),
                    message: format!("`{}` is used twice", c.nombre),
                });
            }
        }
        let no_exog = self.train.exog == models::ExogSelection::None;
        for (i, c) in self.train.candidates.iter().enumerate() {
            let key = format!("train.candidates[{i}].model");
            check_model(&key, &c.model)?;
            if let models::ModelSpec::Mstl { steps, .. }
            | models::ModelSpec::YearOverYear { steps, .. } = &c.model
            {
                let horizon = self.run.horizon.days() as usize;
                if *steps < horizon {
                    return Err(invalid(
                        format!("{key}.steps"),
                        format!("an MSTL or year_over_year model forecasts at most `steps` days: {steps} is shorter than run.horizon ({horizon})"),
                    ));
                }
            }
            if let (true, models::ModelSpec::Recursive { autoregressive, .. }) = (no_exog, &c.model)
            {
                if autoregressive.is_empty() {
                    return Err(invalid(
                        format!("{key}.autoregressive.lags"),
                        "no lags and no windows with train.exog: none leaves nothing to regress on; give a lag or set train.exog: all",
                    ));
                }
            }
        }
        check_search(&self.train.search)?;
        if no_exog && self.train.search.method != models::SearchMethod::None {
            let empty_w = self.train.search.windows_grid.iter().any(Vec::is_empty);
            if let Some(i) = self.train.search.lags_grid.iter().position(Vec::is_empty) {
                if empty_w {
                    return Err(invalid(
                        format!("train.search.lags_grid[{i}]"),
                        "an empty lag set with an empty window set and train.exog: none leaves nothing to regress on",
                    ));
                }
            }
        }
        if let Some(z) = self.train.search.intermittent_zero_share {
            if !(z > 0.0 && z <= 1.0) {
                return Err(ConfigError {
                    key: "train.search.intermittent_zero_share".into(),
                    message: format!("expected a share in (0, 1] or null, found {z}"),
                });
            }
        }
        if self.features.festivos_por_nombre == Some(0) {
            return Err(ConfigError {
                key: "features.festivos_por_nombre".into(),
                message: "expected at least 1 open history day per festivo name, or null, found 0"
                    .into(),
            });
        }
        for (name, rule) in [
            ("serie_detenida", &self.features.serie_detenida),
            ("serie_lanzada", &self.features.serie_lanzada),
        ] {
            let Some(rule) = rule else { continue };
            if rule.min_dias == 0 {
                return Err(ConfigError {
                    key: format!("features.{name}.min_dias"),
                    message: "expected at least 1 day, found 0".into(),
                });
            }
            let p = rule.probabilidad_max;
            if !(p > 0.0 && p < 1.0) {
                return Err(ConfigError {
                    key: format!("features.{name}.probabilidad_max"),
                    message: format!("expected a probability in (0, 1) or null, found {p}"),
                });
            }
        }
        if self.train.cv.stride == Some(0) {
            return Err(ConfigError {
                key: "train.cv.stride".into(),
                message: "expected at least 1 day between fold origins, found 0".into(),
            });
        }
        for (i, k) in self.train.ensemble.top_k.iter().enumerate() {
            if *k < 2 {
                return Err(ConfigError {
                    key: format!("train.ensemble.top_k[{i}]"),
                    message: format!("an ensemble combines at least 2 candidates, found {k}"),
                });
            }
        }
        let g = &self.train.global;
        if g.lags.is_empty() && g.exog.is_none() {
            return Err(invalid(
                "train.global.lags".into(),
                "the global model needs lags or exog columns (train.global.exog)",
            ));
        }
        check_lags("train.global.lags", &g.lags)?;
        if !(g.alpha.is_finite() && g.alpha >= 0.0) {
            return Err(invalid(
                "train.global.alpha".into(),
                format!("expected a penalty >= 0, found {}", g.alpha),
            ));
        }
        if g.nombre.trim().is_empty() {
            return Err(invalid(
                "train.global.nombre".into(),
                "the global candidate needs a name",
            ));
        }
        if let Some(p) = &self.train.preferencia {
            if !(0.0..1.0).contains(&p.margen) {
                return Err(invalid(
                    "train.preferencia.margen".into(),
                    format!("expected a share in [0, 1), found {}", p.margen),
                ));
            }
        }
        if let Some(f) = &self.train.respaldo {
            if !(f.alcance_min > 0.0 && f.alcance_min <= 1.0) {
                return Err(invalid(
                    "train.respaldo.alcance_min".into(),
                    format!("expected a share in (0, 1], found {}", f.alcance_min),
                ));
            }
        }
        if let Some(lent) = &self.features.forma_anual_prestada {
            if let Err(features::FeaturesError::InvalidConfig { key, message }) = lent.validate() {
                return Err(invalid(key, message));
            }
            let serie = &self.source.serie;
            if !serie.is_empty() && serie.iter().all(|k| lent.familia.contains(k)) {
                return Err(invalid(
                    "features.forma_anual_prestada.familia".into(),
                    format!(
                        "names every key column of source.serie ({}): each series would be its \
                         own only family member, and none could lend",
                        serie.join(", ")
                    ),
                ));
            }
            if let Some(c) = lent
                .familia
                .iter()
                .find(|c| !self.source.serie.is_empty() && !self.source.serie.contains(c))
            {
                return Err(invalid(
                    "features.forma_anual_prestada.familia".into(),
                    format!(
                        "`{c}` is not a key column of source.serie ({})",
                        self.source.serie.join(", ")
                    ),
                ));
            }
        }
        if self.features.ciclo_anual_min_dias == Some(0) {
            return Err(invalid(
                "features.ciclo_anual_min_dias".into(),
                "expected at least 1 day (or null: never)",
            ));
        }
        if let Some(h) = self.train.search.halving {
            for (k, v) in [("folds", h.folds), ("keep", h.keep)] {
                if v == 0 {
                    return Err(invalid(
                        format!("train.search.halving.{k}"),
                        "expected at least 1 (or halving: null)".to_string(),
                    ));
                }
            }
        }
        if let Some(k) = self.train.divergencia_max {
            if !(k.is_finite() && k >= 1.0) {
                return Err(invalid(
                    "train.divergencia_max".into(),
                    format!("expected a finite multiple of at least 1 (or null), found {k}"),
                ));
            }
        }
        for (k, v) in [
            ("steps", self.train.cv.steps),
            ("n_folds", self.train.cv.n_folds),
        ] {
            if v == 0 {
                return Err(ConfigError {
                    key: format!("train.cv.{k}"),
                    message: "expected at least 1, found 0".into(),
                });
            }
        }
        if self.eda.max_lag == 0 || self.eda.local_window == 0 {
            return Err(ConfigError {
                key: "eda.max_lag".into(),
                message: "max_lag and local_window must be at least 1".into(),
            });
        }
        if let Some(c) = self.run.cutoff {
            if let Some(span) = self.source.span {
                if !span.contains(c) {
                    return Err(ConfigError {
                        key: "run.cutoff".into(),
                        message: format!("{c} lies outside source.span"),
                    });
                }
            }
        }
        Ok(())
    }

    /// The configuration as JSON with secret-looking keys redacted, for manifests.
    pub fn redacted_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).expect("config serialises");
        redact(&mut v);
        v
    }
}

fn invalid(key: String, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key,
        message: message.into(),
    }
}

/// Refuses a 0 among `fields` (name, value) of the model at `key`, naming the field.
fn at_least_one(key: &str, fields: &[(&str, usize)]) -> Result<(), ConfigError> {
    match fields.iter().find(|(_, v)| *v == 0) {
        Some((k, _)) => Err(invalid(
            format!("{key}.{k}"),
            "expected at least 1, found 0",
        )),
        None => Ok(()),
    }
}

/// A model spec's settings serde cannot check: lags and windows (at least one, each ≥ 1),
/// penalties and the other hyper-parameters of its regressor, steps and periods ≥ 1.
fn check_model(key: &str, model: &models::ModelSpec) -> Result<(), ConfigError> {
    use models::ModelSpec;
    match model {
        ModelSpec::Recursive {
            regressor,
            autoregressive,
            differentiation,
            local_level,
            ..
        } => {
            check_regressor(&format!("{key}.regressor"), regressor)?;
            check_autoregressive(&format!("{key}.autoregressive"), autoregressive, true)?;
            match (local_level, differentiation) {
                (Some(0), _) => Err(invalid(
                    format!("{key}.local_level"),
                    "expected at least 1 day, found 0",
                )),
                (Some(_), d) if *d > 0 => Err(invalid(
                    format!("{key}.local_level"),
                    "a local level needs differentiation: 0 (a differenced model already follows the level)",
                )),
                _ => Ok(()),
            }
        }
        ModelSpec::Direct {
            regressor,
            autoregressive,
            steps,
            ..
        } => {
            check_regressor(&format!("{key}.regressor"), regressor)?;
            check_autoregressive(&format!("{key}.autoregressive"), autoregressive, false)?;
            if *steps == 0 {
                return Err(invalid(
                    format!("{key}.steps"),
                    "expected at least 1, found 0",
                ));
            }
            Ok(())
        }
        ModelSpec::SeasonalNaive { period: 0 } => Err(invalid(
            format!("{key}.period"),
            "expected at least 1, found 0",
        )),
        ModelSpec::SeasonalMedian { period, cycles } => {
            at_least_one(key, &[("period", *period), ("cycles", *cycles)])
        }
        ModelSpec::EquivalentDate { offset, n_offsets } => {
            at_least_one(key, &[("offset", *offset), ("n_offsets", *n_offsets)])
        }
        ModelSpec::Ensemble { members, .. } => {
            if members.is_empty() {
                return Err(invalid(
                    format!("{key}.members"),
                    "expected at least one member",
                ));
            }
            for (i, m) in members.iter().enumerate() {
                check_model(&format!("{key}.members[{i}].model"), &m.model)?;
            }
            Ok(())
        }
        ModelSpec::Mstl { periods, steps, .. } => {
            if *steps == 0 {
                return Err(invalid(
                    format!("{key}.steps"),
                    "expected at least 1, found 0",
                ));
            }
            if let Some(j) = periods.iter().position(|p| *p < 2) {
                return Err(invalid(
                    format!("{key}.periods[{j}]"),
                    format!("a seasonal period is at least 2, found {}", periods[j]),
                ));
            }
            Ok(())
        }
        ModelSpec::YearOverYear { steps, .. } => {
            if *steps == 0 {
                return Err(invalid(
                    format!("{key}.steps"),
                    "expected at least 1, found 0",
                ));
            }
            let settings = model.year_over_year().expect("a year_over_year spec");
            settings.check().map_err(|b| {
                invalid(
                    format!("{key}.{}", b.field),
                    format!("{}, found {}", b.rule, b.found),
                )
            })
        }
        ModelSpec::Naive | ModelSpec::SeasonalNaive { .. } => Ok(()),
    }
}

fn check_lags(key: &str, lags: &[usize]) -> Result<(), ConfigError> {
    if let Some(j) = lags.iter().position(|&l| l == 0) {
        return Err(invalid(
            key.to_string(),
            format!(
                "lag 0 (position {j}) is invalid: lags start at 1 (lag 1 = the previous day), found {lags:?}"
            ),
        ));
    }
    Ok(())
}

fn check_windows(key: &str, windows: &[models::WindowFeature]) -> Result<(), ConfigError> {
    if let Some(j) = windows.iter().position(|w| w.window == 0) {
        return Err(invalid(
            format!("{key}[{j}].window"),
            "expected a window of at least 1 observation, found 0",
        ));
    }
    Ok(())
}

/// `exog_only`: whether no lags and no windows is allowed (a recursive model is then a
/// regression on the exog columns; a direct one would be the same regression once per step).
fn check_autoregressive(
    key: &str,
    ar: &models::Autoregressive,
    exog_only: bool,
) -> Result<(), ConfigError> {
    check_lags(&format!("{key}.lags"), &ar.lags)?;
    check_windows(&format!("{key}.windows"), &ar.windows)?;
    if ar.is_empty() && !exog_only {
        return Err(invalid(
            format!("{key}.lags"),
            "empty lags and no windows: a direct model needs at least one lag (e.g. [7]) or window feature; for a regression on the exog alone use tipo: recursive",
        ));
    }
    ar.validate()
        .map_err(|e| invalid(key.to_string(), e.to_string()))
}

fn check_regressor(key: &str, r: &models::Regressor) -> Result<(), ConfigError> {
    use models::Regressor;
    let alpha = |a: f64| {
        if a.is_finite() && a >= 0.0 {
            Ok(())
        } else {
            Err(invalid(
                format!("{key}.alpha"),
                format!("expected a penalty >= 0, found {a}"),
            ))
        }
    };
    let at_least_one = |k: &str, v: usize| {
        if v == 0 {
            Err(invalid(
                format!("{key}.{k}"),
                "expected at least 1, found 0",
            ))
        } else {
            Ok(())
        }
    };
    match *r {
        Regressor::LinearRegression => Ok(()),
        Regressor::Ridge { alpha: a } | Regressor::Lasso { alpha: a } => alpha(a),
        Regressor::ElasticNet { alpha: a, l1_ratio } => {
            alpha(a)?;
            if (0.0..=1.0).contains(&l1_ratio) {
                Ok(())
            } else {
                Err(invalid(
                    format!("{key}.l1_ratio"),
                    format!("expected 0 <= l1_ratio <= 1, found {l1_ratio}"),
                ))
            }
        }
        Regressor::DecisionTree {
            min_samples_leaf,
            min_samples_split,
            ..
        } => {
            at_least_one("min_samples_leaf", min_samples_leaf)?;
            at_least_one("min_samples_split", min_samples_split)
        }
        Regressor::RandomForest {
            n_trees,
            min_samples_leaf,
            max_features,
            ..
        } => {
            at_least_one("n_trees", n_trees)?;
            at_least_one("min_samples_leaf", min_samples_leaf)?;
            match max_features {
                Some(f) if !(f > 0.0 && f <= 1.0) => Err(invalid(
                    format!("{key}.max_features"),
                    format!("expected a share 0 < x <= 1 (or null: all), found {f}"),
                )),
                _ => Ok(()),
            }
        }
        Regressor::Knn { k, .. } => at_least_one("k", k),
        Regressor::RidgeChangepoints {
            alpha,
            changepoints,
            range,
            l1,
        } => {
            let bad = |k: &str, rule: &str, v: f64| {
                Err(invalid(
                    format!("{key}.{k}"),
                    format!("expected {rule}, found {v}"),
                ))
            };
            if !(alpha.is_finite() && alpha > 0.0) {
                return bad("alpha", "a penalty > 0", alpha);
            }
            at_least_one("changepoints", changepoints)?;
            if !(range > 0.0 && range <= 1.0) {
                return bad("range", "a share 0 < range <= 1", range);
            }
            if !(l1.is_finite() && l1 >= 0.0) {
                return bad("l1", "a penalty >= 0", l1);
            }
            Ok(())
        }
        Regressor::GradientBoosting { budget, .. } => {
            if budget.is_finite() && budget > 0.0 && budget <= 10.0 {
                Ok(())
            } else {
                Err(invalid(
                    format!("{key}.budget"),
                    format!("expected 0 < budget <= 10, found {budget}"),
                ))
            }
        }
    }
}

/// `train.search`: every regressor, lag set and window set (an empty lag set with an empty
/// window set is an exog-only regression).
fn check_search(search: &models::SearchConfig) -> Result<(), ConfigError> {
    for (i, r) in search.regressors.iter().enumerate() {
        check_regressor(&format!("train.search.regressors[{i}]"), r)?;
    }
    for (i, lags) in search.lags_grid.iter().enumerate() {
        check_lags(&format!("train.search.lags_grid[{i}]"), lags)?;
    }
    for (i, w) in search.windows_grid.iter().enumerate() {
        check_windows(&format!("train.search.windows_grid[{i}]"), w)?;
    }
    if let Some(i) = search.level_grid.iter().position(|l| *l == Some(0)) {
        return Err(invalid(
            format!("train.search.level_grid[{i}]"),
            "a re-levelling window needs at least 1 day (null = none)",
        ));
    }
    Ok(())
}

/// Refuses a YAML file in which a mapping names a key twice: YAML parsers (and so figment)
/// silently keep the last value. The error names the dotted key path (`train.cv.n_folds`,
/// `train.candidates[2].model.tipo`), the line of the mapping and the file. A file YAML cannot parse is left
/// to figment, which reports it.
pub fn check_duplicate_keys(text: &str, file: &Path) -> Result<(), ConfigError> {
    use serde::de::DeserializeSeed as _;
    let found = std::cell::RefCell::new(None);
    for doc in serde_yaml::Deserializer::from_str(text) {
        let result = DupSeed {
            path: String::new(),
            found: &found,
        }
        .deserialize(doc);
        if let Some(key) = found.borrow_mut().take() {
            let line = result
                .err()
                .and_then(|e| e.location())
                .map(|l| format!(" in the mapping at line {}", l.line()))
                .unwrap_or_default();
            return Err(ConfigError {
                key,
                message: format!(
                    "duplicate key{line}: YAML would silently keep the last value; remove one [from YAML file {}]",
                    file.display()
                ),
            });
        }
        if result.is_err() {
            break;
        }
    }
    Ok(())
}

/// Walks a YAML document, recording the first key a mapping repeats.
struct DupSeed<'a> {
    path: String,
    found: &'a std::cell::RefCell<Option<String>>,
}

impl<'a> DupSeed<'a> {
    fn child(&self, segment: String) -> DupSeed<'a> {
        DupSeed {
            path: segment,
            found: self.found,
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for DupSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for DupSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        while seq
            .next_element_seed(self.child(format!("{}[{i}]", self.path)))?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::BTreeSet::new();
        while let Some(k) = map.next_key::<serde_yaml::Value>()? {
            let name = match &k {
                serde_yaml::Value::String(s) => s.clone(),
                serde_yaml::Value::Number(n) => n.to_string(),
                serde_yaml::Value::Bool(b) => b.to_string(),
                serde_yaml::Value::Null => "null".into(),
                other => format!("{other:?}"),
            };
            let path = if self.path.is_empty() {
                name.clone()
            } else {
                format!("{}.{name}", self.path)
            };
            if !seen.insert(name) {
                *self.found.borrow_mut() = Some(path.clone());
                return Err(serde::de::Error::custom(format!("duplicate key `{path}`")));
            }
            map.next_value_seed(self.child(path))?;
        }
        Ok(())
    }
}

/// Replaces the value of every key that looks like a secret (`key`, `secret`, `password`,
/// `token`, `jwt`, `url` of a remote source) with `"<redacted>"`.
pub fn redact(v: &mut serde_json::Value) {
    const SECRET: [&str; 6] = ["key", "secret", "password", "token", "jwt", "credential"];
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                let lk = k.to_ascii_lowercase();
                if SECRET.iter().any(|s| lk.split('_').any(|part| part == *s)) && !val.is_null() {
                    *val = serde_json::Value::String("<redacted>".into());
                } else {
                    redact(val);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .nth(2)
            .unwrap()
            .to_path_buf()
    }

    fn load(sets: &[&str]) -> Result<AppConfig, ConfigError> {
        AppConfig::load(
            &root(),
            &LoadOptions {
                sets: sets.iter().map(|s| s.to_string()).collect(),
                ..LoadOptions::default()
            },
        )
    }

    #[test]
    fn min_date_auto_is_2000_for_colombia_and_1900_elsewhere_and_a_date_is_kept() {
        use chrono::NaiveDate;
        let d = |s: &str| contract::MinDate::Date(s.parse::<NaiveDate>().unwrap());
        assert_eq!(load(&[]).unwrap().contract.table.min_date, d("2000-01-01"));
        let au = load(&["calendar.festivos.pais=AU"]).unwrap();
        assert_eq!(au.contract.table.min_date, d("1900-01-01"));
        let set = load(&[
            "calendar.festivos.pais=AU",
            "contract.table.min_date=1980-06-01",
        ])
        .unwrap();
        assert_eq!(set.contract.table.min_date, d("1980-06-01"));
        let err = load(&["contract.table.min_date=ayer"]).unwrap_err();
        assert!(err.key.contains("min_date"), "{err:?}");
    }

    #[test]
    fn timestamps_are_cut_in_the_country_s_zone_unless_a_zone_or_an_offset_is_named() {
        let zone = |sets: &[&str]| load(sets).unwrap().zone().to_string();
        assert_eq!(zone(&[]), "America/Bogota");
        assert_eq!(zone(&["calendar.festivos.pais=DE-SH"]), "Europe/Berlin");
        assert_eq!(zone(&["calendar.festivos.pais=USA-MN"]), "America/Chicago");
        assert_eq!(zone(&["calendar.festivos.pais=AU-WA"]), "Australia/Perth");
        assert_eq!(
            zone(&["calendar.festivos.pais=DE", "source.time_zone=Asia/Tokyo"]),
            "Asia/Tokyo"
        );
        assert_eq!(
            zone(&["calendar.festivos.pais=DE", "source.utc_offset_hours=-5"]),
            "UTC-05:00"
        );
        let e = load(&["source.time_zone=Europe/Kiel"]).unwrap_err();
        assert_eq!(e.key, "source.time_zone", "{e}");
        assert!(e.message.contains("Europe/Kiel"), "{e}");
        let e = load(&["source.utc_offset_hours=15"]).unwrap_err();
        assert_eq!(e.key, "source.utc_offset_hours", "{e}");
        let e = load(&[
            "source.time_zone=Europe/Berlin",
            "source.utc_offset_hours=1",
        ])
        .unwrap_err();
        assert_eq!(e.key, "source.utc_offset_hours", "{e}");
        assert_eq!(zone(&["source.time_zone=europe/berlin"]), "Europe/Berlin");
    }

    #[test]
    fn default_config_loads_and_matches_library_defaults() {
        let cfg = load(&[]).unwrap();
        assert_eq!(cfg.run.seed, 42);
        assert_eq!(cfg.run.horizon.days(), 185);
        // config.yaml spells out the defaults the libraries document.
        assert_eq!(cfg.calendar, CalendarConfig::default());
        assert_eq!(cfg.source, SourceConfig::default());
        assert_eq!(cfg.contract, ContractConfig::default());
        assert_eq!(cfg.cleanse, CleanseConfig::default());
        assert_eq!(cfg.eda, features::eda::EdaConfig::default());
        assert_eq!(cfg.features, features::FeatureConfig::default());
        assert_eq!(cfg.forecast, forecaster::ForecastConfig::default());
        assert_eq!(cfg.monitor, monitor::MonitorConfig::default());
        assert_eq!(cfg.report, ReportConfig::default());
        assert_eq!(
            cfg.plan,
            features::FuturePlan {
                descuento_por_defecto: 15.0,
                ..features::FuturePlan::default()
            }
        );
    }

    #[test]
    fn the_embedded_config_is_the_project_config() {
        assert_eq!(AppConfig::shipped().unwrap(), load(&[]).unwrap());
        let e = AppConfig::from_yaml("run: {seed: 1}").unwrap_err();
        assert_eq!(e.key, "run.horizon", "{e}");
    }

    #[test]
    fn resolved_default_config_snapshot() {
        insta::assert_yaml_snapshot!(load(&[]).unwrap());
    }

    #[test]
    fn unknown_key_is_named() {
        let e = load(&["run.sede=7"]).unwrap_err();
        assert_eq!(e.key, "run.sede");
        assert!(e.message.contains("unknown key"), "{e}");
        let e = load(&["nope.x=1"]).unwrap_err();
        assert_eq!(e.key, "nope");
    }

    #[test]
    fn wrong_type_is_named_with_expected_form() {
        let e = load(&["run.seed=abc"]).unwrap_err();
        assert_eq!(e.key, "run.seed");
        assert!(e.message.contains("expected"), "{e}");
    }

    #[test]
    fn the_flag_or_variable_that_set_a_bad_value_is_named() {
        let e = load(&["run.horizon=abc"]).unwrap_err();
        assert!(e.message.contains("[from --set run.horizon]"), "{e}");
        let env = LoadOptions {
            env: vec![("BUNUELOS_RUN__SEED".into(), "x".into())],
            ..LoadOptions::default()
        };
        let e = AppConfig::load(&root(), &env).unwrap_err();
        assert!(
            e.message
                .contains("environment variable BUNUELOS_RUN__SEED"),
            "{e}"
        );
    }

    #[test]
    fn bad_date_is_named() {
        let e = load(&["run.cutoff=2025-13-45"]).unwrap_err();
        assert_eq!(e.key, "run.cutoff");
    }

    #[test]
    fn fin_historia_is_one_of_two_rules() {
        assert_eq!(load(&[]).unwrap().run.fin_historia, HistoryEnd::UltimoDato);
        let cfg = load(&["run.fin_historia=ultima_fila"]).unwrap();
        assert_eq!(cfg.run.fin_historia, HistoryEnd::UltimaFila);
        assert_eq!(
            load(&[]).unwrap().run.dia_en_curso,
            DayInProgress::Horizonte
        );
        let e = load(&["run.dia_en_curso=hoy"]).unwrap_err();
        assert!(e.key.contains("dia_en_curso"), "{e}");
        let e = load(&["run.fin_historia=hoy"]).unwrap_err();
        assert!(e.key.starts_with("run.fin_historia"), "{e}");
    }

    #[test]
    fn the_fallback_names_a_candidate_and_a_share_of_the_horizon() {
        let e = load(&["train.respaldo.alcance_min=0"]).unwrap_err();
        assert_eq!(e.key, "train.respaldo.alcance_min", "{e}");
        let e = load(&["train.respaldo.alcance_min=1.5"]).unwrap_err();
        assert_eq!(e.key, "train.respaldo.alcance_min", "{e}");
        let cfg = load(&["train.respaldo.candidato=naive"]).unwrap();
        assert_eq!(cfg.train.respaldo.unwrap().candidato, "naive");
        assert!(load(&["train.respaldo=null"])
            .unwrap()
            .train
            .respaldo
            .is_none());
        let median = |cycles: usize| {
            one_candidate(&format!(
                "{{tipo: seasonal_median, period: 7, cycles: {cycles}}}"
            ))
        };
        let e = load_extra(&median(0), &[]).unwrap_err();
        assert_eq!(e.key, "train.candidates[0].model.cycles", "{e}");
        load_extra(&median(16), &[]).unwrap();
    }

    #[test]
    fn global_model_settings_are_checked() {
        let e = load(&["train.global.alpha=-1"]).unwrap_err();
        assert_eq!(e.key, "train.global.alpha", "{e}");
        let e = load(&["train.global.lags=[0, 7]"]).unwrap_err();
        assert_eq!(e.key, "train.global.lags", "{e}");
        let e = load(&["train.global.exog=null"]).unwrap_err();
        assert_eq!(e.key, "train.global.lags", "{e}");
        assert!(load(&["train.global.exog=null", "train.global.lags=[7]"]).is_ok());
        let e = load(&["train.global.encoding=dummies"]).unwrap_err();
        assert!(e.key.starts_with("train.global.encoding"), "{e}");
    }

    #[test]
    fn out_of_range_values_are_named() {
        let e = load(&["train.preferencia.margen=1.5"]).unwrap_err();
        assert_eq!(e.key, "train.preferencia.margen", "{e}");
        let e = load(&["train.divergencia_max=0.5"]).unwrap_err();
        assert_eq!(e.key, "train.divergencia_max", "{e}");
        assert!(load(&["train.divergencia_max=null"]).is_ok());
        let e = load(&["train.search.halving={folds: 0, keep: 8}"]).unwrap_err();
        assert_eq!(e.key, "train.search.halving.folds", "{e}");
        let e = load(&["train.search.halving={folds: 2, keep: 0}"]).unwrap_err();
        assert_eq!(e.key, "train.search.halving.keep", "{e}");
        assert!(load(&["train.search.halving={folds: 2, keep: 8}"]).is_ok());
        let e = load(&["features.ciclo_anual_min_dias=0"]).unwrap_err();
        assert_eq!(e.key, "features.ciclo_anual_min_dias", "{e}");
        let e = load(&["features.forma_anual_prestada.ventana_semanas=0"]).unwrap_err();
        assert_eq!(
            e.key, "features.forma_anual_prestada.ventana_semanas",
            "{e}"
        );
        let e = load(&["features.forma_anual_prestada.min_series=0"]).unwrap_err();
        assert_eq!(e.key, "features.forma_anual_prestada.min_series", "{e}");
        let e = load(&[
            "source.serie=[tienda, producto]",
            "features.forma_anual_prestada.familia=[sabor]",
        ])
        .unwrap_err();
        assert_eq!(e.key, "features.forma_anual_prestada.familia", "{e}");
        assert!(e.to_string().contains("sabor"), "{e}");
        assert!(load(&[
            "source.serie=[tienda, producto]",
            "features.forma_anual_prestada.familia=[producto]",
        ])
        .is_ok());
        let e = load(&[
            "source.serie=[tienda, producto]",
            "features.forma_anual_prestada.familia=[producto, tienda]",
        ])
        .unwrap_err();
        assert!(e.to_string().contains("every key column"), "{e}");
        let e = load(&["features.forma_anual_prestada.ventana=2"]).unwrap_err();
        assert!(e.key.contains("forma_anual_prestada"), "{e}");
        assert!(load(&["features.forma_anual_prestada=null"])
            .unwrap()
            .features
            .forma_anual_prestada
            .is_none());
        let e = load(&["features.serie_detenida.probabilidad_max=1"]).unwrap_err();
        assert_eq!(e.key, "features.serie_detenida.probabilidad_max", "{e}");
        let e = load(&["features.serie_detenida.min_dias=0"]).unwrap_err();
        assert_eq!(e.key, "features.serie_detenida.min_dias", "{e}");
        assert!(load(&["features.serie_detenida=null"]).is_ok());
        let e = load(&["features.serie_lanzada.min_dias=0"]).unwrap_err();
        assert_eq!(e.key, "features.serie_lanzada.min_dias", "{e}");
        let e = load(&["features.serie_lanzada.probabilidad_max=0"]).unwrap_err();
        assert_eq!(e.key, "features.serie_lanzada.probabilidad_max", "{e}");
        assert!(load(&["features.serie_lanzada=null"]).is_ok());
        let e = load(&["features.festivos_por_nombre=0"]).unwrap_err();
        assert_eq!(e.key, "features.festivos_por_nombre", "{e}");
        let mut cfg = AppConfig::shipped().unwrap();
        let (i, c) = cfg
            .train
            .candidates
            .iter_mut()
            .enumerate()
            .find(|(_, c)| matches!(c.model, models::ModelSpec::Mstl { .. }))
            .expect("the shipped config has an MSTL candidate");
        if let models::ModelSpec::Mstl { steps, .. } = &mut c.model {
            *steps = 30;
        }
        let e = cfg.validate().unwrap_err();
        assert_eq!(e.key, format!("train.candidates[{i}].model.steps"), "{e}");
        assert!(e.message.contains("run.horizon"), "{e}");
        // The year-over-year candidate: each bad setting is named.
        let yoy = AppConfig::shipped()
            .unwrap()
            .train
            .candidates
            .iter()
            .position(|c| matches!(c.model, models::ModelSpec::YearOverYear { .. }))
            .expect("the shipped config has a year_over_year candidate");
        for (field, bad, says) in [
            ("level_window", 400, "at most the period"),
            ("neighbours", 52, "below the period"),
            ("years", 0, "at least 1"),
            ("period", 365, "whole weeks"),
            ("max_level_ratio", 0, "at least 1"),
            ("steps", 30, "run.horizon"),
        ] {
            let mut cfg = AppConfig::shipped().unwrap();
            if let models::ModelSpec::YearOverYear {
                period,
                level_window,
                neighbours,
                years,
                max_level_ratio,
                steps,
            } = &mut cfg.train.candidates[yoy].model
            {
                match field {
                    "max_level_ratio" => *max_level_ratio = bad as f64,
                    f => {
                        *match f {
                            "period" => period,
                            "level_window" => level_window,
                            "neighbours" => neighbours,
                            "years" => years,
                            _ => steps,
                        } = bad
                    }
                }
            }
            let e = cfg.validate().unwrap_err();
            assert_eq!(
                e.key,
                format!("train.candidates[{yoy}].model.{field}"),
                "{e}"
            );
            assert!(e.message.contains(says), "{e}");
        }
        let e = load(&["run.horizon=0"]).unwrap_err();
        assert_eq!(e.key, "run.horizon");
        assert!(e.message.contains("1..=3660"), "{e}");
        let e = load(&["calendar.prima.ventana_dias=40"]).unwrap_err();
        assert_eq!(e.key, "calendar.prima.ventana_dias");
        let e = load(&["run.log_level=loud"]).unwrap_err();
        assert_eq!(e.key, "run.log_level");
        let e = load(&["source.kind=file"]).unwrap_err();
        assert_eq!(e.key, "source.path");
        let e = load(&["cleanse.outliers.low_ratio=2"]).unwrap_err();
        assert_eq!(e.key, "cleanse.outliers.low_ratio");
        let e = load(&["contract.table.max_missing_share=1.5"]).unwrap_err();
        assert_eq!(e.key, "contract.table.max_missing_share");
        let e = load(&["source.kind=ftp"]).unwrap_err();
        assert_eq!(e.key, "source.kind");
        assert!(e.message.contains("demo, file"), "{e}");
    }

    #[test]
    fn environment_and_set_layers_apply_in_order() {
        let opts = LoadOptions {
            env: vec![
                ("BUNUELOS_RUN__SEED".into(), "7".into()),
                ("BUNUELOS_EXPLORE__SAMPLE_ROWS".into(), "3".into()),
                ("UNRELATED".into(), "x".into()),
            ],
            sets: vec!["run.seed=9".into()],
            ..LoadOptions::default()
        };
        let cfg = AppConfig::load(&root(), &opts).unwrap();
        assert_eq!(cfg.run.seed, 9);
        assert_eq!(cfg.explore.sample_rows, 3);
        let bad = LoadOptions {
            env: vec![("BUNUELOS_RUN__COLOUR".into(), "red".into())],
            ..LoadOptions::default()
        };
        assert_eq!(
            AppConfig::load(&root(), &bad).unwrap_err().key,
            "run.colour"
        );
    }

    #[test]
    fn extra_config_file_is_merged_and_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("extra.yaml");
        std::fs::write(&f, "run:\n  horizon: 30\n").unwrap();
        let cfg = AppConfig::load(
            &root(),
            &LoadOptions {
                config_file: Some(f),
                ..LoadOptions::default()
            },
        )
        .unwrap();
        assert_eq!(cfg.run.horizon.days(), 30);
        let e = AppConfig::load(
            &root(),
            &LoadOptions {
                config_file: Some(dir.path().join("missing.yaml")),
                ..LoadOptions::default()
            },
        )
        .unwrap_err();
        assert!(e.message.contains("not found"));
    }

    fn load_extra(yaml: &str, sets: &[&str]) -> Result<AppConfig, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("extra.yaml");
        std::fs::write(&f, yaml).unwrap();
        AppConfig::load(
            &root(),
            &LoadOptions {
                config_file: Some(f),
                sets: sets.iter().map(|s| s.to_string()).collect(),
                ..LoadOptions::default()
            },
        )
    }

    fn one_candidate(model: &str) -> String {
        format!("train:\n  candidates:\n    - nombre: c\n      model: {model}\n")
    }

    #[test]
    fn model_specs_are_checked_at_load_naming_the_key() {
        let rec = |reg: &str, ar: &str| {
            one_candidate(&format!(
                "{{tipo: recursive, regressor: {reg}, autoregressive: {ar}, transform: log1p, clip_negative: true}}"
            ))
        };
        let ridge = "{tipo: ridge, alpha: 1.0}";
        let e = load_extra(&rec(ridge, "{lags: [7, 0], windows: []}"), &[]).unwrap_err();
        assert_eq!(e.key, "train.candidates[0].model.autoregressive.lags");
        assert!(e.message.contains("lag 0"), "{e}");
        // A recursive model without lags or windows is a regression on the exog.
        load_extra(&rec(ridge, "{lags: [], windows: []}"), &[]).unwrap();
        // A local level needs at least one day and no differencing.
        let level = |extra: &str| {
            one_candidate(&format!(
                "{{tipo: recursive, regressor: {ridge}, autoregressive: {{lags: [], windows: []}}, transform: log1p, clip_negative: true, {extra}}}"
            ))
        };
        load_extra(&level("local_level: 56"), &[]).unwrap();
        for extra in ["local_level: 0", "local_level: 28, differentiation: 1"] {
            let e = load_extra(&level(extra), &[]).unwrap_err();
            assert_eq!(e.key, "train.candidates[0].model.local_level", "{extra}");
        }
        // A trend with changepoints: each setting in range, and the trend kept.
        let cp = |args: &str| format!("{{tipo: ridge_changepoints, {args}}}");
        let ok = "alpha: 1.0, changepoints: 25, range: 0.8, l1: 0.01";
        load_extra(&rec(&cp(ok), "{lags: [], windows: []}"), &[]).unwrap();
        for (args, field) in [
            (
                "alpha: 0.0, changepoints: 25, range: 0.8, l1: 0.01",
                "alpha",
            ),
            (
                "alpha: 1.0, changepoints: 0, range: 0.8, l1: 0.01",
                "changepoints",
            ),
            (
                "alpha: 1.0, changepoints: 25, range: 1.2, l1: 0.01",
                "range",
            ),
            ("alpha: 1.0, changepoints: 25, range: 0.8, l1: -1.0", "l1"),
        ] {
            let e = load_extra(&rec(&cp(args), "{lags: [], windows: []}"), &[]).unwrap_err();
            assert_eq!(
                e.key,
                format!("train.candidates[0].model.regressor.{field}")
            );
        }
        // Without the trend there is nothing to bend: it loads, and fits a plain ridge.
        let no_trend = format!(
            "{}      exog: {{tendencia: false}}\n",
            rec(&cp(ok), "{lags: [], windows: []}")
        );
        load_extra(&no_trend, &[]).unwrap();
        let direct = one_candidate(
            "{tipo: direct, regressor: {tipo: linear_regression}, autoregressive: {lags: [], windows: []}, transform: none, clip_negative: true, steps: 7}",
        );
        let e = load_extra(&direct, &[]).unwrap_err();
        assert_eq!(e.key, "train.candidates[0].model.autoregressive.lags");
        let e = load_extra(
            &rec(ridge, "{lags: [1], windows: [{stat: mean, window: 0}]}"),
            &[],
        )
        .unwrap_err();
        assert_eq!(
            e.key,
            "train.candidates[0].model.autoregressive.windows[0].window"
        );
        for reg in [
            "{tipo: ridge, alpha: -1.0}",
            "{tipo: lasso, alpha: -0.5}",
            "{tipo: elastic_net, alpha: -0.1, l1_ratio: 0.5}",
        ] {
            let e = load_extra(&rec(reg, "{lags: [7], windows: []}"), &[]).unwrap_err();
            assert_eq!(e.key, "train.candidates[0].model.regressor.alpha", "{reg}");
            assert!(e.message.contains(">= 0"), "{e}");
        }
        let e = load_extra(
            &rec(
                "{tipo: elastic_net, alpha: 0.1, l1_ratio: 1.5}",
                "{lags: [7], windows: []}",
            ),
            &[],
        )
        .unwrap_err();
        assert_eq!(e.key, "train.candidates[0].model.regressor.l1_ratio");
        let e = load_extra(
            &rec(
                "{tipo: gradient_boosting, budget: 0}",
                "{lags: [7], windows: []}",
            ),
            &[],
        )
        .unwrap_err();
        assert_eq!(e.key, "train.candidates[0].model.regressor.budget");
        assert!(load_extra(
            &rec(
                "{tipo: gradient_boosting, budget: 0.5}",
                "{lags: [7], windows: []}"
            ),
            &[]
        )
        .is_ok());
        // A valid candidate list still loads.
        assert!(load_extra(&rec(ridge, "{lags: [7], windows: []}"), &[]).is_ok());
    }

    #[test]
    fn search_space_and_folds_are_checked_at_load() {
        let e = load_extra(
            "train:\n  search:\n    regressors: [{tipo: ridge, alpha: 1.0}, {tipo: ridge, alpha: -3}]\n",
            &[],
        )
        .unwrap_err();
        assert_eq!(e.key, "train.search.regressors[1].alpha");
        let e = load_extra("train:\n  search:\n    lags_grid: [[7], [0, 7]]\n", &[]).unwrap_err();
        assert_eq!(e.key, "train.search.lags_grid[1]");
        load_extra("train:\n  search:\n    lags_grid: [[]]\n", &[]).unwrap();
        let e = load_extra("train:\n  search:\n    level_grid: [null, 0]\n", &[]).unwrap_err();
        assert_eq!(e.key, "train.search.level_grid[1]");
        let e = load(&["train.cv.n_folds=0"]).unwrap_err();
        assert_eq!(e.key, "train.cv.n_folds");
        let e = load(&["train.cv.steps=0"]).unwrap_err();
        assert_eq!(e.key, "train.cv.steps");
    }

    #[test]
    fn duplicate_yaml_keys_are_named_with_their_path_line_and_file() {
        let f = Path::new("x.yaml");
        let e =
            check_duplicate_keys("train:\n  cv:\n    n_folds: 3\n    n_folds: 2\n", f).unwrap_err();
        assert_eq!(e.key, "train.cv.n_folds");
        assert!(e.message.contains("duplicate key"), "{e}");
        assert!(e.message.contains("x.yaml"), "{e}");
        assert!(e.message.contains("mapping at line 3"), "{e}");
        let e =
            check_duplicate_keys("run:\n  seed: 1\nexplore: {}\nrun:\n  seed: 2\n", f).unwrap_err();
        assert_eq!(e.key, "run");
        let e = check_duplicate_keys(
            "train:\n  candidates:\n    - {nombre: a, model: {tipo: naive}}\n    - {nombre: b, nombre: c}\n",
            f,
        )
        .unwrap_err();
        assert_eq!(e.key, "train.candidates[1].nombre");
        // Same key in different mappings, anchors and aliases: fine.
        check_duplicate_keys("a: &x {k: 1}\nb: *x\nc: [{k: 1}, {k: 2}]\nd: {a: 1}\n", f).unwrap();
        // Unparsable YAML is left to figment.
        check_duplicate_keys("a: [1, 2\n", f).unwrap();
        // The repository's config.yaml has none.
        let text = std::fs::read_to_string(root().join(CONFIG_FILE)).unwrap();
        check_duplicate_keys(&text, f).unwrap();
        // Through load: the --config file is named.
        let e = load_extra("run:\n  seed: 1\n  seed: 2\n", &[]).unwrap_err();
        assert_eq!(e.key, "run.seed");
        assert!(e.message.contains("extra.yaml"), "{e}");
    }

    #[test]
    fn redaction_hides_secret_looking_keys() {
        let mut v = serde_json::json!({"supabase": {"api_key": "abc", "url": "u", "table": "t"},
                                        "list": [{"token": "x"}]});
        redact(&mut v);
        assert_eq!(v["supabase"]["api_key"], "<redacted>");
        assert_eq!(v["supabase"]["table"], "t");
        assert_eq!(v["list"][0]["token"], "<redacted>");
    }
}
