//! The Clientele server: wires configuration, database, sessions, mail, jobs, routes and commands.
pub mod bench;
pub mod config;
pub mod csrf;
pub mod db_guard;
pub mod demo;
pub mod jobs;
pub mod mail;
pub mod rate_limit;
pub mod routes;
pub mod seed;
pub mod telemetry;

use anyhow::Context;
use app::auth::password::PasswordHasher;
use app::state::AppState;
use leptos::config::LeptosOptions;

/// Connects to the database, applies pending migrations, and builds the shared state.
pub async fn build_state(config: &config::Config) -> anyhow::Result<AppState> {
    let db = app::db::connect(&config.db_target())
        .await
        .with_context(|| format!("cannot open the database at {}", config.database.url))?;
    let applied = app::db::migrations::migrate(&db).await?;
    if !applied.is_empty() {
        tracing::info!(versions = ?applied, "applied schema migrations");
    }
    state_on(db, config).await
}

/// The shared state of one app server on an open, migrated database (tests start several on one).
pub async fn state_on(db: app::db::Db, config: &config::Config) -> anyhow::Result<AppState> {
    let customers = app::customers::feed::CustomerIndex::start(&db)
        .await
        .map_err(|e| anyhow::anyhow!("cannot build the customer grid index: {e}"))?;
    let audiences = app::audiences::Audiences::start(&db)
        .await
        .map_err(|e| anyhow::anyhow!("cannot load the audiences: {e}"))?;
    let segments = app::segments::start(&db, &customers, audiences.clone())
        .await
        .map_err(|e| anyhow::anyhow!("cannot compute the segments' members: {e}"))?;
    let content = app::content::start(&db, &customers)
        .await
        .map_err(|e| anyhow::anyhow!("cannot load the dynamic blocks: {e}"))?;
    customers.spawn_follower(db.clone());
    let visitor_key = app::activity::VisitorKey::load(&db).await?;
    let leptos = LeptosOptions::builder()
        .output_name("clientele")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .build();
    Ok(AppState::new(app::state::Parts {
        // An embedded store cannot go away while the process runs: only a remote one is probed.
        db_health: if config.database.url.starts_with("ws") {
            app::db::health::DbHealth::start(&db)
        } else {
            app::db::health::DbHealth::always_up()
        },
        db,
        // Each hash holds 19 MiB for ~50 ms: two at a time per core.
        hasher: PasswordHasher::new(
            std::thread::available_parallelism().map_or(2, |n| n.get() * 2),
        ),
        secure_cookies: config.secure_cookies(),
        leptos,
        customers,
        segments,
        content,
        audiences,
        audience_tokens: config
            .audiences
            .token_key
            .as_deref()
            .and_then(app::audiences::token::TokenKey::new),
        base_url: config.base_url.trim_end_matches('/').to_owned(),
        activity: std::sync::Arc::new(app::activity::Tracker::new(
            config.online.tracking,
            std::time::Duration::from_secs(config.online.push_seconds),
            visitor_key,
        )),
        views: std::sync::Arc::default(),
        token_limits: app::auth::integration::TokenLimits::new(config.rate_limit.api_per_minute),
        api_reference: std::sync::Arc::new(app::domain::api_reference::operations(
            &serde_json::to_value(app::api::parts().1)?,
        )),
    }))
}
