//! Figures: PNG charts drawn with plotters into memory and encoded here, so they go through
//! the one atomic artifact writer. Text is rendered from DejaVu Sans embedded in the binary
//! (plotters' `ab_glyph` backend), so a machine without system fonts draws the same figures.

use std::io::Cursor;
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::numfmt::{self, Lang};

/// Colours the charts take, re-exported so callers need no plotters dependency.
pub use plotters::style::{RGBColor, BLACK, BLUE, GREEN, RED};

/// Errors of drawing a chart.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// Plotters failed to draw.
    #[error("drawing failed: {0}")]
    Draw(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The pixel buffer did not match the canvas size (a bug).
    #[error("the pixel buffer does not match the canvas size")]
    Canvas,
    /// PNG encoding failed.
    #[error("PNG encoding failed: {0}")]
    Encode(#[from] image::ImageError),
}

impl<E: std::error::Error + Send + Sync + 'static> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError::Draw(Box::new(e))
    }
}

/// Width and height of every figure, in pixels.
pub const SIZE: (u32, u32) = (1200, 600);
const FONT: &str = "sans-serif";

fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TTF shipped by the `dejavu` crate; failure would be a bug there.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Renders with `draw` on a white RGB canvas and encodes the result as PNG.
pub fn png(
    draw: impl FnOnce(&DrawingArea<BitMapBackend, plotters::coord::Shift>) -> Result<(), ChartError>,
) -> Result<Vec<u8>, ChartError> {
    register_fonts();
    let (w, h) = SIZE;
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    let img = image::RgbImage::from_raw(w, h, buf).ok_or(ChartError::Canvas)?;
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}

fn title_style(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().into()
}

/// What every figure says besides its data: the title, the axis titles with their units, the
/// caption under the chart (the run and the cutoff) and the language of numbers and legends.
#[derive(Debug, Clone, Copy)]
pub struct Chart<'a> {
    /// Title above the chart.
    pub title: &'a str,
    /// X axis title.
    pub x: &'a str,
    /// Y axis title, with the unit.
    pub y: &'a str,
    /// Caption under the chart (run id and cutoff).
    pub caption: &'a str,
    /// Language of tick numbers, dates and the charts' own legend words.
    pub lang: Lang,
}

/// The caption drawn under the chart; returns the area above it for the chart.
fn with_caption<'a>(
    root: &DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>,
    c: &Chart<'_>,
) -> Result<DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>, ChartError> {
    let (w, h) = root.dim_in_pixel();
    let (top, bottom) = root.split_vertically(h - 26);
    let _ = w;
    bottom.draw(&Text::new(
        c.caption.to_string(),
        (12, 4),
        (FONT, 14).into_font().color(&RGBColor(90, 90, 90)),
    ))?;
    Ok(top)
}

/// A tick value in the chart's language, with as many decimals as the axis span needs (no
/// `100.0`, thousands grouped).
fn tick(v: f64, span: f64, lang: Lang) -> String {
    let decimals = if span >= 20.0 {
        0
    } else if span >= 2.0 {
        1
    } else {
        2
    };
    numfmt::number(v, decimals, lang)
}

/// A category or x label: ISO dates as `1 dic 2025` / `1 Dec 2025`, anything else unchanged.
fn x_text(label: &str, lang: Lang) -> String {
    let b = label.as_bytes();
    if label.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        numfmt::day(label, None, lang)
    } else {
        label.to_string()
    }
}

/// The y range of a line chart: from 0 (or below the minimum when a value is negative) to
/// above the maximum, with 5 % of the span as padding; at least `0..1`.
pub fn y_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    let pad = 0.05 * (hi - lo);
    (if lo < 0.0 { lo - pad } else { 0.0 }, hi + pad)
}

