//! Text tables of `kubectl get pods|nodes|svc|endpoints [-A] [-o wide]`,
//! `crictl pods` and `crictl ps`, in the layouts of every version.
//!
//! Cells are found by the positions of the header's columns, not by
//! splitting at blanks: cells hold blanks (`5 (10h ago)`, `2 hours ago`,
//! `Container-Optimized OS from Google`) and so do headers (`NOMINATED NODE`,
//! `POD ID`). Header columns are separated by two blanks or more; a cell
//! starts at its column. A row that a wide cell pushed out of line is split
//! at runs of two blanks or more from there on.

use super::crictl::{self, ContainerColumns, SandboxColumns};
use super::plural;
use super::rows::{self, EndpointColumns, NodeColumns, PodColumns, ServiceColumns};
use crate::model::inventory::Inventory;
use crate::parse::Outcome;
use crate::parse::text::Line;

/// What a header line opens.
pub(super) enum Found {
    Known(Table),
    /// A table this module does not read, by its column names.
    Unknown(String),
}

/// A table being read: where its columns start and which ones matter.
#[derive(Debug)]
pub(super) struct Table {
    /// Line of the header.
    line: u64,
    /// Start of each column, in characters from the start of the line.
    starts: Vec<usize>,
    kind: TableKind,
    /// Rows whose ENDPOINTS kubectl cut short (`+ 3 more...`).
    cut_short: u64,
}

/// Which table, with the index of each column read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TableKind {
    Pods(PodColumns),
    Nodes(NodeColumns),
    Services(ServiceColumns),
    Endpoints(EndpointColumns),
    Sandboxes(SandboxColumns),
    Containers(ContainerColumns),
}

impl TableKind {
    /// The table whose header has these column names.
    fn of(names: &[&str]) -> Option<TableKind> {
        let at = |n: &str| names.iter().position(|x| *x == n);
        let namespace = at("NAMESPACE");
        if let (Some(id), Some(_), Some(state), Some(name)) = (
            at("CONTAINER ID").or_else(|| at("CONTAINER")),
            at("IMAGE"),
            at("STATE"),
            at("NAME"),
        ) {
            let (pod_id, pod) = (at("POD ID"), at("POD"));
            return Some(TableKind::Containers(ContainerColumns {
                id,
                state,
                name,
                pod_id,
                pod,
            }));
        }
        if let (Some(id), Some(created), Some(state), Some(name)) =
            (at("POD ID"), at("CREATED"), at("STATE"), at("NAME"))
        {
            return Some(TableKind::Sandboxes(SandboxColumns {
                id,
                created,
                state,
                name,
                namespace,
            }));
        }
        if let (Some(name), Some(ready), Some(status), Some(restarts)) =
            (at("NAME"), at("READY"), at("STATUS"), at("RESTARTS"))
        {
            let (ip, node, labels) = (at("IP"), at("NODE"), at("LABELS"));
            return Some(TableKind::Pods(PodColumns {
                namespace,
                name,
                ready,
                status,
                restarts,
                ip,
                node,
                labels,
            }));
        }
        if let (Some(name), Some(status), Some(_), Some(version)) =
            (at("NAME"), at("STATUS"), at("ROLES"), at("VERSION"))
        {
            return Some(TableKind::Nodes(NodeColumns {
                name,
                status,
                version,
                internal_ip: at("INTERNAL-IP"),
                external_ip: at("EXTERNAL-IP"),
                os_image: at("OS-IMAGE"),
                kernel: at("KERNEL-VERSION"),
            }));
        }
        if let (Some(name), Some(kind), Some(cluster_ip), Some(ports)) =
            (at("NAME"), at("TYPE"), at("CLUSTER-IP"), at("PORT(S)"))
        {
            return Some(TableKind::Services(ServiceColumns {
                namespace,
                name,
                kind,
                cluster_ip,
                ports,
            }));
        }
        if let (Some(name), Some(endpoints)) = (at("NAME"), at("ENDPOINTS")) {
            return Some(TableKind::Endpoints(EndpointColumns {
                namespace,
                name,
                endpoints,
                slice: at("ADDRESSTYPE").is_some(),
            }));
        }
        None
    }
}

/// A header column: where it starts, in characters, and its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Column<'a> {
    start: usize,
    name: &'a str,
}

