//! The command line: `phase <NN|name>`, `run`, `phases`, `test`.
//!
//! Exit codes: 0 success, 1 a phase (or the tests) failed, 2 invalid config or usage, 3 another
//! run holds the project's lock (`<outputs>/.run.lock`; nothing was written).
//!
//! `run`, `phase` and `verify` hold the run lock for their whole duration, and remove what a
//! killed run left behind (hidden `.tmp-*` files, `.staging_*` folders) before they start.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Parser, Subcommand};

use pipeline::Phase;
use store::lock::RunLock;
use store::relative;

use crate::config::{AppConfig, LoadOptions, CONFIG_FILE};
use crate::run::RunContext;

/// Exit code of a failed phase.
pub const EXIT_FAILED: u8 = 1;
/// Exit code of an invalid config or command line.
pub const EXIT_CONFIG: u8 = 2;
/// Exit code of a command refused because another run holds the project's lock.
pub const EXIT_LOCKED: u8 = 3;

/// Buñuelo demand forecaster: runs the pipeline phases on the configured source.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version, about, long_about = None)]
pub struct Cli {
    /// Project root (default: the nearest folder upwards holding config.yaml and Cargo.toml).
    #[arg(long, global = true)]
    pub root: Option<PathBuf>,
    /// Extra YAML config merged over config.yaml.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Override one key: --set key.path=value (repeatable; wins over the environment).
    #[arg(long = "set", value_name = "KEY=VALUE", global = true)]
    pub sets: Vec<String>,
    /// More log lines (`-v` debug, `-vv` trace); wins over `run.log_level`.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on the log, and no progress bars.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Test hook (debug builds only, hidden): make this phase fail after it has computed and
    /// staged its outputs, to check that a failed phase publishes nothing.
    #[cfg(debug_assertions)]
    #[arg(long = "fail-phase", value_parser = parse_phase, global = true, hide = true)]
    pub fail_phase: Option<Phase>,
    /// Re-derive as this run id (hidden; `verify` uses it so that outputs showing their run
    /// id compare byte for byte).
    #[arg(long = "as-run", value_name = "RUN_ID", global = true, hide = true, value_parser = parse_run_id)]
    pub as_run: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one phase, by number (00–08) or name (explore, ingest, …).
    Phase {
        /// The phase.
        #[arg(value_parser = parse_phase)]
        phase: Phase,
    },
    /// Run every built phase in order; stop at the first failure.
    Run {
        /// Many series only: run the series of shard i of n (0 <= i < n, by a stable hash of
        /// the key) into `<paths.partitions>/shard=<i>-of-<n>/`; `merge` joins the shards.
        #[arg(long, value_name = "I/N", value_parser = parse_shard)]
        shard: Option<pipeline::many::Shard>,
    },
    /// Merge the partitions of a sharded many-series run (`run --shard i/n` for every i) into
    /// the project's outputs, exactly as one unsharded run writes them.
    Merge {
        /// Shards the run was cut into.
        #[arg(long)]
        shards: u32,
    },
    /// List the phases with what each reads and writes.
    Phases,
    /// Run the named benchmark workloads (W1 Ridge grid, W2 random forest) and print their
    /// timings as JSON.
    Bench {
        /// Repetitions per thread setting (the best is kept).
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        /// Only these workloads (default: all).
        #[arg(long = "only")]
        only: Vec<String>,
    },
    /// Re-derive a run from its manifest in a temporary folder and compare every output.
    Verify {
        /// Run id, or `latest`.
        #[arg(default_value = "latest")]
        run: String,
    },
    /// The hold-out protocol on each file: cutoff = its last date with a target −
    /// run.horizon, the pipeline 00–06 with the minimal settings (source + country) in `<outputs>/evaluate/<name>/`;
    /// writes `<outputs>/evaluate/evaluacion_latest.{json,csv}` (MAE, MASE, coverage 80/95,
    /// champion, backtest-vs-hold-out rank correlation, seconds).
    Evaluate {
        /// Files, each `path` or `path:PAIS` (e.g. `kiel.csv:DE`, `traffic.csv:US-MN`).
        #[arg(required = true)]
        files: Vec<String>,
        /// Drop the last N days of every file first: a development hold-out before the
        /// official one, for choosing settings without looking at the official hold-out.
        /// Several windows, comma-separated (e.g. `185,277,370,462`), are run and pooled.
        #[arg(long, value_delimiter = ',')]
        skip_last: Vec<u32>,
    },
    /// Open the report page in headless Chromium, keep a screenshot, and fail on a blank page,
    /// a console message, a missing section or a resource outside the file.
    CheckPage {
        /// The page (default: `<outputs>/figures/informe_latest.html`).
        page: Option<PathBuf>,
        /// Where the screenshot goes.
        #[arg(long, default_value = "tests/reports/informe.png")]
        screenshot: PathBuf,
    },
    /// Run `cargo test --workspace` and write tests/reports/test_report_latest.json.
    Test {
        /// Extra arguments passed to cargo test.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn parse_shard(s: &str) -> Result<pipeline::many::Shard, String> {
    pipeline::many::Shard::parse(s).map_err(|e| e.to_string())
}

fn parse_phase(s: &str) -> Result<Phase, String> {
    Phase::parse(s).ok_or_else(|| {
        let names: Vec<String> = Phase::ALL
            .iter()
            .map(|p| format!("{} {}", p.number(), p.name()))
            .collect();
        format!("unknown phase `{s}`; expected one of: {}", names.join(", "))
    })
}

/// The nearest folder at or above `start` holding `config.yaml` and `Cargo.toml`.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join(CONFIG_FILE).is_file() && d.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
}

