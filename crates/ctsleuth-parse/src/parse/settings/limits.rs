//! What kube-proxy and the kernel say in their logs about the table: the
//! limit and hash size kube-proxy sets, the sysctls it writes, and the size
//! the kernel reports when the module loads (docs/facts.md, "The table
//! size").

use super::*;

/// One value a log line states, with its origin.
pub(super) type Statement<'a> = (Knob<'a>, u64, Origin);
/// What a log line states, or what was expected when it is malformed.
pub(super) type Statements<'a> = Result<Vec<Statement<'a>>, &'static str>;

/// Succeeds where a number ends: at the end or before a non-alphanumeric byte.
pub(super) fn word_end(i: &[u8]) -> Res<'_, ()> {
    match i.first() {
        Some(c) if c.is_ascii_alphanumeric() => {
            Err(nom::Err::Error(Error::new(i, ErrorKind::Verify)))
        }
        _ => Ok((i, ())),
    }
}

/// ` to 131072`: klog's printf-style messages.
pub(super) fn to_number(i: &[u8]) -> Res<'_, u64> {
    terminated(preceded(tag(" to "), decimal), word_end).parse(i)
}

/// A double quote, maybe escaped (a klog line inside a JSON log).
pub(super) fn quote(i: &[u8]) -> Res<'_, &[u8]> {
    alt((tag("\\\""), tag("\""))).parse(i)
}

/// What joins a field name to its value: `=` (klog) or `":` (JSON).
pub(super) fn field_sep(i: &[u8]) -> Res<'_, ()> {
    let (i, _) = (opt(quote), alt((tag("="), tag(":"))), space0, opt(quote)).parse(i)?;
    Ok((i, ()))
}

/// `=131072`, `":131072`: the number of a structured field.
pub(super) fn field_number(i: &[u8]) -> Res<'_, u64> {
    terminated(preceded(field_sep, decimal), word_end).parse(i)
}

/// `="net/netfilter/nf_conntrack_max"`: the key of kube-proxy's `entry` field.
pub(super) fn field_key(i: &[u8]) -> Res<'_, &[u8]> {
    let key_char = |c: u8| c.is_ascii_alphanumeric() || b"_./-".contains(&c);
    preceded(field_sep, take_while1(key_char)).parse(i)
}

/// ` 'net/netfilter/nf_conntrack_tcp_timeout_established'`: the key of the
/// old `Set sysctl '...' to N` message.
pub(super) fn quoted_key(i: &[u8]) -> Res<'_, &[u8]> {
    terminated(
        preceded(tag(" '"), take_while1(|c: u8| c != b'\'')),
        tag("'"),
    )
    .parse(i)
}

/// ` 0.5.0 (16384 buckets, 65536 max)`: what follows `nf_conntrack version`.
pub(super) fn table_size(i: &[u8]) -> Res<'_, (u64, u64)> {
    let (i, _) = (
        space0,
        take_while1(|c: u8| !c.is_ascii_whitespace()),
        space1,
        tag("("),
    )
        .parse(i)?;
    let (i, buckets) = terminated(decimal, (space1, tag("buckets,"), space1)).parse(i)?;
    let (i, max) = terminated(decimal, (space1, tag("max)"))).parse(i)?;
    Ok((i, (buckets, max)))
}

/// The first structured field among `names` in `text` that holds a number.
pub(super) fn named_number(text: &[u8], names: &[&[u8]]) -> Option<u64> {
    names.iter().find_map(|name| {
        memmem::find_iter(text, name).find_map(|at| {
            let after = text.get(at + name.len()..)?;
            field_number(after).ok().map(|(_, n)| n)
        })
    })
}

/// kube-proxy messages stating one value (docs/facts.md, "The table
/// size": kube-proxy sets max and hashsize = max / 4 and logs it): the
/// message, what it sets, and the names its structured field has had
/// (`nf_conntrack_max=` in 1.2x, `nfConntrackMax=` later).
pub(super) const KUBE_MESSAGES: [(&str, Knob<'static>, [&[u8]; 2]); 2] = [
    (
        "Setting nf_conntrack_max",
        Knob::Max,
        [b"nfConntrackMax", b"nf_conntrack_max"],
    ),
    (
        "Setting conntrack hashsize",
        Knob::Buckets,
        [b"conntrackHashsize", b"conntrack hashsize"],
    ),
];

/// kube-proxy's `<message> to N` or `"<message>" <field>=N`.
pub(super) fn kube_setting(
    rest: &[u8],
    knob: Knob<'static>,
    msg: &str,
    fields: &[&[u8]],
) -> Statements<'static> {
    if let Ok((_, n)) = to_number(rest) {
        return Ok(vec![(knob, n, Origin::KubeProxy(format!("{msg} to {n}")))]);
    }
    match named_number(rest, fields) {
        Some(n) => Ok(vec![(knob, n, Origin::KubeProxy(msg.to_string()))]),
        None => Err("a number after the kube-proxy message (` to N` or `field=N`)"),
    }
}

