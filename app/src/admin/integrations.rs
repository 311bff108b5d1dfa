//! Admin > System > Integrations: public-API tokens with their scopes — make one (shown once),
//! see when each was last used, revoke it.
use crate::components::{ErrorMessage, ListTable, col, loaded};
use crate::domain::integration::{IntegrationInput, IntegrationRow, NewToken, Scope, TokenState};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[server(prefix = "/api/admin/integrations", endpoint = "list")]
pub async fn list_integrations() -> Result<Vec<IntegrationRow>, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Integrations, |_| async move {
        crate::auth::integration::list(&crate::state::app_state()?.db).await
    })
    .await
}

#[server(prefix = "/api/admin/integrations", endpoint = "create", input = server_fn::codec::Json)]
pub async fn create_integration(input: IntegrationInput) -> Result<NewToken, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Integrations, |me| async move {
        let valid = input.validate(chrono::Utc::now().date_naive())?;
        let made = crate::auth::integration::create(&crate::state::app_state()?.db, &me, valid).await?;
        tracing::info!(event = "authz_admin", admin.id = %me.id, integration.id = %made.id, "integration token created");
        Ok(made)
    })
    .await
}

#[server(prefix = "/api/admin/integrations", endpoint = "revoke", input = server_fn::codec::Json)]
pub async fn revoke_integration(id: String) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Integrations, |me| async move {
        crate::auth::integration::revoke(&crate::state::app_state()?.db, &me, &id).await?;
        tracing::info!(event = "authz_admin", admin.id = %me.id, integration.id = %id, "integration token revoked");
        Ok(())
    })
    .await
}

/// How a token stands today, in the reader's language.
fn status(i18n: leptos_i18n::I18nContext<Locale>, state: TokenState) -> &'static str {
    match state {
        TokenState::Active => t_string!(i18n, integrations.active),
        TokenState::Expired => t_string!(i18n, integrations.expired),
        TokenState::Revoked => t_string!(i18n, integrations.revoked),
    }
}

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let create = Action::new(|input: &IntegrationInput| create_integration(input.clone()));
    let revoke = Action::new(|id: &String| revoke_integration(id.clone()));
    let list = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_integrations(),
    );
    view! {
        <Title text=move || t_string!(i18n, integrations.title).to_string() />
        <h1>{t!(i18n, integrations.title)}</h1>
        <p>{t!(i18n, integrations.intro)} " " <A href="/admin/integrations/api-reference">{t!(i18n, integrations.api_reference)}</A></p>
        <NewIntegration create />
        <ErrorMessage error=Signal::derive(move || revoke.value().get().and_then(Result::err)) />
        {loaded(list, move |rows| {
            let heads = vec![
                col(t!(i18n, integrations.name)),
                col(t!(i18n, integrations.token)),
                col(t!(i18n, integrations.scopes)),
                col(t!(i18n, integrations.created)),
                col(t!(i18n, integrations.expires)),
                col(t!(i18n, integrations.last_used)),
                col(t!(i18n, integrations.status)),
                col(view! { <span class="visually-hidden">{t!(i18n, grid.action)}</span> }),
            ];
            let empty = Some(t!(i18n, integrations.none).into_any());
            ListTable { heads, empty, ..Default::default() }.rows(rows, move |r| {
                let state = r.state;
                let live = r.revoked_at.is_none();
                let id = r.id.clone();
                view! {
                    <tr>
                        <td>{r.name.clone()}</td>
                        <td><code>{format!("{}…", r.token_hint)}</code></td>
                        <td>{r.scopes.iter().map(|s| s.key()).collect::<Vec<_>>().join(", ")}</td>
                        <td>{r.created_at.clone()}<br/><span class="muted">{r.created_by.clone()}</span></td>
                        <td>{r.expires_at.clone().unwrap_or_else(|| t_string!(i18n, integrations.never).to_owned())}</td>
                        <td>{r.last_used_at.clone().unwrap_or_else(|| "—".to_owned())}</td>
                        <td>{move || status(i18n, state)}</td>
                        <td>{live.then(|| view! {
                            <button type="button" class="link" aria-label=format!("{} {}", t_string!(i18n, integrations.revoke), r.name)
                                on:click=move |_| { revoke.dispatch(id.clone()); }>{t!(i18n, integrations.revoke)}</button>
                        })}</td>
                    </tr>
                }
            })
        })}
    }
}

/// The form that makes a token, and the token it made (shown this once).
#[component]
fn NewIntegration(create: Action<IntegrationInput, Result<NewToken, AppError>>) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let expires = RwSignal::new(String::new());
    let scopes = RwSignal::new(Vec::<Scope>::new());
    let problem = move |field: &'static str| {
        move || {
            create
                .value()
                .get()
                .and_then(Result::err)
                .and_then(|e| e.field_problem(field))
        }
    };
    let message = move |field: &'static str| {
        move || problem(field)().map(|p| crate::components::problem_text(i18n.get_locale(), p))
    };
    view! {
        <form class="card" novalidate on:submit=move |ev| {
            ev.prevent_default();
            create.dispatch(IntegrationInput { name: name.get_untracked(), scopes: scopes.get_untracked(), expires_on: expires.get_untracked() });
        }>
            <h2>{t!(i18n, integrations.new)}</h2>
            <div class="field">
                <label for="integration-name">{t!(i18n, integrations.name)}</label>
                <input id="integration-name" maxlength="64" aria-required="true" aria-describedby="integration-name-error"
                    aria-invalid=move || problem("name")().is_some().to_string()
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                <p id="integration-name-error" class="field-error">{message("name")}</p>
            </div>
            <fieldset class="field" aria-describedby="integration-scopes-error">
                <legend>{t!(i18n, integrations.scopes)}</legend>
                {Scope::ALL.into_iter().map(|s| view! {
                    <label class="check">
                        <input type="checkbox" prop:checked=move || scopes.get().contains(&s)
                            on:change=move |ev| scopes.update(|v| if event_target_checked(&ev) { v.push(s) } else { v.retain(|x| *x != s) }) />
                        {s.key()}
                    </label>
                }).collect_view()}
                <p id="integration-scopes-error" class="field-error">{message("scopes")}</p>
            </fieldset>
            <div class="field">
                <label for="integration-expires">{t!(i18n, integrations.expires_on)}</label>
                <input id="integration-expires" type="date" aria-describedby="integration-expires-error"
                    aria-invalid=move || problem("expires_on")().is_some().to_string()
                    prop:value=move || expires.get() on:input=move |ev| expires.set(event_target_value(&ev)) />
                <p id="integration-expires-error" class="field-error">{message("expires_on")}</p>
            </div>
            <button type="submit">{t!(i18n, integrations.create)}</button>
        </form>
        {move || match create.value().get() {
            Some(Ok(made)) => view! {
                <div class="notice" role="status">
                    <p>{t!(i18n, integrations.copy_now)}</p>
                    <p><code data-testid="new-token">{made.token}</code></p>
                </div>
            }.into_any(),
            Some(Err(e)) if !matches!(e, AppError::InvalidFields(_)) => view! { <ErrorMessage error=Some(e) /> }.into_any(),
            _ => ().into_any(),
        }}
    }
}
