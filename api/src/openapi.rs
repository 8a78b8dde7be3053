//! `/openapi.json`, built from the route catalog.

use serde_json::{Map, Value, json};

use crate::catalog::{Access, In, Part, ROUTES};

pub fn document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let params: Vec<Value> = route
            .params
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "in": if p.at == In::Path { "path" } else { "query" },
                    "required": p.at == In::Path,
                    "description": p.about,
                    "schema": {"type": "string"},
                })
            })
            .collect();
        let mut operation = json!({
            "summary": route.summary,
            "parameters": params,
            "responses": {
                "200": {"description": "success"},
                "400": {"description": "the request is wrong; `error` says how", "content": error_body()},
            },
        });
        match route.access {
            Access::Open => operation["security"] = json!([]),
            Access::Key(scope) => {
                operation["security"] = json!([{ "bearer": [] }]);
                operation["x-scope"] = json!(scope.name());
                deny(&mut operation);
            }
            Access::Openable(part) => {
                operation["security"] = json!([{ "bearer": [] }]);
                operation["x-scope"] = json!("read");
                operation["x-open-with"] = json!(match part {
                    Part::OpenApi => "openapi",
                    Part::Metrics => "metrics",
                    Part::Dashboard => "dashboard",
                });
                deny(&mut operation);
            }
        }
        if let Some(body) = route.body {
            operation["requestBody"] = json!({
                "required": true,
                "description": body,
                "content": {"application/json": {"schema": {"type": "object"}}},
            });
        }
        let entry = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        entry[route.method.as_str().to_ascii_lowercase()] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Sightline API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Traces, metrics, drift, alerts and read-only SQL over the LLM events Sightline stores. Keys are Bearer tokens with scopes ingest, read and admin (admin includes the others).",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": paths,
    })
}

fn error_body() -> Value {
    json!({"application/json": {"schema": {
        "type": "object",
        "properties": {"error": {"type": "string"}},
        "required": ["error"],
    }}})
}

fn deny(operation: &mut Value) {
    operation["responses"]["401"] =
        json!({"description": "no key, or one this API does not know", "content": error_body()});
    operation["responses"]["403"] =
        json!({"description": "the key lacks the scope", "content": error_body()});
}
