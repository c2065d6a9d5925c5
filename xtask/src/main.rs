//! `cargo xtask`: runs the phases of the buñuelo forecaster. See `cargo xtask --help`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env: Vec<(String, String)> = std::env::vars().collect();
    std::process::ExitCode::from(xtask::cli::main_with(&args, None, &env))
}
