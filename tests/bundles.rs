//! Support bundles end to end: archives of every compression, collector
//! layouts (sos, EKS, Rancher, cluster-info dump, sos collect), the same
//! evidence as an archive, as an extracted folder and in the documented
//! layout, and hostile archives.

// Tests, benchmarks and sample generators may panic on their own fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap
)]

mod common;
use common::ctsleuth;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

const HOST: &str = "ip-10-0-1-23.eu-west-1.compute.internal";
const WHEN: &str = "2024-11-26T09:06:02Z";

fn entries(n: usize, extended: bool) -> String {
    let mut s = String::new();
    for i in 0..n {
        let port = 40000 + i;
        if extended {
            s.push_str("ipv4     2 ");
        }
        s.push_str(&format!(
            "tcp      6 {} TIME_WAIT src=10.0.1.{} dst=172.20.14.3 sport={port} dport=443 src=10.0.2.88 dst=10.0.1.{} sport=443 dport={port} [ASSURED] mark=0 zone=0 use=2\n",
            60 + i % 60,
            17 + i % 3,
            17 + i % 3
        ));
    }
    s
}

const STATS: &str = "cpu=0   \tfound=1187 invalid=52 insert=0 insert_failed=2 drop=187 early_drop=91 error=3 search_restart=44 clash_resolve=8 chaintoolong=0 \ncpu=1   \tfound=1044 invalid=49 insert=0 insert_failed=1 drop=179 early_drop=88 error=2 search_restart=43 clash_resolve=8 chaintoolong=0 \n";

const SYSCTL: &str = "kernel.hostname = ip-10-0-1-23.eu-west-1.compute.internal\nnet.netfilter.nf_conntrack_buckets = 16384\nnet.netfilter.nf_conntrack_count = 120\nnet.netfilter.nf_conntrack_max = 1000\nnet.netfilter.nf_conntrack_tcp_timeout_time_wait = 120\nnet.nf_conntrack_max = 1000\n";

const MESSAGES: &str = "Nov 26 09:01:12 ip-10-0-1-23 kernel: nf_conntrack: nf_conntrack: table full, dropping packet\nNov 26 09:01:12 ip-10-0-1-23 kernel: nf_conntrack: nf_conntrack: table full, dropping packet\nNov 26 09:01:17 ip-10-0-1-23 kernel: net_ratelimit: 312 callbacks suppressed\nNov 26 09:01:17 ip-10-0-1-23 kernel: nf_conntrack: nf_conntrack: table full, dropping packet\n";

/// The files of a small sos report, below its top folder.
fn sos_files(listing: bool) -> Vec<(String, Vec<u8>)> {
    let mut f: Vec<(String, Vec<u8>)> = vec![
        ("sos_commands/conntrack/conntrack_-S".into(), STATS.into()),
        (
            "sos_commands/conntrack/ip_netns_exec_cni-5f1c2a9e_conntrack_-L_-o_extended".into(),
            entries(7, true).into(),
        ),
        ("sos_commands/kernel/sysctl_-a".into(), SYSCTL.into()),
        ("var/log/messages".into(), MESSAGES.into()),
        (
            "sos_commands/host/hostname".into(),
            format!("{HOST}\n").into(),
        ),
        (
            "sos_commands/date/date_--utc".into(),
            b"Tue Nov 26 09:06:02 UTC 2024\n".to_vec(),
        ),
        (
            "proc/stat".into(),
            b"cpu  1 2 3 4\nbtime 1732330800\nprocesses 100\n".to_vec(),
        ),
        (
            "etc/sysctl.conf".into(),
            b"net.netfilter.nf_conntrack_max = 5\n".to_vec(),
        ),
        (
            "sos_commands/kernel/lsmod".into(),
            b"Module Size Used by\nnf_conntrack 1 0\n".to_vec(),
        ),
    ];
    if listing {
        f.push((
            "sos_commands/conntrack/conntrack_-L_-o_extended".into(),
            entries(120, true).into(),
        ));
        // sos copies /proc/net/nf_conntrack too: the same table.
        f.push(("proc/net/nf_conntrack".into(), entries(118, true).into()));
    }
    f
}

