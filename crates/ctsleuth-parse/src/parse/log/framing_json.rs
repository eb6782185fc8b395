//! JSON framings of the log framing stage: `journalctl -o json` objects and
//! Cloud Logging entries, one per line or as one exported array. Gives the
//! same [`Framed`] lines as the text framings, owning their text.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use nom::{Parser, combinator::eof, sequence::terminated};
use serde_json::Value;

use super::{Framed, Framing, Stamp, clean, dmesg_line, outer_trim, rfc3339};

/// Entries of a Cloud Logging export that is one JSON array (`gcloud logging read
/// --format=json`). Elements without a usable message are skipped and counted.
pub fn cloud_logging_array(doc: &[u8]) -> Result<(Vec<Framed<'static>>, usize), String> {
    let value: Value =
        serde_json::from_slice(outer_trim(doc)).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Array(items) = value else {
        return Err("not a JSON array".to_owned());
    };
    let mut framed = Vec::with_capacity(items.len());
    let mut skipped = 0;
    for item in &items {
        match cloud_entry(item) {
            Some(f) => framed.push(f),
            None => skipped += 1,
        }
    }
    Ok((framed, skipped))
}

/// A journal export object or a Cloud Logging entry, one per line.
pub(super) fn json_line(text: &[u8]) -> Option<Framed<'static>> {
    let value: Value = serde_json::from_slice(text).ok()?;
    let entry = value.as_object()?;
    if entry.contains_key("MESSAGE") || entry.contains_key("__REALTIME_TIMESTAMP") {
        journal_entry(&value)
    } else {
        cloud_entry(&value)
    }
}

/// `journalctl -o json`.
fn journal_entry(v: &Value) -> Option<Framed<'static>> {
    Some(Framed {
        stamp: v
            .get("__REALTIME_TIMESTAMP")
            .and_then(micros)
            .and_then(DateTime::<Utc>::from_timestamp_micros)
            .map(Stamp::Wall),
        monotonic: journal_monotonic(v),
        host: owned_str(v.get("_HOSTNAME")),
        source: [v.get("SYSLOG_IDENTIFIER"), v.get("_COMM")]
            .into_iter()
            .find_map(owned_str),
        message: Cow::Owned(payload(v.get("MESSAGE")?)?),
        framing: Framing::JournalJson,
    })
}

/// One Cloud Logging LogEntry.
fn cloud_entry(v: &Value) -> Option<Framed<'static>> {
    let json = v.get("jsonPayload");
    let field = |name: &str| json.and_then(|j| j.get(name));
    let text = v.get("textPayload").or_else(|| field("MESSAGE"));
    let message = payload(text.or_else(|| field("message"))?)?;
    // A serial console or kernel line keeps its own boot stamp in the payload.
    let inner = dmesg_line(&message).ok().map(|(_, f)| f.into_owned());
    let (secs, inner_host, inner_source, message) = match inner {
        Some(Framed {
            stamp: Some(Stamp::Monotonic(secs)),
            host,
            source,
            message,
            ..
        }) => (Some(secs), host, source, message),
        _ => (None, None, None, Cow::Owned(message)),
    };
    let node = v
        .get("resource")
        .and_then(|r| r.get("labels")?.get("node_name"));
    let labels = v.get("labels");
    let instance = labels.and_then(|l| l.get("compute.googleapis.com/resource_name"));
    let host = [node, instance, field("_HOSTNAME")]
        .into_iter()
        .find_map(owned_str);
    // `projects/p/logs/kernel`, `.../logs/cloudaudit.googleapis.com%2Factivity`.
    let log_name = v.get("logName").and_then(Value::as_str).and_then(|n| {
        let last = n.rsplit('/').next()?.rsplit("%2F").next()?;
        (!last.is_empty()).then(|| Cow::Owned(last.to_owned()))
    });
    let stamp = v.get("timestamp").and_then(Value::as_str);
    let stamp = stamp.and_then(|t| terminated(rfc3339, eof).parse(t.as_bytes()).ok());
    Some(Framed {
        stamp: stamp.map(|(_, stamp)| stamp),
        monotonic: json.and_then(journal_monotonic).or(secs),
        host: host.or(inner_host),
        source: owned_str(field("SYSLOG_IDENTIFIER"))
            .or(inner_source)
            .or(log_name),
        message,
        framing: Framing::CloudLogging,
    })
}

