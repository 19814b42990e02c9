//! The message catalogue: every message ecociv writes for a user that has arguments, Chinese and
//! English side by side. A message is made where the program knows what happened (the store,
//! the application layer, a web layer) and rendered where the program knows who reads it (a
//! page, a JSON error, the command line), in that reader's language.
//!
//! Official names, plan texts, file names and codes are arguments and stay as given.

use std::fmt;

use crate::{Lang, Phrase, Words, tr};

/// The things messages speak of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Noun {
    Value,
    TaskUpdate,
    User,
    PlanVersion,
    CatalogueVersion,
    Indicator,
    Evidence,
    Assigned,
    Period,
    Task,
    Unit,
    Region,
    Page,
    File,
}

crate::words!(Noun {
    Value => "数据", "value";
    TaskUpdate => "任务进展", "task update";
    User => "用户", "user";
    PlanVersion => "方案版本", "plan version";
    CatalogueVersion => "国家指标版本", "catalogue version";
    Indicator => "指标", "indicator";
    Evidence => "佐证材料", "evidence file";
    Assigned => "上级下达目标", "assigned target";
    Period => "报告期", "reporting period";
    Task => "任务", "task";
    Unit => "单位", "unit";
    Region => "行政区", "region";
    Page => "页面", "page";
    File => "文件", "file";
});

/// The arguments of [`Msg::Readiness`]: the binding national rows of the city by status.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReadinessCounts {
    pub version: String,
    pub applicable: usize,
    /// Met, at risk included.
    pub met: usize,
    pub at_risk: usize,
    pub not_met: usize,
    pub no_data: usize,
    pub pending: usize,
    pub ready: bool,
    /// Rows not yet confirmed against the official text.
    pub unverified: usize,
    /// The catalogue version holds every row.
    pub complete: bool,
}

/// The arguments of [`Msg::TargetLaxerThanNational`]: a plan target laxer than the national row
/// of the version in force.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LaxTarget {
    pub task: u32,
    pub indicator: String,
    /// The region, when not the city.
    pub region: Option<String>,
    pub target: String,
    pub year: i32,
    pub attribute: Phrase,
    pub national: String,
    pub version: String,
    pub number: String,
}

/// The arguments of [`Msg::CurrentRecord`]: the record a stale edit met, with who changed it
/// when known.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CurrentRecord {
    pub value: String,
    pub state: Option<Phrase>,
    pub version: i64,
    pub by: Option<(String, String)>,
}

/// The arguments of [`Msg::Refused`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refusal {
    /// The person's name.
    pub who: String,
    /// What they asked to do.
    pub action: Phrase,
    pub why: RefusalWhy,
}

/// Why the policy refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum RefusalWhy {
    /// The role may not do the action at all.
    Role { role: Phrase },
    /// The value lies outside the unit's or region's scope.
    ValueScope { indicator: String, region: String },
    /// A shared indicator is reported and approved by its lead unit.
    OwnedByLead { indicator: String, lead: String },
    /// The task updates of another unit.
    TaskScope { unit: String },
}

