//! The grid's toolbar widgets: saved views (choose, save, delete, and opening with the admin's
//! default view) and the column chooser.
use super::super::views::{SavedView, delete_view, list_views, save_view};
use super::labels::column_title;
use crate::components::ErrorMessage;
use crate::domain::grid::{Column, GridQuery};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate};

/// The saved-view chooser and the "Save view" form; opens the admin's default view when the URL
/// names no state.
#[component]
pub(super) fn SavedViews(query: Memo<GridQuery>, go_to: Callback<GridQuery>) -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let navigate = use_navigate();
    let views_reload = RwSignal::new(0u32);
    let views = Resource::new(move || views_reload.get(), |_| list_views());
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let Some(Ok(vs)) = views.get() else {
            return false;
        };
        if location.search.get_untracked().is_empty()
            && let Some(v) = vs.iter().find(|v| v.is_default)
            && !v.state.is_empty()
        {
            navigate(
                &format!("/admin/customers?{}", v.state),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
        true
    });
    let view_name = RwSignal::new(String::new());
    let view_default = RwSignal::new(false);
    let view_error = RwSignal::new(None::<AppError>);
    let save_view_action = Action::new(move |(n, s, d): &(String, String, bool)| {
        let (n, s, d) = (n.clone(), s.clone(), *d);
        async move { save_view(n, s, d).await }
    });
    Effect::new(move |_| {
        if let Some(r) = save_view_action.value().get() {
            match r {
                Ok(()) => {
                    view_name.set(String::new());
                    view_error.set(None);
                    views_reload.update(|n| *n += 1);
                }
                Err(e) => view_error.set(Some(e)),
            }
        }
    });
    let delete_view_action = Action::new(move |id: &String| {
        let id = id.clone();
        async move { delete_view(id).await }
    });
    Effect::new(move |_| {
        if delete_view_action.value().get().is_some() {
            views_reload.update(|n| *n += 1);
        }
    });
    view! {
        <Transition>
            {move || Suspend::new(async move {
                let vs: Vec<SavedView> = views.await.unwrap_or_default();
                let current = query.get().to_query_string();
                view! {
                    <div class="views">
                        <label for="grid-view">{t!(i18n, grid.view)}</label>
                        <select id="grid-view" on:change=move |ev| {
                            let state = event_target_value(&ev);
                            if let Ok(q) = GridQuery::from_query_string(&state) { go_to.run(q) }
                        }>
                            <option value="">{t!(i18n, grid.default_view)}</option>
                            {vs.iter().map(|v| {
                                let is_current = v.state == current;
                                view! { <option value=v.state.clone() selected=is_current>
                                    {format!("{}{}", v.name, if v.is_default { " ★" } else { "" })}
                                </option> }
                            }).collect_view()}
                        </select>
                        {vs.iter().find(|v| v.state == current).map(|v| {
                            let id = v.id.clone();
                            view! { <button type="button" class="link" on:click=move |_| { delete_view_action.dispatch(id.clone()); }>
                                {t!(i18n, grid.delete_view)}
                            </button> }
                        })}
                    </div>
                }
            })}
        </Transition>
        <details class="dropdown">
            <summary>{t!(i18n, grid.save_view)}</summary>
            <form class="panel" on:submit=move |ev| {
                ev.prevent_default();
                save_view_action.dispatch((view_name.get_untracked(), query.get_untracked().to_query_string(), view_default.get_untracked()));
            }>
                <label for="view-name">{t!(i18n, grid.view_name)}</label>
                <input id="view-name" maxlength="64" required prop:value=move || view_name.get()
                    on:input=move |ev| view_name.set(event_target_value(&ev)) />
                <label class="check"><input type="checkbox" prop:checked=move || view_default.get()
                    on:change=move |ev| view_default.set(event_target_checked(&ev)) />{t!(i18n, grid.make_default)}</label>
                <button type="submit">{t!(i18n, common.save)}</button>
                <ErrorMessage error=Signal::derive(move || view_error.get()) />
            </form>
        </details>
    }
}

/// Which columns the grid shows (at least one).
#[component]
pub(super) fn ColumnChooser(query: Memo<GridQuery>, go_to: Callback<GridQuery>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <details class="dropdown">
            <summary>{t!(i18n, grid.columns)}</summary>
            <fieldset class="panel columns">
                <legend>{t!(i18n, grid.columns)}</legend>
                {Column::ALL.into_iter().map(|c| view! {
                    <label class="check">
                        <input type="checkbox" name=format!("col-{}", c.key())
                            prop:checked=move || query.get().columns.contains(&c)
                            on:change=move |ev| {
                                let mut q = query.get_untracked();
                                if event_target_checked(&ev) {
                                    q.columns.push(c);
                                    q.columns.sort_by_key(|x| Column::ALL.iter().position(|y| y == x));
                                } else if q.columns.len() > 1 {
                                    q.columns.retain(|x| *x != c);
                                }
                                go_to.run(q);
                            } />
                        {move || column_title(i18n, c)}
                    </label>
                }).collect_view()}
            </fieldset>
        </details>
    }
}
