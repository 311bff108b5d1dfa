//! Settings' "Audience source" section: the URL the connector pulls audiences from and its bearer
//! token (write-only: the page shows only its last four characters).
use crate::components::ErrorMessage;
use crate::domain::audience_source::{SourceInput, SourceView};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;

/// The source as saved (the token's last four characters only).
#[server(prefix = "/api/admin/settings", endpoint = "audience_source")]
pub async fn audience_source() -> Result<SourceView, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Configuration, |_| async move {
        let db = crate::state::app_state()?.db.clone();
        Ok(crate::audiences::pull::source(&db).await?.2)
    })
    .await
}

/// Saves the source; an empty token keeps the saved one.
#[server(prefix = "/api/admin/settings", endpoint = "audience_source_save", input = server_fn::codec::Json)]
pub async fn save_audience_source(source: SourceInput) -> Result<SourceView, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Configuration, |me| async move {
        let db = crate::state::app_state()?.db.clone();
        let valid = source.parse().map_err(AppError::InvalidFields)?;
        let detail = format!(
            "audience_source url={}{}",
            valid.url.as_deref().unwrap_or(""),
            if valid.token.is_some() {
                ", token replaced"
            } else {
                ""
            }
        );
        let entry = crate::db::action_log::entry(&me, "settings_changed", None, 1, &detail);
        crate::audiences::pull::save_source(&db, &valid, entry).await?;
        Ok(crate::audiences::pull::source(&db).await?.2)
    })
    .await
}

/// The section's form.
#[component]
pub fn AudienceSourceSettings() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), |_| audience_source());
    let save = ServerAction::<SaveAudienceSource>::new();
    let (url, token, clear) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(false),
    );
    let hint = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(v)) = data.get() {
            url.set(v.url);
            hint.set(v.token_hint);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(v)) = save.value().get() {
            hint.set(v.token_hint);
            token.set(String::new());
            clear.set(false);
        }
    });
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <form class="card settings" aria-labelledby="source-legend" on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch(SaveAudienceSource { source: SourceInput {
                url: url.get_untracked(), token: token.get_untracked(), clear_token: clear.get_untracked(),
            } });
        }>
            <fieldset>
                <legend id="source-legend">{t!(i18n, settings.source_section)}</legend>
                <p class="muted">{t!(i18n, settings.source_help)}</p>
                <div class="field">
                    <label for="source_url">{t!(i18n, settings.source_url)}</label>
                    <input id="source_url" type="url" placeholder="https://cdp.example.com/audiences.jsonl"
                        prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="source_token">{t!(i18n, settings.source_token)}</label>
                    <input id="source_token" type="password" autocomplete="off"
                        prop:value=move || token.get() on:input=move |ev| token.set(event_target_value(&ev)) />
                    {move || (!hint.get().is_empty()).then(|| view! {
                        <p class="muted">{t!(i18n, settings.source_token_saved)}" …"{hint.get()}</p>
                    })}
                </div>
                <label class="check">
                    <input type="checkbox" prop:checked=move || clear.get()
                        on:change=move |ev| clear.set(event_target_checked(&ev)) />
                    {t!(i18n, settings.source_clear_token)}
                </label>
            </fieldset>
            <ErrorMessage error=error />
            <p role="status">{move || matches!(save.value().get(), Some(Ok(_))).then(|| t_string!(i18n, settings.source_saved))}</p>
            <button type="submit" disabled=move || save.pending().get()>{t!(i18n, settings.source_save)}</button>
        </form>
    }
}