fn init_logging(level: &str, env: &[(String, String)]) {
    use tracing_subscriber::EnvFilter;
    let filter = env
        .iter()
        .find(|(k, _)| k == "RUST_LOG")
        .and_then(|(_, v)| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Runs the command line `args` (without the program name) for the project at `root`
/// (found from the current folder when `None`) with the environment `env`; returns the exit
/// code.
pub fn main_with(args: &[String], root: Option<&Path>, env: &[(String, String)]) -> u8 {
    let cli = match Cli::try_parse_from(
        std::iter::once("cargo xtask".to_string()).chain(args.iter().cloned()),
    ) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return u8::try_from(e.exit_code()).unwrap_or(EXIT_CONFIG);
        }
    };
    if let Command::Phases = cli.command {
        print_phases();
        return 0;
    }
    let root = match root
        .map(Path::to_path_buf)
        .or(cli.root.clone())
        .or_else(|| {
            std::env::current_dir()
                .ok()
                .and_then(|d| find_root(&d))
                .or_else(|| find_root(Path::new(env!("CARGO_MANIFEST_DIR"))))
        }) {
        Some(r) => r,
        None => {
            eprintln!("error: no project root (a folder with config.yaml and Cargo.toml) found");
            return EXIT_CONFIG;
        }
    };
    let opts = LoadOptions {
        config_file: cli.config.clone(),
        env: env.to_vec(),
        sets: cli.sets.clone(),
    };
    let cfg = match AppConfig::load(&root, &opts) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: invalid configuration: {e}");
            eprintln!("nothing was written.");
            return EXIT_CONFIG;
        }
    };
    let level = match (cli.quiet, cli.verbose) {
        (true, _) => "error".to_string(),
        (false, 0) => cfg.run.log_level.clone(),
        (false, 1) => "debug".to_string(),
        (false, _) => "trace".to_string(),
    };
    init_logging(&level, env);
    crate::phases::set_quiet(cli.quiet);
    let phases_of_command: Option<Vec<Phase>> = match &cli.command {
        Command::Phase { phase } => Some(vec![*phase]),
        Command::Run { .. } => Some(Phase::ALL.to_vec()),
        _ => None,
    };
    if let Some(phases) = phases_of_command {
        for kv in Phase::ignored_sets(&phases, &cli.sets) {
            let names: Vec<String> = phases
                .iter()
                .map(|p| format!("{} {}", p.number(), p.name()))
                .collect();
            eprintln!(
                "warning: --set {kv} is not read by phase {}: it has no effect on this command",
                names.join(", ")
            );
        }
    }
    #[cfg(debug_assertions)]
    let fail_phase = cli.fail_phase;
    #[cfg(not(debug_assertions))]
    let fail_phase = None;
    match cli.command {
        Command::Phases => unreachable!("handled above"),
        Command::Phase { phase } => {
            let hooks = Hooks {
                fail_phase,
                as_run: cli.as_run,
                shard: None,
            };
            run_phases(&root, cfg, args, &[phase], false, env, hooks)
        }
        Command::Run { shard } => {
            let hooks = Hooks {
                fail_phase,
                as_run: cli.as_run,
                shard,
            };
            run_phases(&root, cfg, args, &Phase::ALL, true, env, hooks)
        }
        Command::Merge { shards } => run_merge(&root, cfg, args, shards),
        Command::Test { args: extra } => run_tests(&root, &cfg, &extra),
        Command::Bench { repeat, only } => run_bench(&root, &cfg, repeat, &only),
        Command::Verify { run } => run_verify(&root, &cfg, &run),
        Command::Evaluate { files, skip_last } => {
            run_evaluate(&root, &cfg, &opts, args, &files, &skip_last)
        }
        Command::CheckPage { page, screenshot } => {
            let page = page.unwrap_or_else(|| {
                root.join(&cfg.paths.outputs)
                    .join("figures/informe_latest.html")
            });
            run_check_page(&page, &root.join(screenshot))
        }
    }
}

