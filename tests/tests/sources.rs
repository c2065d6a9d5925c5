//! The Supabase and PostgreSQL sources against real parts: a throwaway PostgreSQL 15 server
//! loaded with the demo history (2,883 rows, so paging crosses the 1,000-row cap), and a
//! PostgREST double (wiremock) whose bodies that server produces with the SQL PostgREST uses
//! (`coalesce(json_agg(t), '[]')`), with PostgREST's headers and statuses — plus every fault
//! the connector must survive or report.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use e2e::{pg_or_skip, PgServer};
use polars::prelude::*;
use serde_json::Value;
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "sb_secret_TESTKEY_d41d8cd98f00b204e9800998ecf8427e";
const SELECT: &str = "id,fecha,unidades_vendidas::text,promocion,descuento_pct::text,precio_unitario::text,abierto,observaciones,created_at";

/// Loads the demo history into `ventas_diarias`; returns the row count.
fn load_demo(url: &str) -> usize {
    let frame = connector::DemoSource::new(
        connector::DemoConfig::default(),
        42,
        &calendar::CalendarConfig::default(),
    )
    .unwrap();
    let frame = connector::Source::fetch(&frame, None).unwrap().frame;
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    c.batch_execute(
        "create table ventas_diarias (id bigint, fecha date, unidades_vendidas numeric, \
         promocion boolean, descuento_pct numeric, precio_unitario numeric, abierto boolean, \
         observaciones text, created_at text)",
    )
    .unwrap();
    let types = [
        "bigint", "date", "numeric", "boolean", "numeric", "numeric", "boolean", "text", "text",
    ];
    let names = [
        "id",
        "fecha",
        "unidades_vendidas",
        "promocion",
        "descuento_pct",
        "precio_unitario",
        "abierto",
        "observaciones",
        "created_at",
    ];
    let text: Vec<Vec<Option<String>>> = names
        .iter()
        .map(|n| {
            let s = frame
                .column(n)
                .unwrap()
                .as_materialized_series()
                .cast(&DataType::String)
                .unwrap();
            s.str()
                .unwrap()
                .iter()
                .map(|v| v.map(String::from))
                .collect()
        })
        .collect();
    let n = frame.height();
    let mut sql = String::from("insert into ventas_diarias values ");
    let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = Vec::new();
    let rows: Vec<Vec<&Option<String>>> = (0..n)
        .map(|i| text.iter().map(|col| &col[i]).collect())
        .collect();
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            sql.push(',');
        }
        sql.push('(');
        for (j, (t, v)) in types.iter().zip(row).enumerate() {
            if j > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("${}::text::{t}", i * names.len() + j + 1));
            params.push(*v);
        }
        sql.push(')');
    }
    c.execute(sql.as_str(), &params).unwrap();
    n
}

/// A PostgREST double: each request is answered from the real PostgreSQL with PostgREST's
/// SQL shape, `Range`/`Prefer: count=exact` semantics, `Content-Range` and 200/206.
struct PostgrestDouble {
    /// Connection string of the real server (one connection per request, from a plain thread:
    /// the sync client must never run or drop inside the mock server's async runtime).
    pg_url: String,
    /// The server's silent cap (PostgREST `db-max-rows`).
    max_rows: usize,
}

