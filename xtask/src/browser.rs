//! The page in a real browser: headless Chromium loads `informe_latest.html`, dumps the DOM
//! after load and takes a screenshot. The check fails on a blank page, on any console message
//! (the page has no script, so any message is an error), on a missing or empty section, and on
//! a resource the page would fetch from elsewhere (it must open offline).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

/// What the browser saw.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PageCheck {
    /// The browser binary used.
    pub browser: String,
    /// Sections of [`report::page::SECTIONS`] missing or empty in the rendered DOM.
    pub missing_sections: Vec<String>,
    /// Console messages the page produced.
    pub console: Vec<String>,
    /// `src`/`href` attributes that point outside the file.
    pub external: Vec<String>,
    /// Share of screenshot pixels that are not the background.
    pub ink: f64,
    /// Distinct colours in the screenshot (a blank or one-colour page has 1–2).
    pub colours: usize,
    /// Where the screenshot is.
    pub screenshot: PathBuf,
}

impl PageCheck {
    /// Every reason the page fails (empty when it passes).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.missing_sections {
            out.push(format!("section `{s}` missing or empty"));
        }
        for c in &self.console {
            out.push(format!("console: {c}"));
        }
        for e in &self.external {
            out.push(format!("resource outside the page: {e}"));
        }
        if self.ink < 0.02 || self.colours < 16 {
            out.push(format!(
                "the screenshot looks blank ({:.1} % ink, {} colours)",
                100.0 * self.ink,
                self.colours
            ));
        }
        out
    }
}

/// The Chromium binary: `$CHROMIUM`, else the first of `chromium`, `chromium-browser`,
/// `google-chrome` on the `PATH`.
pub fn find_browser() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|b| std::env::split_paths(&path).map(move |d| d.join(b)))
        .find(|p| p.is_file())
}

fn chromium(browser: &Path, profile: &Path, extra: &[String]) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-extensions",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra);
    c
}

fn section_text<'a>(dom: &'a str, id: &str) -> Option<&'a str> {
    let start = dom.find(&format!(r#"<section id="{id}""#))?;
    let rest = &dom[start..];
    let end = rest.find("</section>")?;
    Some(&rest[..end])
}

fn visible_chars(html: &str) -> usize {
    let mut inside = false;
    let mut n = 0;
    for c in html.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside && !c.is_whitespace() => n += 1,
            _ => {}
        }
    }
    n
}

fn external_refs(dom: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for (i, _) in dom.match_indices(attr) {
            let v: String = dom[i + attr.len()..]
                .chars()
                .take_while(|c| *c != '"')
                .collect();
            if !(v.starts_with("data:") || v.starts_with('#')) {
                out.push(v);
            }
        }
    }
    out
}

/// Loads `html` in headless Chromium, writes its screenshot to `screenshot` and reports.
pub fn check_page(html: &Path, screenshot: &Path) -> anyhow::Result<PageCheck> {
    let Some(browser) = find_browser() else {
        bail!("no Chromium found (install Debian's `chromium`, or set CHROMIUM)");
    };
    let html = html
        .canonicalize()
        .with_context(|| format!("the page {} does not exist", html.display()))?;
    let url = format!("file://{}", html.display());
    let profile = tempfile::tempdir()?;
    let dump = chromium(
        &browser,
        profile.path(),
        &["--dump-dom".into(), url.clone()],
    )
    .output()
    .with_context(|| format!("running {}", browser.display()))?;
    if !dump.status.success() {
        bail!(
            "{} --dump-dom failed: {}",
            browser.display(),
            String::from_utf8_lossy(&dump.stderr)
        );
    }
    let dom = String::from_utf8_lossy(&dump.stdout).to_string();
    let console: Vec<String> = String::from_utf8_lossy(&dump.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    let missing_sections = report::page::SECTIONS
        .iter()
        .filter(|id| section_text(&dom, id).is_none_or(|s| visible_chars(s) < 20))
        .map(|s| s.to_string())
        .collect();
    if let Some(dir) = screenshot.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let shot = chromium(
        &browser,
        profile.path(),
        &[
            "--window-size=1200,4200".into(),
            format!("--screenshot={}", screenshot.display()),
            url,
        ],
    )
    .output()?;
    if !shot.status.success() || !screenshot.is_file() {
        bail!(
            "{} --screenshot failed: {}",
            browser.display(),
            String::from_utf8_lossy(&shot.stderr)
        );
    }
    let img = image::open(screenshot)
        .with_context(|| format!("reading the screenshot {}", screenshot.display()))?
        .to_rgb8();
    let bg = *img.get_pixel(img.width() - 1, img.height() - 1);
    let total = (img.width() * img.height()) as f64;
    let ink = img.pixels().filter(|p| **p != bg).count() as f64 / total;
    let colours = img
        .pixels()
        .map(|p| (p[0], p[1], p[2]))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    Ok(PageCheck {
        browser: browser.display().to_string(),
        missing_sections,
        console,
        external: external_refs(&dom),
        ink,
        colours,
        screenshot: screenshot.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_references_are_read_from_the_dom() {
        let dom = r#"<section id="a"><h2>Título largo de verdad aquí</h2></section><section id="b"> </section><img src="data:x"><a href="https://x.org">"#;
        assert!(section_text(dom, "a").is_some_and(|s| visible_chars(s) >= 20));
        assert!(section_text(dom, "b").is_some_and(|s| visible_chars(s) < 20));
        assert!(section_text(dom, "c").is_none());
        assert_eq!(external_refs(dom), ["https://x.org"]);
    }
}
