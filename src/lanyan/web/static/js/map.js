// The map part shared by the console and the crew page: base layer and the one-map layers.
import * as L from "../vendor/leaflet/leaflet.esm.js";
import { gcj02Crs } from "./chinacrs.js";
import { api, colour, fetchAll, label, mapLabel, mapText } from "./common.js";

export { L };

export const ATTRIBUTION = "© OpenStreetMap contributors";
const DEFAULT_CENTER = [47.14, 9.53];

/** A Leaflet map with the base layer: the tile server when configured, else the road graph. */
export function createMap(element, { zoom = 12, center = DEFAULT_CENTER, zoomControl = true } = {}) {
  // GCJ-02 tiles: the projection moves our WGS-84 data onto them (see chinacrs.js)
  const crs = window.LANYAN_TILE_URL && window.LANYAN_TILE_CRS === "gcj02" ? gcj02Crs(L) : L.CRS.EPSG3857;
  const map = L.map(element, { crs, zoomControl, zoomSnap: 0.25, attributionControl: true });
  map.setView(center, zoom);
  map.attributionControl.setPrefix(false);
  const canvas = L.canvas({ padding: 0.3 });
  return { map, canvas };
}

/** Base layer: raster tiles when LANYAN_TILE_URL is set, otherwise the roads of the routing graph. */
export async function baseLayer(map, canvas) {
  if (window.LANYAN_TILE_URL) {
    const tiles = L.tileLayer(window.LANYAN_TILE_URL, { maxZoom: 19, attribution: ATTRIBUTION });
    tiles.addTo(map);
    return { layer: tiles, name: "底图（瓦片）", bounds: null };
  }
  const roads = await api("/api/planning/roads");
  const layer = L.geoJSON(roads, {
    renderer: canvas,
    interactive: false,
    attribution: ATTRIBUTION,
    style: { color: "#9aa3ad", weight: 1, opacity: 0.9 },
  });
  layer.addTo(map);
  return { layer, name: "底图（路网）", bounds: layer.getBounds() };
}

const ORG_GROUPS = [
  { key: "stations", name: "消防救援站", kinds: ["station", "special_station"], radius: 9 },
  { key: "teams", name: "专职队/志愿队", kinds: ["gov_team", "enterprise_team", "volunteer_team"], radius: 7 },
  { key: "micro", name: "微型消防站", kinds: ["micro_station"], radius: 5 },
];

// Tooltips and popups get DOM content built on opening (a function): names and addresses are
// record text, and Leaflet would parse a string as HTML.
function orgPopup(choices, org) {
  return mapLabel(org.name, label(choices, "org_kind", org.kind), org.address, org.phone ? `电话：${org.phone}` : null);
}

/** Organization layers by kind, and the boundaries of brigades and stations. */
export function organizationLayers(choices, orgs, canvas) {
  const layers = {};
  for (const group of ORG_GROUPS) {
    const layer = L.layerGroup();
    for (const org of orgs) {
      if (!group.kinds.includes(org.kind) || org.lon == null || org.lat == null) continue;
      L.circleMarker([org.lat, org.lon], {
        renderer: canvas,
        radius: group.radius,
        color: "#fff",
        weight: 2,
        fillColor: colour(choices, "org_kind", org.kind),
        fillOpacity: 0.95,
      })
        .bindTooltip(() => mapText(org.name))
        .bindPopup(() => orgPopup(choices, org))
        .addTo(layer);
    }
    layers[group.key] = { name: group.name, layer };
  }
  const boundary = (kinds, style) =>
    L.geoJSON(
      {
        type: "FeatureCollection",
        features: orgs
          .filter((o) => kinds.includes(o.kind) && o.jurisdiction)
          .map((o) => ({ type: "Feature", geometry: o.jurisdiction, properties: { name: o.name } })),
      },
      { renderer: canvas, interactive: false, style },
    );
  layers.brigades = {
    name: "大队辖区",
    layer: boundary(["brigade"], { color: "#1565c0", weight: 3, dashArray: "8 6", fill: false }),
  };
  layers.districts = {
    name: "消防站辖区",
    layer: boundary(["station", "special_station"], { color: "#c62828", weight: 1.5, dashArray: "3 4", fill: false }),
  };
  return layers;
}

/**
 * Where a unit is drawn: its live position; else, on scene (到场/出水), at its incident
 * (``atScene``: unit id → [lat, lon]); else at its station; fanned out around the spot it shares.
 */
export function unitPositions(units, orgsById, atScene = new Map()) {
  const groups = new Map();
  const positions = new Map();
  const join = (key, centre, unit) => {
    const group = groups.get(key) || { centre, units: [] };
    group.units.push(unit);
    groups.set(key, group);
  };
  for (const unit of units) {
    if (unit.lon != null && unit.lat != null) {
      positions.set(unit.id, [unit.lat, unit.lon]);
      continue;
    }
    const scene = atScene.get(unit.id);
    if (scene) {
      join(`scene:${scene[0]},${scene[1]}`, scene, unit);
      continue;
    }
    const station = orgsById.get(unit.station_id);
    if (!station || station.lat == null) continue;
    join(`station:${station.id}`, [station.lat, station.lon], unit);
  }
  for (const { centre, units: list } of groups.values()) {
    list.sort((a, b) => a.id - b.id);
    list.forEach((unit, i) => {
      const angle = (2 * Math.PI * i) / list.length;
      const r = 0.0011;
      positions.set(unit.id, [centre[0] + r * Math.sin(angle) * 0.68, centre[1] + r * Math.cos(angle)]);
    });
  }
  return positions;
}

