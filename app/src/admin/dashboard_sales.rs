//! The dashboard's sales card: orders and revenue (paid less refunded, canceled orders left out)
//! per day over the last 30 days, as a chart or a table.
use crate::components::{ListTable, col, loaded};
use crate::domain::money::Cents;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Days the card covers, ending today.
pub const DAYS: i64 = 30;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SalesDay {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub orders: u64,
    pub revenue: Cents,
}

/// The `DAYS` days ending `today`, oldest first, with the figures found (others 0).
pub fn last_days(today: chrono::NaiveDate, found: &[SalesDay]) -> Vec<SalesDay> {
    crate::domain::dates::days_ending(today, DAYS)
        .into_iter()
        .map(|day| {
            found
                .iter()
                .find(|d| d.day == day)
                .cloned()
                .unwrap_or(SalesDay {
                    day,
                    orders: 0,
                    revenue: Cents(0),
                })
        })
        .collect()
}

#[server(prefix = "/api/admin/dashboard", endpoint = "sales")]
pub async fn fetch_sales() -> Result<Vec<SalesDay>, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Customers, |_| async move {
        #[derive(Deserialize)]
        struct Row {
            day: String,
            orders: u64,
            revenue: i64,
        }
        let db = crate::state::app_state()?.db.clone();
        let today = chrono::Utc::now().date_naive();
        let since = (today - chrono::Duration::days(DAYS - 1))
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc();
        let mut res = db
            .query(
                "SELECT time::format(created_at, '%Y-%m-%d') AS day, count() AS orders, \
                   math::sum(net) AS revenue FROM sales_order \
                   WHERE created_at >= <datetime>$since AND status != 'canceled' GROUP BY day",
            )
            .bind(("since", since.to_rfc3339()))
            .await?;
        let rows: Vec<serde_json::Value> = res.take(0)?;
        let found: Vec<SalesDay> = rows
            .into_iter()
            .map(|r| {
                crate::db::from_json::<Row>(r).map(|r| SalesDay {
                    day: r.day,
                    orders: r.orders,
                    revenue: Cents(r.revenue),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(last_days(today, &found))
    })
    .await
}

/// The card (shown to staff who may see customers); the dashboard's one chart/table switch turns
/// it too.
#[component]
pub fn SalesCard(as_table: ReadSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let days = Resource::new(|| (), |_| fetch_sales());
    view! {
        <section class="chart-card" aria-labelledby="fig-sales">
            <div class="chart-head">
                <h2 id="fig-sales">{t!(i18n, dashboard.sales_by_day)}</h2>
            </div>
            {loaded(days, move |days| {
                move || if as_table.get() { sales_table(days.clone()) } else { sales_chart(days.clone()) }
            })}
        </section>
    }
}

fn sales_chart(days: Vec<SalesDay>) -> AnyView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let max = days.iter().map(|d| d.revenue.0).max().unwrap_or(0).max(1);
    let (width, height) = (20.0_f64, 120.0_f64);
    let summary = days
        .iter()
        .map(|d| {
            format!(
                "{}: {} / {}",
                d.day,
                d.orders,
                d.revenue.localized(l.as_ref())
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <svg class="chart" role="img" viewBox="0 0 620 150" data-testid="sales-chart"
            aria-label=move || format!("{} — {}", t_string!(i18n, dashboard.sales_by_day), summary)>
            {days.iter().enumerate().map(|(i, d)| {
                let h = (d.revenue.0 as f64 / max as f64) * height;
                let x = 10.0 + i as f64 * width;
                let label = (i % 5 == 4).then(|| d.day[5..].to_string());
                view! {
                    <g>
                        <rect x=x y=130.0 - h width=width - 4.0 height=h.max(1.0) class="bar" />
                        {label.map(|t| view! { <text x=x + (width - 4.0) / 2.0 y=145 text-anchor="middle" class="label">{t}</text> })}
                    </g>
                }
            }).collect_view()}
        </svg>
    }
    .into_any()
}

fn sales_table(days: Vec<SalesDay>) -> AnyView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    ListTable {
        testid: Some("sales-table"),
        heads: vec![
            col(t!(i18n, dashboard.day)),
            col(t!(i18n, orders.orders)),
            col(t!(i18n, dashboard.revenue)),
        ],
        ..Default::default()
    }
    .rows(days, move |d| {
        view! { <tr><td>{d.day}</td><td class="num">{d.orders}</td><td class="num">{d.revenue.localized(l.as_ref())}</td></tr> }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_days_end_today_and_quiet_days_are_zero() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let found = vec![SalesDay {
            day: "2026-02-27".into(),
            orders: 3,
            revenue: Cents(12_345),
        }];
        let days = last_days(today, &found);
        assert_eq!(days.len(), DAYS as usize);
        assert_eq!(days[0].day, "2026-02-01");
        assert_eq!(days[DAYS as usize - 1].day, "2026-03-02");
        assert_eq!(days[26], found[0]);
        assert_eq!(days.iter().map(|d| d.orders).sum::<u64>(), 3);
    }
}
