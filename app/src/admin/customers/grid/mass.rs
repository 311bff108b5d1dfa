//! Mass actions on the grid: what is selected (ids on the page, or everything matching), the
//! chosen action, its confirmation, and the result.
use super::super::{Lookups, MassAction, MassResult, Selection, run_mass_action};
use super::labels::counted;
use crate::components::fill;
use crate::domain::grid::GridQuery;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// The grid's mass-action state, shared by the toolbar above the table and the table's checkboxes.
#[derive(Clone, Copy)]
pub(super) struct MassHandles {
    pub selected: RwSignal<Vec<i64>>,
    pub all_matching: RwSignal<bool>,
    pub action_choice: RwSignal<String>,
    pub group_choice: RwSignal<String>,
    pub confirming: RwSignal<Option<(Selection, MassAction, u64)>>,
    pub mass: Action<(Selection, MassAction), Result<MassResult, AppError>>,
    /// Asks for confirmation of the chosen action (the argument is the matching total).
    pub start: Callback<u64>,
    /// The last action's outcome, and its error.
    pub result: RwSignal<Option<String>>,
    pub error: RwSignal<Option<AppError>>,
}

/// Creates the mass-action state: the selection empties when the query changes, and a finished
/// action reports its count and reloads the page (`reload`).
pub(super) fn mass_actions(
    i18n: I18nContext<Locale>,
    query: Memo<GridQuery>,
    lookups: Resource<Result<Lookups, AppError>>,
    reload: RwSignal<u32>,
) -> MassHandles {
    let selected = RwSignal::new(Vec::<i64>::new());
    let all_matching = RwSignal::new(false);
    Effect::new(move |_| {
        query.track();
        selected.set(Vec::new());
        all_matching.set(false);
    });
    let action_choice = RwSignal::new(String::new());
    let group_choice = RwSignal::new(String::new());
    let confirming = RwSignal::new(None::<(Selection, MassAction, u64)>);
    let result = RwSignal::new(None::<String>);
    let action_error = RwSignal::new(None::<AppError>);
    let mass = Action::new(move |(s, a): &(Selection, MassAction)| {
        let (s, a) = (s.clone(), *a);
        async move { run_mass_action(s, a).await }
    });
    let group_name = move |g: u32| -> String {
        lookups
            .get()
            .and_then(|l| l.ok())
            .and_then(|l| l.groups.iter().find(|x| x.0 == g).map(|x| x.1.clone()))
            .unwrap_or_else(|| g.to_string())
    };
    Effect::new(move |_| {
        if let Some(r) = mass.value().get() {
            confirming.set(None);
            match r {
                Ok(MassResult { count, action }) => {
                    let n = counted(i18n, count);
                    let text = match action {
                        MassAction::Delete => {
                            fill(t_string!(i18n, grid.result_deleted), &[("n", &n)])
                        }
                        MassAction::AssignGroup(g) => fill(
                            t_string!(i18n, grid.result_moved),
                            &[("n", &n), ("group", &group_name(g))],
                        ),
                        MassAction::Subscribe => {
                            fill(t_string!(i18n, grid.result_subscribed), &[("n", &n)])
                        }
                        MassAction::Unsubscribe => {
                            fill(t_string!(i18n, grid.result_unsubscribed), &[("n", &n)])
                        }
                    };
                    result.set(Some(text));
                    action_error.set(None);
                    selected.set(Vec::new());
                    all_matching.set(false);
                    reload.update(|n| *n += 1);
                }
                Err(e) => action_error.set(Some(e)),
            }
        }
    });
    let start_mass = move |total: u64| {
        let action = match action_choice.get_untracked().as_str() {
            "delete" => MassAction::Delete,
            "subscribe" => MassAction::Subscribe,
            "unsubscribe" => MassAction::Unsubscribe,
            "assign_group" => match group_choice.get_untracked().parse() {
                Ok(g) => MassAction::AssignGroup(g),
                Err(_) => return,
            },
            _ => return,
        };
        let (sel, n) = if all_matching.get_untracked() {
            (
                Selection::Matching(query.get_untracked().to_query_string()),
                total,
            )
        } else {
            let ids = selected.get_untracked();
            let n = ids.len() as u64;
            (Selection::Ids(ids), n)
        };
        if n == 0 {
            action_error.set(Some(AppError::Invalid(
                crate::error::Problem::NothingSelected,
            )));
            return;
        }
        confirming.set(Some((sel, action, n)));
    };
    MassHandles {
        selected,
        all_matching,
        action_choice,
        group_choice,
        confirming,
        mass,
        start: Callback::new(start_mass),
        result,
        error: action_error,
    }
}

