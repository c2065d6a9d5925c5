//! Numbers written as text: decimal and thousands separators, read cell by cell when a cell
//! leaves no doubt ([`normalised`]) and column by column when only the whole column does
//! ([`column_grouping`]): `1.234` is 1.234 in a column of `12.5` and `0.75`, but 1234 in a
//! Colombian export of `987`, `1.234` and `2.001`.

/// Characters that group thousands besides `.` and `,`: a space, a no-break space, a narrow
/// no-break space (French, Norwegian, ISO 31-0) and an apostrophe (Swiss).
pub const GROUPING: [char; 4] = [' ', '\u{a0}', '\u{202f}', '\''];

/// Currency symbols written next to amounts (longest first, so `R$` is not read as `$`).
pub const CURRENCY_SYMBOLS: [&str; 24] = [
    "US$", "NZ$", "HK$", "R$", "C$", "A$", "S$", "$", "€", "£", "¥", "₹", "₩", "₽", "₺", "₪", "₫",
    "₱", "฿", "₴", "₦", "₡", "₲", "¢",
];

/// ISO 4217 codes written next to amounts (the currencies of the `holidays` crate's larger
/// economies); other three-letter words (`SKU 123`) are not currencies.
pub const CURRENCY_CODES: [&str; 44] = [
    "USD", "EUR", "GBP", "JPY", "CNY", "COP", "MXN", "BRL", "ARS", "CLP", "PEN", "UYU", "CAD",
    "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "ISK", "PLN", "CZK", "HUF", "RON", "RUB", "TRY",
    "UAH", "INR", "KRW", "ZAR", "ILS", "THB", "IDR", "MYR", "PHP", "SGD", "HKD", "TWD", "VND",
    "NGN", "EGP", "MAD", "KES", "AED",
];

/// `t` without the currency an amount is written with, the sign kept: a symbol of
/// [`CURRENCY_SYMBOLS`] or a code of [`CURRENCY_CODES`] before or after the digits,
/// with or without a space (`$1,200.50`, `-$12.50`, `1.200,50 €`, `COP 1.200`, `R$ 10,00`).
/// Anything else is returned as it is.
///
/// ```
/// use core_types::numbers::without_currency;
/// assert_eq!(without_currency("$1,200.50"), "1,200.50");
/// assert_eq!(without_currency("-$12.50"), "-12.50");
/// assert_eq!(without_currency("1.200,50 €"), "1.200,50");
/// assert_eq!(without_currency("COP 1.200"), "1.200");
/// assert_eq!(without_currency("12 units"), "12 units");
/// assert_eq!(without_currency("SKU 123"), "SKU 123");
/// ```
pub fn without_currency(t: &str) -> String {
    let t = t.trim();
    let (sign, body) = match t.strip_prefix(['-', '+']) {
        Some(rest) => (&t[..1], rest.trim_start()),
        None => ("", t),
    };
    let code = |s: &str| CURRENCY_CODES.contains(&s);
    let digits = |s: &str| s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
    let stripped = CURRENCY_SYMBOLS
        .iter()
        .find_map(|c| body.strip_prefix(c).or_else(|| body.strip_suffix(c)))
        .map(str::trim)
        .or_else(|| {
            let (a, b) = body.split_once(|c: char| c.is_whitespace())?;
            let (a, b) = (a.trim(), b.trim());
            match (code(a), code(b)) {
                (true, false) => Some(b),
                (false, true) => Some(a),
                _ => None,
            }
        })
        .filter(|rest| digits(rest));
    match stripped {
        Some(rest) if sign.is_empty() => rest.to_string(),
        Some(rest) => format!("{sign}{}", rest.trim_start_matches(['-', '+'])),
        None => t.to_string(),
    }
}