impl Respond for PostgrestDouble {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let q: Vec<(String, String)> = req
            .url
            .query_pairs()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let select = q
            .iter()
            .find(|(k, _)| k == "select")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| "*".into());
        let cols: Vec<String> = select
            .split(',')
            .map(|i| match i.split_once("::") {
                Some((c, t)) => format!("\"{c}\"::{t} as \"{c}\""),
                None => format!("\"{i}\""),
            })
            .collect();
        let table = req.url.path().rsplit('/').next().unwrap().to_string();
        let order =
            q.iter()
                .find(|(k, _)| k == "order")
                .map_or("\"fecha\" asc".to_string(), |(_, v)| {
                    v.split(',')
                        .map(|o| {
                            let (c, dir) = o.split_once('.').unwrap();
                            format!("\"{c}\" {dir}")
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                });
        let mut conds = vec!["true".to_string()];
        for (k, v) in &q {
            match k.as_str() {
                "select" | "order" => {}
                "or" => conds.push(logic_tree("or", v)),
                _ => conds.push(condition(k, v)),
            }
        }
        let range = req
            .headers
            .get("Range")
            .and_then(|v| v.to_str().ok())
            .and_then(|r| r.split_once('-'))
            .map(|(a, b)| (a.parse::<usize>().unwrap(), b.parse::<usize>().unwrap()));
        let limit = range.map_or(self.max_rows, |(a, b)| (b - a + 1).min(self.max_rows));
        let count = req
            .headers
            .get("Prefer")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.contains("count=exact"));
        let where_ = conds.join(" and ");
        let body_sql = format!(
            "select coalesce(json_agg(t), '[]')::text from (select {} from \"{table}\" where {where_} order by {order} limit {limit}) t",
            cols.join(", ")
        );
        let count_sql = format!("select count(*) from \"{table}\" where {where_}");
        let url = self.pg_url.clone();
        // The sync client runs its own runtime: query from a plain thread.
        let (body, total): (String, Option<i64>) = std::thread::spawn(move || {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            let body: String = c.query_one(body_sql.as_str(), &[]).unwrap().get(0);
            let total = count.then(|| c.query_one(count_sql.as_str(), &[]).unwrap().get(0));
            (body, total)
        })
        .join()
        .unwrap();
        let n = serde_json::from_str::<Value>(&body)
            .unwrap()
            .as_array()
            .unwrap()
            .len();
        let total_s = total.map_or("*".to_string(), |t| t.to_string());
        let content_range = if n == 0 {
            format!("*/{total_s}")
        } else {
            format!("0-{}/{total_s}", n - 1)
        };
        let status = match total {
            Some(t) if (n as i64) < t => 206,
            _ => 200,
        };
        ResponseTemplate::new(status)
            .insert_header("Content-Range", content_range.as_str())
            .set_body_raw(body.into_bytes(), "application/json; charset=utf-8")
    }
}

/// `column op value` as SQL (the literal takes the column's type, as in PostgREST).
fn condition(col: &str, op_val: &str) -> String {
    let (op, val) = op_val.split_once('.').unwrap();
    let op = match op {
        "gt" => ">",
        "gte" => ">=",
        "lte" => "<=",
        "eq" => "=",
        other => panic!("operator {other}"),
    };
    let val = match val.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(q) => q.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => val.to_string(),
    };
    format!("\"{col}\" {op} '{}'", val.replace('\'', "''"))
}

