#!/bin/sh
# ctsleuth capture kit v1
#
# Collects what `ctsleuth analyze` needs to explain one Linux node's
# connection tracking, and packs it as <node>-<YYYYmmddTHHMMSSZ>.tar.gz:
#
#   <node>-<YYYYmmddTHHMMSSZ>/
#     ctsleuth-capture.txt                 manifest: what ran, and how it went
#     hostname                             hostname -f (else hostname)
#     date                                 date -u at the start
#     conntrack-L-<T>.txt                  conntrack -L -o extended, with stderr
#       or proc-nf_conntrack-<T>.txt       /proc/net/nf_conntrack, without conntrack
#     conntrack-S-<T0>.txt, -<T1>.txt      conntrack -S, INTERVAL seconds apart
#     proc-stat-nf_conntrack-<T0>.txt, -<T1>.txt
#                                          /proc/net/stat/nf_conntrack, same moments
#     sysctl-<T>.txt                       sysctl net.netfilter net.nf_conntrack_max
#     kernel-<T>.log                       journalctl -k, else dmesg -T, else dmesg
#     proc-stat.txt                        /proc/stat (btime: the boot time)
#     uname.txt                            uname -a
#
# <T> is the UTC time of that capture, 2024-11-26T09-04-00Z. The manifest
# starts with `ctsleuth capture kit v1`, then `node:`, `started:`,
# `finished:`, `kernel:` lines, then one `<status> <file> <command>` line per
# capture attempt, status being ok, skipped (the command or file is missing
# on this node), failed (its output is left out) or cut (it hit the time or
# size bound; what it printed until then is kept).
#
# Run it as root. It only reads from the node: it writes in a folder of its
# own under ${TMPDIR:-/tmp}, removed on exit, and the archive in the output
# folder. One capture failing never stops the others.
#
# Usage: sh capture.sh [-o DIR] [-i SECS] [-s HOURS] [-m MIB] [-t SECS]
# Environment: CTSLEUTH_OUTPUT_DIR, CTSLEUTH_INTERVAL, CTSLEUTH_SINCE_HOURS,
# CTSLEUTH_MAX_LISTING_MIB, CTSLEUTH_TIMEOUT, and CTSLEUTH_PROC (the proc
# file system to read, /proc by default). Options win over the environment,
# which wins over the defaults below.

set -u

# Defaults (`ctsleuth capture-script` writes its options here).
default_interval=60
default_since_hours=72
default_max_listing_mib=2048
default_timeout=120
default_output_dir='.'

interval=${CTSLEUTH_INTERVAL:-$default_interval}
since_hours=${CTSLEUTH_SINCE_HOURS:-$default_since_hours}
max_listing_mib=${CTSLEUTH_MAX_LISTING_MIB:-$default_max_listing_mib}
cmd_timeout=${CTSLEUTH_TIMEOUT:-$default_timeout}
outdir=${CTSLEUTH_OUTPUT_DIR:-$default_output_dir}
proc=${CTSLEUTH_PROC:-/proc}

say() {
    printf 'ctsleuth-capture: %s\n' "$*" >&2
}

die() {
    say "error: $*"
    exit 2
}

usage() {
    cat <<'EOF'
usage: sh capture.sh [-o DIR] [-i SECS] [-s HOURS] [-m MIB] [-t SECS]

Collects conntrack listings and counters, netfilter sysctls and the kernel
log of this node into DIR/<node>-<YYYYmmddTHHMMSSZ>.tar.gz, for
`ctsleuth analyze`. Run as root.

  -o DIR    folder for the archive
  -i SECS   seconds between the two counter captures (1-3600)
  -s HOURS  hours of kernel log to collect (1-8760)
  -m MIB    cap on the conntrack listing, MiB (1-65536)
  -t SECS   time bound of the listing and the kernel log (1-3600)
  -h        this help

Environment: CTSLEUTH_OUTPUT_DIR, CTSLEUTH_INTERVAL, CTSLEUTH_SINCE_HOURS,
CTSLEUTH_MAX_LISTING_MIB and CTSLEUTH_TIMEOUT stand for the options;
CTSLEUTH_PROC is the proc file system to read (/proc). The capture is
gathered under TMPDIR (/tmp) before packing: point it at a disk with room
for the listing when /tmp is small or in memory.
EOF
}

