import { Reader } from 'protobufjs/minimal';
import { message } from './generated/message';

/**
 * SpatialWalk's socket messages as bytes: every WebSocket frame is one binary
 * `message.Message` (proto/message.proto). Encoding leaves proto3 zero values out,
 * like the vendor's own SDKs (protobuf-go, protobuf-python) do.
 */
export { message as spatialwalkProto };
export type SpatialWalkMessage = message.Message;
export const MessageType = message.MessageType;

/** The sample rates the ingress accepts for PCM s16le mono. */
export const SPATIALWALK_SAMPLE_RATES = [8000, 16000, 22050, 24000, 32000, 44100, 48000] as const;
export type SpatialWalkSampleRate = (typeof SPATIALWALK_SAMPLE_RATES)[number];

/**
 * What a frame event carries: the whole serialized `message.Message` of one animation
 * response, exactly as the vendor sent it (its SDKs hand the same bytes to their frame
 * callback, and its client renderer takes them).
 */
export const ANIMATION_MIME_TYPE = 'application/x-protobuf; messageType=message.Message';

function encode(properties: message.Message.$Shape): Uint8Array {
  return message.Message.encode(message.Message.create(properties)).finish();
}

/** The first message on a socket: PCM s16le at `sampleRate`, no compression, animation back over the socket. */
export function encodeConfigureSession(sampleRate: number): Uint8Array {
  return encode({
    type: MessageType.MESSAGE_CLIENT_CONFIGURE_SESSION,
    clientConfigureSession: {
      sampleRate,
      bitrate: 0,
      audioFormat: message.AudioFormat.AUDIO_FORMAT_PCM_S16LE,
      transportCompression: message.TransportCompression.TRANSPORT_COMPRESSION_NONE,
      egressType: message.EgressType.EGRESS_TYPE_UNSPECIFIED,
    },
  });
}

/** One chunk of an utterance's audio; `end` on the last. */
export function encodeAudioInput(reqId: string, audio: Uint8Array, end: boolean): Uint8Array {
  return encode({ type: MessageType.MESSAGE_CLIENT_AUDIO_INPUT, clientAudioInput: { reqId, audio, end } });
}

export function encodeInterrupt(reqId: string): Uint8Array {
  return encode({ type: MessageType.MESSAGE_CLIENT_INTERRUPT, clientInterrupt: { reqId } });
}

export function encodeConfirmSession(connectionId: string): Uint8Array {
  return encode({ type: MessageType.MESSAGE_SERVER_CONFIRM_SESSION, serverConfirmSession: { connectionId } });
}

export function encodeServerError(error: { connectionId?: string; reqId?: string; code: number; message: string }): Uint8Array {
  return encode({ type: MessageType.MESSAGE_SERVER_ERROR, serverError: error });
}

/**
 * An animation response. `payload` stands for the vendor's animation data: raw
 * protobuf fields (tag and value) the public schema does not name, kept as they are.
 */
export function encodeAnimation(animation: { connectionId: string; reqId: string; end: boolean; payload?: Uint8Array }): Uint8Array {
  const { payload, ...fields } = animation;
  return encode({
    type: MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION,
    serverResponseAnimation: { ...fields, ...(payload ? { $unknowns: [payload] } : {}) },
  });
}

/**
 * Decodes one socket frame; throws on bytes that are not a `message.Message`. Fields
 * the schema does not name are dropped unless `keepUnknown` (then in `$unknowns`).
 */
export function decodeMessage(bytes: Uint8Array, options: { keepUnknown?: boolean } = {}): SpatialWalkMessage {
  const reader = Reader.create(bytes);
  reader.discardUnknown = !options.keepUnknown;
  return message.Message.decode(reader);
}

/** The name of a message type (`MESSAGE_CLIENT_AUDIO_INPUT`), for logs and records. */
export function messageTypeName(type: number): string {
  return message.MessageType[type] ?? `MESSAGE_TYPE_${type}`;
}
