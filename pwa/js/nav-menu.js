/* The top bar's menu on a phone: the "Menu" button opens and closes the list of pages, the account and the
   language (the box it controls, #topbar-menu). app.css folds the box away at phone widths while the button
   says aria-expanded="false", and shows the button only there; on wider screens the entries stand in the bar
   and the button is not shown. Without JavaScript, css/nojs.css shows the entries and hides the button. */
import { $, on } from "fieldops/dom";

function setOpen(button, open) {
  button.setAttribute("aria-expanded", open ? "true" : "false");
}

on(document, "click", "[data-menu-toggle]", function (evt, button) {
  setOpen(button, button.getAttribute("aria-expanded") !== "true");
});

// Escape closes an open menu and gives the focus back to its button (focus inside the folded box would be lost).
on(document, "keydown", function (evt) {
  if (evt.key !== "Escape") return;
  const button = $("[data-menu-toggle][aria-expanded=true]");
  if (!button) return;
  const box = document.getElementById(button.getAttribute("aria-controls"));
  setOpen(button, false);
  if (box && box.contains(document.activeElement)) button.focus();
});

// A page restored from the back/forward cache comes back as it was left: with the menu closed, not open.
window.addEventListener("pageshow", function (evt) {
  const button = $("[data-menu-toggle]");
  if (evt.persisted && button) setOpen(button, false);
});
