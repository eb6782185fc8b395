//! Every reason a parser gives for skipping a line, met on a line written
//! to cause it: the reason is exact (a short phrase that reads after
//! "expected"), counted under its own name, and names the line. The last
//! test reads the parsers' sources and fails on a reason no test meets, so
//! a new reason comes with its case.

// Tests may panic on their own fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ctsleuth_parse::parse::conntrack::parse_listing;
use ctsleuth_parse::parse::inventory::parse_inventory;
use ctsleuth_parse::parse::settings::{parse_bare_value, parse_log_limits, parse_sysctl};
use ctsleuth_parse::parse::stats::{parse_conntrack_s, parse_count, parse_proc_stat};
use ctsleuth_parse::parse::{BadLine, LineIssues};

/// A good entry, and the same entry with one substitution.
const ENTRY: &str = "tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.3.114 sport=41822 dport=8080 src=10.4.2.17 dst=10.4.1.23 sport=8080 dport=41822 [ASSURED] mark=0 use=1";

fn entry_with(from: &str, to: &str) -> String {
    assert!(ENTRY.contains(from), "{from}");
    ENTRY.replacen(from, to, 1)
}

fn listing(text: &[u8]) -> LineIssues {
    parse_listing(text, 1, |_| {}).issues
}

/// The one reason a text gives, with its line; `(0, what happened)` when
/// it gives none or several.
fn only(issues: &LineIssues) -> (u64, String) {
    if issues.skipped != 1 {
        return (0, format!("{} skipped: {:?}", issues.skipped, issues.first));
    }
    let BadLine { line, expected, .. } = &issues.first[0];
    assert_eq!(issues.by_reason.get(expected), Some(&1));
    (*line, expected.clone())
}