fn tar_bytes(top: &str, files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_732_611_962);
        let name = if top.is_empty() {
            path.clone()
        } else {
            format!("{top}/{path}")
        };
        b.append_data(&mut h, name, data.as_slice()).unwrap();
    }
    b.into_inner().unwrap()
}

fn xz(data: &[u8]) -> Vec<u8> {
    let mut e = liblzma::write::XzEncoder::new(Vec::new(), 3);
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn analyze(args: &[&str], out: &Path) -> (Value, String) {
    let o = ctsleuth()
        .arg("analyze")
        .args(args)
        .arg("-o")
        .arg(out)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let text = std::fs::read_to_string(out.join("summary.json"))
        .unwrap_or_else(|e| panic!("no summary.json ({e}); stdout: {stdout}\nstderr: {stderr}"));
    (serde_json::from_str(&text).unwrap(), stdout + &stderr)
}

fn nodes(v: &Value) -> Vec<(String, u64, Option<u64>)> {
    let mut n: Vec<(String, u64, Option<u64>)> = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["node"].as_str().unwrap_or("-").to_string(),
                n["snapshots"].as_u64().unwrap(),
                n["peak_entries"].as_u64(),
            )
        })
        .collect();
    n.sort();
    n
}

fn snapshots(v: &Value) -> Vec<(String, String, u64)> {
    let mut s: Vec<(String, String, u64)> = v["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["node"].as_str().unwrap_or("-").to_string(),
                s["captured_at"].as_str().unwrap_or("-").to_string(),
                s["entries"].as_u64().unwrap(),
            )
        })
        .collect();
    s.sort();
    s
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, data).unwrap();
    p
}

const SOS_TOP: &str = "sosreport-ip-10-0-1-23-04512377-2024-11-26-xkqpwmd";

#[test]
fn a_sos_report_tar_xz_gives_one_node_its_time_and_its_netns_table() {
    let dir = tempfile::tempdir().unwrap();
    let archive = write(
        dir.path(),
        &format!("{SOS_TOP}.tar.xz"),
        &xz(&tar_bytes(SOS_TOP, &sos_files(true))),
    );
    let (v, _) = analyze(&[archive.to_str().unwrap()], &dir.path().join("out"));
    let netns = format!("{HOST}/netns:cni-5f1c2a9e");
    assert_eq!(
        nodes(&v),
        vec![
            (HOST.to_string(), 1, Some(120)),
            (netns.clone(), 1, Some(7)),
        ]
    );
    assert_eq!(
        snapshots(&v),
        vec![
            (HOST.to_string(), WHEN.to_string(), 120),
            (netns, WHEN.to_string(), 7),
        ]
    );
    // Limit from the sysctl capture, not from etc/sysctl.conf.
    assert_eq!(v["nodes"][0]["limit"], 1000);
    let b = &v["bundles"][0];
    assert_eq!(b["kind"], "sos_report");
    assert_eq!(b["node"], HOST);
    assert_eq!(b["captured_at"], WHEN);
    assert_eq!(b["time_from"], "sos_commands/date/date_--utc");
    assert_eq!(b["missing"].as_array().unwrap().len(), 0);
    let warnings = b["warnings"].to_string();
    assert!(warnings.contains("proc/net/nf_conntrack"), "{warnings}");
    // Drops counted with the year of the bundle.
    assert_eq!(v["drops"]["total_logged"], 3);
    assert!(
        v["bursts"][0]["start"]
            .as_str()
            .unwrap()
            .starts_with("2024-11-26T09:01")
    );
    // Every input says where it sits.
    let listing = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["bundle"]["member"] == "sos_commands/conntrack/conntrack_-L_-o_extended")
        .unwrap();
    assert_eq!(listing["bundle"]["kind"], "sos_report");
    assert!(listing["path"].as_str().unwrap().contains(".tar.xz!"));
}

