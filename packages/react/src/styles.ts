/** The id of the one `<style>` element the components share. */
export const STYLE_ELEMENT_ID = 'dabba-react-styles';

/**
 * The components' CSS: plain class names prefixed `dabba-`, overridable by the app's own CSS.
 * Colours follow seed 004: yellow reconnecting (with a pulse), red failed, grey offline.
 */
export const DABBA_CSS = `
.dabba-status{position:fixed;top:0;left:0;right:0;z-index:1000;display:flex;align-items:center;justify-content:center;gap:.75rem;padding:.5rem 1rem;font:500 14px/1.4 system-ui,sans-serif;color:#1f2328}
.dabba-status[data-status="reconnecting"],.dabba-status[data-status="connecting"]{background:#fde68a}
.dabba-status[data-status="failed"]{background:#dc2626;color:#fff}
.dabba-status[data-status="disconnected"]{background:#9ca3af;color:#111827}
.dabba-status__dot{width:.6rem;height:.6rem;border-radius:50%;background:currentColor}
.dabba-status[data-status="reconnecting"] .dabba-status__dot,.dabba-status[data-status="connecting"] .dabba-status__dot{background:#b45309;animation:dabba-pulse 1.2s ease-in-out infinite}
.dabba-status button{font:inherit;padding:.2rem .8rem;border-radius:.4rem;border:1px solid currentColor;background:transparent;color:inherit;cursor:pointer}
@keyframes dabba-pulse{0%,100%{opacity:1;transform:scale(1)}50%{opacity:.35;transform:scale(.7)}}
.dabba-toaster{position:fixed;right:1rem;bottom:1rem;z-index:1001;display:flex;flex-direction:column;gap:.5rem;max-width:min(24rem,calc(100vw - 2rem))}
.dabba-toast{display:flex;align-items:flex-start;gap:.75rem;padding:.75rem 1rem;border-radius:.5rem;box-shadow:0 4px 16px rgba(0,0,0,.18);font:14px/1.4 system-ui,sans-serif;color:#fff;animation:dabba-slide-in .2s ease-out}
.dabba-toast[data-type="success"]{background:#15803d}
.dabba-toast[data-type="error"]{background:#b91c1c}
.dabba-toast[data-type="warning"]{background:#b45309}
.dabba-toast[data-type="info"]{background:#1d4ed8}
.dabba-toast__body{flex:1}
.dabba-toast__title{font-weight:600}
.dabba-toast__actions{display:flex;gap:.5rem;margin-top:.4rem}
.dabba-toast button{font:inherit;padding:.15rem .6rem;border-radius:.35rem;border:1px solid rgba(255,255,255,.7);background:transparent;color:inherit;cursor:pointer}
.dabba-toast .dabba-toast__close{border:none;padding:0 .2rem;font-size:1.1rem;line-height:1}
@keyframes dabba-slide-in{from{transform:translateY(.75rem);opacity:0}to{transform:none;opacity:1}}
@media (prefers-reduced-motion:reduce){.dabba-status__dot,.dabba-toast{animation:none!important}}
`;

/** Adds the components' CSS to the document once (no-op without a DOM, e.g. in SSR or React Native). */
export function injectStyles(doc: Document | undefined = typeof document === 'undefined' ? undefined : document): void {
  if (!doc || doc.getElementById(STYLE_ELEMENT_ID)) return;
  const style = doc.createElement('style');
  style.id = STYLE_ELEMENT_ID;
  style.textContent = DABBA_CSS;
  doc.head.appendChild(style);
}
