import { describe, expect, it } from 'vitest';
import {
  dampEta,
  estimateMinutes,
  greatCircleKm,
  INITIAL_ETA_DAMPING,
  remainingPrepMinutes,
  rideMinutes,
  type EtaDamping,
  type LatLng,
} from '../src/domain/drivers/eta.js';

const model = { detourFactor: 1.3, citySpeedKmh: 20 };
/** Kilometres per degree of latitude on the mean-radius sphere. */
const KM_PER_DEGREE = (6371.0088 * Math.PI) / 180;
const customer: LatLng = { latitude: 19.0544, longitude: 72.8406 };
/** A point `km` due north of `from`. */
const northOf = (from: LatLng, km: number): LatLng => ({
  latitude: from.latitude + km / KM_PER_DEGREE,
  longitude: from.longitude,
});

describe('great-circle distance and riding time', () => {
  it('measures known distances', () => {
    expect(greatCircleKm({ latitude: 0, longitude: 0 }, { latitude: 1, longitude: 0 })).toBeCloseTo(KM_PER_DEGREE, 6);
    expect(greatCircleKm({ latitude: 0, longitude: 0 }, { latitude: 0, longitude: 1 })).toBeCloseTo(KM_PER_DEGREE, 6);
    // Mumbai (CSMT) to Pune station: about 120 km as the crow flies.
    const km = greatCircleKm({ latitude: 18.9398, longitude: 72.8355 }, { latitude: 18.5286, longitude: 73.8743 });
    expect(km).toBeGreaterThan(118);
    expect(km).toBeLessThan(122);
    expect(greatCircleKm(customer, customer)).toBe(0);
    // Antipodes: half the circumference, without NaN from rounding.
    expect(greatCircleKm({ latitude: 0, longitude: 0 }, { latitude: 0, longitude: 180 })).toBeCloseTo(
      Math.PI * 6371.0088,
      3,
    );
  });

  it('rides the great-circle distance times the detour factor at the city speed', () => {
    // 10 km × 1.3 = 13 km at 20 km/h = 39 minutes.
    expect(rideMinutes(customer, northOf(customer, 10), model)).toBeCloseTo(39, 6);
    expect(rideMinutes(customer, northOf(customer, 10), { detourFactor: 1, citySpeedKmh: 30 })).toBeCloseTo(20, 6);
  });
});

describe('remaining preparation time', () => {
  const acceptedAtMs = Date.parse('2026-01-31T12:00:00Z');
  it('counts down from acceptance and never goes negative', () => {
    const prep = { prepMinutes: 15, acceptedAtMs, ready: false };
    expect(remainingPrepMinutes(prep, acceptedAtMs)).toBe(15);
    expect(remainingPrepMinutes(prep, acceptedAtMs + 6 * 60_000)).toBe(9);
    expect(remainingPrepMinutes(prep, acceptedAtMs + 60 * 60_000)).toBe(0);
  });

  it('is the whole prep time before acceptance and nothing once the food is ready', () => {
    expect(remainingPrepMinutes({ prepMinutes: 15, acceptedAtMs: undefined, ready: false }, acceptedAtMs)).toBe(15);
    expect(remainingPrepMinutes({ prepMinutes: 15, acceptedAtMs, ready: true }, acceptedAtMs)).toBe(0);
  });
});

describe('estimated minutes to delivery', () => {
  const nowMs = Date.parse('2026-01-31T12:00:00Z');
  const kitchen = northOf(customer, 2); // 7.8 minutes' ride from the customer
  const cooking = (minutesLeft: number) => ({ prepMinutes: minutesLeft, acceptedAtMs: nowMs, ready: false });

  it('before pickup: the longer of the food and the ride to the kitchen, then the ride to the customer', () => {
    const nearKitchen = northOf(kitchen, 0.5); // 1.95 minutes away
    // The food takes longer than the ride: wait for it.
    expect(
      estimateMinutes({ driver: nearKitchen, kitchen, customer, pickedUp: false, prep: cooking(10) }, model, nowMs),
    ).toBeCloseTo(10 + 7.8, 6);
    // The ride takes longer than the food: the food waits.
    const farAway = northOf(kitchen, 5); // 19.5 minutes away
    expect(
      estimateMinutes({ driver: farAway, kitchen, customer, pickedUp: false, prep: cooking(10) }, model, nowMs),
    ).toBeCloseTo(19.5 + 7.8, 6);
  });

  it('after pickup: straight to the customer, whatever the kitchen', () => {
    const driver = northOf(customer, 1); // 3.9 minutes away
    expect(estimateMinutes({ driver, kitchen, customer, pickedUp: true, prep: cooking(30) }, model, nowMs)).toBeCloseTo(
      3.9,
      6,
    );
  });
});

describe('ETA damping', () => {
  /** Feeds estimates in turn; returns what would have been published. */
  const publishedFor = (estimates: number[], start: EtaDamping = INITIAL_ETA_DAMPING): number[] => {
    let state = start;
    const published: number[] = [];
    for (const estimate of estimates) {
      const step = dampEta(state, estimate);
      state = step.state;
      if (step.publish && state.publishedMinutes !== undefined) published.push(state.publishedMinutes);
    }
    return published;
  };

  it('publishes the first estimate at once, rounded', () => {
    expect(publishedFor([12.4])).toEqual([12]);
    expect(publishedFor([-0.3])).toEqual([0]);
  });

  it('does not flip back and forth on noise around a rounding boundary', () => {
    expect(publishedFor([10.4, 10.6, 10.4, 10.6, 9.6, 10.4, 10.51, 10.2])).toEqual([10]);
  });

  it('follows a one-minute change once two consecutive updates agree', () => {
    expect(publishedFor([10.2, 9.4, 9.3])).toEqual([10, 9]);
    // A change seen once, then gone: nothing.
    expect(publishedFor([10.2, 9.4, 10.1, 9.4])).toEqual([10]);
    // A steady approach is followed one update late.
    expect(publishedFor([12, 11, 11, 10, 10, 9, 9])).toEqual([12, 11, 10, 9]);
  });

  it('publishes a change of two minutes or more at once', () => {
    expect(publishedFor([10, 12])).toEqual([10, 12]);
    expect(publishedFor([10, 4.6])).toEqual([10, 5]);
  });

  it('continues from what customers were last told', () => {
    expect(publishedFor([10.3, 9.8], { publishedMinutes: 10, pendingMinutes: undefined })).toEqual([]);
  });
});
