//! The cells of each text table this module reads, and the records they
//! make: `kubectl get pods|nodes|svc|endpoints` (the crictl tables are in
//! [`super::crictl`]).
//! [`super::table`] finds the cells; each function here checks a row's cells
//! (a READY that is not `n/m` means the columns were misread) and builds one
//! record, or says what was expected.

use std::collections::BTreeMap;
use std::net::IpAddr;

use nom::bytes::complete::{tag, take_till1, take_until};
use nom::character::complete::{alpha1, char, u16 as port, u32 as count, u64 as more_count};
use nom::combinator::{eof, opt};
use nom::multi::separated_list1;
use nom::sequence::{delimited, preceded, separated_pair, terminated};
use nom::{IResult, Parser};

use super::owner::{static_owner, without_generated_suffix};
use super::sockets::host_port;
use super::{infer_owner, ip_addr};
use crate::model::inventory::{Endpoint, Node, Pod, Service};

type Res<'a, T> = IResult<&'a str, T>;

/// Columns of `kubectl get pods [-A] [-o wide] [--show-labels]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PodColumns {
    pub namespace: Option<usize>,
    pub name: usize,
    pub ready: usize,
    pub status: usize,
    pub restarts: usize,
    pub ip: Option<usize>,
    pub node: Option<usize>,
    pub labels: Option<usize>,
}

/// Columns of `kubectl get nodes [-o wide]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct NodeColumns {
    pub name: usize,
    pub status: usize,
    pub version: usize,
    pub internal_ip: Option<usize>,
    pub external_ip: Option<usize>,
    pub os_image: Option<usize>,
    pub kernel: Option<usize>,
}

/// Columns of `kubectl get svc [-A] [-o wide]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ServiceColumns {
    pub namespace: Option<usize>,
    pub name: usize,
    pub kind: usize,
    pub cluster_ip: usize,
    pub ports: usize,
}

/// Columns of `kubectl get endpoints [-A]` and `kubectl get endpointslices
/// [-A]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct EndpointColumns {
    pub namespace: Option<usize>,
    pub name: usize,
    pub endpoints: usize,
    /// EndpointSlices: NAME is the slice (`kube-dns-x8k2q`), the addresses
    /// have no port.
    pub slice: bool,
}

/// Cell `i`, empty when the row is short.
pub(super) fn cell<'r>(cells: &[&'r str], i: usize) -> &'r str {
    cells.get(i).copied().unwrap_or_default()
}

/// A cell with a value: not empty, not `<none>`, `<unknown>` or `<unset>`.
pub(super) fn optional(cell: &str) -> Option<&str> {
    match cell {
        "" | "<none>" | "<unknown>" | "<unset>" | "<nil>" => None,
        _ => Some(cell),
    }
}

/// An object name, without the `pod/`, `service/`, `node/` prefix of
/// `kubectl get pods,svc`.
pub(super) fn object_name(cell: &str) -> Option<&str> {
    let name = cell.split_once('/').map_or(cell, |(_, name)| name);
    let ok = name
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._".contains(&c));
    ok.then_some(name)
}

/// `<none>` or an IP address; `Err` for anything else.
fn ip_cell(cell: &str) -> Result<Option<IpAddr>, ()> {
    optional(cell)
        .map(|text| ip_addr(text).ok_or(()))
        .transpose()
}

/// `1/1`, `0/2`: the READY column.
fn ready(i: &str) -> Res<'_, (u32, u32)> {
    terminated(separated_pair(count, char('/'), count), eof).parse(i)
}

/// `5`, `5 (10h ago)`: the RESTARTS column.
fn restarts(i: &str) -> Res<'_, u32> {
    let last = delimited(tag(" ("), take_until(" ago)"), tag(" ago)"));
    terminated(terminated(count, opt(last)), eof).parse(i)
}

/// `53/UDP`, `80:31380/TCP`: one entry of PORT(S), as (port, protocol).
fn service_port(i: &str) -> Res<'_, (u16, String)> {
    (
        port::<&str, nom::error::Error<&str>>,
        opt(preceded(char(':'), port)),
        char('/'),
        alpha1,
    )
        .map(|(p, _, _, protocol)| (p, protocol.to_owned()))
        .parse(i)
}

