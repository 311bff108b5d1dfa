//! What the engine knows of CDP audiences for `in_audience`: the read-model slots of an
//! audience's customers, and the audiences one customer is in. The audiences module answers on a
//! running server (`crate::audiences::Audiences`); `NoAudiences` stands in where there are none.
use crate::customers::read_model::GridIndex;
use roaring::RoaringBitmap;

pub trait AudienceFacts: Send + Sync {
    /// The slots of `ix` whose customers are in audience `key` (none when it does not exist).
    fn slots_in(&self, ix: &GridIndex, key: &str) -> RoaringBitmap;
    /// The keys of the audiences customer `id` of `ix` is in, sorted.
    fn keys_of(&self, ix: &GridIndex, id: i64) -> Vec<String>;
    /// Changes whenever an audience is created, deleted or its members change.
    fn stamp(&self) -> u64;
}

/// No audiences at all: `in_audience` matches nobody (`!=` everybody).
pub struct NoAudiences;

impl AudienceFacts for NoAudiences {
    fn slots_in(&self, _: &GridIndex, _: &str) -> RoaringBitmap {
        RoaringBitmap::new()
    }

    fn keys_of(&self, _: &GridIndex, _: i64) -> Vec<String> {
        Vec::new()
    }

    fn stamp(&self) -> u64 {
        0
    }
}
