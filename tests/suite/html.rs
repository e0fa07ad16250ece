//! `--format html`: the self-contained report of a whole deploy history.
//!
//! The browser tests load the page in headless Chromium (Debian's
//! `chromium`). Without it they fail under CI (`CI` set: `.ci/run` installs
//! it) and elsewhere print why on stderr and return.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use regex::Regex;

use crate::common::{fixture, isolated_command, lacking, run, scenario, Fixture, Isolated};

/// The HTML report of a fixture's record file.
fn html(f: &Fixture, records: &Path) -> String {
    let r = run(f, &["--format", "html", "audit", "--records", records.to_str().unwrap(), "--fail-on", "never"]);
    r.expect(0);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    r.stdout
}

/// The opening tag of the matrix cell of a record and component.
fn cell<'a>(page: &'a str, record: &str, component: &str) -> Option<&'a str> {
    let re = Regex::new(r"<td [^>]*>").unwrap();
    let want = (format!("data-record=\"{record}\""), format!("data-component=\"{component}\""));
    let found = re.find_iter(page).map(|m| m.as_str()).find(|t| t.contains(&want.0) && t.contains(&want.1));
    found
}

/// The opening tag of the timeline arrow of a change.
fn arrow<'a>(page: &'a str, change: &str) -> Option<&'a str> {
    let re = Regex::new(r#"<g class="arrow[^>]*>"#).unwrap();
    let found = re.find_iter(page).map(|m| m.as_str()).find(|t| t.contains(&format!("data-change=\"{change}\"")));
    found
}

