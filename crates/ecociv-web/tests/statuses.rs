//! The statuses a reader sees cannot disagree (issue: one definition of a status): with the demo
//! data, every surface (the JSON evaluation, the indicator list and its filters, the detail
//! headline, the dashboard's tiles and risk list, the public portal, the completion table and
//! the Word report's tables) lists the same indicators under each status, and the dashboard's
//! binding counts are exactly the lists behind their links. 生态环境状况指数 (EI, 56.1 against
//! the binding national 平原地区≥60, plan target ≥55) is the case that used to differ.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;

use calamine::Reader;
use common::TestApp;
use ecociv_app::{App, Caller};
use ecociv_core::Status;
use ecociv_store::both_backends_owned;
use ecociv_store::testing::TestDb;
use serde_json::Value;

const YEAR: i32 = 2025;
const CITY: &str = "411700";

/// The status of a page's `status-<class>` span.
fn status_of_class(class: &str) -> Status {
    match class {
        "met" => Status::Met,
        "at-risk" => Status::AtRisk,
        "not-met" => Status::NotMet,
        "no-data" => Status::NoData,
        "pending" => Status::Pending,
        "na" => Status::NotApplicable,
        other => panic!("unknown status class {other}"),
    }
}

fn key(s: Status) -> &'static str {
    match s {
        Status::Met => "met",
        Status::AtRisk => "at_risk",
        Status::NotMet => "not_met",
        Status::NoData => "no_data",
        Status::Pending => "pending",
        Status::NotApplicable => "not_applicable",
    }
}

