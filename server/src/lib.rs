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
    state_on(connect(config).await?, config).await
}

/// Connects to the database and applies pending migrations.
pub async fn connect(config: &config::Config) -> anyhow::Result<app::db::Db> {
    let db = app::db::connect(&config.db_target())
        .await
        .with_context(|| format!("cannot open the database at {}", config.database.url))?;
    let applied = app::db::migrations::migrate(&db).await?;
    if !applied.is_empty() {
        tracing::info!(versions = ?applied, "applied schema migrations");
    }
    Ok(db)
}

/// The shared state of one app server on an open, migrated database, its read models built
/// (tests start several on one).
pub async fn state_on(db: app::db::Db, config: &config::Config) -> anyhow::Result<AppState> {
    let (state, warmup) = open_state(db, config).await?;
    warmup.finish().await?;
    Ok(state)
}

/// What an app server builds after it starts answering: the customers' read model, then the
/// segments' members over it. Until it is done the storefront is served (its placements show what
/// targets everyone) and readers of the read model are told `AppError::Preparing`.
pub struct Warmup {
    state: AppState,
}

impl Warmup {
    /// Builds the read model and the segments, then opens the read model to readers and to the
    /// change feed.
    pub async fn finish(self) -> anyhow::Result<()> {
        let (db, customers) = (&self.state.db, &self.state.customers);
        customers
            .build(db)
            .await
            .map_err(|e| anyhow::anyhow!("cannot build the customer grid index: {e}"))?;
        app::segments::start(db, customers, &self.state.segments)
            .await
            .map_err(|e| anyhow::anyhow!("cannot compute the segments' members: {e}"))?;
        self.open().await;
        Ok(())
    }

    /// `finish`, each step tried again every few seconds until it succeeds (the database may be
    /// away): what `clientele serve` runs once it listens.
    pub async fn finish_in_background(self) {
        let started = std::time::Instant::now();
        let (db, customers) = (&self.state.db, &self.state.customers);
        until_done("the customer grid index", || customers.build(db)).await;
        until_done("the segments' members", || {
            app::segments::start(db, customers, &self.state.segments)
        })
        .await;
        self.open().await;
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            "read models ready: the admin and the API answer in full"
        );
    }

    /// Opens the read model: what was written meanwhile is applied, then the feed is followed.
    async fn open(&self) {
        let (db, customers) = (&self.state.db, &self.state.customers);
        if let Err(e) = customers.open(db).await {
            // The follower reads the feed every second from here on: it will be applied.
            tracing::warn!(error = %e, "customer change feed not read on opening");
        }
        customers.spawn_follower(db.clone());
    }
}

/// Runs `step` until it succeeds, waiting `WARMUP_RETRY` after each failure.
async fn until_done<F, Fut>(what: &str, mut step: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), app::error::AppError>>,
{
    loop {
        match step().await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, what, "not built yet; trying again");
                tokio::time::sleep(WARMUP_RETRY).await;
            }
        }
    }
}

/// How long a failed warm-up waits before it tries again.
const WARMUP_RETRY: std::time::Duration = std::time::Duration::from_secs(5);

/// The shared state of one app server on an open, migrated database, answering at once, and the
/// warm-up that builds its read models.
pub async fn open_state(
    db: app::db::Db,
    config: &config::Config,
) -> anyhow::Result<(AppState, Warmup)> {
    let customers = app::customers::feed::CustomerIndex::unbuilt();
    let audiences = app::audiences::Audiences::start(&db)
        .await
        .map_err(|e| anyhow::anyhow!("cannot load the audiences: {e}"))?;
    let segments = app::segments::unstarted(audiences.clone());
    let content = app::content::start(&db, &customers)
        .await
        .map_err(|e| anyhow::anyhow!("cannot load the dynamic blocks: {e}"))?;
    let visitor_key = app::activity::VisitorKey::load(&db).await?;
    let leptos = LeptosOptions::builder()
        .output_name("clientele")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .build();
    let state = AppState::new(app::state::Parts {
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
    });
    let warmup = Warmup {
        state: state.clone(),
    };
    Ok((state, warmup))
}