#[test]
fn the_same_evidence_as_archive_folder_and_documented_layout_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let files = sos_files(true);
    let archive = write(
        dir.path(),
        &format!("{SOS_TOP}.tar.xz"),
        &xz(&tar_bytes(SOS_TOP, &files)),
    );
    let folder = dir.path().join("extracted").join(SOS_TOP);
    for (p, d) in &files {
        write(&folder, p, d);
    }
    let layout = dir.path().join("layout").join(HOST);
    write(
        &layout,
        "conntrack-L-2024-11-26T09:06:02Z.txt",
        files
            .iter()
            .find(|(p, _)| p.ends_with("conntrack_-L_-o_extended") && !p.contains("netns"))
            .unwrap()
            .1
            .as_slice(),
    );
    write(
        &layout,
        "conntrack-S-2024-11-26T09:06:02Z.txt",
        STATS.as_bytes(),
    );
    write(
        &layout,
        "sysctl-2024-11-26T09:06:02Z.txt",
        SYSCTL.as_bytes(),
    );
    write(&layout, "messages", MESSAGES.as_bytes());
    let (a, _) = analyze(&[archive.to_str().unwrap()], &dir.path().join("o1"));
    let (f, _) = analyze(&[folder.to_str().unwrap()], &dir.path().join("o2"));
    let (l, _) = analyze(
        &[dir.path().join("layout").to_str().unwrap()],
        &dir.path().join("o3"),
    );
    assert_eq!(snapshots(&a), snapshots(&f));
    assert_eq!(nodes(&a), nodes(&f));
    assert_eq!(a["bundles"][0]["kind"], f["bundles"][0]["kind"]);
    // The documented layout has no netns table; the host table agrees.
    let host = |v: &Value| {
        snapshots(v)
            .into_iter()
            .filter(|s| !s.0.contains("netns"))
            .collect::<Vec<_>>()
    };
    assert_eq!(host(&a), host(&l));
    for key in ["total_logged", "lower_bound", "upper_bound"] {
        assert_eq!(a["drops"][key], l["drops"][key], "{key}");
        assert_eq!(a["drops"][key], f["drops"][key], "{key}");
    }
    assert_eq!(a["bursts"][0]["start"], l["bursts"][0]["start"]);
}

#[test]
fn a_sos_report_without_a_listing_says_what_to_ask_for() {
    let dir = tempfile::tempdir().unwrap();
    let archive = write(
        dir.path(),
        &format!("{SOS_TOP}.tar.gz"),
        &gz(&tar_bytes(SOS_TOP, &sos_files(false))),
    );
    let (v, out) = analyze(&[archive.to_str().unwrap()], &dir.path().join("out"));
    let b = &v["bundles"][0];
    assert!(b["missing"].to_string().contains("conntrack listing"));
    assert!(
        b["advice"].to_string().contains("sos report -e conntrack"),
        "{b}"
    );
    assert!(out.contains("sos report -e conntrack"), "{out}");
}

#[test]
fn a_tailed_sos_listing_is_partial_and_never_the_table_size() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = sos_files(false);
    files.push((
        "sos_strings/conntrack/conntrack_-L_-o_extended.tailed".into(),
        entries(50, true).into(),
    ));
    let archive = write(
        dir.path(),
        &format!("{SOS_TOP}.tar.xz"),
        &xz(&tar_bytes(SOS_TOP, &files)),
    );
    let (v, _) = analyze(&[archive.to_str().unwrap()], &dir.path().join("out"));
    let snap = v["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["node"] == HOST)
        .unwrap();
    assert_eq!(snap["partial"], true);
    assert_eq!(snap["utilization"], Value::Null);
    let node = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["node"] == HOST)
        .unwrap();
    assert_eq!(node["peak_entries"], Value::Null);
    assert!(
        v["bundles"][0]["advice"]
            .to_string()
            .contains("cut at sos's size limit")
    );
}

