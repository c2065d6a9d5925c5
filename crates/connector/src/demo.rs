//! The embedded demo source: the seeded synthetic buñuelo history of domain.md §8.
//!
//! Expected demand [`DemoGenerator::mu`] is deterministic; the random parts use
//! `ChaCha8Rng::seed_from_u64(seed)` with one independent stream per use (`set_stream(k)`):
//! k = 1 promotions (two uniforms per date), k = 2 noise (one Gamma then one Poisson per
//! date), k = 3 missing days (one uniform per date). Dates are visited in ascending order and
//! every date consumes its draws whether or not it is eligible, so one rule change never
//! shifts the draws of other dates.

use std::collections::BTreeMap;
use std::f64::consts::PI;

use calendar::{Calendar, CalendarConfig, DayInfo, SpecialDays};
use chrono::{Datelike, NaiveDate};
use core_types::{cols, DateSpan};
use polars::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, Poisson};
use serde::{Deserialize, Serialize};

use crate::ConnectorError;

/// Multiplicative factors of the special days (domain.md §4), 1.0 = no effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecialFactors {
    /// 1–6 December.
    pub dic_inicio: f64,
    /// 7 December.
    pub velitas: f64,
    /// 8–15 December.
    pub dic_medio: f64,
    /// Novena ramp on 16–23 December: `novena_base + novena_paso · (novena_day − 1)`.
    pub novena_base: f64,
    /// Step of the novena ramp.
    pub novena_paso: f64,
    /// 24 December (replaces the ramp).
    pub nochebuena: f64,
    /// 25 December (on top of the Saturday-like factor).
    pub navidad: f64,
    /// 26–30 December.
    pub fin_de_ano: f64,
    /// 31 December.
    pub nochevieja: f64,
    /// 1 January (on top of the Saturday-like factor).
    pub ano_nuevo: f64,
    /// 2–6 January.
    pub enero_reyes: f64,
    /// Palm Sunday to Easter Sunday (negative control).
    pub semana_santa: f64,
    /// Día de la Madre.
    pub dia_madre: f64,
    /// Amor y Amistad.
    pub amor_amistad: f64,
    /// Halloween (negative control).
    pub halloween: f64,
}

impl Default for SpecialFactors {
    fn default() -> Self {
        Self {
            dic_inicio: 1.20,
            velitas: 1.60,
            dic_medio: 1.30,
            novena_base: 1.80,
            novena_paso: 0.10,
            nochebuena: 3.20,
            navidad: 0.90,
            fin_de_ano: 1.30,
            nochevieja: 2.40,
            ano_nuevo: 0.70,
            enero_reyes: 1.15,
            semana_santa: 1.00,
            dia_madre: 1.15,
            amor_amistad: 1.10,
            halloween: 1.00,
        }
    }
}

impl SpecialFactors {
    /// The product of the factors active on a date.
    pub fn factor(&self, s: &SpecialDays) -> f64 {
        let ramp = match (s.is_nochebuena, s.novena_day) {
            (true, _) => self.nochebuena,
            (false, Some(n)) => self.novena_base + self.novena_paso * f64::from(n - 1),
            (false, None) => 1.0,
        };
        [
            (s.is_dic_inicio, self.dic_inicio),
            (s.is_velitas, self.velitas),
            (s.is_dic_medio, self.dic_medio),
            (s.is_navidad, self.navidad),
            (s.is_fin_de_ano, self.fin_de_ano),
            (s.is_nochevieja, self.nochevieja),
            (s.is_ano_nuevo, self.ano_nuevo),
            (s.is_enero_reyes, self.enero_reyes),
            (s.is_semana_santa, self.semana_santa),
            (s.is_dia_madre, self.dia_madre),
            (s.is_amor_amistad, self.amor_amistad),
            (s.is_halloween, self.halloween),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(ramp, |f, (_, x)| f * x)
    }
}

/// An injected anomaly (domain.md §8.4): a date and what happens to its raw row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "tipo", rename_all = "snake_case", deny_unknown_fields)]
pub enum Anomaly {
    /// `y × factor` (typos, data-entry errors).
    Multiplicar {
        /// Date.
        fecha: NaiveDate,
        /// The factor.
        factor: i64,
    },
    /// A fixed value (0 for a point-of-sale failure, negative for a booked return).
    Valor {
        /// Date.
        fecha: NaiveDate,
        /// The value.
        valor: i64,
    },
    /// The value was not recorded (null).
    Nulo {
        /// Date.
        fecha: NaiveDate,
    },
    /// A second, identical row right after the original (double upload).
    Duplicado {
        /// Date.
        fecha: NaiveDate,
    },
}

impl Anomaly {
    /// The anomaly's date.
    pub fn fecha(&self) -> NaiveDate {
        match self {
            Anomaly::Multiplicar { fecha, .. }
            | Anomaly::Valor { fecha, .. }
            | Anomaly::Nulo { fecha }
            | Anomaly::Duplicado { fecha } => *fecha,
        }
    }
}

/// The list price of one year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearPrice {
    /// Year.
    pub ano: i32,
    /// List price in COP.
    pub precio: f64,
}

