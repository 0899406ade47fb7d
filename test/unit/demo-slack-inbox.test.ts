// The Slack inbox: accepts incoming-webhook posts on any /services/... path, shows them newest first, bounded.
import { afterEach, describe, expect, it } from 'vitest';
import { buildInbox, MessageStore, mrkdwnToHtml } from '../../demo/slack-inbox.ts';

const apps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function inbox(maxMessages = 500) {
  const built = buildInbox({ maxMessages });
  apps.push(built.app);
  return built;
}

describe('slack inbox', () => {
  it('accepts a webhook post the way Slack does and lists it newest first', async () => {
    const { app } = inbox();
    const first = await app.inject({ method: 'POST', url: '/services/T000/B000/XXXX', payload: { text: 'hello-one' } });
    expect(first.statusCode).toBe(200);
    expect(first.body).toBe('ok');
    await app.inject({
      method: 'POST',
      url: '/services/alerts',
      payload: { attachments: [{ color: '#D63232', title: 'ERR demo-stalled', title_link: 'http://grafana:3000/d/x?a=1&b=2', text: 'STALL *total lag* 42' }] },
    });
    const listed = await app.inject({ method: 'GET', url: '/api/messages' });
    const body = listed.json() as { messages: { id: number; channel: string; text: string | null; attachments: unknown[] }[]; received: number };
    expect(body.received).toBe(2);
    expect(body.messages.map((m) => [m.id, m.channel, m.text])).toEqual([
      [2, 'alerts', null],
      [1, 'T000/B000/XXXX', 'hello-one'],
    ]);
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body.indexOf('ERR demo-stalled')).toBeGreaterThan(0);
    expect(page.body.indexOf('ERR demo-stalled')).toBeLessThan(page.body.indexOf('hello-one'));
    expect(page.body).toContain('href="http://grafana:3000/d/x?a=1&amp;b=2"');
    expect(page.body).toContain('<b>total lag</b>');
  });

  it('accepts blocks, and form posts with a payload field', async () => {
    const { app } = inbox();
    const blocks = await app.inject({ method: 'POST', url: '/services/x', payload: { blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'from a block' } }] } });
    expect(blocks.statusCode).toBe(200);
    const form = await app.inject({
      method: 'POST',
      url: '/services/y',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `payload=${encodeURIComponent(JSON.stringify({ text: 'from a form' }))}`,
    });
    expect(form.statusCode).toBe(200);
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.body).toContain('from a block');
    expect(page.body).toContain('from a form');
  });

  it('refuses posts without content, non-objects and other paths', async () => {
    const { app } = inbox();
    expect((await app.inject({ method: 'POST', url: '/services/x', payload: {} })).body).toBe('no_text');
    expect((await app.inject({ method: 'POST', url: '/services/x', payload: [1, 2] })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/services/x', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=b' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/elsewhere', payload: { text: 'x' } })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/messages' })).json()).toMatchObject({ messages: [], received: 0 });
  });

  it('escapes what it shows', async () => {
    const { app } = inbox();
    await app.inject({ method: 'POST', url: '/services/x', payload: { text: '<script>alert(1)</script>' } });
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.body).not.toContain('<script>alert(1)');
    expect(page.body).toContain('&lt;script&gt;');
  });

  it('keeps only the newest messages, can be cleared, and reports health', async () => {
    const { app } = inbox(2);
    for (const text of ['a', 'b', 'c']) await app.inject({ method: 'POST', url: '/services/x', payload: { text } });
    const body = (await app.inject({ method: 'GET', url: '/api/messages' })).json() as { messages: { text: string }[]; received: number; capacity: number };
    expect(body.messages.map((m) => m.text)).toEqual(['c', 'b']);
    expect(body.received).toBe(3);
    expect(body.capacity).toBe(2);
    expect((await app.inject({ method: 'DELETE', url: '/api/messages' })).statusCode).toBe(200);
    expect(((await app.inject({ method: 'GET', url: '/api/messages' })).json() as { messages: unknown[] }).messages).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ ok: true });
  });

  it('renders mrkdwn links, emphasis and code', () => {
    expect(mrkdwnToHtml('<https://x.test/a?b=1&c=2|see> *bold* _it_ `c`')).toBe('<a href="https://x.test/a?b=1&amp;c=2">see</a> <b>bold</b> <i>it</i> <code>c</code>');
    expect(mrkdwnToHtml('<https://x.test>')).toBe('<a href="https://x.test">https://x.test</a>');
    expect(() => new MessageStore(0)).toThrow();
  });
});
