/** Mail and Slack refusing connections for ten minutes (outage.ts has the scenario). */
import { outage, start, stop } from './outage.js';

beforeAll(() => start());
afterAll(stop);

it('mail and Slack refuse connections for 10 minutes: every outcome delivered once afterwards, no Slack message twice', () => outage('down'));
