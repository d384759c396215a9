/** The receiver's admission control: bytes of bodies held at once, admitted in arrival order. */
import { describe, expect, it } from 'vitest';
import { BODY_BUDGET_BYTES, BodyBudget, type Release } from '../../src/core/relay/body-budget.js';

/** A reservation in progress: whether it was admitted yet, and its release once it is. */
function ask(budget: BodyBudget, bytes: number) {
  const state: { release: Release | null } = { release: null };
  const done = budget.reserve(bytes).then((release) => {
    state.release = release;
    return release;
  });
  return { state, done };
}

describe('BodyBudget', () => {
  it('is 16 MiB by default', () => {
    expect(BODY_BUDGET_BYTES).toBe(16 * 1024 * 1024);
  });

  it('admits what fits at once, and holds the rest until bytes are given back', async () => {
    const budget = new BodyBudget(100);
    const first = await budget.reserve(60);
    const second = ask(budget, 60);
    await Promise.resolve();
    expect(second.state.release).toBeNull();
    expect(budget.bytes).toBe(60);
    first();
    await second.done;
    expect(budget.bytes).toBe(60);
  });

  it('admits in arrival order: a small request does not pass a big one waiting before it', async () => {
    const budget = new BodyBudget(100);
    const first = await budget.reserve(50);
    const big = ask(budget, 80);
    const small = ask(budget, 10);
    await Promise.resolve();
    // 10 more bytes would fit, but the big request came first.
    expect(big.state.release).toBeNull();
    expect(small.state.release).toBeNull();
    first();
    await Promise.all([big.done, small.done]);
    expect(budget.bytes).toBe(90);
  });

  it('lets a body over the whole budget through alone, once nothing is held', async () => {
    const budget = new BodyBudget(100);
    const first = await budget.reserve(10);
    const huge = ask(budget, 500);
    await Promise.resolve();
    expect(huge.state.release).toBeNull();
    first();
    const release = await huge.done;
    expect(budget.bytes).toBe(500);
    const next = ask(budget, 1);
    await Promise.resolve();
    expect(next.state.release).toBeNull();
    release();
    await next.done;
    expect(budget.bytes).toBe(1);
  });

  it('shrinks a reservation to what was read, and a second release gives back only the rest', async () => {
    const budget = new BodyBudget(100);
    const release = await budget.reserve(100);
    const waiting = ask(budget, 70);
    release(30);
    expect(budget.bytes).toBe(100);
    await waiting.done;
    release();
    release();
    expect(budget.bytes).toBe(70);
  });
});