/// A user-visible message with its arguments.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "message", rename_all = "snake_case")]
pub enum Msg {
    // ---- lookups -------------------------------------------------------------------------
    /// A record asked for by id or key does not exist.
    NotFound {
        what: Noun,
        key: String,
    },
    UnknownIndicator {
        code: String,
    },
    UnknownRegion {
        code: String,
    },
    UnknownRegionCode {
        code: String,
    },
    UnsupportedDatabase {
        url: String,
    },
    RestoreTargetNotEmpty {
        url: String,
        events: i64,
    },
    UnknownUnit {
        code: String,
    },
    UnknownTask {
        number: String,
    },
    UnknownRole {
        role: String,
    },
    UnknownStatus {
        status: String,
        allowed: String,
    },
    UnknownProgress {
        progress: String,
    },
    UnknownProvenance {
        provenance: String,
    },
    UnknownAction {
        action: String,
    },
    UnknownCatalogueVersion {
        version: String,
        available: String,
    },
    YearOutsidePlan {
        year: i32,
        from: i32,
        to: i32,
    },
    PeriodOutsidePlan {
        period: String,
        from: i32,
        to: i32,
    },
    InvalidPeriod {
        text: String,
        reason: String,
    },
    NotAYear {
        text: String,
    },
    InvalidVersionNumber {
        text: String,
    },
    // ---- values ----------------------------------------------------------------------------
    /// A value that does not parse or lies outside the indicator's range; `reason` from the
    /// indicator's own check.
    BadValue {
        indicator: String,
        reason: Box<Msg>,
    },
    CommentTooLong {
        max: usize,
    },
    CommentEmpty,
    ValueNotFinite,
    YesNoOnly {
        indicator: String,
    },
    YesNoExpected {
        indicator: String,
        got: String,
    },
    /// `min` and `max` with their unit: `0μg/m³`, `100%`.
    BelowMinimum {
        indicator: String,
        value: String,
        min: String,
    },
    AboveMaximum {
        indicator: String,
        value: String,
        max: String,
    },
    PercentForNonPercent {
        indicator: String,
        unit: String,
    },
    NotANumber {
        text: String,
    },
    ThresholdSyntax {
        detail: String,
    },
    TemplateProblem {
        detail: String,
    },
    NameUnitOrRegionParam,
    CommentNotAllowed,
    NarrativeTooLong {
        max: usize,
    },
    PercentOutOfRange {
        percent: i64,
    },
    PercentNotWhole,
    ReasonRequired,
    ReturnReasonRequired,
    CorrectionReasonRequired,
    /// Someone changed the record since the caller read it.
    Stale {
        what: Noun,
        key: Option<String>,
        version: Option<i64>,
        state: Option<Phrase>,
    },
    /// The record the caller edited is gone.
    Gone {
        what: Noun,
    },
    /// Someone created the same record a moment ago.
    CreatedMeanwhile {
        what: Noun,
    },
    InReview {
        what: Noun,
    },
    Locked {
        what: Noun,
    },
    ValueLocked {
        indicator: String,
        region: String,
        period: String,
    },
    Superseded {
        by: i64,
        action: Phrase,
    },
    NotInState {
        what: Noun,
        state: Phrase,
        action: Phrase,
    },
    OwnSubmission {
        what: Noun,
    },
    OpenCorrection {
        id: i64,
        state: Phrase,
    },
    TaskNumberInvalid {
        number: i64,
    },
    NotResponsibleForTask {
        unit: String,
        task: u32,
    },
    PeriodClosed {
        period: String,
        reason: String,
        of: String,
    },
    PeriodAlreadyClosed {
        period: String,
    },
    PeriodNotClosed {
        period: String,
    },
    // ---- assigned targets, plan, catalogue ------------------------------------------------
    AssignedThresholdKind,
    AssignedDocumentRequired,
    DictionaryNotAVersion,
    VersionIdMismatch {
        name: String,
    },
    PlanNoLongerValid {
        detail: String,
    },
    /// Located problems of a plan or catalogue file, listed in `detail`.
    ModelProblems {
        what: Noun,
        count: usize,
        detail: String,
    },
    NoCatalogueDictionary,
    NoActivePlan,
    // ---- files ---------------------------------------------------------------------------------
    FileNameInvalid,
    FileEmpty,
    FileTooLarge {
        size: usize,
        limit: usize,
    },
    BodyTooLarge {
        limit: usize,
    },
    NotUtf8 {
        file: String,
        at: usize,
    },
    NoFile,
    ChooseFile,
    ChooseCsvFile,
    ChoosePlanFile,
    PlanNotUtf8,
    UploadMalformed {
        detail: String,
    },
    UploadUnreadable {
        detail: String,
    },
    MissingFileField,
    /// An all-or-nothing import refused: `count` problems, the first ones in `first`.
    ImportRejected {
        file: String,
        count: usize,
        first: String,
    },
    WorkbookRejected {
        file: String,
        count: usize,
        first: String,
    },
    NoDataRows,
    /// The line above a refused import's list of problems.
    RejectedSummary {
        workbook: bool,
        count: usize,
    },
    ImportOutOfScope {
        indicator: String,
        region: String,
    },
    /// `ecociv fixture`: what was written (规模测试数据).
    FixtureWritten {
        dir: String,
        regions: usize,
        rows: usize,
        corrected: usize,
    },
    // ---- accounts and sessions ---------------------------------------------------------------
    PasswordTooShort {
        min: usize,
    },
    PasswordIsUsername,
    UsernameInvalid {
        name: String,
    },
    UsernameTaken {
        name: String,
    },
    DisplayNameEmpty,
    BindingRequired {
        role: Phrase,
    },
    BindingNotAllowed {
        role: Phrase,
    },
    CannotDisableSelf,
    WrongCurrentPassword,
    CredentialsTooLong,
    InvalidCredentials,
    AccountLocked {
        until: String,
    },
    AccountDisabled,
    // ---- policy ------------------------------------------------------------------------------
    SignInRequired,
    /// A caller refused by the policy: who, what, and why.
    Refused(Box<Refusal>),
    NotVisible,
    EvidenceOutOfScope,
    TemplateOfOtherReporter {
        who: String,
        asked: String,
    },
    NameUnitOrRegion,
    UnitRequired,
    // ---- web layers ----------------------------------------------------------------------------
    CsrfMissing,
    CrossSite,
    RateLimited {
        seconds: u64,
    },
    JsonSyntax {
        detail: String,
    },
    JsonContentType,
    JsonUnreadable {
        detail: String,
    },
    JsonMissingField {
        field: String,
    },
    JsonUnknownField {
        field: String,
    },
    JsonWrongType {
        field: String,
        detail: String,
    },
    JsonOther {
        detail: String,
    },
    NoSuchPath {
        path: String,
    },
    MethodNotAllowed {
        method: String,
        path: String,
    },
    Internal {
        id: String,
    },
    FontsMissing {
        reason: String,
    },
    NotPublished {
        year: i32,
        range: Option<(i32, i32)>,
    },
    IndicatorNotPublished {
        code: String,
    },
    NoOpenDataFile {
        file: String,
        available: String,
    },
    NothingPublished,
    TaskNotInPlan {
        number: String,
    },
    IndicatorNotInPlan {
        code: String,
    },
    YearNotInRange {
        text: String,
        from: i32,
        to: i32,
    },
    TaskDeadlinePassed {
        deadline: String,
    },
    /// The record a stale edit met: 「。当前：95（待审核，版本 3）」, with who changed it when
    /// known (「95（待审核，版本 3，张三 于 2026-01-02 10:00 修改）」 follows from `by`).
    CurrentRecord(Box<CurrentRecord>),
    /// 「任务12 标题（2024）」: a task named in a list.
    TaskRef {
        number: i64,
        title: String,
        period: Option<String>,
    },
    /// 「2025年」.
    Year {
        year: i32,
    },
    /// 「2025年≥95%」: a target or value at a year.
    AtYear {
        year: i32,
        text: String,
    },
    /// 「甲、乙、丙等5个单位」: a list cut to its first names.
    AndMore {
        names: String,
        count: usize,
    },
    /// 「≥60（2021 第10项）」: a national threshold with its row.
    NationalRowRef {
        text: String,
        version: String,
        number: String,
    },
    /// 「近5年（2020–2024）年均提高0.5个百分点」: the linear trend of a forecast.
    Trend {
        points: usize,
        from: i32,
        to: i32,
        change: String,
    },
    /// The dashboard's note on the national standard evaluated against.
    CatalogueNote {
        title: String,
        applicable: usize,
    },
    TaskNoProgress {
        unit: String,
        year: i32,
    },
    // ---- plan check ----------------------------------------------------------------------------
    /// A plan target laxer than the national row of the version in force.
    TargetLaxerThanNational(Box<LaxTarget>),
    /// The readiness sentence of an evaluation: the binding rows by status and whether the city
    /// could apply.
    Readiness(Box<ReadinessCounts>),
    // issue 12: auth
    /// Too many wrong current passwords from this address: changing one's password waits.
    PasswordAttemptsLocked {
        until: String,
    },
    PasswordContainsUsername,
    PasswordTooFewDistinct {
        min: usize,
    },
    /// A common password, a keyboard or alphabet run, or one of them with digits or symbols added.
    PasswordCommon,
    // issue 12: store
    /// Evidence cannot be attached to (or removed from) an approved record.
    EvidenceLocked {
        what: Noun,
    },
    /// Evidence cannot be attached to (or removed from) a record of a closed period.
    EvidencePeriodClosed {
        period: String,
        reason: String,
    },
    /// The author of a record's content (who created or edited it) may not approve it.
    OwnWork {
        what: Noun,
    },
    /// `audit verify --expect` was given something that is not `SEQ:HASH`.
    AuditHeadInvalid {
        text: String,
    },
    /// A backup whose audit chain does not verify is not restored.
    BackupTampered {
        reason: String,
    },
    // issue 12: gov
    /// The session's password has expired or was set by someone else: change it first.
    PasswordChangeRequired,
    /// A management account (administrator, auditor) used from outside the address allow-list.
    ManagementAddressRefused {
        role: Phrase,
        address: String,
    },
    /// An entry of the address allow-list that is not an address or a network.
    InvalidAddressRange {
        text: String,
    },
    /// The new password and its repetition differ.
    PasswordsDiffer,
    // issue 12: public
    /// A page size of a list outside 1..=max.
    PageLimitOutOfRange {
        limit: i64,
        max: i64,
    },
    /// A list cursor that is not one the list handed out.
    BadCursor {
        cursor: String,
    },
    /// The reporting page is annual; a quarter or month was asked for.
    ReportingIsAnnual {
        period: String,
        year: i32,
        from: i32,
        to: i32,
    },
    /// Too many requests without sign-in from one address.
    TooManyPublicRequests {
        seconds: u64,
    },
    // issue 12: import
    /// A write waited too long for the database's write lock (another write, a bulk import, held
    /// it); nothing was changed.
    DatabaseBusy {
        seconds: u64,
    },
}

