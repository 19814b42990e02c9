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

    // Signing in, a wrong password and signing out move the data generation but change nothing
    // an evaluation reads: the cached evaluation stays, relabelled, and is not computed again.
    create_lin(s, &Actor::cli("admin")).await;
    let after_user = s
        .evaluation(2024, None, None, &Selection::everything())
        .await
        .unwrap();
    let computed = s.eval_cache_counts().computed;
    let session = s
        .login("lin", "correct-horse-1", "127.0.0.1")
        .await
        .unwrap();
    assert!(s.login("lin", "wrong-password", "127.0.0.1").await.is_err());
    s.logout(&session.token).await.unwrap();
    let after_login = s
        .evaluation(2024, None, None, &Selection::everything())
        .await
        .unwrap();
    assert_eq!(
        s.eval_cache_counts().computed,
        computed,
        "recomputed after a sign-in"
    );
    assert!(after_login.generation > after_user.generation);
    assert!(Arc::ptr_eq(&after_login.evaluation, &after_user.evaluation));

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

/// 林业局's reporter `lin`, password `correct-horse-1`, created by `by`.
async fn create_lin(s: &ecociv_store::Store, by: &Actor) -> ecociv_store::User {
    s.create_user(
        by,
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
    .unwrap()
}

async fn sessions_case(db: TestDb, clock: Arc<ManualClock>) {
    let s = &db.store;
    let admin = Actor::cli("admin");
    let u = create_lin(s, &admin).await;
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

/// One row (at least) of every audited table, each written the application's way.
async fn one_of_everything(s: &ecociv_store::Store) {
    let (rep, rev, coord) = (
        Actor::cli("rep"),
        Actor::cli("rev"),
        Actor::cli("coordinator"),
    );
    s.set_catalogue_version(&coord, "2024").await.unwrap();
    s.set_indicator_published(&coord, "urban_sewage_treatment_rate", true)
        .await
        .unwrap();
    create_lin(s, &coord).await;
    s.close_period(&coord, "2020", "年度数据已上报省厅", 0)
        .await
        .unwrap();
    let v = s
        .save_value(
            &rep,
            &input("urban_sewage_treatment_rate", "2024", "95"),
            None,
        )
        .await
        .unwrap();
    s.attach_evidence(
        &rep,
        ecociv_store::EvidenceTarget::Value(v.id),
        "年报.pdf",
        "application/pdf",
        b"%PDF-1.4 report",
    )
    .await
    .unwrap();
    let v = s.submit_value(&rep, v.id, v.version).await.unwrap();
    let v = s
        .return_value(&rev, v.id, v.version, "请附统计年鉴页")
        .await
        .unwrap();
    let v = s.submit_value(&rep, v.id, v.version).await.unwrap();
    s.approve_value(&rev, v.id, v.version).await.unwrap();
    s.comment_value(&Actor::cli("participant"), v.id, "数据已核对")
        .await
        .unwrap();
    let model = s.model();
    let task = &model.plan.tasks[0];
    let unit = model
        .plan
        .units
        .iter()
        .find(|u| task.lead.contains(&u.name))
        .unwrap();
    let t = s
        .save_task_update(
            &rep,
            &ecociv_store::TaskUpdateInput {
                task: i64::from(task.number),
                unit: unit.code.clone(),
                period: "2024".into(),
                progress: ecociv_store::TaskState::InProgress,
                percent: 40,
                narrative: "已完成方案起草".into(),
            },
            None,
        )
        .await
        .unwrap();
    s.submit_task_update(&rep, t.id, t.version).await.unwrap();
    s.put_assigned(
        &coord,
        &ecociv_store::AssignedInput {
            indicator: "air_good_days_ratio".into(),
            region: "411700".into(),
            year: 2024,
            threshold: ">= 70".into(),
            document: "豫环文〔2024〕1号".into(),
        },
        None,
    )
    .await
    .unwrap();
}

/// Each audited table tampered with behind the application's back, one at a time: `audit
/// verify` names a row of that table; undone, the log verifies again. `reviews` is edited,
/// emptied, and a row is forged.
async fn every_audited_table_is_checked_against_the_log(db: &TestDb) {
    let s = &db.store;
    one_of_everything(s).await;
    let ok = s.verify_audit().await.unwrap();
    assert!(ok.is_ok(), "{:?}", ok.broken);
    // (table, entity kind verify names, tamper, undo)
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "settings",
            "setting",
            "UPDATE settings SET value = '2019' WHERE key = 'catalogue_version'",
            "UPDATE settings SET value = '2024' WHERE key = 'catalogue_version'",
        ),
        (
            "plan_versions",
            "plan_version",
            "UPDATE plan_versions SET name = name || '（改）'",
            "UPDATE plan_versions SET name = substr(name, 1, length(name) - 3)",
        ),
        (
            "catalogue_files",
            "catalogue",
            "UPDATE catalogue_files SET position = position + 100 WHERE name = '2024'",
            "UPDATE catalogue_files SET position = position - 100 WHERE name = '2024'",
        ),
        (
            "indicators",
            "indicator",
            "UPDATE indicators SET published = 1 WHERE code = 'forest_coverage'",
            "UPDATE indicators SET published = 0 WHERE code = 'forest_coverage'",
        ),
        (
            "users",
            "user",
            "UPDATE users SET role = 'coordinator' WHERE username = 'lin'",
            "UPDATE users SET role = 'reporter' WHERE username = 'lin'",
        ),
        (
            "periods",
            "period",
            "UPDATE periods SET closed = 0 WHERE id = '2020'",
            "UPDATE periods SET closed = 1 WHERE id = '2020'",
        ),
        (
            "data_values",
            "value",
            "UPDATE data_values SET value = '99'",
            "UPDATE data_values SET value = '95'",
        ),
        (
            "reviews",
            "review",
            "UPDATE reviews SET actor = 'cli:rev' WHERE action = 'submit'",
            "UPDATE reviews SET actor = 'cli:rep' WHERE action = 'submit'",
        ),
        (
            "reviews",
            "review",
            "CREATE TABLE tamper_copy AS SELECT * FROM reviews; DELETE FROM reviews",
            "INSERT INTO reviews SELECT * FROM tamper_copy; DROP TABLE tamper_copy",
        ),
        (
            "reviews",
            "review",
            "INSERT INTO reviews (entity_kind, entity_id, action, actor, reason, at) \
          SELECT entity_kind, entity_id, 'submit', 'nobody', '', at FROM reviews \
          WHERE action = 'approve'",
            "DELETE FROM reviews WHERE actor = 'nobody'",
        ),
        (
            "reviews",
            "comment",
            "UPDATE reviews SET reason = '数据有误' WHERE action = 'comment'",
            "UPDATE reviews SET reason = '数据已核对' WHERE action = 'comment'",
        ),
        (
            "evidence",
            "evidence",
            "UPDATE evidence SET media_type = 'text/html'",
            "UPDATE evidence SET media_type = 'application/pdf'",
        ),
        (
            "evidence_links",
            "evidence_link",
            "UPDATE evidence_links SET filename = 'x.html'",
            "UPDATE evidence_links SET filename = '年报.pdf'",
        ),
        (
            "task_updates",
            "task_update",
            "UPDATE task_updates SET percent = 100",
            "UPDATE task_updates SET percent = 40",
        ),
        (
            "assigned_targets",
            "assigned",
            "UPDATE assigned_targets SET threshold = '>= 10'",
            "UPDATE assigned_targets SET threshold = '>= 70'",
        ),
    ];
    let mut tampered = std::collections::BTreeSet::new();
    for (table, kind, tamper, undo) in cases {
        db.raw(tamper).await;
        let broken = s
            .verify_audit()
            .await
            .unwrap()
            .broken
            .unwrap_or_else(|| panic!("{table}: `{tamper}` went unnoticed"));
        let entity = broken.entity.clone().unwrap_or_default();
        assert!(
            entity.starts_with(&format!("{kind}:")),
            "{table}: `{tamper}` named {broken}"
        );
        db.raw(undo).await;
        let again = s.verify_audit().await.unwrap();
        assert!(again.is_ok(), "{table} after undo: {:?}", again.broken);
        tampered.insert(*table);
    }
    // Every table the verifier compares rows of was tampered with above.
    let compared: std::collections::BTreeSet<&str> = ecociv_store::audit::COVERAGE
        .iter()
        .filter(|(_, c)| matches!(c, ecociv_store::audit::Coverage::Rows(_)))
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(tampered, compared);
}

