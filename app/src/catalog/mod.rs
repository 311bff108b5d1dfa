//! The catalog, server only, below the back office, the storefront and the API: categories (a
//! tree) and products, upserted by code and SKU in batches (the same item again writes nothing),
//! and read back for the API, the customer page and the storefront.
use crate::db::tx::Tx;
use crate::db::{Db, Outcome, action_log, from_json};
use crate::domain::Principal;
use crate::domain::product::{Category, Product, ProductInput, tree_allows};
use crate::error::{AppError, Problem};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use surrealdb::types::{RecordId, SurrealValue};

/// One item's answer in a batch.
pub type Answer = Result<Outcome, AppError>;

fn digest(v: &impl serde::Serialize) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(v).unwrap_or_default()))
}

/// Every category's parent, by code.
async fn parents(db: &Db) -> Result<HashMap<String, Option<String>>, AppError> {
    #[derive(serde::Deserialize)]
    struct Row {
        code: String,
        parent: Option<String>,
    }
    let mut res = db.query("SELECT code, parent FROM category").await?;
    let rows: Vec<Json> = res.take(0)?;
    rows.into_iter()
        .map(|r| from_json::<Row>(r).map(|r| (r.code, r.parent)))
        .collect()
}

/// Writes each category (its parent must exist, stored or earlier in the batch, and must not sit
/// below it); one answer per input, in order.
pub async fn put_categories(
    db: &Db,
    me: &Principal,
    inputs: Vec<Category>,
) -> Result<Vec<Answer>, AppError> {
    let mut tree = parents(db).await?;
    let mut answers = Vec::with_capacity(inputs.len());
    let mut tx = Tx::new();
    let mut written = 0;
    for input in inputs {
        let c = match input.validate() {
            Ok(c) => c,
            Err(e) => {
                answers.push(Err(AppError::InvalidFields(e)));
                continue;
            }
        };
        if !tree_allows(&tree, &c.code, c.parent.as_deref()) {
            answers.push(Err(AppError::field("parent", Problem::FieldInvalid)));
            continue;
        }
        let outcome = if tree.contains_key(&c.code) {
            Outcome::Updated
        } else {
            Outcome::Created
        };
        tree.insert(c.code.clone(), c.parent.clone());
        tx.add(
            "UPSERT $record CONTENT $category RETURN NONE;",
            [
                (
                    "record",
                    RecordId::new("category", c.code.clone()).into_value(),
                ),
                (
                    "category",
                    serde_json::to_value(&c)
                        .map_err(AppError::internal)?
                        .into_value(),
                ),
            ],
        );
        written += 1;
        answers.push(Ok(outcome));
    }
    if written > 0 {
        tx.log(action_log::entry(
            me,
            "categories_imported",
            None,
            written,
            "",
        ));
        tx.commit(db).await?;
    }
    Ok(answers)
}

/// The category tree, parents before children, siblings by position.
pub async fn categories(db: &Db) -> Result<Vec<Category>, AppError> {
    let mut res = db
        .query("SELECT code, name, parent, position FROM category ORDER BY position, code")
        .await?;
    let rows: Vec<Json> = res.take(0)?;
    let all: Vec<Category> = rows.into_iter().map(from_json).collect::<Result<_, _>>()?;
    // Depth first from the top, so each category follows its parent.
    let mut out = Vec::with_capacity(all.len());
    let mut stack: Vec<Option<String>> = vec![None];
    let mut seen: HashSet<String> = HashSet::new();
    while let Some(parent) = stack.pop() {
        let children: Vec<&Category> = all.iter().filter(|c| c.parent == parent).collect();
        for c in children.iter().rev() {
            if seen.insert(c.code.clone()) {
                stack.push(Some(c.code.clone()));
            }
        }
        if let Some(p) = parent
            && let Some(c) = all.iter().find(|c| c.code == p)
        {
            out.push(c.clone());
        }
    }
    Ok(out)
}