/// Every `href="#x"` has an element with `id="x"`.
fn assert_anchors_resolve(page: &str) {
    let ids: BTreeSet<&str> =
        Regex::new(r#" id="([^"]+)""#).unwrap().captures_iter(page).map(|c| c.get(1).unwrap().as_str()).collect();
    let hrefs = Regex::new(r##"href="#([^"]+)""##).unwrap();
    let mut n = 0;
    for c in hrefs.captures_iter(page) {
        let target = c.get(1).unwrap().as_str();
        assert!(ids.contains(target), "link to #{target} has no target");
        n += 1;
    }
    assert!(n > 0, "the page has no internal links");
}

/// Nothing the page could fetch: no external URL, font or stylesheet.
fn assert_self_contained(page: &str) {
    let external = Regex::new(r#"(?i)(src=|href=|url\(|@import)\s*["']?\s*(https?:|//|file:)"#).unwrap();
    assert!(!external.is_match(page), "external reference: {:?}", external.find(page));
    assert!(!page.contains("@font-face"), "no web fonts");
    assert!(!page.contains("<link"), "no linked resources");
    assert!(page.contains("default-src 'none'"), "a content security policy forbids any fetch");
}

#[test]
fn incident_page_marks_the_unclaimed_auth_deploy_and_the_claim_before_it() {
    let f = fixture("incident");
    let page = html(&f, &f.records("deploys/production.jsonl"));
    assert!(page.starts_with("<!DOCTYPE html>"), "{}", &page[..100.min(page.len())]);
    assert!(page.trim_end().ends_with("</html>"));
    assert_self_contained(&page);
    assert_anchors_resolve(&page);

    // prod-42 shipped auth without listing it: an error cell, changed and not claimed.
    let c = cell(&page, "prod-42", "auth").expect("prod-42 × auth cell");
    assert!(c.contains("st-unclaimed") && c.contains("sev-error"), "{c}");
    // prod-41 claimed auth (and AUTH-77) while its commit changed nothing there.
    let c = cell(&page, "prod-41", "auth").expect("prod-41 × auth cell");
    assert!(c.contains("st-unchanged") && c.contains("sev-error"), "{c}");
    // Correct deploys are plain: changed and claimed, no finding.
    let c = cell(&page, "prod-42", "billing").expect("prod-42 × billing cell");
    assert!(c.contains("st-ok") && c.contains("sev-none"), "{c}");
    // The baseline is not compared.
    let c = cell(&page, "prod-40", "auth").expect("prod-40 × auth cell");
    assert!(c.contains("st-base"), "{c}");

    // The arrow from the claim to the deploy that really shipped it.
    let a = arrow(&page, "AUTH-77").expect("AUTH-77 arrow");
    assert!(a.contains("data-from=\"prod-41\"") && a.contains("data-to=\"prod-42\""), "{a}");
    assert!(a.contains("sev-error"), "{a}");
    assert!(page.contains("AUTH-77, 14 days later"), "the gap is spelled out");
    assert_eq!(page.matches("<g class=\"arrow").count(), 1, "the incident has one early claim: one arrow");

    // The incident's signature is at the top, before the matrix.
    let sig = page.find("class=\"signature\"").expect("signature callout");
    assert!(sig < page.find("id=\"matrix\"").unwrap());
    assert!(page[sig..].contains("AUTH-77 was recorded as deployed in prod-41, but prod-41 did not contain it"));

    // Every finding is listed with its evidence; cells link to them.
    assert_eq!(page.matches("<article class=\"finding").count(), 5);
    assert!(page.contains("<dt>first shipped in</dt><dd><a href=\"#r-"), "evidence links records");
    assert!(page.contains("<dt>claimed in</dt><dd><a href=\"#r-"));
    assert!(page.contains("<dt>version file</dt><dd><code>services/auth/VERSION</code>"));
    // Summary: by kind and the worst records.
    assert!(page.contains("<code>component-not-changed</code>"));
    assert!(page.contains("4 errors") && page.contains("1 warning"));
    let worst = &page[page.find("Worst records").unwrap()..];
    assert!(worst.find("prod-41").unwrap() < worst.find("prod-42").unwrap());
}

#[test]
fn truthful_history_renders_clean() {
    let f = fixture("incident");
    let page = html(&f, &f.records("deploys/production-correct.jsonl"));
    assert!(page.contains("No findings: every record agrees with git."));
    assert!(!page.contains("<article"));
    assert!(!page.contains("class=\"arrow"));
    assert!(cell(&page, "prod-42", "auth").unwrap().contains("st-ok"));
}

#[test]
fn json_output_has_no_matrix_and_keeps_its_fields() {
    let f = fixture("incident");
    let log = f.records("deploys/production.jsonl");
    let r = run(&f, &["--format", "json", "audit", "--records", log.to_str().unwrap()]);
    r.expect(1);
    let keys: Vec<String> = r.json().as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["findings", "records", "repository", "schema_version", "summary"]);
}

/// A history whose commit subject, record id, component (a top-level
/// folder) and path all try to break out of the HTML.
const HOSTILE: &str = r#"
description = "untrusted text in every field the report shows"
config = '''
[changes]
require = true
'''

[[commit]]
id = "init"
message = "Start"
date = "2024-01-01T00:00:00Z"
[commit.files]
"app/main.txt" = "1\n"
"\"'><img src=x onerror=alert(1)>/x.txt" = "1\n"

[[commit]]
id = "evil"
message = "<script>alert(1)</script> \"'><img src=x onerror=alert(1)>"
date = "2024-01-02T00:00:00Z"
[commit.files]
"app/main.txt" = "2\n"
"\"'><img src=x onerror=alert(1)>/x.txt" = "2\n"

[[record_file]]
path = "deploys.jsonl"
format = "jsonl"

[[record_file.records]]
id = "base"
environment = "prod"
commit = "{sha:init}"
deployed_at = "2024-01-01T12:00:00Z"

[[record_file.records]]
id = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>"
environment = "prod"
commit = "{sha:evil}"
deployed_at = "2024-01-02T12:00:00Z"
components = ["app"]
changes = ["<script>alert(1)</script>"]
"#;

#[test]
fn untrusted_text_renders_as_text() {
    let f = scenario("hostile", HOSTILE);
    let page = html(&f, &f.records("deploys.jsonl"));
    // The record id, the commit subject (in a commit-without-change message),
    // the component name and the claimed change are all in the page...
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(page.contains("(&quot;&lt;script&gt;alert(1)&lt;/script&gt; &quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;&quot;) carries no change ID"));
    assert!(page.contains("<th scope=\"row\" title=\"&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;\">"));
    assert!(page.contains("data-component=\"&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;\""));
    // ...and none of it as markup.
    assert!(!page.contains("<img"), "an injected element");
    assert!(!page.contains("<script>alert"), "an injected script");
    assert_eq!(page.matches("<script>").count(), 1, "only the report's own script");
    assert!(!Regex::new(r#"(?i)\sonerror="#).unwrap().is_match(&page.replace("onerror=alert(1)&gt;", "")));
    assert_anchors_resolve(&page);

    // In a browser: the text is text, and nothing ran but the page's script.
    let Some(browser) = Browser::find("untrusted_text_renders_as_text") else { return };
    let path = f.write("hostile.html", &page);
    let loaded = browser.load(&path);
    loaded.assert_no_console_messages();
    assert!(loaded.dom.contains("data-script=\"ran\""), "the page's own script ran");
    assert!(!loaded.dom.contains("<img"), "no element was injected");
    assert!(loaded.dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

/// Headless Chromium, when installed.
struct Browser {
    path: PathBuf,
}

/// What a page load gave.
struct Loaded {
    dom: String,
    stderr: String,
}

impl Loaded {
    /// No console message at all: the page logs nothing, so any line is an
    /// uncaught exception, a policy violation or a failed load.
    fn assert_no_console_messages(&self) {
        let console: Vec<&str> =
            self.stderr.lines().filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught")).collect();
        assert!(console.is_empty(), "console messages:\n{}", console.join("\n"));
    }
}

impl Browser {
    /// Debian's chromium (or $SHIPCHECK_CHROMIUM); `None`, with the
    /// notice of [`lacking`] (a failure under CI), where there is none.
    fn find(test: &str) -> Option<Browser> {
        let candidates: Vec<PathBuf> = std::env::var_os("SHIPCHECK_CHROMIUM")
            .map(PathBuf::from)
            .into_iter()
            .chain(["/usr/bin/chromium", "/usr/bin/chromium-browser"].map(PathBuf::from))
            .collect();
        match candidates.into_iter().find(|p| p.is_file()) {
            Some(path) => Some(Browser { path }),
            None => {
                lacking(test, "chromium is not installed (/usr/bin/chromium), so the page is not loaded in a browser");
                None
            }
        }
    }

    fn command(&self, profile: &Path) -> Isolated {
        let mut c = isolated_command(&self.path);
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .env("HOME", profile);
        c
    }

    /// Loads a page and returns its DOM after the load, with the browser's log.
    fn load(&self, page: &Path) -> Loaded {
        let profile = tempfile::tempdir().unwrap();
        let mut c = self.command(profile.path());
        c.args(["--enable-logging=stderr", "--v=0", "--dump-dom"]);
        let out = c.arg(format!("file://{}", page.display())).output().expect("chromium runs");
        let loaded = Loaded {
            dom: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(out.status.success() && loaded.dom.contains("</html>"), "chromium failed:\n{}", loaded.stderr);
        loaded
    }

    /// Renders a page to a PNG (layout and paint included).
    fn screenshot(&self, page: &Path, png: &Path, size: &str) {
        let profile = tempfile::tempdir().unwrap();
        let out = self
            .command(profile.path())
            .arg(format!("--screenshot={}", png.display()))
            .arg(format!("--window-size={size}"))
            .arg(format!("file://{}", page.display()))
            .output()
            .expect("chromium runs");
        assert!(out.status.success() && png.is_file(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn browser_renders_the_incident_without_errors() {
    let Some(browser) = Browser::find("browser_renders_the_incident_without_errors") else { return };
    let f = fixture("incident");
    let page = html(&f, &f.records("deploys/production.jsonl"));
    let path = f.write("incident.html", &page);

    let loaded = browser.load(&path);
    loaded.assert_no_console_messages();
    let dom = &loaded.dom;
    assert!(dom.contains("data-script=\"ran\""), "the page's script ran to its end");
    let c = cell(dom, "prod-42", "auth").expect("prod-42 × auth cell in the rendered page");
    assert!(c.contains("st-unclaimed") && c.contains("sev-error"), "{c}");
    let a = arrow(dom, "AUTH-77").expect("AUTH-77 arrow in the rendered page");
    assert!(a.contains("data-from=\"prod-41\"") && a.contains("data-to=\"prod-42\""), "{a}");

    // Without its script (as with scripting off: --dump-dom itself needs
    // scripting, so the page is loaded without its one script instead),
    // everything is still there.
    let start = page.find("<script>").expect("the page has a script");
    let end = page.find("</script>").unwrap() + "</script>".len();
    let plain_path = f.write("incident-noscript.html", &format!("{}{}", &page[..start], &page[end..]));
    let plain = browser.load(&plain_path);
    plain.assert_no_console_messages();
    assert!(!plain.dom.contains("data-script"), "no script ran");
    assert!(cell(&plain.dom, "prod-42", "auth").is_some_and(|c| c.contains("st-unclaimed")));
    assert!(arrow(&plain.dom, "AUTH-77").is_some());
    assert!(plain.dom.contains("AUTH-77 was recorded as deployed in prod-41"));
}

/// A generated history: `records` deploys over `components` components (a
/// quarter of them never touched), spread over `envs` environments, with
/// deterministic mistakes: a component left out, one listed for nothing,
/// and a change claimed one deploy early (which the next deploy ships
/// unclaimed: the incident's signature, many times).
pub fn large_history(records: usize, components: usize, envs: usize) -> String {
    large_history_with_early_claims(records, components, envs).0
}

/// [`large_history`], and its early claims as (change, the record that
/// claimed it, the record that shipped it): the arrows its page must draw.
pub fn large_history_with_early_claims(
    records: usize,
    components: usize,
    envs: usize,
) -> (String, Vec<(String, String, String)>) {
    let mut early = Vec::new();
    let mut seed: u64 = 0x5eed;
    let mut next = move |n: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n.max(1)
    };
    let live = (components * 3 / 4).max(1);
    let mut s = String::from("description = \"generated large history\"\nconfig = '''\n");
    for c in 0..components {
        let _ = writeln!(s, "[components.svc{c:02}]\npaths = [\"svc{c:02}/\"]");
    }
    s.push_str("'''\n");
    let date = |hours: usize, minutes: usize| {
        let days = shipcheck::time::days_from_civil(2024, 1, 1) + (hours / 24) as i64;
        let (y, m, d) = shipcheck::time::civil_from_days(days);
        format!("{y:04}-{m:02}-{d:02}T{:02}:{minutes:02}:00Z", hours % 24)
    };
    let _ = writeln!(
        s,
        "\n[[commit]]\nid = \"c0\"\nmessage = \"Initial import\"\ndate = \"{}\"\n[commit.files]",
        date(0, 0)
    );
    for c in 0..components {
        let _ = writeln!(s, "\"svc{c:02}/src.txt\" = \"0\\n\"");
    }
    let mut touched: Vec<Vec<usize>> = vec![Vec::new()];
    for i in 1..records {
        let mut t: Vec<usize> = (0..1 + next(3)).map(|_| next(live)).collect();
        t.sort_unstable();
        t.dedup();
        let _ = writeln!(
            s,
            "\n[[commit]]\nid = \"c{i}\"\nmessage = \"CHG-{i}: change {i}\"\ndate = \"{}\"\n[commit.files]",
            date(i, 0)
        );
        for c in &t {
            let _ = writeln!(s, "\"svc{c:02}/src.txt\" = \"{i}\\n\"");
        }
        touched.push(t);
    }
    let _ = writeln!(s, "\n[[record_file]]\npath = \"deploys.jsonl\"\nformat = \"jsonl\"");
    // Deploy k of environment e ships commit k*envs+e+... : each environment
    // deploys every envs-th commit, so a deploy carries envs commits.
    let mut claimed_early: Vec<bool> = vec![false; records];
    for i in 0..records {
        let env = i % envs;
        let mut comps: Vec<usize> = Vec::new();
        let mut changes: Vec<String> = Vec::new();
        if i >= envs {
            for j in i + 1 - envs..=i {
                comps.extend(&touched[j]);
                if !claimed_early[j] {
                    changes.push(format!("CHG-{j}"));
                }
            }
        }
        comps.sort_unstable();
        comps.dedup();
        let roll = next(20);
        if roll == 0 && !comps.is_empty() {
            comps.remove(0);
        } else if roll == 1 {
            // Lists a component whose files did not change.
            let extra = next(live);
            if !comps.contains(&extra) {
                comps.push(extra);
            }
        } else if roll == 2 && i + envs < records {
            // Claims the next deploy's change now.
            let j = i + envs;
            changes.push(format!("CHG-{j}"));
            claimed_early[j] = true;
            early.push((format!("CHG-{j}"), format!("d{i}"), format!("d{j}")));
        }
        let comps: Vec<String> = comps.iter().map(|c| format!("\"svc{c:02}\"")).collect();
        let changes: Vec<String> = changes.iter().map(|c| format!("\"{c}\"")).collect();
        let _ = writeln!(
            s,
            "\n[[record_file.records]]\nid = \"d{i}\"\nenvironment = \"env{env}\"\ncommit = \"{{sha:c{i}}}\"\ndeployed_at = \"{}\"\ncomponents = [{}]\nchanges = [{}]",
            date(i, 30),
            comps.join(", "),
            changes.join(", ")
        );
    }
    (s, early)
}

#[test]
fn large_history_is_dense_scrollable_and_collapses_untouched_rows() {
    let (text, early) = large_history_with_early_claims(60, 16, 2);
    let f = scenario("large", &text);
    let page = html(&f, &f.records("deploys.jsonl"));
    assert_self_contained(&page);
    assert_anchors_resolve(&page);
    assert!(page.contains("<table class=\"mx dense\">"), "narrow columns for many records");
    assert!(page.contains("class=\"mx-wrap\"") && page.contains("position:sticky"), "scrolls under sticky headers");
    // Two environments, each a column group.
    assert_eq!(page.matches("scope=\"colgroup\"").count(), 2);
    // A quarter of the components never change: collapsed, not drawn.
    assert!(page.contains("4 components untouched in every record (rows hidden)"), "collapsed rows");
    assert_eq!(page.matches("<tr><th scope=\"row\"").count(), 12);
    // Each early claim, and nothing else, is an arrow to the deploy that shipped it.
    let arrow = Regex::new(r#"<g class="arrow[^>]*>"#).unwrap();
    let attr = |tag: &str, name: &str| -> String {
        let re = Regex::new(&format!(r#" data-{name}="([^"]*)""#)).unwrap();
        re.captures(tag).unwrap_or_else(|| panic!("no data-{name} in {tag}"))[1].to_string()
    };
    let mut drawn: Vec<(String, String, String)> = arrow
        .find_iter(&page)
        .map(|m| (attr(m.as_str(), "change"), attr(m.as_str(), "from"), attr(m.as_str(), "to")))
        .collect();
    drawn.sort();
    let mut early = early;
    early.sort();
    assert!(!early.is_empty(), "the generated history has early claims");
    assert_eq!(drawn, early);
    let records = Regex::new(r#"<th id="h-\d+""#).unwrap().find_iter(&page).count();
    assert_eq!(records, 60);
}

/// Not a timed test: prints how long a 500-record, 40-component history
/// takes to audit and to render in headless Chromium. Run it with
/// `scripts/bench-html.sh` (or `cargo test -- --ignored --nocapture bench_html`).
/// With SHIPCHECK_BENCH_OUT set, the page is copied there.
#[test]
#[ignore]
fn bench_html_large_history() {
    let (records, components) = (500, 40);
    let t = Instant::now();
    let f = scenario("bench", &large_history(records, components, 1));
    let built = t.elapsed();
    let t = Instant::now();
    let page = html(&f, &f.records("deploys.jsonl"));
    let audited = t.elapsed();
    let path = f.write("bench.html", &page);
    println!("history: {records} records x {components} components (repository built in {built:.2?})");
    println!("shipcheck --format html audit: {audited:.2?}, page {} KiB", page.len() / 1024);
    if let Some(out) = std::env::var_os("SHIPCHECK_BENCH_OUT") {
        std::fs::copy(&path, &out).unwrap();
        println!("page written to {}", PathBuf::from(out).display());
    }
    let Some(browser) = Browser::find("bench_html_large_history") else { return };
    // A blank page gives the browser's own start-up time, to subtract.
    let blank = f.write("blank.html", "<!DOCTYPE html><title>blank</title><p>blank</p>");
    let png = f.dir.path().join("shot.png");
    let mut base = Vec::new();
    let mut full = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        browser.screenshot(&blank, &png, "1366,768");
        base.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        browser.screenshot(&path, &png, "1366,768");
        full.push(t.elapsed().as_secs_f64());
    }
    let loaded = browser.load(&path);
    loaded.assert_no_console_messages();
    assert!(loaded.dom.contains("data-script=\"ran\""));
    // In the page: milliseconds from navigation start to a laid-out page
    // (parse, style and layout; a forced layout at the end of the body).
    let probe = "<script>document.body.offsetHeight;document.documentElement.setAttribute(\"data-layout-ms\",performance.now().toFixed(0))</script></body>";
    let measured = f.write("bench-probe.html", &page.replacen("</body>", probe, 1));
    let re = Regex::new(r#"data-layout-ms="(\d+)""#).unwrap();
    let mut layout: Vec<u64> = (0..3)
        .map(|_| {
            let dom = browser.load(&measured).dom;
            re.captures(&dom).expect("the probe ran")[1].parse().unwrap()
        })
        .collect();
    layout.sort_unstable();
    let min = |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min);
    println!("in-page time to a laid-out page (navigation start to forced layout, best of 3): {} ms", layout[0]);
    println!(
        "chromium load + layout + paint (screenshot, best of 3): {:.2} s; blank page {:.2} s; difference {:.2} s",
        min(&full),
        min(&base),
        min(&full) - min(&base)
    );
}
