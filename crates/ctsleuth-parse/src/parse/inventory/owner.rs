//! Who runs a pod: the owner read from a pod name when a capture has no
//! ownerReferences, and the workload (Deployment, CronJob, StatefulSet,
//! DaemonSet, static pod, ...) an owner stands for.
//!
//! Generated name parts are told from words by their alphabet: pod-template
//! hashes and `generateName` suffixes use only [`NAME_ALPHABET`], which has no
//! vowels.

use std::collections::BTreeMap;

use memchr::memmem;

use crate::model::inventory::{Owner, Pod};

/// The alphabet of Kubernetes generated names: pod-template hashes and the
/// random suffixes of `generateName` (no vowels, no look-alike digits).
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Length of the random suffix `generateName` appends.
const SUFFIX_LEN: usize = 5;

/// Digits in the name of a Job a CronJob made (scheduled minutes since the
/// epoch: 8 digits until the 22nd century; seconds, 10 digits, before 1.21).
const CRON_DIGITS_MIN: usize = 8;

/// Static pods of kubeadm-style control planes: `<component>-<node name>`.
const CONTROL_PLANE_PREFIXES: [&str; 4] = [
    "kube-apiserver-",
    "kube-controller-manager-",
    "kube-scheduler-",
    "etcd-",
];

/// A generated name part: only characters of [`NAME_ALPHABET`].
pub(super) fn is_generated(part: &str, lengths: std::ops::RangeInclusive<usize>) -> bool {
    lengths.contains(&part.len()) && part.bytes().all(|c| NAME_ALPHABET.contains(&c))
}

/// A pod-template hash: a `uint32` hash printed in decimal and re-encoded
/// letter by letter into [`NAME_ALPHABET`], so 1 to 10 characters; shorter
/// than 6 is too rare to tell from a word.
fn is_template_hash(part: &str) -> bool {
    is_generated(part, 6..=10)
}

/// One or more ASCII digits.
fn all_digits(part: &str) -> bool {
    !part.is_empty() && part.bytes().all(|c| c.is_ascii_digit())
}

/// `name` split at its last `-`, both sides non-empty.
fn split_last(name: &str) -> Option<(&str, &str)> {
    name.rsplit_once('-')
        .filter(|(head, tail)| !head.is_empty() && !tail.is_empty())
}

/// An owner read from a name.
fn owner(kind: &str, name: &str) -> Owner {
    Owner {
        kind: kind.to_owned(),
        name: name.to_owned(),
        inferred: true,
    }
}

/// A GKE node name: `gke-<cluster>-<pool>-<8 hex digits>-<4 characters>`.
fn is_gke_node(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("gke-") else {
        return false;
    };
    let parts: Vec<&str> = rest.split('-').collect();
    match parts.as_slice() {
        [.., group, instance] if parts.len() >= 3 => {
            group.len() == 8
                && group.bytes().all(|c| c.is_ascii_hexdigit())
                && instance.len() == 4
                && instance
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        }
        _ => false,
    }
}

/// A static pod named after a GKE node: `kube-proxy-gke-prod-...-x2lq`.
fn gke_static_owner(pod_name: &str) -> Option<Owner> {
    memmem::find_iter(pod_name.as_bytes(), b"-gke-")
        .filter(|&at| at > 0)
        .filter_map(|at| pod_name.get(at + 1..))
        .find(|node| is_gke_node(node))
        .map(|node| owner("Node", node))
}

/// `web-7c9f8b5d4-x8k2q` → ReplicaSet `web-7c9f8b5d4`.
fn replicaset_owner(pod_name: &str) -> Option<Owner> {
    let (rs, suffix) = split_last(pod_name)?;
    let (_, hash) = split_last(rs)?;
    (is_generated(suffix, SUFFIX_LEN..=SUFFIX_LEN) && is_template_hash(hash))
        .then(|| owner("ReplicaSet", rs))
}

/// `backup-28871520-abcde` → Job `backup-28871520` (made by a CronJob); the
/// digits are evidence enough to take any 5-character suffix.
fn cron_job_owner(pod_name: &str) -> Option<Owner> {
    let (job, suffix) = split_last(pod_name)?;
    let (_, stamp) = split_last(job)?;
    let suffix_ok = suffix.len() == SUFFIX_LEN
        && suffix
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (suffix_ok && all_digits(stamp) && stamp.len() >= CRON_DIGITS_MIN).then(|| owner("Job", job))
}

