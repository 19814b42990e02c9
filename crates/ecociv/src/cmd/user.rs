//! `ecociv user add|passwd|disable|list`: accounts from the command line.

use std::io::BufRead;

use anyhow::{Context as _, Result};
use ecociv_app::{NewAccount, StoreConfig, UserChange};
use ecociv_i18n::Words;

use crate::cmd::db::{self, DatabaseArg};
use crate::context::Common;
use crate::table;

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// 新建用户（未给出密码时生成并显示一次）
    Add {
        username: String,
        /// admin（系统管理员）、coordinator（创建办）、reporter（填报员）、reviewer（审核员）、viewer（查看者）、auditor（审计管理员）
        #[arg(long)]
        role: String,
        /// 姓名或单位名称
        #[arg(long)]
        name: Option<String>,
        /// 绑定的单位代码（填报员、审核员）
        #[arg(long)]
        unit: Option<String>,
        /// 绑定的行政区代码（填报员、审核员）
        #[arg(long)]
        region: Option<String>,
        /// 从标准输入读取密码（一行）
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// 重设密码（未给出时生成并显示一次），同时解除锁定并结束其会话
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// 停用用户，立即结束其会话
    Disable {
        username: String,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// 列出用户
    List {
        #[command(flatten)]
        db: DatabaseArg,
    },
}

fn read_password(from_stdin: bool) -> Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("无法从标准输入读取密码")?;
        Ok((line.trim_end_matches(['\r', '\n']).to_owned(), false))
    } else {
        Ok((String::new(), true))
    }
}

pub fn run(cmd: UserCommand, common: &Common) -> Result<()> {
    db::runtime()?.block_on(async {
        match cmd {
            UserCommand::Add {
                username,
                role,
                name,
                unit,
                region,
                password_stdin,
                db: d,
            } => {
                let app = db::open(&d, common, StoreConfig::default()).await?;
                let (password, generated) = read_password(password_stdin)?;
                let (user, made) = app
                    .create_user(
                        &db::operator(),
                        NewAccount {
                            display_name: name.unwrap_or_else(|| username.clone()),
                            username,
                            role,
                            unit,
                            region,
                            password: (!generated).then_some(password),
                        },
                    )
                    .await?;
                eprintln!("已创建用户 {}（{}）", user.username, user.role.zh());
                if let Some(password) = made {
                    println!("{password}");
                    eprintln!("（上一行为初始密码，只显示这一次）");
                }
                app.close().await;
            }
            UserCommand::Passwd {
                username,
                password_stdin,
                db: d,
            } => {
                let app = db::open(&d, common, StoreConfig::default()).await?;
                let op = db::operator();
                let user = app.user_by_name(&op, &username).await?;
                let (password, generated) = read_password(password_stdin)?;
                let password = if generated {
                    app.reset_password(&op, user.id).await?.1
                } else {
                    app.set_password(&op, user.id, None, &password, "").await?;
                    password
                };
                eprintln!("已重设 {} 的密码，其会话已全部结束", user.username);
                if generated {
                    println!("{password}");
                    eprintln!("（上一行为新密码，只显示这一次）");
                }
                app.close().await;
            }
            UserCommand::Disable { username, db: d } => {
                let app = db::open(&d, common, StoreConfig::default()).await?;
                let op = db::operator();
                let user = app.user_by_name(&op, &username).await?;
                app.update_user(
                    &op,
                    user.id,
                    UserChange {
                        version: user.version,
                        disabled: Some(true),
                        ..UserChange::default()
                    },
                )
                .await?;
                eprintln!("已停用用户 {}", user.username);
                app.close().await;
            }
            UserCommand::List { db: d } => {
                let app = db::open(&d, common, StoreConfig::default()).await?;
                let rows: Vec<Vec<String>> = app
                    .users(&db::operator())
                    .await?
                    .into_iter()
                    .map(|u| {
                        vec![
                            u.username,
                            u.display_name,
                            u.role.zh().to_owned(),
                            u.unit.or(u.region).unwrap_or_default(),
                            if u.disabled { "已停用" } else { "正常" }.to_owned(),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    table::render(&["用户名", "姓名", "角色", "单位/地区", "状态"], &rows)
                );
                app.close().await;
            }
        }
        Ok(())
    })
}
