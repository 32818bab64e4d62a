// Text of the alert view's vendor-payload parts (stored crops, travel direction, the camera's own label and the
// camera's own hotlist alerts) in English and Spanish, merged into the app's tables by core/strings.ts.
// Every English key needs its Spanish text (the type says so). Placeholders: {name}.

export const en = {
  "alerts.crop.stored": "Plate crop as the camera sent it",
  "alerts.vehicle_image.alt": "Vehicle image from camera {camera}",
  "alerts.vehicle_image": "Vehicle as the camera sent it",
  "alerts.heading": "Direction of travel",
  "alerts.heading.value": "{deg}° ({dir})",
  "alerts.camera_label": "Camera's own label",
  "alerts.vendor.title": "The camera's own hotlist alert",
  "alerts.vendor.help": "The camera's system flagged this read on its own list. Our hotlists decide the hit; use this only as a cross-check.",
  "alerts.vendor.item": "{list} ({type})",
  "alerts.vendor.failed": "Could not load the camera's own alerts: {detail}",
} as const;

export const es: Record<keyof typeof en, string> = {
  "alerts.crop.stored": "Recorte de la placa tal como lo envió la cámara",
  "alerts.vehicle_image.alt": "Imagen del vehículo de la cámara {camera}",
  "alerts.vehicle_image": "Vehículo tal como lo envió la cámara",
  "alerts.heading": "Dirección de circulación",
  "alerts.heading.value": "{deg}° ({dir})",
  "alerts.camera_label": "Etiqueta propia de la cámara",
  "alerts.vendor.title": "Alerta de la lista propia de la cámara",
  "alerts.vendor.help": "El sistema de la cámara marcó esta lectura en su propia lista. Nuestras listas deciden la coincidencia; use esto solo como verificación cruzada.",
  "alerts.vendor.item": "{list} ({type})",
  "alerts.vendor.failed": "No se pudieron cargar las alertas propias de la cámara: {detail}",
};
