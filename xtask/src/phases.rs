//! Runs a phase's stage (`pipeline::stages`) on the run's file store, with a progress bar
//! for the competition.

use pipeline::{Phase, SourceAccess};

use crate::run::RunContext;

/// Runs `phase` on the run context (the body [`RunContext::run_phase`] stages).
pub fn execute(phase: Phase, ctx: &mut RunContext) -> anyhow::Result<()> {
    let secrets = ctx.secrets.clone();
    let secret = move |name: &str| {
        secrets
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let root = ctx.root().to_path_buf();
    let access = SourceAccess {
        root: &root,
        secret: &secret,
    };
    if phase == Phase::Train {
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        bar.set_message("backtesting candidates");
        let r = pipeline::stages::train_with_progress(&mut ctx.store, &ctx.cfg, &|_| bar.inc(1));
        bar.finish_and_clear();
        return Ok(r?);
    }
    Ok(pipeline::run_stage(
        phase,
        &mut ctx.store,
        &ctx.cfg,
        &access,
    )?)
}
