//! Task progress (督办): what a department reports about a task it leads or joins.

use ecociv_core::Period;

/// The state of a task as its department reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    NotStarted,
    InProgress,
    Completed,
    Delayed,
}

impl TaskState {
    pub const ALL: [TaskState; 4] = [
        TaskState::NotStarted,
        TaskState::InProgress,
        TaskState::Completed,
        TaskState::Delayed,
    ];

    pub fn name_zh(self) -> &'static str {
        match self {
            TaskState::NotStarted => "未启动",
            TaskState::InProgress => "推进中",
            TaskState::Completed => "已完成",
            TaskState::Delayed => "滞后",
        }
    }

    /// Accepts the Chinese word or the snake_case identifier.
    pub fn parse(s: &str) -> Option<TaskState> {
        let s = s.trim();
        TaskState::ALL.into_iter().find(|t| {
            t.name_zh() == s
                || serde_json::to_value(t)
                    .ok()
                    .and_then(|v| v.as_str().map(|x| x == s))
                    == Some(true)
        })
    }
}

/// One progress report on one task by one department for one period.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TaskProgress {
    pub task: u32,
    /// The reporting department (单位名称, as in the plan).
    pub unit: String,
    pub period: Period,
    pub state: TaskState,
    /// Share of the work done, 0–100, when the department gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    /// What was done (进展情况).
    pub narrative: String,
    /// Evidence named by the department (佐证材料), one entry per line in the template.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_parse_from_chinese_and_identifiers() {
        for s in TaskState::ALL {
            assert_eq!(TaskState::parse(s.name_zh()), Some(s));
        }
        assert_eq!(TaskState::parse("in_progress"), Some(TaskState::InProgress));
        assert_eq!(TaskState::parse("差不多"), None);
    }
}
