//! Customers > Customer Groups: the groups grid (search, sort, mass delete), group form, tax classes.
use crate::components::{ErrorMessage, fill, loaded};
use crate::error::{AppError, Problem};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{db::action_log, db::tx::Tx, domain::Resource as Area, state::app_state};

pub const MAX_CODE_CHARS: usize = 32;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupRow {
    pub id: u32,
    pub code: String,
    pub tax_class_id: String,
    pub tax_class: String,
    pub customers: u64,
    /// NOT LOGGED IN and the default group for new accounts cannot be deleted.
    pub protected: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupsData {
    pub groups: Vec<GroupRow>,
    /// (id, name)
    pub tax_classes: Vec<(String, String)>,
}

/// A group code: trimmed, 1 to 32 characters, no control characters.
pub fn group_code(input: &str) -> Result<String, Problem> {
    let code = crate::domain::customer::text(input, MAX_CODE_CHARS)?;
    if code.is_empty() {
        return Err(Problem::FieldRequired);
    }
    Ok(code)
}

#[server(prefix = "/api/admin/groups", endpoint = "list")]
pub async fn list_groups() -> Result<GroupsData, AppError> {
    crate::auth::caller::serve(Area::CustomerGroups, |_| async move {
        let state = app_state()?;
        let settings = crate::customers::settings::settings(&state.db).await?;
        let mut res = state
            .db
            .query(
                "SELECT record::id(id) AS id, code, record::id(tax_class) AS tax_class_id, tax_class.name AS tax_class \
                 FROM customer_group ORDER BY id;
                 SELECT VALUE [record::id(id), name] FROM tax_class ORDER BY name;",
            )
            .await?;
        #[derive(serde::Deserialize)]
        struct Row {
            id: u32,
            code: String,
            tax_class_id: String,
            tax_class: Option<String>,
        }
        let rows: Vec<serde_json::Value> = res.take(0)?;
        let tax_classes: Vec<(String, String)> = res.take(1)?;
        state.customers.fresh(&state.db).await?;
        let counts = state.customers.read().count_by_group();
        let groups = rows
            .into_iter()
            .map(crate::db::from_json::<Row>)
            .map(|r| {
                r.map(|r| GroupRow {
                    protected: r.id == 0 || r.id == settings.default_group,
                    customers: counts.get(&r.id).copied().unwrap_or(0),
                    id: r.id,
                    code: r.code,
                    tax_class_id: r.tax_class_id,
                    tax_class: r.tax_class.unwrap_or_default(),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(GroupsData {
            groups,
            tax_classes,
        })
    })
    .await
}

/// Creates (id None) or renames a group; returns its id.
#[server(prefix = "/api/admin/groups", endpoint = "save", input = server_fn::codec::Json)]
pub async fn save_group(id: Option<u32>, code: String, tax_class: String) -> Result<u32, AppError> {
    crate::auth::caller::serve(Area::CustomerGroups, |me| async move {
        let code = group_code(&code)?;
        let is_update = id.is_some();
        let db = app_state()?.db.clone();
        let mut res = db
            .query("RETURN record::exists(type::record('tax_class', $t))")
            .bind(("t", tax_class.clone()))
            .await?;
        if !res.take::<Option<bool>>(0)?.unwrap_or(false) {
            return Err(Problem::TaxClassInvalid.into());
        }
        let id: i64 = match id {
            Some(id) => {
                let mut res = db
                    .query("RETURN record::exists(type::record('customer_group', $id))")
                    .bind(("id", i64::from(id)))
                    .await?;
                if !res.take::<Option<bool>>(0)?.unwrap_or(false) {
                    return Err(AppError::NotFound);
                }
                i64::from(id)
            }
            None => {
                let mut res = db.query("RETURN sequence::nextval('customer_group_id')").await?;
                res.take::<Option<i64>>(0)?.ok_or(AppError::Unavailable)?
            }
        };
        let action = if id > 0 && is_update { "group_updated" } else { "group_created" };
        let errors = Tx::new()
            .stmt("UPSERT type::record('customer_group', $id) SET code = $code, tax_class = type::record('tax_class', $t) RETURN NONE;")
            .log(action_log::entry(&me, action, None, 1, &code))
            .shared("id", id)
            .shared("code", code.clone())
            .shared("t", tax_class)
            .run(&db)
            .await?;
        crate::db::unique_or_first(errors, "customer_group_code", || {
            Problem::GroupCodeTaken.into()
        })?;
        Ok(id as u32)
    })
    .await
}

/// Deletes groups; their customers move to the default group in the same transaction.
/// Returns how many customers moved.
#[server(prefix = "/api/admin/groups", endpoint = "delete", input = server_fn::codec::Json)]
pub async fn delete_groups(ids: Vec<u32>) -> Result<u64, AppError> {
    crate::auth::caller::serve(Area::CustomerGroups, |me| async move {
        if ids.is_empty() {
            return Err(Problem::NothingSelected.into());
        }
        let state = app_state()?;
        let settings = crate::customers::settings::settings(&state.db).await?;
        if ids.iter().any(|i| *i == 0 || *i == settings.default_group) {
            return Err(Problem::GroupProtected.into());
        }
        state.customers.fresh(&state.db).await?;
        let moved: u64 = {
            let counts = state.customers.read().count_by_group();
            ids.iter().map(|i| counts.get(i).copied().unwrap_or(0)).sum()
        };
        let records: Vec<surrealdb::types::RecordId> = ids
            .iter()
            .map(|i| surrealdb::types::RecordId::new("customer_group", i64::from(*i)))
            .collect();
        let detail = ids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        Tx::new()
            .stmt("UPDATE customer SET group = type::record('customer_group', $default) WHERE group IN $groups RETURN NONE;")
            .stmt("DELETE $groups RETURN NONE;")
            .log(action_log::entry(&me, "groups_deleted", None, ids.len() as i64, &detail))
            .shared("default", i64::from(settings.default_group))
            .shared("groups", records)
            .commit(&state.db)
            .await?;
        state.customers.catch_up(&state.db).await?;
        Ok(moved)
    })
    .await
}

#[server(prefix = "/api/admin/groups", endpoint = "tax_class", input = server_fn::codec::Json)]
pub async fn add_tax_class(name: String) -> Result<(), AppError> {
    crate::auth::caller::serve(Area::CustomerGroups, |me| async move {
        let name = crate::domain::customer::text(&name, 64)?;
        if name.is_empty() {
            return Err(Problem::FieldRequired.into());
        }
        let db = app_state()?.db.clone();
        Tx::new()
            .stmt("CREATE tax_class CONTENT { name: $name } RETURN NONE;")
            .log(action_log::entry(&me, "tax_class_created", None, 1, &name))
            .shared("name", name.clone())
            .commit(&db)
            .await
    })
    .await
}

#[derive(Clone, Copy, PartialEq)]
enum GroupSort {
    Id,
    Code,
    TaxClass,
    Customers,
}

/// The group form's state.
#[derive(Clone, Copy)]
struct GroupEdit {
    /// None = closed, Some(None) = a new group, Some(Some(id)) = editing group `id`.
    editing: RwSignal<Option<Option<u32>>>,
    code: RwSignal<String>,
    tax: RwSignal<String>,
}

#[component]
pub fn GroupsPage() -> impl IntoView {
    let i18n = use_i18n();
    let reload = RwSignal::new(0u32);
    let data = Resource::new(move || reload.get(), |_| list_groups());
    let search = RwSignal::new(String::new());
    let sort = RwSignal::new((GroupSort::Id, false));
    let selected = RwSignal::new(Vec::<u32>::new());
    let message = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<AppError>);
    let confirming = RwSignal::new(false);
    let edit = GroupEdit {
        editing: RwSignal::new(None),
        code: RwSignal::new(String::new()),
        tax: RwSignal::new(String::new()),
    };
    let GroupEdit { editing, code, tax } = edit;
    let new_tax = RwSignal::new(String::new());

    let page = GroupsState {
        reload,
        selected,
        message,
        error,
        confirming,
        new_tax,
    };
    let (save, delete, add_tax) = group_actions(i18n, edit, page);
    let sort_header = move |key: GroupSort, label: String| {
        view! {
            <th scope="col" aria-sort=move || match sort.get() { (k, false) if k == key => "ascending", (k, true) if k == key => "descending", _ => "none" }>
                <button type="button" class="link sort" on:click=move |_| sort.update(|(k, d)| {
                    if *k == key { *d = !*d } else { *k = key; *d = false }
                })>
                    {label}
                </button>
            </th>
        }
    };
    view! {
        <Title text=move || t_string!(i18n, groups.title).to_string() />
        <div class="page-head">
            <h1>{t!(i18n, groups.title)}</h1>
            <button type="button" class="button" on:click=move |_| {
                code.set(String::new());
                editing.set(Some(None));
            }>{t!(i18n, groups.add)}</button>
        </div>
        <ErrorMessage error=Signal::derive(move || error.get()) />
        <p role="status" class="notice">{move || message.get()}</p>
        {loaded(data, move |d| {
            {
                let classes = d.tax_classes.clone();
                if tax.get_untracked().is_empty() && let Some(c) = classes.first() {
                    tax.set(c.0.clone());
                }
                let groups = d.groups.clone();
                let visible = move || {
                    let s = search.get().to_lowercase();
                    let mut rows: Vec<GroupRow> = groups
                        .iter()
                        .filter(|g| s.is_empty() || g.code.to_lowercase().contains(&s) || g.tax_class.to_lowercase().contains(&s))
                        .cloned()
                        .collect();
                    let (k, desc) = sort.get();
                    rows.sort_by(|a, b| match k {
                        GroupSort::Id => a.id.cmp(&b.id),
                        GroupSort::Code => a.code.to_lowercase().cmp(&b.code.to_lowercase()),
                        GroupSort::TaxClass => a.tax_class.cmp(&b.tax_class),
                        GroupSort::Customers => a.customers.cmp(&b.customers),
                    });
                    if desc { rows.reverse(); }
                    rows
                };
                let all_groups = d.groups.clone();
                view! {
                    {group_form(i18n, edit, classes, all_groups, save)}
                    <div class="toolbar">
                        <label for="group-search" class="visually-hidden">{t!(i18n, grid.search)}</label>
                        <input id="group-search" type="search" placeholder=move || t_string!(i18n, grid.search)
                            prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev)) />
                        <button type="button" disabled=move || selected.get().is_empty()
                            on:click=move |_| confirming.set(true)>{t!(i18n, groups.delete_selected)}</button>
                    </div>
                    {move || confirming.get().then(|| view! {
                        <div class="confirm" role="alertdialog" aria-labelledby="group-confirm-text">
                            <p id="group-confirm-text">{move || fill(t_string!(i18n, groups.confirm_delete), &[("n", &selected.get().len().to_string())])}</p>
                            <button type="button" on:click=move |_| { delete.dispatch(selected.get_untracked()); }>{t!(i18n, common.confirm)}</button>
                            <button type="button" class="link" on:click=move |_| confirming.set(false)>{t!(i18n, common.cancel)}</button>
                        </div>
                    })}
                    <table class="grid">
                        <thead><tr>
                            <th scope="col"><span class="visually-hidden">{t!(i18n, grid.select)}</span></th>
                            {sort_header(GroupSort::Id, "ID".into())}
                            {sort_header(GroupSort::Code, t_string!(i18n, groups.code).to_string())}
                            {sort_header(GroupSort::TaxClass, t_string!(i18n, groups.tax_class).to_string())}
                            {sort_header(GroupSort::Customers, t_string!(i18n, groups.customers).to_string())}
                            <th scope="col">{t!(i18n, grid.action)}</th>
                        </tr></thead>
                        <tbody>
                            <For each=visible key=|g| (g.id, g.code.clone(), g.customers) let:g>
                                {group_row(i18n, g, selected, edit)}
                            </For>
                        </tbody>
                    </table>
                    <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); add_tax.dispatch(new_tax.get_untracked()); }>
                        <label for="new-tax-class">{t!(i18n, groups.new_tax_class)}</label>
                        <input id="new-tax-class" maxlength="64" prop:value=move || new_tax.get()
                            on:input=move |ev| new_tax.set(event_target_value(&ev)) />
                        <button type="submit">{t!(i18n, groups.add_tax_class)}</button>
                    </form>
                }.into_any()
            }
        })}
    }
}