/// `t` with an accounting negative written as a leading minus: parentheses around an amount
/// (`(12.50)`, `($1,200.50)`, `(1.200,50 €)`) or a trailing minus (`12.50-`, as SAP and other
/// ERP exports write it). Anything else is returned as it is.
///
/// ```
/// use core_types::numbers::accounting_sign;
/// assert_eq!(accounting_sign("(12.50)"), "-12.50");
/// assert_eq!(accounting_sign("($1,200.50)"), "-$1,200.50");
/// assert_eq!(accounting_sign("1.200,50-"), "-1.200,50");
/// assert_eq!(accounting_sign("12.50"), "12.50");
/// assert_eq!(accounting_sign("(-12)"), "(-12)");
/// assert_eq!(accounting_sign("(nota)"), "(nota)");
/// assert_eq!(accounting_sign("-"), "-");
/// ```
pub fn accounting_sign(t: &str) -> String {
    let t = t.trim();
    let inner = t
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .or_else(|| t.strip_suffix('-'))
        .map(str::trim);
    match inner {
        Some(i)
            if without_currency(i).starts_with(|c: char| c.is_ascii_digit())
                && !i.starts_with(['-', '+']) =>
        {
            format!("-{i}")
        }
        _ => t.to_string(),
    }
}

/// `t` as an amount: its accounting sign ([`accounting_sign`]) and currency
/// ([`without_currency`]) read.
fn amount(t: &str) -> String {
    without_currency(&accounting_sign(t))
}

/// `t` rewritten as Rust parses numbers (a decimal point, no grouping), or `None` when its
/// grouping is malformed. An accounting negative is read as a minus and a currency it is
/// written with is dropped first ([`accounting_sign`], [`without_currency`]).
///
/// With `grouping: None`, only what the cell says without doubt is read:
/// - one `,` and no `.` is a decimal comma (`1269,25`), one `.` and no `,` a decimal point;
/// - with both, the last one is the decimal separator and the other groups thousands
///   (`16.969,86`, `16,969.86`);
/// - the same one twice or more groups thousands (`1.234.567`, `1,234,567`), as do spaces
///   and apostrophes (`1 234,5`, `1'234.50`).
///
/// With `grouping: Some(c)` (`'.'` or `','`, what [`column_grouping`] found for the
/// column), a lone `c` groups thousands too, and the other one is the decimal separator.
///
/// Grouped digits must come in threes after a first group of one to three (`1,234,5` is
/// refused).
///
/// ```
/// use core_types::numbers::normalised;
/// assert_eq!(normalised("16.969,86", None).as_deref(), Some("16969.86"));
/// assert_eq!(normalised("1.234", None).as_deref(), Some("1.234"));
/// assert_eq!(normalised("1.234", Some('.')).as_deref(), Some("1234"));
/// assert_eq!(normalised("12,5", Some('.')).as_deref(), Some("12.5"));
/// assert_eq!(normalised("1,234,5", None), None);
/// assert_eq!(normalised("$1,200.50", None).as_deref(), Some("1200.50"));
/// assert_eq!(normalised("(1.200,50 €)", None).as_deref(), Some("-1200.50"));
/// assert_eq!(normalised("987-", Some('.')).as_deref(), Some("-987"));
/// ```
pub fn normalised(t: &str, grouping: Option<char>) -> Option<String> {
    let owned = amount(t);
    let t = owned.as_str();
    let (dots, commas) = (t.matches('.').count(), t.matches(',').count());
    let spaced = t.contains(GROUPING);
    let (group, decimal) = match (dots, commas, grouping) {
        (1, 0, Some('.')) => (Some('.'), None),
        (0, 1, Some(',')) => (Some(','), None),
        (0, 0, _) | (1, 0, _) => (None, Some('.')),
        (0, 1, _) => (None, Some(',')),
        (_, 0, _) => (Some('.'), None),
        (0, _, _) => (Some(','), None),
        _ if t.rfind(',') > t.rfind('.') => (Some('.'), Some(',')),
        _ => (Some(','), Some('.')),
    };
    if group.is_none() && !spaced {
        return Some(match decimal {
            Some(',') => t.replace(',', "."),
            _ => t.to_string(),
        });
    }
    let (whole, fraction) = match decimal {
        Some(d) => match t.split_once(d) {
            Some((w, f)) if !f.contains(d) => (w, Some(f)),
            Some(_) => return None,
            None => (t, None),
        },
        None => (t, None),
    };
    let (sign, digits) = match whole.strip_prefix(['-', '+']) {
        Some(rest) => (&whole[..1], rest),
        None => ("", whole),
    };
    let is_group = |c: char| Some(c) == group || GROUPING.contains(&c);
    let groups: Vec<&str> = digits.split(is_group).collect();
    let well_formed = groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3);
    if !well_formed {
        return None;
    }
    let mut out = format!("{sign}{}", groups.concat());
    if let Some(f) = fraction {
        out.push('.');
        out.push_str(f);
    }
    Some(out)
}

