//! Admin > Customers > Now Online: everyone active on the storefront within the Online Customers
//! interval, with filters, sort and paging in the URL, kept live by server-sent events (polling
//! with gloo-timers when a stream cannot be used); and the online counts on the dashboard.
use crate::components::{ErrorMessage, ListTable, Pager, fill, loaded_from};
use crate::domain::WebsiteId;
use crate::domain::online::{OnlinePage, OnlineQuery, OnlineSort, PAGE_SIZES, VisitorType};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

/// One page of Now Online for the query string `query` (without `?`).
#[server(prefix = "/api/admin/now-online", endpoint = "list")]
pub async fn list_online(query: String) -> Result<OnlinePage, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::NowOnline, |_| async move {
        let q = OnlineQuery::from_query_string(&query)?;
        online_page(&crate::state::app_state()?.db, &q).await
    })
    .await
}

/// Reads one page and the counts from the database (every app server's flushed activity).
#[cfg(feature = "ssr")]
pub async fn online_page(db: &crate::db::Db, q: &OnlineQuery) -> Result<OnlinePage, AppError> {
    let minutes = crate::customers::settings::settings(db)
        .await?
        .online_minutes;
    let window = "last_seen_at > time::now() - type::duration($window)";
    let mut conds = vec![window];
    if q.id_from.is_some() {
        conds.push("customer AND record::id(customer) >= $id_from");
    }
    if q.id_to.is_some() {
        conds.push("customer AND record::id(customer) <= $id_to");
    }
    if !q.firstname.is_empty() {
        conds.push("string::contains(string::lowercase(customer.firstname ?? ''), $firstname)");
    }
    if !q.lastname.is_empty() {
        conds.push("string::contains(string::lowercase(customer.lastname ?? ''), $lastname)");
    }
    if !q.email.is_empty() {
        conds.push("string::contains(string::lowercase(customer.email ?? ''), $email)");
    }
    match q.kind {
        Some(VisitorType::Customer) => conds.push("customer"),
        Some(VisitorType::Visitor) => conds.push("!customer"),
        None => {}
    }
    if q.active_from.is_some() {
        conds.push("last_seen_at >= <datetime>$from");
    }
    if q.active_to.is_some() {
        conds.push("last_seen_at <= <datetime>$to");
    }
    if !q.website.is_empty() {
        conds.push("record::id(website) = $website");
    }
    let filter = conds.join(" AND ");
    let order = match q.sort {
        OnlineSort::LastActivity => "last_seen_at",
        OnlineSort::Id => "customer_id",
        OnlineSort::FirstName => "firstname",
        OnlineSort::LastName => "lastname",
        OnlineSort::Email => "email",
        OnlineSort::Type => "kind",
        OnlineSort::LastUrl => "last_url",
        OnlineSort::Website => "website",
    };
    let dir = if q.desc { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT VALUE IF customer THEN true ELSE false END FROM online_visitor WHERE {window};
         SELECT VALUE n FROM (SELECT count() AS n FROM online_visitor WHERE {filter} GROUP ALL);
         SELECT IF customer THEN record::id(customer) END AS customer_id, customer.firstname ?? '' AS firstname,
            customer.lastname ?? '' AS lastname, customer.email ?? '' AS email,
            time::format(last_seen_at, '%Y-%m-%d %H:%M:%S') AS last_activity, last_seen_at,
            IF customer THEN 'customer' ELSE 'visitor' END AS kind, last_url, website.name ?? '' AS website
         FROM online_visitor WHERE {filter} ORDER BY {order} {dir}, last_seen_at DESC LIMIT $size START $start;"
    );
    let lower = |s: &str| s.to_lowercase();
    let mut res = db
        .query(sql)
        .bind(("window", format!("{minutes}m")))
        .bind(("id_from", q.id_from))
        .bind(("id_to", q.id_to))
        .bind(("firstname", lower(&q.firstname)))
        .bind(("lastname", lower(&q.lastname)))
        .bind(("email", lower(&q.email)))
        .bind(("from", q.active_from.as_ref().map(|m| m.rfc3339())))
        .bind(("to", q.active_to.as_ref().map(|m| m.rfc3339())))
        .bind(("website", q.website.clone()))
        .bind(("size", i64::from(q.size)))
        .bind((
            "start",
            i64::from(q.page.saturating_sub(1)) * i64::from(q.size),
        ))
        .await?;
    // Everyone online, as "signed in or not": one read gives both counts.
    let signed_in: Vec<bool> = res.take(0)?;
    let customers = signed_in.iter().filter(|s| **s).count() as u64;
    let total: Vec<serde_json::Value> = res.take(1)?;
    let rows: Vec<serde_json::Value> = res.take(2)?;
    let mut page = OnlinePage {
        minutes,
        total: total
            .first()
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0),
        customers,
        visitors: signed_in.len() as u64 - customers,
        ..Default::default()
    };
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_owned();
    page.rows = rows
        .iter()
        .map(|r| crate::domain::online::OnlineRow {
            customer_id: r["customer_id"].as_i64(),
            firstname: text(&r["firstname"]),
            lastname: text(&r["lastname"]),
            email: text(&r["email"]),
            last_activity: text(&r["last_activity"]),
            kind: if r["customer_id"].as_i64().is_some() {
                VisitorType::Customer
            } else {
                VisitorType::Visitor
            },
            last_url: text(&r["last_url"]),
            website: text(&r["website"]),
        })
        .collect();
    Ok(page)
}

