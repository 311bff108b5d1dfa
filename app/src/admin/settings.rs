//! Admin > Settings (Stores > Configuration > Customers): account sharing, new accounts, passwords,
//! sign-in, online customers, name and address options. Read from the database on every use, so a
//! change applies at once on every app server; each change is in the action log.
use crate::components::ErrorMessage;
use crate::domain::customer::{CustomerSettings, ResetProtection, Sharing, Show};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::{FieldError, Problem};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;

/// The settings, the groups a new account may join, and the websites (id, name).
#[server(prefix = "/api/admin/settings", endpoint = "get")]
pub async fn get_settings()
-> Result<(CustomerSettings, Vec<(u32, String)>, Vec<(String, String)>), AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Configuration, |_| async move {
        let db = crate::state::app_state()?.db.clone();
        let settings = crate::customers::settings::settings(&db).await?;
        let mut res = db
            .query("SELECT VALUE [record::id(id), code] FROM customer_group WHERE record::id(id) != 0 ORDER BY code")
            .await?;
        let groups: Vec<(i64, String)> = res.take(0)?;
        let websites = crate::customers::settings::websites(&db).await?;
        Ok((settings, groups.into_iter().map(|(i, c)| (i as u32, c)).collect(), websites))
    })
    .await
}

/// The keys whose values differ between two settings (for the action log).
pub fn changed_keys(old: &CustomerSettings, new: &CustomerSettings) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return Vec::new();
    };
    b.iter()
        .filter(|(k, v)| a.get(*k) != Some(*v))
        .map(|(k, v)| format!("{k}={v}"))
        .collect()
}

/// Saves the settings. Changing the sharing scope re-scopes every account in the same
/// transaction; if two accounts would then share an email, nothing changes and the admin is told.
#[server(prefix = "/api/admin/settings", endpoint = "save", input = server_fn::codec::Json)]
pub async fn save_settings(settings: CustomerSettings) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Configuration, |me| async move {
        use crate::db::action_log;
        let state = crate::state::app_state()?;
        let mut problems = settings.problems();
        if !crate::customers::repo::exists(&state.db, "customer_group", serde_json::json!(settings.default_group)).await? {
            problems.push(FieldError { field: "default_group".into(), problem: Problem::GroupInvalid });
        }
        if !settings.assist_website.is_empty()
            && !crate::customers::repo::exists(&state.db, "website", serde_json::json!(settings.assist_website)).await?
        {
            problems.push(FieldError { field: "assist_website".into(), problem: Problem::WebsiteInvalid });
        }
        if !problems.is_empty() {
            return Err(AppError::InvalidFields(problems));
        }
        let old = crate::customers::settings::settings(&state.db).await?;
        let changed = changed_keys(&old, &settings);
        if changed.is_empty() {
            return Ok(());
        }
        let value = serde_json::to_value(&settings).map_err(AppError::internal)?;
        let detail = changed.join(", ");
        let mut tx = crate::db::tx::Tx::new();
        tx.stmt("UPSERT setting:customer CONTENT $settings RETURN NONE;");
        if old.sharing != settings.sharing {
            tx.stmt("UPDATE customer SET scope = IF $global THEN 'global' ELSE record::id(website) END RETURN NONE;");
        }
        tx.log(action_log::entry(&me, "settings_changed", None, 1, &detail))
            .shared("settings", value)
            .shared("global", settings.sharing == Sharing::Global);
        let errors = tx.run(&state.db).await?;
        crate::db::unique_or_first(errors, "customer_scope_email", || {
            AppError::InvalidFields(vec![FieldError { field: "sharing".into(), problem: Problem::SharingConflict }])
        })?;
        tracing::info!(event = "config_changed", admin.id = %me.id, changed = %detail, "customer settings changed");
        Ok(())
    })
    .await
}

fn show_label(l: Locale, s: Show) -> &'static str {
    match s {
        Show::Hidden => td_string!(l, settings.show_hidden),
        Show::Optional => td_string!(l, settings.show_optional),
        Show::Required => td_string!(l, settings.show_required),
    }
}

