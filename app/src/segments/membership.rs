//! Every active segment's members, kept in memory and following events: each change the customer
//! feed applies re-evaluates only the customers it touched; a segment's own edit (also from the
//! feed, so every app server hears of it) recomputes that segment; the turn of the UTC day (the
//! only time a relative date moves: conditions compare by day) recomputes the segments that use
//! one. Each join and leave is recorded with its time and reason, for `history` to write.
use super::audience_facts::AudienceFacts;
use super::engine;
pub use super::moves::{Drift, Reason, Transition};
use super::store::{Definition, ForVisitors, definition};
use crate::customers::feed::{Follower, Touch};
use crate::customers::read_model::GridIndex;
use crate::domain::segment::saved::{ApplyTo, SegmentRow};
use crate::domain::segment::{Group, Library, SegmentError, expand, expand_lenient, matches};
use chrono::NaiveDate;
use roaring::RoaringTreemap;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use surrealdb::types::{SurrealValue, Value};

/// Joins and leaves waiting for `history` to write, at most (the oldest go first past it).
const PENDING: usize = 1_000_000;

struct Kept {
    /// The conditions with every reference to another segment expanded.
    tree: Group,
    /// The segments it refers to, at any depth: an edit of one of them recomputes this one.
    uses: std::collections::BTreeSet<u32>,
    /// Whether a relative date or a birthday makes membership move with the day.
    relative: bool,
    members: RoaringTreemap,
}

struct State {
    today: NaiveDate,
    /// Every saved segment's own conditions (see `definition`), what references expand to.
    library: Library,
    /// The segments whose members are kept: active, for registered customers.
    keep: std::collections::BTreeSet<u32>,
    kept: BTreeMap<u32, Kept>,
    /// The active segments that apply to visitors, as a visitor is tested against them.
    visitors: BTreeMap<u32, ForVisitors>,
    /// Joins and leaves not yet taken by the history's writer.
    pending: VecDeque<Transition>,
    /// Who is in which CDP audience (`in_audience`).
    audiences: Arc<dyn AudienceFacts>,
    /// The feed position of the index the moves being recorded were decided on.
    as_of: i64,
    /// Whether moves were dropped since the last catch-up (the writer fell too far behind).
    dropped: bool,
}

/// The kept member sets of this node, and the conditions its live counts have decided.
pub struct Memberships {
    state: Mutex<State>,
    pub decided: super::decided::Decided,
    /// Visitors' segments worked out lately (dropped whenever a definition or the catalog moves).
    pub visitors_seen: super::visitor_cache::VisitorCache,
}

/// A segment record as the feed carries it.
#[derive(SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct SegmentDoc {
    website: Option<String>,
    active: bool,
    apply_to: String,
    conditions: String,
}

fn customer_key(id: i64) -> u64 {
    id as u64
}

/// The customers matching `tree` now, by id.
fn full(
    ix: &GridIndex,
    audiences: &dyn AudienceFacts,
    tree: &Group,
    today: NaiveDate,
) -> RoaringTreemap {
    let over = engine::Over {
        ix,
        today,
        audiences,
    };
    engine::members(over, tree)
        .iter()
        .map(|slot| customer_key(ix.id_at(slot)))
        .collect()
}

impl State {
    fn record(&mut self, segment: u32, customer: u64, entered: bool, reason: Reason) {
        let t = Transition {
            segment,
            customer: customer as i64,
            entered,
            at: chrono::Utc::now().timestamp(),
            reason,
            cause: self.as_of,
        };
        if self.pending.len() == PENDING {
            self.pending.pop_front();
            self.dropped = true;
            tracing::warn!("segment joins and leaves dropped: the history's writer is behind");
        }
        self.pending.push_back(t);
    }

