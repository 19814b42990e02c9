//! Excel in, documents and open data out, over HTTP on both backends: a reporter's template →
//! filled programmatically → uploaded → drafts or submissions with provenance and audit events;
//! bad workbooks import nothing and return every cell error; the report, the completion table
//! and the open data package download with the right media types and content.

mod common;

#[path = "../../ecociv-report/tests/support/xlsx_edit.rs"]
mod xlsx_edit;

use std::io::{Cursor, Read};

use axum::http::Method;
use axum_test::TestResponse;
use axum_test::multipart::{MultipartForm, Part};
use calamine::{Data, Reader};
use common::TestApp;
use ecociv_core::{Period, ValueKind};
use ecociv_report::xlsx_template::{
    FIRST_DATA_ROW, Layout, Reporter, SHEET_INDICATORS, SHEET_TASKS, col,
};
use ecociv_store::testing::TestDb;
use ecociv_store::{Actor, both_backends_owned};
use ecociv_web::{AppState, WebConfig};
use serde_json::{Value, json};
use xlsx_edit::Xlsx;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const SEWAGE: &str = "urban_sewage_treatment_rate";

/// The layout of 市城市管理局's template (the `reporter` account's unit) for a period.
fn layout(app: &TestApp, period: Period) -> Layout {
    let model = app.db.store.model();
    Layout::new(
        &model.plan,
        model.catalogue.version(&model.catalogue_version),
        &Reporter::Unit("市城市管理局".into()),
        period,
    )
    .unwrap()
}

/// The Excel row (1-based) of an indicator line.
fn value_cell(i: usize) -> String {
    format!(
        "{}{}",
        char::from(b'A' + col::VALUE as u8),
        FIRST_DATA_ROW as usize + 1 + i
    )
}

/// Fills every indicator line with a valid value (95.5 for the city's sewage treatment rate)
/// and a comment, and the first task with its progress.
fn fill(bytes: &[u8], layout: &Layout) -> Vec<u8> {
    let mut x = Xlsx::open(bytes);
    for (i, l) in layout.indicators.iter().enumerate() {
        let cell = value_cell(i);
        if l.kind == ValueKind::YesNo {
            x.set(SHEET_INDICATORS, &cell, xlsx_edit::Value::Text("是"));
            continue;
        }
        let v = if l.indicator == SEWAGE && l.region == "411700" {
            95.5
        } else {
            match (l.min, l.max) {
                (Some(lo), Some(hi)) => (lo + hi) / 2.0,
                (Some(lo), None) => lo + 1.0,
                (None, Some(hi)) => hi - 1.0,
                (None, None) => 1.0,
            }
        };
        x.set(SHEET_INDICATORS, &cell, xlsx_edit::Value::Number(v));
        x.set(
            SHEET_INDICATORS,
            &format!("H{}", FIRST_DATA_ROW as usize + 1 + i),
            xlsx_edit::Value::Text("市城市管理局统计年报"),
        );
    }
    let row = FIRST_DATA_ROW + 1;
    x.set(
        SHEET_TASKS,
        &format!("F{row}"),
        xlsx_edit::Value::Text("推进中"),
    );
    x.set(
        SHEET_TASKS,
        &format!("G{row}"),
        xlsx_edit::Value::Number(60.0),
    );
    x.set(
        SHEET_TASKS,
        &format!("H{row}"),
        xlsx_edit::Value::Text("中心城区新建污水管网12公里。"),
    );
    x.set(
        SHEET_TASKS,
        &format!("I{row}"),
        xlsx_edit::Value::Text("管网竣工验收单.pdf"),
    );
    x.save()
}

/// Uploads a workbook as `who` with extra form fields.
async fn upload(app: &TestApp, who: &str, bytes: Vec<u8>, fields: &[(&str, &str)]) -> TestResponse {
    let mut form = MultipartForm::new().add_part(
        "file",
        Part::bytes(bytes)
            .file_name("市城市管理局_2024年_填报模板.xlsx")
            .mime_type(XLSX),
    );
    for (k, v) in fields {
        form = form.add_text(*k, *v);
    }
    app.request(Some(who), Method::POST, "/api/v1/import/xlsx")
        .multipart(form)
        .await
}

async fn template_of(app: &TestApp, who: &str, period: &str) -> Vec<u8> {
    let r = app
        .get(Some(who), &format!("/api/v1/templates/{period}"))
        .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    assert_eq!(r.header("content-type"), XLSX);
    let disposition = r.header("content-disposition");
    let disposition = disposition.to_str().unwrap();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("filename*=UTF-8''"),
        "{disposition}"
    );
    r.as_bytes().to_vec()
}

