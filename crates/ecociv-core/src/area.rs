//! The six areas (领域) of the implementation plan.

use std::fmt;

use ecociv_i18n::Words;

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

    /// The Chinese name (生态制度, …).
    pub fn name_zh(self) -> &'static str {
        self.zh()
    }

    /// Accepts the Chinese name or the English identifier.
    pub fn parse(s: &str) -> Option<Area> {
        let s = s.trim();
        Area::ALL
            .into_iter()
            .find(|a| a.name_zh() == s || format!("{a:?}").eq_ignore_ascii_case(s))
    }
}

ecociv_i18n::words!(Area {
    Institutions => "生态制度", "Institutions";
    Security => "生态安全", "Ecological security";
    Space => "生态空间", "Ecological space";
    Economy => "生态经济", "Ecological economy";
    Living => "生态生活", "Ecological living";
    Culture => "生态文化", "Ecological culture";
});

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
