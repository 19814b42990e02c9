//! Workbook imports on both backends: values and task progress written in one transaction as
//! drafts or submissions, with provenance and audit events; any refused row (closed period,
//! locked approval, value waiting for review, outside the scope, against the plan) and nothing
//! is written. Also the evaluation inputs documents are made from.

use ecociv_store::testing::TestDb;
use ecociv_store::{
    Actor, AuditFilter, Selection, StoreError, TaskState, TaskUpdateFilter, ValueFilter,
    ValueInput, WorkbookImport, WorkbookOptions, WorkbookTask, WorkbookValue, WorkflowStatus,
    both_backends,
};

const SEWAGE: &str = "urban_sewage_treatment_rate";
const FILE: &str = "市城市管理局_2024年_填报模板.xlsx";

fn reporter() -> Actor {
    Actor::cli("reporter")
}

fn value(period: &str, v: f64, cell: &str) -> WorkbookValue {
    WorkbookValue {
        indicator: SEWAGE.into(),
        region: "411700".into(),
        period: period.into(),
        value: v,
        comment: "市城市管理局统计年报".into(),
        sheet: "指标填报".into(),
        cell: cell.into(),
    }
}

fn task(period: &str, percent: i64) -> WorkbookTask {
    WorkbookTask {
        task: 24,
        unit: "cgj".into(),
        period: period.into(),
        progress: TaskState::InProgress,
        percent,
        narrative: "新建污水管网12公里。\n佐证材料：管网竣工验收单.pdf".into(),
        sheet: "任务进展".into(),
        cell: "F5".into(),
    }
}

fn book(values: Vec<WorkbookValue>, tasks: Vec<WorkbookTask>) -> WorkbookImport {
    WorkbookImport {
        file: FILE.into(),
        reporter: "市城市管理局".into(),
        period: "2024".into(),
        values,
        tasks,
    }
}

