//! Marketing > Cart Price Rules: the server functions of the rules list, the rule editor with its
//! coupons, and pricing a cart for a customer (an order staff create for them) by the same path
//! as the shop's API and the storefront; the pages are in `list`, `editor` and `price`.
pub mod editor;
pub mod list;
pub mod price;

use crate::domain::promotion::input::RuleInput;
use crate::domain::promotion::request::{CartLineInput, Priced};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use editor::RuleEditPage;
pub use list::RulesPage;
pub use price::PriceCartPage;

#[cfg(feature = "ssr")]
use crate::{domain::Resource as Area, state::app_state};

/// One line of the rules list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleRow {
    pub id: u32,
    pub name: String,
    pub active: bool,
    pub starts: String,
    pub ends: String,
    /// Empty: no coupon; the code; or "generated".
    pub coupon: String,
    pub priority: i32,
}

#[server(prefix = "/api/admin/promotions", endpoint = "list")]
pub async fn list_rules() -> Result<Vec<RuleRow>, AppError> {
    crate::auth::caller::serve(Area::Promotions, |_| async move {
        use crate::domain::content::format_moment;
        use crate::domain::promotion::Coupon;
        let state = app_state()?;
        let mut rules = crate::promotions::store::list(&state.db).await?;
        rules.sort_by_key(|r| (r.priority, r.id));
        Ok(rules
            .into_iter()
            .map(|r| RuleRow {
                id: r.id,
                active: r.active,
                starts: format_moment(r.starts),
                ends: format_moment(r.ends),
                coupon: match &r.coupon {
                    Coupon::None => String::new(),
                    Coupon::Specific { code } => code.clone(),
                    Coupon::Generated => "generated".into(),
                },
                priority: r.priority,
                name: r.name,
            })
            .collect())
    })
    .await
}

/// A rule's coupons: how many, how many used, and the first few with their uses.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CouponsView {
    pub total: u32,
    pub used: u32,
    /// Code and uses.
    pub listed: Vec<(String, u32)>,
}

/// What the editor needs: the rule as typed (a new one's defaults), what it can target, and its
/// coupons.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleEditing {
    pub input: RuleInput,
    pub segments: Vec<(u32, String)>,
    pub groups: Vec<(u32, String)>,
    pub audiences: Vec<(String, String)>,
    pub coupons: CouponsView,
}

#[server(prefix = "/api/admin/promotions", endpoint = "form", input = server_fn::codec::Json)]
pub async fn rule_form(id: Option<u32>) -> Result<RuleEditing, AppError> {
    crate::auth::caller::serve(Area::Promotions, |_| async move {
        use crate::domain::promotion::input::{COUPON_NONE, KIND_PERCENT, input_of};
        let state = app_state()?;
        let (input, coupons) = match id {
            Some(id) => {
                let rule = crate::promotions::store::get(&state.db, id).await?;
                let (total, used, listed) =
                    crate::promotions::coupons::of_rule(&state.db, id).await?;
                let listed = listed.into_iter().map(|c| (c.code, c.uses)).collect();
                (
                    input_of(&rule),
                    CouponsView {
                        total,
                        used,
                        listed,
                    },
                )
            }
            None => (
                RuleInput {
                    active: true,
                    priority: "0".into(),
                    action: KIND_PERCENT.into(),
                    coupon: COUPON_NONE.into(),
                    ..RuleInput::default()
                },
                CouponsView::default(),
            ),
        };
        let (segments, groups, audiences) =
            crate::content::store::target_choices(&state.db).await?;
        Ok(RuleEditing {
            input,
            segments,
            groups,
            audiences,
            coupons,
        })
    })
    .await
}

/// Creates (id None) or replaces a rule; returns its id.
#[server(prefix = "/api/admin/promotions", endpoint = "save", input = server_fn::codec::Json)]
pub async fn save_rule(id: Option<u32>, input: RuleInput) -> Result<u32, AppError> {
    crate::auth::caller::serve(Area::Promotions, |me| async move {
        if id == Some(0) {
            return Err(AppError::NotFound);
        }
        let state = app_state()?;
        let mut rule = crate::domain::promotion::input::parse(&input)?;
        rule.id = id.unwrap_or(0);
        crate::promotions::store::save(&state.db, &me, rule).await
    })
    .await
}

#[server(prefix = "/api/admin/promotions", endpoint = "delete", input = server_fn::codec::Json)]
pub async fn delete_rule(id: u32) -> Result<(), AppError> {
    crate::auth::caller::serve(Area::Promotions, |me| async move {
        let state = app_state()?;
        crate::promotions::store::delete(&state.db, &me, id).await
    })
    .await
}

/// Generates codes for a rule whose coupon is "generated"; answers how many were made.
#[server(prefix = "/api/admin/promotions", endpoint = "generate", input = server_fn::codec::Json)]
pub async fn generate_coupons(
    id: u32,
    count: String,
    prefix: String,
    length: String,
) -> Result<u32, AppError> {
    crate::auth::caller::serve(Area::Promotions, |me| async move {
        let state = app_state()?;
        let asked = crate::domain::promotion::input::generation(&count, &prefix, &length)?;
        let rule = crate::promotions::store::get(&state.db, id).await?;
        crate::promotions::coupons::generate(&state.db, &me, &rule, asked).await
    })
    .await
}

/// A cart staff price for a customer (email or id), as an order they create for them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StaffCart {
    pub customer: String,
    pub website: String,
    pub coupon: String,
    pub items: Vec<CartLineInput>,
}

#[server(prefix = "/api/admin/promotions", endpoint = "price", input = server_fn::codec::Json)]
pub async fn price_cart(cart: StaffCart) -> Result<Priced, AppError> {
    crate::auth::caller::serve(Area::Promotions, |_| async move {
        use crate::domain::promotion::request::PriceCartInput;
        let state = app_state()?;
        let who = cart.customer.trim();
        let customer = if who.is_empty() {
            None
        } else if let Ok(id) = who.parse::<i64>() {
            Some(id)
        } else {
            let mut res = state
                .db
                .query(
                    "SELECT VALUE record::id(id) FROM customer WHERE email_key = $key \
                     ORDER BY id LIMIT 1",
                )
                .bind(("key", who.to_lowercase()))
                .await?;
            let found: Vec<i64> = res.take(0)?;
            Some(*found.first().ok_or(AppError::field(
                "customer",
                crate::error::Problem::CustomerUnknown,
            ))?)
        };
        if customer.is_some() {
            state.customers.ready()?;
        }
        if customer.is_some_and(|id| !state.customers.read().contains(id)) {
            return Err(AppError::field(
                "customer",
                crate::error::Problem::CustomerUnknown,
            ));
        }
        let input = PriceCartInput {
            website: cart.website,
            customer_id: customer,
            visitor_id: None,
            email: None,
            coupon: Some(cart.coupon),
            items: cart.items,
        };
        let parsed = input.parse().map_err(AppError::from)?;
        crate::promotions::price(&crate::promotions::Facts::of(&state), parsed).await
    })
    .await
}
