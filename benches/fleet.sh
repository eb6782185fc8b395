#!/bin/sh
# Measures `analyze` on a fleet: 500 nodes x 3 snapshots of 50,000 entries
# (75M entries, 11 GB of listings), and what the Parquet tables and the
# entries dataset cost on top.
#
#   sh benches/fleet.sh WORKDIR
#
# WORKDIR receives six distinct 50k-entry listings (about 44 MB) and 500
# node folders of hard links to them, three captures each (no extra disk).
# Needs hyperfine and GNU time; the files are read from the page cache.
set -eu
work=${1:?usage: fleet.sh WORKDIR}
target=${CARGO_TARGET_DIR:-target}
cargo build -q --release --bin ctsleuth --example gendump
bin=$target/release/ctsleuth
gen=$target/release/examples/gendump
mkdir -p "$work/pool"
for i in 1 2 3 4 5 6; do
  f=$work/pool/listing-$i.txt
  [ -s "$f" ] || "$gen" 50000 serving "$i" "$i" > "$f"
done
rm -rf "$work/fleet"
n=1
while [ $n -le 500 ]; do
  node=$(printf 'gke-prod-pool-%d-5c1e%04d' $(( (n - 1) / 100 + 1 )) $n)
  mkdir -p "$work/fleet/$node"
  k=0
  for t in 2025-10-14T15:00:00Z 2025-10-14T15:10:00Z 2025-10-14T15:20:00Z; do
    ln "$work/pool/listing-$(( (n + k) % 6 + 1 )).txt" "$work/fleet/$node/conntrack-L-$t.txt"
    k=$((k + 1))
  done
  n=$((n + 1))
done
echo "input: $(cat "$work"/fleet/*/*.txt | wc -c) bytes in $(ls "$work"/fleet/*/*.txt | wc -l) files"
hyperfine -N -w 1 -r 3 \
  "$bin analyze --quiet --format json -o $work/out-json $work/fleet" \
  "$bin analyze --quiet --format json,parquet -o $work/out-parquet $work/fleet"
for f in json json,parquet; do
  /usr/bin/time -f "$f: %e s, peak RSS %M KiB" "$bin" analyze --quiet --format "$f" -o "$work/out-rss" "$work/fleet" > /dev/null
done
rm -rf "$work/out-entries"
/usr/bin/time -f "json,parquet --entries: %e s, peak RSS %M KiB" \
  "$bin" analyze --quiet --format json,parquet --entries -o "$work/out-entries" "$work/fleet" > /dev/null
echo "tables: $(du -sb "$work/out-parquet/parquet" | cut -f1) bytes; entries: $(du -sb "$work/out-entries/parquet/entries" | cut -f1) bytes in $(find "$work/out-entries/parquet/entries" -name '*.parquet' | wc -l) files"
