/**
 * The LLM guardrail's two pieces of real computation (mica-spec.md §5.2 `rg_rf_ri`): a tiny
 * deterministic text model for the inference realm RI (a template-guided bigram model over a fixed corpus,
 * greedy decoding) and the rule-based guardrail filter of RF, which screens the prompt on the
 * way in and the answer on the way out. Pure functions of text; the realm programs of llm.ts
 * call them on the bytes they loaded, so their outputs carry the prompt's labels.
 *
 * Design rationale: the spec's RF runs `llama-cli` with a GGUF model; a lab needs the same
 * shape (prompt in, answer out, a filter that really changes text) in microseconds and with
 * the same answer every run, so greedy bigram decoding over a few sentences stands in for
 * the model, and a handful of regular-expression rules stand in for the guardrail.
 */

/** Longest prompt or answer, in bytes (eight 64-bit words of a mailbox). */
export const TEXT_MAX_BYTES = 64;
/** Most words the model generates. */
export const MODEL_MAX_WORDS = 12;

/** The model's training text (what RI "knows"). */
const CORPUS = [
  'the pipeline keeps the video inside realms that do not trust each other',
  'the moderator checks every frame before the video leaves the gateway',
  'the guardrail filter screens the prompt and the answer',
  'a realm can only share memory the policy declares',
  'the verifier checks the group token before the tenant sends data',
  'mica keeps the prompt away from the host',
  'privacy means the host never reads the prompt',
  'weather today is mild with light rain in the evening',
  'rain means you should take an umbrella',
];

/** Successor counts: word -> next word -> count. */
const BIGRAMS: ReadonlyMap<string, ReadonlyMap<string, number>> = (() => {
  const table = new Map<string, Map<string, number>>();
  for (const line of CORPUS) {
    const words = [...line.split(' '), '.'];
    for (let i = 0; i + 1 < words.length; i++) {
      const row = table.get(words[i]!) ?? new Map<string, number>();
      row.set(words[i + 1]!, (row.get(words[i + 1]!) ?? 0) + 1);
      table.set(words[i]!, row);
    }
  }
  return table;
})();

/** Words too common to say what a prompt is about. */
const STOP_WORDS = new Set([
  'the',
  'a',
  'an',
  'and',
  'is',
  'to',
  'of',
  'my',
  'how',
  'does',
  'what',
]);

/** The corpus sentence sharing most content words with the prompt (the template), or the first. */
function template(words: readonly string[]): readonly string[] {
  const wanted = new Set(words.filter((w) => !STOP_WORDS.has(w)));
  let best = CORPUS[0]!;
  let score = 0;
  for (const line of CORPUS) {
    const n = new Set(line.split(' ').filter((w) => wanted.has(w))).size;
    if (n > score) {
      best = line;
      score = n;
    }
  }
  return best.split(' ');
}

/**
 * The successor of `word` the model picks: the bigram that continues the template (`hint`)
 * if the corpus has it, else the most frequent one not yet used (ties alphabetical; a sentence
 * end only when no word follows as often).
 */
function next(
  word: string,
  hint: string | undefined,
  used: ReadonlySet<string>,
): string | undefined {
  const row = BIGRAMS.get(word);
  if (!row) return undefined;
  if (hint !== undefined && row.has(hint) && !used.has(`${word} ${hint}`)) return hint;
  let best: string | undefined;
  let count = 0;
  const order = [...row].sort((a, b) =>
    a[0] === '.' ? 1 : b[0] === '.' ? -1 : a[0] < b[0] ? -1 : 1,
  );
  for (const [w, c] of order)
    if (c > count && !used.has(`${word} ${w}`)) {
      best = w;
      count = c;
    }
  return best;
}

/**
 * The model: the answer to `prompt`. Picks the corpus sentence closest to the prompt as a
 * template and decodes greedily over the bigrams from its first word, following the template
 * where the bigrams allow and never reusing a bigram, until the template's length, a sentence
 * end, {@link MODEL_MAX_WORDS} words or {@link TEXT_MAX_BYTES} bytes.
 */
export function infer(prompt: string): string {
  const words = prompt.toLowerCase().match(/[a-z]+/g) ?? [];
  const shape = template(words);
  const out = [shape[0]!];
  const used = new Set<string>();
  for (let w = shape[0]!; out.length < Math.min(MODEL_MAX_WORDS, shape.length);) {
    const n = next(w, shape[out.length], used);
    if (n === undefined || n === '.') break;
    used.add(`${w} ${n}`);
    if (out.join(' ').length + 1 + n.length > TEXT_MAX_BYTES) break;
    out.push(n);
    w = n;
  }
  return out.join(' ');
}

/** A guardrail rule: what it matches and what it puts instead. */
interface Rule {
  readonly name: string;
  readonly match: RegExp;
  readonly replace: string;
}

/** Prompt injection the filter refuses outright (the whole prompt is replaced). */
const INJECTION = /\b(ignore (all |the )?previous|system prompt|jailbreak)\b/i;

/** Redactions applied in both directions. */
const REDACT: readonly Rule[] = [
  { name: 'email', match: /[\w.+-]+@[\w-]+(\.[\w-]+)+/g, replace: '[email]' },
  { name: 'number', match: /\d[\d -]{3,}\d/g, replace: '[number]' },
  {
    name: 'secret',
    match: /\b(password|passwd|secret|pin)\b(\s+is)?\s*\S+/gi,
    replace: '[redacted]',
  },
];

/** What the filter did to a text. */
export interface Screened {
  readonly text: string;
  /** Names of the rules that fired. */
  readonly fired: readonly string[];
}

function redact(text: string): Screened {
  const fired: string[] = [];
  let out = text;
  for (const r of REDACT) {
    const next = out.replace(r.match, r.replace);
    if (next !== out) fired.push(r.name);
    out = next;
  }
  return { text: out.slice(0, TEXT_MAX_BYTES), fired };
}

/** RF on the way in: refuses prompt injection, redacts addresses, numbers and secrets. */
export function screenPrompt(prompt: string): Screened {
  if (INJECTION.test(prompt)) return { text: '[refused]', fired: ['injection'] };
  return redact(prompt);
}

/** RF on the way out: the same redactions on the model's answer. */
export function screenAnswer(answer: string): Screened {
  return redact(answer);
}

/** `text` as the little-endian 64-bit words a realm loads (zero padded to {@link TEXT_MAX_BYTES}). */
export function textWords(text: string): bigint[] {
  const bytes = new TextEncoder().encode(text).subarray(0, TEXT_MAX_BYTES);
  return Array.from({ length: TEXT_MAX_BYTES / 8 }, (_, w) => {
    let v = 0n;
    for (let b = 7; b >= 0; b--) v = (v << 8n) | BigInt(bytes[w * 8 + b] ?? 0);
    return v;
  });
}

/** The text held in little-endian words (up to the first NUL). */
export function wordsText(words: readonly bigint[]): string {
  const bytes: number[] = [];
  for (const v of words)
    for (let b = 0; b < 8; b++) bytes.push(Number((v >> BigInt(8 * b)) & 0xffn));
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(new Uint8Array(end < 0 ? bytes : bytes.slice(0, end)));
}
