//! The command line, declared with clap. No I/O here: [`crate::config`]
//! validates what is parsed.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Explain why a Linux node ran out of connection-tracking space.
///
/// ctsleuth reads saved `conntrack -L` dumps, `conntrack -S` and
/// /proc/net/stat/nf_conntrack counters, sysctl captures, kernel, serial and
/// kube-proxy logs and Kubernetes inventories, offline, and tells what filled
/// the table: which workloads, states, destinations and ports, how fast
/// connections close, when drops happened and recur, how close each node came
/// to its nf_conntrack_max, and what to change. Reports: HTML, PNG, Markdown,
/// JSON; `check` turns the same analysis into a CI gate.
#[derive(Debug, Parser)]
#[command(
    name = "ctsleuth",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Colour in the terminal: `auto` colours a terminal unless NO_COLOR is
    /// set; `always`, `never`.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarise one conntrack snapshot in the terminal.
    ///
    /// Reads one `conntrack -L` capture (any layout, /proc/net/nf_conntrack,
    /// gzip or not; `-` for stdin) and prints totals, states, protocols, the
    /// top sources, destinations and ports, the close rate rebuilt from
    /// closing entries, and the table's fill when the limit is known.
    ///
    /// Example: ssh node 'conntrack -L 2>&1' | ctsleuth top -
    Top(TopArgs),
    /// Analyse a bundle of captures and write the reports.
    ///
    /// Takes files and directories (walked in sorted order). Lay a bundle out
    /// as <bundle>/<node>/<file> so each file's folder names its node, and put
    /// the capture time in file names (conntrack-2024-11-26T09:04:00Z.txt).
    /// Each file's kind is recognised from its content.
    ///
    /// Example: ctsleuth analyze samples/incident-linkerd
    ///
    /// For a fleet (one case among many, read later with DuckDB or Spark):
    /// ctsleuth analyze --format json,parquet --case prod-eu -o cases/prod-eu bundles/prod-eu/
    Analyze(AnalyzeArgs),
    /// Drops over time, per node, from kernel and serial logs.
    ///
    /// Reads logs in any common framing (dmesg, dmesg -T, syslog, journalctl
    /// short/iso/precise/monotonic/json, OpenWrt logread, GCE serial console,
    /// Cloud Logging JSON) with the same inputs as `analyze`, and prints one
    /// histogram per node: logged `table full` drops (a lower bound) and
    /// logged + suppressed (an upper bound) per bucket, bursts marked, quiet
    /// stretches folded, daily recurrences and DNS failures named.
    ///
    /// Example: ctsleuth timeline --bucket 1m samples/incident-linkerd
    Timeline(TimelineArgs),
    /// Judge captures against a policy: a CI gate after a load test.
    ///
    /// Runs the same analysis as `analyze` and evaluates rules per node:
    /// utilization (warn 60 %, fail 75 %), any logged drop or rising drop
    /// counters, one workload's share of a table (warn 30 %, fail 50 %), close
    /// rate (warn 200/s, fail 500/s), UNREPLIED/SYN_SENT share (warn 5 %, fail
    /// 10 %), insert_failed rate (warn 1/s, fail 10/s), and a limit below
    /// kube-proxy's formula. Exit 0 when nothing fails (warnings allowed), 1
    /// when a rule fails, 2 on a usage or input error.
    ///
    /// Example: ctsleuth check --policy samples/check-policy.toml --format junit captures/ > ctsleuth.xml
    Check(CheckArgs),
    /// Print a shell script that captures one node for `analyze`
    ///
    /// The script (POSIX sh, run as root on the node) collects in about
    /// --interval seconds what `analyze` reads: `conntrack -L -o extended`
    /// (else /proc/net/nf_conntrack), `conntrack -S` and
    /// /proc/net/stat/nf_conntrack twice, --interval seconds apart, the
    /// netfilter sysctls, --since-hours of kernel log (journalctl -k, else
    /// dmesg), /proc/stat for the boot time, uname and hostname. Each command
    /// is bounded in time and size; what the node lacks is skipped. It writes
    /// only in a work folder under $TMPDIR, removed on exit, and leaves
    /// <node>-<YYYYmmddTHHMMSSZ>.tar.gz in --output-dir on the node, with a
    /// manifest (ctsleuth-capture.txt) of what ran and how it went. `sh
    /// capture.sh -h` lists its own options; CTSLEUTH_INTERVAL and the like
    /// override its defaults.
    ///
    /// Over ssh (the archive lands in the home folder, owned by you):
    ///
    ///   ctsleuth capture-script > capture.sh
    ///   scp capture.sh NODE: && ssh -t NODE sudo sh capture.sh
    ///   scp NODE:ARCHIVE .        # the path the script printed last
    ///
    /// With kubectl alone (the node's / is /host in the debug pod):
    ///
    ///   script=$(ctsleuth capture-script -o /var/tmp)
    ///   kubectl debug node/NODE -it --image=busybox -- chroot /host sh -c "$script"
    ///
    /// The script ends by printing the archive's path, how to copy it off the
    /// node, and the kubectl commands that capture the cluster inventory into
    /// cluster/ (nodes, pods, services, endpointslices as JSON). Then:
    ///
    ///   ctsleuth analyze NODE-TIME.tar.gz cluster/
    #[command(verbatim_doc_comment)]
    CaptureScript(CaptureScriptArgs),
    /// Print a shell completion script.
    ///
    /// Example: ctsleuth completions bash > /etc/bash_completion.d/ctsleuth
    ///          ctsleuth completions zsh > "${fpath[1]}/_ctsleuth"
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), generated from the same definitions as
    /// --help.
    ///
    /// Example: ctsleuth man > /usr/local/share/man/man1/ctsleuth.1
    Man,
}

