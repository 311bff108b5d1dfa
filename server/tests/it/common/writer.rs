//! A `clientele serve` process on the embedded RocksDB store under write load (customers, order
//! batches, settings saves at once), what it acknowledged, and the check that every acknowledged
//! write is there afterwards and nothing is half-written. The crash and disk-full tests use it.

use super::cluster::{Child, DbAccess, wait_ready};
use super::{Reply, try_request_to};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const ORDERS_PER_BATCH: usize = 50;
const ADMIN: &str = "crash@example.com";
/// Customers' numbers, unique over every run (their emails are `crash<n>@example.com`).
static NEXT_CUSTOMER: AtomicUsize = AtomicUsize::new(0);
const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// What the server said it wrote, and what it refused.
#[derive(Default)]
pub struct Acked {
    pub customers: Vec<(i64, String)>,
    pub orders: Vec<String>,
    /// Settings saves: the values of `street_lines` acknowledged, in order.
    pub settings: Vec<u64>,
    /// Each answer other than 200 (a writer stops at its first): status and body.
    pub refused: Vec<(u16, String)>,
}

impl Acked {
    pub fn total(&self) -> usize {
        self.customers.len() + self.orders.len() + self.settings.len()
    }
}

/// Where the process under load keeps its data.
pub enum Store {
    /// RocksDB under the process's directory (`DIR/db`).
    Embedded,
    /// A `surreal` server, over ws:// with root credentials.
    Remote(DbAccess),
}

impl Store {
    /// A node in this test process on the same data (to read it back).
    fn config(&self, dir: &Path) -> server::config::Config {
        let mut config = match self {
            Store::Embedded => {
                let mut c = server::config::Config::default();
                c.database.url = format!("rocksdb://{}", dir.join("db").display());
                c
            }
            Store::Remote(db) => db.config(),
        };
        config.site_root = dir.to_owned();
        config
    }
}

fn clientele(dir: &Path, store: &Store) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clientele"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("CLIENTELE_")) {
        cmd.env_remove(k);
    }
    cmd.current_dir(dir)
        .env("CLIENTELE_RATE_LIMIT__PER_MINUTE", "0")
        .env("CLIENTELE_LOG__LEVEL", "warn")
        .env("CLIENTELE_SITE_ROOT", dir);
    match store {
        Store::Embedded => cmd.env(
            "CLIENTELE_DATABASE__URL",
            format!("rocksdb://{}", dir.join("db").display()),
        ),
        Store::Remote(db) => cmd
            .env("CLIENTELE_DATABASE__URL", &db.url)
            .env("CLIENTELE_DATABASE__DATABASE", &db.database)
            .env("CLIENTELE_DATABASE__USERNAME", "root")
            .env("CLIENTELE_DATABASE__PASSWORD", &db.password),
    };
    cmd
}

/// Creates the writers' admin in `store` (`clientele admin create`).
pub fn create_admin(dir: &Path, store: &Store) {
    let mut create = clientele(dir, store)
        .args(["admin", "create", "--email", ADMIN, "--password-stdin"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    let mut stdin = create.stdin.take().unwrap();
    stdin.write_all(ADMIN_PASSWORD.as_bytes()).unwrap();
    drop(stdin);
    assert!(create.wait().unwrap().success());
}

/// Starts `clientele serve` on `port`, its log in `DIR/log`; returns once it is healthy.
pub async fn serve(dir: &Path, store: &Store, port: u16) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("log"))
        .unwrap();
    let mut child = Child::spawn(
        clientele(dir, store)
            .arg("serve")
            .env("CLIENTELE_LISTEN", format!("127.0.0.1:{port}"))
            .env("CLIENTELE_BASE_URL", format!("http://127.0.0.1:{port}"))
            .stdout(log.try_clone().unwrap())
            .stderr(log),
    )
    .unwrap();
    wait_ready(&mut child, port, Some("/readyz"), &dir.join("log")).await;
    child
}

/// The admin's session and an integration token that may write orders.
pub struct Keys {
    origin: String,
    cookie: String,
    token: String,
}

async fn post(addr: SocketAddr, keys: &Keys, path: &str, body: &Value) -> Option<Reply> {
    let headers = [
        ("Origin", keys.origin.as_str()),
        ("Sec-Fetch-Site", "same-origin"),
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
        ("Cookie", keys.cookie.as_str()),
    ];
    let body = body.to_string();
    try_request_to(addr, "POST", path, &headers, body.as_bytes())
        .await
        .ok()
}

