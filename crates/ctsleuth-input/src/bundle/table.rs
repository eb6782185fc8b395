//! The collector table itself: each collector's layout as data. The
//! sources each entry was read from are listed in the module above.

use super::{Collector, CollectorDef, Evidence, Role, Spec};
use crate::sniff::Kind;

const fn spec(pattern: &'static str, role: Role) -> Spec {
    Spec {
        pattern,
        role,
        netns: false,
        node: false,
        rank: 0,
    }
}

const fn netns(pattern: &'static str, role: Role) -> Spec {
    Spec {
        pattern,
        role,
        netns: true,
        node: false,
        rank: 0,
    }
}

const fn per_node(pattern: &'static str, role: Role) -> Spec {
    Spec {
        pattern,
        role,
        netns: false,
        node: true,
        rank: 0,
    }
}

const fn fallback(pattern: &'static str, role: Role) -> Spec {
    Spec {
        pattern,
        role,
        netns: false,
        node: false,
        rank: 1,
    }
}

use Kind::{ConntrackDump, ConntrackStats, Inventory, KernelLog, Sysctl};
use Role::{Capture, Ignored};

const SOS_SPECS: &[Spec] = &[
    spec(
        "sos_commands/conntrack/conntrack_-L_-o_extended",
        Capture(ConntrackDump),
    ),
    spec(
        "sos_commands/conntrack/conntrack_-L",
        Capture(ConntrackDump),
    ),
    netns(
        "sos_commands/conntrack/ip_netns_exec_*_conntrack_-L_-o_extended",
        Capture(ConntrackDump),
    ),
    spec(
        "sos_commands/conntrack/conntrack_-S",
        Capture(ConntrackStats),
    ),
    netns(
        "sos_commands/conntrack/ip_netns_exec_*_conntrack_-S",
        Capture(ConntrackStats),
    ),
    spec("sos_commands/conntrack/conntrackd_-s", Ignored),
    fallback("proc/net/nf_conntrack", Capture(ConntrackDump)),
    fallback("proc/net/ip_conntrack", Capture(ConntrackDump)),
    fallback("proc/net/stat/nf_conntrack", Capture(ConntrackStats)),
    // sos keeps /proc/net as a link to self/net, and self as a link to its
    // own pid: the files stand under proc/<pid>/net/.
    fallback("proc/*/net/nf_conntrack", Capture(ConntrackDump)),
    fallback("proc/*/net/ip_conntrack", Capture(ConntrackDump)),
    fallback("proc/*/net/stat/nf_conntrack", Capture(ConntrackStats)),
    spec("sos_commands/kernel/sysctl_-a", Capture(Sysctl)),
    netns(
        "sos_commands/networking/namespaces/*/ip_netns_exec_*_sysctl_-a",
        Capture(Sysctl),
    ),
    spec("proc/sys/net/netfilter/nf_conntrack_max", Capture(Sysctl)),
    spec(
        "proc/sys/net/netfilter/nf_conntrack_buckets",
        Capture(Sysctl),
    ),
    spec(
        "proc/sys/net/netfilter/nf_conntrack_count",
        Capture(ConntrackStats),
    ),
    spec("proc/sys/net/netfilter/nf_conntrack_*", Capture(Sysctl)),
    spec("proc/sys/net/nf_conntrack_max", Capture(Sysctl)),
    spec("sos_commands/kernel/dmesg", Capture(KernelLog)),
    spec("sos_commands/kernel/dmesg_-T", Capture(KernelLog)),
    spec("var/log/dmesg", Capture(KernelLog)),
    spec("var/log/messages*", Capture(KernelLog)),
    spec("var/log/kern.log*", Capture(KernelLog)),
    spec("var/log/syslog*", Capture(KernelLog)),
    spec("sos_commands/logs/journalctl_*", Capture(KernelLog)),
    spec("proc/stat", Capture(Sysctl)),
    spec("sos_commands/host/uptime", Role::Uptime),
    spec("proc/uptime", Role::Uptime),
    spec("sos_commands/host/hostname", Role::Hostname),
    spec("sos_commands/host/hostname_-f", Role::Hostname),
    spec("sos_commands/date/date_--utc", Role::DateUtc),
    spec("sos_commands/date/date", Role::Date),
    spec("sos_commands/systemd/timedatectl", Role::Date),
    spec("sos_reports/manifest.json", Role::SosManifest),
    spec("sos_commands/crio/crictl_*", Capture(Inventory)),
    spec("sos_commands/containerd/crictl_*", Capture(Inventory)),
    spec("sos_commands/kubernetes/*", Capture(Inventory)),
    spec("sos_strings/*/*.tailed", Role::Tailed),
];

