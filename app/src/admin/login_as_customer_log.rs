//! Admin > Customers > Login as Customer Log: every assistance session, with filters, paging and
//! CSV export.
use crate::components::{ErrorMessage, ListTable, Pager, col, fill, loaded};
use crate::error::{AppError, Problem};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

/// The log's filters, from its URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogQuery {
    /// Part of the admin's email or name.
    pub admin: String,
    /// A customer id, or part of their email.
    pub customer: String,
    /// `YYYY-MM-DD`, UTC, inclusive.
    pub from: String,
    pub to: String,
    /// "", "active" or "ended".
    pub status: String,
    pub page: u32,
}

pub const LOG_PAGE_SIZE: u32 = 50;

impl LogQuery {
    pub fn from_query_string(s: &str) -> Result<LogQuery, Problem> {
        let mut q = LogQuery {
            page: 1,
            ..Default::default()
        };
        for (k, v) in crate::domain::text::parse_query_string(s) {
            let v = v.trim().to_owned();
            if v.chars().count() > 128 {
                return Err(Problem::SearchTooLong);
            }
            if v.chars().any(char::is_control) {
                return Err(Problem::ControlCharacters);
            }
            // A calendar date of years 1-9999: chrono also reads "+262142-12-31", whose next day
            // does not exist.
            let date = |v: &str| {
                let ok = v.is_empty()
                    || chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                        .is_ok_and(|d| (1..=9999).contains(&chrono::Datelike::year(&d)));
                if ok {
                    Ok(v.to_owned())
                } else {
                    Err(Problem::DateInvalid)
                }
            };
            match k.as_str() {
                "admin" => q.admin = v,
                "customer" => q.customer = v,
                "from" => q.from = date(&v)?,
                "to" => q.to = date(&v)?,
                "status" if ["", "active", "ended"].contains(&v.as_str()) => q.status = v,
                "status" => return Err(Problem::FilterInvalid),
                "page" => q.page = crate::domain::grid::page_number(&v)?,
                _ => {}
            }
        }
        Ok(q)
    }

    pub fn to_query_string(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("admin", &self.admin),
            ("customer", &self.customer),
            ("from", &self.from),
            ("to", &self.to),
            ("status", &self.status),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", crate::domain::text::encode(v)));
            }
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        parts.join("&")
    }
}

/// One assistance session in the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssistEntry {
    pub admin_name: String,
    pub admin_email: String,
    pub customer_id: i64,
    pub customer_email: String,
    pub customer_name: String,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub started_at: String,
    pub ended_at: Option<String>,
    pub end_reason: Option<String>,
    pub ip: String,
    pub user_agent: String,
    pub website: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssistLog {
    pub entries: Vec<AssistEntry>,
    pub total: u64,
}

/// The log's rows matching `q`, newest first (`limit` rows from `start`).
#[cfg(feature = "ssr")]
pub async fn log_rows(
    db: &crate::db::Db,
    q: &LogQuery,
    start: u32,
    limit: u32,
) -> Result<AssistLog, AppError> {
    let mut conds = vec!["true"];
    let customer_id: Option<i64> = q.customer.parse().ok();
    if !q.admin.is_empty() {
        conds.push("string::contains(string::lowercase(admin_email + ' ' + admin_name), $admin)");
    }
    if customer_id.is_some() {
        conds.push("customer_id = $customer_id");
    } else if !q.customer.is_empty() {
        conds.push("string::contains(string::lowercase(customer_email), $customer)");
    }
    if !q.from.is_empty() {
        conds.push("started_at >= <datetime>$from");
    }
    if !q.to.is_empty() {
        conds.push("started_at < <datetime>$to");
    }
    match q.status.as_str() {
        "active" => conds.push("ended_at = NONE AND expires_at > time::now()"),
        "ended" => conds.push("(ended_at != NONE OR expires_at <= time::now())"),
        _ => {}
    }
    let filter = conds.join(" AND ");
    let fmt = "'%Y-%m-%d %H:%M:%S'";
    let sql = format!(
        "SELECT VALUE n FROM (SELECT count() AS n FROM assistance WHERE {filter} GROUP ALL);
         SELECT admin_name, admin_email, customer_id, customer_email, customer_name, ip, user_agent, website,
            time::format(started_at, {fmt}) AS started_at, started_at AS started,
            IF ended_at != NONE THEN time::format(ended_at, {fmt}) ELSE IF expires_at < time::now() THEN time::format(expires_at, {fmt}) ELSE NONE END AS ended_at,
            end_reason ?? (IF expires_at < time::now() THEN 'timed_out' ELSE NONE END) AS end_reason
         FROM assistance WHERE {filter} ORDER BY started DESC LIMIT $limit START $start;"
    );
    let day = |d: &str, plus: i64| {
        chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.checked_add_signed(chrono::Duration::days(plus)))
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().to_rfc3339())
    };
    let mut res = db
        .query(sql)
        .bind(("admin", q.admin.to_lowercase()))
        .bind(("customer", q.customer.to_lowercase()))
        .bind(("customer_id", customer_id))
        .bind(("from", day(&q.from, 0)))
        .bind(("to", day(&q.to, 1)))
        .bind(("limit", i64::from(limit)))
        .bind(("start", i64::from(start)))
        .await?;
    let total: Option<i64> = res.take(0)?;
    let rows: Vec<serde_json::Value> = res.take(1)?;
    Ok(AssistLog {
        total: total.unwrap_or(0).max(0) as u64,
        entries: rows
            .into_iter()
            .map(crate::db::from_json)
            .collect::<Result<_, _>>()?,
    })
}

