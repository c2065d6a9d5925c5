//! Which days an intervention touches, absolute or relative to the horizon.
//!
//! A day selector ([`Dia`]) is either a date (`2025-12-24`) or a map relative to the horizon:
//!
//! | selector | means |
//! |---|---|
//! | `{dia: 1}` | the first day of the horizon (1-based; `{dia: -1}` is the last) |
//! | `{dia_semana: sabado, n: 1}` | the first Saturday of the horizon (`n: -1`: the last) |
//! | `{mes: 3}` | the 3rd calendar month the horizon touches (month 1 holds its first day), whole |
//! | `{mes: 1, completo: true}` | the first month the horizon covers completely |
//! | `{mes: diciembre}` | the first December from the horizon's first month on |
//! | `{mes: 3, dia: 15}` | the 15th of that month (`dia: -1`: its last day) |
//! | `{mes: 3, dia_semana: sabado, n: 1}` | the first Saturday of that month (`n: -1`: the last) |
//!
//! An intervention names its days with `en: <selector>` (the selector's own day or month) or
//! with `desde: <selector>, hasta: <selector>` (from the start of the first to the end of the
//! second; a named month in `hasta` is the first one on or after `desde`), optionally only on
//! some weekdays (`dias_semana: [sabado]`).
//!
//! Selectors are counted on the calendar, then clipped to the horizon: days wholly outside
//! skip the intervention with a Spanish note (a scenario all of whose interventions are
//! skipped is skipped), days partly outside are clipped with a note. Only settings that are
//! wrong whatever the horizon (`hasta` before `desde` where that does not depend on the
//! horizon, `dia: 0`, `n` without `dia_semana`, `febrero` day 30, ...) are errors.

use std::fmt;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{bad, SimError};

/// Day of the week, in the business's Spanish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiaSemana {
    /// Monday.
    Lunes,
    /// Tuesday.
    Martes,
    /// Wednesday.
    Miercoles,
    /// Thursday.
    Jueves,
    /// Friday.
    Viernes,
    /// Saturday.
    Sabado,
    /// Sunday.
    Domingo,
}

impl DiaSemana {
    /// The chrono weekday.
    pub fn weekday(self) -> Weekday {
        match self {
            DiaSemana::Lunes => Weekday::Mon,
            DiaSemana::Martes => Weekday::Tue,
            DiaSemana::Miercoles => Weekday::Wed,
            DiaSemana::Jueves => Weekday::Thu,
            DiaSemana::Viernes => Weekday::Fri,
            DiaSemana::Sabado => Weekday::Sat,
            DiaSemana::Domingo => Weekday::Sun,
        }
    }

    /// The name as a planner writes it (with accents).
    pub fn nombre(self) -> &'static str {
        match self {
            DiaSemana::Lunes => "lunes",
            DiaSemana::Martes => "martes",
            DiaSemana::Miercoles => "miércoles",
            DiaSemana::Jueves => "jueves",
            DiaSemana::Viernes => "viernes",
            DiaSemana::Sabado => "sábado",
            DiaSemana::Domingo => "domingo",
        }
    }
}

/// A calendar month by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum NombreMes {
    Enero,
    Febrero,
    Marzo,
    Abril,
    Mayo,
    Junio,
    Julio,
    Agosto,
    Septiembre,
    Octubre,
    Noviembre,
    Diciembre,
}

const MESES: [(&str, NombreMes); 12] = [
    ("enero", NombreMes::Enero),
    ("febrero", NombreMes::Febrero),
    ("marzo", NombreMes::Marzo),
    ("abril", NombreMes::Abril),
    ("mayo", NombreMes::Mayo),
    ("junio", NombreMes::Junio),
    ("julio", NombreMes::Julio),
    ("agosto", NombreMes::Agosto),
    ("septiembre", NombreMes::Septiembre),
    ("octubre", NombreMes::Octubre),
    ("noviembre", NombreMes::Noviembre),
    ("diciembre", NombreMes::Diciembre),
];

impl NombreMes {
    /// 1..=12.
    pub fn numero(self) -> u32 {
        MESES
            .iter()
            .position(|m| m.1 == self)
            .map_or(1, |i| i as u32 + 1)
    }