/// What one cell says about the column's separators.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Says {
    /// Not a number written with digits and separators.
    Nothing,
    /// A whole number without separators, and its size.
    Plain(f64),
    /// One `.` or `,` followed by exactly three digits (`1.234`): a decimal or a group. The
    /// separator and the value read as a decimal (1.234).
    Either(char, f64),
    /// The decimal separator is this one (`12.5`, `0,75`, `1.234,5`, `1.234.567` for `,`).
    Decimal(char),
}

fn says(cell: &str) -> Says {
    let owned = amount(cell);
    let t = owned.as_str();
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    if !body.starts_with(|c: char| c.is_ascii_digit())
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',' || GROUPING.contains(&c))
    {
        return Says::Nothing;
    }
    let (dots, commas) = (body.matches('.').count(), body.matches(',').count());
    match (dots, commas) {
        (0, 0) => normalised(body, None)
            .and_then(|n| n.parse::<f64>().ok())
            .map_or(Says::Nothing, Says::Plain),
        (1, 0) | (0, 1) => {
            let sep = if dots == 1 { '.' } else { ',' };
            let (whole, fraction) = body.split_once(sep).unwrap_or((body, ""));
            let group_shaped = (1..=3).contains(&whole.len())
                && whole.bytes().all(|b| b.is_ascii_digit())
                && !whole.starts_with('0')
                && fraction.len() == 3
                && fraction.bytes().all(|b| b.is_ascii_digit());
            match format!("{whole}.{fraction}").parse::<f64>() {
                Ok(x) if group_shaped => Says::Either(sep, x),
                _ => Says::Decimal(sep),
            }
        }
        (_, 0) => Says::Decimal(','),
        (0, _) => Says::Decimal('.'),
        _ if body.rfind(',') > body.rfind('.') => Says::Decimal(','),
        _ => Says::Decimal('.'),
    }
}

