//! The reporting workflow on both backends: drafts, submission, approval, return, resubmission,
//! locked approvals, corrections, closed periods, task updates, bad input.

use ecociv_store::testing::TestDb;
use ecociv_store::{
    Actor, Provenance, StoreError, TaskState, TaskUpdateInput, ValueFilter, ValueInput,
    WorkflowStatus, both_backends,
};

fn reporter() -> Actor {
    Actor::cli("reporter")
}

fn reviewer() -> Actor {
    Actor::cli("reviewer")
}

fn input(period: &str, value: &str) -> ValueInput {
    ValueInput {
        indicator: "urban_sewage_treatment_rate".into(),
        region: "411700".into(),
        period: period.into(),
        value: value.into(),
        comment: "市城市管理局统计".into(),
        provenance: Provenance::Form,
        provenance_detail: String::new(),
    }
}

async fn a_value_goes_from_draft_to_approved_through_return_and_resubmission(db: &TestDb) {
    let s = &db.store;
    let v = s
        .save_value(&reporter(), &input("2024", "95.1"), None)
        .await
        .unwrap();
    assert_eq!(
        (v.status, v.version, v.value.as_str()),
        (WorkflowStatus::Draft, 1, "95.1")
    );
    let v = s
        .save_value(&reporter(), &input("2024", "95.3%"), Some(1))
        .await
        .unwrap();
    assert_eq!((v.version, v.value.as_str()), (2, "95.3"));
    let v = s.submit_value(&reporter(), v.id, v.version).await.unwrap();
    assert_eq!(v.status, WorkflowStatus::Submitted);

    // Submitted values wait for review: the reporter cannot change them.
    let err = s
        .save_value(&reporter(), &input("2024", "96"), Some(v.version))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::State(_)), "{err:?}");

    let err = s
        .return_value(&reviewer(), v.id, v.version, "  ")
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(ref f) if f.field == "reason"),
        "{err:?}"
    );
    let v = s
        .return_value(&reviewer(), v.id, v.version, "请附统计年鉴页")
        .await
        .unwrap();
    assert_eq!(
        (v.status, v.return_reason.as_str()),
        (WorkflowStatus::Returned, "请附统计年鉴页")
    );

    let v = s
        .save_value(&reporter(), &input("2024", "95.4"), Some(v.version))
        .await
        .unwrap();
    assert_eq!(v.status, WorkflowStatus::Draft);
    let v = s.submit_value(&reporter(), v.id, v.version).await.unwrap();
    // Nobody approves their own submission.
    let err = s
        .approve_value(&reporter(), v.id, v.version)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::State(_)), "{err:?}");
    let v = s.approve_value(&reviewer(), v.id, v.version).await.unwrap();
    assert_eq!(v.status, WorkflowStatus::Approved);

    let history: Vec<String> = s
        .reviews("value", v.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(history, ["submit", "return", "submit", "approve"]);
}

