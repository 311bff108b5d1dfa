//! Hostile input (issue 17): every payload of `server/tests/corpus/` is sent to the storefront's
//! forms, the admin's server functions and the REST API, as a field's value and as a whole body.
//! No answer is a 5xx or shows internals, nothing is stored with a control character in an email,
//! and the log holds no panic.
use crate::api::{staff, token};
use crate::common::{Reply, TestApp, logged, spawn_app_with};
use std::collections::BTreeMap;

/// The corpus, by file name.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// Bytes as a form value (any bytes: a browser percent-encodes them the same way).
fn form_value(bytes: &[u8]) -> String {
    url::form_urlencoded::byte_serialize(bytes).collect()
}

/// `{"<before>…"<field>": "<bytes>"…}` with the payload's bytes spliced in as they are (a JSON
/// string when they are UTF-8, else deliberately broken JSON).
fn json_with(template: &str, bytes: &[u8]) -> Vec<u8> {
    let inside = match std::str::from_utf8(bytes) {
        Ok(s) => {
            let quoted = serde_json::to_string(s).unwrap();
            quoted.as_bytes()[1..quoted.len() - 1].to_vec()
        }
        Err(_) => bytes.to_vec(),
    };
    let (a, b) = template.split_once("@@").unwrap();
    [a.as_bytes(), &inside, b.as_bytes()].concat()
}

/// An answer a client can act on: a 2xx, or a 4xx; never a 5xx, a stack trace or the database's
/// own words.
fn sane(r: &Reply, what: &str) {
    assert!(
        (200..500).contains(&r.status),
        "{what}: {} {}",
        r.status,
        r.body.chars().take(300).collect::<String>()
    );
    let lower = r.body.to_lowercase();
    for leak in [
        "panicked",
        "stack backtrace",
        "surrealdb",
        "surrealql",
        "rocksdb",
    ] {
        assert!(!lower.contains(leak), "{what} shows internals: {}", r.body);
    }
}

struct Caller<'a> {
    app: &'a TestApp,
    admin: String,
    api: String,
}

