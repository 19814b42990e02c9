//! Reading: evaluations as the caller may see them, the indicator list and its filter, the
//! indicator dictionary, what is published, the latest approvals.

use std::sync::Arc;

use ecociv_core::evaluate::{ResultFilter, RowKind};
use ecociv_core::{Area, Period, Plan, Status};
use ecociv_i18n::Msg;
use ecociv_store::{
    DataValue, EvaluationSnapshot, Publication, Selection, TaskUpdate, ValueFilter, WorkflowStatus,
};

use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::visibility::{audience_selection, public_sees_value, public_selection};
use crate::{App, Caller};

/// What the indicator list shows: ecociv-core's [`ResultFilter`] (so the dashboard's counts and
/// the lists behind their links hold the same indicators), plus the unit responsible and a
/// text search.
#[derive(Debug, Clone, Default)]
pub struct IndicatorFilter {
    pub results: ResultFilter,
    /// A unit code: indicators it leads on or owns.
    pub unit: Option<String>,
    /// Part of the name or code.
    pub text: String,
}

impl IndicatorFilter {
    /// The filter from a query's fields: `region` a code or name (`all` for every region, the
    /// city when absent), `area` a Chinese name or identifier, `status` a key (`not_met`) or a
    /// word (未达标), `attribute` `binding` or `reference`.
    pub fn parse(
        plan: &Plan,
        region: Option<&str>,
        area: Option<&str>,
        status: Option<&str>,
        attribute: Option<&str>,
        unit: Option<&str>,
        text: Option<&str>,
    ) -> AppResult<IndicatorFilter> {
        let region = match region {
            Some("all") => None,
            Some(r) => Some(
                plan.find_region(r)
                    .map(|i| plan.regions[i].code.clone())
                    .ok_or_else(|| {
                        AppError::invalid("region", Msg::UnknownRegion { code: r.to_owned() })
                    })?,
            ),
            None => Some(plan.city.clone()),
        };
        Ok(IndicatorFilter {
            results: ResultFilter {
                region,
                area: area.and_then(Area::parse),
                status: status.and_then(Status::parse),
                row: attribute.and_then(RowKind::parse),
            },
            unit: unit.map(str::to_owned),
            text: text.unwrap_or("").to_owned(),
        })
    }
}

/// An evaluation and the positions of its results a filter selects.
#[derive(Debug, Clone)]
pub struct IndicatorList {
    pub snapshot: Arc<EvaluationSnapshot>,
    pub rows: Vec<usize>,
}

/// An indicator of the dictionary, with its publication flag.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndicatorInfo {
    pub code: String,
    pub name: String,
    pub unit: String,
    /// `number` or `yes_no` (是/否).
    pub kind: String,
    pub area: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub owner: Option<String>,
    /// Visible to the public.
    pub published: bool,
}

/// A recent approval.
#[derive(Debug, Clone)]
pub struct Approval {
    pub of: ApprovalOf,
    pub actor: String,
    pub at: String,
}

#[derive(Debug, Clone)]
pub enum ApprovalOf {
    Value(DataValue),
    Task(TaskUpdate),
}

/// The units responsible for an indicator: the units of the tasks that target it, and its usual
/// reporting department.
pub fn units_of(plan: &Plan, code: &str) -> Vec<String> {
    let mut out: Vec<String> = plan
        .units_for_indicator(code)
        .into_iter()
        .map(|(u, _)| u.to_owned())
        .collect();
    if let Some(owner) = plan.indicator(code).and_then(|i| i.owner.clone())
        && !out.contains(&owner)
    {
        out.push(owner);
    }
    out
}

impl App {
    /// The values the caller's evaluations and documents count: for the public, published
    /// values only; for signed-in readers, approved values and, as pending, the submitted ones
    /// of their own scope ([`audience_selection`]).
    pub(crate) async fn selection_for(&self, caller: &Caller) -> AppResult<Selection> {
        if caller.is_anonymous() {
            return Ok(public_selection());
        }
        policy::require(caller, Action::ReadInternal)?;
        let ctx = self.ctx(caller).await?;
        Ok(audience_selection(&ctx.scope, ctx.model.generation))
    }

    /// The evaluation of a year as the caller may see it: computed over exactly the values the
    /// caller may see ([`App::selection_for`]).
    pub async fn evaluation(
        &self,
        caller: &Caller,
        year: i32,
        catalogue_version: Option<&str>,
        region: Option<&str>,
    ) -> AppResult<Arc<EvaluationSnapshot>> {
        let selection = self.selection_for(caller).await?;
        Ok(match caller.seen() {
            Some(seen) => {
                self.store()
                    .evaluation_seen(seen, year, catalogue_version, region, &selection)
                    .await?
            }
            None => {
                self.store()
                    .evaluation(year, catalogue_version, region, &selection)
                    .await?
            }
        })
    }

