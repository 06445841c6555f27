'use strict';
// Cairn Foundation wizard: discover -> cluster -> node setup -> validate -> images -> create -> progress -> done.
const API = '/foundation/v1';
const STEPS = ['discover', 'cluster', 'nodes', 'validate', 'images', 'create', 'progress', 'done'];
const LABELS = ['Discover', 'Cluster', 'Node setup', 'Validate', 'Images', 'Create', 'Progress', 'Done'];
const state = { nodes: [], selected: [], image: null, run: null, password: null };
const $ = (id) => document.getElementById(id);

function show(step) {
  STEPS.forEach((s) => { $('step-' + s).hidden = s !== step; });
  document.querySelectorAll('#steps li').forEach((li, i) => li.classList.toggle('current', STEPS[i] === step));
}

async function call(method, path, body) {
  const r = await fetch(API + path, {
    method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  const j = await r.json();
  if (!r.ok) throw new Error(j.message || ('HTTP ' + r.status));
  return j;
}

function text(tag, value) { const e = document.createElement(tag); e.textContent = value == null ? '' : String(value); return e; }

async function discover() {
  $('discover-error').textContent = '';
  try {
    state.nodes = await call('GET', '/nodes');
  } catch (e) { $('discover-error').textContent = e.message; return; }
  const body = document.querySelector('#node-table tbody');
  body.replaceChildren();
  state.nodes.forEach((n, i) => {
    const tr = document.createElement('tr');
    const cb = document.createElement('input');
    cb.type = 'checkbox'; cb.checked = true; cb.className = 'pick'; cb.dataset.index = i;
    const td = document.createElement('td'); td.append(cb); tr.append(td);
    [n.home, n.serial, n.block, n.position, n.state, n.power].forEach((v) => tr.append(text('td', v)));
    body.append(tr);
  });
  if (state.nodes.length === 0) $('discover-error').textContent = 'No bare or factory nodes found.';
  $('to-cluster').disabled = state.nodes.length === 0;
}

function nextIp(ip, k) {
  const p = ip.split('.').map(Number);
  p[3] += k;
  return p.join('.');
}

function toNodes() {
  state.selected = [...document.querySelectorAll('#node-table .pick')].filter((c) => c.checked).map((c) => state.nodes[c.dataset.index]);
  const body = document.querySelector('#setup-table tbody');
  body.replaceChildren();
  state.selected.forEach((n, i) => {
    const tr = document.createElement('tr');
    tr.append(text('td', n.home), text('td', n.serial));
    [['cvm', n.address || nextIp($('first-ip').value.trim(), i)], ['host', $('hostname-prefix').value.trim() + '-' + (i + 1)], ['ipmi', '']]
      .forEach(([k, v]) => {
        const inp = document.createElement('input');
        inp.className = 'node-' + k; inp.value = v; inp.dataset.index = i;
        const td = document.createElement('td'); td.append(inp); tr.append(td);
      });
    body.append(tr);
  });
  show('nodes');
}

function list(id) { return $(id).value.split(',').map((s) => s.trim()).filter((s) => s); }

function form() {
  const nodes = state.selected.map((n, i) => {
    const o = { home: n.home, cvm_ip: document.querySelectorAll('.node-cvm')[i].value.trim(),
      hostname: document.querySelectorAll('.node-host')[i].value.trim() };
    const ipmi = document.querySelectorAll('.node-ipmi')[i].value.trim();
    if (ipmi) o.ipmi_ip = ipmi;
    return o;
  });
  const cluster = { name: $('cluster-name').value.trim(), fault_tolerance: Number($('cluster-ft').value), dns: list('cluster-dns'), ntp: list('cluster-ntp') };
  if ($('cluster-ip').value.trim()) cluster.ip = $('cluster-ip').value.trim();
  return {
    cluster, cvm: { netmask: $('cvm-netmask').value.trim(), gateway: $('cvm-gateway').value.trim() },
    hypervisor: { type: 'kvm', hostname_prefix: $('hostname-prefix').value.trim() },
    image: { archive: state.image || '(none chosen)' }, admin: $('cluster-name').value.trim() + '-admin',
    skip_imaging: $('skip-imaging').checked, nodes,
  };
}

async function validate() {
  const ul = $('problems');
  ul.replaceChildren();
  $('valid-ok').hidden = true;
  const f = form();
  f.skip_imaging = true; // the image is chosen in the next step
  const r = await call('POST', '/validate', f);
  const problems = r.problems.filter((p) => !p.field.startsWith('image.') && !p.message.includes('cannot skip imaging'));
  problems.forEach((p) => ul.append(text('li', p.field + ': ' + p.message)));
  $('valid-ok').hidden = problems.length > 0;
  $('to-images').disabled = problems.length > 0;
}

async function images() {
  const body = document.querySelector('#image-table tbody');
  body.replaceChildren();
  (await call('GET', '/images')).forEach((im, i) => {
    const tr = document.createElement('tr');
    const rb = document.createElement('input');
    rb.type = 'radio'; rb.name = 'image'; rb.value = im.archive; rb.disabled = !im.signed; rb.className = 'image-pick';
    rb.onchange = () => { state.image = im.archive; $('to-create').disabled = false; };
    const td = document.createElement('td'); td.append(rb); tr.append(td);
    tr.append(text('td', im.archive.split('/').pop()), text('td', im.version || ''), text('td', (im.hypervisors || []).join(', ')),
      text('td', im.signed ? 'verified' : 'refused: ' + im.refused));
    body.append(tr);
  });
  show('images');
}

function summary() {
  const f = form();
  $('summary').textContent = JSON.stringify(f, null, 2);
  show('create');
}

async function create() {
  $('create-error').textContent = '';
  try {
    state.run = (await call('POST', '/runs', form())).id;
  } catch (e) { $('create-error').textContent = e.message; return; }
  show('progress');
  poll();
}

async function poll() {
  let r;
  try { r = await call('GET', '/runs/' + state.run); } catch (e) { setTimeout(poll, 1000); return; }
  const body = document.querySelector('#progress-table tbody');
  body.replaceChildren();
  r.nodes.forEach((n) => {
    const tr = document.createElement('tr');
    const bar = document.createElement('progress');
    bar.max = n.steps; bar.value = Math.max(0, n.step);
    const td = document.createElement('td'); td.append(bar);
    tr.append(text('td', n.home), text('td', n.ip), text('td', n.label), td, text('td', n.message || ''));
    tr.className = 'progress-' + n.phase.toLowerCase();
    body.append(tr);
  });
  $('cluster-lines').textContent = r.lines.join('\n');
  if (r.admin_password) state.password = r.admin_password;
  if (r.state === 'running') { setTimeout(poll, 1000); return; }
  show('done');
  if (r.state === 'succeeded') {
    $('done-text').textContent = 'Cluster ' + r.cluster + (r.result.created ? ' created.' : ' is up.');
    const dl = $('done-list');
    dl.replaceChildren();
    [['Prism', r.result.prism], ['Admin user', 'admin'],
      ['Admin password', state.password ? state.password + ' (shown only now; change it at the first login)' : 'shown when the cluster was created'],
      ['Admin credentials', r.result.admin], ['Fault tolerance', r.result.fault_tolerance]]
      .forEach(([k, v]) => { dl.append(text('dt', k)); const dd = text('dd', v); dd.id = 'done-' + k.toLowerCase().replace(/ /g, '-'); dl.append(dd); });
  } else {
    $('done-text').textContent = 'The run failed.' + (state.password
      ? ' The cluster was created: log in as admin with password ' + state.password + ' (shown only now).' : '');
    $('done-error').textContent = r.error;
  }
}

function init() {
  const ol = $('steps');
  LABELS.forEach((l) => ol.append(text('li', l)));
  $('discover').onclick = discover;
  $('to-cluster').onclick = () => show('cluster');
  $('to-nodes').onclick = toNodes;
  $('to-validate').onclick = () => show('validate');
  $('validate').onclick = () => validate().catch((e) => $('problems').replaceChildren(text('li', e.message)));
  $('to-images').onclick = () => images().catch((e) => alert(e.message));
  $('to-create').onclick = summary;
  $('create').onclick = create;
  document.querySelectorAll('button.back').forEach((b) => {
    b.onclick = () => { const i = STEPS.indexOf(b.closest('section').id.slice(5)); show(STEPS[Math.max(0, i - 1)]); };
  });
  show('discover');
}
init();
