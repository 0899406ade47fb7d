// Benchmark: the Elasticsearch sink into the real local Elasticsearch (ES_URL, else es9 from
// scripts/services.sh). Prints figures; not a test.
//   1. documents/s: ~200k partition documents (plus group documents and heartbeats) from write() until the
//      spool is empty, through the whole path (build, spool on disk, _bulk, per-item check);
//   2. bytes on disk per partition document after _forcemerge?max_num_segments=1 (primaries, _stats/store),
//      beside the same documents in an index with dynamic mapping and default settings (what a default
//      Telegraf-style setup gets), and the ratio. Targets: >= 20,000 docs/s, <= 0.5 of the baseline's bytes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { pino } from 'pino';
import { createElasticsearchSink, parseElasticsearchConfig } from '../collector/sinks/elasticsearch.ts';
import { DocumentBuilder } from '../collector/sinks/documents.ts';
import type { CycleReport } from '../collector/types.ts';
import { removePrefix, storeStats } from '../elasticsearch/admin.ts';
import { sampleReport } from '../elasticsearch/sample-reports.ts';
import { service } from './services.ts';

const GROUPS = Number(process.env.BENCH_ES_GROUPS ?? 500);
const TOPICS_PER_GROUP = 2;
const PARTITIONS_PER_TOPIC = 20;
const CYCLES = Number(process.env.BENCH_ES_CYCLES ?? 10);
const AT = Date.UTC(2026, 10, 25, 12, 0, 0);

const url = process.env.ES_URL ?? service('es9', 'ES9_URL');
const admin = new Client({ node: url, requestTimeout: 600_000 });
const prefix = `bench-${Date.now().toString(36)}`;
const baseline = `${prefix}-baseline-dynamic`;
const spoolDir = mkdtempSync(join(tmpdir(), 'warren-bench-spool-'));

function reports(): CycleReport[] {
  const out: CycleReport[] = [];
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    out.push(
      sampleReport({
        cluster: 'bench',
        groups: GROUPS,
        topicsPerGroup: TOPICS_PER_GROUP,
        partitionsPerTopic: PARTITIONS_PER_TOPIC,
        at: AT + cycle * 30_000,
        cycle,
        // Realistic offsets: large and different per partition, some lag.
        baseOffset: 4_000_000_000,
        committed: (g, t, p, c) => 4_000_000_000 + ((g * 7919 + t * 104_729 + p * 1_299_709) % 900_000_000) + c * 1200,
      }),
    );
  }
  return out;
}

async function forceMergedBytes(pattern: string): Promise<{ bytes: number; docs: number }> {
  await admin.indices.refresh({ index: pattern });
  await admin.indices.forcemerge({ index: pattern, max_num_segments: 1, flush: true, wait_for_completion: true });
  await admin.indices.refresh({ index: pattern });
  return storeStats(admin, pattern);
}

async function main(): Promise<void> {
  const nodes = await admin.transport.request<{ nodes: Record<string, { version: string }> }>({ method: 'GET', path: '/_nodes/_local', querystring: { filter_path: 'nodes.*.version' } });
  const version = Object.values(nodes.nodes)[0]?.version;
  const cycleReports = reports();
  const partitionDocs = cycleReports.reduce((n, r) => n + r.partitionCount, 0);

  // 1. Throughput through the sink.
  const config = parseElasticsearchConfig({ urls: [url], prefix, spool: { dir: spoolDir, maxBytes: '1gb' }, flushInterval: 0, retention: { days: { partition: 0, group: 0, event: 0, heartbeat: 0 } } });
  const sink = createElasticsearchSink(config, pino({ level: 'warn' }));
  await sink.whenReady();
  const started = performance.now();
  let writeMs = 0;
  for (const report of cycleReports) {
    const t = performance.now();
    sink.write(report, []);
    writeMs += performance.now() - t;
  }
  if (!(await sink.flush(600_000))) throw new Error('the sink did not drain in 10 minutes');
  const seconds = (performance.now() - started) / 1000;
  const stats = sink.stats();
  await sink.close();
  if (stats.docsIndexed !== stats.docsSpooled || stats.docsDeadLettered > 0) throw new Error(`not everything was indexed: ${JSON.stringify(stats)}`);
  const docsPerSecond = stats.docsIndexed / seconds;

  // 2. The same partition documents with dynamic mapping and default settings, auto ids (Telegraf's default).
  await admin.indices.create({ index: baseline });
  const builder = new DocumentBuilder({ prefix, partitionDocs: 'all', fullSnapshotEvery: 1 });
  for (const report of cycleReports) {
    const sources = builder.build(report, []).docs.filter((d) => d.kind === 'partition').map((d) => JSON.stringify(d.doc));
    for (let i = 0; i < sources.length; i += 5000) {
      const body = sources.slice(i, i + 5000).map((source) => `{"index":{}}\n${source}\n`).join('');
      const response = await admin.transport.request<{ errors: boolean }>({ method: 'POST', path: `/${baseline}/_bulk`, querystring: { filter_path: 'errors' }, bulkBody: body });
      if (response.errors) throw new Error('baseline bulk had errors');
    }
  }

  const warren = await forceMergedBytes(`${prefix}-partition-*`);
  const dynamic = await forceMergedBytes(baseline);
  if (warren.docs !== partitionDocs || dynamic.docs !== partitionDocs) throw new Error(`document counts differ: ${warren.docs} / ${dynamic.docs} / ${partitionDocs}`);
  const warrenPerDoc = warren.bytes / warren.docs;
  const dynamicPerDoc = dynamic.bytes / dynamic.docs;
  const ratio = warrenPerDoc / dynamicPerDoc;

  console.log(`Elasticsearch ${version} at ${url}`);
  console.log(
    `sink throughput: ${stats.docsIndexed} documents (${partitionDocs} partition, ${stats.docsIndexed - partitionDocs} group/heartbeat) in ${seconds.toFixed(2)} s = ${Math.round(docsPerSecond)} docs/s (target >= 20000); write() took ${writeMs.toFixed(0)} ms in total; ${stats.bulkRequests} bulk requests`,
  );
  console.log(`bytes per partition document after force-merge: Warren ${warrenPerDoc.toFixed(1)} B (${warren.bytes} B / ${warren.docs}), dynamic mapping + defaults ${dynamicPerDoc.toFixed(1)} B (${dynamic.bytes} B / ${dynamic.docs})`);
  console.log(`ratio Warren / dynamic = ${ratio.toFixed(3)} (target <= 0.5)`);
}

try {
  await main();
} finally {
  await removePrefix(admin, prefix).catch(() => undefined);
  await admin.indices.delete({ index: baseline }, { ignore: [404] }).catch(() => undefined);
  await admin.close();
  rmSync(spoolDir, { recursive: true, force: true });
}
