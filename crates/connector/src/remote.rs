//! What the network sources (Supabase/PostgREST and PostgreSQL) share: secrets that never
//! print, the retry policy, the raw pages kept byte for byte, and the decoding of PostgREST-
//! format JSON pages (`[{"fecha": …, "unidades_vendidas": …}, …]`) into a raw frame.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use polars::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{ConnectorError, FileSource};

/// A secret (URL, key, connection string): `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// Reads an environment variable; empty counts as missing.
    pub fn from_env(name: &str) -> Option<Self> {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| Self(v.trim().to_string()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***redacted***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***redacted***")
    }
}

/// Removes secrets from free text (a transport error, a server's message) before it reaches an
/// error or a log: every occurrence of a needle becomes `***`. Needles shorter than three
/// characters are ignored (they would shred ordinary text and hide almost nothing).
#[derive(Clone, Default)]
pub struct Scrubber {
    needles: Vec<String>,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scrubber({} needle(s))", self.needles.len())
    }
}

impl Scrubber {
    /// Adds a value to hide.
    pub fn hide(mut self, value: &str) -> Self {
        let v = value.trim();
        if v.chars().count() >= 3 && !self.needles.iter().any(|n| n == v) {
            self.needles.push(v.to_string());
            // Longest first, so a URL goes before the host inside it.
            self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        }
        self
    }
    /// The text with every needle replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        self.needles
            .iter()
            .fold(text.to_string(), |t, n| t.replace(n.as_str(), "***"))
    }
}

/// Dependencies' own log events (reqwest, hyper, rustls, tokio-postgres …) print URLs, hosts
/// and statement parameters at info, debug and trace level. While a network source runs, the
/// subscriber in force is wrapped so that only this crate's events (which never hold a
/// secret) and dependencies' warnings and errors reach it.
struct Quiet {
    inner: tracing::Dispatch,
}

fn muted(meta: &tracing::Metadata<'_>) -> bool {
    let ours = meta.target() == "connector" || meta.target().starts_with("connector::");
    !ours && *meta.level() > tracing::Level::WARN
}

impl tracing::Subscriber for Quiet {
    fn register_callsite(
        &self,
        meta: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        if muted(meta) {
            tracing::subscriber::Interest::never()
        } else {
            self.inner.register_callsite(meta)
        }
    }
    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        !muted(meta) && self.inner.enabled(meta)
    }
    fn new_span(&self, attrs: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        self.inner.new_span(attrs)
    }
    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        self.inner.record(span, values)
    }
    fn record_follows_from(&self, span: &tracing::span::Id, follows: &tracing::span::Id) {
        self.inner.record_follows_from(span, follows)
    }
    fn event(&self, event: &tracing::Event<'_>) {
        self.inner.event(event)
    }
    fn enter(&self, span: &tracing::span::Id) {
        self.inner.enter(span)
    }
    fn exit(&self, span: &tracing::span::Id) {
        self.inner.exit(span)
    }
    fn clone_span(&self, id: &tracing::span::Id) -> tracing::span::Id {
        self.inner.clone_span(id)
    }
    fn try_close(&self, id: tracing::span::Id) -> bool {
        self.inner.try_close(id)
    }
    // `current_span` keeps its default (`Span::current()` is unknown while fetching): its type
    // lives in `tracing-core`, which this crate does not name; the fmt layers that print spans
    // read them from their registry, not from here.
}

