//! Parse stage, grammar: Kubernetes inventory captures.
//!
//! Takes the bytes of one file holding, in any order and number:
//! - JSON from `kubectl get ... -o json`: a `List`, one object, or several
//!   documents in a row, with Pods, Nodes, Services, Endpoints and
//!   EndpointSlices (`json`, `objects`);
//! - the text tables of `kubectl get pods|nodes|svc|endpoints [-A] [-o wide]`,
//!   `crictl pods` and `crictl ps`, read by the positions of their headers
//!   (`table`, `rows`);
//! - in-pod socket tables of `netstat -tan[p]` and `ss -tan[p]` / `ss -tun`
//!   (`sockets`).
//!
//! Gives an [`Inventory`]. Records listed twice (the same command run twice
//! into one file) are merged. Also tells which workload a pod belongs to
//! ([`workload`]), with the owner read from the pod name when the capture
//! has none ([`infer_owner`]).

use std::collections::BTreeMap;
use std::net::IpAddr;

use memchr::memmem;

use crate::model::inventory::{Inventory, Pod};
use crate::parse::Outcome;
use crate::parse::text::{Line, is_noise, lines};

mod crictl;
mod json;
mod objects;
mod owner;
mod quantity;
mod rows;
pub(crate) mod sockets;
mod table;

pub use owner::{infer_owner, workload};

/// Reads any inventory capture: JSON from kubectl, or the text tables of kubectl, crictl, netstat and ss.
pub fn parse_inventory(buf: &[u8]) -> Outcome<Inventory> {
    let mut out = Outcome::<Inventory>::default();
    let mut reader = Reader::default();
    let mut pos = 0;
    let mut first_line = 1;
    'resume: while let Some(rest) = buf.get(pos..) {
        for line in lines(rest, first_line) {
            if json::starts_document(line.text) && reader.takes_json(rest, line.text) {
                reader.end_section(&mut out);
                let at = pos + offset_in(rest, line.text);
                let next = json::documents(buf, at, line.number, &mut out, &mut reader.kinds);
                // `documents` always moves past `at`; the guard keeps the
                // loop finite whatever happens.
                pos = next.offset.max(at + 1);
                first_line = next.line;
                reader.section = if next.broken {
                    Section::BrokenJson
                } else {
                    Section::Idle
                };
                continue 'resume;
            }
            reader.line(line, &mut out);
        }
        break;
    }
    reader.end_section(&mut out);
    reader.finish(&mut out);
    out
}

/// Where `part`, a sub-slice of `whole`, starts in it.
fn offset_in(whole: &[u8], part: &[u8]) -> usize {
    (part.as_ptr() as usize)
        .saturating_sub(whole.as_ptr() as usize)
        .min(whole.len())
}

/// What the lines being read belong to.
#[derive(Default)]
enum Section {
    /// Between tables: a header, a JSON document or a title may come.
    #[default]
    Idle,
    Table(table::Table),
    Sockets(sockets::SocketTable),
    /// A table this module does not read (`kubectl get deploy`, ...).
    Ignored {
        line: u64,
        columns: String,
        rows: u64,
    },
    /// After a JSON document that did not parse: its lines are passed over
    /// until a document starts at the beginning of a line, or a table header.
    BrokenJson,
    /// netstat's UNIX domain socket section.
    UnixSockets,
}

/// The state of one pass over a file.
#[derive(Default)]
struct Reader {
    section: Section,
    /// JSON items of kinds not read, by kind.
    kinds: BTreeMap<String, u64>,
}

impl Reader {
    /// Whether a line that starts like JSON should be read as JSON: after a
    /// broken document, only one that starts at the beginning of its line.
    fn takes_json(&self, rest: &[u8], text: &[u8]) -> bool {
        if !matches!(self.section, Section::BrokenJson) {
            return true;
        }
        let at = offset_in(rest, text);
        at == 0 || rest.get(at - 1) == Some(&b'\n')
    }