    /// The longest the month can be (29 for February).
    fn max_dias(self) -> u32 {
        match self.numero() {
            2 => 29,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }
}

/// A month of a selector: the n-th calendar month of the horizon (a number) or a month by
/// name (the first such month from the horizon's first month on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mes {
    /// 1 = the month holding the horizon's first day.
    Ordinal(u32),
    /// The first month of this name from the horizon's first month on.
    Nombre(NombreMes),
}

impl Serialize for Mes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Mes::Ordinal(k) => s.serialize_u32(*k),
            Mes::Nombre(m) => m.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Mes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Mes;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a month of the horizon (1, 2, ...) or a month name (enero ... diciembre)",
                )
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Mes, E> {
                u32::try_from(v)
                    .map(Mes::Ordinal)
                    .map_err(|_| E::custom(format!("month {v} is too large")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Mes, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom(format!("expected 1, 2, ... or a month name, got {v}")))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Mes, E> {
                if let Ok(k) = v.trim().parse::<u64>() {
                    return self.visit_u64(k);
                }
                let low = v.trim().to_lowercase();
                MESES
                    .iter()
                    .find(|m| m.0 == low || (low == "setiembre" && m.0 == "septiembre"))
                    .map(|m| Mes::Nombre(m.1))
                    .ok_or_else(|| {
                        E::custom(format!(
                            "unknown month `{v}`, expected a number (1 = the horizon's first month) or one of {}",
                            MESES.map(|m| m.0).join(", ")
                        ))
                    })
            }
        }
        d.deserialize_any(V)
    }
}

/// A day or month relative to the horizon (see the module docs for the forms).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relativo {
    /// Day: of the horizon (1-based, negative from its end), or of `mes` (day of the month).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dia: Option<i32>,
    /// A month of the horizon (1, 2, ...) or by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mes: Option<Mes>,
    /// With `n`: the n-th such weekday (of `mes`, or of the horizon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dia_semana: Option<DiaSemana>,
    /// Which `dia_semana`: 1 = the first, -1 = the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<i32>,
    /// Count only months the horizon covers completely (`mes` numbers) or take the first
    /// complete one (`mes` names).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub completo: bool,
}

/// A day selector: a date, or a day or month relative to the horizon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dia {
    /// An absolute date (`2025-12-24`).
    Fecha(NaiveDate),
    /// Relative to the horizon (`{dia: 1}`, `{mes: 3}`, ...).
    Relativo(Relativo),
}

impl From<NaiveDate> for Dia {
    fn from(d: NaiveDate) -> Self {
        Dia::Fecha(d)
    }
}

impl Serialize for Dia {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Dia::Fecha(d) => d.serialize(s),
            Dia::Relativo(r) => r.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Dia {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Dia;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date YYYY-MM-DD or a selector such as {dia: 1}, {mes: 3} or {mes: 1, dia_semana: sabado, n: 1}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Dia, E> {
                v.trim().parse::<NaiveDate>().map(Dia::Fecha).map_err(|_| {
                    E::custom(format!(
                        "`{v}` is not a date YYYY-MM-DD; relative days are maps such as {{dia: 1}} or {{mes: 3}}"
                    ))
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Dia, A::Error> {
                Relativo::deserialize(de::value::MapAccessDeserializer::new(map)).map(Dia::Relativo)
            }
        }
        d.deserialize_any(V)
    }
}

/// Which days an intervention touches: `en` (one selector) or `desde`/`hasta`, optionally
/// only some weekdays.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dias {
    /// The selector's own day or month (instead of `desde`/`hasta`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<Dia>,
    /// From the start of this day or month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desde: Option<Dia>,
    /// To the end of this day or month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hasta: Option<Dia>,
    /// Only these weekdays (empty: every day).
    #[serde(default)]
    pub dias_semana: Vec<DiaSemana>,
}

impl Dias {
    /// From `desde` to `hasta`, absolute dates.
    pub fn span(desde: NaiveDate, hasta: NaiveDate) -> Dias {
        Dias {
            desde: Some(Dia::Fecha(desde)),
            hasta: Some(Dia::Fecha(hasta)),
            ..Dias::default()
        }
    }

    /// One selector.
    pub fn en(dia: impl Into<Dia>) -> Dias {
        Dias {
            en: Some(dia.into()),
            ..Dias::default()
        }
    }
}

/// The horizon's first and last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizonte {
    /// First day.
    pub first: NaiveDate,
    /// Last day.
    pub last: NaiveDate,
}

