//! The All Customers page: keyword search, column filters, sort, paging, column chooser, saved
//! views, mass actions, inline edit and export. Its whole state lives in the URL.
//!
//! `toolbar` holds the saved views and the column chooser, `mass` the mass actions, `table` the
//! grid with its filters, rows and pager, `labels` how columns and cells read.
mod labels;
mod mass;
mod table;
mod toolbar;

pub use labels::column_title;

use super::{customer_lookups, customers_grid};
use crate::components::{DownloadLink, ErrorMessage, fill, loaded_from};
use crate::domain::grid::GridQuery;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate};
use mass::mass_actions;
use std::collections::HashMap;
use table::{GridHandles, grid_view, inline_editing};
use toolbar::{ColumnChooser, SavedViews};

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

    let go = move |q: GridQuery| {
        let s = q.to_query_string();
        navigate(
            &if s.is_empty() {
                "/admin/customers".to_owned()
            } else {
                format!("/admin/customers?{s}")
            },
            NavigateOptions::default(),
        );
    };
    let go_to = Callback::new(go);

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
                next.segment = q.segment;
                next.page = 1;
                go_to.run(next);
            }
            Err(p) => filter_error.set(Some(AppError::Invalid(p))),
        }
    };

    let mass = mass_actions(i18n, query, lookups, reload);
    let edit = inline_editing(reload);

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
        {move || query.get().segment.map(|id| {
            let all = GridQuery { segment: None, page: 1, ..query.get() }.to_query_string();
            view! {
                <p class="notice" data-testid="segment-scope">
                    {fill(t_string!(i18n, segments.members_of), &[("name", &format!("#{id}"))])}" · "
                    <A href=format!("/admin/segments/{id}")>{t!(i18n, segments.edit_title)}</A>" · "
                    <A href=format!("/admin/customers?{all}")>{t!(i18n, segments.show_all)}</A>
                </p>
            }
        })}
        <div class="toolbar">
            <form role="search" class="keyword" on:submit=move |ev| { ev.prevent_default(); apply(); }>
                <label for="grid-keyword" class="visually-hidden">{t!(i18n, grid.search)}</label>
                <input id="grid-keyword" type="search" name="q" maxlength="200"
                    placeholder=move || t_string!(i18n, grid.search_placeholder)
                    prop:value=move || keyword.get() on:input=move |ev| keyword.set(event_target_value(&ev)) />
                <button type="submit">{t!(i18n, grid.search)}</button>
            </form>
            <SavedViews query=query go_to=go_to />
            <ColumnChooser query=query go_to=go_to />
            <DownloadLink href=Signal::derive(move || export_href("csv")) file_name="customers.csv" expected_rows=expected>
                {t!(i18n, grid.export_csv)}
            </DownloadLink>
            <DownloadLink href=Signal::derive(move || export_href("xml")) file_name="customers.xml" expected_rows=expected>
                {t!(i18n, grid.export_xml)}
            </DownloadLink>
        </div>
        <ErrorMessage error=Signal::derive(move || filter_error.get()) />
        <ErrorMessage error=Signal::derive(move || mass.error.get()) />
        <p role="status" class="notice" data-testid="grid-result">{move || mass.result.get()}</p>
        {loaded_from(move || async move {
            let (lk, data) = (lookups.await, page.await);
            Ok((lk?, data?))
        }, move |(lk, data)| grid_view(i18n, query, data, lk, GridHandles {
            go_to, pending, apply: Callback::new(move |_| apply()), mass, edit,
        }))}
    }
}