/// The columns of an ASCII header line: names separated by two blanks or
/// more (a name may hold single blanks).
fn header_columns(text: &str) -> Vec<Column<'_>> {
    let bytes = text.as_bytes();
    let mut columns = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        while bytes.get(i) == Some(&b' ') {
            i += 1;
        }
        let start = i;
        while bytes
            .get(i)
            .is_some_and(|c| !(*c == b' ' && bytes.get(i + 1).is_none_or(|c| *c == b' ')))
        {
            i += 1;
        }
        if let Some(name) = text.get(start..i).filter(|n| !n.is_empty()) {
            columns.push(Column { start, name });
        }
    }
    columns
}

/// A column name as kubectl and crictl print them: upper case words
/// (`NAME`, `PORT(S)`, `KERNEL-VERSION`, `NOMINATED NODE`).
fn is_column_name(name: &str) -> bool {
    let word_ok = |w: &str| {
        w.bytes().next().is_some_and(|c| c.is_ascii_uppercase())
            && w.bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || b"()/_.:-".contains(&c))
    };
    name.split(' ').all(word_ok)
}

/// The table a header line opens: a known one, or an unknown one when the
/// line still looks like a header (two or more upper case column names).
pub(super) fn header(line: Line<'_>) -> Option<Found> {
    let text = std::str::from_utf8(line.text).ok()?;
    if !text.is_ascii() {
        return None;
    }
    let columns = header_columns(text);
    if columns.len() < 2 || !columns.iter().all(|c| is_column_name(c.name)) {
        return None;
    }
    let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
    Some(match TableKind::of(&names) {
        Some(kind) => Found::Known(Table {
            line: line.number,
            starts: columns.iter().map(|c| c.start).collect(),
            kind,
            cut_short: 0,
        }),
        None => Found::Unknown(names.join(", ")),
    })
}

/// The cells of a row under columns starting at `starts` (in characters);
/// a missing cell is empty.
///
/// In an aligned row each cell starts exactly at its column, or the column
/// is blank up to the next one (an empty cell). When a cell overflowed and
/// pushed the others right (`kubectl get -w` prints rows one by one), the row
/// from the last aligned cell on is split at runs of two blanks or more:
/// tabwriter pads with at least three, cells hold single blanks.
fn cells<'r>(row: &'r str, starts: &[usize]) -> Vec<&'r str> {
    let at: Vec<usize> = row.char_indices().map(|(b, _)| b).collect();
    let n = at.len();
    let blank = |p: usize| {
        at.get(p)
            .and_then(|&b| row.as_bytes().get(b))
            .is_none_or(|c| c.is_ascii_whitespace())
    };
    let mut begins: Vec<Option<usize>> = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let next = starts.get(i + 1).copied().unwrap_or(n).min(n);
        if !blank(start) && (start == 0 || blank(start - 1)) {
            begins.push(Some(start));
        } else if (start..next).all(blank) {
            begins.push(None);
        } else {
            let last = begins.iter().rposition(Option::is_some);
            let (column, from) = match last {
                Some(j) => (j, begins.get(j).copied().flatten().unwrap_or(0)),
                None => (i, start.min(n)),
            };
            begins.truncate(column);
            begins.extend(runs(from, n, &blank).into_iter().map(Some));
            break;
        }
    }
    begins.resize(starts.len(), None);
    let byte = |p: usize| at.get(p).copied().unwrap_or(row.len());
    (0..begins.len())
        .map(|i| {
            let Some(Some(b)) = begins.get(i) else {
                return "";
            };
            let end = begins
                .get(i + 1..)
                .and_then(|later| later.iter().flatten().next())
                .map_or(row.len(), |&e| byte(e));
            row.get(byte(*b)..end).unwrap_or_default().trim_end()
        })
        .collect()
}

/// Where the pieces of `from..n` separated by two blanks or more begin.
fn runs(from: usize, n: usize, blank: &impl Fn(usize) -> bool) -> Vec<usize> {
    let mut begins = Vec::new();
    let mut p = from;
    while p < n {
        while p < n && blank(p) {
            p += 1;
        }
        if p >= n {
            break;
        }
        begins.push(p);
        while p < n && !(blank(p) && blank(p + 1)) {
            p += 1;
        }
    }
    begins
}

impl Table {
    /// A warning about the layout, given when the header is read.
    pub(super) fn note(&self) -> Option<String> {
        let what = match self.kind {
            TableKind::Pods(PodColumns {
                namespace: None, ..
            }) => "pods",
            TableKind::Services(ServiceColumns {
                namespace: None, ..
            }) => "services",
            TableKind::Endpoints(EndpointColumns {
                namespace: None, ..
            }) => "endpoints",
            _ => return None,
        };
        Some(format!(
            "line {}: the {what} table has no NAMESPACE column (kubectl without -A); namespaces are left empty",
            self.line
        ))
    }

