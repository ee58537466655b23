//! Headless Chromium for the browser tests (Debian's `chromium`, which `scripts/chromium` finds
//! or installs), driven over the Chrome DevTools Protocol with `chromiumoxide`.
use chromiumoxide::browser::{Browser, BrowserConfig};
use futures_util::StreamExt;
use std::path::{Path, PathBuf};

/// The Chromium binary: `$CHROMIUM`, else `chromium` or `chromium-browser` on the `PATH`.
pub fn chromium() -> Option<PathBuf> {
    if let Some(given) = std::env::var_os("CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(given));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The Chromium binary, or `None` after saying loudly that `test` skips; in CI, where
/// `scripts/test` installs it, its absence fails.
pub fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(!in_ci(), "CI is set but no Chromium was found: scripts/chromium installs it");
        // straight to stderr: the test harness hides what a passing test prints with `eprintln!`
        let warning = format!("SKIPPED {test}: no chromium binary (run scripts/chromium, or set CHROMIUM)\n");
        let _ = std::io::Write::write_all(&mut std::io::stderr(), warning.as_bytes());
    }
    found
}

/// A headless browser with its own profile, and the task that drives its events.
pub async fn launch(executable: PathBuf, profile: &Path, size: (u32, u32)) -> (Browser, tokio::task::JoinHandle<()>) {
    let config = BrowserConfig::builder()
        .chrome_executable(executable)
        .new_headless_mode()
        .no_sandbox()
        .user_data_dir(profile)
        .window_size(size.0, size.1)
        .args(["--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"])
        // chromiumoxide's default is 20 s; on two busy CPUs (the rest of the suite, a fuzzer
        // run) Chromium took longer than that to start, and the test failed without a page
        .launch_timeout(std::time::Duration::from_secs(90))
        .build()
        .unwrap();
    let (browser, mut handler) = Browser::launch(config).await.unwrap();
    let events = tokio::spawn(async move { while handler.next().await.is_some() {} });
    (browser, events)
}
