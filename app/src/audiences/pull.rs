//! The audience pull connector: the source set in Settings (`setting:audience_source`: a URL and
//! a bearer token, never shown back), and "Sync now": read the whole JSON-lines feed, check every
//! line, and only then define each audience and swap in its members (one snapshot each), delete
//! the audiences an earlier sync brought that the feed no longer has, and report what changed.
use super::{Audiences, MemberKey, store};
use crate::db::Db;
use crate::domain::audience::{AudienceKey, Definition};
use crate::domain::audience_source::{
    Line, MAX_REPORTED_ERRORS, SourceView, SyncReport, ValidSource, parse_line,
};
use crate::error::AppError;
use futures::StreamExt;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

/// The largest feed read (about 5 million members by email).
const MAX_FEED_BYTES: usize = 512 * 1024 * 1024;
/// The longest line.
const MAX_LINE_BYTES: usize = 64 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The whole download.
const FEED_TIMEOUT: Duration = Duration::from_secs(300);
/// Keys per snapshot part (the API's limit per call).
const PART: usize = crate::domain::audience::MAX_IDENTITIES_PER_CALL;

/// The saved source: its URL (None: none set) and token (empty: none).
pub async fn source(db: &Db) -> Result<(Option<String>, String, SourceView), AppError> {
    let mut res = db
        .query(
            "SELECT url, token, IF last_sync { <string> last_sync } AS last_sync, last_report \
             FROM ONLY setting:audience_source",
        )
        .await?;
    let row: Option<serde_json::Value> = res.take(0)?;
    let row = row.unwrap_or_default();
    let text = |k: &str| row.get(k).and_then(|v| v.as_str()).unwrap_or_default();
    let (url, token) = (text("url").to_owned(), text("token").to_owned());
    let hint: String = if token.is_empty() {
        String::new()
    } else {
        let tail: Vec<char> = token.chars().rev().take(4).collect();
        tail.into_iter().rev().collect()
    };
    let view = SourceView {
        url: url.clone(),
        token_hint: hint,
        last_sync: row
            .get("last_sync")
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        last_report: row
            .get("last_report")
            .and_then(|r| serde_json::from_value(r.clone()).ok()),
    };
    Ok(((!url.is_empty()).then_some(url), token, view))
}

/// Saves the source (the token only when a new one is given) with its action-log entry, in one
/// transaction.
pub async fn save_source(
    db: &Db,
    source: &ValidSource,
    log: (&str, surrealdb::types::Value),
) -> Result<(), AppError> {
    let mut tx = crate::db::tx::Tx::new();
    tx.stmt(
        "UPSERT setting:audience_source MERGE { url: $url } RETURN NONE; \
         IF $secret != NONE { UPDATE setting:audience_source SET token = $secret RETURN NONE };",
    )
    .shared("url", source.url.clone().unwrap_or_default())
    .shared("secret", source.token.clone());
    tx.log(log);
    match tx.run(db).await?.into_iter().next() {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// The feed, read and checked: each audience's definition (in feed order) and members.
#[derive(Default)]
struct Feed {
    defs: Vec<(AudienceKey, Definition)>,
    members: HashMap<String, HashSet<MemberKey>>,
    /// The first line naming each audience as a member's, for an audience the feed never defines.
    first_use: BTreeMap<String, u64>,
    lines: u64,
    errors: Vec<String>,
}

impl Feed {
    fn take(&mut self, text: &str) {
        self.lines += 1;
        if text.trim().is_empty() {
            return;
        }
        match parse_line(self.lines, text) {
            Ok(Line::Audience(key, def)) => {
                if self.defs.iter().any(|(k, _)| k == &key) {
                    self.fail(format!(
                        "line {}: audience {} defined twice",
                        self.lines,
                        key.as_str()
                    ));
                }
                self.members.entry(key.as_str().to_owned()).or_default();
                self.defs.push((key, def));
            }
            Ok(Line::Member(key, id)) => {
                let name = key.as_str().to_owned();
                self.first_use.entry(name.clone()).or_insert(self.lines);
                self.members
                    .entry(name)
                    .or_default()
                    .insert(MemberKey::of(&id));
            }
            Err(e) => self.fail(e),
        }
    }

    fn fail(&mut self, e: String) {
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(e);
        }
    }

    /// Members of audiences the feed never defines are errors.
    fn finish(&mut self) {
        let undefined: Vec<(String, u64)> = self
            .first_use
            .iter()
            .filter(|(k, _)| !self.defs.iter().any(|(d, _)| d.as_str() == k.as_str()))
            .map(|(k, n)| (k.clone(), *n))
            .collect();
        for (k, n) in undefined {
            self.fail(format!("line {n}: audience {k} is not defined in the feed"));
        }
    }
}

/// Downloads and checks the whole feed (nothing is applied yet).
async fn read_feed(url: &str, token: &str) -> Result<Feed, String> {
    let client = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(FEED_TIMEOUT)
        .build()
        .map_err(|e| format!("cannot reach the source: {e}"))?;
    let mut req = client.get(url).header("Accept", "application/x-ndjson");
    if !token.is_empty() {
        req = req.bearer_auth(token);
    }
    let res = req
        .send()
        .await
        .map_err(|e| format!("cannot reach the source: {}", e.without_url()))?;
    if !res.status().is_success() {
        return Err(format!("the source answered {}", res.status()));
    }
    let (mut feed, mut buf, mut read) = (Feed::default(), Vec::new(), 0_usize);
    let mut body = res.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| format!("the source stopped: {}", e.without_url()))?;
        read += chunk.len();
        if read > MAX_FEED_BYTES {
            return Err(format!(
                "the feed is larger than {} MiB",
                MAX_FEED_BYTES >> 20
            ));
        }
        buf.extend_from_slice(&chunk);
        while let Some(end) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=end).collect();
            take_bytes(&mut feed, &line[..line.len() - 1]);
        }
        if buf.len() > MAX_LINE_BYTES {
            return Err(format!("line {}: longer than 64 KiB", feed.lines + 1));
        }
    }
    if !buf.is_empty() {
        take_bytes(&mut feed, &buf);
    }
    feed.finish();
    Ok(feed)
}

