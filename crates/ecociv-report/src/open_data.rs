//! Open data (环境信息公开): the published indicators and their approved values as CSV and JSON,
//! described by a Frictionless Data Package (`datapackage.json`, Data Package spec v1; the CSV
//! files are tabular data resources with a table schema, the JSON a plain data resource) so that
//! any Frictionless tool can validate and load them (`frictionless validate datapackage.json`
//! passes).
//!
//! Files, with stable names the web service serves under a stable URL per year:
//!
//! | file | content |
//! |---|---|
//! | `indicators.csv` | one row per published indicator: unit, area, direction, national threshold and standard version, plan target, methodology (指标解释), responsible department |
//! | `values.csv` | approved annual values up to the year, per indicator and region, with their source |
//! | `status.csv` | the year's evaluation: status and the one-sentence explanation |
//! | `data.json` | the same in one JSON document, values nested under their indicator |
//! | `datapackage.json` | the descriptor: name, title, licence, and each CSV's schema |
//!
//! Only approved values are published (a pending value is not public information yet). CSV
//! files are UTF-8 with a byte-order mark, which WHATWG UTF-8 decoding (the encoding Frictionless
//! declares) ignores and which lets spreadsheet programs on Chinese Windows open them without
//! garbling. Values of demo data say so in the descriptor, the JSON and every value's source.

use std::collections::BTreeSet;

use ecociv_core::{Catalogue, Evaluation, Plan, ValueKind, explain};
use serde_json::{Value, json};

use crate::completion::{lead_unit, target_text, uses_demo_data};
use crate::date::Date;
use crate::history::History;

/// A licence for the data package.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct License {
    /// An Open Definition licence id, e.g. `CC-BY-4.0`.
    pub name: String,
    pub path: String,
    pub title: String,
}

impl License {
    pub fn cc_by_4() -> License {
        License {
            name: "CC-BY-4.0".into(),
            path: "https://creativecommons.org/licenses/by/4.0/".into(),
            title: "Creative Commons Attribution 4.0".into(),
        }
    }
}

/// What to publish.
#[derive(Debug, Clone)]
pub struct OpenDataRequest<'a> {
    pub plan: &'a Plan,
    pub catalogue: &'a Catalogue,
    /// The year's evaluation: its indicators are published, its statuses go into `status.csv`.
    pub evaluation: &'a Evaluation,
    pub history: &'a History,
    /// Only these indicator codes, when given (the publication list kept by the coordinator).
    pub only: Option<&'a BTreeSet<String>>,
    /// 发布单位, e.g. 驻马店市生态环境局.
    pub publisher: String,
    pub license: License,
    pub date: Date,
}

