// Enhance page: upload with progress, poll the job queue, show before/after with face boxes.
(function () {
  var form = document.getElementById('enhance-form');
  var fileInput = document.getElementById('image'), sample = document.getElementById('sample');
  var progress = document.getElementById('progress'), bar = document.getElementById('bar');
  var statusText = document.getElementById('status'), errorBox = document.getElementById('error');
  var result = document.getElementById('result'), go = document.getElementById('go');
  var busy = false;

  function mb(n) { return (n / 1048576).toFixed(1) + ' MB'; }
  function setProgress(pct, text) {
    progress.hidden = false;
    if (pct === null) bar.removeAttribute('value'); else bar.value = pct;
    statusText.textContent = text;
  }
  function fail(msg) {
    busy = false; go.disabled = false; progress.hidden = true;
    errorBox.textContent = msg; errorBox.hidden = false;
  }
  function parse(text) { try { return JSON.parse(text); } catch (e) { return {}; } }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    if (busy) return;
    errorBox.hidden = true; result.hidden = true;
    var file = fileInput.files[0], max = +form.dataset.maxBytes;
    var refInput = document.getElementById('references'), refs = refInput ? Array.from(refInput.files) : [];
    if (!file && !sample.value) { fail('Choose an image file to upload, or a sample.'); return; }
    if (file && file.size > max) {
      fail(file.name + ': upload refused: ' + mb(file.size) + ' is larger than the limit of ' + mb(max));
      return;
    }
    if (refInput && refs.length > +refInput.dataset.max) { fail('At most ' + refInput.dataset.max + ' reference photos.'); return; }
    var total = refs.reduce(function (n, f) { return n + f.size; }, file ? file.size : 0);
    if (total > max) {
      fail('upload refused: the image and reference photos together are ' + mb(total) + ', larger than the limit of ' + mb(max));
      return;
    }
    var fd = new FormData();
    if (file) fd.append('image', file); else fd.append('sample', sample.value);
    refs.forEach(function (f) { fd.append('references', f); });
    fd.append('model', document.getElementById('model').value);
    fd.append('scale', document.getElementById('scale').value);
    busy = true; go.disabled = true;
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/enhance');
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) setProgress(100 * e.loaded / e.total, 'Uploading ' + Math.round(100 * e.loaded / e.total) + '%');
    };
    xhr.onload = function () {
      var d = parse(xhr.responseText);
      if (xhr.status !== 202) { fail(d.error || ('Upload failed (HTTP ' + xhr.status + ')')); return; }
      poll(d.id);
    };
    xhr.onerror = function () { fail('Upload failed: the server closed the connection (is the file too large?)'); };
    setProgress(0, 'Uploading');
    xhr.send(fd);
  });

  function poll(id) {
    fetch('/api/jobs/' + id).then(function (r) {
      return r.json().then(function (d) { return { ok: r.ok, d: d }; });
    }).then(function (x) {
      var d = x.d;
      if (!x.ok || d.state === 'error') { fail(d.error || 'Enhance failed'); return; }
      if (d.state === 'done') { show(d); return; }
      setProgress(null, d.state === 'queued' ? 'Queued: ' + d.position + ' job(s) ahead'
        : 'Enhancing: detecting, aligning and restoring faces...');
      setTimeout(function () { poll(id); }, 300);
    }).catch(function () { fail('Lost the connection to the server'); });
  }

  function show(d) {
    busy = false; go.disabled = false; progress.hidden = true;
    var before = document.getElementById('before'), after = document.getElementById('after');
    before.src = d.bicubic; after.src = d.result;
    document.getElementById('download').href = d.download;
    var boxes = document.getElementById('boxes');
    boxes.innerHTML = '';
    d.boxes.forEach(function (b) {
      var div = document.createElement('div');
      div.className = 'face-box';
      div.style.left = (100 * b[0] / d.width) + '%'; div.style.top = (100 * b[1] / d.height) + '%';
      div.style.width = (100 * (b[2] - b[0]) / d.width) + '%'; div.style.height = (100 * (b[3] - b[1]) / d.height) + '%';
      boxes.appendChild(div);
    });
    var summary = d.name + ': ' + d.width + 'x' + d.height + ' (x' + d.scale + ', ' + d.model + '), ' +
      d.faces_restored + ' of ' + d.faces_found + ' face(s) restored in ' + d.seconds.toFixed(2) + ' s';
    if (d.notes.length) summary += ' - ' + d.notes.join('; ');
    document.getElementById('summary').textContent = summary;
    // reference jobs: what restored each face and with which reference photos; identity warnings
    var used = document.getElementById('references-used'), warn = document.getElementById('reference-warnings');
    used.hidden = warn.hidden = true;
    if (d.reference_photos) {
      var parts = (d.faces || []).map(function (f, i) {
        if (!f.references.length) return 'face ' + i + ': ' + f.restored_by + ' (' + Math.round(f.face_px) + ' px wide, no references)';
        return 'face ' + i + ': ' + f.references.map(function (r) {
          return r.file + ' (identity ' + r.identity_similarity.toFixed(2) + ')';
        }).join(', ');
      });
      used.textContent = 'Reference photos: ' + d.reference_photos.join(', ') + (parts.length ? '. Used: ' + parts.join('; ') : '');
      used.hidden = false;
      if (d.warnings && d.warnings.length) { warn.textContent = 'Warning: ' + d.warnings.join('; '); warn.hidden = false; }
    }
    result.dataset.job = d.id;
    result.hidden = false;
  }

  // the scales offered follow the model (a model has the scales it ships; bicubic any of the list)
  var modelSelect = document.getElementById('model'), scaleSelect = document.getElementById('scale');
  modelSelect.addEventListener('change', function () {
    var scales = modelSelect.selectedOptions[0].dataset.scales.split(','), keep = scaleSelect.value;
    scaleSelect.innerHTML = '';
    scales.forEach(function (s) {
      var o = document.createElement('option');
      o.value = s; o.textContent = 'x' + s;
      scaleSelect.appendChild(o);
    });
    scaleSelect.value = scales.indexOf(keep) >= 0 ? keep : (scales.indexOf('4') >= 0 ? '4' : scales[0]);
  });

  var slider = document.getElementById('slider');
  slider.addEventListener('input', function () {
    document.getElementById('after-wrap').style.clipPath = 'inset(0 ' + (100 - slider.value) + '% 0 0)';
  });
  document.getElementById('show-boxes').addEventListener('change', function (e) {
    document.getElementById('boxes').hidden = !e.target.checked;
  });
})();
