//! Customers > Segments > Add/Edit: name, description, website, status, apply to, the conditions
//! as a tree or as text (switching both ways), the exact live count while typing, Save, Save and
//! Continue, Delete, Refresh Segment Data and the Matched Customers grid.
use super::conditions::{ConditionsTree, GroupUi};
use super::grid::apply_to_label;
use super::{LiveCount, delete_segment, get_segment, save_segment};
use crate::components::{ErrorMessage, error_text, fill, loaded_from};
use crate::domain::segment::saved::{ApplyTo, SegmentInput, SegmentRow, unfit_for_visitors};
use crate::domain::segment::{DraftGroup, parse};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

/// Quiet time after the last change before the count is asked for.
#[cfg(feature = "hydrate")]
const COUNT_DELAY_MS: u32 = 200;
/// How often an open editor asks again with no change of its own: members join and leave as
/// customers act, and the count and sample follow them while the page is open.
#[cfg(feature = "hydrate")]
const COUNT_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

/// What the form edits.
#[derive(Clone, Copy)]
struct Form {
    /// None for a new segment.
    id: Option<u32>,
    name: RwSignal<String>,
    description: RwSignal<String>,
    website: RwSignal<String>,
    active: RwSignal<bool>,
    apply_to: RwSignal<ApplyTo>,
    /// The tree; replaced whole when the text is read back into it.
    tree: RwSignal<GroupUi>,
    /// The text form, while it is the one shown.
    text: RwSignal<String>,
    text_mode: RwSignal<bool>,
}

impl Form {
    fn new(row: Option<&SegmentRow>) -> Form {
        let conditions = row.map(|r| r.conditions.clone()).unwrap_or_default();
        let draft = parse(&conditions)
            .map(|g| DraftGroup::from_group(&g))
            .unwrap_or_default();
        Form {
            id: row.map(|r| r.id),
            name: RwSignal::new(row.map(|r| r.name.clone()).unwrap_or_default()),
            description: RwSignal::new(row.map(|r| r.description.clone()).unwrap_or_default()),
            website: RwSignal::new(row.map(|r| r.website.clone()).unwrap_or_default()),
            active: RwSignal::new(row.is_none_or(|r| r.active)),
            apply_to: RwSignal::new(row.map(|r| r.apply_to).unwrap_or_default()),
            tree: RwSignal::new(GroupUi::new(&draft)),
            text: RwSignal::new(conditions),
            text_mode: RwSignal::new(false),
        }
    }

    /// The conditions as the text form writes them, whichever form is shown (tracked).
    fn conditions(self) -> String {
        if self.text_mode.get() {
            self.text.get()
        } else {
            self.tree.get().draft().text()
        }
    }

    fn input(self, id: Option<u32>) -> SegmentInput {
        SegmentInput {
            id,
            name: self.name.get_untracked(),
            description: self.description.get_untracked(),
            website: self.website.get_untracked(),
            active: self.active.get_untracked(),
            apply_to: self.apply_to.get_untracked(),
            conditions: self.conditions_untracked(),
        }
    }

    fn conditions_untracked(self) -> String {
        untrack(move || self.conditions())
    }

    /// Shows the text form, or reads the text back into the tree (staying on the text when it
    /// does not read).
    fn switch(self) -> Result<(), AppError> {
        if self.text_mode.get_untracked() {
            let g = parse(&self.text.get_untracked()).map_err(AppError::Conditions)?;
            self.tree.set(GroupUi::new(&DraftGroup::from_group(&g)));
            self.text_mode.set(false);
        } else {
            self.text.set(self.conditions_untracked());
            self.text_mode.set(true);
        }
        Ok(())
    }
}

#[component]
pub fn SegmentEditPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<u32>().ok());
    view! {
        <Title text=move || t_string!(i18n, segments.edit_title).to_string() />
        {move || {
            let id = id();
            loaded_from(move || async move {
                match id {
                    Some(id) => get_segment(id).await.map(Some),
                    None => Ok(None),
                }
            }, move |row: Option<SegmentRow>| editor(row))
        }}
    }
}