/// Every table of the schema has a decision in `audit::COVERAGE`: compared, the chain, or not
/// audited for a stated reason.
async fn the_audit_coverage_names_every_table(db: &TestDb) {
    use sqlx::Row;
    let sql = match db.store.backend() {
        ecociv_store::Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '_sqlx_migrations' ORDER BY name"
        }
        ecociv_store::Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations' \
             ORDER BY table_name"
        }
    };
    let schema: Vec<String> = sqlx::query(sql)
        .fetch_all(db.store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String, _>(0).unwrap())
        .collect();
    let mut listed: Vec<String> = ecociv_store::audit::COVERAGE
        .iter()
        .map(|(t, _)| t.to_string())
        .collect();
    listed.sort();
    assert_eq!(schema, listed);
}

/// Deleting the tail and setting the rows and the head back with it passes `verify`; a head
/// recorded before (`audit head`) catches it, and a rewritten chain too.
async fn a_consistent_rollback_is_caught_by_a_recorded_head(db: &TestDb) {
    let s = &db.store;
    let a = Actor::cli("tester");
    s.save_value(&a, &input("forest_coverage", "2023", "17"), None)
        .await
        .unwrap();
    let earlier = s.audit_head().await.unwrap();
    let v = s
        .save_value(&a, &input("forest_coverage", "2024", "17.5"), None)
        .await
        .unwrap();
    let recorded = s.audit_head().await.unwrap();
    assert_eq!(recorded.seq, earlier.seq + 1);
    assert_eq!(
        recorded.to_string().parse::<ecociv_store::AuditHead>(),
        Ok(recorded.clone())
    );
    let report = s.verify_audit_expecting(Some(&recorded)).await.unwrap();
    assert!(report.is_ok(), "{:?}", report.broken);

    // The rollback: the value, its event and the head, all set back together.
    db.raw(&format!("DELETE FROM data_values WHERE id = {}", v.id))
        .await;
    db.raw(&format!(
        "DELETE FROM audit_events WHERE seq > {}",
        earlier.seq
    ))
    .await;
    db.raw(&format!(
        "UPDATE store_state SET audit_seq = {}, audit_hash = '{}' WHERE id = 1",
        earlier.seq, earlier.hash
    ))
    .await;
    assert!(s.verify_audit().await.unwrap().is_ok(), "consistent");
    let broken = s
        .verify_audit_expecting(Some(&recorded))
        .await
        .unwrap()
        .broken
        .expect("rolled back");
    assert_eq!(broken.seq, Some(recorded.seq));
    assert!(broken.reason.contains("回滚"), "{broken}");
    // An older head still holds.
    assert!(
        s.verify_audit_expecting(Some(&earlier))
            .await
            .unwrap()
            .is_ok()
    );
    // A head whose event is there with another hash: the chain was rewritten after it.
    let forged = ecociv_store::AuditHead {
        seq: earlier.seq,
        hash: "ab".repeat(32),
    };
    let broken = s
        .verify_audit_expecting(Some(&forged))
        .await
        .unwrap()
        .broken
        .expect("rewritten");
    assert_eq!(broken.seq, Some(earlier.seq));
    assert!(broken.reason.contains("改写"), "{broken}");
    // Text that is no head is refused with the expected form named.
    let err = "12:xyz".parse::<ecociv_store::AuditHead>().unwrap_err();
    assert!(err.to_string().contains("序号:哈希"), "{err}");
}