/// A line chart of one or two daily series (`points` dated by index), with marked points
/// drawn at their values and named `marks_label` in the legend.
pub fn line_chart(
    c: &Chart<'_>,
    labels: &[String],
    series: &[(&str, Vec<Option<f64>>, RGBColor)],
    marks: &[(usize, f64)],
    marks_label: &str,
) -> Result<Vec<u8>, ChartError> {
    let n = labels.len().max(2);
    let (lo, hi) = y_range(
        series
            .iter()
            .flat_map(|s| s.1.iter().flatten())
            .chain(marks.iter().map(|m| &m.1))
            .copied(),
    );
    png(|root| {
        let area = with_caption(root, c)?;
        let mut chart = ChartBuilder::on(&area)
            .caption(c.title, title_style(26))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(0..n, lo..hi)?;
        if lo < 0.0 {
            // Values of both signs (errors): the zero line they are read against.
            chart.draw_series(LineSeries::new(
                vec![(0, 0.0), (n, 0.0)],
                BLACK.stroke_width(1),
            ))?;
        }
        chart
            .configure_mesh()
            .x_labels(8)
            .x_label_formatter(&|i| {
                labels
                    .get(*i)
                    .map(|l| x_text(l, c.lang))
                    .unwrap_or_default()
            })
            .y_label_formatter(&|v| tick(*v, hi - lo, c.lang))
            .x_desc(c.x)
            .y_desc(c.y)
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()?;
        for (name, values, color) in series {
            let color = *color;
            let pts: Vec<(usize, f64)> = values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (i, v)))
                .collect();
            chart
                .draw_series(LineSeries::new(pts, color.stroke_width(1)))?
                .label(*name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                });
        }
        if !marks.is_empty() {
            chart
                .draw_series(
                    marks
                        .iter()
                        .map(|(i, v)| Circle::new((*i, *v), 5, RED.filled())),
                )?
                .label(marks_label)
                .legend(|(x, y)| Circle::new((x + 10, y), 5, RED.filled()));
        }
        chart
            .configure_series_labels()
            .label_font((FONT, 16))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    })
}

/// Bars coloured one by one (a single group), e.g. by the thresholds of a status, with the
/// legend saying what each colour means.
#[derive(Debug, Clone, Copy)]
pub struct BarColours<'a> {
    /// One colour per category.
    pub per_bar: &'a [RGBColor],
    /// The legend: what each colour means.
    pub legend: &'a [(&'a str, RGBColor)],
}

/// A bar chart of named values in groups side by side (negative values hang below zero), with
/// an optional reference line; `bar_colours` colours a single group's bars one by one.
pub fn bar_chart(
    c: &Chart<'_>,
    categories: &[String],
    groups: &[(&str, Vec<Option<f64>>, RGBColor)],
    reference: Option<f64>,
    bar_colours: Option<BarColours<'_>>,
) -> Result<Vec<u8>, ChartError> {
    let bar_colours = bar_colours.filter(|_| groups.len() == 1);
    let k = groups.len().max(1) as f64;
    let hi = groups
        .iter()
        .flat_map(|g| g.1.iter().flatten())
        .copied()
        .fold(reference.unwrap_or(0.0), f64::max)
        .max(1e-9);
    // Negative bars (deltas) extend the axis below zero.
    let lo = groups
        .iter()
        .flat_map(|g| g.1.iter().flatten())
        .copied()
        .fold(0.0, f64::min);
    let bottom = if lo < 0.0 { lo - 0.1 * (hi - lo) } else { 0.0 };
    let n = categories.len();
    png(|root| {
        let area = with_caption(root, c)?;
        // Categories sit on integer x values, so the axis ticks land on the bar centres.
        let mut chart = ChartBuilder::on(&area)
            .caption(c.title, title_style(26))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(-0.5..n as f64 - 0.5, bottom..hi * 1.1)?;
        let size = match n {
            0..=12 => 14,
            13..=16 => 12,
            _ => 11,
        };
        let label_style = TextStyle::from((FONT, size).into_font());
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.max(1))
            .x_label_style(label_style)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    categories
                        .get(i as usize)
                        .map(|l| x_text(l, c.lang))
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| tick(*v, hi * 1.1 - bottom, c.lang))
            .x_desc(c.x)
            .y_desc(c.y)
            .axis_desc_style((FONT, 16))
            .y_label_style((FONT, 14))
            .draw()?;
        for (g, (name, values, color)) in groups.iter().enumerate() {
            let color = *color;
            let width = 0.8 / k;
            let drawn = chart.draw_series(values.iter().enumerate().filter_map(|(i, v)| {
                v.map(|v| {
                    let x0 = i as f64 - 0.4 + g as f64 * width;
                    let fill = bar_colours
                        .and_then(|b| b.per_bar.get(i).copied())
                        .unwrap_or(color);
                    Rectangle::new([(x0, 0.0), (x0 + width, v)], fill.filled())
                })
            }))?;
            if bar_colours.is_none() {
                drawn.label(*name).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 16, y + 6)], color.filled())
                });
            }
        }
        for (name, color) in bar_colours.map(|b| b.legend).unwrap_or_default() {
            let color = *color;
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 16, y + 6)], color.filled())
                });
        }
        if let Some(r) = reference {
            chart.draw_series(LineSeries::new(
                vec![(-0.5, r), (n as f64 - 0.5, r)],
                BLACK.stroke_width(1),
            ))?;
        }
        chart
            .configure_series_labels()
            .position(if bar_colours.is_some() {
                SeriesLabelPosition::UpperRight
            } else {
                SeriesLabelPosition::UpperLeft
            })
            .label_font((FONT, 16))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    })
}

