//! Dynamic blocks on the server: the compiled blocks of this node (`Blocks`, reloaded when any
//! server writes one), what a viewer sees in a placement (`show`), the daily cap's cookie, and the
//! click counter's redirect. Below the admin, the storefront and the API.
pub mod engine;
pub mod sanitize;
pub mod stats;
pub mod store;
#[cfg(test)]
mod tests;

use crate::customers::feed::{CustomerIndex, Follower, Touch};
use crate::customers::read_model::GridIndex;
use crate::db::Db;
use crate::domain::content::rules::{Live, Pick, Viewer};
use crate::domain::content::{Block, Shown};
use crate::error::AppError;
use crate::segments::membership::Memberships;
use engine::{Catalog, Loaded};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// How often the loop looks for block changes and writes the counters.
const TICK: std::time::Duration = std::time::Duration::from_secs(1);
/// Ticks between two writes of the counters.
const FLUSH_EVERY_TICKS: u64 = 5;
/// Ticks between two reloads even with no change seen (rotations are not in the change feed).
const RELOAD_EVERY_TICKS: u64 = 10;

/// This node's compiled blocks and its impression and click counters.
pub struct Blocks {
    catalog: RwLock<Arc<Catalog>>,
    dirty: AtomicBool,
    pub counters: stats::Counters,
}

impl Blocks {
    /// Blocks served from `catalog`, with no loop behind them (benchmarks and tests).
    pub fn with(catalog: Catalog) -> Blocks {
        Blocks {
            catalog: RwLock::new(Arc::new(catalog)),
            dirty: AtomicBool::new(false),
            counters: stats::Counters::default(),
        }
    }

    /// The blocks as they are now (cheap: a shared pointer).
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Reads every block and rotation again (blocks that did not change keep their rendering).
    pub async fn reload(&self, db: &Db) -> Result<(), AppError> {
        self.dirty.store(false, Ordering::SeqCst);
        let catalog = Arc::new(load(db, Some(&self.catalog())).await?);
        *self.catalog.write().unwrap_or_else(|e| e.into_inner()) = catalog;
        Ok(())
    }
}

impl Follower for Blocks {
    fn tables(&self) -> &'static [&'static str] {
        &["content_block"]
    }

    fn changed(&self, _: &GridIndex, touched: &[Touch], _: u64) {
        if touched
            .iter()
            .any(|t| matches!(t, Touch::Record { table, .. } if table == "content_block"))
        {
            self.dirty.store(true, Ordering::SeqCst);
        }
    }
}

/// A block made ready to serve: its links and its HTML in every storefront language.
pub fn prepare(block: Block) -> Loaded {
    let mut links: Vec<String> = block
        .content
        .values()
        .flat_map(|h| sanitize::links(h))
        .collect();
    links.sort();
    links.dedup();
    let rendered = crate::domain::content::LANGUAGES
        .iter()
        .filter_map(|lang| {
            let html = block.content_in(lang)?;
            Some((lang.to_string(), sanitize::render(html, block.id, false)))
        })
        .collect();
    Loaded {
        block,
        links,
        rendered,
    }
}

/// Reads every block and rotation; a block unchanged since `previous` keeps its rendering.
async fn load(db: &Db, previous: Option<&Catalog>) -> Result<Catalog, AppError> {
    let blocks = store::list(db).await?;
    let rotations = store::rotations(db).await?;
    let loaded = blocks
        .into_iter()
        .map(|block| match previous.and_then(|p| p.get(block.id)) {
            Some(p) if p.block == block => Loaded {
                block,
                links: p.links.clone(),
                rendered: p.rendered.clone(),
            },
            _ => prepare(block),
        })
        .collect();
    Ok(Catalog::new(loaded, &rotations))
}

/// Loads the blocks, follows the change feed for edits made through any server, and starts the
/// loop that reloads them and writes the counters.
pub async fn start(db: &Db, index: &Arc<CustomerIndex>) -> Result<Arc<Blocks>, AppError> {
    let blocks = Arc::new(Blocks::with(load(db, None).await?));
    index.follow(blocks.clone());
    let (weak, db) = (Arc::downgrade(&blocks), db.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        for ticks in 1_u64.. {
            tick.tick().await;
            let Some(blocks) = weak.upgrade() else {
                break;
            };
            let stale = blocks.dirty.load(Ordering::SeqCst) || ticks % RELOAD_EVERY_TICKS == 0;
            if stale && let Err(e) = blocks.reload(&db).await {
                tracing::warn!(error = %e, "blocks not reloaded");
            }
            if ticks % FLUSH_EVERY_TICKS == 0
                && let Err(e) = blocks.counters.flush(&db).await
            {
                tracing::warn!(error = %e, "block counters not written");
            }
        }
    });
    Ok(blocks)
}

/// Who is asking, as the request says.
#[derive(Clone, Debug, Default)]
pub struct Asker {
    pub customer: Option<i64>,
    /// The Now Online visitor key (tracking on), for a visitor's segments.
    pub visitor: Option<String>,
    /// The visitor's segments once worked out for this request.
    pub visitor_segments: crate::activity::VisitorSegments,
    /// The customer's audiences once worked out for this request (several placements ask).
    pub customer_audiences: std::sync::OnceLock<Vec<String>>,
    /// What tells this viewer apart for rotation (their customer id or visitor cookie).
    pub draw_key: String,
    /// Impressions today so far, from the cap cookie.
    pub seen: Seen,
}

/// The segments and audiences that exist and are active on this node now.
pub fn live(kept: &Memberships, audiences: &crate::audiences::Audiences) -> Live {
    Live {
        segments: kept.live(),
        audiences: audiences.keys(),
    }
}

