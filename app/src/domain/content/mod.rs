//! Dynamic blocks: content a storefront placement shows to the visitors its targeting picks, as
//! staff write it (`BlockInput`) and as it is kept (`Block`), with the input's parsing.
pub mod rules;

use crate::error::{AppError, FieldError, Problem};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The languages a block's content is written in (the storefront's).
pub const LANGUAGES: [&str; 3] = ["en", "it", "nl"];
pub const MAX_NAME_CHARS: usize = 255;
/// Most bytes of one language's content (after sanitising).
pub const MAX_CONTENT_BYTES: usize = 32 * 1024;
pub const MAX_PLACEMENT_CHARS: usize = 64;
/// Most segments, groups and audiences one block names, together.
pub const MAX_TARGETS: usize = 100;
pub const MAX_AUDIENCE_KEY_CHARS: usize = 128;
/// The largest share of a weighted placement's visitors held out (shown the fallback).
pub const MAX_HOLDOUT_PERCENT: u8 = 50;
pub const MAX_WEIGHT: u32 = 10_000;
pub const MAX_CAP_PER_DAY: u32 = 1_000;

/// Where on the storefront a block shows: one of ours, or any name a headless storefront uses
/// (lower-case letters, digits, `_` and `-`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Placement(String);

impl Placement {
    pub const HOME_HERO: &'static str = "home_hero";
    pub const HOME_SECONDARY: &'static str = "home_secondary";
    pub const ACCOUNT_DASHBOARD: &'static str = "account_dashboard";
    pub const HEADER_NOTICE: &'static str = "header_notice";
    /// The placements the storefront itself renders.
    pub const BUILT_IN: [&'static str; 4] = [
        Self::HOME_HERO,
        Self::HOME_SECONDARY,
        Self::ACCOUNT_DASHBOARD,
        Self::HEADER_NOTICE,
    ];

    pub fn parse(s: &str) -> Option<Placement> {
        let s = s.trim();
        let ok = !s.is_empty()
            && s.chars().count() <= MAX_PLACEMENT_CHARS
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        ok.then(|| Placement(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who a block is for, before its targets are looked at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Who {
    #[default]
    Everyone,
    Guests,
    Registered,
}

/// How a block's named targets combine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Match {
    /// In at least one of them.
    #[default]
    Any,
    /// In every one of them.
    All,
    /// In none of them.
    None,
}

/// Which viewers a block is for. No named target: everyone `who` allows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targeting {
    pub who: Who,
    pub mode: Match,
    /// Segment ids, sorted, no repeats.
    pub segments: Vec<u32>,
    /// Customer group ids, sorted, no repeats.
    pub groups: Vec<u32>,
    /// Audience keys, sorted, no repeats.
    pub audiences: Vec<String>,
}

impl Targeting {
    pub fn named(&self) -> usize {
        self.segments.len() + self.groups.len() + self.audiences.len()
    }
}

/// How a placement chooses among the blocks that qualify.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rotation {
    /// The highest priority (then the lowest id).
    #[default]
    Priority,
    /// Any of them, equally often.
    Random,
    /// In proportion to their weights; `holdout` percent of viewers see the fallback instead, to
    /// measure the lift.
    Weighted { holdout: u8 },
}

/// A dynamic block as kept. Its content is sanitised HTML per language.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub id: u32,
    pub name: String,
    pub active: bool,
    pub placement: Placement,
    pub content: BTreeMap<String, String>,
    /// Unix seconds, inclusive; None: no limit.
    pub starts: Option<i64>,
    /// Unix seconds, exclusive; None: no limit.
    pub ends: Option<i64>,
    pub priority: i32,
    /// Its share in a weighted rotation (at least 1).
    pub weight: u32,
    /// Shown only when no other block of its placement qualifies.
    pub fallback: bool,
    /// At most this many impressions a day per visitor.
    pub cap_per_day: Option<u32>,
    pub targeting: Targeting,
}

impl Block {
    /// The content in `lang`, else in English, else in any language it has.
    pub fn content_in(&self, lang: &str) -> Option<&str> {
        let non_empty = |l: &str| self.content.get(l).filter(|c| !c.trim().is_empty());
        non_empty(lang)
            .or_else(|| non_empty("en"))
            .or_else(|| self.content.values().find(|c| !c.trim().is_empty()))
            .map(String::as_str)
    }
}

/// A block as a placement shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shown {
    pub id: u32,
    /// Sanitised, its links through the click counter.
    pub html: String,
    /// The viewer was held out of a weighted split (this is the fallback).
    pub holdout: bool,
}

