// The browser chat: shows the conversation, sends what the person types or taps,
// and long-polls for the bot's replies. No build step, no dependencies.
// All text goes in with textContent, never innerHTML: nothing from the server or
// the person is ever read as markup.
// The server limits what one browser may ask (web/limits.py) and answers 429 with
// Retry-After and a message in the browser's language: the page shows the message and
// waits as long as it is asked to before trying again.
"use strict";

(() => {
  const POLL_WAIT = 25;
  const PAGE_SIZE = 100;
  const MAX_BACKOFF = 30000;
  const ECHO_KEY = "c2c-chat-echo";
  const ECHO_LIMIT = 500;

  const root = document.getElementById("chat");
  const log = document.getElementById("log");
  const statusLine = document.getElementById("status");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const strings = root.dataset;
  const language = document.documentElement.lang || "";

  const state = { lastId: 0, choiceMessage: null };

  // ---- small helpers -------------------------------------------------------

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    const bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else bytes.forEach((_, i) => { bytes[i] = Math.floor(Math.random() * 256); });
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  // A pause the server asked for, plus up to a second so that tabs do not ask in step.
  function pause(seconds) {
    return Math.min(seconds * 1000, MAX_BACKOFF) + Math.random() * 1000;
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 160;
  }

  function scrollToBottom() {
    log.scrollTop = log.scrollHeight;
  }

  // What the status line says comes from reading ("poll") or from sending ("send"); each
  // clears only its own, so a reply arriving does not hide why a message was not sent.
  function showStatus(text, kind, from) {
    statusLine.textContent = text;
    statusLine.className = "status" + (kind ? " status--" + kind : "");
    statusLine.dataset.from = from;
    statusLine.hidden = false;
  }

  function clearStatus(from) {
    if (statusLine.dataset.from !== from) return;
    statusLine.hidden = true;
    statusLine.textContent = "";
  }

  // ---- remembering what this browser sent (the server keeps only bot messages)

  function readEchoes() {
    try {
      const stored = JSON.parse(window.localStorage.getItem(ECHO_KEY) || "[]");
      return Array.isArray(stored) ? stored : [];
    } catch (_error) {
      return [];
    }
  }

  function writeEchoes(echoes) {
    try {
      window.localStorage.setItem(ECHO_KEY, JSON.stringify(echoes.slice(-ECHO_LIMIT)));
    } catch (_error) {
      // Storage full or disabled: the echo only lives on this page then.
    }
  }

  function rememberEcho(echo) {
    const entry = { after: echo.after, text: echo.text, picked: echo.picked };
    writeEchoes(readEchoes().concat([entry]));
  }

  // ---- rendering -----------------------------------------------------------

  function removeEmptyNote() {
    const note = log.querySelector(".empty");
    if (note) note.remove();
  }

  function bubbleBody(text) {
    const body = element("div", "bubble");
    String(text).split(/\n[ \t]*\n+/).forEach((part) => body.append(element("p", "", part)));
    return body;
  }

  function bubble(role, text) {
    const item = element("article", "message message--" + role);
    const who = role === "user" ? strings.you : strings.bot;
    item.append(element("span", "visually-hidden", who + ": "));
    item.append(bubbleBody(text));
    return item;
  }

  function appendToLog(item, force) {
    const follow = force || nearBottom();
    removeEmptyNote();
    log.append(item);
    if (follow) scrollToBottom();
  }

  function userEcho(text, picked) {
    const item = bubble("user", text);
    appendToLog(item, true);
    return { text: text, item: item, after: state.lastId, picked: picked };
  }

  function choiceLabel(message, choice, index) {
    const [, label, selected] = choice;
    const toggle = message.multi && /:\+/.test(choice[0]);
    return toggle && selected ? "☑ " + label : label;
  }

  function choiceButton(message, choice, index) {
    const [, label, selected] = choice;
    const button = element("button", "choice", choiceLabel(message, choice, index));
    button.type = "button";
    const toggle = message.multi && /:\+/.test(choice[0]);
    if (toggle) {
      button.setAttribute("aria-pressed", selected ? "true" : "false");
      if (selected) button.classList.add("is-selected");
    } else if (message.multi && /:=$/.test(choice[0])) {
      button.classList.add("choice--done");
    }
    button.addEventListener("click", () => pick(message, index, button, toggle ? null : label));
    return button;
  }

  function choiceGroup(message) {
    const group = element("div", "choices");
    group.setAttribute("role", "group");
    message.choices.forEach((choice, index) => group.append(choiceButton(message, choice, index)));
    return group;
  }

  // A link a message carries (extra.link: {path, label, download}): the one-time links of
  // /mydata (a download) and /web (the workspace's sign-in). Only paths of this site
  // that those commands make are shown; anything else is not a link at all.
  const LINK_PATH = /^\/(mydata|p\/sign-in)\/[A-Za-z0-9_-]{20,100}$/;

  function messageLink(extra) {
    if (!extra) return null;
    if (typeof extra.download === "string") {  // messages written before extra.link
      return { path: extra.download, label: strings.download, download: true };
    }
    const link = extra.link;
    if (!link || typeof link.path !== "string" || typeof link.label !== "string") return null;
    return { path: link.path, label: link.label, download: link.download === true };
  }

  function linkElement(link) {
    const node = element("a", link.download ? "download" : "link", link.label);
    node.href = link.path;
    if (link.download) {
      node.setAttribute("download", "");
    } else {
      node.target = "_blank";  // the workspace opens beside the chat
      node.rel = "noopener";
    }
    return node;
  }

  function botMessage(message) {
    const item = bubble("bot", message.text);
    item.dataset.id = String(message.id);
    const link = messageLink(message.extra);
    if (link && LINK_PATH.test(link.path)) item.append(linkElement(link));
    if (message.choices && message.choices.length) item.append(choiceGroup(message));
    return item;
  }

  function disableChoices(item) {
    if (!item) return;
    item.querySelectorAll("button.choice").forEach((button) => { button.disabled = true; });
  }

  function focusedIndex(item) {
    const buttons = Array.from(item.querySelectorAll("button.choice"));
    return buttons.indexOf(document.activeElement);
  }

  function replaceChoiceMessage(item) {
    const old = state.choiceMessage;
    const focus = focusedIndex(old);
    old.replaceWith(item);
    if (focus >= 0) {
      const buttons = item.querySelectorAll("button.choice");
      if (buttons[focus]) buttons[focus].focus({ preventScroll: true });
    }
  }

  function showBot(message) {
    const item = botMessage(message);
    const hasChoices = Boolean(message.choices && message.choices.length);
    const update = message.extra && message.extra.update === true;
    if (update && state.choiceMessage && state.choiceMessage.isConnected) {
      replaceChoiceMessage(item);
    } else {
      if (hasChoices) disableChoices(state.choiceMessage);
      appendToLog(item, false);
    }
    if (hasChoices) state.choiceMessage = item;
  }

  function showMessages(messages, echoes) {
    messages.forEach((message) => {
      if (echoes) flushEchoes(echoes, message.id);
      showBot(message);
      state.lastId = Math.max(state.lastId, message.id);
    });
  }

  // A button tapped before the reload shows as chosen again, as it did live.
  function markPicked(label) {
    const item = state.choiceMessage;
    if (!item) return;
    const buttons = Array.from(item.querySelectorAll("button.choice"));
    const chosen = buttons.find((button) => button.textContent === label);
    if (chosen) chosen.classList.add("is-chosen");
    disableChoices(item);
  }

  function flushEchoes(echoes, beforeId) {
    while (echoes.length && (beforeId === undefined || echoes[0].after < beforeId)) {
      const echo = echoes.shift();
      if (echo.picked) markPicked(String(echo.text));
      appendToLog(bubble("user", String(echo.text)), false);
    }
  }

  function showEmptyNote() {
    if (!log.children.length) log.append(element("p", "empty", strings.empty));
  }

  // ---- talking to the server ----------------------------------------------

  // An error answer: its status, the seconds Retry-After asks to wait (0 when it says
  // nothing usable) and the server's message for the person, if it sent one.
  class Refused extends Error {
    constructor(status, retryAfter, text) {
      super("HTTP " + status);
      this.status = status;
      this.retryAfter = retryAfter;
      this.text = text;
    }
  }

  async function refusal(response) {
    const seconds = Number(response.headers.get("Retry-After"));
    let text = "";
    try {
      const body = await response.json();
      if (body && typeof body.error === "string") text = body.error;
    } catch (_error) {
      // Not JSON (a proxy's error page): the page's own words then.
    }
    return new Refused(response.status, Number.isFinite(seconds) && seconds > 0 ? seconds : 0, text);
  }

  function tooMany(error) {
    return error instanceof Refused && error.status === 429;
  }

  async function fetchMessages(after, wait) {
    const url = "/chat/api/messages?after=" + after + "&wait=" + wait;
    const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!response.ok) throw await refusal(response);
    const body = await response.json();
    return Array.isArray(body.messages) ? body.messages : [];
  }

  async function post(payload) {
    const body = Object.assign({ id: newId(), language: language }, payload);
    const response = await fetch("/chat/api/send", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw await refusal(response);
    return response.json();
  }

  async function loadHistory() {
    const echoes = readEchoes()
      .filter((echo) => echo.after >= state.lastId)
      .sort((a, b) => a.after - b.after);
    let page;
    do {
      page = await fetchMessages(state.lastId, 0);
      showMessages(page, echoes);
    } while (page.length >= PAGE_SIZE);
    if (state.lastId === 0) writeEchoes([]);
    else flushEchoes(echoes);
    scrollToBottom();
    showEmptyNote();
  }

  async function pollOnce() {
    let messages;
    try {
      messages = await fetchMessages(state.lastId, POLL_WAIT);
    } catch (error) {
      if (!tooMany(error)) throw error;
      // Other tabs of this browser hold its long polls: read what is there now and
      // look again after the pause the server asked for.
      showStatus(error.text || strings.lost, "", "poll");
      messages = await fetchMessages(state.lastId, 0);
      if (messages.length) showMessages(messages, null);
      await sleep(pause(error.retryAfter || 5));
      return;
    }
    clearStatus("poll");
    if (messages.length) showMessages(messages, null);
  }

  async function pollForever() {
    let backoff = 1000;
    let ready = false;
    for (;;) {
      try {
        if (!ready) await loadHistory();
        ready = true;
        await pollOnce();
        backoff = 1000;
      } catch (error) {
        const told = error instanceof Refused && error.retryAfter > 0;
        showStatus(tooMany(error) && error.text ? error.text : strings.lost, "warning", "poll");
        await sleep(told ? pause(error.retryAfter) : backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF);
      }
    }
  }

  // ---- what the person does -----------------------------------------------

  async function deliver(payload, echo) {
    try {
      await post(payload);
      if (echo) rememberEcho(echo);
      clearStatus("send");
      return true;
    } catch (error) {
      if (echo) echo.item.classList.add("message--failed");
      // Too fast, or too many newcomers from this network: the server says so politely.
      showStatus(tooMany(error) && error.text ? error.text : strings.failed, "error", "send");
      return false;
    }
  }

  async function pick(message, index, button, echoLabel) {
    const action = message.choices[index][0];
    const group = button.closest(".choices");
    let echo = null;
    if (echoLabel !== null) {
      button.classList.add("is-chosen");
      disableChoices(group);
      echo = userEcho(echoLabel, true);
    }
    const sent = await deliver({ action: action }, echo);
    if (!sent && echoLabel !== null) {
      group.querySelectorAll("button.choice").forEach((b) => { b.disabled = false; });
    }
  }

  async function sendText() {
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    resizeInput();
    const echo = userEcho(text, false);
    const sent = await deliver({ text: text }, echo);
    if (!sent && !input.value) {
      input.value = text;
      resizeInput();
    }
  }

  function resizeInput() {
    input.style.height = "auto";
    input.style.height = input.scrollHeight + "px";
  }

  function onKeyDown(event) {
    const composing = event.isComposing || event.keyCode === 229;
    if (event.key === "Enter" && !event.shiftKey && !composing) {
      event.preventDefault();
      sendText();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendText();
  });
  input.addEventListener("keydown", onKeyDown);
  input.addEventListener("input", resizeInput);

  pollForever();
})();