async fn values_of(app: &TestApp, period: &str) -> Vec<Value> {
    app.all_values(
        Some("coordinator"),
        &format!("/api/v1/values?indicator={SEWAGE}&region=411700&period={period}"),
    )
    .await
}

async fn a_filled_template_uploads_as_drafts_then_submissions_with_provenance(db: TestDb) {
    let app = TestApp::start(db).await;
    // Last period's approved value appears as 上期值.
    let v = app
        .draft("reporter", SEWAGE, "411700", "2023", "93.2")
        .await;
    let v = app.step("reporter", &v, "submit", json!({})).await;
    app.step("reviewer", &v, "approve", json!({})).await;

    let bytes = template_of(&app, "reporter", "2024").await;
    let l = layout(&app, Period::Year(2024));
    let i = l
        .indicators
        .iter()
        .position(|x| x.indicator == SEWAGE && x.region == "411700")
        .expect("市城市管理局 owes the sewage treatment rate");
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(&bytes)).unwrap();
    let sheet = wb.worksheet_range(SHEET_INDICATORS).unwrap();
    assert_eq!(
        sheet.get_value((FIRST_DATA_ROW + i as u32, u32::from(col::PREVIOUS))),
        Some(&Data::Float(93.2)),
        "上期值 from the approved 2023 value"
    );

    let filled = fill(&bytes, &l);
    let before = app.db.store.generation().await.unwrap();
    let r = upload(&app, "reporter", filled.clone(), &[]).await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    let done: Value = r.json();
    assert_eq!(done["status"], "draft");
    assert_eq!(done["values"], l.indicators.len());
    assert_eq!(done["values_created"], l.indicators.len());
    assert_eq!(done["tasks"], 1);
    assert_eq!(done["reporter"], "市城市管理局");
    assert_eq!(
        app.db.store.generation().await.unwrap(),
        before + 1,
        "one transaction"
    );

    let rows = values_of(&app, "2024").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row["value"], "95.5");
    assert_eq!(row["status"], "draft");
    assert_eq!(row["provenance"], "import");
    assert_eq!(row["comment"], "市城市管理局统计年报");
    assert_eq!(
        row["provenance_detail"],
        format!(
            "市城市管理局_2024年_填报模板.xlsx 指标填报!{}",
            value_cell(i)
        )
    );
    let tasks: Vec<Value> = app
        .get(Some("reporter"), "/api/v1/task-updates?period=2024")
        .await
        .json();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0]["percent"], 60);
    assert_eq!(tasks[0]["status"], "draft");
    assert_eq!(
        tasks[0]["narrative"],
        "中心城区新建污水管网12公里。\n佐证材料：管网竣工验收单.pdf"
    );

    // Audited: the import, and each row as it was created.
    let events: Vec<Value> = app
        .get(Some("coordinator"), "/api/v1/audit?limit=1000")
        .await
        .json();
    let import = events
        .iter()
        .find(|e| e["action"] == "import.workbook")
        .expect("an import event");
    assert_eq!(import["actor"], "reporter");
    assert_eq!(import["after"]["values_created"], l.indicators.len());
    assert!(
        events
            .iter()
            .any(|e| e["action"] == "value.create" && e["entity"] == format!("value:{}", row["id"]))
    );
    assert!(events.iter().any(|e| e["action"] == "task_update.create"));

    // The same workbook again, submitted this time (form field, as the page's checkbox sends).
    let r = upload(
        &app,
        "reporter",
        filled,
        &[("submit", "1"), ("period", "2024")],
    )
    .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    let done: Value = r.json();
    assert_eq!(done["status"], "submitted");
    assert_eq!(done["values_updated"], l.indicators.len());
    assert_eq!(values_of(&app, "2024").await[0]["status"], "submitted");
    let tasks: Vec<Value> = app
        .get(Some("reporter"), "/api/v1/task-updates?period=2024")
        .await
        .json();
    assert_eq!(tasks[0]["status"], "submitted");

    // A coordinator gets any unit's template by naming it; a reporter only its own.
    let r = app
        .get(Some("coordinator"), "/api/v1/templates/2024?unit=lyj")
        .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    let r = app.get(Some("coordinator"), "/api/v1/templates/2024").await;
    assert_eq!(r.status_code(), 422, "{}", r.text());
    let r = app
        .get(Some("reporter"), "/api/v1/templates/2024?unit=lyj")
        .await;
    assert_eq!(r.status_code(), 403, "{}", r.text());
    let r = app.get(Some("county"), "/api/v1/templates/2024Q3").await;
    assert_eq!(
        r.status_code(),
        200,
        "a county's quarterly template: {}",
        r.text()
    );
}

