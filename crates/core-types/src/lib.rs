//! # core-types
//!
//! The shared vocabulary of the buñuelo demand forecaster. Every other crate depends on
//! this one and on nothing else of ours unless `ARCHITECTURE.md` says so.
//!
//! - [`cols`]: the canonical column names of the raw contract (domain notes §9),
//!   in the business's Spanish. No other crate spells a column name as a literal.
//! - [`DateSpan`], [`Horizon`]: validated date newtypes; their preconditions are checked once,
//!   in the constructor (and on deserialisation), never again downstream.
//! - [`CoreError`]: the typed errors of these constructors.
#![forbid(unsafe_code)]

pub mod closures;
pub mod dates;
pub mod names;
pub mod nan;
pub mod numbers;
pub mod scenario;
pub mod stats;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Canonical column names of the raw table `ventas_diarias` (domain notes §9).
pub mod cols {
    /// Row identifier (bigint identity).
    pub const ID: &str = "id";
    /// The calendar date in the business's time zone (Bogotá for the first user).
    pub const FECHA: &str = "fecha";
    /// Units sold that day (the target).
    pub const UNIDADES_VENDIDAS: &str = "unidades_vendidas";
    /// Whether a promotion ran that day.
    pub const PROMOCION: &str = "promocion";
    /// Discount of the promotion, in percent.
    pub const DESCUENTO_PCT: &str = "descuento_pct";
    /// Unit price in COP.
    pub const PRECIO_UNITARIO: &str = "precio_unitario";
    /// Whether the shop was open.
    pub const ABIERTO: &str = "abierto";
    /// Free-text remarks.
    pub const OBSERVACIONES: &str = "observaciones";
    /// Insertion timestamp (timestamptz, RFC 3339 with offset).
    pub const CREATED_AT: &str = "created_at";

    /// Cleansed layer: the raw units cell as found, for audit.
    pub const UNIDADES_ORIGINALES: &str = "unidades_originales";
    /// Cleansed layer: the date had no row in the source.
    pub const ES_FALTANTE: &str = "es_faltante";
    /// Cleansed layer: the day's value was flagged.
    pub const ES_ATIPICO: &str = "es_atipico";
    /// Cleansed layer: why the value was flagged.
    pub const MOTIVO: &str = "motivo";
    /// Cleansed layer: the `motivo` of a zero on a day the shop was open (the value is
    /// nulled; phase 04 still reads it as a day without sales).
    pub const MOTIVO_CERO_CON_TIENDA_ABIERTA: &str = "cero_con_tienda_abierta";
    /// Cleansed layer: the model-ready units (imputed by policy, null on closed days).
    pub const UNIDADES_MODELO: &str = "unidades_modelo";
    /// Cleansed layer: `unidades_modelo` was imputed.
    pub const ES_IMPUTADO: &str = "es_imputado";

    /// The raw contract's columns, in table order.
    pub const RAW_CONTRACT: [&str; 9] = [
        ID,
        FECHA,
        UNIDADES_VENDIDAS,
        PROMOCION,
        DESCUENTO_PCT,
        PRECIO_UNITARIO,
        ABIERTO,
        OBSERVACIONES,
        CREATED_AT,
    ];

    /// The columns the cleanser writes (phase 02's layer), in order.
    pub const CLEANSED: [&str; 12] = [
        FECHA,
        UNIDADES_VENDIDAS,
        UNIDADES_ORIGINALES,
        ES_FALTANTE,
        ES_ATIPICO,
        MOTIVO,
        ABIERTO,
        PROMOCION,
        DESCUENTO_PCT,
        PRECIO_UNITARIO,
        UNIDADES_MODELO,
        ES_IMPUTADO,
    ];
}

/// Errors of the constructors in this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    /// A date span whose start is after its end.
    #[error("invalid date span: start {start} is after end {end}")]
    InvalidSpan {
        /// First date given.
        start: NaiveDate,
        /// Last date given.
        end: NaiveDate,
    },
    /// A horizon outside the supported range.
    #[error("invalid horizon {got}: expected a whole number of days in {min}..={max}")]
    InvalidHorizon {
        /// The value given.
        got: i64,
        /// Smallest accepted value.
        min: u32,
        /// Largest accepted value.
        max: u32,
    },
}

