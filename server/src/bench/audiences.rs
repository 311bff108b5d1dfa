//! `clientele bench audiences`: a CDP pushing at the scale. Times member deltas of 10,000
//! emails each, as the API takes them (read the JSON, check every identity, key them, write the
//! change, catch this node up), then a full snapshot of 1,000,000 members sent in parts of 10,000
//! and committed, with this node reloading it, and finally a membership lookup.
use super::percentile;
use app::audiences::{Audiences, MemberKey, store};
use app::db::Db;
use app::domain::audience::{AudienceInput, AudienceKey, DeltaInput, Identity, parse_identities};
use std::time::{Duration, Instant};

/// Identities per call: the API's most.
const PER_CALL: usize = app::domain::audience::MAX_IDENTITIES_PER_CALL;

fn email(n: usize) -> String {
    format!("member{n}@bench.example")
}

fn fail(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("audience bench: {e}")
}

/// A delta's body as a CDP sends it: `PER_CALL` emails, a tenth of them removals.
fn delta_body(seq: u64, first: usize) -> Vec<u8> {
    let ids: Vec<Identity> = (first..first + PER_CALL)
        .map(|n| Identity::Email(email(n)))
        .collect();
    let (remove, add) = ids.split_at(PER_CALL / 10);
    serde_json::to_vec(&serde_json::json!({ "seq": seq, "add": add, "remove": remove }))
        .expect("json")
}

/// Defines audience `key` afresh (members dropped).
async fn fresh(db: &Db, key: &str) -> anyhow::Result<()> {
    // Refused as unknown: there was none to drop.
    let _unknown = store::delete(db, key).await.map_err(fail)?;
    let input = AudienceInput {
        name: format!("Bench {key}"),
        origin: "bench".into(),
        ..AudienceInput::default()
    };
    let def = input.parse().map_err(|e| fail(format!("{e:?}")))?;
    let key = AudienceKey::parse(key).map_err(|e| fail(format!("{e:?}")))?;
    store::define(db, &key, &def).await.map_err(fail)?;
    Ok(())
}

/// Identities/s of `n` identities in `d`.
fn rate(n: usize, d: Duration) -> String {
    format!("{:.0}", n as f64 / d.as_secs_f64())
}

/// Applies `calls` deltas the way `POST /api/v1/audiences/{key}/members` does; the time per call.
async fn deltas(db: &Db, nodes: &Audiences, calls: usize) -> anyhow::Result<Vec<Duration>> {
    let bodies: Vec<Vec<u8>> = (0..calls)
        .map(|c| delta_body(c as u64 + 1, c * PER_CALL))
        .collect();
    let mut times = Vec::with_capacity(calls);
    for body in &bodies {
        let t = Instant::now();
        let input: DeltaInput = serde_json::from_slice(body).map_err(fail)?;
        let delta = input.parse().map_err(|e| fail(format!("{e:?}")))?;
        let add: Vec<MemberKey> = delta.add.iter().map(MemberKey::of).collect();
        let remove: Vec<MemberKey> = delta.remove.iter().map(MemberKey::of).collect();
        store::apply(db, "bench_deltas", delta.seq, &add, &remove)
            .await
            .map_err(fail)?
            .map_err(|r| fail(format!("{r:?}")))?;
        nodes.catch_up(db).await.map_err(fail)?;
        times.push(t.elapsed());
    }
    Ok(times)
}

/// Uploads and commits a snapshot of `members` emails in parts; (upload, commit, reload) times.
async fn snapshot(
    db: &Db,
    nodes: &Audiences,
    members: usize,
) -> anyhow::Result<(Duration, Duration, Duration)> {
    let parts: Vec<Vec<u8>> = (0..members.div_ceil(PER_CALL))
        .map(|p| {
            let ids: Vec<Identity> = (p * PER_CALL..((p + 1) * PER_CALL).min(members))
                .map(|n| Identity::Email(email(n)))
                .collect();
            serde_json::to_vec(&serde_json::json!({ "members": ids })).expect("json")
        })
        .collect();
    let t = Instant::now();
    let id = "benchsnapshot01";
    store::open_snapshot(db, "bench_snapshot", id, 1)
        .await
        .map_err(fail)?
        .map_err(|r| fail(format!("{r:?}")))?;
    for (n, body) in parts.iter().enumerate() {
        #[derive(serde::Deserialize)]
        struct Part {
            members: Vec<Identity>,
        }
        let part: Part = serde_json::from_slice(body).map_err(fail)?;
        let mut errors = Vec::new();
        let valid = parse_identities("members", &part.members, &mut errors);
        if !errors.is_empty() {
            return Err(fail(format!("{errors:?}")));
        }
        let keys: Vec<MemberKey> = valid.iter().map(MemberKey::of).collect();
        store::put_part(db, "bench_snapshot", id, n as u32, &keys)
            .await
            .map_err(fail)?
            .map_err(|r| fail(format!("{r:?}")))?;
    }
    let uploaded = t.elapsed();
    let t = Instant::now();
    store::commit_snapshot(db, "bench_snapshot", id, false)
        .await
        .map_err(fail)?
        .map_err(|r| fail(format!("{r:?}")))?;
    let committed = t.elapsed();
    let t = Instant::now();
    nodes.catch_up(db).await.map_err(fail)?;
    Ok((uploaded, committed, t.elapsed()))
}

/// Runs `calls` deltas and a snapshot of `members`, and reports them.
pub async fn run(db: &Db, calls: usize, members: usize) -> anyhow::Result<String> {
    fresh(db, "bench_deltas").await?;
    fresh(db, "bench_snapshot").await?;
    let nodes = Audiences::default();
    nodes.catch_up(db).await.map_err(fail)?;
    let started = Instant::now();
    let mut times = deltas(db, &nodes, calls).await?;
    let ingest = started.elapsed();
    times.sort_unstable();
    let (uploaded, committed, reloaded) = snapshot(db, &nodes, members).await?;
    let held = nodes.get("bench_snapshot").map_or(0, |a| a.identities());
    if held != members {
        return Err(fail(format!("{held} members held, {members} sent")));
    }
    // A customer's audiences, as a page asks for them: every audience tested.
    let mut lookups = Vec::with_capacity(10_000);
    for n in 0..10_000 {
        let who = app::audiences::Named {
            id: n as i64,
            email: Some(app::audiences::email_key(&email(n * 97 % (members + 1)))),
            external: Some(app::audiences::external_key(&format!("crm-{n}"))),
        };
        let t = Instant::now();
        std::hint::black_box(nodes.of_customer(&who));
        lookups.push(t.elapsed());
    }
    lookups.sort_unstable();
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
    Ok(format!(
        "## Audiences: {calls} deltas of {PER_CALL} emails, a snapshot of {members}\n\n\
         | figure | value |\n|---|---|\n\
         | delta ingest (read, check, key, write, catch up), identities/s | {} |\n\
         | one call of {PER_CALL}, p50 / p99 | {} / {} |\n\
         | snapshot upload ({} parts), identities/s | {} ({}) |\n\
         | snapshot commit (one transaction) | {} |\n\
         | this node reloading the {members} members | {} |\n\
         | a customer's audiences (every audience tested), p99 | {:.1} µs |\n",
        rate(calls * PER_CALL, ingest),
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.99)),
        members.div_ceil(PER_CALL),
        rate(members, uploaded),
        ms(uploaded),
        ms(committed),
        ms(reloaded),
        percentile(&lookups, 0.99).as_secs_f64() * 1e6,
    ))
}