fn take_bytes(feed: &mut Feed, line: &[u8]) {
    match std::str::from_utf8(line) {
        Ok(text) => feed.take(text.trim_end_matches('\r')),
        Err(_) => {
            feed.lines += 1;
            let n = feed.lines;
            feed.fail(format!("line {n}: not UTF-8"));
        }
    }
}

/// Swaps `keys` in as `key`'s members (one snapshot, marked as a sync); a refusal means another
/// sync or a push moved the audience meanwhile.
async fn replace_members(
    db: &Db,
    key: &str,
    keys: &HashSet<MemberKey>,
) -> Result<Result<(), store::Refused>, AppError> {
    let seq = store::meta(db, key).await?.map_or(0, |m| m.seq) + 1;
    let id = format!("{:016x}", rand::random::<u64>());
    if let Err(r) = store::open_snapshot(db, key, &id, seq).await? {
        return Ok(Err(r));
    }
    let keys: Vec<MemberKey> = keys.iter().copied().collect();
    for (n, part) in keys.chunks(PART).enumerate() {
        if let Err(r) = store::put_part(db, key, &id, n as u32, part).await? {
            return Ok(Err(r));
        }
    }
    store::commit_snapshot(db, key, &id, true).await
}

/// Applies a checked feed; what it changed.
async fn apply(db: &Db, nodes: &Audiences, feed: Feed) -> Result<SyncReport, AppError> {
    let mut report = SyncReport {
        lines: feed.lines,
        ..SyncReport::default()
    };
    let empty = HashSet::new();
    for (key, def) in &feed.defs {
        let name = key.as_str();
        let before = nodes.get(name);
        let old = before.as_ref().map_or(&empty, |a| a.members());
        let new = feed.members.get(name).unwrap_or(&empty);
        let (added, removed) = (new.difference(old).count(), old.difference(new).count());
        let def_changed = before.as_ref().is_none_or(|a| {
            a.meta.name != def.name
                || a.meta.description != def.description
                || a.meta.origin != def.origin
        });
        if store::define(db, key, def).await? {
            report.created.push(name.to_owned());
        } else if def_changed || added + removed > 0 {
            report.updated.push(name.to_owned());
        }
        if replace_members(db, name, new).await?.is_err() {
            report.errors.push(format!(
                "audience {name}: changed by another sync or a push meanwhile; its members were \
                 not replaced (run Sync now again)"
            ));
            continue;
        }
        report.members_added += added as u64;
        report.members_removed += removed as u64;
    }
    for meta in store::metas(db).await? {
        let in_feed = feed.defs.iter().any(|(k, _)| k.as_str() == meta.key);
        if meta.last_sync.is_some() && !in_feed && store::delete(db, &meta.key).await?.is_ok() {
            report.members_removed += nodes.get(&meta.key).map_or(0, |a| a.identities()) as u64;
            report.deleted.push(meta.key);
        }
    }
    nodes.catch_up(db).await?;
    Ok(report)
}

/// Sync now: reads the source's feed and, if every line is right, applies it. The report (kept
/// for the settings and audiences pages) says what changed, or why nothing did.
pub async fn sync(db: &Db, nodes: &Audiences) -> Result<SyncReport, AppError> {
    // One sync at a time on this node (a second click waits for the first, then reads afresh).
    static SYNCING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one = SYNCING.lock().await;
    let (url, token, _) = source(db).await?;
    let report = match url {
        None => SyncReport {
            errors: vec!["No audience source is set (Settings > Audience source).".into()],
            ..SyncReport::default()
        },
        Some(url) => match read_feed(&url, &token).await {
            Err(e) => SyncReport {
                errors: vec![e],
                ..SyncReport::default()
            },
            Ok(feed) if !feed.errors.is_empty() => SyncReport {
                lines: feed.lines,
                errors: feed.errors,
                ..SyncReport::default()
            },
            Ok(feed) => apply(db, nodes, feed).await?,
        },
    };
    let value = serde_json::to_value(&report).map_err(AppError::internal)?;
    db.query(
        "UPSERT setting:audience_source MERGE { last_sync: time::now(), last_report: $report } \
         RETURN NONE",
    )
    .bind(("report", value))
    .await?
    .check()?;
    Ok(report)
}