fn protection_label(l: Locale, p: ResetProtection) -> &'static str {
    match p {
        ResetProtection::IpAndEmail => td_string!(l, settings.protect_ip_email),
        ResetProtection::Ip => td_string!(l, settings.protect_ip),
        ResetProtection::Email => td_string!(l, settings.protect_email),
        ResetProtection::None => td_string!(l, settings.protect_none),
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new_blocking(|| (), |_| get_settings());
    let save = ServerAction::<SaveSettings>::new();
    view! {
        <Title text=move || t_string!(i18n, settings.title).to_string() />
        <h1>{t!(i18n, settings.title)}</h1>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                let (initial, groups, websites) = match data.await {
                    Ok(d) => d,
                    Err(e) => return view! { <ErrorMessage error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                };
                let form = RwSignal::new(initial);
                let error = Signal::derive(move || save.value().get().and_then(Result::err));
                let saved = move || matches!(save.value().get(), Some(Ok(())));
                view! {
                    <form class="card settings" on:submit=move |ev| {
                        ev.prevent_default();
                        save.dispatch(SaveSettings { settings: form.get_untracked() });
                    }>
                        <fieldset>
                            <legend>{t!(i18n, settings.sharing_section)}</legend>
                            <SelectSetting id="sharing" label=move || t_string!(i18n, settings.sharing).to_string()
                                options=vec![("per_website".to_owned(), t_string!(i18n, settings.per_website).to_string()), ("global".to_owned(), t_string!(i18n, settings.global).to_string())]
                                value=Signal::derive(move || form.with(|f| f.sharing.key().to_owned()))
                                on_change=move |v: String| form.update(|f| f.sharing = Sharing::parse(&v).unwrap_or_default()) />
                        </fieldset>
                        <fieldset>
                            <legend>{t!(i18n, settings.new_account_section)}</legend>
                            <SelectSetting id="default_group" label=move || t_string!(i18n, settings.default_group).to_string()
                                options=groups.iter().map(|(i, c)| (i.to_string(), c.clone())).collect()
                                value=Signal::derive(move || form.with(|f| f.default_group.to_string()))
                                on_change=move |v: String| form.update(|f| f.default_group = v.parse().unwrap_or(1)) />
                            <BoolSetting id="require_confirmation" label=move || t_string!(i18n, settings.require_confirmation).to_string()
                                value=Signal::derive(move || form.with(|f| f.require_confirmation)) on_change=move |v| form.update(|f| f.require_confirmation = v) />
                            <NumberSetting id="confirm_link_hours" label=move || t_string!(i18n, settings.confirm_link_hours).to_string()
                                value=Signal::derive(move || form.with(|f| f.confirm_link_hours)) on_change=move |v| form.update(|f| f.confirm_link_hours = v) />
                            <BoolSetting id="welcome_email" label=move || t_string!(i18n, settings.welcome_email).to_string()
                                value=Signal::derive(move || form.with(|f| f.welcome_email)) on_change=move |v| form.update(|f| f.welcome_email = v) />
                        </fieldset>
                        <fieldset>
                            <legend>{t!(i18n, settings.password_section)}</legend>
                            <SelectSetting id="reset_protection" label=move || t_string!(i18n, settings.reset_protection).to_string()
                                options=ResetProtection::ALL.iter().map(|p| (p.key().to_owned(), protection_label(i18n.get_locale_untracked(), *p).to_owned())).collect()
                                value=Signal::derive(move || form.with(|f| f.reset_protection.key().to_owned()))
                                on_change=move |v: String| form.update(|f| f.reset_protection = ResetProtection::parse(&v).unwrap_or_default()) />
                            <NumberSetting id="reset_max_per_hour" label=move || t_string!(i18n, settings.reset_max_per_hour).to_string()
                                value=Signal::derive(move || form.with(|f| f.reset_max_per_hour)) on_change=move |v| form.update(|f| f.reset_max_per_hour = v) />
                            <NumberSetting id="reset_min_minutes" label=move || t_string!(i18n, settings.reset_min_minutes).to_string()
                                value=Signal::derive(move || form.with(|f| f.reset_min_minutes)) on_change=move |v| form.update(|f| f.reset_min_minutes = v) />
                            <NumberSetting id="reset_link_hours" label=move || t_string!(i18n, settings.reset_link_hours).to_string()
                                value=Signal::derive(move || form.with(|f| f.reset_link_hours)) on_change=move |v| form.update(|f| f.reset_link_hours = v) />
                            <NumberSetting id="password_min_length" label=move || t_string!(i18n, settings.password_min_length).to_string()
                                value=Signal::derive(move || form.with(|f| f.password_min_length)) on_change=move |v| form.update(|f| f.password_min_length = v) />
                            <NumberSetting id="password_classes" label=move || t_string!(i18n, settings.password_classes).to_string()
                                value=Signal::derive(move || form.with(|f| u32::from(f.password_classes))) on_change=move |v: u32| form.update(|f| f.password_classes = v.min(255) as u8) />
                            <NumberSetting id="lockout_failures" label=move || t_string!(i18n, settings.lockout_failures).to_string()
                                value=Signal::derive(move || form.with(|f| f.lockout_failures)) on_change=move |v| form.update(|f| f.lockout_failures = v) />
                            <NumberSetting id="lockout_minutes" label=move || t_string!(i18n, settings.lockout_minutes).to_string()
                                value=Signal::derive(move || form.with(|f| f.lockout_minutes)) on_change=move |v| form.update(|f| f.lockout_minutes = v) />
                        </fieldset>
                        <fieldset>
                            <legend>{t!(i18n, settings.login_section)}</legend>
                            <BoolSetting id="redirect_to_dashboard" label=move || t_string!(i18n, settings.redirect_to_dashboard).to_string()
                                value=Signal::derive(move || form.with(|f| f.redirect_to_dashboard)) on_change=move |v| form.update(|f| f.redirect_to_dashboard = v) />
                            <NumberSetting id="online_minutes" label=move || t_string!(i18n, settings.online_minutes).to_string()
                                value=Signal::derive(move || form.with(|f| f.online_minutes)) on_change=move |v| form.update(|f| f.online_minutes = v) />
                        </fieldset>
                        <fieldset>
                            <legend>{t!(i18n, settings.activity_section)}</legend>
                            <NumberSetting id="abandoned_cart_hours" label=move || t_string!(i18n, settings.abandoned_cart_hours).to_string()
                                value=Signal::derive(move || form.with(|f| f.abandoned_cart_hours)) on_change=move |v| form.update(|f| f.abandoned_cart_hours = v) />
                            <NumberSetting id="product_view_days" label=move || t_string!(i18n, settings.product_view_days).to_string()
                                value=Signal::derive(move || form.with(|f| f.product_view_days)) on_change=move |v| form.update(|f| f.product_view_days = v) />
                        </fieldset>
                        <fieldset>
                            <legend>{t!(i18n, settings.assist_section)}</legend>
                            <BoolSetting id="assist_enabled" label=move || t_string!(i18n, settings.assist_enabled).to_string()
                                value=Signal::derive(move || form.with(|f| f.assist_enabled)) on_change=move |v| form.update(|f| f.assist_enabled = v) />
                            <BoolSetting id="assist_consent_required" label=move || t_string!(i18n, settings.assist_consent_required).to_string()
                                value=Signal::derive(move || form.with(|f| f.assist_consent_required)) on_change=move |v| form.update(|f| f.assist_consent_required = v) />
                            <SelectSetting id="assist_website" label=move || t_string!(i18n, settings.assist_website).to_string()
                                options=std::iter::once((String::new(), t_string!(i18n, settings.assist_own_website).to_string()))
                                    .chain(websites.iter().cloned()).collect()
                                value=Signal::derive(move || form.with(|f| f.assist_website.clone()))
                                on_change=move |v: String| form.update(|f| f.assist_website = v) />
                            <NumberSetting id="assist_minutes" label=move || t_string!(i18n, settings.assist_minutes).to_string()
                                value=Signal::derive(move || form.with(|f| f.assist_minutes)) on_change=move |v| form.update(|f| f.assist_minutes = v) />
                        </fieldset>
                        <fieldset>
                            <legend>{t!(i18n, settings.name_address_section)}</legend>
                            <NumberSetting id="street_lines" label=move || t_string!(i18n, settings.street_lines).to_string()
                                value=Signal::derive(move || form.with(|f| u32::from(f.street_lines))) on_change=move |v: u32| form.update(|f| f.street_lines = v.min(255) as u8) />
                            {[
                                ("prefix", td_string!(i18n.get_locale_untracked(), customer.prefix)),
                                ("middlename", td_string!(i18n.get_locale_untracked(), customer.middlename)),
                                ("suffix", td_string!(i18n.get_locale_untracked(), customer.suffix)),
                                ("dob", td_string!(i18n.get_locale_untracked(), customer.dob)),
                                ("gender", td_string!(i18n.get_locale_untracked(), customer.gender)),
                                ("taxvat", td_string!(i18n.get_locale_untracked(), customer.taxvat)),
                                ("telephone", td_string!(i18n.get_locale_untracked(), grid.col_telephone)),
                                ("company", td_string!(i18n.get_locale_untracked(), grid.col_company)),
                            ].into_iter().map(|(key, name)| {
                                let get = move |f: &CustomerSettings| match key {
                                    "prefix" => f.prefix, "middlename" => f.middlename, "suffix" => f.suffix, "dob" => f.dob,
                                    "gender" => f.gender, "taxvat" => f.taxvat, "telephone" => f.telephone, _ => f.company,
                                };
                                let set = move |f: &mut CustomerSettings, v: Show| match key {
                                    "prefix" => f.prefix = v, "middlename" => f.middlename = v, "suffix" => f.suffix = v, "dob" => f.dob = v,
                                    "gender" => f.gender = v, "taxvat" => f.taxvat = v, "telephone" => f.telephone = v, _ => f.company = v,
                                };
                                view! {
                                    <SelectSetting id=key label=move || name.to_string()
                                        options=Show::ALL.iter().map(|s| (s.key().to_owned(), show_label(i18n.get_locale_untracked(), *s).to_owned())).collect()
                                        value=Signal::derive(move || form.with(|f| get(f).key().to_owned()))
                                        on_change=move |v: String| form.update(|f| set(f, Show::parse(&v).unwrap_or_default())) />
                                }
                            }).collect_view()}
                        </fieldset>
                        <ErrorMessage error />
                        <Show when=saved>
                            <p class="notice" role="status">{t!(i18n, settings.saved)}</p>
                        </Show>
                        <button type="submit" disabled=move || save.pending().get()>{t!(i18n, settings.save)}</button>
                    </form>
                }.into_any()
            })}
        </Suspense>
        <crate::admin::audiences::source::AudienceSourceSettings />
    }
}

