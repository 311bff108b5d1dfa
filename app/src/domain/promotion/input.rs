//! A cart price rule as the editor sends it (everything as typed) and its parsing into a `Rule`,
//! field by field; coupon codes and the codes generated for a rule.
use super::{Action, Coupon, ItemFilter, Rule, WHOLE_PERCENT};
use crate::domain::content::parse_moment;
use crate::domain::content::{MAX_AUDIENCE_KEY_CHARS, MAX_TARGETS, Match, format_moment};
use crate::domain::money::Cents;
use crate::error::{AppError, FieldError, Problem};
use serde::{Deserialize, Serialize};

pub const MAX_NAME_CHARS: usize = 255;
/// The longest coupon code, and the longest prefix of generated ones.
pub const MAX_CODE_CHARS: usize = 64;
pub const MAX_PREFIX_CHARS: usize = 16;
/// Generated codes: random part between these lengths.
pub const MIN_RANDOM_CHARS: usize = 6;
pub const MAX_RANDOM_CHARS: usize = 32;
/// Most codes generated at once.
pub const MAX_GENERATED: u32 = 10_000;
/// Most SKUs or categories one rule names.
pub const MAX_ITEM_FILTERS: usize = 200;
/// Largest "buy" or "get" of buy X get Y.
pub const MAX_BUY_GET: u32 = 1_000;
/// The characters of generated codes: no 0/O, 1/I/L a customer could misread.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// What the action's kind is called in the editor.
pub const KIND_PERCENT: &str = "percent";
pub const KIND_FIXED_ITEM: &str = "fixed_per_item";
pub const KIND_FIXED_CART: &str = "fixed_cart";
pub const KIND_BUY_X_GET_Y: &str = "buy_x_get_y";
pub const COUPON_NONE: &str = "none";
pub const COUPON_SPECIFIC: &str = "specific";
pub const COUPON_GENERATED: &str = "generated";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleInput {
    pub name: String,
    pub label: String,
    pub active: bool,
    /// `YYYY-MM-DDTHH:MM` in UTC, or empty.
    pub starts: String,
    pub ends: String,
    /// Website codes separated by commas; empty: every website.
    pub websites: String,
    pub groups: Vec<u32>,
    pub mode: Match,
    pub segments: Vec<u32>,
    pub audiences: Vec<String>,
    /// `none`, `specific` or `generated`.
    pub coupon: String,
    pub coupon_code: String,
    pub uses_per_coupon: String,
    pub uses_per_customer: String,
    /// `percent`, `fixed_per_item`, `fixed_cart` or `buy_x_get_y`.
    pub action: String,
    /// A percentage (`12.5`) or an amount (`5.00`), by the action.
    pub amount: String,
    pub buy: String,
    pub get: String,
    /// SKUs and categories separated by commas; both empty: every item.
    pub skus: String,
    pub categories: String,
    pub priority: String,
    pub stop_further: bool,
    pub free_shipping: bool,
}

/// A coupon code as typed: trimmed, 1 to 64 letters, digits, `-` or `_`; kept upper-case, so
/// codes compare without case.
pub fn coupon_code(s: &str) -> Result<String, Problem> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Problem::FieldRequired);
    }
    let ok = s.chars().count() <= MAX_CODE_CHARS
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ok.then(|| s.to_ascii_uppercase())
        .ok_or(Problem::FieldInvalid)
}

/// A generated code: `prefix` and `length` characters drawn by `draw` (any number; reduced here).
pub fn generated_code(prefix: &str, length: usize, mut draw: impl FnMut() -> u32) -> String {
    let mut code = prefix.to_ascii_uppercase();
    for _ in 0..length {
        let i = draw() as usize % CODE_ALPHABET.len();
        code.push(char::from(CODE_ALPHABET[i]));
    }
    code
}

/// How many codes to generate, their prefix and length, as typed; checked.
pub fn generation(
    count: &str,
    prefix: &str,
    length: &str,
) -> Result<(u32, String, usize), AppError> {
    let mut errors = Vec::new();
    let count = count
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|c| (1..=MAX_GENERATED).contains(c));
    if count.is_none() {
        errors.push(problem("count", Problem::FieldInvalid));
    }
    let prefix = prefix.trim();
    let prefix_ok = prefix.chars().count() <= MAX_PREFIX_CHARS
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !prefix_ok {
        errors.push(problem("prefix", Problem::FieldInvalid));
    }
    let length = length
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|l| (MIN_RANDOM_CHARS..=MAX_RANDOM_CHARS).contains(l));
    if length.is_none() {
        errors.push(problem("length", Problem::FieldInvalid));
    }
    match (count, length) {
        (Some(c), Some(l)) if errors.is_empty() => Ok((c, prefix.to_ascii_uppercase(), l)),
        _ => Err(errors.into()),
    }
}

