//! Signing in and out, and resolving a session token to its user once per request.

use ecociv_i18n::Msg;
use ecociv_store::{NewSession, SessionInfo};

use crate::App;
use crate::error::{AppError, AppResult};

/// The longest user name and password a login reads (longer ones are refused before hashing).
const MAX_USERNAME: usize = 64;
const MAX_PASSWORD: usize = 1024;

impl App {
    /// Checks a user name and password and opens a session; `client` (an address) goes into the
    /// audit log and is the source failures are counted for: five wrong passwords lock that
    /// source out of the account for 15 minutes (the store's settings), never the account for
    /// everyone. Every refusal gets the same answer (an unknown name, a wrong password, a locked
    /// source, a disabled account: see `From<LoginError> for AppError`).
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> AppResult<NewSession> {
        if username.len() > MAX_USERNAME || password.len() > MAX_PASSWORD {
            return Err(AppError::invalid("username", Msg::CredentialsTooLong));
        }
        Ok(self
            .store()
            .login(username.trim(), password, client)
            .await?)
    }

    /// The live session of a token, if any.
    pub async fn session(&self, token: &str) -> AppResult<Option<SessionInfo>> {
        Ok(self.store().session(token).await?)
    }

    pub async fn logout(&self, token: &str) -> AppResult<()> {
        Ok(self.store().logout(token).await?)
    }

    /// How long a session lasts at most, in seconds (the cookie's age).
    pub fn session_seconds(&self) -> i64 {
        self.limits().session_absolute.as_secs() as i64
    }
}
