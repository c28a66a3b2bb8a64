// Progressive enhancement only: every page works without this file, which makes a few things
// quicker. The server checks everything again.

// A vote without a choice: say so at once instead of after a round trip.
for (const form of document.querySelectorAll("form.vote-form")) {
  form.addEventListener("submit", (event) => {
    if (form.querySelector("input[name=choice]:checked")) return;
    event.preventDefault();
    let message = form.querySelector(".error");
    if (!message) {
      message = document.createElement("p");
      message.className = "error";
      message.setAttribute("role", "alert");
      form.querySelector("fieldset").prepend(message);
    }
    message.textContent = "Pick a choice before voting.";
    form.querySelector("input[name=choice]")?.focus();
  });
}

// "More choices" adds a field here instead of asking the server for a longer form.
for (const button of document.querySelectorAll("button[name=action][value=more]")) {
  button.addEventListener("click", (event) => {
    const list = button.form.querySelector(".choice-fields");
    const fields = list.querySelectorAll("input[name=choice]");
    if (fields.length >= 10) return;
    event.preventDefault();
    const number = fields.length + 1;
    const item = document.createElement("li");
    const label = document.createElement("label");
    label.htmlFor = `choice-${number}`;
    label.textContent = `Choice ${number}`;
    const input = document.createElement("input");
    input.id = `choice-${number}`;
    input.name = "choice";
    input.maxLength = 200;
    item.append(label, input);
    list.append(item);
    input.focus();
    if (number >= 10) button.hidden = true;
  });
}

// Deleting cannot be undone: ask first.
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
