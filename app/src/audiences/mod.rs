//! Audiences on the server: each audience's members in memory (as keys: a customer id, or the
//! first 8 bytes of SHA-256 of an email or an external id), kept equal to the database by
//! catching up after every write and every few seconds, for block targeting and the admin list.
//! Below the admin, the storefront and the API.
mod facts;
pub mod pull;
pub mod store;
#[cfg(test)]
mod tests;
pub mod token;

use crate::customers::feed::CustomerIndex;
use crate::customers::read_model::GridIndex;
use crate::db::Db;
use crate::domain::audience::{AudienceRow, ValidIdentity};
use crate::error::AppError;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
pub use store::{Meta, Refused};

/// How often each app server looks for changes made through the others.
const POLL_SECONDS: u64 = 2;

/// One member of an audience, as kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MemberKey {
    Customer(i64),
    /// The email's hash (see `email_key`).
    Email(u64),
    /// The external id's hash.
    External(u64),
}

fn hash_key(bytes: &[u8]) -> u64 {
    prefix(&Sha256::digest(bytes).into())
}

fn prefix(sha: &[u8; 32]) -> u64 {
    let mut b = [0_u8; 8];
    b.copy_from_slice(&sha[..8]);
    u64::from_be_bytes(b)
}

/// The key of a customer's external id (the first 8 bytes of its SHA-256, as an audience keeps
/// an `external_id` identity).
pub fn external_key(external_id: &str) -> u64 {
    hash_key(external_id.as_bytes())
}

/// A customer as an audience may name them: by id, and by the keys of their email and external id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Named {
    pub id: i64,
    pub email: Option<u64>,
    pub external: Option<u64>,
}

impl Named {
    /// Customer `id` as the read model holds them.
    pub fn of(ix: &GridIndex, id: i64) -> Named {
        Named {
            id,
            email: ix.email_of(id).map(email_key),
            external: ix.external_of(id).map(external_key),
        }
    }
}

/// The key of a customer's email (lower-cased and trimmed, as accounts keep it): the first 8
/// bytes of its SHA-256, so a CDP that sends only hashes finds the same person.
pub fn email_key(email: &str) -> u64 {
    hash_key(email.as_bytes())
}

impl MemberKey {
    pub fn of(identity: &ValidIdentity) -> MemberKey {
        match identity {
            ValidIdentity::Customer(id) => MemberKey::Customer(*id),
            ValidIdentity::Email(e) => MemberKey::Email(email_key(e.as_str())),
            ValidIdentity::EmailSha256(h) => MemberKey::Email(prefix(h)),
            ValidIdentity::External(x) => MemberKey::External(external_key(x)),
        }
    }

    /// As the database keeps it (`c:42`, `e:…`, `x:…`).
    pub fn stored(&self) -> String {
        match self {
            MemberKey::Customer(id) => format!("c:{id}"),
            MemberKey::Email(k) => format!("e:{k:016x}"),
            MemberKey::External(k) => format!("x:{k:016x}"),
        }
    }

    pub fn from_stored(s: &str) -> Option<MemberKey> {
        let (kind, v) = s.split_once(':')?;
        match kind {
            "c" => v.parse().ok().map(MemberKey::Customer),
            "e" => u64::from_str_radix(v, 16).ok().map(MemberKey::Email),
            "x" => u64::from_str_radix(v, 16).ok().map(MemberKey::External),
            _ => None,
        }
    }
}

/// An audience on this node: its definition and members.
#[derive(Clone, Debug, Default)]
pub struct Audience {
    pub meta: Meta,
    members: HashSet<MemberKey>,
}

impl Audience {
    /// Whether this customer is in it (by id, email or external id).
    pub fn has(&self, who: &Named) -> bool {
        self.members.contains(&MemberKey::Customer(who.id))
            || who
                .email
                .is_some_and(|k| self.members.contains(&MemberKey::Email(k)))
            || who
                .external
                .is_some_and(|k| self.members.contains(&MemberKey::External(k)))
    }

    pub fn identities(&self) -> usize {
        self.members.len()
    }

    pub fn members(&self) -> &HashSet<MemberKey> {
        &self.members
    }