fn eks_files() -> Vec<(String, Vec<u8>)> {
    let conntrack = format!(
        "*** Output of conntrack -S *** \n{STATS}*** Output of conntrack -L ***\n{}",
        entries(40, false)
    );
    vec![
        ("networking/conntrack.txt".into(), conntrack.into()),
        // Without kernel.hostname: the instance id is all the bundle says.
        (
            "sysctls/sysctl_all.txt".into(),
            SYSCTL
                .lines()
                .skip(1)
                .map(|l| format!("{l}\n"))
                .collect::<String>()
                .into(),
        ),
        (
            "system/instance-id.txt".into(),
            b"i-0a1b2c3d4e5f60718\n".to_vec(),
        ),
        ("system/procstat.txt".into(), b"btime 1732330800\n".to_vec()),
        (
            "kubelet/kubelet.log".into(),
            b"I1126 09:01:00.000000 1 kubelet.go:1] ok\n".to_vec(),
        ),
    ]
}

const NODES_JSON: &str = r#"{"apiVersion":"v1","kind":"NodeList","items":[{"apiVersion":"v1","kind":"Node","metadata":{"name":"ip-10-0-2-57.eu-west-1.compute.internal"},"spec":{"providerID":"aws:///eu-west-1b/i-0a1b2c3d4e5f60718"},"status":{"addresses":[{"type":"InternalIP","address":"10.0.2.57"},{"type":"Hostname","address":"ip-10-0-2-57.eu-west-1.compute.internal"}],"capacity":{"cpu":"2","memory":"3955688Ki"}}}]}"#;

#[test]
fn an_eks_bundle_splits_its_conntrack_file_and_is_named_through_the_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let name = "eks_i-0a1b2c3d4e5f60718_2024-11-26_0906-UTC_0.7.8.tar.gz";
    let archive = write(dir.path(), name, &gz(&tar_bytes(".", &eks_files())));
    // Alone: the instance id names the node, and a warning says how to fix it.
    let (v, _) = analyze(&[archive.to_str().unwrap()], &dir.path().join("o1"));
    assert_eq!(
        nodes(&v),
        vec![("i-0a1b2c3d4e5f60718".to_string(), 1, Some(40))]
    );
    assert_eq!(v["stats"].as_array().unwrap().len(), 1);
    assert_eq!(v["stats"][0]["captured_at"], "2024-11-26T09:06:00Z");
    assert!(v["warnings"].to_string().contains("EC2 instance id"));
    // With the cluster's nodes: the Kubernetes name.
    let inv = write(dir.path(), "cluster/nodes.json", NODES_JSON.as_bytes());
    let (v, _) = analyze(
        &[archive.to_str().unwrap(), inv.to_str().unwrap()],
        &dir.path().join("o2"),
    );
    let name = "ip-10-0-2-57.eu-west-1.compute.internal";
    assert_eq!(nodes(&v), vec![(name.to_string(), 1, Some(40))]);
    assert_eq!(v["stats"][0]["node"], name);
    assert_eq!(v["bundles"][0]["node"], name);
    assert_eq!(v["snapshots"][0]["captured_at"], "2024-11-26T09:06:00Z");
    let sections: Vec<&str> = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["path"].as_str())
        .filter(|p| p.contains("conntrack.txt ["))
        .collect();
    assert_eq!(sections.len(), 2, "{sections:?}");
}

