//! Content > Dynamic Blocks > Add/Edit: name, status, placement, content per language, dates,
//! priority, weight, fallback, daily cap, targeting; and the block's impressions and clicks.
use super::{BlockEditing, block_form, block_stats, delete_block, save_block};
use crate::admin::fields::{bound, choices, confirm, input, toggle};
use crate::components::{ErrorMessage, loaded, problem_text};
use crate::domain::content::{BlockInput, DayStat, LANGUAGES, Match, Placement, Who};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

#[component]
pub fn BlockEditPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<u32>().ok());
    let data = Resource::new(id, block_form);
    view! {
        {loaded(data, move |f: BlockEditing| view! { <Editor id=id() form=f /> })}
    }
}

#[component]
fn Editor(id: Option<u32>, form: BlockEditing) -> impl IntoView {
    let i18n = use_i18n();
    let f = RwSignal::new(form.input);
    let save = Action::new(move |input: &BlockInput| {
        let input = input.clone();
        async move { save_block(id, input).await }
    });
    let remove = Action::new(move |id: &u32| {
        let id = *id;
        async move { delete_block(id).await }
    });
    let navigate = use_navigate();
    Effect::new(move || {
        if save.value().get().is_some_and(|r| r.is_ok())
            || remove.value().get().is_some_and(|r| r.is_ok())
        {
            navigate("/admin/content", Default::default());
        }
    });
    let error = Signal::derive(move || {
        save.value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| remove.value().get().and_then(|r| r.err()))
    });
    let text = move |name: &'static str,
                     label: String,
                     kind: &'static str,
                     field: fn(&mut BlockInput) -> &mut String| {
        bound((i18n, error), f, (name, label), kind, field)
    };
    let content = LANGUAGES.map(|lang| {
        let name: &'static str = match lang {
            "it" => "content.it",
            "nl" => "content.nl",
            _ => "content.en",
        };
        input(
            i18n,
            error,
            (
                name,
                format!("{} ({lang})", t_string!(i18n, content.content)),
            ),
            "textarea",
            move || f.with(|b| b.content.get(lang).cloned().unwrap_or_default()),
            move |v| {
                f.update(|b| {
                    b.content.insert(lang.to_owned(), v);
                })
            },
        )
    });
    let title = if id.is_some() {
        t_string!(i18n, content.edit_title)
    } else {
        t_string!(i18n, content.new_title)
    };
    view! {
        <Title text=title.to_string() />
        <h1>{title}</h1>
        <p><A href="/admin/content">{t!(i18n, content.title)}</A></p>
        <form class="form" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save.dispatch(f.get_untracked()); }>
            {text("name", t_string!(i18n, content.name).to_owned(), "text", |b| &mut b.name)}
            <div class="field check">
                <input id="b-active" type="checkbox" prop:checked=move || f.with(|b| b.active)
                    on:change=move |ev| f.update(|b| b.active = event_target_checked(&ev)) />
                <label for="b-active">{t!(i18n, content.active)}</label>
            </div>
            {text("placement", t_string!(i18n, content.placement).to_owned(), "text", |b| &mut b.placement)}
            <p class="hint">{t!(i18n, content.placement_help)}" "{Placement::BUILT_IN.join(", ")}</p>
            {content}
            {text("starts", t_string!(i18n, content.starts).to_owned(), "datetime-local", |b| &mut b.starts)}
            {text("ends", t_string!(i18n, content.ends).to_owned(), "datetime-local", |b| &mut b.ends)}
            {text("priority", t_string!(i18n, content.priority).to_owned(), "number", |b| &mut b.priority)}
            {text("weight", t_string!(i18n, content.weight).to_owned(), "number", |b| &mut b.weight)}
            {text("cap_per_day", t_string!(i18n, content.cap_per_day).to_owned(), "number", |b| &mut b.cap_per_day)}
            <div class="field check">
                <input id="b-fallback" type="checkbox" prop:checked=move || f.with(|b| b.fallback)
                    on:change=move |ev| f.update(|b| b.fallback = event_target_checked(&ev)) />
                <label for="b-fallback">{t!(i18n, content.fallback_help)}</label>
            </div>
            <h2>{t!(i18n, content.targeting)}</h2>
            <div class="field">
                <label for="b-who">{t!(i18n, content.who)}</label>
                <select id="b-who" on:change=move |ev| f.update(|b| b.who = match event_target_value(&ev).as_str() {
                    "guests" => Who::Guests, "registered" => Who::Registered, _ => Who::Everyone })>
                    <option value="everyone" selected=move || f.with(|b| b.who == Who::Everyone)>{t!(i18n, content.who_everyone)}</option>
                    <option value="guests" selected=move || f.with(|b| b.who == Who::Guests)>{t!(i18n, content.who_guests)}</option>
                    <option value="registered" selected=move || f.with(|b| b.who == Who::Registered)>{t!(i18n, content.who_registered)}</option>
                </select>
            </div>
            <div class="field">
                <label for="b-mode">{t!(i18n, content.mode)}</label>
                <select id="b-mode" on:change=move |ev| f.update(|b| b.mode = match event_target_value(&ev).as_str() {
                    "all" => Match::All, "none" => Match::None, _ => Match::Any })>
                    <option value="any" selected=move || f.with(|b| b.mode == Match::Any)>{t!(i18n, content.mode_any)}</option>
                    <option value="all" selected=move || f.with(|b| b.mode == Match::All)>{t!(i18n, content.mode_all)}</option>
                    <option value="none" selected=move || f.with(|b| b.mode == Match::None)>{t!(i18n, content.mode_none)}</option>
                </select>
            </div>
            {choices(t_string!(i18n, content.segments).to_owned(), form.segments,
                move || f.with(|b| b.segments.clone()), move |id, on| f.update(|b| toggle(&mut b.segments, id, on)))}
            {choices(t_string!(i18n, content.groups).to_owned(), form.groups,
                move || f.with(|b| b.groups.clone()), move |id, on| f.update(|b| toggle(&mut b.groups, id, on)))}
            {choices(t_string!(i18n, content.audiences).to_owned(), form.audiences,
                move || f.with(|b| b.audiences.clone()), move |id, on| f.update(|b| toggle(&mut b.audiences, id, on)))}
            <p class="field-msg">{move || error.get().and_then(|e| e.field_problem("segments").or(e.field_problem("audiences")))
                .map(|p| view! { <span class="error">{problem_text(i18n.get_locale(), p)}</span> })}</p>
            <ErrorMessage error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::InvalidFields(_)))) />
            <div class="actions">
                <button type="submit" disabled=move || save.pending().get()>{t!(i18n, common.save)}</button>
                {id.map(|bid| view! {
                    <button type="button" class="danger" on:click=move |_| {
                        if confirm(t_string!(i18n, content.delete_confirm)) { remove.dispatch(bid); }
                    }>{t!(i18n, common.delete)}</button>
                })}
            </div>
        </form>
        {id.map(|bid| view! { <Stats id=bid /> })}
    }
}