/// `GET /api/admin/now-online/stream?<query>`: server-sent events, one `data:` line with the page
/// as JSON whenever it changes (checked every `online.push_seconds`). The admin guard has checked
/// the session and the permission; the stream ends when that session ends or loses the permission.
#[cfg(feature = "ssr")]
pub async fn stream(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    headers: http::HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use axum::response::sse::{Event, KeepAlive, Sse};
    let q = match OnlineQuery::from_query_string(query.as_deref().unwrap_or("")) {
        Ok(q) => q,
        Err(p) => {
            let e = AppError::Invalid(p);
            let status =
                http::StatusCode::from_u16(e.status()).unwrap_or(http::StatusCode::BAD_REQUEST);
            return (status, axum::Json(e)).into_response();
        }
    };
    let Some(token) = crate::auth::session::token_from_headers(&headers, state.secure_cookies)
    else {
        return http::StatusCode::UNAUTHORIZED.into_response();
    };
    let every = state.activity.push_every();
    let events = futures::stream::unfold(
        (state, q, token, None::<String>, true),
        move |(state, q, token, last, first)| async move {
            let mut wait = !first;
            loop {
                if wait {
                    tokio::time::sleep(every).await;
                }
                wait = true;
                let allowed = crate::auth::session::still_holds(
                    &state.db,
                    &token,
                    crate::domain::Resource::NowOnline,
                )
                .await
                .unwrap_or(false);
                if !allowed {
                    return None;
                }
                let Ok(page) = online_page(&state.db, &q).await else {
                    continue;
                };
                let json = serde_json::to_string(&page).unwrap_or_default();
                if last.as_deref() != Some(json.as_str()) {
                    let event = Event::default().data(json.clone());
                    return Some((
                        Ok::<_, std::convert::Infallible>(event),
                        (state, q, token, Some(json), false),
                    ));
                }
            }
        },
    );
    let mut res = Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response();
    res.headers_mut().insert(
        http::HeaderName::from_static("x-accel-buffering"),
        http::HeaderValue::from_static("no"),
    );
    res
}

/// Keeps `live` fresh for the query string `query`: an EventSource on the stream, or — when the
/// stream closes for good (a proxy that buffers, an ended session) — a poll every five seconds.
/// Everything is released when the calling reactive scope is cleaned up.
#[cfg(feature = "hydrate")]
fn follow(query: String, live: Live) {
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    struct Following {
        source: Option<EventSource>,
        _on_message: Closure<dyn FnMut(MessageEvent)>,
        _on_error: Closure<dyn FnMut(web_sys::Event)>,
        poll: Rc<RefCell<Option<gloo_timers::callback::Interval>>>,
    }
    impl Drop for Following {
        fn drop(&mut self) {
            if let Some(s) = &self.source {
                s.close();
            }
            self.poll.borrow_mut().take();
        }
    }

    let source = EventSource::new(&format!("/api/admin/now-online/stream?{query}")).ok();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        if let Some(text) = ev.data().as_string()
            && let Ok(page) = serde_json::from_str::<OnlinePage>(&text)
        {
            live.set(Some(Ok(page)));
        }
    });
    let poll = Rc::new(RefCell::new(None::<gloo_timers::callback::Interval>));
    let start_polling = {
        let poll = poll.clone();
        let query = query.clone();
        move || {
            if poll.borrow().is_some() {
                return;
            }
            let query = query.clone();
            *poll.borrow_mut() = Some(gloo_timers::callback::Interval::new(5_000, move || {
                let query = query.clone();
                leptos::task::spawn_local(async move {
                    let page = list_online(query).await;
                    live.set(Some(page));
                });
            }));
        }
    };
    let closed_source = source.clone();
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        if closed_source
            .as_ref()
            .is_none_or(|s| s.ready_state() == EventSource::CLOSED)
        {
            start_polling();
        }
    });
    match &source {
        Some(s) => {
            s.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            s.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        }
        None => {
            let f: &js_sys::Function = on_error.as_ref().unchecked_ref();
            let _ = f.call1(&wasm_bindgen::JsValue::NULL, &wasm_bindgen::JsValue::NULL);
        }
    }
    let handle = StoredValue::new_local(Some(Following {
        source,
        _on_message: on_message,
        _on_error: on_error,
        poll,
    }));
    on_cleanup(move || handle.update_value(|f| drop(f.take())));
}

