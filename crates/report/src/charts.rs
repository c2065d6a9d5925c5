//! Figures: PNG charts drawn with plotters into memory and encoded here, so they go through
//! the one atomic artifact writer. Text is rendered from DejaVu Sans embedded in the binary
//! (plotters' `ab_glyph` backend), so a machine without system fonts draws the same figures.

use std::io::Cursor;
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

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

/// A line chart of one or two daily series (`points` dated by index), with marked points.
pub fn line_chart(
    title: &str,
    labels: &[String],
    series: &[(&str, Vec<Option<f64>>, RGBColor)],
    marks: &[(usize, f64)],
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
        let mut chart = ChartBuilder::on(root)
            .caption(title, title_style(26))
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(70)
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
            .x_labels(10)
            .x_label_formatter(&|i| labels.get(*i).cloned().unwrap_or_default())
            .label_style((FONT, 14))
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
        chart.draw_series(
            marks
                .iter()
                .map(|(i, v)| Circle::new((*i, *v), 5, RED.filled())),
        )?;
        chart
            .configure_series_labels()
            .label_font((FONT, 16))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    })
}

/// A bar chart of named values in groups side by side (negative values hang below zero), with
/// an optional reference line.
pub fn bar_chart(
    title: &str,
    categories: &[String],
    groups: &[(&str, Vec<Option<f64>>, RGBColor)],
    reference: Option<f64>,
) -> Result<Vec<u8>, ChartError> {
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
        // Categories sit on integer x values, so the axis ticks land on the bar centres.
        let mut chart = ChartBuilder::on(root)
            .caption(title, title_style(26))
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..n as f64 - 0.5, bottom..hi * 1.1)?;
        let label_style = TextStyle::from((FONT, if n > 12 { 12 } else { 14 }).into_font());
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.max(1))
            .x_label_style(label_style)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    categories.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_style((FONT, 14))
            .draw()?;
        for (g, (name, values, color)) in groups.iter().enumerate() {
            let color = *color;
            let width = 0.8 / k;
            chart
                .draw_series(values.iter().enumerate().filter_map(|(i, v)| {
                    v.map(|v| {
                        let x0 = i as f64 - 0.4 + g as f64 * width;
                        Rectangle::new([(x0, 0.0), (x0 + width, v)], color.filled())
                    })
                }))?
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
            .position(SeriesLabelPosition::UpperLeft)
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
    title: &str,
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
        let mut chart = ChartBuilder::on(root)
            .caption(title, title_style(26))
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0..n, 0.0..hi * 1.05)?;
        chart
            .configure_mesh()
            .x_labels(10)
            .x_label_formatter(&|i| labels.get(*i).cloned().unwrap_or_default())
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
            .label("historia")
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
                .label("real (hold-out)")
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
            .label("pronóstico")
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
    title: &str,
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
        let mut chart = ChartBuilder::on(root)
            .caption(title, title_style(26))
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(80)
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
            .label("pronóstico")
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], bar.filled()));
        for (i, w) in whiskers.iter().enumerate() {
            if let Some((lo, up)) = w {
                let x = i as f64;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x, *lo), (x, *up)],
                    BLACK.stroke_width(2),
                )))?;
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
                .label("real")
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
pub fn acf_chart(acf: &[f64], pacf: &[f64], band: f64) -> Result<Vec<u8>, ChartError> {
    png(|root| {
        let panels = root.split_evenly((2, 1));
        for (area, (name, values)) in panels.iter().zip([("ACF", acf), ("PACF", pacf)]) {
            let lo = values.iter().copied().fold(-band, f64::min).min(-0.1);
            let hi = values.iter().copied().fold(band, f64::max).max(0.1);
            let mut chart = ChartBuilder::on(area)
                .caption(format!("{name} (band ±{band:.3})"), title_style(20))
                .margin(10)
                .x_label_area_size(30)
                .y_label_area_size(60)
                .build_cartesian_2d(0usize..values.len() + 1, lo * 1.05..hi * 1.05)?;
            chart.configure_mesh().label_style((FONT, 12)).draw()?;
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

/// A short Spanish axis label for an EDA group name.
pub fn short_label(name: &str) -> String {
    match name {
        "dic_inicio" => "1-6 dic".into(),
        "dic_medio" => "8-15 dic".into(),
        "nochebuena" => "24 dic".into(),
        "navidad" => "25 dic".into(),
        "fin_de_ano" => "26-30 dic".into(),
        "nochevieja" => "31 dic".into(),
        "ano_nuevo" => "1 ene".into(),
        "enero_reyes" => "2-6 ene".into(),
        "post_payday_window" => "quincena".into(),
        "prima_window" => "prima".into(),
        "amor_amistad" => "amor y amistad".into(),
        "dia_madre" => "día madre".into(),
        "semana_santa" => "semana santa".into(),
        other => other.replace("novena_dia_", "nov "),
    }
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
        let png = line_chart("Serie", &labels, &[("y", v, BLUE)], &[(3, 2.0)]).unwrap();
        let img = decode(&png);
        assert_eq!(img.dimensions(), SIZE);
        assert!(ink(&img) > 5_000, "ink {}", ink(&img));
        let bars = bar_chart(
            "Perfil",
            &["a".into(), "b".into()],
            &[("g", vec![Some(1.0), Some(2.0)], GREEN)],
            Some(1.0),
        )
        .unwrap();
        assert!(ink(&decode(&bars)) > 5_000);
        let acf = acf_chart(&[0.5, 0.2, 0.1], &[0.5, 0.0, 0.0], 0.05).unwrap();
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