/// `kube-scheduler-master-1` → Node `master-1` (kubeadm static pods).
fn control_plane_owner(pod_name: &str) -> Option<Owner> {
    CONTROL_PLANE_PREFIXES.iter().find_map(|prefix| {
        let node = pod_name.strip_prefix(prefix)?;
        // `etcd-0` is a StatefulSet pod, not etcd on a node named `0`.
        (!node.is_empty() && !all_digits(node)).then(|| owner("Node", node))
    })
}

/// `db-0`, `redis-master-12` → StatefulSet. Five digits from the name
/// alphabet are more likely a random suffix than an ordinal.
fn statefulset_owner(pod_name: &str) -> Option<Owner> {
    let (set, ordinal) = split_last(pod_name)?;
    let random_like = is_generated(ordinal, SUFFIX_LEN..=SUFFIX_LEN);
    (all_digits(ordinal) && ordinal.len() <= 6 && !random_like).then(|| owner("StatefulSet", set))
}

/// `<name>-<5 random characters>`: a DaemonSet pod (a Job pod looks the
/// same; DaemonSets are commoner).
fn suffixed_owner(pod_name: &str) -> Option<Owner> {
    let (set, suffix) = split_last(pod_name)?;
    is_generated(suffix, SUFFIX_LEN..=SUFFIX_LEN).then(|| owner("DaemonSet", set))
}

/// Owner inferred from a pod name alone (no ownerReferences in `-o wide` tables): `web-7c9f8b5d4-x8k2q` → ReplicaSet `web-7c9f8b5d4`;
/// `db-0` → StatefulSet `db`; `fluentbit-gke-8xk2p` (5-char suffix, no hash) → DaemonSet `fluentbit-gke` ; `backup-28871520-abcde` → Job `backup-28871520`.
/// Kubernetes pod-template hashes and random suffixes use the alphabet `bcdfghjklmnpqrstvwxz2456789`; use that to tell them from ordinary words. Mark `inferred: true`.
///
/// Static pods are recognised when named after a GKE node
/// (`kube-proxy-gke-<cluster>-<pool>-<hex>-<xxxx>`) or a kubeadm control-plane
/// component (`kube-apiserver-<node>`, `etcd-<node>`): owner kind `Node`.
pub fn infer_owner(pod_name: &str) -> Option<Owner> {
    let name = pod_name.trim();
    gke_static_owner(name)
        .or_else(|| replicaset_owner(name))
        .or_else(|| cron_job_owner(name))
        .or_else(|| control_plane_owner(name))
        .or_else(|| statefulset_owner(name))
        .or_else(|| suffixed_owner(name))
}

/// A static pod is named `<name>-<node name>`: with the node known, that
/// says it is one.
pub(super) fn static_owner(pod_name: &str, node: Option<&str>) -> Option<Owner> {
    let node = node.filter(|n| !n.is_empty())?;
    let head = pod_name.strip_suffix(node)?.strip_suffix('-')?;
    (!head.is_empty()).then(|| owner("Node", node))
}

/// `name` without a generated `-xxxxx` suffix (an EndpointSlice's name
/// is its service's plus one).
pub(super) fn without_generated_suffix(name: &str) -> &str {
    match split_last(name) {
        Some((head, tail)) if is_generated(tail, SUFFIX_LEN..=SUFFIX_LEN) => head,
        _ => name,
    }
}

/// The Deployment of a ReplicaSet: its name without the pod-template hash
/// (taken from the pod's `pod-template-hash` label when it has one).
fn deployment_of<'a>(replicaset: &'a str, labels: &BTreeMap<String, String>) -> Option<&'a str> {
    if let Some(hash) = labels.get("pod-template-hash") {
        let head = replicaset.strip_suffix(hash.as_str())?.strip_suffix('-')?;
        return (!head.is_empty()).then_some(head);
    }
    // Without the label, the ReplicaSet's last part is the hash whatever
    // characters it uses: decimal before Kubernetes 1.8, the safe alphabet
    // since, hex in some controllers.
    let (head, hash) = split_last(replicaset)?;
    let any_hash = (6..=10).contains(&hash.len())
        && hash
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (is_template_hash(hash) || any_hash).then_some(head)
}

/// The CronJob of a Job named `<cronjob>-<scheduled time>`.
fn cronjob_of(job: &str) -> Option<&str> {
    let (head, stamp) = split_last(job)?;
    (all_digits(stamp) && stamp.len() >= CRON_DIGITS_MIN).then_some(head)
}

/// A static pod's name without its `-<node name>` suffix.
fn static_pod_base<'a>(pod: &'a Pod, owner_node: &str) -> &'a str {
    let nodes = [Some(owner_node), pod.node.as_deref()];
    nodes
        .into_iter()
        .flatten()
        .filter(|node| !node.is_empty())
        .find_map(|node| {
            pod.name
                .strip_suffix(node)
                .and_then(|head| head.strip_suffix('-'))
                .filter(|head| !head.is_empty())
        })
        .unwrap_or(&pod.name)
}