/// The separator a column uses for thousands even where it stands alone (`1.234` = 1234),
/// judged from all its cells in row order; `None` when the cells read best one by one.
///
/// - When some cell shows the decimal separator (`12,5`, `0,75`, `16.969,86`,
///   `1.234.567`), a lone other separator followed by three digits groups thousands.
/// - When none does, a column of whole numbers where every value from 1000 up is written
///   `1.234` and the rest `987` (never `1234`) groups thousands with that separator if that
///   reading makes the column smoother — a smaller mean jump between consecutive values on
///   a log scale — than reading them as decimals (987 then 1.234).
/// - Cells that contradict each other (both separators as the decimal one), or a column
///   where every number is written `1.234` (nothing to compare with), are read cell by
///   cell.
///
/// ```
/// use core_types::numbers::column_grouping;
/// assert_eq!(column_grouping(["987", "1.234", "2.001", "850"]), Some('.'));
/// assert_eq!(column_grouping(["12,5", "1.234", "7"]), Some('.'));
/// assert_eq!(column_grouping(["12.5", "1,234", "7"]), Some(','));
/// assert_eq!(column_grouping(["2", "1.234", "3", "2.567"]), None);
/// assert_eq!(column_grouping(["1.234", "2.345"]), None);
/// assert_eq!(column_grouping(["12.5", "0,75"]), None);
/// assert_eq!(column_grouping(["$ 987", "$ 1.234", "$ 2.001"]), Some('.'));
/// ```
pub fn column_grouping<'a>(cells: impl IntoIterator<Item = &'a str>) -> Option<char> {
    let read: Vec<Says> = cells.into_iter().map(says).collect();
    let decimal = |c: char| read.contains(&Says::Decimal(c));
    let either = |c: char| {
        read.iter()
            .any(|s| matches!(s, Says::Either(e, _) if *e == c))
    };
    match (decimal('.'), decimal(',')) {
        (true, true) => return None,
        (false, true) => return either('.').then_some('.'),
        (true, false) => return either(',').then_some(','),
        (false, false) => {}
    }
    let sep = match (either('.'), either(',')) {
        (true, false) => '.',
        (false, true) => ',',
        _ => return None,
    };
    let plain = || {
        read.iter().filter_map(|s| match s {
            Says::Plain(x) => Some(x.abs()),
            _ => None,
        })
    };
    if plain().next().is_none() || plain().any(|x| x >= 1000.0) {
        return None;
    }
    let values = |scale: f64| -> Vec<f64> {
        read.iter()
            .filter_map(|s| match s {
                Says::Plain(x) => Some(*x),
                Says::Either(_, x) => Some(x * scale),
                _ => None,
            })
            .collect()
    };
    (roughness(&values(1000.0)) < roughness(&values(1.0))).then_some(sep)
}

/// A cell split into its number and the word written after it (`12 kg` → (`12`, `kg`),
/// `3kg` → (`3`, `kg`), `3 u` → (`3`, `u`), `15 %` → (`15`, `%`)); `None` when anything but
/// letters (or a `%`, or a final `.` after letters) follows the digits, when a lone letter
/// follows them without a space (`100A`), or when what comes before is not a number.
fn number_and_word(cell: &str) -> Option<(&str, &str)> {
    let t = cell.trim();
    let body = t.strip_suffix('.').unwrap_or(t);
    let word_start = body
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphabetic() || *c == '%')
        .last()
        .map(|(i, _)| i)?;
    let (number, _) = t.split_at(word_start);
    let word = t[word_start..].trim();
    // A lone letter right after the digits is a code (`100A`), not a unit (`100 A`, `3 u`).
    let spaced = number.ends_with(char::is_whitespace);
    if word.trim_end_matches('.').chars().count() < 2 && !spaced && word != "%" {
        return None;
    }
    let number = number.trim_end();
    let reads = [None, Some('.'), Some(',')]
        .into_iter()
        .any(|g| normalised(number, g).is_some_and(|n| n.parse::<f64>().is_ok()));
    (reads && !number.is_empty()).then_some((number, word))
}

