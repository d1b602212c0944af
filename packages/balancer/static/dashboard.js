// The page: one feed of snapshots (servers, cluster rate) and, on each snapshot, a refresh of
// the counter search and of the selected counter's breakdown.
import { AuthError, getJson, readEvents, token } from './api.js';
import { drawBreakdown, drawSparkline } from './charts.js';
import * as fmt from './format.js';
import { renderServers } from './servers.js';

const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `#counter=NAME` keeps the selection across reloads and makes it linkable. */
function selectedInHash() {
  const match = /^#counter=(.+)$/.exec(location.hash);
  try {
    return match === null ? undefined : decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}

const state = {
  selected: selectedInHash(),
  lastSnapshotAt: 0,
  intervalMs: 1000,
  isListing: false,
  isBreaking: false,
  feed: undefined,
};

function setConnection(kind, text) {
  $('conn').dataset.state = kind;
  $('conn-text').textContent = text;
}

function onSnapshot(snapshot) {
  state.lastSnapshotAt = Date.now();
  state.intervalMs = snapshot.intervalMs;
  setConnection('live', `live · ${fmt.time(snapshot.at)}`);
  const ready = snapshot.servers.filter((s) => s.status === 'ready').length;
  $('sum-servers').textContent = `${ready} / ${snapshot.servers.length} ready`;
  $('sum-counters').textContent = snapshot.cluster.reporting > 0 ? snapshot.cluster.counters.toLocaleString('en-US') : '–';
  $('sum-rate').textContent = snapshot.cluster.reporting > 0 ? fmt.rate(snapshot.cluster.incrementsPerSecond) : '–';
  drawSparkline($('sparkline'), snapshot.cluster.history);
  renderServers($('servers').tBodies[0], snapshot.servers);
  void refreshCounters();
  void refreshBreakdown();
}

async function runFeed() {
  let delayMs = 1000;
  for (;;) {
    const controller = new AbortController();
    state.feed = controller;
    try {
      setConnection('connecting', 'connecting…');
      await readEvents('/dashboard/events', (event, data) => {
        if (event !== 'snapshot') return;
        delayMs = 1000;
        onSnapshot(data);
      }, controller.signal);
    } catch (err) {
      if (controller.signal.aborted) return;
      if (err instanceof AuthError) return askForToken();
    }
    setConnection('down', `disconnected · retrying in ${Math.round(delayMs / 1000)} s`);
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, 10_000);
  }
}

/** A feed that stays open but silent (a stalled balancer or proxy) is shown as such. */
function watchStaleness() {
  setInterval(() => {
    const ageMs = Date.now() - state.lastSnapshotAt;
    if (state.lastSnapshotAt > 0 && ageMs > Math.max(5000, 3 * state.intervalMs)) {
      setConnection('down', `no update for ${Math.round(ageMs / 1000)} s`);
    }
  }, 1000);
}

async function refreshCounters() {
  if (state.isListing) return;
  state.isListing = true;
  const prefix = $('search').value.trim();
  try {
    const list = await getJson(`/dashboard/counters?limit=200&prefix=${encodeURIComponent(prefix)}`);
    if (prefix === $('search').value.trim()) renderCounters(list, prefix);
  } catch (err) {
    if (err instanceof AuthError) return askForToken();
    $('counters-note').textContent = err.message;
  } finally {
    state.isListing = false;
  }
}

function renderCounters(list, prefix) {
  const body = $('counters').tBodies[0];
  if (list.counters.length === 0) {
    body.innerHTML = '';
    const row = body.insertRow();
    row.className = 'empty';
    Object.assign(row.insertCell(), { colSpan: 2, textContent: prefix === '' ? 'No counters yet.' : `No counter starts with “${prefix}”.` });
  } else {
    body.replaceChildren(...list.counters.map(counterRow));
  }
  const notes = [];
  if (list.isTruncated) notes.push(`Showing the first ${list.counters.length}; type a longer prefix to narrow.`);
  if (list.missing.length > 0) notes.push(`No answer from ${list.missing.join(', ')}.`);
  notes.push(`Values as seen by ${list.servers[0] ?? '–'} (each server converges within a publish interval).`);
  $('counters-note').textContent = notes.join(' ');
  if (state.selected === undefined && list.counters[0] !== undefined) select(list.counters[0].name);
}

function counterRow({ name, value }) {
  const row = document.createElement('tr');
  row.dataset.counter = name;
  row.tabIndex = 0;
  row.setAttribute('aria-selected', String(name === state.selected));
  Object.assign(row.insertCell(), { textContent: name });
  Object.assign(row.insertCell(), { textContent: fmt.count(value), className: 'num' });
  row.addEventListener('click', () => select(name));
  row.addEventListener('keydown', (e) => e.key === 'Enter' && select(name));
  return row;
}

function select(name) {
  state.selected = name;
  history.replaceState(null, '', `#counter=${encodeURIComponent(name)}`);
  for (const row of $('counters').tBodies[0].rows) row.setAttribute('aria-selected', String(row.dataset.counter === name));
  void refreshBreakdown();
}

async function refreshBreakdown() {
  const name = state.selected;
  if (name === undefined || state.isBreaking) return;
  state.isBreaking = true;
  try {
    const view = await getJson(`/dashboard/counter/${encodeURIComponent(name)}/slots`);
    if (name !== state.selected) return;
    $('breakdown-name').textContent = name;
    $('breakdown-total').textContent = fmt.count(view.value);
    $('breakdown-total').dataset.value = view.value;
    drawBreakdown($('breakdown'), view.slots);
    const missing = view.missing.length > 0 ? ` No answer from ${view.missing.join(', ')}.` : '';
    $('breakdown-note').textContent = `${view.slots.length} slot(s), merged from ${view.servers.join(', ')}.${missing}`;
  } catch (err) {
    if (err instanceof AuthError) return askForToken();
    $('breakdown-note').textContent = err.message;
  } finally {
    state.isBreaking = false;
  }
}

function askForToken() {
  state.feed?.abort();
  const dialog = $('token-dialog');
  $('token-error').textContent = token.get() === '' ? '' : 'The balancer refused that token.';
  setConnection('down', 'client token needed');
  if (!dialog.open) dialog.showModal();
}

function start() {
  $('token-form').addEventListener('submit', () => {
    token.set($('token-input').value.trim());
    void runFeed();
  });
  let debounce;
  $('search').addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void refreshCounters(), 200);
  });
  watchStaleness();
  void runFeed();
}

start();