    /// Expands kept segment `id` again; recomputes its members if its conditions changed.
    fn recompute(&mut self, ix: &GridIndex, id: u32) {
        let Some(own) = self.library.get(&id) else {
            return;
        };
        let e = expand_lenient(own, Some(id), &self.library);
        if self.kept.get(&id).is_some_and(|k| k.tree == e.tree) {
            return;
        }
        let now = full(ix, self.audiences.as_ref(), &e.tree, self.today);
        let k = self.kept.entry(id).or_insert_with(|| Kept {
            tree: Group::default(),
            uses: Default::default(),
            relative: false,
            members: RoaringTreemap::new(),
        });
        k.relative = is_relative(&e.tree);
        k.tree = e.tree;
        k.uses = e.uses;
        self.diff(id, now, Reason::SegmentEdited);
    }

    /// Replaces segment `id`'s members with `now`, recording the differences.
    fn diff(&mut self, id: u32, now: RoaringTreemap, reason: Reason) -> Drift {
        let old = self
            .kept
            .get_mut(&id)
            .map(|k| std::mem::replace(&mut k.members, now.clone()))
            .unwrap_or_default();
        let joined = &now - &old;
        let left = &old - &now;
        for c in &joined {
            self.record(id, c, true, reason);
        }
        for c in &left {
            self.record(id, c, false, reason);
        }
        Drift {
            joined: joined.len(),
            left: left.len(),
        }
    }
}

impl Memberships {
    /// Computes every saved, active segment that applies to registered customers.
    pub fn new(
        ix: &GridIndex,
        rows: &[SegmentRow],
        today: NaiveDate,
        audiences: Arc<dyn AudienceFacts>,
    ) -> Memberships {
        let mut st = State {
            today,
            audiences,
            library: Library::new(),
            keep: Default::default(),
            kept: BTreeMap::new(),
            visitors: BTreeMap::new(),
            pending: VecDeque::new(),
            as_of: ix.as_of(),
            dropped: false,
        };
        for r in rows {
            if let Some(d) = definition(r) {
                st.library.insert(r.id, d.tree);
                if d.keep {
                    st.keep.insert(r.id);
                }
                if let Some(v) = d.visitors {
                    st.visitors.insert(r.id, v);
                }
            }
        }
        for id in st.keep.clone() {
            let e = expand_lenient(&st.library[&id], Some(id), &st.library);
            let k = Kept::new((ix, st.audiences.as_ref()), e.tree, e.uses, today);
            st.kept.insert(id, k);
        }
        Memberships {
            state: Mutex::new(st),
            decided: Default::default(),
            visitors_seen: Default::default(),
        }
    }

    /// Computes the segments afresh over `ix` in place of these (none while the read model was
    /// built); visitors' segments worked out meanwhile are forgotten.
    pub fn load(&self, ix: &GridIndex, rows: &[SegmentRow], today: NaiveDate) {
        let fresh = Memberships::new(ix, rows, today, self.audiences());
        *self.lock() = fresh.state.into_inner().unwrap_or_else(|e| e.into_inner());
        self.visitors_seen.forget_all();
    }

    /// `tree` (of segment `own`, if saved) with its references expanded as this node knows the
    /// segments, refusing one that cannot be followed (the live count of a tree being edited).
    pub fn expand(&self, tree: &Group, own: Option<u32>) -> Result<Group, SegmentError> {
        Ok(expand(tree, own, &self.lock().library)?.tree)
    }

    /// `tree` (of segment `own`, if saved) with its references to other segments expanded as
    /// this node knows them; one that cannot be followed matches nobody.
    pub fn expanded(&self, tree: &Group, own: Option<u32>) -> Group {
        expand_lenient(tree, own, &self.lock().library).tree
    }

    /// Who is in which CDP audience, as this node's segments read it.
    pub fn audiences(&self) -> Arc<dyn AudienceFacts> {
        self.lock().audiences.clone()
    }

