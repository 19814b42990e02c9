//! Values and their review: list, read, save a draft (and submit it), submit, approve, return,
//! correct, comment; import a values CSV.

use ecociv_i18n::Msg;
use ecociv_store::{
    DataValue, EvidenceLink, EvidenceTarget, ImportOptions, ImportSummary, Provenance, ReviewEntry,
    ValueFilter, ValueInput, WorkflowStatus,
};

use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::visibility::public_sees_value;
use crate::{App, Caller};

/// Which values to list.
#[derive(Debug, Clone, Default)]
pub struct ValueQuery {
    pub indicator: Option<String>,
    pub region: Option<String>,
    pub period: Option<String>,
    /// `draft`, `submitted`, `approved` or `returned`.
    pub status: Option<String>,
    /// Also versions replaced by an approved correction (signed-in readers only: the public
    /// sees values in force).
    pub history: bool,
    /// Rows per page: 1 to [`MAX_PAGE`], default [`DEFAULT_PAGE`] ([`App::value_page`]).
    pub limit: Option<i64>,
    /// Where the page starts: the `next_cursor` of the previous page; `None` for the first.
    pub cursor: Option<String>,
    /// Only the periods of this year (the year, its quarters and months).
    pub year: Option<i32>,
    /// Only annual values.
    pub annual_only: bool,
}

/// Where a values import is ([`App::import_values_csv_with`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportPhase {
    /// Parsing and checking every row of a file of this size, and planning its write.
    Checking { bytes: usize },
    /// Writing this many checked rows in one transaction.
    Writing { rows: usize },
}

/// Rows per page of the value list when the caller names no `limit`.
pub const DEFAULT_PAGE: i64 = 1000;
/// The largest page of the value list.
pub const MAX_PAGE: i64 = 10_000;

/// What [`App::indicator_values`] reads for an indicator page.
#[derive(Debug, Clone, Default)]
pub struct IndicatorValues {
    /// The shown region's values: its annual ones and those of the year's periods, every
    /// version the caller may see, in period order.
    pub rows: Vec<DataValue>,
    /// The regions holding values of the indicator the caller may see, by code.
    pub regions: Vec<String>,
}

/// One page of the value list: the rows the caller may see, in list order (indicator, region,
/// period, id), at most `limit`; `next_cursor` names where the next page starts, and is `None`
/// on the last page. Pages are cut after the visibility rule, so a page is only short when the
/// list ends.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValuePage {
    pub values: Vec<DataValue>,
    /// The page size applied.
    pub limit: i64,
    /// Pass as `cursor` to read the next page; `null` when there is none.
    pub next_cursor: Option<String>,
}

/// A value with its review history and evidence.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValueDetail {
    pub value: DataValue,
    pub reviews: Vec<ReviewEntry>,
    pub evidence: Vec<EvidenceLink>,
}

/// A value to save as a draft, or to save and submit.
#[derive(Debug, Clone, Default)]
pub struct SaveValue {
    /// Indicator code or its exact name.
    pub indicator: String,
    /// Region code or name.
    pub region: String,
    pub period: String,
    /// As typed: `93.1`, `93.1%`, 是/否.
    pub value: String,
    pub comment: String,
    /// The version of the draft read; `None` to create one.
    pub version: Option<i64>,
    /// Submit for review at once.
    pub submit: bool,
}

/// A correction of an approved value.
#[derive(Debug, Clone, Default)]
pub struct Correction {
    /// The approved value's version as read.
    pub version: i64,
    pub value: String,
    pub comment: String,
    pub reason: String,
}

/// The status filter of a list.
pub(crate) fn parse_status(s: Option<&str>) -> AppResult<Option<WorkflowStatus>> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => WorkflowStatus::parse(s).map(Some).ok_or_else(|| {
            AppError::invalid(
                "status",
                Msg::UnknownStatus {
                    status: s.to_owned(),
                    allowed: "draft、submitted、approved、returned".into(),
                },
            )
        }),
    }
}

/// A value as the public sees it: no person (who entered or last changed it) and no internal
/// note (the reporter's comment, a return or correction reason); the rest as stored. Every
/// value handed to an anonymous caller goes through this.
pub(crate) fn for_public(mut v: DataValue) -> DataValue {
    v.created_by.clear();
    v.updated_by.clear();
    v.comment.clear();
    v.return_reason.clear();
    v.correction_reason.clear();
    v
}

