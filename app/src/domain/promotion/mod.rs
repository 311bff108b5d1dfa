//! Cart price rules (Marketing > Cart Price Rules), the targeting part: who a rule is for (websites,
//! customer groups, segments and audiences), its coupon, what it takes off, and the evaluation of a
//! cart against every rule in priority order, with the reason each rule that did not apply gave.
//! Pure: the same answer for a storefront cart, a Login-as-Customer session and an admin order,
//! because they all come here with the same `Shopper` and `Cart`.
use super::content::Match;
use serde::{Deserialize, Serialize};

pub mod input;
pub mod request;
#[cfg(test)]
mod tests;

/// Hundredths of a percent in a whole (a 12.5% discount is 1,250).
pub const WHOLE_PERCENT: u32 = 10_000;

/// What a rule takes off, over the cart's items it applies to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// This share of each item's price, less what earlier rules took (hundredths of a percent).
    PercentOfPrice { percent: u32 },
    /// This amount off each unit (hundredths of the currency).
    FixedPerItem { amount: i64 },
    /// This amount off the whole cart, spread over its items by price.
    FixedCart { amount: i64 },
    /// Of every `buy + get` units of one item, `get` are free.
    BuyXGetY { buy: u32, get: u32 },
}

/// Which items a rule's action applies to: any when both lists are empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemFilter {
    pub skus: Vec<String>,
    pub categories: Vec<String>,
}

impl ItemFilter {
    pub fn takes(&self, item: &Item) -> bool {
        (self.skus.is_empty() && self.categories.is_empty())
            || self.skus.iter().any(|s| s.eq_ignore_ascii_case(&item.sku))
            || item
                .categories
                .iter()
                .any(|c| self.categories.iter().any(|f| f.eq_ignore_ascii_case(c)))
    }
}

/// Whether a rule needs a coupon.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Coupon {
    /// Applies by itself when the shopper qualifies.
    #[default]
    None,
    /// Applies only with this code (compared without case).
    Specific { code: String },
    /// Applies only with one of the codes generated for it.
    Generated,
}

/// A cart price rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: u32,
    pub name: String,
    /// What customers read ("Offers for you", the cart's discount line); the name when empty.
    #[serde(default)]
    pub label: String,
    pub active: bool,
    /// Unix seconds, inclusive; None: no limit.
    pub starts: Option<i64>,
    /// Unix seconds, exclusive; None: no limit.
    pub ends: Option<i64>,
    /// Website codes; empty: every website.
    pub websites: Vec<String>,
    /// Customer group ids (0: not logged in); empty: every group.
    pub groups: Vec<u32>,
    /// Segment ids and audience keys, sorted; none named: everyone `groups` allows.
    pub segments: Vec<u32>,
    pub audiences: Vec<String>,
    pub mode: Match,
    pub coupon: Coupon,
    pub action: Action,
    pub items: ItemFilter,
    /// Lower first (Magento's sort order).
    pub priority: i32,
    /// No rule after this one applies once it has.
    pub stop_further: bool,
    pub free_shipping: bool,
    /// Uses of each of its coupons, in all; None: no limit.
    #[serde(default)]
    pub uses_per_coupon: Option<u32>,
    /// Uses of its coupons by one customer; None: no limit.
    #[serde(default)]
    pub uses_per_customer: Option<u32>,
}

impl Rule {
    /// What a customer reads for this rule.
    pub fn shown_label(&self) -> &str {
        if self.label.trim().is_empty() {
            &self.name
        } else {
            &self.label
        }
    }
}

/// Who is buying: the same facts whoever placed the cart (the customer, staff as the customer, or
/// staff creating the order).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shopper {
    pub website: String,
    /// 0 for a guest.
    pub group: u32,
    /// Sorted.
    pub segments: Vec<u32>,
    /// Sorted.
    pub audiences: Vec<String>,
}

/// One line of the cart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub sku: String,
    #[serde(default)]
    pub categories: Vec<String>,
    pub qty: u32,
    /// One unit, in hundredths.
    pub price: i64,
}

/// What the store found about the coupon the cart carries: the rule it belongs to and whether its
/// limits (per coupon, per customer) still allow a use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CouponFound {
    pub rule: u32,
    pub usable: Result<(), CouponRefused>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CouponRefused {
    UsedUp,
    UsedUpByCustomer,
    Expired,
}

