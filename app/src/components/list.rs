//! The admin lists' table and pager: every list page lays out its rows and moves between pages
//! through these two, so a list looks, reads (to a screen reader) and pages the same everywhere.
use super::fill;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::components::A;

/// A plain column heading (`<th scope="col">`); a sortable list makes its own cells.
pub fn col(label: impl IntoView + 'static) -> AnyView {
    view! { <th scope="col">{label}</th> }.into_any()
}

/// A list's table: its header cells in order, one row an item, and when there are no items one
/// row across every column saying `empty` (or nothing at all when the list has no such line).
#[derive(Default)]
pub struct ListTable {
    /// Classes besides `grid`.
    pub class: &'static str,
    /// What the end-to-end suite finds the table by, if anything.
    pub testid: Option<&'static str>,
    /// Read to screen readers before the table (a list whose heading is not right above it).
    pub caption: Option<AnyView>,
    pub heads: Vec<AnyView>,
    pub empty: Option<AnyView>,
}

impl ListTable {
    /// The table, `row` making each item's `<tr>`.
    pub fn rows<T, V: IntoView + 'static>(self, items: Vec<T>, row: impl FnMut(T) -> V) -> AnyView {
        let columns = self.heads.len().to_string();
        let body = match self.empty {
            Some(empty) if items.is_empty() => {
                view! { <tr><td colspan=columns class="empty">{empty}</td></tr> }.into_any()
            }
            _ => items.into_iter().map(row).collect_view().into_any(),
        };
        let class = if self.class.is_empty() {
            "grid".to_owned()
        } else {
            format!("grid {}", self.class)
        };
        let caption = self
            .caption
            .map(|c| view! { <caption class="visually-hidden">{c}</caption> });
        view! {
            <table class=class data-testid=self.testid>
                {caption}
                <thead><tr>{self.heads}</tr></thead>
                <tbody>{body}</tbody>
            </table>
        }
        .into_any()
    }
}

/// The links under a list: what the list puts first (page sizes), the previous page, "Page x of
/// y" when the number of pages is known, the next page. A link is there only when its page is.
#[component]
pub fn Pager(
    prev: Option<String>,
    next: Option<String>,
    /// This page and the number of pages.
    #[prop(optional)]
    position: Option<(u32, u64)>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let i18n = use_i18n();
    let position = position.map(|(page, pages)| {
        let (page, pages) = (page.to_string(), pages.to_string());
        view! {
            <span>{move || fill(t_string!(i18n, grid.page_of), &[("page", &page), ("pages", &pages)])}</span>
        }
    });
    view! {
        <nav class="pager" aria-label=move || t_string!(i18n, grid.pages)>
            {children.map(|c| c())}
            {prev.map(|h| view! { <A href=h>{t!(i18n, grid.previous)}</A> })}
            {position}
            {next.map(|h| view! { <A href=h>{t!(i18n, grid.next)}</A> })}
        </nav>
    }
}
