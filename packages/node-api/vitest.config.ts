import { defineSsmkitConfig } from '../../vitest.shared.js';

export default defineSsmkitConfig();
