import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loupe } from '../helpers/cli.js';
import { MAX_K } from '../../src/limits.js';
import { tempDir } from '../helpers/tmp.js';

// None of these reach the database: option parsing and file checks come first.
const data = tempDir('cli-usage');
const run = (...args: string[]) => loupe([...args, '--data', data]);

describe('CLI usage errors speak Loupe, not parseArgs', () => {
  test('an unknown option names it, suggests the near one, and shows the verb usage', () => {
    const r = run('similar', 'x', '--versoin', 'v1');
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'loupe similar: unknown option --versoin (did you mean --version?)\nUsage: loupe similar <item-id> [-k 10] [--version NAME]\n(loupe similar --help lists every option)\n');
    assert.doesNotMatch(r.stderr, /To specify a positional argument/);
  });

  test('an option missing its value (ambiguous to parseArgs) says what it needs', () => {
    const r = run('similar', 'x', '--version', '--json');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^loupe similar: --version needs a value \(--version NAME\); a value starting with '-' is written --version=VALUE\nUsage: loupe similar/);
    assert.doesNotMatch(r.stderr, /ambiguous|Did you forget/);
    const flag = run('feed', 'u', '--json=yes');
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /^loupe feed: --json takes no value\n/);
  });

  test('a missing file says no such file, never ENOENT', () => {
    const cases = [
      ['search', '--image', '/nowhere/photo.jpg'],
      ['ask', 'red dress', '--history', '/nowhere/turns.json'],
      ['ingest', '/nowhere/items.csv'],
      ['ingest', '/nowhere/photos'],
      ['events', 'import', '/nowhere/events.csv'],
    ];
    for (const args of cases) {
      const r = run(...args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, /no such file: \/nowhere\//, `${args.join(' ')}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /ENOENT/);
    }
  });

  test(`-k has one limit, ${MAX_K}, on every verb that takes it (the API's ?k= too)`, () => {
    for (const verb of [['similar', 'x'], ['feed', 'u'], ['search', '--text', 'red'], ['tag', 'x'], ['quality']]) {
      const r = run(...verb, '-k', String(MAX_K + 1));
      assert.equal(r.code, 2, verb.join(' '));
      assert.match(r.stderr, new RegExp(`-k must be an integer in \\[1, ${MAX_K}\\], got ${MAX_K + 1}`));
    }
  });
});
