//! Helpers shared by the integration tests.
//!
//! Some tests need software outside Rust: a CJK font to rasterise charts, LibreOffice to turn
//! the report into a PDF, poppler to read the PDF back. Where it is missing they skip with a
//! loud message, so that `cargo test` works on a bare laptop; CI (`.ci/run`) installs all of it
//! and sets `ECOCIV_REQUIRE_TOOLS=1`, which turns every such skip into a failure.
//!
//! Set `ECOCIV_TEST_ARTIFACTS=DIR` to keep the files the tests produce (PNG charts, the report
//! and its PDF) for a look by eye.

#![allow(dead_code)]

pub mod xlsx_edit;

use std::path::{Path, PathBuf};

use ecociv_report::chart::{DEFAULT_FONT_DIR, PngRenderer};

/// Reports a missing tool: a panic under `ECOCIV_REQUIRE_TOOLS`, else a loud skip message.
/// Returns normally only when the test should be skipped.
pub fn skip(what: &str) {
    if std::env::var_os("ECOCIV_REQUIRE_TOOLS").is_some_and(|v| v != "0") {
        panic!("ECOCIV_REQUIRE_TOOLS is set but {what}");
    }
    // Written to the stderr handle itself, which the test harness does not capture (it only
    // captures the print macros), so the skip shows in a plain `cargo test` run.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "\n=====================================================================\n\
         SKIPPED: {what}\n\
         (install it to run this test; CI installs it and sets ECOCIV_REQUIRE_TOOLS=1)\n\
         ====================================================================="
    );
}

/// The font directory for tests: `ECOCIV_FONT_DIR` or Debian's Noto CJK directory.
pub fn font_dir() -> PathBuf {
    std::env::var_os("ECOCIV_FONT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_FONT_DIR))
}

/// A PNG renderer, or `None` (after a loud skip) when no CJK font is installed.
pub fn renderer() -> Option<PngRenderer> {
    match PngRenderer::from_font_dir(&font_dir()) {
        Ok(r) => Some(r),
        Err(e) => {
            skip(&format!(
                "no CJK font for chart rendering ({e}); apt-get install fonts-noto-cjk"
            ));
            None
        }
    }
}

/// Finds a program on PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Keeps a test output in `ECOCIV_TEST_ARTIFACTS` when set.
pub fn keep(name: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("ECOCIV_TEST_ARTIFACTS") {
        let dir = Path::new(&dir);
        std::fs::create_dir_all(dir).expect("artifact dir");
        std::fs::write(dir.join(name), bytes).expect("write artifact");
    }
}
