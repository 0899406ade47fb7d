// A fake Slack webhook receives what Grafana's Slack contact point would POST for the rules that fire in the
// bad scenario: alerts grouped by the provisioned policy (cluster, group), title and text rendered from the
// provisioned templates. Every field the templates read exists in the alerts' labels and annotations, and a
// recovery sends the resolve message.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuleGroup } from '../../grafana/src/alerting.ts';
import { simulate } from '../../grafana/src/replay/alerts.ts';
import type { Alert, Step } from '../../grafana/src/replay/alerts.ts';
import { notifications, renderer, templateData } from '../../grafana/src/replay/notify.ts';
import type { Policy, SlackPayload, SlackReceiver, TemplateDef } from '../../grafana/src/replay/notify.ts';
import { badScenario, healthyScenario, seed } from '../helpers/grafana-scenario.ts';
import type { Seeded } from '../helpers/grafana-scenario.ts';
import { esUrl } from '../helpers/services.ts';

const ALERTING = join(import.meta.dirname, '../../grafana/provisioning/alerting');
const rulesDoc = parse(readFileSync(join(ALERTING, 'warren-rules.yaml'), 'utf8')) as { groups: RuleGroup[] };
const notifyDoc = parse(readFileSync(join(ALERTING, 'warren-notifications.yaml'), 'utf8')) as {
  contactPoints: { name: string; receivers: SlackReceiver[] }[];
  templates: TemplateDef[];
  policies: Policy[];
};
const RECEIVER = notifyDoc.contactPoints[0]!.receivers[0]!;
const POLICY = notifyDoc.policies[0]!;
const EXTERNAL_URL = 'http://grafana.example:3000';

interface Received {
  contentType: string | undefined;
  userAgent: string | undefined;
  body: SlackPayload;
}