/// A fan chart: the history, the point forecast, shaded interval bands (widest first) and,
/// on hold-out runs, the actuals over the horizon. `labels` cover history then horizon.
pub fn fan_chart(
    c: &Chart<'_>,
    labels: &[String],
    history: &[Option<f64>],
    point: &[f64],
    bands: &[(String, Vec<f64>, Vec<f64>)],
    actuals: Option<&[Option<f64>]>,
) -> Result<Vec<u8>, ChartError> {
    let n = labels.len().max(2);
    let h0 = history.len();
    let hi = history
        .iter()
        .flatten()
        .copied()
        .chain(bands.iter().flat_map(|b| b.2.iter().copied()))
        .chain(point.iter().copied())
        .chain(
            actuals
                .into_iter()
                .flat_map(|a| a.iter().flatten().copied()),
        )
        .fold(1.0, f64::max);
    png(|root| {
        let area = with_caption(root, c)?;
        let mut chart = ChartBuilder::on(&area)
            .caption(c.title, title_style(26))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(0..n, 0.0..hi * 1.05)?;
        chart
            .configure_mesh()
            .x_labels(8)
            .x_label_formatter(&|i| {
                labels
                    .get(*i)
                    .map(|l| x_text(l, c.lang))
                    .unwrap_or_default()
            })
            .y_label_formatter(&|v| tick(*v, hi, c.lang))
            .x_desc(c.x)
            .y_desc(c.y)
            .axis_desc_style((FONT, 16))
            .label_style((FONT, 14))
            .draw()?;
        let shades = [RGBColor(198, 219, 239), RGBColor(107, 174, 214)];
        for (k, (name, lo, up)) in bands.iter().enumerate() {
            let colour = shades[k.min(shades.len() - 1)];
            let mut poly: Vec<(usize, f64)> =
                up.iter().enumerate().map(|(i, v)| (h0 + i, *v)).collect();
            poly.extend(lo.iter().enumerate().rev().map(|(i, v)| (h0 + i, *v)));
            chart
                .draw_series(std::iter::once(Polygon::new(poly, colour.filled())))?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 16, y + 6)], colour.filled())
                });
        }
        let hist: Vec<(usize, f64)> = history
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i, v)))
            .collect();
        let grey = RGBColor(60, 60, 60);
        chart
            .draw_series(LineSeries::new(hist, grey.stroke_width(1)))?
            .label(c.lang.pick("ventas observadas", "observed sales"))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], grey.stroke_width(3))
            });
        if let Some(a) = actuals {
            let pts: Vec<(usize, f64)> = a
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (h0 + i, v)))
                .collect();
            chart
                .draw_series(LineSeries::new(pts, BLACK.stroke_width(2)))?
                .label(
                    c.lang
                        .pick("ventas reales del horizonte", "actual sales in the horizon"),
                )
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(3))
                });
        }
        let pts: Vec<(usize, f64)> = point
            .iter()
            .enumerate()
            .map(|(i, v)| (h0 + i, *v))
            .collect();
        chart
            .draw_series(LineSeries::new(pts, RED.stroke_width(2)))?
            .label(c.lang.pick("pronóstico", "forecast"))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(3)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font((FONT, 16))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    })
}

