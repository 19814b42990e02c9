//! Loading ecociv-core's demo data (示例数据) into a store: approved values and assigned targets,
//! a few values still in review or returned, some task progress updates, and publication of the
//! indicators and the years before the last, so every screen has something to show. Every row
//! says 示例数据 in its provenance or text, and the store remembers that it holds demo data.

use ecociv_core::demo::{self, DEMO_SOURCE};
use sqlx::Row;

use crate::task::TaskState;
use crate::value::{self, format_number};
use crate::{Actor, Result, Store};

/// What was loaded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DemoSummary {
    pub values: usize,
    pub assigned: usize,
    pub task_updates: usize,
}

impl Store {
    /// Whether demo data was loaded into this database.
    pub async fn has_demo(&self) -> Result<bool> {
        Ok(sqlx::query("SELECT key FROM settings WHERE key = 'demo'")
            .fetch_optional(self.pool())
            .await?
            .is_some())
    }

    /// Loads the demo data once; a second call does nothing and returns `None`.
    pub async fn load_demo(&self) -> Result<Option<DemoSummary>> {
        if self.has_demo().await? {
            return Ok(None);
        }
        let model = self.current_model().await?;
        let plan = &model.plan;
        let data = demo::generate(plan, &model.catalogue);
        let actor = Actor {
            user_id: None,
            name: "示例数据".into(),
        };
        let last_year = *demo::YEARS.end();
        let mut w = self.begin_write().await?;
        let mut count = 0;
        for (i, o) in data.observations.iter().enumerate() {
            let ind = &plan.indicators[o.indicator];
            let reg = &plan.regions[o.region];
            // The last year tells the review story: a few values wait for review, two were sent
            // back with a reason.
            let status = if o.period.year() == last_year && i % 11 == 3 {
                "submitted"
            } else if o.period.year() == last_year && i % 23 == 5 {
                "returned"
            } else {
                "approved"
            };
            let return_reason = if status == "returned" {
                "示例：请补充统计部门出具的佐证材料后重新提交"
            } else {
                ""
            };
            let id: i64 = sqlx::query(
                "INSERT INTO data_values (indicator, region, period, value, comment, status, \
                 provenance, provenance_detail, return_reason, created_by, created_at, \
                 updated_by, updated_at) \
                 VALUES ($1, $2, $3, $4, '示例数据', $5, 'demo', $6, $7, $8, $9, $8, $9) \
                 RETURNING id",
            )
            .bind(&ind.code)
            .bind(&reg.code)
            .bind(o.period.to_string())
            .bind(format_number(o.value))
            .bind(status)
            .bind(DEMO_SOURCE)
            .bind(return_reason)
            .bind(&actor.name)
            .bind(&w.at)
            .fetch_one(&mut *w.tx)
            .await?
            .try_get(0)?;
            let after = value::load(&mut w.tx, id).await?;
            w.audit(
                &actor,
                "value.create",
                &format!("value:{id}"),
                None,
                Some(&serde_json::to_value(&after).unwrap_or_default()),
            )
            .await?;
            count += 1;
        }
        w.commit().await?;

        let mut assigned = 0;
        for a in &data.assigned {
            let input = crate::AssignedInput {
                indicator: plan.indicators[a.indicator].code.clone(),
                region: plan.regions[a.region].code.clone(),
                year: i64::from(a.year),
                threshold: a.threshold.to_string(),
                document: a.document.clone(),
            };
            self.put_assigned(&actor, &input, None).await?;
            assigned += 1;
        }

        // Progress on the first tasks by their lead units, for the last year.
        let mut updates = 0;
        let progress = [
            (TaskState::Completed, 100),
            (TaskState::InProgress, 60),
            (TaskState::InProgress, 85),
            (TaskState::Delayed, 30),
            (TaskState::InProgress, 45),
            (TaskState::NotStarted, 0),
        ];
        for (task, (p, pct)) in plan.tasks.iter().zip(progress) {
            let Some(unit) = task
                .lead
                .first()
                .and_then(|name| plan.units.iter().find(|u| &u.name == name))
            else {
                continue;
            };
            let input = crate::TaskUpdateInput {
                task: i64::from(task.number),
                unit: unit.code.clone(),
                period: last_year.to_string(),
                progress: p,
                percent: pct,
                narrative: format!(
                    "示例数据：{}工作{}，完成约{pct}%。",
                    task.title,
                    p.name_zh()
                ),
            };
            let saved = self.save_task_update(&actor, &input, None).await?;
            if updates % 2 == 0 {
                self.submit_task_update(&actor, saved.id, saved.version)
                    .await?;
            }
            updates += 1;
        }

        let coordinator = Actor {
            user_id: None,
            name: "示例数据（创建办）".into(),
        };
        for ind in &plan.indicators {
            self.set_indicator_published(&coordinator, &ind.code, true)
                .await?;
        }
        for year in *demo::YEARS.start()..last_year {
            self.set_period_published(&coordinator, &year.to_string(), true, 0)
                .await?;
        }
        self.set_setting(&coordinator, "demo", "示例数据（非真实数据）")
            .await?;
        Ok(Some(DemoSummary {
            values: count,
            assigned,
            task_updates: updates,
        }))
    }
}
