//! Saved segments in the database (`segment` table): list, load, save and delete, each write one
//! transaction with its action-log entry.
use crate::db::{Db, action_log, from_json, tx::Tx};
use crate::domain::Principal;
use crate::domain::segment::saved::{ApplyTo, SegmentRow, ValidSegment, scoped};
use crate::domain::segment::{Group, Library, Place, SegmentError, expand, expand_lenient, parse};
use crate::domain::website::WebsiteId;
use crate::error::AppError;
use serde::Deserialize;

const COLUMNS: &str = "record::id(id) AS id, name, description, website ?? '' AS website, active, \
     apply_to, conditions, <string> updated_at AS updated_at";

#[derive(Deserialize)]
struct Stored {
    id: u32,
    name: String,
    description: String,
    website: String,
    active: bool,
    apply_to: String,
    conditions: String,
    updated_at: String,
}

impl Stored {
    fn row(self) -> SegmentRow {
        SegmentRow {
            id: self.id,
            name: self.name,
            description: self.description,
            website: self.website,
            active: self.active,
            apply_to: ApplyTo::parse(&self.apply_to).unwrap_or_default(),
            conditions: self.conditions,
            members: 0,
            updated_at: self.updated_at,
        }
    }
}

/// Every saved segment, by id (members not counted).
pub async fn list(db: &Db) -> Result<Vec<SegmentRow>, AppError> {
    let mut res = db
        .query(format!("SELECT {COLUMNS} FROM segment ORDER BY id"))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    rows.into_iter()
        .map(|r| from_json::<Stored>(r).map(Stored::row))
        .collect()
}

/// One saved segment (members not counted).
pub async fn get(db: &Db, id: u32) -> Result<SegmentRow, AppError> {
    let mut res = db
        .query(format!(
            "SELECT {COLUMNS} FROM ONLY type::record('segment', $id)"
        ))
        .bind(("id", i64::from(id)))
        .await?;
    let row: Option<serde_json::Value> = res.take(0)?;
    let row = row.filter(|r| !r.is_null()).ok_or(AppError::NotFound)?;
    Ok(from_json::<Stored>(row)?.row())
}

/// A stored segment's tree, within its website: what the engine evaluates over customers.
pub fn tree(row: &SegmentRow) -> Result<Group, AppError> {
    // Stored conditions were printed from a typed tree, so they read; if one does not, the
    // database was edited by hand and the detail belongs in the log.
    let tree = parse(&row.conditions).map_err(AppError::internal)?;
    let website = match row.website.as_str() {
        "" => None,
        w => Some(WebsiteId::parse(w).map_err(|_| AppError::internal("stored website id"))?),
    };
    Ok(scoped(&tree, website.as_ref()))
}

/// A segment as membership and references need it: its own conditions within its website (a
/// segment of visitors only stands for no customer), whether its members are kept, and what a
/// visitor is tested against (active segments that apply to visitors).
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    pub tree: Group,
    pub keep: bool,
    pub visitors: Option<ForVisitors>,
}

/// A segment as a visitor is tested against it: its own conditions, and its website (a visitor's
/// carts and views elsewhere do not count).
#[derive(Clone, Debug, PartialEq)]
pub struct ForVisitors {
    pub website: Option<String>,
    pub tree: Group,
}

/// A group no customer matches: what a segment of visitors only is among customers.
fn no_customer() -> Group {
    Group {
        any: true,
        ..Group::default()
    }
}

/// A saved segment's definition (None if its stored conditions do not read).
pub fn definition(row: &SegmentRow) -> Option<Definition> {
    let tree = if row.apply_to.registered() {
        tree(row).ok()?
    } else {
        no_customer()
    };
    let visitors = (row.active && row.apply_to.visitors())
        .then(|| parse(&row.conditions).ok())
        .flatten()
        .map(|tree| ForVisitors {
            website: Some(row.website.clone()).filter(|w| !w.is_empty()),
            tree,
        });
    Some(Definition {
        tree,
        keep: row.active && row.apply_to.registered(),
        visitors,
    })
}