/// Settings of the synthetic history (`source.demo` in `config.yaml`); the defaults are the
/// values of domain.md §8. The seed is not here: it is `run.seed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoConfig {
    /// First and last date of the history; `t` counts days from the first.
    pub span: DateSpan,
    /// Base level (units per day).
    pub nivel_base: f64,
    /// Yearly trend factor (1.05 = +5 % a year).
    pub tendencia_anual: f64,
    /// Weekly factors Monday..Sunday, indexed by `dow_eff`.
    pub semana: [f64; 7],
    /// Amplitude of the smooth yearly cycle in log space.
    pub amplitud_anual: f64,
    /// Day of year of the yearly peak.
    pub pico_dia_del_ano: f64,
    /// Special-day factors.
    pub especiales: SpecialFactors,
    /// Factor inside the post-payday window.
    pub factor_quincena: f64,
    /// Factor inside the prima window.
    pub factor_prima: f64,
    /// Pandemic base: the factor is `base ^ intensity`.
    pub base_pandemia: f64,
    /// Promotion uplift.
    pub factor_promocion: f64,
    /// Probability of a promotion on an eligible date.
    pub prob_promocion: f64,
    /// Discounts drawn in equal shares.
    pub descuentos: Vec<f64>,
    /// Negative-binomial size `r` (Gamma shape).
    pub tamano_binomial_negativa: f64,
    /// Probability that an eligible date is missing.
    pub prob_faltante: f64,
    /// A fixed gap with no rows.
    pub hueco_fijo: DateSpan,
    /// The last N days of the history never go missing.
    pub dias_finales_completos: u32,
    /// List price per year (COP).
    pub precios: Vec<YearPrice>,
    /// Injected anomalies.
    pub anomalias: Vec<Anomaly>,
    /// Hour (Bogotá time) stamped in `created_at`.
    pub hora_registro: u32,
}

fn date(s: &str) -> NaiveDate {
    s.parse().expect("valid literal")
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            span: DateSpan::new(date("2018-01-01"), date("2025-11-30")).expect("ordered"),
            nivel_base: 300.0,
            tendencia_anual: 1.05,
            semana: [0.90, 0.92, 0.95, 1.00, 1.10, 1.35, 1.50],
            amplitud_anual: 0.05,
            pico_dia_del_ano: 196.0,
            especiales: SpecialFactors::default(),
            factor_quincena: 1.10,
            factor_prima: 1.08,
            base_pandemia: 0.40,
            factor_promocion: 1.25,
            prob_promocion: 0.05,
            descuentos: vec![10.0, 15.0, 20.0],
            tamano_binomial_negativa: 50.0,
            prob_faltante: 0.003,
            hueco_fijo: DateSpan::new(date("2019-10-22"), date("2019-10-24")).expect("ordered"),
            dias_finales_completos: 28,
            precios: [
                (2018, 1200.0),
                (2019, 1300.0),
                (2020, 1400.0),
                (2021, 1500.0),
                (2022, 1700.0),
                (2023, 2000.0),
                (2024, 2200.0),
                (2025, 2400.0),
            ]
            .into_iter()
            .map(|(ano, precio)| YearPrice { ano, precio })
            .collect(),
            anomalias: vec![
                Anomaly::Multiplicar {
                    fecha: date("2018-06-12"),
                    factor: 10,
                },
                Anomaly::Multiplicar {
                    fecha: date("2019-03-06"),
                    factor: 10,
                },
                Anomaly::Valor {
                    fecha: date("2022-08-09"),
                    valor: 0,
                },
                Anomaly::Valor {
                    fecha: date("2022-09-14"),
                    valor: 0,
                },
                Anomaly::Valor {
                    fecha: date("2023-05-16"),
                    valor: -40,
                },
                Anomaly::Nulo {
                    fecha: date("2023-08-23"),
                },
                Anomaly::Multiplicar {
                    fecha: date("2024-04-09"),
                    factor: 8,
                },
                Anomaly::Duplicado {
                    fecha: date("2024-10-02"),
                },
            ],
            hora_registro: 21,
        }
    }
}

