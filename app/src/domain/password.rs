//! The rules a new password must meet, checked in the browser and again on the server (where the
//! common-password blocklist is added).
use crate::error::Problem;

/// Longest accepted password, in characters; longer input is refused before any hashing.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// How many of the four classes (lower case, upper case, digits, other) `password` mixes.
pub fn classes(password: &str) -> u8 {
    let mut has = [false; 4];
    for c in password.chars() {
        let i = if c.is_lowercase() {
            0
        } else if c.is_uppercase() {
            1
        } else if c.is_numeric() {
            2
        } else {
            3
        };
        has[i] = true;
    }
    has.iter().filter(|h| **h).count() as u8
}

/// Checks a new password: length counted in characters (never truncated), the classes the settings
/// require, not all spaces, not the email address or its name part.
pub fn check_new_password(
    password: &str,
    min_length: u32,
    min_classes: u8,
    email: &str,
) -> Result<(), Problem> {
    let chars = password.chars().count();
    if chars > MAX_PASSWORD_CHARS {
        return Err(Problem::PasswordTooLong);
    }
    if chars < min_length as usize {
        return Err(Problem::PasswordTooShort);
    }
    if password.trim().is_empty() {
        return Err(Problem::PasswordCommon);
    }
    if classes(password) < min_classes {
        return Err(Problem::PasswordClasses);
    }
    let lower = password.trim().to_lowercase();
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or("");
    if !email.is_empty()
        && (lower == email || (local.chars().count() >= 4 && lower.contains(local)))
    {
        return Err(Problem::PasswordLikeEmail);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_characters_and_is_bounded() {
        assert_eq!(
            check_new_password("short", 8, 1, ""),
            Err(Problem::PasswordTooShort)
        );
        // 8 characters, 16 bytes.
        assert_eq!(check_new_password("ääääöööö", 8, 1, ""), Ok(()));
        assert_eq!(check_new_password(&"x".repeat(64), 8, 1, ""), Ok(()));
        assert_eq!(
            check_new_password(&"x".repeat(257), 8, 1, ""),
            Err(Problem::PasswordTooLong)
        );
    }

    #[test]
    fn classes_follow_the_setting() {
        assert_eq!(classes("abc"), 1);
        assert_eq!(classes("aB3!"), 4);
        assert_eq!(classes("ÅΩ長"), 2);
        assert_eq!(
            check_new_password("alllowercase", 8, 3, ""),
            Err(Problem::PasswordClasses)
        );
        assert_eq!(check_new_password("Mixed-Case-1", 8, 3, ""), Ok(()));
    }

    #[test]
    fn spaces_and_the_email_are_refused() {
        assert_eq!(
            check_new_password("            ", 8, 1, ""),
            Err(Problem::PasswordCommon)
        );
        assert_eq!(
            check_new_password("jane.doe@example.com", 8, 1, "Jane.Doe@example.com"),
            Err(Problem::PasswordLikeEmail)
        );
        assert_eq!(
            check_new_password("my jane.doe secret", 8, 1, "jane.doe@example.com"),
            Err(Problem::PasswordLikeEmail)
        );
    }
}