/// The newest pushed page (None until the first push after the query changed).
type Live = RwSignal<Option<Result<OnlinePage, AppError>>>;

/// The page for `query`, fetched on the server and then kept live in the browser.
fn live_online(query: Memo<String>) -> (Resource<Result<OnlinePage, AppError>>, Live) {
    let fetched = Resource::new(move || query.get(), list_online);
    let live = RwSignal::new(None::<Result<OnlinePage, AppError>>);
    Effect::new(move |_| {
        let q = query.get();
        live.set(None);
        #[cfg(feature = "hydrate")]
        follow(q, live);
        #[cfg(not(feature = "hydrate"))]
        let _ = q;
    });
    (fetched, live)
}

fn sort_label(l: Locale, c: OnlineSort) -> &'static str {
    match c {
        OnlineSort::Id => td_string!(l, online.col_id),
        OnlineSort::FirstName => td_string!(l, online.col_firstname),
        OnlineSort::LastName => td_string!(l, online.col_lastname),
        OnlineSort::Email => td_string!(l, online.col_email),
        OnlineSort::LastActivity => td_string!(l, online.col_last_activity),
        OnlineSort::Type => td_string!(l, online.col_type),
        OnlineSort::LastUrl => td_string!(l, online.col_last_url),
        OnlineSort::Website => td_string!(l, online.col_website),
    }
}

fn kind_label(l: Locale, k: VisitorType) -> &'static str {
    match k {
        VisitorType::Customer => td_string!(l, online.customer),
        VisitorType::Visitor => td_string!(l, online.visitor),
    }
}

fn href(q: &OnlineQuery) -> String {
    let s = q.to_query_string();
    if s.is_empty() {
        "/admin/now-online".to_owned()
    } else {
        format!("/admin/now-online?{s}")
    }
}

#[component]
pub fn NowOnlinePage() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let parsed = Memo::new(move |_| {
        OnlineQuery::from_query_string(location.search.get().trim_start_matches('?'))
    });
    let query = Memo::new(move |_| parsed.get().unwrap_or_default());
    let query_string = Memo::new(move |_| query.get().to_query_string());
    let (fetched, live) = live_online(query_string);
    view! {
        <Title text=move || t_string!(i18n, online.title).to_string() />
        <h1>{t!(i18n, online.title)}</h1>
        {move || parsed.get().err().map(|p| view! { <ErrorMessage error=Signal::derive(move || Some(AppError::Invalid(p))) /> })}
        // The first answer is kept as it came (an error included): the live feed replaces it.
        {loaded_from(move || async move { Ok(fetched.await) }, move |first| view! {
            {move || match live.get().unwrap_or_else(|| first.clone()) {
                Ok(page) => online_table(i18n, query.get(), page).into_any(),
                Err(e) => view! { <ErrorMessage error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
            }}
        })}
    }
}

