//! The rules that decide whether a block qualifies for a viewer now (`verdict`) and which of the
//! qualifying blocks a placement shows (`pick`). The server's resolver (`content::engine`) and the
//! preview follow exactly these.
use super::{Block, Match, Rotation, Targeting, Who};
use serde::{Deserialize, Serialize};

/// Who is looking: a customer (registered) or a visitor, with what they are in. Every list is
/// sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub registered: bool,
    pub group: Option<u32>,
    pub segments: Vec<u32>,
    pub audiences: Vec<String>,
}

/// The segments and audiences that exist and are active now, sorted. A target that is not here
/// is gone: it never matches, and never makes a block show to everyone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Live {
    pub segments: Vec<u32>,
    pub audiences: Vec<String>,
}

/// Why a block does (`Qualifies`) or does not show to a viewer, in the order the rules look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Inactive,
    NotStarted,
    Ended,
    /// For guests only, and the viewer is signed in.
    GuestsOnly,
    /// For customers only, and the viewer is a guest.
    RegisteredOnly,
    /// Every segment or audience it named is deleted or inactive (or, for ALL and NONE, one is):
    /// it shows to nobody rather than to everyone.
    TargetsGone,
    NotTargeted,
    /// The viewer has seen it as often today as its cap allows.
    Capped,
    Qualifies,
}

/// Whether `b` qualifies for `v` at `now` (Unix seconds), the viewer having seen it `seen` times
/// today.
pub fn verdict(b: &Block, v: &Viewer, live: &Live, now: i64, seen: u32) -> Verdict {
    if let Some(off) = off_schedule(b, now) {
        off
    } else if b.targeting.who == Who::Guests && v.registered {
        Verdict::GuestsOnly
    } else if b.targeting.who == Who::Registered && !v.registered {
        Verdict::RegisteredOnly
    } else {
        match targeted(&b.targeting, v, live) {
            Verdict::Qualifies if b.cap_per_day.is_some_and(|c| seen >= c) => Verdict::Capped,
            other => other,
        }
    }
}

/// Why `b` shows to nobody at `now` (inactive, not started, ended), or None when it is live.
pub fn off_schedule(b: &Block, now: i64) -> Option<Verdict> {
    if !b.active {
        Some(Verdict::Inactive)
    } else if b.starts.is_some_and(|s| now < s) {
        Some(Verdict::NotStarted)
    } else if b.ends.is_some_and(|e| now >= e) {
        Some(Verdict::Ended)
    } else {
        None
    }
}

/// The targeting part of `verdict`: `Qualifies`, `NotTargeted` or `TargetsGone`.
fn targeted(t: &Targeting, v: &Viewer, live: &Live) -> Verdict {
    if t.named() == 0 {
        return Verdict::Qualifies;
    }
    let segment_live = |s: &u32| live.segments.binary_search(s).is_ok();
    let audience_live = |a: &String| live.audiences.binary_search(a).is_ok();
    let gone = t.segments.iter().filter(|s| !segment_live(s)).count()
        + t.audiences.iter().filter(|a| !audience_live(a)).count();
    if gone == t.named() || (gone > 0 && t.mode != Match::Any) {
        return Verdict::TargetsGone;
    }
    let in_segment = |s: &u32| segment_live(s) && v.segments.binary_search(s).is_ok();
    let in_audience = |a: &String| audience_live(a) && v.audiences.binary_search(a).is_ok();
    let in_group = |g: &u32| v.group == Some(*g);
    let hit = match t.mode {
        Match::Any => {
            t.segments.iter().any(in_segment)
                || t.groups.iter().any(in_group)
                || t.audiences.iter().any(in_audience)
        }
        Match::All => {
            t.segments.iter().all(in_segment)
                && t.groups.iter().all(in_group)
                && t.audiences.iter().all(in_audience)
        }
        Match::None => {
            !(t.segments.iter().any(in_segment)
                || t.groups.iter().any(in_group)
                || t.audiences.iter().any(in_audience))
        }
    };
    if hit {
        Verdict::Qualifies
    } else {
        Verdict::NotTargeted
    }
}

