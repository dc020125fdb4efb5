// A horizontal bar chart in SVG (attributes only: no inline style under the CSP). The
// numbers are also in the table beside it; the chart is one labelled image.
import { html } from "../lib.js";

export function Bars({ label, rows, max }) {
    if (!rows.length) return null;
    const top = max || Math.max(1, ...rows.map((r) => r.value || 0));
    const h = 22;
    return html`<svg class="chart" role="img" aria-label=${label} viewBox=${`0 0 500 ${rows.length * h + 4}`} width="100%" preserveAspectRatio="xMinYMin meet">
        ${rows.map((r, i) => html`<g>
            <text x="0" y=${i * h + 15} class="chart-label">${r.label}</text>
            <rect x="90" y=${i * h + 3} height=${h - 6} width=${Math.max(1, ((r.value || 0) / top) * 330)} class="chart-bar" />
            <text x=${96 + ((r.value || 0) / top) * 330} y=${i * h + 15} class="chart-value">${r.text}</text>
        </g>`)}
    </svg>`;
}
