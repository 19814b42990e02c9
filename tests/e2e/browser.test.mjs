// The real-browser end-to-end test of ecociv's pages: Debian's Chromium, headless, driven by
// playwright-core (no browser download: the system Chromium is used).
//
// It starts `ecociv serve --demo` on a free port with a database in a new temporary directory,
// creates a reporter of 市生态环境局 and a 创建办 coordinator with the CLI, and then, in a browser
// with JavaScript switched OFF (the core flows must work without it):
//   1. the reporter logs in, corrects the value the demo data returned to them and submits it;
//   2. the coordinator logs in, approves it in the 审核 inbox;
//   3. the dashboard now lists that approval, and its status counts by area changed;
//   4. the coordinator publishes the year, and the public portal (no login) now shows the year
//      and the approved value.
// Then, with JavaScript on, it saves screenshots of the main pages under
// $ECOCIV_E2E_ARTIFACTS (default: <cargo target dir>/e2e); ECOCIV_UPDATE_SCREENSHOT=1 also copies
// the dashboard to docs/screenshots/dashboard.png for the README.
//
// Environment: ECOCIV_BIN (default: <target>/debug/ecociv), CHROMIUM (default /usr/bin/chromium).
// Without Chromium the test is skipped with a message, unless ECOCIV_E2E_REQUIRED=1 (CI), where
// it fails.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..");
const target = process.env.CARGO_TARGET_DIR || join(repo, "target");
const bin = process.env.ECOCIV_BIN || join(target, "debug", "ecociv");
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";
const artifacts = process.env.ECOCIV_E2E_ARTIFACTS || join(target, "e2e");
const required = process.env.ECOCIV_E2E_REQUIRED === "1";

// The demo data's last year, where it leaves values in review and returned (ecociv-core demo.rs).
const YEAR = "2025";
// A city value the demo data returned to 市生态环境局 with a reason.
const INDICATOR = "rural_sewage_treatment_rate";
const INDICATOR_NAME = "农村生活污水治理率";
const CITY = "411700";
const NEW_VALUE = "68.4";

const REPORTER = { username: "e2e-reporter", password: "reporter-pass-2025", unit: "sthjj" };
const COORDINATOR = { username: "e2e-coordinator", password: "coordinator-pass-2025" };

// Chromium flags for a closed network (see the machine notes): no background traffic.
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

const missing = [!existsSync(browserPath) && `Chromium (${browserPath})`, !existsSync(bin) && `the ecociv binary (${bin})`].filter(Boolean);
const skip = missing.length > 0 && !required ? `SKIPPED: browser test needs ${missing.join(" and ")}` : false;
if (skip) console.error(skip);

function cli(dir, args, input) {
  return execFileSync(bin, args, {
    cwd: dir,
    input,
    env: { ...process.env, ECOCIV_DATABASE: `sqlite:${join(dir, "e2e.db")}` },
    stdio: ["pipe", "pipe", "pipe"],
  }).toString();
}

