//! `capture-script`: the printed script, run against a fake node (fake
//! commands first on PATH, a fake proc tree through CTSLEUTH_PROC), writes
//! the archive layout that `analyze` reads.

// Tests, benchmarks and sample generators may panic on their own fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap
)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output};

use regex::Regex;
use serde_json::Value;
use tempfile::TempDir;

const NODE: &str = "ip-10-0-1-23.eu-west-1.compute.internal";
const KERNEL: &str = "5.15.0-1051-aws";
/// A capture time in a file name: 2024-11-26T09-04-00Z.
const T: &str = r"\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z";

const LISTING: &str = "\
ipv4     2 tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.3.114 sport=41822 dport=8080 src=10.4.2.17 dst=10.4.1.23 sport=8080 dport=41822 [ASSURED] mark=0 zone=0 use=2
ipv4     2 tcp      6 86397 ESTABLISHED src=10.4.1.23 dst=10.8.0.1 sport=50112 dport=443 src=10.0.0.2 dst=10.4.1.23 sport=443 dport=50112 [ASSURED] mark=0 zone=0 use=2
ipv4     2 udp      17 27 src=10.4.1.31 dst=10.8.0.10 sport=53122 dport=53 src=10.4.3.5 dst=10.4.1.31 sport=53 dport=53122 mark=0 zone=0 use=2
";
const TRAILER: &str = "conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.";

/// `conntrack -L -o extended` prints the listing, the trailer on stderr;
/// `conntrack -S` prints per-CPU counters that grow with each call.
const FAKE_CONNTRACK: &str = r#"#!/bin/sh
case "$*" in
"-L -o extended")
    cat "$FAKE_ROOT/listing.txt"
    echo 'conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.' >&2
    ;;
-S)
    n=$(cat "$FAKE_ROOT/calls" 2>/dev/null || echo 0)
    n=$((n + 1))
    echo "$n" >"$FAKE_ROOT/calls"
    printf 'cpu=0   \tfound=%d invalid=3 insert=0 insert_failed=%d drop=%d early_drop=0 error=0 search_restart=0\n' $((12 * n)) "$n" $((10 * n))
    printf 'cpu=1   \tfound=%d invalid=1 insert=0 insert_failed=0 drop=%d early_drop=0 error=0 search_restart=0\n' $((7 * n)) $((5 * n))
    ;;
*)
    echo "conntrack: unexpected arguments: $*" >&2
    exit 1
    ;;
esac
"#;

const FAKE_JOURNALCTL: &str = r#"#!/bin/sh
[ "$*" = "-k --no-pager -o short-iso-precise --since -72 hours" ] || {
    echo "journalctl: unexpected arguments: $*" >&2
    exit 1
}
echo "2024-11-26T08:57:40.412565+00:00 ip-10-0-1-23 kernel: nf_conntrack: nf_conntrack: table full, dropping packet"
"#;

const FAKE_DMESG: &str = r#"#!/bin/sh
[ "$*" = "-T" ] || exit 1
echo "[Tue Nov 26 08:57:40 2024] nf_conntrack: nf_conntrack: table full, dropping packet"
"#;

const FAKE_SYSCTL: &str = r#"#!/bin/sh
[ "$*" = "net.netfilter net.nf_conntrack_max" ] || exit 255
echo "net.netfilter.nf_conntrack_buckets = 65536"
echo "net.netfilter.nf_conntrack_max = 131072"
echo "net.netfilter.nf_conntrack_tcp_timeout_time_wait = 120"
echo "net.nf_conntrack_max = 131072"
"#;

const FAKE_HOSTNAME: &str = "#!/bin/sh\necho ip-10-0-1-23.eu-west-1.compute.internal\n";

const FAKE_UNAME: &str = r#"#!/bin/sh
case "$*" in
-r) echo 5.15.0-1051-aws ;;
-a) echo "Linux ip-10-0-1-23.eu-west-1.compute.internal 5.15.0-1051-aws #56~20.04.1-Ubuntu SMP Tue Nov 28 15:43:31 UTC 2023 x86_64 x86_64 x86_64 GNU/Linux" ;;
*) exit 1 ;;
esac
"#;