/// A PostgREST logic tree (`or=(a.gt.1,and(a.eq.1,b.gt.2))`, values maybe in double quotes)
/// as SQL.
fn logic_tree(join: &str, tree: &str) -> String {
    let inner = tree.strip_prefix('(').unwrap().strip_suffix(')').unwrap();
    let (mut items, mut depth, mut quoted, mut start) = (Vec::new(), 0, false, 0);
    let bytes = inner.as_bytes();
    for (i, c) in inner.char_indices() {
        match c {
            '"' if i == 0 || bytes[i - 1] != b'\\' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    let parts: Vec<String> = items
        .iter()
        .map(|item| {
            for j in ["and", "or"] {
                if let Some(rest) = item.strip_prefix(j).filter(|r| r.starts_with('(')) {
                    return logic_tree(j, rest);
                }
            }
            let (col, op_val) = item.split_once('.').unwrap();
            condition(col, op_val)
        })
        .collect();
    format!("({})", parts.join(&format!(" {join} ")))
}

struct Fixture {
    _pg: PgServer,
    pg_url: String,
    pg: Arc<Mutex<postgres::Client>>,
    rows: usize,
    rt: tokio::runtime::Runtime,
}

fn fixture(test: &str) -> Option<Fixture> {
    let pg = pg_or_skip(test)?;
    let url = pg.url();
    let rows = load_demo(&url);
    let client = std::thread::spawn({
        let url = url.clone();
        move || postgres::Client::connect(&url, postgres::NoTls).unwrap()
    })
    .join()
    .unwrap();
    Some(Fixture {
        _pg: pg,
        pg_url: url,
        pg: Arc::new(Mutex::new(client)),
        rows,
        rt: tokio::runtime::Runtime::new().unwrap(),
    })
}

impl Fixture {
    /// A mock server with `faults` mounted first (highest priority) and the double behind.
    fn server(&self, max_rows: usize, faults: Vec<Mock>) -> MockServer {
        self.rt.block_on(async {
            let server = MockServer::start().await;
            for f in faults {
                f.mount(&server).await;
            }
            Mock::given(method("GET"))
                .respond_with(PostgrestDouble {
                    pg_url: self.pg_url.clone(),
                    max_rows,
                })
                .with_priority(10)
                .mount(&server)
                .await;
            server
        })
    }

    fn requests(&self, server: &MockServer) -> Vec<Request> {
        self.rt
            .block_on(server.received_requests())
            .unwrap_or_default()
    }
}

fn source_cfg(kind: connector::SourceKind) -> connector::SourceConfig {
    connector::SourceConfig {
        kind,
        supabase: connector::RemoteTableConfig {
            select: SELECT.into(),
            timeout_secs: 1.0,
            retry: connector::RetryPolicy {
                max_attempts: 3,
                base_delay_ms: 10,
                max_delay_ms: 50,
                max_total_secs: 20.0,
                min_page_size: 50,
            },
            ..connector::RemoteTableConfig::default()
        },
        ..connector::SourceConfig::default()
    }
}

fn fetch(
    cfg: &connector::SourceConfig,
    secrets: &[(&str, &str)],
) -> Result<connector::Fetched, connector::ConnectorError> {
    let lookup = |n: &str| {
        secrets
            .iter()
            .find(|(k, _)| *k == n)
            .map(|(_, v)| connector::Secret::new(*v))
    };
    connector::build_source(
        cfg,
        42,
        &calendar::CalendarConfig::default(),
        &[],
        Path::new("."),
        &lookup,
    )?
    .fetch(None)
}

fn supabase(url: &str) -> Vec<(&str, String)> {
    vec![
        ("SUPABASE_URL", url.to_string()),
        ("SUPABASE_KEY", KEY.to_string()),
    ]
}

fn pgrst_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(serde_json::json!({
        "code": code, "message": message, "details": null, "hint": null
    }))
}

/// Phase 01 through xtask against `url`; returns the exit code and the project folder.
fn ingest_via_xtask(url: &str, extra: &[&str]) -> (u8, tempfile::TempDir) {
    let dir = e2e::project();
    let mut args: Vec<String> = vec!["phase".into(), "01".into()];
    for s in [
        "source.kind=supabase".to_string(),
        format!("source.supabase.select={SELECT}"),
        "source.supabase.timeout_secs=1.0".into(),
        "source.supabase.retry.max_attempts=3".into(),
        "source.supabase.retry.base_delay_ms=10".into(),
        "source.supabase.retry.max_delay_ms=50".into(),
    ]
    .iter()
    .chain(
        extra
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .iter(),
    ) {
        args.push("--set".into());
        args.push(s.clone());
    }
    let env: Vec<(String, String)> = supabase(url)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let code = xtask::cli::main_with(&args, Some(dir.path()), &env);
    (code, dir)
}

/// Pages kept in a raw pages folder.
fn page_count(root: &Path, rel: &str) -> u64 {
    std::fs::read_dir(root.join(rel))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("page_"))
        .count() as u64
}

/// What the raw layer holds: (parquet snapshots, page folders, staging leftovers).
fn raw_layer(root: &Path) -> (usize, usize, usize) {
    let mut out = (0, 0, 0);
    if let Ok(rd) = std::fs::read_dir(root.join("data/01_raw")) {
        for e in rd.flatten() {
            let n = e.file_name().to_string_lossy().to_string();
            if n.starts_with(".staging") || n.starts_with(".tmp") {
                out.2 += 1;
            } else if n.ends_with("_pages") {
                out.1 += 1;
            } else if n.ends_with(".parquet") {
                out.0 += 1;
            }
        }
    }
    out
}

