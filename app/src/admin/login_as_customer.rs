//! Login as Customer from the back office: the eligibility check, the start (a POST that opens the
//! storefront in a new tab with its own assistance cookie), the button on the customer page and the
//! grid, and Admin > Customers > Login as Customer Log with filters and CSV export.
use crate::components::{ErrorMessage, error_text, fill};
use crate::error::{AppError, Problem};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_query_map};
use serde::{Deserialize, Serialize};

/// Who staff are about to assist, for the confirmation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssistTarget {
    pub customer_id: i64,
    pub name: String,
    pub email: String,
    pub minutes: u32,
    pub website: String,
}

/// Everything that must hold before staff may act as `customer`: the feature is on, the customer
/// exists and is not locked, and has consented when the settings require it.
#[cfg(feature = "ssr")]
async fn eligible(
    db: &crate::db::Db,
    customer: i64,
) -> Result<(AssistTarget, crate::domain::customer::CustomerSettings), AppError> {
    let settings = crate::customers::repo::settings(db).await?;
    if !settings.assist_enabled {
        return Err(Problem::AssistDisabled.into());
    }
    let mut res = db
        .query(
            "SELECT email, firstname, lastname, assistance_allowed, record::id(website) AS website, \
                (locked_until ?? d'1970-01-01T00:00:00Z') > time::now() AS locked \
             FROM ONLY type::record('customer', $id)",
        )
        .bind(("id", customer))
        .await?;
    let row: Option<serde_json::Value> = res.take(0)?;
    let Some(row) = row.filter(|v| !v.is_null()) else {
        return Err(Problem::AssistCustomerMissing.into());
    };
    if row["locked"].as_bool() == Some(true) {
        return Err(Problem::AssistCustomerLocked.into());
    }
    if settings.assist_consent_required && row["assistance_allowed"].as_bool() != Some(true) {
        return Err(Problem::AssistNoConsent.into());
    }
    let text = |k: &str| row[k].as_str().unwrap_or("").to_owned();
    let website = if settings.assist_website.is_empty() {
        text("website")
    } else {
        settings.assist_website.clone()
    };
    let target = AssistTarget {
        customer_id: customer,
        name: format!("{} {}", text("firstname"), text("lastname"))
            .trim()
            .to_owned(),
        email: text("email"),
        minutes: settings.assist_minutes,
        website,
    };
    Ok((target, settings))
}

/// Tells staff, before any tab opens, whether they may assist `customer` and whom they will see.
#[server(prefix = "/api/admin/login-as-customer", endpoint = "check", input = server_fn::codec::Json)]
pub async fn check_assistance(customer: i64) -> Result<AssistTarget, AppError> {
    crate::error::answer(async move {
        crate::auth::require(crate::domain::Resource::LoginAsCustomer)?;
        let db = crate::state::app_state()?.db;
        Ok(eligible(&db, customer).await?.0)
    })
    .await
}

/// Starts an assistance session and sends the (new) tab to the customer's account as that
/// customer. Posted by a plain form with `target="_blank"`; a refusal then lands on a page that
/// says why. Every start is in the Login as Customer log and the admin action log.
#[server(prefix = "/api/admin/login-as-customer", endpoint = "start")]
pub async fn start_assistance(customer: i64) -> Result<(), AppError> {
    let outcome = start(customer).await;
    match outcome {
        Ok(()) => {
            leptos_axum::redirect("/customer/account/");
            Ok(())
        }
        Err(e) if crate::error::plain_form_post() => {
            leptos_axum::redirect(&format!(
                "/admin/login-as-customer/refused?reason={}",
                refusal_key(&e)
            ));
            Ok(())
        }
        Err(e) => Err(e.with_status()),
    }
}

