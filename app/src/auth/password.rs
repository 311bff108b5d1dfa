//! Argon2id password hashing at OWASP's parameters, off the async runtime, a bounded number at once,
//! each in one of a pool of working memories allocated once (not mapped and zeroed per hash).
use crate::error::AppError;
use argon2::password_hash::{
    Output, ParamsString, PasswordHash, PasswordHasher as _, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::Semaphore;
use unicode_normalization::UnicodeNormalization;

/// OWASP Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1.
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;
/// Longer inputs are refused before hashing (a DoS guard; never truncated).
pub const MAX_PASSWORD_BYTES: usize = 1024;

fn argon2() -> Argon2<'static> {
    let params =
        Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("valid argon2 params");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes and verifies passwords; each call holds one of a fixed number of permits, so a burst of
/// sign-ins costs at most `permits × 19 MiB` and leaves the async workers free.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    concurrency: usize,
    verifications: Arc<AtomicU64>,
    /// Working memories of `MEMORY_KIB` each, at most one per permit, made when first needed and
    /// kept: a fresh 19 MiB each time is mapped and zeroed by the kernel page by page, which
    /// nearly doubled a hash's time. Reused as they are (each hash overwrites every block it
    /// reads before reading it).
    memories: Arc<Mutex<Vec<Box<[Block]>>>>,
}

/// Passwords are compared in NFKC form, so the same characters typed differently match (NIST).
fn normalized(password: &str) -> String {
    password.nfkc().collect()
}

impl PasswordHasher {
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            concurrency: concurrency.max(1),
            verifications: Arc::new(AtomicU64::new(0)),
            memories: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Runs `f` with a working memory from the pool (made when the pool has none free), then
    /// puts it back. Callers hold a permit, so the pool never grows past the permits.
    fn with_memory<T>(memories: &Mutex<Vec<Box<[Block]>>>, f: impl FnOnce(&mut [Block]) -> T) -> T {
        let taken = memories.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut memory =
            taken.unwrap_or_else(|| vec![Block::default(); MEMORY_KIB as usize].into_boxed_slice());
        let out = f(&mut memory);
        memories
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(memory);
        out
    }

    /// How many working memories the pool holds (tests: never more than the permits).
    pub fn pooled(&self) -> usize {
        self.memories
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// How many hashes or verifications may run at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// How many verifications ran (tests check that every sign-in path runs exactly one).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        if password.len() > MAX_PASSWORD_BYTES {
            return Err(AppError::Invalid(crate::error::Problem::PasswordTooLong));
        }
        let memories = self.memories.clone();
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            Self::with_memory(&memories, |memory| {
                hash_in(normalized(&password).as_bytes(), &salt, memory)
            })
        })
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)
    }

    /// True when `password` matches `stored`. With no stored hash (unknown user) it still runs one
    /// verification against a fixed hash, so both cases take the same time.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        // Oversized input still costs one verification, so its answer takes the usual time.
        let password = if password.len() > MAX_PASSWORD_BYTES {
            String::new()
        } else {
            password
        };
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        let memories = self.memories.clone();
        tokio::task::spawn_blocking(move || {
            let known = stored.is_some();
            let phc = stored.unwrap_or_else(|| dummy_hash().to_owned());
            let Ok(parsed) = PasswordHash::new(&phc) else {
                return false;
            };
            if !within_limits(&parsed) {
                return false;
            }
            let password = normalized(&password);
            let matches = Self::with_memory(&memories, |memory| {
                verify_in(password.as_bytes(), &parsed, memory)
            });
            matches && known
        })
        .await
        .map_err(AppError::internal)
    }
}

/// Hashes `password` with `salt` at today's parameters in `memory`, as a PHC string.
fn hash_in(
    password: &[u8],
    salt: &SaltString,
    memory: &mut [Block],
) -> Result<String, argon2::password_hash::Error> {
    let hasher = argon2();
    let mut salt_bytes = [0_u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        Ok(hasher.hash_password_into_with_memory(password, salt_bytes, out, &mut *memory)?)
    })?;
    Ok(PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(hasher.params())?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    }
    .to_string())
}

/// Whether `password` hashes to `stored` (an Argon2id hash within `within_limits`), computed in
/// `memory` when it is large enough (any hash at today's parameters or below) and in a memory of
/// its own otherwise. The outputs are compared in constant time.
fn verify_in(password: &[u8], stored: &PasswordHash, memory: &mut [Block]) -> bool {
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        return false;
    };
    let Ok(params) = Params::try_from(stored) else {
        return false;
    };
    let version = stored
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or(Version::V0x13);
    let hasher = Argon2::new(Algorithm::Argon2id, version, params.clone());
    let mut salt_bytes = [0_u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut own = Vec::new();
    let memory = if params.block_count() <= memory.len() {
        &mut memory[..params.block_count()]
    } else {
        own.resize(params.block_count(), Block::default());
        &mut own[..]
    };
    Output::init_with(expected.len(), |out| {
        Ok(hasher.hash_password_into_with_memory(password, salt_bytes, out, &mut *memory)?)
    })
    .is_ok_and(|computed| computed == expected)
}

