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
/// Sorts the keys (on every core) and counts runs: with a million mostly
/// distinct keys this beats a hash map, whose every insert is a cache miss.
pub fn top_keys(mut keys: Vec<u64>, n: usize) -> Vec<(u64, u64)> {
    // Few distinct keys (a node's usual destinations): a small hash map
    // counts them in one pass, several times faster than sorting. Past
    // `FEW` distinct keys the map stops paying and the sort takes over.
    const FEW: usize = 1 << 14;
    let mut few: rustc_hash::FxHashMap<u64, u64> = rustc_hash::FxHashMap::default();
    let mut many = false;
    for &k in &keys {
        *few.entry(k).or_default() += 1;
        if few.len() > FEW {
            many = true;
            break;
        }
    }
    if !many {
        return keep_top(few.into_iter().collect(), n);
    }
    drop(few);
    keys.par_sort_unstable();
    // Min-heap of the best n so far, worst on top: fewest entries, then
    // the larger key.
    let mut best: BinaryHeap<(Reverse<u64>, u64)> =
        BinaryHeap::with_capacity(n.min(keys.len()).saturating_add(1));
    let mut push = |key: u64, count: u64| {
        if n == 0 {
            return;
        }
        best.push((Reverse(count), key));
        if best.len() > n {
            best.pop();
        }
    };
    let mut iter = keys.iter().copied();
    if let Some(first) = iter.next() {
        let (mut cur, mut run) = (first, 1u64);
        for k in iter {
            if k == cur {
                run += 1;
            } else {
                push(cur, run);
                (cur, run) = (k, 1);
            }
        }
        push(cur, run);
    }
    let mut out: Vec<(u64, u64)> = best.into_iter().map(|(Reverse(c), k)| (k, c)).collect();
    out.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out
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
pub fn top_of_map(map: rustc_hash::FxHashMap<u64, u64>, n: usize) -> Vec<(u64, u64)> {
    keep_top(map.into_iter().collect(), n)
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
