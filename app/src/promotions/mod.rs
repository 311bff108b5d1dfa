//! Cart price rules on the server: who is buying (`Shopper`, worked out one way for the shop's
//! API, the storefront, a Login as Customer session and staff pricing an order), the evaluation of
//! a cart with its coupon, and "Offers for you". Below the admin, the storefront and the API.
pub mod coupons;
pub mod store;

use crate::customers::feed::CustomerIndex;
use crate::db::Db;
use crate::domain::money::Cents;
use crate::domain::promotion::request::{AppliedRule, CouponResult, NotApplied, Priced};
use crate::domain::promotion::{
    self, CouponFound, Existing, Item, Offer, Outcome, Rule, Shopper, Skipped,
};
use crate::error::AppError;
use crate::segments::membership::Memberships;

/// Who a cart is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Buyer {
    Customer(i64),
    /// A guest, by the visitor id their carts and views were sent with.
    Visitor(String),
    /// A guest nothing is known of.
    Guest,
}

/// What the evaluation needs of this node: the read model, the kept segments and the audiences.
pub struct Facts<'a> {
    pub db: &'a Db,
    pub index: &'a CustomerIndex,
    pub kept: &'a Memberships,
    pub audiences: &'a crate::audiences::Audiences,
}

impl<'a> Facts<'a> {
    pub fn of(state: &'a crate::state::AppState) -> Facts<'a> {
        Facts {
            db: &state.db,
            index: &state.customers,
            kept: &state.segments,
            audiences: &state.audiences,
        }
    }

    /// The segments and audiences that exist and are active now.
    pub fn existing(&self) -> Existing {
        let live = crate::content::live(self.kept, self.audiences);
        Existing {
            segments: live.segments,
            audiences: live.audiences,
        }
    }

    /// The buyer as the rules see them on `website`; 404 for a customer that does not exist.
    pub async fn shopper(&self, website: &str, buyer: &Buyer) -> Result<Shopper, AppError> {
        let mut s = Shopper {
            website: website.to_owned(),
            ..Shopper::default()
        };
        if !matches!(buyer, Buyer::Guest) {
            // A customer's or visitor's segments are not known before the read model is built.
            self.index.ready()?;
        }
        match buyer {
            Buyer::Customer(id) => {
                let known = self.index.read().group_of(*id);
                s.group = match known {
                    Some(group) => group,
                    // Made on another app server within its last feed interval: the database
                    // knows them already.
                    None => {
                        crate::customers::repo::get(self.db, *id)
                            .await?
                            .grid_doc()
                            .group
                    }
                };
                s.segments = self.kept.segments_of(*id);
                s.audiences = crate::content::audiences_of(self.index, self.audiences, *id);
            }
            Buyer::Visitor(v) => {
                s.segments =
                    crate::segments::of_visitor_cached(self.db, self.index, self.kept, v).await?;
            }
            Buyer::Guest => {}
        }
        s.segments.sort_unstable();
        s.segments.dedup();
        Ok(s)
    }

    /// Whose uses a coupon counts for this buyer (a guest's by the email, when known).
    pub fn user(&self, buyer: &Buyer, email: Option<&str>) -> coupons::User {
        let email = match buyer {
            Buyer::Customer(id) => self.index.read().email_of(*id).map(str::to_owned),
            _ => email.map(str::to_owned),
        };
        coupons::User {
            customer: match buyer {
                Buyer::Customer(id) => Some(*id),
                _ => None,
            },
            email: email.map(|e| e.trim().to_lowercase()),
        }
    }
}

/// What became of the coupon a cart carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CouponStatus {
    /// Its rule applied.
    Applied,
    /// No rule takes this code.
    Unknown,
    /// Its rule did not apply (see the rule's reason).
    NotApplied,
}

impl CouponStatus {
    pub fn code(self) -> &'static str {
        match self {
            CouponStatus::Applied => "applied",
            CouponStatus::Unknown => "unknown",
            CouponStatus::NotApplied => "not_applied",
        }
    }
}

/// A cart evaluated: the outcome, the rules by id, and the coupon's fate.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub outcome: Outcome,
    pub rules: Vec<Rule>,
    pub coupon: Option<(String, CouponStatus)>,
}

impl Evaluation {
    pub fn rule(&self, id: u32) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The answer as the API, the storefront and the admin show it.
    pub fn priced(&self) -> Priced {
        let o = &self.outcome;
        let name = |id: u32| self.rule(id).map(|r| r.name.clone()).unwrap_or_default();
        Priced {
            subtotal: Cents(o.subtotal),
            discount: Cents(o.discount),
            total: Cents(o.subtotal - o.discount),
            free_shipping: o.free_shipping,
            coupon: self.coupon.as_ref().map(|(code, status)| CouponResult {
                code: code.clone(),
                status: status.code().to_owned(),
            }),
            applied: o
                .applied
                .iter()
                .map(|a| AppliedRule {
                    rule: a.rule,
                    name: name(a.rule),
                    label: self
                        .rule(a.rule)
                        .map(|r| r.shown_label().to_owned())
                        .unwrap_or_default(),
                    discount: Cents(a.discount),
                    free_shipping: a.free_shipping,
                })
                .collect(),
            not_applied: o
                .skipped
                .iter()
                .map(|(id, why)| NotApplied {
                    rule: *id,
                    name: name(*id),
                    reason: reason_code(why).to_owned(),
                    refused: match why {
                        Skipped::Coupon { refused } => Some(*refused),
                        _ => None,
                    },
                    stopped_by: match why {
                        Skipped::StoppedBy { rule } => Some(*rule),
                        _ => None,
                    },
                })
                .collect(),
        }
    }
}

