//! `cargo xtask verify <run id | latest>`: re-derives a run from its manifest — the same
//! resolved config (hence the same seed) in a fresh temporary project — and compares every
//! output the manifest recorded with the new one. The re-run carries the verified run's id
//! (figure captions and the page show it), so data layers, CSVs, figures, the page and model
//! artifacts compare byte for byte; reports and the executive summary are compared with the
//! run ids set aside. For the newest manifest, every `_latest` file on disk is
//! also checked against its `latest` map (which run's content each one holds).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Serialize;

/// One compared output.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Path relative to the project root.
    pub path: String,
    /// Same content (run ids aside for reports).
    pub same: bool,
    /// How it was compared.
    pub how: &'static str,
}

/// The verification of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// The run verified.
    pub run_id: String,
    /// The re-run's id.
    pub rerun_id: String,
    /// Every comparison.
    pub checks: Vec<Check>,
}

impl Verification {
    /// Whether everything matched.
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.same)
    }
}

fn manifest_path(root: &Path, outputs: &str, run: &str) -> anyhow::Result<PathBuf> {
    let reports = root.join(outputs).join("reports");
    if run == "latest" {
        return Ok(reports.join("run_manifest_latest.json"));
    }
    let hist = reports.join("history");
    std::fs::read_dir(&hist)
        .with_context(|| format!("no {}", hist.display()))?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n.starts_with("run_manifest_") && n.ends_with(&format!("_{run}.json"))
            })
        })
        .with_context(|| format!("no manifest for run {run} in {}", hist.display()))
}

/// The subcommand of a recorded command line: the first argument that is neither a global
/// option nor the value of one (`--root DIR run …` is a `run`).
fn subcommand<'a>(args: &[&'a str]) -> Option<&'a str> {
    const WITH_VALUE: [&str; 5] = ["--root", "--config", "--set", "--as-run", "--fail-phase"];
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if WITH_VALUE.contains(a) {
            it.next();
        } else if !a.starts_with('-') {
            return Some(a);
        }
    }
    None
}

/// Re-runs the manifest's run in `scratch` and compares its outputs.
/// What verify re-runs in the scratch copy: the whole run, or one phase by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rerun<'a> {
    /// `cargo xtask run`.
    Run,
    /// `cargo xtask phase <name>`.
    Phase(&'a str),
}

