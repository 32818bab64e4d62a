// Text of the live map (its title and layers) in English and Spanish, merged into the app's tables by
// core/strings.ts.
// Every English key needs its Spanish text (the type says so). Placeholders: {name}.

export const en = {
  "live.title": "Live map and alert queue",
  "live.map_label": "Live map of the city: cameras and open alerts",
  "map.layer.basemap": "City base map (offline)",
  "map.layer.alpr": "ALPR cameras",
  "map.layer.registry": "Registered cameras (view cones)",
  "map.layer.alerts": "Open alerts",
  "map.attribution": "Base map: the {city} city profile (boundary, districts, roads and intersections from public data)",
} as const;

export const es: Record<keyof typeof en, string> = {
  "live.title": "Mapa en vivo y cola de alertas",
  "live.map_label": "Mapa en vivo de la ciudad: cámaras y alertas abiertas",
  "map.layer.basemap": "Mapa base de la ciudad (sin conexión)",
  "map.layer.alpr": "Cámaras ALPR",
  "map.layer.registry": "Cámaras registradas (campo de visión)",
  "map.layer.alerts": "Alertas abiertas",
  "map.attribution": "Mapa base: el perfil de la ciudad de {city} (límite, distritos, calles e intersecciones de datos públicos)",
};