/// Why a rule did not apply to a cart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Skipped {
    Inactive,
    NotStarted,
    Ended,
    OtherWebsite,
    OtherGroup,
    /// Not in its segments or audiences as its mode asks.
    NotTargeted,
    /// Its segments or audiences no longer exist: it applies to nobody.
    TargetsGone,
    /// The cart carries no coupon of this rule.
    NeedsCoupon,
    Coupon {
        refused: CouponRefused,
    },
    /// No item of the cart is one it applies to.
    NoItems,
    /// The items it applies to are already fully discounted.
    NothingLeft,
    /// A rule before it stops further rules.
    StoppedBy {
        rule: u32,
    },
}

/// A rule that applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub rule: u32,
    /// Hundredths taken off.
    pub discount: i64,
    pub free_shipping: bool,
}

/// The answer for one cart: the rules that applied in order, and why each other did not.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub applied: Vec<Applied>,
    pub skipped: Vec<(u32, Skipped)>,
    pub subtotal: i64,
    pub discount: i64,
    pub free_shipping: bool,
}

/// The segments and audiences that exist now, sorted (a target not here is gone).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Existing {
    pub segments: Vec<u32>,
    pub audiences: Vec<String>,
}

/// Why `rule` is not for `shopper` at `now`, before any coupon or item is looked at.
pub fn not_for(rule: &Rule, shopper: &Shopper, existing: &Existing, now: i64) -> Option<Skipped> {
    if !rule.active {
        return Some(Skipped::Inactive);
    }
    if rule.starts.is_some_and(|s| now < s) {
        return Some(Skipped::NotStarted);
    }
    if rule.ends.is_some_and(|e| now >= e) {
        return Some(Skipped::Ended);
    }
    if !rule.websites.is_empty() && !rule.websites.contains(&shopper.website) {
        return Some(Skipped::OtherWebsite);
    }
    if !rule.groups.is_empty() && !rule.groups.contains(&shopper.group) {
        return Some(Skipped::OtherGroup);
    }
    targeted(rule, shopper, existing)
}

/// The segments-and-audiences part of `not_for`.
fn targeted(rule: &Rule, shopper: &Shopper, existing: &Existing) -> Option<Skipped> {
    let named = rule.segments.len() + rule.audiences.len();
    if named == 0 {
        return None;
    }
    let segment_exists = |s: &u32| existing.segments.binary_search(s).is_ok();
    let audience_exists = |a: &String| existing.audiences.binary_search(a).is_ok();
    let gone = rule.segments.iter().filter(|s| !segment_exists(s)).count()
        + rule
            .audiences
            .iter()
            .filter(|a| !audience_exists(a))
            .count();
    if gone == named || (gone > 0 && rule.mode != Match::Any) {
        return Some(Skipped::TargetsGone);
    }
    let in_segment = |s: &u32| segment_exists(s) && shopper.segments.binary_search(s).is_ok();
    let in_audience = |a: &String| audience_exists(a) && shopper.audiences.binary_search(a).is_ok();
    let any = rule.segments.iter().any(in_segment) || rule.audiences.iter().any(in_audience);
    let hit = match rule.mode {
        Match::Any => any,
        Match::All => {
            rule.segments.iter().all(in_segment) && rule.audiences.iter().all(in_audience)
        }
        Match::None => !any,
    };
    (!hit).then_some(Skipped::NotTargeted)
}

/// `amount × share / whole`, rounded half away from zero.
fn part(amount: i64, share: i64, whole: i64) -> i64 {
    if whole == 0 {
        return 0;
    }
    let n = i128::from(amount) * i128::from(share);
    let w = i128::from(whole);
    ((2 * n + w.signum() * w) / (2 * w)) as i64
}

/// The discount `action` gives each item of `left` it applies to (`takes`), each at most what is
/// left of it.
fn discounts(action: &Action, items: &[Item], takes: &[bool], left: &[i64]) -> Vec<i64> {
    let mut out = vec![0; items.len()];
    match action {
        // Of what earlier rules left of the item, as Magento's percent discount.
        Action::PercentOfPrice { percent } => {
            for i in (0..items.len()).filter(|i| takes[*i]) {
                out[i] = part(left[i], i64::from(*percent), i64::from(WHOLE_PERCENT));
            }
        }
        Action::FixedPerItem { amount } => {
            for (i, item) in items.iter().enumerate().filter(|(i, _)| takes[*i]) {
                out[i] = amount * i64::from(item.qty);
            }
        }
        Action::FixedCart { amount } => {
            // Spread by what is left of each item; the last one takes the rounding.
            let pool: i64 = (0..items.len())
                .filter(|i| takes[*i])
                .map(|i| left[i])
                .sum();
            let total = (*amount).min(pool);
            let taken: Vec<usize> = (0..items.len()).filter(|i| takes[*i]).collect();
            let mut given = 0;
            for (n, &i) in taken.iter().enumerate() {
                out[i] = if n + 1 == taken.len() {
                    total - given
                } else {
                    part(total, left[i], pool)
                };
                given += out[i];
            }
        }
        Action::BuyXGetY { buy, get } => {
            for (i, item) in items.iter().enumerate().filter(|(i, _)| takes[*i]) {
                out[i] = item.price * i64::from(free_units(item.qty, *buy, *get));
            }
        }
    }
    for (d, l) in out.iter_mut().zip(left) {
        *d = (*d).clamp(0, *l);
    }
    out
}

