//! The guards: the one place that checks admin sessions and permissions, for every `/admin` page
//! and every `/api/admin` server function, and the customer (or assistance) session in front of the
//! storefront's account pages and account functions — before any of them runs.
use super::assist::{self, ASSIST};
use super::cookie::CUSTOMER;
use super::customer::{
    CustomerPrincipal, is_account_page, is_public_function, is_storefront, lookup,
};
use super::session;
use crate::domain::{Access, admin_access};
use crate::error::AppError;
use crate::i18n::{Locale, td_string};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use http::{HeaderValue, StatusCode, header};

pub async fn admin_guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let access = admin_access(&path);
    if access == Access::NotAdmin {
        return next.run(req).await;
    }
    let is_api = path.starts_with("/api/");
    let principal = match session::token_from_headers(req.headers(), state.secure_cookies) {
        Some(token) => match session::lookup(&state.db, &token).await {
            Ok(p) => p,
            // Fail closed: no database, no admin.
            Err(_) => return refuse(StatusCode::SERVICE_UNAVAILABLE, is_api, &req),
        },
        None => None,
    };
    let verdict = match (access, &principal) {
        (Access::Public, _) => Ok(()),
        (Access::Deny, _) => Err(StatusCode::FORBIDDEN),
        (_, None) => Err(StatusCode::UNAUTHORIZED),
        (Access::Resource(r), Some(p)) if !p.can(r) => Err(StatusCode::FORBIDDEN),
        _ => Ok(()),
    };
    if let Err(status) = verdict {
        if let Some(p) = &principal {
            tracing::warn!(event = "authz_fail", admin.id = %p.id, %path, "admin request refused");
        }
        return refuse(status, is_api, &req);
    }
    if let Some(p) = principal {
        req.extensions_mut().insert(p);
    }
    let mut res = next.run(req).await;
    no_store(&mut res);
    res
}

fn no_store(res: &mut Response) {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

fn refuse(status: StatusCode, is_api: bool, req: &Request) -> Response {
    let mut res = if is_api {
        let error = match status {
            StatusCode::UNAUTHORIZED => AppError::Unauthenticated,
            StatusCode::FORBIDDEN => AppError::Forbidden,
            _ => AppError::Unavailable,
        };
        let body = serde_json::to_string(&error).unwrap_or_default();
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    } else if status == StatusCode::UNAUTHORIZED {
        Redirect::to(&sign_in_url(req.uri())).into_response()
    } else {
        (status, Html(refusal_page(status, locale_of(req)))).into_response()
    };
    no_store(&mut res);
    res
}

/// `/admin/login?next=…`, keeping where the admin was going (only ever a path under /admin).
fn sign_in_url(uri: &http::Uri) -> String {
    let target = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/admin");
    format!("/admin/login?next={}", crate::domain::text::encode(target))
}

/// The request's language: the remembered choice, else Accept-Language, else English.
pub fn locale_of(req: &Request) -> Locale {
    locale_from_headers(req.headers())
}

/// The language named by a request's headers (locale cookie, then Accept-Language).
pub fn locale_from_headers(headers: &http::HeaderMap) -> Locale {
    let cookie_choice = crate::auth::cookie::value(headers, "i18n_pref_locale")
        .and_then(|v| v.parse::<Locale>().ok());
    cookie_choice.unwrap_or_else(|| {
        let accepted: Vec<String> = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(',')
            .map(|l| l.split(';').next().unwrap_or("").trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        <Locale as leptos_i18n::Locale>::find_locale(&accepted)
    })
}

fn refusal_page(status: StatusCode, locale: Locale) -> String {
    let (title, body) = if status == StatusCode::FORBIDDEN {
        (
            td_string!(locale, errors.forbidden_title),
            td_string!(locale, errors.forbidden_body),
        )
    } else {
        (
            td_string!(locale, errors.unavailable_title),
            td_string!(locale, errors.unavailable_body),
        )
    };
    let back = td_string!(locale, errors.back_to_dashboard);
    format!(
        "<!DOCTYPE html><html lang=\"{locale}\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"/pkg/clientele.css\"></head>\
         <body><main class=\"refusal\"><h1>{title}</h1><p>{body}</p><p><a href=\"/admin\">{back}</a></p></main></body></html>"
    )
}

/// Looks up the customer session for storefront requests (an assistance session first: staff
/// assisting a customer act as that customer, whatever their own storefront session is), sends
/// visitors of account pages to sign-in (remembering where they were going), answers 401 to
/// account functions without a session, and marks account responses `no-store` (the reset page
/// also `no-referrer`; every assisted response too, so no cache keeps or serves one).
pub async fn customer_guard(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    if !is_storefront(&path) {
        return next.run(req).await;
    }
    let unavailable =
        || (StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable").into_response();
    let mut assist_gone = false;
    if let Some(token) = ASSIST.token(req.headers(), state.secure_cookies) {
        match assist::lookup(&state.db, &token).await {
            Ok(assist::Found::Live(p)) => {
                req.extensions_mut().insert(p);
            }
            Ok(assist::Found::Gone) => assist_gone = true,
            Err(_) => return unavailable(),
        }
    }
    let assisted = req.extensions().get::<CustomerPrincipal>().is_some();
    if !assisted && let Some(token) = CUSTOMER.token(req.headers(), state.secure_cookies) {
        match lookup(&state.db, &token).await {
            Ok(Some(p)) => {
                req.extensions_mut().insert(p);
            }
            Ok(None) => {}
            Err(_) => return unavailable(),
        }
    }
    let signed_in = req.extensions().get::<CustomerPrincipal>().is_some();
    let api = path.starts_with("/api/account/");
    if !signed_in && api && !is_public_function(&path) {
        let body = serde_json::to_string(&AppError::Unauthenticated).unwrap_or_default();
        return (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
    }
    if !signed_in && is_account_page(&path) {
        let target = req
            .uri()
            .path_and_query()
            .map_or("/customer/account", |p| p.as_str());
        let encoded = crate::domain::text::encode(target);
        let mut res =
            Redirect::to(&format!("/customer/account/login?referer={encoded}")).into_response();
        if assist_gone {
            clear_assist_cookie(&mut res, state.secure_cookies);
        }
        return res;
    }
    let account = path.starts_with("/customer/") || is_account_page(&path) || api;
    let reset_page = path.starts_with("/customer/account/createpassword");
    let mut res = next.run(req).await;
    if account || assisted {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if assisted {
        res.headers_mut()
            .append(header::VARY, HeaderValue::from_static("Cookie"));
    }
    if reset_page {
        res.headers_mut().insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    if assist_gone {
        clear_assist_cookie(&mut res, state.secure_cookies);
    }
    res
}

fn clear_assist_cookie(res: &mut Response, secure: bool) {
    if let Ok(v) = HeaderValue::from_str(&ASSIST.clear(secure)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}