/// A backup whose rows or chain were edited is refused before it commits: the target keeps no
/// row of it (and a SQLite file the restore created is gone).
async fn a_tampered_backup_restores_nothing(db: &TestDb) {
    let s = &db.store;
    one_of_everything(s).await;
    let mut file = Vec::new();
    s.backup(&mut file).await.unwrap();
    let text = String::from_utf8(file).unwrap();
    // The approved value's number, changed in the backup file.
    let tampered = text.replacen("\"95\"", "\"99\"", 1);
    assert_ne!(tampered, text);
    let target = db.empty_sibling().await.unwrap();
    let err = ecociv_store::backup::restore(&target.url, &mut tampered.as_bytes())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::State(ecociv_i18n::Msg::BackupTampered { .. })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("value:"), "{err}");
    match s.backend() {
        ecociv_store::Backend::Sqlite => {
            let path = target.url.trim_start_matches("sqlite:");
            for suffix in ["", "-wal", "-shm"] {
                let f = format!("{path}{suffix}");
                assert!(!std::path::Path::new(&f).exists(), "{f} left behind");
            }
        }
        ecociv_store::Backend::Postgres => {
            use sqlx::Connection;
            let mut conn = sqlx::AnyConnection::connect(&target.url).await.unwrap();
            for table in ["audit_events", "data_values", "users", "reviews"] {
                let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) FROM {table}"
                )))
                .fetch_one(&mut conn)
                .await
                .unwrap();
                assert_eq!(n, 0, "{table}");
            }
            conn.close().await.unwrap();
        }
    }
    // The untouched backup restores into the same target.
    ecociv_store::backup::restore(&target.url, &mut text.as_bytes())
        .await
        .unwrap();
}