/// The group form (new or edit), while open.
fn group_form(
    i18n: leptos_i18n::I18nContext<Locale>,
    edit: GroupEdit,
    classes: Vec<(String, String)>,
    all_groups: Vec<GroupRow>,
    save: Action<(), Result<u32, AppError>>,
) -> impl IntoView {
    let GroupEdit { editing, code, tax } = edit;
    move || {
        editing.get().map(|id| {
            let classes = classes.clone();
            if let Some(id) = id
                && let Some(g) = all_groups.iter().find(|g| g.id == id)
                && code.get_untracked().is_empty()
            {
                code.set(g.code.clone());
                tax.set(g.tax_class_id.clone());
            }
            view! {
                <form class="panel" on:submit=move |ev| { ev.prevent_default(); save.dispatch(()); }>
                    <h2>{move || if id.is_some() { t_string!(i18n, groups.edit) } else { t_string!(i18n, groups.add) }}</h2>
                    <label for="group-code">{t!(i18n, groups.code)}</label>
                    <input id="group-code" maxlength="32" required prop:value=move || code.get()
                        on:input=move |ev| code.set(event_target_value(&ev)) />
                    <label for="group-tax">{t!(i18n, groups.tax_class)}</label>
                    <select id="group-tax" on:change=move |ev| tax.set(event_target_value(&ev))>
                        {classes.into_iter().map(|(cid, name)| {
                            let sel = cid.clone();
                            view! { <option value=cid selected=move || tax.get() == sel>{name}</option> }
                        }).collect_view()}
                    </select>
                    <div class="actions">
                        <button type="submit">{t!(i18n, common.save)}</button>
                        <button type="button" class="link" on:click=move |_| editing.set(None)>{t!(i18n, common.cancel)}</button>
                    </div>
                </form>
            }
        })
    }
}