while getopts 'o:i:s:m:t:h' opt; do
    case $opt in
        o) outdir=$OPTARG ;;
        i) interval=$OPTARG ;;
        s) since_hours=$OPTARG ;;
        m) max_listing_mib=$OPTARG ;;
        t) cmd_timeout=$OPTARG ;;
        h) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }

# number NAME VALUE MAX: VALUE must be a whole number in 1..MAX.
number() {
    case $2 in
        '' | *[!0-9]* | 0*) die "$1 must be a whole number from 1 to $3, not '$2'" ;;
    esac
    # Check the length first so an over-long number cannot overflow.
    [ ${#2} -le 7 ] && [ "$2" -le "$3" ] ||
        die "$1 must be a whole number from 1 to $3, not '$2'"
}
number interval "$interval" 3600
number since-hours "$since_hours" 8760
number max-listing-mib "$max_listing_mib" 65536
number timeout "$cmd_timeout" 3600

[ -n "$outdir" ] || die "the output folder is empty"
case $outdir in -*) outdir=./$outdir ;; esac
[ -d "$outdir" ] || die "no folder $outdir"
outdir=$(cd "$outdir" && pwd) || die "cannot enter $outdir"
[ -w "$outdir" ] || die "cannot write in $outdir"

command -v mktemp >/dev/null 2>&1 || die "mktemp not found"
command -v tar >/dev/null 2>&1 || die "tar not found"

# Captures hold addresses: keep them to the owner.
umask 077

work=$(mktemp -d "${TMPDIR:-/tmp}/ctsleuth-capture.XXXXXX") ||
    die "cannot make a work folder under ${TMPDIR:-/tmp}"
partial=
cleanup() {
    rm -rf "$work"
    [ -z "$partial" ] || rm -f "$partial"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 141' PIPE

if [ "$(id -u 2>/dev/null)" != 0 ]; then
    say "warning: not running as root: conntrack and the kernel log may be refused"
fi

# Time bounds: GNU `timeout --foreground SECS` (so Ctrl-C reaches the
# command), recent busybox `timeout SECS`, old busybox `timeout -t SECS`, or
# none at all.
timeout_style=none
if command -v timeout >/dev/null 2>&1; then
    if timeout --foreground 5 cat </dev/null >/dev/null 2>&1; then
        timeout_style=foreground
    elif timeout 5 cat </dev/null >/dev/null 2>&1; then
        timeout_style=plain
    elif timeout -t 5 cat </dev/null >/dev/null 2>&1; then
        timeout_style=dash_t
    fi
fi
if [ "$timeout_style" = none ]; then
    say "warning: no usable timeout command: captures are not time-bounded"
fi

# Size bounds: `head -c` (GNU, busybox, BSD).
if printf 'ab' | head -c 1 >/dev/null 2>&1; then
    size_bounds=yes
else
    size_bounds=no
    say "warning: head -c is not available: captures are not size-bounded"
fi

# bounded SECS CMD...: runs CMD under the time bound.
bounded() {
    b_secs=$1
    shift
    case $timeout_style in
        foreground) timeout --foreground "$b_secs" "$@" ;;
        plain) timeout "$b_secs" "$@" ;;
        dash_t) timeout -t "$b_secs" "$@" ;;
        *) "$@" ;;
    esac
}

# capped BYTES: copies standard input up to BYTES.
capped() {
    if [ "$size_bounds" = yes ]; then
        head -c "$1"
    else
        cat
    fi
}

# quoted WORD...: the words as a shell would need them typed.
quoted() {
    q_out=
    for q_w in "$@"; do
        case $q_w in
            '' | *[!A-Za-z0-9_./:=+,%@-]*) q_w="'$q_w'" ;;
        esac
        q_out="$q_out${q_out:+ }$q_w"
    done
    printf '%s' "$q_out"
}