/// Every saved segment's definition tree, by id: what references expand to.
fn library_of(rows: &[SegmentRow]) -> Library {
    rows.iter()
        .filter_map(|r| Some((r.id, definition(r)?.tree)))
        .collect()
}

/// The segments whose conditions refer to segment `id` (directly or through others), by id with
/// their names: where deleting it would change who matches. 404 if there is no segment `id`.
pub async fn used_by(db: &Db, id: u32) -> Result<Vec<(u32, String)>, AppError> {
    let rows = list(db).await?;
    if !rows.iter().any(|r| r.id == id) {
        return Err(AppError::NotFound);
    }
    let library = library_of(&rows);
    Ok(rows
        .into_iter()
        .filter(|r| {
            r.id != id
                && library
                    .get(&r.id)
                    .is_some_and(|t| expand_lenient(t, Some(r.id), &library).uses.contains(&id))
        })
        .map(|r| (r.id, r.name))
        .collect())
}

/// Refuses (422, naming the node) a segment whose `in_segment` conditions cannot be followed — an
/// unknown segment, itself through others, more than `MAX_EXPANDED` conditions in all — and an edit
/// that would do that to a segment referring to this one.
pub async fn check_references(db: &Db, s: &ValidSegment) -> Result<(), AppError> {
    let mut library = library_of(&list(db).await?);
    let own = if s.apply_to.registered() {
        scoped(&s.tree, s.website.as_ref())
    } else {
        no_customer()
    };
    expand(&own, s.id, &library).map_err(AppError::Conditions)?;
    let Some(id) = s.id else {
        return Ok(());
    };
    library.insert(id, own);
    for (other, tree) in &library {
        if *other == id
            || !expand_lenient(tree, Some(*other), &library)
                .uses
                .contains(&id)
        {
            continue;
        }
        if let Err(e) = expand(tree, Some(*other), &library) {
            return Err(AppError::Conditions(SegmentError {
                at: Place::Node(String::new()),
                message: format!(
                    "segment {other} refers to this one and would then fail: {}",
                    e.message
                ),
            }));
        }
    }
    Ok(())
}

/// Creates (no id) or replaces a segment; returns its id. An id that does not exist is 404.
pub async fn save(db: &Db, me: &Principal, s: ValidSegment) -> Result<u32, AppError> {
    let (id, action) = match s.id {
        Some(id) => {
            get(db, id).await?;
            (i64::from(id), "segment_updated")
        }
        None => {
            let mut res = db.query("RETURN sequence::nextval('segment_id')").await?;
            let id: i64 = res.take::<Option<i64>>(0)?.ok_or(AppError::Unavailable)?;
            (id, "segment_created")
        }
    };
    let mut tx = Tx::new();
    tx.stmt(
        "UPSERT type::record('segment', $id) SET name = $name, description = $description, \
         website = $website, active = $active, apply_to = $apply_to, conditions = $conditions \
         RETURN NONE;",
    )
    .log(action_log::entry(me, action, None, 1, &s.name))
    .shared("id", id)
    .shared("name", s.name.clone())
    .shared("description", s.description)
    .shared("website", s.website.map(|w| w.as_str().to_owned()))
    .shared("active", s.active)
    .shared("apply_to", s.apply_to.key().to_owned())
    .shared("conditions", s.conditions);
    tx.commit(db).await?;
    u32::try_from(id).map_err(AppError::internal)
}

/// Deletes a segment (404 if there is none).
pub async fn delete(db: &Db, me: &Principal, id: u32) -> Result<(), AppError> {
    let row = get(db, id).await?;
    let mut tx = Tx::new();
    tx.stmt("DELETE type::record('segment', $id) RETURN NONE;")
        .log(action_log::entry(me, "segment_deleted", None, 1, &row.name))
        .shared("id", i64::from(id));
    tx.commit(db).await
}
