//! The same table read straight from PostgreSQL (Supabase's session pooler, or any server),
//! with the same keyset query as the PostgREST source and the same guarantees: each page is
//! the JSON text PostgreSQL builds (`coalesce(json_agg(t), '[]')`, exactly what PostgREST
//! sends), kept byte for byte; bounded retries; typed errors; the connection string only from
//! the environment (`SUPABASE_DB_URL`), never in an error or a log (its host, user, password
//! and database name are scrubbed from every message; dependencies' debug logs are muted).
//!
//! Pages are keyed on `(date, id)` when the select includes `id`
//! (`where ("fecha", "id") > ($1, $2) order by "fecha", "id"`), else on `(date, series key…)`
//! for a many-series source, else on the date alone.

use std::time::{Duration, Instant};

use postgres::Client;

use crate::remote::{backoff, jitter_rng, FetchReport, RawPage, Scrubber, Secret};
use crate::supabase::{Keyset, RemoteTableConfig};
use crate::{ConnectorError, RemoteError};

/// The PostgreSQL source.
#[derive(Debug, Clone)]
pub struct PostgresSource {
    /// Table settings (`source.supabase`, shared with the PostgREST source).
    pub cfg: RemoteTableConfig,
    /// Connection string (`postgresql://user:password@host:port/db`).
    pub url: Secret,
    /// Seed of the retry jitter.
    pub seed: u64,
}

/// SQLSTATEs worth a retry: connection failures, admin shutdowns, serialisation failures,
/// too many connections.
fn retryable(code: &str) -> bool {
    code.starts_with("08")
        || matches!(
            code,
            "57P01" | "57P02" | "57P03" | "40001" | "40P01" | "53300"
        )
}

impl PostgresSource {
    fn relation(&self) -> String {
        match &self.cfg.schema {
            Some(s) => format!("\"{s}\".\"{}\"", self.cfg.table),
            None => format!("\"{}\"", self.cfg.table),
        }
    }

    /// The WHERE clause shared by the count and the pages; parameters start at `$first`.
    /// `keyset`: none (first page and count), after a date (`Some(None)`), or after a
    /// `(date, key…)` whose keyset columns have the given SQL types.
    fn conditions(&self, first: usize, keyset: Option<Option<&[String]>>) -> (String, usize) {
        let date = format!("\"{}\"", self.cfg.date_column);
        let keys = self.cfg.keyset_columns();
        let mut parts = Vec::new();
        let mut k = first;
        match keyset {
            Some(Some(types)) if !keys.is_empty() && types.len() == keys.len() => {
                let cols: Vec<String> = keys.iter().map(|c| format!("\"{c}\"")).collect();
                let params: Vec<String> = types
                    .iter()
                    .enumerate()
                    .map(|(i, t)| format!("${}::text::{t}", k + 1 + i))
                    .collect();
                parts.push(format!(
                    "(({date}, {}) > (${k}::text::timestamptz, {}))",
                    cols.join(", "),
                    params.join(", ")
                ));
                k += 1 + keys.len();
            }
            Some(_) => {
                parts.push(format!("({date} > ${k}::text::timestamptz)"));
                k += 1;
            }
            None => {}
        }
        parts.push(format!(
            "(${k}::text is null or {date} >= ${k}::text::date) and (${0}::text is null or {date} <= ${0}::text::date)",
            k + 1
        ));
        k += 2;
        for col in self.cfg.filters.keys() {
            parts.push(format!("\"{col}\"::text = ${k}::text"));
            k += 1;
        }
        (parts.join(" and "), k)
    }

