//! `clientele bench load`: a mixed load on one app server for a fixed time (loopback only, every
//! rate bounded): admins paging and filtering the customers grid, storefront pages, dashboards and
//! sign-ins, order ingest through the API. Reports each kind's latency percentiles and errors, the
//! process's memory over the run, and checks the acknowledged orders against the database.
use super::http::{Reply, enc, send};
use super::{ms, percentile, rss_mib};
use crate::config::Config;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What to send, and for how long.
pub struct Load {
    pub seconds: u64,
    /// Admins, each asking for a grid page once a second.
    pub admins: usize,
    /// Storefront requests a second (pages, dashboards, sign-ins).
    pub storefront: u32,
    /// Orders a second, sent as API batches of `ORDERS_PER_BATCH`.
    pub orders: u32,
    /// Customers in the store (seeded when fewer).
    pub customers: u64,
}

const ORDERS_PER_BATCH: u32 = 50;
/// Requests in flight at most; beyond it a request is not sent and counts as an error (the
/// generator, not the server, would be the limit).
const MAX_IN_FLIGHT: usize = 4_000;
/// Customers who sign in during the run (registered before it).
const SHOPPERS: usize = 50;
const PASSWORD: &str = "quiet-harbour-lantern-42";
/// Panics anywhere in the process (the server's own tasks included) since the run began.
static PANICS: AtomicU64 = AtomicU64::new(0);

/// Counts every panic from now on (and still prints it, as before).
fn count_panics() {
    let before = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::Relaxed);
        before(info);
    }));
}

/// How often memory is sampled.
const SAMPLE_EVERY: Duration = Duration::from_secs(10);

/// The grid queries the admins send, in turn: sorts, filters, keywords, deep pages.
const GRID_QUERIES: &[&str] = &[
    "",
    "sort=email&dir=desc",
    "sort=created_at&dir=desc&page=40",
    "f.country=IT&f.group=1",
    "f.created_at=2025-01-01..2025-12-31&sort=name",
    "q=rossi",
    "q=milano&page=3",
    "q=giulia+roma&f.group=1&sort=created_at&dir=desc",
    "f.orders=1..&sort=lifetime_sales&dir=desc",
    "page=200",
];

/// The storefront's mix, per 100 requests.
const SIGN_INS: u64 = 2;
const DASHBOARDS: u64 = 10;
const SIGN_IN_PAGES: u64 = 28;

/// One request kind's answers: latencies and unexpected statuses.
#[derive(Default)]
struct Kind {
    times: Vec<Duration>,
    errors: BTreeMap<String, usize>,
}

#[derive(Clone, Default)]
struct Tally(Arc<Mutex<BTreeMap<&'static str, Kind>>>);

impl Tally {
    fn note(&self, kind: &'static str, took: Duration, outcome: Result<(), String>) {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let k = all.entry(kind).or_default();
        k.times.push(took);
        if let Err(e) = outcome {
            *k.errors.entry(e).or_default() += 1;
        }
    }

    /// An error found after the answer was timed (and noted as a success).
    fn fail(&self, kind: &'static str, error: &str) {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *all.entry(kind)
            .or_default()
            .errors
            .entry(error.to_owned())
            .or_default() += 1;
    }
}

/// Who the load acts as: admin sessions, a customer session, an orders token, buyers.
struct Actors {
    origin: String,
    admins: Vec<String>,
    shopper: String,
    token: String,
    buyers: Vec<(i64, String)>,
}

impl Actors {
    fn same_origin<'a>(&'a self, content: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("Origin", self.origin.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
            ("Content-Type", content),
            ("Accept", "application/json"),
        ]
    }
}