#[cfg(feature = "ssr")]
async fn start(customer: i64) -> Result<(), AppError> {
    use crate::auth::assist::{ASSIST, CREATE_SQL, new_assistance};
    use crate::db::action_log;
    let me = crate::auth::require(crate::domain::Resource::LoginAsCustomer)?;
    let state = crate::state::app_state()?;
    let parts = use_context::<http::request::Parts>().ok_or(AppError::Unavailable)?;
    let admin_token =
        crate::auth::session::token_from_headers(&parts.headers, state.secure_cookies)
            .ok_or(AppError::Unauthenticated)?;
    let (target, settings) = eligible(&state.db, customer).await?;
    let agent: String = parts
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(256)
        .collect();
    let session = new_assistance();
    let params = serde_json::json!({
        "admin": me.id, "admin_email": me.email, "admin_name": me.name,
        "admin_session": crate::auth::cookie::token_hash(&admin_token),
        "customer_id": customer, "customer_email": target.email, "customer_name": target.name,
        "website": target.website, "ip": crate::state::client_ip(), "user_agent": agent,
        "lasts": format!("{}m", settings.assist_minutes),
    });
    let sql = format!("BEGIN; {CREATE_SQL} {} COMMIT;", action_log::LOG_SQL);
    let detail = format!("website={}", target.website);
    crate::customers::repo::ok(
        crate::db::transact(|| {
            state
                .db
                .query(sql.as_str())
                .bind(("aid", session.id.clone()))
                .bind(("a", params.clone()))
                .bind(action_log::entry(
                    &me,
                    "login_as_customer",
                    Some(customer),
                    1,
                    &detail,
                ))
                .into_future()
        })
        .await?,
    )?;
    let cookie = format!(
        "{}; Max-Age={}",
        ASSIST.set(&session.token, state.secure_cookies),
        u64::from(settings.assist_minutes) * 60
    );
    expect_context::<leptos_axum::ResponseOptions>().append_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_str(&cookie).map_err(AppError::internal)?,
    );
    tracing::info!(event = "login_as_customer_started", admin.id = %me.id, customer.id = customer, "assistance started");
    Ok(())
}

/// The key a refusal is named by in the refusal page's URL.
pub fn refusal_key(e: &AppError) -> &'static str {
    match e {
        AppError::Forbidden => "forbidden",
        AppError::Unauthenticated => "signed_out",
        AppError::Invalid(Problem::AssistDisabled) => "disabled",
        AppError::Invalid(Problem::AssistNoConsent) => "consent",
        AppError::Invalid(Problem::AssistCustomerLocked) => "locked",
        AppError::Invalid(Problem::AssistCustomerMissing) => "missing",
        _ => "unavailable",
    }
}

fn refusal_of(key: &str) -> AppError {
    match key {
        "forbidden" => AppError::Forbidden,
        "signed_out" => AppError::Unauthenticated,
        "disabled" => Problem::AssistDisabled.into(),
        "consent" => Problem::AssistNoConsent.into(),
        "locked" => Problem::AssistCustomerLocked.into(),
        "missing" => Problem::AssistCustomerMissing.into(),
        _ => AppError::Unavailable,
    }
}

/// Where a refused start (posted without scripts, or refused after the check) lands.
#[component]
pub fn RefusedPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let error =
        Signal::derive(move || Some(refusal_of(&query.read().get("reason").unwrap_or_default())));
    view! {
        <Title text=move || t_string!(i18n, assist.refused_title).to_string() />
        <h1>{t!(i18n, assist.refused_title)}</h1>
        <ErrorMessage error />
        <p><A href="/admin/customers">{t!(i18n, assist.back_to_customers)}</A></p>
    }
}

