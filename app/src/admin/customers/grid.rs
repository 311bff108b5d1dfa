//! The All Customers page: keyword search, column filters, sort, paging, column chooser, saved
//! views, mass actions, inline edit and export. Its whole state lives in the URL.
use super::views::{SavedView, delete_view, list_views, save_view};
use super::{
    GridPage, GridRow, Lookups, MassAction, MassResult, Selection, customer_lookups,
    customers_grid, run_mass_action, save_inline_edit,
};
use crate::admin::login_as_customer::LoginAsCustomerButton;
use crate::components::{DownloadLink, ErrorMessage, country_label, fill, problem_text};
use crate::domain::countries::COUNTRIES;
use crate::domain::customer::InlineEdit;
use crate::domain::grid::{Column, GridQuery, Kind, PAGE_SIZES};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate};
use std::collections::HashMap;

/// A column's title in the admin's language.
pub fn column_title(i18n: I18nContext<Locale>, c: Column) -> String {
    let l = i18n.get_locale_untracked();
    match c {
        Column::Id => "ID",
        Column::Name => td_string!(l, grid.col_name),
        Column::Email => td_string!(l, grid.col_email),
        Column::Group => td_string!(l, grid.col_group),
        Column::Telephone => td_string!(l, grid.col_telephone),
        Column::Postcode => td_string!(l, grid.col_postcode),
        Column::Country => td_string!(l, grid.col_country),
        Column::Region => td_string!(l, grid.col_region),
        Column::CreatedAt => td_string!(l, grid.col_created_at),
        Column::Website => td_string!(l, grid.col_website),
        Column::Confirmed => td_string!(l, grid.col_confirmed),
        Column::CreatedIn => td_string!(l, grid.col_created_in),
        Column::BillingFull => td_string!(l, grid.col_billing_full),
        Column::ShippingFull => td_string!(l, grid.col_shipping_full),
        Column::Dob => td_string!(l, grid.col_dob),
        Column::Taxvat => td_string!(l, grid.col_taxvat),
        Column::Gender => td_string!(l, grid.col_gender),
        Column::Street => td_string!(l, grid.col_street),
        Column::City => td_string!(l, grid.col_city),
        Column::VatId => td_string!(l, grid.col_vat_id),
        Column::Company => td_string!(l, grid.col_company),
        Column::Lock => td_string!(l, grid.col_lock),
        Column::Newsletter => td_string!(l, grid.col_newsletter),
        Column::LastLogin => td_string!(l, grid.col_last_login),
    }
    .to_string()
}

pub fn gender_label(l: Locale, g: &str) -> String {
    match g {
        "male" => td_string!(l, customer.gender_male).to_string(),
        "female" => td_string!(l, customer.gender_female).to_string(),
        "not_specified" => td_string!(l, customer.gender_not_specified).to_string(),
        _ => String::new(),
    }
}

/// The options of a select column: (value, label).
fn select_options(l: Locale, c: Column, lookups: &Lookups) -> Vec<(String, String)> {
    let yes_no = || {
        vec![
            ("yes".to_owned(), td_string!(l, common.yes).to_string()),
            ("no".to_owned(), td_string!(l, common.no).to_string()),
        ]
    };
    match c {
        Column::Group => lookups
            .groups
            .iter()
            .map(|(id, code)| (id.to_string(), code.clone()))
            .collect(),
        Column::Website => lookups.websites.clone(),
        Column::Country => {
            let mut v: Vec<(String, String)> = COUNTRIES
                .iter()
                .map(|c| (c.0.to_owned(), country_label(l, c.0)))
                .collect();
            v.sort_by(|a, b| a.1.cmp(&b.1));
            v
        }
        Column::Gender => ["male", "female", "not_specified"]
            .into_iter()
            .map(|g| (g.to_owned(), gender_label(l, g)))
            .collect(),
        Column::Lock => vec![
            ("locked".to_owned(), td_string!(l, grid.locked).to_string()),
            (
                "unlocked".to_owned(),
                td_string!(l, grid.unlocked).to_string(),
            ),
        ],
        Column::Confirmed | Column::Newsletter => yes_no(),
        _ => Vec::new(),
    }
}