#[server(prefix = "/api/admin/login-as-customer-log", endpoint = "list")]
pub async fn list_assistance_log(query: String) -> Result<AssistLog, AppError> {
    crate::auth::caller::serve(
        crate::domain::Resource::LoginAsCustomerLog,
        |_| async move {
            let q = LogQuery::from_query_string(&query)?;
            let db = crate::state::app_state()?.db.clone();
            let start = crate::domain::grid::page_start(q.page, LOG_PAGE_SIZE)?;
            log_rows(&db, &q, start, LOG_PAGE_SIZE).await
        },
    )
    .await
}

/// `GET /api/admin/login-as-customer-log/export?<filters>`: the matching log as CSV (the guard has
/// checked the session and the log permission).
#[cfg(feature = "ssr")]
pub async fn export_log(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let refuse = |e: AppError| {
        let status =
            http::StatusCode::from_u16(e.status()).unwrap_or(http::StatusCode::BAD_REQUEST);
        (status, axum::Json(e)).into_response()
    };
    let q = match LogQuery::from_query_string(query.as_deref().unwrap_or("")) {
        Ok(q) => q,
        Err(p) => return refuse(p.into()),
    };
    let log = match log_rows(&state.db, &q, 0, 100_000).await {
        Ok(l) => l,
        Err(e) => return refuse(e),
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "started_at",
        "ended_at",
        "end_reason",
        "admin_name",
        "admin_email",
        "customer_id",
        "customer_email",
        "customer_name",
        "ip",
        "user_agent",
        "website",
    ];
    let mut written = out.write_record(header).is_ok();
    for e in &log.entries {
        let id = e.customer_id.to_string();
        let row = [
            e.started_at.as_str(),
            e.ended_at.as_deref().unwrap_or(""),
            e.end_reason.as_deref().unwrap_or(""),
            &e.admin_name,
            &e.admin_email,
            &id,
            &e.customer_email,
            &e.customer_name,
            &e.ip,
            &e.user_agent,
            &e.website,
        ]
        .map(|v| crate::domain::text::defuse_formula(v).into_owned());
        written &= out.write_record(&row).is_ok();
    }
    let bytes = match out.into_inner() {
        Ok(b) if written => b,
        _ => return refuse(AppError::internal("cannot write the log CSV")),
    };
    (
        [
            (http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"login-as-customer-log.csv\"",
            ),
        ],
        bytes,
    )
        .into_response()
}

fn reason_label(l: Locale, reason: &str) -> &'static str {
    match reason {
        "ended_by_staff" => td_string!(l, assist.reason_staff),
        "timed_out" => td_string!(l, assist.reason_timed_out),
        "admin_signed_out" => td_string!(l, assist.reason_signed_out),
        "admin_session_ended" => td_string!(l, assist.reason_session_ended),
        "feature_off" => td_string!(l, assist.reason_feature_off),
        "consent_withdrawn" => td_string!(l, assist.reason_consent),
        "permission_revoked" => td_string!(l, assist.reason_permission),
        _ => td_string!(l, assist.reason_customer),
    }
}