fn run_check_page(page: &Path, screenshot: &Path) -> u8 {
    match crate::browser::check_page(page, screenshot) {
        Ok(c) => {
            let problems = c.problems();
            println!(
                "{}: {} sections, {} console messages, {:.1} % ink, {} colours; screenshot {}",
                page.display(),
                report::page::SECTIONS.len() - c.missing_sections.len(),
                c.console.len(),
                100.0 * c.ink,
                c.colours,
                c.screenshot.display()
            );
            for p in &problems {
                eprintln!("error: {p}");
            }
            if problems.is_empty() {
                0
            } else {
                EXIT_FAILED
            }
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            EXIT_FAILED
        }
    }
}

/// Takes the project's run lock, printing why not (the caller exits [`EXIT_LOCKED`]).
fn lock(root: &Path, cfg: &AppConfig, run_id: &str, command: &str) -> Option<RunLock> {
    match RunLock::acquire(root, &cfg.paths.outputs, run_id, command) {
        Ok(l) => Some(l),
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("nothing was written.");
            None
        }
    }
}

/// Removes a killed run's leftovers; only called while holding the lock.
fn remove_leftovers(root: &Path, cfg: &AppConfig) -> anyhow::Result<()> {
    let removed = store::writer::remove_leftovers(&cfg.paths.folders().written(root))?;
    for p in &removed {
        tracing::warn!(
            "removed {} left behind by an interrupted run",
            relative(root, p)
        );
    }
    Ok(())
}

fn print_phases() {
    println!("{:<4} {:<10} {:<55} writes", "nn", "name", "reads");
    for p in Phase::ALL {
        let (n, name, reads, writes) = (p.number(), p.name(), p.reads(), p.writes());
        println!("{n:<4} {name:<10} {reads:<55} {writes}");
    }
}

/// Hooks of a phase run that users do not set: a test's injected failure, verify's run id.
struct Hooks {
    fail_phase: Option<Phase>,
    as_run: Option<String>,
    shard: Option<pipeline::many::Shard>,
}

fn parse_run_id(s: &str) -> Result<String, String> {
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.to_string())
    } else {
        Err(format!("a run id is 8 hex digits, not {s:?}"))
    }
}