    /// The evaluation's inputs over `ix` on `today`, with this node's audiences.
    pub fn over<'a>(
        &self,
        ix: &'a GridIndex,
        today: NaiveDate,
        audiences: &'a dyn AudienceFacts,
    ) -> engine::Over<'a> {
        engine::Over {
            ix,
            today,
            audiences,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The state, about to record moves decided on `ix` (their cause is where it stands).
    fn lock_at(&self, ix: &GridIndex) -> std::sync::MutexGuard<'_, State> {
        let mut st = self.lock();
        st.as_of = ix.as_of();
        st
    }

    /// Re-evaluates these customers against every kept segment (the event path): each
    /// customer's facts are read from the grid once, then tested against each tree.
    pub fn customers_changed(&self, ix: &GridIndex, ids: &[i64]) {
        let mut st = self.lock_at(ix);
        let today = st.today;
        let mut moves = Vec::new();
        let audiences = st.audiences.clone();
        let uses_audiences = st.kept.values().any(|k| uses_audiences(&k.tree));
        for &id in ids {
            let facts = ix.slot_for(id).map(|slot| {
                let mut f = ix.facts(slot);
                if uses_audiences {
                    f.audiences = audiences.keys_of(ix, id);
                }
                f
            });
            let key = customer_key(id);
            for (sid, k) in st.kept.iter_mut() {
                let now = facts.as_ref().is_some_and(|f| matches(&k.tree, f, today));
                if now != k.members.contains(key) {
                    if now {
                        k.members.insert(key);
                    } else {
                        k.members.remove(key);
                    }
                    moves.push((*sid, key, now));
                }
            }
        }
        for (sid, key, entered) in moves {
            st.record(sid, key, entered, Reason::CustomerChanged);
        }
    }

    /// Takes segment `id`'s new definition (None: deleted or unreadable) and recomputes its
    /// members and those of every kept segment that refers to it.
    pub fn segment_changed(&self, ix: &GridIndex, id: u32, def: Option<Definition>) {
        self.visitors_seen.forget_all();
        let mut st = self.lock_at(ix);
        let (tree, keep, visitors) = match def {
            Some(d) => (Some(d.tree), d.keep, d.visitors),
            None => (None, false, None),
        };
        match visitors {
            Some(v) => st.visitors.insert(id, v),
            None => st.visitors.remove(&id),
        };
        // The feed is replayed over a short window: an unchanged definition changes nothing.
        if st.library.get(&id) == tree.as_ref() && st.keep.contains(&id) == keep {
            return;
        }
        match tree {
            Some(t) => st.library.insert(id, t),
            None => st.library.remove(&id),
        };
        if keep {
            st.keep.insert(id);
        } else {
            st.keep.remove(&id);
            if let Some(k) = st.kept.remove(&id) {
                for c in &k.members {
                    st.record(id, c, false, Reason::SegmentEdited);
                }
            }
        }
        let affected: Vec<u32> = st
            .keep
            .iter()
            .copied()
            .filter(|s| *s == id || st.kept.get(s).is_some_and(|k| k.uses.contains(&id)))
            .collect();
        for sid in affected {
            st.recompute(ix, sid);
        }
    }

    /// Moves the clock to `today`: on a new day, segments with relative dates are recomputed.
    pub fn tick(&self, ix: &GridIndex, today: NaiveDate) {
        let mut st = self.lock_at(ix);
        if st.today == today {
            return;
        }
        st.today = today;
        let moving: Vec<(u32, Group)> = st
            .kept
            .iter()
            .filter(|(_, k)| k.relative)
            .map(|(id, k)| (*id, k.tree.clone()))
            .collect();
        for (id, tree) in moving {
            let now = full(ix, st.audiences.as_ref(), &tree, today);
            st.diff(id, now, Reason::TimePassed);
        }
    }

    /// The catalog changed: segments with product conditions on catalog details are recomputed.
    pub fn catalog_changed(&self, ix: &GridIndex) {
        self.visitors_seen.forget_all();
        self.recompute_where(ix, uses_catalog, Reason::CatalogChanged);
    }

    /// A CDP audience was created, deleted or changed members: segments that test one are
    /// recomputed.
    pub fn audiences_changed(&self, ix: &GridIndex) {
        self.recompute_where(ix, uses_audiences, Reason::AudienceChanged);
    }

    /// The RFM quintiles moved: segments that test an RFM group are recomputed.
    pub fn rfm_moved(&self, ix: &GridIndex) {
        let uses_rfm = |g: &Group| {
            g.fields()
                .contains(&crate::domain::segment::Field::RfmGroup)
        };
        self.recompute_where(ix, uses_rfm, Reason::RfmMoved);
    }

    fn recompute_where(&self, ix: &GridIndex, pick: impl Fn(&Group) -> bool, reason: Reason) {
        let mut st = self.lock_at(ix);
        let today = st.today;
        let moving: Vec<(u32, Group)> = st
            .kept
            .iter()
            .filter(|(_, k)| pick(&k.tree))
            .map(|(id, k)| (*id, k.tree.clone()))
            .collect();
        for (id, tree) in moving {
            let now = full(ix, st.audiences.as_ref(), &tree, today);
            st.diff(id, now, reason);
        }
    }

    /// Recomputes segment `id` from scratch and reports how far the kept set had drifted (None if
    /// the segment is not kept).
    pub fn refresh(&self, ix: &GridIndex, id: u32) -> Option<Drift> {
        let mut st = self.lock_at(ix);
        let tree = st.kept.get(&id)?.tree.clone();
        let now = full(ix, st.audiences.as_ref(), &tree, st.today);
        Some(st.diff(id, now, Reason::Refresh))
    }

    /// Every saved segment this node knows of, by id.
    pub fn known(&self) -> Vec<u32> {
        self.lock().library.keys().copied().collect()
    }

    /// Records, as caught up, where segment `id`'s members now differ from `written` (whom the
    /// written history has in it; a segment not kept has no members).
    pub fn catch_up(&self, ix: &GridIndex, id: u32, written: &RoaringTreemap) -> Drift {
        let mut st = self.lock_at(ix);
        let empty = RoaringTreemap::new();
        let now = st.kept.get(&id).map_or(&empty, |k| &k.members);
        let (joined, left) = (now - written, written - now);
        for c in &joined {
            st.record(id, c, true, Reason::CaughtUp);
        }
        for c in &left {
            st.record(id, c, false, Reason::CaughtUp);
        }
        Drift {
            joined: joined.len(),
            left: left.len(),
        }
    }

    /// Whether moves were dropped since the last call (a catch-up is due).
    pub fn take_dropped(&self) -> bool {
        std::mem::take(&mut self.lock().dropped)
    }

    /// The members of a kept segment, by customer id.
    pub fn members(&self, id: u32) -> Option<RoaringTreemap> {
        self.lock().kept.get(&id).map(|k| k.members.clone())
    }

    /// How many members each kept segment has.
    pub fn counts(&self) -> BTreeMap<u32, u64> {
        self.lock()
            .kept
            .iter()
            .map(|(id, k)| (*id, k.members.len()))
            .collect()
    }

    /// The active segments that apply to visitors which a visitor with `activity` matches on
    /// `today`, by id (tested under the lock: nothing is cloned per request).
    pub fn visitor_segments(
        &self,
        activity: &super::visitors::VisitorActivity,
        today: NaiveDate,
    ) -> Vec<u32> {
        super::visitors::matching(&self.lock().visitors, activity, today)
    }

    /// How many customers each pair of `ids` has in common (the diagonal: each one's size); a
    /// segment whose members are not kept counts as empty.
    pub fn overlap(&self, ids: &[u32]) -> Vec<Vec<u64>> {
        let st = self.lock();
        let empty = RoaringTreemap::new();
        let sets: Vec<&RoaringTreemap> = ids
            .iter()
            .map(|id| st.kept.get(id).map_or(&empty, |k| &k.members))
            .collect();
        sets.iter()
            .map(|a| sets.iter().map(|b| a.intersection_len(b)).collect())
            .collect()
    }

    /// The active segments, sorted: those kept for customers and those tested on visitors.
    pub fn live(&self) -> Vec<u32> {
        let st = self.lock();
        let mut v: Vec<u32> = st.kept.keys().chain(st.visitors.keys()).copied().collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The kept segments a customer is a member of.
    pub fn segments_of(&self, customer: i64) -> Vec<u32> {
        let key = customer_key(customer);
        self.lock()
            .kept
            .iter()
            .filter(|(_, k)| k.members.contains(key))
            .map(|(id, _)| *id)
            .collect()
    }

    /// The joins and leaves recorded since the last call, oldest first (for `history::write`).
    pub fn take_moves(&self) -> Vec<Transition> {
        self.lock().pending.drain(..).collect()
    }

    /// Puts back moves the writer could not write, ahead of the ones recorded since.
    pub fn put_back(&self, moves: Vec<Transition>) {
        let mut st = self.lock();
        for t in moves.into_iter().rev() {
            if st.pending.len() == PENDING {
                break;
            }
            st.pending.push_front(t);
        }
    }

    /// Heap held by the member sets, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.lock()
            .kept
            .values()
            .map(|k| k.members.serialized_size())
            .sum()
    }
}

