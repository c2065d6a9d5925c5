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

    /// The config sections (top-level keys) the phase reads, besides [`Phase::ALWAYS_READ`].
    pub fn settings(self) -> &'static [&'static str] {
        match self {
            Phase::Explore => &["source", "explore", "contract", "calendar"],
            Phase::Ingest => &["source", "contract", "calendar"],
            Phase::Cleanse => &["source", "contract", "cleanse", "calendar", "plan"],
            Phase::Eda => &["eda", "calendar"],
            Phase::Features => &["features", "calendar", "plan"],
            Phase::Train => &["train"],
            Phase::Forecast => &["forecast"],
            Phase::Simulate => &["simulate", "plan", "forecast"],
            Phase::Monitor => &["monitor", "forecast"],
        }
    }

    /// Config sections every phase reads.
    pub const ALWAYS_READ: [&'static str; 3] = ["run", "paths", "report"];

    /// The `--set key=value` overrides none of `phases` reads (their section is read by no
    /// phase of the list), in the order given.
    pub fn ignored_sets<'a>(phases: &[Phase], sets: &'a [String]) -> Vec<&'a str> {
        sets.iter()
            .map(String::as_str)
            .filter(|kv| {
                let key = kv.split('=').next().unwrap_or_default();
                let section = key.split('.').next().unwrap_or_default().trim();
                !Phase::ALWAYS_READ.contains(&section)
                    && !phases.iter().any(|p| p.settings().contains(&section))
            })
            .collect()
    }

    /// Parses `00`, `0`, `explore`, …
    pub fn parse(s: &str) -> Option<Phase> {
        let s = s.trim().to_ascii_lowercase();
        Phase::ALL
            .into_iter()
            .find(|p| p.name() == s || p.number() == s || s.parse::<u8>().ok() == Some(*p as u8))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_no_phase_of_the_run_reads_is_reported() {
        let sets = vec![
            "train.metric=mae".to_string(),
            "run.seed=7".to_string(),
            "eda.max_lag=30".to_string(),
        ];
        assert_eq!(
            Phase::ignored_sets(&[Phase::Eda], &sets),
            ["train.metric=mae"]
        );
        assert!(Phase::ignored_sets(&Phase::ALL, &sets).is_empty());
        assert_eq!(
            Phase::ignored_sets(&[Phase::Forecast], &sets),
            ["train.metric=mae", "eda.max_lag=30"]
        );
    }
}