    /// Reads one line that is not the start of a JSON document.
    fn line(&mut self, line: Line<'_>, out: &mut Outcome<Inventory>) {
        let text = line.text;
        if text.is_empty() {
            if !matches!(self.section, Section::BrokenJson) {
                self.end_section(out);
            }
            return;
        }
        if is_noise(text) {
            if !matches!(self.section, Section::BrokenJson) {
                self.end_section(out);
            }
            return;
        }
        if let Some(found) = self.header(line, out) {
            self.end_section(out);
            self.section = found;
            return;
        }
        if let Some(title) = title(text) {
            self.end_section(out);
            if title == Title::UnixSockets {
                self.section = Section::UnixSockets;
            }
            return;
        }
        match &mut self.section {
            Section::Table(t) => t.row(line, out),
            Section::Sockets(t) => t.row(line, out),
            Section::Ignored { rows, .. } => *rows += 1,
            Section::BrokenJson | Section::UnixSockets => {}
            Section::Idle => match sockets::headerless(line) {
                Some(t) => {
                    out.warnings.push(format!(
                        "line {}: socket rows without their header (a filtered paste): read as {}",
                        line.number,
                        t.tool_name()
                    ));
                    self.section = Section::Sockets(t);
                    if let Section::Sockets(t) = &mut self.section {
                        t.row(line, out);
                    }
                }
                None => loose_line(line, out),
            },
        }
    }

    /// The section a header line opens, if it is one.
    fn header(&self, line: Line<'_>, out: &mut Outcome<Inventory>) -> Option<Section> {
        if let Some(t) = sockets::header(line) {
            return Some(Section::Sockets(t));
        }
        match table::header(line)? {
            table::Found::Known(t) => {
                if let Some(note) = t.note() {
                    out.warnings.push(note);
                }
                Some(Section::Table(t))
            }
            table::Found::Unknown(columns) => Some(Section::Ignored {
                line: line.number,
                columns,
                rows: 0,
            }),
        }
    }

    /// Closes the current section, with a warning for what it did not read.
    fn end_section(&mut self, out: &mut Outcome<Inventory>) {
        match std::mem::take(&mut self.section) {
            Section::Ignored {
                line,
                columns,
                rows,
            } => out.warnings.push(format!(
                "line {line}: a table with columns {columns} is not an inventory table; {} ignored",
                plural(rows, "row")
            )),
            Section::Sockets(t) => t.finish(out),
            Section::Table(t) => t.finish(out),
            Section::Idle | Section::BrokenJson | Section::UnixSockets => {}
        }
    }

    /// Warns about the JSON kinds not read, then merges repeated records.
    fn finish(self, out: &mut Outcome<Inventory>) {
        for (kind, n) in &self.kinds {
            let items = plural(*n, "item");
            out.warnings.push(if kind.is_empty() {
                format!("{items} without a kind ignored")
            } else {
                format!("{items} of kind {kind} ignored")
            });
        }
        merge(out);
    }
}

/// `3 rows`, `1 row`.
fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Lines that introduce a capture without being part of its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Title {
    /// `Every 2.0s: kubectl get pods -A -o wide    host: Tue Nov 26 ...`
    Watch,
    /// `Active Internet connections (servers and established)`
    Netstat,
    /// `Active UNIX domain sockets (servers and established)`: its rows follow.
    UnixSockets,
}

fn title(text: &[u8]) -> Option<Title> {
    if text.starts_with(b"Every ") && memmem::find(text, b"s: ").is_some() {
        return Some(Title::Watch);
    }
    if text.starts_with(b"Active Internet connections") {
        return Some(Title::Netstat);
    }
    if text.starts_with(b"Active UNIX domain sockets") || text.starts_with(b"Active Bluetooth") {
        return Some(Title::UnixSockets);
    }
    None
}

/// A line outside any table and not a header: kubectl's own messages become
/// warnings, anything else is a bad line.
fn loose_line(line: Line<'_>, out: &mut Outcome<Inventory>) {
    let text = line.text;
    if text.starts_with(b"No resources found")
        || text.starts_with(b"Error from server")
        || text.starts_with(b"error: ")
    {
        let said = crate::parse::snippet(text);
        out.warnings
            .push(format!("line {}: kubectl said: {said}", line.number));
        return;
    }
    if text.starts_with(b"Warning: ") {
        return;
    }
    out.issues.skip(
        line.number,
        "a table header (kubectl, crictl, netstat, ss) or a JSON document",
        text,
    );
}