/// kube-proxy's `Set sysctl 'KEY' to N` or `"Set sysctl" entry="KEY" value=N`;
/// `None` when the key is not a conntrack setting.
pub(super) fn kube_sysctl(rest: &[u8]) -> Option<Statements<'_>> {
    let entry = || {
        memmem::find(rest, b"entry")
            .and_then(|at| rest.get(at + "entry".len()..))
            .and_then(|r| field_key(r).ok())
    };
    let Some((after, key)) = quoted_key(rest).ok().or_else(entry) else {
        return Some(Err(
            "`'key' to N` or `entry=key value=N` after \"Set sysctl\"",
        ));
    };
    let knob = knob(key);
    if matches!(knob, Knob::Other | Knob::Hostname) {
        return None;
    }
    let value = match to_number(after) {
        Ok((_, n)) => Some(n),
        Err(_) => named_number(after, &[b"value"]),
    };
    let origin = Origin::KubeProxy(format!("Set sysctl {}", String::from_utf8_lossy(key)));
    Some(
        value
            .map(|n| vec![(knob, n, origin)])
            .ok_or("a decimal value for the sysctl key"),
    )
}

/// What a log line says about the limits: `None` when it says nothing,
/// `Err` (what was expected) when a known message is malformed.
pub(super) fn log_facts(text: &[u8]) -> Option<Statements<'_>> {
    let after =
        |marker: &[u8]| memmem::find(text, marker).and_then(|at| text.get(at + marker.len()..));
    for (msg, knob, fields) in KUBE_MESSAGES {
        if let Some(rest) = after(msg.as_bytes()) {
            return Some(kube_setting(rest, knob, msg, &fields));
        }
    }
    if let Some(rest) = after(b"Set sysctl") {
        return kube_sysctl(rest);
    }
    // Logged when the module loads (docs/facts.md, "The table size").
    let at = memmem::find(text, b"_conntrack version ")?;
    let (before, from) = text.split_at(at);
    let origin = if before.ends_with(b"ip") {
        Origin::Kernel("ip_conntrack version".into())
    } else if before.ends_with(b"nf") {
        Origin::Kernel("nf_conntrack version".into())
    } else {
        return None;
    };
    let facts = table_size(from.get(b"_conntrack version".len()..).unwrap_or_default())
        .map(|(_, (buckets, max))| {
            vec![
                (Knob::Buckets, buckets, origin.clone()),
                (Knob::Max, max, origin),
            ]
        })
        .map_err(|_| "`VERSION (N buckets, M max)` after \"nf_conntrack version\"");
    Some(facts)
}

/// Scans any log for kube-proxy's and the kernel's statements of the table
/// size, hash size and timeouts. The last statement of each wins.
pub fn parse_log_limits(buf: &[u8]) -> Outcome<Settings> {
    let mut out = Outcome::<Settings>::default();
    // Every message of interest mentions conntrack: find those lines cheaply
    // before running any grammar.
    let candidate = memmem::Finder::new(b"onntrack");
    for line in lines(buf, 1) {
        if candidate.find(line.text).is_none() || is_noise(line.text) {
            continue;
        }
        log_limit_line(&mut out, line.number, line.text);
    }
    out
}

/// Reads one log line (already known to mention conntrack) for limit
/// statements, adding what it says to `out`. Lines that say nothing about
/// limits are left alone.
pub fn log_limit_line(out: &mut Outcome<Settings>, number: u64, text: &[u8]) {
    let Some(facts) = log_facts(text) else {
        return;
    };
    let stored = facts.and_then(|facts| {
        facts
            .into_iter()
            .try_for_each(|(knob, n, origin)| set_number(out, knob, n, origin, number, false))
    });
    match stored {
        Ok(()) => out.records += 1,
        Err(expected) => out.issues.skip(number, expected, text),
    }
}
