/* The kanban board: drag a card to another column (HTML5 drag and drop). The server decides: the card
   moves at once, and snaps back to where it was with the server's message when the move is refused.
   A drop on a «lost» column first asks for the reason. Columns load more cards through htmx. */
(function () {
  "use strict";
  const board = document.getElementById("board");
  if (!board) return;
  const message = document.getElementById("board-message");
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  let dragged = null;
  let origin = null;

  function show(text, kind) {
    message.innerHTML = "";
    const alert = document.createElement("div");
    alert.className = "alert alert-" + kind + " alert-dismissible fade show py-2";
    alert.setAttribute("role", kind === "danger" ? "alert" : "status");
    alert.dataset.testid = kind === "danger" ? "move-error" : "move-ok";
    alert.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", "×");
    alert.appendChild(close);
    message.appendChild(alert);
  }

  function snapBack(card, place) {
    if (place.next && place.next.parentNode === place.parent) {
      place.parent.insertBefore(card, place.next);
    } else {
      const more = place.parent.querySelector(":scope > .potok-more");
      place.parent.insertBefore(card, more);
    }
  }

  function updateColumns(columns) {
    board.querySelectorAll(".potok-column").forEach(function (column) {
      const totals = columns[column.dataset.stage] || { count: 0, amount: "0" };
      column.querySelector("[data-count]").textContent = totals.count;
      column.querySelector("[data-amount]").textContent = totals.amount;
    });
  }

  function askLossReason() {
    return new Promise(function (resolve) {
      const modalElement = document.getElementById("loss-modal");
      const form = document.getElementById("loss-form");
      const modal = bootstrap.Modal.getOrCreateInstance(modalElement);
      let answered = false;
      function onSubmit(event) {
        event.preventDefault();
        answered = true;
        const data = { loss_reason: form.loss_reason.value, loss_comment: form.loss_comment.value };
        modal.hide();
        resolve(data);
      }
      form.addEventListener("submit", onSubmit, { once: true });
      modalElement.addEventListener(
        "hidden.bs.modal",
        function () {
          form.removeEventListener("submit", onSubmit);
          if (!answered) resolve(null);
        },
        { once: true }
      );
      modal.show();
    });
  }

  async function move(card, column, place) {
    const body = new URLSearchParams({ stage: column.dataset.stage, version: card.dataset.version });
    if (column.dataset.stageKind === "lost") {
      const answer = await askLossReason();
      if (answer === null) {
        snapBack(card, place);
        return;
      }
      body.set("loss_reason", answer.loss_reason);
      body.set("loss_comment", answer.loss_comment);
    }
    card.classList.add("potok-saving");
    let response, data;
    try {
      response = await fetch(card.dataset.moveUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrf, Accept: "application/json" },
        body: body,
        credentials: "same-origin",
      });
      data = await response.json();
    } catch (error) {
      data = { ok: false, message: String(error) };
    }
    card.classList.remove("potok-saving");
    if (response && response.ok && data.ok) {
      card.dataset.version = data.version;
      updateColumns(data.columns);
      show(data.message, "success");
    } else {
      snapBack(card, place);
      show(data.message || "Error", "danger");
    }
  }

  board.addEventListener("dragstart", function (event) {
    const card = event.target.closest && event.target.closest(".potok-card");
    if (!card) return;
    dragged = card;
    origin = { parent: card.parentNode, next: card.nextElementSibling };
    card.classList.add("potok-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.deal);
  });
  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("potok-dragging");
    board.querySelectorAll(".potok-drop-over").forEach(function (element) {
      element.classList.remove("potok-drop-over");
    });
  });
  board.addEventListener("dragover", function (event) {
    const target = event.target.closest && event.target.closest("[data-drop-target]");
    if (!target || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    target.classList.add("potok-drop-over");
  });
  board.addEventListener("dragleave", function (event) {
    const target = event.target.closest && event.target.closest("[data-drop-target]");
    if (target && !target.contains(event.relatedTarget)) target.classList.remove("potok-drop-over");
  });
  board.addEventListener("drop", function (event) {
    const target = event.target.closest && event.target.closest("[data-drop-target]");
    if (!target || !dragged) return;
    event.preventDefault();
    target.classList.remove("potok-drop-over");
    const card = dragged;
    const place = origin;
    dragged = null;
    if (target === place.parent) return;
    target.insertBefore(card, target.firstChild);
    move(card, target.closest(".potok-column"), place);
  });
})();
