//! The whole pipeline in memory, as a service would run it: the project's default settings
//! (embedded, no config file), the seeded demo history of the bakery, phases 01–06, and the
//! monthly forecast with its 80 % and 95 % intervals printed. Nothing is read from or written
//! to disk.
//!
//! `cargo run --release -p pipeline --example en_memoria`

use pipeline::AppConfig;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cfg = AppConfig::shipped()?;
    let raw = pipeline::fetch(&cfg, std::path::Path::new("."), &|_| None)?.frame;
    let out = pipeline::run_in_memory(&raw, &cfg, &|_| {})?;
    println!(
        "campeón: {} ({} candidatos); horizonte {} días desde {}",
        out.trained.champion.nombre,
        out.trained.candidates_total(),
        out.forecast.daily.len(),
        out.forecast.daily[0].fecha
    );
    println!("mes      unidades   80 %                  95 %");
    for m in &out.forecast.monthly {
        let band = |k: usize| {
            m.bounds
                .get(k)
                .map(|b| format!("{:>8.0} – {:<8.0}", b.lower, b.upper))
                .unwrap_or_default()
        };
        println!(
            "{}  {:>9.0}  {}  {}{}",
            m.mes,
            m.point,
            band(0),
            band(1),
            if m.parcial { "  (parcial)" } else { "" }
        );
    }
    Ok(())
}
