//! The grid itself: sortable headers, the filter row, the rows (with quick edit and Login as
//! Customer), and the pager.
use super::super::{GridPage, GridRow, Lookups, save_inline_edit};
use super::labels::{cell_label, column_title, counted, select_options};
use super::mass::{MassHandles, mass_bar};
use crate::admin::login_as_customer::LoginAsCustomerButton;
use crate::components::gender_label;
use crate::components::{ErrorMessage, fill, problem_text};
use crate::domain::customer::{Gender, InlineEdit};
use crate::domain::grid::{Column, GridQuery, Kind, PAGE_SIZES};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::components::A;
use std::collections::HashMap;

/// What the table needs of the page: navigation, the filters typed but not applied, mass actions
/// and quick edit.
#[derive(Clone, Copy)]
pub(super) struct GridHandles {
    pub go_to: Callback<GridQuery>,
    pub pending: RwSignal<HashMap<String, String>>,
    pub apply: Callback<()>,
    pub mass: MassHandles,
    pub edit: InlineHandles,
}

/// Quick edit: the row being edited, its values and its error.
#[derive(Clone, Copy)]
pub(super) struct InlineHandles {
    pub editing: RwSignal<Option<i64>>,
    pub values: RwSignal<InlineEdit>,
    pub error: RwSignal<Option<AppError>>,
    pub save: Action<(i64, InlineEdit), Result<(), AppError>>,
}