/// The audiences customer `id` is in, by key (sorted).
pub fn audiences_of(
    index: &CustomerIndex,
    audiences: &crate::audiences::Audiences,
    id: i64,
) -> Vec<String> {
    let who = crate::audiences::Named::of(&index.read(), id);
    let mut keys: Vec<String> = audiences
        .of_customer(&who)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    keys.sort();
    keys
}

/// The viewer `asker` is: their group, the segments the placement's blocks name, and (when its
/// blocks name any) their audiences.
pub async fn viewer(
    db: &Db,
    index: &CustomerIndex,
    kept: &Memberships,
    audiences: &crate::audiences::Audiences,
    catalog: &Catalog,
    placement: &str,
    asker: &Asker,
) -> Result<Viewer, AppError> {
    let used = catalog.segments_used(placement);
    let mut v = Viewer::default();
    if let Some(id) = asker.customer {
        v.registered = true;
        v.group = index.read().group_of(id);
        if !used.is_empty() {
            v.segments = kept.segments_of(id);
        }
        if catalog.uses_audiences(placement) {
            v.audiences = asker
                .customer_audiences
                .get_or_init(|| audiences_of(index, audiences, id))
                .clone();
        }
    } else if let Some(visitor) = asker.visitor.as_deref().filter(|_| !used.is_empty()) {
        v.segments = asker
            .visitor_segments
            .0
            .get_or_try_init(|| crate::segments::of_visitor_cached(db, index, kept, visitor))
            .await?
            .clone();
    }
    v.segments.retain(|s| used.binary_search(s).is_ok());
    v.segments.sort_unstable();
    Ok(v)
}

/// The viewer's number for `placement` today: one viewer sees one variant all day.
pub fn draw(key: &str, placement: &str, day: &str) -> u64 {
    use sha2::Digest;
    let h = sha2::Sha256::digest(format!("{key}|{placement}|{day}").as_bytes());
    let mut b = [0_u8; 8];
    b.copy_from_slice(&h[..8]);
    u64::from_le_bytes(b)
}

/// `YYYY-MM-DD` of `now` (Unix seconds), UTC.
pub fn day_of(now: i64) -> String {
    chrono::DateTime::from_timestamp(now, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// One placement asked for, by one viewer, now.
pub struct Ask<'a> {
    pub placement: &'a str,
    pub lang: &'a str,
    pub viewer: &'a Viewer,
    pub live: &'a Live,
    /// Unix seconds.
    pub now: i64,
}

impl Blocks {
    /// What the placement shows the viewer, counted as an impression (and in `asker.seen` when
    /// the block has a cap).
    pub fn show(&self, catalog: &Catalog, ask: &Ask, asker: &mut Asker) -> Option<Shown> {
        let day = day_of(ask.now);
        let seen = asker.seen.today(&day);
        let draw = draw(&asker.draw_key, ask.placement, &day);
        let Pick { block, holdout } = catalog.resolve(
            ask.placement,
            ask.viewer,
            ask.live,
            ask.now,
            &|id| seen.get(id),
            draw,
        );
        let loaded = catalog.get(block?)?;
        // Held-out viewers' links are counted apart: their HTML is rendered for them (rare).
        let html = if holdout {
            sanitize::render(loaded.block.content_in(ask.lang)?, loaded.block.id, true)
        } else {
            let lang = if loaded.rendered.contains_key(ask.lang) {
                ask.lang
            } else {
                "en"
            };
            loaded.rendered.get(lang)?.clone()
        };
        let what = if holdout {
            stats::Count::HoldoutImpression
        } else {
            stats::Count::Impression
        };
        self.counters.add(loaded.block.id, &day, what);
        if loaded.block.cap_per_day.is_some() {
            asker.seen.add(&day, loaded.block.id);
        }
        Some(Shown {
            id: loaded.block.id,
            html,
            holdout,
        })
    }
}

/// The cap cookie: how often this browser saw each capped block today (`day.id-n.id-n…`). Not a
/// credential: a visitor who clears it merely sees a block again.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Seen {
    day: String,
    counts: Vec<(u32, u32)>,
}

/// Most capped blocks remembered in the cookie.
const SEEN_KEPT: usize = 50;
pub const SEEN_COOKIE: &str = "clientele_seen";

impl Seen {
    /// Reads the cookie's value; anything unreadable is an empty record.
    pub fn parse(value: &str) -> Seen {
        let mut parts = value.split('.');
        let day = parts.next().unwrap_or_default().to_owned();
        let counts = parts
            .take(SEEN_KEPT)
            .filter_map(|p| {
                let (id, n) = p.split_once('-')?;
                Some((id.parse().ok()?, n.parse().ok()?))
            })
            .collect();
        Seen { day, counts }
    }

    /// The counts if they are of `day`; none otherwise.
    pub fn today(&self, day: &str) -> Seen {
        if self.day == day {
            self.clone()
        } else {
            Seen {
                day: day.into(),
                counts: vec![],
            }
        }
    }

    pub fn get(&self, id: u32) -> u32 {
        self.counts
            .iter()
            .find(|(b, _)| *b == id)
            .map_or(0, |(_, n)| *n)
    }

    fn add(&mut self, day: &str, id: u32) {
        if self.day != day {
            *self = Seen {
                day: day.into(),
                counts: vec![],
            };
        }
        if let Some((_, n)) = self.counts.iter_mut().find(|(b, _)| *b == id) {
            *n += 1;
        } else if self.counts.len() < SEEN_KEPT {
            self.counts.push((id, 1));
        }
    }

    /// Whether there is anything to keep.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The cookie's value.
    pub fn value(&self) -> String {
        let mut s = self.day.clone();
        for (id, n) in &self.counts {
            s.push_str(&format!(".{id}-{n}"));
        }
        s
    }
}
