//! `clientele bench signin`: storefront sign-in latency over HTTP against the cost of one Argon2id
//! hash on the same machine, and a burst of simultaneous sign-ins with the process's peak memory.
use super::http::{enc, post_form};
use super::{ms, percentile};
use crate::config::Config;
use app::auth::password::PasswordHasher;
use futures::StreamExt;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const PASSWORD: &str = "quiet-harbour-lantern-42";

/// `VmRSS` and `VmHWM` (peak) of this process, in MiB.
fn memory_mib() -> (u64, u64) {
    (super::status_mib("VmRSS:"), super::status_mib("VmHWM:"))
}

/// Resets `VmHWM` to the current RSS (Linux: writing 5 to clear_refs), so the peak is the burst's.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// One same-origin form POST; returns the status and whether a customer session cookie came back.
async fn post(addr: SocketAddr, path: &str, form: &str) -> anyhow::Result<(u16, bool)> {
    let reply = post_form(addr, path, form).await?;
    Ok((reply.status, reply.cookie("clientele_sid").is_some()))
}

pub(super) fn email(i: usize) -> String {
    format!("bench.signin.{i}@example.com")
}

fn sign_in_form(email: &str, password: &str) -> String {
    format!("email={}&password={}", enc(email), enc(password))
}

/// Times one sign-in on a new connection, checking its status.
async fn timed(
    addr: SocketAddr,
    email: &str,
    password: &str,
    expect: u16,
) -> anyhow::Result<Duration> {
    let form = sign_in_form(email, password);
    let started = Instant::now();
    let (status, _) = post(addr, "/api/account/sign_in", &form).await?;
    let took = started.elapsed();
    anyhow::ensure!(
        status == expect,
        "sign-in of {email} answered {status}, not {expect}"
    );
    Ok(took)
}

/// Times `rounds` sequential sign-ins (one at a time, each on a new connection).
async fn sequential(
    addr: SocketAddr,
    rounds: usize,
    who: impl Fn(usize) -> String,
    expect: u16,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(rounds);
    for i in 0..rounds {
        times.push(timed(addr, &who(i), PASSWORD, expect).await?);
    }
    times.sort();
    Ok(times)
}

/// Failed sign-ins, interleaved so that drift hits both alike: a wrong password to an existing
/// account, then an address without one (the audit's timing comparison, finding L1).
async fn failures(
    addr: SocketAddr,
    rounds: usize,
    accounts: usize,
) -> anyhow::Result<(Vec<Duration>, Vec<Duration>)> {
    let (mut wrong, mut unknown) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for i in 0..rounds {
        wrong.push(timed(addr, &email(i % accounts), "not the password", 401).await?);
        unknown.push(timed(addr, &format!("nobody.{i}@example.com"), PASSWORD, 401).await?);
    }
    wrong.sort();
    unknown.sort();
    Ok((wrong, unknown))
}

fn row(report: &mut String, what: &str, n: usize, sorted: &[Duration]) {
    let _ = writeln!(
        report,
        "| {what} | {n} | {:.1} | {:.1} | {:.1} |",
        ms(percentile(sorted, 0.5)),
        ms(percentile(sorted, 0.99)),
        ms(sorted.last().copied().unwrap_or_default())
    );
}

/// Registers `accounts` customers over HTTP, then measures: one Argon2id hash and verification;
/// `rounds` sequential sign-ins of known and of unknown emails; all accounts signing in at once.
pub async fn run(config: &Config, accounts: usize, rounds: usize) -> anyhow::Result<String> {
    let state = crate::build_state(config).await?;
    let (rss_started, _) = memory_mib();
    state
        .db
        .query("UPSERT setting:customer MERGE { require_confirmation: false }")
        .await?
        .check()?;
    let addr = serve(state.clone()).await?;
    register(addr, accounts).await?;
    let (hashes, verifications) = argon2_costs(rounds).await?;
    let fresh = tokio::task::spawn_blocking(move || fresh_memory_hashes(rounds)).await??;

    let (rss_registered, _) = memory_mib();
    // Warm-up, then sequential sign-ins: known accounts (200 + a session) and unknown emails (401).
    sequential(addr, 10, |i| email(i % accounts), 200).await?;
    let known = sequential(addr, rounds, |i| email(i % accounts), 200).await?;
    let (wrong, unknown) = failures(addr, rounds, accounts).await?;

    // Every account at once: latency of each, the burst's wall time, and the process's peak RSS.
    let (rss_before, _) = memory_mib();
    reset_peak();
    let (burst, signed_in, wall) = all_at_once(addr, accounts).await?;
    let (rss_after, peak) = memory_mib();
    let sessions: Option<i64> = state
        .db
        .query("SELECT VALUE count FROM (SELECT count() AS count FROM customer_session GROUP ALL)")
        .await?
        .take(0)?;

    let mut report = String::new();
    let _ = writeln!(
        report,
        "| measure | n | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|"
    );
    row(
        &mut report,
        "one Argon2id hash (m=19 MiB, t=2, p=1), in process, the hasher's pooled memory",
        hashes.len(),
        &hashes,
    );
    row(
        &mut report,
        "anchor: the argon2 crate's own hash, a fresh 19 MiB each time",
        fresh.len(),
        &fresh,
    );
    row(
        &mut report,
        "one Argon2id verification, in process",
        verifications.len(),
        &verifications,
    );
    row(
        &mut report,
        "sign-in over HTTP, right password (200 + session cookie)",
        known.len(),
        &known,
    );
    row(
        &mut report,
        "sign-in over HTTP, existing account, wrong password (401)",
        wrong.len(),
        &wrong,
    );
    row(
        &mut report,
        "sign-in over HTTP, unknown email (401), interleaved with the row above",
        unknown.len(),
        &unknown,
    );
    row(
        &mut report,
        &format!("{accounts} sign-ins at once, each request's latency"),
        burst.len(),
        &burst,
    );
    let hash_p50 = ms(percentile(&hashes, 0.5));
    let _ = writeln!(
        report,
        "\nSign-in p50 is {:.2}× one hash and p99 {:.2}× (the rest: HTTP, the account read, the session write).",
        ms(percentile(&known, 0.5)) / hash_p50,
        ms(percentile(&known, 0.99)) / hash_p50,
    );
    let _ = writeln!(
        report,
        "RSS {rss_started} MiB after start-up, {rss_registered} MiB after {accounts} registrations."
    );
    let _ = writeln!(
        report,
        "{accounts} simultaneous sign-ins: {signed_in} signed in (sessions in the database: {}), all done in {:.2} s \
         ({:.0} sign-ins/s); RSS {rss_before} MiB before, peak {peak} MiB during, {rss_after} MiB after \
         (the hasher runs at most {} at once, ≤ {} MiB of Argon2 memory).",
        sessions.unwrap_or(0),
        wall.as_secs_f64(),
        accounts as f64 / wall.as_secs_f64(),
        state.hasher.concurrency(),
        state.hasher.concurrency() * 19,
    );
    anyhow::ensure!(
        signed_in == accounts,
        "only {signed_in} of {accounts} simultaneous sign-ins succeeded"
    );
    Ok(report)
}