#[derive(Debug, Args)]
pub struct CaptureScriptArgs {
    /// Seconds between the two counter captures (1-3600).
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub interval: u64,

    /// Hours of kernel log to collect (1-8760).
    #[arg(long, default_value_t = 72, value_name = "N")]
    pub since_hours: u64,

    /// Size bound of the conntrack listing, MiB (1-65536); a longer listing
    /// is cut there and marked `cut` in the manifest.
    #[arg(long, default_value_t = 2048, value_name = "N")]
    pub max_listing_mib: u64,

    /// Time bound of the listing and the kernel log, seconds (1-3600); other
    /// commands get at most 30 s.
    #[arg(long, default_value_t = 120, value_name = "SECS")]
    pub timeout: u64,

    /// Folder on the node for the archive [default: where the script runs].
    #[arg(
        short,
        long,
        default_value = ".",
        hide_default_value = true,
        value_name = "DIR"
    )]
    pub output_dir: String,
}

/// How `check` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Human,
    Junit,
    Json,
    Github,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories; `-` for standard input.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<String>,

    /// Thresholds, rules on/off, severities and overrides (TOML; see
    /// samples/check-policy.toml) [default: the built-in thresholds].
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Output: `human`, `junit` (XML for CI), `json`, or `github`
    /// (workflow annotations).
    #[arg(long, value_enum, default_value = "human")]
    pub format: CheckFormat,

    /// A summary.json of an earlier run: fail when a node's or a workload's
    /// peak entries grew by more than the policy's `baseline.max_growth`.
    #[arg(long, value_name = "SUMMARY.json")]
    pub baseline: Option<PathBuf>,

    /// In the human output, list every passed and skipped rule on every
    /// node. Without it, failures and warnings are listed one by one and
    /// passes and skips one line per rule.
    #[arg(long)]
    pub all: bool,

    #[command(flatten)]
    pub time: TimeArgs,

    #[command(flatten)]
    pub input: InputArgs,
}

/// Options shared by every command that reads inputs.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Node name: `NAME` for every input, or `PATH=NAME` for the inputs below
    /// PATH (a file, a folder, an archive and its members). Repeatable.
    /// Overrides folder names and bundle metadata.
    #[arg(long, value_name = "[PATH=]NAME")]
    pub node: Vec<String>,

    /// Capture time: `TIME` for every input, or `PATH=TIME`; RFC 3339
    /// (2024-11-26T09:04:00Z) or epoch seconds. Repeatable. Overrides times
    /// in file names and bundle metadata.
    #[arg(long, value_name = "[PATH=]TIME")]
    pub captured_at: Vec<String>,

    /// Treat inputs as this kind instead of recognising it from content:
    /// `KIND` or `PATH=KIND`, KIND one of conntrack_dump, conntrack_events,
    /// conntrack_stats, sysctl, kernel_log, inventory. Repeatable.
    #[arg(long, value_name = "[PATH=]KIND")]
    pub kind: Vec<String>,

    /// Largest member of an archive read, after decompression (`512M`, `4G`);
    /// a bigger one is read up to that size and said to be cut.
    #[arg(long, default_value = "4G", value_name = "SIZE")]
    pub max_member_size: String,

    /// Most bytes one archive may decompress to, members and skipped data
    /// together; the walk stops there and says so (decompression bombs).
    #[arg(long, default_value = "32G", value_name = "SIZE")]
    pub max_archive_size: String,

    /// Most members read from one archive.
    #[arg(long, default_value_t = 200_000, value_name = "N")]
    pub max_members: u64,

    /// Archives inside archives opened at most this deep (`sos collect`
    /// holds one sos report per node: depth 2).
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub max_depth: u32,

    /// A conntrack timeout in seconds, by its sysctl name without the
    /// nf_conntrack_ prefix, e.g. `--timeout tcp_timeout_time_wait=60`.
    /// Repeatable. Wins over timeouts read from sysctl captures; defaults are
    /// the kernel's (time_wait 120, close 10, last_ack 30, fin_wait 120,
    /// close_wait 60).
    #[arg(long = "timeout", value_name = "NAME=SECS")]
    pub timeouts: Vec<String>,

    /// Exit with status 2 when any input line had to be skipped.
    #[arg(long)]
    pub strict: bool,

    /// No progress bar and no notes on stderr (bad lines are still listed).
    #[arg(short, long)]
    pub quiet: bool,
}

