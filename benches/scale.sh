#!/bin/sh
# Measures how ctsleuth's cost grows with the size of a listing and with
# the number of snapshots, and compares both with the awk idiom.
#
#   sh benches/scale.sh WORKDIR [RESULTS.csv]
#
# WORKDIR receives the generated listings (about 4.5 GB: one listing each
# of 10k, 100k, 1M and 5M entries, and 24 listings of 1M entries laid out
# as 12 nodes x 2 captures; 64 snapshots are 32 node folders of hard links
# to those 24 files). Needs hyperfine and GNU time. Every figure is the
# mean of hyperfine runs with the files in the page cache; peak memory is
# GNU time's maximum resident set size of one more run.
set -eu
work=${1:?usage: scale.sh WORKDIR [RESULTS.csv]}
out=${2:-$work/scale.csv}
target=${CARGO_TARGET_DIR:-target}
cargo build -q --release --bin ctsleuth --example gendump
bin=$target/release/ctsleuth
gen=$target/release/examples/gendump
here=$(dirname "$0")
mkdir -p "$work/entries" "$work/snapshots"

for n in 10000 100000 1000000 5000000; do
  f=$work/entries/conntrack-L-$n.txt
  [ -s "$f" ] || "$gen" "$n" serving 1 1 > "$f"
done
# 12 nodes x 2 captures of 1M entries, a few hundred sources each.
i=1
while [ $i -le 12 ]; do
  node=$(printf 'gke-prod-default-pool-5c1e%04d' $i)
  mkdir -p "$work/snapshots/$node"
  for t in 2025-10-14T15:00:00Z 2025-10-14T15:10:00Z; do
    f=$work/snapshots/$node/conntrack-L-$t.txt
    [ -s "$f" ] || "$gen" 1000000 serving "$i$(echo $t | cut -c15-16)" "$i" > "$f"
  done
  i=$((i + 1))
done

# Folders of 1, 8, 24 and 64 snapshots (hard links, no extra disk).
set_of() {
  dir=$work/set-$1
  rm -rf "$dir"
  mkdir -p "$dir"
  k=0
  node_i=1
  while [ $k -lt "$1" ]; do
    src_i=$(( (node_i - 1) % 12 + 1 ))
    src=$(printf '%s/snapshots/gke-prod-default-pool-5c1e%04d' "$work" $src_i)
    node=$(printf 'gke-prod-default-pool-5c1e%04d' $node_i)
    mkdir -p "$dir/$node"
    for f in "$src"/conntrack-L-*.txt; do
      [ $k -lt "$1" ] || break
      ln "$f" "$dir/$node/$(basename "$f")"
      k=$((k + 1))
    done
    node_i=$((node_i + 1))
  done
}

echo "series,x,bytes,mean_s,stddev_s,peak_rss_kib,idiom_mean_s" > "$out"
measure() {
  # $1 series, $2 x, $3 runs, $4 what ctsleuth reads (a file or a folder),
  # rest: the listings themselves, for the idiom.
  series=$1 x=$2 runs=$3 input=$4
  shift 4
  bytes=$(cat "$@" | wc -c)
  json=$(mktemp)
  hyperfine -N -w 1 -r "$runs" --export-json "$json" \
    "$bin analyze --quiet --format json -o $work/out $input" \
    "sh $here/awk-idiom.sh $*" > /dev/null
  mean=$(python3 -c "import json; r=json.load(open('$json'))['results']; print(r[0]['mean'], r[0]['stddev'], r[1]['mean'])")
  rss=$(/usr/bin/time -f %M "$bin" analyze --quiet --format json -o "$work/out" "$input" 2>&1 >/dev/null | tail -1)
  set -- $mean
  echo "$series,$x,$bytes,$1,$2,$rss,$3" >> "$out"
  rm -f "$json"
}
for n in 10000 100000 1000000 5000000; do
  f=$work/entries/conntrack-L-$n.txt
  measure entries "$n" 5 "$f" "$f"
done
for s in 1 8 24 64; do
  set_of "$s"
  measure snapshots "$s" 3 "$work/set-$s" "$work/set-$s"/*/*.txt
done
echo "wrote $out"
