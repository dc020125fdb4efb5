// The UI's only entry to its libraries: Preact and htm, served by the node from npm's
// node_modules under /vendor/. Absolute paths instead of an import map, because an
// inline import map is blocked by the CSP (default-src 'self') and an external one is
// not supported by browsers; preact/hooks imports the bare "preact", so views are classes.
import { h, render, Component, Fragment, createRef } from "/vendor/preact/dist/preact.module.js";
import htm from "/vendor/htm/dist/htm.module.js";

export const html = htm.bind(h);
export { h, render, Component, Fragment, createRef };
