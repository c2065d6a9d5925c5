//! Numbers and dates as a planner reads them: es-CO (`101.523,5`, `12,3 %`, `1 dic 2025`) or
//! English (`101,523.5`, `12.3 %`, `1 Dec 2025`). One formatter for the page, the figures and
//! the executive summary, so the same value reads the same everywhere.

use serde::{Deserialize, Serialize};

/// The language of what the planner reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Spanish (Colombia): `.` groups thousands, `,` separates decimals.
    #[default]
    Es,
    /// English: `,` groups thousands, `.` separates decimals.
    En,
}

impl Lang {
    /// The page's `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Es => "es-CO",
            Lang::En => "en",
        }
    }

    /// `es` or `en` by language.
    pub fn pick<'a>(self, es: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Es => es,
            Lang::En => en,
        }
    }
}

/// `v` rounded to `decimals` with thousands grouped: `101.523,5` (es) or `101,523.5` (en).
/// A value that rounds to zero prints without a sign; a non-finite value prints `—`.
pub fn number(v: f64, decimals: usize, lang: Lang) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let (group, point) = match lang {
        Lang::Es => ('.', ','),
        Lang::En => (',', '.'),
    };
    let text = format!("{:.*}", decimals, v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(c);
    }
    let zero = text.chars().all(|c| c == '0' || c == '.');
    let mut out = String::new();
    if v < 0.0 && !zero {
        out.push('-');
    }
    out.push_str(&grouped);
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    out
}

/// A whole number of units (`24.437`).
pub fn units(v: f64, lang: Lang) -> String {
    number(v, 0, lang)
}

/// A fraction as a percentage with a space before the sign (`0.123` → `12,3 %`).
pub fn percent(fraction: f64, decimals: usize, lang: Lang) -> String {
    format!("{} %", number(100.0 * fraction, decimals, lang))
}

/// A signed number (`+892` / `-481`), for changes.
pub fn signed(v: f64, decimals: usize, lang: Lang) -> String {
    let s = number(v, decimals, lang);
    if v > 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("+{s}")
    } else {
        s
    }
}

/// A signed percentage of a fraction (`0.017` → `+1,7 %`; a change that rounds to zero has
/// no sign).
pub fn signed_percent(fraction: f64, decimals: usize, lang: Lang) -> String {
    format!("{} %", signed(100.0 * fraction, decimals, lang))
}

/// Whether an interval is too narrow to be worth stating (`upper − lower` under one unit): the
/// model then carries no uncertainty for that quantity, and the range is not shown.
pub fn degenerate(lower: f64, upper: f64) -> bool {
    !(upper - lower).is_finite() || (upper - lower).abs() < 1.0
}

const MONTHS_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS_ES: [&str; 7] = ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"];
const DAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn parts(iso: &str) -> Option<(i32, usize, u32)> {
    let mut it = iso.split('-');
    let y = it.next()?.parse().ok()?;
    let m: usize = it.next()?.parse().ok()?;
    let d = it.next().map(|d| d.parse().ok()).unwrap_or(Some(0))?;
    (1..=12).contains(&m).then_some((y, m, d))
}

/// A month's name (`mes` is `YYYY-MM` or a date): `diciembre 2025` / `December 2025`; the input
/// unchanged when it is not a date.
pub fn month_name(mes: &str, lang: Lang) -> String {
    match parts(mes) {
        Some((y, m, _)) => format!("{} {y}", month_word(m, lang)),
        None => mes.to_string(),
    }
}

fn month_word(m: usize, lang: Lang) -> &'static str {
    match lang {
        Lang::Es => MONTHS_ES[m - 1],
        Lang::En => MONTHS_EN[m - 1],
    }
}

/// The twelve month abbreviations for an axis (`ene` … `dic` / `Jan` … `Dec`).
pub fn month_abbrevs(lang: Lang) -> Vec<String> {
    (1..=12)
        .map(|m| month_word(m, lang).chars().take(3).collect())
        .collect()
}

/// The seven weekday abbreviations, Monday first.
pub fn weekday_abbrevs(lang: Lang) -> Vec<String> {
    match lang {
        Lang::Es => DAYS_ES,
        Lang::En => DAYS_EN,
    }
    .map(String::from)
    .to_vec()
}

/// A short month label for an axis: `dic 2025` / `Dec 2025`.
pub fn month_short(mes: &str, lang: Lang) -> String {
    match parts(mes) {
        Some((y, m, _)) => {
            let w: String = month_word(m, lang).chars().take(3).collect();
            format!("{w} {y}")
        }
        None => mes.to_string(),
    }
}

/// A day in words: `lun 1 dic 2025` / `Mon 1 Dec 2025` (`weekday` 0 = Monday); the input
/// unchanged when it is not a date.
pub fn day(iso: &str, weekday: Option<usize>, lang: Lang) -> String {
    let Some((y, m, d)) = parts(iso).filter(|p| p.2 > 0) else {
        return iso.to_string();
    };
    let w: String = month_word(m, lang).chars().take(3).collect();
    let wd = weekday
        .and_then(|i| match lang {
            Lang::Es => DAYS_ES.get(i),
            Lang::En => DAYS_EN.get(i),
        })
        .map(|s| format!("{s} "))
        .unwrap_or_default();
    format!("{wd}{d} {w} {y}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn es_co_groups_thousands_with_dots_and_uses_a_decimal_comma() {
        assert_eq!(number(101523.54, 1, Lang::Es), "101.523,5");
        assert_eq!(number(101523.54, 1, Lang::En), "101,523.5");
        assert_eq!(number(-1234567.0, 0, Lang::Es), "-1.234.567");
        assert_eq!(number(999.6, 0, Lang::Es), "1.000");
        assert_eq!(number(-0.001, 1, Lang::Es), "0,0");
        assert_eq!(number(12.0, 0, Lang::Es), "12");
        assert_eq!(number(f64::NAN, 0, Lang::Es), "—");
        assert_eq!(percent(0.1234, 1, Lang::Es), "12,3 %");
        assert_eq!(signed(892.04, 0, Lang::Es), "+892");
        assert_eq!(signed(-481.1, 0, Lang::Es), "-481");
        assert_eq!(signed(0.2, 0, Lang::Es), "0");
        assert_eq!(signed_percent(0.017, 1, Lang::Es), "+1,7 %");
        assert_eq!(signed_percent(0.0001, 1, Lang::Es), "0,0 %");
        assert!(degenerate(677.25, 677.26) && !degenerate(-607.0, -405.0));
    }

    #[test]
    fn months_and_days_in_words() {
        assert_eq!(month_name("2025-12", Lang::Es), "diciembre 2025");
        assert_eq!(month_name("2026-01", Lang::En), "January 2026");
        assert_eq!(month_short("2025-12-24", Lang::Es), "dic 2025");
        assert_eq!(day("2025-12-24", Some(2), Lang::Es), "mié 24 dic 2025");
        assert_eq!(day("2025-12-24", None, Lang::En), "24 Dec 2025");
        assert_eq!(month_name("total", Lang::Es), "total");
    }

    proptest::proptest! {
        /// Taking the separators out gives back the rounded number.
        #[test]
        fn grouping_never_changes_the_value(v in -1e9f64..1e9, d in 0usize..3) {
            let es = number(v, d, Lang::Es).replace('.', "").replace(',', ".");
            let plain = format!("{:.*}", d, v);
            let back: f64 = es.parse().unwrap();
            let want: f64 = plain.parse().unwrap();
            proptest::prop_assert!((back - want).abs() < 1e-9);
        }
    }
}
