// The embedded database's own thread: one PGlite instance, answering the
// requests `PGliteThread` posts. Plain JavaScript so that it runs as it is,
// from the sources under tsx and vitest and copied beside the bundle in dist.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

const BYTEA_OID = 17;
/** An error's fields worth sending back: PGlite also hangs the query's parameters on it, which can be megabytes. */
const ERROR_FIELDS = ['name', 'message', 'severity', 'code', 'detail', 'hint', 'position', 'where', 'schema', 'table', 'column', 'dataType', 'constraint', 'routine'];

const port = parentPort;
if (!port) throw new Error('pglite-worker.js runs as a worker thread');

/** @param {unknown} error */
const fieldsOf = (error) => {
  /** @type {Record<string, unknown>} */
  const fields = {};
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  for (const name of ERROR_FIELDS) {
    const value = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (error))[name];
    if (value !== undefined) fields[name] = value;
  }
  return fields;
};

/** @type {PGlite} */
let pglite;
try {
  pglite = await PGlite.create(workerData.dataDir ?? 'memory://', {
    // Each value in an array of its own: a view of Buffer's shared pool would carry the whole pool across.
    parsers: {
      [BYTEA_OID]: (/** @type {string} */ value) => {
        const bytes = new Uint8Array((value.length - 2) / 2);
        Buffer.from(bytes.buffer).write(value.slice(2), 'hex');
        return bytes;
      },
    },
  });
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, error: fieldsOf(error) });
  process.exit(1);
}

/** A COPY aimed at PGlite's blob device: the bytes it wrote. */
async function copyOut(/** @type {string} */ text) {
  /** @type {Blob | undefined} */
  let blob;
  try {
    ({ blob } = await pglite.query(text));
  } catch (error) {
    // PGlite keeps what a failed COPY wrote to its blob device and returns it ahead of the next COPY's output.
    await pglite._getWrittenBlob();
    throw error;
  }
  if (!blob) throw new Error('PGlite answered a COPY to its blob device without a blob');
  return new Uint8Array(await blob.arrayBuffer());
}

port.on('message', async (/** @type {{ id: number, kind: 'query' | 'copy' | 'close', text?: string, parameters?: unknown[] }} */ request) => {
  const { id, kind, text = '', parameters = [] } = request;
  try {
    if (kind === 'close') {
      await pglite.close();
      port.postMessage({ id, ok: true });
      port.close();
    } else if (kind === 'copy') {
      const copy = await copyOut(text);
      port.postMessage({ id, ok: true, copy }, [copy.buffer]);
    } else {
      // Without parameters, as a simple query: it may hold several statements (one hop for a whole transaction, as
      // node-pg sends it in one round trip), and answers the last one's result.
      const result = parameters.length === 0 ? (await pglite.exec(text, { rowMode: 'object' })).at(-1) : await pglite.query(text, parameters, { rowMode: 'object' });
      if (!result) throw new Error('PGlite answered a query without a result');
      const bytea = result.fields.filter((field) => field.dataTypeID === BYTEA_OID).map((field) => field.name);
      port.postMessage({ id, ok: true, rows: result.rows, affectedRows: result.affectedRows, bytea });
    }
  } catch (error) {
    port.postMessage({ id, ok: false, error: fieldsOf(error) });
  }
});
