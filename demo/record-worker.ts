// A worker thread of the multi-worker strategy (the chapter's ConsumerWorker): it is handed one record at a time,
// "processes" it (waits for the record's processing time), optionally appends it to a processed-records log
// (the experiment's observable side effect), and reports back. A record marked `hang` is never finished: the
// thread is stuck on it, like a worker blocked on a call that never returns.
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';

export interface WorkerTask {
  id: number;
  topic: string;
  partition: number;
  offset: string;
  value: string;
  delayMs: number;
  hang: boolean;
}

const port = parentPort;
if (!port) throw new Error('record-worker.ts runs as a worker thread');
const logFile = (workerData as { logFile?: string } | undefined)?.logFile;

port.on('message', (task: WorkerTask) => {
  if (task.hang) return;
  void (async () => {
    if (task.delayMs > 0) await sleep(task.delayMs);
    if (logFile) appendFileSync(logFile, `${task.topic} ${task.partition} ${task.offset} ${task.value}\n`);
    port.postMessage({ id: task.id });
  })();
});
