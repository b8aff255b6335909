// The risk layers of the one map (风险感知): premises coloured by level and the H3 cell choropleth.
// Used by the risk page (filled at once) and by the console (filled when first switched on, so
// the dispatch room does not load them unless asked).
import * as L from "../vendor/leaflet/leaflet.esm.js";
import { api, escapeHtml } from "./common.js";

/** Scored premises as circle markers in their level's colour; a ring marks a supervised listing. */
export function premisesRiskLayer(geojson, canvas, onPick) {
  return L.geoJSON(geojson, {
    pointToLayer: (feature, latlng) => {
      const p = feature.properties;
      return L.circleMarker(latlng, {
        renderer: canvas,
        radius: p.level === "high" ? 7 : p.level === "elevated" ? 6 : 4,
        color: p.listed ? "#000" : "#fff",
        weight: p.listed ? 2.5 : 1,
        fillColor: p.color,
        fillOpacity: 0.95,
      });
    },
    onEachFeature: (feature, layer) => {
      const p = feature.properties;
      layer.bindTooltip(`${escapeHtml(p.name)} · ${p.level_zh}（${Math.round(p.score)} 分）`);
      layer.on("click", () => onPick?.(p.id));
    },
  });
}

/** H3 cells filled by level (the area choropleth). */
export function cellRiskLayer(geojson, canvas) {
  return L.geoJSON(geojson, {
    renderer: canvas,
    style: (feature) => ({
      color: feature.properties.color,
      weight: 0.5,
      fillColor: feature.properties.color,
      fillOpacity: 0.3,
    }),
    onEachFeature: (feature, layer) => {
      const p = feature.properties;
      layer.bindTooltip(
        `网格 ${p.cell} · ${p.level_zh}（${p.score.toFixed(1)} 分）<br>单位 ${p.premises} 家 · 近三年火灾 ${p.fires} 起`,
      );
    },
  });
}


/** The two risk overlays for a map's layer control, empty until first shown. */
export function lazyRiskLayers(canvas) {
  const premises = premisesRiskLayer({ type: "FeatureCollection", features: [] }, canvas);
  const cells = cellRiskLayer({ type: "FeatureCollection", features: [] }, canvas);
  const fill = (layer, path) => {
    let loaded = false;
    layer.on("add", async () => {
      if (loaded) return;
      loaded = true;
      layer.addData(await api(path));
    });
  };
  fill(premises, "/api/risk/layers/premises");
  fill(cells, "/api/risk/layers/cells");
  return [
    ["risk_premises", "单位风险等级", premises, false],
    ["risk_cells", "网格风险", cells, false],
  ];
}