/// Days of one intervention in the horizon, or why it was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expansion {
    /// The days (inside the horizon, ascending, not empty), with a note when clipped.
    Dias {
        /// The days.
        dias: Vec<NaiveDate>,
        /// Set when the selection was clipped to the horizon.
        nota: Option<String>,
    },
    /// No day of the horizon: the reason, in Spanish.
    Omitida(String),
}

/// What a selector resolves to on the calendar (before clipping).
enum Resuelto {
    Span(NaiveDate, NaiveDate),
    /// Does not exist for this horizon (a 5th Saturday, 30 February, past the calendar).
    NoExiste(String),
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn last_of_month(m: NaiveDate) -> Option<NaiveDate> {
    first_of_month(m)
        .checked_add_months(Months::new(1))
        .and_then(|n| n.pred_opt())
}

fn ordinal(n: i32) -> String {
    if n > 0 {
        format!("{n}.º")
    } else if n == -1 {
        "último".into()
    } else {
        format!("{}.º desde el final", -n)
    }
}

const FUERA_CAL: &str = "la fecha pedida queda fuera del calendario";

impl Relativo {
    /// Checks what is wrong whatever the horizon.
    fn check(&self, key: &str) -> Result<(), SimError> {
        if self.dia.is_none() && self.mes.is_none() && self.dia_semana.is_none() && self.n.is_none()
        {
            return Err(bad(
                key.into(),
                "an empty selector: give dia, mes or dia_semana with n",
            ));
        }
        if self.dia == Some(0) {
            return Err(bad(
                format!("{key}.dia"),
                "1 is the first day and -1 the last; 0 is not a day",
            ));
        }
        if self.dia.is_some() && self.dia_semana.is_some() {
            return Err(bad(
                format!("{key}.dia_semana"),
                "give dia or dia_semana with n, not both",
            ));
        }
        match (self.dia_semana, self.n) {
            (Some(_), None) => {
                return Err(bad(
                    format!("{key}.n"),
                    "dia_semana needs n (1 = the first, -1 = the last); for every such weekday use the intervention's dias_semana",
                ))
            }
            (None, Some(_)) => {
                return Err(bad(format!("{key}.n"), "n needs dia_semana"));
            }
            (Some(_), Some(0)) => {
                return Err(bad(
                    format!("{key}.n"),
                    "1 is the first and -1 the last; 0 is not allowed",
                ))
            }
            (Some(_), Some(n)) if self.mes.is_some() && !(-5..=5).contains(&n) => {
                return Err(bad(
                    format!("{key}.n"),
                    format!("a month has at most 5 of each weekday, got {n}"),
                ))
            }
            _ => {}
        }
        if self.completo && self.mes.is_none() {
            return Err(bad(format!("{key}.completo"), "completo needs mes"));
        }
        match self.mes {
            Some(Mes::Ordinal(0)) => {
                return Err(bad(
                    format!("{key}.mes"),
                    "1 is the horizon's first month; 0 is not a month",
                ))
            }
            Some(m) => {
                if let Some(d) = self.dia {
                    let max = match m {
                        Mes::Nombre(n) => n.max_dias(),
                        Mes::Ordinal(_) => 31,
                    };
                    if d.unsigned_abs() > max {
                        return Err(bad(
                            format!("{key}.dia"),
                            format!("the month has at most {max} days, got {d}"),
                        ));
                    }
                }
            }
            None => {}
        }
        Ok(())
    }

    /// The month this selector names: its first day, from `anchor` (the horizon's first day,
    /// or `desde` for a named month in `hasta`).
    fn month(&self, m: Mes, h: &Horizonte, anchor: NaiveDate) -> Option<NaiveDate> {
        match m {
            Mes::Ordinal(k) => {
                let base = if self.completo && h.first.day() != 1 {
                    first_of_month(h.first).checked_add_months(Months::new(1))?
                } else {
                    first_of_month(h.first)
                };
                base.checked_add_months(Months::new(k - 1))
            }
            Mes::Nombre(name) => {
                let start = if self.completo && anchor.day() != 1 {
                    first_of_month(anchor).checked_add_months(Months::new(1))?
                } else {
                    first_of_month(anchor)
                };
                let ahead = (name.numero() + 12 - start.month()) % 12;
                start.checked_add_months(Months::new(ahead))
            }
        }
    }

