//! Background jobs of one app server: writing Now Online's activity and product views, pruning old
//! visitors and views, and closing Login as Customer sessions whose time or admin session is over.
use app::state::AppState;
use std::time::Duration;

/// Flushes noted activity every `flush_every`; every 30 s ends lapsed assistance sessions; every
/// 10 minutes deletes visitor rows older than a day.
pub fn spawn_online(state: AppState, flush_every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(flush_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_sweep = tokio::time::Instant::now();
        let mut last_prune = tokio::time::Instant::now();
        loop {
            tick.tick().await;
            if let Err(e) = state.activity.flush(&state.db).await {
                tracing::warn!(error = ?e, pending = state.activity.pending(), "activity flush failed; retrying next time");
            }
            if let Err(e) = state.views.flush(&state.db).await {
                tracing::warn!(error = ?e, pending = state.views.pending(), "product view flush failed; retrying next time");
            }
            if last_sweep.elapsed() >= Duration::from_secs(30) {
                last_sweep = tokio::time::Instant::now();
                if let Err(e) = app::auth::assist::sweep(&state.db).await {
                    tracing::warn!(error = ?e, "assistance sweep failed");
                }
            }
            if last_prune.elapsed() >= Duration::from_secs(600) {
                last_prune = tokio::time::Instant::now();
                if let Err(e) = app::activity::prune(&state.db).await {
                    tracing::warn!(error = ?e, "visitor prune failed");
                }
                let days = app::customers::settings::settings(&state.db)
                    .await
                    .map_or(90, |s| s.product_view_days);
                if let Err(e) = app::activity::views::prune(&state.db, days).await {
                    tracing::warn!(error = ?e, "product view prune failed");
                }
            }
        }
    });
}
