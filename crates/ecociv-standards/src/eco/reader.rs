//! Reader for HJ 192 input files: one row per region and year, one column per quantity with its
//! unit in the header.

use std::io::Read;

use super::hj192::{EiInput, LAND_COVER_COUNT, RESTRICTIONS};
use crate::input::InputError;
use crate::water::decimal::Dec;
use crate::water::reader::{csv_error, number_error, split_header};

const KM2: &[&str] = &["km2", "km²", "平方千米", "平方公里"];
const KM: &[&str] = &["km", "千米", "公里"];
const MCM: &[&str] = &["1e6m3", "10^6m3", "百万立方米", "百万m3"];
const TONNE: &[&str] = &["t", "吨"];
const MM: &[&str] = &["mm", "毫米"];
const NONE: &[&str] = &["无量纲", "-"];

/// A numeric column: code, Chinese name, accepted units, whether it is required.
#[derive(Debug)]
pub struct EiColumn {
    pub code: &'static str,
    pub name_cn: &'static str,
    pub units: &'static [&'static str],
    pub required: bool,
}

const fn col(
    code: &'static str,
    name_cn: &'static str,
    units: &'static [&'static str],
    required: bool,
) -> EiColumn {
    EiColumn {
        code,
        name_cn,
        units,
        required,
    }
}

/// Numeric columns in slot order: area, the 20 land-cover sub-types (order of
/// `HABITAT_WEIGHTS`), BI, NDVI, river length, water area, water resources, erosion heavy,
/// erosion moderate, other land stress, six emissions, precipitation.
pub const EI_COLUMNS: [EiColumn; 36] = [
    col("area", "区域面积", KM2, true),
    col("forest_closed", "有林地", KM2, false),
    col("forest_shrub", "灌木林地", KM2, false),
    col("forest_sparse", "疏林地和其他林地", KM2, false),
    col("grass_high", "高覆盖度草地", KM2, false),
    col("grass_mid", "中覆盖度草地", KM2, false),
    col("grass_low", "低覆盖度草地", KM2, false),
    col("water_river", "河流（渠）", KM2, false),
    col("water_lake", "湖泊（库）", KM2, false),
    col("water_tidal", "滩涂湿地", KM2, false),
    col("water_glacier", "永久性冰川雪地", KM2, false),
    col("crop_paddy", "水田", KM2, false),
    col("crop_dry", "旱地", KM2, false),
    col("built_urban", "城镇建设用地", KM2, false),
    col("built_rural", "农村居民点", KM2, false),
    col("built_other", "其他建设用地", KM2, false),
    col("unused_sand", "沙地", KM2, false),
    col("unused_saline", "盐碱地", KM2, false),
    col("unused_bare_soil", "裸土地", KM2, false),
    col("unused_bare_rock", "裸岩石砾", KM2, false),
    col("unused_other", "其他未利用地", KM2, false),
    col("bi", "生物多样性指数", NONE, false),
    col("ndvi", "NDVI均值", NONE, true),
    col("river_length", "河流长度", KM, true),
    col("water_area", "水域面积", KM2, true),
    col("water_resources", "水资源量", MCM, true),
    col("erosion_heavy", "重度侵蚀面积", KM2, false),
    col("erosion_moderate", "中度侵蚀面积", KM2, false),
    col("land_stress_other", "其他土地胁迫面积", KM2, false),
    col("cod", "化学需氧量排放量", TONNE, false),
    col("nh3n", "氨氮排放量", TONNE, false),
    col("so2", "二氧化硫排放量", TONNE, false),
    col("dust", "烟（粉）尘排放量", TONNE, false),
    col("nox", "氮氧化物排放量", TONNE, false),
    col("solid_waste", "固体废物丢弃量", TONNE, false),
    col("precipitation", "年降水量", MM, true),
];

const BI: usize = 21;
const NDVI: usize = 22;