/// /proc/net/stat/nf_conntrack with the counters of the second
/// `conntrack -S` call, one row per CPU.
const PROC_STAT_NF_CONNTRACK: &str = "\
entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart
00000003  00000000 00000018 00000000 00000003 00000000 00000000 00000000 00000000 00000002 00000014 00000000 00000000  00000000 00000000 00000000 00000000
00000003  00000000 0000000e 00000000 00000001 00000000 00000000 00000000 00000000 00000000 0000000a 00000000 00000000  00000000 00000000 00000000 00000000
";

/// The node tools the script may use besides the faked ones.
const TOOLS: &[&str] = &[
    "sh", "date", "cat", "head", "tail", "wc", "tr", "tar", "gzip", "mktemp", "rm", "mkdir", "mv",
    "sleep", "timeout", "id", "chown",
];

/// What a node lacks.
#[derive(Default, Clone, Copy)]
struct Lacks {
    conntrack: bool,
    journalctl: bool,
    sysctl: bool,
}

/// A fake node in a temporary folder.
struct FakeNode {
    root: TempDir,
}

impl FakeNode {
    fn new(lacks: Lacks) -> Self {
        let root = tempfile::tempdir().unwrap();
        let node = Self { root };
        for dir in ["bin", "tools", "tmp", "out"] {
            fs::create_dir(node.path(dir)).unwrap();
        }
        let mut fakes = vec![
            ("hostname", FAKE_HOSTNAME),
            ("uname", FAKE_UNAME),
            ("dmesg", FAKE_DMESG),
        ];
        if !lacks.conntrack {
            fakes.push(("conntrack", FAKE_CONNTRACK));
        }
        if !lacks.journalctl {
            fakes.push(("journalctl", FAKE_JOURNALCTL));
        }
        if !lacks.sysctl {
            fakes.push(("sysctl", FAKE_SYSCTL));
        }
        for (name, text) in fakes {
            node.fake(name, text);
        }
        // Only these system tools are on PATH, so a command missing from
        // bin/ is missing for the script.
        for tool in TOOLS {
            if let Some(path) = which(tool) {
                symlink(path, node.path("tools").join(tool)).unwrap();
            }
        }
        assert!(node.path("tools/sh").exists(), "no sh on PATH");
        fs::write(node.path("listing.txt"), LISTING).unwrap();
        let proc_files = [
            ("net/stat/nf_conntrack", PROC_STAT_NF_CONNTRACK),
            ("net/nf_conntrack", LISTING),
            (
                "stat",
                "cpu  4705 150 1120 16250 520 0 28 0 0 0\ncpu0 4705 150 1120 16250 520 0 28 0 0 0\nintr 199\nctxt 20\nbtime 1732500000\nprocesses 1200\n",
            ),
            ("sys/net/netfilter/nf_conntrack_max", "131072\n"),
            ("sys/net/netfilter/nf_conntrack_buckets", "65536\n"),
            (
                "sys/net/netfilter/nf_conntrack_tcp_timeout_time_wait",
                "120\n",
            ),
            ("sys/net/nf_conntrack_max", "131072\n"),
            (
                "sys/kernel/hostname",
                "ip-10-0-1-23.eu-west-1.compute.internal\n",
            ),
        ];
        for (name, text) in proc_files {
            let path = node.path("proc").join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        node
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    fn fake(&self, name: &str, text: &str) {
        let path = self.path("bin").join(name);
        fs::write(&path, text).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// Runs `script` with `args` on this node, with `env` added.
    fn run(&self, script: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
        let file = self.path("capture.sh");
        fs::write(&file, script).unwrap();
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            self.path("tools").display()
        );
        let out = StdCommand::new(self.path("tools/sh"))
            .arg(&file)
            .args(args)
            .current_dir(self.root.path())
            .env_clear()
            .env("PATH", path)
            .env("TMPDIR", self.path("tmp"))
            .env("CTSLEUTH_PROC", self.path("proc"))
            .env("FAKE_ROOT", self.root.path())
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the script failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The one archive in out/, checked against its name, and its files.
    fn archive(&self, out: &Output) -> Archive {
        let names: Vec<String> = fs::read_dir(self.path("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 1, "out/ holds {names:?}");
        let name = &names[0];
        let re = Regex::new(&format!(
            r"^{}-(\d{{8}}T\d{{6}}Z)\.tar\.gz$",
            regex::escape(NODE)
        ))
        .unwrap();
        let caps = re
            .captures(name)
            .unwrap_or_else(|| panic!("archive name {name}"));
        let path = self.path("out").join(name);
        // The script's last line on stdout is the archive's path.
        let stdout = String::from_utf8(out.stdout.clone()).unwrap();
        assert_eq!(
            stdout.lines().last().map(PathBuf::from),
            Some(path.canonicalize().unwrap())
        );
        // Its work folder is gone.
        assert_eq!(fs::read_dir(self.path("tmp")).unwrap().count(), 0);
        let top = name.trim_end_matches(".tar.gz").to_owned();
        Archive {
            files: read_tar_gz(&path, &top),
            path,
            stamp: caps[1].to_owned(),
        }
    }
}

struct Archive {
    path: PathBuf,
    /// YYYYmmddTHHMMSSZ from the archive's name.
    stamp: String,
    /// File name (below the top folder) → content.
    files: BTreeMap<String, String>,
}

impl Archive {
    fn file(&self, name: &str) -> &str {
        self.files
            .get(name)
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.files.keys()))
    }

    /// Names matching `pattern` (anchored), sorted.
    fn named(&self, pattern: &str) -> Vec<&str> {
        let re = Regex::new(&format!("^(?:{pattern})$")).unwrap();
        self.files
            .keys()
            .filter(|k| re.is_match(k))
            .map(String::as_str)
            .collect()
    }

    fn manifest(&self) -> Vec<&str> {
        self.file("ctsleuth-capture.txt").lines().collect()
    }
}

/// Reads a .tar.gz whose entries all sit below `top/`.
fn read_tar_gz(path: &Path, top: &str) -> BTreeMap<String, String> {
    let gz = flate2::read::GzDecoder::new(fs::File::open(path).unwrap());
    let mut archive = tar::Archive::new(gz);
    let mut files = BTreeMap::new();
    let mut dirs = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        if entry.header().entry_type().is_dir() {
            dirs.push(name.trim_end_matches('/').to_owned());
            continue;
        }
        let rel = name
            .strip_prefix(&format!("{top}/"))
            .unwrap_or_else(|| panic!("{name} is not below {top}/"))
            .to_owned();
        assert!(!rel.contains('/'), "{name} is in a subfolder");
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        files.insert(rel, text);
    }
    assert_eq!(dirs, [top.to_owned()]);
    files
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(tool))
            .find(|p| p.is_file())
    })
}

