//! `report.html`: one self-contained page for the postmortem — no network
//! fetches, no external CSS, JS or fonts. Charts are inline SVG with values
//! on hover; tables sort with a few lines of script; everything from the
//! inputs is escaped. It prints cleanly to PDF.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::charts::{self, ChartSpec};
use super::{thousands, when};
use crate::analysis::Summary;
use crate::analysis::findings::Severity;

/// Size of inline charts, in CSS pixels (they scale with the page).
const SVG_SIZE: (u32, u32) = (1000, 420);

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root{--ink:#1d2330;--muted:#5b6475;--line:#d9dde5;--bg:#fff;--crit:#b3261e;--warn:#a15c00;--info:#2b5fab}
*{box-sizing:border-box}body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg);margin:0}
main{max-width:1100px;margin:0 auto;padding:24px 28px 60px}h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 10px;border-bottom:2px solid var(--line);padding-bottom:4px}
.meta{color:var(--muted);margin:0 0 18px}.verdict{font-size:17px;background:#f4f6fa;border-left:5px solid var(--crit);padding:14px 18px;border-radius:4px}
.finding{border:1px solid var(--line);border-radius:6px;padding:12px 16px;margin:12px 0;break-inside:avoid}.finding h3{margin:0 0 6px;font-size:16px}
.sev{display:inline-block;font-size:12px;font-weight:700;letter-spacing:.04em;padding:1px 8px;border-radius:10px;color:#fff;margin-right:8px;vertical-align:2px}
.critical .sev{background:var(--crit)}.warning .sev{background:var(--warn)}.info .sev{background:var(--info)}
.finding ul{margin:6px 0 8px 18px;padding:0}.src{color:var(--muted);font-size:13px}.rec{margin:0}
table{border-collapse:collapse;width:100%;margin:8px 0 4px;font-size:14px}th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f4f6fa;cursor:pointer;user-select:none;white-space:nowrap}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
figure.chart{margin:18px 0;break-inside:avoid}figure.chart svg{width:100%;height:auto;display:block}figcaption{color:var(--muted);font-size:13px}
.tip:hover{fill-opacity:.08}code{font-size:13px}footer{color:var(--muted);font-size:13px;margin-top:40px}
@media print{body{font-size:12px}main{max-width:none;padding:0}h2{break-after:avoid}th{cursor:auto}}
"#;

/// Sorts a table by a clicked header, filters the node table as one types;
/// checks the charts once loaded (the browser test reads `data-charts` and
/// `data-errors`).
const SCRIPT: &str = r#"
(function(){var errs=[];function note(m){errs.push(String(m));document.body.setAttribute('data-errors',errs.join(' | '));}
window.addEventListener('error',function(e){note(e.message);});var ce=console.error;console.error=function(){note(Array.prototype.join.call(arguments,' '));return ce.apply(console,arguments);};
function key(td){var t=td.getAttribute('data-v');if(t!==null)return parseFloat(t);return td.textContent.trim().toLowerCase();}
document.querySelectorAll('table.sortable').forEach(function(tb){tb.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){
var body=tb.tBodies[0],rows=Array.prototype.slice.call(body.rows),asc=th.getAttribute('data-asc')!=='1';
rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]);return (x>y?1:x<y?-1:0)*(asc?1:-1);});
rows.forEach(function(r){body.appendChild(r);});tb.querySelectorAll('th').forEach(function(h){h.removeAttribute('data-asc');});th.setAttribute('data-asc',asc?'1':'0');});});});
document.querySelectorAll('input.filter').forEach(function(inp){var tb=document.getElementById(inp.getAttribute('data-table'));inp.addEventListener('input',function(){
var q=inp.value.trim().toLowerCase();Array.prototype.forEach.call(tb.tBodies[0].rows,function(r){r.hidden=q!==''&&r.textContent.toLowerCase().indexOf(q)<0;});});});
window.addEventListener('load',function(){var all=document.querySelectorAll('figure.chart svg'),ok=0;
all.forEach(function(s){var r=s.getBoundingClientRect();if(r.width>0&&r.height>0)ok++;});
document.body.setAttribute('data-charts',ok+'/'+all.length);if(!document.body.hasAttribute('data-errors'))document.body.setAttribute('data-errors','');});})();
"#;

