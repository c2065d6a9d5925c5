//! [`Pais`]: a country code of python-holidays (the `holidays` crate's, or the table's),
//! optionally with an ISO 3166-2 subdivision (`CO`, `FR`, `EC`, `DE-SH`, `US-MN`), validated
//! once when it is parsed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Every country code of the `holidays` crate 0.1 (ISO 3166-1 alpha-2), all compiled in (the
/// crate's default features are exactly these 101 countries).
pub const PAISES: [&str; 101] = [
    "AE", "AM", "AO", "AR", "AT", "AU", "AW", "AZ", "BA", "BD", "BE", "BG", "BI", "BO", "BR", "BW",
    "BY", "CA", "CH", "CL", "CN", "CO", "CU", "CW", "CY", "CZ", "DE", "DJ", "DK", "DO", "EE", "EG",
    "ES", "ET", "FI", "FR", "GB", "GE", "GR", "HK", "HN", "HR", "HU", "ID", "IE", "IL", "IM", "IN",
    "IS", "IT", "JM", "JP", "KE", "KR", "KZ", "LI", "LS", "LT", "LU", "LV", "MA", "MD", "MG", "MK",
    "MT", "MW", "MX", "MY", "MZ", "NA", "NG", "NI", "NL", "NO", "NZ", "PE", "PK", "PL", "PT", "PY",
    "RO", "RS", "RU", "SA", "SE", "SG", "SI", "SK", "SZ", "TN", "TR", "TW", "UA", "US", "UY", "UZ",
    "VE", "VN", "ZA", "ZM", "ZW",
];

/// Every country code with national holidays here, sorted: the `holidays` crate's
/// ([`PAISES`]) and the ones whose calendars come from python-holidays through the table
/// (the subdivision table's national rows: `EC`, `TH`, `PH`, `PR`, …).
///
/// ```
/// use calendar::festivos::paises;
/// let all = paises();
/// assert!(all.len() > 240);
/// assert!(all.contains(&"CO") && all.contains(&"EC") && all.contains(&"TH"));
/// ```
pub fn paises() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = PAISES.to_vec();
    out.extend(super::tabla::national_countries());
    out.sort_unstable();
    out.dedup();
    out
}

/// ISO 3166-1 alpha-3 codes and their alpha-2, as python-holidays takes them (`alfa3.tsv`,
/// written by `bench/festivos_subdivisiones.py`).
const ALFA3: &str = include_str!("alfa3.tsv");

/// The alpha-2 code of an alpha-3 one (`ECU` → `EC`).
fn alpha2(code: &str) -> Option<&'static str> {
    crate::tsv_value(ALFA3, code)
}

/// The 16 German Länder (ISO 3166-2:DE suffixes); every one has its rules in
/// [`super::subdivisiones`].
pub const DE_LAENDER: [&str; 16] = [
    "BB", "BE", "BW", "BY", "HB", "HE", "HH", "MV", "NI", "NW", "RP", "SH", "SL", "SN", "ST", "TH",
];

/// The countries whose subdivision list is complete here, so that another suffix is an
/// unknown subdivision rather than one without rules: Germany (every Land, by hand) and the
/// United States (every state, DC and territory, in the subdivision table).
const COMPLETE: [&str; 2] = ["DE", "US"];

/// The subdivision suffixes of `country` whose holidays are implemented, sorted: the German
/// Länder ([`DE_LAENDER`]) or the subdivision table's ([`super::tabla`]; `["ACT", "NSW", …]`
/// for `AU`); empty for a country without any.
///
/// ```
/// use calendar::festivos::subdivisiones_con_reglas;
/// assert_eq!(subdivisiones_con_reglas("US").len(), 57);
/// assert!(subdivisiones_con_reglas("AU").contains(&"VIC"));
/// assert!(subdivisiones_con_reglas("CO").is_empty());
/// ```
pub fn subdivisiones_con_reglas(country: &str) -> Vec<&'static str> {
    match country {
        "DE" => DE_LAENDER.to_vec(),
        other => super::tabla::subdivisions(other),
    }
}