/// Bars with interval whiskers (`lo`, `hi` per bar; `None` draws no whisker) and optional
/// actual values as dots.
pub fn whisker_bar_chart(
    c: &Chart<'_>,
    whisker_label: &str,
    categories: &[String],
    values: &[f64],
    whiskers: &[Option<(f64, f64)>],
    actuals: Option<&[Option<f64>]>,
) -> Result<Vec<u8>, ChartError> {
    let n = categories.len();
    let hi = values
        .iter()
        .copied()
        .chain(whiskers.iter().flatten().map(|w| w.1))
        .chain(
            actuals
                .into_iter()
                .flat_map(|a| a.iter().flatten().copied()),
        )
        .fold(1e-9, f64::max);
    png(|root| {
        let area = with_caption(root, c)?;
        let mut chart = ChartBuilder::on(&area)
            .caption(c.title, title_style(26))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(-0.5..n as f64 - 0.5, 0.0..hi * 1.1)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.max(1))
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    categories.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| tick(*v, hi * 1.1, c.lang))
            .x_desc(c.x)
            .y_desc(c.y)
            .axis_desc_style((FONT, 16))
            .label_style((FONT, 14))
            .draw()?;
        let bar = RGBColor(107, 174, 214);
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                Rectangle::new(
                    [(i as f64 - 0.35, 0.0), (i as f64 + 0.35, *v)],
                    bar.filled(),
                )
            }))?
            .label(c.lang.pick("pronóstico", "forecast"))
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], bar.filled()));
        for (i, w) in whiskers.iter().enumerate() {
            if let Some((lo, up)) = w {
                let x = i as f64;
                let line = chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x, *lo), (x, *up)],
                    BLACK.stroke_width(2),
                )))?;
                if i == 0 {
                    line.label(whisker_label).legend(|(x, y)| {
                        PathElement::new(
                            vec![(x + 8, y - 7), (x + 8, y + 7)],
                            BLACK.stroke_width(2),
                        )
                    });
                }
                for y in [*lo, *up] {
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(x - 0.1, y), (x + 0.1, y)],
                        BLACK.stroke_width(2),
                    )))?;
                }
            }
        }
        if let Some(a) = actuals {
            chart
                .draw_series(
                    a.iter().enumerate().filter_map(|(i, v)| {
                        v.map(|v| Circle::new((i as f64, v), 6, RED.filled()))
                    }),
                )?
                .label(c.lang.pick("real", "actual"))
                .legend(|(x, y)| Circle::new((x + 8, y), 5, RED.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font((FONT, 16))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    })
}

/// ACF (top) and PACF (bottom) stems with the confidence band.
pub fn acf_chart(
    c: &Chart<'_>,
    acf: &[f64],
    pacf: &[f64],
    band: f64,
) -> Result<Vec<u8>, ChartError> {
    png(|root| {
        let area = with_caption(root, c)?;
        let panels = area.split_evenly((2, 1));
        let names = [
            c.lang
                .pick("Autocorrelación (ACF)", "Autocorrelation (ACF)"),
            c.lang.pick(
                "Autocorrelación parcial (PACF)",
                "Partial autocorrelation (PACF)",
            ),
        ];
        for (area, (name, values)) in panels.iter().zip([(names[0], acf), (names[1], pacf)]) {
            let lo = values.iter().copied().fold(-band, f64::min).min(-0.1);
            let hi = values.iter().copied().fold(band, f64::max).max(0.1);
            let mut chart = ChartBuilder::on(area)
                .caption(
                    format!(
                        "{name} ({} ±{})",
                        c.lang.pick("banda", "band"),
                        numfmt::number(band, 3, c.lang)
                    ),
                    title_style(20),
                )
                .margin(10)
                .x_label_area_size(40)
                .y_label_area_size(70)
                .build_cartesian_2d(0usize..values.len() + 1, lo * 1.05..hi * 1.05)?;
            chart
                .configure_mesh()
                .y_label_formatter(&|v| numfmt::number(*v, 1, c.lang))
                .x_desc(c.x)
                .y_desc(c.y)
                .label_style((FONT, 12))
                .draw()?;
            chart.draw_series(values.iter().enumerate().map(|(i, v)| {
                PathElement::new(vec![(i + 1, 0.0), (i + 1, *v)], BLUE.stroke_width(1))
            }))?;
            for b in [band, -band] {
                chart.draw_series(LineSeries::new(
                    vec![(0, b), (values.len() + 1, b)],
                    RED.stroke_width(1),
                ))?;
            }
        }
        Ok(())
    })
}

