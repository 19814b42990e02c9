//! In English, no Chinese appears outside the official names, the plan's texts, the national
//! standard's wording and the explanations: every page of every role is read with `?lang=en`,
//! those texts are taken out, and what is left must hold no Han character. Errors (a refused
//! form, a 403, a 404, a JSON error) are read in English too.

mod common;

use std::collections::BTreeSet;

use common::TestApp;
use ecociv_store::testing::TestDb;
use serde_json::{Value, json};

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// The official and quoted texts a page may show as they are, longest first (so a name inside
/// a longer text goes with it).
async fn official_texts(app: &TestApp) -> Vec<String> {
    let model = app.db.store.current_model().await.unwrap();
    let plan = &model.plan;
    let mut out: BTreeSet<String> = BTreeSet::new();
    out.insert(plan.name.clone());
    for i in &plan.indicators {
        out.insert(i.name.clone());
        out.insert(i.definition.clone());
        out.insert(i.unit.as_str().to_owned());
        if let Some(o) = &i.owner {
            out.insert(o.clone());
        }
    }
    for u in &plan.units {
        out.insert(u.name.clone());
    }
    for r in &plan.regions {
        out.insert(r.name.clone());
    }
    for t in &plan.tasks {
        out.insert(t.title.clone());
        out.insert(t.text.clone());
        out.extend(t.lead.iter().cloned());
        out.extend(t.participants.iter().cloned());
        for g in &t.targets {
            out.insert(g.quote.clone());
            let ind = plan.indicator(&g.indicator).unwrap();
            out.insert(
                g.threshold
                    .text_zh(ind.direction, ind.unit.as_str(), plan.base_year),
            );
        }
    }
    for g in &plan.goals {
        out.insert(g.text.clone());
        out.extend(g.items.iter().cloned());
    }
    for v in &model.catalogue.versions {
        out.insert(v.title.clone());
        out.insert(v.document.clone());
        for r in &v.rows {
            for s in [&r.name, &r.printed, &r.source, &r.note, &r.domain] {
                out.insert(s.clone());
            }
            if let Some(item) = &r.item {
                out.insert(item.clone());
            }
        }
    }
    // What evaluation writes: explanations and threshold wording, in every region and year.
    for year in 2019..=2025 {
        let e: Value = app
            .get(Some("coordinator"), &format!("/api/v1/evaluation/{year}"))
            .await
            .json();
        for r in e["results"].as_array().unwrap() {
            for p in ["explanation", "name", "region_name"] {
                out.insert(r[p].as_str().unwrap_or("").to_owned());
            }
            for part in ["target", "national"] {
                for p in ["text", "explanation", "name", "printed"] {
                    out.insert(r[part][p].as_str().unwrap_or("").to_owned());
                }
            }
        }
    }
    // What people typed (demo data: comments, reasons, narratives) and what the store keeps
    // about sources.
    let values: Vec<Value> = app
        .all_values(Some("coordinator"), "/api/v1/values?history=true")
        .await;
    for v in &values {
        for p in [
            "comment",
            "return_reason",
            "correction_reason",
            "provenance_detail",
        ] {
            out.insert(v[p].as_str().unwrap_or("").to_owned());
        }
    }
    let updates: Vec<Value> = app
        .get(Some("coordinator"), "/api/v1/task-updates")
        .await
        .json();
    for u in &updates {
        for p in ["narrative", "return_reason"] {
            out.insert(u[p].as_str().unwrap_or("").to_owned());
        }
    }
    let users: Vec<Value> = app.get(Some("admin"), "/api/v1/users").await.json();
    for u in &users {
        out.insert(u["display_name"].as_str().unwrap_or("").to_owned());
    }
    let assigned: Vec<Value> = app
        .get(Some("coordinator"), "/api/v1/assigned-targets")
        .await
        .json();
    for a in &assigned {
        out.insert(a["document"].as_str().unwrap_or("").to_owned());
    }
    out.insert(ecociv_core::demo::DEMO_SOURCE.to_owned());
    // The switch to Chinese is written in Chinese, as language switches are.
    out.insert("中文".to_owned());
    // Who did what: the names the audit log records (the demo's actor among them).
    let events: Vec<Value> = app
        .get(Some("coordinator"), "/api/v1/audit?limit=1000")
        .await
        .json();
    for e in &events {
        out.insert(e["actor"].as_str().unwrap_or("").to_owned());
    }
    let mut v: Vec<String> = out.into_iter().filter(|s| s.chars().any(is_han)).collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    v
}

