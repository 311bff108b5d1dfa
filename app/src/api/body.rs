//! Request bodies of the public API: JSON read into a typed value at the edge, or a problem that
//! says what is wrong — 400 when it is not JSON at all, 422 naming the field whose type is wrong.
use super::problem::{ApiProblem, FieldProblem};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

/// A JSON body read as `T`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiProblem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiProblem::new(e.status().as_u16(), "body_unreadable", e.body_text()))?;
        parse(&bytes).map(ApiJson)
    }
}

/// `bytes` as a `T`, or the problem with them: JSON that does not parse is 400 whatever its shape
/// (a read into `T` alone would call `[1, 2` a wrong type), then a wrong type is 422.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiProblem> {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(|e| not_json(&e))?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            Category::Data => wrong_type(field, &inner),
            Category::Syntax | Category::Eof | Category::Io => not_json(&inner),
        }
    })?;
    de.end().map_err(|e| not_json(&e))?;
    Ok(value)
}

/// A JSON value already read (one item of a batch) as a `T`, or 422 naming the wrong field.
pub fn parse_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiProblem> {
    serde_path_to_error::deserialize(value).map_err(|e| wrong_type(e.path().to_string(), e.inner()))
}

fn wrong_type(field: String, e: &serde_json::Error) -> ApiProblem {
    let mut p = ApiProblem::new(
        422,
        "validation_failed",
        "Some fields have the wrong type: see errors.",
    );
    p.errors = vec![FieldProblem {
        field,
        code: "wrong_type".to_owned(),
        detail: e.to_string(),
    }];
    p
}

fn not_json(e: &serde_json::Error) -> ApiProblem {
    ApiProblem::malformed(format!("The body is not valid JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Item {
        sku: String,
        qty: u32,
    }

    #[test]
    fn malformed_json_is_400_and_a_wrong_type_is_422_with_its_path() {
        assert_eq!(parse::<Vec<Item>>(b"[{").unwrap_err().status, 400);
        assert_eq!(parse::<Vec<Item>>(b"[] trailing").unwrap_err().status, 400);
        assert_eq!(parse::<Vec<Item>>(b"[1, 2").unwrap_err().status, 400);
        let p = parse::<Vec<Item>>(br#"[{"sku": "A", "qty": 1}, {"sku": "B", "qty": -2}]"#)
            .unwrap_err();
        assert_eq!(p.status, 422);
        assert_eq!(p.errors[0].field, "[1].qty");
        let items = parse::<Vec<Item>>(br#"[{"sku": "A", "qty": 2}]"#).unwrap();
        assert_eq!((items[0].sku.as_str(), items[0].qty), ("A", 2));
    }
}
