/**
 * What the location benchmark's processes share: credentials, the city, and how a simulated
 * driver moves.
 */
import { signHs256 } from '../lib/jwt.js';

export const JWT_SECRET = 'bench-secret';
export const API_KEY = 'bench-key';

/** A driver's riding speed in the simulation, km/h: well under the server's 200 km/h jump limit. */
export const DRIVER_SPEED_KMH = 30;
const KM_PER_DEGREE_LAT = 111.195;
const CENTRE = { latitude: 19.076, longitude: 72.8777 };

export function token(sub, role, ttlSeconds = 3600) {
  const iat = Math.floor(Date.now() / 1000);
  return signHs256(JWT_SECRET, { sub, role, iat, exp: iat + ttlSeconds });
}

/** The point `km` away from `from` at `bearingDeg` (flat-earth approximation: fine at city scale). */
export function offset(from, km, bearingDeg) {
  const rad = (bearingDeg * Math.PI) / 180;
  const dLat = (km * Math.cos(rad)) / KM_PER_DEGREE_LAT;
  const dLng = (km * Math.sin(rad)) / (KM_PER_DEGREE_LAT * Math.cos((from.latitude * Math.PI) / 180));
  return { latitude: from.latitude + dLat, longitude: from.longitude + dLng };
}

/** Kitchen k of `count`, on a 3 km ring around the centre. */
export function kitchenAt(k, count) {
  return offset(CENTRE, 3, (360 * k) / count);
}

/**
 * Order i: its kitchen, its customer 2 km away, and the driver's leg: picked-up orders ride from
 * the kitchen to the customer, the others ride to the kitchen from 2 km out (the ETA goes via it).
 */
export function orderLayout(i, kitchens) {
  const k = i % kitchens;
  const kitchen = kitchenAt(k, kitchens);
  const bearing = (i * 137.5) % 360;
  const customer = offset(kitchen, 2, bearing);
  const pickedUp = i % 2 === 0;
  const leg = pickedUp
    ? { from: kitchen, to: customer }
    : { from: offset(kitchen, 2, (bearing + 180) % 360), to: kitchen };
  return { kitchen: k, customer, pickedUp, leg };
}

/** Where a driver is `elapsedMs` after starting its leg (it waits at the end). */
export function positionOnLeg(leg, elapsedMs) {
  const dLat = leg.to.latitude - leg.from.latitude;
  const dLng = leg.to.longitude - leg.from.longitude;
  const lengthKm = Math.hypot(
    dLat * KM_PER_DEGREE_LAT,
    dLng * KM_PER_DEGREE_LAT * Math.cos((leg.from.latitude * Math.PI) / 180),
  );
  const doneKm = (DRIVER_SPEED_KMH * elapsedMs) / 3_600_000;
  const f = lengthKm === 0 ? 1 : Math.min(1, doneKm / lengthKm);
  return { latitude: leg.from.latitude + dLat * f, longitude: leg.from.longitude + dLng * f };
}
