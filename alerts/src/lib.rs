//! Alert rules, the pending/firing/resolved state machine, and signed webhook delivery.
