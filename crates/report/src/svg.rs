//! Vector charts for the page: inline SVG with axis titles, es-CO/English tick labels and a
//! hover title (`<title>`) on every point, so the planner reads exact values in the browser.
//! Text is escaped here; the strings are inserted into the page as they are.

use std::fmt::Write as _;

use crate::numfmt::{self, Lang};

const W: f64 = 1100.0;
const H: f64 = 380.0;
const LEFT: f64 = 86.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 36.0;
const BOTTOM: f64 = 64.0;

/// Colours of the page's charts.
pub mod colour {
    /// History (observed units).
    pub const HISTORY: &str = "#4a4a4a";
    /// The point forecast.
    pub const FORECAST: &str = "#1f5fa8";
    /// The widest band.
    pub const BAND_OUTER: &str = "#c9dcf2";
    /// The narrowest band.
    pub const BAND_INNER: &str = "#8fb5e3";
    /// Actuals after the cutoff.
    pub const ACTUAL: &str = "#d9480f";
    /// Flagged days.
    pub const FLAG: &str = "#c92a2a";
    /// Last year.
    pub const LAST_YEAR: &str = "#2b8a3e";
}

/// Escapes text for SVG/HTML content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Round tick values covering `lo..hi` (steps of 1, 2 or 5 × 10ⁿ), about `n` of them.
pub fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let span = (hi - lo).abs();
    if !span.is_finite() || span == 0.0 {
        return vec![lo];
    }
    let raw = span / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// The plotting frame: data ranges mapped to the drawing area, and the SVG being written.
struct Frame {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    out: String,
}

