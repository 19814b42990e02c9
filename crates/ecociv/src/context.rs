//! Loading the plan and the national catalogue for a command: the built-in ones unless the user
//! names a plan file with `--plan`.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use ecociv_core::{Catalogue, Plan, builtin};

/// Options every command accepts.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Common {
    /// 使用本市自己的实施方案文件（TOML）代替内置方案 / use a city's own plan file instead of the built-in one
    #[arg(long, global = true, value_name = "FILE", env = "ECOCIV_PLAN")]
    pub plan: Option<PathBuf>,
    /// 评估采用的国家指标版本（2019、2021、2024），默认取方案中的设置 / national catalogue version
    #[arg(
        long = "catalogue-version",
        global = true,
        value_name = "VERSION",
        env = "ECOCIV_CATALOGUE_VERSION"
    )]
    pub catalogue_version: Option<String>,
}

/// The loaded plan and catalogue.
#[derive(Debug)]
pub struct Loaded {
    pub catalogue: Catalogue,
    pub plan: Plan,
}

impl Common {
    pub fn load(&self) -> Result<Loaded> {
        let catalogue = builtin::catalogue()
            .map_err(|d| anyhow::anyhow!("内置国家指标数据有误（这是程序缺陷）:\n{d}"))?;
        let plan = match &self.plan {
            None => builtin::plan(&catalogue)
                .map_err(|d| anyhow::anyhow!("内置方案有误（这是程序缺陷）:\n{d}"))?,
            Some(path) => {
                let text = read_text(path)?;
                Plan::load(&path.display().to_string(), &text, &catalogue)
                    .map_err(|d| anyhow::anyhow!("方案文件有{}处错误:\n{d}", d.len()))?
            }
        };
        if let Some(v) = &self.catalogue_version
            && catalogue.version(v).is_none()
        {
            bail!(
                "国家指标版本“{v}”不存在，可用: {}",
                catalogue.version_ids().join("、")
            );
        }
        Ok(Loaded { catalogue, plan })
    }
}

/// Reads a UTF-8 text file, with a clear message for other encodings.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("无法读取文件 {}", path.display()))?;
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        anyhow::anyhow!(
            "{} 不是 UTF-8 编码（第{}字节处无效；若为 GBK，请另存为 UTF-8）",
            path.display(),
            e.utf8_error().valid_up_to() + 1
        )
    })
}