/// Why a string is not a valid [`Pais`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaisError {
    /// Not `CC` or `CC-SUB` (two or three letters, optionally a dash and one to three letters
    /// or digits).
    #[error(
        "`{code}` is not a country code: expected an ISO 3166-1 alpha-2 (or alpha-3) code, \
         optionally with an ISO 3166-2 subdivision (`CO`, `FR`, `ECU`, `DE-SH`, `US-MN`)"
    )]
    Malformed {
        /// The string given.
        code: String,
    },
    /// A country with no holidays here: neither the `holidays` crate's nor the table's.
    #[error(
        "unknown country code `{code}`; expected an ISO 3166-1 alpha-2 code of python-holidays, \
         optionally with a subdivision such as DE-SH or US-MN: {}",
        paises().join(", ")
    )]
    UnknownCountry {
        /// The country part of the string given.
        code: String,
    },
    /// A subdivision that does not exist in a country whose subdivisions we know.
    #[error(
        "unknown subdivision `{country}-{subdivision}`; the subdivisions of {country} are: {valid}"
    )]
    UnknownSubdivision {
        /// Country code.
        country: String,
        /// The subdivision part of the string given.
        subdivision: String,
        /// The valid subdivision suffixes of that country, comma-separated.
        valid: String,
    },
    /// A subdivision whose own holidays are not implemented, with
    /// `calendar.festivos.subdivision_sin_reglas: error` (the default, `nacional`, uses the
    /// national holidays and says so).
    #[error(
        "the holidays of subdivision `{country}-{subdivision}` are not implemented (the holidays \
         crate has national holidays only; our own subdivision rules cover every DE Land and the \
         subdivisions python-holidays lists for {}); use `{country}` (or subdivision_sin_reglas: \
         nacional) for the national holidays and add the regional ones with festivos.agregar",
        super::tabla::countries()
    )]
    SubdivisionNotImplemented {
        /// Country code.
        country: String,
        /// Subdivision suffix.
        subdivision: String,
    },
}

/// The country (and optional subdivision) whose festivos the calendar uses.
///
/// Any country code of the `holidays` crate ([`PAISES`]) or of the table's other countries
/// ([`paises`] lists all), optionally followed by `-` and an
/// ISO 3166-2 subdivision suffix ([`subdivisiones_con_reglas`] lists the ones whose holidays
/// are implemented: every German Land, every US state and the subdivisions of 22 other
/// countries). Serialised as the plain alpha-2 code
/// (`"CO"`, `"DE-SH"`); parsing is case-insensitive and normalises to upper case, an alpha-3
/// code to its alpha-2 (`ECU` is `EC`) and python-holidays' `UK` to `GB` (`UK-SCT` is
/// `GB-SCT`). An unknown
/// country, or a DE or US subdivision that does not exist, is a [`PaisError`]; another
/// subdivision without rules parses, and the config decides whether its national holidays
/// will do (`calendar.festivos.subdivision_sin_reglas`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pais {
    /// The `holidays` crate's country; `None` for a country whose national holidays come
    /// from the subdivision table ([`super::tabla`]: Ecuador, Thailand, …).
    country: Option<holidays::Country>,
    code: &'static str,
    subdivision: Option<Subdivision>,
}

/// An ISO 3166-2 subdivision suffix (one to three ASCII letters or digits, upper case) and
/// whether its own holidays are implemented ([`super::subdivisiones`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Subdivision {
    code: [u8; 3],
    len: u8,
    rules: bool,
}

impl Subdivision {
    fn new(code: &str, rules: bool) -> Self {
        let mut bytes = [0u8; 3];
        bytes[..code.len()].copy_from_slice(code.as_bytes());
        Self {
            code: bytes,
            len: code.len() as u8,
            rules,
        }
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.code[..usize::from(self.len)]).expect("made from an ASCII suffix")
    }
}

impl Pais {
    /// Colombia (national festivos, Ley 2578 de 2026, the Ley 51 rule as fallback).
    pub const CO: Pais = Pais::national(holidays::Country::CO, "CO");
    /// Germany, national holidays.
    pub const DE: Pais = Pais::national(holidays::Country::DE, "DE");
    /// United Kingdom as the `holidays` crate has it (regional days of Scotland and Northern
    /// Ireland included, marked in their names).
    pub const GB: Pais = Pais::national(holidays::Country::GB, "GB");
    /// United States, federal holidays.
    pub const US: Pais = Pais::national(holidays::Country::US, "US");

    const fn national(country: holidays::Country, code: &'static str) -> Pais {
        Pais {
            country: Some(country),
            code,
            subdivision: None,
        }
    }