/// Fails with every case that went wrong, not only the first.
fn all_met(failed: Vec<String>) {
    assert!(
        failed.is_empty(),
        "{} cases failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn listing_lines() {
    let icmp = "icmp     1 29 src=10.4.1.23 dst=10.8.0.10 type=8 code=0 id=4242 src=10.8.0.10 dst=10.4.1.23 type=0 code=0 id=4242 mark=0 use=1";
    let gre = "gre      47 179 src=10.0.3.7 dst=10.0.9.1 srckey=0x0 dstkey=0x0 src=10.0.9.1 dst=10.0.3.7 srckey=0x0 dstkey=0x0 mark=0 use=1";
    let cases: Vec<(String, &str)> = vec![
        (
            entry_with("use=1", "use=1 garbage"),
            "`key=value` or `[FLAG]`",
        ),
        (
            gre.replacen("srckey=0x0", "srckey=0xzz", 1),
            "a GRE key (0x...)",
        ),
        (
            entry_with("sport=41822", "sport=70000"),
            "a port (0-65535) after sport=",
        ),
        (
            entry_with("dport=8080", "dport=80800"),
            "a port (0-65535) after dport=",
        ),
        (entry_with("use=1", "use=1 zone=70000"), "a zone (0-65535)"),
        (
            format!("[BOGUS] {ENTRY}"),
            "an entry, or an event tagged [NEW], [UPDATE] or [DESTROY]",
        ),
        (
            icmp.replacen("type=8", "type=300", 1),
            "an ICMP type (0-255)",
        ),
        (
            icmp.replacen("code=0", "code=300", 1),
            "an ICMP code (0-255)",
        ),
        (
            icmp.replacen("id=4242", "id=70000", 1),
            "an ICMP id (0-65535)",
        ),
        (
            entry_with("src=10.4.1.23", "src=10.4.1.999"),
            "an IPv4 or IPv6 address after src=",
        ),
        (
            entry_with("dst=10.8.3.114", "dst=10.8.3.999"),
            "an IPv4 or IPv6 address after dst=",
        ),
        (
            entry_with("use=1", "use=1 id=abc"),
            "a conntrack id after id=",
        ),
        (entry_with("mark=0", "mark=x"), "a number after mark="),
        (
            entry_with("mark=0", "mark=0 secmark=x"),
            "a number after secmark=",
        ),
        (entry_with("use=1", "use=x"), "a number after use="),
        (
            entry_with("dport=8080", "dport=8080 packets=x bytes=1"),
            "a number after packets=",
        ),
        (
            entry_with("dport=8080", "dport=8080 packets=1 bytes=x"),
            "a number after bytes=",
        ),
        (
            entry_with("dport=8080", "dport=8080 packets=1"),
            "packets= and bytes= together",
        ),
        (
            entry_with("use=1", "use=1 delta-time=soon"),
            "seconds after delta-time=",
        ),
        (
            entry_with("tcp      6", "tcp      x"),
            "a protocol name and number (`tcp      6`)",
        ),
        (entry_with(" dport=8080", ""), "dport= after sport="),
        (entry_with("sport=41822 ", ""), "sport= before dport="),
        (entry_with("dst=10.8.3.114 ", ""), "dst= after src="),
        (
            entry_with("dport=8080", "dport=8080 type=8"),
            "one set of layer-4 fields per direction",
        ),
        (
            entry_with("dst=10.8.3.114", "dst=2001:db8::1"),
            "src= and dst= of one family",
        ),
        (
            entry_with(
                "src=10.4.2.17 dst=10.4.1.23",
                "src=2001:db8::17 dst=2001:db8::23",
            ),
            "both tuples of one family",
        ),
        (
            entry_with(
                "[ASSURED]",
                "src=10.4.2.18 dst=10.4.1.23 sport=8080 dport=41822 [ASSURED]",
            ),
            "two tuples, not three",
        ),
        (
            "tcp      6 117 TIME_WAIT mark=0 use=1".to_string(),
            "src= dst= after the protocol, timeout and state",
        ),
        (
            entry_with("src=10.4.2.17 dst=10.4.1.23 sport=8080 dport=41822 ", ""),
            "a reply tuple (src= dst= ...); the line may be cut short",
        ),
    ];
    let mut failed = Vec::new();
    for (line, want) in cases {
        // A good entry before the bad one: the reason names line 2.
        let got = only(&listing(format!("{ENTRY}\n{line}\n").as_bytes()));
        if got != (2, want.to_string()) {
            failed.push(format!("{line}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    all_met(failed);
    // Bytes that are not UTF-8 inside a text field.
    let mut bad = format!("{ENTRY}\n").into_bytes();
    bad.extend_from_slice(ENTRY.as_bytes());
    bad.extend_from_slice(b" secctx=system_u:\xff\n");
    assert_eq!(
        only(&listing(&bad)),
        (2, "UTF-8 text in a field value".into())
    );
}

#[test]
fn counter_lines() {
    let row = "cpu=0       found=12 invalid=3 ignore=0 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=2";
    let cases: [(String, &str); 4] = [
        (
            format!("{row}\nentries 4\n"),
            "a `cpu=N name=value ...` row",
        ),
        (
            "entries                 4\nsearched                3\ncpu=1 found=2\n".into(),
            "a `name value` line like the ones before",
        ),
        (
            "entries                 4\nsearched                x\n".into(),
            "a `name value` line with a decimal value",
        ),
        (
            format!("{row}\ncpu=1 found=twelve\n"),
            "blank-separated `name=decimal` pairs after `cpu=N`",
        ),
    ];
    let mut failed = Vec::new();
    for (text, want) in cases {
        let got = only(&parse_conntrack_s(text.as_bytes()).issues).1;
        if got != want {
            failed.push(format!("{text:?}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    all_met(failed);
    // A first line that is no row at all.
    let out = parse_conntrack_s(b"hello\n");
    assert_eq!(
        only(&out.issues),
        (1, "a `cpu=N name=value ...` row".into())
    );

    let header = "entries  searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart";
    let good = "0001fd0e  00000000 00000000 00000000 00000a6c 0014b1b6 00000000 00000000 00000000 00000000 00000000 00000000 00000000  00000000 00000000 00000000 00000002";
    let out = parse_proc_stat(format!("{good}\n").as_bytes());
    assert_eq!(
        only(&out.issues),
        (
            1,
            "the header line `entries searched found ...` first".into()
        )
    );
    let out = parse_proc_stat(format!("{header}\n{good}\nzz yy\n").as_bytes());
    assert_eq!(
        only(&out.issues),
        (3, "blank-separated hex numbers under the header".into())
    );
    let out = parse_proc_stat(format!("{header}\n{good}\n0001fd0e 00000000\n").as_bytes());
    assert_eq!(
        only(&out.issues),
        (3, "17 hex fields, as in the header of line 1".into())
    );
    let out = parse_count(b"262144\nabout a quarter million\n");
    assert_eq!(
        only(&out.issues),
        (
            2,
            "one decimal number (the entry count), or `wc -l`'s count and file".into()
        )
    );
}

#[test]
fn setting_lines() {
    let out =
        parse_sysctl(b"net.netfilter.nf_conntrack_max = 262144\nnet.netfilter.nf_conntrack_max\n");
    assert_eq!(only(&out.issues), (2, "a `key = value` line".into()));
    let out = parse_sysctl(b"net.netfilter.nf_conntrack_max = lots\n");
    assert_eq!(only(&out.issues), (1, "a decimal number after `=`".into()));
    let out = parse_sysctl(b"net.netfilter.nf_conntrack_acct = 2\n");
    assert_eq!(
        only(&out.issues),
        (1, "0 or 1 for nf_conntrack_acct".into())
    );
    let out = parse_sysctl(b"net.netfilter.nf_conntrack_tcp_timeout_established = 99999999999\n");
    assert_eq!(
        only(&out.issues),
        (1, "a timeout in seconds below 2^32".into())
    );
    let out = parse_bare_value(b"262144\n262144 entries\n", "nf_conntrack_max");
    assert_eq!(only(&out.issues), (2, "one decimal number".into()));
}

#[test]
fn limit_statements_in_logs() {
    let cases: [(&str, &str); 4] = [
        (
            "I1126 08:12:40.306902       1 conntrack.go:100] Set sysctl net/netfilter/nf_conntrack_max to 262144",
            "`'key' to N` or `entry=key value=N` after \"Set sysctl\"",
        ),
        (
            "I1126 08:12:40.306902       1 conntrack.go:100] \"Set sysctl\" entry=\"net/netfilter/nf_conntrack_max\" value=lots",
            "a decimal value for the sysctl key",
        ),
        (
            "I1126 08:12:40.307011       1 conntrack.go:52] Setting nf_conntrack_max",
            "a number after the kube-proxy message (` to N` or `field=N`)",
        ),
        (
            "[    1.223344] nf_conntrack: nf_conntrack version 0.5.0 (many buckets)",
            "`VERSION (N buckets, M max)` after \"nf_conntrack version\"",
        ),
    ];
    let mut failed = Vec::new();
    for (line, want) in cases {
        let got = only(&parse_log_limits(format!("{line}\n").as_bytes()).issues);
        if got != (1, want.to_string()) {
            failed.push(format!("{line}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    all_met(failed);
}

/// The reason of the one bad row under a table header and one good row.
fn table_reason(header: &str, good: &str, bad: &str) -> (u64, String) {
    let out = parse_inventory(format!("{header}\n{good}\n{bad}\n").as_bytes());
    only(&out.issues)
}

#[test]
fn inventory_rows() {
    let pods = "NAMESPACE   NAME                       READY   STATUS    RESTARTS   AGE   IP          NODE";
    let pod = "web         api-7c9f8b5d4-x8k2q        1/1     Running   0          4d    10.4.1.2    node-a";
    let nodes = "NAME     STATUS   ROLES    AGE   VERSION                INTERNAL-IP   EXTERNAL-IP";
    let node = "node-a   Ready    <none>   13d   v1.29.10-gke.1054000   10.128.0.10   <none>";
    let svcs = "NAMESPACE   NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE";
    let svc = "web         api    ClusterIP   10.8.9.61    <none>        80/TCP    272d";
    let sandboxes = "POD ID              CREATED             STATE               NAME                NAMESPACE           ATTEMPT             RUNTIME";
    let sandbox = "054143a234941       27 hours ago        Ready               api-x8k2q           web                 1                   (default)";
    let containers = "CONTAINER           IMAGE               CREATED              STATE               NAME                ATTEMPT             POD ID              POD";
    let container = "d57f0e22dd67b       7ca6d887c4c52       2 minutes ago        Running             router              4                   64142c48def53       router-zs62c";
    let endpoints = "NAMESPACE     NAME       ENDPOINTS                     AGE";
    let endpoint = "kube-system   kube-dns   10.4.0.7:53,10.4.2.5:53       272d";
    let cases: Vec<(&str, &str, String, &str)> = vec![
        (
            endpoints,
            endpoint,
            endpoint.replace("kube-dns", "-bad-   "),
            "a name in the NAME column",
        ),
        (
            endpoints,
            endpoint,
            endpoint.replace("10.4.2.5:53", "10.4.2.5:dn"),
            "ENDPOINTS like 10.4.0.7:53,10.4.2.5:53",
        ),
        (
            pods,
            pod,
            pod.replace("0          4d", "x          4d"),
            "RESTARTS like 5 or 5 (10h ago)",
        ),
        (
            pods,
            pod,
            pod.replace("Running ", "        "),
            "a STATUS like Running",
        ),
        (
            pods,
            pod,
            pod.replace("web       ", "-bad-     "),
            "a namespace in the NAMESPACE column",
        ),
        (
            pods,
            pod,
            pod.replace("10.4.1.2  ", "10.4.1.999"),
            "an IP address or <none> in the IP column",
        ),
        (
            nodes,
            node,
            node.replace("Ready ", "      "),
            "a STATUS like Ready",
        ),
        (
            nodes,
            node,
            node.replace("v1.29.10-gke.1054000", "1.29                "),
            "a VERSION like v1.29.4",
        ),
        (
            nodes,
            node,
            node.replace("node-a", "-bad- "),
            "a node name in the NAME column",
        ),
        (
            nodes,
            node,
            node.replace("10.128.0.10", "10.128.0.xx"),
            "an IP address or <none> in INTERNAL-IP",
        ),
        (
            svcs,
            svc,
            svc.replace("ClusterIP", "         "),
            "a TYPE like ClusterIP",
        ),
        (
            svcs,
            svc,
            svc.replace("api ", "-x- "),
            "a service name in the NAME column",
        ),
        (
            svcs,
            svc,
            svc.replace("10.8.9.61", "10.8.9.xx"),
            "an IP address, None or <none> in CLUSTER-IP",
        ),
        (
            svcs,
            svc,
            svc.replace("80/TCP", "http  "),
            "PORT(S) like 53/UDP,53/TCP or 80:31380/TCP",
        ),
        (
            sandboxes,
            sandbox,
            sandbox.replace("27 hours ago", "            "),
            "a CREATED time like 2 hours ago",
        ),
        (
            sandboxes,
            sandbox,
            sandbox.replace("Ready", "     "),
            "a STATE like Ready",
        ),
        (
            sandboxes,
            sandbox,
            sandbox.replace("054143a234941", "not-hex-at-al"),
            "a hexadecimal POD ID",
        ),
        (
            containers,
            container,
            container.replace("Running", "       "),
            "a STATE like Running",
        ),
        (
            containers,
            container,
            container.replace("d57f0e22dd67b", "not-hex-at-al"),
            "a hexadecimal CONTAINER ID",
        ),
        (
            containers,
            container,
            container.replace("router     ", "-bad-      "),
            "a container name in the NAME column",
        ),
    ];
    let mut failed = Vec::new();
    for (header, good, bad, want) in cases {
        let got = table_reason(header, good, &bad);
        if got != (3, want.to_string()) {
            failed.push(format!("{bad}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    all_met(failed);
}

#[test]
fn socket_rows() {
    let ss = "Netid State     Recv-Q Send-Q Local Address:Port  Peer Address:Port Process";
    let good = "tcp   ESTAB     0      0          10.4.5.23:35260    10.4.1.19:4143";
    assert_eq!(
        table_reason(
            ss,
            good,
            "xyz   ESTAB     0      0          10.4.5.23:35262    10.4.1.19:4143"
        ),
        (3, "a Netid like tcp or udp".into())
    );
    let netstat = "Proto Recv-Q Send-Q Local Address           Foreign Address         State";
    let good = "tcp        0      0 10.4.1.18:4143          10.4.5.23:35260         ESTABLISHED";
    assert_eq!(
        table_reason(
            netstat,
            good,
            "xyz        0      0 10.4.1.18:4143          10.4.5.23:35262         ESTABLISHED"
        ),
        (3, "a protocol like tcp, tcp6, udp".into())
    );
    assert_eq!(
        table_reason(
            netstat,
            good,
            "tcp        0      0 10.4.1.18:4143          10.4.5.23:port          ESTABLISHED"
        ),
        (3, "a foreign address like 10.8.0.10:53".into())
    );
}

#[test]
fn kubectl_objects() {
    // serde_json's own words for what broke, on the line where it broke.
    let out = parse_inventory(b"{\"kind\": \"Pod\",\n \"metadata\": {\"name\": \"api\"\n");
    assert_eq!(
        only(&out.issues),
        (3, "a JSON document (EOF while parsing an object)".into())
    );
    let doc = r#"{"kind":"Service","metadata":{"name":"api","namespace":"web"},"spec":{"clusterIP":"10.8.9.61","ports":[{"protocol":"TCP"}]}}"#;
    let out = parse_inventory(doc.as_bytes());
    assert_eq!(
        only(&out.issues),
        (
            1,
            "a readable Service (a number in spec.ports[].port)".into()
        )
    );
}

/// Reasons in the sources: the literal of every place a parser names what
/// it expected.
fn reasons_in_sources() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/parse");
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs")
                && p.file_name().is_some_and(|n| n != "tests.rs")
            {
                files.push(p);
            }
        }
    }
    files.sort();
    // Calls whose string argument is a reason.
    let openers = [
        "Expected(\"",
        "Err(\"",
        ".ok_or(\"",
        "ok_or_else(|| \"",
        "map_err(|_| \"",
        "map_err(|()| \"",
        "missing(\"",
        "expected = \"",
        "(&mut words, \"",
    ];
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        for line in code.lines() {
            let mut rest = line;
            while let Some(at) = openers
                .iter()
                .filter_map(|o| rest.find(o).map(|i| (i, o.len())))
                .min()
            {
                let after = &rest[at.0 + at.1..];
                let Some(end) = after.find('"') else { break };
                out.push((name.clone(), after[..end].to_string()));
                rest = &after[end..];
            }
            // `.skip(line, "reason", text)` and `required(cells, i, "reason")`
            for call in [".skip(", "required("] {
                if let Some(i) = line.find(call) {
                    let args = &line[i + call.len()..];
                    if let Some(q) = args.find('"') {
                        if let Some(end) = args[q + 1..].find('"') {
                            out.push((name.clone(), args[q + 1..q + 1 + end].to_string()));
                        }
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_reason_in_the_sources_has_a_test() {
    // Not skip reasons: the log framing's error for a document that is no
    // array, and the tool named in a socket table's reason.
    // "src= in each direction" guards a tuple without its source, which
    // the grammar cannot build (a direction opens at its `src=`).
    let not_reasons = ["not a JSON array", "ss", "src= in each direction"];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut tests = std::fs::read_to_string(root.join("tests/reasons.rs")).unwrap();
    for extra in [
        "tests/properties.rs",
        "src/parse/conntrack/tests.rs",
        "src/parse/stats.rs",
        "src/parse/settings/mod.rs",
        "src/parse/inventory/mod.rs",
        "src/parse/inventory/objects.rs",
        "src/parse/inventory/rows.rs",
        "src/parse/inventory/sockets.rs",
        "src/parse/inventory/table.rs",
        "src/parse/inventory/crictl.rs",
    ] {
        let text = std::fs::read_to_string(root.join(extra)).unwrap();
        // Only the tests of a source file count.
        let tests_part = match text.find("#[cfg(test)]\nmod tests") {
            Some(i) => &text[i..],
            None if extra.contains("tests") => &text[..],
            None => "",
        };
        tests.push_str(tests_part);
    }
    let found = reasons_in_sources();
    assert!(
        found.len() > 60,
        "the scan found only {} reasons",
        found.len()
    );
    let untested: Vec<_> = found
        .iter()
        .filter(|(_, r)| !not_reasons.contains(&r.as_str()))
        // A reason built with `format!` is met by its fixed start.
        .filter(|(_, r)| !tests.contains(r.split('{').next().unwrap_or(r)))
        .collect();
    assert!(untested.is_empty(), "reasons without a test: {untested:#?}");
    // Short enough to read after "expected" in a terminal line.
    for (file, r) in &found {
        assert!(r.chars().count() <= 70, "{file}: {r:?} is long");
    }
}
