// scripts/start.ts's pure parts: finding grafana-server, and the local copy of Grafana's provisioning.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCommand, localGrafanaProvisioning, onPath } from '../../scripts/start.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'warren-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scripts/start.ts', () => {
  it('finds executables on the PATH only', () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'grafana-server'), '#!/bin/sh\n');
    writeFileSync(join(bin, 'not-executable'), '');
    chmodSync(join(bin, 'grafana-server'), 0o755);
    expect(onPath('grafana-server', `/nonexistent:${bin}`)).toBe(join(bin, 'grafana-server'));
    expect(onPath('not-executable', bin)).toBeNull();
    expect(onPath('grafana-server', '/nonexistent')).toBeNull();
  });

  it('points a local copy of the provisioning at the local Elasticsearch and the repository\'s dashboards', () => {
    const target = join(dir, 'provisioning');
    localGrafanaProvisioning(target, 'http://127.0.0.1:29200');
    const datasources = readFileSync(join(target, 'datasources/warren.yaml'), 'utf8');
    expect(datasources).not.toContain('http://elasticsearch:9200');
    expect(datasources).toContain('url: http://127.0.0.1:29200');
    const provider = readFileSync(join(target, 'dashboards/warren.yaml'), 'utf8');
    expect(provider).toContain(`path: ${join(ROOT, 'grafana/dashboards')}`);
    // The repository's files are untouched.
    expect(readFileSync(join(ROOT, 'grafana/provisioning/datasources/warren.yaml'), 'utf8')).toContain('http://elasticsearch:9200');
  });

  it('has the options a bounded test needs, with the documented defaults', () => {
    const command = buildCommand().exitOverride();
    command.parse(['--no-services', '--duration', '30', '--api-port', '18000', '--prefix', 't1'], { from: 'user' });
    expect(command.opts()).toMatchObject({ services: false, duration: 30, apiPort: 18000, inboxPort: 8025, grafanaPort: 3000, prefix: 't1', readyTimeout: 90 });
    expect(() => buildCommand().exitOverride().configureOutput({ writeErr: () => undefined }).parse(['--api-port', 'x'], { from: 'user' })).toThrow();
  });
});
