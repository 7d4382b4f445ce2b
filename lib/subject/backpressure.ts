// Send-side backpressure, as the operators (gate(), sendAll()) and rxws/node's streams see it:
// the flow-control parts (lib/flow) and a subject's send gate (send-gate.ts) in one place.
export { DEFAULT_HIGH_WATER_MARK, DEFAULT_LOW_WATER_MARK, DEFAULT_POLL_INTERVAL, DEFAULT_WATER_MARKS, normalizeWaterMarks, type BackpressureConfig, type WaterMarks } from '../flow/water-marks.js';
export { DrainWaker } from '../flow/drain-waker.js';
export { Pacer } from '../flow/pacer.js';
export { SendGate, backpressure, bufferedAmountOf, hasSendGate, sendGateOf, writableOf, type HasSendGate } from './send-gate.js';
