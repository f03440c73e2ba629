// Parsing of option values. Each parser names the option, shows what it got and what it expected.
import { PyFloat } from '../engine/dtype';
import { usageError } from './errors';

/** `1,3,224,224` (also `1x3x224x224` or `[1, 3, 224, 224]`) as dimensions. */
export function parseShape(text: string, option = '--shape'): number[] {
  const inner = text.trim().replace(/^\[(.*)\]$/, '$1').replace(/^\((.*)\)$/, '$1').trim();
  if (inner === '') throw usageError(`${option} ${JSON.stringify(text)}: expected comma-separated sizes such as 1,3,224,224`);
  return inner.split(/\s*[,x]\s*/).map((part) => {
    if (!/^\d+$/.test(part) || !Number.isSafeInteger(Number(part))) {
      throw usageError(`${option} ${JSON.stringify(text)}: ${JSON.stringify(part)} is not a size; expected comma-separated non-negative integers such as 1,3,224,224`);
    }
    return Number(part);
  });
}

/** `--kwargs '{"num_class": 5}'`: a JSON object of keyword arguments. */
export function parseKwargs(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw usageError(`--kwargs is not valid JSON (${(error as Error).message}); expected an object such as '{"num_class": 5}'`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw usageError(`--kwargs must be a JSON object of keyword arguments such as '{"num_class": 5}', got ${text}`);
  }
  return value as Record<string, unknown>;
}

export function parseChoice<T extends string>(option: string, text: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw usageError(`${option} ${JSON.stringify(text)}: expected one of ${choices.join(', ')}`);
}

export function parseInteger(option: string, text: string, { min = -Infinity, max = Infinity } = {}): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = min > -Infinity && max < Infinity ? ` from ${min} to ${max}` : min > -Infinity ? ` of at least ${min}` : '';
    throw usageError(`${option} ${JSON.stringify(text)}: expected an integer${range}`);
  }
  return n;
}

/**
 * Pruning amounts keep Python's int/float distinction: `5` prunes five entries, `0.5` or `1.0` a fraction
 * (torch.nn.utils.prune rounds a fraction like Python's round).
 */
export function parseAmount(text: string): number | PyFloat {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return parseInteger('--amount', trimmed, { min: 0 });
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(value)) {
    throw usageError(`--amount ${JSON.stringify(text)}: expected a fraction such as 0.3 or a count such as 10`);
  }
  return new PyFloat(value);
}

export function parseFloat(option: string, text: string): number {
  const value = Number(text.trim());
  if (text.trim() === '' || Number.isNaN(value)) throw usageError(`${option} ${JSON.stringify(text)}: expected a number`);
  return value;
}

/** Comma-separated names (`Conv2d,Linear`), without empties. */
export function parseList(option: string, text: string): string[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw usageError(`${option} ${JSON.stringify(text)}: expected comma-separated names such as Conv2d,Linear`);
  return items;
}
