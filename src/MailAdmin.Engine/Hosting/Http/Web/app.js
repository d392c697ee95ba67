// The web inbox: mailboxes, the newest messages, one message, live updates from /api/v1/events.
// Message data is only ever put into the page with textContent and createElement (never innerHTML),
// so no header or body can add markup or script; a message's HTML is shown only in an iframe
// sandboxed without allow-scripts and without allow-same-origin.
'use strict';

const PAGE_SIZE = 50;

const state = {
  mailbox: '',        // '' = all mailboxes, else an account
  query: '',          // the search box's text; '' = plain listing
  messages: [],       // the summaries shown, newest first
  shown: PAGE_SIZE,   // how many rows the list keeps: a page, plus each "load older"
  total: 0,           // how many match (messages_count), for "load older"
  selected: null,     // the ID of the message shown
  detail: null,       // its JSON
};

const $ = (selector) => document.querySelector(selector);

// ---- the API --------------------------------------------------------------------------------

async function api(path, options) {
  const response = await fetch(path, options);
  if (!response.ok) throw new Error(`${options?.method || 'GET'} ${path}: ${response.status} ${response.statusText}`);
  return response;
}

const getJson = async (path) => (await api(path)).json();

function listUrl(start) {
  const parameters = new URLSearchParams({ start: String(start), limit: String(PAGE_SIZE) });
  if (state.query) parameters.set('query', state.query);
  if (state.mailbox) parameters.set('mailbox', state.mailbox);
  return (state.query ? '/api/v1/search?' : '/api/v1/messages?') + parameters;
}

const messageUrl = (id) => `/api/v1/message/${encodeURIComponent(id)}`;

function deleteMessages(ids) {
  const options = { method: 'DELETE' };
  if (ids) {
    options.headers = { 'Content-Type': 'application/json' };
    options.body = JSON.stringify({ IDs: ids });
  }
  return api('/api/v1/messages', options);
}

// ---- small helpers --------------------------------------------------------------------------

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

const formatAddress = (a) => (a && a.Name ? `${a.Name} <${a.Address}>` : (a && a.Address) || '');
const formatAddresses = (list) => (list || []).map(formatAddress).join(', ');
const shortAddresses = (list) => (list || []).map((a) => a.Name || a.Address).join(', ');

function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso || '';
  const today = new Date();
  return date.toDateString() === today.toDateString()
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : date.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

function formatSize(bytes) {
  if (!(bytes >= 0)) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

// Runs fn at most once per delay, however often it is asked for (a burst of new mail
// refreshes the mailbox counts once, not once per message).
function coalesce(fn, delay) {
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => { timer = null; fn().catch(showError); }, delay);
  };
}

function showError(error) {
  $('#list-status').textContent = `Error: ${error.message}`;
  $('#list-status').classList.add('error');
}

// ---- mailboxes ------------------------------------------------------------------------------

async function loadMailboxes() {
  const mailboxes = await getJson('/api/v1/mailboxes');
  const list = $('#mailboxes');
  const items = [mailboxItem('', 'All mail', mailboxes.reduce((n, m) => n + m.Messages, 0), mailboxes.reduce((n, m) => n + m.Unread, 0))];
  for (const m of mailboxes) items.push(mailboxItem(m.Account, m.Account, m.Messages, m.Unread));
  list.replaceChildren(...items);
}

function mailboxItem(account, label, messages, unread) {
  const item = element('li');
  const button = element('button', null, account === state.mailbox ? 'current' : '');
  button.type = 'button';
  button.dataset.account = account;
  button.append(element('span', label, 'name'), element('span', unread ? `${unread}/${messages}` : String(messages), unread ? 'count unread' : 'count'));
  button.title = `${messages} messages, ${unread} unread`;
  button.addEventListener('click', () => {
    state.mailbox = account;
    for (const b of document.querySelectorAll('#mailboxes button')) b.classList.toggle('current', b === button);
    loadMessages().catch(showError);
  });
  item.append(button);
  return item;
}

const refreshMailboxes = coalesce(loadMailboxes, 300);

// ---- the message list -----------------------------------------------------------------------

async function loadMessages() {
  const page = await getJson(listUrl(0));
  state.shown = PAGE_SIZE;
  state.messages = page.messages || [];
  state.total = page.messages_count ?? page.total ?? state.messages.length;
  renderList();
}

async function loadOlder() {
  const page = await getJson(listUrl(state.messages.length));
  const known = new Set(state.messages.map((m) => m.ID));
  state.messages.push(...(page.messages || []).filter((m) => !known.has(m.ID)));
  state.shown = Math.max(state.shown, state.messages.length);
  state.total = page.messages_count ?? page.total ?? state.total;
  renderList();
}