    fn select_list(&self) -> String {
        self.cfg
            .select
            .split(',')
            .map(|item| {
                let mut it = item.trim().split("::");
                let col = it.next().unwrap_or_default().trim();
                match it.next() {
                    // `col::type` keeps the column's name as the JSON key, as PostgREST does.
                    Some(t) => format!("\"{col}\"::{} as \"{col}\"", t.trim()),
                    None => format!("\"{col}\""),
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn page_sql(&self, keyset: Option<Option<&[String]>>, page_size: usize) -> String {
        let (cond, _) = self.conditions(1, keyset);
        let order = std::iter::once(&self.cfg.date_column)
            .chain(&self.cfg.keyset_columns())
            .map(|c| format!("\"{c}\" asc"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "select coalesce(json_agg(t), '[]')::text from (select {} from {} where {cond} order by {order} limit {page_size}) t",
            self.select_list(),
            self.relation(),
        )
    }

    fn count_sql(&self) -> String {
        let (cond, _) = self.conditions(1, None);
        format!("select count(*) from {} where {cond}", self.relation())
    }

    /// What must never appear in an error: the connection string, its hosts, user, password
    /// and database name (unless the default `postgres`), and the filter values.
    fn scrubber(&self) -> Scrubber {
        let url = self.url.expose();
        let mut s = Scrubber::default().hide(url);
        if let Ok(cfg) = url.parse::<postgres::Config>() {
            for h in cfg.get_hosts() {
                if let postgres::config::Host::Tcp(h) = h {
                    s = s.hide(h);
                }
            }
            if let Some(u) = cfg.get_user() {
                s = s.hide(u);
            }
            if let Some(p) = cfg.get_password() {
                s = s.hide(&String::from_utf8_lossy(p));
            }
            if let Some(d) = cfg.get_dbname().filter(|d| *d != "postgres") {
                s = s.hide(d);
            }
        }
        self.cfg.filters.values().fold(s, |s, v| s.hide(v))
    }

    /// The SQL type of a keyset column (`bigint`, `uuid`, `text`, …), for its parameter's cast.
    fn id_type(&self, c: &mut Client, id: &str) -> Result<String, postgres::Error> {
        let row = c.query_opt(
            "select format_type(a.atttypid, a.atttypmod) from pg_attribute a \
             where a.attrelid = $1::text::regclass and a.attname = $2::text \
             and a.attnum > 0 and not a.attisdropped",
            &[&self.relation(), &id],
        )?;
        // Not found: the page query will name the missing column itself.
        Ok(row.map_or_else(|| "text".to_string(), |r| r.get(0)))
    }

    fn connect(&self, tls: &postgres_openssl::MakeTlsConnector) -> Result<Client, postgres::Error> {
        let mut cfg: postgres::Config = self.url.expose().parse()?;
        cfg.connect_timeout(Duration::from_secs_f64(self.cfg.timeout_secs));
        let mut client = cfg.connect(tls.clone())?;
        let ms = (self.cfg.timeout_secs * 1000.0).round() as u64;
        client.batch_execute(&format!("set statement_timeout = {ms}"))?;
        Ok(client)
    }

    /// Fetches every page (nothing is written here; see the Supabase source).
    pub fn fetch_pages(
        &self,
        span: Option<core_types::DateSpan>,
    ) -> Result<(Vec<RawPage>, FetchReport), ConnectorError> {
        self.cfg.validate()?;
        crate::remote::quietly(|_| self.fetch_pages_quietly(span))
    }

    fn fetch_pages_quietly(
        &self,
        span: Option<core_types::DateSpan>,
    ) -> Result<(Vec<RawPage>, FetchReport), ConnectorError> {
        let scrub = self.scrubber();
        // TLS as the connection string's `sslmode` asks (`prefer` by default; use `require`
        // for Supabase's pooler), certificates checked against the system's roots.
        let tls = openssl::ssl::SslConnector::builder(openssl::ssl::SslMethod::tls())
            .map(|b| postgres_openssl::MakeTlsConnector::new(b.build()))
            .map_err(|e| RemoteError::Postgres {
                code: None,
                message: format!("cannot set up TLS: {e}"),
            })?;
        let policy = &self.cfg.retry;
        let mut rng = jitter_rng(self.seed);
        let started = Instant::now();
        let mut page_size = self.cfg.page_size;
        let mut client: Option<Client> = None;
        let mut key_types: Option<Vec<String>> = None;
        let mut last: Option<Keyset> = None;
        let mut pages = Vec::new();
        let mut report = FetchReport::default();
        let (from, to) = (
            span.map(|s| s.start().to_string()),
            span.map(|s| s.end().to_string()),
        );
        let filters: Vec<String> = self.cfg.filters.values().cloned().collect();
        loop {
            let number = pages.len() + 1;
            let mut attempts = 0u32;
            let (sql, text, count) = loop {
                attempts += 1;
                tracing::debug!(
                    page = number,
                    attempt = attempts,
                    "query {}",
                    self.relation()
                );
                let result = (|| -> Result<(String, String, Option<i64>), postgres::Error> {
                    if client.is_none() {
                        client = Some(self.connect(&tls)?);
                    }
                    let c = client.as_mut().expect("connected");
                    if key_types.is_none() {
                        key_types = Some(
                            self.cfg
                                .keyset_columns()
                                .iter()
                                .map(|col| self.id_type(c, col))
                                .collect::<Result<_, _>>()?,
                        );
                    }
                    let keyset = last.as_ref().map(|k| {
                        (!k.after.is_empty())
                            .then_some(key_types.as_deref())
                            .flatten()
                    });
                    let sql = self.page_sql(keyset, page_size);
                    let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = Vec::new();
                    if let Some(l) = &last {
                        params.push(&l.date);
                        for v in &l.after {
                            params.push(v);
                        }
                    }
                    params.push(&from);
                    params.push(&to);
                    for f in &filters {
                        params.push(f);
                    }
                    let row = c.query_one(sql.as_str(), &params)?;
                    let text: String = row.get(0);
                    let count = if number == 1 && self.cfg.count_exact {
                        let mut p: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![&from, &to];
                        for f in &filters {
                            p.push(f);
                        }
                        Some(c.query_one(self.count_sql().as_str(), &p)?.get::<_, i64>(0))
                    } else {
                        None
                    };
                    Ok((sql, text, count))
                })();
                let why = match result {
                    Ok(done) => break done,
                    Err(e) => {
                        let code = e.code().map(|c| c.code().to_string());
                        let message = scrub.scrub(
                            &e.as_db_error()
                                .map(|d| d.message().to_string())
                                .unwrap_or_else(|| e.to_string()),
                        );
                        match code.as_deref() {
                            Some("57014") => {
                                page_size = (page_size / 2).max(policy.min_page_size);
                                format!("statement timeout (57014); page size now {page_size}")
                            }
                            Some(c) if !retryable(c) => {
                                return Err(RemoteError::Postgres { code, message }.into())
                            }
                            _ => {
                                client = None;
                                format!("connection: {message}")
                            }
                        }
                    }
                };
                let wait = backoff(policy, attempts, None, &mut rng);
                if attempts >= policy.max_attempts
                    || (started.elapsed() + wait).as_secs_f64() > policy.max_total_secs
                {
                    return Err(RemoteError::Exhausted {
                        request: format!("page {number} of {}", self.relation()),
                        attempts,
                        seconds: started.elapsed().as_secs_f64(),
                        last: why,
                    }
                    .into());
                }
                report.retries += 1;
                std::thread::sleep(wait);
            };
            if let Some(c) = count {
                report.announced_count = Some(c.max(0) as u64);
            }
            let body = text.into_bytes();
            let rows = crate::remote::parse_page(number, &body)?;
            let n = rows.len();
            tracing::debug!(page = number, rows = n, "page received");
            if let Some(k) = self.cfg.next_keyset(number, &rows)? {
                last = Some(k);
            }
            pages.push(RawPage::new(number, sql, 200, None, body, n, attempts));
            report.rows += n;
            if n == 0 {
                break;
            }
        }
        report.pages = pages.len();
        report.final_page_size = page_size;
        if let Some(c) = report.announced_count {
            if c != report.rows as u64 {
                report.warnings.push(crate::supabase::count_mismatch(
                    c,
                    report.rows,
                    !self.cfg.keyset_columns().is_empty(),
                ));
            }
        }
        if report.rows == 0 {
            report
                .warnings
                .push("the query returned no rows for the span".into());
        }
        Ok((pages, report))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_query_is_postgrest_shaped_and_parameterised() {
        let mut cfg = RemoteTableConfig::default();
        cfg.filters.insert("producto".into(), "bunuelo".into());
        let mut s = PostgresSource {
            cfg,
            url: Secret::new("postgresql://x@localhost/db"),
            seed: 1,
        };
        let sql = s.page_sql(Some(None), 1000);
        assert!(
            sql.starts_with("select coalesce(json_agg(t), '[]')::text from (select \"id\", \"fecha\", \"unidades_vendidas\"::text as \"unidades_vendidas\""),
            "{sql}"
        );
        assert!(sql.contains("(\"fecha\" > $1::text::timestamptz)"), "{sql}");
        assert!(sql.contains("\"producto\"::text = $4::text"), "{sql}");
        assert!(
            sql.ends_with("order by \"fecha\" asc, \"id\" asc limit 1000) t"),
            "{sql}"
        );
        let sql = s.page_sql(Some(Some(&["bigint".to_string()])), 10);
        assert!(
            sql.contains("((\"fecha\", \"id\") > ($1::text::timestamptz, $2::text::bigint))"),
            "{sql}"
        );
        assert!(sql.contains("\"producto\"::text = $5::text"), "{sql}");
        s.cfg.select = "fecha,unidades_vendidas".into();
        assert!(s
            .page_sql(Some(None), 10)
            .ends_with("order by \"fecha\" asc limit 10) t"));
        assert!(s.count_sql().contains("\"producto\"::text = $3::text"));
        // Many series without an id: (date, series key…), each key cast to its column type.
        s.cfg.select = "fecha,tienda,producto,unidades_vendidas".into();
        s.cfg.tiebreak = vec!["tienda".into(), "producto".into()];
        let sql = s.page_sql(Some(Some(&["text".to_string(), "integer".to_string()])), 10);
        assert!(
            sql.contains(
                "((\"fecha\", \"tienda\", \"producto\") > ($1::text::timestamptz, $2::text::text, $3::text::integer))"
            ),
            "{sql}"
        );
        assert!(
            sql.ends_with("order by \"fecha\" asc, \"tienda\" asc, \"producto\" asc limit 10) t"),
            "{sql}"
        );
        assert!(!format!("{s:?}").contains("localhost"));
    }
}
