// The servers table: one row per registered server, with its health from the balancer and its
// own stats (incarnation, uptime, rate, p99, lag to each peer) when it answered them.
import * as fmt from './format.js';

/** Lag above these many seconds is shown as worth a look, and as a problem. */
const LAG_WARN_S = 3;
const LAG_BAD_S = 10;

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className !== undefined) td.className = className;
  return td;
}

export function renderServers(body, servers) {
  body.innerHTML = '';
  if (servers.length === 0) {
    const row = body.insertRow();
    row.className = 'empty';
    cell(row, 'No counting server has registered with this balancer.').colSpan = 8;
    return;
  }
  for (const server of servers) serverRow(body.insertRow(), server);
}

function serverRow(row, s) {
  row.dataset.serverId = s.id;
  row.dataset.status = s.status;
  const id = cell(row, s.id, 'id');
  id.append(Object.assign(document.createElement('span'), { className: 'url', textContent: s.url }));
  const status = row.insertCell();
  status.append(Object.assign(document.createElement('span'), { className: `pill ${s.status}`, textContent: s.status }));
  cell(row, fmt.incarnation(s.incarnation)).title = s.incarnation === undefined ? '' : `incarnation ${s.incarnation}`;
  cell(row, fmt.duration(s.uptimeSeconds), 'num');
  cell(row, fmt.rate(s.incrementsPerSecond), 'num');
  cell(row, fmt.ms(s.latencyP99Ms), 'num');
  cell(row, s.counters === undefined ? '–' : s.counters.toLocaleString('en-US'), 'num');
  row.insertCell().append(lagCell(s));
}

function lagCell(s) {
  if (s.statsError !== undefined) {
    return Object.assign(document.createElement('span'), { className: 'error-text', textContent: `no stats: ${s.statsError}` });
  }
  const wrap = document.createElement('div');
  wrap.className = 'lags';
  const peers = [...(s.peers ?? [])].sort((a, b) => String(a.id ?? a.url).localeCompare(String(b.id ?? b.url)));
  for (const peer of peers) {
    const chip = document.createElement('span');
    const lag = peer.lagSeconds;
    // null: nothing acknowledged yet (a new peer, or nothing to push), not a fault in itself.
    chip.className = `lag${lag !== null && lag >= LAG_BAD_S ? ' bad' : lag !== null && lag >= LAG_WARN_S ? ' warn' : ''}`;
    chip.dataset.peer = peer.id ?? peer.url;
    chip.textContent = `${peer.id ?? peer.url} ${fmt.seconds(lag)}`;
    chip.title = `${peer.url}: last ack ${peer.lastAckAt ?? 'never'}, ${peer.pendingCounters} counter(s) waiting`;
    wrap.append(chip);
  }
  if (peers.length === 0) wrap.textContent = "–";
  return wrap;
}