const EKS_SPECS: &[Spec] = &[
    spec("networking/conntrack.txt", Role::Sniffed),
    spec("networking/conntrack6.txt", Role::Sniffed),
    spec("sysctls/sysctl_all.txt", Capture(Sysctl)),
    spec("kernel/dmesg.current", Capture(KernelLog)),
    spec("kernel/dmesg.human.current", Capture(KernelLog)),
    spec("kernel/dmesg.boot", Capture(KernelLog)),
    spec("var_log/messages*", Capture(KernelLog)),
    spec("var_log/syslog*", Capture(KernelLog)),
    spec("var_log/kern.log*", Capture(KernelLog)),
    spec("system/procstat.txt", Capture(Sysctl)),
    spec("system/instance-id.txt", Role::InstanceId),
];

const RANCHER_SPECS: &[Spec] = &[
    spec("systeminfo/hostnamefqdn", Role::Hostname),
    fallback("systeminfo/hostname", Role::Hostname),
    spec("systeminfo/date", Role::Date),
    spec("systeminfo/uptime", Role::Uptime),
    spec("systeminfo/conntrack", Capture(ConntrackStats)),
    spec("systeminfo/sysctla", Capture(Sysctl)),
    spec("systeminfo/dmesg", Capture(KernelLog)),
    spec("systemlogs/messages*", Capture(KernelLog)),
    spec("systemlogs/syslog*", Capture(KernelLog)),
    spec("systemlogs/kern*", Capture(KernelLog)),
    spec("systemlogs/dmesg*", Capture(KernelLog)),
    spec("journald/*", Capture(KernelLog)),
    spec("*/kubectl/*", Capture(Inventory)),
    spec("*/crictl/*", Capture(Inventory)),
];

const LOG_DUMP_SPECS: &[Spec] = &[
    per_node("*/kern.log", Capture(KernelLog)),
    per_node("*/serial-1.log", Capture(KernelLog)),
    per_node("*/kube-proxy.log*", Capture(KernelLog)),
    per_node("*/kubelet.log", Ignored),
];

const CLUSTER_INFO_SPECS: &[Spec] = &[
    spec("nodes.json", Capture(Inventory)),
    spec("*/pods.json", Capture(Inventory)),
    spec("*/services.json", Capture(Inventory)),
    spec("*/endpoints.json", Capture(Inventory)),
    spec("*/events.json", Ignored),
    spec("*/daemonsets.json", Ignored),
    spec("*/deployments.json", Ignored),
    spec("*/replicasets.json", Ignored),
    spec("*/replication-controllers.json", Ignored),
    spec("*/*/logs.txt", Capture(KernelLog)),
];

const YAML: &str =
    "YAML resources are not read by this version: add `kubectl get nodes,pods -A -o json` captures";

const MUST_GATHER_SPECS: &[Spec] = &[
    spec(
        "**/cluster-scoped-resources/core/nodes/*.yaml",
        Role::Unreadable(YAML),
    ),
    spec("**/namespaces/*/core/pods.yaml", Role::Unreadable(YAML)),
    spec(
        "**/host_service_logs/masters/*_service.log",
        Capture(KernelLog),
    ),
];