fn editor(row: Option<SegmentRow>) -> impl IntoView {
    let i18n = use_i18n();
    let id = row.as_ref().map(|r| r.id);
    let form = Form::new(row.as_ref());
    let notice = RwSignal::new(None::<String>);
    let switch_error = RwSignal::new(None::<AppError>);
    let save = Action::new(move |(input, stay): &(SegmentInput, bool)| {
        let (input, stay) = (input.clone(), *stay);
        async move { save_segment(input).await.map(|id| (id, stay)) }
    });
    let live = live_count(form);
    let refresh = Action::new(move |id: &u32| {
        let id = *id;
        async move { super::refresh_segment(id).await }
    });
    Effect::new(move || {
        if let Some(Ok(r)) = refresh.value().get() {
            notice.set(Some(fill(
                t_string!(i18n, segments.refreshed),
                &[
                    ("members", &r.members.to_string()),
                    ("joined", &r.joined.to_string()),
                    ("left", &r.left.to_string()),
                ],
            )));
            live.refresh.update(|n| *n += 1);
        }
    });
    // Where the segment is used: the delete warns of it.
    let used_by = Resource::new(
        || (),
        move |_| async move {
            match id {
                Some(id) => super::segment_used_by(id).await.unwrap_or_default(),
                None => Vec::new(),
            }
        },
    );
    let uses_text = move || uses_warning(i18n, &used_by.get().unwrap_or_default());
    let remove = Action::new(move |id: &u32| {
        let id = *id;
        async move { delete_segment(id).await }
    });
    let navigate = use_navigate();
    Effect::new(move || {
        let to = match (save.value().get(), remove.value().get()) {
            (_, Some(Ok(()))) => Some("/admin/segments".to_owned()),
            (Some(Ok((_, false))), _) => Some("/admin/segments".to_owned()),
            (Some(Ok((saved, true))), _) if id != Some(saved) => {
                Some(format!("/admin/segments/{saved}"))
            }
            (Some(Ok((_, true))), _) => {
                notice.set(Some(t_string!(i18n, segments.saved).to_owned()));
                None
            }
            _ => None,
        };
        if let Some(to) = to {
            navigate(&to, Default::default());
        }
    });
    let error = Signal::derive(move || {
        switch_error
            .get()
            .or_else(|| save.value().get().and_then(|r| r.err()))
            .or_else(|| remove.value().get().and_then(|r| r.err()))
            .or_else(|| refresh.value().get().and_then(|r| r.err()))
    });
    let unfit = Memo::new(move |_| {
        let tree = parse(&form.conditions()).unwrap_or_default();
        unfit_for_visitors(form.apply_to.get(), &tree)
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(", ")
    });
    let submit = move |stay: bool| {
        notice.set(None);
        save.dispatch((form.input(id), stay));
    };
    view! {
        <h1>{if id.is_some() { t!(i18n, segments.edit_title).into_any() } else { t!(i18n, segments.new_title).into_any() }}</h1>
        <form class="form segment-form" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); submit(false); }>
            {properties(form)}
            <section class="seg-conditions" aria-labelledby="seg-conditions-h">
                <h2 id="seg-conditions-h">{t!(i18n, segments.conditions)}</h2>
                <div class="seg-mode" role="group" aria-label=move || t_string!(i18n, segments.conditions)>
                    <button type="button" class="secondary" aria-pressed=move || (!form.text_mode.get()).to_string()
                        disabled=move || !form.text_mode.get()
                        on:click=move |_| switch_error.set(form.switch().err())>{t!(i18n, segments.as_tree)}</button>
                    <button type="button" class="secondary" aria-pressed=move || form.text_mode.get().to_string()
                        disabled=move || form.text_mode.get()
                        on:click=move |_| switch_error.set(form.switch().err())>{t!(i18n, segments.as_text)}</button>
                </div>
                {move || if form.text_mode.get() {
                    view! {
                        <textarea class="seg-text" rows="6" spellcheck="false"
                            aria-label=move || t_string!(i18n, segments.conditions_text)
                            prop:value=move || form.text.get_untracked()
                            on:input=move |ev| form.text.set(event_target_value(&ev))></textarea>
                    }.into_any()
                } else {
                    view! { <ConditionsTree root=form.tree.get() /> }.into_any()
                }}
                <Show when=move || !unfit.get().is_empty()>
                    <p class="notice" role="status">{move || fill(t_string!(i18n, segments.unfit_for_visitors), &[("fields", &unfit.get())])}</p>
                </Show>
                {live_view(live)}
            </section>
            <ErrorMessage error />
            <Suspense fallback=|| ()>
                {move || {
                    let uses = uses_text();
                    (!uses.is_empty()).then(|| view! {
                        <p class="notice" role="status">{uses}</p>
                    })
                }}
            </Suspense>
            <p class="notice" role="status">{move || notice.get()}</p>
            <div class="actions">
                <button type="submit" disabled=move || save.pending().get()>{t!(i18n, common.save)}</button>
                <button type="button" disabled=move || save.pending().get() on:click=move |_| submit(true)>{t!(i18n, segments.save_continue)}</button>
                {id.map(|sid| view! {
                    <button type="button" class="secondary" on:click=move |_| { refresh.dispatch(sid); }>{t!(i18n, segments.refresh)}</button>
                    <A href=format!("/admin/customers?segment={sid}") attr:class="button secondary">{t!(i18n, segments.matched)}</A>
                    <button type="button" class="danger" on:click=move |_| {
                        let uses = uses_text();
                        let question = if uses.is_empty() {
                            t_string!(i18n, segments.delete_confirm).to_owned()
                        } else {
                            format!("{uses}\n\n{}", t_string!(i18n, segments.delete_confirm))
                        };
                        if confirm(&question) { remove.dispatch(sid); }
                    }>{t!(i18n, common.delete)}</button>
                })}
                <A href="/admin/segments" attr:class="button secondary">{t!(i18n, common.cancel)}</A>
            </div>
        </form>
    }
}

