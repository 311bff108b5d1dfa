//! Admin > Email log: every message the store queued (to, subject, status, attempts, body), newest
//! first, filtered by recipient, template and status.
use crate::components::{ListTable, Pager, col, loaded};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

pub const PAGE_SIZE: u32 = 50;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmailRow {
    pub id: String,
    pub created_at: String,
    pub recipient: String,
    pub template: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmailMessage {
    pub row: EmailRow,
    pub locale: String,
    pub body: String,
    pub sent_at: Option<String>,
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EmailFilter {
    pub recipient: String,
    pub template: String,
    pub status: String,
    pub page: u32,
}

/// The statuses a message can have.
pub const STATUSES: &[&str] = &[
    "queued",
    "sending",
    "sent",
    "retry",
    "failed",
    "no_transport",
];
pub const TEMPLATES: &[&str] = &[
    "welcome",
    "confirm_email",
    "reset_password",
    "password_changed",
    "email_changed",
    "email_new",
];

#[cfg(feature = "ssr")]
const ROW_FIELDS: &str = "record::id(id) AS id, time::format(created_at, '%Y-%m-%d %H:%M:%S') AS created_at, \
     recipient, template, subject, status, attempts";

#[server(prefix = "/api/admin/email-log", endpoint = "list", input = server_fn::codec::Json)]
pub async fn list_emails(filter: EmailFilter) -> Result<(Vec<EmailRow>, bool), AppError> {
    crate::auth::caller::serve(crate::domain::Resource::EmailLog, |_| async move {
        let db = crate::state::app_state()?.db.clone();
        let mut conds = Vec::new();
        if !filter.recipient.trim().is_empty() {
            conds.push("recipient = $recipient");
        }
        if TEMPLATES.contains(&filter.template.as_str()) {
            conds.push("template = $template");
        }
        if STATUSES.contains(&filter.status.as_str()) {
            conds.push("status = $status");
        }
        let filter_sql = if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) };
        let start = crate::domain::grid::page_start(filter.page, PAGE_SIZE)?;
        let sql = format!(
            "SELECT {ROW_FIELDS}, created_at AS at FROM outbox {filter_sql} ORDER BY at DESC LIMIT {} START {start}",
            PAGE_SIZE + 1
        );
        let mut res = db
            .query(sql)
            .bind(("recipient", filter.recipient.trim().to_lowercase()))
            .bind(("template", filter.template.clone()))
            .bind(("status", filter.status.clone()))
            .await?;
        let rows: Vec<serde_json::Value> = res.take(0)?;
        let mut rows: Vec<EmailRow> = rows.into_iter().map(crate::db::from_json).collect::<Result<_, _>>()?;
        let more = rows.len() > PAGE_SIZE as usize;
        rows.truncate(PAGE_SIZE as usize);
        Ok((rows, more))
    })
    .await
}

#[server(prefix = "/api/admin/email-log", endpoint = "get")]
pub async fn get_email(id: String) -> Result<EmailMessage, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::EmailLog, |_| async move {
        let db = crate::state::app_state()?.db.clone();
        let mut res = db
            .query(format!(
                "SELECT {ROW_FIELDS}, locale, body, IF sent_at THEN time::format(sent_at, '%Y-%m-%d %H:%M:%S') END AS sent_at, last_error \
                 FROM ONLY type::record('outbox', $id)"
            ))
            .bind(("id", id))
            .await?;
        let row: Option<serde_json::Value> = res.take(0)?;
        let row = row.filter(|v| !v.is_null()).ok_or(AppError::NotFound)?;
        #[derive(Deserialize)]
        struct Full {
            #[serde(flatten)]
            row: EmailRow,
            locale: String,
            body: String,
            sent_at: Option<String>,
            last_error: Option<String>,
        }
        let f: Full = crate::db::from_json(row)?;
        Ok(EmailMessage { row: f.row, locale: f.locale, body: f.body, sent_at: f.sent_at, last_error: f.last_error })
    })
    .await
}

/// A template's name in the admin's language (the key itself for one this build does not know).
fn template_label(l: Locale, t: &str) -> String {
    match t {
        "welcome" => td_string!(l, email_log.template_welcome),
        "confirm_email" => td_string!(l, email_log.template_confirm_email),
        "reset_password" => td_string!(l, email_log.template_reset_password),
        "password_changed" => td_string!(l, email_log.template_password_changed),
        "email_changed" => td_string!(l, email_log.template_email_changed),
        "email_new" => td_string!(l, email_log.template_email_new),
        other => return other.to_owned(),
    }
    .to_owned()
}

