// The `api` config section and how the server uses it: defaults (127.0.0.1:8000, DELETE off), the token from
// the config, a file or WARREN_API_TOKEN, CORS, TLS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { applyEnv } from '../../collector/config.ts';
import { ApiConfigError, apiConfigSchema, resolveToken } from '../../collector/http/config.ts';
import { createHttpServer } from '../../collector/http/server.ts';
import { demoConfig, demoServer, demoTracker, silentLogger } from '../contract/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'warren-http-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('apiConfigSchema', () => {
  it('defaults: loopback, port 8000 like Burrow, no token, DELETE off, no per-partition time-lag metric', () => {
    expect(apiConfigSchema.parse({})).toEqual({
      enabled: true,
      address: '127.0.0.1',
      port: 8000,
      allowDelete: false,
      accessControlAllowOrigin: '',
      maxUrlLength: 2048,
      partitionTimeLagMetrics: false,
      requestTimeout: 30_000,
    });
  });

  it('refuses short tokens, unknown keys and bad ports', () => {
    expect(apiConfigSchema.safeParse({ token: 'short' }).success).toBe(false);
    expect(apiConfigSchema.safeParse({ tokn: 'x'.repeat(20) }).success).toBe(false);
    expect(apiConfigSchema.safeParse({ port: 70_000 }).success).toBe(false);
    expect(apiConfigSchema.parse({ requestTimeout: '2m' }).requestTimeout).toBe(120_000);
  });

  it('embeds in the YAML config: WARREN_API_TOKEN and WARREN_API_PORT apply', () => {
    const schema = z.object({ api: apiConfigSchema.prefault({}) }).strict();
    const raw: Record<string, unknown> = {};
    applyEnv(schema, raw, { WARREN_API_TOKEN: 'from-the-environment-123', WARREN_API_PORT: '9000', WARREN_API_ALLOW_DELETE: 'true' });
    expect(schema.parse(raw).api).toMatchObject({ token: 'from-the-environment-123', port: 9000, allowDelete: true });
  });

  it('token from a file, trimmed; unreadable or short files are config errors', () => {
    const file = join(dir, 'token');
    writeFileSync(file, '  file-token-0123456789abcdef\n');
    expect(resolveToken({ tokenFile: file })).toBe('file-token-0123456789abcdef');
    expect(resolveToken({ token: 'inline-token-0123456789', tokenFile: file })).toBe('inline-token-0123456789');
    expect(resolveToken({})).toBeUndefined();
    expect(() => resolveToken({ tokenFile: join(dir, 'missing') })).toThrow(ApiConfigError);
    writeFileSync(file, 'short');
    expect(() => resolveToken({ tokenFile: file })).toThrow(/at least 16/);
  });
});

describe('the server and its config', () => {
  it('listens on 127.0.0.1 by default', async () => {
    const config = demoConfig();
    const server = createHttpServer({ state: demoTracker(1), config: apiConfigSchema.parse({ port: 0 }), logger: silentLogger(), clusterConfigs: config.clusters });
    try {
      const address = await server.listen();
      expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${address}/v3/kafka`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { request: { host: string } }).request.host).toBeTruthy();
    } finally {
      await server.close();
    }
  });

  it('sets Access-Control-Allow-Origin when configured, as Burrow', async () => {
    const { app, server } = demoServer({ api: { accessControlAllowOrigin: 'https://ui.example' } });
    const response = await app.inject({ url: '/v3/kafka' });
    await server.close();
    expect(response.headers['access-control-allow-origin']).toBe('https://ui.example');
    const plain = demoServer();
    expect((await plain.app.inject({ url: '/v3/kafka' })).headers['access-control-allow-origin']).toBeUndefined();
    await plain.server.close();
  });

  it('/v3/config shows the listen address and the log level, never the token', async () => {
    const { app, server } = demoServer({ api: { token: 'a-very-secret-token-value', address: '::1', port: 8123 } });
    const response = await app.inject({ url: '/v3/config', headers: { authorization: 'Bearer a-very-secret-token-value' } });
    await server.close();
    expect(response.json().httpserver).toEqual({ default: { address: '[::1]:8123', tls: '', timeout: 30 } });
    expect(response.body).not.toContain('a-very-secret-token-value');
  });

  it('readiness: /readyz and /burrow/admin/ready are 503 STARTING until every cluster has had a full cycle', async () => {
    const config = demoConfig();
    const { Tracker } = await import('../../collector/tracker.ts');
    const tracker = new Tracker({ clusters: ['prod', 'staging'], intervals: 10, expireGroupMs: 1e9, rules: { allowedLag: 0, minimumComplete: 0 } });
    const server = createHttpServer({ state: tracker, config: apiConfigSchema.parse({ port: 0 }), logger: silentLogger(), clusterConfigs: config.clusters });
    const probe = async () => [
      (await server.app.inject({ url: '/readyz' })).statusCode,
      (await server.app.inject({ url: '/burrow/admin/ready' })).body,
      (await server.app.inject({ url: '/healthz' })).statusCode,
      (await server.app.inject({ url: '/burrow/admin' })).body,
    ];
    expect(await probe()).toEqual([503, 'STARTING', 200, 'GOOD']);
    const { buildScrape, T0 } = await import('../contract/fixtures.ts');
    tracker.ingest(buildScrape('prod', T0, { topics: {}, groups: {} }));
    expect(await probe()).toEqual([503, 'STARTING', 200, 'GOOD']);
    tracker.ingest(buildScrape('staging', T0, { topics: {}, groups: {}, reachable: false }));
    expect((await probe())[0]).toBe(503);
    tracker.ingest(buildScrape('staging', T0 + 1, { topics: {}, groups: {} }));
    expect(await probe()).toEqual([200, 'READY', 200, 'GOOD']);
    await server.close();
  });

  it('serves HTTPS with api.tls', async () => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const config = demoConfig();
    const server = createHttpServer({ state: demoTracker(1), config: apiConfigSchema.parse({ port: 0, tls: { certFile: cert, keyFile: key } }), logger: silentLogger(), clusterConfigs: config.clusters });
    try {
      const address = await server.listen();
      expect(address).toMatch(/^https:\/\//);
      const { readFileSync } = await import('node:fs');
      const body = await new Promise<string>((resolve, reject) => {
        const req = request(`${address}/v3/kafka`, { ca: readFileSync(cert) }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
      expect(JSON.parse(body)).toMatchObject({ error: false, clusters: ['prod', 'staging'] });
    } finally {
      await server.close();
    }
    expect(() =>
      createHttpServer({ state: demoTracker(1), config: apiConfigSchema.parse({ tls: { certFile: join(dir, 'nope.pem'), keyFile: key } }), logger: silentLogger(), clusterConfigs: config.clusters }),
    ).toThrow(ApiConfigError);
  });
});
