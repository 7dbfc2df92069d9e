//! The monthly HTML report laid out by a real browser: nothing may run past
//! the page's width on screen at A4 and Letter widths, nor with the print
//! styles at the printable width of A4 and Letter (15 mm margins), and
//! printing to PDF must work.
//!
//! How: the full fixture (tests/support/monthly_fixture.rs) is rendered to
//! a temporary file; a copy for the browser gets a small script (the report
//! itself has none) that, after layout, lists every element whose right
//! edge passes the viewport's width, every table cell or `<pre>` whose
//! content is wider than the box, and every chart part drawn outside its
//! chart, into a `<pre id="overflow-report">`. Headless Chromium runs each
//! width in parallel with `--dump-dom`, and the test reads the list back.
//! With `#print` in the URL the script first applies the page's
//! `@media print` rules, which is how print layout is checked at the
//! printable width.
//!
//! Without Chromium (`chromium`, `chromium-browser`, `google-chrome`, or
//! `$CASGUARD_CHROMIUM`) the test says it is skipped, on stderr even when
//! output is captured, and passes; with `CI` set a missing browser fails
//! it. `--nocapture` shows what each layout checked and how long it took.

use super::monthly_fixture;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use casguard::report::monthly_html;

/// Each browser run may take this long before the test gives up.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Known faults the probe must find in every layout, so that a probe that
/// finds nothing has looked: a block wider than any page, and a chart label
/// drawn past its chart's edge.
const CANARIES: &str = r#"<div id="canary-wide" style="width:2000px">canary</div>
<svg id="canary-chart" viewBox="0 0 100 20" width="100"><text x="90" y="15">canary label</text></svg>
"#;

const PROBE: &str = r#"<script>
window.addEventListener('load', function () {
  if (location.hash === '#print') {
    var css = '';
    for (var s = 0; s < document.styleSheets.length; s++) {
      var rules = document.styleSheets[s].cssRules;
      for (var r = 0; r < rules.length; r++) {
        var rule = rules[r];
        if (rule.media && rule.media.mediaText.indexOf('print') >= 0) {
          for (var i = 0; i < rule.cssRules.length; i++) css += rule.cssRules[i].cssText + '\n';
        }
      }
    }
    var style = document.createElement('style');
    style.textContent = css;
    document.head.appendChild(style);
  }
  var limit = document.documentElement.clientWidth;
  var all = document.querySelectorAll('body *');
  var bad = [];
  var name = function (el) {
    var cls = typeof el.className === 'string' && el.className ? '.' + el.className.split(' ').join('.') : '';
    var id = el.id ? '#' + el.id : '';
    return el.tagName.toLowerCase() + id + cls;
  };
  var text = function (el) { return (el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 70); };
  for (var k = 0; k < all.length; k++) {
    var el = all[k];
    var box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    var why = null;
    if (box.right > limit + 0.5) {
      why = 'right edge at ' + box.right.toFixed(1) + ' past ' + limit;
    } else if (/^(PRE|TD|TH|TABLE|CODE|P|LI|DD)$/.test(el.tagName) && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
      why = 'content ' + el.scrollWidth + ' wider than its box ' + el.clientWidth;
    } else if (el.ownerSVGElement) {
      var chart = el.ownerSVGElement.getBoundingClientRect();
      if (box.right > chart.right + 1 || box.left < chart.left - 1) {
        why = 'drawn outside its chart (' + box.left.toFixed(1) + '..' + box.right.toFixed(1) + ' of ' + chart.left.toFixed(1) + '..' + chart.right.toFixed(1) + ')';
      }
    }
    if (why) bad.push(name(el) + ': ' + why + ': ' + text(el));
  }
  var out = document.createElement('pre');
  out.id = 'overflow-report';
  out.textContent = 'checked ' + all.length + ' elements at ' + limit + ' px\n' + bad.join('\n');
  document.body.appendChild(out);
});
</script>
"#;

/// The browser to use, if any.
fn browser() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CASGUARD_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

fn headless(browser: &Path, profile: &Path, width: u32) -> Command {
    let mut command = Command::new(browser);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={width},1123"));
    command
}

/// A browser run, its output going to files (a DOM dump would fill a
/// pipe nobody reads yet); killed when dropped unfinished.
struct Run {
    what: &'static str,
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Run {
    fn start(what: &'static str, mut command: Command, dir: &Path) -> Run {
        let stdout = dir.join(format!("{}.out", what.replace(' ', "-")));
        let stderr = dir.join(format!("{}.err", what.replace(' ', "-")));
        let child = command
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("{what}: the browser does not start: {e}"));
        Run {
            what,
            child,
            stdout,
            stderr,
        }
    }