describe('grafana Slack notifications from the provisioned templates', () => {
  let bad: Seeded;
  let healthy: Seeded;
  let server: Server;
  let url: string;
  const received: Received[] = [];
  let firing: Alert[] = [];
  let resolved: Alert[] = [];

  const post = async (target: string, payload: SlackPayload): Promise<string> => {
    const res = await fetch(target, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Grafana' },
      body: JSON.stringify(payload),
    });
    return `${res.status} ${await res.text()}`;
  };

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString('utf8')));
      req.on('end', () => {
        received.push({ contentType: req.headers['content-type'], userAgent: req.headers['user-agent'], body: JSON.parse(data) as SlackPayload });
        // Slack's incoming webhooks answer text "ok"; Grafana accepts exactly that (grafana.md §7).
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXX`;

    bad = await seed(esUrl('es8'), badScenario(), 'slack-bad');
    healthy = await seed(esUrl('es8'), healthyScenario(), 'slack-ok', bad.t0);
    // 15 evaluations on the bad data, then 3 on the healthy data (the groups recover).
    const badSteps: Step[] = Array.from({ length: 15 }, (_, i) => ({ at: bad.t0 + 5_000 - (14 - i) * 60_000, indexOf: bad.indexOf, search: bad.search }));
    const recovery: Step[] = [1, 2, 3].map((i) => ({ at: bad.t0 + 5_000 + i * 60_000, indexOf: healthy.indexOf, search: healthy.search }));
    for (const group of rulesDoc.groups) {
      for (const rule of group.rules) {
        firing.push(...(await simulate(rule, group, badSteps)).firing);
        resolved.push(...(await simulate(rule, group, [...badSteps, ...recovery])).resolved);
      }
    }
  });

  afterAll(async () => {
    server?.close();
    await bad?.cleanup();
    await healthy?.cleanup();
  });

  it('the bad scenario fires the expected alerts', () => {
    expect(firing.map((a) => `${a.labels.alertname} ${a.labels.cluster}/${a.labels.group ?? '-'}`).sort()).toEqual([
      'Consumer group in ERR prod/orders-app',
      'Consumer group in ERR prod/payments',
      'Consumer group in WARN for 10 minutes prod/billing',
      'Consumer group lag above threshold prod/audit',
      'Consumer group lag above threshold prod/reports',
      'Consumer group time lag above threshold prod/orders-app',
      'Consumer group time lag above threshold prod/payments',
      'Kafka cluster failing to scrape staging/-',
      'Partition stopped or stalled prod/inventory',
      'Partition stopped or stalled prod/orders-app',
      'Partition stopped or stalled prod/payments',
    ]);
  });

  it('every field the message template reads exists in each alert’s labels and annotations', () => {
    const strict = renderer(notifyDoc.templates, 'error');
    for (const a of firing) {
      const data = templateData([a], {}, POLICY.receiver, EXTERNAL_URL);
      if (a.labels.group) {
        // Group alerts have every field: rendering with missing keys as errors must succeed.
        expect(() => strict.render('{{ template "warren.slack.text" . }}', data), a.labels.alertname).not.toThrow();
      } else {
        // Cluster alerts (scrape, heartbeat) have no group, status or lag: those lines are left out.
        const text = renderer(notifyDoc.templates).render('{{ template "warren.slack.text" . }}', data);
        expect(text).not.toContain('<no value>');
        expect(text).not.toMatch(/Group:|Status:|Total lag:|Max lag:/);
        expect(a.labels.cluster).toBeTruthy();
        expect(a.annotations.reason).toBeTruthy();
      }
    }
  });

  it('the webhook receives one message per cluster/group with cluster, group, status, lags, reason and a dashboard link', async () => {
    received.length = 0;
    const sends = notifications(firing, POLICY, RECEIVER, notifyDoc.templates, {
      externalURL: EXTERNAL_URL,
      env: { SLACK_WEBHOOK_URL: url },
      grafanaVersion: '12.4.10',
      now: bad.t0,
    });
    for (const n of sends) expect(await post(n.url, n.payload)).toBe('200 ok');
    // prod: orders-app, payments, billing, audit, reports, inventory; staging: the scrape alert.
    expect(received.length).toBe(7);
    for (const r of received) {
      expect(r.contentType).toBe('application/json; charset=utf-8');
      expect(r.body.username).toBe('Warren');
      expect(r.body.attachments.length).toBe(1);
      expect(r.body.attachments[0]!.color).toBe('#D63232');
      expect(r.body.attachments[0]!.text).not.toContain('<no value>');
    }
    const orders = received.map((r) => r.body.attachments[0]!).find((a) => a.title.includes('/ orders-app'))!;
    // Three rules fired for the group (ERR, the stalled partition, its time lag): one message, three alerts.
    if (process.env.WARREN_SHOW_SLACK) console.log(JSON.stringify(orders, null, 2));
    expect(orders.title).toBe('[FIRING:3] Warren alerts · prod / orders-app');
    expect(orders.text).toContain('*Consumer group in ERR* (firing) — Consumer group orders-app on prod is ERR');
    expect(orders.text).toContain('*Partition stopped or stalled* (firing) — 1 partition(s) of orders in STALL for group orders-app on prod');
    expect(orders.text).toContain('*Consumer group time lag above threshold* (firing) — Consumer group orders-app on prod is 24m 0s behind (threshold 5m)');
    for (const line of ['• Cluster: prod', '• Group: orders-app', '• Status: ERR', '• Status: STALL', '• Total lag: 1205', '• Max lag: 1200', '• Reason: stalled']) {
      expect(orders.text).toContain(line);
    }
    expect(orders.text).toContain(`<${EXTERNAL_URL}/d/warren-consumer-group/warren-consumer-group?orgId=1&var-cluster=prod&var-group=orders-app|open in Grafana>`);
    const billing = received.map((r) => r.body.attachments[0]!).find((a) => a.title.includes('/ billing'))!;
    expect(billing.title).toBe('[FIRING:1] Consumer group in WARN for 10 minutes · prod / billing');
    expect(billing.title_link).toBe(`${EXTERNAL_URL}/alerting/grafana/warren-group-warn/view?orgId=1`);
    const staging = received.map((r) => r.body.attachments[0]!).find((a) => a.title.includes('staging'))!;
    expect(staging.title).toBe('[FIRING:1] Kafka cluster failing to scrape · staging');
    expect(staging.text).toContain('• Reason: scrape-failed');
    expect(staging.text).toContain(`<${EXTERNAL_URL}/d/warren-pipeline/warren-pipeline-health?orgId=1|open in Grafana>`);
  });

  it('when the groups recover, the resolve messages go out (disableResolveMessage is false)', async () => {
    expect(RECEIVER.disableResolveMessage).toBe(false);
    expect(resolved.map((a) => `${a.labels.alertname} ${a.labels.cluster}/${a.labels.group ?? '-'}`).sort()).toEqual(
      firing.map((a) => `${a.labels.alertname} ${a.labels.cluster}/${a.labels.group ?? '-'}`).sort(),
    );
    received.length = 0;
    const sends = notifications(resolved, POLICY, RECEIVER, notifyDoc.templates, {
      externalURL: EXTERNAL_URL,
      env: { SLACK_WEBHOOK_URL: url },
      grafanaVersion: '13.2.3',
      now: bad.t0 + 240_000,
    });
    for (const n of sends) expect(await post(n.url, n.payload)).toBe('200 ok');
    expect(received.length).toBe(7);
    const orders = received.map((r) => r.body.attachments[0]!).find((a) => a.title.includes('/ orders-app'))!;
    expect(orders.title).toBe('[RESOLVED] Warren alerts · prod / orders-app');
    expect(orders.color).toBe('#36a64f');
    expect(orders.text).toContain(':large_green_circle: *Consumer group in ERR* (resolved)');
  });
});