# record STATUS FILE COMMAND: one manifest line.
record() {
    printf '%s %s %s\n' "$1" "$2" "$3" >>"$work/captures"
}

# capture FILE BYTES SECS STDERR CMD...
# Runs CMD into FILE, bounded by BYTES and SECS; STDERR is `keep` to write
# the command's stderr into FILE too, `aside` to show it only on failure.
# Sets $status to ok, skipped, failed or cut, records it and reports it.
capture() {
    c_file=$1 c_bytes=$2 c_secs=$3 c_stderr=$4
    shift 4
    c_label=$(quoted "$@")
    if ! command -v "$1" >/dev/null 2>&1; then
        status=skipped
        record "$status" "$c_file" "$c_label"
        say "skipped $c_file: $1 not found"
        return
    fi
    c_out=$dir/$c_file
    rm -f "$work/rc" "$work/err"
    if [ "$c_stderr" = keep ]; then
        { bounded "$c_secs" "$@" 2>&1; echo $? >"$work/rc"; } | capped "$c_bytes" >"$c_out"
    else
        { bounded "$c_secs" "$@" 2>"$work/err"; echo $? >"$work/rc"; } | capped "$c_bytes" >"$c_out"
    fi
    c_rc=$(cat "$work/rc" 2>/dev/null)
    conclude "${c_rc:-1}" yes
}

# capture_fn FILE LABEL FUNCTION: like capture, for a shell function that
# only reads files (no time bound).
capture_fn() {
    c_file=$1 c_label=$2 c_bytes=16777216
    c_out=$dir/$c_file
    rm -f "$work/rc" "$work/err"
    { "$3" 2>"$work/err"; echo $? >"$work/rc"; } | capped "$c_bytes" >"$c_out"
    c_rc=$(cat "$work/rc" 2>/dev/null)
    conclude "${c_rc:-1}" no
}

# conclude RC BOUNDED: judges the capture just run (c_* variables).
conclude() {
    c_size=$(wc -c <"$c_out" 2>/dev/null) || c_size=0
    c_size=$((c_size))
    if [ "$size_bounds" = yes ] && [ "$c_size" -ge "$c_bytes" ]; then
        status=cut
        c_why="size bound of $c_bytes bytes"
    elif [ "$2" = yes ] && [ "$timeout_style" != none ] &&
        { [ "$1" = 124 ] || [ "$1" = 137 ] || [ "$1" = 143 ]; }; then
        status=cut
        c_why="time bound of $c_secs s"
    elif [ "$1" != 0 ]; then
        status=failed
    else
        status=ok
    fi
    # A bound hit before any output leaves nothing worth keeping.
    [ "$status" != cut ] || [ "$c_size" -gt 0 ] || rm -f "$c_out"
    record "$status" "$c_file" "$c_label"
    case $status in
        ok) say "ok      $c_file ($c_size bytes)" ;;
        cut) say "cut     $c_file ($c_size bytes): hit the $c_why" ;;
        failed)
            c_msg=
            if [ -s "$work/err" ]; then
                c_msg=$(head -n 2 "$work/err")
            elif [ -s "$c_out" ]; then
                c_msg=$(tail -n 2 "$c_out")
            fi
            rm -f "$c_out"
            say "failed  $c_file (exit $1): $c_label"
            if [ -n "$c_msg" ]; then
                printf '%s\n' "$c_msg" | while IFS= read -r c_line; do
                    say "        $c_line"
                done
            fi
            ;;
    esac
}

# capture_proc FILE BYTES PATH: cat PATH into FILE, skipped when PATH is
# missing.
capture_proc() {
    if [ -r "$3" ]; then
        capture "$1" "$2" "$small_secs" aside cat "$3"
    else
        status=skipped
        record "$status" "$1" "cat $3"
        say "skipped $1: no $3"
    fi
}

