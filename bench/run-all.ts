/** `npm run bench`: every benchmark, one after the other; each prints its own figures. */
import { benchWorkflowLatency } from './workflow-latency.js';

await benchWorkflowLatency();
