//! Evidence files (台账, 佐证材料): attach to a value or a task update, download.

use std::collections::BTreeMap;

use ecociv_i18n::Msg;
use ecociv_store::{EvidenceKind, EvidenceLink, EvidenceMeta, EvidenceTarget, WorkflowStatus};

use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::{App, Caller};

/// A file as uploaded.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The name the client gave (any path is dropped).
    pub filename: String,
    pub media_type: String,
    pub bytes: bytes::Bytes,
}

/// A file to hand out.
#[derive(Debug, Clone)]
pub struct Download {
    pub meta: EvidenceMeta,
    /// The name it was attached under (to something the caller may see).
    pub filename: String,
    pub bytes: bytes::Bytes,
}

/// A file name as ecociv keeps it ([`crate::file_name::clean`]).
pub(crate) fn clean_file_name(name: &str, default: &str) -> String {
    crate::file_name::clean(name, default)
}

impl App {
    /// Whether the caller may attach files to value `id` now (checked again on attaching): the
    /// web asks before reading an upload's body. An approved value, or one of a closed period,
    /// takes no more evidence (the store's lock rule).
    pub async fn may_attach_value_evidence(&self, caller: &Caller, id: i64) -> AppResult<()> {
        policy::require(caller, Action::WriteValue)?;
        let ctx = self.ctx(caller).await?;
        let v = self.store().value(id).await?;
        policy::require_value(
            caller,
            Action::WriteValue,
            &ctx.scope,
            &ctx.owners,
            &v.indicator,
            &v.region,
        )?;
        Ok(self
            .store()
            .check_evidence_change(EvidenceTarget::Value(id))
            .await?)
    }

    /// Whether the caller may attach files to task update `id` now (checked again on attaching).
    pub async fn may_attach_task_evidence(&self, caller: &Caller, id: i64) -> AppResult<()> {
        policy::require(caller, Action::WriteTask)?;
        let t = self.store().task_update(id).await?;
        policy::require_unit(caller, Action::WriteTask, &t.unit)?;
        Ok(self
            .store()
            .check_evidence_change(EvidenceTarget::TaskUpdate(id))
            .await?)
    }

    /// Attaches a file to a value the caller reports.
    pub async fn attach_value_evidence(
        &self,
        caller: &Caller,
        id: i64,
        up: &Upload,
    ) -> AppResult<EvidenceLink> {
        policy::require(caller, Action::WriteValue)?;
        let ctx = self.ctx(caller).await?;
        let v = self.store().value(id).await?;
        policy::require_value(
            caller,
            Action::WriteValue,
            &ctx.scope,
            &ctx.owners,
            &v.indicator,
            &v.region,
        )?;
        self.attach(caller, EvidenceTarget::Value(id), up).await
    }

    /// Attaches a file to a task update of the caller's unit.
    pub async fn attach_task_evidence(
        &self,
        caller: &Caller,
        id: i64,
        up: &Upload,
    ) -> AppResult<EvidenceLink> {
        policy::require(caller, Action::WriteTask)?;
        let t = self.store().task_update(id).await?;
        policy::require_unit(caller, Action::WriteTask, &t.unit)?;
        self.attach(caller, EvidenceTarget::TaskUpdate(id), up)
            .await
    }

    async fn attach(
        &self,
        caller: &Caller,
        target: EvidenceTarget,
        up: &Upload,
    ) -> AppResult<EvidenceLink> {
        if up.filename.trim().is_empty() && up.bytes.is_empty() {
            return Err(AppError::invalid("file", Msg::ChooseFile));
        }
        let name = clean_file_name(&up.filename, "未命名文件");
        Ok(self
            .store()
            .attach_evidence(&caller.actor(), target, &name, &up.media_type, &up.bytes)
            .await?)
    }

    /// The files attached to a record the caller has been shown.
    pub async fn evidence_of(
        &self,
        caller: &Caller,
        target: EvidenceTarget,
    ) -> AppResult<Vec<EvidenceLink>> {
        policy::require(caller, Action::ReadInternal)?;
        Ok(self.store().evidence_links(target).await?)
    }

    /// The files attached to each of many records the caller has been shown, read at once.
    pub async fn evidence_of_many(
        &self,
        caller: &Caller,
        kind: EvidenceKind,
        ids: &[i64],
    ) -> AppResult<BTreeMap<i64, Vec<EvidenceLink>>> {
        policy::require(caller, Action::ReadInternal)?;
        Ok(self.store().evidence_links_of(kind, ids).await?)
    }

    /// A file, when it is attached to something the caller may see.
    pub async fn evidence_download(&self, caller: &Caller, sha256: &str) -> AppResult<Download> {
        policy::require(caller, Action::ReadInternal)?;
        let ctx = self.ctx(caller).await?;
        let uses = self.store().evidence_uses(sha256).await?;
        let mut filename = None;
        for link in &uses {
            let ok = match link.entity_kind.as_str() {
                "value" => {
                    let v = self.store().value(link.entity_id).await?;
                    ctx.scope.can_see(&v)
                }
                _ => {
                    let t = self.store().task_update(link.entity_id).await?;
                    t.status == WorkflowStatus::Approved || policy::covers_unit(caller, &t.unit)
                }
            };
            if ok {
                filename = Some(link.filename.clone());
                break;
            }
        }
        let Some(filename) = filename else {
            return Err(if uses.is_empty() {
                AppError::NotFound(Msg::NotFound {
                    what: ecociv_i18n::Noun::Evidence,
                    key: sha256.to_owned(),
                })
            } else {
                AppError::Forbidden(Msg::EvidenceOutOfScope)
            });
        };
        let (meta, bytes) = self.store().evidence(sha256).await?;
        Ok(Download {
            meta,
            filename,
            bytes,
        })
    }
}