/// Chart size in SVG units; bars share the width.
const CHART_W: f64 = 600.0;
const CHART_H: f64 = 160.0;
/// Room below the bars for the day labels, and left of them for the scale.
const AXIS_H: f64 = 18.0;
const AXIS_W: f64 = 40.0;

/// The block's impressions and clicks: totals, a table per day and a bar chart.
#[component]
fn Stats(id: u32) -> impl IntoView {
    let i18n = use_i18n();
    let stats = Resource::new(move || id, block_stats);
    view! {
        <section aria-labelledby="b-stats-h">
            <h2 id="b-stats-h">{t!(i18n, content.statistics)}</h2>
            {loaded(stats, move |days: Vec<DayStat>| {
                let sum = |f: fn(&DayStat) -> u64| days.iter().map(f).sum::<u64>();
                let (imp, clk) = (sum(|d| d.impressions), sum(|d| d.clicks));
                let (himp, hclk) = (sum(|d| d.holdout_impressions), sum(|d| d.holdout_clicks));
                view! {
                    <dl class="totals">
                        <dt>{t!(i18n, content.impressions)}</dt><dd data-testid="impressions">{imp}</dd>
                        <dt>{t!(i18n, content.clicks)}</dt><dd data-testid="clicks">{clk}</dd>
                        <dt>{t!(i18n, content.holdout_impressions)}</dt><dd>{himp}</dd>
                        <dt>{t!(i18n, content.holdout_clicks)}</dt><dd>{hclk}</dd>
                    </dl>
                    {chart(i18n, days.clone())}
                }
            })}
        </section>
    }
}

fn chart(i18n: I18nContext<Locale>, days: Vec<DayStat>) -> impl IntoView {
    let top = days
        .iter()
        .map(|d| d.impressions.max(d.clicks))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = (CHART_W - AXIS_W) / days.len().max(1) as f64;
    let plot_h = CHART_H - AXIS_H;
    let bar = |i: usize, n: u64, half: f64, class: &'static str| {
        let h = n as f64 / top * plot_h;
        view! { <rect class=class x=AXIS_W + i as f64 * slot + half * slot / 2.0 y=plot_h - h width=slot / 2.0 * 0.9 height=h /> }
    };
    let label = t_string!(i18n, content.chart_label).to_owned();
    view! {
        <svg class="chart" role="img" aria-label=label viewBox=format!("0 0 {CHART_W} {CHART_H}")>
            <text x="0" y="10" class="axis">{top as u64}</text>
            <text x="0" y=plot_h class="axis">"0"</text>
            {days.iter().enumerate().map(|(i, d)| view! {
                {bar(i, d.impressions, 0.0, "series series-0")}
                {bar(i, d.clicks, 1.0, "series series-1")}
                <text class="axis" x=AXIS_W + i as f64 * slot y=CHART_H - 4.0>{d.day.get(5..).unwrap_or_default().to_owned()}</text>
            }).collect_view()}
        </svg>
        <p class="legend"><span class="series-0">"■ "{t!(i18n, content.impressions)}</span>" "<span class="series-1">"■ "{t!(i18n, content.clicks)}</span></p>
        <table class="grid" aria-label=move || t_string!(i18n, content.statistics)>
            <thead><tr>
                <th scope="col">{t!(i18n, content.day)}</th>
                <th scope="col">{t!(i18n, content.impressions)}</th>
                <th scope="col">{t!(i18n, content.clicks)}</th>
            </tr></thead>
            <tbody>{days.iter().map(|d| view! {
                <tr><td>{d.day.clone()}</td><td>{d.impressions}</td><td>{d.clicks}</td></tr>
            }).collect_view()}</tbody>
        </table>
    }
}