/// Asks the browser to confirm (always yes while rendering on the server, which never clicks).
fn confirm(question: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.confirm_with_message(question).ok())
            .unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = question;
        true
    }
}

fn properties(form: Form) -> impl IntoView {
    let i18n = use_i18n();
    let websites = Resource::new(|| (), |_| super::segment_websites());
    view! {
        <div class="field">
            <label for="seg-name">{t!(i18n, segments.name)}" *"</label>
            <input id="seg-name" type="text" required maxlength="255" bind:value=form.name />
        </div>
        <div class="field">
            <label for="seg-description">{t!(i18n, segments.description)}</label>
            <textarea id="seg-description" rows="2" maxlength="2000" prop:value=move || form.description.get()
                on:input=move |ev| form.description.set(event_target_value(&ev))></textarea>
        </div>
        <div class="field">
            <label for="seg-website">{t!(i18n, segments.website)}</label>
            <select id="seg-website" on:change=move |ev| form.website.set(event_target_value(&ev))>
                <option value="" selected=move || form.website.get().is_empty()>
                    {t!(i18n, segments.all_websites)}
                </option>
                <Suspense>
                    {move || websites.get().map(|list| {
                        // A website the segment names but the store no longer has stays listed.
                        let mut list = list.unwrap_or_default();
                        let current = form.website.get_untracked();
                        if !current.is_empty() && list.iter().all(|(id, _)| *id != current) {
                            list.push((current.clone(), current));
                        }
                        list.into_iter().map(|(id, name)| {
                            let value = id.clone();
                            view! {
                                <option value=id selected=move || form.website.get() == value>{name}</option>
                            }
                        }).collect_view()
                    })}
                </Suspense>
            </select>
        </div>
        <div class="field check">
            <input id="seg-active" type="checkbox" bind:checked=form.active />
            <label for="seg-active">{t!(i18n, segments.active)}</label>
        </div>
        <div class="field">
            <label for="seg-apply">{t!(i18n, segments.apply_to)}</label>
            <select id="seg-apply" on:change=move |ev| {
                if let Some(a) = ApplyTo::parse(&event_target_value(&ev)) { form.apply_to.set(a) }
            }>
                {ApplyTo::ALL.into_iter().map(|a| view! {
                    <option value=a.key() selected=move || form.apply_to.get() == a>
                        {move || apply_to_label(i18n.get_locale(), a)}
                    </option>
                }).collect_view()}
            </select>
        </div>
    }
}

