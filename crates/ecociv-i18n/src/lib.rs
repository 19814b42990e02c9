//! The one translation mechanism of ecociv.
//!
//! Everything a user reads that the program writes (not the plan's own texts, official names or
//! the explanations quoted from the plan) is one of three things, all keyed by one [`Lang`]:
//!
//! * a **word** for a domain state or category (达标 / Met, 草稿 / Draft, 生态经济 / Ecological
//!   economy): an enum implements [`Words`] through the [`words!`] table, one line per variant
//!   with both languages, so a variant without its English word does not compile;
//! * a **message** with arguments (errors, refusals, notices, generated sentences): a variant of
//!   [`Msg`] in `messages.rs`, the catalogue, where each variant's Chinese and English texts sit
//!   side by side in one `match` arm and the arguments are typed fields;
//! * a **label** of a page or a command's output: a field of a label table made by
//!   [`labels!`], which writes the struct and both languages' instances from one list.
//!
//! The store, the application layer, the web layers, the report and the command line all take
//! their texts from here; nothing else translates.

use std::borrow::Cow;
use std::fmt;

pub mod air;
pub mod chart;
mod messages;

pub use air::AirMsg;
pub use chart::ChartMsg;
pub use messages::{CurrentRecord, LaxTarget, Msg, Noun, ReadinessCounts, Refusal, RefusalWhy};

/// An interface language: Simplified Chinese by default, English on request.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// `zh`, `zh-CN`, `zh-Hans`, `en`, `en-US`, … (case-insensitive).
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        let primary = s.split(['-', '_']).next().unwrap_or("");
        match primary {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first language of an `Accept-Language` header that ecociv speaks.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .find_map(Lang::parse)
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The `lang` attribute of a page.
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// Picks the text of this language.
    pub fn pick<T>(self, zh: T, en: T) -> T {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// Fixed words for the variants of an enum (see [`words!`]).
pub trait Words {
    fn word(&self, lang: Lang) -> &'static str;

    /// The Chinese word, as data and Chinese-only documents use it.
    fn zh(&self) -> &'static str {
        self.word(Lang::Zh)
    }
}

/// Text that can be rendered in either language.
pub trait Localized {
    fn text(&self, lang: Lang) -> Cow<'static, str>;
}

impl<T: Words> Localized for T {
    fn text(&self, lang: Lang) -> Cow<'static, str> {
        Cow::Borrowed(self.word(lang))
    }
}

/// A text in both languages, captured when a message is made: the argument of a [`Msg`] that
/// is itself a word of another crate's type (a workflow state, a role), or a name that has an
/// official English form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Phrase {
    pub zh: Box<str>,
    pub en: Box<str>,
}

impl Phrase {
    /// The words of `x` in both languages.
    pub fn of(x: &impl Localized) -> Phrase {
        Phrase {
            zh: x.text(Lang::Zh).into(),
            en: x.text(Lang::En).into(),
        }
    }

    /// A text that is the same in both languages (a code, a number, an official name).
    pub fn same(s: impl Into<String>) -> Phrase {
        let s: String = s.into();
        Phrase {
            zh: s.clone().into(),
            en: s.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

impl Localized for Phrase {
    fn text(&self, lang: Lang) -> Cow<'static, str> {
        Cow::Owned(self.get(lang).to_owned())
    }
}

impl fmt::Display for Phrase {
    /// Chinese: the default language of data, logs and the command line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.zh)
    }
}

/// Implements [`Words`] for an enum: one line per variant, Chinese then English.
///
/// ```
/// #[derive(Clone, Copy)]
/// enum Light { Red, Green }
/// ecociv_i18n::words!(Light {
///     Red => "红灯", "red";
///     Green => "绿灯", "green";
/// });
/// use ecociv_i18n::{Lang, Words};
/// assert_eq!(Light::Red.word(Lang::En), "red");
/// assert_eq!(Light::Green.zh(), "绿灯");
/// ```
#[macro_export]
macro_rules! words {
    ($ty:ident { $($variant:ident => $zh:literal, $en:literal;)+ }) => {
        impl $crate::Words for $ty {
            fn word(&self, lang: $crate::Lang) -> &'static str {
                match (self, lang) {
                    $(
                        ($ty::$variant, $crate::Lang::Zh) => $zh,
                        ($ty::$variant, $crate::Lang::En) => $en,
                    )+
                }
            }
        }
    };
}

/// Writes a label table: a struct with one `&'static str` field per label, and the function
/// that gives the table of a language. Each label is written once, Chinese then English, so a
/// label missing in one language does not compile.
///
/// ```
/// ecociv_i18n::labels!(pub Texts, texts {
///     title => "总览", "Overview";
///     save => "保存", "Save";
/// });
/// assert_eq!(texts(ecociv_i18n::Lang::En).save, "Save");
/// ```
#[macro_export]
macro_rules! labels {
    ($vis:vis $name:ident, $getter:ident { $($field:ident => $zh:literal, $en:literal;)+ }) => {
        /// Interface labels in one language.
        #[derive(Debug)]
        #[allow(missing_docs)]
        $vis struct $name {
            $(pub $field: &'static str,)+
        }

        /// The labels of a language.
        $vis fn $getter(lang: $crate::Lang) -> &'static $name {
            static ZH: $name = $name { $($field: $zh,)+ };
            static EN: $name = $name { $($field: $en,)+ };
            match lang {
                $crate::Lang::Zh => &ZH,
                $crate::Lang::En => &EN,
            }
        }
    };
}

/// Writes `zh` or `en` with `format!`, the two side by side: the arm of a message.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $zh:literal, $en:literal $(,)?) => {
        match $lang {
            $crate::Lang::Zh => format!($zh),
            $crate::Lang::En => format!($en),
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse_from_codes_and_accept_language() {
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::parse("EN-us"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(
            Lang::from_accept_language("fr-FR,en;q=0.8,zh;q=0.5"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("de"), None);
    }
}
