//! JSON from `kubectl get ... -o json`, framing and dispatch: a `List` of
//! items (also the API's `PodList`, `NodeList`, ... whose items carry no
//! `kind`), one object, a JSON array of objects, or several documents one
//! after the other. Each item goes to [`super::objects`] by its kind; items of
//! other kinds are counted by kind.

use std::collections::BTreeMap;

use std::fmt;

use memchr::memchr;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::objects::{self, Object};
use crate::model::inventory::Inventory;
use crate::parse::Outcome;
use crate::parse::text::{lines, trim};

/// Where line reading goes on after a run of JSON documents.
pub(super) struct Resume {
    /// Byte offset in the whole buffer.
    pub offset: usize,
    /// Number of the line `offset` is on.
    pub line: u64,
    /// The run ended in a document that did not parse.
    pub broken: bool,
}

/// A line that opens a JSON document: `{...`, a lone `[`, or `[{`/`[]`
/// (not a `[12345.678]` log stamp, nor a `[root@host ~]#` prompt).
pub(super) fn starts_document(text: &[u8]) -> bool {
    match text {
        [b'{', ..] | [b'['] => true,
        [b'[', rest @ ..] => matches!(trim(rest).first(), Some(b'{' | b']')),
        _ => false,
    }
}

/// Counts lines over a buffer read front to back.
struct LineCounter<'a> {
    input: &'a [u8],
    offset: usize,
    line: u64,
}

impl LineCounter<'_> {
    /// The line number of byte `offset` (offsets must not go backwards).
    fn at(&mut self, offset: usize) -> u64 {
        let offset = offset.min(self.input.len());
        if let Some(part) = self.input.get(self.offset..offset) {
            self.line += memchr::memchr_iter(b'\n', part).count() as u64;
            self.offset = offset;
        }
        self.line
    }
}

/// Number of JSON blanks at the start of `s`.
fn blanks(s: &[u8]) -> usize {
    s.iter()
        .take_while(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        .count()
}

/// The first line of `s`, trimmed.
fn first_line(s: &[u8]) -> &[u8] {
    trim(memchr(b'\n', s).and_then(|end| s.get(..end)).unwrap_or(s))
}

/// Reads the JSON documents that start at byte `at` (on line `line`) and
/// follow one another, into `out`. Stops at the end of the buffer, at text
/// that is not JSON (a table after the documents), or at a document that
/// does not parse: that one is recorded as one bad line, where the parser
/// failed.
pub(super) fn documents(
    buf: &[u8],
    at: usize,
    line: u64,
    out: &mut Outcome<Inventory>,
    kinds: &mut BTreeMap<String, u64>,
) -> Resume {
    let input = buf.get(at..).unwrap_or_default();
    let mut stream = serde_json::Deserializer::from_slice(input).into_iter::<Document>();
    let mut counter = LineCounter {
        input,
        offset: 0,
        line,
    };
    loop {
        let end = stream.byte_offset();
        let start = end + blanks(input.get(end..).unwrap_or_default());
        let rest = input.get(start..).unwrap_or_default();
        match stream.next() {
            None => {
                return Resume {
                    offset: buf.len(),
                    line: counter.at(input.len()),
                    broken: false,
                };
            }
            Some(Ok(doc)) => {
                let doc_line = counter.at(start);
                document(doc, doc_line, out, kinds);
            }
            Some(Err(e)) => {
                let doc_line = counter.at(start);
                if !starts_document(first_line(rest)) {
                    // Not JSON: the documents ended and something else follows.
                    return Resume {
                        offset: at + start,
                        line: doc_line,
                        broken: false,
                    };
                }
                bad_document(input, line, doc_line, &e, out);
                let next = memchr(b'\n', rest).map_or(input.len(), |i| start + i + 1);
                return Resume {
                    offset: at + next,
                    line: doc_line + 1,
                    broken: true,
                };
            }
        }
    }
}

/// Records a document that failed to parse, on the line where it failed.
fn bad_document(
    input: &[u8],
    first: u64,
    doc_line: u64,
    e: &serde_json::Error,
    out: &mut Outcome<Inventory>,
) {
    let relative = u64::try_from(e.line()).unwrap_or(0);
    let err_line = if relative == 0 {
        doc_line
    } else {
        first + relative - 1
    };
    let text = lines(input, first)
        .find(|l| l.number == err_line)
        .map_or(&b""[..], |l| l.text);
    let what = e.to_string();
    let what = what.split(" at line ").next().unwrap_or_default();
    out.issues
        .skip(err_line, format!("a JSON document ({what})"), text);
}

/// One JSON document: an object (maybe a List) or an array of objects.
enum Document {
    One(Box<Object>),
    Many(Vec<Object>),
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Shape;
        impl<'de> Visitor<'de> for Shape {
            type Value = Document;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Kubernetes object, a List or an array of objects")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Document, A::Error> {
                Object::deserialize(MapAccessDeserializer::new(map))
                    .map(|o| Document::One(Box::new(o)))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Document, A::Error> {
                Vec::<Object>::deserialize(SeqAccessDeserializer::new(seq)).map(Document::Many)
            }
        }
        d.deserialize_any(Shape)
    }
}