const AKS_SPECS: &[Spec] = &[
    spec("nodelogs/var_log_kern.log*", Capture(KernelLog)),
    spec("nodelogs/var_log_messages*", Capture(KernelLog)),
    spec("nodelogs/var_log_syslog*", Capture(KernelLog)),
    spec("systemlogs/*", Capture(KernelLog)),
    spec("iptables/*", Ignored),
];

const TALOS_SPECS: &[Spec] = &[
    per_node("*/dmesg.log", Capture(KernelLog)),
    per_node("*/service-logs/*.log", Capture(KernelLog)),
    spec("kubernetesResources/*.yaml", Role::Unreadable(YAML)),
];

const KIT_SPECS: &[Spec] = &[
    spec("ctsleuth-capture.txt", Role::KitManifest),
    // The manifest's `node:` is `hostname`; the file is `hostname -f`.
    fallback("hostname", Role::Hostname),
    spec("date", Role::DateUtc),
    spec("uname.txt", Ignored),
];

const ASK_LISTING_SOS: &str = "its conntrack plugin did not run (it needs the conntrack package and the nf_conntrack_netlink module loaded): ask for `sos report -e conntrack`, or `conntrack -L -o extended > conntrack-L.txt 2>&1` on the node (or `ctsleuth capture-script`)";
const ASK_LISTING: &str = "ask for `conntrack -L -o extended > conntrack-L.txt 2>&1` on the node, or run `ctsleuth capture-script` there";
const ASK_COUNTERS: &str =
    "ask for `conntrack -S` (twice, a minute apart) or /proc/net/stat/nf_conntrack";
const ASK_LIMITS: &str = "ask for `sysctl net.netfilter` (nf_conntrack_max and the timeouts)";
const ASK_KERNEL: &str =
    "ask for `journalctl -k --since -3days -o short-iso-precise` or `dmesg -T` from the node";
const ASK_INVENTORY: &str = "add `kubectl get nodes,pods,svc -A -o json` to name workloads";

