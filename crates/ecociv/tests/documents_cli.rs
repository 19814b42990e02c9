//! The document commands on the database, their default source: `ecociv report`, `export
//! completion`, `export open-data`, `template` and `import xlsx`, through the real binary, on
//! SQLite and PostgreSQL. The acceptance test of issue 7 is here too: after `ecociv init --demo`,
//! `ecociv report --year 2025 --out r.docx` gives a report LibreOffice converts, with the
//! expected headings and figures in the PDF text.

#[path = "../../ecociv-report/tests/support/xlsx_edit.rs"]
mod xlsx_edit;

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ecociv_store::testing::TestDb;
use ecociv_store::{TaskUpdateFilter, ValueFilter, WorkflowStatus, both_backends_owned};
use xlsx_edit::{Value, Xlsx};

fn ecociv(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecociv"))
        .current_dir(dir)
        .args(args)
        .env_remove("ECOCIV_PLAN")
        .env_remove("ECOCIV_CATALOGUE_VERSION")
        .env_remove("ECOCIV_FONT_DIR")
        .env_remove("ECOCIV_DATABASE")
        .env("USER", "tester")
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = ecociv(dir, args);
    assert!(o.status.success(), "ecociv {args:?} failed:\n{}", text(&o));
    text(&o)
}

fn fails(dir: &Path, args: &[&str]) -> String {
    let o = ecociv(dir, args);
    assert!(
        !o.status.success(),
        "ecociv {args:?} should fail:\n{}",
        text(&o)
    );
    text(&o)
}

/// Reports a missing tool: a panic under `ECOCIV_REQUIRE_TOOLS`, else a loud skip. Returns
/// normally only when the test should be skipped.
fn skip(what: &str) {
    if std::env::var_os("ECOCIV_REQUIRE_TOOLS").is_some_and(|v| v != "0") {
        panic!("ECOCIV_REQUIRE_TOOLS is set but {what}");
    }
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "\n=====================================================================\n\
         SKIPPED: {what}\n\
         (install it to run this test; CI installs it and sets ECOCIV_REQUIRE_TOOLS=1)\n\
         ====================================================================="
    );
}

fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// The CJK font directory, or `None` after a loud skip.
fn font_dir() -> Option<String> {
    let dir = std::env::var("ECOCIV_FONT_DIR")
        .unwrap_or_else(|_| ecociv_report::chart::DEFAULT_FONT_DIR.to_owned());
    match ecociv_report::chart::PngRenderer::from_font_dir(Path::new(&dir)) {
        Ok(_) => Some(dir),
        Err(e) => {
            skip(&format!(
                "no CJK font ({e}); apt-get install fonts-noto-cjk"
            ));
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

#[test]
fn the_report_of_the_demo_database_converts_with_libreoffice_and_reads_right() {
    let (Some(soffice), Some(pdftotext)) = (
        which("soffice").or_else(|| which("libreoffice")),
        which("pdftotext"),
    ) else {
        skip(
            "LibreOffice or pdftotext is not installed: apt-get install libreoffice-writer-nogui poppler-utils",
        );
        return;
    };
    let Some(fonts) = font_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["init", "--demo"]);
    // The acceptance command, with the default database (sqlite:ecociv.db) and font directory.
    let out = Command::new(env!("CARGO_BIN_EXE_ecociv"))
        .current_dir(d)
        .args(["report", "--year", "2025", "--out", "r.docx"])
        .env_remove("ECOCIV_DATABASE")
        .env_remove("ECOCIV_PLAN")
        .env("ECOCIV_FONT_DIR", &fonts)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("数据来源：数据库 sqlite:ecociv.db"), "{said}");
    assert!(said.contains("2025年度自评估报告"), "{said}");

    let profile = d.join("profile");
    let o = Command::new(&soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(d)
        .arg(d.join("r.docx"))
        .output()
        .expect("soffice runs");
    let pdf = d.join("r.pdf");
    assert!(
        o.status.success() && pdf.exists(),
        "LibreOffice failed: {}",
        text(&o)
    );
    if let Some(keep) = std::env::var_os("ECOCIV_TEST_ARTIFACTS") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(&pdf, Path::new(&keep).join("report-from-database.pdf")).unwrap();
    }
    let o = Command::new(&pdftotext)
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let pdf_text: String = String::from_utf8_lossy(&o.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for expected in [
        "2025年度自评估报告",
        "示例数据（非真实数据）",
        "一、总体情况",
        "二、分领域指标完成情况",
        "（一）生态制度",
        "三、未达标及有风险指标",
        "四、重点任务推进情况",
        "附件指标完成情况表",
        // From the database: submitted demo values count as pending, and so do task updates.
        "待审核",
        "（待审核）示例数据",
        "环境空气质量优良天数比例74.2%",
        "图1",
        "表1",
    ] {
        assert!(
            pdf_text.contains(expected),
            "the PDF text lacks “{expected}”:\n{}",
            pdf_text.chars().take(3000).collect::<String>()
        );
    }
}

#[test]
fn the_database_source_is_explicit_and_refuses_what_it_cannot_honour() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // No database yet: say how to get one instead of reporting on an empty new file.
    let said = fails(
        d,
        &["export", "completion", "--year", "2025", "--out", "c.xlsx"],
    );
    assert!(said.contains("ecociv init"), "{said}");
    assert!(!d.join("ecociv.db").exists(), "no empty database created");
    let said = fails(
        d,
        &[
            "export",
            "completion",
            "--year",
            "2025",
            "--out",
            "c.xlsx",
            "--database",
            "sqlite:x.db",
            "--values",
            "v.csv",
        ],
    );
    assert!(said.contains("--values"), "{said}");
    let said = fails(
        d,
        &[
            "report",
            "--year",
            "2025",
            "--out",
            "r.docx",
            "--progress",
            "t.xlsx",
        ],
    );
    assert!(
        said.contains("--values"),
        "--progress belongs to the CSV source: {said}"
    );

    ok(d, &["init", "--demo"]);
    let said = fails(d, &["export", "open-data", "--year", "2025", "--out", "od"]);
    assert!(said.contains("2025年的数据尚未公开"), "{said}");
    assert!(said.contains("2019–2024年"), "{said}");
    // ECOCIV_DATABASE names the database when --database is not given.
    let o = Command::new(env!("CARGO_BIN_EXE_ecociv"))
        .current_dir(d)
        .args(["export", "completion", "--year", "2024", "--out", "c.xlsx"])
        .env("ECOCIV_DATABASE", "sqlite:elsewhere.db")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(text(&o).contains("elsewhere.db"), "{}", text(&o));
}

async fn reports_and_exports_read_the_database(db: TestDb) {
    db.store.load_demo().await.unwrap();
    let head = db.store.audit_head().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_owned();
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        let said = ok(
            &d,
            &[
                "export",
                "completion",
                "--year",
                "2025",
                "--out",
                "c.xlsx",
                "--database",
                &url,
            ],
        );
        assert!(said.contains("指标完成情况表（2025年）"), "{said}");
        assert!(said.contains("示例数据"), "{said}");
        let sheet = zip_part(
            &std::fs::read(d.join("c.xlsx")).unwrap(),
            "xl/sharedStrings.xml",
        );
        assert!(sheet.contains("待审核"), "submitted values are marked");

        ok(
            &d,
            &[
                "export",
                "open-data",
                "--year",
                "2024",
                "--out",
                "od",
                "--date",
                "2026-01-15",
                "--database",
                &url,
            ],
        );
        let desc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("od/datapackage.json")).unwrap()).unwrap();
        assert_eq!(desc["created"], "2026-01-15T00:00:00Z");
        for res in desc["resources"].as_array().unwrap() {
            let path = res["path"].as_str().unwrap();
            assert!(d.join("od").join(path).exists(), "{path}");
        }
        let values = std::fs::read_to_string(d.join("od/values.csv")).unwrap();
        assert!(values.lines().count() > 100);
        assert!(
            !values.lines().any(|l| l.contains(",2025,")),
            "2025 is not published"
        );

        let said = ok(
            &d,
            &[
                "template",
                "--unit",
                "市城市管理局",
                "--period",
                "2025",
                "--out",
                "t.xlsx",
                "--database",
                &url,
            ],
        );
        assert!(said.contains("市城市管理局2025年填报模板"), "{said}");

        let Some(fonts) = font_dir() else {
            return;
        };
        let said = ok(
            &d,
            &[
                "report",
                "--year",
                "2025",
                "--out",
                "r.docx",
                "--date",
                "2026-01-15",
                "--database",
                &url,
                "--font-dir",
                &fonts,
            ],
        );
        assert!(said.contains("2025年度自评估报告"), "{said}");
        let body = zip_part(
            &std::fs::read(d.join("r.docx")).unwrap(),
            "word/document.xml",
        );
        assert!(
            body.contains("（待审核）示例数据"),
            "task progress from the database"
        );
        assert!(body.contains("2026年1月"), "the date on the cover");
        assert!(
            body.contains(&format!("审计链头 {head}")),
            "the audit head on the cover"
        );
    })
    .await
    .unwrap();
}