async fn a_workbook_lands_as_drafts_with_provenance_and_audit_events(db: &TestDb) {
    let s = &db.store;
    let before = s.generation().await.unwrap();
    let summary = s
        .import_workbook(
            &reporter(),
            &book(vec![value("2024", 95.5, "G5")], vec![task("2024", 60)]),
            &WorkbookOptions::unrestricted(),
        )
        .await
        .unwrap();
    assert_eq!(summary.status, WorkflowStatus::Draft);
    assert_eq!(
        (summary.values_created, summary.values_updated),
        (1, 0),
        "{summary:?}"
    );
    assert_eq!((summary.tasks_created, summary.tasks_updated), (1, 0));
    assert_eq!(s.generation().await.unwrap(), before + 1, "one transaction");

    let v = &s
        .values(&ValueFilter {
            indicator: Some(SEWAGE.into()),
            period: Some("2024".into()),
            ..ValueFilter::default()
        })
        .await
        .unwrap()[0];
    assert_eq!(v.value, "95.5");
    assert_eq!(v.status, WorkflowStatus::Draft);
    assert_eq!(v.comment, "市城市管理局统计年报");
    assert_eq!(v.provenance, ecociv_store::Provenance::Import);
    assert_eq!(v.provenance_detail, format!("{FILE} 指标填报!G5"));
    let t = &s.task_updates(&TaskUpdateFilter::default()).await.unwrap()[0];
    assert_eq!(
        (t.task, t.unit.as_str(), t.percent, t.status),
        (24, "cgj", 60, WorkflowStatus::Draft)
    );

    // Each row and the import itself are in the audit log, and the chain verifies.
    let events = s
        .audit_events(&AuditFilter {
            limit: Some(10),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    for a in ["import.workbook", "value.create", "task_update.create"] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let import = events
        .iter()
        .find(|e| e.action == "import.workbook")
        .unwrap();
    assert_eq!(import.entity, format!("import:{FILE}"));
    assert_eq!(import.after.as_ref().unwrap()["values_created"], 1);
    assert!(s.verify_audit().await.unwrap().is_ok());

    // A second upload of the same workbook updates the drafts, now submitting them.
    let mut opts = WorkbookOptions::unrestricted();
    opts.submit = true;
    let summary = s
        .import_workbook(
            &reporter(),
            &book(vec![value("2024", 96.0, "G5")], vec![task("2024", 70)]),
            &opts,
        )
        .await
        .unwrap();
    assert_eq!(
        (
            summary.values_updated,
            summary.tasks_updated,
            summary.status
        ),
        (1, 1, WorkflowStatus::Submitted)
    );
    let v2 = s.value(v.id).await.unwrap();
    assert_eq!(
        (v2.value.as_str(), v2.status, v2.version),
        ("96", WorkflowStatus::Submitted, 2)
    );
    let reviews = s.reviews("value", v.id).await.unwrap();
    assert_eq!(reviews.last().unwrap().action, "submit");
    let t2 = s.task_update(t.id).await.unwrap();
    assert_eq!((t2.percent, t2.status), (70, WorkflowStatus::Submitted));
    assert_eq!(
        s.reviews("task_update", t.id)
            .await
            .unwrap()
            .last()
            .unwrap()
            .action,
        "submit"
    );

    // Now they wait for review: a third upload is refused at the cells, and changes nothing.
    let before = s.generation().await.unwrap();
    let err = s
        .import_workbook(
            &reporter(),
            &book(vec![value("2024", 97.0, "G5")], vec![task("2024", 80)]),
            &WorkbookOptions::unrestricted(),
        )
        .await
        .unwrap_err();
    let StoreError::Workbook(report) = err else {
        panic!("{err:?}")
    };
    let cells: Vec<(&str, &str, &str)> = report
        .errors
        .iter()
        .map(|e| (e.sheet.as_str(), e.cell.as_str(), e.code))
        .collect();
    assert_eq!(
        cells,
        [
            ("指标填报", "G5", "workflow"),
            ("任务进展", "F5", "workflow")
        ]
    );
    assert!(
        report.errors[0].message.contains("城镇污水处理率")
            && report.errors[0].message.contains("审核"),
        "{}",
        report.errors[0]
    );
    assert_eq!(s.generation().await.unwrap(), before);
    assert_eq!(s.value(v.id).await.unwrap().value, "96");
}

async fn one_refused_row_and_nothing_is_written(db: &TestDb) {
    let s = &db.store;
    // An approved 2022 value is locked; 2021 is closed.
    let a = s
        .save_value(
            &reporter(),
            &ValueInput {
                indicator: SEWAGE.into(),
                region: "411700".into(),
                period: "2022".into(),
                value: "93".into(),
                comment: String::new(),
                provenance: ecociv_store::Provenance::Form,
                provenance_detail: String::new(),
            },
            None,
        )
        .await
        .unwrap();
    let a = s.submit_value(&reporter(), a.id, a.version).await.unwrap();
    s.approve_value(&Actor::cli("reviewer"), a.id, a.version)
        .await
        .unwrap();
    s.close_period(&Actor::cli("coordinator"), "2021", "已上报", 0)
        .await
        .unwrap();
    let before = s.generation().await.unwrap();
    let events_before = s.audit_events(&AuditFilter::default()).await.unwrap().len();

    let err = s
        .import_workbook(
            &reporter(),
            &book(
                vec![
                    value("2024", 95.0, "G5"),
                    value("2022", 94.0, "G6"),
                    value("2021", 92.0, "G7"),
                ],
                vec![task("2024", 50)],
            ),
            &WorkbookOptions::unrestricted(),
        )
        .await
        .unwrap_err();
    let StoreError::Workbook(report) = err else {
        panic!("{err:?}")
    };
    let cells: Vec<&str> = report.errors.iter().map(|e| e.cell.as_str()).collect();
    assert_eq!(cells, ["G6", "G7"], "{:?}", report.errors);
    assert!(
        report.errors[0].message.contains("锁定"),
        "{}",
        report.errors[0]
    );
    assert!(
        report.errors[1].message.contains("已关闭"),
        "{}",
        report.errors[1]
    );
    assert_eq!(report.file, FILE);

    // The valid 2024 value and the task row were rolled back with them.
    assert_eq!(s.generation().await.unwrap(), before);
    assert_eq!(
        s.audit_events(&AuditFilter::default()).await.unwrap().len(),
        events_before
    );
    assert!(
        s.values(&ValueFilter {
            period: Some("2024".into()),
            ..ValueFilter::default()
        })
        .await
        .unwrap()
        .is_empty()
    );
    assert!(
        s.task_updates(&TaskUpdateFilter::default())
            .await
            .unwrap()
            .is_empty()
    );

    // The scope is checked before anything is written, row by row.
    let opts = WorkbookOptions {
        submit: false,
        values: Box::new(|_, region| region == "411727"),
        units: Box::new(|unit| unit == "lyj"),
    };
    let err = s
        .import_workbook(
            &reporter(),
            &book(vec![value("2024", 95.0, "G5")], vec![task("2024", 50)]),
            &opts,
        )
        .await
        .unwrap_err();
    let StoreError::Workbook(report) = err else {
        panic!("{err:?}")
    };
    let codes: Vec<&str> = report.errors.iter().map(|e| e.code).collect();
    assert_eq!(codes, ["forbidden", "forbidden"]);

    // Against the plan: a value out of range, a unit that does not take part in the task.
    let mut bad_task = task("2024", 50);
    bad_task.unit = "lyj".into();
    let err = s
        .import_workbook(
            &reporter(),
            &book(vec![value("2024", 120.0, "G5")], vec![bad_task]),
            &WorkbookOptions::unrestricted(),
        )
        .await
        .unwrap_err();
    let StoreError::Workbook(report) = err else {
        panic!("{err:?}")
    };
    assert_eq!(report.errors.len(), 2, "{:?}", report.errors);
    assert!(report.errors.iter().all(|e| e.code == "invalid"));
    assert_eq!(s.generation().await.unwrap(), before);
}

async fn evaluation_inputs_mark_pending_values_and_keep_unpublished_ones_from_the_public(
    db: &TestDb,
) {
    let s = &db.store;
    let mut opts = WorkbookOptions::unrestricted();
    opts.submit = true;
    s.import_workbook(
        &reporter(),
        &book(vec![value("2024", 95.5, "G5")], Vec::new()),
        &opts,
    )
    .await
    .unwrap();
    let internal = s.evaluation_inputs(&Selection::everything()).await.unwrap();
    let plan = &internal.model.plan;
    let (i, r) = (
        plan.indicator_position(SEWAGE).unwrap(),
        plan.region_position("411700").unwrap(),
    );
    let series = internal.values.series(i, r);
    assert_eq!(series.len(), 1);
    assert_eq!(series[0].state, ecociv_core::ValueState::Pending);
    assert_eq!(
        series[0].source.as_deref(),
        Some(format!("{FILE} 指标填报!G5").as_str())
    );
    let eval = internal.evaluate(2024, None).unwrap();
    assert_eq!(eval.year, 2024);
    assert!(internal.evaluate(1990, None).is_err(), "outside the plan");

    let public = s.evaluation_inputs(&public_selection()).await.unwrap();
    assert!(public.values.is_empty(), "nothing approved or published");
}

both_backends! {
    drafts_and_submissions => a_workbook_lands_as_drafts_with_provenance_and_audit_events;
    all_or_nothing => one_refused_row_and_nothing_is_written;
    evaluation_inputs => evaluation_inputs_mark_pending_values_and_keep_unpublished_ones_from_the_public;
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
