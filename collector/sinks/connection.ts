// The Elasticsearch client for the sink (auth, TLS, timeouts; retries are the sink's own) and the one place
// that turns the client's errors into what the sink does next, in words fit for a log line.
import { readFileSync } from 'node:fs';
import { Client, errors, type ClientOptions } from '@elastic/elasticsearch';
import { ElasticsearchConfigError, resolveAuth, type ElasticsearchConfig } from './elasticsearch-config.ts';

/** Builds the client. Reads credential and certificate files; throws ElasticsearchConfigError naming the key. */
export function createClient(config: ElasticsearchConfig, root = 'elasticsearch'): Client {
  const auth = resolveAuth(config.auth, root);
  const readPem = (file: string, key: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new ElasticsearchConfigError(`${root}.tls.${key}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  };
  const tls: NonNullable<ClientOptions['tls']> = { rejectUnauthorized: !config.tls.insecureSkipVerify };
  if (config.tls.caFile) tls.ca = readPem(config.tls.caFile, 'caFile');
  if (config.tls.certFile) tls.cert = readPem(config.tls.certFile, 'certFile');
  if (config.tls.keyFile) tls.key = readPem(config.tls.keyFile, 'keyFile');
  return new Client({
    nodes: config.urls,
    ...(auth ? { auth } : {}),
    tls,
    // The sink retries with its own backoff and keeps documents in its spool meanwhile.
    maxRetries: 0,
    requestTimeout: config.requestTimeout,
    compression: config.compression,
    name: 'warren',
    // Authorization headers are replaced in the errors' metadata.
    redaction: { type: 'replace', additionalKeys: ['authorization', 'apiKey', 'password'] },
  });
}

// ---------------------------------------------------------------------------------------------------
// Errors

export type Failure =
  /** Not reached: connection refused, DNS, TLS handshake, timeout. Retry later. */
  | { kind: 'unreachable'; message: string }
  /** 401/403: wrong or missing credentials, or missing privileges. Retry later (an operator must act). */
  | { kind: 'auth'; status: number; message: string }
  /** 429 or 5xx for the whole request: overloaded or not ready. Retry later. */
  | { kind: 'busy'; status: number; message: string }
  /** 413: the request is too large; split it. */
  | { kind: 'too-large'; status: number; message: string }
  /** Any other refusal of the whole request (4xx): sending it again will not help. */
  | { kind: 'refused'; status: number; message: string };

function reasonOf(body: unknown): string {
  if (body && typeof body === 'object' && 'error' in body) {
    const error = (body as { error: unknown }).error;
    if (typeof error === 'string') return error;
    if (error && typeof error === 'object') {
      const e = error as { type?: string; reason?: string; root_cause?: { type?: string; reason?: string }[]; additional_unsuccessful_credentials?: string };
      const type = e.type ?? e.root_cause?.[0]?.type;
      const reason = e.reason ?? e.root_cause?.[0]?.reason;
      // e.g. "API key: apikey authentication for id X encountered a failure": which credentials were tried.
      const tried = e.additional_unsuccessful_credentials ? ` (${e.additional_unsuccessful_credentials})` : '';
      return [type, reason].filter(Boolean).join(': ') + tried;
    }
  }
  if (typeof body === 'string') return body.slice(0, 300);
  return '';
}

/** What a failed request means for the sink. Never includes credentials. */
export function classify(error: unknown): Failure {
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode ?? 0;
    const reason = reasonOf(error.body) || error.message;
    if (status === 401) {
      return { kind: 'auth', status, message: `Elasticsearch refused the credentials (401 Unauthorized: ${reason}); check elasticsearch.auth` };
    }
    if (status === 403) {
      return { kind: 'auth', status, message: `Elasticsearch refused the request (403 Forbidden: ${reason}); the user or API key lacks privileges` };
    }
    if (status === 413) return { kind: 'too-large', status, message: `request too large (413): ${reason}` };
    if (status === 429 || status >= 500 || status === 408) return { kind: 'busy', status, message: `Elasticsearch answered ${status}: ${reason}` };
    if (status === 0) return { kind: 'unreachable', message: error.message };
    return { kind: 'refused', status, message: `Elasticsearch refused the request (${status}: ${reason})` };
  }
  if (error instanceof errors.TimeoutError) return { kind: 'unreachable', message: `request timed out: ${error.message}` };
  if (error instanceof errors.ConnectionError || error instanceof errors.NoLivingConnectionsError) {
    return { kind: 'unreachable', message: `cannot reach Elasticsearch: ${error.message}` };
  }
  if (error instanceof errors.ProductNotSupportedError) {
    return { kind: 'refused', status: 0, message: 'the server is not Elasticsearch (OpenSearch and others are not supported)' };
  }
  return { kind: 'unreachable', message: error instanceof Error ? error.message : String(error) };
}

/** The server's version, read from `_nodes/_local` (the test server has no `GET /`). Null when not allowed. */
export async function serverVersion(client: Client): Promise<string | null> {
  const response = await client.transport.request<{ nodes?: Record<string, { version?: string }> }>({
    method: 'GET',
    path: '/_nodes/_local',
    querystring: { filter_path: 'nodes.*.version' },
  });
  const node = Object.values(response.nodes ?? {})[0];
  return node?.version ?? null;
}
