//! Failing network fetches with every log event captured at TRACE level (the equivalent of
//! `RUST_LOG=trace`, `log` records from reqwest and rustls included): neither the URL's host,
//! the key, the connection string's parts nor a filter value reaches a log line or an error.
//! One test in its own binary, because it installs the global subscriber.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use connector::pg::PostgresSource;
use connector::supabase::{SupabaseCredentials, SupabaseSource};
use connector::{RemoteTableConfig, RetryPolicy, Secret};
use wiremock::{matchers::any, Mock, MockServer, ResponseTemplate};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn take(&self) -> String {
        String::from_utf8_lossy(&std::mem::take(&mut *self.0.lock().unwrap())).into_owned()
    }
}

const KEY: &str = "sb_secret_KEYNEVERLOGGED";
const FILTER: &str = "bunuelo_confidencial";

fn cfg() -> RemoteTableConfig {
    RemoteTableConfig {
        timeout_secs: 2.0,
        filters: BTreeMap::from([("producto".to_string(), FILTER.to_string())]),
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

fn supabase(url: &str) -> SupabaseSource {
    SupabaseSource {
        cfg: cfg(),
        credentials: SupabaseCredentials {
            url: Secret::new(url),
            key: Secret::new(KEY),
            user_jwt: None,
        },
        seed: 1,
    }
}

fn assert_clean(what: &str, text: &str, needles: &[&str]) {
    for n in needles {
        assert!(!text.contains(n), "{what} shows {n:?}:\n{text}");
    }
}

#[test]
fn failing_fetches_log_and_report_no_host_key_connection_string_or_filter_value() {
    let logs = Buffer::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(async {
        let s = MockServer::start().await;
        // A 400 whose message echoes the filter value (as PostgreSQL does for a bad cast).
        Mock::given(any())
            .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
                "code": "22P02",
                "message": format!("invalid input syntax for type integer: \"{FILTER}\""),
                "details": null, "hint": null
            })))
            .mount(&s)
            .await;
        s
    });
    // The host as configured is `localhost`, so it must be resolved (hyper logs the name it
    // resolves, on tokio's blocking threads).
    let port = server.address().port();
    let url = format!("http://localhost:{port}");
    let needles = ["localhost", KEY, FILTER];

    // 1. An HTTP error from the server.
    let e = supabase(&url).fetch_pages(None).unwrap_err().to_string();
    assert!(e.contains("22P02") && e.contains("producto=eq.***"), "{e}");
    assert_clean("the HTTP error", &e, &needles);
    // 2. Nobody listening: transport errors, retried, then given up.
    let e = supabase("http://localhost:1")
        .fetch_pages(None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("gave up after 2 attempt"), "{e}");
    assert_clean("the transport error", &e, &needles);
    // 3. PostgreSQL with nobody listening: the connection string's parts stay hidden.
    let pg = PostgresSource {
        cfg: cfg(),
        url: Secret::new("postgresql://usuario_secreto:clave_secreta@localhost:1/base_secreta"),
        seed: 1,
    };
    let e = pg.fetch_pages(None).unwrap_err().to_string();
    let pg_needles = [
        "usuario_secreto",
        "clave_secreta",
        "base_secreta",
        "localhost",
    ];
    assert_clean("the PostgreSQL error", &e, &pg_needles);

    let captured = logs.take();
    assert!(
        captured.contains("connector::supabase") && captured.contains("producto=eq.***"),
        "this crate's own debug events are captured:\n{captured}"
    );
    assert_clean("the trace log", &captured, &needles);
    assert_clean("the trace log", &captured, &pg_needles);

    // The capture does see dependencies' trace events: the same kind of request made outside
    // the source logs the host it resolves.
    let _ = rt.block_on(reqwest::get(format!("{url}/rest/v1/x")));
    let raw = logs.take();
    assert!(
        raw.contains("localhost"),
        "dependencies log the host when not muted:\n{raw}"
    );
}