pub async fn sign_in(addr: SocketAddr) -> Keys {
    let origin = format!("http://{addr}");
    let form = format!(
        "email={}&password={}",
        crate::common::enc(ADMIN),
        crate::common::enc(ADMIN_PASSWORD)
    );
    let headers = [
        ("Origin", origin.as_str()),
        ("Sec-Fetch-Site", "same-origin"),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let r = try_request_to(
        addr,
        "POST",
        "/api/admin/auth/sign_in",
        &headers,
        form.as_bytes(),
    )
    .await
    .unwrap();
    let cookie = r
        .headers_named("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("clientele_admin="))
        .and_then(|c| c.split(';').next())
        .expect("admin session")
        .to_owned();
    let mut keys = Keys {
        origin,
        cookie,
        token: String::new(),
    };
    let input = json!({ "input": { "name": "Checkout", "scopes": ["orders:write"] } });
    let r = post(addr, &keys, "/api/admin/integrations/create", &input)
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    keys.token = serde_json::from_str::<Value>(&r.body).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    keys
}

fn customer_input(n: usize) -> Value {
    json!({"input": {"id": null, "website": "main", "group": 1, "prefix": "", "firstname": "Crash",
        "middlename": "", "lastname": format!("Test{n}"), "suffix": "", "email": format!("crash{n}@example.com"),
        "dob": "", "gender": "", "taxvat": "", "newsletter": false, "assistance_allowed": false,
        "addresses": [{"id": "", "firstname": "Crash", "lastname": "Test", "company": "",
            "street": ["Via Roma 1"], "city": "Milano", "region": "Lombardia", "postcode": "20100",
            "country_id": "IT", "telephone": "+39 02 1", "vat_id": ""}],
        "default_billing": 0, "default_shipping": 0}})
}

fn order(number: &str, customer: &(i64, String)) -> Value {
    json!({
        "number": number, "customer_email": customer.1, "customer_id": customer.0,
        "currency": "EUR", "status": "processing", "subtotal": 10.0, "grand_total": 10.0,
        "created_at": "2026-11-30T10:00:00Z",
        "items": [{ "sku": "MJ01", "name": "Jacket", "qty": 1, "price": 10.0, "row_total": 10.0 }],
    })
}

/// Writes until `stop` or until the server stops answering; each acknowledged write is noted.
pub async fn write(
    addr: SocketAddr,
    keys: Arc<Keys>,
    acked: Arc<Mutex<Acked>>,
    stop: Arc<AtomicBool>,
) {
    let customers = {
        let (keys, acked, stop) = (keys.clone(), acked.clone(), stop.clone());
        async move {
            while !stop.load(Ordering::SeqCst) {
                let n = NEXT_CUSTOMER.fetch_add(1, Ordering::SeqCst);
                let Some(r) =
                    post(addr, &keys, "/api/admin/customers/save", &customer_input(n)).await
                else {
                    return;
                };
                if r.status != 200 {
                    acked.lock().unwrap().refused.push((r.status, r.body));
                    return;
                }
                let id: i64 = r.body.trim().parse().unwrap();
                acked
                    .lock()
                    .unwrap()
                    .customers
                    .push((id, format!("crash{n}@example.com")));
            }
        }
    };
    let orders = {
        let (keys, acked, stop) = (keys.clone(), acked.clone(), stop.clone());
        async move {
            while !stop.load(Ordering::SeqCst) {
                let buyer = acked.lock().unwrap().customers.last().cloned();
                let Some(buyer) = buyer else {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    continue;
                };
                let batch: Vec<(String, Value)> = {
                    let buyer = &buyer;
                    (0..ORDERS_PER_BATCH)
                        .map(|_| {
                            let number = format!("K-{:032x}", rand::random::<u128>());
                            let o = order(&number, buyer);
                            (number, o)
                        })
                        .collect()
                };
                let body = json!({ "items": batch.iter().map(|(_, o)| o).collect::<Vec<_>>() });
                let auth = format!("Bearer {}", keys.token);
                let headers = [
                    ("Authorization", auth.as_str()),
                    ("Content-Type", "application/json"),
                ];
                let Ok(r) = try_request_to(
                    addr,
                    "POST",
                    "/api/v1/orders/batch",
                    &headers,
                    body.to_string().as_bytes(),
                )
                .await
                else {
                    return;
                };
                let v: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
                if r.status != 200 || v["created"] != json!(ORDERS_PER_BATCH) {
                    acked.lock().unwrap().refused.push((r.status, r.body));
                    return;
                }
                acked
                    .lock()
                    .unwrap()
                    .orders
                    .extend(batch.into_iter().map(|(n, _)| n));
            }
        }
    };
    let settings = async move {
        let headers = [
            ("Origin", keys.origin.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", keys.cookie.as_str()),
        ];
        let Ok(r) = try_request_to(addr, "POST", "/api/admin/settings/get", &headers, b"").await
        else {
            return;
        };
        let Ok((mut s, _, _)) = serde_json::from_str::<(Value, Value, Value)>(&r.body) else {
            return;
        };
        for lines in (1..=4).cycle() {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            s["street_lines"] = lines.into();
            let Some(r) = post(
                addr,
                &keys,
                "/api/admin/settings/save",
                &json!({ "settings": s }),
            )
            .await
            else {
                return;
            };
            if r.status != 200 {
                acked.lock().unwrap().refused.push((r.status, r.body));
                return;
            }
            acked.lock().unwrap().settings.push(lines);
        }
    };
    tokio::join!(customers, orders, settings);
}

/// What stops the writers on the way, and what brings the service back.
pub trait Interruption {
    /// Kills something (SIGKILL) while the writers are sending.
    fn kill(&mut self);
    /// Starts it again; returns once the app server answers.
    fn recover(&mut self) -> impl std::future::Future<Output = ()>;
    /// Everything the processes logged, to show when a check fails.
    fn logs(&self) -> String;
}

/// A `clientele serve` process under load, killed and started again on the same port and store.
pub struct AppProcess<'a> {
    pub dir: &'a Path,
    pub store: &'a Store,
    pub port: u16,
    pub child: Child,
}

impl<'a> AppProcess<'a> {
    pub async fn start(dir: &'a Path, store: &'a Store, port: u16) -> AppProcess<'a> {
        let child = serve(dir, store, port).await;
        AppProcess {
            dir,
            store,
            port,
            child,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        ([127, 0, 0, 1], self.port).into()
    }
}

impl Interruption for AppProcess<'_> {
    fn kill(&mut self) {
        self.child.kill();
    }

    async fn recover(&mut self) {
        self.child = serve(self.dir, self.store, self.port).await;
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }
}

/// Writes to `addr` until `writes` are acknowledged, interrupting `kills` times on the way (after
/// each equal share); the writers stop at their first unanswered or refused request, and start
/// again once the service recovers. What was acknowledged and refused is in `acked`.
pub async fn write_through(
    addr: SocketAddr,
    keys: Arc<Keys>,
    writes: usize,
    kills: usize,
    interruption: &mut impl Interruption,
) -> Acked {
    let acked: Arc<Mutex<Acked>> = Arc::default();
    for run in 0..=kills {
        let stop = Arc::new(AtomicBool::new(false));
        let writer = tokio::spawn(write(addr, keys.clone(), acked.clone(), stop.clone()));
        let goal = writes * (run + 1) / (kills + 1);
        while acked.lock().unwrap().total() < goal {
            assert!(
                !writer.is_finished(),
                "the writers stopped early ({:?}); the logs:\n{}",
                acked.lock().unwrap().refused,
                interruption.logs()
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        if run < kills {
            interruption.kill();
            writer.await.unwrap();
            interruption.recover().await;
        } else {
            stop.store(true, Ordering::SeqCst);
            writer.await.unwrap();
        }
    }
    std::mem::take(&mut *acked.lock().unwrap())
}

/// Opens what the server left (as a node of our own) and checks it against what was acknowledged.
pub async fn verify(dir: &Path, store: &Store, acked: &Acked) {
    let state = server::build_state(&store.config(dir))
        .await
        .expect("the database opens");
    let db = &state.db;
    let mut res = db
        .query(
            "SELECT VALUE [record::id(id), email] FROM customer WHERE string::starts_with(email, 'crash'); \
             RETURN count(SELECT id FROM customer WHERE string::starts_with(email, 'crash') \
                AND array::len(addresses) != 1); \
             SELECT VALUE number FROM sales_order; \
             RETURN count(SELECT id FROM sales_order WHERE array::len(items) != 1); \
             SELECT VALUE street_lines FROM ONLY setting:customer;",
        )
        .await
        .unwrap();
    let customers: Vec<(i64, String)> = res.take(0).unwrap();
    let without_address: Option<i64> = res.take(1).unwrap();
    let orders: Vec<String> = res.take(2).unwrap();
    let without_items: Option<i64> = res.take(3).unwrap();
    let street_lines: Option<u64> = res.take(4).unwrap();
    let stored: std::collections::HashSet<&(i64, String)> = customers.iter().collect();
    let lost: Vec<_> = acked
        .customers
        .iter()
        .filter(|c| !stored.contains(c))
        .collect();
    assert!(lost.is_empty(), "acknowledged customers lost: {lost:?}");
    let numbers: std::collections::HashSet<&String> = orders.iter().collect();
    let lost = acked.orders.iter().filter(|n| !numbers.contains(n)).count();
    assert_eq!(lost, 0, "acknowledged orders lost");
    assert_eq!((without_address, without_items), (Some(0), Some(0)));
    assert_eq!(street_lines, acked.settings.last().copied());
    // The read model the restarted node built holds every customer; statistics match a recount.
    let missing = {
        let ix = state.customers.read();
        customers.iter().filter(|(id, _)| !ix.contains(*id)).count()
    };
    assert_eq!(missing, 0, "customers missing from the read model");
    let mut res = db
        .query("SELECT customer, count() AS n FROM sales_order GROUP BY customer")
        .await
        .unwrap();
    let counts: Vec<Value> = res.take(0).unwrap();
    for c in counts {
        let id = c["customer"].as_i64().expect("orders of a customer");
        let sales = app::sales::read::sales_of_customer(db, id).await.unwrap();
        let kept: u64 = sales.iter().map(|s| u64::from(s.orders)).sum();
        assert_eq!(kept, c["n"].as_u64().unwrap(), "customer {id}'s statistics");
    }
}
