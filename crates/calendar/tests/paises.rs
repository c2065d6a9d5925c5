//! National calendars of the countries the `holidays` crate lacks, against python-holidays
//! (`tests/data/python_holidays_national.txt`, written by `bench/festivos_subdivisiones.py`:
//! every holiday of each such country, 2000–2030).

use std::collections::{BTreeMap, BTreeSet};

use calendar::festivos::{paises, project_festivos, PAISES};
use calendar::{FestivosConfig, Pais};
use chrono::NaiveDate;

fn vectors() -> BTreeMap<String, BTreeSet<NaiveDate>> {
    let text = include_str!("data/python_holidays_national.txt");
    let mut out: BTreeMap<String, BTreeSet<NaiveDate>> = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (code, date) = line.split_once(' ').unwrap();
        out.entry(code.to_string())
            .or_default()
            .insert(date.parse().unwrap());
    }
    out
}

#[test]
fn every_table_country_matches_python_holidays_2000_2030() {
    let vectors = vectors();
    let table: Vec<&str> = paises()
        .into_iter()
        .filter(|c| !PAISES.contains(c))
        .collect();
    assert!(table.len() > 140, "{}", table.len());
    let mut wrong = Vec::new();
    for code in &table {
        let cfg = FestivosConfig {
            pais: code.parse::<Pais>().unwrap(),
            ..FestivosConfig::default()
        };
        let got: BTreeSet<NaiveDate> = project_festivos(&cfg, 2000, 2030)
            .unwrap()
            .into_keys()
            .collect();
        let want = vectors.get(*code).cloned().unwrap_or_default();
        if got != want {
            let extra: Vec<_> = got.difference(&want).collect();
            let missing: Vec<_> = want.difference(&got).collect();
            wrong.push(format!("{code}: extra {extra:?} missing {missing:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} countries differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // Every country of the vectors is in the table.
    let missing: Vec<&String> = vectors
        .keys()
        .filter(|c| !table.contains(&c.as_str()))
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
}