/// One group's row: its checkbox (not for protected groups) and its edit link.
fn group_row(
    i18n: leptos_i18n::I18nContext<Locale>,
    g: GroupRow,
    selected: RwSignal<Vec<u32>>,
    edit: GroupEdit,
) -> impl IntoView {
    let GroupEdit { editing, code, .. } = edit;
    let id = g.id;
    view! {
        <tr>
            <td>
                {(!g.protected).then(|| view! {
                    <input type="checkbox" aria-label=format!("{} {}", t_string!(i18n, grid.select), g.code)
                        prop:checked=move || selected.get().contains(&id)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            selected.update(|s| { s.retain(|x| *x != id); if on { s.push(id) } });
                        } />
                })}
            </td>
            <td>{g.id}</td>
            <td>{g.code.clone()}</td>
            <td>{g.tax_class.clone()}</td>
            <td>{g.customers}</td>
            <td>
                {(g.id != 0).then(|| view! {
                    <button type="button" class="link" on:click=move |_| {
                        code.set(String::new());
                        editing.set(Some(Some(id)));
                    }>{t!(i18n, common.edit)}</button>
                })}
            </td>
        </tr>
    }
}

/// What the page's actions report into.
#[derive(Clone, Copy)]
struct GroupsState {
    reload: RwSignal<u32>,
    selected: RwSignal<Vec<u32>>,
    message: RwSignal<Option<String>>,
    error: RwSignal<Option<AppError>>,
    confirming: RwSignal<bool>,
    new_tax: RwSignal<String>,
}

