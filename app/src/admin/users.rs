//! Admin users: list, create, edit, disable, assign a role.
use crate::components::{ErrorMessage, ListTable, col, loaded, loaded_from};
use crate::error::{AppError, Problem};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde::{Deserialize, Serialize};

/// Admin passwords: at least 12 characters (ASVS), at most 1 KiB (hashing cost guard).
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_NAME_CHARS: usize = 64;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminUserRow {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role_id: String,
    pub role_name: String,
    pub active: bool,
    pub last_login_at: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AdminUserInput {
    /// None creates a new user.
    pub id: Option<String>,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role_id: String,
    pub active: bool,
    /// Required for a new user; empty keeps the current password of an existing one.
    pub password: String,
}

impl AdminUserInput {
    /// A new, active user with the Administrators role (the first admin from the command line,
    /// the benches' admins).
    pub fn administrator(email: &str, first_name: &str, last_name: &str, password: &str) -> Self {
        AdminUserInput {
            id: None,
            email: email.to_owned(),
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            role_id: "administrators".into(),
            active: true,
            password: password.to_owned(),
        }
    }
}

/// An admin user's input after every rule has been checked.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidAdminUser {
    pub email: crate::domain::Email,
    pub first_name: String,
    pub last_name: String,
    pub role_id: String,
    pub active: bool,
    pub password: Option<String>,
}

fn name(s: &str) -> Result<String, Problem> {
    let s = s.trim();
    if s.is_empty() {
        Err(Problem::NameRequired)
    } else if s.chars().count() > MAX_NAME_CHARS {
        Err(Problem::NameTooLong)
    } else {
        Ok(s.to_owned())
    }
}

/// Checks an admin user's input: the same rules run in the browser and on the server.
pub fn validate_admin_user(input: &AdminUserInput) -> Result<ValidAdminUser, Problem> {
    let email = crate::domain::Email::parse(&input.email).map_err(|_| Problem::EmailInvalid)?;
    let first_name = name(&input.first_name)?;
    let last_name = name(&input.last_name)?;
    if input.role_id.trim().is_empty() {
        return Err(Problem::RoleRequired);
    }
    let password = if input.password.is_empty() && input.id.is_some() {
        None
    } else if input.password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Problem::PasswordTooShort);
    } else if input.password.len() > 1024 {
        return Err(Problem::PasswordTooLong);
    } else {
        Some(input.password.clone())
    };
    Ok(ValidAdminUser {
        email,
        first_name,
        last_name,
        role_id: input.role_id.trim().to_owned(),
        active: input.active,
        password,
    })
}

/// Database side of admin users, shared by the server functions and the `admin create` command.
#[cfg(feature = "ssr")]
pub mod store {
    use super::*;
    use crate::auth::{password::PasswordHasher, session};
    use crate::db::{Db, from_json};

    /// The unique index of admin users' emails.
    const EMAIL_INDEX: &str = "admin_user_email";

    pub async fn list(db: &Db) -> Result<Vec<AdminUserRow>, AppError> {
        let mut res = db
            .query(
                "SELECT record::id(id) AS id, email, first_name, last_name, record::id(role) AS role_id, \
                 role.name AS role_name, active, last_login_at FROM admin_user ORDER BY email",
            )
            .await?;
        let rows: Vec<serde_json::Value> = res.take(0)?;
        rows.into_iter().map(from_json).collect()
    }

    pub async fn get(db: &Db, id: &str) -> Result<AdminUserRow, AppError> {
        let mut res = db
            .query(
                "SELECT record::id(id) AS id, email, first_name, last_name, record::id(role) AS role_id, \
                 role.name AS role_name, active, last_login_at FROM ONLY type::record('admin_user', $id)",
            )
            .bind(("id", id.to_owned()))
            .await?;
        let row: Option<serde_json::Value> = res.take(0)?;
        row.filter(|v| !v.is_null())
            .map(from_json)
            .transpose()?
            .ok_or(AppError::NotFound)
    }