/// One block's counts on one UTC day.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DayStat {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub impressions: u64,
    pub clicks: u64,
    pub holdout_impressions: u64,
    pub holdout_clicks: u64,
}

/// A block as the editor sends it: everything as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BlockInput {
    pub name: String,
    pub active: bool,
    pub placement: String,
    /// Language → HTML.
    pub content: BTreeMap<String, String>,
    /// `YYYY-MM-DDTHH:MM` in UTC, or empty.
    pub starts: String,
    pub ends: String,
    pub priority: String,
    pub weight: String,
    pub fallback: bool,
    /// Empty: no cap.
    pub cap_per_day: String,
    pub who: Who,
    pub mode: Match,
    pub segments: Vec<u32>,
    pub groups: Vec<u32>,
    pub audiences: Vec<String>,
}

fn problem(field: &str, problem: Problem) -> FieldError {
    FieldError {
        field: field.to_owned(),
        problem,
    }
}

/// A date-time typed in the editor (`YYYY-MM-DDTHH:MM[:SS]`, UTC) as Unix seconds.
pub fn parse_moment(s: &str) -> Result<Option<i64>, Problem> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
        .map(|d| Some(d.and_utc().timestamp()))
        .ok_or(Problem::DateInvalid)
}

/// Unix seconds as the editor shows them (`YYYY-MM-DDTHH:MM`, UTC).
pub fn format_moment(at: Option<i64>) -> String {
    at.and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|d| d.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

fn number<T: std::str::FromStr>(s: &str, default: T) -> Result<T, Problem> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(default);
    }
    s.parse().map_err(|_| Problem::FieldInvalid)
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}

/// Parses what the editor sent into a block (`id` 0 until saved). Its content is checked for size
/// only here: the server sanitises it before keeping it.
pub fn parse(input: &BlockInput) -> Result<Block, AppError> {
    let mut errors = Vec::new();
    let mut check = |field: &str, r: Result<(), Problem>| {
        if let Err(p) = r {
            errors.push(problem(field, p));
        }
    };
    let name = crate::domain::customer::text(&input.name, MAX_NAME_CHARS);
    check(
        "name",
        name.as_ref().map_err(|p| *p).and_then(|n| {
            if n.is_empty() {
                Err(Problem::FieldRequired)
            } else {
                Ok(())
            }
        }),
    );
    let placement = Placement::parse(&input.placement);
    check(
        "placement",
        placement.as_ref().map(|_| ()).ok_or(Problem::FieldInvalid),
    );
    let mut content = BTreeMap::new();
    for (lang, html) in &input.content {
        if !LANGUAGES.contains(&lang.as_str()) {
            check(&format!("content.{lang}"), Err(Problem::FieldInvalid));
        } else if html.len() > MAX_CONTENT_BYTES {
            check(&format!("content.{lang}"), Err(Problem::TooLong));
        } else if !html.trim().is_empty() {
            content.insert(lang.clone(), html.clone());
        }
    }
    if content.is_empty() && !input.content.values().any(|h| h.len() > MAX_CONTENT_BYTES) {
        check("content.en", Err(Problem::FieldRequired));
    }
    let starts = parse_moment(&input.starts);
    let ends = parse_moment(&input.ends);
    check("starts", starts.map(|_| ()));
    check("ends", ends.map(|_| ()));
    if let (Ok(Some(s)), Ok(Some(e))) = (starts, ends)
        && e <= s
    {
        check("ends", Err(Problem::EndsBeforeStart));
    }
    let priority = number::<i32>(&input.priority, 0);
    check("priority", priority.map(|_| ()));
    let weight = number::<u32>(&input.weight, 1).and_then(|w| {
        (1..=MAX_WEIGHT)
            .contains(&w)
            .then_some(w)
            .ok_or(Problem::FieldInvalid)
    });
    check("weight", weight.map(|_| ()));
    let cap = if input.cap_per_day.trim().is_empty() {
        Ok(None)
    } else {
        number::<u32>(&input.cap_per_day, 0).and_then(|c| {
            (1..=MAX_CAP_PER_DAY)
                .contains(&c)
                .then_some(Some(c))
                .ok_or(Problem::FieldInvalid)
        })
    };
    check("cap_per_day", cap.map(|_| ()));
    let audiences: Vec<String> = input
        .audiences
        .iter()
        .map(|a| a.trim().to_owned())
        .collect();
    let bad_audience = audiences
        .iter()
        .any(|a| a.is_empty() || a.chars().count() > MAX_AUDIENCE_KEY_CHARS);
    check(
        "audiences",
        if bad_audience {
            Err(Problem::FieldInvalid)
        } else {
            Ok(())
        },
    );
    let targeting = Targeting {
        who: input.who,
        mode: input.mode,
        segments: sorted(input.segments.clone()),
        groups: sorted(input.groups.clone()),
        audiences: sorted(audiences),
    };
    check(
        "segments",
        if targeting.named() > MAX_TARGETS {
            Err(Problem::TooMany)
        } else {
            Ok(())
        },
    );
    if !errors.is_empty() {
        return Err(errors.into());
    }
    Ok(Block {
        id: 0,
        name: name.unwrap_or_default(),
        active: input.active,
        placement: placement.unwrap_or_else(|| Placement(Placement::HOME_HERO.into())),
        content,
        starts: starts.ok().flatten(),
        ends: ends.ok().flatten(),
        priority: priority.unwrap_or_default(),
        weight: weight.unwrap_or(1),
        fallback: input.fallback,
        cap_per_day: cap.ok().flatten(),
        targeting,
    })
}