fn online_table(
    i18n: leptos_i18n::I18nContext<Locale>,
    q: OnlineQuery,
    page: OnlinePage,
) -> impl IntoView {
    let l = i18n.get_locale_untracked();
    let summary = fill(
        td_string!(l, online.summary),
        &[
            ("customers", &customers_phrase(l, page.customers)),
            ("visitors", &visitors_phrase(l, page.visitors)),
            ("last", &last_minutes_phrase(l, page.minutes)),
        ],
    );
    let pages = page.pages(q.size);
    let header = OnlineSort::ALL
        .into_iter()
        .map(|c| {
            let sorted = q.sort == c;
            let aria = match (sorted, q.desc) {
                (false, _) => "none",
                (true, true) => "descending",
                (true, false) => "ascending",
            };
            view! {
                <th scope="col" aria-sort=aria>
                    <A href=href(&q.sorted_by(c))>{sort_label(l, c)}</A>
                </th>
            }
            .into_any()
        })
        .collect();
    let empty = page.rows.is_empty().then(|| {
        let text = if q.filtered() {
            td_string!(l, online.none_matching).to_owned()
        } else {
            fill(
                td_string!(l, online.nobody),
                &[("last", &last_minutes_phrase(l, page.minutes))],
            )
        };
        text.into_any()
    });
    let list = ListTable {
        class: "online",
        testid: Some("online-grid"),
        caption: Some(t!(i18n, online.title).into_any()),
        heads: header,
        empty,
    };
    let table = list.rows(page.rows.clone(), |r| {
        let id = r.customer_id.map(|i| i.to_string()).unwrap_or_default();
        let email = match r.customer_id {
            Some(i) => {
                view! { <A href=format!("/admin/customers/{i}")>{r.email.clone()}</A> }.into_any()
            }
            None => view! { <span></span> }.into_any(),
        };
        view! {
            <tr data-kind=r.kind.key()>
                <td>{id}</td>
                <td>{r.firstname.clone()}</td>
                <td>{r.lastname.clone()}</td>
                <td>{email}</td>
                <td>{r.last_activity.clone()}</td>
                <td>{kind_label(l, r.kind)}</td>
                <td class="url">{r.last_url.clone()}</td>
                <td>{r.website.clone()}</td>
            </tr>
        }
    });
    let value = |v: &str| v.to_owned();
    let from = q
        .active_from
        .as_ref()
        .map(|m| m.0.clone())
        .unwrap_or_default();
    let to = q
        .active_to
        .as_ref()
        .map(|m| m.0.clone())
        .unwrap_or_default();
    let kind = q.kind.map(|k| k.key()).unwrap_or("");
    let prev = (q.page > 1).then(|| href(&q.at_page(q.page - 1)));
    let next = (q.page < pages).then(|| href(&q.at_page(q.page + 1)));
    view! {
        <p class="total" role="status" data-testid="online-summary" data-customers=page.customers.to_string()
            data-visitors=page.visitors.to_string()>{summary}</p>
        // A plain GET form: the filters live in the URL, and work without scripts.
        <form class="card online-filters" method="get" action="/admin/now-online">
            <div class="field"><label for="f-id-from">{t!(i18n, online.id_from)}</label>
                <input id="f-id-from" name="id_from" type="number" min="0" value=q.id_from.map(|v| v.to_string()) /></div>
            <div class="field"><label for="f-id-to">{t!(i18n, online.id_to)}</label>
                <input id="f-id-to" name="id_to" type="number" min="0" value=q.id_to.map(|v| v.to_string()) /></div>
            <div class="field"><label for="f-first">{t!(i18n, online.col_firstname)}</label>
                <input id="f-first" name="firstname" value=value(&q.firstname) /></div>
            <div class="field"><label for="f-last">{t!(i18n, online.col_lastname)}</label>
                <input id="f-last" name="lastname" value=value(&q.lastname) /></div>
            <div class="field"><label for="f-email">{t!(i18n, online.col_email)}</label>
                <input id="f-email" name="email" value=value(&q.email) /></div>
            <div class="field"><label for="f-type">{t!(i18n, online.col_type)}</label>
                <select id="f-type" name="type">
                    <option value="" selected=kind.is_empty()>{t!(i18n, online.any)}</option>
                    <option value="customer" selected=kind == "customer">{t!(i18n, online.customer)}</option>
                    <option value="visitor" selected=kind == "visitor">{t!(i18n, online.visitor)}</option>
                </select></div>
            <div class="field"><label for="f-from">{t!(i18n, online.active_from)}</label>
                <input id="f-from" name="from" type="datetime-local" value=from /></div>
            <div class="field"><label for="f-to">{t!(i18n, online.active_to)}</label>
                <input id="f-to" name="to" type="datetime-local" value=to /></div>
            <div class="field"><label for="f-website">{t!(i18n, online.col_website)}</label>
                <select id="f-website" name="website">
                    <option value="" selected=q.website.is_empty()>{t!(i18n, online.any)}</option>
                    <option value=WebsiteId::STOREFRONT selected=q.website == WebsiteId::STOREFRONT>"Main Website"</option>
                </select></div>
            <input type="hidden" name="sort" value=q.sort.key() />
            <input type="hidden" name="dir" value=if q.desc { "desc" } else { "asc" } />
            <input type="hidden" name="size" value=q.size.to_string() />
            <p class="actions">
                <button type="submit">{t!(i18n, grid.apply_filters)}</button>
                <A href="/admin/now-online" attr:class="button secondary">{t!(i18n, grid.clear_filters)}</A>
            </p>
        </form>
        {table}
        <Pager prev next position=(q.page, u64::from(pages))>
            <span>{t!(i18n, grid.per_page)}</span>
            {PAGE_SIZES.into_iter().map(|s| {
                let link = href(&OnlineQuery { size: s, page: 1, ..q.clone() });
                view! { <A href=link attr:aria-current=(s == q.size).then_some("true")>{s}</A> }
            }).collect_view()}
        </Pager>
    }
}

