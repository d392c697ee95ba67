// A quick page-only check while working on the web inbox's files: the browser scenario of
// tests/WebInbox.Tests.ps1 against the STAND-IN server (stub-server.js), not the engine, so it
// needs no build and no SMTP. It is not part of the test suite; the Pester test is.
//   cd tests/tools/web && npm ci && node check-page-with-stub.js [output folder]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createStub } = require('./stub-server');
const { chromium } = require('playwright-core');
const { runScenario } = require('./inbox-scenario');

// New mail at about 300 a second with the page open: the list keeps its 50 newest rows and the
// counts stay right. Returns how long the page took to show the last one after it was sent.
async function burst(count) {
  const stub = createStub();
  await new Promise((resolve) => stub.server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${stub.server.address().port}/`);
    await page.locator('#live.on').waitFor();
    const started = Date.now();
    for (let i = 1; i <= count; i++) {
      stub.add({ From: `app${i % 7}@shop.test`, To: [`user${i % 5}@example.com`], Subject: `Burst ${i}`, Text: 'x' });
      if (i % 30 === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const sent = Date.now();
    await page.waitForFunction((n) => document.querySelector('#messages tbody tr .subject-text')?.textContent === `Burst ${n}`, count, { timeout: 15000 });
    const shownAfter = Date.now() - sent;
    await page.waitForFunction((n) => document.querySelector('#mailboxes li')?.innerText.includes(`${n}/${n}`), count, { timeout: 15000 });
    return { rate: Math.round(count / ((sent - started) / 1000)), shownAfter, rows: await page.locator('#messages tbody tr').count(), status: await page.locator('#list-status').innerText() };
  } finally {
    await browser.close();
    stub.close();
  }
}

async function main() {
  const out = process.argv[2] || fs.mkdtempSync(path.join(os.tmpdir(), 'web-inbox-'));
  fs.mkdirSync(out, { recursive: true });
  const stub = createStub({ credentials: 'viewer:Stub-Passw0rd' });
  await new Promise((resolve) => stub.server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${stub.server.address().port}/`;
  const attachment = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
  const token = String(Date.now());
  const thirdSubject = `Third ${token.slice(0, 6)}`;
  let third;
  const subject = `Invoice <img src=x onerror="window.pwned=3"> ${token}`, otherSubject = `Other ${token.split('').reverse().join('')}`;
  const facts = {};
  try {
    await runScenario({
      url, subject, otherSubject, thirdSubject, search: token, out, user: 'viewer', password: 'Stub-Passw0rd',
      send: async () => {
        third = stub.add({ From: 'third@shop.test', To: ['carol@example.com'], Subject: thirdSubject, Text: 'third' });
        stub.add({ From: 'billing@shop.test', To: ['ann@example.com'], Subject: subject, Text: 'Plain text body',
          HTML: '<p>Hello in HTML</p><script>document.title="pwned";window.pwned=1;try{parent.document.title="pwned"}catch(e){}</script><img src="x" onerror="window.pwned=2">',
          Attachments: [{ FileName: 'data.bin', ContentType: 'application/octet-stream', Base64: attachment.toString('base64') }] });
        await new Promise((resolve) => setTimeout(resolve, 20));
        stub.add({ From: 'other@shop.test', To: ['bob@example.com'], Subject: otherSubject, Text: 'second' });
      },
      deleteThird: async () => stub.remove([third.ID]),
    }, facts);
  } catch (error) {
    console.log(JSON.stringify(facts, null, 1));
    throw error;
  } finally {
    stub.close();
  }
  const checks = {
    'appears without reload': facts.appeared && !facts.reloaded,
    'unread, with attachment mark': facts.rowUnread && facts.rowAttachmentMark === 1,
    'newest first': facts.firstRowIsNewest && facts.firstRowIsNewestAfterReload,
    'subject shown as text': facts.rowText.includes(subject),
    'mailboxes listed': facts.mailboxes.some((m) => m.includes('ann@example.com')) && facts.mailboxes.some((m) => m.includes('All mail')),
    'search': facts.searchFound === 1 && facts.searchNothing === 0,
    'one mailbox': facts.mailboxFiltered === 1,
    'read after opening': facts.rowUnreadAfterOpen === false,
    'text tab': facts.text.includes('Plain text body'),
    'iframe sandboxed without scripts': facts.iframeSandbox === '' && /^\/view\/.+\.html$/.test(facts.iframeSrc),
    'html shown': facts.htmlText.includes('Hello in HTML'),
    'no script ran': facts.pagePwned === null && facts.titleAfterHtml === 'MailAdmin inbox' && facts.framePwned !== '1' && facts.framePwned !== '2' && facts.frameTitle !== 'pwned',
    'raw tab': facts.raw.includes(subject),
    'attachment downloaded': facts.downloadName === 'data.bin' && fs.readFileSync(facts.downloadPath).equals(attachment),
    'deleted one': facts.deletedOneGone && facts.viewHiddenAfterDelete && facts.otherStillListed === 1,
    'deleted elsewhere, gone live': facts.deletedElsewhereGone && facts.otherStillListedAfterThird === 1,
    'deleted all': facts.rowsAfterDeleteAll === 0 && !facts.reloadedAtEnd,
    'sandbox blocked the script': facts.consoleErrors.some((e) => e.includes('Blocked script execution')),
    'no errors in the page\'s script': facts.pageExceptions.length === 0,
  };
  const flood = await burst(600);
  console.log(`burst: 600 messages at ${flood.rate}/s, the last shown ${flood.shownAfter} ms after it was sent; ${flood.status}`);
  checks['a burst keeps 50 rows and the right counts'] = flood.rows === 50 && flood.status === '50 of 600 messages';
  let passed = 0, failed = 0;
  for (const [name, ok] of Object.entries(checks)) { console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}`); if (ok) passed++; else failed++; }
  if (failed) console.log(JSON.stringify(facts, null, 1));
  console.log(`screenshot: ${facts.screenshot}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((error) => { console.error(error); process.exitCode = 1; });
