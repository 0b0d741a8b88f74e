import { defineSsmkitConfig } from '../../vitest.shared.js';

export default defineSsmkitConfig({ globalSetup: ['./test/global-setup.ts'] });