/// The table. Order matters where patterns overlap: the first match wins.
pub fn table() -> &'static [CollectorDef] {
    static TABLE: &[CollectorDef] = &[
        CollectorDef {
            collector: Collector::CaptureKit,
            name: r"^(?P<host>.+)-(?P<time>\d{8}T\d{6}Z)$",
            time_format: "%Y%m%dT%H%M%SZ",
            markers: &["ctsleuth-capture.txt"],
            closed: false,
            specs: KIT_SPECS,
            expects: &[
                (Evidence::ConntrackListing, ASK_LISTING),
                (Evidence::ConntrackCounters, ASK_COUNTERS),
                (Evidence::Limits, ASK_LIMITS),
                (Evidence::KernelLog, ASK_KERNEL),
            ],
        },
        CollectorDef {
            collector: Collector::SosCollect,
            name: r"^sos-collector-",
            time_format: "",
            markers: &[],
            closed: true,
            specs: &[],
            expects: &[],
        },
        CollectorDef {
            collector: Collector::SosReport,
            // Friendly: sosreport-<host>[-<label>][-<case>]-YYYY-MM-DD-<7 random>;
            // legacy: sosreport-<host>[.<case>]-YYYYmmddHHMMSS.
            name: r"^(?:secured-)?sosreport-(?P<host>.+?)(?:-(?P<date>\d{4}-\d{2}-\d{2})-[a-z]{7}|-(?P<time>\d{14}))$",
            time_format: "%Y%m%d%H%M%S",
            markers: &["sos_commands", "sos_reports/manifest.json", "sos_logs"],
            closed: true,
            specs: SOS_SPECS,
            expects: &[
                (Evidence::ConntrackListing, ASK_LISTING_SOS),
                (Evidence::ConntrackCounters, ASK_COUNTERS),
                (Evidence::Limits, ASK_LIMITS),
                (
                    Evidence::KernelLog,
                    "ask for the sos report with `--all-logs`, or for `journalctl -k` from the node",
                ),
                (
                    Evidence::NodeName,
                    "the sos report has no sos_commands/host/hostname: pass --node PATH=NAME",
                ),
                (
                    Evidence::CaptureTime,
                    "the sos report has no sos_commands/date: pass --captured-at PATH=TIME",
                ),
            ],
        },
        CollectorDef {
            collector: Collector::EksLogCollector,
            name: r"^eks_(?P<instance>i-[0-9a-f]+)_(?P<time>\d{4}-\d{2}-\d{2}_\d{4})-UTC_.*$",
            time_format: "%Y-%m-%d_%H%M",
            markers: &["networking/conntrack.txt", "system/instance-id.txt"],
            closed: true,
            specs: EKS_SPECS,
            expects: &[
                (
                    Evidence::ConntrackListing,
                    "the collector ran `conntrack -L` for 75 s at most: run it again, or `conntrack -L -o extended` on the node",
                ),
                (Evidence::ConntrackCounters, ASK_COUNTERS),
                (Evidence::Limits, ASK_LIMITS),
                (Evidence::KernelLog, ASK_KERNEL),
                (
                    Evidence::BootTime,
                    "raw dmesg needs the boot time: ask for /proc/stat",
                ),
            ],
        },
        CollectorDef {
            collector: Collector::RancherLogsCollector,
            name: r"^(?P<host>[A-Za-z0-9][A-Za-z0-9.\-]*)-(?P<time>\d{4}-\d{2}-\d{2}_\d{2}_\d{2}_\d{2})$",
            time_format: "%Y-%m-%d_%H_%M_%S",
            markers: &["systeminfo"],
            closed: true,
            specs: RANCHER_SPECS,
            expects: &[
                (
                    Evidence::ConntrackListing,
                    "the Rancher collector captures `conntrack -S` only: ask for `conntrack -L -o extended > conntrack-L.txt 2>&1` on the node, or run `ctsleuth capture-script` there",
                ),
                (Evidence::ConntrackCounters, ASK_COUNTERS),
                (Evidence::Limits, ASK_LIMITS),
                (Evidence::KernelLog, ASK_KERNEL),
            ],
        },
        CollectorDef {
            collector: Collector::ClusterInfoDump,
            name: r"^$",
            time_format: "",
            markers: &["nodes.json"],
            closed: true,
            specs: CLUSTER_INFO_SPECS,
            expects: &[(Evidence::Inventory, ASK_INVENTORY)],
        },
        CollectorDef {
            collector: Collector::MustGather,
            name: r"^must-gather",
            time_format: "",
            markers: &["timestamp"],
            closed: true,
            specs: MUST_GATHER_SPECS,
            expects: &[(
                Evidence::ConntrackListing,
                "must-gather holds no conntrack capture: take a sos report of the node (`oc debug node/NAME`, then `toolbox` and `sos report -e conntrack`)",
            )],
        },
        CollectorDef {
            collector: Collector::TalosSupport,
            name: r"^support(?:-.+)?$",
            time_format: "",
            markers: &["kubernetesResources"],
            closed: true,
            specs: TALOS_SPECS,
            expects: &[(
                Evidence::ConntrackListing,
                "Talos support bundles hold no conntrack capture: use `talosctl -n NODE read /proc/net/nf_conntrack`",
            )],
        },
        CollectorDef {
            collector: Collector::AksPeriscope,
            name: r"^(?P<host>aks-[a-z0-9]+-\d+-vmss[0-9a-z]+)$",
            time_format: "",
            markers: &["nodelogs", "iptables"],
            closed: true,
            specs: AKS_SPECS,
            expects: &[(
                Evidence::ConntrackListing,
                "AKS Periscope collects no conntrack capture: run `conntrack -L -o extended` on the node (`kubectl debug node/NAME`)",
            )],
        },
        CollectorDef {
            collector: Collector::KubeLogDump,
            name: r"^$",
            time_format: "",
            markers: &[],
            closed: false,
            specs: LOG_DUMP_SPECS,
            expects: &[],
        },
    ];
    TABLE
}