/// An inclusive span of calendar dates, `start <= end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawSpan", into = "RawSpan")]
pub struct DateSpan {
    start: NaiveDate,
    end: NaiveDate,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpan {
    start: NaiveDate,
    end: NaiveDate,
}

impl TryFrom<RawSpan> for DateSpan {
    type Error = CoreError;
    fn try_from(r: RawSpan) -> Result<Self, CoreError> {
        DateSpan::new(r.start, r.end)
    }
}

impl From<DateSpan> for RawSpan {
    fn from(s: DateSpan) -> Self {
        RawSpan {
            start: s.start,
            end: s.end,
        }
    }
}

impl DateSpan {
    /// A span from `start` to `end`, both included.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, CoreError> {
        if start > end {
            return Err(CoreError::InvalidSpan { start, end });
        }
        Ok(Self { start, end })
    }
    /// First date.
    pub fn start(&self) -> NaiveDate {
        self.start
    }
    /// Last date.
    pub fn end(&self) -> NaiveDate {
        self.end
    }
    /// Number of calendar dates in the span (at least 1).
    pub fn len_days(&self) -> usize {
        // start <= end by construction, so the difference is non-negative.
        (self.end - self.start).num_days() as usize + 1
    }
    /// Whether `d` lies in the span.
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.start <= d && d <= self.end
    }
    /// Every date of the span in ascending order.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.start.iter_days().take_while(move |d| *d <= self.end)
    }
    /// The span of `n` days that starts the day after `self.end()`, e.g. a forecast horizon.
    pub fn following(&self, n: Horizon) -> DateSpan {
        let start = self.end + Days::new(1);
        DateSpan {
            start,
            end: start + Days::new(u64::from(n.days()) - 1),
        }
    }
}

/// Number of days to forecast after the origin; 185 by default in `config.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u32")]
pub struct Horizon(u32);

impl Horizon {
    /// Smallest horizon accepted.
    pub const MIN: u32 = 1;
    /// Largest horizon accepted (ten years of days).
    pub const MAX: u32 = 3660;
    /// A horizon of `days` days, `MIN..=MAX`.
    pub fn new(days: i64) -> Result<Self, CoreError> {
        if (i64::from(Self::MIN)..=i64::from(Self::MAX)).contains(&days) {
            Ok(Self(days as u32))
        } else {
            Err(CoreError::InvalidHorizon {
                got: days,
                min: Self::MIN,
                max: Self::MAX,
            })
        }
    }
    /// The number of days.
    pub fn days(&self) -> u32 {
        self.0
    }
}

impl TryFrom<i64> for Horizon {
    type Error = CoreError;
    fn try_from(v: i64) -> Result<Self, CoreError> {
        Horizon::new(v)
    }
}

impl From<Horizon> for u32 {
    fn from(h: Horizon) -> u32 {
        h.0
    }
}

/// Lower-case hexadecimal rendering of bytes (digests in reports and manifests).
pub fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 0x0f)] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn span_rejects_reversed_dates() {
        let err = DateSpan::new(d("2020-01-02"), d("2020-01-01")).unwrap_err();
        assert_eq!(
            err,
            CoreError::InvalidSpan {
                start: d("2020-01-02"),
                end: d("2020-01-01")
            }
        );
    }

    #[test]
    fn demo_history_has_2891_days_and_horizon_matches_domain() {
        let s = DateSpan::new(d("2018-01-01"), d("2025-11-30")).unwrap();
        assert_eq!(s.len_days(), 2891);
        assert_eq!(s.dates().count(), 2891);
        let h = s.following(Horizon::new(185).unwrap());
        assert_eq!(h.start(), d("2025-12-01"));
        assert_eq!(h.end(), d("2026-06-03"));
        assert_eq!(h.len_days(), 185);
    }

    #[test]
    fn horizon_bounds_are_checked() {
        assert!(Horizon::new(0).is_err());
        assert!(Horizon::new(-3).is_err());
        assert_eq!(Horizon::new(185).unwrap().days(), 185);
        let e: Result<Horizon, _> = serde_json::from_str("0");
        assert!(e.is_err());
    }

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(to_hex(&[0x00, 0x0f, 0xab]), "000fab");
    }
}

/// How rows that share a date (transaction-level input) become one daily value
/// (`source.aggregate`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// Decided from the rows: [`Aggregate::Sum`] when most dates have several different rows
    /// (transactions or readings through the day) and no column tells series apart, else
    /// [`Aggregate::None`].
    #[default]
    Auto,
    /// One row per date is expected; repeated dates are duplicates (flagged, one kept).
    None,
    /// The day's value is the sum of its rows' values.
    Sum,
    /// The day's value is the number of its rows (e.g. tickets).
    Count,
    /// The day's value is the mean of its rows' values.
    Mean,
}
