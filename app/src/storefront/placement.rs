//! A storefront placement: the dynamic block it shows this viewer, resolved inside the server
//! render (no extra request, no flash), and the click counter's redirect.
use crate::domain::content::Shown;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;

/// What `placement` shows the caller now in `lang` (None: nothing). Counted as an impression.
#[server(prefix = "/api/content", endpoint = "placement")]
pub async fn placement_block(placement: String, lang: String) -> Result<Option<Shown>, AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        let state = crate::state::app_state()?;
        let parts = use_context::<http::request::Parts>().ok_or(AppError::Unavailable)?;
        let mut asker = asker(&parts, state.secure_cookies);
        if state.content.catalog().has(&placement) {
            // The page now follows its viewer (segments, group, audiences, rotation, caps) and
            // counts an impression: no shared cache may keep it. Headless storefronts that want
            // one use the API's `cache_key` instead.
            expect_context::<leptos_axum::ResponseOptions>().insert_header(
                http::header::CACHE_CONTROL,
                http::HeaderValue::from_static("private, no-cache"),
            );
        }
        let shown = resolve(&state, &placement, &lang, &mut asker).await?;
        if shown.is_some() && !asker.seen.is_empty() {
            set_seen_cookie(&asker.seen, state.secure_cookies)?;
        }
        Ok(shown)
    })
    .await
}

/// Who is asking, from the request: the customer the guard found, the Now Online visitor, the
/// cap cookie.
#[cfg(feature = "ssr")]
pub fn asker(parts: &http::request::Parts, secure: bool) -> crate::content::Asker {
    use crate::auth::customer::CustomerPrincipal;
    let customer = parts.extensions.get::<CustomerPrincipal>().map(|c| c.id);
    let visitor = parts
        .extensions
        .get::<crate::activity::ThisVisitor>()
        .map(|v| v.0.clone());
    let browser = crate::activity::VISITOR.token(&parts.headers, secure);
    let draw_key = match (customer, &visitor, browser) {
        (Some(c), _, _) => format!("customer|{c}"),
        (None, Some(v), _) => v.clone(),
        (None, None, Some(b)) => b,
        (None, None, None) => crate::auth::cookie::new_token(),
    };
    crate::content::Asker {
        customer,
        visitor,
        visitor_segments: parts
            .extensions
            .get::<crate::activity::VisitorSegments>()
            .cloned()
            .unwrap_or_default(),
        customer_audiences: Default::default(),
        draw_key,
        seen: crate::content::Seen::parse(
            crate::auth::cookie::value(&parts.headers, crate::content::SEEN_COOKIE)
                .unwrap_or_default(),
        ),
    }
}

/// Resolves `placement` for `asker` on this node's blocks, segments and groups.
#[cfg(feature = "ssr")]
pub async fn resolve(
    state: &crate::state::AppState,
    placement: &str,
    lang: &str,
    asker: &mut crate::content::Asker,
) -> Result<Option<Shown>, AppError> {
    let catalog = state.content.catalog();
    if !catalog.has(placement) {
        return Ok(None);
    }
    let viewer = crate::content::viewer(
        &state.db,
        &state.customers,
        &state.segments,
        &state.audiences,
        &catalog,
        placement,
        asker,
    )
    .await?;
    let live = crate::content::live(&state.segments, &state.audiences);
    let ask = crate::content::Ask {
        placement,
        lang,
        viewer: &viewer,
        live: &live,
        now: chrono::Utc::now().timestamp(),
    };
    Ok(state.content.show(&catalog, &ask, asker))
}

#[cfg(feature = "ssr")]
fn set_seen_cookie(seen: &crate::content::Seen, secure: bool) -> Result<(), AppError> {
    let value = format!(
        "{}={}; Path=/; Max-Age={}; SameSite=Lax; HttpOnly{}",
        crate::content::SEEN_COOKIE,
        seen.value(),
        2 * 24 * 3600,
        if secure { "; Secure" } else { "" }
    );
    expect_context::<leptos_axum::ResponseOptions>().append_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_str(&value).map_err(AppError::internal)?,
    );
    Ok(())
}

/// The click counter: counts a click on a block's link and sends the visitor on, but only to a
/// link that block has (never an open redirect).
#[cfg(feature = "ssr")]
pub async fn click(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let block = q.get("b").and_then(|b| b.parse::<u32>().ok());
    let to = q.get("to").cloned().unwrap_or_default();
    let catalog = state.content.catalog();
    let known = block
        .and_then(|b| catalog.get(b))
        .filter(|l| l.links.contains(&to));
    let Some(loaded) = known else {
        return (
            http::StatusCode::BAD_REQUEST,
            "This link is not one of the block's links.",
        )
            .into_response();
    };
    let what = if q.get("h").is_some_and(|h| h == "1") {
        crate::content::stats::Count::HoldoutClick
    } else {
        crate::content::stats::Count::Click
    };
    let day = crate::content::day_of(chrono::Utc::now().timestamp());
    state.content.counters.add(loaded.block.id, &day, what);
    axum::response::Redirect::to(&to).into_response()
}

/// The block `placement` shows this viewer, in the page as the server sends it; nothing when
/// there is none (`otherwise` then shows instead).
#[component]
pub fn Placement(name: &'static str, #[prop(optional, into)] otherwise: ViewFn) -> impl IntoView {
    let i18n = use_i18n();
    let shown = Resource::new_blocking(
        move || AsRef::<str>::as_ref(&i18n.get_locale()).to_owned(),
        move |lang| placement_block(name.to_owned(), lang),
    );
    view! {
        <Suspense>
            {move || Suspend::new({
                let otherwise = otherwise.clone();
                async move {
                    match shown.await.ok().flatten() {
                        Some(b) => view! {
                            <section class=format!("block placement-{name}") data-block=b.id inner_html=b.html />
                        }.into_any(),
                        None => otherwise.run(),
                    }
                }
            })}
        </Suspense>
    }
}