thread_local! {
    static QUIET_GUARD: std::cell::RefCell<Option<tracing::dispatcher::DefaultGuard>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` with dependencies' chatter muted (see [`Quiet`]), on this thread and on the threads
/// of the runtime it is handed (tokio's blocking pool resolves host names there, and hyper
/// logs the name it resolves).
pub(crate) fn quietly<T>(f: impl FnOnce(tokio::runtime::Builder) -> T) -> T {
    let quiet = tracing::Dispatch::new(Quiet {
        inner: tracing::dispatcher::get_default(|d| d.clone()),
    });
    let mut builder = tokio::runtime::Builder::new_current_thread();
    let for_threads = quiet.clone();
    builder
        .enable_all()
        .on_thread_start(move || {
            let guard = tracing::dispatcher::set_default(&for_threads);
            QUIET_GUARD.with(|g| *g.borrow_mut() = Some(guard));
        })
        .on_thread_stop(|| QUIET_GUARD.with(|g| drop(g.borrow_mut().take())));
    tracing::dispatcher::with_default(&quiet, || f(builder))
}

/// Retries with exponential backoff and jitter, bounded in attempts and total time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts per page, the first included.
    pub max_attempts: u32,
    /// Delay before the first retry (doubled each time).
    pub base_delay_ms: u64,
    /// Longest single wait (also caps `Retry-After`).
    pub max_delay_ms: u64,
    /// Longest total time spent waiting and retrying, per run.
    pub max_total_secs: f64,
    /// Smallest page when statement timeouts shrink it.
    pub min_page_size: usize,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay_ms: 500,
            max_delay_ms: 20_000,
            max_total_secs: 120.0,
            min_page_size: 50,
        }
    }
}

impl RetryPolicy {
    /// Checks the settings; errors name `prefix.key`.
    pub fn validate(&self, prefix: &str) -> Result<(), ConnectorError> {
        let bad = |k: &str, m: &str| ConnectorError::InvalidConfig {
            key: format!("{prefix}.{k}"),
            message: m.into(),
        };
        if self.max_attempts == 0 {
            return Err(bad("max_attempts", "at least 1"));
        }
        if self.max_delay_ms < self.base_delay_ms {
            return Err(bad("max_delay_ms", "must be >= base_delay_ms"));
        }
        if self.max_total_secs.is_nan() || self.max_total_secs <= 0.0 {
            return Err(bad("max_total_secs", "must be > 0"));
        }
        if self.min_page_size == 0 {
            return Err(bad("min_page_size", "at least 1"));
        }
        Ok(())
    }
}

/// The wait before retry number `retry` (1-based): `base · 2^(retry−1)` capped at
/// `max_delay`, times a jitter in [0.5, 1) drawn from `rng`; a server's `Retry-After` wins when
/// given (also capped).
pub fn backoff(
    policy: &RetryPolicy,
    retry: u32,
    retry_after: Option<Duration>,
    rng: &mut ChaCha8Rng,
) -> Duration {
    let cap = Duration::from_millis(policy.max_delay_ms);
    if let Some(d) = retry_after {
        return d.min(cap);
    }
    let exp = policy
        .base_delay_ms
        .saturating_mul(1u64 << (retry.saturating_sub(1)).min(20));
    let d = Duration::from_millis(exp).min(cap);
    d.mul_f64(rng.random_range(0.5..1.0))
}

/// A seeded jitter source (seed from `run.seed`, so retries are reproducible too).
pub fn jitter_rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ 0x6a09_e667_f3bc_c908)
}

/// Metadata of one raw page, written beside its bytes. Holds no secret: the URL is the path
/// and query only (no host, no key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageMeta {
    /// 1-based page number.
    pub page: usize,
    /// Request path and query (PostgREST), or the SQL text (PostgreSQL).
    pub request: String,
    /// HTTP status (200 for PostgreSQL pages).
    pub status: u16,
    /// `Content-Range` header, when sent.
    pub content_range: Option<String>,
    /// SHA-256 of the bytes.
    pub sha256: String,
    /// Bytes.
    pub bytes: usize,
    /// Rows in the page.
    pub rows: usize,
    /// When the response arrived (UTC, RFC 3339).
    pub received_at_utc: String,
    /// Attempts this page took.
    pub attempts: u32,
}

/// One page exactly as received.
#[derive(Debug, Clone, PartialEq)]
pub struct RawPage {
    /// The bytes of the response body.
    pub body: Vec<u8>,
    /// Its metadata.
    pub meta: PageMeta,
}

impl RawPage {
    /// Builds a page record.
    pub fn new(
        page: usize,
        request: String,
        status: u16,
        content_range: Option<String>,
        body: Vec<u8>,
        rows: usize,
        attempts: u32,
    ) -> Self {
        let sha256 = core_types::to_hex(&Sha256::digest(&body));
        Self {
            meta: PageMeta {
                page,
                request,
                status,
                content_range,
                sha256,
                bytes: body.len(),
                rows,
                received_at_utc: chrono::Utc::now().to_rfc3339(),
                attempts,
            },
            body,
        }
    }
}

/// What a network fetch reports besides the rows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, serde::Deserialize)]
pub struct FetchReport {
    /// Pages requested (the final empty one included).
    pub pages: usize,
    /// Rows received.
    pub rows: usize,
    /// Exact count announced by the server on the first page, when asked for.
    pub announced_count: Option<u64>,
    /// Retries made, all pages together.
    pub retries: u32,
    /// Page size at the end (statement timeouts shrink it).
    pub final_page_size: usize,
    /// Things a human should look at (count mismatch, empty result for a span that should have
    /// data, …).
    pub warnings: Vec<String>,
}

/// Parses one page: a JSON array of flat objects. Returns the rows as ordered maps of cell
/// text (`None` for JSON null); numbers keep their JSON text, strings such as `"NaN"` stay
/// text for the contract to judge. Nested values are an error naming the page, row and field.
pub fn parse_page(
    page: usize,
    body: &[u8],
) -> Result<Vec<BTreeMap<String, Option<String>>>, ConnectorError> {
    let bad = |row: Option<usize>, field: Option<String>, message: String| ConnectorError::Decode {
        page,
        row,
        field,
        message,
    };
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        let head: String = String::from_utf8_lossy(&body[..body.len().min(80)]).into();
        bad(None, None, format!("not JSON ({e}); body starts {head:?}"))
    })?;
    let arr = v
        .as_array()
        .ok_or_else(|| bad(None, None, "expected a JSON array of rows".into()))?;
    arr.iter()
        .enumerate()
        .map(|(i, row)| {
            let obj = row
                .as_object()
                .ok_or_else(|| bad(Some(i), None, "expected an object".into()))?;
            obj.iter()
                .map(|(k, cell)| {
                    let text = match cell {
                        serde_json::Value::Null => None,
                        serde_json::Value::String(s) => Some(s.clone()),
                        serde_json::Value::Number(n) => Some(n.to_string()),
                        serde_json::Value::Bool(b) => Some(b.to_string()),
                        other => {
                            return Err(bad(
                                Some(i),
                                Some(k.clone()),
                                format!("nested value {other} cannot be a cell"),
                            ))
                        }
                    };
                    Ok((k.clone(), text))
                })
                .collect()
        })
        .collect()
}

/// The rows of every page as a raw frame (the `selected` columns, then any other in first-seen
/// order; all text), with the column
/// mapping, date aliases and date parsing of the file source applied. `origin` names the
/// source in errors (never a secret).
pub fn pages_to_frame(
    pages: &[RawPage],
    selected: &[String],
    origin: &str,
    columns: &BTreeMap<String, String>,
    date_aliases: &[String],
    zone: core_types::dates::LocalZone,
) -> Result<DataFrame, ConnectorError> {
    // The selected columns exist even when no row arrived (an empty table is the contract's
    // to judge, not a decoding error).
    let mut names: Vec<String> = selected.to_vec();
    let mut rows: Vec<BTreeMap<String, Option<String>>> = Vec::new();
    // Only row pages (a 416 "range not satisfiable" page is kept as evidence, not parsed).
    for p in pages.iter().filter(|p| matches!(p.meta.status, 200 | 206)) {
        for r in parse_page(p.meta.page, &p.body)? {
            for k in r.keys() {
                if !names.contains(k) {
                    names.push(k.clone());
                }
            }
            rows.push(r);
        }
    }
    let cols: Vec<Column> = names
        .iter()
        .map(|n| {
            let v: Vec<Option<String>> = rows.iter().map(|r| r.get(n).cloned().flatten()).collect();
            Column::new(n.as_str().into(), v)
        })
        .collect();
    let df = DataFrame::new(rows.len(), cols)?;
    let normaliser = FileSource {
        path: PathBuf::from(origin),
        format: crate::FileFormat::Auto,
        columns: columns.clone(),
        date_aliases: date_aliases.to_vec(),
        csv: crate::CsvOptions::default(),
        excel: Default::default(),
        zone,
    };
    normaliser.normalise(df, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("sb_secret_abc123");
        assert!(!format!("{s:?} {s}").contains("abc123"));
        assert_eq!(s.expose(), "sb_secret_abc123");
    }

    #[test]
    fn backoff_doubles_is_capped_jittered_and_honours_retry_after() {
        let p = RetryPolicy {
            base_delay_ms: 100,
            max_delay_ms: 1000,
            ..RetryPolicy::default()
        };
        let mut rng = jitter_rng(42);
        for (retry, full) in [(1, 100), (2, 200), (3, 400), (5, 1000), (9, 1000)] {
            let d = backoff(&p, retry, None, &mut rng).as_millis() as u64;
            assert!(full / 2 <= d && d < full.max(1), "retry {retry}: {d}");
        }
        let d = backoff(&p, 1, Some(Duration::from_secs(3)), &mut rng);
        assert_eq!(d, Duration::from_millis(1000), "Retry-After capped");
        let d = backoff(&p, 1, Some(Duration::from_millis(300)), &mut rng);
        assert_eq!(d, Duration::from_millis(300));
    }

    #[test]
    fn pages_decode_to_text_cells_and_nested_values_name_row_and_field() {
        let body = br#"[{"fecha":"2024-01-01","unidades_vendidas":"12.5"},{"fecha":"2024-01-02","unidades_vendidas":null},{"fecha":"2024-01-03","unidades_vendidas":7}]"#;
        let rows = parse_page(1, body).unwrap();
        assert_eq!(rows[0]["unidades_vendidas"].as_deref(), Some("12.5"));
        assert_eq!(rows[1]["unidades_vendidas"], None);
        assert_eq!(rows[2]["unidades_vendidas"].as_deref(), Some("7"));
        let e = parse_page(3, br#"[{"fecha":"2024-01-01"},{"fecha":{"x":1}}]"#).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("page 3") && msg.contains("row 1") && msg.contains("fecha"),
            "{msg}"
        );
        let e = parse_page(2, b"<html>522</html>").unwrap_err().to_string();
        assert!(e.contains("not JSON"), "{e}");
    }
}
