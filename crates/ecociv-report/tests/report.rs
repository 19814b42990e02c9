//! The annual self-assessment report: its structure (snapshot), the Word package (fonts, header
//! rows, alt texts), and its conversion to PDF by LibreOffice with the expected headings and
//! figures in the PDF text.

mod support;

use std::io::Read;
use std::process::Command;
use std::time::{Duration, Instant};

use ecociv_core::evaluate::Options;
use ecociv_core::{AssignedSet, Catalogue, Evaluation, Period, Plan, ValueSet, builtin, demo};
use ecociv_report::docx::{self, Block, ReportInput, ReportMeta};
use ecociv_report::{Date, History, TaskProgress, TaskState};

struct Demo {
    catalogue: Catalogue,
    plan: Plan,
    eval: Evaluation,
    history: History,
    progress: Vec<TaskProgress>,
}

fn demo_inputs() -> Demo {
    let catalogue = builtin::catalogue().unwrap();
    let plan = builtin::plan(&catalogue).unwrap();
    let d = demo::generate(&plan, &catalogue);
    let values = ValueSet::new(d.observations);
    let eval = ecociv_core::evaluate(
        &plan,
        &catalogue,
        &values,
        &AssignedSet::new(d.assigned),
        &Options {
            year: 2025,
            ..Options::default()
        },
    )
    .unwrap();
    let history = History::from_values(&plan, &values);
    let progress = vec![
        TaskProgress {
            task: 24,
            unit: "市城市管理局".into(),
            period: Period::Year(2025),
            state: TaskState::InProgress,
            percent: Some(80.0),
            narrative: "中心城区新建污水管网12公里，第二污水处理厂提标改造完成主体工程。".into(),
            evidence: vec!["管网竣工验收单.pdf".into()],
        },
        TaskProgress {
            task: 24,
            unit: "市城市管理局".into(),
            period: Period::Year(2024),
            state: TaskState::InProgress,
            percent: Some(50.0),
            narrative: "较早的报告，应被2025年的取代。".into(),
            evidence: vec![],
        },
        TaskProgress {
            task: 1,
            unit: "市生态环境局".into(),
            period: Period::Year(2025),
            state: TaskState::Completed,
            percent: Some(100.0),
            narrative: "实施方案已印发并组织实施。".into(),
            evidence: vec![],
        },
    ];
    Demo {
        catalogue,
        plan,
        eval,
        history,
        progress,
    }
}

fn input(d: &Demo) -> ReportInput<'_> {
    ReportInput {
        plan: &d.plan,
        catalogue: &d.catalogue,
        evaluation: &d.eval,
        history: &d.history,
        progress: &d.progress,
        meta: ReportMeta {
            organisation: "驻马店市生态文明建设示范市创建工作领导小组办公室".into(),
            date: Date::new(2026, 1, 15).unwrap(),
            audit_head: None,
        },
    }
}

#[test]
fn the_report_structure_matches_the_snapshot() {
    let d = demo_inputs();
    let outline = docx::outline(&input(&d)).unwrap();
    insta::assert_snapshot!(outline.structure());
}

#[test]
fn the_outline_words_progress_flags_and_demo_data() {
    let d = demo_inputs();
    let outline = docx::outline(&input(&d)).unwrap();
    assert!(outline.demo, "demo values are recognised as such");
    let text: Vec<String> = outline
        .parts
        .iter()
        .flat_map(|p| &p.blocks)
        .flat_map(|b| match b {
            Block::Paragraph { text, .. } | Block::Heading { text, .. } => vec![text.clone()],
            Block::Table(t) => t
                .rows
                .iter()
                .flat_map(|r| r.iter().map(|c| c.text.clone()))
                .collect(),
            _ => vec![],
        })
        .collect();
    let all = text.join("\n");
    assert!(
        all.contains("示例数据（非真实数据）"),
        "the cover warns about demo data"
    );
    // The latest report of a task wins; units without a report say so.
    assert!(all.contains("2025年：中心城区新建污水管网12公里"));
    assert!(!all.contains("较早的报告"));
    assert!(all.contains("未报送"));
    // A missed indicator with its explanation and the responsible department.
    assert!(
        all.contains("环境空气质量优良天数比例（驻马店市）：未达标"),
        "{all}"
    );
    assert!(all.contains("责任单位：市生态环境局。"));
}

