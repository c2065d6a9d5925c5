//! The serving crate stays cheap to embed: `forecaster` pulls at most 80 distinct crates and
//! no data-frame library (the layers that need polars live behind `features/polars`).

use std::process::Command;

#[test]
fn the_serving_crate_pulls_at_most_80_crates_and_no_polars() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "-p",
            "forecaster",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let crates: std::collections::BTreeSet<&str> = text
        .lines()
        .map(|l| l.trim_end_matches(" (*)"))
        .filter(|l| !l.is_empty())
        .collect();
    assert!(crates.len() <= 80, "{} crates: {crates:#?}", crates.len());
    let polars: Vec<&&str> = crates.iter().filter(|c| c.starts_with("polars")).collect();
    assert!(polars.is_empty(), "{polars:?}");
}
