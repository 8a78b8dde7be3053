//! Webhooks: the body, its signature, the allowlist, and delivery.

pub mod allow;
pub mod deliver;
pub mod payload;
pub mod sign;

pub use allow::Allowlist;
pub use deliver::{Delivery, RetryPolicy, Sender};
pub use sign::{Refused, Secret, sign, verify};
