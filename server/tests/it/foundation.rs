//! The foundation, black-box: configuration errors, migrations, the admin guard over HTTP,
//! sign-in cookies, CSRF, health, and the seeded count on the dashboard.

use crate::common::spawn_app;
use figment::Figment;
use figment::providers::Serialized;
use server::config::Config;

fn config_with(key: &str, value: &str) -> Result<Config, server::config::ConfigError> {
    Config::from_figment(Figment::from(Serialized::defaults(Config::default())).merge((key, value)))
}

#[test]
fn config_errors_name_the_key() {
    let cases = [
        ("listen", "not-an-address", "listen"),
        ("base_url", "ftp://shop.example", "base_url"),
        ("database.url", "postgres://x", "database.url"),
        ("database.url", "ws://127.0.0.1:8000", "database.username"),
        ("rate_limit.per_minute", "lots", "rate_limit.per_minute"),
        ("log.format", "xml", "log.format"),
        ("smtp.host", "mail.example", "smtp.from"),
    ];
    for (key, value, named) in cases {
        let err = config_with(key, value).expect_err(key).to_string();
        assert!(err.contains(&format!("`{named}`")), "{key}={value}: {err}");
    }
    let err = config_with("lisen", "127.0.0.1:1")
        .expect_err("unknown key")
        .to_string();
    assert!(err.contains("`lisen`"), "{err}");
}

#[test]
#[expect(clippy::result_large_err, reason = "figment::Jail's closure signature")]
fn config_reads_the_file_then_the_environment() {
    figment::Jail::expect_with(|jail| {
        jail.create_file(
            "clientele.toml",
            "listen = \"127.0.0.1:4000\"\n[database]\nurl = \"mem://\"\n",
        )?;
        jail.set_env("CLIENTELE_LISTEN", "127.0.0.1:5000");
        let c = Config::load(std::path::Path::new("clientele.toml")).expect("config");
        assert_eq!(c.listen.port(), 5000, "environment wins over the file");
        assert_eq!(c.database.url, "mem://");
        jail.set_env("CLIENTELE_DATABASE__URL", "rocksdb://");
        let err = Config::load(std::path::Path::new("clientele.toml"))
            .expect_err("empty rocksdb path")
            .to_string();
        assert!(err.contains("`database.url`"), "{err}");
        jail.set_env("CLIENTELE_DATABASE__URL", "mem://");
        jail.set_env("CLIENTELE_LISTEN", "127.0.0.1:notaport");
        let err = Config::load(std::path::Path::new("clientele.toml"))
            .expect_err("bad port")
            .to_string();
        assert!(
            err.contains("`listen`") && err.contains("CLIENTELE_LISTEN"),
            "{err}"
        );
        Ok(())
    });
}

async fn migrations_are_idempotent_on(url: &str) {
    let target = app::db::DbTarget {
        url: url.into(),
        namespace: "t".into(),
        database: "t".into(),
        credentials: None,
    };
    let db = app::db::connect(&target).await.expect("connect");
    let all: Vec<i64> = app::db::migrations::MIGRATIONS
        .iter()
        .map(|m| m.version)
        .collect();
    let first = app::db::migrations::migrate(&db).await.expect("first run");
    assert_eq!(first, all);
    let second = app::db::migrations::migrate(&db).await.expect("second run");
    assert!(second.is_empty(), "nothing applied twice: {second:?}");
    assert_eq!(
        app::db::migrations::applied_versions(&db).await.unwrap(),
        all
    );
    let mut res = db
        .query("SELECT VALUE count FROM (SELECT count() AS count FROM customer_group GROUP ALL)")
        .await
        .unwrap();
    let groups: Option<i64> = res.take(0).unwrap();
    assert_eq!(groups, Some(4), "seed rows of a migration are written once");
}

#[tokio::test]
async fn migrations_are_idempotent_in_memory() {
    migrations_are_idempotent_on("mem://").await;
}

#[tokio::test]
async fn migrations_are_idempotent_on_rocksdb() {
    let dir = tempfile::tempdir().unwrap();
    migrations_are_idempotent_on(&format!("rocksdb://{}", dir.path().display())).await;
}