impl DemoConfig {
    /// The list price of `year`, if configured.
    pub fn list_price(&self, year: i32) -> Option<f64> {
        self.precios
            .iter()
            .find(|p| p.ano == year)
            .map(|p| p.precio)
    }

    /// Checks what serde cannot; the error names the key under `source.demo`.
    pub fn validate(&self) -> Result<(), ConnectorError> {
        let bad = |key: &str, message: String| {
            Err(ConnectorError::InvalidConfig {
                key: format!("source.demo.{key}"),
                message,
            })
        };
        let positive = [
            ("nivel_base", self.nivel_base),
            ("tendencia_anual", self.tendencia_anual),
            ("factor_quincena", self.factor_quincena),
            ("factor_prima", self.factor_prima),
            ("base_pandemia", self.base_pandemia),
            ("factor_promocion", self.factor_promocion),
            ("tamano_binomial_negativa", self.tamano_binomial_negativa),
        ];
        for (k, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return bad(k, format!("expected a positive number, got {v}"));
            }
        }
        if let Some(i) = self
            .semana
            .iter()
            .position(|w| !(w.is_finite() && *w > 0.0))
        {
            return bad(&format!("semana[{i}]"), "expected a positive factor".into());
        }
        for (k, p) in [
            ("prob_promocion", self.prob_promocion),
            ("prob_faltante", self.prob_faltante),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return bad(k, format!("expected a probability in [0, 1], got {p}"));
            }
        }
        if self.descuentos.is_empty() {
            return bad("descuentos", "expected at least one discount".into());
        }
        if let Some(i) = self
            .descuentos
            .iter()
            .position(|x| !(0.0..100.0).contains(x))
        {
            return bad(&format!("descuentos[{i}]"), "expected 0 <= x < 100".into());
        }
        for y in self.span.start().year()..=self.span.end().year() {
            if self.list_price(y).is_none() {
                return bad("precios", format!("no list price for year {y}"));
            }
        }
        if self.hora_registro > 23 {
            return bad("hora_registro", "expected an hour in 0..=23".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, a) in self.anomalias.iter().enumerate() {
            if !self.span.contains(a.fecha()) {
                return bad(
                    &format!("anomalias[{i}].fecha"),
                    format!("{} is outside the history span", a.fecha()),
                );
            }
            if !seen.insert(a.fecha()) {
                return bad(
                    &format!("anomalias[{i}].fecha"),
                    format!("{} has two anomalies", a.fecha()),
                );
            }
        }
        Ok(())
    }
}

/// One generated row before it becomes a data frame.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoRow {
    /// Date.
    pub fecha: NaiveDate,
    /// Units sold (`None` = not recorded).
    pub unidades_vendidas: Option<i64>,
    /// Promotion flag.
    pub promocion: bool,
    /// Discount in percent on promotion days.
    pub descuento_pct: Option<f64>,
    /// Unit price in COP.
    pub precio_unitario: f64,
    /// `created_at` in RFC 3339 with the Bogotá offset.
    pub created_at: String,
}

/// The generator: the demo settings, the seed and the calendar over the history span.
#[derive(Debug, Clone)]
pub struct DemoGenerator {
    cfg: DemoConfig,
    seed: u64,
    calendar: Calendar,
}

const STREAM_PROMO: u64 = 1;
const STREAM_NOISE: u64 = 2;
const STREAM_MISSING: u64 = 3;

