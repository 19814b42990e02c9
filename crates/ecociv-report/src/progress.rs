//! Task progress (督办): what a department reports about a task it leads or joins. The state
//! and its words are ecociv-core's [`TaskState`].

use ecociv_core::Period;

pub use ecociv_core::TaskState;

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
