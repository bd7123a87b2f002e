// Invoice CSV against CSV injection (OWASP): read back with an RFC 4180 parser written here, no cell may
// start the way a spreadsheet starts a formula (= + - @ TAB CR), unless it is a plain number such as a
// negative amount, which must stay exactly as it was; every other cell reads back as written, or with one
// leading apostrophe when it had to be neutralised.
import assert from 'node:assert/strict';
import { invoiceCsv, type ExportedInvoice } from '../../../controllers/invoice/export.ts';
import { Random } from './prng.ts';

/** RFC 4180: fields separated by commas, records by LF, quoted fields may hold commas, quotes ("") and newlines. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') ((field += '"'), i++);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') (record.push(field), (field = ''));
    else if (c === '\n') (record.push(field), records.push(record), (record = []), (field = ''));
    else field += c;
  }
  assert.equal(quoted, false, 'an unterminated quote');
  if (field !== '' || record.length > 0) (record.push(field), records.push(record));
  return records;
}

const plainNumber = /^-?\d+(\.\d+)?$/;
const formulaStart = /^[=+\-@\t\r]/;

function invoiceWith(cells: string[]): ExportedInvoice {
  const [resourceClass = 'small', region = 'eu-west-1', unit = 'hour', amount = '1.00'] = cells;
  return {
    id: 'x',
    tenant: 'acme',
    periodStart: 'a',
    periodEnd: 'b',
    currency: 'EUR',
    status: 'Issued',
    lines: [{ resourceClass, region, quantity: '1.5', unit, unitPrice: '0.1', amount }],
    subtotal: '0.15',
    discounts: '-12.50',
    tax: '0.03',
    credits: '0.00',
    total: '0.18',
  };
}

function checkCells(written: string[], csv: string): void {
  const line = parseCsv(csv)[1]!;
  const read = [line[0]!, line[1]!, line[3]!, line[5]!];
  written.forEach((value, i) => {
    const cell = read[i]!;
    if (plainNumber.test(value)) assert.equal(cell, value, 'a plain number is kept as it is');
    else
      assert.ok(
        cell === value || cell === `'${value}`,
        `${JSON.stringify(value)} read back as ${JSON.stringify(cell)}`,
      );
    assert.ok(
      plainNumber.test(cell) || !formulaStart.test(cell),
      `${JSON.stringify(cell)} would run as a formula`,
    );
  });
}

describe('unit: invoice CSV export against formula injection', () => {
  for (const payload of [
    "-1+cmd|' /C calc'!A0",
    '-2+3',
    '\t=1+1',
    '\tanything',
    '\r=1+1',
    '=HYPERLINK("http://x","y")',
    '+1',
    '@SUM(A1)',
    '-',
    '-.5',
  ]) {
    it(`neutralises ${JSON.stringify(payload)}`, () => {
      const csv = invoiceCsv(invoiceWith([payload, payload, payload, payload]));
      checkCells([payload, payload, payload, payload], csv);
      const cell = parseCsv(csv)[1]![0]!;
      assert.equal(cell, `'${payload}`);
    });
  }

  it('keeps real negative and positive amounts numeric and unchanged', () => {
    const csv = invoiceCsv(invoiceWith(['small', 'eu-west-1', 'hour', '-12.50']));
    const rows = parseCsv(csv);
    assert.equal(rows[1]![5], '-12.50');
    assert.deepEqual(
      rows.find((r) => r[0] === 'discounts'),
      ['discounts', '', '', '', '', '-12.50', 'EUR'],
    );
    assert.ok(csv.includes(',-12.50,'), 'written bare, not quoted or prefixed');
  });

  for (let seed = 1; seed <= 50; seed++) {
    it(`seed ${seed}: random cells read back as written or neutralised, never as a formula`, () => {
      const rnd = new Random(seed);
      const alphabet = [
        '=',
        '+',
        '-',
        '@',
        '\t',
        '\r',
        '\n',
        '"',
        ',',
        "'",
        ' ',
        '1',
        '2',
        '.',
        'a',
        'Z',
        '|',
        '!',
      ];
      const cell = () => Array.from({ length: rnd.int(0, 8) }, () => rnd.pick(alphabet)).join('');
      for (let i = 0; i < 40; i++) {
        const cells = [
          cell(),
          cell(),
          cell(),
          rnd.chance(0.3) ? `-${rnd.int(0, 99)}.${rnd.digits(2)}` : cell(),
        ];
        checkCells(cells, invoiceCsv(invoiceWith(cells)));
      }
    });
  }
});
