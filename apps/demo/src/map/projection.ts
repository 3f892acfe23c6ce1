import type { GeoPoint } from '../demo-api.js';

/** The map's drawing size, SVG user units (the SVG scales to its box). */
export const MAP_WIDTH = 360;
export const MAP_HEIGHT = 300;
/** Room kept around the places, SVG units. */
const PADDING = 28;

export interface Projection {
  /** Degrees → SVG `[x, y]` (north up). */
  toXY(point: GeoPoint): [number, number];
}

/**
 * An equirectangular projection fitting `points` into the map: at city scale, scaling longitude
 * by cos(latitude) keeps distances true to well under a percent, so no map library is needed.
 */
export function fitProjection(points: readonly GeoPoint[]): Projection {
  const lats = points.map((p) => p.latitude);
  const lons = points.map((p) => p.longitude);
  const minLat = Math.min(...lats);
  const maxLat = Math.max(...lats);
  const midLat = (minLat + maxLat) / 2;
  const lonScale = Math.cos((midLat * Math.PI) / 180);
  const minX = Math.min(...lons) * lonScale;
  const maxX = Math.max(...lons) * lonScale;
  // The same scale on both axes; a degenerate box (one point) gets a ~500 m window.
  const spanX = Math.max(maxX - minX, 0.005);
  const spanY = Math.max(maxLat - minLat, 0.005);
  const scale = Math.min((MAP_WIDTH - 2 * PADDING) / spanX, (MAP_HEIGHT - 2 * PADDING) / spanY);
  const offsetX = (MAP_WIDTH - spanX * scale) / 2;
  const offsetY = (MAP_HEIGHT - spanY * scale) / 2;
  return {
    toXY: (p) => [
      offsetX + (p.longitude * lonScale - minX) * scale,
      MAP_HEIGHT - (offsetY + (p.latitude - minLat) * scale),
    ],
  };
}

/** `from` → `to` by `f` in [0, 1]. */
export function lerpPoint(from: GeoPoint, to: GeoPoint, f: number): GeoPoint {
  return {
    latitude: from.latitude + (to.latitude - from.latitude) * f,
    longitude: from.longitude + (to.longitude - from.longitude) * f,
  };
}

/** Smoothstep easing: starts and ends gently, so consecutive legs join without a jolt. */
export function ease(f: number): number {
  const t = Math.min(1, Math.max(0, f));
  return t * t * (3 - 2 * t);
}
