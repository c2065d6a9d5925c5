//! The business's time zone from its country: where timestamps written with an offset are cut
//! to dates (domain.md §0 for Colombia: Bogotá time, never UTC).
//!
//! `zonas.tsv` (written by `bench/zonas_horarias.py` from tzdata's `zone.tab`) names one IANA
//! zone per ISO 3166-1 country, and one per subdivision of the countries whose regions keep
//! different clocks (every US state, the Canadian provinces, the Australian states, the
//! Brazilian and Mexican states, the Canary Islands, the Azores and Madeira, the Galápagos,
//! the Chatham Islands). A subdivision without a row takes its country's zone.

use core_types::dates::LocalZone;

use crate::Pais;

const ZONAS: &str = include_str!("zonas.tsv");

/// The IANA zone the table names for `code` (`CO`, `US-MN`), if any.
fn listed(code: &str) -> Option<&'static str> {
    crate::tsv_value(ZONAS, code)
}

/// The time zone of `pais`: its subdivision's when the table lists one, else its country's.
/// `None` only for a code the IANA database has no zone for.
///
/// ```
/// use calendar::{zona_horaria, Pais};
/// let zone = |code: &str| zona_horaria(&code.parse::<Pais>().unwrap()).unwrap().to_string();
/// assert_eq!(zone("CO"), "America/Bogota");
/// assert_eq!(zone("DE-SH"), "Europe/Berlin");
/// assert_eq!(zone("US-MN"), "America/Chicago");
/// assert_eq!(zone("AU-WA"), "Australia/Perth");
/// assert_eq!(zone("AU"), "Australia/Sydney");
/// ```
pub fn zona_horaria(pais: &Pais) -> Option<LocalZone> {
    let sub = pais
        .subdivision()
        .and_then(|s| listed(&format!("{}-{s}", pais.country_code())));
    sub.or_else(|| listed(pais.country_code()))
        .and_then(LocalZone::named)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_names_a_zone_of_the_database() {
        let rows: Vec<(&str, &str)> = ZONAS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split_once('\t').expect("CODE<TAB>zone"))
            .collect();
        assert!(rows.len() > 300, "{}", rows.len());
        for (code, zone) in rows {
            assert!(LocalZone::named(zone).is_some(), "{code}: {zone}");
        }
    }

    #[test]
    fn every_country_with_festivos_has_a_zone() {
        let missing: Vec<&str> = crate::festivos::paises()
            .into_iter()
            .filter(|code| zona_horaria(&code.parse::<Pais>().expect("a listed country")).is_none())
            .collect();
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn subdivisions_keep_their_own_clocks_and_others_take_the_country_s() {
        let zone = |code: &str| zona_horaria(&code.parse::<Pais>().unwrap()).map(|z| z.to_string());
        for (code, want) in [
            ("US-CA", "America/Los_Angeles"),
            ("US-AZ", "America/Phoenix"),
            ("USA-MN", "America/Chicago"),
            ("CA-BC", "America/Vancouver"),
            ("ES-CN", "Atlantic/Canary"),
            ("ES-MD", "Europe/Madrid"),
            ("PT-20", "Atlantic/Azores"),
            ("BR", "America/Sao_Paulo"),
            ("GB-SCT", "Europe/London"),
            ("EC", "America/Guayaquil"),
            ("DE-BY", "Europe/Berlin"),
        ] {
            assert_eq!(zone(code).as_deref(), Some(want), "{code}");
        }
    }
}
