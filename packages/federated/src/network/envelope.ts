import { TesseraError } from '@tessera/core';

/**
 * The frame every WebSocket message is: a little-endian uint32 with the header's length, the
 * header as UTF-8 JSON (the message type and its small fields), then an optional binary payload
 * (safetensors bytes for models and updates). One format for both directions keeps a stray text
 * frame or a truncated message from ever being half-understood.
 */
export function encodeEnvelope(header: object, payload?: Uint8Array): Uint8Array {
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const frame = new Uint8Array(4 + headerBytes.length + (payload?.length ?? 0));
  new DataView(frame.buffer).setUint32(0, headerBytes.length, true);
  frame.set(headerBytes, 4);
  if (payload !== undefined) frame.set(payload, 4 + headerBytes.length);
  return frame;
}

export interface Envelope {
  header: Record<string, unknown>;
  payload: Uint8Array;
}

/** Parses a frame; anything malformed is E_FEDERATED_MESSAGE. */
export function decodeEnvelope(data: Uint8Array): Envelope {
  if (data.length < 4) throw new TesseraError('E_FEDERATED_MESSAGE', `a ${data.length}-byte message is too short`);
  const headerLength = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0, true);
  if (headerLength > data.length - 4) {
    throw new TesseraError(
      'E_FEDERATED_MESSAGE',
      `the header claims ${headerLength} bytes but the message has ${data.length - 4} after the length`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(data.buffer, data.byteOffset + 4, headerLength).toString('utf8'));
  } catch (error) {
    throw new TesseraError('E_FEDERATED_MESSAGE', 'the message header is not valid JSON', { cause: error });
  }
  if (
    header === null ||
    typeof header !== 'object' ||
    Array.isArray(header) ||
    typeof (header as { type?: unknown }).type !== 'string'
  ) {
    throw new TesseraError('E_FEDERATED_MESSAGE', 'the message header must be a JSON object with a string "type"');
  }
  return { header: header as Record<string, unknown>, payload: data.subarray(4 + headerLength) };
}

/** A ws message (Buffer, ArrayBuffer or fragments) as one Uint8Array. */
export function messageBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