/// A journal timestamp in microseconds, written as a string or a number.
fn micros(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

/// The kernel's own stamp, else the journal's, in seconds since boot.
fn journal_monotonic(v: &Value) -> Option<f64> {
    ["_SOURCE_MONOTONIC_TIMESTAMP", "__MONOTONIC_TIMESTAMP"]
        .iter()
        .find_map(|k| v.get(k).and_then(micros))
        .filter(|m| *m >= 0)
        .map(|m| m as f64 / 1e6)
}

fn owned_str(v: Option<&Value>) -> Option<Cow<'static, str>> {
    let s = v?.as_str()?;
    (!s.is_empty()).then(|| Cow::Owned(s.to_owned()))
}

/// A message field: a string, an array of byte values (the journal's form for
/// text that is not UTF-8), or an array of those (a repeated field: the first
/// one). Cleaned like a line; None when nothing is left.
fn payload(v: &Value) -> Option<Vec<u8>> {
    let bytes = match v {
        Value::Array(items) if items.first().is_some_and(|i| !i.is_number()) => {
            byte_values(items.first()?)?
        }
        _ => byte_values(v)?,
    };
    let cleaned = clean(&bytes).into_owned();
    (!cleaned.is_empty()).then_some(cleaned)
}

fn byte_values(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Array(items) => items
            .iter()
            .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
            .collect(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check, summary};
    use super::*;

    #[test]
    fn journal_json_lines() {
        check(
            r#"{"__REALTIME_TIMESTAMP":"1551066303778502","__MONOTONIC_TIMESTAMP":"9996929999","_SOURCE_MONOTONIC_TIMESTAMP":"9996929533","_HOSTNAME":"gke-prod-default-pool-7f3a9c21-x2lq","SYSLOG_IDENTIFIER":"kernel","MESSAGE":"nf_conntrack: nf_conntrack: table full, dropping packet"}
            => JournalJson 2019-02-25T03:45:03.778502Z 9996.929533 gke-prod-default-pool-7f3a9c21-x2lq kernel: nf_conntrack: nf_conntrack: table full, dropping packet
            {"MESSAGE":["first","second"],"__REALTIME_TIMESTAMP":1551066303000000}
            => JournalJson 2019-02-25T03:45:03Z - - -: first
            {"MESSAGE":"\u001b[31mred\u001b[0m\r\n"}
            => JournalJson - - - -: red"#,
        );
        // "net_ratelimit: \xff 5", not UTF-8: the journal writes it as bytes.
        let line = br#"{"_COMM":"kworker","__MONOTONIC_TIMESTAMP":"1500000","MESSAGE":[110,101,116,95,114,97,116,101,108,105,109,105,116,58,32,255,32,53]}"#;
        let f = super::super::frame_line(line);
        let want = "JournalJson - 1.5 - kworker: net_ratelimit: \u{fffd} 5";
        assert_eq!(summary(&f), want);
        assert_eq!(&f.message[..], b"net_ratelimit: \xff 5");
    }

    #[test]
    fn json_that_frames_nothing_is_bare() {
        check(
            r#"{"MESSAGE": "unterminated
            => Bare - - - -: {"MESSAGE": "unterminated
            {"MESSAGE":null}
            => Bare - - - -: {"MESSAGE":null}
            {"MESSAGE":[300,1]}
            => Bare - - - -: {"MESSAGE":[300,1]}
            {"MESSAGE":""}
            => Bare - - - -: {"MESSAGE":""}
            {"level":"info","msg":"x"}
            => Bare - - - -: {"level":"info","msg":"x"}
            {
            => Bare - - - -: {"#,
        );
        let deep = r#"{"MESSAGE":"#.repeat(10_000);
        assert_eq!(
            super::super::frame_line(deep.as_bytes()).framing,
            Framing::Bare
        );
    }

    #[test]
    fn cloud_logging_lines() {
        check(
            r#"{"insertId":"abc","logName":"projects/p/logs/kernel","resource":{"type":"k8s_node","labels":{"node_name":"gke-prod-default-pool-7f3a9c21-x2lq","project_id":"p"}},"textPayload":"nf_conntrack: nf_conntrack: table full, dropping packet","timestamp":"2024-11-20T22:30:22.123456789Z"}
            => CloudLogging 2024-11-20T22:30:22.123456789Z - gke-prod-default-pool-7f3a9c21-x2lq kernel: nf_conntrack: nf_conntrack: table full, dropping packet
            {"jsonPayload":{"MESSAGE":"net_ratelimit: 2041 callbacks suppressed","SYSLOG_IDENTIFIER":"kernel","_SOURCE_MONOTONIC_TIMESTAMP":"812000000"},"labels":{"compute.googleapis.com/resource_name":"gke-prod-default-pool-7f3a9c21-x2lq"},"timestamp":"2024-11-20T22:30:22Z"}
            => CloudLogging 2024-11-20T22:30:22Z 812 gke-prod-default-pool-7f3a9c21-x2lq kernel: net_ratelimit: 2041 callbacks suppressed
            {"jsonPayload":{"message":"hi","_HOSTNAME":"n1"},"logName":"projects/p/logs/cloudaudit.googleapis.com%2Factivity"}
            => CloudLogging - - n1 activity: hi
            {"textPayload":"[  812.5] nf_conntrack: table full, dropping packet\r\n","timestamp":"2024-11-20T22:30:22Z"}
            => CloudLogging 2024-11-20T22:30:22Z 812.5 - -: nf_conntrack: table full, dropping packet
            {"textPayload":"x","timestamp":"yesterday"}
            => CloudLogging - - - -: x"#,
        );
    }

    #[test]
    fn cloud_logging_pretty_array() {
        let doc = br#"
[
  {
    "insertId": "1",
    "resource": { "type": "k8s_node", "labels": { "node_name": "gke-prod-default-pool-7f3a9c21-x2lq" } },
    "textPayload": "nf_conntrack: nf_conntrack: table full, dropping packet",
    "timestamp": "2024-11-20T22:30:22.5Z"
  },
  {
    "insertId": "2",
    "jsonPayload": { "MESSAGE": "net_ratelimit: 2041 callbacks suppressed", "_HOSTNAME": "gke-prod-default-pool-7f3a9c21-x2lq" },
    "timestamp": "2024-11-20T22:30:23Z"
  },
  {
    "insertId": "3",
    "protoPayload": { "methodName": "io.k8s.core.v1.nodes.update" },
    "timestamp": "2024-11-20T22:30:24Z"
  }
]
"#;
        let (entries, skipped) = cloud_logging_array(doc).unwrap();
        let got: Vec<String> = entries.iter().map(summary).collect();
        let node = "gke-prod-default-pool-7f3a9c21-x2lq";
        let want = [
            format!(
                "CloudLogging 2024-11-20T22:30:22.500Z - {node} -: {}",
                "nf_conntrack: nf_conntrack: table full, dropping packet"
            ),
            format!(
                "CloudLogging 2024-11-20T22:30:23Z - {node} -: {}",
                "net_ratelimit: 2041 callbacks suppressed"
            ),
        ];
        assert_eq!((got, skipped), (want.to_vec(), 1));
    }

    #[test]
    fn cloud_logging_array_rejects_what_is_not_an_array() {
        assert_eq!(cloud_logging_array(b"\xef\xbb\xbf[]\n"), Ok((vec![], 0)));
        let not_array = cloud_logging_array(b"{\"a\":1}");
        assert_eq!(not_array, Err("not a JSON array".to_owned()));
        assert!(
            cloud_logging_array(b"[{")
                .unwrap_err()
                .starts_with("not JSON")
        );
        assert!(
            cloud_logging_array(b"\xff")
                .unwrap_err()
                .starts_with("not JSON")
        );
        let deep = "[".repeat(100_000);
        assert!(cloud_logging_array(deep.as_bytes()).is_err());
        let skipped = cloud_logging_array(b"[1, \"x\", null, {}]").map(|r| r.1);
        assert_eq!(skipped, Ok(4));
    }
}