fn run_phases(
    root: &Path,
    cfg: AppConfig,
    args: &[String],
    phases: &[Phase],
    whole_run: bool,
    env: &[(String, String)],
    hooks: Hooks,
) -> u8 {
    let Hooks {
        fail_phase,
        as_run,
        shard,
    } = hooks;
    let mut cfg = cfg;
    let many = !cfg.source.serie.is_empty();
    if many && !whole_run {
        eprintln!(
            "error: source.serie is set: a many-series source runs whole with `cargo xtask run` \
             (every series goes through phases 01-06 together)"
        );
        eprintln!("nothing was written.");
        return EXIT_CONFIG;
    }
    if let Some(s) = shard {
        if !many {
            eprintln!("error: --shard needs a many-series source: set source.serie");
            eprintln!("nothing was written.");
            return EXIT_CONFIG;
        }
        // The shard's whole tree (snapshot, layers, outputs, lock, manifest) in its partition.
        cfg.paths = cfg.paths.for_shard(s);
    }
    let mut ctx = RunContext::new(root, cfg, args.to_vec());
    ctx.shard = shard;
    if let Some(id) = &as_run {
        ctx = ctx.with_run_id(id);
    }
    let Some(_lock) = lock(root, &ctx.cfg, ctx.run_id(), &args.join(" ")) else {
        return EXIT_LOCKED;
    };
    if let Err(e) = remove_leftovers(root, &ctx.cfg) {
        eprintln!("error: cannot remove an interrupted run's leftovers: {e:#}");
        return EXIT_FAILED;
    }
    ctx.fail_phase = fail_phase;
    // Network secrets: held redacted, handed to the source only (never config, logs or files).
    ctx.secrets = env
        .iter()
        .filter(|(k, _)| crate::run::SECRET_VARIABLES.contains(&k.as_str()))
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), connector::Secret::new(v.trim())))
        .collect();
    tracing::info!(run_id = %ctx.run_id(), root = %root.display(), "run started");
    let mut failed = false;
    if many {
        // Phase 00 profiles the long table; then every series runs 01-06 as one step.
        failed = ctx
            .run_phase(Phase::Explore, |c| {
                crate::phases::execute(Phase::Explore, c)
            })
            .is_err()
            || ctx
                .run_step("01-06", "series", false, crate::phases::execute_many)
                .is_err();
        if !failed {
            tracing::info!(
                "many-series run: scenarios, monitoring, the summary and the page are for one \
                 series (not run)"
            );
        }
    } else {
        for &p in phases {
            if ctx.run_phase(p, |c| crate::phases::execute(p, c)).is_err() {
                failed = true;
                break;
            }
        }
    }
    if whole_run && !failed && !many {
        if let Err(e) = pipeline::stages::executive(&mut ctx.store, &ctx.cfg) {
            tracing::error!("executive summary not written: {e:#}");
            failed = true;
        }
        if let Err(e) = pipeline::stages::informe(&mut ctx.store, &ctx.cfg) {
            tracing::error!("report page not written: {e:#}");
            failed = true;
        }
    }
    finish_run(root, &mut ctx, failed)
}

/// Writes the run's manifest and prints its phases; the exit code.
fn finish_run(root: &Path, ctx: &mut RunContext, mut failed: bool) -> u8 {
    let manifest = ctx.write_manifest();
    for rec in ctx.phases() {
        println!(
            "phase {} {:<9} {:<9} {:>7} ms{}",
            rec.phase,
            rec.name,
            rec.status,
            rec.duration_ms,
            rec.error
                .as_ref()
                .map(|e| format!("  {e}"))
                .unwrap_or_default()
        );
    }
    match manifest {
        Ok(p) => println!("run {} manifest: {}", ctx.run_id(), relative(root, &p)),
        Err(e) => {
            eprintln!("error: manifest not written: {e:#}");
            failed = true;
        }
    }
    if failed {
        EXIT_FAILED
    } else {
        0
    }
}