async fn approved_values_are_locked_and_corrected_by_a_new_version_with_a_reason(db: &TestDb) {
    let s = &db.store;
    let v = s
        .save_value(&reporter(), &input("2023", "94"), None)
        .await
        .unwrap();
    let v = s.submit_value(&reporter(), v.id, v.version).await.unwrap();
    let approved = s.approve_value(&reviewer(), v.id, v.version).await.unwrap();

    // Locked: no new draft, no status change, no resubmission.
    let err = s
        .save_value(&reporter(), &input("2023", "95"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::State(ref m) if m.to_string().contains("锁定")),
        "{err:?}"
    );
    let err = s
        .submit_value(&reporter(), approved.id, approved.version)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::State(_)), "{err:?}");

    // A correction needs a reason, and is a new row in review.
    let err = s
        .correct_value(&reporter(), approved.id, approved.version, "94.5", "", "")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref f) if f.field == "reason"));
    let fix = s
        .correct_value(
            &reporter(),
            approved.id,
            approved.version,
            "94.5",
            "",
            "统计口径更正",
        )
        .await
        .unwrap();
    assert_ne!(fix.id, approved.id);
    assert_eq!(fix.status, WorkflowStatus::Submitted);
    assert_eq!((fix.correction, fix.supersedes), (1, Some(approved.id)));
    assert_eq!(fix.correction_reason, "统计口径更正");

    // Until the correction is approved the old value stays in force, unchanged.
    let eval = s
        .evaluation(
            2023,
            None,
            Some("411700"),
            &ecociv_store::Selection::everything(),
        )
        .await
        .unwrap();
    let r = eval
        .evaluation
        .results
        .iter()
        .find(|r| r.indicator == "urban_sewage_treatment_rate")
        .unwrap();
    assert_eq!(r.value, Some(94.0));
    assert_eq!(s.value(approved.id).await.unwrap(), approved);

    let fix = s
        .approve_value(&reviewer(), fix.id, fix.version)
        .await
        .unwrap();
    let old = s.value(approved.id).await.unwrap();
    assert_eq!(old.superseded_by, Some(fix.id));
    assert_eq!(
        (old.value.as_str(), old.status),
        ("94", WorkflowStatus::Approved)
    );
    let live = s
        .values(&ValueFilter {
            period: Some("2023".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(live.iter().map(|v| v.id).collect::<Vec<_>>(), [fix.id]);
    let all = s
        .values(&ValueFilter {
            period: Some("2023".into()),
            include_superseded: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
}

async fn a_closed_period_refuses_writes_until_reopened_with_a_reason(db: &TestDb) {
    let s = &db.store;
    let coordinator = Actor::cli("coordinator");
    let draft = s
        .save_value(&reporter(), &input("2022", "93"), None)
        .await
        .unwrap();
    let p = s
        .close_period(&coordinator, "2022", "年度数据已上报省厅", 0)
        .await
        .unwrap();
    assert!(p.closed);
    let before = s.generation().await.unwrap();

    let err = s
        .save_value(&reporter(), &input("2022", "94"), Some(draft.version))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::State(ref m) if m.to_string().contains("已关闭")),
        "{err:?}"
    );
    let err = s
        .submit_value(&reporter(), draft.id, draft.version)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::State(_)));
    // Closing a year closes its months.
    let err = s
        .save_value(&reporter(), &input("2022-07", "94"), None)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::State(_)));
    assert_eq!(
        s.generation().await.unwrap(),
        before,
        "refused writes change nothing"
    );

    let err = s
        .reopen_period(&coordinator, "2022", "", p.version)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref f) if f.field == "reason"));
    let err = s
        .reopen_period(&coordinator, "2022", "补报", p.version - 1)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }));
    let p = s
        .reopen_period(&coordinator, "2022", "省厅要求补报", p.version)
        .await
        .unwrap();
    assert!(!p.closed);
    s.save_value(&reporter(), &input("2022", "94"), Some(draft.version))
        .await
        .unwrap();
}

async fn bad_input_is_refused_with_the_field_named_and_nothing_changes(db: &TestDb) {
    let s = &db.store;
    let before = s.generation().await.unwrap();
    let cases = [
        (
            ValueInput {
                indicator: "no_such_indicator".into(),
                ..input("2024", "1")
            },
            "indicator",
        ),
        (
            ValueInput {
                region: "999999".into(),
                ..input("2024", "1")
            },
            "region",
        ),
        (input("1990", "95"), "period"),
        (input("2031", "95"), "period"),
        (input("2024Q5", "95"), "period"),
        (input("2024", "101"), "value"),
        (input("2024", "abc"), "value"),
        (
            ValueInput {
                indicator: "forest_coverage".into(),
                ..input("2024", "-3")
            },
            "value",
        ),
    ];
    for (bad, field) in cases {
        match s.save_value(&reporter(), &bad, None).await {
            Err(StoreError::Invalid(f)) => {
                assert_eq!(f.field, field, "{bad:?}: {}", f.message);
                assert!(!f.message.to_string().is_empty());
            }
            other => panic!("{bad:?} should be refused, got {other:?}"),
        }
    }
    let bad_task = TaskUpdateInput {
        task: 1,
        unit: "sthjj".into(),
        period: "2024".into(),
        progress: TaskState::InProgress,
        percent: 101,
        narrative: String::new(),
    };
    let err = s
        .save_task_update(&reporter(), &bad_task, None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(ref f) if f.field == "percent"),
        "{err:?}"
    );
    assert_eq!(s.generation().await.unwrap(), before);
    assert!(s.values(&ValueFilter::default()).await.unwrap().is_empty());
}

