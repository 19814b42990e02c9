//! The report, template, import and export commands, run as a user runs them: demo data first,
//! then each command in a scratch directory.

use std::path::Path;
use std::process::{Command, Output};

fn ecociv(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecociv"))
        .current_dir(dir)
        .args(args)
        .env_remove("ECOCIV_PLAN")
        .env_remove("ECOCIV_CATALOGUE_VERSION")
        .env_remove("ECOCIV_FONT_DIR")
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

fn with_demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["demo"]);
    dir
}

#[test]
fn a_template_is_generated_and_checked_and_refused_for_another_unit() {
    let dir = with_demo();
    let d = dir.path();
    let out = ok(
        d,
        &[
            "template",
            "--unit",
            "市水利局",
            "--period",
            "2025",
            "--out",
            "t.xlsx",
            "--date",
            "2026-01-15",
        ],
    );
    assert!(out.contains("市水利局2025年填报模板"), "{out}");
    assert!(d.join("t.xlsx").exists());

    let out = ok(
        d,
        &[
            "import",
            "xlsx",
            "t.xlsx",
            "--check",
            "--unit",
            "市水利局",
            "--period",
            "2025",
        ],
    );
    assert!(out.contains("校验通过"), "{out}");
    assert!(
        out.contains("未填写"),
        "an empty template is all blank: {out}"
    );

    let o = ecociv(
        d,
        &["import", "xlsx", "t.xlsx", "--check", "--unit", "市林业局"],
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("这是市水利局的模板，当前应上传市林业局的模板"),
        "{}",
        text(&o)
    );

    let o = ecociv(d, &["import", "xlsx", "t.xlsx"]);
    assert!(
        !o.status.success(),
        "--check is required until the store is wired in"
    );
}

#[test]
fn a_county_template_takes_a_name_or_a_code() {
    let dir = with_demo();
    let out = ok(
        dir.path(),
        &[
            "template",
            "--region",
            "汝南县",
            "--period",
            "2025Q3",
            "--out",
            "c.xlsx",
        ],
    );
    assert!(out.contains("汝南县2025年第3季度填报模板"), "{out}");
    let o = ecociv(
        dir.path(),
        &["template", "--period", "2025", "--out", "x.xlsx"],
    );
    assert!(!o.status.success(), "a unit or a region is required");
}

#[test]
fn the_completion_table_and_open_data_are_exported() {
    let dir = with_demo();
    let d = dir.path();
    let out = ok(
        d,
        &["export", "completion", "--year", "2025", "--out", "c.xlsx"],
    );
    assert!(out.contains("指标完成情况表（2025年）"), "{out}");
    assert!(std::fs::metadata(d.join("c.xlsx")).unwrap().len() > 5_000);

    ok(
        d,
        &[
            "export",
            "open-data",
            "--year",
            "2025",
            "--out",
            "od",
            "--date",
            "2026-01-15",
        ],
    );
    for f in [
        "datapackage.json",
        "indicators.csv",
        "values.csv",
        "status.csv",
        "data.json",
    ] {
        assert!(d.join("od").join(f).exists(), "{f}");
    }
    let desc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("od/datapackage.json")).unwrap()).unwrap();
    assert_eq!(desc["created"], "2026-01-15T00:00:00Z");
}

#[test]
fn the_report_needs_a_cjk_font_and_says_so() {
    let dir = with_demo();
    let o = ecociv(
        dir.path(),
        &[
            "report",
            "--year",
            "2025",
            "--out",
            "r.docx",
            "--font-dir",
            "/nonexistent",
        ],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("fonts-noto-cjk"), "{}", text(&o));
    assert!(
        !dir.path().join("r.docx").exists(),
        "no label-less report is written"
    );
}

#[test]
fn the_report_is_written_from_the_demo_data() {
    let font_dir = std::env::var("ECOCIV_FONT_DIR")
        .unwrap_or_else(|_| ecociv_report::chart::DEFAULT_FONT_DIR.to_owned());
    if ecociv_report::chart::PngRenderer::from_font_dir(Path::new(&font_dir)).is_err() {
        assert!(
            std::env::var_os("ECOCIV_REQUIRE_TOOLS").is_none(),
            "ECOCIV_REQUIRE_TOOLS is set but there is no CJK font in {font_dir}"
        );
        // The stderr handle itself: the harness captures only the print macros.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "\nSKIPPED: no CJK font in {font_dir} (apt-get install fonts-noto-cjk)\n"
        );
        return;
    }
    let dir = with_demo();
    // Task progress comes from filled templates; an unfilled one contributes nothing.
    ok(
        dir.path(),
        &[
            "template",
            "--unit",
            "市水利局",
            "--period",
            "2025",
            "--out",
            "t.xlsx",
        ],
    );
    let out = ok(
        dir.path(),
        &[
            "report",
            "--year",
            "2025",
            "--out",
            "r.docx",
            "--date",
            "2026-01-15",
            "--font-dir",
            &font_dir,
            "--progress",
            "t.xlsx",
        ],
    );
    assert!(
        out.contains("读取 t.xlsx：市水利局 的 0 条任务进展"),
        "{out}"
    );
    assert!(out.contains("2025年度自评估报告"), "{out}");
    assert!(out.contains("示例数据"), "{out}");
    let bytes = std::fs::read(dir.path().join("r.docx")).unwrap();
    assert_eq!(&bytes[..2], b"PK", "a zip package");
}