#[tokio::test]
async fn concurrent_start_ups_apply_each_migration_once() {
    let db = crate::common::mem_database().await;
    let other_session = db.clone();
    let (a, b) = tokio::join!(
        app::db::migrations::migrate(&db),
        app::db::migrations::migrate(&other_session)
    );
    let mut got = a.expect("a");
    got.extend(b.expect("b"));
    got.sort();
    let all: Vec<i64> = app::db::migrations::MIGRATIONS
        .iter()
        .map(|m| m.version)
        .collect();
    assert_eq!(got, all, "exactly one of the two applied each");
}

#[tokio::test]
async fn admin_server_functions_refuse_callers_without_a_session() {
    let app = spawn_app().await;
    let r = app.call("/api/admin/users/list", None, "").await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(r.body.contains("Unauthenticated"), "{}", r.body);
    let r = app
        .call("/api/admin/dashboard/figures", Some(&"0".repeat(64)), "")
        .await;
    assert_eq!(r.status, 401, "an unknown session is no session");
}

#[tokio::test]
async fn admin_server_functions_refuse_roles_without_the_permission() {
    let app = spawn_app().await;
    let role = app::admin::roles::store::save(
        &app.state.db,
        app::admin::roles::RoleInput {
            id: None,
            name: "Support".into(),
            permissions: vec![app::domain::Resource::Customers],
        },
    )
    .await
    .unwrap();
    let support = app.admin_with_role("support@example.com", &role).await;
    let r = app.call("/api/admin/users/list", Some(&support), "").await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("Forbidden"));
    let r = app
        .call(
            "/api/admin/roles/save",
            Some(&support),
            "input[name]=Escalate",
        )
        .await;
    assert_eq!(r.status, 403);
    // Signed in is enough for the dashboard.
    let r = app
        .call("/api/admin/dashboard/figures", Some(&support), "")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let admin = app
        .admin_with_role("boss@example.com", "administrators")
        .await;
    let r = app.call("/api/admin/users/list", Some(&admin), "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("support@example.com"));
    // An admin API path nobody mapped is refused even to Administrators (fail closed).
    let r = app
        .call("/api/admin/backdoor/anything", Some(&admin), "")
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn cross_site_posts_are_refused_even_with_a_session() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("boss@example.com", "administrators")
        .await;
    let cookie = format!("clientele_admin={admin}");
    let cross = app
        .request(
            "POST",
            "/api/admin/users/list",
            &[
                ("Sec-Fetch-Site", "cross-site"),
                ("Origin", "https://evil.example"),
                ("Cookie", &cookie),
            ],
            "",
        )
        .await;
    assert_eq!(cross.status, 403);
    let evil_origin = app
        .request(
            "POST",
            "/api/admin/users/list",
            &[("Origin", "https://evil.example"), ("Cookie", &cookie)],
            "",
        )
        .await;
    assert_eq!(evil_origin.status, 403);
    let no_headers = app
        .request("POST", "/api/admin/users/list", &[("Cookie", &cookie)], "")
        .await;
    assert_eq!(
        no_headers.status, 403,
        "admin posts without Origin or Sec-Fetch-Site are refused"
    );
    let sign_in = app
        .request(
            "POST",
            "/api/admin/auth/sign_in",
            &[("Sec-Fetch-Site", "cross-site")],
            "email=a%40b.co&password=x",
        )
        .await;
    assert_eq!(sign_in.status, 403, "login CSRF is refused too");
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie_and_a_wrong_password_sets_none() {
    let app = spawn_app().await;
    app.admin_with_role("boss@example.com", "administrators")
        .await;
    let wrong = app
        .call(
            "/api/admin/auth/sign_in",
            None,
            "email=boss%40example.com&password=wrong+password+here",
        )
        .await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    assert!(wrong.body.contains("InvalidCredentials"), "{}", wrong.body);
    assert!(wrong.header("set-cookie").is_none());
    let unknown = app
        .call(
            "/api/admin/auth/sign_in",
            None,
            "email=nobody%40example.com&password=wrong+password+here",
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.body.clone()),
        (wrong.status, wrong.body.clone()),
        "no account enumeration"
    );

    let ok = app
        .call(
            "/api/admin/auth/sign_in",
            None,
            "email=Boss%40Example.com&password=correct+horse+battery+staple",
        )
        .await;
    assert!(ok.status < 400, "{} {}", ok.status, ok.body);
    let cookie = ok.header("set-cookie").expect("session cookie");
    assert!(cookie.starts_with("clientele_admin="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{attr} missing: {cookie}");
    }
    let token = cookie
        .trim_start_matches("clientele_admin=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let me = app.call("/api/admin/me/current", Some(&token), "").await;
    assert_eq!(me.status, 200);
    assert!(me.body.contains("boss@example.com"));

    let out = app.call("/api/admin/auth/sign_out", Some(&token), "").await;
    assert!(out.status < 400);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    let after = app.call("/api/admin/me/current", Some(&token), "").await;
    assert_eq!(after.status, 401, "the old cookie no longer works");
}

#[tokio::test]
async fn admin_pages_send_visitors_to_sign_in_and_are_never_cached() {
    let app = spawn_app().await;
    let r = app.request("GET", "/admin/users?page=2", &[], "").await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some("/admin/login?next=%2Fadmin%2Fusers%3Fpage%3D2")
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let health = app.request("GET", "/healthz", &[], "").await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    assert_eq!(health.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn the_bundle_is_served_precompressed_and_revalidated_on_each_use() {
    let app = spawn_app().await;
    // The test servers' site root is the temporary directory (common::spawn_app).
    let pkg = std::env::temp_dir().join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg directory");
    let name = format!("bundle-test-{}.css", std::process::id());
    std::fs::write(pkg.join(&name), "body { color: black }").expect("file");
    std::fs::write(pkg.join(format!("{name}.br")), "the brotli copy").expect("brotli copy");
    let path = format!("/pkg/{name}");

    let br = app
        .request("GET", &path, &[("accept-encoding", "br, gzip")], "")
        .await;
    assert_eq!(br.status, 200);
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(br.body, "the brotli copy");
    assert_eq!(br.header("cache-control"), Some("no-cache"));
    let plain = app.request("GET", &path, &[], "").await;
    assert_eq!(plain.body, "body { color: black }");
    assert_eq!(plain.header("cache-control"), Some("no-cache"));
    let modified = plain.header("last-modified").expect("Last-Modified");
    let again = app
        .request("GET", &path, &[("if-modified-since", modified)], "")
        .await;
    assert_eq!(again.status, 304, "unchanged: the browser's copy is used");

    let _ = std::fs::remove_file(pkg.join(format!("{name}.br")));
    let _ = std::fs::remove_file(pkg.join(name));
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_any_handler() {
    let app = spawn_app().await;
    let big = "a".repeat(server::routes::MAX_BODY_BYTES + 10);
    let r = app.call("/api/admin/auth/sign_in", None, &big).await;
    assert_eq!(r.status, 413);
}

#[tokio::test]
async fn the_dashboard_counts_seeded_customers() {
    let app = spawn_app().await;
    let n = server::seed::seed_customers(&app.state.db, 100_000)
        .await
        .expect("seed");
    assert_eq!(n.len(), 100_000);
    let admin = app
        .admin_with_role("boss@example.com", "administrators")
        .await;
    let r = app
        .call("/api/admin/dashboard/figures", Some(&admin), "")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let figures: app::admin::dashboard::DashboardFigures = serde_json::from_str(&r.body).unwrap();
    assert_eq!(figures.customers, 100_000);
    assert_eq!(figures.new_customers.len(), 7);
    assert!(
        figures.new_customers.iter().map(|d| d.count).sum::<u64>() > 0,
        "some joined this week"
    );
}

/// Pages render while other routers are built in the same process: generating the route list
/// once per process keeps leptos' process-wide "suppress resource loads" flag from hanging a page
/// whose resources are first polled meanwhile (it did, now and then, until the 408).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_while_more_routers_are_built() {
    let app = crate::common::spawn_app_with_timeout(std::time::Duration::from_secs(10)).await;
    let state = app.state.clone();
    let building = tokio::task::spawn_blocking(move || {
        for _ in 0..30 {
            let limits = server::rate_limit::Limits::new(&server::config::RateLimitConfig {
                per_minute: 0,
                trust_forwarded_for: false,
                api_per_minute: server::config::DEFAULT_API_PER_MINUTE,
            });
            let allowed = server::csrf::AllowedOrigin("http://127.0.0.1".into());
            drop(server::routes::router(state.clone(), allowed, limits));
        }
    });
    let pages = (0..60).map(|_| app.request("GET", "/", &[], ""));
    let statuses: Vec<u16> = futures::future::join_all(pages)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    building.await.unwrap();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}