fn assert_nothing_written(root: &Path, scenario: &str) {
    assert_eq!(
        raw_layer(root),
        (0, 0, 0),
        "{scenario}: no partial snapshot"
    );
}

#[test]
fn supabase_source_against_a_postgrest_double_backed_by_postgresql() {
    let Some(fx) = fixture("supabase_source_against_a_postgrest_double_backed_by_postgresql")
    else {
        return;
    };
    let n = fx.rows;
    assert!(n >= 2883, "the demo history: {n} rows");

    // 1. Happy multi-page run through phase 01: pages of 1,000 until an empty page; the raw
    //    layer keeps every page; the exact count matches.
    let server = fx.server(1000, vec![]);
    let (code, dir) = ingest_via_xtask(&server.uri(), &[]);
    assert_eq!(code, 0, "happy run");
    let (snaps, page_dirs, staging) = raw_layer(dir.path());
    assert_eq!((snaps, page_dirs, staging), (1, 1, 0));
    let ingest: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("outputs/reports/ingest_latest.json")).unwrap(),
    )
    .unwrap();
    let body = &ingest["body"];
    assert_eq!(body["rows"], n as u64);
    // The pages folder sits beside the snapshot the manifest names (report bodies hold no
    // run id, so no path).
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("outputs/reports/run_manifest_latest.json"))
            .unwrap(),
    )
    .unwrap();
    let pages_rel = manifest["raw_snapshot"]
        .as_str()
        .unwrap()
        .replace(".parquet", "_pages");
    assert_eq!(body["raw_pages"], page_count(dir.path(), &pages_rel));
    assert_eq!(
        body["fetch"]["pages"],
        n.div_ceil(1000) as u64 + 1,
        "{}\n{}",
        body["fetch"],
        std::fs::read_to_string(dir.path().join(&pages_rel).join("pages.json")).unwrap()
    );
    assert_eq!(body["fetch"]["announced_count"], n as u64);
    assert!(body["fetch"]["warnings"].as_array().unwrap().is_empty());
    let pages_dir = dir.path().join(&pages_rel);
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(pages_dir.join("pages.json")).unwrap())
            .unwrap();
    let first = &meta["pages"][0];
    assert_eq!(first["status"], 206, "partial content with an exact count");
    assert_eq!(first["content_range"], format!("0-999/{n}"));
    let page1 = std::fs::read(pages_dir.join("page_0001.json")).unwrap();
    assert_eq!(
        first["sha256"].as_str().unwrap(),
        core_types::to_hex(&sha2::Digest::finalize(sha2::Digest::chain_update(
            <sha2::Sha256 as sha2::Digest>::new(),
            &page1
        ))),
        "bytes kept exactly"
    );
    assert!(!first["request"].as_str().unwrap().contains("127.0.0.1"));
    let reqs = fx.requests(&server);
    assert!(reqs.iter().all(|r| r.headers.get("apikey").unwrap() == KEY));
    assert!(
        reqs.iter()
            .all(|r| r.headers.get("Authorization").is_none()),
        "no bearer for an sb_secret_ key"
    );
    // Keyset pages on (fecha, id): the select has an id.
    let pairs = |r: &Request| -> Vec<(String, String)> {
        r.url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    assert!(pairs(&reqs[1])
        .iter()
        .any(|(k, v)| k == "or" && v.starts_with("(fecha.gt.\"")));
    assert!(pairs(&reqs[0]).contains(&("order".into(), "fecha.asc,id.asc".into())));

    // 2. A server that silently caps at 300 rows: short pages are not the end.
    let server = fx.server(300, vec![]);
    let f = fetch(
        &source_cfg(connector::SourceKind::Supabase),
        &supabase_ref(&server),
    )
    .unwrap();
    assert_eq!(f.frame.height(), n, "silent cap");
    let rep = f.fetch_report.unwrap();
    assert_eq!(rep.pages, n.div_ceil(300) + 1);
    assert_eq!(rep.announced_count, Some(n as u64));

    // 3. 416 PGRST103 after the last page reads as the end.
    let last = "2025-11-30";
    let server = fx.server(
        1000,
        vec![Mock::given(method("GET"))
            .and(wiremock::matchers::query_param_contains(
                "or",
                format!("fecha.gt.\"{last}\""),
            ))
            .respond_with(pgrst_error(
                416,
                "PGRST103",
                "Requested range not satisfiable",
            ))
            .with_priority(1)],
    );
    let f = fetch(
        &source_cfg(connector::SourceKind::Supabase),
        &supabase_ref(&server),
    )
    .unwrap();
    assert_eq!(f.frame.height(), n);
    assert!(f.fetch_report.unwrap().warnings[0].contains("PGRST103"));

    // 4.–6. Retried faults: 503 PGRST000 with Retry-After, 429, 544 — then success.
    for (status, code) in [(503, "PGRST000"), (429, ""), (544, "")] {
        let server = fx.server(
            1000,
            vec![Mock::given(method("GET"))
                .respond_with(
                    pgrst_error(status, code, "try again").insert_header("Retry-After", "0.05"),
                )
                .up_to_n_times(1)
                .with_priority(1)],
        );
        let (code_, dir) = ingest_via_xtask(&server.uri(), &[]);
        assert_eq!(code_, 0, "{status} then success");
        assert_eq!(raw_layer(dir.path()), (1, 1, 0));
        let ingest: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("outputs/reports/ingest_latest.json"))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(ingest["body"]["fetch"]["retries"], 1, "{status}");
    }

    // 7. 500 with 57014 (statement timeout) on the 1,000-row page: retried with 500 rows.
    let server = fx.server(
        1000,
        vec![Mock::given(method("GET"))
            .and(header("Range", "0-999"))
            .respond_with(pgrst_error(
                500,
                "57014",
                "canceling statement due to statement timeout",
            ))
            .up_to_n_times(1)
            .with_priority(1)],
    );
    let f = fetch(
        &source_cfg(connector::SourceKind::Supabase),
        &supabase_ref(&server),
    )
    .unwrap();
    assert_eq!(f.frame.height(), n);
    assert_eq!(f.fetch_report.unwrap().final_page_size, 500);

    // 8. 540: the project is paused — one request, no retry, a clear error, nothing written.
    let server = fx.server(
        1000,
        vec![Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(540).set_body_string("project paused"))
            .with_priority(1)],
    );
    let (code, dir) = ingest_via_xtask(&server.uri(), &[]);
    assert_eq!(code, 1);
    assert_nothing_written(dir.path(), "540");
    assert_eq!(fx.requests(&server).len(), 1, "540 is not retried");
    let e = fetch(
        &source_cfg(connector::SourceKind::Supabase),
        &supabase_ref(&server),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("paused"), "{e}");

    // 9. Cloudflare-style HTML 522 every time: retried, then a clear error naming 522.
    let server = fx.server(
        1000,
        vec![Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(522).set_body_raw(
                "<html><body>Error 522: Connection timed out</body></html>",
                "text/html",
            ))
            .with_priority(1)],
    );
    let (code, dir) = ingest_via_xtask(&server.uri(), &[]);
    assert_eq!(code, 1);
    assert_nothing_written(dir.path(), "522");
    assert_eq!(fx.requests(&server).len(), 3, "max_attempts");
    let e = fetch(
        &source_cfg(connector::SourceKind::Supabase),
        &supabase_ref(&server),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("522") && e.contains("3 attempt"), "{e}");

    // 10. A 4xx that is not retried: the PostgREST body is parsed into the error.
    let server = fx.server(
        1000,
        vec![Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
                "code": "42501", "message": "permission denied for table ventas_diarias",
                "details": null, "hint": "grant select to the role"
            })))
            .with_priority(1)],
    );
    let e = fetch(
        &source_cfg(connector::SourceKind::Supabase),
        &supabase_ref(&server),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("401") && e.contains("42501") && e.contains("grant select"),
        "{e}"
    );
    assert_eq!(fx.requests(&server).len(), 1);

    // 11. Malformed JSON on the second page: a decode error naming the page; nothing written.
    let server = fx.server(
        1000,
        vec![Mock::given(method("GET"))
            .and(header("Range", "0-999"))
            .and(wiremock::matchers::query_param_contains("or", "fecha.gt."))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw("[{\"fecha\": \"2021-", "application/json"),
            )
            .with_priority(1)],
    );
    let (code, dir) = ingest_via_xtask(&server.uri(), &[]);
    assert_eq!(code, 1);
    assert_nothing_written(dir.path(), "malformed JSON");
    let e = fetch(
        &source_cfg(connector::SourceKind::Supabase),
        &supabase_ref(&server),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("page 2") && e.contains("not JSON"), "{e}");

    // 12. `200 []`: a warning that Row Level Security may hide the rows.
    let server = fx.server(
        1000,
        vec![Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_raw("[]", "application/json"))
            .with_priority(1)],
    );
    let f = fetch(
        &source_cfg(connector::SourceKind::Supabase),
        &supabase_ref(&server),
    )
    .unwrap();
    assert_eq!(f.frame.height(), 0);
    assert!(f
        .fetch_report
        .unwrap()
        .warnings
        .iter()
        .any(|w| w.contains("Row Level Security")));

    // 13. A response slower than the timeout: retried, then a timeout error; nothing written.
    let server = fx.server(
        1000,
        vec![Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw("[]", "application/json")
                    .set_delay(Duration::from_secs(3)),
            )
            .with_priority(1)],
    );
    let (code, dir) = ingest_via_xtask(&server.uri(), &[]);
    assert_eq!(code, 1);
    assert_nothing_written(dir.path(), "slow");
    let e = fetch(
        &source_cfg(connector::SourceKind::Supabase),
        &supabase_ref(&server),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("timeout") || e.contains("timed out"), "{e}");

    // 14. A dropped connection (the server accepts and closes): transport errors, retried.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in listener.incoming() {
            drop(s);
        }
    });
    let url = format!("http://{addr}");
    let (code, dir) = ingest_via_xtask(&url, &[]);
    assert_eq!(code, 1);
    assert_nothing_written(dir.path(), "dropped connection");
    let e = fetch(
        &source_cfg(connector::SourceKind::Supabase),
        &[("SUPABASE_URL", url.as_str()), ("SUPABASE_KEY", KEY)],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("gave up after 3 attempt"), "{e}");
    assert!(!e.contains(&addr.to_string()), "no URL in errors: {e}");

    // 15. "NaN" and null numerics pass through as text and null for the contract to judge.
    std::thread::spawn({
        let pg = fx.pg.clone();
        move || {
            pg.lock()
                .unwrap()
                .batch_execute(
                    "update ventas_diarias set unidades_vendidas = 'NaN' where fecha = '2020-02-03'; \
                     update ventas_diarias set unidades_vendidas = null where fecha = '2020-02-04'",
                )
                .unwrap()
        }
    })
    .join()
    .unwrap();
    let server = fx.server(1000, vec![]);
    let f = fetch(
        &source_cfg(connector::SourceKind::Supabase),
        &supabase_ref(&server),
    )
    .unwrap();
    let cell = |d: &str| -> Option<String> {
        let date = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let fechas: Vec<Option<chrono::NaiveDate>> = f
            .frame
            .column("fecha")
            .unwrap()
            .date()
            .unwrap()
            .as_date_iter()
            .collect();
        let i = fechas.iter().position(|x| *x == Some(date)).unwrap();
        f.frame
            .column("unidades_vendidas")
            .unwrap()
            .str()
            .unwrap()
            .get(i)
            .map(String::from)
    };
    assert_eq!(cell("2020-02-03").as_deref(), Some("NaN"));
    assert_eq!(cell("2020-02-04"), None);
    let _ = &fx.pg_url;
}

