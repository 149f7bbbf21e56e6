/** Mail and Slack answering too late for ten minutes (outage.ts has the scenario). */
import { outage, start, stop } from './outage.js';

beforeAll(() => start({ email: 200, slack: 200 }));
afterAll(stop);

it('mail and Slack answer too late for 10 minutes: every outcome delivered (emails maybe twice), no Slack message twice', () => outage('slow'));
