//! Prints the festivos of one or more countries (or subdivisions) for a range of years, as
//! `code<TAB>date<TAB>name` lines: what the calendar crate gives, national data and
//! subdivision rules included. `bench/festivos_subdivisiones.py` reads the national calendars
//! of the `holidays` crate's countries from it (no codes: those 101, [`PAISES`]) to derive
//! the subdivision table; every other country of python-holidays is then a table country.
//!
//! ```text
//! cargo run -p calendar --example festivos -- 2024 2025 AU-VIC US-TX
//! cargo run -p calendar --example festivos -- 2000 2030        # the holidays crate's 101 countries
//! ```

use calendar::festivos::{project_festivos, PAISES};
use calendar::FestivosConfig;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [first, last, codes @ ..] = &args[..] else {
        return Err("usage: festivos FIRST_YEAR LAST_YEAR [CODE ...]".into());
    };
    let (first, last): (i32, i32) = (first.parse()?, last.parse()?);
    let codes: Vec<String> = if codes.is_empty() {
        PAISES.iter().map(|c| c.to_string()).collect()
    } else {
        codes.to_vec()
    };
    for code in codes {
        let cfg = FestivosConfig {
            pais: code.parse()?,
            ..FestivosConfig::default()
        };
        for (d, name) in project_festivos(&cfg, first, last)? {
            println!("{code}\t{d}\t{name}");
        }
    }
    Ok(())
}