fn capture_script(args: &[&str]) -> String {
    let out = common::ctsleuth()
        .arg("capture-script")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
    String::from_utf8(out.stdout).unwrap()
}

/// The `<T>` of a file name like `conntrack-S-<T>.txt`.
fn time_of(name: &str) -> &str {
    let re = Regex::new(T).unwrap();
    re.find(name).unwrap().as_str()
}

/// A full capture on a node with every tool: the archive and the run.
fn full_capture(node: &FakeNode) -> (Archive, Output) {
    let script = capture_script(&["--interval", "1"]);
    let out = node.run(&script, &["-o", "out"], &[]);
    (node.archive(&out), out)
}

#[test]
fn the_script_is_posix_sh() {
    let script = capture_script(&["--interval", "5", "-o", "/var/tmp/conntrack captures"]);
    assert!(script.starts_with("#!/bin/sh\n"));
    assert!(script.contains("\ndefault_interval=5\n"));
    assert!(script.contains("\ndefault_output_dir='/var/tmp/conntrack captures'\n"));
    for shell in ["sh", "dash", "bash", "busybox"] {
        let Some(path) = which(shell) else { continue };
        let mut cmd = StdCommand::new(path);
        if shell == "busybox" {
            cmd.arg("sh");
        }
        let out = cmd.arg("-n").arg("-c").arg(&script).output().unwrap();
        assert!(
            out.status.success(),
            "{shell} -n: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn bad_options_are_refused_before_printing() {
    for args in [
        &["--interval", "0"][..],
        &["--since-hours", "100000"],
        &["--max-listing-mib", "0"],
        &["--timeout", "7200"],
        &["-o", "/tmp/it's"],
    ] {
        common::ctsleuth()
            .arg("capture-script")
            .args(args)
            .assert()
            .code(2)
            .stdout("");
    }
}

#[test]
fn capture_writes_the_documented_layout() {
    let node = FakeNode::new(Lacks::default());
    let (archive, out) = full_capture(&node);

    // Every file of the layout, and nothing else.
    let singles = [
        "ctsleuth-capture.txt",
        "hostname",
        "date",
        "proc-stat.txt",
        "uname.txt",
    ];
    for name in singles {
        archive.file(name);
    }
    let listing = archive.named(&format!("conntrack-L-{T}\\.txt"));
    let counters = archive.named(&format!("conntrack-S-{T}\\.txt"));
    let proc_counters = archive.named(&format!("proc-stat-nf_conntrack-{T}\\.txt"));
    let sysctl = archive.named(&format!("sysctl-{T}\\.txt"));
    let kernel = archive.named(&format!("kernel-{T}\\.log"));
    assert_eq!(listing.len(), 1);
    assert_eq!(counters.len(), 2);
    assert_eq!(proc_counters.len(), 2);
    assert_eq!(sysctl.len(), 1);
    assert_eq!(kernel.len(), 1);
    assert_eq!(
        archive.files.len(),
        singles.len() + 7,
        "{:?}",
        archive.files.keys()
    );

    // The manifest: header, then one `ok` line per file.
    let manifest = archive.manifest();
    assert_eq!(manifest[0], "ctsleuth capture kit v1");
    assert_eq!(manifest[1], format!("node: {NODE}"));
    let s = &archive.stamp;
    let started = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[9..11],
        &s[11..13],
        &s[13..15]
    );
    assert_eq!(manifest[2], format!("started: {started}"));
    let finished = manifest[3].strip_prefix("finished: ").unwrap();
    assert!(
        Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
            .unwrap()
            .is_match(finished)
    );
    assert!(finished > started.as_str(), "{finished} after {started}");
    assert_eq!(manifest[4], format!("kernel: {KERNEL}"));
    let captures = &manifest[5..];
    assert!(
        captures.iter().all(|l| l.starts_with("ok ")),
        "{captures:#?}"
    );
    let proc = node.path("proc");
    let proc = proc.display();
    let expected = vec![
        "ok hostname hostname -f".to_owned(),
        "ok date date -u +%Y-%m-%dT%H:%M:%SZ".to_owned(),
        "ok uname.txt uname -a".to_owned(),
        format!("ok proc-stat.txt cat {proc}/stat"),
        format!("ok {} conntrack -S", counters[0]),
        format!("ok {} cat {proc}/net/stat/nf_conntrack", proc_counters[0]),
        format!("ok {} conntrack -L -o extended", listing[0]),
        format!("ok {} sysctl net.netfilter net.nf_conntrack_max", sysctl[0]),
        format!(
            "ok {} journalctl -k --no-pager -o short-iso-precise --since '-72 hours'",
            kernel[0]
        ),
        format!("ok {} conntrack -S", counters[1]),
        format!("ok {} cat {proc}/net/stat/nf_conntrack", proc_counters[1]),
    ];
    assert_eq!(captures, expected.as_slice());
    // Every file but the manifest has its line, once.
    for name in archive
        .files
        .keys()
        .filter(|k| *k != "ctsleuth-capture.txt")
    {
        let n = captures
            .iter()
            .filter(|l| l.split(' ').nth(1) == Some(name))
            .count();
        assert_eq!(n, 1, "{name}");
    }

    // The listing keeps the entries and the trailer from stderr.
    let text = archive.file(listing[0]);
    for line in LISTING.lines() {
        assert!(text.lines().any(|l| l == line), "{line} in {text}");
    }
    assert_eq!(text.lines().count(), 4);
    assert!(text.lines().any(|l| l == TRAILER), "{text}");

    // Two counter captures at two moments, the second higher.
    assert_ne!(time_of(counters[0]), time_of(counters[1]));
    assert_eq!(time_of(counters[0]), time_of(proc_counters[0]));
    assert_eq!(time_of(counters[1]), time_of(proc_counters[1]));
    assert!(
        archive
            .file(counters[0])
            .starts_with("cpu=0   \tfound=12 invalid=3 ")
    );
    assert!(
        archive
            .file(counters[1])
            .starts_with("cpu=0   \tfound=24 invalid=3 ")
    );
    assert_eq!(archive.file(counters[1]).lines().count(), 2);
    assert_eq!(archive.file(proc_counters[0]), PROC_STAT_NF_CONNTRACK);

    // The small ones.
    assert_eq!(archive.file("hostname"), format!("{NODE}\n"));
    let date = archive.file("date").trim_end();
    assert!(started.as_str() <= date && date <= finished, "{date}");
    assert!(
        archive
            .file("uname.txt")
            .starts_with(&format!("Linux {NODE} {KERNEL} "))
    );
    assert!(
        archive
            .file("proc-stat.txt")
            .contains("\nbtime 1732500000\n")
    );
    assert!(
        archive
            .file(sysctl[0])
            .contains("\nnet.netfilter.nf_conntrack_max = 131072\n")
    );
    assert!(
        archive
            .file(kernel[0])
            .ends_with("kernel: nf_conntrack: nf_conntrack: table full, dropping packet\n")
    );

    // The end tells where the archive is and what to do next.
    let stderr = String::from_utf8(out.stderr).unwrap();
    let name = archive.path.file_name().unwrap().to_string_lossy();
    for line in [
        "kubectl get nodes -o json > cluster/nodes.json",
        "kubectl get pods -A -o json > cluster/pods.json",
        "kubectl get svc -A -o json > cluster/services.json",
        "kubectl get endpointslices -A -o json > cluster/endpointslices.json",
        &format!("ctsleuth analyze {name} cluster/"),
    ] {
        assert!(stderr.contains(line), "{line} in\n{stderr}");
    }
    assert!(
        stderr.contains(&format!("ok      {}", listing[0])),
        "{stderr}"
    );
}

#[test]
fn missing_tools_are_skipped_and_proc_stands_in() {
    let node = FakeNode::new(Lacks {
        conntrack: true,
        journalctl: true,
        sysctl: true,
    });
    // The default interval, shortened through the environment.
    let script = capture_script(&[]);
    assert!(script.contains("\ndefault_interval=60\n"));
    let out = node.run(&script, &["-o", "out"], &[("CTSLEUTH_INTERVAL", "1")]);
    let archive = node.archive(&out);

    assert!(
        archive.named("conntrack-.*").is_empty(),
        "{:?}",
        archive.files.keys()
    );
    let listing = archive.named(&format!("proc-nf_conntrack-{T}\\.txt"));
    assert_eq!(listing.len(), 1);
    assert_eq!(archive.file(listing[0]), LISTING);
    let t = time_of(listing[0]);
    let proc_counters = archive.named(&format!("proc-stat-nf_conntrack-{T}\\.txt"));
    assert_eq!(proc_counters.len(), 2);
    assert_ne!(time_of(proc_counters[0]), time_of(proc_counters[1]));

    let manifest = archive.manifest();
    let proc = node.path("proc");
    let proc = proc.display();
    let has = |line: &str| assert!(manifest.contains(&line), "{line} in {manifest:#?}");
    has(&format!(
        "skipped conntrack-L-{t}.txt conntrack -L -o extended"
    ));
    has(&format!(
        "ok proc-nf_conntrack-{t}.txt cat {proc}/net/nf_conntrack"
    ));
    assert_eq!(
        manifest
            .iter()
            .filter(|l| l.starts_with("skipped conntrack-S-") && l.ends_with(" conntrack -S"))
            .count(),
        2
    );

    // sysctl from /proc/sys, printed as sysctl prints it.
    let sysctl = archive.named(&format!("sysctl-{T}\\.txt"));
    assert_eq!(sysctl.len(), 1);
    let ts = time_of(sysctl[0]);
    has(&format!(
        "skipped sysctl-{ts}.txt sysctl net.netfilter net.nf_conntrack_max"
    ));
    has(&format!(
        "ok sysctl-{ts}.txt read {proc}/sys/net/netfilter/*"
    ));
    let text = archive.file(sysctl[0]);
    for line in [
        "net.netfilter.nf_conntrack_buckets = 65536",
        "net.netfilter.nf_conntrack_max = 131072",
        "net.netfilter.nf_conntrack_tcp_timeout_time_wait = 120",
        "net.nf_conntrack_max = 131072",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in {text}");
    }

    // The kernel log from dmesg -T.
    let kernel = archive.named(&format!("kernel-{T}\\.log"));
    assert_eq!(kernel.len(), 1);
    let tk = time_of(kernel[0]);
    has(&format!(
        "skipped kernel-{tk}.log journalctl -k --no-pager -o short-iso-precise --since '-72 hours'"
    ));
    has(&format!("ok kernel-{tk}.log dmesg -T"));
    assert!(
        archive
            .file(kernel[0])
            .starts_with("[Tue Nov 26 08:57:40 2024] nf_conntrack:")
    );
}

#[test]
fn bounds_cut_what_runs_over() {
    let node = FakeNode::new(Lacks::default());
    // A listing of about 2.8 MiB; a kernel log that never ends.
    let line = LISTING.lines().next().unwrap();
    fs::write(node.path("listing.txt"), format!("{line}\n").repeat(20_000)).unwrap();
    node.fake(
        "journalctl",
        "#!/bin/sh\necho 'kernel: starting'\nexec sleep 30\n",
    );
    let script = capture_script(&[
        "--interval",
        "1",
        "--max-listing-mib",
        "1",
        "--timeout",
        "2",
    ]);
    let started = std::time::Instant::now();
    let out = node.run(&script, &["-o", "out"], &[]);
    let archive = node.archive(&out);
    let manifest = archive.manifest();

    let listing = archive.named(&format!("conntrack-L-{T}\\.txt"));
    assert_eq!(listing.len(), 1);
    assert_eq!(archive.file(listing[0]).len(), 1 << 20);
    assert!(
        manifest.contains(&format!("cut {} conntrack -L -o extended", listing[0]).as_str()),
        "{manifest:#?}"
    );
    if which("timeout").is_some() {
        let kernel = archive.named(&format!("kernel-{T}\\.log"));
        assert_eq!(kernel.len(), 1, "{manifest:#?}");
        assert_eq!(archive.file(kernel[0]), "kernel: starting\n");
        assert!(
            manifest
                .iter()
                .any(|l| l.starts_with(&format!("cut {} journalctl -k ", kernel[0]))),
            "{manifest:#?}"
        );
        assert!(
            started.elapsed().as_secs() < 25,
            "the time bound did not hold"
        );
    }
    // The rest went on.
    assert_eq!(archive.named(&format!("conntrack-S-{T}\\.txt")).len(), 2);
}

#[test]
fn capture_archive_is_analysed() {
    let node = FakeNode::new(Lacks::default());
    let (archive, _) = full_capture(&node);
    let reports = node.path("reports");
    common::ctsleuth()
        .arg("analyze")
        .arg(&archive.path)
        .arg("-o")
        .arg(&reports)
        .args(["--format", "json", "--quiet"])
        .assert()
        .success();
    let summary: Value =
        serde_json::from_str(&fs::read_to_string(reports.join("summary.json")).unwrap()).unwrap();

    let nodes = summary["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "{nodes:#?}");
    assert_eq!(nodes[0]["node"], NODE);
    assert_eq!(nodes[0]["limit"], 131072);

    let snapshots = summary["snapshots"].as_array().unwrap();
    assert_eq!(snapshots.len(), 1);
    assert_eq!(snapshots[0]["node"], NODE);
    assert_eq!(snapshots[0]["entries"], 3);

    // Two moments, each from conntrack -S and /proc/net/stat/nf_conntrack.
    let stats = summary["stats"].as_array().unwrap();
    for source in ["conntrack_s", "proc_stat"] {
        let rows: Vec<&Value> = stats.iter().filter(|s| s["source"] == source).collect();
        assert_eq!(rows.len(), 2, "{source}: {stats:#?}");
        assert!(rows.iter().all(|r| r["node"] == NODE));
        assert_ne!(rows[0]["captured_at"], rows[1]["captured_at"]);
    }
}
