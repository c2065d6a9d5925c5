//! Supabase through PostgREST: keyset pages on the date column, bounded retries with backoff
//! and jitter, typed errors, the raw pages kept byte for byte. The URL and key come only from
//! the environment and never reach a log, an error message or an artifact.
//!
//! Paging: keyset pages with `Range: 0-(page−1)`, until an **empty** page — PostgREST silently
//! caps every response (1,000 rows by default), so a short page does not mean the end. When the
//! select includes `id`, pages are keyed on `(date, id)`:
//! `or=(<date>.gt."<d>",and(<date>.eq."<d>",id.gt."<i>"))&order=<date>.asc,id.asc`, so rows
//! sharing a date across a page boundary are all read; without `id`, on the date alone
//! (`<date>=gt.<d>&order=<date>.asc`, which can skip such rows). The first page asks for an exact
//! count (`Prefer: count=exact`) and the rows received are compared with it.
//!
//! Security: redirects are never followed (the `apikey` and bearer would go to whatever origin
//! the `Location` names) and a 3xx is an error; `http://` is refused except to loopback;
//! requests are recorded as path and query only, with the values of `source.supabase.filters`
//! replaced by `***`; dependencies' debug logs (which print URLs) are muted while fetching.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::remote::{backoff, jitter_rng, FetchReport, RawPage, RetryPolicy, Scrubber, Secret};
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
    /// Columns that, after the date, key the pages when the select has no `id`: the series
    /// key of a many-series source (`source.serie`, set by [`crate::build_source`]; not a
    /// config key). Rows of many series share every date, so pages must break ties.
    #[serde(skip)]
    pub tiebreak: Vec<String>,
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
            tiebreak: Vec::new(),
        }
    }
}

/// The column that, with the date, keys the pages when the select includes it (unique).
pub const KEYSET_ID: &str = "id";

/// Where the next page starts: after this date, or after this `(date, key…)` (the
/// [`RemoteTableConfig::keyset_columns`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Keyset {
    /// The last row's date cell, as text.
    pub date: String,
    /// The last row's cells of the keyset columns after the date, as text (empty: the date
    /// alone).
    pub after: Vec<String>,
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

    /// The columns that key the pages after the date: `id` when the select includes it
    /// (unique), else the selected [`tiebreak`](Self::tiebreak) columns (the series key);
    /// empty: pages on the date alone.
    pub fn keyset_columns(&self) -> Vec<String> {
        let names = self.column_names();
        if self.date_column != KEYSET_ID && names.iter().any(|c| c == KEYSET_ID) {
            return vec![KEYSET_ID.to_string()];
        }
        self.tiebreak
            .iter()
            .filter(|c| **c != self.date_column && names.contains(c))
            .cloned()
            .collect()
    }

    /// Where the page after `rows` starts: the last row's date (and id). Errors when a key cell
    /// is missing or null (pages could not continue).
    pub fn next_keyset(
        &self,
        page: usize,
        rows: &[BTreeMap<String, Option<String>>],
    ) -> Result<Option<Keyset>, ConnectorError> {
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        let cell = |col: &str| {
            last.get(col)
                .cloned()
                .flatten()
                .ok_or_else(|| ConnectorError::Decode {
                    page,
                    row: Some(rows.len() - 1),
                    field: Some(col.to_string()),
                    message: "a paging key column is missing or null: pages cannot continue".into(),
                })
        };
        Ok(Some(Keyset {
            date: cell(&self.date_column)?,
            after: self
                .keyset_columns()
                .iter()
                .map(|c| cell(c))
                .collect::<Result<_, _>>()?,
        }))
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

    /// Refuses a project URL that cannot be used safely: unparseable, not `https://`, or
    /// `http://` to anything but loopback (127.0.0.0/8, ::1, `localhost`). The error never
    /// holds the URL.
    pub fn check_url(&self) -> Result<reqwest::Url, RemoteError> {
        let refuse = |reason| RemoteError::RefusedUrl {
            variable: "SUPABASE_URL",
            reason,
        };
        let url = reqwest::Url::parse(self.url.expose().trim())
            .map_err(|_| refuse(UrlRefusal::Unparseable))?;
        match url.scheme() {
            "https" => Ok(url),
            "http" if is_loopback(url.host_str().unwrap_or_default()) => Ok(url),
            "http" => Err(refuse(UrlRefusal::PlainHttp)),
            _ => Err(refuse(UrlRefusal::Scheme)),
        }
    }

    /// What must never appear in an error: the URL, its host, the key and the user JWT.
    fn scrubber(&self, filters: &BTreeMap<String, String>) -> Scrubber {
        let url = self.url.expose();
        let host = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(String::from))
            .unwrap_or_default();
        let mut s = Scrubber::default()
            .hide(url)
            .hide(url.trim_end_matches('/'))
            .hide(&host)
            .hide(self.key.expose());
        if let Some(j) = &self.user_jwt {
            s = s.hide(j.expose());
        }
        filters.values().fold(s, |s, v| s.hide(v))
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

/// Why a project URL is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlRefusal {
    /// Not a URL.
    Unparseable,
    /// Neither `https://` nor `http://`.
    Scheme,
    /// `http://` to a host that is not loopback: the key would travel in clear text.
    PlainHttp,
}