impl Kept {
    fn new(
        (ix, audiences): (&GridIndex, &dyn AudienceFacts),
        tree: Group,
        uses: std::collections::BTreeSet<u32>,
        today: NaiveDate,
    ) -> Kept {
        Kept {
            relative: is_relative(&tree),
            members: full(ix, audiences, &tree, today),
            tree,
            uses,
        }
    }
}

/// Whether the tree tests audience membership.
fn uses_audiences(g: &Group) -> bool {
    g.fields()
        .contains(&crate::domain::segment::Field::InAudience)
}

/// Whether the tree's answer can change with the day alone.
fn is_relative(g: &Group) -> bool {
    use crate::domain::segment::Node;
    g.children.iter().any(|c| match c {
        Node::Group(inner) => is_relative(inner),
        Node::Test(t) => test_is_relative(t),
    })
}

fn test_is_relative(t: &crate::domain::segment::Test) -> bool {
    use crate::domain::segment::{Arg, Field};
    t.field == Field::DaysToBirthday
        || t.args.iter().any(|a| match a {
            Arg::Date(d) => d.is_relative(),
            Arg::Products(details) => details.iter().any(test_is_relative),
            _ => false,
        })
}

/// Whether the tree has a product condition with a detail the catalog answers.
fn uses_catalog(g: &Group) -> bool {
    use crate::domain::segment::Node;
    g.children.iter().any(|c| match c {
        Node::Group(inner) => uses_catalog(inner),
        Node::Test(t) => t.details().iter().any(|d| d.field.is_product_detail()),
    })
}