    /// The indicator list of a year: the evaluation's results the filter selects.
    pub async fn indicator_list(
        &self,
        caller: &Caller,
        year: i32,
        filter: &IndicatorFilter,
    ) -> AppResult<IndicatorList> {
        let snapshot = self
            .evaluation(caller, year, None, filter.results.region.as_deref())
            .await?;
        let model = self.model().await?;
        let plan = &model.plan;
        let unit = filter.unit.as_deref().and_then(|c| model.unit(c));
        let rows = snapshot
            .evaluation
            .results
            .iter()
            .enumerate()
            .filter(|(_, r)| filter.results.matches(r))
            .filter(|(_, r)| unit.is_none_or(|u| units_of(plan, &r.indicator).contains(&u.name)))
            .filter(|(_, r)| {
                filter.text.is_empty()
                    || r.name.contains(&filter.text)
                    || r.indicator.contains(&filter.text)
            })
            .map(|(i, _)| i)
            .collect();
        Ok(IndicatorList { snapshot, rows })
    }

    /// The indicator dictionary; those who may not read internal data (the public, the auditor)
    /// see published indicators only.
    pub async fn indicators(&self, caller: &Caller) -> AppResult<Vec<IndicatorInfo>> {
        let model = self.model().await?;
        let published = self.store().publication().await?;
        Ok(model
            .plan
            .indicators
            .iter()
            .map(|i| IndicatorInfo {
                code: i.code.clone(),
                name: i.name.clone(),
                unit: i.unit.as_str().to_owned(),
                kind: match i.kind {
                    ecociv_core::ValueKind::Number => "number".into(),
                    ecociv_core::ValueKind::YesNo => "yes_no".into(),
                },
                area: i.area.map(|a| a.name_zh().to_owned()),
                min: i.min,
                max: i.max,
                owner: i.owner.clone(),
                published: published.indicators.contains(&i.code),
            })
            .filter(|i| i.published || policy::allows(caller, Action::ReadInternal))
            .collect())
    }

    /// What is published now.
    pub async fn publication(&self) -> AppResult<Publication> {
        Ok(self.store().publication().await?)
    }

    /// The years whose annual period is published, oldest first.
    pub async fn published_years(&self) -> AppResult<Vec<i32>> {
        let mut years: Vec<i32> = self
            .store()
            .publication()
            .await?
            .periods
            .iter()
            .filter_map(|p| match p.parse::<Period>() {
                Ok(Period::Year(y)) => Some(y),
                _ => None,
            })
            .collect();
        years.sort_unstable();
        years.dedup();
        Ok(years)
    }

    /// The values the public sees ([`crate::visibility::public_sees`]), of one indicator or all,
    /// annual ones only when asked (the public indicator page's history).
    pub async fn public_values(
        &self,
        indicator: Option<&str>,
        annual_only: bool,
    ) -> AppResult<Vec<DataValue>> {
        let published = self.store().publication().await?;
        Ok(self
            .store()
            .values(&ValueFilter {
                indicator: indicator.map(str::to_owned),
                status: Some(WorkflowStatus::Approved),
                annual_only,
                within: Some(published.clone()),
                ..ValueFilter::default()
            })
            .await?
            .into_iter()
            .filter(|v| public_sees_value(v, &published))
            .map(crate::values::for_public)
            .collect())
    }

    /// One chunk of what the public sees of one indicator or all, in list order (indicator,
    /// region, period, id) after the row `after`: at most `limit` rows and, when there are more,
    /// where the next chunk starts. Large downloads stream through it instead of holding every
    /// value at once; each chunk reads what is published at that moment.
    pub async fn public_values_page(
        &self,
        indicator: Option<&str>,
        after: Option<i64>,
        limit: usize,
    ) -> AppResult<(Vec<DataValue>, Option<i64>)> {
        let published = self.store().publication().await?;
        let filter = ValueFilter {
            indicator: indicator.map(str::to_owned),
            status: Some(WorkflowStatus::Approved),
            within: Some(published.clone()),
            ..ValueFilter::default()
        };
        // One more than the chunk asked for, so a full chunk is read once, not twice.
        let chunk = (limit as i64 + 1).max(100);
        let (values, next) = self
            .read_page(filter, after, limit, chunk, |v| {
                public_sees_value(v, &published)
            })
            .await?;
        Ok((
            values.into_iter().map(crate::values::for_public).collect(),
            next,
        ))
    }

    /// The latest approvals of values and task updates the caller may see, newest first.
    pub async fn recent_approvals(&self, caller: &Caller, limit: i64) -> AppResult<Vec<Approval>> {
        policy::require(caller, Action::ReadInternal)?;
        let scope = self.ctx(caller).await?.scope;
        let mut out = Vec::new();
        for rev in self.store().recent_reviews("approve", limit).await? {
            let of = match rev.entity_kind.as_str() {
                "value" => {
                    let v = self.store().value(rev.entity_id).await?;
                    if !scope.can_see(&v) {
                        continue;
                    }
                    ApprovalOf::Value(v)
                }
                _ => {
                    let t = self.store().task_update(rev.entity_id).await?;
                    if !policy::can_see_task_update(caller, &t) {
                        continue;
                    }
                    ApprovalOf::Task(t)
                }
            };
            out.push(Approval {
                of,
                actor: rev.actor,
                at: rev.at,
            });
        }
        Ok(out)
    }
}
