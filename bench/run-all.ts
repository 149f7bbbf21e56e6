/**
 * `npm run bench`: every benchmark, one after the other; each prints its own figures. The bundles' init is
 * measured first, in fresh processes on a machine the other benchmarks' local stacks have not yet warmed
 * and loaded (their worker threads and timers wind down after each stack stops).
 */
import { benchBundles } from './bundles.js';
import { benchLifecycle } from './lifecycle.js';
import { benchReconciler } from './reconciler.js';
import { benchWorkflowLatency } from './workflow-latency.js';

await benchBundles();
console.log('');
await benchWorkflowLatency();
console.log('');
await benchLifecycle();
console.log('');
await benchReconciler();
