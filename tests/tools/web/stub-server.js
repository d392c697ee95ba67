// A STAND-IN for the engine's HTTP server, for working on the web inbox page alone (no build, no
// SMTP): it serves src/MailAdmin.Engine/Hosting/Http/Web/ and canned answers in the shape of the
// /api/v1 contract, from messages posted to POST /stub/messages. The real tests
// (tests/WebInbox.Tests.ps1) run against Start-MailServer -HttpPort, never against this.
// It serves a message's HTML UNSANITISED on purpose: the page's sandboxed iframe alone must
// keep its script from running.
//   node stub-server.js [port] [user:password]     then open http://127.0.0.1:<port>/
'use strict';
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

const webRoot = path.resolve(__dirname, '../../../src/MailAdmin.Engine/Hosting/Http/Web');
const files = { '/': ['index.html', 'text/html; charset=utf-8'], '/app.js': ['app.js', 'text/javascript; charset=utf-8'], '/app.css': ['app.css', 'text/css; charset=utf-8'] };

function createStub({ credentials } = {}) {
  const messages = [];   // newest first: { summary, detail, raw, parts: Map(PartID -> {type, name, bytes}) }
  const listeners = new Set();
  let nextId = 1;

  const emit = (event, data) => { for (const res of listeners) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`); };
  const json = (res, value, status = 200) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(value)); };
  const mailboxOf = (m) => m.summary.To.map((a) => a.Address.toLowerCase());

  function add(input) {
    const id = `stub-${nextId++}`;
    const attachments = (input.Attachments || []).map((a, i) => ({ PartID: String(i + 2), FileName: a.FileName, ContentType: a.ContentType, ContentID: '', Size: Buffer.from(a.Base64, 'base64').length, bytes: Buffer.from(a.Base64, 'base64') }));
    const to = (input.To || []).map((address) => ({ Name: '', Address: address }));
    const from = { Name: input.FromName || '', Address: input.From || 'sender@example.com' };
    const created = new Date().toISOString();
    const summary = { ID: id, MessageID: `${id}@stub`, Read: false, From: from, To: to, Cc: [], Bcc: [], ReplyTo: [], Subject: input.Subject || '', Created: created, Tags: [], Size: 0, Attachments: attachments.length, Snippet: (input.Text || '').slice(0, 80) };
    const raw = [`From: ${from.Address}`, `To: ${to.map((a) => a.Address).join(', ')}`, `Subject: ${summary.Subject}`, `Date: ${created}`, `Message-ID: <${summary.MessageID}>`, '', input.Text || '', input.HTML || ''].join('\r\n');
    summary.Size = Buffer.byteLength(raw);
    const detail = { ID: id, MessageID: summary.MessageID, From: from, To: to, Cc: [], Bcc: [], ReplyTo: [], ReturnPath: from.Address, Subject: summary.Subject, Date: created, Tags: [], Text: input.Text || '', HTML: input.HTML || '', Size: summary.Size, Inline: [], Attachments: attachments.map(({ bytes, ...rest }) => rest) };
    const message = { summary, detail, raw, parts: new Map(attachments.map((a) => [a.PartID, a])) };
    messages.unshift(message);
    emit('new', summary);
    return summary;
  }

  function remove(ids) {
    for (const id of ids) { const i = messages.findIndex((m) => m.summary.ID === id); if (i >= 0) messages.splice(i, 1); }
    emit('delete', { IDs: ids });
  }

  function page(list, url) {
    const start = Number(url.searchParams.get('start') || 0), limit = Number(url.searchParams.get('limit') || 50);
    const shown = list.slice(start, start + limit).map((m) => m.summary);
    return { total: messages.length, unread: messages.filter((m) => !m.summary.Read).length, count: shown.length, messages_count: list.length, start, tags: [], messages: shown };
  }

  function filtered(url) {
    const mailbox = (url.searchParams.get('mailbox') || '').toLowerCase();
    const words = (url.searchParams.get('query') || '').toLowerCase().split(/\s+/).filter(Boolean);
    return messages.filter((m) => (!mailbox || mailboxOf(m).includes(mailbox)) && words.every((word) => {
      const [field, value] = word.includes(':') ? word.split(/:(.*)/s) : ['', word];
      const from = `${m.summary.From.Name} ${m.summary.From.Address}`.toLowerCase(), to = mailboxOf(m).join(' '), subject = m.summary.Subject.toLowerCase();
      if (field === 'from') return from.includes(value);
      if (field === 'to') return to.includes(value);
      if (field === 'subject') return subject.includes(value);
      return from.includes(word) || to.includes(word) || subject.includes(word);
    }));
  }

  const find = (id) => messages.find((m) => m.summary.ID === id);

  async function body(req) {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function handle(req, res) {
    if (credentials && req.headers.authorization !== `Basic ${Buffer.from(credentials).toString('base64')}`) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="MailAdmin"' });
      return res.end();
    }
    const url = new URL(req.url, 'http://stub');
    const p = url.pathname;
    let match;
    if (req.method === 'GET' && files[p]) {
      const [name, type] = files[p];
      res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      return res.end(fs.readFileSync(path.join(webRoot, name)));
    }
    if (req.method === 'POST' && p === '/stub/messages') return json(res, add(JSON.parse(await body(req))));
    if (req.method === 'GET' && p === '/api/v1/mailboxes') {
      const accounts = new Map();
      for (const m of messages) for (const account of mailboxOf(m)) {
        const entry = accounts.get(account) || { Account: account, Messages: 0, Unread: 0 };
        entry.Messages++; if (!m.summary.Read) entry.Unread++;
        accounts.set(account, entry);
      }
      return json(res, [...accounts.values()].sort((a, b) => a.Account.localeCompare(b.Account)));
    }
    if (req.method === 'GET' && (p === '/api/v1/messages' || p === '/api/v1/search')) return json(res, page(filtered(url), url));
    if (req.method === 'DELETE' && p === '/api/v1/messages') {
      const text = await body(req);
      const ids = text ? JSON.parse(text).IDs || [] : null;
      if (!ids) { messages.length = 0; emit('clear', {}); return json(res, 'ok'); }
      remove(ids);
      return json(res, 'ok');
    }
    if (req.method === 'GET' && p === '/api/v1/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      res.write(': connected\n\n');
      listeners.add(res);
      req.on('close', () => listeners.delete(res));
      return;
    }
    if (req.method === 'GET' && (match = p.match(/^\/api\/v1\/message\/([^/]+)$/)) && find(decodeURIComponent(match[1]))) {
      const m = find(decodeURIComponent(match[1]));
      m.summary.Read = true;
      return json(res, m.detail);
    }
    if (req.method === 'GET' && (match = p.match(/^\/api\/v1\/message\/([^/]+)\/raw$/)) && find(decodeURIComponent(match[1]))) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end(find(decodeURIComponent(match[1])).raw);
    }
    if (req.method === 'GET' && (match = p.match(/^\/api\/v1\/message\/([^/]+)\/part\/([^/]+)$/))) {
      const part = find(decodeURIComponent(match[1]))?.parts.get(decodeURIComponent(match[2]));
      if (part) {
        res.writeHead(200, { 'Content-Type': part.ContentType, 'Content-Disposition': `attachment; filename="${part.FileName}"` });
        return res.end(part.bytes);
      }
    }
    if (req.method === 'GET' && (match = p.match(/^\/view\/([^/]+)\.html$/)) && find(decodeURIComponent(match[1]))) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': 'sandbox' });
      return res.end(find(decodeURIComponent(match[1])).detail.HTML);
    }
    json(res, { error: 'not found' }, 404);
  }

  const server = http.createServer((req, res) => handle(req, res).catch((e) => json(res, { error: String(e) }, 500)));
  return { server, add, remove, close: () => { for (const res of listeners) res.end(); server.close(); } };
}

module.exports = { createStub };

if (require.main === module) {
  const stub = createStub({ credentials: process.argv[3] });
  stub.server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => console.log(`stand-in inbox on http://127.0.0.1:${stub.server.address().port}/`));
}
