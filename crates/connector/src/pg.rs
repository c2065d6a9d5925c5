//! The same table read straight from PostgreSQL (Supabase's session pooler, or any server),
//! with the same keyset query as the PostgREST source and the same guarantees: each page is
//! the JSON text PostgreSQL builds (`coalesce(json_agg(t), '[]')`, exactly what PostgREST
//! sends), kept byte for byte; bounded retries; typed errors; the connection string only from
//! the environment (`SUPABASE_DB_URL`).

use std::time::{Duration, Instant};

use postgres::Client;

use crate::remote::{backoff, jitter_rng, FetchReport, RawPage, Secret};
use crate::supabase::RemoteTableConfig;
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
    fn conditions(&self, first: usize, with_keyset: bool) -> (String, usize) {
        let date = format!("\"{}\"", self.cfg.date_column);
        let mut parts = Vec::new();
        let mut k = first;
        if with_keyset {
            parts.push(format!("({date} > ${k}::text::timestamptz)"));
            k += 1;
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

    fn page_sql(&self, with_keyset: bool, page_size: usize) -> String {
        let (cond, _) = self.conditions(1, with_keyset);
        format!(
            "select coalesce(json_agg(t), '[]')::text from (select {} from {} where {cond} order by \"{}\" asc limit {page_size}) t",
            self.select_list(),
            self.relation(),
            self.cfg.date_column
        )
    }

    fn count_sql(&self) -> String {
        let (cond, _) = self.conditions(1, false);
        format!("select count(*) from {} where {cond}", self.relation())
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
        let mut last: Option<String> = None;
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
                let sql = self.page_sql(last.is_some(), page_size);
                let result = (|| -> Result<(String, Option<i64>), postgres::Error> {
                    if client.is_none() {
                        client = Some(self.connect(&tls)?);
                    }
                    let c = client.as_mut().expect("connected");
                    let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = Vec::new();
                    if let Some(l) = &last {
                        params.push(l);
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
                    Ok((text, count))
                })();
                let why = match result {
                    Ok((text, count)) => break (sql, text, count),
                    Err(e) => {
                        let code = e.code().map(|c| c.code().to_string());
                        let message = e
                            .as_db_error()
                            .map(|d| d.message().to_string())
                            .unwrap_or_else(|| e.to_string());
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
            if n > 0 {
                let date = &self.cfg.date_column;
                last = Some(rows[n - 1].get(date).cloned().flatten().ok_or_else(|| {
                    ConnectorError::Decode {
                        page: number,
                        row: Some(n - 1),
                        field: Some(date.clone()),
                        message: "the date column is missing or null: pages cannot continue".into(),
                    }
                })?);
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
                report.warnings.push(format!(
                    "count(*) said {c} rows but {} arrived (rows sharing a date across a page \
                     boundary, or a table changing during the read)",
                    report.rows
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
        let s = PostgresSource {
            cfg,
            url: Secret::new("postgresql://x@localhost/db"),
            seed: 1,
        };
        let sql = s.page_sql(true, 1000);
        assert!(
            sql.starts_with("select coalesce(json_agg(t), '[]')::text from (select \"id\", \"fecha\", \"unidades_vendidas\"::text as \"unidades_vendidas\""),
            "{sql}"
        );
        assert!(sql.contains("(\"fecha\" > $1::text::timestamptz)"), "{sql}");
        assert!(sql.contains("\"producto\"::text = $4::text"), "{sql}");
        assert!(
            sql.ends_with("order by \"fecha\" asc limit 1000) t"),
            "{sql}"
        );
        assert!(s.count_sql().contains("\"producto\"::text = $3::text"));
        assert!(!format!("{s:?}").contains("localhost"));
    }
}
