#!/usr/bin/env node
// A Slack inbox for machines without a real Slack workspace: it accepts Slack incoming-webhook posts
// (`POST /services/...`, any path below it — the shape of a real webhook URL) with a JSON body carrying `text`,
// `blocks` and/or `attachments` (or a form body with a `payload` field, which Slack also accepts), and shows them
// newest first on a web page (`GET /`, refreshes itself) and as JSON (`GET /api/messages`). Messages are kept in
// memory, at most `--max-messages`. Point Grafana's Slack contact point here when no real webhook URL is set.
//
//   node demo/slack-inbox.ts [--port 8025] [--host 127.0.0.1] [--max-messages 500]
import Fastify, { type FastifyInstance } from 'fastify';
import { Command, InvalidArgumentError } from 'commander';

export interface InboxMessage {
  id: number;
  receivedAt: string;
  /** The webhook path the message was posted to (after /services/). */
  channel: string;
  text: string | null;
  blocks: unknown[];
  attachments: unknown[];
  /** The whole body as received. */
  payload: Record<string, unknown>;
}

export interface InboxOptions {
  maxMessages?: number;
  /** Largest accepted body (default 1 MiB). */
  bodyLimit?: number;
  logger?: boolean;
}

/** Keeps the newest `capacity` messages. */
export class MessageStore {
  readonly capacity: number;
  readonly #messages: InboxMessage[] = [];
  #nextId = 1;
  /** Messages received in all, including those dropped since. */
  received = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity must be a whole number of at least 1, got ${capacity}`);
    this.capacity = capacity;
  }

  add(channel: string, payload: Record<string, unknown>, now = new Date()): InboxMessage {
    const message: InboxMessage = {
      id: this.#nextId++,
      receivedAt: now.toISOString(),
      channel,
      text: typeof payload.text === 'string' ? payload.text : null,
      blocks: Array.isArray(payload.blocks) ? payload.blocks : [],
      attachments: Array.isArray(payload.attachments) ? payload.attachments : [],
      payload,
    };
    this.#messages.push(message);
    if (this.#messages.length > this.capacity) this.#messages.splice(0, this.#messages.length - this.capacity);
    this.received++;
    return message;
  }

  /** Newest first. */
  list(): InboxMessage[] {
    return [...this.#messages].reverse();
  }

  clear(): void {
    this.#messages.length = 0;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Slack's mrkdwn, just enough to read alerts: links <url|label>, *bold*, _italic_, `code`, line breaks. */
export function mrkdwnToHtml(text: string): string {
  let html = escapeHtml(text);
  html = html.replace(/&lt;(https?:\/\/[^|\s]+?)(?:\|(.*?))?&gt;/g, (_m, url: string, label: string | undefined) => `<a href="${url.replace(/"/g, '&quot;')}">${label ?? url}</a>`);
  html = html.replace(/```([\s\S]*?)```/g, '<pre>$1</pre>');
  html = html.replace(/`([^`\n]+)`/g, '<code>$1</code>');
  html = html.replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1<b>$2</b>');
  html = html.replace(/(^|[\s(])_([^_\n]+)_/g, '$1<i>$2</i>');
  return html.replace(/\n/g, '<br>');
}

function blockText(block: unknown): string[] {
  if (!block || typeof block !== 'object') return [];
  const b = block as { text?: { text?: unknown } | string; fields?: { text?: unknown }[]; elements?: unknown[] };
  const texts: string[] = [];
  if (typeof b.text === 'string') texts.push(b.text);
  else if (b.text && typeof b.text.text === 'string') texts.push(b.text.text);
  for (const field of b.fields ?? []) if (typeof field?.text === 'string') texts.push(field.text);
  for (const element of b.elements ?? []) texts.push(...blockText(element));
  return texts;
}

function renderMessage(message: InboxMessage): string {
  const parts: string[] = [];
  if (message.text) parts.push(`<div class="text">${mrkdwnToHtml(message.text)}</div>`);
  for (const block of message.blocks) for (const text of blockText(block)) parts.push(`<div class="block">${mrkdwnToHtml(text)}</div>`);
  for (const attachment of message.attachments) {
    if (!attachment || typeof attachment !== 'object') continue;
    const a = attachment as { color?: unknown; title?: unknown; title_link?: unknown; text?: unknown; fallback?: unknown; footer?: unknown; fields?: { title?: unknown; value?: unknown }[]; blocks?: unknown[] };
    const color = typeof a.color === 'string' && /^#?[0-9A-Za-z]+$/.test(a.color) ? (a.color.startsWith('#') || !/^[0-9A-Fa-f]{6}$/.test(a.color) ? a.color : `#${a.color}`) : '#ccc';
    const title = typeof a.title === 'string' ? (typeof a.title_link === 'string' && /^https?:/.test(a.title_link) ? `<a href="${escapeHtml(a.title_link)}">${escapeHtml(a.title)}</a>` : escapeHtml(a.title)) : '';
    const body = typeof a.text === 'string' ? mrkdwnToHtml(a.text) : typeof a.fallback === 'string' ? mrkdwnToHtml(a.fallback) : '';
    const fields = (a.fields ?? []).map((f) => `<div class="field"><b>${escapeHtml(String(f?.title ?? ''))}</b> ${mrkdwnToHtml(String(f?.value ?? ''))}</div>`).join('');
    const blocks = (a.blocks ?? []).flatMap(blockText).map((t) => `<div class="block">${mrkdwnToHtml(t)}</div>`).join('');
    const footer = typeof a.footer === 'string' ? `<div class="footer">${escapeHtml(a.footer)}</div>` : '';
    parts.push(`<div class="attachment" style="border-left-color:${escapeHtml(color)}">${title ? `<div class="title">${title}</div>` : ''}${body ? `<div>${body}</div>` : ''}${fields}${blocks}${footer}</div>`);
  }
  if (parts.length === 0) parts.push(`<pre>${escapeHtml(JSON.stringify(message.payload, null, 2))}</pre>`);
  return `<article><header><span class="channel">#${escapeHtml(message.channel)}</span> <time>${escapeHtml(message.receivedAt)}</time></header>${parts.join('')}</article>`;
}

