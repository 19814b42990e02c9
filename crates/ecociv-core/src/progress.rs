//! How far a key task has come, as the unit responsible reports it (督办): one state with one set
//! of words for the store, the pages, the Excel template and the Word report.

use ecociv_i18n::Words;

/// The state of a task as its department reports it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    NotStarted,
    InProgress,
    Completed,
    Delayed,
}

ecociv_i18n::words!(TaskState {
    NotStarted => "未启动", "Not started";
    InProgress => "推进中", "In progress";
    Completed => "已完成", "Completed";
    Delayed => "滞后", "Delayed";
});

impl TaskState {
    pub const ALL: [TaskState; 4] = [
        TaskState::NotStarted,
        TaskState::InProgress,
        TaskState::Completed,
        TaskState::Delayed,
    ];

    /// The identifier data files and the API use: `not_started`, `in_progress`, `completed`,
    /// `delayed`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::NotStarted => "not_started",
            TaskState::InProgress => "in_progress",
            TaskState::Completed => "completed",
            TaskState::Delayed => "delayed",
        }
    }

    /// The Chinese word (未启动, 推进中, 已完成, 滞后).
    pub fn name_zh(self) -> &'static str {
        self.zh()
    }

    /// Accepts the identifier or the Chinese word.
    pub fn parse(s: &str) -> Option<TaskState> {
        let s = s.trim();
        TaskState::ALL
            .into_iter()
            .find(|t| t.as_str() == s || t.zh() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_parse_from_chinese_and_identifiers() {
        for s in TaskState::ALL {
            assert_eq!(TaskState::parse(s.name_zh()), Some(s));
            assert_eq!(TaskState::parse(s.as_str()), Some(s));
        }
        assert_eq!(TaskState::parse("in_progress"), Some(TaskState::InProgress));
        assert_eq!(TaskState::parse("差不多"), None);
        assert_eq!(TaskState::NotStarted.zh(), "未启动");
    }
}