/// Refuses to verify a stored hash whose cost exceeds what we would ever set (an imported or
/// tampered hash must not tie up the server): at most 256 MiB, 10 passes, 4 lanes.
fn within_limits(hash: &PasswordHash) -> bool {
    let get = |k: &str| hash.params.get_decimal(k).unwrap_or(u32::MAX);
    hash.algorithm.as_str() == "argon2id" && get("m") <= 262_144 && get("t") <= 10 && get("p") <= 4
}

/// True when `stored` was made with weaker parameters than today's (rehash it at the next sign-in).
pub fn needs_rehash(stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(h) => {
            let get = |k: &str| h.params.get_decimal(k).unwrap_or(0);
            h.algorithm.as_str() != "argon2id" || get("m") < MEMORY_KIB || get("t") < ITERATIONS
        }
        Err(_) => true,
    }
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(b"no such user", &salt)
            .expect("hash")
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_at_owasp_parameters_and_salted() {
        let h = PasswordHasher::new(2);
        let a = h.hash("correct horse battery".into()).await.unwrap();
        let b = h.hash("correct horse battery".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "same password, different salt");
        assert!(
            h.verify("correct horse battery".into(), Some(a.clone()))
                .await
                .unwrap()
        );
        assert!(
            !h.verify("correct horse batterY".into(), Some(a))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn nfd_and_nfc_forms_of_a_password_match() {
        let h = PasswordHasher::new(1);
        let nfc = "pässwörd-ÅΩ-長い-パス";
        let nfd: String = nfc.nfd().collect();
        assert_ne!(nfc, nfd);
        let stored = h.hash(nfc.into()).await.unwrap();
        assert!(h.verify(nfd, Some(stored)).await.unwrap());
    }

    #[tokio::test]
    async fn extreme_stored_parameters_are_not_verified() {
        let h = PasswordHasher::new(1);
        let extreme = "$argon2id$v=19$m=8388608,t=1000,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY";
        assert!(!h.verify("x".into(), Some(extreme.into())).await.unwrap());
        assert!(needs_rehash(
            "$argon2id$v=19$m=19456,t=1,p=1$c29tZXNhbHQ$YWJj"
        ));
        assert!(!needs_rehash(
            &h.hash("a long passphrase".into()).await.unwrap()
        ));
    }

    #[tokio::test]
    async fn hashes_from_the_pool_verify_with_the_crate_and_the_crate_s_with_the_pool() {
        use argon2::password_hash::PasswordVerifier as _;
        let h = PasswordHasher::new(2);
        let ours = h.hash("pool party".into()).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(argon2().verify_password(b"pool party", &parsed).is_ok());
        assert!(argon2().verify_password(b"pool partY", &parsed).is_err());
        // Made by the crate itself, at today's parameters and at lower (older) ones.
        let salt = SaltString::generate(&mut OsRng);
        let theirs = argon2()
            .hash_password(b"pool party", &salt)
            .unwrap()
            .to_string();
        let crate_hash = |memory_kib: u32, iterations: u32| {
            let params = Params::new(memory_kib, iterations, 1, None).unwrap();
            Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password(b"pool party", &salt)
                .unwrap()
                .to_string()
        };
        let weaker = crate_hash(8_192, 1);
        // And one that needs more memory than a pooled one holds (within the limits).
        let larger = crate_hash(MEMORY_KIB * 2, 1);
        for stored in [theirs, weaker, larger] {
            assert!(
                h.verify("pool party".into(), Some(stored.clone()))
                    .await
                    .unwrap(),
                "{stored}"
            );
            assert!(!h.verify("pool partY".into(), Some(stored)).await.unwrap());
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_pool_never_holds_more_memories_than_permits() {
        let h = PasswordHasher::new(3);
        let stored = h.hash("x-passphrase".into()).await.unwrap();
        let all = (0..24).map(|i| {
            let (h, stored) = (h.clone(), stored.clone());
            tokio::spawn(async move {
                let pw = if i % 2 == 0 { "x-passphrase" } else { "wrong" };
                h.verify(pw.into(), Some(stored)).await.unwrap() == (i % 2 == 0)
            })
        });
        for ok in futures::future::join_all(all).await {
            assert!(ok.unwrap());
        }
        assert!((1..=3).contains(&h.pooled()), "{}", h.pooled());
    }

    #[tokio::test]
    async fn unknown_users_never_verify() {
        let h = PasswordHasher::new(1);
        assert!(!h.verify("no such user".into(), None).await.unwrap());
    }
}