    fn resolve(&self, h: &Horizonte, anchor: NaiveDate) -> Resuelto {
        let out = |x: Option<Resuelto>| x.unwrap_or_else(|| Resuelto::NoExiste(FUERA_CAL.into()));
        if let Some(m) = self.mes {
            let Some(ms) = self.month(m, h, anchor) else {
                return out(None);
            };
            let Some(me) = last_of_month(ms) else {
                return out(None);
            };
            let label = ms.format("%Y-%m");
            if let Some(d) = self.dia {
                let day = if d > 0 {
                    ms.with_day(d as u32)
                } else {
                    me.checked_sub_days(Days::new(u64::from(d.unsigned_abs() - 1)))
                        .filter(|x| *x >= ms)
                };
                return match day {
                    Some(x) => Resuelto::Span(x, x),
                    None => Resuelto::NoExiste(format!("el mes {label} no tiene día {d}")),
                };
            }
            if let (Some(w), Some(n)) = (self.dia_semana, self.n) {
                let hits: Vec<NaiveDate> = ms
                    .iter_days()
                    .take_while(|x| *x <= me)
                    .filter(|x| x.weekday() == w.weekday())
                    .collect();
                let pick = if n > 0 {
                    hits.get(n as usize - 1)
                } else {
                    hits.len()
                        .checked_sub(n.unsigned_abs() as usize)
                        .and_then(|i| hits.get(i))
                };
                return match pick {
                    Some(x) => Resuelto::Span(*x, *x),
                    None => Resuelto::NoExiste(format!(
                        "el mes {label} no tiene un {} {}",
                        ordinal(n),
                        w.nombre()
                    )),
                };
            }
            return Resuelto::Span(ms, me);
        }
        if let Some(d) = self.dia {
            let x = if d > 0 {
                h.first.checked_add_days(Days::new(u64::from(d as u32 - 1)))
            } else {
                h.last
                    .checked_sub_days(Days::new(u64::from(d.unsigned_abs() - 1)))
            };
            return out(x.map(|x| Resuelto::Span(x, x)));
        }
        if let (Some(w), Some(n)) = (self.dia_semana, self.n) {
            let x = if n > 0 {
                let lead = (7 + w.weekday().num_days_from_monday()
                    - h.first.weekday().num_days_from_monday())
                    % 7;
                h.first
                    .checked_add_days(Days::new(u64::from(lead) + 7 * u64::from(n as u32 - 1)))
            } else {
                let lag = (7 + h.last.weekday().num_days_from_monday()
                    - w.weekday().num_days_from_monday())
                    % 7;
                h.last.checked_sub_days(Days::new(
                    u64::from(lag) + 7 * u64::from(n.unsigned_abs() - 1),
                ))
            };
            return out(x.map(|x| Resuelto::Span(x, x)));
        }
        out(None)
    }
}

impl Dia {
    fn check(&self, key: &str) -> Result<(), SimError> {
        match self {
            Dia::Fecha(_) => Ok(()),
            Dia::Relativo(r) => r.check(key),
        }
    }

