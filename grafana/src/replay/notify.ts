// What Grafana's Slack integration POSTs for a notification group (grafana.md §7): alerts grouped by the
// policy's group_by labels, the contact point's title and text rendered from the provisioned templates, in
// Slack's legacy attachments format. Used by the tests to feed a fake Slack webhook.
import type { Alert } from './alerts.ts';
import { Renderer, parseTemplate } from './gotemplate.ts';
import type { MissingKey } from './gotemplate.ts';

export interface SlackReceiver {
  uid: string;
  type: 'slack';
  disableResolveMessage: boolean;
  settings: { url: string; username?: string; title?: string; text?: string };
}

export interface Policy {
  receiver: string;
  group_by: string[];
}

export interface TemplateDef {
  name: string;
  template: string;
}

export interface SlackPayload {
  username: string;
  attachments: {
    title: string;
    title_link: string;
    text: string;
    fallback: string;
    footer: string;
    footer_icon: string;
    color: string;
    ts: number;
  }[];
}

export interface Notification {
  url: string;
  groupLabels: Record<string, string>;
  alerts: Alert[];
  payload: SlackPayload;
}

/** `${VAR}` / `$VAR` / `$__env{VAR}` as Grafana expands them in contact-point settings; `$$` is a literal `$`. */
export function expandEnv(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$\$|\$__env\{(\w+)\}|\$\{(\w+)\}|\$(\w+)/g, (whole, a?: string, b?: string, c?: string) => {
    if (whole === '$$') return '$';
    return env[(a ?? b ?? c)!] ?? '';
  });
}

function common<T extends 'labels' | 'annotations'>(alerts: Alert[], key: T): Record<string, string> {
  const [first, ...rest] = alerts;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first[key]).filter(([k, v]) => rest.every((a) => a[key][k] === v)));
}

function templateAlert(a: Alert, externalURL: string): Record<string, unknown> {
  return {
    Status: a.status,
    Labels: a.labels,
    Annotations: a.annotations,
    StartsAt: new Date(a.startsAt).toISOString(),
    EndsAt: a.endsAt === null ? '0001-01-01T00:00:00Z' : new Date(a.endsAt).toISOString(),
    GeneratorURL: `${externalURL}/alerting/grafana/${a.rule}/view?orgId=1`,
    Fingerprint: a.rule,
  };
}

function alertList(alerts: Record<string, unknown>[]): unknown[] {
  const list = [...alerts] as unknown[] & { Firing?: unknown; Resolved?: unknown };
  list.Firing = () => alerts.filter((a) => a.Status === 'firing');
  list.Resolved = () => alerts.filter((a) => a.Status === 'resolved');
  return list;
}

/** The template data Grafana gives a notification (ExtendedData). */
export function templateData(alerts: Alert[], groupLabels: Record<string, string>, receiver: string, externalURL: string): Record<string, unknown> {
  return {
    Receiver: receiver,
    Status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    Alerts: alertList(alerts.map((a) => templateAlert(a, externalURL))),
    GroupLabels: groupLabels,
    CommonLabels: common(alerts, 'labels'),
    CommonAnnotations: common(alerts, 'annotations'),
    ExternalURL: externalURL,
  };
}

export function renderer(templates: TemplateDef[], missingKey: MissingKey = 'default'): Renderer {
  const r = new Renderer({ missingKey });
  for (const t of templates) r.addDefines(parseTemplate(t.template));
  return r;
}

/** One Slack POST per notification group, as the policy groups the alerts. */
export function notifications(
  alerts: Alert[],
  policy: Policy,
  receiver: SlackReceiver,
  templates: TemplateDef[],
  opts: { externalURL: string; env: Record<string, string | undefined>; grafanaVersion: string; now: number },
): Notification[] {
  const sendable = receiver.disableResolveMessage ? alerts.filter((a) => a.status === 'firing') : alerts;
  const groups = new Map<string, Alert[]>();
  for (const a of sendable) {
    const key = JSON.stringify(policy.group_by.map((l) => a.labels[l] ?? ''));
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const r = renderer(templates);
  const out: Notification[] = [];
  for (const [key, group] of groups) {
    const values = JSON.parse(key) as string[];
    const groupLabels = Object.fromEntries(policy.group_by.map((l, i) => [l, values[i]!]).filter(([, v]) => v !== ''));
    const data = templateData(group, groupLabels, policy.receiver, opts.externalURL);
    const title = r.render(receiver.settings.title ?? '{{ template "default.title" . }}', data).slice(0, 1024);
    const text = r.render(receiver.settings.text ?? '{{ template "default.message" . }}', data);
    const links = new Set(group.map((a) => (templateAlert(a, opts.externalURL).GeneratorURL as string)));
    out.push({
      url: expandEnv(receiver.settings.url, opts.env),
      groupLabels,
      alerts: group,
      payload: {
        username: receiver.settings.username ?? 'Grafana',
        attachments: [
          {
            title,
            title_link: links.size === 1 ? [...links][0]! : `${opts.externalURL}/alerting/list`,
            text,
            fallback: title,
            footer: `Grafana v${opts.grafanaVersion}`,
            footer_icon: 'https://grafana.com/static/assets/img/fav32.png',
            color: data.Status === 'firing' ? '#D63232' : '#36a64f',
            ts: Math.floor(opts.now / 1000),
          },
        ],
      },
    });
  }
  return out;
}