/// A short axis label for an EDA group name, in `lang`: the novena's nine days as the December
/// dates they fall on (16–24 Dec), not `nov 1…`.
pub fn short_label(name: &str, lang: Lang) -> String {
    let (es, en) = match name {
        "dic_inicio" => ("1-6 dic", "1-6 Dec"),
        "velitas" => ("7 dic (velitas)", "7 Dec (candles)"),
        "dic_medio" => ("8-15 dic", "8-15 Dec"),
        "nochebuena" => ("24 dic (Nochebuena)", "24 Dec (Christmas Eve)"),
        "navidad" => ("25 dic (Navidad)", "25 Dec (Christmas)"),
        "fin_de_ano" => ("26-30 dic", "26-30 Dec"),
        "nochevieja" => ("31 dic (Nochevieja)", "31 Dec (New Year's Eve)"),
        "ano_nuevo" => ("1 ene", "1 Jan"),
        "enero_reyes" => ("2-6 ene", "2-6 Jan"),
        "post_payday_window" => ("quincena", "payday"),
        "prima_window" => ("prima", "prima bonus"),
        "promocion" => ("promoción", "promotion"),
        "festivo" => ("festivo", "holiday"),
        "amor_amistad" => ("amor y amistad", "love & friendship"),
        "dia_madre" => ("día madre", "Mother's Day"),
        "semana_santa" => ("semana santa", "Holy Week"),
        "halloween" => ("halloween", "Halloween"),
        other => {
            if let Some(k) = other
                .strip_prefix("novena_dia_")
                .and_then(|k| k.parse::<u32>().ok())
            {
                let day = 15 + k;
                return match lang {
                    Lang::Es => format!("{day} dic"),
                    Lang::En => format!("{day} Dec"),
                };
            }
            return other.replace('_', " ");
        }
    };
    lang.pick(es, en).to_string()
}

