//! What every batch endpoint shares: reading `{"items": [...]}` (at most 1,000, each item read on
//! its own so one item of the wrong shape fails alone), and the per-item answer.
use super::body::{parse, parse_value};
use super::problem::{ApiProblem, FieldProblem};
use crate::db::Outcome;
use crate::error::AppError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The most items one batch may carry (more: 413).
pub const MAX_BATCH: usize = 1000;

/// What happened to one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemResult {
    Created,
    Updated,
    /// Already stored exactly so: nothing written.
    Unchanged,
    /// Not written: see `errors`.
    Error,
}

impl From<Outcome> for ItemResult {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Created => ItemResult::Created,
            Outcome::Updated => ItemResult::Updated,
            Outcome::Unchanged => ItemResult::Unchanged,
        }
    }
}

/// Why an item was not written, field by field (one entry without a field when none is named).
pub fn problems_of(e: AppError) -> Vec<FieldProblem> {
    let p = ApiProblem::from(e);
    if p.errors.is_empty() {
        vec![FieldProblem {
            field: String::new(),
            code: p.code.clone(),
            detail: p.detail.clone(),
        }]
    } else {
        p.errors.clone()
    }
}

#[derive(Deserialize)]
struct Batch {
    items: Vec<serde_json::Value>,
}

/// A batch's items: those read as `T` with their positions, and those that could not be.
pub struct Items<T> {
    pub positions: Vec<usize>,
    pub inputs: Vec<T>,
    pub unreadable: Vec<(usize, Vec<FieldProblem>)>,
}

/// Reads `{"items": [...]}`: 400 when it is not JSON, 422 without `items`, 413 over `MAX_BATCH`.
pub fn read_items<T: DeserializeOwned>(body: &[u8]) -> Result<Items<T>, ApiProblem> {
    let batch: Batch = parse(body)?;
    if batch.items.len() > MAX_BATCH {
        return Err(ApiProblem::new(
            413,
            "batch_too_large",
            format!("A batch holds at most {MAX_BATCH} items; split it."),
        ));
    }
    let mut items = Items {
        positions: Vec::new(),
        inputs: Vec::new(),
        unreadable: Vec::new(),
    };
    for (i, item) in batch.items.into_iter().enumerate() {
        match parse_value::<T>(item) {
            Ok(v) => {
                items.positions.push(i);
                items.inputs.push(v);
            }
            Err(p) => items.unreadable.push((i, p.errors.clone())),
        }
    }
    Ok(items)
}
