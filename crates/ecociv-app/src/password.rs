//! The rules a new password passes (issue 12), checked wherever a person chooses one (a new
//! account, a changed or reset password; generated passwords pass by construction): at least
//! [`MIN_CHARS`] characters and [`MIN_DISTINCT`] different ones (so not one character repeated),
//! not the user name nor containing it, not a run along the keyboard or the alphabet, and not a
//! common password from the short list `common_passwords.txt` (written for this project), nor
//! one of them with digits or symbols before or after it, nor with look-alike characters.

use std::collections::HashSet;
use std::sync::OnceLock;

use ecociv_i18n::Msg;

use crate::error::{AppError, AppResult};

/// The fewest characters a password has.
pub const MIN_CHARS: usize = 10;
/// The fewest different characters a password has.
pub const MIN_DISTINCT: usize = 4;

const COMMON: &str = include_str!("common_passwords.txt");

/// Runs along the alphabet, the digits and the keyboard (rows, columns, the number pad): a
/// password inside one of them, forwards or backwards, is refused.
const RUNS: &[&str] = &[
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "01234567890123456789012345678901234567890",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertyuiop[]\\",
    "asdfghjkl;'",
    "zxcvbnm,./",
    "`1234567890-=",
    "~!@#$%^&*()_+",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/",
    "qazwsxedcrfvtgbyhnujmikolp",
    "1q2w3e4r5t6y7u8i9o0p",
    "q1w2e3r4t5y6u7i8o9p0",
    "1a2b3c4d5e6f7g8h9i0j",
    "a1b2c3d4e5f6g7h8i9j0",
    "7894561230789456123",
    "1472583690147258369",
    "3692581470369258147",
    "1593574862",
];

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Look-alike characters read as the letters they stand for (p@ssw0rd → password).
fn unleet(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '@' | '4' => 'a',
            '0' => 'o',
            '1' | '!' | '|' => 'i',
            '3' => 'e',
            '$' | '5' => 's',
            '7' | '+' => 't',
            '9' => 'g',
            '8' => 'b',
            other => other,
        })
        .collect()
}

/// The word inside digits and symbols: `Password2024!` → `password`.
fn core_word(s: &str) -> &str {
    s.trim_matches(|c: char| !c.is_alphabetic())
}

fn is_run(s: &str) -> bool {
    s.chars().count() >= 4
        && RUNS.iter().any(|run| {
            let reversed: String = run.chars().rev().collect();
            run.contains(s) || reversed.contains(s)
        })
}

/// Checks a password a person chose for the account `username`; `field` names it in the error.
pub fn check_new_password(field: &str, username: &str, password: &str) -> AppResult<()> {
    let refuse = |m: Msg| Err(AppError::invalid(field, m));
    if password.chars().count() < MIN_CHARS {
        return refuse(Msg::PasswordTooShort { min: MIN_CHARS });
    }
    let distinct: HashSet<char> = password.chars().collect();
    if distinct.len() < MIN_DISTINCT {
        return refuse(Msg::PasswordTooFewDistinct { min: MIN_DISTINCT });
    }
    let lower = password.to_lowercase();
    let name = username.trim().to_lowercase();
    let reversed_name: String = name.chars().rev().collect();
    if !name.is_empty() && (lower == name || lower == reversed_name) {
        return refuse(Msg::PasswordIsUsername);
    }
    if name.chars().count() >= 3 && (lower.contains(&name) || lower.contains(&reversed_name)) {
        return refuse(Msg::PasswordContainsUsername);
    }
    // The password, and the word inside its digits and symbols, as typed and as look-alikes.
    let core = core_word(&lower);
    let candidates = [
        lower.clone(),
        core.to_owned(),
        unleet(&lower),
        core_word(&unleet(&lower)).to_owned(),
        unleet(core),
    ];
    let guessable = candidates
        .iter()
        .any(|c| !c.is_empty() && (common().contains(c.as_str()) || is_run(c) || (c == &name)));
    // Digits and symbols only: a run or a listed number, with or without what surrounds it.
    let digits: String = lower.chars().filter(char::is_ascii_digit).collect();
    let only_digits_and_symbols = core.is_empty();
    if guessable
        || (only_digits_and_symbols && (common().contains(digits.as_str()) || is_run(&digits)))
    {
        return refuse(Msg::PasswordCommon);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn refused(username: &str, password: &str) -> Msg {
        match check_new_password("password", username, password) {
            Err(AppError::Invalid { field, message }) => {
                assert_eq!(field, "password");
                message
            }
            other => panic!("{password:?} was not refused: {other:?}"),
        }
    }

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        // The reviewer's example, and one character repeated at any length.
        assert_eq!(
            refused("lin", "aaaaaaaaaa"),
            Msg::PasswordTooFewDistinct { min: 4 }
        );
        assert_eq!(
            refused("lin", "zzzzzzzzzzzzzzzzzzzz"),
            Msg::PasswordTooFewDistinct { min: 4 }
        );
        assert_eq!(
            refused("lin", "abababababab"),
            Msg::PasswordTooFewDistinct { min: 4 }
        );
        assert_eq!(refused("lin", "short1!"), Msg::PasswordTooShort { min: 10 });
        // The login name, forwards, backwards, or inside.
        assert_eq!(refused("zhang.san1", "zhang.san1"), Msg::PasswordIsUsername);
        assert_eq!(refused("zhang.san1", "1NAS.GNAHZ"), Msg::PasswordIsUsername);
        assert_eq!(
            refused("zhangsan", "zhangsan2024!"),
            Msg::PasswordContainsUsername
        );
        // Listed passwords, with digits and symbols around them, in look-alikes, in any case.
        for p in [
            "password123",
            "Password2024!",
            "P@ssw0rd2024",
            "administrator",
            "admin@123456",
            "woaini1314520",
            "Ecociv@2025",
            "wang19900101",
            "1234567890",
            "0987654321",
            "5201314520",
            "qwertyuiop",
            "QWERTYUIOP12",
            "1qaz2wsx3edc",
            "abcdefghijk",
            "zyxwvutsrqpo",
            "1q2w3e4r5t",
            "asdfghjkl;'",
            "!@#$%^&*()",
            "123456789-!",
            "qq123456789",
        ] {
            assert_eq!(refused("lin", p), Msg::PasswordCommon, "{p}");
        }
    }

    #[test]
    fn good_passwords_pass() {
        for p in [
            "correct horse battery staple",
            "test-password-1",
            "reporter-pass-2025",
            "淮河水清岸绿2025",
            "Tx7#kq9!Lm2p",
            "river-otter-lantern",
        ] {
            check_new_password("password", "lin", p).unwrap_or_else(|e| panic!("{p}: {e}"));
        }
        // Generated passwords always pass.
        for _ in 0..50 {
            let p = ecociv_store::user::generate_password();
            check_new_password("password", "admin", &p).unwrap();
        }
    }

    #[test]
    fn the_list_is_lower_case_and_has_no_duplicates() {
        let lines: Vec<&str> = COMMON
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        assert!(lines.len() > 100);
        assert_eq!(lines.len(), common().len(), "duplicates");
        assert!(lines.iter().all(|l| *l == l.to_lowercase().trim()));
    }
}