#[test]
fn a_rancher_bundle_has_counters_only_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let top = "ip-10-0-3-41-2024-11-26_09_07_12";
    let files: Vec<(String, Vec<u8>)> = vec![
        ("systeminfo/hostname".into(), b"ip-10-0-3-41\n".to_vec()),
        (
            "systeminfo/hostnamefqdn".into(),
            b"ip-10-0-3-41.eu-west-1.compute.internal\n".to_vec(),
        ),
        (
            "systeminfo/date".into(),
            b"Tue Nov 26 09:07:12 UTC 2024\n".to_vec(),
        ),
        ("systeminfo/conntrack".into(), STATS.into()),
        (
            "systeminfo/sysctla".into(),
            SYSCTL.replace("ip-10-0-1-23", "ip-10-0-3-41").into(),
        ),
        (
            "systemlogs/messages-20241124.gz".into(),
            gz(MESSAGES.replace("ip-10-0-1-23", "ip-10-0-3-41").as_bytes()),
        ),
    ];
    let archive = write(
        dir.path(),
        &format!("{top}.tar.gz"),
        &gz(&tar_bytes(top, &files)),
    );
    let (v, _) = analyze(&[archive.to_str().unwrap()], &dir.path().join("out"));
    let b = &v["bundles"][0];
    assert_eq!(b["kind"], "rancher_logs_collector");
    assert_eq!(b["node"], "ip-10-0-3-41.eu-west-1.compute.internal");
    assert_eq!(b["captured_at"], "2024-11-26T09:07:12Z");
    assert!(
        b["advice"].to_string().contains("conntrack -S` only"),
        "{b}"
    );
    // The rotated, gzipped log inside the archive is read.
    assert_eq!(v["drops"]["total_logged"], 3);
}

#[test]
fn a_cluster_info_dump_is_inventory_and_its_namespaces_are_not_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("cluster-info");
    write(&d, "nodes.json", NODES_JSON.as_bytes());
    write(
        &d,
        "payments/pods.json",
        br#"{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"name":"webhook-relay-6d8f7b9c5d-x7k2p","namespace":"payments","creationTimestamp":"2024-11-20T10:00:00Z","ownerReferences":[{"kind":"ReplicaSet","name":"webhook-relay-6d8f7b9c5d"}]},"spec":{"nodeName":"ip-10-0-2-57.eu-west-1.compute.internal"},"status":{"phase":"Running","podIP":"10.0.1.77","podIPs":[{"ip":"10.0.1.77"}]}}]}"#,
    );
    write(
        &d,
        "payments/events.json",
        br#"{"kind":"EventList","items":[]}"#,
    );
    write(
        &d,
        "kube-system/pods.json",
        br#"{"kind":"PodList","items":[]}"#,
    );
    let (v, out) = analyze(&[d.to_str().unwrap()], &dir.path().join("out"));
    assert_eq!(v["inventory"]["pods"], 1);
    assert_eq!(v["inventory"]["nodes"], 1);
    assert_eq!(v["bundles"][0]["kind"], "cluster_info_dump");
    for i in v["inputs"].as_array().unwrap() {
        assert_eq!(i["node"], Value::Null, "{i}");
    }
    assert!(!out.contains("misread layout"), "{out}");
}

