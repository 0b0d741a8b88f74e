import { defineSsmkitConfig } from '../../vitest.shared.js';

// Suites here start real servers and push many MiB; one file at a time keeps them from
// competing for the two cores of a CI machine.
export default defineSsmkitConfig({ fileParallelism: false, testTimeout: 180_000 });
