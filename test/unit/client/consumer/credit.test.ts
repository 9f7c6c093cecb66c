import t from 'tap';
import { CreditWindow } from '../../../../client/consumer/credit.js';

void t.test('the first subscribe grants the whole window', (t) => {
  const w = new CreditWindow(100, 1000);
  t.same(w.subscribe(0, 0), { records: 100, bytes: 1000 });
  t.end();
});

void t.test('credit comes back only as records are taken, once below a quarter', (t) => {
  const w = new CreditWindow(100, 1000);
  w.subscribe(0, 0);
  // The broker delivers everything: nothing changes until the application takes records.
  t.equal(w.taken(50, 500), undefined, 'half the window left: no refill');
  t.equal(w.taken(25, 250), undefined, 'exactly a quarter left: no refill');
  t.same(w.taken(1, 10), { records: 76, bytes: 760 }, 'below a quarter: top back up to the window');
  t.equal(w.outstandingRecords, 100);
  t.equal(w.outstandingBytes, 1000);
  t.end();
});

void t.test('bytes alone can trigger the refill', (t) => {
  const w = new CreditWindow(100, 1000);
  w.subscribe(0, 0);
  t.same(w.taken(1, 900), { records: 1, bytes: 900 });
  t.end();
});

void t.test('a batch overshooting the window still gets refilled', (t) => {
  const w = new CreditWindow(10, 100);
  w.subscribe(0, 0);
  // One batch of 50 records, 400 bytes (credit may go negative by one batch).
  t.same(w.taken(50, 400), { records: 50, bytes: 400 });
  t.end();
});

void t.test('a re-subscribe counts what is still buffered', (t) => {
  const w = new CreditWindow(100, 1000);
  w.subscribe(0, 0);
  t.same(w.subscribe(30, 300), { records: 70, bytes: 700 });
  t.same(w.subscribe(150, 2000), { records: 0, bytes: 0 }, 'more buffered than the window: nothing until taken');
  t.equal(w.taken(100, 1000), undefined);
  t.same(w.taken(30, 800), { records: 80, bytes: 800 });
  t.end();
});

void t.test('unsent credit is taken back and granted again later', (t) => {
  const w = new CreditWindow(100, 1000);
  w.subscribe(0, 0);
  const credit = w.taken(80, 800);
  t.ok(credit);
  if (credit === undefined) return;
  w.unsent(credit);
  t.same(w.taken(0, 0), credit, 'the next take offers it again');
  t.end();
});
