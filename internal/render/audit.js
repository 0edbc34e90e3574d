// The gatehouse audit report page: draws the matrix of principals x
// accounts from the embedded report (only the cells in view, so that
// 100,000 cells cost what a screenful costs), the panel of paths of a
// cell, and the filtered findings. No framework, no fetch.
(function () {
  'use strict';
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById('audit-data').textContent);
  document.body.dataset.parseMs = (performance.now() - t0).toFixed(1);
  var S = D.s, P = D.principals, A = D.accounts, ST = D.steps, CO = D.conds, RO = D.roles, CE = D.cells, R = D.rows;
  var nP = P.length, nA = A.length;
  var CW = 26, CH = 22, OVERSCAN = 3;
  var FLAG_COND = 1, FLAG_CHAINED = 2, FLAG_UNMANAGED = 4;
  var KIND = { member_of: 'member of', assignment: 'assignment', assume_role: 'assume role' };

  function $(id) { return document.getElementById(id); }
  var ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return ESC[c]; }); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // R is flat: row j starts at off[j] (role, flags, conditions, number of
  // steps, steps). Cells list their rows in order: each is a range of j.
  var start = new Int32Array(nP * nA), count = new Int32Array(nP * nA), nRows = 0;
  for (var i = 0; i < CE.length; i += 3) {
    var k = CE[i] * nA + CE[i + 1];
    start[k] = nRows;
    count[k] = CE[i + 2];
    nRows += CE[i + 2];
  }
  var off = new Int32Array(nRows);
  for (var j = 0, o = 0; j < nRows; j++) {
    off[j] = o;
    o += 4 + R[o + 3];
  }
  var rowLabel = [], rowSearch = [], colLabel = [], colSearch = [];
  for (var p = 0; p < nP; p++) {
    rowLabel.push(S[P[p][3]]);
    rowSearch.push((S[P[p][0]] + ' ' + S[P[p][1]] + ' ' + S[P[p][2]] + ' ' + S[P[p][3]]).toLowerCase());
  }
  for (var a = 0; a < nA; a++) {
    colLabel.push(S[A[a][1]]);
    colSearch.push((S[A[a][0]] + ' ' + S[A[a][1]]).toLowerCase());
  }

  // ---- the matrix ----
  var body = $('m-body'), bodySizer = $('m-body-sizer');
  var rowsBox = $('m-rows'), rowsSizer = $('m-rows-sizer');
  var colsBox = $('m-cols'), colsSizer = $('m-cols-sizer');
  var root = document.documentElement.style;
  root.setProperty('--cell-w', CW + 'px');
  root.setProperty('--cell-h', CH + 'px');
  var visRows = [], visCols = [], selected = -1, pending = false;

  function filterList(n, search, q) {
    var out = [];
    for (var i = 0; i < n; i++) if (!q || search[i].indexOf(q) >= 0) out.push(i);
    return out;
  }
  function applyMatrixFilters() {
    visRows = filterList(nP, rowSearch, $('people-filter').value.trim().toLowerCase());
    visCols = filterList(nA, colSearch, $('account-filter').value.trim().toLowerCase());
    $('matrix-count').textContent = visRows.length + ' of ' + nP + ' principals, ' + visCols.length + ' of ' + nA + ' accounts';
    var w = visCols.length * CW, h = visRows.length * CH;
    bodySizer.style.width = w + 'px';
    bodySizer.style.height = h + 'px';
    rowsSizer.style.height = h + 'px';
    colsSizer.style.width = w + 'px';
    var view = Math.max(240, Math.min(h + 24, Math.round(window.innerHeight * 0.7)));
    body.style.height = view + 'px';
    rowsBox.style.height = view + 'px';
    draw();
  }

  function cellSummary(k) {
    var n = count[k], cond = 0, um = 0, chained = 0;
    for (var j = start[k]; j < start[k] + n; j++) {
      var f = R[off[j] + 1];
      if (f & FLAG_COND) cond++;
      if (f & FLAG_UNMANAGED) um++;
      if (f & FLAG_CHAINED) chained++;
    }
    return { n: n, cond: cond, um: um, chained: chained };
  }
  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }

  function draw() {
    var t = performance.now();
    var top = body.scrollTop, left = body.scrollLeft;
    var r0 = Math.max(0, Math.floor(top / CH) - OVERSCAN);
    var r1 = Math.min(visRows.length, Math.ceil((top + body.clientHeight) / CH) + OVERSCAN);
    var c0 = Math.max(0, Math.floor(left / CW) - OVERSCAN);
    var c1 = Math.min(visCols.length, Math.ceil((left + body.clientWidth) / CW) + OVERSCAN);
    var selP = selected >= 0 ? Math.floor(selected / nA) : -1, selA = selected >= 0 ? selected % nA : -1;
    var out = [];
    for (var r = r0; r < r1; r++) {
      var p = visRows[r];
      for (var c = c0; c < c1; c++) {
        var a = visCols[c], k = p * nA + a;
        if (count[k] === 0) continue;
        var s = cellSummary(k);
        var cls = s.cond === 0 ? 'ok' : s.cond === s.n ? 'cond' : 'mixed';
        if (s.um) cls += ' um';
        if (k === selected) cls += ' sel';
        var title = rowLabel[p] + ' in ' + S[A[a][3]] + ': ' + plural(s.n, 'role');
        if (s.cond) title += ', ' + s.cond + ' conditional';
        if (s.chained) title += ', ' + s.chained + ' chained';
        if (s.um) title += ', ' + s.um + ' made outside the model';
        out.push('<div class="cell ', cls, '" style="left:', c * CW, 'px;top:', r * CH, 'px" data-p="', p, '" data-a="', a,
          '" data-principal="', esc(S[P[p][0]] + ':' + S[P[p][1]]), '" data-account="', esc(S[A[a][0]]),
          '" title="', esc(title), '">', s.n, '</div>');
      }
    }
    bodySizer.innerHTML = out.join('');
    out = [];
    for (r = r0; r < r1; r++) {
      p = visRows[r];
      out.push('<div class="rh', p === selP ? ' sel' : '', '" style="top:', r * CH, 'px" title="', esc(S[P[p][0]] + ' ' + S[P[p][2]]),
        '"><span class="ptype">', esc(S[P[p][0]].replace('_', ' ')), '</span>', esc(rowLabel[p]), '</div>');
    }
    rowsSizer.innerHTML = out.join('');
    out = [];
    for (c = c0; c < c1; c++) {
      a = visCols[c];
      out.push('<div class="ch', a === selA ? ' sel' : '', '" style="left:', c * CW, 'px" title="', esc(S[A[a][3]]), '"><span>',
        esc(colLabel[a]), '</span></div>');
    }
    colsSizer.innerHTML = out.join('');
    // The header strips follow the body by a transform: no layout is
    // forced here, the browser lays the frame out once.
    rowsSizer.style.transform = 'translateY(' + -top + 'px)';
    colsSizer.style.transform = 'translateX(' + -left + 'px)';
    document.body.dataset.drawMs = (performance.now() - t).toFixed(1);
  }
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; draw(); });
  }
  body.addEventListener('scroll', schedule, { passive: true });
  window.addEventListener('resize', applyMatrixFilters);
  [rowsBox, colsBox].forEach(function (box) {
    box.addEventListener('wheel', function (e) {
      body.scrollTop += e.deltaY;
      body.scrollLeft += e.deltaX;
      e.preventDefault();
    }, { passive: false });
  });
  $('people-filter').addEventListener('input', applyMatrixFilters);
  $('account-filter').addEventListener('input', applyMatrixFilters);

  // ---- the panel of a cell's paths ----
  var panel = $('panel');
  function badge(text, cls) { return el('span', 'badge' + (cls ? ' ' + cls : ''), text); }
  // add appends nodes with a space before each, so that the text reads
  // (and copies) as words, not only the layout.
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      parent.appendChild(document.createTextNode(' '));
      parent.appendChild(arguments[i]);
    }
  }
  function condText(ci) { return ci < 0 ? '' : CO[ci].map(function (x) { return S[x]; }).join(', '); }

  function openPanel(p, a) {
    selected = p * nA + a;
    $('panel-title').textContent = S[P[p][1]] + ' → ' + S[A[a][3]];
    $('panel-sub').textContent = S[P[p][0]].replace('_', ' ') + ' ' + S[P[p][2]] + ' · ' + plural(count[selected], 'role');
    var box = $('panel-body');
    box.textContent = '';
    for (var j = start[selected]; j < start[selected] + count[selected]; j++) box.appendChild(accessCard(off[j], p));
    panel.hidden = false;
    draw();
  }
  function accessCard(o, p) {
    var role = RO[R[o]], f = R[o + 1], conds = R[o + 2], first = o + 4, end = first + R[o + 3];
    var card = el('article', 'access');
    var h = el('h4', null, S[role[1]]);
    add(h, f & FLAG_COND ? badge('conditional', 'cond') : badge('allowed', 'ok'));
    if (f & FLAG_CHAINED) add(h, badge('chained'));
    add(h, f & FLAG_UNMANAGED ? badge('made outside the model', 'um') : badge('managed'));
    card.appendChild(h);
    card.appendChild(el('div', 'arn', S[role[0]]));
    if (conds >= 0) card.appendChild(el('div', 'keys', 'Decided by conditions the audit cannot know: ' + condText(conds)));
    var labels = [S[P[p][1]]];
    for (var j = first; j < end; j++) labels.push(S[ST[R[j]][5]]);
    card.appendChild(el('div', 'pathtext', labels.join(' > ')));
    var ol = el('ol', 'steps');
    for (j = first; j < end; j++) {
      var st = ST[R[j]], li = el('li', 'step');
      li.appendChild(el('span', 'kind', KIND[S[st[0]]] || S[st[0]]));
      var from = el('span', 'from', S[st[3]]), to = el('span', 'to', S[st[4]]);
      from.title = S[st[1]];
      to.title = S[st[2]];
      add(li, from, document.createTextNode('→'), to);
      if (st[6] >= 0) add(li, document.createTextNode('(permission set ' + S[st[6]] + ')'));
      if (st[8] >= 0) add(li, badge('if ' + condText(st[8]), 'cond'));
      add(li, st[7] ? badge('managed') : badge('outside the model', 'um'));
      ol.appendChild(li);
    }
    card.appendChild(ol);
    return card;
  }
  function closePanel() {
    panel.hidden = true;
    selected = -1;
    draw();
  }
  bodySizer.addEventListener('click', function (e) {
    var cell = e.target.closest('.cell');
    if (cell) openPanel(+cell.dataset.p, +cell.dataset.a);
  });
  $('panel-close').addEventListener('click', closePanel);
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape' && !panel.hidden) closePanel(); });

  // ---- the findings ----
  var F = D.findings, sevBox = $('severity-filters'), sevOn = {};
  var sevCount = {}, rules = {}, accounts = {};
  F.forEach(function (f) {
    sevCount[f.severity] = (sevCount[f.severity] || 0) + 1;
    rules[f.rule] = true;
    if (f.account) accounts[f.account] = true;
  });
  var sevs = D.severities.slice();
  Object.keys(sevCount).sort().forEach(function (s) { if (sevs.indexOf(s) < 0) sevs.push(s); });
  sevs.forEach(function (s) {
    sevOn[s] = true;
    var label = el('label', 'sev-' + s), box = el('input');
    box.type = 'checkbox';
    box.checked = true;
    box.id = 'sev-' + s;
    box.value = s;
    box.addEventListener('change', function () { sevOn[s] = box.checked; renderFindings(); });
    label.appendChild(box);
    label.appendChild(document.createTextNode(' ' + s + ' (' + (sevCount[s] || 0) + ')'));
    sevBox.appendChild(label);
  });
  function accountLabel(id) { return D.account_labels[id] || id; }
  Object.keys(rules).sort().forEach(function (r) { var o = el('option', null, r); o.value = r; $('rule-filter').appendChild(o); });
  Object.keys(accounts).sort(function (x, y) { return accountLabel(x).localeCompare(accountLabel(y)); }).forEach(function (id) {
    var o = el('option', null, accountLabel(id));
    o.value = id;
    $('finding-account-filter').appendChild(o);
  });
  var findingText = F.map(function (f) {
    return [f.rule, f.severity, f.account, accountLabel(f.account), f.resource, f.sid || '', f.message, f.fix].join(' ').toLowerCase();
  });

  function renderFindings() {
    var rule = $('rule-filter').value, acct = $('finding-account-filter').value;
    var q = $('finding-search').value.trim().toLowerCase(), out = [], shown = 0;
    for (var i = 0; i < F.length; i++) {
      var f = F[i];
      if (!sevOn[f.severity] || (rule && f.rule !== rule) || (acct && f.account !== acct) || (q && findingText[i].indexOf(q) < 0)) continue;
      shown++;
      var stmt = f.statement < 0 ? '' : String(f.statement) + (f.sid ? ' (sid ' + f.sid + ')' : '');
      out.push('<tr class="sev-', esc(f.severity), '" data-rule="', esc(f.rule), '"><td class="sev">', esc(f.severity), '</td><td class="rule">', esc(f.rule),
        '</td><td>', esc(f.account ? accountLabel(f.account) : ''), '</td><td class="res mono">', esc(f.resource), '</td><td>', esc(stmt),
        '</td><td>', esc(f.message), '</td><td>', esc(f.fix), '</td></tr>');
    }
    $('findings-body').innerHTML = out.join('');
    $('findings-count').textContent = 'Showing ' + shown + ' of ' + plural(F.length, 'finding');
    $('findings-table').hidden = F.length === 0;
    $('findings-empty').hidden = F.length !== 0;
  }
  ['rule-filter', 'finding-account-filter'].forEach(function (id) { $(id).addEventListener('change', renderFindings); });
  $('finding-search').addEventListener('input', renderFindings);

  // ---- first draw ----
  $('matrix').hidden = nP === 0;
  $('matrix-empty').hidden = nP !== 0;
  applyMatrixFilters();
  renderFindings();
  document.body.dataset.scriptMs = (performance.now() - t0).toFixed(1);
  // Ready once the first frame with the matrix has been painted.
  requestAnimationFrame(function () {
    setTimeout(function () {
      document.body.dataset.readyMs = performance.now().toFixed(1);
      document.body.dataset.ready = 'true';
    }, 0);
  });
})();
