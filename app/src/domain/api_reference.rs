//! The public API's reference as the admin reads it: each operation of the OpenAPI document with
//! its scope, parameters, body and answers, read from the document the API serves.
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiParameter {
    pub name: String,
    /// `path`, `query` or `header`.
    pub location: String,
    pub required: bool,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiOperation {
    pub tag: String,
    /// Upper case (`GET`).
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    /// The token scope the operation needs.
    pub scope: Option<String>,
    pub parameters: Vec<ApiParameter>,
    /// The body's schema name, if it takes one.
    pub body: Option<String>,
    /// (status, description), in status order.
    pub responses: Vec<(String, String)>,
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// The name a `$ref` points at (`#/components/schemas/OrderInput` → `OrderInput`).
fn schema_name(schema: &Value) -> Option<String> {
    let r = schema.get("$ref")?.as_str()?;
    r.rsplit('/').next().map(str::to_owned)
}

/// Every operation of an OpenAPI document, by tag, then path, then method.
pub fn operations(doc: &Value) -> Vec<ApiOperation> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let parameters = op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| ApiParameter {
                    name: text(&p["name"]),
                    location: text(&p["in"]),
                    required: p["required"].as_bool().unwrap_or(false),
                    description: text(&p["description"]),
                })
                .collect();
            let body = op
                .pointer("/requestBody/content/application~1json/schema")
                .and_then(schema_name);
            let mut responses: Vec<(String, String)> = op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(status, r)| (status.clone(), text(&r["description"])))
                .collect();
            responses.sort();
            out.push(ApiOperation {
                tag: op["tags"][0].as_str().unwrap_or("other").to_owned(),
                method: method.to_uppercase(),
                path: path.clone(),
                summary: text(&op["summary"]),
                description: text(&op["description"]),
                scope: op["security"][0]["bearer"][0].as_str().map(str::to_owned),
                parameters,
                body,
                responses,
            });
        }
    }
    out.sort_by(|a, b| (&a.tag, &a.path, &a.method).cmp(&(&b.tag, &b.path, &b.method)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn operations_carry_scope_parameters_body_and_answers() {
        let doc = json!({ "paths": {
            "/api/v1/orders": { "post": {
                "tags": ["orders"], "summary": "Upsert", "security": [{ "bearer": ["orders:write"] }],
                "requestBody": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/OrderInput" } } } },
                "responses": { "422": { "description": "Bad" }, "201": { "description": "Created" } }
            }},
            "/api/v1/customers/{id}": { "get": {
                "tags": ["customers"], "summary": "Get",
                "parameters": [{ "name": "id", "in": "path", "required": true, "description": "The id" }],
                "responses": { "200": { "description": "OK" } }
            }}
        }});
        let ops = operations(&doc);
        assert_eq!(ops.len(), 2);
        assert_eq!(
            (ops[0].tag.as_str(), ops[0].method.as_str()),
            ("customers", "GET")
        );
        assert_eq!(ops[0].parameters[0].location, "path");
        assert!(ops[0].parameters[0].required);
        assert_eq!(ops[1].scope.as_deref(), Some("orders:write"));
        assert_eq!(ops[1].body.as_deref(), Some("OrderInput"));
        assert_eq!(
            ops[1].responses[0],
            ("201".to_owned(), "Created".to_owned())
        );
        assert!(operations(&json!({})).is_empty());
    }
}