/// What a placement shows: a block, or nothing; `holdout` when the viewer was held out of a
/// weighted split (and shown the fallback, if any).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    pub block: Option<u32>,
    pub holdout: bool,
}

/// Draw buckets for the holdout share, which is a percentage.
const PERCENT: u64 = 100;

/// Which block a placement shows, from the blocks that qualify (`targeted`: not fallbacks;
/// `fallbacks`), by its rotation. `draw` is the viewer's number for this placement today, so one
/// viewer sees one variant all day.
pub fn pick(rotation: Rotation, targeted: &[&Block], fallbacks: &[&Block], draw: u64) -> Pick {
    let by_priority = |blocks: &[&Block]| {
        blocks
            .iter()
            .max_by_key(|b| (b.priority, std::cmp::Reverse(b.id)))
            .map(|b| b.id)
    };
    let ids = || {
        let mut v: Vec<&Block> = targeted.to_vec();
        v.sort_by_key(|b| b.id);
        v
    };
    let chosen = match rotation {
        _ if targeted.is_empty() => None,
        Rotation::Priority => by_priority(targeted),
        Rotation::Random => {
            let v = ids();
            Some(v[(draw % v.len() as u64) as usize].id)
        }
        Rotation::Weighted { holdout } => {
            if draw % PERCENT < u64::from(holdout) {
                return Pick {
                    block: by_priority(fallbacks),
                    holdout: true,
                };
            }
            let v = ids();
            let total: u64 = v.iter().map(|b| u64::from(b.weight)).sum();
            let mut at = (draw / PERCENT) % total.max(1);
            v.iter()
                .find(|b| {
                    let w = u64::from(b.weight);
                    if at < w {
                        true
                    } else {
                        at -= w;
                        false
                    }
                })
                .map(|b| b.id)
        }
    };
    Pick {
        block: chosen.or_else(|| by_priority(fallbacks)),
        holdout: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::content::Placement;

    fn block(id: u32) -> Block {
        Block {
            id,
            name: format!("b{id}"),
            active: true,
            placement: Placement::parse("home_hero").unwrap(),
            content: [("en".to_owned(), "x".to_owned())].into(),
            starts: None,
            ends: None,
            priority: 0,
            weight: 1,
            fallback: false,
            cap_per_day: None,
            targeting: Targeting::default(),
        }
    }

    fn customer(segments: &[u32]) -> Viewer {
        Viewer {
            registered: true,
            group: Some(1),
            segments: segments.to_vec(),
            audiences: vec![],
        }
    }

    fn live(segments: &[u32]) -> Live {
        Live {
            segments: segments.to_vec(),
            audiences: vec!["vip".into()],
        }
    }

    #[test]
    fn status_dates_and_who_come_first() {
        let mut b = block(1);
        let v = customer(&[]);
        assert_eq!(verdict(&b, &v, &live(&[]), 100, 0), Verdict::Qualifies);
        b.starts = Some(101);
        assert_eq!(verdict(&b, &v, &live(&[]), 100, 0), Verdict::NotStarted);
        assert_eq!(verdict(&b, &v, &live(&[]), 101, 0), Verdict::Qualifies);
        b.ends = Some(150);
        assert_eq!(verdict(&b, &v, &live(&[]), 150, 0), Verdict::Ended);
        b.active = false;
        assert_eq!(verdict(&b, &v, &live(&[]), 120, 0), Verdict::Inactive);
        let mut b = block(1);
        b.targeting.who = Who::Guests;
        assert_eq!(verdict(&b, &v, &live(&[]), 0, 0), Verdict::GuestsOnly);
        b.targeting.who = Who::Registered;
        assert_eq!(
            verdict(&b, &Viewer::default(), &live(&[]), 0, 0),
            Verdict::RegisteredOnly
        );
    }

    #[test]
    fn any_all_and_none_over_segments_groups_and_audiences() {
        let mut b = block(1);
        b.targeting.segments = vec![2, 3];
        b.targeting.groups = vec![1];
        let l = live(&[2, 3]);
        let v = customer(&[3]);
        assert_eq!(verdict(&b, &v, &l, 0, 0), Verdict::Qualifies);
        b.targeting.mode = Match::All;
        assert_eq!(verdict(&b, &v, &l, 0, 0), Verdict::NotTargeted);
        assert_eq!(
            verdict(&b, &customer(&[2, 3]), &l, 0, 0),
            Verdict::Qualifies
        );
        b.targeting.mode = Match::None;
        assert_eq!(verdict(&b, &v, &l, 0, 0), Verdict::NotTargeted);
        let mut stranger = customer(&[]);
        stranger.group = Some(4);
        assert_eq!(verdict(&b, &stranger, &l, 0, 0), Verdict::Qualifies);
        let mut a = block(2);
        a.targeting.audiences = vec!["vip".into()];
        let mut member = customer(&[]);
        member.audiences = vec!["vip".into()];
        assert_eq!(verdict(&a, &member, &l, 0, 0), Verdict::Qualifies);
        assert_eq!(verdict(&a, &customer(&[]), &l, 0, 0), Verdict::NotTargeted);
    }

    #[test]
    fn a_block_whose_targets_are_gone_shows_to_nobody() {
        let mut b = block(1);
        b.targeting.segments = vec![2, 3];
        // Any: the live one still counts; both gone: nobody, never everybody.
        assert_eq!(
            verdict(&b, &customer(&[3]), &live(&[3]), 0, 0),
            Verdict::Qualifies
        );
        assert_eq!(
            verdict(&b, &customer(&[2, 3]), &live(&[]), 0, 0),
            Verdict::TargetsGone
        );
        // All and None cannot be kept with one gone.
        b.targeting.mode = Match::None;
        assert_eq!(
            verdict(&b, &customer(&[]), &live(&[3]), 0, 0),
            Verdict::TargetsGone
        );
        b.targeting.mode = Match::All;
        assert_eq!(
            verdict(&b, &customer(&[2, 3]), &live(&[3]), 0, 0),
            Verdict::TargetsGone
        );
        let mut a = block(2);
        a.targeting.audiences = vec!["deleted".into()];
        assert_eq!(
            verdict(&a, &customer(&[]), &live(&[]), 0, 0),
            Verdict::TargetsGone
        );
    }

    #[test]
    fn the_cap_counts_todays_impressions() {
        let mut b = block(1);
        b.cap_per_day = Some(2);
        let v = customer(&[]);
        assert_eq!(verdict(&b, &v, &live(&[]), 0, 1), Verdict::Qualifies);
        assert_eq!(verdict(&b, &v, &live(&[]), 0, 2), Verdict::Capped);
    }

    #[test]
    fn rotations_pick_by_priority_chance_or_weight() {
        let (mut a, mut b, mut f) = (block(1), block(2), block(3));
        a.priority = 5;
        b.priority = 9;
        f.fallback = true;
        let both = [&a, &b];
        assert_eq!(pick(Rotation::Priority, &both, &[&f], 7).block, Some(2));
        assert_eq!(pick(Rotation::Priority, &[], &[&f], 7).block, Some(3));
        assert_eq!(pick(Rotation::Random, &both, &[], 0).block, Some(1));
        assert_eq!(pick(Rotation::Random, &both, &[], 1).block, Some(2));
        a.weight = 3;
        let w = Rotation::Weighted { holdout: 10 };
        let shown = |draw| pick(w, &[&a, &b], &[&f], draw);
        // Draws 0-9 of every hundred are held out and see the fallback.
        assert_eq!(
            shown(5),
            Pick {
                block: Some(3),
                holdout: true
            }
        );
        // Then weight 3 for block 1, 1 for block 2, by hundreds.
        let seen: Vec<Option<u32>> = (0..4).map(|k| shown(k * 100 + 50).block).collect();
        assert_eq!(seen, [Some(1), Some(1), Some(1), Some(2)]);
        assert_eq!(pick(w, &[], &[], 50), Pick::default());
    }
}