    /// Waits for the browser, up to `TIMEOUT`: (stdout, stderr).
    fn finish(&mut self) -> (String, String) {
        let started = Instant::now();
        while self.child.try_wait().expect("browser runs").is_none() {
            assert!(
                started.elapsed() < TIMEOUT,
                "{}: the browser took longer than {TIMEOUT:?}",
                self.what
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
        (read(&self.stdout), read(&self.stderr))
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// What is between `<body>` and `</body>`.
fn body(html: &str) -> &str {
    let start = html.find("<body>").map_or(0, |i| i + "<body>".len());
    let end = html.rfind("</body>").unwrap_or(html.len());
    &html[start..end]
}

#[test]
fn monthly_report_fits_a4_and_letter() {
    let Some(browser) = browser() else {
        if std::env::var_os("CI").is_some() {
            panic!("no Chromium found (chromium, chromium-browser, google-chrome) and CI is set: .ci/run installs it");
        }
        // Straight to the handle: libtest captures `eprintln!` of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "monthly_browser: skipped: no Chromium (chromium, chromium-browser or google-chrome on PATH, or $CASGUARD_CHROMIUM)"
        );
        return;
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    // The example tenant's real report (long names, patches, threat notes),
    // and the hand-made fixture (every section at its fullest).
    let project = casguard::app::Project::open(casguard::env::Env::at(
        &std::env::current_dir().unwrap(),
        "2026-11-22".parse().unwrap(),
    ))
    .unwrap();
    let rules = project.rules().unwrap();
    let input = casguard::app::monthly::MonthlyInput {
        month: Some("2026-11-01".parse().unwrap()),
        dump: Some("snapshots/contoso-alerts.json".into()),
        ops: None,
        source: casguard::app::LiveSource {
            snapshot: Some("snapshots/contoso-ops.json".into()),
            ..Default::default()
        },
        live: false,
    };
    let example = casguard::app::monthly::monthly(&project, &rules, &input, &mut |_| {}).unwrap();
    let html = monthly_html::render(&example).replace(
        "</body>",
        &format!(
            "<hr>{}</body>",
            body(&monthly_html::render(&monthly_fixture::contoso()))
        ),
    );
    assert!(!html.contains("<script"), "the report itself has no script");
    let report = dir.path().join("monthly.html");
    std::fs::write(&report, &html).unwrap();
    let probed = dir.path().join("monthly-probe.html");
    std::fs::write(
        &probed,
        html.replace("</body>", &format!("{CANARIES}{PROBE}</body>")),
    )
    .unwrap();
    let url = format!("file://{}", probed.display());

    // (what, viewport width, print styles): A4 is 794 px wide at 96 dpi and
    // Letter 816 px; 15 mm margins leave 680 and 703 px to print on.
    let layouts = [
        ("A4 screen", 794, false),
        ("Letter screen", 816, false),
        ("A4 print", 680, true),
        ("Letter print", 703, true),
    ];
    let mut runs: Vec<Run> = layouts
        .iter()
        .enumerate()
        .map(|(i, (what, width, print))| {
            let mut command = headless(&browser, &dir.path().join(format!("profile-{i}")), *width);
            command
                .args(["--virtual-time-budget=5000", "--dump-dom"])
                .arg(if *print {
                    format!("{url}#print")
                } else {
                    url.clone()
                });
            Run::start(what, command, dir.path())
        })
        .collect();
    let pdf = dir.path().join("monthly.pdf");
    let mut command = headless(&browser, &dir.path().join("profile-pdf"), 794);
    command
        .args(["--no-pdf-header-footer", "--virtual-time-budget=5000"])
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", report.display()));
    let mut printing = Run::start("print to PDF", command, dir.path());

    let mut failures = Vec::new();
    for run in &mut runs {
        let what = run.what;
        let (dom, stderr) = run.finish();
        let Some(start) = dom.find("<pre id=\"overflow-report\">") else {
            panic!("{what}: the probe did not run; browser said:\n{stderr}");
        };
        let body = &dom[start + "<pre id=\"overflow-report\">".len()..];
        let report = unescape(&body[..body.find("</pre>").expect("report ends")]);
        let mut lines = report.lines();
        let header = lines.next().unwrap_or_default();
        let checked: usize = header
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(
            checked > 500,
            "{what}: only {checked} elements laid out: {header}"
        );
        eprintln!("{what}: {header}");
        let (canaries, found): (Vec<&str>, Vec<&str>) = lines.partition(|l| l.contains("canary"));
        for canary in [
            "div#canary-wide: right edge",
            "text: drawn outside its chart",
        ] {
            assert!(
                canaries.iter().any(|l| l.starts_with(canary)),
                "{what}: the probe missed the canary {canary:?}: {canaries:?}"
            );
        }
        failures.extend(found.iter().map(|l| format!("{what}: {l}")));
    }
    let (_, stderr) = printing.finish();
    let bytes =
        std::fs::read(&pdf).unwrap_or_else(|e| panic!("no PDF ({e}); browser said:\n{stderr}"));
    assert!(
        bytes.starts_with(b"%PDF") && bytes.len() > 20_000,
        "the PDF is {} bytes",
        bytes.len()
    );
    eprintln!(
        "printed to PDF: {} bytes; all layouts in {:.1} s",
        bytes.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} elements overflow:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