/// The unit a column's amounts are written with, when every non-blank cell is a number
/// followed by the same word (case and a final `.` aside: `12 u`, `3 kg`, `7 Stk.`, `15 %`;
/// a one-letter word only after a space, as `100A` is a code) or a bare
/// number, and at least half of them carry the word; cells without a digit (`-`, `N/A`) are
/// left out of the count. A currency is left to the cell parser
/// ([`without_currency`]); anything else (`SKU 12` before the digits, two different words,
/// a word alone) is no unit.
///
/// ```
/// use core_types::numbers::column_unit;
/// assert_eq!(column_unit(["12 u", "3 U", "", "0"]).as_deref(), Some("u"));
/// assert_eq!(column_unit(["1.234 kg", "987 kg"]).as_deref(), Some("kg"));
/// assert_eq!(column_unit(["7 Stk.", "12 Stk"]).as_deref(), Some("stk"));
/// assert_eq!(column_unit(["3 u", "-", "N/A", "4 u"]).as_deref(), Some("u"));
/// assert_eq!(column_unit(["3kg", "4kg"]).as_deref(), Some("kg"));
/// assert_eq!(column_unit(["100A", "101A"]), None);
/// assert_eq!(column_unit(["15%", "20 %"]).as_deref(), Some("%"));
/// assert_eq!(column_unit(["12 kg", "3 lb"]), None);
/// assert_eq!(column_unit(["12", "3 kg", "4"]), None);
/// assert_eq!(column_unit(["SKU 12", "SKU 13"]), None);
/// assert_eq!(column_unit(["12 EUR", "3 EUR"]), None);
/// assert_eq!(column_unit(["12", "13"]), None);
/// ```
pub fn column_unit<'a>(cells: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut unit: Option<String> = None;
    let (mut with, mut total) = (0usize, 0usize);
    for cell in cells {
        let t = cell.trim();
        // Blanks and placeholders without a digit (`-`, `N/A`) say nothing of the unit.
        if !t.bytes().any(|b| b.is_ascii_digit()) {
            continue;
        }
        total += 1;
        match number_and_word(t) {
            Some((_, word)) => {
                let word = word.trim_end_matches('.').to_lowercase();
                if unit.as_ref().is_some_and(|u| *u != word) {
                    return None;
                }
                unit = Some(word);
                with += 1;
            }
            None if normalised(t, None).is_some_and(|n| n.parse::<f64>().is_ok()) => {}
            None => return None,
        }
    }
    let unit = unit?;
    let currency = CURRENCY_CODES.contains(&unit.to_uppercase().as_str());
    (!currency && with * 2 >= total).then_some(unit)
}

/// `cell` without the `unit` written after its number ([`column_unit`]), or as it is.
///
/// ```
/// use core_types::numbers::without_unit;
/// assert_eq!(without_unit("1.234 KG", "kg"), "1.234");
/// assert_eq!(without_unit("12", "kg"), "12");
/// assert_eq!(without_unit("12 lb", "kg"), "12 lb");
/// ```
pub fn without_unit(cell: &str, unit: &str) -> String {
    match number_and_word(cell) {
        Some((number, word)) if word.trim_end_matches('.').to_lowercase() == unit => {
            number.to_string()
        }
        _ => cell.trim().to_string(),
    }
}

