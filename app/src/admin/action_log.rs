//! The admin action log: who did what to which customer, when; written in the same transaction as
//! the change it records (`db::action_log`), and listed for admins holding the Action Log
//! permission.
use crate::components::{ListTable, Pager, col, loaded};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

pub const PAGE_SIZE: u32 = 50;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub at: String,
    pub admin_email: String,
    pub action: String,
    pub customer: Option<i64>,
    pub count: i64,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogPage {
    pub entries: Vec<LogEntry>,
    pub has_more: bool,
}

/// Newest first; `customer` narrows to one customer's entries.
#[server(prefix = "/api/admin/action-log", endpoint = "list", input = server_fn::codec::Json)]
pub async fn list_action_log(customer: Option<i64>, page: u32) -> Result<LogPage, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::ActionLog, |_| async move {
        let db = crate::state::app_state()?.db.clone();
        let start = crate::domain::grid::page_start(page, PAGE_SIZE)?;
        let filter = if customer.is_some() {
            "WHERE customer = $customer"
        } else {
            ""
        };
        let sql = format!(
            "SELECT time::format(at, '%Y-%m-%d %H:%M:%S') AS at, admin_email, action, customer, count, detail \
             FROM action_log {filter} ORDER BY at DESC LIMIT {} START {start}",
            PAGE_SIZE + 1
        );
        let mut res = db.query(sql).bind(("customer", customer)).await?;
        let rows: Vec<serde_json::Value> = res.take(0)?;
        let mut entries: Vec<LogEntry> = rows
            .into_iter()
            .map(crate::db::from_json)
            .collect::<Result<_, _>>()?;
        let has_more = entries.len() > PAGE_SIZE as usize;
        entries.truncate(PAGE_SIZE as usize);
        Ok(LogPage { entries, has_more })
    })
    .await
}

#[component]
pub fn ActionLogPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let params = move || {
        let q = query.read();
        (
            q.get("customer").and_then(|c| c.parse::<i64>().ok()),
            q.get("page")
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(1)
                .max(1),
        )
    };
    let log = Resource::new(params, |(c, p)| list_action_log(c, p));
    view! {
        <Title text=move || t_string!(i18n, log.title).to_string() />
        <h1>{t!(i18n, log.title)}</h1>
        <form method="get" class="filters">
            <label for="log-customer">{t!(i18n, log.customer_id)}</label>
            <input id="log-customer" name="customer" type="number" min="1"
                prop:value=move || params().0.map(|c| c.to_string()).unwrap_or_default() />
            <button type="submit">{t!(i18n, log.filter)}</button>
        </form>
        {loaded(log, move |p| {
            let (customer, page) = params();
            let heads = vec![
                col(t!(i18n, log.when)),
                col(t!(i18n, log.who)),
                col(t!(i18n, log.action)),
                col(t!(i18n, log.customer)),
                col(t!(i18n, log.count)),
                col(t!(i18n, log.detail)),
            ];
            let table = ListTable { heads, ..Default::default() }.rows(p.entries, |e| view! {
                <tr>
                    <td>{e.at}</td>
                    <td>{e.admin_email}</td>
                    <td>{e.action}</td>
                    <td>{e.customer.map(|c| view! { <A href=format!("/admin/customers/{c}")>{c.to_string()}</A> })}</td>
                    <td>{e.count}</td>
                    <td>{e.detail}</td>
                </tr>
            });
            let prev = (page > 1).then(|| page_href(customer, page - 1));
            let next = p.has_more.then(|| page_href(customer, page + 1));
            view! { {table} <Pager prev next /> }
        })}
    }
}

fn page_href(customer: Option<i64>, page: u32) -> String {
    match customer {
        Some(c) => format!("/admin/action-log?customer={c}&page={page}"),
        None => format!("/admin/action-log?page={page}"),
    }
}
