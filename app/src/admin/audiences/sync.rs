//! Customers > Audiences' "Sync now": pulls the feed of the source set in Settings through the
//! connector (`audiences::pull`) and shows what changed, or why nothing did; and the last sync.
use crate::components::ErrorMessage;
use crate::domain::audience_source::SyncReport;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// When the last sync ran (RFC 3339) and what it did; None before the first.
#[server(prefix = "/api/admin/audiences", endpoint = "last_sync")]
pub async fn last_sync() -> Result<Option<(String, SyncReport)>, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Audiences, |_| async move {
        let db = crate::state::app_state()?.db.clone();
        let (_, _, view) = crate::audiences::pull::source(&db).await?;
        Ok(view.last_sync.zip(view.last_report))
    })
    .await
}

/// Reads the source's feed now and applies it if every line is right.
#[server(prefix = "/api/admin/audiences", endpoint = "sync")]
pub async fn sync_now() -> Result<SyncReport, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Audiences, |me| async move {
        let state = crate::state::app_state()?;
        let report = crate::audiences::pull::sync(&state.db, &state.audiences).await?;
        tracing::info!(
            event = "audiences_synced", admin.id = %me.id, lines = report.lines,
            created = report.created.len(), updated = report.updated.len(),
            deleted = report.deleted.len(), errors = report.errors.len(), "audience source pulled"
        );
        Ok(report)
    })
    .await
}

fn names(list: &[String]) -> String {
    if list.is_empty() {
        "—".into()
    } else {
        list.join(", ")
    }
}

/// What a sync did, as a definition list, then any refusals.
fn report_view(i18n: I18nContext<Locale>, r: SyncReport) -> AnyView {
    let applied = r.applied();
    let errors = (!r.errors.is_empty()).then(|| {
        view! {
            <div role="alert" class="error-slot">
                <p class="error">
                    {if applied { t_string!(i18n, audiences.sync_partial) } else { t_string!(i18n, audiences.sync_refused) }}
                </p>
                <ul>{r.errors.iter().map(|e| view! { <li>{e.clone()}</li> }).collect_view()}</ul>
            </div>
        }
    });
    let facts = applied.then(|| {
        view! {
            <section aria-label=move || t_string!(i18n, audiences.sync_result)><dl class="facts">
                <dt>{t!(i18n, audiences.lines)}</dt><dd>{r.lines}</dd>
                <dt>{t!(i18n, audiences.created)}</dt><dd>{names(&r.created)}</dd>
                <dt>{t!(i18n, audiences.updated)}</dt><dd>{names(&r.updated)}</dd>
                <dt>{t!(i18n, audiences.deleted)}</dt><dd>{names(&r.deleted)}</dd>
                <dt>{t!(i18n, audiences.members_added)}</dt><dd>{r.members_added}</dd>
                <dt>{t!(i18n, audiences.members_removed)}</dt><dd>{r.members_removed}</dd>
            </dl></section>
        }
    });
    view! { {facts} {errors} }.into_any()
}

/// The Sync now button, its result, and the last sync before it; `synced` runs after each sync.
#[component]
pub fn SyncPanel(#[prop(into)] synced: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let sync = ServerAction::<SyncNow>::new();
    let last = Resource::new(|| (), |_| last_sync());
    Effect::new(move |_| {
        if matches!(sync.value().get(), Some(Ok(_))) {
            synced.run(());
        }
    });
    let error = Signal::derive(move || sync.value().get().and_then(Result::err));
    view! {
        <section class="panel" aria-labelledby="aud-sync">
            <h2 id="aud-sync">{t!(i18n, audiences.source)}</h2>
            <button type="button" disabled=move || sync.pending().get()
                on:click=move |_| { sync.dispatch(SyncNow {}); }>
                {move || if sync.pending().get() { t_string!(i18n, audiences.syncing) } else { t_string!(i18n, audiences.sync_now) }}
            </button>
            <ErrorMessage error=error />
            <div aria-live="polite">
                {move || match sync.value().get() {
                    Some(Ok(r)) => Some(report_view(i18n, r)),
                    _ => None,
                }}
            </div>
            <Transition fallback=|| ()>
                {move || last.get().and_then(Result::ok).flatten().filter(|_| sync.value().get().is_none()).map(|(at, r)| view! {
                    <p class="muted">{t!(i18n, audiences.last_sync)}": "{at}</p>
                    {report_view(i18n, r)}
                })}
            </Transition>
        </section>
    }
}
