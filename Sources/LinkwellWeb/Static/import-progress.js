// Follows a running directory import on its page (/admin/imports/{id}): reads the page again every
// second and puts the new status in place, until the import is done or failed. Without JavaScript the
// page has a refresh link instead.
(function () {
  var section = document.getElementById('import-job');
  if (!section || section.dataset.state !== 'running') return;
  function poll() {
    fetch(section.dataset.statusUrl, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (response) { if (!response.ok) throw new Error(String(response.status)); return response.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, 'text/html').getElementById('import-job');
        if (!next) throw new Error('no status');
        // The section itself stays (it is the live region); only its content and state change.
        section.innerHTML = next.innerHTML;
        section.dataset.state = next.dataset.state;
        if (next.dataset.state === 'running') setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