/// The action chooser above the table, and the confirmation of the chosen action.
pub(super) fn mass_bar(
    i18n: I18nContext<Locale>,
    total: u64,
    lookups: StoredValue<Lookups>,
    h: MassHandles,
) -> impl IntoView {
    let selected = h.selected;
    let group_options = lookups.with_value(|lk| lk.groups.clone());
    view! {
        <div class="mass">
            <label for="mass-action">{t!(i18n, grid.actions)}</label>
            <select id="mass-action" on:change=move |ev| h.action_choice.set(event_target_value(&ev))>
                <option value="">{t!(i18n, grid.choose_action)}</option>
                <option value="delete">{t!(i18n, grid.delete)}</option>
                <option value="assign_group">{t!(i18n, grid.assign_group)}</option>
                <option value="subscribe">{t!(i18n, grid.subscribe)}</option>
                <option value="unsubscribe">{t!(i18n, grid.unsubscribe)}</option>
            </select>
            {move || (h.action_choice.get() == "assign_group").then(|| {
                let options = group_options.clone();
                view! {
                    <label for="mass-group" class="visually-hidden">{t!(i18n, grid.col_group)}</label>
                    <select id="mass-group" on:change=move |ev| h.group_choice.set(event_target_value(&ev))>
                        <option value="">{t!(i18n, grid.choose_group)}</option>
                        {options.into_iter().map(|(id, code)| view! { <option value=id.to_string()>{code}</option> }).collect_view()}
                    </select>
                }
            })}
            <button type="button" on:click=move |_| h.start.run(total)>{t!(i18n, grid.apply)}</button>
            <label class="check">
                <input type="checkbox" name="all-matching" prop:checked=move || h.all_matching.get()
                    on:change=move |ev| h.all_matching.set(event_target_checked(&ev)) />
                {move || fill(t_string!(i18n, grid.select_all_matching), &[("n", &counted(i18n, total))])}
            </label>
            <span class="muted">{move || fill(t_string!(i18n, grid.selected_count), &[("n", &if h.all_matching.get() { counted(i18n, total) } else { selected.get().len().to_string() })])}</span>
        </div>
        {move || h.confirming.get().map(|(sel, action, n)| {
            let text = match action {
                MassAction::Delete => fill(t_string!(i18n, grid.confirm_delete), &[("n", &counted(i18n, n))]),
                MassAction::AssignGroup(g) => {
                    let group = lookups.with_value(|lk| lk.groups.iter().find(|x| x.0 == g).map(|x| x.1.clone())).unwrap_or_default();
                    fill(t_string!(i18n, grid.confirm_assign), &[("n", &counted(i18n, n)), ("group", &group)])
                }
                MassAction::Subscribe => fill(t_string!(i18n, grid.confirm_subscribe), &[("n", &counted(i18n, n))]),
                MassAction::Unsubscribe => fill(t_string!(i18n, grid.confirm_unsubscribe), &[("n", &counted(i18n, n))]),
            };
            view! {
                <div class="confirm" role="alertdialog" aria-labelledby="mass-confirm-text">
                    <p id="mass-confirm-text">{text}</p>
                    <button type="button" on:click=move |_| { h.mass.dispatch((sel.clone(), action)); }>{t!(i18n, common.confirm)}</button>
                    <button type="button" class="link" on:click=move |_| h.confirming.set(None)>{t!(i18n, common.cancel)}</button>
                </div>
            }
        })}
    }
}
