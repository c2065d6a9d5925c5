//! Subdivision calendars against python-holidays (`tests/data/python_holidays_subdivisions.txt`,
//! written by `bench/festivos_subdivisiones.py`: for every covered subdivision and every year
//! 2000–2030, the dates it adds to, and the national dates it drops from, the national
//! calendar).

use std::collections::{BTreeMap, BTreeSet};

use calendar::festivos::{project_festivos, subdivisiones_con_reglas, PAISES};
use calendar::{FestivosConfig, Pais};
use chrono::NaiveDate;

type Diff = (BTreeSet<NaiveDate>, BTreeSet<NaiveDate>);

fn vectors() -> BTreeMap<String, Diff> {
    let text = include_str!("data/python_holidays_subdivisions.txt");
    let mut out: BTreeMap<String, Diff> = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut f = line.split_whitespace();
        let (code, date, sign) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
        let entry = out.entry(code.to_string()).or_default();
        let date: NaiveDate = date.parse().unwrap();
        match sign {
            "+" => entry.0.insert(date),
            "-" => entry.1.insert(date),
            other => panic!("bad sign {other}"),
        };
    }
    out
}

fn festivos(code: &str) -> BTreeSet<NaiveDate> {
    let cfg = FestivosConfig {
        pais: code.parse().unwrap(),
        ..FestivosConfig::default()
    };
    project_festivos(&cfg, 2000, 2030)
        .unwrap()
        .into_keys()
        .collect()
}

#[test]
fn every_covered_subdivision_matches_python_holidays_2000_2030() {
    let vectors = vectors();
    let codes: Vec<String> = PAISES
        .iter()
        .flat_map(|c| {
            subdivisiones_con_reglas(c)
                .into_iter()
                .map(move |s| format!("{c}-{s}"))
        })
        .collect();
    assert!(codes.len() > 500, "{}", codes.len());
    let mut wrong = Vec::new();
    for code in &codes {
        let pais: Pais = code.parse().unwrap();
        let national = festivos(pais.nacional().country_code());
        let sub = festivos(code);
        let added: BTreeSet<NaiveDate> = sub.difference(&national).copied().collect();
        let dropped: BTreeSet<NaiveDate> = national.difference(&sub).copied().collect();
        let empty = Diff::default();
        let (want_added, want_dropped) = vectors.get(code).unwrap_or(&empty);
        for (what, got, want) in [
            ("added", &added, want_added),
            ("dropped", &dropped, want_dropped),
        ] {
            if got != want {
                let extra: Vec<_> = got.difference(want).collect();
                let missing: Vec<_> = want.difference(got).collect();
                wrong.push(format!(
                    "{code} {what}: extra {extra:?} missing {missing:?}"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} subdivisions differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // The vectors cover no subdivision we do not check.
    for code in vectors.keys() {
        assert!(codes.contains(code), "{code}");
    }
}

#[test]
fn subdivisions_without_extra_holidays_are_the_national_calendar() {
    // python-holidays only renames federal days in these states.
    for s in ["AZ", "ID", "OH", "SD"] {
        assert_eq!(festivos(&format!("US-{s}")), festivos("US"), "US-{s}");
    }
}
