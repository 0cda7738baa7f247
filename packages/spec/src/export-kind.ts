/**
 * The export-kind contract. An export directory (`tessera.json` + `model.safetensors` + `config.json`)
 * names its model `kind`; the domain package that writes that kind registers an `ExportKind` with
 * `@tessera/core`'s registry (`registerExportKind`), saying how to load, describe, free, predict with
 * and serve it. `tessera serve`, `predict` and `info` iterate the registry and name no kind
 * themselves, so adding a model kind touches one package.
 */

/**
 * Where an export is read from: a directory path (Node), a URL or base href (`fetch`), or anything
 * implementing `read` (an in-memory map, a zip).
 */
export interface ExportSource {
  /** Human-readable location for messages. */
  readonly location: string;
  /** The bytes of one plain file name inside the export. */
  read(name: string): Promise<Uint8Array>;
}

export type ExportLocation = string | URL | ExportSource;

/** A loaded export: the model and whatever it needs to run, tagged with its kind. */
export interface LoadedExport {
  readonly kind: string;
}

/** The per-request bounds a server enforces; routes size their body schemas with them. */
export interface ServeLimits {
  /** Largest request body in bytes. */
  bodyLimitBytes: number;
  /** Longest prompt, in characters. */
  maxPromptCharacters: number;
  /** Most tokens one generation may ask for. */
  maxNewTokens: number;
  /** Most inputs (texts, images) in one request. */
  maxBatch: number;
  /** Longest text to classify, in characters. */
  maxTextCharacters: number;
}

/** What a route handler may use of the server answering it. */
export interface ServeContext {
  readonly limits: ServeLimits;
  /** Aborted when the client goes away: stop work that only it would read. */
  readonly signal: AbortSignal;
  /**
   * Runs model work in the server's bounded queue: a full queue fails with `E_SERVER_BUSY`
   * (category `busy`), a long wait with `E_SERVER_QUEUE_TIMEOUT` (category `unavailable`).
   */
  run<T>(job: () => Promise<T>): Promise<T>;
  /** Takes a queue slot for work that outlives the handler (a stream); call the release once. */
  acquire(): Promise<() => void>;
  readonly log: {
    info(facts: Record<string, unknown>, message: string): void;
    error(facts: Record<string, unknown>, message: string): void;
  };
}

/**
 * A streamed answer, sent as server-sent events (`data: <JSON>` per value, then the stream ends).
 * The server stops iterating when the client goes away; a failure mid-stream becomes a last
 * `data: {"error": …}` event (in the route's `errorFormat`).
 */
export interface ServeEventStream {
  readonly stream: true;
  readonly events: AsyncIterable<unknown>;
  /**
   * A literal written as a last `data: <terminator>` line (not JSON) after the events when the
   * stream ends normally: OpenAI's streams end with `data: [DONE]`. Absent: nothing is added.
   */
  readonly terminator?: string;
}

export interface ServeRoute<Loaded extends LoadedExport = LoadedExport> {
  readonly method: 'POST';
  /** e.g. `/v1/generate`. */
  readonly path: string;
  /**
   * How this route's errors are shaped (the HTTP status is the same either way): `tessera`, the
   * default, is `{"error": {"code", "message"}}`; `openai` is OpenAI's `{"error": {"message",
   * "type", "param", "code"}}` with the Tessera code in `code`, so OpenAI clients raise their typed
   * errors. It applies to mid-stream error events too.
   */
  readonly errorFormat?: 'tessera' | 'openai';
  /** The JSON schema of the request body; unknown fields, wrong types and out-of-range values are refused. */
  bodySchema(loaded: Loaded, limits: ServeLimits): Record<string, unknown>;
  /** Answers one request with a JSON value, or with a stream of events. */
  handle(loaded: Loaded, body: unknown, context: ServeContext): Promise<unknown>;
}

/** One prediction `tessera predict` prints: a line for people, the value for `--json`. */
export interface ExportPrediction {
  input: string;
  summary: string;
  value: unknown;
}

export interface ExportPredictOptions {
  /** How many classes, items or samples to show per input. */
  top?: number;
}

export interface ExportKind<Loaded extends LoadedExport = LoadedExport> {
  /** The manifest's `kind`, e.g. `gpt`. */
  readonly kind: string;
  /** The package that writes and reads it, e.g. `@tessera/transformer`. */
  readonly packageName: string;
  /** One line for people: what the model does. */
  readonly description: string;
  /** What `tessera predict` takes as inputs, e.g. `prompts` or `PNG/JPEG files`. */
  readonly predictInputs?: string;
  /** Reads and checks the export and builds the model (on the active backend). */
  load(location: ExportLocation): Promise<Loaded>;
  /** What `GET /v1/model` and `tessera info` show of the architecture. */
  describe(loaded: Loaded): Record<string, unknown>;
  /** Frees the model's tensors. */
  dispose(loaded: Loaded): void;
  /** `tessera predict <export> <inputs...>`. */
  predict?(loaded: Loaded, inputs: readonly string[], options: ExportPredictOptions): Promise<ExportPrediction[]>;
  /** The endpoints `tessera serve` answers for this kind. */
  readonly routes: readonly ServeRoute<Loaded>[];
}

/** True for a route's answer that is a stream of events rather than one JSON value. */
export function isServeEventStream(value: unknown): value is ServeEventStream {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<ServeEventStream>;
  return (
    candidate.stream === true &&
    typeof (candidate.events as AsyncIterable<unknown> | undefined)?.[Symbol.asyncIterator] === 'function'
  );
}
