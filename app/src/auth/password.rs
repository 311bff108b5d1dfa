//! Argon2id password hashing at OWASP's parameters, off the async runtime, a bounded number at once.
use crate::error::AppError;
use argon2::password_hash::{
    PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
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
        }
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
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(normalized(&password).as_bytes(), &salt)
                .map(|h| h.to_string())
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
        tokio::task::spawn_blocking(move || {
            let known = stored.is_some();
            let phc = stored.unwrap_or_else(|| dummy_hash().to_owned());
            let Ok(parsed) = PasswordHash::new(&phc) else {
                return false;
            };
            if !within_limits(&parsed) {
                return false;
            }
            argon2()
                .verify_password(normalized(&password).as_bytes(), &parsed)
                .is_ok()
                && known
        })
        .await
        .map_err(AppError::internal)
    }
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
    async fn unknown_users_never_verify() {
        let h = PasswordHasher::new(1);
        assert!(!h.verify("no such user".into(), None).await.unwrap());
    }
}