    async fn role_exists(db: &Db, role_id: &str) -> Result<bool, AppError> {
        let mut res = db
            .query("SELECT VALUE id FROM ONLY type::record('admin_role', $id)")
            .bind(("id", role_id.to_owned()))
            .await?;
        let v: Option<serde_json::Value> = res.take(0)?;
        Ok(v.is_some_and(|v| !v.is_null()))
    }

    /// Creates or updates an admin user; returns its id. `acting` is the admin doing it (None for the CLI).
    pub async fn save(
        db: &Db,
        hasher: &PasswordHasher,
        input: AdminUserInput,
        acting: Option<&str>,
    ) -> Result<String, AppError> {
        let valid = validate_admin_user(&input)?;
        if !role_exists(db, &valid.role_id).await? {
            return Err(Problem::RoleRequired.into());
        }
        let hash = match valid.password.clone() {
            Some(p) => Some(hasher.hash(p).await?),
            None => None,
        };
        match input.id {
            None => {
                let mut res = db
                    .query(
                        "CREATE admin_user CONTENT { email: $email, first_name: $first, last_name: $last, \
                         password_hash: $hash, role: type::record('admin_role', $role), active: $active } \
                         RETURN VALUE record::id(id)",
                    )
                    .bind(("email", valid.email.to_string()))
                    .bind(("first", valid.first_name))
                    .bind(("last", valid.last_name))
                    .bind(("hash", hash.unwrap_or_default()))
                    .bind(("role", valid.role_id))
                    .bind(("active", valid.active))
                    .await?;
                match res.take::<Vec<String>>(0) {
                    Ok(ids) => ids.into_iter().next().ok_or(AppError::Unavailable),
                    Err(e) => Err(crate::db::on_unique(e, EMAIL_INDEX, || {
                        Problem::EmailTaken.into()
                    })),
                }
            }
            Some(id) => {
                let before = get(db, &id).await?;
                if acting == Some(id.as_str()) && !valid.active {
                    return Err(Problem::CannotDisableSelf.into());
                }
                let mut res = db
                    .query(
                        "UPDATE type::record('admin_user', $id) SET email = $email, first_name = $first, \
                         last_name = $last, role = type::record('admin_role', $role), active = $active, \
                         password_hash = IF $hash = NONE THEN password_hash ELSE $hash END RETURN NONE",
                    )
                    .bind(("id", id.clone()))
                    .bind(("email", valid.email.to_string()))
                    .bind(("first", valid.first_name))
                    .bind(("last", valid.last_name))
                    .bind(("role", valid.role_id.clone()))
                    .bind(("active", valid.active))
                    .bind(("hash", hash.clone()))
                    .await?;
                if let Some(e) = res.take_errors().into_values().next() {
                    return Err(crate::db::on_unique(e, EMAIL_INDEX, || {
                        Problem::EmailTaken.into()
                    }));
                }
                // Disabling, a new role or a new password end the user's sessions.
                if !valid.active || before.role_id != valid.role_id || hash.is_some() {
                    session::destroy_all_for(db, &id).await?;
                }
                Ok(id)
            }
        }
    }

    pub async fn count(db: &Db) -> Result<u64, AppError> {
        let mut res = db
            .query("SELECT VALUE count FROM (SELECT count() AS count FROM admin_user GROUP ALL)")
            .await?;
        let n: Option<i64> = res.take(0)?;
        Ok(n.unwrap_or(0).max(0) as u64)
    }
}

#[server(prefix = "/api/admin/users", endpoint = "list")]
pub async fn list_admin_users() -> Result<Vec<AdminUserRow>, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::AdminUsers, |_| async move {
        store::list(&crate::state::app_state()?.db).await
    })
    .await
}

