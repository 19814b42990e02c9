//! The scale fixtures (issue 13) at a small size, through the real binary: generate, import the
//! values and then the corrections through `ecociv import values`, count the rows, verify the
//! audit chain. SQLite always; PostgreSQL too when `ECOCIV_TEST_POSTGRES_URL` names a server
//! (a fresh database is created and dropped).

use std::path::Path;
use std::process::{Command, Output};

fn ecociv(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecociv"))
        .args(args)
        .current_dir(dir)
        .env_remove("ECOCIV_DATABASE")
        .env_remove("ECOCIV_PLAN")
        .env("USER", "tester")
        .output()
        .expect("run ecociv")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = ecociv(dir, args);
    assert!(o.status.success(), "{args:?}: {}", text(&o));
    text(&o)
}

fn data_rows(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count() - 1
}

fn count(url: &str, sql: &str) -> i64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(url).await.unwrap();
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        n
    })
}

/// Imports the city fixture in `d` into `db` and checks what the database holds.
fn import_and_verify(d: &Path, db: &str, count_url: &str, rows: usize, corrected: usize) {
    let out = ok(
        d,
        &["import", "values", "city/values.csv", "--database", db],
    );
    assert!(
        out.contains(&format!("{rows} 行（新建 {rows}，更新 0）")),
        "{out}"
    );
    let out = ok(
        d,
        &["import", "values", "city/corrections.csv", "--database", db],
    );
    assert!(
        out.contains(&format!("{corrected} 行（新建 0，更新 {corrected}）")),
        "{out}"
    );
    assert_eq!(
        count(count_url, "SELECT COUNT(*) FROM data_values"),
        rows as i64
    );
    assert_eq!(
        count(
            count_url,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'value.update'"
        ),
        corrected as i64
    );
    let out = ok(d, &["audit", "verify", "--database", db]);
    assert!(out.contains("审计链完整"), "{out}");
}

#[test]
fn the_city_fixture_imports_with_its_corrections_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let args = [
        "fixture",
        "city-decade",
        "--out",
        "city",
        "--regions",
        "2",
        "--years",
        "2",
        "--seed",
        "5",
    ];
    let out = ok(d, &args);
    assert!(out.contains("非真实数据"), "{out}");
    let rows = data_rows(&d.join("city/values.csv"));
    let corrected = data_rows(&d.join("city/corrections.csv"));
    // 2 regions × every indicator of the built-in plan × 2 years × (1 annual + 12 monthly).
    assert_eq!(rows % (2 * 2 * 13), 0, "{rows}");
    assert!(rows / 52 > 50, "{rows}");
    assert!(corrected > 0 && corrected * 100 < rows * 8, "{corrected}");
    // The same seed writes the same file.
    let first = std::fs::read(d.join("city/values.csv")).unwrap();
    ok(d, &args);
    assert_eq!(std::fs::read(d.join("city/values.csv")).unwrap(), first);

    let file = d.join("data.db");
    import_and_verify(
        d,
        "sqlite:data.db",
        &format!("sqlite:{}", file.display()),
        rows,
        corrected,
    );

    let Ok(server) = std::env::var("ECOCIV_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED: PostgreSQL half (set ECOCIV_TEST_POSTGRES_URL)");
        return;
    };
    let name = format!("ecociv_fixture_{}", std::process::id());
    let url = match server.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("ECOCIV_TEST_POSTGRES_URL has no database: {server}"),
    };
    let admin = |sql: String| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&server).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        });
    };
    admin(format!("CREATE DATABASE {name}"));
    let result = std::panic::catch_unwind(|| import_and_verify(d, &url, &url, rows, corrected));
    admin(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn the_province_fixture_writes_a_plan_that_imports() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &[
            "fixture",
            "province",
            "--out",
            "prov",
            "--regions",
            "20",
            "--years",
            "1",
        ],
    );
    let rows = data_rows(&d.join("prov/values.csv"));
    let out = ok(
        d,
        &[
            "--plan",
            "prov/plan.toml",
            "import",
            "values",
            "prov/values.csv",
            "--database",
            "sqlite:prov.db",
        ],
    );
    assert!(out.contains(&format!("{rows} 行（新建 {rows}")), "{out}");
    assert_eq!(
        count(
            &format!("sqlite:{}", d.join("prov.db").display()),
            "SELECT COUNT(*) FROM regions"
        ),
        20
    );
    let out = ok(
        d,
        &[
            "--plan",
            "prov/plan.toml",
            "audit",
            "verify",
            "--database",
            "sqlite:prov.db",
        ],
    );
    assert!(out.contains("审计链完整"), "{out}");
}