#[test]
fn sos_collect_holds_one_sos_report_per_node() {
    let dir = tempfile::tempdir().unwrap();
    let mut outer = Vec::new();
    for (host, short) in [("node-a.internal", "node-a"), ("node-b.internal", "node-b")] {
        let top = format!("sosreport-{short}-2024-11-26-abcdefg");
        let files: Vec<(String, Vec<u8>)> = sos_files(true)
            .into_iter()
            .map(|(p, d)| {
                if p == "sos_commands/host/hostname" {
                    (p, format!("{host}\n").into_bytes())
                } else {
                    (p, d)
                }
            })
            .collect();
        outer.push((format!("{top}.tar.xz"), xz(&tar_bytes(&top, &files))));
    }
    let top = "sos-collector-2024-11-26-qwert";
    let archive = write(
        dir.path(),
        &format!("{top}.tar.xz"),
        &xz(&tar_bytes(top, &outer)),
    );
    let (v, _) = analyze(&[archive.to_str().unwrap()], &dir.path().join("out"));
    let hosts: Vec<String> = nodes(&v)
        .into_iter()
        .map(|n| n.0)
        .filter(|n| !n.contains("netns"))
        .collect();
    assert_eq!(hosts, vec!["node-a.internal", "node-b.internal"]);
    let kinds: Vec<&str> = v["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["sos_collect", "sos_report", "sos_report"]);
}

#[test]
fn every_compression_is_recognised_by_its_bytes_not_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let tar = tar_bytes(
        "case",
        &[(
            "node-1/conntrack-L-2024-11-26T09:04:00Z.txt".into(),
            entries(5, false).into_bytes(),
        )],
    );
    let zst = zstd::encode_all(tar.as_slice(), 3).unwrap();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    bz.write_all(&tar).unwrap();
    let bz = bz.finish().unwrap();
    let mut zipped = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zipped
        .start_file(
            "case/node-1/conntrack-L-2024-11-26T09:04:00Z.txt",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
    zipped.write_all(entries(5, false).as_bytes()).unwrap();
    let zipped = zipped.finish().unwrap().into_inner();
    for (name, data) in [
        ("plain.dat", tar.clone()),
        ("gz.dat", gz(&tar)),
        ("xz.dat", xz(&tar)),
        ("zst.dat", zst),
        ("bz2.dat", bz),
        ("zip.dat", zipped),
        ("single.dat", xz(entries(5, false).as_bytes())),
    ] {
        let p = write(dir.path(), name, &data);
        let (v, out) = analyze(
            &[
                p.to_str().unwrap(),
                "--node",
                &format!("{}=node-1", p.display()),
            ],
            &dir.path().join(format!("out-{name}")),
        );
        assert_eq!(snapshots(&v).len(), 1, "{name}: {out}");
        assert_eq!(snapshots(&v)[0].2, 5, "{name}");
        assert_eq!(snapshots(&v)[0].0, "node-1", "{name}");
    }
}

// ---- hostile archives ----

fn raw_tar_entry(name: &[u8], kind: u8, link: &[u8], data: &[u8]) -> Vec<u8> {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name);
    h[100..107].copy_from_slice(b"0000644");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    let size = format!("{:011o}", data.len());
    h[124..135].copy_from_slice(size.as_bytes());
    h[136..147].copy_from_slice(b"14721172372");
    h[156] = kind;
    h[157..157 + link.len()].copy_from_slice(link);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

#[test]
fn hostile_member_names_links_and_devices_are_inert() {
    let dir = tempfile::tempdir().unwrap();
    let listing = entries(3, false);
    let mut t = Vec::new();
    t.extend(raw_tar_entry(
        b"../../escape/conntrack-L-2024-11-26T09:04:00Z.txt",
        b'0',
        b"",
        listing.as_bytes(),
    ));
    t.extend(raw_tar_entry(
        b"/abs/node-9/conntrack-L-2024-11-26T09:04:00Z.txt",
        b'0',
        b"",
        listing.as_bytes(),
    ));
    t.extend(raw_tar_entry(b"node-1/passwd", b'2', b"/etc/passwd", b""));
    t.extend(raw_tar_entry(
        b"node-1/up",
        b'2',
        b"../../../../etc/shadow",
        b"",
    ));
    t.extend(raw_tar_entry(b"node-1/loop", b'2', b"loop", b""));
    t.extend(raw_tar_entry(b"node-1/fifo", b'6', b"", b""));
    t.extend(raw_tar_entry(b"node-1/sda", b'4', b"", b""));
    t.extend(raw_tar_entry(
        b"node-1/conntrack-L-2024-11-26T09:04:00Z.txt",
        b'0',
        b"",
        listing.as_bytes(),
    ));
    t.extend([0u8; 1024]);
    let archive = write(dir.path(), "hostile.tar", &t);
    let out_dir = dir.path().join("out");
    let before: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let (v, _) = analyze(&[archive.to_str().unwrap()], &out_dir);
    // Only the safe members were read; nothing was written beside the input.
    assert_eq!(
        snapshots(&v),
        vec![
            ("node-1".into(), "2024-11-26T09:04:00Z".into(), 3),
            ("node-9".into(), "2024-11-26T09:04:00Z".into(), 3),
        ]
    );
    let after: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(after.len(), before.len() + 1);
    assert!(!dir.path().join("escape").exists());
    let w = v["bundles"][0]["warnings"].to_string();
    for needle in [
        "leaves the archive",
        "absolute",
        "outside the archive",
        "a FIFO",
        "a block device",
    ] {
        assert!(w.contains(needle), "{needle}: {w}");
    }
    assert!(!v.to_string().contains("root:x:0:0"));
}

#[test]
fn a_truncated_archive_keeps_what_was_read() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(String, Vec<u8>)> = (1..=3)
        .map(|i| {
            (
                format!("node-{i}/conntrack-L-2024-11-26T09:04:00Z.txt"),
                entries(200, false).into_bytes(),
            )
        })
        .collect();
    let full = gz(&tar_bytes("", &files));
    let archive = write(dir.path(), "cut.tar.gz", &full[..full.len() * 2 / 3]);
    let (v, out) = analyze(&[archive.to_str().unwrap()], &dir.path().join("out"));
    let n = snapshots(&v).len();
    assert!((1..3).contains(&n), "{n}: {out}");
    assert!(
        v["bundles"][0]["warnings"]
            .to_string()
            .contains("damaged or cut short"),
        "{}",
        v["bundles"]
    );
}

