import { useDabbaClient, useToast } from '@dabba/react';
import { useEffect, useRef, useState } from 'react';
import { bearingDegrees, distanceMeters, routePoints } from '../../../../packages/server/src/dev/route.js';
import type { GeoPoint } from '../demo-api.js';

/** How often the driver reports while riding, ms: just over the server's one-per-second limit. */
export const REPORT_INTERVAL_MS = 1_100;
/** Reported GPS accuracy of the simulated ride, metres. */
const SIMULATED_ACCURACY_M = 5;

export type LocationSource = 'off' | 'route' | 'gps';

export interface Ride {
  position: GeoPoint;
  /** Where the last report stands: sent, waiting in the outbox (offline), or refused. */
  lastReport: 'none' | 'sent' | 'queued' | 'refused';
}

/**
 * The driver's position and its reports. `route`: rides the dev simulator's route (the same
 * `routePoints` helper) at `speedKmh` through `stops`, reporting every REPORT_INTERVAL_MS;
 * `gps`: reports the browser's geolocation (when the user allows it). Reports go through the
 * client's outbox as latest-wins `driver.location` rpcs: while offline only the newest is kept.
 */
export function useRide(source: LocationSource, start: GeoPoint, stops: readonly GeoPoint[], speedKmh: number): Ride {
  const client = useDabbaClient();
  const toast = useToast();
  const [ride, setRide] = useState<Ride>({ position: start, lastReport: 'none' });
  const position = useRef(start);
  const remaining = useRef<GeoPoint[]>([...stops]);
  const stopsKey = stops.map((s) => `${s.latitude},${s.longitude}`).join(';');
  useEffect(() => {
    remaining.current = [...stops];
    // A new leg (a new key) replaces the stops; the same stops on a re-render do not.
  }, [stopsKey]);

  useEffect(() => {
    const report = (at: GeoPoint, heading: number | undefined, speedMps: number, accuracy: number): void => {
      position.current = at;
      const data: Record<string, unknown> = {
        latitude: at.latitude,
        longitude: at.longitude,
        accuracy,
        speed: speedMps,
      };
      if (heading !== undefined) data.heading = heading;
      setRide({ position: at, lastReport: client.state.status === 'connected' ? 'sent' : 'queued' });
      client.send('driver.location', data, { kind: 'latest' }).then(
        () => setRide((r) => (r.position === at ? { ...r, lastReport: 'sent' } : r)),
        (error: Error) => {
          setRide((r) => (r.position === at ? { ...r, lastReport: 'refused' } : r));
          if (!/rate/i.test(error.message)) toast.warning(`Location refused: ${error.message}`);
        },
      );
    };

    if (source === 'route') {
      const speedMps = speedKmh / 3.6;
      const step = speedMps * (REPORT_INTERVAL_MS / 1000);
      const timer = setInterval(() => {
        const from = position.current;
        while (remaining.current[0] && distanceMeters(from, remaining.current[0]) < 1) remaining.current.shift();
        const next = routePoints([from, ...remaining.current], step)[0];
        if (!next) return; // Arrived: wait for the next leg.
        report(next, bearingDegrees(from, next), speedMps, SIMULATED_ACCURACY_M);
      }, REPORT_INTERVAL_MS);
      return () => clearInterval(timer);
    }
    if (source === 'gps') {
      if (!('geolocation' in navigator)) {
        toast.error('This browser has no geolocation');
        return;
      }
      let lastSentAt = 0;
      const watch = navigator.geolocation.watchPosition(
        (fix) => {
          if (Date.now() - lastSentAt < REPORT_INTERVAL_MS) return;
          lastSentAt = Date.now();
          const { latitude, longitude, accuracy, heading, speed } = fix.coords;
          report({ latitude, longitude }, heading ?? undefined, speed ?? 0, Math.round(accuracy));
        },
        (error) => toast.error(`Geolocation: ${error.message}`),
        { enableHighAccuracy: true, maximumAge: 1_000 },
      );
      return () => navigator.geolocation.clearWatch(watch);
    }
    return undefined;
  }, [source, speedKmh, client, toast]);

  return ride;
}
