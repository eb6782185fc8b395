//! Top-N counting for high-cardinality keys.
//!
//! A polars group-by materialises the row indexes of every group; when
//! nearly every (source, destination) pair is distinct that is a million
//! small vectors for a top-10 list. Counting packed `u64` keys by sorting
//! them, or dense ids in an array, then keeping the `n` largest, gives the
//! same answer at a fraction of the time and memory.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rayon::prelude::*;

/// Rows per parallel piece.
const PIECE: usize = 1 << 18;

/// The `n` most frequent keys with their counts, most first, ties by key.
/// Few distinct keys (a node's usual destinations) are counted in a small
/// hash map, several times faster than sorting; many are sorted (on every
/// core) and their runs counted: with a million mostly distinct keys this
/// beats a hash map, whose every insert is a cache miss.
pub fn top_keys(mut keys: Vec<u64>, n: usize) -> Vec<(u64, u64)> {
    if let Some(counted) = count_few(&keys) {
        return keep_top(counted, n);
    }
    keys.par_sort_unstable();
    top_of_sorted(keys.iter().map(|&k| (k, 1)), n)
}

/// The `n` largest totals of a sequence of (key, count) sorted by key, in
/// which equal keys are summed, most first, ties by key: one pass with a
/// min-heap of the best `n` so far.
fn top_of_sorted(sorted: impl Iterator<Item = (u64, u64)>, n: usize) -> Vec<(u64, u64)> {
    if n == 0 {
        return Vec::new();
    }
    // Worst on top: fewest entries, then the larger key.
    let mut best: BinaryHeap<(Reverse<u64>, u64)> = BinaryHeap::with_capacity(n + 1);
    let mut push = |key: u64, count: u64| {
        // Not better than the worst of a full list: it would be popped.
        if best.len() == n && best.peek().is_some_and(|w| (Reverse(count), key) > *w) {
            return;
        }
        best.push((Reverse(count), key));
        if best.len() > n {
            best.pop();
        }
    };
    let mut current: Option<(u64, u64)> = None;
    for (k, c) in sorted {
        if let Some((cur, run)) = current.as_mut()
            && *cur == k
        {
            *run += c;
        } else if let Some((cur, run)) = current.replace((k, c)) {
            push(cur, run);
        }
    }
    if let Some((cur, run)) = current {
        push(cur, run);
    }
    let mut out: Vec<(u64, u64)> = best.into_iter().map(|(Reverse(c), k)| (k, c)).collect();
    out.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// Distinct keys past which a hash map stops paying and sorting takes over.
const FEW: usize = 1 << 14;

/// The totals of (key, count) pairs by key, in no particular order, when
/// the keys are few distinct ones; `None` when they are many (then counting
/// them in a map does not pay: they are sorted instead). Only the method
/// depends on the answer, never the counts.
fn sum_few(pairs: impl Iterator<Item = (u64, u64)>) -> Option<Vec<(u64, u64)>> {
    // A chunk's keys are tens of thousands: when the first few thousand are
    // nearly all distinct (more than 3 in 4), the rest will be too, and the
    // map is abandoned early rather than at `FEW`.
    const PROBE: usize = 4096;
    let mut few: rustc_hash::FxHashMap<u64, u64> = rustc_hash::FxHashMap::default();
    for (i, (k, c)) in pairs.enumerate() {
        *few.entry(k).or_default() += c;
        if few.len() > FEW || (i == PROBE && few.len() > PROBE / 4 * 3) {
            return None;
        }
    }
    Some(few.into_iter().collect())
}

/// Every distinct key of `keys` with its count when they are few distinct
/// ones (see [`sum_few`]).
pub fn count_few(keys: &[u64]) -> Option<Vec<(u64, u64)>> {
    sum_few(keys.iter().map(|&k| (k, 1)))
}

/// The keys of one count, gathered chunk by chunk: each chunk's keys are
/// counted on the thread that read them when they are few distinct ones
/// (a node's usual destinations), and kept as they are when they are many
/// (a scan's pairs), to be sorted once at the end.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    raw: Vec<u64>,
    counted: Vec<(u64, u64)>,
    sealed: bool,
}

impl Keys {
    pub fn with_capacity(n: usize) -> Keys {
        Keys {
            raw: Vec::with_capacity(n),
            ..Keys::default()
        }
    }

    #[inline]
    pub fn push(&mut self, key: u64) {
        self.raw.push(key);
    }

    /// Counts the raw keys if they are few distinct ones; once.
    pub fn seal(&mut self) {
        if std::mem::replace(&mut self.sealed, true) {
            return;
        }
        if let Some(counted) = count_few(&self.raw) {
            self.counted.extend(counted);
            self.raw = Vec::new();
        }
    }

    /// Rewrites every key (a chunk's ids become the snapshot's).
    pub fn map(&mut self, f: impl Fn(u64) -> u64) {
        for k in &mut self.raw {
            *k = f(*k);
        }
        for (k, _) in &mut self.counted {
            *k = f(*k);
        }
    }

    /// The keys of several chunks as one.
    pub fn concat(parts: Vec<Keys>) -> Keys {
        let raw = parts.iter().map(|k| k.raw.len()).sum();
        let counted = parts.iter().map(|k| k.counted.len()).sum();
        let mut out = Keys {
            raw: Vec::with_capacity(raw),
            counted: Vec::with_capacity(counted),
            sealed: true,
        };
        for k in parts {
            out.raw.extend(k.raw);
            out.counted.extend(k.counted);
        }
        out
    }

