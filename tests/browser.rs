//! The HTML report in a real browser (Debian's chromium, headless), and the
//! PNG charts decoded at the size asked for.
//!
//! `.ci/run` installs chromium when it is missing. Outside CI, without a
//! chromium on the machine, the browser test says so and passes; set
//! `CTSLEUTH_REQUIRE_BROWSER=1` to make a missing browser a failure.

// Tests, benchmarks and sample generators may panic on their own fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

fn report(dir: &Path, formats: &str, extra: &[&str]) {
    let out = common::ctsleuth()
        .env("SOURCE_DATE_EPOCH", "1732611840")
        .args(["analyze", "--quiet", "--format", formats])
        .args(extra)
        .arg("-o")
        .arg(dir)
        .arg("samples/incident-linkerd")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn headless(browser: &Path, profile: &Path) -> StdCommand {
    let mut c = StdCommand::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

#[test]
fn the_report_renders_in_a_browser_without_errors() {
    let Some(browser) = chromium() else {
        let required = std::env::var_os("CTSLEUTH_REQUIRE_BROWSER").is_some()
            || std::env::var_os("CI").is_some();
        assert!(
            !required,
            "chromium is not installed (apt-get install chromium)"
        );
        eprintln!("chromium not installed: browser test not run");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    report(&out, "html", &[]);
    let page = out.join("report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: nothing is fetched.
    // (SVG namespaces are names, not fetches.)
    for needle in ["src=\"", "href=\"http", "<link", "@import", "url("] {
        assert!(!html.contains(needle), "report.html refers to {needle}");
    }
    let figures = html.matches("<figure class=\"chart\"").count();
    assert!(figures >= 6, "{figures} charts");

    let url = format!("file://{}", page.display());
    let dom = headless(&browser, &tmp.path().join("profile-1"))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains(&format!("data-charts=\"{figures}/{figures}\"")),
        "not every chart has a size: {}",
        &dom[..dom.len().min(300)]
    );
    assert!(
        dom.contains("data-errors=\"\""),
        "script errors in the page"
    );

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshot.png");
    let status = headless(&browser, &tmp.path().join("profile-2"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1280,3000")
        .arg(&url)
        .output()
        .unwrap();
    assert!(status.status.success());
    let img = image::open(&shot).unwrap();
    assert_eq!((img.width(), img.height()), (1280, 3000));
}

#[test]
fn png_charts_decode_at_the_requested_size() {
    let tmp = tempfile::tempdir().unwrap();
    report(tmp.path(), "png", &["--png-size", "1200x675"]);
    let pngs: Vec<PathBuf> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    assert!(pngs.len() >= 6, "{pngs:?}");
    for p in pngs {
        let img = image::open(&p).unwrap();
        assert_eq!((img.width(), img.height()), (1200, 675), "{}", p.display());
    }
}

#[test]
fn text_from_inputs_is_inert_in_html() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    std::fs::write(
        bundle.join("dump<script>&'.txt"),
        "tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.4.2.17 sport=41822 dport=4143 src=10.4.2.17 dst=10.4.1.23 sport=4143 dport=41822 [ASSURED] mark=0 use=1\n",
    )
    .unwrap();
    std::fs::write(
        bundle.join("sysctl.txt"),
        "kernel.hostname = <script>alert(1)</script>\n",
    )
    .unwrap();
    std::fs::write(
        bundle.join("pods.json"),
        r#"{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"<img src=x onerror=alert(1)>","namespace":"x\"y"},"spec":{"nodeName":"n"},"status":{"podIP":"10.4.1.23"}}]}"#,
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = common::ctsleuth()
        .args([
            "analyze", "--quiet", "--format", "html,md", "--node", "n1", "-o",
        ])
        .arg(&out)
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("onerror"), "the pod name is in the report");
    assert!(!html.contains("<img"), "an <img> from the inputs");
    assert!(
        !html.contains("<script>alert"),
        "a <script> from the inputs"
    );
    assert!(html.contains("dump&lt;script&gt;&amp;&#39;.txt"));
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the report's own script"
    );
}
