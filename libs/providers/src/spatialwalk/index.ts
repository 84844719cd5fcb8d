export * from './spatialwalk-provider';
export { SpatialWalkConnection } from './spatialwalk-connection';
export {
  spatialwalkProto,
  SPATIALWALK_SAMPLE_RATES,
  ANIMATION_MIME_TYPE as SPATIALWALK_FRAME_MIME_TYPE,
  decodeMessage as decodeSpatialWalkMessage,
  encodeAnimation as encodeSpatialWalkAnimation,
  encodeConfirmSession as encodeSpatialWalkConfirmSession,
  encodeServerError as encodeSpatialWalkServerError,
  messageTypeName as spatialWalkMessageTypeName,
} from './spatialwalk-wire';
export type { SpatialWalkSampleRate, SpatialWalkMessage } from './spatialwalk-wire';
