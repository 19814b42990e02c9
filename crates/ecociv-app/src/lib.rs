//! The application layer of ecociv: one function per use case, under the web pages, the JSON
//! API and the command line alike.
//!
//! A use case takes the caller's identity ([`Caller`]) and typed input, validates once, decides
//! with the policy ([`policy`]), calls the store, and returns a typed result or a typed
//! [`AppError`]. The adapters above (the pages and the API in `ecociv-web`, the commands in
//! `ecociv`) turn requests into calls and results into HTML, JSON or text; they decide nothing
//! and never reach the store themselves. The rules that more than one surface needs live here
//! or below, once: who may do what ([`policy`]), what a reader may see ([`visibility`]), what a
//! status is and what the lists count (`ecociv_core::evaluate`), the reporting calendar and who
//! is late (`ecociv_core::calendar`), who reports a shared value
//! (`ecociv_core::obligation::Responsibilities`).
//!
//! | module | use cases |
//! |---|---|
//! | `values` | list, read, save, submit, approve, return, correct, comment on values; CSV import |
//! | `tasks` | task progress updates and their review |
//! | `evidence` | attach and download evidence files |
//! | `reading` | evaluations, the indicator list, value history, the portal's published data |
//! | `reporting` | what a unit owes, who is late, the review inbox, the task board |
//! | `admin` | accounts, periods and publication, plan and catalogue versions, assigned targets, audit, plan findings |
//! | `session` | login, session lookup, logout |
//! | [`documents`] | the Excel template and its import, the Word report, the completion table, open data |

use std::sync::{Arc, Mutex};

use chrono::{Datelike, FixedOffset};
use ecociv_core::calendar::Calendar;
use ecociv_core::obligation::Responsibilities;
use ecociv_core::{Date, Plan};
use ecociv_store::{Model, Store};

pub mod address;
mod admin;
pub mod caller;
pub mod documents;
pub mod error;
mod evidence;
mod file_name;
pub mod password;
pub mod policy;
mod reading;
mod reporting;
mod session;
mod tasks;
mod values;
pub mod visibility;

pub use address::AddressRange;
pub use admin::{AssignedVersion, NewAccount, PeriodAction, UserChange, parse_role};
pub use caller::Caller;

/// What the operators' metrics read from the application ([`App::stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub pool_open: u32,
    pub pool_idle: usize,
    pub pool_max: u32,
    pub evaluations: ecociv_store::CacheCounts,
    pub generation: Option<i64>,
}

/// What a readiness probe reports ([`App::readiness`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readiness {
    /// The database answered.
    pub database: bool,
    /// The newest migration the database has applied, when it answered.
    pub schema: Option<i64>,
    /// The newest migration this build knows.
    pub expected: i64,
}

impl Readiness {
    /// Ready: the database answers and has exactly this build's schema.
    pub fn is_ready(&self) -> bool {
        self.database && self.schema == Some(self.expected)
    }
}
pub use documents::parse_period;
pub use error::{AppError, AppResult, Rejection};
pub use evidence::{Download, Upload};
pub use policy::{Action, Scope};
pub use reading::{Approval, ApprovalOf, IndicatorFilter, IndicatorInfo, IndicatorList, units_of};
pub use reporting::{
    INBOX_PAGE, Inbox, InboxValue, Owed, OwedTask, OwedValue, Share, TaskBoard, TaskBoardRow,
};
pub use tasks::{SaveTask, TaskQuery, parse_percent};
pub use values::{
    Correction, DEFAULT_PAGE, ImportPhase, IndicatorValues, MAX_PAGE, SaveValue, ValueDetail,
    ValuePage, ValueQuery,
};

// The store's records, as the adapters render them.
pub use ecociv_core::calendar::{Missing, Reporter, TaskLate};
pub use ecociv_store::Model as PlanModel;
/// The store itself, for the adapters that start the service or open a database for a
/// command: they hand it to [`App::new`] and call nothing on it.
pub use ecociv_store::Store as Database;
/// Opening and restoring databases, for the command line.
pub use ecociv_store::backup::{BackupSummary, restore};
pub use ecociv_store::model::{CatalogueFile, PlanVersion};
pub use ecociv_store::redact_url;
pub use ecociv_store::{
    AssignedInput, AssignedRecord, AuditEvent, AuditFilter, AuditHead, DataValue,
    EvaluationSnapshot, EvidenceKind, EvidenceLink, EvidenceMeta, EvidenceTarget, ImportSummary,
    NewSession, PeriodState, Provenance, Publication, ReviewEntry, Role, SessionInfo, StoreConfig,
    TaskState, TaskUpdate, Transition, User, VerifyReport, WorkbookSummary, WorkflowStatus,
};

/// The application: the store, the reporting calendar, and what is derived once per plan.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct App {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    calendar: Calendar,
    /// Who reports each shared value, for the plan and catalogue version it was computed for.
    owners: Mutex<Option<OwnersFor>>,
    /// The last few years' missing reports ([`App::missing_reports`]), each for the inputs
    /// generation, model and day it was computed for.
    missing: Mutex<Vec<(MissingKey, Arc<Vec<Missing>>)>>,
}