fn status_label(l: Locale, s: &str) -> String {
    match s {
        "queued" => td_string!(l, email_log.status_queued),
        "sending" => td_string!(l, email_log.status_sending),
        "sent" => td_string!(l, email_log.status_sent),
        "retry" => td_string!(l, email_log.status_retry),
        "failed" => td_string!(l, email_log.status_failed),
        "no_transport" => td_string!(l, email_log.status_no_transport),
        other => return other.to_owned(),
    }
    .to_owned()
}

#[component]
pub fn EmailLogPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let filter = move || {
        let q = query.read();
        EmailFilter {
            recipient: q.get("to").unwrap_or_default(),
            template: q.get("template").unwrap_or_default(),
            status: q.get("status").unwrap_or_default(),
            page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        }
    };
    let list = Resource::new(filter, list_emails);
    view! {
        <Title text=move || t_string!(i18n, email_log.title).to_string() />
        <h1>{t!(i18n, email_log.title)}</h1>
        <form method="get" class="filters">
            <label for="el-to">{t!(i18n, email_log.to)}</label>
            <input id="el-to" name="to" type="email" prop:value=move || filter().recipient />
            <label for="el-template">{t!(i18n, email_log.template)}</label>
            <select id="el-template" name="template">
                <option value="">{t!(i18n, grid.any)}</option>
                {TEMPLATES.iter().map(|t| view! { <option value=*t selected=move || filter().template == *t>{move || template_label(i18n.get_locale(), t)}</option> }).collect_view()}
            </select>
            <label for="el-status">{t!(i18n, email_log.status)}</label>
            <select id="el-status" name="status">
                <option value="">{t!(i18n, grid.any)}</option>
                {STATUSES.iter().map(|s| view! { <option value=*s selected=move || filter().status == *s>{move || status_label(i18n.get_locale(), s)}</option> }).collect_view()}
            </select>
            <button type="submit">{t!(i18n, log.filter)}</button>
        </form>
        {loaded(list, move |(rows, more)| {
            let f = filter();
            let heads = vec![
                col(t!(i18n, log.when)),
                col(t!(i18n, email_log.to)),
                col(t!(i18n, email_log.subject)),
                col(t!(i18n, email_log.template)),
                col(t!(i18n, email_log.status)),
                col(t!(i18n, email_log.attempts)),
            ];
            let table = ListTable { heads, ..Default::default() }.rows(rows, |r| view! {
                <tr>
                    <td>{r.created_at}</td>
                    <td>{r.recipient}</td>
                    <td><A href=format!("/admin/email-log/{}", r.id)>{r.subject}</A></td>
                    <td>{let t = r.template.clone(); move || template_label(i18n.get_locale(), &t)}</td>
                    <td>{status_label(i18n.get_locale_untracked(), &r.status)}</td>
                    <td>{r.attempts}</td>
                </tr>
            });
            let prev = (f.page > 1).then(|| page_href(&f, f.page - 1));
            let next = more.then(|| page_href(&f, f.page.max(1) + 1));
            view! { {table} <Pager prev next /> }
        })}
    }
}

fn page_href(f: &EmailFilter, page: u32) -> String {
    let enc = |s: &str| crate::components::js_safe_encode(s);
    format!(
        "/admin/email-log?to={}&template={}&status={}&page={page}",
        enc(&f.recipient),
        enc(&f.template),
        enc(&f.status)
    )
}

#[component]
pub fn EmailMessagePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let message = Resource::new(id, get_email);
    view! {
        <Title text=move || t_string!(i18n, email_log.title).to_string() />
        <p><A href="/admin/email-log">{t!(i18n, email_log.back)}</A></p>
        {loaded(message, move |m| {
            view! {
                <h1>{m.row.subject.clone()}</h1>
                <dl class="facts">
                    <dt>{t!(i18n, email_log.to)}</dt><dd>{m.row.recipient.clone()}</dd>
                    <dt>{t!(i18n, log.when)}</dt><dd>{m.row.created_at.clone()}</dd>
                    <dt>{t!(i18n, email_log.template)}</dt><dd>{format!("{} ({})", template_label(i18n.get_locale(), &m.row.template), m.locale)}</dd>
                    <dt>{t!(i18n, email_log.status)}</dt><dd>{status_label(i18n.get_locale_untracked(), &m.row.status)}</dd>
                    <dt>{t!(i18n, email_log.attempts)}</dt><dd>{m.row.attempts}</dd>
                    <dt>{t!(i18n, email_log.sent_at)}</dt><dd>{m.sent_at.clone().unwrap_or_default()}</dd>
                    <dt>{t!(i18n, email_log.last_error)}</dt><dd>{m.last_error.clone().unwrap_or_default()}</dd>
                </dl>
                // Plain text, shown as text: nothing in a message is interpreted.
                <pre class="email-body" data-testid="email-body">{m.body.clone()}</pre>
            }.into_any()
        })}
    }
}