async fn task_updates_are_reviewed_like_values(db: &TestDb) {
    let s = &db.store;
    let model = s.model();
    let task = &model.plan.tasks[0];
    let unit = model
        .plan
        .units
        .iter()
        .find(|u| task.lead.contains(&u.name))
        .unwrap();
    let mut inp = TaskUpdateInput {
        task: i64::from(task.number),
        unit: unit.code.clone(),
        period: "2024".into(),
        progress: TaskState::InProgress,
        percent: 40,
        narrative: "已完成方案起草".into(),
    };
    let t = s.save_task_update(&reporter(), &inp, None).await.unwrap();
    inp.percent = 50;
    let err = s
        .save_task_update(&reporter(), &inp, None)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    let t = s
        .save_task_update(&reporter(), &inp, Some(t.version))
        .await
        .unwrap();
    assert_eq!(t.percent, 50);
    let t = s
        .submit_task_update(&reporter(), t.id, t.version)
        .await
        .unwrap();
    let t = s
        .return_task_update(&reviewer(), t.id, t.version, "请补充会议纪要")
        .await
        .unwrap();
    assert_eq!(t.status, WorkflowStatus::Returned);
    let t = s
        .save_task_update(&reporter(), &inp, Some(t.version))
        .await
        .unwrap();
    let t = s
        .submit_task_update(&reporter(), t.id, t.version)
        .await
        .unwrap();
    let t = s
        .approve_task_update(&reviewer(), t.id, t.version)
        .await
        .unwrap();
    assert_eq!(t.status, WorkflowStatus::Approved);
    let err = s
        .save_task_update(&reporter(), &inp, Some(t.version))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::State(_)));

    // A unit that is not responsible for the task cannot report on it.
    let stranger = model
        .plan
        .units
        .iter()
        .find(|u| task.responsibility_of(&u.name).is_none())
        .unwrap();
    let err = s
        .save_task_update(
            &reporter(),
            &TaskUpdateInput {
                unit: stranger.code.clone(),
                ..inp
            },
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref f) if f.field == "unit"));
}

async fn evidence_is_stored_once_by_content_and_limited_in_size(db: &TestDb) {
    let s = &db.store;
    let v = s
        .save_value(&reporter(), &input("2024", "95"), None)
        .await
        .unwrap();
    let target = ecociv_store::EvidenceTarget::Value(v.id);
    let a = s
        .attach_evidence(
            &reporter(),
            target,
            "../../年鉴.pdf",
            "application/pdf",
            b"%PDF-1.4 x",
        )
        .await
        .unwrap();
    assert_eq!(a.filename, "年鉴.pdf");
    let again = s
        .attach_evidence(
            &reporter(),
            target,
            "copy.pdf",
            "application/pdf",
            b"%PDF-1.4 x",
        )
        .await
        .unwrap();
    assert_eq!(again.id, a.id, "the same file attached twice is one link");
    let (meta, bytes) = s.evidence(&a.sha256).await.unwrap();
    assert_eq!((meta.size, &bytes[..]), (10, &b"%PDF-1.4 x"[..]));
    let big = vec![0u8; s.config().max_evidence_bytes + 1];
    let err = s
        .attach_evidence(&reporter(), target, "big.bin", "", &big)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::TooLarge { .. }));
    assert_eq!(s.evidence_links(target).await.unwrap().len(), 1);
}