    /// The `n` most frequent keys, most first, ties by key.
    pub fn top(&self, n: usize) -> Vec<(u64, u64)> {
        if self.raw.is_empty() {
            return top_weighted(&self.counted, n);
        }
        let mut all = self.raw.clone();
        for &(k, c) in &self.counted {
            all.extend(std::iter::repeat_n(k, usize::try_from(c).unwrap_or(0)));
        }
        top_keys(all, n)
    }
}

/// The `n` largest totals of (key, count) pairs in which a key may occur
/// more than once (the counts of several pieces), most first, ties by key.
pub fn top_weighted(pairs: &[(u64, u64)], n: usize) -> Vec<(u64, u64)> {
    if let Some(totals) = sum_few(pairs.iter().copied()) {
        return keep_top(totals, n);
    }
    let mut pairs = pairs.to_vec();
    pairs.par_sort_unstable_by_key(|p| p.0);
    top_of_sorted(pairs.into_iter(), n)
}

/// Counts dense ids (`0..universe`) with an array instead of a hash map.
pub fn top_dense(ids: &[u32], universe: usize, n: usize) -> Vec<(u64, u64)> {
    let counts = ids
        .par_chunks(PIECE)
        .map(|piece| {
            let mut c = vec![0u64; universe];
            for &id in piece {
                if let Some(slot) = c.get_mut(id as usize) {
                    *slot += 1;
                }
            }
            c
        })
        .reduce(
            || vec![0u64; universe],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        );
    let pairs = counts
        .into_iter()
        .enumerate()
        .filter(|(_, c)| *c > 0)
        .map(|(k, c)| (k as u64, c))
        .collect();
    keep_top(pairs, n)
}

/// The `n` largest of counts indexed by dense id, most first, ties by id.
pub fn top_counted(counts: &[u64], n: usize) -> Vec<(u64, u64)> {
    let pairs = counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(k, c)| (k as u64, *c))
        .collect();
    keep_top(pairs, n)
}

/// The `n` largest counts of a map, most first, ties by key.
pub fn top_of_map(map: &rustc_hash::FxHashMap<u64, u64>, n: usize) -> Vec<(u64, u64)> {
    keep_top(map.iter().map(|(&k, &c)| (k, c)).collect(), n)
}

fn keep_top(mut pairs: Vec<(u64, u64)>, n: usize) -> Vec<(u64, u64)> {
    let order = |a: &(u64, u64), b: &(u64, u64)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
    if pairs.len() > n && n > 0 {
        pairs.select_nth_unstable_by(n - 1, order);
        pairs.truncate(n);
    }
    if n == 0 {
        pairs.clear();
    }
    pairs.sort_unstable_by(order);
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_keys_counts_and_orders_with_ties_by_key() {
        let keys: Vec<u64> = [5, 3, 5, 9, 3, 5, 1, 9].repeat(100_000);
        assert_eq!(
            top_keys(keys.clone(), 3),
            vec![(5, 300_000), (3, 200_000), (9, 200_000)]
        );
        assert_eq!(top_keys(keys.clone(), 0), vec![]);
        assert_eq!(top_keys(vec![], 5), vec![]);
        assert_eq!(top_keys(keys, 10).len(), 4);
    }

    #[test]
    fn counts_split_in_pieces_add_up_to_the_whole() {
        // Few distinct keys (counted per piece), many (kept raw) and a mix
        // of both give the same answer as counting the whole at once.
        let few = |i: u64| (i * 7919) % 7;
        let many = |i: u64| (i * 7919) % 50_000;
        for (name, key) in [
            ("few", &few as &dyn Fn(u64) -> u64),
            ("many", &many),
            ("mixed", &|i: u64| {
                if i < 150_000 { few(i) } else { many(i) }
            }),
        ] {
            let keys: Vec<u64> = (0..300_000u64).map(key).collect();
            let mut parts = Vec::new();
            for piece in keys.chunks(70_001) {
                let mut k = Keys::with_capacity(piece.len());
                for &x in piece {
                    k.push(x + 1);
                }
                k.seal();
                k.map(|x| x - 1);
                parts.push(k);
            }
            let all = Keys::concat(parts);
            assert_eq!(all.top(10), top_keys(keys.clone(), 10), "{name}");
        }
        assert_eq!(count_few(&[]), Some(vec![]));
        assert_eq!(count_few(&(0..10_000).collect::<Vec<u64>>()), None);
        assert_eq!(
            top_weighted(&[(4, 2), (3, 1), (4, 1), (3, 2)], 5),
            vec![(3, 3), (4, 3)]
        );
    }

    #[test]
    fn dense_counts_match_hashed_counts() {
        let ids: Vec<u32> = (0..700_000u64)
            .map(|i| ((i * 7919) % 1000) as u32)
            .collect();
        let wide: Vec<u64> = ids.iter().map(|&i| u64::from(i)).collect();
        assert_eq!(top_dense(&ids, 1000, 10), top_keys(wide, 10));
        // Ids outside the universe are ignored, not a panic.
        assert_eq!(top_dense(&[0, 1, 99], 2, 5), vec![(0, 1), (1, 1)]);
    }
}
