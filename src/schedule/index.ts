export { type Contender, occupiedSlots, type PatientMessage, ranksAhead } from './competition.ts';
export { FREQUENCY_CAP_HINT, type FrequencyCap, parseFrequencyCaps } from './frequency-cap.ts';
export { ALWAYS_OPEN, isInsideWindow, nextWindowOpening, parseSendWindow, SEND_WINDOW_HINT, type SendWindow } from './send-window.ts';
export { keepsCaps, nextSlot, type SlotQuestion } from './slot.ts';