    fn resolve(&self, h: &Horizonte, anchor: NaiveDate) -> Resuelto {
        match self {
            Dia::Fecha(d) => Resuelto::Span(*d, *d),
            Dia::Relativo(r) => r.resolve(h, anchor),
        }
    }
}

/// `hasta` before `desde` whatever the horizon: both dates, both days of the horizon counted
/// the same way, or numbered months of the same kind.
fn statically_reversed(a: &Dia, b: &Dia) -> Option<String> {
    match (a, b) {
        (Dia::Fecha(x), Dia::Fecha(y)) if y < x => Some(format!("{y} is before desde {x}")),
        (Dia::Relativo(x), Dia::Relativo(y)) => {
            let plain = |r: &Relativo| r.mes.is_none() && r.dia_semana.is_none();
            if plain(x) && plain(y) {
                let (p, q) = (x.dia?, y.dia?);
                if p.signum() == q.signum() && q < p {
                    return Some(format!("day {q} is before desde's day {p}"));
                }
                return None;
            }
            match (x.mes?, y.mes?) {
                (Mes::Ordinal(p), Mes::Ordinal(q)) if x.completo == y.completo => {
                    if q < p {
                        return Some(format!("month {q} is before desde's month {p}"));
                    }
                    if q == p {
                        if let (Some(c), Some(d)) = (x.dia, y.dia) {
                            if c.signum() == d.signum() && d < c {
                                return Some(format!(
                                    "day {d} of month {q} is before desde's day {c}"
                                ));
                            }
                        }
                    }
                    None
                }
                _ => None,
            }
        }
        _ => None,
    }
}

impl Dias {
    /// Checks what is wrong whatever the horizon; `key` is `simulate.scenarios[i].intervenciones[j]`.
    pub fn check(&self, key: &str) -> Result<(), SimError> {
        match (&self.en, &self.desde, &self.hasta) {
            (Some(e), None, None) => e.check(&format!("{key}.en")),
            (Some(_), _, _) => Err(bad(
                format!("{key}.en"),
                "give either en or desde and hasta, not both",
            )),
            (None, Some(a), Some(b)) => {
                a.check(&format!("{key}.desde"))?;
                b.check(&format!("{key}.hasta"))?;
                if let Some(why) = statically_reversed(a, b) {
                    return Err(bad(format!("{key}.hasta"), why));
                }
                if let (Dia::Fecha(x), Dia::Fecha(y)) = (a, b) {
                    let wanted: Vec<Weekday> =
                        self.dias_semana.iter().map(|w| w.weekday()).collect();
                    if !wanted.is_empty()
                        && !x
                            .iter_days()
                            .take_while(|d| d <= y)
                            .take(7)
                            .any(|d| wanted.contains(&d.weekday()))
                    {
                        return Err(bad(
                            format!("{key}.dias_semana"),
                            "no day of the span matches these weekdays",
                        ));
                    }
                }
                Ok(())
            }
            (None, Some(_), None) => Err(bad(
                format!("{key}.hasta"),
                "desde needs hasta (for one day or month alone use en)",
            )),
            (None, None, Some(_)) => Err(bad(format!("{key}.desde"), "hasta needs desde")),
            (None, None, None) => Err(bad(
                format!("{key}.en"),
                "no days: give en (e.g. {dia: 1} or {mes: 3}) or desde and hasta",
            )),
        }
    }