impl Follower for Memberships {
    fn tables(&self) -> &'static [&'static str] {
        &["segment"]
    }

    fn changed(&self, ix: &GridIndex, touched: &[Touch], before: u64) {
        let mut customers = Vec::new();
        // A segment written twice in one batch takes its last version only: the first is
        // already out of date, and taking it would record moves that never held.
        let mut segments = BTreeMap::new();
        for t in touched {
            match t {
                Touch::Customer(id) => customers.push(*id),
                Touch::Record { table, key, doc } if table == "segment" => {
                    if let Ok(id) = u32::try_from(*key) {
                        segments.insert(id, doc);
                    }
                }
                Touch::Record { .. } => {}
            }
        }
        for (id, doc) in segments {
            let def = doc.clone().and_then(|d| segment_definition(id, d));
            self.segment_changed(ix, id, def);
        }
        customers.sort_unstable();
        customers.dedup();
        if !customers.is_empty() {
            self.customers_changed(ix, &customers);
        }
        self.decided.customers_changed(ix, &customers, before);
    }
}

/// A segment record's definition, or None when it cannot be read.
fn segment_definition(id: u32, doc: Value) -> Option<Definition> {
    let d = SegmentDoc::from_value(doc)
        .inspect_err(|e| tracing::warn!(error = %e, segment = id, "unreadable segment change"))
        .ok()?;
    let row = SegmentRow {
        id,
        name: String::new(),
        description: String::new(),
        website: d.website.unwrap_or_default(),
        active: d.active,
        apply_to: ApplyTo::parse(&d.apply_to).unwrap_or_default(),
        conditions: d.conditions,
        members: 0,
        updated_at: String::new(),
    };
    definition(&row)
}