/// The first `status-<class>` after `from` in `html`.
fn first_status(html: &str) -> Option<Status> {
    let at = html.find("class=\"status status-")? + "class=\"status status-".len();
    let class: String = html[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    Some(status_of_class(&class))
}

/// (indicator code, overall status) of every row of the indicator list.
fn list_rows(html: &str) -> Vec<(String, Status)> {
    let Some(start) = html.find("<table id=\"ind-table\">") else {
        return Vec::new();
    };
    let body = &html[start
        ..html[start..]
            .find("</table>")
            .map_or(html.len(), |e| start + e)];
    body.split("<tr>")
        .skip(2)
        .filter_map(|row| {
            let at = row.find("href=\"/indicators/")? + "href=\"/indicators/".len();
            let code: String = row[at..].chars().take_while(|c| *c != '?').collect();
            // The status column comes after the value column; the first status span of the row
            // is the overall one (the plan and national ones follow in their columns).
            let status = first_status(row)?;
            Some((code, status))
        })
        .collect()
}

async fn evaluation(app: &TestApp, who: Option<&str>, year: i32) -> Value {
    let r = app
        .get(who, &format!("/api/v1/evaluation/{year}?region={CITY}"))
        .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    r.json()
}

fn status_field(v: &Value) -> Status {
    Status::parse(v.as_str().unwrap()).unwrap()
}

async fn the_statuses_of_every_surface_agree(db: TestDb) {
    db.store.load_demo().await.unwrap();
    let database = db.store.clone();
    let app = TestApp::start(db).await;
    let who = Some("coordinator");

    // The JSON evaluation: the overall status, and the national one of binding rows.
    let e = evaluation(&app, who, YEAR).await;
    let results = e["results"].as_array().unwrap();
    let overall: BTreeMap<String, Status> = results
        .iter()
        .map(|r| {
            (
                r["indicator"].as_str().unwrap().to_owned(),
                status_field(&r["status"]),
            )
        })
        .collect();
    let binding: BTreeMap<String, Status> = results
        .iter()
        .filter(|r| r["national"]["binding"] == true)
        .map(|r| {
            (
                r["indicator"].as_str().unwrap().to_owned(),
                status_field(&r["national"]["status"]),
            )
        })
        .collect();

    // EI: the plan target is met, the binding national threshold is not, so it is not met,
    // with both shown and the reason said.
    let ei = results.iter().find(|r| r["indicator"] == "ei").unwrap();
    assert_eq!(ei["status"], "not_met");
    assert_eq!(ei["target"]["status"], "met");
    assert_eq!(ei["national"]["status"], "not_met");
    assert_eq!(ei["target_laxer_than_national"], true);
    let why = ei["explanation"].as_str().unwrap();
    assert!(
        why.contains("低于国家约束性指标") && why.contains("不等于达到国家标准"),
        "{why}"
    );

    // The indicator list shows each indicator with the same status, and each status filter
    // lists exactly the indicators the evaluation gives that status.
    let page = app
        .get(who, &format!("/indicators?year={YEAR}"))
        .await
        .text();
    let rows: BTreeMap<String, Status> = list_rows(&page).into_iter().collect();
    assert_eq!(rows, overall, "the list and the evaluation agree");
    for s in Status::ALL {
        let listed: BTreeSet<String> = list_rows(
            &app.get(who, &format!("/indicators?year={YEAR}&status={}", key(s)))
                .await
                .text(),
        )
        .into_iter()
        .map(|(c, _)| c)
        .collect();
        let expected: BTreeSet<String> = overall
            .iter()
            .filter(|(_, st)| **st == s)
            .map(|(c, _)| c.clone())
            .collect();
        assert_eq!(listed, expected, "status={}", key(s));
    }

    // The dashboard's binding tiles count exactly what their links list, which is what the
    // readiness of the evaluation counts.
    let dash = app
        .get(who, &format!("/?year={YEAR}"))
        .await
        .text()
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    for s in [
        Status::Met,
        Status::AtRisk,
        Status::NotMet,
        Status::NoData,
        Status::Pending,
    ] {
        let href = format!(
            "/indicators?year={YEAR}&status={}&attribute=binding",
            key(s)
        );
        let at = dash.find(&href).unwrap_or_else(|| panic!("tile {href}"));
        let count: usize = dash[at..]
            .split("tile-count\">")
            .nth(1)
            .and_then(|t| t.split('<').next())
            .and_then(|n| n.trim().parse().ok())
            .unwrap();
        let listed: BTreeSet<String> = list_rows(
            &app.get(
                who,
                &format!(
                    "/indicators?year={YEAR}&status={}&attribute=binding",
                    key(s)
                ),
            )
            .await
            .text(),
        )
        .into_iter()
        .map(|(c, _)| c)
        .collect();
        let expected: BTreeSet<String> = binding
            .iter()
            .filter(|(_, st)| **st == s)
            .map(|(c, _)| c.clone())
            .collect();
        assert_eq!(listed, expected, "binding status={}", key(s));
        assert_eq!(count, listed.len(), "tile {} counts its list", key(s));
        assert_eq!(
            e["readiness"]["binding"][key(s)].as_u64().unwrap() as usize,
            count,
            "readiness {}",
            key(s)
        );
    }
    assert!(
        binding.get("ei") == Some(&Status::NotMet),
        "EI is a binding indicator not met"
    );

    // The risk list and every detail headline say the same.
    let risks = &dash[dash.find("class=\"risks\"").expect("risk list")..];
    let risks = &risks[..risks.find("</ol>").unwrap()];
    let mut listed_risks = 0;
    for item in risks.split("<li>").skip(1) {
        let at = item.find("href=\"/indicators/").unwrap() + "href=\"/indicators/".len();
        let code: String = item[at..].chars().take_while(|c| *c != '?').collect();
        assert_eq!(
            Some(&first_status(item).unwrap()),
            overall.get(&code),
            "{code}"
        );
        listed_risks += 1;
    }
    assert!(listed_risks > 0);
    assert!(
        risks.contains("/indicators/ei?"),
        "EI is at risk of failing the title"
    );
    for code in overall.keys() {
        let page = app
            .get(
                who,
                &format!("/indicators/{code}?year={YEAR}&region={CITY}"),
            )
            .await
            .text();
        let head = &page[page.find("id=\"h-status\"").unwrap()..];
        assert_eq!(first_status(head).as_ref(), overall.get(code), "{code}");
    }

    // The completion table: each national row's 达标情况 is its indicator's overall status.
    let r = app
        .get(who, &format!("/reports/{YEAR}/completion.xlsx"))
        .await;
    assert_eq!(r.status_code(), 200);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(r.as_bytes().to_vec())).unwrap();
    let sheet = wb.worksheet_range(&wb.sheet_names()[0].clone()).unwrap();
    let cat = ecociv_core::builtin::catalogue().unwrap();
    let version = cat
        .version(e["readiness"]["catalogue_version"].as_str().unwrap())
        .unwrap();
    let by_name: BTreeMap<String, String> = version
        .rows
        .iter()
        .map(|row| {
            let name = match &row.item {
                Some(item) => format!("{item}—{}", row.name),
                None => row.name.clone(),
            };
            (name, row.indicator.clone())
        })
        .collect();
    let mut checked = 0;
    for row in sheet.rows() {
        let cells: Vec<String> = row.iter().map(|c| c.to_string()).collect();
        let Some(code) = cells.iter().find_map(|c| by_name.get(c)) else {
            continue;
        };
        let Some(expected) = overall.get(code) else {
            continue;
        };
        let word = format!("{} {}", expected.symbol(), expected.name_zh());
        assert!(cells.contains(&word), "{code}: {cells:?} lacks {word}");
        checked += 1;
    }
    assert!(checked >= 20, "completion rows checked: {checked}");

    // The Word report's tables: every status cell of an indicator row is its overall status.
    let reporting = App::new(database);
    let outline = reporting
        .report_outline(
            &Caller::operator("test"),
            YEAR,
            None,
            ecociv_core::Date::new(2026, 1, 15).unwrap(),
        )
        .await
        .unwrap();
    let names: BTreeMap<(String, String), Status> = results
        .iter()
        .map(|r| {
            (
                (
                    r["name"].as_str().unwrap().to_owned(),
                    r["region_name"].as_str().unwrap().to_owned(),
                ),
                status_field(&r["status"]),
            )
        })
        .collect();
    let mut cells = 0;
    for block in outline.parts.iter().flat_map(|p| &p.blocks) {
        let ecociv_report::docx::Block::Table(t) = block else {
            continue;
        };
        for row in &t.rows {
            let Some(status) = row.iter().find_map(|c| c.status) else {
                continue;
            };
            let texts: Vec<&str> = row.iter().map(|c| c.text.as_str()).collect();
            if let Some(expected) = names
                .iter()
                .find(|((n, g), _)| texts.contains(&n.as_str()) && texts.contains(&g.as_str()))
                .map(|(_, s)| *s)
            {
                assert_eq!(status, expected, "report row {texts:?}");
                cells += 1;
            }
        }
    }
    assert!(cells >= 20, "report status cells checked: {cells}");

    // The public portal shows the public evaluation's statuses (2024 is published in the demo).
    let public = evaluation(&app, None, 2024).await;
    let public_status: BTreeMap<String, Status> = public["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["indicator"].as_str().unwrap().to_owned(),
                status_field(&r["status"]),
            )
        })
        .collect();
    let portal = app.get(None, "/public?year=2024").await.text();
    let mut shown = 0;
    for row in portal.split("<tr>").skip(1) {
        let Some(at) = row.find("href=\"/public/indicators/") else {
            continue;
        };
        let at = at + "href=\"/public/indicators/".len();
        let code: String = row[at..].chars().take_while(|c| *c != '?').collect();
        assert_eq!(
            first_status(row).as_ref(),
            public_status.get(&code),
            "{code}"
        );
        shown += 1;
    }
    assert!(shown >= 20, "portal rows checked: {shown}");
}

both_backends_owned! {
    surfaces_agree => the_statuses_of_every_surface_agree;
}