impl Caller<'_> {
    async fn form(&self, path: &str, admin: bool, body: &str) -> Reply {
        let origin = self.app.origin();
        let cookie = format!("clientele_admin={}", self.admin);
        let mut headers = vec![
            ("Origin", origin.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
        ];
        if admin {
            headers.push(("Cookie", cookie.as_str()));
        }
        self.app
            .request_bytes("POST", path, &headers, body.as_bytes())
            .await
    }

    async fn admin_json(&self, path: &str, body: &[u8]) -> Reply {
        let origin = self.app.origin();
        let cookie = format!("clientele_admin={}", self.admin);
        let headers = [
            ("Origin", origin.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
            ("Cookie", cookie.as_str()),
        ];
        self.app.request_bytes("POST", path, &headers, body).await
    }

    async fn api(&self, method: &str, path: &str, body: &[u8]) -> Reply {
        let auth = format!("Bearer {}", self.api);
        let headers = [
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
            ("Sec-Fetch-Site", "cross-site"),
        ];
        self.app.request_bytes(method, path, &headers, body).await
    }
}

/// Sends one payload everywhere, counting each entry point's answers by status.
async fn send_everywhere(
    c: &Caller<'_>,
    name: &str,
    p: &[u8],
    seen: &mut BTreeMap<&'static str, BTreeMap<u16, usize>>,
) {
    let v = form_value(p);
    let password = "copper+kettle+lantern";
    let mut replies = vec![
        (
            "register",
            c.form(
                "/api/account/register",
                false,
                &format!(
                    "firstname={v}&lastname={v}&email={v}&password={password}&password_confirmation={password}"
                ),
            )
            .await,
        ),
        (
            "sign in",
            c.form("/api/account/sign_in", false, &format!("email={v}&password={v}"))
                .await,
        ),
        (
            "forgot",
            c.form("/api/account/forgot", false, &format!("email={v}")).await,
        ),
        (
            "segment count",
            c.form("/api/admin/segments/count", true, &format!("conditions={v}"))
                .await,
        ),
        (
            "admin customer save",
            c.admin_json(
                "/api/admin/customers/save",
                &json_with(
                    r#"{"input":{"website":"main","group":1,"firstname":"@@","lastname":"Lee","email":"hostile@example.com","prefix":"","middlename":"","suffix":"","dob":"","taxvat":"","gender":"","addresses":[],"default_billing":null,"default_shipping":null,"newsletter":false,"assistance_allowed":false}}"#,
                    p,
                ),
            )
            .await,
        ),
        (
            "admin customer save (raw)",
            c.admin_json("/api/admin/customers/save", p).await,
        ),
        ("api customer (raw)", c.api("POST", "/api/v1/customers", p).await),
        (
            "api customer",
            c.api(
                "POST",
                "/api/v1/customers",
                &json_with(
                    r#"{"website":"main","group":1,"firstname":"Ann","lastname":"Lee","email":"@@"}"#,
                    p,
                ),
            )
            .await,
        ),
        (
            "api customer external id",
            c.api(
                "POST",
                "/api/v1/customers",
                &json_with(
                    r#"{"website":"main","group":1,"firstname":"Xi","lastname":"Lee","email":"xid@example.com","external_id":"@@"}"#,
                    p,
                ),
            )
            .await,
        ),
        ("api orders (raw)", c.api("POST", "/api/v1/orders", p).await),
        (
            "api cart evaluate",
            c.api(
                "POST",
                "/api/v1/carts/evaluate",
                &json_with(r#"{"coupon":"@@","items":[{"sku":"S","qty":1,"price":1}]}"#, p),
            )
            .await,
        ),
        (
            "api cart evaluate (raw)",
            c.api("POST", "/api/v1/carts/evaluate", p).await,
        ),
        (
            "api customers keyword",
            c.api("GET", &format!("/api/v1/customers?q={v}"), b"").await,
        ),
        (
            "api audience key",
            c.api(
                "PUT",
                &format!("/api/v1/audiences/{}", v.replace('+', "%20")),
                br#"{"name":"x"}"#,
            )
            .await,
        ),
    ];
    for (what, r) in replies.drain(..) {
        sane(&r, &format!("{name} → {what}"));
        *seen.entry(what).or_default().entry(r.status).or_default() += 1;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_payload_of_the_corpus_gets_a_clear_answer_everywhere() {
    // Limits that would turn the later payloads into 429s would hide what they do.
    let app = spawn_app_with(|c| {
        c.rate_limit.per_minute = 0;
        c.rate_limit.api_per_minute = 1_000_000;
    })
    .await;
    let admin = app
        .admin_with_role("hostile@example.com", "administrators")
        .await;
    let it = staff(&app).await;
    let scopes = [
        "customers:read",
        "customers:write",
        "orders:write",
        "audiences:write",
        "promotions:read",
    ];
    let (_, api) = token(&app, &it, "Hostile", &scopes).await;
    let c = Caller {
        app: &app,
        admin,
        api,
    };
    let files = corpus();
    assert!(
        files.len() >= 100,
        "the corpus holds {} payloads",
        files.len()
    );
    let mut seen = BTreeMap::new();
    for (name, p) in &files {
        send_everywhere(&c, name, p, &mut seen).await;
    }
    // Each entry point let the caller in and read the input: not one answered only "who are
    // you" or "not allowed", and each told some payloads apart from others.
    for (what, statuses) in &seen {
        assert!(
            statuses.keys().any(|s| !matches!(s, 401 | 403)),
            "{what}: {statuses:?}"
        );
        eprintln!("{what}: {statuses:?}");
    }
    // Nothing was stored with a control character or a line break in an email or external id.
    let mut res = app
        .state
        .db
        .query(
            "RETURN count(SELECT id FROM customer WHERE string::contains(email, '\\r') \
             OR string::contains(email, '\\n') OR string::contains(email, '\\0') \
             OR string::contains(external_id ?? '', '\\r') \
             OR string::contains(external_id ?? '', '\\n') \
             OR string::contains(external_id ?? '', '\\0'))",
        )
        .await
        .unwrap();
    let bad: Option<i64> = res.take(0).unwrap();
    assert_eq!(bad, Some(0));
    assert!(!logged("panicked"), "a request panicked");
}

/// The corpus's spreadsheet formulas, saved as customers' names, leave the export as text: no
/// cell of the CSV starts a formula.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formulas_in_customer_data_leave_the_export_as_text() {
    let app = spawn_app_with(|c| c.rate_limit.per_minute = 0).await;
    let admin = app
        .admin_with_role("formulas@example.com", "administrators")
        .await;
    let mut saved = 0;
    for (i, (name, bytes)) in corpus()
        .iter()
        .filter(|(n, _)| n.starts_with("csv-formula"))
        .enumerate()
    {
        let payload = String::from_utf8_lossy(bytes)
            .trim_end_matches('\n')
            .to_owned();
        let input = serde_json::json!({"input": {"id": null, "website": "main", "group": 1,
            "prefix": "", "firstname": payload, "middlename": "", "lastname": payload,
            "suffix": "", "email": format!("formula{i}@example.com"), "dob": "", "gender": "",
            "taxvat": "", "newsletter": false, "assistance_allowed": false, "addresses": [],
            "default_billing": null, "default_shipping": null}});
        let r = app
            .call_json("/api/admin/customers/save", &admin, &input)
            .await;
        sane(&r, &format!("{name} → customers/save"));
        saved += usize::from(r.status == 200);
    }
    assert!(saved >= 5, "only {saved} formula names were accepted");
    let r = app
        .get(
            "/api/admin/customers/export?format=csv&cols=id,name,email,taxvat",
            &admin,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut reader = csv::Reader::from_reader(r.body.as_bytes());
    let cells: Vec<String> = reader
        .records()
        .flat_map(|row| row.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    let defused = cells.iter().filter(|c| c.starts_with("'")).count();
    assert!(defused >= saved, "{cells:?}");
    for c in &cells {
        assert!(
            !c.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "a cell starts a formula: {c:?}"
        );
    }
}
