/**
 * Scenario links (lab-ux.md §3.1 item 3, §4.10; scenario.ts has the format): `#/s/<codec>.
 * <base64url>` or the long prefix `#/scenario/`. The encoder writes codec `d` (the scenario's
 * JSON as UTF-8, raw DEFLATE, ./deflate.ts); the decoder still reads the version 1 codecs `j`
 * (plain JSON) and `z` (the home-made LZ77 of ./lz.ts). Loaded when first used (`LINK_CODE`
 * in scenario.ts): the first screen opens no link, and the DEFLATE code is most of what the
 * link code weighs.
 *
 * Design rationale: decoding never throws; every layer (fragment, codec, base64url,
 * decompression, UTF-8, JSON, then the scenario's fields in `scenarioFromJson`) refuses with
 * a message naming the layer and the position or field.
 */
import { fromBase64, toBase64 } from '../lib/bytes.ts';
import { deflateRaw, inflateRaw } from './deflate.ts';
import { lzDecompress } from './lz.ts';
import {
  SCENARIO_FRAGMENT,
  SCENARIO_LIMITS,
  SHORT_FRAGMENT,
  scenarioFromJson,
  type Decoded,
  type Scenario,
} from './scenario.ts';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The link payload for `scenario`: `d.<base64url of the raw-DEFLATEd JSON>`. */
export function encodeScenarioPayload(scenario: Scenario): string {
  return `d.${toBase64Url(deflateRaw(new TextEncoder().encode(JSON.stringify(scenario))))}`;
}

/** The link fragment for `scenario`, long form: `#/scenario/d.<base64url>`. */
export function encodeScenarioLink(scenario: Scenario): string {
  return SCENARIO_FRAGMENT + encodeScenarioPayload(scenario);
}

/** Strips a URL or fragment down to the payload; leaves a bare payload alone. */
function payloadOf(text: string): Decoded<string> {
  let t = text.trim();
  const hash = t.indexOf('#');
  if (hash >= 0) {
    t = t.slice(hash);
    const prefix = [SHORT_FRAGMENT, SCENARIO_FRAGMENT].find((p) => t.startsWith(p));
    if (!prefix) {
      return {
        ok: false,
        error: `the link's fragment does not start with "${SHORT_FRAGMENT}" or "${SCENARIO_FRAGMENT}", so it holds no scenario`,
      };
    }
    t = t.slice(prefix.length);
  }
  if (t === '') return { ok: false, error: 'the link is empty: no scenario data after the prefix' };
  return { ok: true, value: t };
}

/**
 * Decodes a scenario link: a full URL, its fragment, or the bare payload. Never throws;
 * refuses bad input with a message naming what is wrong.
 */
export function decodeScenarioLink(text: string): Decoded<Scenario> {
  if (typeof text !== 'string') return { ok: false, error: 'a scenario link must be text' };
  const payload = payloadOf(text);
  if (!payload.ok) return payload;
  const p = payload.value;
  if (p.length > SCENARIO_LIMITS.payload) {
    return {
      ok: false,
      error: `the link is ${p.length} characters; at most ${SCENARIO_LIMITS.payload}`,
    };
  }
  const dot = p.indexOf('.');
  const codec = dot < 0 ? '' : p.slice(0, dot);
  if (codec !== 'd' && codec !== 'j' && codec !== 'z') {
    return {
      ok: false,
      error:
        dot < 0
          ? 'the link has no encoding marker ("d.") before its data; it may be cut off or not a scenario link'
          : `unknown encoding "${codec.slice(0, 20)}" (this lab reads "d", and "j" and "z" of older links); the link may come from a newer Mica Lab`,
    };
  }
  const data = p.slice(dot + 1).replace(/=+$/, '');
  if (!BASE64URL.test(data)) {
    const bad = [...data].findIndex((ch) => !/[A-Za-z0-9_-]/.test(ch));
    const ch = [...data][bad] ?? '';
    return {
      ok: false,
      error: `bad base64url at character ${bad + 1} of the data (${JSON.stringify(ch)}); was the link altered or wrapped?`,
    };
  }
  const bytes = fromBase64(data);
  if (!bytes) {
    return {
      ok: false,
      error: `the base64url data has an impossible length (${data.length} characters); the link was probably cut off`,
    };
  }
  let json = bytes;
  if (codec === 'z') {
    const unpacked = lzDecompress(bytes);
    if (!unpacked.ok)
      return { ok: false, error: `${unpacked.error}; the link was probably altered` };
    json = unpacked.bytes;
  } else if (codec === 'd') {
    const unpacked = inflateRaw(bytes);
    if (!unpacked.ok) {
      return {
        ok: false,
        error: /cut off/.test(unpacked.error)
          ? unpacked.error
          : `${unpacked.error}; the link was probably altered`,
      };
    }
    json = unpacked.bytes;
  }
  let text2: string;
  try {
    text2 = new TextDecoder('utf-8', { fatal: true }).decode(json);
  } catch {
    return { ok: false, error: 'the decoded data is not UTF-8 text' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text2);
  } catch (error) {
    return { ok: false, error: `the decoded data is not JSON (${(error as Error).message})` };
  }
  return scenarioFromJson(parsed);
}