export function renderPage(messages: readonly InboxMessage[], received: number): string {
  const items = messages.length === 0 ? '<p class="empty">No messages yet. Alerts posted to <code>/services/…</code> appear here.</p>' : messages.map(renderMessage).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>Warren Slack inbox (${messages.length})</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1d1c1d;background:#fff}
h1{font-size:1.3rem} article{border:1px solid #ddd;border-radius:6px;padding:.75rem 1rem;margin:.75rem 0}
header{font-size:.85rem;color:#616061;margin-bottom:.4rem} .channel{font-weight:600}
.attachment{border-left:4px solid #ccc;padding:.2rem .7rem;margin:.4rem 0} .title{font-weight:600}
.footer{font-size:.8rem;color:#616061} pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem} .empty{color:#616061}
</style></head>
<body><h1>Warren Slack inbox</h1><p>${messages.length} message(s) shown, newest first; ${received} received since start. JSON: <a href="api/messages">api/messages</a>. This page refreshes every 5 s.</p>
${items}
</body></html>`;
}

export function buildInbox(options: InboxOptions = {}): { app: FastifyInstance; store: MessageStore } {
  const store = new MessageStore(options.maxMessages ?? 500);
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: options.bodyLimit ?? 1024 * 1024 });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    const payload = new URLSearchParams(body as string).get('payload');
    if (payload === null) {
      done(Object.assign(new Error('form body without a payload field'), { statusCode: 400 }), undefined);
      return;
    }
    try {
      done(null, JSON.parse(payload));
    } catch {
      done(Object.assign(new Error('payload is not JSON'), { statusCode: 400 }), undefined);
    }
  });

  app.post('/services/*', async (request, reply) => {
    const body = request.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return reply.code(400).type('text/plain').send('invalid_payload');
    }
    const payload = body as Record<string, unknown>;
    if (typeof payload.text !== 'string' && !Array.isArray(payload.blocks) && !Array.isArray(payload.attachments)) {
      // What Slack answers to a message without content.
      return reply.code(400).type('text/plain').send('no_text');
    }
    const channel = (request.params as { '*': string })['*'] || 'webhook';
    const message = store.add(channel, payload);
    request.log.info({ id: message.id, channel }, 'message received');
    return reply.type('text/plain').send('ok');
  });

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(renderPage(store.list(), store.received)));
  app.get('/api/messages', async () => ({ messages: store.list(), received: store.received, capacity: store.capacity }));
  app.delete('/api/messages', async () => {
    store.clear();
    return { ok: true };
  });
  app.get('/healthz', async () => ({ ok: true }));
  return { app, store };
}

export async function main(argv: string[]): Promise<void> {
  const toInt = (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
    return n;
  };
  const program = new Command('slack-inbox')
    .description('a local stand-in for Slack incoming webhooks that shows what was posted')
    .option('--port <n>', 'port (env SLACK_INBOX_PORT)', toInt, Number(process.env.SLACK_INBOX_PORT ?? 8025))
    .option('--host <address>', 'address to listen on (env SLACK_INBOX_HOST)', process.env.SLACK_INBOX_HOST ?? '127.0.0.1')
    .option('--max-messages <n>', 'messages kept in memory', toInt, 500);
  program.parse(argv, { from: 'user' });
  const options = program.opts<{ port: number; host: string; maxMessages: number }>();
  const { app } = buildInbox({ maxMessages: options.maxMessages, logger: true });
  const address = await app.listen({ port: options.port, host: options.host });
  app.log.info(`Slack inbox: web page ${address}/, webhook URL ${address}/services/T000/B000/XXXX`);
  const stop = () => {
    void app.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.main) {
  await main(process.argv.slice(2));
}