#[test]
fn decompression_bombs_stop_at_the_caps() {
    let dir = tempfile::tempdir().unwrap();
    // 64 MiB of zeros compresses to a few KiB.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(64 << 20);
    h.set_mode(0o644);
    b.append_data(
        &mut h,
        "node-1/bomb.txt",
        std::io::repeat(0).take_bytes(64 << 20),
    )
    .unwrap();
    let mut h = tar::Header::new_gnu();
    let listing = entries(4, false);
    h.set_size(listing.len() as u64);
    h.set_mode(0o644);
    b.append_data(
        &mut h,
        "node-1/conntrack-L-2024-11-26T09:04:00Z.txt",
        listing.as_bytes(),
    )
    .unwrap();
    let bomb = xz(&b.into_inner().unwrap());
    assert!(bomb.len() < 100_000);
    let archive = write(dir.path(), "bomb.tar.xz", &bomb);
    // Stopped before the listing: nothing usable, and stderr says why.
    let o = ctsleuth()
        .args([
            "analyze",
            archive.to_str().unwrap(),
            "--max-archive-size",
            "16M",
            "-o",
        ])
        .arg(dir.path().join("o1"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--max-archive-size"), "{err}");
    let (v, _) = analyze(
        &[archive.to_str().unwrap(), "--max-member-size", "1M"],
        &dir.path().join("o2"),
    );
    assert!(
        v["bundles"][0]["warnings"]
            .to_string()
            .contains("--max-member-size")
    );
    assert_eq!(
        snapshots(&v).len(),
        1,
        "the member after the bomb is still read"
    );
}

trait TakeBytes: std::io::Read + Sized {
    fn take_bytes(self, n: u64) -> std::io::Take<Self> {
        std::io::Read::take(self, n)
    }
}
impl<R: std::io::Read> TakeBytes for R {}

#[test]
fn nesting_deeper_than_allowed_is_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    let mut inner = tar_bytes(
        "",
        &[(
            "node-1/conntrack-L-2024-11-26T09:04:00Z.txt".into(),
            entries(2, false).into_bytes(),
        )],
    );
    for level in 0..5 {
        inner = gz(&tar_bytes("", &[(format!("level-{level}.tar.gz"), inner)]));
    }
    let archive = write(dir.path(), "deep.tar.gz", &inner);
    let o = ctsleuth()
        .args(["analyze", archive.to_str().unwrap(), "-o"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("nested 5 deep: not opened"), "{err}");
    let (v, _) = analyze(
        &[archive.to_str().unwrap(), "--max-depth", "8"],
        &dir.path().join("out2"),
    );
    assert_eq!(snapshots(&v).len(), 1);
}

#[test]
fn a_zip_of_fifty_thousand_members_is_counted_not_listed() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..50_000 {
        z.start_file(format!("junk/{i}.txt"), opts).unwrap();
        z.write_all(b"x\n").unwrap();
    }
    z.start_file("node-1/conntrack-L-2024-11-26T09:04:00Z.txt", opts)
        .unwrap();
    z.write_all(entries(3, false).as_bytes()).unwrap();
    let data = z.finish().unwrap().into_inner();
    let archive = write(dir.path(), "many.zip", &data);
    let (v, _) = analyze(&[archive.to_str().unwrap()], &dir.path().join("out"));
    assert_eq!(snapshots(&v).len(), 1);
    assert!(v["inputs"].as_array().unwrap().len() < 10);
    assert!(
        v["bundles"][0]["warnings"]
            .to_string()
            .contains("50000 members held nothing")
    );
    assert!(v["bundles"][0]["members"].as_u64().unwrap() >= 50_001);
}

#[test]
fn a_300_mb_line_in_an_archive_is_cut_not_buffered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.tar");
    let f = std::fs::File::create(&path).unwrap();
    let mut b = tar::Builder::new(f);
    let head = entries(1, false);
    let tail = entries(1, false);
    let size = head.len() as u64 + (300 << 20) + 1 + tail.len() as u64;
    let body = std::io::Read::chain(
        std::io::Read::chain(head.as_bytes(), std::io::repeat(b'a').take_bytes(300 << 20)),
        std::io::Read::chain(&b"\n"[..], tail.as_bytes()),
    );
    let mut h = tar::Header::new_gnu();
    h.set_size(size);
    h.set_mode(0o644);
    b.append_data(&mut h, "node-1/conntrack-L-2024-11-26T09:04:00Z.txt", body)
        .unwrap();
    b.finish().unwrap();
    drop(b);
    let (v, _) = analyze(&[path.to_str().unwrap()], &dir.path().join("out"));
    assert_eq!(
        snapshots(&v),
        vec![("node-1".into(), "2024-11-26T09:04:00Z".into(), 2)]
    );
    let listing = &v["inputs"][0];
    assert!(listing["skipped"].as_u64().unwrap() >= 1);
}

