//! Any bytes either decode to an event that survives a JSON round trip, or are rejected with at
//! least one problem; the decoder never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sightline_schemas::{Limits, decode_event};

fuzz_target!(|bytes: &[u8]| {
    let limits = Limits::default();
    match decode_event(bytes, &limits) {
        Ok(event) => {
            let json = serde_json::to_vec(&event).expect("events serialize");
            assert_eq!(decode_event(&json, &limits).ok(), Some(event));
        }
        Err(rejection) => assert!(!rejection.problems.is_empty()),
    }
});