fn run_merge(root: &Path, cfg: AppConfig, args: &[String], shards: u32) -> u8 {
    if cfg.source.serie.is_empty() {
        eprintln!("error: merge joins the shards of a many-series run: set source.serie");
        return EXIT_CONFIG;
    }
    if shards == 0 {
        eprintln!("error: --shards must be at least 1");
        return EXIT_CONFIG;
    }
    let stores: Vec<store::FileStore> = (0..shards)
        .map(|index| {
            let paths = cfg.paths.for_shard(pipeline::many::Shard {
                index,
                count: shards,
            });
            store::FileStore::new(root, paths.folders(), "")
        })
        .collect();
    let mut ctx = RunContext::new(root, cfg, args.to_vec());
    let Some(_lock) = lock(root, &ctx.cfg, ctx.run_id(), &args.join(" ")) else {
        return EXIT_LOCKED;
    };
    if let Err(e) = remove_leftovers(root, &ctx.cfg) {
        eprintln!("error: cannot remove an interrupted run's leftovers: {e:#}");
        return EXIT_FAILED;
    }
    let refs: Vec<&dyn store::Store> = stores.iter().map(|s| s as &dyn store::Store).collect();
    let failed = ctx
        .run_step("01-06", "merge", false, |c| {
            Ok(pipeline::stages::merge(&mut c.store, &c.cfg, &refs)?)
        })
        .is_err();
    finish_run(root, &mut ctx, failed)
}

fn run_evaluate(
    root: &Path,
    cfg: &AppConfig,
    opts: &LoadOptions,
    args: &[String],
    files: &[String],
    skip_last: &[u32],
) -> u8 {
    let mut ctx = RunContext::new(root, cfg.clone(), args.to_vec());
    let Some(_lock) = lock(root, cfg, ctx.run_id(), &args.join(" ")) else {
        return EXIT_LOCKED;
    };
    use pipeline::evaluate::{EvalFile, EvalRow};
    let files: Vec<EvalFile> = files.iter().map(|f| EvalFile::parse(f)).collect();
    let print = |row: &EvalRow| {
        let num = |v: Option<f64>| v.map(|v| format!("{v:.3}")).unwrap_or("-".into());
        println!(
            "{:<24} {:>4} mase {:>7} cob80 {:>6} campeón {:<36} {:>6.1} s {}",
            row.serie,
            row.omitidos,
            num(row.mase),
            num(row.cobertura_80),
            row.campeon.clone().unwrap_or_default(),
            row.segundos,
            if row.estado == "ok" { "" } else { &row.estado }
        );
    };
    let (ev, dir) = match pipeline::evaluate::evaluate(root, opts, &files, skip_last, &print) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: evaluation failed: {e:#}");
            return EXIT_FAILED;
        }
    };
    let written = store::envelope_json(&ctx.store, "evaluacion", &ev)
        .map_err(anyhow::Error::from)
        .and_then(|json| {
            let writer = ctx.store.writer();
            writer.write_dual(&dir, "evaluacion", "json", &json, None)?;
            let csv = pipeline::evaluate::to_csv(&ev)?;
            writer.write_dual(&dir, "evaluacion", "csv", &csv, Some(ev.filas.len() as u64))?;
            Ok(())
        });
    if let Err(e) = written {
        eprintln!("error: evaluation table not written: {e:#}");
        return EXIT_FAILED;
    }
    if ev.dias_omitidos_al_final.len() > 1 {
        for (k, g) in &ev.mase_media_geometrica_por_ventana {
            if let Some(g) = g {
                println!("geometric mean of MASE, {k} days dropped: {g:.3}");
            }
        }
    }
    if let Some(g) = ev.mase_media_geometrica {
        println!(
            "geometric mean of MASE over {} runs: {g:.3}",
            ev.filas.len()
        );
    }
    println!(
        "table: {}",
        relative(root, &dir.join("evaluacion_latest.csv"))
    );
    if ev.filas.iter().all(|r| r.estado == "ok") {
        0
    } else {
        EXIT_FAILED
    }
}