impl DemoGenerator {
    /// A generator for `cfg` with `seed` and the project calendar `cal_cfg`. The calendar
    /// covers the history and the 10 years after it, so `mu` can be asked about the horizon.
    pub fn new(
        cfg: DemoConfig,
        seed: u64,
        cal_cfg: &CalendarConfig,
    ) -> Result<Self, ConnectorError> {
        cfg.validate()?;
        let end = cfg.span.end();
        let reach = NaiveDate::from_ymd_opt(end.year() + 1, 12, 31).expect("valid date");
        let span = DateSpan::new(cfg.span.start(), reach).expect("ordered");
        let calendar = Calendar::new(cal_cfg, span)?;
        Ok(Self {
            cfg,
            seed,
            calendar,
        })
    }

    /// The settings.
    pub fn config(&self) -> &DemoConfig {
        &self.cfg
    }

    /// Expected demand on `d` (domain.md §8.2), with or without a promotion.
    pub fn mu(&self, d: NaiveDate, promo: bool) -> Result<f64, ConnectorError> {
        let info = self.calendar.day(d)?;
        Ok(self.mu_of(&info, promo))
    }

    fn mu_of(&self, info: &DayInfo, promo: bool) -> f64 {
        let c = &self.cfg;
        let t = (info.date - c.span.start()).num_days() as f64;
        let doy = f64::from(info.date.ordinal());
        let mut mu = c.nivel_base
            * (c.tendencia_anual.ln() * t / 365.25).exp()
            * c.semana[info.dow_eff as usize]
            * (c.amplitud_anual * (2.0 * PI * (doy - c.pico_dia_del_ano) / 365.25).cos()).exp()
            * c.especiales.factor(&info.special)
            * c.base_pandemia.powf(info.pandemic_intensity);
        if info.post_payday_window {
            mu *= c.factor_quincena;
        }
        if info.is_prima_window {
            mu *= c.factor_prima;
        }
        if promo {
            mu *= c.factor_promocion;
        }
        mu
    }

    fn stream(&self, k: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(k);
        rng
    }

    /// Generates the raw rows (domain.md §8.3–8.4), sorted by date, the duplicate right after
    /// its original.
    pub fn rows(&self) -> Result<Vec<DemoRow>, ConnectorError> {
        let c = &self.cfg;
        let mut promo_rng = self.stream(STREAM_PROMO);
        let mut noise_rng = self.stream(STREAM_NOISE);
        let mut miss_rng = self.stream(STREAM_MISSING);
        let anomalies: BTreeMap<NaiveDate, &Anomaly> =
            c.anomalias.iter().map(|a| (a.fecha(), a)).collect();
        let tail_start = c.span.end() - chrono::Days::new(u64::from(c.dias_finales_completos));
        let mut out = Vec::with_capacity(c.span.len_days() + 1);
        for d in c.span.dates() {
            let info = self.calendar.day(d)?;
            let u1: f64 = promo_rng.random();
            let u2: f64 = promo_rng.random();
            let u_miss: f64 = miss_rng.random();
            let holiday_season = (d.month() == 12) || (d.month() == 1 && d.day() <= 6);
            let anomaly = anomalies.get(&d).copied();
            let promo = !holiday_season && anomaly.is_none() && u1 < c.prob_promocion;
            let mu = self.mu_of(&info, promo);
            let r = c.tamano_binomial_negativa;
            let lambda = Gamma::new(r, mu / r)
                .map_err(|e| ConnectorError::Generator(format!("gamma({r}, {mu}/{r}): {e}")))?
                .sample(&mut noise_rng);
            let y = Poisson::new(lambda)
                .map_err(|e| ConnectorError::Generator(format!("poisson({lambda}): {e}")))?
                .sample(&mut noise_rng) as i64;
            let eligible_missing = !holiday_season
                && anomaly.is_none()
                && !c.hueco_fijo.contains(d)
                && d != c.span.start()
                && d <= tail_start;
            if c.hueco_fijo.contains(d) || (eligible_missing && u_miss < c.prob_faltante) {
                continue;
            }
            let n = c.descuentos.len();
            let descuento = promo.then(|| c.descuentos[((u2 * n as f64) as usize).min(n - 1)]);
            let list = c
                .list_price(d.year())
                .expect("validated: every year has a price");
            let precio = descuento.map_or(list, |x| list * (100.0 - x) / 100.0);
            let stamp = |h: u32| format!("{d}T{h:02}:00:00-05:00");
            let mut row = DemoRow {
                fecha: d,
                unidades_vendidas: Some(y),
                promocion: promo,
                descuento_pct: descuento,
                precio_unitario: precio,
                created_at: stamp(c.hora_registro),
            };
            match anomaly {
                Some(Anomaly::Multiplicar { factor, .. }) => {
                    row.unidades_vendidas = Some(y * factor)
                }
                Some(Anomaly::Valor { valor, .. }) => row.unidades_vendidas = Some(*valor),
                Some(Anomaly::Nulo { .. }) => row.unidades_vendidas = None,
                Some(Anomaly::Duplicado { .. }) => {
                    let mut dup = row.clone();
                    dup.created_at = stamp((c.hora_registro + 1) % 24);
                    out.push(row);
                    row = dup;
                }
                None => {}
            }
            out.push(row);
        }
        Ok(out)
    }