#[component]
fn SelectSetting(
    id: &'static str,
    label: impl Fn() -> String + Send + Sync + 'static,
    options: Vec<(String, String)>,
    value: Signal<String>,
    on_change: impl Fn(String) + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=format!("s-{id}")>{label}</label>
            <select id=format!("s-{id}") name=id on:change=move |ev| on_change(event_target_value(&ev))>
                {options.into_iter().map(|(k, text)| {
                    let key = k.clone();
                    view! { <option value=k selected=move || value.get() == key>{text}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
fn NumberSetting(
    id: &'static str,
    label: impl Fn() -> String + Send + Sync + 'static,
    value: Signal<u32>,
    on_change: impl Fn(u32) + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=format!("s-{id}")>{label}</label>
            <input id=format!("s-{id}") name=id type="number" min="0" prop:value=move || value.get().to_string()
                on:change=move |ev| on_change(event_target_value(&ev).trim().parse().unwrap_or(0)) />
        </div>
    }
}

#[component]
fn BoolSetting(
    id: &'static str,
    label: impl Fn() -> String + Send + Sync + 'static,
    value: Signal<bool>,
    on_change: impl Fn(bool) + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="field check">
            <input id=format!("s-{id}") name=id type="checkbox" prop:checked=move || value.get()
                on:change=move |ev| on_change(event_target_checked(&ev)) />
            <label for=format!("s-{id}")>{label}</label>
        </div>
    }
}
