//! Versioned schema migrations: applied in order at start-up, each once, recorded in the database.
use super::{Db, retry};
use sha2::{Digest, Sha256};

/// One schema change. Never edit a released one: add the next.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../../migrations/0001_foundation.surql"),
    },
    Migration {
        version: 2,
        name: "customers",
        sql: include_str!("../../migrations/0002_customers.surql"),
    },
    Migration {
        version: 3,
        name: "accounts",
        sql: include_str!("../../migrations/0003_accounts.surql"),
    },
    Migration {
        version: 4,
        name: "online_assistance",
        sql: include_str!("../../migrations/0004_online_assistance.surql"),
    },
    Migration {
        version: 5,
        name: "security",
        sql: include_str!("../../migrations/0005_security.surql"),
    },
    Migration {
        version: 6,
        name: "integrations",
        sql: include_str!("../../migrations/0006_integrations.surql"),
    },
    Migration {
        version: 7,
        name: "orders",
        sql: include_str!("../../migrations/0007_orders.surql"),
    },
    Migration {
        version: 8,
        name: "carts",
        sql: include_str!("../../migrations/0008_carts.surql"),
    },
    Migration {
        version: 9,
        name: "catalog",
        sql: include_str!("../../migrations/0009_catalog.surql"),
    },
    Migration {
        version: 10,
        name: "wishlists_views",
        sql: include_str!("../../migrations/0010_wishlists_views.surql"),
    },
    Migration {
        version: 11,
        name: "ingest",
        sql: include_str!("../../migrations/0011_ingest.surql"),
    },
    Migration {
        version: 12,
        name: "customer_activity",
        sql: include_str!("../../migrations/0012_customer_activity.surql"),
    },
    Migration {
        version: 13,
        name: "segments",
        sql: include_str!("../../migrations/0013_segments.surql"),
    },
    Migration {
        version: 14,
        name: "visitor_activity",
        sql: include_str!("../../migrations/0014_visitor_activity.surql"),
    },
    Migration {
        version: 15,
        name: "segment_sizes",
        sql: include_str!("../../migrations/0015_segment_sizes.surql"),
    },
    Migration {
        version: 16,
        name: "product_activity",
        sql: include_str!("../../migrations/0016_product_activity.surql"),
    },
    Migration {
        version: 17,
        name: "segment_history",
        sql: include_str!("../../migrations/0017_segment_history.surql"),
    },
    Migration {
        version: 18,
        name: "cart_revision",
        sql: include_str!("../../migrations/0018_cart_revision.surql"),
    },
    Migration {
        version: 19,
        name: "content_blocks",
        sql: include_str!("../../migrations/0019_content_blocks.surql"),
    },
    Migration {
        version: 20,
        name: "audiences",
        sql: include_str!("../../migrations/0020_audiences.surql"),
    },
    Migration {
        version: 21,
        name: "promotions",
        sql: include_str!("../../migrations/0021_promotions.surql"),
    },
    Migration {
        version: 22,
        name: "bought",
        sql: include_str!("../../migrations/0022_bought.surql"),
    },
    Migration {
        version: 23,
        name: "external_id",
        sql: include_str!("../../migrations/0023_external_id.surql"),
    },
];

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("database error while migrating: {0}")]
    Db(#[from] surrealdb::Error),
    #[error("migration {version} ({name}) failed: {detail}")]
    Failed {
        version: i64,
        name: &'static str,
        detail: String,
    },
    #[error(
        "migration {version} ({name}) was changed after it was applied (recorded checksum {recorded}, \
         this build has {expected}); add a new migration instead of editing an applied one"
    )]
    Changed {
        version: i64,
        name: &'static str,
        recorded: String,
        expected: String,
    },
}

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// Applies every migration not yet recorded, each in one transaction with its record.
/// Returns the versions applied by this call (empty when the schema was current).
/// Safe when several app servers start at once: a loser of the race finds the record and skips.
pub async fn migrate(db: &Db) -> Result<Vec<i64>, MigrationError> {
    migrate_to(db, i64::MAX).await
}

/// `migrate`, up to version `last` (the tests of a migration start from the schema before it).
pub async fn migrate_to(db: &Db, last: i64) -> Result<Vec<i64>, MigrationError> {
    // Servers starting at the same moment on a remote database conflict here too: retried.
    retry(|| async {
        let mut res = db
            .query("DEFINE TABLE IF NOT EXISTS schema_migration SCHEMALESS")
            .await?;
        match res.take_errors().into_values().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    })
    .await?;
    let mut applied = Vec::new();
    for m in MIGRATIONS.iter().take_while(|m| m.version <= last) {
        let expected = checksum(m.sql);
        if let Some(recorded) = recorded_checksum(db, m.version).await? {
            if recorded != expected {
                return Err(MigrationError::Changed {
                    version: m.version,
                    name: m.name,
                    recorded,
                    expected,
                });
            }
            continue;
        }
        if apply(db, m, &expected).await? {
            applied.push(m.version);
        }
    }
    Ok(applied)
}

/// How often a migration that conflicted with another server's writes is tried again.
const CONFLICT_RETRIES: u32 = 8;

/// Applies `m` in one transaction with its record: true when this call applied it, false when
/// another server did in the meantime (its transaction won the conflict).
async fn apply(db: &Db, m: &Migration, expected: &str) -> Result<bool, MigrationError> {
    let script = format!(
        "BEGIN TRANSACTION;\n{}\n;CREATE type::record('schema_migration', $version) CONTENT {{ name: $name, checksum: $checksum, applied_at: time::now() }};\nCOMMIT TRANSACTION;",
        m.sql
    );
    let mut attempt = 0;
    loop {
        let outcome = retry(|| async {
            let mut res = db
                .query(script.as_str())
                .bind(("version", m.version))
                .bind(("name", m.name))
                .bind(("checksum", expected.to_owned()))
                .await?;
            Ok(res.take_errors())
        })
        .await?;
        if outcome.is_empty() {
            return Ok(true);
        }
        // Another server may have applied it in the meantime.
        if recorded_checksum(db, m.version).await?.as_deref() == Some(expected) {
            return Ok(false);
        }
        if attempt < CONFLICT_RETRIES && outcome.values().any(super::is_retryable) {
            attempt += 1;
            tokio::time::sleep(std::time::Duration::from_millis(20 * u64::from(attempt))).await;
            continue;
        }
        let mut errors: Vec<_> = outcome.into_iter().collect();
        errors.sort_by_key(|(i, _)| *i);
        let detail = errors
            .iter()
            .map(|(i, e)| format!("statement {i}: {e}"))
            .find(|s| !s.contains("not executed due to a failed transaction"))
            .unwrap_or_else(|| format!("{:?}", errors.first()));
        return Err(MigrationError::Failed {
            version: m.version,
            name: m.name,
            detail,
        });
    }
}

async fn recorded_checksum(db: &Db, version: i64) -> Result<Option<String>, surrealdb::Error> {
    let mut res = db
        .query("SELECT VALUE checksum FROM ONLY type::record('schema_migration', $version)")
        .bind(("version", version))
        .await?;
    let value: Option<String> = res.take(0)?;
    Ok(value)
}

/// The versions recorded in the database, in order.
pub async fn applied_versions(db: &Db) -> Result<Vec<i64>, surrealdb::Error> {
    let mut res = db
        .query("SELECT VALUE record::id(id) FROM schema_migration ORDER BY id")
        .await?;
    let versions: Vec<i64> = res.take(0)?;
    Ok(versions)
}