    /// A country of the table ([`super::tabla`]), national.
    const fn of_table(code: &'static str) -> Pais {
        Pais {
            country: None,
            code,
            subdivision: None,
        }
    }

    /// Colombia, the default.
    pub const fn co() -> Pais {
        Pais::CO
    }

    /// Whether this is Colombia (only then do Ley 2578 and the Ley 51 rule apply).
    pub fn is_colombia(&self) -> bool {
        self.country == Some(holidays::Country::CO)
    }

    /// The ISO 3166-1 alpha-2 country code (`"DE"` for `DE-SH`).
    pub fn country_code(&self) -> &'static str {
        self.code
    }

    /// The ISO 3166-2 subdivision suffix, if any (`Some("SH")` for `DE-SH`).
    pub fn subdivision(&self) -> Option<&str> {
        self.subdivision.as_ref().map(Subdivision::as_str)
    }

    /// Whether the subdivision's own holidays are implemented: `false` for a national code,
    /// and for a subdivision whose festivos are the national ones because it has no rules
    /// here (`NL-ZH`, `GB-LND`; see `calendar.festivos.subdivision_sin_reglas`).
    pub fn subdivision_has_rules(&self) -> bool {
        self.subdivision.is_some_and(|s| s.rules)
    }

    /// The subdivision suffix when it has no rules of its own (its festivos are the national
    /// ones), else `None`.
    pub fn subdivision_without_rules(&self) -> Option<&str> {
        self.subdivision
            .as_ref()
            .filter(|s| !s.rules)
            .map(Subdivision::as_str)
    }

    /// The same country without its subdivision.
    pub fn nacional(&self) -> Pais {
        Pais {
            subdivision: None,
            ..*self
        }
    }

    /// The `holidays` crate's country (`None`: the table's national rows,
    /// [`super::tabla`]).
    pub(crate) fn country(&self) -> Option<holidays::Country> {
        self.country
    }
}

impl fmt::Display for Pais {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.subdivision() {
            Some(s) => write!(f, "{}-{s}", self.code),
            None => f.write_str(self.code),
        }
    }
}

impl fmt::Debug for Pais {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pais({self})")
    }
}

impl FromStr for Pais {
    type Err = PaisError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        let (cc, sub) = match upper.split_once('-') {
            Some((cc, sub)) => (cc, Some(sub)),
            None => (upper.as_str(), None),
        };
        let well_formed = (2..=3).contains(&cc.len())
            && cc.bytes().all(|b| b.is_ascii_uppercase())
            && sub.is_none_or(|s| {
                (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
            });
        if !well_formed {
            return Err(PaisError::Malformed {
                code: s.to_string(),
            });
        }
        // An alpha-3 code (`ECU`, `USA`, `DEU`) as python-holidays takes it.
        let cc = match cc.len() {
            3 => alpha2(cc).ok_or_else(|| PaisError::UnknownCountry {
                code: cc.to_string(),
            })?,
            _ => cc,
        };
        // python-holidays' alias of the United Kingdom.
        let cc = if cc == "UK" { "GB" } else { cc };
        let national = match PAISES.iter().copied().find(|c| *c == cc) {
            Some(code) => Pais::national(
                holidays::Country::from_str(code)
                    .expect("every code of PAISES is a compiled-in holidays::Country"),
                code,
            ),
            None => match super::tabla::national_code(cc) {
                Some(code) => Pais::of_table(code),
                None => {
                    return Err(PaisError::UnknownCountry {
                        code: cc.to_string(),
                    })
                }
            },
        };
        let code = national.code;
        let Some(sub) = sub else {
            return Ok(national);
        };
        let covered = subdivisiones_con_reglas(code);
        let rules = covered.contains(&sub);
        // Where the list is complete, another suffix does not exist; elsewhere any
        // well-formed suffix is taken, without rules of its own unless the list has it.
        if !rules && COMPLETE.contains(&code) {
            return Err(PaisError::UnknownSubdivision {
                country: code.to_string(),
                subdivision: sub.to_string(),
                valid: covered.join(", "),
            });
        }
        Ok(Pais {
            subdivision: Some(Subdivision::new(sub, rules)),
            ..national
        })
    }
}

