// A "复制" button copies its data-copy text. Over plain http on the venue network the Clipboard API is
// missing (not a secure context), so the text beside it is selected and copied the old way instead.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const text = button.dataset.copy;
  const done = () => { button.textContent = "已复制"; setTimeout(() => { button.textContent = "复制"; }, 1500); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => {});
    return;
  }
  const field = button.parentElement.querySelector(".copy-source");
  if (field) {
    field.select();
    if (document.execCommand("copy")) done();
  }
});