#[server(prefix = "/api/admin/users", endpoint = "get")]
pub async fn get_admin_user(id: String) -> Result<AdminUserRow, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::AdminUsers, |_| async move {
        store::get(&crate::state::app_state()?.db, &id).await
    })
    .await
}

#[server(prefix = "/api/admin/users", endpoint = "save")]
pub async fn save_admin_user(input: AdminUserInput) -> Result<String, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::AdminUsers, |me| async move {
        let state = crate::state::app_state()?;
        let id = store::save(&state.db, &state.hasher, input, Some(&me.id)).await?;
        tracing::info!(event = "user_updated", admin.id = %me.id, target.id = %id, "admin user saved");
        Ok(id)
    })
    .await
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let users = Resource::new(|| (), |_| list_admin_users());
    view! {
        <Title text=move || t_string!(i18n, users.title).to_string() />
        <div class="page-head">
            <h1>{t!(i18n, users.title)}</h1>
            <A href="/admin/users/new" attr:class="button">{t!(i18n, users.add)}</A>
        </div>
        {loaded(users, move |rows| {
            let heads = vec![
                col(t!(i18n, users.name)),
                col(t!(i18n, admin.email)),
                col(t!(i18n, users.role)),
                col(t!(i18n, users.status)),
                col(t!(i18n, users.last_sign_in)),
            ];
            ListTable { heads, ..Default::default() }.rows(rows, |u| view! {
                <tr>
                    <td><A href=format!("/admin/users/{}", u.id)>{format!("{} {}", u.first_name, u.last_name)}</A></td>
                    <td>{u.email}</td>
                    <td>{u.role_name}</td>
                    <td>{move || if u.active { t_string!(i18n, users.active) } else { t_string!(i18n, users.disabled) }}</td>
                    <td>{u.last_login_at.map(|d| d.chars().take(16).collect::<String>().replace('T', " ")).unwrap_or_else(|| "—".into())}</td>
                </tr>
            })
        })}
    }
}