/// The cell errors of a refused upload.
fn cell_errors(r: &TestResponse) -> Vec<(String, String, String)> {
    assert_eq!(r.status_code(), 422, "{}", r.text());
    let body: Value = r.json();
    assert_eq!(body["code"], "import_rejected", "{body}");
    body["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["sheet"].as_str().unwrap().to_owned(),
                e["cell"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn a_bad_workbook_imports_nothing_and_returns_the_cell_errors(db: TestDb) {
    let app = TestApp::start(db).await;
    let bytes = template_of(&app, "reporter", "2024").await;
    let l = layout(&app, Period::Year(2024));
    let generation = app.db.store.generation().await.unwrap();

    // Text in a number cell, among valid ones.
    let mut x = Xlsx::open(&fill(&bytes, &l));
    x.set(
        SHEET_INDICATORS,
        &value_cell(0),
        xlsx_edit::Value::Text("约95"),
    );
    let r = upload(&app, "reporter", x.save(), &[]).await;
    assert_eq!(
        cell_errors(&r),
        [(
            SHEET_INDICATORS.to_owned(),
            value_cell(0),
            "not_a_number".to_owned()
        )]
    );
    let body: Value = r.json();
    assert!(body["message"].as_str().unwrap().contains("约95"), "{body}");

    // In progress without a share done: the store needs one.
    let mut x = Xlsx::open(&fill(&bytes, &l));
    x.set(
        SHEET_TASKS,
        &format!("G{}", FIRST_DATA_ROW + 1),
        xlsx_edit::Value::Text(""),
    );
    let r = upload(&app, "reporter", x.save(), &[]).await;
    assert_eq!(
        cell_errors(&r),
        [(
            SHEET_TASKS.to_owned(),
            format!("G{}", FIRST_DATA_ROW + 1),
            "missing_percent".to_owned()
        )]
    );

    // Another unit's reporter, another period.
    let r = upload(&app, "forestry", fill(&bytes, &l), &[]).await;
    assert_eq!(
        cell_errors(&r),
        [(String::new(), String::new(), "wrong_reporter".to_owned())]
    );
    let r = upload(&app, "reporter", fill(&bytes, &l), &[("period", "2025")]).await;
    assert_eq!(
        cell_errors(&r),
        [(String::new(), String::new(), "wrong_period".to_owned())]
    );
    // Not a workbook at all.
    let r = upload(&app, "reporter", b"indicator,region\n".to_vec(), &[]).await;
    assert_eq!(cell_errors(&r)[0].2, "not_a_workbook");
    assert_eq!(
        app.db.store.generation().await.unwrap(),
        generation,
        "nothing was written"
    );

    // The workflow rules, at the cells: a closed period refuses every row.
    let r = app
        .post(
            Some("coordinator"),
            "/api/v1/periods/2024/close",
            json!({"version": 0, "reason": "年度数据已上报"}),
        )
        .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    let generation = app.db.store.generation().await.unwrap();
    let r = upload(&app, "reporter", fill(&bytes, &l), &[]).await;
    let errors = cell_errors(&r);
    assert_eq!(errors.len(), l.indicators.len() + 1, "{errors:?}");
    assert!(errors.iter().all(|(_, _, code)| code == "workflow"));
    assert_eq!(errors[0].1, value_cell(0));
    assert!(r.text().contains("已关闭"), "{}", r.text());
    assert_eq!(app.db.store.generation().await.unwrap(), generation);
    assert!(values_of(&app, "2024").await.is_empty());

    // CSRF: a signed-in multipart upload needs the token, as header or form field.
    let c = &app.clients["reporter"];
    let form =
        || MultipartForm::new().add_part("file", Part::bytes(fill(&bytes, &l)).file_name("t.xlsx"));
    let r = app
        .server
        .post("/api/v1/import/xlsx")
        .add_header(
            "cookie",
            c.cookie.parse::<axum::http::HeaderValue>().unwrap(),
        )
        .multipart(form())
        .await;
    assert_eq!(r.status_code(), 403, "{}", r.text());
    assert_eq!(r.json::<Value>()["code"], "csrf");
    let r = app
        .server
        .post("/api/v1/import/xlsx")
        .add_header(
            "cookie",
            c.cookie.parse::<axum::http::HeaderValue>().unwrap(),
        )
        .multipart(form().add_text("csrf_token", c.csrf.clone()))
        .await;
    assert_eq!(
        r.status_code(),
        422,
        "the token passes, the closed period refuses: {}",
        r.text()
    );

    // Over the body limit: 413 before anything is read.
    let r = upload(&app, "reporter", vec![b'x'; 2 * 1024 * 1024], &[]).await;
    assert_eq!(r.status_code(), 413, "{}", r.text());
}

/// A CJK-font renderer, or a loud skip (a failure under `ECOCIV_REQUIRE_TOOLS`).
fn renderer() -> Option<ecociv_report::chart::PngRenderer> {
    let dir = std::env::var_os("ECOCIV_FONT_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| ecociv_report::chart::DEFAULT_FONT_DIR.into());
    match ecociv_report::chart::PngRenderer::from_font_dir(&dir) {
        Ok(r) => Some(r),
        Err(e) => {
            assert!(
                std::env::var_os("ECOCIV_REQUIRE_TOOLS").is_none_or(|v| v == "0"),
                "ECOCIV_REQUIRE_TOOLS is set but there is no CJK font: {e}"
            );
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "\nSKIPPED: the Word report download (no CJK font: {e})\n"
            );
            None
        }
    }
}

fn zip_part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

async fn the_report_and_the_completion_table_download_from_the_database(db: TestDb) {
    db.store.load_demo().await.unwrap();
    let font = renderer();
    let state = AppState::new(
        db.store.clone(),
        WebConfig {
            login_burst: 1000,
            ..WebConfig::default()
        },
    );
    let state = match &font {
        Some(r) => state.with_renderer(Ok(r.clone())),
        None => state,
    };
    let app = TestApp::start_with_state(db, state).await;

    let r = app
        .get(Some("viewer"), "/reports/2025/completion.xlsx")
        .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    assert_eq!(r.header("content-type"), XLSX);
    assert!(
        r.header("content-disposition")
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"completion-2025.xlsx\"")
    );
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(r.as_bytes().to_vec())).unwrap();
    let name = wb.sheet_names()[0].clone();
    let sheet = wb.worksheet_range(&name).unwrap();
    let text: String = sheet
        .rows()
        .flatten()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join("|");
    assert!(text.contains("指标完成情况表（2025年）"), "{text:.300}");
    assert!(text.contains("示例数据"), "demo data says so");
    assert!(text.contains("城镇污水处理率"));
    assert!(text.contains("待审核"), "submitted demo values are marked");

    let r = app
        .get(Some("reporter"), "/reports/2025/completion.xlsx")
        .await;
    assert_eq!(r.status_code(), 403);
    let r = app.get(None, "/reports/2025/self-assessment.docx").await;
    assert_eq!(r.status_code(), 401);
    let r = app
        .get(Some("coordinator"), "/reports/1900/completion.xlsx")
        .await;
    assert_eq!(r.status_code(), 422, "{}", r.text());

    let r = app
        .get(Some("coordinator"), "/reports/2025/self-assessment.docx")
        .await;
    if font.is_none() {
        assert_eq!(r.status_code(), 503, "{}", r.text());
        return;
    }
    assert_eq!(r.status_code(), 200, "{}", r.text());
    assert_eq!(r.header("content-type"), DOCX);
    let bytes = r.as_bytes().to_vec();
    docx_rs::read_docx(&bytes).expect("docx-rs opens the report");
    let body = zip_part(&bytes, "word/document.xml");
    for expected in [
        "2025年度自评估报告",
        "示例数据",
        "一、总体情况",
        "四、重点任务推进情况",
        "（待审核）示例数据",
    ] {
        assert!(body.contains(expected), "the report lacks “{expected}”");
    }
    let media = zip::ZipArchive::new(Cursor::new(&bytes))
        .unwrap()
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| n.starts_with("word/media/") && n.ends_with(".png"))
        .count();
    assert!(media >= 6, "charts embedded as PNG: {media}");
}

