//! A grouped bar chart, written as SVG by hand.
//!
//! Why not a plotting crate: the charts are a few rectangles and labels,
//! and writing them directly keeps the dependency set small, the output
//! byte-for-byte predictable, and the text plain SVG `<text>` that any
//! viewer draws with its own fonts (nothing to find or embed at build time).

use std::fmt::Write;

/// One bar per series in every group, with its value written above it.
#[derive(Clone, Debug)]
pub struct BarChart {
    /// The chart's title.
    pub title: String,
    /// Smaller lines under the title (run, machine, warnings).
    pub subtitles: Vec<String>,
    /// The y axis's label.
    pub unit: String,
    /// The names of the groups along the x axis.
    pub groups: Vec<String>,
    /// The bars of each group, in legend order.
    pub series: Vec<Series>,
}

/// One series: a name, a colour, and a value per group.
#[derive(Clone, Debug)]
pub struct Series {
    /// The legend's name.
    pub name: String,
    /// A CSS colour.
    pub color: &'static str,
    /// One value per group (`None`: not measured, drawn as "n/a").
    pub values: Vec<Option<f64>>,
}

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 480.0;
const LEFT: f64 = 90.0;
const RIGHT: f64 = 20.0;
const BOTTOM: f64 = 50.0;
const FONT: &str = "DejaVu Sans, Helvetica, Arial, sans-serif";

impl BarChart {
    /// The chart as an SVG document; `label` formats the values above the
    /// bars (the axis's numbers are formatted to suit its step).
    pub fn render(&self, label: impl Fn(f64) -> String) -> String {
        let top = 75.0 + 16.0 * self.subtitles.len() as f64;
        let (x0, x1, y0, y1) = (LEFT, WIDTH - RIGHT, top, HEIGHT - BOTTOM);
        let max = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .fold(0.0f64, |a, &b| a.max(b));
        // Room above the tallest bar for its label; about six grid lines.
        let step = nice_step(max * 1.1 / 6.0);
        let top_value = (max * 1.1 / step).ceil().max(1.0) * step;
        let y = |value: f64| y1 - (value / top_value) * (y1 - y0);

        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT}">"#
        );
        let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
        let _ = writeln!(
            svg,
            r#"<text x="{x0}" y="28" font-size="18" font-weight="bold">{}</text>"#,
            escape(&self.title)
        );
        for (i, line) in self.subtitles.iter().enumerate() {
            let _ = writeln!(
                svg,
                r##"<text x="{x0}" y="{}" font-size="12" fill="#444">{}</text>"##,
                48.0 + 16.0 * i as f64,
                escape(line)
            );
        }

        // Grid lines and the y axis's numbers.
        let mut tick = 0.0;
        while tick <= top_value + step / 2.0 {
            let ty = y(tick);
            let _ = writeln!(
                svg,
                r##"<line x1="{x0}" y1="{ty:.1}" x2="{x1}" y2="{ty:.1}" stroke="#ddd"/>"##
            );
            let _ = writeln!(
                svg,
                r##"<text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#333">{}</text>"##,
                x0 - 6.0,
                ty + 4.0,
                escape(&axis_number(tick, step))
            );
            tick += step;
        }
        let _ = writeln!(
            svg,
            r##"<text transform="translate(18 {:.1}) rotate(-90)" font-size="12" text-anchor="middle" fill="#333">{}</text>"##,
            (y0 + y1) / 2.0,
            escape(&self.unit)
        );

        // The bars, group by group.
        let group_width = (x1 - x0) / self.groups.len().max(1) as f64;
        let bar_width = group_width * 0.8 / self.series.len().max(1) as f64;
        for (g, group) in self.groups.iter().enumerate() {
            let start = x0 + g as f64 * group_width + group_width * 0.1;
            for (s, series) in self.series.iter().enumerate() {
                let bx = start + s as f64 * bar_width;
                let center = bx + bar_width / 2.0;
                match series.values.get(g).copied().flatten() {
                    Some(value) => {
                        let by = y(value);
                        let _ = writeln!(
                            svg,
                            r#"<rect x="{bx:.1}" y="{by:.1}" width="{:.1}" height="{:.1}" fill="{}"/>"#,
                            bar_width * 0.92,
                            (y1 - by).max(0.5),
                            series.color
                        );
                        let _ = writeln!(
                            svg,
                            r#"<text x="{center:.1}" y="{:.1}" font-size="11" text-anchor="middle">{}</text>"#,
                            by - 4.0,
                            escape(&label(value))
                        );
                    }
                    None => {
                        let _ = writeln!(
                            svg,
                            r##"<text x="{center:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#888">n/a</text>"##,
                            y1 - 4.0
                        );
                    }
                }
            }
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" font-size="13" text-anchor="middle">{}</text>"#,
                start + group_width * 0.4,
                y1 + 20.0,
                escape(group)
            );
        }
        let _ = writeln!(
            svg,
            r##"<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="#333"/>"##
        );

        // The legend, top right.
        for (s, series) in self.series.iter().enumerate() {
            let lx = x1 - 100.0 * (self.series.len() - s) as f64;
            let _ = writeln!(
                svg,
                r#"<rect x="{lx}" y="{}" width="12" height="12" fill="{}"/>"#,
                top - 26.0,
                series.color
            );
            let _ = writeln!(
                svg,
                r#"<text x="{}" y="{}" font-size="12">{}</text>"#,
                lx + 17.0,
                top - 16.0,
                escape(&series.name)
            );
        }
        svg.push_str("</svg>\n");
        svg
    }
}

/// `value` with the decimals `step` needs: 0, 20000 or 0.5, 1.0.
fn axis_number(value: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{value:.decimals$}")
}

/// The smallest of 1, 2, 5 times a power of ten that is at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw > 0.0 && raw.is_finite()) {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&step| step >= raw * 0.999_999)
        .unwrap_or(10.0 * power)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_nice() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(1.0), 1.0);
        assert_eq!(nice_step(1.3), 2.0);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(4200.0), 5000.0);
        assert_eq!(nice_step(0.0), 1.0);
    }

    #[test]
    fn axis_numbers_suit_the_step() {
        assert_eq!(axis_number(0.0, 20000.0), "0");
        assert_eq!(axis_number(40000.0, 20000.0), "40000");
        assert_eq!(axis_number(1.5, 0.5), "1.5");
        assert_eq!(axis_number(0.2, 0.05), "0.20");
    }

    #[test]
    fn renders_bars_labels_and_gaps() {
        let chart = BarChart {
            title: "t <1>".to_string(),
            subtitles: vec!["s".to_string()],
            unit: "us".to_string(),
            groups: vec!["p50".to_string(), "p99".to_string()],
            series: vec![Series {
                name: "piperpc".to_string(),
                color: "blue",
                values: vec![Some(41.5), None],
            }],
        };
        let svg = chart.render(|v| format!("{v:.1}"));
        assert!(svg.starts_with("<svg"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("t &lt;1&gt;"));
        assert!(svg.contains(">41.5<"));
        assert!(svg.contains(">n/a<"));
        assert!(svg.contains(">piperpc<"));
    }
}
