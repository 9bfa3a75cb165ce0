// A form with data-confirm="question" asks before it is sent (a delete, or ending something). No inline script:
// the Content-Security-Policy allows only scripts served from static/.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