type GroupActions = (
    Action<(), Result<u32, AppError>>,
    Action<Vec<u32>, Result<u64, AppError>>,
    Action<String, Result<(), AppError>>,
);

/// Save a group, delete the selected ones, add a tax class: each reports and reloads the list.
fn group_actions(
    i18n: leptos_i18n::I18nContext<Locale>,
    edit: GroupEdit,
    page: GroupsState,
) -> GroupActions {
    let GroupEdit { editing, code, tax } = edit;
    let GroupsState {
        reload,
        selected,
        message,
        error,
        confirming,
        new_tax,
    } = page;
    let save = Action::new(move |_: &()| {
        let (id, c, t) = (
            editing.get_untracked().flatten(),
            code.get_untracked(),
            tax.get_untracked(),
        );
        async move { save_group(id, c, t).await }
    });
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            match r {
                Ok(_) => {
                    editing.set(None);
                    error.set(None);
                    message.set(Some(t_string!(i18n, groups.saved).to_string()));
                    reload.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let delete = Action::new(move |ids: &Vec<u32>| {
        let ids = ids.clone();
        async move { delete_groups(ids).await }
    });
    Effect::new(move |_| {
        if let Some(r) = delete.value().get() {
            confirming.set(false);
            match r {
                Ok(moved) => {
                    selected.set(Vec::new());
                    error.set(None);
                    message.set(Some(fill(
                        t_string!(i18n, groups.deleted),
                        &[("moved", &moved.to_string())],
                    )));
                    reload.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let add_tax = Action::new(move |name: &String| {
        let name = name.clone();
        async move { add_tax_class(name).await }
    });
    Effect::new(move |_| {
        if let Some(r) = add_tax.value().get() {
            match r {
                Ok(()) => {
                    new_tax.set(String::new());
                    reload.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    (save, delete, add_tax)
}
