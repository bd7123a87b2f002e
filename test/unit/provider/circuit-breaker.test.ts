import assert from 'node:assert/strict';
import { CircuitBreaker } from '../../../controllers/provider/circuit-breaker.ts';

describe('unit: circuit breaker', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 0));

  it('stays closed below the threshold and resets on success', () => {
    const b = new CircuitBreaker(3, 1000, clock);
    b.failed();
    b.failed();
    assert.equal(b.allow(), true);
    b.succeeded();
    b.failed();
    b.failed();
    assert.equal(b.current, 'closed');
  });
  it('opens after the threshold of consecutive failures and fails fast until the cool-down ends', () => {
    const b = new CircuitBreaker(3, 1000, clock);
    for (let i = 0; i < 3; i++) b.failed();
    assert.equal(b.current, 'open');
    assert.equal(b.allow(), false);
    now = 400;
    assert.equal(b.retryInMs(), 600);
    assert.equal(b.allow(), false);
  });
  it('lets exactly one trial through when half-open; success closes, failure reopens', () => {
    const b = new CircuitBreaker(1, 1000, clock);
    b.failed();
    now = 1000;
    assert.equal(b.current, 'half-open');
    assert.equal(b.allow(), true);
    assert.equal(b.allow(), false, 'one trial at a time');
    b.failed();
    assert.equal(b.current, 'open');
    now = 2000;
    assert.equal(b.allow(), true);
    b.succeeded();
    assert.equal(b.current, 'closed');
    assert.equal(b.allow(), true);
  });
});