async fn admin_session(addr: SocketAddr, origin: &str, email: &str) -> anyhow::Result<String> {
    let form = format!("email={}&password={}", enc(email), enc(PASSWORD));
    let headers = [
        ("Origin", origin),
        ("Sec-Fetch-Site", "same-origin"),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let reply = send(addr, "POST", "/api/admin/auth/sign_in", &headers, &form).await?;
    reply
        .cookie("clientele_admin")
        .ok_or_else(|| anyhow::anyhow!("admin sign-in of {email} answered {}", reply.status))
}

/// Creates the admins and their sessions, registers the shoppers, makes an orders token.
async fn prepare(
    state: &app::state::AppState,
    addr: SocketAddr,
    load: &Load,
) -> anyhow::Result<Actors> {
    let origin = format!("http://{addr}");
    let mut admins = Vec::with_capacity(load.admins);
    for i in 0..load.admins.max(1) {
        let email = format!("bench.load.admin{i}@example.com");
        let input = app::admin::users::AdminUserInput::administrator(
            &email,
            "Load",
            &format!("Admin{i}"),
            PASSWORD,
        );
        match app::admin::users::store::save(&state.db, &state.hasher, input, None).await {
            Ok(_) | Err(app::error::AppError::Invalid(_)) => {}
            Err(e) => anyhow::bail!("cannot create {email}: {e}"),
        }
        admins.push(admin_session(addr, &origin, &email).await?);
    }
    super::signin::register(addr, SHOPPERS).await?;
    let form = format!(
        "email={}&password={}",
        enc(&super::signin::email(0)),
        enc(PASSWORD)
    );
    let mut actors = Actors {
        origin,
        admins,
        shopper: String::new(),
        token: String::new(),
        buyers: Vec::new(),
    };
    let headers = actors.same_origin("application/x-www-form-urlencoded");
    let reply = send(addr, "POST", "/api/account/sign_in", &headers, &form).await?;
    actors.shopper = reply
        .cookie("clientele_sid")
        .ok_or_else(|| anyhow::anyhow!("the shopper did not sign in"))?;
    let mut headers = actors.same_origin("application/json");
    let admin_cookie = actors.admins[0].clone();
    headers.push(("Cookie", &admin_cookie));
    let input = r#"{"input":{"name":"Load bench","scopes":["orders:write"]}}"#;
    let reply = send(
        addr,
        "POST",
        "/api/admin/integrations/create",
        &headers,
        input,
    )
    .await?;
    let made: serde_json::Value = serde_json::from_str(&reply.body).unwrap_or_default();
    actors.token = made["token"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no orders token ({}): {}", reply.status, reply.body))?
        .to_owned();
    let mut res = state
        .db
        .query("SELECT VALUE [record::id(id), email] FROM customer LIMIT 1000")
        .await?;
    actors.buyers = res.take(0)?;
    anyhow::ensure!(!actors.buyers.is_empty(), "no customers to buy");
    Ok(actors)
}

/// Runs `job` about `per_second` times a second until `until`, each in a task of its own (an
/// open loop: a slow answer does not slow the sending), at most `MAX_IN_FLIGHT` at once overall;
/// returns how many were not sent for that limit.
async fn paced<F, Fut>(
    per_second: f64,
    until: Instant,
    limit: Arc<tokio::sync::Semaphore>,
    mut job: F,
) -> u64
where
    F: FnMut(u64) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    if per_second <= 0.0 {
        return 0;
    }
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / per_second));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let (mut n, mut unsent) = (0u64, 0u64);
    let mut tasks = tokio::task::JoinSet::new();
    while Instant::now() < until {
        tick.tick().await;
        let fut = job(n);
        n += 1;
        match limit.clone().try_acquire_owned() {
            Ok(permit) => {
                tasks.spawn(async move {
                    fut.await;
                    drop(permit);
                });
            }
            Err(_) => unsent += 1,
        }
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    unsent
}

fn expect(status: u16, want: u16) -> Result<(), String> {
    if status == want {
        Ok(())
    } else {
        Err(format!("{status}"))
    }
}

/// A timed request, noted under `kind`.
async fn timed(
    tally: Tally,
    kind: &'static str,
    want: u16,
    request: impl std::future::Future<Output = anyhow::Result<Reply>>,
) -> Option<String> {
    let started = Instant::now();
    let answer = request.await;
    let took = started.elapsed();
    match answer {
        Ok(reply) => {
            tally.note(kind, took, expect(reply.status, want));
            (reply.status == want).then_some(reply.body)
        }
        Err(e) => {
            tally.note(kind, took, Err(format!("no answer: {e}")));
            None
        }
    }
}

