import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { loadDefinition } from '../../local/stepfunctions/load-definition.js';

const dir = join(__dirname, '../../statemachines');
const files = readdirSync(dir).filter((name) => name.endsWith('.asl.yaml'));

describe('state machine definitions', () => {
  it('finds the access-request machine', () => {
    expect(files).toContain('access-request.asl.yaml');
  });

  it.each(files)('%s is valid Amazon States Language', (file) => {
    const { isValid, errorsText } = aslValidator(loadDefinition(join(dir, file)));
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  it('has no state that cannot be reached, and every Next names a state', () => {
    const definition = loadDefinition(join(dir, 'access-request.asl.yaml'));
    const names = new Set(Object.keys(definition.States));
    const targets = new Set<string>([definition.StartAt]);
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if ((key === 'Next' || key === 'Default') && typeof value === 'string') targets.add(value);
          else collect(value);
        }
      }
    };
    collect(definition.States);
    for (const target of targets) expect(names).toContain(target);
    for (const name of names) expect(targets).toContain(name);
  });
});