impl Msg {
    /// The message in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        use Msg::*;
        let w = |n: &Noun| n.word(lang);
        match self {
            NotFound { what, key } => {
                let what = w(what);
                tr!(
                    lang,
                    "{what}“{key}”不存在",
                    "The {what} “{key}” does not exist"
                )
            }
            UnknownIndicator { code } => {
                tr!(lang, "未知的指标“{code}”", "Unknown indicator “{code}”")
            }
            UnknownRegion { code } => tr!(lang, "未知的行政区“{code}”", "Unknown region “{code}”"),
            UnknownRegionCode { code } => tr!(
                lang,
                "行政区代码“{code}”不在实施方案中",
                "The region code “{code}” is not in the plan"
            ),
            UnsupportedDatabase { url } => tr!(
                lang,
                "不支持的数据库地址“{url}”：应为 sqlite:文件路径 或 postgres://用户@主机:端口/库名",
                "Unsupported database address “{url}”: use sqlite:PATH or postgres://user@host:port/database"
            ),
            RestoreTargetNotEmpty { url, events } => tr!(
                lang,
                "目标数据库 {url} 已有数据（{events} 条审计事件）；请恢复到一个新的数据库",
                "The target database {url} already holds data ({events} audit events); restore into a new database"
            ),
            UnknownUnit { code } => tr!(
                lang,
                "单位代码“{code}”不在实施方案中",
                "The unit code “{code}” is not in the plan"
            ),
            UnknownTask { number } => tr!(
                lang,
                "实施方案中没有第{number}项任务",
                "The plan has no task {number}"
            ),
            UnknownRole { role } => tr!(
                lang,
                "角色“{role}”无效，可用: admin、coordinator、reporter、reviewer、viewer、auditor",
                "Unknown role “{role}”; use admin, coordinator, reporter, reviewer, viewer or auditor"
            ),
            UnknownStatus { status, allowed } => tr!(
                lang,
                "状态“{status}”无效，可用: {allowed}",
                "Unknown status “{status}”; use {allowed}"
            ),
            UnknownProgress { progress } => tr!(
                lang,
                "进展状态“{progress}”无效，可用: not_started、in_progress、completed、delayed",
                "Unknown progress “{progress}”; use not_started, in_progress, completed or delayed"
            ),
            UnknownProvenance { provenance } => tr!(
                lang,
                "来源“{provenance}”无效，可用: import、engine",
                "Unknown provenance “{provenance}”; use import or engine"
            ),
            UnknownAction { action } => {
                tr!(lang, "未知的操作“{action}”", "Unknown action “{action}”")
            }
            UnknownCatalogueVersion { version, available } => tr!(
                lang,
                "国家指标版本“{version}”不存在，可用: {available}",
                "The catalogue version “{version}” does not exist; available: {available}"
            ),
            YearOutsidePlan { year, from, to } => tr!(
                lang,
                "年份{year}超出方案范围（{from}–{to}年）",
                "The year {year} lies outside the plan ({from}–{to})"
            ),
            PeriodOutsidePlan { period, from, to } => tr!(
                lang,
                "报告期{period}超出方案范围（{from}–{to}年）",
                "The period {period} lies outside the plan ({from}–{to})"
            ),
            InvalidPeriod { text, reason } => tr!(
                lang,
                "报告期“{text}”无效：{reason}",
                "Invalid period “{text}”: {reason}"
            ),
            NotAYear { text } => tr!(lang, "“{text}”不是年份", "“{text}” is not a year"),
            InvalidVersionNumber { text } => tr!(
                lang,
                "版本号“{text}”无效",
                "Invalid version number “{text}”"
            ),
            BadValue { indicator, reason } => {
                let reason = reason.text(lang);
                tr!(
                    lang,
                    "“{indicator}”的值有误：{reason}",
                    "The value of “{indicator}” is wrong: {reason}"
                )
            }
            CommentTooLong { max } => tr!(
                lang,
                "说明不能超过{max}字",
                "The comment may not exceed {max} characters"
            ),
            CommentEmpty => tr!(lang, "留言不能为空", "The comment is empty"),
            ValueNotFinite => tr!(lang, "数值无效", "Not a valid number"),
            YesNoOnly { indicator } => tr!(
                lang,
                "“{indicator}”为是否类指标，只能填“是”或“否”",
                "“{indicator}” is a yes/no indicator: only 是 (yes) or 否 (no)"
            ),
            YesNoExpected { indicator, got } => tr!(
                lang,
                "“{indicator}”为是否类指标，应填“是”或“否”，而不是“{got}”",
                "“{indicator}” is a yes/no indicator: enter 是 (yes) or 否 (no), not “{got}”"
            ),
            BelowMinimum {
                indicator,
                value,
                min,
            } => tr!(
                lang,
                "“{indicator}”的值{value}低于允许的最小值{min}",
                "The value {value} of “{indicator}” is below the allowed minimum {min}"
            ),
            AboveMaximum {
                indicator,
                value,
                max,
            } => tr!(
                lang,
                "“{indicator}”的值{value}超过允许的最大值{max}",
                "The value {value} of “{indicator}” exceeds the allowed maximum {max}"
            ),
            PercentForNonPercent { indicator, unit } => tr!(
                lang,
                "单位不符：“{indicator}”的单位是“{unit}”，不是%",
                "Wrong unit: “{indicator}” is measured in “{unit}”, not %"
            ),
            NotANumber { text } => tr!(lang, "“{text}”不是数字", "“{text}” is not a number"),
            ThresholdSyntax { detail } => {
                tr!(lang, "{detail}", "Invalid target expression: {detail}")
            }
            TemplateProblem { detail } => {
                tr!(lang, "{detail}", "The template cannot be made: {detail}")
            }
            NameUnitOrRegionParam => tr!(
                lang,
                "请指定单位（unit）或行政区（region）",
                "Name a unit (unit) or a region (region)"
            ),
            CommentNotAllowed => tr!(
                lang,
                "只有填报、参与或审核该数据的单位可以留言",
                "Only the units that report, take part in or review a value may comment on it"
            ),
            NarrativeTooLong { max } => tr!(
                lang,
                "进展说明不能超过{max}字",
                "The narrative may not exceed {max} characters"
            ),
            PercentOutOfRange { percent } => tr!(
                lang,
                "完成百分比应在0到100之间，而不是{percent}",
                "The share done must lie between 0 and 100, not {percent}"
            ),
            PercentNotWhole => tr!(
                lang,
                "完成百分比须为0–100的整数",
                "The share done must be a whole number from 0 to 100"
            ),
            ReasonRequired => tr!(
                lang,
                "请填写原因（reason）",
                "Please give a reason (reason)"
            ),
            ReturnReasonRequired => tr!(
                lang,
                "退回时须填写原因（reason）",
                "A return needs a reason (reason)"
            ),
            CorrectionReasonRequired => tr!(
                lang,
                "更正已审核的数据须说明原因（reason）",
                "A correction of an approved value needs a reason (reason)"
            ),
            Stale {
                what,
                key,
                version,
                state,
            } => {
                let key = key.clone().unwrap_or_default();
                let detail = match (version, state) {
                    (Some(v), Some(s)) => {
                        let s = s.get(lang);
                        tr!(
                            lang,
                            "（当前版本 {v}，状态：{s}）",
                            " (now version {v}, {s})"
                        )
                    }
                    (Some(v), None) => tr!(lang, "（当前版本 {v}）", " (now version {v})"),
                    _ => String::new(),
                };
                match (lang, what) {
                    (Lang::Zh, Noun::Value) => format!("数据已被他人修改{detail}，请刷新后重试"),
                    (Lang::Zh, Noun::Assigned) => {
                        format!("该上级下达目标已被他人修改{detail}，请刷新后重试")
                    }
                    (Lang::Zh, Noun::Period) => {
                        format!("报告期{key}的状态已被他人修改{detail}，请刷新后重试")
                    }
                    (Lang::Zh, Noun::CatalogueVersion | Noun::User) => format!(
                        "{}“{key}”已被他人修改{detail}，请刷新后重试",
                        what.word(lang)
                    ),
                    (Lang::Zh, _) => {
                        format!("{}已被他人修改{detail}，请刷新后重试", what.word(lang))
                    }
                    (Lang::En, _) => {
                        let key = if key.is_empty() {
                            String::new()
                        } else {
                            format!(" “{key}”")
                        };
                        format!(
                            "Someone else changed this {}{key}{detail}; reload and try again",
                            what.word(lang)
                        )
                    }
                }
            }
            Gone { what } => match (lang, what) {
                (Lang::Zh, Noun::Value) => {
                    "该数据已不存在（可能已被删除或替换），请刷新后重试".into()
                }
                (Lang::Zh, _) => format!("该{}已不存在，请刷新后重试", what.word(lang)),
                (Lang::En, _) => format!(
                    "This {} no longer exists; reload and try again",
                    what.word(lang)
                ),
            },
            CreatedMeanwhile { what } => match (lang, what) {
                (Lang::Zh, Noun::Value) => {
                    "同一指标、地区和报告期的数据刚被他人创建，请刷新后重试".into()
                }
                (Lang::Zh, _) => format!("该{}刚被他人创建，请刷新后重试", what.word(lang)),
                (Lang::En, _) => format!(
                    "Someone else created this {} a moment ago; reload and try again",
                    what.word(lang)
                ),
            },
            InReview { what } => match (lang, what) {
                (Lang::Zh, Noun::Value) => {
                    "该数据已提交，正在审核，不能修改；如需修改请联系审核人退回".into()
                }
                (Lang::Zh, _) => "该进展已提交，正在审核，不能修改".into(),
                (Lang::En, _) => format!(
                    "This {} is submitted and awaits review; it cannot be changed (ask the reviewer to return it)",
                    what.word(lang)
                ),
            },
            Locked { what } => match lang {
                Lang::Zh => format!(
                    "该{}已审核通过并锁定，不能修改",
                    match what {
                        Noun::TaskUpdate => "进展",
                        other => other.word(lang),
                    }
                ),
                Lang::En => format!(
                    "This {} is approved and locked; it cannot be changed",
                    what.word(lang)
                ),
            },
            ValueLocked {
                indicator,
                region,
                period,
            } => tr!(
                lang,
                "{indicator} {region} {period}的数据已审核通过并锁定；如需更正，请提交更正并说明原因",
                "The value of {indicator} for {region} in {period} is approved and locked; to change it, submit a correction with a reason"
            ),
            Superseded { by, action } => {
                let action = action.get(lang);
                tr!(
                    lang,
                    "该数据已被第{by}号更正替代，不能{action}",
                    "This value was replaced by correction no. {by}; it cannot be {action}"
                )
            }
            NotInState {
                what,
                state,
                action,
            } => {
                let (state, action) = (state.get(lang), action.get(lang));
                match lang {
                    Lang::Zh => {
                        let what = match what {
                            Noun::TaskUpdate => "进展",
                            other => other.word(lang),
                        };
                        format!("该{what}当前为“{state}”，不能{action}")
                    }
                    Lang::En => format!(
                        "This {} is “{state}”; it cannot be {action}",
                        what.word(lang)
                    ),
                }
            }
            OwnSubmission { what } => match lang {
                Lang::Zh => format!(
                    "不能审核自己提交的{}，请由其他审核人审核",
                    match what {
                        Noun::TaskUpdate => "进展",
                        other => other.word(lang),
                    }
                ),
                Lang::En => format!(
                    "Nobody approves their own submission: another reviewer must approve this {}",
                    what.word(lang)
                ),
            },
            OpenCorrection { id, state } => {
                let state = state.get(lang);
                tr!(
                    lang,
                    "该数据已有一条未完成审核的记录（第{id}号，{state}），请先处理它",
                    "This value already has a record in review (no. {id}, {state}); deal with it first"
                )
            }
            TaskNumberInvalid { number } => {
                tr!(lang, "任务编号{number}无效", "Invalid task number {number}")
            }
            NotResponsibleForTask { unit, task } => tr!(
                lang,
                "{unit}不是第{task}项任务的牵头或参与单位",
                "{unit} neither leads nor joins task {task}"
            ),
            PeriodClosed { period, reason, of } => tr!(
                lang,
                "报告期{period}已关闭（{reason}），不能再修改{of}的数据；如需修改，请创建办重新开放该报告期",
                "The period {period} is closed ({reason}); values of {of} can no longer change. The creation office can reopen it"
            ),
            PeriodAlreadyClosed { period } => tr!(
                lang,
                "报告期{period}已经关闭",
                "The period {period} is already closed"
            ),
            PeriodNotClosed { period } => tr!(
                lang,
                "报告期{period}未关闭，无需重新开放",
                "The period {period} is not closed; there is nothing to reopen"
            ),
            AssignedThresholdKind => tr!(
                lang,
                "上级下达目标须是比较（如 <= 45）或变化率（如 change >= 5%）",
                "An assigned target is a comparison (such as <= 45) or a change (such as change >= 5%)"
            ),
            AssignedDocumentRequired => tr!(
                lang,
                "须注明下达目标的文件（文号）",
                "Name the document that assigned the target"
            ),
            DictionaryNotAVersion => tr!(
                lang,
                "指标字典不能作为版本文件修改",
                "The indicator dictionary cannot be edited as a version file"
            ),
            VersionIdMismatch { name } => tr!(
                lang,
                "文件中的版本号与“{name}”不一致",
                "The version id in the file differs from “{name}”"
            ),
            PlanNoLongerValid { detail } => tr!(
                lang,
                "修改后当前方案无法通过校验：{detail}",
                "After this change the active plan no longer validates: {detail}"
            ),
            ModelProblems {
                what,
                count,
                detail,
            } => match (lang, what) {
                (Lang::Zh, Noun::CatalogueVersion) => {
                    format!("国家指标数据有{count}处错误:\n{detail}")
                }
                (Lang::Zh, _) => format!("方案文件有{count}处错误:\n{detail}"),
                (Lang::En, _) => format!(
                    "The {} file has {count} problem(s):\n{detail}",
                    what.word(lang)
                ),
            },
            NoCatalogueDictionary => tr!(
                lang,
                "数据库中没有国家指标字典",
                "The database holds no indicator dictionary"
            ),
            NoActivePlan => tr!(
                lang,
                "数据库中没有启用的实施方案",
                "The database holds no active plan"
            ),
            FileNameInvalid => tr!(
                lang,
                "文件名不能为空，且不超过200个字符",
                "A file name must be given and at most 200 characters long"
            ),
            FileEmpty => tr!(lang, "文件为空", "The file is empty"),
            FileTooLarge { size, limit } => tr!(
                lang,
                "文件过大：{size} 字节，上限为 {limit} 字节",
                "The file is too large: {size} bytes, the limit is {limit} bytes"
            ),
            BodyTooLarge { limit } => tr!(
                lang,
                "请求体过大：上限为 {limit} 字节（可由管理员配置）",
                "The request is too large: the limit is {limit} bytes (the administrator can change it)"
            ),
            NotUtf8 { file, at } => tr!(
                lang,
                "{file}不是 UTF-8 编码（第{at}字节处无效）；若为 Excel 导出的 GBK 文件，请另存为“CSV UTF-8”",
                "{file} is not UTF-8 (invalid at byte {at}); save a GBK file from Excel as “CSV UTF-8”"
            ),
            NoFile => tr!(lang, "请选择要上传的文件", "Choose a file to upload"),
            ChooseFile => tr!(lang, "请选择要上传的文件", "Choose a file to upload"),
            ChooseCsvFile => tr!(lang, "请选择要导入的 CSV 文件", "Choose the file to import"),
            ChoosePlanFile => tr!(lang, "请选择方案文件（TOML）", "Choose a plan file (TOML)"),
            PlanNotUtf8 => tr!(lang, "方案文件须为 UTF-8 编码", "A plan file must be UTF-8"),
            UploadMalformed { detail } => tr!(
                lang,
                "上传格式有误：{detail}",
                "The upload is malformed: {detail}"
            ),
            UploadUnreadable { detail } => tr!(
                lang,
                "读取上传文件失败：{detail}",
                "The uploaded file could not be read: {detail}"
            ),
            MissingFileField => tr!(
                lang,
                "缺少文件字段“file”",
                "The form field “file” is missing"
            ),
            ImportRejected { file, count, first } => match lang {
                Lang::Zh if file.is_empty() => {
                    format!("导入文件有 {count} 处错误，未导入任何数据：{first}")
                }
                Lang::Zh => format!("{file} 有 {count} 处错误，未导入任何数据：{first}"),
                Lang::En => format!(
                    "{} has {count} problem(s); nothing was imported: {first}",
                    if file.is_empty() { "The file" } else { file }
                ),
            },
            WorkbookRejected { file, count, first } => tr!(
                lang,
                "{file} 有 {count} 处错误，未导入任何数据：{first}",
                "{file} has {count} problem(s); nothing was imported: {first}"
            ),
            NoDataRows => tr!(lang, "文件中没有数据行", "The file has no data rows"),
            RejectedSummary { workbook, count } => match (lang, workbook) {
                (Lang::Zh, true) => format!("工作簿有 {count} 处错误，未导入任何数据："),
                (Lang::Zh, false) => format!("导入文件有 {count} 处错误，未导入任何数据："),
                (Lang::En, true) => {
                    format!("The workbook has {count} problem(s); nothing was imported:")
                }
                (Lang::En, false) => {
                    format!("The file has {count} problem(s); nothing was imported:")
                }
            },
            ImportOutOfScope { indicator, region } => tr!(
                lang,
                "无权填报“{indicator}”在“{region}”的数据",
                "You may not report “{indicator}” for “{region}”"
            ),
            FixtureWritten {
                dir,
                regions,
                rows,
                corrected,
            } => tr!(
                lang,
                "已写入规模测试数据（非真实数据）到 {dir}：{regions} 个地区，{rows} 条指标值，{corrected} 条更正",
                "Scale fixture (not real data) written to {dir}: {regions} regions, {rows} values, {corrected} corrections"
            ),
            PasswordTooShort { min } => tr!(
                lang,
                "密码至少需要{min}个字符",
                "A password needs at least {min} characters"
            ),
            PasswordIsUsername => tr!(
                lang,
                "密码不能与用户名相同",
                "The password may not equal the user name"
            ),
            UsernameInvalid { name } => tr!(
                lang,
                "用户名“{name}”无效：应为2–32个小写英文字母、数字或 . _ -",
                "Invalid user name “{name}”: use 2–32 lower-case letters, digits or . _ -"
            ),
            UsernameTaken { name } => tr!(
                lang,
                "用户名“{name}”已存在",
                "The user name “{name}” is taken"
            ),
            DisplayNameEmpty => tr!(lang, "姓名不能为空", "The name may not be empty"),
            BindingRequired { role } => {
                let role = role.get(lang);
                tr!(
                    lang,
                    "{role}须绑定一个单位（unit）或一个行政区（region），且只能绑定其一",
                    "A {role} is bound to one unit or one region, not both"
                )
            }
            BindingNotAllowed { role } => {
                let role = role.get(lang);
                tr!(
                    lang,
                    "{role}不绑定单位或行政区",
                    "A {role} is bound to no unit or region"
                )
            }
            CannotDisableSelf => tr!(
                lang,
                "不能停用自己的账户",
                "You cannot disable your own account"
            ),
            WrongCurrentPassword => tr!(lang, "当前密码不正确", "The current password is wrong"),
            CredentialsTooLong => tr!(
                lang,
                "用户名或密码过长",
                "The user name or password is too long"
            ),
            InvalidCredentials => tr!(
                lang,
                "用户名或密码错误，或账户暂不能登录（连续失败多次后请稍后再试，或联系管理员）",
                "Wrong user name or password, or the account cannot sign in now (after repeated failures try later, or ask the administrator)"
            ),
            AccountLocked { until } => tr!(
                lang,
                "连续登录失败次数过多，账户已锁定至 {until}，请稍后再试或联系管理员",
                "Too many failed logins: the account is locked until {until}; try later or ask the administrator"
            ),
            AccountDisabled => tr!(
                lang,
                "账户已停用，请联系管理员",
                "The account is disabled; ask the administrator"
            ),
            SignInRequired => tr!(
                lang,
                "请先登录（POST /api/v1/session）",
                "Sign in first (POST /api/v1/session)"
            ),
            Refused(r) => {
                let who = &r.who;
                let action = r.action.get(lang);
                match &r.why {
                    RefusalWhy::Role { role } => {
                        let role = role.get(lang);
                        tr!(
                            lang,
                            "{who}（{role}）无权{action}",
                            "{who} ({role}) may not {action}"
                        )
                    }
                    RefusalWhy::ValueScope { indicator, region } => tr!(
                        lang,
                        "{who}无权{action}：指标“{indicator}”、地区“{region}”不在本单位（地区）的填报范围内",
                        "{who} may not {action}: indicator “{indicator}” for region “{region}” is outside their unit's or region's scope"
                    ),
                    RefusalWhy::OwnedByLead { indicator, lead } => tr!(
                        lang,
                        "{who}无权{action}：指标“{indicator}”由牵头单位{lead}填报和审核，参与单位可查看并留言",
                        "{who} may not {action}: “{indicator}” is reported and approved by its lead unit {lead}; participating units can read and comment on it"
                    ),
                    RefusalWhy::TaskScope { unit } => tr!(
                        lang,
                        "{who}无权{action}：单位“{unit}”的任务不在本单位范围内",
                        "{who} may not {action}: the tasks of unit “{unit}” are outside their scope"
                    ),
                }
            }
            NotVisible => tr!(
                lang,
                "该数据不在本单位（地区）范围内，且尚未审核通过",
                "This value is outside your unit's or region's scope and not approved yet"
            ),
            EvidenceOutOfScope => tr!(
                lang,
                "该佐证材料所属的数据不在本单位（地区）范围内",
                "This evidence belongs to data outside your unit's or region's scope"
            ),
            TemplateOfOtherReporter { who, asked } => tr!(
                lang,
                "{who}只能使用本单位（县区）的填报模板，不能使用“{asked}”的模板",
                "{who} can use only their own unit's or county's template, not the one of “{asked}”"
            ),
            NameUnitOrRegion => tr!(
                lang,
                "请用 unit（单位代码）或 region（县区代码）指定要生成模板的单位或县区",
                "Name the unit (unit code) or county (region code) whose template to make"
            ),
            UnitRequired => tr!(lang, "请指定单位代码（unit）", "Name the unit code (unit)"),
            CsrfMissing => tr!(
                lang,
                "缺少或无效的 CSRF 令牌：已登录时修改数据的请求须带请求头 X-CSRF-Token 或表单字段 csrf_token（登录后由 GET /api/v1/session 返回）",
                "Missing or invalid CSRF token: when signed in, a change must carry the header X-CSRF-Token or the form field csrf_token (GET /api/v1/session returns it)"
            ),
            CrossSite => tr!(
                lang,
                "拒绝跨站请求：请求来自其他网站（Origin / Sec-Fetch-Site 不符）",
                "Cross-site request refused: it comes from another site (Origin / Sec-Fetch-Site)"
            ),
            RateLimited { seconds } => tr!(
                lang,
                "登录尝试过于频繁，请 {seconds} 秒后再试",
                "Too many login attempts; try again in {seconds} seconds"
            ),
            JsonSyntax { detail } => tr!(
                lang,
                "请求体不是有效的 JSON：{detail}",
                "The request body is not valid JSON: {detail}"
            ),
            JsonContentType => tr!(
                lang,
                "请求体须为 JSON（Content-Type: application/json）",
                "The request body must be JSON (Content-Type: application/json)"
            ),
            JsonUnreadable { detail } => tr!(
                lang,
                "无法读取请求体：{detail}",
                "The request body could not be read: {detail}"
            ),
            JsonMissingField { field } => tr!(
                lang,
                "请求体有误：缺少字段“{field}”",
                "The request body lacks the field “{field}”"
            ),
            JsonUnknownField { field } => tr!(
                lang,
                "请求体有误：未知字段“{field}”",
                "The request body has an unknown field “{field}”"
            ),
            JsonWrongType { field, detail } => tr!(
                lang,
                "请求体有误：字段“{field}”的类型或取值不正确（{detail}）",
                "The field “{field}” of the request body has a wrong type or value ({detail})"
            ),
            JsonOther { detail } => tr!(
                lang,
                "请求体有误：JSON 格式错误：{detail}",
                "The request body is wrong: {detail}"
            ),
            NoSuchPath { path } => tr!(
                lang,
                "没有这个地址：{path}（接口文档见 /api/docs/）",
                "There is nothing at {path} (the API is documented at /api/docs/)"
            ),
            MethodNotAllowed { method, path } => tr!(
                lang,
                "{path} 不支持 {method} 请求（接口文档见 /api/docs/）",
                "{path} does not accept {method} (the API is documented at /api/docs/)"
            ),
            Internal { id } => tr!(
                lang,
                "服务器内部错误，请稍后重试；如持续出现，请联系管理员并提供错误编号 {id}",
                "Internal server error; try again later, and if it persists tell the administrator the error number {id}"
            ),
            FontsMissing { reason } => tr!(
                lang,
                "服务器缺少中文字体，暂不能生成自评估报告（报告中的图表需要中文字体）。请管理员安装 fonts-noto-cjk（apt-get install fonts-noto-cjk），或用 --font-dir 指定中文字体目录后重启服务。原因：{reason}",
                "The server lacks a Chinese font, so the self-assessment report cannot be made (its charts need one). The administrator can install fonts-noto-cjk (apt-get install fonts-noto-cjk) or restart the service with --font-dir naming a CJK font directory. Cause: {reason}"
            ),
            NotPublished { year, range } => match (lang, range) {
                (Lang::Zh, Some((a, b))) => format!(
                    "{year}年的数据尚未公开；已公开的年份：{a}–{b}年（创建办公开报告期后可下载）"
                ),
                (Lang::Zh, None) => format!(
                    "{year}年的数据尚未公开；目前没有公开的年份（创建办公开报告期后可下载）"
                ),
                (Lang::En, Some((a, b))) => format!(
                    "The data of {year} are not published; published years: {a}–{b} (the creation office publishes a period)"
                ),
                (Lang::En, None) => format!(
                    "The data of {year} are not published; no year is published yet (the creation office publishes a period)"
                ),
            },
            IndicatorNotPublished { code } => tr!(
                lang,
                "指标“{code}”未公开",
                "The indicator “{code}” is not published"
            ),
            NoOpenDataFile { file, available } => tr!(
                lang,
                "公开数据中没有文件“{file}”；可用：{available}",
                "Open data has no file “{file}”; available: {available}"
            ),
            NothingPublished => tr!(
                lang,
                "目前没有公开的年份（创建办公开报告期后可下载）",
                "No year is published yet (the creation office publishes a period)"
            ),
            TaskNotInPlan { number } => tr!(
                lang,
                "实施方案中没有第{number}号任务",
                "The plan has no task {number}"
            ),
            IndicatorNotInPlan { code } => tr!(
                lang,
                "指标“{code}”不在实施方案中",
                "The indicator “{code}” is not in the plan"
            ),
            YearNotInRange { text, from, to } => tr!(
                lang,
                "年份“{text}”无效：应在{from}–{to}年之间",
                "Invalid year “{text}”: it must lie between {from} and {to}"
            ),
            CurrentRecord(c) => {
                let crate::messages::CurrentRecord {
                    value,
                    state,
                    version,
                    by,
                } = c.as_ref();
                let state = state
                    .as_ref()
                    .map(|s| s.get(lang).to_owned())
                    .unwrap_or_default();
                match (lang, by) {
                    (Lang::Zh, None) => format!("。当前：{value}（{state}，版本 {version}）"),
                    (Lang::En, None) => format!(". Now: {value} ({state}, version {version})"),
                    (Lang::Zh, Some((who, when))) => {
                        format!("{value}（{state}，版本 {version}，{who} 于 {when} 修改）")
                    }
                    (Lang::En, Some((who, when))) => {
                        format!("{value} ({state}, version {version}, changed by {who} at {when})")
                    }
                }
            }
            TaskRef {
                number,
                title,
                period,
            } => match (lang, period) {
                (Lang::Zh, Some(p)) => format!("任务{number} {title}（{p}）"),
                (Lang::Zh, None) => format!("任务{number} {title}"),
                (Lang::En, Some(p)) => format!("Task {number} {title} ({p})"),
                (Lang::En, None) => format!("Task {number} {title}"),
            },
            Year { year } => tr!(lang, "{year}年", "{year}"),
            AtYear { year, text } => tr!(lang, "{year}年{text}", "{year}: {text}"),
            AndMore { names, count } => tr!(
                lang,
                "{names}等{count}个单位",
                "{names} and others ({count} units)"
            ),
            NationalRowRef {
                text,
                version,
                number,
            } => tr!(
                lang,
                "{text}（{version} 第{number}项）",
                "{text} ({version} edition, row {number})"
            ),
            Trend {
                points,
                from,
                to,
                change,
            } => tr!(
                lang,
                "近{points}年（{from}–{to}）年均{change}",
                "last {points} years ({from}–{to}): {change} a year"
            ),
            CatalogueNote { title, applicable } => tr!(
                lang,
                "国家标准：{title}；适用的约束性指标共{applicable}项",
                "National standard: {title}; {applicable} binding indicators apply"
            ),
            TaskDeadlinePassed { deadline } => tr!(
                lang,
                "期限{deadline}已过，尚未完成",
                "The deadline {deadline} has passed and it is not completed"
            ),
            TaskNoProgress { unit, year } => tr!(
                lang,
                "{unit}未报送{year}年进展",
                "{unit} has not reported progress for {year}"
            ),
            TargetLaxerThanNational(lax) => {
                let crate::messages::LaxTarget {
                    task,
                    indicator,
                    region,
                    target,
                    year,
                    attribute,
                    national,
                    version,
                    number,
                } = lax.as_ref();
                let attribute = attribute.get(lang);
                let region = match (lang, region) {
                    (Lang::Zh, Some(r)) => format!("（{r}）"),
                    (Lang::En, Some(r)) => format!(" ({r})"),
                    (_, None) => String::new(),
                };
                tr!(
                    lang,
                    "任务{task} {indicator}{region}{target}（{year}年）低于国家{attribute} {national}（{version}版第{number}项）",
                    "Task {task}: {indicator}{region} {target} ({year}) asks less than the national {attribute} {national} ({version} edition, row {number})"
                )
            }
            Readiness(c) => {
                let ReadinessCounts {
                    version,
                    applicable,
                    met,
                    at_risk,
                    not_met,
                    no_data,
                    pending,
                    ready,
                    unverified,
                    complete,
                } = c.as_ref();
                let mut s = tr!(
                    lang,
                    "按国家标准{version}版，{applicable}项适用的约束性指标中{met}项达标（其中{at_risk}项有风险）、{not_met}项未达标、{no_data}项无数据、{pending}项待审核",
                    "Under the {version} national standard, {met} of {applicable} applicable binding indicators are met ({at_risk} of them at risk), {not_met} not met, {no_data} without data, {pending} pending review"
                );
                s.push_str(&match (lang, ready) {
                    (Lang::Zh, true) => "，已具备申报条件".to_owned(),
                    (Lang::Zh, false) => "，尚不具备申报条件".to_owned(),
                    (Lang::En, true) => "; the city meets the conditions to apply".to_owned(),
                    (Lang::En, false) => {
                        "; the city does not yet meet the conditions to apply".to_owned()
                    }
                });
                if *unverified > 0 {
                    s.push_str(&tr!(
                        lang,
                        "；其中{unverified}项指标值尚待与官方文本核实",
                        "; {unverified} of the thresholds are still to be confirmed against the official text"
                    ));
                }
                if !complete {
                    s.push_str(&tr!(
                        lang,
                        "；该版本指标体系不完整，部分指标未收录",
                        "; this version of the catalogue is incomplete and lacks some indicators"
                    ));
                }
                s.push_str(&tr!(lang, "。", "."));
                s
            }
            // issue 12: auth
            PasswordAttemptsLocked { until } => tr!(
                lang,
                "当前密码错误次数过多，请于 {until} 后再试",
                "Too many wrong current passwords; try again after {until}"
            ),
            PasswordContainsUsername => tr!(
                lang,
                "密码不能包含用户名",
                "The password may not contain the user name"
            ),
            PasswordTooFewDistinct { min } => tr!(
                lang,
                "密码过于简单：至少需要{min}个不同的字符",
                "The password is too simple: it needs at least {min} different characters"
            ),
            PasswordCommon => tr!(
                lang,
                "密码过于常见或容易猜到（常用密码、键盘或字母顺序，或在其后加数字、符号），请换一个",
                "The password is common or easy to guess (a common password, a keyboard or alphabet run, or one with digits or symbols added); choose another"
            ),
            // issue 12: store
            EvidenceLocked { what } => match (lang, what) {
                (Lang::Zh, Noun::Value) => "该数据已审核通过并锁定，不能再添加或删除佐证材料；如需补充，请提交更正并附上材料".into(),
                (Lang::Zh, Noun::TaskUpdate) => "该进展已审核通过并锁定，不能再添加或删除佐证材料".into(),
                (Lang::Zh, _) => format!("该{}已审核通过并锁定，不能再添加或删除佐证材料", w(what)),
                (Lang::En, Noun::Value) => "This value is approved and locked; evidence can no longer be attached or removed (submit a correction with the evidence instead)".into(),
                (Lang::En, _) => format!(
                    "This {} is approved and locked; evidence can no longer be attached or removed",
                    w(what)
                ),
            },
            EvidencePeriodClosed { period, reason } => tr!(
                lang,
                "报告期{period}已关闭（{reason}），不能再添加或删除佐证材料；如需补充，请创建办重新开放该报告期",
                "The period {period} is closed ({reason}); evidence can no longer be attached or removed. The creation office can reopen it"
            ),
            OwnWork { what } => match lang {
                Lang::Zh => format!(
                    "不能审核自己填报或修改过的{}，请由其他审核人审核",
                    match what {
                        Noun::TaskUpdate => "进展",
                        other => other.word(lang),
                    }
                ),
                Lang::En => format!(
                    "Nobody approves their own work: this {} was entered or edited by you, so another reviewer must approve it",
                    w(what)
                ),
            },
            AuditHeadInvalid { text } => tr!(
                lang,
                "“{text}”不是审计链头；应为 ecociv audit head 输出的“序号:哈希”，如 1234:3f5a…（64位十六进制）",
                "“{text}” is not an audit chain head; expected SEQ:HASH as printed by ecociv audit head, e.g. 1234:3f5a… (64 hex digits)"
            ),
            BackupTampered { reason } => tr!(
                lang,
                "备份文件的审计链校验未通过，未恢复任何数据：{reason}",
                "The backup's audit chain does not verify; nothing was restored: {reason}"
            ),
            // issue 12: gov
            PasswordChangeRequired => tr!(
                lang,
                "请先修改密码：密码已超过有效期，或由他人设置（初始密码、管理员重设），修改后才能继续使用（修改密码：/account/password）",
                "Change your password first: it has expired, or was set by someone else (an initial password or a reset); nothing else works until you do (change it at /account/password)"
            ),
            ManagementAddressRefused { role, address } => {
                let role = role.get(lang);
                let address = if address.is_empty() {
                    "?"
                } else {
                    address.as_str()
                };
                tr!(
                    lang,
                    "{role}账户只能从允许的管理地址使用，本次请求来自 {address}；请在管理终端上操作，或请运维人员把该地址加入 --admin-allow",
                    "{role} accounts work only from the allowed management addresses, and this request comes from {address}; use a management workstation, or ask operations to add the address to --admin-allow"
                )
            }
            InvalidAddressRange { text } => tr!(
                lang,
                "“{text}”不是 IP 地址或网段（应写作 10.8.0.0/16、192.168.1.20 或 fd00::/8）",
                "“{text}” is not an IP address or network (write 10.8.0.0/16, 192.168.1.20 or fd00::/8)"
            ),
            PasswordsDiffer => tr!(
                lang,
                "两次输入的新密码不一致",
                "The two new passwords differ"
            ),
            // issue 12: public
            PageLimitOutOfRange { limit, max } => tr!(
                lang,
                "每页条数 limit={limit} 无效：应在 1 到 {max} 之间；其余数据用 next_cursor 翻页读取",
                "Invalid page size limit={limit}: it must lie between 1 and {max}; read the rest page by page with next_cursor"
            ),
            BadCursor { cursor } => tr!(
                lang,
                "翻页游标“{cursor}”无效：请使用上一页返回的 next_cursor",
                "Invalid cursor “{cursor}”: use the next_cursor the previous page returned"
            ),
            ReportingIsAnnual {
                period,
                year,
                from,
                to,
            } => tr!(
                lang,
                "填报按年度进行：“{period}”是{year}年的季度或月份，请选择年份（{from}–{to}年），如 {year}",
                "Reporting is annual: “{period}” is a quarter or month of {year}; choose a year ({from}–{to}), e.g. {year}"
            ),
            TooManyPublicRequests { seconds } => tr!(
                lang,
                "来自您的地址的请求过于频繁，请 {seconds} 秒后再试",
                "Too many requests from your address; try again in {seconds} seconds"
            ),
            // issue 12: import
            DatabaseBusy { seconds } => tr!(
                lang,
                "数据库正忙（另一项写入正在进行，例如批量导入），本次操作未保存任何内容，请 {seconds} 秒后重试",
                "The database is busy with another write (a bulk import, say); nothing was saved. Try again in {seconds} seconds"
            ),
        }
    }
}

impl fmt::Display for Msg {
    /// Chinese: the default language of data, logs and the command line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Lang::Zh))
    }
}

impl crate::Localized for Msg {
    fn text(&self, lang: Lang) -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Owned(Msg::text(self, lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_small_enough_to_return() {
        assert!(
            std::mem::size_of::<Msg>() <= 80,
            "{}",
            std::mem::size_of::<Msg>()
        );
    }

    #[test]
    fn messages_take_their_arguments_in_both_languages() {
        let m = Msg::NotFound {
            what: Noun::Value,
            key: "17".into(),
        };
        assert_eq!(m.text(Lang::Zh), "数据“17”不存在");
        assert_eq!(m.text(Lang::En), "The value “17” does not exist");
        assert_eq!(m.to_string(), "数据“17”不存在");
        let stale = Msg::Stale {
            what: Noun::Value,
            key: None,
            version: Some(3),
            state: Some(Phrase {
                zh: "草稿".into(),
                en: "Draft".into(),
            }),
        };
        assert_eq!(
            stale.text(Lang::Zh),
            "数据已被他人修改（当前版本 3，状态：草稿），请刷新后重试"
        );
        assert!(stale.text(Lang::En).contains("now version 3, Draft"));
    }
}