fn order_batch(run: &str, batch: u64, buyers: &[(i64, String)]) -> (String, Vec<String>) {
    let numbers: Vec<String> = (0..ORDERS_PER_BATCH)
        .map(|i| format!("L-{run}-{batch}-{i}"))
        .collect();
    let items: Vec<serde_json::Value> = numbers
        .iter()
        .enumerate()
        .map(|(i, number)| {
            let (id, email) = &buyers[(batch as usize * ORDERS_PER_BATCH as usize + i) % buyers.len()];
            serde_json::json!({
                "number": number, "customer_email": email, "customer_id": id,
                "currency": "EUR", "status": "processing", "subtotal": 20.0, "grand_total": 20.0,
                "created_at": "2026-12-01T10:00:00Z",
                "items": [{ "sku": "MJ01", "name": "Jacket", "qty": 1, "price": 20.0, "row_total": 20.0 }],
            })
        })
        .collect();
    (serde_json::json!({ "items": items }).to_string(), numbers)
}

/// Sends the load for `load.seconds` and reports it (see the module's head).
pub async fn run(config: &Config, load: Load) -> anyhow::Result<String> {
    count_panics();
    let state = crate::build_state(config).await?;
    state
        .db
        .query("UPSERT setting:customer MERGE { require_confirmation: false }")
        .await?
        .check()?;
    let have = super::count(&state.db).await?;
    if have < load.customers {
        crate::seed::seed_customers(&state.db, load.customers - have).await?;
    }
    let addr = super::signin::serve(state.clone()).await?;
    let actors = Arc::new(prepare(&state, addr, &load).await?);
    let run = format!("{:08x}", rand::random::<u32>());
    let (tally, acked) = (Tally::default(), Arc::new(Mutex::new(Vec::<String>::new())));
    let limit = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let rss_start = rss_mib();
    let started = Instant::now();
    let until = started + Duration::from_secs(load.seconds);

    let admins = paced(f64::from(load.admins as u32), until, limit.clone(), |n| {
        let (a, tally) = (actors.clone(), tally.clone());
        async move {
            let cookie = a.admins[n as usize % a.admins.len()].clone();
            let query = GRID_QUERIES[(n as usize / a.admins.len()) % GRID_QUERIES.len()];
            let body = serde_json::json!({ "query": query }).to_string();
            let mut headers = a.same_origin("application/json");
            headers.push(("Cookie", &cookie));
            let asked = send(addr, "POST", "/api/admin/customers/grid", &headers, &body);
            timed(tally, "admin: customers grid page", 200, asked).await;
        }
    });
    let storefront = paced(f64::from(load.storefront), until, limit.clone(), |n| {
        let (a, tally) = (actors.clone(), tally.clone());
        async move {
            let slot = n % 100;
            if slot < SIGN_INS {
                let who = super::signin::email(n as usize % SHOPPERS);
                let form = format!("email={}&password={}", enc(&who), enc(PASSWORD));
                let headers = a.same_origin("application/x-www-form-urlencoded");
                let asked = send(addr, "POST", "/api/account/sign_in", &headers, &form);
                timed(tally, "storefront: sign-in (POST)", 200, asked).await;
            } else if slot < SIGN_INS + DASHBOARDS {
                let headers = [("Cookie", a.shopper.as_str())];
                let asked = send(addr, "GET", "/customer/account/", &headers, "");
                timed(tally, "storefront: account dashboard", 200, asked).await;
            } else if slot < SIGN_INS + DASHBOARDS + SIGN_IN_PAGES {
                let asked = send(addr, "GET", "/customer/account/login", &[], "");
                timed(tally, "storefront: sign-in page", 200, asked).await;
            } else {
                let asked = send(addr, "GET", "/", &[], "");
                timed(tally, "storefront: home page", 200, asked).await;
            }
        }
    });
    let batches = f64::from(load.orders) / f64::from(ORDERS_PER_BATCH);
    let orders = paced(batches, until, limit.clone(), |n| {
        let (a, tally, acked, run) = (actors.clone(), tally.clone(), acked.clone(), run.clone());
        async move {
            let (body, numbers) = order_batch(&run, n, &a.buyers);
            let auth = format!("Bearer {}", a.token);
            let headers = [
                ("Authorization", auth.as_str()),
                ("Content-Type", "application/json"),
            ];
            let asked = send(addr, "POST", "/api/v1/orders/batch", &headers, &body);
            let Some(answer) =
                timed(tally.clone(), "API: order batch (50 orders)", 200, asked).await
            else {
                return;
            };
            let made: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
            if made["created"] == serde_json::json!(numbers.len()) {
                acked
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend(numbers);
            } else {
                tally.fail("API: order batch (50 orders)", "items refused");
            }
        }
    });
    let memory = async {
        let mut samples = vec![rss_start];
        while Instant::now() < until {
            tokio::time::sleep(SAMPLE_EVERY.min(until.saturating_duration_since(Instant::now())))
                .await;
            samples.push(rss_mib());
        }
        samples
    };
    let (a, s, o, samples) = tokio::join!(admins, storefront, orders, memory);
    let unsent = a + s + o;
    let wall = started.elapsed();
    let acked = std::mem::take(&mut *acked.lock().unwrap_or_else(|e| e.into_inner()));
    let mut res = state
        .db
        .query("SELECT VALUE number FROM sales_order WHERE string::starts_with(number, $p)")
        .bind(("p", format!("L-{run}-")))
        .await?;
    let stored: std::collections::HashSet<String> =
        res.take::<Vec<String>>(0)?.into_iter().collect();
    let tally = std::mem::take(&mut *tally.0.lock().unwrap_or_else(|e| e.into_inner()));
    let counts = Counts {
        unsent,
        acked: acked.len(),
        stored: stored.len(),
        lost: acked.iter().filter(|n| !stored.contains(*n)).count(),
        panics: PANICS.load(Ordering::Relaxed),
    };
    Ok(report(&load, config, wall, tally, &samples, counts))
}