/// The first task of the plan and a unit that leads it.
fn task_input(s: &ecociv_store::Store, period: &str) -> TaskUpdateInput {
    let model = s.model();
    let task = &model.plan.tasks[0];
    let unit = model
        .plan
        .units
        .iter()
        .find(|u| task.lead.contains(&u.name))
        .unwrap();
    TaskUpdateInput {
        task: i64::from(task.number),
        unit: unit.code.clone(),
        period: period.into(),
        progress: TaskState::InProgress,
        percent: 40,
        narrative: "已完成方案起草".into(),
    }
}

async fn evidence_cannot_change_once_its_record_is_locked(db: &TestDb) {
    use ecociv_i18n::Msg;
    use ecociv_store::EvidenceTarget;
    let s = &db.store;
    let attach = |target: EvidenceTarget, content: &'static [u8]| async move {
        s.attach_evidence(
            &reporter(),
            target,
            "补充材料.pdf",
            "application/pdf",
            content,
        )
        .await
    };
    // An approved value: editing it is refused, and so is attaching to it.
    let v = s
        .save_value(&reporter(), &input("2023", "94"), None)
        .await
        .unwrap();
    attach(EvidenceTarget::Value(v.id), b"%PDF before")
        .await
        .unwrap();
    let v = s.submit_value(&reporter(), v.id, v.version).await.unwrap();
    // While it is in review the reporter may still add the evidence the reviewer asks for.
    attach(EvidenceTarget::Value(v.id), b"%PDF in review")
        .await
        .unwrap();
    let v = s.approve_value(&reviewer(), v.id, v.version).await.unwrap();
    let before = s.generation().await.unwrap();
    let err = attach(EvidenceTarget::Value(v.id), b"%PDF after")
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::State(Msg::EvidenceLocked { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("佐证材料"), "{err}");
    assert!(
        s.check_evidence_change(EvidenceTarget::Value(v.id))
            .await
            .is_err()
    );
    // The same file again changes nothing either.
    let err = attach(EvidenceTarget::Value(v.id), b"%PDF before")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::State(_)), "{err:?}");

    // A draft of a closed period.
    let d = s
        .save_value(&reporter(), &input("2022", "93"), None)
        .await
        .unwrap();
    let coordinator = Actor::cli("coordinator");
    let p = s
        .close_period(&coordinator, "2022", "年度数据已上报省厅", 0)
        .await
        .unwrap();
    let before_closed = s.generation().await.unwrap();
    let err = attach(EvidenceTarget::Value(d.id), b"%PDF late")
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::State(Msg::EvidencePeriodClosed { ref period, .. }) if period == "2022"),
        "{err:?}"
    );
    assert!(err.to_string().contains("年度数据已上报省厅"), "{err}");
    assert_eq!(s.generation().await.unwrap(), before_closed);

    // Task updates: approved, and in a closed period.
    let t = s
        .save_task_update(&reporter(), &task_input(s, "2024"), None)
        .await
        .unwrap();
    let t = s
        .submit_task_update(&reporter(), t.id, t.version)
        .await
        .unwrap();
    let t = s
        .approve_task_update(&reviewer(), t.id, t.version)
        .await
        .unwrap();
    let err = attach(EvidenceTarget::TaskUpdate(t.id), b"%PDF minutes")
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::State(Msg::EvidenceLocked { .. })),
        "{err:?}"
    );
    let links = |target| async move { s.evidence_links(target).await.unwrap().len() };
    assert_eq!(links(EvidenceTarget::Value(v.id)).await, 2);
    assert_eq!(links(EvidenceTarget::Value(d.id)).await, 0);
    assert_eq!(links(EvidenceTarget::TaskUpdate(t.id)).await, 0);
    assert!(s.generation().await.unwrap() > before);

    // Reopened, the period's draft takes evidence again.
    s.reopen_period(&coordinator, "2022", "补报佐证材料", p.version)
        .await
        .unwrap();
    attach(EvidenceTarget::Value(d.id), b"%PDF late")
        .await
        .unwrap();
    assert!(s.verify_audit().await.unwrap().is_ok());
}

