//! Admin roles: which areas of the back office each role may use.
use crate::components::{ErrorMessage, ListTable, col, loaded, loaded_from, resource_label};
use crate::domain;
use crate::error::{AppError, Problem};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleRow {
    pub id: String,
    pub name: String,
    pub permissions: Vec<domain::Resource>,
    pub builtin: bool,
    #[serde(default)]
    pub users: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RoleInput {
    pub id: Option<String>,
    pub name: String,
    pub permissions: Vec<domain::Resource>,
}

pub fn validate_role(input: &RoleInput) -> Result<RoleInput, Problem> {
    let name = input.name.trim();
    if name.is_empty() {
        return Err(Problem::NameRequired);
    }
    if name.chars().count() > 64 {
        return Err(Problem::NameTooLong);
    }
    let mut permissions = input.permissions.clone();
    permissions.sort();
    permissions.dedup();
    Ok(RoleInput {
        id: input.id.clone(),
        name: name.to_owned(),
        permissions,
    })
}

#[cfg(feature = "ssr")]
pub mod store {
    use super::*;
    use crate::db::{Db, from_json};

    pub async fn list(db: &Db) -> Result<Vec<RoleRow>, AppError> {
        let mut res = db
            .query(
                "SELECT record::id(id) AS id, name, permissions, builtin FROM admin_role ORDER BY name_key;
                 SELECT record::id(role) AS role, count() AS users FROM admin_user GROUP BY role;",
            )
            .await?;
        let roles: Vec<serde_json::Value> = res.take(0)?;
        let counts: Vec<serde_json::Value> = res.take(1)?;
        let mut roles: Vec<RoleRow> = roles.into_iter().map(from_json).collect::<Result<_, _>>()?;
        for c in counts {
            let role = c.get("role").and_then(|v| v.as_str()).unwrap_or_default();
            let users = c.get("users").and_then(|v| v.as_u64()).unwrap_or(0);
            if let Some(r) = roles.iter_mut().find(|r| r.id == role) {
                r.users = users;
            }
        }
        Ok(roles)
    }

    pub async fn save(db: &Db, input: RoleInput) -> Result<String, AppError> {
        let valid = validate_role(&input)?;
        let permissions: Vec<&str> = valid.permissions.iter().map(|p| p.key()).collect();
        let mut res = match &valid.id {
            None => db
                .query("CREATE admin_role CONTENT { name: $name, permissions: $permissions } RETURN VALUE record::id(id)")
                .bind(("name", valid.name.clone()))
                .bind(("permissions", permissions.iter().map(|s| s.to_string()).collect::<Vec<_>>()))
                .await?,
            Some(id) => {
                if list(db).await?.iter().any(|r| &r.id == id && r.builtin) {
                    return Err(Problem::BuiltinRole.into());
                }
                db.query(
                    "UPDATE type::record('admin_role', $id) SET name = $name, permissions = $permissions \
                     RETURN VALUE record::id(id)",
                )
                .bind(("id", id.clone()))
                .bind(("name", valid.name.clone()))
                .bind(("permissions", permissions.iter().map(|s| s.to_string()).collect::<Vec<_>>()))
                .await?
            }
        };
        match res.take::<Vec<String>>(0) {
            Ok(ids) => ids.into_iter().next().ok_or(AppError::NotFound),
            Err(e) => Err(crate::db::on_unique(e, "admin_role_name", || {
                Problem::RoleNameTaken.into()
            })),
        }
    }

    pub async fn delete(db: &Db, id: &str) -> Result<(), AppError> {
        let roles = list(db).await?;
        let role = roles
            .iter()
            .find(|r| r.id == id)
            .ok_or(AppError::NotFound)?;
        if role.builtin {
            return Err(Problem::BuiltinRole.into());
        }
        if role.users > 0 {
            return Err(Problem::RoleInUse.into());
        }
        db.query("DELETE type::record('admin_role', $id)")
            .bind(("id", id.to_owned()))
            .await?
            .check()?;
        Ok(())
    }
}

#[server(prefix = "/api/admin/roles", endpoint = "list")]
pub async fn list_roles() -> Result<Vec<RoleRow>, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::AdminUsers, |_| async move {
        store::list(&crate::state::app_state()?.db).await
    })
    .await
}

#[server(prefix = "/api/admin/roles", endpoint = "save")]
pub async fn save_role(input: RoleInput) -> Result<String, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::AdminUsers, |me| async move {
        let id = store::save(&crate::state::app_state()?.db, input).await?;
        tracing::info!(event = "authz_admin", admin.id = %me.id, role.id = %id, "admin role saved");
        Ok(id)
    })
    .await
}

#[server(prefix = "/api/admin/roles", endpoint = "delete")]
pub async fn delete_role(id: String) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::domain::Resource::AdminUsers, |me| async move {
        store::delete(&crate::state::app_state()?.db, &id).await?;
        tracing::info!(event = "authz_admin", admin.id = %me.id, role.id = %id, "admin role deleted");
        Ok(())
    })
    .await
}

