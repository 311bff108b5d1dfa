//! Audiences in the database (`audience`, `audience_change`, `audience_snapshot`,
//! `audience_part`): definitions, one record per change, snapshots uploaded in parts and swapped
//! in by one transaction. Every write checks the audience's `seq` inside its transaction, so two
//! app servers can never apply changes out of order.
use super::MemberKey;
use crate::db::{Db, from_json, tx::Tx};
use crate::domain::audience::{AudienceKey, Definition};
use crate::error::AppError;
use serde::Deserialize;
use surrealdb::types::SurrealValue;

/// The time format of the admin list.
const MINUTE_FORMAT: &str = "%Y-%m-%d %H:%M";

/// An audience's definition and where its members stand.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Meta {
    pub key: String,
    pub name: String,
    pub description: String,
    pub origin: String,
    pub updated_at: Option<String>,
    pub modified_at: String,
    pub last_sync: Option<String>,
    pub seq: u64,
    pub base_seq: u64,
    pub generation: String,
    pub version: u64,
}

const META_FIELDS: &str = "record::id(id) AS key, name, description, origin, \
    IF updated_at { time::format(updated_at, $fmt) } AS updated_at, \
    time::format(modified_at, $fmt) AS modified_at, \
    IF last_sync { time::format(last_sync, $fmt) } AS last_sync, seq, base_seq, generation, version";

/// Every audience's definition.
pub async fn metas(db: &Db) -> Result<Vec<Meta>, AppError> {
    let mut res = db
        .query(format!("SELECT {META_FIELDS} FROM audience"))
        .bind(("fmt", MINUTE_FORMAT))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    rows.into_iter().map(from_json).collect()
}

/// Each audience's key and version, to tell what changed.
pub async fn versions(db: &Db) -> Result<Vec<(String, u64)>, AppError> {
    let mut res = db
        .query("SELECT VALUE [record::id(id), version] FROM audience")
        .await?;
    Ok(res.take(0)?)
}

/// One audience's definition, if it exists.
pub async fn meta(db: &Db, key: &str) -> Result<Option<Meta>, AppError> {
    let mut res = db
        .query(format!(
            "SELECT {META_FIELDS} FROM ONLY type::record('audience', $key)"
        ))
        .bind(("fmt", MINUTE_FORMAT))
        .bind(("key", key.to_owned()))
        .await?;
    let row: Option<serde_json::Value> = res.take(0)?;
    row.map(from_json).transpose()
}

