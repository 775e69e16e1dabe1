/** All spec constants (and, in platform.ts, the lab's own board), re-exported for other layers. */
export * from './smccc.ts';
export * from './gpt.ts';
export * from './rmi.ts';
export * from './rmm-el3.ts';
export * from './platform.ts';
export * from './measurement.ts';
export * from './rmi-structs.ts';
export * from './psci.ts';
export * from './rsi.ts';
export * from './esr.ts';
export * from './rmm-impl.ts';
export * from './token.ts';
export * from './snapshot-limits.ts';
