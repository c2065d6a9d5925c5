//! Runs a phase's stage (`pipeline::stages`) on the run's file store, with a progress bar on
//! the terminal: the competition's candidates for phase 05, a spinner with what the phase is
//! doing for the others. Nothing is drawn off a terminal or with `-q`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pipeline::{Phase, SourceAccess};

use crate::run::RunContext;

static QUIET: AtomicBool = AtomicBool::new(false);

/// `-q`: no progress bars.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

fn target() -> ProgressDrawTarget {
    if QUIET.load(Ordering::Relaxed) {
        ProgressDrawTarget::hidden()
    } else {
        // indicatif draws on stderr only when it is a terminal.
        ProgressDrawTarget::stderr()
    }
}

/// What a phase is doing, for its progress line.
fn doing(phase: Phase) -> &'static str {
    match phase {
        Phase::Explore => "reading the source's columns and dates",
        Phase::Ingest => "taking the raw snapshot",
        Phase::Cleanse => "checking the data contract and cleansing the daily grid",
        Phase::Eda => "analysing seasonality, holidays and paydays; drawing figures",
        Phase::Features => "building calendar features and the future rows",
        Phase::Train => "backtesting candidates",
        Phase::Forecast => "forecasting the horizon with intervals",
        Phase::Simulate => "simulating the what-if scenarios",
        Phase::Monitor => "scoring kept forecasts and checking drift",
    }
}

/// The project root and the lookup of the run's network secrets, for a [`SourceAccess`].
fn access_parts(
    ctx: &RunContext,
) -> (
    std::path::PathBuf,
    impl Fn(&str) -> Option<connector::Secret> + use<>,
) {
    let secrets = ctx.secrets.clone();
    let secret = move |name: &str| {
        secrets
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    (ctx.root().to_path_buf(), secret)
}

/// Runs `phase` on the run context (the body [`RunContext::run_phase`] stages).
pub fn execute(phase: Phase, ctx: &mut RunContext) -> anyhow::Result<()> {
    let (root, secret) = access_parts(ctx);
    let access = SourceAccess {
        root: &root,
        secret: &secret,
    };
    let label = format!("phase {} {}", phase.number(), phase.name());
    if phase == Phase::Train {
        let bar = ProgressBar::with_draw_target(None, target());
        bar.set_style(
            ProgressStyle::with_template("{prefix}: {msg} {pos} done [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(label);
        bar.set_message(doing(phase));
        let r = pipeline::stages::train_with_progress(&mut ctx.store, &ctx.cfg, &|_| bar.inc(1));
        bar.finish_and_clear();
        return Ok(r?);
    }
    let bar = ProgressBar::with_draw_target(None, target());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix}: {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_prefix(label);
    bar.set_message(doing(phase));
    bar.enable_steady_tick(Duration::from_millis(120));
    let r = pipeline::run_stage(phase, &mut ctx.store, &ctx.cfg, &access);
    bar.finish_and_clear();
    Ok(r?)
}

/// A many-series run's step (phases 01–06 per series, `source.serie` set) on the run context.
pub fn execute_many(ctx: &mut RunContext) -> anyhow::Result<()> {
    let (root, secret) = access_parts(ctx);
    let access = SourceAccess {
        root: &root,
        secret: &secret,
    };
    let bar = ProgressBar::with_draw_target(None, target());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix}: {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_prefix("phases 01-06 per series".to_string());
    bar.set_message("validating, cleansing, training and forecasting every series");
    bar.enable_steady_tick(Duration::from_millis(120));
    if let Some(s) = ctx.shard {
        bar.set_prefix(format!("phases 01-06 per series, shard {s}"));
    }
    let r = pipeline::stages::many(&mut ctx.store, &ctx.cfg, &access, ctx.shard);
    bar.finish_and_clear();
    Ok(r?)
}
