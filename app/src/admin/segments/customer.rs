//! The customer page's "Segments" section (Customer View): the segments the customer is in now,
//! their latest joins and leaves with when and why, and the CDP audiences they are in.
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

/// Joins and leaves shown on the customer page.
#[cfg(feature = "ssr")]
const SHOWN: usize = 50;

/// One join or leave, as the customer page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Move {
    pub segment: String,
    pub entered: bool,
    /// `YYYY-MM-DD HH:MM` UTC.
    pub at: String,
    /// The reason's key (`Reason::key`).
    pub reason: String,
}

/// A reason for a join or leave in the staff's language (an unknown key as it is).
fn reason_label(i18n: I18nContext<Locale>, key: &str) -> String {
    match key {
        "customer_changed" => t_string!(i18n, segments.reasons.customer_changed).to_string(),
        "segment_edited" => t_string!(i18n, segments.reasons.segment_edited).to_string(),
        "time_passed" => t_string!(i18n, segments.reasons.time_passed).to_string(),
        "refresh" => t_string!(i18n, segments.reasons.refresh).to_string(),
        "catalog_changed" => t_string!(i18n, segments.reasons.catalog_changed).to_string(),
        "audience_changed" => t_string!(i18n, segments.reasons.audience_changed).to_string(),
        "rfm_moved" => t_string!(i18n, segments.reasons.rfm_moved).to_string(),
        "caught_up" => t_string!(i18n, segments.reasons.caught_up).to_string(),
        other => other.to_owned(),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentsOfCustomer {
    /// (id, name) of the segments the customer is in.
    pub current: Vec<(u32, String)>,
    /// Newest first.
    pub moves: Vec<Move>,
    /// (key, name) of the CDP audiences the customer is in.
    pub audiences: Vec<(String, String)>,
}

/// A customer's segments now and their recent joins and leaves.
#[server(prefix = "/api/admin/customers", endpoint = "segments", input = server_fn::codec::Json)]
pub async fn customer_segments(customer: i64) -> Result<SegmentsOfCustomer, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Customers, |_| async move {
        let state = crate::state::app_state()?;
        state.customers.fresh(&state.db).await?;
        if state.customers.read().slot_for(customer).is_none() {
            return Err(AppError::NotFound);
        }
        let names: std::collections::HashMap<u32, String> = crate::segments::store::list(&state.db)
            .await?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect();
        let name = |id: u32| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
        let current = state
            .segments
            .segments_of(customer)
            .into_iter()
            .map(|id| (id, name(id)))
            .collect();
        let moves = crate::segments::history::latest_of(&state.db, customer, SHOWN)
            .await?
            .into_iter()
            .map(|t| Move {
                segment: name(t.segment),
                entered: t.entered,
                at: chrono::DateTime::from_timestamp(t.at, 0)
                    .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default(),
                reason: t.reason.key().to_owned(),
            })
            .collect();
        let who = crate::audiences::Named::of(&state.customers.read(), customer);
        let audiences = state.audiences.of_customer(&who);
        Ok(SegmentsOfCustomer {
            current,
            moves,
            audiences,
        })
    })
    .await
}

/// The section, loading on its own.
#[component]
pub fn CustomerSegmentsSection(customer: i64) -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(move || customer, customer_segments);
    view! {
        <div class="customer-segments" data-testid="customer-segments">
            <h2 id="customer-segments-h">{t!(i18n, segments.title)}</h2>
            {crate::components::loaded(data, move |d: SegmentsOfCustomer| {
                let current = if d.current.is_empty() {
                    view! { <p class="muted">{t!(i18n, segments.in_none)}</p> }.into_any()
                } else {
                    view! {
                        <ul>{d.current.into_iter().map(|(id, name)| view! {
                            <li><A href=format!("/admin/segments/{id}")>{name}</A></li>
                        }).collect_view()}</ul>
                    }.into_any()
                };
                let moves = d.moves.into_iter().map(|m| {
                    let what = if m.entered { t_string!(i18n, segments.entered) } else { t_string!(i18n, segments.left) };
                    let why = reason_label(i18n, &m.reason);
                    view! { <li>{format!("{} · {} {} ({why})", m.at, what, m.segment)}</li> }
                }).collect_view();
                let audiences = if d.audiences.is_empty() {
                    view! { <p class="muted">{t!(i18n, audiences.in_none)}</p> }.into_any()
                } else {
                    view! {
                        <ul aria-labelledby="customer-audiences-h">{d.audiences.into_iter().map(|(key, name)| view! {
                            <li>{name}" "<span class="muted">{format!("({key})")}</span></li>
                        }).collect_view()}</ul>
                    }.into_any()
                };
                view! {
                    {current}<ul class="muted">{moves}</ul>
                    <h3 id="customer-audiences-h">{t!(i18n, audiences.title)}</h3>
                    {audiences}
                }
            })}
        </div>
    }
}
