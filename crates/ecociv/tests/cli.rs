//! The data commands end to end: init, user, import, audit verify (catching an edit behind the
//! application's back), backup and restore, through the real binary.

use std::path::Path;
use std::process::{Command, Output};

fn ecociv(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecociv"))
        .args(args)
        .current_dir(dir)
        .env_remove("ECOCIV_DATABASE")
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

#[test]
fn init_import_verify_backup_and_restore_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = "sqlite:data.db";

    let o = ecociv(d, &["init", "--database", db, "--demo"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("用户名 admin，初始密码 "), "{out}");
    assert!(out.contains("示例数据"), "{out}");
    // A second init creates no second admin and loads no second demo.
    let o = ecociv(d, &["init", "--database", db, "--demo"]);
    assert!(text(&o).contains("未创建管理员"), "{}", text(&o));

    let o = ecociv(
        d,
        &[
            "user",
            "add",
            "lin",
            "--role",
            "reporter",
            "--unit",
            "lyj",
            "--name",
            "林业局",
            "--database",
            db,
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim().len(),
        16,
        "generated password on stdout"
    );
    let o = ecociv(
        d,
        &["user", "add", "bad", "--role", "reporter", "--database", db],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("绑定"), "{}", text(&o));
    let o = ecociv(d, &["user", "list", "--database", db]);
    assert!(text(&o).contains("林业局"), "{}", text(&o));

    // All or nothing, with the bad rows named.
    std::fs::write(
        d.join("bad.csv"),
        "indicator,region,period,value\nforest_coverage,411700,2026,17.5\nforest_coverage,411700,2026-13,17\n",
    )
    .unwrap();
    let o = ecociv(d, &["import", "values", "bad.csv", "--database", db]);
    assert!(!o.status.success());
    assert!(text(&o).contains("bad.csv 第3行 period"), "{}", text(&o));
    std::fs::write(
        d.join("engine.csv"),
        "indicator,region,period,value,source\nforest_coverage,411700,2026,17.5,ecociv eco\n",
    )
    .unwrap();
    let o = ecociv(
        d,
        &[
            "import",
            "values",
            "engine.csv",
            "--engine",
            "--submit",
            "--database",
            db,
        ],
    );
    assert!(o.status.success(), "{}", text(&o));

    let o = ecociv(d, &["audit", "verify", "--database", db]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("审计链完整"));

    let o = ecociv(d, &["backup", "backup.jsonl", "--database", db]);
    assert!(o.status.success(), "{}", text(&o));
    let o = ecociv(d, &["backup", "backup.jsonl", "--database", db]);
    assert!(!o.status.success(), "refuses to overwrite");
    let o = ecociv(
        d,
        &["restore", "backup.jsonl", "--database", "sqlite:copy.db"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("审计链校验通过"), "{}", text(&o));
    let o = ecociv(d, &["user", "list", "--database", "sqlite:copy.db"]);
    assert!(text(&o).contains("林业局"));

    // An edit behind the application's back: verify names the value and exits 1.
    let edited = edit_with_sqlx(&d.join("data.db"));
    assert!(edited);
    let o = ecociv(d, &["audit", "verify", "--database", db]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("value:1"), "{}", text(&o));
}

/// `audit head` prints the head to record elsewhere; `audit verify --expect` with it catches a
/// rollback of the tail that plain `verify` cannot see. The database and backup files are the
/// owner's only.
#[test]
fn a_recorded_audit_head_catches_a_rollback_and_files_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = "sqlite:data.db";
    let o = ecociv(d, &["init", "--database", db]);
    assert!(o.status.success(), "{}", text(&o));
    let head = |d: &Path| {
        let o = ecociv(d, &["audit", "head", "--database", db]);
        assert!(o.status.success(), "{}", text(&o));
        String::from_utf8(o.stdout).unwrap().trim().to_owned()
    };
    let earlier = head(d);
    let o = ecociv(
        d,
        &[
            "user",
            "add",
            "lin",
            "--role",
            "reporter",
            "--unit",
            "lyj",
            "--name",
            "林业局",
            "--database",
            db,
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let recorded = head(d);
    assert_ne!(recorded, earlier);
    let o = ecociv(
        d,
        &["audit", "verify", "--expect", &recorded, "--database", db],
    );
    assert!(o.status.success(), "{}", text(&o));

    // Roll the tail back consistently: the account, its events and the head.
    let (seq, hash) = earlier.split_once(':').unwrap();
    let rolled_back = with_sqlx(
        &d.join("data.db"),
        &[
            "DELETE FROM users WHERE username = 'lin'".into(),
            format!("DELETE FROM audit_events WHERE seq > {seq}"),
            format!("UPDATE store_state SET audit_seq = {seq}, audit_hash = '{hash}' WHERE id = 1"),
        ],
    );
    assert!(rolled_back);
    let o = ecociv(d, &["audit", "verify", "--database", db]);
    assert!(
        o.status.success(),
        "plain verify cannot see it: {}",
        text(&o)
    );
    let o = ecociv(
        d,
        &["audit", "verify", "--expect", &recorded, "--database", db],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("回滚"), "{}", text(&o));
    let o = ecociv(
        d,
        &["audit", "verify", "--expect", "12:abc", "--database", db],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("序号:哈希"), "{}", text(&o));

    let o = ecociv(d, &["backup", "backup.jsonl", "--database", db]);
    assert!(o.status.success(), "{}", text(&o));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["data.db", "data.db-wal", "data.db-shm", "backup.jsonl"] {
            let Ok(meta) = std::fs::metadata(d.join(f)) else {
                // SQLite removes -wal and -shm when the last connection closes cleanly.
                assert!(f.ends_with("-wal") || f.ends_with("-shm"), "{f} missing");
                continue;
            };
            let mode = meta.permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{f}: {mode:o}");
        }
    }
}

fn with_sqlx(path: &Path, statements: &[String]) -> bool {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite:{}", path.display());
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        for sql in statements {
            if sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .execute(&pool)
                .await
                .is_err()
            {
                return false;
            }
        }
        pool.close().await;
        true
    })
}

fn edit_with_sqlx(path: &Path) -> bool {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite:{}", path.display());
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::query("UPDATE data_values SET value = '99.9' WHERE id = 1")
            .execute(&pool)
            .await
            .is_ok()
    })
}

#[test]
fn overdue_lists_who_is_late_by_the_same_rule_as_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = "sqlite:late.db";
    let o = ecociv(d, &["init", "--database", db]);
    assert!(o.status.success(), "{}", text(&o));
    // Nothing reported for 2025: every unit, county and district that reports something is
    // late after 31 March 2026, 驿城区 among them with its 42 indicators.
    let o = ecociv(
        d,
        &[
            "overdue",
            "--year",
            "2025",
            "--format",
            "json",
            "--database",
            db,
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let late: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let yicheng = late
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["reporter"]["code"] == "411702")
        .expect("驿城区 is late");
    assert_eq!(yicheng["owed"], 42);
    assert_eq!(yicheng["missing"].as_array().unwrap().len(), 42);
    let o = ecociv(d, &["overdue", "--year", "2025", "--database", db]);
    let out = text(&o);
    assert!(
        out.contains("驿城区") && out.contains("2026-03-31"),
        "{out}"
    );
}