fn supabase_ref(server: &MockServer) -> Vec<(&'static str, &'static str)> {
    let url: &'static str = Box::leak(server.uri().into_boxed_str());
    vec![("SUPABASE_URL", url), ("SUPABASE_KEY", KEY)]
}

#[test]
fn postgres_source_reads_the_table_with_the_same_keyset_query_end_to_end() {
    let Some(fx) = fixture("postgres_source_reads_the_table_with_the_same_keyset_query_end_to_end")
    else {
        return;
    };
    // Direct: every row, pages of 1,000 until an empty page, count(*) compared.
    let mut cfg = source_cfg(connector::SourceKind::Postgres);
    let f = fetch(&cfg, &[("SUPABASE_DB_URL", fx.pg_url.as_str())]).unwrap();
    assert_eq!(f.frame.height(), fx.rows);
    let rep = f.fetch_report.unwrap();
    assert_eq!(rep.pages, fx.rows.div_ceil(1000) + 1);
    assert_eq!(rep.announced_count, Some(fx.rows as u64));
    assert!(rep.warnings.is_empty(), "{:?}", rep.warnings);
    // Same rows as the PostgREST double would give (same SQL shape, same JSON text).
    assert!(f.raw_pages[0].body.starts_with(b"[{\"id\":"));
    // Missing secret: a clear error naming the variable.
    let e = fetch(&cfg, &[]).unwrap_err().to_string();
    assert!(e.contains("SUPABASE_DB_URL"), "{e}");
    // A query error that is not retried (unknown column) is typed with its SQLSTATE.
    cfg.supabase.select = "fecha,no_such_column".into();
    let e = fetch(&cfg, &[("SUPABASE_DB_URL", fx.pg_url.as_str())])
        .unwrap_err()
        .to_string();
    assert!(e.contains("42703"), "{e}");
    // TLS follows the connection string: `sslmode=require` against this plain server is
    // refused (the default `prefer` above fell back to plain text).
    let tls_url = format!("{}?sslmode=require", fx.pg_url);
    let e = fetch(
        &source_cfg(connector::SourceKind::Postgres),
        &[("SUPABASE_DB_URL", tls_url.as_str())],
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("TLS") || e.contains("tls") || e.contains("SSL"),
        "{e}"
    );
    // Nobody listening: connection retries, then a clear error without the URL.
    let cfg = source_cfg(connector::SourceKind::Postgres);
    let dead = "postgresql://postgres@127.0.0.1:1/postgres";
    let e = fetch(&cfg, &[("SUPABASE_DB_URL", dead)])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("gave up after 3 attempt") && !e.contains("127.0.0.1:1"),
        "{e}"
    );

    // End to end: phases 00-05 with `source.kind: postgres`, and with `supabase` through the
    // double; then no file anywhere holds the key, the URL or the connection string.
    for kind in ["postgres", "supabase"] {
        let server = fx.server(1000, vec![]);
        let dir = e2e::project();
        let args: Vec<String> = [
            "run",
            "--set",
            &format!("source.kind={kind}"),
            "--set",
            &format!("source.supabase.select={SELECT}"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let env: Vec<(String, String)> = vec![
            ("SUPABASE_URL".into(), server.uri()),
            ("SUPABASE_KEY".into(), KEY.into()),
            ("SUPABASE_DB_URL".into(), fx.pg_url.clone()),
        ];
        assert_eq!(
            xtask::cli::main_with(&args, Some(dir.path()), &env),
            0,
            "{kind}"
        );
        let m: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("outputs/reports/run_manifest_latest.json"))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(m["status"], "ok");
        let needles = [
            KEY.to_string(),
            server.uri(),
            fx.pg_url.clone(),
            format!("127.0.0.1:{}", fx._pg.port),
        ];
        let mut stack = vec![dir.path().to_path_buf()];
        let mut files = 0;
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    files += 1;
                    let bytes = std::fs::read(&p).unwrap();
                    let text = String::from_utf8_lossy(&bytes);
                    for n in &needles {
                        assert!(!text.contains(n.as_str()), "{} holds a secret", p.display());
                    }
                }
            }
        }
        assert!(files > 30, "{kind}: {files} files checked");
    }
}

