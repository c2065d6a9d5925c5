//! Supabase through PostgREST: keyset pages on the date column, bounded retries with backoff
//! and jitter, typed errors, the raw pages kept byte for byte. The URL and key come only from
//! the environment and never reach a log, an error message or an artifact.
//!
//! Paging: `select=…&<date>=gt.<last>&order=<date>.asc` with `Range: 0-(page−1)`, until an
//! **empty** page — PostgREST silently caps every response (1,000 rows by default), so a short
//! page does not mean the end. The first page asks for an exact count (`Prefer: count=exact`)
//! and the rows received are compared with it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::remote::{backoff, jitter_rng, FetchReport, RawPage, RetryPolicy, Secret};
use crate::{ConnectorError, RemoteError};

/// Settings of a remote table (`source.supabase`), shared by the Supabase and PostgreSQL
/// sources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteTableConfig {
    /// Table (or view).
    pub table: String,
    /// Schema (`null` = the API's default, `public`).
    pub schema: Option<String>,
    /// Columns to read, PostgREST syntax with casts (`unidades_vendidas::text` keeps numerics
    /// exact as text).
    pub select: String,
    /// The date column pages are keyed on.
    pub date_column: String,
    /// Rows per page (at most 1,000: Supabase's default cap).
    pub page_size: usize,
    /// Timeout of one request, seconds.
    pub timeout_secs: f64,
    /// Ask for an exact count on the first page and compare it with the rows received.
    pub count_exact: bool,
    /// Equality filters, e.g. `{producto: bunuelo, tienda: centro}`.
    pub filters: BTreeMap<String, String>,
    /// Retries.
    pub retry: RetryPolicy,
}