/// Serves the app on a free local port (no rate limits) and returns its address.
pub(super) async fn serve(state: app::state::AppState) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = crate::routes::router(
        state,
        crate::csrf::AllowedOrigin(format!("http://{addr}")),
        // Per-address limits would answer 429 to a benchmark that sends everything from one address.
        crate::rate_limit::Limits::new(&crate::config::RateLimitConfig {
            per_minute: 0,
            trust_forwarded_for: false,
            api_per_minute: 0,
        }),
    );
    tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(crate::routes::no_delay(listener), service).await {
            tracing::error!(error = %e, "bench server stopped");
        }
    });
    Ok(addr)
}

/// Registers `accounts` customers the way the storefront does it (8 at a time).
pub(super) async fn register(addr: SocketAddr, accounts: usize) -> anyhow::Result<()> {
    let registered: Vec<anyhow::Result<(u16, bool)>> = futures::stream::iter(0..accounts)
        .map(|i| async move {
            let form = format!(
                "firstname=Bench&lastname=Shopper{i}&email={}&password={p}&password_confirmation={p}",
                enc(&email(i)),
                p = enc(PASSWORD)
            );
            post(addr, "/api/account/register", &form).await
        })
        .buffer_unordered(8)
        .collect()
        .await;
    for r in registered {
        let (status, _) = r?;
        anyhow::ensure!(status == 200, "registration answered {status}");
    }
    Ok(())
}

/// The anchor: the argon2 crate's own `hash_password` at the same parameters, which allocates
/// (maps and zeroes) a fresh 19 MiB for every hash (sorted).
fn fresh_memory_hashes(rounds: usize) -> anyhow::Result<Vec<Duration>> {
    use argon2::password_hash::{PasswordHasher as _, SaltString, rand_core::OsRng};
    let params = argon2::Params::new(
        app::auth::password::MEMORY_KIB,
        app::auth::password::ITERATIONS,
        app::auth::password::PARALLELISM,
        None,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let crate_own =
        argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut hashes = Vec::new();
    for _ in 0..rounds.min(50) {
        let salt = SaltString::generate(&mut OsRng);
        let started = Instant::now();
        std::hint::black_box(
            crate_own
                .hash_password(PASSWORD.as_bytes(), &salt)
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        );
        hashes.push(started.elapsed());
    }
    hashes.sort();
    Ok(hashes)
}

/// The cost of Argon2id itself, one hash and one verification at a time on this machine (sorted).
async fn argon2_costs(rounds: usize) -> anyhow::Result<(Vec<Duration>, Vec<Duration>)> {
    let hasher = PasswordHasher::new(1);
    let mut hashes = Vec::new();
    let mut verifications = Vec::new();
    let mut phc = String::new();
    for _ in 0..rounds.min(50) {
        let started = Instant::now();
        phc = hasher.hash(PASSWORD.to_owned()).await?;
        hashes.push(started.elapsed());
    }
    for _ in 0..rounds.min(50) {
        let started = Instant::now();
        let ok = hasher
            .verify(PASSWORD.to_owned(), Some(phc.clone()))
            .await?;
        verifications.push(started.elapsed());
        anyhow::ensure!(ok, "the bench password does not verify");
    }
    hashes.sort();
    verifications.sort();
    Ok((hashes, verifications))
}

/// Every account signs in at once: each request's latency (sorted), how many signed in, the
/// burst's wall time.
async fn all_at_once(
    addr: SocketAddr,
    accounts: usize,
) -> anyhow::Result<(Vec<Duration>, usize, Duration)> {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(accounts));
    let started = Instant::now();
    let tasks: Vec<_> = (0..accounts)
        .map(|i| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let begun = Instant::now();
                let reply = post(
                    addr,
                    "/api/account/sign_in",
                    &sign_in_form(&email(i), PASSWORD),
                )
                .await;
                (begun.elapsed(), reply)
            })
        })
        .collect();
    let mut burst = Vec::with_capacity(accounts);
    let mut signed_in = 0;
    for t in tasks {
        let (took, reply) = t.await?;
        let (status, session) = reply?;
        if status == 200 && session {
            signed_in += 1;
        }
        burst.push(took);
    }
    let wall = started.elapsed();
    burst.sort();
    Ok((burst, signed_in, wall))
}