    /// The days in the horizon (after [`Dias::check`]): clipped with a note, or skipped with
    /// the reason. Never an error.
    pub fn expand(&self, h: &Horizonte) -> Expansion {
        let (s, e) = match (&self.en, &self.desde, &self.hasta) {
            (Some(x), _, _) => match x.resolve(h, h.first) {
                Resuelto::Span(s, e) => (s, e),
                Resuelto::NoExiste(why) => return Expansion::Omitida(why),
            },
            (None, Some(a), Some(b)) => {
                let s = match a.resolve(h, h.first) {
                    Resuelto::Span(s, _) => s,
                    Resuelto::NoExiste(why) => return Expansion::Omitida(format!("desde: {why}")),
                };
                let e = match b.resolve(h, s) {
                    Resuelto::Span(_, e) => e,
                    Resuelto::NoExiste(why) => return Expansion::Omitida(format!("hasta: {why}")),
                };
                if e < s {
                    return Expansion::Omitida(format!(
                        "en este horizonte `hasta` ({e}) cae antes de `desde` ({s})"
                    ));
                }
                (s, e)
            }
            _ => return Expansion::Omitida("sin días".into()),
        };
        let (cs, ce) = (s.max(h.first), e.min(h.last));
        let span = if s == e {
            format!("{s}")
        } else {
            format!("{s} a {e}")
        };
        if cs > ce {
            return Expansion::Omitida(format!(
                "sus días ({span}) quedan fuera del horizonte ({} a {})",
                h.first, h.last
            ));
        }
        let wanted: Vec<Weekday> = self.dias_semana.iter().map(|w| w.weekday()).collect();
        let dias: Vec<NaiveDate> = cs
            .iter_days()
            .take_while(|x| *x <= ce)
            .filter(|x| wanted.is_empty() || wanted.contains(&x.weekday()))
            .collect();
        if dias.is_empty() {
            let names: Vec<&str> = self.dias_semana.iter().map(|w| w.nombre()).collect();
            return Expansion::Omitida(format!(
                "entre {cs} y {ce} no hay ningún {}",
                names.join(" ni ")
            ));
        }
        let nota = (cs != s || ce != e).then(|| {
            format!(
                "recortada al horizonte: de {span} quedan {cs} a {ce} ({} días)",
                (ce - cs).num_days() + 1
            )
        });
        Expansion::Dias { dias, nota }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn h(first: NaiveDate, days: u64) -> Horizonte {
        Horizonte {
            first,
            last: first + Days::new(days - 1),
        }
    }

    fn sel(yaml: &str) -> Dias {
        let dias: Dias = serde_yaml::from_str(yaml).unwrap();
        dias.check("k").unwrap();
        dias
    }

    fn days(yaml: &str, hz: &Horizonte) -> (Vec<NaiveDate>, Option<String>) {
        match sel(yaml).expand(hz) {
            Expansion::Dias { dias, nota } => (dias, nota),
            Expansion::Omitida(why) => panic!("skipped: {why}"),
        }
    }

    fn skipped(yaml: &str, hz: &Horizonte) -> String {
        match sel(yaml).expand(hz) {
            Expansion::Omitida(why) => why,
            other => panic!("expected a skip, got {other:?}"),
        }
    }

    fn check_err(yaml: &str) -> String {
        let dias: Dias = serde_yaml::from_str(yaml).unwrap();
        match dias.check("k") {
            Err(SimError::InvalidConfig { key, message }) => format!("{key}: {message}"),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    /// 2018-01-28 (a Sunday) + 185 days: to 2018-07-31.
    fn kiel() -> Horizonte {
        h(d(2018, 1, 28), 185)
    }

    #[test]
    fn days_of_the_horizon_count_from_one_and_from_the_end() {
        let hz = kiel();
        assert_eq!(hz.last, d(2018, 7, 31));
        assert_eq!(days("en: {dia: 1}", &hz), (vec![d(2018, 1, 28)], None));
        assert_eq!(days("en: {dia: 10}", &hz).0, vec![d(2018, 2, 6)]);
        assert_eq!(days("en: {dia: -1}", &hz).0, vec![hz.last]);
        assert_eq!(days("en: {dia: 185}", &hz).0, vec![hz.last]);
        let (v, nota) = days("{desde: {dia: 10}, hasta: {dia: 12}}", &hz);
        assert_eq!(v, vec![d(2018, 2, 6), d(2018, 2, 7), d(2018, 2, 8)]);
        assert!(nota.is_none());
        assert!(skipped("en: {dia: 186}", &hz).contains("fuera del horizonte"));
        // Partly past the end: clipped with a note.
        let (v, nota) = days("{desde: {dia: 180}, hasta: {dia: 200}}", &hz);
        assert_eq!(v.len(), 6);
        assert!(nota.unwrap().contains("recortada"));
    }

    #[test]
    fn months_are_calendar_months_of_the_horizon_clipped_to_it() {
        let hz = kiel();
        // Month 1 holds the first day: only 28..=31 January are in the horizon.
        let (v, nota) = days("en: {mes: 1}", &hz);
        assert_eq!(v, (28..=31).map(|x| d(2018, 1, x)).collect::<Vec<_>>());
        assert!(nota.unwrap().contains("2018-01-01 a 2018-01-31"));
        // Month 2 is February (28 days), month 3 March, month 7 July (the last, whole).
        assert_eq!(days("en: {mes: 2}", &hz).0.len(), 28);
        let (v, nota) = days("en: {mes: 3}", &hz);
        assert_eq!((v[0], *v.last().unwrap()), (d(2018, 3, 1), d(2018, 3, 31)));
        assert!(nota.is_none());
        assert_eq!(days("en: {mes: 7}", &hz).0.last(), Some(&d(2018, 7, 31)));
        // Month 8 (August) is past the end: skipped.
        assert!(skipped("en: {mes: 8}", &hz).contains("2018-08-01 a 2018-08-31"));
        // The first complete month is February here, January on a horizon from the 1st.
        assert_eq!(
            days("en: {mes: 1, completo: true}", &hz).0[0],
            d(2018, 2, 1)
        );
        let dec = h(d(2025, 12, 1), 185);
        assert_eq!(
            days("en: {mes: 1, completo: true}", &dec).0[0],
            d(2025, 12, 1)
        );
        // Across a year boundary.
        assert_eq!(days("en: {mes: 3}", &dec).0[0], d(2026, 2, 1));
        // Months span desde/hasta: the start of the first to the end of the second.
        let (v, _) = days("{desde: {mes: 2}, hasta: {mes: 3}}", &hz);
        assert_eq!((v[0], *v.last().unwrap()), (d(2018, 2, 1), d(2018, 3, 31)));
    }

    #[test]
    fn a_day_of_a_month_and_the_nth_weekday() {
        let hz = kiel();
        assert_eq!(days("en: {mes: 3, dia: 15}", &hz).0, vec![d(2018, 3, 15)]);
        assert_eq!(days("en: {mes: 2, dia: -1}", &hz).0, vec![d(2018, 2, 28)]);
        // The first Saturday of January 2018 (the 6th) is before the horizon: skipped.
        assert!(
            skipped("en: {mes: 1, dia_semana: sabado, n: 1}", &hz).contains("fuera del horizonte")
        );
        assert_eq!(
            days("en: {mes: 2, dia_semana: sabado, n: 1}", &hz).0,
            vec![d(2018, 2, 3)]
        );
        assert_eq!(
            days("en: {mes: 3, dia_semana: sabado, n: -1}", &hz).0,
            vec![d(2018, 3, 31)]
        );
        // March 2018 has five Saturdays, February four.
        assert_eq!(
            days("en: {mes: 3, dia_semana: sabado, n: 5}", &hz).0,
            vec![d(2018, 3, 31)]
        );
        let why = skipped("en: {mes: 2, dia_semana: sabado, n: 5}", &hz);
        assert!(why.contains("no tiene un 5.º sábado"), "{why}");
        // 31 February does not exist in an ordinal month: skipped, not an error.
        assert!(skipped("en: {mes: 2, dia: 31}", &hz).contains("no tiene día 31"));
        // The n-th weekday of the horizon, from its start or its end.
        assert_eq!(
            days("en: {dia_semana: sabado, n: 1}", &hz).0,
            vec![d(2018, 2, 3)]
        );
        assert_eq!(
            days("en: {dia_semana: domingo, n: 1}", &hz).0,
            vec![d(2018, 1, 28)]
        );
        assert_eq!(
            days("en: {dia_semana: martes, n: -1}", &hz).0,
            vec![d(2018, 7, 31)]
        );
        assert!(skipped("en: {dia_semana: lunes, n: 40}", &hz).contains("fuera del horizonte"));
    }

    #[test]
    fn named_months_are_the_next_one_in_the_horizon() {
        let hz = kiel();
        assert_eq!(days("en: {mes: marzo}", &hz).0[0], d(2018, 3, 1));
        // January is the horizon's first month: the partial January 2018, clipped.
        assert_eq!(days("en: {mes: enero}", &hz).0[0], d(2018, 1, 28));
        // ... unless a complete one is asked for: January 2019, past the end.
        assert!(skipped("en: {mes: enero, completo: true}", &hz).contains("2019-01-01"));
        // The next December is past this horizon's end: skipped with the reason.
        let why = skipped("en: {mes: diciembre, dia: 24}", &hz);
        assert!(
            why.contains("2018-12-24") && why.contains("fuera del horizonte"),
            "{why}"
        );
        let dec = h(d(2025, 12, 1), 185);
        assert_eq!(
            days("en: {mes: diciembre, dia: 24}", &dec).0,
            vec![d(2025, 12, 24)]
        );
        // In hasta, a named month is the first one on or after desde: December to January.
        let (v, _) = days(
            "{desde: {mes: diciembre}, hasta: {mes: enero}}",
            &h(d(2025, 11, 15), 185),
        );
        assert_eq!((v[0], *v.last().unwrap()), (d(2025, 12, 1), d(2026, 1, 31)));
        // 29 February only in leap years.
        let leap = h(d(2024, 1, 1), 185);
        assert_eq!(
            days("en: {mes: febrero, dia: 29}", &leap).0,
            vec![d(2024, 2, 29)]
        );
        assert!(skipped("en: {mes: febrero, dia: 29}", &hz).contains("no tiene día 29"));
    }

    #[test]
    fn absolute_dates_still_work_and_are_clipped_or_skipped() {
        let hz = kiel();
        let (v, nota) = days(
            "{desde: 2018-03-01, hasta: 2018-03-31, dias_semana: [sabado]}",
            &hz,
        );
        assert_eq!(v.len(), 5);
        assert!(nota.is_none());
        assert_eq!(days("en: 2018-05-01", &hz).0, vec![d(2018, 5, 1)]);
        let why = skipped("{desde: 2025-12-01, hasta: 2025-12-31}", &hz);
        assert_eq!(
            why,
            "sus días (2025-12-01 a 2025-12-31) quedan fuera del horizonte (2018-01-28 a 2018-07-31)"
        );
        let (v, nota) = days("{desde: 2018-07-30, hasta: 2018-08-30}", &hz);
        assert_eq!(v.len(), 2);
        assert_eq!(
            nota.unwrap(),
            "recortada al horizonte: de 2018-07-30 a 2018-08-30 quedan 2018-07-30 a 2018-07-31 (2 días)"
        );
        // A clipped span without the wanted weekday is skipped.
        let why = skipped(
            "{desde: 2018-07-30, hasta: 2018-08-30, dias_semana: [sabado]}",
            &hz,
        );
        assert_eq!(why, "entre 2018-07-30 y 2018-07-31 no hay ningún sábado");
    }

    #[test]
    fn invalid_selectors_are_errors_naming_the_field() {
        for (yaml, want) in [
            ("{desde: 2018-03-10, hasta: 2018-03-01}", "k.hasta: "),
            ("{desde: {dia: 10}, hasta: {dia: 5}}", "k.hasta: "),
            ("{desde: {mes: 3}, hasta: {mes: 2}}", "k.hasta: "),
            (
                "{desde: {mes: 3, dia: 9}, hasta: {mes: 3, dia: 2}}",
                "k.hasta: ",
            ),
            ("en: {dia: 0}", "k.en.dia: "),
            ("en: {mes: 0}", "k.en.mes: "),
            ("en: {}", "k.en: "),
            ("en: {mes: 2, dia_semana: sabado}", "k.en.n: "),
            ("en: {n: 2}", "k.en.n: "),
            ("en: {mes: 2, dia_semana: sabado, n: 6}", "k.en.n: "),
            ("en: {dia_semana: sabado, n: 0}", "k.en.n: "),
            (
                "en: {dia: 3, dia_semana: sabado, n: 1}",
                "k.en.dia_semana: ",
            ),
            ("en: {dia: 3, completo: true}", "k.en.completo: "),
            ("en: {mes: febrero, dia: 30}", "k.en.dia: "),
            ("en: {mes: 4, dia: 32}", "k.en.dia: "),
            ("{en: {dia: 1}, desde: {dia: 1}, hasta: {dia: 2}}", "k.en: "),
            ("{desde: {dia: 1}}", "k.hasta: "),
            ("{hasta: {dia: 1}}", "k.desde: "),
            ("{dias_semana: [sabado]}", "k.en: "),
            (
                "{desde: 2018-03-05, hasta: 2018-03-06, dias_semana: [sabado]}",
                "k.dias_semana: ",
            ),
        ] {
            let e = check_err(yaml);
            assert!(e.starts_with(want), "{yaml}: {e}");
        }
        // Horizon-dependent order is not an error: a skip with the reason.
        let why = skipped(
            "{desde: {dia_semana: sabado, n: 3}, hasta: {dia: 3}}",
            &kiel(),
        );
        assert!(why.contains("cae antes de"), "{why}");
    }

    #[test]
    fn unknown_keys_months_and_weekdays_are_refused_when_read() {
        for (yaml, want) in [
            ("en: {dia: 1, semana: 2}", "semana"),
            ("en: {mes: dicembre}", "dicembre"),
            ("en: {mes: 1, dia_semana: sabadoo, n: 1}", "sabadoo"),
            ("en: 2018-02-30", "not a date"),
            ("{en: {dia: 1}, dias_semana: [feriado]}", "feriado"),
        ] {
            let e = serde_yaml::from_str::<Dias>(yaml).unwrap_err().to_string();
            assert!(e.contains(want), "{yaml}: {e}");
        }
        assert_eq!(
            serde_yaml::from_str::<Dias>("en: {mes: Setiembre}").unwrap(),
            Dias::en(Dia::Relativo(Relativo {
                mes: Some(Mes::Nombre(NombreMes::Septiembre)),
                ..Relativo::default()
            }))
        );
    }

    #[test]
    fn selectors_round_trip_through_yaml() {
        for yaml in [
            "en: 2025-12-24\ndias_semana: []\n",
            "en:\n  dia: -1\ndias_semana: []\n",
            "en:\n  mes: 1\n  completo: true\ndias_semana:\n- sabado\n",
            "desde:\n  mes: diciembre\n  dia_semana: sabado\n  n: 1\nhasta:\n  mes: 3\ndias_semana: []\n",
        ] {
            let d: Dias = serde_yaml::from_str(yaml).unwrap();
            assert_eq!(serde_yaml::to_string(&d).unwrap(), yaml);
        }
    }
}
