// The error a call throws, checked for its class; the test fails when it throws nothing or something else.
import { expect } from 'vitest';

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

export function thrown<E extends Error>(cls: ErrorClass<E>, fn: () => unknown): E {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    return e as E;
  }
  throw new Error(`expected a ${cls.name}, nothing was thrown`);
}

/** The same for a promise, or a function returning one. */
export async function rejected<E extends Error>(cls: ErrorClass<E>, p: Promise<unknown> | (() => unknown)): Promise<E> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    return e as E;
  }
  throw new Error(`expected a ${cls.name}, it resolved`);
}
