//! Who calls a use case: nobody (the public), a signed-in user, or the operator at the command
//! line. Adapters make one per request or command; use cases decide with it.

use std::sync::Arc;

use ecociv_store::{Actor, Seen, SessionInfo, User};

#[derive(Debug, Clone)]
enum Who {
    Anonymous,
    User(Arc<User>),
    /// The person at the command line, who holds the database: `cli:<name>` in the audit log.
    Operator(String),
}

/// The identity a use case acts for.
#[derive(Debug, Clone)]
pub struct Caller {
    who: Who,
    /// The generations read together with the session, when the web layer resolved one: a
    /// cached evaluation at least this new can be served without reading them again.
    seen: Option<Seen>,
    /// The session's password must be changed before anything else.
    password_expired: bool,
}

impl Caller {
    pub fn anonymous() -> Caller {
        Caller {
            who: Who::Anonymous,
            seen: None,
            password_expired: false,
        }
    }

    pub fn signed_in(user: User) -> Caller {
        Caller {
            who: Who::User(Arc::new(user)),
            seen: None,
            password_expired: false,
        }
    }

    /// The user of a live session, with the generations it was read at.
    pub fn session(s: &SessionInfo) -> Caller {
        Caller {
            who: Who::User(Arc::new(s.user.clone())),
            seen: Some(s.seen),
            password_expired: s.password_expired,
        }
    }

    /// The operator at the command line.
    pub fn operator(name: &str) -> Caller {
        Caller {
            who: Who::Operator(name.to_owned()),
            seen: None,
            password_expired: false,
        }
    }

    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&User> {
        match &self.who {
            Who::User(u) => Some(u),
            _ => None,
        }
    }

    pub fn is_anonymous(&self) -> bool {
        matches!(self.who, Who::Anonymous)
    }

    pub fn is_operator(&self) -> bool {
        matches!(self.who, Who::Operator(_))
    }

    /// Whether the signed-in user must change their password before anything else (the policy
    /// then refuses every action; changing one's own password and signing out still work).
    pub fn password_expired(&self) -> bool {
        self.password_expired
    }

    pub(crate) fn seen(&self) -> Option<Seen> {
        self.seen
    }

    /// Who the audit log names; the public writes nothing.
    pub(crate) fn actor(&self) -> Actor {
        match &self.who {
            Who::User(u) => Actor::user(u),
            Who::Operator(name) => Actor::cli(name),
            Who::Anonymous => Actor {
                user_id: None,
                name: "anonymous".into(),
            },
        }
    }
}