async fn nobody_approves_what_they_entered_or_edited(db: &TestDb) {
    use ecociv_i18n::Msg;
    let s = &db.store;
    let coordinator = Actor::cli("coordinator");
    let own_work = |e: &StoreError| matches!(e, StoreError::State(Msg::OwnWork { .. }));

    // The coordinator drafts, the reporter submits: the coordinator may not approve.
    let v = s
        .save_value(&coordinator, &input("2024", "95"), None)
        .await
        .unwrap();
    let v = s.submit_value(&reporter(), v.id, v.version).await.unwrap();
    let err = s
        .approve_value(&coordinator, v.id, v.version)
        .await
        .unwrap_err();
    assert!(own_work(&err), "{err:?}");
    assert!(err.to_string().contains("自己填报或修改"), "{err}");

    // Nor one it edited after the reporter created it.
    let w = s
        .save_value(&reporter(), &input("2023", "94"), None)
        .await
        .unwrap();
    let w = s
        .save_value(&coordinator, &input("2023", "94.5"), Some(w.version))
        .await
        .unwrap();
    let w = s.submit_value(&reporter(), w.id, w.version).await.unwrap();
    let err = s
        .approve_value(&coordinator, w.id, w.version)
        .await
        .unwrap_err();
    assert!(own_work(&err), "{err:?}");
    // Someone else approves both.
    s.approve_value(&reviewer(), v.id, v.version).await.unwrap();
    let w = s.approve_value(&reviewer(), w.id, w.version).await.unwrap();

    // A correction is the corrector's work.
    let c = s
        .correct_value(&coordinator, w.id, w.version, "94.8", "", "复核更正")
        .await
        .unwrap();
    let err = s
        .approve_value(&coordinator, c.id, c.version)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::State(_)), "{err:?}");

    // Task updates: the same rule.
    let t = s
        .save_task_update(&coordinator, &task_input(s, "2024"), None)
        .await
        .unwrap();
    let t = s
        .submit_task_update(&reporter(), t.id, t.version)
        .await
        .unwrap();
    let err = s
        .approve_task_update(&coordinator, t.id, t.version)
        .await
        .unwrap_err();
    assert!(own_work(&err), "{err:?}");
    s.approve_task_update(&reviewer(), t.id, t.version)
        .await
        .unwrap();
}

both_backends! {
    evidence_follows_the_lock_of_its_record => evidence_cannot_change_once_its_record_is_locked;
    authors_do_not_approve_their_own_work => nobody_approves_what_they_entered_or_edited;
}

both_backends! {
    value_workflow_draft_submit_return_resubmit_approve => a_value_goes_from_draft_to_approved_through_return_and_resubmission;
    approved_values_locked_and_corrections_are_new_versions => approved_values_are_locked_and_corrected_by_a_new_version_with_a_reason;
    closed_period_rejects_writes_and_reopen_needs_reason => a_closed_period_refuses_writes_until_reopened_with_a_reason;
    bad_input_changes_nothing => bad_input_is_refused_with_the_field_named_and_nothing_changes;
    task_updates_follow_the_review => task_updates_are_reviewed_like_values;
    evidence_content_addressed_and_size_limited => evidence_is_stored_once_by_content_and_limited_in_size;
}

