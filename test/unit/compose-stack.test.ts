// Static checks of the docker compose stack that need no engine: pinned images, mounted paths that exist, every
// ${VAR} in .env.example, health checks behind every `service_healthy`, the Dockerfile's shape, and the
// collector configs the stack mounts.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../collector/config.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as {
  services: Record<string, Record<string, any>>;
  volumes?: Record<string, unknown>;
};
const services = Object.entries(compose.services);

/** `KEY=value` lines of an env file. */
function envFile(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) vars.set(match[1]!, match[2]!);
  }
  return vars;
}

/** Variables a Compose file interpolates: ${VAR}, ${VAR:-x}, ${VAR?x}, $VAR (not $$VAR). */
export function composeVariables(text: string): Set<string> {
  const vars = new Set<string>();
  const uncommented = text
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, ''))
    .join('\n');
  for (const match of uncommented.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) vars.add(match[1]!);
  for (const match of uncommented.matchAll(/(?<!\$)\$([A-Za-z_][A-Za-z0-9_]*)/g)) vars.add(match[1]!);
  return vars;
}

/** Whether an image reference names an exact version: a tag with major.minor.patch, or a digest. */
export function pinnedExactly(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return false;
  const tag = image.slice(colon + 1);
  return tag !== 'latest' && /^v?\d+\.\d+\.\d+([.-][A-Za-z0-9.-]+)?$/.test(tag);
}

