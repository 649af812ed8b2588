// Rating page: keys 1-5 rate (one submission per page), P pauses.
(function () {
  var form = document.getElementById('rate-form'), sent = false;
  form.addEventListener('submit', function (ev) {
    if (sent) { ev.preventDefault(); return; }
    sent = true;
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key >= '1' && ev.key <= '5') {
      ev.preventDefault();
      if (!sent) document.getElementById('score-' + ev.key).click();
    } else if (ev.key === 'p' || ev.key === 'P') {
      window.location.href = document.getElementById('pause').href;
    }
  });
})();