/// What a list of missing reports depends on: the year, the values (inputs generation), the
/// plan and catalogue version, and the day (due dates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MissingKey {
    pub year: i32,
    pub inputs_generation: i64,
    pub model_generation: i64,
    pub catalogue_version: String,
    pub today: ecociv_core::date::Date,
}

#[derive(Debug)]
struct OwnersFor {
    model_generation: i64,
    catalogue_version: String,
    owners: Arc<Responsibilities>,
}

/// What a use case needs about the plan for a caller: the model, the owners of shared values
/// and the caller's scope.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub model: Arc<Model>,
    pub owners: Arc<Responsibilities>,
    pub scope: Scope,
}

impl App {
    pub fn new(store: Store) -> App {
        App::with_calendar(store, Calendar::default())
    }

    pub fn with_calendar(store: Store, calendar: Calendar) -> App {
        App {
            inner: Arc::new(Inner {
                store,
                calendar,
                owners: Mutex::new(None),
                missing: Mutex::new(Vec::new()),
            }),
        }
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Closes the database; clones stop working.
    pub async fn close(&self) {
        self.inner.store.close().await;
    }

    /// The reporting calendar.
    pub fn calendar(&self) -> Calendar {
        self.inner.calendar
    }

    /// Settings of the store the service needs to state limits (evidence size).
    pub fn limits(&self) -> &StoreConfig {
        self.inner.store.config()
    }

    /// Today in Beijing by the store's clock (tests move it).
    pub fn today(&self) -> Date {
        let beijing = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| {
            FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!("UTC is a valid offset"))
        });
        let d = self.inner.store.now().with_timezone(&beijing).date_naive();
        Date::new(d.year(), d.month() as u8, d.day() as u8).unwrap_or(Date {
            year: d.year(),
            month: 1,
            day: 1,
        })
    }

    /// The year being reported today (last year, within the plan).
    pub fn reporting_year(&self, plan: &Plan) -> i32 {
        self.inner.calendar.reporting_year(plan, self.today())
    }

    /// The active plan and catalogue. The plan is a public document: everyone may read it.
    pub async fn model(&self) -> AppResult<Arc<Model>> {
        Ok(self.inner.store.current_model().await?)
    }

    /// The data generation: moved by every committed write (values, reviews, publication, plan,
    /// accounts), so whatever is derived from the data (a public document, its ETag) is current
    /// exactly while the generation is unchanged.
    pub async fn data_generation(&self) -> AppResult<i64> {
        Ok(self.inner.store.generation().await?)
    }

    /// Whether the service can serve: the database answers and its schema is the one this
    /// build migrates to (for a load balancer's readiness probe).
    pub async fn readiness(&self) -> Readiness {
        match self.inner.store.schema_versions().await {
            Ok((expected, applied)) => Readiness {
                database: true,
                schema: Some(applied),
                expected,
            },
            Err(e) => {
                tracing::warn!("readiness: the database does not answer: {e}");
                Readiness {
                    database: false,
                    schema: None,
                    expected: 0,
                }
            }
        }
    }

    /// Counters for the operators' metrics: the database pool, the evaluation cache and the
    /// data generation (`None` when the database does not answer).
    pub async fn stats(&self) -> Stats {
        let (pool_open, pool_idle) = self.inner.store.pool_counts();
        Stats {
            pool_open,
            pool_idle,
            pool_max: self.inner.store.config().max_connections,
            evaluations: self.inner.store.eval_cache_counts(),
            generation: self.inner.store.generation().await.ok(),
        }
    }

    /// Whether the database holds demo data (示例数据), which every page must say.
    pub async fn has_demo(&self) -> AppResult<bool> {
        Ok(self.inner.store.has_demo().await?)
    }

    /// The owners of shared values under the active plan and catalogue version.
    pub async fn owners(&self) -> AppResult<Arc<Responsibilities>> {
        let model = self.model().await?;
        Ok(self.owners_of(&model))
    }

    pub(crate) fn owners_of(&self, model: &Model) -> Arc<Responsibilities> {
        let mut slot = self.inner.owners.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(o) = slot.as_ref()
            && o.model_generation == model.generation
            && o.catalogue_version == model.catalogue_version
        {
            return o.owners.clone();
        }
        let owners = Arc::new(Responsibilities::of(
            &model.plan,
            model.catalogue.version(&model.catalogue_version),
        ));
        *slot = Some(OwnersFor {
            model_generation: model.generation,
            catalogue_version: model.catalogue_version.clone(),
            owners: owners.clone(),
        });
        owners
    }

    /// The model, the owners and the caller's scope.
    pub(crate) async fn ctx(&self, caller: &Caller) -> AppResult<Ctx> {
        let model = self.model().await?;
        let owners = self.owners_of(&model);
        let scope = Scope::of(caller, &model, &owners);
        Ok(Ctx {
            model,
            owners,
            scope,
        })
    }

    /// The caller's scope under the active plan.
    pub async fn scope(&self, caller: &Caller) -> AppResult<Scope> {
        Ok(self.ctx(caller).await?.scope)
    }

    /// Whether the caller may do an action at all (for showing or hiding what it could use).
    pub fn allows(&self, caller: &Caller, action: Action) -> bool {
        policy::allows(caller, action)
    }

    /// The caller allowed to do `action`, or why not.
    pub fn require(&self, caller: &Caller, action: Action) -> AppResult<()> {
        policy::require(caller, action)
    }
}
