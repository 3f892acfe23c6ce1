/** A point on the map, in degrees (WGS 84). */
export interface GeoPoint {
  readonly latitude: number;
  readonly longitude: number;
}

const EARTH_RADIUS_M = 6_371_000;
const toRadians = (degrees: number): number => (degrees * Math.PI) / 180;

/** Great-circle distance between two points, metres (haversine). */
export function distanceMeters(a: GeoPoint, b: GeoPoint): number {
  const dLat = toRadians(b.latitude - a.latitude);
  const dLon = toRadians(b.longitude - a.longitude);
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(toRadians(a.latitude)) * Math.cos(toRadians(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial compass bearing from `a` to `b`, degrees in [0, 360). */
export function bearingDegrees(a: GeoPoint, b: GeoPoint): number {
  const lat1 = toRadians(a.latitude);
  const lat2 = toRadians(b.latitude);
  const dLon = toRadians(b.longitude - a.longitude);
  const y = Math.sin(dLon) * Math.cos(lat2);
  const x = Math.cos(lat1) * Math.sin(lat2) - Math.sin(lat1) * Math.cos(lat2) * Math.cos(dLon);
  const degrees = (Math.atan2(y, x) * 180) / Math.PI;
  return (degrees + 360) % 360;
}

/**
 * The points a driver reports going from `stops[0]` through every later stop, each at most
 * `stepMeters` from the one before (straight lines between stops, split evenly). The start is
 * not included; every later stop is. City-scale distances make linear interpolation of degrees
 * accurate to well under a metre.
 */
export function routePoints(stops: readonly GeoPoint[], stepMeters: number): GeoPoint[] {
  if (!(stepMeters > 0)) throw new TypeError('stepMeters must be a positive number of metres');
  const points: GeoPoint[] = [];
  for (let i = 1; i < stops.length; i++) {
    const from = stops[i - 1] as GeoPoint;
    const to = stops[i] as GeoPoint;
    const distance = distanceMeters(from, to);
    if (distance === 0) continue;
    // A hair under the step, so rounding never makes a segment longer than allowed.
    const count = Math.ceil(distance / (stepMeters * 0.999));
    for (let k = 1; k <= count; k++) {
      const f = k / count;
      // The stop itself, exactly, rather than a sum that may round a hair off it.
      points.push(
        k === count
          ? { latitude: to.latitude, longitude: to.longitude }
          : {
              latitude: from.latitude + (to.latitude - from.latitude) * f,
              longitude: from.longitude + (to.longitude - from.longitude) * f,
            },
      );
    }
  }
  return points;
}