/// Review rows from before reviews were audited are adopted once, when the store first opens
/// after the upgrade; a row added behind the application's back afterwards is reported.
async fn review_rows_of_an_earlier_release_are_adopted_once(db: &TestDb) {
    let s = &db.store;
    one_of_everything(s).await;
    assert!(s.verify_audit().await.unwrap().is_ok());
    let raw = |sql: &'static str| async move {
        sqlx::query(sql).execute(db.store.pool()).await.unwrap();
    };
    // A database of the earlier release: a review row with no event, and the flag unset.
    raw(
        "INSERT INTO reviews (entity_kind, entity_id, action, actor, reason, at) \
         VALUES ('value', 1, 'submit', 'lin', '', '2024-01-05T08:00:00.000000Z')",
    )
    .await;
    raw("UPDATE store_state SET reviews_adopted = 0 WHERE id = 1").await;
    assert!(s.verify_audit().await.unwrap().broken.is_some());

    let upgraded = ecociv_store::Store::open(&db.url, StoreConfig::default())
        .await
        .unwrap();
    let report = upgraded.verify_audit().await.unwrap();
    assert!(report.is_ok(), "{:?}", report.broken);
    let adopted: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'review.adopt' AND actor = 'system'",
    )
    .fetch_one(upgraded.pool())
    .await
    .unwrap();
    assert_eq!(adopted, 1);

    // Later, an inserted row is tampering: opening again adopts nothing.
    raw(
        "INSERT INTO reviews (entity_kind, entity_id, action, actor, reason, at) \
         VALUES ('value', 1, 'approve', 'lin', '', '2024-01-06T08:00:00.000000Z')",
    )
    .await;
    let reopened = ecociv_store::Store::open(&db.url, StoreConfig::default())
        .await
        .unwrap();
    let broken = reopened.verify_audit().await.unwrap().broken;
    assert!(broken.is_some(), "a forged review row was adopted");
}

both_backends! {
    review_rows_are_adopted_once => review_rows_of_an_earlier_release_are_adopted_once;
    audit_covers_every_audited_table => every_audited_table_is_checked_against_the_log;
    audit_coverage_names_every_table => the_audit_coverage_names_every_table;
    audit_head_catches_a_consistent_rollback => a_consistent_rollback_is_caught_by_a_recorded_head;
    tampered_backup_is_not_restored => a_tampered_backup_restores_nothing;
}

/// The database file and its -wal and -shm files are created readable by their owner only.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_files_are_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ecociv.db");
    let url = format!("sqlite:{}", path.display());
    let s = ecociv_store::Store::open(&url, StoreConfig::default())
        .await
        .unwrap();
    s.save_value(
        &Actor::cli("tester"),
        &input("forest_coverage", "2024", "17"),
        None,
    )
    .await
    .unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let f = format!("{}{suffix}", path.display());
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{f}: {mode:o}");
    }
    s.close().await;
    // A restore target created by a restore, too.
    let mut backup = Vec::new();
    let s = ecociv_store::Store::open(&url, StoreConfig::default())
        .await
        .unwrap();
    s.backup(&mut backup).await.unwrap();
    s.close().await;
    let copy = dir.path().join("copy.db");
    ecociv_store::backup::restore(&format!("sqlite:{}", copy.display()), &mut &backup[..])
        .await
        .unwrap();
    let mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
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