fn node(n: &Option<String>) -> String {
    escape(n.as_deref().unwrap_or("(node unknown)"))
}

fn num(n: u64) -> String {
    format!("<td class=\"n\" data-v=\"{n}\">{}</td>", thousands(n))
}

/// The page; `charts` are the specs already planned (their SVG is drawn here).
pub fn render(
    s: &Summary,
    title: &str,
    generated_at: DateTime<Utc>,
    specs: &[ChartSpec<'_>],
) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Conntrack incident report: {t}</title><style>{STYLE}</style></head><body><main>\n\
<h1>Conntrack incident report: {t}</h1><p class=\"meta\">Generated by {g} at {at} from {n} input files.</p>\n",
        t = escape(title),
        g = escape(&s.generator),
        at = generated_at.format("%Y-%m-%d %H:%M:%S UTC"),
        n = s.inputs.len()
    );

    // Verdict: the most severe findings, then the first change to make.
    let v = super::verdict(s);
    let esc = |xs: &[&str]| xs.iter().map(|x| escape(x)).collect::<Vec<_>>();
    for w in &s.layout_warnings {
        let _ = write!(
            h,
            "<p class=\"verdict\"><strong>Warning:</strong> {}</p>",
            escape(w)
        );
    }
    let _ = write!(h, "<h2 id=\"verdict\">Verdict</h2><p class=\"verdict\">");
    if v.lead.is_empty() && v.headline.is_none() {
        h.push_str(&escape(&super::all_clear(s)));
    } else {
        if let Some(line) = &v.headline {
            let _ = write!(h, "<strong>{}.</strong> ", escape(line));
        }
        if !v.lead.is_empty() {
            let _ = write!(h, "{}. ", super::Verdict::list(&esc(&v.lead), v.more));
        }
        if !v.also.is_empty() {
            let _ = write!(
                h,
                "Also: {}. ",
                super::Verdict::list(&esc(&v.also), v.also_more)
            );
        }
        if let Some(first) = v.first_change {
            let _ = write!(h, "<strong>First change:</strong> {}", escape(first));
        }
    }
    h.push_str("</p>\n");

    if !s.findings.is_empty() {
        h.push_str("<h2 id=\"findings\">Findings</h2>\n");
        for shown in super::shown_findings(s) {
            let f = shown.finding;
            let (class, tag) = match f.severity {
                Severity::Critical => ("critical", "CRITICAL"),
                Severity::Warning => ("warning", "WARNING"),
                Severity::Info => ("info", "INFO"),
            };
            let _ = write!(
                h,
                "<div class=\"finding {class}\"><h3><span class=\"sev\">{tag}</span>{}</h3><ul>",
                escape(&f.title)
            );
            for e in &f.evidence {
                let _ = write!(h, "<li>{}", escape(&e.text));
                if !e.sources.is_empty() {
                    let srcs: Vec<String> = e
                        .sources
                        .iter()
                        .map(|x| format!("<code>{}</code>", escape(x)))
                        .collect();
                    let _ = write!(h, " <span class=\"src\">({})</span>", srcs.join(", "));
                }
                h.push_str("</li>");
            }
            let folded = super::folded_line(&shown.folded)
                .map(|l| format!("<p class=\"rec\">And {}</p>", escape(&l)))
                .unwrap_or_default();
            let _ = writeln!(
                h,
                "</ul><p class=\"rec\"><strong>Recommendation:</strong> {}</p>{folded}</div>",
                escape(&f.recommendation)
            );
        }
    }

    if !s.nodes.is_empty() {
        h.push_str("<h2 id=\"nodes\">Nodes</h2>");
        if s.nodes.len() > super::charts::FLEET_NODES {
            let _ = write!(
                h,
                "<p><input type=\"search\" class=\"filter\" data-table=\"node-table\" placeholder=\"Filter {} nodes\" aria-label=\"Filter nodes\"> Fullest first; click a header to sort.</p>",
                s.nodes.len()
            );
        }
        h.push_str("<table class=\"sortable\" id=\"node-table\"><thead><tr><th>Node</th><th class=\"n\">Peak entries</th><th class=\"n\">Limit</th><th class=\"n\">Peak fill</th><th class=\"n\">Logged drops</th><th class=\"n\">Upper bound</th><th class=\"n\">Bursts</th></tr></thead><tbody>\n");
        let mut by_fill: Vec<&crate::analysis::NodeSummary> = s.nodes.iter().collect();
        by_fill.sort_by(|a, b| {
            b.peak_utilization
                .unwrap_or(-1.0)
                .total_cmp(&a.peak_utilization.unwrap_or(-1.0))
                .then_with(|| a.node.cmp(&b.node))
        });
        for n in by_fill {
            let (logged, upper) = s
                .drops
                .per_node
                .iter()
                .filter(|d| d.node == n.node)
                .fold((0, 0), |(a, b), d| (a + d.logged, b + d.upper_bound));
            let bursts = s.bursts.iter().filter(|b| b.node == n.node).count() as u64;
            let fill = n.peak_utilization.unwrap_or(0.0);
            let _ = writeln!(
                h,
                "<tr><td>{}</td>{}{}<td class=\"n\" data-v=\"{fill}\">{}</td>{}{}{}</tr>",
                node(&n.node),
                num(n.peak_entries.unwrap_or(0)),
                num(n.limit.unwrap_or(0)),
                n.peak_utilization.map_or("-".into(), super::terminal::fill),
                num(logged),
                num(upper),
                num(bursts)
            );
        }
        h.push_str("</tbody></table>\n");
    }

    if !specs.is_empty() {
        h.push_str("<h2 id=\"charts\">Charts</h2>\n");
        for c in specs {
            match charts::svg(c, SVG_SIZE) {
                Ok(svg) => {
                    let mut caption = escape(&c.title);
                    if let charts::Plot::Drops { node, bursts } = &c.plot {
                        // Name only what the chart draws.
                        if !bursts.is_empty() {
                            caption.push_str(". Shaded: drop bursts");
                        }
                        caption.push_str(". Dark bars: logged drops (lower bound); light bars: with suppressed (upper bound)");
                        if node.buckets.iter().any(|b| b.dns_failures > 0) {
                            caption.push_str("; triangles: DNS failures");
                        }
                        if !charts::folds(node).is_empty() {
                            caption.push_str(". Dashed lines: quiet time folded out of the axis");
                        }
                        caption.push('.');
                        for r in s
                            .recurrences
                            .iter()
                            .filter(|r| r.nodes.contains(&node.node))
                        {
                            let _ = write!(caption, " Recurring: {}.", escape(&r.description));
                        }
                    }
                    let _ = writeln!(
                        h,
                        "<figure class=\"chart\" id=\"{}\">{svg}<figcaption>{caption}</figcaption></figure>",
                        escape(&c.id)
                    );
                }
                Err(e) => {
                    let _ = writeln!(
                        h,
                        "<p>Chart {} could not be drawn: {}</p>",
                        escape(&c.id),
                        escape(&e)
                    );
                }
            }
        }
    }

    if !s.bursts.is_empty() {
        h.push_str("<h2 id=\"bursts\">Drop bursts</h2><table class=\"sortable\"><thead><tr><th>Node</th><th>Start</th><th>End</th><th class=\"n\">Minutes</th><th class=\"n\">Logged</th><th class=\"n\">Upper bound</th><th class=\"n\">Peak/min</th><th>Drop counter</th><th>Top suspect</th></tr></thead><tbody>\n");
        for b in &s.bursts {
            let start = super::burst_start(b);
            let end = match (b.end, b.end_since_boot) {
                (Some(t), _) => when(Some(t)),
                (None, Some(e)) => format!("{} s after boot", super::thousands(e.max(0) as u64)),
                _ => "unknown".into(),
            };
            let minutes = b.duration_s.max(0) as f64 / 60.0;
            // What the counters said over the interval that covers it.
            let counter = b.counters.as_ref().map_or_else(
                || "-".to_string(),
                |c| match c.drop {
                    Some(d) => format!(
                        "+{} between {} and {}",
                        super::thousands(d),
                        c.from.format("%H:%M"),
                        c.to.format("%H:%M UTC")
                    ),
                    None => "no drop counter".into(),
                },
            );
            let suspect = b.suspects.first().map_or_else(
                || escape(b.note.as_deref().unwrap_or("-")),
                |x| {
                    // How it moved with the drops across the snapshots.
                    let trend = x
                        .correlation
                        .map(|r| format!("; follows the drops, r = {r:.2}"))
                        .unwrap_or_default();
                    format!(
                        "{} ({} of the entries{trend})",
                        escape(&x.workload.to_string()),
                        crate::numbers::fill(x.share)
                    )
                },
            );
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{start}</td><td>{end}</td><td class=\"n\" data-v=\"{minutes}\">{minutes:.1}</td>{}{}{}<td>{}</td><td>{suspect}</td></tr>",
                node(&b.node),
                num(b.logged),
                num(b.upper_bound),
                num(b.peak_per_min),
                escape(&counter)
            );
        }
        h.push_str("</tbody></table>\n");
        for r in &s.recurrences {
            let _ = writeln!(
                h,
                "<p><strong>Recurring:</strong> {}.</p>",
                escape(&r.description)
            );
        }
    }

    if !s.bundles.is_empty() {
        h.push_str("<h2 id=\"bundles\">Support bundles</h2><table class=\"sortable\"><thead><tr><th>Bundle</th><th>Collector</th><th>Node</th><th>Captured</th><th>Found</th><th>Missing, and what to ask for</th></tr></thead><tbody>\n");
        for b in &s.bundles {
            let found: Vec<String> = b.found.iter().map(|f| escape(f)).collect();
            let mut missing: Vec<String> = b.advice.iter().map(|a| escape(a)).collect();
            missing.extend(b.warnings.iter().map(|w| format!("<em>{}</em>", escape(w))));
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&b.path),
                escape(b.kind.title()),
                node(&b.node),
                when(b.captured_at),
                found.join("<br>"),
                if missing.is_empty() {
                    "-".to_string()
                } else {
                    missing.join("<br>")
                }
            );
        }
        h.push_str("</tbody></table>\n");
    }
    let skipped: u64 = s.inputs.iter().map(|i| i.skipped).sum();
    let _ = write!(
        h,
        "<h2 id=\"inputs\">Inputs and parse quality</h2><details><summary>{} inputs, {} lines skipped</summary><table class=\"sortable\">",
        s.inputs.len(),
        super::thousands(skipped)
    );
    h.push_str("<thead><tr><th>File</th><th>Kind</th><th>Node</th><th>Captured</th><th class=\"n\">Records</th><th class=\"n\">Skipped lines</th></tr></thead><tbody>\n");
    for i in &s.inputs {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td>{}{}</tr>",
            escape(&i.path),
            i.kind.as_str(),
            node(&i.node),
            when(i.captured_at),
            num(i.records),
            num(i.skipped)
        );
    }
    h.push_str("</tbody></table></details>\n<h2 id=\"method\">Method</h2><ul>");
    let _ = write!(
        h,
        "<li>{}.</li>",
        escape(crate::analysis::drops::BOUNDS_NOTE)
    );
    h.push_str("<li>Close rates come from the ages of closing TCP entries: state timeout minus time left.</li>");
    for n in super::rolled_notes(&s.notes) {
        let _ = write!(h, "<li>{}</li>", escape(&n));
    }
    for w in &s.warnings {
        let _ = write!(h, "<li>Warning: {}</li>", escape(w));
    }
    let entries: u64 = s.snapshots.iter().map(|x| x.stats.entries).sum();
    let _ = write!(
        h,
        "</ul><footer>{} snapshots ({} entries), {} counter captures, {} drops logged.</footer>\n</main><script>{SCRIPT}</script></body></html>\n",
        s.snapshots.len(),
        thousands(entries),
        s.stats.len(),
        thousands(s.drops.lower_bound)
    );
    h
}