/// The PORT(S) column: `53/UDP,53/TCP,9153/TCP`.
fn service_ports(i: &str) -> Res<'_, Vec<(u16, String)>> {
    terminated(separated_list1(char(','), service_port), eof).parse(i)
}

/// The ENDPOINTS column: `10.4.0.7:53,10.4.2.5:53 + 1 more...` (bare
/// addresses for EndpointSlices); the addresses and whether kubectl cut the
/// list short.
fn endpoint_list(i: &str) -> Res<'_, (Vec<&str>, bool)> {
    let address = take_till1(|c| c == ',' || c == ' ');
    let more = delimited(tag(" + "), more_count, tag(" more..."));
    terminated((separated_list1(char(','), address), opt(more)), eof)
        .map(|(list, more)| (list, more.is_some()))
        .parse(i)
}

/// `app=web,pod-template-hash=7c9f8b5d4`: the LABELS column of
/// `--show-labels`.
fn labels(cell: &str) -> BTreeMap<String, String> {
    optional(cell)
        .into_iter()
        .flat_map(|text| text.split(','))
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The NAMESPACE cell, or empty when the table has no such column.
fn namespace(cells: &[&str], column: Option<usize>) -> Result<String, String> {
    let Some(i) = column else {
        return Ok(String::new());
    };
    object_name(cell(cells, i))
        .map(str::to_owned)
        .ok_or_else(|| "a namespace in the NAMESPACE column".to_owned())
}

/// A cell that must not be empty.
pub(super) fn required<'r>(cells: &[&'r str], i: usize, what: &str) -> Result<&'r str, String> {
    let text = cell(cells, i);
    if text.is_empty() {
        Err(what.to_owned())
    } else {
        Ok(text)
    }
}

/// A `kubectl get pods` row; the owner is read from the pod name.
pub(super) fn pod(c: &PodColumns, cells: &[&str]) -> Result<Pod, String> {
    let PodColumns {
        namespace: ns,
        name,
        ready: ready_col,
        status,
        restarts: restarts_col,
        ip,
        node,
        labels: labels_col,
    } = *c;
    let name = object_name(cell(cells, name)).ok_or("a pod name in the NAME column")?;
    let namespace = namespace(cells, ns)?;
    ready(cell(cells, ready_col)).map_err(|_| "READY like 1/1")?;
    let status = required(cells, status, "a STATUS like Running")?;
    // Cells after STATUS may be missing from a row cut short.
    let restarts_cell = cell(cells, restarts_col);
    if !restarts_cell.is_empty() {
        restarts(restarts_cell).map_err(|_| "RESTARTS like 5 or 5 (10h ago)")?;
    }
    let ips = match ip {
        Some(i) => {
            ip_cell(cell(cells, i)).map_err(|()| "an IP address or <none> in the IP column")?
        }
        None => None,
    };
    let node = node
        .and_then(|i| optional(cell(cells, i)))
        .map(str::to_owned);
    let owner = static_owner(name, node.as_deref()).or_else(|| infer_owner(name));
    Ok(Pod {
        namespace,
        name: name.to_owned(),
        node,
        ips: ips.into_iter().collect(),
        host_network: false,
        phase: Some(status.to_owned()),
        created: None,
        deleted: None,
        started: None,
        owner,
        labels: labels_col
            .map(|i| labels(cell(cells, i)))
            .unwrap_or_default(),
    })
}

/// A `kubectl get nodes` row.
pub(super) fn node(c: &NodeColumns, cells: &[&str]) -> Result<Node, String> {
    let NodeColumns {
        name,
        status,
        version,
        internal_ip,
        external_ip,
        os_image,
        kernel,
    } = *c;
    let name = object_name(cell(cells, name)).ok_or("a node name in the NAME column")?;
    required(cells, status, "a STATUS like Ready")?;
    if !cell(cells, version).starts_with('v') {
        return Err("a VERSION like v1.29.4".to_owned());
    }
    let ips = |column: Option<usize>, what: &str| match column {
        Some(i) => ip_cell(cell(cells, i))
            .map(|ip| ip.into_iter().collect::<Vec<_>>())
            .map_err(|()| format!("an IP address or <none> in {what}")),
        None => Ok(Vec::new()),
    };
    let text = |column: Option<usize>| {
        column
            .and_then(|i| optional(cell(cells, i)))
            .map(str::to_owned)
    };
    Ok(Node {
        name: name.to_owned(),
        internal_ips: ips(internal_ip, "INTERNAL-IP")?,
        external_ips: ips(external_ip, "EXTERNAL-IP")?,
        cpu_millis: None,
        memory_bytes: None,
        kernel: text(kernel),
        os_image: text(os_image),
        pod_cidr: None,
        provider_id: None,
        hostnames: Vec::new(),
    })
}

