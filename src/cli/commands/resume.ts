/** `breakfix resume [--all]`: see pause.ts, which keeps both sides of a pause together. */
export { resume as run } from './pause.js';