/// Creates the quick-edit state: a saved row closes its editor and reloads the page (`reload`).
pub(super) fn inline_editing(reload: RwSignal<u32>) -> InlineHandles {
    let editing = RwSignal::new(None::<i64>);
    let values = RwSignal::new(InlineEdit::default());
    let error = RwSignal::new(None::<AppError>);
    let save = Action::new(move |(id, e): &(i64, InlineEdit)| {
        let (id, e) = (*id, e.clone());
        async move { save_inline_edit(id, e).await }
    });
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            match r {
                Ok(()) => {
                    editing.set(None);
                    error.set(None);
                    reload.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    InlineHandles {
        editing,
        values,
        error,
        save,
    }
}

pub(super) fn grid_view(
    i18n: I18nContext<Locale>,
    query: Memo<GridQuery>,
    data: GridPage,
    lookups: Lookups,
    h: GridHandles,
) -> impl IntoView {
    let l = i18n.get_locale_untracked();
    let q = query.get_untracked();
    let total = data.total;
    let pages = total.div_ceil(u64::from(q.size)).max(1);
    let columns = data.columns.clone();
    let page_ids: Vec<i64> = data.rows.iter().map(|r| r.id).collect();
    let lookups = StoredValue::new(lookups);
    let go_to = h.go_to;
    let header = columns.iter().map(|c| {
        let c = *c;
        let sorted = (q.sort == c).then_some(q.desc);
        view! {
            <th scope="col" aria-sort=match sorted { Some(false) => "ascending", Some(true) => "descending", None => "none" }>
                <button type="button" class="link sort" data-column=c.key() on:click=move |_| {
                    let mut q = query.get_untracked();
                    if q.sort == c { q.desc = !q.desc } else { q.sort = c; q.desc = false }
                    q.page = 1;
                    go_to.run(q);
                }>
                    {column_title(i18n, c)}
                    {match sorted { Some(false) => " ▲", Some(true) => " ▼", None => "" }}
                </button>
            </th>
        }
    }).collect_view();
    let filters = columns.iter().map(|c| {
        let c = *c;
        let current = q.filter_value(c);
        let name = format!("f.{}", c.key());
        let label = format!("{} {}", t_string!(i18n, grid.filter), column_title(i18n, c));
        let pending = h.pending;
        let input = match c.kind() {
            Kind::Text => {
                let n = name.clone();
                view! { <input type="search" name=name.clone() aria-label=label maxlength="200" value=current
                    on:input=move |ev| pending.update(|p| { p.insert(n.clone(), event_target_value(&ev)); }) /> }.into_any()
            }
            Kind::Select => {
                let n = name.clone();
                let options = lookups.with_value(|lk| select_options(l, c, lk));
                view! {
                    <select name=name.clone() aria-label=label on:change=move |ev| {
                        pending.update(|p| { p.insert(n.clone(), event_target_value(&ev)); });
                        h.apply.run(());
                    }>
                        <option value="">{t!(i18n, grid.any)}</option>
                        {options.into_iter().map(|(v, text)| {
                            let sel = v == current;
                            view! { <option value=v selected=sel>{text}</option> }
                        }).collect_view()}
                    </select>
                }.into_any()
            }
            Kind::Number | Kind::Money | Kind::Date => {
                let (from, to) = current.split_once("..").map(|(a, b)| (a.to_owned(), b.to_owned())).unwrap_or_default();
                let ty = if c.kind() == Kind::Date { "date" } else { "number" };
                let step = if c.kind() == Kind::Money { "0.01" } else { "1" };
                let (nf, nt) = (format!("{name}.from"), format!("{name}.to"));
                let (nf2, nt2) = (nf.clone(), nt.clone());
                view! {
                    <span class="range">
                        <input type=ty step=step name=nf aria-label=format!("{label} {}", t_string!(i18n, grid.from)) value=from
                            on:input=move |ev| pending.update(|p| { p.insert(nf2.clone(), event_target_value(&ev)); }) />
                        <input type=ty step=step name=nt aria-label=format!("{label} {}", t_string!(i18n, grid.to)) value=to
                            on:input=move |ev| pending.update(|p| { p.insert(nt2.clone(), event_target_value(&ev)); }) />
                    </span>
                }.into_any()
            }
        };
        view! { <td>{input}</td> }
    }).collect_view();
    let selected = h.mass.selected;
    let ids_for_all = page_ids.clone();
    let rows = data
        .rows
        .into_iter()
        .map(|r| row_view(i18n, columns.clone(), r, lookups, h))
        .collect_view();
    view! {
        {mass_bar(i18n, total, lookups, h.mass)}
        <p class="total" data-total=total.to_string()>{move || fill(t_string!(i18n, grid.records_found), &[("n", &counted(i18n, total))])}</p>
        <form class="grid-filters" on:submit=move |ev| { ev.prevent_default(); h.apply.run(()); }>
        <table class="grid customers">
            <thead>
                <tr>
                    <th scope="col">
                        <input type="checkbox" aria-label=move || t_string!(i18n, grid.select_page)
                            prop:checked={let ids = page_ids.clone(); move || !ids.is_empty() && ids.iter().all(|i| selected.get().contains(i))}
                            on:change=move |ev| {
                                if event_target_checked(&ev) { selected.set(ids_for_all.clone()) } else { selected.set(Vec::new()) }
                            } />
                    </th>
                    {header}
                    <th scope="col">{t!(i18n, grid.action)}</th>
                </tr>
                <tr class="filter-row">
                    <td><button type="submit" class="small">{t!(i18n, grid.apply_filters)}</button></td>
                    {filters}
                    <td>
                        <button type="button" class="link small" on:click=move |_| {
                            let mut q = query.get_untracked();
                            q.filters.clear();
                            q.keyword.clear();
                            q.page = 1;
                            go_to.run(q);
                        }>{t!(i18n, grid.clear_filters)}</button>
                    </td>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        </form>
        <nav class="pager" aria-label=move || t_string!(i18n, grid.pages)>
            <label for="page-size">{t!(i18n, grid.per_page)}</label>
            <select id="page-size" on:change=move |ev| {
                let mut q = query.get_untracked();
                q.size = event_target_value(&ev).parse().unwrap_or(20);
                q.page = 1;
                go_to.run(q);
            }>
                {PAGE_SIZES.into_iter().map(|s| view! { <option value=s.to_string() selected={s == q.size}>{s}</option> }).collect_view()}
            </select>
            <button type="button" disabled={q.page <= 1} on:click=move |_| {
                let mut q = query.get_untracked(); q.page = q.page.saturating_sub(1).max(1); go_to.run(q);
            }>{t!(i18n, grid.previous)}</button>
            <span>{move || fill(t_string!(i18n, grid.page_of), &[("page", &q.page.to_string()), ("pages", &counted(i18n, pages))])}</span>
            <button type="button" disabled={u64::from(q.page) >= pages} on:click=move |_| {
                let mut q = query.get_untracked(); q.page += 1; go_to.run(q);
            }>{t!(i18n, grid.next)}</button>
        </nav>
    }
}

/// True when every problem of `e` sits next to a quick-edit field (other problems, an address
/// rule for instance, are shown in the row's message instead).
fn shown_inline(e: &AppError) -> bool {
    matches!(e, AppError::InvalidFields(errs)
        if errs.iter().all(|x| ["email", "group", "taxvat"].contains(&x.field.as_str())))
}

fn row_view(
    i18n: I18nContext<Locale>,
    columns: Vec<Column>,
    r: GridRow,
    lookups: StoredValue<Lookups>,
    h: GridHandles,
) -> impl IntoView {
    let l = i18n.get_locale_untracked();
    let id = r.id;
    let inline = r.inline.clone();
    let cells: Vec<(Column, String)> = columns.into_iter().zip(r.cells).collect();
    let cells_view = cells.clone();
    let display = move || {
        cells_view
            .iter()
            .map(|(c, raw)| {
                let text = lookups.with_value(|lk| cell_label(l, *c, raw, lk));
                view! { <td data-column=c.key()>{text}</td> }
            })
            .collect_view()
    };
    let editor = move || {
        let ev = h.edit.values;
        let field_err = move |f: &'static str| {
            move || {
                h.edit.error.get().and_then(|e| {
                    e.field_problem(f)
                        .map(|p| problem_text(i18n.get_locale_untracked(), p))
                })
            }
        };
        cells
            .iter()
            .map(|(c, raw)| {
                let text = lookups.with_value(|lk| cell_label(l, *c, raw, lk));
                let cell = match c {
                    Column::Email => view! {
                        <input type="email" name="inline-email" aria-label=move || column_title(i18n, Column::Email)
                            prop:value=move || ev.get().email on:input=move |e| ev.update(|v| v.email = event_target_value(&e)) />
                        <span class="field-error" role="alert">{field_err("email")}</span>
                    }.into_any(),
                    Column::Group => {
                        let groups = lookups.with_value(|lk| lk.groups.clone());
                        view! {
                            <select name="inline-group" aria-label=move || column_title(i18n, Column::Group)
                                on:change=move |e| ev.update(|v| v.group = event_target_value(&e).parse().unwrap_or(v.group))>
                                {groups.into_iter().map(|(gid, code)| view! {
                                    <option value=gid.to_string() selected=move || ev.get_untracked().group == gid>{code}</option>
                                }).collect_view()}
                            </select>
                            <span class="field-error" role="alert">{field_err("group")}</span>
                        }.into_any()
                    }
                    Column::Website => {
                        let sites = lookups.with_value(|lk| lk.websites.clone());
                        view! {
                            <select name="inline-website" aria-label=move || column_title(i18n, Column::Website)
                                on:change=move |e| ev.update(|v| v.website = event_target_value(&e))>
                                {sites.into_iter().map(|(wid, name)| {
                                    let w2 = wid.clone();
                                    view! { <option value=wid selected=move || ev.get_untracked().website == w2>{name}</option> }
                                }).collect_view()}
                            </select>
                        }.into_any()
                    }
                    Column::Taxvat => view! {
                        <input name="inline-taxvat" maxlength="64" aria-label=move || column_title(i18n, Column::Taxvat)
                            prop:value=move || ev.get().taxvat on:input=move |e| ev.update(|v| v.taxvat = event_target_value(&e)) />
                        <span class="field-error" role="alert">{field_err("taxvat")}</span>
                    }.into_any(),
                    Column::Gender => view! {
                        <select name="inline-gender" aria-label=move || column_title(i18n, Column::Gender)
                            on:change=move |e| ev.update(|v| v.gender = event_target_value(&e))>
                            <option value="">"—"</option>
                            {Gender::ALL.map(Gender::key).into_iter().map(|g| view! {
                                <option value=g selected=move || ev.get_untracked().gender == g>{gender_label(l, g)}</option>
                            }).collect_view()}
                        </select>
                    }.into_any(),
                    _ => view! { <span>{text}</span> }.into_any(),
                };
                view! { <td data-column=c.key()>{cell}</td> }
            })
            .collect_view()
    };
    let selected = h.mass.selected;
    view! {
        <tr data-id=id.to_string()>
            <td>
                <input type="checkbox" aria-label=move || format!("{} {id}", t_string!(i18n, grid.select))
                    prop:checked=move || selected.get().contains(&id)
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        selected.update(|s| { s.retain(|x| *x != id); if on { s.push(id) } });
                    } />
            </td>
            {move || if h.edit.editing.get() == Some(id) { editor().into_any() } else { display().into_any() }}
            <td class="row-actions">
                {move || if h.edit.editing.get() == Some(id) {
                    view! {
                        <button type="button" class="small" on:click=move |_| { h.edit.save.dispatch((id, h.edit.values.get_untracked())); }>{t!(i18n, common.save)}</button>
                        <button type="button" class="link small" on:click=move |_| { h.edit.editing.set(None); h.edit.error.set(None); }>{t!(i18n, common.cancel)}</button>
                        <ErrorMessage error=Signal::derive(move || h.edit.error.get().filter(|e| !shown_inline(e))) />
                    }.into_any()
                } else {
                    let inline = inline.clone();
                    view! {
                        <A href=format!("/admin/customers/{id}")>{t!(i18n, common.edit)}</A>
                        " "
                        <button type="button" class="link small" on:click=move |_| {
                            h.edit.values.set(inline.clone());
                            h.edit.error.set(None);
                            h.edit.editing.set(Some(id));
                        }>{t!(i18n, grid.quick_edit)}</button>
                        {crate::admin::admin_can(crate::domain::Resource::LoginAsCustomer).then(|| view! {
                            " "
                            <LoginAsCustomerButton customer=id small=true />
                        })}
                    }.into_any()
                }}
            </td>
        </tr>
    }
}