async fn without_a_cjk_font_the_report_is_503_and_the_rest_works(db: TestDb) {
    let state = AppState::new(
        db.store.clone(),
        WebConfig {
            login_burst: 1000,
            ..WebConfig::default()
        },
    )
    .with_renderer(ecociv_report::chart::PngRenderer::from_font_dir(
        std::path::Path::new("/nonexistent"),
    ));
    let app = TestApp::start_with_state(db, state).await;
    let r = app
        .get(Some("coordinator"), "/reports/2024/self-assessment.docx")
        .await;
    assert_eq!(r.status_code(), 503);
    let body: Value = r.json();
    assert_eq!(body["code"], "fonts_missing");
    assert!(
        body["message"].as_str().unwrap().contains("fonts-noto-cjk"),
        "{body}"
    );
    let r = app
        .get(Some("coordinator"), "/reports/2024/completion.xlsx")
        .await;
    assert_eq!(r.status_code(), 200);
}

/// CSV rows (after the header) of a response, as maps by column name.
fn csv_rows(r: &TestResponse) -> Vec<std::collections::HashMap<String, String>> {
    let text = r.text();
    let text = text.trim_start_matches('\u{feff}');
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let headers = rd.headers().unwrap().clone();
    rd.records()
        .map(|rec| {
            headers
                .iter()
                .zip(rec.unwrap().iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

async fn open_data_holds_only_published_approved_values_at_stable_urls(db: TestDb) {
    db.store.load_demo().await.unwrap();
    // Withdraw one indicator; leave a submitted value in a published year.
    let coordinator = Actor::cli("coordinator");
    db.store
        .set_indicator_published(&coordinator, "forest_coverage", false)
        .await
        .unwrap();
    let app = TestApp::start(db).await;

    let index: Value = app.get(None, "/open-data").await.json();
    assert_eq!(index["latest"], 2024, "{index}");
    assert_eq!(index["years"][0], 2019);

    let r = app.get(None, "/open-data/2024/datapackage.json").await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    assert_eq!(r.header("content-type"), "application/json");
    assert_eq!(r.header("access-control-allow-origin"), "*");
    assert_eq!(
        r.header("content-disposition"),
        "inline; filename=\"datapackage.json\""
    );
    let descriptor: Value = r.json();
    let listed: Vec<String> = descriptor["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|res| res["path"].as_str().unwrap().to_owned())
        .collect();
    let files: Vec<String> = index["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .filter(|f| f != "datapackage.json")
        .collect();
    assert_eq!(
        listed.iter().collect::<std::collections::BTreeSet<_>>(),
        files.iter().collect(),
        "the descriptor lists every file served"
    );
    for res in descriptor["resources"].as_array().unwrap() {
        let path = res["path"].as_str().unwrap();
        let r = app.get(None, &format!("/open-data/2024/{path}")).await;
        assert_eq!(r.status_code(), 200, "{path}: {}", r.text());
        let media = r.header("content-type");
        let media = media.to_str().unwrap();
        if path.ends_with(".csv") {
            assert_eq!(media, "text/csv; charset=utf-8");
            assert_eq!(
                r.header("content-disposition").to_str().unwrap(),
                format!("attachment; filename=\"{path}\"")
            );
        } else {
            assert_eq!(media, "application/json");
        }
    }

    // values.csv: approved values of published indicators in published periods only.
    let r = app.get(None, "/open-data/2024/values.csv").await;
    let rows = csv_rows(&r);
    assert!(rows.len() > 100, "{} rows", rows.len());
    let store = &app.db.store;
    let approved: std::collections::HashSet<(String, String, String)> = store
        .values(&ecociv_store::ValueFilter {
            status: Some(ecociv_store::WorkflowStatus::Approved),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|v| (v.indicator, v.region, v.period))
        .collect();
    let published: Vec<String> = store.published_indicators().await.unwrap();
    let (ind_col, reg_col, year_col) = ("indicator", "region", "year");
    for row in &rows {
        let key = (
            row[ind_col].clone(),
            row[reg_col].clone(),
            row[year_col].clone(),
        );
        assert!(approved.contains(&key), "not an approved value: {key:?}");
        assert!(published.contains(&row[ind_col]), "{key:?}");
        assert!(row[year_col].as_str() <= "2024", "{key:?}");
    }
    assert!(rows.iter().all(|r| r[ind_col] != "forest_coverage"));
    assert!(
        csv_rows(&app.get(None, "/open-data/2024/indicators.csv").await)
            .iter()
            .all(|r| r[ind_col] != "forest_coverage"),
        "a withdrawn indicator is not published"
    );

    // The year not yet published, an unknown file; the latest alias.
    let r = app.get(None, "/open-data/2025/values.csv").await;
    assert_eq!(r.status_code(), 404, "{}", r.text());
    assert!(r.text().contains("尚未公开"), "{}", r.text());
    let r = app.get(None, "/open-data/2024/secrets.csv").await;
    assert_eq!(r.status_code(), 404);
    let r = app.get(None, "/open-data/latest/values.csv").await;
    assert_eq!(r.status_code(), 307);
    assert_eq!(r.header("location"), "/open-data/2024/values.csv");
}

both_backends_owned! {
    upload => a_filled_template_uploads_as_drafts_then_submissions_with_provenance;
    bad_workbooks => a_bad_workbook_imports_nothing_and_returns_the_cell_errors;
    reports => the_report_and_the_completion_table_download_from_the_database;
    fonts_missing => without_a_cjk_font_the_report_is_503_and_the_rest_works;
    open_data => open_data_holds_only_published_approved_values_at_stable_urls;
}