/// A `kubectl get svc` row; `None` in CLUSTER-IP is a headless service.
pub(super) fn service(c: &ServiceColumns, cells: &[&str]) -> Result<Service, String> {
    let ServiceColumns {
        namespace: ns,
        name,
        kind,
        cluster_ip,
        ports,
    } = *c;
    let name = object_name(cell(cells, name)).ok_or("a service name in the NAME column")?;
    let namespace = namespace(cells, ns)?;
    required(cells, kind, "a TYPE like ClusterIP")?;
    let cluster_ips = match cell(cells, cluster_ip) {
        "None" => Vec::new(),
        text => ip_cell(text)
            .map_err(|()| "an IP address, None or <none> in CLUSTER-IP")?
            .into_iter()
            .collect(),
    };
    let ports = match optional(cell(cells, ports)) {
        None => Vec::new(),
        Some(text) => {
            service_ports(text)
                .map_err(|_| "PORT(S) like 53/UDP,53/TCP or 80:31380/TCP")?
                .1
        }
    };
    Ok(Service {
        namespace,
        name: name.to_owned(),
        cluster_ips,
        ports,
    })
}

/// The addresses of one `kubectl get endpoints` or `endpointslices` row,
/// and whether kubectl cut them short.
pub(super) fn endpoints(
    c: &EndpointColumns,
    cells: &[&str],
) -> Result<(Vec<Endpoint>, bool), String> {
    let EndpointColumns {
        namespace: ns,
        name,
        endpoints,
        slice,
    } = *c;
    let name = object_name(cell(cells, name)).ok_or("a name in the NAME column")?;
    let service = if slice {
        without_generated_suffix(name)
    } else {
        name
    };
    let namespace = namespace(cells, ns)?;
    let Some(text) = optional(cell(cells, endpoints)) else {
        return Ok((Vec::new(), false));
    };
    let expected = "ENDPOINTS like 10.4.0.7:53,10.4.2.5:53";
    let (_, (list, cut)) = endpoint_list(text).map_err(|_| expected)?;
    let mut ips: Vec<IpAddr> = Vec::new();
    for address in list {
        let ip = ip_addr(address)
            .or_else(|| host_port(address).and_then(|(ip, _)| ip))
            .ok_or(expected)?;
        if !ips.contains(&ip) {
            ips.push(ip);
        }
    }
    let list = ips
        .into_iter()
        .map(|ip| Endpoint {
            namespace: namespace.clone(),
            service: service.to_owned(),
            ip,
            pod: None,
            node: None,
        })
        .collect();
    Ok((list, cut))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::inventory::Inventory;
    use crate::parse::Outcome;
    use crate::parse::inventory::{parse_inventory, workload};

    fn read(text: &str) -> Outcome<Inventory> {
        parse_inventory(text.as_bytes())
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    const PODS_1_29: &str = "\
NAMESPACE     NAME                                             READY   STATUS      RESTARTS       AGE   IP                NODE                                  NOMINATED NODE   READINESS GATES
kube-system   fluentbit-gke-8xk2p                              2/2     Running     0              12d   10.128.0.5        gke-prod-default-pool-7f3a9c21-x2lq   <none>           <none>
kube-system   kube-dns-6d5f4b7c8d-k2x9p                        4/4     Running     0              12d   10.4.0.7          gke-prod-default-pool-7f3a9c21-x2lq   <none>           <none>
kube-system   kube-proxy-gke-prod-default-pool-7f3a9c21-x2lq   1/1     Running     0              12d   10.128.0.5        gke-prod-default-pool-7f3a9c21-x2lq   <none>           <none>
shop          web-7c9f8b5d4-x8k2q                              2/2     Running     5 (10h ago)    3d    10.4.1.23         gke-prod-default-pool-7f3a9c21-x2lq   <none>           <none>
shop          db-0                                             1/1     Running     0              20d   10.4.1.40         gke-prod-default-pool-7f3a9c21-x2lq   <none>           <none>
ops           backup-28871520-v7x2k                            0/1     Completed   0              45m   10.4.2.9          gke-prod-default-pool-9b2e4d10-m4kp   <none>           <none>
shop          web-7c9f8b5d4-zt6mn                              0/2     Pending     0              5s    <none>            <none>                                <none>           <none>
shop          debug-shell                                      1/1     Running     1 (2d3h ago)   9d    fd00:10:4:2::2f   gke-prod-default-pool-9b2e4d10-m4kp   <none>           <none>
";

    const PODS_1_19: &str = "\
NAME                  READY   STATUS              RESTARTS   AGE   IP          NODE                                  NOMINATED NODE
web-7c9f8b5d4-x8k2q   2/2     Running             0          3d    10.4.1.23   gke-prod-default-pool-7f3a9c21-x2lq   <none>
redis-master-12       1/1     CrashLoopBackOff    17         3d    10.4.2.31   gke-prod-default-pool-9b2e4d10-m4kp   <none>
web-7c9f8b5d4-zt6mn   0/2     ContainerCreating   0          5s    <none>      gke-prod-default-pool-9b2e4d10-m4kp   <none>
";

    const NODES_AND_PODS: &str = "\
NAME                                       STATUS                     ROLES    AGE   VERSION               INTERNAL-IP   EXTERNAL-IP    OS-IMAGE                             KERNEL-VERSION   CONTAINER-RUNTIME
node/gke-prod-default-pool-7f3a9c21-x2lq   Ready                      <none>   12d   v1.29.4-gke.1043002   10.128.0.5    34.123.45.67   Container-Optimized OS from Google   6.1.75+          containerd://1.7.13
node/gke-prod-default-pool-9b2e4d10-m4kp   Ready,SchedulingDisabled   <none>   12d   v1.29.4-gke.1043002   10.128.0.6    <none>         Container-Optimized OS from Google   6.1.75+          containerd://1.7.13

NAME                                                 READY   STATUS    RESTARTS   AGE   IP           NODE                                  NOMINATED NODE   READINESS GATES
pod/web-7c9f8b5d4-x8k2q                              2/2     Running   0          3d    10.4.1.23    gke-prod-default-pool-7f3a9c21-x2lq   <none>           <none>
pod/kube-proxy-gke-prod-default-pool-9b2e4d10-m4kp   1/1     Running   0          12d   10.128.0.6   gke-prod-default-pool-9b2e4d10-m4kp   <none>           <none>
";

    const SERVICES: &str = "\
NAMESPACE     NAME         TYPE           CLUSTER-IP   EXTERNAL-IP      PORT(S)                      AGE   SELECTOR
default       kubernetes   ClusterIP      10.8.0.1     <none>           443/TCP                      90d   <none>
kube-system   kube-dns     ClusterIP      10.8.0.10    <none>           53/UDP,53/TCP                90d   k8s-app=kube-dns
shop          db           ClusterIP      None         <none>           5432/TCP                     20d   app=db
shop          web          LoadBalancer   10.8.3.17    35.202.10.4      80:31380/TCP,443:31443/TCP   3d    app=web
shop          ext          ExternalName   <none>       db.example.com   <none>                       3d    <none>
";

    const ENDPOINTS: &str = "\
NAMESPACE     NAME         ENDPOINTS                                         AGE
kube-system   kube-dns     10.4.0.7:53,10.4.2.5:53,10.4.0.7:53 + 1 more...   90d
default       kubernetes   172.16.0.2:443                                    90d
shop          db           <none>                                            20d
";

    const CRICTL_PODS_OLD: &str = "\
POD ID              CREATED              STATE               NAME                    NAMESPACE           ATTEMPT
7a2c5d9e1f3b4       2 hours ago          Ready               web-7c9f8b5d4-x8k2q     shop                0
c41e0b7d2a9f8       About a minute ago   NotReady            backup-28871520-v7x2k   ops                 1
";

    const CRICTL_PODS_NEW: &str = "\
POD ID              CREATED             STATE               NAME                                             NAMESPACE           ATTEMPT             RUNTIME
7a2c5d9e1f3b4       2 hours ago         Ready               web-7c9f8b5d4-x8k2q                              shop                0                   (default)
e0f9a8b7c6d5e       12 days ago         Ready               kube-proxy-gke-prod-default-pool-7f3a9c21-x2lq   kube-system         0                   (default)
";

    const CRICTL_PS_OLD: &str = "\
CONTAINER ID        IMAGE                                          CREATED             STATE               NAME                ATTEMPT             POD ID
1f73f2d81bf98       sha256:4cd8a3f5b1e2                            7 minutes ago       Running             web                 1                   7a2c5d9e1f3b4
9d0e1c2b3a4f5       gcr.io/google-containers/busybox@sha256:6d2a   About an hour ago   Exited              backup              0                   c41e0b7d2a9f8
";

    const CRICTL_PS_NEW: &str = "\
CONTAINER           IMAGE               CREATED             STATE               NAME                ATTEMPT             POD ID              POD
1f73f2d81bf98       4cd8a3f5b1e2a       7 minutes ago       Running             web                 1                   7a2c5d9e1f3b4       web-7c9f8b5d4-x8k2q
2b8c4d6e8f0a1       a1b2c3d4e5f6a       7 minutes ago       Running             linkerd-proxy       0                   7a2c5d9e1f3b4       web-7c9f8b5d4-x8k2q
";

    #[test]
    fn ready_and_restarts_cells() {
        assert_eq!(ready("2/2"), Ok(("", (2, 2))));
        assert!(ready("2").is_err() && ready("Running").is_err() && ready("1/1x").is_err());
        assert_eq!(restarts("0"), Ok(("", 0)));
        assert_eq!(restarts("5 (10h ago)"), Ok(("", 5)));
        assert_eq!(restarts("1 (2d3h ago)"), Ok(("", 1)));
        for bad in ["", "5 (10h", "x", "5 10h ago", "5 (10h ago) x"] {
            assert!(restarts(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn service_ports_cells() {
        let tcp = |p: u16| (p, "TCP".to_owned());
        assert_eq!(service_ports("443/TCP"), Ok(("", vec![tcp(443)])));
        assert_eq!(
            service_ports("53/UDP,53/TCP"),
            Ok(("", vec![(53, "UDP".to_owned()), tcp(53)]))
        );
        assert_eq!(
            service_ports("80:31380/TCP,443:31443/TCP"),
            Ok(("", vec![tcp(80), tcp(443)]))
        );
        for bad in ["80", "80/", "70000/TCP", "80/TCP,", "http/TCP"] {
            assert!(service_ports(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn endpoint_list_cells() {
        assert_eq!(
            endpoint_list("10.4.0.7:53,10.4.2.5:53 + 1 more..."),
            Ok(("", (vec!["10.4.0.7:53", "10.4.2.5:53"], true)))
        );
        assert_eq!(
            endpoint_list("172.16.0.2:443"),
            Ok(("", (vec!["172.16.0.2:443"], false)))
        );
        assert!(endpoint_list("10.4.0.7:53 + many").is_err());
        assert!(endpoint_list("").is_err());
    }

    #[test]
    fn object_names_lose_their_kind_prefix() {
        assert_eq!(
            object_name("pod/web-7c9f8b5d4-x8k2q"),
            Some("web-7c9f8b5d4-x8k2q")
        );
        assert_eq!(object_name("service/kube-dns"), Some("kube-dns"));
        assert_eq!(object_name("db-0"), Some("db-0"));
        for bad in ["", "pod/", "-x", "a b", "<none>", "naïve"] {
            assert_eq!(object_name(bad), None, "{bad}");
        }
        assert_eq!(
            labels("app=web,pod-template-hash=7c9f8b5d4"),
            BTreeMap::from([
                ("app".to_owned(), "web".to_owned()),
                ("pod-template-hash".to_owned(), "7c9f8b5d4".to_owned())
            ])
        );
        assert!(labels("<none>").is_empty());
    }

    #[test]
    fn pods_wide_from_kubectl_1_29() {
        let out = read(PODS_1_29);
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        assert_eq!(out.records, 8);
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let pods = &out.value.pods;
        let web = &pods[3];
        assert_eq!(
            (web.namespace.as_str(), web.name.as_str()),
            ("shop", "web-7c9f8b5d4-x8k2q")
        );
        assert_eq!(web.ips, [ip("10.4.1.23")]);
        assert_eq!(web.phase.as_deref(), Some("Running"));
        assert_eq!(
            web.node.as_deref(),
            Some("gke-prod-default-pool-7f3a9c21-x2lq")
        );
        assert_eq!(workload(web), ("Deployment".into(), "web".into()));
        let pending = &pods[6];
        assert!(pending.ips.is_empty() && pending.node.is_none());
        assert_eq!(pods[7].ips, [ip("fd00:10:4:2::2f")]);
        let workloads: Vec<(String, String)> = pods.iter().map(workload).collect();
        let want = [
            ("DaemonSet", "fluentbit-gke"),
            ("Deployment", "kube-dns"),
            ("StaticPod", "kube-proxy"),
            ("Deployment", "web"),
            ("StatefulSet", "db"),
            ("CronJob", "backup"),
            ("Deployment", "web"),
            ("Pod", "debug-shell"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(k, n)| ((*k).into(), (*n).into()))
            .collect();
        assert_eq!(workloads, want);
        assert!(
            pods.iter()
                .all(|p| p.owner.as_ref().is_none_or(|o| o.inferred))
        );
    }

    #[test]
    fn pods_wide_from_kubectl_1_19_without_namespace() {
        let out = read(PODS_1_19);
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        assert_eq!(out.value.pods.len(), 3);
        assert!(out.value.pods.iter().all(|p| p.namespace.is_empty()));
        assert_eq!(out.value.pods[1].phase.as_deref(), Some("CrashLoopBackOff"));
        assert_eq!(
            workload(&out.value.pods[1]),
            ("StatefulSet".into(), "redis-master".into())
        );
        assert_eq!(
            out.warnings,
            [
                "line 1: the pods table has no NAMESPACE column (kubectl without -A); namespaces are left empty"
            ]
        );
    }

    #[test]
    fn nodes_and_pods_tables_in_one_file() {
        let out = read(NODES_AND_PODS);
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        let nodes = &out.value.nodes;
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[0].name, "gke-prod-default-pool-7f3a9c21-x2lq");
        assert_eq!(nodes[0].internal_ips, [ip("10.128.0.5")]);
        assert_eq!(nodes[0].external_ips, [ip("34.123.45.67")]);
        assert_eq!(
            nodes[0].os_image.as_deref(),
            Some("Container-Optimized OS from Google")
        );
        assert_eq!(nodes[0].kernel.as_deref(), Some("6.1.75+"));
        assert!(nodes[1].external_ips.is_empty());
        let pods = &out.value.pods;
        assert_eq!(pods[0].name, "web-7c9f8b5d4-x8k2q");
        let proxy = &pods[1];
        assert_eq!(proxy.name, "kube-proxy-gke-prod-default-pool-9b2e4d10-m4kp");
        assert_eq!(workload(proxy), ("StaticPod".into(), "kube-proxy".into()));
        // Its IP is its node's: a host-network pod.
        assert!(proxy.host_network && !pods[0].host_network);
    }

    #[test]
    fn services_wide() {
        let out = read(SERVICES);
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        let s = &out.value.services;
        assert_eq!(s.len(), 5);
        assert_eq!(s[1].name, "kube-dns");
        assert_eq!(s[1].cluster_ips, [ip("10.8.0.10")]);
        assert_eq!(s[1].ports, [(53, "UDP".to_owned()), (53, "TCP".to_owned())]);
        assert!(s[2].cluster_ips.is_empty());
        assert_eq!(
            s[3].ports,
            [(80, "TCP".to_owned()), (443, "TCP".to_owned())]
        );
        assert!(s[4].cluster_ips.is_empty() && s[4].ports.is_empty());
    }

    #[test]
    fn endpoints_table() {
        let out = read(ENDPOINTS);
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        let ips: Vec<(String, IpAddr)> = out
            .value
            .endpoints
            .iter()
            .map(|e| (e.service.clone(), e.ip))
            .collect();
        assert_eq!(
            ips,
            [
                ("kube-dns".into(), ip("10.4.0.7")),
                ("kube-dns".into(), ip("10.4.2.5")),
                ("kubernetes".into(), ip("172.16.0.2"))
            ]
        );
        assert_eq!(out.warnings.len(), 1);
        assert!(
            out.warnings[0].contains("1 service short"),
            "{:?}",
            out.warnings
        );
    }

    #[test]
    fn endpointslices_table() {
        let text = "\
NAMESPACE     NAME             ADDRESSTYPE   PORTS     ENDPOINTS                       AGE
kube-system   kube-dns-x8k2q   IPv4          53,53     10.4.0.7,10.4.2.5 + 1 more...   90d
shop          web-v6-b7x4z     IPv6          8080      fd00:10:4:1::17                 3d
shop          db-b7x4z         IPv4          <unset>   <unset>                         20d
";
        let out = read(text);
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        let got: Vec<(&str, String)> = out
            .value
            .endpoints
            .iter()
            .map(|e| (e.service.as_str(), e.ip.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("kube-dns", "10.4.0.7".to_owned()),
                ("kube-dns", "10.4.2.5".to_owned()),
                ("web-v6", "fd00:10:4:1::17".to_owned())
            ]
        );
    }

    #[test]
    fn crictl_pods_old_and_new() {
        for (text, n) in [(CRICTL_PODS_OLD, 2), (CRICTL_PODS_NEW, 2)] {
            let out = read(text);
            assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
            assert_eq!(out.value.sandboxes.len(), n);
            let s = &out.value.sandboxes[0];
            assert_eq!(
                (
                    s.id.as_str(),
                    s.name.as_str(),
                    s.state.as_str(),
                    s.created.as_str()
                ),
                (
                    "7a2c5d9e1f3b4",
                    "web-7c9f8b5d4-x8k2q",
                    "Ready",
                    "2 hours ago"
                )
            );
            assert_eq!(s.namespace.as_deref(), Some("shop"));
        }
        let out = read(CRICTL_PODS_OLD);
        assert_eq!(out.value.sandboxes[1].created, "About a minute ago");
        assert_eq!(out.value.sandboxes[1].state, "NotReady");
    }

    #[test]
    fn crictl_ps_old_and_new() {
        let out = read(CRICTL_PS_OLD);
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        let c = &out.value.containers;
        assert_eq!(
            (c[0].id.as_str(), c[0].name.as_str(), c[0].state.as_str()),
            ("1f73f2d81bf98", "web", "Running")
        );
        assert_eq!(c[1].pod_id.as_deref(), Some("c41e0b7d2a9f8"));
        assert_eq!((c[1].state.as_str(), c[1].pod.as_deref()), ("Exited", None));
        let out = read(CRICTL_PS_NEW);
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        let c = &out.value.containers;
        assert_eq!(c[1].name, "linkerd-proxy");
        assert_eq!(c[1].pod.as_deref(), Some("web-7c9f8b5d4-x8k2q"));
        assert_eq!(c[1].pod_id.as_deref(), Some("7a2c5d9e1f3b4"));
    }

    #[test]
    fn rows_that_cannot_be_read_are_skipped_with_the_reason() {
        let text = "\
NAMESPACE     NAME                  READY   STATUS    RESTARTS   AGE   IP          NODE
shop          web-7c9f8b5d4-x8k2q   2/2     Running   0          3d    10.4.300.23 gke-prod-default-pool-7f3a9c21-x2lq
shop          web-7c9f8b5d4-x8k2q   two     Running   0          3d    10.4.1.23   gke-prod-default-pool-7f3a9c21-x2lq
shop
shop          db-0                  1/1     Running   0          20d   10.4.1.40   gke-prod-default-pool-7f3a9c21-x2lq
";
        let out = read(text);
        assert_eq!(out.value.pods.len(), 1);
        assert_eq!(out.issues.skipped, 3);
        let why: Vec<(u64, &str)> = out
            .issues
            .first
            .iter()
            .map(|b| (b.line, b.expected.as_str()))
            .collect();
        assert_eq!(
            why,
            [
                (2, "an IP address or <none> in the IP column"),
                (3, "READY like 1/1"),
                (4, "a pod name in the NAME column")
            ]
        );
        let text = "\
NAMESPACE     NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE
shop          web          ClusterIP   10.8.3.17    <none>        http      3d
POD ID              CREATED             STATE               NAME
xyz-not-hex         2 hours ago         Ready               web-7c9f8b5d4-x8k2q
";
        let out = read(text);
        assert_eq!(out.issues.skipped, 2);
        assert_eq!(
            out.issues.first[0].expected,
            "PORT(S) like 53/UDP,53/TCP or 80:31380/TCP"
        );
        assert_eq!(out.issues.first[1].expected, "a hexadecimal POD ID");
    }
}