impl App {
    /// Values the caller may see: for the public, approved values in force of published
    /// indicators and periods ([`crate::visibility::public_sees`]), without persons or internal
    /// notes ([`for_public`]); for signed-in users every approved value and the work in progress
    /// of their scope. Every page of the list, in list order (`limit` and `cursor` are ignored).
    pub async fn list_values(&self, caller: &Caller, q: &ValueQuery) -> AppResult<Vec<DataValue>> {
        let mut q = ValueQuery {
            limit: Some(MAX_PAGE),
            cursor: None,
            ..q.clone()
        };
        let mut all = Vec::new();
        loop {
            let page = self.value_page(caller, &q).await?;
            all.extend(page.values);
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => return Ok(all),
            }
        }
    }

    /// One page of the values the caller may see ([`App::list_values`] says which), at most
    /// `limit` rows after `cursor`. The visibility rule is applied before the page is cut.
    pub async fn value_page(&self, caller: &Caller, q: &ValueQuery) -> AppResult<ValuePage> {
        let status = parse_status(q.status.as_deref())?;
        let limit = match q.limit {
            None => DEFAULT_PAGE,
            Some(n) if (1..=MAX_PAGE).contains(&n) => n,
            Some(n) => {
                return Err(AppError::invalid(
                    "limit",
                    Msg::PageLimitOutOfRange {
                        limit: n,
                        max: MAX_PAGE,
                    },
                ));
            }
        };
        let after = match q.cursor.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => match c.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    return Err(AppError::invalid(
                        "cursor",
                        Msg::BadCursor {
                            cursor: c.to_owned(),
                        },
                    ));
                }
            },
        };
        let mut filter = ValueFilter {
            indicator: q.indicator.clone(),
            region: q.region.clone(),
            period: q.period.clone(),
            status,
            include_superseded: q.history,
            year: q.year,
            annual_only: q.annual_only,
            ..ValueFilter::default()
        };
        let sees: Box<dyn Fn(&DataValue) -> bool + Send + Sync> = if caller.is_anonymous() {
            let published = self.store().publication().await?;
            filter.status = match status {
                None | Some(WorkflowStatus::Approved) => Some(WorkflowStatus::Approved),
                Some(_) => {
                    return Ok(ValuePage {
                        values: Vec::new(),
                        limit,
                        next_cursor: None,
                    });
                }
            };
            filter.include_superseded = false;
            filter.within = Some(published.clone());
            Box::new(move |v| public_sees_value(v, &published))
        } else {
            policy::require(caller, Action::ReadInternal)?;
            let scope = self.ctx(caller).await?.scope;
            Box::new(move |v| scope.can_see(v))
        };
        // A chunk is the page and one more row (at least 100 rows, at most 1,001): a page of 100
        // reads about 100, the default page of 1,000 reads 1,001 rows once.
        let chunk = (limit + 1).clamp(100, 1001);
        let (values, next) = self
            .read_page(filter, after, limit as usize, chunk, |v| sees(v))
            .await?;
        let next_cursor = next.map(|id| id.to_string());
        let mut values = values;
        if caller.is_anonymous() {
            values = values.into_iter().map(for_public).collect();
        }
        Ok(ValuePage {
            values,
            limit,
            next_cursor,
        })
    }

    /// One page of a list: `filter`'s rows after the row `after` in list order (indicator,
    /// region, period, id), read `chunk` at a time, keeping those `keep` admits, until one more
    /// than `limit` is kept (so there is a next page) or the list ends. Rows not kept are
    /// skipped, not counted. Returns at most `limit` rows and, when there are more, where the
    /// next page starts (the last row's id).
    pub(crate) async fn read_page(
        &self,
        mut filter: ValueFilter,
        mut after: Option<i64>,
        limit: usize,
        chunk: i64,
        keep: impl Fn(&DataValue) -> bool + Sync,
    ) -> AppResult<(Vec<DataValue>, Option<i64>)> {
        let mut values = Vec::new();
        'read: loop {
            filter.after = after;
            filter.limit = Some(chunk);
            let rows = self.store().values(&filter).await?;
            let read = rows.len() as i64;
            for v in rows {
                after = Some(v.id);
                if keep(&v) {
                    values.push(v);
                    if values.len() > limit {
                        break 'read;
                    }
                }
            }
            if read < chunk {
                break;
            }
        }
        let next = if values.len() > limit {
            values.truncate(limit);
            values.last().map(|v| v.id)
        } else {
            None
        };
        Ok((values, next))
    }

    /// A value the caller may see: `Unauthenticated` for the public when it is not published,
    /// `Forbidden` for a signed-in user when it is work in progress outside their scope.
    pub async fn visible_value(&self, caller: &Caller, id: i64) -> AppResult<DataValue> {
        let v = self.store().value(id).await?;
        if caller.is_anonymous() {
            let published = self.store().publication().await?;
            return if public_sees_value(&v, &published) {
                Ok(for_public(v))
            } else {
                Err(AppError::Unauthenticated)
            };
        }
        policy::require(caller, Action::ReadInternal)?;
        if self.ctx(caller).await?.scope.can_see(&v) {
            Ok(v)
        } else {
            Err(AppError::Forbidden(Msg::NotVisible))
        }
    }

    /// A value with its review history and evidence (the public gets the value alone).
    pub async fn value_detail(&self, caller: &Caller, id: i64) -> AppResult<ValueDetail> {
        let value = self.visible_value(caller, id).await?;
        if caller.is_anonymous() {
            return Ok(ValueDetail {
                value,
                reviews: Vec::new(),
                evidence: Vec::new(),
            });
        }
        Ok(ValueDetail {
            reviews: self.store().reviews("value", id).await?,
            evidence: self
                .store()
                .evidence_links(EvidenceTarget::Value(id))
                .await?,
            value,
        })
    }

    /// What the indicator page shows of an indicator, every version the caller may see, in
    /// list order: the annual values of `region` (the history chart) and its values of the
    /// periods of `year` (its quarters and months too), and which regions hold values of the
    /// indicator the caller may see (annual periods, any version). Other regions' rows are not
    /// read: in a province that is the difference between 1,800 rows and 180 grouped ones.
    pub async fn indicator_values(
        &self,
        caller: &Caller,
        indicator: &str,
        region: &str,
        year: i32,
    ) -> AppResult<IndicatorValues> {
        let annual = self
            .list_values(
                caller,
                &ValueQuery {
                    indicator: Some(indicator.to_owned()),
                    region: Some(region.to_owned()),
                    history: true,
                    annual_only: true,
                    ..ValueQuery::default()
                },
            )
            .await?;
        let of_year = self
            .list_values(
                caller,
                &ValueQuery {
                    indicator: Some(indicator.to_owned()),
                    region: Some(region.to_owned()),
                    history: true,
                    year: Some(year),
                    ..ValueQuery::default()
                },
            )
            .await?;
        let mut rows = annual;
        let seen: std::collections::HashSet<i64> = rows.iter().map(|v| v.id).collect();
        rows.extend(of_year.into_iter().filter(|v| !seen.contains(&v.id)));
        rows.sort_by(|a, b| (&a.period, a.id).cmp(&(&b.period, b.id)));
        // `list_values` has checked that the caller may read; a region counts when one of its
        // values is one the caller may see ([`policy::Scope::can_see`]: approved, or work in
        // the caller's scope).
        let scope = self.ctx(caller).await?.scope;
        let regions = self
            .store()
            .value_regions(indicator, true)
            .await?
            .into_iter()
            .filter(|(r, approved)| *approved || scope.sees_work(indicator, r))
            .map(|(r, _)| r)
            .collect();
        Ok(IndicatorValues { rows, regions })
    }

    /// Saves a draft (new, or the draft read at `version`) and submits it when asked. Codes or
    /// names are resolved first, so the scope is checked on codes.
    pub async fn save_value(&self, caller: &Caller, input: SaveValue) -> AppResult<DataValue> {
        policy::require(caller, Action::WriteValue)?;
        let ctx = self.ctx(caller).await?;
        let plan = &ctx.model.plan;
        let indicator = plan
            .find_indicator(&input.indicator)
            .map(|i| plan.indicators[i].code.clone())
            .ok_or_else(|| {
                AppError::invalid(
                    "indicator",
                    Msg::UnknownIndicator {
                        code: input.indicator.trim().to_owned(),
                    },
                )
            })?;
        let region = plan
            .find_region(&input.region)
            .map(|i| plan.regions[i].code.clone())
            .ok_or_else(|| {
                AppError::invalid(
                    "region",
                    Msg::UnknownRegion {
                        code: input.region.trim().to_owned(),
                    },
                )
            })?;
        policy::require_value(
            caller,
            Action::WriteValue,
            &ctx.scope,
            &ctx.owners,
            &indicator,
            &region,
        )?;
        let actor = caller.actor();
        let v = self
            .store()
            .save_value(
                &actor,
                &ValueInput {
                    indicator,
                    region,
                    period: input.period.trim().to_owned(),
                    value: input.value.trim().to_owned(),
                    comment: input.comment,
                    provenance: Provenance::Form,
                    provenance_detail: String::new(),
                },
                input.version,
            )
            .await?;
        if input.submit {
            Ok(self.store().submit_value(&actor, v.id, v.version).await?)
        } else {
            Ok(v)
        }
    }

    /// The value `id` if the caller may take `action` on it.
    async fn value_for(&self, caller: &Caller, id: i64, action: Action) -> AppResult<DataValue> {
        policy::require(caller, action)?;
        let ctx = self.ctx(caller).await?;
        let v = self.store().value(id).await?;
        policy::require_value(
            caller,
            action,
            &ctx.scope,
            &ctx.owners,
            &v.indicator,
            &v.region,
        )?;
        Ok(v)
    }

    pub async fn submit_value(
        &self,
        caller: &Caller,
        id: i64,
        version: i64,
    ) -> AppResult<DataValue> {
        self.value_for(caller, id, Action::WriteValue).await?;
        Ok(self
            .store()
            .submit_value(&caller.actor(), id, version)
            .await?)
    }

    pub async fn approve_value(
        &self,
        caller: &Caller,
        id: i64,
        version: i64,
    ) -> AppResult<DataValue> {
        self.value_for(caller, id, Action::ReviewValue).await?;
        Ok(self
            .store()
            .approve_value(&caller.actor(), id, version)
            .await?)
    }

    pub async fn return_value(
        &self,
        caller: &Caller,
        id: i64,
        version: i64,
        reason: &str,
    ) -> AppResult<DataValue> {
        self.value_for(caller, id, Action::ReviewValue).await?;
        Ok(self
            .store()
            .return_value(&caller.actor(), id, version, reason)
            .await?)
    }

    /// Proposes a correction of an approved value (a new row, submitted, with the reason); the
    /// approved value stays in force until the correction is approved.
    pub async fn correct_value(
        &self,
        caller: &Caller,
        id: i64,
        c: Correction,
    ) -> AppResult<DataValue> {
        self.value_for(caller, id, Action::CorrectValue).await?;
        Ok(self
            .store()
            .correct_value(
                &caller.actor(),
                id,
                c.version,
                c.value.trim(),
                &c.comment,
                &c.reason,
            )
            .await?)
    }

    /// A remark on a value by a unit that takes part in it (or by whoever reports or reviews
    /// it): kept with its review history, it changes nothing.
    pub async fn comment_value(
        &self,
        caller: &Caller,
        id: i64,
        text: &str,
    ) -> AppResult<ReviewEntry> {
        policy::require(caller, Action::CommentValue)?;
        let ctx = self.ctx(caller).await?;
        let v = self.store().value(id).await?;
        if !ctx.scope.sees_work(&v.indicator, &v.region) {
            policy::require_value(
                caller,
                Action::CommentValue,
                &ctx.scope,
                &ctx.owners,
                &v.indicator,
                &v.region,
            )?;
        }
        Ok(self
            .store()
            .comment_value(&caller.actor(), id, text)
            .await?)
    }

    /// Imports a values CSV (UTF-8, header `indicator,region,period,value[,source]`): every row
    /// or none, each refused row named. Only values the caller reports are accepted.
    pub async fn import_values_csv(
        &self,
        caller: &Caller,
        file: &str,
        bytes: &[u8],
        submit: bool,
        provenance: Provenance,
    ) -> AppResult<ImportSummary> {
        self.import_values_csv_with(caller, file, bytes, submit, provenance, &|_| {})
            .await
    }

    /// [`App::import_values_csv`], telling `progress` when each phase begins: checking every
    /// row (without the write lock), then writing them (under it). The command line shows it.
    pub async fn import_values_csv_with(
        &self,
        caller: &Caller,
        file: &str,
        bytes: &[u8],
        submit: bool,
        provenance: Provenance,
        progress: &(dyn Fn(ImportPhase) + Sync),
    ) -> AppResult<ImportSummary> {
        policy::require(caller, Action::WriteValue)?;
        let file = crate::evidence::clean_file_name(file, "上传文件.csv");
        let text = std::str::from_utf8(bytes).map_err(|e| {
            AppError::invalid(
                "file",
                Msg::NotUtf8 {
                    file: file.clone(),
                    at: e.valid_up_to() + 1,
                },
            )
        })?;
        let scope = self.ctx(caller).await?.scope;
        let opts = ImportOptions {
            provenance,
            submit,
            allowed: Box::new(move |ind, reg| scope.reports(ind, reg)),
        };
        progress(ImportPhase::Checking { bytes: text.len() });
        let prepared = self
            .store()
            .prepare_values_csv(&caller.actor(), &file, text, &opts)
            .await?;
        progress(ImportPhase::Writing {
            rows: prepared.rows(),
        });
        Ok(self.store().write_prepared(prepared).await?)
    }
}
