//! Shards: which of a plan's cells `gclab run --shard K/N` runs.
//!
//! The rule: every cell gets a key, the FNV-1a 64 hash of its identity (collector or peer,
//! workload, seed, repeat, heap multiple: the same identity the plan's fingerprint hashes);
//! the cells are ranked by key (ties by cell index) and the cell of rank `r` belongs to shard
//! `r mod N`. Shares therefore differ by at most one cell, depend on nothing but the plan,
//! and are the same on every machine. Plain `index mod N` over the canonical cell order
//! would be as balanced in count but not in time: the order cycles through collectors with
//! a fixed stride, so with N dividing (or sharing a factor with) the number of collectors a
//! shard would get every cell of one slow collector. Ranking by hash spreads collectors,
//! workloads and repeats over all shards alike. Within a shard, cells run in canonical order.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::checksum::fnv1a64_hex;
use crate::runner::Cell;

/// The most shards a plan may be split into (a Slurm array's usual `MaxArraySize` is 1001).
pub const MAX_SHARDS: u32 = 10_000;

/// One share of a plan: shard `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// K, from 0.
    pub index: u32,
    /// N, at least 1.
    pub count: u32,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Parses `K/N` (0 <= K < N <= [`MAX_SHARDS`]); the error says what is expected.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("expected K/N with 0 <= K < N <= {MAX_SHARDS}, not '{text}'");
        let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || count > MAX_SHARDS || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// The identity a cell is hashed by.
fn cell_key(cell: &Cell) -> String {
    #[derive(Serialize)]
    struct CellId<'a>(&'a str, bool, &'a str, u64, u32, Option<f64>);
    let id = CellId(
        &cell.request.collector,
        cell.request.peer,
        &cell.request.workload,
        cell.request.seed,
        cell.repeat,
        cell.heap_multiple,
    );
    let mut text = serde_json::to_string(&id).unwrap_or_default();
    // A sweep's value joins the identity only in a sweep, so other plans keep their shares.
    if let Some(sweep) = &cell.sweep {
        text.push_str(sweep);
    }
    fnv1a64_hex(text.as_bytes())
}

/// The shard number (0..count) of every cell, by the rule in the module documentation.
pub fn assignment(cells: &[Cell], count: u32) -> Vec<u32> {
    let keys: Vec<String> = cells.iter().map(cell_key).collect();
    let mut ranked: Vec<usize> = (0..cells.len()).collect();
    ranked.sort_by(|&a, &b| keys[a].cmp(&keys[b]).then(a.cmp(&b)));
    let mut shard_of = vec![0; cells.len()];
    for (rank, &cell) in ranked.iter().enumerate() {
        shard_of[cell] = (rank % count as usize) as u32;
    }
    shard_of
}

/// The indices (in canonical order) of the cells of `shard`.
pub fn cells_of(cells: &[Cell], shard: Shard) -> Vec<usize> {
    assignment(cells, shard.count)
        .iter()
        .enumerate()
        .filter(|(_, &s)| s == shard.index)
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Plan, PlanRequest};

    fn plan(collectors: &[&str], workloads: &[&str], seeds: u64, repeat: u32) -> Plan {
        Plan::new(
            PlanRequest {
                collectors: collectors.iter().map(|s| s.to_string()).collect(),
                workloads: workloads.iter().map(|s| s.to_string()).collect(),
                seeds,
                repeat,
                small: true,
                timeout_secs: 20.0,
                memory_budget: 1 << 30,
                ..PlanRequest::default()
            },
            &crate::registry::registry(),
        )
        .unwrap()
    }

    #[test]
    fn shard_arguments_parse_and_refuse() {
        assert_eq!(Shard::parse("0/1").unwrap(), Shard { index: 0, count: 1 });
        assert_eq!(Shard::parse("3/4").unwrap().to_string(), "3/4");
        for bad in ["4/4", "1/0", "-1/4", "1", "a/b", "1/4/5", "0/10001", ""] {
            let e = Shard::parse(bad).unwrap_err();
            assert!(e.contains("expected K/N"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_shares_of_a_small_plan_are_these() {
        // Pinned: the same plan must give the same shares on any machine and any version
        // that has not changed the plan's identity (a change here breaks merging of shards
        // run with older binaries, and must be deliberate).
        let p = plan(
            &["refcount", "cycle", "marksweep"],
            &["seed-cycles", "dll-churn"],
            1,
            1,
        );
        let cells = crate::runner::cells(&p, &[]);
        assert_eq!(cells.len(), 6);
        let shares: Vec<Vec<usize>> = (0..4)
            .map(|k| cells_of(&cells, Shard { index: k, count: 4 }))
            .collect();
        assert_eq!(shares, PINNED_SHARES.map(|s| s.to_vec()).to_vec());
    }

    const PINNED_SHARES: [&[usize]; 4] = [&[0, 1], &[2, 3], &[5], &[4]];

    #[test]
    fn shares_partition_the_plan_and_differ_by_at_most_one() {
        let p = plan(&[], &["seed-cycles", "dll-churn"], 3, 2);
        let cells = crate::runner::cells(&p, &[]);
        for n in [1, 2, 3, 4, 7, cells.len() as u32] {
            let mut seen = vec![0; cells.len()];
            let mut sizes = Vec::new();
            for k in 0..n {
                let share = cells_of(&cells, Shard { index: k, count: n });
                assert!(share.windows(2).all(|w| w[0] < w[1]), "canonical order");
                for &i in &share {
                    seen[i] += 1;
                }
                sizes.push(share.len());
            }
            assert!(seen.iter().all(|&s| s == 1), "n={n}: {seen:?}");
            let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(hi - lo <= 1, "n={n}: {sizes:?}");
        }
    }

    #[test]
    fn no_shard_gets_one_collector_alone_when_counts_align() {
        // Four collectors and four shards: index mod 4 would give each shard one collector.
        let p = plan(
            &["refcount", "cycle", "marksweep", "nogc"],
            &["seed-cycles", "dll-churn"],
            4,
            2,
        );
        let cells = crate::runner::cells(&p, &[]);
        for k in 0..4 {
            let share = cells_of(&cells, Shard { index: k, count: 4 });
            let mut collectors: Vec<&str> = share
                .iter()
                .map(|&i| cells[i].request.collector.as_str())
                .collect();
            collectors.sort();
            collectors.dedup();
            assert!(collectors.len() >= 3, "shard {k}: {collectors:?}");
        }
    }
}