/// The live count's state: the latest answer (or why there is none), and a counter that asks again.
#[derive(Clone, Copy)]
struct Live {
    answer: RwSignal<Option<Result<LiveCount, AppError>>>,
    refresh: RwSignal<u32>,
}

/// Asks the server for the count a moment after each change (the text is read in the browser
/// first: a mistake shows at once, with its line and column). Older answers are dropped.
fn live_count(form: Form) -> Live {
    let live = Live {
        answer: RwSignal::new(None),
        refresh: RwSignal::new(0),
    };
    let asked = StoredValue::new(0u64);
    Effect::new(move || {
        live.refresh.track();
        let text = form.conditions();
        let website = form.website.get();
        asked.update_value(|n| *n += 1);
        let ticket = asked.get_value();
        if let Err(e) = parse(&text) {
            live.answer.set(Some(Err(AppError::Conditions(e))));
            return;
        }
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(COUNT_DELAY_MS).await;
            if asked.get_value() != ticket {
                return;
            }
            let answer = super::count_segment(text, website, form.id).await;
            if asked.get_value() == ticket {
                live.answer.set(Some(answer));
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (ticket, website, form.id);
    });
    #[cfg(feature = "hydrate")]
    if let Ok(every) = set_interval_with_handle(
        move || {
            let hidden = web_sys::window()
                .and_then(|w| w.document())
                .is_some_and(|d| d.hidden());
            if !hidden {
                live.refresh.update(|n| *n += 1);
            }
        },
        COUNT_EVERY,
    ) {
        on_cleanup(move || every.clear());
    }
    live
}

fn live_view(live: Live) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="seg-live" role="status" aria-live="polite" data-testid="live-count">
            {move || match live.answer.get() {
                None => view! { <p class="muted">{t!(i18n, common.loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{error_text(i18n, &e)}</p> }.into_any(),
                Some(Ok(c)) => {
                    let share = if c.total == 0 { 0.0 } else { c.members as f64 * 100.0 / c.total as f64 };
                    let line = fill(t_string!(i18n, segments.live_count), &[
                        ("members", &c.members.to_string()),
                        ("total", &c.total.to_string()),
                        ("share", &format!("{share:.1}")),
                    ]);
                    view! {
                        <p class="seg-count">{line}</p>
                        <ul class="seg-sample" aria-label=move || t_string!(i18n, segments.sample)>
                            {c.sample.into_iter().map(|s| view! {
                                <li><A href=format!("/admin/customers/{}", s.id)>{s.name}</A>" · "{s.email}</li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </div>
    }
}

/// The delete's warning: the segments that use this one, then the blocks that target it.
fn uses_warning(i18n: leptos_i18n::I18nContext<Locale>, uses: &[super::SegmentUse]) -> String {
    let list = |block: bool| {
        uses.iter()
            .filter(|u| u.block == block)
            .map(|u| format!("{} (#{})", u.name, u.id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (segments, blocks) = (list(false), list(true));
    [
        (!segments.is_empty()).then(|| {
            fill(
                t_string!(i18n, segments.used_by),
                &[("segments", &segments)],
            )
        }),
        (!blocks.is_empty()).then(|| {
            fill(
                t_string!(i18n, segments.used_by_blocks),
                &[("blocks", &blocks)],
            )
        }),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
}