impl std::fmt::Display for UrlRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            UrlRefusal::Unparseable => "it is not a URL",
            UrlRefusal::Scheme => "only https:// is accepted",
            UrlRefusal::PlainHttp => {
                "plain http:// is accepted only for loopback (127.0.0.0/8, ::1, localhost); use https://"
            }
        })
    }
}

/// 127.0.0.0/8, ::1 (written `[::1]` in URLs) or `localhost`.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// A PostgREST logic-tree value in double quotes (reserved characters `,.:()` stay text).
fn quoted(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
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
        last: Option<&Keyset>,
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
        let keys = self.cfg.keyset_columns();
        let order = std::iter::once(date)
            .chain(&keys)
            .map(|c| format!("{c}.asc"))
            .collect::<Vec<_>>()
            .join(",");
        let mut b = client
            .from(&self.cfg.table)
            .select(&self.cfg.select)
            .order(order);
        if let Some(span) = span {
            b = b
                .gte(date, span.start().to_string())
                .lte(date, span.end().to_string());
        }
        match last {
            Some(k) if !k.after.is_empty() && k.after.len() == keys.len() => {
                // (date, k1, k2, …) > (d, v1, v2, …), lexicographically: date later, or the
                // same date and k1 greater, or the same date and k1 and k2 greater, …
                let d = quoted(&k.date);
                let mut terms = vec![format!("{date}.gt.{d}")];
                for i in 0..keys.len() {
                    let mut and = vec![format!("{date}.eq.{d}")];
                    for (c, v) in keys.iter().zip(&k.after).take(i) {
                        and.push(format!("{c}.eq.{}", quoted(v)));
                    }
                    and.push(format!("{}.gt.{}", keys[i], quoted(&k.after[i])));
                    terms.push(format!("and({})", and.join(",")));
                }
                b = b.or(terms.join(","));
            }
            Some(k) => b = b.gt(date, &k.date),
            None => {}
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
                message: format!("cannot build a request: {}", self.safe_error(e)),
            })
    }

    /// A reqwest error as text without the URL (reqwest puts it in `Display`), the host, the
    /// key or a filter value.
    fn safe_error(&self, e: reqwest::Error) -> String {
        let scrub = self.credentials.scrubber(&self.cfg.filters);
        scrub.scrub(&without_url(&e.without_url().to_string()))
    }

    async fn attempt(
        &self,
        client: &reqwest::Client,
        req: reqwest::Request,
        what: &str,
    ) -> Attempt {
        let resp = match client.execute(req).await {
            Ok(r) => r,
            Err(e) => {
                let kind = if e.is_timeout() {
                    "timeout"
                } else {
                    "transport error"
                };
                return Attempt::Retry {
                    why: format!("{kind}: {}", self.safe_error(e)),
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
                    why: format!("body not received: {}", self.safe_error(e)),
                    after: None,
                }
            }
        };
        let content_range = headers
            .get(reqwest::header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let scrub = self.credentials.scrubber(&self.cfg.filters);
        let parse = |body: &[u8]| {
            let e = parse_error_body(body);
            PgrstError {
                code: e.code,
                message: e.message.map(|m| scrub.scrub(&m)),
                details: e.details.map(|m| scrub.scrub(&m)),
                hint: e.hint.map(|m| scrub.scrub(&m)),
            }
        };
        match status {
            // Never followed (the client has no redirect policy): the credentials would go to
            // whatever origin `Location` names. The error names the status only.
            300..=399 => Attempt::Fail(RemoteError::Redirect {
                request: what.to_string(),
                status,
            }),
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
                let e = parse(&body);
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
                let e = parse(&body);
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
        self.credentials.check_url()?;
        crate::remote::quietly(|mut builder| {
            let rt = builder.build().map_err(|e| RemoteError::Postgres {
                code: None,
                message: format!("cannot start the async runtime: {e}"),
            })?;
            rt.block_on(self.fetch_pages_async(span))
        })
    }

    async fn fetch_pages_async(
        &self,
        span: Option<core_types::DateSpan>,
    ) -> Result<(Vec<RawPage>, FetchReport), ConnectorError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ConnectorError::InvalidConfig {
                key: "SUPABASE_URL".into(),
                message: format!("cannot build the HTTP client: {}", self.safe_error(e)),
            })?;
        let policy = &self.cfg.retry;
        let mut rng = jitter_rng(self.seed);
        let started = Instant::now();
        let mut page_size = self.cfg.page_size;
        let mut last: Option<Keyset> = None;
        let mut pages = Vec::new();
        let mut report = FetchReport::default();
        loop {
            let number = pages.len() + 1;
            let with_count = number == 1 && self.cfg.count_exact;
            let mut attempts = 0u32;
            let (status, content_range, body, end, request) = loop {
                attempts += 1;
                let req = self.request(last.as_ref(), span, page_size, with_count)?;
                let what = describe(req.url(), &self.cfg.filters);
                tracing::debug!(page = number, attempt = attempts, "GET {what}");
                let outcome = self.attempt(&client, req, &what).await;
                if let Attempt::Retry { why, .. } | Attempt::Shrink { why } = &outcome {
                    tracing::debug!(page = number, attempt = attempts, "will retry: {why}");
                }
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
            tracing::debug!(page = number, status, rows = n, "page received");
            if let Some(k) = self.cfg.next_keyset(number, &rows)? {
                last = Some(k);
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
                report.warnings.push(count_mismatch(
                    c,
                    report.rows,
                    !self.cfg.keyset_columns().is_empty(),
                ));
            }
        }
        Ok((pages, report))
    }
}