/** Starts `ecociv serve --demo` on port 0 and resolves with its address once it answers. */
async function startServer(dir) {
  const child = spawn(bin, ["serve", "--demo", "--addr", "127.0.0.1:0"], {
    cwd: dir,
    env: { ...process.env, ECOCIV_DATABASE: `sqlite:${join(dir, "e2e.db")}`, ECOCIV_LOG: "warn" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  const base = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start in 60 s:\n${log}`)), 60_000);
    child.stderr.on("data", (d) => {
      log += d.toString();
      const m = log.match(/http:\/\/(127\.0\.0\.1:\d+)\//);
      if (m) { clearTimeout(timer); ok(`http://${m[1]}`); }
    });
    child.on("exit", (code) => { clearTimeout(timer); fail(new Error(`server exited (${code}):\n${log}`)); });
  });
  // The address is printed after binding; poll until a page answers.
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${base}/login`);
      if (r.ok) break;
    } catch (e) {
      if (i > 200) throw e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, base, log: () => log };
}

async function login(page, base, user) {
  await page.goto(`${base}/login`);
  await page.getByLabel("用户名").fill(user.username);
  await page.getByLabel("密码").fill(user.password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.getByRole("button", { name: "登录" }).click()]);
}

function nav(page, name) {
  return page.getByRole("navigation", { name: "主导航" }).getByRole("link", { name, exact: true });
}

async function logout(page) {
  await Promise.all([page.waitForURL(/\/login/), page.getByRole("button", { name: "退出" }).click()]);
}

test("a reporter submits, the coordinator approves, and the dashboard and public portal change", { skip, timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "ecociv-e2e-"));
  mkdirSync(artifacts, { recursive: true });
  cli(dir, ["user", "add", REPORTER.username, "--role", "reporter", "--unit", REPORTER.unit, "--name", "市生态环境局填报员", "--password-stdin"], `${REPORTER.password}\n`);
  cli(dir, ["user", "add", COORDINATOR.username, "--role", "coordinator", "--name", "创建办", "--password-stdin"], `${COORDINATOR.password}\n`);
  const server = await startServer(dir);
  let browser;
  const errors = [];
  try {
    browser = await chromium.launch({ executablePath: browserPath, args: CHROMIUM_ARGS });
    const base = server.base;
    // ---- the core flows, without JavaScript --------------------------------------------------
    const nojs = await browser.newContext({ javaScriptEnabled: false, locale: "zh-CN", viewport: { width: 1280, height: 900 } });
    const page = await nojs.newPage();

    // Anonymous visitors of internal pages go to the login page; the public portal is open.
    await page.goto(`${base}/`);
    assert.match(new URL(page.url()).pathname, /^\/login$/);
    await page.goto(`${base}/public`);
    const publicYearsBefore = await page.locator("#p-year option").allTextContents();
    assert.ok(publicYearsBefore.length > 0, "the demo publishes earlier years");
    assert.ok(!publicYearsBefore.includes(YEAR), `${YEAR} is not published yet`);

    // The coordinator's dashboard before: pending count and no approval of our value.
    await login(page, base, COORDINATOR);
    await page.goto(`${base}/?year=${YEAR}`);
    const areasBefore = await page.locator("#h-areas + .chart-pair table").textContent();
    assert.equal(await page.locator("#h-approvals + ul li", { hasText: INDICATOR_NAME }).count(), 0);
    await logout(page);

    // 1. The reporter corrects the returned value and submits it.
    await login(page, base, REPORTER);
    await nav(page, "填报").click();
    await page.goto(`${base}/report?period=${YEAR}`);
    const row = page.locator(`#v-${INDICATOR}-${CITY}`);
    await assert.doesNotReject(row.getByText("已退回").first().waitFor());
    await row.getByLabel(/本期数值/).fill(NEW_VALUE);
    await row.getByLabel("说明").fill("已补充县级统计台账");
    await Promise.all([page.waitForURL(/done=submitted/), row.getByRole("button", { name: "提交审核" }).click()]);
    assert.match(await page.locator(".notice").textContent(), /已提交审核/);
    assert.match(await page.locator(`#v-${INDICATOR}-${CITY}`).textContent(), /待审核/);
    // A reporter may not open the review or admin areas.
    const reviewResp = await page.goto(`${base}/review`);
    assert.equal(reviewResp.status(), 403);
    const adminResp = await page.goto(`${base}/admin`);
    assert.equal(adminResp.status(), 403);
    await page.goto(`${base}/report?period=${YEAR}`);
    await logout(page);

    // 2. The coordinator approves it.
    await login(page, base, COORDINATOR);
    await nav(page, "审核").click();
    const item = page.locator("article", { hasText: INDICATOR_NAME }).filter({ hasText: "驻马店市" }).filter({ hasText: `${NEW_VALUE}%` });
    assert.equal(await item.count(), 1, "the submitted value is in the inbox");
    await Promise.all([page.waitForURL(/done=approved/), item.getByRole("button", { name: /审核通过/ }).click()]);
    assert.match(await page.locator(".notice").textContent(), /已审核通过/);

    // 3. The dashboard changed: the approval is listed, one value fewer is pending.
    await page.goto(`${base}/?year=${YEAR}`);
    const approvals = page.locator("#h-approvals + ul li", { hasText: INDICATOR_NAME });
    assert.equal(await approvals.count(), 1, "the dashboard lists the approval");
    assert.match(await approvals.textContent(), new RegExp(`${NEW_VALUE}%`));
    const areasAfter = await page.locator("#h-areas + .chart-pair table").textContent();
    assert.notEqual(areasAfter, areasBefore, "the status counts by area changed");
    const indicatorPage = await page.goto(`${base}/indicators/${INDICATOR}?region=${CITY}&year=${YEAR}`);
    assert.equal(indicatorPage.status(), 200);
    assert.match(await page.locator("#h-values + .table-wrap").textContent(), new RegExp(`${NEW_VALUE}%`));

    // 4. Publish the year; the public portal shows it, with the approved value.
    await page.goto(`${base}/admin/periods`);
    await Promise.all([page.waitForURL(/done=publish/), page.getByRole("button", { name: `公开 ${YEAR}` }).click()]);
    await logout(page);
    await page.goto(`${base}/public`);
    const publicYearsAfter = await page.locator("#p-year option").allTextContents();
    assert.ok(publicYearsAfter.includes(YEAR), `${YEAR} is published now`);
    assert.equal(await page.locator("#p-year option[selected]").textContent(), YEAR);
    await page.goto(`${base}/public/indicators/${INDICATOR}?year=${YEAR}`);
    const publicTable = await page.locator("section[aria-labelledby=h-pi-history] table").textContent();
    assert.match(publicTable, new RegExp(`${YEAR}\\s*${NEW_VALUE}%`));
    const csv = await (await fetch(`${base}/public/data.csv?indicator=${INDICATOR}`)).text();
    assert.match(csv, new RegExp(`${INDICATOR},${INDICATOR_NAME},${CITY},驻马店市,${YEAR},${NEW_VALUE},%`));
    await nojs.close();

    // ---- screenshots, with JavaScript ----------------------------------------------------------
    const ctx = await browser.newContext({ locale: "zh-CN", viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
    const shot = await ctx.newPage();
    shot.on("pageerror", (e) => errors.push(`${shot.url()}: ${e.message}`));
    shot.on("console", (m) => { if (m.type() === "error") errors.push(`${shot.url()}: ${m.text()}`); });
    await shot.goto(`${base}/login`);
    await shot.screenshot({ path: join(artifacts, "login.png") });
    await login(shot, base, COORDINATOR);
    const pages = [
      ["dashboard", `/?year=${YEAR}`],
      ["indicators", `/indicators?year=${YEAR}`],
      ["indicator", `/indicators/urban_sewage_treatment_rate?region=${CITY}&year=${YEAR}`],
      ["tasks", `/tasks?period=${YEAR}`],
      ["task", `/tasks/1`],
      ["review", `/review`],
      ["audit", `/audit`],
      ["admin", `/admin`],
      ["admin-periods", `/admin/periods`],
      ["report-coordinator", `/report?period=${YEAR}&unit=${REPORTER.unit}`],
      ["dashboard-en", `/?year=${YEAR}&lang=en`],
    ];
    for (const [name, path] of pages) {
      const r = await shot.goto(`${base}${path}`);
      assert.equal(r.status(), 200, `${path} answers 200`);
      await shot.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
    }
    await shot.goto(`${base}/?year=${YEAR}&lang=zh`);
    // Keyboard: the first Tab reaches the skip link, which is then visible.
    await shot.keyboard.press("Tab");
    assert.equal(await shot.evaluate(() => document.activeElement?.className), "skip");
    await shot.emulateMedia({ media: "print" });
    await shot.screenshot({ path: join(artifacts, "dashboard-print.png"), fullPage: true });
    await shot.emulateMedia({ media: "screen" });
    // The JS quick filter hides rows without a reload.
    await shot.goto(`${base}/indicators?year=${YEAR}`);
    const all = await shot.locator("#ind-table tbody tr:visible").count();
    await shot.getByLabel("按名称快速筛选").fill("污水");
    const some = await shot.locator("#ind-table tbody tr:visible").count();
    assert.ok(some > 0 && some < all, `quick filter: ${all} → ${some} rows`);
    await logout(shot);
    await login(shot, base, REPORTER);
    await shot.goto(`${base}/report?period=${YEAR}`);
    await shot.screenshot({ path: join(artifacts, "report.png"), fullPage: true });
    await logout(shot);
    for (const [name, path] of [["public", "/public"], ["public-indicator", `/public/indicators/${INDICATOR}?year=${YEAR}`]]) {
      await shot.goto(`${base}${path}`);
      await shot.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
    }
    // The README's picture: the dashboard's first screen.
    await login(shot, base, COORDINATOR);
    await shot.goto(`${base}/?year=${YEAR}`);
    await shot.screenshot({ path: join(artifacts, "dashboard-top.png") });
    if (process.env.ECOCIV_UPDATE_SCREENSHOT === "1") {
      mkdirSync(join(repo, "docs", "screenshots"), { recursive: true });
      copyFileSync(join(artifacts, "dashboard-top.png"), join(repo, "docs", "screenshots", "dashboard.png"));
    }
    await ctx.close();
    assert.deepEqual(errors, [], "no script errors in the pages");
    console.log(`screenshots: ${artifacts}`);
  } finally {
    await browser?.close();
    if (server.child.exitCode === null) {
      const exited = new Promise((r) => server.child.once("exit", r));
      server.child.kill("SIGINT");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