/// Mean absolute change of `ln(1 + |x|)` between consecutive values.
fn roughness(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let logs: Vec<f64> = values.iter().map(|x| x.abs().ln_1p()).collect();
    logs.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (logs.len() - 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_colombian_export_groups_thousands_with_a_lone_dot() {
        // Daily units around a thousand, written as a spreadsheet in es-CO exports them.
        let cells = [
            "850", "987", "1.020", "1.234", "990", "1.100", "", "NaN", "1.005",
        ];
        assert_eq!(column_grouping(cells), Some('.'));
        // Prices in pesos: the same.
        assert_eq!(column_grouping(["800", "1.200", "1.500", "900"]), Some('.'));
        // A US export with a lone comma.
        assert_eq!(column_grouping(["950", "1,020", "1,234", "990"]), Some(','));
        // Negative values keep their sign.
        assert_eq!(column_grouping(["-950", "-1.020", "-990"]), Some('.'));
    }

    /// Accounting negatives are amounts too: a Colombian export with returns in parentheses
    /// still groups thousands with its lone dots.
    #[test]
    fn accounting_negatives_read_as_negative_amounts() {
        let cells = ["987", "(1.234)", "2.001", "1.500-", "$ 850"];
        assert_eq!(column_grouping(cells), Some('.'));
        let read: Vec<Option<String>> = cells.iter().map(|c| normalised(c, Some('.'))).collect();
        let want = ["987", "-1234", "2001", "-1500", "850"];
        assert_eq!(read, want.map(|w| Some(w.to_string())));
        assert_eq!(normalised("(12,50)", None).as_deref(), Some("-12.50"));
        assert_eq!(
            normalised("(USD 1,200.00)", None).as_deref(),
            Some("-1200.00")
        );
        // Not amounts: left for the parser to refuse.
        assert_eq!(accounting_sign("(SKU 12)"), "(SKU 12)");
        assert_eq!(accounting_sign("()"), "()");
        assert_eq!(accounting_sign("--"), "--");
    }

    #[test]
    fn decimals_stay_decimals() {
        // Trimmed decimals: a cell with one or two decimals shows the separator.
        assert_eq!(column_grouping(["1.5", "1.234", "2"]), None);
        // Small values: 1.234 next to 2 and 3 is smooth; 1234 is not.
        assert_eq!(column_grouping(["2", "1.234", "3", "2.567", "1"]), None);
        // A leading zero is never a thousands group.
        assert_eq!(column_grouping(["0.125", "1.250", "3"]), None);
        // Fixed three decimals everywhere: nothing to compare with.
        assert_eq!(column_grouping(["1.250", "2.500", "3.000"]), None);
        // A plain number from 1000 up would have been grouped.
        assert_eq!(column_grouping(["1500", "1.234", "999"]), None);
        // Both separators as decimals: read cell by cell.
        assert_eq!(column_grouping(["1.5", "2,5", "1.234"]), None);
        // No cell is a number.
        assert_eq!(column_grouping(["a", "b"]), None);
        assert_eq!(column_grouping([]), None);
    }

    #[test]
    fn evidence_of_the_decimal_separator_settles_a_lone_other_one() {
        assert_eq!(column_grouping(["16.969,86", "1.234", "500"]), Some('.'));
        assert_eq!(column_grouping(["1.234.567", "1.234"]), Some('.'));
        assert_eq!(column_grouping(["1,234,567", "1,234"]), Some(','));
        assert_eq!(column_grouping(["0,5", "1.234"]), Some('.'));
        // Evidence without a lone other separator changes nothing.
        assert_eq!(column_grouping(["0,5", "1,234"]), None);
    }

    /// `n` written with `group` every three digits and `decimals` after the other separator.
    fn written(n: u64, decimals: Option<u32>, group: char) -> String {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(group);
            }
            out.push(c);
        }
        if let Some(d) = decimals {
            out.push(if group == '.' { ',' } else { '.' });
            out.push_str(&format!("{d:02}"));
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn grouped_numbers_read_back_under_their_column_grouping(
            n in 0u64..10_000_000_000,
            decimals in proptest::option::of(0u32..100),
            dot in proptest::bool::ANY,
        ) {
            let group = if dot { '.' } else { ',' };
            let text = written(n, decimals, group);
            let want = n as f64 + decimals.map_or(0.0, |d| f64::from(d) / 100.0);
            let read: f64 = normalised(&text, Some(group)).unwrap().parse().unwrap();
            proptest::prop_assert!((read - want).abs() < 1e-6, "{} read {}", text, read);
            // Read alone, only a lone group of three digits can differ (it is a decimal).
            let alone: f64 = normalised(&text, None).unwrap().parse().unwrap();
            let lone = decimals.is_none() && (1_000..1_000_000).contains(&n);
            proptest::prop_assert_eq!((alone - want).abs() < 1e-6, !lone, "{}", text);
        }
    }

    #[test]
    fn a_grouping_reads_lone_separators_as_groups() {
        for (s, g, x) in [
            ("1.234", Some('.'), "1234"),
            ("-1.234", Some('.'), "-1234"),
            ("1,234", Some(','), "1234"),
            ("12,5", Some('.'), "12.5"),
            ("12.5", Some(','), "12.5"),
            ("1.234.567,5", Some('.'), "1234567.5"),
            ("1.234", None, "1.234"),
        ] {
            assert_eq!(normalised(s, g).as_deref(), Some(x), "{s} {g:?}");
        }
        // A lone group must still hold three digits.
        assert_eq!(normalised("1.23", Some('.')), None);
    }
}