fn problem(field: &str, problem: Problem) -> FieldError {
    FieldError {
        field: field.to_owned(),
        problem,
    }
}

/// A list typed with commas: trimmed, empty parts dropped, sorted, without repeats.
fn list(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s
        .split(',')
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    v.sort();
    v.dedup();
    v
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}

/// An optional whole number at least 1 (empty: None).
fn limit(s: &str) -> Result<Option<u32>, Problem> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<u32>()
        .ok()
        .filter(|n| *n >= 1)
        .map(Some)
        .ok_or(Problem::FieldInvalid)
}

/// A decimal with at most two places, as hundredths.
fn hundredths(s: &str) -> Result<i64, Problem> {
    let v: f64 = s.trim().parse().map_err(|_| Problem::AmountInvalid)?;
    Cents::from_decimal(v).map(|c| c.0)
}

/// The action as typed.
fn action(input: &RuleInput) -> Result<Action, FieldError> {
    let amount = || hundredths(&input.amount).map_err(|p| problem("amount", p));
    let positive = |a: i64| {
        (a > 0)
            .then_some(a)
            .ok_or(problem("amount", Problem::AmountInvalid))
    };
    match input.action.as_str() {
        KIND_PERCENT => {
            let p = amount()?;
            let p = u32::try_from(p)
                .ok()
                .filter(|p| (1..=WHOLE_PERCENT).contains(p))
                .ok_or(problem("amount", Problem::AmountInvalid))?;
            Ok(Action::PercentOfPrice { percent: p })
        }
        KIND_FIXED_ITEM => Ok(Action::FixedPerItem {
            amount: positive(amount()?)?,
        }),
        KIND_FIXED_CART => Ok(Action::FixedCart {
            amount: positive(amount()?)?,
        }),
        KIND_BUY_X_GET_Y => {
            let n = |field: &str, s: &str| {
                s.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_BUY_GET).contains(n))
                    .ok_or(problem(field, Problem::QuantityInvalid))
            };
            Ok(Action::BuyXGetY {
                buy: n("buy", &input.buy)?,
                get: n("get", &input.get)?,
            })
        }
        _ => Err(problem("action", Problem::FieldInvalid)),
    }
}

/// The coupon part as typed (the code's uniqueness is the store's to check).
fn coupon(input: &RuleInput) -> Result<Coupon, FieldError> {
    match input.coupon.as_str() {
        "" | COUPON_NONE => Ok(Coupon::None),
        COUPON_SPECIFIC => coupon_code(&input.coupon_code)
            .map(|code| Coupon::Specific { code })
            .map_err(|p| problem("coupon_code", p)),
        COUPON_GENERATED => Ok(Coupon::Generated),
        _ => Err(problem("coupon", Problem::FieldInvalid)),
    }
}

