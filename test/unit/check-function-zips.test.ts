/** The package step's budget check (scripts/check-function-zips.ts) reads what a zip holds from its central directory. */
import { deflateRawSync } from 'node:zlib';
import { javaScriptBytes, MAX_JS_BYTES, zipEntries } from '../../scripts/check-function-zips.js';

/** A zip as archiver writes one: local headers and data, the central directory, the end record (and a comment). */
function zip(files: Record<string, string>, comment = ''): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const packed = deflateRawSync(data);
    const fileName = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(8, 10);
    entry.writeUInt32LE(packed.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(fileName.length, 28);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, fileName, packed);
    central.push(entry, fileName);
    offset += local.length + fileName.length + packed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(Buffer.byteLength(comment), 20);
  return Buffer.concat([...locals, directory, end, Buffer.from(comment)]);
}

test('counts the uncompressed JavaScript of every file, not the source map', () => {
  const bundle = 'x'.repeat(2000);
  const archive = zip({ 'functions/http/create-request.mjs': bundle, 'functions/http/create-request.mjs.map': '{}'.repeat(900), 'lib/helper.cjs': 'y'.repeat(10) });
  expect(zipEntries(archive)).toEqual([
    { name: 'functions/http/create-request.mjs', size: 2000 },
    { name: 'functions/http/create-request.mjs.map', size: 1800 },
    { name: 'lib/helper.cjs', size: 10 },
  ]);
  expect(javaScriptBytes(archive)).toBe(2010);
  expect(javaScriptBytes(zip({ 'a.js': 'z' }, 'a zip comment'))).toBe(1);
});

test('refuses what is not a zip, and the budget is 300 KB', () => {
  expect(() => zipEntries(Buffer.from('not a zip at all, not even close'))).toThrow('not a zip file');
  expect(MAX_JS_BYTES).toBe(300 * 1024);
});