const reloadMessages = coalesce(loadMessages, 300);

// New mail can come in hundreds a second: the list is drawn at most once a frame.
let renderPending = false;
function renderListSoon() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => { renderPending = false; renderList(); });
}

function renderList() {
  $('#messages tbody').replaceChildren(...state.messages.map(messageRow));
  const status = $('#list-status');
  status.classList.remove('error');
  status.textContent = state.messages.length === 0
    ? (state.query ? 'No message matches the search.' : 'No messages.')
    : `${state.messages.length} of ${state.total} ${state.query ? 'found' : 'messages'}`;
  $('#more').hidden = state.messages.length >= state.total;
}

function messageRow(m) {
  const row = element('tr', null, m.Read ? 'message' : 'message unread');
  row.dataset.id = m.ID;
  if (m.ID === state.selected) row.classList.add('selected');
  row.tabIndex = 0;
  const subject = element('td', null, 'subject');
  if (m.Attachments > 0) {
    // A word, not an emoji: a server's browser may have no emoji font.
    const mark = element('span', `${m.Attachments} file${m.Attachments === 1 ? '' : 's'}`, 'attachment-mark');
    mark.title = `${m.Attachments} attachment${m.Attachments === 1 ? '' : 's'}`;
    subject.append(mark);
  }
  subject.append(element('span', m.Subject || '(no subject)', 'subject-text'));
  if (m.Snippet) subject.append(element('span', m.Snippet, 'snippet'));
  const when = element('td', formatTime(m.Created), 'when');
  when.title = m.Created || '';
  const from = element('td', (m.From && (m.From.Name || m.From.Address)) || '', 'from');
  from.title = formatAddress(m.From);
  const to = element('td', shortAddresses(m.To), 'to');
  to.title = formatAddresses(m.To);
  row.append(from, to, subject, when);
  row.addEventListener('click', () => openMessage(m.ID).catch(showError));
  row.addEventListener('keydown', (e) => { if (e.key === 'Enter') openMessage(m.ID).catch(showError); });
  return row;
}

const rowFor = (id) => [...document.querySelectorAll('#messages tbody tr')].find((r) => r.dataset.id === id);

// ---- one message ----------------------------------------------------------------------------

async function openMessage(id) {
  const detail = await getJson(messageUrl(id));   // the server marks it read
  state.selected = id;
  state.detail = detail;
  for (const r of document.querySelectorAll('#messages tbody tr')) r.classList.toggle('selected', r.dataset.id === id);
  const summary = state.messages.find((m) => m.ID === id);
  if (summary && !summary.Read) {
    summary.Read = true;
    rowFor(id)?.classList.remove('unread');
    refreshMailboxes();
  }
  renderMessage(detail);
}

function renderMessage(d) {
  $('#view').hidden = false;
  $('#view-subject').textContent = d.Subject || '(no subject)';
  const headers = [
    ['From', formatAddress(d.From)], ['To', formatAddresses(d.To)], ['Cc', formatAddresses(d.Cc)],
    ['Bcc', formatAddresses(d.Bcc)], ['Reply-To', formatAddresses(d.ReplyTo)], ['Return-Path', d.ReturnPath],
    ['Date', d.Date ? `${formatTime(d.Date)} (${d.Date})` : ''], ['Message-ID', d.MessageID], ['Size', formatSize(d.Size)],
  ];
  const list = $('#view-headers');
  list.replaceChildren();
  for (const [name, value] of headers) if (value) list.append(element('dt', name), element('dd', value));

  const files = $('#view-attachments');
  files.replaceChildren();
  for (const part of [...(d.Attachments || []), ...(d.Inline || [])]) {
    const link = element('a', part.FileName || `part ${part.PartID}`);
    link.href = `${messageUrl(d.ID)}/part/${encodeURIComponent(part.PartID)}`;
    link.download = part.FileName || '';
    link.className = 'attachment';
    const item = element('li');
    item.append(link, element('span', ` ${part.ContentType || ''}, ${formatSize(part.Size)}${(d.Inline || []).includes(part) ? ', inline' : ''}`, 'meta'));
    files.append(item);
  }

  $('#tab-text pre').textContent = d.Text || '(no text body)';
  $('#tab-html').replaceChildren();   // the iframe is made when the tab is first shown
  $('#tab-raw pre').textContent = '';
  $('#raw-link').href = `${messageUrl(d.ID)}/raw`;
  showTab(d.Text || !d.HTML ? 'text' : 'html');
}

