// Chinese map datums in the browser: a Leaflet CRS that draws WGS-84 data on GCJ-02 tiles.
//
// Chinese internal tile services (Amap, Tencent, most provincial platforms) render their maps in
// GCJ-02, ~500 m off WGS-84. Lanyan's data stays WGS-84; with LANYAN_TILE_CRS=gcj02 the map's
// projection shifts every WGS-84 position to GCJ-02 before the Web-Mercator projection, so
// markers, routes and circles land on the tiles' streets. The formulas are those of
// src/lanyan/geo/crs.py (tested there against published pairs); outside China nothing moves.

const A = 6378245.0;
const EE = 0.00669342162296594323;

function outsideChina(lat, lon) {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function offset(lat, lon) {
  const x = lon - 105.0;
  const y = lat - 35.0;
  const pi = Math.PI;
  const common = ((20 * Math.sin(6 * x * pi) + 20 * Math.sin(2 * x * pi)) * 2) / 3;
  let dLat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + common;
  dLat += ((20 * Math.sin(y * pi) + 40 * Math.sin((y / 3) * pi)) * 2) / 3;
  dLat += ((160 * Math.sin((y / 12) * pi) + 320 * Math.sin((y * pi) / 30)) * 2) / 3;
  let dLon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + common;
  dLon += ((20 * Math.sin(x * pi) + 40 * Math.sin((x / 3) * pi)) * 2) / 3;
  dLon += ((150 * Math.sin((x / 12) * pi) + 300 * Math.sin((x / 30) * pi)) * 2) / 3;
  const radLat = (lat / 180) * pi;
  const magic = 1 - EE * Math.sin(radLat) ** 2;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180) / (((A * (1 - EE)) / (magic * sqrtMagic)) * pi);
  dLon = (dLon * 180) / ((A / sqrtMagic) * Math.cos(radLat) * pi);
  return [dLat, dLon];
}

/** WGS-84 → GCJ-02, as [lat, lon]. */
export function wgs84ToGcj02(lat, lon) {
  if (outsideChina(lat, lon)) return [lat, lon];
  const [dLat, dLon] = offset(lat, lon);
  return [lat + dLat, lon + dLon];
}

/** GCJ-02 → WGS-84, as [lat, lon] (fixed-point iteration to ~1e-10°). */
export function gcj02ToWgs84(lat, lon) {
  if (outsideChina(lat, lon)) return [lat, lon];
  let wLat = lat;
  let wLon = lon;
  for (let i = 0; i < 30; i += 1) {
    const [gLat, gLon] = wgs84ToGcj02(wLat, wLon);
    const eLat = gLat - lat;
    const eLon = gLon - lon;
    wLat -= eLat;
    wLon -= eLon;
    if (Math.abs(eLat) < 1e-10 && Math.abs(eLon) < 1e-10) break;
  }
  return [wLat, wLon];
}

/** A Web-Mercator CRS whose projection takes WGS-84 positions onto GCJ-02 tiles. */
export function gcj02Crs(L) {
  const mercator = L.Projection.SphericalMercator;
  const projection = {
    R: mercator.R,
    MAX_LATITUDE: mercator.MAX_LATITUDE,
    bounds: mercator.bounds,
    project(latlng) {
      const [lat, lon] = wgs84ToGcj02(latlng.lat, latlng.lng);
      return mercator.project(L.latLng(lat, lon));
    },
    unproject(point) {
      const shifted = mercator.unproject(point);
      const [lat, lon] = gcj02ToWgs84(shifted.lat, shifted.lng);
      return L.latLng(lat, lon);
    },
  };
  return L.Util.extend({}, L.CRS.EPSG3857, { code: "EPSG:3857+GCJ02", projection });
}
