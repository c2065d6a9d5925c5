//! The bad-input corpus: malformed raw data sets built here, each read by the file source,
//! validated and cleansed. Every case must end in a correct cleansed result or a typed
//! error / report entry naming the column and rule — never a panic. The whole corpus's
//! outcomes are an insta snapshot, and each case also states what it must show.

use std::path::Path;

use calendar::CalendarConfig;
use chrono::NaiveDate;
use connector::{CsvOptions, FileFormat, FileSource};
use contract::{cleanse, validate, CleanseConfig, ContractConfig, Rule, Severity};
use core_types::dates::LocalZone;
use serde::Serialize;

const TODAY: &str = "2026-11-29";

/// What a case must show.
enum Expect {
    /// The file source refuses the file with this error variant.
    ReadError(&'static str),
    /// Validation reports this rule on this column (None = table rule) with this severity.
    Has(Rule, Option<&'static str>, Severity),
    /// Cleansing fails with this error variant.
    CleanseError(&'static str),
    /// Cleansing flags this date with this reason.
    Flag(&'static str, &'static str),
    /// Cleansing succeeds with this many days.
    Days(u64),
}

struct Case {
    name: &'static str,
    file: &'static str,
    bytes: Vec<u8>,
    expect: Vec<Expect>,
}

fn days(start: &str, n: usize, unit: impl Fn(usize) -> String) -> String {
    let d0: NaiveDate = start.parse().unwrap();
    (0..n)
        .map(|i| format!("{},{}\n", d0 + chrono::Days::new(i as u64), unit(i)))
        .collect()
}

fn csv(header: &str, body: &str) -> Vec<u8> {
    format!("{header}\n{body}").into_bytes()
}

fn cases() -> Vec<Case> {
    use contract::Rule as R;
    use Expect::*;
    use Severity::{Error as E, Warning as W};
    let week = days("2024-03-04", 14, |i| (100 + i).to_string());
    let c = |name, file, bytes, expect| Case {
        name,
        file,
        bytes,
        expect,
    };
    vec![
        c("valid_two_weeks", "a.csv", csv("date,y", &week), vec![Days(14)]),
        c("missing_date_column", "a.csv", csv("cuando,y", "ayer,5\n"), vec![ReadError("NoDateColumn")]),
        c(
            // No column named as the date: the only one of dates is it.
            "date_column_with_its_own_name",
            "a.csv",
            csv("cuando,y", &week),
            vec![Days(14)],
        ),
        c(
            "missing_units_column",
            "a.csv",
            csv("date,precio", &days("2024-03-04", 5, |_| "1200".into())),
            vec![Has(R::RequiredColumn, Some("unidades_vendidas"), E), CleanseError("MissingColumn")],
        ),
        c(
            // No column named as the target: the one numeric column that is not a flag is it.
            "target_with_its_own_name",
            "a.csv",
            csv("date,ventas_totales,festivo", &days("2024-03-04", 14, |i| format!("{},{}", 100 + i, i % 2))),
            vec![Has(R::InferredTarget, Some("ventas_totales"), W), Days(14)],
        ),
        c(
            // Two such columns: nothing is guessed.
            "two_unnamed_numeric_columns",
            "a.csv",
            csv("date,ventas,temperatura", &days("2024-03-04", 5, |i| format!("{},{}.5", 100 + (i * 7) % 5, 20 + (i * 3) % 4))),
            vec![Has(R::RequiredColumn, Some("unidades_vendidas"), E), CleanseError("MissingColumn")],
        ),
        c(
            // Amounts exported with their currency: `$1,234.50`, `-$12.00`, `1.234,50 €`.
            "amounts_with_currency",
            "a.csv",
            csv("date,ventas", &days("2024-03-04", 14, |i| match i % 3 {
                0 => format!("\"${},234.50\"", 1 + i),
                1 => format!("\"{}.234,50 €\"", 1 + i),
                _ => format!("COP {}", 900 + i),
            })),
            vec![Has(R::InferredTarget, Some("ventas"), W), Days(14)],
        ),
        c(
            // A spreadsheet export ending with its totals: the row is left out.
            "trailing_total_row",
            "a.csv",
            csv("date,y", &format!("{week}Total,1491\n")),
            vec![Days(14)],
        ),
        c("unparseable_date", "a.csv", csv("date,y", "2024-01-01,5\nayer,6\n"), vec![ReadError("UnparseableDate")]),
        c("mixed_date_formats", "a.csv", csv("date,y", "2024-01-01,5\n02/01/2024,6\n"), vec![ReadError("UnparseableDate")]),
        c("null_date", "a.csv", csv("date,y", "2024-01-01,5\n,6\n"), vec![ReadError("UnparseableDate")]),
        c(
            "timestamps_with_offsets",
            "a.csv",
            csv("date,y", "2024-03-05T03:00:00Z,5\n2024-03-05T12:00:00-05:00,6\n2024-03-06T12:00:00-05:00,7\n"),
            // 03:00 UTC on the 5th is the 4th in Bogotá: three distinct dates.
            vec![Days(3)],
        ),
        c(
            "midnight_utc_timestamps_are_dates",
            "a.csv",
            csv(
                "date,y",
                "2024-03-04T00:00:00Z,5\n2024-03-05T00:00:00Z,6\n2024-03-05T00:00:00Z,6\n2024-03-06T00:00:00Z,7\n",
            ),
            // Every stamp at midnight UTC: a daily export, the dates as written (cut at
            // Bogotá's offset they would all move back a day); the repeated 5 March is flagged.
            vec![Has(R::DuplicateIdentical, Some("fecha"), W), Flag("2024-03-05", "duplicado"), Days(3)],
        ),
        c(
            "duplicate_identical",
            "a.csv",
            csv("date,y", &format!("{week}2024-03-10,106\n")),
            vec![Has(R::DuplicateIdentical, Some("fecha"), W), Flag("2024-03-10", "duplicado"), Days(14)],
        ),
        c(
            "duplicate_conflicting",
            "a.csv",
            csv("id,date,y", "1,2024-03-04,100\n2,2024-03-05,101\n3,2024-03-05,150\n4,2024-03-06,102\n"),
            vec![Has(R::DuplicateConflict, Some("fecha"), W), Flag("2024-03-05", "duplicado_en_conflicto")],
        ),
        c(
            "negative_units",
            "a.csv",
            csv("date,y", &week.replace(",106", ",-40")),
            vec![Has(R::Range, Some("unidades_vendidas"), W), Flag("2024-03-10", "negativo")],
        ),
        c(
            // An accounting export: a return in parentheses is a negative amount (flagged as
            // negative units), not a value that fails to read.
            "accounting_negatives",
            "a.csv",
            csv("date,y", &week.replace(",106", ",\"(40)\"")),
            vec![Has(R::Range, Some("unidades_vendidas"), W), Flag("2024-03-10", "negativo")],
        ),
        c(
            // `dtype: auto`: a fraction makes the target an amount (turnover), not an error.
            "non_integer_units_are_amounts",
            "a.csv",
            csv("date,y", &week.replace(",106", ",106.5")),
            vec![],
        ),
        c(
            "nan_and_infinity_strings",
            "a.csv",
            csv("date,y", &week.replace(",106", ",NaN").replace(",107", ",Infinity")),
            vec![
                Has(R::Dtype, Some("unidades_vendidas"), W),
                Flag("2024-03-10", "valor_invalido"),
                Flag("2024-03-11", "valor_invalido"),
            ],
        ),
        c(
            "units_as_words",
            "a.csv",
            csv("date,y", &week.replace(",106", ",doce")),
            vec![Has(R::Dtype, Some("unidades_vendidas"), W), Flag("2024-03-10", "valor_invalido")],
        ),
        c(
            "nulls_everywhere",
            "a.csv",
            csv("date,y,promo", &days("2024-03-04", 5, |_| ",".into())),
            vec![
                Has(R::NotNull, Some("unidades_vendidas"), W),
                Has(R::MinCleanHistory, None, E),
                CleanseError("TooFewCleanDays"),
            ],
        ),
        c(
            "empty_table_header_only",
            "a.csv",
            csv("date,y", ""),
            vec![Has(R::RowCount, None, E), CleanseError("Empty")],
        ),
        c("empty_file", "a.csv", Vec::new(), vec![ReadError("Unreadable")]),
        c(
            "single_row",
            "a.csv",
            csv("date,y", "2024-03-04,5\n"),
            vec![Has(R::MinCleanHistory, None, E), CleanseError("TooFewCleanDays")],
        ),
        c(
            "future_dates",
            "a.csv",
            csv("date,y", &format!("{week}2027-01-01,5\n")),
            vec![Has(R::DateFuture, Some("fecha"), E)],
        ),
        c(
            "dates_before_the_configured_start",
            "a.csv",
            csv("date,y", "1999-12-29,5\n1999-12-30,6\n1999-12-31,7\n"),
            vec![Has(R::DateMin, Some("fecha"), E), CleanseError("Calendar")],
        ),
        c(
            // No upper bound by default (`max: null`): other people's series can be large.
            "huge_values",
            "a.csv",
            csv("date,y", &week.replace(",106", ",999999999")),
            vec![],
        ),
        c(
            "non_utf8_bytes",
            "a.csv",
            {
                let mut b = csv("date,y,nota", &days("2024-03-04", 4, |_| "5,ok".into()));
                b.extend_from_slice(b"2024-03-08,5,caf\xe9\n");
                b
            },
            vec![ReadError("Unreadable")],
        ),
        c(
            "utf8_bom",
            "a.csv",
            {
                let mut b = vec![0xef, 0xbb, 0xbf];
                b.extend(csv("date,y", &week));
                b
            },
            vec![Days(14)],
        ),
        c(
            "semicolon_separator",
            "a.csv",
            csv("date;y", &week.replace(',', ";")),
            vec![Days(14)],
        ),
        c(
            "decimal_commas",
            "a.csv",
            csv("date;y", &week.replace(',', ";").replace(";106", ";106,5").replace(";107", ";107,0")),
            // 106,5 is parsed (decimal comma) and makes the target an amount.
            vec![Days(14)],
        ),
        c(
            "trailing_spaces_in_headers",
            "a.csv",
            csv(" date , y ", &week),
            vec![Days(14)],
        ),
        c(
            "extra_unknown_columns",
            "a.csv",
            csv("date,y,clima,temperatura", &days("2024-03-04", 10, |i| format!("{},sol,{}", 100 + i, 20 + i))),
            vec![Days(10)],
        ),
        c(
            // A monthly series is not daily sales: refused, naming the step.
            "monthly_dates",
            "a.csv",
            csv("date,y", &(1..=12).map(|m| format!("2024-{m:02}-01,{}\n", 3000 + m)).collect::<String>()),
            vec![Has(R::CoarseDates, None, E)],
        ),
        c(
            // A weekly one runs as one day a week (its gaps are only warned about).
            "weekly_dates",
            "a.csv",
            csv("date,y", &(0..10).map(|w| format!("{},{}\n", NaiveDate::from_ymd_opt(2024, 3, 4).unwrap() + chrono::Days::new(7 * w), 700 + w)).collect::<String>()),
            // The six other weekdays are closures (never traded), not missing days.
            vec![Days(64)],
        ),
        c(
            "all_closed_days",
            "a.csv",
            csv("date,y,abierto", &days("2024-03-04", 6, |_| "0,false".into())),
            vec![Has(R::MinCleanHistory, None, E), CleanseError("TooFewCleanDays")],
        ),
        c(
            "closed_day_with_units",
            "a.csv",
            csv("date,y,abierto", &days("2024-03-04", 10, |i| if i == 3 { "20,no".into() } else { format!("{},sí", 100 + i) })),
            vec![Has(R::ClosedWithUnits, Some("unidades_vendidas"), W), Days(10)],
        ),
        c(
            "six_month_gap",
            "a.csv",
            csv("date,y", &format!("{}{}", days("2023-01-02", 30, |i| (100 + i).to_string()), days("2023-08-01", 30, |i| (100 + i).to_string()))),
            vec![Has(R::LongestGap, None, W), Has(R::MissingShare, None, W), Days(241)],
        ),
        c(
            "spanish_headers_and_aliases",
            "a.csv",
            csv("Fecha Venta,Cantidad Vendida,Promoción,Descuento (%),Precio Unitario $", &days("2024-03-04", 8, |i| {
                if i == 2 { "110,sí,10,1080".into() } else { format!("{},no,,1200", 100 + i) }
            })),
            vec![Days(8)],
        ),
        c(
            "colliding_columns",
            "a.csv",
            csv("date,cantidad,unidades", &days("2024-03-04", 5, |_| "5,6".into())),
            vec![Has(R::NameCollision, Some("unidades_vendidas"), E), CleanseError("NameCollision")],
        ),
        c(
            "headers_colliding_after_snake_case",
            "a.csv",
            csv("date,Ventas Día,ventas_dia", "2024-03-04,1,2\n"),
            vec![ReadError("NameCollision")],
        ),
        c(
            "promotion_booleans_in_many_spellings",
            "a.csv",
            csv("date,y,promocion", &days("2024-03-04", 8, |i| {
                let p = ["si", "sí", "no", "1", "0", "true", "FALSE", "quizás"][i];
                format!("{},{p}", 100 + i)
            })),
            vec![Has(R::Dtype, Some("promocion"), W), Days(8)],
        ),
        c(
            "discount_without_promotion",
            "a.csv",
            csv("date,y,promocion,descuento_pct", &days("2024-03-04", 6, |i| format!("{},no,{}", 100 + i, if i == 1 { "10" } else { "" }))),
            vec![Has(R::DiscountWithoutPromotion, Some("descuento_pct"), W)],
        ),
        c(
            "discount_out_of_range",
            "a.csv",
            csv("date,y,promocion,descuento_pct", &days("2024-03-04", 6, |i| format!("{},sí,{}", 100 + i, if i == 1 { "150" } else { "10" }))),
            vec![Has(R::Range, Some("descuento_pct"), W)],
        ),
        c(
            "non_positive_price",
            "a.csv",
            csv("date,y,precio", &days("2024-03-04", 6, |i| format!("{},{}", 100 + i, if i == 2 { "0" } else { "1200" }))),
            vec![Has(R::Range, Some("precio_unitario"), W)],
        ),
        c(
            "ragged_rows",
            "a.csv",
            csv("date,y", "2024-03-04,5\n2024-03-05,6,7,8\n"),
            vec![ReadError("RaggedRow")],
        ),
        c(
            "unknown_extension",
            "ventas.numbers",
            csv("date,y", &week),
            vec![ReadError("UnknownFormat")],
        ),
        c(
            // A CSV saved with a workbook's extension: unreadable, naming the file.
            "csv_named_as_a_workbook",
            "ventas.xlsx",
            csv("date,y", &week),
            vec![ReadError("Unreadable")],
        ),
    ]
}

#[derive(Serialize)]
struct Outcome {
    case: &'static str,
    read: String,
    validation: Option<(bool, u64, u64, Vec<String>)>,
    cleanse: Option<String>,
    flags: Vec<String>,
}

fn variant(e: &impl std::fmt::Debug) -> String {
    let s = format!("{e:?}");
    s.split([' ', '(', '{'])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Reads, validates and cleanses one case; returns the outcome and the validation report.
fn run_case(
    dir: &Path,
    case: &Case,
    contract: &ContractConfig,
) -> (Outcome, Option<contract::ValidationReport>) {
    let path = dir.join(format!("{}_{}", case.name, case.file));
    std::fs::write(&path, &case.bytes).unwrap();
    let source = FileSource {
        path: path.clone(),
        format: FileFormat::Auto,
        columns: [("date", "fecha"), ("y", "unidades_vendidas")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        date_aliases: contract.columns["fecha"].aliases.clone(),
        csv: CsvOptions::default(),
        excel: Default::default(),
        zone: LocalZone::BOGOTA,
    };
    let mut out = Outcome {
        case: case.name,
        read: String::new(),
        validation: None,
        cleanse: None,
        flags: Vec::new(),
    };
    let frame = match source.read() {
        Ok(f) => {
            out.read = format!("ok: {} rows", f.height());
            f
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.contains(&*path.file_name().unwrap().to_string_lossy()),
                "{}: error must name the file: {msg}",
                case.name
            );
            out.read = format!(
                "{}: {}",
                variant(&e),
                msg.replace(&*dir.to_string_lossy(), "<dir>")
            );
            return (out, None);
        }
    };
    let report = validate(&frame, contract, TODAY.parse().unwrap(), LocalZone::BOGOTA).unwrap();
    out.validation = Some((
        report.passed,
        report.errors,
        report.warnings,
        report
            .failures
            .iter()
            .map(|f| {
                format!(
                    "{:?} {:?} {} x{}",
                    f.severity,
                    f.rule,
                    f.column.as_deref().unwrap_or("-"),
                    f.count
                )
            })
            .collect(),
    ));
    match cleanse(
        &frame,
        contract,
        &CleanseConfig::default(),
        &CalendarConfig::default(),
        15.0,
        LocalZone::BOGOTA,
    ) {
        Ok(c) => {
            out.cleanse = Some(format!(
                "ok: {} days, {} missing, {} imputed",
                c.report.days_out, c.report.missing_dates, c.report.imputed_days
            ));
            out.flags = c
                .report
                .flags
                .iter()
                .map(|f| format!("{} {}", f.fecha, f.motivo.as_str()))
                .collect();
        }
        Err(e) => out.cleanse = Some(format!("{}: {e}", variant(&e))),
    }
    (out, Some(report))
}

fn check(case: &Case, out: &Outcome, report: Option<&contract::ValidationReport>) {
    for e in &case.expect {
        match e {
            Expect::ReadError(v) => assert!(
                out.read.starts_with(v),
                "{}: expected read error {v}, got {}",
                case.name,
                out.read
            ),
            Expect::Has(rule, column, sev) => {
                let r =
                    report.unwrap_or_else(|| panic!("{}: no validation ({})", case.name, out.read));
                assert!(
                    r.failures.iter().any(|f| f.rule == *rule
                        && f.column.as_deref() == *column
                        && f.severity == *sev),
                    "{}: expected {rule:?} on {column:?} ({sev:?}), got {:?}",
                    case.name,
                    r.summary_lines()
                );
            }
            Expect::CleanseError(v) => {
                let c = out.cleanse.as_deref().unwrap_or_default();
                assert!(
                    c.starts_with(v),
                    "{}: expected cleanse error {v}, got {c}",
                    case.name
                );
            }
            Expect::Flag(d, m) => assert!(
                out.flags.contains(&format!("{d} {m}")),
                "{}: expected flag {d} {m}, got {:?}",
                case.name,
                out.flags
            ),
            Expect::Days(n) => {
                let c = out.cleanse.as_deref().unwrap_or_default();
                assert!(
                    c.starts_with(&format!("ok: {n} days")),
                    "{}: expected {n} days, got {c}",
                    case.name
                );
            }
        }
    }
}

#[test]
fn every_corpus_case_gives_a_result_or_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    // A small-data contract: the corpus cases are days, not years.
    let mut contract = ContractConfig::default();
    contract.table.min_clean_days = 3;
    let cases = cases();
    assert!(cases.len() >= 30, "the corpus must hold at least 30 cases");
    let mut outcomes = Vec::new();
    for case in &cases {
        let (out, report) = run_case(dir.path(), case, &contract);
        check(case, &out, report.as_ref());
        outcomes.push(out);
    }
    insta::assert_yaml_snapshot!(outcomes);
}

#[test]
fn the_default_contract_needs_sixty_clean_days() {
    let dir = tempfile::tempdir().unwrap();
    let case = &cases()[0];
    let (out, _) = run_case(dir.path(), case, &ContractConfig::default());
    assert!(out.cleanse.unwrap().starts_with("TooFewCleanDays"));
    assert!(!out.validation.unwrap().0);
}