/// Of `qty` units, how many are free when every `buy` bought give `get` free (Magento's count:
/// full periods of `buy + get`, then any units past `buy` in the last, partial one).
pub fn free_units(qty: u32, buy: u32, get: u32) -> u32 {
    let period = buy + get;
    if period == 0 || get == 0 {
        return 0;
    }
    let full = qty / period;
    let rest = qty - full * period;
    full * get + rest.saturating_sub(buy)
}

/// One offer as the storefront's "Offers for you" shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub label: String,
    pub free_shipping: bool,
}

/// "Offers for you": the rules without a coupon that `shopper` qualifies for at `now`, in order.
pub fn offers_for<'a>(
    rules: &'a [Rule],
    shopper: &Shopper,
    existing: &Existing,
    now: i64,
) -> Vec<&'a Rule> {
    let mut v: Vec<&Rule> = rules
        .iter()
        .filter(|r| r.coupon == Coupon::None && not_for(r, shopper, existing, now).is_none())
        .collect();
    v.sort_by_key(|r| (r.priority, r.id));
    v
}

/// Applies `rules` to `items` for `shopper` at `now`, lowest priority first (then lowest id), with
/// `coupon` as the store found the cart's code.
pub fn evaluate(
    rules: &[Rule],
    shopper: &Shopper,
    existing: &Existing,
    items: &[Item],
    coupon: Option<&CouponFound>,
    now: i64,
) -> Outcome {
    let mut order: Vec<&Rule> = rules.iter().collect();
    order.sort_by_key(|r| (r.priority, r.id));
    let mut left: Vec<i64> = items.iter().map(|i| i.price * i64::from(i.qty)).collect();
    let mut out = Outcome {
        subtotal: left.iter().sum(),
        ..Outcome::default()
    };
    let mut stopped: Option<u32> = None;
    for rule in order {
        if let Some(by) = stopped {
            out.skipped.push((rule.id, Skipped::StoppedBy { rule: by }));
            continue;
        }
        if let Some(why) = skip(rule, shopper, existing, items, coupon, &left, now) {
            out.skipped.push((rule.id, why));
            continue;
        }
        let takes: Vec<bool> = items.iter().map(|i| rule.items.takes(i)).collect();
        let off = discounts(&rule.action, items, &takes, &left);
        let discount: i64 = off.iter().sum();
        if discount == 0 && !rule.free_shipping {
            out.skipped.push((rule.id, Skipped::NothingLeft));
            continue;
        }
        for (l, d) in left.iter_mut().zip(&off) {
            *l -= d;
        }
        out.discount += discount;
        out.free_shipping |= rule.free_shipping;
        out.applied.push(Applied {
            rule: rule.id,
            discount,
            free_shipping: rule.free_shipping,
        });
        if rule.stop_further {
            stopped = Some(rule.id);
        }
    }
    out
}

/// Why `rule` does not apply to this cart before its action is worked out, if it does not.
fn skip(
    rule: &Rule,
    shopper: &Shopper,
    existing: &Existing,
    items: &[Item],
    coupon: Option<&CouponFound>,
    left: &[i64],
    now: i64,
) -> Option<Skipped> {
    if let Some(why) = not_for(rule, shopper, existing, now) {
        return Some(why);
    }
    if rule.coupon != Coupon::None {
        match coupon.filter(|c| c.rule == rule.id) {
            None => return Some(Skipped::NeedsCoupon),
            Some(CouponFound {
                usable: Err(refused),
                ..
            }) => {
                return Some(Skipped::Coupon { refused: *refused });
            }
            Some(_) => {}
        }
    }
    let takes: Vec<usize> = (0..items.len())
        .filter(|i| rule.items.takes(&items[*i]))
        .collect();
    if takes.is_empty() {
        return Some(Skipped::NoItems);
    }
    (takes.iter().all(|i| left[*i] == 0) && !rule.free_shipping).then_some(Skipped::NothingLeft)
}