/// Writes each product (its categories must exist); the same product again is `Unchanged` and
/// writes nothing. One answer per input, in order; the good ones are written in one transaction.
pub async fn put_products(
    db: &Db,
    me: &Principal,
    inputs: Vec<ProductInput>,
) -> Result<Vec<Answer>, AppError> {
    let mut answers: Vec<Answer> = Vec::with_capacity(inputs.len());
    let mut valid: Vec<(usize, Product)> = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        match input.validate() {
            Ok(p) => {
                answers.push(Err(AppError::Unavailable));
                valid.push((i, p));
            }
            Err(e) => answers.push(Err(AppError::InvalidFields(e))),
        }
    }
    let records: Vec<RecordId> = valid
        .iter()
        .map(|(_, p)| RecordId::new("product", p.sku.clone()))
        .collect();
    let mut res = db
        .query("SELECT VALUE code FROM category; SELECT sku, fingerprint FROM $records;")
        .bind(("records", records))
        .await?;
    let known: HashSet<String> = res.take::<Vec<String>>(0)?.into_iter().collect();
    #[derive(serde::Deserialize)]
    struct Stored {
        sku: String,
        fingerprint: String,
    }
    let stored: Vec<Json> = res.take(1)?;
    let mut stored: HashMap<String, String> = stored
        .into_iter()
        .map(|r| from_json::<Stored>(r).map(|s| (s.sku, s.fingerprint)))
        .collect::<Result<_, _>>()?;
    let mut tx = Tx::new();
    let mut written = 0;
    for (i, p) in valid {
        if let Some(at) = p.categories.iter().position(|c| !known.contains(c)) {
            answers[i] = Err(AppError::field(
                &format!("categories.{at}"),
                Problem::CategoryUnknown,
            ));
            continue;
        }
        let fingerprint = digest(&p);
        let outcome = match stored.insert(p.sku.clone(), fingerprint.clone()) {
            Some(f) if f == fingerprint => {
                answers[i] = Ok(Outcome::Unchanged);
                continue;
            }
            Some(_) => Outcome::Updated,
            None => Outcome::Created,
        };
        let mut doc = serde_json::to_value(&p).map_err(AppError::internal)?;
        if let Json::Object(m) = &mut doc {
            m.insert("price".into(), p.price.0.into());
            m.insert("special_price".into(), p.special_price.map(|c| c.0).into());
            m.insert("fingerprint".into(), fingerprint.into());
            if p.special_price.is_none() {
                m.remove("special_price");
            }
            if p.brand.is_none() {
                m.remove("brand");
            }
        }
        tx.add(
            "UPSERT $record CONTENT $product RETURN NONE;",
            [
                (
                    "record",
                    RecordId::new("product", p.sku.clone()).into_value(),
                ),
                ("product", doc.into_value()),
            ],
        );
        written += 1;
        answers[i] = Ok(outcome);
    }
    if written > 0 {
        tx.log(action_log::entry(
            me,
            "products_imported",
            None,
            written,
            "",
        ));
        tx.commit(db).await?;
    }
    Ok(answers)
}

#[derive(serde::Deserialize)]
struct ProductDoc {
    sku: String,
    name: crate::domain::product::Names,
    price: i64,
    special_price: Option<i64>,
    categories: Vec<String>,
    brand: Option<String>,
    attributes: std::collections::BTreeMap<String, crate::domain::product::AttributeValue>,
    enabled: bool,
}

impl ProductDoc {
    fn product(self) -> Product {
        use crate::domain::money::Cents;
        Product {
            sku: self.sku,
            name: self.name,
            price: Cents(self.price),
            special_price: self.special_price.map(Cents),
            categories: self.categories,
            brand: self.brand,
            attributes: self.attributes,
            enabled: self.enabled,
        }
    }
}

/// The products of these SKUs that exist, by SKU.
pub async fn products(db: &Db, skus: &[String]) -> Result<HashMap<String, Product>, AppError> {
    let records: Vec<RecordId> = skus
        .iter()
        .map(|s| RecordId::new("product", s.clone()))
        .collect();
    let mut res = db
        .query("SELECT sku, name, price, special_price, categories, brand, attributes, enabled FROM $records")
        .bind(("records", records))
        .await?;
    let rows: Vec<Json> = res.take(0)?;
    rows.into_iter()
        .map(|r| from_json::<ProductDoc>(r).map(|d| (d.sku.clone(), d.product())))
        .collect()
}

/// The names in `lang` of the products with these SKUs (those not in the catalog are left out).
pub async fn names(
    db: &Db,
    skus: &[String],
    lang: &str,
) -> Result<HashMap<String, String>, AppError> {
    Ok(products(db, skus)
        .await?
        .into_iter()
        .map(|(sku, p)| (sku, p.name.get(lang).to_owned()))
        .collect())
}

/// One product by SKU.
pub async fn product(db: &Db, sku: &str) -> Result<Product, AppError> {
    products(db, &[sku.to_owned()])
        .await?
        .remove(sku)
        .ok_or(AppError::NotFound)
}

/// What segment conditions can test of every product (or `only` these SKUs): SKU, English name,
/// categories, brand and price (the read model holds it; `segments` keeps it fresh).
pub async fn segment_facts(
    db: &Db,
    only: Option<&[String]>,
) -> Result<Vec<crate::domain::segment::ProductFacts>, AppError> {
    #[derive(serde::Deserialize)]
    struct Row {
        sku: String,
        name: String,
        categories: Vec<String>,
        brand: Option<String>,
        price: i64,
    }
    let fields = "SELECT sku, name.en AS name, categories, brand, price FROM";
    let mut res = match only {
        None => db.query(format!("{fields} product")).await?,
        Some(skus) => {
            let records: Vec<RecordId> = skus
                .iter()
                .map(|s| RecordId::new("product", s.clone()))
                .collect();
            db.query(format!("{fields} $records"))
                .bind(("records", records))
                .await?
        }
    };
    let rows: Vec<Json> = res.take(0)?;
    rows.into_iter()
        .map(|r| {
            from_json::<Row>(r).map(|r| crate::domain::segment::ProductFacts {
                sku: r.sku,
                name: r.name,
                categories: r.categories,
                brand: r.brand.unwrap_or_default(),
                price: r.price,
            })
        })
        .collect()
}
