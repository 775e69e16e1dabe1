/**
 * A realm's name for the views, from the machine (mica-spec.md §3: the host names the realms it
 * builds; the Mica monitor keeps the name each uploaded policy gives). Its own small module so
 * the first screen (the timeline bar names the realm of an event) does not carry the Memory
 * view's model.
 */
import type { MachineView } from '../../emulator/index.ts';
import { micaOf } from '../../policy/index.ts';
import { hexGroups } from '../realms/realm-view.ts';
import { hex } from '../../lib/hex.ts';

/**
 * The name the host gave the realm at `rd` (while it lives, then as the host recorded it after
 * a destroy), else its Mica name, else undefined.
 */
export function knownRealmName(state: MachineView['state'], rd: number): string | undefined {
  return (
    Object.values(state.host?.realms ?? {}).find((r) => r.rd === rd)?.name ??
    micaOf(state)?.realms[hex(rd)]?.name ??
    state.host?.names?.[hex(rd)]
  );
}

/** The name the host gave the realm at `rd`, else its Mica name, else its RD. */
export function realmNameOf(state: MachineView['state'], rd: number): string {
  return knownRealmName(state, rd) ?? `RD ${hexGroups(rd)}`;
}