/// "Login as Customer": checks first (a refusal shows here, next to the button), then asks for
/// confirmation; the confirmation is a POST form that opens the storefront in a new tab.
#[component]
pub fn LoginAsCustomerButton(customer: i64, #[prop(optional)] small: bool) -> impl IntoView {
    let i18n = use_i18n();
    let check = ServerAction::<CheckAssistance>::new();
    let open = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(_)) = check.value().get() {
            open.set(true);
        }
    });
    let label_id = format!("assist-confirm-{customer}");
    view! {
        <button type="button" class=if small { "secondary small" } else { "secondary" } data-testid="login-as-customer"
            on:click=move |_| { open.set(false); check.dispatch(CheckAssistance { customer }); }>
            {t!(i18n, assist.button)}
        </button>
        {move || match check.value().get() {
            Some(Err(e)) => Some(view! {
                <p class="error" role="alert" data-testid="assist-refused">{error_text(i18n, &e)}</p>
            }.into_any()),
            Some(Ok(t)) if open.get() => {
                let text = fill(t_string!(i18n, assist.confirm), &[
                    ("name", &t.name), ("email", &t.email), ("minutes", &t.minutes.to_string()),
                ]);
                let (labelled_by, text_id) = (label_id.clone(), label_id.clone());
                Some(view! {
                    <div class="confirm" role="alertdialog" aria-labelledby=labelled_by>
                        <p id=text_id>{text}</p>
                        <form method="post" action="/api/admin/login-as-customer/start" target="_blank"
                            // Closed after the submit: a form taken out of the page while it submits is not sent.
                            on:submit=move |_| set_timeout(move || open.set(false), std::time::Duration::ZERO)>
                            <input type="hidden" name="customer" value=customer.to_string() />
                            <button type="submit" data-testid="assist-open">{t!(i18n, assist.open)}</button>
                            <button type="button" class="link" on:click=move |_| open.set(false)>{t!(i18n, common.cancel)}</button>
                        </form>
                    </div>
                }.into_any())
            }
            _ => None,
        }}
    }
}

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
        for (k, v) in crate::domain::grid::parse_query_string(s) {
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
                parts.push(format!("{k}={}", crate::domain::grid::encode(v)));
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
    crate::error::answer(async move {
        crate::auth::require(crate::domain::Resource::LoginAsCustomerLog)?;
        let q = LogQuery::from_query_string(&query)?;
        let db = crate::state::app_state()?.db;
        let start = crate::domain::grid::page_start(q.page, LOG_PAGE_SIZE)?;
        log_rows(&db, &q, start, LOG_PAGE_SIZE).await
    })
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
        .map(|v| crate::admin::customers::export::defuse(v).into_owned());
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
        <Transition fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                let q = query.get_untracked();
                match log.await {
                    Err(e) => view! { <ErrorMessage error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                    Ok(log) => {
                        let l = i18n.get_locale_untracked();
                        let pages = log.total.div_ceil(u64::from(LOG_PAGE_SIZE)).max(1) as u32;
                        let prev = (q.page > 1).then(|| link(&LogQuery { page: q.page - 1, ..q.clone() }));
                        let next = (q.page < pages).then(|| link(&LogQuery { page: q.page + 1, ..q.clone() }));
                        let rows = if log.entries.is_empty() {
                            view! { <tr><td colspan="6" class="empty">{t!(i18n, assist.log_empty)}</td></tr> }.into_any()
                        } else {
                            log.entries.into_iter().map(|e| {
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
                            }).collect_view().into_any()
                        };
                        view! {
                            <p class="total">{fill(td_string!(l, assist.log_total), &[("n", &log.total.to_string())])}</p>
                            <table class="grid assist-log">
                                <thead><tr>
                                    <th scope="col">{t!(i18n, assist.col_started)}</th>
                                    <th scope="col">{t!(i18n, assist.col_ended)}</th>
                                    <th scope="col">{t!(i18n, assist.col_admin)}</th>
                                    <th scope="col">{t!(i18n, assist.col_customer)}</th>
                                    <th scope="col">{t!(i18n, assist.col_ip)}</th>
                                    <th scope="col">{t!(i18n, online.col_website)}</th>
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                            <nav class="pager" aria-label=move || t_string!(i18n, grid.pages)>
                                {prev.map(|h| view! { <A href=h>{t!(i18n, grid.previous)}</A> })}
                                <span>{fill(td_string!(l, grid.page_of), &[("page", &q.page.to_string()), ("pages", &pages.to_string())])}</span>
                                {next.map(|h| view! { <A href=h>{t!(i18n, grid.next)}</A> })}
                            </nav>
                        }.into_any()
                    }
                }
            })}
        </Transition>
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

    #[test]
    fn every_refusal_has_a_key_that_leads_back_to_it() {
        for e in [
            AppError::Forbidden,
            AppError::Unauthenticated,
            Problem::AssistDisabled.into(),
            Problem::AssistNoConsent.into(),
            Problem::AssistCustomerLocked.into(),
            Problem::AssistCustomerMissing.into(),
        ] {
            assert_eq!(refusal_of(refusal_key(&e)), e);
        }
    }
}
