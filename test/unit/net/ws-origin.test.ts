import t from 'tap';
import { normalizeOrigin, originAllowed } from '../../../broker/net/ws-origin.js';

void t.test('a request without Origin is not from a browser page: allowed', (t) => {
  t.ok(originAllowed('', '127.0.0.1:9401', []));
  t.end();
});

void t.test("by default only the broker's own origin (same host and port) is allowed", (t) => {
  t.ok(originAllowed('http://127.0.0.1:9401', '127.0.0.1:9401', []), 'a page the broker served');
  t.ok(originAllowed('https://Brook.Example:9401', 'brook.example:9401', []), 'over https, any case');
  t.notOk(originAllowed('http://127.0.0.1:8080', '127.0.0.1:9401', []), 'another port is another origin');
  t.notOk(originAllowed('https://evil.example', '127.0.0.1:9401', []), 'another site');
  t.notOk(originAllowed('null', '127.0.0.1:9401', []), 'an opaque origin (file://, sandboxed frame)');
  t.notOk(originAllowed('http://127.0.0.1:9401', '', []), 'no Host header to compare with');
  t.end();
});

void t.test('--ws-allowed-origins adds exact origins, or any with *', (t) => {
  const allowed = ['https://app.example.com', 'http://localhost:3000/'];
  t.ok(originAllowed('https://app.example.com', '127.0.0.1:9401', allowed));
  t.ok(originAllowed('https://app.example.com:443', '127.0.0.1:9401', allowed), 'the default port is the same origin');
  t.ok(originAllowed('http://localhost:3000', '127.0.0.1:9401', allowed), 'a trailing slash in the list is ignored');
  t.notOk(originAllowed('https://app.example.com.evil.example', '127.0.0.1:9401', allowed), 'no prefix matching');
  t.notOk(originAllowed('http://app.example.com', '127.0.0.1:9401', allowed), 'the scheme counts');
  t.ok(originAllowed('https://anything.example', '127.0.0.1:9401', ['*']));
  t.end();
});

void t.test('origins are normalized; what is not an http(s) origin is undefined', (t) => {
  t.equal(normalizeOrigin('HTTPS://A.example:443/'), 'https://a.example');
  t.equal(normalizeOrigin('http://a.example:8080'), 'http://a.example:8080');
  t.equal(normalizeOrigin('file:///x'), undefined);
  t.equal(normalizeOrigin('not a url'), undefined);
  t.end();
});
