//! Customers > Audiences: the audiences a CDP pushed in (or the connector pulled), with their
//! origin, last change, last sync, identities, matched share and customers; search, sort and an
//! origin filter, kept in the page's URL.
use crate::components::loaded;
use crate::domain::audience::AudienceRow;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

pub mod source;
pub mod sync;

/// Every audience with its counts (computed over the read model, at most once per change).
#[server(prefix = "/api/admin/audiences", endpoint = "list")]
pub async fn audiences_list() -> Result<Vec<AudienceRow>, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Audiences, |_| async move {
        let state = crate::state::app_state()?;
        let rows =
            crate::audiences::rows_now(&state.db, &state.audiences, &state.customers).await?;
        Ok(rows.as_ref().clone())
    })
    .await
}

/// How the list is sorted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SortBy {
    Name,
    Origin,
    Modified,
    Identities,
    Matched,
    Customers,
}

impl SortBy {
    const ALL: [(SortBy, &'static str); 6] = [
        (SortBy::Name, "name"),
        (SortBy::Origin, "origin"),
        (SortBy::Modified, "modified"),
        (SortBy::Identities, "identities"),
        (SortBy::Matched, "matched"),
        (SortBy::Customers, "customers"),
    ];

    fn parse(s: &str) -> SortBy {
        SortBy::ALL
            .iter()
            .find(|(_, k)| *k == s)
            .map_or(SortBy::Name, |(b, _)| *b)
    }
}

/// What the page shows: rows matching `q` (name, key or description, without case) and
/// `origin` (empty: any), sorted.
fn shown(
    mut rows: Vec<AudienceRow>,
    q: &str,
    origin: &str,
    by: SortBy,
    desc: bool,
) -> Vec<AudienceRow> {
    let q = q.trim().to_lowercase();
    rows.retain(|r| {
        (q.is_empty()
            || r.name.to_lowercase().contains(&q)
            || r.key.contains(&q)
            || r.description.to_lowercase().contains(&q))
            && (origin.is_empty() || r.origin == origin)
    });
    rows.sort_by(|a, b| {
        let o = match by {
            SortBy::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            SortBy::Origin => a.origin.cmp(&b.origin),
            SortBy::Modified => a.last_modified.cmp(&b.last_modified),
            SortBy::Identities => a.identities.cmp(&b.identities),
            SortBy::Matched => a.matched_percent().cmp(&b.matched_percent()),
            SortBy::Customers => a.customers.cmp(&b.customers),
        };
        if desc { o.reverse() } else { o }
    });
    rows
}

fn column_label(i18n: I18nContext<Locale>, by: SortBy) -> &'static str {
    match by {
        SortBy::Name => t_string!(i18n, audiences.name),
        SortBy::Origin => t_string!(i18n, audiences.origin),
        SortBy::Modified => t_string!(i18n, audiences.last_modified),
        SortBy::Identities => t_string!(i18n, audiences.identities),
        SortBy::Matched => t_string!(i18n, audiences.matched),
        SortBy::Customers => t_string!(i18n, audiences.customers),
    }
}