#[component]
pub fn RolesPage() -> impl IntoView {
    let i18n = use_i18n();
    let roles = Resource::new(|| (), |_| list_roles());
    view! {
        <Title text=move || t_string!(i18n, roles.title).to_string() />
        <div class="page-head">
            <h1>{t!(i18n, roles.title)}</h1>
            <A href="/admin/roles/new" attr:class="button">{t!(i18n, roles.add)}</A>
        </div>
        {loaded(roles, move |rows| {
            let heads = vec![
                col(t!(i18n, roles.name)),
                col(t!(i18n, roles.permissions)),
                col(t!(i18n, roles.users)),
            ];
            ListTable { heads, ..Default::default() }.rows(rows, |r| {
                let perms = r.permissions.clone();
                view! {
                    <tr>
                        <td><A href=format!("/admin/roles/{}", r.id)>{r.name.clone()}</A></td>
                        <td>{move || perms.iter().map(|p| resource_label(i18n.get_locale(), *p)).collect::<Vec<_>>().join(", ")}</td>
                        <td>{r.users}</td>
                    </tr>
                }
            })
        })}
    }
}

#[component]
pub fn RoleEditPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.read().get("id");
    let roles = Resource::new(|| (), |_| list_roles());
    let name = RwSignal::new(String::new());
    let granted = RwSignal::new(Vec::<domain::Resource>::new());
    let local_error = RwSignal::new(None::<AppError>);
    let save = Action::new(move |input: &RoleInput| {
        let input = input.clone();
        async move { save_role(input).await }
    });
    let remove = Action::new(move |id: &String| {
        let id = id.clone();
        async move { delete_role(id).await }
    });
    let navigate = use_navigate();
    Effect::new(move || {
        let saved = matches!(save.value().get(), Some(Ok(_)));
        let removed = matches!(remove.value().get(), Some(Ok(_)));
        if saved || removed {
            navigate("/admin/roles", Default::default());
        }
    });
    let error = Signal::derive(move || {
        local_error
            .get()
            .or_else(|| save.value().get().and_then(|r| r.err()))
            .or_else(|| remove.value().get().and_then(|r| r.err()))
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = RoleInput {
            id: id(),
            name: name.get_untracked(),
            permissions: granted.get_untracked(),
        };
        match validate_role(&input) {
            Ok(v) => {
                local_error.set(None);
                save.dispatch(v);
            }
            Err(p) => local_error.set(Some(p.into())),
        }
    };
    view! {
        <Title text=move || t_string!(i18n, roles.edit_title).to_string() />
        <h1>{move || if id().is_some() { t_string!(i18n, roles.edit_title) } else { t_string!(i18n, roles.new_title) }}</h1>
        {loaded_from(move || async move { Ok(roles.await.unwrap_or_default()) }, move |rows: Vec<_>| {
                let existing = id().and_then(|id| rows.into_iter().find(|r| r.id == id));
                let builtin = existing.as_ref().is_some_and(|r| r.builtin);
                if let Some(r) = &existing {
                    name.set(r.name.clone());
                    granted.set(r.permissions.clone());
                }
                let existing_id = existing.as_ref().map(|r| r.id.clone());
                view! {
                    <form class="form" on:submit=on_submit novalidate>
                        <Show when=move || builtin>
                            <p class="notice">{t!(i18n, roles.builtin_notice)}</p>
                        </Show>
                        <div class="field">
                            <label for="r-name">{t!(i18n, roles.name)}</label>
                            <input id="r-name" type="text" required maxlength="64" bind:value=name disabled=builtin />
                        </div>
                        <fieldset class="permissions" disabled=builtin>
                            <legend>{t!(i18n, roles.permissions)}</legend>
                            {domain::Resource::ALL.into_iter().map(|r| {
                                let input_id = format!("perm-{}", r.key());
                                view! {
                                    <div class="field checkbox">
                                        <input type="checkbox" id=input_id.clone()
                                            prop:checked=move || granted.read().contains(&r)
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                granted.update(|g| {
                                                    g.retain(|x| *x != r);
                                                    if on { g.push(r) }
                                                });
                                            } />
                                        <label for=input_id>{move || resource_label(i18n.get_locale(), r)}</label>
                                    </div>
                                }
                            }).collect_view()}
                        </fieldset>
                        <ErrorMessage error />
                        <div class="actions">
                            <button type="submit" disabled=move || builtin || save.pending().get()>{t!(i18n, common.save)}</button>
                            {existing_id.filter(|_| !builtin).map(|rid| view! {
                                <button type="button" class="danger" on:click=move |_| { remove.dispatch(rid.clone()); }>
                                    {t!(i18n, common.delete)}
                                </button>
                            })}
                            <A href="/admin/roles" attr:class="button secondary">{t!(i18n, common.cancel)}</A>
                        </div>
                    </form>
                }
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_required_and_permissions_deduplicated() {
        let r = validate_role(&RoleInput {
            id: None,
            name: "  Support ".into(),
            permissions: vec![
                domain::Resource::Customers,
                domain::Resource::NowOnline,
                domain::Resource::Customers,
            ],
        })
        .unwrap();
        assert_eq!(r.name, "Support");
        assert_eq!(
            r.permissions,
            vec![domain::Resource::Customers, domain::Resource::NowOnline]
        );
        assert_eq!(
            validate_role(&RoleInput {
                name: " ".into(),
                ..Default::default()
            }),
            Err(Problem::NameRequired)
        );
    }
}