#[test]
fn rows_sharing_a_date_across_a_page_boundary_are_all_read() {
    let Some(fx) = fixture("rows_sharing_a_date_across_a_page_boundary_are_all_read") else {
        return;
    };
    // Three rows on 2024-01-02 (ids 2, 3, 4, inserted out of order); pages of 2 rows put the
    // page boundary between ids 2 and 3.
    std::thread::spawn({
        let pg = fx.pg.clone();
        move || {
            pg.lock()
                .unwrap()
                .batch_execute(
                    "create table dup_dates (id bigint primary key, fecha date, tienda text, unidades_vendidas numeric); \
                     insert into dup_dates values (4, '2024-01-02', 'sur', 40), (1, '2024-01-01', 'centro', 10), \
                     (3, '2024-01-02', 'centro', 30), (5, '2024-01-03', 'centro', 50), (2, '2024-01-02', 'norte', 20)",
                )
                .unwrap()
        }
    })
    .join()
    .unwrap();
    let server = fx.server(1000, vec![]);
    let cfg = |kind, select: &str| {
        let mut c = source_cfg(kind);
        c.supabase.table = "dup_dates".into();
        c.supabase.select = select.into();
        c.supabase.page_size = 2;
        c
    };
    let secrets = {
        let mut s = supabase_ref(&server);
        s.push((
            "SUPABASE_DB_URL",
            Box::leak(fx.pg_url.clone().into_boxed_str()),
        ));
        s
    };
    let ids = |f: &connector::Fetched| -> Vec<String> {
        f.frame
            .column("id")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap().to_string())
            .collect()
    };
    for kind in [
        connector::SourceKind::Supabase,
        connector::SourceKind::Postgres,
    ] {
        // With the id in the select: pages on (fecha, id), every row arrives, in order.
        let f = fetch(&cfg(kind, "id,fecha,unidades_vendidas::text"), &secrets).unwrap();
        assert_eq!(ids(&f), ["1", "2", "3", "4", "5"], "{kind:?}");
        let rep = f.fetch_report.as_ref().unwrap();
        assert_eq!(rep.announced_count, Some(5), "{kind:?}");
        assert!(rep.warnings.is_empty(), "{kind:?}: {:?}", rep.warnings);
        // Without an id: date-only keyset pages skip rows, and the count comparison says so.
        let f = fetch(&cfg(kind, "fecha,unidades_vendidas::text"), &secrets).unwrap();
        assert!(
            f.frame.height() < 5,
            "{kind:?}: date-only paging loses rows"
        );
        let rep = f.fetch_report.unwrap();
        assert!(
            rep.warnings
                .iter()
                .any(|w| w.contains("announced 5") && w.contains("no `id`")),
            "{kind:?}: {:?}",
            rep.warnings
        );
        // Many series without an id: pages on (fecha, tienda), every row arrives, in order.
        let mut keyed = cfg(kind, "fecha,tienda,unidades_vendidas::text");
        keyed.serie = vec!["tienda".into()];
        let f = fetch(&keyed, &secrets).unwrap();
        let tiendas: Vec<String> = f
            .frame
            .column("tienda")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap().to_string())
            .collect();
        assert_eq!(
            tiendas,
            ["centro", "centro", "norte", "sur", "centro"],
            "{kind:?}"
        );
        let rep = f.fetch_report.as_ref().unwrap();
        assert!(rep.warnings.is_empty(), "{kind:?}: {:?}", rep.warnings);
        assert!(rep.pages >= 3, "{kind:?}: {} pages", rep.pages);
    }
    // The PostgREST requests carried the (date, id) keyset and order, and the (date, tienda)
    // one.
    let reqs = fx.requests(&server);
    assert!(reqs
        .iter()
        .any(|r| r.url.query_pairs().any(|(k, v)| k == "or"
            && v == "(fecha.gt.\"2024-01-02\",and(fecha.eq.\"2024-01-02\",id.gt.\"2\"))")));
    assert!(reqs
        .iter()
        .any(|r| r.url.query_pairs().any(|(k, v)| k == "or"
            && v
                == "(fecha.gt.\"2024-01-02\",and(fecha.eq.\"2024-01-02\",tienda.gt.\"centro\"))")));
}