/// Parses what the editor sent into a rule (`id` 0 until saved).
pub fn parse(input: &RuleInput) -> Result<Rule, AppError> {
    let mut errors = Vec::new();
    let name = crate::domain::customer::text(&input.name, MAX_NAME_CHARS)
        .and_then(|n| {
            if n.is_empty() {
                Err(Problem::FieldRequired)
            } else {
                Ok(n)
            }
        })
        .map_err(|p| errors.push(problem("name", p)))
        .unwrap_or_default();
    let label = crate::domain::customer::text(&input.label, MAX_NAME_CHARS)
        .map_err(|p| errors.push(problem("label", p)))
        .unwrap_or_default();
    let starts = parse_moment(&input.starts).map_err(|p| errors.push(problem("starts", p)));
    let ends = parse_moment(&input.ends).map_err(|p| errors.push(problem("ends", p)));
    if let (Ok(Some(s)), Ok(Some(e))) = (starts, ends)
        && e <= s
    {
        errors.push(problem("ends", Problem::EndsBeforeStart));
    }
    let websites = list(&input.websites);
    if websites
        .iter()
        .any(|w| crate::domain::WebsiteId::parse(w).is_err())
    {
        errors.push(problem("websites", Problem::WebsiteInvalid));
    }
    let audiences = sorted(
        input
            .audiences
            .iter()
            .map(|a| a.trim().to_owned())
            .collect(),
    );
    if audiences
        .iter()
        .any(|a| a.is_empty() || a.chars().count() > MAX_AUDIENCE_KEY_CHARS)
    {
        errors.push(problem("audiences", Problem::FieldInvalid));
    }
    let segments = sorted(input.segments.clone());
    if segments.len() + audiences.len() > MAX_TARGETS {
        errors.push(problem("segments", Problem::TooMany));
    }
    let coupon = coupon(input).map_err(|e| errors.push(e));
    let uses_per_coupon =
        limit(&input.uses_per_coupon).map_err(|p| errors.push(problem("uses_per_coupon", p)));
    let uses_per_customer =
        limit(&input.uses_per_customer).map_err(|p| errors.push(problem("uses_per_customer", p)));
    let action = action(input).map_err(|e| errors.push(e));
    let items = ItemFilter {
        skus: list(&input.skus),
        categories: list(&input.categories),
    };
    if items.skus.len() > MAX_ITEM_FILTERS || items.categories.len() > MAX_ITEM_FILTERS {
        errors.push(problem("skus", Problem::TooMany));
    }
    let priority = if input.priority.trim().is_empty() {
        Ok(0)
    } else {
        input.priority.trim().parse::<i32>()
    }
    .map_err(|_| errors.push(problem("priority", Problem::FieldInvalid)));
    match (
        starts,
        ends,
        coupon,
        uses_per_coupon,
        uses_per_customer,
        action,
        priority,
    ) {
        (Ok(starts), Ok(ends), Ok(coupon), Ok(per_coupon), Ok(per_customer), Ok(action), Ok(p))
            if errors.is_empty() =>
        {
            Ok(Rule {
                id: 0,
                name,
                label,
                active: input.active,
                starts,
                ends,
                websites,
                groups: sorted(input.groups.clone()),
                segments,
                audiences,
                mode: input.mode,
                // Limits count coupon uses: a rule without a coupon has none to count.
                uses_per_coupon: per_coupon.filter(|_| coupon != Coupon::None),
                uses_per_customer: per_customer.filter(|_| coupon != Coupon::None),
                coupon,
                action,
                items,
                priority: p,
                stop_further: input.stop_further,
                free_shipping: input.free_shipping,
            })
        }
        _ => Err(errors.into()),
    }
}