/// What the editor shows for a kept block.
pub fn input_of(b: &Block) -> BlockInput {
    BlockInput {
        name: b.name.clone(),
        active: b.active,
        placement: b.placement.as_str().to_owned(),
        content: b.content.clone(),
        starts: format_moment(b.starts),
        ends: format_moment(b.ends),
        priority: b.priority.to_string(),
        weight: b.weight.to_string(),
        fallback: b.fallback,
        cap_per_day: b.cap_per_day.map(|c| c.to_string()).unwrap_or_default(),
        who: b.targeting.who,
        mode: b.targeting.mode,
        segments: b.targeting.segments.clone(),
        groups: b.targeting.groups.clone(),
        audiences: b.targeting.audiences.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> BlockInput {
        BlockInput {
            name: "Winter sale".into(),
            active: true,
            placement: "home_hero".into(),
            content: [("en".to_owned(), "<p>Hi</p>".to_owned())].into(),
            ..BlockInput::default()
        }
    }

    fn fields(e: AppError) -> Vec<(String, Problem)> {
        match e {
            AppError::InvalidFields(v) => v.into_iter().map(|f| (f.field, f.problem)).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_plain_block_parses_with_its_defaults_and_round_trips() {
        let b = parse(&input()).unwrap();
        assert_eq!((b.priority, b.weight, b.cap_per_day), (0, 1, None));
        assert_eq!(b.targeting, Targeting::default());
        assert_eq!(parse(&input_of(&b)).unwrap(), b);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = BlockInput {
            name: " ".into(),
            placement: "Home Hero".into(),
            content: [("fr".to_owned(), "x".to_owned())].into(),
            starts: "2026-12-05T10:00".into(),
            ends: "2026-12-05T09:00".into(),
            priority: "high".into(),
            weight: "0".into(),
            cap_per_day: "-1".into(),
            audiences: vec![String::new()],
            ..BlockInput::default()
        };
        let got = fields(parse(&bad).unwrap_err());
        let names: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            names,
            [
                "name",
                "placement",
                "content.fr",
                "content.en",
                "ends",
                "priority",
                "weight",
                "cap_per_day",
                "audiences"
            ]
        );
        assert!(got.contains(&("ends".into(), Problem::EndsBeforeStart)));
    }

    #[test]
    fn moments_are_utc_minutes_and_round_trip() {
        assert_eq!(parse_moment("2026-12-05T10:00"), Ok(Some(1_796_464_800)));
        assert_eq!(format_moment(Some(1_796_464_800)), "2026-12-05T10:00");
        assert_eq!(parse_moment(""), Ok(None));
        assert_eq!(parse_moment("2026-13-05T10:00"), Err(Problem::DateInvalid));
    }

    #[test]
    fn placements_are_names_a_url_can_carry() {
        assert!(Placement::parse("home_hero").is_some());
        assert!(Placement::parse("pdp-under-price").is_some());
        for bad in ["", "Home", "a b", "é", &"x".repeat(65)] {
            assert!(Placement::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn content_falls_back_to_english_then_to_any_language() {
        let mut b = parse(&input()).unwrap();
        assert_eq!(b.content_in("it"), Some("<p>Hi</p>"));
        b.content = [("nl".to_owned(), "<p>Hoi</p>".to_owned())].into();
        assert_eq!(b.content_in("it"), Some("<p>Hoi</p>"));
    }
}