impl TryFrom<String> for Pais {
    type Error = PaisError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl Serialize for Pais {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Pais {
    /// From the plain code; an invalid one is a custom error with the [`PaisError`] message
    /// (the deserialiser adds the key, `calendar.festivos.pais`).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl From<Pais> for String {
    fn from(p: Pais) -> String {
        p.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_of_the_crate_parses_and_round_trips() {
        for c in PAISES {
            let p: Pais = c.parse().unwrap();
            assert_eq!(p.to_string(), c);
            assert_eq!(p.country_code(), c);
            assert_eq!(p.subdivision(), None);
        }
        for s in DE_LAENDER {
            let p: Pais = format!("DE-{s}").parse().unwrap();
            assert_eq!(p.to_string(), format!("DE-{s}"));
            assert_eq!(p.nacional(), Pais::DE);
        }
        for s in subdivisiones_con_reglas("US") {
            assert_eq!(
                format!("us-{s}").parse::<Pais>().unwrap().to_string(),
                format!("US-{s}")
            );
        }
        assert!(Pais::co().is_colombia() && Pais::CO.is_colombia());
        assert!(!Pais::DE.is_colombia());
    }

    #[test]
    fn constants_match_parsing() {
        assert_eq!("CO".parse::<Pais>().unwrap(), Pais::CO);
        assert_eq!("DE".parse::<Pais>().unwrap(), Pais::DE);
        assert_eq!("GB".parse::<Pais>().unwrap(), Pais::GB);
        assert_eq!("US".parse::<Pais>().unwrap(), Pais::US);
    }

    /// python-holidays' countries the `holidays` crate lacks parse, with the table's
    /// calendar; UK is GB.
    #[test]
    fn countries_of_the_table_and_the_uk_alias_parse() {
        let ec: Pais = "ec".parse().unwrap();
        assert_eq!((ec.country_code(), ec.country()), ("EC", None));
        assert!(!ec.is_colombia());
        // A subdivision of a table country keeps the national holidays.
        let guayas: Pais = "EC-G".parse().unwrap();
        assert_eq!(guayas.subdivision_without_rules(), Some("G"));
        assert_eq!("UK".parse::<Pais>().unwrap(), Pais::GB);
        // Alpha-3 codes, as python-holidays takes them.
        assert_eq!("ECU".parse::<Pais>().unwrap(), ec);
        assert_eq!("usa-mn".parse::<Pais>().unwrap(), "US-MN".parse().unwrap());
        assert_eq!("DEU-SH".parse::<Pais>().unwrap(), "DE-SH".parse().unwrap());
        assert_eq!("GBR".parse::<Pais>().unwrap(), Pais::GB);
        assert_eq!(
            "XYZ".parse::<Pais>().unwrap_err(),
            PaisError::UnknownCountry { code: "XYZ".into() }
        );
        // Every alpha-3 code of the table names a country with holidays here.
        for line in ALFA3.lines().filter(|l| !l.starts_with('#')) {
            let (a3, a2) = line.split_once('\t').unwrap();
            assert_eq!(a3.parse::<Pais>().unwrap().country_code(), a2, "{a3}");
        }
        assert_eq!("uk-sct".parse::<Pais>().unwrap(), "GB-SCT".parse().unwrap());
        for code in ["TH", "PH", "PR", "CR", "GT", "LK", "QA"] {
            assert!(code.parse::<Pais>().is_ok(), "{code}");
        }
    }

    /// Of the 17,576 three-letter codes, the 250 of python-holidays read as their alpha-2
    /// country; every other is an unknown country.
    #[test]
    fn every_three_letter_code_is_an_alpha3_country_or_unknown() {
        let mut known = 0;
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                for c in b'A'..=b'Z' {
                    let code = String::from_utf8(vec![a, b, c]).unwrap();
                    match code.parse::<Pais>() {
                        Ok(p) => {
                            assert!(paises().contains(&p.country_code()), "{code}");
                            known += 1;
                        }
                        Err(e) => assert_eq!(e, PaisError::UnknownCountry { code }),
                    }
                }
            }
        }
        assert_eq!(known, 250);
        // No country is both the crate's and the table's.
        assert_eq!(paises().len(), 250);
    }

    #[test]
    fn invalid_codes_are_typed_errors() {
        assert_eq!(
            "XX".parse::<Pais>().unwrap_err(),
            PaisError::UnknownCountry { code: "XX".into() }
        );
        let e = "XX".parse::<Pais>().unwrap_err().to_string();
        assert!(e.contains("CO, CR, CU") && e.contains("DE-SH"), "{e}");
        assert!(matches!(
            "DE-ZZ".parse::<Pais>().unwrap_err(),
            PaisError::UnknownSubdivision { ref subdivision, ref valid, .. }
                if subdivision == "ZZ" && valid.contains("SH")
        ));
        assert!(matches!(
            "US-ZZ".parse::<Pais>().unwrap_err(),
            PaisError::UnknownSubdivision { .. }
        ));
        // Every US state has its rules.
        let tx: Pais = "us-tx".parse().unwrap();
        assert_eq!(
            (tx.to_string(), tx.subdivision()),
            ("US-TX".into(), Some("TX"))
        );
        assert!(tx.subdivision_has_rules() && tx.nacional() == Pais::US);
        assert!("US-MN".parse::<Pais>().unwrap().subdivision_has_rules());
        assert!("AU-VIC".parse::<Pais>().unwrap().subdivision_has_rules());
        // A subdivision without rules of its own parses, marked as such (the config decides
        // whether its national holidays will do: festivos.subdivision_sin_reglas).
        let sp: Pais = "NL-ZH".parse().unwrap();
        assert!(!sp.subdivision_has_rules() && sp.nacional().country_code() == "NL");
        let gb: Pais = "GB-LND".parse().unwrap();
        assert!(!gb.subdivision_has_rules());
        assert!("DE-SH".parse::<Pais>().unwrap().subdivision_has_rules());
        assert!(!Pais::US.subdivision_has_rules());
        let idf: Pais = "FR-IDF".parse().unwrap();
        assert_eq!(idf.to_string(), "FR-IDF");
        assert!(!idf.subdivision_has_rules());
        for bad in ["", "C", "CO1", "COLO", "DE-", "DE-SHXX", "D1", "DE_SH"] {
            assert!(
                matches!(bad.parse::<Pais>(), Err(PaisError::Malformed { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn serde_form_is_the_plain_code_and_errors_carry_the_message() {
        use serde::de::value::{Error as DeError, StrDeserializer};
        use serde::de::IntoDeserializer;
        let de: StrDeserializer<'_, DeError> = "de-sh".into_deserializer();
        let p = Pais::deserialize(de).unwrap();
        assert_eq!(p.to_string(), "DE-SH");
        assert_eq!(String::from(p), "DE-SH");
        let de: StrDeserializer<'_, DeError> = "XX".into_deserializer();
        let e = Pais::deserialize(de).unwrap_err().to_string();
        assert!(e.starts_with("unknown country code `XX`"), "{e}");
        let de: StrDeserializer<'_, DeError> = "DE-ZZ".into_deserializer();
        let e = Pais::deserialize(de).unwrap_err().to_string();
        assert!(e.contains("DE-ZZ") && e.contains("BB, BE, BW"), "{e}");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parsing_never_panics_and_accepted_codes_round_trip(s in "[a-zA-Z0-9_ -]{0,8}") {
            if let Ok(p) = s.parse::<Pais>() {
                prop_assert_eq!(p.to_string().parse::<Pais>().unwrap(), p);
                let upper = s.trim().to_ascii_uppercase();
                let country = upper.split('-').next().unwrap_or_default();
                // An alpha-3 code and python-holidays' alias UK read as their alpha-2 code.
                let want = match country {
                    "UK" => format!("GB{}", &upper[2..]),
                    c if c.len() == 3 => format!("{}{}", p.country_code(), &upper[3..]),
                    _ => upper.clone(),
                };
                prop_assert_eq!(p.to_string(), want);
            }
        }

        #[test]
        fn every_two_letter_code_is_a_known_country_or_unknown(a in 0u8..26, b in 0u8..26) {
            let code = format!("{}{}", (b'A' + a) as char, (b'A' + b) as char);
            match code.parse::<Pais>() {
                Ok(p) => {
                    prop_assert!(paises().contains(&p.country_code()));
                    prop_assert!(p.country_code() == code || code == "UK");
                    // The crate's countries have its calendar, the others the table's.
                    prop_assert_eq!(p.country().is_some(), PAISES.contains(&p.country_code()));
                }
                Err(e) => {
                    prop_assert!(!paises().contains(&code.as_str()));
                    prop_assert_eq!(e, PaisError::UnknownCountry { code });
                }
            }
        }
    }
}
