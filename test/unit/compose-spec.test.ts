// docker-compose.yml against the Compose Specification, without a Docker engine (infra.md §6): the loader that
// `docker compose` itself uses, compose-go, built here with `go` from the Go module proxy. It validates the file
// against the Compose Specification's JSON schema, interpolates ${VARS} from .env.example, normalises, and checks
// the model's consistency (depends_on targets, named volumes, ...), exactly as `docker compose config` would.
//
// The checker is a few lines of Go written by this test into .cache/compose-check and built once (later runs
// reuse the binary). compose-go's own `cmd` cannot be used for the interpolated load: its LoadModel path does not
// pass the environment on, so every ${VAR:?} fails.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
export const COMPOSE_GO_VERSION = 'v2.16.2';
const CHECK_DIR = join(ROOT, '.cache', `compose-check-${COMPOSE_GO_VERSION}`);
const CHECK_BIN = join(CHECK_DIR, 'compose-check');

const MAIN_GO = `// Loads a Compose file the way docker compose does (compose-go), with the variables of an env file only.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: compose-check COMPOSE_FILE ENV_FILE")
		os.Exit(2)
	}
	file, err := filepath.Abs(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions([]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithEnvFiles(os.Args[2]),
		cli.WithDotEnv,
		cli.WithInterpolation(true),
		cli.WithResolvedPaths(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}
`;

function hasGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Builds the checker once (a few seconds with a warm module cache, under a minute on a fresh machine). */
function buildChecker(): void {
  if (existsSync(CHECK_BIN) && readFileSync(join(CHECK_DIR, 'main.go'), 'utf8') === MAIN_GO) return;
  mkdirSync(CHECK_DIR, { recursive: true });
  writeFileSync(join(CHECK_DIR, 'main.go'), MAIN_GO);
  writeFileSync(join(CHECK_DIR, 'go.mod'), `module warren.local/compose-check\n\ngo 1.24\n\nrequire github.com/compose-spec/compose-go/v2 ${COMPOSE_GO_VERSION}\n`);
  const env = { ...process.env, GOFLAGS: '-mod=mod -buildvcs=false', CGO_ENABLED: '0' };
  execFileSync('go', ['mod', 'tidy'], { cwd: CHECK_DIR, env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 240_000 });
  execFileSync('go', ['build', '-o', CHECK_BIN, '.'], { cwd: CHECK_DIR, env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 240_000 });
}

async function check(composeFile: string, envFile: string): Promise<{ ok: true; project: Record<string, any> } | { ok: false; error: string }> {
  try {
    const { stdout } = await run(CHECK_BIN, [composeFile, envFile], { maxBuffer: 16 * 1024 * 1024 });
    return { ok: true, project: JSON.parse(stdout) as Record<string, any> };
  } catch (error) {
    return { ok: false, error: String((error as { stderr?: string }).stderr ?? error) };
  }
}

const goAvailable = hasGo();
if (!goAvailable && process.env.CI) throw new Error('compose validation needs `go` on PATH (CI machines have it)');

describe.skipIf(!goAvailable)('docker-compose.yml against the Compose Specification (compose-go)', () => {
  let scratch: string;

  beforeAll(() => {
    buildChecker();
    scratch = mkdtempSync(join(tmpdir(), 'warren-compose-'));
    return () => rmSync(scratch, { recursive: true, force: true });
  }, 300_000);

  it('loads with the variables of .env.example: schema, interpolation, consistency', async () => {
    const result = await check(join(ROOT, 'docker-compose.yml'), join(ROOT, '.env.example'));
    expect(result.ok ? '' : result.error).toBe('');
    const project = (result as { project: Record<string, any> }).project;
    expect(project.name).toBe('warren');
    expect(Object.keys(project.services).sort()).toEqual(['collector', 'demo', 'elasticsearch', 'grafana', 'kafka', 'slack-inbox']);
    // Interpolated from .env.example.
    expect(project.services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD).toBe('change-me-warren');
    expect(project.services.grafana.environment.SLACK_WEBHOOK_URL).toBe('http://slack-inbox:8025/services/warren/demo/alerts');
    expect(project.services.elasticsearch.environment.ES_JAVA_OPTS).toBe('-Xms512m -Xmx512m');
    expect(project.services.grafana.ports[0]).toMatchObject({ host_ip: '127.0.0.1', published: '3000', target: 3000 });
    // depends_on conditions survived normalisation.
    expect(project.services.grafana.depends_on.elasticsearch.condition).toBe('service_healthy');
    expect(project.services.collector.depends_on.kafka.condition).toBe('service_healthy');
    // Bind mounts resolved against the project directory.
    const binds = project.services.grafana.volumes.filter((v: { type: string }) => v.type === 'bind').map((v: { source: string }) => v.source);
    expect(binds).toEqual([join(ROOT, 'grafana/provisioning'), join(ROOT, 'grafana/dashboards')]);
  });

  it('refuses to start without the Grafana admin password', async () => {
    const env = join(scratch, 'no-password.env');
    writeFileSync(env, readFileSync(join(ROOT, '.env.example'), 'utf8').replace(/^GRAFANA_ADMIN_PASSWORD=.*$/m, 'GRAFANA_ADMIN_PASSWORD='));
    const result = await check(join(ROOT, 'docker-compose.yml'), env);
    expect(result.ok).toBe(false);
    expect((result as { error: string }).error).toMatch(/GRAFANA_ADMIN_PASSWORD/);
  });

  it('catches what the specification forbids (the checker is not a yes-man)', async () => {
    const original = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    const cases: [string, string, RegExp][] = [
      ['unknown key', original.replace('    hostname: kafka\n', '    hostname: kafka\n    portz: ["1:1"]\n'), /portz/],
      ['bad depends_on condition', original.replace('condition: service_started', 'condition: service_ready'), /condition|service_ready/],
      ['depends_on an unknown service', original.replace('      demo:\n        condition: service_started', '      nosuch:\n        condition: service_started'), /nosuch/],
      ['undeclared named volume', original.replace('      - es-data:/usr/share/elasticsearch/data', '      - es-dta:/usr/share/elasticsearch/data'), /es-dta/],
    ];
    for (const [what, text, message] of cases) {
      expect(text, what).not.toBe(original);
      const file = join(scratch, 'docker-compose.yml');
      writeFileSync(file, text);
      for (const dir of ['grafana/provisioning', 'grafana/dashboards', 'config']) mkdirSync(join(scratch, dir), { recursive: true });
      copyFileSync(join(ROOT, 'config/warren.compose.yaml'), join(scratch, 'config/warren.compose.yaml'));
      const result = await check(file, join(ROOT, '.env.example'));
      expect(result.ok, what).toBe(false);
      expect((result as { error: string }).error, what).toMatch(message);
    }
  });
});