/// One file of the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDataFile {
    pub path: &'static str,
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenDataError {
    #[error("评估所用的国家指标版本“{0}”不在指标库中")]
    UnknownVersion(String),
    #[error("写出 CSV 失败：{0}")]
    Csv(#[from] csv::Error),
    #[error("写出 JSON 失败：{0}")]
    Json(#[from] serde_json::Error),
}

/// A field of a table schema: name, Frictionless type, Chinese title, description.
struct Field {
    name: &'static str,
    kind: &'static str,
    title: &'static str,
    description: &'static str,
    required: bool,
}

const fn field(
    name: &'static str,
    kind: &'static str,
    title: &'static str,
    description: &'static str,
    required: bool,
) -> Field {
    Field {
        name,
        kind,
        title,
        description,
        required,
    }
}

const INDICATOR_FIELDS: &[Field] = &[
    field("indicator", "string", "指标代码", "稳定的指标标识", true),
    field("name", "string", "指标名称", "", true),
    field("unit", "string", "单位", "空白表示无量纲或是否类", false),
    field("area", "string", "领域", "实施方案的领域", false),
    field(
        "direction",
        "string",
        "方向",
        "higher_is_better 越高越好；lower_is_better 越低越好",
        true,
    ),
    field(
        "kind",
        "string",
        "类型",
        "number 数值；yes_no 是否（1 是，0 否）",
        true,
    ),
    field("attribute", "string", "指标属性", "约束性或参考性", false),
    field(
        "standard_version",
        "string",
        "国家标准版本",
        "《生态文明建设示范区建设指标》的版本",
        false,
    ),
    field("standard_number", "string", "国家标准序号", "", false),
    field(
        "standard_threshold",
        "string",
        "国家标准指标值",
        "按标准原文",
        false,
    ),
    field(
        "standard_verified",
        "boolean",
        "国家标准已核实",
        "false 表示待核实",
        false,
    ),
    field(
        "plan_target",
        "string",
        "方案目标",
        "相关里程碑年份的目标",
        false,
    ),
    field(
        "methodology",
        "string",
        "指标解释",
        "定义、计算方法及出处",
        false,
    ),
    field("responsible_unit", "string", "牵头单位", "", false),
];

const VALUE_FIELDS: &[Field] = &[
    field("indicator", "string", "指标代码", "", true),
    field("indicator_name", "string", "指标名称", "", true),
    field("region", "string", "行政区代码", "", true),
    field("region_name", "string", "行政区名称", "", true),
    field("year", "integer", "年份", "", true),
    field(
        "value",
        "number",
        "数值",
        "以 unit 为单位；是否类指标 1 为是、0 为否",
        true,
    ),
    field("unit", "string", "单位", "", false),
    field(
        "value_text",
        "string",
        "数值（文字）",
        "带单位的显示形式",
        true,
    ),
    field("source", "string", "来源", "填报单位或数据来源", false),
];

const STATUS_FIELDS: &[Field] = &[
    field("year", "integer", "评估年份", "", true),
    field("indicator", "string", "指标代码", "", true),
    field("region", "string", "行政区代码", "", true),
    field(
        "status",
        "string",
        "状态",
        "met 达标；at_risk 有风险；not_met 未达标；no_data 无数据；pending 待审核；not_applicable 不适用",
        true,
    ),
    field("status_zh", "string", "状态（中文）", "", true),
    field(
        "explanation",
        "string",
        "说明",
        "一句话说明，含数值、目标和预测",
        true,
    ),
];

fn schema(fields: &[Field], primary_key: &[&str], foreign: Option<Value>) -> Value {
    let mut s = json!({
        "fields": fields.iter().map(|f| {
            let mut v = json!({"name": f.name, "type": f.kind, "title": f.title});
            if !f.description.is_empty() {
                v["description"] = json!(f.description);
            }
            if f.required {
                v["constraints"] = json!({"required": true});
            }
            v
        }).collect::<Vec<_>>(),
        "primaryKey": primary_key,
        "missingValues": [""],
    });
    if let Some(fk) = foreign {
        s["foreignKeys"] = fk;
    }
    s
}

/// A CSV file: every cell through [`ecociv_core::csv_cell::safe`], so no text cell (a source
/// named after an uploaded file, a methodology) can be read as a formula; numbers stay numbers.
fn csv_bytes(fields: &[Field], rows: Vec<Vec<String>>) -> Result<Vec<u8>, OpenDataError> {
    let mut w = csv::Writer::from_writer(b"\xef\xbb\xbf".to_vec());
    w.write_record(fields.iter().map(|f| f.name))?;
    for r in rows {
        w.write_record(ecociv_core::csv_cell::safe_record(&r))?;
    }
    w.flush().map_err(csv::Error::from)?;
    w.into_inner()
        .map_err(|e| OpenDataError::Csv(csv::Error::from(e.into_error())))
}

/// The package name: lowercase ASCII as the spec requires (`ecociv-zhumadian-2021-2025`).
fn package_name(plan_id: &str, year: i32) -> String {
    let mut id = String::new();
    for c in plan_id.to_lowercase().chars() {
        let c = if c.is_ascii_alphanumeric() || "._".contains(c) {
            c
        } else {
            '-'
        };
        if !(c == '-' && (id.is_empty() || id.ends_with('-'))) {
            id.push(c);
        }
    }
    let id = id.trim_end_matches('-');
    let id = if id.is_empty() { "plan" } else { id };
    format!("ecociv-{id}-{year}")
}

/// Builds the package.
pub fn package(req: &OpenDataRequest<'_>) -> Result<Vec<OpenDataFile>, OpenDataError> {
    let plan = req.plan;
    let eval = req.evaluation;
    let version_id = &eval.readiness.catalogue_version;
    let version = req
        .catalogue
        .version(version_id)
        .ok_or_else(|| OpenDataError::UnknownVersion(version_id.clone()))?;
    let demo = uses_demo_data(eval);
    let city = plan.city_region();

    // Published indicators: those evaluated this year, in evaluation order.
    let mut codes: Vec<&str> = Vec::new();
    for r in &eval.results {
        if !codes.contains(&r.indicator.as_str())
            && req.only.is_none_or(|o| o.contains(&r.indicator))
        {
            codes.push(&r.indicator);
        }
    }
    let mut pairs: BTreeSet<(&str, &str)> = BTreeSet::new();
    for r in &eval.results {
        if codes.contains(&r.indicator.as_str()) {
            pairs.insert((&r.indicator, &r.region));
        }
    }

    let mut indicator_rows = Vec::new();
    let mut value_rows = Vec::new();
    let mut json_indicators = Vec::new();
    for code in &codes {
        let Some(ind) = plan.indicator(code) else {
            continue;
        };
        let city_result = eval
            .results
            .iter()
            .find(|r| r.indicator == *code && r.region == city.code);
        let row = version.rows.iter().find(|r| r.indicator == *code);
        let kind = if ind.kind == ValueKind::YesNo {
            "yes_no"
        } else {
            "number"
        };
        let direction = serde_json::to_value(ind.direction)?
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let record = vec![
            ind.code.clone(),
            ind.name.clone(),
            ind.unit.as_str().to_owned(),
            ind.area.map(|a| a.name_zh().to_owned()).unwrap_or_default(),
            direction.clone(),
            kind.to_owned(),
            row.and_then(|r| r.attribute)
                .map(|a| a.name_zh().to_owned())
                .unwrap_or_default(),
            row.map(|_| version.id.clone()).unwrap_or_default(),
            row.map(|r| r.number.clone()).unwrap_or_default(),
            row.map(|r| r.printed.clone()).unwrap_or_default(),
            row.map(|r| r.verified().to_string()).unwrap_or_default(),
            city_result
                .filter(|r| r.target.is_some())
                .map(target_text)
                .unwrap_or_default(),
            ind.definition.clone(),
            lead_unit(plan, code),
        ];
        let mut values = Vec::new();
        for &(_, region) in pairs.iter().filter(|(i, _)| i == code) {
            let region_name = plan
                .region(region)
                .map_or_else(|| region.to_owned(), |r| r.name.clone());
            for p in req
                .history
                .series(code, region)
                .iter()
                .filter(|p| p.approved && p.year <= eval.year)
            {
                values.push((region.to_owned(), region_name.clone(), p.clone()));
            }
        }
        for (region, region_name, p) in &values {
            value_rows.push(vec![
                ind.code.clone(),
                ind.name.clone(),
                region.clone(),
                region_name.clone(),
                p.year.to_string(),
                // Full precision: the file is data, not a display.
                format!("{}", p.value),
                ind.unit.as_str().to_owned(),
                explain::value(ind, p.value),
                p.source.clone().unwrap_or_default(),
            ]);
        }
        json_indicators.push(json!({
            "indicator": ind.code,
            "name": ind.name,
            "unit": ind.unit.as_str(),
            "area": ind.area.map(|a| a.name_zh()),
            "direction": direction,
            "kind": kind,
            "standard": row.map(|r| json!({
                "version": version.id,
                "number": r.number,
                "threshold": r.printed,
                "attribute": r.attribute.map(|a| a.name_zh()),
                "verified": r.verified(),
            })),
            "plan_target": city_result.and_then(|r| r.target.as_ref()).map(|t| json!({
                "year": t.year,
                "threshold": t.text,
            })),
            "methodology": ind.definition,
            "responsible_unit": lead_unit(plan, code),
            "values": values.iter().map(|(region, region_name, p)| json!({
                "region": region,
                "region_name": region_name,
                "year": p.year,
                "value": p.value,
                "value_text": explain::value(ind, p.value),
                "source": p.source,
            })).collect::<Vec<_>>(),
        }));
        indicator_rows.push(record);
    }

    let status_rows: Vec<Vec<String>> = eval
        .results
        .iter()
        .filter(|r| codes.contains(&r.indicator.as_str()))
        .map(|r| {
            vec![
                eval.year.to_string(),
                r.indicator.clone(),
                r.region.clone(),
                serde_json::to_value(r.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                r.status.name_zh().to_owned(),
                r.explanation.clone(),
            ]
        })
        .collect();

    let first_year = value_rows
        .iter()
        .filter_map(|r| r[4].parse::<i32>().ok())
        .min()
        .unwrap_or(eval.year);
    let title = format!(
        "{}生态文明建设示范市创建指标数据（{}–{}年）",
        city.name, first_year, eval.year
    );
    let mut description = format!(
        "{}实施方案的指标、{}–{}年经审核的数值及{}年评估结果。国家标准：《{}》（{}，{}版）。",
        city.name, first_year, eval.year, eval.year, version.title, version.document, version.id
    );
    if demo {
        description
            .push_str("注意：本数据包使用示例数据（非真实数据），仅供演示，不得用于申报或引用。");
    }
    let created = format!("{}T00:00:00Z", req.date);
    let data_json = json!({
        "title": title,
        "publisher": req.publisher,
        "created": created,
        "demo": demo,
        "plan": {"id": plan.id, "name": plan.name},
        "standard": {
            "version": version.id,
            "title": version.title,
            "document": version.document,
        },
        "year": eval.year,
        "indicators": json_indicators,
    });

    let tabular = |name: &str, path: &str, title: &str, schema: Value| {
        json!({
            "name": name,
            "path": path,
            "title": title,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": schema,
        })
    };
    let descriptor = json!({
        // Not tabular-data-package: that profile forbids the JSON resource.
        "profile": "data-package",
        "name": package_name(&plan.id, eval.year),
        "title": title,
        "description": description,
        "version": eval.year.to_string(),
        "created": created,
        "keywords": ["生态文明建设示范区", "生态环境", "环境信息公开", city.name],
        "licenses": [req.license],
        "contributors": [{"title": req.publisher, "role": "publisher"}],
        "ecociv:demo": demo,
        "resources": [
            tabular("indicators", "indicators.csv", "指标", schema(INDICATOR_FIELDS, &["indicator"], None)),
            tabular("values", "values.csv", "指标值", schema(
                VALUE_FIELDS,
                &["indicator", "region", "year"],
                Some(json!([{"fields": "indicator", "reference": {"resource": "indicators", "fields": "indicator"}}])),
            )),
            tabular("status", "status.csv", format!("{}年评估结果", eval.year).as_str(), schema(
                STATUS_FIELDS,
                &["indicator", "region"],
                Some(json!([{"fields": "indicator", "reference": {"resource": "indicators", "fields": "indicator"}}])),
            )),
            {
                "name": "data",
                "path": "data.json",
                "title": "指标及数值（JSON）",
                "profile": "data-resource",
                "format": "json",
                "mediatype": "application/json",
                "encoding": "utf-8",
            },
        ],
    });

    Ok(vec![
        OpenDataFile {
            path: "datapackage.json",
            media_type: "application/json",
            bytes: serde_json::to_vec_pretty(&descriptor)?,
        },
        OpenDataFile {
            path: "indicators.csv",
            media_type: "text/csv; charset=utf-8",
            bytes: csv_bytes(INDICATOR_FIELDS, indicator_rows)?,
        },
        OpenDataFile {
            path: "values.csv",
            media_type: "text/csv; charset=utf-8",
            bytes: csv_bytes(VALUE_FIELDS, value_rows)?,
        },
        OpenDataFile {
            path: "status.csv",
            media_type: "text/csv; charset=utf-8",
            bytes: csv_bytes(STATUS_FIELDS, status_rows)?,
        },
        OpenDataFile {
            path: "data.json",
            media_type: "application/json",
            bytes: serde_json::to_vec_pretty(&data_json)?,
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_are_lowercase_ascii() {
        assert_eq!(
            package_name("Zhumadian 2021", 2025),
            "ecociv-zhumadian-2021-2025"
        );
        assert_eq!(package_name("驻马店", 2025), "ecociv-plan-2025");
        assert_eq!(package_name("a  b", 2025), "ecociv-a-b-2025");
    }
}