/// Reads an EI input file. Columns `region` (行政区) and `year` (年份) identify a row; `restriction`
/// (环境限制) optionally lists findings separated by `;` or `、`. Numeric columns are those of
/// [`EI_COLUMNS`] with their units; optional columns left out count as zero and are named in the
/// result's notes. Empty numeric cells are errors except BI.
pub fn read_ei(r: impl Read, file: &str) -> Result<(Vec<EiInput>, Vec<String>), InputError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(r);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_error(file, &e))?
        .iter()
        .map(str::to_owned)
        .collect();
    let herr = |h: &str, m: String| InputError::new(file, Some(1), Some(h), m);
    let (mut region_c, mut year_c, mut restr_c) = (None, None, None);
    let mut cols: [Option<usize>; 36] = [None; 36];
    for (i, h) in headers.iter().enumerate() {
        let (name, unit) = split_header(h);
        let lname = name.to_ascii_lowercase();
        match lname.as_str() {
            "region" | "行政区" | "行政区划代码" => {
                region_c = Some(i);
                continue;
            }
            "year" | "年份" => {
                year_c = Some(i);
                continue;
            }
            "restriction" | "环境限制" => {
                restr_c = Some(i);
                continue;
            }
            _ => {}
        }
        let Some(slot) = EI_COLUMNS
            .iter()
            .position(|c| c.code.eq_ignore_ascii_case(name) || c.name_cn == name)
        else {
            return Err(herr(h, format!("未知列“{name}”；可用列见 README")));
        };
        let spec = &EI_COLUMNS[slot];
        let unit_ok = match unit {
            None | Some("") => spec.units == NONE,
            Some(u) => spec.units.iter().any(|x| x.eq_ignore_ascii_case(u)),
        };
        if !unit_ok {
            return Err(herr(
                h,
                format!(
                    "列“{name}”{}，应为 {}({})",
                    if unit.is_none() {
                        "缺少单位"
                    } else {
                        "的单位无效"
                    },
                    spec.code,
                    spec.units[0]
                ),
            ));
        }
        if cols[slot].replace(i).is_some() {
            return Err(herr(h, format!("列“{name}”重复")));
        }
    }
    let (Some(region_c), Some(year_c)) = (region_c, year_c) else {
        return Err(InputError::new(
            file,
            Some(1),
            None,
            "缺少必需的列 region（行政区）或 year（年份）",
        ));
    };
    let mut notes = Vec::new();
    for (spec, c) in EI_COLUMNS.iter().zip(&cols) {
        if c.is_none() {
            if spec.required {
                return Err(InputError::new(
                    file,
                    Some(1),
                    None,
                    format!(
                        "缺少必需的列 {}({})（{}）",
                        spec.code, spec.units[0], spec.name_cn
                    ),
                ));
            }
            if spec.code != "bi" {
                notes.push(format!("未提供“{}”列，按0计", spec.name_cn));
            }
        }
    }
    if cols[1..=LAND_COVER_COUNT].iter().all(Option::is_none) {
        return Err(InputError::new(
            file,
            Some(1),
            None,
            "没有任何土地利用面积列",
        ));
    }
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut row = 1u64;
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(file, &e)),
        }
        row += 1;
        let err = |c: usize, m: String| InputError::new(file, Some(row), Some(&headers[c]), m);
        let region = record[region_c].to_owned();
        if region.is_empty() {
            return Err(err(region_c, "不能为空".into()));
        }
        let year: i32 = record[year_c]
            .parse()
            .map_err(|_| err(year_c, format!("年份“{}”无效", &record[year_c])))?;
        let mut v = [0.0f64; 36];
        let mut bi = None;
        for (slot, c) in cols.iter().enumerate() {
            let Some(c) = *c else { continue };
            let t = &record[c];
            if t.is_empty() {
                if slot == BI {
                    continue;
                }
                return Err(err(c, "不能为空".into()));
            }
            let d = Dec::parse(t).map_err(|e| err(c, number_error(t, e)))?;
            let x = d.to_f64();
            if slot == NDVI {
                if !(-1.0..=1.0).contains(&x) {
                    return Err(err(
                        c,
                        format!("NDVI均值{t}超出-1～1（请填写未缩放的NDVI）"),
                    ));
                }
            } else if d.is_negative() {
                return Err(err(c, format!("数值不能为负数：{t}")));
            }
            if slot == BI {
                bi = Some(x);
            }
            v[slot] = x;
        }
        if v[0] <= 0.0 {
            return Err(err(cols[0].unwrap_or(0), "区域面积必须大于0".into()));
        }
        if v[35] <= 0.0 {
            return Err(err(cols[35].unwrap_or(0), "年降水量必须大于0".into()));
        }
        let mut restrictions = Vec::new();
        if let Some(c) = restr_c {
            for item in record[c].split([';', '；', '、']).map(str::trim) {
                if item.is_empty() || item == "无" {
                    continue;
                }
                if !RESTRICTIONS.iter().any(|(n, _)| *n == item) {
                    let ok: Vec<&str> = RESTRICTIONS.iter().map(|r| r.0).collect();
                    return Err(err(
                        c,
                        format!("环境限制“{item}”无效，可用：{}", ok.join("、")),
                    ));
                }
                restrictions.push(item.to_owned());
            }
        }
        let lc_sum: f64 = v[1..=LAND_COVER_COUNT].iter().sum();
        if lc_sum > v[0] * 1.001 {
            return Err(InputError::new(
                file,
                Some(row),
                None,
                format!("土地利用面积之和{lc_sum:.2} km²超过区域面积{:.2} km²", v[0]),
            ));
        }
        if out
            .iter()
            .any(|x: &EiInput| x.region == region && x.year == year)
        {
            return Err(err(year_c, format!("{region} {year}年重复")));
        }
        let mut land_cover_km2 = [0.0; LAND_COVER_COUNT];
        land_cover_km2.copy_from_slice(&v[1..=LAND_COVER_COUNT]);
        out.push(EiInput {
            region,
            year,
            area_km2: v[0],
            land_cover_km2,
            biodiversity_index: bi,
            ndvi_mean: v[22],
            river_length_km: v[23],
            water_area_km2: v[24],
            water_resources_1e6m3: v[25],
            erosion_heavy_km2: v[26],
            erosion_moderate_km2: v[27],
            other_land_stress_km2: v[28],
            emissions_t: [v[29], v[30], v[31], v[32], v[33], v[34]],
            precipitation_mm: v[35],
            restrictions,
        });
    }
    Ok((out, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "region,year,area(km2),forest_closed(km2),ndvi,river_length(km),water_area(km2),water_resources(1e6m3),precipitation(mm)\n";

    #[test]
    fn reads_rows_and_notes_missing_optional_columns() {
        let text = format!("{HEAD}411700,2024,1000,400,0.5,500,50,300,800\n");
        let (rows, notes) = read_ei(text.as_bytes(), "e.csv").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].land_cover_km2[0], 400.0);
        assert!(notes.iter().any(|n| n.contains("灌木林地")));
    }

    #[test]
    fn rejects_bad_cells_with_their_location() {
        let cases = [
            (
                format!("{HEAD}411700,2024,1000,400,5,500,50,300,800\n"),
                "ndvi",
                "NDVI",
            ),
            (
                format!("{HEAD}411700,2024,1000,-4,0.5,500,50,300,800\n"),
                "forest_closed(km2)",
                "负数",
            ),
            (
                format!("{HEAD}411700,2024,1000,1400,0.5,500,50,300,800\n"),
                "",
                "超过区域面积",
            ),
            (
                format!("{HEAD}411700,20x4,1000,400,0.5,500,50,300,800\n"),
                "year",
                "年份",
            ),
        ];
        for (text, col, msg) in cases {
            let e = read_ei(text.as_bytes(), "e.csv").unwrap_err();
            assert_eq!(e.location.row, Some(2));
            assert_eq!(e.location.column.as_deref().unwrap_or(""), col);
            assert!(e.message.contains(msg), "{}", e.message);
        }
        let e = read_ei(HEAD.replace("area(km2)", "area").as_bytes(), "e.csv").unwrap_err();
        assert!(e.message.contains("缺少单位"));
    }
}
