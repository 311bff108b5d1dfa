//! RFM groups, Shopify's eleven names: each buyer scores 1–5 on recency (the day of the last order),
//! frequency (orders) and monetary value (lifetime sales) by quintile among all buyers, and the
//! recency score with the mean of the other two places them in a group; customers without orders
//! are prospects. The quintiles are a snapshot of the whole store, taken again as it changes.

/// The eleven groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RfmGroup {
    Champions,
    Loyal,
    Active,
    New,
    Promising,
    NeedsAttention,
    AtRisk,
    AlmostLost,
    PreviouslyLoyal,
    Dormant,
    Prospects,
}

impl RfmGroup {
    pub const ALL: [RfmGroup; 11] = [
        RfmGroup::Champions,
        RfmGroup::Loyal,
        RfmGroup::Active,
        RfmGroup::New,
        RfmGroup::Promising,
        RfmGroup::NeedsAttention,
        RfmGroup::AtRisk,
        RfmGroup::AlmostLost,
        RfmGroup::PreviouslyLoyal,
        RfmGroup::Dormant,
        RfmGroup::Prospects,
    ];

    /// How conditions write it (`rfm_group = champions`).
    pub fn key(self) -> &'static str {
        match self {
            RfmGroup::Champions => "champions",
            RfmGroup::Loyal => "loyal",
            RfmGroup::Active => "active",
            RfmGroup::New => "new",
            RfmGroup::Promising => "promising",
            RfmGroup::NeedsAttention => "needs_attention",
            RfmGroup::AtRisk => "at_risk",
            RfmGroup::AlmostLost => "almost_lost",
            RfmGroup::PreviouslyLoyal => "previously_loyal",
            RfmGroup::Dormant => "dormant",
            RfmGroup::Prospects => "prospects",
        }
    }

    pub fn parse(key: &str) -> Option<RfmGroup> {
        RfmGroup::ALL.into_iter().find(|g| g.key() == key)
    }
}

/// The group of each (recency score, mean of frequency and monetary scores), both 1–5: rows are
/// recency 5 down to 1, columns the mean 1 up to 5.
const GRID: [[RfmGroup; 5]; 5] = {
    use RfmGroup::*;
    [
        [New, Promising, Active, Champions, Champions],
        [Promising, Promising, Active, Loyal, Champions],
        [NeedsAttention, NeedsAttention, NeedsAttention, Loyal, Loyal],
        [AlmostLost, AlmostLost, AtRisk, AtRisk, PreviouslyLoyal],
        [Dormant, Dormant, AlmostLost, AtRisk, PreviouslyLoyal],
    ]
};

/// The four bounds between the five quintiles of one measure.
type Bounds = [i64; 4];

/// Quintile bounds of recency (day of the last order), frequency and monetary value among buyers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Quintiles {
    recency: Bounds,
    frequency: Bounds,
    monetary: Bounds,
}

fn bounds(mut values: Vec<i64>) -> Bounds {
    values.sort_unstable();
    let n = values.len();
    let at = |k: usize| values.get(n * k / 5).copied().unwrap_or(i64::MAX);
    [at(1), at(2), at(3), at(4)]
}

/// 1 to 5: one more for each bound the value reaches.
fn score(v: i64, b: &Bounds) -> usize {
    1 + b.iter().filter(|x| v >= **x).count()
}

impl Quintiles {
    /// The bounds over the buyers' (day of the last order, orders, lifetime sales in hundredths).
    pub fn of(buyers: impl Iterator<Item = (i64, i64, i64)>) -> Quintiles {
        let (mut r, mut f, mut m) = (Vec::new(), Vec::new(), Vec::new());
        for (day, orders, sales) in buyers {
            r.push(day);
            f.push(orders);
            m.push(sales);
        }
        Quintiles {
            recency: bounds(r),
            frequency: bounds(f),
            monetary: bounds(m),
        }
    }

    /// The group of a customer with `orders`, the day of the last order and lifetime sales.
    pub fn group(&self, orders: i64, last_order_day: Option<i64>, sales: i64) -> RfmGroup {
        let Some(day) = last_order_day.filter(|_| orders > 0) else {
            return RfmGroup::Prospects;
        };
        let r = score(day, &self.recency);
        let fm = (score(orders, &self.frequency) + score(sales, &self.monetary)).div_ceil(2);
        GRID[5 - r][fm - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buyers_are_placed_by_quintile_and_non_buyers_are_prospects() {
        // Ten buyers: day d, d orders, d * 100 in sales for d in 1..=10.
        let q = Quintiles::of((1..=10).map(|d| (d, d, d * 100)));
        assert_eq!(q.group(10, Some(10), 1_000), RfmGroup::Champions);
        assert_eq!(q.group(1, Some(10), 100), RfmGroup::New);
        assert_eq!(q.group(10, Some(1), 1_000), RfmGroup::PreviouslyLoyal);
        assert_eq!(q.group(1, Some(1), 100), RfmGroup::Dormant);
        assert_eq!(q.group(5, Some(5), 500), RfmGroup::NeedsAttention);
        assert_eq!(q.group(0, None, 0), RfmGroup::Prospects);
        // Every group is reachable.
        let mut seen = std::collections::HashSet::new();
        for r in 1..=10 {
            for f in 1..=10 {
                seen.insert(q.group(f, Some(r), f * 100));
            }
        }
        seen.insert(q.group(0, None, 0));
        assert_eq!(seen.len(), RfmGroup::ALL.len());
        assert!(
            RfmGroup::ALL
                .iter()
                .all(|g| RfmGroup::parse(g.key()) == Some(*g))
        );
    }
}