/// The page's visible text (tags and attribute-less markup dropped), HTML entities decoded.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut in_script = false;
    let lower = html.to_lowercase();
    let mut i = 0;
    let bytes: Vec<char> = html.chars().collect();
    let _ = lower;
    while i < bytes.len() {
        let c = bytes[i];
        if c == '<' {
            let rest: String = bytes[i..bytes.len().min(i + 8)].iter().collect();
            if rest.starts_with("<svg") || rest.starts_with("<script") {
                in_script = true;
            }
            if rest.starts_with("</svg") || rest.starts_with("</script") {
                in_script = false;
            }
            in_tag = true;
        } else if c == '>' {
            in_tag = false;
            out.push(' ');
        } else if !in_tag && !in_script {
            out.push(c);
        }
        i += 1;
    }
    out.replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

fn leftover_han(page: &str, official: &[String]) -> Vec<String> {
    let mut text = text_of(page);
    for o in official {
        text = text.replace(o.as_str(), " ");
    }
    let mut found = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if is_han(chars[i]) {
            let start = i.saturating_sub(12);
            let from = i;
            while i < chars.len() && is_han(chars[i]) {
                i += 1;
            }
            let end = (i + 12).min(chars.len());
            let run: String = chars[from..i].iter().collect();
            let around: String = chars[start..end]
                .iter()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            found.push(format!("{run} in “{around}”"));
        } else {
            i += 1;
        }
    }
    found
}

async fn english_pages_hold_no_interface_chinese(db: TestDb) {
    db.store.load_demo().await.unwrap();
    let app = TestApp::start(db).await;
    let official = official_texts(&app).await;
    let pages: Vec<(&str, String)> = vec![
        ("coordinator", "/?year=2025".into()),
        ("coordinator", "/indicators?year=2025".into()),
        ("coordinator", "/indicators?year=2025&region=all".into()),
        ("coordinator", "/indicators/ei?year=2025".into()),
        (
            "coordinator",
            "/indicators/air_good_days_ratio?year=2025".into(),
        ),
        ("coordinator", "/tasks?period=2025".into()),
        ("coordinator", "/tasks?period=2025&by=unit".into()),
        ("coordinator", "/tasks/12".into()),
        ("coordinator", "/report?period=2025&unit=sthjj".into()),
        ("coordinator", "/report?period=2025&region=411702".into()),
        ("coordinator", "/review".into()),
        ("coordinator", "/audit".into()),
        ("coordinator", "/admin".into()),
        ("coordinator", "/admin/plan".into()),
        ("coordinator", "/admin/targets".into()),
        ("coordinator", "/admin/periods".into()),
        ("admin", "/admin/users".into()),
        ("reporter", "/report?period=2025".into()),
        ("reviewer", "/review".into()),
        ("viewer", "/?year=2024".into()),
        ("viewer", "/indicators/nonexistent".into()),
        ("reporter", "/admin".into()),
        ("auditor", "/audit?verify=1".into()),
        ("coordinator", "/account/password".into()),
    ];
    let mut problems = Vec::new();
    for (who, path) in &pages {
        let sep = if path.contains('?') { '&' } else { '?' };
        let page = app
            .get(Some(who), &format!("{path}{sep}lang=en"))
            .await
            .text();
        for f in leftover_han(&page, &official) {
            problems.push(format!("{who} {path}: …{f}…"));
        }
    }
    for path in [
        "/public?lang=en",
        "/public/indicators/ei?year=2024&lang=en",
        "/login?lang=en",
    ] {
        let page = app.get(None, path).await.text();
        for f in leftover_han(&page, &official) {
            problems.push(format!("anonymous {path}: …{f}…"));
        }
    }
    // A refused form in English: an out-of-range value, shown beside its field.
    let r = app
        .request(
            Some("coordinator"),
            axum::http::Method::POST,
            "/report/value?lang=en",
        )
        .form(&[
            ("indicator", "urban_sewage_treatment_rate"),
            ("region", "411700"),
            ("period", "2025"),
            ("value", "130"),
            ("action", "save"),
            ("ctx_unit", "cgj"),
        ])
        .add_header(
            "cookie",
            axum::http::HeaderValue::from_str(&format!(
                "{}; lang=en",
                app.clients["coordinator"].cookie
            ))
            .unwrap(),
        )
        .await;
    for f in leftover_han(&r.text(), &official) {
        problems.push(format!("refused form: …{f}…"));
    }
    // JSON errors in English.
    for (who, body, path) in [
        (None, json!({}), "/api/v1/values?lang=en"),
        (
            Some("viewer"),
            json!({"indicator": "ei", "region": "411700", "period": "2025", "value": "60"}),
            "/api/v1/values?lang=en",
        ),
        (
            Some("reporter"),
            json!({"indicator": "nope", "region": "411700", "period": "2025", "value": "60"}),
            "/api/v1/values?lang=en",
        ),
    ] {
        let r = app.post(who, path, body).await;
        let m = r.json::<Value>()["message"].as_str().unwrap().to_owned();
        for f in leftover_han(&m, &official) {
            problems.push(format!("{path}: …{f}…"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} places with interface Chinese in English mode:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

ecociv_store::both_backends_owned! {
    english => english_pages_hold_no_interface_chinese;
}