#[test]
fn encrypted_bundles_say_how_to_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "secured-sosreport-x-2024-11-26-abcdefg.tar.xz.gpg",
        &[0x8c, 0x0d, 0x04, 0x09, 0x03, 0x02],
    );
    let a = write(
        dir.path(),
        "support.zip.age",
        b"age-encryption.org/v1\n-> X25519 abc\n",
    );
    let o = ctsleuth()
        .args(["analyze", p.to_str().unwrap(), a.to_str().unwrap(), "-o"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("gpg --output"), "{err}");
    assert!(err.contains("age -d"), "{err}");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_misread_layout_is_reported_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case");
    // Several machines' captures in one folder named like a container.
    for i in 0..3 {
        write(
            &case.join("captures"),
            &format!("conntrack-L-node{i}-2024-11-26T09:04:00Z.txt"),
            entries(3 + i, false).as_bytes(),
        );
    }
    let (v, out) = analyze(
        &[case.to_str().unwrap(), "--node", "captures"],
        &dir.path().join("out"),
    );
    let w: Vec<&str> = v["layout_warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(w.iter().any(|x| x.contains("same instant")), "{w:?}");
    assert!(
        w.iter().any(|x| x.contains("name node \"captures\"")),
        "{w:?}"
    );
    assert!(out.contains("WARNING: misread layout?"), "{out}");
    // Named one by one, the warnings go.
    let mut args: Vec<String> = vec![case.to_str().unwrap().into()];
    for i in 0..3 {
        args.push("--node".into());
        args.push(format!(
            "{}=node-{i}",
            case.join("captures")
                .join(format!("conntrack-L-node{i}-2024-11-26T09:04:00Z.txt"))
                .display()
        ));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (v, _) = analyze(&refs, &dir.path().join("out2"));
    assert_eq!(v["layout_warnings"].as_array().unwrap().len(), 0);
    assert_eq!(nodes(&v).len(), 3);
}