/// Requests not sent (the generator's limit); orders acknowledged, stored, and acknowledged but
/// not stored (lost). Stored but not acknowledged are batches answered 408 that went on to commit.
struct Counts {
    unsent: u64,
    acked: usize,
    stored: usize,
    lost: usize,
    panics: u64,
}

fn report(
    load: &Load,
    config: &Config,
    wall: Duration,
    tally: BTreeMap<&'static str, Kind>,
    samples: &[u64],
    counts: Counts,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Database `{}`; {} customers; {} s: {} admins (a grid page each a second), {} storefront requests/s, {} orders/s.\n",
        config.database.url.split("://").next().unwrap_or_default(),
        load.customers,
        load.seconds,
        load.admins,
        load.storefront,
        load.orders
    );
    let _ = writeln!(
        out,
        "| request | answered | per second | errors | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|---|"
    );
    let mut errors = 0;
    for (name, mut kind) in tally {
        kind.times.sort();
        let failed: usize = kind.errors.values().sum();
        errors += failed;
        let _ = writeln!(
            out,
            "| {name} | {} | {:.0} | {failed}{} | {:.1} | {:.1} | {:.1} | {:.1} |",
            kind.times.len(),
            kind.times.len() as f64 / wall.as_secs_f64(),
            if failed > 0 {
                format!(" {:?}", kind.errors)
            } else {
                String::new()
            },
            ms(percentile(&kind.times, 0.5)),
            ms(percentile(&kind.times, 0.95)),
            ms(percentile(&kind.times, 0.99)),
            ms(kind.times.last().copied().unwrap_or_default()),
        );
    }
    let rss: Vec<String> = samples.iter().map(u64::to_string).collect();
    let _ = writeln!(
        out,
        "\nErrors: {errors}; not sent (over {MAX_IN_FLIGHT} in flight): {}; panics (any task, the server's included): {}. Orders acknowledged {}, in the database {}, acknowledged but missing (lost) {}.\nRSS (MiB, every {} s, this process: server and load generator): {}.",
        counts.unsent,
        counts.panics,
        counts.acked,
        counts.stored,
        counts.lost,
        SAMPLE_EVERY.as_secs(),
        rss.join(" → ")
    );
    out
}
