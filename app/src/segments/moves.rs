//! Why a customer joined or left a segment (`Reason`), one join or leave as recorded
//! (`Transition`), and what a full recompute found different (`Drift`).
use serde::{Deserialize, Serialize};

/// Why a customer joined or left a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The customer's account, addresses, orders, cart, wish list or views changed.
    CustomerChanged,
    /// The segment's conditions (or status, website) were edited.
    SegmentEdited,
    /// A day passed and a relative date moved.
    TimePassed,
    /// A full recompute found the kept set had drifted.
    Refresh,
    /// The catalog's description of a product changed.
    CatalogChanged,
    /// The store's RFM quintiles moved.
    RfmMoved,
    /// A CDP audience the segment tests changed members.
    AudienceChanged,
    /// Found when a server compared its member sets with the written history: the move happened
    /// while no server was writing (the day turned with every server down, say, or a server
    /// stopped before writing what it had recorded).
    CaughtUp,
}

impl Reason {
    /// How the API and the customer page name it.
    pub fn key(self) -> &'static str {
        match self {
            Reason::CustomerChanged => "customer_changed",
            Reason::SegmentEdited => "segment_edited",
            Reason::TimePassed => "time_passed",
            Reason::Refresh => "refresh",
            Reason::CatalogChanged => "catalog_changed",
            Reason::RfmMoved => "rfm_moved",
            Reason::AudienceChanged => "audience_changed",
            Reason::CaughtUp => "caught_up",
        }
    }
}

/// One join or leave.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub segment: u32,
    pub customer: i64,
    pub entered: bool,
    /// Unix seconds.
    pub at: i64,
    pub reason: Reason,
    /// The change feed's position (versionstamp) of the data the move was decided on: servers
    /// that read the feed at different paces agree on which of two moves is the later.
    pub cause: i64,
}

/// What a full recompute found different from the kept set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Drift {
    pub joined: u64,
    pub left: u64,
}