#[component]
pub fn AssistanceLogPage() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let parsed = Memo::new(move |_| {
        LogQuery::from_query_string(location.search.get().trim_start_matches('?'))
    });
    let query = Memo::new(move |_| {
        parsed.get().unwrap_or_else(|_| LogQuery {
            page: 1,
            ..Default::default()
        })
    });
    let log = Resource::new(move || query.get().to_query_string(), list_assistance_log);
    let link = |q: &LogQuery| {
        let s = q.to_query_string();
        if s.is_empty() {
            "/admin/login-as-customer-log".to_owned()
        } else {
            format!("/admin/login-as-customer-log?{s}")
        }
    };
    view! {
        <Title text=move || t_string!(i18n, assist.log_title).to_string() />
        <h1>{t!(i18n, assist.log_title)}</h1>
        {move || parsed.get().err().map(|p| view! { <ErrorMessage error=Signal::derive(move || Some(AppError::Invalid(p))) /> })}
        {move || {
            let q = query.get();
            view! {
                <form class="card online-filters" method="get" action="/admin/login-as-customer-log">
                    <div class="field"><label for="l-admin">{t!(i18n, assist.col_admin)}</label>
                        <input id="l-admin" name="admin" value=q.admin.clone() /></div>
                    <div class="field"><label for="l-customer">{t!(i18n, assist.col_customer)}</label>
                        <input id="l-customer" name="customer" value=q.customer.clone() /></div>
                    <div class="field"><label for="l-from">{t!(i18n, assist.from)}</label>
                        <input id="l-from" name="from" type="date" value=q.from.clone() /></div>
                    <div class="field"><label for="l-to">{t!(i18n, assist.to)}</label>
                        <input id="l-to" name="to" type="date" value=q.to.clone() /></div>
                    <div class="field"><label for="l-status">{t!(i18n, assist.status)}</label>
                        <select id="l-status" name="status">
                            <option value="" selected=q.status.is_empty()>{t!(i18n, online.any)}</option>
                            <option value="active" selected=q.status == "active">{t!(i18n, assist.active)}</option>
                            <option value="ended" selected=q.status == "ended">{t!(i18n, assist.ended)}</option>
                        </select></div>
                    <p class="actions">
                        <button type="submit">{t!(i18n, grid.apply_filters)}</button>
                        <a class="button secondary" download="login-as-customer-log.csv"
                            href=format!("/api/admin/login-as-customer-log/export?{}", LogQuery { page: 1, ..q.clone() }.to_query_string())>
                            {t!(i18n, assist.export)}</a>
                    </p>
                </form>
            }
        }}
        {loaded(log, move |log| {
            let q = query.get_untracked();
            {
                let l = i18n.get_locale_untracked();
                let pages = log.total.div_ceil(u64::from(LOG_PAGE_SIZE)).max(1) as u32;
                let prev = (q.page > 1).then(|| link(&LogQuery { page: q.page - 1, ..q.clone() }));
                let next = (q.page < pages).then(|| link(&LogQuery { page: q.page + 1, ..q.clone() }));
                let heads = vec![
                    col(t!(i18n, assist.col_started)),
                    col(t!(i18n, assist.col_ended)),
                    col(t!(i18n, assist.col_admin)),
                    col(t!(i18n, assist.col_customer)),
                    col(t!(i18n, assist.col_ip)),
                    col(t!(i18n, online.col_website)),
                ];
                let list = ListTable {
                    class: "assist-log",
                    heads,
                    empty: Some(t!(i18n, assist.log_empty).into_any()),
                    ..Default::default()
                };
                let total = log.total;
                let table = list.rows(log.entries, |e| {
                    let ended = match (&e.ended_at, &e.end_reason) {
                        (Some(at), Some(r)) => format!("{at} ({})", reason_label(l, r)),
                        (Some(at), None) => at.clone(),
                        _ => td_string!(l, assist.active).to_owned(),
                    };
                    view! {
                        <tr data-testid="assist-log-row" data-active=e.ended_at.is_none().to_string()>
                            <td>{e.started_at.clone()}</td>
                            <td>{ended}</td>
                            <td>{e.admin_name.clone()}<br/><span class="muted">{e.admin_email.clone()}</span></td>
                            <td><A href=format!("/admin/customers/{}", e.customer_id)>{format!("#{} {}", e.customer_id, e.customer_name)}</A>
                                <br/><span class="muted">{e.customer_email.clone()}</span></td>
                            <td>{e.ip.clone()}</td>
                            <td>{e.website.clone()}</td>
                        </tr>
                    }
                });
                view! {
                    <p class="total">{fill(td_string!(l, assist.log_total), &[("n", &total.to_string())])}</p>
                    {table}
                    <Pager prev next position=(q.page, u64::from(pages)) />
                }.into_any()
            }
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_filters_round_trip_and_refuse_bad_values() {
        let q = LogQuery::from_query_string(
            "admin=ann&customer=42&from=2026-11-01&to=2026-11-21&status=ended&page=3",
        )
        .unwrap();
        assert_eq!(
            (q.customer.as_str(), q.status.as_str(), q.page),
            ("42", "ended", 3)
        );
        assert_eq!(
            LogQuery::from_query_string(&q.to_query_string()).unwrap(),
            q
        );
        assert_eq!(
            LogQuery::from_query_string("from=21/11/2026"),
            Err(Problem::DateInvalid)
        );
        assert_eq!(
            LogQuery::from_query_string("status=maybe"),
            Err(Problem::FilterInvalid)
        );
        assert_eq!(
            LogQuery::from_query_string("page=0"),
            Err(Problem::FilterInvalid)
        );
    }
}