/// How log times are read and grouped.
#[derive(Debug, Args)]
pub struct TimeArgs {
    /// Year of syslog lines, which carry none [default: from the node's other
    /// inputs, else the file's modification time].
    #[arg(long, value_name = "YEAR")]
    pub year: Option<i32>,

    /// Zone of log times written without one (syslog, dmesg -T, logread):
    /// `UTC`, `+02:00`, `-0500` [default: UTC].
    #[arg(long, value_name = "OFFSET")]
    pub tz: Option<String>,

    /// Boot time of the node, for raw dmesg stamps (seconds since boot):
    /// RFC 3339 or epoch seconds [default: learned from the node's inputs].
    #[arg(long, value_name = "TIME")]
    pub boot_time: Option<String>,

    /// Width of one timeline bucket: `30s`, `1m`, `5m`, `1h`.
    #[arg(long, default_value = "1m", value_name = "DURATION")]
    pub bucket: String,

    /// Buckets with drops closer than this form one burst.
    #[arg(long, default_value = "5m", value_name = "DURATION")]
    pub burst_gap: String,

    /// A conntrack snapshot this close to a burst (before, during or after)
    /// names the burst's suspect workloads.
    #[arg(long, default_value = "15m", value_name = "DURATION")]
    pub window: String,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// Files or directories; `-` for standard input.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<String>,

    /// Print drops, bursts, recurrences and symptoms as JSON.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub time: TimeArgs,

    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct TopArgs {
    /// A conntrack -L capture, or `-` for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: String,

    /// Rows in each top list.
    #[arg(short = 'n', long = "rows", default_value_t = 10, value_name = "N")]
    pub rows: usize,

    /// Print the snapshot as JSON (the `snapshots[]` element of summary.json).
    #[arg(long)]
    pub json: bool,

    /// The node's nf_conntrack_max, to show how full the table was.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,

    /// A Kubernetes inventory (`kubectl get pods -A -o json` or `-o wide`,
    /// nodes, services; a file or a folder) to name addresses as pods and
    /// workloads. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub inventory: Vec<String>,

    #[command(flatten)]
    pub input: InputArgs,
}

/// A report `analyze` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Html,
    Png,
    Md,
    Json,
    Parquet,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Files or directories; `-` for standard input.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<String>,

    /// Output folder [default: reports/<name of the first path>].
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// Reports to write: `html` (report.html, self-contained), `png` (one
    /// chart per file), `md` (summary.md, for incident docs and tickets),
    /// `json` (summary.json) and `parquet` (DIR/parquet/*.parquet, schema
    /// ctsleuth.parquet/v1: one table each of snapshots, workloads,
    /// destinations, ports, drops, bursts, suspects, stats, findings and
    /// inputs, for reading many cases at once with DuckDB or Spark). The
    /// reports' time honours SOURCE_DATE_EPOCH.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "html,png,md,json",
        value_name = "FORMATS"
    )]
    pub format: Vec<ReportFormat>,

    /// Size of PNG charts, WIDTHxHEIGHT in pixels.
    #[arg(long, default_value = "1600x900", value_name = "WxH")]
    pub png_size: String,

    /// Name of the case in the Parquet tables' `case` column, which tells
    /// cases apart when many are read as one fleet [default: the name of
    /// the first path, like the output folder].
    #[arg(long, value_name = "NAME")]
    pub case: Option<String>,

    /// With `--format parquet`: also write every conntrack entry, as the
    /// dataset DIR/parquet/entries/node=NODE/date=YYYY-MM-DD/part-N.parquet
    /// (addresses as text, the workloads of source and destination, case
    /// and capture time). The inputs are read a second time, block by
    /// block, so memory stays bounded; standard input, which cannot be read
    /// twice, is refused.
    #[arg(long)]
    pub entries: bool,

    /// Rows in each top list.
    #[arg(short = 'n', long = "rows", default_value_t = 10, value_name = "N")]
    pub rows: usize,

    /// List every node in the terminal digest. Without it the digest shows
    /// the worst 15 nodes (drops, then fill, then closes) and one line for
    /// the rest; the reports always hold every node.
    #[arg(long)]
    pub all: bool,

    #[command(flatten)]
    pub time: TimeArgs,

    #[command(flatten)]
    pub input: InputArgs,
}