/// Unzips one part of a package.
fn part(docx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut s = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("no {name}"))
        .read_to_string(&mut s)
        .unwrap();
    s
}

#[test]
fn the_word_package_declares_chinese_fonts_header_rows_and_alt_texts() {
    let Some(renderer) = support::renderer() else {
        return;
    };
    let d = demo_inputs();
    let input = input(&d);
    let outline = docx::outline(&input).unwrap();
    let bytes = docx::render(&outline, &input.meta, &renderer).unwrap();
    support::keep("report.docx", &bytes);

    let blocks: Vec<&Block> = outline.parts.iter().flat_map(|p| &p.blocks).collect();
    let tables = blocks
        .iter()
        .filter(|b| matches!(b, Block::Table(_)))
        .count();
    let figures = blocks
        .iter()
        .filter(|b| matches!(b, Block::Figure(_)))
        .count();
    let headings = blocks
        .iter()
        .filter(|b| matches!(b, Block::Heading { .. }))
        .count();

    let doc = part(&bytes, "word/document.xml");
    assert_eq!(doc.matches("<w:tbl>").count(), tables);
    assert_eq!(
        doc.matches("<w:tblHeader />").count(),
        tables,
        "every table repeats its header"
    );
    assert_eq!(doc.matches("<w:drawing>").count(), figures);
    assert_eq!(doc.matches(r#"<w:pStyle w:val="Heading"#).count(), headings);
    for n in 1..=figures {
        assert!(
            doc.contains(&format!(r#"<wp:docPr id="{n}" name="图{n}" descr=""#)),
            "image {n} has a unique id and alt text"
        );
    }
    assert!(!doc.contains(r#"descr="""#), "no empty alt text");
    assert!(
        doc.contains(r#"w:orient="landscape""#),
        "the annex is landscape"
    );
    assert!(
        doc.contains(r#"<w:pgNumType w:start="1" />"#),
        "pages count from the body"
    );

    let fonts = part(&bytes, "word/fontTable.xml");
    assert!(fonts.contains(r#"<w:font w:name="SimSun"><w:altName w:val="宋体"/>"#));
    assert!(fonts.contains(r#"<w:charset w:val="86"/>"#));
    let styles = part(&bytes, "word/styles.xml");
    assert!(styles.contains(r#"w:eastAsia="zh-CN""#));
    assert!(styles.contains(r#"w:eastAsia="SimSun""#));
    assert!(
        styles.contains(r#"w:eastAsia="SimHei""#),
        "headings in 黑体"
    );
    let core = part(&bytes, "docProps/core.xml");
    assert!(
        core.contains("<dc:title>驻马店市国家生态文明建设示范市创建2025年度自评估报告</dc:title>")
    );
    assert!(
        core.contains("2026-01-15T00:00:00Z"),
        "dated by the caller, not the clock"
    );

    // docx-rs reads its own output back.
    docx_rs::read_docx(&bytes).expect("a well-formed package");
}

/// Runs a command with a time limit; `None` when it could not be started.
fn run(cmd: &mut Command, limit: Duration) -> Option<std::process::Output> {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    let start = Instant::now();
    loop {
        if child.try_wait().ok()?.is_some() {
            return child.wait_with_output().ok();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("{cmd:?} took longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_report_converts_to_pdf_with_libreoffice_and_reads_right() {
    let Some(soffice) = support::which("soffice").or_else(|| support::which("libreoffice")) else {
        support::skip(
            "LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui",
        );
        return;
    };
    let Some(pdftotext) = support::which("pdftotext") else {
        support::skip("pdftotext is not installed: apt-get install poppler-utils");
        return;
    };
    let Some(renderer) = support::renderer() else {
        return;
    };
    let d = demo_inputs();
    let input = input(&d);
    let bytes = docx::report(&input, &renderer).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let docx_path = dir.path().join("report.docx");
    std::fs::write(&docx_path, &bytes).unwrap();
    // A private profile, so that a LibreOffice already running elsewhere does not interfere.
    let profile = dir.path().join("profile");
    let out = run(
        Command::new(&soffice)
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.display()
            ))
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(dir.path())
            .arg(&docx_path),
        Duration::from_secs(300),
    )
    .expect("soffice runs");
    let pdf = dir.path().join("report.pdf");
    assert!(
        out.status.success() && pdf.exists(),
        "LibreOffice failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    support::keep("report.pdf", &std::fs::read(&pdf).unwrap());

    let text = run(
        Command::new(&pdftotext).arg(&pdf).arg("-"),
        Duration::from_secs(60),
    )
    .expect("pdftotext runs");
    // pdftotext breaks lines where the page does; compare without whitespace.
    let text: String = String::from_utf8_lossy(&text.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for expected in [
        "国家生态文明建设示范市创建",
        "2025年度自评估报告",
        "示例数据（非真实数据）",
        "一、总体情况",
        "二、分领域指标完成情况",
        "（一）生态制度",
        "（六）生态文化",
        "三、未达标及有风险指标",
        "四、重点任务推进情况",
        "附件指标完成情况表",
        // Readiness, a missed indicator with its value and target, and a progress report.
        "21项适用的约束性指标中19项达标",
        "环境空气质量优良天数比例74.2%",
        "中心城区新建污水管网12公里",
        "图1",
        "表1",
    ] {
        assert!(
            text.contains(expected),
            "the PDF text lacks “{expected}”:\n{}",
            &text[..text.len().min(3000)]
        );
    }
    // The Chinese text is set in an embedded CJK face, not in boxes.
    if let Some(pdffonts) = support::which("pdffonts") {
        let fonts = run(Command::new(pdffonts).arg(&pdf), Duration::from_secs(60)).unwrap();
        let fonts = String::from_utf8_lossy(&fonts.stdout);
        assert!(fonts.contains("CJK"), "no CJK font embedded:\n{fonts}");
    }
    if let Some(pdfinfo) = support::which("pdfinfo") {
        let info = run(Command::new(pdfinfo).arg(&pdf), Duration::from_secs(60)).unwrap();
        let info = String::from_utf8_lossy(&info.stdout);
        let pages: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0);
        assert!(pages >= 15, "cover, body and annex: {pages} pages");
    }
}

#[test]
fn the_same_inputs_give_the_same_document() {
    let Some(renderer) = support::renderer() else {
        return;
    };
    let d = demo_inputs();
    let input = input(&d);
    let a = docx::report(&input, &renderer).unwrap();
    let b = docx::report(&input, &renderer).unwrap();
    if a != b {
        support::keep("same-a.docx", &a);
        support::keep("same-b.docx", &b);
    }
    assert!(a == b, "two renders of the same input differ");
}

#[test]
fn before_the_milestone_the_report_states_the_annual_change_still_needed() {
    let mut d = demo_inputs();
    let values = {
        let dm = demo::generate(&d.plan, &d.catalogue);
        (
            ValueSet::new(dm.observations),
            AssignedSet::new(dm.assigned),
        )
    };
    d.eval = ecociv_core::evaluate(
        &d.plan,
        &d.catalogue,
        &values.0,
        &values.1,
        &Options {
            year: 2024,
            ..Options::default()
        },
    )
    .unwrap();
    let outline = docx::outline(&input(&d)).unwrap();
    let paragraphs: Vec<&str> = outline
        .parts
        .iter()
        .flat_map(|p| &p.blocks)
        .filter_map(|b| match b {
            Block::Paragraph { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let needed: Vec<&&str> = paragraphs
        .iter()
        .filter(|t| t.starts_with("仍需：至2025年达到"))
        .collect();
    assert!(!needed.is_empty(), "no 仍需 paragraph in {paragraphs:#?}");
    assert!(
        needed
            .iter()
            .any(|t| t.contains("需年均") && t.contains("按近")),
        "{needed:#?}"
    );
    // Charts stop at the reported year (the history holds 2025 too); the forecast goes on.
    let alts: Vec<&str> = outline
        .parts
        .iter()
        .flat_map(|p| &p.blocks)
        .filter_map(|b| match b {
            Block::Figure(f) if f.alt.contains("历年数值：") => Some(f.alt.as_str()),
            _ => None,
        })
        .collect();
    assert!(!alts.is_empty());
    for alt in alts {
        let values = alt.split("；").next().unwrap();
        assert!(
            values.contains("2024年") && !values.contains("2025年"),
            "{alt}"
        );
    }
}