/// A command line as a manifest may record it: the values of `source.supabase.filters`
/// replaced by `***` (`--set source.supabase.filters.producto=***`), whether written
/// `--set k=v` or `--set=k=v`. Everything else is kept as it is.
pub fn redact_filter_overrides(args: &[String]) -> Vec<String> {
    let hide = |kv: &str| match kv.split_once('=') {
        Some((k, _))
            if k.trim() == "source.supabase.filters"
                || k.trim().starts_with("source.supabase.filters.") =>
        {
            format!("{k}=***")
        }
        _ => kv.to_string(),
    };
    let mut after_set = false;
    args.iter()
        .map(|a| {
            let out = match a.strip_prefix("--set=") {
                _ if after_set => hide(a),
                Some(kv) => format!("--set={}", hide(kv)),
                None => a.clone(),
            };
            after_set = a == "--set";
            out
        })
        .collect()
}

/// The warning when the rows received differ from the count announced first.
pub(crate) fn count_mismatch(announced: u64, rows: usize, keyed: bool) -> String {
    let why = if keyed {
        "the table changed during the read, or the paging key (`id`, or the series key) is \
         not unique with the date"
    } else {
        "rows sharing a date across a page boundary (the select has no `id` to page on), \
         or the table changed during the read"
    };
    format!("the server announced {announced} rows (exact count) but {rows} arrived: {why}")
}

