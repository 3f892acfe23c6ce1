import { useMemo, useRef, type ReactNode } from 'react';
import type { GeoPoint } from '../demo-api.js';
import { fitProjection, MAP_HEIGHT, MAP_WIDTH } from './projection.js';
import { useGlide } from './use-glide.js';

export interface MapViewProps {
  kitchen: GeoPoint;
  dropoff: GeoPoint;
  /** Corners of the road between them, drawn as the route. */
  via?: readonly GeoPoint[];
  /** Where the driver last reported; the marker glides there. Undefined: no driver marker. */
  driver?: GeoPoint | undefined;
  /** Places the map must also fit (e.g. where the driver starts). */
  extra?: readonly GeoPoint[];
}

/**
 * The delivery drawn as SVG by the app itself (no map tiles: the demo runs offline): a stylised
 * street grid, the route, the kitchen, the customer and the driver gliding between reports.
 */
export function MapView({ kitchen, dropoff, via = [], driver, extra = [] }: MapViewProps): ReactNode {
  const projection = useMemo(
    () => fitProjection([kitchen, dropoff, ...via, ...extra]),
    // Refit only when the places change, not on every render.
    [kitchen.latitude, kitchen.longitude, dropoff.latitude, dropoff.longitude, via.length, extra.length],
  );
  const marker = useRef<SVGGElement>(null);
  useGlide(driver, (point) => {
    const [x, y] = projection.toXY(point);
    const node = marker.current;
    if (!node) return;
    node.setAttribute('transform', `translate(${x.toFixed(2)} ${y.toFixed(2)})`);
    node.dataset.x = x.toFixed(2);
    node.dataset.y = y.toFixed(2);
  });
  const route = [kitchen, ...via, dropoff]
    .map((p) =>
      projection
        .toXY(p)
        .map((v) => v.toFixed(1))
        .join(','),
    )
    .join(' ');
  const [kx, ky] = projection.toXY(kitchen);
  const [dx, dy] = projection.toXY(dropoff);

  return (
    <svg
      className="map"
      viewBox={`0 0 ${MAP_WIDTH} ${MAP_HEIGHT}`}
      role="img"
      aria-label="Delivery map"
      data-testid="map"
    >
      <rect width={MAP_WIDTH} height={MAP_HEIGHT} className="map-land" />
      <StreetGrid />
      <polyline points={route} className="map-route" />
      <g transform={`translate(${kx} ${ky})`} data-testid="kitchen-marker">
        <circle r="11" className="map-kitchen" />
        <text y="4" textAnchor="middle" className="map-icon">
          K
        </text>
      </g>
      <g transform={`translate(${dx} ${dy})`} data-testid="customer-marker">
        <circle r="11" className="map-customer" />
        <text y="4" textAnchor="middle" className="map-icon">
          C
        </text>
      </g>
      {driver && (
        <g
          ref={marker}
          data-testid="driver-marker"
          data-target-lat={driver.latitude}
          data-target-lng={driver.longitude}
        >
          <circle r="14" className="map-driver-halo" />
          <circle r="8" className="map-driver" />
        </g>
      )}
    </svg>
  );
}

/** A few streets for orientation; decorative. */
function StreetGrid(): ReactNode {
  const lines: ReactNode[] = [];
  for (let x = 30; x < MAP_WIDTH; x += 60)
    lines.push(<line key={`v${x}`} x1={x} y1={0} x2={x + 18} y2={MAP_HEIGHT} className="map-street" />);
  for (let y = 25; y < MAP_HEIGHT; y += 55)
    lines.push(<line key={`h${y}`} x1={0} y1={y} x2={MAP_WIDTH} y2={y - 10} className="map-street" />);
  return <g>{lines}</g>;
}
