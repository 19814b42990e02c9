//! Bulk import of values from CSV (`indicator,region,period,value[,source]`, ecociv-core's values
//! format, which is also what the monitoring engines write with `--values`).
//!
//! All or nothing: every row is checked first (format, codes, ranges, the caller's scope), then
//! written in one transaction, where the workflow rules are checked again (locked approvals,
//! submitted values, closed periods). Any bad row, and nothing is written; the report names each
//! bad row, its field and what is wrong.

use ecociv_i18n::Msg;

use ecociv_core::observation::{RowError, parse_values_csv};

use crate::value::{Checked, Provenance, WorkflowStatus, format_number, live, save_in};
use crate::{Actor, Result, Store, StoreError};

/// Whether an actor may write values of (indicator code, region code).
pub type Scope = dyn Fn(&str, &str) -> bool + Send + Sync;

/// How to import.
pub struct ImportOptions {
    /// `Import` for files people upload, `Engine` for standards-engine output.
    pub provenance: Provenance,
    /// Submit the rows for review at once instead of leaving drafts.
    pub submit: bool,
    /// The caller's scope: whether this actor may write (indicator code, region code).
    pub allowed: Box<Scope>,
}

impl std::fmt::Debug for ImportOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportOptions")
            .field("provenance", &self.provenance)
            .field("submit", &self.submit)
            .finish_non_exhaustive()
    }
}

impl ImportOptions {
    /// Drafts of provenance `Import`, no scope restriction (the command line, a coordinator).
    pub fn unrestricted(provenance: Provenance) -> ImportOptions {
        ImportOptions {
            provenance,
            submit: false,
            allowed: Box::new(|_, _| true),
        }
    }
}

/// The per-row error report of a refused import.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub file: String,
    /// Data rows read (without the header).
    pub rows: usize,
    /// One entry per bad row: file, row (the header is row 1), field, message.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub errors: Vec<RowError>,
}

/// What an accepted import did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportSummary {
    pub file: String,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
}

impl Store {
    /// Imports a values CSV, all rows or none.
    pub async fn import_values_csv(
        &self,
        actor: &Actor,
        file: &str,
        text: &str,
        opts: &ImportOptions,
    ) -> Result<ImportSummary> {
        let model = self.current_model().await?;
        let plan = &model.plan;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let parsed = parse_values_csv(file, text, plan);
        let mut errors = parsed.errors;
        let total = parsed.rows.len() + errors.len();
        let err = |row: u64, field: &str, message: String| RowError {
            file: file.to_owned(),
            row,
            field: field.to_owned(),
            message,
        };
        if parsed.rows.is_empty() && errors.is_empty() {
            errors.push(err(1, "", Msg::NoDataRows.to_string()));
        }
        // With no format errors, the n-th parsed row is data row n (row n + 1 counting the
        // header as 1), as ecociv-core numbers them.
        let mut rows: Vec<(u64, Checked, String)> = Vec::new();
        if errors.is_empty() {
            for (i, o) in parsed.rows.into_iter().enumerate() {
                let row = i as u64 + 2;
                let ind = &plan.indicators[o.indicator];
                let reg = &plan.regions[o.region];
                if !(opts.allowed)(&ind.code, &reg.code) {
                    errors.push(err(
                        row,
                        "indicator",
                        Msg::ImportOutOfScope {
                            indicator: ind.name.clone(),
                            region: reg.name.clone(),
                        }
                        .to_string(),
                    ));
                    continue;
                }
                let detail = match &o.source {
                    Some(s) => format!("{file} 第{row}行；来源：{s}"),
                    None => format!("{file} 第{row}行"),
                };
                rows.push((
                    row,
                    Checked {
                        indicator: ind.code.clone(),
                        region: reg.code.clone(),
                        period: o.period,
                        value: format_number(o.value),
                    },
                    detail,
                ));
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Import(ImportReport {
                file: file.to_owned(),
                rows: total,
                errors,
            }));
        }

        let status = if opts.submit {
            WorkflowStatus::Submitted
        } else {
            WorkflowStatus::Draft
        };
        let mut w = self.begin_write().await?;
        let (mut created, mut updated) = (0, 0);
        for (row, c, detail) in &rows {
            let period = c.period.to_string();
            let (_, work) = live(&mut w.tx, &c.indicator, &c.region, &period).await?;
            let expected = work.as_ref().map(|v| v.version);
            match save_in(
                &mut w,
                actor,
                c,
                "",
                opts.provenance,
                detail,
                expected,
                status,
            )
            .await
            {
                Ok(_) if expected.is_some() => updated += 1,
                Ok(_) => created += 1,
                Err(e) if e.is_client_error() => {
                    errors.push(err(*row, "value", e.to_string()));
                }
                Err(e) => return Err(e),
            }
        }
        if !errors.is_empty() {
            // Dropping the transaction rolls back every row already written.
            drop(w);
            return Err(StoreError::Import(ImportReport {
                file: file.to_owned(),
                rows: total,
                errors,
            }));
        }
        w.audit(
            actor,
            "import.values",
            &format!("import:{file}"),
            None,
            Some(&serde_json::json!({
                "file": file, "rows": rows.len(), "created": created, "updated": updated,
                "provenance": opts.provenance.as_str(), "submitted": opts.submit,
            })),
        )
        .await?;
        w.commit().await?;
        Ok(ImportSummary {
            file: file.to_owned(),
            rows: rows.len(),
            created,
            updated,
        })
    }
}
