//! `cargo xtask test`: runs `cargo test --workspace` and writes a JSON test report
//! (`tests/reports/test_report_latest.json` plus its history copy).

use serde::Serialize;

/// Counts of one or more `test result:` lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TestCounts {
    /// Test binaries / doc-test groups that reported.
    pub suites: u64,
    /// Passed tests.
    pub passed: u64,
    /// Failed tests.
    pub failed: u64,
    /// Ignored tests.
    pub ignored: u64,
    /// Filtered-out tests.
    pub filtered_out: u64,
}

/// The test report body.
#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    /// The command run.
    pub command: Vec<String>,
    /// Exit code of cargo.
    pub exit_code: Option<i32>,
    /// Totals.
    pub counts: TestCounts,
    /// Names of failed tests.
    pub failures: Vec<String>,
    /// Wall time in seconds.
    pub duration_s: f64,
}

fn count_before(line: &str, word: &str) -> u64 {
    // "... 12 passed; 0 failed; ..." -> the number before `word`
    line.split(';')
        .find_map(|part| {
            let n = part.trim().strip_suffix(word)?.trim_end();
            n.rsplit(' ').next()?.parse().ok()
        })
        .unwrap_or(0)
}

/// Parses cargo test's human output.
pub fn parse(output: &str) -> (TestCounts, Vec<String>) {
    let mut c = TestCounts::default();
    let mut failures = Vec::new();
    for line in output.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("test result: ") {
            c.suites += 1;
            c.passed += count_before(rest, "passed");
            c.failed += count_before(rest, "failed");
            c.ignored += count_before(rest, "ignored");
            c.filtered_out += count_before(rest, "filtered out");
        } else if let Some(name) = line
            .strip_prefix("test ")
            .and_then(|r| r.strip_suffix(" ... FAILED"))
        {
            failures.push(name.to_string());
        }
    }
    failures.sort();
    failures.dedup();
    (c, failures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_result_lines_and_failures() {
        let out = "running 3 tests\ntest a::b ... ok\ntest a::c ... FAILED\n\
                   test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 4 filtered out; finished in 0.01s\n\
                   test result: ok. 5 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s\n";
        let (c, f) = parse(out);
        assert_eq!(
            c,
            TestCounts {
                suites: 2,
                passed: 7,
                failed: 1,
                ignored: 1,
                filtered_out: 4
            }
        );
        assert_eq!(f, ["a::c"]);
    }
}
