/**
 * The web chat's one page. Its words are filled in by the script in the chosen language (elements
 * with data-t); what is here is the English fallback. Nothing on it is loaded from another site.
 */
import { createHash } from 'node:crypto';
import type { WebAssets } from './assets.js';

const tag = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 10);

export function page(assets: WebAssets): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>market-bot sandbox</title>
<link rel="stylesheet" href="/demo/app.css?v=${tag(assets.styles)}">
<script defer src="/demo/app.js?v=${tag(assets.script)}"></script>
</head>
<body>
<a class="skip" href="#composer-text" data-t="skip">Skip to the message box</a>
<header class="bar">
  <p class="sandbox"><strong data-t="sandbox">Sandbox</strong> <span data-t="sandboxNote">Everything here is made up: a Telegram stand-in, demo data, a fake payment provider.</span></p>
  <form class="who" id="who">
    <label for="persona" data-t="persona">Who are you</label>
    <select id="persona" name="persona"></select>
    <fieldset class="lang">
      <legend data-t="language">Telegram language</legend>
      <label><input type="radio" name="lang" value="ru"> RU</label>
      <label><input type="radio" name="lang" value="en"> EN</label>
    </fieldset>
  </form>
  <p class="panel-link">
    <a id="panel-link" href="/admin" target="_blank" rel="noopener" data-t="openPanel">Open the panel</a>
    <span id="panel-creds"></span>
  </p>
</header>
<main class="panes">
  <section class="chat" aria-labelledby="chat-title">
    <header class="chat-head">
      <span class="avatar" aria-hidden="true">M</span>
      <div>
        <h1 id="chat-title">Market Bot</h1>
        <p id="chat-sub" class="muted" data-t="botLabel">bot</p>
      </div>
    </header>
    <details class="hints" id="hints">
      <summary data-t="hints">What to type</summary>
      <p id="hint-intro"></p>
      <dl id="secrets"></dl>
    </details>
    <ol id="messages" class="messages" aria-live="polite" aria-relevant="additions text" aria-label="Messages" tabindex="0"></ol>
    <noscript><p class="empty">The web chat needs JavaScript.</p></noscript>
    <div id="toast" class="toast" role="status" aria-live="assertive" hidden></div>
    <ul id="commands" class="commands" hidden></ul>
    <form id="composer" class="composer" autocomplete="off">
      <button type="button" id="menu-button" class="menu-button" aria-expanded="false" aria-controls="commands"><span class="slash" aria-hidden="true">/</span><span class="menu-label" data-t="menu">Menu</span></button>
      <input type="file" id="file" class="visually-hidden file-input">
      <label for="file" class="attach"><svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9"/></svg><span class="visually-hidden" data-t="attach">Send a photo or a document</span></label>
      <label for="composer-text" class="visually-hidden" data-t="message">Message</label>
      <textarea id="composer-text" rows="1" maxlength="4096" placeholder="Message"></textarea>
      <button type="submit" class="send" data-t="send">Send</button>
    </form>
  </section>
  <section class="operator" id="operator-pane" aria-labelledby="operator-title">
    <header class="chat-head forum-head">
      <span class="avatar" aria-hidden="true">S</span>
      <div>
        <h2 id="operator-title">Support</h2>
        <p id="forum-sub" class="muted"></p>
      </div>
    </header>
    <p id="forum-none" class="empty" data-t="operatorWaits" hidden>This sandbox has no support forum.</p>
    <div class="forum" id="forum" hidden>
      <nav class="topics" aria-labelledby="topics-title">
        <h3 id="topics-title" class="visually-hidden" data-t="topics">Topics</h3>
        <ul id="topics"></ul>
        <p id="topics-empty" class="empty" data-t="noTopics">No topics yet. A seller's first message to support opens one.</p>
      </nav>
      <div class="topic" id="topic" hidden>
        <header class="topic-head">
          <h3 id="topic-title"></h3>
          <span id="topic-state" class="muted"></span>
          <div class="topic-actions" role="group" aria-labelledby="topic-actions-label">
            <span id="topic-actions-label" class="visually-hidden" data-t="topicMenu">Topic menu</span>
            <button type="button" id="topic-close" data-t="closeTopic">Close topic</button>
            <button type="button" id="topic-reopen" data-t="reopenTopic" hidden>Reopen topic</button>
            <button type="button" id="topic-ban" data-t="ban">/ban</button>
            <button type="button" id="topic-unban" data-t="unban">/unban</button>
          </div>
        </header>
        <ol id="forum-messages" class="messages" aria-live="polite" aria-relevant="additions text" aria-labelledby="topic-title" tabindex="0"></ol>
        <div id="reply-bar" class="reply-bar" hidden>
          <span id="reply-what"></span>
          <button type="button" id="reply-cancel" class="copy" data-t="cancelReply">Cancel reply</button>
        </div>
        <form id="op-composer" class="composer" autocomplete="off">
          <label for="op-text" class="visually-hidden" data-t="opMessage">Message in the topic, as the operator</label>
          <textarea id="op-text" rows="1" maxlength="4096" placeholder="Message"></textarea>
          <button type="submit" class="send" data-t="send">Send</button>
        </form>
      </div>
    </div>
  </section>
</main>
<dialog id="alert" aria-labelledby="alert-text">
  <form method="dialog">
    <p id="alert-text"></p>
    <button value="ok">OK</button>
  </form>
</dialog>
<dialog id="payment" aria-labelledby="payment-title">
  <form id="payment-form">
    <h2 id="payment-title"></h2>
    <p id="payment-what"></p>
    <p id="payment-sum" class="sum"></p>
    <label for="card" data-t="card">Card number</label>
    <input id="card" name="card" inputmode="numeric" autocomplete="off" required>
    <p class="muted" id="card-hint"></p>
    <p id="payment-result" role="alert"></p>
    <div class="actions">
      <button type="button" id="payment-cancel" data-t="cancel">Cancel</button>
      <button type="submit" id="payment-pay" class="primary"></button>
    </div>
  </form>
</dialog>
</body>
</html>
`;
}
