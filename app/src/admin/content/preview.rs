//! Content > Dynamic Blocks > Preview as: pick a customer (or a visitor in chosen segments) and a
//! time, and see what each placement would show them and why each block does or does not.
use super::{Preview, PreviewInput, preview_as};
use crate::components::ErrorMessage;
use crate::domain::content::rules::Verdict;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_meta::Title;
use leptos_router::components::A;

#[cfg(feature = "ssr")]
use crate::error::{AppError, Problem};

/// The customer `who` names (an id or an email), by id and email.
#[cfg(feature = "ssr")]
async fn find_customer(db: &crate::db::Db, who: &str) -> Result<(i64, String), AppError> {
    let mut res = db
        .query(
            "SELECT VALUE [record::id(id), email] FROM customer \
             WHERE email_key = string::lowercase($who) OR record::id(id) = $id LIMIT 1",
        )
        .bind(("who", who.to_owned()))
        .bind(("id", who.parse::<i64>().unwrap_or(-1)))
        .await?;
    let found: Vec<(i64, String)> = res.take(0)?;
    found
        .into_iter()
        .next()
        .ok_or_else(|| AppError::field("customer", Problem::CustomerUnknown))
}

/// Resolves every placement for the viewer `input` describes, with each block's verdict.
#[cfg(feature = "ssr")]
pub async fn run(state: &crate::state::AppState, input: PreviewInput) -> Result<Preview, AppError> {
    use crate::domain::content::rules::Viewer;
    use crate::domain::content::{Placement, parse_moment};
    let now = parse_moment(&input.at)
        .map_err(|p| AppError::field("at", p))?
        .unwrap_or_else(|| chrono::Utc::now().timestamp());
    let live = crate::content::live(&state.segments, &state.audiences);
    let who = input.customer.trim();
    let (customer, viewer) = if who.is_empty() {
        let mut segments = input.segments.clone();
        segments.retain(|s| live.segments.binary_search(s).is_ok());
        segments.sort_unstable();
        segments.dedup();
        (
            None,
            Viewer {
                segments,
                ..Viewer::default()
            },
        )
    } else {
        let (id, email) = find_customer(&state.db, who).await?;
        state.customers.fresh(&state.db).await?;
        let mut segments = state.segments.segments_of(id);
        segments.sort_unstable();
        let group = state.customers.read().group_of(id);
        (
            Some((id, email)),
            Viewer {
                registered: true,
                group,
                segments,
                audiences: crate::content::audiences_of(&state.customers, &state.audiences, id),
            },
        )
    };
    let names: std::collections::BTreeMap<u32, String> = crate::segments::store::list(&state.db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let catalog = state.content.catalog();
    let mut placements: Vec<String> = Placement::BUILT_IN.iter().map(|p| p.to_string()).collect();
    placements.extend(catalog.placements());
    placements.sort();
    placements.dedup();
    let key = customer
        .as_ref()
        .map_or("preview".to_owned(), |(id, _)| format!("customer|{id}"));
    let day = crate::content::day_of(now);
    let never_seen = |_: u32| 0;
    Ok(Preview {
        segments: viewer
            .segments
            .iter()
            .map(|s| (*s, names.get(s).cloned().unwrap_or_default()))
            .collect(),
        group: viewer.group,
        placements: placements
            .into_iter()
            .map(|p| {
                let draw = crate::content::draw(&key, &p, &day);
                let pick = catalog.resolve(&p, &viewer, &live, now, &never_seen, draw);
                super::PlacementPreview {
                    considered: catalog
                        .explain(&p, &viewer, &live, now, &never_seen)
                        .into_iter()
                        .map(|c| super::Considered {
                            id: c.id,
                            name: c.name,
                            fallback: c.fallback,
                            verdict: c.verdict,
                        })
                        .collect(),
                    placement: p,
                    shown: pick.block,
                    holdout: pick.holdout,
                }
            })
            .collect(),
        customer,
    })
}

/// The verdict in the admin's language.
pub fn verdict_label(i18n: I18nContext<Locale>, v: Verdict) -> String {
    match v {
        Verdict::Inactive => t_string!(i18n, content.verdicts.inactive),
        Verdict::NotStarted => t_string!(i18n, content.verdicts.not_started),
        Verdict::Ended => t_string!(i18n, content.verdicts.ended),
        Verdict::GuestsOnly => t_string!(i18n, content.verdicts.guests_only),
        Verdict::RegisteredOnly => t_string!(i18n, content.verdicts.registered_only),
        Verdict::TargetsGone => t_string!(i18n, content.verdicts.targets_gone),
        Verdict::NotTargeted => t_string!(i18n, content.verdicts.not_targeted),
        Verdict::Capped => t_string!(i18n, content.verdicts.capped),
        Verdict::Qualifies => t_string!(i18n, content.verdicts.qualifies),
    }
    .to_owned()
}

#[component]
pub fn PreviewPage() -> impl IntoView {
    let i18n = use_i18n();
    let customer = RwSignal::new(String::new());
    let segments = RwSignal::new(String::new());
    let at = RwSignal::new(String::new());
    let run = Action::new(move |input: &PreviewInput| {
        let input = input.clone();
        async move { preview_as(input).await }
    });
    let error = Signal::derive(move || run.value().get().and_then(|r| r.err()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        run.dispatch(PreviewInput {
            customer: customer.get_untracked(),
            segments: segments
                .get_untracked()
                .split(',')
                .filter_map(|s| s.trim().parse().ok())
                .collect(),
            at: at.get_untracked(),
        });
    };
    view! {
        <Title text=move || t_string!(i18n, content.preview_title).to_string() />
        <h1>{t!(i18n, content.preview_title)}</h1>
        <p><A href="/admin/content">{t!(i18n, content.title)}</A></p>
        <form class="form" novalidate on:submit=submit>
            <div class="field">
                <label for="pv-customer">{t!(i18n, content.preview_customer)}</label>
                <input id="pv-customer" prop:value=move || customer.get() on:input=move |ev| customer.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="pv-segments">{t!(i18n, content.preview_segments)}</label>
                <input id="pv-segments" prop:value=move || segments.get() on:input=move |ev| segments.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="pv-at">{t!(i18n, content.preview_at)}</label>
                <input id="pv-at" type="datetime-local" prop:value=move || at.get() on:input=move |ev| at.set(event_target_value(&ev)) />
            </div>
            <div class="actions"><button type="submit">{t!(i18n, content.preview_run)}</button></div>
        </form>
        <ErrorMessage error />
        {move || run.value().get().and_then(|r| r.ok()).map(|p| preview_view(i18n, p))}
    }
}

fn preview_view(i18n: I18nContext<Locale>, p: Preview) -> impl IntoView {
    let who = match &p.customer {
        Some((id, email)) => format!("{email} (#{id})"),
        None => t_string!(i18n, content.preview_visitor).to_owned(),
    };
    let segs = p
        .segments
        .iter()
        .map(|(id, n)| format!("{n} (#{id})"))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <section aria-labelledby="pv-result-h" data-testid="preview-result">
            <h2 id="pv-result-h">{who}</h2>
            <p>{t!(i18n, content.preview_in_segments)}": "{if segs.is_empty() { "—".to_owned() } else { segs }}</p>
            {p.placements.into_iter().map(|pl| {
                let shown = pl.shown;
                let shown_name = pl.considered.iter().find(|c| Some(c.id) == shown).map(|c| c.name.clone());
                view! {
                    <h3>{pl.placement.clone()}</h3>
                    <p>{t!(i18n, content.preview_shows)}": "<strong>{shown_name.unwrap_or_else(|| "—".into())}</strong>
                        {pl.holdout.then(|| view! { " " <span class="muted">{t!(i18n, content.holdout)}</span> })}</p>
                    <table class="grid" aria-label=pl.placement.clone()>
                        <thead><tr>
                            <th scope="col">{t!(i18n, content.name)}</th>
                            <th scope="col">{t!(i18n, content.why)}</th>
                        </tr></thead>
                        <tbody>
                            {pl.considered.into_iter().map(|c| view! {
                                <tr class:shown=Some(c.id) == shown>
                                    <td>{c.name}{c.fallback.then(|| format!(" ({})", t_string!(i18n, content.fallback)))}</td>
                                    <td>{verdict_label(i18n, c.verdict)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
            }).collect_view()}
        </section>
    }
}