/// An IP address, IPv4-mapped IPv6 given as IPv4.
fn ip_addr(text: &str) -> Option<IpAddr> {
    let ip: IpAddr = text.parse().ok()?;
    Some(canonical(ip))
}

/// `::ffff:10.4.1.23` → `10.4.1.23`; other addresses unchanged.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// Folds items with the same key, and that `fits` says are the same thing,
/// into the first one, keeping first-seen order. Returns how many were
/// folded.
fn fold_by<T, K: Ord>(
    items: &mut Vec<T>,
    key: impl Fn(&T) -> K,
    fits: impl Fn(&T, &T) -> bool,
    combine: impl Fn(&mut T, T),
) -> u64 {
    let mut slots: BTreeMap<K, Vec<usize>> = BTreeMap::new();
    let mut kept: Vec<T> = Vec::with_capacity(items.len());
    let mut folded = 0;
    for item in items.drain(..) {
        let same = slots.entry(key(&item)).or_default();
        let found = same
            .iter()
            .copied()
            .find(|&i| kept.get(i).is_some_and(|k| fits(k, &item)));
        match found.and_then(|i| kept.get_mut(i)) {
            Some(earlier) => {
                combine(earlier, item);
                folded += 1;
            }
            None => {
                same.push(kept.len());
                kept.push(item);
            }
        }
    }
    *items = kept;
    folded
}

/// The same pod incarnation: a pod deleted and created again under the same
/// name (a StatefulSet pod) has another creation time or another IP.
fn same_incarnation(a: &Pod, b: &Pod) -> bool {
    let created = a.created.is_none() || b.created.is_none() || a.created == b.created;
    let ips = a.ips.is_empty() || b.ips.is_empty() || a.ips == b.ips;
    created && ips
}

/// `later` onto `earlier`: what the later capture says wins, what it lacks
/// is kept; an owner read from ownerReferences beats an inferred one.
fn combine_pods(earlier: &mut Pod, later: Pod) {
    let e = earlier;
    if !later.ips.is_empty() {
        e.ips = later.ips;
    }
    e.host_network |= later.host_network;
    e.node = later.node.or(e.node.take());
    e.phase = later.phase.or(e.phase.take());
    e.created = later.created.or(e.created);
    e.deleted = later.deleted.or(e.deleted);
    e.started = later.started.or(e.started);
    let keep_earlier_owner = e.owner.as_ref().is_some_and(|o| !o.inferred)
        && later.owner.as_ref().is_none_or(|o| o.inferred);
    if !keep_earlier_owner && later.owner.is_some() {
        e.owner = later.owner;
    }
    if !later.labels.is_empty() {
        e.labels = later.labels;
    }
}

/// Merges records listed more than once (a command run twice into one
/// file, or a JSON and a table capture of the same objects), then marks pods
/// whose IP is a node's as host-network pods. Sockets are never merged: two
/// listeners may share an address.
fn merge(out: &mut Outcome<Inventory>) {
    let inv = &mut out.value;
    let key2 = |a: &String, b: &String| (a.clone(), b.clone());
    let counts = [
        (
            "pods",
            fold_by(
                &mut inv.pods,
                |p| key2(&p.namespace, &p.name),
                same_incarnation,
                combine_pods,
            ),
        ),
        (
            "nodes",
            fold_by(
                &mut inv.nodes,
                |n| n.name.clone(),
                |_, _| true,
                |e, l| {
                    if !l.internal_ips.is_empty() {
                        e.internal_ips = l.internal_ips;
                    }
                    if !l.external_ips.is_empty() {
                        e.external_ips = l.external_ips;
                    }
                    e.cpu_millis = l.cpu_millis.or(e.cpu_millis);
                    e.memory_bytes = l.memory_bytes.or(e.memory_bytes);
                    e.kernel = l.kernel.or(e.kernel.take());
                    e.os_image = l.os_image.or(e.os_image.take());
                    e.pod_cidr = l.pod_cidr.or(e.pod_cidr.take());
                },
            ),
        ),
        (
            "services",
            fold_by(
                &mut inv.services,
                |s| key2(&s.namespace, &s.name),
                |_, _| true,
                |e, l| {
                    e.cluster_ips = l.cluster_ips;
                    if !l.ports.is_empty() {
                        e.ports = l.ports;
                    }
                },
            ),
        ),
        (
            "endpoints",
            fold_by(
                &mut inv.endpoints,
                |p| (p.namespace.clone(), p.service.clone(), p.ip),
                |_, _| true,
                |e, l| {
                    e.pod = l.pod.or(e.pod.take());
                    e.node = l.node.or(e.node.take());
                },
            ),
        ),
        (
            "pod sandboxes",
            fold_by(
                &mut inv.sandboxes,
                |s| s.id.clone(),
                |_, _| true,
                |e, mut l| {
                    l.namespace = l.namespace.or(e.namespace.take());
                    *e = l;
                },
            ),
        ),
        (
            "containers",
            fold_by(
                &mut inv.containers,
                |c| c.id.clone(),
                |_, _| true,
                |e, mut l| {
                    l.pod_id = l.pod_id.or(e.pod_id.take());
                    l.pod = l.pod.or(e.pod.take());
                    *e = l;
                },
            ),
        ),
    ];
    let said: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, n)| format!("{what} {n}"))
        .collect();
    if !said.is_empty() {
        out.warnings.push(format!(
            "records listed more than once were merged ({})",
            said.join(", ")
        ));
    }
    mark_host_network(inv);
}

