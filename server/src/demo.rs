//! On an empty database in demo mode: a demo admin (printed once), demo customers, the catalog,
//! their orders and shopping activity.
use crate::config::Config;
use app::admin::users::{AdminUserInput, store};
use app::state::AppState;
use rand::Rng;
use rand::distributions::Alphanumeric;

pub async fn ensure_demo(state: &AppState, config: &Config) -> anyhow::Result<()> {
    if !config.demo.enabled {
        return Ok(());
    }
    if store::count(&state.db)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        == 0
    {
        let password = config.demo.admin_password.clone().unwrap_or_else(|| {
            rand::thread_rng()
                .sample_iter(&Alphanumeric)
                .take(20)
                .map(char::from)
                .collect()
        });
        let input = AdminUserInput {
            id: None,
            email: config.demo.admin_email.clone(),
            first_name: "Demo".into(),
            last_name: "Admin".into(),
            role_id: "administrators".into(),
            active: true,
            password: password.clone(),
        };
        store::save(&state.db, &state.hasher, input, None)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        println!();
        println!(
            "  Demo admin created — sign in at {}",
            config
                .base_url()
                .join("admin")
                .map(|u| u.to_string())
                .unwrap_or_default()
        );
        println!("    email:    {}", config.demo.admin_email);
        println!("    password: {password}");
        println!();
    }
    let mut res = state
        .db
        .query("SELECT VALUE count FROM (SELECT count() AS count FROM customer GROUP ALL)")
        .await?;
    let customers: Option<i64> = res.take(0)?;
    if customers.unwrap_or(0) == 0 && config.demo.customers > 0 {
        let report = crate::seed::seed(&state.db, config.demo.customers).await?;
        state.customers.catch_up(&state.db).await?;
        tracing::info!(
            customers = report.customers,
            products = report.products,
            orders = report.orders,
            carts = report.activity.carts,
            wishlists = report.activity.wishlists,
            views = report.activity.views,
            "seeded demo customers, the catalog, orders, carts, wish lists and product views"
        );
    }
    Ok(())
}
