//! Minimum-cost flow (successive shortest paths, Dijkstra on costs reduced
//! by Johnson potentials, Bellman–Ford once for the first potentials since
//! edges may cost less than nothing). The programme suggestion is one:
//! proposals → (organisation, slot) → slot → end. Pure and small; checked
//! against brute force in the tests.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Debug, Clone)]
struct Edge {
    to: usize,
    cap: i64,
    cost: i64,
}

/// A flow network. Edge `e` and its reverse are `e` and `e ^ 1`.
#[derive(Debug, Clone, Default)]
pub struct Network {
    edges: Vec<Edge>,
    out: Vec<Vec<usize>>,
}

impl Network {
    pub fn new(nodes: usize) -> Network {
        Network {
            edges: Vec::new(),
            out: vec![Vec::new(); nodes],
        }
    }

    pub fn add_node(&mut self) -> usize {
        self.out.push(Vec::new());
        self.out.len() - 1
    }

    pub fn nodes(&self) -> usize {
        self.out.len()
    }

    /// An edge from `u` to `v` carrying up to `cap` at `cost` per unit;
    /// returns its id (for `flow_on`).
    pub fn add_edge(&mut self, u: usize, v: usize, cap: i64, cost: i64) -> usize {
        let id = self.edges.len();
        self.edges.push(Edge { to: v, cap, cost });
        self.edges.push(Edge {
            to: u,
            cap: 0,
            cost: -cost,
        });
        self.out[u].push(id);
        self.out[v].push(id + 1);
        id
    }

    /// What flows on edge `id` (the reverse edge's capacity).
    pub fn flow_on(&self, id: usize) -> i64 {
        self.edges[id ^ 1].cap
    }

    /// Sends flow from `s` to `t` along cheapest paths for as long as a path
    /// lowers the total cost (a minimum-cost flow of any value); returns
    /// (flow, cost). The network must have no cycle of negative cost.
    pub fn min_cost_flow(&mut self, s: usize, t: usize) -> (i64, i64) {
        let n = self.out.len();
        // First potentials: Bellman–Ford (SPFA) from s.
        let mut pot = vec![i64::MAX; n];
        pot[s] = 0;
        let mut queue = std::collections::VecDeque::from([s]);
        let mut queued = vec![false; n];
        queued[s] = true;
        while let Some(u) = queue.pop_front() {
            queued[u] = false;
            for &e in &self.out[u] {
                let edge = &self.edges[e];
                if edge.cap > 0 && pot[u] + edge.cost < pot[edge.to] {
                    pot[edge.to] = pot[u] + edge.cost;
                    if !queued[edge.to] {
                        queued[edge.to] = true;
                        queue.push_back(edge.to);
                    }
                }
            }
        }
        for p in pot.iter_mut() {
            if *p == i64::MAX {
                *p = 0;
            }
        }
        let (mut flow, mut cost) = (0i64, 0i64);
        let mut dist = vec![i64::MAX; n];
        let mut prev: Vec<Option<usize>> = vec![None; n];
        loop {
            dist.iter_mut().for_each(|d| *d = i64::MAX);
            prev.iter_mut().for_each(|p| *p = None);
            dist[s] = 0;
            let mut heap = BinaryHeap::from([Reverse((0i64, s))]);
            while let Some(Reverse((d, u))) = heap.pop() {
                if d > dist[u] {
                    continue;
                }
                for &e in &self.out[u] {
                    let edge = &self.edges[e];
                    if edge.cap <= 0 {
                        continue;
                    }
                    let nd = d + edge.cost + pot[u] - pot[edge.to];
                    if nd < dist[edge.to] {
                        dist[edge.to] = nd;
                        prev[edge.to] = Some(e);
                        heap.push(Reverse((nd, edge.to)));
                    }
                }
            }
            if dist[t] == i64::MAX {
                break;
            }
            for v in 0..n {
                if dist[v] != i64::MAX {
                    pot[v] += dist[v];
                }
            }
            // The real cost of the path: stop when it no longer pays.
            let path_cost = pot[t] - pot[s];
            if path_cost >= 0 {
                break;
            }
            let mut push = i64::MAX;
            let mut v = t;
            while let Some(e) = prev[v] {
                push = push.min(self.edges[e].cap);
                v = self.edges[e ^ 1].to;
            }
            let mut v = t;
            while let Some(e) = prev[v] {
                self.edges[e].cap -= push;
                self.edges[e ^ 1].cap += push;
                v = self.edges[e ^ 1].to;
            }
            flow += push;
            cost += push * path_cost;
        }
        (flow, cost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Best assignment of rows to columns (each column takes at most
    /// `caps[c]` rows, a row may stay out), by trying everything.
    fn brute(weights: &[Vec<Option<i64>>], caps: &[i64]) -> i64 {
        fn go(i: usize, w: &[Vec<Option<i64>>], caps: &mut Vec<i64>) -> i64 {
            if i == w.len() {
                return 0;
            }
            let mut best = go(i + 1, w, caps);
            for c in 0..caps.len() {
                if let Some(x) = w[i][c]
                    && caps[c] > 0
                {
                    caps[c] -= 1;
                    best = best.min(x + go(i + 1, w, caps));
                    caps[c] += 1;
                }
            }
            best
        }
        go(0, weights, &mut caps.to_vec())
    }

    proptest! {
        #[test]
        fn matches_brute_force(
            weights in proptest::collection::vec(
                proptest::collection::vec(proptest::option::of(-50i64..20), 3), 0..7),
            caps in proptest::collection::vec(0i64..3, 3),
        ) {
            let rows = weights.len();
            let mut net = Network::new(rows + 5);
            let (s, t) = (rows + 3, rows + 4);
            for (i, row) in weights.iter().enumerate() {
                net.add_edge(s, i, 1, 0);
                for (c, w) in row.iter().enumerate() {
                    if let Some(w) = w {
                        net.add_edge(i, rows + c, 1, *w);
                    }
                }
            }
            for (c, cap) in caps.iter().enumerate() {
                net.add_edge(rows + c, t, *cap, 0);
            }
            let (_, cost) = net.min_cost_flow(s, t);
            prop_assert_eq!(cost, brute(&weights, &caps));
        }
    }
}