function showTab(name) {
  for (const button of document.querySelectorAll('.tabs button')) button.setAttribute('aria-selected', String(button.dataset.tab === name));
  for (const panel of document.querySelectorAll('.tab')) panel.hidden = panel.id !== `tab-${name}`;
  const d = state.detail;
  if (!d) return;
  if (name === 'html' && !$('#tab-html').firstChild) {
    if (d.HTML) {
      // Sandboxed with no allow-scripts (no script runs) and no allow-same-origin (an opaque
      // origin: the message cannot read the page, its cookies or the API). The attribute is set
      // before src so the first load is already sandboxed.
      const frame = document.createElement('iframe');
      frame.setAttribute('sandbox', '');
      frame.setAttribute('referrerpolicy', 'no-referrer');
      frame.title = 'The message\'s HTML body';
      frame.src = `/view/${encodeURIComponent(d.ID)}.html`;
      $('#tab-html').append(frame);
    } else {
      $('#tab-html').append(element('p', '(no HTML body)', 'status'));
    }
  }
  if (name === 'raw' && !$('#tab-raw pre').textContent) {
    const id = d.ID;
    api(`${messageUrl(id)}/raw`).then((r) => r.text()).then((text) => {
      if (state.selected === id) $('#tab-raw pre').textContent = text;
    }).catch(showError);
  }
}

function closeMessage() {
  state.selected = null;
  state.detail = null;
  $('#view').hidden = true;
  $('#tab-html').replaceChildren();
}

// ---- changes: from this page and from the server --------------------------------------------

function removeMessages(ids) {
  const gone = new Set(ids);
  const before = state.messages.length;
  state.messages = state.messages.filter((m) => !gone.has(m.ID));
  state.total = Math.max(0, state.total - (before - state.messages.length));
  if (gone.has(state.selected)) closeMessage();
  renderList();
  refreshMailboxes();
}

function clearMessages() {
  state.messages = [];
  state.total = 0;
  closeMessage();
  renderList();
  refreshMailboxes();
}

function messageArrived(summary) {
  refreshMailboxes();
  // Only the plain listing of all mail can take the summary as it is; a search or one mailbox
  // asks the server which messages match.
  if (state.query || state.mailbox) { reloadMessages(); return; }
  if (state.messages.some((m) => m.ID === summary.ID)) return;
  // Usually at the top; but events of mail that arrived together need not come in order.
  const created = Date.parse(summary.Created);
  const at = state.messages.findIndex((m) => Date.parse(m.Created) <= created);
  state.messages.splice(at < 0 ? state.messages.length : at, 0, summary);
  if (state.messages.length > state.shown) state.messages.length = state.shown;
  state.total += 1;
  renderListSoon();
}

function listen() {
  const live = $('#live');
  const events = new EventSource('/api/v1/events');
  let connectedBefore = false;
  events.addEventListener('open', () => {
    live.textContent = 'live';
    live.classList.add('on');
    // On a reconnect, whatever happened while disconnected was missed: ask again.
    if (connectedBefore) { reloadMessages(); refreshMailboxes(); }
    connectedBefore = true;
  });
  events.addEventListener('error', () => { live.textContent = 'reconnecting…'; live.classList.remove('on'); });
  events.addEventListener('new', (e) => messageArrived(JSON.parse(e.data)));
  events.addEventListener('delete', (e) => removeMessages(JSON.parse(e.data).IDs || []));
  events.addEventListener('clear', clearMessages);
}

// ---- wiring ---------------------------------------------------------------------------------

function start() {
  let typing = null;
  const search = () => {
    clearTimeout(typing);
    state.query = $('#query').value.trim();
    loadMessages().catch(showError);
  };
  $('#search').addEventListener('submit', (e) => { e.preventDefault(); search(); });
  $('#query').addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(search, 300); });
  $('#more').addEventListener('click', () => loadOlder().catch(showError));
  for (const button of document.querySelectorAll('.tabs button')) button.addEventListener('click', () => showTab(button.dataset.tab));
  $('#delete-one').addEventListener('click', () => {
    const id = state.selected;
    if (id) deleteMessages([id]).then(() => removeMessages([id])).catch(showError);
  });
  $('#delete-all').addEventListener('click', () => {
    if (confirm('Delete all messages in every mailbox?')) deleteMessages(null).then(clearMessages).catch(showError);
  });
  Promise.all([loadMailboxes(), loadMessages()]).catch(showError);
  listen();
}

start();