impl Frame {
    fn new(label: &str, x: (f64, f64), y: (f64, f64)) -> Self {
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" aria-label="{}" class="chart">"#,
            esc(label)
        );
        Self {
            x0: x.0,
            x1: if x.1 > x.0 { x.1 } else { x.0 + 1.0 },
            y0: y.0,
            y1: if y.1 > y.0 { y.1 } else { y.0 + 1.0 },
            out,
        }
    }
    fn px(&self, x: f64) -> f64 {
        LEFT + (x - self.x0) / (self.x1 - self.x0) * (W - LEFT - RIGHT)
    }
    fn py(&self, y: f64) -> f64 {
        TOP + (self.y1 - y) / (self.y1 - self.y0) * (H - TOP - BOTTOM)
    }
    /// Horizontal grid lines with tick labels, the axes and their titles.
    fn axes(&mut self, x_title: &str, y_title: &str, lang: Lang) {
        for t in ticks(self.y0, self.y1, 6) {
            let y = self.py(t);
            let _ = write!(
                self.out,
                r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#e6e6e6"/><text x="{}" y="{:.1}" text-anchor="end" class="tick">{}</text>"##,
                W - RIGHT,
                LEFT - 8.0,
                y + 4.0,
                esc(&numfmt::number(t, decimals_for(t, self.y1 - self.y0), lang))
            );
        }
        if self.y0 < 0.0 && self.y1 > 0.0 {
            let y = self.py(0.0);
            let _ = write!(
                self.out,
                r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#222" stroke-width="1.2"/>"##,
                W - RIGHT
            );
        }
        let _ = write!(
            self.out,
            r##"<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{}" stroke="#888"/><line x1="{LEFT}" x2="{}" y1="{b}" y2="{b}" stroke="#888"/><text x="{}" y="{}" text-anchor="middle" class="axis">{}</text><text transform="translate(18 {}) rotate(-90)" text-anchor="middle" class="axis">{}</text>"##,
            H - BOTTOM,
            W - RIGHT,
            (LEFT + W - RIGHT) / 2.0,
            H - 10.0,
            esc(x_title),
            (TOP + H - BOTTOM) / 2.0,
            esc(y_title),
            b = H - BOTTOM,
        );
    }
    fn x_label(&mut self, x: f64, text: &str) {
        let px = self.px(x);
        // Near the right edge the label ends at its tick, so it is never cut.
        let anchor = if px > W - RIGHT - 40.0 {
            "end"
        } else {
            "middle"
        };
        let _ = write!(
            self.out,
            r##"<line x1="{px:.1}" x2="{px:.1}" y1="{}" y2="{}" stroke="#888"/><text x="{px:.1}" y="{}" text-anchor="{anchor}" class="tick">{}</text>"##,
            H - BOTTOM,
            H - BOTTOM + 5.0,
            H - BOTTOM + 20.0,
            esc(text)
        );
    }
    fn polyline(&mut self, pts: &[(f64, f64)], colour: &str, width: f64, dash: bool) {
        // A gap (non-finite value) breaks the line.
        for run in pts.split(|p| !p.1.is_finite()) {
            if run.is_empty() {
                continue;
            }
            let d: Vec<String> = run
                .iter()
                .map(|(x, y)| format!("{:.1},{:.1}", self.px(*x), self.py(*y)))
                .collect();
            let _ = write!(
                self.out,
                r#"<polyline fill="none" stroke="{colour}" stroke-width="{width}"{} points="{}"/>"#,
                if dash {
                    r#" stroke-dasharray="5 3""#
                } else {
                    ""
                },
                d.join(" ")
            );
        }
    }
    fn band(&mut self, xs: &[f64], lo: &[f64], hi: &[f64], colour: &str) {
        let mut d: Vec<String> = xs
            .iter()
            .zip(hi)
            .map(|(x, y)| format!("{:.1},{:.1}", self.px(*x), self.py(*y)))
            .collect();
        d.extend(
            xs.iter()
                .zip(lo)
                .rev()
                .map(|(x, y)| format!("{:.1},{:.1}", self.px(*x), self.py(*y))),
        );
        let _ = write!(
            self.out,
            r#"<polygon fill="{colour}" stroke="none" points="{}"/>"#,
            d.join(" ")
        );
    }
    /// A point with a hover title; `visible` draws it, otherwise it is a transparent target.
    fn point(&mut self, x: f64, y: f64, r: f64, colour: &str, visible: bool, title: &str) {
        let _ = write!(
            self.out,
            r#"<circle cx="{:.1}" cy="{:.1}" r="{r}" fill="{colour}" fill-opacity="{}" class="pt"><title>{}</title></circle>"#,
            self.px(x),
            self.py(y),
            if visible { "1" } else { "0" },
            esc(title)
        );
    }
    fn legend(&mut self, items: &[(&str, &str, LegendKind)]) {
        let mut x = LEFT + 6.0;
        for (name, colour, kind) in items {
            let shape = match kind {
                LegendKind::Line => format!(
                    r#"<line x1="{x}" x2="{}" y1="16" y2="16" stroke="{colour}" stroke-width="3"/>"#,
                    x + 22.0
                ),
                LegendKind::Area => {
                    format!(r#"<rect x="{x}" y="9" width="22" height="14" fill="{colour}"/>"#)
                }
                LegendKind::Dot => format!(
                    r#"<circle cx="{}" cy="16" r="5" fill="{colour}"/>"#,
                    x + 11.0
                ),
            };
            let _ = write!(
                self.out,
                r#"{shape}<text x="{}" y="21" class="legend">{}</text>"#,
                x + 28.0,
                esc(name)
            );
            x += 40.0 + 7.2 * name.chars().count() as f64;
        }
    }
    fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

#[derive(Clone, Copy)]
enum LegendKind {
    Line,
    Area,
    Dot,
}

fn decimals_for(t: f64, span: f64) -> usize {
    if span < 5.0 && t.fract() != 0.0 {
        2
    } else if t.fract() != 0.0 {
        1
    } else {
        0
    }
}

fn weekday(iso: &str) -> Option<usize> {
    // Zeller-free: days since 1970-01-01 (a Thursday) by the civil-from-days inverse.
    let mut it = iso.split('-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days + 3).rem_euclid(7) as usize)
}

/// One day of the fan chart's forecast: point and bands `(level %, lower, upper)`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FanDay {
    /// Date, `YYYY-MM-DD`.
    pub fecha: String,
    /// Point forecast.
    pub point: f64,
    /// Interval bounds by level, narrowest first.
    pub bands: Vec<(f64, f64, f64)>,
}

/// What the fan chart draws.
#[derive(Debug, Clone, Default)]
pub struct Fan<'a> {
    /// History: date and observed units (`None` for a day without a value).
    pub history: &'a [(String, Option<f64>)],
    /// The forecast days.
    pub forecast: &'a [FanDay],
    /// Actuals over the horizon (hold-out runs), by date.
    pub actuals: &'a [(String, f64)],
    /// Flagged history days: date, value drawn, reason in words.
    pub flagged: &'a [(String, f64, String)],
}