impl Default for RemoteTableConfig {
    fn default() -> Self {
        Self {
            table: "ventas_diarias".into(),
            schema: None,
            select: "id,fecha,unidades_vendidas::text,promocion,descuento_pct::text,precio_unitario::text,abierto,observaciones,created_at".into(),
            date_column: "fecha".into(),
            page_size: 1000,
            timeout_secs: 30.0,
            count_exact: true,
            filters: BTreeMap::new(),
            retry: RetryPolicy::default(),
        }
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

impl RemoteTableConfig {
    /// The names of the selected columns (casts removed).
    pub fn column_names(&self) -> Vec<String> {
        self.select
            .split(',')
            .filter_map(|i| i.trim().split("::").next())
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect()
    }

    /// Checks the settings; errors name `source.supabase.<key>`. Names must be plain
    /// identifiers (they also go into SQL for the PostgreSQL source).
    pub fn validate(&self) -> Result<(), ConnectorError> {
        let bad = |k: &str, m: String| ConnectorError::InvalidConfig {
            key: format!("source.supabase.{k}"),
            message: m,
        };
        for (k, v) in [("table", &self.table), ("date_column", &self.date_column)] {
            if !is_identifier(v) {
                return Err(bad(k, format!("`{v}` is not a plain identifier")));
            }
        }
        if let Some(s) = &self.schema {
            if !is_identifier(s) {
                return Err(bad("schema", format!("`{s}` is not a plain identifier")));
            }
        }
        for item in self.select.split(',') {
            let ok = item
                .trim()
                .split("::")
                .enumerate()
                .all(|(i, part)| i < 2 && is_identifier(part.trim()));
            if !ok {
                return Err(bad(
                    "select",
                    format!("`{}` is not `column` or `column::type`", item.trim()),
                ));
            }
        }
        if !self
            .select
            .split(',')
            .any(|i| i.trim().split("::").next() == Some(self.date_column.as_str()))
        {
            return Err(bad(
                "select",
                format!("must include the date column `{}`", self.date_column),
            ));
        }
        for k in self.filters.keys() {
            if !is_identifier(k) {
                return Err(bad("filters", format!("`{k}` is not a plain identifier")));
            }
        }
        if !(1..=1000).contains(&self.page_size) {
            return Err(bad(
                "page_size",
                format!("expected 1..=1000, got {}", self.page_size),
            ));
        }
        if self.timeout_secs.is_nan() || self.timeout_secs <= 0.0 {
            return Err(bad("timeout_secs", "must be > 0".into()));
        }
        self.retry.validate("source.supabase.retry")
    }
}

/// The Supabase secrets, from `SUPABASE_URL`, `SUPABASE_KEY` and optionally
/// `SUPABASE_USER_JWT` (a signed-in user's token, sent as the bearer for RLS).
#[derive(Debug, Clone)]
pub struct SupabaseCredentials {
    /// Project URL (`https://<ref>.supabase.co`).
    pub url: Secret,
    /// API key: legacy JWT (`anon`/`service_role`) or `sb_publishable_…`/`sb_secret_…`.
    pub key: Secret,
    /// Optional user JWT.
    pub user_jwt: Option<Secret>,
}

impl SupabaseCredentials {
    /// Reads the secrets with `lookup` (the environment in production).
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<Secret>) -> Result<Self, ConnectorError> {
        let need = |n: &str| lookup(n).ok_or_else(|| RemoteError::MissingEnv(n.into()));
        Ok(Self {
            url: need("SUPABASE_URL")?,
            key: need("SUPABASE_KEY")?,
            user_jwt: lookup("SUPABASE_USER_JWT"),
        })
    }

    /// The bearer token: the user JWT when given, else the key when it is a JWT (legacy
    /// `anon`/`service_role`); never the new `sb_secret_…`/`sb_publishable_…` keys, which
    /// Supabase rejects as bearers.
    pub fn bearer(&self) -> Option<&str> {
        if let Some(j) = &self.user_jwt {
            return Some(j.expose());
        }
        let k = self.key.expose();
        let jwt_like = k.starts_with("eyJ") && k.split('.').count() == 3;
        (jwt_like && !k.starts_with("sb_")).then_some(k)
    }
}

/// PostgREST's JSON error body.
#[derive(Debug, Default, Deserialize)]
struct PgrstError {
    code: Option<String>,
    message: Option<String>,
    details: Option<String>,
    hint: Option<String>,
}

fn parse_error_body(body: &[u8]) -> PgrstError {
    serde_json::from_slice::<PgrstError>(body).unwrap_or_else(|_| PgrstError {
        message: Some(format!(
            "non-JSON body: {:?}",
            String::from_utf8_lossy(&body[..body.len().min(120)])
        )),
        ..PgrstError::default()
    })
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// What one attempt produced.
enum Attempt {
    /// A page of rows (possibly empty).
    Page {
        status: u16,
        content_range: Option<String>,
        body: Vec<u8>,
    },
    /// 416 PGRST103: nothing left in the requested range.
    RangeEnd { body: Vec<u8> },
    /// Retry after a wait (server hint when given).
    Retry {
        why: String,
        after: Option<Duration>,
    },
    /// Statement timeout: retry with a smaller page.
    Shrink { why: String },
    /// Give up.
    Fail(RemoteError),
}

/// The Supabase source.
#[derive(Debug, Clone)]
pub struct SupabaseSource {
    /// Table settings.
    pub cfg: RemoteTableConfig,
    /// Secrets.
    pub credentials: SupabaseCredentials,
    /// Seed of the retry jitter.
    pub seed: u64,
}

impl SupabaseSource {
    fn request(
        &self,
        last: Option<&str>,
        span: Option<core_types::DateSpan>,
        page_size: usize,
        with_count: bool,
    ) -> Result<reqwest::Request, ConnectorError> {
        let base = format!(
            "{}/rest/v1",
            self.credentials.url.expose().trim_end_matches('/')
        );
        let mut client =
            postgrest::Postgrest::new(base).insert_header("apikey", self.credentials.key.expose());
        if let Some(s) = &self.cfg.schema {
            client = client.schema(s);
        }
        let date = &self.cfg.date_column;
        let mut b = client
            .from(&self.cfg.table)
            .select(&self.cfg.select)
            .order(format!("{date}.asc"));
        if let Some(span) = span {
            b = b
                .gte(date, span.start().to_string())
                .lte(date, span.end().to_string());
        }
        if let Some(l) = last {
            b = b.gt(date, l);
        }
        for (k, v) in &self.cfg.filters {
            b = b.eq(k, v);
        }
        // postgrest-rs's `exact_count` also sets `Range: 0-0`: ask for the count first and
        // let the page's range replace it (a real PostgREST would otherwise send one row).
        if with_count {
            b = b.exact_count();
        }
        b = b.range(0, page_size - 1);
        if let Some(t) = self.credentials.bearer() {
            b = b.auth(t);
        }
        b.build()
            .timeout(Duration::from_secs_f64(self.cfg.timeout_secs))
            .build()
            .map_err(|e| ConnectorError::InvalidConfig {
                key: "SUPABASE_URL".into(),
                message: format!("cannot build a request: {}", without_url(&e.to_string())),
            })
    }

    async fn attempt(client: &reqwest::Client, req: reqwest::Request, what: &str) -> Attempt {
        let resp = match client.execute(req).await {
            Ok(r) => r,
            Err(e) => {
                let kind = if e.is_timeout() {
                    "timeout"
                } else {
                    "transport error"
                };
                return Attempt::Retry {
                    why: format!("{kind}: {}", without_url(&e.to_string())),
                    after: None,
                };
            }
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = match resp.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) => {
                return Attempt::Retry {
                    why: format!("body not received: {}", without_url(&e.to_string())),
                    after: None,
                }
            }
        };
        let content_range = headers
            .get(reqwest::header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        match status {
            200 | 206 => Attempt::Page {
                status,
                content_range,
                body,
            },
            416 if parse_error_body(&body).code.as_deref() == Some("PGRST103") => {
                Attempt::RangeEnd { body }
            }
            500 if parse_error_body(&body).code.as_deref() == Some("57014") => Attempt::Shrink {
                why: "statement timeout (57014)".into(),
            },
            429 | 502 | 503 | 504 | 520..=524 | 544 => {
                let e = parse_error_body(&body);
                Attempt::Retry {
                    why: format!(
                        "HTTP {status}{}: {}",
                        e.code.map(|c| format!(" [{c}]")).unwrap_or_default(),
                        e.message.unwrap_or_default()
                    ),
                    after: retry_after(&headers),
                }
            }
            540 => Attempt::Fail(RemoteError::ProjectPaused),
            _ => {
                let e = parse_error_body(&body);
                Attempt::Fail(RemoteError::Http {
                    request: what.to_string(),
                    status,
                    code: e.code,
                    message: e.message.unwrap_or_default(),
                    details: e.details,
                    hint: e.hint,
                })
            }
        }
    }

    /// Fetches every page. Nothing is written here: the caller stores the pages only when
    /// the whole fetch succeeded, so a failed run leaves no partial snapshot.
    pub fn fetch_pages(
        &self,
        span: Option<core_types::DateSpan>,
    ) -> Result<(Vec<RawPage>, FetchReport), ConnectorError> {
        self.cfg.validate()?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| RemoteError::Postgres {
                code: None,
                message: format!("cannot start the async runtime: {e}"),
            })?;
        rt.block_on(self.fetch_pages_async(span))
    }

    async fn fetch_pages_async(
        &self,
        span: Option<core_types::DateSpan>,
    ) -> Result<(Vec<RawPage>, FetchReport), ConnectorError> {
        let client = reqwest::Client::new();
        let policy = &self.cfg.retry;
        let mut rng = jitter_rng(self.seed);
        let started = Instant::now();
        let mut page_size = self.cfg.page_size;
        let mut last: Option<String> = None;
        let mut pages = Vec::new();
        let mut report = FetchReport::default();
        loop {
            let number = pages.len() + 1;
            let with_count = number == 1 && self.cfg.count_exact;
            let mut attempts = 0u32;
            let (status, content_range, body, end, request) = loop {
                attempts += 1;
                let req = self.request(last.as_deref(), span, page_size, with_count)?;
                let what = describe(req.url());
                let outcome = Self::attempt(&client, req, &what).await;
                let (why, after) = match outcome {
                    Attempt::Page {
                        status,
                        content_range,
                        body,
                    } => break (status, content_range, body, false, what),
                    Attempt::RangeEnd { body } => break (416, None, body, true, what),
                    Attempt::Fail(e) => return Err(e.into()),
                    Attempt::Retry { why, after } => (why, after),
                    Attempt::Shrink { why } => {
                        page_size = (page_size / 2).max(policy.min_page_size);
                        (format!("{why}; page size now {page_size}"), None)
                    }
                };
                let wait = backoff(policy, attempts, after, &mut rng);
                let spent = started.elapsed() + wait;
                if attempts >= policy.max_attempts || spent.as_secs_f64() > policy.max_total_secs {
                    return Err(RemoteError::Exhausted {
                        request: what,
                        attempts,
                        seconds: started.elapsed().as_secs_f64(),
                        last: why,
                    }
                    .into());
                }
                report.retries += 1;
                tokio::time::sleep(wait).await;
            };
            if end {
                report.warnings.push(format!(
                    "page {number}: 416 PGRST103 (range not satisfiable) read as the end"
                ));
                pages.push(RawPage::new(
                    number, request, status, None, body, 0, attempts,
                ));
                break;
            }
            let rows = crate::remote::parse_page(number, &body)?;
            if with_count {
                report.announced_count = content_range
                    .as_deref()
                    .and_then(|r| r.rsplit('/').next())
                    .and_then(|n| n.parse().ok());
            }
            let n = rows.len();
            if n > 0 {
                let date = &self.cfg.date_column;
                let value = rows[n - 1].get(date).cloned().flatten().ok_or_else(|| {
                    ConnectorError::Decode {
                        page: number,
                        row: Some(n - 1),
                        field: Some(date.clone()),
                        message: "the date column is missing or null: pages cannot continue".into(),
                    }
                })?;
                last = Some(value);
            }
            pages.push(RawPage::new(
                number,
                request,
                status,
                content_range,
                body,
                n,
                attempts,
            ));
            report.rows += n;
            if n == 0 {
                break;
            }
        }
        report.pages = pages.len();
        report.final_page_size = page_size;
        if report.rows == 0 {
            report.warnings.push(
                "the table answered 200 [] (no rows): if it holds data, Row Level Security is \
                 probably hiding it from this key — use a key or user JWT with read access"
                    .into(),
            );
        }
        if let Some(c) = report.announced_count {
            if c != report.rows as u64 {
                report.warnings.push(format!(
                    "the server announced {c} rows (exact count) but {} arrived: rows sharing a \
                     date across a page boundary, or a table changing during the read",
                    report.rows
                ));
            }
        }
        Ok((pages, report))
    }
}

/// Path and query of a URL: what may be recorded (no scheme, host or port).
pub fn describe(url: &reqwest::Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

/// Removes anything that looks like a URL from an error message (reqwest puts the URL in).
fn without_url(msg: &str) -> String {
    msg.split_whitespace()
        .map(|w| {
            let t = w.trim_matches(|c| c == '(' || c == ')' || c == ',');
            if t.starts_with("http://") || t.starts_with("https://") {
                "<url>"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(key: &str, jwt: Option<&str>) -> SupabaseCredentials {
        SupabaseCredentials {
            url: Secret::new("https://abc.supabase.co"),
            key: Secret::new(key),
            user_jwt: jwt.map(Secret::new),
        }
    }

    #[test]
    fn bearer_only_for_jwt_keys_or_a_user_token() {
        assert_eq!(
            creds("eyJhbGciOi.eyJyb2xl.c2ln", None).bearer(),
            Some("eyJhbGciOi.eyJyb2xl.c2ln")
        );
        assert_eq!(creds("sb_secret_abc", None).bearer(), None);
        assert_eq!(creds("sb_publishable_abc", None).bearer(), None);
        assert_eq!(
            creds("sb_publishable_abc", Some("eyJ.user.jwt")).bearer(),
            Some("eyJ.user.jwt")
        );
    }

    #[test]
    fn config_errors_name_the_key() {
        let mut c = RemoteTableConfig::default();
        c.validate().unwrap();
        c.page_size = 5000;
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("source.supabase.page_size"));
        let c = RemoteTableConfig {
            table: "ventas; drop table x".into(),
            ..RemoteTableConfig::default()
        };
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("source.supabase.table"));
        let c = RemoteTableConfig {
            select: "unidades_vendidas".into(),
            ..RemoteTableConfig::default()
        };
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("date column"));
    }

    #[test]
    fn urls_are_recorded_without_host_and_errors_without_url() {
        let u =
            reqwest::Url::parse("https://abc.supabase.co/rest/v1/t?select=a&fecha=gt.2020-01-01")
                .unwrap();
        assert_eq!(describe(&u), "/rest/v1/t?select=a&fecha=gt.2020-01-01");
        assert_eq!(
            without_url(
                "error sending request for url (https://abc.supabase.co/rest/v1/t): timed out"
            ),
            "error sending request for url <url> timed out"
        );
    }
}
