//! Audit chain, lost updates, backup and restore, imports, evaluation cache, accounts and sessions,
//! on both backends.

use std::sync::Arc;

use ecociv_store::testing::TestDb;
use ecociv_store::{
    Actor, AuditFilter, ImportOptions, LoginError, ManualClock, NewUser, Provenance, Role,
    Selection, StoreConfig, StoreError, ValueFilter, ValueInput, both_backends,
};

fn input(indicator: &str, period: &str, value: &str) -> ValueInput {
    ValueInput {
        indicator: indicator.into(),
        region: "411700".into(),
        period: period.into(),
        value: value.into(),
        comment: String::new(),
        provenance: Provenance::Form,
        provenance_detail: String::new(),
    }
}

async fn audit_count(db: &TestDb) -> i64 {
    db.store
        .audit_events(&AuditFilter {
            limit: Some(1),
            ..Default::default()
        })
        .await
        .unwrap()
        .first()
        .map_or(0, |e| e.seq)
}

async fn every_write_is_audited_and_verify_names_the_first_broken_link(db: &TestDb) {
    let s = &db.store;
    let a = Actor::cli("tester");
    let start = audit_count(db).await;
    let v = s
        .save_value(&a, &input("forest_coverage", "2024", "17.2"), None)
        .await
        .unwrap();
    assert_eq!(audit_count(db).await, start + 1);
    let events = s
        .audit_events(&AuditFilter {
            entity: Some(format!("value:{}", v.id)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "value.create");
    assert_eq!(events[0].actor, "cli:tester");
    assert_eq!(
        events[0].after.as_ref().unwrap()["value"],
        serde_json::json!("17.2")
    );
    // A refused write leaves no event.
    let _ = s
        .save_value(&a, &input("forest_coverage", "2024", "17.3"), Some(99))
        .await
        .unwrap_err();
    assert_eq!(audit_count(db).await, start + 1);
    let report = s.verify_audit().await.unwrap();
    assert!(report.is_ok(), "{:?}", report.broken);
    assert!(report.rows_checked > 0);

    // A value edited behind the application's back.
    db.raw(&format!(
        "UPDATE data_values SET value = '99' WHERE id = {}",
        v.id
    ))
    .await;
    let broken = s.verify_audit().await.unwrap().broken.expect("caught");
    assert_eq!(broken.entity.as_deref(), Some(&*format!("value:{}", v.id)));
    assert_eq!(broken.seq, Some(events[0].seq));

    // Covering it up by editing the event breaks the chain at that event.
    let after = events[0]
        .after
        .as_ref()
        .unwrap()
        .to_string()
        .replace("\"17.2\"", "\"99\"");
    db.raw(&format!(
        "UPDATE audit_events SET after_json = '{}' WHERE seq = {}",
        after.replace('\'', "''"),
        events[0].seq
    ))
    .await;
    let broken = s.verify_audit().await.unwrap().broken.expect("caught");
    assert_eq!(broken.seq, Some(events[0].seq));
    assert!(broken.reason.contains("哈希"), "{}", broken.reason);
}

async fn a_deleted_event_or_tail_is_caught(db: &TestDb) {
    let s = &db.store;
    let a = Actor::cli("tester");
    for p in ["2021", "2022", "2023"] {
        s.save_value(&a, &input("forest_coverage", p, "17"), None)
            .await
            .unwrap();
    }
    let last = audit_count(db).await;
    db.raw(&format!("DELETE FROM audit_events WHERE seq = {last}"))
        .await;
    let broken = s.verify_audit().await.unwrap().broken.expect("tail");
    assert_eq!(broken.seq, Some(last));
    db.raw(&format!(
        "DELETE FROM audit_events WHERE seq = {}",
        last - 2
    ))
    .await;
    let broken = s.verify_audit().await.unwrap().broken.expect("gap");
    assert_eq!(broken.seq, Some(last - 1));
}

async fn concurrent_writers_never_lose_an_update(db: &TestDb) {
    let s = db.store.clone();
    let first = s
        .save_value(
            &Actor::cli("w0"),
            &input("forest_coverage", "2024", "10"),
            None,
        )
        .await
        .unwrap();
    // 8 writers × 6 attempts, each reading the current version and writing its own value.
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..8 {
        let s = s.clone();
        tasks.spawn(async move {
            let mut results = Vec::new();
            for i in 0..6 {
                let current = s
                    .values(&ValueFilter {
                        indicator: Some("forest_coverage".into()),
                        period: Some("2024".into()),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .pop()
                    .unwrap();
                let value = format!("{}.{}", 11 + w, i);
                match s
                    .save_value(
                        &Actor::cli(&format!("w{w}")),
                        &input("forest_coverage", "2024", &value),
                        Some(current.version),
                    )
                    .await
                {
                    Ok(v) => results.push(Ok((v.version, value))),
                    Err(StoreError::Conflict { current, .. }) => {
                        assert!(current["version"].as_i64().unwrap() > 0);
                        results.push(Err(()))
                    }
                    Err(e) => panic!("unexpected error: {e:?}"),
                }
                tokio::task::yield_now().await;
            }
            results
        });
    }
    let mut successes: Vec<(i64, String)> = Vec::new();
    let mut conflicts = 0;
    while let Some(r) = tasks.join_next().await {
        for x in r.unwrap() {
            match x {
                Ok(ok) => successes.push(ok),
                Err(()) => conflicts += 1,
            }
        }
    }
    successes.sort();
    // Every success produced a distinct new version, one after the other: nothing overwritten.
    let versions: Vec<i64> = successes.iter().map(|(v, _)| *v).collect();
    let expected: Vec<i64> = (first.version + 1..=first.version + successes.len() as i64).collect();
    assert_eq!(versions, expected, "{conflicts} conflicts");
    let last = s.value(first.id).await.unwrap();
    let (last_version, last_value) = successes.last().unwrap();
    assert_eq!((&last.version, &last.value), (last_version, last_value));
    assert_eq!(successes.len() + conflicts, 48);
    // Each success is one audit event, in a chain that did not fork.
    let events = s
        .audit_events(&AuditFilter {
            entity: Some(format!("value:{}", first.id)),
            limit: Some(1000),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), successes.len() + 1);
    assert!(s.verify_audit().await.unwrap().is_ok());
}

async fn backup_and_restore_round_trip_even_while_writing(db: &TestDb) {
    let s = &db.store;
    s.load_demo().await.unwrap().expect("demo loaded");
    let a = Actor::cli("tester");
    let v = s
        .save_value(&a, &input("forest_coverage", "2026", "17.5"), None)
        .await
        .unwrap();
    s.attach_evidence(
        &a,
        ecociv_store::EvidenceTarget::Value(v.id),
        "林业年报.pdf",
        "application/pdf",
        &[0u8, 1, 2, 255],
    )
    .await
    .unwrap();

    // Writers keep going while the backup runs.
    let writer = {
        let s = s.clone();
        tokio::spawn(async move {
            for i in 0..20 {
                s.save_value(
                    &Actor::cli("busy"),
                    &input("forest_coverage", &format!("2027-{:02}", i % 12 + 1), "18"),
                    None,
                )
                .await
                .ok();
            }
        })
    };
    let mut file = Vec::new();
    let summary = s.backup(&mut file).await.unwrap();
    writer.await.unwrap();
    assert!(summary.audit_events > 100);

    let target = db.empty_sibling().await.unwrap();
    let restored = ecociv_store::backup::restore(&target.url, &mut &file[..])
        .await
        .unwrap();
    assert_eq!(restored.rows, summary.rows);
    let copy = ecociv_store::Store::open(&target.url, StoreConfig::default())
        .await
        .unwrap();
    let report = copy.verify_audit().await.unwrap();
    assert!(report.is_ok(), "{:?}", report.broken);
    // The restored database backs up to the same rows (the created_at line aside).
    let mut again = Vec::new();
    copy.backup(&mut again).await.unwrap();
    let body = |b: &[u8]| {
        String::from_utf8(b.to_vec())
            .unwrap()
            .lines()
            .skip(1)
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let (a, b) = (body(&file), body(&again));
    let first_diff = a.iter().zip(&b).position(|(x, y)| x != y);
    assert!(
        a.len() == b.len() && first_diff.is_none(),
        "restored data differs at line {first_diff:?} ({} vs {} lines)",
        a.len(),
        b.len()
    );
    let (_, content) = copy
        .evidence(
            &copy
                .evidence_links(ecociv_store::EvidenceTarget::Value(v.id))
                .await
                .unwrap()[0]
                .sha256,
        )
        .await
        .unwrap();
    assert_eq!(&content[..], &[0u8, 1, 2, 255]);
    copy.close().await;

    // A second restore into a database in use is refused; a truncated file is refused.
    let err = ecociv_store::backup::restore(&target.url, &mut &file[..])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::State(_)), "{err:?}");
    let other = db.empty_sibling().await.unwrap();
    let cut = &file[..file.len() / 2];
    let cut = &cut[..cut.iter().rposition(|&b| b == b'\n').unwrap() + 1];
    assert!(
        ecociv_store::backup::restore(&other.url, &mut &cut[..])
            .await
            .is_err()
    );
}

async fn imports_are_all_or_nothing_with_a_row_report(db: &TestDb) {
    let s = &db.store;
    let a = Actor::cli("importer");
    let opts = ImportOptions::unrestricted(Provenance::Import);
    let bad = "indicator,region,period,value\n\
               forest_coverage,411700,2024,17.1\n\
               nope,411700,2024,1\n\
               urban_sewage_treatment_rate,411700,2024,120\n";
    let before = s.generation().await.unwrap();
    match s.import_values_csv(&a, "县报.csv", bad, &opts).await {
        Err(StoreError::Import(report)) => {
            let rows: Vec<(u64, &str)> = report
                .errors
                .iter()
                .map(|e| (e.row, e.field.as_str()))
                .collect();
            assert_eq!(rows, [(3, "indicator"), (4, "value")]);
            assert_eq!(report.rows, 3);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.generation().await.unwrap(), before);
    assert!(s.values(&ValueFilter::default()).await.unwrap().is_empty());

    // Rows that break the workflow inside the transaction roll the whole file back too.
    let v = s
        .save_value(
            &a,
            &input("urban_sewage_treatment_rate", "2024", "95"),
            None,
        )
        .await
        .unwrap();
    s.submit_value(&a, v.id, v.version).await.unwrap();
    let text = "indicator,region,period,value,source\n\
                forest_coverage,411700,2024,17.1,ecociv air 2025-01-03\n\
                urban_sewage_treatment_rate,411700,2024,96,\n";
    match s.import_values_csv(&a, "engine.csv", text, &opts).await {
        Err(StoreError::Import(report)) => {
            assert_eq!(report.errors.len(), 1);
            assert_eq!(report.errors[0].row, 3);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.values(&ValueFilter::default()).await.unwrap().len(), 1);

    let ok = "indicator,region,period,value,source\n\
              forest_coverage,411700,2024,17.1,ecociv eco run 7\n\
              森林覆盖率,驻马店市,2023,16.9,\n";
    let engine = ImportOptions::unrestricted(Provenance::Engine);
    let summary = s
        .import_values_csv(&a, "engine.csv", ok, &engine)
        .await
        .unwrap();
    assert_eq!((summary.created, summary.updated), (2, 0));
    let v = s
        .values(&ValueFilter {
            indicator: Some("forest_coverage".into()),
            period: Some("2024".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(v.provenance, Provenance::Engine);
    assert!(
        v.provenance_detail.contains("engine.csv 第2行"),
        "{}",
        v.provenance_detail
    );
    assert!(v.provenance_detail.contains("ecociv eco run 7"));
}

async fn evaluation_counts_approved_and_pending_and_is_cached_per_generation(db: &TestDb) {
    let s = &db.store;
    let (rep, rev) = (Actor::cli("rep"), Actor::cli("rev"));
    let find = |e: &ecociv_store::EvaluationSnapshot| {
        e.evaluation
            .results
            .iter()
            .find(|r| r.indicator == "urban_sewage_treatment_rate" && r.region == "411700")
            .map(|r| (r.value, r.status))
    };
    let e1 = s
        .evaluation(2024, None, None, &Selection::everything())
        .await
        .unwrap();
    assert_eq!(find(&e1).and_then(|(v, _)| v), None);
    let again = s
        .evaluation(2024, None, None, &Selection::everything())
        .await
        .unwrap();
    assert!(Arc::ptr_eq(&e1, &again), "a cache hit without writes");

    // A provenance with quotes, a backslash, a newline and markup comes back unchanged (the
    // store reads the values as one JSON document).
    let hostile = "监测报告 \"2024\"\\第3行\n<script>alert(1)</script> ☃";
    let v = s
        .save_value(
            &rep,
            &ValueInput {
                provenance_detail: hostile.into(),
                ..input("urban_sewage_treatment_rate", "2024", "95.2")
            },
            None,
        )
        .await
        .unwrap();
    let e2 = s
        .evaluation(2024, None, None, &Selection::everything())
        .await
        .unwrap();
    assert!(e2.generation > e1.generation);
    assert_eq!(find(&e2).and_then(|(v, _)| v), None, "drafts do not count");
    let v = s.submit_value(&rep, v.id, v.version).await.unwrap();
    let e3 = s
        .evaluation(2024, None, None, &Selection::everything())
        .await
        .unwrap();
    assert_eq!(find(&e3).unwrap().1, ecociv_core::Status::Pending);
    s.approve_value(&rev, v.id, v.version).await.unwrap();
    let e4 = s
        .evaluation(2024, None, None, &Selection::everything())
        .await
        .unwrap();
    assert_eq!(find(&e4).unwrap().0, Some(95.2));
    let source = |e: &ecociv_store::EvaluationSnapshot| {
        e.evaluation
            .results
            .iter()
            .find(|r| r.indicator == "urban_sewage_treatment_rate" && r.region == "411700")
            .and_then(|r| r.source.clone())
    };
    assert_eq!(source(&e4).as_deref(), Some(hostile));

    // A correction under review does not replace the approved value it corrects.
    let approved = s
        .values(&ValueFilter {
            indicator: Some("urban_sewage_treatment_rate".into()),
            period: Some("2024".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.region == "411700")
        .unwrap();
    s.correct_value(&rep, approved.id, approved.version, "97.5", "", "复核更正")
        .await
        .unwrap();
    let e5 = s
        .evaluation(2024, None, None, &Selection::everything())
        .await
        .unwrap();
    assert!(e5.generation > e4.generation);
    assert_eq!(
        find(&e5).unwrap().0,
        Some(95.2),
        "the approved value stays in force"
    );

    // The public sees only published indicators in published periods.
    let public = s
        .evaluation(2024, None, None, &public_selection())
        .await
        .unwrap();
    assert_eq!(find(&public).and_then(|(v, _)| v), None);
    s.set_indicator_published(&rev, "urban_sewage_treatment_rate", true)
        .await
        .unwrap();
    s.set_period_published(&rev, "2024", true, 0).await.unwrap();
    let public = s
        .evaluation(2024, None, None, &public_selection())
        .await
        .unwrap();
    assert_eq!(find(&public).unwrap().0, Some(95.2));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&public.json).unwrap()["year"],
        2024
    );
    assert!(matches!(
        s.evaluation(2024, Some("1999"), None, &Selection::everything())
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.evaluation(1900, None, None, &Selection::everything())
            .await,
        Err(StoreError::Invalid(_))
    ));
}

both_backends! {
    audit_every_write_and_verify_catches_tampering => every_write_is_audited_and_verify_names_the_first_broken_link;
    audit_verify_catches_deleted_events => a_deleted_event_or_tail_is_caught;
    no_lost_updates_with_concurrent_writers => concurrent_writers_never_lose_an_update;
    backup_restore_round_trip => backup_and_restore_round_trip_even_while_writing;
    import_all_or_nothing => imports_are_all_or_nothing_with_a_row_report;
    evaluation_from_the_store => evaluation_counts_approved_and_pending_and_is_cached_per_generation;
}

async fn sessions_case(db: TestDb, clock: Arc<ManualClock>) {
    let s = &db.store;
    let admin = Actor::cli("admin");
    let u = s
        .create_user(
            &admin,
            NewUser {
                username: "lin".into(),
                display_name: "林业局填报员".into(),
                role: Role::Reporter,
                unit: Some("lyj".into()),
                region: None,
                password: "correct-horse-1".into(),
            },
        )
        .await
        .unwrap();
    // Bindings are checked against the plan.
    let err = s
        .create_user(
            &admin,
            NewUser {
                username: "x".repeat(3),
                display_name: "x".into(),
                role: Role::Reporter,
                unit: None,
                region: None,
                password: "correct-horse-1".into(),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref f) if f.field == "unit"));

    let session = s
        .login("lin", "correct-horse-1", "127.0.0.1")
        .await
        .unwrap();
    assert_eq!(session.token.len(), 64);
    let info = s.session(&session.token).await.unwrap().unwrap();
    assert_eq!((info.user.id, info.csrf_token.len()), (u.id, 64));
    // Only the hash is stored.
    let stored: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM sessions WHERE token_hash = '{}'",
        session.token
    )))
    .fetch_one(s.pool())
    .await
    .unwrap();
    assert_eq!(stored, 0);

    // Idle expiry: 2 hours without a request.
    clock.advance(chrono::Duration::minutes(119));
    assert!(s.session(&session.token).await.unwrap().is_some());
    clock.advance(chrono::Duration::minutes(119));
    assert!(
        s.session(&session.token).await.unwrap().is_some(),
        "kept alive"
    );
    clock.advance(chrono::Duration::minutes(121));
    assert!(s.session(&session.token).await.unwrap().is_none(), "idle");

    // Absolute expiry: 12 hours however active.
    let session = s
        .login("lin", "correct-horse-1", "127.0.0.1")
        .await
        .unwrap();
    for _ in 0..13 {
        clock.advance(chrono::Duration::minutes(59));
        let _ = s.session(&session.token).await.unwrap();
    }
    assert!(
        s.session(&session.token).await.unwrap().is_none(),
        "absolute"
    );

    // Five failures lock the source out of the account, even against the right password; other
    // sources are not locked (issue 12: no lockout lever against a named person); the lock
    // expires.
    for _ in 0..4 {
        assert!(matches!(
            s.login("lin", "wrong-password", "10.0.0.9").await,
            Err(LoginError::InvalidCredentials)
        ));
    }
    assert!(matches!(
        s.login("lin", "wrong-password", "10.0.0.9").await,
        Err(LoginError::InvalidCredentials)
    ));
    assert!(matches!(
        s.login("lin", "correct-horse-1", "10.0.0.9").await,
        Err(LoginError::Locked { .. })
    ));
    let other = s
        .login("lin", "correct-horse-1", "10.0.0.10")
        .await
        .unwrap();
    let actions: Vec<(String, String)> = s
        .audit_events(&AuditFilter {
            entity: Some("login:lin".into()),
            limit: Some(3),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            let after = e.after.unwrap_or_default();
            (e.action, after["client"].as_str().unwrap_or("").to_owned())
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("login.locked".to_owned(), "10.0.0.9".to_owned()),
            ("account.locked".to_owned(), "10.0.0.9".to_owned()),
            ("login.failed".to_owned(), "10.0.0.9".to_owned()),
        ]
    );
    // Guessing one's current password counts with the logins of the same source.
    assert!(matches!(
        s.check_own_password(u.id, "correct-horse-1", "10.0.0.9")
            .await,
        Err(LoginError::Locked { .. })
    ));
    for _ in 0..4 {
        assert!(matches!(
            s.check_own_password(u.id, "wrong-password", "10.0.0.10")
                .await,
            Err(LoginError::InvalidCredentials)
        ));
    }
    assert!(matches!(
        s.login("lin", "wrong-password", "10.0.0.10").await,
        Err(LoginError::InvalidCredentials)
    ));
    assert!(matches!(
        s.check_own_password(u.id, "correct-horse-1", "10.0.0.10")
            .await,
        Err(LoginError::Locked { .. })
    ));
    assert!(
        s.session(&other.token).await.unwrap().is_some(),
        "a lock ends no session"
    );
    // IPv6 counts by the /64.
    for i in 1..=5 {
        let _ = s
            .login("lin", "wrong-password", &format!("2001:db8:9:9::{i}"))
            .await;
    }
    assert!(matches!(
        s.login("lin", "correct-horse-1", "2001:db8:9:9:ffff::1")
            .await,
        Err(LoginError::Locked { .. })
    ));
    s.login("lin", "correct-horse-1", "2001:db8:9:a::1")
        .await
        .unwrap();
    // Failures further apart than the lockout time do not add up.
    for _ in 0..2 {
        for _ in 0..4 {
            let _ = s.login("lin", "wrong-password", "10.0.0.11").await;
        }
        clock.advance(chrono::Duration::minutes(16));
    }
    s.login("lin", "correct-horse-1", "10.0.0.11")
        .await
        .unwrap();
    let before = s.login("lin", "correct-horse-1", "10.0.0.9").await.unwrap();
    // A new password lifts every lock, and ends the sessions.
    for _ in 0..5 {
        let _ = s.login("lin", "wrong-password", "10.0.0.12").await;
    }
    s.set_password(&admin, u.id, "correct-horse-2")
        .await
        .unwrap();
    assert!(s.session(&before.token).await.unwrap().is_none());
    s.login("lin", "correct-horse-2", "10.0.0.12")
        .await
        .unwrap();
    let session = s.login("lin", "correct-horse-2", "10.0.0.9").await.unwrap();

    // Disabling ends sessions at once; logout ends one.
    let u = s.user(u.id).await.unwrap();
    s.update_user(
        &admin,
        u.id,
        ecociv_store::UserUpdate {
            disabled: Some(true),
            ..Default::default()
        },
        u.version,
    )
    .await
    .unwrap();
    assert!(s.session(&session.token).await.unwrap().is_none());
    assert!(matches!(
        s.login("lin", "correct-horse-2", "10.0.0.9").await,
        Err(LoginError::Disabled)
    ));
    assert!(matches!(
        s.login("nobody", "whatever-pass", "10.0.0.9").await,
        Err(LoginError::InvalidCredentials)
    ));
    assert!(s.verify_audit().await.unwrap().is_ok());
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        chrono::DateTime::parse_from_rfc3339("2026-03-01T09:00:00Z")
            .unwrap()
            .into(),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_lock_and_sessions_expire_sqlite() {
    let c = clock();
    let db = TestDb::sqlite_with(StoreConfig::default(), c.clone()).await;
    sessions_case(db, c).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_lock_and_sessions_expire_postgres() {
    let c = clock();
    if let Some(db) = TestDb::postgres_with(StoreConfig::default(), c.clone()).await {
        sessions_case(db, c).await;
    }
}

async fn the_backup_covers_every_table_and_column(db: &TestDb) {
    use sqlx::Row;
    let s = &db.store;
    let sql = match s.backend() {
        ecociv_store::Backend::Sqlite => {
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
             AND m.name <> '_sqlx_migrations' ORDER BY m.name, p.cid"
        }
        ecociv_store::Backend::Postgres => {
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations' \
             ORDER BY table_name, ordinal_position"
        }
    };
    let rows = sqlx::query(sql).fetch_all(s.pool()).await.unwrap();
    let mut schema: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for r in &rows {
        schema
            .entry(r.try_get::<String, _>(0).unwrap())
            .or_default()
            .push(r.try_get::<String, _>(1).unwrap());
    }
    let mut covered: std::collections::BTreeMap<String, Vec<String>> = ecociv_store::backup::TABLES
        .iter()
        .map(|(t, cols)| {
            (
                t.to_string(),
                cols.iter().map(|(c, _)| c.to_string()).collect(),
            )
        })
        .collect();
    for t in ecociv_store::backup::NOT_BACKED_UP {
        covered.insert(t.to_string(), schema[*t].clone());
    }
    assert_eq!(schema, covered);
}

both_backends! {
    backup_format_covers_the_schema => the_backup_covers_every_table_and_column;
}

/// The public's selection as the application layer defines it: approved, live values of
/// published indicators in published periods.
fn public_selection() -> Selection {
    Selection::new("public", |v, p| {
        v.status == ecociv_store::WorkflowStatus::Approved
            && v.live
            && p.indicators.contains(v.indicator)
            && p.periods.contains(v.period)
    })
}