#[component]
pub fn AudiencesPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let param = move |k: &str| query.with(|m| m.get(k).unwrap_or_default());
    let navigate = use_navigate();
    let set = move |k: &'static str, v: String| {
        let mut m = query.get_untracked();
        if v.is_empty() {
            m.remove(k);
        } else {
            m.replace(k, v);
        }
        navigate(
            &format!("/admin/audiences{}", m.to_query_string()),
            Default::default(),
        );
    };
    let data = Resource::new(|| (), |_| audiences_list());
    let set_q = set.clone();
    let set_origin = set.clone();
    view! {
        <Title text=move || t_string!(i18n, audiences.title).to_string() />
        <h1>{t!(i18n, audiences.title)}</h1>
        <p class="muted">{t!(i18n, audiences.help)}</p>
        <sync::SyncPanel synced=move |()| data.refetch() />
        {loaded(data, move |rows: Vec<AudienceRow>| {
            let mut origins: Vec<String> = rows.iter().map(|r| r.origin.clone()).filter(|o| !o.is_empty()).collect();
            origins.sort();
            origins.dedup();
            let (set_q, set_origin, set) = (set_q.clone(), set_origin.clone(), set.clone());
            view! {
                <div class="filters">
                    <div class="field">
                        <label for="aud-q">{t!(i18n, audiences.search)}</label>
                        <input id="aud-q" type="search" prop:value=move || param("q")
                            on:change=move |ev| set_q("q", event_target_value(&ev)) />
                    </div>
                    <div class="field">
                        <label for="aud-origin">{t!(i18n, audiences.origin)}</label>
                        <select id="aud-origin" on:change=move |ev| set_origin("origin", event_target_value(&ev))>
                            <option value="" selected=move || param("origin").is_empty()>{t!(i18n, audiences.any_origin)}</option>
                            {origins.into_iter().map(|o| {
                                let (mine, value) = (o.clone(), o.clone());
                                view! { <option value=value selected=move || param("origin") == mine>{o}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                </div>
                {move || {
                    let by = SortBy::parse(&param("sort"));
                    let desc = param("dir") == "desc";
                    let list = shown(rows.clone(), &param("q"), &param("origin"), by, desc);
                    table(i18n, list, by, desc, set.clone())
                }}
            }
        })}
    }
}

fn table(
    i18n: I18nContext<Locale>,
    rows: Vec<AudienceRow>,
    by: SortBy,
    desc: bool,
    set: impl Fn(&'static str, String) + Clone + 'static,
) -> AnyView {
    if rows.is_empty() {
        return view! { <p>{t!(i18n, audiences.none)}</p> }.into_any();
    }
    let header = SortBy::ALL
        .iter()
        .map(|(col, key)| {
            let (col, key, set) = (*col, *key, set.clone());
            let sorted = by == col;
            let aria = match (sorted, desc) {
                (false, _) => "none",
                (true, false) => "ascending",
                (true, true) => "descending",
            };
            view! {
                <th scope="col" aria-sort=aria>
                    <button type="button" class="link" on:click=move |_| {
                        set("dir", if sorted && !desc { "desc".into() } else { String::new() });
                        set("sort", key.to_owned());
                    }>{column_label(i18n, col)}</button>
                </th>
            }
        })
        .collect_view();
    view! {
        <table class="grid" aria-label=move || t_string!(i18n, audiences.title)>
            <thead><tr>
                {header}
                <th scope="col">{t!(i18n, audiences.unmatched)}</th>
                <th scope="col">{t!(i18n, audiences.last_sync)}</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr>
                        <td>{r.name.clone()}" "<span class="muted">{format!("({})", r.key)}</span></td>
                        <td>{r.origin.clone()}</td>
                        <td>{r.last_modified.clone()}</td>
                        <td>{r.identities}</td>
                        <td>{format!("{}%", r.matched_percent())}</td>
                        <td>{r.customers}</td>
                        <td>{r.unmatched()}</td>
                        <td>{r.last_sync.clone().unwrap_or_else(|| "—".into())}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, name: &str, origin: &str, customers: u64) -> AudienceRow {
        AudienceRow {
            key: key.into(),
            name: name.into(),
            origin: origin.into(),
            customers,
            ..Default::default()
        }
    }

    #[test]
    fn search_filter_and_sort_apply_together() {
        let rows = vec![
            row("vip", "VIP buyers", "segment", 5),
            row("lapsed", "Lapsed", "klaviyo", 9),
            row("vip-eu", "VIP Europe", "klaviyo", 2),
        ];
        let keys = |r: Vec<AudienceRow>| r.into_iter().map(|r| r.key).collect::<Vec<_>>();
        assert_eq!(
            keys(shown(rows.clone(), "vip", "", SortBy::Name, false)),
            ["vip", "vip-eu"]
        );
        assert_eq!(
            keys(shown(rows.clone(), "", "klaviyo", SortBy::Customers, true)),
            ["lapsed", "vip-eu"]
        );
        assert_eq!(
            keys(shown(rows, " VIP ", "klaviyo", SortBy::Name, false)),
            ["vip-eu"]
        );
        assert_eq!(SortBy::parse("nonsense"), SortBy::Name);
        assert_eq!(SortBy::parse("matched"), SortBy::Matched);
    }
}