/// Path and query of a URL: what may be recorded (no scheme, host or port), with the values of
/// the configured equality `filters` replaced by `***`.
pub fn describe(url: &reqwest::Url, filters: &BTreeMap<String, String>) -> String {
    let Some(q) = url.query() else {
        return url.path().to_string();
    };
    // Filter keys are plain identifiers (validated), so the raw key is the key.
    let q: Vec<String> = q
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if filters.contains_key(k) && v.starts_with("eq.") => {
                format!("{k}=eq.***")
            }
            _ => pair.to_string(),
        })
        .collect();
    format!("{}?{}", url.path(), q.join("&"))
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

    fn fast() -> RemoteTableConfig {
        RemoteTableConfig {
            timeout_secs: 2.0,
            retry: RetryPolicy {
                max_attempts: 2,
                base_delay_ms: 1,
                max_delay_ms: 5,
                max_total_secs: 10.0,
                min_page_size: 1,
            },
            ..RemoteTableConfig::default()
        }
    }

    fn source_at(url: &str, cfg: RemoteTableConfig) -> SupabaseSource {
        SupabaseSource {
            cfg,
            credentials: SupabaseCredentials {
                url: Secret::new(url),
                key: Secret::new("sb_secret_NEVERSHOWN"),
                user_jwt: None,
            },
            seed: 1,
        }
    }

    #[test]
    fn a_redirect_is_not_followed_and_the_other_origin_receives_nothing() {
        use wiremock::{matchers::any, Mock, MockServer, ResponseTemplate};
        let rt = tokio::runtime::Runtime::new().unwrap();
        let (origin, elsewhere) =
            rt.block_on(async { (MockServer::start().await, MockServer::start().await) });
        let location = format!("{}/rest/v1/ventas_diarias?token=LEAKED", elsewhere.uri());
        rt.block_on(async {
            Mock::given(any())
                .respond_with(
                    ResponseTemplate::new(302).insert_header("Location", location.as_str()),
                )
                .mount(&origin)
                .await;
            Mock::given(any())
                .respond_with(ResponseTemplate::new(200).set_body_raw("[]", "application/json"))
                .mount(&elsewhere)
                .await;
        });
        let err = source_at(&origin.uri(), fast())
            .fetch_pages(None)
            .unwrap_err();
        match &err {
            ConnectorError::Remote(r) => assert!(
                matches!(**r, RemoteError::Redirect { status: 302, .. }),
                "{err}"
            ),
            e => panic!("{e}"),
        }
        let msg = err.to_string();
        for needle in [
            elsewhere.uri(),
            origin.uri(),
            "LEAKED".into(),
            "NEVERSHOWN".into(),
        ] {
            assert!(!msg.contains(&needle), "{needle} in {msg}");
        }
        assert!(msg.contains("HTTP 302"), "{msg}");
        let got = |s: &MockServer| rt.block_on(s.received_requests()).unwrap().len();
        assert_eq!(got(&elsewhere), 0, "the other origin receives nothing");
        assert_eq!(got(&origin), 1, "a redirect is not retried");
    }

    #[test]
    fn plain_http_is_refused_except_to_loopback() {
        for ok in [
            "https://abc.supabase.co",
            "http://127.0.0.1:54321",
            "http://127.8.9.10",
            "http://[::1]:3000/",
            "http://localhost:54321",
            "http://LOCALHOST",
        ] {
            assert!(
                source_at(ok, fast()).credentials.check_url().is_ok(),
                "{ok}"
            );
        }
        for (bad, why) in [
            ("http://abc.supabase.co", UrlRefusal::PlainHttp),
            ("http://localhost.abc.supabase.co", UrlRefusal::PlainHttp),
            ("http://127.0.0.1.abc.supabase.co", UrlRefusal::PlainHttp),
            ("http://[::ffff:10.0.0.1]", UrlRefusal::PlainHttp),
            ("ftp://abc.supabase.co", UrlRefusal::Scheme),
            ("abc.supabase.co", UrlRefusal::Unparseable),
        ] {
            let s = source_at(bad, fast());
            assert_eq!(
                s.credentials.check_url(),
                Err(RemoteError::RefusedUrl {
                    variable: "SUPABASE_URL",
                    reason: why
                }),
                "{bad}"
            );
            // Refused before any request, and the error does not show the URL.
            let msg = s.fetch_pages(None).unwrap_err().to_string();
            assert!(
                msg.contains("SUPABASE_URL") && !msg.contains("abc.supabase"),
                "{msg}"
            );
        }
    }

    #[test]
    fn pages_are_keyed_on_date_and_id_when_the_select_has_an_id() {
        let s = source_at("https://abc.supabase.co", fast());
        let k = Keyset {
            date: "2024-01-02".into(),
            after: vec!["7".into()],
        };
        let req = s.request(Some(&k), None, 2, false).unwrap();
        let q: Vec<(String, String)> = req
            .url()
            .query_pairs()
            .map(|(a, b)| (a.into_owned(), b.into_owned()))
            .collect();
        assert!(q.contains(&(
            "or".into(),
            "(fecha.gt.\"2024-01-02\",and(fecha.eq.\"2024-01-02\",id.gt.\"7\"))".into()
        )));
        assert!(
            q.contains(&("order".into(), "fecha.asc,id.asc".into())),
            "{q:?}"
        );
        assert!(!q.iter().any(|(k, _)| k == "fecha"), "{q:?}");
        // Without an id in the select: the date alone.
        let cfg = RemoteTableConfig {
            select: "fecha,unidades_vendidas".into(),
            ..fast()
        };
        let s = source_at("https://abc.supabase.co", cfg);
        let k = Keyset {
            date: "2024-01-02".into(),
            after: vec![],
        };
        let req = s.request(Some(&k), None, 2, false).unwrap();
        let q = req.url().query().unwrap().to_string();
        assert!(
            q.contains("fecha=gt.2024-01-02") && q.contains("order=fecha.asc"),
            "{q}"
        );
        assert!(s.cfg.keyset_columns().is_empty());
        // A many-series source without an id: pages on (date, series key).
        let cfg = RemoteTableConfig {
            select: "fecha,tienda,producto,unidades_vendidas".into(),
            tiebreak: vec!["tienda".into(), "producto".into()],
            ..fast()
        };
        let s = source_at("https://abc.supabase.co", cfg);
        let k = Keyset {
            date: "2024-01-02".into(),
            after: vec!["centro".into(), "pan".into()],
        };
        let req = s.request(Some(&k), None, 2, false).unwrap();
        let q: Vec<(String, String)> = req
            .url()
            .query_pairs()
            .map(|(a, b)| (a.into_owned(), b.into_owned()))
            .collect();
        assert!(
            q.contains(&(
                "or".into(),
                "(fecha.gt.\"2024-01-02\",and(fecha.eq.\"2024-01-02\",tienda.gt.\"centro\"),\
                 and(fecha.eq.\"2024-01-02\",tienda.eq.\"centro\",producto.gt.\"pan\"))"
                    .into()
            )),
            "{q:?}"
        );
        assert!(q.contains(&("order".into(), "fecha.asc,tienda.asc,producto.asc".into())));
        assert!(quoted("a\"b\\c") == "\"a\\\"b\\\\c\"");
    }

    #[test]
    fn filter_values_are_redacted_from_a_command_line() {
        let args: Vec<String> = [
            "phase",
            "01",
            "--set",
            "source.supabase.filters.producto=bunuelo",
            "--set=source.supabase.filters={tienda: centro}",
            "--set",
            "source.kind=supabase",
            "source.supabase.filters.x=kept-not-after-set",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            redact_filter_overrides(&args),
            [
                "phase",
                "01",
                "--set",
                "source.supabase.filters.producto=***",
                "--set=source.supabase.filters=***",
                "--set",
                "source.kind=supabase",
                "source.supabase.filters.x=kept-not-after-set",
            ]
        );
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
        assert_eq!(
            describe(&u, &BTreeMap::new()),
            "/rest/v1/t?select=a&fecha=gt.2020-01-01"
        );
        let u = reqwest::Url::parse("https://h/rest/v1/t?select=a&producto=eq.bunuelo&fecha=gt.x")
            .unwrap();
        let f = BTreeMap::from([("producto".to_string(), "bunuelo".to_string())]);
        assert_eq!(
            describe(&u, &f),
            "/rest/v1/t?select=a&producto=eq.***&fecha=gt.x"
        );
        assert_eq!(
            without_url(
                "error sending request for url (https://abc.supabase.co/rest/v1/t): timed out"
            ),
            "error sending request for url <url> timed out"
        );
    }
}