/// The 1-based Excel row of the i-th data row (rows start at 5).
fn row(i: usize) -> usize {
    5 + i
}

async fn import_xlsx_writes_a_filled_template_into_the_workflow(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_owned();
    let url = db.url.clone();
    let generation = db.store.generation().await.unwrap();
    let (d2, url2) = (d.clone(), url.clone());
    tokio::task::spawn_blocking(move || {
        let (d, url) = (d2, url2);
        ok(
            &d,
            &[
                "template",
                "--unit",
                "市城市管理局",
                "--period",
                "2024",
                "--out",
                "t.xlsx",
                "--database",
                &url,
            ],
        );
        let bytes = std::fs::read(d.join("t.xlsx")).unwrap();
        // The first indicator and the first task; the rest stays blank.
        let mut x = Xlsx::open(&bytes);
        x.set("指标填报", &format!("G{}", row(0)), Value::Number(95.5));
        x.set(
            "指标填报",
            &format!("H{}", row(0)),
            Value::Text("市城市管理局统计年报"),
        );
        x.set("任务进展", &format!("F{}", row(0)), Value::Text("已完成"));
        std::fs::write(d.join("filled.xlsx"), x.save()).unwrap();
        // A bad one: text in a number cell.
        x.set("指标填报", &format!("G{}", row(1)), Value::Text("约95"));
        std::fs::write(d.join("bad.xlsx"), x.save()).unwrap();

        // The dry run needs no database and writes nothing.
        let said = ok(&d, &["import", "xlsx", "filled.xlsx", "--check"]);
        assert!(said.contains("校验通过"), "{said}");
        let said = fails(&d, &["import", "xlsx", "bad.xlsx", "--check"]);
        assert!(said.contains(&format!("G{}", row(1))), "{said}");
        let said = fails(&d, &["import", "xlsx", "bad.xlsx", "--database", &url]);
        assert!(said.contains("未导入任何数据"), "{said}");
        assert!(said.contains("约95"), "{said}");

        let said = ok(&d, &["import", "xlsx", "filled.xlsx", "--database", &url]);
        assert!(
            said.contains(
                "指标值 1 条（新建 1，更新 0），任务进展 1 条（新建 1，更新 0），状态：草稿"
            ),
            "{said}"
        );
        assert!(said.contains("未填写"), "{said}");
        let said = ok(
            &d,
            &[
                "import",
                "xlsx",
                "filled.xlsx",
                "--submit",
                "--database",
                &url,
            ],
        );
        assert!(said.contains("状态：待审核"), "{said}");
        // Waiting for review now: a third import is refused at the cells.
        let said = fails(&d, &["import", "xlsx", "filled.xlsx", "--database", &url]);
        assert!(said.contains(&format!("G{}", row(0))), "{said}");
        assert!(said.contains("审核"), "{said}");
    })
    .await
    .unwrap();

    let s = &db.store;
    assert_eq!(
        s.generation().await.unwrap(),
        generation + 2,
        "two imports, one transaction each; the refused ones wrote nothing"
    );
    let values = s.values(&ValueFilter::default()).await.unwrap();
    assert_eq!(values.len(), 1, "{values:?}");
    assert_eq!(values[0].value, "95.5");
    assert_eq!(values[0].status, WorkflowStatus::Submitted);
    assert_eq!(values[0].comment, "市城市管理局统计年报");
    assert_eq!(
        values[0].provenance_detail,
        format!("filled.xlsx 指标填报!G{}", row(0))
    );
    assert_eq!(values[0].updated_by, "cli:tester");
    let tasks = s.task_updates(&TaskUpdateFilter::default()).await.unwrap();
    assert_eq!(
        (tasks.len(), tasks[0].percent, tasks[0].status),
        (1, 100, WorkflowStatus::Submitted),
        "已完成 without a share is 100 %"
    );
    assert!(s.verify_audit().await.unwrap().is_ok());
}

both_backends_owned! {
    reports_and_exports => reports_and_exports_read_the_database;
    import_xlsx => import_xlsx_writes_a_filled_template_into_the_workflow;
}
