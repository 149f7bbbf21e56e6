/** `npm run bench`: every benchmark, one after the other; each prints its own figures. */
import { benchBundles } from './bundles.js';
import { benchLifecycle } from './lifecycle.js';
import { benchReconciler } from './reconciler.js';
import { benchWorkflowLatency } from './workflow-latency.js';

await benchWorkflowLatency();
console.log('');
await benchLifecycle();
console.log('');
await benchBundles();
console.log('');
await benchReconciler();