    fn take(&mut self, change: &store::Change) {
        for k in change
            .remove
            .iter()
            .filter_map(|s| MemberKey::from_stored(s))
        {
            self.members.remove(&k);
        }
        self.members
            .extend(change.add.iter().filter_map(|s| MemberKey::from_stored(s)));
        self.meta.seq = self.meta.seq.max(change.seq.max(0) as u64);
    }
}

/// Every audience on this node, with the admin list's counts (computed at most once per change
/// to the audiences or the customers).
#[derive(Default)]
pub struct Audiences {
    all: RwLock<BTreeMap<String, Arc<Audience>>>,
    /// One catch-up at a time.
    catching_up: tokio::sync::Mutex<()>,
    counted: Mutex<Option<(Stamp, Arc<Vec<AudienceRow>>)>>,
    /// Every customer's email key with their slot, sorted, for the read model's generation
    /// (built when a segment first asks who is in an audience that holds emails).
    email_slots: facts::PerGeneration<facts::KeyedSlots>,
    /// The same for external ids.
    external_slots: facts::PerGeneration<facts::KeyedSlots>,
}

/// What the counts were computed over: the customers' generation and each audience's version.
type Stamp = (u64, Vec<(String, u64)>);

impl Audiences {
    /// Loads every audience; then catches up every `POLL_SECONDS`.
    pub async fn start(db: &Db) -> Result<Arc<Audiences>, AppError> {
        let me = Arc::new(Audiences::default());
        me.catch_up(db).await?;
        let weak = Arc::downgrade(&me);
        let db = db.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(POLL_SECONDS));
            loop {
                tick.tick().await;
                let Some(me) = weak.upgrade() else { break };
                if let Err(e) = me.catch_up(&db).await {
                    tracing::warn!(error = %e, "audiences not caught up");
                }
            }
        });
        Ok(me)
    }

    /// One audience as this node holds it.
    pub fn get(&self, key: &str) -> Option<Arc<Audience>> {
        self.all
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    /// The keys of every audience (what block targeting may name and find).
    pub fn keys(&self) -> Vec<String> {
        let all = self.all.read().unwrap_or_else(|e| e.into_inner());
        all.keys().cloned().collect()
    }

    /// The audiences this customer is in: key and name, by key.
    pub fn of_customer(&self, who: &Named) -> Vec<(String, String)> {
        let all = self.all.read().unwrap_or_else(|e| e.into_inner());
        all.values()
            .filter(|a| a.has(who))
            .map(|a| (a.meta.key.clone(), a.meta.name.clone()))
            .collect()
    }

    /// Applies to this node whatever changed in the database since it last looked: new, deleted
    /// and redefined audiences, new snapshots (reloaded whole) and new changes (applied in order).
    pub async fn catch_up(&self, db: &Db) -> Result<(), AppError> {
        let _one = self.catching_up.lock().await;
        let versions: HashMap<String, u64> = store::versions(db).await?.into_iter().collect();
        let held: Vec<(String, u64)> = {
            let all = self.all.read().unwrap_or_else(|e| e.into_inner());
            all.iter()
                .map(|(k, a)| (k.clone(), a.meta.version))
                .collect()
        };
        let gone: Vec<&String> = held
            .iter()
            .filter(|(k, _)| !versions.contains_key(k))
            .map(|(k, _)| k)
            .collect();
        if !gone.is_empty() {
            let mut all = self.all.write().unwrap_or_else(|e| e.into_inner());
            gone.iter().for_each(|k| {
                all.remove(*k);
            });
        }
        let stale = versions
            .iter()
            .filter(|(k, v)| !held.iter().any(|(h, hv)| h == *k && hv == *v));
        for (key, _) in stale {
            let Some(meta) = store::meta(db, key).await? else {
                continue;
            };
            let held = self
                .get(key)
                .map(|a| (a.meta.generation.clone(), a.meta.seq));
            match held {
                Some((generation, seq)) if generation == meta.generation => {
                    let changes = store::changes_after(db, key, seq).await?;
                    let mut all = self.all.write().unwrap_or_else(|e| e.into_inner());
                    if let Some(a) = all.get_mut(key) {
                        // Cloned only while a reader still holds the old state.
                        let a = Arc::make_mut(a);
                        changes.iter().for_each(|c| a.take(c));
                        a.meta = Meta {
                            seq: a.meta.seq,
                            ..meta
                        };
                    }
                }
                _ => {
                    let next = load(db, meta).await?;
                    let mut all = self.all.write().unwrap_or_else(|e| e.into_inner());
                    all.insert(key.clone(), Arc::new(next));
                }
            }
        }
        Ok(())
    }

    /// The admin list's rows: every audience with its counts over the customers in `index`.
    pub fn rows(&self, index: &CustomerIndex) -> Arc<Vec<AudienceRow>> {
        let audiences: Vec<Arc<Audience>> = {
            let all = self.all.read().unwrap_or_else(|e| e.into_inner());
            all.values().cloned().collect()
        };
        let ix = index.read();
        let stamp: Stamp = (
            ix.generation(),
            audiences
                .iter()
                .map(|a| (a.meta.key.clone(), a.meta.version))
                .collect(),
        );
        let mut counted = self.counted.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((s, rows)) = counted.as_ref()
            && *s == stamp
        {
            return rows.clone();
        }
        let rows = Arc::new(count(&audiences, &ix));
        *counted = Some((stamp, rows.clone()));
        rows
    }
}

