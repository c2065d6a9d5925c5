//! The closed set of pipeline phases: names, numbers, what each reads and writes.

/// The pipeline phases, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// 00: source metadata, columns and types, nulls, a first look.
    Explore,
    /// 01: the immutable raw snapshot.
    Ingest,
    /// 02: contract validation and cleansing to the daily grid.
    Cleanse,
    /// 03: exploratory analysis and figures.
    Eda,
    /// 04: calendar features and the 185-day exogenous projection.
    Features,
    /// 05: backtesting, search, champion.
    Train,
    /// 06: the 185-day forecast with intervals and monthly totals.
    Forecast,
    /// 07: what-if scenarios.
    Simulate,
    /// 08: model health and drift.
    Monitor,
}

impl Phase {
    /// Every phase in order.
    pub const ALL: [Phase; 9] = [
        Phase::Explore,
        Phase::Ingest,
        Phase::Cleanse,
        Phase::Eda,
        Phase::Features,
        Phase::Train,
        Phase::Forecast,
        Phase::Simulate,
        Phase::Monitor,
    ];

    /// Two-digit number, `00`…`08`.
    pub fn number(self) -> String {
        format!("{:02}", self as u8)
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Explore => "explore",
            Phase::Ingest => "ingest",
            Phase::Cleanse => "cleanse",
            Phase::Eda => "eda",
            Phase::Features => "features",
            Phase::Train => "train",
            Phase::Forecast => "forecast",
            Phase::Simulate => "simulate",
            Phase::Monitor => "monitor",
        }
    }

    /// What the phase reads.
    pub fn reads(self) -> &'static str {
        match self {
            Phase::Explore => "the configured source (demo, file)",
            Phase::Ingest => "the configured source",
            Phase::Cleanse => "data/01_raw (snapshot named by the latest manifest)",
            Phase::Eda => "data/02_cleansed",
            Phase::Features => "data/02_cleansed",
            Phase::Train => "data/04_processed",
            Phase::Forecast => "outputs/models/champion, data/04_processed (+ 02 for hold-out)",
            Phase::Simulate => "champion model + scenarios in config",
            Phase::Monitor => {
                "outputs/forecast/history, data/02_cleansed, data/03_features, train report"
            }
        }
    }

    /// What the phase writes.
    pub fn writes(self) -> &'static str {
        match self {
            Phase::Explore => "outputs/reports/explore_latest.json, contract_proposal_latest.json",
            Phase::Ingest => {
                "data/01_raw/<source>_<run id>.parquet + .meta.json, outputs/reports/ingest_latest.json, validation_latest.json"
            }
            Phase::Cleanse => "data/02_cleansed/ventas_diarias_latest.parquet, outputs/reports/cleansing_latest.json",
            Phase::Eda => "outputs/reports/eda_latest.json, outputs/figures/eda_*.png + eda_latest.html",
            Phase::Features => {
                "data/03_features/features_latest.parquet, data/04_processed/{train,future}_latest.parquet, outputs/reports/features_latest.json"
            }
            Phase::Train => {
                "outputs/reports/train_latest.json (leaderboard, champion backtest), outputs/models/champion_latest.json"
            }
            Phase::Forecast => {
                "outputs/forecast/forecast_{daily,monthly}_latest.csv, outputs/reports/forecast_latest.json, figures"
            }
            Phase::Simulate => {
                "outputs/simulations/escenario_*_{diario,mensual}_latest.csv, resumen_latest.json, outputs/reports/simulation_latest.json, figures"
            }
            Phase::Monitor => "outputs/reports/monitor_latest.json (health, drift), figures monitor_*",
        }
    }

    /// Parses `00`, `0`, `explore`, …
    pub fn parse(s: &str) -> Option<Phase> {
        let s = s.trim().to_ascii_lowercase();
        Phase::ALL
            .into_iter()
            .find(|p| p.name() == s || p.number() == s || s.parse::<u8>().ok() == Some(*p as u8))
    }
}