/// One change as kept.
#[derive(Clone, Debug, Deserialize, SurrealValue)]
#[surreal(crate = "surrealdb::types")]
pub struct Change {
    pub seq: i64,
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

/// The members of `meta`'s last snapshot, as stored keys.
pub async fn snapshot_members(db: &Db, generation: &str) -> Result<Vec<String>, AppError> {
    if generation.is_empty() {
        return Ok(Vec::new());
    }
    let mut res = db
        .query("SELECT VALUE members FROM audience_part WHERE snapshot = $g ORDER BY n")
        .bind(("g", generation.to_owned()))
        .await?;
    let parts: Vec<Vec<String>> = res.take(0)?;
    Ok(parts.into_iter().flatten().collect())
}

/// The changes to `key` after `seq`, in order.
pub async fn changes_after(db: &Db, key: &str, seq: u64) -> Result<Vec<Change>, AppError> {
    let mut res = db
        .query(
            "SELECT seq, added AS add, removed AS remove FROM audience_change WHERE audience = $key AND seq > $seq \
             ORDER BY seq",
        )
        .bind(("key", key.to_owned()))
        .bind(("seq", seq as i64))
        .await?;
    Ok(res.take(0)?)
}

/// Creates or replaces `key`'s definition (its members stay); whether it was created.
pub async fn define(db: &Db, key: &AudienceKey, def: &Definition) -> Result<bool, AppError> {
    let mut res = db
        .query(
            "LET $was = (SELECT VALUE version FROM ONLY type::record('audience', $key)); \
             UPSERT type::record('audience', $key) SET name = $name, description = $description, \
             origin = $origin, updated_at = $updated_at, modified_at = time::now(), \
             version = ($was ?? 0) + 1 RETURN NONE; \
             RETURN $was = NONE;",
        )
        .bind(("key", key.as_str().to_owned()))
        .bind(("name", def.name.clone()))
        .bind(("description", def.description.clone()))
        .bind(("origin", def.origin.clone()))
        .bind((
            "updated_at",
            def.updated_at.map(surrealdb::types::Datetime::from),
        ))
        .await?;
    let created: Option<bool> = res.take(2)?;
    Ok(created.unwrap_or(false))
}

/// Why a change was not applied.
#[derive(Debug, PartialEq)]
pub enum Refused {
    /// No such audience.
    Unknown,
    /// Its `seq` is not above the last applied: the audience already holds a later state.
    Stale { current: u64 },
    /// The snapshot is not open for this audience.
    NoSnapshot,
}

/// What a refused transaction's `THROW` said, if it was one of ours.
fn refusal(errors: &[surrealdb::Error]) -> Option<Refused> {
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    let has = |m: &str| text.iter().any(|t| t.contains(m));
    if has("audience_unknown") {
        Some(Refused::Unknown)
    } else if has("snapshot_unknown") {
        Some(Refused::NoSnapshot)
    } else if let Some(t) = text.iter().find(|t| t.contains("stale_seq:")) {
        let current = t
            .split("stale_seq:")
            .nth(1)
            .and_then(|s| {
                s.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
                    .parse()
                    .ok()
            })
            .unwrap_or(0);
        Some(Refused::Stale { current })
    } else {
        None
    }
}

/// Keeps one change if `seq` is above the audience's last.
pub async fn apply(
    db: &Db,
    key: &str,
    seq: u64,
    add: &[MemberKey],
    remove: &[MemberKey],
) -> Result<Result<(), Refused>, AppError> {
    let stored = |keys: &[MemberKey]| keys.iter().map(MemberKey::stored).collect::<Vec<_>>();
    let mut tx = Tx::new();
    tx.stmt(
        "LET $a = (SELECT seq FROM ONLY type::record('audience', $key)); \
         IF $a = NONE { THROW 'audience_unknown' }; \
         IF $a.seq >= $seq { THROW 'stale_seq:' + <string> $a.seq }; \
         UPDATE type::record('audience', $key) SET seq = $seq, version += 1, \
             modified_at = time::now() RETURN NONE; \
         CREATE audience_change CONTENT { audience: $key, seq: $seq, added: $add, removed: $remove } \
             RETURN NONE;",
    )
    .shared("key", key.to_owned())
    .shared("seq", seq as i64)
    .shared("add", stored(add))
    .shared("remove", stored(remove));
    outcome(tx.run(db).await?)
}

/// A transaction's errors as our refusal, another error, or success.
fn outcome(errors: Vec<surrealdb::Error>) -> Result<Result<(), Refused>, AppError> {
    if let Some(r) = refusal(&errors) {
        return Ok(Err(r));
    }
    match errors.into_iter().next() {
        Some(e) => Err(e.into()),
        None => Ok(Ok(())),
    }
}

/// Opens snapshot `id` of `key` as of `seq`.
pub async fn open_snapshot(
    db: &Db,
    key: &str,
    id: &str,
    seq: u64,
) -> Result<Result<(), Refused>, AppError> {
    let mut tx = Tx::new();
    tx.stmt(
        "LET $a = (SELECT base_seq FROM ONLY type::record('audience', $key)); \
         IF $a = NONE { THROW 'audience_unknown' }; \
         IF $a.base_seq >= $seq { THROW 'stale_seq:' + <string> $a.base_seq }; \
         CREATE type::record('audience_snapshot', $id) CONTENT { audience: $key, seq: $seq } \
             RETURN NONE;",
    )
    .shared("key", key.to_owned())
    .shared("id", id.to_owned())
    .shared("seq", seq as i64);
    outcome(tx.run(db).await?)
}

/// Keeps part `n` of an open snapshot (again: replaces it, so a retried upload is harmless).
pub async fn put_part(
    db: &Db,
    key: &str,
    snapshot: &str,
    n: u32,
    members: &[MemberKey],
) -> Result<Result<(), Refused>, AppError> {
    let members: Vec<String> = members.iter().map(MemberKey::stored).collect();
    let mut tx = Tx::new();
    tx.stmt(
        "LET $s = (SELECT audience, committed FROM ONLY type::record('audience_snapshot', $id)); \
         IF $s = NONE OR $s.audience != $key OR $s.committed { THROW 'snapshot_unknown' }; \
         DELETE audience_part WHERE snapshot = $id AND n = $n RETURN NONE; \
         CREATE audience_part CONTENT { snapshot: $id, n: $n, members: $members } RETURN NONE; \
         UPDATE type::record('audience_snapshot', $id) SET parts = math::max([parts, $n + 1]) \
             RETURN NONE;",
    )
    .shared("key", key.to_owned())
    .shared("id", snapshot.to_owned())
    .shared("n", i64::from(n))
    .shared("members", members);
    outcome(tx.run(db).await?)
}

/// Makes an open snapshot the audience's members, in one transaction: the changes it covers and
/// the previous snapshot are dropped, the later changes stay on top.
pub async fn commit_snapshot(
    db: &Db,
    key: &str,
    snapshot: &str,
    synced: bool,
) -> Result<Result<(), Refused>, AppError> {
    let mut tx = Tx::new();
    tx.stmt(
        "LET $s = (SELECT audience, committed, seq FROM ONLY type::record('audience_snapshot', $id)); \
         IF $s = NONE OR $s.audience != $key OR $s.committed { THROW 'snapshot_unknown' }; \
         LET $a = (SELECT base_seq, generation FROM ONLY type::record('audience', $key)); \
         IF $a = NONE { THROW 'audience_unknown' }; \
         IF $a.base_seq >= $s.seq { THROW 'stale_seq:' + <string> $a.base_seq }; \
         IF $a.generation != '' { \
             DELETE audience_part WHERE snapshot = $a.generation RETURN NONE; \
             DELETE type::record('audience_snapshot', $a.generation) RETURN NONE; \
         }; \
         DELETE audience_change WHERE audience = $key AND seq <= $s.seq RETURN NONE; \
         UPDATE type::record('audience_snapshot', $id) SET committed = true RETURN NONE; \
         UPDATE type::record('audience', $key) SET generation = $id, base_seq = $s.seq, \
             seq = math::max([seq, $s.seq]), version += 1, modified_at = time::now(), \
             last_sync = IF $sync { time::now() } ELSE { last_sync } RETURN NONE;",
    )
    .shared("key", key.to_owned())
    .shared("id", snapshot.to_owned())
    .shared("sync", synced);
    outcome(tx.run(db).await?)
}

/// Deletes an audience with its members; `Refused::Unknown` when there was none.
pub async fn delete(db: &Db, key: &str) -> Result<Result<(), Refused>, AppError> {
    let mut tx = Tx::new();
    tx.stmt(
        "LET $a = (DELETE type::record('audience', $key) RETURN BEFORE); \
         IF array::len($a) = 0 { THROW 'audience_unknown' }; \
         DELETE audience_change WHERE audience = $key RETURN NONE; \
         DELETE audience_part WHERE snapshot IN \
             (SELECT VALUE record::id(id) FROM audience_snapshot WHERE audience = $key) RETURN NONE; \
         DELETE audience_snapshot WHERE audience = $key RETURN NONE;",
    )
    .shared("key", key.to_owned());
    outcome(tx.run(db).await?)
}