    /// Warnings due when the table ends.
    pub(super) fn finish(self, out: &mut Outcome<Inventory>) {
        if self.cut_short > 0 {
            out.warnings.push(format!(
                "line {}: kubectl cut the ENDPOINTS of {} short (`+ N more...`); -o json lists them all",
                self.line,
                plural(self.cut_short, "service")
            ));
        }
    }

    /// Reads one row into `out`, or records why it cannot be read.
    pub(super) fn row(&mut self, line: Line<'_>, out: &mut Outcome<Inventory>) {
        let Ok(text) = std::str::from_utf8(line.text) else {
            out.issues
                .skip(line.number, "a table row in UTF-8", line.text);
            return;
        };
        let cells = cells(text, &self.starts);
        let inv = &mut out.value;
        let made: Result<u64, String> = match &self.kind {
            TableKind::Pods(c) => rows::pod(c, &cells).map(|p| inv.pods.push(p)).map(|()| 1),
            TableKind::Nodes(c) => rows::node(c, &cells).map(|n| inv.nodes.push(n)).map(|()| 1),
            TableKind::Services(c) => rows::service(c, &cells)
                .map(|s| inv.services.push(s))
                .map(|()| 1),
            TableKind::Sandboxes(c) => crictl::sandbox(c, &cells)
                .map(|s| inv.sandboxes.push(s))
                .map(|()| 1),
            TableKind::Containers(c) => crictl::container(c, &cells)
                .map(|c| inv.containers.push(c))
                .map(|()| 1),
            TableKind::Endpoints(c) => rows::endpoints(c, &cells).map(|(list, cut)| {
                self.cut_short += u64::from(cut);
                let n = list.len() as u64;
                inv.endpoints.extend(list);
                n
            }),
        };
        match made {
            Ok(n) => out.records += n,
            Err(expected) => out.issues.skip(line.number, expected, line.text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::inventory::parse_inventory;

    fn read(text: &str) -> Outcome<Inventory> {
        parse_inventory(text.as_bytes())
    }

    const PODS_1_29: &str = "\
NAMESPACE     NAME                                             READY   STATUS      RESTARTS       AGE   IP                NODE                                  NOMINATED NODE   READINESS GATES
";

    const PODS_1_19: &str = "\
NAME                  READY   STATUS              RESTARTS   AGE   IP          NODE                                  NOMINATED NODE
";

    const NODES_AND_PODS: &str = "\
NAME                                       STATUS                     ROLES    AGE   VERSION               INTERNAL-IP   EXTERNAL-IP    OS-IMAGE                             KERNEL-VERSION   CONTAINER-RUNTIME
";

    const SERVICES: &str = "\
NAMESPACE     NAME         TYPE           CLUSTER-IP   EXTERNAL-IP      PORT(S)                      AGE   SELECTOR
";

    const ENDPOINTS: &str = "\
NAMESPACE     NAME         ENDPOINTS                                         AGE
";

    const CRICTL_PODS_OLD: &str = "\
POD ID              CREATED              STATE               NAME                    NAMESPACE           ATTEMPT
";

    const CRICTL_PODS_NEW: &str = "\
POD ID              CREATED             STATE               NAME                                             NAMESPACE           ATTEMPT             RUNTIME
";

    const CRICTL_PS_OLD: &str = "\
CONTAINER ID        IMAGE                                          CREATED             STATE               NAME                ATTEMPT             POD ID
";

    const CRICTL_PS_NEW: &str = "\
CONTAINER           IMAGE               CREATED             STATE               NAME                ATTEMPT             POD ID              POD
";

    fn names(columns: &[Column<'_>]) -> Vec<(usize, String)> {
        columns
            .iter()
            .map(|c| (c.start, c.name.to_owned()))
            .collect()
    }

    #[test]
    fn header_columns_split_at_two_blanks_or_more() {
        let got = names(&header_columns(
            "NODE                                  NOMINATED NODE   READINESS GATES",
        ));
        assert_eq!(
            got,
            [
                (0, "NODE".into()),
                (38, "NOMINATED NODE".into()),
                (55, "READINESS GATES".into())
            ]
        );
        let got = names(&header_columns("POD ID              CREATED   STATE "));
        assert_eq!(
            got,
            [
                (0, "POD ID".into()),
                (20, "CREATED".into()),
                (30, "STATE".into())
            ]
        );
        assert!(header_columns("").is_empty());
        assert_eq!(header_columns("   NAME").len(), 1);
    }

    #[test]
    fn column_names_are_upper_case_words() {
        for good in [
            "NAME",
            "PORT(S)",
            "KERNEL-VERSION",
            "NOMINATED NODE",
            "POD ID",
            "CPU/MEM",
        ] {
            assert!(is_column_name(good), "{good}");
        }
        for bad in [
            "",
            "Running",
            "2/2",
            "10.4.1.23",
            "<none>",
            "NAME  ",
            "CPU(cores)",
            "0",
        ] {
            assert!(!is_column_name(bad), "{bad}");
        }
    }

    fn kind_of(text: &str) -> Option<Result<TableKind, String>> {
        let line = Line {
            number: 1,
            text: text.as_bytes(),
        };
        header(line).map(|found| match found {
            Found::Known(t) => Ok(t.kind),
            Found::Unknown(columns) => Err(columns),
        })
    }

    #[test]
    fn headers_tell_the_table() {
        let first = |t: &str| t.lines().next().unwrap_or_default().to_owned();
        let is = |t: &str, want: &str| {
            let got = format!("{:?}", kind_of(&first(t)));
            assert!(got.starts_with(&format!("Some(Ok({want}")), "{got}");
        };
        is(PODS_1_29, "Pods");
        is(PODS_1_19, "Pods");
        is(NODES_AND_PODS, "Nodes");
        is(SERVICES, "Services");
        is(ENDPOINTS, "Endpoints");
        is(CRICTL_PODS_OLD, "Sandboxes");
        is(CRICTL_PODS_NEW, "Sandboxes");
        is(CRICTL_PS_OLD, "Containers");
        is(CRICTL_PS_NEW, "Containers");
        assert_eq!(
            kind_of("NAME   READY   UP-TO-DATE   AVAILABLE   AGE"),
            Some(Err("NAME, READY, UP-TO-DATE, AVAILABLE, AGE".into()))
        );
        for row in [
            "web-7c9f8b5d4-x8k2q   2/2     Running   0",
            "NAME",
            "LISTEN     0      4096   *:8080    *:*",
            "Proto Recv-Q Send-Q Local Address           Foreign Address         State",
            "NAME   CPU(cores)   MEMORY(bytes)",
        ] {
            assert_eq!(kind_of(row), None, "{row}");
        }
        let layout = kind_of(&first(PODS_1_19));
        let Some(Ok(TableKind::Pods(PodColumns {
            namespace,
            ip,
            node,
            ..
        }))) = layout
        else {
            panic!("{layout:?}");
        };
        assert_eq!((namespace, ip, node), (None, Some(5), Some(6)));
    }

    #[test]
    fn cells_follow_the_header_positions() {
        let starts = [0, 6, 12, 24];
        assert_eq!(
            cells("a     b c   5 (1h ago)  x", &starts),
            ["a", "b c", "5 (1h ago)", "x"]
        );
        // An empty cell in an aligned row, and a short row.
        assert_eq!(cells("a           d   ", &starts), ["a", "", "d", ""]);
        assert_eq!(cells("a", &starts), ["a", "", "", ""]);
        assert_eq!(cells("", &starts), ["", "", "", ""]);
        // A first cell wider than its column pushes the others right.
        assert_eq!(
            cells("a-long-first-cell   b   c d   e", &starts),
            ["a-long-first-cell", "b", "c d", "e"]
        );
        // Positions count characters, not bytes.
        assert_eq!(
            cells("é     ü     ç           ø", &starts),
            ["é", "ü", "ç", "ø"]
        );
    }

    #[test]
    fn a_long_cell_that_overflows_its_column() {
        let text = "\
NAME                  READY   STATUS    RESTARTS   AGE   IP          NODE
web-7c9f8b5d4-x8k2q   2/2     Running   0          3d    10.4.1.23   gke-prod-default-pool-7f3a9c21-x2lq
checkout-api-canary-7c9f8b5d4-x8k2q   1/1   Running   3 (5m ago)   3d   10.4.1.24   gke-prod-default-pool-7f3a9c21-x2lq
db-0                  1/1     Running
";
        let out = read(text);
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        let pods = &out.value.pods;
        assert_eq!(pods.len(), 3);
        assert_eq!(pods[1].name, "checkout-api-canary-7c9f8b5d4-x8k2q");
        assert_eq!(pods[1].ips, [std::net::IpAddr::from([10, 4, 1, 24])]);
        assert_eq!(
            pods[1].node.as_deref(),
            Some("gke-prod-default-pool-7f3a9c21-x2lq")
        );
        // A row cut short after STATUS still names the pod.
        assert!(pods[2].ips.is_empty() && pods[2].node.is_none());
    }
}