/// The dashboard's live counts of customers and visitors online (nothing for admins without the
/// Now Online permission).
#[component]
pub fn OnlineFigures() -> impl IntoView {
    let i18n = use_i18n();
    let query = Memo::new(|_| "size=0".to_owned());
    let (fetched, live) = live_online(query);
    view! {
        <Transition>
            {move || Suspend::new(async move {
                let first = fetched.await;
                view! {
                    {move || live.get().unwrap_or_else(|| first.clone()).ok().map(|p| {
                        let (customers, visitors, minutes) = (p.customers, p.visitors, p.minutes);
                        let figures = move || {
                            let l = i18n.get_locale();
                            fill(td_string!(l, online.figures), &[
                                ("online", &online_phrase(l, customers)),
                                ("visitors", &visitors_phrase(l, visitors)),
                                ("last", &last_minutes_phrase(l, minutes)),
                            ])
                        };
                        view! {
                            <section class="figure" aria-labelledby="fig-online">
                                <h2 id="fig-online"><A href="/admin/now-online">{t!(i18n, online.title)}</A></h2>
                                <p class="number" data-testid="online-customers" data-value=customers.to_string()>{customers}</p>
                                <p class="muted">{figures}</p>
                            </section>
                        }
                    })}
                }
            })}
        </Transition>
    }
}

// Counted phrases, singular or plural by `components::singular` (the languages' CLDR rule).

fn counted(n: u64, one: &str, many: &str) -> String {
    let form = if crate::components::singular(n) {
        one
    } else {
        many
    };
    fill(form, &[("n", &n.to_string())])
}

fn customers_phrase(l: Locale, n: u64) -> String {
    counted(
        n,
        td_string!(l, online.one_customer),
        td_string!(l, online.many_customers),
    )
}

fn visitors_phrase(l: Locale, n: u64) -> String {
    counted(
        n,
        td_string!(l, online.one_visitor),
        td_string!(l, online.many_visitors),
    )
}

fn last_minutes_phrase(l: Locale, n: u32) -> String {
    counted(
        u64::from(n),
        td_string!(l, online.last_minute),
        td_string!(l, online.last_minutes),
    )
}

fn online_phrase(l: Locale, n: u64) -> String {
    counted(
        n,
        td_string!(l, online.customer_online),
        td_string!(l, online.customers_online),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_the_singular_for_one_only() {
        assert_eq!(visitors_phrase(Locale::en, 1), "1 visitor");
        assert_eq!(visitors_phrase(Locale::en, 0), "0 visitors");
        assert_eq!(visitors_phrase(Locale::it, 1), "1 visitatore");
        assert_eq!(visitors_phrase(Locale::it, 2), "2 visitatori");
        assert_eq!(customers_phrase(Locale::nl, 1), "1 klant");
        assert_eq!(customers_phrase(Locale::nl, 21), "21 klanten");
        assert_eq!(last_minutes_phrase(Locale::en, 1), "in the last minute");
        assert_eq!(
            last_minutes_phrase(Locale::it, 15),
            "negli ultimi 15 minuti"
        );
    }
}
