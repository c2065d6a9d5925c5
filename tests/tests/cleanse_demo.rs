//! Cleansing the demo history (domain.md §8.4): exactly the 8 injected anomalies are flagged,
//! the December peaks and the pandemic lows are not, and the grid is complete.

use calendar::CalendarConfig;
use connector::{DemoConfig, DemoSource, Source};
use contract::{cleanse, CleanseConfig, ContractConfig, Motivo};
use core_types::dates::LocalZone;

fn demo(seed: u64) -> polars::prelude::DataFrame {
    DemoSource::new(DemoConfig::default(), seed, &CalendarConfig::default())
        .unwrap()
        .fetch(None)
        .unwrap()
        .frame
}

fn cleansed(seed: u64) -> contract::Cleansed {
    cleanse(
        &demo(seed),
        &ContractConfig::default(),
        &CleanseConfig::default(),
        &CalendarConfig::default(),
        15.0,
        LocalZone::BOGOTA,
    )
    .unwrap()
}

fn flags(seed: u64) -> Vec<(String, Motivo)> {
    cleansed(seed)
        .report
        .flags
        .iter()
        .map(|f| (f.fecha.to_string(), f.motivo))
        .collect()
}

#[test]
fn exactly_the_eight_injected_anomalies_are_flagged() {
    let c = cleansed(42);
    let got = flags(42);
    assert_eq!(
        got,
        [
            ("2018-06-12".to_string(), Motivo::AtipicoAlto),
            ("2019-03-06".to_string(), Motivo::AtipicoAlto),
            ("2022-08-09".to_string(), Motivo::CeroConTiendaAbierta),
            ("2022-09-14".to_string(), Motivo::CeroConTiendaAbierta),
            ("2023-05-16".to_string(), Motivo::Negativo),
            ("2023-08-23".to_string(), Motivo::ValorNulo),
            ("2024-04-09".to_string(), Motivo::AtipicoAlto),
            ("2024-10-02".to_string(), Motivo::Duplicado),
        ]
    );
    assert_eq!(c.report.days_out, 2891);
    assert_eq!(c.frame.height(), 2891);
    assert_eq!(c.report.duplicate_dates_identical, 1);
    assert!(c
        .report
        .gaps
        .iter()
        .any(|g| g.start.to_string() == "2019-10-22" && g.days == 3));
    assert_eq!(c.report.missing_dates, 2891 - 2882);
}

#[test]
fn other_seeds_flag_the_same_eight_dates() {
    for seed in [7, 123] {
        let dates: Vec<String> = flags(seed).into_iter().map(|f| f.0).collect();
        assert_eq!(
            dates,
            [
                "2018-06-12",
                "2019-03-06",
                "2022-08-09",
                "2022-09-14",
                "2023-05-16",
                "2023-08-23",
                "2024-04-09",
                "2024-10-02"
            ],
            "seed {seed}"
        );
    }
}
