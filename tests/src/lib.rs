//! Test-only package: the workspace-level end-to-end tests live in `tests/tests/`. The library
//! holds the test harness they share: a throwaway PostgreSQL server.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (the workspace folder above this package).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package sits in the workspace")
        .to_path_buf()
}

/// A fresh project root holding a copy of the repository's `config.yaml`.
pub fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::copy(
        repo_root().join("config.yaml"),
        dir.path().join("config.yaml"),
    )
    .expect("config.yaml copied");
    dir
}

/// A PostgreSQL server of its own: a fresh cluster in a temporary folder, listening on
/// 127.0.0.1 on a free port, run as an unprivileged user (`postgres` when the tests run as
/// root: `initdb` refuses root). Stopped and removed on drop.
pub struct PgServer {
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
    /// The port.
    pub port: u16,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The newest PostgreSQL `bin` folder: `/usr/lib/postgresql/<v>/bin` (Debian) or `pg_config`.
pub fn pg_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let v: u32 = e.file_name().to_string_lossy().parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, b)| b).or_else(|| {
        let out = Command::new("pg_config").arg("--bindir").output().ok()?;
        let b = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        b.join("initdb").is_file().then_some(b)
    })
}

impl PgServer {
    fn run(&self, tool: &str, args: &[&str]) -> std::io::Result<std::process::Output> {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args).current_dir(&self.dir).output()
    }

    /// Starts a server, or says why it cannot. In CI (`CI` set) a missing PostgreSQL is a
    /// failure, not a skip: `.ci/run` installs it.
    pub fn start() -> Result<Self, String> {
        let bin = pg_bin().ok_or("no PostgreSQL server binaries (install postgresql-15)")?;
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(format!(
            "bunuelos_pg_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        if as_postgres {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .map_err(|e| e.to_string())?;
            if !ok.success() {
                return Err("cannot chown the cluster folder to postgres".into());
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let server = Self {
            dir,
            bin,
            as_postgres,
            port,
        };
        let data = server.dir.join("data");
        let data_s = data.to_string_lossy().to_string();
        let out = server
            .run(
                "initdb",
                &[
                    "-D",
                    &data_s,
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                ],
            )
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
            server.dir.display()
        );
        let log = server.dir.join("server.log").to_string_lossy().to_string();
        let out = server
            .run(
                "pg_ctl",
                &["-D", &data_s, "-l", &log, "-o", &opts, "-w", "start"],
            )
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            let log = std::fs::read_to_string(server.dir.join("server.log")).unwrap_or_default();
            return Err(format!("pg_ctl start failed: {log}"));
        }
        Ok(server)
    }

    /// `postgresql://postgres@127.0.0.1:<port>/postgres` (trust authentication).
    pub fn url(&self) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The cluster folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let data = self.dir.join("data").to_string_lossy().to_string();
        let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts a server, or returns `None` after saying why when the machine has no PostgreSQL and
/// this is not CI (where it panics: the tests must run there).
pub fn pg_or_skip(test: &str) -> Option<PgServer> {
    match PgServer::start() {
        Ok(s) => Some(s),
        Err(why) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED {test}: {why}");
            None
        }
        Err(why) => panic!("{test}: PostgreSQL is required in CI: {why}"),
    }
}