async fn plan_and_catalogue_versions_are_stored_edited_and_audited(db: &TestDb) {
    let s = &db.store;
    let coordinator = Actor::cli("coordinator");
    let files = s.catalogue_files().await.unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["indicators", "2019", "2021", "2024"]);
    let f2024 = files.iter().find(|f| f.name == "2024").unwrap();

    // An edit is checked like a file load, versioned and audited.
    let text = s.catalogue_text("2024").await.unwrap();
    let edited = format!("{text}\n# 创建办核对：2024年版第14项以后待补\n");
    let err = s
        .put_catalogue_version(&coordinator, "2024", &edited, Some(f2024.version + 1))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    let err = s
        .put_catalogue_version(&coordinator, "2024", "[version\nid = ", Some(f2024.version))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Model(_)), "{err:?}");
    let updated = s
        .put_catalogue_version(&coordinator, "2024", &edited, Some(f2024.version))
        .await
        .unwrap();
    assert_eq!(updated.version, f2024.version + 1);
    assert_ne!(updated.sha256, f2024.sha256);

    // The default catalogue version is a setting; evaluation follows it.
    assert_eq!(s.model().catalogue_version, "2021");
    assert!(s.set_catalogue_version(&coordinator, "1999").await.is_err());
    s.set_catalogue_version(&coordinator, "2024").await.unwrap();
    let e = s
        .evaluation(2024, None, None, &ecociv_store::Selection::everything())
        .await
        .unwrap();
    assert_eq!(e.catalogue_version, "2024");

    // A plan is loaded as a new version and activated; the old one stays.
    let (name, text) = ecociv_core::builtin::PLAN;
    let reworded = text.replacen(
        "name = \"创建国家生态文明建设示范市工作实施方案\"",
        "name = \"创建国家生态文明建设示范市工作实施方案（修订）\"",
        1,
    );
    let v2 = s
        .load_plan(&coordinator, name, &reworded, true)
        .await
        .unwrap();
    assert!(v2.active);
    assert_eq!(
        s.model().plan.name,
        "创建国家生态文明建设示范市工作实施方案（修订）"
    );
    let versions = s.plan_versions().await.unwrap();
    assert_eq!(versions.len(), 2);
    assert!(!versions[0].active);
    let err = s
        .load_plan(&coordinator, "bad.toml", "[plan]\nid = 1", false)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Model(ref m) if m.to_string().contains("bad.toml")),
        "{err:?}"
    );
    s.activate_plan(&coordinator, versions[0].id).await.unwrap();
    assert_eq!(s.model().plan_version, versions[0].id);
    assert!(s.verify_audit().await.unwrap().is_ok());
}

async fn two_app_servers_on_one_database_agree(db: &TestDb) {
    // A second store on the same database is a second app server behind a load balancer.
    let a = &db.store;
    let b = ecociv_store::Store::open(&db.url, ecociv_store::StoreConfig::default())
        .await
        .unwrap();
    let before = b
        .evaluation(
            2024,
            None,
            Some("411700"),
            &ecociv_store::Selection::everything(),
        )
        .await
        .unwrap();
    let v = a
        .save_value(&reporter(), &input("2024", "95.5"), None)
        .await
        .unwrap();
    let v = a.submit_value(&reporter(), v.id, v.version).await.unwrap();
    a.approve_value(&reviewer(), v.id, v.version).await.unwrap();
    let after = b
        .evaluation(
            2024,
            None,
            Some("411700"),
            &ecociv_store::Selection::everything(),
        )
        .await
        .unwrap();
    assert!(after.generation > before.generation, "b sees a's writes");
    let r = after
        .evaluation
        .results
        .iter()
        .find(|r| r.indicator == "urban_sewage_treatment_rate")
        .unwrap();
    assert_eq!(r.value, Some(95.5));
    // A settings change on one server reaches the other's model.
    a.set_catalogue_version(&Actor::cli("coordinator"), "2024")
        .await
        .unwrap();
    assert_eq!(b.current_model().await.unwrap().catalogue_version, "2024");
    b.close().await;
}

both_backends! {
    plan_and_catalogue_versions => plan_and_catalogue_versions_are_stored_edited_and_audited;
    several_app_servers_stay_correct => two_app_servers_on_one_database_agree;
}
