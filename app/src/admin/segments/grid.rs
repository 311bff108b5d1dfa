//! Customers > Segments: the saved segments' grid — search by name, filter by status, sort by any
//! column, pages of 20, CSV export of what the filters leave — with each segment's exact count.
use super::list_segments;
use crate::components::{ListTable, Pager, loaded};
use crate::domain::segment::saved::{ApplyTo, SegmentRow};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Rows on one page of the grid.
const PAGE_SIZE: usize = 20;

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Id,
    Name,
    Status,
    Website,
    ApplyTo,
    Members,
    Updated,
}

/// The grid's state: what narrows, orders and pages the rows.
#[derive(Clone, Copy)]
struct View {
    search: RwSignal<String>,
    /// "", "active" or "inactive".
    status: RwSignal<String>,
    sort: RwSignal<(SortBy, bool)>,
    page: RwSignal<usize>,
}

impl View {
    fn rows(self, all: &[SegmentRow]) -> Vec<SegmentRow> {
        let needle = self.search.get().trim().to_lowercase();
        let status = self.status.get();
        let mut rows: Vec<SegmentRow> = all
            .iter()
            .filter(|r| needle.is_empty() || r.name.to_lowercase().contains(&needle))
            .filter(|r| match status.as_str() {
                "active" => r.active,
                "inactive" => !r.active,
                _ => true,
            })
            .cloned()
            .collect();
        let (by, desc) = self.sort.get();
        rows.sort_by(|a, b| {
            let o = match by {
                SortBy::Id => a.id.cmp(&b.id),
                SortBy::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
                SortBy::Status => a.active.cmp(&b.active),
                SortBy::Website => a.website.cmp(&b.website),
                SortBy::ApplyTo => a.apply_to.key().cmp(b.apply_to.key()),
                SortBy::Members => a.members.cmp(&b.members),
                SortBy::Updated => a.updated_at.cmp(&b.updated_at),
            }
            .then(a.id.cmp(&b.id));
            if desc { o.reverse() } else { o }
        });
        rows
    }
}

pub fn apply_to_label(l: Locale, a: ApplyTo) -> &'static str {
    match a {
        ApplyTo::Both => td_string!(l, segments.apply_both),
        ApplyTo::Registered => td_string!(l, segments.apply_registered),
        ApplyTo::Visitors => td_string!(l, segments.apply_visitors),
    }
}

/// The rows as CSV (RFC 4180 quoting), for the export link.
fn csv(rows: &[SegmentRow]) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = String::from("ID,Name,Status,Website,Apply To,Customers,Last Change\r\n");
    for r in rows {
        let status = if r.active { "Active" } else { "Inactive" };
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\r\n",
            r.id,
            q(&r.name),
            status,
            q(&r.website),
            r.apply_to.key(),
            r.members,
            q(&r.updated_at)
        ));
    }
    out
}

#[component]
pub fn SegmentsPage() -> impl IntoView {
    let i18n = use_i18n();
    let segments = Resource::new(|| (), |_| list_segments());
    let view_state = View {
        search: RwSignal::new(String::new()),
        status: RwSignal::new(String::new()),
        sort: RwSignal::new((SortBy::Id, false)),
        page: RwSignal::new(0),
    };
    view! {
        <Title text=move || t_string!(i18n, segments.title).to_string() />
        <div class="page-head">
            <h1>{t!(i18n, segments.title)}</h1>
            <span>
                <A href="/admin/segments/report" attr:class="button secondary">{t!(i18n, segments.report_link)}</A>
                " "
                <A href="/admin/segments/new" attr:class="button">{t!(i18n, segments.add)}</A>
            </span>
        </div>
        <div class="toolbar">
            <label>
                {t!(i18n, segments.search)}" "
                <input type="search" bind:value=view_state.search on:input=move |_| view_state.page.set(0) />
            </label>
            <label>
                {t!(i18n, segments.status)}" "
                <select on:change=move |ev| { view_state.status.set(event_target_value(&ev)); view_state.page.set(0); }>
                    <option value="">{t!(i18n, segments.any_status)}</option>
                    <option value="active">{t!(i18n, segments.active)}</option>
                    <option value="inactive">{t!(i18n, segments.inactive)}</option>
                </select>
            </label>
        </div>
        {loaded(segments, move |all| {
            let all = StoredValue::new(all);
            move || {
                let rows = all.with_value(|a| view_state.rows(a));
                grid(i18n, view_state, rows)
            }
        })}
    }
}

fn grid(i18n: leptos_i18n::I18nContext<Locale>, v: View, rows: Vec<SegmentRow>) -> impl IntoView {
    let head = move |label: &'static str, by: SortBy| {
        let sorted = move || match v.sort.get() {
            (b, false) if b == by => "ascending",
            (b, true) if b == by => "descending",
            _ => "none",
        };
        view! {
            <th scope="col" aria-sort=sorted>
                <button type="button" class="link" on:click=move |_| {
                    v.sort.update(|(b, d)| { *d = *b == by && !*d; *b = by; });
                }>{label}</button>
            </th>
        }
        .into_any()
    };
    let l = i18n.get_locale();
    let heads = vec![
        head(td_string!(l, segments.id), SortBy::Id),
        head(td_string!(l, segments.name), SortBy::Name),
        head(td_string!(l, segments.status), SortBy::Status),
        head(td_string!(l, segments.website), SortBy::Website),
        head(td_string!(l, segments.apply_to), SortBy::ApplyTo),
        head(td_string!(l, segments.customers), SortBy::Members),
        head(td_string!(l, segments.updated), SortBy::Updated),
    ];
    let total = rows.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = v.page.get().min(pages - 1);
    let export = format!(
        "data:text/csv;charset=utf-8,{}",
        crate::domain::text::encode(&csv(&rows))
    );
    let shown: Vec<SegmentRow> = rows
        .into_iter()
        .skip(page * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    let table = ListTable {
        testid: Some("segments-grid"),
        heads,
        empty: Some(view! { {t!(i18n, segments.none)} }.into_any()),
        ..Default::default()
    }
    .rows(shown, move |r| {
        let status = if r.active {
            td_string!(l, segments.active)
        } else {
            td_string!(l, segments.inactive)
        };
        let website = if r.website.is_empty() {
            td_string!(l, segments.all_websites).to_owned()
        } else {
            r.website.clone()
        };
        view! {
            <tr>
                <td>{r.id}</td>
                <td><A href=format!("/admin/segments/{}", r.id)>{r.name.clone()}</A></td>
                <td>{status}</td>
                <td>{website}</td>
                <td>{apply_to_label(l, r.apply_to)}</td>
                <td>{r.members}</td>
                <td>{r.updated_at.get(..16).unwrap_or_default().replace('T', " ")}</td>
            </tr>
        }
    });
    let go = move |p: usize| move |_| v.page.set(p);
    view! {
        <p class="muted">{crate::components::fill(td_string!(l, segments.found), &[("count", &total.to_string())])}
            " · " <a href=export download="segments.csv">{t!(i18n, segments.export_csv)}</a></p>
        {table}
        <Pager prev=None next=None position=(page as u32 + 1, pages as u64)>
            <button type="button" class="link" disabled=page == 0 on:click=go(page.saturating_sub(1))>{t!(i18n, grid.previous)}</button>
            <button type="button" class="link" disabled=page + 1 >= pages on:click=go(page + 1)>{t!(i18n, grid.next)}</button>
        </Pager>
    }
}