/// The list's rows with both this node's audiences and customers caught up; the counting reads
/// every customer once, so it runs off the request threads.
pub async fn rows_now(
    db: &Db,
    audiences: &Arc<Audiences>,
    customers: &Arc<CustomerIndex>,
) -> Result<Arc<Vec<AudienceRow>>, AppError> {
    audiences.catch_up(db).await?;
    customers.fresh(db).await?;
    let (audiences, customers) = (audiences.clone(), customers.clone());
    tokio::task::spawn_blocking(move || audiences.rows(&customers))
        .await
        .map_err(AppError::internal)
}

/// An audience read whole: its last snapshot and the changes after it.
async fn load(db: &Db, meta: Meta) -> Result<Audience, AppError> {
    let members = store::snapshot_members(db, &meta.generation).await?;
    let mut a = Audience {
        meta: Meta {
            seq: meta.base_seq,
            ..meta.clone()
        },
        members: members
            .iter()
            .filter_map(|s| MemberKey::from_stored(s))
            .collect(),
    };
    for change in store::changes_after(db, &meta.key, a.meta.seq).await? {
        a.take(&change);
    }
    a.meta = Meta {
        seq: a.meta.seq,
        ..meta
    };
    Ok(a)
}

/// Each audience's identities, those that name a customer, and its customers.
fn count(audiences: &[Arc<Audience>], ix: &GridIndex) -> Vec<AudienceRow> {
    let mut emails: HashSet<u64> = HashSet::with_capacity(ix.len() as usize);
    let mut externals: HashSet<u64> = HashSet::new();
    let mut customers = vec![0_u64; audiences.len()];
    ix.each_email(|id, email| {
        let who = Named {
            id,
            email: Some(email_key(email)),
            external: ix.external_of(id).map(external_key),
        };
        emails.extend(who.email);
        externals.extend(who.external);
        for (n, a) in audiences.iter().enumerate() {
            if a.has(&who) {
                customers[n] += 1;
            }
        }
    });
    audiences
        .iter()
        .zip(customers)
        .map(|(a, customers)| {
            let matched = a
                .members
                .iter()
                .filter(|m| match m {
                    MemberKey::Customer(id) => ix.contains(*id),
                    MemberKey::Email(k) => emails.contains(k),
                    MemberKey::External(k) => externals.contains(k),
                })
                .count() as u64;
            let m = &a.meta;
            AudienceRow {
                key: m.key.clone(),
                name: m.name.clone(),
                description: m.description.clone(),
                origin: m.origin.clone(),
                last_modified: m
                    .updated_at
                    .clone()
                    .unwrap_or_else(|| m.modified_at.clone()),
                last_sync: m.last_sync.clone(),
                identities: a.members.len() as u64,
                matched,
                customers,
                seq: m.seq,
            }
        })
        .collect()
}