#[component]
pub fn UserEditPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.read().get("id");
    let roles = Resource::new(|| (), |_| super::roles::list_roles());
    let user = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_admin_user(id).await.map(Some),
            None => Ok(None),
        }
    });
    let email = RwSignal::new(String::new());
    let first = RwSignal::new(String::new());
    let last = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let active = RwSignal::new(true);
    let password = RwSignal::new(String::new());
    let local_error = RwSignal::new(None::<AppError>);

    let save = Action::new(move |input: &AdminUserInput| {
        let input = input.clone();
        async move { save_admin_user(input).await }
    });
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(_)) = save.value().get() {
            navigate("/admin/users", Default::default());
        }
    });
    let error = Signal::derive(move || {
        local_error
            .get()
            .or_else(|| save.value().get().and_then(|r| r.err()))
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = AdminUserInput {
            id: id(),
            email: email.get_untracked(),
            first_name: first.get_untracked(),
            last_name: last.get_untracked(),
            role_id: role.get_untracked(),
            active: active.get_untracked(),
            password: password.get_untracked(),
        };
        match validate_admin_user(&input) {
            Ok(_) => {
                local_error.set(None);
                save.dispatch(input);
            }
            Err(p) => local_error.set(Some(p.into())),
        }
    };

    view! {
        <Title text=move || t_string!(i18n, users.edit_title).to_string() />
        <h1>{move || if id().is_some() { t_string!(i18n, users.edit_title) } else { t_string!(i18n, users.new_title) }}</h1>
        {loaded_from(move || async move {
            let roles = roles.await.unwrap_or_default();
            Ok((roles, user.await?))
        }, move |(roles, existing): (Vec<_>, Option<_>)| {
                        if let Some(u) = &existing {
                            email.set(u.email.clone());
                            first.set(u.first_name.clone());
                            last.set(u.last_name.clone());
                            role.set(u.role_id.clone());
                            active.set(u.active);
                        }
                        let is_new = existing.is_none();
                        view! {
                            <form class="form" on:submit=on_submit novalidate>
                                <div class="field">
                                    <label for="u-email">{t!(i18n, admin.email)}</label>
                                    <input id="u-email" type="email" required bind:value=email autocomplete="off" />
                                </div>
                                <div class="field">
                                    <label for="u-first">{t!(i18n, users.first_name)}</label>
                                    <input id="u-first" type="text" required bind:value=first maxlength="64" />
                                </div>
                                <div class="field">
                                    <label for="u-last">{t!(i18n, users.last_name)}</label>
                                    <input id="u-last" type="text" required bind:value=last maxlength="64" />
                                </div>
                                <div class="field">
                                    <label for="u-role">{t!(i18n, users.role)}</label>
                                    <select id="u-role" required bind:value=role>
                                        <option value="">{t!(i18n, users.choose_role)}</option>
                                        {roles.into_iter().map(|r| view! { <option value=r.id.clone()>{r.name}</option> }).collect_view()}
                                    </select>
                                </div>
                                <div class="field checkbox">
                                    <input id="u-active" type="checkbox" bind:checked=active />
                                    <label for="u-active">{t!(i18n, users.active)}</label>
                                </div>
                                <div class="field">
                                    <label for="u-password">
                                        {move || if is_new { t_string!(i18n, admin.password) } else { t_string!(i18n, users.new_password) }}
                                    </label>
                                    <input id="u-password" type="password" autocomplete="new-password" bind:value=password
                                        aria-describedby="u-password-hint" />
                                    <p id="u-password-hint" class="hint">{t!(i18n, users.password_hint)}</p>
                                </div>
                                <ErrorMessage error />
                                <div class="actions">
                                    <button type="submit" disabled=move || save.pending().get()>{t!(i18n, common.save)}</button>
                                    <A href="/admin/users" attr:class="button secondary">{t!(i18n, common.cancel)}</A>
                                </div>
                            </form>
                        }
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AdminUserInput {
        AdminUserInput {
            id: None,
            email: "Ops@Example.com".into(),
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            role_id: "administrators".into(),
            active: true,
            password: "a long enough secret".into(),
        }
    }

    #[test]
    fn a_valid_user_is_normalised() {
        let v = validate_admin_user(&input()).unwrap();
        assert_eq!(v.email.as_str(), "ops@example.com");
        assert_eq!(v.password.as_deref(), Some("a long enough secret"));
    }

    #[test]
    fn each_rule_names_its_problem() {
        assert_eq!(
            validate_admin_user(&AdminUserInput {
                email: "nope".into(),
                ..input()
            }),
            Err(Problem::EmailInvalid)
        );
        assert_eq!(
            validate_admin_user(&AdminUserInput {
                first_name: " ".into(),
                ..input()
            }),
            Err(Problem::NameRequired)
        );
        assert_eq!(
            validate_admin_user(&AdminUserInput {
                last_name: "x".repeat(65),
                ..input()
            }),
            Err(Problem::NameTooLong)
        );
        assert_eq!(
            validate_admin_user(&AdminUserInput {
                role_id: "".into(),
                ..input()
            }),
            Err(Problem::RoleRequired)
        );
        assert_eq!(
            validate_admin_user(&AdminUserInput {
                password: "short".into(),
                ..input()
            }),
            Err(Problem::PasswordTooShort)
        );
        assert_eq!(
            validate_admin_user(&AdminUserInput {
                password: "x".repeat(2000),
                ..input()
            }),
            Err(Problem::PasswordTooLong)
        );
    }

    #[test]
    fn an_existing_user_may_keep_their_password() {
        let v = validate_admin_user(&AdminUserInput {
            id: Some("x".into()),
            password: "".into(),
            ..input()
        })
        .unwrap();
        assert_eq!(v.password, None);
        assert_eq!(
            validate_admin_user(&AdminUserInput {
                password: "".into(),
                ..input()
            }),
            Err(Problem::PasswordTooShort)
        );
    }
}
