//! 等级保护 (issue 12, item 13) in the store: the auditor role is a role like the others on both
//! backends, the password change time is kept only when the account's own user chooses the
//! password, and with a maximum age a password expires; the audit chain and backups follow.

use std::sync::Arc;
use std::time::Duration;

use ecociv_store::testing::TestDb;
use ecociv_store::{Actor, ManualClock, NewUser, Role, StoreConfig};

const PASSWORD: &str = "first-password-1";

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        chrono::DateTime::parse_from_rfc3339("2026-03-01T09:00:00Z")
            .unwrap()
            .into(),
    ))
}

fn config() -> StoreConfig {
    StoreConfig {
        password_max_age: Some(Duration::from_secs(90 * 24 * 3600)),
        // Sessions outlive the clock's jumps below, so expiry is the password's alone.
        session_idle: Duration::from_secs(365 * 24 * 3600),
        session_absolute: Duration::from_secs(365 * 24 * 3600),
        ..StoreConfig::default()
    }
}

async fn passwords_expire_unless_their_user_chose_them_recently(
    db: TestDb,
    clock: Arc<ManualClock>,
) {
    let s = &db.store;
    let auditor = s
        .create_user(
            &Actor::cli("admin"),
            NewUser {
                username: "shenji".into(),
                display_name: "审计员".into(),
                role: Role::Auditor,
                unit: None,
                region: None,
                password: PASSWORD.into(),
            },
        )
        .await
        .expect("the auditor role is allowed by the schema");
    assert_eq!(s.user(auditor.id).await.unwrap().role, Role::Auditor);
    // Set by someone else: not chosen by its user, so it must be changed at once.
    assert_eq!(auditor.password_changed_at, None);
    assert!(s.password_expired(&auditor));
    let login = s.login("shenji", PASSWORD, "10.0.0.1").await.unwrap();
    assert!(login.password_expired);
    let session = s.session(&login.token).await.unwrap().unwrap();
    assert!(session.password_expired);

    // The user chooses one: the time is kept and the password is good for 90 days.
    let me = Actor::user(&auditor);
    let changed = s
        .set_password(&me, auditor.id, "chosen-password-2")
        .await
        .unwrap();
    assert!(changed.password_changed_at.is_some());
    assert!(!s.password_expired(&changed));
    let login = s
        .login("shenji", "chosen-password-2", "10.0.0.1")
        .await
        .unwrap();
    assert!(!login.password_expired);
    clock.advance(chrono::Duration::days(89));
    assert!(
        !s.session(&login.token)
            .await
            .unwrap()
            .unwrap()
            .password_expired
    );
    clock.advance(chrono::Duration::days(2));
    assert!(
        s.session(&login.token)
            .await
            .unwrap()
            .unwrap()
            .password_expired,
        "older than 90 days"
    );

    // A reset by the administrator (or at the command line) is not the user's choice.
    let reset = s
        .set_password(&Actor::cli("admin"), auditor.id, "reset-password-3")
        .await
        .unwrap();
    assert_eq!(reset.password_changed_at, None);
    assert!(s.password_expired(&reset));

    // The change time is audited like the rest of the account, and survives a backup.
    let chosen = s
        .set_password(&me, auditor.id, "chosen-password-4")
        .await
        .unwrap();
    let report = s.verify_audit().await.unwrap();
    assert!(report.is_ok(), "{:?}", report.broken);
    let mut file = Vec::new();
    s.backup(&mut file).await.unwrap();
    let target = db.empty_sibling().await.unwrap();
    ecociv_store::backup::restore(&target.url, &mut &file[..])
        .await
        .unwrap();
    let copy = ecociv_store::Store::open(&target.url, StoreConfig::default())
        .await
        .unwrap();
    assert!(copy.verify_audit().await.unwrap().is_ok());
    let restored = copy.user(auditor.id).await.unwrap();
    assert_eq!(restored.password_changed_at, chosen.password_changed_at);
    assert_eq!(restored.role, Role::Auditor);
    copy.close().await;
}

async fn without_a_maximum_age_nothing_expires(db: TestDb) {
    let s = &db.store;
    let u = s
        .create_user(
            &Actor::cli("admin"),
            NewUser {
                username: "viewer".into(),
                display_name: "查看者".into(),
                role: Role::Viewer,
                unit: None,
                region: None,
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    assert!(!s.password_expired(&u));
    assert!(
        !s.login("viewer", PASSWORD, "10.0.0.1")
            .await
            .unwrap()
            .password_expired
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_expire_sqlite() {
    let c = clock();
    let db = TestDb::sqlite_with(config(), c.clone()).await;
    passwords_expire_unless_their_user_chose_them_recently(db, c).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_expire_postgres() {
    let c = clock();
    if let Some(db) = TestDb::postgres_with(config(), c.clone()).await {
        passwords_expire_unless_their_user_chose_them_recently(db, c).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_expiry_by_default_sqlite() {
    without_a_maximum_age_nothing_expires(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_expiry_by_default_postgres() {
    if let Some(db) = TestDb::postgres().await {
        without_a_maximum_age_nothing_expires(db).await;
    }
}
