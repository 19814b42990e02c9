//! Server time of the pages at city scale: the whole router in process (session lookup, CSRF
//! layer, handler, store queries on SQLite, evaluation, template), with the built-in plan and
//! the demo data (68 indicators, 13 regions, 2019–2025, about 1,500 values, 287 assigned
//! targets), signed in as the creation office.
//!
//! `cargo bench -p ecociv-web --bench pages`
//!
//! At scale (issue 13): `ECOCIV_BENCH_SCALE=city` adds the city-decade fixture's values to the
//! demo (`ecociv_core::scale`, every region × indicator × month of 2016–2025 and the annual
//! values of 2016–2018, about 150,000 values, submitted); `ECOCIV_BENCH_BACKEND=postgres` runs on
//! the PostgreSQL server `ECOCIV_TEST_POSTGRES_URL` names instead of SQLite.
//!
//! The `*_after_write` benchmarks change the data before every measured request (a publication
//! flag flips, which bumps the data generation), so the evaluation behind the page is computed
//! anew: that is the first request after someone approved a value. The others hit the evaluation
//! cache, as every further request does until the next write.

use std::sync::LazyLock;

use axum::Router;
use axum::body::Body;
use axum::http::header::COOKIE;
use axum::http::{Request, StatusCode};
use divan::Bencher;
use ecociv_store::testing::TestDb;
use ecociv_store::{Actor, NewUser, Role};
use ecociv_web::{AppState, WebConfig};
use tower::ServiceExt;

fn main() {
    divan::main();
}

struct Fixture {
    rt: tokio::runtime::Runtime,
    db: TestDb,
    router: Router,
    cookie: String,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (db, cookie) = rt.block_on(async {
        let db = match std::env::var("ECOCIV_BENCH_BACKEND").as_deref() {
            Ok("postgres") => TestDb::postgres()
                .await
                .expect("ECOCIV_TEST_POSTGRES_URL names the PostgreSQL server"),
            _ => TestDb::sqlite().await,
        };
        db.store.load_demo().await.expect("demo data");
        if std::env::var("ECOCIV_BENCH_SCALE").as_deref() == Ok("city") {
            let started = std::time::Instant::now();
            let rows = scale_values(&db).await;
            eprintln!(
                "scale: {rows} values imported in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        db.store
            .create_user(
                &Actor::system(),
                NewUser {
                    username: "coord".into(),
                    display_name: "创建办".into(),
                    role: Role::Coordinator,
                    unit: None,
                    region: None,
                    password: "bench-password-1".into(),
                },
            )
            .await
            .expect("user");
        let s = db
            .store
            .login("coord", "bench-password-1", "127.0.0.1")
            .await
            .expect("login");
        (db, format!("ecociv_session={}", s.token))
    });
    let router = ecociv_web::app(AppState::new(db.store.clone(), WebConfig::default()));
    Fixture {
        rt,
        db,
        router,
        cookie,
    }
});

/// The city decade's values that the demo does not hold (its annual values of 2019–2025 are
/// approved, and an import may not touch them), imported as submitted.
async fn scale_values(db: &TestDb) -> usize {
    use ecociv_core::scale::{self, Monthly, Spec};
    let catalogue = ecociv_core::builtin::catalogue().expect("catalogue");
    let plan = ecociv_core::builtin::plan(&catalogue).expect("plan");
    let f = scale::generate(
        &plan,
        &catalogue,
        &Spec {
            seed: 13,
            regions: None,
            years: scale::DEFAULT_YEARS,
            monthly: Monthly::All,
            corrections: false,
        },
    );
    let mut lines = f.values.lines();
    let mut csv = format!("{}\n", lines.next().expect("header"));
    let mut rows = 0;
    for line in lines {
        let period = line.split(',').nth(2).unwrap_or("");
        if period.contains('-') || period < "2019" {
            csv.push_str(line);
            csv.push('\n');
            rows += 1;
        }
    }
    db.store
        .import_values_csv(
            &Actor::system(),
            "scale.csv",
            &csv,
            &ecociv_store::ImportOptions {
                submit: true,
                ..ecociv_store::ImportOptions::unrestricted(ecociv_store::Provenance::Import)
            },
        )
        .await
        .expect("import the scale fixture");
    rows
}

const DASHBOARD: &str = "/?year=2025";
const INDICATOR: &str = "/indicators/urban_sewage_treatment_rate?region=411700&year=2025";
const INDICATORS: &str = "/indicators?year=2025";
const PUBLIC: &str = "/public?year=2024";

/// One request through the whole router; returns the body length so nothing is optimised away.
fn get(path: &str) -> usize {
    let f = &*FIXTURE;
    f.rt.block_on(async {
        let req = Request::get(path)
            .header(COOKIE, &f.cookie)
            .body(Body::empty())
            .expect("request");
        let resp = f.router.clone().oneshot(req).await.expect("response");
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body")
            .len()
    })
}

/// A write that bumps the data generation (the evaluation cache key).
fn write(flag: bool) {
    let f = &*FIXTURE;
    f.rt.block_on(async {
        f.db.store
            .set_indicator_published(&Actor::system(), "public_participation", flag)
            .await
            .expect("write");
    });
}

#[divan::bench]
fn dashboard(b: Bencher) {
    get(DASHBOARD);
    b.bench(|| get(DASHBOARD));
}

#[divan::bench]
fn indicator_page(b: Bencher) {
    get(INDICATOR);
    b.bench(|| get(INDICATOR));
}

#[divan::bench]
fn indicator_list(b: Bencher) {
    get(INDICATORS);
    b.bench(|| get(INDICATORS));
}

#[divan::bench]
fn public_portal(b: Bencher) {
    get(PUBLIC);
    b.bench(|| get(PUBLIC));
}

#[divan::bench]
fn dashboard_after_write(b: Bencher) {
    let mut flag = false;
    b.with_inputs(|| {
        flag = !flag;
        write(flag);
    })
    .bench_local_values(|()| get(DASHBOARD));
}

#[divan::bench]
fn indicator_page_after_write(b: Bencher) {
    let mut flag = false;
    b.with_inputs(|| {
        flag = !flag;
        write(flag);
    })
    .bench_local_values(|()| get(INDICATOR));
}

/// The store's part of `*_after_write`: the city's evaluation recomputed (all values and assigned
/// targets loaded, forecasts for every series), without any page around it.
#[divan::bench]
fn city_evaluation_after_write(b: Bencher) {
    let f = &*FIXTURE;
    let mut flag = false;
    b.with_inputs(|| {
        flag = !flag;
        write(flag);
    })
    .bench_local_values(|()| {
        f.rt.block_on(async {
            f.db.store
                .evaluation(
                    2025,
                    None,
                    Some("411700"),
                    &ecociv_app::visibility::audience_selection(&ecociv_app::Scope::All, 0),
                )
                .await
                .expect("evaluation")
                .evaluation
                .results
                .len()
        })
    });
}