/// Evaluates a cart for `buyer` on `website` now, with `coupon` if it carries one. Items without
/// categories get the catalog's.
pub async fn evaluate(
    facts: &Facts<'_>,
    website: &str,
    buyer: &Buyer,
    email: Option<&str>,
    mut items: Vec<Item>,
    coupon: Option<&str>,
) -> Result<Evaluation, AppError> {
    let now = chrono::Utc::now().timestamp();
    let rules = store::list(facts.db).await?;
    let shopper = facts.shopper(website, buyer).await?;
    fill_categories(facts.db, &mut items).await?;
    let found: Option<CouponFound> = match coupon.filter(|c| !c.trim().is_empty()) {
        Some(code) => {
            coupons::found(facts.db, &rules, code, &facts.user(buyer, email), now).await?
        }
        None => None,
    };
    let outcome = promotion::evaluate(
        &rules,
        &shopper,
        &facts.existing(),
        &items,
        found.as_ref(),
        now,
    );
    let coupon = coupon.filter(|c| !c.trim().is_empty()).map(|c| {
        let status = match &found {
            None => CouponStatus::Unknown,
            Some(f) if outcome.applied.iter().any(|a| a.rule == f.rule) => CouponStatus::Applied,
            Some(_) => CouponStatus::NotApplied,
        };
        (c.trim().to_ascii_uppercase(), status)
    });
    Ok(Evaluation {
        outcome,
        rules,
        coupon,
    })
}

/// Prices a parsed cart: the one path for the API, the storefront and the admin.
pub async fn price(
    facts: &Facts<'_>,
    cart: crate::domain::promotion::request::PriceCart,
) -> Result<Priced, AppError> {
    use crate::domain::cart::CartOwner;
    let buyer = match cart.owner {
        Some(CartOwner::Customer(id)) => Buyer::Customer(id),
        Some(CartOwner::Visitor(v)) => Buyer::Visitor(v),
        None => Buyer::Guest,
    };
    let e = evaluate(
        facts,
        cart.website.as_str(),
        &buyer,
        cart.email.as_deref(),
        cart.items,
        cart.coupon.as_deref(),
    )
    .await?;
    Ok(e.priced())
}

/// Gives items sent without categories those the catalog has for their SKU.
async fn fill_categories(db: &Db, items: &mut [Item]) -> Result<(), AppError> {
    let skus: Vec<String> = items
        .iter()
        .filter(|i| i.categories.is_empty())
        .map(|i| i.sku.clone())
        .collect();
    if skus.is_empty() {
        return Ok(());
    }
    let products = crate::catalog::products(db, &skus).await?;
    for i in items.iter_mut().filter(|i| i.categories.is_empty()) {
        if let Some(p) = products.get(&i.sku) {
            i.categories = p.categories.clone();
        }
    }
    Ok(())
}

/// "Offers for you": the active rules without a coupon customer `id` qualifies for on `website`.
pub async fn offers(facts: &Facts<'_>, website: &str, id: i64) -> Result<Vec<Offer>, AppError> {
    if !facts.index.is_ready() {
        // Which segments the customer is in is not known yet: none shown (the dashboard renders).
        return Ok(Vec::new());
    }
    let now = chrono::Utc::now().timestamp();
    let rules = store::list(facts.db).await?;
    let shopper = facts.shopper(website, &Buyer::Customer(id)).await?;
    Ok(
        promotion::offers_for(&rules, &shopper, &facts.existing(), now)
            .into_iter()
            .map(|r| Offer {
                label: r.shown_label().to_owned(),
                free_shipping: r.free_shipping,
            })
            .collect(),
    )
}

/// The reason's stable code, as the API and the admin show it.
pub fn reason_code(s: &Skipped) -> &'static str {
    match s {
        Skipped::Inactive => "inactive",
        Skipped::NotStarted => "not_started",
        Skipped::Ended => "ended",
        Skipped::OtherWebsite => "other_website",
        Skipped::OtherGroup => "other_group",
        Skipped::NotTargeted => "not_targeted",
        Skipped::TargetsGone => "targets_gone",
        Skipped::NeedsCoupon => "needs_coupon",
        Skipped::Coupon { .. } => "coupon_refused",
        Skipped::NoItems => "no_items",
        Skipped::NothingLeft => "nothing_left",
        Skipped::StoppedBy { .. } => "stopped_by",
    }
}
