//! A bulk import does not stop the other writers: it validates and plans outside the write lock
//! and holds the lock only for one batched write; a writer that cannot get the lock in time gets
//! [`StoreError::Busy`], never a generic database error. Both backends.
//!
//! The ignored `import_80k_lock_hold` measures the figures in BENCHMARKS.md:
//! `cargo test --release -p ecociv-store --test import_lock -- --ignored --nocapture`.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ecociv_store::testing::TestDb;
use ecociv_store::{
    Actor, AuditFilter, ImportOptions, Provenance, StoreConfig, StoreError, SystemClock,
    ValueFilter, ValueInput, WorkflowStatus,
};

/// Writers give up after 300 ms here (the default is seconds).
fn quick() -> StoreConfig {
    StoreConfig {
        busy_timeout: Duration::from_millis(300),
        ..StoreConfig::default()
    }
}

/// Like `both_backends!`, on stores with [`quick`] settings.
macro_rules! both_quick {
    ($($name:ident => $body:ident;)+) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let db = TestDb::sqlite_with(super::quick(), Arc::new(SystemClock)).await;
                    super::$body(&db).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(db) = TestDb::postgres_with(super::quick(), Arc::new(SystemClock)).await {
                        super::$body(&db).await;
                    }
                }

                use super::{Arc, SystemClock, TestDb};
            }
        )+
    };
}

/// Awaits `f`, failing the test if it takes more than a minute (a writer that waits for the lock
/// without bound would otherwise hang it).
async fn bounded<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), f)
        .await
        .expect("still waiting for the write lock after a minute")
}

fn opts() -> ImportOptions {
    ImportOptions::unrestricted(Provenance::Import)
}

fn input(indicator: &str, period: &str, value: &str) -> ValueInput {
    ValueInput {
        indicator: indicator.into(),
        region: "411700".into(),
        period: period.into(),
        value: value.into(),
        comment: String::new(),
        provenance: Provenance::Form,
        provenance_detail: String::new(),
    }
}

async fn audit_count(db: &TestDb) -> i64 {
    db.store
        .audit_events(&AuditFilter {
            limit: Some(1),
            ..Default::default()
        })
        .await
        .unwrap()
        .first()
        .map_or(0, |e| e.seq)
}

/// A values CSV of `n` distinct keys over the plan's indicators, regions and months, every value
/// `1` (valid for every indicator: yes/no, percentages and counts).
async fn generated_csv(db: &TestDb, n: usize) -> String {
    let model = db.store.current_model().await.unwrap();
    let plan = &model.plan;
    let mut out = String::from("indicator,region,period,value\n");
    let mut count = 0;
    'all: for year in plan.base_year..=plan.end_year {
        for month in 1..=12 {
            for ind in &plan.indicators {
                for reg in &plan.regions {
                    out.push_str(&format!("{},{},{year}-{month:02},1\n", ind.code, reg.code));
                    count += 1;
                    if count == n {
                        break 'all;
                    }
                }
            }
        }
    }
    assert_eq!(count, n, "the plan has too few keys for {n} rows");
    out
}

fn one_value(period: &str) -> ValueInput {
    input("forest_coverage", period, "17.5")
}

/// A writer that cannot get the write lock in time (another process holds it) gets `Busy`, never
/// a generic database error, and writes nothing; an import is checked and planned without the
/// lock, and only its write is refused. Once the lock is free, both go through.
async fn a_writer_that_cannot_get_the_lock_gets_busy(db: &TestDb) {
    let s = &db.store;
    let a = Actor::cli("writer");
    let text = generated_csv(db, 2000).await;
    let generation = s.generation().await.unwrap();
    let lock = db.hold_write_lock().await;

    let r = bounded(s.save_value(&a, &one_value("2030"), None)).await;
    assert!(matches!(r, Err(StoreError::Busy)), "{r:?}");
    // Several at once (on SQLite they queue in this process first): each gets Busy.
    let (v1, v2, v3) = (one_value("2029"), one_value("2028"), one_value("2027"));
    let (r1, r2, r3) = bounded(async {
        tokio::join!(
            s.save_value(&a, &v1, None),
            s.save_value(&a, &v2, None),
            s.save_value(&a, &v3, None),
        )
    })
    .await;
    for r in [r1, r2, r3] {
        assert!(matches!(r, Err(StoreError::Busy)), "{r:?}");
    }

    let prepared = bounded(s.prepare_values_csv(&a, "big.csv", &text, &opts()))
        .await
        .unwrap();
    assert_eq!(prepared.rows(), 2000);
    let r = bounded(s.write_prepared(prepared)).await;
    assert!(matches!(r, Err(StoreError::Busy)), "{r:?}");
    let r = bounded(s.import_values_csv(&a, "big.csv", &text, &opts())).await;
    assert!(matches!(r, Err(StoreError::Busy)), "{r:?}");
    lock.release().await;

    assert_eq!(s.generation().await.unwrap(), generation);
    assert!(s.values(&ValueFilter::default()).await.unwrap().is_empty());
    s.save_value(&a, &one_value("2030"), None).await.unwrap();
    let summary = s
        .import_values_csv(&a, "big.csv", &text, &opts())
        .await
        .unwrap();
    assert_eq!((summary.created, summary.updated), (2000, 0));
    assert!(s.verify_audit().await.unwrap().is_ok());
}