/// Re-derives `run` in `scratch`, re-running through `rerun` (the CLI's runner, given the
/// run id to re-derive as: it returns the exit code), and compares every output with the manifest's hashes.
pub fn verify(
    root: &Path,
    outputs: &str,
    run: &str,
    scratch: &Path,
    rerun: &dyn Fn(Rerun<'_>, &Path, &str) -> u8,
) -> anyhow::Result<Verification> {
    let path = manifest_path(root, outputs, run)?;
    let m: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?,
    )?;
    let run_id = m["run_id"]
        .as_str()
        .context("manifest without run_id")?
        .to_string();
    let mut config = m["config"].clone();
    // A file source's relative path points at the original project; reports that name the
    // file are compared with the path as the run gave it.
    let mut moved: Option<(String, String)> = None;
    if let Some(p) = config["source"]["path"].as_str() {
        if Path::new(p).is_relative() {
            let abs = root.join(p).to_string_lossy().to_string();
            moved = Some((abs.clone(), p.to_string()));
            config["source"]["path"] = abs.into();
        }
    }
    std::fs::write(scratch.join("config.yaml"), serde_yaml::to_string(&config)?)?;
    let phases: Vec<String> = m["phases"]
        .as_array()
        .context("manifest without phases")?
        .iter()
        .filter_map(|p| p["phase"].as_str().map(String::from))
        .collect();
    // A whole run is re-run whole (one run id); so is a merge of shards, whose outputs are
    // those of the unsharded run; otherwise phase by phase.
    let args: Vec<&str> = m["command_line"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str())
        .collect();
    if matches!(subcommand(&args), Some("run" | "merge")) {
        let code = rerun(Rerun::Run, scratch, &run_id);
        anyhow::ensure!(code == 0, "the re-run failed (exit {code})");
    } else {
        for phase in &phases {
            let code = rerun(Rerun::Phase(phase), scratch, &run_id);
            anyhow::ensure!(
                code == 0,
                "the re-run of phase {phase} failed (exit {code})"
            );
        }
    }
    let new_m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
        scratch
            .join(outputs)
            .join("reports")
            .join("run_manifest_latest.json"),
    )?)?;
    let rerun_id = new_m["run_id"].as_str().unwrap_or_default().to_string();
    let normalise = |text: &str, id: &str| {
        let text = match &moved {
            Some((abs, rel)) => text.replace(abs.as_str(), rel),
            None => text.to_string(),
        };
        text.replace(id, "<run>")
    };
    // Each report carries the id of the run that wrote it.
    let body = |p: &Path| -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()?;
        Some(normalise(&v["body"].to_string(), v["run_id"].as_str()?))
    };
    // The run's own copy of a `_latest` file is its history twin (same hash): later runs may
    // have replaced the `_latest` file since.
    let twin = |rel: &str, sha: &str| -> PathBuf {
        m["outputs"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|o| {
                o["sha256"] == sha && o["path"].as_str().is_some_and(|p| p.contains("/history/"))
            })
            .and_then(|o| o["path"].as_str())
            .map_or_else(|| root.join(rel), |p| root.join(p))
    };
    let mut checks = Vec::new();
    for o in m["outputs"].as_array().into_iter().flatten() {
        let rel = o["path"].as_str().unwrap_or_default();
        if !rel.contains("_latest.") || rel.contains("run_manifest") {
            continue;
        }
        let (old, new) = (
            twin(rel, o["sha256"].as_str().unwrap_or_default()),
            scratch.join(rel),
        );
        let (same, how) = if rel.ends_with(".json") && rel.contains("/reports/")
            || rel.ends_with("resumen_latest.json")
        {
            (
                body(&old).is_some() && body(&old) == body(&new),
                "report body, run ids aside",
            )
        } else if rel.ends_with(".md") {
            let read =
                |p: &Path, id: &str| std::fs::read_to_string(p).ok().map(|t| normalise(&t, id));
            (
                read(&old, &run_id).is_some() && read(&old, &run_id) == read(&new, &rerun_id),
                "text, run ids aside",
            )
        } else {
            let hash = |p: &Path| std::fs::read(p).ok().map(|b| store::sha256_hex(&b));
            (hash(&new).as_deref() == o["sha256"].as_str(), "sha256")
        };
        checks.push(Check {
            path: rel.to_string(),
            same,
            how,
        });
    }
    // The raw snapshot is named by run id: compare it with the re-run's.
    if let (Some(a), Some(b)) = (m["raw_snapshot"].as_str(), new_m["raw_snapshot"].as_str()) {
        let hash = |p: PathBuf| std::fs::read(p).ok().map(|b| store::sha256_hex(&b));
        checks.push(Check {
            path: a.to_string(),
            same: hash(root.join(a)).is_some() && hash(root.join(a)) == hash(scratch.join(b)),
            how: "sha256 (raw snapshot)",
        });
    }
    // The newest manifest also says what every `_latest` file holds now (its `latest` map,
    // files carried over from earlier runs included): check the disk against it.
    let newest = manifest_path(root, outputs, "latest")?;
    let is_newest = std::fs::read_to_string(&newest)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|n| n["run_id"] == run_id.as_str());
    if is_newest {
        for (rel, source) in m["latest"].as_object().into_iter().flatten() {
            let on_disk = std::fs::read(root.join(rel))
                .ok()
                .map(|b| store::sha256_hex(&b));
            checks.push(Check {
                path: rel.clone(),
                same: on_disk.is_some() && on_disk.as_deref() == source["sha256"].as_str(),
                how: "sha256 of the published file (manifest's latest map)",
            });
        }
    }
    Ok(Verification {
        run_id,
        rerun_id,
        checks,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_subcommand_is_found_behind_global_options() {
        use super::subcommand;
        assert_eq!(subcommand(&["run", "--set", "a=b"]), Some("run"));
        assert_eq!(
            subcommand(&["--root", "/p", "-q", "merge", "--shards", "2"]),
            Some("merge")
        );
        assert_eq!(
            subcommand(&["--set", "run.cutoff=x", "phase", "06"]),
            Some("phase")
        );
        assert_eq!(subcommand(&["--config=c.yaml", "run"]), Some("run"));
        assert_eq!(subcommand(&["-v"]), None);
    }
}
