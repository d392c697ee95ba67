// Drives the web inbox in headless Chromium (the system's, through playwright-core) and reports
// what it saw, for tests/WebInbox.Tests.ps1 to check. The mail is sent by the caller: this script
// opens the page, waits until its live updates are connected, prints {"step":"ready"} and waits for
// a line on standard input that says the three messages were sent; then it follows them through
// the page. Later it prints {"step":"delete-third"} and waits for a line that says the third message
// was deleted by someone else (the page must see it go). The last line it prints is
// {"step":"done","facts":{...}} (or {"step":"failed",...}).
//   node inbox-scenario.js --url http://127.0.0.1:8025/ --subject <unique> --other-subject <unique>
//        --third-subject <unique> --search <a word of the subject only> --out <folder> [--user u --password p] [--chromium /usr/bin/chromium]
'use strict';
const path = require('node:path');
const readline = require('node:readline');
const { chromium } = require('playwright-core');

const WAIT = 15000;

function parseArguments(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i += 2) options[argv[i].replace(/^--/, '')] = argv[i + 1];
  return options;
}

// send: an async function that sends the three messages (the caller's SMTP client);
// deleteThird: one that deletes the third message other than through the page.
// facts: filled in as the scenario goes, so that a failure still shows how far it got.
async function runScenario({ url, subject, otherSubject, thirdSubject, search, out, user, password, chromiumPath, send, deleteThird }, facts = {}) {
  const browser = await chromium.launch({
    executablePath: chromiumPath || process.env.CHROMIUM || '/usr/bin/chromium',
    // Without these, Chromium keeps trying hosts this machine cannot reach.
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await browser.newContext({
      viewport: { width: 1400, height: 900 },
      acceptDownloads: true,
      httpCredentials: user ? { username: user, password } : undefined,
    });
    const page = await context.newPage();
    try {
      return await followMessages(page, { url, subject, otherSubject, thirdSubject, search: search || subject, out, send, deleteThird }, facts);
    } catch (error) {
      await page.screenshot({ path: path.join(out, 'web-inbox-failed.png') }).catch(() => {});
      throw error;
    }
  } finally {
    await browser.close();
  }
}

async function followMessages(page, { url, subject, otherSubject, thirdSubject, search, out, send, deleteThird }, facts) {
  // Uncaught errors of the page's own script; the console's errors include what Chromium refused
  // (a sandboxed frame's script: the evidence that the sandbox held) and failed requests.
  const pageExceptions = [], consoleErrors = [];
  page.on('pageerror', (e) => pageExceptions.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  let navigations = 0;
  page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) navigations++; });
  page.on('dialog', (dialog) => dialog.accept());   // "Delete all?"

  await page.goto(url);
  await page.locator('#live.on').waitFor({ timeout: WAIT });
  facts.title = await page.title();
  // Set in this page only: still there later means the page was not reloaded.
  await page.evaluate(() => { window.inboxMarker = 'not reloaded'; });
  const navigationsBefore = navigations;

  await send();

  const rows = page.locator('#messages tbody tr');
  const row = rows.filter({ hasText: subject });
  await row.waitFor({ timeout: WAIT });
  await rows.filter({ hasText: otherSubject }).waitFor({ timeout: WAIT });
  await rows.filter({ hasText: thirdSubject }).waitFor({ timeout: WAIT });
  facts.appeared = true;
  facts.reloaded = navigations !== navigationsBefore || (await page.evaluate(() => window.inboxMarker)) !== 'not reloaded';
  facts.rowText = await row.innerText();
  facts.rowUnread = await row.evaluate((r) => r.classList.contains('unread'));
  facts.rowAttachmentMark = await row.locator('.attachment-mark').count();
  facts.firstRowIsNewest = (await rows.first().innerText()).includes(otherSubject);   // the other was sent a second later
  await page.waitForFunction(() => document.querySelectorAll('#mailboxes li').length >= 2, null, { timeout: WAIT });
  facts.mailboxes = await page.locator('#mailboxes li').allInnerTexts();

  // Search for a word of the subject, for nothing that exists, then back to everything.
  await page.fill('#query', search);
  await page.press('#query', 'Enter');
  await page.waitForFunction((other) => ![...document.querySelectorAll('#messages tbody tr')].some((r) => r.innerText.includes(other)), otherSubject, { timeout: WAIT });
  facts.searchFound = await row.count();
  await page.fill('#query', 'no-such-message-anywhere');
  await page.press('#query', 'Enter');
  await page.waitForFunction(() => document.querySelectorAll('#messages tbody tr').length === 0, null, { timeout: WAIT });
  facts.searchNothing = await rows.count();
  await page.fill('#query', '');
  await page.press('#query', 'Enter');
  await row.waitFor({ timeout: WAIT });
  await rows.filter({ hasText: otherSubject }).waitFor({ timeout: WAIT });
  facts.firstRowIsNewestAfterReload = (await rows.first().innerText()).includes(otherSubject);

  // One mailbox, then all mail again.
  const annBox = page.locator('#mailboxes button', { hasText: 'ann@' });
  if (await annBox.count()) {
    await annBox.click();
    await page.waitForFunction((other) => ![...document.querySelectorAll('#messages tbody tr')].some((r) => r.innerText.includes(other)), otherSubject, { timeout: WAIT });
    facts.mailboxFiltered = await row.count();
    await page.locator('#mailboxes button', { hasText: 'All mail' }).click();
    await rows.filter({ hasText: otherSubject }).waitFor({ timeout: WAIT });
  }

  // Open it: headers, text, then the HTML in its sandbox.
  await row.click();
  await page.locator('#view-subject', { hasText: subject }).waitFor({ timeout: WAIT });
  facts.headers = await page.locator('#view-headers').innerText();
  facts.rowUnreadAfterOpen = await row.evaluate((r) => r.classList.contains('unread'));
  await page.click('.tabs button[data-tab="text"]');
  facts.text = await page.locator('#tab-text pre').innerText();
  await page.click('.tabs button[data-tab="html"]');
  const frameElement = page.locator('#tab-html iframe');
  await frameElement.waitFor({ timeout: WAIT });
  facts.iframeSandbox = await frameElement.getAttribute('sandbox');
  facts.iframeSrc = await frameElement.getAttribute('src');
  const frame = await (await frameElement.elementHandle()).contentFrame();
  await frame.waitForLoadState('load');
  await frame.locator('body').waitFor({ timeout: WAIT });
  facts.htmlText = await frame.locator('body').innerText();
  await page.waitForTimeout(500);   // room for a script that would run late (onload, timers)
  facts.titleAfterHtml = await page.title();
  facts.pagePwned = await page.evaluate(() => window.pwned === undefined ? null : String(window.pwned));
  facts.framePwned = await frame.evaluate(() => (window.pwned === undefined ? null : String(window.pwned))).catch((e) => `evaluate failed: ${e.message}`);
  facts.frameTitle = await frame.title().catch(() => null);
  facts.screenshot = path.join(out, 'web-inbox.png');
  await page.screenshot({ path: facts.screenshot });

  await page.click('.tabs button[data-tab="raw"]');
  await page.waitForFunction(() => document.querySelector('#tab-raw pre').textContent.length > 0, null, { timeout: WAIT });
  facts.raw = await page.locator('#tab-raw pre').textContent();

  // The attachment, downloaded as a browser does.
  const link = page.locator('#view-attachments a').first();
  facts.attachmentLinks = await page.locator('#view-attachments a').allInnerTexts();
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: WAIT }), link.click()]);
  facts.downloadName = download.suggestedFilename();
  facts.downloadPath = path.join(out, `downloaded-${facts.downloadName}`);
  await download.saveAs(facts.downloadPath);

  // Delete it, then everything.
  await page.click('#delete-one');
  await row.waitFor({ state: 'detached', timeout: WAIT });
  facts.deletedOneGone = await row.count() === 0;
  facts.viewHiddenAfterDelete = await page.locator('#view').isHidden();
  facts.otherStillListed = await rows.filter({ hasText: otherSubject }).count();
  await deleteThird();
  await rows.filter({ hasText: thirdSubject }).waitFor({ state: 'detached', timeout: WAIT });
  facts.deletedElsewhereGone = true;
  facts.otherStillListedAfterThird = await rows.filter({ hasText: otherSubject }).count();
  await page.click('#delete-all');
  await page.waitForFunction(() => document.querySelectorAll('#messages tbody tr').length === 0, null, { timeout: WAIT });
  facts.rowsAfterDeleteAll = await rows.count();
  facts.reloadedAtEnd = navigations !== navigationsBefore;
  facts.pageExceptions = pageExceptions;
  facts.consoleErrors = consoleErrors;
  return facts;
}

module.exports = { runScenario };

if (require.main === module) {
  const options = parseArguments(process.argv.slice(2));
  const input = readline.createInterface({ input: process.stdin });
  const lines = input[Symbol.asyncIterator]();
  const say = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
  const facts = {};
  runScenario({
    url: options.url, subject: options.subject, otherSubject: options['other-subject'], thirdSubject: options['third-subject'],
    search: options.search, out: options.out,
    user: options.user, password: options.password, chromiumPath: options.chromium,
    send: async () => {
      say({ step: 'ready' });
      const { value } = await lines.next();
      if (!value || !value.startsWith('sent')) throw new Error(`the caller did not send: ${value}`);
    },
    deleteThird: async () => {
      say({ step: 'delete-third' });
      const { value } = await lines.next();
      if (!value || !value.startsWith('deleted')) throw new Error(`the caller did not delete: ${value}`);
    },
  }, facts).then(() => { say({ step: 'done', facts }); input.close(); },
    (error) => { say({ step: 'failed', error: String(error && error.stack || error), facts }); input.close(); process.exitCode = 1; });
}