/// Writers go on while an import is prepared; the import's write then takes what they wrote
/// into account: a draft saved meanwhile is updated, a value submitted meanwhile refuses the
/// import (naming the row) and nothing is written.
async fn an_import_planned_before_other_writes_is_planned_again(db: &TestDb) {
    let s = &db.store;
    let (a, b) = (Actor::cli("importer"), Actor::cli("colleague"));
    let text = "indicator,region,period,value\n\
                forest_coverage,411700,2024,17.1\n\
                urban_sewage_treatment_rate,411700,2024,95\n";
    let prepared = s
        .prepare_values_csv(&a, "a.csv", text, &opts())
        .await
        .unwrap();
    let v = s
        .save_value(&b, &input("forest_coverage", "2024", "17"), None)
        .await
        .unwrap();
    let summary = s.write_prepared(prepared).await.unwrap();
    assert_eq!((summary.created, summary.updated), (1, 1));
    let now = s.value(v.id).await.unwrap();
    assert_eq!((now.value.as_str(), now.version), ("17.1", 2));
    assert_eq!(now.provenance, Provenance::Import);

    let text = "indicator,region,period,value\n\
                forest_coverage,411700,2024,17.2\n\
                forest_coverage,411700,2023,16.9\n";
    let prepared = s
        .prepare_values_csv(&a, "b.csv", text, &opts())
        .await
        .unwrap();
    s.submit_value(&b, now.id, now.version).await.unwrap();
    let generation = s.generation().await.unwrap();
    match s.write_prepared(prepared).await {
        Err(StoreError::Import(report)) => {
            let rows: Vec<u64> = report.errors.iter().map(|e| e.row).collect();
            assert_eq!(rows, [2], "{report:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.generation().await.unwrap(), generation);
    assert_eq!(s.values(&ValueFilter::default()).await.unwrap().len(), 2);
    assert!(s.verify_audit().await.unwrap().is_ok());
}

/// Many rows over several batches: created as drafts, then updated and submitted by a second
/// file, each in one transaction (one generation step) with an audit event per row and a review
/// step per submission; the audit chain stays valid.
async fn a_large_import_creates_and_updates_in_one_transaction(db: &TestDb) {
    let s = &db.store;
    let a = Actor::cli("importer");
    let n = 1_234;
    let text = generated_csv(db, n).await;
    let (generation, events) = (s.generation().await.unwrap(), audit_count(db).await);
    let summary = s
        .import_values_csv(&a, "first.csv", &text, &opts())
        .await
        .unwrap();
    assert_eq!((summary.created, summary.updated), (n, 0));
    assert_eq!(s.generation().await.unwrap(), generation + 1);
    assert_eq!(audit_count(db).await, events + n as i64 + 1);

    let submit = ImportOptions {
        submit: true,
        ..opts()
    };
    let summary = s
        .import_values_csv(&a, "second.csv", &text, &submit)
        .await
        .unwrap();
    assert_eq!((summary.created, summary.updated), (0, n));
    assert_eq!(s.generation().await.unwrap(), generation + 2);
    // The second import also audits the review step of each submitted row.
    assert_eq!(
        audit_count(db).await,
        events + 2 * (n as i64 + 1) + n as i64
    );
    let values = s.values(&ValueFilter::default()).await.unwrap();
    assert_eq!(values.len(), n);
    for v in &values {
        assert_eq!(
            (v.status, v.version),
            (WorkflowStatus::Submitted, 2),
            "{v:?}"
        );
        assert!(v.provenance_detail.starts_with("second.csv 第"), "{v:?}");
    }
    let reviews = s.reviews("value", values[n / 2].id).await.unwrap();
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].action, "submit");
    // Submitted values wait for review: a third import of them is refused as a whole.
    match s.import_values_csv(&a, "third.csv", &text, &opts()).await {
        Err(StoreError::Import(report)) => assert_eq!(report.errors.len(), n),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.generation().await.unwrap(), generation + 2);
    let report = s.verify_audit().await.unwrap();
    assert!(report.is_ok(), "{report:?}");
}

/// A failure in the middle of the write phase (here a database trigger refusing one row, after
/// the first batches went in) leaves nothing: no value, no audit event, no generation step.
async fn a_failure_in_the_middle_of_the_write_leaves_nothing(db: &TestDb) {
    let s = &db.store;
    let a = Actor::cli("importer");
    // The store writes 4,000 rows a statement (`BATCH_ROWS`): the refused rows (a month of
    // 1,274) come after the first batch.
    let text = generated_csv(db, 9_000).await;
    let period_of = |line: &str| line.split(',').nth(2).unwrap().to_owned();
    let period = period_of(text.lines().nth(8_900).unwrap());
    let first = text.lines().skip(1).position(|l| period_of(l) == period);
    assert!(first.unwrap() > 4_000, "{first:?}");
    match s.backend() {
        ecociv_store::Backend::Sqlite => {
            db.raw(&format!(
                "CREATE TRIGGER boom BEFORE INSERT ON data_values WHEN NEW.period = '{period}' \
                 BEGIN SELECT RAISE(ABORT, 'boom'); END"
            ))
            .await
        }
        ecociv_store::Backend::Postgres => {
            db.raw(&format!(
                "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF NEW.period = '{period}' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; \
                 END $$; \
                 CREATE TRIGGER boom BEFORE INSERT ON data_values FOR EACH ROW \
                 EXECUTE FUNCTION boom()"
            ))
            .await
        }
    }
    let (generation, events) = (s.generation().await.unwrap(), audit_count(db).await);
    let r = s.import_values_csv(&a, "f.csv", &text, &opts()).await;
    assert!(matches!(r, Err(StoreError::Database(_))), "{r:?}");
    assert_eq!(s.generation().await.unwrap(), generation);
    assert_eq!(audit_count(db).await, events);
    assert!(s.values(&ValueFilter::default()).await.unwrap().is_empty());
    assert!(s.verify_audit().await.unwrap().is_ok());
}

both_quick! {
    busy_instead_of_a_database_error => a_writer_that_cannot_get_the_lock_gets_busy;
    planned_again_after_other_writes => an_import_planned_before_other_writes_is_planned_again;
    large_import_one_transaction => a_large_import_creates_and_updates_in_one_transaction;
    failure_mid_write_leaves_nothing => a_failure_in_the_middle_of_the_write_leaves_nothing;
}

/// Imports 80k rows while a second writer saves one value after another, and prints how long
/// the import's two phases took (the write phase is the time it holds the write lock) and the
/// longest any single write waited.
async fn import_80k_lock_hold(db: &TestDb) {
    let rows = std::env::var("ECOCIV_BENCH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(80_000);
    let text = generated_csv(db, rows).await;
    let store = db.store.clone();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let probe = {
        let (store, done) = (store.clone(), done.clone());
        tokio::spawn(async move {
            let (mut longest, mut writes, mut busy) = (Duration::ZERO, 0, 0);
            let mut version = None;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let t = Instant::now();
                match store
                    .save_value(&Actor::cli("probe"), &one_value("2030"), version)
                    .await
                {
                    Ok(v) => version = Some(v.version),
                    Err(StoreError::Busy) => busy += 1,
                    Err(e) => panic!("{e:?}"),
                }
                longest = longest.max(t.elapsed());
                writes += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (longest, writes, busy)
        })
    };
    let opts = ImportOptions::unrestricted(Provenance::Import);
    let actor = Actor::cli("bench");
    let t = Instant::now();
    let prepared = store
        .prepare_values_csv(&actor, "bench.csv", &text, &opts)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let prepare = t.elapsed();
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let summary = store
        .write_prepared(prepared)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let write = t.elapsed();
    let write_cpu = cpu_seconds() - cpu;
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let (longest, writes, busy) = probe.await.unwrap();
    assert_eq!(summary.created, rows);
    eprintln!(
        "{:?}: {rows} rows: prepare {prepare:.2?}, write (lock held) {write:.2?} \
         (this process's CPU {write_cpu:.2} s); longest concurrent single write {longest:.2?} \
         ({writes} writes, {busy} busy)",
        store.backend()
    );
    let t = Instant::now();
    assert!(store.verify_audit().await.unwrap().is_ok());
    eprintln!("audit verify {:.2?}", t.elapsed());
}

/// User and system CPU time of this process so far, in seconds (Linux; 0 elsewhere): unlike wall
/// time, independent of what else runs on the machine.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 (utime, stime), counted after the command name; 100 ticks a second.
    (ticks(11) + ticks(12)) / 100.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run with --release -- --ignored --nocapture"]
async fn bench_import_80k_sqlite() {
    import_80k_lock_hold(&TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run with --release -- --ignored --nocapture"]
async fn bench_import_80k_postgres() {
    if let Some(db) = TestDb::postgres().await {
        import_80k_lock_hold(&db).await;
    }
}
