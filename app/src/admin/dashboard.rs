//! The dashboard: customer count and new customers per day over the last week, and (for staff who
//! may see customers) orders and revenue over the last 30 days (`dashboard_sales`).
use super::dashboard_sales::SalesCard;
use super::now_online::OnlineFigures;
use crate::components::{ListTable, col, loaded};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayCount {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub count: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DashboardFigures {
    pub customers: u64,
    /// Seven entries, oldest first, ending today.
    pub new_customers: Vec<DayCount>,
}

/// Fills the seven days ending `today` with the counts found (days without customers get 0).
pub fn last_seven_days(today: chrono::NaiveDate, found: &[DayCount]) -> Vec<DayCount> {
    crate::domain::dates::days_ending(today, 7)
        .into_iter()
        .map(|day| {
            let count = found.iter().find(|d| d.day == day).map_or(0, |d| d.count);
            DayCount { day, count }
        })
        .collect()
}

#[server(prefix = "/api/admin/dashboard", endpoint = "figures")]
pub async fn fetch_dashboard() -> Result<DashboardFigures, AppError> {
    crate::auth::caller::serve(crate::auth::caller::AnyAdmin, |_| async move {
        use crate::db::from_json;
        use crate::state::app_state;
        let state = app_state()?;
        let today = chrono::Utc::now().date_naive();
        let since = (today - chrono::Duration::days(6))
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc();
        let mut res = state
            .db
            .query(
                "SELECT VALUE count FROM (SELECT count() AS count FROM customer GROUP ALL);
                 SELECT time::format(created_at, '%Y-%m-%d') AS day, count() AS count FROM customer
                   WHERE created_at >= <datetime>$since GROUP BY day;",
            )
            .bind(("since", since.to_rfc3339()))
            .await?;
        let total: Option<i64> = res.take(0)?;
        let by_day: Vec<serde_json::Value> = res.take(1)?;
        let by_day: Vec<DayCount> = by_day
            .into_iter()
            .map(from_json)
            .collect::<Result<_, _>>()?;
        Ok(DashboardFigures {
            customers: total.unwrap_or(0).max(0) as u64,
            new_customers: last_seven_days(today, &by_day),
        })
    })
    .await
}

/// Formats a whole number with the locale's digit grouping (1,234 / 1.234).
pub fn group_digits(n: u64, locale: Locale) -> String {
    let sep = match locale {
        Locale::en => ',',
        Locale::it | Locale::nl => '.',
    };
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let i18n = use_i18n();
    let figures = Resource::new(|| (), |_| fetch_dashboard());
    // Keep the figures fresh while the page is open.
    #[cfg(feature = "hydrate")]
    {
        let interval = gloo_timers::callback::Interval::new(60_000, move || figures.refetch());
        // The interval lives in the browser's single thread; the owner drops it with the page.
        let handle = StoredValue::new_local(Some(interval));
        on_cleanup(move || handle.update_value(|h| drop(h.take())));
    }
    let (as_table, set_as_table) = signal(false);
    view! {
        <Title text=move || t_string!(i18n, admin.dashboard).to_string() />
        <h1>{t!(i18n, admin.dashboard)}</h1>
        {loaded(figures, move |f| {
            {
                let total = f.customers;
                let days = f.new_customers.clone();
                let week: u64 = days.iter().map(|d| d.count).sum();
                view! {
                    <div class="figures">
                        <section class="figure" aria-labelledby="fig-customers">
                            <h2 id="fig-customers">{t!(i18n, dashboard.customers)}</h2>
                            <p class="number" data-testid="customer-count" data-value=total.to_string()>
                                {move || group_digits(total, i18n.get_locale())}
                            </p>
                        </section>
                        <OnlineFigures />
                        <section class="figure" aria-labelledby="fig-week">
                            <h2 id="fig-week">{t!(i18n, dashboard.new_last_7_days)}</h2>
                            <p class="number" data-testid="week-count">{move || group_digits(week, i18n.get_locale())}</p>
                        </section>
                    </div>
                    <section class="chart-card" aria-labelledby="fig-chart">
                        <div class="chart-head">
                            <h2 id="fig-chart">{t!(i18n, dashboard.new_by_day)}</h2>
                            <button type="button" class="secondary" aria-pressed=move || as_table.get().to_string()
                                on:click=move |_| set_as_table.update(|t| *t = !*t)>
                                {move || if as_table.get() {
                                    t_string!(i18n, dashboard.show_chart)
                                } else {
                                    t_string!(i18n, dashboard.show_table)
                                }}
                            </button>
                        </div>
                        {move || if as_table.get() {
                            view! { <DayTable days=days.clone() /> }.into_any()
                        } else {
                            view! { <DayChart days=days.clone() /> }.into_any()
                        }}
                    </section>
                    {crate::admin::admin_can(crate::domain::Resource::Customers).then(|| view! { <SalesCard as_table /> })}
                }
                .into_any()
            }
        })}
    }
}

#[component]
fn DayChart(days: Vec<DayCount>) -> impl IntoView {
    let i18n = use_i18n();
    let max = days.iter().map(|d| d.count).max().unwrap_or(0).max(1);
    let width = 44.0_f64;
    let height = 120.0_f64;
    let summary = days
        .iter()
        .map(|d| format!("{}: {}", d.day, d.count))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <svg class="chart" role="img" viewBox="0 0 320 150" data-testid="new-customers-chart"
            aria-label=move || format!("{} — {}", t_string!(i18n, dashboard.new_by_day), summary)>
            {days
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let h = (d.count as f64 / max as f64) * height;
                    let x = 6.0 + i as f64 * width;
                    view! {
                        <g>
                            <rect x=x y=130.0 - h width=width - 10.0 height=h.max(1.0) class="bar" />
                            <text x=x + (width - 10.0) / 2.0 y=145 text-anchor="middle" class="label">{d.day[8..].to_string()}</text>
                            <text x=x + (width - 10.0) / 2.0 y=126.0 - h text-anchor="middle" class="value">{d.count}</text>
                        </g>
                    }
                })
                .collect_view()}
        </svg>
    }
}

#[component]
fn DayTable(days: Vec<DayCount>) -> impl IntoView {
    let i18n = use_i18n();
    let list = ListTable {
        testid: Some("new-customers-table"),
        heads: vec![
            col(t!(i18n, dashboard.day)),
            col(t!(i18n, dashboard.new_customers)),
        ],
        ..Default::default()
    };
    list.rows(
        days,
        |d| view! { <tr><td>{d.day}</td><td>{d.count}</td></tr> },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_days_end_today_and_missing_days_are_zero() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let found = vec![
            DayCount {
                day: "2026-02-27".into(),
                count: 4,
            },
            DayCount {
                day: "2026-03-02".into(),
                count: 1,
            },
        ];
        let days = last_seven_days(today, &found);
        assert_eq!(days.len(), 7);
        assert_eq!(days[0].day, "2026-02-24");
        assert_eq!(
            days[3],
            DayCount {
                day: "2026-02-27".into(),
                count: 4
            }
        );
        assert_eq!(
            days[6],
            DayCount {
                day: "2026-03-02".into(),
                count: 1
            }
        );
        assert_eq!(days.iter().map(|d| d.count).sum::<u64>(), 5);
    }

    #[test]
    fn digits_are_grouped_per_locale() {
        assert_eq!(group_digits(100000, Locale::en), "100,000");
        assert_eq!(group_digits(1234567, Locale::it), "1.234.567");
        assert_eq!(group_digits(999, Locale::nl), "999");
        assert_eq!(group_digits(0, Locale::en), "0");
    }
}
