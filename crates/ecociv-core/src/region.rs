//! Administrative regions (行政区) and statistical scopes, with the profile that selects
//! region-dependent national thresholds (terrain, city size, coastal or not).

use ecociv_i18n::Words;
use std::fmt;

/// The level of a region. Scopes such as 中心城区 or 县城 are statistical areas, not
/// administrations: targets can be set on them, values reported for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    City,
    District,
    County,
    Scope,
}

impl RegionLevel {
    pub fn parse(s: &str) -> Option<RegionLevel> {
        match s.trim() {
            "city" | "市" => Some(RegionLevel::City),
            "district" | "区" => Some(RegionLevel::District),
            "county" | "县" => Some(RegionLevel::County),
            "scope" | "统计范围" => Some(RegionLevel::Scope),
            _ => None,
        }
    }

    pub fn name_zh(self) -> &'static str {
        self.zh()
    }

    /// Whether national rows written for counties (县) apply. Districts of a city are judged with
    /// the city, so only counties take county variants.
    pub fn is_county(self) -> bool {
        self == RegionLevel::County
    }
}

ecociv_i18n::words!(RegionLevel {
    City => "市", "city";
    District => "区", "district";
    County => "县", "county";
    Scope => "统计范围", "statistical scope";
});

/// Terrain class used by 林草覆盖率 and EI thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Terrain {
    Mountain,
    Hill,
    Plain,
    Arid,
    Plateau,
}

impl Terrain {
    pub const KEYS: &'static [&'static str] = &["mountain", "hill", "plain", "arid", "plateau"];

    pub fn parse(s: &str) -> Option<Terrain> {
        match s.trim() {
            "mountain" | "山区" => Some(Terrain::Mountain),
            "hill" | "丘陵" | "丘陵地区" => Some(Terrain::Hill),
            "plain" | "平原" | "平原地区" => Some(Terrain::Plain),
            "arid" | "干旱半干旱地区" => Some(Terrain::Arid),
            "plateau" | "青藏高原地区" => Some(Terrain::Plateau),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        Terrain::KEYS[self as usize]
    }

    pub fn name_zh(self) -> &'static str {
        self.zh()
    }
}

ecociv_i18n::words!(Terrain {
    Mountain => "山区", "mountain areas";
    Hill => "丘陵地区", "hill areas";
    Plain => "平原地区", "plain areas";
    Arid => "干旱半干旱地区", "arid and semi-arid areas";
    Plateau => "青藏高原地区", "Qinghai–Tibet Plateau";
});

/// City size by urban resident population (State Council 2014 rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CitySize {
    Super,
    Mega,
    Large,
    Medium,
    Small,
}

impl CitySize {
    pub const KEYS: &'static [&'static str] = &["super", "mega", "large", "medium", "small"];

    pub fn parse(s: &str) -> Option<CitySize> {
        match s.trim() {
            "super" | "超大城市" => Some(CitySize::Super),
            "mega" | "特大城市" => Some(CitySize::Mega),
            "large" | "大城市" => Some(CitySize::Large),
            "medium" | "中等城市" => Some(CitySize::Medium),
            "small" | "小城市" => Some(CitySize::Small),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        CitySize::KEYS[self as usize]
    }

    pub fn name_zh(self) -> &'static str {
        self.zh()
    }
}

ecociv_i18n::words!(CitySize {
    Super => "超大城市", "super-large city";
    Mega => "特大城市", "megacity";
    Large => "大城市", "large city";
    Medium => "中等城市", "medium-sized city";
    Small => "小城市", "small city";
});

/// Features a region has or lacks; national rows marked `*` apply only where the feature exists.
pub const FEATURES: &[(&str, &str)] = &[
    ("coastal", "沿海"),
    ("forest", "森林"),
    ("grassland", "草原"),
    ("farmland", "耕地"),
    ("contaminated_farmland", "受污染耕地"),
    ("rural", "农村"),
    ("rural_black_odorous", "较大面积农村黑臭水体"),
];

pub fn feature_name_zh(key: &str) -> &str {
    FEATURES
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, zh)| zh)
}

/// A region of the plan: the city, its districts and counties, and statistical scopes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terrain: Option<Terrain>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city_size: Option<CitySize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

impl Region {
    pub fn has_feature(&self, key: &str) -> bool {
        self.features.iter().any(|f| f == key)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}
