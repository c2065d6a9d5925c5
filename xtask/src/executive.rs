//! The executive summary of phases 00–01, rendered from the reports' JSON (never from
//! numbers typed by hand). [`numbers_in`] and [`all_numbers_come_from`] let a test check that
//! every number in the text appears in the source reports.

use serde_json::Value;

fn get<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |acc, k| &acc[k])
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() != 0.0 => format!("{f:.1}"),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// Markdown summary (Spanish, for the business) of the explore and ingest reports.
pub fn render(explore: &Value, ingest: &Value) -> String {
    let e = get(explore, "body");
    let i = get(ingest, "body");
    let date = get(e, "profile.date");
    let units = get(e, "profile.columns")
        .as_array()
        .and_then(|cols| cols.iter().find(|c| c["name"] == "unidades_vendidas"))
        .cloned()
        .unwrap_or(Value::Null);
    let mut s = String::new();
    s.push_str("# Resumen ejecutivo — fases 00 (exploración) y 01 (ingesta)\n\n");
    s.push_str(&format!(
        "Corrida `{}`; fuente: {}.\n\n",
        show(&ingest["run_id"]),
        show(get(i, "source.description"))
    ));
    s.push_str("## Puntos de poder\n\n");
    s.push_str(&format!(
        "- La fuente entregó **{}** filas entre **{}** y **{}** ({} días calendario, {} fechas distintas).\n",
        show(get(e, "profile.rows")),
        show(&date["first"]),
        show(&date["last"]),
        show(&date["calendar_days"]),
        show(&date["distinct_dates"]),
    ));
    s.push_str(&format!(
        "- La instantánea cruda inmutable tiene **{}** filas y SHA-256 `{}`.\n",
        show(&i["rows"]),
        show(get(i, "snapshot.sha256")),
    ));
    if !units.is_null() {
        s.push_str(&format!(
            "- Unidades vendidas por día: media {}, mínimo {}, máximo {}.\n",
            show(&units["mean"]),
            show(&units["min"]),
            show(&units["max"]),
        ));
    }
    s.push_str("\n## Verdades críticas\n\n");
    s.push_str(&format!(
        "- Faltan **{}** fechas en el rango, en {} huecos; el más largo dura {} días y empieza el {}.\n",
        show(&date["missing_dates"]),
        show(&date["gaps"]),
        show(&date["longest_gap_days"]),
        show(&date["longest_gap_start"]),
    ));
    s.push_str(&format!(
        "- Hay **{}** filas con fecha repetida.\n",
        show(&date["duplicate_rows"])
    ));
    if !units.is_null() {
        s.push_str(&format!(
            "- `unidades_vendidas` tiene {} valores nulos.\n",
            show(&units["nulls"])
        ));
    }
    s.push_str(
        "\nLa validación del contrato y la limpieza (fase 02) dirán cuáles de estas filas se marcan.\n",
    );
    s
}

/// Every number written in `text`: ISO dates as one token, other numbers as `f64`.
pub fn numbers_in(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts = b[i].is_ascii_digit() && (i == 0 || !(b[i - 1].is_ascii_alphanumeric()));
        // `SHA-256`, `UTF-8`: a number glued to a word by a hyphen is part of a name.
        let glued = i > 1 && b[i - 1] == b'-' && b[i - 2].is_ascii_alphanumeric();
        if !starts || glued {
            if b[i].is_ascii_digit() {
                while i < b.len() && b[i].is_ascii_alphanumeric() {
                    i += 1;
                }
            } else {
                i += 1;
            }
            continue;
        }
        let mut j = i;
        while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_alphabetic() {
            // part of an identifier or a hash: skip the whole word
            while j < b.len() && b[j].is_ascii_alphanumeric() {
                j += 1;
            }
            i = j;
            continue;
        }
        let tok = text[i..j].trim_end_matches(['.', '-']);
        if !tok.is_empty() {
            let neg = i > 0 && b[i - 1] == b'-';
            out.push(if neg {
                format!("-{tok}")
            } else {
                tok.to_string()
            });
        }
        i = j;
    }
    out
}

fn collect(v: &Value, nums: &mut Vec<f64>, strings: &mut Vec<String>) {
    match v {
        Value::Number(n) => nums.extend(n.as_f64()),
        Value::String(s) => {
            if let Ok(f) = s.parse::<f64>() {
                nums.push(f);
            }
            strings.push(s.clone());
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, nums, strings)),
        Value::Object(o) => o.values().for_each(|x| collect(x, nums, strings)),
        _ => {}
    }
}

/// Checks that every number of `text` appears in one of the `reports` (dates as text,
/// other numbers equal after rounding to the decimals shown). Returns the ones that do not.
pub fn all_numbers_come_from(text: &str, reports: &[&Value]) -> Vec<String> {
    let (mut nums, mut strings) = (Vec::new(), Vec::new());
    for r in reports {
        collect(r, &mut nums, &mut strings);
    }
    numbers_in(text)
        .into_iter()
        .filter(|tok| {
            if tok.matches('-').count() >= 2 {
                return !strings.iter().any(|s| s.contains(tok.as_str()));
            }
            let in_text = strings
                .iter()
                .any(|s| numbers_in(s).iter().any(|t| t == tok));
            let Ok(x) = tok.parse::<f64>() else {
                return !in_text;
            };
            if in_text {
                return false;
            }
            let decimals = tok.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
            let scale = 10f64.powi(decimals);
            !nums
                .iter()
                .any(|n| ((n * scale).round() - x * scale).abs() < 0.5)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_tokenised_without_hashes_or_identifiers() {
        let t = "rows **2889** from 2018-01-01, mean 467.3, sha `3fa9b2`, id ab12, -40 and 1e, SHA-256.";
        assert_eq!(numbers_in(t), ["2889", "2018-01-01", "467.3", "-40"]);
    }

    #[test]
    fn numbers_not_in_the_report_are_caught() {
        let report = serde_json::json!({"body": {"rows": 10, "mean": 4.26, "first": "2020-01-01"}});
        assert!(
            all_numbers_come_from("10 rows, mean 4.3, since 2020-01-01", &[&report]).is_empty()
        );
        assert_eq!(
            all_numbers_come_from("11 rows, mean 4.2, since 2020-01-02", &[&report]),
            ["11", "4.2", "2020-01-02"]
        );
    }
}