describe('docker-compose.yml: static checks', () => {
  it('pins every image to an exact version (never latest), built images included', () => {
    for (const [name, service] of services) {
      expect(service.image, `${name} has an image name`).toBeTypeOf('string');
      expect(pinnedExactly(service.image), `${name}: ${service.image}`).toBe(true);
    }
    const images = Object.fromEntries(services.map(([name, s]) => [name, s.image as string]));
    expect(images.kafka).toMatch(/^apache\/kafka:4\.\d+\.\d+$/);
    expect(images.elasticsearch).toMatch(/^docker\.elastic\.co\/elasticsearch\/elasticsearch:(8\.19|9\.\d+)\.\d+$/);
    expect(images.grafana).toMatch(/^grafana\/grafana:12\.4\.\d+$/);
  });

  it('recognises pinned and unpinned references', () => {
    expect(pinnedExactly('apache/kafka:4.2.2')).toBe(true);
    expect(pinnedExactly('localhost:5000/x:1.2.3')).toBe(true);
    expect(pinnedExactly('node:24.21.0-slim')).toBe(true);
    expect(pinnedExactly(`busybox@sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(pinnedExactly('grafana/grafana')).toBe(false);
    expect(pinnedExactly('grafana/grafana:latest')).toBe(false);
    expect(pinnedExactly('node:24-slim')).toBe(false);
    expect(pinnedExactly('localhost:5000/x')).toBe(false);
  });

  it('mounts only host paths that exist in the repository, and declares every named volume', () => {
    const declared = new Set(Object.keys(compose.volumes ?? {}));
    const used = new Set<string>();
    for (const [name, service] of services) {
      for (const volume of (service.volumes ?? []) as (string | { type: string; source: string })[]) {
        const source = typeof volume === 'string' ? volume.split(':')[0]! : volume.source;
        if (source.startsWith('.') || source.startsWith('/')) {
          const path = resolve(ROOT, source);
          expect(path.startsWith(ROOT), `${name}: ${source} is inside the repository`).toBe(true);
          expect(existsSync(path), `${name}: ${source} exists`).toBe(true);
        } else {
          expect(declared.has(source), `${name}: named volume ${source} is declared`).toBe(true);
          used.add(source);
        }
      }
    }
    expect([...declared].sort()).toEqual([...used].sort());
    // Build contexts and Dockerfiles exist too.
    for (const [name, service] of services) {
      if (!service.build) continue;
      expect(statSync(resolve(ROOT, service.build.context)).isDirectory(), `${name} build context`).toBe(true);
      expect(existsSync(resolve(ROOT, service.build.context, service.build.dockerfile ?? 'Dockerfile')), `${name} Dockerfile`).toBe(true);
    }
  });

  it('uses only variables that .env.example lists, and .env.example lists no unused one', () => {
    const example = envFile(readFileSync(join(ROOT, '.env.example'), 'utf8'));
    const used = composeVariables(composeText);
    expect(used.size).toBeGreaterThan(5);
    for (const variable of used) expect(example.has(variable), `${variable} is in .env.example`).toBe(true);
    for (const variable of example.keys()) expect(used.has(variable), `${variable} of .env.example is used`).toBe(true);
    expect(example.get('GRAFANA_ADMIN_PASSWORD'), 'the example sets a password').not.toBe('');
  });

  it('finds variables the way Compose interpolates them', () => {
    expect([...composeVariables('a: ${A}\nb: ${B:-x}\nc: $C\nd: $$D\n# e: ${E}\nf: "${F:?need F}" # ${G}')].sort()).toEqual(['A', 'B', 'C', 'F']);
  });

  it('gives every service a dependency needs a health check, and starts things in order', () => {
    const health = new Set(services.filter(([, s]) => s.healthcheck?.test).map(([name]) => name));
    for (const [name, service] of services) {
      for (const [dependency, spec] of Object.entries((service.depends_on ?? {}) as Record<string, { condition: string }>)) {
        expect(compose.services[dependency], `${name} depends on ${dependency}`).toBeDefined();
        if (spec.condition === 'service_healthy') expect(health.has(dependency), `${dependency} has a health check`).toBe(true);
      }
    }
    for (const name of ['kafka', 'elasticsearch', 'grafana', 'collector', 'slack-inbox']) expect(health.has(name), name).toBe(true);
    const conditions = (name: string) => Object.fromEntries(Object.entries(compose.services[name]!.depends_on ?? {}).map(([k, v]) => [k, (v as { condition: string }).condition]));
    expect(conditions('demo')).toEqual({ kafka: 'service_healthy' });
    expect(conditions('collector')).toMatchObject({ kafka: 'service_healthy', elasticsearch: 'service_healthy' });
    expect(conditions('grafana')).toMatchObject({ elasticsearch: 'service_healthy', 'slack-inbox': 'service_healthy' });
  });

  it('runs Kafka in KRaft mode, Elasticsearch single-node without security and with a bounded heap', () => {
    const kafka = compose.services.kafka!.environment as Record<string, string>;
    expect(kafka.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kafka.KAFKA_ADVERTISED_LISTENERS).toContain('PLAINTEXT://kafka:9092');
    const es = compose.services.elasticsearch!.environment as Record<string, string>;
    expect(es['discovery.type']).toBe('single-node');
    expect(es['xpack.security.enabled']).toBe('false');
    expect(es.ES_JAVA_OPTS).toMatch(/-Xmx\$\{ES_HEAP/);
    // Host ports only on the loopback interface: nothing here has authentication.
    for (const [name, service] of services) {
      for (const port of (service.ports ?? []) as string[]) expect(port, `${name} publishes ${port} on 127.0.0.1`).toMatch(/^127\.0\.0\.1:/);
    }
  });

  it('mounts Grafana provisioning and dashboards where the provisioning files expect them, with every variable they read', () => {
    const grafana = compose.services.grafana!;
    const volumes = grafana.volumes as string[];
    expect(volumes).toContain('./grafana/provisioning:/etc/grafana/provisioning:ro');
    const dashboards = volumes.find((v) => v.startsWith('./grafana/dashboards:'))!;
    expect(dashboards).toBeDefined();
    const target = dashboards.split(':')[1]!;
    const provider = readFileSync(join(ROOT, 'grafana/provisioning/dashboards/warren.yaml'), 'utf8');
    expect(provider).toContain(`path: ${target}`);
    expect(grafana.environment.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD/);
    // Variables the provisioning files expand must be in Grafana's environment.
    const files = ['datasources/warren.yaml', 'alerting/warren-notifications.yaml', 'alerting/warren-rules.yaml', 'dashboards/warren.yaml'];
    const wanted = new Set<string>();
    for (const file of files) {
      const text = readFileSync(join(ROOT, 'grafana/provisioning', file), 'utf8');
      for (const match of text.matchAll(/\$\{([A-Z][A-Z0-9_]*)\}|\$__env\{([A-Z][A-Z0-9_]*)\}/g)) wanted.add(match[1] ?? match[2]!);
    }
    expect(wanted.size).toBeGreaterThan(0);
    for (const variable of wanted) expect(Object.keys(grafana.environment), `grafana gets ${variable}`).toContain(variable);
    // The datasources reach Elasticsearch by its compose service name.
    expect(readFileSync(join(ROOT, 'grafana/provisioning/datasources/warren.yaml'), 'utf8')).toContain('http://elasticsearch:9200');
  });

  it('runs the collector, the demo and the Slack inbox from the Dockerfile\'s image', () => {
    const collector = compose.services.collector!;
    expect(collector.command).toEqual(['node', 'collector/cli.ts', 'run', '--config', '/etc/warren/warren.yaml']);
    expect(collector.volumes).toContain('./config/warren.compose.yaml:/etc/warren/warren.yaml:ro');
    for (const name of ['collector', 'demo', 'slack-inbox']) {
      expect(compose.services[name]!.build?.dockerfile, name).toBe('Dockerfile');
      expect(compose.services[name]!.image, name).toBe(collector.image);
    }
    expect(compose.services.demo!.command).toEqual(['node', 'demo/main.ts']);
    expect(compose.services['slack-inbox']!.command.slice(0, 2)).toEqual(['node', 'demo/slack-inbox.ts']);
    // Grafana's default webhook is the inbox's service and port.
    expect(compose.services.grafana!.environment.SLACK_WEBHOOK_URL).toContain('http://slack-inbox:8025/services/');
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const lines = dockerfile.split('\n').filter((line) => line.trim() && !line.trim().startsWith('#'));

  it('is multi-stage on a pinned node:24 slim image, installs production packages only, runs as non-root', () => {
    const froms = lines.filter((l) => /^FROM\s/i.test(l));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) {
      const image = from.split(/\s+/)[1]!;
      expect(image, from).toMatch(/^node:24\.\d+\.\d+-(\w+-)?slim$/);
    }
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/COPY --from=deps/);
    const users = lines.filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    expect(lines.at(-1)).toBe('CMD ["node", "collector/cli.ts", "run", "--config", "/etc/warren/warren.yaml"]');
  });

  it('copies only paths that exist, and everything the entry points import', () => {
    const copied = lines
      .filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    for (const source of copied) expect(existsSync(join(ROOT, source)), source).toBe(true);
    for (const dir of ['collector', 'evaluator', 'elasticsearch', 'demo', 'config']) expect(copied, dir).toContain(dir);
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', '.git', '.env', '.tools', '.cache', '.run']) expect(ignored, entry).toContain(entry);
    for (const dir of ['collector', 'evaluator', 'elasticsearch', 'demo', 'config']) expect(ignored).not.toContain(dir);
  });

  it('only imports, from the copied directories, modules that are production dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|new URL\('(\.[^']+\.ts)'/g)) {
        const specifier = match[1] ?? match[2] ?? match[3]!;
        if (specifier.startsWith('.')) visit(resolve(file, '..', specifier));
        else if (!specifier.startsWith('node:')) packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
      }
    };
    for (const entry of ['collector/cli.ts', 'demo/main.ts', 'demo/slack-inbox.ts', 'demo/experiment.ts']) visit(join(ROOT, entry));
    const dirs = new Set([...seen].map((f) => f.slice(ROOT.length + 1).split('/')[0]));
    for (const dir of dirs) expect(['collector', 'evaluator', 'elasticsearch', 'demo'], `${dir} is copied into the image`).toContain(dir);
    for (const name of packages) expect(Object.keys(pkg.dependencies), `${name} is a production dependency`).toContain(name);
  });
});

describe('collector configs of the stack', () => {
  it('config/warren.compose.yaml: valid, reads kafka:9092, short cycles', () => {
    const config = parseConfig(readFileSync(join(ROOT, 'config/warren.compose.yaml'), 'utf8'), 'warren.compose.yaml', {});
    expect(config.clusters.demo?.brokers).toEqual(['kafka:9092']);
    expect(config.collector.interval).toBeLessThanOrEqual(10_000);
  });

  it('config/warren.demo.yaml: valid, reads the local Kafka 4 and only the demo groups', () => {
    const config = parseConfig(readFileSync(join(ROOT, 'config/warren.demo.yaml'), 'utf8'), 'warren.demo.yaml', {});
    expect(config.clusters.demo?.brokers).toEqual(['127.0.0.1:29092']);
    expect(config.collector.interval).toBe(5000);
    expect(new RegExp(config.clusters.demo!.groupAllowlist!).test('demo-rewind')).toBe(true);
    expect(new RegExp(config.clusters.demo!.groupAllowlist!).test('other')).toBe(false);
  });

  it('takes the brokers and Elasticsearch of the environment, as scripts/start.ts and compose set them', () => {
    const config = parseConfig(readFileSync(join(ROOT, 'config/warren.demo.yaml'), 'utf8'), 'warren.demo.yaml', { WARREN_CLUSTERS_DEMO_BROKERS: '10.0.0.1:9092,10.0.0.2:9092' });
    expect(config.clusters.demo?.brokers).toEqual(['10.0.0.1:9092', '10.0.0.2:9092']);
  });
});