fn run_bench(root: &Path, cfg: &AppConfig, repeat: usize, only: &[String]) -> u8 {
    let result = match crate::bench::run_all(root, cfg, repeat, only) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: bench failed: {e:#}");
            return EXIT_FAILED;
        }
    };
    let mut ctx = RunContext::new(root, cfg.clone(), vec!["bench".into()]);
    let body = match store::envelope_json(&ctx.store, "bench", &result) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILED;
        }
    };
    println!("{}", String::from_utf8_lossy(&body));
    let dir = root.join(&cfg.paths.outputs).join("bench");
    if let Err(e) = ctx
        .store
        .writer()
        .write_dual(&dir, "bench", "json", &body, None)
    {
        eprintln!("error: bench report not written: {e}");
        return EXIT_FAILED;
    }
    0
}

fn run_verify(root: &Path, cfg: &AppConfig, run: &str) -> u8 {
    let id = store::manifest::new_run_id(chrono::Utc::now());
    let Some(_lock) = lock(root, cfg, &id, &format!("verify {run}")) else {
        return EXIT_LOCKED;
    };
    let scratch = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: no temporary folder: {e}");
            return EXIT_FAILED;
        }
    };
    let outputs = cfg.paths.outputs.to_string_lossy().to_string();
    let rerun = |what: crate::verify::Rerun<'_>, at: &Path, as_run: &str| -> u8 {
        let mut args: Vec<String> = match what {
            crate::verify::Rerun::Run => vec!["run".into()],
            crate::verify::Rerun::Phase(p) => vec!["phase".into(), p.into()],
        };
        args.extend(["--as-run".to_string(), as_run.to_string()]);
        main_with(&args, Some(at), &[])
    };
    match crate::verify::verify(root, &outputs, run, scratch.path(), &rerun) {
        Ok(v) => {
            for c in &v.checks {
                println!(
                    "{} {:<70} ({})",
                    if c.same { "same   " } else { "DIFFERS" },
                    c.path,
                    c.how
                );
            }
            let bad = v.checks.iter().filter(|c| !c.same).count();
            println!(
                "run {} re-derived as {}: {} outputs compared, {bad} differ",
                v.run_id,
                v.rerun_id,
                v.checks.len()
            );
            if v.ok() {
                0
            } else {
                EXIT_FAILED
            }
        }
        Err(e) => {
            eprintln!("error: verify failed: {e:#}");
            EXIT_FAILED
        }
    }
}

fn run_tests(root: &Path, cfg: &AppConfig, extra: &[String]) -> u8 {
    let mut command = vec!["cargo".to_string(), "test".into(), "--workspace".into()];
    command.extend(extra.iter().cloned());
    let t0 = Instant::now();
    let out = std::process::Command::new(&command[0])
        .args(&command[1..])
        .current_dir(root)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: cannot run cargo test: {e}");
            return EXIT_FAILED;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{stdout}");
    eprint!("{stderr}");
    let (counts, failures) = crate::testreport::parse(&format!("{stdout}\n{stderr}"));
    let report = crate::testreport::TestReport {
        command,
        exit_code: out.status.code(),
        counts,
        failures,
        duration_s: (t0.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    };
    let mut ctx = RunContext::new(root, cfg.clone(), vec!["test".into()]);
    let bytes = match store::envelope_json(&ctx.store, "test_report", &report) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILED;
        }
    };
    let dir = root.join(&cfg.paths.test_reports);
    match ctx
        .store
        .writer()
        .write_dual(&dir, "test_report", "json", &bytes, None)
    {
        Ok(p) => println!(
            "test report: {} ({} passed, {} failed)",
            relative(root, &p.latest),
            report.counts.passed,
            report.counts.failed
        ),
        Err(e) => eprintln!("error: test report not written: {e}"),
    }
    if out.status.success() {
        0
    } else {
        EXIT_FAILED
    }
}