/// How a raw cell reads in the grid.
fn cell_label(l: Locale, c: Column, raw: &str, lookups: &Lookups) -> String {
    match c {
        Column::Group => lookups
            .groups
            .iter()
            .find(|(id, _)| id.to_string() == raw)
            .map(|g| g.1.clone())
            .unwrap_or_else(|| raw.to_owned()),
        Column::Website => lookups
            .websites
            .iter()
            .find(|w| w.0 == raw)
            .map(|w| w.1.clone())
            .unwrap_or_else(|| raw.to_owned()),
        Column::Country => country_label(l, raw),
        Column::Gender => gender_label(l, raw),
        Column::Dob | Column::CreatedAt | Column::LastLogin => {
            crate::domain::dates::local_date(l.as_ref(), raw)
        }
        Column::Lock | Column::Confirmed | Column::Newsletter => select_options(l, c, lookups)
            .into_iter()
            .find(|o| o.0 == raw)
            .map(|o| o.1)
            .unwrap_or_default(),
        _ => raw.to_owned(),
    }
}

/// A count with the admin's digit grouping.
fn counted(i18n: I18nContext<Locale>, n: u64) -> String {
    crate::admin::dashboard::group_digits(n, i18n.get_locale_untracked())
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let navigate = use_navigate();
    let parsed = Memo::new(move |_| GridQuery::from_query_string(&location.search.get()));
    let query = Memo::new(move |_| parsed.get().unwrap_or_default());
    let bad_url = move || parsed.get().err().map(AppError::Invalid);
    let reload = RwSignal::new(0u32);
    let page = Resource::new(
        move || (query.get().to_query_string(), reload.get()),
        |(q, _)| customers_grid(q),
    );
    let lookups = Resource::new(|| (), |_| customer_lookups());
    let views_reload = RwSignal::new(0u32);
    let views = Resource::new(move || views_reload.get(), |_| list_views());

    let go = {
        let navigate = navigate.clone();
        move |q: GridQuery| {
            let s = q.to_query_string();
            navigate(
                &if s.is_empty() {
                    "/admin/customers".to_owned()
                } else {
                    format!("/admin/customers?{s}")
                },
                NavigateOptions::default(),
            );
        }
    };
    let go = StoredValue::new(go);
    let go_to = move |q: GridQuery| go.with_value(|g| g(q));

    // Open with the admin's default view when the URL names no state.
    let navigate_default = navigate.clone();
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
            navigate_default(
                &format!("/admin/customers?{}", v.state),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
        true
    });

    // Filter inputs before they are applied, by field name.
    let pending = RwSignal::new(HashMap::<String, String>::new());
    let keyword = RwSignal::new(String::new());
    Effect::new(move |_| {
        let q = query.get();
        keyword.set(q.keyword.clone());
        pending.set(HashMap::new());
    });
    let filter_error = RwSignal::new(None::<AppError>);
    let apply = move || {
        filter_error.set(None);
        let q = query.get_untracked();
        let mut pairs: Vec<(String, String)> = q
            .filters
            .iter()
            .map(|f| (format!("f.{}", f.column().key()), f.value()))
            .collect();
        pairs.extend(pending.get_untracked());
        pairs.push(("q".into(), keyword.get_untracked()));
        match GridQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
            Ok(mut next) => {
                next.sort = q.sort;
                next.desc = q.desc;
                next.size = q.size;
                next.columns = q.columns.clone();
                next.page = 1;
                go_to(next);
            }
            Err(p) => filter_error.set(Some(AppError::Invalid(p))),
        }
    };

    // Selection for mass actions: ids on this page, or everything matching.
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

    // Inline editing: the row being edited and its values.
    let editing = RwSignal::new(None::<i64>);
    let edit_values = RwSignal::new(InlineEdit::default());
    let edit_error = RwSignal::new(None::<AppError>);
    let save_inline = Action::new(move |(id, e): &(i64, InlineEdit)| {
        let (id, e) = (*id, e.clone());
        async move { save_inline_edit(id, e).await }
    });
    Effect::new(move |_| {
        if let Some(r) = save_inline.value().get() {
            match r {
                Ok(()) => {
                    editing.set(None);
                    edit_error.set(None);
                    reload.update(|n| *n += 1);
                }
                Err(e) => edit_error.set(Some(e)),
            }
        }
    });

    // Saved views.
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

    // Rows the current filter matches, for the export's progress bar.
    let expected = Signal::derive(move || {
        page.get()
            .and_then(|p| p.ok())
            .map(|p| p.total)
            .unwrap_or(0)
    });
    let export_href = move |format: &str| {
        let s = query.get().to_query_string();
        if s.is_empty() {
            format!("/api/admin/customers/export?format={format}")
        } else {
            format!("/api/admin/customers/export?{s}&format={format}")
        }
    };

    view! {
        <Title text=move || t_string!(i18n, grid.title).to_string() />
        <div class="page-head">
            <h1>{t!(i18n, grid.title)}</h1>
            <A href="/admin/customers/new" attr:class="button">{t!(i18n, grid.add)}</A>
        </div>
        <ErrorMessage error=Signal::derive(bad_url) />
        <div class="toolbar">
            <form role="search" class="keyword" on:submit=move |ev| { ev.prevent_default(); apply(); }>
                <label for="grid-keyword" class="visually-hidden">{t!(i18n, grid.search)}</label>
                <input id="grid-keyword" type="search" name="q" maxlength="200"
                    placeholder=move || t_string!(i18n, grid.search_placeholder)
                    prop:value=move || keyword.get() on:input=move |ev| keyword.set(event_target_value(&ev)) />
                <button type="submit">{t!(i18n, grid.search)}</button>
            </form>
            <Transition>
                {move || Suspend::new(async move {
                    let vs: Vec<SavedView> = views.await.unwrap_or_default();
                    let current = query.get().to_query_string();
                    view! {
                        <div class="views">
                            <label for="grid-view">{t!(i18n, grid.view)}</label>
                            <select id="grid-view" on:change=move |ev| {
                                let state = event_target_value(&ev);
                                if let Ok(q) = GridQuery::from_query_string(&state) { go_to(q) }
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
                                    go_to(q);
                                } />
                            {move || column_title(i18n, c)}
                        </label>
                    }).collect_view()}
                </fieldset>
            </details>
            <DownloadLink href=Signal::derive(move || export_href("csv")) file_name="customers.csv" expected_rows=expected>
                {t!(i18n, grid.export_csv)}
            </DownloadLink>
            <DownloadLink href=Signal::derive(move || export_href("xml")) file_name="customers.xml" expected_rows=expected>
                {t!(i18n, grid.export_xml)}
            </DownloadLink>
        </div>
        <ErrorMessage error=Signal::derive(move || filter_error.get()) />
        <ErrorMessage error=Signal::derive(move || action_error.get()) />
        <p role="status" class="notice" data-testid="grid-result">{move || result.get()}</p>
        <Transition fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                let lk = lookups.await;
                let data = page.await;
                match (lk, data) {
                    (Ok(lk), Ok(data)) => grid_view(i18n, query, data, lk, GridHandles {
                        go_to, pending, apply: Callback::new(move |_| apply()), selected, all_matching, action_choice,
                        group_choice, confirming, mass, editing, edit_values, edit_error, save_inline,
                        start_mass: Callback::new(start_mass),
                    }).into_any(),
                    (Err(e), _) | (_, Err(e)) => view! { <ErrorMessage error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct GridHandles<N: Fn(GridQuery) + Copy + Send + Sync + 'static> {
    go_to: N,
    pending: RwSignal<HashMap<String, String>>,
    apply: Callback<()>,
    selected: RwSignal<Vec<i64>>,
    all_matching: RwSignal<bool>,
    action_choice: RwSignal<String>,
    group_choice: RwSignal<String>,
    confirming: RwSignal<Option<(Selection, MassAction, u64)>>,
    mass: Action<(Selection, MassAction), Result<MassResult, AppError>>,
    editing: RwSignal<Option<i64>>,
    edit_values: RwSignal<InlineEdit>,
    edit_error: RwSignal<Option<AppError>>,
    save_inline: Action<(i64, InlineEdit), Result<(), AppError>>,
    start_mass: Callback<u64>,
}

fn grid_view<N: Fn(GridQuery) + Copy + Send + Sync + 'static>(
    i18n: I18nContext<Locale>,
    query: Memo<GridQuery>,
    data: GridPage,
    lookups: Lookups,
    h: GridHandles<N>,
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
                    go_to(q);
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
            Kind::Number | Kind::Date => {
                let (from, to) = current.split_once("..").map(|(a, b)| (a.to_owned(), b.to_owned())).unwrap_or_default();
                let ty = if c.kind() == Kind::Date { "date" } else { "number" };
                let (nf, nt) = (format!("{name}.from"), format!("{name}.to"));
                let (nf2, nt2) = (nf.clone(), nt.clone());
                view! {
                    <span class="range">
                        <input type=ty name=nf aria-label=format!("{label} {}", t_string!(i18n, grid.from)) value=from
                            on:input=move |ev| pending.update(|p| { p.insert(nf2.clone(), event_target_value(&ev)); }) />
                        <input type=ty name=nt aria-label=format!("{label} {}", t_string!(i18n, grid.to)) value=to
                            on:input=move |ev| pending.update(|p| { p.insert(nt2.clone(), event_target_value(&ev)); }) />
                    </span>
                }.into_any()
            }
        };
        view! { <td>{input}</td> }
    }).collect_view();
    let selected = h.selected;
    let ids_for_all = page_ids.clone();
    let rows = data
        .rows
        .into_iter()
        .map(|r| row_view(i18n, columns.clone(), r, lookups, h))
        .collect_view();
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
            <button type="button" on:click=move |_| h.start_mass.run(total)>{t!(i18n, grid.apply)}</button>
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
                            go_to(q);
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
                go_to(q);
            }>
                {PAGE_SIZES.into_iter().map(|s| view! { <option value=s.to_string() selected={s == q.size}>{s}</option> }).collect_view()}
            </select>
            <button type="button" disabled={q.page <= 1} on:click=move |_| {
                let mut q = query.get_untracked(); q.page = q.page.saturating_sub(1).max(1); go_to(q);
            }>{t!(i18n, grid.previous)}</button>
            <span>{move || fill(t_string!(i18n, grid.page_of), &[("page", &q.page.to_string()), ("pages", &counted(i18n, pages))])}</span>
            <button type="button" disabled={u64::from(q.page) >= pages} on:click=move |_| {
                let mut q = query.get_untracked(); q.page += 1; go_to(q);
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

fn row_view<N: Fn(GridQuery) + Copy + Send + Sync + 'static>(
    i18n: I18nContext<Locale>,
    columns: Vec<Column>,
    r: GridRow,
    lookups: StoredValue<Lookups>,
    h: GridHandles<N>,
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
        let ev = h.edit_values;
        let field_err = move |f: &'static str| {
            move || {
                h.edit_error.get().and_then(|e| {
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
                            {["male", "female", "not_specified"].into_iter().map(|g| view! {
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
    let selected = h.selected;
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
            {move || if h.editing.get() == Some(id) { editor().into_any() } else { display().into_any() }}
            <td class="row-actions">
                {move || if h.editing.get() == Some(id) {
                    view! {
                        <button type="button" class="small" on:click=move |_| { h.save_inline.dispatch((id, h.edit_values.get_untracked())); }>{t!(i18n, common.save)}</button>
                        <button type="button" class="link small" on:click=move |_| { h.editing.set(None); h.edit_error.set(None); }>{t!(i18n, common.cancel)}</button>
                        <ErrorMessage error=Signal::derive(move || h.edit_error.get().filter(|e| !shown_inline(e))) />
                    }.into_any()
                } else {
                    let inline = inline.clone();
                    view! {
                        <A href=format!("/admin/customers/{id}")>{t!(i18n, common.edit)}</A>
                        " "
                        <button type="button" class="link small" on:click=move |_| {
                            h.edit_values.set(inline.clone());
                            h.edit_error.set(None);
                            h.editing.set(Some(id));
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
