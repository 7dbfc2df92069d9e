//! Inline SVG charts for the HTML renderers: a stacked daily bar chart by
//! severity, horizontal bars, and sparklines. Hand-written (a few dozen
//! lines of markup) rather than a charting crate: the output must be a
//! self-contained page with no scripts, printable, and every chart carries
//! text labels, a legend and a `<title>` for screen readers.
//!
//! Colours come from the Okabe-Ito palette, which stays distinguishable with
//! the common forms of colour blindness, and each severity has the same
//! colour in every chart.

use std::fmt::Write;

/// Severity colours by severity code: low, medium, high, informational.
pub const SEVERITY_COLOURS: [&str; 4] = ["#56B4E9", "#E69F00", "#D55E00", "#999999"];
/// Their names, in the same order.
pub use crate::model::alert::SEVERITY_NAMES;

/// Neutral bars.
pub const BAR: &str = "#0072B2";
/// Bars past a threshold (e.g. an FP ratio that needs tuning).
pub const ALARM: &str = "#D55E00";

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Daily counts stacked by severity (order high, medium, low, informational
/// from the bottom), with a y axis, first/middle/last date labels and a legend.
pub fn stacked_daily(title: &str, days: &[(String, [u64; 4])]) -> String {
    let (width, height, left, bottom, top) = (720.0, 220.0, 40.0, 40.0, 10.0);
    let plot_h = height - bottom - top;
    let max = days
        .iter()
        .map(|(_, c)| c.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let step = (width - left - 10.0) / days.len().max(1) as f64;
    let mut out = format!(
        "<svg role=\"img\" viewBox=\"0 0 {width} {}\" width=\"100%\" aria-label=\"{t}\"><title>{t}</title>\n",
        height + 20.0,
        t = escape(title)
    );
    let _ = writeln!(
        out,
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"#59636e\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>",
        height - bottom,
        left - 4.0,
        top + 10.0,
        max as u64,
        left - 4.0,
        height - bottom
    );
    for (i, (date, counts)) in days.iter().enumerate() {
        let x = left + i as f64 * step;
        let mut y = height - bottom;
        for severity in [2usize, 1, 0, 3] {
            let h = counts[severity] as f64 / max * plot_h;
            if h > 0.0 {
                y -= h;
                let _ = writeln!(
                    out,
                    "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{} {}: {}</title></rect>",
                    (step - 1.0).max(1.0),
                    SEVERITY_COLOURS[severity],
                    escape(date),
                    SEVERITY_NAMES[severity],
                    counts[severity]
                );
            }
        }
    }
    // First, middle and last dates; the outer ones anchored inward so they stay in view.
    let last = days.len().saturating_sub(1);
    for (i, anchor, x) in [
        (0, "start", left),
        (
            days.len() / 2,
            "middle",
            left + (days.len() / 2) as f64 * step + step / 2.0,
        ),
        (last, "end", left + days.len() as f64 * step),
    ] {
        if let Some((date, _)) = days.get(i) {
            let _ = writeln!(
                out,
                "<text x=\"{x:.1}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
                height - bottom + 16.0,
                escape(date)
            );
        }
    }
    legend(&mut out, left, height + 8.0);
    out.push_str("</svg>\n");
    out
}

fn legend(out: &mut String, x: f64, y: f64) {
    for (i, severity) in [2usize, 1, 0, 3].iter().enumerate() {
        let lx = x + i as f64 * 130.0;
        let _ = writeln!(
            out,
            "<rect x=\"{lx}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{y}\">{}</text>",
            y - 10.0,
            SEVERITY_COLOURS[*severity],
            lx + 16.0,
            SEVERITY_NAMES[*severity]
        );
    }
}

/// One labelled horizontal bar per row; `value_label` is printed after the bar.
pub struct Bar<'a> {
    pub label: &'a str,
    pub value: f64,
    pub value_label: String,
    pub colour: &'a str,
}

/// Horizontal bars scaled to `max` (or the largest value).
pub fn bars(title: &str, rows: &[Bar<'_>], max: Option<f64>) -> String {
    let row_h = 22.0;
    let (label_w, bar_w) = (260.0, 380.0);
    let max = max
        .unwrap_or_else(|| rows.iter().map(|r| r.value).fold(0.0, f64::max))
        .max(f64::MIN_POSITIVE);
    let height = rows.len() as f64 * row_h + 4.0;
    let mut out = format!(
        "<svg role=\"img\" viewBox=\"0 0 720 {height}\" width=\"100%\" aria-label=\"{t}\"><title>{t}</title>\n",
        t = escape(title)
    );
    for (i, row) in rows.iter().enumerate() {
        let y = i as f64 * row_h;
        let w = (row.value / max * bar_w).max(0.0);
        let label: String = row.label.chars().take(38).collect();
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><rect x=\"{}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"14\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            label_w - 6.0,
            y + 14.0,
            escape(&label),
            label_w,
            y + 3.0,
            row.colour,
            label_w + w + 4.0,
            y + 14.0,
            escape(&row.value_label)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// A small inline line chart of `values` (e.g. alerts per day).
pub fn sparkline(values: &[u32]) -> String {
    let (w, h) = (120.0, 24.0);
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = w / (values.len().max(2) - 1) as f64;
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{:.1},{:.1}",
                i as f64 * step,
                h - 2.0 - *v as f64 / max * (h - 4.0)
            )
        })
        .collect();
    format!(
        "<svg role=\"img\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" aria-label=\"alerts per day, peak {}\"><polyline fill=\"none\" stroke=\"{BAR}\" stroke-width=\"1.5\" points=\"{}\"/></svg>",
        max as u64,
        points.join(" ")
    )
}

/// Unicode block sparkline for terminals and Markdown.
pub fn blocks(values: &[u32]) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| {
            if max == 0 {
                LEVELS[0]
            } else {
                LEVELS[((v as usize * 7) / max as usize).min(7)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_labelled_and_escape_text() {
        let svg = stacked_daily("Alerts <daily>", &[("2026-11-01".into(), [1, 2, 3, 0])]);
        assert!(svg.contains("<title>Alerts &lt;daily&gt;</title>"));
        assert!(svg.contains("high") && svg.contains("informational"));
        let svg = bars(
            "FP",
            &[Bar {
                label: "A & B",
                value: 0.5,
                value_label: "50%".into(),
                colour: ALARM,
            }],
            Some(1.0),
        );
        assert!(svg.contains("A &amp; B") && svg.contains("50%"));
        assert_eq!(blocks(&[0, 7, 14]), "▁▄█");
        assert_eq!(blocks(&[0, 0]), "▁▁");
        assert!(sparkline(&[]).contains("<svg"));
        assert!(stacked_daily("empty", &[]).contains("</svg>"));
    }
}
