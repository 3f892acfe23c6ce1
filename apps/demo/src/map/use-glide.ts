import { useLayoutEffect, useRef } from 'react';
import type { GeoPoint } from '../demo-api.js';
import { ease, lerpPoint } from './projection.js';

/** How long the marker takes to reach a new position, ms: about the drivers' report interval. */
export const GLIDE_MS = 1_000;

/**
 * Moves a marker smoothly to each new `target`: every animation frame (requestAnimationFrame)
 * it calls `draw` with a point between where the marker is now and the target, reaching it after
 * `glideMs`. A new target mid-glide starts from where the marker is drawn, never from the old
 * target, so the marker never jumps. The first target is drawn at once (there is nothing to
 * glide from). `draw` writes the SVG directly: no React render per frame.
 */
export function useGlide(target: GeoPoint | undefined, draw: (point: GeoPoint) => void, glideMs = GLIDE_MS): void {
  const shown = useRef<GeoPoint | undefined>(undefined);
  const drawRef = useRef(draw);
  drawRef.current = draw;

  useLayoutEffect(() => {
    if (!target) return;
    const from = shown.current;
    if (!from) {
      shown.current = target;
      drawRef.current(target);
      return;
    }
    const started = performance.now();
    let frame = requestAnimationFrame(function step(now) {
      const f = Math.min(1, (now - started) / glideMs);
      shown.current = lerpPoint(from, target, ease(f));
      drawRef.current(shown.current);
      if (f < 1) frame = requestAnimationFrame(step);
    });
    return () => cancelAnimationFrame(frame);
  }, [target, glideMs]);
}