/// Hundredths as the editor shows them (`12.5`, `5`).
fn decimal(h: i64) -> String {
    let s = format!("{:.2}", h as f64 / 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// What the editor shows for a kept rule.
pub fn input_of(r: &Rule) -> RuleInput {
    let (action, amount, buy, get) = match &r.action {
        Action::PercentOfPrice { percent } => (
            KIND_PERCENT,
            decimal(i64::from(*percent)),
            "",
            String::new(),
        ),
        Action::FixedPerItem { amount } => (KIND_FIXED_ITEM, decimal(*amount), "", String::new()),
        Action::FixedCart { amount } => (KIND_FIXED_CART, decimal(*amount), "", String::new()),
        Action::BuyXGetY { buy, get } => {
            return RuleInput {
                action: KIND_BUY_X_GET_Y.into(),
                buy: buy.to_string(),
                get: get.to_string(),
                ..input_of(&Rule {
                    action: Action::FixedCart { amount: 0 },
                    ..r.clone()
                })
            };
        }
    };
    let (coupon, coupon_code) = match &r.coupon {
        Coupon::None => (COUPON_NONE, String::new()),
        Coupon::Specific { code } => (COUPON_SPECIFIC, code.clone()),
        Coupon::Generated => (COUPON_GENERATED, String::new()),
    };
    RuleInput {
        name: r.name.clone(),
        label: r.label.clone(),
        active: r.active,
        starts: format_moment(r.starts),
        ends: format_moment(r.ends),
        websites: r.websites.join(", "),
        groups: r.groups.clone(),
        mode: r.mode,
        segments: r.segments.clone(),
        audiences: r.audiences.clone(),
        coupon: coupon.into(),
        coupon_code,
        uses_per_coupon: r.uses_per_coupon.map(|n| n.to_string()).unwrap_or_default(),
        uses_per_customer: r
            .uses_per_customer
            .map(|n| n.to_string())
            .unwrap_or_default(),
        action: action.into(),
        amount,
        buy: buy.into(),
        get,
        skus: r.items.skus.join(", "),
        categories: r.items.categories.join(", "),
        priority: r.priority.to_string(),
        stop_further: r.stop_further,
        free_shipping: r.free_shipping,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed() -> RuleInput {
        RuleInput {
            name: "Spring".into(),
            active: true,
            action: KIND_PERCENT.into(),
            amount: "12.5".into(),
            coupon: COUPON_NONE.into(),
            ..RuleInput::default()
        }
    }

    #[test]
    fn a_typed_rule_parses_and_shows_again_as_typed() {
        let mut input = typed();
        input.websites = " main, b2b ,main".into();
        input.skus = "MS-1, WS-2".into();
        input.starts = "2026-01-01T00:00".into();
        input.coupon = COUPON_SPECIFIC.into();
        input.coupon_code = " spring-26 ".into();
        input.uses_per_customer = "1".into();
        let r = parse(&input).unwrap();
        assert_eq!(r.action, Action::PercentOfPrice { percent: 1_250 });
        assert_eq!(r.websites, vec!["b2b", "main"]);
        assert_eq!(
            r.coupon,
            Coupon::Specific {
                code: "SPRING-26".into()
            }
        );
        assert_eq!(r.uses_per_customer, Some(1));
        assert_eq!(parse(&input_of(&r)).unwrap(), r);
        for (kind, amount, buy, get) in [
            (KIND_FIXED_ITEM, "2.50", "", ""),
            (KIND_FIXED_CART, "10", "", ""),
            (KIND_BUY_X_GET_Y, "", "2", "1"),
        ] {
            let input = RuleInput {
                action: kind.into(),
                amount: amount.into(),
                buy: buy.into(),
                get: get.into(),
                ..typed()
            };
            let r = parse(&input).unwrap();
            assert_eq!(parse(&input_of(&r)).unwrap(), r, "{kind}");
        }
    }

    #[test]
    fn each_bad_field_is_named() {
        let field = |input: RuleInput, field: &str| {
            let e = parse(&input).unwrap_err();
            assert!(e.field_problem(field).is_some(), "{field}: {e:?}");
        };
        field(
            RuleInput {
                name: " ".into(),
                ..typed()
            },
            "name",
        );
        field(
            RuleInput {
                amount: "100.01".into(),
                ..typed()
            },
            "amount",
        );
        field(
            RuleInput {
                amount: "0".into(),
                ..typed()
            },
            "amount",
        );
        field(
            RuleInput {
                amount: "1.234".into(),
                ..typed()
            },
            "amount",
        );
        field(
            RuleInput {
                action: "free_lunch".into(),
                ..typed()
            },
            "action",
        );
        let byg = RuleInput {
            action: KIND_BUY_X_GET_Y.into(),
            buy: "0".into(),
            get: "1".into(),
            ..typed()
        };
        field(byg, "buy");
        field(
            RuleInput {
                coupon: COUPON_SPECIFIC.into(),
                coupon_code: "a b".into(),
                ..typed()
            },
            "coupon_code",
        );
        field(
            RuleInput {
                coupon: COUPON_SPECIFIC.into(),
                ..typed()
            },
            "coupon_code",
        );
        field(
            RuleInput {
                uses_per_coupon: "0".into(),
                ..typed()
            },
            "uses_per_coupon",
        );
        field(
            RuleInput {
                websites: "main, b-2".into(),
                ..typed()
            },
            "websites",
        );
        field(
            RuleInput {
                priority: "first".into(),
                ..typed()
            },
            "priority",
        );
        let backwards = RuleInput {
            starts: "2026-02-01T00:00".into(),
            ends: "2026-01-01T00:00".into(),
            ..typed()
        };
        field(backwards, "ends");
    }

    #[test]
    fn limits_only_count_coupon_uses() {
        let r = parse(&RuleInput {
            uses_per_coupon: "5".into(),
            ..typed()
        })
        .unwrap();
        assert_eq!(r.uses_per_coupon, None);
    }

    #[test]
    fn generated_codes_use_the_unambiguous_alphabet() {
        let mut n = 0_u32;
        let code = generated_code("sp-", 8, || {
            n += 7;
            n
        });
        assert!(code.starts_with("SP-"));
        assert_eq!(code.len(), 11);
        assert!(code[3..].bytes().all(|b| CODE_ALPHABET.contains(&b)));
        assert!(!code[3..].contains(['0', 'O', '1', 'I']));
        assert_eq!(coupon_code(&code), Ok(code.clone()));
        assert!(generation("0", "", "8").is_err());
        assert!(generation("10001", "", "8").is_err());
        assert!(generation("5", "bad prefix", "8").is_err());
        assert!(generation("5", "", "5").is_err());
        assert_eq!(generation("5", "x", "8").unwrap(), (5, "X".into(), 8));
    }
}
