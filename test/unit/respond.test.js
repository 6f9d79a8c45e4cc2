import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { sendJsonArray } from '../../dist/server/respond.js';

// A client that takes each piece late: every write says "wait", and drains a moment later.
class SlowResponse extends EventEmitter {
  chunks = [];
  destroyed = false;
  writeHead() {}
  write(chunk) {
    this.chunks.push(chunk);
    setImmediate(() => this.emit('drain'));
    return false;
  }
  end(chunk) {
    this.chunks.push(chunk);
  }
}

test('a long listing to a slow client waits for each piece and leaves no listeners behind', async () => {
  const res = new SlowResponse();
  async function* items() {
    for (let i = 0; i < 20000; i++) yield { serial: i.toString(16).padStart(32, '0'), name: `node-${i}` };
  }
  const warnings = [];
  const onWarning = (w) => warnings.push(w.name);
  process.on('warning', onWarning);
  await sendJsonArray(res, '{"certificates":[', items(), ']}');
  process.off('warning', onWarning);
  assert.ok(res.chunks.length > 10, 'written in pieces');
  assert.equal(JSON.parse(res.chunks.join('')).certificates.length, 20000);
  assert.equal(res.listenerCount('close'), 0);
  assert.equal(res.listenerCount('drain'), 0);
  assert.deepEqual(warnings, []);
});