/// One document: the items of a List or array, or one object.
fn document(
    doc: Document,
    line: u64,
    out: &mut Outcome<Inventory>,
    kinds: &mut BTreeMap<String, u64>,
) {
    match doc {
        Document::Many(items) => {
            for it in items {
                item(it, None, line, out, kinds);
            }
        }
        Document::One(mut o) => {
            let list_of = o.kind.as_deref().and_then(|k| k.strip_suffix("List"));
            match list_of.map(str::to_owned) {
                Some(of) => {
                    let hint = (!of.is_empty()).then_some(of.as_str());
                    for it in o.items.take().unwrap_or_default() {
                        item(it, hint, line, out, kinds);
                    }
                }
                None => item(*o, None, line, out, kinds),
            }
        }
    }
}

/// One object, read by its `kind` (or the kind its List says).
fn item(
    o: Object,
    hint: Option<&str>,
    line: u64,
    out: &mut Outcome<Inventory>,
    kinds: &mut BTreeMap<String, u64>,
) {
    let kind = o
        .kind
        .clone()
        .or_else(|| hint.map(str::to_owned))
        .unwrap_or_default();
    let name = o.name().to_owned();
    match objects::read(o, &kind, &mut out.value) {
        None => *kinds.entry(kind).or_default() += 1,
        Some(Ok(n)) => out.records += n,
        Some(Err(why)) => {
            let expected = format!("a readable {kind} ({})", why.expected);
            let shown = match why.found {
                Some(found) => format!("{kind} {name}: {found:?}"),
                None => format!("{kind} {name}"),
            };
            out.issues.skip(line, expected, shown.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Outcome<Inventory> {
        super::super::parse_inventory(json.as_bytes())
    }

    #[test]
    fn document_starts_are_told_from_log_stamps_and_prompts() {
        for yes in [
            &b"{"[..],
            b"{\"kind\":\"List\"}",
            b"[",
            b"[{\"a\":1}]",
            b"[ {",
            b"[]",
        ] {
            assert!(starts_document(yes), "{:?}", String::from_utf8_lossy(yes));
        }
        for no in [
            &b"[12345.678901] nf_conntrack: table full"[..],
            b"[root@node1 ~]# kubectl get pods -o json",
            b"NAME   READY",
            b"",
        ] {
            assert!(!starts_document(no), "{:?}", String::from_utf8_lossy(no));
        }
    }

    #[test]
    fn api_lists_give_their_items_a_kind() {
        let out = read(
            r#"{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"name":"a","namespace":"x"},"status":{"podIP":"10.4.3.3"}}]}"#,
        );
        assert_eq!(out.value.pods.len(), 1);
        let out = read(
            r#"[{"kind":"Pod","metadata":{"name":"a"}},{"kind":"ConfigMap","metadata":{"name":"c"}}]"#,
        );
        assert_eq!(out.value.pods[0].namespace, "default");
        assert_eq!(out.warnings, ["1 item of kind ConfigMap ignored"]);
    }

    #[test]
    fn two_documents_one_after_the_other() {
        let first = r#"{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"web-7c9f8b5d4-x8k2q","namespace":"shop"},"status":{"podIP":"10.4.1.23","phase":"Running"}}]}"#;
        let second = "{\n  \"kind\": \"List\",\n  \"items\": [\n    {\"kind\": \"Pod\", \"metadata\": {\"name\": \"web-7c9f8b5d4-zt6mn\", \"namespace\": \"shop\"}, \"status\": {\"podIP\": \"10.4.2.11\"}}\n  ]\n}\n";
        let out = read(&format!("{first}\n{second}"));
        assert_eq!(out.records, 2);
        assert_eq!(out.issues.skipped, 0);
        let names: Vec<&str> = out.value.pods.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["web-7c9f8b5d4-x8k2q", "web-7c9f8b5d4-zt6mn"]);
        // Run twice over an unchanged cluster: the same pod once.
        let out = read(&format!("{first}{first}"));
        assert_eq!((out.records, out.value.pods.len()), (2, 1));
        assert_eq!(
            out.warnings,
            ["records listed more than once were merged (pods 1)"]
        );
    }

    #[test]
    fn unknown_kinds_are_counted_not_errors() {
        let out = read(
            r#"{"kind":"List","items":[{"kind":"ConfigMap","metadata":{"name":"a"}},{"kind":"ConfigMap","metadata":{"name":"b"}},
            {"kind":"ConfigMap","metadata":{"name":"c"}},{"kind":"Deployment","metadata":{"name":"web"}}]}"#,
        );
        assert_eq!(out.issues.skipped, 0);
        assert_eq!(
            out.warnings,
            [
                "3 items of kind ConfigMap ignored",
                "1 item of kind Deployment ignored"
            ]
        );
    }

    #[test]
    fn mixed_list_from_get_pods_and_services() {
        let out = read(
            r#"{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"web-7c9f8b5d4-x8k2q","namespace":"shop"}},
            {"kind":"Service","metadata":{"name":"web","namespace":"shop"},"spec":{"clusterIP":"10.8.3.17"}}]}"#,
        );
        assert_eq!((out.value.pods.len(), out.value.services.len()), (1, 1));
    }

    #[test]
    fn truncated_json_is_one_issue_on_the_line_where_it_failed() {
        let whole = "{\n  \"kind\": \"List\",\n  \"items\": [\n    {\"kind\": \"Pod\", \"metadata\": {\"name\": \"web-7c9f8b5d4-x8k2q\"}},\n    {\"kind\": \"Pod\", \"metadata\": {\"name\": \"db-0\"}}\n  ]\n}\n";
        for cut in [whole.len() / 2, whole.len() - 3, 1] {
            let part = &whole[..cut];
            let out = read(part);
            assert_eq!(out.issues.skipped, 1, "{part}");
            let bad = &out.issues.first[0];
            assert_eq!(bad.line, part.lines().count().max(1) as u64, "{part}");
            assert!(
                bad.expected.starts_with("a JSON document (EOF"),
                "{}",
                bad.expected
            );
            assert!(out.value.pods.is_empty());
        }
    }

    #[test]
    fn after_a_broken_document_the_next_one_is_read() {
        let text = "{\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"a\" \"namespace\": \"x\"}\n}\n{\"kind\":\"Pod\",\"metadata\":{\"name\":\"b\",\"namespace\":\"x\"}}\n";
        let out = read(text);
        assert_eq!(out.issues.skipped, 1);
        assert_eq!(out.issues.first[0].line, 3);
        let names: Vec<&str> = out.value.pods.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["b"]);
    }

    #[test]
    fn json_then_a_table_in_one_file() {
        let text = "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\",\"namespace\":\"x\"}}\n\nNAME                                  STATUS   ROLES    AGE   VERSION\ngke-prod-default-pool-7f3a9c21-x2lq   Ready    <none>   12d   v1.29.4-gke.1043002\n";
        let out = read(text);
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        assert_eq!((out.value.pods.len(), out.value.nodes.len()), (1, 1));
    }

    #[test]
    fn json_that_is_not_an_object() {
        let out = read("[\n  1,\n  2\n]\n");
        assert_eq!(out.issues.skipped, 1);
        let bad = &out.issues.first[0];
        assert_eq!(bad.line, 2);
        assert!(
            bad.expected
                .starts_with("a JSON document (invalid type: integer `1`"),
            "{}",
            bad.expected
        );
        // On one line, `[1, 2]` does not even look like a document.
        let out = read("[1, 2]\n");
        assert_eq!(out.issues.skipped, 1);
        assert!(out.issues.first[0].expected.starts_with("a table header"));
        let out = read("{\"kind\": \"List\", \"items\": 7}\n");
        assert_eq!(out.issues.skipped, 1);
        assert!(
            out.issues.first[0].expected.contains("expected a sequence"),
            "{:?}",
            out.issues
        );
        // A List without items, and one with `null` items, hold nothing.
        let out = read("{\"kind\": \"List\"}\n{\"kind\": \"List\", \"items\": null}\n");
        assert_eq!((out.issues.skipped, out.records), (0, 0));
    }
}