    /// The rows as a data frame with exactly the raw contract's columns (domain.md §9).
    pub fn frame(&self) -> Result<DataFrame, ConnectorError> {
        let rows = self.rows()?;
        let n = rows.len();
        let fechas: Vec<NaiveDate> = rows.iter().map(|r| r.fecha).collect();
        let columns = vec![
            Column::new(cols::ID.into(), (1..=n as i64).collect::<Vec<i64>>()),
            Column::new(cols::FECHA.into(), fechas),
            Column::new(
                cols::UNIDADES_VENDIDAS.into(),
                rows.iter().map(|r| r.unidades_vendidas).collect::<Vec<_>>(),
            ),
            Column::new(
                cols::PROMOCION.into(),
                rows.iter().map(|r| r.promocion).collect::<Vec<_>>(),
            ),
            Column::new(
                cols::DESCUENTO_PCT.into(),
                rows.iter().map(|r| r.descuento_pct).collect::<Vec<_>>(),
            ),
            Column::new(
                cols::PRECIO_UNITARIO.into(),
                rows.iter().map(|r| r.precio_unitario).collect::<Vec<_>>(),
            ),
            Column::new(cols::ABIERTO.into(), vec![true; n]),
            Column::new(cols::OBSERVACIONES.into(), vec![None::<&str>; n]),
            Column::new(
                cols::CREATED_AT.into(),
                rows.iter()
                    .map(|r| r.created_at.as_str())
                    .collect::<Vec<_>>(),
            ),
        ];
        Ok(DataFrame::new(n, columns)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen(seed: u64) -> DemoGenerator {
        DemoGenerator::new(DemoConfig::default(), seed, &CalendarConfig::default()).unwrap()
    }

    #[test]
    fn mu_matches_the_reference_table_to_1e6() {
        let g = gen(42);
        let table = [
            ("2018-01-01", 269.9781),
            ("2019-12-24", 928.0734),
            ("2020-04-01", 138.4282),
            ("2021-05-12", 258.5216),
            ("2023-06-15", 449.6813),
            ("2023-06-19", 597.3017),
            ("2024-03-27", 418.6276),
            ("2024-12-24", 1184.2559),
            ("2024-12-31", 976.3150),
            ("2025-01-01", 417.8889),
            ("2025-05-11", 757.3356),
            ("2025-09-20", 662.5309),
            ("2025-11-30", 702.4875),
            ("2025-12-07", 1100.2652),
            ("2025-12-24", 1284.3485),
            ("2026-01-12", 570.0316),
        ];
        for (d, want) in table {
            let got = g.mu(date(d), false).unwrap();
            assert!(
                ((got - want) / want).abs() < 1e-6,
                "{d}: got {got}, want {want}"
            );
        }
        let p = g.mu(date("2025-11-30"), true).unwrap();
        assert!((p / 702.4875 - 1.25).abs() < 1e-6);
    }

    #[test]
    fn yearly_means_of_mu_match_the_domain_table() {
        let g = gen(42);
        let want = [
            (2018, 372.8),
            (2019, 390.1),
            (2020, 303.0),
            (2021, 361.3),
            (2022, 436.5),
            (2023, 478.2),
            (2024, 497.8),
            (2025, 499.7),
        ];
        for (y, w) in want {
            let start = NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
            let end = if y == 2025 {
                date("2025-11-30")
            } else {
                NaiveDate::from_ymd_opt(y, 12, 31).unwrap()
            };
            let span = DateSpan::new(start, end).unwrap();
            let mean =
                span.dates().map(|d| g.mu(d, false).unwrap()).sum::<f64>() / span.len_days() as f64;
            assert!((mean - w).abs() < 0.05 + 1e-9, "{y}: {mean} vs {w}");
        }
    }

    #[test]
    fn rows_follow_the_random_rules() {
        let g = gen(42);
        let rows = g.rows().unwrap();
        // 2891 days - 3 (fixed gap) - random gaps + 1 duplicate.
        let random_gaps = 2891 - 3 + 1 - rows.len();
        assert!((2..=20).contains(&random_gaps), "random gaps {random_gaps}");
        let promos: Vec<&DemoRow> = rows.iter().filter(|r| r.promocion).collect();
        assert!(
            (90..=175).contains(&promos.len()),
            "promo days {}",
            promos.len()
        );
        for r in &rows {
            let season = r.fecha.month() == 12 || (r.fecha.month() == 1 && r.fecha.day() <= 6);
            assert!(
                !(season && r.promocion),
                "promotion in season on {}",
                r.fecha
            );
            assert_eq!(r.promocion, r.descuento_pct.is_some());
            let list = DemoConfig::default().list_price(r.fecha.year()).unwrap();
            let price = r.descuento_pct.map_or(list, |x| list * (100.0 - x) / 100.0);
            assert_eq!(r.precio_unitario, price);
            assert_eq!(r.precio_unitario.fract(), 0.0);
        }
        for d in ["2019-10-22", "2019-10-23", "2019-10-24"] {
            assert!(rows.iter().all(|r| r.fecha != date(d)));
        }
        // Sorted, duplicate right after its original.
        assert!(rows.windows(2).all(|w| w[0].fecha <= w[1].fecha));
        let dups: Vec<&[DemoRow]> = rows
            .windows(2)
            .filter(|w| w[0].fecha == w[1].fecha)
            .collect();
        assert_eq!(dups.len(), 1);
        assert_eq!(dups[0][0].fecha, date("2024-10-02"));
        assert_eq!(dups[0][0].unidades_vendidas, dups[0][1].unidades_vendidas);
        // The anomalies are where the table says.
        let at = |d: &str| rows.iter().find(|r| r.fecha == date(d)).unwrap();
        assert_eq!(at("2022-08-09").unidades_vendidas, Some(0));
        assert_eq!(at("2023-05-16").unidades_vendidas, Some(-40));
        assert_eq!(at("2023-08-23").unidades_vendidas, None);
        assert_eq!(at("2018-06-12").unidades_vendidas.unwrap() % 10, 0);
        assert!(at("2018-06-12").unidades_vendidas.unwrap() > 1500);
        // The last 28 days are complete.
        let tail = rows.iter().filter(|r| r.fecha > date("2025-11-02")).count();
        assert_eq!(tail, 28);
    }

    #[test]
    fn noise_has_mean_one_against_mu() {
        let g = gen(42);
        let anomalies: Vec<NaiveDate> = g.config().anomalias.iter().map(|a| a.fecha()).collect();
        let ratios: Vec<f64> = g
            .rows()
            .unwrap()
            .iter()
            .filter(|r| !anomalies.contains(&r.fecha))
            .map(|r| r.unidades_vendidas.unwrap() as f64 / g.mu(r.fecha, r.promocion).unwrap())
            .collect();
        let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
        assert!((mean - 1.0).abs() < 0.01, "mean y/mu = {mean}");
    }

    #[test]
    fn same_seed_same_rows_other_seed_other_rows() {
        assert_eq!(gen(42).rows().unwrap(), gen(42).rows().unwrap());
        assert_ne!(gen(42).rows().unwrap(), gen(7).rows().unwrap());
    }

    #[test]
    fn frame_has_the_contract_columns() {
        let f = gen(42).frame().unwrap();
        let names: Vec<&str> = f.get_column_names().iter().map(|s| s.as_str()).collect();
        assert_eq!(names, cols::RAW_CONTRACT);
        assert_eq!(f.column(cols::FECHA).unwrap().dtype(), &DataType::Date);
    }

    #[test]
    fn invalid_settings_name_the_key() {
        let cfg = DemoConfig {
            prob_promocion: 1.5,
            ..DemoConfig::default()
        };
        let err = DemoGenerator::new(cfg, 42, &CalendarConfig::default()).unwrap_err();
        assert!(
            matches!(&err, ConnectorError::InvalidConfig { key, .. } if key == "source.demo.prob_promocion"),
            "{err}"
        );
    }
}
