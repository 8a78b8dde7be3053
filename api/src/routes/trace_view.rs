//! One trace's exchanges as a tree: each LLM call with its parent among the trace's stored calls,
//! its depth, and its start as an offset from the trace's first, in depth-first order, which is
//! the order a waterfall draws them in.

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use sightline_schemas::Store;

use crate::{
    error::ApiResult,
    params::{integer, number, rfc3339, rows, text},
};

/// More exchanges than any one trace should hold; past it the view says it is cut short.
const MAX_EXCHANGES: usize = 1000;

/// The trace's exchanges, or `None` when no exchange of `trace_id` is stored.
pub async fn trace<S: Store>(store: &S, trace_id: &str) -> ApiResult<Option<Value>> {
    let d = store.dialect();
    let found = rows(
        store,
        &format!(
            "SELECT request_id, span_id, parent_span_id, {} AS t, latency_ms, service, provider, \
             model, model_version, operation, status, error_type, input_tokens, output_tokens, \
             cost_nusd, offensive_language, attributes FROM llm_events WHERE trace_id = {} \
             ORDER BY t, span_id LIMIT {}",
            d.millis("request_time"),
            d.literal(trace_id),
            MAX_EXCHANGES + 1
        ),
    )
    .await?;
    if found.is_empty() {
        return Ok(None);
    }
    let truncated = found.len() > MAX_EXCHANGES;
    Ok(Some(tree(
        trace_id,
        &found[..found.len().min(MAX_EXCHANGES)],
        truncated,
    )))
}

fn tree(trace_id: &str, found: &[Map<String, Value>], truncated: bool) -> Value {
    let index: HashMap<String, usize> = found
        .iter()
        .enumerate()
        .map(|(i, r)| (text(r, "span_id"), i))
        .filter(|(span, _)| !span.is_empty())
        .collect();
    // A parent that is not a stored call (a server span, say) leaves the call at the root.
    let parent: Vec<Option<usize>> = found
        .iter()
        .map(|r| index.get(&text(r, "parent_span_id")).copied())
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); found.len()];
    let mut roots = Vec::new();
    for (i, p) in parent.iter().enumerate() {
        match p {
            Some(p) if *p != i => children[*p].push(i),
            _ => roots.push(i),
        }
    }
    let start = found
        .iter()
        .filter_map(|r| number(r, "t"))
        .fold(f64::INFINITY, f64::min);
    let end = found
        .iter()
        .filter_map(|r| Some(number(r, "t")? + number(r, "latency_ms").unwrap_or(0.0)))
        .fold(start, f64::max);
    let mut ordered = Vec::with_capacity(found.len());
    // Depth-first from each root in start order, so siblings are in start order too. Calls whose
    // parent ids form a cycle, which a bad publisher could send, have no root: they come last,
    // each as a root of its own.
    let mut seen = vec![false; found.len()];
    for root in roots.into_iter().chain(0..found.len()) {
        let mut stack = vec![(root, 0)];
        while let Some((i, depth)) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            ordered.push(exchange(
                &found[i],
                depth,
                start,
                parent[i].map(|p| &found[p]),
            ));
            stack.extend(children[i].iter().rev().map(|&c| (c, depth + 1)));
        }
    }
    let sum = |key: &str| found.iter().filter_map(|r| integer(r, key)).sum::<i64>();
    json!({
        "trace_id": trace_id,
        "start": rfc3339(start as i64),
        "duration_ms": end - start,
        "exchanges": ordered,
        "totals": {
            "exchanges": found.len(),
            "input_tokens": sum("input_tokens"),
            "output_tokens": sum("output_tokens"),
            "cost_usd": sum("cost_nusd") as f64 / 1e9,
        },
        "truncated": truncated,
    })
}

fn exchange(
    r: &Map<String, Value>,
    depth: usize,
    start: f64,
    parent: Option<&Map<String, Value>>,
) -> Value {
    let name = serde_json::from_str::<Value>(&text(r, "attributes"))
        .ok()
        .and_then(|a| a.get("otel.span.name")?.as_str().map(str::to_owned));
    let optional = |key: &str| Some(text(r, key)).filter(|s| !s.is_empty());
    json!({
        "request_id": text(r, "request_id"),
        "span_id": optional("span_id"),
        "parent_span_id": optional("parent_span_id"),
        "parent_request_id": parent.map(|p| text(p, "request_id")),
        "depth": depth,
        "name": name,
        "offset_ms": number(r, "t").map(|t| t - start),
        "latency_ms": number(r, "latency_ms"),
        "service": text(r, "service"),
        "provider": text(r, "provider"),
        "model": text(r, "model"),
        "model_version": text(r, "model_version"),
        "operation": text(r, "operation"),
        "status": text(r, "status"),
        "error_type": optional("error_type"),
        "input_tokens": integer(r, "input_tokens"),
        "output_tokens": integer(r, "output_tokens"),
        "cost_usd": number(r, "cost_nusd").map(|n| n / 1e9),
        "offensive_language": number(r, "offensive_language"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(request: &str, span: &str, parent: &str, t: f64, latency: f64) -> Map<String, Value> {
        let Value::Object(map) = json!({
            "request_id": request, "span_id": span, "parent_span_id": parent, "t": t,
            "latency_ms": latency, "input_tokens": 10, "cost_nusd": 2000,
            "attributes": format!("{{\"otel.span.name\":\"call {request}\"}}"),
        }) else {
            unreachable!()
        };
        map
    }

    #[test]
    fn calls_nest_under_stored_parents_depth_first() {
        let found = [
            row("a", "s1", "server", 1000.0, 900.0),
            row("b", "s2", "s1", 1100.0, 100.0),
            row("c", "s3", "server", 1200.0, 50.0),
            row("d", "s4", "s2", 1150.0, 20.0),
        ];
        let view = tree("t", &found, false);
        let order: Vec<(&str, u64)> = view["exchanges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["request_id"].as_str().unwrap(),
                    e["depth"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(order, [("a", 0), ("b", 1), ("d", 2), ("c", 0)]);
        assert_eq!(view["exchanges"][1]["parent_request_id"], "a");
        assert_eq!(view["exchanges"][0]["parent_request_id"], Value::Null);
        assert_eq!(view["exchanges"][1]["offset_ms"], json!(100.0));
        assert_eq!(view["exchanges"][1]["name"], "call b");
        assert_eq!(view["duration_ms"], json!(900.0));
        assert_eq!(view["totals"]["input_tokens"], 40);
        assert_eq!(view["totals"]["cost_usd"], json!(8e-6));
    }

    #[test]
    fn a_cycle_of_parents_does_not_loop() {
        let found = [
            row("a", "s1", "s2", 0.0, 1.0),
            row("b", "s2", "s1", 0.0, 1.0),
        ];
        let view = tree("t", &found, false);
        assert_eq!(view["exchanges"].as_array().unwrap().len(), 2, "{view}");
    }
}
