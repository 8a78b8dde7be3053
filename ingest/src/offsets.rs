//! Which offsets are safe to commit: per partition, every message read is pending until whatever
//! it became (a stored row, a dead letter) is acknowledged by the sink, in any order. The commit
//! position never passes a pending message, and never falls between the two halves of a stored
//! exchange: after a restart, a response is read again only together with its request, so the
//! exchange is rebuilt whole instead of becoming a false orphan.

use std::collections::BTreeMap;

/// A message's place in its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position {
    pub partition: i32,
    pub offset: i64,
}

#[derive(Debug, Default)]
struct PartitionState {
    /// Read but not yet acknowledged, each with whether it has been handed to the sink: one map
    /// rather than two sets, so that each message costs one tree operation per step.
    pending: BTreeMap<i64, bool>,
    /// How many of `pending` are with the sink.
    in_flight: usize,
    last_read: Option<i64>,
    /// Stored exchanges that span offsets: the earlier half's offset to the later half's.
    spans: BTreeMap<i64, i64>,
}

#[derive(Debug, Default)]
pub struct OffsetTracker {
    partitions: BTreeMap<i32, PartitionState>,
}

impl OffsetTracker {
    /// Records that a message was read.
    pub fn read(&mut self, at: Position) {
        let state = self.partitions.entry(at.partition).or_default();
        state.pending.entry(at.offset).or_insert(false);
        state.last_read = Some(state.last_read.map_or(at.offset, |o| o.max(at.offset)));
    }

    /// Records that these messages are on their way to the sink.
    pub fn dispatched(&mut self, positions: &[Position]) {
        for p in positions {
            if let Some(state) = self.partitions.get_mut(&p.partition)
                && let Some(in_flight @ false) = state.pending.get_mut(&p.offset)
            {
                *in_flight = true;
                state.in_flight += 1;
            }
        }
    }

    /// Records that the sink has these messages, and which of them were the two halves of one
    /// exchange. Acks for partitions no longer held are ignored.
    pub fn done(&mut self, positions: &[Position], pairs: &[(Position, Position)]) {
        for p in positions {
            if let Some(state) = self.partitions.get_mut(&p.partition)
                && state.pending.remove(&p.offset) == Some(true)
            {
                state.in_flight -= 1;
            }
        }
        for (a, b) in pairs {
            let (first, last) = if a.offset <= b.offset { (a, b) } else { (b, a) };
            if let Some(state) = self.partitions.get_mut(&first.partition) {
                let latest = state.spans.entry(first.offset).or_insert(last.offset);
                *latest = (*latest).max(last.offset);
            }
        }
    }

    /// Whether any batch holding messages of this partition is still with the sink.
    pub fn has_in_flight(&self, partition: i32) -> bool {
        self.partitions
            .get(&partition)
            .is_some_and(|s| s.in_flight > 0)
    }

    /// Forgets a partition, after it was revoked.
    pub fn release(&mut self, partition: i32) {
        self.partitions.remove(&partition);
    }

    /// The offset to commit for each partition that has one. A Kafka commit names the next
    /// offset to read, not the last one processed: the oldest pending message if there is one, so
    /// that it is read again after a restart, and otherwise one past the last message read (+1).
    ///
    /// The position then moves back to the request of any stored exchange whose response lies at
    /// or after it, repeatedly, until no exchange straddles it. Only spans that start before the
    /// position can straddle it, and once it settles every one of those lies wholly behind it; as
    /// the position only moves forward they can never straddle a later one, so they are dropped.
    /// Each span is thus looked at about once, however long the backlog behind the oldest pending
    /// message grows.
    pub fn committable(&mut self) -> Vec<(i32, i64)> {
        self.partitions
            .iter_mut()
            .filter_map(|(&partition, s)| {
                let mut next = match s.pending.first_key_value() {
                    Some((&oldest, _)) => oldest,
                    None => s.last_read? + 1,
                };
                while let Some((&start, _)) = s.spans.range(..next).find(|(_, end)| **end >= next) {
                    next = start;
                }
                s.spans = s.spans.split_off(&next);
                Some((partition, next))
            })
            .collect()
    }

