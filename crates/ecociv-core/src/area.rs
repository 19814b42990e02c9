//! The six areas (领域) of the implementation plan.

use std::fmt;

/// A field of work in the implementation plan. The plan's areas follow the 2019/2021 national
/// template; the 2024 national catalogue uses different domains, which the catalogue keeps as
/// free text per version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Institutions,
    Security,
    Space,
    Economy,
    Living,
    Culture,
}

impl Area {
    pub const ALL: [Area; 6] = [
        Area::Institutions,
        Area::Security,
        Area::Space,
        Area::Economy,
        Area::Living,
        Area::Culture,
    ];

    pub fn name_zh(self) -> &'static str {
        match self {
            Area::Institutions => "生态制度",
            Area::Security => "生态安全",
            Area::Space => "生态空间",
            Area::Economy => "生态经济",
            Area::Living => "生态生活",
            Area::Culture => "生态文化",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Area::Institutions => "Institutions",
            Area::Security => "Ecological security",
            Area::Space => "Ecological space",
            Area::Economy => "Ecological economy",
            Area::Living => "Ecological living",
            Area::Culture => "Ecological culture",
        }
    }

    /// Accepts the Chinese name or the English identifier.
    pub fn parse(s: &str) -> Option<Area> {
        let s = s.trim();
        Area::ALL
            .into_iter()
            .find(|a| a.name_zh() == s || format!("{a:?}").eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name_zh())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_parse_from_chinese_and_english() {
        assert_eq!(Area::parse("生态经济"), Some(Area::Economy));
        assert_eq!(Area::parse("living"), Some(Area::Living));
        assert_eq!(Area::parse("生态环境"), None);
    }
}