/**
 * Units coloured by status (SVG, so each marker is an element the live board can recolour and a
 * browser test can read: class "unit-marker unit-<id>", data-status).
 */
export class UnitLayer {
  constructor(choices, svg) {
    this.choices = choices;
    this.svg = svg;
    this.layer = L.layerGroup();
    this.markers = new Map();
  }

  tooltip(marker) {
    const unit = marker.unit;
    return mapText(`${unit.call_sign}：${label(this.choices, "unit_status", unit.status)}`);
  }

  update(units, orgsById, atScene = new Map()) {
    const positions = unitPositions(units, orgsById, atScene);
    const seen = new Set();
    for (const unit of units) {
      const at = positions.get(unit.id);
      if (!at) continue;
      seen.add(unit.id);
      const fill = colour(this.choices, "unit_status", unit.status);
      let marker = this.markers.get(unit.id);
      if (!marker) {
        marker = L.circleMarker(at, {
          renderer: this.svg,
          radius: 5,
          color: "#263238",
          weight: 1,
          fillOpacity: 1,
          fillColor: fill,
          className: `unit-marker unit-${unit.id}`,
        }).bindTooltip((layer) => this.tooltip(layer));
        marker.addTo(this.layer);
        this.markers.set(unit.id, marker);
      } else {
        marker.setLatLng(at);
        marker.setStyle({ fillColor: fill });
      }
      marker.unit = unit;
      if (marker.isTooltipOpen()) marker.getTooltip().update();
      marker.unitStatus = unit.status;
      const el = marker.getElement();
      if (el) el.dataset.status = unit.status;
      else marker.once("add", () => marker.getElement()?.setAttribute("data-status", marker.unitStatus));
    }
    for (const [id, marker] of this.markers) {
      if (!seen.has(id)) {
        this.layer.removeLayer(marker);
        this.markers.delete(id);
      }
    }
  }
}

export function waterLayer(choices, sources, canvas) {
  const layer = L.layerGroup();
  for (const ws of sources) {
    if (ws.lon == null) continue;
    const ok = ws.state === "ok";
    L.circleMarker([ws.lat, ws.lon], {
      renderer: canvas,
      radius: 3,
      weight: 1,
      color: ok ? "#0277bd" : "#b71c1c",
      fillColor: ok ? "#4fc3f7" : "#ef9a9a",
      fillOpacity: 0.9,
    })
      .bindPopup(() =>
        mapLabel(
          ws.name,
          `${label(choices, "water_source_kind", ws.kind)} · ${label(choices, "water_source_state", ws.state)}`,
          ws.flow_lps ? `流量 ${ws.flow_lps} L/s` : null,
        ),
      )
      .addTo(layer);
  }
  return layer;
}

export function premisesLayer(choices, premises, canvas) {
  const layer = L.layerGroup();
  for (const p of premises) {
    if (p.lon == null) continue;
    const key = p.category === "key_unit";
    L.circleMarker([p.lat, p.lon], {
      renderer: canvas,
      radius: key ? 4.5 : 3,
      weight: 1,
      color: "#4e342e",
      fillColor: colour(choices, "premises_category", p.category, key ? "#ff6f00" : "#8d6e63"),
      fillOpacity: 0.9,
    })
      .bindPopup(() =>
        mapLabel(
          p.name,
          label(choices, "premises_category", p.category),
          p.address,
          [p.floors_above ? `地上 ${p.floors_above} 层` : "", p.height_m ? `建筑高度约 ${Math.round(p.height_m)} 米` : ""].filter(Boolean).join("，") || null,
        ),
      )
      .addTo(layer);
  }
  return layer;
}

const HOLE_STYLES = {
  micro_3min: { name: "3分钟覆盖盲区（微型站）", color: "#8e24aa" },
  urban_5min: { name: "5分钟覆盖盲区（消防站）", color: "#e53935" },
  rural_15min: { name: "15分钟覆盖盲区（乡村）", color: "#fb8c00" },
};

/** Coverage holes of the 3/5/15-minute circles, one layer each (live: drops as units go out). */
export function holeLayers(coverage, canvas) {
  const layers = {};
  for (const [key, style] of Object.entries(HOLE_STYLES)) {
    const share = coverage.circles?.find((c) => c.key === key)?.city?.share;
    const name = share === undefined ? style.name : `${style.name} 覆盖率 ${(share * 100).toFixed(1)}%`;
    layers[key] = {
      name,
      layer: L.geoJSON(coverage.holes?.[key] || { type: "FeatureCollection", features: [] }, {
        renderer: canvas,
        style: { color: style.color, weight: 1, fillColor: style.color, fillOpacity: 0.25 },
        onEachFeature: (feature, layer) => {
          const p = feature.properties || {};
          layer.bindTooltip(() => mapText(`${style.name}：${p.area_km2 ?? "?"} km²`));
        },
      }),
    };
  }
  return layers;
}

/** Everything the one map loads, fetched in parallel. */
export async function fetchMapData() {
  const [orgs, units, water, premises, coverage] = await Promise.all([
    fetchAll("/api/forces/organizations"),
    fetchAll("/api/forces/units"),
    fetchAll("/api/forces/water-sources"),
    fetchAll("/api/premises"),
    api("/api/planning/coverage?live=true&holes=true"),
  ]);
  return { orgs, units, water, premises, coverage };
}

/** A route (GeoJSON Feature of a LineString) drawn over the map. */
export function routeLayer(feature, colourValue = "#1e88e5", svg = undefined) {
  return L.geoJSON(feature, { renderer: svg, style: { color: colourValue, weight: 4, opacity: 0.85 } });
}

/** Resolves after the browser has painted the frame that includes what was just added. */
export function afterPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
}