    /// Messages read and not yet acknowledged, over all partitions.
    pub fn pending(&self) -> usize {
        self.partitions.values().map(|s| s.pending.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn at(partition: i32, offset: i64) -> Position {
        Position { partition, offset }
    }

    #[test]
    fn commit_stops_at_the_oldest_pending_message() {
        let mut t = OffsetTracker::default();
        for o in 10..15 {
            t.read(at(0, o));
        }
        assert_eq!(t.committable(), [(0, 10)]);
        t.done(&[at(0, 11), at(0, 12)], &[]);
        assert_eq!(
            t.committable(),
            [(0, 10)],
            "out-of-order acks do not move the commit"
        );
        t.done(&[at(0, 10)], &[]);
        assert_eq!(t.committable(), [(0, 13)]);
        t.done(&[at(0, 13), at(0, 14)], &[]);
        assert_eq!(
            t.committable(),
            [(0, 15)],
            "all done: one past the last read"
        );
    }

    #[test]
    fn partitions_are_independent_and_releasable() {
        let mut t = OffsetTracker::default();
        t.read(at(0, 0));
        t.read(at(1, 7));
        t.dispatched(&[at(1, 7)]);
        assert!(t.has_in_flight(1) && !t.has_in_flight(0));
        t.done(&[at(1, 7)], &[]);
        assert_eq!(t.committable(), [(0, 0), (1, 8)]);
        t.release(0);
        t.done(&[at(0, 0)], &[]);
        assert_eq!(t.committable(), [(1, 8)]);
        assert_eq!(t.pending(), 0);
    }

    /// The commit as first written: from the oldest pending message, step back to the start of any
    /// stored exchange that straddles the position, over every exchange ever stored.
    fn reference_commit(pending: &BTreeSet<i64>, read: i64, spans: &[(i64, i64)]) -> i64 {
        let mut next = pending.first().copied().unwrap_or(read + 1);
        while let Some(start) = spans
            .iter()
            .filter(|&&(start, end)| start < next && next <= end)
            .map(|&(start, _)| start)
            .min()
        {
            next = start;
        }
        next
    }

    #[test]
    fn pruned_spans_give_the_same_commits_as_keeping_them_all() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut random = move |below: i64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % below as u64) as i64
        };
        let mut t = OffsetTracker::default();
        let (mut pending, mut spans) = (BTreeSet::new(), Vec::new());
        let mut read = -1;
        for _ in 0..3_000 {
            for _ in 0..random(8) {
                read += 1;
                t.read(at(0, read));
                pending.insert(read);
            }
            // Acknowledge a few pending messages, some of them as the two halves of an exchange.
            for _ in 0..random(6) {
                let Some(&a) = pending
                    .iter()
                    .nth(random(pending.len().max(1) as i64) as usize)
                else {
                    break;
                };
                pending.remove(&a);
                match pending
                    .iter()
                    .nth(random(pending.len().max(1) as i64) as usize)
                {
                    Some(&b) if random(2) == 0 => {
                        pending.remove(&b);
                        t.done(&[at(0, a), at(0, b)], &[(at(0, a), at(0, b))]);
                        spans.push((a.min(b), a.max(b)));
                    }
                    _ => t.done(&[at(0, a)], &[]),
                }
            }
            let expected = reference_commit(&pending, read, &spans);
            assert_eq!(t.committable(), [(0, expected)]);
        }
    }

    #[test]
    fn commit_never_splits_a_stored_exchange() {
        let mut t = OffsetTracker::default();
        for o in 0..10 {
            t.read(at(0, o));
        }
        // 2 and 8 were one exchange; 5 is still waiting for its other half.
        t.done(
            &[at(0, 0), at(0, 1), at(0, 2), at(0, 8)],
            &[(at(0, 2), at(0, 8))],
        );
        assert_eq!(
            t.committable(),
            [(0, 2)],
            "re-reading from 5 would find 8 without 2"
        );
        // 1 and 9 straddle 2 in turn.
        t.done(&[at(0, 9)], &[(at(0, 1), at(0, 9))]);
        assert_eq!(t.committable(), [(0, 1)]);
        t.done(&[at(0, 3), at(0, 4), at(0, 5), at(0, 6), at(0, 7)], &[]);
        assert_eq!(
            t.committable(),
            [(0, 10)],
            "nothing pending: past the last read"
        );
    }
}