/// A pod whose IP is a node's internal IP runs in the host network (tables
/// do not say so; JSON does, and agrees).
fn mark_host_network(inv: &mut Inventory) {
    let node_ips: Vec<IpAddr> = inv
        .nodes
        .iter()
        .flat_map(|n| n.internal_ips.iter().copied())
        .collect();
    if node_ips.is_empty() {
        return;
    }
    for pod in &mut inv.pods {
        if pod.ips.iter().any(|ip| node_ips.contains(ip)) {
            pod.host_network = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Outcome<Inventory> {
        parse_inventory(text.as_bytes())
    }

    const WATCH: &str = "\
Every 2.0s: kubectl get pods -A -o wide                 gke-bastion: Tue Nov 26 09:04:00 2024

NAMESPACE   NAME                  READY   STATUS    RESTARTS      AGE   IP          NODE                                  NOMINATED NODE   READINESS GATES
shop        web-7c9f8b5d4-x8k2q   2/2     Running   5 (10h ago)   3d    10.4.1.23   gke-prod-default-pool-7f3a9c21-x2lq   <none>           <none>
";

    #[test]
    fn a_watch_title_line_before_the_header() {
        let out = read(WATCH);
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        assert_eq!(out.records, 1);
        assert_eq!(out.value.pods[0].name, "web-7c9f8b5d4-x8k2q");
    }

    #[test]
    fn a_terminal_log_with_prompts_json_tables_and_sockets() {
        let text = "\
$ kubectl get nodes -o json
{
    \"apiVersion\": \"v1\",
    \"kind\": \"List\",
    \"items\": [
        {\"kind\": \"Node\", \"metadata\": {\"name\": \"gke-prod-default-pool-7f3a9c21-x2lq\"},
         \"status\": {\"addresses\": [{\"type\": \"InternalIP\", \"address\": \"10.128.0.5\"}]}}
    ]
}
$ kubectl get pods -A -o wide
NAMESPACE     NAME                                             READY   STATUS    RESTARTS   AGE   IP           NODE                                  NOMINATED NODE   READINESS GATES
kube-system   kube-proxy-gke-prod-default-pool-7f3a9c21-x2lq   1/1     Running   0          12d   10.128.0.5   gke-prod-default-pool-7f3a9c21-x2lq   <none>           <none>
shop          web-7c9f8b5d4-x8k2q                              2/2     Running   0          3d    10.4.1.23    gke-prod-default-pool-7f3a9c21-x2lq   <none>           <none>
$ kubectl exec -n shop web-7c9f8b5d4-x8k2q -c app -- ss -tan
State      Recv-Q Send-Q Local Address:Port      Peer Address:Port
ESTAB      0      0      10.4.1.23:41822         10.8.0.10:53
$ kubectl get deploy -A
NAMESPACE   NAME   READY   UP-TO-DATE   AVAILABLE   AGE
shop        web    2/2     2            2           3d
$ kubectl get pods -n empty
No resources found in empty namespace.
";
        let out = read(text);
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        let inv = &out.value;
        assert_eq!(
            (inv.nodes.len(), inv.pods.len(), inv.sockets.len()),
            (1, 2, 1)
        );
        assert_eq!(out.records, 4);
        assert!(inv.pods[0].host_network, "the node's IP");
        assert_eq!(
            out.warnings,
            [
                "line 18: a table with columns NAMESPACE, NAME, READY, UP-TO-DATE, AVAILABLE, AGE is not an inventory table; 1 row ignored",
                "line 21: kubectl said: No resources found in empty namespace."
            ]
        );
    }

    #[test]
    fn crlf_bom_and_markdown_fences() {
        let text = "\u{feff}```\r\nNAME   READY   STATUS    RESTARTS   AGE\r\ndb-0   1/1     Running   0          20d\r\n```\r\n";
        let out = read(text);
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        assert_eq!(out.value.pods.len(), 1);
        assert_eq!(out.value.pods[0].phase.as_deref(), Some("Running"));
    }

    #[test]
    fn lines_outside_any_table_are_bad_lines() {
        let out =
            read("hello world\nWarning: v1 Endpoints is deprecated in v1.33+\n\nanother line\n");
        assert_eq!(out.issues.skipped, 2);
        assert_eq!(out.issues.first[0].line, 1);
        assert_eq!(out.issues.first[1].line, 4);
        assert_eq!(
            out.issues.first[0].expected,
            "a table header (kubectl, crictl, netstat, ss) or a JSON document"
        );
    }

    #[test]
    fn a_blank_line_ends_a_table() {
        let text = "NAME   READY   STATUS    RESTARTS   AGE\ndb-0   1/1     Running   0          20d\n\ndb-1   1/1     Running   0          20d\n";
        let out = read(text);
        assert_eq!(out.value.pods.len(), 1);
        assert_eq!(out.issues.skipped, 1);
        assert_eq!(out.issues.first[0].line, 4);
    }

    #[test]
    fn json_and_table_views_of_one_pod_merge() {
        let text = "\
{\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-7c9f8b5d4-x8k2q\",\"namespace\":\"shop\",\"creationTimestamp\":\"2024-11-26T08:58:12Z\",
 \"ownerReferences\":[{\"kind\":\"ReplicaSet\",\"name\":\"web-7c9f8b5d4\",\"controller\":true}]},
 \"spec\":{\"nodeName\":\"gke-prod-default-pool-7f3a9c21-x2lq\"},\"status\":{\"podIP\":\"10.4.1.23\",\"phase\":\"Running\"}}
NAMESPACE   NAME                  READY   STATUS        RESTARTS   AGE   IP          NODE
shop        web-7c9f8b5d4-x8k2q   2/2     Terminating   0          3d    10.4.1.23   gke-prod-default-pool-7f3a9c21-x2lq
shop        db-0                  1/1     Running       0          1m    10.4.1.41   gke-prod-default-pool-7f3a9c21-x2lq
shop        db-0                  1/1     Running       0          20d   10.4.1.40   gke-prod-default-pool-7f3a9c21-x2lq
";
        let out = read(text);
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        assert_eq!(out.records, 4);
        let pods = &out.value.pods;
        // db-0 came back with another IP: two incarnations, both kept.
        assert_eq!(pods.len(), 3);
        let web = &pods[0];
        assert_eq!(web.phase.as_deref(), Some("Terminating"));
        assert!(web.created.is_some());
        assert_eq!(web.owner.as_ref().map(|o| o.inferred), Some(false));
        assert_eq!(
            out.warnings,
            ["records listed more than once were merged (pods 1)"]
        );
    }

    #[test]
    fn repeated_records_of_every_kind_merge() {
        let text = "\
{\"kind\":\"List\",\"items\":[
 {\"kind\":\"Service\",\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"},\"spec\":{\"clusterIP\":\"10.8.3.17\"}},
 {\"kind\":\"Service\",\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"},\"spec\":{\"clusterIP\":\"10.8.3.17\",\"ports\":[{\"port\":80}]}},
 {\"kind\":\"Endpoints\",\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"},\"subsets\":[{\"addresses\":[{\"ip\":\"10.4.1.23\"}]}]},
 {\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"web-x8k2q\",\"namespace\":\"shop\",\"labels\":{\"kubernetes.io/service-name\":\"web\"}},
  \"addressType\":\"IPv4\",\"endpoints\":[{\"addresses\":[\"10.4.1.23\"],\"targetRef\":{\"kind\":\"Pod\",\"name\":\"web-7c9f8b5d4-x8k2q\"}}]}
]}
CONTAINER           IMAGE               CREATED             STATE               NAME                ATTEMPT             POD ID              POD
1f73f2d81bf98       4cd8a3f5b1e2a       7 minutes ago       Running             web                 1                   7a2c5d9e1f3b4       web-7c9f8b5d4-x8k2q

CONTAINER ID        IMAGE               CREATED             STATE               NAME                ATTEMPT             POD ID
1f73f2d81bf98       4cd8a3f5b1e2a       8 minutes ago       Exited              web                 1                   7a2c5d9e1f3b4
";
        let out = read(text);
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        let inv = &out.value;
        assert_eq!(inv.services.len(), 1);
        assert_eq!(inv.services[0].ports, [(80, "TCP".to_owned())]);
        assert_eq!(inv.endpoints.len(), 1);
        assert_eq!(inv.endpoints[0].pod.as_deref(), Some("web-7c9f8b5d4-x8k2q"));
        assert_eq!(inv.containers.len(), 1);
        let c = &inv.containers[0];
        assert_eq!(
            (c.state.as_str(), c.pod.as_deref()),
            ("Exited", Some("web-7c9f8b5d4-x8k2q"))
        );
        assert_eq!(
            out.warnings,
            ["records listed more than once were merged (services 1, endpoints 1, containers 1)"]
        );
    }

    /// Bytes from a fixed xorshift sequence.
    fn noise(len: usize, mut seed: u64) -> Vec<u8> {
        (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn garbage_never_panics_nor_makes_records() {
        let mut inputs: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"\xff\xfe\xfd\n\x00\x00\n".to_vec(),
            b"{\"kind\": \"List\", \"items\": [{\"kind\": \"Pod\", \"metadata\": {\"na".to_vec(),
            "[".repeat(10_000).into_bytes(),
            "{\"a\":".repeat(10_000).into_bytes(),
            b"{}{}{}[][]".to_vec(),
            b"NAME   READY   STATUS   RESTARTS\n\xff\xff   1/1   Running   0\n".to_vec(),
            b"Proto Recv-Q Send-Q Local Address Foreign Address State\ntcp 0 0 \xc3\x28:1 *:* LISTEN\n".to_vec(),
            vec![b' '; 5000],
            "x".repeat(200_000).into_bytes(),
        ];
        for seed in 1..40 {
            inputs.push(noise(4096, seed));
        }
        for input in &inputs {
            let out = parse_inventory(input);
            assert_eq!(
                out.records,
                0,
                "{:?}",
                String::from_utf8_lossy(&input[..input.len().min(80)])
            );
        }
        let truncated = parse_inventory(&inputs[2]);
        assert_eq!(truncated.issues.skipped, 1);
    }

    #[test]
    fn every_prefix_of_a_mixed_capture_parses() {
        let text = format!(
            "{WATCH}\n{}\n{}",
            "{\"kind\":\"List\",\"items\":[{\"kind\":\"Node\",\"metadata\":{\"name\":\"n1\"},\"status\":{\"capacity\":{\"cpu\":\"3920m\"}}}]}",
            "Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:Port\ntcp   ESTAB  0      0      [::ffff:10.4.1.23]:8080 10.8.0.10:53 users:((\"envoy\",pid=1,fd=4))\n"
        );
        let bytes = text.as_bytes();
        let whole = parse_inventory(bytes);
        assert_eq!(whole.issues.skipped, 0, "{:?}", whole.issues);
        assert_eq!(whole.records, 3);
        for cut in 0..bytes.len() {
            let out = parse_inventory(&bytes[..cut]);
            assert!(out.records <= whole.records);
        }
        // Flipped bytes anywhere.
        for at in (0..bytes.len()).step_by(7) {
            let mut bent = bytes.to_vec();
            bent[at] ^= 0xa5;
            let _ = parse_inventory(&bent);
        }
    }
}