/// A self-contained HTML page: the figures inline as base64 PNG, and preformatted sections.
pub fn html_page(
    title: &str,
    figures: &[(String, Vec<u8>)],
    sections: &[(String, String)],
) -> String {
    use base64::Engine as _;
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut h = format!(
        "<!doctype html><html lang=\"es\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>body{{font-family:sans-serif;max-width:1250px;margin:auto}}img{{max-width:100%}}\
         pre{{background:#f6f6f6;padding:8px;overflow-x:auto}}</style></head><body><h1>{}</h1>",
        esc(title),
        esc(title)
    );
    for (name, text) in sections {
        h.push_str(&format!("<h2>{}</h2><pre>{}</pre>", esc(name), esc(text)));
    }
    for (name, bytes) in figures {
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        h.push_str(&format!(
            "<h2>{}</h2><img alt=\"{}\" src=\"data:image/png;base64,{b64}\">",
            esc(name),
            esc(name)
        ));
    }
    h.push_str("</body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_y_range_keeps_negative_values_in_view() {
        // Errors of both signs (the monitor's): the minimum is inside the range, with room.
        let (lo, hi) = y_range([-97.0, 12.0, 40.0].into_iter());
        assert!(lo < -97.0 && hi > 40.0, "{lo}..{hi}");
        // Positive values start at zero; NaN is ignored; nothing gives 0..1 padded.
        let (lo, hi) = y_range([3.0, f64::NAN, 10.0].into_iter());
        assert_eq!(lo, 0.0);
        assert!((hi - 10.5).abs() < 1e-12);
        assert_eq!(y_range(std::iter::empty()), (0.0, 1.05));
    }

    #[test]
    fn ticks_dates_and_labels_follow_the_language() {
        assert_eq!(tick(1500.0, 3000.0, Lang::Es), "1.500");
        assert_eq!(tick(1500.0, 3000.0, Lang::En), "1,500");
        assert_eq!(tick(0.5, 1.0, Lang::Es), "0,50");
        assert_eq!(tick(100.0, 400.0, Lang::Es), "100", "no `100.0`");
        assert_eq!(x_text("2025-12-24", Lang::Es), "24 dic 2025");
        assert_eq!(x_text("lun", Lang::Es), "lun");
        assert_eq!(short_label("novena_dia_1", Lang::Es), "16 dic");
        assert_eq!(short_label("novena_dia_9", Lang::En), "24 Dec");
        assert_eq!(short_label("post_payday_window", Lang::En), "payday");
    }

    fn decode(bytes: &[u8]) -> image::RgbImage {
        image::load_from_memory_with_format(bytes, image::ImageFormat::Png)
            .unwrap()
            .to_rgb8()
    }

    fn ink(img: &image::RgbImage) -> usize {
        img.pixels().filter(|p| p.0 != [255, 255, 255]).count()
    }

    #[test]
    fn charts_are_non_trivial_pngs() {
        let labels: Vec<String> = (0..50).map(|i| format!("d{i}")).collect();
        let v: Vec<Option<f64>> = (0..50)
            .map(|i| Some((i as f64 / 5.0).sin() + 2.0))
            .collect();
        let c = Chart {
            title: "Serie",
            x: "Fecha",
            y: "Unidades por día",
            caption: "Corrida ea9432e8 · datos hasta 30 nov 2025",
            lang: Lang::Es,
        };
        let png = line_chart(&c, &labels, &[("y", v, BLUE)], &[(3, 2.0)], "marcados").unwrap();
        let img = decode(&png);
        assert_eq!(img.dimensions(), SIZE);
        assert!(ink(&img) > 5_000, "ink {}", ink(&img));
        let bars = bar_chart(
            &c,
            &["a".into(), "b".into()],
            &[("g", vec![Some(1.0), Some(2.0)], GREEN)],
            Some(1.0),
            Some(BarColours {
                per_bar: &[RED, GREEN],
                legend: &[("alta", RED), ("baja", GREEN)],
            }),
        )
        .unwrap();
        let img = decode(&bars);
        assert!(ink(&img) > 5_000);
        // Bars are coloured one by one: both colours are on the chart.
        let has = |c: RGBColor| img.pixels().any(|p| p.0[..3] == [c.0, c.1, c.2]);
        assert!(has(RED) && has(GREEN));
        let acf = acf_chart(&c, &[0.5, 0.2, 0.1], &[0.5, 0.0, 0.0], 0.05).unwrap();
        assert!(ink(&decode(&acf)) > 5_000);
    }

    #[test]
    fn text_is_drawn_from_the_embedded_font_without_system_fonts() {
        // No fontconfig is consulted: point it at an empty config to prove it.
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("fonts.conf");
        std::fs::write(&empty, "<?xml version=\"1.0\"?><fontconfig></fontconfig>").unwrap();
        std::env::set_var("FONTCONFIG_FILE", &empty);
        let blank = png(|_| Ok(())).unwrap();
        let with_text = png(|root| {
            root.draw(&Text::new(
                "Buñuelos 2025",
                (100, 100),
                (FONT, 40).into_font(),
            ))?;
            Ok(())
        })
        .unwrap();
        assert_eq!(ink(&decode(&blank)), 0);
        assert!(ink(&decode(&with_text)) > 500, "the text left no ink");
    }

    #[test]
    fn html_embeds_figures_and_escapes_text() {
        let page = html_page(
            "EDA <demo>",
            &[("f".into(), vec![1, 2, 3])],
            &[("s".into(), "a < b".into())],
        );
        assert!(page.contains("data:image/png;base64,AQID"));
        assert!(page.contains("EDA &lt;demo&gt;"));
        assert!(page.contains("a &lt; b"));
    }
}