/// The workload a pod belongs to: (kind, name). Deployment from a ReplicaSet owner with the pod-template hash stripped
/// (`web-7c9f8b5d4` → ("Deployment","web")); CronJob from a Job named `<cronjob>-<digits>`; StatefulSet, DaemonSet, Job as owned;
/// a bare pod (no owner) is its own workload ("Pod", name); static pods (owner kind Node) → ("StaticPod", name minus "-<node name>" suffix when known).
///
/// A ReplicaSet whose name carries no hash is its own workload
/// (`ReplicaSet`), and so is any other owner kind.
pub fn workload(pod: &Pod) -> (String, String) {
    let Some(owner) = &pod.owner else {
        return ("Pod".to_owned(), pod.name.clone());
    };
    let name = owner.name.as_str();
    let (kind, name) = match owner.kind.as_str() {
        "ReplicaSet" => match deployment_of(name, &pod.labels) {
            Some(deployment) => ("Deployment", deployment),
            None => ("ReplicaSet", name),
        },
        "Job" => match cronjob_of(name) {
            Some(cronjob) => ("CronJob", cronjob),
            None => ("Job", name),
        },
        "Node" => ("StaticPod", static_pod_base(pod, name)),
        other => (other, name),
    };
    (kind.to_owned(), name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inferred(name: &str) -> Option<(String, String)> {
        infer_owner(name).map(|o| {
            assert!(o.inferred, "{name}");
            (o.kind, o.name)
        })
    }

    fn some(kind: &str, name: &str) -> Option<(String, String)> {
        Some((kind.to_owned(), name.to_owned()))
    }

    #[test]
    fn generated_parts_use_the_name_alphabet() {
        assert!(is_generated("x8k2q", 5..=5));
        assert!(is_template_hash("7c9f8b5d4") && is_template_hash("5d78c9869d"));
        assert!(!is_generated("abcde", 5..=5), "vowels are never generated");
        assert!(!is_generated("shell", 5..=5));
        assert!(!is_generated("x8k2", 5..=5));
        assert!(!is_template_hash("gke") && !is_template_hash("7c9f8b5d4a1"));
        assert!(!is_generated("X8K2Q", 5..=5));
    }

    #[test]
    fn gke_node_names() {
        assert!(is_gke_node("gke-prod-default-pool-7f3a9c21-x2lq"));
        assert!(!is_gke_node("gke-8xk2p"));
        assert!(!is_gke_node("gke-prod-default-pool-7f3a9c2z-x2lq"));
        assert!(!is_gke_node("prod-default-pool-7f3a9c21-x2lq"));
    }

    #[test]
    fn owners_inferred_from_pod_names() {
        let cases = [
            ("web-7c9f8b5d4-x8k2q", some("ReplicaSet", "web-7c9f8b5d4")),
            (
                "coredns-5d78c9869d-2kq8w",
                some("ReplicaSet", "coredns-5d78c9869d"),
            ),
            (
                "kube-proxy-gke-prod-default-pool-7f3a9c21-x2lq",
                some("Node", "gke-prod-default-pool-7f3a9c21-x2lq"),
            ),
            ("db-0", some("StatefulSet", "db")),
            ("redis-master-12", some("StatefulSet", "redis-master")),
            ("web-10000", some("StatefulSet", "web")),
            ("backup-28871520-abcde", some("Job", "backup-28871520")),
            ("report-1732611600-x8k2q", some("Job", "report-1732611600")),
            ("fluentbit-gke-8xk2p", some("DaemonSet", "fluentbit-gke")),
            ("kube-proxy-x8k2q", some("DaemonSet", "kube-proxy")),
            ("my-app-v2-x8k2q", some("DaemonSet", "my-app-v2")),
            ("web-24567", some("DaemonSet", "web")),
            (
                "kube-scheduler-7c9f8b5d4-x8k2q",
                some("ReplicaSet", "kube-scheduler-7c9f8b5d4"),
            ),
            ("kube-apiserver-master-1", some("Node", "master-1")),
            ("etcd-control-plane", some("Node", "control-plane")),
            ("etcd-0", some("StatefulSet", "etcd")),
            ("debug-shell", None),
            ("nginx", None),
            ("web-hello", None),
            ("-x8k2q", None),
            ("db-", None),
            ("", None),
            ("üñí-çødé", None),
        ];
        for (name, want) in cases {
            assert_eq!(inferred(name), want, "{name}");
        }
    }

    fn pod(name: &str, owner: Option<(&str, &str)>) -> Pod {
        Pod {
            namespace: "shop".to_owned(),
            name: name.to_owned(),
            node: None,
            ips: Vec::new(),
            host_network: false,
            phase: None,
            created: None,
            deleted: None,
            started: None,
            owner: owner.map(|(kind, name)| Owner {
                kind: kind.to_owned(),
                name: name.to_owned(),
                inferred: false,
            }),
            labels: BTreeMap::new(),
        }
    }

    fn wl(p: &Pod) -> (String, String) {
        workload(p)
    }

    fn pair(kind: &str, name: &str) -> (String, String) {
        (kind.to_owned(), name.to_owned())
    }

    #[test]
    fn workloads_of_owned_pods() {
        let rs = pod("web-7c9f8b5d4-x8k2q", Some(("ReplicaSet", "web-7c9f8b5d4")));
        assert_eq!(wl(&rs), pair("Deployment", "web"));
        let rs = pod(
            "coredns-5d78c9869d-2kq8w",
            Some(("ReplicaSet", "coredns-5d78c9869d")),
        );
        assert_eq!(wl(&rs), pair("Deployment", "coredns"));
        // Hashes of other alphabets: decimal (Kubernetes before 1.8), hex.
        let decimal = pod(
            "nginx-2035384211-7ci7o",
            Some(("ReplicaSet", "nginx-2035384211")),
        );
        assert_eq!(wl(&decimal), pair("Deployment", "nginx"));
        let hex = pod("api-6f9a0c1e-abcde", Some(("ReplicaSet", "api-6f9a0c1e")));
        assert_eq!(wl(&hex), pair("Deployment", "api"));
        let bare_rs = pod("legacy-x8k2q", Some(("ReplicaSet", "legacy")));
        assert_eq!(wl(&bare_rs), pair("ReplicaSet", "legacy"));
        let cron = pod("backup-28871520-v7x2k", Some(("Job", "backup-28871520")));
        assert_eq!(wl(&cron), pair("CronJob", "backup"));
        let job = pod("migrate-2-v7x2k", Some(("Job", "migrate-2")));
        assert_eq!(wl(&job), pair("Job", "migrate-2"));
        let sts = pod("db-0", Some(("StatefulSet", "db")));
        assert_eq!(wl(&sts), pair("StatefulSet", "db"));
        let ds = pod("fluentbit-gke-8xk2p", Some(("DaemonSet", "fluentbit-gke")));
        assert_eq!(wl(&ds), pair("DaemonSet", "fluentbit-gke"));
        let other = pod("web-5f6d7-x8k2q", Some(("Rollout", "web")));
        assert_eq!(wl(&other), pair("Rollout", "web"));
        assert_eq!(wl(&pod("debug-shell", None)), pair("Pod", "debug-shell"));
    }

    #[test]
    fn the_hash_label_beats_the_alphabet() {
        // A short hash the alphabet rule would not trust.
        let mut p = pod("api-5fd7-x8k2q", Some(("ReplicaSet", "api-5fd7")));
        assert_eq!(wl(&p), pair("ReplicaSet", "api-5fd7"));
        p.labels.insert("pod-template-hash".into(), "5fd7".into());
        assert_eq!(wl(&p), pair("Deployment", "api"));
        p.labels.insert("pod-template-hash".into(), "other".into());
        assert_eq!(wl(&p), pair("ReplicaSet", "api-5fd7"));
    }

    #[test]
    fn static_pods_lose_their_node_suffix() {
        let node = "gke-prod-default-pool-7f3a9c21-x2lq";
        let name = format!("kube-proxy-{node}");
        let mut p = pod(&name, Some(("Node", node)));
        assert_eq!(wl(&p), pair("StaticPod", "kube-proxy"));
        // The owner may name the node only through the pod's spec.
        p.owner = Some(owner("Node", ""));
        p.node = Some(node.to_owned());
        assert_eq!(wl(&p), pair("StaticPod", "kube-proxy"));
        // Unknown node: the whole name.
        let p = pod("etcd-master", Some(("Node", "other-node")));
        assert_eq!(wl(&p), pair("StaticPod", "etcd-master"));
        assert_eq!(
            static_owner(&name, Some(node)).map(|o| o.name),
            Some(node.to_owned())
        );
        assert_eq!(static_owner(node, Some(node)), None);
        assert_eq!(static_owner("web-1", Some("")), None);
        // An inferred static owner gives the same workload.
        let mut p = pod(&name, None);
        p.owner = infer_owner(&name);
        assert_eq!(wl(&p), pair("StaticPod", "kube-proxy"));
    }
}