/// The daily fan chart: history, the forecast with its bands (widest behind), actuals after
/// the cutoff and flagged days, with hover titles on every day.
pub fn fan(f: &Fan<'_>, lang: Lang) -> String {
    let n_hist = f.history.len();
    let n = n_hist + f.forecast.len();
    let values =
        f.history
            .iter()
            .filter_map(|h| h.1)
            .chain(f.forecast.iter().flat_map(|d| {
                std::iter::once(d.point).chain(d.bands.iter().flat_map(|b| [b.1, b.2]))
            }))
            .chain(f.actuals.iter().map(|a| a.1))
            .chain(f.flagged.iter().map(|a| a.1));
    let (lo, hi) = crate::charts::y_range(values);
    let mut fr = Frame::new(
        lang.pick("Pronóstico diario", "Daily forecast"),
        (0.0, n.saturating_sub(1) as f64),
        (lo, hi),
    );
    fr.axes(
        lang.pick("Fecha", "Date"),
        lang.pick("Unidades por día", "Units per day"),
        lang,
    );
    // Month starts as x labels, at most about 12.
    let dates: Vec<&str> = f
        .history
        .iter()
        .map(|h| h.0.as_str())
        .chain(f.forecast.iter().map(|d| d.fecha.as_str()))
        .collect();
    let starts: Vec<usize> = (0..n).filter(|i| dates[*i].ends_with("-01")).collect();
    let every = starts.len().div_ceil(12).max(1);
    for i in starts.iter().step_by(every) {
        fr.x_label(*i as f64, &numfmt::month_short(dates[*i], lang));
    }
    let xs: Vec<f64> = (n_hist..n).map(|i| i as f64).collect();
    let levels = f.forecast.first().map(|d| d.bands.len()).unwrap_or(0);
    for k in (0..levels).rev() {
        let lo: Vec<f64> = f.forecast.iter().map(|d| d.bands[k].1).collect();
        let hi: Vec<f64> = f.forecast.iter().map(|d| d.bands[k].2).collect();
        let c = if k + 1 == levels && levels > 1 {
            colour::BAND_OUTER
        } else {
            colour::BAND_INNER
        };
        fr.band(&xs, &lo, &hi, c);
    }
    let hist: Vec<(f64, f64)> = f
        .history
        .iter()
        .enumerate()
        .map(|(i, h)| (i as f64, h.1.unwrap_or(f64::NAN)))
        .collect();
    fr.polyline(&hist, colour::HISTORY, 1.2, false);
    let point: Vec<(f64, f64)> = f
        .forecast
        .iter()
        .enumerate()
        .map(|(i, d)| ((n_hist + i) as f64, d.point))
        .collect();
    fr.polyline(&point, colour::FORECAST, 2.0, false);
    let by_date: std::collections::BTreeMap<&str, f64> =
        f.actuals.iter().map(|a| (a.0.as_str(), a.1)).collect();
    if !by_date.is_empty() {
        let act: Vec<(f64, f64)> = f
            .forecast
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let v = by_date.get(d.fecha.as_str()).copied();
                ((n_hist + i) as f64, v.unwrap_or(f64::NAN))
            })
            .collect();
        fr.polyline(&act, colour::ACTUAL, 1.4, true);
    }
    // Hover targets: every history day and every forecast day.
    let u = |v: f64| numfmt::units(v, lang);
    for (i, (d, v)) in f.history.iter().enumerate() {
        if let Some(v) = v {
            let t = format!(
                "{}: {} {}",
                numfmt::day(d, weekday(d), lang),
                u(*v),
                lang.pick("unidades", "units")
            );
            fr.point(i as f64, *v, 3.0, colour::HISTORY, false, &t);
        }
    }
    for (i, d) in f.forecast.iter().enumerate() {
        let mut t = format!(
            "{}: {} {} {}",
            numfmt::day(&d.fecha, weekday(&d.fecha), lang),
            lang.pick("pronóstico", "forecast"),
            u(d.point),
            lang.pick("unidades", "units")
        );
        for (level, lo, hi) in &d.bands {
            let _ = write!(
                t,
                "; {} %: {} – {}",
                numfmt::number(*level, 0, lang),
                u(*lo),
                u(*hi)
            );
        }
        if let Some(a) = by_date.get(d.fecha.as_str()) {
            let _ = write!(t, "; {} {}", lang.pick("real", "actual"), u(*a));
        }
        fr.point(
            (n_hist + i) as f64,
            d.point,
            3.0,
            colour::FORECAST,
            false,
            &t,
        );
    }
    let pos: std::collections::BTreeMap<&str, usize> = f
        .history
        .iter()
        .enumerate()
        .map(|(i, h)| (h.0.as_str(), i))
        .collect();
    for (d, v, why) in f.flagged {
        if let Some(i) = pos.get(d.as_str()) {
            let t = format!("{}: {} ({why})", numfmt::day(d, weekday(d), lang), u(*v));
            fr.point(*i as f64, *v, 4.5, colour::FLAG, true, &t);
        }
    }
    let band_names: Vec<String> = f
        .forecast
        .first()
        .map(|d| {
            d.bands
                .iter()
                .map(|b| {
                    format!(
                        "{} {} %",
                        lang.pick("intervalo", "interval"),
                        numfmt::number(b.0, 0, lang)
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mut legend: Vec<(&str, &str, LegendKind)> = vec![
        (
            lang.pick("ventas observadas", "observed sales"),
            colour::HISTORY,
            LegendKind::Line,
        ),
        (
            lang.pick("pronóstico", "forecast"),
            colour::FORECAST,
            LegendKind::Line,
        ),
    ];
    for (k, name) in band_names.iter().enumerate() {
        let c = if k + 1 == band_names.len() && band_names.len() > 1 {
            colour::BAND_OUTER
        } else {
            colour::BAND_INNER
        };
        legend.push((name, c, LegendKind::Area));
    }
    if !by_date.is_empty() {
        legend.push((
            lang.pick("ventas reales del horizonte", "actual sales in the horizon"),
            colour::ACTUAL,
            LegendKind::Line,
        ));
    }
    if !f.flagged.is_empty() {
        legend.push((
            lang.pick(
                "días marcados por calidad",
                "days flagged by quality checks",
            ),
            colour::FLAG,
            LegendKind::Dot,
        ));
    }
    fr.legend(&legend);
    fr.finish()
}

/// One bar of a bar chart with an interval whisker and an optional reference dot.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Label under the bar.
    pub label: String,
    /// Bar height.
    pub value: f64,
    /// Whisker (`lower`, `upper`).
    pub whisker: Option<(f64, f64)>,
    /// Reference value drawn as a dot (last year, actuals).
    pub reference: Option<f64>,
    /// Hover text.
    pub title: String,
}

/// Names in a bar chart's legend and axes.
#[derive(Debug, Clone, Copy)]
pub struct BarText<'a> {
    /// Chart name (for screen readers).
    pub name: &'a str,
    /// Bars' legend name.
    pub bars: &'a str,
    /// Whiskers' legend name.
    pub whisker: &'a str,
    /// Reference dots' legend name.
    pub reference: &'a str,
    /// X axis title.
    pub x_title: &'a str,
    /// Y axis title.
    pub y_title: &'a str,
}

/// Vertical bars with whiskers and reference dots; negative values hang below the zero line.
pub fn bars(items: &[Bar], text: BarText<'_>, lang: Lang) -> String {
    let values = items.iter().flat_map(|b| {
        std::iter::once(b.value)
            .chain(b.whisker.into_iter().flat_map(|w| [w.0, w.1]))
            .chain(b.reference)
    });
    let (lo, hi) = crate::charts::y_range(values);
    let n = items.len().max(1) as f64;
    let mut fr = Frame::new(text.name, (0.0, n), (lo, hi));
    fr.axes(text.x_title, text.y_title, lang);
    let slot = (W - LEFT - RIGHT) / n;
    let bar_w = (slot * 0.6).min(70.0);
    let base = fr.py(0.0_f64.max(lo));
    for (i, b) in items.iter().enumerate() {
        let cx = fr.px(i as f64 + 0.5);
        let y = fr.py(b.value);
        let (top, h) = if y < base {
            (y, base - y)
        } else {
            (base, y - base)
        };
        let _ = write!(
            fr.out,
            r#"<rect x="{:.1}" y="{top:.1}" width="{bar_w:.1}" height="{h:.1}" fill="{}" class="bar"><title>{}</title></rect>"#,
            cx - bar_w / 2.0,
            colour::BAND_INNER,
            esc(&b.title)
        );
        if let Some((wl, wh)) = b.whisker {
            let (a, z) = (fr.py(wl), fr.py(wh));
            let _ = write!(
                fr.out,
                r#"<path d="M{cx:.1},{a:.1}V{z:.1}M{:.1},{a:.1}H{:.1}M{:.1},{z:.1}H{:.1}" stroke="{}" stroke-width="1.6" fill="none"/>"#,
                cx - 8.0,
                cx + 8.0,
                cx - 8.0,
                cx + 8.0,
                colour::FORECAST
            );
        }
        if let Some(r) = b.reference {
            fr.point(i as f64 + 0.5, r, 5.0, colour::LAST_YEAR, true, &b.title);
        }
        fr.x_label(i as f64 + 0.5, &b.label);
    }
    let mut legend = vec![
        (text.bars, colour::BAND_INNER, LegendKind::Area),
        (text.whisker, colour::FORECAST, LegendKind::Line),
    ];
    if items.iter().any(|b| b.reference.is_some()) {
        legend.push((text.reference, colour::LAST_YEAR, LegendKind::Dot));
    }
    fr.legend(&legend);
    fr.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            ticks(0.0, 1000.0, 5),
            [0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]
        );
        assert_eq!(ticks(-97.0, 300.0, 4), [0.0, 100.0, 200.0, 300.0]);
        assert_eq!(
            ticks(-97.0, 300.0, 8),
            [-50.0, 0.0, 50.0, 100.0, 150.0, 200.0, 250.0, 300.0]
        );
        assert_eq!(ticks(3.0, 3.0, 5), [3.0]);
    }

    #[test]
    fn weekdays_of_known_dates() {
        assert_eq!(weekday("2025-12-24"), Some(2), "a Wednesday");
        assert_eq!(weekday("1970-01-01"), Some(3), "a Thursday");
        assert_eq!(weekday("2024-02-29"), Some(3));
    }

    #[test]
    fn fan_has_bands_hover_titles_escaped_text_and_es_co_ticks() {
        let history: Vec<(String, Option<f64>)> = (1..=30)
            .map(|d| (format!("2025-11-{d:02}"), Some(1000.0 + d as f64)))
            .collect();
        let forecast: Vec<FanDay> = (1..=31)
            .map(|d| FanDay {
                fecha: format!("2025-12-{d:02}"),
                point: 1500.0,
                bands: vec![(80.0, 1400.0, 1600.0), (95.0, 1300.0, 1700.0)],
            })
            .collect();
        let flagged = vec![(
            "2025-11-05".to_string(),
            1005.0,
            "atípico <alto>".to_string(),
        )];
        let svg = fan(
            &Fan {
                history: &history,
                forecast: &forecast,
                actuals: &[],
                flagged: &flagged,
            },
            Lang::Es,
        );
        assert_eq!(svg.matches("<polygon").count(), 2);
        assert!(svg.contains("1.500"), "es-CO thousands in ticks and titles");
        assert!(svg.contains("mié 24 dic 2025: pronóstico 1.500 unidades; 80 %: 1.400 – 1.600"));
        assert!(svg.contains("atípico &lt;alto&gt;") && !svg.contains("<alto>"));
        assert!(svg.contains("Unidades por día") && svg.contains("dic 2025"));
        let en = fan(
            &Fan {
                history: &history,
                forecast: &forecast,
                actuals: &[],
                flagged: &[],
            },
            Lang::En,
        );
        assert!(en.contains("Units per day") && en.contains("1,500") && en.contains("Dec 2025"));
    }
}