# The netfilter sysctls from /proc/sys, printed the way sysctl prints them.
sysctl_from_proc() {
    [ -d "$proc/sys/net/netfilter" ] || return 1
    for s_f in "$proc"/sys/net/netfilter/* "$proc"/sys/net/netfilter/*/*; do
        [ -f "$s_f" ] || continue
        s_name=${s_f#"$proc"/sys/}
        s_value=$(cat "$s_f" 2>/dev/null) || continue
        s_name=$(printf '%s' "$s_name" | tr / .)
        printf '%s = %s\n' "$s_name" "$s_value"
    done
    if [ -r "$proc/sys/net/nf_conntrack_max" ]; then
        printf 'net.nf_conntrack_max = %s\n' "$(cat "$proc/sys/net/nf_conntrack_max")"
    fi
}

# now: "<T> <epoch seconds>", T being 2024-11-26T09-04-00Z.
now() {
    date -u '+%Y-%m-%dT%H-%M-%SZ %s'
}

small=16777216
kernel_log_bytes=268435456
listing_bytes=$((max_listing_mib * 1048576))
small_secs=30
[ "$cmd_timeout" -ge "$small_secs" ] || small_secs=$cmd_timeout

node=$(hostname 2>/dev/null) || node=
[ -n "$node" ] || node=$(cat "$proc/sys/kernel/hostname" 2>/dev/null) || node=
node=$(printf '%s\n' "$node" | head -n 1)
[ -n "$node" ] || node=unknown-node
# Only file-name-safe characters in the archive's name.
safe_node=$(printf '%s' "$node" | tr -c 'A-Za-z0-9._-' '_')

stamps=$(date -u '+%Y%m%dT%H%M%SZ %Y-%m-%dT%H:%M:%SZ')
started=${stamps#* }
name=$safe_node-${stamps% *}
dir=$work/$name
mkdir "$dir" || die "cannot make $dir"
: >"$work/captures"

say "ctsleuth capture kit v1 on $node: counters twice, $interval s apart; archive in $outdir"

# Who and when.
capture hostname "$small" 10 aside hostname -f
if [ "$status" != ok ] && [ "$status" != cut ]; then
    capture hostname "$small" 10 aside hostname
    if [ "$status" != ok ] && [ "$status" != cut ]; then
        capture_proc hostname "$small" "$proc/sys/kernel/hostname"
    fi
fi
capture date "$small" 10 aside date -u +%Y-%m-%dT%H:%M:%SZ
capture uname.txt "$small" 10 aside uname -a
capture_proc proc-stat.txt "$small" "$proc/stat"
kernel=$(uname -r 2>/dev/null) || kernel=
[ -n "$kernel" ] || kernel=$(cat "$proc/sys/kernel/osrelease" 2>/dev/null) || kernel=
[ -n "$kernel" ] || kernel=unknown

# First counters.
t0=$(now)
t0_epoch=${t0#* }
t0=${t0% *}
capture "conntrack-S-$t0.txt" "$small" "$small_secs" aside conntrack -S
capture_proc "proc-stat-nf_conntrack-$t0.txt" "$small" "$proc/net/stat/nf_conntrack"

# The table.
t=$(now)
t=${t% *}
capture "conntrack-L-$t.txt" "$listing_bytes" "$cmd_timeout" keep conntrack -L -o extended
if [ "$status" = skipped ] || [ "$status" = failed ]; then
    if [ -r "$proc/net/nf_conntrack" ]; then
        capture "proc-nf_conntrack-$t.txt" "$listing_bytes" "$cmd_timeout" aside cat "$proc/net/nf_conntrack"
    else
        status=skipped
        record "$status" "proc-nf_conntrack-$t.txt" "cat $proc/net/nf_conntrack"
        say "skipped proc-nf_conntrack-$t.txt: no $proc/net/nf_conntrack"
    fi
fi
if [ "$status" = cut ]; then
    say "        the listing is incomplete: raise the bounds with -m MIB and -t SECS"
fi

# The limits and timeouts.
t=$(now)
t=${t% *}
capture "sysctl-$t.txt" "$small" "$small_secs" aside sysctl net.netfilter net.nf_conntrack_max
if [ "$status" = skipped ] || [ "$status" = failed ]; then
    if [ -d "$proc/sys/net/netfilter" ]; then
        capture_fn "sysctl-$t.txt" "read $proc/sys/net/netfilter/*" sysctl_from_proc
    else
        status=skipped
        record "$status" "sysctl-$t.txt" "read $proc/sys/net/netfilter/*"
        say "skipped sysctl-$t.txt: no $proc/sys/net/netfilter"
    fi
fi

# The kernel log.
t=$(now)
t=${t% *}
capture "kernel-$t.log" "$kernel_log_bytes" "$cmd_timeout" aside \
    journalctl -k --no-pager -o short-iso-precise --since "-$since_hours hours"
if [ "$status" = skipped ] || [ "$status" = failed ]; then
    capture "kernel-$t.log" "$kernel_log_bytes" "$cmd_timeout" aside dmesg -T
    if [ "$status" = skipped ] || [ "$status" = failed ]; then
        capture "kernel-$t.log" "$kernel_log_bytes" "$cmd_timeout" aside dmesg
    fi
fi

# Second counters, at least INTERVAL seconds after the first.
wait=$interval
t_epoch=$(date -u +%s)
case $t0_epoch$t_epoch in
    *[!0-9]*) ;;
    *) wait=$((interval - (t_epoch - t0_epoch))) ;;
esac
if [ "$wait" -gt 0 ]; then
    say "waiting $wait s for the second counter capture"
    sleep "$wait"
fi
t1=$(now)
t1=${t1% *}
capture "conntrack-S-$t1.txt" "$small" "$small_secs" aside conntrack -S
capture_proc "proc-stat-nf_conntrack-$t1.txt" "$small" "$proc/net/stat/nf_conntrack"

# The manifest.
finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
{
    printf 'ctsleuth capture kit v1\n'
    printf 'node: %s\n' "$node"
    printf 'started: %s\n' "$started"
    printf 'finished: %s\n' "$finished"
    printf 'kernel: %s\n' "$kernel"
    cat "$work/captures"
} >"$dir/ctsleuth-capture.txt"

# The archive: written beside its final name, then renamed.
archive=$outdir/$name.tar.gz
partial=$outdir/.$name.tar.gz.part
if ! tar -czf "$partial" -C "$work" "$name" 2>"$work/err"; then
    command -v gzip >/dev/null 2>&1 || {
        cat "$work/err" >&2
        die "tar cannot compress and gzip is missing"
    }
    tar -cf - -C "$work" "$name" | gzip -c >"$partial" || die "cannot write $partial"
    [ -s "$partial" ] || die "cannot write $partial"
fi
mv -f "$partial" "$archive" || die "cannot write $archive"
partial=
# Under sudo, hand the archive to the user who asked for it.
if [ -n "${SUDO_UID:-}" ] && [ -n "${SUDO_GID:-}" ] && command -v chown >/dev/null 2>&1; then
    chown "$SUDO_UID:$SUDO_GID" "$archive" 2>/dev/null || true
fi

cat >&2 <<EOF
ctsleuth-capture: wrote $archive

Copy it to a workstation: scp, or, from a node debug session, a second
debug pod that stays up while kubectl cp copies it:

  kubectl debug node/$node --image=busybox -- sleep 600    # names its pod
  kubectl cp <pod>:/host$archive $name.tar.gz
  kubectl delete pod <pod>

There, capture the cluster inventory, close to now:

  mkdir -p cluster
  kubectl get nodes -o json > cluster/nodes.json
  kubectl get pods -A -o json > cluster/pods.json
  kubectl get svc -A -o json > cluster/services.json
  kubectl get endpointslices -A -o json > cluster/endpointslices.json

and analyse both:

  ctsleuth analyze $name.tar.gz cluster/
EOF
printf '%s\n' "$archive"
