//! Content > Dynamic Blocks: every block (placement, standing, dates, priority, impressions,
//! clicks), and how each placement rotates among its blocks.
use super::{BlockRow, BlocksData, Standing, list_blocks, save_rotation};
use crate::components::{ErrorMessage, loaded};
use crate::domain::content::{MAX_HOLDOUT_PERCENT, Rotation};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_meta::Title;
use leptos_router::components::A;

pub fn standing_label(i18n: I18nContext<Locale>, s: Standing) -> String {
    match s {
        Standing::Inactive => t_string!(i18n, content.standing.inactive),
        Standing::Scheduled => t_string!(i18n, content.standing.scheduled),
        Standing::Live => t_string!(i18n, content.standing.live),
        Standing::Ended => t_string!(i18n, content.standing.ended),
    }
    .to_owned()
}

/// Clicks per hundred impressions, one decimal.
fn ctr(impressions: u64, clicks: u64) -> String {
    if impressions == 0 {
        "—".into()
    } else {
        format!("{:.1}%", clicks as f64 * 100.0 / impressions as f64)
    }
}

#[component]
pub fn BlocksPage() -> impl IntoView {
    let i18n = use_i18n();
    let reload = RwSignal::new(0_u32);
    let data = Resource::new(move || reload.get(), |_| list_blocks());
    view! {
        <Title text=move || t_string!(i18n, content.title).to_string() />
        <div class="page-head">
            <h1>{t!(i18n, content.title)}</h1>
            <div class="actions">
                <A href="/admin/content/preview" attr:class="button secondary">{t!(i18n, content.preview_title)}</A>
                <A href="/admin/content/blocks/new" attr:class="button">{t!(i18n, content.add)}</A>
            </div>
        </div>
        {loaded(data, move |d: BlocksData| view! {
            {blocks_table(i18n, d.blocks)}
            <h2>{t!(i18n, content.rotation_title)}</h2>
            <p class="muted">{t!(i18n, content.rotation_help)}</p>
            {d.placements.into_iter().map(|(p, r)| view! { <RotationForm placement=p rotation=r reload /> }).collect_view()}
        })}
    }
}

fn blocks_table(i18n: I18nContext<Locale>, blocks: Vec<BlockRow>) -> impl IntoView {
    if blocks.is_empty() {
        return view! { <p>{t!(i18n, content.none)}</p> }.into_any();
    }
    view! {
        <table class="grid" aria-label=move || t_string!(i18n, content.title)>
            <thead><tr>
                <th scope="col">{t!(i18n, content.name)}</th>
                <th scope="col">{t!(i18n, content.placement)}</th>
                <th scope="col">{t!(i18n, content.status)}</th>
                <th scope="col">{t!(i18n, content.starts)}</th>
                <th scope="col">{t!(i18n, content.ends)}</th>
                <th scope="col">{t!(i18n, content.priority)}</th>
                <th scope="col">{t!(i18n, content.impressions)}</th>
                <th scope="col">{t!(i18n, content.clicks)}</th>
                <th scope="col">{t!(i18n, content.ctr)}</th>
            </tr></thead>
            <tbody>
                {blocks.into_iter().map(|b| view! {
                    <tr>
                        <td><A href=format!("/admin/content/blocks/{}", b.id)>{b.name.clone()}</A>
                            {b.fallback.then(|| format!(" ({})", t_string!(i18n, content.fallback)))}</td>
                        <td>{b.placement.clone()}</td>
                        <td>{standing_label(i18n, b.standing)}</td>
                        <td>{b.starts.replace('T', " ")}</td>
                        <td>{b.ends.replace('T', " ")}</td>
                        <td>{b.priority}</td>
                        <td>{b.impressions}</td>
                        <td>{b.clicks}</td>
                        <td>{ctr(b.impressions, b.clicks)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// One placement's rotation: priority, random, or weighted with a holdout share.
#[component]
fn RotationForm(placement: String, rotation: Rotation, reload: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let (kind0, holdout0) = match rotation {
        Rotation::Priority => ("priority", 0),
        Rotation::Random => ("random", 0),
        Rotation::Weighted { holdout } => ("weighted", holdout),
    };
    let kind = RwSignal::new(kind0.to_owned());
    let holdout = RwSignal::new(holdout0.to_string());
    let save = Action::new(move |(p, r): &(String, Rotation)| {
        let (p, r) = (p.clone(), *r);
        async move {
            let done = save_rotation(p, r).await;
            if done.is_ok() {
                reload.update(|n| *n += 1);
            }
            done
        }
    });
    let error = Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let id = format!("rot-{placement}");
    let hid = format!("hold-{placement}");
    let p = placement.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let r = match kind.get_untracked().as_str() {
            "random" => Rotation::Random,
            "weighted" => Rotation::Weighted {
                holdout: holdout.get_untracked().trim().parse().unwrap_or(u8::MAX),
            },
            _ => Rotation::Priority,
        };
        save.dispatch((p.clone(), r));
    };
    view! {
        <form class="form inline-form" novalidate on:submit=submit aria-label=placement.clone()>
            <div class="field">
                <label for=id.clone()>{placement.clone()}</label>
                <select id=id prop:value=move || kind.get() on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="priority">{t!(i18n, content.rotation_priority)}</option>
                    <option value="random">{t!(i18n, content.rotation_random)}</option>
                    <option value="weighted">{t!(i18n, content.rotation_weighted)}</option>
                </select>
            </div>
            <Show when=move || kind.get() == "weighted">
                <div class="field">
                    <label for=hid.clone()>{t!(i18n, content.holdout_percent)}</label>
                    <input id=hid.clone() type="number" min="0" max=MAX_HOLDOUT_PERCENT prop:value=move || holdout.get()
                        on:input=move |ev| holdout.set(event_target_value(&ev)) />
                </div>
            </Show>
            <button type="submit" class="secondary">{t!(i18n, common.save)}</button>
            <ErrorMessage error />
        </form>
    }
}
